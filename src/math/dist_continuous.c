/* math/dist_continuous.c — log densities of the univariate continuous
 * families with analytic partials, vectorized with length-1 broadcasting.
 * Each family is its checks (a dist_spec: labels and rules, Stan's wording),
 * which term groups survive propto, and a per-element kernel; the shared
 * driver (dist_begin / dist_run in dist_impl.h) does the sizes, the checks,
 * the loop, the sum and the partials.  Under propto a term is kept only when
 * one of the arguments it involves is non-constant (has a partials buffer).
 * normal with a scalar sigma has its own vectorized path (sums of y - mu). */
#include "math/dist_impl.h"

#define ANY2(a, b) ((a).d || (b).d)
#define ANY3(a, b, c) ((a).d || (b).d || (c).d)
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

/* The mean of a data variate and the sum of its squared deviations from it,
 * remembered at the call site (urn_dmemo): computed once by the first call
 * (two passes, with the rounding correction of the corrected two-pass
 * algorithm), read by every later call and every chain.  The mean is kept as
 * mean + mean_lo: data far from 0 (1e8 + noise) would lose the digits of
 * ybar - mu in a single double.  A call that finds them not ready (another
 * thread is computing them) computes the same numbers itself, by the same
 * steps: the result never depends on which thread came first (falling back
 * to the elementwise sum instead differed in the last bit).  0 when they are
 * not finite. */
static void compute_stats(const urn_darg *y, size_t N, double stat[3]) {
  double s = 0, c = 0, q = 0;
  for (size_t i = 0; i < N; i++) s += y->v[i];
  double mu = s / N;
  for (size_t i = 0; i < N; i++) {
    double r = y->v[i] - mu;
    c += r, q += r * r;
  }
  stat[0] = mu, stat[1] = c / N, stat[2] = q - c * c / N;
}
static int variate_stats(const urn_darg *y, size_t N, double *mean, double *mean_lo, double *m2) {
  urn_dmemo *m = y->memo;
  double local[3];
  const double *st = m->stat;
  unsigned char state = __atomic_load_n(&m->stats, __ATOMIC_ACQUIRE), zero = 0;
  if (state != 2) {
    if (state == 0 && __atomic_compare_exchange_n(&m->stats, &zero, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
      compute_stats(y, N, m->stat);
      __atomic_store_n(&m->stats, 2, __ATOMIC_RELEASE);
    } else {
      compute_stats(y, N, local); /* being computed elsewhere: the same numbers, here */
      st = local;
    }
  }
  *mean = st[0], *mean_lo = st[1], *m2 = st[2];
  return isfinite(*mean) && isfinite(*mean_lo) && isfinite(*m2);
}

/* normal_lpdf with a scalar sigma (the common `y ~ normal(mu, sigma)`): the
 * density needs only sum (y - mu)^2 and one log(sigma); the partials are
 * -+(y_i - mu_i) / sigma^2 for y and mu and (sum z^2 - N) / sigma for sigma.
 * A data variate with a scalar mu needs only its mean and sum of squared
 * deviations, computed once: sum (y - mu)^2 = m2 + N (ybar - mu)^2, a sum of
 * two nonnegative terms (no cancellation), so each gradient costs O(1). */
static void normal_scalar_sigma(const urn_darg *a, size_t N, int kc, int ks, int kk, double *out) {
  const double *y = a[0].v, *mu = a[1].v;
  double s = a[2].v[0], inv_s = 1 / s, inv_s2 = inv_s * inv_s, sum_r, sum_r2, ybar, ybar_lo, m2;
  if (a[0].n > 1 && a[1].n == 1 && !a[0].d && a[0].memo && variate_stats(&a[0], N, &ybar, &ybar_lo, &m2)) {
    double dev = (ybar - mu[0]) + ybar_lo;
    sum_r = N * dev, sum_r2 = m2 + N * dev * dev;
  } else if (a[0].n > 1 && a[1].n == 1) sum_dev(y, 1, mu, 0, N, &sum_r, &sum_r2);
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

/* ---- per-element kernels and their families (the driver is dist_run in
 * dist_impl.h).  st->keep[t] says whether term group t survives propto; the
 * groups are named where each family sets them. */

/* normal with a vector sigma (a scalar sigma takes normal_scalar_sigma);
 * keep: 0 constant, 1 log sigma, 2 the quadratic form. */
static inline void k_normal(const double *x, const int *fresh, dist_kstate *st, double *lp, double *g) {
  double y = x[0], mu = x[1], s = x[2], inv_s = 1 / s, z = (y - mu) * inv_s;
  if (st->keep[2]) *lp -= 0.5 * z * z;
  if (st->keep[1]) *lp -= log(s);
  if (st->keep[0]) *lp -= DIST_HALF_LOG_2PI;
  g[0] = -z * inv_s;
  g[1] = z / s;
  g[2] = (z * z - 1) / s;
}

int urn_normal_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const dist_spec S = {"normal_lpdf", 3, {"Random variable", "Location parameter", "Scale parameter"},
                              {DR_NOT_NAN, DR_FINITE, DR_POS_FINITE}};
  dist_kstate st;
  size_t N;
  if (dist_begin(&S, a, propto, &st, &N, err)) return URN_EREJECT;
  st.keep[0] = !propto, st.keep[1] = !propto || a[2].d, st.keep[2] = !propto || ANY3(a[0], a[1], a[2]);
  if (a[2].n == 1 && N > 0) {
    normal_scalar_sigma(a, N, st.keep[0], st.keep[1], st.keep[2], out);
    return URN_OK;
  }
  return dist_run(a, 3, N, k_normal, &st, out);
}

/* keep: 0 constant, 1 the quadratic form. */
static inline void k_std_normal(const double *x, const int *fresh, dist_kstate *st, double *lp, double *g) {
  double y = x[0];
  if (st->keep[1]) *lp -= 0.5 * y * y;
  if (st->keep[0]) *lp -= DIST_HALF_LOG_2PI;
  g[0] = -y;
}

int urn_std_normal_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const dist_spec S = {"std_normal_lpdf", 1, {"Random variable"}, {DR_NOT_NAN}};
  dist_kstate st;
  size_t N;
  if (dist_begin(&S, a, propto, &st, &N, err)) return URN_EREJECT;
  st.keep[0] = !propto, st.keep[1] = !propto || a[0].d;
  return dist_run(a, 1, N, k_std_normal, &st, out);
}

