#!/usr/bin/python3
"""Reference values for tests/cli/test_laplace.sh (run by hand: /usr/bin/python3 tests/data/gen_laplace.py).

An independent implementation of the Laplace approximation of Stan's laplace_marginal
(dense Newton iterations on log p(y | theta) - theta' K^-1 theta / 2 to 1e-14, then
ll(theta*) - theta*' K^-1 theta* / 2 - log|I + K W| / 2), its gradient by central finite
differences of that formula (step 1e-5), and the latent mode and Cholesky factor of
(K^-1 + W)^-1.  Writes tests/data/laplace/*.json and tests/data/laplace/ref.txt, one line per case:
    name lp grad_1 ... grad_k
with the gradient in urn's unconstrained parameters (log for <lower=0>), no Jacobian.
Also prints, for the record, the exact marginal of a 2-dimensional Poisson model by quadrature."""
import json, os
import numpy as np
from scipy.special import gammaln, expit, digamma
from scipy import integrate

D = os.path.join(os.path.dirname(os.path.abspath(__file__)), "laplace")
x = [0.0, 0.7, 1.5]
def K_of(alpha, rho, xx=x):
    xx = np.asarray(xx); d = xx[:, None] - xx[None, :]
    return alpha**2 * np.exp(-d**2 / (2 * rho**2)) + 0.1 * np.eye(len(xx))

def obs(kind, y, eta, phi):
    """log likelihood of one observation and its first two derivatives in the linear predictor"""
    if kind == "pois":
        mu = np.exp(eta); return y * eta - mu - gammaln(y + 1), y - mu, -mu
    if kind == "bern":
        s = expit(eta); return y * eta - np.logaddexp(0, eta), y - s, -s * (1 - s)
    mu = np.exp(eta); p = mu / (mu + phi)
    f = gammaln(y + phi) - gammaln(phi) - gammaln(y + 1) + y * np.log(mu) + phi * np.log(phi) - (y + phi) * np.log(mu + phi)
    return f, y - (y + phi) * p, -(y + phi) * p * (1 - p)

def laplace(kind, y, grp, m, K, phi=None, dense_ll=None):
    n = K.shape[0]; Ki = np.linalg.inv(K); th = np.zeros(n)
    def parts(th):
        if dense_ll:
            return dense_ll(th)
        ll = 0.0; g = np.zeros(n); H = np.zeros((n, n))
        for i, yi in enumerate(y):
            j = grp[i]; f, d1, d2 = obs(kind, yi, th[j] + m[j], phi)
            ll += f; g[j] += d1; H[j, j] += d2
        return ll, g, H
    for _ in range(200):
        ll, g, H = parts(th)
        step = np.linalg.solve(H - Ki, g - Ki @ th); th = th - step
        if np.max(np.abs(step)) < 1e-14: break
    ll, g, H = parts(th); W = -H
    lm = ll - 0.5 * th @ Ki @ th - 0.5 * np.linalg.slogdet(np.eye(n) + K @ W)[1]
    return lm, th, np.linalg.cholesky(np.linalg.inv(Ki + W))

def fd(f, p, pos):
    """gradient in the unconstrained parameters: log for the indices in pos"""
    u = np.array([np.log(v) if i in pos else v for i, v in enumerate(p)])
    back = lambda u: np.array([np.exp(v) if i in pos else v for i, v in enumerate(u)])
    g = []
    for i in range(len(u)):
        e = np.zeros(len(u)); e[i] = 1e-5
        g.append((f(back(u + e)) - f(back(u - e))) / 2e-5)
    return f(p), g

lines = []
def case(name, data, params, f, p, pos):
    json.dump(data, open(os.path.join(D, name + ".data.json"), "w"))
    json.dump(params, open(os.path.join(D, name + ".params.json"), "w"))
    lp, g = fd(f, p, pos)
    lines.append(name + " " + " ".join("%.15g" % v for v in [lp] + list(g)))

