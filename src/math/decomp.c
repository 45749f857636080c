/* math/decomp.c — the QR and singular value decompositions and the matrix exponential (column-major, as
 * math/linalg.h).
 *
 * QR: Householder reflections (Golub & Van Loan 5.2), Q accumulated backwards; signs normalised so that R's
 * diagonal is nonnegative (Stan's convention), which makes the decomposition of a full-rank matrix unique.
 * SVD: one-sided Jacobi (Hestenes; Demmel & Veselic): pairs of columns of a working copy are rotated until
 * all pairs are orthogonal to relative precision; the column norms are the singular values (high relative
 * accuracy), the normalised columns the left vectors and the accumulated rotations the right ones.  A wide
 * matrix is decomposed through its transpose.  Singular values descending; each right singular vector's
 * largest-magnitude entry is made positive (the signs are otherwise arbitrary).
 * Matrix exponential: scaling and squaring with the [13/13] Pade approximant and Higham's (2005) thresholds
 * theta_m on the 1-norm, choosing the lowest degree m in {3, 5, 7, 9, 13} that reaches double precision. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "math/linalg.h"
#include "util/util.h"

/* ---- QR ---- */

int urn_qr(const double *A, size_t m, size_t n, double *Q, double *R) {
  size_t k = m < n ? m : n;
  double *W = urn_xmalloc((m * n + 1) * sizeof *W), *v = urn_xmalloc((m + 1) * sizeof *v);
  double *betas = urn_xmalloc((k + 1) * sizeof *betas), *V = urn_xmalloc((m * k + 1) * sizeof *V);
  memcpy(W, A, m * n * sizeof *W);
  for (size_t j = 0; j < k; j++) {
    /* the reflector that zeros W[j+1.., j] */
    double norm = 0;
    for (size_t i = j; i < m; i++) norm = hypot(norm, W[i + j * m]);
    double alpha = W[j + j * m] > 0 ? -norm : norm;
    for (size_t i = 0; i < m; i++) v[i] = i < j ? 0 : W[i + j * m];
    v[j] -= alpha;
    double vv = 0;
    for (size_t i = j; i < m; i++) vv += v[i] * v[i];
    double beta = vv > 0 ? 2 / vv : 0;
    betas[j] = beta;
    memcpy(V + j * m, v, m * sizeof *v);
    for (size_t c = j; c < n; c++) {
      double s = 0;
      for (size_t i = j; i < m; i++) s += v[i] * W[i + c * m];
      s *= beta;
      for (size_t i = j; i < m; i++) W[i + c * m] -= s * v[i];
    }
  }
  /* Q = H_0 H_1 ... H_{k-1} applied to the identity (m x m), backwards */
  for (size_t j = 0; j < m; j++)
    for (size_t i = 0; i < m; i++) Q[i + j * m] = i == j;
  for (size_t jj = k; jj-- > 0;) {
    const double *vj = V + jj * m;
    for (size_t c = 0; c < m; c++) {
      double s = 0;
      for (size_t i = jj; i < m; i++) s += vj[i] * Q[i + c * m];
      s *= betas[jj];
      for (size_t i = jj; i < m; i++) Q[i + c * m] -= s * vj[i];
    }
  }
  for (size_t c = 0; c < n; c++)
    for (size_t i = 0; i < m; i++) R[i + c * m] = i <= c ? W[i + c * m] : 0;
  /* nonnegative diagonal of R: flip row i of R and column i of Q together */
  for (size_t i = 0; i < k; i++)
    if (R[i + i * m] < 0) {
      for (size_t c = 0; c < n; c++) R[i + c * m] = -R[i + c * m];
      for (size_t r = 0; r < m; r++) Q[r + i * m] = -Q[r + i * m];
    }
  free(W), free(v), free(betas), free(V);
  return 0;
}

/* ---- SVD by one-sided Jacobi ---- */

