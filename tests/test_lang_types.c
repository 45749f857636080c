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
    urn__model_transform_constrain(URN_TR_STOCHASTIC_COLUMN, N, M, NULL, u + o, xs, &lj, "P", NULL), o += nP;
    urn__model_transform_constrain(URN_TR_STOCHASTIC_ROW, N, M, NULL, u + o, xs, &lj, "Q", NULL), o += nQ;
    urn__model_transform_constrain(URN_TR_SUM_TO_ZERO_MATRIX, N, M, NULL, u + o, xs, &lj, "Z", NULL), o += nZ;
    urn__model_transform_constrain(URN_TR_SIMPLEX, 4, 1, NULL, u + o, xs, &lj, "s", NULL), o += 3;
    for (int k = 0; k < 2; k++) urn__model_transform_constrain(URN_TR_STOCHASTIC_ROW, 2, 3, NULL, u + o, xs, &lj, "A", NULL), o += 4;
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

/* One constrained type two ways: declared (`simplex[4] x;`) and as a function of unconstrained
 * parameters (`vector[3] y; ... x = simplex_jacobian(y);`). */
typedef struct tf_case {
  const char *decl;     /* the declared parameter */
  const char *free;     /* the unconstrained parameter of the function form */
  const char *xdecl;    /* the transformed parameter's declaration */
  const char *call;     /* FN(y, ...): FN is replaced by NAME_jacobian / NAME_constrain */
  const char *name;     /* the family */
  const char *inv;      /* the unconstrain call on x (giving back y) */
  const char *target;   /* a density of x */
} tf_case;

static const tf_case tf_cases[] = {
    {"real<lower=1.5> x;", "real y;", "real x", "(y, 1.5)", "lower_bound", "(x, 1.5)", "-0.5 * square(x - 2)"},
    {"vector<upper=2>[3] x;", "vector[3] y;", "vector[3] x", "(y, 2)", "upper_bound", "(x, 2)", "-0.5 * dot_self(x - 0.3)"},
    {"vector<lower=-1, upper=[1, 2, 3]'>[3] x;", "vector[3] y;", "vector[3] x", "(y, -1, [1, 2, 3]')", "lower_upper_bound",
     "(x, -1, [1, 2, 3]')", "-0.5 * dot_self(x - 0.3)"},
    {"vector<offset=1, multiplier=3>[2] x;", "vector[2] y;", "vector[2] x", "(y, 1, 3)", "offset_multiplier", "(x, 1, 3)",
     "-0.5 * dot_self(x - 0.3)"},
    {"ordered[3] x;", "vector[3] y;", "vector[3] x", "(y)", "ordered", "(x)", "-0.5 * dot_self(x - 0.3)"},
    {"positive_ordered[3] x;", "vector[3] y;", "vector[3] x", "(y)", "positive_ordered", "(x)", "-0.5 * dot_self(x - 0.3)"},
    {"simplex[4] x;", "vector[3] y;", "vector[4] x", "(y)", "simplex", "(x)", "dirichlet_lpdf(x | [1.5, 2, 2.5, 3]')"},
    {"unit_vector[3] x;", "vector[3] y;", "vector[3] x", "(y)", "unit_vector", NULL, "-0.5 * dot_self(x - 0.3)"},
    {"sum_to_zero_vector[4] x;", "vector[3] y;", "vector[4] x", "(y)", "sum_to_zero", "(x)", "-0.5 * dot_self(x - 0.3)"},
    {"sum_to_zero_matrix[3, 4] x;", "matrix[2, 3] y;", "matrix[3, 4] x", "(y)", "sum_to_zero", "(x)",
     "-0.5 * dot_self(to_vector(x) - 0.3)"},
    {"column_stochastic_matrix[3, 2] x;", "matrix[2, 2] y;", "matrix[3, 2] x", "(y)", "stochastic_column", "(x)",
     "-0.5 * dot_self(to_vector(x) - 0.3)"},
    {"row_stochastic_matrix[2, 3] x;", "matrix[2, 2] y;", "matrix[2, 3] x", "(y)", "stochastic_row", "(x)",
     "-0.5 * dot_self(to_vector(x) - 0.3)"},
    {"cholesky_factor_corr[3] x;", "vector[3] y;", "matrix[3, 3] x", "(y, 3)", "cholesky_factor_corr", "(x)",
     "-0.5 * dot_self(to_vector(x) - 0.3)"},
    {"cholesky_factor_cov[4, 3] x;", "vector[9] y;", "matrix[4, 3] x", "(y, 4, 3)", "cholesky_factor_cov", "(x)",
     "-0.5 * dot_self(to_vector(x) - 0.3)"},
    {"corr_matrix[3] x;", "vector[3] y;", "matrix[3, 3] x", "(y, 3)", "corr_matrix", "(x)", "-0.5 * dot_self(to_vector(x) - 0.3)"},
    {"cov_matrix[3] x;", "vector[6] y;", "matrix[3, 3] x", "(y, 3)", "cov_matrix", "(x)", "-0.5 * dot_self(to_vector(x) - 0.3)"},
};

