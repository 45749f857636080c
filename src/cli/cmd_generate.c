/* cli/cmd_generate.c — `urn generate`: standalone generated quantities
 * through the run layer (urn/run.h).  Reads every draw of a fitted Stan CSV
 * (warmup rows too, when saved), takes each draw's parameter values by column
 * name, and re-runs transformed parameters and generated quantities with a
 * fresh random stream, writing a Stan CSV of parameters, transformed
 * parameters and generated quantities, one row per fitted draw (as CmdStan's
 * generate_quantities). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "urn/model.h"
#include "urn/run.h"

static void usage(FILE *out) {
  fprintf(out,
          "usage: urn generate model.stan [--data d.json] --fitted FILE.csv [options]\n\n"
          "Runs the generated quantities block over every draw of a fitted Stan CSV.\n\n"
          "options:\n"
          "  --data FILE      data in CmdStan JSON format\n"
          "  --include-paths DIR[,DIR]  folders searched by #include after the program's own\n"
          "  --fitted FILE    a Stan CSV from urn sample or CmdStan with the model's parameters\n"
          "  --seed N         random seed of the generated quantities (1)\n"
          "  --output FILE    the Stan CSV written (default: FILE-generated.csv beside the fitted file)\n"
          "  --sig-figs N     significant digits (6)\n"
          "  --overwrite      replace the output file of an earlier run\n"
          "  --timeout SECONDS stop after this long (exit 124, nothing written)\n");
}

/* Reports the first generated-quantity failure (the draw's outputs are NaN). */
static void on_message(void *ctx, int chain, urn_run_msg_kind kind, const char *text) {
  if (kind == URN_RUN_DRAW_FAILED)
    fprintf(stderr, "urn generate: warning: generated quantities failed (written as nan): %s\n", text);
}

int cmd_generate(int argc, char **argv) {
  cli_args a;
  cli_init(&a, "generate", argc, argv);
  const char *stan_path = NULL, *data_path = NULL, *incp = NULL, *fitted = NULL, *output = NULL;
  unsigned long long u;
  long sig_figs = 6;
  double timeout = 0;
  int overwrite = 0;
  urn_run_config cfg;
  urn_run_config_default(&cfg, URN_RUN_GENERATE);
  while (!cli_done(&a)) {
    if (cli_is_help(cli_peek(&a))) {
      usage(stdout);
      return 0;
    } else if (cli_value(&a, "--data", &data_path) || cli_value(&a, "--include-paths", &incp)) {
    } else if (cli_value(&a, "--fitted", &fitted)) {
    } else if (cli_value(&a, "--output", &output)) {
    } else if (cli_seed(&a, &u)) {
      cfg.seed = u;
    } else if (cli_int(&a, "--sig-figs", 1, 18, &sig_figs)) {
    } else if (cli_timeout(&a, &timeout)) {
    } else if (cli_flag(&a, "--overwrite")) {
      overwrite = 1;
    } else if (cli_peek(&a)[0] != '-' && !stan_path) {
      stan_path = cli_next(&a);
    } else {
      cli_unknown(&a);
    }
  }
  if (!stan_path) cli_die(&a, 2, "missing the model file (usage: urn generate model.stan --fitted FILE.csv)");
  if (!fitted) cli_die(&a, 2, "missing --fitted FILE.csv");
  char out_path[4096];
  if (output) {
    snprintf(out_path, sizeof out_path, "%s", output);
  } else {
    size_t len = strlen(fitted);
    int has_ext = len > 4 && !strcmp(fitted + len - 4, ".csv");
    snprintf(out_path, sizeof out_path, "%.*s-generated.csv", (int)(has_ext ? len - 4 : len), fitted);
  }
  cfg.sig_figs = (int)sig_figs, cfg.data_file = data_path, cfg.fitted_params = fitted, cfg.keep_draws = 0;
  cfg.overwrite = overwrite; /* an earlier output is never replaced silently */
  urn_error err;
  urn_error_clear(&err);
  urn_model *m = cli_load_model(stan_path, data_path, cfg.seed, incp, timeout);
  if (!m) return cli_fail_code();
  urn_run *r = urn_run_new(m, &cfg, &err);
  int rc = r ? urn_run_set_fitted_csv(r, 0, fitted, &err) : URN_EINPUT;
  if (rc == URN_OK) rc = urn_run_output_csv(r, 0, out_path, &err);
  if (rc == URN_OK) {
    urn_run_callbacks cb = {.message = on_message};
    urn_run_set_callbacks(r, &cb);
    cli_stop_attach(r);
    rc = urn_run_execute(r, &err);
    cli_stop_attach(NULL);
  }
  if (rc == URN_OK && !cli_stop_code())
    printf("Generated quantities for %d draws written to %s\n", urn_run_progress(r, 0), out_path);
  else if (cli_stop_code())
    fprintf(stderr, "urn generate: %s after %d draws\n", cli_stop_reason(), urn_run_progress(r, 0));
  else if (!strncmp(err.msg, fitted, strlen(fitted))) /* the message names the file already */
    fprintf(stderr, "urn generate: %s\n", err.msg);
  else
    fprintf(stderr, "urn generate: %s: %s\n", fitted, err.msg);
  urn_run_free(r);
  urn_model_free(m);
  return rc == URN_OK && !cli_stop_code() ? 0 : cli_fail_code();
}
