/* tests/test_fn_integrate.c — integrate_1d and the Stan 2.37 integrate_1d_double_exponential /
 * integrate_1d_gauss_kronrod (+ _tol) built-ins (lang/fn_integrate.c over math/quadv.c): integrals with closed
 * forms (the beta function with both endpoint singularities through xc, Gaussians and exponentials on infinite
 * ranges, parameter-dependent limits), their gradients against the closed forms' and finite differences, and the
 * checks: the integrand's signature at check time, data arguments, limits, tolerances, non-convergence. */
#include "fn_probe.h"

static char msg[4096];

static void expect_values(const char *what, const char *src, const double *want, size_t n, double rtol) {
  double got[64];
  long k = probe_gq(src, got, 64, msg, sizeof msg);
  CHECK(k == (long)n, "%s: %ld values (want %zu): %s", what, k, n, msg);
  for (long i = 0; k == (long)n && i < k; i++)
    CHECK(test_near(got[i], want[i], rtol, 0), "%s: value %ld is %.17g, want %.17g", what, i + 1, got[i], want[i]);
}

#define BETA_F                                                                                              \
  "functions {\n"                                                                                           \
  "  real beta_f(real x, real xc, array[] real th, array[] real xr, array[] int xi) {\n"                    \
  "    return x > 0.5 ? x^(th[1] - 1) * xc^(th[2] - 1) : x^(th[1] - 1) * (1 - x)^(th[2] - 1);\n"            \
  "  }\n"                                                                                                   \
  "  real gauss(real x, real xc, real mu, real s) { return exp(-0.5 * square((x - mu) / s)); }\n"          \
  "  real expo(real x, real xc, vector lam) { return exp(-lam[1] * x) * lam[2]; }\n"                        \
  "  real poly(real x, real xc, array[] real c) { return c[1] + c[2] * x + c[3] * x^5; }\n"                   \
  "  real wild(real x, real xc) { return cos(200 * x); }\n"                                                   \
  "}\n"

static void test_values(void) {
  /* B(0.5, 0.7) = Gamma(0.5) Gamma(0.7) / Gamma(1.2) (singular at both ends: xc carries b - x near 1) */
  double b57 = exp(lgamma(0.5) + lgamma(0.7) - lgamma(1.2));
  double s = 1.7, mu = -0.4, r2pi = sqrt(2 * M_PI);
  expect_values("double exponential: beta, Gaussians, exponentials",
                BETA_F
                "generated quantities {\n"
                "  real b1 = integrate_1d(beta_f, 0, 1, {0.5, 0.7}, {0.0}, {0});\n"
                "  real b2 = integrate_1d(beta_f, 0, 1, {0.5, 0.7}, {0.0}, {0}, 1e-12);\n"
                "  real g1 = integrate_1d_double_exponential(gauss, negative_infinity(), positive_infinity(), -0.4, 1.7);\n"
                "  real g2 = integrate_1d_double_exponential(gauss, -0.4, positive_infinity(), -0.4, 1.7);\n"
                "  real g3 = integrate_1d_double_exponential_tol(gauss, negative_infinity(), 1.3, 1e-12, 0, 20, -0.4, 1.7);\n"
                "  real e1 = integrate_1d_double_exponential(expo, 0, positive_infinity(), [2.5, 3]');\n"
                "  real e2 = integrate_1d_double_exponential(expo, -1, positive_infinity(), [2.5, 3]');\n"
                "  real z = integrate_1d(beta_f, 0.3, 0.3, {0.5, 0.7}, {0.0}, {0});\n"
                "}\n",
                (double[]){b57, b57, s * r2pi, s * r2pi / 2, s * r2pi * 0.5 * erfc(-(1.3 - mu) / (s * sqrt(2))),
                           3 / 2.5, 3 / 2.5 * exp(2.5), 0},
                8, 1e-8);
  expect_values("Gauss rule: polynomials, Gaussians, exponentials",
                BETA_F
                "generated quantities {\n"
                "  real p = integrate_1d_gauss_kronrod(poly, -1, 2, {1.0, -2.0, 0.5});\n"
                "  real g1 = integrate_1d_gauss_kronrod(gauss, negative_infinity(), positive_infinity(), -0.4, 1.7);\n"
                "  real g2 = integrate_1d_gauss_kronrod_tol(gauss, 0, positive_infinity(), 1e-12, 0, 30, 0, 1.7);\n"
                "  real e1 = integrate_1d_gauss_kronrod(expo, 0, positive_infinity(), [2.5, 3]');\n"
                "}\n",
                (double[]){3 - 3 + 0.5 * (64 - 1) / 6.0, s * r2pi, s * r2pi / 2, 3 / 2.5}, 4, 1e-8);
}

