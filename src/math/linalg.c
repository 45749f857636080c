/* math/linalg.c — small dense column-major linear algebra (see linalg.h).
 * Plain loops: the matrices urn meets in models are small (tens of rows), so
 * clarity and exactness of the failure reports matter more than blocking; the
 * products (urn_matmul, urn_matvec and the reverse kernels urn_matmul_rev_*) are
 * register-blocked over rows with the scalar loop's order of operations per
 * element, since every evaluation path's products and gradients run through them. */
#include "math/linalg.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

#define AT(A, i, j, ld) (A)[(i) + (j) * (ld)]

/* Two doubles as one value (GCC vector extensions, as math/dist_glm.c: SIMD in the SSE2 registers every x86-64
 * has, at any optimisation level); la_v2u may sit at any 8-byte boundary.  Each lane does exactly the scalar
 * code's operations (a product, then a sum: no contraction), so the bits are the scalar loop's. */
typedef double la_v2 __attribute__((vector_size(16)));
typedef double la_v2u __attribute__((vector_size(16), aligned(8)));

/* c (m) = A (m x k, column-major, leading dimension m) b (k): each c[i] is 0, then + A[i,l] * b[l] for l = 0,
 * 1, ..., k - 1 in turn, the order of urn_dot (so of every path's product).  Rows in blocks of 16 (eight
 * accumulators held in registers over the whole of l: independent chains, A read in memory order), then pairs,
 * then a last row alone. */
static void matvec_kernel(double *restrict c, const double *restrict A, const double *restrict b, size_t m, size_t k) {
  size_t i = 0;
  for (; i + 16 <= m; i += 16) {
    la_v2 s0 = {0, 0}, s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
    const double *a = A + i;
    for (size_t l = 0; l < k; l++, a += m) {
      la_v2 bl = {b[l], b[l]};
      s0 += *(const la_v2u *)(a + 0) * bl, s1 += *(const la_v2u *)(a + 2) * bl;
      s2 += *(const la_v2u *)(a + 4) * bl, s3 += *(const la_v2u *)(a + 6) * bl;
      s4 += *(const la_v2u *)(a + 8) * bl, s5 += *(const la_v2u *)(a + 10) * bl;
      s6 += *(const la_v2u *)(a + 12) * bl, s7 += *(const la_v2u *)(a + 14) * bl;
    }
    *(la_v2u *)(c + i + 0) = s0, *(la_v2u *)(c + i + 2) = s1, *(la_v2u *)(c + i + 4) = s2, *(la_v2u *)(c + i + 6) = s3;
    *(la_v2u *)(c + i + 8) = s4, *(la_v2u *)(c + i + 10) = s5, *(la_v2u *)(c + i + 12) = s6, *(la_v2u *)(c + i + 14) = s7;
  }
  for (; i + 8 <= m; i += 8) {
    la_v2 s0 = {0, 0}, s1 = s0, s2 = s0, s3 = s0;
    const double *a = A + i;
    for (size_t l = 0; l < k; l++, a += m) {
      la_v2 bl = {b[l], b[l]};
      s0 += *(const la_v2u *)(a + 0) * bl, s1 += *(const la_v2u *)(a + 2) * bl;
      s2 += *(const la_v2u *)(a + 4) * bl, s3 += *(const la_v2u *)(a + 6) * bl;
    }
    *(la_v2u *)(c + i + 0) = s0, *(la_v2u *)(c + i + 2) = s1, *(la_v2u *)(c + i + 4) = s2, *(la_v2u *)(c + i + 6) = s3;
  }
  for (; i + 2 <= m; i += 2) {
    la_v2 s0 = {0, 0};
    const double *a = A + i;
    for (size_t l = 0; l < k; l++, a += m) {
      la_v2 bl = {b[l], b[l]};
      s0 += *(const la_v2u *)a * bl;
    }
    *(la_v2u *)(c + i) = s0;
  }
  if (i < m) {
    double s = 0;
    for (size_t l = 0; l < k; l++) s += A[i + l * m] * b[l];
    c[i] = s;
  }
}

