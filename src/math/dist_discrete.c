/* math/dist_discrete.c — log mass functions of the univariate discrete
 * families (poisson, binomial, bernoulli, negative binomial, beta-binomial
 * and their log/logit parameterizations) with analytic partials, vectorized
 * with length-1 broadcasting.  The integer variate never has partials; a
 * variate outside the support makes the whole sum -inf.  Under propto the
 * terms involving only constants (e.g. -lgamma(n + 1)) are dropped.  As in
 * dist_continuous.c each family is a dist_spec, its support test and a
 * per-element kernel run by the shared driver (dist_run in dist_impl.h); the
 * kernels' keep[0] is "not propto" (the constant terms), keep[1] the rest. */
#include "math/dist_impl.h"

/* A kernel's keep flags: 0 the constant terms, 1 the terms of the parameters. */
static void keep_two(dist_kstate *st, int propto, int any_var) {
  st->keep[0] = !propto;
  st->keep[1] = !propto || any_var;
}

static inline void k_poisson(const double *x, const int *fresh, dist_kstate *st, double *lp, double *g) {
  int n = (int)x[0];
  double lam = x[1];
  if (st->keep[0] && st->keep[1] && n > 1000 && lam > 0) {
    /* large counts: n log(lambda) - lambda - lgamma(n + 1) cancels ~n log n; the saddle-point form does not */
    *lp += urn_log_gamma_prefix(n + 1.0, lam) - log(lam);
  } else {
    if (st->keep[0]) *lp -= urn_lgamma(n + 1.0);
    if (st->keep[1]) *lp += (n ? n * log(lam) : 0) - lam;
  }
  if (st->var[1]) g[1] = (n ? n / lam : 0) - 1;
}

int urn_poisson_lpmf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const dist_spec S = {"poisson_lpmf", 2, {"Random variable", "Rate parameter"}, {-1, DR_NONNEG}};
  dist_kstate st;
  size_t N;
  if (dist_begin(&S, a, propto, &st, &N, err)) return URN_EREJECT;
  for (size_t i = 0; i < N; i++) {
    int n = DI(&a[0], i);
    double lam = DV(&a[1], i);
    if (n < 0 || isinf(lam) || (lam == 0 && n != 0)) return *out = -INFINITY, URN_OK;
  }
  keep_two(&st, propto, a[1].d != NULL);
  return dist_run(a, 2, N, k_poisson, &st, out);
}

static inline void k_poisson_log(const double *x, const int *fresh, dist_kstate *st, double *lp, double *g) {
  int n = (int)x[0];
  double al = x[1], ea = exp(al);
  if (st->keep[0] && st->keep[1] && n > 1000) {
    *lp += urn_log_gamma_prefix(n + 1.0, ea) - al; /* as poisson */
  } else {
    if (st->keep[0]) *lp -= urn_lgamma(n + 1.0);
    if (st->keep[1]) *lp += (n ? n * al : 0) - ea;
  }
  g[1] = n - ea;
}

/* One count and one real parameter, both scalars, that pass their family's checks (the caller tests that): the
 * kernel without dist_begin's size and rule passes.  A batched loop calls a density once per lane, where those
 * passes cost as much as the term (GLMM1: 12 % of its gradient); same kernel, same operations, same bits. */
static inline __attribute__((always_inline)) int dist_one2(const urn_darg *a, int propto, dist_kernel kern,
                                                           double *out) {
  dist_kstate st = {propto, {0, a[1].d != NULL, 0, 0}, {0}, {0}};
  keep_two(&st, propto, a[1].d != NULL);
  double x[2] = {(double)DI(&a[0], 0), a[1].v[0]}, g[2] = {0, 0}, lp = 0;
  int fresh[2] = {1, 1};
  kern(x, fresh, &st, &lp, g);
  if (a[1].d) a[1].d[0] += g[1];
  *out = lp;
  return URN_OK;
}

/* Both arguments of a two-argument count family are one value each, the parameter a real. */
static int dist_scalars2(const urn_darg *a) { return a[0].n == 1 && a[1].n == 1 && a[0].iv && a[1].v; }

