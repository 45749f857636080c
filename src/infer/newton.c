/* infer/newton.c — Newton's method and the finite-difference Hessian (see newton.h). */
#include "infer/newton.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "math/linalg.h"
#include "util/util.h"

int urn_fd_hessian(const urn_target *t, const double *theta, double *H, urn_error *err) {
  static const double eps = 1e-3, step[4] = {-2, -1, 1, 2}, coef[4] = {1.0 / 12, -2.0 / 3, 2.0 / 3, -1.0 / 12};
  size_t n = t->dim;
  double *x = urn_xmalloc((2 * n + 1) * sizeof *x), *g = x + n, lp;
  memset(H, 0, n * n * sizeof *H);
  int rc = URN_OK;
  for (size_t d = 0; d < n && rc == URN_OK; d++) {
    for (int k = 0; k < 4 && rc == URN_OK; k++) {
      memcpy(x, theta, n * sizeof *x);
      x[d] += step[k] * eps;
      rc = t->log_density_gradient(t->ctx, x, &lp, g, err);
      for (size_t i = 0; i < n && rc == URN_OK; i++) H[d * n + i] += coef[k] * g[i] / eps;
    }
  }
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < i; j++) H[i * n + j] = H[j * n + i] = 0.5 * (H[i * n + j] + H[j * n + i]);
  free(x);
  return rc;
}

/* The Newton direction u = -|H|^-1 g with |H| = V |Lambda| V' (a negative
 * definite stand-in for H): theta moves to theta - step u. */
static int newton_direction(const double *H, const double *g, double *u, size_t n) {
  double *evals = urn_xmalloc((n * n + 2 * n) * sizeof *evals), *V = evals + n, *proj = V + n * n;
  int rc = urn_eigen_sym(H, n, evals, V);
  for (size_t k = 0; k < n && rc == 0; k++) {
    double p = 0;
    for (size_t i = 0; i < n; i++) p += V[i + k * n] * g[i];
    proj[k] = -p / fabs(evals[k]);
  }
  for (size_t i = 0; i < n && rc == 0; i++) {
    double v = 0;
    for (size_t k = 0; k < n; k++) v += V[i + k * n] * proj[k];
    u[i] = v;
  }
  free(evals);
  return rc;
}

/* One Newton step from theta (log density f0): the step is halved from 1 until
 * the log density does not decrease.  Returns the new log density (f0 and
 * theta unchanged when no step helps). */
static double newton_step(const urn_target *t, double *theta, double f0, double *H, double *g, double *u, double *x,
                          int *fatal, urn_error *err) {
  size_t n = t->dim;
  double lp;
  int rc = t->log_density_gradient(t->ctx, theta, &lp, g, err);
  if (rc == URN_OK) rc = urn_fd_hessian(t, theta, H, err);
  if (rc != URN_OK || newton_direction(H, g, u, n) != 0) {
    if (rc != URN_OK && rc != URN_EREJECT) *fatal = rc;
    return f0;
  }
  for (double step = 1; step >= 1e-50; step *= 0.5) {
    for (size_t i = 0; i < n; i++) x[i] = theta[i] - step * u[i];
    urn_error e;
    double f1;
    rc = t->log_density_gradient(t->ctx, x, &f1, g, &e);
    if (rc != URN_OK && rc != URN_EREJECT) {
      *fatal = rc;
      if (err) *err = e;
      return f0;
    }
    if (rc == URN_OK && isfinite(f1) && f1 >= f0) {
      memcpy(theta, x, n * sizeof *theta);
      return f1;
    }
  }
  return f0;
}

int urn_optimize_newton(const urn_target *t, int max_iterations, double *theta, double *lp, int *iterations,
                        const char **reason, void (*iteration)(void *ctx, int it, const double *theta, double lp),
                        void *ctx, urn_error *err) {
  size_t n = t->dim;
  double *H = urn_xmalloc((n * n + 3 * n + 1) * sizeof *H), *g = H + n * n, *u = g + n, *x = u + n;
  double f;
  int rc = t->log_density_gradient(t->ctx, theta, &f, g, err), it = 0, fatal = 0;
  *reason = "the log density improved by less than 1e-8";
  if (rc != URN_OK || !isfinite(f)) {
    free(H);
    if (rc != URN_OK && rc != URN_EREJECT) return rc;
    return urn_error_set(err, URN_EINPUT, "the log density is not finite at the initial point");
  }
  double last = f - 1;
  while (f - last > 1e-8 && it < max_iterations && n > 0) {
    last = f;
    f = newton_step(t, theta, f, H, g, u, x, &fatal, err);
    it++;
    if (fatal) break;
    if (iteration) iteration(ctx, it, theta, f);
  }
  if (it >= max_iterations && f - last > 1e-8) *reason = "maximum number of iterations reached";
  *lp = f, *iterations = it;
  free(H);
  return fatal ? fatal : URN_OK;
}
