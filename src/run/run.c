/* run/run.c — include/urn/run.h: a run's settings, its inputs, the dispatch
 * to the method, and its results.  The methods live in run_sample.c,
 * run_optimize.c and run_generate.c; every output file is created in
 * run_output.c. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "io/stancsv_read.h"
#include "math/rng.h"
#include "run/run_internal.h"
#include "util/util.h"

void urn_run_config_default(urn_run_config *cfg, urn_run_method method) {
  memset(cfg, 0, sizeof *cfg);
  cfg->method = method;
  cfg->num_samples = 1000, cfg->num_warmup = 1000, cfg->save_warmup = 0, cfg->thin = 1;
  cfg->adapt_engaged = 1, cfg->adapt_gamma = 0.05, cfg->adapt_delta = 0.8, cfg->adapt_kappa = 0.75;
  cfg->adapt_t0 = 10, cfg->adapt_init_buffer = 75, cfg->adapt_term_buffer = 50, cfg->adapt_window = 25;
  cfg->max_depth = 10, cfg->metric = URN_METRIC_DIAG, cfg->stepsize = 1, cfg->num_chains = 1;
  cfg->algorithm = URN_RUN_LBFGS, cfg->init_alpha = 0.001, cfg->tol_obj = 1e-12, cfg->tol_rel_obj = 1e4;
  cfg->tol_grad = 1e-8, cfg->tol_rel_grad = 1e7, cfg->tol_param = 1e-8, cfg->history_size = 5, cfg->iter = 2000;
  cfg->jacobian = method == URN_RUN_LAPLACE || method == URN_RUN_LOG_PROB;
  cfg->draws = 1000, cfg->calculate_lp = 1;
  cfg->num_paths = 4, cfg->num_draws = 1000, cfg->num_psis_draws = 1000, cfg->num_elbo_draws = 25;
  cfg->max_lbfgs_iters = 1000, cfg->psis_resample = 1;
  cfg->vi_iter = 10000, cfg->grad_samples = 1, cfg->elbo_samples = 100, cfg->eta = 1, cfg->adapt_iter = 50;
  cfg->vi_tol_rel_obj = 0.01, cfg->eval_elbo = 100, cfg->output_samples = 1000;
  cfg->id = 1, cfg->seed = 1, cfg->init_radius = 2, cfg->refresh = 100, cfg->sig_figs = -1, cfg->num_threads = 1;
  cfg->overwrite = 1, cfg->keep_draws = 1;
}

urn_run_config *urn_run_config_new(urn_run_method method) {
  urn_run_config *cfg = urn_xmalloc(sizeof *cfg);
  urn_run_config_default(cfg, method);
  return cfg;
}

void urn_run_config_free(urn_run_config *cfg) { free(cfg); }

uint64_t rn_clock_seed(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return ((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u) % 4294967296u;
}

double rn_cpu_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double rn_now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- construction ---- */

