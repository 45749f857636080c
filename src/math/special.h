/* math/special.h — special functions and numerically careful log-scale
 * arithmetic used by the distributions, the Stan built-ins and the samplers.
 *
 * Everything here is thread-safe (no global state: lgamma_r, never lgamma with
 * its global signgam) and takes and returns doubles unless noted.  Domain
 * errors return NaN; limits return the limiting value (+-inf, 0, 1).  The
 * accuracy of each function is documented in docs/math.md and tested against
 * an mpmath table (tests/data/gen_special.py -> tests/data/special_table.h). */
#ifndef URN_MATH_SPECIAL_H
#define URN_MATH_SPECIAL_H

#include <stddef.h>

/* log|Gamma(x)|; +inf at the poles 0, -1, -2, ... */
double urn_lgamma(double x);
/* psi(x) = d/dx log Gamma(x); NaN at the poles. */
double urn_digamma(double x);
/* psi'(x) = d^2/dx^2 log Gamma(x); NaN at the poles. */
double urn_trigamma(double x);
/* log B(a, b) = lgamma(a) + lgamma(b) - lgamma(a + b), a, b > 0, accurate when
 * one argument is much larger than the other. */
double urn_lbeta(double a, double b);
/* log of the binomial coefficient (n choose k) for real n >= k >= 0. */
double urn_lchoose(double n, double k);
/* log multivariate gamma: log Gamma_k(x) = k(k-1)/4 log(pi) + sum_{j=1..k} lgamma(x + (1-j)/2). */
double urn_lmgamma(int k, double x);

/* x^y, the one power kernel of every evaluation path (`^`, `.^`, pow(): the interpreter, its batched lanes,
 * the native tier, generated quantities).  When y is a whole number with |y| <= 64, x^|y| is formed by binary
 * powering (at most 12 products, no branch on the exponent's bits; the reciprocal for y < 0): for a normal
 * result the relative error is at most (|y| - 1) 2^-53 for y > 0 and |y| 2^-53 for y < 0 (to first order),
 * i.e. at most |y| ulp, where libm's pow is within 1 ulp; results exact in double (2^n, 1.5^n, ...) come out
 * exact.  A zero, subnormal, infinite or NaN result, and every other y, is libm's pow(x, y) (so the special
 * values are C's).  The decision (speed against accuracy): docs/autodiff.md. */
double urn_pow(double x, double y);
/* x^y and d/dx x^y = y x^(y-1) (computed as y (x^y / x) when x != 0 and x^y is a normal number, else
 * y urn_pow(x, y - 1); 0 when y == 0). */
double urn_pow_dx(double x, double y, double *dx);

/* log(1 + exp(x)) without overflow. */
double urn_log1p_exp(double x);
/* log(1 - exp(x)) for x <= 0 (NaN for x > 0, -inf at 0). */
double urn_log1m_exp(double x);
/* log(1 - x) for x <= 1. */
double urn_log1m(double x);
/* log(exp(a) - exp(b)) for a >= b; -inf when a == b (including both -inf). */
double urn_log_diff_exp(double a, double b);
/* log(exp(a) + exp(b)); -inf when both are -inf. */
double urn_log_sum_exp2(double a, double b);
/* log(sum_i exp(x[i])); -inf when n == 0 or all are -inf; +inf if any is +inf. */
double urn_log_sum_exp(const double *x, size_t n);
/* log(theta exp(lp1) + (1 - theta) exp(lp2)) for theta in [0, 1]. */
double urn_log_mix(double theta, double lp1, double lp2);

/* log(p / (1 - p)). */
double urn_logit(double p);
/* 1 / (1 + exp(-x)), accurate in both tails. */
double urn_inv_logit(double x);
/* log(inv_logit(x)) = -log1p(exp(-x)). */
double urn_log_inv_logit(double x);
/* log(1 - inv_logit(x)) = -log1p(exp(x)). */
double urn_log1m_inv_logit(double x);

/* Standard normal CDF, accurate (relative) in the lower tail. */
double urn_Phi(double x);
/* Stan's logistic approximation inv_logit(0.07056 x^3 + 1.5976 x). */
double urn_Phi_approx(double x);
/* Standard normal quantile for p in [0, 1] (Wichura's AS241, full double precision). */
double urn_inv_Phi(double p);
/* log Phi(x), accurate far in the lower tail (x = -1e5 and beyond). */
double urn_log_Phi(double x);
double urn_erf(double x);
double urn_erfc(double x);

