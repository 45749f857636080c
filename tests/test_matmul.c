/* tests/test_matmul.c — the dense products (math/linalg.c's urn_matmul, urn_matvec and their reverse kernels
 * urn_matmul_rev_right / _rev_left; lang/fn_ops.c's `*` as one operation): the kernels bit for bit against the
 * naive loops whose order they promise (odd sizes, every row-block remainder, 1 x n, n x 1, empty; zero adjoints
 * skipped even against an infinite operand), the products' gradients against finite differences for data x
 * parameter, parameter x data and parameter x parameter in every signature, and the one-operation reverse bit for
 * bit against the per-element nodes it replaces (an operand that repeats a node takes that path). */
#include <stdint.h>

#include "fn_probe.h"
#include "math/linalg.h"

static char msg[4096];

/* Fills x[0..n) with normal draws, with some exact zeros when zeros is set. */
static void fill(urn_rng *r, double *x, size_t n, int zeros) {
  for (size_t i = 0; i < n; i++) x[i] = zeros && i % 5 == 2 ? 0.0 : urn_rng_normal(r);
}

/* urn_matmul and urn_matvec against s = 0, s += A[i,l] * B[l,j] for l ascending, bit for bit. */
static void test_forward(void) {
  static const size_t ms[] = {0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 25, 33, 40}, ks[] = {0, 1, 3, 8, 9, 17}, ns[] = {0, 1, 2, 5};
  urn_rng r;
  urn_rng_seed(&r, 11, 0);
  int bad = 0, cases = 0;
  for (size_t a = 0; a < sizeof ms / sizeof *ms; a++)
    for (size_t b = 0; b < sizeof ks / sizeof *ks; b++)
      for (size_t c = 0; c < sizeof ns / sizeof *ns; c++) {
        size_t m = ms[a], k = ks[b], n = ns[c];
        double *A = malloc((m * k + 1) * sizeof *A), *B = malloc((k * n + 1) * sizeof *B);
        double *C = malloc((m * n + 1) * sizeof *C), *D = malloc((m * n + 1) * sizeof *D);
        fill(&r, A, m * k, 0), fill(&r, B, k * n, 0);
        for (size_t j = 0; j < n; j++)
          for (size_t i = 0; i < m; i++) {
            double s = 0;
            for (size_t l = 0; l < k; l++) s += A[i + l * m] * B[l + j * k];
            D[i + j * m] = s;
          }
        urn_matmul(C, A, B, m, k, n);
        bad += memcmp(C, D, m * n * sizeof *C) != 0;
        if (n == 1) {
          urn_matvec(C, A, B, m, k);
          bad += memcmp(C, D, m * sizeof *C) != 0;
        }
        cases++;
        free(A), free(B), free(C), free(D);
      }
  CHECK(bad == 0, "urn_matmul / urn_matvec bit for bit against the naive loop: %d of %d shapes differ", bad, cases);
  /* a known product */
  const double A[6] = {1, 2, 3, 4, 5, 6}, x[2] = {0.5, -2};
  double y[3];
  urn_matvec(y, A, x, 3, 2);
  CHECK(y[0] == -7.5 && y[1] == -9 && y[2] == -10.5, "[[1,4],[2,5],[3,6]] * [0.5,-2] = %g %g %g", y[0], y[1], y[2]);
}

/* The reverse kernels against the sweep order they promise, bit for bit, with zero adjoints and an infinite
 * operand in a row whose adjoint is 0 (skipped: the gradient stays finite). */
