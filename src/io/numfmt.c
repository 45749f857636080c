/* io/numfmt.c — fast printf("%.*g").  Writing a draw is formatting a few
 * numbers, and glibc's printf works on the exact binary value with
 * multiple-precision arithmetic (about 0.3 us a number): on a cheap model
 * that was a fifth of the sampler's time.  Here the value is scaled by a
 * power of ten in double precision and rounded to an integer of sig digits;
 * that integer is the one printf would print unless the scaled value lies
 * within a few ulps of a rounding boundary (or is one exactly: ties round to
 * even on the exact value), and those rare values are handed to snprintf. */
#include <float.h>
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

#if LDBL_MANT_DIG >= 64
/* 10^k for 0 <= k <= 27 in extended precision (64-bit significand: exact while 5^k < 2^64). */
static const long double POW10L[28] = {1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,  1e7L,  1e8L,  1e9L,
                                       1e10L, 1e11L, 1e12L, 1e13L, 1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L,
                                       1e20L, 1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L};

static long double scale10l(long double a, int k) {
  while (k > 27) a *= 1e27L, k -= 27;
  while (k < -27) a /= 1e27L, k += 27;
  return k >= 0 ? a * POW10L[k] : a / POW10L[-k];
}
#endif

static size_t fallback(char *out, double x, int sig) {
  int n = snprintf(out, URN_FMT_G_MAX, "%.*g", sig, x);
  return n < 0 ? 0 : (size_t)n;
}

/* The decimal exponent of a > 0 (normal) or one less: floor(e2 log10(2)) from the binary exponent e2, as
 * (e2 * 78913) >> 18, which equals it for every |e2| <= 1100 (checked for all of them when written; a wrong
 * exponent could only send a value to snprintf, never print other digits); the callers correct it by one from
 * the scaled value. */
static int dec_exponent(double a) {
  uint64_t bits;
  memcpy(&bits, &a, sizeof bits);
  int e2 = (int)((bits >> 52) & 0x7ff) - 1023;
  return (e2 * 78913) >> 18;
}

/* The sig significant digits of a (1e-300 < a < 1e300) as an integer *m in [10^(sig-1), 10^sig) and the decimal
 * exponent *e of its first digit, rounded as printf rounds; 0 when that cannot be decided from the scaled value
 * (a fraction within a few ulps of one half: the exact value decides) and printf must print it. */
static int round_digits(double a, int sig, uint64_t *m, int *e) {
  int k = dec_exponent(a);
#if LDBL_MANT_DIG >= 64
  if (sig > 9) { /* extended precision: a guard of 2^-63 relative leaves few values to printf up to 15 digits */
    long double lo = POW10L[sig - 1], hi = POW10L[sig];
    long double s = scale10l(a, sig - 1 - k);
    if (s >= hi) k++, s = scale10l(a, sig - 1 - k);
    if (s < lo || s >= hi) return 0;
    long double fl = floorl(s), f = s - fl, guard = 16 * s * 0x1p-63L;
    if (fabsl(f - 0.5L) <= guard) return 0;
    *m = (uint64_t)fl + (f > 0.5L);
    if ((long double)*m >= hi) *m /= 10, k++; /* 9.999996 -> 10.0000 */
    *e = k;
    return 1;
  }
#endif
  double lo = POW10[sig - 1], hi = POW10[sig];
  double s = scale10(a, sig - 1 - k);
  if (s >= hi) k++, s = scale10(a, sig - 1 - k);
  if (s < lo || s >= hi) return 0;
  uint64_t il = (uint64_t)s; /* floor: 0 < s < 10^sig <= 10^15 */
  double f = s - (double)il, guard = 16 * s * 0x1p-52;
  if (fabs(f - 0.5) <= guard) return 0;
  *m = il + (f > 0.5);
  if ((double)*m >= hi) *m /= 10, k++;
  *e = k;
  return 1;
}

/* "00" .. "99": two digits per division by 100. */
static const char DIGITS2[201] = "0001020304050607080910111213141516171819202122232425262728293031323334353637383940414243"
                                 "4445464748495051525354555657585960616263646566676869707172737475767778798081828384"
                                 "858687888990919293949596979899";

/* Copies n digits (n <= 17) of src to dst: 16 bytes at once when wide (sig <= 15: dst has room, see urn_fmt_g). */
static void copy_digits(char *dst, const char *src, int n, int wide) {
  if (wide && n <= 16) memcpy(dst, src, 16);
  else memcpy(dst, src, (size_t)n);
}

size_t urn_fmt_g(char *out, double x, int sig) {
  if (x == 0 && !signbit(x)) return out[0] = '0', out[1] = '\0', 1; /* divergent__ and friends */
  if (sig < 1 || sig > 17 || !isfinite(x) || x == 0) return fallback(out, x, sig);
  double a = fabs(x);
  if (a < 1e-300 || a > 1e300) return fallback(out, x, sig);
  if (a < 1e15 && a == (double)(int64_t)a && (sig > 15 || a < POW10[sig])) { /* an integer of at most sig digits */
    char tmp[20], *p = out, *q = tmp + sizeof tmp;
    for (uint64_t v = (uint64_t)a; v; v /= 10) *--q = (char)('0' + v % 10);
    if (x < 0) *p++ = '-';
    memcpy(p, q, (size_t)(tmp + sizeof tmp - q)), p += tmp + sizeof tmp - q;
    *p = '\0';
    return (size_t)(p - out);
  }
  uint64_t m;
  int e;
  if (sig > 15 && LDBL_MANT_DIG < 64) return fallback(out, x, sig);
  if (!round_digits(a, sig, &m, &e)) return fallback(out, x, sig);
  char dig[40]; /* the sig digits, two at a time from DIGITS2; bytes past them are copied but never kept */
  for (int i = sig; i > 1; i -= 2) memcpy(dig + i - 2, DIGITS2 + 2 * (m % 100), 2), m /= 100;
  if (sig & 1) dig[0] = (char)('0' + m);
  int nd = sig; /* significant digits left after dropping trailing zeros (%g without '#') */
  while (nd > 1 && dig[nd - 1] == '0') nd--;
  char *p = out;
  *p = '-';
  p += x < 0;
  /* up to 15 digits the copies below move a fixed 16 bytes (no call to memcpy) and then advance by the digits
     that count: they touch at most sig + 17 <= 32 = URN_FMT_G_MAX bytes of out (a '-', sig - 1 integer digits,
     the point, 16 bytes), and read at most sig + 17 < 40 bytes of dig */
  int wide = sig <= 15;
  if (e < -4 || e >= sig) { /* d.ddde+XX */
    *p++ = dig[0];
    if (nd > 1) {
      *p++ = '.';
      copy_digits(p, dig + 1, nd - 1, wide), p += nd - 1;
    }
    *p++ = 'e';
    *p++ = e < 0 ? '-' : '+';
    int ae = e < 0 ? -e : e;
    if (ae >= 100) *p++ = (char)('0' + ae / 100);
    memcpy(p, DIGITS2 + 2 * (ae % 100), 2), p += 2;
  } else if (e >= 0) { /* ddd.ddd: e + 1 integer digits */
    copy_digits(p, dig, e + 1, wide), p += e + 1;
    if (nd > e + 1) {
      *p++ = '.';
      copy_digits(p, dig + e + 1, nd - e - 1, wide), p += nd - e - 1;
    }
  } else { /* 0.000ddd */
    memcpy(p, "0.0000", 6), p += 1 - e;
    copy_digits(p, dig, nd, wide), p += nd;
  }
  *p = '\0';
  return (size_t)(p - out);
}
