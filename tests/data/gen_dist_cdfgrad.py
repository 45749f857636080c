#!/usr/bin/python3
"""Reference partial derivatives of beta_neg_binomial's CDF for tests/test_dist_cdfgrad.c (run by hand:
/usr/bin/python3 tests/data/gen_dist_cdfgrad.py > tests/data/dist_cdfgrad_table.h).
P(n | r, alpha, beta) = sum_{k=0..n} Gamma(k + r) / (k! Gamma(r)) B(alpha + r, beta + k) / B(alpha, beta), summed
in mpmath at 40 digits; d log P / dx and d log(1 - P) / dx by mpmath's numerical differentiation at that precision."""
import mpmath as mp
mp.mp.dps = 40

def P(n, r, a, b):
    lb = mp.log(mp.beta(a, b))
    return mp.fsum(mp.exp(mp.loggamma(k + r) - mp.loggamma(k + 1) - mp.loggamma(r) + mp.log(mp.beta(a + r, b + k)) - lb)
                   for k in range(n + 1))

cases = [(0, 2, 3, 1.5), (3, 0.7, 2.5, 4), (10, 5, 1.2, 0.8), (50, 1.5, 0.6, 3), (7, 30, 40, 0.5), (2500, 3, 2, 2),
         (1, 0.3, 0.9, 6), (25, 2, 8, 1.1)]
print("/* tests/data/dist_cdfgrad_table.h — made by tests/data/gen_dist_cdfgrad.py (mpmath, 40 digits): n, r, alpha,")
print(" * beta, log P, d log P / d(r, alpha, beta), log(1 - P), d log(1 - P) / d(r, alpha, beta). */")
print("static const double bnb_cdfgrad[][12] = {")
for n, r, a, b in cases:
    p = P(n, r, a, b)
    d = [mp.diff(lambda t: mp.log(P(n, *(t if i == j else v for i, v in enumerate((r, a, b))))), (r, a, b)[j])
         for j in range(3)]
    q = [mp.diff(lambda t: mp.log(1 - P(n, *(t if i == j else v for i, v in enumerate((r, a, b))))), (r, a, b)[j])
         for j in range(3)]
    vals = [n, r, a, b, mp.log(p)] + d + [mp.log(1 - p)] + q
    print("    {" + ", ".join(mp.nstr(v, 17) for v in vals) + "},")
print("};")