static void test_reverse(void) {
  static const size_t ms[] = {1, 2, 3, 8, 17, 40}, ks[] = {0, 1, 2, 3, 7, 8, 9, 17}, ns[] = {0, 1, 3};
  urn_rng r;
  urn_rng_seed(&r, 12, 0);
  int bad = 0, cases = 0, finite = 1;
  for (size_t a = 0; a < sizeof ms / sizeof *ms; a++)
    for (size_t b = 0; b < sizeof ks / sizeof *ks; b++)
      for (size_t c = 0; c < sizeof ns / sizeof *ns; c++) {
        size_t m = ms[a], k = ks[b], n = ns[c];
        double *A = malloc((m * k + 1) * sizeof *A), *B = malloc((k * n + 1) * sizeof *B), *R = malloc((m * n + 1) * sizeof *R);
        double *G1 = malloc((k * n + 1) * sizeof *G1), *H1 = malloc((k * n + 1) * sizeof *H1);
        double *G2 = malloc((m * k + 1) * sizeof *G2), *H2 = malloc((m * k + 1) * sizeof *H2);
        fill(&r, A, m * k, 0), fill(&r, B, k * n, 0), fill(&r, R, m * n, 1), fill(&r, G1, k * n, 0), fill(&r, G2, m * k, 0);
        /* row 2 of R is 0 in every column (i % 5 == 2 at j = 0 only: force it), row 2 of A infinite */
        if (m > 2) {
          for (size_t j = 0; j < n; j++) R[2 + j * m] = 0;
          for (size_t l = 0; l < k; l++) A[2 + l * m] = INFINITY;
          for (size_t j = 0; j < n; j++) B[j * k] = k ? B[j * k] : 0;
        }
        memcpy(H1, G1, k * n * sizeof *H1), memcpy(H2, G2, m * k * sizeof *H2);
        for (size_t j = 0; j < n; j++)
          for (size_t l = 0; l < k; l++)
            for (size_t i = m; i-- > 0;)
              if (R[i + j * m] != 0) H1[l + j * k] += R[i + j * m] * A[i + l * m];
        for (size_t j = n; j-- > 0;)
          for (size_t l = 0; l < k; l++)
            for (size_t i = 0; i < m; i++)
              if (R[i + j * m] != 0) H2[i + l * m] += R[i + j * m] * B[l + j * k];
        urn_matmul_rev_right(G1, A, R, m, k, n);
        urn_matmul_rev_left(G2, R, B, m, k, n);
        bad += memcmp(G1, H1, k * n * sizeof *G1) != 0;
        bad += memcmp(G2, H2, m * k * sizeof *G2) != 0;
        for (size_t q = 0; q < k * n; q++) finite &= isfinite(G1[q]);
        cases += 2;
        free(A), free(B), free(R), free(G1), free(H1), free(G2), free(H2);
      }
  CHECK(bad == 0, "urn_matmul_rev_right / _rev_left bit for bit against the sweep order: %d of %d differ", bad, cases);
  CHECK(finite, "a zero adjoint skips its row (an infinite element there leaves the gradient finite)");
  /* a known reverse: G = [1, 1] + A' R with A = [[1,4],[2,5],[3,6]], R = [1, 0, -1] */
  const double A[6] = {1, 2, 3, 4, 5, 6}, R[3] = {1, 0, -1};
  double G[2] = {1, 1};
  urn_matmul_rev_right(G, A, R, 3, 2, 1);
  CHECK(G[0] == -1 && G[1] == -1, "A' R + 1 = %g %g (want -1 -1)", G[0], G[1]);
}

/* The data of the models below (closed forms): X (37 x 9), Y (9 x 4), Y2 (40 x 2), w (37), c (9), Z (9 x 40) of
 * zeros.  The shapes make most products at least MM_ONE_OP_MIN (256) multiplications, so they take the one
 * operation; the smaller ones (dot products, 3 x 3) take the per-element nodes. */
#define TDATA                                                                                                   \
  "transformed data {\n"                                                                                        \
  "  matrix[37, 9] X; matrix[9, 4] Y; matrix[40, 2] Y2; vector[37] w; vector[9] c;\n"                          \
  "  matrix[9, 40] Z = rep_matrix(0, 9, 40);\n"                                                                \
  "  for (i in 1:37) for (j in 1:9) X[i, j] = sin(i + 2.5 * j);\n"                                             \
  "  for (i in 1:9) for (j in 1:4) Y[i, j] = cos(0.7 * i - j);\n"                                              \
  "  for (i in 1:40) for (j in 1:2) Y2[i, j] = cos(0.3 * i + j);\n"                                            \
  "  for (i in 1:37) w[i] = 0.05 * i - 1;\n"                                                                    \
  "  for (i in 1:9) c[i] = 1.5 - 0.4 * i;\n"                                                                    \
  "}\n"

