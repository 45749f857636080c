/* tests/test_lang_semantics.c — the language's meaning, checked with numbers
 * through the C API: the checker's choices (overloads, operator forms) are
 * what the evaluator runs, and each wrong result issue #13 listed stays
 * fixed.  References are closed forms worked out in the comments; gradients
 * against central finite differences. */
#include <math.h>
#include <string.h>

#include "harness.h"
#include "urn/model.h"

static urn_model *build(const char *src, const char *data, urn_error *err) {
  return urn_model_new("sem.stan", src, strlen(src), "sem.json", data, data ? strlen(data) : 0, 1, err);
}

/* lp (propto 0, jacobian as asked) at u, or NAN with a failed check. */
static double lp_at(const urn_model *m, int jacobian, const double *u) {
  double lp;
  urn_error err;
  if (urn_model_log_density(m, 0, jacobian, u, &lp, &err) != URN_OK) {
    CHECK(0, "log density failed: %s", err.msg);
    return NAN;
  }
  return lp;
}

/* Worst relative gap between the gradient and central differences at u. */
static double fd_gap(const urn_model *m, const double *u) {
  size_t n = urn_model_num_unconstrained(m);
  double g[16], v[16], lp, worst = 0;
  urn_error err;
  if (n > 16 || urn_model_log_density_gradient(m, 0, 1, u, &lp, g, &err) != URN_OK) return INFINITY;
  for (size_t i = 0; i < n; i++) {
    memcpy(v, u, n * sizeof *v);
    double h = 1e-6 * (1 + fabs(u[i]));
    v[i] = u[i] + h;
    double f1 = lp_at(m, 1, v);
    v[i] = u[i] - h;
    double f2 = lp_at(m, 1, v);
    double d = (f1 - f2) / (2 * h), gap = fabs(d - g[i]) / (1 + fabs(d));
    if (gap > worst) worst = gap;
  }
  return worst;
}

/* Overloads: the exact match wins over one needing a promotion, whatever the declaration order
 * (the defect: `real f(real)` before `int f(int)` made f(3) run the real one). */
static void test_overload_exact_first(void) {
  const char *src =
      "functions {\n"
      "  real f(real x) { return 1.5; }\n"
      "  int f(int x) { return 7; }\n"
      "  real g(real x, real y) { return 10; }\n"
      "  real g(int x, real y) { return 20; }\n"
      "}\n"
      "parameters { real y; }\n"
      "model { target += f(3) * y + f(3.0) + g(1, 2) + g(1.0, 2); }\n";
  urn_error err;
  urn_model *m = build(src, NULL, &err);
  CHECK(m != NULL, "overloads build: %s", m ? "" : err.msg);
  if (!m) return;
  double u[1] = {2};
  /* f(3) = 7 (int f(int)), f(3.0) = 1.5, g(1, 2) = 20 (one promotion, against two), g(1.0, 2) = 10 */
  CHECK_NEAR(lp_at(m, 1, u), 7 * 2 + 1.5 + 20 + 10, 0, 1e-12, "lp with the exact overloads");
  urn_model_free(m);
}

/* A call that two overloads accept with the same number of promotions is refused (Stan's rule). */
static void test_overload_ambiguous(void) {
  const char *src =
      "functions {\n"
      "  real foo(int x, real y) { return y; }\n"
      "  real foo(real x, int y) { return y; }\n"
      "}\n"
      "model { print(foo(1, 2)); }\n";
  urn_error err;
  urn_model *m = build(src, NULL, &err);
  CHECK(m == NULL && strstr(err.msg, "sem.stan:5:15:") && strstr(err.msg, "is ambiguous"),
        "foo(1, 2) is ambiguous: %s", m ? "(accepted)" : err.msg);
  if (m) urn_model_free(m);
}

/* Right division b / A = b A^-1 and B / A (mdivide_right), with gradients. */
static void test_right_division(void) {
  const char *src =
      "data { matrix[2, 2] A; row_vector[2] b; }\n"
      "parameters { real<lower=1> s; real t; }\n"
      "model {\n"
      "  matrix[2, 2] M = [[s, t], [t, 3]];\n"
      "  row_vector[2] x = b / M;\n"
      "  matrix[2, 2] B = A / M;\n"
      "  target += x[1] + 2 * x[2] + B[1, 2] - B[2, 1];\n"
      "}\n";
  const char *data = "{\"A\": [[2, 1], [1, 3]], \"b\": [1, 2]}";
  urn_error err;
  urn_model *m = build(src, data, &err);
  CHECK(m != NULL, "right division builds: %s", m ? "" : err.msg);
  if (!m) return;
  /* s = 1 + exp(u0) = 3, t = 0.5: M = [[3, .5], [.5, 3]], det 8.75, M^-1 = [[3, -.5], [-.5, 3]] / 8.75;
   * x = b M^-1 = [1 * 3 - 2 * .5, -.5 + 6] / 8.75 = [2, 5.5] / 8.75;
   * B = A M^-1: B[1,2] = (2 * -.5 + 1 * 3) / 8.75 = 2 / 8.75, B[2,1] = (1 * 3 + 3 * -.5) / 8.75 = 1.5 / 8.75 */
  double u[2] = {log(2.0), 0.5};
  double want = (2 + 2 * 5.5 + 2 - 1.5) / 8.75 + u[0]; /* + log-Jacobian of the lower bound */
  CHECK_NEAR(lp_at(m, 1, u), want, 1e-13, 1e-13, "lp with b / M and A / M");
  CHECK(fd_gap(m, u) < 1e-7, "right division gradient against finite differences: %g", fd_gap(m, u));
  urn_model_free(m);
}

int main(void) {
  test_overload_exact_first();
  test_overload_ambiguous();
  test_right_division();
  return test_done();
}
