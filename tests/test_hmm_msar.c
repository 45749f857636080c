/* tests/test_hmm_msar.c — Markov-switching autoregression (src/hmm/hmm_msar.c)
 * against independent references: brute-force enumeration of every regime path
 * (steady-state and free initial distributions, K = 2 and 3, p = 0..2), one
 * regime against the closed-form conditional AR(p) likelihood, the stationary
 * distribution, EM monotone for every switching variant, shared coefficients
 * kept shared, and recovery of known parameters from a simulated series; the same
 * with exogenous regressors (switching and shared coefficients); standard errors against an independent
 * central-difference Hessian on the natural scale.
 * (The statsmodels comparison is tests/cli/test_hmm_msar.sh.) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "math/rng.h"
#include "urn/hmm.h"

static void random_params(const urn_hmm_msar *m, urn_hmm_msar_params *p, urn_rng *r) {
  int K = m->K, P = m->order, PA = P ? P : 1;
  for (int i = 0; i < K; i++) {
    double s = 0.0;
    for (int j = 0; j < K; j++) s += p->transition_matrix[i * K + j] = 0.1 + urn_rng_uniform(r) + (i == j) * 2.0;
    for (int j = 0; j < K; j++) p->transition_matrix[i * K + j] /= s;
    p->initial_probs[i] = 0.2 + urn_rng_uniform(r);
    p->means[i] = 1.5 * i + 0.3 * urn_rng_normal(r);
    p->variances[i] = 0.3 + urn_rng_uniform(r);
    for (int j = 0; j < P; j++) p->ar[i * PA + j] = 0.4 * urn_rng_normal(r) / (j + 1);
  }
  double s = 0.0;
  for (int i = 0; i < K; i++) s += p->initial_probs[i];
  for (int i = 0; i < K; i++) p->initial_probs[i] /= s;
}

/* The regime mean mu_k + x_t . beta_k, written out independently of the library. */
static double mean_at(const urn_hmm_msar *m, const urn_hmm_msar_params *p, int t, int k) {
  double v = p->means[k];
  for (int j = 0; j < m->num_x; j++) v += m->x[t * m->num_x + j] * p->exog[k * m->num_x + j];
  return v;
}

/* log p(y_p.. | y_0..y_p-1) by summing over all K^T regime paths. */
static double brute(const urn_hmm_msar *m, const urn_hmm_msar_params *p, const double *y, int T) {
  int K = m->K, P = m->order, PA = P ? P : 1;
  double pi[8];
  if (m->steady_initial) urn_hmm_stationary(K, p->transition_matrix, pi);
  else memcpy(pi, p->initial_probs, sizeof(double) * K);
  int npath = 1;
  for (int t = 0; t < T; t++) npath *= K;
  double Z = 0.0;
  for (int code = 0; code < npath; code++) {
    int s[16], c = code;
    for (int t = 0; t < T; t++) s[t] = c % K, c /= K;
    double pr = pi[s[0]];
    for (int t = 1; t < T; t++) pr *= p->transition_matrix[s[t - 1] * K + s[t]];
    for (int t = P; t < T; t++) {
      int k = s[t];
      double r = y[t] - mean_at(m, p, t, k);
      for (int j = 1; j <= P; j++) r -= p->ar[k * PA + j - 1] * (y[t - j] - mean_at(m, p, t - j, s[t - j]));
      pr *= exp(-0.5 * r * r / p->variances[k]) / sqrt(2.0 * M_PI * p->variances[k]);
    }
    Z += pr;
  }
  return log(Z);
}

static void test_brute(int K, int P, int steady) {
  enum { T = 7 };
  urn_hmm_msar m = {K, P, 1, 1, steady};
  urn_hmm_msar_params p;
  urn_hmm_msar_params_alloc(&m, &p);
  urn_rng r;
  urn_rng_seed(&r, 100 + 10 * K + P, steady);
  random_params(&m, &p, &r);
  double y[T];
  for (int t = 0; t < T; t++) y[t] = 1.5 * urn_rng_uniform(&r) * K;
  double ll, ref = brute(&m, &p, y, T);
  urn_error err;
  CHECK(urn_hmm_msar_loglik(&m, &p, y, T, &ll, &err) == URN_OK, "msar loglik: %s", err.msg);
  CHECK_REL(ll, ref, 1e-12, "brute force over every regime path");
  if (K == 2 && P == 2 && steady) {
    double sm[(T - 2) * 2];
    int z[T - 2];
    CHECK(urn_hmm_msar_states(&m, &p, y, T, sm, z, &err) == URN_OK, "msar states");
    int ok = 1;
    for (int t = 0; t < T - 2; t++) ok &= fabs(sm[2 * t] + sm[2 * t + 1] - 1.0) < 1e-12 && z[t] >= 0 && z[t] < 2;
    CHECK(ok, "smoothed regime probabilities sum to 1, Viterbi regimes in range");
  }
  urn_hmm_msar_params_free(&p);
}

