#!/usr/bin/python3
"""tests/data/gen_hmm_shared.py -- data and statsmodels references for linreg HMMs with
coefficients shared by all states (urn hmm fit --shared-coef, --shared-cov; tests/cli/test_hmm_shared.sh).

Writes tests/data/hmm_shared/data.csv (a K = 2 switching regression, T = 400: intercepts and x2's coefficient
switch, x1's does not) and ref.json: for each case statsmodels' MarkovRegression (0.13.5) fitted from several
starts: its log-likelihood, its parameters as an urn parameter file with initial_probs = the stationary
distribution of its transition matrix (statsmodels' initial distribution), and its standard errors of the
shared coefficient.  Also the K = 1 OLS fit by numpy.  Run: /usr/bin/python3 tests/data/gen_hmm_shared.py
"""
import json
import os

import numpy as np
import statsmodels.api as sm

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hmm_shared")
r = np.random.RandomState(7)
T = 400
A = np.array([[0.95, 0.05], [0.08, 0.92]])
z = [0]
for t in range(1, T):
    z.append(r.choice(2, p=A[z[-1]]))
z = np.array(z)
x1, x2 = r.randn(T), r.randn(T)
a, c, s = np.array([-1.0, 1.5]), np.array([0.5, -1.0]), np.array([0.6, 1.0])
y = a[z] + 1.3 * x1 + c[z] * x2 + s[z] * r.randn(T)
os.makedirs(HERE, exist_ok=True)
with open(os.path.join(HERE, "data.csv"), "w") as f:
    f.write("y,x1,x2\n")
    for t in range(T):
        f.write("%.12g,%.12g,%.12g\n" % (y[t], x1[t], x2[t]))


def stationary(P):
    w, v = np.linalg.eig(P.T)
    p = np.real(v[:, np.argmin(abs(w - 1))])
    return p / p.sum()


def case(switching_exog, switching_variance):
    X = np.column_stack([x1, x2])
    mod = sm.tsa.MarkovRegression(y, k_regimes=2, exog=X, switching_exog=switching_exog,
                                  switching_variance=switching_variance)
    best = None
    for seed in range(6):
        rs = np.random.RandomState(seed)
        start = mod.start_params + 0.3 * rs.randn(len(mod.start_params)) if seed else None
        try:
            res = mod.fit(start_params=start, search_reps=20 if seed else 0, disp=False, maxiter=500)
        except Exception:
            continue
        if np.isfinite(res.llf) and (best is None or res.llf > best.llf):
            best = res
    # by position (statsmodels 0.13.5 names a non-switching x1 "x1[1]"): p[0->0], p[1->0], const[0], const[1],
    # then each exog column (one value if shared, else one per regime), then sigma2 (one or one per regime)
    vals, ses = list(best.params), list(best.bse)
    P = np.array([[vals[0], 1 - vals[0]], [vals[1], 1 - vals[1]]])
    B = [[vals[2]], [vals[3]]]
    at, W, bse_x1 = 4, [[[0.0, 0.0]], [[0.0, 0.0]]], None
    for j in range(2):
        for k in range(2):
            W[k][0][j] = vals[at + (k if switching_exog[j] else 0)]
        if j == 0 and not switching_exog[0]:
            bse_x1 = ses[at]
        at += 2 if switching_exog[j] else 1
    V = [[[vals[at + (k if switching_variance else 0)]]] for k in range(2)]
    names = mod.param_names
    shared = [j for j in range(2) if not switching_exog[j]]
    params = {"model": "linreg", "num_states": 2, "emission_dim": 1, "input_dim": 2,
              "no_prior": ["initial_probs", "transition_matrix", "emissions"],
              "params": {"initial_probs": list(stationary(P)), "transition_matrix": P.tolist(),
                         "emission_weights": W, "emission_biases": B, "emission_covariances": V}}
    if shared:
        params["shared_coefficients"] = shared
    if not switching_variance:
        params["shared_covariance"] = True
    return {"llf": best.llf, "params": params, "bse_x1": bse_x1, "names": names}


ref = {"statsmodels": {}}
for name, se, sv in (("x1", (False, True), True), ("x1_sharedvar", (False, True), False),
                     ("all_sharedvar", (False, False), False), ("all", (False, False), True)):
    ref["statsmodels"][name] = case(se, sv)
Z = np.column_stack([x1, x2, np.ones(T)])
beta, *_ = np.linalg.lstsq(Z, y, rcond=None)
res = y - Z @ beta
ref["ols"] = {"weights": beta[:2].tolist(), "bias": beta[2], "variance": float(res @ res / T),
              "loglik": float(-0.5 * T * (np.log(2 * np.pi * res @ res / T) + 1))}
with open(os.path.join(HERE, "ref.json"), "w") as f:
    json.dump(ref, f, indent=1)
for k, v in ref["statsmodels"].items():
    print(k, v["llf"], v["bse_x1"])
print("ols", ref["ols"])
