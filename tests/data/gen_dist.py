#!/usr/bin/python3
"""Generates tests/data/dist_table.h: reference values of the distribution
log densities, lcdf and lccdf computed with scipy (and closed forms for the
multivariate families), for tests/test_dist.c.  Run by hand with
/usr/bin/python3 from the project root; `make test` only reads the output."""
import math
import numpy as np
from scipy import stats, special

rows = []  # (family, kind, args, value); kind 0 = lpdf/lpmf, 1 = lcdf, 2 = lccdf


def add(fam, args, d, cdf=True):
    """d: a frozen scipy distribution; args[0] is the variate."""
    y = args[0]
    discrete = hasattr(d, 'pmf')
    rows.append((fam, 0, args, float(d.logpmf(y) if discrete else d.logpdf(y))))
    if cdf:
        rows.append((fam, 1, args, float(d.logcdf(y))))
        rows.append((fam, 2, args, float(d.logsf(y))))


for y, mu, s in [(0.3, -0.2, 1.5), (-2.5, 1.0, 0.7), (10.0, 2.0, 3.0), (-6.0, 0.5, 1.0)]:
    add('normal', [y, mu, s], stats.norm(mu, s))
    add('cauchy', [y, mu, s], stats.cauchy(mu, s))
    add('double_exponential', [y, mu, s], stats.laplace(mu, s))
    add('logistic', [y, mu, s], stats.logistic(mu, s))
for y in [0.3, -1.7, 4.0]:
    add('std_normal', [y], stats.norm())
for y, nu, mu, s in [(0.3, 3.0, -0.2, 1.5), (-2.5, 0.8, 1.0, 0.7), (4.0, 25.0, 0.0, 2.0)]:
    add('student_t', [y, nu, mu, s], stats.t(nu, mu, s))
for y, mu, s in [(0.5, 0.2, 0.8), (3.0, -0.5, 1.3), (0.01, 0.0, 0.5)]:
    add('lognormal', [y, mu, s], stats.lognorm(s, scale=math.exp(mu)))
for y, b in [(0.5, 2.0), (3.0, 0.3), (0.001, 5.0)]:
    add('exponential', [y, b], stats.expon(scale=1 / b))
for y, a, b in [(0.5, 2.0, 3.0), (3.0, 0.5, 0.3), (0.2, 7.5, 1.1)]:
    add('gamma', [y, a, b], stats.gamma(a, scale=1 / b))
    add('inv_gamma', [y, a, b], stats.invgamma(a, scale=b))
for y, a, s in [(0.5, 2.0, 1.5), (3.0, 0.7, 2.0), (1.2, 4.0, 1.0)]:
    add('weibull', [y, a, s], stats.weibull_min(a, scale=s))
for y, a, b in [(0.3, 2.0, 3.0), (0.9, 0.5, 0.7), (0.05, 4.0, 1.5)]:
    add('beta', [y, a, b], stats.beta(a, b))
for y, mu, k in [(0.3, 0.4, 5.0), (0.9, 0.7, 2.5), (0.05, 0.2, 12.0)]:
    add('beta_proportion', [y, mu, k], stats.beta(mu * k, (1 - mu) * k))
for y, lo, hi in [(0.3, -1.0, 2.0), (4.5, 4.0, 10.0)]:
    add('uniform', [y, lo, hi], stats.uniform(lo, hi - lo))
for y, nu in [(0.5, 3.0), (7.0, 2.5), (1.0, 0.6)]:
    add('chi_square', [y, nu], stats.chi2(nu))
    add('inv_chi_square', [y, nu], stats.invgamma(nu / 2, scale=0.5))
for y, nu, s in [(0.5, 3.0, 0.8), (2.0, 6.0, 1.7)]:
    add('scaled_inv_chi_square', [y, nu, s], stats.invgamma(nu / 2, scale=nu * s * s / 2))
for y, mu, k in [(0.3, -0.2, 1.5), (1.0, 0.5, 40.0), (-2.0, 0.0, 0.1)]:
    rows.append(('von_mises', 0, [y, mu, k], float(stats.vonmises(k, loc=mu).logpdf(y))))
for n, lam in [(0, 2.5), (3, 2.5), (17, 11.0), (1, 0.01)]:
    add('poisson', [n, lam], stats.poisson(lam))
    rows.append(('poisson_log', 0, [n, math.log(lam)], float(stats.poisson(lam).logpmf(n))))
for n, N, th in [(0, 5, 0.3), (3, 10, 0.45), (19, 20, 0.8)]:
    add('binomial', [n, N, th], stats.binom(N, th))
    al = math.log(th / (1 - th))
    rows.append(('binomial_logit', 0, [n, N, al], float(stats.binom(N, th).logpmf(n))))
for n, th in [(0, 0.3), (1, 0.3), (1, 0.95)]:
    add('bernoulli', [n, th], stats.bernoulli(th))
    al = math.log(th / (1 - th))
    rows.append(('bernoulli_logit', 0, [n, al], float(stats.bernoulli(th).logpmf(n))))
