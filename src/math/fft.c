/* math/fft.c — iterative radix-2 decimation-in-time FFT with precomputed
 * bit-reversal and twiddle tables (see fft.h), and the transforms of any
 * length built on it.  Twiddles are cos/sin of the exact
 * angle for each index rather than a recurrence, so rounding stays at a few ulps
 * whatever the length. */
#include "math/fft.h"

#include <math.h>
#include <stdlib.h>

#include "util/util.h"

size_t urn_fft_good_size(size_t n) {
  size_t len = 1;
  while (len < n) len <<= 1;
  return len;
}

int urn_fft_plan_init(urn_fft_plan *p, size_t len) {
  p->len = 0, p->log2len = 0, p->bitrev = NULL, p->cos_tab = NULL, p->sin_tab = NULL;
  if (len == 0 || (len & (len - 1))) return -1;
  unsigned lg = 0;
  while (((size_t)1 << lg) < len) lg++;
  p->len = len;
  p->log2len = lg;
  p->bitrev = urn_xmalloc(len * sizeof *p->bitrev);
  for (size_t i = 0; i < len; i++) {
    size_t r = 0;
    for (unsigned b = 0; b < lg; b++)
      if (i & ((size_t)1 << b)) r |= (size_t)1 << (lg - 1 - b);
    p->bitrev[i] = r;
  }
  size_t half = len / 2 ? len / 2 : 1;
  p->cos_tab = urn_xmalloc(half * sizeof *p->cos_tab);
  p->sin_tab = urn_xmalloc(half * sizeof *p->sin_tab);
  const double two_pi = 6.283185307179586476925286766559;
  for (size_t k = 0; k < half; k++) {
    /* use the symmetry of the circle so that exact values (0, 1) stay exact */
    double ang = two_pi * (double)k / (double)len;
    p->cos_tab[k] = cos(ang);
    p->sin_tab[k] = sin(ang);
    if (4 * k == len) p->cos_tab[k] = 0.0, p->sin_tab[k] = 1.0;
  }
  return 0;
}

void urn_fft_plan_free(urn_fft_plan *p) {
  free(p->bitrev);
  free(p->cos_tab);
  free(p->sin_tab);
  p->bitrev = NULL, p->cos_tab = NULL, p->sin_tab = NULL, p->len = 0;
}

void urn_fft(const urn_fft_plan *p, double *re, double *im, int inverse) {
  const size_t n = p->len;
  for (size_t i = 0; i < n; i++) {
    size_t j = p->bitrev[i];
    if (j > i) {
      double t = re[i];
      re[i] = re[j], re[j] = t;
      t = im[i], im[i] = im[j], im[j] = t;
    }
  }
  /* first stage: twiddle 1, no multiplications */
  for (size_t a = 0; a + 1 < n; a += 2) {
    double tr = re[a + 1], ti = im[a + 1];
    re[a + 1] = re[a] - tr, im[a + 1] = im[a] - ti;
    re[a] += tr, im[a] += ti;
  }
  const double sgn = inverse ? 1.0 : -1.0;
  for (size_t half = 2; half < n; half <<= 1) {
    const size_t stride = n / (2 * half); /* twiddle index step at this stage */
    for (size_t k = 0; k < half; k++) {
      const double wr = p->cos_tab[k * stride], wi = sgn * p->sin_tab[k * stride];
      for (size_t a = k; a < n; a += 2 * half) {
        const size_t b = a + half;
        const double tr = wr * re[b] - wi * im[b];
        const double ti = wr * im[b] + wi * re[b];
        re[b] = re[a] - tr, im[b] = im[a] - ti;
        re[a] += tr, im[a] += ti;
      }
    }
  }
}

