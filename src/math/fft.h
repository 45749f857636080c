/* math/fft.h — a small in-place complex FFT (iterative radix-2, lengths that are
 * powers of two) used for the FFT-based autocovariance of MCMC chains, and on
 * top of it the discrete Fourier transform of any length (Bluestein's chirp
 * transform) and of matrices, for Stan's fft, inv_fft, fft2 and inv_fft2.
 *
 * A plan holds the bit-reversal permutation and the twiddle factors for one
 * length; it is read-only after creation, so one plan may serve many threads. */
#ifndef URN_MATH_FFT_H
#define URN_MATH_FFT_H

#include <stddef.h>

typedef struct urn_fft_plan {
  size_t len;       /* transform length, a power of two >= 1 */
  unsigned log2len; /* log2(len) */
  size_t *bitrev;   /* len entries: bit-reversed index of i */
  double *cos_tab;  /* len/2 entries: cos(2*pi*k/len), computed directly for accuracy */
  double *sin_tab;  /* len/2 entries: sin(2*pi*k/len) */
} urn_fft_plan;

/* The smallest power of two >= n (n >= 1). */
size_t urn_fft_good_size(size_t n);
/* Prepares a plan for len (a power of two); returns 0, or -1 if len is not one. */
int urn_fft_plan_init(urn_fft_plan *p, size_t len);
void urn_fft_plan_free(urn_fft_plan *p);
/* In-place transform of (re[k] + i im[k]), k < p->len.  inverse = 0 computes
 * X_j = sum_k x_k exp(-2 pi i jk/len); inverse = 1 uses exp(+...) and does not
 * divide by len (R's fft(..., inverse = TRUE) convention). */
void urn_fft(const urn_fft_plan *p, double *re, double *im, int inverse);

/* In-place discrete Fourier transform of x[0..n) (n complex numbers as
 * interleaved (re, im) doubles), any n:
 *   inverse 0: X_j = sum_k x_k exp(-2 pi i jk / n)            (Stan's fft);
 *   inverse 1: x_k = (1/n) sum_j X_j exp(+2 pi i jk / n)      (Stan's inv_fft).
 * Radix 2 for powers of two, Bluestein's chirp transform (three transforms of
 * a power-of-two length >= 2n - 1) otherwise. */
void urn_dft(size_t n, double *x, int inverse);

/* The two-dimensional transform of an m x n column-major complex matrix
 * (every column, then every row): Stan's fft2 (inverse 0) and inv_fft2 (1,
 * scaled by 1/(m n)). */
void urn_dft2(size_t m, size_t n, double *x, int inverse);

#endif
