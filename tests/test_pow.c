/* tests/test_pow.c — the power kernel (math/special.c urn_pow, urn_pow_dx) behind `^`, `.^` and pow() on every
 * evaluation path: binary powering for whole exponents |n| <= 64 against long double powl (relative error within
 * the documented bound (|n| - 1) 2^-53 for n > 0, |n| 2^-53 for n < 0), exact results where the power is exact in
 * double (2^n, 1.5^n, 3^n), C's special values (0, -0, +-inf, NaN, overflow, underflow: libm's pow bits), libm's
 * bits for every other exponent, the partial n x^(n-1) against powl; the built-in's kernel and the partial it
 * tapes; then a program like posteriordb's dogs (a ^ count * b ^ count inside a bernoulli) whose gradient matches
 * central differences and whose lp and gradient are the same bits batched, unbatched and (with a C compiler)
 * natively compiled; bernoulli_lpmf of one element (dogs' cell), whose shortcut past the density driver gives the
 * closed form's bits, the driver's for two elements, and the driver's messages and -inf outside the support. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "lang/builtins.h"
#include "lang/fn.h"
#include "math/dist.h"
#include "math/dist_impl.h"
#include "math/rng.h"
#include "math/special.h"
#include "model_fd.h"
#include "urn/model.h"

/* |got - want| / |want| in units of 2^-53 (want from powl, not rounded to double). */
static double rel_u(double got, long double want) {
  return (double)(fabsl((long double)got - want) / fabsl(want)) / 0x1p-53;
}

/* Bases near 0, near 1, large, negative, and a spread of ordinary ones. */
static const double BASES[] = {1e-5, 3.7e-3, 0.0625, 0.1, 0.3, 0.5, 0.7236, 0.999999, 1 - 0x1p-52, 1, 1 + 0x1p-52,
                               1.000001, 1.1, 1.5, 2, 2.718281828459045, 3, 7.25, 10, 123.456, 1e3, 1e5, 1.5e7,
                               -0.3, -1, -1.1, -2.5, -1e3};
#define NBASES (sizeof BASES / sizeof BASES[0])

static void test_accuracy(void) {
  double worst = 0, worst_dx = 0;
  int nbad = 0, nbad_dx = 0, nrows = 0;
  for (size_t i = 0; i < NBASES; i++)
    for (int n = -64; n <= 64; n++) {
      double x = BASES[i], dx, f = urn_pow_dx(x, n, &dx);
      long double want = powl((long double)x, (long double)n);
      if (!(fabsl(want) >= DBL_MIN && fabsl(want) <= DBL_MAX)) continue; /* out of range: special values below */
      nrows++;
      double e = rel_u(f, want), bound = (n > 0 ? n - 1 : -n) + 1e-6;
      worst = fmax(worst, e);
      if (e > bound && nbad++ < 5) CHECK(0, "%.17g^%d = %.17g, powl %.20Lg: %.2f u over the bound %.0f u", x, n, f, want, e, bound);
      /* the partial n x^(n-1) = n (x^n / x): the value's error plus two roundings */
      if (n == 0) { CHECK(dx == 0, "d/dx %.17g^0 = %g", x, dx); continue; }
      long double wd = n * powl((long double)x, (long double)(n - 1));
      if (!(fabsl(wd) >= DBL_MIN && fabsl(wd) <= DBL_MAX)) continue;
      double ed = rel_u(dx, wd);
      worst_dx = fmax(worst_dx, ed);
      if (ed > bound + 2 && nbad_dx++ < 5) CHECK(0, "d/dx %.17g^%d = %.17g, powl %.20Lg: %.2f u", x, n, dx, wd, ed);
    }
  CHECK(nbad == 0, "x^n for n in -64..64 within (|n| - 1) u (n > 0), |n| u (n < 0) of powl: %d rows, worst %.2f u", nrows,
        worst);
  CHECK(nbad_dx == 0, "d/dx x^n within the bound + 2 u of n powl(x, n - 1): worst %.2f u", worst_dx);
  /* small exponents are as good as one or two roundings: x^2 is x * x, x^3 within 2 u, x^-1 is 1 / x */
  for (size_t i = 0; i < NBASES; i++) {
    double x = BASES[i];
    CHECK(urn_pow(x, 2) == x * x && urn_pow(x, 1) == x && urn_pow(x, 0) == 1 && urn_pow(x, -1) == 1 / x,
          "%.17g^2, ^1, ^0, ^-1 are x*x, x, 1, 1/x", x);
    CHECK(rel_u(urn_pow(x, 3), powl(x, 3)) <= 2, "%.17g^3 within 2 u", x);
  }
  /* a spread of bases over the whole range: random mantissas, exponents -30..30 */
  unsigned long long s = 88172645463325252ull;
  double w = 0;
  for (int k = 0; k < 20000; k++) {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    double x = ldexp(1 + (double)(s >> 12) * 0x1p-52, (int)(s % 61) - 30) * ((s >> 6) & 1 ? -1 : 1);
    int n = (int)((s >> 20) % 129) - 64;
    long double want = powl((long double)x, (long double)n);
    if (!(fabsl(want) >= DBL_MIN && fabsl(want) <= DBL_MAX)) continue;
    double e = rel_u(urn_pow(x, n), want) / (n > 0 ? n - 1 : n < 0 ? -n : 1);
    w = fmax(w, e);
  }
  CHECK(w <= 1 + 1e-6, "20000 random x^n: worst error / bound %.3f (<= 1)", w);
}

