/* cli/cmd_generate.c — `urn generate`: standalone generated quantities.
 * Reads the post-warmup draws of a fitted Stan CSV, takes each draw's
 * parameter values (by column name), and re-runs transformed parameters and
 * generated quantities with a fresh random stream, writing a Stan CSV with
 * the fitted file's sampler columns followed by every model output. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "io/stancsv_write.h"
#include "math/rng.h"
#include "urn/diag.h"
#include "urn/model.h"
#include "util/util.h"

static void usage(FILE *out) {
  fprintf(out,
          "usage: urn generate model.stan [--data d.json] --fitted FILE.csv [options]\n\n"
          "Runs the generated quantities block over every post-warmup draw of a fitted Stan CSV.\n\n"
          "options:\n"
          "  --data FILE      data in CmdStan JSON format\n"
          "  --fitted FILE    a Stan CSV from urn sample or CmdStan with the model's parameters\n"
          "  --seed N         random seed of the generated quantities (1)\n"
          "  --output FILE    the Stan CSV written (default: FILE-generated.csv beside the fitted file)\n"
          "  --sig-figs N     significant digits (6)\n");
}

/* One parameter of the model as flat columns: its name and each element's indices. */
typedef struct param_group {
  char name[256]; /* base name ("theta") */
  int ndim;       /* number of indices (0 for a scalar) */
  int dims[8];    /* extent of each index (the largest index seen) */
  size_t first;   /* first model output of the group */
  size_t count;   /* outputs in the group */
} param_group;

/* Splits "theta.2.3" into base "theta" and indices {2, 3}; returns the index count. */
static int split_name(const char *s, char *base, size_t cap, int *idx) {
  const char *dot = strchr(s, '.');
  size_t n = dot ? (size_t)(dot - s) : strlen(s);
  if (n >= cap) n = cap - 1;
  memcpy(base, s, n);
  base[n] = 0;
  int k = 0;
  while (dot && k < 8) {
    idx[k++] = atoi(dot + 1);
    dot = strchr(dot + 1, '.');
  }
  return k;
}

/* Writes the nested JSON array of group g (row-major nesting) from vals indexed by element indices. */
static void json_nested(urn_buf *b, const param_group *g, const double *vals, const int *const *elem_idx, int level,
                        int *cur) {
  if (level == g->ndim) {
    /* find the element with indices cur */
    for (size_t e = 0; e < g->count; e++) {
      int match = 1;
      for (int k = 0; k < g->ndim && match; k++) match = elem_idx[e][k] == cur[k];
      if (match) {
        char num[64];
        urn_stancsv_format(num, sizeof num, vals[e], 17);
        if (!strcmp(num, "nan")) snprintf(num, sizeof num, "NaN");
        else if (!strcmp(num, "inf")) snprintf(num, sizeof num, "Infinity");
        else if (!strcmp(num, "-inf")) snprintf(num, sizeof num, "-Infinity");
        urn_buf_puts(b, num);
        return;
      }
    }
    urn_buf_puts(b, "NaN");
    return;
  }
  urn_buf_putc(b, '[');
  for (int i = 1; i <= g->dims[level]; i++) {
    if (i > 1) urn_buf_putc(b, ',');
    cur[level] = i;
    json_nested(b, g, vals, elem_idx, level + 1, cur);
  }
  urn_buf_putc(b, ']');
}