static void test_gradients(void) {
  /* d/da B(a, b) = B (psi(a) - psi(a + b)): the model's target is the beta integral; finite differences check the
   * gradient in alpha, beta, the Gaussian's mu and s, a parameter limit and the exponential's rate */
  const char *src =
      BETA_F
      "parameters { real<lower=0.3> al; real<lower=0.3> be; real mu; real<lower=0> s; real<lower=0, upper=1> u;"
      " vector<lower=0>[2] lam; }\n"
      "model {\n"
      "  target += integrate_1d(beta_f, 0, 1, {al, be}, {0.0}, {0});\n"
      "  target += integrate_1d_double_exponential(gauss, negative_infinity(), u, mu, s);\n"
      "  target += integrate_1d_double_exponential(expo, u, positive_infinity(), lam);\n"
      "  target += integrate_1d_gauss_kronrod(gauss, -u, 2 * u, mu, s);\n"
      "}\n";
  double u[7] = {log(1.2 - 0.3), log(0.9 - 0.3), 0.2, log(0.8), 0.3, log(1.5), log(0.7)};
  double e = probe_fd_src(src, u, 1e-4, msg, sizeof msg);
  CHECK(e < 1e-6, "integrate_1d gradients (parameters, limits, infinite ranges) vs finite differences: worst %.3g %s", e,
        msg);
  /* the beta integral's gradient against the closed form */
  const char *src2 = BETA_F "parameters { real al; real be; }\n"
                            "model { target += integrate_1d(beta_f, 0, 1, {al, be}, {0.0}, {0}, 1e-10); }\n";
  urn_error err;
  urn_model *m = urn_model_new("b.stan", src2, strlen(src2), NULL, NULL, 0, 1, &err);
  CHECK(m != NULL, "beta integral model builds: %s", m ? "" : err.msg);
  if (!m) return;
  double th[2] = {0.6, 2.5}, lp, g[2];
  CHECK(urn_model_log_density_gradient(m, 0, 1, th, &lp, g, &err) == URN_OK, "beta integral evaluates: %s", err.msg);
  double B = exp(lgamma(0.6) + lgamma(2.5) - lgamma(3.1));
  /* digamma by its difference quotient of lgamma is not precise enough: use the series psi(x+1) = psi(x) + 1/x
   * from psi(6.1), psi(8.5) by asymptotics */
  double ps[3], xs[3] = {0.6, 2.5, 3.1};
  for (int i = 0; i < 3; i++) {
    double x = xs[i], acc = 0;
    while (x < 20) acc -= 1 / x, x += 1;
    double x2 = 1 / (x * x);
    ps[i] = acc + log(x) - 0.5 / x - x2 * (1.0 / 12 - x2 * (1.0 / 120 - x2 * (1.0 / 252 - x2 / 240)));
  }
  CHECK_REL(lp, B, 1e-10, "B(0.6, 2.5) by integrate_1d");
  CHECK_REL(g[0], B * (ps[0] - ps[2]), 1e-8, "d B / d alpha by integrate_1d's gradient");
  CHECK_REL(g[1], B * (ps[1] - ps[2]), 1e-8, "d B / d beta by integrate_1d's gradient");
  urn_model_free(m);
}

static void test_checks(void) {
  CHECK(probe_reject(BETA_F "generated quantities { real b = integrate_1d(beta_f, 1, 0, {0.5, 0.7}, {0.0}, {0}); }",
                     "integrate_1d: lower limit is 1, but must be less than or equal to the upper limit 0", msg, sizeof msg),
        "a > b rejected: %s", msg);
  CHECK(probe_reject(BETA_F "generated quantities { real b = integrate_1d_double_exponential_tol(wild, 0, 1, 1e-12, 0, 4); }",
                     "integrate_1d_double_exponential_tol: error estimate of integral", msg, sizeof msg),
        "non-convergence rejected: %s", msg);
  CHECK(probe_reject(BETA_F "generated quantities { real b = integrate_1d_double_exponential(gauss, 0, 1, 0.5, 0); }",
                     "integrate_1d_double_exponential: the integrand (or its gradient) is not finite", msg, sizeof msg),
        "non-finite integrand rejected: %s", msg);
  CHECK(probe_rejects_program(BETA_F "parameters { real q; } model { target += integrate_1d(beta_f, 0, 1, {q, q}, {q}, {0}); }",
                              "argument 5 of integrate_1d must be data", msg, sizeof msg),
        "x_r must be data: %s", msg);
  CHECK(probe_rejects_program(BETA_F "generated quantities { real b = integrate_1d_double_exponential(gauss, 0, 1, 0.5); }",
                              "the integrand gauss of integrate_1d_double_exponential must be declared real gauss(real x, real xc, ...)",
                              msg, sizeof msg),
        "integrand arity checked: %s", msg);
  CHECK(probe_rejects_program(BETA_F "parameters { real q; } model { target += integrate_1d_gauss_kronrod_tol(gauss, 0, 1, q, 0, 10, 0.5, 1); }",
                              "argument 4 of integrate_1d_gauss_kronrod_tol (a tolerance) must be data", msg, sizeof msg),
        "tolerances must be data: %s", msg);
}

int main(void) {
  test_values();
  test_gradients();
  test_checks();
  return test_done();
}
