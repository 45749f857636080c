#!/usr/bin/python3
"""tests/data/gen_hmm_data.py — the tutorial's simulated HMM data sets, drawn
with numpy (independently of urn's sampler) and committed as CSV:

  hmm_tutorial_gauss.csv  GaussianHMM(3 states, D=1): means -3/0/4, variance 0.7,
                          transitions 0.8 on the diagonal, 0.1 elsewhere,
                          uniform initial probabilities; 3 sequences x 200.
  hmm_tutorial_glm.csv    LinearRegressionHMM(3, M=1, D=1): weights 1/-0.8/0.2,
                          biases 2/0/-1, variances 1/0.8/1.5 (dynamax's
                          emission_covariances), transition matrix
                          [[.5,.4,.1],[.1,.5,.4],[.4,.1,.5]], uniform initial
                          probabilities, inputs uniform(0, 10); 10 sequences x 100.
  hmm_logreg.csv          a 2-state Bernoulli GLM-HMM (choice data), 4 x 150.
  hmm_poisson.csv         a 2-state Poisson HMM, 2 x 150.

Columns: session, t, true_state, y (and x for the regressions).  Run by hand:
  /usr/bin/python3 tests/data/gen_hmm_data.py
"""
import os
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def chain(rng, pi, A, T):
    z = np.empty(T, dtype=int)
    z[0] = rng.choice(len(pi), p=pi)
    for t in range(1, T):
        z[t] = rng.choice(len(pi), p=A[z[t - 1]])
    return z


def write(name, header, rows):
    with open(os.path.join(HERE, name), "w") as f:
        f.write(",".join(header) + "\n")
        for r in rows:
            f.write(",".join(r) + "\n")


def main():
    rng = np.random.default_rng(20240611)
    # tutorial GaussianHMM
    pi = np.ones(3) / 3
    A = np.array([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]])
    mu, var = np.array([-3.0, 0.0, 4.0]), 0.7
    rows = []
    for s in range(3):
        z = chain(rng, pi, A, 200)
        y = mu[z] + np.sqrt(var) * rng.standard_normal(200)
        rows += [("s%d" % s, str(t), str(z[t]), repr(float(y[t]))) for t in range(200)]
    write("hmm_tutorial_gauss.csv", ["session", "t", "true_state", "y"], rows)
    # tutorial LinearRegressionHMM
    A = np.array([[0.5, 0.4, 0.1], [0.1, 0.5, 0.4], [0.4, 0.1, 0.5]])
    w, b, v = np.array([1.0, -0.8, 0.2]), np.array([2.0, 0.0, -1.0]), np.array([1.0, 0.8, 1.5])
    rows = []
    for s in range(10):
        z = chain(rng, pi, A, 100)
        x = rng.uniform(0, 10, 100)
        y = w[z] * x + b[z] + np.sqrt(v[z]) * rng.standard_normal(100)
        rows += [("s%d" % s, str(t), str(z[t]), repr(float(x[t])), repr(float(y[t]))) for t in range(100)]
    write("hmm_tutorial_glm.csv", ["session", "t", "true_state", "x", "y"], rows)
    # Bernoulli GLM-HMM: an "engaged" state (steep psychometric curve) and a biased "disengaged" one
    pi2 = np.array([0.5, 0.5])
    A2 = np.array([[0.95, 0.05], [0.1, 0.9]])
    w2, b2 = np.array([4.0, 0.3]), np.array([0.0, 1.0])
    rows = []
    for s in range(4):
        z = chain(rng, pi2, A2, 150)
        x = rng.choice([-1, -0.5, -0.25, 0, 0.25, 0.5, 1], 150)
        p = 1 / (1 + np.exp(-(w2[z] * x + b2[z])))
        y = (rng.random(150) < p).astype(int)
        rows += [("m%d" % s, str(t), str(z[t]), repr(float(x[t])), str(y[t])) for t in range(150)]
    write("hmm_logreg.csv", ["session", "t", "true_state", "x", "y"], rows)
    # Poisson HMM
    A3 = np.array([[0.9, 0.1], [0.15, 0.85]])
    rates = np.array([2.0, 9.0])
    rows = []
    for s in range(2):
        z = chain(rng, pi2, A3, 150)
        y = rng.poisson(rates[z])
        rows += [("c%d" % s, str(t), str(z[t]), str(y[t])) for t in range(150)]
    write("hmm_poisson.csv", ["session", "t", "true_state", "y"], rows)


if __name__ == "__main__":
    main()
