/* run/run_generate.c — the methods that evaluate the model at given points:
 * standalone generated quantities (each fitted draw's parameters, by column
 * name, through transformed parameters and generated quantities with the
 * chain's random stream; one output row per fitted row) and log_prob (the
 * log density, up to a constant, and its gradient at each point). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "math/rng.h"
#include "run/run_internal.h"
#include "util/util.h"

/* One chain of generated quantities. */
static int generate_chain(urn_run *r, int c, urn_error *err) {
  rn_chain *ch = &r->ch[c];
  const rn_fitted *f = &ch->fitted;
  if (!f->names)
    return urn_error_set(err, URN_EINPUT, "chain %d: no fitted draws (urn_run_set_fitted) to generate from", c + 1);
  if (f->n_rows == 0) return urn_error_set(err, URN_EINPUT, "chain %d: the fitted draws have no rows", c + 1);
  size_t *col = urn_xcalloc(r->n_params + 1, sizeof *col);
  double *scratch = urn_xcalloc(r->n_params + 1, sizeof *scratch), *theta = urn_xcalloc(r->dim + 1, sizeof *theta);
  urn_rng rng;
  urn_rng_seed(&rng, r->cfg.seed, (uint64_t)(r->cfg.id > 0 ? r->cfg.id - 1 : 0) + (uint64_t)c);
  int rc = rn_fitted_columns(r, f, col, err), reported = 0;
  for (size_t i = 0; i < f->n_rows && rc == URN_OK; i++) {
    if (r->stop) {
      rc = urn_error_set(err, URN_EINTR, "interrupted");
      break;
    }
    rc = rn_fitted_point(r, f, col, i, scratch, theta, err);
    if (rc != URN_OK) {
      char msg[sizeof err->msg];
      snprintf(msg, sizeof msg, "%s", err->msg);
      rc = urn_error_set(err, URN_EINPUT, "chain %d, draw %zu: %s", c + 1, i + 1, msg);
      break;
    }
    double *row = ch->row;
    rc = urn_model_param_constrain(r->m, 1, 1, theta, row, &rng, err);
    if (rc == URN_EREJECT) { /* as Stan: the failure is reported, the draw's generated quantities are NaN */
      if (!reported++) rn_message(r, c, URN_RUN_DRAW_FAILED, "draw %zu: %s", i + 1, err->msg);
      urn_error_clear(err);
      rc = urn_model_param_constrain(r->m, 1, 0, theta, row, &rng, err);
      for (size_t k = r->n_no_gq; k < r->n_out; k++) row[k] = NAN;
    }
    if (rc == URN_OK) rc = rn_emit_row(r, c, 0, row, err);
    atomic_store(&ch->progress, (int)(i + 1));
  }
  free(col), free(scratch), free(theta);
  return rc;
}

int rn_generate(urn_run *r, urn_error *err) {
  if (r->n_out == r->n_no_gq)
    return urn_error_set(err, URN_EINPUT, "%s has no generated quantities: there is nothing to generate",
                         urn_model_name(r->m));
  int rc = rn_open_outputs(r, err);
  if (rc != URN_OK) return rc;
  int *keep = urn_xcalloc((size_t)r->n_chains, sizeof *keep), status = URN_OK;
  for (int c = 0; c < r->n_chains; c++) {
    urn_error e;
    urn_error_clear(&e);
    rc = generate_chain(r, c, &e);
    r->ch[c].status = rc;
    keep[c] = rc == URN_OK;
    if (rc != URN_OK) {
      r->ch[c].err = e;
      rn_message(r, c, URN_RUN_ERROR, "%s", e.msg);
      if (status == URN_OK) status = rc, *err = e;
      break;
    }
  }
  urn_error cerr;
  int crc = rn_close_outputs(r, keep, &cerr);
  if (status == URN_OK && crc != URN_OK) status = crc, *err = cerr;
  free(keep);
  return status;
}

int rn_log_prob(urn_run *r, urn_error *err) {
  const rn_fitted *f = &r->ch[0].fitted;
  size_t n = r->points ? r->n_points : f->n_rows;
  if (!r->points && !f->names)
    return urn_error_set(err, URN_EINPUT, "log_prob: no points given (urn_run_set_points or urn_run_set_fitted)");
  int rc = rn_open_outputs(r, err);
  if (rc != URN_OK) return rc;
  size_t *col = urn_xcalloc(r->n_params + 1, sizeof *col);
  double *scratch = urn_xcalloc(r->n_params + 1, sizeof *scratch), *theta = urn_xcalloc(r->dim + 1, sizeof *theta);
  if (!r->points) rc = rn_fitted_columns(r, f, col, err);
  for (size_t i = 0; i < n && rc == URN_OK; i++) {
    if (r->points) memcpy(theta, r->points + i * r->dim, r->dim * sizeof *theta);
    else rc = rn_fitted_point(r, f, col, i, scratch, theta, err);
    double *row = r->ch[0].row;
    if (rc == URN_OK) rc = urn_model_log_density_gradient(r->m, 1, r->cfg.jacobian, theta, &row[0], row + 1, err);
    if (rc != URN_OK) {
      char msg[sizeof err->msg];
      snprintf(msg, sizeof msg, "%s", err->msg);
      rc = urn_error_set(err, rc == URN_EREJECT ? URN_EINPUT : rc, "point %zu: %s", i + 1, msg);
      break;
    }
    rc = rn_emit_row(r, 0, 0, row, err);
  }
  r->ch[0].status = rc;
  if (rc != URN_OK) r->ch[0].err = *err, rn_message(r, 0, URN_RUN_ERROR, "%s", err->msg);
  int keep = rc == URN_OK;
  urn_error cerr;
  int crc = rn_close_outputs(r, &keep, &cerr);
  if (rc == URN_OK && crc != URN_OK) rc = crc, *err = cerr;
  free(col), free(scratch), free(theta);
  return rc;
}
