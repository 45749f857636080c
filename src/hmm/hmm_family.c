/* hmm/hmm_family.c — the emission families without inputs beyond Gaussian and
 * Poisson: exponential, gamma, log-normal, beta, Student-t, plain categorical
 * and Gaussian mixtures with diagonal covariances (include/urn/hmm.h).  For each: the values it accepts, the
 * emission log-likelihood, the E-step statistics, the M-step (closed form, a
 * short Newton iteration, or a 1-D maximisation), the log prior, a draw, and
 * a state's mean.  hmm_model.c / hmm_em.c dispatch here for these kinds.
 *
 * Statistics (urn_hmm_stats.sum_t, S values per state and dimension, after
 * sum_w = sum_t gamma_tk):
 *   exponential  S = 1: sum w y
 *   gamma        S = 2: sum w y, sum w log y
 *   lognormal    S = 2: sum w log y, sum w (log y)^2
 *   beta         S = 2: sum w log y, sum w log(1 - y)
 *   student      S = 4: sum w u, sum w u y, sum w u y^2, sum w (E log u - u), with u = E[u | y, k]
 *                       = (nu + 1) / (nu + z^2), z = (y - mu) / s, the latent scale weight of
 *                       y | u ~ N(mu, s^2 / u), u ~ Gamma(nu/2, nu/2), at the parameters of the E-step
 *   categorical  S = C (D = 1): sum w [y = c]
 *   gmm          per state and component c (S = 1 + 2D): sum w r_c, sum w r_c y_d, sum w r_c y_d^2, with
 *                r_c the component's responsibility at the E-step's parameters (sum_t is K x C x S)
 * Only the categorical family has an emission prior (a symmetric Dirichlet on each
 * state's probabilities); the others are fitted by maximum likelihood, which is
 * what a researcher compares with scipy's fit.  Shapes and degrees of freedom are
 * kept in [1e-8, 1e8] and [0.01, 1e4]; variances at or above m->var_floor. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hmm/hmm_internal.h"
#include "math/dist.h"
#include "math/special.h"
#include "util/util.h"

#define SHAPE_MAX 1e8  /* gamma / beta shapes are capped here (a state on one repeated value) */
#define DOF_MIN 0.01   /* Student-t degrees of freedom are searched in [DOF_MIN, DOF_MAX] */
#define DOF_MAX 1e4
#define EMPTY 1e-10    /* expected counts below this leave a state's emission parameters unchanged */

int urn__hmm_is_family(urn_hmm_kind k) { return k >= URN_HMM_EXPONENTIAL && k <= URN_HMM_GMM; }

int urn__hmm_family_nstats(const urn_hmm_model *m) {
  switch (m->kind) {
  case URN_HMM_EXPONENTIAL: return 1;
  case URN_HMM_GAMMA:
  case URN_HMM_LOGNORMAL:
  case URN_HMM_BETA: return 2;
  case URN_HMM_STUDENT: return 4;
  case URN_HMM_CATEGORICAL: return m->C;
  case URN_HMM_GMM: return 1 + 2 * m->D;
  default: return 0;
  }
}

/* Length of sum_t: K x D x S (categorical: K x C). */
size_t urn__hmm_family_stats_len(const urn_hmm_model *m) {
  int S = urn__hmm_family_nstats(m);
  if (m->kind == URN_HMM_GMM) return (size_t)m->K * m->C * S;
  return m->kind == URN_HMM_CATEGORICAL ? (size_t)m->K * S : (size_t)m->K * m->D * S;
}

const char *urn__hmm_family_bad_value(const urn_hmm_model *m, double y) {
  switch (m->kind) {
  case URN_HMM_EXPONENTIAL:
  case URN_HMM_GAMMA:
  case URN_HMM_LOGNORMAL: return y > 0 ? NULL : "must be > 0";
  case URN_HMM_BETA: return y > 0 && y < 1 ? NULL : "must be strictly between 0 and 1";
  case URN_HMM_CATEGORICAL: return y == floor(y) && y >= 0 && y < m->C ? NULL : "must be a class code 0..C-1";
  default: return NULL;
  }
}

void urn__hmm_family_cluster_scale(const urn_hmm_model *m, double *X, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (m->kind == URN_HMM_EXPONENTIAL || m->kind == URN_HMM_GAMMA || m->kind == URN_HMM_LOGNORMAL) X[i] = log(X[i]);
    if (m->kind == URN_HMM_BETA) X[i] = log(X[i]) - log1p(-X[i]);
  }
}

/* log of the Student-t density's constant for nu: lgamma((nu+1)/2) - lgamma(nu/2) - log(nu pi)/2. */
static double t_const(double nu) { return urn_lgamma(0.5 * (nu + 1.0)) - urn_lgamma(0.5 * nu) - 0.5 * log(nu * M_PI); }

