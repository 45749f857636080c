/* math/dist_multivariate.c — densities whose arguments are vectors or
 * matrices: dirichlet, multi_normal, multi_normal_cholesky,
 * lkj_corr_cholesky, categorical, categorical_logit and ordered_logistic (the
 * GLMs are in dist_glm.c).  Shapes follow dist.h: an
 * argument holds n / (rows * cols) items of rows x cols (column-major), and
 * an item count of 1 broadcasts.  Matrix partials of multi_normal are the
 * symmetric gradient (the same value at [i,j] and [j,i]); see dist.h.
 * Workspaces live on the stack for small dimensions (K <= 16 for
 * multi_normal, 64 for multi_normal_cholesky), else one allocation per call. */
#include <stdlib.h>
#include "math/dist_impl.h"
#include "util/util.h"

#define CHK(label, arg, rule) dist_check(fn, label, &(arg), rule, err)
#define CONSTRAINT_TOL 1e-8

/* Number of items of a multivariate argument (n / (rows * cols)). */
static size_t items(const urn_darg *a) {
  size_t per = a->rows * (a->cols ? a->cols : 1);
  return per ? a->n / per : 0;
}

/* Common item count of two multivariate arguments (1 broadcasts). */
static int item_count(const char *fn, const urn_darg *a, const char *la, const urn_darg *b,
                      const char *lb, size_t *M, urn_error *err) {
  size_t ma = items(a), mb = items(b);
  if (ma != 1 && mb != 1 && ma != mb)
    return urn_error_set(err, URN_EREJECT, "%s: Size of %s (%zu) and %s (%zu) must match in size",
                         fn, la, ma, lb, mb);
  *M = (ma == 0 || mb == 0) ? 0 : ma > mb ? ma : mb;
  return URN_OK;
}

int dist_check_simplex(const char *fn, const char *label, const double *theta, size_t K,
                       urn_error *err) {
  if (K == 0) return urn_error_set(err, URN_EREJECT, "%s: %s has size 0, but must have a non-zero size", fn, label);
  double s = 0;
  for (size_t k = 0; k < K; k++) {
    if (!(theta[k] >= 0))
      return urn_error_set(err, URN_EREJECT,
                           "%s: %s is not a valid simplex. %s[%zu] = %g, but should be greater "
                           "than or equal to 0",
                           fn, label, label, k + 1, theta[k]);
    s += theta[k];
  }
  if (!(fabs(s - 1) <= CONSTRAINT_TOL))
    return urn_error_set(err, URN_EREJECT,
                         "%s: %s is not a valid simplex. sum(%s) = %.9g, but should be 1", fn,
                         label, label, s);
  return URN_OK;
}

int dist_check_ordered(const char *fn, const char *label, const double *c, size_t K,
                       urn_error *err) {
  for (size_t k = 0; k < K; k++) {
    if (!isfinite(c[k])) return dist_fail(err, fn, label, (long)k, c[k], "finite");
    if (k > 0 && !(c[k] > c[k - 1]))
      return urn_error_set(err, URN_EREJECT,
                           "%s: %s is not a valid ordered vector. The element at %zu is %g, but "
                           "should be greater than the previous element, %g",
                           fn, label, k + 1, c[k], c[k - 1]);
  }
  return URN_OK;
}

int dist_cholesky(const char *fn, const char *label, const double *S, size_t K, double *L,
                  urn_error *err) {
  for (size_t j = 0; j < K; j++)
    for (size_t i = 0; i < K; i++) {
      double sij = S[i + j * K], sji = S[j + i * K];
      if (isnan(sij))
        return urn_error_set(err, URN_EREJECT, "%s: %s[%zu,%zu] is nan, but must not be nan!",
                             fn, label, i + 1, j + 1);
      if (i < j && !(fabs(sij - sji) <= CONSTRAINT_TOL))
        return urn_error_set(err, URN_EREJECT,
                             "%s: %s is not symmetric. %s[%zu,%zu] = %g, but %s[%zu,%zu] = %g",
                             fn, label, label, i + 1, j + 1, sij, label, j + 1, i + 1, sji);
    }
  for (size_t j = 0; j < K; j++) {
    double s = S[j + j * K];
    for (size_t k = 0; k < j; k++) s -= L[j + k * K] * L[j + k * K];
    if (!(s > 0) || !isfinite(s))
      return urn_error_set(err, URN_EREJECT, "%s: %s is not positive definite.", fn, label);
    double ljj = sqrt(s);
    L[j + j * K] = ljj;
    for (size_t i = j + 1; i < K; i++) {
      double t = S[i + j * K];
      for (size_t k = 0; k < j; k++) t -= L[i + k * K] * L[j + k * K];
      L[i + j * K] = t / ljj;
    }
    for (size_t i = 0; i < j; i++) L[i + j * K] = 0;
  }
  return URN_OK;
}

