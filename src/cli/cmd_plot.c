/* cli/cmd_plot.c — `urn plot posterior|trace|rank FILES... -o out.svg`: SVG
 * plots of the draws in Stan CSV files (one file per chain), read with the
 * diagnostics module's Stan CSV reader. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "plot/plots.h"
#include "urn/diag.h"
#include "util/util.h"

#define MAX_DEFAULT_VARS 40 /* without --vars, plot at most this many quantities */

static void usage(FILE *out) {
  fprintf(out,
          "usage: urn plot <posterior|trace|rank> FILES... [-o out.svg] [--vars a,b,...] [--ref name=value]...\n"
          "                [--title TEXT] [--cols N]\n\n"
          "SVG plots of the draws in Stan CSV files (one file per chain):\n"
          "  posterior  density of each quantity with its 94%% HDI and mean (like ArviZ's plot_posterior)\n"
          "  trace      per-chain densities and traces, divergent transitions marked\n"
          "  rank       per-chain rank histograms (flat when the chains agree)\n\n"
          "options:\n"
          "  -o, --output FILE  where to write the SVG (default KIND.svg)\n"
          "  --vars LIST        quantities to plot, comma-separated; 'theta' selects theta.1, theta.2, ...;\n"
          "                     'theta[2]' is theta.2 (default: every column not ending in __, at most %d)\n"
          "  --ref NAME=VALUE   mark a reference value (e.g. the true value) on NAME's posterior (repeatable)\n"
          "  --title TEXT       a title over the figure\n"
          "  --cols N           panels per row (posterior, rank; default 3)\n",
          MAX_DEFAULT_VARS);
}

/* "w[2,3]" -> "w.2.3" (Stan CSV column style); other names unchanged. */
static void csv_style(const char *name, char *out, size_t cap) {
  size_t j = 0;
  for (const char *p = name; *p && j + 1 < cap; p++) {
    if (*p == '[' || *p == ',')
      out[j++] = '.';
    else if (*p == ']' || *p == ' ')
      continue;
    else
      out[j++] = *p;
  }
  out[j] = 0;
}

/* Does column `col` match the selector (exactly, or as an element "sel.*")? */
static int matches(const char *col, const char *sel) {
  size_t n = strlen(sel);
  return !strncmp(col, sel, n) && (col[n] == 0 || col[n] == '.');
}

static int is_sampler_column(const char *name) {
  size_t n = strlen(name);
  return n >= 2 && !strcmp(name + n - 2, "__");
}

/* A reference value marked on one quantity's posterior (--ref NAME=VALUE). */
typedef struct {
  char name[256]; /* CSV-style column name */
  double value;   /* reference value */
} plot_ref;

/* The command line of `urn plot`. */
typedef struct {
  const char *kind;     /* posterior, trace or rank */
  const char *output;   /* the SVG written */
  const char *title;    /* --title, or NULL */
  long cols;            /* --cols, 0 for the default */
  const char **files;   /* the Stan CSV files, one per chain */
  size_t n_files;       /* number of files */
  char **selectors;     /* --vars, CSV style ("theta", "w.2.3") */
  size_t n_sel;         /* number of selectors */
  size_t max_sel;       /* room in selectors */
  plot_ref *refs;       /* --ref values */
  size_t n_refs;        /* number of refs */
  char default_out[64]; /* KIND.svg when no --output */
} plot_opts;

/* --vars LIST: comma-separated, but commas inside brackets belong to the name. */
static void parse_vars(cli_args *a, const char *value, plot_opts *o) {
  const char *p = value;
  while (*p) {
    const char *q = p;
    int depth = 0;
    while (*q && (depth > 0 || *q != ',')) depth += (*q == '[') - (*q == ']'), q++;
    if (q > p) {
      char *raw = urn_xstrndup(p, (size_t)(q - p));
      o->selectors[o->n_sel] = urn_xmalloc(strlen(raw) + 1);
      csv_style(raw, o->selectors[o->n_sel], strlen(raw) + 1);
      free(raw);
      if (o->selectors[o->n_sel][0]) o->n_sel++;
      if (o->n_sel >= o->max_sel) cli_die(a, 2, "too many --vars");
    }
    p = *q ? q + 1 : q;
  }
}

