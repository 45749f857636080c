/* diag/fft.c — iterative radix-2 decimation-in-time FFT with precomputed
 * bit-reversal and twiddle tables (see fft.h).  Twiddles are cos/sin of the exact
 * angle for each index rather than a recurrence, so rounding stays at a few ulps
 * whatever the length. */
#include "diag/fft.h"

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
