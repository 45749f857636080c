/* hmm/hmm_trans.c — input-driven transitions (the GLM-HMM with covariate-
 * dependent transitions; statsmodels' time-varying transition probabilities):
 *
 *   p(z_t = j | z_{t-1} = i, u_t) = softmax_j(W_ij . u_t + b_ij),
 *
 * with one K x (U + 1) coefficient block per origin state i.  The softmax is
 * identified by the gauge sum_j (W_ij, b_ij) = 0 (the minimum-norm
 * representative; a Gaussian prior, isotropic over j, picks the same one).
 *
 * Here: the per-step transition matrices, the forward-backward pass with a
 * matrix per time step (the E-step's path when m->trans_M > 0; the constant-
 * matrix passes of hmm_infer.c are untouched), Viterbi and smoothing on
 * per-step matrices, and the M-step: per origin state a damped Newton (IRLS)
 * maximisation of sum_t sum_j xi_t[i,j] log p_t(i -> j) - |theta_i|^2 / (2 s^2)
 * over the expected transition counts xi_t of every step (s = m->trans_weight_scale;
 * no prior under maximum likelihood), deterministic and monotone.  Under MPI
 * (mpi/mpi_hmm.c) each process passes over its own sequences' steps and the
 * pass's sums are added over the processes (urn__hmm_reducer), so that every
 * process takes the same Newton steps. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hmm/hmm_internal.h"
#include "math/linalg.h"
#include "util/util.h"

#define TR_NEWTON_ITERS 50
#define TR_ARMIJO 1e-4
#define TR_HALVINGS 40

/* Row i of the transition matrix at inputs u (U values, NULL = zeros): out[j] = softmax_j(W_ij u + b_ij). */
static void trans_row(int K, int U, const double *W, const double *b, int i, const double *u, double *out) {
  double mx = -INFINITY;
  for (int j = 0; j < K; j++) {
    double e = b[(size_t)i * K + j];
    const double *w = W + ((size_t)i * K + j) * U;
    if (u)
      for (int q = 0; q < U; q++) e += w[q] * u[q];
    out[j] = e;
    if (e > mx) mx = e;
  }
  double s = 0.0;
  for (int j = 0; j < K; j++) s += out[j] = exp(out[j] - mx);
  for (int j = 0; j < K; j++) out[j] /= s;
}

/* Steps per block of the per-step matrices and of the M-step's passes: their K x K predictors are exponentiated
 * together (urn__hmm_shift_exp_rows, a vectorized exp). */
#define TR_BLOCK 64

/* The matrices of steps t0 .. t0+nb-1 (t0 >= 1) of s into out (nb x K x K); mx: scratch, nb x K. */
static void tr_block_matrices(const urn_hmm_model *m, const urn_hmm_params *p, const urn_hmm_seq *s, size_t t0,
                              int nb, double *out, double *mx) {
  int K = m->K, U = m->trans_M;
  size_t KK = (size_t)K * K;
  for (int tt = 0; tt < nb; tt++) {
    const double *u = s->u + (t0 + tt) * U;
    double *o = out + tt * KK;
    for (size_t ij = 0; ij < KK; ij++) {
      const double *w = p->trans_weights + ij * U;
      double e = p->trans_biases[ij];
      for (int q = 0; q < U; q++) e += w[q] * u[q];
      o[ij] = e;
    }
  }
  urn__hmm_shift_exp_rows(K, (size_t)nb * K, out, mx);
  for (size_t r = 0; r < (size_t)nb * K; r++) {
    double *o = out + r * K, sum = 0.0;
    for (int j = 0; j < K; j++) sum += o[j];
    double inv = 1.0 / sum;
    for (int j = 0; j < K; j++) o[j] *= inv;
  }
}

int urn_hmm_trans_matrices(const urn_hmm_model *m, const urn_hmm_params *p, const urn_hmm_seq *s, double *A,
                           urn_error *err) {
  int K = m->K, U = m->trans_M;
  size_t KK = (size_t)K * K;
  if (U <= 0) {
    for (size_t t = 0; t < s->T; t++) memcpy(A + t * KK, p->transition_matrix, sizeof(double) * KK);
    return URN_OK;
  }
  if (!s->u) return urn_error_set(err, URN_EINPUT, "hmm: the model has %d transition inputs, but the sequence has none", U);
  memcpy(A, p->transition_matrix, sizeof(double) * KK); /* step 0 has no transition into it */
  double *mx = urn_xmalloc(sizeof(double) * TR_BLOCK * (size_t)K);
  for (size_t t0 = 1; t0 < s->T; t0 += TR_BLOCK)
    tr_block_matrices(m, p, s, t0, s->T - t0 < TR_BLOCK ? (int)(s->T - t0) : TR_BLOCK, A + t0 * KK, mx);
  free(mx);
  return URN_OK;
}