/* Regressors: X = 2, the first switching, the second shared (equal rows). */
static void test_brute_x(int P, int steady) {
  enum { T = 7, X = 2 };
  urn_rng r;
  urn_rng_seed(&r, 300 + P, steady);
  double x[T * X], y[T];
  for (int i = 0; i < T * X; i++) x[i] = urn_rng_normal(&r);
  urn_hmm_msar m = {2, P, 1, 1, steady, X, x, 2};
  urn_hmm_msar_params p;
  urn_hmm_msar_params_alloc(&m, &p);
  random_params(&m, &p, &r);
  p.exog[0] = 0.7, p.exog[2] = -0.4, p.exog[1] = p.exog[3] = 1.3;
  for (int t = 0; t < T; t++) y[t] = 3.0 * urn_rng_uniform(&r);
  double ll, ref = brute(&m, &p, y, T);
  urn_error err;
  CHECK(urn_hmm_msar_loglik(&m, &p, y, T, &ll, &err) == URN_OK, "msar loglik with regressors: %s", err.msg);
  CHECK_REL(ll, ref, 1e-12, "brute force with regressors");
  CHECK(urn_hmm_msar_num_params(&m) == 2 + (steady ? 0 : 1) + 2 + 2 * P + 2 + 2 + 1, "free parameters with regressors");
  urn_hmm_msar_params_free(&p);
}

/* EM with a switching and a shared regressor (p = 1): monotone, the shared coefficient stays shared, recovery. */
static void test_em_x(void) {
  enum { T = 3000, K = 2, P = 1, X = 2 };
  double *x = malloc(sizeof(double) * T * X), *y = malloc(sizeof(double) * T), *trace = malloc(sizeof(double) * 3000);
  int *s = malloc(sizeof(int) * T);
  urn_rng r;
  urn_rng_seed(&r, 501, 0);
  for (int t = 0; t < T; t++) x[t * X] = sin(t * 0.05) + 0.3 * urn_rng_normal(&r), x[t * X + 1] = urn_rng_normal(&r);
  urn_hmm_msar m = {K, P, 1, 1, 1, X, x, 2};
  urn_hmm_msar_params truth, fit;
  urn_hmm_msar_params_alloc(&m, &truth);
  urn_hmm_msar_params_alloc(&m, &fit);
  double A[4] = {0.95, 0.05, 0.08, 0.92}, pi[2];
  memcpy(truth.transition_matrix, A, sizeof A);
  truth.means[0] = 0.0, truth.means[1] = 3.0, truth.ar[0] = 0.5, truth.ar[1] = 0.2;
  truth.variances[0] = 0.5, truth.variances[1] = 1.0;
  truth.exog[0] = 1.0, truth.exog[2] = -1.0, truth.exog[1] = truth.exog[3] = 0.5;
  urn_hmm_stationary(K, A, pi);
  for (int t = 0; t < T; t++) { /* simulate */
    const double *w = t ? A + s[t - 1] * K : pi;
    int k = urn_rng_uniform(&r) < w[0] ? 0 : 1;
    s[t] = k;
    double mean = mean_at(&m, &truth, t, k);
    if (t) mean += truth.ar[k] * (y[t - 1] - mean_at(&m, &truth, t - 1, s[t - 1]));
    y[t] = mean + sqrt(truth.variances[k]) * urn_rng_normal(&r);
  }
  urn_error err;
  double ll, llt;
  int it, conv, nd;
  CHECK(urn_hmm_msar_fit(&m, y, T, 4, 1, 3000, 1e-12, &fit, &ll, &it, &conv, &err) == URN_OK, "msar fit x: %s", err.msg);
  urn_hmm_msar_loglik(&m, &truth, y, T, &llt, &err);
  CHECK(ll >= llt, "the fit with regressors %.4f >= the truth's %.4f", ll, llt);
  int hi = fit.means[1] > fit.means[0], lo = 1 - hi;
  double e = fmax(fabs(fit.exog[lo * X] - 1.0), fabs(fit.exog[hi * X] + 1.0));
  e = fmax(e, fmax(fabs(fit.exog[1] - 0.5), fmax(fabs(fit.means[lo]), fabs(fit.means[hi] - 3.0))));
  e = fmax(e, fmax(fabs(fit.ar[lo] - 0.5), fabs(fit.ar[hi] - 0.2)));
  CHECK(e < 0.12, "regression coefficients, means and AR recovered within 0.12 (worst %.3g: beta %.3f %.3f %.3f)", e,
        fit.exog[lo * X], fit.exog[hi * X], fit.exog[1]);
  CHECK(fit.exog[1] == fit.exog[3], "the shared regressor's coefficient stays shared");
  /* EM from a poor start: monotone */
  urn_hmm_msar_params q;
  urn_hmm_msar_params_alloc(&m, &q);
  memcpy(q.transition_matrix, A, sizeof A);
  q.means[0] = -0.5, q.means[1] = 2.0, q.variances[0] = q.variances[1] = 2.0;
  CHECK(urn_hmm_msar_em(&m, &q, y, T, 3000, 1e-12, trace, &nd, &conv, &ll, &err) == URN_OK, "msar em x");
  int mono = 1;
  for (int i = 1; i < nd; i++) mono &= trace[i] >= trace[i - 1] - 1e-9 * fabs(trace[i - 1]);
  CHECK(mono && nd > 3, "EM with regressors never lowers the log likelihood (%d iterations)", nd);
  /* a constant regressor is refused */
  for (int t = 0; t < T; t++) x[t * X + 1] = 2.0;
  CHECK(urn_hmm_msar_check(&m, T, &err) != URN_OK && strstr(err.msg, "regressor 1 is constant"), "%s", err.msg);
  urn_hmm_msar_params_free(&q);
  urn_hmm_msar_params_free(&truth);
  urn_hmm_msar_params_free(&fit);
  free(x), free(y), free(trace), free(s);
}

