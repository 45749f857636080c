/* tests/test_fn_matrix.c — the matrix built-ins of issue #14 (lang/fn_matrix.c, fn_decomp.c over
 * math/decomp.c): values against numpy/scipy (tests/data/linalg_fn_table.h by tests/data/gen_linalg_fn.py),
 * gradients against finite differences for every function of parameters, Stan's argument checks, and the
 * decompositions' identities on random matrices (Q'Q = I, Q R = A, U diag(s) V' = A, exp(A) exp(-A) = I). */
#include "data/linalg_fn_table.h"
#include "fn_probe.h"
#include "math/linalg.h"

static char msg[4096];

static void test_table(void) {
  double worst = 0;
  for (size_t i = 0; i < sizeof linalg_fn_table / sizeof linalg_fn_table[0]; i++) {
    const linalg_fn_row *r = &linalg_fn_table[i];
    char src[8192];
    snprintf(src, sizeof src, "generated quantities {\n  %s\n}\n", r->stmt);
    double got[64];
    long k = probe_gq(src, got, 64, msg, sizeof msg);
    CHECK(k == r->n, "%s: %ld values (want %d): %s", r->what, k, r->n, msg);
    if (k != r->n) continue;
    double scale = 0, err = 0;
    for (int q = 0; q < r->n; q++) scale = fmax(scale, fabs(r->want[q]));
    for (int q = 0; q < r->n; q++) err = fmax(err, fabs(got[q] - r->want[q]));
    double rel = scale > 0 ? err / scale : err;
    CHECK(rel <= r->rtol, "%s: worst error %.3g of the largest value (tolerance %.3g)", r->what, rel, r->rtol);
    if (rel > worst) worst = rel;
  }
  if (getenv("URN_TEST_VERBOSE")) printf("  worst relative error over the table: %.3g\n", worst);
}

/* Gradients of every function of parameters vs finite differences, through one model. */
static void test_gradients(void) {
  const char *src =
      "parameters { matrix[3, 3] A; matrix[3, 2] B; vector[3] v; row_vector[3] w; real<lower=0> t; matrix[2, 4] W; }\n"
      "transformed parameters {\n"
      "  matrix[3, 3] S = crossprod(A) + diag_matrix(rep_vector(2, 3));\n"
      "  matrix[3, 3] L = cholesky_decompose(S);\n"
      "}\n"
      "model {\n"
      "  matrix[3, 3] Wt = [[0.3, -0.2, 0.5], [0.1, 0.7, -0.4], [0.2, 0.6, -0.9]];\n"
      "  target += sum(inverse_spd(S) .* Wt) + log_determinant_spd(S) + sum(chol2inv(L) .* Wt');\n"
      "  target += sum(mdivide_right(B', A + diag_matrix(rep_vector(3, 3)))) + sum(mdivide_right_spd(w, S))\n"
      "          + sum(mdivide_right_tri_low(w, L)) + sum(mdivide_left_tri_low(L, v)) + sum(mdivide_left_spd(S, B));\n"
      "  target += sum(symmetrize_from_lower_tri(A) .* Wt) + trace_dot(A, Wt) + trace_quad_form(S, B)\n"
      "          + trace_quad_form(A, v) + trace_gen_quad_form(Wt[1:2, 1:2], A, B);\n"
      "  target += sum(matrix_power(0.5 * A, 3) .* Wt) + sum(matrix_exp(0.3 * A) .* Wt)\n"
      "          + sum(matrix_exp_multiply(0.2 * A, B)) + sum(scale_matrix_exp_multiply(t, 0.2 * A, B));\n"
      "  target += sum(generalized_inverse(B) .* [[0.2, 0.5, -0.1], [0.4, -0.3, 0.6]]) + sum(generalized_inverse(W) .* [[0.1, 0.2], [-0.3, 0.4], [0.5, 0.6], [0.7, -0.8]]);\n"
      "  target += sum(qr_thin_Q(B) .* Wt[:, 1:2]) + sum(qr_thin_R(B) .* Wt[1:2, 1:2]) + sum(qr_R(A) .* Wt)\n"
      "          + sum(qr_Q(A) .* Wt') + sum(qr_Q(W) .* Wt[1:2, 1:2]) + sum(qr_R(W) .* [[1, 2, 3, 4], [5, 6, 7, 8]] / 10);\n"
      "  target += sum(singular_values(B)) + sum(svd_U(B) .* Wt[:, 1:2]) + sum(svd_V(A) .* Wt)\n"
      "          + sum(svd_V(W) .* [[0.1, 0.2], [-0.3, 0.4], [0.5, 0.6], [0.7, -0.8]]) + sum(svd_U(W) .* Wt[1:2, 1:2]);\n"
      "  target += sum(gp_matern32_cov({v, v + 0.5, w'}, t, {0.8, t + 0.5, 1.2}) .* Wt)\n"
      "          + sum(gp_exponential_cov({v, w'}, {v - 0.1}, 1.1, {0.8, t, 1.2})) + sum(gp_matern52_cov({v, w'}, t, {t, 1, 2}));\n"
      "  target += sum(csr_matrix_times_vector(3, 3, csr_extract_w(A), csr_extract_v(A), csr_extract_u(A), v))\n"
      "          + sum(csr_to_dense_matrix(3, 3, csr_extract_w(A), csr_extract_v(A), csr_extract_u(A)) .* Wt);\n"
      "}\n";
  double u[32];
  urn_rng rng;
  urn_rng_seed(&rng, 7, 0);
  for (int i = 0; i < 32; i++) u[i] = 0.8 * urn_rng_normal(&rng);
  u[9 + 6 + 3 + 3] = log(0.7); /* t */
  double e = probe_fd_src(src, u, 1e-5, msg, sizeof msg);
  CHECK(e < 1e-7, "gradients of the matrix functions vs finite differences: worst %.3g %s", e, msg);
}

