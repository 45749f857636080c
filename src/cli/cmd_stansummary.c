/* cli/cmd_stansummary.c — `urn stansummary`: CmdStan 2.36's bin/stansummary
 * command line and output, for cmdstanpy's fit.summary() through a CmdStan
 * folder made by `urn cmdstan-home`.  Options as CmdStan's: -p/--percentiles
 * (also "--percentiles= 5,50,95", as cmdstanpy writes it), -s/--sig_figs,
 * -c/--csv_filename, -i/--include_param.  Rows: lp__, the other sampler
 * columns, then the model's quantities with containers in first-index-major
 * order and names in Stan's bracket form ("theta[1,2]"); columns Mean, MCSE,
 * StdDev, MAD, the percentiles, ESS_bulk, ESS_tail, R_hat (the larger of the
 * bulk and tail R-hat), computed as the posterior package does (urn/diag.h).
 * The CSV holds %g numbers with sig_figs digits (6 when not given). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "urn/diag.h"
#include "util/util.h"

#define MAX_PCT 64

typedef struct ss_opts {
  double pct[MAX_PCT];        /* percentiles in (0, 100) */
  char pct_text[MAX_PCT][32]; /* as given, for the column names */
  size_t n_pct;               /* their count */
  int sig_figs;               /* significant figures (2 on the console) */
  int sig_given;              /* --sig_figs was given (the CSV then uses it, else 6) */
  const char *csv;            /* --csv_filename or NULL */
  const char **include;       /* --include_param names (bracket form) */
  size_t n_include;           /* their count */
} ss_opts;

/* Parses "5,50,95" (commas or spaces); 0 when a value is not in (0, 100) or they do not increase. */
static int parse_percentiles(ss_opts *o, const char *spec) {
  o->n_pct = 0;
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", spec);
  for (char *tok = strtok(buf, ", "); tok; tok = strtok(NULL, ", ")) {
    char *end;
    double v = strtod(tok, &end);
    if (*end || !(v > 0 && v < 100) || o->n_pct == MAX_PCT || (o->n_pct && v <= o->pct[o->n_pct - 1])) return 0;
    snprintf(o->pct_text[o->n_pct], sizeof o->pct_text[0], "%s", tok);
    o->pct[o->n_pct++] = v;
  }
  return o->n_pct > 0;
}

/* Order of the rows: lp__, other sampler columns, then the model's columns with
 * each container's elements in first-index-major order (Stan CSV is column-major). */
static size_t row_order(const urn_draws *d, size_t *order) {
  size_t k = 0;
  for (size_t j = 0; j < d->n_cols; j++)
    if (!strcmp(d->names[j], "lp__")) order[k++] = j;
  for (size_t j = 0; j < d->n_cols; j++) {
    size_t len = strlen(d->names[j]);
    if (strcmp(d->names[j], "lp__") && len > 2 && !strcmp(d->names[j] + len - 2, "__")) order[k++] = j;
  }
  size_t first_model = k;
  for (size_t j = 0; j < d->n_cols; j++) {
    size_t len = strlen(d->names[j]);
    if (!(len > 2 && !strcmp(d->names[j] + len - 2, "__"))) order[k++] = j;
  }
  /* within each run of columns sharing a base name, sort by index tuple (first index slowest) */
  for (size_t a = first_model; a < k;) {
    const char *dot = strchr(d->names[order[a]], '.');
    size_t blen = dot ? (size_t)(dot - d->names[order[a]]) : strlen(d->names[order[a]]), b = a + 1;
    while (b < k && !strncmp(d->names[order[b]], d->names[order[a]], blen) &&
           (d->names[order[b]][blen] == '.' || d->names[order[b]][blen] == 0) && dot)
      b++;
    for (size_t i = a + 1; i < b; i++) /* insertion sort on the index tuples, compared left to right */
      for (size_t m = i; m > a; m--) {
        const char *x = d->names[order[m - 1]] + blen, *y = d->names[order[m]] + blen;
        int cmp = 0;
        while (*x == '.' && *y == '.' && !cmp) {
          long u = strtol(x + 1, (char **)&x, 10), v = strtol(y + 1, (char **)&y, 10);
          cmp = (u > v) - (u < v);
        }
        if (cmp <= 0) break;
        size_t t = order[m];
        order[m] = order[m - 1], order[m - 1] = t;
      }
    a = b;
  }
  return k;
}

