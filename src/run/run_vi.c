/* run/run_vi.c — the variational methods of the run layer, as CmdStan runs
 * them: pathfinder (infer/pathfinder.c: num_paths single paths, each from
 * its own start and random stream; with several paths the draws are
 * resampled by PSIS to num_psis_draws; columns lp_approx__, lp__, outputs;
 * timing comments "Pathfinders", "PSIS", "Total") and variational
 * (infer/advi.c: ADVI; the comments "Stepsize adaptation complete." and
 * "eta = X" after the header, a first row with the approximation's mean,
 * then output_samples draws; columns lp__ (0), log_p__, log_g__, outputs).
 * Both use the log density with all constants and the Jacobian.  Also the
 * Pathfinder draws that start `sample`'s chains with init_pathfinder. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "infer/advi.h"
#include "infer/pathfinder.h"
#include "run/run_internal.h"
#include "util/util.h"

static int vi_grad(void *ctx, const double *theta, double *lp, double *grad, urn_error *err) {
  return urn_model_log_density_gradient(ctx, 0, 1, theta, lp, grad, err);
}

static int vi_lp(void *ctx, const double *theta, double *lp, urn_error *err) {
  return urn_model_log_density(ctx, 0, 1, theta, lp, err);
}

/* The outputs at theta into out (n_out values; generated quantities that fail are NaN, reported). */
static int constrain_outputs(urn_run *r, const double *theta, urn_rng *rng, double *out, urn_error *err) {
  int rc = urn_model_param_constrain(r->m, 1, 1, theta, out, rng, err);
  if (rc == URN_EREJECT) {
    rn_message(r, 0, URN_RUN_DRAW_FAILED, "%s", err->msg);
    urn_error_clear(err);
    rc = urn_model_param_constrain(r->m, 1, 0, theta, out, rng, err);
    for (size_t i = r->n_no_gq; i < r->n_out; i++) out[i] = NAN;
  }
  return rc;
}

/* The outputs at theta after the method columns, emitted as a row of the output. */
static int emit_point(urn_run *r, const double *theta, urn_rng *rng, urn_error *err) {
  double *row = r->ch[0].row;
  int rc = constrain_outputs(r, theta, rng, row + r->n_method, err);
  return rc == URN_OK ? rn_emit_row(r, 0, 0, row, err) : rc;
}

static void finish(urn_run *r, int rc, int opened, urn_error *err, int *status) {
  r->ch[0].status = rc;
  if (rc != URN_OK && rc != URN_EINTR) r->ch[0].err = *err, rn_message(r, 0, URN_RUN_ERROR, "%s", err->msg);
  if (opened) {
    int keep = rc == URN_OK;
    urn_error cerr;
    int crc = rn_close_outputs(r, &keep, &cerr);
    if (rc == URN_OK && crc != URN_OK) rc = crc, *err = cerr;
  }
  *status = rc;
}

/* ---- pathfinder ---- */

/* Every path's draws (unconstrained, P * num_draws rows), their lp_approx and lp. */
typedef struct pf_draws {
  size_t n;        /* rows */
  double *theta;   /* n x dim */
  double *lpa;     /* approximation's log density */
  double *lp;      /* target's log density */
} pf_draws;

/* rows x cols zeroed doubles (plus one), or NULL and an URN_ENOMEM error naming what when that much memory
 * cannot be had (--num-paths 1e9 aborted the process). */
static double *draws_alloc(size_t rows, size_t cols, const char *what, urn_error *err) {
  size_t n, bytes;
  double *p = NULL;
  if (!urn_mul_overflow(rows, cols, &n) && !urn_mul_overflow(n + 1, sizeof *p, &bytes)) p = urn_try_malloc(bytes);
  if (!p) {
    char b[32];
    urn_format_bytes(b, sizeof b, (double)rows * (double)cols * sizeof *p);
    urn_error_set(err, URN_ENOMEM, "out of memory: %s (%zu x %zu values, %s) cannot be allocated; ask for fewer "
                  "paths or draws", what, rows, cols, b);
    return NULL;
  }
  memset(p, 0, bytes);
  return p;
}

/* ---- save_single_paths: each path's iterations (JSON) and draws (CSV), as CmdStan writes them ---- */

static void json_num(FILE *f, double v) {
  if (isnan(v)) fputs("NaN", f);
  else if (isinf(v)) fputs(v > 0 ? "Infinity" : "-Infinity", f);
  else fprintf(f, "%.17g", v);
}