/* The *_jacobian form equals the declared type (lp with and without the Jacobian, gradient); the
 * *_constrain form adds no Jacobian; NAME_unconstrain(NAME_constrain(y)) = y, so a density of it
 * has a closed-form value and gradient (the adjoint of unconstrain through the evaluator). */
static void test_transform_functions(void) {
  urn_rng r;
  urn_rng_seed(&r, 2037, 0);
  for (size_t c = 0; c < sizeof tf_cases / sizeof tf_cases[0]; c++) {
    const tf_case *t = &tf_cases[c];
    char pd[1024], pj[1024], pc[1024], pu[1024];
    snprintf(pd, sizeof pd, "parameters { %s }\nmodel { target += %s; }\n", t->decl, t->target);
    snprintf(pj, sizeof pj, "parameters { %s }\ntransformed parameters { %s = %s_jacobian%s; }\nmodel { target += %s; }\n",
             t->free, t->xdecl, t->name, t->call, t->target);
    snprintf(pc, sizeof pc, "parameters { %s }\ntransformed parameters { %s = %s_constrain%s; }\nmodel { target += %s; }\n",
             t->free, t->xdecl, t->name, t->call, t->target);
    urn_error err;
    urn_model *md = build(pd, NULL, &err), *mj = md ? build(pj, NULL, &err) : NULL, *mc = mj ? build(pc, NULL, &err) : NULL;
    CHECK(md && mj && mc, "%s: the three models build: %s", t->name, md && mj && mc ? "" : err.msg);
    if (md && mj && mc) {
      size_t n = urn_model_num_unconstrained(md);
      CHECK(n == urn_model_num_unconstrained(mj), "%s: same unconstrained size", t->name);
      double u[16], gd[16], gj[16], ld, lj, ldn, ljn, lc;
      for (int rep = 0; rep < 2; rep++) {
        for (size_t i = 0; i < n; i++) u[i] = 0.7 * urn_rng_normal(&r);
        urn_model_log_density_gradient(md, 0, 1, u, &ld, gd, &err);
        CHECK(urn_model_log_density_gradient(mj, 0, 1, u, &lj, gj, &err) == URN_OK, "%s_jacobian evaluates: %s", t->name, err.msg);
        urn_model_log_density(md, 0, 0, u, &ldn, &err);
        urn_model_log_density(mj, 0, 0, u, &ljn, &err);
        urn_model_log_density(mc, 0, 1, u, &lc, &err);
        CHECK_REL(lj, ld, 1e-12, t->name);
        CHECK_REL(ljn, ldn, 1e-12, t->name);
        CHECK_REL(lc, ldn, 1e-12, t->name);
        double eg = 0;
        for (size_t i = 0; i < n; i++) eg = fmax(eg, fabs(gj[i] - gd[i]) / fmax(1, fabs(gd[i])));
        CHECK(eg < 1e-10, "%s_jacobian: gradient equals the declared type's (worst %.3g)", t->name, eg);
        check_gradient(mj, u, t->name);
      }
    }
    if (md) urn_model_free(md);
    if (mj) urn_model_free(mj);
    if (mc) urn_model_free(mc);
    if (!t->inv) continue;
    /* z = unconstrain(constrain(y)) = y: target -0.5 |z - 0.2|^2 has value -0.5 |y - 0.2|^2, gradient 0.2 - y */
    snprintf(pu, sizeof pu,
             "functions { vector as_vector(real x) { return [x]'; } vector as_vector(vector x) { return x; }\n"
             "  vector as_vector(matrix x) { return to_vector(x); } }\n"
             "parameters { %s }\ntransformed parameters { %s = %s_constrain%s; }\n"
             "model { target += -0.5 * dot_self(as_vector(%s_unconstrain%s) - 0.2); }\n",
             t->free, t->xdecl, t->name, t->call, t->name, t->inv);
    urn_model *mu = build(pu, NULL, &err);
    CHECK(mu != NULL, "%s_unconstrain model builds: %s", t->name, mu ? "" : err.msg);
    if (!mu) continue;
    size_t n = urn_model_num_unconstrained(mu);
    double u[16], g[16], lp, want = 0, eg = 0;
    for (size_t i = 0; i < n; i++) u[i] = 0.6 * urn_rng_normal(&r), want += -0.5 * (u[i] - 0.2) * (u[i] - 0.2);
    CHECK(urn_model_log_density_gradient(mu, 0, 1, u, &lp, g, &err) == URN_OK, "%s_unconstrain evaluates: %s", t->name, err.msg);
    CHECK_REL(lp, want, 1e-9, t->name);
    for (size_t i = 0; i < n; i++) eg = fmax(eg, fabs(g[i] - (0.2 - u[i])));
    CHECK(eg < 1e-9, "%s: gradient through unconstrain(constrain(y)) is 0.2 - y (worst %.3g)", t->name, eg);
    urn_model_free(mu);
  }
}

