/* diag/rhat.c — the basic split R-hat core of posterior 1.4.0 (`.rhat`), and
 * the mean and variance following R's recipe (a mean plus a correction pass
 * over the residuals; a two-pass variance).  R accumulates in long double; we
 * use four interleaved double accumulators instead, which is several times
 * faster (no x87, no single dependency chain) and differs from R by rounding
 * only (~1e-16 relative, far inside the 1e-8 tolerance of the fixtures). */
#include <math.h>
#include <stdlib.h>

#include "diag/diag_internal.h"
#include "util/util.h"

/* Sum of x[0..n) with four independent accumulators. */
static double sum4(const double *x, size_t n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) s0 += x[i], s1 += x[i + 1], s2 += x[i + 2], s3 += x[i + 3];
  for (; i < n; i++) s0 += x[i];
  return (s0 + s1) + (s2 + s3);
}

/* Sum of (x[i] - mu) over i. */
static double sum_dev4(const double *x, size_t n, double mu) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) s0 += x[i] - mu, s1 += x[i + 1] - mu, s2 += x[i + 2] - mu, s3 += x[i + 3] - mu;
  for (; i < n; i++) s0 += x[i] - mu;
  return (s0 + s1) + (s2 + s3);
}

/* Sum of (x[i] - mu)^2 over i. */
static double sum_sq4(const double *x, size_t n, double mu) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    double d0 = x[i] - mu, d1 = x[i + 1] - mu, d2 = x[i + 2] - mu, d3 = x[i + 3] - mu;
    s0 += d0 * d0, s1 += d1 * d1, s2 += d2 * d2, s3 += d3 * d3;
  }
  for (; i < n; i++) s0 += (x[i] - mu) * (x[i] - mu);
  return (s0 + s1) + (s2 + s3);
}

double urn__diag_mean(const double *x, size_t n) {
  if (n == 0) return NAN;
  double mu = sum4(x, n) / (double)n;
  if (isfinite(mu)) mu += sum_dev4(x, n, mu) / (double)n;
  return mu;
}

double urn__diag_var(const double *x, size_t n) {
  if (n < 2) return NAN;
  double mu = urn__diag_mean(x, n);
  return sum_sq4(x, n, mu) / (double)(n - 1);
}

void urn__diag_mean_var(const double *x, size_t n, double *mean, double *var) {
  *mean = urn__diag_mean(x, n);
  *var = n < 2 ? NAN : sum_sq4(x, n, *mean) / (double)(n - 1);
}

double urn__diag_rhat_core(const double *y, size_t m, size_t n) {
  if (urn__diag_should_return_na(y, m * n)) return NAN;
  if (n < 2 || m < 2) return NAN; /* chain variances, or the variance of chain means, undefined */
  double stack_buf[128];          /* chain means and variances for up to 64 chains */
  double *buf = m <= 64 ? stack_buf : urn_xmalloc(2 * m * sizeof *buf);
  double *means = buf, *vars = buf + m;
  for (size_t j = 0; j < m; j++) urn__diag_mean_var(y + j * n, n, &means[j], &vars[j]);
  double var_between = (double)n * urn__diag_var(means, m);
  double var_within = urn__diag_mean(vars, m);
  if (buf != stack_buf) free(buf);
  return sqrt((var_between / var_within + (double)n - 1.0) / (double)n);
}
