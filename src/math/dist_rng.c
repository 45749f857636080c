/* math/dist_rng.c — random number generators for every family (Stan's
 * foo_rng), vectorized like the densities: the parameters broadcast to
 * n_out draws.  Scalar samplers: Marsaglia-Tsang gamma (with the
 * u^(1/alpha) boost below 1, in log space for tiny shapes), beta from two
 * gammas, Poisson by multiplication (small rate) or Hormann's PTRS
 * transformed rejection, binomial by Knuth's beta splitting down to a direct
 * count, von Mises by Best and Fisher, LKJ by the C-vine (beta-distributed
 * canonical partial correlations, Lewandowski-Kurowicka-Joe 2009). */
#include <limits.h>
#include <stdlib.h>
#include "math/dist_impl.h"
#include "util/util.h"

#define CHK(label, arg, rule) dist_check(fn, label, &(arg), rule, err)

/* ---- scalar samplers ---- */

double dist_gamma_draw(urn_rng *r, double alpha) {
  if (alpha < 1) return exp(dist_log_gamma_draw(r, alpha));
  double d = alpha - 1.0 / 3, c = 1 / sqrt(9 * d);
  for (;;) {
    double x = urn_rng_normal(r), v = 1 + c * x;
    if (v <= 0) continue;
    v = v * v * v;
    double u = urn_rng_uniform(r);
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (log(u) < 0.5 * x * x + d * (1 - v + log(v))) return d * v;
  }
}

double dist_log_gamma_draw(urn_rng *r, double alpha) {
  if (alpha >= 1) return log(dist_gamma_draw(r, alpha));
  /* Gamma(a) = Gamma(a + 1) * U^(1/a) */
  return log(dist_gamma_draw(r, alpha + 1)) + log(urn_rng_uniform(r)) / alpha;
}

double dist_beta_draw(urn_rng *r, double a, double b) {
  double lx = dist_log_gamma_draw(r, a), ly = dist_log_gamma_draw(r, b);
  return exp(lx - urn_log_sum_exp2(lx, ly));
}

long dist_poisson_draw(urn_rng *r, double lam) {
  if (lam <= 0) return 0;
  if (lam < 12) {
    double L = exp(-lam), p = 1;
    long k = 0;
    do {
      k++;
      p *= urn_rng_uniform(r);
    } while (p > L);
    return k - 1;
  }
  /* PTRS: Hormann, "The transformed rejection method for generating Poisson
   * random variables" (1993). */
  double slam = sqrt(lam), loglam = log(lam);
  double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
  double inv_alpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    double U = urn_rng_uniform(r) - 0.5, V = urn_rng_uniform(r);
    double us = 0.5 - fabs(U);
    double k = floor((2 * a / us + b) * U + lam + 0.43);
    if (us >= 0.07 && V <= vr) return (long)k;
    if (k < 0 || (us < 0.013 && V > us)) continue;
    if (log(V) + log(inv_alpha) - log(a / (us * us) + b) <= -lam + k * loglam - urn_lgamma(k + 1))
      return (long)k;
  }
}

long dist_binomial_draw(urn_rng *r, long n, double p) {
  if (p <= 0 || n <= 0) return 0;
  if (p >= 1) return n;
  long k = 0;
  /* Knuth (TAOCP 3.4.1): the a-th smallest of n uniforms is Beta(a, n+1-a);
   * count the uniforms below p on the side of it where p falls. */
  while (n > 32) {
    long a = 1 + n / 2, b = n + 1 - a;
    double X = dist_beta_draw(r, (double)a, (double)b);
    if (X >= p) {
      n = a - 1;
      p = p / X;
    } else {
      k += a;
      n = b - 1;
      p = (p - X) / (1 - X);
    }
  }
  for (long i = 0; i < n; i++) k += urn_rng_uniform(r) < p;
  return k;
}

static double logistic_draw(urn_rng *r) {
  double u = urn_rng_uniform(r);
  return log(u) - log1p(-u);
}

/* ---- univariate drivers ---- */

#define P(j, i) DV(&p[j], i)
#define PI_(j, i) DI(&p[j], i)

