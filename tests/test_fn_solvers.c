/* tests/test_fn_solvers.c — built-ins that solve something: eigenvalues_sym /
 * eigenvectors_sym (A V = V diag(l), V'V = I, gradients against central
 * finite differences), and the algebraic solvers and map_rect when present
 * (see the sections below). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "urn/model.h"

static urn_model *build(const char *src, const char *data, urn_error *err) {
  return urn_model_new("t.stan", src, strlen(src), "t.json", data, data ? strlen(data) : 0, 1, err);
}

/* Worst relative gap between the gradient and central differences. */
static double fd_error(const urn_model *m, const double *u, double h) {
  size_t n = urn_model_num_unconstrained(m);
  double g[64], v[64], lp, worst = 0;
  urn_error err;
  if (urn_model_log_density_gradient(m, 0, 1, u, &lp, g, &err)) {
    printf("gradient failed: %s\n", err.msg);
    return INFINITY;
  }
  for (size_t i = 0; i < n; i++) {
    memcpy(v, u, n * sizeof *v);
    double f1, f2;
    v[i] = u[i] + h;
    if (urn_model_log_density(m, 0, 1, v, &f1, &err)) return INFINITY;
    v[i] = u[i] - h;
    if (urn_model_log_density(m, 0, 1, v, &f2, &err)) return INFINITY;
    double fd = (f1 - f2) / (2 * h), e = fabs(fd - g[i]) / (fabs(g[i]) + fabs(fd) + 1e-8);
    if (e > worst) worst = e;
  }
  return worst;
}

static void test_eigen(void) {
  const char *src =
      "parameters { vector[6] b; }\n"
      "transformed parameters {\n"
      "  matrix[3, 3] A = [[b[1], b[2], b[3]], [b[2], b[4], b[5]], [b[3], b[5], b[6]]];\n"
      "  vector[3] l = eigenvalues_sym(A);\n"
      "  matrix[3, 3] V = eigenvectors_sym(A);\n"
      "}\n"
      "model { target += dot_product(l, [0.3, -0.5, 0.9]') + sum(V .* [[0.2, -0.1, 0.4], [0.7, 0.3, -0.6], [-0.2, 0.5, 0.1]])\n"
      "  + sum(square(V[, 2])) * l[1]; }\n";
  urn_error err;
  urn_model *m = build(src, NULL, &err);
  CHECK(m != NULL, "eigen model builds: %s", m ? "" : err.msg);
  if (!m) return;
  double u[6] = {2.0, 0.5, -0.3, 1.1, 0.8, -0.7}, out[6 + 9 + 3 + 9];
  CHECK(urn_model_param_constrain(m, 1, 0, u, out, NULL, &err) == URN_OK, "eigen constrains");
  const double *A = out + 6, *l = out + 15, *V = out + 18;
  double resid = 0, orth = 0;
  for (int k = 0; k < 3; k++)
    for (int i = 0; i < 3; i++) {
      double av = 0;
      for (int j = 0; j < 3; j++) av += A[i + 3 * j] * V[j + 3 * k];
      resid = fmax(resid, fabs(av - l[k] * V[i + 3 * k]));
      double d = 0;
      for (int j = 0; j < 3; j++) d += V[j + 3 * i] * V[j + 3 * k];
      orth = fmax(orth, fabs(d - (i == k)));
    }
  CHECK(resid < 1e-12, "eigen: A V = V diag(l), worst %.3g", resid);
  CHECK(orth < 1e-12, "eigen: V'V = I, worst %.3g", orth);
  CHECK(l[0] < l[1] && l[1] < l[2], "eigenvalues ascending");
  CHECK_REL(l[0] + l[1] + l[2], 2.0 + 1.1 - 0.7, 1e-12, "eigenvalues sum to the trace");
  double e = fd_error(m, u, 1e-6);
  CHECK(e < 1e-7, "eigenvalues_sym / eigenvectors_sym gradient vs finite differences: worst %.3g", e);
  urn_model_free(m);
}

/* A repeated eigenvalue: A = c I + d w w' (|w| = 1) has eigenvalues c, c, c + d.  The log density uses the
 * eigenvectors only through sum((V' y)^2 ./ l) = y' A^-1 y, invariant to rotations inside the repeated pair's
 * plane, so it has a gradient: the tied pair's adjoint terms are left out (they cancel), and the gradient must
 * match central differences and the closed form (Sherman-Morrison: A^-1 = (I - d/(c + d) w w') / c). */
