#!/usr/bin/python3
"""bench/m5sd/analyse.py — compares the run-to-run spread of urn's and rstan's posterior mean and sd estimates on
the M5 GLM-HMM (bench/m5sd/quantities.tsv, sampler.tsv, written by run_urn.sh / run_stan.R) with each other and
with what the conformance rule's ESS-based standard errors predict; prints markdown tables (bench/m5sd/results.md).

Per engine and quantity, over its runs r = 1..R (each 4 chains x 1000 draws):
  obs_sd   = sd_r(s_r) / sd_ref            relative spread of the sd estimate s_r
  pred_b   = sqrt((kurt - 1) / (4 E_bulk)) what the README rule assumes (E_bulk: the run's bulk-ESS, averaged)
  pred_sq  = sqrt((kurt - 1) / (4 E_sq))   with the ESS of the squared deviations (averaged)
  obs_m    = sd_r(m_r) / sd_ref,  pred_m = 1 / sqrt(E_bulk)
  bias_sd  = (mean_r s_r - sd_ref) / sd_ref, and its z against the standard error of that average and mcse_sd.
z of a run (the conformance rule): z_sd = |s - sd_ref| / sqrt(sd_ref^2 (kurt - 1) / (4 E) + mcse_sd^2) with
E = E_bulk (README rule) or min(E_bulk, E_sq) (tests/conformance.c before this study).
Usage: /usr/bin/python3 bench/m5sd/analyse.py [quantities.tsv] [sampler.tsv] [reference.json]"""
import csv, json, math, sys
from collections import defaultdict

import numpy as np
from scipy import stats

qf = sys.argv[1] if len(sys.argv) > 1 else "bench/m5sd/quantities.tsv"
sf = sys.argv[2] if len(sys.argv) > 2 else "bench/m5sd/sampler.tsv"
rf = sys.argv[3] if len(sys.argv) > 3 else "../shared/benchmarks/m5-glmhmm/reference.json"
ref = {q["name"]: q for q in json.load(open(rf))["quantities"]}
names = list(ref)
runs = defaultdict(lambda: defaultdict(dict))  # engine -> seed -> name -> row
for r in csv.DictReader(open(qf), delimiter="\t"):
    runs[r["engine"]][int(r["seed"])][r["name"]] = {k: float(v) for k, v in r.items() if k not in ("engine", "name")}
engines = sorted(runs, key=lambda e: (e == "stan", e))


def col(engine, name, key):
    return np.array([runs[engine][s][name][key] for s in sorted(runs[engine])])


def z_sd(row, q, E):
    return abs(row["sd"] - q["sd"]) / math.sqrt(q["sd"] ** 2 * (q["kurtosis"] - 1) / (4 * E) + q["mcse_sd"] ** 2)


def z_mean(row, q):
    return abs(row["mean"] - q["mean"]) / math.sqrt(q["sd"] ** 2 / row["ess_bulk"] + q["mcse_mean"] ** 2)


print("# M5 sd-spread study: results (bench/m5sd/analyse.py)\n")
print("Runs: " + ", ".join(f"{e} {len(runs[e])}" for e in engines) + " (4 chains x 1000/1000 each; from inits.json, "
      "the *-mode engines from the best of 8 L-BFGS modes; urn-73715b6-mode: the session-2 build).\n")

print("## Spread of the sd estimate across runs, relative to the reference sd\n")
hdr = "| quantity | kurt |"
for e in engines:
    hdr += f" {e}: obs | pred bulk | pred sq | obs/pred sq | bias (z) |"
others = [e for e in engines if e != "stan"] if "stan" in runs else []
for e in others:
    hdr += f" var ratio {e}/stan (p) |"
print(hdr)
print("|" + "---|" * (hdr.count("|") - 1))
ratios = defaultdict(list)
for n in names:
    q = ref[n]
    line = f"| {n} | {q['kurtosis']:.2f} |"
    obs = {}
    for e in engines:
        s = col(e, n, "sd")
        R = len(s)
        o = np.std(s, ddof=1) / q["sd"]
        pb = math.sqrt((q["kurtosis"] - 1) / (4 * np.mean(col(e, n, "ess_bulk"))))
        ps = math.sqrt((q["kurtosis"] - 1) / (4 * np.mean(col(e, n, "ess_sq"))))
        bias = (np.mean(s) - q["sd"]) / q["sd"]
        zb = (np.mean(s) - q["sd"]) / math.sqrt(np.var(s, ddof=1) / R + q["mcse_sd"] ** 2)
        line += f" {o:.4f} | {pb:.4f} | {ps:.4f} | {o / ps:.2f} | {bias:+.4f} ({zb:+.1f}) |"
        obs[e] = s
        ratios[e].append((o / pb, o / ps))
    for e in others:
        a, b = obs[e], obs["stan"]
        F = np.var(a, ddof=1) / np.var(b, ddof=1)
        p = 2 * min(stats.f.cdf(F, len(a) - 1, len(b) - 1), stats.f.sf(F, len(a) - 1, len(b) - 1))
        line += f" {F:.2f} ({p:.2f}) |"
    print(line)