/* gmm: per state and component, log w_kc - sum_d log s_kcd - D/2 log 2 pi (cst) and 1/s (ip). */
static int gmm_terms(const urn_hmm_model *m, const urn_hmm_params *p, double *cst, double *ip, urn_error *err) {
  int K = m->K, C = m->C, D = m->D;
  for (int kc = 0; kc < K * C; kc++) {
    double w = p->probs[kc];
    cst[kc] = (w > 0 ? log(w) : -INFINITY) - 0.5 * D * log(2.0 * M_PI);
    for (int d = 0; d < D; d++) {
      double sd = p->scale_diags[(size_t)kc * D + d];
      if (!(sd > 0) || !isfinite(sd))
        return urn_error_set(err, URN_EINPUT, "hmm: the gmm scale of state %d, component %d is %g (must be > 0)",
                             kc / C, kc % C, sd);
      cst[kc] -= log(sd);
      ip[(size_t)kc * D + d] = 1.0 / sd;
    }
  }
  return URN_OK;
}

/* Steps of a block of the Student-t and gmm loops: their logs (and gmm's exponentials) are taken together by the
 * vectorised log and exp of hmm_kernels.c. */
#define STUDENT_BLOCK 128

/* logs of the n values at q (in place): the vectorised log (urn__hmm_log_pos, 1-2 ulp) when every value is a
 * positive normal number, libm's log otherwise (an overflowed 1 + z^2/nu gives inf, a 0 gives -inf, as before). */
static void log_block(size_t n, double *q) {
  int ok = 1;
  for (size_t i = 0; i < n; i++) ok &= q[i] >= DBL_MIN && q[i] <= DBL_MAX;
  if (ok) urn__hmm_log_pos(n, q);
  else
    for (size_t i = 0; i < n; i++) q[i] = log(q[i]);
}

/* gmm, steps t0..t0+nb-1: E[(t K + k) C + c] = exp(l_kc - mx) and sum[t K + k] = sum_c of them, mx[t K + k] the
 * largest l_kc (l_kc = log of component c's weighted density), the exponentials by the vectorised exp
 * (urn__hmm_shift_exp_rows; 1 ulp). */
static void gmm_block(const urn_hmm_model *m, const urn_hmm_params *p, const double *cst, const double *ip,
                      const double *ys, size_t t0, size_t nb, double *E, double *mx, double *sum) {
  int K = m->K, C = m->C, D = m->D;
  for (size_t t = 0; t < nb; t++) {
    const double *y = ys + (t0 + t) * D;
    for (int kc = 0; kc < K * C; kc++) {
      const double *mu = p->means + (size_t)kc * D, *iv = ip + (size_t)kc * D;
      double q = 0.0;
      for (int d = 0; d < D; d++) {
        double z = (y[d] - mu[d]) * iv[d];
        q += z * z;
      }
      E[t * K * C + kc] = cst[kc] - 0.5 * q;
    }
  }
  urn__hmm_shift_exp_rows(C, nb * K, E, mx);
  for (size_t r = 0; r < nb * K; r++) {
    double s = 0.0;
    for (int c = 0; c < C; c++) s += E[r * C + c];
    sum[r] = s;
  }
}

static int gmm_logliks(const urn_hmm_model *m, const urn_hmm_params *p, const urn_hmm_seq *s, double *LL,
                       urn_error *err) {
  int K = m->K, C = m->C, D = m->D;
  double *cst = urn_xmalloc(sizeof(double) * (size_t)K * C * (D + 1)), *ip = cst + (size_t)K * C;
  int rc = gmm_terms(m, p, cst, ip, err);
  double *E = urn_xmalloc(sizeof(double) * STUDENT_BLOCK * (size_t)K * (C + 2)), *mx = E + STUDENT_BLOCK * K * C,
         *sum = mx + STUDENT_BLOCK * K;
  for (size_t t0 = 0; t0 < s->T && !rc; t0 += STUDENT_BLOCK) { /* LL = mx + log sum_c exp(l_c - mx) */
    size_t nb = s->T - t0 < STUDENT_BLOCK ? s->T - t0 : STUDENT_BLOCK;
    gmm_block(m, p, cst, ip, s->y, t0, nb, E, mx, sum);
    log_block(nb * K, sum);
    for (size_t r = 0; r < nb * K; r++) LL[t0 * K + r] = mx[r] == -INFINITY ? -INFINITY : mx[r] + sum[r];
  }
  free(E);
  free(cst);
  return rc;
}

/* The log-likelihoods of T steps for one kind (a compile-time constant where it is called, so that the
 * loop has no branch on it): per state and dimension the constant c and coefficients a, b, e of
 * urn__hmm_family_logliks; the logs of y (and of 1 - y) once per time step, not once per state. */
static inline __attribute__((always_inline)) void family_ll_loop(urn_hmm_kind kind, int K, int D, size_t T,
                                                                 const double *ys, const double *c, const double *a,
                                                                 const double *b, const double *e, double *LL) {
  int need_log = kind == URN_HMM_GAMMA || kind == URN_HMM_LOGNORMAL || kind == URN_HMM_BETA;
  for (size_t t = 0; t < T; t++) {
    const double *y = ys + t * D;
    double *out = LL + t * K;
    for (int k = 0; k < K; k++) out[k] = 0.0;
    for (int d = 0; d < D; d++) {
      double yd = y[d], ly = need_log ? log(yd) : 0.0, l1 = kind == URN_HMM_BETA ? log1p(-yd) : 0.0;
      for (int k = 0; k < K; k++) {
        size_t i = (size_t)k * D + d;
        double v;
        switch (kind) {
        case URN_HMM_EXPONENTIAL: v = c[i] - a[i] * yd; break;
        case URN_HMM_GAMMA: v = c[i] + a[i] * ly - b[i] * yd; break;
        case URN_HMM_LOGNORMAL: {
          double z = (ly - a[i]) * b[i];
          v = c[i] - ly - 0.5 * z * z;
          break;
        }
        case URN_HMM_STUDENT: {
          double z = (yd - a[i]) * b[i];
          v = c[i] - 0.5 * (e[i] + 1.0) * log1p(z * z / e[i]);
          break;
        }
        case URN_HMM_BETA: v = c[i] + (a[i] != 0 ? a[i] * ly : 0.0) + (b[i] != 0 ? b[i] * l1 : 0.0); break;
        default: v = 0.0; break;
        }
        out[k] += v;
      }
    }
  }
}