static void test_one_regime(void) {
  enum { T = 60, P = 2 };
  urn_hmm_msar m = {1, P, 1, 1, 1};
  urn_hmm_msar_params p;
  urn_hmm_msar_params_alloc(&m, &p);
  p.transition_matrix[0] = 1.0, p.means[0] = 0.7, p.ar[0] = 0.5, p.ar[1] = -0.2, p.variances[0] = 0.8;
  urn_rng r;
  urn_rng_seed(&r, 9, 0);
  double y[T], ref = 0.0, ll;
  for (int t = 0; t < T; t++) y[t] = urn_rng_normal(&r);
  for (int t = P; t < T; t++) {
    double e = y[t] - 0.7 - 0.5 * (y[t - 1] - 0.7) + 0.2 * (y[t - 2] - 0.7);
    ref += -0.5 * e * e / 0.8 - 0.5 * log(2.0 * M_PI * 0.8);
  }
  urn_error err;
  CHECK(urn_hmm_msar_loglik(&m, &p, y, T, &ll, &err) == URN_OK, "one regime");
  CHECK_REL(ll, ref, 1e-13, "one regime = the conditional AR(2) likelihood");
  urn_hmm_msar_params_free(&p);
}

static void test_stationary(void) {
  double A[9] = {0.8, 0.15, 0.05, 0.1, 0.7, 0.2, 0.3, 0.3, 0.4}, pi[3];
  urn_hmm_stationary(3, A, pi);
  double worst = 0.0;
  for (int j = 0; j < 3; j++) {
    double s = 0.0;
    for (int i = 0; i < 3; i++) s += pi[i] * A[i * 3 + j];
    worst = fmax(worst, fabs(s - pi[j]));
  }
  CHECK(worst < 1e-15 && fabs(pi[0] + pi[1] + pi[2] - 1.0) < 1e-15, "pi A = pi (%g)", worst);
}

