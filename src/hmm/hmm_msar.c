/* hmm/hmm_msar.c — Markov-switching autoregression of order p, as statsmodels'
 * MarkovAutoregression (trend 'c'; docs/hmm.md):
 *
 *   y_t = mu_{S_t} + sum_{j=1..p} phi_{j,S_t} (y_{t-j} - mu_{S_{t-j}}) + eps_t,  eps_t ~ N(0, sigma^2_{S_t}),
 *
 * for t = p..T-1 (the first p values are conditioned on).  The regime mean of
 * every lag enters, so the model is an HMM on the tuples (S_t, S_{t-1}, ...,
 * S_{t-p}): N = K^(p+1) expanded states, tuple index e = sum_j s_j K^j (s_0 the
 * current regime), moving from (r_0..r_p) to (s_0, r_0..r_{p-1}) with
 * probability A[r_0][s_0].  The tuple at the first modelled step has
 * probability pi[s_p] prod_j A[s_{j+1}][s_j]: pi the stationary distribution of
 * A (statsmodels' steady-state initialization, its default) or free.
 * The AR coefficients and the variance may each switch or be shared.  With X
 * exogenous regressors (statsmodels' exog) every regime mean mu_{S_s} above
 * is mu_{S_s} + x_s . beta_{S_s}, each regressor's coefficient switching or
 * shared.
 *
 * Fitting is maximum likelihood by EM over the expanded HMM (hmm_infer.c's
 * smoother): transitions from the expected counts (with the steady state, a
 * step towards the count ratio halved until the expected complete-data log
 * likelihood, which then includes log pi(A), does not fall); the emission
 * parameters by conditional maximisation (ECM): phi given mu, then mu given
 * phi (both weighted least squares: the residual is linear in each), then the
 * variances.  Every step is a conditional maximiser, so the likelihood never
 * falls.  Restarts from a deterministic start and random ones. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hmm/hmm_internal.h"
#include "math/linalg.h"
#include "math/rng.h"
#include "util/util.h"

#define MSAR_MAX_STATES 4096 /* K^(p+1) */

int urn_hmm_msar_check(const urn_hmm_msar *m, size_t T, urn_error *err) {
  if (m->K < 1 || m->K > 100) return urn_error_set(err, URN_EINPUT, "hmm msar: %d regimes (must be 1..100)", m->K);
  if (m->order < 0 || m->order > 50) return urn_error_set(err, URN_EINPUT, "hmm msar: order %d (must be 0..50)", m->order);
  double n = pow(m->K, m->order + 1);
  if (n > MSAR_MAX_STATES)
    return urn_error_set(err, URN_EINPUT, "hmm msar: %d regimes with order %d make %.0f expanded states (at most %d)",
                         m->K, m->order, n, MSAR_MAX_STATES);
  if (T <= (size_t)m->order + 1)
    return urn_error_set(err, URN_EINPUT, "hmm msar: %zu observations, but order %d needs more than %d", T, m->order,
                         m->order + 1);
  if (m->num_x < 0 || m->num_x > 64 || (m->num_x && !m->x))
    return urn_error_set(err, URN_EINPUT, "hmm msar: %d regressors (must be 0..64, with their values)", m->num_x);
  size_t X = (size_t)m->num_x;
  for (size_t j = 0; j < X; j++) {
    int varies = 0;
    for (size_t t = 0; t < T; t++) {
      double v = m->x[t * X + j];
      if (!isfinite(v))
        return urn_error_set(err, URN_EINPUT, "hmm msar: regressor %zu at t = %zu is %g (must be finite)", j, t, v);
      varies |= v != m->x[j];
    }
    if (!varies)
      return urn_error_set(err, URN_EINPUT,
                           "hmm msar: regressor %zu is constant (the intercepts mu are already the constant term)", j);
  }
  return URN_OK;
}

void urn_hmm_msar_params_alloc(const urn_hmm_msar *m, urn_hmm_msar_params *p) {
  int K = m->K;
  p->initial_probs = urn_xcalloc((size_t)K, sizeof(double));
  p->transition_matrix = urn_xcalloc((size_t)K * K, sizeof(double));
  p->means = urn_xcalloc((size_t)K, sizeof(double));
  p->ar = urn_xcalloc((size_t)K * (m->order ? m->order : 1), sizeof(double));
  p->variances = urn_xcalloc((size_t)K, sizeof(double));
  p->exog = urn_xcalloc((size_t)K * (m->num_x ? (size_t)m->num_x : 1), sizeof(double));
}

void urn_hmm_msar_params_free(urn_hmm_msar_params *p) {
  free(p->initial_probs);
  free(p->transition_matrix);
  free(p->means);
  free(p->ar);
  free(p->variances);
  free(p->exog);
  memset(p, 0, sizeof *p);
}

static void params_copy(const urn_hmm_msar *m, urn_hmm_msar_params *d, const urn_hmm_msar_params *s) {
  size_t K = (size_t)m->K, P = (size_t)(m->order ? m->order : 1);
  memcpy(d->initial_probs, s->initial_probs, K * sizeof(double));
  memcpy(d->transition_matrix, s->transition_matrix, K * K * sizeof(double));
  memcpy(d->means, s->means, K * sizeof(double));
  memcpy(d->ar, s->ar, K * P * sizeof(double));
  memcpy(d->variances, s->variances, K * sizeof(double));
  memcpy(d->exog, s->exog, K * (m->num_x ? (size_t)m->num_x : 1) * sizeof(double));
}

int urn_hmm_msar_num_params(const urn_hmm_msar *m) {
  int K = m->K, p = m->order, nx = 0;
  for (int j = 0; j < m->num_x; j++) nx += m->shared_x >> j & 1 ? 1 : K;
  return K * (K - 1) + (m->steady_initial ? 0 : K - 1) + K + (m->switching_ar ? K * p : p) + (m->switching_var ? K : 1) +
         nx;
}

void urn_hmm_stationary(int K, const double *A, double *pi) {
  /* solve pi (I - A) = 0 with sum pi = 1: (I - A)^T pi = 0, its last equation replaced by the sum */
  double *M = urn_xmalloc(sizeof(double) * (size_t)K * (K + 1));
  for (int i = 0; i < K; i++) {
    for (int j = 0; j < K; j++) M[i * (K + 1) + j] = (i == j) - A[(size_t)j * K + i];
    M[i * (K + 1) + K] = 0.0;
  }
  for (int j = 0; j <= K; j++) M[(K - 1) * (K + 1) + j] = 1.0;
  for (int c = 0; c < K; c++) { /* Gaussian elimination, partial pivoting */
    int piv = c;
    for (int r = c + 1; r < K; r++)
      if (fabs(M[r * (K + 1) + c]) > fabs(M[piv * (K + 1) + c])) piv = r;
    if (piv != c)
      for (int j = 0; j <= K; j++) {
        double t = M[c * (K + 1) + j];
        M[c * (K + 1) + j] = M[piv * (K + 1) + j], M[piv * (K + 1) + j] = t;
      }
    double d = M[c * (K + 1) + c];
    if (fabs(d) < 1e-300) continue;
    for (int r = 0; r < K; r++) {
      if (r == c) continue;
      double f = M[r * (K + 1) + c] / d;
      if (f != 0.0)
        for (int j = c; j <= K; j++) M[r * (K + 1) + j] -= f * M[c * (K + 1) + j];
    }
  }
  double s = 0.0;
  for (int i = 0; i < K; i++) {
    double d = M[i * (K + 1) + i];
    pi[i] = fabs(d) > 1e-300 ? M[i * (K + 1) + K] / d : 0.0;
    if (!(pi[i] > 0.0)) pi[i] = 0.0;
    s += pi[i];
  }
  for (int i = 0; i < K; i++) pi[i] = s > 0 ? pi[i] / s : 1.0 / K;
  free(M);
}