/* Powers exact in double come out exact: every product of the chain is exact. */
static void test_exact(void) {
  int ok = 1;
  for (int n = -64; n <= 64; n++) {
    ok &= urn_pow(2, n) == ldexp(1, n) && urn_pow(0.5, n) == ldexp(1, -n) && urn_pow(-2, n) == (n & 1 ? -1 : 1) * ldexp(1, n);
    if (n >= 0 && n <= 33) { /* 3^33 < 2^53 */
      double p3 = 1;
      for (int k = 0; k < n; k++) p3 *= 3;
      ok &= urn_pow(3, n) == p3 && urn_pow(1.5, n) == ldexp(p3, -n) && urn_pow(-0.75, n) == (n & 1 ? -1 : 1) * ldexp(p3, -2 * n);
    }
  }
  CHECK(ok, "2^n, 0.5^n, (-2)^n (n in -64..64), 3^n, 1.5^n, (-0.75)^n (n in 0..33) exact");
  CHECK(urn_pow(10, 15) == 1e15 && urn_pow(10, 22) == 1e22 && urn_pow(7, 18) == 1628413597910449.0, "10^15, 10^22, 7^18 exact");
}

/* Zero, subnormal, infinite and NaN results, special bases and every other exponent: libm's pow bits. */
static void test_special(void) {
  const double xs[] = {0.0, -0.0, INFINITY, -INFINITY, NAN, 1e-300, -1e-300, 1e300, -1e300, 1e-20, 1e20, 4.9e-324,
                       2.2250738585072014e-308, 1.7976931348623157e308, 1, -1, 0.3, -5};
  const double ys[] = {0.5, -0.5, 2.5, -3.5, 64.5, 65, -65, 100, 1e300, INFINITY, -INFINITY, NAN, 1e-300, -0.0};
  int ok = 1, bad = 0;
  for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
    for (int n = -64; n <= 64; n++) {
      double got = urn_pow(xs[i], n), want = pow(xs[i], n);
      long double l = powl((long double)xs[i], (long double)n);
      int special = !(fabsl(l) >= DBL_MIN && fabsl(l) <= DBL_MAX) || isnan(xs[i]);
      if (special && memcmp(&got, &want, sizeof got) && !(isnan(got) && isnan(want)) && bad++ < 5)
        ok = 0, CHECK(0, "pow(%g, %d): %.17g, libm %.17g", xs[i], n, got, want);
    }
    for (size_t j = 0; j < sizeof ys / sizeof ys[0]; j++) {
      double got = urn_pow(xs[i], ys[j]), want = pow(xs[i], ys[j]);
      if (memcmp(&got, &want, sizeof got) && !(isnan(got) && isnan(want)) && bad++ < 5)
        ok = 0, CHECK(0, "pow(%g, %g): %.17g, libm %.17g", xs[i], ys[j], got, want);
    }
  }
  CHECK(ok, "special values and non-whole exponents: libm's pow bits");
  CHECK(signbit(urn_pow(-0.0, 3)) && !signbit(urn_pow(-0.0, 2)) && urn_pow(-0.0, -3) == -INFINITY && urn_pow(0.0, -2) == INFINITY,
        "signed zeros: (-0)^3 = -0, (-0)^2 = 0, (-0)^-3 = -inf, 0^-2 = inf");
  CHECK(urn_pow(NAN, 0) == 1 && urn_pow(1, NAN) == 1 && isnan(urn_pow(NAN, 3)), "NaN^0 = 1, 1^NaN = 1, NaN^3 = NaN");
  CHECK(urn_pow(1e10, -31) == pow(1e10, -31) && urn_pow(1e-10, 31) == pow(1e-10, 31) && urn_pow(1e160, 2) == INFINITY,
        "subnormal and overflowing results: libm's");
  double dx;
  urn_pow_dx(0, 1, &dx);
  CHECK(dx == 1, "d/dx 0^1 = 1 (%g)", dx);
  urn_pow_dx(0, 2, &dx);
  CHECK(dx == 0, "d/dx 0^2 = 0 (%g)", dx);
  urn_pow_dx(1e-200, 2, &dx);
  CHECK(dx == 2e-200, "d/dx (1e-200)^2 = 2e-200 though the value underflows (%g)", dx);
  urn_pow_dx(4, 0.5, &dx);
  CHECK(dx == 0.25, "d/dx 4^0.5 = 0.25 (%g)", dx);
}

