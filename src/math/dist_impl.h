/* math/dist_impl.h — private helpers shared by the dist_*.c files: argument
 * access with broadcasting, Stan-worded argument checks, and the prototypes of
 * every family's functions (the table in dist_table.c points at them).
 * Not part of the interface: the evaluator uses math/dist.h only. */
#ifndef URN_MATH_DIST_IMPL_H
#define URN_MATH_DIST_IMPL_H

#include <math.h>
#include "math/dist.h"
#include "math/special.h"

#define DIST_LOG_PI 1.14472988584940017414
#define DIST_LOG_2PI 1.83787706640934548356
#define DIST_HALF_LOG_2PI 0.91893853320467274178
#define DIST_LOG_2 0.69314718055994530942
#define DIST_PI 3.14159265358979323846

/* Value i of a broadcast argument (n == 1 repeats its only value). */
#define DV(a, i) ((a)->v[(a)->n == 1 ? 0 : (i)])
#define DI(a, i) ((a)->iv[(a)->n == 1 ? 0 : (i)])
/* Adds x to the partial of element i when the argument is not constant. */
#define DADD(a, i, x)                                   \
  do {                                                  \
    if ((a)->d) (a)->d[(a)->n == 1 ? 0 : (i)] += (x);   \
  } while (0)

/* The argument checks Stan applies, with its wording. */
typedef enum dist_rule {
  DR_NOT_NAN,   /* "must not be nan" */
  DR_FINITE,    /* "must be finite" */
  DR_POS_FINITE,/* "must be positive finite" */
  DR_POSITIVE,  /* "must be positive" (+inf allowed) */
  DR_NONNEG,    /* "must be nonnegative" (+inf allowed, NaN not) */
  DR_PROB,      /* "must be in the interval [0, 1]" */
  DR_UNIT_OPEN  /* "must be in the interval (0, 1)" */
} dist_rule;

/* ---- the shared driver of the univariate densities ----
 * A family is its checks (a dist_spec) and a per-element kernel; dist_begin
 * does the size and argument checks, dist_run the broadcasting loop, the sum
 * and the partials.  The kernel sees one element's argument values x[j] (ints
 * as doubles), adds the terms it keeps to *lp and sets g[j] = d term / d x[j]
 * for the arguments with partials (k->var[j]; others may be left unset).
 * fresh[j] is 0 when x[j] is a broadcast scalar it has seen before, so work on
 * a scalar parameter alone (log sigma, lgamma(alpha)) can be cached in k->c. */
#define DIST_MAX_UNI 4

/* A univariate family's checks: Stan's function name, each argument's label and rule. */
typedef struct dist_spec {
  const char *fn;                    /* "normal_lpdf" */
  int nargs;                         /* number of arguments, variate included */
  const char *label[DIST_MAX_UNI];   /* Stan's label of each argument */
  int rule[DIST_MAX_UNI];            /* its dist_rule, or -1 when it is not checked */
} dist_spec;

/* What a kernel knows besides the element: which terms to keep and a cache. */
typedef struct dist_kstate {
  int propto;                        /* drop the terms of constant arguments */
  int var[DIST_MAX_UNI];             /* argument j has partials (is not constant) */
  int keep[6];                       /* family-defined: term group t is kept */
  double c[4];                       /* family-defined cache of scalar-only work */
} dist_kstate;

typedef void (*dist_kernel)(const double *x, const int *fresh, dist_kstate *k, double *lp, double *g);

/* dist_check for an argument's only rule in its family: a data argument (one
 * with a memo) is scanned at its call site's first call only.  An argument
 * checked against a second rule must use dist_check for that one (the memo
 * says "passed", not which rule). */
int dist_check_once(const char *fn, const char *label, const urn_darg *a, dist_rule rule, urn_error *err);
/* Checks argument j against rules[j] (a dist_rule, or -1: unchecked) for j < nargs, by dist_check_once. */
int dist_check_rules(const char *fn, const char *const *labels, const urn_darg *a, int nargs, const int *rules,
                     urn_error *err);
