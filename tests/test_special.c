/* tests/test_special.c — special functions against the mpmath table of
 * tests/data/gen_special.py (relative tolerance max(1e-12, 8 eps cond) per
 * row), plus limits, domain errors and identities that need no table.
 * Prints the worst relative error of each function (URN_TEST_VERBOSE=1). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "math/special.h"
#include "data/special_table.h"

static double eval_row(const special_row *r) {
  const double *a = r->arg;
  const char *f = r->fn;
  if (!strcmp(f, "lgamma")) return urn_lgamma(a[0]);
  if (!strcmp(f, "digamma")) return urn_digamma(a[0]);
  if (!strcmp(f, "trigamma")) return urn_trigamma(a[0]);
  if (!strcmp(f, "lbeta")) return urn_lbeta(a[0], a[1]);
  if (!strcmp(f, "lchoose")) return urn_lchoose(a[0], a[1]);
  if (!strcmp(f, "lmgamma")) return urn_lmgamma((int)a[0], a[1]);
  if (!strcmp(f, "log1p_exp")) return urn_log1p_exp(a[0]);
  if (!strcmp(f, "log1m_exp")) return urn_log1m_exp(a[0]);
  if (!strcmp(f, "log1m")) return urn_log1m(a[0]);
  if (!strcmp(f, "log_diff_exp")) return urn_log_diff_exp(a[0], a[1]);
  if (!strcmp(f, "log_sum_exp2")) return urn_log_sum_exp2(a[0], a[1]);
  if (!strcmp(f, "log_sum_exp3")) return urn_log_sum_exp(a, 3);
  if (!strcmp(f, "log_mix")) return urn_log_mix(a[0], a[1], a[2]);
  if (!strcmp(f, "logit")) return urn_logit(a[0]);
  if (!strcmp(f, "inv_logit")) return urn_inv_logit(a[0]);
  if (!strcmp(f, "log_inv_logit")) return urn_log_inv_logit(a[0]);
  if (!strcmp(f, "log1m_inv_logit")) return urn_log1m_inv_logit(a[0]);
  if (!strcmp(f, "Phi")) return urn_Phi(a[0]);
  if (!strcmp(f, "Phi_approx")) return urn_Phi_approx(a[0]);
  if (!strcmp(f, "inv_Phi")) return urn_inv_Phi(a[0]);
  if (!strcmp(f, "log_Phi")) return urn_log_Phi(a[0]);
  if (!strcmp(f, "erf")) return urn_erf(a[0]);
  if (!strcmp(f, "erfc")) return urn_erfc(a[0]);
  if (!strcmp(f, "inc_beta")) return urn_inc_beta(a[0], a[1], a[2]);
  if (!strcmp(f, "gamma_p")) return urn_gamma_p(a[0], a[1]);
  if (!strcmp(f, "gamma_q")) return urn_gamma_q(a[0], a[1]);
  return NAN;
}

/* worst error per function, as a multiple of the row tolerance and relative */
typedef struct worst {
  const char *fn;   /* function name */
  double rel;       /* worst relative error */
  double ratio;     /* worst error / tolerance */
  int n;            /* rows checked */
} worst;

static void test_table(void) {
  worst w[40];
  int nw = 0;
  size_t nrows = sizeof special_table / sizeof special_table[0];
  for (size_t i = 0; i < nrows; i++) {
    const special_row *r = &special_table[i];
    double got = eval_row(r);
    CHECK_NEAR(got, r->value, r->rtol, r->atol, r->fn);
    if (!test_near(got, r->value, r->rtol, r->atol))
      fprintf(stderr, "    %s(%.17g, %.17g, %.17g)\n", r->fn, r->arg[0], r->arg[1], r->arg[2]);
    int k;
    for (k = 0; k < nw && strcmp(w[k].fn, r->fn); k++) {
    }
    if (k == nw) w[nw++] = (worst){r->fn, 0, 0, 0};
    w[k].n++;
    if (isfinite(r->value) && r->value != 0) {
      double rel = fabs(got - r->value) / fabs(r->value);
      if (rel > w[k].rel) w[k].rel = rel;
      double ratio = fabs(got - r->value) / (r->atol + r->rtol * fabs(r->value));
      if (ratio > w[k].ratio) w[k].ratio = ratio;
      if (getenv("URN_TEST_VERBOSE") && rel > 1e-14)
        printf("  %s(%.17g, %.17g, %.17g): rel %.2e\n", r->fn, r->arg[0], r->arg[1], r->arg[2], rel);
    }
  }
  if (getenv("URN_TEST_VERBOSE"))
    for (int k = 0; k < nw; k++)
      printf("  %-16s %3d rows  worst rel %.2e  (%.2f of tolerance)\n", w[k].fn, w[k].n, w[k].rel, w[k].ratio);
}

