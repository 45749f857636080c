/* diag/print.c — urn_summary_print: the summary of a set of chains as an aligned
 * table (quantities, then the sampler's "__" columns, then the sampler
 * diagnostics with hints, in the spirit of CmdStan's stansummary and diagnose),
 * or as CSV / JSON with full precision for scripts. */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag/diag_internal.h"
#include "util/util.h"

void urn_summary_options_init(urn_summary_options *opt) {
  memset(opt, 0, sizeof *opt);
  opt->format = URN_SUMMARY_TABLE;
  opt->hdi_prob = 0.94;
  opt->sig_figs = 3;
  opt->diagnostics = 1;
}

/* One summarized quantity. */
typedef struct row {
  size_t col;           /* column index in the draws */
  int sampler;          /* name ends in "__" */
  int nonfinite;        /* some draw is NaN or +-Inf */
  urn_diag_summary s;   /* the numbers */
  double *q;            /* the requested percentiles' quantiles */
} row;

static int ends_with_dunder(const char *s) {
  size_t n = strlen(s);
  return n >= 2 && s[n - 1] == '_' && s[n - 2] == '_';
}

/* Does column name `name` belong to variable `var` ("mu" -> "mu", "mu.1", "mu[2]")? */
static int matches_var(const char *name, const char *var) {
  size_t n = strlen(var);
  if (strncmp(name, var, n)) return 0;
  return name[n] == 0 || name[n] == '.' || name[n] == '[' || name[n] == ':';
}

/* Formats x with sig significant figures, without exponents for moderate sizes. */
static void fmt_sig(char *out, size_t cap, double x, int sig) {
  if (isnan(x)) {
    snprintf(out, cap, "NA");
    return;
  }
  if (isinf(x)) {
    snprintf(out, cap, x > 0 ? "Inf" : "-Inf");
    return;
  }
  if (x == 0) {
    snprintf(out, cap, "0");
    return;
  }
  char tmp[64];
  snprintf(tmp, sizeof tmp, "%.*e", sig - 1, x); /* round to sig digits first */
  double r = strtod(tmp, NULL);
  int e = (int)floor(log10(fabs(r)));
  if (e < -4 || e >= 7) {
    snprintf(out, cap, "%.*e", sig - 1, r);
    return;
  }
  int dec = sig - 1 - e;
  snprintf(out, cap, "%.*f", dec < 0 ? 0 : dec, r);
}

/* Full precision for CSV: %.17g, NA, Inf, -Inf. */
static void fmt_full(FILE *out, double x) {
  if (isnan(x)) fputs("NA", out);
  else if (isinf(x)) fputs(x > 0 ? "Inf" : "-Inf", out);
  else fprintf(out, "%.17g", x);
}

/* Full precision for JSON: null for NaN, "Inf"/"-Inf" strings. */
static void fmt_json(FILE *out, double x) {
  if (isnan(x)) fputs("null", out);
  else if (isinf(x)) fputs(x > 0 ? "\"Inf\"" : "\"-Inf\"", out);
  else fprintf(out, "%.17g", x);
}

static void json_string(FILE *out, const char *s) {
  fputc('"', out);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') fprintf(out, "\\%c", c);
    else if (c < 0x20) fprintf(out, "\\u%04x", c);
    else fputc(c, out);
  }
  fputc('"', out);
}

/* The fixed machine-readable fields, in the documented CSV order. */
static const char *const csv_fields[] = {"mean",      "mcse_mean", "sd",       "mcse_sd",  "q5",       "q50",
                                         "q95",       "median",    "mad",      "mcse_q5",  "mcse_q95", "ess_bulk",
                                         "ess_tail",  "ess_basic", "rhat",     "rhat_basic", "hdi_low", "hdi_high"};