/* Where the forward-backward pass takes each step's matrix: a given array, or the model's matrices computed a
 * block at a time (twice per step in all, the forward and the backward pass, instead of storing T x K x K). */
typedef struct tr_src {
  const double *A;              /* T x K x K matrices, or NULL: computed from m, p, s */
  const urn_hmm_model *m;       /* the model (A == NULL) */
  const urn_hmm_params *p;      /* its parameters */
  const urn_hmm_seq *s;         /* the sequence (inputs u) */
  double *buf;                  /* TR_BLOCK x K x K: the matrices of steps first .. first + TR_BLOCK - 1 */
  double *mx;                   /* scratch, TR_BLOCK x K */
  size_t first;                 /* first step held in buf ((size_t)-1: none) */
} tr_src;

/* The matrix of step t >= 1. */
static const double *tr_src_at(tr_src *q, size_t t, size_t T, int K) {
  size_t KK = (size_t)K * K;
  if (q->A) return q->A + t * KK;
  if (q->first == (size_t)-1 || t < q->first || t >= q->first + TR_BLOCK) {
    q->first = (t - 1) / TR_BLOCK * TR_BLOCK + 1;
    tr_block_matrices(q->m, q->p, q->s, q->first, T - q->first < TR_BLOCK ? (int)(T - q->first) : TR_BLOCK, q->buf,
                      q->mx);
  }
  return q->buf + (t - q->first) * KK;
}

void urn_hmm_trans_from_matrix(const urn_hmm_model *m, urn_hmm_params *p) {
  int K = m->K, U = m->trans_M;
  if (U <= 0 || !p->trans_biases) return;
  memset(p->trans_weights, 0, sizeof(double) * (size_t)K * K * U);
  for (int i = 0; i < K; i++) {
    double *b = p->trans_biases + (size_t)i * K, mean = 0.0;
    for (int j = 0; j < K; j++) {
      double a = p->transition_matrix[(size_t)i * K + j];
      b[j] = a > 1e-300 ? log(a) : log(1e-300);
      mean += b[j];
    }
    mean /= K;
    for (int j = 0; j < K; j++) b[j] -= mean;
  }
  urn__hmm_trans_baseline(m, p);
}

void urn__hmm_trans_baseline(const urn_hmm_model *m, urn_hmm_params *p) {
  for (int i = 0; i < m->K; i++)
    trans_row(m->K, m->trans_M, p->trans_weights, p->trans_biases, i, NULL, p->transition_matrix + (size_t)i * m->K);
}

double urn__hmm_trans_log_prior(const urn_hmm_model *m, const urn_hmm_params *p) {
  if (m->no_prior & URN_HMM_FREEZE_TRANSITIONS) return 0.0;
  size_t n = (size_t)m->K * m->K * (m->trans_M + 1);
  double s = m->trans_weight_scale, q = 0.0;
  for (size_t i = 0; i < (size_t)m->K * m->K * m->trans_M; i++) q += p->trans_weights[i] * p->trans_weights[i];
  for (size_t i = 0; i < (size_t)m->K * m->K; i++) q += p->trans_biases[i] * p->trans_biases[i];
  return -0.5 * q / (s * s) - (double)n * (log(s) + 0.5 * log(2.0 * M_PI));
}

/* Forward-backward with a matrix per step.  E (T x K) holds the emission
 * log-likelihoods on entry and e_t = exp(LL_t - max) after; A (T x K x K) the
 * matrices (A_t for the transition into t); gamma gets the smoothed
 * probabilities, c (T) the normalisers; trans_sum (K x K, may be NULL) the
 * expected counts summed over t and xi (T x K x K, may be NULL) those of each
 * step (row 0 zero).  Returns log p(y), -inf with *bad_t when a step has
 * probability 0. */
