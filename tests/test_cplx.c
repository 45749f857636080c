/* tests/test_cplx.c — complex numerics behind Stan's complex functions
 * (math/cplx.h, math/fft.h): discrete Fourier transforms of every length
 * against numpy (radix 2 and Bluestein), the 2-D transforms, eigenvalues of a
 * real and of a complex general matrix, Hermitian eigenvalues and singular
 * values against numpy (tests/data/gen_cplx.py), and the identities that
 * define the decompositions: A = U T U^H with U unitary and T upper
 * triangular, A v = lambda v with unit-norm v, H V = V diag(w) with V
 * unitary, A = U diag(s) V^H with orthonormal columns (also for
 * rank-deficient matrices). */
#include <complex.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "math/cplx.h"
#include "math/fft.h"
#include "math/rng.h"
#include "data/cplx_table.h"

typedef double complex cd;

static const cd *C(const double *p) { return (const cd *)p; }

/* max |a - b| / max(1, |b|) over n complex numbers. */
static double cerr(const cd *a, const cd *b, size_t n) {
  double e = 0;
  for (size_t i = 0; i < n; i++) e = fmax(e, cabs(a[i] - b[i]) / fmax(1, cabs(b[i])));
  return e;
}

static void test_dft(void) {
  const double *xs[] = {cx_dft_x1, cx_dft_x2, cx_dft_x3, cx_dft_x5, cx_dft_x8, cx_dft_x12, cx_dft_x17, cx_dft_x64, cx_dft_x100};
  const double *Fs[] = {cx_dft_X1, cx_dft_X2, cx_dft_X3, cx_dft_X5, cx_dft_X8, cx_dft_X12, cx_dft_X17, cx_dft_X64, cx_dft_X100};
  const double *Is[] = {cx_idft_X1, cx_idft_X2, cx_idft_X3, cx_idft_X5, cx_idft_X8, cx_idft_X12, cx_idft_X17, cx_idft_X64,
                        cx_idft_X100};
  double worst = 0;
  for (int t = 0; t < 9; t++) {
    size_t n = (size_t)cx_dft_lens[t];
    cd *y = malloc(sizeof(cd) * n);
    memcpy(y, xs[t], sizeof(cd) * n);
    urn_dft(n, (double *)y, 0);
    double e = cerr(y, C(Fs[t]), n);
    CHECK(e < 1e-13, "fft of length %zu against numpy (worst %.3g)", n, e);
    worst = fmax(worst, e);
    urn_dft(n, (double *)y, 1);
    e = cerr(y, C(xs[t]), n);
    CHECK(e < 1e-14, "inv_fft(fft(x)) = x for length %zu (worst %.3g)", n, e);
    memcpy(y, xs[t], sizeof(cd) * n);
    urn_dft(n, (double *)y, 1);
    e = cerr(y, C(Is[t]), n);
    CHECK(e < 1e-14, "inv_fft of length %zu against numpy (worst %.3g)", n, e);
    free(y);
  }
  cd M[15];
  memcpy(M, cx_dft2_M, sizeof M);
  urn_dft2(3, 5, (double *)M, 0);
  CHECK(cerr(M, C(cx_dft2_F), 15) < 1e-13, "fft2 of a 3 x 5 matrix against numpy");
  memcpy(M, cx_dft2_M, sizeof M);
  urn_dft2(3, 5, (double *)M, 1);
  CHECK(cerr(M, C(cx_dft2_I), 15) < 1e-14, "inv_fft2 of a 3 x 5 matrix against numpy");
  printf("fft against numpy: worst %.2e\n", worst);
}

/* ||A - U T U^H||, U^H U = I, T upper triangular. */
static void check_schur(size_t n, const cd *A, const char *what) {
  cd *T = malloc(sizeof(cd) * n * n * 3), *U = T + n * n, *R = U + n * n;
  CHECK(urn_cschur(n, A, T, U) == 0, "%s: Schur converges", what);
  double er = 0, eu = 0, el = 0, na = 0;
  for (size_t i = 0; i < n * n; i++) na = fmax(na, cabs(A[i]));
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) {
      cd s = 0, g = 0;
      for (size_t k = 0; k < n; k++) {
        for (size_t l = 0; l < n; l++) s += U[i + k * n] * T[k + l * n] * conj(U[j + l * n]);
        g += conj(U[k + i * n]) * U[k + j * n];
      }
      R[i + j * n] = s;
      er = fmax(er, cabs(s - A[i + j * n]));
      eu = fmax(eu, cabs(g - (i == j)));
      if (i > j) el = fmax(el, cabs(T[i + j * n]));
    }
  CHECK(er < 1e-13 * fmax(1, na) * n, "%s: A = U T U^H (worst %.3g)", what, er);
  CHECK(eu < 1e-13 * n, "%s: U unitary (worst %.3g)", what, eu);
  CHECK(el == 0, "%s: T upper triangular", what);
  free(T);
}

static void check_eig(size_t n, const cd *A, const cd *want, const char *what) {
  cd *w = malloc(sizeof(cd) * (n + n * n)), *V = w + n;
  CHECK(urn_ceig(n, A, w, V) == 0, "%s: eigen converges", what);
  if (want) {
    double e = cerr(w, want, n);
    CHECK(e < 1e-12, "%s: eigenvalues against numpy (worst %.3g)", what, e);
  }
  double er = 0, en = 0;
  for (size_t q = 0; q < n; q++) {
    double nrm = 0;
    for (size_t i = 0; i < n; i++) {
      cd s = 0;
      for (size_t k = 0; k < n; k++) s += A[i + k * n] * V[k + q * n];
      er = fmax(er, cabs(s - w[q] * V[i + q * n]));
      nrm += creal(V[i + q * n] * conj(V[i + q * n]));
    }
    en = fmax(en, fabs(nrm - 1));
  }
  CHECK(er < 1e-12, "%s: A v = lambda v (worst %.3g)", what, er);
  CHECK(en < 1e-14, "%s: unit-norm eigenvectors (worst %.3g)", what, en);
  free(w);
}

