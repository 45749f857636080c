/* math/cplx.h — complex dense linear algebra for Stan's complex functions:
 * the complex Schur decomposition, eigenvalues and eigenvectors of general
 * (real or complex) matrices, the Hermitian eigenproblem, the singular value
 * decomposition of complex matrices (the Fourier transforms are in
 * math/fft.h).
 *
 * Storage: a complex number is two doubles (re, im) — the layout of C's
 * `double complex` and of the evaluator's complex values — and matrices are
 * column-major (element (i, j) of an m x n matrix at i + j * m).  Every
 * function works on caller storage, allocates only its own scratch, and is
 * thread-safe. */
#ifndef URN_MATH_CPLX_H
#define URN_MATH_CPLX_H

#include <complex.h>
#include <stddef.h>

/* A = U T U^H with U unitary and T upper triangular (n x n; U may be NULL).
 * Householder reduction to Hessenberg form, then single-shift QR with
 * Wilkinson shifts and deflation.  Returns 0, or -1 when the iteration does
 * not converge (30 n sweeps per eigenvalue). */
int urn_cschur(size_t n, const double complex *A, double complex *T, double complex *U);

/* Eigenvalues lambda[0..n) of a general matrix A, sorted by increasing
 * modulus (ties within 1e-10 relative: real part, then imaginary part), and, when V is not NULL,
 * unit-norm eigenvectors as V's columns in the same order, each with its
 * entry of largest modulus real and positive.  Returns 0 or -1 (no
 * convergence). */
int urn_ceig(size_t n, const double complex *A, double complex *lambda, double complex *V);

/* The Hermitian eigenproblem (only A's lower triangle and the real parts of
 * its diagonal are read): ascending real eigenvalues w[0..n) and, when V is
 * not NULL, orthonormal eigenvectors as columns, each with its entry of
 * largest modulus real and positive.  Cyclic complex Jacobi rotations.
 * Returns 0 or -1 (no convergence). */
int urn_cheig(size_t n, const double complex *A, double *w, double complex *V);

/* Thin singular value decomposition A = U diag(s) V^H of an m x n matrix:
 * k = min(m, n) singular values s in decreasing order; U (m x k) and V
 * (n x k) with orthonormal columns, either may be NULL.  The phase of each
 * pair (u_k, v_k) is fixed by making the largest entry (urn_cx_phase_pivot)
 * of v_k real positive when m >= n, of u_k when m < n.  One-sided Jacobi
 * rotations.  Returns 0 or -1 (no convergence). */
int urn_csvd(size_t m, size_t n, const double complex *A, double *s, double complex *U, double complex *V);

/* The entry of v[0..n) whose phase the conventions above fix: the first of
 * largest modulus (within a relative 1e-12). */
size_t urn_cx_phase_pivot(const double complex *v, size_t n);

/* Solves A X = B for X (A n x n, B n x m, X overwriting B) by LU with
 * partial pivoting; A is not modified.  Returns 0, or -1 when A is singular. */
int urn_csolve(size_t n, const double complex *A, double complex *B, size_t m);

/* Ainv = A^-1 (n x n).  Returns 0, or -1 when A is singular. */
int urn_cinverse(size_t n, const double complex *A, double complex *Ainv);

#endif