void urn_matmul(double *C, const double *A, const double *B, size_t m, size_t k, size_t n) {
  for (size_t j = 0; j < n; j++) matvec_kernel(C + j * m, A, B + j * k, m, k);
}

/* Lane-wise choice: a where m is set (all ones), else b. */
typedef long long la_v2i __attribute__((vector_size(16)));
static inline la_v2 la_select(la_v2i m, la_v2 a, la_v2 b) { return (la_v2)(((la_v2i)a & m) | ((la_v2i)b & ~m)); }

void urn_matmul_rev_right(double *restrict G, const double *restrict A, const double *restrict R, size_t m, size_t k,
                          size_t n) {
  for (size_t j = 0; j < n; j++) {
    const double *r = R + j * m;
    double *g = G + j * k;
    size_t l = 0;
    /* eight columns of A at a time: eight independent chains, two to a register */
    for (; l + 8 <= k; l += 8) {
      const double *a0 = A + l * m, *a1 = a0 + m, *a2 = a1 + m, *a3 = a2 + m, *a4 = a3 + m, *a5 = a4 + m, *a6 = a5 + m,
                   *a7 = a6 + m;
      la_v2 s0 = {g[l], g[l + 1]}, s1 = {g[l + 2], g[l + 3]}, s2 = {g[l + 4], g[l + 5]}, s3 = {g[l + 6], g[l + 7]};
      for (size_t i = m; i-- > 0;) {
        double ri = r[i];
        if (ri == 0) continue;
        la_v2 rv = {ri, ri}, x0 = {a0[i], a1[i]}, x1 = {a2[i], a3[i]}, x2 = {a4[i], a5[i]}, x3 = {a6[i], a7[i]};
        s0 += rv * x0, s1 += rv * x1, s2 += rv * x2, s3 += rv * x3;
      }
      g[l] = s0[0], g[l + 1] = s0[1], g[l + 2] = s1[0], g[l + 3] = s1[1];
      g[l + 4] = s2[0], g[l + 5] = s2[1], g[l + 6] = s3[0], g[l + 7] = s3[1];
    }
    for (; l + 2 <= k; l += 2) {
      const double *a0 = A + l * m, *a1 = a0 + m;
      la_v2 s0 = {g[l], g[l + 1]};
      for (size_t i = m; i-- > 0;) {
        double ri = r[i];
        if (ri == 0) continue;
        la_v2 rv = {ri, ri}, x0 = {a0[i], a1[i]};
        s0 += rv * x0;
      }
      g[l] = s0[0], g[l + 1] = s0[1];
    }
    if (l < k) {
      const double *a0 = A + l * m;
      double s = g[l];
      for (size_t i = m; i-- > 0;)
        if (r[i] != 0) s += r[i] * a0[i];
      g[l] = s;
    }
  }
}

/* The step of urn_matmul_rev_left for one pair of rows: g + r * b where r is nonzero, else g (as skipping the
 * term: no 0 * inf). */
static inline la_v2 rev_left_step(la_v2 g, la_v2 r, la_v2 b) {
  const la_v2 zero = {0, 0};
  return la_select(r != zero, g + r * b, g);
}

