/* math/dist_continuous.c — log densities of the univariate continuous
 * families with analytic partials, vectorized with length-1 broadcasting.
 * Each function: check sizes and parameters (Stan's wording), then one pass
 * over the N terms accumulating the value and ADDING partials into the
 * non-NULL buffers.  Under propto a term is kept only when one of the
 * arguments it involves is non-constant (has a partials buffer). */
#include "math/dist_impl.h"

#define ANY2(a, b) ((a).d || (b).d)
#define ANY3(a, b, c) ((a).d || (b).d || (c).d)
#define CHK(label, arg, rule) dist_check(fn, label, &(arg), rule, err)
/* c * log(y) and c / y that are 0 when c == 0 (so y == 0 on the boundary of
 * the support gives the limit, not NaN: gamma(0 | 1, b) = log(b)). */
#define XLOGY(c, logy) ((c) == 0 ? 0.0 : (c) * (logy))
#define XDIV(c, y) ((c) == 0 ? 0.0 : (c) / (y))

/* Four-lane sums of r_i = y_i - mu_i and r_i^2 (GCC vector extensions, so the
 * loop runs as SIMD at any optimisation level); y_step / mu_step are 0 for a
 * broadcast scalar and 1 for a vector, and are constants at each call site. */
typedef double dist_v4d __attribute__((vector_size(32)));
static inline __attribute__((always_inline)) void sum_dev(const double *y, size_t y_step, const double *mu,
                                                          size_t mu_step, size_t N, double *sum_r,
                                                          double *sum_r2) {
  dist_v4d s1 = {0, 0, 0, 0}, s2 = {0, 0, 0, 0};
  size_t i = 0;
  for (; i + 4 <= N; i += 4) {
    dist_v4d r = {y[i * y_step] - mu[i * mu_step], y[(i + 1) * y_step] - mu[(i + 1) * mu_step],
                  y[(i + 2) * y_step] - mu[(i + 2) * mu_step], y[(i + 3) * y_step] - mu[(i + 3) * mu_step]};
    s1 += r;
    s2 += r * r;
  }
  double t1 = (s1[0] + s1[1]) + (s1[2] + s1[3]), t2 = (s2[0] + s2[1]) + (s2[2] + s2[3]);
  for (; i < N; i++) {
    double r = y[i * y_step] - mu[i * mu_step];
    t1 += r;
    t2 += r * r;
  }
  *sum_r = t1;
  *sum_r2 = t2;
}

/* d[i] += g (y_i - mu_i) for i < N (steps as in sum_dev). */
static inline __attribute__((always_inline)) void add_dev(double *d, double g, const double *y, size_t y_step,
                                                          const double *mu, size_t mu_step, size_t N) {
  if (y_step)
    for (size_t i = 0; i < N; i++) d[i] += g * (y[i] - mu[i * mu_step]);
  else
    for (size_t i = 0; i < N; i++) d[i] += g * (y[0] - mu[i]);
}

/* normal_lpdf with a scalar sigma (the common `y ~ normal(mu, sigma)`): the
 * density needs only sum (y - mu)^2 and one log(sigma); the partials are
 * -+(y_i - mu_i) / sigma^2 for y and mu and (sum z^2 - N) / sigma for sigma. */
static void normal_scalar_sigma(const urn_darg *a, size_t N, int kc, int ks, int kk, double *out) {
  const double *y = a[0].v, *mu = a[1].v;
  double s = a[2].v[0], inv_s = 1 / s, inv_s2 = inv_s * inv_s, sum_r, sum_r2;
  if (a[0].n > 1 && a[1].n == 1) sum_dev(y, 1, mu, 0, N, &sum_r, &sum_r2);
  else if (a[0].n > 1) sum_dev(y, 1, mu, 1, N, &sum_r, &sum_r2);
  else if (a[1].n > 1) sum_dev(y, 0, mu, 1, N, &sum_r, &sum_r2);
  else sum_dev(y, 0, mu, 0, N, &sum_r, &sum_r2);
  double lp = 0;
  if (kk) lp -= 0.5 * sum_r2 * inv_s2;
  if (ks) lp -= N * log(s);
  if (kc) lp -= N * DIST_HALF_LOG_2PI;
  for (int j = 0; j < 2; j++) { /* y gets -r / s^2, mu gets +r / s^2 */
    double *d = a[j].d, g = j == 0 ? -inv_s2 : inv_s2;
    if (!d) continue;
    if (a[j].n == 1) d[0] += g * sum_r;
    else if (a[1 - j].n == 1) add_dev(d, g, y, a[0].n > 1, mu, a[1].n > 1, N);
    else add_dev(d, g, y, 1, mu, 1, N);
  }
  if (a[2].d) a[2].d[0] += (sum_r2 * inv_s2 - (double)N) * inv_s;
  *out = lp;
}

