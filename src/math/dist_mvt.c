/* math/dist_mvt.c — more multivariate normal and Student-t forms:
 * multi_normal_prec(y | mu, Omega) (precision matrix), multi_student_t(y | nu,
 * mu, Sigma), multi_student_t_cholesky(y | nu, mu, L), multi_gp(y | Sigma, w)
 * and multi_gp_cholesky(y | L, w) (the rows of y independent normals with
 * covariance Sigma / w[i]), with analytic partials, and the Student-t rngs.
 * y and mu are one vector or arrays of them (an item count of 1 broadcasts),
 * as for multi_normal.  Matrix partials follow dist.h: a covariance or
 * precision matrix gets the symmetric gradient (the same value at [i,j] and
 * [j,i]); a Cholesky factor gets partials on its lower triangle only. */
#include <stdlib.h>
#include <string.h>
#include "math/dist_impl.h"
#include "math/linalg.h"
#include "util/util.h"

#define CHK(label, arg, rule) dist_check(fn, label, &(arg), rule, err)

/* Number of items of a multivariate argument. */
static size_t items(const urn_darg *a) {
  size_t per = a->rows * (a->cols ? a->cols : 1);
  return per ? a->n / per : 0;
}

/* Shapes of (y, mu, K x K matrix S): K, and the item count M (1 broadcasts). */
static int mv_shapes(const char *fn, const urn_darg *y, const urn_darg *mu, const urn_darg *S, const char *slabel,
                     size_t *K, size_t *M, urn_error *err) {
  *K = S->rows;
  if (S->cols != *K)
    return urn_error_set(err, URN_EREJECT, "%s: Expecting a square matrix; rows of %s (%zu) and columns of %s (%zu) "
                         "must match in size", fn, slabel, S->rows, slabel, S->cols);
  if (y->rows != *K || mu->rows != *K)
    return urn_error_set(err, URN_EREJECT, "%s: Size of random variable (%zu), size of location parameter (%zu) and "
                         "rows of %s (%zu) must match in size", fn, y->rows, mu->rows, slabel, *K);
  size_t my = items(y), mm = items(mu);
  if (my != 1 && mm != 1 && my != mm)
    return urn_error_set(err, URN_EREJECT, "%s: Size of random variable (%zu) and location parameter (%zu) must "
                         "match in size", fn, my, mm);
  *M = (my == 0 || mm == 0) ? 0 : my > mm ? my : mm;
  if (CHK("Random variable", *y, DR_NOT_NAN) || CHK("Location parameter", *mu, DR_FINITE)) return URN_EREJECT;
  return URN_OK;
}

/* The Cholesky factor argument's diagonal must be positive and finite. */
static int chol_diag(const char *fn, const char *label, const double *L, size_t K, urn_error *err) {
  for (size_t k = 0; k < K; k++)
    if (!(L[k + k * K] > 0) || !isfinite(L[k + k * K]))
      return urn_error_set(err, URN_EREJECT, "%s: %s[%zu,%zu] is %g, but must be positive finite!", fn, label, k + 1,
                           k + 1, L[k + k * K]);
  return URN_OK;
}

/* Adds c * (A + A') / 2 to the symmetric-gradient buffer D (K x K). */
static void add_sym(double *D, const double *A, double c, size_t K) {
  for (size_t j = 0; j < K; j++)
    for (size_t i = 0; i < K; i++) D[i + j * K] += c * 0.5 * (A[i + j * K] + A[j + i * K]);
}

/* ---------------- multi_normal_prec(y | mu, Omega) ---------------- */

int urn_multi_normal_prec_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  const char *fn = "multi_normal_prec_lpdf";
  size_t K, M;
  if (mv_shapes(fn, &a[0], &a[1], &a[2], "Precision matrix", &K, &M, err)) return URN_EREJECT;
  double *L = urn_xmalloc(sizeof(double) * (3 * K * K + 2 * K + 1)), *inv = L + K * K, *W = inv + K * K;
  double *r = W + K * K, *w = r + K;
  if (dist_cholesky(fn, "Precision matrix", a[2].v, K, L, err)) {
    free(L);
    return URN_EREJECT;
  }
  const double *Om = a[2].v;
  int one_y = items(&a[0]) == 1, one_mu = items(&a[1]) == 1;
  double lp = 0, sq = 0;
  if (!propto) lp -= 0.5 * M * K * DIST_LOG_2PI;
  if (!propto || a[2].d) lp += 0.5 * M * urn_cholesky_logdet(L, K);
  if (a[2].d) memset(W, 0, sizeof(double) * K * K);
  for (size_t m = 0; m < M; m++) {
    size_t oy = one_y ? 0 : m * K, om = one_mu ? 0 : m * K;
    for (size_t k = 0; k < K; k++) r[k] = a[0].v[oy + k] - a[1].v[om + k];
    urn_matvec(w, Om, r, K, K); /* Omega r */
    sq += urn_dot(r, w, K);
    for (size_t k = 0; k < K; k++) {
      if (a[0].d) a[0].d[oy + k] -= w[k];
      if (a[1].d) a[1].d[om + k] += w[k];
    }
    if (a[2].d) /* -r r' / 2 */
      for (size_t j = 0; j < K; j++)
        for (size_t i = 0; i < K; i++) W[i + j * K] -= 0.5 * r[i] * r[j];
  }
  if (!propto || a[0].d || a[1].d || a[2].d) lp -= 0.5 * sq;
  if (a[2].d) {
    urn_cholesky_inverse(inv, L, K);
    for (size_t i = 0; i < K * K; i++) a[2].d[i] += W[i] + 0.5 * M * inv[i];
  }
  free(L);
  *out = lp;
  return URN_OK;
}

