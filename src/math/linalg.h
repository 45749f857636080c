/* math/linalg.h — small dense linear algebra for the evaluator, the
 * distributions (multi_normal, lkj) and the transforms.
 *
 * Layout: every matrix is a contiguous column-major array of doubles with
 * explicit sizes: element (i, j) of an m x n matrix A is A[i + j * m].  A
 * vector is an array of its n elements.  Results may not alias inputs unless a
 * function says "in place".  Functions that can fail (not positive definite,
 * singular) return 0 on success and nonzero otherwise; none allocates unless
 * its comment says so.  All are thread-safe. */
#ifndef URN_MATH_LINALG_H
#define URN_MATH_LINALG_H

#include <stddef.h>

/* ---- products ---- */
/* C (m x n) = A (m x k) * B (k x n).  Each element is 0, then + A[i,l] * B[l,j] for l = 0, 1, ..., k - 1 one at
 * a time (urn_dot's order): the interpreter's products, their per-element tape nodes and the native tier's
 * loops all compute this, so every path's values have the same bits. */
void urn_matmul(double *C, const double *A, const double *B, size_t m, size_t k, size_t n);
/* The reverse of C = A B (A m x k, B k x n) for an adjoint R of C (m x n), in the order a reverse sweep of one
 * node per element of C (partials in l order, A's before B's) would add the terms: newest element first, terms
 * with R[i,j] == 0 skipped (the sweep skips a node whose adjoint is 0).  Each element of G is its own chain, so
 * this is that sweep's result whenever the elements of A and B are distinct tape nodes.
 * right: G (k x n) += A' R: G[l,j] gets + R[i,j] * A[i,l] for i = m - 1 down to 0, one at a time. */
void urn_matmul_rev_right(double *G, const double *A, const double *R, size_t m, size_t k, size_t n);
/* left: G (m x k) += R B': G[i,l] gets + R[i,j] * B[l,j] for j = n - 1 down to 0, one at a time. */
void urn_matmul_rev_left(double *G, const double *R, const double *B, size_t m, size_t k, size_t n);
/* C (m x n) = A' * B with A (k x m), B (k x n). */
void urn_matmul_tn(double *C, const double *A, const double *B, size_t m, size_t k, size_t n);
/* C (m x n) = A * B' with A (m x k), B (n x k). */
void urn_matmul_nt(double *C, const double *A, const double *B, size_t m, size_t k, size_t n);
/* y (m) = A (m x n) x (n), in urn_matmul's order. */
void urn_matvec(double *y, const double *A, const double *x, size_t m, size_t n);
/* y (n) = A' x with A (m x n), x (m). */
void urn_matvec_t(double *y, const double *A, const double *x, size_t m, size_t n);
/* sum_i x[i] y[i]. */
double urn_dot(const double *x, const double *y, size_t n);
/* x' A x for square A (n x n). */
double urn_quad_form(const double *A, const double *x, size_t n);
/* C (n x n) = A' A for A (m x n). */
void urn_crossprod(double *C, const double *A, size_t m, size_t n);
/* C (m x m) = A A' for A (m x n); with A lower triangular this is Stan's
 * multiply_lower_tri_self_transpose. */
void urn_tcrossprod(double *C, const double *A, size_t m, size_t n);
/* B (n x m) = A' for A (m x n). */
void urn_transpose(double *B, const double *A, size_t m, size_t n);

/* ---- Cholesky ---- */
/* Lower Cholesky factor L of the symmetric n x n matrix A (only its lower
 * triangle is read), A = L L'; L's strict upper triangle is set to 0.  L may
 * equal A (in place).  Returns 0, or j + 1 when the leading (j+1) x (j+1)
 * block is not positive definite (pivot <= 0 or not finite). */
int urn_cholesky(double *L, const double *A, size_t n);
/* The same, refusing pivots that are not > rel_tol * max_i |A_ii| (numerically
 * singular matrices); rel_tol = 0 is urn_cholesky. */