static int check_config(const urn_run_config *c, urn_error *err) {
  if (c->method < URN_RUN_SAMPLE || c->method > URN_RUN_VARIATIONAL)
    return urn_error_set(err, URN_EINPUT, "unknown method %d", (int)c->method);
  if (c->num_samples < 0 || c->num_warmup < 0)
    return urn_error_set(err, URN_EINPUT, "num_samples and num_warmup must not be negative");
  if (c->thin < 1 || c->max_depth < 1 || c->num_chains < 1 || c->iter < 1 || c->history_size < 1)
    return urn_error_set(err, URN_EINPUT, "thin, max_depth, num_chains, iter and history_size must be positive");
  if (!(c->adapt_delta > 0 && c->adapt_delta < 1))
    return urn_error_set(err, URN_EINPUT, "delta must lie in (0, 1) (got %g)", c->adapt_delta);
  if (!(c->stepsize > 0) || !(c->init_radius >= 0) || !isfinite(c->init_radius))
    return urn_error_set(err, URN_EINPUT, "stepsize must be positive and the init radius not negative");
  if (c->stepsize_jitter != 0)
    return urn_error_set(err, URN_EINPUT, "stepsize_jitter: urn supports only 0 (got %g)", c->stepsize_jitter);
  if (c->sig_figs < -1 || c->sig_figs > 18)
    return urn_error_set(err, URN_EINPUT, "sig_figs must be -1 or in [0, 18] (got %d)", c->sig_figs);
  if (c->refresh < 0 || c->id < 0 || c->draws < 0)
    return urn_error_set(err, URN_EINPUT, "refresh, id and draws must not be negative");
  if (c->metric != URN_METRIC_DIAG && c->metric != URN_METRIC_DENSE && c->metric != URN_METRIC_UNIT)
    return urn_error_set(err, URN_EINPUT, "unknown metric %d", (int)c->metric);
  if (c->algorithm != URN_RUN_LBFGS && c->algorithm != URN_RUN_BFGS && c->algorithm != URN_RUN_NEWTON)
    return urn_error_set(err, URN_EINPUT, "unknown optimization algorithm %d", (int)c->algorithm);
  if (c->method == URN_RUN_PATHFINDER || c->init_pathfinder) {
    if (c->num_paths < 1 || c->num_draws < 1 || c->num_psis_draws < 1 || c->num_elbo_draws < 1 ||
        c->max_lbfgs_iters < 1)
      return urn_error_set(err, URN_EINPUT,
                           "pathfinder: num_paths, num_draws, num_psis_draws, num_elbo_draws and max_lbfgs_iters must "
                           "be positive (got %d, %d, %d, %d, %d)",
                           c->num_paths, c->num_draws, c->num_psis_draws, c->num_elbo_draws, c->max_lbfgs_iters);
  }
  if (c->method == URN_RUN_VARIATIONAL) {
    if (c->vi_algorithm != 0 && c->vi_algorithm != 1)
      return urn_error_set(err, URN_EINPUT, "variational: unknown algorithm %d (0 meanfield, 1 fullrank)",
                           c->vi_algorithm);
    if (c->vi_iter < 1 || c->grad_samples < 1 || c->elbo_samples < 1 || c->adapt_iter < 1 || c->eval_elbo < 1 ||
        c->output_samples < 1)
      return urn_error_set(err, URN_EINPUT,
                           "variational: iter, grad_samples, elbo_samples, adapt iter, eval_elbo and output_samples "
                           "must be positive");
    if (!(c->eta > 0) || !isfinite(c->eta) || !(c->vi_tol_rel_obj > 0))
      return urn_error_set(err, URN_EINPUT, "variational: eta and tol_rel_obj must be positive (got %g, %g)", c->eta,
                           c->vi_tol_rel_obj);
  }
  return URN_OK;
}

/* The method's columns. */
static size_t method_columns(const urn_run *r, const char **names) {
  static const char *const sampler[7] = {"lp__",         "accept_stat__", "stepsize__", "treedepth__",
                                         "n_leapfrog__", "divergent__",   "energy__"};
  switch (r->cfg.method) {
    case URN_RUN_SAMPLE:
      if (r->fixed_param) return names[0] = sampler[0], names[1] = sampler[1], 2;
      for (int i = 0; i < 7; i++) names[i] = sampler[i];
      return 7;
    case URN_RUN_OPTIMIZE: return names[0] = "lp__", 1;
    case URN_RUN_LAPLACE: return names[0] = "log_p__", names[1] = "log_q__", 2;
    case URN_RUN_LOG_PROB: return names[0] = "lp__", 1;
    case URN_RUN_PATHFINDER: return names[0] = "lp_approx__", names[1] = "lp__", 2;
    case URN_RUN_VARIATIONAL: return names[0] = "lp__", names[1] = "log_p__", names[2] = "log_g__", 3;
    default: return 0;
  }
}

static void make_columns(urn_run *r) {
  const char *mnames[8];
  r->n_method = method_columns(r, mnames);
  int lp = r->cfg.method == URN_RUN_LOG_PROB;
  r->n_cols = r->n_method + (lp ? r->dim : r->n_out);
  r->names = urn_xcalloc(r->n_cols + 1, sizeof *r->names);
  for (size_t j = 0; j < r->n_method; j++) r->names[j] = urn_xstrdup(mnames[j]);
  for (size_t j = r->n_method; j < r->n_cols; j++) {
    if (lp) {
      size_t n = strlen(urn_model_param_unc_name(r->m, j - r->n_method)) + 3;
      r->names[j] = urn_xmalloc(n);
      snprintf(r->names[j], n, "g_%s", urn_model_param_unc_name(r->m, j - r->n_method));
    } else {
      r->names[j] = urn_xstrdup(urn_model_param_name(r->m, j - r->n_method));
    }
  }
}

