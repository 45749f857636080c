/* cli/cmd_optimize.c — `urn optimize`: the posterior mode (MAP, with the
 * Jacobian: --jacobian) or the penalized maximum likelihood estimate (without
 * it, CmdStan's default) by L-BFGS (or BFGS, Newton), through the run layer
 * (urn/run.h); printed and written as a one-row Stan CSV (lp__ then
 * parameters, transformed parameters, generated quantities). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "io/stancsv_write.h"
#include "urn/model.h"
#include "urn/run.h"
#include "util/util.h"

static void usage(FILE *out) {
  fprintf(out,
          "usage: urn optimize model.stan [--data d.json] [options]\n\n"
          "Finds the penalized maximum likelihood estimate (default, as CmdStan: no Jacobian) or the\n"
          "posterior mode on the unconstrained scale (--jacobian) with L-BFGS.\n\n"
          "options:\n"
          "  --data FILE       data in CmdStan JSON format\n"
          "  --include-paths DIR[,DIR]  folders searched by #include after the program's own\n"
          "  --jacobian        include the Jacobian of the constraining transforms (MAP of the unconstrained density)\n"
          "  --algorithm A     lbfgs (default), bfgs or newton\n"
          "  --init R|FILE     random start uniform(-R, R) (2), or a JSON file of initial values\n"
          "  --seed N          random seed (for the start and generated quantities; 1)\n"
          "  --iter N          maximum iterations (2000)\n"
          "  --output FILE     the Stan CSV written (default <model>-output/<model>-optimize.csv)\n"
          "  --overwrite       replace the output file of an earlier run\n"
          "  --sig-figs N      significant digits in the CSV (6)\n"
          "  --timeout SECONDS stop after this long (exit 124, nothing written)\n");
}

/* Prints the estimate: lp__ and every output. */
static void print_estimate(const urn_run *r) {
  const double *row = urn_run_draws(r, 0) + (urn_run_num_rows(r, 0) - 1) * urn_run_num_cols(r);
  char num[64];
  printf("%-24s %s\n", "lp__", "estimate");
  for (size_t j = 0; j < urn_run_num_cols(r); j++) {
    urn_stancsv_format(num, sizeof num, row[j], 8);
    printf("%-24s %s\n", urn_run_col_name(r, j), num);
  }
}

int cmd_optimize(int argc, char **argv) {
  cli_args a;
  cli_init(&a, "optimize", argc, argv);
  const char *stan_path = NULL, *data_path = NULL, *incp = NULL, *init_arg = NULL, *output = NULL, *algo = NULL;
  long v, sig_figs = 6;
  unsigned long long u;
  int overwrite = 0;
  double timeout = 0;
  urn_run_config cfg;
  urn_run_config_default(&cfg, URN_RUN_OPTIMIZE);
  while (!cli_done(&a)) {
    if (cli_is_help(cli_peek(&a))) {
      usage(stdout);
      return 0;
    } else if (cli_value(&a, "--data", &data_path) || cli_value(&a, "--include-paths", &incp)) {
    } else if (cli_flag(&a, "--jacobian")) {
      cfg.jacobian = 1;
    } else if (cli_value(&a, "--algorithm", &algo)) {
      if (strcmp(algo, "lbfgs") && strcmp(algo, "bfgs") && strcmp(algo, "newton"))
        cli_die(&a, 2, "option --algorithm: '%s' is not one of lbfgs, bfgs, newton", algo);
      urn_run_config_set(&cfg, "algorithm", algo, NULL);
    } else if (cli_value(&a, "--init", &init_arg)) {
    } else if (cli_seed(&a, &u)) {
      cfg.seed = u;
    } else if (cli_int(&a, "--iter", 1, 100000000, &v)) {
      cfg.iter = (int)v;
    } else if (cli_value(&a, "--output", &output)) {
    } else if (cli_flag(&a, "--overwrite")) {
      overwrite = 1;
    } else if (cli_int(&a, "--sig-figs", 1, 18, &sig_figs)) {
    } else if (cli_timeout(&a, &timeout)) {
    } else if (cli_peek(&a)[0] != '-' && !stan_path) {
      stan_path = cli_next(&a);
    } else {
      cli_unknown(&a);
    }
  }
  if (!stan_path) cli_die(&a, 2, "missing the model file (usage: urn optimize model.stan --data d.json)");
  const char *init_file = NULL;
  if (init_arg) {
    char *end;
    double rad = strtod(init_arg, &end);
    if (*init_arg && !*end && isfinite(rad)) {
      if (rad < 0) cli_die(&a, 2, "option --init: the radius %g must not be negative", rad);
      cfg.init_radius = rad;
    } else {
      init_file = init_arg;
    }
  }
  cfg.sig_figs = (int)sig_figs, cfg.data_file = data_path, cfg.init = init_arg;
  cfg.overwrite = overwrite; /* an earlier output is never replaced silently (as sample and generate) */
  urn_error err;
  urn_error_clear(&err);
  urn_model *m = cli_load_model(stan_path, data_path, cfg.seed, incp, timeout);
  if (!m) return cli_fail_code();
  char path[4096];
  cli_output_path(path, sizeof path, output, m, "optimize");
  int status = 0;
  urn_run *r = urn_run_new(m, &cfg, &err);
  if (!r) status = 1;
  if (r && init_file) {
    size_t len;
    char *text = urn_read_file(init_file, &len, &err);
    if (!text || urn_run_set_init_json(r, 0, text, len, init_file, &err) != URN_OK) status = 1;
    free(text);
  }
  if (status == 0 && urn_run_output_csv(r, 0, path, &err) != URN_OK) status = 1;
  cli_stop_attach(r);
  int rc = status ? URN_EINPUT : urn_run_execute(r, &err);
  cli_stop_attach(NULL);
  if (cli_stop_code()) { /* stopped: no estimate */
    fprintf(stderr, "urn optimize: %s; no estimate written\n", cli_stop_reason());
    status = cli_stop_code();
  } else if (status || (rc != URN_OK && urn_run_num_rows(r, 0) == 0)) {
    fprintf(stderr, "urn optimize: %s\n", err.msg);
    status = 1;
  } else {
    if (rc == URN_OK)
      printf("%s converged after %d iterations: %s.\n",
             cfg.algorithm == URN_RUN_LBFGS ? "L-BFGS" : cfg.algorithm == URN_RUN_BFGS ? "BFGS" : "Newton's method",
             urn_run_iterations(r), urn_run_stop_reason(r));
    else
      fprintf(stderr, "urn optimize: %s (after %d iterations); the estimate below is the best point found\n",
              err.msg, urn_run_iterations(r)), status = 1;
    print_estimate(r);
    printf("Written to %s\n", path);
  }
  urn_run_free(r);
  urn_model_free(m);
  return status;
}
