/* hmm/hmm_infer.c — inference on a matrix of emission log-likelihoods: the
 * scaled forward filter, forward-backward smoothing with expected transition
 * counts, Viterbi (dynamax's backward max-product form), forward-filtering
 * backward-sampling, and Stan's hmm_marginal with its gradient.
 *
 * The scaled form (spec 5.1-5.3): at each t the emission likelihoods are shifted
 * by their maximum m_t, so e_t[k] = exp(LL[t,k] - m_t) <= 1 with at least one
 * entry equal to 1; c_t = sum_k p_t[k] e_t[k] is then >= p_t[k*] and the
 * recursions never underflow unless the model gives the observation zero
 * probability, which is reported as log p = -inf. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hmm/hmm_internal.h"
#include "math/rng.h"
#include "util/util.h"

/* Rows shifted and exponentiated at a time (vectorized, hmm_kernels.c). */
#define FWD_BLOCK 64
/* The product of normalisers is logged only when it leaves [2^-500, 2^500]. */
#define PROD_LO 0x1p-500
#define PROD_HI 0x1p500
/* Doubles of hmm_marginal's workspace kept on the stack (T x K up to ~2000). */
#define MARGINAL_STACK 4096

/* Forward pass in place.  E (T x K) holds LL on entry and e_t on exit; filt gets
 * the filtered probabilities; c gets the normalisers c_t (may be NULL when the
 * caller needs only the log likelihood and filt); predicted (may be NULL).
 * Returns log p(y); -inf (with *bad_t set) when some c_t is 0.
 * log p(y) = sum_t (log c_t + m_t) takes one log per ~hundred steps: the c_t are
 * multiplied up and the product is logged when it leaves [2^-500, 2^500]. */
static inline __attribute__((always_inline)) double forward_impl(int K, size_t T, const double *pi, const double *A,
                                                                 double *E, double *filt, double *c, double *predicted,
                                                                 size_t *bad_t) {
  double pred_buf[URN_HMM_STACK_K], mxb[FWD_BLOCK];
  double *pred = K <= URN_HMM_STACK_K ? pred_buf : urn_xmalloc(sizeof(double) * (size_t)K);
  double logc_sum = 0.0, mx_sum = 0.0, prod = 1.0;
  int bad = 0;
  memcpy(pred, pi, sizeof(double) * (size_t)K);
  *bad_t = (size_t)-1;
  for (size_t t0 = 0; t0 < T; t0 += FWD_BLOCK) {
    size_t nb = T - t0 < FWD_BLOCK ? T - t0 : FWD_BLOCK;
    urn__hmm_shift_exp_rows(K, nb, E + t0 * (size_t)K, mxb);
    for (size_t t = t0; t < t0 + nb; t++) {
      double *e = E + t * (size_t)K, *f = filt + t * (size_t)K;
      if (predicted) memcpy(predicted + t * (size_t)K, pred, sizeof(double) * (size_t)K);
      double mx = mxb[t - t0];
      double s = 0.0;
      URN_UNROLL
      for (int k = 0; k < K; k++) {
        f[k] = pred[k] * e[k];
        s += f[k];
      }
      if (!(s > 0.0) || mx == -INFINITY) {
        if (*bad_t == (size_t)-1) *bad_t = t;
        bad = 1;
        s = 1.0; /* keep going so the outputs stay finite; the caller reports */
        for (int k = 0; k < K; k++) f[k] = 1.0 / K;
        mx = 0.0;
      }
      double inv = 1.0 / s;
      URN_UNROLL
      for (int k = 0; k < K; k++) f[k] *= inv;
      if (c) c[t] = s;
      mx_sum += mx;
      if (s >= PROD_LO && s <= PROD_HI) {
        prod *= s;
        if (!(prod >= PROD_LO && prod <= PROD_HI)) {
          logc_sum += log(prod);
          prod = 1.0;
        }
      } else {
        logc_sum += log(s);
      }
      urn__hmm_predict(K, A, f, pred); /* pred_{t+1} = A^T f_t */
    }
  }
  if (pred != pred_buf) free(pred);
  return bad ? -INFINITY : logc_sum + log(prod) + mx_sum;
}

/* Backward pass in place after urn__hmm_forward: E holds e_t, gamma holds the
 * filtered probabilities on entry and the smoothed ones on exit; trans_sum
 * (K x K, may be NULL) gets the expected transition counts. */
