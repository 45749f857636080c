/* tests/test_dist_edge.c — a sweep of every univariate family's lpdf, lcdf,
 * lccdf and cdf over extreme argument values (0, +-1e-300, +-1e300, +-inf,
 * NaN, and for integers -1, 0, large): each call must return URN_OK or
 * URN_EREJECT with a message naming the function, never crash, and an OK
 * result must not be NaN (and its partials must not be NaN when it is
 * finite); likewise every univariate rng.  Run under ASan/UBSan by `make test-asan`. */
#include <string.h>
#include "harness.h"
#include "math/dist.h"

static const double reals[] = {0.3, 0, 1e-300, -1e-300, 1e300, -1e300, INFINITY, -INFINITY, NAN, 1};
static const int ints[] = {0, 1, -1, 3, 1000000};
#define NR (sizeof reals / sizeof reals[0])
#define NI (sizeof ints / sizeof ints[0])

static int ncalls;

/* Calls fn with arg j varied over the extremes, the others at `base`. */
static void sweep(const urn_dist *d, urn_dist_fn fn, const char *suffix) {
  const double base_r[9] = {0.4, 0.6, 0.7, 1.3, 0.5, 0.2, 0.1, 0.1, 1e-4};
  const int base_i[9] = {1, 3, 2, 2, 1, 1, 1, 1, 1};
  char prefix[64];
  snprintf(prefix, sizeof prefix, "%s_%s: ", d->name, suffix);
  for (int j = 0; j < d->nargs; j++) {
    int is_int = d->args[j].kind == URN_DA_INTS || d->args[j].kind == URN_DA_INT;
    size_t nv = is_int ? NI : NR;
    for (size_t t = 0; t < nv; t++) {
      double v[9], g[9] = {0};
      int iv[9];
      urn_darg a[9];
      for (int k = 0; k < d->nargs; k++) {
        v[k] = base_r[k];
        iv[k] = base_i[k];
        if (k == j) {
          v[k] = is_int ? 0 : reals[t];
          iv[k] = is_int ? ints[t] : 0;
        }
        if (d->args[k].kind == URN_DA_INTS || d->args[k].kind == URN_DA_INT)
          a[k] = urn_darg_ints(&iv[k], 1);
        else
          a[k] = urn_darg_reals(&v[k], 1, &g[k]);
      }
      /* keep the beta_binomial CDF's explicit sum small */
      if (!strcmp(d->name, "beta_binomial") && iv[1] > 1000 && fn != d->lpdf) continue;
      double out = 0;
      urn_error e;
      urn_error_clear(&e);
      int st = fn(a, 0, &out, &e);
      int ok;
      if (st == URN_OK) {
        ok = !isnan(out);
        if (isfinite(out))
          for (int k = 0; k < d->nargs; k++) ok &= !isnan(g[k]);
      } else {
        ok = st == URN_EREJECT && strncmp(e.msg, prefix, strlen(prefix)) == 0;
      }
      CHECK(ok, "%s arg %d value %s%g: status %d, value %g, partials %g %g %g %g, '%s'", prefix,
            j, is_int ? "int " : "", is_int ? (double)ints[t] : reals[t], st, out, g[0], g[1],
            g[2], g[3], e.msg);
      ncalls++;
    }
  }
}

/* The rngs with one parameter at a time varied over the extremes. */
static void sweep_rng(const urn_dist *d, urn_rng *r) {
  const double base_r[8] = {0.6, 0.7, 1.3, 1.5, 0.5, 0.2, 0.1, 0.1};
  const int base_i[8] = {3, 3, 2, 2, 2, 2, 2, 2};
  char prefix[64];
  snprintf(prefix, sizeof prefix, "%s_rng: ", d->name);
  int np = d->n_rng_args >= 0 ? d->n_rng_args : d->nargs - 1;
  const urn_dist_argspec *spec = d->n_rng_args >= 0 ? d->rng_args : d->args + 1;
  for (int j = 0; j < np; j++) {
    int is_int = spec[j].kind == URN_DA_INTS || spec[j].kind == URN_DA_INT;
    size_t nv = is_int ? NI : NR;
    for (size_t t = 0; t < nv; t++) {
      double v[8], out = 0;
      int iv[8], iout = 0;
      urn_darg a[8];
      for (int k = 0; k < np; k++) {
        v[k] = base_r[k];
        iv[k] = base_i[k];
        if (k == j) {
          v[k] = is_int ? 0 : reals[t];
          iv[k] = is_int ? ints[t] : 0;
        }
        a[k] = spec[k].kind == URN_DA_INTS || spec[k].kind == URN_DA_INT ? urn_darg_ints(&iv[k], 1)
                                                                         : urn_darg_reals(&v[k], 1, NULL);
      }
      urn_error e;
      urn_error_clear(&e);
      int st = d->rng(r, a, 1, &out, &iout, &e);
      int ok = st == URN_OK ? !isnan(out)
                            : st == URN_EREJECT && strncmp(e.msg, prefix, strlen(prefix)) == 0;
      CHECK(ok, "%s arg %d value %g: status %d, draw %g / %d, '%s'", prefix, j,
            is_int ? (double)ints[t] : reals[t], st, out, iout, e.msg);
      ncalls++;
    }
  }
}

int main(void) {
  urn_rng r;
  urn_rng_seed(&r, 99, 0);
  for (const urn_dist *d = urn_dist_table; d->name; d++)
    if (!d->multivariate && d->rng) sweep_rng(d, &r);
  for (const urn_dist *d = urn_dist_table; d->name; d++) {
    if (d->multivariate) continue;
    if (d->lpdf) sweep(d, d->lpdf, d->discrete ? "lpmf" : "lpdf");
    int un = d->flags & URN_DIST_UNNORM_CDF;
    if (d->lcdf) sweep(d, d->lcdf, un ? "lcdf_unnorm" : "lcdf");
    if (d->lccdf) sweep(d, d->lccdf, un ? "lccdf_unnorm" : "lccdf");
    if (d->cdf) sweep(d, d->cdf, "cdf");
  }
  printf("edge sweep: %d calls\n", ncalls);
  return test_done();
}