/* Tall case (m >= n): A = U diag(s) V', U m x n, V n x n. */
static int svd_tall(const double *A, size_t m, size_t n, double *U, double *s, double *V) {
  double *W = urn_xmalloc((m * n + 1) * sizeof *W);
  memcpy(W, A, m * n * sizeof *W);
  for (size_t j = 0; j < n; j++)
    for (size_t i = 0; i < n; i++) V[i + j * n] = i == j;
  int converged = 0;
  for (int sweep = 0; sweep < 80 && !converged; sweep++) {
    converged = 1;
    for (size_t p = 0; p + 1 < n; p++)
      for (size_t q = p + 1; q < n; q++) {
        double a = 0, b = 0, c = 0;
        for (size_t i = 0; i < m; i++) {
          double x = W[i + p * m], y = W[i + q * m];
          a += x * x, b += y * y, c += x * y;
        }
        if (fabs(c) <= 1e-16 * sqrt(a * b) || c == 0) continue;
        converged = 0;
        /* the rotation that makes columns p and q orthogonal */
        double zeta = (b - a) / (2 * c);
        double t = (zeta >= 0 ? 1 : -1) / (fabs(zeta) + sqrt(1 + zeta * zeta));
        double cs = 1 / sqrt(1 + t * t), sn = cs * t;
        for (size_t i = 0; i < m; i++) {
          double x = W[i + p * m], y = W[i + q * m];
          W[i + p * m] = cs * x - sn * y, W[i + q * m] = sn * x + cs * y;
        }
        for (size_t i = 0; i < n; i++) {
          double x = V[i + p * n], y = V[i + q * n];
          V[i + p * n] = cs * x - sn * y, V[i + q * n] = sn * x + cs * y;
        }
      }
  }
  /* singular values = column norms; sort descending (selection, moving U's and V's columns along) */
  for (size_t j = 0; j < n; j++) {
    double nrm = 0;
    for (size_t i = 0; i < m; i++) nrm = hypot(nrm, W[i + j * m]);
    s[j] = nrm;
  }
  for (size_t j = 0; j < n; j++) {
    size_t best = j;
    for (size_t q = j + 1; q < n; q++) if (s[q] > s[best]) best = q;
    if (best == j) continue;
    double t = s[j]; s[j] = s[best], s[best] = t;
    for (size_t i = 0; i < m; i++) t = W[i + j * m], W[i + j * m] = W[i + best * m], W[i + best * m] = t;
    for (size_t i = 0; i < n; i++) t = V[i + j * n], V[i + j * n] = V[i + best * n], V[i + best * n] = t;
  }
  for (size_t j = 0; j < n; j++)
    for (size_t i = 0; i < m; i++) U[i + j * m] = s[j] > 0 ? W[i + j * m] / s[j] : 0;
  /* columns of U for zero singular values: complete to an orthonormal set (Gram-Schmidt on unit vectors) */
  for (size_t j = 0; j < n; j++) {
    if (s[j] > 0) continue;
    for (size_t e = 0; e < m; e++) {
      for (size_t i = 0; i < m; i++) U[i + j * m] = i == e;
      for (int pass = 0; pass < 2; pass++)
        for (size_t q = 0; q < n; q++) {
          if (q == j || (s[q] == 0 && q > j)) continue;
          double d = 0;
          for (size_t i = 0; i < m; i++) d += U[i + q * m] * U[i + j * m];
          for (size_t i = 0; i < m; i++) U[i + j * m] -= d * U[i + q * m];
        }
      double nrm = 0;
      for (size_t i = 0; i < m; i++) nrm = hypot(nrm, U[i + j * m]);
      if (nrm > 0.5) {
        for (size_t i = 0; i < m; i++) U[i + j * m] /= nrm;
        break;
      }
    }
  }
  free(W);
  return converged ? 0 : 1;
}

