#!/usr/bin/python3
"""tests/data/gen_special.py — reference values of urn's special functions,
computed once with mpmath at 60 significant digits, written to
tests/data/special_table.h for tests/test_special.c.

Each row: function name, up to three double arguments (exactly the doubles the
C test passes), the correctly rounded value, and a relative tolerance
max(1e-12, 8 eps cond) where cond = sum_i |x_i df/dx_i / f| is the condition
number (computed here by a relative central difference at high precision): a
result can be no better than the rounding of the arguments of its internal
steps allows, so badly conditioned points (zeros of the function, the far
tails of inv_Phi near 1) get a tolerance in proportion.  Run by hand:
    /usr/bin/python3 tests/data/gen_special.py"""
import math
import os
import sys

import mpmath as mp

mp.mp.dps = 60
EPS = 2.0 ** -52
INF = float("inf")


def lg(x):
    return mp.log(abs(mp.gamma(x))) if x < 0 else mp.loggamma(x)


def lbeta(a, b):
    with mp.workdps(400):  # arguments up to 1e300 apart
        return +(mp.loggamma(a) + mp.loggamma(b) - mp.loggamma(a + b))


def log1p_exp(x):
    return mp.log1p(mp.exp(x))


def log1m_exp(x):
    return mp.log(-mp.expm1(x))


def inv_logit(x):
    return 1 / (1 + mp.exp(-x))


def Phi(x):
    return mp.ncdf(x)


def phi_approx(x):
    return inv_logit(mp.mpf(0.07056) * x ** 3 + mp.mpf(1.5976) * x)


def inv_Phi(p):
    if 0.01 < p < 0.99:
        return mp.sqrt(2) * mp.erfinv(2 * p - 1)
    # tails: solve log Phi(-|x|) = log(min(p, 1 - p)) by Newton from the asymptote
    t = min(p, 1 - p)
    x0 = -mp.sqrt(-2 * mp.log(t) - mp.log(-2 * mp.log(t)) - mp.log(2 * mp.pi))
    x = mp.findroot(lambda z: mp.log(mp.ncdf(z)) - mp.log(t), x0)
    return x if p < 0.5 else -x


def log_Phi(x):
    if x < -1e10:  # Mills ratio series: the next term, 3/x^4, is below 1e-40 here
        return -x * x / 2 - mp.log(-x) - mp.log(mp.sqrt(2 * mp.pi)) + mp.log1p(-1 / (x * x))
    if x > 0:
        return mp.log1p(-mp.ncdf(-x))
    return mp.log(mp.ncdf(x))


def inc_beta(a, b, x):
    """I_x(a, b) = x^a (1-x)^b / (a B(a, b)) 2F1(a + b, 1; a + 1; x) (DLMF 8.17.8),
    on the side of the mean where the series converges fast."""
    if x > a / (a + b):
        return 1 - inc_beta(b, a, 1 - x)
    pre = mp.exp(a * mp.log(x) + b * mp.log1p(-x) - lbeta(a, b)) / a
    return pre * mp.hyp2f1(a + b, 1, a + 1, x, maxterms=10 ** 7)


FUNCS = {
    "lgamma": lg,
    "digamma": mp.digamma,
    "trigamma": lambda x: mp.polygamma(1, x),
    "lbeta": lbeta,
    "lchoose": lambda n, k: mp.loggamma(n + 1) - mp.loggamma(k + 1) - mp.loggamma(n - k + 1),
    "lmgamma": None,  # first argument is an int: handled below
    "log1p_exp": log1p_exp,
    "log1m_exp": log1m_exp,
    "log1m": lambda x: mp.log1p(-x),
    "log_diff_exp": lambda a, b: a + log1m_exp(b - a),
    "log_sum_exp2": lambda a, b: mp.log(mp.exp(a) + mp.exp(b)),
    "log_sum_exp3": lambda a, b, c: mp.log(mp.exp(a) + mp.exp(b) + mp.exp(c)),
    "log_mix": lambda t, a, b: mp.log(t * mp.exp(a) + (1 - t) * mp.exp(b)),
    "logit": lambda p: mp.log(p / (1 - p)),
    "inv_logit": inv_logit,
    "log_inv_logit": lambda x: -log1p_exp(-x),
    "log1m_inv_logit": lambda x: -log1p_exp(x),
    "Phi": Phi,
    "Phi_approx": phi_approx,
    "inv_Phi": inv_Phi,
    "log_Phi": log_Phi,
    "erf": mp.erf,
    "erfc": mp.erfc,
    "inc_beta": lambda a, b, x: inc_beta(a, b, x),
    "gamma_p": lambda a, x: mp.gammainc(a, 0, x, regularized=True),
    "gamma_q": lambda a, x: mp.gammainc(a, x, mp.inf, regularized=True),
}