#define LOC_SCALE_RNG(fam, expr)                                                            \
  int urn_##fam##_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout,     \
                      urn_error *err) {                                                     \
    const char *fn = #fam "_rng";                                                         \
    if (dist_rng_sizes(fn, p, 2, n, err) || CHK("Location parameter", p[0], DR_FINITE) ||       \
        CHK("Scale parameter", p[1], DR_POS_FINITE))                                      \
      return URN_EREJECT;                                                                 \
    for (size_t i = 0; i < n; i++) {                                                      \
      double mu = P(0, i), s = P(1, i);                                                   \
      out[i] = (expr);                                                                    \
    }                                                                                     \
    return URN_OK;                                                                        \
  }

LOC_SCALE_RNG(normal, mu + s * urn_rng_normal(r))
LOC_SCALE_RNG(cauchy, mu + s * tan(DIST_PI * (urn_rng_uniform(r) - 0.5)))
LOC_SCALE_RNG(logistic, mu + s * logistic_draw(r))
LOC_SCALE_RNG(lognormal, exp(mu + s * urn_rng_normal(r)))

int urn_double_exponential_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout,
                               urn_error *err) {
  const char *fn = "double_exponential_rng";
  if (dist_rng_sizes(fn, p, 2, n, err) || CHK("Location parameter", p[0], DR_FINITE) ||
      CHK("Scale parameter", p[1], DR_POS_FINITE))
    return URN_EREJECT;
  for (size_t i = 0; i < n; i++) {
    double e = -log(urn_rng_uniform(r)); /* Exp(1) with a random sign */
    out[i] = P(0, i) + P(1, i) * (urn_rng_uniform(r) < 0.5 ? -e : e);
  }
  return URN_OK;
}

int urn_std_normal_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout,
                       urn_error *err) {
  for (size_t i = 0; i < n; i++) out[i] = urn_rng_normal(r);
  return URN_OK;
}

int urn_student_t_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout,
                      urn_error *err) {
  const char *fn = "student_t_rng";
  if (dist_rng_sizes(fn, p, 3, n, err) || CHK("Degrees of freedom parameter", p[0], DR_POS_FINITE) ||
      CHK("Location parameter", p[1], DR_FINITE) || CHK("Scale parameter", p[2], DR_POS_FINITE))
    return URN_EREJECT;
  for (size_t i = 0; i < n; i++) {
    double nu = P(0, i), g = 2 * dist_gamma_draw(r, 0.5 * nu);
    out[i] = P(1, i) + P(2, i) * urn_rng_normal(r) / sqrt(g / nu);
  }
  return URN_OK;
}

int urn_exponential_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout,
                        urn_error *err) {
  const char *fn = "exponential_rng";
  if (dist_rng_sizes(fn, p, 1, n, err) || CHK("Inverse scale parameter", p[0], DR_POS_FINITE))
    return URN_EREJECT;
  for (size_t i = 0; i < n; i++) out[i] = -log(urn_rng_uniform(r)) / P(0, i);
  return URN_OK;
}

int urn_gamma_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout,
                  urn_error *err) {
  const char *fn = "gamma_rng";
  if (dist_rng_sizes(fn, p, 2, n, err) || CHK("Shape parameter", p[0], DR_POS_FINITE) ||
      CHK("Inverse scale parameter", p[1], DR_POS_FINITE))
    return URN_EREJECT;
  for (size_t i = 0; i < n; i++) out[i] = dist_gamma_draw(r, P(0, i)) / P(1, i);
  return URN_OK;
}

int urn_inv_gamma_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout,
                      urn_error *err) {
  const char *fn = "inv_gamma_rng";
  if (dist_rng_sizes(fn, p, 2, n, err) || CHK("Shape parameter", p[0], DR_POS_FINITE) ||
      CHK("Scale parameter", p[1], DR_POS_FINITE))
    return URN_EREJECT;
  for (size_t i = 0; i < n; i++) out[i] = P(1, i) / dist_gamma_draw(r, P(0, i));
  return URN_OK;
}

