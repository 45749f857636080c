/* tutorial/tut_common.c — the helpers the tutorial steps share: output files,
 * figures, results, CmdStan JSON, and NUTS fits of Stan programs (through the
 * public model, run and diag APIs: the run layer writes the Stan CSVs). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/json.h"
#include "tutorial/tut_internal.h"
#include "urn/diag.h"
#include "urn/model.h"
#include "urn/run.h"
#include "urn/sample.h"

void tut_data_rng(const tut_ctx *ctx, urn_rng *r) { urn_rng_seed(r, ctx->opts->seed, (uint64_t)ctx->step->index); }

int tut_rng_categorical(urn_rng *r, const double *p, int n) {
  double u = urn_rng_uniform(r), acc = 0;
  for (int k = 0; k < n - 1; k++)
    if (u < (acc += p[k])) return k;
  return n - 1;
}

double tut_now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

uint64_t tut_seed(const tut_ctx *ctx, int salt) {
  return ctx->opts->seed * 1000003u + (uint64_t)ctx->step->index * 101u + (uint64_t)salt;
}

void tut_path(const tut_ctx *ctx, const char *file, char *out, size_t cap) {
  snprintf(out, cap, "%s/%s", ctx->opts->out_dir, file);
}

int tut_write_text(const tut_ctx *ctx, const char *file, const char *text, urn_error *err) {
  char path[4096];
  tut_path(ctx, file, path, sizeof path);
  return urn_write_file(path, text, strlen(text), err); /* complete, or not there at all */
}

int tut_figure(tut_ctx *ctx, urn_svg *svg, const char *file, const char *caption, urn_error *err) {
  char path[4096];
  tut_path(ctx, file, path, sizeof path);
  int rc = urn__plot_svg_write_file(svg, path, err);
  if (rc == URN_OK) {
    char cap[1024];
    snprintf(cap, sizeof cap, "%s (%s)", caption ? caption : "", file);
    urn__plot_report_figure(&ctx->report, svg, cap);
  }
  urn__plot_svg_free(svg);
  return rc;
}

void tut_param(tut_ctx *ctx, const char *name, double truth, double estimate, double lower, double upper,
               double tolerance) {
  urn_tutorial_step *s = ctx->step;
  if (s->n_params == s->cap_params) {
    s->cap_params = s->cap_params ? 2 * s->cap_params : 16;
    s->params = urn_xrealloc(s->params, s->cap_params * sizeof *s->params);
  }
  urn_tutorial_param *p = &s->params[s->n_params++];
  snprintf(p->name, sizeof p->name, "%s", name);
  p->truth = truth, p->estimate = estimate, p->lower = lower, p->upper = upper, p->tolerance = tolerance;
  p->within = fabs(estimate - truth) <= tolerance;
}

void tut_report_params(tut_ctx *ctx) {
  urn_tutorial_step *s = ctx->step;
  const char *hdr[6] = {"quantity", "true", "recovered", "94% HDI", "tolerance", "within"};
  char **cells = urn_xcalloc(s->n_params * 6, sizeof *cells);
  for (size_t i = 0; i < s->n_params; i++) {
    const urn_tutorial_param *p = &s->params[i];
    char buf[128];
    cells[i * 6] = urn_xstrdup(p->name);
    snprintf(buf, sizeof buf, "%.4g", p->truth);
    cells[i * 6 + 1] = urn_xstrdup(buf);
    snprintf(buf, sizeof buf, "%.4g", p->estimate);
    cells[i * 6 + 2] = urn_xstrdup(buf);
    if (isfinite(p->lower))
      snprintf(buf, sizeof buf, "[%.4g, %.4g]", p->lower, p->upper);
    else
      snprintf(buf, sizeof buf, "(point estimate)");
    cells[i * 6 + 3] = urn_xstrdup(buf);
    snprintf(buf, sizeof buf, "±%.3g", p->tolerance);
    cells[i * 6 + 4] = urn_xstrdup(buf);
    cells[i * 6 + 5] = urn_xstrdup(p->within ? "yes" : "NO");
  }
  urn__plot_report_heading(&ctx->report, "True vs recovered");
  urn__plot_report_table(&ctx->report, hdr, 6, (const char *const *)cells, s->n_params);
  for (size_t i = 0; i < s->n_params * 6; i++) free(cells[i]);
  free(cells);
}