static inline __attribute__((always_inline)) void backward_impl(int K, size_t T, const double *A, const double *E,
                                                                double *gamma, const double *c, double *trans_sum,
                                                                const double *y, double *sw, double *sy, double *syy) {
  double buf[3 * URN_HMM_STACK_K];
  double *w = K <= URN_HMM_STACK_K ? buf : urn_xmalloc(sizeof(double) * 3 * (size_t)K);
  double *beta = w, *G = w + K, *nb = w + 2 * K;
  double *acc = trans_sum; /* accumulates sum_t f_t G_{t+1}^T, scaled by A at the end */
  if (acc) memset(acc, 0, sizeof(double) * (size_t)K * K);
  URN_UNROLL
  for (int k = 0; k < K; k++) beta[k] = 1.0;
  for (size_t tt = T; tt-- > 0;) {
    double *g = gamma + tt * (size_t)K;
    if (tt + 1 < T) /* beta_t = A (e_{t+1} beta_{t+1}) / c_{t+1} */
      urn__hmm_back_step(K, A, E + (tt + 1) * (size_t)K, 1.0 / c[tt + 1], g, beta, acc, G, nb);
    double s = 0.0;
    URN_UNROLL
    for (int k = 0; k < K; k++) {
      g[k] *= beta[k];
      s += g[k];
    }
    double inv = s > 0.0 ? 1.0 / s : 0.0;
    URN_UNROLL
    for (int k = 0; k < K; k++) g[k] *= inv;
    if (y) { /* fused 1-D Gaussian statistics, saving a pass over gamma */
      double yt = y[tt], yy = yt * yt;
      URN_UNROLL
      for (int k = 0; k < K; k++) {
        sw[k] += g[k];
        sy[k] += g[k] * yt;
        syy[k] += g[k] * yy;
      }
    }
  }
  if (acc)
    for (size_t i = 0; i < (size_t)K * K; i++) acc[i] *= A[i];
  if (w != buf) free(w);
}

/* The passes with the number of states known at compile time for small K, so
 * the loops over states unroll (a third faster at K = 3). */
double urn__hmm_forward(int K, size_t T, const double *pi, const double *A, double *E,
                        double *filt, double *c, double *predicted, size_t *bad_t) {
  switch (K) {
  case 2: return forward_impl(2, T, pi, A, E, filt, c, predicted, bad_t);
  case 3: return forward_impl(3, T, pi, A, E, filt, c, predicted, bad_t);
  case 4: return forward_impl(4, T, pi, A, E, filt, c, predicted, bad_t);
  default: return forward_impl(K, T, pi, A, E, filt, c, predicted, bad_t);
  }
}

void urn__hmm_backward(int K, size_t T, const double *A, const double *E, double *gamma,
                       const double *c, double *trans_sum) {
  switch (K) {
  case 2: backward_impl(2, T, A, E, gamma, c, trans_sum, NULL, NULL, NULL, NULL); break;
  case 3: backward_impl(3, T, A, E, gamma, c, trans_sum, NULL, NULL, NULL, NULL); break;
  case 4: backward_impl(4, T, A, E, gamma, c, trans_sum, NULL, NULL, NULL, NULL); break;
  default: backward_impl(K, T, A, E, gamma, c, trans_sum, NULL, NULL, NULL, NULL); break;
  }
}

void urn__hmm_backward_stats1(int K, size_t T, const double *A, const double *E, double *gamma, const double *c,
                              double *trans_sum, const double *y, double *sw, double *sy, double *syy) {
  switch (K) {
  case 2: backward_impl(2, T, A, E, gamma, c, trans_sum, y, sw, sy, syy); break;
  case 3: backward_impl(3, T, A, E, gamma, c, trans_sum, y, sw, sy, syy); break;
  case 4: backward_impl(4, T, A, E, gamma, c, trans_sum, y, sw, sy, syy); break;
  default: backward_impl(K, T, A, E, gamma, c, trans_sum, y, sw, sy, syy); break;
  }
}