/* The expanded model: N states, the initial tuple distribution q, the N x N matrix, the (T - p) x N log-likelihoods. */
typedef struct msar_work {
  int N, K, p;       /* expanded states, regimes, order */
  size_t n;          /* modelled steps T - p */
  int *dig;          /* N x (p + 1): the regimes s_0..s_p of each tuple */
  double *q, *Ae;    /* N; N x N */
  double *LL, *g;    /* n x N: log-likelihoods, smoothed probabilities */
  double *tr;        /* N x N expected expanded transition counts */
  double *mt;        /* T x K: the regime means mu_k + x_t . beta_k of every step */
} msar_work;

static void work_init(msar_work *w, const urn_hmm_msar *m, size_t T) {
  w->K = m->K, w->p = m->order;
  w->N = 1;
  for (int j = 0; j <= w->p; j++) w->N *= w->K;
  w->n = T - (size_t)w->p;
  size_t N = (size_t)w->N;
  w->dig = urn_xmalloc(sizeof(int) * N * (size_t)(w->p + 1));
  for (size_t e = 0; e < N; e++) {
    size_t v = e;
    for (int j = 0; j <= w->p; j++) w->dig[e * (w->p + 1) + j] = (int)(v % (size_t)w->K), v /= (size_t)w->K;
  }
  w->q = urn_xmalloc(sizeof(double) * (N + N * N * 2));
  w->Ae = w->q + N;
  w->tr = w->Ae + N * N;
  w->LL = urn_xmalloc(sizeof(double) * w->n * N * 2);
  w->g = w->LL + w->n * N;
  w->mt = urn_xmalloc(sizeof(double) * T * (size_t)w->K);
}

static void work_free(msar_work *w) {
  free(w->dig);
  free(w->q);
  free(w->LL);
  free(w->mt);
}

/* mt[t][k] = mu_k + x_t . beta_k for t = 0..T-1. */
static void fill_means(msar_work *w, const urn_hmm_msar *m, const urn_hmm_msar_params *p) {
  size_t T = w->n + (size_t)w->p, K = (size_t)w->K, X = (size_t)m->num_x;
  for (size_t t = 0; t < T; t++)
    for (size_t k = 0; k < K; k++) {
      double v = p->means[k];
      for (size_t j = 0; j < X; j++) v += m->x[t * X + j] * p->exog[k * X + j];
      w->mt[t * K + k] = v;
    }
}

/* Fills q, Ae and LL from the parameters; an error for a variance that is not > 0. */
static int work_fill(msar_work *w, const urn_hmm_msar *m, const urn_hmm_msar_params *p, const double *y, urn_error *err) {
  int K = w->K, P = w->p, N = w->N, P1 = P + 1, PA = P ? P : 1;
  for (int k = 0; k < K; k++)
    if (!(p->variances[k] > 0.0) || !isfinite(p->variances[k]))
      return urn_error_set(err, URN_EINPUT, "hmm msar: the variance of regime %d is %g (must be > 0)", k, p->variances[k]);
  if (m->steady_initial) urn_hmm_stationary(K, p->transition_matrix, p->initial_probs);
  memset(w->Ae, 0, sizeof(double) * (size_t)N * N);
  size_t KP = (size_t)N / (size_t)K; /* K^p */
  for (int e = 0; e < N; e++) {
    const int *d = w->dig + (size_t)e * P1;
    double v = p->initial_probs[d[P]];
    for (int j = 0; j < P; j++) v *= p->transition_matrix[(size_t)d[j + 1] * K + d[j]];
    w->q[e] = v;
    for (int s0 = 0; s0 < K; s0++)
      w->Ae[(size_t)e * N + (size_t)s0 + (size_t)K * ((size_t)e % KP)] = p->transition_matrix[(size_t)d[0] * K + s0];
  }
  const double l2pi = log(2.0 * M_PI);
  fill_means(w, m, p);
  for (size_t t = 0; t < w->n; t++) {
    const double *yt = y + t + P; /* yt[-j] = y_{t-j} */
    const double *mt = w->mt + (t + (size_t)P) * (size_t)K; /* mt[-j K + k] = the mean of regime k at t - j */
    double *l = w->LL + t * N;
    for (int e = 0; e < N; e++) {
      const int *d = w->dig + (size_t)e * P1;
      int k = d[0];
      double r = yt[0] - mt[k];
      for (int j = 1; j <= P; j++) r -= p->ar[(size_t)k * PA + j - 1] * (yt[-j] - mt[-j * K + d[j]]);
      l[e] = -0.5 * r * r / p->variances[k] - 0.5 * (l2pi + log(p->variances[k]));
    }
  }
  return URN_OK;
}

/* E-step: smoothed tuple probabilities and expanded counts; *ll = log p(y_p..y_T-1 | y_0..y_p-1). */
static int work_estep(msar_work *w, double *ll, urn_error *err) {
  return urn_hmm_smoother(w->N, w->n, w->q, w->Ae, w->LL, ll, w->g, w->tr, err);
}

int urn_hmm_msar_loglik(const urn_hmm_msar *m, const urn_hmm_msar_params *p, const double *y, size_t T, double *loglik,
                        urn_error *err) {
  int rc = urn_hmm_msar_check(m, T, err);
  if (rc) return rc;
  msar_work w;
  work_init(&w, m, T);
  if (!(rc = work_fill(&w, m, p, y, err))) rc = urn_hmm_filter(w.N, w.n, w.q, w.Ae, w.LL, loglik, w.g, NULL, err);
  work_free(&w);
  return rc;
}

int urn_hmm_msar_states(const urn_hmm_msar *m, const urn_hmm_msar_params *p, const double *y, size_t T, double *smoothed,
                        int *viterbi, urn_error *err) {
  int rc = urn_hmm_msar_check(m, T, err);
  if (rc) return rc;
  msar_work w;
  work_init(&w, m, T);
  double ll;
  int *z = urn_xmalloc(sizeof(int) * w.n);
  if (!(rc = work_fill(&w, m, p, y, err)) && !(rc = work_estep(&w, &ll, err)))
    rc = urn_hmm_viterbi(w.N, w.n, w.q, w.Ae, w.LL, z, err);
  if (!rc)
    for (size_t t = 0; t < w.n; t++) {
      if (viterbi) viterbi[t] = w.dig[(size_t)z[t] * (w.p + 1)];
      if (smoothed) {
        double *s = smoothed + t * w.K;
        for (int k = 0; k < w.K; k++) s[k] = 0.0;
        for (int e = 0; e < w.N; e++) s[w.dig[(size_t)e * (w.p + 1)]] += w.g[t * w.N + e];
      }
    }
  free(z);
  work_free(&w);
  return rc;
}