/* Solves L z = r (forward) for lower-triangular L (K x K column-major). */
static void solve_lower(const double *L, size_t K, const double *r, double *z) {
  for (size_t i = 0; i < K; i++) {
    double t = r[i];
    for (size_t k = 0; k < i; k++) t -= L[i + k * K] * z[k];
    z[i] = t / L[i + i * K];
  }
}
/* Solves L' w = z (backward). */
static void solve_upper_t(const double *L, size_t K, const double *z, double *w) {
  for (size_t ii = K; ii-- > 0;) {
    double t = z[ii];
    for (size_t k = ii + 1; k < K; k++) t -= L[k + ii * K] * w[k];
    w[ii] = t / L[ii + ii * K];
  }
}

int urn_dirichlet_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  const char *fn = "dirichlet_lpdf";
  const urn_darg *th = &a[0], *al = &a[1];
  size_t K = th->rows, M;
  if (al->rows != K)
    return urn_error_set(err, URN_EREJECT,
                         "%s: Size of probabilities (%zu) and prior sample sizes (%zu) must match "
                         "in size", fn, K, al->rows);
  if (item_count(fn, th, "probabilities", al, "prior sample sizes", &M, err)) return URN_EREJECT;
  if (CHK("prior sample sizes", *al, DR_POS_FINITE)) return URN_EREJECT;
  for (size_t m = 0; m < items(th); m++)
    if (dist_check_simplex(fn, "probabilities", th->v + m * K, K, err)) return URN_EREJECT;
  int ka = !propto || al->d, kk = !propto || th->d || al->d;
  double lp = 0;
  for (size_t m = 0; m < M; m++) {
    size_t ot = items(th) == 1 ? 0 : m * K, oa = items(al) == 1 ? 0 : m * K;
    const double *t = th->v + ot, *alpha = al->v + oa;
    double sa = 0, amin = INFINITY, tmin = INFINITY;
    for (size_t k = 0; k < K; k++) sa += alpha[k], amin = fmin(amin, alpha[k]), tmin = fmin(tmin, t[k]);
    /* sum(theta) - 1 exactly enough to be multiplied by sum(alpha) (Neumaier's compensated sum) */
    double st = -1, comp = 0;
    for (size_t k = 0; k < K; k++) {
      double u = st + t[k];
      comp += fabs(st) >= fabs(t[k]) ? (st - u) + t[k] : (t[k] - u) + st;
      st = u;
    }
    double dev = st + comp; /* sum(theta) - 1 */
    if (ka && kk && amin >= 10 && tmin > 0) {
      /* large concentrations: lgamma(sum) - sum lgamma + sum (alpha - 1) log theta cancels ~sum(alpha) in size;
       * as saddle-point prefixes log(x^a e^-x / Gamma(a)) it is
       * sum_k P(alpha_k, sa theta_k) - P(sa, sa) + sa (sum theta - 1) - sum log theta */
      lp += sa * dev - urn_log_gamma_prefix(sa, sa);
      for (size_t k = 0; k < K; k++) lp += urn_log_gamma_prefix(alpha[k], sa * t[k]) - log(t[k]);
    } else {
      if (ka) {
        lp += urn_lgamma(sa);
        for (size_t k = 0; k < K; k++) lp -= urn_lgamma(alpha[k]);
      }
      for (size_t k = 0; k < K; k++)
        if (kk && alpha[k] != 1) lp += (alpha[k] - 1) * log(t[k]);
    }
    for (size_t k = 0; k < K; k++) {
      double am1 = alpha[k] - 1;
      if (th->d && am1 != 0) th->d[ot + k] += am1 / t[k];
      /* psi(sum) - psi(alpha_k) without cancellation */
      if (al->d) al->d[oa + k] += dist_digamma_diff(alpha[k], sa - alpha[k]) + log(t[k]);
    }
  }
  *out = lp;
  return URN_OK;
}