int urn_poisson_log_lpmf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const dist_spec S = {"poisson_log_lpmf", 2, {"Random variable", "Log rate parameter"}, {-1, DR_NOT_NAN}};
  dist_kstate st;
  size_t N;
  if (dist_scalars2(a) && DI(&a[0], 0) >= 0 && isfinite(a[1].v[0])) return dist_one2(a, propto, k_poisson_log, out);
  if (dist_begin(&S, a, propto, &st, &N, err)) return URN_EREJECT;
  for (size_t i = 0; i < N; i++) {
    int n = DI(&a[0], i);
    double al = DV(&a[1], i);
    if (n < 0 || al == INFINITY || (al == -INFINITY && n != 0)) return *out = -INFINITY, URN_OK;
  }
  keep_two(&st, propto, a[1].d != NULL);
  return dist_run(a, 2, N, k_poisson_log, &st, out);
}

#define BINOMIAL_LABELS {"Successes variable", "Population size parameter", "Probability parameter"}

static inline void k_binomial(const double *x, const int *fresh, dist_kstate *st, double *lp, double *g) {
  int n = (int)x[0], m = (int)x[1];
  double th = x[2];
  if (st->keep[0] && st->keep[1] && m > 1000 && th > 0 && th < 1) {
    /* large N: lchoose(N, n) and the log terms cancel ~N in size; the saddle-point form (N + 1)^-1 times
     * th^(n+1) (1-th)^(N-n+1) / B(n + 1, N - n + 1) does not */
    *lp += urn_log_beta_prefix(n + 1.0, m - n + 1.0, th, 1 - th) - log(th) - log1p(-th) - log(m + 1.0);
  } else {
    if (st->keep[0]) *lp += urn_lchoose(m, n);
    if (st->keep[1]) *lp += (n ? n * log(th) : 0) + (m - n ? (m - n) * log1p(-th) : 0);
  }
  if (st->var[2]) g[2] = (n ? n / th : 0) - (m - n ? (m - n) / (1 - th) : 0);
}

int urn_binomial_lpmf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const dist_spec S = {"binomial_lpmf", 3, BINOMIAL_LABELS, {-1, DR_NONNEG, DR_PROB}};
  dist_kstate st;
  size_t N;
  if (dist_begin(&S, a, propto, &st, &N, err)) return URN_EREJECT;
  for (size_t i = 0; i < N; i++) {
    int n = DI(&a[0], i), m = DI(&a[1], i);
    double th = DV(&a[2], i);
    if (n < 0 || n > m || (th == 0 && n > 0) || (th == 1 && n < m))
      return *out = -INFINITY, URN_OK;
  }
  keep_two(&st, propto, a[2].d != NULL);
  return dist_run(a, 3, N, k_binomial, &st, out);
}

/* 1 when some n is outside 0..m (n = a[0], m = a[1], broadcast). */
static int outside_count(const urn_darg *a, size_t N) {
  for (size_t i = 0; i < N; i++) {
    int n = DI(&a[0], i), m = DI(&a[1], i);
    if (n < 0 || n > m) return 1;
  }
  return 0;
}

static inline void k_binomial_logit(const double *x, const int *fresh, dist_kstate *st, double *lp, double *g) {
  int n = (int)x[0], m = (int)x[1];
  double al = x[2];
  double lpp, lpm, pr;
  dist_logit_parts(al, &lpp, &lpm, &pr);
  if (st->keep[0] && st->keep[1] && m > 1000 && isfinite(lpp) && isfinite(lpm) && lpp < 0 && lpm < 0) {
    /* as binomial, with theta and 1 - theta from the logit */
    *lp += urn_log_beta_prefix(n + 1.0, m - n + 1.0, pr, urn_inv_logit(-al)) - lpp - lpm - log(m + 1.0);
  } else {
    if (st->keep[0]) *lp += urn_lchoose(m, n);
    if (st->keep[1]) *lp += n * lpp + (m - n) * lpm;
  }
  g[2] = n - m * pr;
}

