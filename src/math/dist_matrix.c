/* math/dist_matrix.c — distributions over matrices: wishart(W | nu, S),
 * inv_wishart(W | nu, S), their Cholesky-factor forms wishart_cholesky and
 * inv_wishart_cholesky (the density of the factor L of W = L L', Jacobian
 * included, as in Stan), lkj_corr(Sigma | eta) and lkj_cov(y | mu, sigma, eta)
 * (lognormal standard deviations and an LKJ correlation, as Stan defines it),
 * with analytic partials and the rngs (Bartlett's decomposition for the
 * Wishart families, LKJ by the C-vine of lkj_corr_cholesky_rng).  Symmetric
 * matrix arguments get the symmetric gradient and Cholesky factors partials
 * on their lower triangle (dist.h). */
#include <stdlib.h>
#include <string.h>
#include "math/dist_impl.h"
#include "math/linalg.h"
#include "util/util.h"

#define CHK(label, arg, rule) dist_check(fn, label, &(arg), rule, err)

int dist_check_cholesky_factor(const char *fn, const char *label, const double *L, size_t K, urn_error *err) {
  for (size_t j = 0; j < K; j++)
    for (size_t i = 0; i < K; i++) {
      double v = L[i + j * K];
      if (i < j && v != 0)
        return urn_error_set(err, URN_EREJECT, "%s: %s is not lower triangular; %s[%zu,%zu]=%g", fn, label, label,
                             i + 1, j + 1, v);
      if (i == j && !(v > 0 && isfinite(v)))
        return urn_error_set(err, URN_EREJECT, "%s: %s is not a valid Cholesky factor; %s[%zu,%zu]=%g", fn, label,
                             label, i + 1, j + 1, v);
      if (isnan(v)) return urn_error_set(err, URN_EREJECT, "%s: %s[%zu,%zu] is nan", fn, label, i + 1, j + 1);
    }
  return URN_OK;
}

int dist_check_corr(const char *fn, const char *label, const double *S, size_t K, double *L, urn_error *err) {
  for (size_t k = 0; k < K; k++)
    if (!(fabs(S[k + k * K] - 1) <= 1e-8))
      return urn_error_set(err, URN_EREJECT, "%s: %s is not a valid correlation matrix. %s[%zu,%zu] is %g, but should "
                           "be near 1", fn, label, label, k + 1, k + 1, S[k + k * K]);
  return dist_cholesky(fn, label, S, K, L, err);
}

/* The square K x K shape of argument a. */
static int square(const char *fn, const char *label, const urn_darg *a, size_t K, urn_error *err) {
  if (a->rows != K || a->cols != K || a->n != K * K)
    return urn_error_set(err, URN_EREJECT, "%s: %s must be a %zu x %zu matrix (is %zu x %zu)", fn, label, K, K,
                         a->rows, a->cols);
  return URN_OK;
}

/* Copies the lower triangle of a K x K matrix (zeros above). */
static void lower_of(double *L, const double *A, size_t K) {
  for (size_t j = 0; j < K; j++)
    for (size_t i = 0; i < K; i++) L[i + j * K] = i >= j ? A[i + j * K] : 0;
}

/* -K nu/2 log 2 - lmgamma(K, nu/2): the normalizing terms, for propto evaluations in which the trace term
 * is dropped (every other evaluation goes through wishart_core). */
static double wishart_const(size_t K, double nu) { return -0.5 * K * nu * DIST_LOG_2 - urn_lmgamma((int)K, 0.5 * nu); }

/* log det(I + E) - tr(E) for a symmetric K x K matrix E with I + E positive definite (-||E||^2/2 to leading
 * order): the series sum_k>=2 (-1)^(k+1) tr(E^k)/k when ||E||_F < 0.1 (at large nu E is O(nu^-1/2) and the
 * direct difference would keep only the absolute digits of log det), else a Cholesky factor of I + E.
 * *logdet gets log det(I + E).  work: 3 K^2 doubles. */
