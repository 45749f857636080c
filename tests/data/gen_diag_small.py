#!/usr/bin/python3
"""tests/data/gen_diag_small.py — makes tests/data/diag_small.json: a few small
draw sets (fixed numpy seed) and their diagnostics computed here independently
of urn's C code: direct O(n^2) autocovariances (no FFT), scipy's rankdata for
average ranks, scipy.stats.norm.ppf for normal scores, scipy.special.betaincinv
for the beta quantiles, numpy's sort for quantiles.  Follows the posterior 1.4.0
rules (split chains, rank normalization, folding, Geyer's initial monotone
sequence with the T = 0 rule, cap at S*log10(S)) and ArviZ's HDI rule.
Also tabulates the inverse normal and beta quantile at a few points.

Run by hand: /usr/bin/python3 tests/data/gen_diag_small.py > tests/data/diag_small.json
"""
import json
import math
import statistics

import numpy as np
from scipy import special, stats

EPS = 2.220446049250313e-16


def split(x):  # x: N x M (draws x chains)
    n_draws = x.shape[0]
    if n_draws == 1:
        return x
    if n_draws in (2, 3):  # R drops a dimension: two pseudo-chains of length M
        return np.stack([x[0, :], x[-1, :]], axis=1)
    h = n_draws // 2
    return np.concatenate([x[:h, :], x[n_draws - h:, :]], axis=1)


def na_test(y):
    y = np.asarray(y, dtype=float)
    return bool(np.isnan(y).any() or np.isinf(y).any() or (y.max() - y.min()) < EPS)


def zscale(y):
    r = stats.rankdata(y.ravel(), method="average").reshape(y.shape)
    s = y.size
    return stats.norm.ppf((r - 0.375) / (s + 0.25))


def acov_direct(c):
    n = len(c)
    if np.all(c == c[0]):
        return np.zeros(n)
    d = c - c.mean()
    return np.array([np.dot(d[: n - k], d[k:]) / n for k in range(n)])


def ess_core(y):
    n, m = y.shape
    if n < 3 or na_test(y):
        return float("nan"), False
    g = np.mean([acov_direct(y[:, j]) for j in range(m)], axis=0)
    w = g[0] * n / (n - 1)
    vp = w * (n - 1) / n + (np.var(y.mean(axis=0), ddof=1) if m > 1 else 0.0)
    rho = lambda k: 1 - (w - g[k]) / vp
    p = np.zeros(n)
    p[0], p[1] = 1.0, rho(1)
    t, e, o = 0, 1.0, rho(1)
    while t < n - 5 and not math.isnan(e + o) and e + o > 0:
        t += 2
        e, o = rho(t), rho(t + 1)
        if e + o >= 0:
            p[t], p[t + 1] = e, o
    big_t = t
    if e > 0:
        p[big_t] = e
    for t in range(2, big_t - 1, 2):
        if p[t] + p[t + 1] > p[t - 2] + p[t - 1]:
            p[t] = p[t + 1] = (p[t - 2] + p[t - 1]) / 2
    tau = 2.0 if big_t == 0 else -1 + 2 * p[:big_t].sum() + p[big_t]
    s = y.size
    capped = tau < 1 / math.log10(s)
    if capped:
        tau = 1 / math.log10(s)
    return s / tau, capped


def rhat_core(y):
    n, m = y.shape
    if na_test(y) or n < 2 or m < 2:
        return float("nan")
    b = n * np.var(y.mean(axis=0), ddof=1)
    w = np.mean(y.var(axis=0, ddof=1))
    return math.sqrt((b / w + n - 1) / n)


def q7(s, p):
    h = 1 + (len(s) - 1) * p
    lo, hi = math.floor(h), math.ceil(h)
    q = s[lo - 1]
    if h > lo and s[hi - 1] != q:
        g = h - lo
        q = (1 - g) * q + g * s[hi - 1]
    return q


def ess_q(x, p):
    if na_test(x):
        return float("nan"), False
    s = np.sort(x.ravel())
    if p == 1:
        p = (s.size - 0.5) / s.size
    return ess_core(split((x <= q7(s, p)).astype(float)))


def mcse_q(x, p):
    e, _ = ess_q(x, p)
    if math.isnan(e):
        return float("nan")
    a_lo = special.betaincinv(e * p + 1, e * (1 - p) + 1, 0.1586553)
    a_hi = special.betaincinv(e * p + 1, e * (1 - p) + 1, 0.8413447)
    s = np.sort(x.ravel())
    n = s.size
    i_lo = max(math.floor(a_lo * n), 1)
    i_hi = min(math.ceil(a_hi * n), n)
    return (s[i_hi - 1] - s[i_lo - 1]) / 2