int urn_weibull_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout,
                    urn_error *err) {
  const char *fn = "weibull_rng";
  if (dist_rng_sizes(fn, p, 2, n, err) || CHK("Shape parameter", p[0], DR_POS_FINITE) ||
      CHK("Scale parameter", p[1], DR_POS_FINITE))
    return URN_EREJECT;
  for (size_t i = 0; i < n; i++)
    out[i] = P(1, i) * pow(-log(urn_rng_uniform(r)), 1 / P(0, i));
  return URN_OK;
}

int urn_beta_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout,
                 urn_error *err) {
  const char *fn = "beta_rng";
  if (dist_rng_sizes(fn, p, 2, n, err) || CHK("First shape parameter", p[0], DR_POS_FINITE) ||
      CHK("Second shape parameter", p[1], DR_POS_FINITE))
    return URN_EREJECT;
  for (size_t i = 0; i < n; i++) out[i] = dist_beta_draw(r, P(0, i), P(1, i));
  return URN_OK;
}

int urn_beta_proportion_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout,
                            urn_error *err) {
  const char *fn = "beta_proportion_rng";
  if (dist_rng_sizes(fn, p, 2, n, err) || CHK("Location parameter", p[0], DR_UNIT_OPEN) ||
      CHK("Precision parameter", p[1], DR_POS_FINITE))
    return URN_EREJECT;
  for (size_t i = 0; i < n; i++) {
    double mu = P(0, i), k = P(1, i);
    out[i] = dist_beta_draw(r, mu * k, (1 - mu) * k);
  }
  return URN_OK;
}

int urn_uniform_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout,
                    urn_error *err) {
  const char *fn = "uniform_rng";
  if (dist_rng_sizes(fn, p, 2, n, err) || CHK("Lower bound parameter", p[0], DR_FINITE) ||
      CHK("Upper bound parameter", p[1], DR_FINITE))
    return URN_EREJECT;
  for (size_t i = 0; i < n; i++) {
    double lo = P(0, i), hi = P(1, i);
    if (!(hi > lo))
      return urn_error_set(err, URN_EREJECT,
                           "%s: Upper bound parameter is %g, but must be greater than %g", fn, hi,
                           lo);
    out[i] = lo + (hi - lo) * urn_rng_uniform(r);
  }
  return URN_OK;
}

int urn_chi_square_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout,
                       urn_error *err) {
  const char *fn = "chi_square_rng";
  if (dist_rng_sizes(fn, p, 1, n, err) || CHK("Degrees of freedom parameter", p[0], DR_POS_FINITE))
    return URN_EREJECT;
  for (size_t i = 0; i < n; i++) out[i] = 2 * dist_gamma_draw(r, 0.5 * P(0, i));
  return URN_OK;
}

int urn_inv_chi_square_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout,
                           urn_error *err) {
  const char *fn = "inv_chi_square_rng";
  if (dist_rng_sizes(fn, p, 1, n, err) || CHK("Degrees of freedom parameter", p[0], DR_POS_FINITE))
    return URN_EREJECT;
  for (size_t i = 0; i < n; i++) out[i] = 0.5 / dist_gamma_draw(r, 0.5 * P(0, i));
  return URN_OK;
}

int urn_scaled_inv_chi_square_rng(urn_rng *r, const urn_darg *p, size_t n, double *out,
                                  int *iout, urn_error *err) {
  const char *fn = "scaled_inv_chi_square_rng";
  if (dist_rng_sizes(fn, p, 2, n, err) || CHK("Degrees of freedom parameter", p[0], DR_POS_FINITE) ||
      CHK("Scale parameter", p[1], DR_POS_FINITE))
    return URN_EREJECT;
  for (size_t i = 0; i < n; i++) {
    double nu = P(0, i), s = P(1, i);
    out[i] = nu * s * s / (2 * dist_gamma_draw(r, 0.5 * nu));
  }
  return URN_OK;
}