static double fb_tv(int K, size_t T, const double *pi, tr_src *A, double *E, double *gamma, double *c,
                    double *trans_sum, double *xi, size_t *bad_t) {
  size_t KK = (size_t)K * K;
  double *w = urn_xmalloc(sizeof(double) * (3 * (size_t)K + T));
  double *pred = w, *beta = w + K, *G = w + 2 * K, *mx = w + 3 * K;
  urn__hmm_shift_exp_rows(K, T, E, mx);
  double ll = 0.0;
  int bad = 0;
  *bad_t = (size_t)-1;
  memcpy(pred, pi, sizeof(double) * (size_t)K);
  for (size_t t = 0; t < T; t++) {
    double *f = gamma + t * K;
    const double *e = E + t * K;
    if (t > 0) {
      const double *At = tr_src_at(A, t, T, K), *fp = gamma + (t - 1) * K;
      for (int j = 0; j < K; j++) pred[j] = 0.0;
      for (int i = 0; i < K; i++)
        for (int j = 0; j < K; j++) pred[j] += fp[i] * At[(size_t)i * K + j];
    }
    double s = 0.0;
    for (int k = 0; k < K; k++) s += f[k] = pred[k] * e[k];
    if (!(s > 0.0) || mx[t] == -INFINITY) {
      if (!bad) *bad_t = t;
      bad = 1;
      s = 1.0;
      for (int k = 0; k < K; k++) f[k] = 1.0 / K;
      mx[t] = 0.0;
    }
    for (int k = 0; k < K; k++) f[k] /= s;
    c[t] = s;
    ll += log(s) + mx[t];
  }
  if (bad) {
    free(w);
    return -INFINITY;
  }
  if (trans_sum) memset(trans_sum, 0, sizeof(double) * KK);
  if (xi) memset(xi, 0, sizeof(double) * KK);
  for (int k = 0; k < K; k++) beta[k] = 1.0;
  for (size_t tt = T; tt-- > 0;) {
    double *g = gamma + tt * K;
    if (tt + 1 < T) {
      const double *At = tr_src_at(A, tt + 1, T, K), *e1 = E + (tt + 1) * K;
      double inv = 1.0 / c[tt + 1];
      for (int j = 0; j < K; j++) G[j] = e1[j] * beta[j] * inv;
      double *x1 = xi ? xi + (tt + 1) * KK : NULL;
      for (int i = 0; i < K; i++) {
        const double *Ai = At + (size_t)i * K;
        double sb = 0.0;
        for (int j = 0; j < K; j++) {
          double v = Ai[j] * G[j];
          sb += v;
          v *= g[i]; /* g still holds f_t */
          if (x1) x1[(size_t)i * K + j] = v;
          if (trans_sum) trans_sum[(size_t)i * K + j] += v;
        }
        pred[i] = sb;
      }
      memcpy(beta, pred, sizeof(double) * (size_t)K);
    }
    double s = 0.0;
    for (int k = 0; k < K; k++) s += g[k] *= beta[k];
    double inv = s > 0.0 ? 1.0 / s : 0.0;
    for (int k = 0; k < K; k++) g[k] *= inv;
  }
  free(w);
  return ll;
}

double urn__hmm_trans_fb(const urn_hmm_model *m, const urn_hmm_params *p, const urn_hmm_seq *s, double *E,
                         double *gamma, double *c, double *trans_sum, double *xi, size_t *bad_t) {
  size_t KK = (size_t)m->K * m->K;
  double *buf = urn_xmalloc(sizeof(double) * TR_BLOCK * (KK + (size_t)m->K));
  tr_src A = {NULL, m, p, s, buf, buf + TR_BLOCK * KK, (size_t)-1};
  double ll = fb_tv(m->K, s->T, p->initial_probs, &A, E, gamma, c, trans_sum, xi, bad_t);
  free(buf);
  return ll;
}

