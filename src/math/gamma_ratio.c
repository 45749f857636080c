/* math/gamma_ratio.c — log Gamma(x + n) - log Gamma(x) for x > 0, x + n > 0 (the log rising factorial), to
 * full relative precision of the result even when n is tiny or x huge, where the difference of two lgamma
 * values would cancel.  x is first shifted to X = x + m >= 10 (the m logs log1p(n / (x + j)) carry no
 * cancellation), then Stirling's form (a small integer n is a short product instead)
 *   lgamma(X + n) - lgamma(X) = (X + n - 1/2) log1p(n / X) + n log X - n + s(X + n) - s(X),
 * with s the remainder series 1/(12 X) - 1/(360 X^3) + ... differenced term by term. */
#include <math.h>

#include "math/special.h"

/* s(X + n) - s(X) for X >= 10, s(y) = sum_k B_2k / (2k (2k-1) y^(2k-1)), each power differenced as
 * y1^-p - y0^-p = y0^-p expm1(-p log1p(n / X)). */
static double stirling_rest_diff(double X, double n) {
  static const double c[] = {1.0 / 12, -1.0 / 360, 1.0 / 1260, -1.0 / 1680, 1.0 / 1188, -691.0 / 360360, 1.0 / 156};
  double l = log1p(n / X), s = 0;
  for (int k = 0; k < 7; k++) {
    int p = 2 * k + 1;
    s += c[k] * pow(X, -p) * expm1(-p * l);
  }
  return s;
}

double urn_lgamma_ratio(double x, double n) {
  if (isnan(x) || isnan(n)) return x + n;
  if (!(x > 0) || !(x + n > 0)) return NAN;
  if (n == 0) return 0;
  if (n > 0 && n <= 16 && n == floor(n) && x < 1e15) { /* a short product: exact to a few ulp */
    double p = x;
    for (int k = 1; k < (int)n; k++) p *= x + k;
    return log(p);
  }
  if (fabs(n) > 0.5 * x && fabs(n) > 1) {
    /* n comparable to or larger than x: no cancellation to fear in the Beta form */
    if (n > 0) return urn_lgamma(n) - urn_lbeta(x, n);
    return urn_lgamma(x + n) - urn_lgamma(x);
  }
  double acc = 0, X = x;
  while (X < 10) {
    acc -= log1p(n / X); /* lgamma(X + n) - lgamma(X) = [lgamma(X+1+n) - lgamma(X+1)] - log((X+n)/X) */
    X += 1;
  }
  return acc + (X + n - 0.5) * log1p(n / X) + n * log(X) - n + stirling_rest_diff(X, n);
}