/* Mean, MCSE, StdDev, MAD, percentiles, ESS_bulk, ESS_tail, R_hat of column j. */
static int column_stats(const urn_draws *d, size_t j, const ss_opts *o, double *vals, urn_diag_ws *ws) {
  size_t n = d->n_chains * d->n_draws;
  double *x = urn_xmalloc((n ? n : 1) * sizeof *x), probs[MAX_PCT], q[MAX_PCT];
  for (size_t c = 0; c < d->n_chains; c++)
    for (size_t i = 0; i < d->n_draws; i++) x[c * d->n_draws + i] = d->draws[c][i * d->n_cols + j];
  for (size_t k = 0; k < o->n_pct; k++) probs[k] = o->pct[k] / 100;
  urn_diag_summary s;
  urn_error err;
  int rc = urn_diag_summarize(x, d->n_chains, d->n_draws, 0.94, probs, o->n_pct, q, ws, &s, &err);
  free(x);
  if (rc != URN_OK) return rc;
  size_t k = 0;
  vals[k++] = s.mean, vals[k++] = s.mcse_mean, vals[k++] = s.sd, vals[k++] = s.mad;
  for (size_t p = 0; p < o->n_pct; p++) vals[k++] = q[p];
  vals[k++] = s.ess_bulk, vals[k++] = s.ess_tail, vals[k++] = s.rhat;
  return URN_OK;
}

static int included(const ss_opts *o, const char *name) {
  if (!o->n_include) return 1;
  for (size_t i = 0; i < o->n_include; i++)
    if (!strcmp(o->include[i], name)) return 1;
  return 0;
}

static void usage(FILE *out) {
  fprintf(out, "Usage: stansummary [OPTIONS] stan_csv_file(s)\n"
               "Report statistics for one or more Stan csv files from a HMC sampler run.\n"
               "Options:\n"
               "  -c, --csv_filename [file]   Write statistics to a csv file.\n"
               "  -h, --help                  Produce help message, then exit.\n"
               "  -p, --percentiles [values]  Percentiles to report (default 5,50,95).\n"
               "  -s, --sig_figs [n]          Significant figures reported (default 2; the csv: 6).\n"
               "  -i, --include_param [name]  Include the named parameter in the summary output.\n");
}

/* Writes the table (console: aligned; csv: quoted names, %g values). */
static void write_table(FILE *f, const urn_draws *d, const size_t *order, size_t n_rows, const double *stats,
                        const ss_opts *o, int csv) {
  size_t n_stat = 7 + o->n_pct;
  const char *fixed[4] = {"Mean", "MCSE", "StdDev", "MAD"}, *tail[3] = {"ESS_bulk", "ESS_tail", "R_hat"};
  int sig = csv ? (o->sig_given ? o->sig_figs : 6) : o->sig_figs;
  fprintf(f, csv ? "name" : "%-24s", csv ? "" : "");
  for (size_t k = 0; k < n_stat; k++) {
    char head[40];
    if (k < 4) snprintf(head, sizeof head, "%s", fixed[k]);
    else if (k < 4 + o->n_pct) snprintf(head, sizeof head, "%s%%", o->pct_text[k - 4]);
    else snprintf(head, sizeof head, "%s", tail[k - 4 - o->n_pct]);
    fprintf(f, csv ? ",%s" : "%11s", head);
  }
  fputc('\n', f);
  for (size_t r = 0; r < n_rows; r++) {
    char *name = urn_bracket_name(d->names[order[r]]);
    if (included(o, name) || !strcmp(name + (strlen(name) > 2 ? strlen(name) - 2 : 0), "__")) {
      if (csv) fprintf(f, "\"%s\"", name);
      else fprintf(f, "%-24s", name);
      for (size_t k = 0; k < n_stat; k++) fprintf(f, csv ? ",%.*g" : "%11.*g", sig, stats[r * n_stat + k]);
      fputc('\n', f);
    }
    free(name);
  }
}

static void write_notes(FILE *f, const char *prefix) {
  fprintf(f, "%sSamples were drawn using hmc with nuts (urn).\n"
             "%sFor each parameter, ESS_bulk and ESS_tail measure the effective sample size for the entire sample\n"
             "%s(bulk) and for the .05 and .95 tails (tail), and R_hat measures the potential scale reduction on split\n"
             "%schains. At convergence R_hat will be very close to 1.00.\n",
          prefix, prefix, prefix, prefix);
}