/* Inputs of the per-step public functions: finite, probabilities non-negative. */
static int check_tv(int K, size_t T, const double *pi, const double *A, const double *LL, urn_error *err) {
  if (K < 1 || T < 1) return urn_error_set(err, URN_EINPUT, "hmm: need K >= 1 states and T >= 1 steps");
  for (int k = 0; k < K; k++)
    if (!(pi[k] >= 0.0) || !isfinite(pi[k]))
      return urn_error_set(err, URN_EINPUT, "hmm: initial probability %d is %g", k, pi[k]);
  size_t KK = (size_t)K * K;
  for (size_t i = KK; i < T * KK; i++)
    if (!(A[i] >= 0.0) || !isfinite(A[i]))
      return urn_error_set(err, URN_EINPUT, "hmm: transition matrix of step %zu, [%zu][%zu] is %g", i / KK,
                           i % KK / K, i % K, A[i]);
  for (size_t i = 0; i < T * (size_t)K; i++)
    if (isnan(LL[i]) || LL[i] == INFINITY)
      return urn_error_set(err, URN_EINPUT, "hmm: emission log-likelihood at t=%zu, state %zu is %g", i / K, i % K,
                           LL[i]);
  return URN_OK;
}

int urn_hmm_smoother_tv(int K, size_t T, const double *pi, const double *A, const double *LL, double *loglik,
                        double *smoothed, double *trans_sum, urn_error *err) {
  int rc = check_tv(K, T, pi, A, LL, err);
  if (rc) return rc;
  size_t n = T * (size_t)K;
  double *E = urn_xmalloc(sizeof(double) * (2 * n + T));
  double *g = E + n, *c = g + n;
  memcpy(E, LL, sizeof(double) * n);
  size_t bad;
  tr_src src = {A, NULL, NULL, NULL, NULL, NULL, 0};
  double ll = fb_tv(K, T, pi, &src, E, g, c, trans_sum, NULL, &bad);
  if (loglik) *loglik = ll;
  if (ll == -INFINITY)
    rc = urn_error_set(err, URN_EREJECT, "hmm: the observation at t=%zu has probability 0 under every state", bad);
  else if (smoothed)
    memcpy(smoothed, g, sizeof(double) * n);
  free(E);
  return rc;
}

int urn_hmm_viterbi_tv(int K, size_t T, const double *pi, const double *A, const double *LL, int *states,
                       urn_error *err) {
  int rc = check_tv(K, T, pi, A, LL, err);
  if (rc) return rc;
  return urn__hmm_viterbi_core(K, T, pi, A, (size_t)K * K, LL, states); /* hmm_infer.c */
}

/* ---- the M-step ----
 *
 * The K origin states are independent problems, but they share the data: every
 * pass over time evaluates all the origins still iterating.  Per step the
 * Hessian of origin i is n_t (diag(p) - p p') (x) x x' (x = (u_t, 1)), so a pass
 * accumulates, per origin, K(K+1)/2 state pairs times the n1(n1+1)/2 distinct
 * products of x (computed once per step for all origins), and the full matrix is
 * assembled after the pass.  The line search's trial point is evaluated with its
 * derivatives, so an accepted step costs one pass: a Newton iteration is one pass
 * over the data for all origins together (before: one pass per origin for the
 * derivatives plus one per trial point). */

/* The data and sizes of one M-step. */
typedef struct tr_ctx {
  int K, U, n1, nth;         /* states, inputs, U + 1, K (U + 1) coefficients per origin */
  int npair, nsym;           /* K(K+1)/2 state pairs, n1(n1+1)/2 distinct products x_q x_r */
  const urn_hmm_seq *seqs;   /* batch (inputs u) */
  size_t nseq;               /* number of sequences */
  const double *xi;          /* pooled per-step expected counts, n_total x K x K */
  double lambda;             /* prior precision 1/s^2 (0: maximum likelihood) */
  const urn__hmm_reducer *red; /* sums over the processes that hold the other sequences (NULL: one) */
} tr_ctx;

/* Accumulates one block of nb steps (x: nb x n1, E: the exponentiated predictors nb x K x K shifted by mx,
 * fe: sum_j cnt_j eta_j per step and origin) into F, g and the packed Hessian blocks.  Inlined with constant K
 * and n1 for the common sizes, so the small loops unroll. */
