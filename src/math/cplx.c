/* math/cplx.c — complex dense linear algebra (see cplx.h): Schur
 * decomposition by Hessenberg reduction and implicit single-shift QR
 * (Golub & Van Loan, "Matrix Computations", 7.4-7.5, complex form),
 * eigenvectors by back substitution on the Schur form, the Hermitian
 * eigenproblem and the SVD by (cyclic, one-sided) Jacobi rotations, which are
 * simple and accurate to a few ulps of the largest eigen/singular value. */
#include "math/cplx.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

typedef double complex cd;

/* Rotation G = [c s; -conj(s) c] (c real) with G (a, b)' = (r, 0)'. */
static void givens(cd a, cd b, double *c, cd *s) {
  double aa = cabs(a), bb = cabs(b);
  if (bb == 0) { *c = 1, *s = 0; return; }
  if (aa == 0) { *c = 0, *s = conj(b) / bb; return; }
  double nrm = hypot(aa, bb);
  *c = aa / nrm;
  *s = (a / aa) * conj(b) / nrm;
}

/* Rows k, k+1 of the n x n matrix M (columns j0..n-1) <- G times them. */
static void rot_rows(cd *M, size_t n, size_t k, size_t j0, double c, cd s) {
  for (size_t j = j0; j < n; j++) {
    cd x = M[k + j * n], y = M[k + 1 + j * n];
    M[k + j * n] = c * x + s * y;
    M[k + 1 + j * n] = -conj(s) * x + c * y;
  }
}

/* Columns k, k+1 of the m-row matrix M (rows 0..i1-1) <- them times G^H. */
static void rot_cols(cd *M, size_t m, size_t k, size_t i1, double c, cd s) {
  cd *x = M + k * m, *y = M + (k + 1) * m;
  for (size_t i = 0; i < i1; i++) {
    cd a = x[i], b = y[i];
    x[i] = c * a + conj(s) * b;
    y[i] = -s * a + c * b;
  }
}

/* H <- Q^H A Q upper Hessenberg by Householder reflections; U <- U Q. */
static void hessenberg(size_t n, cd *H, cd *U) {
  cd *v = urn_xmalloc(sizeof(cd) * (n + 1));
  for (size_t k = 0; k + 2 < n; k++) {
    double xn = 0;
    for (size_t i = k + 1; i < n; i++) xn += creal(H[i + k * n] * conj(H[i + k * n]));
    xn = sqrt(xn);
    if (xn == 0) continue;
    cd x0 = H[k + 1 + k * n];
    cd alpha = -(cabs(x0) > 0 ? x0 / cabs(x0) : 1) * xn;
    size_t len = n - k - 1;
    for (size_t i = 0; i < len; i++) v[i] = H[k + 1 + i + k * n];
    v[0] -= alpha;
    double vn = 0;
    for (size_t i = 0; i < len; i++) vn += creal(v[i] * conj(v[i]));
    vn = sqrt(vn);
    if (vn == 0) continue;
    for (size_t i = 0; i < len; i++) v[i] /= vn;
    /* H <- (I - 2 v v^H) H on rows k+1.., then H <- H (I - 2 v v^H) on columns k+1.. */
    for (size_t j = 0; j < n; j++) {
      cd d = 0;
      for (size_t i = 0; i < len; i++) d += conj(v[i]) * H[k + 1 + i + j * n];
      for (size_t i = 0; i < len; i++) H[k + 1 + i + j * n] -= 2 * v[i] * d;
    }
    for (size_t i = 0; i < n; i++) {
      cd d = 0;
      for (size_t j = 0; j < len; j++) d += H[i + (k + 1 + j) * n] * v[j];
      for (size_t j = 0; j < len; j++) H[i + (k + 1 + j) * n] -= 2 * d * conj(v[j]);
    }
    if (U)
      for (size_t i = 0; i < n; i++) {
        cd d = 0;
        for (size_t j = 0; j < len; j++) d += U[i + (k + 1 + j) * n] * v[j];
        for (size_t j = 0; j < len; j++) U[i + (k + 1 + j) * n] -= 2 * d * conj(v[j]);
      }
    for (size_t i = k + 2; i < n; i++) H[i + k * n] = 0;
  }
  free(v);
}

