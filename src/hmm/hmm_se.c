/* hmm/hmm_se.c — standard errors of fitted HMM parameters from the observed
 * information (urn_hmm_std_errors, include/urn/hmm.h).
 *
 * The free parameters are mapped to an unconstrained vector theta: each
 * probability row by log-ratios to its largest entry (entries that are exactly
 * at most 1e-8 are on the boundary and stay fixed; categorical emission probabilities too),
 * means / weights / biases as they are, rates, shapes, degrees of freedom and
 * standard deviations by their logs, covariances by their Cholesky factor with a
 * log diagonal.  The observed information is minus the Hessian of log p(y | theta)
 * by central differences of the log-likelihood; its inverse is the asymptotic
 * covariance of theta, carried to the natural parameters by the delta method
 * (J Cov J^T with J = d params / d theta, also by central differences). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hmm/hmm_internal.h"
#include "math/linalg.h"
#include "util/util.h"

#define NARR 13 /* arrays of urn_hmm_params */

/* The flattened natural parameters: the arrays of urn_hmm_params in file order. */
typedef struct se_arrays {
  double *a[NARR];  /* initial, transitions, means, covs, scale_diags, weights, biases, rates, shapes, dofs, probs,
                       trans_weights, trans_biases (NULL = unused) */
  size_t n[NARR];   /* their lengths */
  size_t total;  /* sum of n */
} se_arrays;

static void arrays_of(const urn_hmm_model *m, urn_hmm_params *p, se_arrays *s) {
  size_t K = (size_t)m->K, D = (size_t)m->D, M = (size_t)m->M, C = (size_t)m->C;
  double *a[NARR] = {p->initial_probs, p->transition_matrix, p->means, p->covs, p->scale_diags, p->weights,
                     p->biases, p->rates, p->shapes, p->dofs, p->probs, p->trans_weights, p->trans_biases};
  size_t G = m->kind == URN_HMM_GMM ? C : 1; /* gmm: C components per state */
  size_t n[NARR] = {K, K * K, G * K * D, K * D * D, G * K * D, 0, 0, K * D, (m->kind == URN_HMM_BETA ? 2 : 1) * K * D,
                    K * D, K * C, K * K * (size_t)(m->trans_M > 0 ? m->trans_M : 0), K * K};
  if (m->kind == URN_HMM_LINREG) n[5] = K * D * M, n[6] = K * D;
  if (m->kind == URN_HMM_LOGREG) n[5] = K * M, n[6] = K;
  if (m->kind == URN_HMM_CATREG) n[5] = K * C * M, n[6] = K * C;
  s->total = 0;
  for (int i = 0; i < NARR; i++) {
    s->a[i] = a[i];
    s->n[i] = a[i] ? n[i] : 0;
    s->total += s->n[i];
  }
}

static void flatten(const urn_hmm_model *m, urn_hmm_params *p, double *out) {
  se_arrays s;
  arrays_of(m, p, &s);
  for (int i = 0; i < NARR; i++)
    if (s.n[i]) memcpy(out, s.a[i], sizeof(double) * s.n[i]), out += s.n[i];
}

/* Probabilities at most this are on the boundary: held fixed (standard error 0), as
 * the log-likelihood is flat in their log-ratio and their asymptotics are not normal. */
#define BOUNDARY 1e-8

/* Index of the largest entry of a probability row (its log-ratio reference). */
static int row_ref(const double *row, int K) {
  int r = 0;
  for (int k = 1; k < K; k++)
    if (row[k] > row[r]) r = k;
  return r;
}

/* One probability row of length K <-> its log-ratios to the fitted row b's largest entry from theta[n] (entries of b
 * at most BOUNDARY fixed at b's value); pack with theta NULL counts.  Returns n advanced (hmm_internal.h). */
size_t urn__hmm_se_row(const double *b, double *row, int K, double *theta, size_t n, int unpack) {
  int ref = row_ref(b, K);
  if (!unpack) {
    for (int k = 0; k < K; k++)
      if (k != ref && b[k] > BOUNDARY) {
        if (theta) theta[n] = log(row[k]) - log(row[ref]);
        n++;
      }
    return n;
  }
  double mx = 0.0, s = 0.0, fixed = 0.0;
  size_t at = n;
  for (int k = 0; k < K; k++)
    if (k != ref && b[k] > BOUNDARY && theta[at++] > mx) mx = theta[at - 1];
  at = n;
  for (int k = 0; k < K; k++) {
    row[k] = k == ref ? exp(-mx) : b[k] > BOUNDARY ? exp(theta[at++] - mx) : 0.0;
    if (k != ref && !(b[k] > BOUNDARY)) fixed += b[k];
    else s += row[k];
  }
  for (int k = 0; k < K; k++) row[k] = k == ref || b[k] > BOUNDARY ? row[k] / s * (1.0 - fixed) : b[k];
  return at;
}

