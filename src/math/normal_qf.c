/* math/normal_qf.c — quantiles of the standard normal beyond urn_inv_Phi: from a log probability
 * (std_normal_log_qf, finite down to log p = -1e300 and beyond) and the inverse complementary error function.
 *
 * std_normal_log_qf(lp): for lp > log(1/2) the upper tail q = -expm1(lp) gives x = -inv_Phi(q) with q's full
 * relative precision; for -700 < lp <= log(1/2), x = inv_Phi(exp(lp)); below, where exp(lp) underflows, the
 * tail asymptote x = -sqrt(t - log(t) - log(2 pi)), t = -2 lp, refined by Newton's method on
 * log_Phi(x) = lp (urn_log_Phi is accurate there), whose step is (lp - log_Phi(x)) Phi(x) / phi(x). */
#include <math.h>

#include "math/special.h"

#define LOG_SQRT_2PI 0.91893853320467274178032973640561764

/* Phi(x) / phi(x) (Mills' ratio of the lower tail): through log_Phi above -30, by its asymptotic series
 * 1/|x| (1 - 1/x^2 + 3/x^4 - 15/x^6 + ...) below (whose terms are below 1e-17 long before they grow). */
double urn_Phi_over_phi(double x) {
  if (x > -30) return exp(urn_log_Phi(x) + 0.5 * x * x + LOG_SQRT_2PI);
  double x2 = x * x, t = 1, s = 1;
  for (int k = 1; k < 60; k++) {
    t *= -(2.0 * k - 1) / x2;
    s += t;
    if (fabs(t) < 1e-17 * s) break;
  }
  return s / -x;
}

double urn_std_normal_log_qf(double lp) {
  if (isnan(lp)) return lp;
  if (lp > 0) return NAN;
  if (lp == 0) return INFINITY;
  if (lp == -INFINITY) return -INFINITY;
  if (lp > -0.69314718055994530942) return -urn_inv_Phi(-expm1(lp));
  if (lp > -700) return urn_inv_Phi(exp(lp));
  double t = -2 * lp, x = -sqrt(t - log(t) - 2 * LOG_SQRT_2PI);
  for (int i = 0; i < 50; i++) {
    double step = (lp - urn_log_Phi(x)) * urn_Phi_over_phi(x);
    x += step;
    if (fabs(step) <= 2e-16 * fabs(x)) break;
  }
  return x;
}

double urn_inv_erfc(double y) {
  if (isnan(y)) return y;
  if (!(y >= 0 && y <= 2)) return NAN;
  if (y == 0) return INFINITY;
  if (y == 2) return -INFINITY;
  if (y > 1) return -urn_inv_erfc(2 - y); /* 2 - y is exact here */
  return -urn_inv_Phi(0.5 * y) * 0.70710678118654752440;
}