static inline __attribute__((always_inline)) void tr_accum(int K, int n1, int nsym, int npair, int nb,
                                                             const double *x, const double *cnt_b, const double *E,
                                                             const double *mx, const double *fe, const int *mode,
                                                             double *F, double *g, double *Hs, double *xx,
                                                             double *pr, double *lsum) {
  int nth = K * n1;
  for (int tt = 0; tt < nb; tt++) /* the normalisers' logs, all at once */
    for (int i = 0; i < K; i++) {
      const double *e = E + ((size_t)tt * K + i) * K;
      double sum = 0.0;
      URN_UNROLL
      for (int j = 0; j < K; j++) sum += e[j];
      lsum[(size_t)tt * K + i] = sum;
    }
  urn__hmm_log_pos((size_t)nb * K, lsum);
  for (int tt = 0; tt < nb; tt++) {
    const double *xt = x + (size_t)tt * n1;
    URN_UNROLL
    for (int q = 0, k = 0; q < n1; q++)
      for (int r = q; r < n1; r++) xx[k++] = xt[q] * xt[r];
    for (int i = 0; i < K; i++) {
      if (!mode[i]) continue;
      const double *cnt = cnt_b + ((size_t)tt * K + i) * K, *e = E + ((size_t)tt * K + i) * K;
      double n = 0.0, sum = 0.0;
      URN_UNROLL
      for (int j = 0; j < K; j++) n += cnt[j], sum += e[j];
      if (n == 0.0) continue;
      F[i] += fe[(size_t)tt * K + i] - n * (mx[(size_t)tt * K + i] + lsum[(size_t)tt * K + i]);
      if (mode[i] != 2) continue;
      double inv = 1.0 / sum, *gi = g + (size_t)i * nth, *hs = Hs + (size_t)i * npair * nsym;
      URN_UNROLL
      for (int j = 0; j < K; j++) pr[j] = e[j] * inv;
      URN_UNROLL
      for (int j = 0; j < K; j++) {
        double rj = cnt[j] - n * pr[j], *gj = gi + (size_t)j * n1;
        URN_UNROLL
        for (int q = 0; q < n1; q++) gj[q] += rj * xt[q];
      }
      URN_UNROLL
      for (int j = 0; j < K; j++) {
        double npj = n * pr[j];
        URN_UNROLL
        for (int l = 0; l <= j; l++, hs += nsym) {
          double a = (j == l ? npj : 0.0) - npj * pr[l];
          URN_UNROLL
          for (int k = 0; k < nsym; k++) hs[k] += a * xx[k];
        }
      }
    }
  }
}

/* One pass over the data: for every origin i with mode[i] > 0, F[i] = sum_t sum_j
 * xi_t[i,j] log p_t(i -> j) at theta + i nth; with mode[i] == 2 also the gradient
 * (g + i nth) and the packed Hessian blocks (Hs + i npair nsym, minus the Hessian). */
static void tr_pass(const tr_ctx *c, const double *theta, const int *mode, double *F, double *g, double *Hs) {
  int K = c->K, U = c->U, n1 = c->n1, nth = c->nth, nsym = c->nsym, npair = c->npair;
  size_t KK = (size_t)K * K;
  for (int i = 0; i < K; i++) {
    if (!mode[i]) continue;
    F[i] = 0.0;
    if (mode[i] == 2) {
      memset(g + (size_t)i * nth, 0, sizeof(double) * (size_t)nth);
      memset(Hs + (size_t)i * npair * nsym, 0, sizeof(double) * (size_t)npair * nsym);
    }
  }
  /* per block: x (TR_BLOCK x n1), E (TR_BLOCK x K x K), mx, fe and lsum (TR_BLOCK x K); xx (nsym), pr (K) */
  double *x = urn_xmalloc(sizeof(double) * (TR_BLOCK * ((size_t)n1 + KK + 3 * (size_t)K) + (size_t)nsym + K));
  double *E = x + (size_t)TR_BLOCK * n1, *mx = E + TR_BLOCK * KK, *fe = mx + (size_t)TR_BLOCK * K;
  double *lsum = fe + (size_t)TR_BLOCK * K, *xx = lsum + (size_t)TR_BLOCK * K, *pr = xx + nsym;
  size_t at = 0;
  for (size_t b = 0; b < c->nseq; b++) {
    const urn_hmm_seq *s = &c->seqs[b];
    for (size_t t0 = 1; t0 < s->T; t0 += TR_BLOCK) { /* step 0 has no transition into it */
      int nb = s->T - t0 < TR_BLOCK ? (int)(s->T - t0) : TR_BLOCK;
      const double *cnt_b = c->xi + (at + t0) * KK;
      for (int tt = 0; tt < nb; tt++) {
        double *xt = x + (size_t)tt * n1;
        const double *u = s->u + (t0 + tt) * U;
        for (int q = 0; q < U; q++) xt[q] = u[q];
        xt[U] = 1.0;
        for (int i = 0; i < K; i++) {
          double *eta = E + ((size_t)tt * K + i) * K, f = 0.0;
          const double *th = theta + (size_t)i * nth, *cnt = cnt_b + ((size_t)tt * K + i) * K;
          for (int j = 0; j < K; j++) {
            double e = 0.0;
            if (mode[i])
              for (int q = 0; q < n1; q++) e += th[(size_t)j * n1 + q] * xt[q];
            eta[j] = e;
            f += cnt[j] * e;
          }
          fe[(size_t)tt * K + i] = f;
        }
      }
      urn__hmm_shift_exp_rows(K, (size_t)nb * K, E, mx);
      if (K == 2 && n1 == 2) tr_accum(2, 2, 3, 3, nb, x, cnt_b, E, mx, fe, mode, F, g, Hs, xx, pr, lsum);
      else if (K == 2 && n1 == 3) tr_accum(2, 3, 6, 3, nb, x, cnt_b, E, mx, fe, mode, F, g, Hs, xx, pr, lsum);
      else if (K == 3 && n1 == 2) tr_accum(3, 2, 3, 6, nb, x, cnt_b, E, mx, fe, mode, F, g, Hs, xx, pr, lsum);
      else if (K == 3 && n1 == 3) tr_accum(3, 3, 6, 6, nb, x, cnt_b, E, mx, fe, mode, F, g, Hs, xx, pr, lsum);
      else if (K == 4 && n1 == 3) tr_accum(4, 3, 6, 10, nb, x, cnt_b, E, mx, fe, mode, F, g, Hs, xx, pr, lsum);
      else tr_accum(K, n1, nsym, npair, nb, x, cnt_b, E, mx, fe, mode, F, g, Hs, xx, pr, lsum);
    }
    at += s->T;
  }
  free(x);
}