static double logdet1p_minus_trace(const double *E, size_t K, double *work, double *logdet) {
  double r = 0, trE = 0, f = 0;
  for (size_t i = 0; i < K * K; i++) r += E[i] * E[i];
  for (size_t i = 0; i < K; i++) trE += E[i + i * K];
  r = sqrt(r);
  if (r < 0.1) {
    double *P = work, *Q = work + K * K, rk = r;
    memcpy(P, E, sizeof(double) * K * K);
    for (int k = 2; k < 200; k++) {
      urn_matmul(Q, P, E, K, K, K);
      memcpy(P, Q, sizeof(double) * K * K);
      double t = 0;
      for (size_t i = 0; i < K; i++) t += P[i + i * K];
      f += (k % 2 ? t : -t) / k;
      rk *= r; /* |tr(E^k)| <= ||E||_F^k */
      if (rk / k <= 1e-17 * fabs(f) || rk < 1e-300) break;
    }
  } else {
    double *A = work, *L = work + K * K;
    for (size_t i = 0; i < K * K; i++) A[i] = E[i] + (i % (K + 1) == 0);
    if (urn_cholesky(L, A, K)) f = NAN;
    else f = urn_cholesky_logdet(L, K) - trE;
  }
  *logdet = f + trE;
  return f;
}

/* The nu-dependent core of every Wishart form, -K nu/2 log 2 - lmgamma(K, nu/2) + nu/2 log det(B B')
 * - tr(B B')/2 (B = L_S^-1 L_W, or L_W^-1 L_S for the inverse families), written without cancellation at
 * large nu: with a = nu/2 and B B' = nu (I + E) it is
 *     -K(K-1)/4 log pi + sum_j [a log a - a - lgamma(a + c_j)] + a [log det(I + E) - tr E],  c_j = (1 - j)/2,
 * each bracket through urn_log_gamma_prefix(a + c, a) - c log a (no lgamma of size a log a is subtracted).
 * *dnu gets its nu partial, 1/2 [log det(I + E) + sum_j (log a - psi(a + c_j))].  work: 4 K^2 doubles. */
static double wishart_core(size_t K, double nu, const double *B, double *work, double *dnu) {
  double a = 0.5 * nu, *E = work, ld, lp = -0.25 * K * (K - 1.0) * log(DIST_PI), s = 0;
  urn_matmul_nt(E, B, B, K, K, K);
  for (size_t i = 0; i < K * K; i++) E[i] = E[i] / nu - (i % (K + 1) == 0);
  lp += a * logdet1p_minus_trace(E, K, work + K * K, &ld);
  for (size_t j = 1; j <= K; j++) {
    double c = 0.5 * (1.0 - (double)j);
    lp += urn_log_gamma_prefix(a + c, a) - c * log(a);
    s += dist_log_minus_digamma(a + c) - log1p(c / a); /* log a - psi(a + c) */
  }
  if (dnu) *dnu = 0.5 * (ld + s);
  return lp;
}

/* nu > K - 1 (Stan's check). */
static int dof_check(const char *fn, const urn_darg *nu, size_t K, urn_error *err) {
  if (nu->n != 1) return urn_error_set(err, URN_EREJECT, "%s: Degrees of freedom parameter must be a scalar", fn);
  if (!(nu->v[0] > (double)K - 1) || !isfinite(nu->v[0]))
    return urn_error_set(err, URN_EREJECT, "%s: Degrees of freedom parameter is %g, but must be greater than %g", fn,
                         nu->v[0], (double)K - 1);
  return URN_OK;
}

/* ---------------- wishart and inv_wishart on the matrices themselves ---------------- */

/* inv = 0: wishart = -K nu/2 log 2 - lmgamma - nu/2 logdet S + (nu - K - 1)/2 logdet W - tr(S^-1 W)/2;
 * inv = 1: inv_wishart = -K nu/2 log 2 - lmgamma + nu/2 logdet S - (nu + K + 1)/2 logdet W - tr(S W^-1)/2. */
