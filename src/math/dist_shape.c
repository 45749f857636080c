/* math/dist_shape.c — the power-law and extreme-value families: pareto,
 * pareto_type_2, gumbel, frechet, rayleigh and loglogistic, each with its log
 * density (analytic partials, vectorized through dist_run), its CDFs (a core
 * for dist_cdf_drive) and its rng.  Tails are kept accurate by computing the
 * smaller of P and Q directly: log Q = -alpha log1p((y - y_min) / y_min) for
 * pareto, log P = -exp(-z) for gumbel, and log1m_exp of those for the other
 * side.  Argument checks follow Stan's (e.g. frechet and rayleigh reject a
 * non-positive variate, pareto_type_2 one below mu; pareto gives -inf below
 * y_min). */
#include "math/dist_impl.h"

#define ANY2(a, b) ((a).d || (b).d)
#define ANY3(a, b, c) ((a).d || (b).d || (c).d)
#define CHK(label, arg, rule) dist_check(fn, label, &(arg), rule, err)
#define P(j, i) DV(&p[j], i)

/* Fills the log CDF side from lq (log Q) and its partials dq[j]: lp = log1m_exp(lq), dlp = -dq Q / P. */
static void from_lq(dist_cdf_out *o, double lq, const double *dq, int nargs) {
  o->lq = lq;
  o->lp = urn_log1m_exp(lq);
  double r = -1 / expm1(-lq); /* -Q / P */
  for (int j = 0; j < nargs; j++) o->dlq[j] = dq[j], o->dlp[j] = isinf(lq) ? 0 : dq[j] * r;
}
/* The same from lp (log P). */
static void from_lp(dist_cdf_out *o, double lp, const double *dp, int nargs) {
  o->lp = lp;
  o->lq = urn_log1m_exp(lp);
  double r = -1 / expm1(-lp); /* -P / Q */
  for (int j = 0; j < nargs; j++) o->dlp[j] = dp[j], o->dlq[j] = isinf(lp) ? 0 : dp[j] * r;
}
/* A CDF outside (below) the support: P = 0. */
static void below(dist_cdf_out *o) {
  o->lp = -INFINITY;
  o->lq = 0;
}

/* ---------------- pareto(y | y_min, alpha) ---------------- */

/* keep: 0 log alpha, 1 alpha log y_min, 2 (alpha + 1) log y. */
static inline void k_pareto(const double *x, const int *fresh, dist_kstate *st, double *lp, double *g) {
  double y = x[0], ym = x[1], al = x[2], ly = log(y), lym = log(ym);
  if (st->keep[0]) *lp += log(al);
  if (st->keep[1]) *lp += al * lym;
  if (st->keep[2]) *lp -= (al + 1) * ly;
  g[0] = -(al + 1) / y;
  g[1] = al / ym;
  g[2] = 1 / al + lym - ly;
}

static const char *const L_PARETO[] = {"Random variable", "Scale parameter", "Shape parameter"};

int urn_pareto_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const dist_spec S = {"pareto_lpdf", 3, {"Random variable", "Scale parameter", "Shape parameter"},
                              {DR_NOT_NAN, DR_POS_FINITE, DR_POS_FINITE}};
  dist_kstate st;
  size_t N;
  if (dist_begin(&S, a, propto, &st, &N, err)) return URN_EREJECT;
  for (size_t i = 0; i < N; i++)
    if (DV(&a[0], i) < DV(&a[1], i)) return *out = -INFINITY, URN_OK;
  st.keep[0] = !propto || a[2].d, st.keep[1] = !propto || ANY2(a[1], a[2]), st.keep[2] = !propto || ANY2(a[0], a[2]);
  return dist_run(a, 3, N, k_pareto, &st, out);
}

static void core_pareto(const double *x, const int *need, dist_cdf_out *o) {
  double y = x[0], ym = x[1], al = x[2];
  if (y < ym) return below(o);
  /* log Q = -alpha log(y / y_min), with y - y_min exact near the bound */
  double l = log1p((y - ym) / ym), dq[3] = {-al / y, al / ym, -l};
  from_lq(o, y == INFINITY ? -INFINITY : -al * l, dq, 3);
}
DIST_DEFINE_CDFS(pareto, 3, L_PARETO, core_pareto, 0, DR_NOT_NAN, DR_POS_FINITE, DR_POS_FINITE)

int urn_pareto_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout, urn_error *err) {
  const char *fn = "pareto_rng";
  if (dist_rng_sizes(fn, p, 2, n, err) || CHK("Scale parameter", p[0], DR_POS_FINITE) ||
      CHK("Shape parameter", p[1], DR_POS_FINITE))
    return URN_EREJECT;
  for (size_t i = 0; i < n; i++) out[i] = P(0, i) * exp(-log(urn_rng_uniform(r)) / P(1, i));
  return URN_OK;
}