# user likelihood: Poisson with the offset m a parameter
y3 = [2, 0, 5]
case("user_poisson", {"n": 3, "y": y3, "x": x}, {"alpha": 1.3, "rho": 0.8, "m": [0.1, -0.2, 0.3]},
     lambda p: laplace("pois", y3, [0, 1, 2], p[2:], K_of(p[0], p[1]))[0], [1.3, 0.8, 0.1, -0.2, 0.3], {0, 1})
# built-in likelihoods: 7 observations of 3 latent values
yc = [2, 0, 5, 1, 3, 0, 7]; bc = [1, 0, 1, 1, 0, 0, 1]; gc = [0, 1, 2, 0, 1, 2, 2]
base = {"n": 3, "nobs": 7, "y": yc, "b": bc, "g": [j + 1 for j in gc], "x": x}
par = {"alpha": 1.3, "rho": 0.8, "m": [0.1, -0.2, 0.3], "eta": 2.5}
p0 = [1.3, 0.8, 0.1, -0.2, 0.3, 2.5]
for which, name, kind, yy in [(1, "poisson", "pois", yc), (2, "bernoulli", "bern", bc), (3, "negbin", "nb", yc),
                              (4, "negbin_tol", "nb", yc), (5, "poisson_tilde", "pois", yc)]:
    case("builtin_" + name, dict(base, which=which), par,
         lambda p, kind=kind, yy=yy: laplace(kind, yy, gc, p[2:5], K_of(p[0], p[1]), phi=p[5])[0], p0, {0, 1, 5})
# Gaussian likelihood with a dense design: Laplace is exact (checked against multi_normal too)
rng = np.random.default_rng(7)
A = rng.normal(size=(4, 3)).round(3); yr = rng.normal(size=4).round(3)
def gauss(p):
    def dense(th):
        r = yr - A @ th; s = p[2]
        return (-0.5 * r @ r / s**2 - 4 * np.log(s) - 2 * np.log(2 * np.pi), A.T @ r / s**2, -A.T @ A / s**2)
    return laplace(None, None, None, None, K_of(p[0], p[1]), dense_ll=dense)[0]
for exact in (0, 1):
    case("user_gauss" + ("_exact" if exact else ""), {"n": 3, "ny": 4, "yr": list(yr), "A": A.tolist(), "x": x, "exact": exact},
         {"alpha": 1.3, "rho": 0.8, "sigma": 0.6}, gauss, [1.3, 0.8, 0.6], {0, 1, 2})
# latent mode and Cholesky factor (Bernoulli, alpha 1.3, rho 0.8)
b3 = [1, 0, 1]
_, th, L = laplace("bern", b3, [0, 1, 2], np.zeros(3), K_of(1.3, 0.8))
json.dump({"n": 3, "b": b3, "x": x, "ndraw": 20000}, open(os.path.join(D, "latent.data.json"), "w"))
lines.append("latent_mode " + " ".join("%.15g" % v for v in th))
lines.append("latent_chol " + " ".join("%.15g" % v for v in L.T.ravel()))  # column-major
open(os.path.join(D, "ref.txt"), "w").write("\n".join(lines) + "\n")

# for the record: exact marginal vs Laplace, 2 latent values, Poisson
K2 = K_of(1.0, 1.0, [0.0, 1.0]); y2 = [3, 1]; Ki2 = np.linalg.inv(K2)
def integrand(t2, t1):
    t = np.array([t1, t2])
    ll = sum(yy * tt - np.exp(tt) - gammaln(yy + 1) for yy, tt in zip(y2, t))
    return np.exp(ll - 0.5 * t @ Ki2 @ t - 0.5 * np.linalg.slogdet(2 * np.pi * K2)[1])
ex = np.log(integrate.dblquad(integrand, -12, 12, -12, 12, epsabs=1e-13, epsrel=1e-11)[0])
la = laplace("pois", y2, [0, 1], np.zeros(2), K2)[0]
print("2-d Poisson: exact log marginal %.10f, Laplace %.10f, difference %.3g" % (ex, la, la - ex))