void urn_matmul_rev_left(double *restrict G, const double *restrict R, const double *restrict B, size_t m, size_t k,
                         size_t n) {
  for (size_t l = 0; l < k; l++) {
    double *g = G + l * m;
    const double *b = B + l;
    size_t i = 0;
    /* eight rows of G's column l held in registers over every j (newest first): four independent chains */
    for (; i + 8 <= m; i += 8) {
      la_v2 g0 = *(la_v2u *)(g + i), g1 = *(la_v2u *)(g + i + 2), g2 = *(la_v2u *)(g + i + 4), g3 = *(la_v2u *)(g + i + 6);
      for (size_t j = n; j-- > 0;) {
        const double *r = R + j * m + i;
        const la_v2 bv = {b[j * k], b[j * k]};
        g0 = rev_left_step(g0, *(const la_v2u *)r, bv), g1 = rev_left_step(g1, *(const la_v2u *)(r + 2), bv);
        g2 = rev_left_step(g2, *(const la_v2u *)(r + 4), bv), g3 = rev_left_step(g3, *(const la_v2u *)(r + 6), bv);
      }
      *(la_v2u *)(g + i) = g0, *(la_v2u *)(g + i + 2) = g1, *(la_v2u *)(g + i + 4) = g2, *(la_v2u *)(g + i + 6) = g3;
    }
    for (; i + 2 <= m; i += 2) {
      la_v2 g0 = *(la_v2u *)(g + i);
      for (size_t j = n; j-- > 0;) {
        const la_v2 bv = {b[j * k], b[j * k]};
        g0 = rev_left_step(g0, *(const la_v2u *)(R + j * m + i), bv);
      }
      *(la_v2u *)(g + i) = g0;
    }
    if (i < m) {
      double s = g[i];
      for (size_t j = n; j-- > 0;)
        if (R[i + j * m] != 0) s += R[i + j * m] * b[j * k];
      g[i] = s;
    }
  }
}

void urn_matmul_tn(double *C, const double *A, const double *B, size_t m, size_t k, size_t n) {
  for (size_t j = 0; j < n; j++)
    for (size_t i = 0; i < m; i++) AT(C, i, j, m) = urn_dot(A + i * k, B + j * k, k);
}

void urn_matmul_nt(double *C, const double *A, const double *B, size_t m, size_t k, size_t n) {
  for (size_t j = 0; j < n; j++) {
    double *c = C + j * m;
    for (size_t i = 0; i < m; i++) c[i] = 0;
    for (size_t l = 0; l < k; l++) {
      double b = AT(B, j, l, n);
      const double *a = A + l * m;
      for (size_t i = 0; i < m; i++) c[i] += a[i] * b;
    }
  }
}

void urn_matvec(double *y, const double *A, const double *x, size_t m, size_t n) { matvec_kernel(y, A, x, m, n); }

void urn_matvec_t(double *y, const double *A, const double *x, size_t m, size_t n) {
  for (size_t j = 0; j < n; j++) y[j] = urn_dot(A + j * m, x, m);
}

double urn_dot(const double *x, const double *y, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; i++) s += x[i] * y[i];
  return s;
}

double urn_quad_form(const double *A, const double *x, size_t n) {
  double s = 0;
  for (size_t j = 0; j < n; j++) s += x[j] * urn_dot(A + j * n, x, n);
  return s;
}

void urn_crossprod(double *C, const double *A, size_t m, size_t n) {
  for (size_t j = 0; j < n; j++)
    for (size_t i = 0; i <= j; i++) AT(C, i, j, n) = AT(C, j, i, n) = urn_dot(A + i * m, A + j * m, m);
}

void urn_tcrossprod(double *C, const double *A, size_t m, size_t n) {
  for (size_t j = 0; j < m; j++)
    for (size_t i = 0; i <= j; i++) {
      double s = 0;
      for (size_t l = 0; l < n; l++) s += AT(A, i, l, m) * AT(A, j, l, m);
      AT(C, i, j, m) = AT(C, j, i, m) = s;
    }
}

void urn_transpose(double *B, const double *A, size_t m, size_t n) {
  for (size_t j = 0; j < n; j++)
    for (size_t i = 0; i < m; i++) AT(B, j, i, n) = AT(A, i, j, m);
}

int urn_cholesky(double *L, const double *A, size_t n) { return urn_cholesky_tol(L, A, n, 0.0); }