/* Input-driven transitions (m->trans_M = U > 0): per origin i, per destination j < K - 1 and per input q (the U
 * weights, then the bias), theta = W_ijq - W_i(K-1)q, the coefficients against the last state (statsmodels'
 * exog_tvtp parameters for K = 2); unpack centres each (i, q) over j (the softmax gauge) and recomputes
 * transition_matrix (the matrix at u = 0).  Returns n advanced past them (unchanged when transitions are frozen). */
static size_t map_trans(const urn_hmm_model *m, urn_hmm_params *p, double *theta, size_t n, int unpack) {
  int K = m->K, U = m->trans_M;
  if ((m->frozen & URN_HMM_FREEZE_TRANSITIONS) || K < 2) return n;
  for (int i = 0; i < K; i++)
    for (int q = 0; q <= U; q++) {
      /* the entry (i, j, q): a weight (q < U) or the bias (q == U) */
#define TR_AT(j) (q < U ? p->trans_weights + (((size_t)i * K + (j)) * U + q) : p->trans_biases + ((size_t)i * K + (j)))
      if (unpack) {
        double mean = 0.0;
        for (int j = 0; j < K - 1; j++) mean += theta[n + (size_t)j * (U + 1)];
        mean /= K;
        for (int j = 0; j < K; j++) *TR_AT(j) = (j < K - 1 ? theta[n + (size_t)j * (U + 1)] : 0.0) - mean;
      } else if (theta)
        for (int j = 0; j < K - 1; j++) theta[n + (size_t)j * (U + 1)] = *TR_AT(j) - *TR_AT(K - 1);
#undef TR_AT
      n++;
      if (q == U) n += (size_t)(K - 2) * (U + 1); /* past this origin's block: (K - 1) x (U + 1) */
    }
  if (unpack) urn__hmm_trans_baseline(m, p);
  return n;
}

/* theta from p (pack) or p from theta (unpack, base supplies the structural zeros
 * and references); returns the length of theta.  theta may be NULL to count. */
