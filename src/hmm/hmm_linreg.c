/* hmm/hmm_linreg.c — the joint M-step of the linear-regression HMM when some
 * coefficients are shared by all states (m->shared_coef: non-switching inputs,
 * statsmodels' switching_exog=False) or the covariance is (m->shared_cov).
 *
 * With z = [x; 1] (n = M + 1), state k's coefficients B_k (D x n) and the
 * E-step's weighted sums G_k = sum_t w_tk z z', H_k = sum_t w_tk z y',
 * Y_k = sum_t w_tk y y', the expected complete-data log-likelihood is
 *   -1/2 sum_k [N_k log det S_k + tr(S_k^-1 (Y_k - 2 B_k H_k + B_k G_k B_k'))].
 * A shared column of B_k is one unknown for every k.  Step 1 maximises over
 * the coefficients with the covariances held (weighted least squares over all
 * states jointly: one symmetric system of D s + K D (n - s) unknowns for s
 * shared columns), step 2 over the covariances given them (each state's
 * residual scatter / N_k, or the pooled scatter / N when shared).  Each step
 * raises the expected log-likelihood, so EM stays monotone (an ECM step);
 * with a shared covariance step 1 does not depend on it and the pair is the
 * exact M-step. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hmm/hmm_internal.h"
#include "math/linalg.h"
#include "util/util.h"

/* Column i of z is shared by all states (the intercept, i = M, never is). */
static int is_shared(const urn_hmm_model *m, int i) { return i < m->M && i < 64 && ((m->shared_coef >> i) & 1ULL); }

/* The layout of the unknowns: shared entries (d, i) first, then each state's switching ones. */
typedef struct lr_layout {
  int n;      /* columns of z: M + 1 */
  int D;      /* emission dimension */
  int *pos;   /* n entries: index among the shared (if shared) or switching columns */
  int s, r;   /* numbers of shared and switching columns */
} lr_layout;

/* Index of coefficient (state k, dimension d, column i) in the unknowns. */
static int lr_at(const urn_hmm_model *m, const lr_layout *L, int k, int d, int i) {
  return is_shared(m, i) ? d * L->s + L->pos[i] : L->D * L->s + (k * L->D + d) * L->r + L->pos[i];
}

/* The state's G (n x n) and H (n x D) from the statistics, cov_floor on G's diagonal. */
static void lr_gram(const urn_hmm_model *m, const urn_hmm_stats *st, int k, double *G, double *H) {
  int M = m->M, D = m->D, n = M + 1;
  const double *sxx = st->sum_xx + (size_t)k * M * M, *sx = st->sum_x + (size_t)k * M;
  const double *sxy = st->sum_xy + (size_t)k * M * D, *sy = st->sum_y + (size_t)k * D;
  for (int i = 0; i < M; i++) {
    for (int j = 0; j < M; j++) G[i * n + j] = sxx[i * M + j];
    G[i * n + M] = G[M * n + i] = sx[i];
    for (int d = 0; d < D; d++) H[i * D + d] = sxy[i * D + d];
  }
  G[M * n + M] = st->sum_w[k];
  for (int d = 0; d < D; d++) H[M * D + d] = sy[d];
  if (m->cov_floor > 0)
    for (int i = 0; i < n; i++) G[i * n + i] += m->cov_floor;
}

/* State k's residual scatter Y - B H - (B H)' + B G B' (D x D) into R. */
static void lr_scatter(const urn_hmm_model *m, const urn_hmm_stats *st, int k, const double *B, const double *G,
                       const double *H, double *R) {
  int D = m->D, n = m->M + 1;
  const double *syy = st->sum_yy + (size_t)k * D * D;
  for (int d = 0; d < D; d++)
    for (int e = 0; e < D; e++) {
      double v = syy[d * D + e];
      for (int i = 0; i < n; i++) {
        v -= B[d * n + i] * H[i * D + e] + B[e * n + i] * H[i * D + d];
        for (int j = 0; j < n; j++) v += B[d * n + i] * G[i * n + j] * B[e * n + j];
      }
      R[d * D + e] = v;
    }
}