/* Simulates an MS-AR series (the regime of y_0..y_p-1 drawn as the chain too). */
static void simulate(const urn_hmm_msar *m, const urn_hmm_msar_params *p, urn_rng *r, int T, double *y, int *s) {
  int K = m->K, P = m->order, PA = P ? P : 1;
  double pi[8];
  urn_hmm_stationary(K, p->transition_matrix, pi);
  for (int t = 0; t < T; t++) {
    const double *w = t ? p->transition_matrix + s[t - 1] * K : pi;
    double u = urn_rng_uniform(r), c = 0.0;
    int k = 0;
    for (; k < K - 1; k++)
      if (u < (c += w[k])) break;
    s[t] = k;
    double mean = p->means[k];
    for (int j = 1; j <= P && t - j >= 0; j++) mean += p->ar[k * PA + j - 1] * (y[t - j] - p->means[s[t - j]]);
    y[t] = mean + sqrt(p->variances[k]) * urn_rng_normal(r);
  }
}

static void test_em(int sar, int svar, int steady) {
  enum { T = 3000, K = 2, P = 1 };
  urn_hmm_msar m = {K, P, sar, svar, steady};
  urn_hmm_msar_params truth, fit;
  urn_hmm_msar_params_alloc(&m, &truth);
  urn_hmm_msar_params_alloc(&m, &fit);
  double A[4] = {0.95, 0.05, 0.08, 0.92};
  memcpy(truth.transition_matrix, A, sizeof A);
  truth.means[0] = 0.0, truth.means[1] = 3.0;
  truth.ar[0] = 0.6, truth.ar[1] = sar ? 0.2 : 0.6;
  truth.variances[0] = 0.5, truth.variances[1] = svar ? 1.0 : 0.5;
  urn_rng r;
  urn_rng_seed(&r, 77 + sar + 2 * svar, 0);
  double *y = malloc(sizeof(double) * T), *trace = malloc(sizeof(double) * 2000);
  int *s = malloc(sizeof(int) * T);
  simulate(&m, &truth, &r, T, y, s);
  urn_error err;
  double ll;
  int it, conv;
  CHECK(urn_hmm_msar_fit(&m, y, T, 4, 1, 2000, 1e-12, &fit, &ll, &it, &conv, &err) == URN_OK, "msar fit: %s", err.msg);
  /* EM from the fit's best start again, with the trace */
  urn_hmm_msar_params q;
  urn_hmm_msar_params_alloc(&m, &q);
  memcpy(q.transition_matrix, A, sizeof A);
  q.means[0] = -0.5, q.means[1] = 2.0, q.ar[0] = q.ar[1] = 0.0, q.variances[0] = q.variances[1] = 2.0;
  q.initial_probs[0] = q.initial_probs[1] = 0.5;
  int nd;
  double ll2;
  CHECK(urn_hmm_msar_em(&m, &q, y, T, 2000, 1e-12, trace, &nd, &conv, &ll2, &err) == URN_OK, "msar em");
  int mono = 1;
  for (int i = 1; i < nd; i++) mono &= trace[i] >= trace[i - 1] - 1e-9 * fabs(trace[i - 1]);
  CHECK(mono && nd > 3, "EM never lowers the log likelihood (%d iterations; sar %d svar %d steady %d)", nd, sar, svar,
        steady);
  CHECK(ll >= ll2 - 1e-6, "the restarts' best %.6f >= one start's %.6f", ll, ll2);
  double llt;
  urn_hmm_msar_loglik(&m, &truth, y, T, &llt, &err);
  CHECK(ll >= llt, "the fit's log likelihood %.4f >= the truth's %.4f", ll, llt);
  int hi = fit.means[1] > fit.means[0], lo = 1 - hi;
  double e = fmax(fabs(fit.means[lo] - 0.0), fabs(fit.means[hi] - 3.0));
  e = fmax(e, fmax(fabs(fit.ar[lo] - truth.ar[0]), fabs(fit.ar[hi] - truth.ar[1])));
  e = fmax(e, fmax(fabs(fit.variances[lo] - truth.variances[0]), fabs(fit.variances[hi] - truth.variances[1])));
  e = fmax(e, fabs(fit.transition_matrix[lo * 2 + lo] - 0.95));
  e = fmax(e, fabs(fit.transition_matrix[hi * 2 + hi] - 0.92));
  CHECK(e < 0.12, "parameters recovered within 0.12 (worst %.3g; sar %d svar %d: mu %.3f %.3f ar %.3f %.3f var %.3f %.3f A %.3f %.3f)", e, sar, svar, fit.means[lo], fit.means[hi], fit.ar[lo], fit.ar[hi], fit.variances[lo], fit.variances[hi], fit.transition_matrix[lo * 2 + lo], fit.transition_matrix[hi * 2 + hi]);
  if (!sar) CHECK(fit.ar[0] == fit.ar[1], "shared AR coefficients stay shared");
  if (!svar) CHECK(fit.variances[0] == fit.variances[1], "the shared variance stays shared");
  urn_hmm_msar_params_free(&q);
  urn_hmm_msar_params_free(&truth);
  urn_hmm_msar_params_free(&fit);
  free(y), free(trace), free(s);
}

