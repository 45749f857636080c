/* run/run_optimize.c — the optimize method: the posterior mode (jacobian = 1)
 * or the penalized maximum likelihood estimate (jacobian = 0, CmdStan's
 * default) of the log density with all constants (propto = 0), by L-BFGS or
 * BFGS (infer/lbfgs.c) or Newton's method (infer/newton.c); one output row:
 * lp__ and the constrained outputs at the optimum (every iterate first with
 * save_iterations).  Console messages as CmdStan's.  And the laplace method:
 * draws from the normal approximation at a mode, theta + (-H)^(-1/2) z with H
 * the Hessian of the log density (up to a constant, Jacobian by default),
 * columns log_p__ (the log density at the draw), log_q__ (z'Hz/2, the
 * approximation's log density up to a constant), then the outputs; as
 * Stan's services/optimize/laplace_sample.hpp. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "infer/newton.h"
#include "math/linalg.h"
#include "math/rng.h"
#include "run/run_internal.h"
#include "util/util.h"

typedef struct opt_state {
  urn_run *r;       /* the run */
  urn_rng rng;      /* stream for the start and the generated quantities */
  int failed;       /* an iterate could not be written */
  urn_error err;    /* why */
} opt_state;

static int opt_lp(void *ctx, const double *theta, double *lp, double *grad, urn_error *err) {
  const urn_run *r = ctx;
  return urn_model_log_density_gradient(r->m, 0, r->cfg.jacobian, theta, lp, grad, err);
}

/* Writes the row lp, constrained outputs at theta. */
static int write_point(opt_state *s, const double *theta, double lp, urn_error *err) {
  urn_run *r = s->r;
  double *row = r->ch[0].row;
  row[0] = lp;
  int rc = urn_model_param_constrain(r->m, 1, 1, theta, row + 1, &s->rng, err);
  if (rc == URN_EREJECT) { /* generated quantities failed: NaN, as for draws */
    rn_message(r, 0, URN_RUN_DRAW_FAILED, "%s", err->msg);
    urn_error_clear(err);
    rc = urn_model_param_constrain(r->m, 1, 0, theta, row + 1, &s->rng, err);
    for (size_t i = r->n_no_gq; i < r->n_out; i++) row[1 + i] = NAN;
  }
  return rc == URN_OK ? rn_emit_row(r, 0, 0, row, err) : rc;
}

static void on_iteration(void *ctx, int iteration, const double *theta, double lp) {
  opt_state *s = ctx;
  atomic_store(&s->r->ch[0].progress, iteration);
  if (s->r->cfg.save_iterations && !s->failed && write_point(s, theta, lp, &s->err) != URN_OK) s->failed = 1;
}

/* The start (run.c rn_start_point), announced as CmdStan does, and written first with save_iterations. */
static int start_point(opt_state *s, double *theta, urn_error *err) {
  urn_run *r = s->r;
  double lp;
  int rc = rn_start_point(r, &s->rng, r->cfg.jacobian, theta, &lp, err);
  if (rc != URN_OK) return rc;
  rn_message(r, 0, URN_RUN_INFO, "Initial log joint probability = %g", lp);
  if (r->cfg.save_iterations) return write_point(s, theta, lp, err);
  return URN_OK;
}

/* Runs the chosen algorithm from theta; fills lp, the iteration count and the reason. */
static int run_algorithm(opt_state *s, double *theta, double *lp, urn_error *err) {
  urn_run *r = s->r;
  const urn_run_config *c = &r->cfg;
  urn_target target = {r->dim, opt_lp, r};
  if (c->algorithm == URN_RUN_NEWTON)
    return urn_optimize_newton(&target, c->iter, theta, lp, &r->iterations, &r->reason, on_iteration, s, err);
  urn_optimize_config oc;
  urn_optimize_config_default(&oc);
  oc.max_iterations = c->iter, oc.history = c->history_size, oc.init_alpha = c->init_alpha;
  oc.tol_obj = c->tol_obj, oc.tol_rel_obj = c->tol_rel_obj, oc.tol_grad = c->tol_grad;
  oc.tol_rel_grad = c->tol_rel_grad, oc.tol_param = c->tol_param, oc.dense = c->algorithm == URN_RUN_BFGS;
  oc.iteration = on_iteration, oc.iteration_ctx = s;
  return urn_optimize_lbfgs(&oc, &target, theta, lp, &r->iterations, &r->reason, err);
}