print()
for e in engines:
    rb = np.array([r[0] for r in ratios[e]])
    rs = np.array([r[1] for r in ratios[e]])
    print(f"* {e}: observed / predicted spread of the sd, median over quantities: {np.median(rb):.2f} with the bulk-ESS, "
          f"{np.median(rs):.2f} with the ESS of squared deviations (range {rs.min():.2f}-{rs.max():.2f}); "
          f"RMS {math.sqrt(np.mean(rb ** 2)):.2f} / {math.sqrt(np.mean(rs ** 2)):.2f}")
print()
print("Pooled over the quantities: variance of the sd estimate across runs / predicted variance (ESS of squared "
      "deviations), with a 90% interval treating the quantities as independent (they are not: the interval is too "
      "narrow); and the same for the mean (bulk-ESS):\n")
print("| engine | runs | sd: var / pred var (90%) | mean: var / pred var (90%) |")
print("|---|---|---|---|")
for e in engines:
    R = len(runs[e])
    df = len(names) * (R - 1)
    lo, hi = stats.chi2.ppf(0.05, df) / df, stats.chi2.ppf(0.95, df) / df
    v = np.mean([r[1] ** 2 for r in ratios[e]])
    vm = np.mean([(np.std(col(e, n, "mean"), ddof=1) * math.sqrt(np.mean(col(e, n, "ess_bulk"))) / ref[n]["sd"]) ** 2
                  for n in names])
    print(f"| {e} | {R} | {v:.2f} ({v / hi:.2f}-{v / lo:.2f}) | {vm:.2f} ({vm / hi:.2f}-{vm / lo:.2f}) |")
print()

print("## Spread of the mean estimate across runs, relative to the reference sd\n")
hdr = "| quantity |" + "".join(f" {e}: obs | pred 1/sqrt(bulk) | obs/pred |" for e in engines)
print(hdr)
print("|" + "---|" * (hdr.count("|") - 1))
mr = defaultdict(list)
for n in names:
    q = ref[n]
    line = f"| {n} |"
    for e in engines:
        m = col(e, n, "mean")
        o = np.std(m, ddof=1) / q["sd"]
        p = 1 / math.sqrt(np.mean(col(e, n, "ess_bulk")))
        line += f" {o:.4f} | {p:.4f} | {o / p:.2f} |"
        mr[e].append(o / p)
    print(line)
print()
for e in engines:
    print(f"* {e}: observed / predicted spread of the mean, median over quantities {np.median(mr[e]):.2f}, RMS "
          f"{math.sqrt(np.mean(np.square(mr[e]))):.2f}")
print()

print("## ESS per run (mean over runs), median over quantities\n")
print("| engine | bulk-ESS | basic ESS | ESS of squared deviations | ESS of abs deviations | sq / bulk | chain-sd CV |")
print("|---|---|---|---|---|---|---|")
for e in engines:
    b = np.median([np.mean(col(e, n, "ess_bulk")) for n in names])
    ba = np.median([np.mean(col(e, n, "ess_basic")) for n in names])
    sq = np.median([np.mean(col(e, n, "ess_sq")) for n in names])
    ab = np.median([np.mean(col(e, n, "ess_abs")) for n in names])
    cv = np.median([np.mean(col(e, n, "chain_sd_cv")) for n in names])
    print(f"| {e} | {b:.0f} | {ba:.0f} | {sq:.0f} | {ab:.0f} | {sq / b:.2f} | {cv:.3f} |")
print()

print("## Worst z per run under the rule\n")
print("| engine | seed | worst mean z (quantity) | worst sd z, bulk-ESS (quantity) | worst sd z, min(bulk, sq) (quantity) |")
print("|---|---|---|---|---|")
worst = defaultdict(lambda: defaultdict(list))
for e in engines:
    for s in sorted(runs[e]):
        rr = runs[e][s]
        zm = max((z_mean(rr[n], ref[n]), n) for n in names)
        zb = max((z_sd(rr[n], ref[n], rr[n]["ess_bulk"]), n) for n in names)
        zs = max((z_sd(rr[n], ref[n], min(rr[n]["ess_bulk"], rr[n]["ess_sq"])), n) for n in names)
        worst[e]["mean"].append(zm[0]), worst[e]["bulk"].append(zb[0]), worst[e]["sq"].append(zs[0])
        print(f"| {e} | {s} | {zm[0]:.2f} ({zm[1]}) | {zb[0]:.2f} ({zb[1]}) | {zs[0]:.2f} ({zs[1]}) |")
