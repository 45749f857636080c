/* tests/test_special_dist.c — the numerical pieces added for the
 * distributions: the adaptive Gauss–Kronrod quadrature of math/quad.h (exact
 * on polynomials of degree <= 22 on one panel, error control on peaked and
 * singular-derivative integrands), the scaled complementary error function
 * urn_erfcx, Owen's T (urn_owens_t, urn_owens_t_scaled), the log rising factorial, the gamma and beta
 * saddle-point prefixes and both tails of the incomplete beta (urn_inc_beta_pq) against the mpmath
 * table tests/data/special_dist_table.h (tests/data/gen_special_dist.py), and
 * their symmetries and limits. */
#include <string.h>
#include "harness.h"
#include "math/quad.h"
#include "math/special.h"
#include "data/special_dist_table.h"

static double poly(double x, void *ctx) {
  int deg = *(int *)ctx;
  return pow(x, deg);
}
static double peaked(double x, void *ctx) { return exp(-1e4 * (x - 0.3) * (x - 0.3)); }
static double sqrt_fn(double x, void *ctx) { return sqrt(x); }

static void test_quad(void) {
  /* the 15-point Kronrod rule integrates x^d exactly for d <= 22 (one panel: the Gauss error estimate is
   * exact up to degree 13, so the loop stops at once) */
  for (int d = 0; d <= 22; d++) {
    double err, v = urn_quad(poly, &d, -1, 1, 1e-15, 0, &err);
    double want = d % 2 ? 0 : 2.0 / (d + 1);
    CHECK_NEAR(v, want, 1e-14, 1e-15, "integral of x^d on [-1, 1]");
  }
  double err, v = urn_quad(peaked, NULL, 0, 1, 1e-13, 0, &err);
  CHECK_NEAR(v, sqrt(M_PI / 1e4), 1e-12, 0, "narrow Gaussian peak");
  v = urn_quad(sqrt_fn, NULL, 0, 1, 1e-12, 0, &err);
  CHECK_NEAR(v, 2.0 / 3, 1e-11, 0, "sqrt on [0, 1] (infinite derivative at 0)");
  v = urn_quad(sqrt_fn, NULL, 1, 0, 1e-12, 0, &err);
  CHECK_NEAR(v, -2.0 / 3, 1e-11, 0, "reversed bounds give the negative");
  CHECK(urn_quad(sqrt_fn, NULL, 0.5, 0.5, 1e-12, 0, &err) == 0 && err == 0, "empty interval");
}

static void test_table(void) {
  double worst_x = 0, worst_t = 0, worst_o = 0;
  for (size_t i = 0; i < sizeof sd_refs / sizeof sd_refs[0]; i++) {
    const sd_ref *r = &sd_refs[i];
    double v, tol = 4e-15;
    if (!strcmp(r->fn, "erfcx")) {
      v = urn_erfcx(r->x[0]);
      /* below 0, erfcx = 2 exp(x^2) - erfcx(-x): exp(x^2) has condition 2 x^2 */
      tol = r->x[0] < 0 ? fmax(4e-16 * 2 * r->x[0] * r->x[0], 1e-15) : 2e-15;
    } else if (!strcmp(r->fn, "owens_t")) {
      v = urn_owens_t(r->x[0], r->x[1]);
      tol = 1e-14;
    } else if (!strcmp(r->fn, "lrf")) {
      v = urn_log_rising_factorial(r->x[0], r->x[1]);
    } else if (!strcmp(r->fn, "lgp")) {
      v = urn_log_gamma_prefix(r->x[0], r->x[1]);
      tol = 1e-13;
    } else if (!strcmp(r->fn, "lbp")) {
      v = urn_log_beta_prefix(r->x[0], r->x[1], r->x[2], 1 - r->x[2]);
      tol = 1e-13;
    } else { /* ibp / ibq: both tails of I given y = 1 - x */
      double P, Q;
      urn_inc_beta_pq(r->x[0], r->x[1], 1 - r->x[2], r->x[2], &P, &Q);
      v = !strcmp(r->fn, "ibp") ? P : Q;
      tol = 1e-12;
    }
    double rel = r->value != 0 ? fabs(v - r->value) / fabs(r->value) : fabs(v);
    if (!strcmp(r->fn, "erfcx")) worst_x = fmax(worst_x, rel);
    else if (!strcmp(r->fn, "owens_t")) worst_t = fmax(worst_t, rel);
    else worst_o = fmax(worst_o, rel);
    char what[96];
    snprintf(what, sizeof what, "%s(%g, %g, %g)", r->fn, r->x[0], r->x[1], r->x[2]);
    CHECK_NEAR(v, r->value, tol, 1e-300, what);
  }
  printf("worst relative error: erfcx %.2g, owens_t %.2g, log rising factorial / prefixes / inc_beta_pq %.2g\n",
         worst_x, worst_t, worst_o);
}

static void test_identities(void) {
  /* T(h, a) is even in h, odd in a; T(0, a) = atan(a) / 2pi; T(h, 1) = Phi(h) Phi(-h) / 2; T(h, inf) = Phi(-|h|) / 2 */
  const double hs[] = {0.3, 1.7, 4.0, 9.0};
  for (size_t i = 0; i < 4; i++) {
    double h = hs[i];
    CHECK_NEAR(urn_owens_t(-h, 0.6), urn_owens_t(h, 0.6), 1e-15, 0, "T even in h");
    CHECK_NEAR(urn_owens_t(h, -0.6), -urn_owens_t(h, 0.6), 1e-15, 0, "T odd in a");
    /* Phi(-h) itself has relative error ~ eps h^2 (the rounding of h / sqrt 2) */
    CHECK_NEAR(urn_owens_t(h, 1), 0.5 * urn_Phi(h) * urn_Phi(-h), 1e-15 * (1 + h * h), 0, "T(h, 1)");
    CHECK_NEAR(urn_owens_t(h, INFINITY), 0.5 * urn_Phi(-h), 1e-14, 0, "T(h, inf)");
    CHECK_NEAR(urn_owens_t_scaled(h, 2.5) * exp(-0.5 * h * h), urn_owens_t(h, 2.5), 1e-14, 0, "scaled T");
  }
  CHECK_NEAR(urn_owens_t(0, 2), atan(2) / (2 * M_PI), 1e-15, 0, "T(0, a)");
  CHECK(urn_owens_t(3, 0) == 0, "T(h, 0) = 0");
  CHECK(urn_owens_t(50, 2) == 0 && urn_owens_t_scaled(50, 2) > 0, "T underflows at h = 50, the scaled T does not");
  CHECK(isnan(urn_owens_t(NAN, 1)) && isnan(urn_erfcx(NAN)), "NaN in, NaN out");
  CHECK(urn_erfcx(INFINITY) == 0 && urn_erfcx(-30) == INFINITY, "erfcx limits");
  /* erfcx(x) ~ 1 / (x sqrt(pi)) */
  CHECK_NEAR(urn_erfcx(1e300) * 1e300 * sqrt(M_PI), 1, 1e-15, 0, "erfcx(1e300)");
}

int main(void) {
  test_quad();
  test_table();
  test_identities();
  return test_done();
}
