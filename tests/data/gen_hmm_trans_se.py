"""tests/data/gen_hmm_trans_se.py — statsmodels' reference for the standard errors of input-driven transitions.

Writes tests/data/hmm_trans_se.csv (one series of 1000 steps from a 2-state Gaussian HMM whose transitions
depend on an input u: p(z_t = j | z_{t-1} = i, u_t) = softmax_j(W_ij u_t + b_ij), W = [[-0.7, 0.7],
[0.5, -0.5]], b = [[1.3, -1.3], [-1.1, 1.1]], means 0 and 2, variances 1 and 0.6, u_t ~ N(0, 1.5^2);
columns t, y, u) tests/data/hmm_trans_se_statsmodels.txt: statsmodels' MarkovRegression (trend 'c',
switching variance, exog_tvtp = [1, u]) maximum-likelihood fits, their llf, params and bse (numerical Hessian),
one "fit name value bse" line each, and tests/data/hmm_trans_se_statsmodels.json: fit (a)'s parameters as an urn
parameter file (initial_probs = statsmodels' distribution of S_0).  statsmodels' p[i->0].tvtp0 / .tvtp1 are the log-odds coefficients of
moving to regime 0 from regime i against regime 1, i.e. 2 b_i0 and 2 W_i0 in urn's centred gauge, so its bse
is twice urn's standard error of transition_biases[i][0] / transition_weights[i][0]
(tests/cli/test_hmm_trans.sh compares them).  statsmodels' default initial distribution is the stationary one of
the first step's matrix, which moves with the coefficients (urn's is a free parameter): fit (b) holds it fixed,
the comparable case.
Run: /usr/bin/python3 tests/data/gen_hmm_trans_se.py   (statsmodels 0.13.5, numpy 1.24)"""
import numpy as np
import statsmodels.api as sm

rng = np.random.default_rng(20261207)
W = np.array([[-0.7, 0.7], [0.5, -0.5]])
b = np.array([[1.3, -1.3], [-1.1, 1.1]])
mu, var = [0.0, 2.0], [1.0, 0.6]
T = 1000
u = rng.normal(size=T) * 1.5
y = np.empty(T)
z = int(rng.integers(2))
for t in range(T):
    if t > 0:
        e = W[z] * u[t] + b[z]
        p = np.exp(e - e.max())
        z = int(rng.choice(2, p=p / p.sum()))
    y[t] = rng.normal(mu[z], np.sqrt(var[z]))
with open("tests/data/hmm_trans_se.csv", "w") as f:
    f.write("t,y,u\n")
    for t in range(T):
        f.write("%d,%.6f,%.6f\n" % (t, y[t], u[t]))
# statsmodels reads the rounded values urn reads
d = np.loadtxt("tests/data/hmm_trans_se.csv", delimiter=",", skiprows=1)
y, u = d[:, 1], d[:, 2]
mod = sm.tsa.MarkovRegression(y, k_regimes=2, trend="c", switching_variance=True,
                              exog_tvtp=np.column_stack([np.ones(T), u]))
start = np.array([2 * 1.3, 2 * -0.7, 2 * -1.1, 2 * 0.5, 0.0, 2.0, 1.0, 0.6])
res = mod.fit(start_params=start, maxiter=2000, disp=False)
res = mod.fit(start_params=res.params, method="nm", maxiter=20000, disp=False)
res = mod.fit(start_params=res.params, maxiter=2000, disp=False)


def urn_params(params, pi):
    """statsmodels' parameters as urn's: regime r is state r, centred coefficients."""
    P = dict(zip(mod.param_names, params))
    Wc = [[[P["p[%d->0].tvtp1" % i] / 2], [-P["p[%d->0].tvtp1" % i] / 2]] for i in range(2)]
    bc = [[P["p[%d->0].tvtp0" % i] / 2, -P["p[%d->0].tvtp0" % i] / 2] for i in range(2)]
    A = [list(np.exp(r) / np.exp(r).sum()) for r in np.array(bc)]
    return {"initial_probs": list(pi), "transition_matrix": A, "transition_weights": Wc, "transition_biases": bc,
            "emission_means": [[P["const[0]"]], [P["const[1]"]]],
            "emission_covariances": [[[P["sigma2[0]"]]], [[P["sigma2[1]"]]]]}


# statsmodels' initial distribution: the stationary one of the first step's matrix, pushed through that matrix
# (itself): urn's pi for S_0
P0 = mod.regime_transition_matrix(res.params)[:, :, 0].T  # row-stochastic
pi = np.linalg.lstsq(np.vstack([(np.eye(2) - P0).T, np.ones(2)]), np.r_[0.0, 0.0, 1.0], rcond=None)[0]
# (b) the same with a fixed initial distribution (initialize_known(pi)): statsmodels' S_0 is then pi P_0(params),
# pi at (a)'s optimum; urn fits with --freeze initial at pi.  The observed information then differs in the
# first step's term only through P_0's small move.
mod_b = sm.tsa.MarkovRegression(y, k_regimes=2, trend="c", switching_variance=True,
                                exog_tvtp=np.column_stack([np.ones(T), u]))
mod_b.initialize_known(pi)
res_b = mod_b.fit(start_params=res.params, maxiter=2000, disp=False)
with open("tests/data/hmm_trans_se_statsmodels.txt", "w") as f:
    f.write("# statsmodels %s MarkovRegression(k_regimes=2, switching_variance=True, exog_tvtp=[1,u]) on "
            "hmm_trans_se.csv, by tests/data/gen_hmm_trans_se.py\n" % sm.__version__)
    f.write("# (a) default (steady-state) initial distribution; (b) initialize_known(pi) with pi = %.10f %.10f\n"
            % tuple(pi))
    for tag, r in (("a", res), ("b", res_b)):
        f.write("%s llf %.10f\n" % (tag, r.llf))
        for name, v, s in zip(mod.param_names, r.params, r.bse):
            f.write("%s %s %.10g %.10g\n" % (tag, name, v, s))
import json
head = {"model": "gaussian", "num_states": 2, "emission_dim": 1, "transition_input_dim": 1,
        "no_prior": ["initial_probs", "transition_matrix", "emissions"], "params": urn_params(res.params, pi)}
with open("tests/data/hmm_trans_se_statsmodels.json", "w") as f:
    json.dump(head, f, indent=1)
    f.write("\n")
print(open("tests/data/hmm_trans_se_statsmodels.txt").read())
