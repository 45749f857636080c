/* tests/test_special_fn.c — the special functions of issue #14 (lang/fn_special.c over math/incgrad.c, bessel.c,
 * lambertw.c, normal_qf.c, hypergeo.c) against tests/data/special_fn_table.h (mpmath at 50 digits, by
 * tests/data/gen_special_fn.py): each row's value within its tolerance (max(1e-13, 8 eps cond) relative) and
 * each partial derivative the built-in puts on the tape within 1e-10 of the row's sensitivity scale
 * |f| + sum_j |x_j df/dx_j| (divided by |x_i|).  The kernels are the ones Stan programs run: looked up in the
 * built-in table by name.  Then the built-ins in programs: gradients against finite differences, argument
 * checks with Stan's messages, vectorised forms.  URN_TEST_VERBOSE=1 prints the worst errors per function. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "data/special_fn_table.h"
#include "fn_probe.h"
#include "lang/builtins.h"
#include "lang/fn.h"
#include "math/hypergeo.h"
#include "math/special.h"

static char msg[4096];

typedef struct worst {
  const char *fn;  /* function */
  double val;      /* worst relative value error */
  double part;     /* worst scaled partial error */
  int n;           /* rows */
} worst;

/* The elementwise kernel of a Stan built-in with nargs scalar arguments (int where isint[i]). */
static const urn_elem_kernel *kernel_of(const char *name, int nargs, const int *isint) {
  urn_type t[4];
  for (int i = 0; i < nargs; i++) t[i] = (urn_type){(unsigned char)(isint[i] ? URN_TY_INT : URN_TY_REAL), 0};
  urn_type ret;
  const urn_builtin *b = urn_builtin_resolve(name, t, nargs, &ret);
  if (!b || (b->fn != urn_fn_elem && b->sfn != urn_fn_elem_s)) return NULL;
  return b->aux;
}

/* Evaluates a row: value into *v, partials into d (NAN where not computed); 0 when the function is unknown. */
static int eval_row(const special_fn_row *r, double *v, double *d) {
  for (int i = 0; i < 6; i++) d[i] = NAN;
  const char *f = r->fn;
  if (!strncmp(f, "hypergeometric_", 15) && strcmp(f, "hypergeometric_1F0") && strcmp(f, "hypergeometric_2F1")) {
    int p = f[15] - '0', q = f[17] - '0';
    double da[8], db[8], dz;
    int st = urn_hyper_pfq_tr(r->arg, p, r->arg + p, q, r->arg[p + q], v, da, db, &dz);
    if (st != URN_HYP_OK) *v = NAN;
    for (int i = 0; i < p; i++) d[i] = da[i];
    for (int j = 0; j < q; j++) d[p + j] = db[j];
    d[p + q] = dz;
    return 1;
  }
  int isint[4] = {0, 0, 0, 0};
  if (!strncmp(f, "bessel_", 7) || !strncmp(f, "modified_bessel_", 16)) isint[0] = 1;
  if (!strcmp(f, "falling_factorial") || !strcmp(f, "rising_factorial")) isint[1] = 1;
  const urn_elem_kernel *k = kernel_of(f, r->nargs, isint);
  if (!k) return 0;
  *v = k->f(r->arg, d);
  for (int i = 0; i < r->nargs; i++) if (isint[i]) d[i] = NAN;
  return 1;
}

