/* plot/kde.c — Gaussian KDE with Silverman's bandwidth, linear binning and
 * reflection at the data range (see kde.h). */
#include "plot/kde.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Copies the finite values, sorted; returns how many. */
static size_t sorted_finite(const double *data, size_t n, double **out) {
  double *v = urn_xmalloc((n ? n : 1) * sizeof *v);
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (isfinite(data[i])) v[m++] = data[i];
  qsort(v, m, sizeof *v, cmp_double);
  *out = v;
  return m;
}

/* Quantile of sorted values by linear interpolation (R's type 7). */
static double quantile7(const double *v, size_t m, double p) {
  double h = (m - 1) * p;
  size_t lo = (size_t)floor(h);
  if (lo + 1 >= m) return v[m - 1];
  return v[lo] + (h - lo) * (v[lo + 1] - v[lo]);
}

static double bandwidth_sorted(const double *v, size_t m) {
  if (m < 2 || v[0] == v[m - 1]) return 0;
  double mean = 0, ss = 0;
  for (size_t i = 0; i < m; i++) mean += v[i];
  mean /= m;
  for (size_t i = 0; i < m; i++) ss += (v[i] - mean) * (v[i] - mean);
  double sd = sqrt(ss / (m - 1));
  double iqr = quantile7(v, m, 0.75) - quantile7(v, m, 0.25);
  double spread = iqr > 0 && iqr / 1.34 < sd ? iqr / 1.34 : sd;
  return 0.9 * spread * pow((double)m, -0.2);
}

double urn__plot_kde_bandwidth(const double *data, size_t n) {
  double *v;
  size_t m = sorted_finite(data, n, &v);
  double h = bandwidth_sorted(v, m);
  free(v);
  return h;
}

size_t urn__plot_kde(const double *data, size_t n, size_t grid_n, double *grid_x, double *density, double *bandwidth) {
  double *v;
  size_t m = sorted_finite(data, n, &v);
  double h = bandwidth_sorted(v, m);
  if (h <= 0 || grid_n < 2) {
    free(v);
    return 0;
  }
  double lo = v[0], hi = v[m - 1];
  /* Linear binning: each value splits its unit weight between its two
     neighbouring bin centres. */
  const size_t nb = URN_KDE_BINS;
  double *w = urn_xcalloc(nb, sizeof *w);
  double delta = (hi - lo) / (nb - 1);
  for (size_t i = 0; i < m; i++) {
    double pos = (v[i] - lo) / delta;
    size_t k = (size_t)floor(pos);
    if (k >= nb - 1) k = nb - 2;
    double frac = pos - k;
    w[k] += 1 - frac, w[k + 1] += frac;
  }
  double norm = 1.0 / (m * h * sqrt(2 * M_PI));
  for (size_t g = 0; g < grid_n; g++) {
    double x = lo + (hi - lo) * g / (grid_n - 1);
    double sum = 0;
    for (size_t k = 0; k < nb; k++) {
      if (w[k] == 0) continue;
      double c = lo + k * delta;
      double u0 = (x - c) / h, u1 = (x - (2 * lo - c)) / h, u2 = (x - (2 * hi - c)) / h;
      double t = 0;
      if (fabs(u0) < 9) t += exp(-0.5 * u0 * u0);
      if (fabs(u1) < 9) t += exp(-0.5 * u1 * u1);
      if (fabs(u2) < 9) t += exp(-0.5 * u2 * u2);
      sum += w[k] * t;
    }
    grid_x[g] = x;
    density[g] = sum * norm;
  }
  if (bandwidth) *bandwidth = h;
  free(w);
  free(v);
  return m;
}