/* Checks y / mu shapes against a K x K matrix argument. */
static int mvn_shapes(const char *fn, const urn_darg *a, const char *mlabel, size_t *K,
                      size_t *M, urn_error *err) {
  *K = a[2].rows;
  if (a[2].cols != *K)
    return urn_error_set(err, URN_EREJECT, "%s: Expecting a square matrix; rows of %s (%zu) and "
                         "columns of %s (%zu) must match in size", fn, mlabel, a[2].rows, mlabel,
                         a[2].cols);
  if (a[0].rows != *K || a[1].rows != *K)
    return urn_error_set(err, URN_EREJECT,
                         "%s: Size of random variable (%zu), size of location parameter (%zu) and "
                         "rows of %s (%zu) must match in size",
                         fn, a[0].rows, a[1].rows, mlabel, *K);
  if (item_count(fn, &a[0], "random variable", &a[1], "location parameter", M, err))
    return URN_EREJECT;
  if (CHK("Random variable", a[0], DR_NOT_NAN) || CHK("Location parameter", a[1], DR_FINITE))
    return URN_EREJECT;
  return URN_OK;
}

/* Shared body of multi_normal and multi_normal_cholesky once L is known:
 * per item r = y - mu, z = L^-1 r, w = L^-T z; lp -= z'z / 2; dy -= w,
 * dmu += w.  When zw is not NULL, calls back with (w, z) for the matrix
 * partials. */
typedef void (*mvn_item_fn)(void *ctx, const double *w, const double *z);
static double mvn_items(const urn_darg *a, size_t K, size_t M, const double *L, double *ws,
                        int kk, mvn_item_fn cb, void *ctx) {
  double *r = ws, *z = ws + K, *w = ws + 2 * K, lp = 0;
  int one_y = items(&a[0]) == 1, one_mu = items(&a[1]) == 1;
  for (size_t m = 0; m < M; m++) {
    size_t oy = one_y ? 0 : m * K, om = one_mu ? 0 : m * K;
    for (size_t k = 0; k < K; k++) r[k] = a[0].v[oy + k] - a[1].v[om + k];
    solve_lower(L, K, r, z);
    double q = 0;
    for (size_t k = 0; k < K; k++) q += z[k] * z[k];
    if (kk) lp -= 0.5 * q;
    if (a[0].d || a[1].d || cb) {
      solve_upper_t(L, K, z, w);
      for (size_t k = 0; k < K; k++) {
        if (a[0].d) a[0].d[oy + k] -= w[k];
        if (a[1].d) a[1].d[om + k] += w[k];
      }
      if (cb) cb(ctx, w, z);
    }
  }
  return lp;
}

/* multi_normal: dSigma += w w' / 2 per item. */
typedef struct mvn_ctx {
  double *dS; /* partials of Sigma */
  size_t K;   /* dimension */
} mvn_ctx;
static void mvn_sigma_cb(void *ctx, const double *w, const double *z) {
  mvn_ctx *c = ctx;
  for (size_t j = 0; j < c->K; j++)
    for (size_t i = 0; i < c->K; i++) c->dS[i + j * c->K] += 0.5 * w[i] * w[j];
}

int urn_multi_normal_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  const char *fn = "multi_normal_lpdf";
  size_t K, M;
  if (mvn_shapes(fn, a, "Covariance matrix", &K, &M, err)) return URN_EREJECT;
  if (M == 0 || K == 0) return *out = 0, URN_OK;
  /* workspace: on the stack up to K = 16, one allocation per call beyond */
  double stack_ws[2 * 16 * 16 + 3 * 16];
  double *L = K <= 16 ? stack_ws : urn_xmalloc(sizeof(double) * (2 * K * K + 3 * K));
  double *ws = L + K * K, *inv = ws + 3 * K;
  if (dist_cholesky(fn, "Covariance matrix", a[2].v, K, L, err)) {
    if (L != stack_ws) free(L);
    return URN_EREJECT;
  }
  int kk = !propto || a[0].d || a[1].d || a[2].d;
  double lp = 0, logdet = 0;
  for (size_t k = 0; k < K; k++) logdet += 2 * log(L[k + k * K]);
  if (!propto) lp -= 0.5 * M * K * DIST_LOG_2PI;
  if (!propto || a[2].d) lp -= 0.5 * M * logdet;
  mvn_ctx ctx = {a[2].d, K};
  lp += mvn_items(a, K, M, L, ws, kk, a[2].d ? mvn_sigma_cb : NULL, &ctx);
  if (a[2].d) {
    /* - M/2 Sigma^-1: column j of the inverse solves L L' x = e_j */
    double *e = ws, *z = ws + K;
    for (size_t j = 0; j < K; j++) {
      for (size_t k = 0; k < K; k++) e[k] = k == j;
      solve_lower(L, K, e, z);
      solve_upper_t(L, K, z, inv + j * K);
    }
    for (size_t j = 0; j < K; j++)
      for (size_t i = 0; i < K; i++)
        a[2].d[i + j * K] -= 0.5 * M * 0.5 * (inv[i + j * K] + inv[j + i * K]);
  }
  if (L != stack_ws) free(L);
  *out = lp;
  return URN_OK;
}