/* ---------------- multi_student_t(y | nu, mu, Sigma) and its Cholesky form ---------------- */

/* Everything of the Student-t density but the scale matrix: per item r = y - mu, z = L^-1 r, q = z'z,
 * w = L^-T z; adds the y / mu / nu partials and, through cb, the matrix partial of each item (weight
 * (nu + K) / (nu + q) on w w' or w z'). */
typedef struct mvt_state {
  const urn_darg *a; /* arguments (y, nu, mu, matrix) */
  const double *L;   /* lower Cholesky factor of Sigma */
  size_t K, M;       /* dimension, items */
  int chol;          /* the matrix argument is L itself */
  double *dS;        /* partials of the matrix argument, or NULL */
} mvt_state;

static double mvt_items(mvt_state *s, double *ws, int kk, double *dnu) {
  const urn_darg *a = s->a;
  size_t K = s->K;
  double nu = a[1].v[0], lp = 0, *r = ws, *z = ws + K, *w = ws + 2 * K;
  int inf_nu = isinf(nu);
  int one_y = items(&a[0]) == 1, one_mu = items(&a[2]) == 1;
  for (size_t m = 0; m < s->M; m++) {
    size_t oy = one_y ? 0 : m * K, om = one_mu ? 0 : m * K;
    for (size_t k = 0; k < K; k++) r[k] = a[0].v[oy + k] - a[2].v[om + k];
    memcpy(z, r, sizeof(double) * K);
    urn_trsm_lower(s->L, z, K, 1);
    double q = urn_dot(z, z, K);
    memcpy(w, z, sizeof(double) * K);
    urn_trsm_lower_t(s->L, w, K, 1);
    /* -(nu + K)/2 log1p(q / nu) -> -q/2 as nu -> inf */
    double c = inf_nu ? 1 : (nu + K) / (nu + q);
    if (kk) lp -= inf_nu ? 0.5 * q : 0.5 * (nu + K) * log1p(q / nu);
    for (size_t k = 0; k < K; k++) {
      if (a[0].d) a[0].d[oy + k] -= c * w[k];
      if (a[2].d) a[2].d[om + k] += c * w[k];
    }
    if (dnu && !inf_nu) *dnu += -0.5 * log1p(q / nu) + 0.5 * (nu + K) * q / (nu * (nu + q));
    if (s->dS) {
      if (s->chol) /* d/dL of -(nu + K)/2 log1p(q/nu): c w z' on the lower triangle */
        for (size_t j = 0; j < K; j++)
          for (size_t i = j; i < K; i++) s->dS[i + j * K] += c * w[i] * z[j];
      else /* c w w' / 2 */
        for (size_t j = 0; j < K; j++)
          for (size_t i = 0; i < K; i++) s->dS[i + j * K] += 0.5 * c * w[i] * w[j];
    }
  }
  return lp;
}