int urn_cholesky_tol(double *L, const double *A, size_t n, double rel_tol) {
  double floor_ = 0.0; /* pivots must exceed rel_tol * max_i |A_ii| */
  if (rel_tol > 0)
    for (size_t j = 0; j < n; j++)
      if (fabs(AT(A, j, j, n)) * rel_tol > floor_) floor_ = fabs(AT(A, j, j, n)) * rel_tol;
  for (size_t j = 0; j < n; j++) {
    double s = AT(A, j, j, n);
    for (size_t k = 0; k < j; k++) s -= AT(L, j, k, n) * AT(L, j, k, n);
    if (!(s > floor_) || !isfinite(s)) return (int)j + 1;
    double d = sqrt(s);
    /* read column j of A below the diagonal before it is overwritten (in place) */
    for (size_t i = j + 1; i < n; i++) {
      double t = AT(A, i, j, n);
      for (size_t k = 0; k < j; k++) t -= AT(L, i, k, n) * AT(L, j, k, n);
      AT(L, i, j, n) = t / d;
    }
    AT(L, j, j, n) = d;
    for (size_t i = 0; i < j; i++) AT(L, i, j, n) = 0;
  }
  return 0;
}

double urn_cholesky_logdet(const double *L, size_t n) {
  double s = 0;
  for (size_t j = 0; j < n; j++) s += log(AT(L, j, j, n));
  return 2 * s;
}

void urn_trsm_lower(const double *L, double *B, size_t n, size_t m) {
  for (size_t c = 0; c < m; c++) {
    double *b = B + c * n;
    for (size_t j = 0; j < n; j++) {
      b[j] /= AT(L, j, j, n);
      double bj = b[j];
      for (size_t i = j + 1; i < n; i++) b[i] -= AT(L, i, j, n) * bj;
    }
  }
}

void urn_trsm_lower_t(const double *L, double *B, size_t n, size_t m) {
  for (size_t c = 0; c < m; c++) {
    double *b = B + c * n;
    for (size_t jj = n; jj-- > 0;) {
      /* row jj of L' is column jj of L */
      double s = b[jj];
      for (size_t i = jj + 1; i < n; i++) s -= AT(L, i, jj, n) * b[i];
      b[jj] = s / AT(L, jj, jj, n);
    }
  }
}

void urn_trsm_upper(const double *U, double *B, size_t n, size_t m) {
  for (size_t c = 0; c < m; c++) {
    double *b = B + c * n;
    for (size_t jj = n; jj-- > 0;) {
      b[jj] /= AT(U, jj, jj, n);
      double bj = b[jj];
      for (size_t i = 0; i < jj; i++) b[i] -= AT(U, i, jj, n) * bj;
    }
  }
}

void urn_trsm_upper_t(const double *U, double *B, size_t n, size_t m) {
  for (size_t c = 0; c < m; c++) {
    double *b = B + c * n;
    for (size_t j = 0; j < n; j++) {
      double s = b[j];
      for (size_t i = 0; i < j; i++) s -= AT(U, i, j, n) * b[i];
      b[j] = s / AT(U, j, j, n);
    }
  }
}

void urn_cholesky_solve(const double *L, double *B, size_t n, size_t m) {
  urn_trsm_lower(L, B, n, m);
  urn_trsm_lower_t(L, B, n, m);
}

int urn_pd_solve_ridge(const double *H, const double *g, double *x, size_t n, double *work) {
  double *Hj = work, *L = work + n * n;
  double scale = 0.0;
  for (size_t i = 0; i < n; i++)
    if (fabs(AT(H, i, i, n)) > scale) scale = fabs(AT(H, i, i, n));
  if (scale < 1e-300) scale = 1e-300;
  double tau = 0.0;
  for (int attempt = 0; attempt < 40; attempt++) {
    memcpy(Hj, H, sizeof(double) * n * n);
    for (size_t i = 0; i < n; i++) AT(Hj, i, i, n) += tau;
    if (urn_cholesky(L, Hj, n) == 0) {
      memcpy(x, g, sizeof(double) * n);
      urn_cholesky_solve(L, x, n, 1);
      return 0;
    }
    tau = tau == 0.0 ? 1e-12 * scale : tau * 10.0;
  }
  return -1;
}