int urn_svd(const double *A, size_t m, size_t n, double *U, double *s, double *V) {
  size_t k = m < n ? m : n;
  int r;
  if (m >= n) {
    r = svd_tall(A, m, n, U, s, V);
  } else { /* wide: A' = V S U' */
    double *T = urn_xmalloc((m * n + 1) * sizeof *T);
    urn_transpose(T, A, m, n);
    r = svd_tall(T, n, m, V, s, U);
    free(T);
  }
  /* sign: the largest entry of each right singular vector positive (U's column follows) */
  for (size_t j = 0; j < k; j++) {
    size_t big = 0;
    for (size_t i = 1; i < n; i++) if (fabs(V[i + j * n]) > fabs(V[big + j * n])) big = i;
    if (V[big + j * n] >= 0) continue;
    for (size_t i = 0; i < n; i++) V[i + j * n] = -V[i + j * n];
    for (size_t i = 0; i < m; i++) U[i + j * m] = -U[i + j * m];
  }
  return r;
}

/* ---- matrix exponential ---- */

static double norm1(const double *A, size_t n) {
  double best = 0;
  for (size_t j = 0; j < n; j++) {
    double s = 0;
    for (size_t i = 0; i < n; i++) s += fabs(A[i + j * n]);
    if (s > best) best = s;
  }
  return best;
}

int urn_matrix_exp(const double *A, size_t n, double *E) {
  /* Higham's (2005) thresholds theta_m on the 1-norm for degrees m = 3, 5, 7, 9, 13 */
  static const double theta[] = {1.495585217958292e-2, 2.539398330063230e-1, 9.504178996162932e-1,
                                 2.097847961257068e0, 5.371920351148152e0};
  static const int degs[] = {3, 5, 7, 9, 13};
  size_t nn = n > 0 ? n * n : 1;
  double *X = urn_xmalloc(6 * nn * sizeof *X);
  double *A2 = X, *P = X + nn, *Qm = X + 2 * nn, *T = X + 3 * nn, *Pw = X + 4 * nn, *S = X + 5 * nn;
  for (size_t i = 0; i < n * n; i++)
    if (!isfinite(A[i])) { free(X); return 1; }
  double a1 = norm1(A, n);
  int deg = 13, sq = 0;
  for (int i = 0; i < 4; i++)
    if (a1 <= theta[i]) { deg = degs[i]; break; }
  if (deg == 13 && a1 > theta[4]) sq = (int)ceil(log2(a1 / theta[4]));
  double scale = ldexp(1.0, -sq);
  for (size_t i = 0; i < n * n; i++) S[i] = A[i] * scale;
  /* the Pade approximant's coefficients of degree deg: c_k = (2m - k)! m! / ((2m)! k! (m - k)!) */
  double c[14];
  c[0] = 1;
  for (int k = 1; k <= deg; k++) c[k] = c[k - 1] * (double)(deg - k + 1) / ((double)k * (2.0 * deg - k + 1));
  /* U = A (sum_odd c_k A^(k-1)), V = sum_even c_k A^k, by Horner in A^2 */
  urn_matmul(A2, S, S, n, n, n);
  memset(P, 0, nn * sizeof *P), memset(Qm, 0, nn * sizeof *Qm);
  for (int k = deg; k >= 0; k--) {
    double *acc = (k & 1) ? P : Qm; /* odd part (before the final multiplication by A) and even part */
    /* acc = acc * A2 + c_k I, taking the parity's own steps */
    if (k + 2 <= deg) {
      urn_matmul(T, acc, A2, n, n, n);
      memcpy(acc, T, nn * sizeof *T);
    }
    for (size_t i = 0; i < n; i++) acc[i + i * n] += c[k];
  }
  urn_matmul(Pw, S, P, n, n, n); /* U */
  /* E = (V - U)^-1 (V + U) */
  for (size_t i = 0; i < n * n; i++) T[i] = Qm[i] - Pw[i], E[i] = Qm[i] + Pw[i];
  int r = urn_solve(T, E, n, n);
  for (int i = 0; !r && i < sq; i++) {
    urn_matmul(T, E, E, n, n, n);
    memcpy(E, T, nn * sizeof *T);
  }
  free(X);
  return r;
}
