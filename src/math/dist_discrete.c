/* math/dist_discrete.c — log mass functions of the univariate discrete
 * families (poisson, binomial, bernoulli, negative binomial, beta-binomial
 * and their log/logit parameterizations) with analytic partials, vectorized
 * with length-1 broadcasting.  The integer variate never has partials; a
 * variate outside the support makes the whole sum -inf.  Under propto the
 * terms involving only constants (e.g. -lgamma(n + 1)) are dropped. */
#include "math/dist_impl.h"

#define CHK(label, arg, rule) dist_check(fn, label, &(arg), rule, err)

int urn_poisson_lpmf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const char *const L[] = {"Random variable", "Rate parameter"};
  const char *fn = "poisson_lpmf";
  size_t N;
  if (dist_size(fn, a, 2, L, &N, err) || CHK(L[1], a[1], DR_NONNEG)) return URN_EREJECT;
  for (size_t i = 0; i < N; i++) {
    int n = DI(&a[0], i);
    double lam = DV(&a[1], i);
    if (n < 0 || isinf(lam) || (lam == 0 && n != 0)) return *out = -INFINITY, URN_OK;
  }
  int kl = !propto || a[1].d;
  double lp = 0;
  for (size_t i = 0; i < N; i++) {
    int n = DI(&a[0], i);
    double lam = DV(&a[1], i);
    if (!propto) lp -= urn_lgamma(n + 1.0);
    if (kl) lp += (n ? n * log(lam) : 0) - lam;
    if (a[1].d) DADD(&a[1], i, (n ? n / lam : 0) - 1);
  }
  *out = lp;
  return URN_OK;
}

int urn_poisson_log_lpmf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const char *const L[] = {"Random variable", "Log rate parameter"};
  const char *fn = "poisson_log_lpmf";
  size_t N;
  if (dist_size(fn, a, 2, L, &N, err) || CHK(L[1], a[1], DR_NOT_NAN)) return URN_EREJECT;
  for (size_t i = 0; i < N; i++) {
    int n = DI(&a[0], i);
    double al = DV(&a[1], i);
    if (n < 0 || al == INFINITY || (al == -INFINITY && n != 0)) return *out = -INFINITY, URN_OK;
  }
  int kl = !propto || a[1].d;
  double lp = 0;
  for (size_t i = 0; i < N; i++) {
    int n = DI(&a[0], i);
    double al = DV(&a[1], i), ea = exp(al);
    if (!propto) lp -= urn_lgamma(n + 1.0);
    if (kl) lp += (n ? n * al : 0) - ea;
    DADD(&a[1], i, n - ea);
  }
  *out = lp;
  return URN_OK;
}

int urn_binomial_lpmf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const char *const L[] = {"Successes variable", "Population size parameter",
                                  "Probability parameter"};
  const char *fn = "binomial_lpmf";
  size_t N;
  if (dist_size(fn, a, 3, L, &N, err) || CHK(L[1], a[1], DR_NONNEG) ||
      CHK(L[2], a[2], DR_PROB))
    return URN_EREJECT;
  for (size_t i = 0; i < N; i++) {
    int n = DI(&a[0], i), m = DI(&a[1], i);
    double th = DV(&a[2], i);
    if (n < 0 || n > m || (th == 0 && n > 0) || (th == 1 && n < m))
      return *out = -INFINITY, URN_OK;
  }
  int kt = !propto || a[2].d;
  double lp = 0;
  for (size_t i = 0; i < N; i++) {
    int n = DI(&a[0], i), m = DI(&a[1], i);
    double th = DV(&a[2], i);
    if (!propto) lp += urn_lchoose(m, n);
    if (kt) lp += (n ? n * log(th) : 0) + (m - n ? (m - n) * log1p(-th) : 0);
    if (a[2].d) DADD(&a[2], i, (n ? n / th : 0) - (m - n ? (m - n) / (1 - th) : 0));
  }
  *out = lp;
  return URN_OK;
}