static void json_vec(FILE *f, const char *key, const double *v, size_t n) {
  fprintf(f, ", \"%s\": [", key);
  for (size_t i = 0; i < n; i++) {
    if (i) fputs(", ", f);
    json_num(f, v[i]);
  }
  fputc(']', f);
}

/* A rows x cols matrix as an array of rows, element (i, j) at m[i * cols + j]; upper: zero below the diagonal. */
static void json_mat(FILE *f, const char *key, const double *m, size_t rows, size_t cols, int upper) {
  fprintf(f, ", \"%s\": [", key);
  for (size_t i = 0; i < rows; i++) {
    fputs(i ? ", [" : "[", f);
    for (size_t j = 0; j < cols; j++) {
      if (j) fputs(", ", f);
      json_num(f, upper && j < i ? 0 : m[i * cols + j]);
    }
    fputc(']', f);
  }
  fputc(']', f);
}

/* One iteration record (CmdStan's keys; L_approx is the upper Cholesky factor, H = L_approx' L_approx when
 * dense; logDetCholHk is half of log det H; the parameters and gradients are the iterate's own, of the log
 * density). */
static void json_iter(void *ctx, const pf_iter *it) {
  rn_path_files *pf = ctx;
  FILE *f = pf->json;
  fprintf(f, "%s  \"%d\": {\"iter\": %d", pf->json_records ? ",\n" : "{\n", it->iter, it->iter);
  json_vec(f, "unconstrained_parameters", it->x, it->n);
  json_vec(f, "grads", it->g, it->n);
  if (it->iter > 0) {
    fprintf(f, ", \"history_size\": %zu, \"lbfgs_success\": true, \"pathfinder_success\": %s", it->history,
            it->built ? "true" : "false");
    if (it->built) {
      size_t q = it->dense ? it->n : it->k;
      json_vec(f, "x_center", it->mu, it->n);
      fputs(", \"logDetCholHk\": ", f);
      json_num(f, it->logdet / 2);
      json_mat(f, "L_approx", it->L, q, q, 1); /* L is lower, column-major: its transpose read row by row */
      if (it->dense) fputs(", \"Qk\": []", f);
      else json_mat(f, "Qk", it->Q, it->n, it->k, 0);
      json_vec(f, "alpha", it->alpha, it->n);
      fprintf(f, ", \"full\": %s", it->dense ? "true" : "false");
    }
    fputs(", \"lbfgs_note\": \"\"", f);
    if (!it->built && it->error) fprintf(f, ", \"pathfinder_error\": \"%s\"", it->error);
  }
  fputc('}', f);
  pf->json_records++;
}

/* Path p's draws (rows of d from row `first`) into its CSV, generated quantities on stream `stream`, then
 * CmdStan's timing comment. */
static int write_path_draws(urn_run *r, rn_path_files *pf, const pf_draws *d, size_t first, uint64_t stream,
                            double seconds, urn_error *err) {
  if (!pf->csv_open) return URN_OK;
  urn_rng rng;
  urn_rng_seed(&rng, r->cfg.seed, stream);
  double *row = urn_xcalloc(r->n_cols + 1, sizeof *row);
  int rc = URN_OK;
  for (size_t i = first; i < first + (size_t)r->cfg.num_draws && rc == URN_OK; i++) {
    row[0] = d->lpa[i], row[1] = r->cfg.calculate_lp ? d->lp[i] : NAN;
    rc = constrain_outputs(r, d->theta + i * r->dim, &rng, row + r->n_method, err);
    if (rc == URN_OK) rc = urn_stancsv_row(&pf->csv, row, r->n_cols, err);
  }
  free(row);
  urn_stancsv_comment(&pf->csv, "%s", "");
  urn_stancsv_comment(&pf->csv, "Elapsed Time: %f seconds (Pathfinder)", seconds);
  urn_stancsv_comment(&pf->csv, "%s", "");
  return rc;
}