int urn_von_mises_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout,
                      urn_error *err) {
  const char *fn = "von_mises_rng";
  if (dist_rng_sizes(fn, p, 2, n, err) || CHK("Location parameter", p[0], DR_FINITE) ||
      CHK("Scale parameter", p[1], DR_NONNEG) || CHK("Scale parameter", p[1], DR_FINITE))
    return URN_EREJECT;
  for (size_t i = 0; i < n; i++) {
    double mu = P(0, i), k = P(1, i);
    if (k < 1e-8) {
      out[i] = mu + DIST_PI * (2 * urn_rng_uniform(r) - 1);
      continue;
    }
    if (k > 1e8) { /* the normal limit (error O(1/kappa)); avoids overflow of 4 kappa^2 */
      out[i] = mu + urn_rng_normal(r) / sqrt(k);
      continue;
    }
    /* Best & Fisher (1979) */
    double tau = 1 + sqrt(1 + 4 * k * k), rho = (tau - sqrt(2 * tau)) / (2 * k);
    double rr = (1 + rho * rho) / (2 * rho), f;
    for (;;) {
      double z = cos(DIST_PI * urn_rng_uniform(r)), u2 = urn_rng_uniform(r);
      f = (1 + rr * z) / (rr + z);
      double c = k * (rr - f);
      if (c * (2 - c) - u2 > 0 || log(c / u2) + 1 - c >= 0) break;
    }
    if (f > 1) f = 1;
    if (f < -1) f = -1;
    double th = acos(f);
    out[i] = mu + (urn_rng_uniform(r) < 0.5 ? -th : th);
  }
  return URN_OK;
}

/* ---- discrete ---- */

int urn_poisson_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout,
                    urn_error *err) {
  const char *fn = "poisson_rng";
  if (dist_rng_sizes(fn, p, 1, n, err) || CHK("Rate parameter", p[0], DR_NONNEG)) return URN_EREJECT;
  for (size_t i = 0; i < n; i++)
    if (!(P(0, i) < 1073741824.0))
      return urn_error_set(err, URN_EREJECT,
                           "%s: Rate parameter is %g, but must be less than 1.07374e+09", fn,
                           P(0, i));
  for (size_t i = 0; i < n; i++)
    if (dist_put_int(fn, dist_poisson_draw(r, P(0, i)), &iout[i], err)) return URN_EREJECT;
  return URN_OK;
}

int urn_poisson_log_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout,
                        urn_error *err) {
  const char *fn = "poisson_log_rng";
  if (dist_rng_sizes(fn, p, 1, n, err) || CHK("Log rate parameter", p[0], DR_NOT_NAN))
    return URN_EREJECT;
  for (size_t i = 0; i < n; i++)
    if (!(P(0, i) < 30 * DIST_LOG_2))
      return urn_error_set(err, URN_EREJECT,
                           "%s: Log rate parameter is %g, but must be less than 20.7944", fn,
                           P(0, i));
  for (size_t i = 0; i < n; i++)
    if (dist_put_int(fn, dist_poisson_draw(r, exp(P(0, i))), &iout[i], err)) return URN_EREJECT;
  return URN_OK;
}

int urn_binomial_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout,
                     urn_error *err) {
  const char *fn = "binomial_rng";
  if (dist_rng_sizes(fn, p, 2, n, err) || CHK("Population size parameter", p[0], DR_NONNEG) ||
      CHK("Probability parameter", p[1], DR_PROB))
    return URN_EREJECT;
  for (size_t i = 0; i < n; i++) iout[i] = (int)dist_binomial_draw(r, PI_(0, i), P(1, i));
  return URN_OK;
}

int urn_binomial_logit_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout,
                           urn_error *err) {
  const char *fn = "binomial_logit_rng";
  if (dist_rng_sizes(fn, p, 2, n, err) || CHK("Population size parameter", p[0], DR_NONNEG) ||
      CHK("Probability parameter", p[1], DR_FINITE))
    return URN_EREJECT;
  for (size_t i = 0; i < n; i++)
    iout[i] = (int)dist_binomial_draw(r, PI_(0, i), urn_inv_logit(P(1, i)));
  return URN_OK;
}

int urn_bernoulli_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout,
                      urn_error *err) {
  const char *fn = "bernoulli_rng";
  if (dist_rng_sizes(fn, p, 1, n, err) || CHK("Probability parameter", p[0], DR_PROB))
    return URN_EREJECT;
  for (size_t i = 0; i < n; i++) iout[i] = urn_rng_uniform(r) < P(0, i);
  return URN_OK;
}