static int check_finite_inputs(int K, size_t T, const double *pi, const double *A,
                               const double *LL, urn_error *err) {
  if (K < 1) return urn_error_set(err, URN_EINPUT, "hmm: number of states must be >= 1");
  if (T < 1) return urn_error_set(err, URN_EINPUT, "hmm: sequence has length 0");
  for (int k = 0; k < K; k++)
    if (!(pi[k] >= 0.0) || !isfinite(pi[k]))
      return urn_error_set(err, URN_EINPUT, "hmm: initial probability %d is %g", k, pi[k]);
  for (size_t i = 0; i < (size_t)K * K; i++)
    if (!(A[i] >= 0.0) || !isfinite(A[i]))
      return urn_error_set(err, URN_EINPUT, "hmm: transition_matrix[%zu][%zu] is %g", i / K,
                           i % K, A[i]);
  for (size_t i = 0; i < T * (size_t)K; i++)
    if (isnan(LL[i]) || LL[i] == INFINITY)
      return urn_error_set(err, URN_EINPUT, "hmm: emission log-likelihood at t=%zu, state %zu is %g",
                           i / K, i % K, LL[i]);
  return URN_OK;
}

int urn_hmm_filter(int K, size_t T, const double *pi, const double *A, const double *LL,
                   double *loglik, double *filtered, double *predicted, urn_error *err) {
  int rc = check_finite_inputs(K, T, pi, A, LL, err);
  if (rc) return rc;
  size_t n = T * (size_t)K;
  double *E = urn_xmalloc(sizeof(double) * n);
  double *f = filtered ? filtered : urn_xmalloc(sizeof(double) * n);
  memcpy(E, LL, sizeof(double) * n);
  size_t bad;
  double ll = urn__hmm_forward(K, T, pi, A, E, f, NULL, predicted, &bad);
  if (loglik) *loglik = ll;
  free(E);
  if (f != filtered) free(f);
  return URN_OK;
}

int urn_hmm_smoother(int K, size_t T, const double *pi, const double *A, const double *LL,
                     double *loglik, double *smoothed, double *trans_sum, urn_error *err) {
  int rc = check_finite_inputs(K, T, pi, A, LL, err);
  if (rc) return rc;
  size_t n = T * (size_t)K;
  double *E = urn_xmalloc(sizeof(double) * n);
  double *g = smoothed ? smoothed : urn_xmalloc(sizeof(double) * n);
  double *c = urn_xmalloc(sizeof(double) * T);
  memcpy(E, LL, sizeof(double) * n);
  size_t bad;
  double ll = urn__hmm_forward(K, T, pi, A, E, g, c, NULL, &bad);
  if (loglik) *loglik = ll;
  if (ll == -INFINITY) {
    rc = urn_error_set(err, URN_EREJECT,
                       "hmm: the observation at t=%zu has probability 0 under every state", bad);
  } else {
    urn__hmm_backward(K, T, A, E, g, c, trans_sum);
  }
  free(E);
  free(c);
  if (g != smoothed) free(g);
  return rc;
}

/* Viterbi by dynamax's backward max-product form, ties to the lowest index: A is one K x K transition matrix
 * (a_stride 0) or T of them, the one at t + 1 leading into step t + 1 (a_stride K*K: input-driven transitions,
 * hmm_trans.c).  Inputs already checked.  The log of a constant matrix is taken once. */
int urn__hmm_viterbi_core(int K, size_t T, const double *pi, const double *A, size_t a_stride, const double *LL,
                          int *states) {
  size_t KK = (size_t)K * K;
  double *lA = urn_xmalloc(sizeof(double) * (KK + 3 * (size_t)K));
  double *score = lA + KK, *nscore = score + K, *tmp = nscore + K;
  int *next = urn_xmalloc(sizeof(int) * (T > 1 ? (T - 1) * (size_t)K : 1));
  if (a_stride == 0)
    for (size_t i = 0; i < KK; i++) lA[i] = A[i] > 0.0 ? log(A[i]) : -INFINITY;
  for (int k = 0; k < K; k++) score[k] = 0.0;
  for (size_t t = T - 1; t-- > 0;) {
    if (a_stride) {
      const double *At = A + (t + 1) * a_stride;
      for (size_t i = 0; i < KK; i++) lA[i] = At[i] > 0.0 ? log(At[i]) : -INFINITY;
    }
    const double *l1 = LL + (t + 1) * (size_t)K;
    for (int j = 0; j < K; j++) tmp[j] = score[j] + l1[j];
    int *nx = next + t * (size_t)K;
    for (int i = 0; i < K; i++) {
      const double *r = lA + (size_t)i * K;
      int best = 0;
      double bv = r[0] + tmp[0];
      for (int j = 1; j < K; j++) {
        double v = r[j] + tmp[j];
        if (v > bv) { bv = v; best = j; }
      }
      nx[i] = best;
      nscore[i] = bv;
    }
    memcpy(score, nscore, sizeof(double) * (size_t)K);
  }
  int best = 0;
  double bv = -INFINITY;
  for (int i = 0; i < K; i++) {
    double v = (pi[i] > 0.0 ? log(pi[i]) : -INFINITY) + LL[i] + score[i];
    if (i == 0 || v > bv) { bv = v; best = i; }
  }
  states[0] = best;
  for (size_t t = 0; t + 1 < T; t++) states[t + 1] = next[t * (size_t)K + states[t]];
  free(lA);
  free(next);
  return URN_OK;
}