/* keep: 0 constant, 1 terms of nu alone, 2 log sigma, 3 the kernel; cache:
 * c[0] the nu terms, c[1] their digamma difference, c[2] log sigma. */
static inline void k_student_t(const double *x, const int *fresh, dist_kstate *st, double *lp, double *g) {
  double y = x[0], nu = x[1], mu = x[2], s = x[3];
  double z = (y - mu) / s, z2nu = z * z / nu, l1p = log1p(z2nu);
  if (fresh[1]) { /* terms of nu alone: once when nu is a scalar */
    /* lgamma((nu+1)/2) - lgamma(nu/2) as a log rising factorial: the difference of the lgammas would keep only
     * ~3 digits at nu = 1e12 */
    if (st->keep[1]) st->c[0] = urn_log_rising_factorial(0.5 * nu, 0.5) - 0.5 * log(nu);
    if (st->var[1]) st->c[1] = dist_digamma_diff(0.5 * nu, 0.5);
  }
  if (st->keep[2] && fresh[3]) st->c[2] = log(s);
  if (st->keep[0]) *lp -= 0.5 * DIST_LOG_PI;
  if (st->keep[1]) *lp += st->c[0];
  if (st->keep[2]) *lp -= st->c[2];
  if (st->keep[3]) *lp -= 0.5 * (nu + 1) * l1p;
  double gy = (nu + 1) * z / (s * (nu + z * z)); /* -d lp / d y */
  g[0] = -gy;
  g[2] = gy;
  g[3] = -1 / s + gy * z;
  if (st->var[1]) g[1] = 0.5 * (st->c[1] - 1 / nu - l1p) + 0.5 * (nu + 1) * z * z / (nu * (nu + z * z));
}

int urn_student_t_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const dist_spec S = {"student_t_lpdf", 4,
                              {"Random variable", "Degrees of freedom parameter", "Location parameter",
                               "Scale parameter"},
                              {DR_NOT_NAN, DR_POS_FINITE, DR_FINITE, DR_POS_FINITE}};
  dist_kstate st;
  size_t N;
  if (dist_begin(&S, a, propto, &st, &N, err)) return URN_EREJECT;
  st.keep[0] = !propto, st.keep[1] = !propto || a[1].d, st.keep[2] = !propto || a[3].d;
  st.keep[3] = !propto || a[0].d || a[1].d || a[2].d || a[3].d;
  return dist_run(a, 4, N, k_student_t, &st, out);
}