int urn_bernoulli_logit_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout,
                            urn_error *err) {
  const char *fn = "bernoulli_logit_rng";
  if (dist_rng_sizes(fn, p, 1, n, err) ||
      CHK("Logit transformed probability parameter", p[0], DR_NOT_NAN))
    return URN_EREJECT;
  for (size_t i = 0; i < n; i++) iout[i] = urn_rng_uniform(r) < urn_inv_logit(P(0, i));
  return URN_OK;
}

/* Negative binomial as a gamma-Poisson mixture with log-scale rate eta. */
static int nb2_draws(const char *fn, urn_rng *r, const urn_darg *p, size_t n, int *iout,
                     int log_scale, urn_error *err) {
  for (size_t i = 0; i < n; i++) {
    double mu = log_scale ? exp(P(0, i)) : P(0, i), phi = P(1, i);
    double lam = dist_gamma_draw(r, phi) * mu / phi;
    if (!(lam < 1073741824.0))
      return urn_error_set(err, URN_EREJECT,
                           "%s: Random number that came from gamma distribution is %g, but must "
                           "be less than 1.07374e+09", fn, lam);
    if (dist_put_int(fn, dist_poisson_draw(r, lam), &iout[i], err)) return URN_EREJECT;
  }
  return URN_OK;
}

int urn_neg_binomial_2_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout,
                           urn_error *err) {
  const char *fn = "neg_binomial_2_rng";
  if (dist_rng_sizes(fn, p, 2, n, err) || CHK("Location parameter", p[0], DR_POS_FINITE) ||
      CHK("Precision parameter", p[1], DR_POS_FINITE))
    return URN_EREJECT;
  return nb2_draws(fn, r, p, n, iout, 0, err);
}

int urn_neg_binomial_2_log_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout,
                               urn_error *err) {
  const char *fn = "neg_binomial_2_log_rng";
  if (dist_rng_sizes(fn, p, 2, n, err) || CHK("Log location parameter", p[0], DR_FINITE) ||
      CHK("Precision parameter", p[1], DR_POS_FINITE))
    return URN_EREJECT;
  return nb2_draws(fn, r, p, n, iout, 1, err);
}

int urn_neg_binomial_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout, urn_error *err) {
  const char *fn = "neg_binomial_rng";
  if (dist_rng_sizes(fn, p, 2, n, err) || CHK("Shape parameter", p[0], DR_POS_FINITE) ||
      CHK("Inverse scale parameter", p[1], DR_POS_FINITE))
    return URN_EREJECT;
  for (size_t i = 0; i < n; i++) {
    double lam = dist_gamma_draw(r, P(0, i)) / P(1, i);
    if (!(lam < 1073741824.0))
      return urn_error_set(err, URN_EREJECT,
                           "%s: Random number that came from gamma distribution is %g, but must be less than "
                           "1.07374e+09", fn, lam);
    if (dist_put_int(fn, dist_poisson_draw(r, lam), &iout[i], err)) return URN_EREJECT;
  }
  return URN_OK;
}

int urn_beta_binomial_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout,
                          urn_error *err) {
  const char *fn = "beta_binomial_rng";
  if (dist_rng_sizes(fn, p, 3, n, err) || CHK("Population size parameter", p[0], DR_NONNEG) ||
      CHK("First prior sample size parameter", p[1], DR_POS_FINITE) ||
      CHK("Second prior sample size parameter", p[2], DR_POS_FINITE))
    return URN_EREJECT;
  for (size_t i = 0; i < n; i++)
    iout[i] = (int)dist_binomial_draw(r, PI_(0, i), dist_beta_draw(r, P(1, i), P(2, i)));
  return URN_OK;
}

/* ---- multivariate and categorical ---- */

