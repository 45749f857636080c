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

int main(void) {
  test_eigen();
  return test_done();
}
