/* tests/test_dist.c — the univariate distributions of math/dist.h: values,
 * lcdf and lccdf against the scipy table (tests/data/dist_table.h made by
 * tests/data/gen_dist.py), every analytic partial against central finite
 * differences (4-point stencil, relative error <= 1e-6), propto dropping
 * exactly the constant terms, broadcasting (vector arguments give the sum and
 * per-element partials; scalar partials are the sums), the support (-inf) and
 * Stan-worded domain errors, and the table lookups. */
#include <string.h>
#include "harness.h"
#include "math/dist.h"
#include "math/special.h"
#include "data/dist_table.h"
#include "data/cdf_grad_table.h"

#define MAXN 8

/* A call under construction: values and partial buffers per argument. */
typedef struct call {
  const urn_dist *d;   /* family */
  int nargs;           /* number of arguments */
  size_t n[6];         /* length of each argument */
  double v[6][MAXN];   /* real values */
  int iv[6][MAXN];     /* integer values */
  double g[6][MAXN];   /* partial buffers */
  int is_int[6];       /* argument j is an integer argument */
} call;

static void call_init(call *c, const urn_dist *d, const double *args) {
  memset(c, 0, sizeof *c);
  c->d = d;
  c->nargs = d->nargs;
  for (int j = 0; j < d->nargs; j++) {
    c->n[j] = 1;
    c->is_int[j] = d->args[j].kind == URN_DA_INTS || d->args[j].kind == URN_DA_INT;
    c->v[j][0] = args[j];
    c->iv[j][0] = fabs(args[j]) < 2e9 ? (int)args[j] : 0; /* real arguments may exceed the int range */
  }
}

/* Builds urn_darg views; with_d: partial buffers for real args (else NULL). */
static void call_args(call *c, urn_darg *a, int with_d) {
  for (int j = 0; j < c->nargs; j++) {
    if (c->is_int[j])
      a[j] = urn_darg_ints(c->iv[j], c->n[j]);
    else
      a[j] = urn_darg_reals(c->v[j], c->n[j], with_d ? c->g[j] : NULL);
  }
}

static int call_run(call *c, urn_dist_fn fn, int with_d, int propto, double *out, urn_error *e) {
  urn_darg a[6];
  call_args(c, a, with_d);
  return fn(a, propto, out, e);
}

/* 4-point central difference of fn in argument j element k. */
/* A row at extreme parameters (|arg| > 1e6): there the partials are differences of 1e10-sized terms (relative
 * accuracy ~1e-6) and the finite differences need smaller steps (their h^4 error grows with the scale). */
static int extreme_row(const call *c) {
  for (int j = 0; j < c->nargs; j++)
    if (fabs(c->v[j][0]) > 1e6 || c->iv[j][0] > 1000000) return 1;
  return 0;
}

static double fd(call *c, urn_dist_fn fn, int j, size_t k) {
  /* the step is relative to the distance from the boundary of the support
   * for the variate (y near 0 or 1), to the magnitude for parameters */
  double x0 = c->v[j][k], scale = fmax(fabs(x0), 0.1);
  if (j == 0 && strstr(c->d->support, "[0, 1]")) scale = fmin(x0, 1 - x0);
  else if (j == 0 && (strstr(c->d->support, "(0,") || strstr(c->d->support, "[0,"))) scale = x0;
  double h = (extreme_row(c) ? 1e-6 : 1e-4) * scale, f[4];
  if (j <= 1 && (!strcmp(c->d->name, "pareto") || !strcmp(c->d->name, "pareto_type_2")))
    h = fmin(h, 0.01 * (c->v[0][k] - c->v[1][k])); /* stay inside the support: y >= the lower bound */
  const double off[4] = {-2, -1, 1, 2};
  for (int t = 0; t < 4; t++) {
    c->v[j][k] = x0 + off[t] * h;
    if (call_run(c, fn, 0, 0, &f[t], NULL) != URN_OK) f[t] = NAN;
  }
  c->v[j][k] = x0;
  return (f[0] - 8 * f[1] + 8 * f[2] - f[3]) / (12 * h);
}

/* kind: 0 lpdf, 1 lcdf, 2 lccdf, 3 cdf (families whose only CDF is foo_cdf). */
static urn_dist_fn kind_fn(const urn_dist *d, int kind) {
  return kind == 0 ? d->lpdf : kind == 1 ? d->lcdf : kind == 2 ? d->lccdf : d->cdf;
}