/* Parses the options; returns the index of the first file or -1 (message printed). */
static int parse_args(int argc, char **argv, ss_opts *o) {
  int i = 1;
  for (; i < argc; i++) {
    const char *a = argv[i], *val = NULL;
    static const char *const opts[4][2] = {{"-p", "--percentiles"}, {"-s", "--sig_figs"}, {"-c", "--csv_filename"},
                                           {"-i", "--include_param"}};
    int which = -1;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) return usage(stdout), -2;
    for (int k = 0; k < 4 && which < 0; k++) {
      size_t ln = strlen(opts[k][1]);
      if (!strcmp(a, opts[k][0]) || !strcmp(a, opts[k][1])) which = k, val = i + 1 < argc ? argv[++i] : NULL;
      else if (!strncmp(a, opts[k][1], ln) && a[ln] == '=') which = k, val = a + ln + 1;
    }
    if (which < 0 && a[0] == '-') return fprintf(stderr, "The following argument was not expected: %s\n", a), -1;
    if (which < 0) break;
    if (!val) return fprintf(stderr, "%s requires a value\n", a), -1;
    while (*val == ' ') val++;
    if (which == 0 && !parse_percentiles(o, val))
      return fprintf(stdout, "Option --percentiles %s: values must be increasing numbers in (0, 100)\n", val), -1;
    if (which == 1) {
      char *end;
      long v = strtol(val, &end, 10);
      if (*end || v < 1 || v > 18) return fprintf(stderr, "--sig_figs: %s not in [1 - 18]\n", val), -1;
      o->sig_figs = (int)v, o->sig_given = 1;
    }
    if (which == 2) o->csv = val;
    if (which == 3) o->include = urn_xrealloc(o->include, (o->n_include + 1) * sizeof *o->include),
                    o->include[o->n_include++] = val;
  }
  if (i >= argc) return usage(stdout), -1;
  return i;
}

int cmd_stansummary(int argc, char **argv) {
  ss_opts o;
  memset(&o, 0, sizeof o);
  o.sig_figs = 2;
  parse_percentiles(&o, "5,50,95");
  int first = parse_args(argc, argv, &o);
  if (first < 0) {
    free(o.include);
    return first == -2 ? 0 : 1;
  }
  size_t n_files = (size_t)(argc - first);
  urn_stancsv *csv = urn_xcalloc(n_files, sizeof *csv);
  urn_error err;
  int rc = URN_OK;
  size_t n_read = 0;
  for (; n_read < n_files && rc == URN_OK; n_read++) rc = urn_stancsv_read(argv[first + (int)n_read], &csv[n_read], &err);
  urn_draws d;
  memset(&d, 0, sizeof d);
  if (rc == URN_OK) rc = urn_stancsv_as_draws(csv, n_files, &d, &err);
  if (rc != URN_OK) {
    printf("Error during processing. %s\n", err.msg);
  } else {
    size_t *order = urn_xcalloc(d.n_cols + 1, sizeof *order), n_rows = row_order(&d, order), n_stat = 7 + o.n_pct;
    double *stats = urn_xcalloc(n_rows * n_stat + 1, sizeof *stats);
    urn_diag_ws *ws = urn_diag_ws_new();
    for (size_t r = 0; r < n_rows && rc == URN_OK; r++) rc = column_stats(&d, order[r], &o, stats + r * n_stat, ws);
    urn_diag_ws_free(ws);
    printf("Inference for Stan model: %s\n%zu chains: each with %zu post-warmup draws.\n\n", csv[0].path,
           d.n_chains, d.n_draws);
    write_table(stdout, &d, order, n_rows, stats, &o, 0);
    printf("\n");
    write_notes(stdout, "");
    if (o.csv) {
      FILE *f = fopen(o.csv, "w");
      if (!f) {
        printf("Cannot save to csv_filename: %s.\n", o.csv);
        rc = URN_EIO;
      } else {
        write_table(f, &d, order, n_rows, stats, &o, 1);
        write_notes(f, "# ");
        if (fclose(f) != 0) printf("Cannot save to csv_filename: %s: %s.\n", o.csv, strerror(errno)), rc = URN_EIO;
      }
    }
    free(order), free(stats);
    urn_draws_free_views(&d);
  }
  for (size_t i = 0; i < n_read; i++) urn_stancsv_free(&csv[i]);
  free(csv), free(o.include);
  return rc == URN_OK ? 0 : 1;
}