int rn_optimize(urn_run *r, urn_error *err) {
  int rc = rn_open_outputs(r, err);
  if (rc != URN_OK) return rc;
  opt_state s;
  memset(&s, 0, sizeof s);
  s.r = r;
  urn_rng_seed(&s.rng, r->cfg.seed, (uint64_t)(r->cfg.id > 0 ? r->cfg.id - 1 : 0));
  double *theta = urn_xcalloc(r->dim + 1, sizeof *theta), lp = NAN;
  int wrote = 0;
  rc = start_point(&s, theta, err);
  if (rc == URN_OK) {
    rc = run_algorithm(&s, theta, &lp, err);
    int maxit = rc == URN_EFATAL && r->reason && !strncmp(r->reason, "maximum", 7);
    if (rc == URN_OK || maxit) {
      rn_message(r, 0, URN_RUN_INFO, "Optimization terminated normally: \n  %s%s", maxit ? "" : "Convergence detected: ",
                 maxit ? "Maximum number of iterations hit, may not be at an optima" : r->reason);
      if (maxit) rn_message(r, 0, URN_RUN_WARNING, "%s", err->msg);
      rc = URN_OK;
      urn_error_clear(err);
    } else if (r->reason && !strncmp(r->reason, "line search", 11)) {
      rn_message(r, 0, URN_RUN_INFO, "Optimization terminated with error: \n  Line search failed to achieve a "
                                     "sufficient decrease, no more progress can be made");
    }
    if (s.failed && rc == URN_OK) rc = s.err.code ? s.err.code : URN_EIO, *err = s.err;
    /* the optimum (or, after a failure, the best point found) */
    if ((rc == URN_OK || (r->iterations > 0 && isfinite(lp))) && !s.failed) {
      urn_error werr;
      urn_error_clear(&werr);
      int wrc = r->cfg.save_iterations ? URN_OK : write_point(&s, theta, lp, &werr);
      wrote = wrc == URN_OK;
      if (wrc != URN_OK && rc == URN_OK) rc = wrc, *err = werr;
    }
  }
  r->ch[0].status = rc;
  if (rc != URN_OK) r->ch[0].err = *err, rn_message(r, 0, URN_RUN_ERROR, "%s", err->msg);
  int keep = wrote || (r->cfg.save_iterations && rc == URN_OK);
  urn_error cerr;
  int crc = rn_close_outputs(r, &keep, &cerr);
  if (rc == URN_OK && crc != URN_OK) rc = crc, *err = cerr;
  free(theta);
  return rc;
}

/* ---- laplace ---- */

/* The mode on the unconstrained scale: the fitted draws' last row (an optimize
 * CSV), else the given init (a JSON mode). */
static int laplace_mode(urn_run *r, double *theta, urn_error *err) {
  const rn_fitted *f = &r->ch[0].fitted;
  if (f->names && f->n_rows) {
    size_t *col = urn_xcalloc(r->n_params + 1, sizeof *col);
    double *scratch = urn_xcalloc(r->n_params + 1, sizeof *scratch);
    int rc = rn_fitted_columns(r, f, col, err);
    if (rc == URN_OK) rc = rn_fitted_point(r, f, col, f->n_rows - 1, scratch, theta, err);
    free(col), free(scratch);
    return rc;
  }
  if (r->ch[0].init) {
    memcpy(theta, r->ch[0].init, r->dim * sizeof *theta);
    return URN_OK;
  }
  return urn_error_set(err, URN_EINPUT, "laplace: no mode given (an optimize CSV or JSON values)");
}

/* L, the lower Cholesky factor of minus the Hessian of the log density at the mode. */
static int laplace_factor(urn_run *r, const double *theta, double *H, double *L, urn_error *err) {
  size_t n = r->dim;
  double lp, *grad = urn_xcalloc(n + 1, sizeof *grad);
  rn_message(r, 0, URN_RUN_INFO, "Calculating Hessian");
  int rc = urn_model_log_density_hessian(r->m, 1, r->cfg.jacobian, theta, &lp, grad, H, err);
  free(grad);
  if (rc != URN_OK) return rc;
  rn_message(r, 0, URN_RUN_INFO, "Calculating inverse of Cholesky factor");
  for (size_t i = 0; i < n * n; i++) L[i] = -H[i];
  if (urn_cholesky(L, L, n) != 0)
    return urn_error_set(err, URN_EINPUT,
                         "laplace: the Hessian of the log density at the mode is not negative definite (not a mode?)");
  return URN_OK;
}