/* The built-in: `pow` / `^` resolves to a kernel whose value is urn_pow's and whose partials are the closed forms;
 * with dy == NULL (URN_BI_DYOPT) the same value and dx. */
static void test_builtin(void) {
  urn_type t[2] = {{URN_TY_REAL, 0}, {URN_TY_REAL, 0}}, ret;
  const urn_builtin *b = urn_builtin_resolve("pow", t, 2, &ret);
  CHECK(b && b->sfn == urn_fn_binary_s && (b->flags & URN_BI_DYOPT), "pow(real, real) is a binary kernel taking dy == NULL");
  if (!b) return;
  urn_binary_kernel k = (urn_binary_kernel)(uintptr_t)b->aux;
  int ok = 1;
  for (size_t i = 0; i < NBASES; i++)
    for (int n = -8; n <= 40; n++) {
      double x = fabs(BASES[i]), f, dx, dy, f2, dx2, wdx;
      k(x, n, &f, &dx, &dy);
      k(x, n, &f2, &dx2, NULL);
      double want = urn_pow_dx(x, n, &wdx);
      ok &= f == want && dx == wdx && f2 == f && dx2 == dx && dy == f * log(x);
    }
  CHECK(ok, "kernel: value and dx are urn_pow_dx's with and without dy, dy = x^y log x");
}

/* A dogs-like program: the powers of two parameters in (0, 1) to data counts, in a bernoulli, plus `.^` and a
 * parameter exponent. */
static const char *DOGS =
    "data { int J; int T; array[J, T] int<lower=0, upper=1> y; }\n"
    "transformed data { matrix[J, T] ps; matrix[J, T] pa;\n"
    "  for (j in 1:J) { ps[j, 1] = 0; pa[j, 1] = 0;\n"
    "    for (t in 2:T) { ps[j, t] = ps[j, t - 1] + y[j, t - 1]; pa[j, t] = pa[j, t - 1] + 1 - y[j, t - 1]; } } }\n"
    "parameters { real<lower=0, upper=1> a; real<lower=0, upper=1> b; real<lower=0> c; }\n"
    "model { for (j in 1:J) for (t in 1:T) { real p = a ^ ps[j, t] * b ^ pa[j, t]; y[j, t] ~ bernoulli(p); }\n"
    "  target += -sum(ps[1] .^ 2 * 1e-3) * c - (a + 1) ^ c - c ^ 2; }\n"
    "generated quantities { real q = a ^ 7 * b ^ -2; }\n";