M = 1 - 2.0 ** -53  # largest double below 1
POINTS = {
    "lgamma": [1e-300, 1e-10, 0.5, 1.5, 2.5, 3.7, 10.0, 100.5, 1e5, 1e15, 1e300, -0.5, -2.5, -10.3, 0.999, 2.001],
    "digamma": [1e-300, 1e-8, 0.1, 0.5, 1.0, 1.4616321449683622, 1.4616321449683625, 1.4, 1.55, 1.3617, 2.0, 5.5, 9.99, 10.0, 30.0, 1e5, 1e15, 1e300,
                -0.5, -1.5, -10.25, -100.7],
    "trigamma": [1e-150, 1e-5, 1e-3, 0.1, 0.5, 1.0, 2.0, 9.5, 10.0, 50.0, 1e5, 1e15, 1e300, -0.5, -1.5, -7.3],
    "lbeta": [(1.0, 1.0), (0.5, 0.5), (2.0, 3.0), (1e-300, 1.0), (1e-10, 1e-10), (3.0, 1e5), (1e5, 1e5),
              (10.0, 10.0), (9.99, 10.01), (0.3, 1e10), (1e10, 1e12), (1e300, 2.0), (25.0, 3.5), (1e-8, 50.0)],
    "lchoose": [(10.0, 3.0), (1e5, 5e4), (50.5, 20.25), (1e10, 3.0), (1e15, 1.0), (7.0, 6.5)],
    "log1p_exp": [-1000.0, -745.0, -40.0, -1.0, 0.0, 1e-10, 1.0, 30.0, 40.0, 800.0, 1e300, -1e300],
    "log1m_exp": [-1e-300, -1e-20, -1e-10, -0.1, -0.693, -0.7, -1.0, -10.0, -40.0, -800.0],
    "log1m": [-1e300, 1e-300, 0.5, 0.999999, -5.0, 1e-10, M],
    "log_diff_exp": [(0.0, -1e-300), (1000.0, 999.0), (-1000.0, -1001.0), (5.0, -INF), (1.0, 0.9999999),
                     (-1e300, -1.0000000000000001e300 * 1.5), (3.0, -40.0)],
    "log_sum_exp2": [(-INF, 3.0), (1000.0, 1000.0), (-1000.0, -1000.5), (0.0, -40.0), (1e300, 1.0),
                     (-1e300, -1e300), (-745.0, -746.0), (2.0, 5.0)],
    "log_sum_exp3": [(-INF, 3.0, -INF), (1000.0, 999.0, 998.0), (-800.0, -801.0, -900.0), (0.0, -50.0, -60.0),
                     (1.0, 2.0, 3.0)],
    "log_mix": [(0.3, -1.0, -2.0), (1e-10, -1000.0, 5.0), (0.999, 3.0, -1e5), (0.5, -INF, -2.0), (0.25, -800.0, -799.0)],
    "logit": [1e-300, 1e-10, 0.25, 0.3, 0.5000001, 0.75, 0.9, M, 0.7499999],
    "inv_logit": [-745.0, -700.0, -40.0, -1.0, 0.0, 1e-10, 1.0, 20.0, 40.0, 800.0],
    "log_inv_logit": [-1e300, -800.0, -40.0, -1.0, 0.0, 1.0, 40.0, 700.0],
    "log1m_inv_logit": [-700.0, -40.0, -1.0, 0.0, 1.0, 40.0, 800.0, 1e300],
    "Phi": [-40.0, -38.0, -37.5, -20.0, -5.0, -1.0, -1e-10, 0.0, 1e-10, 1.0, 5.0, 8.0, 10.0, 40.0],
    "Phi_approx": [-5.0, -1.0, 0.3, 2.0],
    "inv_Phi": [1e-300, 1e-100, 1e-20, 1e-10, 0.001, 0.02425, 0.07, 0.075, 0.3, 0.5000001, 0.6, 0.9, 0.925,
                0.975, 0.999, 1 - 1e-10, M],
    "log_Phi": [-1e300, -1.8e154, -1e5, -1e3, -100.0, -40.0, -30.0001, -29.999, -20.0, -5.0, -1.0, 0.0, 1.0, 5.0, 5.01, 10.0,
                30.0],
    "erf": [1e-300, 1e-10, 0.1, 0.5, 1.0, 2.0, 3.0, 5.0, 6.0, -0.5],
    "erfc": [-1.0, 0.0, 0.5, 1.0, 3.0, 10.0, 26.0, 27.0, 0.01],
    "inc_beta": [(1.0, 1.0, 0.3), (2.0, 3.0, 0.4), (0.5, 0.5, 0.1), (0.5, 0.5, 0.9), (10.0, 20.0, 0.3),
                 (100.0, 200.0, 0.33), (1e-3, 1e-3, 0.5), (5.0, 0.1, 0.999), (0.1, 5.0, 1e-10),
                 (2.0, 3.0, 1e-300), (1000.0, 1000.0, 0.49), (1e4, 1e4, 0.5), (3.0, 4.0, 0.9999),
                 (50.0, 50.0, 0.1), (1e5, 1e5, 0.501), (1.5, 2.5, 0.6), (20.0, 0.5, 0.95), (0.2, 0.3, 0.7),
                 (1e-8, 2.0, 0.3), (2.0, 1e-8, 0.3), (1e3, 10.0, 0.99), (10.0, 1e4, 1e-3), (0.5, 1e6, 1e-6),
                 (1e6, 0.5, 0.999999), (30.0, 40.0, 0.2), (400.0, 100.0, 0.85)],
    "gamma_p": [(1.0, 1e-300), (0.5, 0.1), (0.5, 2.0), (1.0, 1.0), (2.0, 3.0), (10.0, 5.0), (10.0, 20.0),
                (100.0, 90.0), (100.0, 120.0), (1e4, 1e4), (1e4, 1.02e4), (1e6, 1.001e6), (0.01, 0.5),
                (0.01, 1e-5), (1e-10, 1.0), (30.0, 1.0), (5.0, 100.0), (0.1, 50.0), (1e-300, 1e-300),
                (1e3, 900.0), (2.5, 0.001), (0.3, 1.2), (0.49, 1.4), (1e-5, 1e-5),
                (7.5, 7.5), (200.0, 10.0), (1e5, 1e3)],
}
POINTS["gamma_q"] = POINTS["gamma_p"]
LMGAMMA = [(3, 2.5), (5, 10.0), (1, 0.5), (10, 100.0), (2, 1e5)]