print()
print("| engine | runs | mean: worst z > 4 | sd, bulk-ESS: worst z > 4 | sd, min(bulk, sq): worst z > 4 | median worst sd z (min) |")
print("|---|---|---|---|---|---|")
for e in engines:
    w = worst[e]
    R = len(w["mean"])
    f = lambda k: f"{sum(z > 4 for z in w[k])}/{R}"
    print(f"| {e} | {R} | {f('mean')} | {f('bulk')} | {f('sq')} | {np.median(w['sq']):.2f} |")
print()

print("## All z of the sd (every quantity, every run): distribution against |N(0,1)|\n")
print("| engine | E used | n | mean z^2 (1 if calibrated) | P(z > 2) (0.046) | P(z > 3) (0.0027) | P(z > 4) (6e-5) |")
print("|---|---|---|---|---|---|---|")
for e in engines:
    for lab, fn in (("bulk", lambda r: r["ess_bulk"]), ("min(bulk, sq)", lambda r: min(r["ess_bulk"], r["ess_sq"]))):
        z = np.array([z_sd(runs[e][s][n], ref[n], fn(runs[e][s][n])) for s in runs[e] for n in names])
        print(f"| {e} | {lab} | {len(z)} | {np.mean(z ** 2):.2f} | {np.mean(z > 2):.3f} | {np.mean(z > 3):.4f} | "
              f"{np.mean(z > 4):.4f} |")
    z = np.array([z_mean(runs[e][s][n], ref[n]) for s in runs[e] for n in names])
    print(f"| {e} | mean z (bulk) | {len(z)} | {np.mean(z ** 2):.2f} | {np.mean(z > 2):.3f} | {np.mean(z > 3):.4f} | "
          f"{np.mean(z > 4):.4f} |")
print()

print("## Predicted chance that a run fails the sd band (any of the quantities with z > 4)\n")
print("Each quantity's sd estimate modelled as normal with the engine's observed across-run mean and spread; the "
      "band's half-width 4 sqrt(sd_ref^2 (kurt - 1) / (4 E) + mcse_sd^2) with E the engine's mean bulk-ESS or mean "
      "min(bulk, sq). This keeps the reference's own offsets (e.g. A[3,1], whose reference sd is ~3% above both "
      "engines' averages), which a count over 10-20 runs cannot resolve.\n")
print("| engine | E used | P(run fails the sd band) | main contributors |")
print("|---|---|---|---|")
for e in engines:
    for lab, fn in (("bulk", lambda n: np.mean(col(e, n, "ess_bulk"))),
                    ("min(bulk, sq)", lambda n: np.mean(np.minimum(col(e, n, "ess_bulk"), col(e, n, "ess_sq"))))):
        surv, contrib = 1.0, []
        for n in names:
            q = ref[n]
            s = col(e, n, "sd")
            half = 4 * math.sqrt(q["sd"] ** 2 * (q["kurtosis"] - 1) / (4 * fn(n)) + q["mcse_sd"] ** 2)
            mu, sig = np.mean(s) - q["sd"], np.std(s, ddof=1)
            p = stats.norm.sf((half - mu) / sig) + stats.norm.cdf((-half - mu) / sig)
            surv *= 1 - p
            contrib.append((p, n))
        contrib.sort(reverse=True)
        top = ", ".join(f"{n} {p:.1e}" for p, n in contrib[:3])
        print(f"| {e} | {lab} | {1 - surv:.2e} | {top} |")
print()

print("## Sampler (post-warmup, per chain, mean over chains and runs)\n")
print("| engine | chains | step size | sd of step size | tree depth | n_leapfrog | accept_stat | divergent |")
print("|---|---|---|---|---|---|---|---|")
srows = defaultdict(list)
for r in csv.DictReader(open(sf), delimiter="\t"):
    srows[r["engine"]].append({k: float(v) for k, v in r.items() if k != "engine"})
for e in engines:
    rows = srows[e]
    g = lambda k: np.array([r[k] for r in rows])
    print(f"| {e} | {len(rows)} | {np.mean(g('stepsize')):.4f} | {np.std(g('stepsize'), ddof=1):.4f} | "
          f"{np.mean(g('mean_treedepth')):.3f} | {np.mean(g('mean_n_leapfrog')):.2f} | "
          f"{np.mean(g('mean_accept_stat')):.4f} | {int(np.sum(g('divergent')))} |")