/* Checks every real partial of fn at c against finite differences; the
 * buffers start at 0.25 to check that partials are ADDED. */
static void check_partials(call *c, urn_dist_fn fn, const char *what) {
  for (int j = 0; j < c->nargs; j++)
    for (size_t k = 0; k < c->n[j]; k++) c->g[j][k] = 0.25;
  double val;
  urn_error e;
  if (call_run(c, fn, 1, 0, &val, &e) != URN_OK) {
    CHECK(0, "%s: %s", what, e.msg);
    return;
  }
  if (isinf(val)) return; /* outside the support: nothing to differentiate */
  for (int j = 0; j < c->nargs; j++) {
    if (c->is_int[j]) continue;
    for (size_t k = 0; k < c->n[j]; k++) {
      double an = c->g[j][k] - 0.25, num = fd(c, fn, j, k);
      char msg[160];
      snprintf(msg, sizeof msg, "%s d/d%s[%zu]", what, c->d->args[j].name, k);
      /* at extreme parameters the value itself is accurate to ~1e-11 relative, which the differences amplify */
      CHECK_NEAR(an, num, extreme_row(c) ? 1e-5 : 1e-6, (extreme_row(c) ? 1e-3 : 1e-8) * fmax(1, fabs(val)), msg);
    }
  }
}

/* ---- values against scipy, and partials of every reference point ---- */
static void test_reference_values(int *nvalue, int *npartial) {
  for (size_t r = 0; r < sizeof dist_refs / sizeof dist_refs[0]; r++) {
    const dist_ref *ref = &dist_refs[r];
    const urn_dist *d = urn_dist_find(ref->family);
    CHECK(d != NULL, "family %s in the table", ref->family);
    if (!d) continue;
    urn_dist_fn fn = kind_fn(d, ref->kind);
    CHECK(fn != NULL, "%s kind %d exists", ref->family, ref->kind);
    if (!fn) continue;
    call c;
    call_init(&c, d, ref->args);
    double v;
    urn_error e;
    char what[96];
    snprintf(what, sizeof what, "%s %s row %zu", ref->family,
             ref->kind == 0 ? "lpdf" : ref->kind == 1 ? "lcdf" : ref->kind == 2 ? "lccdf" : "cdf", r);
    int st = call_run(&c, fn, 0, 0, &v, &e);
    CHECK(st == URN_OK, "%s: status %d %s", what, st, st ? e.msg : "");
    CHECK_NEAR(v, ref->value, ref->kind == 0 ? 1e-11 : 1e-9, 1e-13, what);
    ++*nvalue;
    if (ref->kind == 1 && d->cdf) { /* cdf = exp(lcdf) */
      double p;
      call_run(&c, d->cdf, 0, 0, &p, NULL);
      CHECK_NEAR(p, exp(ref->value), 1e-9, 1e-300, what);
      ++*nvalue;
    }
    int before = test_npass + test_nfail;
    check_partials(&c, fn, what);
    if (ref->kind == 1 && d->cdf) check_partials(&c, d->cdf, what);
    *npartial += test_npass + test_nfail - before;
  }
}

/* ---- propto ---- */

/* The closed-form constant dropped when every real argument is a parameter. */
static double pure_constant(const char *fam, const double *x) {
  const double l2pi = log(2 * M_PI);
  if (!strcmp(fam, "normal") || !strcmp(fam, "std_normal") || !strcmp(fam, "lognormal"))
    return -0.5 * l2pi;
  if (!strcmp(fam, "student_t")) return -0.5 * log(M_PI);
  if (!strcmp(fam, "cauchy")) return -log(M_PI);
  if (!strcmp(fam, "double_exponential")) return -log(2);
  if (!strcmp(fam, "von_mises")) return -l2pi;
  if (!strcmp(fam, "skew_normal")) return -0.5 * l2pi;
  if (!strcmp(fam, "skew_double_exponential")) return log(2);
  if (!strcmp(fam, "exp_mod_normal")) return -log(2);
  if (!strcmp(fam, "poisson") || !strcmp(fam, "poisson_log") || !strcmp(fam, "neg_binomial_2") ||
      !strcmp(fam, "neg_binomial_2_log") || !strcmp(fam, "neg_binomial") || !strcmp(fam, "beta_neg_binomial"))
    return -urn_lgamma(x[0] + 1);
  if (!strcmp(fam, "yule_simon")) return urn_lgamma(x[0]);
  if (!strcmp(fam, "discrete_range")) return -log(x[2] - x[1] + 1);
  if (!strcmp(fam, "hypergeometric"))
    return urn_lchoose(x[2], x[0]) + urn_lchoose(x[3], x[1] - x[0]) - urn_lchoose(x[2] + x[3], x[1]);
  if (!strcmp(fam, "binomial") || !strcmp(fam, "binomial_logit") ||
      !strcmp(fam, "beta_binomial"))
    return urn_lchoose(x[1], x[0]);
  return 0;
}