/* cholesky_decompose's adjoint (fn_linalg.c: the factorization run backward element by element) on a 7 x 7
 * matrix of parameters, every element of L weighted differently, and on an 11-point GP covariance (the shape of
 * posteriordb's gp_pois_regr), vs finite differences. */
static void test_cholesky_adjoint(void) {
  const char *src =
      "parameters { matrix[7, 7] A; real<lower=0> rho; real<lower=0> alpha; }\n"
      "model {\n"
      "  matrix[7, 7] L = cholesky_decompose(crossprod(A) + diag_matrix(rep_vector(1.5, 7)));\n"
      "  matrix[11, 11] K = gp_exp_quad_cov(linspaced_array(11, -10, 10), alpha, rho) + diag_matrix(rep_vector(0.1, 11));\n"
      "  matrix[11, 11] M = cholesky_decompose(K);\n"
      "  for (j in 1:7) for (i in j:7) target += sin(i + 0.5 * j) * L[i, j] + 0.1 * i * square(L[i, j]);\n"
      "  for (j in 1:11) for (i in j:11) target += cos(0.3 * i - j) * M[i, j];\n"
      "}\n";
  double u[51];
  urn_rng rng;
  urn_rng_seed(&rng, 11, 0);
  for (int i = 0; i < 49; i++) u[i] = 0.7 * urn_rng_normal(&rng);
  u[49] = log(3.0), u[50] = log(1.3);
  double e = probe_fd_src(src, u, 1e-5, msg, sizeof msg);
  CHECK(e < 1e-7, "cholesky_decompose's adjoint (7 x 7 and an 11-point GP) vs finite differences: worst %.3g %s", e, msg);
}

static void expect_reject(const char *what, const char *stmt, const char *want) {
  char src[2048];
  snprintf(src, sizeof src, "generated quantities {\n  %s\n}\n", stmt);
  CHECK(probe_reject(src, want, msg, sizeof msg), "%s: rejected with '%s': got '%s'", what, want, msg);
}

static void test_checks(void) {
  expect_reject("inverse_spd asymmetric", "matrix[2, 2] r = inverse_spd([[2, 1], [0, 2]]);",
                "inverse_spd: m is not symmetric. m[2,1] = 0, but m[1,2] = 1");
  expect_reject("inverse_spd not PD", "matrix[2, 2] r = inverse_spd([[1, 2], [2, 1]]);",
                "inverse_spd: m is not positive definite");
  expect_reject("log_determinant_spd not square", "real r = log_determinant_spd([[1, 2, 3], [2, 1, 0]]);",
                "log_determinant_spd: Expecting a square matrix");
  expect_reject("mdivide_right sizes", "matrix[2, 2] r = mdivide_right([[1, 2, 3], [2, 1, 0]], [[1, 0], [0, 1]]);",
                "mdivide_right: sizes do not match (3 columns and a 2 x 2 matrix)");
  expect_reject("mdivide_left_spd not PD", "vector[2] r = mdivide_left_spd([[1, 2], [2, 1]], [1, 1]');",
                "mdivide_left_spd: A is not positive definite");
  expect_reject("trace_dot sizes", "real r = trace_dot([[1, 2]], [[1, 2]]);",
                "trace_dot: A is 1 x 2, so B must be 2 x 1, but it is 1 x 2");
  expect_reject("matrix_power negative", "matrix[2, 2] r = matrix_power([[1, 0], [0, 1]], -1);",
                "matrix_power: n is -1, but must be nonnegative");
  expect_reject("matrix_exp overflow", "matrix[1, 1] r = matrix_exp([[1000]]);", "matrix_exp: exp(A) overflows");
  expect_reject("csr u size", "matrix[2, 2] r = csr_to_dense_matrix(2, 2, [1]', {1}, {1, 2});",
                "csr_to_dense_matrix: u must have m + 1 = 3 elements, but has 2");
  expect_reject("csr v range", "matrix[1, 2] r = csr_to_dense_matrix(1, 2, [1]', {3}, {1, 2});",
                "csr_to_dense_matrix: v[1] is 3, but must be in the interval [1, 2]");
  expect_reject("chol2inv nonpositive diagonal", "matrix[2, 2] r = chol2inv([[1, 0], [1, 0]]);",
                "chol2inv: the diagonal of L must be positive");
  const char *qr_tall = "parameters { matrix[3, 2] A; } model { target += sum(qr_Q(A)); }";
  double u[6] = {0.1, 0.2, 0.3, 0.4, 0.5, 0.7};
  urn_error err;
  urn_model *m = urn_model_new("p.stan", qr_tall, strlen(qr_tall), NULL, NULL, 0, 1, &err);
  double lp, g[6];
  int rc = m ? urn_model_log_density_gradient(m, 0, 1, u, &lp, g, &err) : -1;
  CHECK(rc == URN_EREJECT && strstr(err.msg, "qr_Q: the columns completing Q of a tall matrix (3 x 2) have no derivative"),
        "qr_Q of tall parameters is refused: %s", err.msg);
  urn_model_free(m);
}