/* Student-t log-likelihoods, c - (nu + 1)/2 log(1 + z^2/nu) summed over the dimensions, a block of steps at a
 * time: the block's K D values 1 + z^2/nu first, then their logs together (one vectorised pass instead of K D
 * calls of log1p per step; the same to ~1e-16 absolute). */
static void student_ll(int K, int D, size_t T, const double *ys, const double *c, const double *a, const double *b,
                       const double *e, double *LL) {
  size_t KD = (size_t)K * D;
  double *q = urn_xmalloc(sizeof(double) * STUDENT_BLOCK * KD), *h = urn_xmalloc(sizeof(double) * KD * 2);
  double *ie = h + KD; /* 1 / nu */
  for (size_t i = 0; i < KD; i++) h[i] = 0.5 * (e[i] + 1.0), ie[i] = 1.0 / e[i];
  for (size_t t0 = 0; t0 < T; t0 += STUDENT_BLOCK) {
    size_t nb = T - t0 < STUDENT_BLOCK ? T - t0 : STUDENT_BLOCK;
    for (size_t t = 0; t < nb; t++) {
      const double *y = ys + (t0 + t) * D;
      double *qt = q + t * KD;
      for (int k = 0; k < K; k++)
        for (int d = 0; d < D; d++) {
          size_t i = (size_t)k * D + d;
          double z = (y[d] - a[i]) * b[i];
          qt[i] = 1.0 + z * z * ie[i];
        }
    }
    log_block(nb * KD, q);
    for (size_t t = 0; t < nb; t++) {
      const double *qt = q + t * KD;
      double *out = LL + (t0 + t) * K;
      for (int k = 0; k < K; k++) {
        double v = 0.0;
        for (int d = 0; d < D; d++) {
          size_t i = (size_t)k * D + d;
          v += c[i] - h[i] * qt[i];
        }
        out[k] = v;
      }
    }
  }
  free(q);
  free(h);
}

int urn__hmm_family_logliks(const urn_hmm_model *m, const urn_hmm_params *p, const urn_hmm_seq *s, double *LL,
                            urn_error *err) {
  int K = m->K, D = m->D, C = m->C;
  size_t T = s->T, KD = (size_t)K * D;
  if (m->kind == URN_HMM_GMM) return gmm_logliks(m, p, s, LL, err);
  if (m->kind == URN_HMM_CATEGORICAL) {
    double *lp = urn_xmalloc(sizeof(double) * (size_t)K * C);
    for (size_t i = 0; i < (size_t)K * C; i++) lp[i] = p->probs[i] > 0 ? log(p->probs[i]) : -INFINITY;
    for (size_t t = 0; t < T; t++) {
      int y = (int)s->y[t];
      for (int k = 0; k < K; k++) LL[t * K + k] = lp[(size_t)k * C + y];
    }
    free(lp);
    return URN_OK;
  }
  /* per state and dimension: a constant c and up to two coefficients */
  double *c = urn_xmalloc(sizeof(double) * KD * 4), *a = c + KD, *b = a + KD, *e = b + KD;
  for (size_t i = 0; i < KD; i++) {
    int bad = 0;
    switch (m->kind) {
    case URN_HMM_EXPONENTIAL: /* log r - r y */
      bad = !(p->rates[i] > 0);
      c[i] = log(p->rates[i]), a[i] = p->rates[i];
      break;
    case URN_HMM_GAMMA: /* a log r - lgamma(a) + (a - 1) log y - r y */
      bad = !(p->rates[i] > 0 && p->shapes[i] > 0);
      c[i] = p->shapes[i] * log(p->rates[i]) - urn_lgamma(p->shapes[i]), a[i] = p->shapes[i] - 1.0, b[i] = p->rates[i];
      break;
    case URN_HMM_LOGNORMAL:
    case URN_HMM_STUDENT: /* location, 1/scale, constant (and nu) */
      bad = !(p->scale_diags[i] > 0);
      a[i] = p->means[i], b[i] = 1.0 / p->scale_diags[i], c[i] = -log(p->scale_diags[i]);
      if (m->kind == URN_HMM_LOGNORMAL) c[i] -= 0.5 * log(2.0 * M_PI);
      else {
        bad |= !(p->dofs[i] > 0);
        e[i] = p->dofs[i], c[i] += t_const(p->dofs[i]);
      }
      break;
    case URN_HMM_BETA: /* (a - 1) log y + (b - 1) log(1 - y) - log B(a, b) */
      bad = !(p->shapes[2 * i] > 0 && p->shapes[2 * i + 1] > 0);
      a[i] = p->shapes[2 * i] - 1.0, b[i] = p->shapes[2 * i + 1] - 1.0, c[i] = -urn_lbeta(p->shapes[2 * i], p->shapes[2 * i + 1]);
      break;
    default: break;
    }
    if (bad || !isfinite(c[i])) {
      free(c);
      return urn_error_set(err, URN_EINPUT, "hmm: the %s emission parameters of state %zu are not valid (must be > 0)",
                           urn_hmm_kind_name(m->kind), i / D);
    }
  }
  switch (m->kind) { /* one copy of the loop per kind (the kind a constant inside it) */
  case URN_HMM_EXPONENTIAL: family_ll_loop(URN_HMM_EXPONENTIAL, K, D, T, s->y, c, a, b, e, LL); break;
  case URN_HMM_GAMMA: family_ll_loop(URN_HMM_GAMMA, K, D, T, s->y, c, a, b, e, LL); break;
  case URN_HMM_LOGNORMAL: family_ll_loop(URN_HMM_LOGNORMAL, K, D, T, s->y, c, a, b, e, LL); break;
  case URN_HMM_STUDENT: student_ll(K, D, T, s->y, c, a, b, e, LL); break;
  case URN_HMM_BETA: family_ll_loop(URN_HMM_BETA, K, D, T, s->y, c, a, b, e, LL); break;
  default: break;
  }
  free(c);
  return URN_OK;
}