/* Regime transition counts n (K x K) and the oldest-lag counts g0 (K) at the first modelled step. */
static void msar_counts(const msar_work *w, double *n, double *g0) {
  int K = w->K, N = w->N, P1 = w->p + 1;
  memset(n, 0, sizeof(double) * (size_t)K * K);
  memset(g0, 0, sizeof(double) * (size_t)K);
  for (int e = 0; e < N; e++)
    for (int f = 0; f < N; f++) {
      double c = w->tr[(size_t)e * N + f];
      if (c != 0.0) n[(size_t)(e % K) * K + f % K] += c;
    }
  for (int e = 0; e < N; e++) { /* the tuple at the first step: pi[s_p] prod A[s_{j+1}][s_j] */
    const int *d = w->dig + (size_t)e * P1;
    double c = w->g[e];
    g0[d[w->p]] += c;
    for (int j = 0; j < w->p; j++) n[(size_t)d[j + 1] * K + d[j]] += c;
  }
}

/* sum n log A + sum g0 log pi(A) (pi stationary): the transition part of the expected complete log likelihood. */
static double trans_objective(int K, const double *n, const double *g0, const double *A, double *pi) {
  urn_hmm_stationary(K, A, pi);
  double f = 0.0;
  for (int i = 0; i < K * K; i++)
    if (n[i] > 0.0) f += n[i] * (A[i] > 0.0 ? log(A[i]) : -1e300);
  for (int k = 0; k < K; k++)
    if (g0[k] > 0.0) f += g0[k] * (pi[k] > 0.0 ? log(pi[k]) : -1e300);
  return f;
}

/* A from row-wise logits th (K x (K-1), column 0 the reference). */
static void logits_to_A(int K, const double *th, double *A) {
  for (int i = 0; i < K; i++) {
    double mx = 0.0, s = 0.0;
    for (int j = 1; j < K; j++) mx = fmax(mx, th[i * (K - 1) + j - 1]);
    for (int j = 0; j < K; j++) s += A[i * K + j] = exp((j ? th[i * (K - 1) + j - 1] : 0.0) - mx);
    for (int j = 0; j < K; j++) A[i * K + j] /= s;
  }
}

/* The steady-state transition M-step for small K: Newton on the row logits of
 * sum n log A + sum g0 log pi(A), with central-difference derivatives, from the
 * better of A and the count ratio A1; every accepted step raises the objective. */
static void steady_newton(int K, const double *n, const double *g0, double *A, const double *A1) {
  int P = K * (K - 1);
  double *th = urn_xmalloc(sizeof(double) * ((size_t)P * 4 + (size_t)P * P * 3 + (size_t)K * K + K));
  double *tt = th + P, *g = tt + P, *d = g + P, *H = d + P, *work = H + P * P, *At = work + 2 * P * P, *pi = At + K * K;
  double f0 = trans_objective(K, n, g0, A, pi);
  const double *start = trans_objective(K, n, g0, A1, pi) > f0 ? A1 : A;
  for (int i = 0; i < K; i++)
    for (int j = 1; j < K; j++)
      th[i * (K - 1) + j - 1] = log(fmax(start[i * K + j], 1e-300)) - log(fmax(start[i * K], 1e-300));
#define F_AT(v) (logits_to_A(K, (v), At), trans_objective(K, n, g0, At, pi))
  double f = F_AT(th);
  const double h = 1e-4;
  for (int it = 0; it < 50; it++) {
    for (int a = 0; a < P; a++) {
      memcpy(tt, th, sizeof(double) * P);
      tt[a] = th[a] + h;
      double fp = F_AT(tt);
      tt[a] = th[a] - h;
      double fm = F_AT(tt);
      g[a] = (fp - fm) / (2 * h);
      H[a * P + a] = -(fp - 2 * f + fm) / (h * h);
      for (int b = 0; b < a; b++) {
        double q[4];
        for (int c = 0; c < 4; c++) {
          memcpy(tt, th, sizeof(double) * P);
          tt[a] += c & 1 ? -h : h, tt[b] += c & 2 ? -h : h;
          q[c] = F_AT(tt);
        }
        H[a * P + b] = H[b * P + a] = -(q[0] - q[1] - q[2] + q[3]) / (4 * h * h);
      }
    }
    if (urn_pd_solve_ridge(H, g, d, (size_t)P, work)) memcpy(d, g, sizeof(double) * P);
    double slope = 0.0;
    for (int a = 0; a < P; a++) slope += g[a] * d[a];
    if (!(slope > 0.0)) memcpy(d, g, sizeof(double) * P), slope = 0.0;
    int moved = 0;
    for (double s = 1.0; s > 1e-10; s *= 0.5) {
      for (int a = 0; a < P; a++) tt[a] = th[a] + s * d[a];
      double ft = F_AT(tt);
      if (ft > f) {
        moved = ft - f > 1e-13 * (1.0 + fabs(f));
        memcpy(th, tt, sizeof(double) * P), f = ft;
        break;
      }
    }
    if (!moved) break;
  }
#undef F_AT
  if (f >= f0) logits_to_A(K, th, A);
  free(th);
}

static void m_step_transitions(const urn_hmm_msar *m, const msar_work *w, urn_hmm_msar_params *p) {
  int K = m->K;
  double *n = urn_xmalloc(sizeof(double) * ((size_t)K * K * 3 + 2 * (size_t)K));
  double *A1 = n + K * K, *At = A1 + K * K, *g0 = At + K * K, *pi = g0 + K;
  msar_counts(w, n, g0);
  memcpy(A1, p->transition_matrix, sizeof(double) * (size_t)K * K);
  for (int i = 0; i < K; i++) {
    double s = 0.0;
    for (int j = 0; j < K; j++) s += n[i * K + j];
    if (s > 1e-300)
      for (int j = 0; j < K; j++) A1[i * K + j] = n[i * K + j] / s;
  }
  if (!m->steady_initial) {
    double s = 0.0;
    for (int k = 0; k < K; k++) s += g0[k];
    if (s > 1e-300)
      for (int k = 0; k < K; k++) p->initial_probs[k] = g0[k] / s;
    memcpy(p->transition_matrix, A1, sizeof(double) * (size_t)K * K);
  } else if (K <= 6) {
    steady_newton(K, n, g0, p->transition_matrix, A1);
    urn_hmm_stationary(K, p->transition_matrix, p->initial_probs);
  } else { /* generalised EM: towards the count ratio, halved until the objective does not fall */
    double f0 = trans_objective(K, n, g0, p->transition_matrix, pi);
    for (double s = 1.0; s > 1e-9; s *= 0.5) {
      for (int i = 0; i < K * K; i++) At[i] = p->transition_matrix[i] + s * (A1[i] - p->transition_matrix[i]);
      if (trans_objective(K, n, g0, At, pi) >= f0) {
        memcpy(p->transition_matrix, At, sizeof(double) * (size_t)K * K);
        break;
      }
    }
    urn_hmm_stationary(K, p->transition_matrix, p->initial_probs);
  }
  free(n);
}

