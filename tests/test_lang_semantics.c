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

/* jacobian += adds to target only when the Jacobian is on (logdensity --no-jacobian and optimize
 * without --jacobian turn it off), also inside a _jacobian function. */
static void test_jacobian_switch(void) {
  const char *src =
      "functions {\n"
      "  real pos_jacobian(real u) { jacobian += u; return exp(u); }\n"
      "}\n"
      "parameters { real u; real v; }\n"
      "transformed parameters {\n"
      "  real s = exp(v);\n"
      "  jacobian += v;\n"
      "  real t = pos_jacobian(u);\n"
      "}\n"
      "model { target += -s - t; }\n";
  urn_error err;
  urn_model *m = build(src, NULL, &err);
  CHECK(m != NULL, "jacobian program builds: %s", m ? "" : err.msg);
  if (!m) return;
  double x[2] = {0.3, -0.7};
  /* with the Jacobian: -exp(v) - exp(u) + v + u; without: -exp(v) - exp(u) */
  CHECK_NEAR(lp_at(m, 1, x), -exp(-0.7) - exp(0.3) + 0.3 - 0.7, 1e-15, 1e-15, "lp with the Jacobian");
  CHECK_NEAR(lp_at(m, 0, x), -exp(-0.7) - exp(0.3), 1e-15, 1e-15, "lp without the Jacobian");
  urn_model_free(m);
}

/* to_array_1d(vector | row_vector | matrix) is array[] real (column-major for a matrix), so it can
 * initialise an array and go back through to_vector. */
static void test_to_array_1d(void) {
  const char *src =
      "data { matrix[2, 3] B; row_vector[3] r; }\n"
      "parameters { real y; }\n"
      "model {\n"
      "  array[6] real a = to_array_1d(B);\n"
      "  vector[6] b = to_vector(to_array_1d(B));\n"
      "  array[3] real c = to_array_1d(r);\n"
      "  target += y * (a[2] + 10 * b[3] + 100 * c[3]);\n"
      "}\n";
  const char *data = "{\"B\": [[1, 2, 3], [4, 5, 6]], \"r\": [7, 8, 9]}";
  urn_error err;
  urn_model *m = build(src, data, &err);
  CHECK(m != NULL, "to_array_1d program builds: %s", m ? "" : err.msg);
  if (!m) return;
  double u[1] = {1};
  /* column-major B: 1, 4, 2, 5, 3, 6 -> a[2] = 4, b[3] = 2; c[3] = 9 */
  CHECK_NEAR(lp_at(m, 1, u), 4 + 10 * 2 + 100 * 9, 0, 1e-12, "lp from to_array_1d values");
  urn_model_free(m);
}

/* multi_normal_rng and multi_normal_cholesky_rng with an array of means draw an array of vectors,
 * one draw per mean (means 0, 100, 10000 apart, unit covariance: each draw lies near its own mean). */
static void test_multi_normal_rng_array(void) {
  const char *src =
      "data { array[3] vector[2] mu; matrix[2, 2] S; }\n"
      "generated quantities {\n"
      "  array[3] vector[2] y = multi_normal_rng(mu, S);\n"
      "  array[3] vector[2] z = multi_normal_cholesky_rng(mu, cholesky_decompose(S));\n"
      "}\n";
  const char *data = "{\"mu\": [[0, 0], [100, 100], [10000, 10000]], \"S\": [[1, 0], [0, 1]]}";
  urn_error err;
  urn_model *m = build(src, data, &err);
  CHECK(m != NULL, "multi_normal_rng over an array of means builds: %s", m ? "" : err.msg);
  if (!m) return;
  CHECK(urn_model_num_params(m, 0, 1) == 12, "12 generated values, got %zu", urn_model_num_params(m, 0, 1));
  double out[12];
  urn_rng *r = urn_rng_new(42, 0);
  int rc = urn_model_param_constrain(m, 0, 1, NULL, out, r, &err);
  CHECK(rc == URN_OK, "generated quantities run: %s", rc == URN_OK ? "" : err.msg);
  /* y[i][k] is stored at i + 3 * k (Stan's column-major output order: y.1.1, y.2.1, y.3.1, y.1.2, ...) */
  static const double means[3] = {0, 100, 10000};
  for (int v = 0; v < 2 && rc == URN_OK; v++)
    for (int i = 0; i < 3; i++)
      for (int k = 0; k < 2; k++) {
        double x = out[6 * v + i + 3 * k];
        CHECK(fabs(x - means[i]) < 6, "%s[%d][%d] = %g lies near its mean %g", v ? "z" : "y", i + 1, k + 1, x, means[i]);
      }
  urn_rng_free(r);
  urn_model_free(m);
}

/* log N(x | m, s) and log Phi((x - m) / s) in closed form. */
static double norm_lpdf(double x, double m, double s) {
  double z = (x - m) / s;
  return -0.5 * log(2 * M_PI) - log(s) - 0.5 * z * z;
}
static double norm_lcdf(double x, double m, double s) { return log(0.5 * erfc(-(x - m) / (s * sqrt(2)))); }
static double norm_lccdf(double x, double m, double s) { return log(0.5 * erfc((x - m) / (s * sqrt(2)))); }