static int wishart_family(const char *fn, int inv, const urn_darg *a, int propto, double *out, urn_error *err) {
  size_t K = a[0].rows;
  if (square(fn, "random variable", &a[0], K, err) || square(fn, "scale parameter", &a[2], K, err) ||
      dof_check(fn, &a[1], K, err))
    return URN_EREJECT;
  double *buf = urn_xmalloc(sizeof(double) * (5 * K * K + 1)), *LW = buf, *LS = LW + K * K, *Wi = LS + K * K;
  double *Si = Wi + K * K, *T = Si + K * K;
  if (dist_cholesky(fn, "random variable", a[0].v, K, LW, err) ||
      dist_cholesky(fn, "scale parameter", a[2].v, K, LS, err)) {
    free(buf);
    return URN_EREJECT;
  }
  double nu = a[1].v[0], ldW = urn_cholesky_logdet(LW, K), ldS = urn_cholesky_logdet(LS, K), dnu = 0, lp = 0;
  urn_cholesky_inverse(Wi, LW, K);
  urn_cholesky_inverse(Si, LS, K);
  /* the trace term: tr(S^-1 W) or tr(S W^-1) = sum_ij A_ij B_ji */
  const double *A = inv ? a[2].v : Si, *B = inv ? Wi : a[0].v;
  double tr = 0;
  for (size_t j = 0; j < K; j++)
    for (size_t i = 0; i < K; i++) tr += A[i + j * K] * B[j + i * K];
  int vW = a[0].d != NULL, vn = a[1].d != NULL, vS = a[2].d != NULL, full = !propto || (vn && (vW || vS));
  double sS = inv ? 0.5 * nu : -0.5 * nu, sW = inv ? -0.5 * (nu + K + 1) : 0.5 * (nu - K - 1);
  if (full || vn) {
    /* every term, or the nu partial: through wishart_core (B = LS^-1 LW or LW^-1 LS) */
    double *Bm = urn_xmalloc(sizeof(double) * 5 * K * K);
    memcpy(Bm, inv ? LS : LW, sizeof(double) * K * K);
    urn_trsm_lower(inv ? LW : LS, Bm, K, K);
    double core = wishart_core(K, nu, Bm, Bm + K * K, &dnu);
    free(Bm);
    if (vn) a[1].d[0] += dnu;
    if (full) lp = core - 0.5 * (K + 1.0) * ldW;
  }
  if (!full) { /* the terms that vary; constants dropped as Stan drops them */
    if (vn) lp += wishart_const(K, nu);
    if (vn || vS) lp += sS * ldS;
    if (vn || vW) lp += sW * ldW;
    if (vW || vS) lp -= 0.5 * tr;
  }
  if (vW) { /* sW W^-1 - S^-1/2, or sW W^-1 + W^-1 S W^-1 / 2 */
    if (inv) {
      urn_matmul(T, Wi, a[2].v, K, K, K);
      double *U = LW; /* LW is no longer needed */
      urn_matmul(U, T, Wi, K, K, K);
      for (size_t i = 0; i < K * K; i++) a[0].d[i] += sW * Wi[i] + 0.25 * (U[i] + U[(i % K) * K + i / K]);
    } else {
      for (size_t i = 0; i < K * K; i++) a[0].d[i] += sW * Wi[i] - 0.5 * Si[i];
    }
  }
  if (vS) { /* -nu/2 S^-1 + S^-1 W S^-1 / 2, or nu/2 S^-1 - W^-1/2 */
    if (inv) {
      for (size_t i = 0; i < K * K; i++) a[2].d[i] += sS * Si[i] - 0.5 * Wi[i];
    } else {
      urn_matmul(T, Si, a[0].v, K, K, K);
      double *U = LS;
      urn_matmul(U, T, Si, K, K, K);
      for (size_t i = 0; i < K * K; i++) a[2].d[i] += sS * Si[i] + 0.25 * (U[i] + U[(i % K) * K + i / K]);
    }
  }
  free(buf);
  *out = lp;
  return URN_OK;
}