/* Solves the n x n system G x = h (G symmetric positive semi-definite) by Cholesky with a ridge fallback. */
static void spd_solve(int n, double *G, double *h, double *x) {
  double *work = urn_xmalloc(sizeof(double) * 2 * (size_t)n * n);
  if (urn_pd_solve_ridge(G, h, x, (size_t)n, work)) memset(x, 0, sizeof(double) * (size_t)n);
  free(work);
}

/* Index of regressor j's coefficient for regime k in the mean unknowns theta (K intercepts first, then per
 * regressor one shared coefficient or K switching ones). */
static int theta_index(const urn_hmm_msar *m, int j, int k) {
  int at = m->K;
  for (int i = 0; i < j; i++) at += m->shared_x >> i & 1 ? 1 : m->K;
  return at + (m->shared_x >> j & 1 ? 0 : k);
}

static int theta_size(const urn_hmm_msar *m) { return m->num_x ? theta_index(m, m->num_x - 1, m->K - 1) + 1 : m->K; }

/* CM step 1, phi given the means: residual z - sum_j phi_j a_j with z = y_t - m_t(s0), a_j = y_{t-j} - m_{t-j}(s_j). */
static void cm_ar(const urn_hmm_msar *m, const msar_work *w, const double *y, urn_hmm_msar_params *p, double *G,
                  double *h, double *x, double *a) {
  int K = w->K, P = w->p, N = w->N, P1 = P + 1, PA = P ? P : 1;
  int na = m->switching_ar ? K * P : P; /* AR unknowns */
  memset(G, 0, sizeof(double) * (size_t)na * na);
  memset(h, 0, sizeof(double) * (size_t)na);
  for (size_t t = 0; t < w->n; t++) {
    const double *yt = y + t + P, *mt = w->mt + (t + (size_t)P) * (size_t)K;
    for (int e = 0; e < N; e++) {
      double gw = w->g[t * N + e];
      if (gw == 0.0) continue;
      const int *d = w->dig + (size_t)e * P1;
      int k = d[0], off = m->switching_ar ? k * P : 0;
      double wt = gw / p->variances[k], z = yt[0] - mt[k];
      for (int j = 0; j < P; j++) a[j] = yt[-j - 1] - mt[-(j + 1) * K + d[j + 1]];
      for (int i = 0; i < P; i++) {
        h[off + i] += wt * a[i] * z;
        for (int j = 0; j < P; j++) G[(size_t)(off + i) * na + off + j] += wt * a[i] * a[j];
      }
    }
  }
  spd_solve(na, G, h, x);
  for (int k = 0; k < K; k++)
    for (int j = 0; j < P; j++) p->ar[(size_t)k * PA + j] = x[(m->switching_ar ? k * P : 0) + j];
}

/* CM step 2, the means given phi: residual c - a.theta, c = y_t - sum_j phi_{j,s0} y_{t-j},
 * a = sum_{l=0..p} w_l dm_{t-l}(s_l)/dtheta with w_0 = 1, w_l = -phi_{l,s0}. */
static void cm_means(const urn_hmm_msar *m, msar_work *w, const double *y, urn_hmm_msar_params *p, double *G, double *h,
                     double *x, double *a) {
  int K = w->K, P = w->p, N = w->N, P1 = P + 1, PA = P ? P : 1, X = m->num_x, nt = theta_size(m);
  int *ix = urn_xmalloc(sizeof(int) * (size_t)(X ? X : 1) * K);
  for (int j = 0; j < X; j++)
    for (int k = 0; k < K; k++) ix[j * K + k] = theta_index(m, j, k);
  memset(G, 0, sizeof(double) * (size_t)nt * nt);
  memset(h, 0, sizeof(double) * (size_t)nt);
  for (size_t t = 0; t < w->n; t++) {
    const double *yt = y + t + P;
    for (int e = 0; e < N; e++) {
      double gw = w->g[t * N + e];
      if (gw == 0.0) continue;
      const int *d = w->dig + (size_t)e * P1;
      int k = d[0];
      const double *ph = p->ar + (size_t)k * PA;
      double wt = gw / p->variances[k], c = yt[0];
      for (int q = 0; q < nt; q++) a[q] = 0.0;
      a[k] = 1.0;
      for (int j = 1; j <= P; j++) c -= ph[j - 1] * yt[-j], a[d[j]] -= ph[j - 1];
      for (int l = 0; l <= P && X; l++) {
        const double *xs = m->x + (t + (size_t)(P - l)) * (size_t)X;
        double wl = l ? -ph[l - 1] : 1.0;
        for (int j = 0; j < X; j++) a[ix[j * K + d[l]]] += wl * xs[j];
      }
      for (int i = 0; i < nt; i++) {
        if (a[i] == 0.0) continue;
        h[i] += wt * a[i] * c;
        for (int j = 0; j < nt; j++) G[(size_t)i * nt + j] += wt * a[i] * a[j];
      }
    }
  }
  spd_solve(nt, G, h, x);
  memcpy(p->means, x, sizeof(double) * (size_t)K);
  for (int j = 0; j < X; j++)
    for (int k = 0; k < K; k++) p->exog[(size_t)k * X + j] = x[ix[j * K + k]];
  free(ix);
  fill_means(w, m, p);
}

/* CM step 3, the variances at the current means and phi (floored at var_floor). */
static void cm_variances(const urn_hmm_msar *m, const msar_work *w, const double *y, urn_hmm_msar_params *p,
                         double var_floor, double *ss) {
  int K = w->K, P = w->p, N = w->N, P1 = P + 1, PA = P ? P : 1;
  double *sw = ss + K;
  memset(ss, 0, sizeof(double) * 2 * (size_t)K);
  for (size_t t = 0; t < w->n; t++) {
    const double *yt = y + t + P, *mt = w->mt + (t + (size_t)P) * (size_t)K;
    for (int e = 0; e < N; e++) {
      double gw = w->g[t * N + e];
      if (gw == 0.0) continue;
      const int *d = w->dig + (size_t)e * P1;
      int k = d[0];
      double r = yt[0] - mt[k];
      for (int j = 1; j <= P; j++) r -= p->ar[(size_t)k * PA + j - 1] * (yt[-j] - mt[-j * K + d[j]]);
      ss[k] += gw * r * r, sw[k] += gw;
    }
  }
  double tss = 0.0, tsw = 0.0;
  for (int k = 0; k < K; k++) tss += ss[k], tsw += sw[k];
  for (int k = 0; k < K; k++) {
    double v = m->switching_var ? (sw[k] > 1e-10 ? ss[k] / sw[k] : p->variances[k]) : tss / tsw;
    p->variances[k] = v > var_floor ? v : var_floor;
  }
}

/* The moment form of the emission M-step (when the N tuples' D x D moments fit in MOM_MAX doubles): the weighted
 * moments S_e = sum_t g_te v_t v_t' of v_t = (1, y_t - ybar, .., y_{t-p} - ybar, x_t - xbar, .., x_{t-p} - xbar)
 * are accumulated once per E-step; then each conditional maximisation is a pass over the tuples, not the steps,
 * and the CM steps are cycled until Q stops rising: the M-step is the joint maximiser of Q over the means, AR
 * coefficients, regressors' coefficients and variances (to ~1e-13 of Q), not one ECM cycle.  In centred
 * coordinates the intercepts are mu'_k = mu_k + xbar . beta_k - ybar; phi and beta are unchanged. */