/* ---------------- pareto_type_2(y | mu, lambda, alpha) ---------------- */

/* keep: 0 log alpha, 1 log lambda, 2 the kernel. */
static inline void k_pareto_type_2(const double *x, const int *fresh, dist_kstate *st, double *lp, double *g) {
  double y = x[0], mu = x[1], lam = x[2], al = x[3], l1 = log1p((y - mu) / lam), inv = 1 / (lam + y - mu);
  if (st->keep[0]) *lp += log(al);
  if (st->keep[1]) *lp -= log(lam);
  if (st->keep[2]) *lp -= (al + 1) * l1;
  g[0] = -(al + 1) * inv;
  g[1] = (al + 1) * inv;
  g[2] = al * inv * (y - mu) / lam - inv;
  g[3] = 1 / al - l1;
}

static const char *const L_PARETO2[] = {"Random variable", "Location parameter", "Scale parameter",
                                        "Shape parameter"};

int urn_pareto_type_2_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const dist_spec S = {"pareto_type_2_lpdf", 4,
                              {"Random variable", "Location parameter", "Scale parameter", "Shape parameter"},
                              {DR_NOT_NAN, DR_NOT_NAN, DR_POS_FINITE, DR_POS_FINITE}};
  dist_kstate st;
  size_t N;
  if (dist_begin(&S, a, propto, &st, &N, err) || dist_check_ge(S.fn, "Random variable", &a[0], &a[1], err))
    return URN_EREJECT;
  st.keep[0] = !propto || a[3].d, st.keep[1] = !propto || a[2].d;
  st.keep[2] = !propto || a[0].d || a[1].d || a[2].d || a[3].d;
  return dist_run(a, 4, N, k_pareto_type_2, &st, out);
}

static void core_pareto_type_2(const double *x, const int *need, dist_cdf_out *o) {
  double y = x[0], mu = x[1], lam = x[2], al = x[3], u = (y - mu) / lam, l = log1p(u), inv = 1 / (lam + y - mu);
  double dq[4] = {-al * inv, al * inv, al * u * inv, -l};
  from_lq(o, y == INFINITY ? -INFINITY : -al * l, dq, 4);
}
DIST_DEFINE_CDFS(pareto_type_2, 4, L_PARETO2, core_pareto_type_2,
                 dist_check_ge(fn, "Random variable", &a[0], &a[1], err), DR_NOT_NAN, DR_NOT_NAN, DR_POS_FINITE,
                 DR_POS_FINITE)

int urn_pareto_type_2_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout, urn_error *err) {
  const char *fn = "pareto_type_2_rng";
  if (dist_rng_sizes(fn, p, 3, n, err) || CHK("Location parameter", p[0], DR_FINITE) ||
      CHK("Scale parameter", p[1], DR_POS_FINITE) || CHK("Shape parameter", p[2], DR_POS_FINITE))
    return URN_EREJECT;
  for (size_t i = 0; i < n; i++) out[i] = P(0, i) + P(1, i) * expm1(-log(urn_rng_uniform(r)) / P(2, i));
  return URN_OK;
}

/* ---------------- gumbel(y | mu, beta) ---------------- */

/* keep: 0 log beta, 1 the kernel. */
static inline void k_gumbel(const double *x, const int *fresh, dist_kstate *st, double *lp, double *g) {
  double y = x[0], mu = x[1], b = x[2], z = (y - mu) / b, ez = exp(-z);
  if (st->keep[0]) *lp -= log(b);
  if (st->keep[1]) *lp -= isinf(ez) ? INFINITY : z + ez; /* y = -inf: -inf, not inf - inf */
  double dz = ez - 1; /* d kernel / dz */
  g[0] = dz / b;
  g[1] = -dz / b;
  g[2] = -1 / b - dz * z / b;
}

static const char *const L_LOC_SCALE[] = {"Random variable", "Location parameter", "Scale parameter"};

int urn_gumbel_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const dist_spec S = {"gumbel_lpdf", 3, {"Random variable", "Location parameter", "Scale parameter"},
                              {DR_NOT_NAN, DR_FINITE, DR_POS_FINITE}};
  dist_kstate st;
  size_t N;
  if (dist_begin(&S, a, propto, &st, &N, err)) return URN_EREJECT;
  st.keep[0] = !propto || a[2].d, st.keep[1] = !propto || ANY3(a[0], a[1], a[2]);
  return dist_run(a, 3, N, k_gumbel, &st, out);
}