int urn__hmm_family_linear(const urn_hmm_model *m, const urn_hmm_params *p, const urn_hmm_seq *s, double *f1,
                           double *f2, const double **u, const double **v, double *a, double *b, double *c,
                           double *offset, urn_error *err) {
  urn_hmm_kind kind = m->kind;
  if (m->D != 1 || !(kind == URN_HMM_EXPONENTIAL || kind == URN_HMM_GAMMA || kind == URN_HMM_LOGNORMAL ||
                     kind == URN_HMM_BETA))
    return 1;
  for (int k = 0; k < m->K; k++) {
    int bad = 0;
    switch (kind) {
    case URN_HMM_EXPONENTIAL: /* log r - r y */
      bad = !(p->rates[k] > 0), c[k] = log(p->rates[k]), a[k] = -p->rates[k], b[k] = 0.0; /* b: read by the check below */
      break;
    case URN_HMM_GAMMA: /* s log r - lgamma(s) - r y + (s - 1) log y */
      bad = !(p->rates[k] > 0 && p->shapes[k] > 0);
      c[k] = p->shapes[k] * log(p->rates[k]) - urn_lgamma(p->shapes[k]), a[k] = -p->rates[k], b[k] = p->shapes[k] - 1.0;
      break;
    case URN_HMM_LOGNORMAL: /* the Gaussian of log y (and -log y, the same for every state, in *offset) */
      bad = !(p->scale_diags[k] > 0);
      a[k] = p->means[k], b[k] = 0.5 / (p->scale_diags[k] * p->scale_diags[k]);
      c[k] = -log(p->scale_diags[k]) - 0.5 * log(2.0 * M_PI);
      break;
    default: /* beta: (a - 1) log y + (b - 1) log(1 - y) - log B(a, b) */
      bad = !(p->shapes[2 * k] > 0 && p->shapes[2 * k + 1] > 0);
      a[k] = p->shapes[2 * k] - 1.0, b[k] = p->shapes[2 * k + 1] - 1.0;
      c[k] = -urn_lbeta(p->shapes[2 * k], p->shapes[2 * k + 1]);
      break;
    }
    if (bad || !isfinite(c[k]) || !isfinite(b[k]))
      return -urn_error_set(err, URN_EINPUT, "hmm: the %s emission parameters of state %d are not valid (must be > 0)",
                            urn_hmm_kind_name(kind), k);
  }
  size_t T = s->T;
  const double *y = s->y;
  *offset = 0.0, *u = y, *v = NULL;
  if (kind == URN_HMM_EXPONENTIAL) return 0;
  for (size_t t = 0; t < T; t++) f1[t] = log(y[t]); /* one log per step */
  if (kind == URN_HMM_GAMMA) return *v = f1, 0;
  *u = f1;
  if (kind == URN_HMM_LOGNORMAL) {
    double sum = 0.0, comp = 0.0; /* Neumaier's compensated sum: T terms of one sign */
    for (size_t t = 0; t < T; t++) {
      double x = f1[t], n = sum + x;
      comp += fabs(sum) >= fabs(x) ? (sum - n) + x : (x - n) + sum;
      sum = n;
    }
    return *offset = -(sum + comp), 2;
  }
  for (size_t t = 0; t < T; t++) f2[t] = log1p(-y[t]);
  return *v = f2, 0;
}