/* Step 1: the normal equations sum_k S_k^-1 (B_k G_k - H_k') = 0 over the unknowns, solved by Cholesky. */
static int lr_solve(const urn_hmm_model *m, const urn_hmm_stats *st, const urn_hmm_params *p, const lr_layout *L,
                    const double *Gs, const double *Hs, double *x, int iteration, urn_error *err) {
  int K = m->K, D = m->D, n = L->n, P = D * L->s + K * D * L->r;
  double *A = urn_xcalloc((size_t)P * P, sizeof(double)), *F = urn_xmalloc(sizeof(double) * (size_t)P * P);
  double *Lam = urn_xmalloc(sizeof(double) * (size_t)D * D), *C = urn_xmalloc(sizeof(double) * (size_t)D * D);
  memset(x, 0, sizeof(double) * (size_t)P);
  for (int k = 0; k < K; k++) {
    const double *G = Gs + (size_t)k * n * n, *H = Hs + (size_t)k * n * D;
    if (m->shared_cov) { /* the solution does not depend on a common covariance */
      for (int i = 0; i < D * D; i++) Lam[i] = i % (D + 1) == 0;
    } else if (urn_cholesky(C, p->covs + (size_t)k * D * D, (size_t)D)) {
      for (int i = 0; i < D * D; i++) Lam[i] = i % (D + 1) == 0;
    } else
      urn_cholesky_inverse(Lam, C, (size_t)D);
    for (int d = 0; d < D; d++)
      for (int i = 0; i < n; i++) {
        int row = lr_at(m, L, k, d, i);
        for (int e = 0; e < D; e++) {
          double l = Lam[d * D + e];
          if (l == 0.0) continue;
          x[row] += l * H[i * D + e];
          for (int j = 0; j < n; j++) A[(size_t)row * P + lr_at(m, L, k, e, j)] += l * G[i * n + j];
        }
      }
  }
  int rc = URN_OK;
  if (urn_cholesky_tol(F, A, (size_t)P, 1e-13))
    rc = urn_error_set(err, URN_EINPUT,
                       "hmm linreg M-step (iteration %d): the joint weighted design of the states (shared "
                       "coefficients) is singular (its inputs do not span the coefficients); use fewer states, "
                       "a different initialization, or --cov-floor", iteration);
  else
    urn_cholesky_solve(F, x, (size_t)P, 1);
  free(A), free(F), free(Lam), free(C);
  return rc;
}

int urn__hmm_linreg_joint_m_step(const urn_hmm_model *m, const urn_hmm_stats *st, urn_hmm_params *p, int iteration,
                                 urn_error *err) {
  int K = m->K, D = m->D, M = m->M, n = M + 1;
  lr_layout L = {n, D, urn_xmalloc(sizeof(int) * (size_t)n), 0, 0};
  for (int i = 0; i < n; i++) L.pos[i] = is_shared(m, i) ? L.s++ : L.r++;
  int P = D * L.s + K * D * L.r;
  double *Gs = urn_xmalloc(sizeof(double) * (size_t)K * n * n), *Hs = urn_xmalloc(sizeof(double) * (size_t)K * n * D);
  double *x = urn_xmalloc(sizeof(double) * (size_t)P), *B = urn_xmalloc(sizeof(double) * (size_t)K * D * n);
  double *S = urn_xcalloc((size_t)K * D * D, sizeof(double)), *LS = urn_xmalloc(sizeof(double) * (size_t)D * D);
  for (int k = 0; k < K; k++) lr_gram(m, st, k, Gs + (size_t)k * n * n, Hs + (size_t)k * n * D);
  int rc = lr_solve(m, st, p, &L, Gs, Hs, x, iteration, err);
  double Ntot = 0.0;
  for (int k = 0; k < K && !rc; k++) { /* step 2: covariances given the coefficients */
    double *Bk = B + (size_t)k * D * n;
    for (int d = 0; d < D; d++)
      for (int i = 0; i < n; i++) Bk[d * n + i] = x[lr_at(m, &L, k, d, i)];
    lr_scatter(m, st, k, Bk, Gs + (size_t)k * n * n, Hs + (size_t)k * n * D, S + (size_t)k * D * D);
    Ntot += st->sum_w[k];
  }
  for (int k = 0; k < K && !rc; k++) {
    double *Sk = S + (size_t)k * D * D, N = st->sum_w[k];
    if (m->shared_cov) {
      if (k == 0) {
        for (int q = 1; q < K; q++)
          for (int i = 0; i < D * D; i++) Sk[i] += S[(size_t)q * D * D + i];
        for (int i = 0; i < D * D; i++) Sk[i] = Ntot > 0 ? Sk[i] / Ntot : 0.0;
      } else
        memcpy(Sk, S, sizeof(double) * D * D);
    } else
      for (int i = 0; i < D * D; i++) Sk[i] = N > 0 ? Sk[i] / N : 0.0;
    for (int d = 0; d < D; d++)
      for (int e = 0; e < d; e++) Sk[d * D + e] = Sk[e * D + d] = 0.5 * (Sk[d * D + e] + Sk[e * D + d]);
    if (m->cov_floor > 0 && (k == 0 || !m->shared_cov))
      for (int d = 0; d < D; d++) Sk[d * D + d] += m->cov_floor;
    int finite = 1;
    for (int i = 0; i < D * D; i++) finite &= isfinite(Sk[i]);
    for (int i = 0; i < D * n; i++) finite &= isfinite(B[(size_t)k * D * n + i]);
    if (!finite || urn_cholesky_tol(LS, Sk, (size_t)D, 1e-14))
      rc = urn_error_set(err, URN_EINPUT,
                         "hmm linreg M-step (iteration %d): the covariance of state %d is singular "
                         "(expected count %.3g; the state fits its points exactly); "
                         "use fewer states, a different initialization, or --cov-floor", iteration, k, N);
  }
  for (int k = 0; k < K && !rc; k++) {
    for (int d = 0; d < D; d++) {
      for (int j = 0; j < M; j++) p->weights[((size_t)k * D + d) * M + j] = B[((size_t)k * D + d) * n + j];
      p->biases[(size_t)k * D + d] = B[((size_t)k * D + d) * n + M];
    }
    memcpy(p->covs + (size_t)k * D * D, S + (size_t)k * D * D, sizeof(double) * D * D);
  }
  free(L.pos), free(Gs), free(Hs), free(x), free(B), free(S), free(LS);
  return rc;
}