/* --ref NAME=VALUE. */
static void parse_ref(cli_args *a, const char *value, plot_opts *o) {
  const char *eq = strrchr(value, '=');
  char *end;
  if (!eq || eq == value) cli_die(a, 2, "option --ref: '%s' is not NAME=VALUE", value);
  double v = strtod(eq + 1, &end);
  if (!eq[1] || *end || !isfinite(v)) cli_die(a, 2, "option --ref: '%s' is not a finite number", eq + 1);
  char *name = urn_xstrndup(value, (size_t)(eq - value));
  csv_style(name, o->refs[o->n_refs].name, sizeof o->refs[o->n_refs].name);
  free(name);
  o->refs[o->n_refs++].value = v;
}

/* The options after the plot kind into o (usage errors exit 2). */
static void parse_args(cli_args *a, int argc, plot_opts *o) {
  const char *value;
  o->files = urn_xcalloc((size_t)argc, sizeof *o->files);
  o->max_sel = (size_t)argc * 8;
  o->selectors = urn_xcalloc(o->max_sel + 1, sizeof *o->selectors);
  o->refs = urn_xcalloc((size_t)argc, sizeof *o->refs);
  while (!cli_done(a)) {
    const char *arg = cli_peek(a);
    if (cli_is_help(arg)) {
      usage(stdout);
      exit(0);
    } else if (cli_value(a, "-o", &o->output) || cli_value(a, "--output", &o->output)) {
    } else if (cli_value(a, "--title", &o->title)) {
    } else if (cli_int(a, "--cols", 1, 12, &o->cols)) {
    } else if (cli_value(a, "--vars", &value)) {
      parse_vars(a, value, o);
    } else if (cli_value(a, "--ref", &value)) {
      parse_ref(a, value, o);
    } else if (arg[0] == '-' && arg[1]) {
      cli_unknown(a);
    } else {
      o->files[o->n_files++] = cli_next(a);
    }
  }
  if (o->n_files == 0) cli_die(a, 2, "no Stan CSV files given (see 'urn plot --help')");
  if (!o->output) {
    snprintf(o->default_out, sizeof o->default_out, "%s.svg", o->kind);
    o->output = o->default_out;
  }
}

/* The columns to plot into chosen (d->n_cols room): every selector must match something, every --ref name must
 * be plotted; without --vars every quantity up to MAX_DEFAULT_VARS.  Returns how many, 0 after printing why
 * none. */
static size_t choose_columns(const urn_draws *d, const plot_opts *o, size_t *chosen) {
  size_t nv = 0;
  for (size_t s = 0; s < o->n_sel; s++) {
    size_t hits = 0;
    for (size_t j = 0; j < d->n_cols; j++)
      if (matches(d->names[j], o->selectors[s])) {
        int seen = 0;
        for (size_t k = 0; k < nv; k++) seen |= chosen[k] == j;
        if (!seen) chosen[nv++] = j;
        hits++;
      }
    if (!hits) {
      fprintf(stderr, "urn plot: --vars: no column '%s' in %s\n", o->selectors[s], o->files[0]);
      return 0;
    }
  }
  if (o->n_sel == 0) {
    size_t total = 0;
    for (size_t j = 0; j < d->n_cols; j++)
      if (!is_sampler_column(d->names[j])) {
        if (nv < MAX_DEFAULT_VARS) chosen[nv++] = j;
        total++;
      }
    if (total > nv)
      fprintf(stderr, "urn plot: plotting the first %zu of %zu quantities (choose others with --vars)\n", nv, total);
    if (nv == 0) {
      fprintf(stderr, "urn plot: %s has no quantities to plot (only sampler columns)\n", o->files[0]);
      return 0;
    }
  }
  for (size_t r = 0; r < o->n_refs; r++) {
    int found = 0;
    for (size_t k = 0; k < nv; k++) found |= !strcmp(d->names[chosen[k]], o->refs[r].name);
    if (!found) {
      fprintf(stderr, "urn plot: --ref: '%s' is not among the plotted quantities\n", o->refs[r].name);
      return 0;
    }
  }
  return nv;
}