for n, mu, phi in [(0, 2.5, 1.5), (7, 3.0, 0.8), (25, 20.0, 40.0)]:
    d = stats.nbinom(phi, phi / (mu + phi))
    add('neg_binomial_2', [n, mu, phi], d)
    rows.append(('neg_binomial_2_log', 0, [n, math.log(mu), phi], float(d.logpmf(n))))
for n, N, a, b in [(0, 5, 1.5, 2.0), (3, 10, 0.7, 0.4), (12, 15, 5.0, 3.0)]:
    add('beta_binomial', [n, N, a, b], stats.betabinom(N, a, b))

# tails: each of lcdf / lccdf far from 0 on its own side
add('normal', [12.0, 0.0, 1.0], stats.norm(0, 1))
add('normal', [-30.0, 1.0, 2.0], stats.norm(1, 2))
add('student_t', [-300.0, 4.0, 0.0, 1.0], stats.t(4))
add('gamma', [1e-3, 2.5, 1.0], stats.gamma(2.5))
add('gamma', [40.0, 2.5, 1.0], stats.gamma(2.5))
add('beta', [1e-4, 2.0, 3.0], stats.beta(2, 3))
add('beta', [0.9999, 2.0, 3.0], stats.beta(2, 3))
add('lognormal', [200.0, 0.0, 1.0], stats.lognorm(1.0))
add('poisson', [30, 3.0], stats.poisson(3.0))
add('binomial', [0, 50, 0.5], stats.binom(50, 0.5))
add('weibull', [8.0, 2.0, 1.0], stats.weibull_min(2.0))
add('exponential', [1e-6, 2.0], stats.expon(scale=0.5))


# ---- families added for Stan's whole library: exact formulas in mpmath at
# 60 digits (tails included), each checked against scipy where scipy has it.
import mpmath as mp
mp.mp.dps = 60
N_ = mp.ncdf


def mrow(fam, args, lpdf, lcdf=None, lccdf=None, cdf_only=False, scipy_d=None):
    """Rows from mpmath values; scipy_d (frozen) cross-checks the moderate ones."""
    y = args[0]
    rows.append((fam, 0, args, float(lpdf)))
    if scipy_d is not None and float(lpdf) > -600:
        assert abs(float(lpdf) - scipy_d.logpdf(y)) < 1e-9 * max(1, abs(float(lpdf))), (fam, args)
    if cdf_only:
        rows.append((fam, 3, args, float(mp.exp(lcdf))))
    elif lcdf is not None:
        rows.append((fam, 1, args, float(lcdf)))
        rows.append((fam, 2, args, float(lccdf)))


def owens_t(h, a):
    h, a = mp.mpf(h), mp.mpf(a)
    if a < 0:
        return -owens_t(h, -a)
    if a == 0:
        return mp.mpf(0)
    h = abs(h)
    pts = [0] + [x for x in ([1 / h, 5 / h, 20 / h] if h > 0 else []) + [1] if x < a] + [a]
    return mp.quad(lambda x: mp.exp(-h * h * (1 + x * x) / 2) / (1 + x * x), pts) / (2 * mp.pi)


for y, ym, al in [(1.5, 1.0, 2.0), (10.0, 0.5, 0.7), (1.0000001, 1.0, 3.0), (3.0, 2.0, 40.0)]:
    y_, ym_, al_ = map(mp.mpf, (y, ym, al))
    lq = al_ * (mp.log(ym_) - mp.log(y_))
    mrow('pareto', [y, ym, al], mp.log(al_) + al_ * mp.log(ym_) - (al_ + 1) * mp.log(y_), mp.log(1 - mp.exp(lq)), lq,
         scipy_d=stats.pareto(al, scale=ym))
for y, mu, lam, al in [(0.5, 0.0, 1.0, 2.0), (5.0, -1.0, 0.5, 0.8), (1e-8, 0.0, 1.0, 3.0), (200.0, 1.0, 2.0, 5.0)]:
    y_, mu_, lam_, al_ = map(mp.mpf, (y, mu, lam, al))
    lq = -al_ * mp.log(1 + (y_ - mu_) / lam_)
    mrow('pareto_type_2', [y, mu, lam, al], mp.log(al_) - mp.log(lam_) - (al_ + 1) * mp.log(1 + (y_ - mu_) / lam_),
         mp.log(1 - mp.exp(lq)), lq, scipy_d=stats.lomax(al, loc=mu, scale=lam))
for y, mu, b in [(0.3, -0.2, 1.5), (-2.5, 1.0, 0.7), (10.0, 2.0, 3.0), (40.0, 0.0, 1.0)]:
    z = (mp.mpf(y) - mu) / b
    lp = -mp.exp(-z)
    mrow('gumbel', [y, mu, b], -mp.log(b) - z - mp.exp(-z), lp, mp.log(1 - mp.exp(lp)),
         scipy_d=stats.gumbel_r(mu, b))
