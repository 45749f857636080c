#!/usr/bin/python3
"""Reference numbers for tests/test_hmm_family.c (the emission families
exponential, gamma, lognormal, beta, categorical, student, gmm), from scipy:
  - per family, 40 iid draws (fixed seed) and their maximum-likelihood fit by
    scipy.optimize (tight tolerances; closed forms where they exist), its
    parameters and log-likelihood: a one-state HMM must reproduce them;
  - scipy's logpdf at 2 states' parameters for 5 values;
  - the log-likelihood of a 2-state HMM over 5 steps by brute force over all
    2^5 state paths (scipy logpdf for the emissions).
Writes tests/data/hmm_family_ref.inc.  Run: /usr/bin/python3 tests/data/gen_hmm_family.py"""
import itertools
import os

import numpy as np
from scipy import optimize, special, stats

rng = np.random.default_rng(20261206)
N = 40
out = []


def arr(name, v):
    out.append("static const double %s[%d] = {%s};" % (name, len(v), ", ".join(repr(float(x)) for x in v)))


def minimize(nll, x0):
    r = optimize.minimize(nll, x0, method="Nelder-Mead", options={"xatol": 1e-12, "fatol": 1e-14, "maxiter": 40000,
                                                                   "maxfev": 80000})
    r = optimize.minimize(nll, r.x, method="BFGS", options={"gtol": 1e-10})
    return r.x, -r.fun


# --- iid samples and their ML fits (natural parameters as urn stores them)
y = rng.exponential(1 / 2.5, N)
arr("exp_y", y); arr("exp_ml", [1 / y.mean()]); arr("exp_ll", [stats.expon.logpdf(y, scale=y.mean()).sum()])

y = rng.gamma(3.0, 1 / 1.5, N)
x, ll = minimize(lambda t: -stats.gamma.logpdf(y, np.exp(t[0]), scale=np.exp(-t[1])).sum(), [0.5, 0.0])
arr("gam_y", y); arr("gam_ml", [np.exp(x[0]), np.exp(x[1])]); arr("gam_ll", [ll])

y = rng.lognormal(0.7, 0.4, N)
mu, sd = np.log(y).mean(), np.log(y).std()
arr("lgn_y", y); arr("lgn_ml", [mu, sd]); arr("lgn_ll", [stats.lognorm.logpdf(y, sd, scale=np.exp(mu)).sum()])

y = rng.beta(2.0, 5.0, N)
x, ll = minimize(lambda t: -stats.beta.logpdf(y, np.exp(t[0]), np.exp(t[1])).sum(), [0.0, 0.0])
arr("bet_y", y); arr("bet_ml", [np.exp(x[0]), np.exp(x[1])]); arr("bet_ll", [ll])

y = rng.choice(4, N, p=[0.1, 0.2, 0.3, 0.4]).astype(float)
f = np.bincount(y.astype(int), minlength=4) / N
arr("cat_y", y); arr("cat_ml", f); arr("cat_ll", [np.sum(np.log(f[y.astype(int)]))])

y = 1.0 + 0.8 * rng.standard_t(1.5, N)
x, ll = minimize(lambda t: -stats.t.logpdf(y, np.exp(t[2]), loc=t[0], scale=np.exp(t[1])).sum(),
                 [np.median(y), 0.0, np.log(5.0)])
arr("stu_y", y); arr("stu_ml", [x[0], np.exp(x[1]), np.exp(x[2])]); arr("stu_ll", [ll])

# a 2-component Gaussian mixture (gmm with one state): the maximum of its likelihood from a start
# near the truth (well-separated components: the global one), parameters (w0, w1, mu0, mu1, s0, s1)
c = rng.random(N + 20) < 0.35
y = np.where(c, rng.normal(-1.5, 0.5, N + 20), rng.normal(2.0, 0.8, N + 20))


def gmm_ll(t):
    w = special.expit(t[0])
    return np.sum(np.logaddexp(np.log(w) + stats.norm.logpdf(y, t[1], np.exp(t[3])),
                               np.log1p(-w) + stats.norm.logpdf(y, t[2], np.exp(t[4]))))


x, ll = minimize(lambda t: -gmm_ll(t), [special.logit(0.35), -1.5, 2.0, np.log(0.5), np.log(0.8)])
w = special.expit(x[0])
arr("gmm_y", y); arr("gmm_ml", [w, 1 - w, x[1], x[2], np.exp(x[3]), np.exp(x[4])]); arr("gmm_ll", [ll])

# --- scipy logpdf at two states' parameters, and brute force over paths
yv = {"exp": [0.3, 1.7, 0.05, 2.2, 0.9], "gam": [0.3, 1.7, 0.05, 2.2, 0.9], "lgn": [0.3, 1.7, 0.05, 2.2, 0.9],
      "bet": [0.3, 0.7, 0.05, 0.92, 0.5], "cat": [0, 2, 1, 2, 0], "stu": [0.3, -1.7, 4.05, 2.2, 0.9],
      "gmm": [0.3, -1.7, 4.05, 2.2, 0.9]}
par = {"exp": [[1.5], [0.4]], "gam": [[2.5, 1.2], [0.7, 0.3]], "lgn": [[0.1, 0.6], [-0.5, 1.3]],
       "bet": [[2.0, 3.5], [0.6, 0.8]], "cat": [[0.5, 0.2, 0.3], [0.1, 0.1, 0.8]], "stu": [[0.5, 1.2, 3.0], [1.5, 0.4, 12.0]],
       "gmm": [[0.3, 0.7, -1.0, 2.0, 0.5, 1.5], [0.5, 0.5, 0.0, 4.0, 2.0, 0.3]]}


def logpdf(fam, v, p):
    if fam == "exp": return stats.expon.logpdf(v, scale=1 / p[0])
    if fam == "gam": return stats.gamma.logpdf(v, p[0], scale=1 / p[1])
    if fam == "lgn": return stats.lognorm.logpdf(v, p[1], scale=np.exp(p[0]))
    if fam == "bet": return stats.beta.logpdf(v, p[0], p[1])
    if fam == "cat": return np.log(p[int(v)])
    if fam == "stu": return stats.t.logpdf(v, p[2], loc=p[0], scale=p[1])
    if fam == "gmm": return np.logaddexp(np.log(p[0]) + stats.norm.logpdf(v, p[2], p[4]),
                                         np.log(p[1]) + stats.norm.logpdf(v, p[3], p[5]))


pi = np.array([0.6, 0.4]); A = np.array([[0.8, 0.2], [0.3, 0.7]])
for fam in ["exp", "gam", "lgn", "bet", "cat", "stu", "gmm"]:
    L = np.array([[logpdf(fam, v, par[fam][k]) for k in range(2)] for v in yv[fam]])
    arr(fam + "_tv", yv[fam]); arr(fam + "_tpar", sum(par[fam], [])); arr(fam + "_tlp", L.ravel())
    tot = []
    for path in itertools.product(range(2), repeat=5):
        lp = np.log(pi[path[0]]) + L[0, path[0]]
        for t in range(1, 5): lp += np.log(A[path[t - 1], path[t]]) + L[t, path[t]]
        tot.append(lp)
    arr(fam + "_brute", [special.logsumexp(tot)])

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "hmm_family_ref.inc"), "w") as fh:
    fh.write("/* Generated by tests/data/gen_hmm_family.py (scipy %s): do not edit. */\n" % __import__("scipy").__version__)
    fh.write("\n".join(out) + "\n")