urn_run *urn_run_new(const urn_model *m, const urn_run_config *cfg, urn_error *err) {
  if (!m || !cfg) {
    urn_error_set(err, URN_EINPUT, "urn_run_new: no model or no settings");
    return NULL;
  }
  if (check_config(cfg, err) != URN_OK) return NULL;
  urn_run *r = urn_xcalloc(1, sizeof *r);
  r->cfg = *cfg;
  const char **s[] = {&r->cfg.data_file,   &r->cfg.init,          &r->cfg.output_file, &r->cfg.diagnostic_file,
                      &r->cfg.metric_file, &r->cfg.fitted_params, &r->cfg.mode_file,   &r->cfg.params_file,
                      &r->cfg.profile_file, &r->cfg.uparams_file};
  for (size_t i = 0; i < sizeof s / sizeof *s; i++)
    if (*s[i]) r->strs[i] = urn_xstrdup(*s[i]), *s[i] = r->strs[i];
  r->m = m;
  r->dim = urn_model_num_unconstrained(m);
  r->n_params = urn_model_num_params(m, 0, 0);
  r->n_out = urn_model_num_params(m, 1, 1);
  r->n_no_gq = urn_model_num_params(m, 1, 0);
  r->fixed_param = cfg->method == URN_RUN_SAMPLE && (cfg->fixed_param || r->dim == 0);
  r->n_chains = cfg->method == URN_RUN_SAMPLE || cfg->method == URN_RUN_GENERATE ? cfg->num_chains : 1;
  if (r->cfg.sig_figs < 0) r->cfg.sig_figs = 6;
  make_columns(r);
  r->ch = urn_xcalloc((size_t)r->n_chains, sizeof *r->ch);
  for (int c = 0; c < r->n_chains; c++) {
    atomic_init(&r->ch[c].progress, 0);
    r->ch[c].stepsize = NAN;
    r->ch[c].row = urn_xcalloc(r->n_cols + 1, sizeof(double));
  }
  r->pareto_k = NAN;
  pthread_mutex_init(&r->cb_lock, NULL);
  return r;
}

static void fitted_free(rn_fitted *f) {
  for (size_t j = 0; f->names && j < f->n_cols; j++) free(f->names[j]);
  free(f->names), free(f->rows);
  memset(f, 0, sizeof *f);
}

void urn_run_free(urn_run *r) {
  if (!r) return;
  for (int c = 0; c < r->n_chains; c++) {
    rn_chain *ch = &r->ch[c];
    urn_stancsv_discard(&ch->csv), urn_stancsv_discard(&ch->diag);
    free(ch->init), free(ch->inv_metric), free(ch->csv_path), free(ch->diag_path);
    free(ch->rows), free(ch->row), free(ch->diag_row), free(ch->adapted);
    fitted_free(&ch->fitted);
  }
  for (size_t j = 0; j < r->n_cols; j++) free(r->names[j]);
  for (size_t i = 0; i < sizeof r->strs / sizeof *r->strs; i++) free(r->strs[i]);
  free(r->names), free(r->ch), free(r->points);
  pthread_mutex_destroy(&r->cb_lock);
  free(r);
}

void urn_run_set_callbacks(urn_run *r, const urn_run_callbacks *cb) {
  if (cb) r->cb = *cb;
  else memset(&r->cb, 0, sizeof r->cb);
}

/* ---- messages and progress ---- */