static size_t map_theta(const urn_hmm_model *m, const urn_hmm_params *base, urn_hmm_params *p, double *theta,
                        int unpack) {
  int K = m->K, D = m->D, KD = K;
  size_t n = 0;
  for (int g = 0; g < 3; g++) { /* initial row, each transition row, each categorical emission row */
    int frozen = m->frozen & (g == 0 ? URN_HMM_FREEZE_INITIAL : g == 1 ? URN_HMM_FREEZE_TRANSITIONS
                                                                        : URN_HMM_FREEZE_EMISSIONS);
    if (g == 2 && !base->probs) break;
    if (g == 1 && m->trans_M > 0) { /* input-driven: weights and biases below */
      n = map_trans(m, p, theta, n, unpack);
      continue;
    }
    for (int j = 0; j < (g == 0 ? 1 : K); j++) {
      int K = g == 2 ? m->C : KD; /* row length */
      const double *b = g == 0 ? base->initial_probs : g == 1 ? base->transition_matrix + (size_t)j * K
                                                              : base->probs + (size_t)j * K;
      double *row = g == 0 ? p->initial_probs : g == 1 ? p->transition_matrix + (size_t)j * K : p->probs + (size_t)j * K;
      if (!frozen) n = urn__hmm_se_row(b, row, K, theta, n, unpack);
    }
  }
  if (m->frozen & URN_HMM_FREEZE_EMISSIONS) return n;
  se_arrays s;
  arrays_of(m, p, &s);
  for (int i = 2; i < 10; i++) { /* probs: the rows above; trans_weights, trans_biases: map_trans */
    if (!s.n[i] || (i == 9 && m->student_dof > 0)) continue; /* held degrees of freedom: fixed, standard error 0 */
    double *a = s.a[i];
    if (i == 3) { /* covariances: Cholesky factor, log diagonal */
      double *L = urn_xmalloc(sizeof(double) * (size_t)D * D), *S = urn_xmalloc(sizeof(double) * (size_t)D * D);
      for (int k = 0; k < (m->shared_cov ? 1 : K); k++) {
        double *cov = a + (size_t)k * D * D;
        if (!unpack) {
          for (int r = 0; r < D; r++)
            for (int c = 0; c < D; c++) S[r + c * D] = cov[r * D + c];
          urn_cholesky(L, S, (size_t)D);
        }
        for (int c = 0; c < D; c++)
          for (int r = c; r < D; r++) {
            if (unpack) L[r + c * D] = r == c ? exp(theta[n]) : theta[n];
            else if (theta) theta[n] = r == c ? log(L[r + c * D]) : L[r + c * D];
            n++;
          }
        if (unpack)
          for (int r = 0; r < D; r++)
            for (int c = 0; c < D; c++) {
              double v = 0.0;
              for (int q = 0; q <= (r < c ? r : c); q++) v += L[r + q * D] * L[c + q * D];
              cov[r * D + c] = v;
            }
      }
      free(L);
      free(S);
      for (int k = 1; unpack && m->shared_cov && k < K; k++) memcpy(a + (size_t)k * D * D, a, sizeof(double) * D * D);
      continue;
    }
    if (i == 4 && m->shared_cov) { /* shared standard deviations: state 0's, copied */
      for (int d = 0; d < D; d++, n++)
        if (unpack) a[d] = exp(theta[n]);
        else if (theta) theta[n] = log(a[d]);
      for (int k = 1; unpack && k < K; k++) memcpy(a + (size_t)k * D, a, sizeof(double) * D);
      continue;
    }
    if (i == 5 && m->shared_coef) { /* linreg weights K x D x M: a shared input's are state 0's, copied */
      size_t DM = (size_t)D * m->M;
      for (size_t q = 0; q < s.n[i]; q++) {
        int j = (int)(q % (size_t)m->M);
        if (q >= DM && j < 64 && ((m->shared_coef >> j) & 1ULL)) {
          if (unpack) a[q] = a[q % DM];
          continue;
        }
        if (unpack) a[q] = theta[n];
        else if (theta) theta[n] = a[q];
        n++;
      }
      continue;
    }
    int logged = i == 4 || i == 7 || i == 8 || i == 9; /* standard deviations, rates, shapes, dofs */
    for (size_t q = 0; q < s.n[i]; q++, n++)
      if (unpack) a[q] = logged ? exp(theta[n]) : theta[n];
      else if (theta) theta[n] = logged ? log(a[q]) : a[q];
  }
  return n;
}

/* The log-likelihood at theta (NaN when it cannot be evaluated). */
static double ll_at(const urn_hmm_model *m, const urn_hmm_params *base, urn_hmm_params *work, const double *theta,
                    const urn_hmm_seq *seqs, size_t nseq, int nthreads) {
  urn_hmm_params_copy(m, work, base);
  map_theta(m, base, work, (double *)theta, 1);
  double ll;
  urn_error e;
  if (urn_hmm_loglik(m, work, seqs, nseq, nthreads, NULL, &ll, &e)) return NAN;
  return ll;
}

/* An HMM fit's log-likelihood and natural parameters as functions of theta (urn__hmm_se_core's ctx). */
typedef struct se_ctx {
  const urn_hmm_model *m;    /* the model */
  const urn_hmm_params *base; /* the fitted parameters (structural zeros, references) */
  urn_hmm_params *work;      /* scratch parameters */
  const urn_hmm_seq *seqs;   /* the data */
  size_t nseq;               /* its sequences */
  int nthreads;              /* threads of the likelihood */
} se_ctx;

static double se_ll(void *ctx, const double *theta) {
  se_ctx *c = ctx;
  return ll_at(c->m, c->base, c->work, theta, c->seqs, c->nseq, c->nthreads);
}

static void se_natural(void *ctx, const double *theta, double *out) {
  se_ctx *c = ctx;
  urn_hmm_params_copy(c->m, c->work, c->base);
  map_theta(c->m, c->base, c->work, (double *)theta, 1);
  flatten(c->m, c->work, out);
}