/* Runs the paths (path p on stream stream0 + p); failed paths are reported and skipped. */
static int run_paths(urn_run *r, uint64_t stream0, pf_draws *d, urn_error *err) {
  const urn_run_config *c = &r->cfg;
  size_t dim = r->dim, per = (size_t)c->num_draws;
  pf_config pc;
  pf_config_default(&pc);
  pc.lbfgs.max_iterations = c->max_lbfgs_iters, pc.lbfgs.history = c->history_size, pc.lbfgs.init_alpha = c->init_alpha;
  pc.lbfgs.tol_obj = c->tol_obj, pc.lbfgs.tol_rel_obj = c->tol_rel_obj, pc.lbfgs.tol_grad = c->tol_grad;
  pc.lbfgs.tol_rel_grad = c->tol_rel_grad, pc.lbfgs.tol_param = c->tol_param;
  pc.num_elbo_draws = c->num_elbo_draws, pc.num_draws = c->num_draws;
  pc.calculate_lp = c->calculate_lp || (c->num_paths > 1 && c->psis_resample);
  /* the history never holds more pairs than there are iterations (a huge --history-size allocated it whole) */
  if (pc.lbfgs.history > pc.lbfgs.max_iterations && pc.lbfgs.max_iterations > 0)
    pc.lbfgs.history = pc.lbfgs.max_iterations;
  urn_target t = {dim, vi_grad, (void *)r->m};
  memset(d, 0, sizeof *d);
  size_t rows = (size_t)c->num_paths * per;
  d->theta = draws_alloc(rows, dim, "the draws of all paths", err);
  d->lpa = d->theta ? draws_alloc(rows, 1, "the draws' log densities", err) : NULL;
  d->lp = d->lpa ? draws_alloc(rows, 1, "the draws' log densities", err) : NULL;
  if (!d->lp) return URN_ENOMEM;
  double *theta0 = urn_xcalloc(dim + 1, sizeof *theta0);
  int rc = URN_OK, good = 0, save = c->save_single_paths && c->method == URN_RUN_PATHFINDER;
  urn_error last;
  urn_error_clear(&last);
  for (int p = 0; p < c->num_paths && rc == URN_OK; p++) {
    if (r->stop) {
      rc = urn_error_set(err, URN_EINTR, "interrupted");
      break;
    }
    urn_rng rng;
    urn_rng_seed(&rng, c->seed, stream0 + (uint64_t)p);
    urn_error e;
    urn_error_clear(&e);
    pf_path res;
    memset(&res, 0, sizeof res);
    rn_path_files pf;
    memset(&pf, 0, sizeof pf);
    if (save && (rc = rn_open_path_files(r, p, &pf, err)) != URN_OK) break;
    pc.iter = pf.json ? json_iter : NULL, pc.iter_ctx = &pf;
    double t0 = rn_now_seconds();
    double lp0;
    int prc = rn_start_point(r, &rng, 1, theta0, &lp0, &e);
    if (prc == URN_OK)
      prc = pf_single(&pc, &t, vi_lp, (void *)r->m, theta0, &rng, d->theta + d->n * dim, d->lpa + d->n, d->lp + d->n,
                      &res, &e);
    if (pf.json) fputs(pf.json_records ? "\n}\n" : "{}\n", pf.json);
    if (prc == URN_OK && save)
      prc = write_path_draws(r, &pf, d, d->n, stream0 + (uint64_t)c->num_paths + 1 + (uint64_t)p,
                             rn_now_seconds() - t0, &e);
    int fatal = prc != URN_OK && prc != URN_EINPUT && prc != URN_EREJECT;
    if (save && rn_close_path_files(&pf, !fatal, &e) != URN_OK && prc == URN_OK) prc = e.code;
    r->n_grad += res.n_grad, r->n_lp += res.n_lp, r->iterations += res.iterations;
    atomic_store(&r->ch[0].progress, p + 1);
    if (prc == URN_OK) {
      rn_message(r, -1, URN_RUN_INFO,
                 "Path [%d] :Initial log joint density = %f\nPath [%d] :Best Iter: [%d] ELBO (%f) evaluations: (%lld)",
                 p + 1, res.lp0, p + 1, res.best_iter, res.best_elbo, res.n_grad + res.n_lp);
      d->n += per, good++;
    } else if (prc == URN_EINPUT || prc == URN_EREJECT) {
      rn_message(r, -1, URN_RUN_WARNING, "Pathfinder path %d failed: %s", p + 1, e.msg);
      last = e;
    } else {
      rc = urn_error_set(err, prc, "%s", e.msg);
    }
  }
  free(theta0);
  if (rc == URN_OK && !good)
    rc = urn_error_set(err, URN_EINPUT, "None of the %d Pathfinder paths succeeded; the last one: %s", c->num_paths,
                       last.msg);
  return rc;
}

