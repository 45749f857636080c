/* hmm/hmm_msar_se.c — standard errors of a Markov-switching autoregression's
 * parameters (urn_hmm_msar_std_errors, include/urn/hmm.h) from the observed
 * information, by the HMM fits' numerical Hessian (urn__hmm_se_core, hmm_se.c).
 *
 * theta: each probability row (the transitions', and the initial one unless it is
 * the stationary distribution of A) by log-ratios to its largest entry (entries at
 * most 1e-8 stay fixed), the means, AR and regressor coefficients as they are
 * (shared ones once), the variances by their logs (a shared one once). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hmm/hmm_internal.h"
#include "util/util.h"

/* The model, data and parameters the likelihood is evaluated at (urn__hmm_se_core's ctx). */
typedef struct ms_ctx {
  const urn_hmm_msar *m;            /* the model */
  const urn_hmm_msar_params *base;  /* the fitted parameters (references, boundary entries) */
  urn_hmm_msar_params work;         /* scratch parameters */
  const double *y;                  /* the series */
  size_t T;                         /* its length */
} ms_ctx;

/* A value <-> theta[n] (logged: by its log); returns n + 1. */
static size_t ms_val(double *v, double *theta, size_t n, int logged, int unpack) {
  if (unpack) *v = logged ? exp(theta[n]) : theta[n];
  else if (theta) theta[n] = logged ? log(*v) : *v;
  return n + 1;
}

/* theta from p (pack; theta NULL to count) or p from theta (unpack); returns the length of theta. */
static size_t ms_map(const urn_hmm_msar *m, const urn_hmm_msar_params *b, urn_hmm_msar_params *p, double *theta,
                     int unpack) {
  int K = m->K, P = m->order, X = m->num_x;
  size_t n = 0;
  if (!m->steady_initial && K > 1) n = urn__hmm_se_row(b->initial_probs, p->initial_probs, K, theta, n, unpack);
  for (int i = 0; i < K && K > 1; i++)
    n = urn__hmm_se_row(b->transition_matrix + (size_t)i * K, p->transition_matrix + (size_t)i * K, K, theta, n, unpack);
  for (int k = 0; k < K; k++) n = ms_val(p->means + k, theta, n, 0, unpack);
  for (int k = 0; k < (m->switching_ar ? K : 1); k++)
    for (int j = 0; j < P; j++) n = ms_val(p->ar + (size_t)k * P + j, theta, n, 0, unpack);
  for (int k = 0; k < (m->switching_var ? K : 1); k++) n = ms_val(p->variances + k, theta, n, 1, unpack);
  for (int j = 0; j < X; j++)
    for (int k = 0; k < (m->shared_x >> j & 1 ? 1 : K); k++) n = ms_val(p->exog + (size_t)k * X + j, theta, n, 0, unpack);
  if (unpack) { /* shared blocks: regime 0's, copied */
    for (int k = 1; k < K; k++) {
      if (!m->switching_ar) memcpy(p->ar + (size_t)k * P, p->ar, sizeof(double) * (size_t)P);
      if (!m->switching_var) p->variances[k] = p->variances[0];
      for (int j = 0; j < X; j++)
        if (m->shared_x >> j & 1) p->exog[(size_t)k * X + j] = p->exog[j];
    }
    if (m->steady_initial) urn_hmm_stationary(K, p->transition_matrix, p->initial_probs);
  }
  return n;
}

/* The natural parameters' count and flattening (initial, transitions, means, ar, variances, exog). */
static size_t ms_sizes(const urn_hmm_msar *m, size_t len[6]) {
  size_t K = (size_t)m->K;
  len[0] = K, len[1] = K * K, len[2] = K, len[3] = K * (size_t)(m->order ? m->order : 1), len[4] = K;
  len[5] = K * (size_t)(m->num_x ? m->num_x : 1);
  return len[0] + len[1] + len[2] + len[3] + len[4] + len[5];
}

static void ms_arrays(const urn_hmm_msar_params *p, double *a[6]) {
  a[0] = p->initial_probs, a[1] = p->transition_matrix, a[2] = p->means, a[3] = p->ar, a[4] = p->variances,
  a[5] = p->exog;
}

static void ms_load(ms_ctx *c, const double *theta) {
  double *d[6], *s[6];
  size_t len[6];
  ms_sizes(c->m, len);
  ms_arrays(&c->work, d);
  ms_arrays(c->base, s);
  for (int i = 0; i < 6; i++) memcpy(d[i], s[i], sizeof(double) * len[i]);
  ms_map(c->m, c->base, &c->work, (double *)theta, 1);
}

static double ms_ll(void *ctx, const double *theta) {
  ms_ctx *c = ctx;
  ms_load(c, theta);
  double ll;
  urn_error e;
  if (urn_hmm_msar_loglik(c->m, &c->work, c->y, c->T, &ll, &e)) return NAN;
  return ll;
}

static void ms_natural(void *ctx, const double *theta, double *out) {
  ms_ctx *c = ctx;
  ms_load(c, theta);
  double *a[6];
  size_t len[6];
  ms_sizes(c->m, len);
  ms_arrays(&c->work, a);
  for (int i = 0; i < 6; i++) memcpy(out, a[i], sizeof(double) * len[i]), out += len[i];
}

int urn_hmm_msar_std_errors(const urn_hmm_msar *m, const urn_hmm_msar_params *p, const double *y, size_t T,
                            urn_hmm_msar_params *se, int *n_free, urn_error *err) {
  int rc = urn_hmm_msar_check(m, T, err);
  if (rc) return rc;
  urn_hmm_msar_params base;
  urn_hmm_msar_params_alloc(m, &base);
  ms_ctx c = {m, &base, {0}, y, T};
  urn_hmm_msar_params_alloc(m, &c.work);
  size_t len[6], N = ms_sizes(m, len);
  double *a[6], *s[6];
  ms_arrays(&base, a);
  ms_arrays(p, s);
  for (int i = 0; i < 6; i++) memcpy(a[i], s[i], sizeof(double) * len[i]);
  if (m->steady_initial) urn_hmm_stationary(m->K, base.transition_matrix, base.initial_probs);
  size_t P = ms_map(m, &base, &base, NULL, 0);
  if (n_free) *n_free = (int)P;
  double *theta = urn_xmalloc(sizeof(double) * (P + 1)), *v = urn_xmalloc(sizeof(double) * N);
  ms_map(m, &base, &base, theta, 0);
  rc = urn__hmm_se_core(P, N, theta, ms_ll, ms_natural, &c, v, "hmm msar", err);
  ms_arrays(se, a);
  for (int i = 0, at = 0; i < 6; at += (int)len[i], i++) memcpy(a[i], v + at, sizeof(double) * len[i]);
  free(theta), free(v);
  urn_hmm_msar_params_free(&base);
  urn_hmm_msar_params_free(&c.work);
  return rc;
}
