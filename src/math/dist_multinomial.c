/* math/dist_multinomial.c — counts over K categories: multinomial(y | theta),
 * multinomial_logit(y | gamma) (theta = softmax(gamma)) and
 * dirichlet_multinomial(y | alpha), with their rngs.  y is one array of K
 * counts (an int array; dist.h's layout: n = K values in iv).  As in Stan,
 * a negative count is an error, and dirichlet_multinomial of zero counts is
 * 0.  Ratios of gamma functions are log rising factorials
 * (urn_log_rising_factorial), accurate for large alpha. */
#include <stdlib.h>
#include "math/dist_impl.h"
#include "util/util.h"

#define CHK(label, arg, rule) dist_check(fn, label, &(arg), rule, err)

/* The counts' checks: K values matching the K of the parameter vector, each >= 0; *total gets their sum. */
static int counts_check(const char *fn, const urn_darg *y, size_t K, const char *plabel, double *total,
                        urn_error *err) {
  if (y->n != K)
    return urn_error_set(err, URN_EREJECT, "%s: Size of number of trials variable (%zu) and rows of %s (%zu) must "
                         "match in size", fn, y->n, plabel, K);
  double s = 0;
  for (size_t k = 0; k < K; k++) {
    if (y->iv[k] < 0) return dist_fail(err, fn, "Number of trials variable", (long)k, y->iv[k], "nonnegative");
    s += y->iv[k];
  }
  *total = s;
  return URN_OK;
}

/* lgamma(N + 1) - sum_k lgamma(y_k + 1): the multinomial coefficient. */
static double log_multinomial_coef(const int *y, size_t K, double N) {
  double s = urn_lgamma(N + 1);
  for (size_t k = 0; k < K; k++) s -= urn_lgamma(y[k] + 1.0);
  return s;
}

int urn_multinomial_lpmf(const urn_darg *a, int propto, double *out, urn_error *err) {
  const char *fn = "multinomial_lpmf";
  size_t K = a[1].rows;
  double N;
  if (a[1].n != K) return urn_error_set(err, URN_EREJECT, "%s: Probabilities parameter must be one vector", fn);
  if (counts_check(fn, &a[0], K, "probabilities parameter", &N, err) ||
      dist_check_simplex(fn, "Probabilities parameter", a[1].v, K, err))
    return URN_EREJECT;
  const int *y = a[0].iv;
  const double *th = a[1].v;
  for (size_t k = 0; k < K; k++)
    if (y[k] > 0 && th[k] == 0) return *out = -INFINITY, URN_OK;
  double lp = propto ? 0 : log_multinomial_coef(y, K, N);
  for (size_t k = 0; k < K; k++) {
    if (y[k] == 0) continue;
    if (!propto || a[1].d) lp += y[k] * log(th[k]);
    if (a[1].d) a[1].d[k] += y[k] / th[k];
  }
  *out = lp;
  return URN_OK;
}

int urn_multinomial_logit_lpmf(const urn_darg *a, int propto, double *out, urn_error *err) {
  const char *fn = "multinomial_logit_lpmf";
  size_t K = a[1].rows;
  double N;
  if (a[1].n != K) return urn_error_set(err, URN_EREJECT, "%s: log-probabilities parameter must be one vector", fn);
  if (counts_check(fn, &a[0], K, "log-probabilities parameter", &N, err) ||
      CHK("log-probabilities parameter", a[1], DR_FINITE))
    return URN_EREJECT;
  const int *y = a[0].iv;
  const double *g = a[1].v;
  double lp = propto ? 0 : log_multinomial_coef(y, K, N);
  if (K == 0) return *out = lp, URN_OK;
  double lse = urn_log_sum_exp(g, K);
  if (!propto || a[1].d) {
    for (size_t k = 0; k < K; k++)
      if (y[k]) lp += y[k] * (g[k] - lse);
  }
  if (a[1].d)
    for (size_t k = 0; k < K; k++) a[1].d[k] += y[k] - N * exp(g[k] - lse);
  *out = lp;
  return URN_OK;
}