static void free_draws(pf_draws *d) { free(d->theta), free(d->lpa), free(d->lp); }

/* PSIS weights of the draws and m resampled indices into idx. */
static void psis_indices(urn_run *r, const pf_draws *d, urn_rng *rng, size_t m, size_t *idx) {
  double *lw = urn_xcalloc(d->n + 1, sizeof *lw);
  for (size_t i = 0; i < d->n; i++) lw[i] = isfinite(d->lp[i]) ? d->lp[i] - d->lpa[i] : -INFINITY;
  r->pareto_k = pf_psis(lw, d->n);
  pf_resample(lw, d->n, m, rng, idx);
  free(lw);
}

int rn_pathfinder_draws(urn_run *r, uint64_t stream, double *out, size_t n_out, urn_error *err) {
  pf_draws d;
  int rc = run_paths(r, stream, &d, err);
  if (rc == URN_OK) {
    urn_rng rng;
    urn_rng_seed(&rng, r->cfg.seed, stream + (uint64_t)r->cfg.num_paths);
    size_t *idx = urn_xcalloc(n_out + 1, sizeof *idx);
    psis_indices(r, &d, &rng, n_out, idx);
    for (size_t i = 0; i < n_out; i++) memcpy(out + i * r->dim, d.theta + idx[i] * r->dim, r->dim * sizeof *out);
    free(idx);
  }
  free_draws(&d);
  return rc;
}

/* What a Pathfinder run holds at once (every path's draws, the resampled indices and the rows kept in memory)
 * against the machine's memory: a run that cannot fit is refused before it starts (--psis-draws 2e9 filled
 * memory for minutes before failing). */
static int pf_memory_check(const urn_run *r, urn_error *err) {
  const urn_run_config *c = &r->cfg;
  double rows = (double)c->num_paths * c->num_draws, out = c->num_paths > 1 && c->psis_resample ? c->num_psis_draws : rows;
  double bytes = 8.0 * (rows * ((double)r->dim + 2) + out * (1.0 + (c->keep_draws ? (double)r->n_cols : 0.0)));
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0 || bytes <= (double)pages * (double)page) return URN_OK;
  char b[32], m[32];
  urn_format_bytes(b, sizeof b, bytes), urn_format_bytes(m, sizeof m, (double)pages * (double)page);
  return urn_error_set(err, URN_ENOMEM, "out of memory: %d paths x %d draws, %.0f draws out, need %s (this machine has "
                       "%s); ask for fewer paths or draws", c->num_paths, c->num_draws, out, b, m);
}

int rn_pathfinder(urn_run *r, urn_error *err) {
  if (r->dim == 0) return urn_error_set(err, URN_EINPUT, "Model contains no parameters: pathfinder has nothing to fit");
  if (pf_memory_check(r, err) != URN_OK) return URN_ENOMEM;
  int rc = rn_open_outputs(r, err), opened = rc == URN_OK, status;
  uint64_t stream0 = (uint64_t)(r->cfg.id > 0 ? r->cfg.id - 1 : 0);
  double t0 = rn_now_seconds(), t1 = t0;
  pf_draws d;
  memset(&d, 0, sizeof d);
  if (rc == URN_OK) rc = run_paths(r, stream0, &d, err);
  t1 = rn_now_seconds();
  if (rc == URN_OK) {
    urn_rng rng;
    urn_rng_seed(&rng, r->cfg.seed, stream0 + (uint64_t)r->cfg.num_paths);
    int resample = r->cfg.num_paths > 1 && r->cfg.psis_resample;
    size_t m = resample ? (size_t)r->cfg.num_psis_draws : d.n;
    size_t *idx = urn_xcalloc(m + 1, sizeof *idx); /* pf_memory_check counted it */
    if (resample) {
      psis_indices(r, &d, &rng, m, idx);
    } else {
      for (size_t i = 0; i < m; i++) idx[i] = i;
    }
    for (size_t i = 0; i < m && rc == URN_OK; i++) {
      r->ch[0].row[0] = d.lpa[idx[i]], r->ch[0].row[1] = r->cfg.calculate_lp ? d.lp[idx[i]] : NAN;
      rc = emit_point(r, d.theta + idx[i] * r->dim, &rng, err);
    }
    free(idx);
    if (resample && isfinite(r->pareto_k) && r->pareto_k > 0.7)
      rn_message(r, -1, URN_RUN_WARNING,
                 "Pareto k value (%.2g) is greater than 0.7. Importance resampling was not able to improve the "
                 "approximation, which may indicate that the approximation itself is poor.",
                 r->pareto_k);
  }
  double t2 = rn_now_seconds();
  if (rc == URN_OK) {
    char line[128];
    rn_emit_comment(r, 0, "");
    snprintf(line, sizeof line, "Elapsed Time: %f seconds (Pathfinders)", t1 - t0);
    rn_emit_comment(r, 0, line);
    snprintf(line, sizeof line, "              %f seconds (PSIS)", t2 - t1);
    rn_emit_comment(r, 0, line);
    snprintf(line, sizeof line, "              %f seconds (Total)", t2 - t0);
    rn_emit_comment(r, 0, line);
    rn_emit_comment(r, 0, "");
    rn_message(r, -1, URN_RUN_INFO, "Total log probability function evaluations:%lld", r->n_grad + r->n_lp);
  }
  free_draws(&d);
  finish(r, rc, opened, err, &status);
  return status;
}

