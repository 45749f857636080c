/* tests/test_dist_cdfgrad.c — analytic parameter partials of beta_neg_binomial's lcdf and lccdf (the ratio
 * recursion of the finite sum, or the derivatives of the upper tail's integrand) against mpmath
 * (tests/data/dist_cdfgrad_table.h, made by tests/data/gen_dist_cdfgrad.py) and against central finite
 * differences of the log CDF itself. */
#include <string.h>
#include "harness.h"
#include "math/dist.h"
#include "data/dist_cdfgrad_table.h"

/* lcdf (which 0) or lccdf (1) of beta_neg_binomial at row x, its partials into g[1..3]. */
static double bnb_call(const urn_dist *d, int which, const double *x, double *g) {
  int n = (int)x[0];
  double v[3] = {x[1], x[2], x[3]}, out = NAN;
  memset(g, 0, 4 * sizeof *g);
  urn_darg a[4] = {urn_darg_ints(&n, 1), urn_darg_reals(&v[0], 1, &g[1]), urn_darg_reals(&v[1], 1, &g[2]),
                   urn_darg_reals(&v[2], 1, &g[3])};
  urn_error e;
  urn_error_clear(&e);
  int st = (which ? d->lccdf : d->lcdf)(a, 0, &out, &e);
  CHECK(st == URN_OK, "beta_neg_binomial call: %s", e.msg);
  return out;
}

int main(void) {
  const urn_dist *d = urn_dist_find("beta_neg_binomial");
  CHECK(d && d->lcdf && d->lccdf, "beta_neg_binomial has lcdf and lccdf");
  if (!d) return test_done();
  double worst = 0, worst_fd = 0;
  for (size_t c = 0; c < sizeof bnb_cdfgrad / sizeof bnb_cdfgrad[0]; c++) {
    const double *row = bnb_cdfgrad[c];
    for (int which = 0; which < 2; which++) {
      double g[4], gp[4], gm[4], x[4];
      double v = bnb_call(d, which, row, g), want = row[4 + 4 * which];
      CHECK(fabs(v - want) <= 1e-11 * fmax(1, fabs(want)), "row %zu %s value %.17g vs %.17g", c, which ? "lccdf" : "lcdf", v, want);
      for (int j = 1; j < 4; j++) {
        double ref = row[4 + 4 * which + j], err = fabs(g[j] - ref) / fmax(1e-3, fabs(ref));
        worst = fmax(worst, err);
        CHECK(err < 1e-10, "row %zu %s d/d arg %d: %.17g vs mpmath %.17g (%.2g)", c, which ? "lccdf" : "lcdf", j, g[j], ref, err);
        memcpy(x, row, sizeof x);
        double h = 1e-5 * x[j];
        x[j] += h;
        double fp = bnb_call(d, which, x, gp);
        x[j] -= 2 * h;
        double fm = bnb_call(d, which, x, gm);
        double fd = (fp - fm) / (2 * h), efd = fabs(fd - g[j]) / fmax(1e-3, fabs(g[j]));
        worst_fd = fmax(worst_fd, efd);
        CHECK(efd < 1e-6, "row %zu %s d/d arg %d vs finite differences: %.17g vs %.17g", c, which ? "lccdf" : "lcdf", j, g[j], fd);
      }
    }
  }
  printf("beta_neg_binomial lcdf/lccdf partials: worst %.2e vs mpmath, %.2e vs finite differences\n", worst, worst_fd);
  return test_done();
}
