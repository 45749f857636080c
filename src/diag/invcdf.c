/* diag/invcdf.c — the two inverse distribution functions the diagnostics need:
 * the standard normal quantile (rank normalization) and the beta quantile (MCSE
 * of quantiles).  Kept here, self-contained, so the diagnostics do not depend on
 * the rest of the math library and match R's choices: the normal quantile is
 * Wichura's algorithm AS 241 (PPND16, Applied Statistics 37, 1988), which R's
 * qnorm uses, accurate to about 1e-16.  The beta quantile only has to pick the
 * right order statistic (|a*S - integer| >= ~1e-3 in practice), so Newton's method
 * on a continued-fraction incomplete beta, accurate to ~1e-13, is plenty. */
#include <float.h>
#include <math.h>

#include "diag/diag_internal.h"

/* Evaluates c[0] + c[1] r + ... + c[7] r^7 (Horner). */
static double poly7(const double *c, double r) {
  double v = c[7];
  for (int i = 6; i >= 0; i--) v = v * r + c[i];
  return v;
}

double urn__diag_qnorm(double p) {
  /* coefficients of AS 241 (rational approximations in three regions) */
  static const double a[8] = {3.3871328727963666080e0, 1.3314166789178437745e+2, 1.9715909503065514427e+3,
                              1.3731693765509461125e+4, 4.5921953931549871457e+4, 6.7265770927008700853e+4,
                              3.3430575583588128105e+4, 2.5090809287301226727e+3};
  static const double b[8] = {1.0,
                              4.2313330701600911252e+1, 6.8718700749205790830e+2, 5.3941960214247511077e+3,
                              2.1213794301586595867e+4, 3.9307895800092710610e+4, 2.8729085735721942674e+4,
                              5.2264952788528545610e+3};
  static const double c[8] = {1.42343711074968357734e0, 4.63033784615654529590e0, 5.76949722146069140550e0,
                              3.64784832476320460504e0, 1.27045825245236838258e0, 2.41780725177450611770e-1,
                              2.27238449892691845833e-2, 7.74545014278341407640e-4};
  static const double d[8] = {1.0,
                              2.05319162663775882187e0, 1.67638483018380384940e0, 6.89767334985100004550e-1,
                              1.48103976427480074590e-1, 1.51986665636164571966e-2, 5.47593808499534494600e-4,
                              1.05075007164441684324e-9};
  static const double e[8] = {6.65790464350110377720e0, 5.46378491116411436990e0, 1.78482653991729133580e0,
                              2.96560571828504891230e-1, 2.65321895265761230930e-2, 1.24266094738807843860e-3,
                              2.71155556874348757815e-5, 2.01033439929228813265e-7};
  static const double f[8] = {1.0,
                              5.99832206555887937690e-1, 1.36929880922735805310e-1, 1.48753612908506148525e-2,
                              7.86869131145613259100e-4, 1.84631831751005468180e-5, 1.42151175831644588870e-7,
                              2.04426310338993978564e-15};
  if (isnan(p) || p < 0 || p > 1) return NAN;
  if (p == 0) return -INFINITY;
  if (p == 1) return INFINITY;
  double q = p - 0.5;
  if (fabs(q) <= 0.425) {
    double r = 0.180625 - q * q;
    return q * poly7(a, r) / poly7(b, r);
  }
  double r = q < 0 ? p : 1.0 - p; /* the smaller tail probability */
  r = sqrt(-log(r));
  double val;
  if (r <= 5.0) {
    r -= 1.6;
    val = poly7(c, r) / poly7(d, r);
  } else {
    r -= 5.0;
    val = poly7(e, r) / poly7(f, r);
  }
  return q < 0 ? -val : val;
}

/* log B(a, b) with the thread-safe lgamma_r. */
static double log_beta(double a, double b) {
  int sa, sb, sab;
  return lgamma_r(a, &sa) + lgamma_r(b, &sb) - lgamma_r(a + b, &sab);
}

/* Continued fraction for I_x(a, b) (valid, fast, for x < (a+1)/(a+b+2)),
 * evaluated by the modified Lentz method; returns the fraction's value. */
static double beta_cf(double x, double a, double b) {
  const double tiny = 1e-300;
  double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0);
  if (fabs(d) < tiny) d = tiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m <= 100000; m++) {
    double m2 = 2.0 * m;
    /* even step */
    double coef = m * (b - m) * x / ((a - 1.0 + m2) * (a + m2));
    d = 1.0 + coef * d;
    if (fabs(d) < tiny) d = tiny;
    c = 1.0 + coef / c;
    if (fabs(c) < tiny) c = tiny;
    d = 1.0 / d;
    h *= d * c;
    /* odd step */
    coef = -(a + m) * (a + b + m) * x / ((a + m2) * (a + 1.0 + m2));
    d = 1.0 + coef * d;
    if (fabs(d) < tiny) d = tiny;
    c = 1.0 + coef / c;
    if (fabs(c) < tiny) c = tiny;
    d = 1.0 / d;
    double del = d * c;
    h *= del;
    if (fabs(del - 1.0) < 4 * DBL_EPSILON) break;
  }
  return h;
}

double urn__diag_pbeta(double x, double a, double b) {
  if (isnan(x) || isnan(a) || isnan(b) || a <= 0 || b <= 0) return NAN;
  if (x <= 0) return 0.0;
  if (x >= 1) return 1.0;
  double log_front = a * log(x) + b * log1p(-x) - log_beta(a, b);
  if (x < (a + 1.0) / (a + b + 2.0)) return exp(log_front) * beta_cf(x, a, b) / a;
  return 1.0 - exp(log_front) * beta_cf(1.0 - x, b, a) / b;
}

double urn__diag_qbeta(double p, double a, double b) {
  if (isnan(p) || isnan(a) || isnan(b) || a <= 0 || b <= 0 || p < 0 || p > 1) return NAN;
  if (p == 0) return 0.0;
  if (p == 1) return 1.0;
  const double lb = log_beta(a, b);
  /* start from the normal approximation with the beta's mean and sd */
  double mean = a / (a + b), sd = sqrt(a * b / ((a + b) * (a + b) * (a + b + 1.0)));
  double x = mean + urn__diag_qnorm(p) * sd;
  double lo = 0.0, hi = 1.0; /* bracket: I(lo) <= p <= I(hi) */
  if (!(x > 0 && x < 1)) x = mean;
  for (int it = 0; it < 300; it++) {
    double fx = urn__diag_pbeta(x, a, b) - p;
    if (fx == 0) return x;
    if (fx < 0) lo = x;
    else hi = x;
    double dens = exp((a - 1.0) * log(x) + (b - 1.0) * log1p(-x) - lb);
    double next = dens > 0 && isfinite(dens) ? x - fx / dens : NAN;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (fabs(next - x) <= 1e-15 * x || hi - lo <= 1e-15 * x) return next;
    x = next;
  }
  return x;
}
