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
 * no prior under maximum likelihood), deterministic and monotone. */
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
  for (size_t t = 1; t < s->T; t++)
    for (int i = 0; i < K; i++) trans_row(K, U, p->trans_weights, p->trans_biases, i, s->u + t * U, A + t * KK + (size_t)i * K);
  return URN_OK;
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
static double fb_tv(int K, size_t T, const double *pi, const double *A, double *E, double *gamma, double *c,
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
      const double *At = A + t * KK, *fp = gamma + (t - 1) * K;
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
      const double *At = A + (tt + 1) * KK, *e1 = E + (tt + 1) * K;
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
  double *A = urn_xmalloc(sizeof(double) * s->T * KK);
  urn_hmm_trans_matrices(m, p, s, A, NULL);
  double ll = fb_tv(m->K, s->T, p->initial_probs, A, E, gamma, c, trans_sum, xi, bad_t);
  free(A);
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
  double ll = fb_tv(K, T, pi, A, E, g, c, trans_sum, NULL, &bad);
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

/* ---- the M-step ---- */

/* One origin state's objective over the pooled steps. */
typedef struct tr_ctx {
  int K, U, n1;              /* states, inputs, U + 1 */
  int origin;                /* the origin state i */
  const urn_hmm_seq *seqs;   /* batch (inputs u) */
  size_t nseq;               /* number of sequences */
  const double *xi;          /* pooled per-step expected counts, n_total x K x K */
  double lambda;             /* prior precision 1/s^2 (0: maximum likelihood) */
  double *eta;               /* scratch, K */
} tr_ctx;

/* Linear predictors at u (NULL for step 0, which has no counts) and their log-sum-exp. */
static double tr_eta(const tr_ctx *c, const double *th, const double *u, double *eta) {
  double mx = -INFINITY;
  for (int j = 0; j < c->K; j++) {
    const double *r = th + (size_t)j * c->n1;
    double e = r[c->U];
    for (int q = 0; q < c->U; q++) e += r[q] * u[q];
    eta[j] = e;
    if (e > mx) mx = e;
  }
  double s = 0.0;
  for (int j = 0; j < c->K; j++) s += exp(eta[j] - mx);
  return mx + log(s);
}

/* F(theta), and when g is not NULL its gradient and minus its Hessian H (nth x nth). */
static double tr_eval(tr_ctx *c, const double *th, double *g, double *H) {
  int K = c->K, U = c->U, n1 = c->n1, nth = K * n1;
  size_t KK = (size_t)K * K;
  double F = 0.0, xx[257], *x = n1 <= 257 ? xx : urn_xmalloc(sizeof(double) * (size_t)n1);
  if (g) {
    memset(g, 0, sizeof(double) * (size_t)nth);
    memset(H, 0, sizeof(double) * (size_t)nth * nth);
  }
  size_t at = 0;
  for (size_t b = 0; b < c->nseq; b++) {
    const urn_hmm_seq *s = &c->seqs[b];
    for (size_t t = 0; t < s->T; t++, at++) {
      if (t == 0) continue;
      const double *cnt = c->xi + at * KK + (size_t)c->origin * K;
      double n = 0.0;
      for (int j = 0; j < K; j++) n += cnt[j];
      if (n == 0.0) continue;
      const double *u = s->u + t * U;
      double lse = tr_eta(c, th, u, c->eta);
      for (int j = 0; j < K; j++) F += cnt[j] * (c->eta[j] - lse);
      if (!g) continue;
      for (int q = 0; q < U; q++) x[q] = u[q];
      x[U] = 1.0;
      double *pr = c->eta;
      for (int j = 0; j < K; j++) pr[j] = exp(pr[j] - lse);
      for (int j = 0; j < K; j++) {
        double r = cnt[j] - n * pr[j];
        for (int q = 0; q < n1; q++) g[j * n1 + q] += r * x[q];
      }
      for (int j = 0; j < K; j++)
        for (int l = 0; l <= j; l++) {
          double a = n * ((j == l ? pr[j] : 0.0) - pr[j] * pr[l]);
          if (a == 0.0) continue;
          for (int q = 0; q < n1; q++) {
            double ax = a * x[q];
            double *row = H + (size_t)(j * n1 + q) * nth + l * n1;
            for (int r2 = 0; r2 < n1; r2++) row[r2] += ax * x[r2];
          }
        }
    }
  }
  if (x != xx) free(x);
  double q = 0.0;
  for (int i = 0; i < nth; i++) q += th[i] * th[i];
  F -= 0.5 * c->lambda * q;
  if (g) {
    for (int i = 0; i < nth; i++) {
      g[i] -= c->lambda * th[i];
      for (int j = 0; j < i; j++) H[(size_t)j * nth + i] = H[(size_t)i * nth + j]; /* blocks l <= j filled the lower part */
    }
    for (int i = 0; i < nth; i++) H[(size_t)i * nth + i] += c->lambda;
  }
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

/* Damped Newton from theta (in place) for one origin state; returns 1 when it did not converge cleanly. */
static int tr_newton(tr_ctx *c, double *theta, double total) {
  int K = c->K, n1 = c->n1, nth = K * n1;
  size_t nn = (size_t)nth * nth;
  double *g = urn_xmalloc(sizeof(double) * (nn * 4 + 3 * (size_t)nth));
  double *H = g + nth, *Hp = H + nn, *work = Hp + nn, *d = work + 2 * nn, *xt = d + nth;
  tr_project(K, n1, theta);
  int status = 1;
  double tol = 1e-13 * (total > 1.0 ? total : 1.0);
  for (int it = 0; it < TR_NEWTON_ITERS; it++) {
    double f0 = tr_eval(c, theta, g, H);
    tr_project(K, n1, g);
    /* Hp = P H P + (I - P), P = (I - 11'/K) (x) I_n1: the Hessian on the gauge-free subspace */
    for (int a = 0; a < nth; a++)
      for (int b = 0; b < nth; b++) Hp[(size_t)a * nth + b] = H[(size_t)a * nth + b];
    for (int b = 0; b < nth; b++) { /* columns: P H */
      for (int q = 0; q < n1; q++) {
        double s = 0.0;
        for (int j = 0; j < K; j++) s += Hp[(size_t)(j * n1 + q) * nth + b];
        s /= K;
        for (int j = 0; j < K; j++) Hp[(size_t)(j * n1 + q) * nth + b] -= s;
      }
    }
    for (int a = 0; a < nth; a++) { /* rows: (P H) P */
      double *row = Hp + (size_t)a * nth;
      tr_project(K, n1, row);
    }
    for (int a = 0; a < nth; a++) /* + (I - P) */
      for (int q = 0; q < n1; q++)
        for (int j = 0; j < K; j++) {
          int b = j * n1 + q, aj = a % n1 == q;
          if (aj) Hp[(size_t)a * nth + b] += 1.0 / K;
        }
    if (urn_pd_solve_ridge(Hp, g, d, (size_t)nth, work)) break;
    tr_project(K, n1, d);
    double lam2 = 0.0;
    for (int i = 0; i < nth; i++) lam2 += g[i] * d[i];
    if (!(lam2 >= 0.0)) break;
    if (lam2 / 2.0 <= tol) {
      status = 0;
      break;
    }
    double step = 1.0;
    int ok = 0;
    for (int h = 0; h <= TR_HALVINGS; h++) {
      for (int i = 0; i < nth; i++) xt[i] = theta[i] + step * d[i];
      double f1 = tr_eval(c, xt, NULL, NULL);
      if (f1 >= f0 + TR_ARMIJO * step * lam2) {
        ok = 1;
        break;
      }
      step *= 0.5;
    }
    if (!ok) { /* no ascent left at rounding level: the start is the maximum */
      status = lam2 / 2.0 <= 1e-8 * (total > 1.0 ? total : 1.0) ? 0 : 1;
      break;
    }
    memcpy(theta, xt, sizeof(double) * (size_t)nth);
  }
  free(g);
  return status;
}

int urn__hmm_trans_m_step(const urn_hmm_model *m, const urn_hmm_stats *st, const urn_hmm_seq *seqs, size_t nseq,
                          urn_hmm_params *p, int iteration, urn_error *err) {
  int K = m->K, U = m->trans_M, n1 = U + 1, nth = K * n1;
  if (K == 1) return URN_OK;
  double *theta = urn_xmalloc(sizeof(double) * (size_t)(nth + K));
  tr_ctx c = {K, U, n1, 0, seqs, nseq, st->xi,
              (m->no_prior & URN_HMM_FREEZE_TRANSITIONS) ? 0.0 : 1.0 / (m->trans_weight_scale * m->trans_weight_scale),
              theta + nth};
  int rc = URN_OK;
  for (int i = 0; i < K && !rc; i++) {
    double total = 0.0;
    for (int j = 0; j < K; j++) total += st->trans[(size_t)i * K + j];
    if (!(total > 1e-10) && c.lambda == 0.0) continue; /* never left: nothing to estimate */
    for (int j = 0; j < K; j++) {
      memcpy(theta + j * n1, p->trans_weights + ((size_t)i * K + j) * U, sizeof(double) * (size_t)U);
      theta[j * n1 + U] = p->trans_biases[(size_t)i * K + j];
    }
    c.origin = i;
    int bad = tr_newton(&c, theta, total);
    for (int q = 0; q < nth; q++)
      if (!isfinite(theta[q])) {
        rc = urn_error_set(err, URN_EINPUT,
                           "hmm transition M-step (iteration %d): the transition weights of state %d diverged", iteration, i);
        break;
      }
    if (rc) break;
    if (bad && m->warn) {
      char msg[300];
      snprintf(msg, sizeof msg,
               "hmm transition M-step (iteration %d), state %d: Newton did not converge cleanly (a transition never or "
               "always taken drives its weights to infinity under maximum likelihood; a prior bounds them)",
               iteration, i);
      m->warn(m->warn_ctx, msg);
    }
    for (int j = 0; j < K; j++) {
      memcpy(p->trans_weights + ((size_t)i * K + j) * U, theta + j * n1, sizeof(double) * (size_t)U);
      p->trans_biases[(size_t)i * K + j] = theta[j * n1 + U];
    }
  }
  free(theta);
  urn__hmm_trans_baseline(m, p);
  return rc;
}