static void test_limits_and_domains(void) {
  CHECK(isnan(urn_digamma(0)) && isnan(urn_digamma(-3)), "digamma poles");
  CHECK(isnan(urn_trigamma(-2)), "trigamma pole");
  CHECK(urn_lgamma(0) == INFINITY && urn_lgamma(-4) == INFINITY, "lgamma poles");
  CHECK(urn_log1m_exp(0) == -INFINITY && isnan(urn_log1m_exp(1e-10)), "log1m_exp at 0 and > 0");
  CHECK(urn_log1m_exp(-INFINITY) == 0, "log1m_exp(-inf) = 0");
  CHECK(urn_log1m(1) == -INFINITY && isnan(urn_log1m(1.5)), "log1m at 1 and > 1");
  CHECK(urn_log_sum_exp2(-INFINITY, -INFINITY) == -INFINITY, "log_sum_exp2(-inf, -inf)");
  CHECK(urn_log_sum_exp2(INFINITY, INFINITY) == INFINITY, "log_sum_exp2(inf, inf)");
  CHECK(urn_log_sum_exp(NULL, 0) == -INFINITY, "log_sum_exp of nothing");
  double ninf[3] = {-INFINITY, -INFINITY, -INFINITY};
  CHECK(urn_log_sum_exp(ninf, 3) == -INFINITY, "log_sum_exp of all -inf");
  double withinf[3] = {1, INFINITY, -INFINITY};
  CHECK(urn_log_sum_exp(withinf, 3) == INFINITY, "log_sum_exp with +inf");
  double withnan[3] = {1, NAN, 2};
  CHECK(isnan(urn_log_sum_exp(withnan, 3)), "log_sum_exp with NaN");
  double one = 4.5;
  CHECK(urn_log_sum_exp(&one, 1) == 4.5, "log_sum_exp of one element");
  /* n equal elements: log n + x exactly enough */
  double many[1000];
  for (int i = 0; i < 1000; i++) many[i] = -700;
  CHECK_REL(urn_log_sum_exp(many, 1000), -700 + log(1000.0), 1e-14, "log_sum_exp of 1000 equal values");
  CHECK(urn_log_diff_exp(3, 3) == -INFINITY && isnan(urn_log_diff_exp(1, 2)), "log_diff_exp a == b, a < b");
  CHECK(urn_log_diff_exp(-INFINITY, -INFINITY) == -INFINITY, "log_diff_exp(-inf, -inf)");
  CHECK(urn_log_mix(1, -3, -INFINITY) == -3 && urn_log_mix(0, -INFINITY, -2) == -2, "log_mix at theta 0, 1");
  CHECK(isnan(urn_log_mix(1.5, 0, 0)), "log_mix theta > 1");
  CHECK(urn_logit(0) == -INFINITY && urn_logit(1) == INFINITY && urn_logit(0.5) == 0, "logit at 0, 1/2, 1");
  CHECK(urn_inv_logit(-INFINITY) == 0 && urn_inv_logit(INFINITY) == 1, "inv_logit at +-inf");
  CHECK(urn_Phi(-INFINITY) == 0 && urn_Phi(INFINITY) == 1 && urn_Phi(0) == 0.5, "Phi at -inf, 0, inf");
  CHECK(urn_inv_Phi(0) == -INFINITY && urn_inv_Phi(1) == INFINITY && urn_inv_Phi(0.5) == 0, "inv_Phi at 0, 1/2, 1");
  CHECK(isnan(urn_inv_Phi(-0.1)) && isnan(urn_inv_Phi(1.1)) && isnan(urn_inv_Phi(NAN)), "inv_Phi outside [0, 1]");
  CHECK(urn_log_Phi(-INFINITY) == -INFINITY && urn_log_Phi(INFINITY) == 0, "log_Phi at +-inf");
  CHECK(urn_inc_beta(2, 3, 0) == 0 && urn_inc_beta(2, 3, 1) == 1, "inc_beta at 0 and 1");
  CHECK(isnan(urn_inc_beta(0, 3, 0.5)) && isnan(urn_inc_beta(2, 3, 1.5)), "inc_beta domain");
  CHECK(urn_gamma_p(2, 0) == 0 && urn_gamma_q(2, 0) == 1, "gamma_p/q at x = 0");
  CHECK(urn_gamma_p(2, INFINITY) == 1 && urn_gamma_q(2, INFINITY) == 0, "gamma_p/q at x = inf");
  CHECK(isnan(urn_gamma_p(-1, 2)) && isnan(urn_gamma_q(2, -1)), "gamma_p/q domain");
  CHECK(isnan(urn_lchoose(3, 4)) && urn_lchoose(5, 0) == 0 && urn_lchoose(5, 5) == 0, "lchoose edges");
  CHECK(urn_lbeta(0, 3) == INFINITY && isnan(urn_lbeta(-1, 2)), "lbeta at 0 and < 0");
  CHECK(urn_lmgamma(0, 3.0) == 0, "lmgamma with k = 0");
}