void urn_cholesky_inverse(double *Ainv, const double *L, size_t n) {
  for (size_t j = 0; j < n; j++)
    for (size_t i = 0; i < n; i++) AT(Ainv, i, j, n) = i == j;
  urn_cholesky_solve(L, Ainv, n, n);
  /* symmetrize: the two triangles differ by rounding only */
  for (size_t j = 0; j < n; j++)
    for (size_t i = j + 1; i < n; i++) {
      double v = 0.5 * (AT(Ainv, i, j, n) + AT(Ainv, j, i, n));
      AT(Ainv, i, j, n) = AT(Ainv, j, i, n) = v;
    }
}

int urn_lu(double *A, size_t n, size_t *piv) {
  for (size_t k = 0; k < n; k++) {
    size_t p = k;
    double best = fabs(AT(A, k, k, n));
    for (size_t i = k + 1; i < n; i++)
      if (fabs(AT(A, i, k, n)) > best) best = fabs(AT(A, i, k, n)), p = i;
    piv[k] = p;
    if (p != k)
      for (size_t j = 0; j < n; j++) {
        double t = AT(A, k, j, n);
        AT(A, k, j, n) = AT(A, p, j, n);
        AT(A, p, j, n) = t;
      }
    double d = AT(A, k, k, n);
    if (d == 0 || !isfinite(d)) {
      for (size_t r = k + 1; r < n; r++) piv[r] = r;
      return (int)k + 1;
    }
    for (size_t i = k + 1; i < n; i++) AT(A, i, k, n) /= d;
    for (size_t j = k + 1; j < n; j++) {
      double akj = AT(A, k, j, n);
      if (akj == 0) continue;
      for (size_t i = k + 1; i < n; i++) AT(A, i, j, n) -= AT(A, i, k, n) * akj;
    }
  }
  return 0;
}

void urn_lu_solve(const double *LU, const size_t *piv, double *B, size_t n, size_t m) {
  for (size_t c = 0; c < m; c++) {
    double *b = B + c * n;
    for (size_t k = 0; k < n; k++)
      if (piv[k] != k) {
        double t = b[k];
        b[k] = b[piv[k]];
        b[piv[k]] = t;
      }
    /* unit lower triangular forward substitution */
    for (size_t j = 0; j < n; j++)
      for (size_t i = j + 1; i < n; i++) b[i] -= AT(LU, i, j, n) * b[j];
  }
  urn_trsm_upper(LU, B, n, m);
}

double urn_lu_logabsdet(const double *LU, const size_t *piv, size_t n, int *sign) {
  double s = 0;
  int sg = 1;
  for (size_t k = 0; k < n; k++) {
    double d = AT(LU, k, k, n);
    if (d == 0) {
      if (sign) *sign = 0;
      return -INFINITY;
    }
    if (d < 0) sg = -sg;
    if (piv[k] != k) sg = -sg;
    s += log(fabs(d));
  }
  if (sign) *sign = sg;
  return s;
}

int urn_solve(const double *A, double *B, size_t n, size_t m) {
  double *lu = urn_xmalloc(sizeof(double) * (n * n + 1));
  size_t *piv = urn_xmalloc(sizeof(size_t) * (n + 1));
  memcpy(lu, A, sizeof(double) * n * n);
  int rc = urn_lu(lu, n, piv);
  if (rc == 0) urn_lu_solve(lu, piv, B, n, m);
  free(lu);
  free(piv);
  return rc;
}

int urn_inverse(double *Ainv, const double *A, size_t n) {
  for (size_t j = 0; j < n; j++)
    for (size_t i = 0; i < n; i++) AT(Ainv, i, j, n) = i == j;
  return urn_solve(A, Ainv, n, n);
}