int urn_normal_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const char *const L[] = {"Random variable", "Location parameter", "Scale parameter"};
  const char *fn = "normal_lpdf";
  size_t N;
  if (dist_size(fn, a, 3, L, &N, err) || CHK(L[0], a[0], DR_NOT_NAN) ||
      CHK(L[1], a[1], DR_FINITE) || CHK(L[2], a[2], DR_POS_FINITE))
    return URN_EREJECT;
  int kc = !propto, ks = !propto || a[2].d, kk = !propto || ANY3(a[0], a[1], a[2]);
  if (a[2].n == 1 && N > 0) {
    normal_scalar_sigma(a, N, kc, ks, kk, out);
    return URN_OK;
  }
  double lp = 0, inv_s = 0;
  if (ks && a[2].n == 1) lp -= N * log(a[2].v[0]); /* scalar sigma: one log */
  for (size_t i = 0; i < N; i++) {
    double y = DV(&a[0], i), mu = DV(&a[1], i), s = DV(&a[2], i);
    if (i == 0 || a[2].n > 1) inv_s = 1 / s;
    double z = (y - mu) * inv_s;
    if (kk) lp -= 0.5 * z * z;
    if (ks && a[2].n > 1) lp -= log(s);
    if (kc) lp -= DIST_HALF_LOG_2PI;
    DADD(&a[0], i, -z * inv_s);
    DADD(&a[1], i, z / s);
    DADD(&a[2], i, (z * z - 1) / s);
  }
  *out = lp;
  return URN_OK;
}

int urn_std_normal_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  const char *fn = "std_normal_lpdf";
  if (CHK("Random variable", a[0], DR_NOT_NAN)) return URN_EREJECT;
  double lp = 0;
  for (size_t i = 0; i < a[0].n; i++) {
    double y = a[0].v[i];
    if (!propto || a[0].d) lp -= 0.5 * y * y;
    if (!propto) lp -= DIST_HALF_LOG_2PI;
    DADD(&a[0], i, -y);
  }
  *out = lp;
  return URN_OK;
}

int urn_student_t_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const char *const L[] = {"Random variable", "Degrees of freedom parameter",
                                  "Location parameter", "Scale parameter"};
  const char *fn = "student_t_lpdf";
  size_t N;
  if (dist_size(fn, a, 4, L, &N, err) || CHK(L[0], a[0], DR_NOT_NAN) ||
      CHK(L[1], a[1], DR_POS_FINITE) || CHK(L[2], a[2], DR_FINITE) ||
      CHK(L[3], a[3], DR_POS_FINITE))
    return URN_EREJECT;
  int kc = !propto, kn = !propto || a[1].d, ks = !propto || a[3].d;
  int kk = !propto || a[0].d || a[1].d || a[2].d || a[3].d;
  double lp = 0, nu_term = 0, nu_dig = 0, log_s = 0;
  for (size_t i = 0; i < N; i++) {
    double y = DV(&a[0], i), nu = DV(&a[1], i), mu = DV(&a[2], i), s = DV(&a[3], i);
    double z = (y - mu) / s, z2nu = z * z / nu, l1p = log1p(z2nu);
    if (i == 0 || a[1].n > 1) { /* terms of nu alone: once when nu is a scalar */
      if (kn) nu_term = urn_lgamma(0.5 * (nu + 1)) - urn_lgamma(0.5 * nu) - 0.5 * log(nu);
      if (a[1].d) nu_dig = urn_digamma(0.5 * (nu + 1)) - urn_digamma(0.5 * nu);
    }
    if (ks && (i == 0 || a[3].n > 1)) log_s = log(s);
    if (kc) lp -= 0.5 * DIST_LOG_PI;
    if (kn) lp += nu_term;
    if (ks) lp -= log_s;
    if (kk) lp -= 0.5 * (nu + 1) * l1p;
    double g = (nu + 1) * z / (s * (nu + z * z)); /* -d lp / d y */
    DADD(&a[0], i, -g);
    DADD(&a[2], i, g);
    DADD(&a[3], i, -1 / s + g * z);
    if (a[1].d)
      DADD(&a[1], i,
           0.5 * (nu_dig - 1 / nu - l1p) +
               0.5 * (nu + 1) * z * z / (nu * (nu + z * z)));
  }
  *out = lp;
  return URN_OK;
}