#define MOM_MAX 4000000

typedef struct msar_mom {
  int D, X, P, K, N, nt; /* moment dimension 1 + (p+1)(X+1); regressors; order; regimes; tuples; mean unknowns */
  int na;                /* AR unknowns (K p or p) */
  const int *dig;        /* the tuples' regimes (msar_work.dig) */
  double *S;             /* N x D x D moments */
  double *xbar;          /* X: the regressors' means */
  double ybar;           /* y's mean */
  int *ix;               /* K + X K: theta_index of intercept k at [k], of regressor j, regime k at [K + j K + k] */
  double *u, *Su, *A, *SA; /* scratch: D, D, (na + nt) x D, (na + nt) x D */
} msar_mom;

static int mom_y(int l) { return 1 + l; } /* v index of y_{t-l} */
static int mom_x(const msar_mom *o, int l, int j) { /* v index of x_{t-l,j} */ return 1 + (o->P + 1) + l * o->X + j; }

/* Adds wl times the coefficient vector of the (centred) mean of regime s at lag l to u (D): mu'_s e_0 + beta_s x. */
static void mom_mean_vec(const msar_mom *o, const urn_hmm_msar_params *p, const double *mu, int l, int s, double wl,
                         double *u) {
  u[0] += wl * mu[s];
  for (int j = 0; j < o->X; j++) u[mom_x(o, l, j)] += wl * p->exog[(size_t)s * o->X + j];
}

/* Su = S u (D x D times D). */
static void mom_mul(int D, const double *S, const double *u, double *Su) {
  for (int i = 0; i < D; i++) {
    double v = 0.0;
    for (int j = 0; j < D; j++) v += S[i * D + j] * u[j];
    Su[i] = v;
  }
}

static double dotd(int D, const double *a, const double *b) {
  double v = 0.0;
  for (int i = 0; i < D; i++) v += a[i] * b[i];
  return v;
}

/* The residual's coefficient vector c_e (r = c_e . v_t) of tuple e into u. */
static void mom_resid_vec(const msar_mom *o, const urn_hmm_msar_params *p, const double *mu, const int *d, double *u) {
  int k = d[0], PA = o->P ? o->P : 1;
  const double *ph = p->ar + (size_t)k * PA;
  memset(u, 0, sizeof(double) * (size_t)o->D);
  u[mom_y(0)] = 1.0;
  mom_mean_vec(o, p, mu, 0, k, -1.0, u);
  for (int j = 1; j <= o->P; j++) {
    u[mom_y(j)] -= ph[j - 1];
    mom_mean_vec(o, p, mu, j, d[j], ph[j - 1], u);
  }
}

static void mom_init(msar_mom *o, const urn_hmm_msar *m, const msar_work *w, const double *y) {
  o->P = w->p, o->K = w->K, o->N = w->N, o->X = m->num_x, o->dig = w->dig, o->nt = theta_size(m);
  o->na = m->switching_ar ? o->K * o->P : o->P;
  o->D = 1 + (o->P + 1) * (o->X + 1);
  size_t D = (size_t)o->D, T = w->n + (size_t)w->p;
  o->S = urn_xmalloc(sizeof(double) * (size_t)o->N * D * D);
  size_t rows = (size_t)(o->na + o->nt); /* the rows of A and SA: every unknown of the Gauss-Newton step */
  o->xbar = urn_xcalloc((size_t)(o->X ? o->X : 1) + 2 * D + 2 * rows * D, sizeof(double));
  o->u = o->xbar + (o->X ? o->X : 1), o->Su = o->u + D, o->A = o->Su + D, o->SA = o->A + rows * D;
  o->ix = urn_xmalloc(sizeof(int) * (size_t)o->K * (size_t)(1 + o->X));
  for (int k = 0; k < o->K; k++) o->ix[k] = k;
  for (int j = 0; j < o->X; j++)
    for (int k = 0; k < o->K; k++) o->ix[o->K + j * o->K + k] = theta_index(m, j, k);
  o->ybar = 0.0;
  for (size_t t = 0; t < T; t++) {
    o->ybar += y[t] / (double)T;
    for (int j = 0; j < o->X; j++) o->xbar[j] += m->x[t * (size_t)o->X + j] / (double)T;
  }
}

static void mom_free(msar_mom *o) {
  free(o->S);
  free(o->xbar);
  free(o->ix);
}

/* S_e = sum_t g_te v_t v_t' (upper triangle accumulated, then mirrored). */
static void mom_accumulate(msar_mom *o, const urn_hmm_msar *m, const msar_work *w, const double *y) {
  int D = o->D, N = o->N, P = o->P, X = o->X;
  double *v = o->u;
  memset(o->S, 0, sizeof(double) * (size_t)N * D * D);
  for (size_t t = 0; t < w->n; t++) {
    size_t ts = t + (size_t)P; /* the series index of step t */
    v[0] = 1.0;
    for (int l = 0; l <= P; l++) {
      v[mom_y(l)] = y[ts - (size_t)l] - o->ybar;
      for (int j = 0; j < X; j++) v[mom_x(o, l, j)] = m->x[(ts - (size_t)l) * (size_t)X + j] - o->xbar[j];
    }
    const double *g = w->g + t * (size_t)N;
    for (int e = 0; e < N; e++) {
      double ge = g[e];
      if (ge == 0.0) continue;
      double *S = o->S + (size_t)e * D * D;
      for (int i = 0; i < D; i++) {
        double gi = ge * v[i];
        for (int j = i; j < D; j++) S[i * D + j] += gi * v[j];
      }
    }
  }
  for (int e = 0; e < N; e++) {
    double *S = o->S + (size_t)e * D * D;
    for (int i = 0; i < D; i++)
      for (int j = 0; j < i; j++) S[i * D + j] = S[j * D + i];
  }
}

/* Tuple e's moment matrix S_e (D x D), and its regimes d (P + 1: at t, t-1, ..., t-P) into *d; NULL when the tuple
 * has no weight (S_e[0][0] = 0: the loops over the tuples skip it). */
static const double *mom_tuple(const msar_mom *o, int e, const int **d) {
  const double *S = o->S + (size_t)e * o->D * o->D;
  *d = o->dig + (size_t)e * (o->P + 1);
  return S[0] == 0.0 ? NULL : S;
}

/* Tuple e's weighted residual sum of squares c_e' S_e c_e into *rss and its weight S_e[0][0] into *wt; returns the
 * tuple's current regime d[0], or -1 (nothing written) when the tuple has no weight.  mom_q, mom_f and mom_cm_var
 * all sum these. */
static int mom_tuple_rss(msar_mom *o, const urn_hmm_msar_params *p, const double *mu, int e, double *rss, double *wt) {
  int D = o->D;
  const int *d;
  const double *S = mom_tuple(o, e, &d);
  if (!S) return -1;
  mom_resid_vec(o, p, mu, d, o->u);
  mom_mul(D, S, o->u, o->Su);
  *rss = dotd(D, o->u, o->Su), *wt = S[0];
  return d[0];
}