/* The eigenvalue of the 2 x 2 block [a b; c d] closer to d (Wilkinson's shift). */
static cd wilkinson(cd a, cd b, cd c, cd d) {
  cd tr2 = 0.5 * (a + d), disc = csqrt(0.25 * (a - d) * (a - d) + b * c);
  cd l1 = tr2 + disc, l2 = tr2 - disc;
  return cabs(l1 - d) < cabs(l2 - d) ? l1 : l2;
}

int urn_cschur(size_t n, const cd *A, cd *T, cd *U) {
  memcpy(T, A, sizeof(cd) * n * n);
  if (U) {
    memset(U, 0, sizeof(cd) * n * n);
    for (size_t i = 0; i < n; i++) U[i + i * n] = 1;
  }
  if (n < 2) return 0;
  hessenberg(n, T, U);
  double norm = 0;
  for (size_t i = 0; i < n * n; i++) norm = fmax(norm, cabs(T[i]));
  size_t iu = n - 1, iter = 0, total = 0;
  while (iu > 0) {
    /* the active block [il, iu]: the first negligible subdiagonal from the bottom */
    size_t il = iu;
    while (il > 0) {
      double s = cabs(T[il - 1 + (il - 1) * n]) + cabs(T[il + il * n]);
      if (s == 0) s = norm;
      if (cabs(T[il + (il - 1) * n]) <= DBL_EPSILON * s || cabs(T[il + (il - 1) * n]) < DBL_MIN) {
        T[il + (il - 1) * n] = 0;
        break;
      }
      il--;
    }
    if (il == iu) {
      iu--, iter = 0;
      continue;
    }
    if (++total > 30 * n) return -1;
    iter++;
    cd mu = wilkinson(T[iu - 1 + (iu - 1) * n], T[iu - 1 + iu * n], T[iu + (iu - 1) * n], T[iu + iu * n]);
    if (iter % 11 == 10) /* an exceptional shift breaks cycles */
      mu = T[iu + iu * n] + fabs(creal(T[iu + (iu - 1) * n])) + fabs(cimag(T[iu + (iu - 1) * n]));
    cd x = T[il + il * n] - mu, y = T[il + 1 + il * n];
    for (size_t k = il; k < iu; k++) {
      double c;
      cd s;
      givens(x, y, &c, &s);
      rot_rows(T, n, k, k > il ? k - 1 : il, c, s);
      rot_cols(T, n, k, k + 2 <= iu ? k + 2 + 1 : iu + 1, c, s);
      if (U) rot_cols(U, n, k, n, c, s);
      if (k > il) T[k + 1 + (k - 1) * n] = 0;
      if (k + 1 < iu) x = T[k + 1 + k * n], y = T[k + 2 + k * n];
    }
  }
  /* exact zeros below the diagonal */
  for (size_t j = 0; j < n; j++)
    for (size_t i = j + 1; i < n; i++) T[i + j * n] = 0;
  return 0;
}

/* Order of eigenvalues: modulus, then real part, then imaginary part, each
 * compared with a relative tolerance of 1e-10 (the moduli of a computed
 * conjugate pair differ by rounding). */
static int eig_less(cd a, cd b) {
  double ma = cabs(a), mb = cabs(b), tol = 1e-10 * fmax(fmax(ma, mb), DBL_MIN);
  if (fabs(ma - mb) > tol) return ma < mb;
  if (fabs(creal(a) - creal(b)) > tol) return creal(a) < creal(b);
  return cimag(a) < cimag(b);
}

size_t urn_cx_phase_pivot(const cd *v, size_t n) {
  double big = -1;
  size_t at = 0;
  for (size_t i = 0; i < n; i++) {
    double a = cabs(v[i]);
    if (a > big * (1 + 1e-12)) big = a, at = i;
  }
  return at;
}

/* Unit norm, with the entry of largest modulus real and positive. */
static void normalize_phase(cd *v, size_t n) {
  double nrm = 0;
  for (size_t i = 0; i < n; i++) nrm += creal(v[i] * conj(v[i]));
  size_t at = urn_cx_phase_pivot(v, n);
  if (nrm == 0) return;
  cd ph = conj(v[at]) / cabs(v[at]) / sqrt(nrm);
  for (size_t i = 0; i < n; i++) v[i] *= ph;
  v[at] = creal(v[at]);
}