int urn_binomial_logit_lpmf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const dist_spec S = {"binomial_logit_lpmf", 3, BINOMIAL_LABELS, {-1, DR_NONNEG, DR_FINITE}};
  dist_kstate st;
  size_t N;
  if (dist_begin(&S, a, propto, &st, &N, err)) return URN_EREJECT;
  if (outside_count(a, N)) return *out = -INFINITY, URN_OK;
  keep_two(&st, propto, a[2].d != NULL);
  return dist_run(a, 3, N, k_binomial_logit, &st, out);
}

static inline void k_bernoulli(const double *x, const int *fresh, dist_kstate *st, double *lp, double *g) {
  int n = (int)x[0];
  double th = x[1];
  if (st->keep[1]) *lp += n ? log(th) : log1p(-th);
  if (st->var[1]) g[1] = n ? 1 / th : -1 / (1 - th);
}

int urn_bernoulli_lpmf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const dist_spec S = {"bernoulli_lpmf", 2, {"n", "Probability parameter"}, {-1, DR_PROB}};
  if (a[0].n == 1 && a[1].n == 1) { /* one element (a loop's cell): k_bernoulli's arithmetic without the driver */
    int n = DI(&a[0], 0);
    double th = DV(&a[1], 0);
    if ((n == 1 && th > 0 && th <= 1) || (n == 0 && th >= 0 && th < 1)) { /* else: the checks' message or -inf */
      double lp = 0;
      if (!propto || a[1].d) lp += n ? log(th) : log1p(-th);
      if (a[1].d) a[1].d[0] += n ? 1 / th : -1 / (1 - th);
      return *out = lp, URN_OK;
    }
  }
  dist_kstate st;
  size_t N;
  if (dist_begin(&S, a, propto, &st, &N, err)) return URN_EREJECT;
  for (size_t i = 0; i < N; i++) {
    int n = DI(&a[0], i);
    double th = DV(&a[1], i);
    if (n < 0 || n > 1 || (n == 1 && th == 0) || (n == 0 && th == 1))
      return *out = -INFINITY, URN_OK;
  }
  keep_two(&st, propto, a[1].d != NULL);
  return dist_run(a, 2, N, k_bernoulli, &st, out);
}

static inline void k_bernoulli_logit(const double *x, const int *fresh, dist_kstate *st, double *lp, double *g) {
  int n = (int)x[0];
  double lpp, lpm, pr;
  dist_logit_parts(x[1], &lpp, &lpm, &pr);
  if (st->keep[1]) *lp += n ? lpp : lpm;
  g[1] = n - pr;
}

/* bernoulli_logit_lpmf with alpha a container of N >= 32 values (n: N or 1): the elements as bernoulli_logit_glm's
 * rows (urn__bernoulli_logit_rows: exp and log1p in vectors, 16 rows a step; 2.2x faster per element than libm's
 * exp and log1p from N = 16, slower below: 2x for a call of 5 elements, as Mtbh's rows), 512 at a time.  Which
 * path computes a call depends on its shapes only, so every evaluation path (batched or not, native) takes the same
 * one for a statement. */
static int bernoulli_logit_rows(const urn_darg *a, size_t N, int keep, double *out) {
  enum { B = 512 };
  double lp = 0, t[B], g[B];
  int yb[B];
  if (a[0].n == 1)
    for (size_t r = 0; r < B; r++) yb[r] = a[0].iv[0];
  for (size_t i0 = 0; i0 < N; i0 += B) {
    size_t m = N - i0 < B ? N - i0 : B;
    double s = urn__bernoulli_logit_rows(a[1].v + i0, a[0].n == 1 ? yb : a[0].iv + i0, m, t, g);
    if (keep) lp += s;
    if (a[1].d)
      for (size_t r = 0; r < m; r++) a[1].d[i0 + r] += g[r];
  }
  *out = lp;
  return URN_OK;
}