/* Q's emission part (constants dropped): -1/2 sum_e (c_e' S_e c_e / var + S_e[0][0] log var). */
static double mom_q(msar_mom *o, const urn_hmm_msar_params *p, const double *mu) {
  double q = 0.0, rss, wt;
  for (int e = 0; e < o->N; e++) {
    int k = mom_tuple_rss(o, p, mu, e, &rss, &wt);
    if (k < 0) continue;
    double v = p->variances[k];
    q -= 0.5 * (rss / v + wt * log(v));
  }
  return q;
}

/* phi given the means, from the moments. */
static void mom_cm_ar(msar_mom *o, const urn_hmm_msar *m, urn_hmm_msar_params *p, const double *mu, double *G, double *h,
                      double *x) {
  int D = o->D, P = o->P, P1 = P + 1, PA = P ? P : 1, K = o->K, na = m->switching_ar ? K * P : P;
  double *b = o->A, *Sb = o->SA; /* (p + 1) x D: b_0 = z's vector, b_j = a_j's */
  memset(G, 0, sizeof(double) * (size_t)na * na);
  memset(h, 0, sizeof(double) * (size_t)na);
  for (int e = 0; e < o->N; e++) {
    const int *d;
    const double *S = mom_tuple(o, e, &d);
    if (!S) continue;
    int k = d[0], off = m->switching_ar ? k * P : 0;
    memset(b, 0, sizeof(double) * (size_t)P1 * D);
    for (int j = 0; j <= P; j++) {
      b[j * D + mom_y(j)] = 1.0;
      mom_mean_vec(o, p, mu, j, d[j], -1.0, b + j * D);
      mom_mul(D, S, b + j * D, Sb + j * D);
    }
    double iv = 1.0 / p->variances[k];
    for (int i = 1; i <= P; i++) {
      h[off + i - 1] += iv * dotd(D, b + i * D, Sb);
      for (int j = 1; j <= P; j++) G[(size_t)(off + i - 1) * na + off + j - 1] += iv * dotd(D, b + i * D, Sb + j * D);
    }
  }
  spd_solve(na, G, h, x);
  for (int k = 0; k < K; k++)
    for (int j = 0; j < P; j++) p->ar[(size_t)k * PA + j] = x[(m->switching_ar ? k * P : 0) + j];
}

/* The intercepts (centred) and the regressors' coefficients given phi, from the moments. */
static void mom_cm_means(msar_mom *o, urn_hmm_msar_params *p, double *mu, double *G, double *h,
                         double *x) {
  int D = o->D, P = o->P, PA = P ? P : 1, K = o->K, X = o->X, nt = o->nt;
  memset(G, 0, sizeof(double) * (size_t)nt * nt);
  memset(h, 0, sizeof(double) * (size_t)nt);
  for (int e = 0; e < o->N; e++) {
    const int *d;
    const double *S = mom_tuple(o, e, &d);
    if (!S) continue;
    int k = d[0];
    const double *ph = p->ar + (size_t)k * PA;
    double *c = o->u, iv = 1.0 / p->variances[k];
    memset(c, 0, sizeof(double) * (size_t)D);
    memset(o->A, 0, sizeof(double) * (size_t)nt * D);
    c[mom_y(0)] = 1.0;
    for (int l = 0; l <= P; l++) {
      double wl = l ? -ph[l - 1] : 1.0;
      if (l) c[mom_y(l)] = -ph[l - 1];
      o->A[(size_t)o->ix[d[l]] * D] += wl;
      for (int j = 0; j < X; j++) o->A[(size_t)o->ix[K + j * K + d[l]] * D + mom_x(o, l, j)] += wl;
    }
    for (int q = 0; q < nt; q++) mom_mul(D, S, o->A + (size_t)q * D, o->SA + (size_t)q * D);
    for (int q = 0; q < nt; q++) {
      const double *Aq = o->A + (size_t)q * D;
      int nz = 0;
      for (int i = 0; i < D && !nz; i++) nz = Aq[i] != 0.0;
      if (!nz) continue;
      h[q] += iv * dotd(D, c, o->SA + (size_t)q * D);
      for (int r = 0; r < nt; r++) G[(size_t)q * nt + r] += iv * dotd(D, Aq, o->SA + (size_t)r * D);
    }
  }
  spd_solve(nt, G, h, x);
  memcpy(mu, x, sizeof(double) * (size_t)K);
  for (int j = 0; j < X; j++)
    for (int k = 0; k < K; k++) p->exog[(size_t)k * X + j] = x[o->ix[K + j * K + k]];
}

/* The variances at the current means and phi, from the moments. */
static void mom_cm_var(msar_mom *o, const urn_hmm_msar *m, urn_hmm_msar_params *p, const double *mu, double var_floor,
                       double *ss) {
  int K = o->K;
  double *sw = ss + K, tss = 0.0, tsw = 0.0, rss, wt;
  memset(ss, 0, sizeof(double) * 2 * (size_t)K);
  for (int e = 0; e < o->N; e++) {
    int k = mom_tuple_rss(o, p, mu, e, &rss, &wt);
    if (k >= 0) ss[k] += rss, sw[k] += wt;
  }
  for (int k = 0; k < K; k++) tss += ss[k], tsw += sw[k];
  for (int k = 0; k < K; k++) {
    double v = m->switching_var ? (sw[k] > 1e-10 ? ss[k] / sw[k] : p->variances[k]) : tss / tsw;
    p->variances[k] = v > var_floor ? v : var_floor;
  }
}

/* sum_e c_e' S_e c_e / var_k: twice the weighted residual sum of squares at fixed variances. */
static double mom_f(msar_mom *o, const urn_hmm_msar_params *p, const double *mu) {
  double f = 0.0, rss, wt;
  for (int e = 0; e < o->N; e++) {
    int k = mom_tuple_rss(o, p, mu, e, &rss, &wt);
    if (k >= 0) f += rss / p->variances[k];
  }
  return f;
}

/* One Gauss-Newton step on (phi, intercepts, coefficients) jointly at fixed variances (the residual is bilinear
 * in phi and the means), halved until the weighted sum of squares falls; 0 when no step lowers it. z holds the
 * unknowns (na + nt), G and h (na + nt)^2 and na + nt doubles of scratch. */