/* dist_size and every argument's rule; fills k->propto and k->var. */
int dist_begin(const dist_spec *s, const urn_darg *a, int propto, dist_kstate *k, size_t *N, urn_error *err);

/* The loop: sum of the kernel over the N broadcast elements into *out, partials
 * added into the arguments' buffers.  Inlined, so the kernel is too. */
static inline __attribute__((always_inline)) int dist_run(const urn_darg *a, int nargs, size_t N,
                                                          dist_kernel kern, dist_kstate *k, double *out) {
  double lp = 0, x[DIST_MAX_UNI], g[DIST_MAX_UNI] = {0, 0, 0, 0};
  int fresh[DIST_MAX_UNI];
  for (size_t i = 0; i < N; i++) {
    _Pragma("GCC unroll 4") /* nargs is a constant: x, g and fresh become registers */
    for (int j = 0; j < nargs; j++) {
      size_t ij = a[j].n == 1 ? 0 : i;
      x[j] = a[j].v ? a[j].v[ij] : (double)a[j].iv[ij];
      fresh[j] = i == 0 || a[j].n > 1;
    }
    kern(x, fresh, k, &lp, g);
    _Pragma("GCC unroll 4")
    for (int j = 0; j < nargs; j++)
      if (a[j].d) a[j].d[a[j].n == 1 ? 0 : i] += g[j];
  }
  *out = lp;
  return URN_OK;
}

/* ---- the shared driver of the univariate CDFs (dist_common.c) ----
 * A family's CDFs are one "core" per element computing lp = log P(Y <= y),
 * lq = log P(Y > y) and their partials; dist_cdf_drive broadcasts and turns it
 * into lcdf (sum of lp), lccdf (sum of lq) or cdf (product of exp(lp)). */
#define DIST_CDF_MAXA 4 /* most arguments of a CDF core */

/* One element's result. */
typedef struct dist_cdf_out {
  double lp;        /* log P(Y <= y) */
  double lq;        /* log P(Y > y) */
  double dlp[DIST_CDF_MAXA]; /* d lp / d arg j */
  double dlq[DIST_CDF_MAXA]; /* d lq / d arg j */
} dist_cdf_out;

/* A core: x holds the element's argument values (ints as doubles), need[j]
 * says whether arg j wants partials. */
typedef void (*dist_cdf_core)(const double *x, const int *need, dist_cdf_out *o);
/* P and Q only (for numerical derivatives). */
typedef void (*dist_cdf_pq)(const double *x, double *P, double *Q);

/* Fills o from P, Q and dP[j] = d P / d arg j. */
void dist_from_pq(dist_cdf_out *o, double P, double Q, const double *dP, int nargs);
/* d P / d x[j] numerically (dist_num_deriv), from whichever of P and Q is smaller. */
double dist_num_dP(dist_cdf_pq pq, const double *x, int nargs, int j, double P);
/* Which Stan function a CDF call computes. */
enum { DIST_MODE_LCDF, DIST_MODE_LCCDF, DIST_MODE_CDF };
/* Broadcasts, calls the core per element, accumulates the result and the partials. */
int dist_cdf_drive(const char *fn, const char *const *labels, const urn_darg *a, int nargs, dist_cdf_core core,
                   int mode, double *out, urn_error *err);

/* Defines urn_FAM_lcdf/_lccdf/_cdf from a core: the arguments' rules (the
 * trailing list, one dist_rule or -1 per argument, as the densities' dist_spec)
 * and an extra check expression (0 for none) run first, then dist_cdf_drive. */
