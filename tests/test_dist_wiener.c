/* tests/test_dist_wiener.c — the Wiener diffusion model (math/dist_wiener.c):
 * wiener_lpdf in its 4-, 5- and 7-parameter forms and wiener_lcdf_unnorm /
 * wiener_lccdf_unnorm against the mpmath table tests/data/wiener_table.h
 * (tests/data/gen_wiener.py), every partial against central finite
 * differences, the forms' nesting (sv = 0 is the 4-parameter density, sw =
 * st0 = 0 the 5-parameter one, the precision argument changes nothing), the
 * density integrating to the probability of the upper boundary, P + Q equal
 * to that probability, vectorization, Stan's argument errors, and the table
 * lookups of the overloads. */
#include <string.h>
#include "harness.h"
#include "math/dist.h"
#include "math/quad.h"
#include "data/wiener_table.h"

/* The table entry named wiener with nargs arguments that has (cdf = 1) or lacks (0) a density. */
static const urn_dist *entry(int nargs, int cdf_only) {
  for (const urn_dist *d = urn_dist_table; d->name; d++)
    if (!strcmp(d->name, "wiener") && d->nargs == nargs && !!(d->flags & URN_DIST_CDF_ONLY) == cdf_only) return d;
  return NULL;
}

/* Calls fn on scalars x[0..n) with partial buffers g (NULL: none). */
static int call(urn_dist_fn fn, const double *x, int n, double *g, double *out, urn_error *e) {
  urn_darg a[URN_DIST_MAX_ARGS];
  for (int j = 0; j < n; j++) a[j] = urn_darg_reals(&x[j], 1, g ? &g[j] : NULL);
  return fn(a, 0, out, e);
}

/* Checks the partials of fn at x against 4-point central differences. */
static void check_partials(urn_dist_fn fn, const double *x0, int n, int np, double rtol, const char *what) {
  double x[10], g[10] = {0}, v;
  memcpy(x, x0, sizeof(double) * n);
  urn_error e;
  if (call(fn, x, n, g, &v, &e) != URN_OK) {
    CHECK(0, "%s: %s", what, e.msg);
    return;
  }
  for (int j = 0; j < np; j++) {
    double h = 1e-5 * fmax(fabs(x[j]), 0.1), f[4], off[4] = {-2, -1, 1, 2};
    if (j == 5 || j == 6 || j == 7) h = fmin(h, 0.2 * x[j] + 1e-300); /* variabilities stay >= 0 */
    if (h == 1e-300) continue;                                    /* at 0: one-sided, skip */
    for (int t = 0; t < 4; t++) {
      x[j] = x0[j] + off[t] * h;
      call(fn, x, n, NULL, &f[t], NULL);
    }
    x[j] = x0[j];
    double num = (f[0] - 8 * f[1] + 8 * f[2] - f[3]) / (12 * h);
    char msg[128];
    snprintf(msg, sizeof msg, "%s d/darg%d", what, j);
    CHECK_NEAR(g[j], num, rtol, 1e-8, msg);
  }
}

static void test_table(void) {
  for (size_t r = 0; r < sizeof wiener_refs / sizeof wiener_refs[0]; r++) {
    const wiener_ref *w = &wiener_refs[r];
    const urn_dist *d = entry(w->nargs, 0);
    CHECK(d != NULL, "wiener entry with %d arguments", w->nargs);
    if (!d) continue;
    urn_dist_fn fn = w->kind == 0 ? d->lpdf : w->kind == 1 ? d->lcdf : d->lccdf;
    double v;
    urn_error e;
    char what[64];
    snprintf(what, sizeof what, "wiener %d args kind %d row %zu", w->nargs, w->kind, r);
    int st = call(fn, w->args, w->nargs, NULL, &v, &e);
    CHECK(st == URN_OK, "%s: %s", what, st ? e.msg : "");
    /* the 7-parameter density and the CDFs come from quadratures */
    double tol = w->kind == 0 ? (w->nargs == 8 ? 1e-9 : 1e-12) : 1e-9;
    CHECK_NEAR(v, w->value, tol, 1e-12, what);
    /* partials: analytic for the densities (FD step error ~1e-8), numerical for the CDFs */
    check_partials(fn, w->args, w->nargs, w->nargs, w->kind == 0 && w->nargs < 8 ? 1e-6 : 1e-5, what);
  }
}