/* The terms dropped when only the variate is a parameter (parameters data). */
static int variate_only_constant(const char *fam, const double *x, double *c) {
  if (!strcmp(fam, "normal")) *c = -0.5 * log(2 * M_PI) - log(x[2]);
  else if (!strcmp(fam, "lognormal")) *c = -0.5 * log(2 * M_PI) - log(x[2]);
  else if (!strcmp(fam, "cauchy")) *c = -log(M_PI) - log(x[2]);
  else if (!strcmp(fam, "exponential")) *c = log(x[1]);
  else if (!strcmp(fam, "gamma")) *c = x[1] * log(x[2]) - urn_lgamma(x[1]);
  else if (!strcmp(fam, "inv_gamma")) *c = x[1] * log(x[2]) - urn_lgamma(x[1]);
  else if (!strcmp(fam, "beta")) *c = -urn_lbeta(x[1], x[2]);
  else if (!strcmp(fam, "chi_square")) *c = -0.5 * x[1] * log(2) - urn_lgamma(0.5 * x[1]);
  else if (!strcmp(fam, "student_t"))
    *c = urn_log_rising_factorial(0.5 * x[1], 0.5) - 0.5 * log(x[1] * M_PI) - log(x[3]);
  else if (!strcmp(fam, "weibull")) *c = log(x[1]) - x[1] * log(x[2]);
  else if (!strcmp(fam, "uniform")) *c = -log(x[2] - x[1]);
  else return 0;
  return 1;
}

static void test_propto(int *n) {
  for (size_t r = 0; r < sizeof dist_refs / sizeof dist_refs[0]; r++) {
    const dist_ref *ref = &dist_refs[r];
    if (ref->kind != 0) continue;
    const urn_dist *d = urn_dist_find(ref->family);
    call c;
    call_init(&c, d, ref->args);
    double full, prop;
    call_run(&c, d->lpdf, 1, 0, &full, NULL);
    call_run(&c, d->lpdf, 1, 1, &prop, NULL);
    CHECK_NEAR(full - prop, pure_constant(ref->family, ref->args), 1e-12, 1e-12,
               ref->family);
    call_run(&c, d->lpdf, 0, 1, &prop, NULL);
    CHECK(prop == 0, "%s: propto with every argument constant gives 0 (got %g)", ref->family,
          prop);
    *n += 2;
    double cst;
    if (!d->discrete && variate_only_constant(ref->family, ref->args, &cst)) {
      urn_darg a[6];
      call_args(&c, a, 1);
      for (int j = 1; j < c.nargs; j++) a[j].d = NULL;
      d->lpdf(a, 1, &prop, NULL);
      CHECK_NEAR(full - prop, cst, 1e-12, 1e-12, ref->family);
      ++*n;
    }
  }
}