/* keep: 0 constant, 1 log sigma, 2 the kernel; cache: c[0] log sigma. */
static inline void k_cauchy(const double *x, const int *fresh, dist_kstate *st, double *lp, double *g) {
  double y = x[0], mu = x[1], s = x[2];
  double z = (y - mu) / s;
  if (st->keep[1] && fresh[2]) st->c[0] = log(s);
  if (st->keep[0]) *lp -= DIST_LOG_PI;
  if (st->keep[1]) *lp -= st->c[0];
  if (st->keep[2]) *lp -= log1p(z * z);
  double gy = 2 * z / (s * (1 + z * z));
  g[0] = -gy;
  g[1] = gy;
  g[2] = -1 / s + gy * z;
}

/* The checks of the location-scale families with a finite location. */
#define LOC_SCALE_LABELS {"Random variable", "Location parameter", "Scale parameter"}

int urn_cauchy_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const dist_spec S = {"cauchy_lpdf", 3, LOC_SCALE_LABELS, {DR_NOT_NAN, DR_FINITE, DR_POS_FINITE}};
  dist_kstate st;
  size_t N;
  if (dist_begin(&S, a, propto, &st, &N, err)) return URN_EREJECT;
  st.keep[0] = !propto, st.keep[1] = !propto || a[2].d, st.keep[2] = !propto || ANY3(a[0], a[1], a[2]);
  return dist_run(a, 3, N, k_cauchy, &st, out);
}

/* keep: 0 constant, 1 log sigma, 2 the kernel. */
static inline void k_double_exponential(const double *x, const int *fresh, dist_kstate *st, double *lp,
                                        double *g) {
  double y = x[0], mu = x[1], s = x[2];
  double r = y - mu, sgn = r > 0 ? 1 : r < 0 ? -1 : 0;
  if (st->keep[0]) *lp -= DIST_LOG_2;
  if (st->keep[1]) *lp -= log(s);
  if (st->keep[2]) *lp -= fabs(r) / s;
  g[0] = -sgn / s;
  g[1] = sgn / s;
  g[2] = -1 / s + fabs(r) / (s * s);
}

int urn_double_exponential_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const dist_spec S = {"double_exponential_lpdf", 3, LOC_SCALE_LABELS,
                              {DR_FINITE, DR_FINITE, DR_POS_FINITE}};
  dist_kstate st;
  size_t N;
  if (dist_begin(&S, a, propto, &st, &N, err)) return URN_EREJECT;
  st.keep[0] = !propto, st.keep[1] = !propto || a[2].d, st.keep[2] = !propto || ANY3(a[0], a[1], a[2]);
  return dist_run(a, 3, N, k_double_exponential, &st, out);
}

/* keep: 1 log sigma, 2 the kernel. */
static inline void k_logistic(const double *x, const int *fresh, dist_kstate *st, double *lp, double *g) {
  double y = x[0], mu = x[1], s = x[2];
  double z = (y - mu) / s;
  if (st->keep[1]) *lp -= log(s);
  if (st->keep[2]) *lp += -z - 2 * urn_log1p_exp(-z);
  double gz = 1 - 2 * urn_inv_logit(z); /* d lp / d z */
  g[0] = gz / s;
  g[1] = -gz / s;
  g[2] = -1 / s - gz * z / s;
}

int urn_logistic_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const dist_spec S = {"logistic_lpdf", 3, LOC_SCALE_LABELS, {DR_FINITE, DR_FINITE, DR_POS_FINITE}};
  dist_kstate st;
  size_t N;
  if (dist_begin(&S, a, propto, &st, &N, err)) return URN_EREJECT;
  st.keep[1] = !propto || a[2].d, st.keep[2] = !propto || ANY3(a[0], a[1], a[2]);
  return dist_run(a, 3, N, k_logistic, &st, out);
}

/* keep: 0 constant, 1 log sigma, 2 log y, 3 the kernel; cache: c[0] log sigma. */
static inline void k_lognormal(const double *x, const int *fresh, dist_kstate *st, double *lp, double *g) {
  double y = x[0], mu = x[1], s = x[2];
  double ly = log(y), z = (ly - mu) / s;
  if (st->keep[1] && fresh[2]) st->c[0] = log(s);
  if (st->keep[0]) *lp -= DIST_HALF_LOG_2PI;
  if (st->keep[1]) *lp -= st->c[0];
  if (st->keep[2]) *lp -= ly;
  if (st->keep[3]) *lp -= 0.5 * z * z;
  g[0] = -(1 + z / s) / y;
  g[1] = z / s;
  g[2] = (z * z - 1) / s;
}