static void test_identities(void) {
  urn_rng rng;
  urn_rng_seed(&rng, 11, 0);
  const size_t shapes[][2] = {{1, 1}, {6, 6}, {9, 4}, {4, 9}, {30, 30}, {50, 12}};
  double wq = 0, ws = 0;
  for (size_t t = 0; t < sizeof shapes / sizeof shapes[0]; t++) {
    size_t m = shapes[t][0], n = shapes[t][1], k = m < n ? m : n;
    double *A = malloc(m * n * sizeof *A), *Q = malloc(m * m * sizeof *Q), *R = malloc(m * n * sizeof *R);
    double *U = malloc(m * k * sizeof *U), *s = malloc(k * sizeof *s), *V = malloc(n * k * sizeof *V);
    for (size_t i = 0; i < m * n; i++) A[i] = urn_rng_normal(&rng);
    urn_qr(A, m, n, Q, R);
    for (size_t j = 0; j < n; j++)
      for (size_t i = 0; i < m; i++) { /* Q R = A */
        double acc = 0;
        for (size_t q = 0; q < m; q++) acc += Q[i + q * m] * R[q + j * m];
        wq = fmax(wq, fabs(acc - A[i + j * m]));
      }
    for (size_t j = 0; j < m; j++)
      for (size_t i = 0; i < m; i++) { /* Q'Q = I */
        double acc = 0;
        for (size_t q = 0; q < m; q++) acc += Q[q + i * m] * Q[q + j * m];
        wq = fmax(wq, fabs(acc - (i == j)));
      }
    CHECK(urn_svd(A, m, n, U, s, V) == 0, "SVD of %zu x %zu converges", m, n);
    for (size_t j = 0; j < n; j++)
      for (size_t i = 0; i < m; i++) { /* U diag(s) V' = A */
        double acc = 0;
        for (size_t q = 0; q < k; q++) acc += U[i + q * m] * s[q] * V[j + q * n];
        ws = fmax(ws, fabs(acc - A[i + j * m]));
      }
    for (size_t q = 1; q < k; q++) CHECK(s[q] <= s[q - 1], "singular values of %zu x %zu descend", m, n);
    free(A), free(Q), free(R), free(U), free(s), free(V);
  }
  CHECK(wq < 1e-13, "Q R = A and Q'Q = I on random matrices up to 50 x 12: worst %.3g", wq);
  CHECK(ws < 1e-13, "U diag(s) V' = A on random matrices up to 50 x 12: worst %.3g", ws);
  /* exp(A) exp(-A) = I */
  double A[25], B[25], E1[25], E2[25], P[25], we = 0;
  for (int i = 0; i < 25; i++) A[i] = 2 * urn_rng_normal(&rng), B[i] = -A[i];
  urn_matrix_exp(A, 5, E1), urn_matrix_exp(B, 5, E2);
  urn_matmul(P, E1, E2, 5, 5, 5);
  for (int j = 0; j < 5; j++)
    for (int i = 0; i < 5; i++) we = fmax(we, fabs(P[i + j * 5] - (i == j)));
  CHECK(we < 1e-10, "exp(A) exp(-A) = I for a 5 x 5 A of norm ~10: worst %.3g", we);
}

/* The tuple-returning forms (qr, qr_thin, svd, eigendecompose_sym, csr_extract): the components are the
 * single-result functions' values exactly, unpacking works, and gradients flow through every component. */
