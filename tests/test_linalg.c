/* tests/test_linalg.c — dense linear algebra against numpy values
 * (tests/data/gen_linalg.py) and identities on larger random matrices:
 * Cholesky (and its failure report), triangular and general solves, inverse,
 * log-determinant, products, symmetric eigendecomposition. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "math/linalg.h"
#include "math/rng.h"
#include "data/linalg_table.h"

static void check_vec(const double *got, const double *want, size_t n, double tol, const char *what) {
  double worst = 0;
  for (size_t i = 0; i < n; i++) {
    double e = fabs(got[i] - want[i]) / fmax(1, fabs(want[i]));
    if (!(e <= worst)) worst = e;
  }
  CHECK(worst <= tol, "%s: worst error %.3g", what, worst);
}

static void test_numpy(void) {
  double L[16], Li[16], x[4], M[9];
  CHECK(urn_cholesky(L, la_S, 4) == 0, "cholesky of SPD succeeds");
  check_vec(L, la_chol_S, 16, 1e-15, "cholesky vs numpy");
  CHECK_REL(urn_cholesky_logdet(L, 4), la_logdet_S, 1e-14, "log det from cholesky");
  urn_cholesky_inverse(Li, L, 4);
  check_vec(Li, la_inv_S, 16, 1e-14, "cholesky inverse vs numpy");
  for (int i = 0; i < 4; i++) x[i] = la_b[i];
  urn_cholesky_solve(L, x, 4, 1);
  check_vec(x, la_solve_S_b, 4, 1e-14, "cholesky solve vs numpy");
  /* in place */
  double A[16];
  for (int i = 0; i < 16; i++) A[i] = la_S[i];
  CHECK(urn_cholesky(A, A, 4) == 0, "in-place cholesky");
  check_vec(A, la_chol_S, 16, 1e-15, "in-place cholesky vs numpy");

  CHECK(urn_inverse(M, la_G, 3) == 0, "inverse of G (pivoting needed)");
  check_vec(M, la_inv_G, 9, 1e-14, "inverse vs numpy");
  int sign = 0;
  CHECK_REL(urn_log_abs_det(la_G, 3, &sign), la_logabsdet_G, 1e-14, "log|det G|");
  CHECK(sign == la_sign_G, "sign of det G: %d", sign);
  double X[6];
  for (int i = 0; i < 6; i++) X[i] = la_B[i];
  CHECK(urn_solve(la_G, X, 3, 2) == 0, "solve G X = B");
  check_vec(X, la_solve_G_B, 6, 1e-14, "solve vs numpy");

  double ev[4], V[16];
  CHECK(urn_eigen_sym(la_S, 4, ev, V) == 0, "eigen_sym converges");
  check_vec(ev, la_eval_S, 4, 1e-14, "eigenvalues vs numpy");
  /* S v = lambda v for each column */
  double worst = 0;
  for (int k = 0; k < 4; k++) {
    double Sv[4];
    urn_matvec(Sv, la_S, V + 4 * k, 4, 4);
    for (int i = 0; i < 4; i++) worst = fmax(worst, fabs(Sv[i] - ev[k] * V[4 * k + i]));
    CHECK_REL(urn_dot(V + 4 * k, V + 4 * k, 4), 1, 1e-14, "unit eigenvector");
  }
  CHECK(worst < 1e-14, "S v = lambda v, worst %.3g", worst);

  double S3[9], C[9], C6[6];
  for (int j = 0; j < 3; j++)
    for (int i = 0; i < 3; i++) S3[i + 3 * j] = la_S[i + 4 * j];
  urn_matmul(C, la_G, S3, 3, 3, 3);
  check_vec(C, la_GS, 9, 1e-15, "matmul vs numpy");
  urn_matmul_tn(C6, la_G, la_B, 3, 3, 2);
  check_vec(C6, la_GtB, 6, 1e-15, "matmul_tn vs numpy");
  urn_tcrossprod(C, la_G, 3, 3);
  check_vec(C, la_GGt, 9, 1e-15, "tcrossprod vs numpy");
  urn_crossprod(C, la_G, 3, 3);
  check_vec(C, la_GtG, 9, 1e-15, "crossprod vs numpy");
  double Gt[9];
  urn_transpose(Gt, la_G, 3, 3);
  urn_matmul_nt(C, la_G, Gt, 3, 3, 3); /* G (G')' = G G */
  double GG[9];
  urn_matmul(GG, la_G, la_G, 3, 3, 3);
  check_vec(C, GG, 9, 1e-15, "matmul_nt == matmul with the transpose");
  CHECK_REL(urn_quad_form(la_S, la_b, 4), la_quad_S_b, 1e-15, "quad_form vs numpy");
  double y[3], yt[3];
  urn_matvec(y, la_G, la_B, 3, 3);
  /* G times the first column of B, (1, 2, -3), written out */
  for (int i = 0; i < 3; i++) CHECK_REL(y[i], la_G[i] * 1 + la_G[i + 3] * 2 + la_G[i + 6] * -3, 1e-15, "matvec");
  urn_matvec_t(yt, la_G, la_B, 3, 3);
  check_vec(yt, la_GtB, 3, 1e-15, "matvec_t vs numpy");
}

