/* math/hypergeo.c — generalized hypergeometric functions pFq(a; b; z) and Gauss's 2F1 with their gradients.
 *
 * pFq is summed as its power series sum_k t_k, t_k = t_{k-1} prod_i (a_i + k - 1) / prod_j (b_j + k - 1) z / k,
 * with, per parameter, the series of its derivative: d t_k / d a_i = t_k sum_{m<k} 1 / (a_i + m) (and minus
 * that for b_j), d/dz = sum_k k t_k / z.  The series is used where it converges: p <= q for every z; p = q + 1
 * for |z| < 1 (and |z| = 1 when sum b - sum a > 0, slowly); any p, q when some a_i is a nonpositive integer
 * (a polynomial).  Alternating series lose digits to cancellation: the largest term is tracked and a sum
 * whose rounding error could exceed 1e-10 of its value is reported (status URN_HYP_LOSS), so that the caller
 * can refuse it rather than return a wrong number.
 *
 * 2F1 adds Gauss's theorem at z = 1 (c - a - b > 0) and, for z < 0, Pfaff's transformation
 * 2F1(a, b; c; z) = (1 - z)^-a 2F1(a, c - b; c; z / (z - 1)) onto (0, 1), where the series has no
 * cancellation. */
#include <math.h>
#include <string.h>

#include "math/hypergeo.h"
#include "math/special.h"

static int is_nonpos_int(double x) { return x <= 0 && x == floor(x); }

int urn_hyper_pfq(const double *a, int p, const double *b, int q, double z, double *f, double *da, double *db,
                  double *dz) {
  double La[URN_HYP_MAX], Lb[URN_HYP_MAX]; /* sum_{m<k} 1/(a_i + m), for the current k */
  if (p > URN_HYP_MAX || q > URN_HYP_MAX) return URN_HYP_DOMAIN;
  int poly = 0;
  double kmax = INFINITY; /* the last nonzero term's index for a polynomial */
  for (int i = 0; i < p; i++) {
    if (isnan(a[i])) return URN_HYP_DOMAIN;
    if (is_nonpos_int(a[i]) && -a[i] < kmax) poly = 1, kmax = -a[i];
  }
  for (int j = 0; j < q; j++) {
    if (isnan(b[j])) return URN_HYP_DOMAIN;
    /* a nonpositive integer b_j is a pole unless a polynomial stops first */
    if (is_nonpos_int(b[j]) && !(poly && -b[j] >= kmax)) return URN_HYP_DOMAIN;
  }
  if (isnan(z)) return URN_HYP_DOMAIN;
  if (!poly) {
    if (p > q + 1 && z != 0) return URN_HYP_DIVERGES;
    if (p == q + 1) {
      double excess = 0;
      for (int j = 0; j < q; j++) excess += b[j];
      for (int i = 0; i < p; i++) excess -= a[i];
      if (fabs(z) > 1 || (fabs(z) == 1 && !(excess > 0))) return URN_HYP_DIVERGES;
    }
  }
  memset(La, 0, sizeof La), memset(Lb, 0, sizeof Lb);
  double t = 1, sum = 1, tmax = 1, dzs = 0;
  double Da[URN_HYP_MAX] = {0}, Db[URN_HYP_MAX] = {0};
  int small_run = 0;
  for (long k = 1; k < 20000000; k++) {
    if (poly && k > kmax) break;
    double r = z / (double)k;
    for (int i = 0; i < p; i++) {
      double ai = a[i] + (double)(k - 1);
      r *= ai;
      La[i] += ai != 0 ? 1 / ai : 0;
    }
    for (int j = 0; j < q; j++) {
      double bj = b[j] + (double)(k - 1);
      r /= bj;
      Lb[j] += 1 / bj;
    }
    t *= r;
    if (!isfinite(t)) return URN_HYP_DIVERGES;
    sum += t;
    if (fabs(t) > tmax) tmax = fabs(t);
    dzs += (double)k * t;
    /* derivatives in a_i: when a_i + m = 0 for some m < k the term vanishes; its derivative is
     * prod_{m' != m} ... handled by the polynomial's last terms being zero afterwards (La skips 1/0) */
    for (int i = 0; i < p; i++) Da[i] += t * La[i];
    for (int j = 0; j < q; j++) Db[j] -= t * Lb[j];
    /* converged: several consecutive terms negligible once terms decrease */
    if (fabs(t) <= 1e-17 * fabs(sum)) {
      if (++small_run >= 3) break;
    } else {
      small_run = 0;
    }
  }
  *f = sum;
  if (da) memcpy(da, Da, (size_t)p * sizeof *da);
  if (db) memcpy(db, Db, (size_t)q * sizeof *db);
  if (dz) *dz = z != 0 ? dzs / z : (p && q >= 0 ? 0 : 0);
  if (dz && z == 0) { /* the first term's derivative: prod a / prod b */
    double d = 1;
    for (int i = 0; i < p; i++) d *= a[i];
    for (int j = 0; j < q; j++) d /= b[j];
    *dz = d;
  }
  /* a terminating a_i: the polynomial's derivative in it would need the terms past its end */
  for (int i = 0; da && poly && i < p; i++)
    if (is_nonpos_int(a[i]) && -a[i] == kmax) da[i] = NAN;
  if (tmax * 2.2e-16 * 8 > 1e-8 * fabs(sum)) return URN_HYP_LOSS;
  return URN_HYP_OK;
}