#define DIST_DEFINE_CDFS(fam, nargs, labels, core, extra, ...)                                 \
  static int fam##_cdf_mode(const urn_darg *a, int mode, double *out, urn_error *err) {    \
    static const char *const names[] = {#fam "_lcdf", #fam "_lccdf", #fam "_cdf"};         \
    static const int rule[] = {__VA_ARGS__};                                              \
    const char *fn = names[mode];                                                         \
    if (dist_check_rules(fn, labels, a, nargs, rule, err) || (extra)) return URN_EREJECT; \
    return dist_cdf_drive(fn, labels, a, nargs, core, mode, out, err);                         \
  }                                                                                       \
  int urn_##fam##_lcdf(const urn_darg *a, int p, double *o, urn_error *e) {               \
    (void)p;                                                                              \
    return fam##_cdf_mode(a, DIST_MODE_LCDF, o, e);                                            \
  }                                                                                       \
  int urn_##fam##_lccdf(const urn_darg *a, int p, double *o, urn_error *e) {              \
    (void)p;                                                                              \
    return fam##_cdf_mode(a, DIST_MODE_LCCDF, o, e);                                           \
  }                                                                                       \
  int urn_##fam##_cdf(const urn_darg *a, int p, double *o, urn_error *e) {                \
    (void)p;                                                                              \
    return fam##_cdf_mode(a, DIST_MODE_CDF, o, e);                                             \
  }

/* 1 when some element of the variate a lies below lo (at or below when
 * strict), or above hi: the density is -inf there. */
int dist_outside(const urn_darg *a, double lo, int strict, double hi);

/* Broadcast length of args[0..nargs): every n is 1 or the same N; *N = 0 when
 * any n is 0.  On mismatch: URN_EREJECT "fn: Size of X (a) and Y (b) must match in size". */
int dist_size(const char *fn, const urn_darg *args, int nargs, const char *const *labels,
              size_t *N, urn_error *err);
/* Checks every value of a (real or int) against rule; URN_EREJECT with
 * "fn: Label[i] is v, but must be ...!" on the first violation. */
int dist_check(const char *fn, const char *label, const urn_darg *a, dist_rule rule,
               urn_error *err);
/* Sets a Stan-like domain error for value v of element i (i = -1: scalar). */
int dist_fail(urn_error *err, const char *fn, const char *label, long i, double v,
              const char *rule);

/* Checks y[i] >= lo[i] over the broadcast elements (sizes already checked):
 * URN_EREJECT "fn: label is y, but must be greater than or equal to lo". */
int dist_check_ge(const char *fn, const char *label, const urn_darg *y, const urn_darg *lo, urn_error *err);
/* psi(x + n) - psi(x) for x > 0, n >= 0, without the cancellation of the two digammas for large x (a sum for
 * small integer n, the difference of the asymptotic series for x >= 10). */
double dist_digamma_diff(double x, double n);
/* psi(x + n) - psi(x) - log1p(n/x) + 1/(2(x + n)) - 1/(2x): the part of the difference beyond its leading terms,
 * O(x^-3) for large x and computed without cancellation there (x >= 10). */
double dist_digamma_tail_diff(double x, double n);
/* log(x) - psi(x) (> 0), without the cancellation of the two for large x (the shape partials of the gamma family). */
double dist_log_minus_digamma(double x);
/* log I0(x) - x (the von Mises normalizer without its exponential growth), x >= 0. */
double dist_log_bessel_i0_scaled(double x);
/* rngs: every parameter has length 1 or n_out (else URN_EREJECT naming the argument). */
int dist_rng_sizes(const char *fn, const urn_darg *p, int np, size_t n_out, urn_error *err);
/* Stores a long draw as a Stan int, refusing overflow. */
int dist_put_int(const char *fn, long v, int *out, urn_error *err);

/* Numerical derivative d f / d x by Richardson-extrapolated central
 * differences (steps h and h/2, truncation error O(h^4)), for CDF partials
 * with respect to shape parameters of incomplete gamma/beta functions.
 * f(x, ctx) is evaluated four times; h is chosen relative to |x|. */
double dist_num_deriv(double (*f)(double x, const void *ctx), double x, const void *ctx);

/* log inv_logit(x), log(1 - inv_logit(x)) and inv_logit(x) from one exp and
 * one log1p (the logit families' inner loop). */
static inline void dist_logit_parts(double x, double *log_p, double *log_1mp, double *p) {
  if (x >= 0) {
    double e = exp(-x), l = log1p(e);
    *log_p = -l;
    *log_1mp = -x - l;
    *p = 1 / (1 + e);
  } else {
    double e = exp(x), l = log1p(e);
    *log_p = x - l;
    *log_1mp = -l;
    *p = e / (1 + e);
  }
}