int urn__hmm_se_core(size_t P, size_t N, const double *theta, double (*ll)(void *ctx, const double *theta),
                     void (*natural)(void *ctx, const double *theta, double *out), void *ctx, double *se,
                     const char *who, urn_error *err) {
  for (size_t i = 0; i < N; i++) se[i] = NAN;
  int rc = URN_OK;
  double *t2 = urn_xmalloc(sizeof(double) * (P + 1));
  double *h = urn_xmalloc(sizeof(double) * (P + 1)), *H = urn_xcalloc(P * P + 1, sizeof(double));
  double *L = urn_xmalloc(sizeof(double) * (P * P + 1)), *Cov = urn_xmalloc(sizeof(double) * (P * P + 1));
  double *J = urn_xcalloc(N * P + 1, sizeof(double)), *fp = urn_xmalloc(sizeof(double) * (N + 1)),
         *fm = urn_xmalloc(sizeof(double) * (N + 1));
  for (size_t i = 0; i < P; i++) h[i] = 1e-4 * (fabs(theta[i]) > 1 ? fabs(theta[i]) : 1.0);
  double f0 = ll(ctx, theta);
  /* minus the Hessian by central differences (the diagonal from f(+2h), f0, f(-2h)) */
  for (size_t i = 0; i < P && isfinite(f0); i++)
    for (size_t j = 0; j <= i; j++) {
      double v[4];
      for (int c = 0; c < 4; c++) {
        memcpy(t2, theta, sizeof(double) * P);
        t2[i] += (c & 1 ? -1 : 1) * h[i];
        t2[j] += (c & 2 ? -1 : 1) * h[j];
        v[c] = ll(ctx, t2);
      }
      double d = i == j ? (v[0] - 2 * f0 + v[3]) / (4 * h[i] * h[i]) : (v[0] - v[1] - v[2] + v[3]) / (4 * h[i] * h[j]);
      H[i + j * P] = H[j + i * P] = -d;
    }
  int ok = isfinite(f0);
  for (size_t i = 0; i < P * P && ok; i++) ok = isfinite(H[i]);
  if (!ok || (P && urn_cholesky(L, H, P))) {
    rc = urn_error_set(err, URN_EINPUT,
                       "%s: the observed information is not positive definite (not at a maximum of the "
                       "likelihood, or a parameter is not identified); no standard errors", who);
    goto done;
  }
  if (P) urn_cholesky_inverse(Cov, L, P);
  /* J = d natural / d theta */
  for (size_t i = 0; i < P; i++) {
    memcpy(t2, theta, sizeof(double) * P);
    t2[i] += h[i];
    natural(ctx, t2, fp);
    t2[i] -= 2 * h[i];
    natural(ctx, t2, fm);
    for (size_t r = 0; r < N; r++) J[r * P + i] = (fp[r] - fm[r]) / (2 * h[i]);
  }
  for (size_t r = 0; r < N; r++) {
    double v = 0.0;
    for (size_t i = 0; i < P; i++)
      for (size_t j = 0; j < P; j++) v += J[r * P + i] * Cov[i + j * P] * J[r * P + j];
    se[r] = sqrt(v > 0 ? v : 0.0);
  }
done:
  free(t2), free(h), free(H), free(L), free(Cov), free(J), free(fp), free(fm);
  return rc;
}

int urn_hmm_std_errors(const urn_hmm_model *m, const urn_hmm_params *p, const urn_hmm_seq *seqs, size_t nseq,
                       int nthreads, double *se, size_t *n_se, int *n_free, urn_error *err) {
  urn_hmm_params base, work;
  urn_hmm_params_alloc(m, &base);
  urn_hmm_params_alloc(m, &work);
  urn_hmm_params_copy(m, &base, p);
  se_arrays sa;
  arrays_of(m, &base, &sa);
  size_t N = sa.total, P = map_theta(m, &base, &base, NULL, 0);
  if (n_se) *n_se = N;
  if (n_free) *n_free = (int)P;
  double *theta = urn_xmalloc(sizeof(double) * (P + 1));
  map_theta(m, &base, &base, theta, 0);
  se_ctx c = {m, &base, &work, seqs, nseq, nthreads};
  int rc = urn__hmm_se_core(P, N, theta, se_ll, se_natural, &c, se, "hmm", err);
  /* frozen groups are fixed: standard error 0 */
  if (rc == URN_OK) {
    size_t at = 0;
    for (int g = 0; g < NARR; g++) {
      int fr = (g == 0 && (m->frozen & URN_HMM_FREEZE_INITIAL)) || (g == 1 && (m->frozen & URN_HMM_FREEZE_TRANSITIONS)) ||
               (g >= 11 && (m->frozen & URN_HMM_FREEZE_TRANSITIONS)) ||
               (g >= 2 && g < 11 && (m->frozen & URN_HMM_FREEZE_EMISSIONS));
      for (size_t q = 0; q < sa.n[g]; q++, at++)
        if (fr) se[at] = 0.0;
    }
  }
  free(theta);
  urn_hmm_params_free(&base);
  urn_hmm_params_free(&work);
  return rc;
}