int urn_wishart_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  return wishart_family("wishart_lpdf", 0, a, propto, out, err);
}

int urn_inv_wishart_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  return wishart_family("inv_wishart_lpdf", 1, a, propto, out, err);
}

/* ---------------- the Cholesky-factor forms ----------------
 * wishart_cholesky(L | nu, L_S) = K log 2 (1 - nu/2) - lmgamma + sum_i [(nu - i - 1) log L_ii - nu log L_S,ii]
 *                                 - ||L_S^-1 L||^2 / 2                       (i 0-based);
 * inv_wishart_cholesky(L | nu, L_S) = K log 2 (1 - nu/2) - lmgamma + sum_i [nu log L_S,ii - (nu + i + 1) log L_ii]
 *                                 - ||L^-1 L_S||^2 / 2. */
static int wishart_chol_family(const char *fn, int inv, const urn_darg *a, int propto, double *out, urn_error *err) {
  size_t K = a[0].rows;
  if (square(fn, "random variable", &a[0], K, err) || square(fn, "scale parameter", &a[2], K, err) ||
      dof_check(fn, &a[1], K, err) || dist_check_cholesky_factor(fn, "random variable", a[0].v, K, err) ||
      dist_check_cholesky_factor(fn, "scale parameter", a[2].v, K, err))
    return URN_EREJECT;
  const double *L = a[0].v, *LS = a[2].v;
  double *buf = urn_xmalloc(sizeof(double) * (3 * K * K + 1)), *Bm = buf, *T = Bm + K * K, *U = T + K * K;
  /* B = L_S^-1 L (wishart) or L^-1 L_S (inverse): lower triangular */
  const double *num = inv ? LS : L, *den = inv ? L : LS;
  memcpy(Bm, num, sizeof(double) * K * K);
  urn_trsm_lower(den, Bm, K, K);
  double nu = a[1].v[0], lp = 0, dnu = 0, sq = 0, sls = 0;
  for (size_t i = 0; i < K * K; i++) sq += Bm[i] * Bm[i];
  for (size_t i = 0; i < K; i++) sls += log(LS[i + i * K]);
  int vL = a[0].d != NULL, vn = a[1].d != NULL, vS = a[2].d != NULL, full = !propto || (vn && (vL || vS));
  if (full || vn) { /* every term, or the nu partial: through wishart_core */
    double *work = urn_xmalloc(sizeof(double) * 4 * K * K), core = wishart_core(K, nu, Bm, work, &dnu), lin = 0;
    free(work);
    for (size_t i = 0; i < K; i++) lin += (i + 1.0) * log(L[i + i * K]);
    if (vn) a[1].d[0] += dnu;
    if (full) lp = K * DIST_LOG_2 + core - lin;
  }
  if (!full) { /* the terms that vary; constants dropped as Stan drops them */
    double lin = 0; /* sum_i c_i log L_ii with c_i = nu - i - 1 or -(nu + i + 1) */
    for (size_t i = 0; i < K; i++) lin += (inv ? -(nu + i + 1) : nu - i - 1) * log(L[i + i * K]);
    if (vn) lp += wishart_const(K, nu) + K * DIST_LOG_2;
    if (vn || vL) lp += lin;
    if (vn || vS) lp += (inv ? nu : -nu) * sls;
    if (vL || vS) lp -= 0.5 * sq;
  }
  /* d(-||B||^2/2): wishart B = LS^-1 L: d/dL = -LS^-T B, d/dLS = LS^-T B B';
   * inverse B = L^-1 LS: d/dL = L^-T B B', d/dLS = -L^-T B */
  if (vL || vS) {
    memcpy(T, Bm, sizeof(double) * K * K);
    urn_trsm_lower_t(den, T, K, K);          /* den^-T B */
    urn_matmul_nt(U, T, Bm, K, K, K);        /* den^-T B B' */
    const double *dnum = T, *dden = U;       /* -den^-T B goes to num, +den^-T B B' to den */
    double *gnum = inv ? (vS ? a[2].d : NULL) : (vL ? a[0].d : NULL);
    double *gden = inv ? (vL ? a[0].d : NULL) : (vS ? a[2].d : NULL);
    for (size_t j = 0; j < K; j++)
      for (size_t i = j; i < K; i++) {
        if (gnum) gnum[i + j * K] -= dnum[i + j * K];
        if (gden) gden[i + j * K] += dden[i + j * K];
      }
  }
  for (size_t i = 0; i < K; i++) {
    if (vL) a[0].d[i + i * K] += (inv ? -(nu + i + 1) : nu - i - 1) / L[i + i * K];
    if (vS) a[2].d[i + i * K] += (inv ? nu : -nu) / LS[i + i * K];
  }
  free(buf);
  *out = lp;
  return URN_OK;
}