int urn_dirichlet_multinomial_lpmf(const urn_darg *a, int propto, double *out, urn_error *err) {
  const char *fn = "dirichlet_multinomial_lpmf";
  size_t K = a[1].rows;
  double N;
  if (a[1].n != K) return urn_error_set(err, URN_EREJECT, "%s: Prior size parameter must be one vector", fn);
  if (CHK("Prior size parameter", a[1], DR_POS_FINITE) ||
      counts_check(fn, &a[0], K, "prior size parameter", &N, err))
    return URN_EREJECT;
  if (N == 0) return *out = 0, URN_OK;
  const int *y = a[0].iv;
  const double *al = a[1].v;
  double a0 = 0;
  for (size_t k = 0; k < K; k++) a0 += al[k];
  /* log N! Gamma(a0) / Gamma(N + a0) + sum_k log Gamma(y_k + alpha_k) / (y_k! Gamma(alpha_k)) */
  double lp = propto ? 0 : log_multinomial_coef(y, K, N);
  if (!propto || a[1].d) {
    lp -= urn_log_rising_factorial(a0, N);
    for (size_t k = 0; k < K; k++) lp += urn_log_rising_factorial(al[k], y[k]);
  }
  if (a[1].d) {
    double d0 = dist_digamma_diff(a0, N);
    for (size_t k = 0; k < K; k++) a[1].d[k] += dist_digamma_diff(al[k], y[k]) - d0;
  }
  *out = lp;
  return URN_OK;
}

/* ---- rngs: multinomial_rng(theta, N), multinomial_logit_rng(gamma, N), dirichlet_multinomial_rng(alpha, N) ---- */

/* Draws N items into K categories with probabilities p (summing to total) by conditional binomials. */
static void multinomial_draw(urn_rng *r, const double *p, size_t K, double total, int N, int *out) {
  double rest = total;
  int left = N;
  for (size_t k = 0; k < K; k++) {
    if (k + 1 == K || left == 0) {
      out[k] = k + 1 == K ? left : 0;
      left -= out[k];
      continue;
    }
    double q = rest > 0 ? p[k] / rest : 0;
    out[k] = (int)dist_binomial_draw(r, left, q > 1 ? 1 : q);
    left -= out[k];
    rest -= p[k];
  }
}

/* N (rng argument 1) is a nonnegative int. */
static int rng_trials(const char *fn, const urn_darg *p, int *N, urn_error *err) {
  *N = p[1].iv[0];
  if (*N < 0) return dist_fail(err, fn, "number of trials variables", -1, *N, "nonnegative");
  return URN_OK;
}

int urn_multinomial_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout, urn_error *err) {
  const char *fn = "multinomial_rng";
  int N;
  if (dist_check_simplex(fn, "Probabilities parameter", p[0].v, p[0].n, err) || rng_trials(fn, p, &N, err))
    return URN_EREJECT;
  multinomial_draw(r, p[0].v, p[0].n, 1.0, N, iout);
  return URN_OK;
}

int urn_multinomial_logit_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout, urn_error *err) {
  const char *fn = "multinomial_logit_rng";
  size_t K = p[0].n;
  int N;
  if (CHK("Log-probabilities parameter", p[0], DR_FINITE) || rng_trials(fn, p, &N, err)) return URN_EREJECT;
  if (K == 0) return URN_OK;
  double *w = urn_xmalloc(sizeof(double) * K), lse = urn_log_sum_exp(p[0].v, K), s = 0;
  for (size_t k = 0; k < K; k++) s += w[k] = exp(p[0].v[k] - lse);
  multinomial_draw(r, w, K, s, N, iout);
  free(w);
  return URN_OK;
}

int urn_dirichlet_multinomial_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout,
                                  urn_error *err) {
  const char *fn = "dirichlet_multinomial_rng";
  size_t K = p[0].n;
  int N;
  if (CHK("prior size parameter", p[0], DR_POS_FINITE) || rng_trials(fn, p, &N, err)) return URN_EREJECT;
  if (K == 0) return URN_OK;
  /* theta ~ Dirichlet(alpha) (in log space: tiny alphas do not underflow to 0/0), then a multinomial */
  double *w = urn_xmalloc(sizeof(double) * K), lse = -INFINITY, s = 0;
  for (size_t k = 0; k < K; k++) {
    w[k] = dist_log_gamma_draw(r, p[0].v[k]);
    lse = urn_log_sum_exp2(lse, w[k]);
  }
  for (size_t k = 0; k < K; k++) s += w[k] = exp(w[k] - lse);
  multinomial_draw(r, w, K, s, N, iout);
  free(w);
  return URN_OK;
}