int urn_cauchy_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const char *const L[] = {"Random variable", "Location parameter", "Scale parameter"};
  const char *fn = "cauchy_lpdf";
  size_t N;
  if (dist_size(fn, a, 3, L, &N, err) || CHK(L[0], a[0], DR_NOT_NAN) ||
      CHK(L[1], a[1], DR_FINITE) || CHK(L[2], a[2], DR_POS_FINITE))
    return URN_EREJECT;
  int kc = !propto, ks = !propto || a[2].d, kk = !propto || ANY3(a[0], a[1], a[2]);
  double lp = 0, log_s = 0;
  for (size_t i = 0; i < N; i++) {
    double y = DV(&a[0], i), mu = DV(&a[1], i), s = DV(&a[2], i);
    double z = (y - mu) / s;
    if (ks && (i == 0 || a[2].n > 1)) log_s = log(s);
    if (kc) lp -= DIST_LOG_PI;
    if (ks) lp -= log_s;
    if (kk) lp -= log1p(z * z);
    double g = 2 * z / (s * (1 + z * z));
    DADD(&a[0], i, -g);
    DADD(&a[1], i, g);
    DADD(&a[2], i, -1 / s + g * z);
  }
  *out = lp;
  return URN_OK;
}

int urn_double_exponential_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const char *const L[] = {"Random variable", "Location parameter", "Scale parameter"};
  const char *fn = "double_exponential_lpdf";
  size_t N;
  if (dist_size(fn, a, 3, L, &N, err) || CHK(L[0], a[0], DR_FINITE) ||
      CHK(L[1], a[1], DR_FINITE) || CHK(L[2], a[2], DR_POS_FINITE))
    return URN_EREJECT;
  int kc = !propto, ks = !propto || a[2].d, kk = !propto || ANY3(a[0], a[1], a[2]);
  double lp = 0;
  for (size_t i = 0; i < N; i++) {
    double y = DV(&a[0], i), mu = DV(&a[1], i), s = DV(&a[2], i);
    double r = y - mu, sgn = r > 0 ? 1 : r < 0 ? -1 : 0;
    if (kc) lp -= DIST_LOG_2;
    if (ks) lp -= log(s);
    if (kk) lp -= fabs(r) / s;
    DADD(&a[0], i, -sgn / s);
    DADD(&a[1], i, sgn / s);
    DADD(&a[2], i, -1 / s + fabs(r) / (s * s));
  }
  *out = lp;
  return URN_OK;
}

int urn_logistic_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const char *const L[] = {"Random variable", "Location parameter", "Scale parameter"};
  const char *fn = "logistic_lpdf";
  size_t N;
  if (dist_size(fn, a, 3, L, &N, err) || CHK(L[0], a[0], DR_FINITE) ||
      CHK(L[1], a[1], DR_FINITE) || CHK(L[2], a[2], DR_POS_FINITE))
    return URN_EREJECT;
  int ks = !propto || a[2].d, kk = !propto || ANY3(a[0], a[1], a[2]);
  double lp = 0;
  for (size_t i = 0; i < N; i++) {
    double y = DV(&a[0], i), mu = DV(&a[1], i), s = DV(&a[2], i);
    double z = (y - mu) / s;
    if (ks) lp -= log(s);
    if (kk) lp += -z - 2 * urn_log1p_exp(-z);
    double gz = 1 - 2 * urn_inv_logit(z); /* d lp / d z */
    DADD(&a[0], i, gz / s);
    DADD(&a[1], i, -gz / s);
    DADD(&a[2], i, -1 / s - gz * z / s);
  }
  *out = lp;
  return URN_OK;
}