int urn_binomial_logit_lpmf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const char *const L[] = {"Successes variable", "Population size parameter",
                                  "Probability parameter"};
  const char *fn = "binomial_logit_lpmf";
  size_t N;
  if (dist_size(fn, a, 3, L, &N, err) || CHK(L[1], a[1], DR_NONNEG) ||
      CHK(L[2], a[2], DR_FINITE))
    return URN_EREJECT;
  for (size_t i = 0; i < N; i++) {
    int n = DI(&a[0], i), m = DI(&a[1], i);
    if (n < 0 || n > m) return *out = -INFINITY, URN_OK;
  }
  int kt = !propto || a[2].d;
  double lp = 0;
  for (size_t i = 0; i < N; i++) {
    int n = DI(&a[0], i), m = DI(&a[1], i);
    double al = DV(&a[2], i);
    if (!propto) lp += urn_lchoose(m, n);
    double lpp, lpm, pr;
    dist_logit_parts(al, &lpp, &lpm, &pr);
    if (kt) lp += n * lpp + (m - n) * lpm;
    DADD(&a[2], i, n - m * pr);
  }
  *out = lp;
  return URN_OK;
}

int urn_bernoulli_lpmf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const char *const L[] = {"n", "Probability parameter"};
  const char *fn = "bernoulli_lpmf";
  size_t N;
  if (dist_size(fn, a, 2, L, &N, err) || CHK(L[1], a[1], DR_PROB)) return URN_EREJECT;
  for (size_t i = 0; i < N; i++) {
    int n = DI(&a[0], i);
    double th = DV(&a[1], i);
    if (n < 0 || n > 1 || (n == 1 && th == 0) || (n == 0 && th == 1))
      return *out = -INFINITY, URN_OK;
  }
  int kt = !propto || a[1].d;
  double lp = 0;
  for (size_t i = 0; i < N; i++) {
    int n = DI(&a[0], i);
    double th = DV(&a[1], i);
    if (kt) lp += n ? log(th) : log1p(-th);
    if (a[1].d) DADD(&a[1], i, n ? 1 / th : -1 / (1 - th));
  }
  *out = lp;
  return URN_OK;
}

int urn_bernoulli_logit_lpmf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const char *const L[] = {"n", "Logit transformed probability parameter"};
  const char *fn = "bernoulli_logit_lpmf";
  size_t N;
  if (dist_size(fn, a, 2, L, &N, err) || CHK(L[1], a[1], DR_NOT_NAN)) return URN_EREJECT;
  for (size_t i = 0; i < N; i++) {
    int n = DI(&a[0], i);
    if (n < 0 || n > 1) return *out = -INFINITY, URN_OK;
  }
  int kt = !propto || a[1].d;
  double lp = 0;
  for (size_t i = 0; i < N; i++) {
    int n = DI(&a[0], i);
    double al = DV(&a[1], i);
    double lpp, lpm, pr;
    dist_logit_parts(al, &lpp, &lpm, &pr);
    if (kt) lp += n ? lpp : lpm;
    DADD(&a[1], i, n - pr);
  }
  *out = lp;
  return URN_OK;
}

/* Shared by neg_binomial_2 and _2_log: one term given n, log mu, mu/(mu+phi)
 * style quantities.  lmu = log mu, phi; returns the log mass without
 * -lgamma(n+1) and sets dlmu = d/d(log mu), dphi = d/d phi. */
static double nb2_term(int n, double lmu, double phi, int want_phi_terms, double *dlmu,
                       double *dphi) {
  double lphi = log(phi);
  double lsum = urn_log_sum_exp2(lmu, lphi); /* log(mu + phi) */
  double pmu = exp(lmu - lsum);              /* mu / (mu + phi) */
  double lp = (n ? n * (lmu - lsum) : 0) + phi * (lphi - lsum);
  if (want_phi_terms) lp += urn_lgamma(n + phi) - urn_lgamma(phi);
  *dlmu = n - (n + phi) * pmu;
  /* d/dphi: digamma(n+phi) - digamma(phi) + log(phi/(mu+phi)) + (mu - n)/(mu + phi) */
  *dphi = (n ? urn_digamma(n + phi) - urn_digamma(phi) : 0) + (lphi - lsum) + pmu -
          n * exp(-lsum); /* (mu - n) / (mu + phi) without inf / inf */
  return lp;
}