/* log of the standard normal density. */
static inline double dist_log_phi(double z) { return -0.5 * z * z - DIST_HALF_LOG_2PI; }

/* ---- continuous (dist_continuous.c) ---- */
int urn_normal_lpdf(const urn_darg *, int, double *, urn_error *);
int urn_std_normal_lpdf(const urn_darg *, int, double *, urn_error *);
int urn_student_t_lpdf(const urn_darg *, int, double *, urn_error *);
int urn_cauchy_lpdf(const urn_darg *, int, double *, urn_error *);
int urn_double_exponential_lpdf(const urn_darg *, int, double *, urn_error *);
int urn_logistic_lpdf(const urn_darg *, int, double *, urn_error *);
int urn_lognormal_lpdf(const urn_darg *, int, double *, urn_error *);
int urn_exponential_lpdf(const urn_darg *, int, double *, urn_error *);
int urn_gamma_lpdf(const urn_darg *, int, double *, urn_error *);
int urn_inv_gamma_lpdf(const urn_darg *, int, double *, urn_error *);
int urn_weibull_lpdf(const urn_darg *, int, double *, urn_error *);
int urn_beta_lpdf(const urn_darg *, int, double *, urn_error *);
int urn_beta_proportion_lpdf(const urn_darg *, int, double *, urn_error *);
int urn_uniform_lpdf(const urn_darg *, int, double *, urn_error *);
int urn_chi_square_lpdf(const urn_darg *, int, double *, urn_error *);
int urn_inv_chi_square_lpdf(const urn_darg *, int, double *, urn_error *);
int urn_scaled_inv_chi_square_lpdf(const urn_darg *, int, double *, urn_error *);
int urn_von_mises_lpdf(const urn_darg *, int, double *, urn_error *);

/* ---- discrete (dist_discrete.c) ---- */
int urn_poisson_lpmf(const urn_darg *, int, double *, urn_error *);
int urn_poisson_log_lpmf(const urn_darg *, int, double *, urn_error *);
int urn_binomial_lpmf(const urn_darg *, int, double *, urn_error *);
int urn_binomial_logit_lpmf(const urn_darg *, int, double *, urn_error *);
int urn_bernoulli_lpmf(const urn_darg *, int, double *, urn_error *);
int urn_bernoulli_logit_lpmf(const urn_darg *, int, double *, urn_error *);
int urn_neg_binomial_2_lpmf(const urn_darg *, int, double *, urn_error *);
int urn_neg_binomial_2_log_lpmf(const urn_darg *, int, double *, urn_error *);
int urn_beta_binomial_lpmf(const urn_darg *, int, double *, urn_error *);

/* ---- multivariate, categorical and GLMs (dist_multivariate.c) ---- */
int urn_dirichlet_lpdf(const urn_darg *, int, double *, urn_error *);
int urn_multi_normal_lpdf(const urn_darg *, int, double *, urn_error *);
int urn_multi_normal_cholesky_lpdf(const urn_darg *, int, double *, urn_error *);
int urn_lkj_corr_cholesky_lpdf(const urn_darg *, int, double *, urn_error *);
int urn_categorical_lpmf(const urn_darg *, int, double *, urn_error *);
int urn_categorical_logit_lpmf(const urn_darg *, int, double *, urn_error *);
int urn_ordered_logistic_lpmf(const urn_darg *, int, double *, urn_error *);
int urn_normal_id_glm_lpdf(const urn_darg *, int, double *, urn_error *);
int urn_bernoulli_logit_glm_lpmf(const urn_darg *, int, double *, urn_error *);
/* bernoulli_logit's rows r < n at eta = x[r], y = y[r] (0 or 1): t[r] the term of the log mass, g[r] its
 * derivative by eta; returns the sum of the t[r] (dist_glm.c: bernoulli_logit_glm and bernoulli_logit_lpmf with a
 * container alpha; exported for tests). */
