#!/usr/bin/python3
"""bench/bench_adapt.py -- metric adaptation schemes side by side (`make bench-adapt`, issue #17).

For every posterior of ../shared/posteriordb (a directory with model.stan, data.json and
reference.json) and M1-M5 of ../shared/benchmarks, runs `urn sample` (4 chains, 1000 draws, --threads 2)
with `--adapt stan` (1000 warmup iterations, random inits), `--adapt fisher` (300 warmup iterations, nutpie's
default) and `--metric lowrank` (400; urn sample's default), both from the 8-path Pathfinder start whose gradient
and log density evaluations count as gradients, over several seeds, with the reference's adapt_delta and max_treedepth
(as `make conformance`) and `--init mode` for M4 and M5 (as `make bench`).  Per posterior and scheme:
min bulk-ESS (over the summary's quantities) per gradient evaluation, warmup gradients included (the
run's own count), wall time, post-warmup divergences and the max R-hat, each the mean over the seeds
(divergences summed, R-hat the max), and the ratio of ESS per gradient to `--adapt stan`'s; then the
medians of the ratios over the posteriors where every scheme ran.

usage: bench_adapt.py URN SHARED_DIR [--seeds 1,2,3] [--only NAME,...] [--skip NAME,...]
                      [--timeout S] [--schemes stan,fisher,lowrank] [--json FILE]
"""
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

SCHEMES = {"stan": ["--adapt", "stan"], "fisher": ["--adapt", "fisher"], "lowrank": ["--metric", "lowrank"]}
MODE_INIT = ("m4-mixreg", "m5-glmhmm")


def posteriors(shared):
    out = []
    pdb = os.path.join(shared, "posteriordb")
    for name in sorted(os.listdir(pdb)) if os.path.isdir(pdb) else []:
        d = os.path.join(pdb, name)
        if all(os.path.exists(os.path.join(d, f)) for f in ("model.stan", "data.json", "reference.json")):
            out.append((name, d))
    bm = os.path.join(shared, "benchmarks")
    for name in sorted(os.listdir(bm)) if os.path.isdir(bm) else []:
        d = os.path.join(bm, name)
        if name[:1] == "m" and os.path.exists(os.path.join(d, "model.stan")):
            out.append((name, d))
    return out


def reference_args(d):
    try:
        with open(os.path.join(d, "reference.json")) as f:
            ref = json.load(f)
        ctl = ref.get("reference_method_arguments", {}).get("control", {})
        args = []
        if "adapt_delta" in ctl:
            args += ["--adapt-delta", str(ctl["adapt_delta"])]
        if "max_treedepth" in ctl:
            args += ["--max-depth", str(min(int(ctl["max_treedepth"]), 30))]
        return args
    except (OSError, ValueError):
        return []


def parse_summary(out):
    """(gradients, divergences, min bulk-ESS, max R-hat) from urn sample's report and first table."""
    # the run line's count ("...; N gradient evaluations; ..."): it includes --init mode's L-BFGS gradients.  The
    # "--init mode: ... (N gradient evaluations)" line printed before it counts only those (session 4 read it: M4's
    # stan ESS/grad 2.85 was ESS over the mode search's gradients)
    g = re.search(r"; (\d+) gradient evaluations;", out)
    dv = re.search(r"(\d+) divergent transitions", out)
    ess, rhat = math.inf, 0.0
    lines = out.splitlines()
    start = next((i for i, ln in enumerate(lines) if "ESS_bulk" in ln), None)
    if start is None or not g:
        return None
    head = lines[start].split()
    ib, ir = head.index("ESS_bulk"), head.index("R_hat")
    for ln in lines[start + 1:]:
        if not ln.strip() or ln.startswith("Sampler"):
            break
        f = ln.split()
        if len(f) != len(head) + 1:
            continue
        b, r = f[ib + 1], f[ir + 1]
        if b != "NA":
            ess = min(ess, float(b))
        if r not in ("NA", "Inf", "nan"):
            rhat = max(rhat, float(r))
        elif r == "Inf":
            rhat = math.inf
    grads = int(g.group(1))
    # the Fisher schemes start from Pathfinder draws: its gradients and log densities count as gradients
    pf = re.search(r"--init pathfinder: \d+ paths, (\d+) gradient and (\d+) log density evaluations", out)
    if pf:
        grads += int(pf.group(1)) + int(pf.group(2))
    return grads, int(dv.group(1)) if dv else 0, ess, rhat