static void csv_values(const urn_diag_summary *s, double *v) {
  double vals[] = {s->mean,     s->mcse_mean, s->sd,       s->mcse_sd,   s->q5,      s->q50,
                   s->q95,      s->median,    s->mad,      s->mcse_q5,   s->mcse_q95, s->ess_bulk,
                   s->ess_tail, s->ess_basic, s->rhat,     s->rhat_basic, s->hdi_low, s->hdi_high};
  memcpy(v, vals, sizeof vals);
}
enum { N_CSV_FIELDS = sizeof csv_fields / sizeof *csv_fields };

/* Extra percentiles (beyond 5, 50, 95) appended to CSV/JSON as "qP". */
static int is_default_pct(double p) { return p == 5 || p == 50 || p == 95; }

/* ------------------------------------------------------------- the table */

static void print_table(FILE *out, const urn_draws *d, row *rows, size_t n_rows, const urn_summary_options *opt,
                        const double *pcts, size_t n_pcts, int explicit_pcts) {
  if (n_rows == 0) return;
  int sig = opt->sig_figs;
  /* which quantile columns: percentiles, or HDI bounds (plus explicit percentiles) */
  int show_pcts = !opt->use_hdi || explicit_pcts;
  size_t n_cols = 3 + (show_pcts ? n_pcts : 0) + (opt->use_hdi ? 2 : 0) + 3;
  char **hdr = urn_xcalloc(n_cols, sizeof *hdr);
  size_t c = 0;
  hdr[c++] = urn_xstrdup("Mean");
  hdr[c++] = urn_xstrdup("MCSE");
  hdr[c++] = urn_xstrdup("StdDev");
  if (show_pcts)
    for (size_t i = 0; i < n_pcts; i++) {
      char b[48];
      snprintf(b, sizeof b, "%g%%", pcts[i]);
      hdr[c++] = urn_xstrdup(b);
    }
  if (opt->use_hdi) {
    char b[48];
    double tail = (1 - opt->hdi_prob) / 2 * 100;
    snprintf(b, sizeof b, "hdi_%g%%", tail);
    hdr[c++] = urn_xstrdup(b);
    snprintf(b, sizeof b, "hdi_%g%%", 100 - tail);
    hdr[c++] = urn_xstrdup(b);
  }
  hdr[c++] = urn_xstrdup("ESS_bulk");
  hdr[c++] = urn_xstrdup("ESS_tail");
  hdr[c++] = urn_xstrdup("R_hat");
  char **cells = urn_xcalloc(n_rows * n_cols, sizeof *cells);
  size_t *width = urn_xcalloc(n_cols, sizeof *width);
  size_t name_w = 4;
  int rhat_dec = sig < 2 ? 2 : sig;
  for (size_t r = 0; r < n_rows; r++) {
    const urn_diag_summary *s = &rows[r].s;
    size_t nl = strlen(d->names[rows[r].col]);
    if (nl > name_w) name_w = nl;
    char b[64];
    c = 0;
#define CELL() (cells[r * n_cols + c] = urn_xstrdup(b), c++)
    fmt_sig(b, sizeof b, s->mean, sig), CELL();
    fmt_sig(b, sizeof b, s->mcse_mean, sig), CELL();
    fmt_sig(b, sizeof b, s->sd, sig), CELL();
    if (show_pcts)
      for (size_t i = 0; i < n_pcts; i++) fmt_sig(b, sizeof b, rows[r].q[i], sig), CELL();
    if (opt->use_hdi) {
      fmt_sig(b, sizeof b, s->hdi_low, sig), CELL();
      fmt_sig(b, sizeof b, s->hdi_high, sig), CELL();
    }
    if (isnan(s->ess_bulk)) snprintf(b, sizeof b, "NA");
    else snprintf(b, sizeof b, "%.0f", s->ess_bulk);
    CELL();
    if (isnan(s->ess_tail)) snprintf(b, sizeof b, "NA");
    else snprintf(b, sizeof b, "%.0f", s->ess_tail);
    CELL();
    if (isnan(s->rhat)) snprintf(b, sizeof b, "NA");
    else if (isinf(s->rhat)) snprintf(b, sizeof b, "Inf");
    else snprintf(b, sizeof b, "%.*f", rhat_dec, s->rhat);
    CELL();
#undef CELL
  }
  for (c = 0; c < n_cols; c++) {
    width[c] = strlen(hdr[c]);
    for (size_t r = 0; r < n_rows; r++) {
      size_t l = strlen(cells[r * n_cols + c]);
      if (l > width[c]) width[c] = l;
    }
  }
  fprintf(out, "%-*s", (int)name_w, "");
  for (c = 0; c < n_cols; c++) fprintf(out, "  %*s", (int)width[c], hdr[c]);
  fputc('\n', out);
  for (size_t r = 0; r < n_rows; r++) {
    fprintf(out, "%-*s", (int)name_w, d->names[rows[r].col]);
    for (c = 0; c < n_cols; c++) fprintf(out, "  %*s", (int)width[c], cells[r * n_cols + c]);
    fputc('\n', out);
  }
  for (size_t i = 0; i < n_rows * n_cols; i++) free(cells[i]);
  for (c = 0; c < n_cols; c++) free(hdr[c]);
  free(cells), free(hdr), free(width);
}