double urn__bernoulli_logit_rows(const double *x, const int *y, size_t n, double *t, double *g);
/* Shared checks for multivariate arguments (also used by the rngs). */
int dist_check_simplex(const char *fn, const char *label, const double *theta, size_t K,
                       urn_error *err);
int dist_check_ordered(const char *fn, const char *label, const double *c, size_t K,
                       urn_error *err);
/* One ordered_logistic term log P(Y = k | eta = e, cut-points cut[0..Km1)) with its partials in eta and in the
 * cut-points c[k-2] (dlo) and c[k-1] (dhi); k in 1..Km1+1 (shared with ordered_logistic_glm). */
double dist_ordlog_term(int k, double e, const double *cut, size_t Km1, double *deta, double *dlo, double *dhi);
/* One neg_binomial_2 term given n, lmu = log mu and phi, without -lgamma(n+1) and with the terms of phi alone
 * (the log rising factorial) only when want_phi_terms; dlmu = d/d(log mu), dphi = d/d phi. */
double dist_nb2_term(int n, double lmu, double phi, int want_phi_terms, double *dlmu, double *dphi);
/* log of the LKJ normalizing constant c_K(eta) (lkj_corr and lkj_corr_cholesky), *deta its eta partial. */
double dist_lkj_log_const(size_t K, double eta, double *deta);
/* L (K x K) is lower triangular with a positive finite diagonal (Stan's check_cholesky_factor). */
int dist_check_cholesky_factor(const char *fn, const char *label, const double *L, size_t K, urn_error *err);
/* S (K x K) is a correlation matrix: symmetric positive definite with unit diagonal; fills its Cholesky factor L. */
int dist_check_corr(const char *fn, const char *label, const double *S, size_t K, double *L, urn_error *err);
/* Lower Cholesky factor L (K x K column-major) of the symmetric matrix S,
 * after checking symmetry; URN_EREJECT with Stan's wording otherwise. */
int dist_cholesky(const char *fn, const char *label, const double *S, size_t K, double *L,
                  urn_error *err);

/* ---- CDFs (dist_cdf.c): urn_FAMILY_lcdf / _lccdf / _cdf ---- */
#define DIST_CDF_PROTOS(fam)                                        \
  int urn_##fam##_lcdf(const urn_darg *, int, double *, urn_error *);  \
  int urn_##fam##_lccdf(const urn_darg *, int, double *, urn_error *); \
  int urn_##fam##_cdf(const urn_darg *, int, double *, urn_error *);
DIST_CDF_PROTOS(normal)
DIST_CDF_PROTOS(std_normal)
DIST_CDF_PROTOS(student_t)
DIST_CDF_PROTOS(cauchy)
DIST_CDF_PROTOS(double_exponential)
DIST_CDF_PROTOS(logistic)
DIST_CDF_PROTOS(lognormal)
DIST_CDF_PROTOS(exponential)
DIST_CDF_PROTOS(gamma)
DIST_CDF_PROTOS(inv_gamma)
DIST_CDF_PROTOS(weibull)
DIST_CDF_PROTOS(beta)
DIST_CDF_PROTOS(beta_proportion)
DIST_CDF_PROTOS(uniform)
DIST_CDF_PROTOS(chi_square)
DIST_CDF_PROTOS(inv_chi_square)
DIST_CDF_PROTOS(scaled_inv_chi_square)
DIST_CDF_PROTOS(poisson)
DIST_CDF_PROTOS(binomial)
DIST_CDF_PROTOS(bernoulli)
DIST_CDF_PROTOS(neg_binomial_2)
DIST_CDF_PROTOS(beta_binomial)

/* ---- rngs (dist_rng.c): urn_FAMILY_rng ---- */
#define DIST_RNG_PROTO(fam) \
  int urn_##fam##_rng(urn_rng *, const urn_darg *, size_t, double *, int *, urn_error *);