/* Index (1-based) drawn from unnormalized weights w[0..K). */
static int draw_index(urn_rng *r, const double *w, size_t K, double total) {
  double u = urn_rng_uniform(r) * total, c = 0;
  for (size_t k = 0; k < K; k++) {
    c += w[k];
    if (u < c) return (int)k + 1;
  }
  /* rounding: the last category with positive weight */
  for (size_t k = K; k-- > 0;)
    if (w[k] > 0) return (int)k + 1;
  return (int)K;
}

int urn_categorical_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout,
                        urn_error *err) {
  const char *fn = "categorical_rng";
  if (dist_check_simplex(fn, "Probabilities parameter", p[0].v, p[0].n, err)) return URN_EREJECT;
  for (size_t i = 0; i < n; i++) iout[i] = draw_index(r, p[0].v, p[0].n, 1.0);
  return URN_OK;
}

int urn_categorical_logit_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout,
                              urn_error *err) {
  const char *fn = "categorical_logit_rng";
  size_t K = p[0].n;
  if (K == 0) return urn_error_set(err, URN_EREJECT, "%s: log odds parameter has size 0", fn);
  if (CHK("log odds parameter", p[0], DR_FINITE)) return URN_EREJECT;
  double mx = p[0].v[0];
  for (size_t k = 1; k < K; k++) mx = fmax(mx, p[0].v[k]);
  for (size_t i = 0; i < n; i++) {
    /* inversion on exp(beta - max) without a buffer: two passes */
    double total = 0;
    for (size_t k = 0; k < K; k++) total += exp(p[0].v[k] - mx);
    double u = urn_rng_uniform(r) * total, c = 0;
    int pick = (int)K;
    for (size_t k = 0; k < K; k++) {
      c += exp(p[0].v[k] - mx);
      if (u < c) {
        pick = (int)k + 1;
        break;
      }
    }
    iout[i] = pick;
  }
  return URN_OK;
}

int urn_ordered_logistic_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout,
                             urn_error *err) {
  const char *fn = "ordered_logistic_rng";
  size_t Km1 = p[1].rows ? p[1].rows : p[1].n;
  if (CHK("Location parameter", p[0], DR_FINITE) ||
      dist_check_ordered(fn, "Cut-points", p[1].v, Km1, err))
    return URN_EREJECT;
  for (size_t i = 0; i < n; i++) {
    double z = DV(&p[0], i) + logistic_draw(r);
    int k = 1;
    for (size_t j = 0; j < Km1; j++) k += p[1].v[j] < z;
    iout[i] = k;
  }
  return URN_OK;
}

int urn_ordered_probit_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout, urn_error *err) {
  const char *fn = "ordered_probit_rng";
  size_t Km1 = p[1].rows ? p[1].rows : p[1].n;
  if (CHK("Location parameter", p[0], DR_FINITE) || dist_check_ordered(fn, "Cut-points", p[1].v, Km1, err))
    return URN_EREJECT;
  for (size_t i = 0; i < n; i++) {
    double z = DV(&p[0], i) + urn_rng_normal(r);
    int k = 1;
    for (size_t j = 0; j < Km1; j++) k += p[1].v[j] < z;
    iout[i] = k;
  }
  return URN_OK;
}

int urn_dirichlet_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout,
                      urn_error *err) {
  const char *fn = "dirichlet_rng";
  size_t K = p[0].n;
  if (n != K) return urn_error_set(err, URN_EREJECT, "%s: output size %zu is not %zu", fn, n, K);
  if (CHK("prior sample sizes", p[0], DR_POS_FINITE)) return URN_EREJECT;
  double lse = -INFINITY;
  for (size_t k = 0; k < K; k++) {
    out[k] = dist_log_gamma_draw(r, p[0].v[k]);
    lse = urn_log_sum_exp2(lse, out[k]);
  }
  for (size_t k = 0; k < K; k++) out[k] = exp(out[k] - lse);
  return URN_OK;
}

/* Draws items of mu + L z for lower-triangular L. */
static void mvn_draw(urn_rng *r, const double *mu, size_t nmu, const double *L, size_t K,
                     double *out) {
  for (size_t m = 0; m < nmu; m++) {
    double *o = out + m * K;
    const double *mm = mu + m * K;
    for (size_t k = 0; k < K; k++) o[k] = mm[k];
    for (size_t j = 0; j < K; j++) {
      double z = urn_rng_normal(r);
      for (size_t i = j; i < K; i++) o[i] += L[i + j * K] * z;
    }
  }
}