/* gmm: the responsibilities of T time steps (p NULL: everything to component 0). */
static void gmm_accumulate(const urn_hmm_model *m, const urn_hmm_params *p, size_t T, const double *ys,
                           const double *gs, urn_hmm_stats *st) {
  int K = m->K, C = m->C, D = m->D, S = 1 + 2 * D;
  double *cs = urn_xmalloc(sizeof(double) * ((size_t)K * C * (D + 1) + C));
  double *iv = cs + (size_t)K * C, *lc = iv + (size_t)K * C * D;
  if (p && gmm_terms(m, p, cs, iv, NULL)) p = NULL; /* parameters checked by the loglik before: not reached */
  double *E = urn_xmalloc(sizeof(double) * STUDENT_BLOCK * (size_t)K * (C + 2)), *mx = E + STUDENT_BLOCK * K * C,
         *sum = mx + STUDENT_BLOCK * K;
  for (size_t t = 0; t < T; t++) {
  const double *y = ys + t * D, *g = gs + t * K;
  size_t b = t % STUDENT_BLOCK; /* the step's row in the block */
  if (p && b == 0) gmm_block(m, p, cs, iv, ys, t, T - t < STUDENT_BLOCK ? T - t : STUDENT_BLOCK, E, mx, sum);
  for (int k = 0; k < K; k++) {
    double w = g[k];
    if (w == 0.0) continue;
    if (p) { /* responsibilities exp(l_c - mx) / sum (the first component when every l_c is -inf) */
      const double *e = E + (b * K + k) * C;
      double s = sum[b * K + k];
      for (int c = 0; c < C; c++) lc[c] = s > 0 ? e[c] / s : (c == 0);
    }
    for (int c = 0; c < C; c++) {
      double r = w * (p ? lc[c] : c == 0);
      if (r == 0.0) continue;
      double *sc = st->sum_t + ((size_t)k * C + c) * S;
      sc[0] += r;
      for (int d = 0; d < D; d++) sc[1 + d] += r * y[d], sc[1 + D + d] += r * y[d] * y[d];
    }
  }
  }
  free(E);
  free(cs);
}

/* The statistics of T steps for one kind (a compile-time constant where it is called); dg: Student-t's
 * digamma((nu + 1) / 2) per state and dimension. */
static inline __attribute__((always_inline)) void family_acc_loop(urn_hmm_kind kind, const urn_hmm_model *m,
                                                                  const urn_hmm_params *p, size_t T, const double *ys,
                                                                  const double *gs, const double *dg,
                                                                  urn_hmm_stats *st) {
  int K = m->K, D = m->D, S = urn__hmm_family_nstats(m);
  for (size_t t = 0; t < T; t++) {
  const double *y = ys + t * D, *g = gs + t * K;
  if (kind == URN_HMM_CATEGORICAL) {
    int c = (int)y[0];
    for (int k = 0; k < K; k++) st->sum_t[(size_t)k * S + c] += g[k];
    continue;
  }
  for (int d = 0; d < D; d++) {
    double yd = y[d], l1 = 0.0, l2 = 0.0;
    if (kind == URN_HMM_GAMMA || kind == URN_HMM_LOGNORMAL || kind == URN_HMM_BETA) l1 = log(yd);
    if (kind == URN_HMM_BETA) l2 = log1p(-yd);
    for (int k = 0; k < K; k++) {
      double w = g[k];
      if (w == 0.0) continue;
      double *s = st->sum_t + ((size_t)k * D + d) * S;
      switch (kind) {
      case URN_HMM_EXPONENTIAL: s[0] += w * yd; break;
      case URN_HMM_GAMMA: s[0] += w * yd, s[1] += w * l1; break;
      case URN_HMM_LOGNORMAL: s[0] += w * l1, s[1] += w * l1 * l1; break;
      case URN_HMM_BETA: s[0] += w * l1, s[1] += w * l2; break;
      case URN_HMM_STUDENT: {
        /* p NULL (a hard partition, hmm_em.c's urn_hmm_init_labels): weights 1, a Gaussian fit */
        double u = 1.0, elog = 0.0;
        if (p) {
          size_t i = (size_t)k * D + d;
          double nu = p->dofs[i], z = (yd - p->means[i]) / p->scale_diags[i], q = nu + z * z;
          u = (nu + 1.0) / q;
          elog = dg[i] - log(0.5 * q);
        }
        s[0] += w * u, s[1] += w * u * yd, s[2] += w * u * yd * yd, s[3] += w * (elog - u);
        break;
      }
      default: break;
      }
    }
  }
  }
}

/* Student-t statistics (ECM weights u = (nu + 1) / q, E log u = digamma((nu + 1)/2) - log(q / 2), q = nu + z^2)
 * a block of steps at a time, the block's logs of q / 2 taken together by the vectorised log. */
static void student_acc(const urn_hmm_model *m, const urn_hmm_params *p, size_t T, const double *ys, const double *gs,
                        const double *dg, urn_hmm_stats *st) {
  int K = m->K, D = m->D, S = urn__hmm_family_nstats(m);
  size_t KD = (size_t)K * D;
  double *q = urn_xmalloc(sizeof(double) * (STUDENT_BLOCK * KD * 2 + KD)), *lq = q + STUDENT_BLOCK * KD;
  double *is = lq + STUDENT_BLOCK * KD; /* 1 / scale */
  for (size_t i = 0; i < KD; i++) is[i] = 1.0 / p->scale_diags[i];
  for (size_t t0 = 0; t0 < T; t0 += STUDENT_BLOCK) {
    size_t nb = T - t0 < STUDENT_BLOCK ? T - t0 : STUDENT_BLOCK;
    for (size_t t = 0; t < nb; t++) {
      const double *y = ys + (t0 + t) * D;
      for (size_t i = 0; i < KD; i++) {
        double z = (y[i % D] - p->means[i]) * is[i];
        q[t * KD + i] = p->dofs[i] + z * z;
        lq[t * KD + i] = 0.5 * q[t * KD + i];
      }
    }
    log_block(nb * KD, lq);
    for (size_t t = 0; t < nb; t++) {
      const double *y = ys + (t0 + t) * D, *g = gs + (t0 + t) * K;
      for (int k = 0; k < K; k++) {
        double w = g[k];
        if (w == 0.0) continue;
        for (int d = 0; d < D; d++) {
          size_t i = (size_t)k * D + d;
          double yd = y[d], u = (p->dofs[i] + 1.0) / q[t * KD + i], elog = dg[i] - lq[t * KD + i];
          double *s = st->sum_t + i * S;
          s[0] += w * u, s[1] += w * u * yd, s[2] += w * u * yd * yd, s[3] += w * (elog - u);
        }
      }
    }
  }
  free(q);
}