int urn_lognormal_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const char *const L[] = {"Random variable", "Location parameter", "Scale parameter"};
  const char *fn = "lognormal_lpdf";
  size_t N;
  if (dist_size(fn, a, 3, L, &N, err) || CHK(L[0], a[0], DR_NOT_NAN) ||
      CHK(L[1], a[1], DR_FINITE) || CHK(L[2], a[2], DR_POS_FINITE))
    return URN_EREJECT;
  int kc = !propto, ks = !propto || a[2].d, ky = !propto || a[0].d;
  int kk = !propto || ANY3(a[0], a[1], a[2]);
  for (size_t i = 0; i < N; i++)
    if (DV(&a[0], i) <= 0) return *out = -INFINITY, URN_OK;
  double lp = 0, log_s = 0;
  for (size_t i = 0; i < N; i++) {
    double y = DV(&a[0], i), mu = DV(&a[1], i), s = DV(&a[2], i);
    double ly = log(y), z = (ly - mu) / s;
    if (ks && (i == 0 || a[2].n > 1)) log_s = log(s);
    if (kc) lp -= DIST_HALF_LOG_2PI;
    if (ks) lp -= log_s;
    if (ky) lp -= ly;
    if (kk) lp -= 0.5 * z * z;
    DADD(&a[0], i, -(1 + z / s) / y);
    DADD(&a[1], i, z / s);
    DADD(&a[2], i, (z * z - 1) / s);
  }
  *out = lp;
  return URN_OK;
}

int urn_exponential_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const char *const L[] = {"Random variable", "Inverse scale parameter"};
  const char *fn = "exponential_lpdf";
  size_t N;
  if (dist_size(fn, a, 2, L, &N, err) || CHK(L[0], a[0], DR_NOT_NAN) ||
      CHK(L[1], a[1], DR_POS_FINITE))
    return URN_EREJECT;
  for (size_t i = 0; i < N; i++)
    if (DV(&a[0], i) < 0) return *out = -INFINITY, URN_OK;
  int kb = !propto || a[1].d, kk = !propto || ANY2(a[0], a[1]);
  double lp = 0;
  for (size_t i = 0; i < N; i++) {
    double y = DV(&a[0], i), b = DV(&a[1], i);
    if (kb) lp += log(b);
    if (kk) lp -= b * y;
    DADD(&a[0], i, -b);
    DADD(&a[1], i, 1 / b - y);
  }
  *out = lp;
  return URN_OK;
}

int urn_gamma_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const char *const L[] = {"Random variable", "Shape parameter", "Inverse scale parameter"};
  const char *fn = "gamma_lpdf";
  size_t N;
  if (dist_size(fn, a, 3, L, &N, err) || CHK(L[0], a[0], DR_NOT_NAN) ||
      CHK(L[1], a[1], DR_POS_FINITE) || CHK(L[2], a[2], DR_POS_FINITE))
    return URN_EREJECT;
  for (size_t i = 0; i < N; i++)
    if (DV(&a[0], i) < 0) return *out = -INFINITY, URN_OK;
  int ka = !propto || a[1].d, kab = !propto || ANY2(a[1], a[2]);
  int kya = !propto || ANY2(a[0], a[1]), kyb = !propto || ANY2(a[0], a[2]);
  double lp = 0, lg_al = 0, dg_al = 0, lb = 0;
  for (size_t i = 0; i < N; i++) {
    double y = DV(&a[0], i), al = DV(&a[1], i), b = DV(&a[2], i);
    double ly = log(y);
    if (i == 0 || a[1].n > 1) { /* once when alpha is a scalar */
      if (ka) lg_al = urn_lgamma(al);
      if (a[1].d) dg_al = urn_digamma(al);
    }
    if (i == 0 || a[2].n > 1) lb = log(b);
    if (ka) lp -= lg_al;
    if (kab) lp += al * lb;
    if (kya) lp += XLOGY(al - 1, ly);
    if (kyb) lp -= b * y;
    DADD(&a[0], i, XDIV(al - 1, y) - b);
    if (a[1].d) DADD(&a[1], i, lb - dg_al + ly);
    DADD(&a[2], i, al / b - y);
  }
  *out = lp;
  return URN_OK;
}