def hdi(x, prob=0.94):
    s = np.sort(x.ravel())
    k = math.floor(prob * s.size)
    w = s[k:] - s[: s.size - k]
    i = int(np.argmin(w))
    return s[i], s[i + k]


def summary(x):
    flat = x.ravel()
    med = float(np.median(flat))
    fold = np.abs(x - med)
    rb = rhat_core(zscale(split(x)))
    rt = rhat_core(zscale(split(fold)))
    ess_bulk, cap_bulk = ess_core(zscale(split(x)))
    ess_basic, cap_basic = ess_core(split(x))
    e5, c5 = ess_q(x, 0.05)
    e95, c95 = ess_q(x, 0.95)
    sd = float(np.std(flat, ddof=1)) if np.isfinite(flat).all() else float("nan")
    c = x - flat.mean()
    ess_sd, cap_sd = ess_core(split(c ** 2))
    ev = float(np.mean(c ** 2))
    mcse_sd = math.sqrt((np.mean(c ** 4) - ev ** 2) / ess_sd / ev / 4) if not math.isnan(ess_sd) else float("nan")
    s = np.sort(flat)
    lo, hi = hdi(x)
    return {
        "rhat": max(rb, rt) if not (math.isnan(rb) or math.isnan(rt)) else float("nan"),
        "rhat_basic": rhat_core(split(x)),
        "ess_bulk": ess_bulk, "ess_tail": float("nan") if math.isnan(e5) or math.isnan(e95) else min(e5, e95), "ess_basic": ess_basic,
        "mcse_mean": sd / math.sqrt(ess_basic), "mcse_sd": mcse_sd,
        "mcse_q5": mcse_q(x, 0.05), "mcse_q95": mcse_q(x, 0.95),
        "q5": q7(s, 0.05), "q50": q7(s, 0.5), "q95": q7(s, 0.95),
        "mean": float(flat.mean()), "sd": sd, "median": med,
        "mad": 1.4826 * float(np.median(np.abs(flat - med))),
        "hdi_low": lo, "hdi_high": hi,
        "capped_bulk": bool(cap_bulk), "capped_basic": bool(cap_basic),
    }


def num(v):
    v = float(v)
    if math.isnan(v):
        return None
    if math.isinf(v):
        return "Inf" if v > 0 else "-Inf"
    return float(repr(v))


def ar1(rng, n, m, phi):
    x = np.empty((n, m))
    x[0] = rng.normal(size=m) / math.sqrt(1 - phi * phi)
    for t in range(1, n):
        x[t] = phi * x[t - 1] + rng.normal(size=m)
    return x


def main():
    rng = np.random.default_rng(20261126)
    cases = {
        "ar1_3x60": ar1(rng, 60, 3, 0.6),
        "antithetic_2x40": ar1(rng, 40, 2, -0.8),
        "odd_2x7": rng.normal(size=(7, 2)),
        "discrete_4x25": rng.integers(0, 4, size=(25, 4)).astype(float),
        "single_1x50": ar1(rng, 50, 1, 0.3),
        "shifted_3x30": rng.normal(size=(30, 3)) + np.array([0.0, 0.5, 3.0]),
        "quirk_5x3": rng.normal(size=(3, 5)),
    }
    # tiny shapes: N = 1 (no split), N = 2 (R's pseudo-chains), split chains of 2 draws (ESS NA), M = 1
    for n_draws, n_chains in [(1, 4), (2, 3), (2, 1), (4, 2), (5, 3), (6, 1), (12, 2)]:
        cases["tiny_%dx%d" % (n_chains, n_draws)] = np.round(rng.normal(size=(n_draws, n_chains)), 1)
    with_inf = rng.normal(size=(20, 3))
    with_inf[4, 1] = math.inf
    cases["with_inf_3x20"] = with_inf
    out = {"cases": {}}
    for name, x in cases.items():
        n, m = x.shape
        out["cases"][name] = {
            "n_chains": m, "n_draws": n,
            # chain-major: chain c's draws are draws[c*n:(c+1)*n]
            "draws": [num(v) for v in x.T.ravel()],
            "expected": {k: (v if isinstance(v, bool) else num(v)) for k, v in summary(x).items()},
        }
    ps = [1e-10, 0.001, 0.02425, 0.1, 0.3, 0.5, 0.6, 0.9, 0.97575, 0.999, 1 - 1e-12]
    out["qnorm"] = [[p, statistics.NormalDist().inv_cdf(p)] for p in ps]
    out["qbeta"] = [[p, a, b, float(special.betaincinv(a, b, p))]
                    for p, a, b in [(0.1586553, 3.5, 60.2), (0.8413447, 3.5, 60.2), (0.1586553, 191.0, 3611.0),
                                    (0.8413447, 13688.0, 721.4), (0.5, 2.0, 2.0), (0.01, 1.0, 1.5)]]
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