int urn_wishart_cholesky_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  return wishart_chol_family("wishart_cholesky_lpdf", 0, a, propto, out, err);
}

int urn_inv_wishart_cholesky_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  return wishart_chol_family("inv_wishart_cholesky_lpdf", 1, a, propto, out, err);
}

/* ---------------- rngs ---------------- */

/* Bartlett: the Cholesky factor C L_A of a Wishart(nu, C C') draw, L_A lower triangular with
 * L_A[i,i]^2 ~ chi-square(nu - i) (i 0-based) and standard normals below the diagonal. */
static void bartlett(urn_rng *r, double nu, const double *C, size_t K, double *out, double *A) {
  memset(A, 0, sizeof(double) * K * K);
  for (size_t j = 0; j < K; j++) {
    A[j + j * K] = sqrt(2 * dist_gamma_draw(r, 0.5 * (nu - (double)j)));
    for (size_t i = j + 1; i < K; i++) A[i + j * K] = urn_rng_normal(r);
  }
  urn_matmul(out, C, A, K, K, K);
}

/* The scale's Cholesky factor: chol(S) (from_matrix) or its lower triangle. */
static int rng_scale(const char *fn, const urn_darg *p, int from_matrix, double *L, urn_error *err) {
  size_t K = p[1].rows;
  if (square(fn, "scale parameter", &p[1], K, err) || dof_check(fn, &p[0], K, err)) return URN_EREJECT;
  if (from_matrix) return dist_cholesky(fn, "scale parameter", p[1].v, K, L, err);
  if (dist_check_cholesky_factor(fn, "scale parameter", p[1].v, K, err)) return URN_EREJECT;
  lower_of(L, p[1].v, K);
  return URN_OK;
}