int urn_inv_gamma_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const char *const L[] = {"Random variable", "Shape parameter", "Scale parameter"};
  const char *fn = "inv_gamma_lpdf";
  size_t N;
  if (dist_size(fn, a, 3, L, &N, err) || CHK(L[0], a[0], DR_NOT_NAN) ||
      CHK(L[1], a[1], DR_POS_FINITE) || CHK(L[2], a[2], DR_POS_FINITE))
    return URN_EREJECT;
  for (size_t i = 0; i < N; i++)
    if (DV(&a[0], i) <= 0) return *out = -INFINITY, URN_OK;
  int ka = !propto || a[1].d, kab = !propto || ANY2(a[1], a[2]);
  int kya = !propto || ANY2(a[0], a[1]), kyb = !propto || ANY2(a[0], a[2]);
  double lp = 0;
  for (size_t i = 0; i < N; i++) {
    double y = DV(&a[0], i), al = DV(&a[1], i), b = DV(&a[2], i);
    double ly = log(y), lb = log(b);
    if (ka) lp -= urn_lgamma(al);
    if (kab) lp += al * lb;
    if (kya) lp -= (al + 1) * ly;
    if (kyb) lp -= b / y;
    DADD(&a[0], i, -(al + 1) / y + b / (y * y));
    if (a[1].d) DADD(&a[1], i, lb - urn_digamma(al) - ly);
    DADD(&a[2], i, al / b - 1 / y);
  }
  *out = lp;
  return URN_OK;
}

int urn_weibull_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const char *const L[] = {"Random variable", "Shape parameter", "Scale parameter"};
  const char *fn = "weibull_lpdf";
  size_t N;
  if (dist_size(fn, a, 3, L, &N, err) || CHK(L[0], a[0], DR_FINITE) ||
      CHK(L[1], a[1], DR_POS_FINITE) || CHK(L[2], a[2], DR_POS_FINITE))
    return URN_EREJECT;
  for (size_t i = 0; i < N; i++)
    if (DV(&a[0], i) < 0) return *out = -INFINITY, URN_OK;
  int ka = !propto || a[1].d, kya = !propto || ANY2(a[0], a[1]);
  int kas = !propto || ANY2(a[1], a[2]), kk = !propto || ANY3(a[0], a[1], a[2]);
  double lp = 0;
  for (size_t i = 0; i < N; i++) {
    double y = DV(&a[0], i), al = DV(&a[1], i), s = DV(&a[2], i);
    double ly = log(y), ls = log(s), p = pow(y / s, al);
    if (ka) lp += log(al);
    if (kya) lp += XLOGY(al - 1, ly);
    if (kas) lp -= al * ls;
    if (kk) lp -= p;
    DADD(&a[0], i, XDIV(al - 1, y) - al * p / y);
    DADD(&a[1], i, 1 / al + ly - ls - p * (ly - ls));
    DADD(&a[2], i, al / s * (p - 1));
  }
  *out = lp;
  return URN_OK;
}