/* ---- CmdStan JSON ---- */

static void json_key(urn_buf *b, const char *name) {
  if (b->len > 1) urn_buf_puts(b, ",\n");
  urn_buf_printf(b, "  \"%s\": ", name);
}

static void json_num(urn_buf *b, double v) {
  char s[40];
  urn_format_double(s, sizeof s, v);
  if (!isfinite(v)) urn_buf_printf(b, "\"%s\"", isnan(v) ? "NaN" : v > 0 ? "Inf" : "-Inf");
  else urn_buf_puts(b, s);
}

void tut_json_begin(urn_buf *b) {
  urn_buf_init(b);
  urn_buf_putc(b, '{');
}
void tut_json_int(urn_buf *b, const char *name, long v) {
  json_key(b, name);
  urn_buf_printf(b, "%ld", v);
}
void tut_json_real(urn_buf *b, const char *name, double v) {
  json_key(b, name);
  json_num(b, v);
}
void tut_json_vec(urn_buf *b, const char *name, const double *x, size_t n) {
  json_key(b, name);
  urn_buf_putc(b, '[');
  for (size_t i = 0; i < n; i++) {
    if (i) urn_buf_putc(b, ',');
    json_num(b, x[i]);
  }
  urn_buf_putc(b, ']');
}
void tut_json_mat(urn_buf *b, const char *name, const double *x, size_t rows, size_t cols) {
  json_key(b, name);
  urn_buf_putc(b, '[');
  for (size_t i = 0; i < rows; i++) {
    urn_buf_puts(b, i ? ",[" : "[");
    for (size_t j = 0; j < cols; j++) {
      if (j) urn_buf_putc(b, ',');
      json_num(b, x[i * cols + j]);
    }
    urn_buf_putc(b, ']');
  }
  urn_buf_putc(b, ']');
}
void tut_json_end(urn_buf *b) { urn_buf_puts(b, "\n}\n"); }

/* ---- NUTS ---- */

/* NUTS iteration counts for this run (quick mode shortens them); warmup as urn sample's default scheme (400). */
static void nuts_sizes(const tut_ctx *ctx, int *chains, int *warmup, int *samples) {
  *chains = ctx->opts->quick >= 2 ? 2 : 4;
  *samples = ctx->opts->quick >= 2 ? 100 : ctx->opts->quick ? 300 : 1000;
  *warmup = *samples < 400 ? *samples : 400;
}

/* Runs the chains through the run layer: DIR/name-C.csv per chain (9
 * significant digits), the post-warmup draws into fit. */
static int run_chains(tut_ctx *ctx, const urn_model *m, const char *name, const char *inits_json, tut_fit *fit,
                      urn_error *err) {
  int chains, warmup, samples;
  nuts_sizes(ctx, &chains, &warmup, &samples);
  urn_run_config cfg;
  urn_run_config_default(&cfg, URN_RUN_SAMPLE);
  cfg.num_chains = chains, cfg.num_threads = ctx->threads, cfg.num_warmup = warmup, cfg.num_samples = samples;
  cfg.seed = tut_seed(ctx, 11), cfg.sig_figs = 9, cfg.refresh = 0;
  /* urn sample's default: a low-rank metric adapted by the Fisher divergence, chains started from Pathfinder draws
     unless the step gives initial values (docs/sampling.md) */
  cfg.adapt_scheme = URN_ADAPT_LOWRANK, cfg.metric = URN_METRIC_DENSE;
  if (!inits_json) cfg.init_pathfinder = 2, cfg.tol_rel_grad = 10, cfg.num_paths = 8;
  char file[256], path[4096], ipath[4096];
  snprintf(file, sizeof file, "%s.data.json", name);
  tut_path(ctx, file, path, sizeof path);
  cfg.data_file = path;
  if (inits_json) {
    snprintf(file, sizeof file, "%s.inits.json", name);
    tut_path(ctx, file, ipath, sizeof ipath);
    cfg.init = ipath;
  }
  urn_run *r = urn_run_new(m, &cfg, err);
  if (!r) return err ? err->code : URN_EINPUT;
  int rc = inits_json ? urn_run_set_init_json(r, -1, inits_json, strlen(inits_json), ipath, err) : URN_OK;
  for (int c = 0; c < chains && rc == URN_OK; c++) {
    snprintf(file, sizeof file, "%s-%d.csv", name, c + 1);
    tut_path(ctx, file, path, sizeof path);
    rc = urn_run_output_csv(r, c, path, err);
  }
  if (rc == URN_OK) rc = urn_run_execute(r, err);
  if (rc == URN_OK) {
    fit->n_chains = (size_t)chains, fit->n_draws = (size_t)samples, fit->n_cols = urn_run_num_cols(r);
    fit->names = urn_xcalloc(fit->n_cols, sizeof *fit->names);
    for (size_t j = 0; j < fit->n_cols; j++) fit->names[j] = urn_xstrdup(urn_run_col_name(r, j));
    size_t n = fit->n_chains * fit->n_draws * fit->n_cols;
    fit->draws = urn_xcalloc(n ? n : 1, sizeof *fit->draws);
    if (urn_run_copy_draws(r, 0, fit->draws, n) != n && n)
      rc = urn_error_set(err, URN_EFATAL, "tutorial: %s: the chains returned unequal numbers of draws", name);
    for (int c = 0; c < chains; c++) {
      const urn_chain_result *res = urn_run_chain_result(r, c);
      fit->n_grad += res->n_gradients, fit->divergent += res->divergent;
    }
  }
  urn_run_free(r);
  return rc;
}