/* Radix 2 on interleaved data through a plan (re/im split in scratch). */
static void pow2_dft(size_t n, double *x, int inverse, double *re, double *im) {
  urn_fft_plan p;
  urn_fft_plan_init(&p, n);
  for (size_t k = 0; k < n; k++) re[k] = x[2 * k], im[k] = x[2 * k + 1];
  urn_fft(&p, re, im, inverse);
  for (size_t k = 0; k < n; k++) x[2 * k] = re[k], x[2 * k + 1] = im[k];
  urn_fft_plan_free(&p);
}

/* Bluestein: jk = (j^2 + k^2 - (j - k)^2) / 2, so X_j = conj(w_j) sum_k (x_k conj(w_k)) w_(j-k)
 * with the chirp w_k = exp(s pi i k^2 / n) (s = +1 forward): a convolution done by radix 2. */
static void bluestein(size_t n, double *x, int inverse) {
  size_t L = urn_fft_good_size(2 * n - 1);
  double *buf = urn_xmalloc(sizeof(double) * (6 * L + 2 * n));
  double *ar = buf, *ai = ar + L, *br = ai + L, *bi = br + L, *wr = bi + L, *wi = wr + n;
  const double pi = 3.14159265358979323846264338327950288;
  const double sg = inverse ? -1.0 : 1.0;
  for (size_t k = 0; k < n; k++) {
    /* k^2 mod 2n keeps the angle small and exact */
    unsigned long long q = ((unsigned long long)k * k) % (2ULL * n);
    double ang = pi * (double)q / (double)n;
    wr[k] = cos(ang), wi[k] = sg * sin(ang);
  }
  for (size_t k = 0; k < L; k++) ar[k] = ai[k] = br[k] = bi[k] = 0;
  for (size_t k = 0; k < n; k++) {
    double xr = x[2 * k], xi = x[2 * k + 1];
    ar[k] = xr * wr[k] + xi * wi[k]; /* x_k conj(w_k) */
    ai[k] = xi * wr[k] - xr * wi[k];
    br[k] = wr[k], bi[k] = wi[k];
    if (k) br[L - k] = wr[k], bi[L - k] = wi[k];
  }
  urn_fft_plan p;
  urn_fft_plan_init(&p, L);
  urn_fft(&p, ar, ai, 0);
  urn_fft(&p, br, bi, 0);
  for (size_t k = 0; k < L; k++) {
    double r = ar[k] * br[k] - ai[k] * bi[k], i = ar[k] * bi[k] + ai[k] * br[k];
    ar[k] = r, ai[k] = i;
  }
  urn_fft(&p, ar, ai, 1);
  urn_fft_plan_free(&p);
  for (size_t j = 0; j < n; j++) {
    double cr = ar[j] / (double)L, ci = ai[j] / (double)L; /* the convolution at j */
    x[2 * j] = cr * wr[j] + ci * wi[j];                   /* times conj(w_j) */
    x[2 * j + 1] = ci * wr[j] - cr * wi[j];
  }
  free(buf);
}

void urn_dft(size_t n, double *x, int inverse) {
  if (n <= 1) return;
  if ((n & (n - 1)) == 0) {
    double *s = urn_xmalloc(sizeof(double) * 2 * n);
    pow2_dft(n, x, inverse, s, s + n);
    free(s);
  } else {
    bluestein(n, x, inverse);
  }
  if (inverse)
    for (size_t k = 0; k < 2 * n; k++) x[k] /= (double)n;
}

void urn_dft2(size_t m, size_t n, double *x, int inverse) {
  for (size_t j = 0; j < n; j++) urn_dft(m, x + 2 * j * m, inverse);
  double *row = urn_xmalloc(sizeof(double) * (2 * n + 2));
  for (size_t i = 0; i < m; i++) {
    for (size_t j = 0; j < n; j++) row[2 * j] = x[2 * (i + j * m)], row[2 * j + 1] = x[2 * (i + j * m) + 1];
    urn_dft(n, row, inverse);
    for (size_t j = 0; j < n; j++) x[2 * (i + j * m)] = row[2 * j], x[2 * (i + j * m) + 1] = row[2 * j + 1];
  }
  free(row);
}