int cmd_generate(int argc, char **argv) {
  cli_args a;
  cli_init(&a, "generate", argc, argv);
  const char *stan_path = NULL, *data_path = NULL, *fitted = NULL, *output = NULL, *s;
  uint64_t seed = 1;
  long sig_figs = 6;
  while (!cli_done(&a)) {
    if (cli_is_help(cli_peek(&a))) {
      usage(stdout);
      return 0;
    } else if (cli_value(&a, "--data", &data_path)) {
    } else if (cli_value(&a, "--fitted", &fitted)) {
    } else if (cli_value(&a, "--output", &output)) {
    } else if (cli_value(&a, "--seed", &s)) {
      char *end;
      errno = 0;
      unsigned long long u = strtoull(s, &end, 10);
      if (!*s || *end || errno || s[0] == '-') cli_die(&a, 2, "option --seed: '%s' is not a non-negative integer", s);
      seed = u;
    } else if (cli_int(&a, "--sig-figs", 1, 18, &sig_figs)) {
    } else if (cli_peek(&a)[0] != '-' && !stan_path) {
      stan_path = cli_next(&a);
    } else {
      cli_unknown(&a);
    }
  }
  if (!stan_path) cli_die(&a, 2, "missing the model file (usage: urn generate model.stan --fitted FILE.csv)");
  if (!fitted) cli_die(&a, 2, "missing --fitted FILE.csv");
  urn_error err;
  urn_error_clear(&err);
  urn_stancsv csv;
  memset(&csv, 0, sizeof csv);
  if (urn_stancsv_read(fitted, &csv, &err) != URN_OK) {
    fprintf(stderr, "urn generate: %s\n", err.msg);
    return 1;
  }
  urn_model *m = urn_model_from_files(stan_path, data_path, seed, &err);
  if (!m) {
    fprintf(stderr, "%s\n", err.msg);
    urn_stancsv_free(&csv);
    return 1;
  }
  int status = 0;
  size_t n_par = urn_model_num_params(m, 0, 0), n_out = urn_model_num_params(m, 1, 1);
  size_t *par_col = urn_xcalloc(n_par + 1, sizeof *par_col);
  int **elem_idx = urn_xcalloc(n_par + 1, sizeof *elem_idx);
  param_group *groups = urn_xcalloc(n_par + 1, sizeof *groups);
  size_t n_groups = 0;
  for (size_t i = 0; i < n_par && status == 0; i++) {
    const char *name = urn_model_param_name(m, i);
    size_t c = csv.n_cols;
    for (size_t j = 0; j < csv.n_cols; j++)
      if (!strcmp(csv.names[j], name)) c = j;
    if (c == csv.n_cols) {
      fprintf(stderr, "urn generate: %s has no column %s (a parameter of %s)\n", fitted, name, stan_path);
      status = 1;
      break;
    }
    par_col[i] = c;
    char base[256];
    int idx[8];
    int k = split_name(name, base, sizeof base, idx);
    elem_idx[i] = urn_xcalloc(8, sizeof(int));
    memcpy(elem_idx[i], idx, (size_t)k * sizeof(int));
    if (n_groups == 0 || strcmp(groups[n_groups - 1].name, base) != 0) {
      param_group *g = &groups[n_groups++];
      snprintf(g->name, sizeof g->name, "%s", base);
      g->ndim = k, g->first = i, g->count = 0;
    }
    param_group *g = &groups[n_groups - 1];
    g->count++;
    for (int d = 0; d < k; d++)
      if (idx[d] > g->dims[d]) g->dims[d] = idx[d];
  }
  /* sampler columns of the fitted file */
  size_t n_samp = 0;
  size_t *samp_col = urn_xcalloc(csv.n_cols + 1, sizeof *samp_col);
  for (size_t j = 0; j < csv.n_cols; j++) {
    size_t len = strlen(csv.names[j]);
    if (len > 2 && !strcmp(csv.names[j] + len - 2, "__")) samp_col[n_samp++] = j;
  }
  char out_path[4096];
  if (output) {
    snprintf(out_path, sizeof out_path, "%s", output);
  } else {
    size_t len = strlen(fitted);
    int has_ext = len > 4 && !strcmp(fitted + len - 4, ".csv");
    snprintf(out_path, sizeof out_path, "%.*s-generated.csv", (int)(has_ext ? len - 4 : len), fitted);
  }
  urn_stancsv_writer w;
  memset(&w, 0, sizeof w);
  if (status == 0 && urn_stancsv_open(&w, out_path, (int)sig_figs, &err) != URN_OK) {
    fprintf(stderr, "urn generate: %s\n", err.msg);
    status = 1;
  }
  if (status == 0) {
    urn_stancsv_comment(&w, "stan_version_major = 2\nstan_version_minor = 36\nstan_version_patch = 0");
    urn_stancsv_comment(&w, "urn_version = %s\nmodel = %s_model\nmethod = generate_quantities\n  generate_quantities\n"
                            "    fitted_params = %s\ndata\n  file = %s\nrandom\n  seed = %llu\noutput\n  file = %s",
                        urn_version(), urn_model_name(m), fitted, data_path ? data_path : "",
                        (unsigned long long)seed, out_path);
    size_t ncols = n_samp + n_out;
    const char **names = urn_xcalloc(ncols + 1, sizeof *names);
    for (size_t j = 0; j < n_samp; j++) names[j] = csv.names[samp_col[j]];
    for (size_t i = 0; i < n_out; i++) names[n_samp + i] = urn_model_param_name(m, i);
    urn_stancsv_header(&w, names, ncols, &err);
    double *row = urn_xcalloc(ncols + 1, sizeof *row), *vals = urn_xcalloc(n_par + 1, sizeof *vals);
    double *theta = urn_xcalloc(urn_model_num_unconstrained(m) + 1, sizeof *theta);
    urn_rng rng;
    urn_rng_seed(&rng, seed, 0);
    urn_buf json;
    urn_buf_init(&json);
    for (size_t d = 0; d < csv.n_draws && status == 0; d++) {
      const double *src = csv.draws + d * csv.n_cols;
      for (size_t i = 0; i < n_par; i++) vals[i] = src[par_col[i]];
      json.len = 0;
      urn_buf_putc(&json, '{');
      for (size_t gi = 0; gi < n_groups; gi++) {
        const param_group *g = &groups[gi];
        urn_buf_printf(&json, "%s\"%s\":", gi ? "," : "", g->name);
        int cur[8] = {0};
        json_nested(&json, g, vals + g->first, (const int *const *)(elem_idx + g->first), 0, cur);
      }
      urn_buf_putc(&json, '}');
      char where[64];
      snprintf(where, sizeof where, "draw %zu", d + 1);
      int rc = urn_model_param_unconstrain_json(m, json.data, json.len, where, theta, &err);
      if (rc == URN_OK) rc = urn_model_param_constrain(m, 1, 1, theta, row + n_samp, &rng, &err);
      if (rc != URN_OK) {
        fprintf(stderr, "urn generate: %s, draw %zu: %s\n", fitted, d + 1, err.msg);
        status = 1;
        break;
      }
      for (size_t j = 0; j < n_samp; j++) row[j] = src[samp_col[j]];
      if (urn_stancsv_row(&w, row, ncols, &err) != URN_OK) {
        fprintf(stderr, "urn generate: %s\n", err.msg);
        status = 1;
      }
    }
    urn_buf_free(&json);
    free(row), free(vals), free(theta), free(names);
    if (status == 0) {
      if (urn_stancsv_close(&w, &err) != URN_OK) {
        fprintf(stderr, "urn generate: %s\n", err.msg);
        status = 1;
      } else {
        printf("Generated quantities for %zu draws written to %s\n", csv.n_draws, out_path);
      }
    } else {
      urn_stancsv_discard(&w);
    }
  }
  for (size_t i = 0; i < n_par; i++) free(elem_idx[i]);
  free(elem_idx), free(par_col), free(groups), free(samp_col);
  urn_stancsv_free(&csv);
  urn_model_free(m);
  return status;
}
