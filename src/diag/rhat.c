/* diag/rhat.c — the basic split R-hat core of posterior 1.4.0 (`.rhat`), and
 * the mean and variance computed the way R computes them (long double
 * accumulation, with R's correction pass for the mean). */
#include <math.h>
#include <stdlib.h>

#include "diag/diag_internal.h"
#include "util/util.h"

double urn_diag_mean(const double *x, size_t n) {
  if (n == 0) return NAN;
  long double s = 0.0L;
  for (size_t i = 0; i < n; i++) s += x[i];
  s /= (long double)n;
  if (isfinite((double)s)) {
    long double t = 0.0L;
    for (size_t i = 0; i < n; i++) t += x[i] - s;
    s += t / (long double)n;
  }
  return (double)s;
}

double urn_diag_var(const double *x, size_t n) {
  if (n < 2) return NAN;
  long double s = 0.0L;
  for (size_t i = 0; i < n; i++) s += x[i];
  long double mu = s / (long double)n;
  if (isfinite((double)mu)) {
    long double t = 0.0L;
    for (size_t i = 0; i < n; i++) t += x[i] - mu;
    mu += t / (long double)n;
  }
  long double ss = 0.0L;
  for (size_t i = 0; i < n; i++) {
    long double d = x[i] - mu;
    ss += d * d;
  }
  return (double)(ss / (long double)(n - 1));
}

double urn_diag_rhat_core(const double *y, size_t m, size_t n) {
  if (urn_diag_should_return_na(y, m * n)) return NAN;
  if (n < 2 || m < 2) return NAN; /* chain variances, or the variance of chain means, undefined */
  double stack_buf[128];          /* chain means and variances for up to 64 chains */
  double *buf = m <= 64 ? stack_buf : urn_xmalloc(2 * m * sizeof *buf);
  double *means = buf, *vars = buf + m;
  for (size_t j = 0; j < m; j++) {
    means[j] = urn_diag_mean(y + j * n, n);
    vars[j] = urn_diag_var(y + j * n, n);
  }
  double var_between = (double)n * urn_diag_var(means, m);
  double var_within = urn_diag_mean(vars, m);
  if (buf != stack_buf) free(buf);
  return sqrt((var_between / var_within + (double)n - 1.0) / (double)n);
}