int urn_bernoulli_logit_lpmf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const dist_spec S = {"bernoulli_logit_lpmf", 2, {"n", "Logit transformed probability parameter"},
                              {-1, DR_NOT_NAN}};
  dist_kstate st;
  size_t N;
  if (dist_scalars2(a) && (unsigned)DI(&a[0], 0) <= 1 && !isnan(a[1].v[0]))
    return dist_one2(a, propto, k_bernoulli_logit, out);
  if (dist_begin(&S, a, propto, &st, &N, err)) return URN_EREJECT;
  if (N && dist_outside(&a[0], 0, 0, 1)) return *out = -INFINITY, URN_OK;
  keep_two(&st, propto, a[1].d != NULL);
  if (N >= 32 && a[1].n == N && a[1].v && a[0].iv) return bernoulli_logit_rows(a, N, st.keep[1], out);
  return dist_run(a, 2, N, k_bernoulli_logit, &st, out);
}

/* Shared by neg_binomial_2, _2_log and neg_binomial: one term given n, lmu = log mu and phi; returns the log mass
 * without -lgamma(n+1) and sets dlmu = d/d(log mu), dphi = d/d phi.  Written so that no large terms cancel
 * (phi = 1e12 is the Poisson limit): phi log(phi / (mu + phi)) = -phi log1p(mu / phi), and
 * lgamma(n + phi) - lgamma(phi) is the log rising factorial (the difference of the two logs, or of the two
 * lgammas, would lose phi * eps * log(phi): -1.77884 instead of -1.78360 at phi = 1e12). */
double dist_nb2_term(int n, double lmu, double phi, int want_phi_terms, double *dlmu, double *dphi) {
  double lphi = log(phi);
  double lsum = urn_log_sum_exp2(lmu, lphi); /* log(mu + phi) */
  double pmu = exp(lmu - lsum);              /* mu / (mu + phi) */
  double t = exp(lmu - lphi);                /* mu / phi */
  double lp = (n ? n * (lmu - lsum) : 0) - phi * log1p(t);
  if (want_phi_terms) lp += urn_log_rising_factorial(phi, n);
  *dlmu = n - (n + phi) * pmu;
  /* d/dphi = [psi(n + phi) - psi(phi) - n / (mu + phi)] + [log(phi / (mu + phi)) + mu / (mu + phi)]: both
   * brackets are O(1/phi^2) for large phi, so each is formed without cancellation */
  double inv = exp(-lsum), b1 = 0;
  if (n <= 32)
    for (int k = n - 1; k >= 0; k--) b1 += (pmu - k * inv) / (phi + k); /* (mu - k) / ((phi + k)(mu + phi)) */
  else
    b1 = dist_digamma_diff(phi, n) - n * inv;
  double b2 = t < 0.5 ? -urn_log1pmx(t) - t * pmu : pmu - log1p(t);
  *dphi = b1 + b2;
  return lp;
}

/* neg_binomial_2 (x[1] = mu) and neg_binomial_2_log (x[1] = log mu); keep[2]
 * the terms of phi alone. */
static inline __attribute__((always_inline)) void nb2_kernel(const double *x, dist_kstate *st, double *lp,
                                                             double *g, int log_form) {
  int n = (int)x[0];
  double mu = x[1], phi = x[2], dlmu, dphi;
  double t = dist_nb2_term(n, log_form ? mu : log(mu), phi, st->keep[2], &dlmu, &dphi);
  if (st->keep[0]) *lp -= urn_lgamma(n + 1.0);
  if (st->keep[1]) *lp += t;
  g[1] = log_form ? dlmu : dlmu / mu;
  g[2] = dphi;
}
static inline void k_neg_binomial_2(const double *x, const int *fresh, dist_kstate *st, double *lp, double *g) {
  nb2_kernel(x, st, lp, g, 0);
}
static inline void k_neg_binomial_2_log(const double *x, const int *fresh, dist_kstate *st, double *lp,
                                        double *g) {
  nb2_kernel(x, st, lp, g, 1);
}

/* The checks and flags both negative binomials share; 1 when the result is already known. */
static int nb2_begin(const dist_spec *S, const urn_darg *a, int propto, dist_kstate *st, size_t *N, double *out,
                     urn_error *err, int *rc) {
  *rc = URN_OK;
  if (dist_begin(S, a, propto, st, N, err)) return *rc = URN_EREJECT, 1;
  if (*N && dist_outside(&a[0], 0, 0, INFINITY)) return *out = -INFINITY, 1;
  keep_two(st, propto, a[1].d || a[2].d);
  st->keep[2] = !propto || a[2].d;
  return 0;
}