double urn_log_abs_det(const double *A, size_t n, int *sign) {
  double *lu = urn_xmalloc(sizeof(double) * (n * n + 1));
  size_t *piv = urn_xmalloc(sizeof(size_t) * (n + 1));
  memcpy(lu, A, sizeof(double) * n * n);
  double r;
  if (urn_lu(lu, n, piv)) {
    if (sign) *sign = 0;
    r = -INFINITY;
  } else {
    r = urn_lu_logabsdet(lu, piv, n, sign);
  }
  free(lu);
  free(piv);
  return r;
}

int urn_eigen_sym(const double *A, size_t n, double *evals, double *evecs) {
  double *a = urn_xmalloc(sizeof(double) * (n * n + 1));
  double *v = evecs ? evecs : urn_xmalloc(sizeof(double) * (n * n + 1));
  for (size_t j = 0; j < n; j++)
    for (size_t i = j; i < n; i++) AT(a, i, j, n) = AT(a, j, i, n) = AT(A, i, j, n);
  for (size_t j = 0; j < n; j++)
    for (size_t i = 0; i < n; i++) AT(v, i, j, n) = i == j;
  int converged = 0;
  for (int sweep = 0; sweep < 100 && !converged; sweep++) {
    converged = 1;
    for (size_t p = 0; p + 1 < n; p++)
      for (size_t q = p + 1; q < n; q++) {
        double apq = AT(a, p, q, n), app = AT(a, p, p, n), aqq = AT(a, q, q, n);
        if (apq == 0) continue;
        /* negligible next to both diagonal entries: set to 0 (the
         * eigenvalues move by O(apq^2 / gap), below rounding) */
        if (fabs(apq) < 1e-18 * sqrt(fabs(app * aqq)) || !isfinite(apq)) {
          AT(a, p, q, n) = AT(a, q, p, n) = 0;
          continue;
        }
        converged = 0;
        double theta = (aqq - app) / (2 * apq);
        double t = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(1 + theta * theta));
        if (fabs(theta) > 1e150) t = 0.5 / theta; /* theta^2 would overflow */
        double c = 1 / sqrt(1 + t * t), s = t * c;
        for (size_t k = 0; k < n; k++) { /* columns p, q of A J */
          double akp = AT(a, k, p, n), akq = AT(a, k, q, n);
          AT(a, k, p, n) = c * akp - s * akq;
          AT(a, k, q, n) = s * akp + c * akq;
        }
        for (size_t k = 0; k < n; k++) { /* rows p, q of J' (A J) */
          double apk = AT(a, p, k, n), aqk = AT(a, q, k, n);
          AT(a, p, k, n) = c * apk - s * aqk;
          AT(a, q, k, n) = s * apk + c * aqk;
        }
        AT(a, p, q, n) = AT(a, q, p, n) = 0;
        for (size_t k = 0; k < n; k++) {
          double vkp = AT(v, k, p, n), vkq = AT(v, k, q, n);
          AT(v, k, p, n) = c * vkp - s * vkq;
          AT(v, k, q, n) = s * vkp + c * vkq;
        }
      }
  }
  for (size_t i = 0; i < n; i++) evals[i] = AT(a, i, i, n);
  /* ascending order (selection sort: n is small), columns of v follow */
  for (size_t i = 0; i + 1 < n; i++) {
    size_t m = i;
    for (size_t j = i + 1; j < n; j++)
      if (evals[j] < evals[m]) m = j;
    if (m != i) {
      double t = evals[i];
      evals[i] = evals[m];
      evals[m] = t;
      for (size_t k = 0; k < n; k++) {
        t = AT(v, k, i, n);
        AT(v, k, i, n) = AT(v, k, m, n);
        AT(v, k, m, n) = t;
      }
    }
  }
  free(a);
  if (!evecs) free(v);
  return converged ? 0 : 1;
}