static void test_table(void) {
  worst w[40];
  int nw = 0;
  size_t nrows = sizeof special_fn_table / sizeof special_fn_table[0];
  for (size_t i = 0; i < nrows; i++) {
    const special_fn_row *r = &special_fn_table[i];
    double v, d[6];
    if (!eval_row(r, &v, d)) {
      CHECK(0, "%s: no such built-in kernel", r->fn);
      continue;
    }
    int k;
    for (k = 0; k < nw && strcmp(w[k].fn, r->fn); k++) {
    }
    if (k == nw) w[nw++] = (worst){r->fn, 0, 0, 0};
    w[k].n++;
    int ok = test_near(v, r->value, r->rtol, r->atol);
    CHECK(ok, "%s(%.17g, %.17g, %.17g, %.17g): %.17g, want %.17g (rtol %.2g)", r->fn, r->arg[0], r->arg[1], r->arg[2],
          r->arg[3], v, r->value, r->rtol);
    if (isfinite(r->value) && r->value != 0 && r->atol == 0) { /* relative errors away from zeros of f */
      double rel = fabs(v - r->value) / fabs(r->value);
      if (rel > w[k].val) w[k].val = rel;
    }
    double scale = fabs(r->value);
    for (int j = 0; j < r->nargs && j < 6; j++)
      if (isfinite(r->d[j])) scale += fabs(r->d[j] * (r->arg[j] != 0 ? r->arg[j] : 1));
    for (int j = 0; j < r->nargs && j < 6; j++) {
      if (isnan(r->d[j])) continue;
      double xs = r->arg[j] != 0 ? fabs(r->arg[j]) : 1;
      double e = isinf(r->d[j]) || scale == 0 ? (d[j] == r->d[j] ? 0 : INFINITY) : fabs(d[j] - r->d[j]) * xs / scale;
      CHECK(e <= r->ptol, "%s(%.17g, %.17g, %.17g, %.17g): partial %d is %.17g, want %.17g (scaled error %.2g, tolerance %.2g)",
            r->fn, r->arg[0], r->arg[1], r->arg[2], r->arg[3], j + 1, d[j], r->d[j], e, r->ptol);
      if (!(e <= w[k].part)) w[k].part = e;
    }
  }
  if (getenv("URN_TEST_VERBOSE"))
    for (int k = 0; k < nw; k++)
      printf("  %-32s %3d rows  worst value rel %.2e  worst partial (scaled) %.2e\n", w[k].fn, w[k].n, w[k].val,
             w[k].part);
}

static void expect_values(const char *what, const char *src, const double *want, size_t n, double rtol) {
  double got[64];
  long k = probe_gq(src, got, 64, msg, sizeof msg);
  CHECK(k == (long)n, "%s: %ld values (want %zu): %s", what, k, n, msg);
  for (long i = 0; k == (long)n && i < k; i++)
    CHECK(test_near(got[i], want[i], rtol, 1e-300), "%s: value %ld is %.17g, want %.17g", what, i + 1, got[i], want[i]);
}

static void expect_reject(const char *what, const char *src, const char *want) {
  CHECK(probe_reject(src, want, msg, sizeof msg), "%s: rejected with '%s': got '%s'", what, want, msg);
}