/* kind: 0 wishart, 1 wishart_cholesky, 2 inv_wishart, 3 inv_wishart_cholesky. */
static int wishart_rng(const char *fn, int kind, urn_rng *r, const urn_darg *p, size_t n, double *out,
                       urn_error *err) {
  size_t K = p[1].rows;
  if (n != K * K) return urn_error_set(err, URN_EREJECT, "%s: output size %zu is not %zu", fn, n, K * K);
  double *buf = urn_xmalloc(sizeof(double) * (4 * K * K + 1)), *L = buf, *A = L + K * K, *C = A + K * K;
  double *T = C + K * K;
  if (rng_scale(fn, p, kind == 0 || kind == 2, L, err)) {
    free(buf);
    return URN_EREJECT;
  }
  if (kind < 2) {
    bartlett(r, p[0].v[0], L, K, C, A); /* C C' ~ Wishart(nu, S) */
    if (kind == 1) memcpy(out, C, sizeof(double) * K * K);
    else urn_matmul_nt(out, C, C, K, K, K);
  } else {
    /* W ~ inv_wishart(nu, S) iff W^-1 ~ wishart(nu, S^-1); chol(S^-1) = L^-T up to the triangle, so draw
     * W^-1 = L^-T A A' L^-1 and W = L A^-T A^-1 L' */
    bartlett(r, p[0].v[0], L, K, C, A); /* fills A (C = L A is not needed) */
    double *Lt = C;                      /* T = L A^-T: solve A X = L', T = X' */
    urn_transpose(Lt, L, K, K);
    urn_trsm_lower(A, Lt, K, K); /* A^-1 L' */
    urn_transpose(T, Lt, K, K);  /* L A^-T */
    urn_matmul_nt(out, T, T, K, K, K);
    if (kind == 3) {
      if (urn_cholesky(T, out, K) != 0) {
        free(buf);
        return urn_error_set(err, URN_EREJECT, "%s: the draw is not numerically positive definite", fn);
      }
      memcpy(out, T, sizeof(double) * K * K);
    }
  }
  if (kind == 0 || kind == 2) /* exactly symmetric */
    for (size_t j = 0; j < K; j++)
      for (size_t i = j + 1; i < K; i++) out[j + i * K] = out[i + j * K];
  free(buf);
  return URN_OK;
}

int urn_wishart_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout, urn_error *err) {
  return wishart_rng("wishart_rng", 0, r, p, n, out, err);
}
int urn_wishart_cholesky_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout, urn_error *err) {
  return wishart_rng("wishart_cholesky_rng", 1, r, p, n, out, err);
}
int urn_inv_wishart_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout, urn_error *err) {
  return wishart_rng("inv_wishart_rng", 2, r, p, n, out, err);
}
int urn_inv_wishart_cholesky_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout, urn_error *err) {
  return wishart_rng("inv_wishart_cholesky_rng", 3, r, p, n, out, err);
}

/* ---------------- lkj_corr(Sigma | eta) = c_K(eta) det(Sigma)^(eta - 1) ---------------- */

int urn_lkj_corr_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  const char *fn = "lkj_corr_lpdf";
  size_t K = a[0].rows;
  if (square(fn, "Correlation matrix", &a[0], K, err)) return URN_EREJECT;
  if (a[1].n != 1) return urn_error_set(err, URN_EREJECT, "%s: Shape parameter must be a scalar", fn);
  if (CHK("Shape parameter", a[1], DR_POS_FINITE)) return URN_EREJECT;
  double *L = urn_xmalloc(sizeof(double) * (2 * K * K + 1)), *inv = L + K * K;
  if (dist_check_corr(fn, "Correlation matrix", a[0].v, K, L, err)) {
    free(L);
    return URN_EREJECT;
  }
  double eta = a[1].v[0], lp = 0, ld = urn_cholesky_logdet(L, K);
  if (!propto || a[1].d) {
    double dc;
    lp += dist_lkj_log_const(K, eta, a[1].d ? &dc : NULL);
    if (a[1].d) a[1].d[0] += dc + ld;
  }
  if (!propto || a[0].d || a[1].d) lp += (eta - 1) * ld;
  if (a[0].d) {
    urn_cholesky_inverse(inv, L, K);
    for (size_t i = 0; i < K * K; i++) a[0].d[i] += (eta - 1) * inv[i];
  }
  free(L);
  *out = lp;
  return URN_OK;
}

int urn_lkj_corr_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout, urn_error *err) {
  size_t K = (size_t)(p[0].iv[0] > 0 ? p[0].iv[0] : 0);
  double *L = urn_xmalloc(sizeof(double) * (K * K + 1));
  int rc = urn_lkj_corr_cholesky_rng(r, p, n, L, iout, err);
  if (rc == URN_OK && K) {
    urn_matmul_nt(out, L, L, K, K, K);
    for (size_t k = 0; k < K; k++) out[k + k * K] = 1;
  }
  free(L);
  if (rc != URN_OK && err && !strncmp(err->msg, "lkj_corr_cholesky_rng", 21)) /* name this function */
    urn_error_set(err, URN_EREJECT, "lkj_corr_rng%s", err->msg + 21);
  return rc;
}

