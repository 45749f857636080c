/* math/bessel.c — Bessel functions of integer order J_n, Y_n (the C library's jn, yn: thread-safe, within a
 * few ulp of mpmath over the tested range), and the modified Bessel functions:
 *
 *   log I_v(x), real v > -1, x >= 0 (and d/dv): the power series
 *     I_v(x) = (x/2)^v / Gamma(v + 1) * sum_k (x^2/4)^k / (k! (v+1)_k),
 *   all of whose terms are positive (no cancellation), accumulated with rescaling so that e^x never overflows;
 *   for x > 30 with v^2 < x/2 the Hankel expansion
 *     I_v(x) ~ e^x / sqrt(2 pi x) sum_k (-1)^k a_k(v) / x^k,  a_k = prod_{j<=k} (4v^2 - (2j-1)^2) / (k! 8^k),
 *   summed while its terms decrease (their minimum is below e^-2x).  d/dv is carried along both (dual numbers).
 *
 *   K_v(x), x > 0: the integral K_v(x) = int_0^inf exp(-x cosh t) cosh(v t) dt by the trapezoidal rule on the
 *   whole line, which converges geometrically for this analytic, doubly-exponentially decaying integrand: the
 *   step is a fraction of the width of the integrand's peak at t* = asinh(v/x) and the sum stops where the
 *   integrand is e^-50 below the peak; computed in log scale (log K_v is finite where K_v overflows). */
#include <math.h>

#include "math/special.h"

#define LOG_SQRT_2PI 0.91893853320467274178032973640561764

double urn_bessel_j(int n, double x) { return jn(n, x); }
double urn_bessel_y(int n, double x) { return x > 0 ? yn(n, x) : x == 0 ? -INFINITY : NAN; }

/* log of the series sum_k t_k, t_0 = 1, t_k = t_{k-1} q / (k (v + k)), and its derivative in v. */
static double log_i_series(double v, double q, double *dv) {
  double t = 1, dt = 0, s = 1, ds = 0, lscale = 0, rest = 0; /* rest: s - 1 while unscaled (log1p) */
  for (int k = 1; k < 10000000; k++) {
    double f = q / (k * (v + k));
    dt = dt * f - t * f / (v + k); /* d/dv of t_k = t_{k-1} f */
    t *= f;
    s += t, ds += dt, rest += t;
    if (s > 1e280) s *= 1e-280, ds *= 1e-280, t *= 1e-280, dt *= 1e-280, lscale += 644.72382603833279152;
    if (t < 1e-17 * s && k > q / (v + k) && fabs(dt) <= 1e-17 * fabs(ds) + 1e-300 * s) break;
  }
  *dv = ds / s;
  return lscale == 0 ? log1p(rest) : log(s) + lscale;
}

/* log of the Hankel sum sum_k (-1)^k a_k(v) / x^k and its derivative in v. */
static double log_i_hankel(double v, double x, double *dv) {
  double mu = 4 * v * v, dmu = 8 * v;
  double t = 1, dt = 0, s = 1, ds = 0, prev = INFINITY;
  for (int k = 1; k < 200; k++) {
    double c = (2.0 * k - 1) * (2.0 * k - 1), f = -(mu - c) / (k * 8.0 * x);
    dt = dt * f + t * (-dmu / (k * 8.0 * x));
    t *= f;
    /* the asymptotic series starts to diverge (a half-integer order ends the value's series, not its derivative's) */
    double m = fabs(t) + fabs(dt);
    if (m >= prev) break;
    prev = m;
    s += t, ds += dt;
    if (fabs(t) < 1e-17 * fabs(s) && fabs(dt) <= 1e-17 * fabs(ds)) break;
  }
  *dv = ds / s;
  return log(s);
}

double urn_log_bessel_i(double v, double x, double *dv) {
  double d = 0;
  if (dv) *dv = NAN;
  if (isnan(v) || isnan(x)) return v + x;
  if (!(v > -1) || x < 0) return NAN;
  if (x == 0) {
    if (dv) *dv = v == 0 ? 0 : -INFINITY;
    return v == 0 ? 0 : -INFINITY;
  }
  if (x == INFINITY) {
    if (dv) *dv = 0;
    return INFINITY;
  }
  double r;
  if (x > 30 && v * v < x / 2) {
    r = x - 0.5 * log(x) - LOG_SQRT_2PI + log_i_hankel(v, x, &d);
  } else {
    r = v * log(x / 2) - urn_lgamma(v + 1) + log_i_series(v, x * x / 4, &d);
    d += log(x / 2) - urn_digamma(v + 1);
  }
  if (dv) *dv = d;
  return r;
}

double urn_bessel_i(int n, double x) {
  if (isnan(x)) return x;
  int m = n < 0 ? -n : n; /* I_-n = I_n */
  double r = exp(urn_log_bessel_i(m, fabs(x), NULL));
  return x < 0 && (m & 1) ? -r : r;
}

/* log K_v(x) for x > 0 by the trapezoidal rule (see the file comment). */
double urn_log_bessel_k(double v, double x) {
  if (isnan(v) || isnan(x)) return v + x;
  if (x < 0) return NAN;
  if (x == 0) return INFINITY;
  if (x == INFINITY) return -INFINITY;
  v = fabs(v); /* K_-v = K_v */
  /* phi(t) = -x (cosh t - 1) + v t, maximal at t* = asinh(v / x); the integrand is
   * exp(phi(t) - x) (1 + exp(-2 v t)) / 2 */
  double ts = asinh(v / x), s2 = sinh(ts / 2);
  double phis = -2 * x * s2 * s2 + v * ts;
  double width = 1 / sqrt(sqrt(x * x + v * v)); /* 1 / sqrt(|phi''(t*)|) */
  double h = fmin(0.1, 0.35 * width);
  double sum = 0;
  for (int k = 0; k < 10000000; k++) {
    double t = k * h, sh = sinh(t / 2);
    double e = -2 * x * sh * sh + v * t - phis;
    double g = exp(e) * 0.5 * (1 + exp(-2 * v * t));
    sum += k == 0 ? 0.5 * g : g;
    if (t > ts && e < -50) break;
  }
  /* the integral over the whole line is twice that over [0, inf): 2 h sum / 2 */
  return log(h * sum) + phis - x;
}

double urn_bessel_k(int n, double x) { return x > 0 ? exp(urn_log_bessel_k(n, x)) : x == 0 ? INFINITY : NAN; }
