"""tests/data/gen_hmm_trans.py — writes tests/data/hmm_trans.csv: two sequences of 400 steps from a
2-state Gaussian HMM with input-driven transitions, p(z_t = j | z_{t-1} = i, u_t) = softmax_j(W_ij u_t + b_ij),
W = [[-0.8, 0.8], [0.6, -0.6]], b = [[1.2, -1.2], [-1.0, 1.0]], means 0 and 2.5, sds 1 and 0.8,
u_t ~ N(0, 1.5^2); columns session, t, y, u, true_state.  Run: /usr/bin/python3 tests/data/gen_hmm_trans.py"""
import numpy as np

rng = np.random.default_rng(20261206)
W = np.array([[-0.8, 0.8], [0.6, -0.6]])
b = np.array([[1.2, -1.2], [-1.0, 1.0]])
mu, sd = [0.0, 2.5], [1.0, 0.8]
rows = []
for s in range(2):
    T = 400
    u = rng.normal(size=T) * 1.5
    z = 0
    for t in range(T):
        if t > 0:
            e = W[z] * u[t] + b[z]
            p = np.exp(e - e.max())
            z = int(rng.choice(2, p=p / p.sum()))
        else:
            z = int(rng.integers(2))
        rows.append((s, t, rng.normal(mu[z], sd[z]), u[t], z))
with open("tests/data/hmm_trans.csv", "w") as f:
    f.write("session,t,y,u,true_state\n")
    for r in rows:
        f.write("%d,%d,%.6f,%.6f,%d\n" % r)