for y, al, sg in [(0.5, 2.0, 1.5), (3.0, 0.7, 2.0), (0.05, 3.0, 1.0), (1e4, 1.5, 1.0)]:
    y_, al_, sg_ = map(mp.mpf, (y, al, sg))
    lp = -(sg_ / y_) ** al_
    mrow('frechet', [y, al, sg], mp.log(al_) + al_ * mp.log(sg_) - (al_ + 1) * mp.log(y_) - (sg_ / y_) ** al_, lp,
         mp.log(1 - mp.exp(lp)), scipy_d=stats.invweibull(al, scale=sg))
for y, sg in [(0.5, 1.0), (3.0, 0.7), (1e-5, 1.0), (12.0, 1.0)]:
    y_, sg_ = mp.mpf(y), mp.mpf(sg)
    lq = -y_ * y_ / (2 * sg_ * sg_)
    mrow('rayleigh', [y, sg], mp.log(y_) - 2 * mp.log(sg_) + lq, mp.log(1 - mp.exp(lq)), lq,
         scipy_d=stats.rayleigh(scale=sg))
for y, al, be in [(0.5, 1.0, 3.0), (3.0, 2.0, 1.5), (1e-3, 1.0, 4.0), (50.0, 1.0, 0.8)]:
    y_, al_, be_ = map(mp.mpf, (y, al, be))
    u = (y_ / al_) ** be_
    mrow('loglogistic', [y, al, be], mp.log(be_) - mp.log(al_) + (be_ - 1) * mp.log(y_ / al_) - 2 * mp.log(1 + u),
         mp.log(u / (1 + u)), cdf_only=True, scipy_d=stats.fisk(be, scale=al))
def skewn_P(z, al):
    """P(Z <= z), standard skew normal: sums of positive terms only (Phi(z) - 2 T(z, al) cancels
    catastrophically for z << 0 < al, where it is (1/pi) int_al^inf exp(-z^2 (1 + x^2)/2) / (1 + x^2) dx)."""
    al = mp.mpf(al)
    if al <= 0:
        return N_(z) + 2 * owens_t(z, -al)
    if z < 0:
        f = lambda x: mp.exp(-z * z * (1 + x * x) / 2) / (1 + x * x)
        return mp.quad(f, [al, al + 1 / z ** 2, al + 10 / z ** 2, al + 100 / z ** 2, mp.inf]) / mp.pi
    return N_(z) - 2 * owens_t(z, al)


mp.mp.dps = 120
for y, xi, om, al in [(0.3, -0.2, 1.5, 2.0), (-2.5, 1.0, 0.7, -3.0), (1.0, 0.0, 1.0, 0.0), (-3.0, 0.0, 1.0, 5.0),
                      (4.0, 0.0, 1.0, -4.0), (-40.0, 0.0, 1.0, 1.5), (0.2, 0.0, 1.0, 1000.0), (-20.0, 0.0, 1.0, -2.0)]:
    z = (mp.mpf(y) - xi) / om
    mrow('skew_normal', [y, xi, om, al], -mp.log(2 * mp.pi) / 2 - mp.log(om) - z * z / 2 + mp.log(2 * N_(al * z)),
         mp.log(skewn_P(z, al)), mp.log(skewn_P(-z, -al)), scipy_d=stats.skewnorm(al, xi, om) if abs(y) < 10 else None)
mp.mp.dps = 60
for y, mu, sg, tau in [(0.3, -0.2, 1.5, 0.3), (-2.5, 1.0, 0.7, 0.8), (10.0, 2.0, 3.0, 0.5), (-30.0, 0.0, 1.0, 0.2)]:
    y_, mu_, sg_, tau_ = map(mp.mpf, (y, mu, sg, tau))
    w = (1 - tau_) * (mu_ - y_) if y_ < mu_ else tau_ * (y_ - mu_)
    P = tau_ * mp.exp(-2 * (1 - tau_) * (mu_ - y_) / sg_) if y_ < mu_ else 1 - (1 - tau_) * mp.exp(-2 * tau_ * (y_ - mu_) / sg_)
    mrow('skew_double_exponential', [y, mu, sg, tau],
         mp.log(2) + mp.log(tau_) + mp.log(1 - tau_) - mp.log(sg_) - 2 * w / sg_, mp.log(P), mp.log(1 - P))
mp.mp.dps = 100
for y, mu, sg, lam in [(0.3, -0.2, 1.5, 2.0), (-2.5, 1.0, 0.7, 0.5), (10.0, 2.0, 3.0, 0.3), (-8.0, 0.0, 1.0, 1e-3),
                       (-40.0, 0.0, 1.0, 3.0), (1000.0, 0.0, 1.0, 2.0), (0.0, 0.0, 1e-3, 100.0)]:
    y_, mu_, sg_, lam_ = map(mp.mpf, (y, mu, sg, lam))
    z, v = (y_ - mu_) / sg_, (y_ - mu_) / sg_ - lam_ * sg_
    lf = mp.log(lam_) + lam_ * (mu_ - y_) + lam_ ** 2 * sg_ ** 2 / 2 + mp.log(N_(v))
    E = mp.exp(lam_ * (mu_ - y_) + lam_ ** 2 * sg_ ** 2 / 2) * N_(v)
    mrow('exp_mod_normal', [y, mu, sg, lam], lf, mp.log(N_(z) - E), mp.log(N_(-z) + E),
         scipy_d=stats.exponnorm(1 / (sg * lam), mu, sg) if abs(y) < 20 else None)
