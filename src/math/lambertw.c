/* math/lambertw.c — the Lambert W function's two real branches, W0 on [-1/e, inf) and W-1 on [-1/e, 0):
 * w e^w = x.  A starting value from the branch-point series (near -1/e, in p = sqrt(2 (e x + 1))), the
 * asymptotic L1 - L2 + L2 / L1 (large |log|x||) or log1p(x) (moderate x), then Halley's iteration
 *   w <- w - f / (e^w (w + 1) - (w + 2) f / (2 w + 2)),  f = w e^w - x,
 * which triples the correct digits per step; it stops when the step is below 2 ulp.  The branch point itself
 * is ill-conditioned (dW/dx is infinite there): x + 1/e carries the input's rounding. */
#include <math.h>

#include "math/special.h"

#define EM1 0.36787944117144232159552377016146087 /* 1/e */

/* Halley's iteration from w. */
static double halley(double x, double w) {
  for (int i = 0; i < 60; i++) {
    double e = exp(w), f = w * e - x;
    if (f == 0) return w;
    double wp1 = w + 1;
    double den = e * wp1 - (w + 2) * f / (2 * wp1);
    double step = f / den;
    if (!isfinite(step)) return w;
    double nw = w - step;
    if (fabs(step) <= 2.3e-16 * fabs(nw) || nw == w) return nw;
    w = nw;
  }
  return w;
}

/* The series of W around the branch point in p = +-sqrt(2 (e x + 1)) (DLMF 4.13.6): W = -1 + p - p^2/3 +
 * 11/72 p^3 - 43/540 p^4 + 769/17280 p^5 - 221/8505 p^6. */
static double branch_series(double p) {
  return -1 + p * (1 + p * (-1.0 / 3 + p * (11.0 / 72 + p * (-43.0 / 540 + p * (769.0 / 17280 + p * (-221.0 / 8505))))));
}

/* Near the branch point: with u = W + 1 and d = x + 1/e (in double-double: 1/e = EM1 + EM1_LO, and x + EM1 is
 * exact there), w e^w = x is g(u) = (u - 1) e^u + 1 = e d, g(u) = sum_k>=2 (k - 1) u^k / k!, g'(u) = u e^u:
 * solved for u by Newton's method from the branch series, so u (and W = u - 1) keeps full relative precision
 * where W + 1 is small, instead of the 1e-10 that w e^w - x allows there. */
#define EM1_LO -1.2428753672788363168e-17 /* 1/e - EM1 */
static double near_branch(double x, int lower) {
  double d = (x + EM1) + EM1_LO;
  if (d <= 0) return -1;
  double t = 2.71828182845904523536 * d + 1.4456468917292502e-16 * d; /* e d, e = 2.718281828459045 + 1.4456e-16 */
  double p = sqrt(2 * t) * (lower ? -1 : 1);
  double u = branch_series(p) + 1;
  for (int i = 0; i < 20; i++) {
    double g = 0, term = u * u / 2; /* u^k / k! for k = 2 */
    for (int k = 2; k < 40; k++) {
      double c = (k - 1) * term;
      g += c;
      if (fabs(c) < 1e-18 * fabs(g)) break;
      term *= u / (k + 1);
    }
    double step = (g - t) / (u * exp(u));
    u -= step;
    if (fabs(step) <= 1e-16 * fabs(u)) break;
  }
  return u - 1;
}

double urn_lambert_w0(double x) {
  if (isnan(x)) return x;
  if (x < -EM1) return NAN;
  if (x == INFINITY) return INFINITY;
  if (x == 0) return 0;
  if (x == -EM1) return -1;
  double w;
  if (x < -0.32) return near_branch(x, 0);
  if (x < 3) {
    w = log1p(x) * (x > 0.5 ? 0.75 : 1);
    if (fabs(x) < 1e-8) return x * (1 - x); /* W = x - x^2 + ... */
  } else {
    double l1 = log(x), l2 = log(l1);
    w = l1 - l2 + l2 / l1;
  }
  return halley(x, w);
}

double urn_lambert_wm1(double x) {
  if (isnan(x)) return x;
  if (!(x >= -EM1 && x < 0)) return NAN;
  if (x == -EM1) return -1;
  double w;
  if (x < -0.3) return near_branch(x, 1);
  double l1 = log(-x), l2 = log(-l1);
  w = l1 - l2 + l2 / l1;
  return halley(x, w);
}
