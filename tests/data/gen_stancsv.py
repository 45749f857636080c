#!/usr/bin/python3
"""tests/data/gen_stancsv.py — writes the Stan CSV test files under
tests/data/stancsv/ and their expected summaries (stancsv_expected.json).

The files imitate CmdStan 2.33's output byte for byte in layout: the
configuration comments (typed out below from a CmdStan run's header), the
header line, the adaptation block, rows printed with 6 significant digits, the
timing comments.  The draws are made up (fixed numpy seed).  Expected values
are computed from the numbers as printed, with the independent implementation
in gen_diag_small.py.

Run by hand: /usr/bin/python3 tests/data/gen_stancsv.py
"""
import json
import math
import os

import numpy as np

from gen_diag_small import num, summary

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "stancsv")

CONFIG = """# stan_version_major = 2
# stan_version_minor = 33
# stan_version_patch = 1
# model = bernoulli_model
# start_datetime = 2023-10-10 14:31:20 UTC
# method = sample (Default)
#   sample
#     num_samples = {draws}
#     num_warmup = {warmup}
#     save_warmup = {save_warmup}
#     thin = 1 (Default)
#     adapt
#       engaged = 1 (Default)
#       gamma = 0.050000000000000003 (Default)
#       delta = 0.80000000000000004 (Default)
#       kappa = 0.75 (Default)
#       t0 = 10 (Default)
#       init_buffer = 75 (Default)
#       term_buffer = 50 (Default)
#       window = 25 (Default)
#       save_metric = 0 (Default)
#     algorithm = hmc (Default)
#       hmc
#         engine = nuts (Default)
#           nuts
#             max_depth = {max_depth}
#         metric = {metric} (Default)
#         metric_file =  (Default)
#         stepsize = 1 (Default)
#         stepsize_jitter = 0 (Default)
#     num_chains = 1 (Default)
# id = {chain}
# data
#   file = bernoulli.data.json
# init = 2 (Default)
# random
#   seed = 1234
# output
#   file = bernoulli-{chain}.csv
#   diagnostic_file =  (Default)
#   refresh = 100 (Default)
#   sig_figs = -1 (Default)
#   profile_file = profile.csv (Default)
#   save_cmdstan_config = 0 (Default)
# num_threads = 1 (Default)
# stanc_version = stanc3 v2.33.1
# stancflags = 
"""

TIMING = """# 
#  Elapsed Time: 0.004 seconds (Warm-up)
#                0.012 seconds (Sampling)
#                0.016 seconds (Total)
# 
"""

COLS = ["lp__", "accept_stat__", "stepsize__", "treedepth__", "n_leapfrog__", "divergent__", "energy__",
        "theta", "log_odds", "y_rep.1", "y_rep.2"]


def g6(v):
    return "%.6g" % v


def make_rows(rng, n, theta_shift, diverge=(), deep=()):
    rows = []
    theta = 0.25 + theta_shift
    for i in range(n):
        theta = min(max(0.8 * theta + 0.2 * (0.25 + theta_shift) + 0.08 * rng.normal(), 0.01), 0.99)
        lp = -7 + 3 * math.log(theta) + 7 * math.log(1 - theta) + 0.3 * rng.normal()
        energy = -lp + abs(rng.normal())
        td = 10 if i in deep else int(rng.integers(1, 3))
        rows.append([lp, rng.uniform(0.5, 1), 0.932037, td, 2 ** td - 1, 1 if i in diverge else 0, energy,
                     theta, math.log(theta / (1 - theta)), int(rng.integers(0, 2)), int(rng.integers(0, 2))])
    return [[g6(v) for v in r] for r in rows]


def write(path, text):
    with open(path, "w") as fh:
        fh.write(text)


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(5)
    chains = []
    # two chains of 40 draws; chain 2 has 2 divergences and one max-depth hit
    for chain, (div, deep) in enumerate([((), ()), ((3, 17), (30,))], start=1):
        rows = make_rows(rng, 40, 0.02 * chain, div, deep)
        chains.append(rows)
        text = CONFIG.format(draws=40, warmup=1000, save_warmup=0, max_depth=10, metric="diag_e", chain=chain)
        text += ",".join(COLS) + "\n"
        text += "# Adaptation terminated\n# Step size = 0.932037\n# Diagonal elements of inverse mass matrix:\n"
        text += "# 0.591014, 1.2\n"
        text += "".join(",".join(r) + "\n" for r in rows) + TIMING
        write(os.path.join(OUT, "bernoulli-%d.csv" % chain), text)
    # save_warmup = 1: 10 warmup rows before the adaptation block, then 40 draws (copy of chain 1's)
    warm = make_rows(rng, 10, 0.3)
    text = CONFIG.format(draws=40, warmup=10, save_warmup=1, max_depth=10, metric="dense_e", chain=3)
    text += ",".join(COLS) + "\n" + "".join(",".join(r) + "\n" for r in warm)
    text += ("# Adaptation terminated\n# Step size = 0.5\n# Elements of inverse mass matrix:\n"
             "# 1, 0.25\n# 0.25, 2\n")
    text += "".join(",".join(r) + "\n" for r in chains[0]) + TIMING
    write(os.path.join(OUT, "bernoulli_warmup-3.csv"), text)
    # a chain with different columns, and one with fewer draws
    text = CONFIG.format(draws=40, warmup=1000, save_warmup=0, max_depth=10, metric="diag_e", chain=4)
    text += ",".join(COLS[:-1]) + "\n" + "".join(",".join(r[:-1]) + "\n" for r in chains[0])
    write(os.path.join(OUT, "other_columns.csv"), text)
    text = CONFIG.format(draws=39, warmup=1000, save_warmup=0, max_depth=10, metric="diag_e", chain=5)
    text += ",".join(COLS) + "\n" + "".join(",".join(r) + "\n" for r in chains[0][:39])
    write(os.path.join(OUT, "short.csv"), text)
    # draws written by another program: no sampler columns, CRLF line ends, NA and inf values
    gq = np.round(rng.normal(size=(3, 25)), 4)
    for c in range(3):
        lines = ["# written by another program", "mu,tau,flag"]
        for i in range(25):
            flag = "NA" if (c == 1 and i == 7) else "1"
            lines.append("%s,%s,%s" % (repr(float(gq[c, i])), repr(float(abs(gq[c, i]) + 0.5)), flag))
        write(os.path.join(OUT, "plain-%d.csv" % (c + 1)), "\r\n".join(lines) + "\r\n")
    # expected summaries of the quantities, from the values as printed
    exp = {}
    for col in ("theta", "log_odds", "y_rep.1", "lp__"):
        j = COLS.index(col)
        x = np.array([[float(chains[c][i][j]) for c in range(2)] for i in range(40)])
        exp["bernoulli:" + col] = {k: (v if isinstance(v, bool) else num(v)) for k, v in summary(x).items()}
    for j, col in enumerate(("mu", "tau")):
        x = gq.T if j == 0 else np.array([[float(repr(float(abs(gq[c, i]) + 0.5))) for c in range(3)]
                                          for i in range(25)])
        exp["plain:" + col] = {k: (v if isinstance(v, bool) else num(v)) for k, v in summary(x).items()}
    # E-BFMI of each bernoulli chain as rstan's get_bfmi computes it
    for c in range(2):
        e = np.array([float(r[6]) for r in chains[c]])
        exp["ebfmi.%d" % (c + 1)] = float(np.sum(np.diff(e) ** 2) / len(e) / np.var(e, ddof=1))
    write(os.path.join(HERE, "stancsv_expected.json"), json.dumps(exp, indent=1) + "\n")


if __name__ == "__main__":
    main()