mp.mp.dps = 60

# counting families; the negative binomials also at phi = 1e12 (the Poisson limit, where a difference of
# lgammas or of logs loses ~13 digits), against mpmath at 60 digits
def nb2_lpmf(n, mu, phi):
    n, mu, phi = mp.mpf(n), mp.mpf(mu), mp.mpf(phi)
    return (mp.loggamma(n + phi) - mp.loggamma(phi) - mp.loggamma(n + 1) + n * mp.log(mu / (mu + phi))
            + phi * mp.log(phi / (mu + phi)))


def nb2_cdfs(n, mu, phi):
    n, mu, phi = mp.mpf(n), mp.mpf(mu), mp.mpf(phi)
    P = mp.betainc(phi, n + 1, 0, phi / (mu + phi), regularized=True)
    Q = mp.betainc(n + 1, phi, 0, mu / (mu + phi), regularized=True)
    return mp.log(P), mp.log(Q)


for n, mu, phi in [(3, 2.5, 1e12), (0, 2.5, 1e12), (40, 30.0, 1e10)]:
    lp, lq = nb2_cdfs(n, mu, phi)
    rows.append(('neg_binomial_2', 0, [n, mu, phi], float(nb2_lpmf(n, mu, phi))))
    rows.append(('neg_binomial_2', 1, [n, mu, phi], float(lp)))
    rows.append(('neg_binomial_2', 2, [n, mu, phi], float(lq)))
    rows.append(('neg_binomial_2_log', 0, [n, math.log(mu), phi], float(nb2_lpmf(n, mp.exp(mp.mpf(math.log(mu))), phi))))
for n, al, be in [(0, 2.5, 1.5), (7, 3.0, 0.8), (25, 20.0, 0.4), (3, 1e12, 1e12 / 2.5)]:
    lp, lq = nb2_cdfs(n, mp.mpf(al) / be, al)
    rows.append(('neg_binomial', 0, [n, al, be], float(nb2_lpmf(n, mp.mpf(al) / be, al))))
    if al < 100:
        assert abs(rows[-1][3] - stats.nbinom(al, be / (1 + be)).logpmf(n)) < 1e-10
    rows.append(('neg_binomial', 1, [n, al, be], float(lp)))
    rows.append(('neg_binomial', 2, [n, al, be], float(lq)))


def bnb_pmf(k, r, al, be):
    return mp.exp(mp.loggamma(k + r) - mp.loggamma(k + 1) - mp.loggamma(r) + mp.log(mp.beta(al + r, be + k))
                  - mp.log(mp.beta(al, be)))


for n, r, al, be in [(0, 2.5, 3.0, 1.5), (4, 1.5, 2.0, 3.0), (30, 4.0, 6.0, 2.0), (2, 0.7, 0.8, 5.0)]:
    P = mp.fsum(bnb_pmf(k, r, al, be) for k in range(n + 1))
    rows.append(('beta_neg_binomial', 0, [n, r, al, be], float(mp.log(bnb_pmf(n, r, al, be)))))
    rows.append(('beta_neg_binomial', 1, [n, r, al, be], float(mp.log(P))))
    rows.append(('beta_neg_binomial', 2, [n, r, al, be], float(mp.log(1 - P))))
for n, al in [(1, 2.5), (4, 0.7), (30, 3.0), (2, 1e8)]:
    n_, al_ = mp.mpf(n), mp.mpf(al)
    lq = mp.log(n_) + mp.log(mp.beta(n_, al_ + 1))
    rows.append(('yule_simon', 0, [n, al], float(mp.log(al_) + mp.log(mp.beta(n_, al_ + 1)))))
    if al < 100:
        assert abs(rows[-1][3] - stats.yulesimon(al).logpmf(n)) < 1e-10
    rows.append(('yule_simon', 1, [n, al], float(mp.log(1 - mp.exp(lq)))))
    rows.append(('yule_simon', 2, [n, al], float(lq)))
for y, lo, hi in [(3, 1, 10), (-2, -5, 0), (7, 7, 7)]:
    w = hi - lo + 1
    rows.append(('discrete_range', 0, [y, lo, hi], -math.log(w)))
    rows.append(('discrete_range', 1, [y, lo, hi], math.log((y - lo + 1) / w)))
    rows.append(('discrete_range', 2, [y, lo, hi], math.log((hi - y) / w) if hi > y else -math.inf))