int urn_beta_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const char *const L[] = {"Random variable", "First shape parameter",
                                  "Second shape parameter"};
  const char *fn = "beta_lpdf";
  size_t N;
  if (dist_size(fn, a, 3, L, &N, err) || CHK(L[0], a[0], DR_NOT_NAN) ||
      CHK(L[1], a[1], DR_POS_FINITE) || CHK(L[2], a[2], DR_POS_FINITE))
    return URN_EREJECT;
  for (size_t i = 0; i < N; i++) {
    double y = DV(&a[0], i);
    if (y < 0 || y > 1) return *out = -INFINITY, URN_OK;
  }
  int kab = !propto || ANY2(a[1], a[2]);
  int kya = !propto || ANY2(a[0], a[1]), kyb = !propto || ANY2(a[0], a[2]);
  double lp = 0;
  for (size_t i = 0; i < N; i++) {
    double y = DV(&a[0], i), al = DV(&a[1], i), be = DV(&a[2], i);
    double ly = log(y), l1my = log1p(-y);
    if (kab) lp -= urn_lbeta(al, be);
    if (kya) lp += XLOGY(al - 1, ly);
    if (kyb) lp += XLOGY(be - 1, l1my);
    DADD(&a[0], i, XDIV(al - 1, y) - XDIV(be - 1, 1 - y));
    if (a[1].d || a[2].d) {
      double dab = urn_digamma(al + be);
      DADD(&a[1], i, ly - urn_digamma(al) + dab);
      DADD(&a[2], i, l1my - urn_digamma(be) + dab);
    }
  }
  *out = lp;
  return URN_OK;
}

int urn_beta_proportion_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const char *const L[] = {"Random variable", "Location parameter",
                                  "Precision parameter"};
  const char *fn = "beta_proportion_lpdf";
  size_t N;
  if (dist_size(fn, a, 3, L, &N, err) || CHK(L[0], a[0], DR_NOT_NAN) ||
      CHK(L[1], a[1], DR_UNIT_OPEN) || CHK(L[2], a[2], DR_POS_FINITE))
    return URN_EREJECT;
  for (size_t i = 0; i < N; i++) {
    double y = DV(&a[0], i);
    if (y < 0 || y > 1) return *out = -INFINITY, URN_OK;
  }
  int kk = !propto || a[2].d, kmk = !propto || ANY2(a[1], a[2]);
  int ky = !propto || ANY3(a[0], a[1], a[2]);
  double lp = 0;
  for (size_t i = 0; i < N; i++) {
    double y = DV(&a[0], i), mu = DV(&a[1], i), k = DV(&a[2], i);
    double ly = log(y), l1my = log1p(-y), mk = mu * k, nk = (1 - mu) * k;
    if (kk) lp += urn_lgamma(k);
    if (kmk) lp -= urn_lgamma(mk) + urn_lgamma(nk);
    if (ky) lp += XLOGY(mk - 1, ly) + XLOGY(nk - 1, l1my);
    DADD(&a[0], i, XDIV(mk - 1, y) - XDIV(nk - 1, 1 - y));
    if (a[1].d || a[2].d) {
      double dm = urn_digamma(mk), dn = urn_digamma(nk);
      DADD(&a[1], i, k * (dn - dm + ly - l1my));
      DADD(&a[2], i, urn_digamma(k) - mu * dm - (1 - mu) * dn + mu * ly + (1 - mu) * l1my);
    }
  }
  *out = lp;
  return URN_OK;
}

int urn_uniform_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const char *const L[] = {"Random variable", "Lower bound parameter",
                                  "Upper bound parameter"};
  const char *fn = "uniform_lpdf";
  size_t N;
  if (dist_size(fn, a, 3, L, &N, err) || CHK(L[0], a[0], DR_NOT_NAN) ||
      CHK(L[1], a[1], DR_FINITE) || CHK(L[2], a[2], DR_FINITE))
    return URN_EREJECT;
  for (size_t i = 0; i < N; i++) {
    double lo = DV(&a[1], i), hi = DV(&a[2], i);
    if (!(hi > lo))
      return urn_error_set(err, URN_EREJECT,
                           "%s: Upper bound parameter is %g, but must be greater than %g", fn,
                           hi, lo);
  }
  for (size_t i = 0; i < N; i++) {
    double y = DV(&a[0], i);
    if (y < DV(&a[1], i) || y > DV(&a[2], i)) return *out = -INFINITY, URN_OK;
  }
  int kk = !propto || ANY2(a[1], a[2]);
  double lp = 0;
  for (size_t i = 0; i < N; i++) {
    double w = DV(&a[2], i) - DV(&a[1], i);
    if (kk) lp -= log(w);
    DADD(&a[1], i, 1 / w);
    DADD(&a[2], i, -1 / w);
  }
  *out = lp;
  return URN_OK;
}