int urn_neg_binomial_2_lpmf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const dist_spec S = {"neg_binomial_2_lpmf", 3,
                              {"Failures variable", "Location parameter", "Precision parameter"},
                              {-1, DR_POS_FINITE, DR_POS_FINITE}};
  dist_kstate st;
  size_t N;
  int rc;
  if (nb2_begin(&S, a, propto, &st, &N, out, err, &rc)) return rc;
  return dist_run(a, 3, N, k_neg_binomial_2, &st, out);
}

int urn_neg_binomial_2_log_lpmf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const dist_spec S = {"neg_binomial_2_log_lpmf", 3,
                              {"Failures variable", "Log location parameter", "Precision parameter"},
                              {-1, DR_FINITE, DR_POS_FINITE}};
  dist_kstate st;
  size_t N;
  int rc;
  if (nb2_begin(&S, a, propto, &st, &N, out, err, &rc)) return rc;
  return dist_run(a, 3, N, k_neg_binomial_2_log, &st, out);
}

static inline void k_beta_binomial(const double *x, const int *fresh, dist_kstate *st, double *lp, double *g) {
  int n = (int)x[0], m = (int)x[1];
  double al = x[2], be = x[3];
  if (st->keep[0]) *lp += urn_lchoose(m, n);
  /* lbeta(n + alpha, N - n + beta) - lbeta(alpha, beta) as log rising factorials: at alpha = 1e12 the two lbetas
   * would leave 4 digits */
  if (st->keep[1])
    *lp += urn_log_rising_factorial(al, n) + urn_log_rising_factorial(be, m - n) - urn_log_rising_factorial(al + be, m);
  if (st->var[2] || st->var[3]) {
    double dall = dist_digamma_diff(al + be, m);
    g[2] = dist_digamma_diff(al, n) - dall;
    g[3] = dist_digamma_diff(be, m - n) - dall;
  }
}

int urn_beta_binomial_lpmf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const dist_spec S = {"beta_binomial_lpmf", 4,
                              {"Successes variable", "Population size parameter",
                               "First prior sample size parameter", "Second prior sample size parameter"},
                              {-1, DR_NONNEG, DR_POS_FINITE, DR_POS_FINITE}};
  dist_kstate st;
  size_t N;
  if (dist_begin(&S, a, propto, &st, &N, err)) return URN_EREJECT;
  if (outside_count(a, N)) return *out = -INFINITY, URN_OK;
  keep_two(&st, propto, a[2].d || a[3].d);
  return dist_run(a, 4, N, k_beta_binomial, &st, out);
}

/* neg_binomial(n | alpha, beta) is neg_binomial_2(n | alpha / beta, alpha); keep[2] the terms of alpha alone. */
static inline void k_neg_binomial(const double *x, const int *fresh, dist_kstate *st, double *lp, double *g) {
  int n = (int)x[0];
  double al = x[1], be = x[2], dlmu, dphi;
  double t = dist_nb2_term(n, log(al) - log(be), al, st->keep[2], &dlmu, &dphi);
  if (st->keep[0]) *lp -= urn_lgamma(n + 1.0);
  if (st->keep[1]) *lp += t;
  g[1] = dphi + dlmu / al;
  g[2] = -dlmu / be;
}

int urn_neg_binomial_lpmf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const dist_spec S = {"neg_binomial_lpmf", 3,
                              {"Failures variable", "Shape parameter", "Inverse scale parameter"},
                              {-1, DR_POS_FINITE, DR_POS_FINITE}};
  dist_kstate st;
  size_t N;
  int rc;
  if (nb2_begin(&S, a, propto, &st, &N, out, err, &rc)) return rc;
  st.keep[2] = !propto || a[1].d;
  return dist_run(a, 3, N, k_neg_binomial, &st, out);
}