static void core_gumbel(const double *x, const int *need, dist_cdf_out *o) {
  double b = x[2], z = (x[0] - x[1]) / b, ez = exp(-z);
  /* log P = -exp(-z); d log P / dz = exp(-z) */
  double dp[3] = {ez / b, -ez / b, -ez * z / b};
  if (isinf(ez)) return below(o);
  from_lp(o, -ez, dp, 3);
}
DIST_DEFINE_CDFS(gumbel, 3, L_LOC_SCALE, core_gumbel, 0, DR_NOT_NAN, DR_FINITE, DR_POS_FINITE)

int urn_gumbel_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout, urn_error *err) {
  const char *fn = "gumbel_rng";
  if (dist_rng_sizes(fn, p, 2, n, err) || CHK("Location parameter", p[0], DR_FINITE) ||
      CHK("Scale parameter", p[1], DR_POS_FINITE))
    return URN_EREJECT;
  for (size_t i = 0; i < n; i++) out[i] = P(0, i) - P(1, i) * log(-log(urn_rng_uniform(r)));
  return URN_OK;
}

/* ---------------- frechet(y | alpha, sigma) ---------------- */

/* keep: 0 log alpha, 1 (alpha + 1) log y, 2 alpha log sigma, 3 (sigma / y)^alpha. */
static inline void k_frechet(const double *x, const int *fresh, dist_kstate *st, double *lp, double *g) {
  double y = x[0], al = x[1], s = x[2], l = log(s / y), t = exp(al * l);
  if (st->keep[0]) *lp += log(al);
  if (st->keep[1]) *lp -= (al + 1) * log(y);
  if (st->keep[2]) *lp += al * log(s);
  if (st->keep[3]) *lp -= t;
  g[0] = (al * t - (al + 1)) / y;
  g[1] = 1 / al + (1 - t) * l;
  g[2] = al / s * (1 - t);
}

static const char *const L_FRECHET[] = {"Random variable", "Shape parameter", "Scale parameter"};

int urn_frechet_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const dist_spec S = {"frechet_lpdf", 3, {"Random variable", "Shape parameter", "Scale parameter"},
                              {DR_POSITIVE, DR_POS_FINITE, DR_POS_FINITE}};
  dist_kstate st;
  size_t N;
  if (dist_begin(&S, a, propto, &st, &N, err)) return URN_EREJECT;
  st.keep[0] = !propto || a[1].d, st.keep[1] = !propto || ANY2(a[0], a[1]);
  st.keep[2] = !propto || ANY2(a[1], a[2]), st.keep[3] = !propto || ANY3(a[0], a[1], a[2]);
  return dist_run(a, 3, N, k_frechet, &st, out);
}

static void core_frechet(const double *x, const int *need, dist_cdf_out *o) {
  double y = x[0], al = x[1], s = x[2], l = log(s / y), t = exp(al * l);
  /* log P = -(sigma / y)^alpha */
  double dp[3] = {al * t / y, -t * l, -al * t / s};
  from_lp(o, -t, dp, 3);
}
DIST_DEFINE_CDFS(frechet, 3, L_FRECHET, core_frechet, 0, DR_POSITIVE, DR_POS_FINITE, DR_POS_FINITE)

int urn_frechet_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout, urn_error *err) {
  const char *fn = "frechet_rng";
  if (dist_rng_sizes(fn, p, 2, n, err) || CHK("Shape parameter", p[0], DR_POS_FINITE) ||
      CHK("Scale parameter", p[1], DR_POS_FINITE))
    return URN_EREJECT;
  for (size_t i = 0; i < n; i++) out[i] = P(1, i) * exp(-log(-log(urn_rng_uniform(r))) / P(0, i));
  return URN_OK;
}

/* ---------------- rayleigh(y | sigma) ---------------- */

/* keep: 0 log y, 1 log sigma, 2 the kernel. */
static inline void k_rayleigh(const double *x, const int *fresh, dist_kstate *st, double *lp, double *g) {
  double y = x[0], s = x[1], z = y / s;
  if (st->keep[0]) *lp += isinf(y) ? 0 : log(y); /* y = inf: -inf from the kernel, not inf - inf */
  if (st->keep[1]) *lp -= 2 * log(s);
  if (st->keep[2]) *lp -= 0.5 * z * z;
  g[0] = 1 / y - z / s;
  g[1] = (z * z - 2) / s;
}

static const char *const L_RAYLEIGH[] = {"Random variable", "Scale parameter"};