/* ---- broadcasting ---- */
static void test_broadcast(int *n) {
  const double scale[3] = {1.0, 0.93, 1.07};
  for (size_t r = 0; r < sizeof dist_refs / sizeof dist_refs[0]; r++) {
    const dist_ref *ref = &dist_refs[r];
    if (ref->kind != 0 && ref->kind != 1) continue;
    const urn_dist *d = urn_dist_find(ref->family);
    if (d->multivariate) continue;
    urn_dist_fn fn = kind_fn(d, ref->kind);
    for (int jv = 0; jv < d->nargs; jv++) {
      if (!strcmp(ref->family, "uniform") && jv > 0) continue; /* keep y inside the bounds */
      if (d->args[jv].kind == URN_DA_INT || d->args[jv].kind == URN_DA_REAL) continue; /* not vectorized */
      /* argument jv becomes a vector of 3 nearby values */
      call c;
      call_init(&c, d, ref->args);
      c.n[jv] = 3;
      for (int k = 0; k < 3; k++) {
        c.v[jv][k] = ref->args[jv] * scale[k];
        if (d->args[jv].constraint[0] == 'i') c.v[jv][k] = ref->args[jv] * (1 - 0.02 * k);
        c.iv[jv][k] = c.iv[jv][0] + (k == 2 && jv == 0 && ref->args[jv] > 0 ? -1 : 0);
      }
      double vec;
      if (call_run(&c, fn, 1, 0, &vec, NULL) != URN_OK || !isfinite(vec)) continue;
      double sum = 0, gsum[6] = {0};
      int ok = 1;
      for (int k = 0; k < 3; k++) {
        call s;
        call_init(&s, d, ref->args);
        s.v[jv][0] = c.v[jv][k];
        s.iv[jv][0] = c.iv[jv][k];
        double v;
        if (call_run(&s, fn, 1, 0, &v, NULL) != URN_OK) ok = 0;
        sum += v;
        for (int j = 0; j < d->nargs; j++) {
          if (j == jv) {
            if (!s.is_int[j]) ok &= test_near(c.g[j][k], s.g[j][0], 1e-12, 1e-14);
          } else {
            gsum[j] += s.g[j][0];
          }
        }
      }
      for (int j = 0; j < d->nargs; j++)
        if (j != jv && !c.is_int[j]) ok &= test_near(c.g[j][0], gsum[j], 1e-12, 1e-14);
      if (ref->kind == 1 && d->cdf) {
        /* cdf of vectors is the product */
        double p;
        call_run(&c, d->cdf, 0, 0, &p, NULL);
        ok &= test_near(p, exp(sum), 1e-10, 1e-300);
      }
      CHECK(ok && test_near(vec, sum, 1e-12, 1e-12),
            "%s kind %d: vector argument %d sums (%.17g vs %.17g) and partials match",
            ref->family, ref->kind, jv, vec, sum);
      ++*n;
    }
  }
  /* size mismatch and empty arguments */
  const urn_dist *d = urn_dist_find("normal");
  double y[3] = {1, 2, 3}, mu[2] = {0, 1}, s = 1, out = 5;
  urn_darg a[3] = {urn_darg_reals(y, 3, NULL), urn_darg_reals(mu, 2, NULL),
                   urn_darg_reals(&s, 1, NULL)};
  urn_error e;
  CHECK(d->lpdf(a, 0, &out, &e) == URN_EREJECT && strstr(e.msg, "must match in size"),
        "size mismatch: %s", e.msg);
  a[1].n = 0;
  CHECK(d->lpdf(a, 0, &out, &e) == URN_OK && out == 0, "an empty argument gives 0");
  *n += 2;
}

/* ---- support (-inf) and domain errors ---- */
typedef struct bad_case {
  const char *family; /* family */
  double args[4];     /* arguments */
  int reject;         /* 1: URN_EREJECT expected, 0: -inf expected */
  const char *msg;    /* expected message fragment (reject) */
} bad_case;