static void check_svd(size_t m, size_t n, const cd *A, const double *want, const char *what) {
  size_t k = m < n ? m : n;
  double *s = malloc(sizeof(double) * k);
  cd *U = malloc(sizeof(cd) * m * k), *V = malloc(sizeof(cd) * n * k);
  CHECK(urn_csvd(m, n, A, s, U, V) == 0, "%s: SVD converges", what);
  if (want) {
    double e = 0;
    for (size_t i = 0; i < k; i++) e = fmax(e, fabs(s[i] - want[i]) / fmax(1, want[i]));
    CHECK(e < 1e-13, "%s: singular values against numpy (worst %.3g)", what, e);
  }
  double er = 0, eu = 0, ev = 0;
  for (size_t i = 0; i < m; i++)
    for (size_t j = 0; j < n; j++) {
      cd t = 0;
      for (size_t q = 0; q < k; q++) t += U[i + q * m] * s[q] * conj(V[j + q * n]);
      er = fmax(er, cabs(t - A[i + j * m]));
    }
  for (size_t p = 0; p < k; p++)
    for (size_t q = 0; q < k; q++) {
      cd gu = 0, gv = 0;
      for (size_t i = 0; i < m; i++) gu += conj(U[i + p * m]) * U[i + q * m];
      for (size_t i = 0; i < n; i++) gv += conj(V[i + p * n]) * V[i + q * n];
      eu = fmax(eu, cabs(gu - (p == q))), ev = fmax(ev, cabs(gv - (p == q)));
    }
  for (size_t q = 1; q < k; q++) CHECK(s[q] <= s[q - 1], "%s: decreasing singular values", what);
  CHECK(er < 1e-13 * (m + n), "%s: A = U S V^H (worst %.3g)", what, er);
  CHECK(eu < 1e-13 * (m + n) && ev < 1e-13 * (m + n), "%s: orthonormal U, V (%.3g, %.3g)", what, eu, ev);
  free(s), free(U), free(V);
}

static void test_decompositions(void) {
  check_schur(5, C(cx_eig_A), "real 5 x 5");
  check_schur(4, C(cx_eig_B), "complex 4 x 4");
  check_eig(5, C(cx_eig_A), C(cx_eig_A_w), "real 5 x 5");
  check_eig(4, C(cx_eig_B), C(cx_eig_B_w), "complex 4 x 4");
  /* a rotation (eigenvalues +-i), a defective Jordan block, a diagonal and a 1 x 1 matrix */
  cd rot[4] = {0, 1, -1, 0}, jor[4] = {2, 0, 1, 2}, dia[9] = {3, 0, 0, 0, -1, 0, 0, 0, 2}, one[1] = {-2.5 + 1i};
  check_schur(2, rot, "rotation");
  cd wr[2], Vr[4];
  urn_ceig(2, rot, wr, Vr);
  CHECK(cabs(wr[0] + 1i) < 1e-15 && cabs(wr[1] - 1i) < 1e-15, "rotation eigenvalues -i, i in that order");
  check_schur(2, jor, "Jordan block");
  check_eig(3, dia, NULL, "diagonal");
  cd wd[3], Vd[9];
  urn_ceig(3, dia, wd, Vd);
  CHECK(creal(wd[0]) == -1 && creal(wd[1]) == 2 && creal(wd[2]) == 3, "diagonal: eigenvalues by modulus");
  CHECK(creal(Vd[1]) == 1 && cimag(Vd[1]) == 0, "diagonal: eigenvector e2 exactly, real and positive");
  check_eig(1, one, one, "1 x 1");
  /* a larger random matrix */
  urn_rng r;
  urn_rng_seed(&r, 99, 0);
  cd big[400];
  for (int i = 0; i < 400; i++) big[i] = urn_rng_normal(&r) + 1i * urn_rng_normal(&r);
  check_schur(20, big, "complex 20 x 20");
  check_eig(20, big, NULL, "complex 20 x 20");
  /* Hermitian */
  double w[4];
  cd V[16];
  CHECK(urn_cheig(4, C(cx_heig_H), w, V) == 0, "Hermitian eigen converges");
  double e = 0, ev = 0;
  for (int i = 0; i < 4; i++) e = fmax(e, fabs(w[i] - cx_heig_w[i]) / fmax(1, fabs(cx_heig_w[i])));
  CHECK(e < 1e-13, "Hermitian eigenvalues against numpy (worst %.3g)", e);
  for (int q = 0; q < 4; q++)
    for (int i = 0; i < 4; i++) {
      cd s = 0;
      for (int k = 0; k < 4; k++) s += C(cx_heig_H)[i + 4 * k] * V[k + 4 * q];
      ev = fmax(ev, cabs(s - w[q] * V[i + 4 * q]));
    }
  CHECK(ev < 1e-13, "H v = w v (worst %.3g)", ev);
  /* SVD: tall, wide, rank-deficient (two equal columns), zero */
  check_svd(5, 3, C(cx_svd_T), cx_svd_T_s, "tall 5 x 3");
  check_svd(3, 4, C(cx_svd_W), cx_svd_W_s, "wide 3 x 4");
  cd rk[6] = {1 + 1i, 2, -1i, 1 + 1i, 2, -1i};
  check_svd(3, 2, rk, NULL, "rank 1, 3 x 2");
  cd z[6] = {0};
  check_svd(2, 3, z, NULL, "zero 2 x 3");
}

int main(void) {
  test_dft();
  test_decompositions();
  return test_done();
}