int urn_rayleigh_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const dist_spec S = {"rayleigh_lpdf", 2, {"Random variable", "Scale parameter"},
                              {DR_POSITIVE, DR_POS_FINITE}};
  dist_kstate st;
  size_t N;
  if (dist_begin(&S, a, propto, &st, &N, err)) return URN_EREJECT;
  st.keep[0] = !propto || a[0].d, st.keep[1] = !propto || a[1].d, st.keep[2] = !propto || ANY2(a[0], a[1]);
  return dist_run(a, 2, N, k_rayleigh, &st, out);
}

static void core_rayleigh(const double *x, const int *need, dist_cdf_out *o) {
  double y = x[0], s = x[1], z = y / s;
  if (y <= 0) return below(o);
  double dq[2] = {-z / s, z * z / s};
  from_lq(o, -0.5 * z * z, dq, 2);
}
DIST_DEFINE_CDFS(rayleigh, 2, L_RAYLEIGH, core_rayleigh, 0, DR_NONNEG, DR_POS_FINITE)

int urn_rayleigh_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout, urn_error *err) {
  const char *fn = "rayleigh_rng";
  if (dist_rng_sizes(fn, p, 1, n, err) || CHK("Scale parameter", p[0], DR_POS_FINITE)) return URN_EREJECT;
  for (size_t i = 0; i < n; i++) out[i] = P(0, i) * sqrt(-2 * log(urn_rng_uniform(r)));
  return URN_OK;
}

/* ---------------- loglogistic(y | alpha, beta): alpha the scale, beta the shape ---------------- */

/* With u = beta log(y / alpha): log density = log beta - beta log alpha + (beta - 1) log y - 2 log1p(exp(u)).
 * keep: 0 log beta, 1 beta log alpha, 2 (beta - 1) log y, 3 the kernel. */
static inline void k_loglogistic(const double *x, const int *fresh, dist_kstate *st, double *lp, double *g) {
  double y = x[0], al = x[1], be = x[2], ly = log(y), la = log(al), L = log(y / al), u = be * L;
  double s = urn_inv_logit(u);
  if (st->keep[0]) *lp += log(be);
  if (st->keep[1]) *lp -= be * la;
  if (st->keep[2]) *lp += (be - 1) * ly;
  if (st->keep[3]) *lp -= 2 * urn_log1p_exp(u);
  g[0] = ((be - 1) - 2 * s * be) / y;
  g[1] = be * (2 * s - 1) / al;
  g[2] = 1 / be + L * (1 - 2 * s);
}

static const char *const L_LOGLOGISTIC[] = {"Random variable", "Scale parameter", "Shape parameter"};

int urn_loglogistic_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const dist_spec S = {"loglogistic_lpdf", 3, {"Random variable", "Scale parameter", "Shape parameter"},
                              {DR_POS_FINITE, DR_POS_FINITE, DR_POS_FINITE}};
  dist_kstate st;
  size_t N;
  if (dist_begin(&S, a, propto, &st, &N, err)) return URN_EREJECT;
  st.keep[0] = !propto || a[2].d, st.keep[1] = !propto || ANY2(a[1], a[2]);
  st.keep[2] = !propto || ANY2(a[0], a[2]), st.keep[3] = !propto || ANY3(a[0], a[1], a[2]);
  return dist_run(a, 3, N, k_loglogistic, &st, out);
}

static void core_loglogistic(const double *x, const int *need, dist_cdf_out *o) {
  double y = x[0], al = x[1], be = x[2];
  if (y <= 0) return below(o);
  /* P = inv_logit(u), u = beta log(y / alpha); d log P / du = 1 - P, d log Q / du = -P */
  double L = log(y / al), u = be * L, p = urn_inv_logit(u), q = urn_inv_logit(-u);
  double du[3] = {be / y, -be / al, L};
  o->lp = urn_log_inv_logit(u);
  o->lq = urn_log1m_inv_logit(u);
  for (int j = 0; j < 3; j++) o->dlp[j] = q * du[j], o->dlq[j] = -p * du[j];
}
DIST_DEFINE_CDFS(loglogistic, 3, L_LOGLOGISTIC, core_loglogistic, 0, DR_NONNEG, DR_POS_FINITE, DR_POS_FINITE)

int urn_loglogistic_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout, urn_error *err) {
  const char *fn = "loglogistic_rng";
  if (dist_rng_sizes(fn, p, 2, n, err) || CHK("Scale parameter", p[0], DR_POS_FINITE) ||
      CHK("Shape parameter", p[1], DR_POS_FINITE))
    return URN_EREJECT;
  for (size_t i = 0; i < n; i++) {
    double u = urn_rng_uniform(r);
    out[i] = P(0, i) * exp((log(u) - log1p(-u)) / P(1, i));
  }
  return URN_OK;
}