static const bad_case bad_cases[] = {
    {"normal", {0, 0, 0}, 1, "normal_lpdf: Scale parameter is 0, but must be positive finite!"},
    {"normal", {0, INFINITY, 1}, 1, "normal_lpdf: Location parameter is inf, but must be finite!"},
    {"normal", {NAN, 0, 1}, 1, "normal_lpdf: Random variable is nan, but must be not nan!"},
    {"std_normal", {NAN}, 1, "std_normal_lpdf: Random variable is nan"},
    {"student_t", {0, -1, 0, 1}, 1, "student_t_lpdf: Degrees of freedom parameter is -1, but must be positive finite!"},
    {"cauchy", {0, 0, -2}, 1, "cauchy_lpdf: Scale parameter is -2"},
    {"double_exponential", {0, 0, 0}, 1, "double_exponential_lpdf: Scale parameter is 0"},
    {"logistic", {0, 0, 0}, 1, "logistic_lpdf: Scale parameter is 0"},
    {"lognormal", {-1, 0, 1}, 0, ""},
    {"lognormal", {0, 0, 1}, 0, ""},
    {"lognormal", {1, 0, 0}, 1, "lognormal_lpdf: Scale parameter is 0"},
    {"exponential", {-0.5, 1}, 0, ""},
    {"exponential", {1, 0}, 1, "exponential_lpdf: Inverse scale parameter is 0, but must be positive finite!"},
    {"gamma", {-1, 2, 2}, 0, ""},
    {"gamma", {1, 0, 2}, 1, "gamma_lpdf: Shape parameter is 0"},
    {"gamma", {1, 2, -1}, 1, "gamma_lpdf: Inverse scale parameter is -1"},
    {"inv_gamma", {0, 2, 2}, 0, ""},
    {"inv_gamma", {1, 2, 0}, 1, "inv_gamma_lpdf: Scale parameter is 0"},
    {"weibull", {-1, 2, 2}, 0, ""},
    {"weibull", {1, -2, 2}, 1, "weibull_lpdf: Shape parameter is -2"},
    {"beta", {1.5, 2, 2}, 0, ""},
    {"beta", {-0.1, 2, 2}, 0, ""},
    {"beta", {0.5, 0, 2}, 1, "beta_lpdf: First shape parameter is 0"},
    {"beta", {0.5, 2, INFINITY}, 1, "beta_lpdf: Second shape parameter is inf"},
    {"beta_proportion", {1.5, 0.5, 2}, 0, ""},
    {"beta_proportion", {0.5, 1, 2}, 1, "beta_proportion_lpdf: Location parameter is 1, but must be in the interval (0, 1)!"},
    {"uniform", {3, 0, 2}, 0, ""},
    {"uniform", {-1, 0, 2}, 0, ""},
    {"uniform", {1, 2, 0}, 1, "uniform_lpdf: Upper bound parameter is 0, but must be greater than 2"},
    {"chi_square", {-1, 2}, 0, ""},
    {"chi_square", {1, 0}, 1, "chi_square_lpdf: Degrees of freedom parameter is 0"},
    {"inv_chi_square", {-1, 2}, 0, ""},
    {"scaled_inv_chi_square", {-1, 2, 1}, 0, ""},
    {"scaled_inv_chi_square", {1, 2, 0}, 1, "scaled_inv_chi_square_lpdf: Scale parameter is 0"},
    {"von_mises", {0, 0, -1}, 1, "von_mises_lpdf: Scale parameter is -1, but must be nonnegative!"},
    {"poisson", {-1, 2}, 0, ""},
    {"poisson", {1, 0}, 0, ""},
    {"poisson", {1, -1}, 1, "poisson_lpmf: Rate parameter is -1, but must be nonnegative!"},
    {"poisson_log", {-2, 0}, 0, ""},
    {"poisson_log", {1, NAN}, 1, "poisson_log_lpmf: Log rate parameter is nan"},
    {"binomial", {4, 3, 0.5}, 0, ""},
    {"binomial", {-1, 3, 0.5}, 0, ""},
    {"binomial", {1, 3, 1.5}, 1, "binomial_lpmf: Probability parameter is 1.5, but must be in the interval [0, 1]!"},
    {"binomial", {1, -3, 0.5}, 1, "binomial_lpmf: Population size parameter is -3, but must be nonnegative!"},
    {"binomial_logit", {4, 3, 0.5}, 0, ""},
    {"bernoulli", {2, 0.5}, 0, ""},
    {"bernoulli", {1, -0.5}, 1, "bernoulli_lpmf: Probability parameter is -0.5"},
    {"bernoulli_logit", {-1, 0.5}, 0, ""},
    {"neg_binomial_2", {-1, 2, 2}, 0, ""},
    {"neg_binomial_2", {1, 0, 2}, 1, "neg_binomial_2_lpmf: Location parameter is 0"},
    {"neg_binomial_2", {1, 2, 0}, 1, "neg_binomial_2_lpmf: Precision parameter is 0"},
    {"neg_binomial_2_log", {1, 2, -1}, 1, "neg_binomial_2_log_lpmf: Precision parameter is -1"},
    {"beta_binomial", {6, 5, 1, 1}, 0, ""},
    {"beta_binomial", {1, 5, 0, 1}, 1, "beta_binomial_lpmf: First prior sample size parameter is 0"},
    {"pareto", {0.5, 1, 2}, 0, ""},
    {"pareto", {2, 0, 2}, 1, "pareto_lpdf: Scale parameter is 0, but must be positive finite!"},
    {"pareto_type_2", {-1, 0, 1, 2}, 1, "pareto_type_2_lpdf: Random variable is -1, but must be greater than or equal to 0"},
    {"pareto_type_2", {1, 0, 1, -2}, 1, "pareto_type_2_lpdf: Shape parameter is -2, but must be positive finite!"},
    {"gumbel", {0, 0, 0}, 1, "gumbel_lpdf: Scale parameter is 0, but must be positive finite!"},
    {"frechet", {-1, 2, 1}, 1, "frechet_lpdf: Random variable is -1, but must be positive!"},
    {"rayleigh", {0, 1}, 1, "rayleigh_lpdf: Random variable is 0, but must be positive!"},
    {"loglogistic", {1, 0, 1}, 1, "loglogistic_lpdf: Scale parameter is 0, but must be positive finite!"},
    {"skew_normal", {0, 0, 1, INFINITY}, 1, "skew_normal_lpdf: Shape parameter is inf, but must be finite!"},
    {"skew_double_exponential", {0, 0, 1, 1.5}, 1,
     "skew_double_exponential_lpdf: Skewness parameter is 1.5, but must be in the interval [0, 1]!"},
    {"exp_mod_normal", {0, 0, 1, 0}, 1, "exp_mod_normal_lpdf: Inv_scale parameter is 0, but must be positive finite!"},
    {"neg_binomial", {-1, 2, 2}, 0, ""},
    {"neg_binomial", {1, 2, 0}, 1, "neg_binomial_lpmf: Inverse scale parameter is 0, but must be positive finite!"},
    {"beta_neg_binomial", {-1, 2, 2, 2}, 1, "beta_neg_binomial_lpmf: Failures variable is -1, but must be nonnegative!"},
    {"beta_neg_binomial", {1, 2, 0, 2}, 1, "beta_neg_binomial_lpmf: Prior success parameter is 0"},
    {"yule_simon", {0, 2}, 1, "yule_simon_lpmf: Outcome variable is 0, but must be greater than or equal to 1"},
    {"discrete_range", {8, 1, 7}, 0, ""},
    {"discrete_range", {3, 5, 2}, 1, "discrete_range_lpmf: Upper bound parameter is 2, but must be greater than or equal to 5"},
    {"hypergeometric", {5, 6, 4, 3}, 1, "hypergeometric_lpmf: Successes variable is 5, but must be in the interval [0, 4]"},
    {"hypergeometric", {1, 9, 4, 3}, 1, "hypergeometric_lpmf: Draws parameter is 9, but must be in the interval [0, 7]"},
};