DIST_RNG_PROTO(normal)
DIST_RNG_PROTO(std_normal)
DIST_RNG_PROTO(student_t)
DIST_RNG_PROTO(cauchy)
DIST_RNG_PROTO(double_exponential)
DIST_RNG_PROTO(logistic)
DIST_RNG_PROTO(lognormal)
DIST_RNG_PROTO(exponential)
DIST_RNG_PROTO(gamma)
DIST_RNG_PROTO(inv_gamma)
DIST_RNG_PROTO(weibull)
DIST_RNG_PROTO(beta)
DIST_RNG_PROTO(beta_proportion)
DIST_RNG_PROTO(uniform)
DIST_RNG_PROTO(chi_square)
DIST_RNG_PROTO(inv_chi_square)
DIST_RNG_PROTO(scaled_inv_chi_square)
DIST_RNG_PROTO(von_mises)
DIST_RNG_PROTO(poisson)
DIST_RNG_PROTO(poisson_log)
DIST_RNG_PROTO(binomial)
DIST_RNG_PROTO(binomial_logit)
DIST_RNG_PROTO(bernoulli)
DIST_RNG_PROTO(bernoulli_logit)
DIST_RNG_PROTO(neg_binomial_2)
DIST_RNG_PROTO(neg_binomial_2_log)
DIST_RNG_PROTO(beta_binomial)
DIST_RNG_PROTO(dirichlet)
DIST_RNG_PROTO(multi_normal)
DIST_RNG_PROTO(multi_normal_cholesky)
DIST_RNG_PROTO(lkj_corr_cholesky)
DIST_RNG_PROTO(categorical)
DIST_RNG_PROTO(categorical_logit)
DIST_RNG_PROTO(ordered_logistic)


/* ---- families added for Stan's whole library (one file per group; each
 * file holds the group's densities, CDFs and rngs) ---- */