/* A number as written in the data preview. */
static void preview_number(urn_buf *b, const urn_json *v) {
  if (v->type == URN_JSON_NUMBER)
    urn_buf_printf(b, "%.5g", v->num);
  else
    urn_buf_puts(b, "?");
}

/* Arrays shortened to their first values and their size. */
static void preview_value(urn_buf *b, const urn_json *v, int depth) {
  if (v->type != URN_JSON_ARRAY) {
    preview_number(b, v);
    return;
  }
  int rows = v->len && v->items[0]->type == URN_JSON_ARRAY; /* a matrix: its first rows */
  size_t show = v->len < 6 ? v->len : depth ? 4 : 6;
  if (rows && show > 2) show = 2;
  urn_buf_putc(b, '[');
  for (size_t i = 0; i < show; i++) {
    if (i) urn_buf_puts(b, ", ");
    if (v->items[i]->type == URN_JSON_ARRAY && depth == 0)
      preview_value(b, v->items[i], 1);
    else if (v->items[i]->type == URN_JSON_ARRAY)
      urn_buf_puts(b, "[...]");
    else
      preview_number(b, v->items[i]);
  }
  if (show < v->len) urn_buf_printf(b, ", ... %zu more", v->len - show);
  urn_buf_putc(b, ']');
}

void tut_report_data(tut_ctx *ctx, const char *file, const char *json) {
  urn_json *j = urn_json_parse(json, strlen(json), file, NULL);
  if (!j || j->type != URN_JSON_OBJECT) {
    urn_json_free(j);
    return;
  }
  urn_buf b;
  urn_buf_init(&b);
  for (size_t i = 0; i < j->len; i++) {
    const urn_json *v = j->items[i];
    urn_buf_printf(&b, "%s", j->keys[i]);
    if (v->type == URN_JSON_ARRAY && v->len && v->items[0]->type == URN_JSON_ARRAY)
      urn_buf_printf(&b, " (%zu x %zu)", v->len, v->items[0]->len);
    else if (v->type == URN_JSON_ARRAY)
      urn_buf_printf(&b, " (%zu)", v->len);
    urn_buf_puts(&b, " = ");
    preview_value(&b, v, 0);
    urn_buf_putc(&b, '\n');
  }
  char caption[256];
  snprintf(caption, sizeof caption, "The generated data (%s; arrays shortened here)", file);
  urn__plot_report_code(&ctx->report, caption, b.data ? b.data : "");
  urn_buf_free(&b);
  urn_json_free(j);
}

static double report_fit(tut_ctx *ctx, const tut_fit *fit);