for n, N, a, b in [(2, 5, 4, 6), (0, 3, 2, 10), (7, 10, 8, 9)]:
    rows.append(('hypergeometric', 0, [n, N, a, b], float(stats.hypergeom(a + b, a, N).logpmf(n))))


def vm_cdfs(y, mu, k):
    y, mu, k = mp.mpf(y), mp.mpf(mu), mp.mpf(k)
    f = lambda t: mp.exp(k * (mp.cos(t - mu) - 1))
    pts = sorted(set([-mp.pi, y, mp.pi] + [x for x in [mu - 2 * mp.pi, mu, mu + 2 * mp.pi] if -mp.pi < x < mp.pi]))
    lo = [x for x in pts if x <= y]
    hi = [x for x in pts if x >= y]
    Z = 2 * mp.pi * mp.besseli(0, k) * mp.exp(-k)
    # each piece split in 20: mpmath's quadrature alone is off by 3e-8 at kappa = 500
    fine = lambda p: [a + (b - a) * j / 20 for a, b in zip(p[:-1], p[1:]) for j in range(20)] + [p[-1]]
    return mp.log(mp.quad(f, fine(lo)) / Z), mp.log(mp.quad(f, fine(hi)) / Z)


for y, mu, k in [(0.3, -0.2, 1.5), (1.0, 0.5, 40.0), (-2.0, 0.0, 0.1), (-3.0, 0.2, 2.0), (2.9, -0.3, 500.0),
                 (-1.5, 3.0, 8.0)]:
    lp, lq = vm_cdfs(y, mu, k)
    rows.append(('von_mises', 1, [y, mu, k], float(lp)))
    rows.append(('von_mises', 2, [y, mu, k], float(lq)))

# extreme parameters where the textbook forms cancel (the audit of issue 14): mpmath at 60 digits
Lg = mp.loggamma
def ext(fam, args, v):
    rows.append((fam, 0, args, float(v)))
ext('poisson', [10**9, 1e9 + 3e4], 10**9 * mp.log(mp.mpf(1e9 + 3e4)) - mp.mpf(1e9 + 3e4) - Lg(10**9 + 1))
ext('poisson_log', [10**9, math.log(1e9 + 3e4)], 10**9 * mp.mpf(math.log(1e9 + 3e4)) - mp.exp(mp.mpf(math.log(1e9 + 3e4)))
    - Lg(10**9 + 1))
ext('binomial', [5 * 10**8, 10**9, 0.5], Lg(10**9 + 1) - 2 * Lg(5 * 10**8 + 1) + 10**9 * mp.log(0.5))
ext('binomial_logit', [5 * 10**8, 10**9, 0.0], Lg(10**9 + 1) - 2 * Lg(5 * 10**8 + 1) + 10**9 * mp.log(0.5))
ext('beta_binomial', [3, 10, 1e12, 2e12], Lg(11) - Lg(4) - Lg(8) + mp.log(mp.beta(3 + mp.mpf(1e12), 7 + mp.mpf(2e12)))
    - mp.log(mp.beta(mp.mpf(1e12), mp.mpf(2e12))))
for y, al, be in [(1e10, 1e10, 1.0), (2.0, 1e8, 5e7)]:
    ext('gamma', [y, al, be], al * mp.log(be) - Lg(al) + (al - 1) * mp.log(y) - be * y)
ext('chi_square', [1e10, 1e10], -mp.mpf(5e9) * mp.log(2) - Lg(mp.mpf(5e9)) + (mp.mpf(5e9) - 1) * mp.log(1e10) - 5e9)
ext('inv_gamma', [1e-10, 1e10, 1.0], -Lg(1e10) - (1e10 + 1) * mp.log(mp.mpf(1e-10)) - 1 / mp.mpf(1e-10))
ext('inv_chi_square', [1e-10, 1e10], -mp.mpf(5e9) * mp.log(2) - Lg(mp.mpf(5e9)) - (mp.mpf(5e9) + 1) * mp.log(mp.mpf(1e-10))
    - 1 / (2 * mp.mpf(1e-10)))
ext('scaled_inv_chi_square', [1.0, 1e10, 1.0], mp.mpf(5e9) * mp.log(mp.mpf(5e9)) - Lg(mp.mpf(5e9)) - mp.mpf(5e9))
for y, a, b in [(0.3, 1e10, 2.3333333333e10), (0.5, 1e12, 1e12)]:
    a_, b_ = mp.mpf(a), mp.mpf(b)
    ext('beta', [y, a, b], (a_ - 1) * mp.log(y) + (b_ - 1) * mp.log(1 - mp.mpf(y)) - mp.log(mp.beta(a_, b_)))
mu_, k_ = mp.mpf(0.3), mp.mpf(1e12)  # shapes mu kappa and (1 - mu) kappa, 1 - mu exact
ext('beta_proportion', [0.3, 0.3, 1e12], Lg(k_) - Lg(mu_ * k_) - Lg((1 - mu_) * k_) + (mu_ * k_ - 1) * mp.log(mp.mpf(0.3))
    + ((1 - mu_) * k_ - 1) * mp.log(1 - mp.mpf(0.3)))