#define DIST_DENS_PROTO(name) int urn_##name(const urn_darg *, int, double *, urn_error *);
/* dist_shape.c: power-law and extreme-value families */
DIST_DENS_PROTO(pareto_lpdf) DIST_CDF_PROTOS(pareto) DIST_RNG_PROTO(pareto)
DIST_DENS_PROTO(pareto_type_2_lpdf) DIST_CDF_PROTOS(pareto_type_2) DIST_RNG_PROTO(pareto_type_2)
DIST_DENS_PROTO(gumbel_lpdf) DIST_CDF_PROTOS(gumbel) DIST_RNG_PROTO(gumbel)
DIST_DENS_PROTO(frechet_lpdf) DIST_CDF_PROTOS(frechet) DIST_RNG_PROTO(frechet)
DIST_DENS_PROTO(rayleigh_lpdf) DIST_CDF_PROTOS(rayleigh) DIST_RNG_PROTO(rayleigh)
DIST_DENS_PROTO(loglogistic_lpdf) DIST_CDF_PROTOS(loglogistic) DIST_RNG_PROTO(loglogistic)
/* dist_skew.c: skewed normal-like families */
DIST_DENS_PROTO(skew_normal_lpdf) DIST_CDF_PROTOS(skew_normal) DIST_RNG_PROTO(skew_normal)
DIST_DENS_PROTO(skew_double_exponential_lpdf) DIST_CDF_PROTOS(skew_double_exponential)
DIST_RNG_PROTO(skew_double_exponential)
DIST_DENS_PROTO(exp_mod_normal_lpdf) DIST_CDF_PROTOS(exp_mod_normal) DIST_RNG_PROTO(exp_mod_normal)
/* dist_von_mises.c: the von Mises CDFs */
DIST_CDF_PROTOS(von_mises)
/* neg_binomial: lpmf in dist_discrete.c, CDFs in dist_cdf.c, rng in dist_rng.c (beside neg_binomial_2) */
DIST_DENS_PROTO(neg_binomial_lpmf) DIST_CDF_PROTOS(neg_binomial) DIST_RNG_PROTO(neg_binomial)
/* dist_count.c: more counting families */
DIST_DENS_PROTO(beta_neg_binomial_lpmf) DIST_CDF_PROTOS(beta_neg_binomial) DIST_RNG_PROTO(beta_neg_binomial)
DIST_DENS_PROTO(yule_simon_lpmf) DIST_CDF_PROTOS(yule_simon) DIST_RNG_PROTO(yule_simon)
DIST_DENS_PROTO(discrete_range_lpmf) DIST_CDF_PROTOS(discrete_range) DIST_RNG_PROTO(discrete_range)
DIST_DENS_PROTO(hypergeometric_lpmf) DIST_RNG_PROTO(hypergeometric)
/* dist_multinomial.c: counts over K categories */
DIST_DENS_PROTO(multinomial_lpmf) DIST_RNG_PROTO(multinomial)
DIST_DENS_PROTO(multinomial_logit_lpmf) DIST_RNG_PROTO(multinomial_logit)
DIST_DENS_PROTO(dirichlet_multinomial_lpmf) DIST_RNG_PROTO(dirichlet_multinomial)
/* dist_mvt.c: more multivariate normal and Student-t forms */
DIST_DENS_PROTO(multi_normal_prec_lpdf)
DIST_DENS_PROTO(multi_student_t_lpdf) DIST_RNG_PROTO(multi_student_t)
DIST_DENS_PROTO(multi_student_t_cholesky_lpdf) DIST_RNG_PROTO(multi_student_t_cholesky)
DIST_DENS_PROTO(multi_gp_lpdf) DIST_DENS_PROTO(multi_gp_cholesky_lpdf)
DIST_DENS_PROTO(gaussian_dlm_obs_lpdf) /* in dist_dlm.c */
/* dist_matrix.c: distributions over matrices */
DIST_DENS_PROTO(wishart_lpdf) DIST_RNG_PROTO(wishart)
DIST_DENS_PROTO(wishart_cholesky_lpdf) DIST_RNG_PROTO(wishart_cholesky)
DIST_DENS_PROTO(inv_wishart_lpdf) DIST_RNG_PROTO(inv_wishart)
DIST_DENS_PROTO(inv_wishart_cholesky_lpdf) DIST_RNG_PROTO(inv_wishart_cholesky)
DIST_DENS_PROTO(lkj_corr_lpdf) DIST_RNG_PROTO(lkj_corr)
DIST_DENS_PROTO(lkj_cov_lpdf)
/* dist_glm.c: the GLMs */
DIST_DENS_PROTO(poisson_log_glm_lpmf) DIST_DENS_PROTO(neg_binomial_2_log_glm_lpmf)
DIST_DENS_PROTO(binomial_logit_glm_lpmf) DIST_DENS_PROTO(ordered_logistic_glm_lpmf)
DIST_DENS_PROTO(categorical_logit_glm_lpmf) DIST_RNG_PROTO(bernoulli_logit_glm)
/* dist_ordinal.c: ordered_probit */
DIST_DENS_PROTO(ordered_probit_lpmf) DIST_RNG_PROTO(ordered_probit)
/* dist_wiener.c: the diffusion model, 4 parameters (y, alpha, tau, beta, delta), 5 (+ sv) and 7 (+ sv, sw, st0),
 * the _p forms with the trailing precision argument */
DIST_DENS_PROTO(wiener4_lpdf) DIST_DENS_PROTO(wiener5_lpdf) DIST_DENS_PROTO(wiener5p_lpdf)
DIST_DENS_PROTO(wiener7_lpdf) DIST_DENS_PROTO(wiener7p_lpdf)
DIST_DENS_PROTO(wiener4_lcdf) DIST_DENS_PROTO(wiener4_lccdf) DIST_DENS_PROTO(wiener4p_lcdf)
DIST_DENS_PROTO(wiener4p_lccdf) DIST_DENS_PROTO(wiener7_lcdf) DIST_DENS_PROTO(wiener7_lccdf)
DIST_DENS_PROTO(wiener7p_lcdf) DIST_DENS_PROTO(wiener7p_lccdf)

/* Adaptive quadrature helpers live in math/quad.h. */

/* log I0(x) and I1(x)/I0(x) for von Mises (x >= 0). */
double dist_log_bessel_i0(double x);
double dist_bessel_ratio_i1_i0(double x);

#endif
