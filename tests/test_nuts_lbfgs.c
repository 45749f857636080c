/* tests/test_nuts_lbfgs.c — L-BFGS optimization (urn optimize's engine) on
 * targets with known maxima: the Rosenbrock function, a correlated Gaussian,
 * a target that rejects part of the space, and an error at the start. */
#include "harness.h"
#include "nuts_targets.h"

static int rosenbrock(void *ctx, const double *x, double *lp, double *g, urn_error *err) {
  double a = 1 - x[0], b = x[1] - x[0] * x[0];
  *lp = -(a * a + 100 * b * b);
  g[0] = 2 * a + 400 * b * x[0];
  g[1] = -200 * b;
  return URN_OK;
}

static int shifted_reject(void *ctx, const double *x, double *lp, double *g, urn_error *err) {
  if (x[0] <= 0 || x[1] <= 0) return urn_error_set(err, URN_EREJECT, "must be positive");
  /* maximum at (3, 0.5); the log barrier-free quadratic is rejected left of 0 */
  *lp = -(x[0] - 3) * (x[0] - 3) - 4 * (x[1] - 0.5) * (x[1] - 0.5);
  g[0] = -2 * (x[0] - 3);
  g[1] = -8 * (x[1] - 0.5);
  return URN_OK;
}

static int nan_everywhere(void *ctx, const double *x, double *lp, double *g, urn_error *err) {
  *lp = NAN;
  g[0] = 0;
  return URN_OK;
}

int main(void) {
  urn_optimize_config cfg;
  urn_optimize_config_default(&cfg);
  urn_error err;
  const char *reason;
  int iters;
  double lp;

  urn_target rb = {2, rosenbrock, NULL};
  double x[10] = {-1.2, 1};
  int rc = urn_optimize_lbfgs(&cfg, &rb, x, &lp, &iters, &reason, &err);
  CHECK(rc == URN_OK, "rosenbrock converges (%s)", reason);
  CHECK_NEAR(x[0], 1, 0, 1e-4, "rosenbrock x");
  CHECK_NEAR(x[1], 1, 0, 1e-4, "rosenbrock y");
  CHECK_NEAR(lp, 0, 0, 1e-8, "rosenbrock maximum");
  CHECK(iters > 5 && iters < 200, "rosenbrock iterations %d", iters);

  gauss2 gt = {{1, -2}, 1, 3, 0.95};
  urn_target g2 = {2, gauss2_lp, &gt};
  x[0] = 5, x[1] = 5;
  rc = urn_optimize_lbfgs(&cfg, &g2, x, &lp, &iters, &reason, &err);
  CHECK(rc == URN_OK, "gaussian converges (%s)", reason);
  CHECK_NEAR(x[0], 1, 0, 1e-5, "gaussian mode x");
  CHECK_NEAR(x[1], -2, 0, 1e-5, "gaussian mode y");

  double sd[6] = {1, 2, 0.5, 10, 0.1, 3};
  iid_normal it = {6, sd};
  urn_target t6 = {6, iid_normal_lp, &it};
  for (int i = 0; i < 6; i++) x[i] = 1.5 - i * 0.7;
  rc = urn_optimize_lbfgs(&cfg, &t6, x, &lp, &iters, &reason, &err);
  CHECK(rc == URN_OK, "6-d badly scaled normal converges (%s)", reason);
  for (int i = 0; i < 6; i++) CHECK_NEAR(x[i], 0, 0, 1e-5 * sd[i] + 1e-7, "6-d normal mode");

  urn_target sr = {2, shifted_reject, NULL};
  x[0] = 0.5, x[1] = 0.1;
  rc = urn_optimize_lbfgs(&cfg, &sr, x, &lp, &iters, &reason, &err);
  CHECK(rc == URN_OK, "rejecting target converges (%s)", reason);
  CHECK_NEAR(x[0], 3, 0, 1e-5, "rejecting target x");
  CHECK_NEAR(x[1], 0.5, 0, 1e-5, "rejecting target y");

  urn_target bad = {1, nan_everywhere, NULL};
  x[0] = 0;
  rc = urn_optimize_lbfgs(&cfg, &bad, x, &lp, &iters, &reason, &err);
  CHECK(rc == URN_EINPUT && strstr(err.msg, "not finite"), "non-finite start is an input error: %s", err.msg);
  return test_done();
}