/* Plots the nv chosen columns of d and writes the SVG; returns the exit status. */
static int draw(const urn_draws *d, const plot_opts *o, const size_t *chosen, size_t nv) {
  /* Columns out of the row-major chain matrices into chain-major arrays. */
  ptrdiff_t div_col = -1;
  for (size_t j = 0; j < d->n_cols; j++)
    if (!strcmp(d->names[j], "divergent__")) div_col = (ptrdiff_t)j;
  urn_plot_var *vars = urn_xcalloc(nv, sizeof *vars);
  char **labels = urn_xcalloc(nv, sizeof *labels);
  double **columns = urn_xcalloc(nv, sizeof *columns);
  size_t total = d->n_chains * d->n_draws;
  int *div = NULL;
  if (div_col >= 0) {
    div = urn_xmalloc(total * sizeof *div);
    for (size_t c = 0; c < d->n_chains; c++)
      for (size_t i = 0; i < d->n_draws; i++) div[c * d->n_draws + i] = d->draws[c][i * d->n_cols + div_col] != 0;
  }
  for (size_t k = 0; k < nv; k++) {
    size_t j = chosen[k];
    columns[k] = urn_xmalloc(total * sizeof **columns);
    for (size_t c = 0; c < d->n_chains; c++)
      for (size_t i = 0; i < d->n_draws; i++) columns[k][c * d->n_draws + i] = d->draws[c][i * d->n_cols + j];
    labels[k] = urn_bracket_name(d->names[j]);
    vars[k] = (urn_plot_var){labels[k], columns[k], d->n_chains, d->n_draws, div, 0, 0};
    for (size_t r = 0; r < o->n_refs; r++)
      if (!strcmp(d->names[j], o->refs[r].name)) vars[k].has_ref = 1, vars[k].ref = o->refs[r].value;
  }
  urn_svg svg = {0};
  urn_error err;
  int rc, status = 0;
  if (!strcmp(o->kind, "posterior"))
    rc = urn__plot_posterior(&svg, vars, nv, (int)o->cols, o->title, &err);
  else if (!strcmp(o->kind, "trace"))
    rc = urn__plot_trace(&svg, vars, nv, o->title, &err);
  else
    rc = urn__plot_rank(&svg, vars, nv, (int)o->cols, o->title, &err);
  if (rc == URN_OK) rc = urn__plot_svg_write_file(&svg, o->output, &err);
  if (rc == URN_OK) {
    printf("wrote %s (%zu quantities, %zu chains x %zu draws)\n", o->output, nv, d->n_chains, d->n_draws);
  } else {
    fprintf(stderr, "urn plot: %s\n", err.msg);
    status = 1;
  }
  urn__plot_svg_free(&svg);
  free(div);
  for (size_t k = 0; k < nv; k++) free(columns[k]), free(labels[k]);
  free(columns);
  free(labels);
  free(vars);
  return status;
}

int cmd_plot(int argc, char **argv) {
  if (argc > 1 && cli_is_help(argv[1])) {
    usage(stdout);
    return 0;
  }
  cli_args a;
  cli_init(&a, "plot", argc, argv);
  if (cli_done(&a)) {
    usage(stderr);
    return 2;
  }
  plot_opts o;
  memset(&o, 0, sizeof o);
  o.kind = cli_next(&a);
  if (strcmp(o.kind, "posterior") && strcmp(o.kind, "trace") && strcmp(o.kind, "rank"))
    cli_die(&a, 2, "unknown plot kind '%s' (posterior, trace or rank)", o.kind);
  parse_args(&a, argc, &o);

  int status = 1;
  urn_error err;
  urn_stancsv *csv = urn_xcalloc(o.n_files, sizeof *csv);
  size_t n_read = 0;
  urn_draws d = {0};
  for (; n_read < o.n_files; n_read++)
    if (urn_stancsv_read(o.files[n_read], &csv[n_read], &err)) {
      fprintf(stderr, "urn plot: %s\n", err.msg);
      goto done;
    }
  cli_trim_chains("plot", csv, o.n_files);
  if (urn_stancsv_as_draws(csv, o.n_files, &d, &err)) {
    fprintf(stderr, "urn plot: %s\n", err.msg);
    goto done;
  }
  if (d.n_draws == 0) {
    fprintf(stderr, "urn plot: %s: no post-warmup draws\n", o.files[0]);
    goto done;
  }
  size_t *chosen = urn_xcalloc(d.n_cols + 1, sizeof *chosen);
  size_t nv = choose_columns(&d, &o, chosen);
  if (nv) status = draw(&d, &o, chosen, nv);
  free(chosen);

done:
  if (d.names || d.draws) urn_draws_free_views(&d);
  for (size_t i = 0; i < n_read; i++) urn_stancsv_free(&csv[i]);
  free(csv);
  for (size_t s = 0; s < o.n_sel; s++) free(o.selectors[s]);
  free(o.selectors);
  free(o.refs);
  free(o.files);
  return status;
}