void urn__hmm_family_accumulate(const urn_hmm_model *m, const urn_hmm_params *p, size_t T, const double *ys,
                                const double *gs, urn_hmm_stats *st) {
  int K = m->K, D = m->D;
  if (m->kind == URN_HMM_GMM) {
    gmm_accumulate(m, p, T, ys, gs, st);
    return;
  }
  /* Student-t: digamma((nu + 1) / 2) once per state and dimension */
  double *dg = m->kind == URN_HMM_STUDENT && p ? urn_xmalloc(sizeof(double) * (size_t)K * D) : NULL;
  for (size_t i = 0; dg && i < (size_t)K * D; i++) dg[i] = urn_digamma(0.5 * (p->dofs[i] + 1.0));
  switch (m->kind) { /* one copy of the loop per kind */
  case URN_HMM_EXPONENTIAL: family_acc_loop(URN_HMM_EXPONENTIAL, m, p, T, ys, gs, dg, st); break;
  case URN_HMM_GAMMA: family_acc_loop(URN_HMM_GAMMA, m, p, T, ys, gs, dg, st); break;
  case URN_HMM_LOGNORMAL: family_acc_loop(URN_HMM_LOGNORMAL, m, p, T, ys, gs, dg, st); break;
  case URN_HMM_BETA: family_acc_loop(URN_HMM_BETA, m, p, T, ys, gs, dg, st); break;
  case URN_HMM_CATEGORICAL: family_acc_loop(URN_HMM_CATEGORICAL, m, p, T, ys, gs, dg, st); break;
  case URN_HMM_STUDENT:
    if (p) student_acc(m, p, T, ys, gs, dg, st);
    else family_acc_loop(URN_HMM_STUDENT, m, p, T, ys, gs, dg, st);
    break;
  default: break;
  }
  free(dg);
}

/* The gamma shape a with log a - digamma(a) = s (s = log mean(y) - mean(log y) >= 0), by
 * Newton's method from Minka's approximation; SHAPE_MAX when s is (about) 0. */
static double gamma_shape(double s) {
  if (!(s > 1e-12)) return SHAPE_MAX;
  double a = (3.0 - s + sqrt((s - 3.0) * (s - 3.0) + 24.0 * s)) / (12.0 * s);
  for (int it = 0; it < 50; it++) {
    double h = log(a) - urn_digamma(a) - s, dh = 1.0 / a - urn_trigamma(a);
    double na = a - h / dh;
    if (!(na > 0)) na = 0.5 * a;
    if (fabs(na - a) <= 1e-14 * a) {
      a = na;
      break;
    }
    a = na;
  }
  return a < SHAPE_MAX ? (a > 1e-8 ? a : 1e-8) : SHAPE_MAX;
}

/* Beta maximum likelihood from the mean logs L1 = E log y, L2 = E log(1 - y): Newton's
 * method on the concave f(a, b) = (a - 1) L1 + (b - 1) L2 - log B(a, b), from (a, b)
 * (the previous values), steps halved until f rises and a, b stay positive. */
static void beta_ml(double L1, double L2, double *a, double *b) {
  double x = *a > 0 && isfinite(*a) ? *a : 1.0, y = *b > 0 && isfinite(*b) ? *b : 1.0;
  if (x >= SHAPE_MAX || y >= SHAPE_MAX) x = y = 1.0;
#define F(u, v) ((u - 1.0) * L1 + (v - 1.0) * L2 - urn_lbeta(u, v))
  double f = F(x, y);
  for (int it = 0; it < 200; it++) {
    double ps = urn_digamma(x + y), ts = urn_trigamma(x + y);
    double g1 = L1 - urn_digamma(x) + ps, g2 = L2 - urn_digamma(y) + ps;
    double h11 = ts - urn_trigamma(x), h22 = ts - urn_trigamma(y), h12 = ts; /* Hessian (negative definite) */
    double det = h11 * h22 - h12 * h12;
    double dx = -(h22 * g1 - h12 * g2) / det, dy = -(h11 * g2 - h12 * g1) / det;
    double step = 1.0, nx = x, ny = y, nf = -INFINITY;
    for (int h = 0; h < 60; h++, step *= 0.5) {
      nx = x + step * dx, ny = y + step * dy;
      if (nx > 0 && ny > 0 && (nf = F(nx, ny)) >= f) break;
    }
    if (!(nx > 0 && ny > 0) || !(nf >= f)) break;
    int done = fabs(nx - x) <= 1e-13 * x && fabs(ny - y) <= 1e-13 * y;
    x = nx, y = ny, f = nf;
    if (done || x > SHAPE_MAX || y > SHAPE_MAX) break;
  }
#undef F
  *a = x < SHAPE_MAX ? x : SHAPE_MAX;
  *b = y < SHAPE_MAX ? y : SHAPE_MAX;
}