int urn_ceig(size_t n, const cd *A, cd *lambda, cd *V) {
  cd *T = urn_xmalloc(sizeof(cd) * (2 * n * n + n + 1)), *U = T + n * n, *y = U + n * n;
  if (urn_cschur(n, A, T, V ? U : NULL)) {
    free(T);
    return -1;
  }
  size_t *ord = urn_xmalloc(sizeof(size_t) * (n + 1));
  for (size_t i = 0; i < n; i++) ord[i] = i;
  for (size_t i = 1; i < n; i++) /* insertion sort: n is small */
    for (size_t j = i; j > 0 && eig_less(T[ord[j] + ord[j] * n], T[ord[j - 1] + ord[j - 1] * n]); j--) {
      size_t t = ord[j];
      ord[j] = ord[j - 1], ord[j - 1] = t;
    }
  for (size_t i = 0; i < n; i++) lambda[i] = T[ord[i] + ord[i] * n];
  if (V) {
    double norm = 0;
    for (size_t i = 0; i < n * n; i++) norm = fmax(norm, cabs(T[i]));
    double small = DBL_EPSILON * (norm > 0 ? norm : 1);
    for (size_t q = 0; q < n; q++) {
      size_t k = ord[q];
      cd lk = T[k + k * n];
      /* (T - lk I) y = 0 with y_k = 1 and y_j = 0 below k */
      for (size_t j = 0; j < n; j++) y[j] = 0;
      y[k] = 1;
      for (size_t j = k; j-- > 0;) {
        cd s = 0;
        for (size_t m = j + 1; m <= k; m++) s += T[j + m * n] * y[m];
        cd d = T[j + j * n] - lk;
        if (cabs(d) < small) d = small;
        y[j] = -s / d;
      }
      for (size_t i = 0; i < n; i++) {
        cd s = 0;
        for (size_t m = 0; m <= k; m++) s += U[i + m * n] * y[m];
        V[i + q * n] = s;
      }
      normalize_phase(V + q * n, n);
    }
  }
  free(ord);
  free(T);
  return 0;
}

int urn_cheig(size_t n, const cd *A, double *w, cd *V) {
  cd *H = urn_xmalloc(sizeof(cd) * (n * n + 1));
  /* the Hermitian matrix from the lower triangle */
  for (size_t j = 0; j < n; j++) {
    H[j + j * n] = creal(A[j + j * n]);
    for (size_t i = j + 1; i < n; i++) H[i + j * n] = A[i + j * n], H[j + i * n] = conj(A[i + j * n]);
  }
  cd *Q = V ? V : urn_xmalloc(sizeof(cd) * (n * n + 1));
  memset(Q, 0, sizeof(cd) * n * n);
  for (size_t i = 0; i < n; i++) Q[i + i * n] = 1;
  double fro = 0;
  for (size_t i = 0; i < n * n; i++) fro += creal(H[i] * conj(H[i]));
  int rc = -1;
  for (int sweep = 0; sweep < 60; sweep++) {
    double off = 0;
    for (size_t j = 0; j < n; j++)
      for (size_t i = j + 1; i < n; i++) off += 2 * creal(H[i + j * n] * conj(H[i + j * n]));
    if (off <= DBL_EPSILON * DBL_EPSILON * fro || off == 0) { rc = 0; break; }
    for (size_t p = 0; p + 1 < n; p++)
      for (size_t q = p + 1; q < n; q++) {
        cd b = H[p + q * n];
        double g = cabs(b);
        if (g == 0) continue;
        double a = creal(H[p + p * n]), d = creal(H[q + q * n]);
        /* D = diag(1, e^{-i phi}) makes the block real symmetric [a g; g d]; then Jacobi's rotation P */
        cd e = conj(b) / g; /* e^{-i phi} */
        double theta = (d - a) / (2 * g), t = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1));
        double c = 1 / sqrt(t * t + 1), s = t * c;
        /* J = D P, P = [c s; -s c]: J = [c, s; -s e, c e] */
        cd J00 = c, J01 = s, J10 = -s * e, J11 = c * e;
        for (size_t i = 0; i < n; i++) { /* H <- H J */
          cd x = H[i + p * n], y = H[i + q * n];
          H[i + p * n] = x * J00 + y * J10;
          H[i + q * n] = x * J01 + y * J11;
        }
        for (size_t j = 0; j < n; j++) { /* H <- J^H H */
          cd x = H[p + j * n], y = H[q + j * n];
          H[p + j * n] = conj(J00) * x + conj(J10) * y;
          H[q + j * n] = conj(J01) * x + conj(J11) * y;
        }
        H[p + q * n] = H[q + p * n] = 0;
        H[p + p * n] = creal(H[p + p * n]), H[q + q * n] = creal(H[q + q * n]);
        for (size_t i = 0; i < n; i++) { /* Q <- Q J */
          cd x = Q[i + p * n], y = Q[i + q * n];
          Q[i + p * n] = x * J00 + y * J10;
          Q[i + q * n] = x * J01 + y * J11;
        }
      }
  }
  if (n < 2) rc = 0;
  for (size_t i = 0; i < n; i++) w[i] = creal(H[i + i * n]);
  /* ascending, eigenvectors alongside */
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0 && w[j] < w[j - 1]; j--) {
      double t = w[j];
      w[j] = w[j - 1], w[j - 1] = t;
      for (size_t r = 0; r < n; r++) {
        cd u = Q[r + j * n];
        Q[r + j * n] = Q[r + (j - 1) * n], Q[r + (j - 1) * n] = u;
      }
    }
  if (V)
    for (size_t j = 0; j < n; j++) normalize_phase(V + j * n, n);
  else
    free(Q);
  free(H);
  return rc;
}

