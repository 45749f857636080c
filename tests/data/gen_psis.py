#!/usr/bin/python3
"""tests/data/gen_psis.py — reference values for tests/test_vi.c's PSIS check:
ArviZ 0.21.0's psislw (../shared/clients/arviz) on two fixed sets of log
weights (heavy- and light-tailed), written to tests/data/psis_ref.txt as
lines "n khat" then n lines "log_weight smoothed_normalized_log_weight".
Run: /usr/bin/python3 tests/data/gen_psis.py > tests/data/psis_ref.txt"""
import sys
import numpy as np
sys.path[:0] = ["../shared/clients/arviz", "../shared/clients/xarray-einstats"]
import arviz as az

for seed, df, scale in ((1, 3.0, 1.5), (2, 50.0, 0.5)):
    lw = np.random.default_rng(seed).standard_t(df, 200) * scale
    lw = np.round(lw, 12)
    out, k = az.psislw(lw.copy())
    print(len(lw), repr(float(k)))
    for a, b in zip(lw, out):
        print(repr(float(a)), repr(float(b)))