/* The degrees of freedom maximising the expected complete-data log-likelihood:
 * log(nu/2) - digamma(nu/2) = -(1 + r), r = sum w (E log u - u) / sum w, by bisection
 * on log nu in [DOF_MIN, DOF_MAX] (the left side falls from +inf to 0). */
static double student_dof(double r) {
  double target = -(1.0 + r);
  if (!(target > 0)) return DOF_MAX;
  double lo = log(DOF_MIN), hi = log(DOF_MAX);
  for (int it = 0; it < 200 && hi - lo > 1e-13; it++) {
    double mid = 0.5 * (lo + hi), h = exp(mid) / 2.0;
    if (log(h) - urn_digamma(h) > target) lo = mid;
    else hi = mid;
  }
  return exp(0.5 * (lo + hi));
}

/* gmm: weights R_kc / N_k, weighted means and variances per component (floored); a component
 * without responsibility keeps its mean and scale (its weight falls to 0). */
static void gmm_m_step(const urn_hmm_model *m, const urn_hmm_stats *st, urn_hmm_params *p) {
  int K = m->K, C = m->C, D = m->D, S = 1 + 2 * D;
  for (int k = 0; k < K; k++) {
    double N = st->sum_w[k];
    if (!(N > EMPTY)) continue;
    for (int c = 0; c < C; c++) {
      size_t kc = (size_t)k * C + c;
      const double *sc = st->sum_t + kc * S;
      double R = sc[0];
      p->probs[kc] = R / N;
      if (!(R > EMPTY)) continue;
      for (int d = 0; d < D; d++) {
        double mu = sc[1 + d] / R, v = sc[1 + D + d] / R - mu * mu;
        if (!(v > m->var_floor)) v = m->var_floor;
        if (!(v > 0)) v = 1e-300;
        p->means[kc * D + d] = mu, p->scale_diags[kc * D + d] = sqrt(v);
      }
    }
  }
}

void urn__hmm_family_spread(const urn_hmm_model *m, urn_hmm_params *p) {
  int K = m->K, C = m->C, D = m->D;
  for (int k = 0; k < K; k++)
    for (int c = C - 1; c >= 0; c--) {
      double off = C > 1 ? 2.0 * c / (C - 1) - 1.0 : 0.0;
      size_t kc = (size_t)k * C + c, k0 = (size_t)k * C;
      for (int d = 0; d < D; d++) {
        p->means[kc * D + d] = p->means[k0 * D + d] + off * p->scale_diags[k0 * D + d];
        p->scale_diags[kc * D + d] = p->scale_diags[k0 * D + d];
      }
      p->probs[kc] = 1.0 / C;
    }
}

int urn__hmm_family_m_step(const urn_hmm_model *m, const urn_hmm_stats *st, urn_hmm_params *p, int iteration,
                           urn_error *err) {
  int K = m->K, D = m->D, S = urn__hmm_family_nstats(m);
  if (m->kind == URN_HMM_GMM) {
    gmm_m_step(m, st, p);
    return URN_OK;
  }
  if (m->kind == URN_HMM_CATEGORICAL) {
    int C = m->C, ml = m->no_prior & URN_HMM_FREEZE_EMISSIONS;
    double conc = ml ? 1.0 : m->probs_conc;
    if (!(conc >= 1.0))
      return urn_error_set(err, URN_EINPUT,
                           "hmm categorical M-step (iteration %d): the Dirichlet mode is undefined for "
                           "emission_prior_concentration %g < 1", iteration, conc);
    for (int k = 0; k < K; k++) {
      const double *n = st->sum_t + (size_t)k * C;
      double tot = 0.0;
      for (int c = 0; c < C; c++) tot += n[c] + conc - 1.0;
      if (!(tot > EMPTY)) continue;
      for (int c = 0; c < C; c++) p->probs[(size_t)k * C + c] = (n[c] + conc - 1.0) / tot;
    }
    return URN_OK;
  }
  for (int k = 0; k < K; k++) {
    double N = st->sum_w[k];
    if (!(N > EMPTY)) continue;
    for (int d = 0; d < D; d++) {
      size_t i = (size_t)k * D + d;
      const double *s = st->sum_t + i * S;
      switch (m->kind) {
      case URN_HMM_EXPONENTIAL: p->rates[i] = s[0] > 0 ? N / s[0] : SHAPE_MAX; break;
      case URN_HMM_GAMMA: {
        double mean = s[0] / N, a = gamma_shape(log(mean) - s[1] / N);
        p->shapes[i] = a, p->rates[i] = a / mean;
        break;
      }
      case URN_HMM_LOGNORMAL: {
        double mu = s[0] / N, v = s[1] / N - mu * mu;
        if (!(v > m->var_floor)) v = m->var_floor;
        if (!(v > 0)) v = 1e-300;
        p->means[i] = mu, p->scale_diags[i] = sqrt(v);
        break;
      }
      case URN_HMM_BETA: beta_ml(s[0] / N, s[1] / N, &p->shapes[2 * i], &p->shapes[2 * i + 1]); break;
      case URN_HMM_STUDENT: {
        if (!(s[0] > 0)) break;
        double mu = s[1] / s[0], v = (s[2] - 2.0 * mu * s[1] + mu * mu * s[0]) / N;
        if (!(v > m->var_floor)) v = m->var_floor;
        if (!(v > 0)) v = 1e-300;
        p->means[i] = mu, p->scale_diags[i] = sqrt(v);
        p->dofs[i] = m->student_dof > 0 ? m->student_dof : student_dof(s[3] / N);
        break;
      }
      default: break;
      }
      if (m->kind == URN_HMM_EXPONENTIAL || m->kind == URN_HMM_GAMMA) {
        if (!(p->rates[i] > 0) || !isfinite(p->rates[i]))
          return urn_error_set(err, URN_EINPUT, "hmm %s M-step (iteration %d): the rate of state %d is %g",
                               urn_hmm_kind_name(m->kind), iteration, k, p->rates[i]);
      }
    }
  }
  return URN_OK;
}