/* The joint M-step: at p = 1 with switching AR and variance (strongly coupled means and AR coefficients, where
 * one ECM cycle per iteration needed ~2000 iterations on fedfunds) EM converges in few iterations; and a model
 * whose moments are too large (K^(p+1) D^2 > 4e6 doubles: the one-ECM-cycle path over the steps) stays monotone. */
static void test_joint_mstep(void) {
  enum { K = 2 };
  urn_hmm_msar m = {K, 1, 1, 1, 1};
  urn_hmm_msar_params q;
  urn_hmm_msar_params_alloc(&m, &q);
  double y[400], *trace = malloc(sizeof(double) * 5000), ll;
  size_t T = 0;
  char line[128];
  FILE *f = fopen("tests/data/hmm_real/fedfunds.csv", "r");
  CHECK(f != NULL, "tests/data/hmm_real/fedfunds.csv");
  if (!f) return;
  while (fgets(line, sizeof line, f) && T < 400) {
    const char *c = strchr(line, ',');
    if (c && line[0] != 't') y[T++] = atof(c + 1);
  }
  fclose(f);
  /* near the optimum (-218.81: a near-unit root, means about -33), but with means in the data's range */
  q.transition_matrix[0] = 0.92, q.transition_matrix[1] = 0.08, q.transition_matrix[2] = 0.17, q.transition_matrix[3] = 0.83;
  q.means[0] = 4.0, q.means[1] = 7.0, q.ar[0] = 1.0, q.ar[1] = 0.99, q.variances[0] = 0.09, q.variances[1] = 2.3;
  int nd, conv;
  urn_error err;
  CHECK(urn_hmm_msar_em(&m, &q, y, T, 5000, 1e-10, trace, &nd, &conv, &ll, &err) == URN_OK && conv, "msar em joint");
  int mono = 1;
  for (int i = 1; i < nd; i++) mono &= trace[i] >= trace[i - 1] - 1e-9 * fabs(trace[i - 1]);
  CHECK(mono && nd < 200, "joint M-step: EM converged in %d iterations (< 200; one ECM cycle: 5000 and not converged), monotone", nd);
  urn_hmm_msar_params_free(&q);
  urn_rng r;
  urn_rng_seed(&r, 606, 0);
  /* the step path: K = 2, p = 5, X = 42 (D = 259, 64 tuples: 4.3e6 doubles of moments) */
  enum { T2 = 60, X = 42 };
  double *x = malloc(sizeof(double) * T2 * X), *y2 = malloc(sizeof(double) * T2);
  for (int i = 0; i < T2 * X; i++) x[i] = urn_rng_normal(&r);
  for (int t = 0; t < T2; t++) y2[t] = x[t * X] + (t > T2 / 2) * 3.0 + urn_rng_normal(&r);
  urn_hmm_msar m2 = {K, 5, 0, 0, 1, X, x, ~0ULL >> 1};
  urn_hmm_msar_params p2;
  urn_hmm_msar_params_alloc(&m2, &p2);
  p2.transition_matrix[0] = p2.transition_matrix[3] = 0.9, p2.transition_matrix[1] = p2.transition_matrix[2] = 0.1;
  p2.means[0] = 0.0, p2.means[1] = 3.0, p2.variances[0] = p2.variances[1] = 1.0;
  CHECK(urn_hmm_msar_em(&m2, &p2, y2, T2, 4, 0.0, trace, &nd, &conv, &ll, &err) == URN_OK, "msar em (steps): %s", err.msg);
  mono = nd == 4 && isfinite(ll) && ll >= trace[3] - 1e-9 * fabs(ll);
  for (int i = 1; i < nd; i++) mono &= trace[i] >= trace[i - 1] - 1e-9 * fabs(trace[i - 1]);
  CHECK(mono, "one ECM cycle over the steps (moments too large): EM monotone");
  urn_hmm_msar_params_free(&p2);
  free(x), free(y2), free(trace);
}