int urn_lognormal_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const dist_spec S = {"lognormal_lpdf", 3, LOC_SCALE_LABELS, {DR_NOT_NAN, DR_FINITE, DR_POS_FINITE}};
  dist_kstate st;
  size_t N;
  if (dist_begin(&S, a, propto, &st, &N, err)) return URN_EREJECT;
  if (N && dist_outside(&a[0], 0, 1, INFINITY)) return *out = -INFINITY, URN_OK;
  st.keep[0] = !propto, st.keep[1] = !propto || a[2].d, st.keep[2] = !propto || a[0].d;
  st.keep[3] = !propto || ANY3(a[0], a[1], a[2]);
  return dist_run(a, 3, N, k_lognormal, &st, out);
}

/* keep: 0 log beta, 1 the kernel. */
static inline void k_exponential(const double *x, const int *fresh, dist_kstate *st, double *lp, double *g) {
  double y = x[0], b = x[1];
  if (st->keep[0]) *lp += log(b);
  if (st->keep[1]) *lp -= b * y;
  g[0] = -b;
  g[1] = 1 / b - y;
}

int urn_exponential_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const dist_spec S = {"exponential_lpdf", 2, {"Random variable", "Inverse scale parameter"},
                              {DR_NOT_NAN, DR_POS_FINITE}};
  dist_kstate st;
  size_t N;
  if (dist_begin(&S, a, propto, &st, &N, err)) return URN_EREJECT;
  if (N && dist_outside(&a[0], 0, 0, INFINITY)) return *out = -INFINITY, URN_OK;
  st.keep[0] = !propto || a[1].d, st.keep[1] = !propto || ANY2(a[0], a[1]);
  return dist_run(a, 2, N, k_exponential, &st, out);
}

/* The gamma-like families: keep 0 terms of alpha alone, 1 alpha and beta,
 * 2 y and alpha, 3 y and beta (set by gamma_keep). */
static void gamma_keep(const urn_darg *a, int propto, dist_kstate *st) {
  st->keep[0] = !propto || a[1].d, st->keep[1] = !propto || ANY2(a[1], a[2]);
  st->keep[2] = !propto || ANY2(a[0], a[1]), st->keep[3] = !propto || ANY2(a[0], a[2]);
}

/* cache: c[0] lgamma(alpha), c[1] digamma(alpha), c[2] log beta. */
static inline void k_gamma(const double *x, const int *fresh, dist_kstate *st, double *lp, double *g) {
  double y = x[0], al = x[1], b = x[2];
  double ly = log(y);
  if (fresh[1]) { /* once when alpha is a scalar */
    if (st->keep[0]) st->c[0] = urn_lgamma(al);
    if (st->var[1]) st->c[1] = dist_log_minus_digamma(al);
  }
  if (fresh[2]) st->c[2] = log(b);
  if (st->keep[0] && st->keep[1] && st->keep[2] && st->keep[3] && y > 0 && isfinite(b * y)) {
    /* the whole density at once in the saddle-point form: at alpha = 1e10 the separate terms cancel 10 digits */
    *lp += urn_log_gamma_prefix(al, b * y) - ly;
  } else {
    if (st->keep[0]) *lp -= st->c[0];
    if (st->keep[1]) *lp += al * st->c[2];
    if (st->keep[2]) *lp += XLOGY(al - 1, ly);
    if (st->keep[3]) *lp -= b * y;
  }
  g[0] = XDIV(al - 1, y) - b;
  if (st->var[1]) g[1] = log(b * y / al) + st->c[1]; /* log(b y) - psi(alpha) */
  g[2] = fma(-b, y, al) / b;                         /* alpha/b - y, one rounding at the mode */
}

#define SHAPE_LABELS(third) {"Random variable", "Shape parameter", third}

int urn_gamma_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const dist_spec S = {"gamma_lpdf", 3, SHAPE_LABELS("Inverse scale parameter"),
                              {DR_NOT_NAN, DR_POS_FINITE, DR_POS_FINITE}};
  dist_kstate st;
  size_t N;
  if (dist_begin(&S, a, propto, &st, &N, err)) return URN_EREJECT;
  if (N && dist_outside(&a[0], 0, 0, INFINITY)) return *out = -INFINITY, URN_OK;
  gamma_keep(a, propto, &st);
  return dist_run(a, 3, N, k_gamma, &st, out);
}