static void test_support_and_errors(int *n) {
  for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
    const bad_case *b = &bad_cases[i];
    const urn_dist *d = urn_dist_find(b->family);
    call c;
    call_init(&c, d, b->args);
    double v = 0;
    urn_error e;
    urn_error_clear(&e);
    int st = call_run(&c, d->lpdf, 1, 0, &v, &e);
    if (b->reject)
      CHECK(st == URN_EREJECT && strstr(e.msg, b->msg), "%s case %zu: got %d '%s', want '%s'",
            b->family, i, st, e.msg, b->msg);
    else
      CHECK(st == URN_OK && v == -INFINITY, "%s case %zu: -inf outside the support (got %g)",
            b->family, i, v);
    ++*n;
  }
  /* an error in the second element names its index */
  double y = 0, mu = 0, s[2] = {1, -1}, out;
  urn_darg a[3] = {urn_darg_reals(&y, 1, NULL), urn_darg_reals(&mu, 1, NULL),
                   urn_darg_reals(s, 2, NULL)};
  urn_error e;
  CHECK(urn_dist_find("normal")->lpdf(a, 0, &out, &e) == URN_EREJECT &&
            strstr(e.msg, "normal_lpdf: Scale parameter[2] is -1, but must be positive finite!"),
        "indexed message: %s", e.msg);
  /* von_mises CDFs take y in [-pi, pi], as in Stan */
  double yv = 4, mv = 0, kv = 1;
  urn_darg va[3] = {urn_darg_reals(&yv, 1, NULL), urn_darg_reals(&mv, 1, NULL), urn_darg_reals(&kv, 1, NULL)};
  CHECK(urn_dist_find("von_mises")->lcdf(va, 0, &out, &e) == URN_EREJECT &&
            strstr(e.msg, "von_mises_lcdf: Random variable is 4, but must be in the interval [-3.14159, 3.14159]"),
        "von_mises_lcdf domain: %s", e.msg);
  *n += 1;
  /* CDFs check too */
  CHECK(urn_dist_find("normal")->lcdf(a, 0, &out, &e) == URN_EREJECT &&
            strstr(e.msg, "normal_lcdf: Scale parameter[2] is -1"),
        "lcdf message: %s", e.msg);
  *n += 2;
}