/* A pass's sums over the processes (c->red): the objective, gradient and packed Hessian blocks of every origin
 * still iterating (mode 2; the same origins on every process, since each takes the same steps) packed into one
 * vector, summed, unpacked. */
static void tr_reduce(const tr_ctx *c, const int *mode, double *F, double *g, double *Hs) {
  if (!c->red || !c->red->sum) return;
  size_t nth = (size_t)c->nth, nh = (size_t)c->npair * c->nsym, n = 0;
  double *v = urn_xmalloc(sizeof(double) * (size_t)c->K * (1 + nth + nh));
  for (int i = 0; i < c->K; i++) {
    if (mode[i] != 2) continue;
    v[n++] = F[i];
    memcpy(v + n, g + (size_t)i * nth, sizeof(double) * nth), n += nth;
    memcpy(v + n, Hs + (size_t)i * nh, sizeof(double) * nh), n += nh;
  }
  c->red->sum(c->red->ctx, v, n);
  n = 0;
  for (int i = 0; i < c->K; i++) {
    if (mode[i] != 2) continue;
    F[i] = v[n++];
    memcpy(g + (size_t)i * nth, v + n, sizeof(double) * nth), n += nth;
    memcpy(Hs + (size_t)i * nh, v + n, sizeof(double) * nh), n += nh;
  }
  free(v);
}

/* Origin i's full objective after a pass: the prior term, and (derivs) the full gradient and minus the Hessian H
 * (nth x nth) from the packed blocks. */
static double tr_finish(const tr_ctx *c, const double *th, double F, double *g, const double *hs, double *H) {
  int K = c->K, n1 = c->n1, nth = c->nth;
  double q = 0.0;
  for (int a = 0; a < nth; a++) q += th[a] * th[a];
  F -= 0.5 * c->lambda * q;
  if (!g) return F;
  for (int a = 0; a < nth; a++) g[a] -= c->lambda * th[a];
  for (int j = 0; j < K; j++)
    for (int l = 0; l <= j; l++, hs += c->nsym)
      for (int qq = 0, k = 0; qq < n1; qq++)
        for (int r = qq; r < n1; r++, k++) {
          size_t a1 = (size_t)j * n1 + qq, b1 = (size_t)l * n1 + r, a2 = (size_t)j * n1 + r, b2 = (size_t)l * n1 + qq;
          H[a1 * nth + b1] = H[b1 * nth + a1] = hs[k];
          H[a2 * nth + b2] = H[b2 * nth + a2] = hs[k];
        }
  for (int a = 0; a < nth; a++) H[(size_t)a * nth + a] += c->lambda;
  return F;
}