static inline void k_inv_gamma(const double *x, const int *fresh, dist_kstate *st, double *lp, double *g) {
  double y = x[0], al = x[1], b = x[2];
  double ly = log(y), lb = log(b);
  if (st->keep[0] && st->keep[1] && st->keep[2] && st->keep[3] && isfinite(b / y) && isfinite(y)) {
    *lp += urn_log_gamma_prefix(al, b / y) - ly; /* saddle-point form, as gamma */
  } else {
    if (st->keep[0]) *lp -= urn_lgamma(al);
    if (st->keep[1]) *lp += al * lb;
    if (st->keep[2]) *lp -= (al + 1) * ly;
    if (st->keep[3]) *lp -= b / y;
  }
  g[0] = fma(-(al + 1), y, b) / (y * y); /* (b - (alpha + 1) y) / y^2: one rounding at the mode */
  if (st->var[1]) g[1] = log(b / (y * al)) + dist_log_minus_digamma(al);
  g[2] = fma(al, y, -b) / (b * y);
}

int urn_inv_gamma_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const dist_spec S = {"inv_gamma_lpdf", 3, SHAPE_LABELS("Scale parameter"),
                              {DR_NOT_NAN, DR_POS_FINITE, DR_POS_FINITE}};
  dist_kstate st;
  size_t N;
  if (dist_begin(&S, a, propto, &st, &N, err)) return URN_EREJECT;
  if (N && dist_outside(&a[0], 0, 1, INFINITY)) return *out = -INFINITY, URN_OK;
  gamma_keep(a, propto, &st);
  return dist_run(a, 3, N, k_inv_gamma, &st, out);
}

/* keep: 0 log alpha, 1 y and alpha, 2 alpha and sigma, 3 the kernel. */
static inline void k_weibull(const double *x, const int *fresh, dist_kstate *st, double *lp, double *g) {
  double y = x[0], al = x[1], s = x[2];
  double ly = log(y), ls = log(s), p = pow(y / s, al);
  if (st->keep[0]) *lp += log(al);
  if (st->keep[1]) *lp += XLOGY(al - 1, ly);
  if (st->keep[2]) *lp -= al * ls;
  if (st->keep[3]) *lp -= p;
  g[0] = XDIV(al - 1, y) - al * p / y;
  g[1] = 1 / al + ly - ls - p * (ly - ls);
  g[2] = al / s * (p - 1);
}

int urn_weibull_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const dist_spec S = {"weibull_lpdf", 3, SHAPE_LABELS("Scale parameter"),
                              {DR_FINITE, DR_POS_FINITE, DR_POS_FINITE}};
  dist_kstate st;
  size_t N;
  if (dist_begin(&S, a, propto, &st, &N, err)) return URN_EREJECT;
  if (N && dist_outside(&a[0], 0, 0, INFINITY)) return *out = -INFINITY, URN_OK;
  st.keep[0] = !propto || a[1].d, st.keep[1] = !propto || ANY2(a[0], a[1]);
  st.keep[2] = !propto || ANY2(a[1], a[2]), st.keep[3] = !propto || ANY3(a[0], a[1], a[2]);
  return dist_run(a, 3, N, k_weibull, &st, out);
}

/* keep: 0 the beta function, 1 y and alpha, 2 y and beta. */
static inline void k_beta(const double *x, const int *fresh, dist_kstate *st, double *lp, double *g) {
  double y = x[0], al = x[1], be = x[2];
  double ly = log(y), l1my = log1p(-y);
  if (st->keep[0] && st->keep[1] && st->keep[2] && y > 0 && y < 1) {
    /* saddle-point form (large shapes: lbeta and the log terms cancel ~ alpha + beta in size) */
    *lp += urn_log_beta_prefix(al, be, y, 1 - y) - ly - l1my;
  } else {
    if (st->keep[0]) *lp -= urn_lbeta(al, be);
    if (st->keep[1]) *lp += XLOGY(al - 1, ly);
    if (st->keep[2]) *lp += XLOGY(be - 1, l1my);
  }
  /* (alpha - 1)/y - (beta - 1)/(1 - y) = ((alpha - 1) - (alpha + beta - 2) y) / (y (1 - y)): one rounding where the
   * two terms are 1e10 in size and cancel */
  g[0] = y > 0 && y < 1 ? fma(-(al + be - 2), y, al - 1) / (y * (1 - y)) : XDIV(al - 1, y) - XDIV(be - 1, 1 - y);
  if (st->var[1] || st->var[2]) { /* psi(alpha + beta) - psi(alpha) without cancellation */
    g[1] = ly + dist_digamma_diff(al, be);
    g[2] = l1my + dist_digamma_diff(be, al);
  }
}