/* multi_normal_cholesky: dL[i,j] += w_i z_j for i >= j. */
static void mvnc_l_cb(void *ctx, const double *w, const double *z) {
  mvn_ctx *c = ctx;
  for (size_t j = 0; j < c->K; j++)
    for (size_t i = j; i < c->K; i++) c->dS[i + j * c->K] += w[i] * z[j];
}

int urn_multi_normal_cholesky_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  const char *fn = "multi_normal_cholesky_lpdf";
  size_t K, M;
  if (mvn_shapes(fn, a, "Cholesky factor of covariance matrix", &K, &M, err)) return URN_EREJECT;
  const double *L = a[2].v;
  for (size_t k = 0; k < K; k++)
    if (!(L[k + k * K] > 0) || !isfinite(L[k + k * K]))
      return urn_error_set(err, URN_EREJECT,
                           "%s: Cholesky factor of covariance matrix[%zu,%zu] is %g, but must be "
                           "positive finite!", fn, k + 1, k + 1, L[k + k * K]);
  if (M == 0 || K == 0) return *out = 0, URN_OK;
  double stack_ws[3 * 64];
  double *ws = K <= 64 ? stack_ws : urn_xmalloc(sizeof(double) * 3 * K);
  int kk = !propto || a[0].d || a[1].d || a[2].d;
  double lp = 0;
  if (!propto) lp -= 0.5 * M * K * DIST_LOG_2PI;
  if (!propto || a[2].d)
    for (size_t k = 0; k < K; k++) lp -= M * log(L[k + k * K]);
  mvn_ctx ctx = {a[2].d, K};
  lp += mvn_items(a, K, M, L, ws, kk, a[2].d ? mvnc_l_cb : NULL, &ctx);
  if (a[2].d)
    for (size_t k = 0; k < K; k++) a[2].d[k + k * K] -= M / L[k + k * K];
  if (ws != stack_ws) free(ws);
  *out = lp;
  return URN_OK;
}

double dist_lkj_log_const(size_t K, double eta, double *deta) {
  /* Lewandowski, Kurowicka and Joe (2009):
   * c = -sum_{k=1}^{K-1} [(2 eta - 2 + K - k)(K - k) log 2 + (K - k) lbeta(b_k, b_k)],
   * b_k = eta + (K - k - 1) / 2. */
  double c = 0, dc = 0;
  for (size_t k = 1; k < K; k++) {
    double Kk = (double)(K - k), b = eta + 0.5 * (Kk - 1);
    c -= (2 * eta - 2 + Kk) * Kk * DIST_LOG_2 + Kk * urn_lbeta(b, b);
    if (deta) dc -= 2 * Kk * DIST_LOG_2 + 2 * Kk * (urn_digamma(b) - urn_digamma(2 * b));
  }
  if (deta) *deta = dc;
  return c;
}

int urn_lkj_corr_cholesky_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  const char *fn = "lkj_corr_cholesky_lpdf";
  const double *L = a[0].v;
  size_t K = a[0].rows;
  if (a[0].cols != K || a[0].n != K * K)
    return urn_error_set(err, URN_EREJECT, "%s: Random variable must be a square matrix", fn);
  if (a[1].n != 1) return urn_error_set(err, URN_EREJECT, "%s: Shape parameter must be a scalar", fn);
  if (CHK("Shape parameter", a[1], DR_POS_FINITE)) return URN_EREJECT;
  for (size_t i = 0; i < K; i++) {
    double s = 0;
    for (size_t j = 0; j < K; j++) {
      double v = L[i + j * K];
      if (isnan(v) || (j > i && v != 0) || (j == i && !(v > 0)))
        return urn_error_set(err, URN_EREJECT,
                             "%s: Random variable is not a valid Cholesky factor of a correlation "
                             "matrix: element [%zu,%zu] is %g",
                             fn, i + 1, j + 1, v);
      s += v * v;
    }
    if (!(fabs(s - 1) <= CONSTRAINT_TOL))
      return urn_error_set(err, URN_EREJECT,
                           "%s: Random variable is not a valid Cholesky factor of a correlation "
                           "matrix: row %zu has squared norm %.9g, but should be 1",
                           fn, i + 1, s);
  }
  double eta = a[1].v[0], lp = 0;
  if (!propto || a[1].d) {
    double dc;
    lp += dist_lkj_log_const(K, eta, a[1].d ? &dc : NULL);
    if (a[1].d) a[1].d[0] += dc;
  }
  int kk = !propto || a[0].d || a[1].d;
  for (size_t i = 1; i < K; i++) { /* 0-based diagonal i = Stan's k - 1 */
    double lii = L[i + i * K], coef = (double)K - (double)(i + 1) + 2 * eta - 2;
    if (kk) lp += coef * log(lii);
    if (a[0].d) a[0].d[i + i * K] += coef / lii;
    if (a[1].d) a[1].d[0] += 2 * log(lii);
  }
  *out = lp;
  return URN_OK;
}