/* Projects v (K blocks of n1) onto the gauge sum_j v_j = 0. */
static void tr_project(int K, int n1, double *v) {
  for (int q = 0; q < n1; q++) {
    double s = 0.0;
    for (int j = 0; j < K; j++) s += v[j * n1 + q];
    s /= K;
    for (int j = 0; j < K; j++) v[j * n1 + q] -= s;
  }
}

/* The Newton direction d on the gauge-free subspace (g projected in place): solves
 * (P H P + I - P) d = P g, P = (I - 11'/K) (x) I_n1.  Returns the decrement g'd,
 * or -1 when the system cannot be solved.  Hp, work: scratch (nth^2, 2 nth^2). */
static double tr_direction(int K, int n1, const double *H, double *g, double *Hp, double *work, double *d) {
  int nth = K * n1;
  tr_project(K, n1, g);
  memcpy(Hp, H, sizeof(double) * (size_t)nth * nth);
  for (int b = 0; b < nth; b++) /* columns: P H */
    for (int q = 0; q < n1; q++) {
      double s = 0.0;
      for (int j = 0; j < K; j++) s += Hp[(size_t)(j * n1 + q) * nth + b];
      s /= K;
      for (int j = 0; j < K; j++) Hp[(size_t)(j * n1 + q) * nth + b] -= s;
    }
  for (int a = 0; a < nth; a++) tr_project(K, n1, Hp + (size_t)a * nth); /* rows: (P H) P */
  for (int a = 0; a < nth; a++) /* + (I - P) */
    for (int j = 0; j < K; j++) Hp[(size_t)a * nth + j * n1 + a % n1] += 1.0 / K;
  if (urn_pd_solve_ridge(Hp, g, d, (size_t)nth, work)) return -1.0;
  tr_project(K, n1, d);
  double lam2 = 0.0;
  for (int a = 0; a < nth; a++) lam2 += g[a] * d[a];
  return lam2 >= 0.0 ? lam2 : -1.0;
}

/* Per-origin state of the joint Newton iteration. */
typedef struct tr_origin {
  int state;       /* 0 skipped / finished, 1 derivatives fresh at theta, 2 trial point under test */
  int bad;         /* 1: did not converge cleanly (warned) */
  int iters;       /* Newton iterations taken */
  int halvings;    /* step halvings of the current line search */
  double tol;      /* decrement tolerance: 1e-13 of the origin's counts (at least 1e-13) */
  double total;    /* the origin's expected transition count */
  double f0;       /* objective at the accepted point */
  double lam2;     /* Newton decrement g'd at the accepted point */
  double step;     /* current step length */
} tr_origin;

/* Damped Newton for every origin at once (theta: K x nth, in place), one pass over the data per iteration.
 * Marks bad[i] when origin i did not converge cleanly. */
static void tr_newton_all(const tr_ctx *c, double *theta, tr_origin *o) {
  int K = c->K, n1 = c->n1, nth = c->nth;
  size_t nn = (size_t)nth * nth;
  double *mem = urn_xmalloc(sizeof(double) * ((size_t)K * (3 * nth + (size_t)c->npair * c->nsym + 1) + 5 * nn));
  double *F = mem, *g = F + K, *base = g + (size_t)K * nth, *d = base + (size_t)K * nth;
  double *Hs = d + (size_t)K * nth, *H = Hs + (size_t)K * c->npair * c->nsym, *Hp = H + nn, *work = Hp + nn;
  int *mode = urn_xmalloc(sizeof(int) * (size_t)K);
  for (int i = 0; i < K; i++) {
    mode[i] = o[i].state ? 2 : 0;
    if (o[i].state) tr_project(K, n1, theta + (size_t)i * nth);
  }
  for (;;) {
    int any = 0;
    for (int i = 0; i < K; i++) any |= mode[i];
    if (!any) break;
    tr_pass(c, theta, mode, F, g, Hs);
    tr_reduce(c, mode, F, g, Hs);
    for (int i = 0; i < K; i++) {
      if (!mode[i]) continue;
      tr_origin *oi = &o[i];
      double *th = theta + (size_t)i * nth, *gi = g + (size_t)i * nth, *di = d + (size_t)i * nth;
      double f = tr_finish(c, th, F[i], gi, Hs + (size_t)i * c->npair * c->nsym, H);
      if (oi->state == 2) { /* the trial point: accept, or halve the step */
        if (!(f >= oi->f0 + TR_ARMIJO * oi->step * oi->lam2)) {
          if (++oi->halvings > TR_HALVINGS) { /* no ascent left at rounding level: the start is the maximum */
            memcpy(th, base + (size_t)i * nth, sizeof(double) * (size_t)nth);
            oi->bad = oi->lam2 / 2.0 <= 1e-8 * (oi->total > 1.0 ? oi->total : 1.0) ? 0 : 1;
            oi->state = mode[i] = 0;
            continue;
          }
          oi->step *= 0.5;
          for (int a = 0; a < nth; a++) th[a] = base[(size_t)i * nth + a] + oi->step * di[a];
          continue;
        }
        oi->state = 1;
      }
      /* derivatives fresh at an accepted point: the next Newton direction */
      double lam2 = tr_direction(K, n1, H, gi, Hp, work, di);
      if (lam2 < 0.0 || lam2 / 2.0 <= oi->tol || oi->iters >= TR_NEWTON_ITERS) {
        oi->bad = lam2 < 0.0 || lam2 / 2.0 > oi->tol;
        oi->state = mode[i] = 0;
        continue;
      }
      oi->iters++;
      oi->f0 = f, oi->lam2 = lam2, oi->step = 1.0, oi->halvings = 0, oi->state = 2;
      memcpy(base + (size_t)i * nth, th, sizeof(double) * (size_t)nth);
      for (int a = 0; a < nth; a++) th[a] += di[a];
    }
  }
  free(mode);
  free(mem);
}

