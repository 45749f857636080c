/* tests/test_lang_types.c — the types of issue #13 part 2 in whole models:
 * column_stochastic_matrix, row_stochastic_matrix, sum_to_zero_matrix and the
 * Stan 2.37 simplex as parameters (unconstrained layout, the log-Jacobians
 * added to lp exactly when asked, gradients against finite differences,
 * param_constrain values satisfying the constraints, the unconstrain round
 * trip, CSV names) and as data (validation messages). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "math/rng.h"
#include "model/transform.h"
#include "urn/model.h"
#include "util/util.h"

static urn_model *build(const char *src, const char *data, urn_error *err) {
  return urn_model_new("t.stan", src, strlen(src), "t.json", data, data ? strlen(data) : 0, 1, err);
}

/* Central-difference gradient check of a model at u (relative 1e-6). */
static void check_gradient(const urn_model *m, const double *u0, const char *what) {
  size_t n = urn_model_num_unconstrained(m);
  double *u = malloc(n * sizeof *u), *g = malloc(n * sizeof *g), lp, worst = 0;
  memcpy(u, u0, n * sizeof *u);
  urn_error err;
  CHECK(urn_model_log_density_gradient(m, 0, 1, u, &lp, g, &err) == URN_OK, "%s: gradient evaluates", what);
  for (size_t j = 0; j < n; j++) {
    double h = 1e-5, keep = u[j], fp, fm;
    u[j] = keep + h;
    urn_model_log_density(m, 0, 1, u, &fp, NULL);
    u[j] = keep - h;
    urn_model_log_density(m, 0, 1, u, &fm, NULL);
    u[j] = keep;
    double fd = (fp - fm) / (2 * h);
    worst = fmax(worst, fabs(g[j] - fd) / fmax(1, fabs(fd)));
  }
  CHECK(worst < 1e-6, "%s: gradient vs finite differences, worst rel %.3g", what, worst);
  free(u), free(g);
}

static const char *prog_stoch =
    "data { int N; int M; }\n"
    "parameters {\n"
    "  column_stochastic_matrix[N, M] P;\n"
    "  row_stochastic_matrix[N, M] Q;\n"
    "  sum_to_zero_matrix[N, M] Z;\n"
    "  simplex[4] s;\n"
    "  array[2] row_stochastic_matrix[2, 3] A;\n"
    "}\n"
    "model {\n"
    "  to_vector(Z) ~ normal(0, 1.5);\n"
    "  to_vector(P) ~ normal(0.2, 1);\n"
    "  to_vector(Q) ~ normal(0.4, 1);\n"
    "  s ~ dirichlet([1.5, 2, 2.5, 3]');\n"
    "  for (k in 1:2) to_vector(A[k]) ~ normal(0.3, 0.5);\n"
    "}\n";