static void test_eigen_repeated(void) {
  const char *src =
      "data { vector[3] w; vector[3] y; }\n"
      "parameters { real c; real d; }\n"
      "transformed parameters {\n"
      "  matrix[3, 3] A = c * diag_matrix(rep_vector(1, 3)) + d * w * w';\n"
      "  vector[3] l = eigenvalues_sym(A);\n"
      "  matrix[3, 3] V = eigenvectors_sym(A);\n"
      "}\n"
      "model { target += -sum(square(V' * y) ./ l); }\n";
  const char *data = "{\"w\": [0.3333333333333333, 0.6666666666666666, 0.6666666666666666], \"y\": [0.3, -0.5, 0.9]}";
  urn_error err;
  urn_model *m = build(src, data, &err);
  CHECK(m != NULL, "repeated-eigenvalue model builds: %s", m ? "" : err.msg);
  if (!m) return;
  double u[2] = {1.7, 0.9}, lp, g[2];
  int rc = urn_model_log_density_gradient(m, 0, 1, u, &lp, g, &err);
  CHECK(rc == URN_OK, "eigenvectors_sym of a matrix with a repeated eigenvalue has a gradient: %s", rc ? err.msg : "");
  if (rc == URN_OK) {
    double w[3] = {1.0 / 3, 2.0 / 3, 2.0 / 3}, y[3] = {0.3, -0.5, 0.9}, yy = 0, wy = 0, c = u[0], d = u[1];
    for (int i = 0; i < 3; i++) yy += y[i] * y[i], wy += w[i] * y[i];
    /* lp = -(yy - d / (c + d) wy^2) / c; its partials in c and d */
    double want = -(yy - d / (c + d) * wy * wy) / c;
    double dc = yy / (c * c) - wy * wy * d * (2 * c + d) / (c * c * (c + d) * (c + d));
    double dd = wy * wy / ((c + d) * (c + d));
    CHECK_REL(lp, want, 1e-12, "repeated eigenvalue: lp = -y' A^-1 y");
    CHECK_REL(g[0], dc, 1e-9, "repeated eigenvalue: d lp / d c against the closed form");
    CHECK_REL(g[1], dd, 1e-9, "repeated eigenvalue: d lp / d d against the closed form");
    double e = fd_error(m, u, 1e-6);
    CHECK(e < 1e-7, "repeated eigenvalue: gradient vs finite differences: worst %.3g", e);
  }
  urn_model_free(m);
}