int tut_nuts(tut_ctx *ctx, const char *name, const char *stan_src, const char *data_json, const char *inits_json,
             tut_fit *fit, urn_error *err) {
  memset(fit, 0, sizeof *fit);
  char file[256], stan_path[4096], data_path[4096];
  snprintf(file, sizeof file, "%s.stan", name);
  int rc = tut_write_text(ctx, file, stan_src, err);
  if (rc) return rc;
  tut_path(ctx, file, stan_path, sizeof stan_path);
  snprintf(file, sizeof file, "%s.data.json", name);
  if ((rc = tut_write_text(ctx, file, data_json, err))) return rc;
  tut_report_data(ctx, file, data_json);
  tut_path(ctx, file, data_path, sizeof data_path);
  if (inits_json) {
    snprintf(file, sizeof file, "%s.inits.json", name);
    if ((rc = tut_write_text(ctx, file, inits_json, err))) return rc;
  }
  double t0 = tut_now_seconds();
  urn_model *m = urn_model_new(stan_path, stan_src, strlen(stan_src), data_path, data_json, strlen(data_json),
                               tut_seed(ctx, 7), err);
  if (!m) return err ? err->code : URN_EINPUT;
  urn_model_set_print(m, NULL);
  rc = run_chains(ctx, m, name, inits_json, fit, err);
  fit->wall = tut_now_seconds() - t0;
  if (rc == URN_OK) {
    /* Posterior means of every output, as a parameter JSON. */
    urn_buf b;
    tut_json_begin(&b);
    for (size_t j = 7; j < fit->n_cols; j++) {
      double sum = 0;
      size_t n = fit->n_chains * fit->n_draws;
      for (size_t i = 0; i < n; i++) sum += fit->draws[i * fit->n_cols + j];
      tut_json_real(&b, fit->names[j], sum / n);
    }
    tut_json_end(&b);
    snprintf(file, sizeof file, "%s.params.json", name);
    rc = tut_write_text(ctx, file, b.data, err);
    urn_buf_free(&b);
  }
  urn_model_free(m);
  if (rc)
    tut_fit_free(fit);
  else
    fit->max_rhat = report_fit(ctx, fit);
  return rc;
}

void tut_fit_free(tut_fit *fit) {
  for (size_t j = 0; fit->names && j < fit->n_cols; j++) free(fit->names[j]);
  free(fit->names);
  free(fit->draws);
  memset(fit, 0, sizeof *fit);
}

long tut_fit_col(const tut_fit *fit, const char *name) {
  for (size_t j = 0; j < fit->n_cols; j++)
    if (!strcmp(fit->names[j], name)) return (long)j;
  return -1;
}

double *tut_fit_column(const tut_fit *fit, long j) {
  size_t n = fit->n_chains * fit->n_draws;
  double *x = urn_xmalloc((n ? n : 1) * sizeof *x);
  for (size_t i = 0; i < n; i++) x[i] = fit->draws[i * fit->n_cols + (size_t)j];
  return x;
}

int tut_fit_estimate(const tut_fit *fit, const char *name, double *mean, double *lo, double *hi, double *sd,
                     urn_error *err) {
  long j = tut_fit_col(fit, name);
  if (j < 0) return urn_error_set(err, URN_EFATAL, "tutorial: the fit has no output '%s'", name);
  size_t n = fit->n_chains * fit->n_draws;
  double *x = tut_fit_column(fit, j);
  double s = 0, ss = 0;
  for (size_t i = 0; i < n; i++) s += x[i];
  double m = s / n;
  for (size_t i = 0; i < n; i++) ss += (x[i] - m) * (x[i] - m);
  if (mean) *mean = m;
  if (sd) *sd = n > 1 ? sqrt(ss / (n - 1)) : 0;
  double l = NAN, h = NAN;
  urn__plot_hdi(x, n, URN_PLOT_HDI_PROB, &l, &h);
  if (lo) *lo = l;
  if (hi) *hi = h;
  free(x);
  return URN_OK;
}

/* Adds a summary table (mean, sd, HDI, R-hat, bulk/tail ESS) of every
 * non-sampler column to the report, and returns the largest R-hat. */