int urn_neg_binomial_2_lpmf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const char *const L[] = {"Failures variable", "Location parameter",
                                  "Precision parameter"};
  const char *fn = "neg_binomial_2_lpmf";
  size_t N;
  if (dist_size(fn, a, 3, L, &N, err) || CHK(L[1], a[1], DR_POS_FINITE) ||
      CHK(L[2], a[2], DR_POS_FINITE))
    return URN_EREJECT;
  for (size_t i = 0; i < N; i++)
    if (DI(&a[0], i) < 0) return *out = -INFINITY, URN_OK;
  int kp = !propto || a[2].d, kk = !propto || a[1].d || a[2].d;
  double lp = 0;
  for (size_t i = 0; i < N; i++) {
    int n = DI(&a[0], i);
    double mu = DV(&a[1], i), phi = DV(&a[2], i), dlmu, dphi;
    double t = nb2_term(n, log(mu), phi, kp, &dlmu, &dphi);
    if (!propto) lp -= urn_lgamma(n + 1.0);
    if (kk) lp += t;
    DADD(&a[1], i, dlmu / mu);
    DADD(&a[2], i, dphi);
  }
  *out = lp;
  return URN_OK;
}

int urn_neg_binomial_2_log_lpmf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const char *const L[] = {"Failures variable", "Log location parameter",
                                  "Precision parameter"};
  const char *fn = "neg_binomial_2_log_lpmf";
  size_t N;
  if (dist_size(fn, a, 3, L, &N, err) || CHK(L[1], a[1], DR_FINITE) ||
      CHK(L[2], a[2], DR_POS_FINITE))
    return URN_EREJECT;
  for (size_t i = 0; i < N; i++)
    if (DI(&a[0], i) < 0) return *out = -INFINITY, URN_OK;
  int kp = !propto || a[2].d, kk = !propto || a[1].d || a[2].d;
  double lp = 0;
  for (size_t i = 0; i < N; i++) {
    int n = DI(&a[0], i);
    double eta = DV(&a[1], i), phi = DV(&a[2], i), dlmu, dphi;
    double t = nb2_term(n, eta, phi, kp, &dlmu, &dphi);
    if (!propto) lp -= urn_lgamma(n + 1.0);
    if (kk) lp += t;
    DADD(&a[1], i, dlmu);
    DADD(&a[2], i, dphi);
  }
  *out = lp;
  return URN_OK;
}

int urn_beta_binomial_lpmf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const char *const L[] = {"Successes variable", "Population size parameter",
                                  "First prior sample size parameter",
                                  "Second prior sample size parameter"};
  const char *fn = "beta_binomial_lpmf";
  size_t N;
  if (dist_size(fn, a, 4, L, &N, err) || CHK(L[1], a[1], DR_NONNEG) ||
      CHK(L[2], a[2], DR_POS_FINITE) || CHK(L[3], a[3], DR_POS_FINITE))
    return URN_EREJECT;
  for (size_t i = 0; i < N; i++) {
    int n = DI(&a[0], i), m = DI(&a[1], i);
    if (n < 0 || n > m) return *out = -INFINITY, URN_OK;
  }
  int kk = !propto || a[2].d || a[3].d;
  double lp = 0;
  for (size_t i = 0; i < N; i++) {
    int n = DI(&a[0], i), m = DI(&a[1], i);
    double al = DV(&a[2], i), be = DV(&a[3], i);
    if (!propto) lp += urn_lchoose(m, n);
    if (kk) lp += urn_lbeta(n + al, m - n + be) - urn_lbeta(al, be);
    if (a[2].d || a[3].d) {
      double dall = urn_digamma(m + al + be), dab = urn_digamma(al + be);
      DADD(&a[2], i, urn_digamma(n + al) - dall - urn_digamma(al) + dab);
      DADD(&a[3], i, urn_digamma(m - n + be) - dall - urn_digamma(be) + dab);
    }
  }
  *out = lp;
  return URN_OK;
}