/* y1^2 = a, y2 = b y1: y = (sqrt a, b sqrt a), through every solver name. */
static void test_solvers(void) {
  static const char *calls[] = {
      "solve_newton(f, [1, 1]', a, b)",
      "solve_powell(f, [1, 1]', a, b)",
      "solve_newton_tol(f, [1, 1]', 1e-10, 1e-9, 100, a, b)",
      "solve_powell_tol(f, [3, -2]', 1e-10, 1e-9, 100, a, b)",
      "algebra_solver(g, [1, 1]', [a, b]', x_r, x_i)",
      "algebra_solver_newton(g, [1, 1]', [a, b]', x_r, x_i, 1e-10, 1e-8, 100)",
  };
  for (size_t c = 0; c < sizeof calls / sizeof calls[0]; c++) {
    char src[1024];
    snprintf(src, sizeof src,
             "functions {\n"
             "  vector f(vector y, real a, real b) { return [y[1]^2 - a, y[2] - b * y[1]]'; }\n"
             "  vector g(vector y, vector th, data array[] real x_r, array[] int x_i) { return [y[1]^2 - th[1], y[2] - th[2] * y[1]]'; }\n"
             "}\n"
             "transformed data { array[0] real x_r; array[0] int x_i; }\n"
             "parameters { real<lower=0> a; real b; }\n"
             "transformed parameters { vector[2] y = %s; }\n"
             "model { target += y[1] + 2 * y[2]; }\n",
             calls[c]);
    urn_error err;
    urn_model *m = build(src, NULL, &err);
    CHECK(m != NULL, "%s builds: %s", calls[c], m ? "" : err.msg);
    if (!m) continue;
    double a = 2.3, b = -0.7, u[2] = {log(a), b}, lp, g[2];
    CHECK(urn_model_log_density_gradient(m, 0, 0, u, &lp, g, &err) == URN_OK, "%s evaluates: %s", calls[c], err.msg);
    double r = sqrt(a);
    CHECK_REL(lp, r + 2 * b * r, 1e-9, "solver root (closed form)");
    /* d lp / d log a = a (1/(2 r) + 2 b / (2 r)); d lp / d b = 2 r */
    CHECK_REL(g[0], a * (1 + 2 * b) / (2 * r), 1e-8, "solver gradient wrt a (implicit function theorem, closed form)");
    CHECK_REL(g[1], 2 * r, 1e-8, "solver gradient wrt b (closed form)");
    urn_model_free(m);
  }
  /* no root: y^2 + 1 = 0 */
  const char *src = "functions { vector f(vector y) { return [y[1]^2 + 1]'; } }\n"
                    "parameters { real x; }\n"
                    "model { vector[1] y = solve_powell(f, [0.5]'); x ~ normal(y[1], 1); }\n";
  urn_error err;
  urn_model *m = build(src, NULL, &err);
  CHECK(m != NULL, "rootless system builds: %s", m ? "" : err.msg);
  if (m) {
    double u[1] = {0}, lp;
    int rc = urn_model_log_density(m, 0, 1, u, &lp, &err);
    CHECK(rc == URN_EREJECT && strstr(err.msg, "solve_powell:"), "rootless system rejects: %d %s", rc, err.msg);
    urn_model_free(m);
  }
  /* a wrong system signature is a checker error */
  src = "functions { vector f(vector y, real a) { return y; } }\n"
        "parameters { real x; }\n"
        "model { vector[1] y = solve_newton(f, [0.5]', x, x); }\n";
  m = build(src, NULL, &err);
  CHECK(m == NULL && strstr(err.msg, "3:36: the system function f of solve_newton must be declared vector f(vector y, ...) with one argument after y for each of the 2 arguments"),
        "solver signature checked: %s", m ? "(accepted)" : err.msg);
  if (m) urn_model_free(m);
  /* a trailing argument the system function declares 'data' must be data (stanc3's variadic rule), in every
   * solver form; a data argument there is accepted */
  const char *bad[2] = {"solve_newton(f, [0.5]', x)", "solve_powell_tol(f, [0.5]', 1e-8, 1e-8, 100, x)"};
  const char *want[2] = {"3:47: argument 3 of solve_newton must be data (f declares it 'data')",
                         "3:68: argument 6 of solve_powell_tol must be data (f declares it 'data')"};
  char buf[512];
  for (int c = 0; c < 2; c++) {
    snprintf(buf, sizeof buf,
             "functions { vector f(vector y, data real a) { return y - a; } }\n"
             "parameters { real x; }\n"
             "model { vector[1] y = %s; x ~ normal(y[1], 1); }\n", bad[c]);
    m = build(buf, NULL, &err);
    CHECK(m == NULL && strstr(err.msg, want[c]), "data-only solver argument: %s", m ? "(accepted)" : err.msg);
    if (m) urn_model_free(m);
  }
  m = build("functions { vector f(vector y, data real a) { return y - a; } }\n"
            "parameters { real x; }\n"
            "model { vector[1] y = solve_newton(f, [0.5]', 2.0); x ~ normal(y[1], 1); }\n", NULL, &err);
  CHECK(m != NULL, "data solver argument accepted: %s", m ? "" : err.msg);
  if (m) urn_model_free(m);
}