/* Values against Stan's definitions, errors, and where *_jacobian may be called. */
static void test_transform_function_rules(void) {
  const char *prog =
      "parameters { real mu; }\nmodel { mu ~ normal(0, 1); }\ngenerated quantities {\n"
      "  real a = lower_bound_constrain(0.5, 2);\n"
      "  real b = upper_bound_constrain(0.5, 2);\n"
      "  real c = lower_upper_bound_constrain(0.5, -1, 3);\n"
      "  real d = offset_multiplier_constrain(0.5, 1, 3);\n"
      "  vector[3] o = positive_ordered_constrain([0.1, -0.2, 0.3]');\n"
      "  array[2] vector[3] s = simplex_constrain({[0, 0]', [log(2), 0]'});\n"
      "}\n";
  urn_error err;
  urn_model *m = build(prog, NULL, &err);
  CHECK(m != NULL, "constrain values program builds: %s", m ? "" : err.msg);
  if (m) {
    double u[1] = {0.1}, x[16];
    urn_rng rng;
    urn_rng_seed(&rng, 1, 0);
    CHECK(urn_model_param_constrain(m, 0, 1, u, x, &rng, &err) == URN_OK, "generated quantities run: %s", err.msg);
    CHECK_REL(x[1], 2 + exp(0.5), 1e-15, "lower_bound_constrain(0.5, 2) = 2 + e^0.5");
    CHECK_REL(x[2], 2 - exp(0.5), 1e-15, "upper_bound_constrain(0.5, 2) = 2 - e^0.5");
    CHECK_REL(x[3], -1 + 4 / (1 + exp(-0.5)), 1e-15, "lower_upper_bound_constrain(0.5, -1, 3) = -1 + 4 inv_logit(0.5)");
    CHECK_REL(x[4], 2.5, 1e-15, "offset_multiplier_constrain(0.5, 1, 3) = 1 + 3 * 0.5");
    CHECK_REL(x[5], exp(0.1), 1e-15, "positive_ordered_constrain[1] = e^0.1");
    CHECK_REL(x[7], exp(0.1) + exp(-0.2) + exp(0.3), 1e-15, "positive_ordered_constrain[3] = cumulative sum of exp");
    /* simplex_constrain(0) is uniform; of (log 2, 0): z = (w1, -w1, 0) with w1 = log(2)/sqrt(2), then softmax */
    double w1 = log(2.0) / sqrt(2.0), den = exp(w1) + exp(-w1) + 1;
    CHECK_REL(x[8], 1.0 / 3, 1e-15, "simplex_constrain(0)[1] = 1/3");
    CHECK_REL(x[9], exp(w1) / den, 1e-15, "simplex_constrain([log 2, 0])[1]");
    CHECK_REL(x[11], exp(-w1) / den, 1e-15, "simplex_constrain([log 2, 0])[2]");
    CHECK_REL(x[13], 1 / den, 1e-15, "simplex_constrain([log 2, 0])[3]");
    urn_model_free(m);
  }
  struct {
    const char *src, *want;
  } bad[] = {
      {"transformed data { vector[2] s = simplex_unconstrain([0.5, 0.6]'); }\nparameters { real mu; }\nmodel { }\n",
       "simplex_unconstrain: x is not a valid simplex: sum(x) = 1.1000000000000001, but should be 1"},
      {"transformed data { matrix[3, 3] L = cholesky_factor_corr_constrain([1, 2]', 3); }\nparameters { real mu; }\nmodel { }\n",
       "cholesky_factor_corr_constrain: a 3 x 3 cholesky_factor_corr needs 3 unconstrained values, but the argument has 2"},
      {"transformed data { vector[2] s = lower_bound_constrain([1, 2]', [1, 2, 3]'); }\nparameters { real mu; }\nmodel { }\n",
       "lower_bound_constrain: the bound has 3 elements, but the argument has 2"},
      {"parameters { vector[2] y; }\nmodel { vector[2] x = lower_bound_jacobian(y, 0); }\n",
       "t.stan:2:23: lower_bound_jacobian: functions ending in _jacobian are only allowed in transformed parameters"},
      {"parameters { vector[2] y; }\ngenerated quantities { vector[3] x = simplex_jacobian(y); }\n",
       "only allowed in transformed parameters and functions ending in _jacobian"},
      {"functions { vector f(vector y) { return simplex_jacobian(y); } }\nparameters { vector[2] y; }\nmodel { }\n",
       "simplex_jacobian: functions ending in _jacobian are only allowed"},
      {"parameters { vector[2] y; }\ntransformed parameters { vector[2] x = lower_bound_constrain(y, [1, 2]); }\nmodel { }\n",
       "no signature of lower_bound_constrain matches the arguments (vector, row_vector)"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    m = build(bad[i].src, NULL, &err);
    CHECK(!m && strstr(err.msg, bad[i].want), "refused with \"%s\": got \"%s\"", bad[i].want, m ? "(accepted)" : err.msg);
    if (m) urn_model_free(m);
  }
  /* a user _jacobian function may call them, and its Jacobian term follows the switch */
  const char *user =
      "functions { vector pos_jacobian(vector y) { return lower_bound_jacobian(y, 0); } }\n"
      "parameters { vector[2] y; }\ntransformed parameters { vector[2] x = pos_jacobian(y); }\n"
      "model { x ~ exponential(1); }\n";
  m = build(user, NULL, &err);
  CHECK(m != NULL, "a _jacobian user function calls lower_bound_jacobian: %s", m ? "" : err.msg);
  if (m) {
    double u[2] = {0.3, -0.7}, lp, lpn;
    urn_model_log_density(m, 0, 1, u, &lp, &err);
    urn_model_log_density(m, 0, 0, u, &lpn, &err);
    CHECK_REL(lpn, -exp(0.3) - exp(-0.7), 1e-14, "exponential(1) of exp(y), no Jacobian");
    CHECK_REL(lp, lpn + 0.3 - 0.7, 1e-14, "with the Jacobian: + sum(y)");
    urn_model_free(m);
  }
}

int main(void) {
  test_stochastic_params();
  test_data_validation();
  test_transform_functions();
  test_transform_function_rules();
  return test_done();
}