static void test_failures(void) {
  /* indefinite: the 2x2 leading block [[1, 2], [2, 1]] fails at column 2 */
  double A[9] = {1, 2, 0, 2, 1, 0, 0, 0, 1}, L[9];
  CHECK(urn_cholesky(L, A, 3) == 2, "cholesky reports the failing column");
  double Z[4] = {0, 0, 0, 1};
  CHECK(urn_cholesky(L, Z, 2) == 1, "cholesky of a zero pivot");
  double N[4] = {NAN, 0, 0, 1};
  CHECK(urn_cholesky(L, N, 2) == 1, "cholesky of NaN");
  double S[9] = {1, 2, 3, 2, 4, 6, 0, 1, 1}, inv[9]; /* columns 1 and 2 parallel */
  CHECK(urn_inverse(inv, S, 3) != 0, "inverse of a singular matrix fails");
  int sign = 5;
  CHECK(urn_log_abs_det(S, 3, &sign) == -INFINITY && sign == 0, "log det of singular");
  CHECK(urn_cholesky(L, A, 0) == 0, "empty cholesky");
}

/* random n x n SPD: A = M M' + n I */
static void random_spd(urn_rng *r, double *A, double *M, size_t n) {
  for (size_t i = 0; i < n * n; i++) M[i] = urn_rng_normal(r);
  urn_tcrossprod(A, M, n, n);
  for (size_t i = 0; i < n; i++) A[i + i * n] += n;
}

static void test_random(void) {
  urn_rng r;
  urn_rng_seed(&r, 31337, 0);
  enum { N = 25 };
  double *A = malloc(sizeof(double) * N * N), *M = malloc(sizeof(double) * N * N);
  double *L = malloc(sizeof(double) * N * N), *Ai = malloc(sizeof(double) * N * N);
  double *P = malloc(sizeof(double) * N * N), *V = malloc(sizeof(double) * N * N);
  double ev[N];
  random_spd(&r, A, M, N);
  CHECK(urn_cholesky(L, A, N) == 0, "random SPD cholesky");
  urn_tcrossprod(P, L, N, N);
  double worst = 0;
  for (int i = 0; i < N * N; i++) worst = fmax(worst, fabs(P[i] - A[i]) / 25);
  CHECK(worst < 1e-14, "L L' == A, worst %.3g", worst);
  /* LU inverse and Cholesky inverse agree; A A^-1 == I */
  CHECK(urn_inverse(Ai, A, N) == 0, "random inverse");
  urn_matmul(P, A, Ai, N, N, N);
  worst = 0;
  for (int j = 0; j < N; j++)
    for (int i = 0; i < N; i++) worst = fmax(worst, fabs(P[i + j * N] - (i == j)));
  CHECK(worst < 1e-13, "A A^-1 == I, worst %.3g", worst);
  urn_cholesky_inverse(P, L, N);
  worst = 0;
  for (int i = 0; i < N * N; i++) worst = fmax(worst, fabs(P[i] - Ai[i]));
  CHECK(worst < 1e-14, "cholesky inverse == LU inverse, worst %.3g", worst);
  /* log det three ways: cholesky, LU, sum of log eigenvalues */
  int sign;
  double ld1 = urn_cholesky_logdet(L, N), ld2 = urn_log_abs_det(A, N, &sign);
  CHECK(urn_eigen_sym(A, N, ev, V) == 0, "random eigen converges");
  double ld3 = 0;
  for (int i = 0; i < N; i++) ld3 += log(ev[i]);
  CHECK_REL(ld2, ld1, 1e-13, "LU log det == cholesky log det");
  CHECK_REL(ld3, ld1, 1e-13, "sum log eigenvalues == log det");
  CHECK(sign == 1, "SPD determinant positive");
  int sorted = 1;
  for (int i = 1; i < N; i++) sorted &= ev[i - 1] <= ev[i];
  CHECK(sorted, "eigenvalues ascending");
  /* V diag(ev) V' == A and V'V == I */
  for (int j = 0; j < N; j++)
    for (int i = 0; i < N; i++) M[i + j * N] = V[i + j * N] * ev[j];
  urn_matmul_nt(P, M, V, N, N, N);
  worst = 0;
  for (int i = 0; i < N * N; i++) worst = fmax(worst, fabs(P[i] - A[i]));
  CHECK(worst < 1e-12, "V diag V' == A, worst %.3g", worst);
  urn_crossprod(P, V, N, N);
  worst = 0;
  for (int j = 0; j < N; j++)
    for (int i = 0; i < N; i++) worst = fmax(worst, fabs(P[i + j * N] - (i == j)));
  CHECK(worst < 1e-13, "V' V == I, worst %.3g", worst);
  /* triangular solves against products */
  double b[N], x[N], y[N];
  for (int i = 0; i < N; i++) b[i] = urn_rng_normal(&r);
  for (int t = 0; t < 4; t++) {
    /* t: 0 L, 1 L', 2 U = L', 3 U' = L */
    for (int i = 0; i < N; i++) x[i] = b[i];
    if (t == 0) urn_trsm_lower(L, x, N, 1);
    if (t == 1) urn_trsm_lower_t(L, x, N, 1);
    urn_transpose(P, L, N, N); /* U = L' */
    if (t == 2) urn_trsm_upper(P, x, N, 1);
    if (t == 3) urn_trsm_upper_t(P, x, N, 1);
    if (t == 0 || t == 3)
      urn_matvec(y, L, x, N, N);
    else
      urn_matvec_t(y, L, x, N, N);
    worst = 0;
    for (int i = 0; i < N; i++) worst = fmax(worst, fabs(y[i] - b[i]));
    CHECK(worst < 1e-13, "triangular solve %d residual %.3g", t, worst);
  }
  /* a diagonal matrix needs no rotation; a 1x1 is its own eigenvalue */
  double D[9] = {3, 0, 0, 0, -1, 0, 0, 0, 2}, dv[3];
  CHECK(urn_eigen_sym(D, 3, dv, NULL) == 0 && dv[0] == -1 && dv[1] == 2 && dv[2] == 3, "diagonal eigen");
  /* indefinite and singular symmetric matrices */
  double Q[4] = {0, 1, 1, 0}, qv[2], QV[4];
  CHECK(urn_eigen_sym(Q, 2, qv, QV) == 0 && fabs(qv[0] + 1) < 1e-15 && fabs(qv[1] - 1) < 1e-15, "eigen of [[0,1],[1,0]]: %g %g", qv[0], qv[1]);
  CHECK(fabs(fabs(QV[0]) - sqrt(0.5)) < 1e-15 && QV[0] * QV[1] < 0, "eigenvector of -1 is (1,-1)/sqrt2");
  double Zm[9] = {0}, zv[3];
  CHECK(urn_eigen_sym(Zm, 3, zv, NULL) == 0 && zv[0] == 0 && zv[2] == 0, "eigen of the zero matrix");
  double R1[9] = {1, 2, 3, 2, 4, 6, 3, 6, 9}, rv[3]; /* v v', v = (1,2,3): eigenvalues 0, 0, 14 */
  CHECK(urn_eigen_sym(R1, 3, rv, NULL) == 0 && fabs(rv[0]) < 1e-14 && fabs(rv[1]) < 1e-14 && fabs(rv[2] - 14) < 1e-13,
        "eigen of a rank-one matrix: %g %g %g", rv[0], rv[1], rv[2]);
  free(A), free(M), free(L), free(Ai), free(P), free(V);
}