/* map_rect equals the loop it stands for (lp and gradient). */
static void test_map_rect(void) {
  const char *fmt =
      "functions { vector job(vector phi, vector th, data array[] real x_r, data array[] int x_i) {\n"
      "  return [normal_lpdf(x_r[1] | phi[1] + th[1] * x_i[1], exp(phi[2])), th[2] * x_r[2]]'; } }\n"
      "data { array[3, 2] real xr; array[3, 1] int xi; }\n"
      "parameters { vector[2] phi; array[3] vector[2] th; }\n"
      "model {\n  %s\n  phi ~ normal(0, 1);\n  for (j in 1:3) th[j] ~ normal(0, 1);\n}\n";
  const char *data = "{\"xr\": [[0.5, 1.5], [-0.3, 2.0], [1.2, -1.0]], \"xi\": [[1], [2], [3]]}";
  char s1[2048], s2[2048];
  snprintf(s1, sizeof s1, fmt, "target += sum(map_rect(job, phi, th, xr, xi));");
  snprintf(s2, sizeof s2, fmt, "for (j in 1:3) target += sum(job(phi, th[j], xr[j], xi[j]));");
  urn_error err;
  urn_model *m1 = build(s1, data, &err);
  CHECK(m1 != NULL, "map_rect builds: %s", m1 ? "" : err.msg);
  urn_model *m2 = build(s2, data, &err);
  if (!m1 || !m2) return;
  double u[8] = {0.3, -0.2, 0.5, 1.1, -0.4, 0.9, 0.2, -1.3}, l1, l2, g1[8], g2[8];
  urn_model_log_density_gradient(m1, 0, 1, u, &l1, g1, &err);
  urn_model_log_density_gradient(m2, 0, 1, u, &l2, g2, &err);
  CHECK_REL(l1, l2, 1e-14, "map_rect lp equals the loop's");
  double worst = 0;
  for (int i = 0; i < 8; i++) worst = fmax(worst, fabs(g1[i] - g2[i]));
  CHECK(worst < 1e-13, "map_rect gradient equals the loop's: worst %.3g", worst);
  double e = fd_error(m1, u, 1e-6);
  CHECK(e < 1e-6, "map_rect gradient vs finite differences: worst %.3g", e);
  urn_model_free(m1), urn_model_free(m2);
}

/* reduce_sum equals the loop it stands for; a _lupmf name passed by value finds the _lpmf definition. */
static void test_reduce_sum(void) {
  const char *fmt =
      "functions { real part_lpmf(array[] int slice, int start, int end, vector lambda) {\n"
      "  return poisson_lpmf(slice | lambda[start:end]); } }\n"
      "data { array[5] int y; }\nparameters { vector<lower=0>[5] lambda; }\n"
      "model { %s }\n";
  const char *data = "{\"y\": [1, 0, 4, 2, 7]}";
  char s1[1024], s2[1024];
  snprintf(s1, sizeof s1, fmt, "target += reduce_sum(part_lpmf, y, 2, lambda);");
  snprintf(s2, sizeof s2, fmt, "target += poisson_lpmf(y | lambda);");
  urn_error err;
  urn_model *m1 = build(s1, data, &err);
  CHECK(m1 != NULL, "reduce_sum builds: %s", m1 ? "" : err.msg);
  urn_model *m2 = build(s2, data, &err);
  if (m1 && m2) {
    double u[5] = {0.1, -0.5, 1.2, 0.4, 1.9}, l1, l2, g1[5], g2[5], worst = 0;
    urn_model_log_density_gradient(m1, 0, 1, u, &l1, g1, &err);
    urn_model_log_density_gradient(m2, 0, 1, u, &l2, g2, &err);
    CHECK_REL(l1, l2, 1e-14, "reduce_sum lp equals the direct call");
    for (int i = 0; i < 5; i++) worst = fmax(worst, fabs(g1[i] - g2[i]));
    CHECK(worst < 1e-13, "reduce_sum gradient equals the direct call's: %.3g", worst);
  }
  if (m1) urn_model_free(m1);
  if (m2) urn_model_free(m2);
  snprintf(s1, sizeof s1, fmt, "target += reduce_sum_static(part_lupmf, y, 1, lambda);");
  m1 = build(s1, data, &err);
  CHECK(m1 != NULL, "reduce_sum_static with a _lupmf name builds: %s", m1 ? "" : err.msg);
  if (m1) urn_model_free(m1);
  snprintf(s1, sizeof s1, fmt, "target += reduce_sum(part_lpmf, y, 1);");
  m1 = build(s1, data, &err);
  CHECK(m1 == NULL && strstr(err.msg, "the function part_lpmf of reduce_sum must be declared real part_lpmf(array[] int slice, int start, int end, ...)"),
        "reduce_sum signature checked: %s", m1 ? "(accepted)" : err.msg);
  if (m1) urn_model_free(m1);
}

int main(void) {
  test_eigen();
  test_eigen_repeated();
  test_reduce_sum();
  test_solvers();
  test_map_rect();
  return test_done();
}