static int mvn_rng_shapes(const char *fn, const urn_darg *p, size_t n, size_t *K, size_t *nmu,
                          urn_error *err) {
  *K = p[1].rows;
  if (p[1].cols != *K || p[1].n != *K * *K)
    return urn_error_set(err, URN_EREJECT, "%s: Expecting a square matrix", fn);
  size_t mr = p[0].rows ? p[0].rows : p[0].n;
  if (mr != *K)
    return urn_error_set(err, URN_EREJECT,
                         "%s: Size of location parameter (%zu) and rows of the matrix (%zu) must "
                         "match in size", fn, mr, *K);
  *nmu = *K ? p[0].n / *K : 0;
  if (n != p[0].n)
    return urn_error_set(err, URN_EREJECT, "%s: output size %zu is not %zu", fn, n, p[0].n);
  if (CHK("Location parameter", p[0], DR_FINITE)) return URN_EREJECT;
  return URN_OK;
}

int urn_multi_normal_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout,
                         urn_error *err) {
  const char *fn = "multi_normal_rng";
  size_t K, nmu;
  if (mvn_rng_shapes(fn, p, n, &K, &nmu, err)) return URN_EREJECT;
  double *L = urn_xmalloc(sizeof(double) * (K * K + 1));
  if (dist_cholesky(fn, "Covariance matrix", p[1].v, K, L, err)) {
    free(L);
    return URN_EREJECT;
  }
  mvn_draw(r, p[0].v, nmu, L, K, out);
  free(L);
  return URN_OK;
}

int urn_multi_normal_cholesky_rng(urn_rng *r, const urn_darg *p, size_t n, double *out,
                                  int *iout, urn_error *err) {
  const char *fn = "multi_normal_cholesky_rng";
  size_t K, nmu;
  if (mvn_rng_shapes(fn, p, n, &K, &nmu, err)) return URN_EREJECT;
  mvn_draw(r, p[0].v, nmu, p[1].v, K, out);
  return URN_OK;
}

int urn_lkj_corr_cholesky_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout,
                              urn_error *err) {
  const char *fn = "lkj_corr_cholesky_rng";
  if (p[0].n != 1 || p[1].n != 1)
    return urn_error_set(err, URN_EREJECT, "%s: K and eta must be scalars", fn);
  int K = p[0].iv[0];
  if (K < 0) return dist_fail(err, fn, "Dimension", -1, K, "nonnegative");
  if (CHK("Shape parameter", p[1], DR_POS_FINITE)) return URN_EREJECT;
  if (n != (size_t)K * (size_t)K)
    return urn_error_set(err, URN_EREJECT, "%s: output size %zu is not K * K for K = %d", fn, n, K);
  if (K == 0) return URN_OK;
  double eta = p[1].v[0];
  for (size_t i = 0; i < n; i++) out[i] = 0;
  /* C-vine: the partial correlation of (i, j) given 0..i-1 is 2 Beta(b, b) - 1
   * with b = eta + (K - 2 - i) / 2; column i of L is built from those and the
   * remaining squared norm acc[j] of each row. */
  size_t k = (size_t)K;
  out[0] = 1;
  for (size_t j = 1; j < k; j++) out[j] = 0; /* column 0 filled below */
  double *acc = urn_xmalloc(sizeof(double) * k);
  for (size_t j = 0; j < k; j++) acc[j] = 1;
  for (size_t i = 0; i + 1 < k; i++) {
    double b = eta + 0.5 * (double)(k - 2 - i);
    out[i + i * k] = sqrt(acc[i]);
    for (size_t j = i + 1; j < k; j++) {
      double cpc = 2 * dist_beta_draw(r, b, b) - 1;
      out[j + i * k] = cpc * sqrt(acc[j]);
      acc[j] *= 1 - cpc * cpc;
    }
  }
  out[(k - 1) + (k - 1) * k] = sqrt(acc[k - 1]);
  free(acc);
  return URN_OK;
}

#undef P