/* Makes column j of the m x k matrix U a unit vector orthogonal to the
 * columns listed in done[0..nd) (Gram-Schmidt from the standard basis). */
static void complete_column(cd *U, size_t m, size_t j, const size_t *done, size_t nd) {
  for (size_t e = 0; e < m; e++) {
    cd *u = U + j * m;
    for (size_t i = 0; i < m; i++) u[i] = i == e;
    for (int pass = 0; pass < 2; pass++)
      for (size_t q = 0; q < nd; q++) {
        cd *o = U + done[q] * m, d = 0;
        for (size_t i = 0; i < m; i++) d += conj(o[i]) * u[i];
        for (size_t i = 0; i < m; i++) u[i] -= d * o[i];
      }
    double nrm = 0;
    for (size_t i = 0; i < m; i++) nrm += creal(u[i] * conj(u[i]));
    if (nrm > 0.25) {
      for (size_t i = 0; i < m; i++) u[i] /= sqrt(nrm);
      return;
    }
  }
}

int urn_csvd(size_t m, size_t n, const cd *A, double *s, cd *U, cd *V) {
  if (m < n) { /* A^H = V S U^H */
    cd *B = urn_xmalloc(sizeof(cd) * (m * n + 1));
    for (size_t j = 0; j < n; j++)
      for (size_t i = 0; i < m; i++) B[j + i * n] = conj(A[i + j * m]);
    int rc = urn_csvd(n, m, B, s, V, U);
    free(B);
    return rc;
  }
  size_t k = n; /* m >= n */
  cd *W = urn_xmalloc(sizeof(cd) * (m * n + n * n + 1)), *Q = W + m * n;
  memcpy(W, A, sizeof(cd) * m * n);
  memset(Q, 0, sizeof(cd) * n * n);
  for (size_t i = 0; i < n; i++) Q[i + i * n] = 1;
  int rc = -1;
  for (int sweep = 0; sweep < 60; sweep++) {
    int rotated = 0;
    for (size_t p = 0; p + 1 < n; p++)
      for (size_t q = p + 1; q < n; q++) {
        cd *up = W + p * m, *uq = W + q * m, g = 0;
        double al = 0, be = 0;
        for (size_t i = 0; i < m; i++) {
          al += creal(up[i] * conj(up[i])), be += creal(uq[i] * conj(uq[i]));
          g += conj(up[i]) * uq[i];
        }
        double ga = cabs(g);
        if (ga == 0 || ga <= DBL_EPSILON * sqrt(al * be)) continue;
        rotated = 1;
        cd e = conj(g) / ga; /* multiplying column q by e makes up^H uq real positive */
        double zeta = (be - al) / (2 * ga), t = (zeta >= 0 ? 1.0 : -1.0) / (fabs(zeta) + sqrt(1 + zeta * zeta));
        double c = 1 / sqrt(1 + t * t), sn = c * t;
        for (size_t i = 0; i < m; i++) {
          cd x = up[i], y = uq[i] * e;
          up[i] = c * x - sn * y, uq[i] = sn * x + c * y;
        }
        cd *vp = Q + p * n, *vq = Q + q * n;
        for (size_t i = 0; i < n; i++) {
          cd x = vp[i], y = vq[i] * e;
          vp[i] = c * x - sn * y, vq[i] = sn * x + c * y;
        }
      }
    if (!rotated) { rc = 0; break; }
  }
  if (n < 2) rc = 0;
  for (size_t j = 0; j < n; j++) { /* the phase convention: each V column's largest entry real positive */
    cd *v = Q + j * n, p = v[urn_cx_phase_pivot(v, n)];
    if (cabs(p) == 0) continue;
    cd ph = conj(p) / cabs(p);
    for (size_t i = 0; i < n; i++) v[i] *= ph;
    for (size_t i = 0; i < m; i++) W[i + j * m] *= ph;
    v[urn_cx_phase_pivot(v, n)] = cabs(p);
  }
  size_t *ord = urn_xmalloc(sizeof(size_t) * (k + 1));
  double *nr = urn_xmalloc(sizeof(double) * (k + 1));
  for (size_t j = 0; j < k; j++) {
    double t = 0;
    for (size_t i = 0; i < m; i++) t += creal(W[i + j * m] * conj(W[i + j * m]));
    nr[j] = sqrt(t), ord[j] = j;
  }
  for (size_t i = 1; i < k; i++) /* decreasing singular values */
    for (size_t j = i; j > 0 && nr[ord[j]] > nr[ord[j - 1]]; j--) {
      size_t t = ord[j];
      ord[j] = ord[j - 1], ord[j - 1] = t;
    }
  double smax = k ? nr[ord[0]] : 0;
  size_t *done = urn_xmalloc(sizeof(size_t) * (k + 1)), nd = 0, *todo = urn_xmalloc(sizeof(size_t) * (k + 1)), nt = 0;
  for (size_t q = 0; q < k; q++) {
    size_t j = ord[q];
    s[q] = nr[j];
    if (V) memcpy(V + q * n, Q + j * n, sizeof(cd) * n);
    if (U) {
      if (nr[j] > DBL_EPSILON * smax * (double)m && nr[j] > 0) {
        for (size_t i = 0; i < m; i++) U[i + q * m] = W[i + j * m] / nr[j];
        done[nd++] = q;
      } else {
        todo[nt++] = q;
      }
    }
  }
  for (size_t t = 0; t < nt; t++) complete_column(U, m, todo[t], done, nd), done[nd++] = todo[t];
  free(done), free(todo), free(ord), free(nr), free(W);
  return rc;
}