/* ---- the boundary of the support gives the limit, not NaN ---- */
static void test_boundary(int *n) {
  static const struct {
    const char *family; /* family */
    double args[3];     /* arguments, variate on the boundary */
    double want;        /* the limit of the log density */
  } cases[] = {
      {"gamma", {0, 1, 2}, 0.69314718055994531},
      {"beta", {0, 1, 3}, 1.0986122886681098},
      {"beta", {1, 3, 1}, 1.0986122886681098},
      {"weibull", {0, 1, 2}, -0.69314718055994531},
      {"chi_square", {0, 2}, -0.69314718055994531},
      {"exponential", {0, 2}, 0.69314718055994531},
      {"uniform", {2, 0, 2}, -0.69314718055994531},
      {"beta_proportion", {0, 0.25, 4}, 1.0986122886681098},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const urn_dist *d = urn_dist_find(cases[i].family);
    call c;
    call_init(&c, d, cases[i].args);
    double v = NAN;
    call_run(&c, d->lpdf, 0, 0, &v, NULL);
    CHECK_NEAR(v, cases[i].want, 1e-14, 1e-14, cases[i].family);
    ++*n;
  }
}

/* ---- CDF extremes and consistency ---- */
static void test_cdf_consistency(int *n) {
  for (size_t r = 0; r < sizeof dist_refs / sizeof dist_refs[0]; r++) {
    const dist_ref *ref = &dist_refs[r];
    if (ref->kind != 1) continue;
    const urn_dist *d = urn_dist_find(ref->family);
    call c;
    call_init(&c, d, ref->args);
    double lp, lq;
    call_run(&c, d->lcdf, 0, 0, &lp, NULL);
    call_run(&c, d->lccdf, 0, 0, &lq, NULL);
    CHECK_NEAR(exp(lp) + exp(lq), 1, 1e-12, 0, ref->family);
    ++*n;
  }
  /* far lower tail of the normal: log Phi(-40) */
  double y = -40, mu = 0, s = 1, g[1] = {0}, out;
  urn_darg a[3] = {urn_darg_reals(&y, 1, g), urn_darg_reals(&mu, 1, NULL),
                   urn_darg_reals(&s, 1, NULL)};
  urn_dist_find("normal")->lcdf(a, 0, &out, NULL);
  CHECK_NEAR(out, -804.60844201375379, 1e-12, 0, "normal_lcdf(-40)");
  CHECK_NEAR(g[0], 40.024968847207264, 1e-10, 0, "d normal_lcdf(-40) / dy ~ -y - 1/y");
  *n += 2;
}