/* Gradients of every signature and operand kind against finite differences: data x parameter, parameter x data,
 * parameter x parameter; matrix x vector, matrix x matrix, row vector x matrix, row vector x vector; n x 1 times
 * 1 x n, empty operands, an operand with a constant element among its nodes (Pm[3, 4]), and operands whose nodes
 * repeat (rep_matrix, the same matrix on both sides) or are out of order (a transpose; `append_row(r9, P)`
 * with r9 declared after P, mnist's `x1 * append_row(alpha1, alpha)`). */
static void test_gradients(void) {
  const char *src =
      TDATA
      "parameters { vector[9] b; matrix[37, 9] P; matrix[9, 4] Q; row_vector[37] v; matrix[1, 9] R1;"
      " matrix[40, 1] C1; vector[0] e; real s; row_vector[9] r9; }\n"
      "model {\n"
      "  matrix[37, 9] Pm = P;\n"
      "  Pm[3, 4] = 0.5;\n"
      "  target += dot_product(w, X * b) + dot_product(w, P * b) + sum((v * P) .* c') + sum((P * Q) * [0.2, -0.4, 0.6, 0.1]')\n"
      "          + sum((X * Q) .* rep_matrix(w, 4)) + sum(P * Y) + v * (P * b) + sum(R1 * b) + sum((C1 * R1) * c)\n"
      "          + sum(c' * Q) + sum(X * (b .* c)) + sum(rep_matrix(0, 2, 0) * e) + sum(rep_matrix(s, 3, 3) * b[1:3])\n"
      "          + sum((P[1:9, :] * P[1:9, :]) * c) + sum(P' * v') + b' * b + sum((v * X) .* c') + dot_product(w, Pm * b)\n"
      "          + sum(Pm * Q) + sum((Y2[1:38, :]' * append_row(r9, P)) .* rep_matrix(c', 2));\n"
      "  target += -0.5 * dot_self(b) - 0.5 * dot_self(to_vector(P)) - 0.5 * dot_self(to_vector(Q)) - 0.5 * dot_self(C1[:, 1]);\n"
      "}\n";
  static double u[512];
  urn_rng rng;
  urn_rng_seed(&rng, 13, 0);
  for (int i = 0; i < 512; i++) u[i] = 0.3 * urn_rng_normal(&rng);
  double e = probe_fd_src(src, u, 1e-4, msg, sizeof msg);
  CHECK(e < 1e-8, "gradients of the products vs finite differences: worst %.3g %s", e, msg);
}

/* The gradient and log density of src at u into g (n of them), or -1. */
static long grad_of(const char *src, const double *u, double *lp, double *g, size_t cap) {
  urn_error err;
  urn_model *m = urn_model_new("probe.stan", src, strlen(src), NULL, NULL, 0, 1, &err);
  if (!m) { printf("%s\n", err.msg); return -1; }
  size_t n = urn_model_num_unconstrained(m);
  long r = n <= cap && urn_model_log_density_gradient(m, 1, 1, u, lp, g, &err) == URN_OK ? (long)n : -1;
  urn_model_free(m);
  return r;
}

/* One operation vs the per-element nodes, bit for bit.  `(P' + Z) * b` takes the one operation with its operands'
 * nodes as runs (fresh nodes in order; + 0 changes no value and passes each adjoint on as 1 * adj: P is used once
 * per program, so its adjoint is that one product's sum either way); `P' * b` the one operation through gathered
 * and scattered nodes (the transpose's are out of order); `append_col(P', P'[:, 1]) * append_row(b, 0)` the
 * per-element nodes (P'[:, 1] repeats nodes) with one more term per element, P'[i, 1] * 0, which adds 0 to each
 * sum and 0 * adj to each adjoint: no bit changes.  Parameter x parameter, parameter x data, data x parameter, a
 * matrix-matrix product, and an operand whose nodes are out of order across a concatenation (mnist's
 * `x1 * append_row(alpha1, alpha)`). */