int urn_beta_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const dist_spec S = {"beta_lpdf", 3,
                              {"Random variable", "First shape parameter", "Second shape parameter"},
                              {DR_NOT_NAN, DR_POS_FINITE, DR_POS_FINITE}};
  dist_kstate st;
  size_t N;
  if (dist_begin(&S, a, propto, &st, &N, err)) return URN_EREJECT;
  if (N && dist_outside(&a[0], 0, 0, 1)) return *out = -INFINITY, URN_OK;
  st.keep[0] = !propto || ANY2(a[1], a[2]);
  st.keep[1] = !propto || ANY2(a[0], a[1]), st.keep[2] = !propto || ANY2(a[0], a[2]);
  return dist_run(a, 3, N, k_beta, &st, out);
}

/* keep: 0 lgamma(kappa), 1 mu and kappa, 2 the kernel. */
static inline void k_beta_proportion(const double *x, const int *fresh, dist_kstate *st, double *lp,
                                     double *g) {
  double y = x[0], mu = x[1], k = x[2];
  /* n kappa = kappa - m kappa: the two shapes sum to kappa exactly, as the normalizer lgamma(kappa) assumes ((1 - mu)
   * kappa rounds to a shape 1e-5 away at kappa = 1e12, which moves the density by 3e-4) */
  double ly = log(y), l1my = log1p(-y), mk = mu * k, nk = k - mk;
  if (st->keep[0] && st->keep[1] && st->keep[2] && y > 0 && y < 1) {
    *lp += urn_log_beta_prefix(mk, nk, y, 1 - y) - ly - l1my; /* as beta */
  } else {
    if (st->keep[0]) *lp += urn_lgamma(k);
    if (st->keep[1]) *lp -= urn_lgamma(mk) + urn_lgamma(nk);
    if (st->keep[2]) *lp += XLOGY(mk - 1, ly) + XLOGY(nk - 1, l1my);
  }
  /* ((m kappa - 1) - (kappa - 2) y) / (y (1 - y)) = (kappa (mu - y) - 1 + 2 y) / (y (1 - y)): mu - y is exact near
   * the mode, where the two 1e12-sized terms cancel */
  g[0] = y > 0 && y < 1 ? (k * (mu - y) - 1 + 2 * y) / (y * (1 - y)) : XDIV(mk - 1, y) - XDIV(nk - 1, 1 - y);
  if (st->var[1] || st->var[2]) {
    /* psi(kappa) - psi(m kappa) and psi(kappa) - psi(n kappa), each without cancellation */
    double dm = dist_digamma_diff(mk, nk), dn = dist_digamma_diff(nk, mk);
    g[1] = k * (dm - dn + ly - l1my);
    g[2] = mu * dm + (1 - mu) * dn + mu * ly + (1 - mu) * l1my;
  }
}

int urn_beta_proportion_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const dist_spec S = {"beta_proportion_lpdf", 3,
                              {"Random variable", "Location parameter", "Precision parameter"},
                              {DR_NOT_NAN, DR_UNIT_OPEN, DR_POS_FINITE}};
  dist_kstate st;
  size_t N;
  if (dist_begin(&S, a, propto, &st, &N, err)) return URN_EREJECT;
  if (N && dist_outside(&a[0], 0, 0, 1)) return *out = -INFINITY, URN_OK;
  st.keep[0] = !propto || a[2].d, st.keep[1] = !propto || ANY2(a[1], a[2]);
  st.keep[2] = !propto || ANY3(a[0], a[1], a[2]);
  return dist_run(a, 3, N, k_beta_proportion, &st, out);
}

/* keep: 0 log of the width. */
static inline void k_uniform(const double *x, const int *fresh, dist_kstate *st, double *lp, double *g) {
  double w = x[2] - x[1];
  if (st->keep[0]) *lp -= log(w);
  g[0] = 0;
  g[1] = 1 / w;
  g[2] = -1 / w;
}

