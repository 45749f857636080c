/* model/hessian.c — second derivatives of a model's log density
 * (urn_model_log_density_hessian, urn_model_log_density_hvp in
 * include/urn/model.h), for the BridgeStan-compatible library and the Python
 * package.
 *
 * urn's autodiff is reverse mode only, so second derivatives are finite
 * differences of the exact reverse-mode gradient, with the sixth-order
 * central stencil
 *   f'(0) ~ [ -f(-3h) + 9 f(-2h) - 45 f(-h) + 45 f(h) - 9 f(2h) + f(3h) ] / (60 h)
 * applied to the gradient along a coordinate (a Hessian column) or along a
 * direction (a Hessian-vector product).  Its truncation error is
 * h^6 g^(7) / 140 and its rounding error about 1.8 delta / h for a gradient
 * computed to absolute accuracy delta.  With h = 2^-7 (a power of two, so the
 * stencil points are exact) both are ~1e-12 of the derivatives' scale for the
 * smooth densities models have, which is what docs/model-api.md quotes.  The
 * step is absolute, not relative to |theta_i|: a coordinate far from 0 (a
 * location of 1000 with scale 1) keeps a step that is small on its own scale;
 * only beyond |theta_i| > 2^10 does it grow as 2^-17 |theta_i|, so that the
 * rounding of theta + k h stays below 2^-35 of the step. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "urn/model.h"
#include "util/util.h"

static const double stencil_w[3] = {45.0 / 60.0, -9.0 / 60.0, 1.0 / 60.0}; /* weights of +-h, +-2h, +-3h */

/* The step for a coordinate (or a direction's largest coordinate) of size x. */
static double fd_step(double x) {
  double ax = fabs(x);
  return ax > 0x1p10 ? ax * 0x1p-17 : 0x1p-7;
}

/* d/dt grad(theta + t dir) at t = 0 into out (n values), by the stencil with step h;
 * work holds 2n doubles. */
static int directional(const urn_model *m, int propto, int jacobian, const double *theta, const double *dir, double h,
                       double *out, double *work, urn_error *err) {
  size_t n = urn_model_num_unconstrained(m);
  double *x = work, *g = work + n, lp;
  memset(out, 0, n * sizeof *out);
  for (int k = 1; k <= 3; k++)
    for (int sgn = -1; sgn <= 1; sgn += 2) {
      for (size_t i = 0; i < n; i++) x[i] = theta[i] + sgn * k * h * dir[i];
      int rc = urn_model_log_density_gradient(m, propto, jacobian, x, &lp, g, err);
      if (rc != URN_OK) {
        if (err) {
          char msg[sizeof err->msg];
          snprintf(msg, sizeof msg, "%s", err->msg);
          urn_error_set(err, rc, "second derivatives: the gradient at a point %g away from theta failed: %s",
                        k * h, msg);
        }
        return rc;
      }
      double w = sgn * stencil_w[k - 1] / h;
      for (size_t i = 0; i < n; i++) out[i] += w * g[i];
    }
  return URN_OK;
}

int urn_model_log_density_hessian(const urn_model *m, int propto, int jacobian, const double *theta_unc,
                                  double *lp, double *grad, double *hessian, urn_error *err) {
  size_t n = urn_model_num_unconstrained(m);
  int rc = urn_model_log_density_gradient(m, propto, jacobian, theta_unc, lp, grad, err);
  if (rc != URN_OK || n == 0) return rc;
  double *dir = urn_xcalloc(n, sizeof *dir), *col = urn_xmalloc(n * sizeof *col), *work = urn_xmalloc(2 * n * sizeof *work);
  for (size_t j = 0; j < n && rc == URN_OK; j++) {
    dir[j] = 1;
    rc = directional(m, propto, jacobian, theta_unc, dir, fd_step(theta_unc[j]), col, work, err);
    dir[j] = 0;
    for (size_t i = 0; i < n; i++) hessian[i * n + j] = col[i];
  }
  for (size_t i = 0; i < n && rc == URN_OK; i++)
    for (size_t j = i + 1; j < n; j++) {
      double s = 0.5 * (hessian[i * n + j] + hessian[j * n + i]);
      hessian[i * n + j] = hessian[j * n + i] = s;
    }
  free(dir), free(col), free(work);
  return rc;
}

int urn_model_log_density_hvp(const urn_model *m, int propto, int jacobian, const double *theta_unc,
                              const double *v, double *lp, double *hvp, urn_error *err) {
  size_t n = urn_model_num_unconstrained(m);
  int rc = urn_model_log_density(m, propto, jacobian, theta_unc, lp, err);
  if (rc != URN_OK || n == 0) return rc;
  double vmax = 0, xmax = 0;
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(v[i])) return urn_error_set(err, URN_EINPUT, "Hessian-vector product: element %zu of the vector is %g", i + 1, v[i]);
    if (fabs(v[i]) > vmax) vmax = fabs(v[i]), xmax = theta_unc[i];
  }
  if (vmax == 0) {
    memset(hvp, 0, n * sizeof *hvp);
    return URN_OK;
  }
  /* step along the unit-max direction v / vmax, then scale back */
  double *dir = urn_xmalloc(n * sizeof *dir), *work = urn_xmalloc(2 * n * sizeof *work);
  for (size_t i = 0; i < n; i++) dir[i] = v[i] / vmax;
  rc = directional(m, propto, jacobian, theta_unc, dir, fd_step(xmax), hvp, work, err);
  for (size_t i = 0; i < n; i++) hvp[i] *= vmax;
  free(dir), free(work);
  return rc;
}