static double report_fit(tut_ctx *ctx, const tut_fit *fit) {
  const char *hdr[8] = {"quantity", "mean", "sd", "HDI 3%", "HDI 97%", "R-hat", "ESS bulk", "ESS tail"};
  size_t nq = fit->n_cols - 7;
  char **cells = urn_xcalloc(nq * 8 + 1, sizeof *cells);
  urn_diag_ws *ws = urn_diag_ws_new();
  double worst = 0;
  for (size_t q = 0; q < nq; q++) {
    double *x = tut_fit_column(fit, (long)(7 + q));
    urn_diag_summary s;
    urn_error e;
    char buf[64];
    cells[q * 8] = urn_bracket_name(fit->names[7 + q]);
    if (urn_diag_summarize(x, fit->n_chains, fit->n_draws, URN_PLOT_HDI_PROB, NULL, 0, NULL, ws, &s, &e) == URN_OK) {
      double v[7] = {s.mean, s.sd, s.hdi_low, s.hdi_high, s.rhat, s.ess_bulk, s.ess_tail};
      for (int k = 0; k < 7; k++) {
        if (k >= 5)
          snprintf(buf, sizeof buf, "%.0f", v[k]);
        else
          snprintf(buf, sizeof buf, k == 4 ? "%.3f" : "%.4g", v[k]);
        cells[q * 8 + 1 + k] = urn_xstrdup(buf);
      }
      if (isfinite(s.rhat) && s.rhat > worst) worst = s.rhat;
    }
    free(x);
  }
  urn_diag_ws_free(ws);
  char line[256];
  snprintf(line, sizeof line,
           "%zu chains x %zu draws; %lld gradient evaluations; %d divergent transitions after warmup; %.2f s "
           "(model construction + warmup + sampling).",
           fit->n_chains, fit->n_draws, fit->n_grad, fit->divergent, fit->wall);
  urn__plot_report_heading(&ctx->report, "Posterior summary");
  urn__plot_report_text(&ctx->report, line);
  urn__plot_report_table(&ctx->report, hdr, 8, (const char *const *)cells, nq);
  for (size_t i = 0; i < nq * 8; i++) free(cells[i]);
  free(cells);
  return worst;
}

int tut_param_fit(tut_ctx *ctx, const tut_fit *fit, const char *col, const char *label, double truth, urn_error *err) {
  double mean, lo, hi, sd;
  int rc = tut_fit_estimate(fit, col, &mean, &lo, &hi, &sd, err);
  if (rc == URN_OK) tut_param(ctx, label ? label : col, truth, mean, lo, hi, 4 * sd);
  return rc;
}

int tut_vars_make(const tut_fit *fit, const char *const *cols, const char *const *labels, const double *truths,
                  size_t n, tut_vars *out, urn_error *err) {
  memset(out, 0, sizeof *out);
  out->v = urn_xcalloc(n, sizeof *out->v);
  out->cols = urn_xcalloc(n, sizeof *out->cols);
  out->n = n;
  long dcol = tut_fit_col(fit, "divergent__");
  size_t total = fit->n_chains * fit->n_draws;
  if (dcol >= 0) {
    out->div = urn_xmalloc(total * sizeof *out->div);
    for (size_t i = 0; i < total; i++) out->div[i] = fit->draws[i * fit->n_cols + (size_t)dcol] != 0;
  }
  for (size_t k = 0; k < n; k++) {
    long j = tut_fit_col(fit, cols[k]);
    if (j < 0) {
      tut_vars_free(out);
      return urn_error_set(err, URN_EFATAL, "tutorial: the fit has no output '%s'", cols[k]);
    }
    out->cols[k] = tut_fit_column(fit, j);
    int has = truths && isfinite(truths[k]);
    out->v[k] = (urn_plot_var){labels ? labels[k] : cols[k], out->cols[k], fit->n_chains, fit->n_draws, out->div,
                               has, has ? truths[k] : 0};
  }
  return URN_OK;
}

void tut_vars_free(tut_vars *v) {
  for (size_t k = 0; v->cols && k < v->n; k++) free(v->cols[k]);
  free(v->cols);
  free(v->v);
  free(v->div);
  memset(v, 0, sizeof *v);
}

/* ---- The course of a NUTS step ---- */

void tut_nuts_summary(tut_ctx *ctx, const tut_fit *fit) {
  snprintf(ctx->step->summary, sizeof ctx->step->summary, "max R-hat %.3f, %d divergences, NUTS %.2f s", fit->max_rhat,
           fit->divergent, fit->wall);
}