/* ---- lookups ---- */
static void test_lookup(int *n) {
  urn_dist_fnkind k;
  const urn_dist *d = urn_dist_find_function("normal_lupdf", &k);
  CHECK(d && !strcmp(d->name, "normal") && k == URN_DF_LUPDF, "normal_lupdf");
  d = urn_dist_find_function("poisson_lpmf", &k);
  CHECK(d && !strcmp(d->name, "poisson") && k == URN_DF_LPDF, "poisson_lpmf");
  CHECK(urn_dist_find_function("poisson_lpdf", &k) == NULL, "poisson_lpdf does not exist");
  CHECK(urn_dist_find_function("normal_lpmf", &k) == NULL, "normal_lpmf does not exist");
  CHECK(urn_dist_find_function("poisson_log_lcdf", &k) == NULL, "poisson_log_lcdf does not exist");
  d = urn_dist_find_function("neg_binomial_2_log_rng", &k);
  CHECK(d && !strcmp(d->name, "neg_binomial_2_log") && k == URN_DF_RNG, "neg_binomial_2_log_rng");
  d = urn_dist_find_function("beta_proportion_lccdf", &k);
  CHECK(d && k == URN_DF_LCCDF, "beta_proportion_lccdf");
  CHECK(urn_dist_find_function("beta_proportion_cdf", &k) == NULL, "no beta_proportion_cdf");
  CHECK(urn_dist_find_function("nosuch_lpdf", &k) == NULL, "unknown family");
  static const char *const required[] = {
      "normal", "std_normal", "normal_id_glm", "student_t", "cauchy", "double_exponential",
      "logistic", "lognormal", "exponential", "gamma", "inv_gamma", "weibull", "beta",
      "beta_proportion", "uniform", "chi_square", "inv_chi_square", "scaled_inv_chi_square",
      "von_mises", "dirichlet", "multi_normal", "multi_normal_cholesky", "lkj_corr_cholesky",
      "poisson", "poisson_log", "binomial", "binomial_logit", "bernoulli", "bernoulli_logit",
      "bernoulli_logit_glm", "categorical", "categorical_logit", "neg_binomial_2",
      "neg_binomial_2_log", "beta_binomial", "ordered_logistic", "pareto", "pareto_type_2", "gumbel", "frechet",
      "rayleigh", "loglogistic", "skew_normal", "skew_double_exponential", "exp_mod_normal", "neg_binomial",
      "beta_neg_binomial", "yule_simon", "discrete_range", "hypergeometric", "multinomial", "multinomial_logit",
      "dirichlet_multinomial", "ordered_probit", "poisson_log_glm", "neg_binomial_2_log_glm", "binomial_logit_glm",
      "ordered_logistic_glm", "categorical_logit_glm", "multi_normal_prec", "multi_student_t",
      "multi_student_t_cholesky", "multi_gp", "multi_gp_cholesky", "wishart", "wishart_cholesky", "inv_wishart",
      "inv_wishart_cholesky", "lkj_corr", "lkj_cov", "wiener", "gaussian_dlm_obs"};
  size_t nreq = sizeof required / sizeof required[0];
  for (size_t i = 0; i < nreq; i++)
    CHECK(urn_dist_find(required[i]) != NULL, "table has %s", required[i]);
  /* distinct names (a name may have several overloads: wiener) */
  size_t distinct = 0;
  for (const urn_dist *d = urn_dist_table; d->name; d++) {
    const urn_dist *f = urn_dist_find(d->name);
    distinct += f == d;
  }
  CHECK(distinct == nreq, "table has %zu families (%zu listed)", distinct, nreq);
  *n += 10 + (int)nreq;
}

/* ---- CDF partials in the shape parameters inside incomplete gamma/beta functions, against mpmath ---- */
static void test_cdf_shape_partials(int *npartial) {
  for (size_t r = 0; r < sizeof cdf_grad_refs / sizeof cdf_grad_refs[0]; r++) {
    const cdf_grad_ref *ref = &cdf_grad_refs[r];
    const urn_dist *d = urn_dist_find(ref->family);
    CHECK(d != NULL && d->lcdf && d->lccdf, "family %s has lcdf and lccdf", ref->family);
    if (!d || !d->lcdf || !d->lccdf) continue;
    for (int kind = 1; kind <= 2; kind++) {
      call c;
      call_init(&c, d, ref->args);
      double v, want = kind == 1 ? ref->dlcdf : ref->dlccdf;
      int st = call_run(&c, kind == 1 ? d->lcdf : d->lccdf, 1, 0, &v, NULL);
      char what[128];
      snprintf(what, sizeof what, "%s %s d/d%s at row %zu", ref->family, kind == 1 ? "lcdf" : "lccdf",
               d->args[ref->j].name, r);
      CHECK(st == URN_OK, "%s: status %d", what, st);
      CHECK_NEAR(c.g[ref->j][0], want, ref->rtol, 1e-300, what);
      ++*npartial;
    }
  }
}

int main(void) {
  int nv = 0, np = 0, npr = 0, nb = 0, ns = 0, nc = 0, nl = 0;
  test_reference_values(&nv, &np);
  test_cdf_shape_partials(&np);
  test_propto(&npr);
  test_broadcast(&nb);
  test_support_and_errors(&ns);
  test_cdf_consistency(&nc);
  test_boundary(&ns);
  test_lookup(&nl);
  printf("univariate: %d value checks, %d partial checks, %d propto, %d broadcast, "
         "%d support/error, %d cdf consistency, %d lookup\n",
         nv, np, npr, nb, ns, nc, nl);
  return test_done();
}