def run_one(urn, name, d, scheme, seed, timeout, tmp):
    cmd = [urn, "sample", os.path.join(d, "model.stan"), "--seed", str(seed), "--threads", "2", "--refresh", "0",
           "--output-dir", os.path.join(tmp, name + "-" + scheme), "--overwrite"] + SCHEMES[scheme]
    if os.path.exists(os.path.join(d, "data.json")):
        cmd += ["--data", os.path.join(d, "data.json")]
    cmd += reference_args(d)
    if name in MODE_INIT:
        cmd += ["--init", "mode"]
    t0 = time.time()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": "timeout"}
    wall = time.time() - t0
    res = parse_summary(p.stdout) if p.returncode == 0 else None
    if res is None:
        return {"error": "exit %d: %s" % (p.returncode, p.stderr.strip().splitlines()[-1] if p.stderr.strip() else "")}
    grads, div, ess, rhat = res
    return {"grads": grads, "div": div, "ess": ess, "rhat": rhat, "wall": wall, "ess_per_grad": ess / grads}


def fmt(x, spec):
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, spec)


def main():
    args = [a for a in sys.argv[1:]]
    pos = []
    opts = {"--seeds": "1,2,3", "--only": "", "--skip": "", "--timeout": "600", "--schemes": "stan,fisher,lowrank",
            "--json": ""}
    i = 0
    while i < len(args):
        if args[i] in opts and i + 1 < len(args):
            opts[args[i]] = args[i + 1]
            i += 2
        elif args[i].startswith("--"):
            print(__doc__)
            sys.exit(2)
        else:
            pos.append(args[i])
            i += 1
    if len(pos) != 2:
        print(__doc__)
        sys.exit(2)
    urn, shared = pos
    if not os.path.isdir(shared):
        print("skipped: %s not found" % shared)
        return
    seeds = [int(s) for s in opts["--seeds"].split(",") if s]
    schemes = [s for s in opts["--schemes"].split(",") if s]
    only = [s for s in opts["--only"].split(",") if s]
    skip = [s for s in opts["--skip"].split(",") if s]
    timeout = float(opts["--timeout"])
    todo = [(n, d) for n, d in posteriors(shared)
            if (not only or any(o in n for o in only)) and not any(s in n for s in skip)]
    results = {}
    print("%-42s %-8s %10s %8s %8s %5s %7s %6s" % ("posterior", "scheme", "ESS/grad", "ratio", "wall s", "div",
                                                   "R-hat", "grads"))
    with tempfile.TemporaryDirectory() as tmp:
        for name, d in todo:
            results[name] = {}
            for scheme in schemes:
                runs = [run_one(urn, name, d, scheme, s, timeout, tmp) for s in seeds]
                ok = [r for r in runs if "error" not in r]
                if len(ok) < len(runs):
                    results[name][scheme] = {"error": next(r["error"] for r in runs if "error" in r)}
                    print("%-42s %-8s %s" % (name, scheme, results[name][scheme]["error"][:60]), flush=True)
                    continue
                agg = {"ess_per_grad": statistics.mean(r["ess_per_grad"] for r in ok),
                       "wall": statistics.mean(r["wall"] for r in ok), "div": sum(r["div"] for r in ok),
                       "rhat": max(r["rhat"] for r in ok), "grads": statistics.mean(r["grads"] for r in ok),
                       "runs": ok}
                base = results[name].get("stan")
                agg["ratio"] = agg["ess_per_grad"] / base["ess_per_grad"] if base and "error" not in base else None
                results[name][scheme] = agg
                print("%-42s %-8s %10.5f %8s %8.2f %5d %7.3f %6.0f" % (
                    name, scheme, agg["ess_per_grad"], fmt(agg["ratio"], ".2f"), agg["wall"], agg["div"],
                    agg["rhat"], agg["grads"]), flush=True)
    print()
    for scheme in schemes[1:]:
        ratios = [r[scheme]["ratio"] for r in results.values()
                  if scheme in r and "error" not in r[scheme] and r[scheme].get("ratio")]
        walls = [r["stan"]["wall"] / r[scheme]["wall"] for r in results.values()
                 if scheme in r and "error" not in r[scheme] and "stan" in r and "error" not in r["stan"]]
        if ratios:
            print("median ratio of min bulk-ESS per gradient, %s / stan: %.2f over %d posteriors (range %.2f-%.2f); "
                  "median wall-time speed-up %.2f" % (scheme, statistics.median(ratios), len(ratios), min(ratios),
                                                      max(ratios), statistics.median(walls)))
    if opts["--json"]:
        with open(opts["--json"], "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