/* One draw: theta + (-H)^(-1/2) z, log_p__, log_q__ = z'Hz/2 and the outputs into the row. */
static int laplace_draw(urn_run *r, urn_rng *rng, const double *theta, const double *H, const double *L, double *work,
                        urn_error *err) {
  size_t n = r->dim;
  double *z = work, *x = work + n, *row = r->ch[0].row;
  for (size_t i = 0; i < n; i++) z[i] = urn_rng_normal(rng);
  memcpy(x, z, n * sizeof *x);
  urn_trsm_lower_t(L, x, n, 1); /* x = L^-T z: covariance (L L')^-1 = (-H)^-1 */
  double logq = 0;
  for (size_t i = 0; i < n; i++) {
    double hx = 0;
    for (size_t j = 0; j < n; j++) hx += H[i * n + j] * x[j];
    logq += 0.5 * x[i] * hx;
  }
  for (size_t i = 0; i < n; i++) x[i] += theta[i];
  int rc = urn_model_param_constrain(r->m, 1, 1, x, row + 2, rng, err);
  if (rc == URN_EREJECT) {
    rn_message(r, 0, URN_RUN_DRAW_FAILED, "%s", err->msg);
    urn_error_clear(err);
    rc = urn_model_param_constrain(r->m, 1, 0, x, row + 2, rng, err);
    for (size_t i = r->n_no_gq; i < r->n_out; i++) row[2 + i] = NAN;
  }
  if (rc != URN_OK) return rc;
  row[0] = NAN, row[1] = logq;
  if (r->cfg.calculate_lp && urn_model_log_density(r->m, 1, r->cfg.jacobian, x, &row[0], NULL) != URN_OK)
    row[0] = -INFINITY;
  return rn_emit_row(r, 0, 0, row, err);
}

int rn_laplace(urn_run *r, urn_error *err) {
  size_t n = r->dim;
  if (r->cfg.draws <= 0) return urn_error_set(err, URN_EINPUT, "Number of draws must be > 0; found draws = %d", r->cfg.draws);
  double *theta = urn_xcalloc(n + 1, sizeof *theta), *H = urn_xcalloc(n * n + 1, sizeof *H);
  double *L = urn_xcalloc(n * n + 1, sizeof *L), *work = urn_xcalloc(2 * n + 1, sizeof *work);
  int rc = laplace_mode(r, theta, err);
  if (rc == URN_OK) rc = laplace_factor(r, theta, H, L, err);
  if (rc == URN_OK) rc = rn_open_outputs(r, err);
  int opened = rc == URN_OK;
  if (rc == URN_OK) {
    urn_rng rng;
    urn_rng_seed(&rng, r->cfg.seed, 0);
    rn_message(r, 0, URN_RUN_INFO, "Generating draws");
    for (int m = 0; m < r->cfg.draws && rc == URN_OK; m++) {
      if (r->stop) {
        rc = urn_error_set(err, URN_EINTR, "interrupted");
        break;
      }
      if (r->cfg.refresh > 0 && m % r->cfg.refresh == 0) rn_message(r, 0, URN_RUN_INFO, "iteration: %d", m);
      rc = laplace_draw(r, &rng, theta, H, L, work, err);
      atomic_store(&r->ch[0].progress, m + 1);
    }
  }
  r->ch[0].status = rc;
  if (rc != URN_OK && rc != URN_EINTR) r->ch[0].err = *err, rn_message(r, 0, URN_RUN_ERROR, "%s", err->msg);
  if (opened) {
    int keep = rc == URN_OK || rc == URN_EINTR;
    urn_error cerr;
    int crc = rn_close_outputs(r, &keep, &cerr);
    if (rc == URN_OK && crc != URN_OK) rc = crc, *err = cerr;
  }
  free(theta), free(H), free(L), free(work);
  return rc;
}