int urn_cholesky_tol(double *L, const double *A, size_t n, double rel_tol);
/* Solves H x = g for symmetric H by Cholesky, adding tau I to the diagonal
 * (tau = 1e-12 max|H_ii|, then tenfold) until it factorises: the regularised
 * Newton step.  work holds 2 n^2 doubles.  Returns 0, or -1 if it never does. */
int urn_pd_solve_ridge(const double *H, const double *g, double *x, size_t n, double *work);
/* log det A = 2 sum log L_jj from its Cholesky factor. */
double urn_cholesky_logdet(const double *L, size_t n);
/* Solves A X = B in place (B is n x m) given A's Cholesky factor L. */
void urn_cholesky_solve(const double *L, double *B, size_t n, size_t m);
/* Ainv (n x n) = A^-1 from A's Cholesky factor L (Ainv must not alias L). */
void urn_cholesky_inverse(double *Ainv, const double *L, size_t n);

/* ---- triangular solves, in place on B (n x m); T is n x n ---- */
void urn_trsm_lower(const double *L, double *B, size_t n, size_t m);   /* L X = B */
void urn_trsm_lower_t(const double *L, double *B, size_t n, size_t m); /* L' X = B */
void urn_trsm_upper(const double *U, double *B, size_t n, size_t m);   /* U X = B */
void urn_trsm_upper_t(const double *U, double *B, size_t n, size_t m); /* U' X = B */

/* ---- general square matrices (LU with partial pivoting) ---- */
/* Factors A (n x n) in place into L (unit lower, below the diagonal) and U;
 * piv[i] is the row swapped with row i at step i.  Returns 0, or j + 1 when
 * U_jj is exactly 0 (singular). */
int urn_lu(double *A, size_t n, size_t *piv);
/* Solves A X = B in place (B n x m) from urn_lu's factors. */
void urn_lu_solve(const double *LU, const size_t *piv, double *B, size_t n, size_t m);
/* log |det A| from urn_lu's factors; *sign gets the sign of det A (0 if singular). */
double urn_lu_logabsdet(const double *LU, const size_t *piv, size_t n, int *sign);
/* Solves A X = B (A n x n, B n x m, X overwrites B).  Allocates an n x n copy
 * and the pivots.  Returns 0, or nonzero when A is singular. */
int urn_solve(const double *A, double *B, size_t n, size_t m);
/* Ainv = A^-1 (n x n; allocates).  Returns 0, or nonzero when A is singular. */
int urn_inverse(double *Ainv, const double *A, size_t n);
/* log |det A| and its sign (allocates); -inf and sign 0 when singular. */
double urn_log_abs_det(const double *A, size_t n, int *sign);

/* ---- symmetric eigendecomposition (cyclic Jacobi) ---- */
/* Eigenvalues of the symmetric n x n matrix A (lower triangle read) in
 * ascending order into evals (n), and the matching unit eigenvectors as the
 * columns of evecs (n x n, may be NULL).  Allocates an n x n work copy.
 * Returns 0, or nonzero if the sweeps did not converge (not expected). */
int urn_eigen_sym(const double *A, size_t n, double *evals, double *evecs);

/* ---- math/decomp.c ---- */
/* A (m x n) = Q R with Q (m x m) orthogonal and R (m x n) upper triangular with a nonnegative diagonal. */
int urn_qr(const double *A, size_t m, size_t n, double *Q, double *R);
/* Thin SVD A (m x n) = U diag(s) V', k = min(m, n): U m x k, s k (descending), V n x k; nonzero when the
 * Jacobi sweeps did not converge. */
int urn_svd(const double *A, size_t m, size_t n, double *U, double *s, double *V);
/* E = exp(A) for n x n A (scaling and squaring, Pade 13); nonzero for a non-finite A or a singular
 * denominator. */
int urn_matrix_exp(const double *A, size_t n, double *E);

#endif
