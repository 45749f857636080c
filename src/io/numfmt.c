/* io/numfmt.c — fast printf("%.*g").  Writing a draw is formatting a few
 * numbers, and glibc's printf works on the exact binary value with
 * multiple-precision arithmetic (about 0.3 us a number): on a cheap model
 * that was a fifth of the sampler's time.  Here the value is scaled by a
 * power of ten in double precision and rounded to an integer of sig digits;
 * that integer is the one printf would print unless the scaled value lies
 * within a few ulps of a rounding boundary (or is one exactly: ties round to
 * even on the exact value), and those rare values are handed to snprintf. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "io/numfmt.h"

/* 10^k for 0 <= k <= 22: every one is exact in double precision. */
static const double POW10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* a * 10^k: one correctly rounded operation when |k| <= 22, a few otherwise (the guard in urn_fmt_g covers the
 * extra rounding errors). */
static double scale10(double a, int k) {
  while (k > 22) a *= 1e22, k -= 22;
  while (k < -22) a /= 1e22, k += 22;
  return k >= 0 ? a * POW10[k] : a / POW10[-k];
}

static size_t fallback(char *out, double x, int sig) {
  int n = snprintf(out, URN_FMT_G_MAX, "%.*g", sig, x);
  return n < 0 ? 0 : (size_t)n;
}

size_t urn_fmt_g(char *out, double x, int sig) {
  if (x == 0 && !signbit(x)) return out[0] = '0', out[1] = '\0', 1; /* divergent__ and friends */
  if (sig < 1 || sig > 15 || !isfinite(x) || x == 0) return fallback(out, x, sig);
  double a = fabs(x);
  if (a < 1e-300 || a > 1e300) return fallback(out, x, sig);
  /* the decimal exponent e of a: 10^e <= a < 10^(e+1); log10 may be off by one next to a power of ten */
  int e = (int)floor(log10(a));
  double lo = POW10[sig - 1], hi = POW10[sig];
  double s = scale10(a, sig - 1 - e);
  if (s >= hi) e++, s = scale10(a, sig - 1 - e);
  else if (s < lo) e--, s = scale10(a, sig - 1 - e);
  if (s < lo || s >= hi) return fallback(out, x, sig);
  /* round to sig digits; a fraction near one half is decided by the exact value: leave it to printf */
  double fl = floor(s), f = s - fl, guard = 16 * s * 0x1p-52;
  if (fabs(f - 0.5) <= guard) return fallback(out, x, sig);
  uint64_t m = (uint64_t)fl + (f > 0.5);
  if ((double)m >= hi) m /= 10, e++; /* 9.999996 -> 10.0000 */
  char dig[20];
  for (int i = sig - 1; i >= 0; i--) dig[i] = (char)('0' + m % 10), m /= 10;
  int nd = sig; /* significant digits left after dropping trailing zeros (%g without '#') */
  while (nd > 1 && dig[nd - 1] == '0') nd--;
  char *p = out;
  if (x < 0) *p++ = '-';
  if (e < -4 || e >= sig) { /* d.ddde+XX */
    *p++ = dig[0];
    if (nd > 1) {
      *p++ = '.';
      memcpy(p, dig + 1, (size_t)nd - 1), p += nd - 1;
    }
    *p++ = 'e';
    *p++ = e < 0 ? '-' : '+';
    int ae = e < 0 ? -e : e;
    if (ae >= 100) *p++ = (char)('0' + ae / 100);
    *p++ = (char)('0' + ae / 10 % 10);
    *p++ = (char)('0' + ae % 10);
  } else if (e >= 0) { /* ddd.ddd: e + 1 integer digits */
    memcpy(p, dig, (size_t)e + 1), p += e + 1;
    if (nd > e + 1) {
      *p++ = '.';
      memcpy(p, dig + e + 1, (size_t)(nd - e - 1)), p += nd - e - 1;
    }
  } else { /* 0.000ddd */
    *p++ = '0', *p++ = '.';
    for (int i = 0; i < -e - 1; i++) *p++ = '0';
    memcpy(p, dig, (size_t)nd), p += nd;
  }
  *p = '\0';
  return (size_t)(p - out);
}