/* The natural parameters of a K = 2 model: A[0][0], A[1][0], mu_0, mu_1, then phi (one per regime or shared),
 * sigma^2 (likewise), beta (likewise): q -> p; returns their count. */
static int nat_set(const urn_hmm_msar *m, urn_hmm_msar_params *p, const double *q) {
  int n = 0;
  p->transition_matrix[0] = q[n], p->transition_matrix[1] = 1.0 - q[n++];
  p->transition_matrix[2] = q[n], p->transition_matrix[3] = 1.0 - q[n++];
  p->means[0] = q[n++], p->means[1] = q[n++];
  p->ar[0] = q[n++], p->ar[1] = m->switching_ar ? q[n++] : p->ar[0];
  p->variances[0] = q[n++], p->variances[1] = m->switching_var ? q[n++] : p->variances[0];
  if (m->num_x) p->exog[0] = q[n++], p->exog[1] = m->shared_x ? p->exog[0] : q[n++];
  return n;
}

/* Their standard errors as urn_hmm_msar_std_errors lays them out. */
static void nat_se(const urn_hmm_msar *m, const urn_hmm_msar_params *se, double *v) {
  int n = 0;
  v[n++] = se->transition_matrix[0], v[n++] = se->transition_matrix[2];
  v[n++] = se->means[0], v[n++] = se->means[1];
  v[n++] = se->ar[0];
  if (m->switching_ar) v[n++] = se->ar[1];
  v[n++] = se->variances[0];
  if (m->switching_var) v[n++] = se->variances[1];
  if (m->num_x) v[n++] = se->exog[0];
  if (m->num_x && !m->shared_x) v[n++] = se->exog[1];
}

/* Inverts the n x n matrix a in place (Gauss-Jordan with partial pivoting); 0 when singular. */
static int invert(int n, double *a) {
  double b[12 * 12];
  for (int i = 0; i < n * n; i++) b[i] = i % (n + 1) == 0;
  for (int c = 0; c < n; c++) {
    int piv = c;
    for (int r = c + 1; r < n; r++)
      if (fabs(a[r * n + c]) > fabs(a[piv * n + c])) piv = r;
    if (a[piv * n + c] == 0.0) return 0;
    for (int k = 0; k < n; k++) {
      double t = a[c * n + k];
      a[c * n + k] = a[piv * n + k], a[piv * n + k] = t;
      t = b[c * n + k], b[c * n + k] = b[piv * n + k], b[piv * n + k] = t;
    }
    double d = a[c * n + c];
    for (int k = 0; k < n; k++) a[c * n + k] /= d, b[c * n + k] /= d;
    for (int r = 0; r < n; r++)
      if (r != c) {
        double f = a[r * n + c];
        for (int k = 0; k < n; k++) a[r * n + k] -= f * a[c * n + k], b[r * n + k] -= f * b[c * n + k];
      }
  }
  memcpy(a, b, sizeof(double) * n * n);
  return 1;
}

/* Standard errors at the MLE of a simulated series against an independent central-difference Hessian of the
 * log likelihood in the natural parameters (transition probabilities and variances on their own scale:
 * statsmodels' parameterisation; at a maximum the delta method through urn's log-ratios agrees to first order). */