/* Index of the column named name, or -1. */
static long find_col(const urn_draws *d, const char *name) {
  for (size_t j = 0; j < d->n_cols; j++)
    if (!strcmp(d->names[j], name)) return (long)j;
  return -1;
}

/* Prints a list of names (at most 10, then "and N more"). */
static void print_names(FILE *out, const urn_draws *d, row *rows, const size_t *which, size_t n) {
  for (size_t i = 0; i < n && i < 10; i++) fprintf(out, "%s%s", i ? ", " : "", d->names[rows[which[i]].col]);
  if (n > 10) fprintf(out, " and %zu more", n - 10);
}

static void print_diagnostics(FILE *out, const urn_draws *d, row *rows, size_t n_rows) {
  const size_t M = d->n_chains, N = d->n_draws, total = M * N;
  int problems = 0;
  fprintf(out, "\nDiagnostics:\n");
  long div = find_col(d, "divergent__"), depth = find_col(d, "treedepth__"), energy = find_col(d, "energy__");
  if (div < 0 && depth < 0 && energy < 0)
    fprintf(out, "  (no sampler columns: divergences, tree depth and E-BFMI not checked)\n");
  if (div >= 0) {
    size_t n_div = 0;
    for (size_t c = 0; c < M; c++)
      for (size_t i = 0; i < N; i++) n_div += d->draws[c][i * d->n_cols + (size_t)div] > 0.5;
    if (n_div) {
      problems++;
      fprintf(out, "  %zu of %zu transitions (%.1f%%) ended with a divergence.\n", n_div, total,
              100.0 * (double)n_div / (double)total);
      fprintf(out, "    Hint: the sampler could not follow the posterior's curvature, so estimates may be biased;\n"
                   "    increase --adapt-delta (e.g. 0.95) or reparameterize (e.g. non-centered).\n");
    }
  }
  if (depth >= 0) {
    size_t n_hit = 0;
    int md = 10;
    for (size_t c = 0; c < M; c++) {
      int mdc = d->max_depth && d->max_depth[c] > 0 ? d->max_depth[c] : 10;
      md = mdc;
      for (size_t i = 0; i < N; i++) n_hit += d->draws[c][i * d->n_cols + (size_t)depth] >= (double)mdc;
    }
    if (n_hit) {
      problems++;
      fprintf(out, "  %zu of %zu transitions (%.1f%%) hit the maximum tree depth (%d).\n", n_hit, total,
              100.0 * (double)n_hit / (double)total, md);
      fprintf(out, "    Hint: trajectories were cut short (an efficiency concern, not bias);\n"
                   "    increase --max-depth or reparameterize to improve the posterior's geometry.\n");
    }
  }
  if (energy >= 0 && N >= 2) {
    int header = 0;
    double *e = urn_xmalloc(N * sizeof *e);
    for (size_t c = 0; c < M; c++) {
      for (size_t i = 0; i < N; i++) e[i] = d->draws[c][i * d->n_cols + (size_t)energy];
      double num = 0;
      for (size_t i = 1; i < N; i++) num += (e[i] - e[i - 1]) * (e[i] - e[i - 1]);
      num /= (double)N;
      double den = urn__diag_var(e, N);
      double bfmi = num / den;
      if (den > 0 && bfmi < 0.3) {
        if (!header) problems++, header = 1;
        fprintf(out, "  Chain %zu", c + 1);
        if (d->chain_labels) fprintf(out, " (%s)", d->chain_labels[c]);
        fprintf(out, ": E-BFMI = %.3f, below 0.3.\n", bfmi);
      }
    }
    if (header)
      fprintf(out, "    Hint: momentum resampling explores the energy distribution poorly (heavy tails or\n"
                   "    a funnel); reparameterize.\n");
    free(e);
  }
  size_t *which = urn_xmalloc((n_rows ? n_rows : 1) * sizeof *which), n = 0;
  for (size_t r = 0; r < n_rows; r++)
    if (!rows[r].sampler && rows[r].nonfinite) which[n++] = r;
  if (n) {
    problems++;
    fprintf(out, "  NaN or infinite draws in: ");
    print_names(out, d, rows, which, n);
    fprintf(out, ".\n    Hint: their R-hat and ESS are undefined (NA); check the model for overflow.\n");
  }
  n = 0;
  for (size_t r = 0; r < n_rows; r++)
    if (!rows[r].sampler && rows[r].s.rhat > 1.01) which[n++] = r;
  if (n) {
    problems++;
    fprintf(out, "  R-hat above 1.01 for: ");
    print_names(out, d, rows, which, n);
    fprintf(out, ".\n    Hint: the chains disagree; run longer chains, and check for multiple modes or\n"
                 "    parameters the data do not identify.\n");
  }
  n = 0;
  double bound = 100.0 * (double)M;
  for (size_t r = 0; r < n_rows; r++)
    if (!rows[r].sampler && (rows[r].s.ess_bulk < bound || rows[r].s.ess_tail < bound)) which[n++] = r;
  if (n) {
    problems++;
    fprintf(out, "  Bulk or tail ESS below 100 per chain (%.0f) for: ", bound);
    print_names(out, d, rows, which, n);
    fprintf(out, ".\n    Hint: too few effective draws for reliable estimates and R-hat; run more draws\n"
                 "    (--draws) or reparameterize.\n");
  }
  free(which);
  if (!problems) fprintf(out, "  No problems detected.\n");
}