int urn_hmm_viterbi(int K, size_t T, const double *pi, const double *A, const double *LL,
                    int *states, urn_error *err) {
  int rc = check_finite_inputs(K, T, pi, A, LL, err);
  if (rc) return rc;
  return urn__hmm_viterbi_core(K, T, pi, A, 0, LL, states);
}

/* Draws an index from unnormalised non-negative weights w[0..K). */
static int draw_categorical(urn_rng *r, const double *w, int K) {
  double tot = 0.0;
  for (int k = 0; k < K; k++) tot += w[k];
  double u = urn_rng_uniform(r) * tot, cum = 0.0;
  for (int k = 0; k < K; k++) {
    cum += w[k];
    if (u < cum) return k;
  }
  for (int k = K - 1; k >= 0; k--)
    if (w[k] > 0.0) return k;
  return K - 1;
}

int urn__hmm_draw_categorical(void *rng, const double *w, int K) {
  return draw_categorical((urn_rng *)rng, w, K);
}

int urn_hmm_posterior_sample(int K, size_t T, const double *pi, const double *A,
                             const double *LL, uint64_t seed, int *states, double *loglik,
                             urn_error *err) {
  int rc = check_finite_inputs(K, T, pi, A, LL, err);
  if (rc) return rc;
  size_t n = T * (size_t)K;
  double *E = urn_xmalloc(sizeof(double) * n);
  double *f = urn_xmalloc(sizeof(double) * (n + (size_t)K));
  double *w = f + n;
  memcpy(E, LL, sizeof(double) * n);
  size_t bad;
  double ll = urn__hmm_forward(K, T, pi, A, E, f, NULL, NULL, &bad);
  if (loglik) *loglik = ll;
  if (ll == -INFINITY) {
    rc = urn_error_set(err, URN_EREJECT,
                       "hmm: the observation at t=%zu has probability 0 under every state", bad);
  } else {
    urn_rng r;
    urn_rng_seed(&r, seed, 0);
    states[T - 1] = draw_categorical(&r, f + (T - 1) * (size_t)K, K);
    for (size_t t = T - 1; t-- > 0;) {
      const double *ft = f + t * (size_t)K;
      for (int i = 0; i < K; i++) w[i] = ft[i] * A[(size_t)i * K + states[t + 1]];
      states[t] = draw_categorical(&r, w, K);
    }
  }
  free(E);
  free(f);
  return rc;
}

/* hmm_marginal by the general forward and backward passes: for K above
 * URN_HMM_STACK_K and for inputs whose normalisers leave the normal range. */