/* identities over a grid: independent of the table */
static void test_identities(void) {
  double worst = 0;
  for (double p = 1e-12; p < 1; p = p * 1.7 + 1e-3) {
    double x = urn_inv_Phi(p);
    double back = x < 0 ? urn_Phi(x) : 1 - urn_Phi(-x);
    double e = fabs(back - p) / p;
    if (e > worst) worst = e;
  }
  /* Phi is ~x^2 conditioned in the tail, so allow 1e-13 * x^2 at |x| ~ 7 */
  CHECK(worst < 1e-12, "Phi(inv_Phi(p)) == p, worst rel %.2e", worst);
  worst = 0;
  for (double a = 0.3; a < 300; a *= 2.3)
    for (double x = 0.05; x < 500; x *= 1.9) {
      double s = urn_gamma_p(a, x) + urn_gamma_q(a, x);
      if (fabs(s - 1) > worst) worst = fabs(s - 1);
    }
  CHECK(worst < 1e-13, "gamma_p + gamma_q == 1, worst %.2e", worst);
  worst = 0;
  for (double a = 0.2; a < 200; a *= 2.7)
    for (double b = 0.2; b < 200; b *= 2.9)
      for (double x = 0.01; x < 1; x += 0.07) {
        double s = urn_inc_beta(a, b, x) + urn_inc_beta(b, a, 1 - x);
        if (fabs(s - 1) > worst) worst = fabs(s - 1);
      }
  CHECK(worst < 1e-13, "I_x(a, b) + I_(1-x)(b, a) == 1, worst %.2e", worst);
  /* digamma recurrence and trigamma as the derivative of digamma */
  worst = 0;
  for (double x = 0.07; x < 50; x *= 1.37) {
    double e = fabs(urn_digamma(x + 1) - urn_digamma(x) - 1 / x) / (1 / x);
    if (e > worst) worst = e;
  }
  CHECK(worst < 1e-13, "digamma(x + 1) - digamma(x) == 1/x, worst %.2e", worst);
  worst = 0;
  for (double x = 0.2; x < 100; x *= 1.5) {
    double h = 1e-5 * x;
    double fd = (urn_digamma(x + h) - urn_digamma(x - h)) / (2 * h);
    double e = fabs(fd - urn_trigamma(x)) / urn_trigamma(x);
    if (e > worst) worst = e;
  }
  CHECK(worst < 1e-7, "trigamma == d digamma / dx (finite difference), worst %.2e", worst);
  worst = 0;
  for (double x = 0.2; x < 100; x *= 1.5) {
    double h = 1e-5 * x;
    double fd = (urn_lgamma(x + h) - urn_lgamma(x - h)) / (2 * h);
    double e = fabs(fd - urn_digamma(x)) / fmax(1, fabs(urn_digamma(x)));
    if (e > worst) worst = e;
  }
  CHECK(worst < 1e-8, "digamma == d lgamma / dx (finite difference), worst %.2e", worst);
}

int main(void) {
  test_table();
  test_limits_and_domains();
  test_identities();
  return test_done();
}