def rel_cond(f, args):
    """sum_i |x_i df/dx_i / f| by a relative central difference."""
    fx = f(*args)
    if not mp.isfinite(fx):
        return mp.inf
    c = mp.mpf(0)
    d = mp.mpf(10) ** -25
    for i, a in enumerate(args):
        if a == 0 or not mp.isfinite(a):
            continue
        up = list(args)
        dn = list(args)
        up[i] = a * (1 + d)
        dn[i] = a * (1 - d)
        c += abs((f(*up) - f(*dn)) / (2 * d * fx)) if fx != 0 else mp.inf
    return c


def cfmt(v):
    if v == INF:
        return "INFINITY"
    if v == -INF:
        return "-INFINITY"
    return repr(float(v))


rows = []


def add(name, args, f, cargs=None):
    margs = [mp.mpf(a) for a in args]
    val = f(*margs)
    fv = float(val) if abs(val) < mp.mpf("1.7976931348623157e308") else (INF if val > 0 else -INF)
    cond = rel_cond(f, margs)
    if fv == 0 or not mp.isfinite(val):
        rtol, atol = 1e-12, 1e-300
    elif cond == mp.inf or float(cond) * abs(fv) == 0:
        rtol, atol = 1e-12, 0.0
    else:
        # |error| <= max(1e-12 |f|, 8 eps sum_i |x_i df/dx_i|): the second term is the
        # absolute condition, which matters at zeros of f (digamma's root, lgamma(1))
        rtol, atol = max(1e-12, min(1e-6, 8 * EPS * float(cond))), 0.0
        if float(cond) > 1e6:
            rtol, atol = 1e-12, 8 * EPS * float(cond) * abs(fv)
    cargs = cargs or args
    a = list(cargs) + [0.0] * (3 - len(cargs))
    rows.append('  {"%s", {%s}, %s, %.3g, %.3g},' % (name, ", ".join(cfmt(x) for x in a), cfmt(fv), rtol, atol))


for name, pts in POINTS.items():
    for p in pts:
        args = p if isinstance(p, tuple) else (p,)
        add(name, args, FUNCS[name])
for k, x in LMGAMMA:
    f = (lambda k_: lambda x_: k_ * (k_ - 1) / mp.mpf(4) * mp.log(mp.pi) +
         mp.fsum(mp.loggamma(x_ + mp.mpf(1 - j) / 2) for j in range(1, k_ + 1)))(k)
    rows.append(None)
    rows.pop()
    margs = [mp.mpf(x)]
    val = f(*margs)
    cond = rel_cond(f, margs)
    rtol = max(1e-12, 8 * EPS * float(cond))
    rows.append('  {"lmgamma", {%r, %r, 0.0}, %r, %.3g, 0},' % (float(k), x, float(val), rtol))

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "special_table.h")
with open(out, "w") as fh:
    fh.write("/* tests/data/special_table.h — generated by tests/data/gen_special.py with mpmath %s\n"
             " * (60 digits); do not edit.  {function, arguments, value, rtol, atol} */\n" % mp.__version__)
    fh.write("typedef struct special_row {\n  const char *fn; /* function name without urn_ */\n"
             "  double arg[3];  /* arguments (lmgamma: k, x) */\n  double value;   /* reference value */\n"
             "  double rtol;    /* relative tolerance: max(1e-12, 8 eps cond) */\n"
             "  double atol;    /* absolute tolerance (where the value is 0) */\n} special_row;\n")
    fh.write("static const special_row special_table[] = {\n" + "\n".join(rows) + "\n};\n")
print("%d rows -> %s" % (len(rows), out), file=sys.stderr)