int urn_categorical_lpmf(const urn_darg *a, int propto, double *out, urn_error *err) {
  const char *fn = "categorical_lpmf";
  size_t K = a[1].rows;
  if (a[1].n != K) return urn_error_set(err, URN_EREJECT, "%s: Probabilities parameter must be one vector", fn);
  if (dist_check_simplex(fn, "Probabilities parameter", a[1].v, K, err)) return URN_EREJECT;
  for (size_t i = 0; i < a[0].n; i++) {
    int y = a[0].iv[i];
    if (y < 1 || (size_t)y > K || a[1].v[y - 1] == 0) return *out = -INFINITY, URN_OK;
  }
  double lp = 0;
  for (size_t i = 0; i < a[0].n; i++) {
    int y = a[0].iv[i];
    if (!propto || a[1].d) lp += log(a[1].v[y - 1]);
    if (a[1].d) a[1].d[y - 1] += 1 / a[1].v[y - 1];
  }
  *out = lp;
  return URN_OK;
}

int urn_categorical_logit_lpmf(const urn_darg *a, int propto, double *out, urn_error *err) {
  const char *fn = "categorical_logit_lpmf";
  size_t K = a[1].rows;
  if (a[1].n != K || K == 0)
    return urn_error_set(err, URN_EREJECT, "%s: log odds parameter must be one non-empty vector", fn);
  if (CHK("log odds parameter", a[1], DR_FINITE)) return URN_EREJECT;
  for (size_t i = 0; i < a[0].n; i++) {
    int y = a[0].iv[i];
    if (y < 1 || (size_t)y > K) return *out = -INFINITY, URN_OK;
  }
  if (a[0].n == 0) return *out = 0, URN_OK;
  double lse = urn_log_sum_exp(a[1].v, K), lp = 0;
  size_t N = a[0].n;
  for (size_t i = 0; i < N; i++) {
    int y = a[0].iv[i];
    if (!propto || a[1].d) lp += a[1].v[y - 1] - lse;
    if (a[1].d) a[1].d[y - 1] += 1;
  }
  if (a[1].d)
    for (size_t k = 0; k < K; k++) a[1].d[k] -= N * exp(a[1].v[k] - lse);
  *out = lp;
  return URN_OK;
}

double dist_ordlog_term(int k, double e, const double *cut, size_t Km1, double *deta, double *dlo, double *dhi) {
  double lp;
  *dlo = *dhi = 0;
  if (k == 1) {
    double x = e - cut[0];
    lp = urn_log1m_inv_logit(x);
    *deta = -urn_inv_logit(x);
    *dhi = -*deta;
  } else if ((size_t)k == Km1 + 1) {
    double x = e - cut[Km1 - 1];
    lp = urn_log_inv_logit(x);
    *deta = urn_inv_logit(-x);
    *dlo = -*deta;
  } else {
    /* log(inv_logit(u) - inv_logit(v)), u = e - c[k-2] > v = e - c[k-1]:
     * = log_inv_logit(u) + log1m_inv_logit(v) + log1m_exp(v - u) */
    double u = e - cut[k - 2], v = e - cut[k - 1];
    lp = urn_log_inv_logit(u) + urn_log1m_inv_logit(v) + urn_log1m_exp(v - u);
    double em = 1 / expm1(u - v);
    double du = urn_inv_logit(-u) + em, dv = -urn_inv_logit(v) - em;
    *deta = du + dv;
    *dlo = -du;
    *dhi = -dv;
  }
  return lp;
}