/* Vectorised truncation (Stan 2.36): every element truncated to the same [L, U]; scalar arguments
 * (one term times N), one bound with container arguments (the CDF's sum), both bounds with
 * container arguments (element by element), a mass function (L - 1 for the lower bound), a user
 * density; an element outside the bounds gives -inf. */
static void test_vectorised_truncation(void) {
  const char *src =
      "functions {\n"
      "  real foo_lpdf(vector y, vector m) { return normal_lpdf(y | m, 2); }\n"
      "  real foo_lcdf(real y, real m) { return normal_lcdf(y | m, 2); }\n"
      "}\n"
      "data { array[3] real y; real L; real U; array[2] int k; }\n"
      "parameters { real mu; vector[3] m; vector[2] a; }\n"
      "model {\n"
      "  y ~ normal(mu, 1.5) T[L, U];\n"
      "  y ~ normal(m, 1.5) T[L, ];\n"
      "  y ~ normal(m, 1.5) T[, U];\n"
      "  y ~ normal(m, 1.5) T[L, U];\n"
      "  k ~ poisson(exp(a)) T[1, 6];\n"
      "  to_vector(y) ~ foo(m) T[L, U];\n"
      "}\n";
  const char *data = "{\"y\": [0.2, 1.1, -0.4], \"L\": -1, \"U\": 2, \"k\": [2, 5]}";
  urn_error err;
  urn_model *m = build(src, data, &err);
  CHECK(m != NULL, "vectorised truncation builds: %s", m ? "" : err.msg);
  if (!m) return;
  const double y[3] = {0.2, 1.1, -0.4}, L = -1, U = 2;
  const int k[2] = {2, 5};
  double u[6] = {0.3, -0.5, 0.4, 1.2, 0.7, 1.1};
  double ref = 0;
  for (int i = 0; i < 3; i++) {
    double mu = u[0], mi = u[1 + i];
    ref += norm_lpdf(y[i], mu, 1.5) - log(exp(norm_lcdf(U, mu, 1.5)) - exp(norm_lcdf(L, mu, 1.5)));
    ref += norm_lpdf(y[i], mi, 1.5) - norm_lccdf(L, mi, 1.5);
    ref += norm_lpdf(y[i], mi, 1.5) - norm_lcdf(U, mi, 1.5);
    ref += norm_lpdf(y[i], mi, 1.5) - log(exp(norm_lcdf(U, mi, 1.5)) - exp(norm_lcdf(L, mi, 1.5)));
    ref += norm_lpdf(y[i], mi, 2) - log(exp(norm_lcdf(U, mi, 2)) - exp(norm_lcdf(L, mi, 2)));
  }
  for (int i = 0; i < 2; i++) {
    double lam = exp(u[4 + i]), p = 0, term = exp(-lam); /* P(1 <= K <= 6) = sum_{j=1}^{6} */
    for (int j = 1; j <= 6; j++) term *= lam / j, p += term;
    ref += k[i] * log(lam) - lam - lgamma(k[i] + 1) - log(p);
  }
  CHECK_NEAR(lp_at(m, 1, u), ref, 0, 1e-10, "vectorised truncation: lp against the closed form");
  CHECK(fd_gap(m, u) < 1e-6, "vectorised truncation: gradient against finite differences");
  urn_model_free(m);
  /* an element above U: the log density is -inf */
  m = build(src, "{\"y\": [0.2, 2.1, -0.4], \"L\": -1, \"U\": 2, \"k\": [2, 5]}", &err);
  CHECK(m != NULL, "vectorised truncation builds: %s", m ? "" : err.msg);
  if (!m) return;
  double lp = 0;
  urn_model_log_density(m, 0, 1, u, &lp, &err);
  CHECK(isinf(lp) && lp < 0, "an element outside [L, U] gives -inf, got %g", lp);
  urn_model_free(m);
}

/* A user function may overload a library name with new argument types (Stan 2.29+): the user's
 * overload runs for its own signature, the library's for the others. */
static void test_overload_library_name(void) {
  const char *src =
      "functions {\n"
      "  real log1p_exp(real a, real b) { return a + b; }\n"
      "  vector exp(vector v, real k) { return k * v; }\n"
      "}\n"
      "parameters { real y; }\n"
      "model { target += log1p_exp(y, 2.0) + log1p_exp(y) + sum(exp([1, 2]', 3)) + exp(y); }\n";
  urn_error err;
  urn_model *m = build(src, NULL, &err);
  CHECK(m != NULL, "library-name overloads build: %s", m ? "" : err.msg);
  if (!m) return;
  double u[1] = {0.5};
  CHECK_NEAR(lp_at(m, 1, u), 0.5 + 2 + log1p(exp(0.5)) + 9 + exp(0.5), 0, 1e-12, "user and library overloads");
  CHECK(fd_gap(m, u) < 1e-6, "library-name overloads: gradient");
  urn_model_free(m);
}

int main(void) {
  test_overload_exact_first();
  test_overload_ambiguous();
  test_right_division();
  test_jacobian_switch();
  test_to_array_1d();
  test_multi_normal_rng_array();
  test_vectorised_truncation();
  test_overload_library_name();
  return test_done();
}