int urn_chi_square_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const char *const L[] = {"Random variable", "Degrees of freedom parameter"};
  const char *fn = "chi_square_lpdf";
  size_t N;
  if (dist_size(fn, a, 2, L, &N, err) || CHK(L[0], a[0], DR_NOT_NAN) ||
      CHK(L[1], a[1], DR_POS_FINITE))
    return URN_EREJECT;
  for (size_t i = 0; i < N; i++)
    if (DV(&a[0], i) < 0) return *out = -INFINITY, URN_OK;
  int kn = !propto || a[1].d, kyn = !propto || ANY2(a[0], a[1]), ky = !propto || a[0].d;
  double lp = 0;
  for (size_t i = 0; i < N; i++) {
    double y = DV(&a[0], i), nu = DV(&a[1], i), ly = log(y), h = 0.5 * nu;
    if (kn) lp -= h * DIST_LOG_2 + urn_lgamma(h);
    if (kyn) lp += XLOGY(h - 1, ly);
    if (ky) lp -= 0.5 * y;
    DADD(&a[0], i, XDIV(h - 1, y) - 0.5);
    if (a[1].d) DADD(&a[1], i, 0.5 * (ly - DIST_LOG_2 - urn_digamma(h)));
  }
  *out = lp;
  return URN_OK;
}

int urn_inv_chi_square_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const char *const L[] = {"Random variable", "Degrees of freedom parameter"};
  const char *fn = "inv_chi_square_lpdf";
  size_t N;
  if (dist_size(fn, a, 2, L, &N, err) || CHK(L[0], a[0], DR_NOT_NAN) ||
      CHK(L[1], a[1], DR_POS_FINITE))
    return URN_EREJECT;
  for (size_t i = 0; i < N; i++)
    if (DV(&a[0], i) <= 0) return *out = -INFINITY, URN_OK;
  int kn = !propto || a[1].d, kyn = !propto || ANY2(a[0], a[1]), ky = !propto || a[0].d;
  double lp = 0;
  for (size_t i = 0; i < N; i++) {
    double y = DV(&a[0], i), nu = DV(&a[1], i), ly = log(y), h = 0.5 * nu;
    if (kn) lp -= h * DIST_LOG_2 + urn_lgamma(h);
    if (kyn) lp -= (h + 1) * ly;
    if (ky) lp -= 0.5 / y;
    DADD(&a[0], i, -(h + 1) / y + 0.5 / (y * y));
    if (a[1].d) DADD(&a[1], i, -0.5 * (ly + DIST_LOG_2 + urn_digamma(h)));
  }
  *out = lp;
  return URN_OK;
}

int urn_scaled_inv_chi_square_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const char *const L[] = {"Random variable", "Degrees of freedom parameter",
                                  "Scale parameter"};
  const char *fn = "scaled_inv_chi_square_lpdf";
  size_t N;
  if (dist_size(fn, a, 3, L, &N, err) || CHK(L[0], a[0], DR_NOT_NAN) ||
      CHK(L[1], a[1], DR_POS_FINITE) || CHK(L[2], a[2], DR_POS_FINITE))
    return URN_EREJECT;
  for (size_t i = 0; i < N; i++)
    if (DV(&a[0], i) <= 0) return *out = -INFINITY, URN_OK;
  int kn = !propto || a[1].d, kns = !propto || ANY2(a[1], a[2]);
  int kyn = !propto || ANY2(a[0], a[1]), kk = !propto || ANY3(a[0], a[1], a[2]);
  double lp = 0;
  for (size_t i = 0; i < N; i++) {
    double y = DV(&a[0], i), nu = DV(&a[1], i), s = DV(&a[2], i);
    double ly = log(y), ls = log(s), h = 0.5 * nu;
    if (kn) lp += h * log(h) - urn_lgamma(h);
    if (kns) lp += nu * ls;
    if (kyn) lp -= (h + 1) * ly;
    if (kk) lp -= h * s * s / y;
    DADD(&a[0], i, -(h + 1) / y + h * s * s / (y * y));
    if (a[1].d)
      DADD(&a[1], i, 0.5 * log(h) + 0.5 - 0.5 * urn_digamma(h) + ls - 0.5 * ly - 0.5 * s * s / y);
    DADD(&a[2], i, nu / s - nu * s / y);
  }
  *out = lp;
  return URN_OK;
}