/* urn_cholesky_tol refuses numerically singular matrices; urn_pd_solve_ridge
 * regularises until the factorisation succeeds (the HMM Newton M-step). */
static void test_tolerant(void) {
  double A[4] = {1, 1, 1, 1 + 1e-15}, L[4]; /* pivot 2 is ~1e-15 */
  CHECK(urn_cholesky(L, A, 2) == 0, "plain cholesky accepts a tiny positive pivot");
  CHECK(urn_cholesky_tol(L, A, 2, 1e-13) == 2, "cholesky_tol refuses it");
  double B[4] = {4, 2, 2, 3}, LB[4], LT[4];
  CHECK(urn_cholesky_tol(LT, B, 2, 1e-13) == 0 && urn_cholesky(LB, B, 2) == 0 && memcmp(LT, LB, sizeof LT) == 0,
        "cholesky_tol equals cholesky on a well-conditioned matrix");
  double g[2] = {1, 2}, x[2], work[8];
  CHECK(urn_pd_solve_ridge(B, g, x, 2, work) == 0, "pd_solve_ridge of an SPD matrix");
  /* [[4,2],[2,3]] x = (1,2): x = (-1/8, 3/4) */
  CHECK_NEAR(x[0], -0.125, 1e-15, 1e-15, "pd_solve_ridge x0");
  CHECK_NEAR(x[1], 0.75, 1e-15, 1e-15, "pd_solve_ridge x1");
  double S[4] = {1, 1, 1, 1}; /* singular: solved with a tiny ridge */
  CHECK(urn_pd_solve_ridge(S, g, x, 2, work) == 0 && isfinite(x[0]) && isfinite(x[1]), "pd_solve_ridge of a singular PSD matrix");
  double Nn[4] = {NAN, 0, 0, 1}; /* never factorises */
  CHECK(urn_pd_solve_ridge(Nn, g, x, 2, work) == -1, "pd_solve_ridge gives up on NaN");
}

int main(void) {
  test_numpy();
  test_failures();
  test_tolerant();
  test_random();
  return test_done();
}