static const char *DOGS_DATA =
    "{\"J\": 3, \"T\": 8, \"y\": [[1, 0, 1, 0, 1, 1, 1, 1], [1, 1, 0, 0, 1, 1, 0, 1], [1, 0, 0, 1, 1, 1, 1, 1]]}";

static urn_model *load(int native, int nobatch, const char *cache) {
  urn_model_options o;
  urn_model_options_default(&o);
  o.print = NULL, o.no_batch = nobatch, o.native = native, o.native_cache = cache;
  urn_error err;
  urn_error_clear(&err);
  urn_model *m = urn_model_new_opt("dogs.stan", DOGS, strlen(DOGS), "dogs.json", DOGS_DATA, strlen(DOGS_DATA), &o, &err);
  if (!m) fprintf(stderr, "load: %s\n", err.msg);
  return m;
}

/* lp and gradient of a and b at u: 2 when the same bits, 1 when lp is and the gradient within 1e-15 relative
 * (the batched lanes sum some adjoints in another order than the ordinary loop), 0 otherwise. */
static int same_bits(const urn_model *a, const urn_model *b, const double *u) {
  double la, lb, ga[3], gb[3];
  if (urn_model_log_density_gradient(a, 1, 1, u, &la, ga, NULL) || urn_model_log_density_gradient(b, 1, 1, u, &lb, gb, NULL))
    return 0;
  if (memcmp(&la, &lb, sizeof la)) return 0;
  if (!memcmp(ga, gb, sizeof ga)) return 2;
  if (getenv("URN_TEST_VERBOSE"))
    printf("grad %.17g %.17g %.17g / %.17g %.17g %.17g\n", ga[0], ga[1], ga[2], gb[0], gb[1], gb[2]);
  for (int i = 0; i < 3; i++)
    if (!(fabs(ga[i] - gb[i]) <= 1e-15 * fabs(ga[i]))) return 0;
  return 1;
}

static void test_program(void) {
  urn_model *bat = load(0, 0, NULL), *unb = load(0, 1, NULL);
  CHECK(bat && unb, "dogs-like program loads");
  if (!bat || !unb) { urn_model_free(bat), urn_model_free(unb); return; }
  const double pts[4][3] = {{0.3, -0.2, 0.1}, {-1.5, 0.8, -0.7}, {2, -2, 1.2}, {0.01, 0.02, -2}};
  double worst = 0;
  int same = 1;
  for (int i = 0; i < 4; i++) worst = fmax(worst, model_fd_error(bat, pts[i])), same &= same_bits(bat, unb, pts[i]) > 0;
  CHECK(worst < 1e-7, "gradient against central differences: worst relative difference %.3g", worst);
  CHECK(same, "lp the same bits batched and unbatched, the gradient within 1e-15 (adjoints summed in another order)");
  /* generated quantities: q = a^7 b^-2 with a, b the constrained values */
  double cons[4];
  urn_error err;
  urn_error_clear(&err);
  urn_rng rng;
  urn_rng_seed(&rng, 1, 0);
  if (urn_model_param_constrain(bat, 0, 1, pts[1], cons, &rng, &err) == URN_OK)
    CHECK(cons[3] == urn_pow(cons[0], 7) * urn_pow(cons[1], -2), "generated quantities: q = a^7 * b^-2 through urn_pow (%.17g)", cons[3]);
  else CHECK(0, "constrain: %s", err.msg);
  if (system("cc --version >/dev/null 2>&1") != 0) {
    printf("skipped: native comparison (no C compiler)\n");
  } else {
    char cache[] = "/tmp/urn-pow-test-XXXXXX";
    if (mkdtemp(cache)) {
      urn_model *nat = load(2, 0, cache);
      int ok = nat != NULL;
      for (int i = 0; ok && i < 4; i++) ok &= same_bits(bat, nat, pts[i]) == 2 && same_bits(unb, nat, pts[i]) > 0;
      const char *st = nat ? urn_model_native_status(nat) : "-";
      CHECK(ok && !strncmp(st, "native: on", 10), "native tier: lp and gradient the same bits as the (batched) interpreter [%s]", st);
      urn_model_free(nat);
      char cmd[300];
      snprintf(cmd, sizeof cmd, "rm -rf %s", cache);
      if (system(cmd) != 0) printf("could not remove %s\n", cache);
    }
  }
  urn_model_free(bat), urn_model_free(unb);
}