/* log I0(x) for x >= 0: power series for small x, the asymptotic expansion
 * for large x (both to double precision in their ranges). */
double dist_log_bessel_i0(double x) {
  if (x < 30) {
    double t = 0.25 * x * x, term = 1, sum = 1;
    for (int k = 1; k < 500; k++) {
      term *= t / ((double)k * k);
      sum += term;
      if (term < 1e-17 * sum) break;
    }
    return log(sum);
  }
  /* I0(x) ~ e^x / sqrt(2 pi x) * sum_k ((2k-1)!!)^2 / (k! 8^k x^k) */
  double sum = 1, term = 1;
  for (int k = 1; k < 30; k++) {
    double f = (2.0 * k - 1) * (2.0 * k - 1) / (8.0 * k * x);
    term *= f;
    sum += term;
    if (fabs(term) < 1e-17 * sum) break;
  }
  return x - 0.5 * log(2 * DIST_PI * x) + log(sum);
}

/* I1(x) / I0(x) for x >= 0 (series ratio, or the asymptotic expansions). */
double dist_bessel_ratio_i1_i0(double x) {
  if (x < 30) {
    double t = 0.25 * x * x, t0 = 1, s0 = 1, t1 = 0.5 * x, s1 = t1;
    for (int k = 1; k < 500; k++) {
      t0 *= t / ((double)k * k);
      t1 *= t / ((double)k * (k + 1));
      s0 += t0;
      s1 += t1;
      if (t0 < 1e-17 * s0 && t1 < 1e-17 * s1) break;
    }
    return s1 / s0;
  }
  double s0 = 1, s1 = 1, a0 = 1, a1 = 1;
  for (int k = 1; k < 30; k++) {
    double f0 = (2.0 * k - 1) * (2.0 * k - 1) / (8.0 * k * x);
    double f1 = -(4.0 - (2.0 * k - 1) * (2.0 * k - 1)) / (8.0 * k * x);
    a0 *= f0;
    a1 *= f1;
    s0 += a0;
    s1 += a1;
    if (fabs(a0) < 1e-17 && fabs(a1) < 1e-17) break;
  }
  return s1 / s0;
}

int urn_von_mises_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const char *const L[] = {"Random variable", "Location parameter", "Scale parameter"};
  const char *fn = "von_mises_lpdf";
  size_t N;
  if (dist_size(fn, a, 3, L, &N, err) || CHK(L[0], a[0], DR_FINITE) ||
      CHK(L[1], a[1], DR_FINITE) || CHK(L[2], a[2], DR_NONNEG) || CHK(L[2], a[2], DR_FINITE))
    return URN_EREJECT;
  int kc = !propto, kk = !propto || a[2].d, ky = !propto || ANY3(a[0], a[1], a[2]);
  double lp = 0;
  for (size_t i = 0; i < N; i++) {
    double y = DV(&a[0], i), mu = DV(&a[1], i), k = DV(&a[2], i);
    double c = cos(y - mu), s = sin(y - mu);
    if (kc) lp -= DIST_LOG_2PI;
    if (kk) lp -= dist_log_bessel_i0(k);
    if (ky) lp += k * c;
    DADD(&a[0], i, -k * s);
    DADD(&a[1], i, k * s);
    if (a[2].d) DADD(&a[2], i, c - dist_bessel_ratio_i1_i0(k));
  }
  *out = lp;
  return URN_OK;
}