/* ---- variational ---- */

static void vi_say(void *ctx, const char *text) { rn_message(ctx, -1, URN_RUN_INFO, "%s", text); }

int rn_variational(urn_run *r, urn_error *err) {
  if (r->dim == 0) return urn_error_set(err, URN_EINPUT, "Model contains no parameters: variational has nothing to fit");
  const urn_run_config *c = &r->cfg;
  int rc = rn_open_outputs(r, err), opened = rc == URN_OK, status;
  urn_rng rng;
  urn_rng_seed(&rng, c->seed, (uint64_t)(c->id > 0 ? c->id - 1 : 0));
  double *theta = urn_xcalloc(r->dim + 1, sizeof *theta), *z = urn_xcalloc(r->dim + 1, sizeof *z);
  vi_approx a;
  vi_approx_init(&a, r->dim, c->vi_algorithm == 1);
  vi_result res;
  memset(&res, 0, sizeof res);
  double lp0;
  if (rc == URN_OK) rc = rn_start_point(r, &rng, 1, theta, &lp0, err);
  if (rc == URN_OK) {
    vi_config vc;
    vi_config_default(&vc);
    vc.fullrank = c->vi_algorithm == 1, vc.iter = c->vi_iter, vc.grad_samples = c->grad_samples;
    vc.elbo_samples = c->elbo_samples, vc.eta = c->eta, vc.adapt_engaged = c->adapt_engaged;
    vc.adapt_iter = c->adapt_iter, vc.tol_rel_obj = c->vi_tol_rel_obj, vc.eval_elbo = c->eval_elbo;
    vc.message = vi_say, vc.message_ctx = r, vc.stop = &r->stop;
    urn_target t = {r->dim, vi_grad, (void *)r->m};
    rc = vi_fit(&vc, &t, vi_lp, (void *)r->m, theta, &rng, &a, &res, err);
    r->n_grad = res.n_grad, r->n_lp = res.n_lp, r->iterations = res.iterations;
    r->reason = res.converged ? "converged" : "maximum iterations";
  }
  if (rc == URN_OK && c->adapt_engaged) {
    char line[64];
    rn_emit_comment(r, 0, "Stepsize adaptation complete.");
    snprintf(line, sizeof line, "eta = %g", res.eta);
    rn_emit_comment(r, 0, line);
  }
  if (rc == URN_OK) {
    double *row = r->ch[0].row;
    row[0] = row[1] = row[2] = 0;
    rc = emit_point(r, a.mu, &rng, err);
    rn_message(r, -1, URN_RUN_INFO, "\nDrawing a sample of size %d from the approximate posterior... ",
               c->output_samples);
    for (int i = 0; i < c->output_samples && rc == URN_OK; i++) {
      double lg = vi_draw(&a, &rng, theta, z), lp;
      row[0] = 0, row[2] = lg;
      row[1] = vi_lp((void *)r->m, theta, &lp, NULL) == URN_OK ? lp : -INFINITY;
      rc = emit_point(r, theta, &rng, err);
    }
    if (rc == URN_OK) rn_message(r, -1, URN_RUN_INFO, "COMPLETED.");
  }
  vi_approx_free(&a);
  free(theta), free(z);
  finish(r, rc, opened, err, &status);
  return status;
}