int tut_posterior_figures(tut_ctx *ctx, const tut_fit *fit, const tut_check *q, tut_vars *v, urn_error *err) {
  int rc = tut_vars_make(fit, q->cols, q->labels, q->truths, q->n, v, err);
  if (rc) return rc;
  urn_svg svg;
  char file[256];
  rc = urn__plot_posterior(&svg, v->v, q->n, q->panels_per_row, q->posterior_title, err);
  snprintf(file, sizeof file, "%s-posterior.svg", q->name);
  if (rc == URN_OK) rc = tut_figure(ctx, &svg, file, q->posterior_caption, err);
  if (rc == URN_OK) rc = urn__plot_trace(&svg, v->v, q->n, "Trace plot", err);
  snprintf(file, sizeof file, "%s-trace.svg", q->name);
  if (rc == URN_OK) rc = tut_figure(ctx, &svg, file, "Per-chain densities and traces", err);
  return rc;
}

int tut_nuts_check(tut_ctx *ctx, const tut_check *q, const char *stan_src, const char *data_json, tut_fit *fit,
                   tut_vars *v, urn_error *err) {
  memset(v, 0, sizeof *v);
  int rc = tut_nuts(ctx, q->name, stan_src, data_json, NULL, fit, err);
  if (rc) return rc;
  tut_nuts_summary(ctx, fit);
  for (size_t k = 0; k < q->n && rc == URN_OK; k++)
    rc = tut_param_fit(ctx, fit, q->cols[k], q->labels ? q->labels[k] : NULL, q->truths[k], err);
  if (rc == URN_OK) rc = tut_posterior_figures(ctx, fit, q, v, err);
  return rc;
}

/* The mean of x[0..n), summed as x[i] / n (the figures' posterior means). */
static double draws_mean(const double *x, size_t n) {
  double m = 0;
  for (size_t i = 0; i < n; i++) m += x[i] / n;
  return m;
}

int tut_predictive_figure(tut_ctx *ctx, const tut_vars *v, tut_density_fn density, urn_predictive_plot *pp,
                          size_t n_grid, size_t n_curves, const char *file, const char *caption, urn_error *err) {
  size_t total = v->n ? v->v[0].n_chains * v->v[0].n_draws : 0;
  double *grid = urn_xmalloc((n_grid * (n_curves + 2) + 2 * v->n + 1) * sizeof *grid);
  double *curves = grid + n_grid, *mean_curve = curves + n_curves * n_grid, *mean = mean_curve + n_grid;
  double *theta = mean + v->n;
  for (size_t k = 0; k < v->n; k++) mean[k] = draws_mean(v->cols[k], total);
  for (size_t g = 0; g < n_grid; g++) {
    grid[g] = pp->x_lo + (pp->x_hi - pp->x_lo) * g / (n_grid - 1);
    mean_curve[g] = density(mean, grid[g]);
  }
  for (size_t c = 0; c < n_curves; c++) {
    size_t i = c * total / n_curves;
    for (size_t k = 0; k < v->n; k++) theta[k] = v->cols[k][i];
    for (size_t g = 0; g < n_grid; g++) curves[c * n_grid + g] = density(theta, grid[g]);
  }
  pp->grid = grid, pp->n_grid = n_grid, pp->curves = curves, pp->n_curves = n_curves, pp->mean_curve = mean_curve;
  urn_svg svg;
  int rc = urn__plot_predictive(&svg, pp, err);
  if (rc == URN_OK) rc = tut_figure(ctx, &svg, file, caption, err);
  free(grid);
  return rc;
}

int tut_regression_figure(tut_ctx *ctx, double *const *slope, double *const *intercept, size_t total,
                          urn_regression_plot *rp, size_t n_lines, const char *file, const char *caption,
                          urn_error *err) {
  size_t nc = rp->n_comp;
  double *sl = urn_xmalloc((2 * n_lines * nc + 2 * nc) * sizeof *sl), *ic = sl + n_lines * nc;
  double *msl = ic + n_lines * nc, *mic = msl + nc;
  for (size_t d = 0; d < n_lines; d++)
    for (size_t k = 0; k < nc; k++) {
      size_t i = d * total / n_lines;
      sl[d * nc + k] = slope[k][i], ic[d * nc + k] = intercept[k][i];
    }
  for (size_t k = 0; k < nc; k++) msl[k] = draws_mean(slope[k], total), mic[k] = draws_mean(intercept[k], total);
  rp->slopes = sl, rp->intercepts = ic, rp->n_lines = n_lines, rp->mean_slope = msl, rp->mean_intercept = mic;
  urn_svg svg;
  int rc = urn__plot_regression(&svg, rp, err);
  if (rc == URN_OK) rc = tut_figure(ctx, &svg, file, caption, err);
  free(sl);
  return rc;
}