int urn_uniform_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const dist_spec S = {"uniform_lpdf", 3,
                              {"Random variable", "Lower bound parameter", "Upper bound parameter"},
                              {DR_NOT_NAN, DR_FINITE, DR_FINITE}};
  dist_kstate st;
  size_t N;
  if (dist_begin(&S, a, propto, &st, &N, err)) return URN_EREJECT;
  for (size_t i = 0; i < N; i++) {
    double lo = DV(&a[1], i), hi = DV(&a[2], i);
    if (!(hi > lo))
      return urn_error_set(err, URN_EREJECT,
                           "%s: Upper bound parameter is %g, but must be greater than %g", S.fn,
                           hi, lo);
  }
  for (size_t i = 0; i < N; i++) {
    double y = DV(&a[0], i);
    if (y < DV(&a[1], i) || y > DV(&a[2], i)) return *out = -INFINITY, URN_OK;
  }
  st.keep[0] = !propto || ANY2(a[1], a[2]);
  return dist_run(a, 3, N, k_uniform, &st, out);
}

/* The chi-square families: keep 0 terms of nu alone, 1 y and nu, 2 y alone. */
static inline void k_chi_square(const double *x, const int *fresh, dist_kstate *st, double *lp, double *g) {
  double y = x[0], nu = x[1], ly = log(y), h = 0.5 * nu;
  if (st->keep[0] && st->keep[1] && st->keep[2] && y > 0 && isfinite(y)) {
    *lp += urn_log_gamma_prefix(h, 0.5 * y) - ly; /* gamma(y | nu/2, 1/2), saddle-point form */
  } else {
    if (st->keep[0]) *lp -= h * DIST_LOG_2 + urn_lgamma(h);
    if (st->keep[1]) *lp += XLOGY(h - 1, ly);
    if (st->keep[2]) *lp -= 0.5 * y;
  }
  g[0] = XDIV(h - 1, y) - 0.5;
  if (st->var[1]) g[1] = 0.5 * (log(y / nu) + dist_log_minus_digamma(h));
}

static inline void k_inv_chi_square(const double *x, const int *fresh, dist_kstate *st, double *lp,
                                    double *g) {
  double y = x[0], nu = x[1], ly = log(y), h = 0.5 * nu;
  if (st->keep[0] && st->keep[1] && st->keep[2] && isfinite(0.5 / y) && isfinite(y)) {
    *lp += urn_log_gamma_prefix(h, 0.5 / y) - ly; /* inv_gamma(y | nu/2, 1/2) */
  } else {
    if (st->keep[0]) *lp -= h * DIST_LOG_2 + urn_lgamma(h);
    if (st->keep[1]) *lp -= (h + 1) * ly;
    if (st->keep[2]) *lp -= 0.5 / y;
  }
  g[0] = -(h + 1) / y + 0.5 / (y * y);
  if (st->var[1]) g[1] = 0.5 * (dist_log_minus_digamma(h) - log(y * nu));
}

static const dist_spec S_CHI_SQUARE = {"chi_square_lpdf", 2, {"Random variable", "Degrees of freedom parameter"},
                                       {DR_NOT_NAN, DR_POS_FINITE}};
static const dist_spec S_INV_CHI_SQUARE = {"inv_chi_square_lpdf", 2,
                                           {"Random variable", "Degrees of freedom parameter"},
                                           {DR_NOT_NAN, DR_POS_FINITE}};

int urn_chi_square_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  dist_kstate st;
  size_t N;
  if (dist_begin(&S_CHI_SQUARE, a, propto, &st, &N, err)) return URN_EREJECT;
  if (N && dist_outside(&a[0], 0, 0, INFINITY)) return *out = -INFINITY, URN_OK;
  st.keep[0] = !propto || a[1].d, st.keep[1] = !propto || ANY2(a[0], a[1]), st.keep[2] = !propto || a[0].d;
  return dist_run(a, 2, N, k_chi_square, &st, out);
}

int urn_inv_chi_square_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  dist_kstate st;
  size_t N;
  if (dist_begin(&S_INV_CHI_SQUARE, a, propto, &st, &N, err)) return URN_EREJECT;
  if (N && dist_outside(&a[0], 0, 1, INFINITY)) return *out = -INFINITY, URN_OK;
  st.keep[0] = !propto || a[1].d, st.keep[1] = !propto || ANY2(a[0], a[1]), st.keep[2] = !propto || a[0].d;
  return dist_run(a, 2, N, k_inv_chi_square, &st, out);
}