static int mom_gn(msar_mom *o, const urn_hmm_msar *m, urn_hmm_msar_params *p, double *mu, double *G, double *h,
                  double *z, double *dz) {
  int D = o->D, P = o->P, PA = P ? P : 1, K = o->K, X = o->X, na = o->na, nz = o->na + o->nt;
  memset(G, 0, sizeof(double) * (size_t)nz * nz);
  memset(h, 0, sizeof(double) * (size_t)nz);
  for (int e = 0; e < o->N; e++) {
    const int *d;
    const double *S = mom_tuple(o, e, &d);
    if (!S) continue;
    int k = d[0], off = m->switching_ar ? k * P : 0;
    const double *ph = p->ar + (size_t)k * PA;
    double iv = 1.0 / p->variances[k];
    memset(o->A, 0, sizeof(double) * (size_t)nz * D);
    for (int j = 1; j <= P; j++) { /* -dr/dphi_j = y_{t-j} - m_{t-j}(s_j) */
      double *b = o->A + (size_t)(off + j - 1) * D;
      b[mom_y(j)] = 1.0;
      mom_mean_vec(o, p, mu, j, d[j], -1.0, b);
    }
    for (int l = 0; l <= P; l++) { /* -dr/dtheta = sum_l w_l dm_{t-l}(s_l)/dtheta */
      double wl = l ? -ph[l - 1] : 1.0;
      o->A[(size_t)(na + o->ix[d[l]]) * D] += wl;
      for (int j = 0; j < X; j++) o->A[(size_t)(na + o->ix[K + j * K + d[l]]) * D + mom_x(o, l, j)] += wl;
    }
    mom_resid_vec(o, p, mu, d, o->u);
    mom_mul(D, S, o->u, o->Su);
    for (int q = 0; q < nz; q++) {
      const double *Aq = o->A + (size_t)q * D;
      int any = 0;
      for (int i = 0; i < D && !any; i++) any = Aq[i] != 0.0;
      if (!any) continue;
      mom_mul(D, S, Aq, o->SA);
      h[q] += iv * dotd(D, Aq, o->Su);
      for (int r = 0; r < nz; r++) G[(size_t)q * nz + r] += iv * dotd(D, o->A + (size_t)r * D, o->SA);
    }
  }
  spd_solve(nz, G, h, dz);
  /* z: the current unknowns, to step from */
  for (int k = 0; k < (m->switching_ar ? K : 1); k++)
    for (int j = 0; j < P; j++) z[k * P + j] = p->ar[(size_t)k * PA + j];
  for (int k = 0; k < K; k++) z[na + k] = mu[k];
  for (int j = 0; j < X; j++)
    for (int k = 0; k < K; k++) z[na + o->ix[K + j * K + k]] = p->exog[(size_t)k * X + j];
  double f0 = mom_f(o, p, mu);
  for (double s = 1.0; s > 1e-6; s *= 0.5) {
    for (int k = 0; k < K; k++) {
      for (int j = 0; j < P; j++) p->ar[(size_t)k * PA + j] = z[(m->switching_ar ? k * P : 0) + j] + s * dz[(m->switching_ar ? k * P : 0) + j];
      mu[k] = z[na + k] + s * dz[na + k];
      for (int j = 0; j < X; j++) p->exog[(size_t)k * X + j] = z[na + o->ix[K + j * K + k]] + s * dz[na + o->ix[K + j * K + k]];
    }
    if (mom_f(o, p, mu) < f0) return 1;
  }
  for (int k = 0; k < K; k++) { /* no step lowered it: back to z */
    for (int j = 0; j < P; j++) p->ar[(size_t)k * PA + j] = z[(m->switching_ar ? k * P : 0) + j];
    mu[k] = z[na + k];
    for (int j = 0; j < X; j++) p->exog[(size_t)k * X + j] = z[na + o->ix[K + j * K + k]];
  }
  return 0;
}

/* The joint emission M-step from the moments: one CM cycle (phi, means), then cycles of a joint Gauss-Newton step
 * on (phi, means) and the variances, until Q rises by less than 1e-13 of |Q| (at most 200 cycles).  Every step
 * raises Q or leaves it, so EM stays monotone. */
static void m_step_moments(const urn_hmm_msar *m, msar_work *w, const double *y, urn_hmm_msar_params *p,
                           double var_floor) {
  msar_mom o;
  mom_init(&o, m, w, y);
  size_t nz = (size_t)(o.na + o.nt) + 1;
  double *G = urn_xmalloc(sizeof(double) * (nz * nz + 4 * nz + 2 * (size_t)o.K)), *h = G + nz * nz, *x = h + nz,
         *dz = x + nz;
  mom_accumulate(&o, m, w, y);
  int K = o.K, X = o.X;
  double *mu = urn_xmalloc(sizeof(double) * (size_t)K);
  for (int k = 0; k < K; k++) {
    mu[k] = p->means[k] - o.ybar;
    for (int j = 0; j < X; j++) mu[k] += o.xbar[j] * p->exog[(size_t)k * X + j];
  }
  double q = mom_q(&o, p, mu);
  for (int c = 0; c < 200; c++) {
    if (c == 0 || o.P == 0) {
      if (o.P > 0) mom_cm_ar(&o, m, p, mu, G, h, x);
      mom_cm_means(&o, p, mu, G, h, x);
    } else
      mom_gn(&o, m, p, mu, G, h, x, dz);
    mom_cm_var(&o, m, p, mu, var_floor, G);
    double q1 = mom_q(&o, p, mu);
    int done = !(q1 - q > 1e-13 * fabs(q1));
    q = q1;
    if (done) break;
  }
  for (int k = 0; k < K; k++) {
    p->means[k] = mu[k] + o.ybar;
    for (int j = 0; j < X; j++) p->means[k] -= o.xbar[j] * p->exog[(size_t)k * X + j];
  }
  free(mu);
  free(G);
  mom_free(&o);
  fill_means(w, m, p);
}

/* The emission M-step: from the moments (jointly), or, when they would not fit, one ECM cycle over the steps: phi |
 * means, means | phi, then the variances.  w->mt holds the means of p. */
static void m_step_emissions(const urn_hmm_msar *m, msar_work *w, const double *y, urn_hmm_msar_params *p,
                             double var_floor) {
  int K = w->K, P = w->p, na = m->switching_ar ? K * P : P, nt = theta_size(m);
  int nmax = (na > nt ? na : nt) + 1;
  double *G = urn_xcalloc((size_t)nmax * nmax * 2 + 3 * (size_t)nmax + 2 * (size_t)K, sizeof(double));
  double *h = G + (size_t)nmax * nmax, *x = h + nmax, *a = x + nmax;
  double D = 1.0 + (P + 1.0) * (m->num_x + 1.0);
  if ((double)w->N * D * D <= MOM_MAX) m_step_moments(m, w, y, p, var_floor);
  else {
    if (P > 0) cm_ar(m, w, y, p, G, h, x, a);
    cm_means(m, w, y, p, G, h, x, a);
    cm_variances(m, w, y, p, var_floor, G);
  }
  free(G);
}

/* 1e-6 x the variance of y: the floor of every variance the M-step returns. */
static double var_floor_of(const double *y, size_t T) {
  double mean = 0.0, v = 0.0;
  for (size_t t = 0; t < T; t++) mean += y[t];
  mean /= (double)T;
  for (size_t t = 0; t < T; t++) v += (y[t] - mean) * (y[t] - mean);
  v /= (double)T;
  return v > 0 ? 1e-6 * v : 1e-300;
}

int urn_hmm_msar_em(const urn_hmm_msar *m, urn_hmm_msar_params *p, const double *y, size_t T, int iters, double tol,
                    double *trace, int *n_done, int *converged, double *loglik, urn_error *err) {
  int rc = urn_hmm_msar_check(m, T, err);
  if (rc) return rc;
  for (size_t t = 0; t < T; t++)
    if (!isfinite(y[t])) return urn_error_set(err, URN_EINPUT, "hmm msar: y[%zu] is %g (must be finite)", t, y[t]);
  msar_work w;
  work_init(&w, m, T);
  double vf = var_floor_of(y, T), ll = -INFINITY, prev = -INFINITY;
  int done = 0;
  if (converged) *converged = 0;
  for (int i = 0; i <= iters; i++) {
    if ((rc = work_fill(&w, m, p, y, err)) || (rc = work_estep(&w, &ll, err))) break;
    if (i > 0 && tol > 0 && 2.0 * (ll - prev) / fabs(ll + prev) < tol) {
      if (converged) *converged = 1;
      break;
    }
    if (i == iters) break;
    if (trace) trace[i] = ll;
    prev = ll;
    m_step_transitions(m, &w, p);
    m_step_emissions(m, &w, y, p, vf);
    done = i + 1;
  }
  if (!rc && m->steady_initial) urn_hmm_stationary(m->K, p->transition_matrix, p->initial_probs);
  if (n_done) *n_done = done;
  if (loglik) *loglik = ll;
  work_free(&w);
  return rc;
}