static void test_stochastic_params(void) {
  const int N = 3, M = 4;
  urn_error err;
  urn_model *m = build(prog_stoch, "{\"N\": 3, \"M\": 4}", &err);
  CHECK(m != NULL, "stochastic/sum-to-zero model builds: %s", m ? "" : err.msg);
  if (!m) return;
  /* layout: P (N-1)M, Q N(M-1), Z (N-1)(M-1), s 3, A 2 * 2 * 2 */
  size_t nP = (N - 1) * M, nQ = N * (M - 1), nZ = (N - 1) * (M - 1), nA = 2 * 2 * 2;
  size_t n = urn_model_num_unconstrained(m);
  CHECK(n == nP + nQ + nZ + 3 + nA, "unconstrained size %zu", n);
  CHECK(urn_model_num_params(m, 0, 0) == (size_t)(3 * N * M + 4 + 12), "constrained size");
  CHECK(strcmp(urn_model_param_name(m, 0), "P.1.1") == 0 && strcmp(urn_model_param_name(m, 1), "P.2.1") == 0,
        "names column-major: %s %s", urn_model_param_name(m, 0), urn_model_param_name(m, 1));
  CHECK(strcmp(urn_model_param_name(m, 3 * N * M + 4), "A.1.1.1") == 0, "array of matrices named A.1.1.1");
  urn_rng r;
  urn_rng_seed(&r, 77, 0);
  double u[64], x[128];
  for (int rep = 0; rep < 3; rep++) {
    for (size_t i = 0; i < n; i++) u[i] = 0.8 * urn_rng_normal(&r);
    /* the Jacobian terms added are those of model/transform.c on u's slices, in declaration order */
    double lpj, lpn, lj = 0, xs[64];
    CHECK(urn_model_log_density(m, 0, 1, u, &lpj, &err) == URN_OK, "lp with Jacobian: %s", err.msg);
    urn_model_log_density(m, 0, 0, u, &lpn, &err);
    size_t o = 0;
    urn_transform_constrain(URN_TR_STOCHASTIC_COLUMN, N, M, NULL, u + o, xs, &lj, "P", NULL), o += nP;
    urn_transform_constrain(URN_TR_STOCHASTIC_ROW, N, M, NULL, u + o, xs, &lj, "Q", NULL), o += nQ;
    urn_transform_constrain(URN_TR_SUM_TO_ZERO_MATRIX, N, M, NULL, u + o, xs, &lj, "Z", NULL), o += nZ;
    urn_transform_constrain(URN_TR_SIMPLEX, 4, 1, NULL, u + o, xs, &lj, "s", NULL), o += 3;
    for (int k = 0; k < 2; k++) urn_transform_constrain(URN_TR_STOCHASTIC_ROW, 2, 3, NULL, u + o, xs, &lj, "A", NULL), o += 4;
    CHECK_REL(lpj - lpn, lj, 1e-12, "lp(jacobian) - lp(no jacobian) = the transforms' log-Jacobians");
    check_gradient(m, u, "stochastic/sum-to-zero model");
    /* constrained values satisfy their constraints */
    CHECK(urn_model_param_constrain(m, 0, 0, u, x, NULL, &err) == URN_OK, "param_constrain");
    double e = 0;
    for (int j = 0; j < M; j++) {
      double cs = 0, zs = 0;
      for (int i = 0; i < N; i++) cs += x[i + j * N], zs += x[2 * N * M + i + j * N];
      e = fmax(e, fmax(fabs(cs - 1), fabs(zs)));
    }
    for (int i = 0; i < N; i++) {
      double rs = 0, zs = 0;
      for (int j = 0; j < M; j++) rs += x[N * M + i + j * N], zs += x[2 * N * M + i + j * N];
      e = fmax(e, fmax(fabs(rs - 1), fabs(zs)));
    }
    CHECK(e < 1e-14, "P columns and Q rows sum to 1, Z rows and columns to 0 (worst %.3g)", e);
    /* round trip through the JSON inverse */
    urn_buf js;
    urn_buf_init(&js);
    const char *nm[5] = {"P", "Q", "Z", "s", "A"};
    size_t off = 0;
    urn_buf_puts(&js, "{");
    for (int v = 0; v < 5; v++) {
      urn_buf_printf(&js, "%s\"%s\": ", v ? ", " : "", nm[v]);
      if (v == 3) {
        urn_buf_printf(&js, "[%.17g, %.17g, %.17g, %.17g]", x[off], x[off + 1], x[off + 2], x[off + 3]);
        off += 4;
        continue;
      }
      int na = v == 4 ? 2 : 1, R = v == 4 ? 2 : N, C = v == 4 ? 3 : M;
      if (v == 4) urn_buf_puts(&js, "[");
      for (int a = 0; a < na; a++) {
        urn_buf_printf(&js, "%s[", a ? ", " : "");
        for (int i = 0; i < R; i++) {
          urn_buf_printf(&js, "%s[", i ? ", " : "");
          /* param_constrain's order is column-major over all dimensions, arrays included (Stan CSV) */
          for (int j = 0; j < C; j++) urn_buf_printf(&js, "%s%.17g", j ? ", " : "", x[off + a + na * (i + j * R)]);
          urn_buf_puts(&js, "]");
        }
        urn_buf_puts(&js, "]");
      }
      off += (size_t)(na * R * C);
      if (v == 4) urn_buf_puts(&js, "]");
    }
    urn_buf_puts(&js, "}");
    double u2[64];
    int rc = urn_model_param_unconstrain_json(m, js.data, js.len, "inits.json", u2, &err);
    CHECK(rc == URN_OK, "param_unconstrain_json: %s", rc ? err.msg : "");
    double eu = 0;
    for (size_t i = 0; i < n; i++) eu = fmax(eu, fabs(u2[i] - u[i]) / fmax(1, fabs(u[i])));
    CHECK(eu < 1e-10, "unconstrain(constrain(u)) = u (worst %.3g)", eu);
    urn_buf_free(&js);
  }
  urn_model_free(m);
}

/* Data of the new types is validated with messages naming the variable and the rule. */
static void test_data_validation(void) {
  const char *prog =
      "data { column_stochastic_matrix[2, 2] P; row_stochastic_matrix[2, 3] Q; sum_to_zero_matrix[2, 2] Z; }\n"
      "parameters { real mu; }\nmodel { mu ~ normal(0, 1); }\n";
  struct {
    const char *data, *want;
  } cases[] = {
      {"{\"P\": [[0.5, 0.2], [0.5, 0.8]], \"Q\": [[0.2, 0.3, 0.5], [1, 0, 0]], \"Z\": [[1, -1], [-1, 1]]}", NULL},
      {"{\"P\": [[0.5, 0.2], [0.5, 0.9]], \"Q\": [[0.2, 0.3, 0.5], [1, 0, 0]], \"Z\": [[1, -1], [-1, 1]]}",
       "P[:, 2] is not a valid simplex: sum(P[:, 2]) = 1.1000000000000001, but should be 1"},
      {"{\"P\": [[0.5, 0.2], [0.5, 0.8]], \"Q\": [[0.2, 0.3, 0.5], [1.1, -0.1, 0]], \"Z\": [[1, -1], [-1, 1]]}",
       "Q[2, :] is not a valid simplex: Q[2, :][2] = -0.10000000000000001, but must be greater than or equal to 0"},
      {"{\"P\": [[0.5, 0.2], [0.5, 0.8]], \"Q\": [[0.2, 0.3, 0.5], [1, 0, 0]], \"Z\": [[1, -1], [-1, 2]]}",
       "Z is not a valid sum_to_zero_matrix: column 2 sums to 1, but must sum to 0"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    urn_error err;
    urn_model *m = build(prog, cases[i].data, &err);
    if (!cases[i].want) {
      CHECK(m != NULL, "valid stochastic/sum-to-zero data accepted: %s", m ? "" : err.msg);
    } else {
      CHECK(!m && strstr(err.msg, cases[i].want), "data case %zu refused with \"%s\": got \"%s\"", i, cases[i].want,
            m ? "(accepted)" : err.msg);
    }
    if (m) urn_model_free(m);
  }
}

int main(void) {
  test_stochastic_params();
  test_data_validation();
  return test_done();
}