static int mvt_lpdf(const char *fn, int chol, const urn_darg *a, int propto, double *out, urn_error *err) {
  const char *mlabel = chol ? "Cholesky factor of scale matrix" : "Scale parameter";
  size_t K, M;
  if (a[1].n != 1) return urn_error_set(err, URN_EREJECT, "%s: Degrees of freedom parameter must be a scalar", fn);
  if (CHK("Degrees of freedom parameter", a[1], DR_NOT_NAN) || CHK("Degrees of freedom parameter", a[1], DR_POSITIVE) ||
      mv_shapes(fn, &a[0], &a[2], &a[3], mlabel, &K, &M, err))
    return URN_EREJECT;
  if (M == 0 || K == 0) return *out = 0, URN_OK;
  double *buf = urn_xmalloc(sizeof(double) * (K * K + 3 * K)), *L = buf, *ws = buf + K * K;
  if (chol) {
    if (chol_diag(fn, mlabel, a[3].v, K, err)) {
      free(buf);
      return URN_EREJECT;
    }
    for (size_t j = 0; j < K; j++) /* only the lower triangle is read */
      for (size_t i = 0; i < K; i++) L[i + j * K] = i >= j ? a[3].v[i + j * K] : 0;
  } else if (dist_cholesky(fn, mlabel, a[3].v, K, L, err)) {
    free(buf);
    return URN_EREJECT;
  }
  double nu = a[1].v[0], lp = 0, dnu = 0, logdet = urn_cholesky_logdet(L, K);
  int inf_nu = isinf(nu);
  if (!propto) lp -= 0.5 * M * K * DIST_LOG_PI;
  if (!propto || a[1].d) {
    /* lgamma((nu + K)/2) - lgamma(nu/2) - K/2 log(nu) -> -K/2 log 2 as nu -> inf */
    lp += inf_nu ? -0.5 * M * K * DIST_LOG_2 : M * (urn_log_rising_factorial(0.5 * nu, 0.5 * K) - 0.5 * K * log(nu));
    if (a[1].d && !inf_nu) dnu += M * (0.5 * dist_digamma_diff(0.5 * nu, 0.5 * K) - 0.5 * K / nu);
  }
  if (!propto || a[3].d) lp -= 0.5 * M * logdet;
  mvt_state s = {a, L, K, M, chol, a[3].d};
  lp += mvt_items(&s, ws, !propto || a[0].d || a[1].d || a[2].d || a[3].d, a[1].d ? &dnu : NULL);
  if (a[1].d) a[1].d[0] += inf_nu ? 0 : dnu;
  if (a[3].d) {
    if (chol)
      for (size_t k = 0; k < K; k++) a[3].d[k + k * K] -= M / L[k + k * K];
    else {
      double *inv = urn_xmalloc(sizeof(double) * K * K);
      urn_cholesky_inverse(inv, L, K);
      add_sym(a[3].d, inv, -0.5 * M, K);
      free(inv);
    }
  }
  free(buf);
  *out = lp;
  return URN_OK;
}

int urn_multi_student_t_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  return mvt_lpdf("multi_student_t_lpdf", 0, a, propto, out, err);
}

int urn_multi_student_t_cholesky_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  return mvt_lpdf("multi_student_t_cholesky_lpdf", 1, a, propto, out, err);
}

/* multi_student_t_rng(nu, mu, Sigma): mu + L z sqrt(nu / W), W ~ chi-square(nu), one W per location. */
static int mvt_rng(const char *fn, int chol, urn_rng *r, const urn_darg *p, size_t n, double *out, urn_error *err) {
  const char *mlabel = chol ? "Cholesky factor of scale matrix" : "Scale parameter";
  size_t K = p[2].rows;
  if (p[2].cols != K) return urn_error_set(err, URN_EREJECT, "%s: Expecting a square matrix", fn);
  if (p[1].rows != K)
    return urn_error_set(err, URN_EREJECT, "%s: Size of location parameter (%zu) and rows of %s (%zu) must match in "
                         "size", fn, p[1].rows, mlabel, K);
  if (CHK("Degrees of freedom parameter", p[0], DR_NOT_NAN) || CHK("Degrees of freedom parameter", p[0], DR_POSITIVE) ||
      CHK("Location parameter", p[1], DR_FINITE))
    return URN_EREJECT;
  if (n != p[1].n) return urn_error_set(err, URN_EREJECT, "%s: output size %zu is not %zu", fn, n, p[1].n);
  double *L = urn_xmalloc(sizeof(double) * (K * K + 1));
  if (chol) {
    if (chol_diag(fn, mlabel, p[2].v, K, err)) {
      free(L);
      return URN_EREJECT;
    }
    for (size_t j = 0; j < K; j++)
      for (size_t i = 0; i < K; i++) L[i + j * K] = i >= j ? p[2].v[i + j * K] : 0;
  } else if (dist_cholesky(fn, mlabel, p[2].v, K, L, err)) {
    free(L);
    return URN_EREJECT;
  }
  double nu = p[0].v[0];
  for (size_t m = 0; K && m < n / K; m++) {
    double s = isinf(nu) ? 1 : sqrt(nu / (2 * dist_gamma_draw(r, 0.5 * nu)));
    double *o = out + m * K;
    const double *mu = p[1].v + m * K;
    for (size_t k = 0; k < K; k++) o[k] = mu[k];
    for (size_t j = 0; j < K; j++) {
      double z = urn_rng_normal(r) * s;
      for (size_t i = j; i < K; i++) o[i] += L[i + j * K] * z;
    }
  }
  free(L);
  return URN_OK;
}

