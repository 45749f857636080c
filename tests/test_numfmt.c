/* tests/test_numfmt.c — urn_fmt_g (io/numfmt.c) prints exactly what the C
 * library's "%.*g" prints: random doubles over the whole exponent range, the
 * draws a sampler writes (values of order 1), integers, exact ties (2.5 at
 * one digit rounds to even), values next to every power of ten and next to
 * every rounding boundary of 6 digits, the switches between fixed and
 * exponent notation, and precisions 1 to 17; integers up to 2^53 (printed
 * without scaling), 10-17 digits (scaled in extended precision), named edge
 * cases (signed zeros, inf, nan, subnormals, 1e+-300, values rounding up to a
 * new decade) and a million values shaped like a capture-recapture row.  Each
 * group counts as one check (its mismatches are listed). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "io/numfmt.h"

/* splitmix64: a fixed stream of test values, independent of urn's RNG. */
static uint64_t next(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
static double unif(uint64_t *s) { return (double)(next(s) >> 11) * 0x1p-53; }

typedef struct { long n, bad; } tally;

static void one(tally *t, double x, int sig) {
  char want[64], got[URN_FMT_G_MAX];
  snprintf(want, sizeof want, "%.*g", sig, x);
  size_t len = urn_fmt_g(got, x, sig);
  t->n++;
  if (strcmp(want, got) != 0 || len != strlen(want)) {
    if (t->bad++ < 5) printf("  mismatch: %.17g at %d digits: printf \"%s\", urn_fmt_g \"%s\" (length %zu)\n", x, sig,
                             want, got, len);
  }
}

static void report(const tally *t, const char *what) {
  CHECK(t->bad == 0, "%s: %ld of %ld values differ from printf", what, t->bad, t->n);
}

int main(void) {
  uint64_t s = 20261126;
  tally t = {0, 0};
  /* bit patterns: every exponent, signs, subnormals, inf and nan */
  for (int i = 0; i < 200000; i++) {
    uint64_t b = next(&s);
    double x;
    memcpy(&x, &b, sizeof x);
    one(&t, x, 1 + i % 17);
  }
  report(&t, "random bit patterns, 1-17 digits");

  t = (tally){0, 0};
  for (int i = 0; i < 300000; i++) { /* draws: N(0, scale) of scales 1e-6 .. 1e6 at the writer's 6 digits */
    double sc = pow(10, -6 + 12 * unif(&s)), x = sc * (unif(&s) - 0.5) * 4;
    one(&t, x, 6);
    one(&t, x, 1 + i % 15);
  }
  report(&t, "values of order 1e-6 .. 1e6");

  t = (tally){0, 0};
  for (int k = -30; k <= 30; k++) /* next to powers of ten, and the fixed / exponent switch */
    for (int sig = 1; sig <= 17; sig++) {
      double p = pow(10, k);
      double xs[] = {p, nextafter(p, 0), nextafter(p, INFINITY), p * (1 - 5e-7), p * (1 + 5e-7), p * 0.99999949,
                     p * 0.9999995, p * 0.99999951, -p, 9.5 * p, 9.95 * p, 9.9999995 * p};
      for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) one(&t, xs[i], sig);
    }
  report(&t, "powers of ten and their neighbours");

  t = (tally){0, 0};
  for (int i = -2000; i <= 2000; i++) { /* integers, halves and exact ties */
    for (int sig = 1; sig <= 8; sig++) {
      one(&t, i, sig);
      one(&t, i + 0.5, sig);
      one(&t, i * 0.25, sig);
      one(&t, i * 0.125, sig);
    }
  }
  report(&t, "integers, halves, quarters and eighths (exact ties)");

  t = (tally){0, 0};
  for (int i = 0; i < 200000; i++) { /* six-digit rounding boundaries d.ddddd5 and their neighbours */
    double m = 100000 + (double)(next(&s) % 900000), x = (m + 0.5) * pow(10, (int)(next(&s) % 21) - 10 - 5);
    one(&t, x, 6);
    one(&t, nextafter(x, 0), 6);
    one(&t, nextafter(x, INFINITY), 6);
  }
  report(&t, "six-digit rounding boundaries");

  t = (tally){0, 0};
  for (int i = 0; i < 200000; i++) { /* integers up to 2^53 (the integer path) and draws at 10-17 digits
                                        (the extended-precision path), boundaries d.ddd5 at 10-17 digits */
    int sig = 1 + i % 17;
    double n = (double)(next(&s) >> (11 + next(&s) % 50));
    one(&t, n, sig);
    one(&t, -n, sig);
    double sc = pow(10, -8 + 16 * unif(&s)), x = sc * (unif(&s) - 0.5) * 4;
    one(&t, x, 10 + i % 8);
    int d = 10 + i % 6;
    double m = pow(10, d - 1) + (double)(next(&s) % (uint64_t)(9 * pow(10, d - 1)));
    double b = (m + 0.5) * pow(10, (int)(next(&s) % 21) - 10 - (d - 1));
    one(&t, b, d);
    one(&t, nextafter(b, 0), d);
    one(&t, nextafter(b, INFINITY), d);
  }
  report(&t, "integers to 2^53, 10-17 digits, their rounding boundaries");

  t = (tally){0, 0};
  { /* named edge cases at every precision: signed zeros, infinities, nan, subnormals, the ends of the range, the
       fast path's limits (1e+-300, 1e15, 2^53) and values that round up to a new decade */
    double xs[] = {0.0, -0.0, INFINITY, -INFINITY, NAN, -NAN, 4.9406564584124654e-324, -4.9406564584124654e-324,
                   2.2250738585072009e-308, 2.2250738585072014e-308, 1.7976931348623157e308, -1.7976931348623157e308,
                   1e300, nextafter(1e300, INFINITY), 1e-300, nextafter(1e-300, 0), -1e300, -1e-300, 1e15, 1e15 - 1,
                   1e15 + 1, 9007199254740992.0, 9007199254740993.0, 1, -1, 2, 10, 100, 123456, 1234567, 9.9999995,
                   9.99999949, 0.99999995, 9.9999995e-5, 9.9999995e5, 99999.95, 999999.5, 0.5, 0.05, 0.00001,
                   0.0001, 1e-5, 9.5, 0.95, 95, 1e16, 1e17, 1e21, 1e22, 1e23, 0.1, 0.2, 0.3, 1.0 / 3, 2.0 / 3, M_PI};
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++)
      for (int sig = 1; sig <= 17; sig++) one(&t, xs[i], sig), one(&t, -xs[i], sig);
  }
  report(&t, "named edge cases");

  t = (tally){0, 0};
  for (int i = 0; i < 1000000; i++) { /* the capture-recapture model's kind of row: probabilities, 0/1, counts */
    double u = unif(&s), x = i % 11 == 0 ? (double)(u < 0.6) : i % 101 == 0 ? floor(300 + 100 * u)
                                                               : 1 / (1 + exp(-6 * (u - 0.5)));
    one(&t, x, i % 4 == 0 ? 6 : 1 + i % 17);
  }
  report(&t, "a million probabilities, indicators and counts");
  return test_done();
}