/* A share of the quantities to summarize: rows first, first + step, ... */
typedef struct work {
  const urn_draws *d;             /* the draws */
  const urn_summary_options *opt; /* options (HDI probability) */
  row *rows;                      /* all rows; this worker fills its share */
  size_t n_rows;                  /* number of rows */
  const double *probs;            /* percentiles as probabilities */
  size_t n_probs;                 /* number of them */
  size_t first, step;             /* this worker's rows */
  int rc;                         /* status of this worker */
  urn_error err;                  /* its error, if any */
} work;

static void *summarize_rows(void *arg) {
  work *w = arg;
  const urn_draws *d = w->d;
  const size_t M = d->n_chains, N = d->n_draws;
  double *x = urn_xmalloc(M * N * sizeof *x);
  urn_diag_ws *ws = urn_diag_ws_new();
  for (size_t r = w->first; r < w->n_rows && w->rc == URN_OK; r += w->step) {
    size_t j = w->rows[r].col;
    for (size_t c = 0; c < M; c++) {
      const double *src = d->draws[c] + j;
      double *dst = x + c * N;
      for (size_t i = 0; i < N; i++) dst[i] = src[i * d->n_cols];
    }
    for (size_t k = 0; k < M * N; k++) w->rows[r].nonfinite |= !isfinite(x[k]);
    w->rc = urn_diag_summarize(x, M, N, w->opt->hdi_prob, w->probs, w->n_probs, w->rows[r].q, ws,
                               &w->rows[r].s, &w->err);
  }
  urn_diag_ws_free(ws);
  free(x);
  return NULL;
}