/* The regressors' coefficients by least squares of y on (1, x) (each regime's; switching ones perturbed
 * for r > 0) and u = y - x . beta; u = y without regressors. */
static void exog_start(const urn_hmm_msar *m, const double *y, size_t T, int r, urn_rng *rng, urn_hmm_msar_params *p,
                       double *u) {
  int X = m->num_x;
  memcpy(u, y, sizeof(double) * T);
  if (!X) return;
  double *G = urn_xcalloc((size_t)X * X + 4 * (size_t)X, sizeof(double)), *h = G + X * X, *b = h + X, *xm = b + X,
         *sd = xm + X, ym = 0.0, uv = 0.0;
  for (size_t t = 0; t < T; t++) {
    ym += y[t] / (double)T;
    for (int j = 0; j < X; j++) xm[j] += m->x[t * X + j] / (double)T;
  }
  for (size_t t = 0; t < T; t++) {
    const double *xt = m->x + t * X;
    for (int i = 0; i < X; i++) {
      h[i] += (xt[i] - xm[i]) * (y[t] - ym);
      for (int j = 0; j < X; j++) G[i * X + j] += (xt[i] - xm[i]) * (xt[j] - xm[j]);
    }
  }
  for (int j = 0; j < X; j++) sd[j] = sqrt(G[j * X + j] / (double)T);
  spd_solve(X, G, h, b);
  for (size_t t = 0; t < T; t++) {
    for (int j = 0; j < X; j++) u[t] -= b[j] * m->x[t * X + j];
    uv += (u[t] - ym) * (u[t] - ym) / (double)T;
  }
  for (int k = 0; k < m->K; k++)
    for (int j = 0; j < X; j++)
      p->exog[(size_t)k * X + j] = b[j] + (r == 0 || m->shared_x >> j & 1 || !(sd[j] > 0)
                                               ? 0.0
                                               : 0.3 * urn_rng_normal(rng) * sqrt(uv) / sd[j]);
  free(G);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* A start for restart r: r = 0 deterministic (means at quantiles, one AR fit by least squares, sticky A), else random. */
static void msar_start(const urn_hmm_msar *m, const double *y0, size_t T, int r, uint64_t seed, urn_hmm_msar_params *p) {
  int K = m->K, P = m->order, PA = P ? P : 1;
  urn_rng rng;
  urn_rng_seed(&rng, seed, 11);
  double *s = urn_xmalloc(sizeof(double) * T * 2), *y = s + T;
  exog_start(m, y0, T, r, &rng, p, y); /* y: the series less the regressors' least-squares part */
  memcpy(s, y, sizeof(double) * T);
  qsort(s, T, sizeof(double), cmp_double);
  double mean = 0.0, var = 0.0;
  for (size_t t = 0; t < T; t++) mean += y[t];
  mean /= (double)T;
  for (size_t t = 0; t < T; t++) var += (y[t] - mean) * (y[t] - mean);
  var /= (double)T;
  /* one AR(p) by least squares on the demeaned series */
  double *G = urn_xcalloc((size_t)PA * PA + 2 * (size_t)PA, sizeof(double)), *h = G + PA * PA, *x = h + PA;
  for (size_t t = (size_t)P; t < T && P > 0; t++)
    for (int i = 0; i < P; i++) {
      h[i] += (y[t - i - 1] - mean) * (y[t] - mean);
      for (int j = 0; j < P; j++) G[i * P + j] += (y[t - i - 1] - mean) * (y[t - j - 1] - mean);
    }
  if (P > 0) spd_solve(P, G, h, x);
  for (int k = 0; k < K; k++) {
    double qk = r == 0 ? (k + 1.0) / (K + 1.0) : urn_rng_uniform(&rng);
    p->means[k] = s[(size_t)(qk * (double)(T - 1))];
    for (int j = 0; j < P; j++) p->ar[(size_t)k * PA + j] = x[j] + (r == 0 || !m->switching_ar ? 0.0 : 0.2 * urn_rng_normal(&rng));
    p->variances[k] = var * (r == 0 ? 1.0 / K : 0.05 + urn_rng_uniform(&rng)) + 1e-12;
    double stay = r == 0 ? 0.9 : 0.5 + 0.49 * urn_rng_uniform(&rng);
    for (int j = 0; j < K; j++) p->transition_matrix[(size_t)k * K + j] = K == 1 ? 1.0 : j == k ? stay : (1.0 - stay) / (K - 1);
    p->initial_probs[k] = 1.0 / K;
  }
  if (r > 0) /* sorted means: restarts differ by their partition, not by labels */
    for (int i = 1; i < K; i++)
      for (int j = i; j > 0 && p->means[j - 1] > p->means[j]; j--) {
        double t = p->means[j];
        p->means[j] = p->means[j - 1], p->means[j - 1] = t;
      }
  if (!m->switching_var)
    for (int k = 1; k < K; k++) p->variances[k] = p->variances[0];
  if (m->steady_initial) urn_hmm_stationary(K, p->transition_matrix, p->initial_probs);
  free(G);
  free(s);
}

int urn_hmm_msar_fit(const urn_hmm_msar *m, const double *y, size_t T, int restarts, uint64_t seed, int iters, double tol,
                     urn_hmm_msar_params *best, double *loglik, int *iterations, int *converged, urn_error *err) {
  int rc = urn_hmm_msar_check(m, T, err);
  if (rc) return rc;
  if (restarts < 1) return urn_error_set(err, URN_EINPUT, "hmm msar: restarts is %d (must be >= 1)", restarts);
  urn_hmm_msar_params cur;
  urn_hmm_msar_params_alloc(m, &cur);
  double bestll = -INFINITY;
  int found = 0;
  urn_error first;
  urn_error_clear(&first);
  for (int r = 0; r < restarts; r++) {
    msar_start(m, y, T, r, seed + (uint64_t)r, &cur);
    double ll;
    int nd, conv;
    urn_error e2;
    int rr = urn_hmm_msar_em(m, &cur, y, T, iters, tol, NULL, &nd, &conv, &ll, &e2);
    if (rr) {
      if (!first.code) first = e2;
      continue;
    }
    if (!found || ll > bestll) {
      found = 1, bestll = ll;
      params_copy(m, best, &cur);
      if (iterations) *iterations = nd;
      if (converged) *converged = conv;
    }
  }
  urn_hmm_msar_params_free(&cur);
  if (!found) {
    if (err) *err = first;
    return first.code ? first.code : URN_EINPUT;
  }
  if (loglik) *loglik = bestll;
  return URN_OK;
}
