/* math/linalg.c — small dense column-major linear algebra (see linalg.h).
 * Plain loops: the matrices urn meets in models are small (tens of rows), so
 * clarity and exactness of the failure reports matter more than blocking. */
#include "math/linalg.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

#define AT(A, i, j, ld) (A)[(i) + (j) * (ld)]

void urn_matmul(double *C, const double *A, const double *B, size_t m, size_t k, size_t n) {
  for (size_t j = 0; j < n; j++) {
    double *c = C + j * m;
    for (size_t i = 0; i < m; i++) c[i] = 0;
    for (size_t l = 0; l < k; l++) {
      double b = AT(B, l, j, k);
      const double *a = A + l * m;
      for (size_t i = 0; i < m; i++) c[i] += a[i] * b;
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

void urn_matvec(double *y, const double *A, const double *x, size_t m, size_t n) {
  for (size_t i = 0; i < m; i++) y[i] = 0;
  for (size_t j = 0; j < n; j++) {
    const double *a = A + j * m;
    for (size_t i = 0; i < m; i++) y[i] += a[i] * x[j];
  }
}

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