for y, nu in [(0.5, 1e12), (3.0, 1e15)]:
    nu_ = mp.mpf(nu)
    ext('student_t', [y, nu, 0.0, 1.0], Lg((nu_ + 1) / 2) - Lg(nu_ / 2) - mp.log(nu_ * mp.pi) / 2
        - (nu_ + 1) / 2 * mp.log(1 + mp.mpf(y) ** 2 / nu_))
# student_t's CDFs at large nu (the incomplete beta near x = 1 lost digits; urn integrates the density there)
for y, nu in [(-2.0, 1e5), (-2.0, 1e8), (0.5, 1e12), (3.0, 1e12)]:
    nu_, y_ = mp.mpf(nu), mp.mpf(y)
    tail = mp.betainc(nu_ / 2, mp.mpf(1) / 2, 0, nu_ / (nu_ + y_ * y_), regularized=True) / 2
    P, Q = (tail, 1 - tail) if y < 0 else (1 - tail, tail)
    rows.append(('student_t', 1, [y, nu, 0.0, 1.0], float(mp.log(P))))
    rows.append(('student_t', 2, [y, nu, 0.0, 1.0], float(mp.log(Q))))
ext('von_mises', [0.001, 0.0, 1e8], 1e8 * mp.cos(mp.mpf(0.001)) - mp.log(2 * mp.pi) - mp.log(mp.besseli(0, 1e8)))

def c(x):
    if math.isinf(x):
        return '-INFINITY' if x < 0 else 'INFINITY'
    return repr(float(x))


# Multivariate references (the inputs are repeated in tests/test_dist.c).
mv = {}
mv['DIRICHLET'] = stats.dirichlet([1.5, 0.7, 3.0]).logpdf([0.2, 0.3, 0.5])
Sigma = np.array([[2.0, 0.3, -0.4], [0.3, 1.0, 0.2], [-0.4, 0.2, 1.5]])
mv['MULTI_NORMAL'] = stats.multivariate_normal([0.1, -0.3, 0.5], Sigma).logpdf([0.4, 0.2, -0.6])
# LKJ for K = 2: r = L[2,1] has density (1+r)/2 ~ Beta(eta, eta), i.e. beta.pdf((r+1)/2)/2
mv['LKJ2'] = stats.beta(2.5, 2.5).logpdf((0.3 + 1) / 2) - math.log(2)
th = np.array([0.2, 0.5, 0.3])
mv['CATEGORICAL'] = math.log(th[1]) + math.log(th[2]) + math.log(th[1])
beta = np.array([0.4, -1.2, 2.0])
lse = special.logsumexp(beta)
mv['CATEGORICAL_LOGIT'] = (beta[0] - lse) + (beta[2] - lse)
cut = [-0.5, 0.8, 2.0]
def olog(k, eta):
    F = lambda x: 1 / (1 + math.exp(-x))
    p = [1 - F(eta - cut[0])] + [F(eta - cut[j - 1]) - F(eta - cut[j]) for j in range(1, 3)] + [F(eta - cut[2])]
    return math.log(p[k - 1])
mv['ORDERED_LOGISTIC'] = olog(1, 0.3) + olog(2, 0.3) + olog(3, 1.1) + olog(4, 1.1)
X = np.array([[1.0, 0.5], [-0.3, 2.0], [0.7, -1.1]])
bglm = np.array([0.4, -0.2])
yv = np.array([0.5, -1.0, 0.9])
mv['NORMAL_ID_GLM'] = stats.norm(0.3 + X @ bglm, 1.3).logpdf(yv).sum()
eta = 0.3 + X @ bglm
yb = [1, 0, 1]
mv['BERNOULLI_LOGIT_GLM'] = sum(stats.bernoulli(1 / (1 + math.exp(-e))).logpmf(v) for e, v in zip(eta, yb))

# counts over categories, ordered_probit, and the newer GLMs (inputs repeated in tests/test_dist_mv.c)
ym = [2, 0, 3, 1]
thm = np.array([0.2, 0.1, 0.4, 0.3])
mv['MULTINOMIAL'] = stats.multinomial(6, thm).logpmf(ym)
gm = np.array([0.5, -1.0, 0.2, 0.0])
mv['MULTINOMIAL_LOGIT'] = stats.multinomial(6, np.exp(gm - special.logsumexp(gm))).logpmf(ym)
alm = [1.5, 0.7, 3.0, 2.2]
a0 = sum(alm)
mv['DIRICHLET_MULTINOMIAL'] = float(mp.loggamma(7) + mp.loggamma(a0) - mp.loggamma(6 + a0)
                                    + sum(mp.loggamma(k + a) - mp.loggamma(k + 1) - mp.loggamma(a) for k, a in zip(ym, alm)))