static void test_programs(void) {
  /* vectorised forms and ints */
  expect_values("vectorised special functions",
                "generated quantities { vector[2] a = beta([1, 2]', 3); array[2] real b = bessel_first_kind({0, 1}, 1.5);"
                " int c = falling_factorial(5, 2); array[2] int d = rising_factorial({3, 4}, 2);"
                " vector[2] e = ldexp([1.5, -3]', 2); real f = std_normal_qf(0.975);"
                " vector[2] g = student_t_qf({0.975, 0.5}, 10, [0, 1]', 1); }",
                (double[]){1.0 / 3, 1.0 / 12, 0.51182767173591814, 0.55793650791009965, 20, 12, 20, 6, -12,
                           1.959963984540054, 2.2281388519862742, 1}, /* mpmath (scipy.stats.t.ppf is 1e-11 off) */
                12, 1e-14);
  expect_reject("inc_beta x > 1", "generated quantities { real a = inc_beta(2, 3, 1.5); }",
                "inc_beta: third argument is 1.5, but must be in the interval [0, 1]");
  expect_reject("inc_beta a <= 0", "generated quantities { real a = inc_beta(-2, 3, 0.5); }",
                "inc_beta: first argument is -2, but must be positive finite");
  expect_reject("bessel_second_kind z <= 0", "generated quantities { real a = bessel_second_kind(1, -0.5); }",
                "bessel_second_kind: z is -0.5, but must be positive");
  expect_reject("lambert_w0 below -1/e", "generated quantities { real a = lambert_w0(-0.5); }",
                "lambert_w0: x is -0.5, but must be greater than or equal to -1/e");
  expect_reject("lambert_wm1 at 0", "generated quantities { real a = lambert_wm1(0); }",
                "lambert_wm1: x is 0, but must be in the interval [-1/e, 0)");
  expect_reject("std_normal_log_qf > 0", "generated quantities { real a = std_normal_log_qf(0.5); }",
                "std_normal_log_qf: log_p is 0.5, but must be less than or equal to 0");
  expect_reject("hypergeometric_2F1 z > 1", "generated quantities { real a = hypergeometric_2F1(1, 1, 2, 1.5); }",
                "hypergeometric_2F1: the series does not converge");
  expect_reject("hypergeometric_pFq diverges", "generated quantities { real a = hypergeometric_pFq([1, 1, 1]', [2]', 0.5); }",
                "hypergeometric_pFq: the series diverges at z = 0.5");
  expect_reject("hypergeometric_3F2 sizes", "generated quantities { real a = hypergeometric_3F2([1, 1]', [2, 2]', 0.5); }",
                "hypergeometric_3F2: a must have 3 elements and b 2");
  expect_reject("hypergeometric_1F0 |z| >= 1", "generated quantities { real a = hypergeometric_1F0(1, 1); }",
                "hypergeometric_1F0: abs(z) must be less than 1");
  expect_reject("falling_factorial n < 0", "generated quantities { real a = falling_factorial(2.5, -1); }",
                "falling_factorial: second argument is -1, but must be nonnegative");
  expect_reject("rising_factorial int overflow", "generated quantities { int a = rising_factorial(100, 6); }",
                "rising_factorial: the result overflows an int");
  /* gradients through programs vs finite differences */
  const char *src =
      "parameters { real<lower=0> a; real<lower=0> b; real<lower=0, upper=1> x; real<lower=0> z; real<lower=-0.3, upper=0.3> w; }\n"
      "model {\n"
      "  target += beta(a, b) + inc_beta(a, b, x) + inv_inc_beta(a + 1, b + 0.5, x);\n"
      "  target += bessel_first_kind(2, z) + bessel_second_kind(1, z) + modified_bessel_first_kind(3, z)\n"
      "          + modified_bessel_second_kind(1, z) + log_modified_bessel_first_kind(a, z);\n"
      "  target += lambert_w0(z) + lambert_wm1(-0.1 - 0.2 * x) + log_falling_factorial(z + 3, a)\n"
      "          + log_rising_factorial(z, b) + falling_factorial(z, 3) + inv_erfc(x) + std_normal_log_qf(-z)\n"
      "          + hypergeometric_2F1(a, b, a + b + 1.5, w) + hypergeometric_3F2([a, b, 1]', [2, a + 2]', w)\n"
      "          + hypergeometric_pFq([a]', [b + 1]', -z) + hypergeometric_1F0(a, w) + gamma_p(a, z) + gamma_q(b, z)\n"
      "          + student_t_qf(x, a + 2, z, b) + sum(student_t_qf([0.2, x]', b + 1, 0, [1, a]));\n"
      "}\n";
  double u[5] = {log(1.3), log(2.2), 0.4, log(1.7), 0.5};
  double e = probe_fd_src(src, u, 1e-4, msg, sizeof msg);
  CHECK(e < 1e-7, "gradients of the special functions in a program vs finite differences: %.3g %s", e, msg);
}