static void test_nesting(void) {
  const double x4[5] = {0.9, 1.2, 0.2, 0.45, 0.7}, x5[6] = {0.9, 1.2, 0.2, 0.45, 0.7, 0},
               x5p[7] = {0.9, 1.2, 0.2, 0.45, 0.7, 0, 1e-4}, x7[8] = {0.9, 1.2, 0.2, 0.45, 0.7, 0.8, 0, 0},
               x5b[6] = {0.9, 1.2, 0.2, 0.45, 0.7, 0.8}, x7p[9] = {0.9, 1.2, 0.2, 0.45, 0.7, 0.8, 0, 0, 1e-6};
  double a, b;
  call(entry(5, 0)->lpdf, x4, 5, NULL, &a, NULL);
  call(entry(6, 0)->lpdf, x5, 6, NULL, &b, NULL);
  CHECK_NEAR(a, b, 1e-15, 0, "wiener: sv = 0 is the 4-parameter density");
  call(entry(7, 0)->lpdf, x5p, 7, NULL, &b, NULL);
  CHECK_NEAR(a, b, 1e-15, 0, "wiener: the precision argument changes nothing");
  call(entry(6, 0)->lpdf, x5b, 6, NULL, &a, NULL);
  call(entry(8, 0)->lpdf, x7, 8, NULL, &b, NULL);
  CHECK_NEAR(a, b, 1e-15, 0, "wiener: sw = st0 = 0 is the 5-parameter density");
  call(entry(9, 0)->lpdf, x7p, 9, NULL, &b, NULL);
  CHECK_NEAR(a, b, 1e-15, 0, "wiener: 7 parameters with precision");
  const double c4p[6] = {0.9, 1.2, 0.2, 0.45, 0.7, 1e-3};
  call(entry(5, 0)->lcdf, x4, 5, NULL, &a, NULL);
  call(entry(6, 1)->lcdf, c4p, 6, NULL, &b, NULL);
  CHECK_NEAR(a, b, 1e-15, 0, "wiener_lcdf_unnorm with precision");
  const double c7[8] = {0.9, 1.2, 0.2, 0.45, 0.7, 0, 0, 0};
  call(entry(8, 0)->lcdf, c7, 8, NULL, &b, NULL);
  CHECK_NEAR(a, b, 1e-9, 0, "wiener_lcdf_unnorm: the 7-parameter form at sv = sw = st0 = 0");
}

/* exp(log density) over time, for the normalization check. */
static double dens(double t, void *ctx) {
  const double *p = ctx;
  double x[5] = {p[2] + t, p[0], p[2], p[1], p[3]}, v;
  if (t <= 0) return 0;
  call(entry(5, 0)->lpdf, x, 5, NULL, &v, NULL);
  return exp(v);
}