/* ---------------- lkj_cov(y | mu, sigma, eta) ----------------
 * Stan's definition: the standard deviations s = sqrt(diag(y)) are lognormal(mu, sigma) and the correlation
 * D^-1 y D^-1 (D = diag(s)) is lkj_corr(eta); no Jacobian of that change of variables. */
int urn_lkj_cov_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  const char *fn = "lkj_cov_lpdf";
  const urn_darg *y = &a[0], *mu = &a[1], *sg = &a[2], *et = &a[3];
  size_t K = y->rows;
  if (square(fn, "Covariance matrix", y, K, err)) return URN_EREJECT;
  if (mu->n != K || sg->n != K)
    return urn_error_set(err, URN_EREJECT, "%s: Size of location parameter (%zu) and scale parameter (%zu) must "
                         "match the covariance matrix's size (%zu)", fn, mu->n, sg->n, K);
  if (CHK("Location parameter", *mu, DR_FINITE) || CHK("Scale parameter", *sg, DR_POS_FINITE) ||
      CHK("Shape parameter", *et, DR_POS_FINITE))
    return URN_EREJECT;
  double *buf = urn_xmalloc(sizeof(double) * (3 * K * K + 2 * K + 1)), *C = buf, *L = C + K * K, *Ci = L + K * K;
  double *s = Ci + K * K, *gs = s + K;
  if (dist_cholesky(fn, "Covariance matrix", y->v, K, L, err)) {
    free(buf);
    return URN_EREJECT;
  }
  for (size_t k = 0; k < K; k++) s[k] = sqrt(y->v[k + k * K]), gs[k] = 0;
  for (size_t j = 0; j < K; j++)
    for (size_t i = 0; i < K; i++) C[i + j * K] = i == j ? 1 : y->v[i + j * K] / (s[i] * s[j]);
  urn_cholesky(L, C, K);
  double eta = et->v[0], lp = 0, ld = urn_cholesky_logdet(L, K);
  /* the lognormal standard deviations */
  for (size_t k = 0; k < K; k++) {
    double ls = log(s[k]), z = (ls - mu->v[k]) / sg->v[k];
    if (!propto) lp -= DIST_HALF_LOG_2PI;
    if (!propto || sg->d) lp -= log(sg->v[k]);
    if (!propto || y->d) lp -= ls;
    if (!propto || y->d || mu->d || sg->d) lp -= 0.5 * z * z;
    gs[k] = -(1 + z / sg->v[k]) / s[k];
    if (mu->d) mu->d[k] += z / sg->v[k];
    if (sg->d) sg->d[k] += (z * z - 1) / sg->v[k];
  }
  /* the LKJ correlation */
  if (!propto || et->d) {
    double dc;
    lp += dist_lkj_log_const(K, eta, et->d ? &dc : NULL);
    if (et->d) et->d[0] += dc + ld;
  }
  if (!propto || y->d || et->d) lp += (eta - 1) * ld;
  if (y->d) {
    /* d/dy_ij (i != j) = (eta - 1) C^-1_ij / (s_i s_j); d/dy_ii through s_i: the correlation part
     * -(eta - 1)(1 - C^-1_ii) / y_ii, the lognormal part gs_i / (2 s_i) */
    urn_cholesky_inverse(Ci, L, K);
    for (size_t j = 0; j < K; j++)
      for (size_t i = 0; i < K; i++) {
        if (i != j) y->d[i + j * K] += (eta - 1) * Ci[i + j * K] / (s[i] * s[j]);
        else y->d[i + i * K] += -(eta - 1) * (1 - Ci[i + i * K]) / (s[i] * s[i]) + gs[i] / (2 * s[i]);
      }
  }
  free(buf);
  *out = lp;
  return URN_OK;
}