int urn_hyper_pfq_tr(const double *a, int p, const double *b, int q, double z, double *f, double *da, double *db,
                     double *dz) {
  if (p == 1 && q == 1 && z < 0 && !is_nonpos_int(a[0])) {
    /* Kummer: 1F1(a; b; z) = e^z 1F1(b - a; b; -z), a sum of positive terms when b > a > 0 */
    double A = b[0] - a[0], G, ga, gb, gz;
    int st = urn_hyper_pfq(&A, 1, b, 1, -z, &G, &ga, &gb, &gz);
    if (st != URN_HYP_OK) return urn_hyper_pfq(a, p, b, q, z, f, da, db, dz);
    double e = exp(z);
    *f = e * G;
    if (da) da[0] = -e * ga;
    if (db) db[0] = e * (ga + gb);
    if (dz) *dz = e * (G - gz);
    return st;
  }
  return urn_hyper_pfq(a, p, b, q, z, f, da, db, dz);
}

/* Gauss's sum at z = 1: Gamma(c) Gamma(c-a-b) / (Gamma(c-a) Gamma(c-b)), with partials by digamma. */
static int gauss_sum(double a, double b, double c, double *f, double *g) {
  double s = c - a - b;
  if (!(s > 0)) return URN_HYP_DIVERGES;
  if (is_nonpos_int(c)) return URN_HYP_DOMAIN;
  int s1, s2, s3, s4;
  double l = lgamma_r(c, &s1) + lgamma_r(s, &s2) - lgamma_r(c - a, &s3) - lgamma_r(c - b, &s4);
  *f = (is_nonpos_int(c - a) || is_nonpos_int(c - b)) ? 0 : s1 * s2 * s3 * s4 * exp(l);
  double ps = urn_digamma(s), pca = urn_digamma(c - a), pcb = urn_digamma(c - b);
  g[0] = *f * (-ps + pca);
  g[1] = *f * (-ps + pcb);
  g[2] = *f * (urn_digamma(c) + ps - pca - pcb);
  g[3] = NAN; /* the derivative in z diverges at z = 1 unless c - a - b > 1 */
  if (s > 1) {
    double f2, g2[4];
    if (gauss_sum(a + 1, b + 1, c + 1, &f2, g2) == URN_HYP_OK) g[3] = a * b / c * f2;
  }
  return URN_HYP_OK;
}

int urn_hyper_2f1(double a, double b, double c, double z, double *f, double *g) {
  double A[2] = {a, b}, B[1] = {c}, da[2], db[1], dz;
  if (isnan(a) || isnan(b) || isnan(c) || isnan(z)) return URN_HYP_DOMAIN;
  int poly = is_nonpos_int(a) || is_nonpos_int(b);
  if (z == 1 && !poly) return gauss_sum(a, b, c, f, g);
  if (z < 0 && !poly) {
    /* Pfaff: (1 - z)^-a 2F1(a, c - b; c; w), w = z / (z - 1) in (0, 1) */
    double w = z / (z - 1), A2[2] = {a, c - b}, G, ga[2], gc[1], gw;
    int st = urn_hyper_pfq(A2, 2, B, 1, w, &G, ga, gc, &gw);
    if (st != URN_HYP_OK && st != URN_HYP_LOSS) return st;
    double l1z = log1p(-z), pre = exp(-a * l1z);
    *f = pre * G;
    g[0] = pre * (ga[0] - l1z * G);
    g[1] = -pre * ga[1];
    g[2] = pre * (ga[1] + gc[0]);
    /* d/dz: d pre/dz = a pre / (1 - z); dw/dz = -1 / (z - 1)^2 */
    g[3] = a * pre / (1 - z) * G - pre * gw / ((z - 1) * (z - 1));
    return st;
  }
  int st = urn_hyper_pfq(A, 2, B, 1, z, f, da, db, &dz);
  if (st == URN_HYP_OK || st == URN_HYP_LOSS) g[0] = da[0], g[1] = da[1], g[2] = db[0], g[3] = dz;
  return st;
}