static void test_normalization(void) {
  /* a = 1.3, w = 0.4, t0 = 0.1, v = 0.9: the upper boundary is reached with probability
   * (1 - exp(-2 v a w)) / (1 - exp(-2 v a)) */
  double p[4] = {1.3, 0.4, 0.1, 0.9}, err;
  double mass = urn_quad(dens, p, 0, 2, 1e-13, 0, &err) + urn_quad(dens, p, 2, 60, 1e-13, 0, &err);
  double pu = (1 - exp(-2 * 0.9 * 1.3 * 0.4)) / (1 - exp(-2 * 0.9 * 1.3));
  CHECK_NEAR(mass, pu, 1e-10, 0, "wiener density integrates to P(upper)");
  double x[5] = {0.1 + 0.7, 1.3, 0.1, 0.4, 0.9}, lp, lq;
  call(entry(5, 0)->lcdf, x, 5, NULL, &lp, NULL);
  call(entry(5, 0)->lccdf, x, 5, NULL, &lq, NULL);
  CHECK_NEAR(exp(lp) + exp(lq), pu, 1e-12, 0, "wiener P + Q = P(upper)");
  x[0] = 0.1 + 0.05; /* small time: P from the integral, Q from P(upper) - P */
  call(entry(5, 0)->lcdf, x, 5, NULL, &lp, NULL);
  call(entry(5, 0)->lccdf, x, 5, NULL, &lq, NULL);
  CHECK_NEAR(exp(lp) + exp(lq), pu, 1e-12, 0, "wiener P + Q = P(upper), small time");
}