static void test_identities(void) {
  /* inv_inc_beta inverts inc_beta, in both tails, to a few ulp of x (or of 1 - x in the upper tail):
   * I moved by 8 ulp either side of the answer brackets p */
  int bad = 0, n = 0;
  const double ab[][2] = {{0.5, 0.5}, {2, 3}, {30, 0.7}, {0.01, 4}, {500, 800}};
  const double ps[] = {1e-300, 1e-20, 0.01, 0.3, 0.5, 0.9, 1 - 1e-10};
  for (size_t i = 0; i < sizeof ab / sizeof ab[0]; i++)
    for (size_t j = 0; j < sizeof ps / sizeof ps[0]; j++) {
      double a = ab[i][0], b = ab[i][1], p = ps[j], x = urn_inv_inc_beta(a, b, p);
      if (!(x > 0 && x < 1)) continue; /* the answer underflows (e.g. (p a B(a, b))^(1/a) below 1e-308) */
      double lo, hi;
      lo = x * (1 - 1.8e-15), hi = x * (1 + 1.8e-15);
      if (x >= 0.5) /* computed as 1 - y: also y's own 8 ulp */
        lo = fmin(lo, 1 - (1 - x) * (1 + 1.8e-15)), hi = fmin(1, fmax(hi, 1 - (1 - x) * (1 - 1.8e-15)));
      n++;
      if (!(urn_inc_beta(a, b, lo) <= p && p <= urn_inc_beta(a, b, hi))) {
        bad++;
        fprintf(stderr, "  inv_inc_beta(%g, %g, %g) = %.17g\n", a, b, p, x);
      }
    }
  CHECK(bad == 0 && n >= 30, "inc_beta(a, b, x +- 8 ulp) brackets p for x = inv_inc_beta(a, b, p): %d of %d fail", bad, n);
  double worst = 0;
  /* W(x) e^W(x) = x on both branches */
  worst = 0;
  for (double x = -0.3678; x < 1e6; x = x < 0 ? x / 2 + 1e-12 : x * 3 + 0.01) {
    double w = urn_lambert_w0(x), e = fabs(w * exp(w) - x) / fabs(x);
    if (x != 0 && e > worst) worst = e;
    if (x < 0) {
      double v = urn_lambert_wm1(x), e2 = fabs(v * exp(v) - x) / fabs(x);
      if (e2 > worst) worst = e2;
    }
    if (x > -1e-9 && x < 0) x = 0;
  }
  CHECK(worst < 1e-14, "W(x) exp(W(x)) = x on both branches: worst relative error %.3g", worst);
  CHECK(urn_lambert_w0(-0.36787944117144233) == -1 || fabs(urn_lambert_w0(-0.36787944117144233) + 1) < 1e-7,
        "W0 at the branch point");
  /* std_normal_log_qf agrees with inv_Phi and inverts log_Phi far in the tail */
  CHECK_REL(urn_std_normal_log_qf(log(0.025)), urn_inv_Phi(0.025), 1e-15, "std_normal_log_qf(log 0.025)");
  double x = urn_std_normal_log_qf(-1e6);
  CHECK_REL(urn_log_Phi(x), -1e6, 1e-15, "log_Phi(std_normal_log_qf(-1e6)) = -1e6");
  CHECK(urn_std_normal_log_qf(0) == INFINITY && urn_std_normal_log_qf(-INFINITY) == -INFINITY, "std_normal_log_qf limits");
  CHECK(urn_inv_erfc(0) == INFINITY && urn_inv_erfc(2) == -INFINITY && urn_inv_erfc(1) == 0, "inv_erfc limits");
  CHECK(isnan(urn_inv_erfc(2.5)) && isnan(urn_inv_erfc(-0.1)), "inv_erfc outside [0, 2]");
  /* modified Bessel: Wronskian I_n K_{n+1} + I_{n+1} K_n = 1/x */
  worst = 0;
  for (int n = 0; n < 30; n += 7)
    for (double z = 0.01; z < 600; z *= 2.3) {
      double lw = log(urn_bessel_i(n, z) * urn_bessel_k(n + 1, z) + urn_bessel_i(n + 1, z) * urn_bessel_k(n, z));
      if (isfinite(lw) && fabs(lw + log(z)) > worst) worst = fabs(lw + log(z));
    }
  CHECK(worst < 1e-13, "I_n K_n+1 + I_n+1 K_n = 1/x: worst relative error %.3g", worst);
}

int main(void) {
  test_table();
  test_programs();
  test_identities();
  return test_done();
}