static int marginal_general(int K, size_t T, const double *log_omega, const double *Gamma, const double *rho,
                            double *logp, double *d_log_omega, double *d_Gamma, double *d_rho, urn_error *err) {
  size_t KK = (size_t)K * K, n = T * (size_t)K;
  double *A = urn_xmalloc(sizeof(double) * (KK + 2 * n + T));
  double *E = A + KK, *g = E + n, *c = g + n;
  for (int i = 0; i < K; i++)
    for (int j = 0; j < K; j++) A[(size_t)i * K + j] = Gamma[i + (size_t)j * K];
  memcpy(E, log_omega, sizeof(double) * n);
  size_t bad;
  double ll = urn__hmm_forward(K, T, rho, A, E, g, c, NULL, &bad);
  *logp = ll;
  if (ll == -INFINITY) {
    free(A);
    return urn_error_set(err, URN_EREJECT,
                         "hmm_marginal: log density is -inf (time step %zu has zero probability)", bad + 1);
  }
  int want_grad = d_log_omega || d_Gamma || d_rho;
  if (want_grad) {
    /* d/drho_k = e_1[k] beta_1[k] / c_1 and d/dGamma[i,j] = sum_t f_t[i] G_{t+1}[j]: the
     * two-slice marginals without their Gamma factor, so they stay finite where Gamma is 0. */
    double *dGrow = d_Gamma ? urn_xcalloc(KK, sizeof(double)) : NULL;
    double *beta = urn_xmalloc(sizeof(double) * 3 * (size_t)K);
    double *G = beta + K, *nb = G + K;
    for (int k = 0; k < K; k++) beta[k] = 1.0;
    for (size_t tt = T; tt-- > 0;) {
      double *gt = g + tt * (size_t)K;
      if (tt + 1 < T) /* dGrow gets f_t G^T: Stan's d/dGamma has no factor Gamma */
        urn__hmm_back_step(K, A, E + (tt + 1) * (size_t)K, 1.0 / c[tt + 1], gt, beta, dGrow, G, nb);
      if (tt == 0 && d_rho) {
        double inv = 1.0 / c[0];
        for (int k = 0; k < K; k++) d_rho[k] = E[k] * beta[k] * inv;
      }
      /* smoothed = f_t * beta_t (sums to 1 up to rounding; Stan's gradient is this exactly) */
      for (int k = 0; k < K; k++) gt[k] *= beta[k];
    }
    if (d_log_omega) memcpy(d_log_omega, g, sizeof(double) * n);
    if (dGrow) {
      for (int i = 0; i < K; i++)
        for (int j = 0; j < K; j++) d_Gamma[i + (size_t)j * K] = dGrow[(size_t)i * K + j];
      free(dGrow);
    }
    free(beta);
  }
  free(A);
  return URN_OK;
}

int urn_hmm_marginal(int K, size_t T, const double *log_omega, const double *Gamma,
                     const double *rho, double *logp, double *d_log_omega, double *d_Gamma,
                     double *d_rho, urn_error *err) {
  if (K < 1 || T < 1)
    return urn_error_set(err, URN_EREJECT, "hmm_marginal: log_omega must have at least one row and column");
  size_t KK = (size_t)K * K, n = T * (size_t)K;
  for (size_t i = 0; i < KK; i++)
    if (!isfinite(Gamma[i]) || Gamma[i] < 0.0)
      return urn_error_set(err, URN_EREJECT, "hmm_marginal: Gamma[%zu, %zu] is %g, but must be finite and >= 0",
                           i % K + 1, i / K + 1, Gamma[i]);
  for (int k = 0; k < K; k++)
    if (!isfinite(rho[k]) || rho[k] < 0.0)
      return urn_error_set(err, URN_EREJECT, "hmm_marginal: rho[%d] is %g, but must be finite and >= 0",
                           k + 1, rho[k]);
  int ok = 1; /* branch-free scan (vectorizes); the offender is located only on failure */
  for (size_t i = 0; i < n; i++) ok &= log_omega[i] < INFINITY;
  if (!ok)
    for (size_t i = 0; i < n; i++)
      if (!(log_omega[i] < INFINITY))
        return urn_error_set(err, URN_EREJECT, "hmm_marginal: log_omega[%zu, %zu] is %g", i % K + 1,
                             i / K + 1, log_omega[i]);
  /* the two-pass kernel (hmm_kernels.c), without allocation at Stan-model sizes */
  if (K <= URN_HMM_STACK_K) {
    double stack[MARGINAL_STACK];
    size_t need = KK + n + T + (d_log_omega ? 0 : n);
    double *buf = need <= MARGINAL_STACK ? stack : urn_xmalloc(sizeof(double) * need);
    double *A = buf, *E = A + KK, *mx = E + n, *F = d_log_omega ? d_log_omega : mx + T;
    for (int i = 0; i < K; i++)
      for (int j = 0; j < K; j++) A[(size_t)i * K + j] = Gamma[i + (size_t)j * K];
    memcpy(E, log_omega, sizeof(double) * n);
    size_t bad = 0;
    int rc = urn__hmm_marginal_fast(K, T, A, rho, E, F, mx, logp, d_log_omega, d_Gamma, d_rho, &bad);
    if (buf != stack) free(buf);
    if (rc == 0) return URN_OK;
    if (rc < 0) {
      *logp = -INFINITY;
      return urn_error_set(err, URN_EREJECT,
                           "hmm_marginal: log density is -inf (time step %zu has zero probability)", bad + 1);
    }
  }
  return marginal_general(K, T, log_omega, Gamma, rho, logp, d_log_omega, d_Gamma, d_rho, err);
}