int urn__hmm_trans_m_step(const urn_hmm_model *m, const urn_hmm_stats *st, const urn_hmm_seq *seqs, size_t nseq,
                          urn_hmm_params *p, int iteration, const urn__hmm_reducer *red, urn_error *err) {
  int K = m->K, U = m->trans_M, n1 = U + 1, nth = K * n1;
  if (K == 1) return URN_OK;
  double s = m->trans_weight_scale, lambda = (m->no_prior & URN_HMM_FREEZE_TRANSITIONS) ? 0.0 : 1.0 / (s * s);
  tr_ctx c = {K, U, n1, nth, K * (K + 1) / 2, n1 * (n1 + 1) / 2, seqs, nseq, st->xi, lambda, red};
  double *theta = urn_xmalloc(sizeof(double) * (size_t)K * nth);
  tr_origin *o = urn_xcalloc((size_t)K, sizeof(tr_origin));
  for (int i = 0; i < K; i++) {
    double total = 0.0, *th = theta + (size_t)i * nth;
    for (int j = 0; j < K; j++) total += st->trans[(size_t)i * K + j];
    o[i].total = total;
    o[i].tol = 1e-13 * (total > 1.0 ? total : 1.0);
    o[i].state = (total > 1e-10) || c.lambda != 0.0; /* never left under maximum likelihood: nothing to estimate */
    for (int j = 0; j < K; j++) {
      memcpy(th + j * n1, p->trans_weights + ((size_t)i * K + j) * U, sizeof(double) * (size_t)U);
      th[j * n1 + U] = p->trans_biases[(size_t)i * K + j];
    }
  }
  tr_newton_all(&c, theta, o);
  int rc = URN_OK;
  for (int i = 0; i < K && !rc; i++) {
    const double *th = theta + (size_t)i * nth;
    for (int q = 0; q < nth; q++)
      if (!isfinite(th[q])) {
        rc = urn_error_set(err, URN_EINPUT,
                           "hmm transition M-step (iteration %d): the transition weights of state %d diverged", iteration, i);
        break;
      }
    if (rc) break;
    if (o[i].bad && m->warn) {
      char msg[300];
      snprintf(msg, sizeof msg,
               "hmm transition M-step (iteration %d), state %d: Newton did not converge cleanly (a transition never or "
               "always taken drives its weights to infinity under maximum likelihood; a prior bounds them)",
               iteration, i);
      m->warn(m->warn_ctx, msg);
    }
    for (int j = 0; j < K; j++) {
      memcpy(p->trans_weights + ((size_t)i * K + j) * U, th + j * n1, sizeof(double) * (size_t)U);
      p->trans_biases[(size_t)i * K + j] = th[j * n1 + U];
    }
  }
  free(o);
  free(theta);
  urn__hmm_trans_baseline(m, p);
  return rc;
}