static void test_tuples(void) {
  const char *gq =
      "transformed data { matrix[3, 2] A = [[1, 2], [3, 4], [5, 7]]; matrix[3, 3] S = [[2, 1, 0], [1, 3, 1], [0, 1, 4]];\n"
      "  matrix[2, 4] W = [[1, -2, 0.5, 3], [0, 4, -1, 2]]; }\n"
      "generated quantities {\n"
      "  real d = 0;\n"
      "  tuple(matrix[3, 3], matrix[3, 2]) qf = qr(A);\n"
      "  tuple(matrix[2, 2], matrix[2, 4]) qw = qr_thin(W);\n"
      "  tuple(matrix[3, 2], vector[2], matrix[2, 2]) sv = svd(A);\n"
      "  tuple(matrix[3, 3], vector[3]) es = eigendecompose_sym(S);\n"
      "  tuple(vector[7], array[7] int, array[4] int) c = csr_extract(S);\n"
      "  matrix[3, 2] Q; matrix[2, 2] R;\n"
      "  (Q, R) = qr_thin(A);\n"
      "  d += max(abs(qf.1 - qr_Q(A))) + max(abs(qf.2 - qr_R(A))) + max(abs(qw.1 - qr_thin_Q(W))) + max(abs(qw.2 - qr_thin_R(W)));\n"
      "  d += max(abs(sv.1 - svd_U(A))) + max(abs(sv.2 - singular_values(A))) + max(abs(sv.3 - svd_V(A)));\n"
      "  d += max(abs(es.1 - eigenvectors_sym(S))) + max(abs(es.2 - eigenvalues_sym(S)));\n"
      "  d += max(abs(c.1 - csr_extract_w(S))) + max(abs(to_vector(c.2) - to_vector(csr_extract_v(S))))\n"
      "     + max(abs(to_vector(c.3) - to_vector(csr_extract_u(S))));\n"
      "  d += max(abs(Q - qr_thin_Q(A))) + max(abs(R - qr_thin_R(A)));\n"
      "  real n = num_elements(c.1) + size(c.2) + size(c.3);\n"
      "}\n";
  double got[256];
  long k = probe_gq(gq, got, 256, msg, sizeof msg);
  CHECK(k > 2, "tuple decompositions run: %s", msg);
  if (k > 2) {
    CHECK(got[0] == 0, "tuple components equal the single-result functions exactly (difference %g)", got[0]);
    CHECK(got[k - 1] == 18, "csr_extract's tuple has 7 + 7 + 4 elements (%g)", got[k - 1]);
  }
  const char *src =
      "parameters { matrix[3, 2] B; matrix[3, 3] A; }\n"
      "model {\n"
      "  matrix[3, 3] Wt = [[0.3, -0.2, 0.5], [0.1, 0.7, -0.4], [0.2, 0.6, -0.9]];\n"
      "  matrix[3, 3] S = crossprod(A) + diag_matrix([1, 2, 3]');\n"
      "  tuple(matrix[3, 2], matrix[2, 2]) q = qr_thin(B);\n"
      "  tuple(matrix[3, 3], matrix[3, 3]) qa = qr(A);\n"
      "  tuple(matrix[3, 2], vector[2], matrix[2, 2]) s = svd(B);\n"
      "  tuple(matrix[3, 3], vector[3]) e = eigendecompose_sym(S);\n"
      "  tuple(vector[9], array[9] int, array[4] int) c = csr_extract(A);\n"
      "  target += sum(q.1 .* Wt[:, 1:2]) + sum(q.2 .* Wt[1:2, 1:2]) + sum(qa.1 .* Wt) + sum(qa.2 .* Wt');\n"
      "  target += sum(s.1 .* Wt[:, 1:2]) + sum(s.2) + sum(s.3 .* Wt[2:3, 2:3]);\n"
      "  target += sum(e.1 .* Wt) + dot_product(e.2, [0.3, -0.1, 0.2]') + dot_product(c.1, to_vector(c.2));\n"
      "}\n";
  double u[15];
  urn_rng rng;
  urn_rng_seed(&rng, 5, 0);
  for (int i = 0; i < 15; i++) u[i] = 0.8 * urn_rng_normal(&rng);
  double e = probe_fd_src(src, u, 1e-5, msg, sizeof msg);
  CHECK(e >= 0 && e < 1e-7, "gradients through the tuple decompositions vs finite differences: worst %.3g %s", e, msg);
  if (getenv("URN_TEST_VERBOSE")) printf("  tuple decompositions: gradient worst %.3g\n", e);
}

int main(void) {
  test_table();
  test_gradients();
  test_cholesky_adjoint();
  test_checks();
  test_identities();
  test_tuples();
  return test_done();
}