/* ------------------------------------------------------------ the driver */

int urn_summary_print(FILE *out, const urn_draws *d, const urn_summary_options *opt_in, urn_error *err) {
  urn_summary_options defaults;
  urn_summary_options_init(&defaults);
  const urn_summary_options *opt = opt_in ? opt_in : &defaults;
  if (!d || d->n_chains == 0 || d->n_draws == 0 || d->n_cols == 0)
    return urn_error_set(err, URN_EINPUT, "summary: no draws to summarize");
  if (!(opt->hdi_prob > 0 && opt->hdi_prob < 1))
    return urn_error_set(err, URN_EINPUT, "summary: HDI probability %g is not in (0, 1)", opt->hdi_prob);
  if (opt->sig_figs < 1 || opt->sig_figs > 17)
    return urn_error_set(err, URN_EINPUT, "summary: significant figures %d not in 1..17", opt->sig_figs);
  static const double default_pcts[3] = {5, 50, 95};
  const double *pcts = opt->percentiles ? opt->percentiles : default_pcts;
  size_t n_pcts = opt->percentiles ? opt->n_percentiles : 3;
  for (size_t i = 0; i < n_pcts; i++)
    if (!(pcts[i] >= 0 && pcts[i] <= 100))
      return urn_error_set(err, URN_EINPUT, "summary: percentile %g is not in [0, 100]", pcts[i]);

  /* which columns */
  size_t *sel = urn_xmalloc(d->n_cols * sizeof *sel), n_sel = 0;
  char *taken = urn_xcalloc(d->n_cols, 1);
  if (opt->vars && opt->n_vars) {
    for (size_t v = 0; v < opt->n_vars; v++) {
      size_t found = 0;
      for (size_t j = 0; j < d->n_cols; j++)
        if (matches_var(d->names[j], opt->vars[v])) {
          found++;
          if (!taken[j]) taken[j] = 1, sel[n_sel++] = j;
        }
      if (!found) {
        int rc = urn_error_set(err, URN_EINPUT, "summary: no quantity named '%s' in the draws", opt->vars[v]);
        free(sel), free(taken);
        return rc;
      }
    }
  } else {
    for (size_t j = 0; j < d->n_cols; j++)
      if (opt->format == URN_SUMMARY_TABLE || !ends_with_dunder(d->names[j])) sel[n_sel++] = j;
  }

  /* the numbers, on up to four threads when there is enough work */
  const size_t M = d->n_chains, N = d->n_draws;
  double *probs = urn_xmalloc((n_pcts ? n_pcts : 1) * sizeof *probs);
  for (size_t i = 0; i < n_pcts; i++) probs[i] = pcts[i] / 100.0;
  row *rows = urn_xcalloc(n_sel ? n_sel : 1, sizeof *rows);
  for (size_t r = 0; r < n_sel; r++) {
    rows[r].col = sel[r];
    rows[r].sampler = ends_with_dunder(d->names[sel[r]]);
    rows[r].q = urn_xmalloc((n_pcts ? n_pcts : 1) * sizeof(double));
  }
  work w = {d, opt, rows, n_sel, probs, n_pcts, 0, 1, URN_OK, {0, ""}};
  size_t total, n_threads = 1;
  if (urn_mul_overflow(M, N, &total) || urn_mul_overflow(total, n_sel, &total)) total = SIZE_MAX;
  if (total >= 400000) {
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    n_threads = cpus < 1 ? 1 : cpus > 4 ? 4 : (size_t)cpus;
    if (n_threads > n_sel) n_threads = n_sel;
  }
  int rc = URN_OK;
  if (n_threads > 1) {
    pthread_t tid[4];
    work part[4];
    size_t started = 0;
    for (size_t t = 0; t < n_threads; t++) {
      part[t] = w;
      part[t].first = t, part[t].step = n_threads;
    }
    for (size_t t = 0; t < n_threads; t++) {
      if (pthread_create(&tid[t], NULL, summarize_rows, &part[t]) != 0) break;
      started++;
    }
    for (size_t t = started; t < n_threads; t++) summarize_rows(&part[t]); /* could not start: do it here */
    for (size_t t = 0; t < started; t++) pthread_join(tid[t], NULL);
    for (size_t t = 0; t < n_threads && rc == URN_OK; t++)
      if (part[t].rc != URN_OK) {
        rc = part[t].rc;
        if (err) *err = part[t].err;
      }
  } else {
    summarize_rows(&w);
    rc = w.rc;
    if (rc != URN_OK && err) *err = w.err;
  }

  if (rc == URN_OK && opt->format == URN_SUMMARY_TABLE) {
    fprintf(out, "%zu chain%s x %zu draws (%zu in total)\n\n", M, M == 1 ? "" : "s", N, M * N);
    /* quantities first, then the sampler's "__" columns as their own table */
    row *main_rows = urn_xmalloc((n_sel ? n_sel : 1) * sizeof *main_rows);
    row *samp_rows = urn_xmalloc((n_sel ? n_sel : 1) * sizeof *samp_rows);
    size_t n_main = 0, n_samp = 0;
    for (size_t r = 0; r < n_sel; r++) {
      if (rows[r].sampler) samp_rows[n_samp++] = rows[r];
      else main_rows[n_main++] = rows[r];
    }
    print_table(out, d, main_rows, n_main, opt, pcts, n_pcts, opt->percentiles != NULL);
    if (n_samp) {
      fprintf(out, "%sSampler:\n", n_main ? "\n" : "");
      print_table(out, d, samp_rows, n_samp, opt, pcts, n_pcts, opt->percentiles != NULL);
    }
    if (opt->diagnostics) print_diagnostics(out, d, main_rows, n_main);
    free(main_rows), free(samp_rows);
  } else if (rc == URN_OK && opt->format == URN_SUMMARY_CSV) {
    fputs("name", out);
    for (size_t k = 0; k < N_CSV_FIELDS; k++) fprintf(out, ",%s", csv_fields[k]);
    for (size_t i = 0; i < n_pcts; i++)
      if (!is_default_pct(pcts[i])) fprintf(out, ",q%g", pcts[i]);
    fputc('\n', out);
    for (size_t r = 0; r < n_sel; r++) {
      double v[N_CSV_FIELDS];
      csv_values(&rows[r].s, v);
      fputs(d->names[rows[r].col], out);
      for (size_t k = 0; k < N_CSV_FIELDS; k++) fputc(',', out), fmt_full(out, v[k]);
      for (size_t i = 0; i < n_pcts; i++)
        if (!is_default_pct(pcts[i])) fputc(',', out), fmt_full(out, rows[r].q[i]);
      fputc('\n', out);
    }
  } else if (rc == URN_OK) {
    fputs("[", out);
    for (size_t r = 0; r < n_sel; r++) {
      double v[N_CSV_FIELDS];
      csv_values(&rows[r].s, v);
      fprintf(out, "%s\n  {\"name\": ", r ? "," : "");
      json_string(out, d->names[rows[r].col]);
      for (size_t k = 0; k < N_CSV_FIELDS; k++) fprintf(out, ", \"%s\": ", csv_fields[k]), fmt_json(out, v[k]);
      for (size_t i = 0; i < n_pcts; i++)
        if (!is_default_pct(pcts[i])) fprintf(out, ", \"q%g\": ", pcts[i]), fmt_json(out, rows[r].q[i]);
      fputc('}', out);
    }
    fputs(n_sel ? "\n]\n" : "]\n", out);
  }
  for (size_t r = 0; r < n_sel; r++) free(rows[r].q);
  free(rows), free(probs), free(sel), free(taken);
  return rc;
}