/* bernoulli_lpmf(n | theta) of one element: log theta or log1p(-theta) and the partial 1/theta, -1/(1-theta),
 * with and without propto and partials; the same bits as the driver's element (a two-element call of one repeated
 * element is twice it); outside the support -inf, and the driver's messages. */
static void test_bernoulli(void) {
  const double th[] = {0, 1e-300, 0.1, 0.3, 0.5, 0.7236, 1 - 0x1p-53, 1};
  int ok = 1;
  for (size_t i = 0; i < sizeof th / sizeof th[0]; i++)
    for (int n = 0; n <= 1; n++)
      for (int propto = 0; propto <= 1; propto++)
        for (int var = 0; var <= 1; var++) {
          if ((n == 1 && th[i] == 0) || (n == 0 && th[i] == 1)) continue;
          int ys[2] = {n, n};
          double ts[2] = {th[i], th[i]}, d = 0.25, d2[2] = {0.25, 0.25}, lp = 7, lp2 = 7;
          urn_darg a[2] = {{NULL, ys, 1, 0, 0, NULL, NULL}, {ts, NULL, 1, 0, 0, var ? &d : NULL, NULL}};
          urn_darg b[2] = {{NULL, ys, 2, 0, 0, NULL, NULL}, {ts, NULL, 2, 0, 0, var ? d2 : NULL, NULL}};
          ok &= urn_bernoulli_lpmf(a, propto, &lp, NULL) == URN_OK && urn_bernoulli_lpmf(b, propto, &lp2, NULL) == URN_OK;
          double want = propto && !var ? 0 : n ? log(th[i]) : log1p(-th[i]);
          double wd = 0.25 + (n ? 1 / th[i] : -1 / (1 - th[i]));
          ok &= lp == want && lp2 == want + want && (!var || (d == wd && d2[0] == wd && d2[1] == wd));
          if (!ok) { printf("bernoulli(%d | %.17g) propto %d var %d: %.17g %.17g, d %.17g\n", n, th[i], propto, var, lp, lp2, d); return; }
        }
  CHECK(ok, "bernoulli_lpmf of one element: the closed form's bits, the driver's for two elements");
  int ys[3] = {1, 0, 2};
  double ts[4] = {0, 1, NAN, 1.5}, lp = 0;
  urn_error err;
  urn_darg a[2] = {{NULL, &ys[0], 1, 0, 0, NULL, NULL}, {&ts[0], NULL, 1, 0, 0, NULL, NULL}};
  CHECK(urn_bernoulli_lpmf(a, 0, &lp, &err) == URN_OK && lp == -INFINITY, "bernoulli(1 | 0) = -inf");
  a[0].iv = &ys[1], a[1].v = &ts[1];
  CHECK(urn_bernoulli_lpmf(a, 0, &lp, &err) == URN_OK && lp == -INFINITY, "bernoulli(0 | 1) = -inf");
  const double half = 0.5;
  a[0].iv = &ys[2], a[1].v = &half;
  CHECK(urn_bernoulli_lpmf(a, 0, &lp, &err) == URN_OK && lp == -INFINITY, "bernoulli(2 | 0.5) = -inf");
  a[0].iv = &ys[0], a[1].v = &ts[2];
  urn_error_clear(&err);
  CHECK(urn_bernoulli_lpmf(a, 0, &lp, &err) == URN_EREJECT && strstr(err.msg, "bernoulli_lpmf: Probability parameter"),
        "bernoulli(1 | NaN): %s", err.msg);
  a[1].v = &ts[3];
  urn_error_clear(&err);
  CHECK(urn_bernoulli_lpmf(a, 0, &lp, &err) == URN_EREJECT && strstr(err.msg, "Probability parameter is 1.5"),
        "bernoulli(1 | 1.5): %s", err.msg);
}

int main(void) {
  test_accuracy();
  test_exact();
  test_special();
  test_builtin();
  test_program();
  test_bernoulli();
  return test_done();
}