void rn_message(urn_run *r, int chain, urn_run_msg_kind kind, const char *fmt, ...) {
  if (!r->cb.message) return;
  char text[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  pthread_mutex_lock(&r->cb_lock);
  r->cb.message(r->cb.ctx, chain, kind, text);
  pthread_mutex_unlock(&r->cb_lock);
}

void rn_progress(urn_run *r, int chain, int iteration, int total, int warmup, int divergences) {
  if (!r->cb.progress) return;
  pthread_mutex_lock(&r->cb_lock);
  r->cb.progress(r->cb.ctx, chain, iteration, total, warmup, divergences);
  pthread_mutex_unlock(&r->cb_lock);
}

/* ---- inputs ---- */

/* A start for the single-path methods (optimize, variational): the given init, or uniform(-R, R) draws until the
 * log density (with the Jacobian or not) and its gradient are finite (100 attempts, as CmdStan).  An error other
 * than a rejection ends the search with that error. */
int rn_start_point(urn_run *r, urn_rng *rng, int jacobian, double *theta, double *lp, urn_error *err) {
  double *grad = urn_xcalloc(r->dim + 1, sizeof *grad);
  urn_error e;
  urn_error_clear(&e);
  int ok = 0, given = r->ch[0].init != NULL;
  *lp = NAN;
  for (int attempt = 0; attempt < (given ? 1 : 100) && !ok; attempt++) {
    if (given) memcpy(theta, r->ch[0].init, r->dim * sizeof *theta);
    else
      for (size_t i = 0; i < r->dim; i++) theta[i] = r->cfg.init_radius * (2 * urn_rng_uniform(rng) - 1);
    int rc = urn_model_log_density_gradient(r->m, 0, jacobian, theta, lp, grad, &e);
    ok = rc == URN_OK && isfinite(*lp);
    for (size_t i = 0; ok && i < r->dim; i++) ok = isfinite(grad[i]);
    if (rc != URN_OK && rc != URN_EREJECT) {
      free(grad);
      return urn_error_set(err, rc, "%s", e.msg);
    }
  }
  free(grad);
  if (ok) return URN_OK;
  if (given)
    return urn_error_set(err, URN_EINPUT, "the log density or its gradient is not finite at the initial values%s%s",
                         e.msg[0] ? ": " : "", e.msg);
  return urn_error_set(err, URN_EINPUT, "initialization between (-%g, %g) failed after 100 attempts: %s",
                       r->cfg.init_radius, r->cfg.init_radius,
                       e.msg[0] ? e.msg : "the log density or its gradient is not finite");
}

static int check_chain(const urn_run *r, int chain, urn_error *err) {
  if (chain < -1 || chain >= r->n_chains)
    return urn_error_set(err, URN_EINPUT, "chain %d: the run has chains 0..%d", chain, r->n_chains - 1);
  if (r->executed) return urn_error_set(err, URN_EINPUT, "the run has already executed");
  return URN_OK;
}

int urn_run_set_init(urn_run *r, int chain, const double *theta_unc, urn_error *err) {
  if (check_chain(r, chain, err)) return URN_EINPUT;
  for (int c = chain < 0 ? 0 : chain; c < (chain < 0 ? r->n_chains : chain + 1); c++) {
    free(r->ch[c].init);
    r->ch[c].init = urn_xcalloc(r->dim + 1, sizeof(double));
    if (r->dim) memcpy(r->ch[c].init, theta_unc, r->dim * sizeof(double));
  }
  return URN_OK;
}

int urn_run_set_init_json(urn_run *r, int chain, const char *json, size_t len, const char *name, urn_error *err) {
  if (check_chain(r, chain, err)) return URN_EINPUT;
  double *theta = urn_xcalloc(r->dim + 1, sizeof *theta);
  int rc = urn_model_param_unconstrain_json(r->m, json, len, name, theta, err);
  if (rc == URN_OK) rc = urn_run_set_init(r, chain, theta, err);
  free(theta);
  return rc;
}

int urn_run_set_inv_metric(urn_run *r, int chain, const double *inv_metric, size_t n, urn_error *err) {
  if (check_chain(r, chain, err)) return URN_EINPUT;
  size_t want = r->cfg.metric == URN_METRIC_DENSE ? r->dim * r->dim : r->dim;
  if (n != want)
    return urn_error_set(err, URN_EINPUT, "the inverse metric has %zu values; the %s metric of %zu parameters needs %zu",
                         n, r->cfg.metric == URN_METRIC_DENSE ? "dense" : "diagonal", r->dim, want);
  for (size_t i = 0; i < n; i++) {
    double v = inv_metric[i];
    int diag = r->cfg.metric != URN_METRIC_DENSE || i % (r->dim + 1) == 0;
    if (!isfinite(v) || (diag && !(v > 0)))
      return urn_error_set(err, URN_EINPUT, "the inverse metric's element %zu is %g (must be finite%s)", i + 1, v,
                           diag ? " and positive" : "");
  }
  for (int c = chain < 0 ? 0 : chain; c < (chain < 0 ? r->n_chains : chain + 1); c++) {
    free(r->ch[c].inv_metric);
    r->ch[c].inv_metric = urn_xmalloc((n ? n : 1) * sizeof(double));
    if (n) memcpy(r->ch[c].inv_metric, inv_metric, n * sizeof(double));
    r->ch[c].n_inv_metric = n;
  }
  return URN_OK;
}

int urn_run_set_fitted(urn_run *r, int chain, const char *const *names, size_t n_cols, const double *rows,
                       size_t n_rows, urn_error *err) {
  if (check_chain(r, chain, err)) return URN_EINPUT;
  size_t total;
  if (urn_mul_overflow(n_rows, n_cols, &total)) return urn_error_set(err, URN_ENOMEM, "too many fitted values");
  for (int c = chain < 0 ? 0 : chain; c < (chain < 0 ? r->n_chains : chain + 1); c++) {
    rn_fitted *f = &r->ch[c].fitted;
    fitted_free(f);
    f->n_rows = n_rows, f->n_cols = n_cols;
    f->names = urn_xcalloc(n_cols + 1, sizeof *f->names);
    for (size_t j = 0; j < n_cols; j++) f->names[j] = urn_xstrdup(names[j]);
    f->rows = urn_xmalloc((total ? total : 1) * sizeof(double));
    if (total) memcpy(f->rows, rows, total * sizeof(double));
  }
  return URN_OK;
}

/* Every data row of a Stan CSV (warmup rows too), with its header. */
static int read_csv_rows(const char *path, char ***names, size_t *n_cols, double **rows, size_t *n_rows,
                         urn_error *err) {
  size_t len;
  char *text = urn_read_file(path, &len, err);
  if (!text) return err ? err->code : URN_EIO;
  char *p = text, *end = text + len;
  size_t line = 0, cols = 0, nr = 0, cap = 0;
  char **nm = NULL;
  double *v = NULL;
  int rc = URN_OK;
  while (p < end && rc == URN_OK) {
    char *nl = memchr(p, '\n', (size_t)(end - p));
    char *e = nl ? nl : end;
    line++;
    if (e > p && e[-1] == '\r') e[-1] = 0, e--;
    *e = 0;
    if (*p && *p != '#') {
      if (!nm) { /* the header */
        cols = 1;
        for (char *q = p; *q; q++) cols += *q == ',';
        nm = urn_xcalloc(cols + 1, sizeof *nm);
        size_t j = 0;
        for (char *q = p;; j++) {
          char *comma = strchr(q, ',');
          nm[j] = urn_xstrndup(q, comma ? (size_t)(comma - q) : strlen(q));
          if (!comma) break;
          q = comma + 1;
        }
      } else {
        if (nr == cap) cap = cap ? 2 * cap : 64, v = urn_xrealloc(v, cap * cols * sizeof *v);
        char *q = p;
        for (size_t j = 0; j < cols && rc == URN_OK; j++) {
          char *comma = strchr(q, ',');
          size_t flen = comma ? (size_t)(comma - q) : strlen(q);
          if ((j + 1 < cols) != (comma != NULL) || !urn_stancsv_parse_number(q, flen, &v[nr * cols + j]))
            rc = urn_error_set(err, URN_EINPUT, "%s:%zu: expected %zu numbers separated by commas", path, line, cols);
          q = comma ? comma + 1 : q + flen;
        }
        nr++;
      }
    }
    p = nl ? nl + 1 : end;
  }
  free(text);
  if (rc == URN_OK && !nm) rc = urn_error_set(err, URN_EINPUT, "%s: no header line: not a Stan CSV file", path);
  if (rc != URN_OK) {
    for (size_t j = 0; nm && j < cols; j++) free(nm[j]);
    free(nm), free(v);
    return rc;
  }
  *names = nm, *n_cols = cols, *rows = v, *n_rows = nr;
  return URN_OK;
}

int urn_run_set_fitted_csv(urn_run *r, int chain, const char *path, urn_error *err) {
  if (check_chain(r, chain, err)) return URN_EINPUT;
  char **names = NULL;
  size_t n_cols = 0, n_rows = 0;
  double *rows = NULL;
  int rc = read_csv_rows(path, &names, &n_cols, &rows, &n_rows, err);
  if (rc != URN_OK) return rc;
  rc = urn_run_set_fitted(r, chain, (const char *const *)names, n_cols, rows, n_rows, err);
  for (size_t j = 0; j < n_cols; j++) free(names[j]);
  free(names), free(rows);
  return rc;
}

int urn_run_set_points(urn_run *r, const double *theta_unc, size_t n_rows, urn_error *err) {
  if (check_chain(r, -1, err)) return URN_EINPUT;
  size_t total;
  if (urn_mul_overflow(n_rows, r->dim, &total)) return urn_error_set(err, URN_ENOMEM, "too many points");
  free(r->points);
  r->points = urn_xmalloc((total ? total : 1) * sizeof(double));
  if (total) memcpy(r->points, theta_unc, total * sizeof(double));
  r->n_points = n_rows;
  return URN_OK;
}

int rn_fitted_columns(const urn_run *r, const rn_fitted *f, size_t *col, urn_error *err) {
  for (size_t k = 0; k < r->n_params; k++) {
    const char *name = urn_model_param_name(r->m, k);
    size_t j = 0;
    while (j < f->n_cols && strcmp(f->names[j], name)) j++;
    if (j == f->n_cols) return urn_error_set(err, URN_EINPUT, "no column %s (a parameter of the model)", name);
    col[k] = j;
  }
  return URN_OK;
}

int rn_fitted_point(const urn_run *r, const rn_fitted *f, const size_t *col, size_t i, double *scratch,
                    double *theta_unc, urn_error *err) {
  for (size_t k = 0; k < r->n_params; k++) scratch[k] = f->rows[i * f->n_cols + col[k]];
  return urn_model_param_unconstrain(r->m, scratch, theta_unc, err);
}

/* ---- outputs ---- */

static int set_path(urn_run *r, int chain, const char *path, int diag, urn_error *err) {
  if (check_chain(r, chain, err)) return URN_EINPUT;
  if (chain < 0 && r->n_chains > 1)
    return urn_error_set(err, URN_EINPUT, "each chain needs its own output file: give the chain");
  rn_chain *ch = &r->ch[chain < 0 ? 0 : chain];
  char **dst = diag ? &ch->diag_path : &ch->csv_path;
  free(*dst);
  *dst = path && *path ? urn_xstrdup(path) : NULL;
  return URN_OK;
}

int urn_run_output_csv(urn_run *r, int chain, const char *path, urn_error *err) {
  return set_path(r, chain, path, 0, err);
}

int urn_run_diagnostic_csv(urn_run *r, int chain, const char *path, urn_error *err) {
  return set_path(r, chain, path, 1, err);
}

/* ---- running ---- */

static int rn_dispatch(urn_run *r, urn_error *err) {
  switch (r->cfg.method) {
    case URN_RUN_SAMPLE: return rn_sample(r, err);
    case URN_RUN_OPTIMIZE: return rn_optimize(r, err);
    case URN_RUN_GENERATE: return rn_generate(r, err);
    case URN_RUN_LAPLACE: return rn_laplace(r, err);
    case URN_RUN_LOG_PROB: return rn_log_prob(r, err);
    case URN_RUN_PATHFINDER: return rn_pathfinder(r, err);
    case URN_RUN_VARIATIONAL: return rn_variational(r, err);
  }
  return urn_error_set(err, URN_EINPUT, "unknown method");
}

int urn_run_execute(urn_run *r, urn_error *err) {
  if (r->executed) return urn_error_set(err, URN_EINPUT, "the run has already executed");
  r->executed = 1;
  /* num_threads caps the threads of the run, as CmdStan's: the chains take theirs, the rest run the units of
     reduce_sum and map_rect (lang/fn_par.c); -1 is every CPU */
  long nt = r->cfg.num_threads;
  if (nt < 0) nt = sysconf(_SC_NPROCESSORS_ONLN);
  int busy = r->cfg.method == URN_RUN_SAMPLE ? r->n_chains : 1;
  int workers = nt > busy ? (int)(nt - busy) : 0;
  urn_model *m = (urn_model *)r->m; /* borrowed: its workers start and stop with the run */
  if (workers) urn_model_set_threads(m, workers);
  int rc = rn_dispatch(r, err);
  if (workers) urn_model_set_threads(m, 0);
  return rc;
}

void urn_run_stop(urn_run *r) {
  if (r) __atomic_store_n(&r->stop, 1, __ATOMIC_RELAXED); /* signal-safe; the chains' threads load it atomically */
}

/* ---- results ---- */

static const rn_chain *get_chain(const urn_run *r, int chain) {
  return r && chain >= 0 && chain < r->n_chains ? &r->ch[chain] : NULL;
}

size_t urn_run_num_cols(const urn_run *r) { return r->n_cols; }
size_t urn_run_num_method_cols(const urn_run *r) { return r->n_method; }
const char *urn_run_col_name(const urn_run *r, size_t j) { return j < r->n_cols ? r->names[j] : NULL; }
int urn_run_num_chains(const urn_run *r) { return r->n_chains; }

int urn_run_progress(const urn_run *r, int chain) {
  const rn_chain *ch = get_chain(r, chain);
  return ch ? atomic_load(&((rn_chain *)ch)->progress) : 0;
}

size_t urn_run_num_rows(const urn_run *r, int chain) {
  const rn_chain *ch = get_chain(r, chain);
  return ch ? ch->n_rows : 0;
}

size_t urn_run_num_warmup_rows(const urn_run *r, int chain) {
  const rn_chain *ch = get_chain(r, chain);
  return ch ? ch->n_warmup_rows : 0;
}

const double *urn_run_draws(const urn_run *r, int chain) {
  const rn_chain *ch = get_chain(r, chain);
  return ch && ch->n_rows ? ch->rows : NULL;
}

size_t urn_run_copy_draws(const urn_run *r, int include_warmup, double *out, size_t cap) {
  size_t first = include_warmup ? 0 : r->ch[0].n_warmup_rows, rows = r->ch[0].n_rows - first;
  for (int c = 1; c < r->n_chains; c++)
    if (r->ch[c].n_rows - (include_warmup ? 0 : r->ch[c].n_warmup_rows) != rows) return 0;
  size_t need = (size_t)r->n_chains * rows * r->n_cols;
  if (need > cap || !out) return 0;
  for (int c = 0; c < r->n_chains; c++) {
    size_t skip = include_warmup ? 0 : r->ch[c].n_warmup_rows;
    if (rows) memcpy(out + (size_t)c * rows * r->n_cols, r->ch[c].rows + skip * r->n_cols, rows * r->n_cols * sizeof *out);
  }
  return need;
}

int urn_run_chain_status(const urn_run *r, int chain) {
  const rn_chain *ch = get_chain(r, chain);
  return ch ? ch->status : URN_EINPUT;
}

const char *urn_run_chain_message(const urn_run *r, int chain) {
  const rn_chain *ch = get_chain(r, chain);
  return ch ? ch->err.msg : "";
}

const urn_chain_result *urn_run_chain_result(const urn_run *r, int chain) {
  const rn_chain *ch = get_chain(r, chain);
  return ch && r->cfg.method == URN_RUN_SAMPLE ? &ch->res : NULL;
}

double urn_run_stepsize(const urn_run *r, int chain) {
  const rn_chain *ch = get_chain(r, chain);
  return ch ? ch->stepsize : NAN;
}

size_t urn_run_chain_init(const urn_run *r, int chain, double *out, size_t cap) {
  const rn_chain *ch = get_chain(r, chain);
  if (!ch || !ch->init) return 0;
  if (out) memcpy(out, ch->init, (r->dim < cap ? r->dim : cap) * sizeof *out);
  return r->dim;
}

size_t urn_run_inv_metric(const urn_run *r, int chain, double *out, size_t cap) {
  const rn_chain *ch = get_chain(r, chain);
  if (!ch) return 0;
  size_t n = ch->n_adapted < cap ? ch->n_adapted : cap;
  if (out && n) memcpy(out, ch->adapted, n * sizeof *out);
  return ch->n_adapted;
}

const urn_mode_report *urn_run_mode_report(const urn_run *r) { return r->has_mode ? &r->mode : NULL; }
double urn_run_mode_cpu_seconds(const urn_run *r) { return r->mode_cpu; }
int urn_run_iterations(const urn_run *r) { return r->iterations; }
const char *urn_run_stop_reason(const urn_run *r) { return r->reason ? r->reason : ""; }
long long urn_run_num_gradients(const urn_run *r) { return r->n_grad; }
long long urn_run_num_log_densities(const urn_run *r) { return r->n_lp; }
double urn_run_pareto_k(const urn_run *r) { return r->pareto_k; }

const char *urn_run_output_path(const urn_run *r, int chain) {
  const rn_chain *ch = get_chain(r, chain);
  return ch ? ch->csv_path : NULL;
}