/* A term of an ordinal family: log P(Y = k | eta = e, cut-points) and its partials (see dist_ordlog_term). */
typedef double (*ord_term_fn)(int k, double e, const double *cut, size_t Km1, double *deta, double *dlo,
                              double *dhi);

/* ordered_logistic and ordered_probit: y and eta broadcast, c one vector or one per observation. */
static int ordinal_lpmf(const char *fn, ord_term_fn term, const urn_darg *a, int propto, double *out,
                        urn_error *err) {
  const urn_darg *y = &a[0], *eta = &a[1], *c = &a[2];
  size_t Km1 = c->rows, nc = items(c), N;
  if (Km1 == 0) return urn_error_set(err, URN_EREJECT, "%s: Cut-points has size 0, but must have a non-zero size", fn);
  if (y->n != eta->n && y->n != 1 && eta->n != 1)
    return urn_error_set(err, URN_EREJECT, "%s: Size of Random variable (%zu) and Location parameter (%zu) must match in size", fn, y->n, eta->n);
  N = (y->n == 0 || eta->n == 0) ? 0 : y->n > eta->n ? y->n : eta->n;
  if (nc != 1 && nc != N)
    return urn_error_set(err, URN_EREJECT, "%s: Size of Random variable (%zu) and Cut-points (%zu) must match in size", fn, N, nc);
  if (CHK("Location parameter", *eta, DR_FINITE)) return URN_EREJECT;
  for (size_t m = 0; m < nc; m++)
    if (dist_check_ordered(fn, "Cut-points", c->v + m * Km1, Km1, err)) return URN_EREJECT;
  for (size_t i = 0; i < N; i++) {
    int k = DI(y, i);
    if (k < 1 || (size_t)k > Km1 + 1) return *out = -INFINITY, URN_OK;
  }
  int kk = !propto || eta->d || c->d;
  double lp = 0;
  for (size_t i = 0; i < N; i++) {
    int k = DI(y, i);
    double e = DV(eta, i);
    size_t oc = nc == 1 ? 0 : i * Km1;
    const double *cut = c->v + oc;
    double deta, dlo, dhi; /* partials wrt eta, c[k-2], c[k-1] (0-based) */
    double t = term(k, e, cut, Km1, &deta, &dlo, &dhi);
    if (kk) lp += t;
    DADD(eta, i, deta);
    if (c->d) {
      if (k > 1) c->d[oc + k - 2] += dlo;
      if ((size_t)k <= Km1) c->d[oc + k - 1] += dhi;
    }
  }
  *out = lp;
  return URN_OK;
}

int urn_ordered_logistic_lpmf(const urn_darg *a, int propto, double *out, urn_error *err) {
  return ordinal_lpmf("ordered_logistic_lpmf", dist_ordlog_term, a, propto, out, err);
}

/* log(Phi(hi) - Phi(lo)) for lo < hi, on the side where the two are small (no cancellation near 1). */
static double log_phi_diff(double lo, double hi) {
  if (lo > 0) return urn_log_diff_exp(urn_log_Phi(-lo), urn_log_Phi(-hi));
  return urn_log_diff_exp(urn_log_Phi(hi), urn_log_Phi(lo));
}

/* The ordered_probit term: P(Y = k) = Phi(c[k-1] - e) - Phi(c[k-2] - e) with c[-1] = -inf, c[K-1] = inf. */
static double ordprobit_term(int k, double e, const double *cut, size_t Km1, double *deta, double *dlo,
                             double *dhi) {
  double lo = k == 1 ? -INFINITY : cut[k - 2] - e, hi = (size_t)k == Km1 + 1 ? INFINITY : cut[k - 1] - e;
  double lp = k == 1 ? urn_log_Phi(hi) : (size_t)k == Km1 + 1 ? urn_log_Phi(-lo) : log_phi_diff(lo, hi);
  /* d/d c[k-1] = phi(hi) / P, d/d c[k-2] = -phi(lo) / P, d/d eta = -(both) */
  *dhi = isinf(hi) ? 0 : exp(dist_log_phi(hi) - lp);
  *dlo = isinf(lo) ? 0 : -exp(dist_log_phi(lo) - lp);
  *deta = -(*dhi + *dlo);
  return lp;
}

int urn_ordered_probit_lpmf(const urn_darg *a, int propto, double *out, urn_error *err) {
  return ordinal_lpmf("ordered_probit_lpmf", ordprobit_term, a, propto, out, err);
}