/* Regularized incomplete beta I_x(a, b), a, b > 0, x in [0, 1]. */
double urn_inc_beta(double a, double b, double x);
/* Both tails of the regularized incomplete beta, *P = I_x(a, b) and *Q = I_y(b, a) = 1 - *P, given y = 1 - x
 * exactly (both may be tiny): each tail keeps its relative accuracy where urn_inc_beta's 1 - x would not. */
void urn_inc_beta_pq(double a, double b, double x, double y, double *P, double *Q);
/* Regularized lower incomplete gamma P(a, x), a > 0, x >= 0. */
double urn_gamma_p(double a, double x);
/* Regularized upper incomplete gamma Q(a, x) = 1 - P(a, x), accurate when small. */
double urn_gamma_q(double a, double x);

/* Scaled complementary error function exp(x^2) erfc(x), full relative accuracy
 * for all x (+inf below x = -26.7 where it overflows). */
double urn_erfcx(double x);
/* Owen's T function T(h, a) = (1/2pi) int_0^a exp(-h^2 (1 + x^2)/2) / (1 + x^2) dx,
 * relative accuracy ~1e-15 (adaptive Gauss-Kronrod quadrature, math/quad.h). */
double urn_owens_t(double h, double a);
/* exp(h^2 / 2) T(h, a): finite where T itself underflows (|h| > 38). */
double urn_owens_t_scaled(double h, double a);

/* log(x^a e^-x / Gamma(a)) for a > 0, x >= 0, accurate for large a (the saddle-point form
 * a log1pmx((x - a)/a) + log(a / 2pi)/2 - Stirling remainder): the gamma, chi-square and Poisson densities
 * at shapes or counts of 1e10 keep their digits. */
double urn_log_gamma_prefix(double a, double x);
/* log(x^a y^b / B(a, b)) for a, b > 0 and x + y = 1 (both given, either may be tiny), accurate for large a and b
 * (the beta and binomial densities at large shapes or counts). */
double urn_log_beta_prefix(double a, double b, double x, double y);
/* log(1 + x) - x, accurate for small |x| (x > -1). */
double urn_log1pmx(double x);
/* log Gamma(x + n) - log Gamma(x) for x > 0, n >= 0 (Stan's log_rising_factorial on that domain), accurate
 * relative to its own size for large x: at x = 1e12 the difference of the two lgammas would lose 13 digits. */
double urn_log_rising_factorial(double x, double n);
/* ---- math/incgrad.c ---- */
/* I_x(a, b) and its partial derivatives in a and b (forward-mode through the continued fraction). */
double urn_inc_beta_grad(double a, double b, double x, double *da, double *db);
/* dP(a, x)/da (= -dQ/da), forward-mode through the series or continued fraction. */
double urn_gamma_p_da(double a, double x);
/* The x in [0, 1] with I_x(a, b) = p (a, b > 0, p in [0, 1]); NaN outside the domain. */
double urn_inv_inc_beta(double a, double b, double p);

/* ---- math/lambertw.c ---- */
/* The principal branch W0(x), x >= -1/e, and the lower branch W-1(x), -1/e <= x < 0, of w e^w = x. */
double urn_lambert_w0(double x);
double urn_lambert_wm1(double x);

/* ---- math/normal_qf.c ---- */
/* Phi(x) / phi(x), accurate far in the lower tail. */
double urn_Phi_over_phi(double x);
/* The standard normal quantile of exp(lp), lp <= 0, finite for any finite lp. */
double urn_std_normal_log_qf(double lp);
/* The inverse of erfc on [0, 2]. */
double urn_inv_erfc(double y);

/* ---- math/gamma_ratio.c ---- */
/* log Gamma(x + n) - log Gamma(x), x > 0, x + n > 0, accurate for small n and large x. */
double urn_lgamma_ratio(double x, double n);

/* ---- math/bessel.c ---- */
/* Bessel functions of the first and second kind of integer order (Y: x > 0). */
double urn_bessel_j(int n, double x);
double urn_bessel_y(int n, double x);
/* log I_v(x) for real v > -1, x >= 0, and its derivative in v into *dv (may be NULL). */
double urn_log_bessel_i(double v, double x, double *dv);
/* I_n(x) for integer n and real x. */
double urn_bessel_i(int n, double x);
/* log K_v(x) and K_n(x) for x > 0. */
double urn_log_bessel_k(double v, double x);
double urn_bessel_k(int n, double x);

#endif