double urn__hmm_family_log_prior(const urn_hmm_model *m, const urn_hmm_params *p) {
  if (m->kind != URN_HMM_CATEGORICAL || (m->no_prior & URN_HMM_FREEZE_EMISSIONS)) return 0.0;
  int C = m->C;
  double *a = urn_xmalloc(sizeof(double) * (size_t)C), lp = 0.0;
  for (int c = 0; c < C; c++) a[c] = m->probs_conc;
  for (int k = 0; k < m->K; k++) lp += urn__log_dirichlet(C, p->probs + (size_t)k * C, a);
  free(a);
  return lp;
}

void urn__hmm_family_draw(const urn_hmm_model *m, const urn_hmm_params *p, int z, urn_rng *r, double *y) {
  int D = m->D;
  if (m->kind == URN_HMM_GMM) {
    size_t kc = (size_t)z * m->C + urn__hmm_draw_categorical(r, p->probs + (size_t)z * m->C, m->C);
    for (int d = 0; d < D; d++) y[d] = p->means[kc * D + d] + p->scale_diags[kc * D + d] * urn_rng_normal(r);
    return;
  }
  if (m->kind == URN_HMM_CATEGORICAL) {
    y[0] = urn__hmm_draw_categorical(r, p->probs + (size_t)z * m->C, m->C);
    return;
  }
  for (int d = 0; d < D; d++) {
    size_t i = (size_t)z * D + d;
    switch (m->kind) {
    case URN_HMM_EXPONENTIAL: y[d] = dist_gamma_draw(r, 1.0) / p->rates[i]; break;
    case URN_HMM_GAMMA: y[d] = dist_gamma_draw(r, p->shapes[i]) / p->rates[i]; break;
    case URN_HMM_LOGNORMAL: y[d] = exp(p->means[i] + p->scale_diags[i] * urn_rng_normal(r)); break;
    case URN_HMM_BETA: y[d] = dist_beta_draw(r, p->shapes[2 * i], p->shapes[2 * i + 1]); break;
    case URN_HMM_STUDENT: {
      double nu = p->dofs[i], u = dist_gamma_draw(r, 0.5 * nu) / (0.5 * nu);
      y[d] = p->means[i] + p->scale_diags[i] * urn_rng_normal(r) / sqrt(u);
      break;
    }
    default: break;
    }
  }
}

double urn__hmm_family_mean(const urn_hmm_model *m, const urn_hmm_params *p, int k, int d) {
  size_t i = (size_t)k * m->D + d;
  switch (m->kind) {
  case URN_HMM_EXPONENTIAL: return 1.0 / p->rates[i];
  case URN_HMM_GAMMA: return p->shapes[i] / p->rates[i];
  case URN_HMM_LOGNORMAL: return exp(p->means[i] + 0.5 * p->scale_diags[i] * p->scale_diags[i]);
  case URN_HMM_BETA: return p->shapes[2 * i] / (p->shapes[2 * i] + p->shapes[2 * i + 1]);
  case URN_HMM_STUDENT: return p->dofs[i] > 1 ? p->means[i] : NAN;
  case URN_HMM_CATEGORICAL: {
    double v = 0.0;
    for (int c = 0; c < m->C; c++) v += c * p->probs[(size_t)k * m->C + c];
    return v;
  }
  case URN_HMM_GMM: {
    double v = 0.0;
    for (int c = 0; c < m->C; c++) v += p->probs[(size_t)k * m->C + c] * p->means[((size_t)k * m->C + c) * m->D + d];
    return v;
  }
  default: return NAN;
  }
}

int urn__hmm_family_num_params(const urn_hmm_model *m) {
  int K = m->K, D = m->D;
  switch (m->kind) {
  case URN_HMM_EXPONENTIAL: return K * D;
  case URN_HMM_GAMMA:
  case URN_HMM_LOGNORMAL:
  case URN_HMM_BETA: return 2 * K * D;
  case URN_HMM_STUDENT: return (m->student_dof > 0 ? 2 : 3) * K * D;
  case URN_HMM_CATEGORICAL: return K * (m->C - 1);
  case URN_HMM_GMM: return K * (m->C - 1) + 2 * K * m->C * D;
  default: return 0;
  }
}
