/* cli/cmd_summary.c — `urn summary FILES...`: reads Stan CSV files (urn's,
 * CmdStan's, or any '#'-comment/header/numeric-rows CSV), treats them as the
 * chains of one run, and prints the summary table (or CSV / JSON) with R-hat,
 * ESS, MCSE and the sampler diagnostics.  See docs/diagnostics.md. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "urn/diag.h"
#include "util/util.h"

static void usage(FILE *out) {
  fprintf(out,
          "usage: urn summary FILES... [options]\n"
          "\n"
          "Summarizes Stan CSV files (one chain per file: urn's or CmdStan's output, or any CSV\n"
          "with '#' comment lines, a header and numeric rows): mean, MCSE, sd, quantiles,\n"
          "bulk/tail ESS and rank-normalized R-hat, computed as R's posterior package does,\n"
          "then the sampler diagnostics (divergences, tree depth, E-BFMI, R-hat, ESS).\n"
          "\n"
          "options:\n"
          "  --percentiles P,P,...  quantile columns in percent (default 5,50,95)\n"
          "  --hdi [P]              highest-density interval at probability P (default 0.94)\n"
          "                         instead of the outer quantiles\n"
          "  --sig-figs N           significant figures in the table (default 3)\n"
          "  --vars a,b,...         only these quantities ('theta' selects theta.1, theta.2, ...)\n"
          "  --csv                  machine-readable CSV, full precision, NA where undefined\n"
          "  --json                 the same as a JSON array of objects (null where undefined)\n"
          "  --no-diagnostics       leave out the sampler diagnostics section\n");
}

/* Splits a comma-separated list into *items (strings point into a copy). */
static size_t split_list(const char *s, char **copy, const char ***items) {
  *copy = urn_xstrdup(s);
  size_t n = 0, cap = 8;
  *items = urn_xmalloc(cap * sizeof **items);
  for (char *tok = strtok(*copy, ","); tok; tok = strtok(NULL, ",")) {
    while (*tok == ' ') tok++;
    if (!*tok) continue;
    if (n == cap) *items = urn_xrealloc(*items, (cap *= 2) * sizeof **items);
    (*items)[n++] = tok;
  }
  return n;
}

int cmd_summary(int argc, char **argv) {
  for (int i = 1; i < argc; i++)
    if (cli_is_help(argv[i])) {
      usage(stdout);
      return 0;
    }
  cli_args a;
  cli_init(&a, "summary", argc, argv);
  urn_summary_options opt;
  urn_summary_options_init(&opt);
  const char **files = urn_xmalloc((size_t)(argc > 1 ? argc : 1) * sizeof *files);
  size_t n_files = 0;
  char *pct_copy = NULL, *vars_copy = NULL;
  const char **pct_items = NULL, **var_items = NULL;
  double *pcts = NULL;
  while (!cli_done(&a)) {
    const char *arg = cli_peek(&a), *val;
    long l;
    if (cli_flag(&a, "--csv")) opt.format = URN_SUMMARY_CSV;
    else if (cli_flag(&a, "--json")) opt.format = URN_SUMMARY_JSON;
    else if (cli_flag(&a, "--no-diagnostics")) opt.diagnostics = 0;
    else if (cli_int(&a, "--sig-figs", 1, 17, &l)) opt.sig_figs = (int)l;
    else if (!strcmp(arg, "--hdi") || !strncmp(arg, "--hdi=", 6)) {
      opt.use_hdi = 1;
      /* the probability is optional: take the next argument only if it is a number */
      const char *next = a.pos + 1 < a.argc ? a.argv[a.pos + 1] : NULL;
      char *end;
      if (arg[5] == '=' || (next && (strtod(next, &end), end != next && *end == 0)))
        cli_double(&a, "--hdi", 0, 1, 1, &opt.hdi_prob);
      else
        cli_next(&a);
    } else if (cli_value(&a, "--percentiles", &val)) {
      free(pct_copy), free(pct_items), free(pcts);
      size_t n = split_list(val, &pct_copy, &pct_items);
      if (n == 0) cli_die(&a, 2, "option --percentiles: empty list");
      pcts = urn_xmalloc(n * sizeof *pcts);
      for (size_t i = 0; i < n; i++) {
        char *end;
        errno = 0;
        pcts[i] = strtod(pct_items[i], &end);
        if (*end || errno || !(pcts[i] >= 0 && pcts[i] <= 100))
          cli_die(&a, 2, "option --percentiles: '%s' is not a percentage in [0, 100]", pct_items[i]);
      }
      opt.percentiles = pcts;
      opt.n_percentiles = n;
    } else if (cli_value(&a, "--vars", &val)) {
      free(vars_copy), free(var_items);
      opt.n_vars = split_list(val, &vars_copy, &var_items);
      if (opt.n_vars == 0) cli_die(&a, 2, "option --vars: empty list");
      opt.vars = var_items;
    } else if (arg[0] == '-' && arg[1]) {
      cli_unknown(&a);
    } else {
      files[n_files++] = cli_next(&a);
    }
  }
  if (n_files == 0) cli_die(&a, 2, "no input files (see 'urn summary --help')");

  urn_stancsv *csv = urn_xcalloc(n_files, sizeof *csv);
  urn_error err;
  int rc = URN_OK;
  size_t n_read = 0;
  for (; n_read < n_files && rc == URN_OK; n_read++) rc = urn_stancsv_read(files[n_read], &csv[n_read], &err);
  if (rc == URN_OK && n_files > 0) {
    for (size_t i = 0; i < n_files; i++)
      if (csv[i].n_warmup)
        fprintf(stderr, "urn summary: %s: %zu warmup draws left out\n", files[i], csv[i].n_warmup);
    cli_trim_chains("summary", csv, n_files);
    urn_draws d;
    rc = urn_stancsv_as_draws(csv, n_files, &d, &err);
    if (rc == URN_OK) {
      rc = urn_summary_print(stdout, &d, &opt, &err);
      urn_draws_free_views(&d);
    }
  }
  for (size_t i = 0; i < n_read; i++) urn_stancsv_free(&csv[i]);
  free(csv), free(files), free(pct_copy), free(pct_items), free(pcts), free(vars_copy), free(var_items);
  if (rc != URN_OK) {
    fprintf(stderr, "urn summary: %s\n", err.msg);
    return 1;
  }
  return 0;
}