static void test_same_bits(void) {
  static const char *forms[][2] = {
      {"sum((P' * b) .* c)", "sum(((P' + Z) * b) .* c)"},
      {"sum((P' * Y2) .* rep_matrix(c, 2))", "sum(((P' + Z) * Y2) .* rep_matrix(c, 2))"},
      {"sum((c' * P') .* rep_row_vector(1, 40))", "sum((c' * (P' + Z)) .* rep_row_vector(1, 40))"},
      {"sum((P' * P2) .* rep_matrix(c, 4))", "sum(((P' + Z) * P2) .* rep_matrix(c, 4))"},
      {"sum((append_col(P', P'[:, 1]) * append_row(b, 0)) .* c)", "sum(((P' + Z) * b) .* c)"},
      {"sum((append_col(P', P'[:, 1]) * append_row(b, 0)) .* c)", "sum((P' * b) .* c)"},
      {"sum((Y2' * append_row(r, P[2:40, :])) .* rep_matrix(c', 2))",
       "sum((append_col(Y2', rep_vector(0, 2)) * append_row(append_row(r, P[2:40, :]), r)) .* rep_matrix(c', 2))"},
  };
  int bad = 0;
  for (size_t f = 0; f < sizeof forms / sizeof *forms; f++) {
    static double g[2][640], u[640];
    double lp[2];
    long n[2];
    for (int i = 0; i < 640; i++) u[i] = 0.9 * sin(1.0 + 0.7 * i);
    for (int k = 0; k < 2; k++) {
      char src[4096];
      snprintf(src, sizeof src,
               TDATA "parameters { vector[40] b; matrix[40, 9] P; matrix[40, 4] P2; row_vector[9] r; }\n"
               "model { target += %s; target += normal_lpdf(b | 0, 1); }\n",
               forms[f][k]);
      n[k] = grad_of(src, u, &lp[k], g[k], 640);
    }
    int same = n[0] > 0 && n[0] == n[1] && memcmp(&lp[0], &lp[1], sizeof lp[0]) == 0 &&
               memcmp(g[0], g[1], (size_t)n[0] * sizeof(double)) == 0;
    bad += !same;
    CHECK(same, "form %zu: one-operation product and per-element nodes give the same bits (lp %.17g vs %.17g)", f,
          lp[0], lp[1]);
  }
  (void)bad;
}

/* The reverse reads data operands in place but copies any other values: a local matrix of data overwritten after
 * the product leaves the gradient that of the values it had (bit for bit the same as the data matrix's). */
static void test_overwritten_operand(void) {
  static const char *forms[2] = {"vector[37] mu = X * b;", "matrix[37, 9] M = X; vector[37] mu = M * b; M[1, 1] = 100; M[2] = rep_row_vector(-3, 9);"};
  double lp[2], g[2][16], u[16];
  long n[2];
  for (int i = 0; i < 16; i++) u[i] = 0.5 * cos(0.9 * i);
  for (int k = 0; k < 2; k++) {
    char src[4096];
    snprintf(src, sizeof src, TDATA "parameters { vector[9] b; }\nmodel { %s target += dot_product(w, mu); }\n", forms[k]);
    n[k] = grad_of(src, u, &lp[k], g[k], 16);
  }
  CHECK(n[0] == 9 && n[1] == 9 && memcmp(g[0], g[1], 9 * sizeof(double)) == 0 && g[0][0] != 0,
        "a local data matrix overwritten after its product: the gradient of the values it had (%g vs %g)", g[0][0], g[1][0]);
}

int main(void) {
  test_forward();
  test_reverse();
  test_gradients();
  test_same_bits();
  test_overwritten_operand();
  return test_done();
}