static void test_vector_and_errors(void) {
  const urn_dist *d = entry(5, 0);
  double y[3] = {0.9, 1.4, 0.5}, a = 1.2, t0 = 0.2, w = 0.45, v = 0.7, gy[3] = {0}, ga = 0, sum = 0, g1[5], s1;
  urn_darg args[5] = {urn_darg_reals(y, 3, gy), urn_darg_reals(&a, 1, &ga), urn_darg_reals(&t0, 1, NULL),
                      urn_darg_reals(&w, 1, NULL), urn_darg_reals(&v, 1, NULL)};
  double out;
  CHECK(d->lpdf(args, 0, &out, NULL) == URN_OK, "vectorized wiener");
  double gasum = 0;
  for (int i = 0; i < 3; i++) {
    double x[5] = {y[i], a, t0, w, v};
    memset(g1, 0, sizeof g1);
    call(d->lpdf, x, 5, g1, &s1, NULL);
    sum += s1, gasum += g1[1];
    CHECK_NEAR(gy[i], g1[0], 1e-14, 0, "vectorized y partial");
  }
  CHECK_NEAR(out, sum, 1e-14, 0, "vectorized wiener sums");
  CHECK_NEAR(ga, gasum, 1e-14, 0, "broadcast a partial sums");
  static const struct {
    int nargs;       /* overload */
    double x[9];     /* arguments */
    const char *msg; /* expected fragment */
  } bad[] = {
      {5, {0.1, 1.2, 0.2, 0.45, 0.7}, "wiener_lpdf: Random variable = 0.1, but must be greater than nondecision time = 0.2"},
      {5, {0.9, -1, 0.2, 0.45, 0.7}, "wiener_lpdf: Boundary separation is -1, but must be positive finite!"},
      {5, {0.9, 1.2, 0.2, 1.0, 0.7}, "wiener_lpdf: A-priori bias is 1, but must be in the interval (0, 1)!"},
      {6, {0.9, 1.2, 0.2, 0.45, 0.7, -0.5}, "wiener_lpdf: Inter-trial variability in drift rate is -0.5, but must be nonnegative!"},
      {8, {0.9, 1.2, 0.2, 0.45, 0.7, 0.5, 0.95, 0}, "Inter-trial variability in A-priori bias is 0.95"},
      {7, {0.9, 1.2, 0.2, 0.45, 0.7, 0.5, -1}, "wiener_lpdf: Precision is -1, but must be positive!"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    urn_error e;
    double o;
    int st = call(entry(bad[i].nargs, 0)->lpdf, bad[i].x, bad[i].nargs, NULL, &o, &e);
    CHECK(st == URN_EREJECT && strstr(e.msg, bad[i].msg), "wiener error %zu: '%s'", i, st ? e.msg : "no error");
  }
}

static void test_lookup(void) {
  urn_dist_fnkind k;
  CHECK(urn_dist_find_function("wiener_lcdf_unnorm", &k) && k == URN_DF_LCDF, "wiener_lcdf_unnorm");
  CHECK(urn_dist_find_function("wiener_lccdf_unnorm", &k) && k == URN_DF_LCCDF, "wiener_lccdf_unnorm");
  CHECK(urn_dist_find_function("wiener_lcdf", &k) == NULL, "no wiener_lcdf (Stan's name is _unnorm)");
  CHECK(urn_dist_find_function("wiener_lpdf", &k) && k == URN_DF_LPDF, "wiener_lpdf");
  CHECK(urn_dist_find_function("wiener_rng", &k) == NULL, "no wiener_rng");
  int n = 0;
  for (const urn_dist *d = urn_dist_table; d->name; d++) n += !strcmp(d->name, "wiener");
  CHECK(n == 6, "six wiener overloads (%d)", n);
}

/* The 4-parameter CDFs' partials are analytic (the density's integral differentiated under the integral sign):
 * against 6-point central differences with Richardson extrapolation of the value, over both of the value's
 * branches (t / a^2 below and above 0.3), drifts of both signs and zero, biases near both ends. */
static void test_cdf_partials(void) {
  static const double pts[][5] = {
      {0.9, 1.2, 0.2, 0.45, 0.7},  {0.25, 1.2, 0.2, 0.45, 0.7}, {3.0, 0.8, 0.1, 0.3, 0.0},
      {1.5, 2.0, 0.3, 0.6, -1.1},  {0.35, 1.0, 0.3, 0.5, 2.0},  {0.6, 1.5, 0.55, 0.05, 0.5},
      {0.6, 1.5, 0.25, 0.95, -0.5}, {5.0, 1.0, 0.0, 0.5, 1.5},  {0.31, 1.0, 0.3, 0.5, 0.3},
  };
  double worst = 0;
  for (size_t r = 0; r < sizeof pts / sizeof pts[0]; r++)
    for (int kind = 1; kind <= 2; kind++) {
      urn_dist_fn fn = kind == 1 ? entry(5, 0)->lcdf : entry(5, 0)->lccdf;
      double x[5], g[5] = {0}, v;
      memcpy(x, pts[r], sizeof x);
      call(fn, x, 5, g, &v, NULL);
      for (int j = 0; j < 5; j++) {
        /* Richardson: D(h) = (f(x+h) - f(x-h)) / 2h and D(h/2), combined to O(h^4); two levels */
        double h = 1e-3 * fmax(fabs(x[j]), 0.1), D[3];
        if (j == 3) h = fmin(h, 0.3 * fmin(x[j], 1 - x[j]));
        if (j == 2 && x[2] == 0) continue; /* t0 = 0: one-sided */
        for (int k = 0; k < 3; k++) {
          double hk = h / (1 << k), fp, fm;
          x[j] = pts[r][j] + hk, call(fn, x, 5, NULL, &fp, NULL);
          x[j] = pts[r][j] - hk, call(fn, x, 5, NULL, &fm, NULL);
          x[j] = pts[r][j];
          D[k] = (fp - fm) / (2 * hk);
        }
        double R1 = (4 * D[1] - D[0]) / 3, R2 = (4 * D[2] - D[1]) / 3, num = (16 * R2 - R1) / 15;
        double rel = fabs(g[j] - num) / fmax(fabs(num), 1e-3);
        if (rel > worst) worst = rel;
        char what[64];
        snprintf(what, sizeof what, "wiener %s row %zu d/darg%d", kind == 1 ? "lcdf" : "lccdf", r, j);
        CHECK_NEAR(g[j], num, 1e-8, 1e-11, what);
      }
    }
  printf("wiener 4-parameter CDF partials: worst relative difference %.2g from Richardson differences\n", worst);
}

int main(void) {
  test_cdf_partials();
  test_table();
  test_nesting();
  test_normalization();
  test_vector_and_errors();
  test_lookup();
  return test_done();
}
