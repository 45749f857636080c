#!/usr/bin/python3
"""bench/vi_posteriordb.py -- Pathfinder and ADVI on the posteriordb posteriors (`make bench-vi`).

For every ../shared/posteriordb/<posterior>/ with a reference.json: `urn pathfinder` (4 paths, 1000
PSIS draws, seed 1) and `urn variational` (meanfield, seed 1), their means of the reference
quantities in units of the reference posterior sd, and their gradient evaluations; beside them the
gradient evaluations of a full NUTS run (4 chains x 1000 warmup + 1000 draws), estimated as 4 x those
of one chain (`urn sample --chains 1`, seed 1; --no-nuts skips it).

A posterior counts as near-Gaussian when every reference quantity has kurtosis within [2.5, 3.6] and
quantile asymmetry |(q95 - q50) - (q50 - q5)| / (q95 - q5) < 0.1 (from reference.json).  The goal of
issue #17: Pathfinder's means within 0.3 sd of the reference for >= 90% of the near-Gaussian
posteriors, with at most 1/10 of the gradient evaluations of a full NUTS run.

usage: vi_posteriordb.py URN SHARED_DIR [--no-nuts] [--only NAME,...] [--timeout S]
"""
import json
import math
import os
import re
import subprocess
import sys
import tempfile


def read_csv(path):
    with open(path) as f:
        lines = [ln.rstrip("\n") for ln in f if ln.strip() and not ln.startswith("#")]
    header = lines[0].split(",")
    cols = {h: [] for h in header}
    for ln in lines[1:]:
        for h, v in zip(header, ln.split(",")):
            cols[h].append(float(v))
    return cols


def csv_name(q):
    return q.replace("[", ".").replace("]", "").replace(",", ".")


def near_gaussian(ref):
    for q in ref["quantities"]:
        width = q["q95"] - q["q5"]
        asym = abs((q["q95"] - q["q50"]) - (q["q50"] - q["q5"])) / width if width > 0 else 0
        if not (2.5 <= q["kurtosis"] <= 3.6) or asym >= 0.1:
            return False
    return True


def run(cmd, timeout):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return -1, "", "timeout"


def max_z(ref, cols, skip_first):
    """The largest |mean - reference mean| / reference sd over the reference quantities."""
    worst = 0.0
    for q in ref["quantities"]:
        v = cols.get(csv_name(q["name"]))
        if v is None:
            return math.nan
        v = v[1:] if skip_first else v
        m = sum(v) / len(v)
        worst = max(worst, abs(m - q["mean"]) / q["sd"] if q["sd"] > 0 else 0)
    return worst


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) < 2:
        print(__doc__)
        sys.exit(2)
    urn, shared = args[0], args[1]
    nuts = "--no-nuts" not in sys.argv
    only = None
    timeout = 600
    for i, a in enumerate(sys.argv):
        if a == "--only":
            only = set(sys.argv[i + 1].split(","))
        if a == "--timeout":
            timeout = float(sys.argv[i + 1])
    root = os.path.join(shared, "posteriordb")
    tmp = tempfile.mkdtemp(prefix="urn_vi_")
    rows = []
    print("%-46s %3s %8s %8s %8s %9s %8s %8s %9s" % ("posterior", "NG", "pf z", "pf grad", "pf lp", "pf/NUTS",
                                                     "vb z", "vb grad", "NUTS grad"))
    for name in sorted(os.listdir(root)):
        d = os.path.join(root, name)
        if not os.path.isfile(os.path.join(d, "reference.json")) or (only and name not in only):
            continue
        ref = json.load(open(os.path.join(d, "reference.json")))
        stan, data = os.path.join(d, "model.stan"), os.path.join(d, "data.json")
        ng = near_gaussian(ref)
        res = {"name": name, "ng": ng}
        out = os.path.join(tmp, name + "-pf.csv")
        rc, so, se = run([urn, "pathfinder", stan, "--data", data, "--seed", "1", "--output", out], timeout)
        g = re.search(r"(\d+) gradient and (\d+) log density", so)
        res["pf_z"] = max_z(ref, read_csv(out), False) if rc == 0 else math.nan
        res["pf_grad"] = int(g.group(1)) if g else math.nan
        res["pf_lp"] = int(g.group(2)) if g else math.nan
        res["pf_err"] = "" if rc == 0 else (se.strip().splitlines() or ["?"])[-1][:60]
        out = os.path.join(tmp, name + "-vb.csv")
        rc, so, se = run([urn, "variational", stan, "--data", data, "--seed", "1", "--output", out], timeout)
        g = re.search(r"(\d+) gradient and (\d+) log density", so)
        res["vb_z"] = max_z(ref, read_csv(out), True) if rc == 0 else math.nan
        res["vb_grad"] = int(g.group(1)) if g else math.nan
        res["nuts_grad"] = math.nan
        if nuts:
            odir = os.path.join(tmp, name + "-nuts")
            rc, so, se = run([urn, "sample", stan, "--data", data, "--adapt", "stan", "--chains", "1", "--seed", "1", "--refresh", "0",
                              "--no-summary", "--output-dir", odir], timeout)
            g = re.search(r"(\d+) gradient evaluations", so)
            res["nuts_grad"] = 4 * int(g.group(1)) if g else math.nan
        ratio = res["pf_grad"] / res["nuts_grad"] if res["nuts_grad"] == res["nuts_grad"] else math.nan
        res["ratio"] = ratio
        rows.append(res)
        print("%-46s %3s %8.3f %8s %8s %9.4f %8.3f %8s %9s %s" % (
            name, "y" if ng else "", res["pf_z"], res["pf_grad"], res["pf_lp"], ratio, res["vb_z"], res["vb_grad"],
            res["nuts_grad"], res["pf_err"]), flush=True)
    ngs = [r for r in rows if r["ng"]]
    ok = [r for r in ngs if r["pf_z"] <= 0.3]
    cheap = [r for r in ngs if r["ratio"] <= 0.1]
    vb_ok = [r for r in ngs if r["vb_z"] <= 0.3]
    all_ok = [r for r in rows if r["pf_z"] <= 0.3]
    print("\nnear-Gaussian posteriors: %d of %d" % (len(ngs), len(rows)))
    print("Pathfinder means within 0.3 sd: %d of %d near-Gaussian (%.0f%%); %d of %d overall" % (
        len(ok), len(ngs), 100.0 * len(ok) / max(1, len(ngs)), len(all_ok), len(rows)))
    print("ADVI meanfield means within 0.3 sd: %d of %d near-Gaussian" % (len(vb_ok), len(ngs)))
    if nuts:
        rat = sorted(r["ratio"] for r in ngs if r["ratio"] == r["ratio"])
        if rat:
            print("Pathfinder gradients / full NUTS gradients (near-Gaussian): median %.4f, max %.4f; <= 1/10: %d of %d"
                  % (rat[len(rat) // 2], rat[-1], len(cheap), len(ngs)))
            both = sorted((r["pf_grad"] + r["pf_lp"]) / r["nuts_grad"] for r in ngs if r["ratio"] == r["ratio"])
            print("(Pathfinder gradients + log densities) / full NUTS gradients: median %.4f, max %.4f"
                  % (both[len(both) // 2], both[-1]))


if __name__ == "__main__":
    main()