def oprob(k, eta):
    cc = [-math.inf] + cut + [math.inf]
    return math.log(stats.norm.cdf(cc[k] - eta) - stats.norm.cdf(cc[k - 1] - eta))
mv['ORDERED_PROBIT'] = oprob(1, 0.3) + oprob(2, 0.3) + oprob(3, 1.1) + oprob(4, 1.1)
yp = [2, 0, 5]
mv['POISSON_LOG_GLM'] = sum(stats.poisson(math.exp(e)).logpmf(v) for e, v in zip(eta, yp))
phis = 2.5
mv['NEG_BINOMIAL_2_LOG_GLM'] = sum(stats.nbinom(phis, phis / (math.exp(e) + phis)).logpmf(v) for e, v in zip(eta, yp))
nb_n, nb_N = [2, 0, 5], [4, 3, 6]
mv['BINOMIAL_LOGIT_GLM'] = sum(stats.binom(m, 1 / (1 + math.exp(-e))).logpmf(v) for e, v, m in zip(eta, nb_n, nb_N))
eta0 = X @ bglm  # no intercept
yo = [1, 3, 4]
mv['ORDERED_LOGISTIC_GLM'] = sum(olog(k, e) for k, e in zip(yo, eta0))
alc = np.array([0.2, -0.1, 0.4])
Bc = np.array([[0.3, -0.5, 0.1], [0.7, 0.2, -0.4]])  # K x C
yc = [1, 3, 2]
mv['CATEGORICAL_LOGIT_GLM'] = sum((alc + X[i] @ Bc)[yc[i] - 1] - special.logsumexp(alc + X[i] @ Bc) for i in range(3))

# multivariate normal / Student-t forms and the matrix families (inputs repeated in tests/test_dist_mv.c)
Om = np.array([[2.0, 0.3, -0.4], [0.3, 1.0, 0.2], [-0.4, 0.2, 1.5]])
y3, mu3 = np.array([0.4, 0.2, -0.6]), np.array([0.1, -0.3, 0.5])
mv['MULTI_NORMAL_PREC'] = stats.multivariate_normal(mu3, np.linalg.inv(Om)).logpdf(y3)
mv['MULTI_STUDENT_T'] = stats.multivariate_t(mu3, Sigma, df=4.5).logpdf(y3)
Yg = np.array([[0.3, -0.2, 0.5], [1.1, 0.4, -0.7]])  # K = 2 rows over N = 3 points
wg = np.array([0.8, 2.5])
mv['MULTI_GP'] = sum(stats.multivariate_normal(np.zeros(3), Sigma / wg[i]).logpdf(Yg[i]) for i in range(2))
Wm = np.array([[1.5, 0.4, 0.1], [0.4, 2.0, -0.3], [0.1, -0.3, 0.9]])
mv['WISHART'] = stats.wishart(5.5, Sigma).logpdf(Wm)
mv['INV_WISHART'] = stats.invwishart(5.5, Sigma).logpdf(Wm)
LWm = np.linalg.cholesky(Wm)
jac = 3 * math.log(2) + sum((3 - k) * math.log(LWm[k, k]) for k in range(3))  # 0-based k: K - k
mv['WISHART_CHOLESKY'] = mv['WISHART'] + jac
mv['INV_WISHART_CHOLESKY'] = mv['INV_WISHART'] + jac
def lkj_log_c(K, eta):  # Lewandowski, Kurowicka and Joe (2009), eq. 16, in mpmath
    eta = mp.mpf(eta)
    s = mp.mpf(0)
    for k in range(1, K):
        b = eta + mp.mpf(K - k - 1) / 2
        s -= (2 * eta - 2 + K - k) * (K - k) * mp.log(2) + (K - k) * mp.log(mp.beta(b, b))
    return s
Cm = np.array([[1.0, 0.3, -0.2], [0.3, 1.0, 0.4], [-0.2, 0.4, 1.0]])
mv['LKJ_CORR'] = float(lkj_log_c(3, 1.7) + 0.7 * mp.log(np.linalg.det(Cm)))
sds = np.sqrt(np.diag(Wm))
muc, sgc = np.array([0.1, 0.2, -0.1]), np.array([0.5, 1.2, 0.8])
Cw = Wm / np.outer(sds, sds)
mv['LKJ_COV'] = float(sum(stats.lognorm(sgc[k], scale=math.exp(muc[k])).logpdf(sds[k]) for k in range(3))
                      + lkj_log_c(3, 1.7) + 0.7 * mp.log(np.linalg.det(Cw)))

# gaussian_dlm_obs: the marginal normal of (y_1 .. y_T) built directly (not by a Kalman filter):
# theta_t = G^t theta_0 + sum_{s<=t} G^(t-s) w_s, y_t = F' theta_t + v_t
Fd = np.array([[1.0, 0.3], [0.5, -0.2]])  # n = 2 states x r = 2 observations
Gd = np.array([[0.9, 0.1], [-0.2, 0.8]])
Vd = np.array([[0.5, 0.1], [0.1, 0.4]])
Wd = np.array([[0.3, 0.05], [0.05, 0.2]])
m0d, C0d = np.array([0.2, -0.1]), np.array([[1.0, 0.2], [0.2, 0.6]])
Yd = np.array([[0.5, 0.1, -0.3, 0.8], [0.2, -0.4, 0.6, 0.1]])  # r x T = 2 x 4