int urn_csolve(size_t n, const cd *A, cd *B, size_t m) {
  cd *L = urn_xmalloc(sizeof(cd) * (n * n + 1));
  memcpy(L, A, sizeof(cd) * n * n);
  int rc = 0;
  for (size_t k = 0; k < n && rc == 0; k++) {
    size_t p = k;
    for (size_t i = k + 1; i < n; i++)
      if (cabs(L[i + k * n]) > cabs(L[p + k * n])) p = i;
    if (L[p + k * n] == 0) { rc = -1; break; }
    if (p != k) {
      for (size_t j = 0; j < n; j++) { cd t = L[k + j * n]; L[k + j * n] = L[p + j * n], L[p + j * n] = t; }
      for (size_t j = 0; j < m; j++) { cd t = B[k + j * n]; B[k + j * n] = B[p + j * n], B[p + j * n] = t; }
    }
    for (size_t i = k + 1; i < n; i++) {
      cd f = L[i + k * n] / L[k + k * n];
      if (f == 0) continue;
      for (size_t j = k; j < n; j++) L[i + j * n] -= f * L[k + j * n];
      for (size_t j = 0; j < m; j++) B[i + j * n] -= f * B[k + j * n];
    }
  }
  for (size_t j = 0; j < m && rc == 0; j++)
    for (size_t i = n; i-- > 0;) {
      cd s = B[i + j * n];
      for (size_t l = i + 1; l < n; l++) s -= L[i + l * n] * B[l + j * n];
      B[i + j * n] = s / L[i + i * n];
    }
  free(L);
  return rc;
}

int urn_cinverse(size_t n, const cd *A, cd *Ainv) {
  memset(Ainv, 0, sizeof(cd) * n * n);
  for (size_t i = 0; i < n; i++) Ainv[i + i * n] = 1;
  return urn_csolve(n, A, Ainv, n);
}