/* keep: 0 terms of nu alone, 1 nu and s, 2 y and nu, 3 the kernel. */
static inline void k_scaled_inv_chi_square(const double *x, const int *fresh, dist_kstate *st, double *lp,
                                           double *g) {
  double y = x[0], nu = x[1], s = x[2];
  double ly = log(y), ls = log(s), h = 0.5 * nu;
  if (st->keep[0] && st->keep[1] && st->keep[2] && st->keep[3] && isfinite(h * s * s / y) && isfinite(y)) {
    *lp += urn_log_gamma_prefix(h, h * s * s / y) - ly; /* inv_gamma(y | nu/2, nu s^2/2) */
  } else {
    if (st->keep[0]) *lp += h * log(h) - urn_lgamma(h);
    if (st->keep[1]) *lp += nu * ls;
    if (st->keep[2]) *lp -= (h + 1) * ly;
    if (st->keep[3]) *lp -= h * s * s / y;
  }
  g[0] = fma(-(h + 1), y, h * s * s) / (y * y);
  /* 1/2 [log h - psi(h)] + 1/2 [1 + log(s^2/y) - s^2/y], the second as log1pmx */
  if (st->var[1]) g[1] = 0.5 * dist_log_minus_digamma(h) + 0.5 * urn_log1pmx(s * s / y - 1);
  g[2] = nu * fma(-s, s, y) / (s * y);
}

int urn_scaled_inv_chi_square_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const dist_spec S = {"scaled_inv_chi_square_lpdf", 3,
                              {"Random variable", "Degrees of freedom parameter", "Scale parameter"},
                              {DR_NOT_NAN, DR_POS_FINITE, DR_POS_FINITE}};
  dist_kstate st;
  size_t N;
  if (dist_begin(&S, a, propto, &st, &N, err)) return URN_EREJECT;
  if (N && dist_outside(&a[0], 0, 1, INFINITY)) return *out = -INFINITY, URN_OK;
  st.keep[0] = !propto || a[1].d, st.keep[1] = !propto || ANY2(a[1], a[2]);
  st.keep[2] = !propto || ANY2(a[0], a[1]), st.keep[3] = !propto || ANY3(a[0], a[1], a[2]);
  return dist_run(a, 3, N, k_scaled_inv_chi_square, &st, out);
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

double dist_log_bessel_i0_scaled(double x) {
  if (x < 30) return dist_log_bessel_i0(x) - x;
  double sum = 1, term = 1;
  for (int k = 1; k < 30; k++) {
    term *= (2.0 * k - 1) * (2.0 * k - 1) / (8.0 * k * x);
    sum += term;
    if (fabs(term) < 1e-17 * sum) break;
  }
  return -0.5 * log(2 * DIST_PI * x) + log(sum);
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

/* keep: 0 constant, 1 the Bessel normaliser, 2 the kernel. */
static inline void k_von_mises(const double *x, const int *fresh, dist_kstate *st, double *lp, double *g) {
  double y = x[0], mu = x[1], k = x[2];
  double c = cos(y - mu), s = sin(y - mu), h = sin(0.5 * (y - mu));
  if (st->keep[0]) *lp -= DIST_LOG_2PI;
  if (st->keep[1] && st->keep[2]) {
    /* kappa cos d - log I0(kappa) = -2 kappa sin^2(d/2) - (log I0(kappa) - kappa): no kappa-sized cancellation */
    *lp += -2 * k * h * h - dist_log_bessel_i0_scaled(k);
  } else {
    if (st->keep[1]) *lp -= dist_log_bessel_i0(k);
    if (st->keep[2]) *lp += k * c;
  }
  g[0] = -k * s;
  g[1] = k * s;
  if (st->var[2]) g[2] = c - dist_bessel_ratio_i1_i0(k);
}

int urn_von_mises_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const dist_spec S = {"von_mises_lpdf", 3, LOC_SCALE_LABELS, {DR_FINITE, DR_FINITE, DR_NONNEG}};
  dist_kstate st;
  size_t N;
  if (dist_begin(&S, a, propto, &st, &N, err) || dist_check(S.fn, S.label[2], &a[2], DR_FINITE, err))
    return URN_EREJECT;
  st.keep[0] = !propto, st.keep[1] = !propto || a[2].d, st.keep[2] = !propto || ANY3(a[0], a[1], a[2]);
  return dist_run(a, 3, N, k_von_mises, &st, out);
}