def dlm_ref(V):
    n, T = 2, Yd.shape[1]
    # covariance of the states: Cov(theta_s, theta_t)
    P = [None] * (T + 1)
    P[0] = C0d
    mean = [m0d]
    for t in range(1, T + 1):
        P[t] = Gd @ P[t - 1] @ Gd.T + Wd
        mean.append(Gd @ mean[-1])
    def cov_st(s_, t_):  # s_ <= t_
        return np.linalg.matrix_power(Gd, t_ - s_) @ P[s_]
    r = Fd.shape[1]
    S = np.zeros((r * T, r * T))
    mu = np.zeros(r * T)
    for t in range(1, T + 1):
        mu[(t - 1) * r:t * r] = Fd.T @ mean[t]
        for u in range(1, T + 1):
            c = cov_st(min(t, u), max(t, u))
            c = c if t >= u else c.T
            S[(t - 1) * r:t * r, (u - 1) * r:u * r] = Fd.T @ c @ Fd
        S[(t - 1) * r:t * r, (t - 1) * r:t * r] += V
    return stats.multivariate_normal(mu, S).logpdf(Yd.T.reshape(-1))


mv['GAUSSIAN_DLM_OBS'] = dlm_ref(Vd)
mv['GAUSSIAN_DLM_OBS_VEC'] = dlm_ref(np.diag([0.5, 0.4]))

# dirichlet at large concentrations near its mode (the saddle-point form), mpmath at 60 digits
thl = [1.5 / 5.2, 0.7 / 5.2, 3.0 / 5.2]
all_ = [1.5e10, 0.7e10, 3.0e10]
mv['DIRICHLET_LARGE'] = float(mp.loggamma(sum(mp.mpf(a) for a in all_)) - sum(mp.loggamma(a) for a in all_)
                              + sum((a - 1) * mp.log(mp.mpf(t)) for a, t in zip(all_, thl)))

# the Wishart families at nu = 1e10 (mpmath at 60 digits; terms of size nu K cancel to O(1)): W (wishart) or
# S (inv_wishart) is the integer matrix Wbig ~ nu Sigma + O(sqrt(nu)) (exact doubles), the other is Sigma
nu_big = 10 ** 10
Wbig = [[20000123456, 3000045678, -3999987654], [3000045678, 9999912345, 2000065432],
        [-3999987654, 2000065432, 15000054321]]


def mp_wishart(W, nu, S, inv):
    W, S, nu, K = mp.matrix(W), mp.matrix(S), mp.mpf(nu), 3
    lmg = K * (K - 1) * mp.log(mp.pi) / 4 + sum(mp.loggamma(nu / 2 + mp.mpf(1 - j) / 2) for j in range(1, K + 1))
    c = -K * nu / 2 * mp.log(2) - lmg
    if inv:
        return c + nu / 2 * mp.log(mp.det(S)) - (nu + K + 1) / 2 * mp.log(mp.det(W)) - \
            sum((S * W ** -1)[i, i] for i in range(K)) / 2
    return c - nu / 2 * mp.log(mp.det(S)) + (nu - K - 1) / 2 * mp.log(mp.det(W)) - sum((S ** -1 * W)[i, i] for i in range(K)) / 2


Sig_l = [[float(v) for v in r] for r in Sigma]
mv['WISHART_BIG'] = float(mp_wishart(Wbig, nu_big, Sig_l, False))
mv['WISHART_BIG_DNU'] = float(mp.diff(lambda v: mp_wishart(Wbig, v, Sig_l, False), nu_big))
mv['INV_WISHART_BIG'] = float(mp_wishart(Sig_l, nu_big, Wbig, True))
mv['INV_WISHART_BIG_DNU'] = float(mp.diff(lambda v: mp_wishart(Sig_l, v, Wbig, True), nu_big))

with open('tests/data/dist_table.h', 'w') as f:
    f.write('/* tests/data/dist_table.h — generated by tests/data/gen_dist.py (scipy %s); do not edit. */\n' % __import__('scipy').__version__)
    f.write('typedef struct dist_ref { const char *family; int kind; int nargs; double args[4]; double value; } dist_ref;\n')
    f.write('static const dist_ref dist_refs[] = {\n')
    for fam, kind, args, v in rows:
        a = ', '.join(c(x) for x in args)
        f.write('  {"%s", %d, %d, {%s}, %s},\n' % (fam, kind, len(args), a, c(v)))
    f.write('};\n')
    for k, v in mv.items():
        f.write('#define REF_%s %s\n' % (k, c(float(v))))
print(len(rows), 'rows')