int urn_multi_student_t_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout, urn_error *err) {
  return mvt_rng("multi_student_t_rng", 0, r, p, n, out, err);
}

int urn_multi_student_t_cholesky_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout,
                                     urn_error *err) {
  return mvt_rng("multi_student_t_cholesky_rng", 1, r, p, n, out, err);
}

/* ---------------- multi_gp(y | Sigma, w), multi_gp_cholesky(y | L, w) ----------------
 * y is K x N; row i of y is normal(0, Sigma / w[i]) with Sigma N x N. */

static int gp_lpdf(const char *fn, int chol, const urn_darg *a, int propto, double *out, urn_error *err) {
  const char *mlabel = chol ? "Cholesky factor of the kernel matrix" : "Kernel matrix";
  const urn_darg *y = &a[0], *S = &a[1], *w = &a[2];
  size_t K = y->rows, N = y->cols;
  if (S->rows != N || S->cols != N)
    return urn_error_set(err, URN_EREJECT, "%s: Size of random variable (columns %zu) and %s (%zu x %zu) must match "
                         "in size", fn, N, mlabel, S->rows, S->cols);
  if (w->n != K)
    return urn_error_set(err, URN_EREJECT, "%s: Size of random variable (rows %zu) and kernel scales (%zu) must "
                         "match in size", fn, K, w->n);
  if (CHK("Kernel scales", *w, DR_POS_FINITE) || CHK("Random variable", *y, DR_FINITE)) return URN_EREJECT;
  if (K == 0 || N == 0) return *out = 0, URN_OK;
  double *L = urn_xmalloc(sizeof(double) * (2 * N * N + 2 * N)), *V = L + N * N, *z = V + N * N, *v = z + N;
  if (chol) {
    if (chol_diag(fn, mlabel, S->v, N, err)) {
      free(L);
      return URN_EREJECT;
    }
    for (size_t j = 0; j < N; j++)
      for (size_t i = 0; i < N; i++) L[i + j * N] = i >= j ? S->v[i + j * N] : 0;
  } else if (dist_cholesky(fn, mlabel, S->v, N, L, err)) {
    free(L);
    return URN_EREJECT;
  }
  double lp = 0;
  if (!propto) lp -= 0.5 * K * N * DIST_LOG_2PI;
  if (!propto || S->d) lp -= 0.5 * K * urn_cholesky_logdet(L, N);
  if (S->d) memset(V, 0, sizeof(double) * N * N);
  int kk = !propto || y->d || S->d || w->d;
  for (size_t i = 0; i < K; i++) {
    double wi = w->v[i];
    for (size_t t = 0; t < N; t++) z[t] = y->v[i + t * K]; /* row i */
    urn_trsm_lower(L, z, N, 1);
    double q = urn_dot(z, z, N);
    memcpy(v, z, sizeof(double) * N);
    urn_trsm_lower_t(L, v, N, 1); /* Sigma^-1 y_i' */
    if (!propto || w->d) lp += 0.5 * N * log(wi);
    if (kk) lp -= 0.5 * wi * q;
    if (w->d) w->d[i] += 0.5 * N / wi - 0.5 * q;
    if (y->d)
      for (size_t t = 0; t < N; t++) y->d[i + t * K] -= wi * v[t];
    if (S->d) {
      if (chol)
        for (size_t c = 0; c < N; c++)
          for (size_t r = c; r < N; r++) V[r + c * N] += wi * v[r] * z[c];
      else
        for (size_t c = 0; c < N; c++)
          for (size_t r = 0; r < N; r++) V[r + c * N] += 0.5 * wi * v[r] * v[c];
    }
  }
  if (S->d) {
    if (chol) {
      for (size_t k = 0; k < N; k++) V[k + k * N] -= K / L[k + k * N];
      for (size_t i = 0; i < N * N; i++) S->d[i] += V[i];
    } else {
      double *inv = urn_xmalloc(sizeof(double) * N * N);
      urn_cholesky_inverse(inv, L, N);
      for (size_t i = 0; i < N * N; i++) S->d[i] += V[i] - 0.5 * K * inv[i];
      free(inv);
    }
  }
  free(L);
  *out = lp;
  return URN_OK;
}

int urn_multi_gp_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  return gp_lpdf("multi_gp_lpdf", 0, a, propto, out, err);
}

int urn_multi_gp_cholesky_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  return gp_lpdf("multi_gp_cholesky_lpdf", 1, a, propto, out, err);
}