static void test_std_errors(int sar, int svar, int X, int shared) {
  enum { T = 300, K = 2, P = 1 };
  urn_rng r;
  urn_rng_seed(&r, 900 + sar + 2 * svar + 4 * X, shared);
  double x[T], y[T];
  int s[T];
  for (int t = 0; t < T; t++) x[t] = sin(t * 0.1) + 0.5 * urn_rng_normal(&r);
  urn_hmm_msar m = {K, P, sar, svar, 1, X, X ? x : NULL, (unsigned long long)shared};
  urn_hmm_msar_params p, se;
  urn_hmm_msar_params_alloc(&m, &p);
  urn_hmm_msar_params_alloc(&m, &se);
  double q[12] = {0.9, 0.15, 0.0, 2.5, 0.5, 0.2, 0.4, 0.8, 0.7, -0.3}, q0[12], v[12];
  int n = nat_set(&m, &p, q);
  simulate(&m, &p, &r, T, y, s);
  if (X) /* the regressor's effect on every lag (simulate has none) */
    for (int t = T - 1; t >= 0; t--) y[t] += (s[t] ? p.exog[1] : p.exog[0]) * x[t] - 0.5 * (t ? x[t - 1] : 0.0);
  urn_error err;
  double ll;
  int nd, conv, nfree;
  CHECK(urn_hmm_msar_em(&m, &p, y, T, 20000, 1e-15, NULL, &nd, &conv, &ll, &err) == URN_OK, "msar em: %s", err.msg);
  CHECK(urn_hmm_msar_std_errors(&m, &p, y, T, &se, &nfree, &err) == URN_OK, "msar std errors: %s", err.msg);
  CHECK(nfree == urn_hmm_msar_num_params(&m) && nfree == n, "free parameters %d", nfree);
  /* the natural parameters at the MLE, and minus the Hessian there */
  n = 0;
  q0[n++] = p.transition_matrix[0], q0[n++] = p.transition_matrix[2], q0[n++] = p.means[0], q0[n++] = p.means[1];
  q0[n++] = p.ar[0];
  if (sar) q0[n++] = p.ar[1];
  q0[n++] = p.variances[0];
  if (svar) q0[n++] = p.variances[1];
  if (X) q0[n++] = p.exog[0];
  if (X && !shared) q0[n++] = p.exog[1];
  double H[12 * 12], h[12];
  for (int i = 0; i < n; i++) h[i] = 1e-5 * fmax(fabs(q0[i]), 0.1);
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      double f[4];
      for (int c = 0; c < 4; c++) {
        memcpy(q, q0, sizeof q0);
        q[i] += c & 1 ? -h[i] : h[i];
        q[j] += c & 2 ? -h[j] : h[j];
        nat_set(&m, &p, q);
        urn_hmm_msar_loglik(&m, &p, y, T, &f[c], &err);
      }
      H[i * n + j] = -(f[0] - f[1] - f[2] + f[3]) / (4 * h[i] * h[j]);
    }
  CHECK(invert(n, H), "the natural-scale information is invertible");
  nat_se(&m, &se, v);
  double worst = 0.0;
  for (int i = 0; i < n; i++) worst = fmax(worst, fabs(v[i] - sqrt(H[i * n + i])) / sqrt(H[i * n + i]));
  CHECK(worst < 1e-3, "standard errors = the natural-scale Hessian's within 1e-3 (worst %.2e; sar %d svar %d X %d shared %d)",
        worst, sar, svar, X, shared);
  CHECK(se.transition_matrix[1] == se.transition_matrix[0] || fabs(se.transition_matrix[1] / se.transition_matrix[0] - 1) < 1e-6,
        "K = 2: A[0][1]'s standard error is A[0][0]'s");
  CHECK(isfinite(se.initial_probs[0]) && se.initial_probs[0] > 0, "the steady initial distribution's standard error");
  if (!sar) CHECK(se.ar[0] == se.ar[1], "shared AR: one standard error");
  urn_hmm_msar_params_free(&p);
  urn_hmm_msar_params_free(&se);
}

static void test_errors(void) {
  urn_hmm_msar m = {3, 8, 1, 1, 1};
  urn_error err;
  CHECK(urn_hmm_msar_check(&m, 100, &err) != URN_OK && strstr(err.msg, "19683 expanded states"), "%s", err.msg);
  urn_hmm_msar m2 = {2, 3, 1, 1, 1};
  CHECK(urn_hmm_msar_check(&m2, 4, &err) != URN_OK && strstr(err.msg, "order 3 needs more than 4"), "%s", err.msg);
  CHECK(urn_hmm_msar_num_params(&m2) == 2 + 2 + 6 + 2, "free parameters");
}

int main(void) {
  for (int steady = 0; steady <= 1; steady++)
    for (int P = 0; P <= 2; P++) {
      test_brute(2, P, steady);
      if (P < 2) test_brute(3, P, steady);
    }
  for (int P = 0; P <= 2; P++)
    for (int steady = 0; steady <= 1; steady++) test_brute_x(P, steady);
  test_em_x();
  test_joint_mstep();
  test_one_regime();
  test_stationary();
  test_em(1, 1, 1);
  test_em(0, 1, 1);
  test_em(1, 0, 0);
  test_std_errors(1, 1, 0, 0);
  test_std_errors(0, 0, 1, 1);
  test_std_errors(1, 0, 1, 0);
  test_errors();
  return test_done();
}
