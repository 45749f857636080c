/* cli/cmd_optimize.c — `urn optimize`: the posterior mode (MAP, with the
 * Jacobian: --jacobian) or the penalized maximum likelihood estimate (without
 * it, CmdStan's default) by L-BFGS, printed and written as a one-row Stan CSV
 * (lp__ then parameters, transformed parameters, generated quantities). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "io/stancsv_write.h"
#include "math/rng.h"
#include "urn/model.h"
#include "urn/sample.h"
#include "util/util.h"

typedef struct opt_target {
  const urn_model *m; /* the model */
  int jacobian;       /* include the log-Jacobian of the constraining transforms */
} opt_target;

/* CmdStan's optimize maximizes the log density with all constants (propto = 0). */
static int opt_lp(void *ctx, const double *theta, double *lp, double *grad, urn_error *err) {
  const opt_target *t = ctx;
  return urn_model_log_density_gradient(t->m, 0, t->jacobian, theta, lp, grad, err);
}

static void usage(FILE *out) {
  fprintf(out,
          "usage: urn optimize model.stan [--data d.json] [options]\n\n"
          "Finds the penalized maximum likelihood estimate (default, as CmdStan: no Jacobian) or the\n"
          "posterior mode on the unconstrained scale (--jacobian) with L-BFGS.\n\n"
          "options:\n"
          "  --data FILE       data in CmdStan JSON format\n"
          "  --jacobian        include the Jacobian of the constraining transforms (MAP of the unconstrained density)\n"
          "  --init R|FILE     random start uniform(-R, R) (2), or a JSON file of initial values\n"
          "  --seed N          random seed (for the start and generated quantities; 1)\n"
          "  --iter N          maximum iterations (2000)\n"
          "  --output FILE     the Stan CSV written (default <model>-output/<model>-optimize.csv)\n"
          "  --sig-figs N      significant digits in the CSV (6)\n");
}

int cmd_optimize(int argc, char **argv) {
  cli_args a;
  cli_init(&a, "optimize", argc, argv);
  const char *stan_path = NULL, *data_path = NULL, *init_arg = NULL, *output = NULL, *s;
  int jacobian = 0;
  uint64_t seed = 1;
  long v, sig_figs = 6;
  urn_optimize_config ocfg;
  urn_optimize_config_default(&ocfg);
  while (!cli_done(&a)) {
    if (cli_is_help(cli_peek(&a))) {
      usage(stdout);
      return 0;
    } else if (cli_value(&a, "--data", &data_path)) {
    } else if (cli_flag(&a, "--jacobian")) {
      jacobian = 1;
    } else if (cli_value(&a, "--init", &init_arg)) {
    } else if (cli_value(&a, "--seed", &s)) {
      char *end;
      errno = 0;
      unsigned long long u = strtoull(s, &end, 10);
      if (!*s || *end || errno || s[0] == '-') cli_die(&a, 2, "option --seed: '%s' is not a non-negative integer", s);
      seed = u;
    } else if (cli_int(&a, "--iter", 1, 100000000, &v)) {
      ocfg.max_iterations = (int)v;
    } else if (cli_value(&a, "--output", &output)) {
    } else if (cli_int(&a, "--sig-figs", 1, 18, &sig_figs)) {
    } else if (cli_peek(&a)[0] != '-' && !stan_path) {
      stan_path = cli_next(&a);
    } else {
      cli_unknown(&a);
    }
  }
  if (!stan_path) cli_die(&a, 2, "missing the model file (usage: urn optimize model.stan --data d.json)");
  double radius = 2;
  const char *init_file = NULL;
  if (init_arg) {
    char *end;
    double r = strtod(init_arg, &end);
    if (*init_arg && !*end && isfinite(r)) {
      if (r < 0) cli_die(&a, 2, "option --init: the radius %g must not be negative", r);
      radius = r;
    } else {
      init_file = init_arg;
    }
  }
  urn_error err;
  urn_error_clear(&err);
  urn_model *m = urn_model_from_files(stan_path, data_path, seed, &err);
  if (!m) {
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }
  size_t dim = urn_model_num_unconstrained(m);
  double *theta = urn_xcalloc(dim + 1, sizeof *theta), *grad = urn_xcalloc(dim + 1, sizeof *grad);
  opt_target ot = {m, jacobian};
  urn_target target = {dim, opt_lp, &ot};
  urn_rng rng;
  urn_rng_seed(&rng, seed, 0);
  int status = 0;
  if (init_file) {
    size_t len;
    char *text = urn_read_file(init_file, &len, &err);
    if (!text || urn_model_param_unconstrain_json(m, text, len, init_file, theta, &err) != URN_OK) {
      fprintf(stderr, "urn optimize: %s\n", err.msg);
      status = 1;
    }
    free(text);
  } else {
    int ok = 0;
    for (int attempt = 0; attempt < 100 && !ok; attempt++) {
      for (size_t i = 0; i < dim; i++) theta[i] = radius * (2 * urn_rng_uniform(&rng) - 1);
      double lp;
      int rc = opt_lp(&ot, theta, &lp, grad, &err);
      ok = rc == URN_OK && isfinite(lp);
      for (size_t i = 0; ok && i < dim; i++) ok = isfinite(grad[i]);
      if (rc != URN_OK && rc != URN_EREJECT) break;
    }
    if (!ok) {
      fprintf(stderr, "urn optimize: initialization between (-%g, %g) failed after 100 attempts: %s\n", radius,
              radius, err.msg[0] ? err.msg : "the log density or its gradient is not finite");
      status = 1;
    }
  }
  double lp = NAN;
  int iters = 0;
  const char *reason = "";
  if (status == 0) {
    int rc = urn_optimize_lbfgs(&ocfg, &target, theta, &lp, &iters, &reason, &err);
    if (rc == URN_EINPUT) {
      fprintf(stderr, "urn optimize: %s\n", err.msg);
      status = 1;
    } else if (rc != URN_OK) {
      fprintf(stderr, "urn optimize: %s (after %d iterations); the estimate below is the best point found\n",
              err.msg, iters);
      status = 1;
    }
  }
  if (status == 0 || (iters > 0 && isfinite(lp))) {
    size_t n_out = urn_model_num_params(m, 1, 1);
    double *row = urn_xcalloc(n_out + 1, sizeof *row);
    row[0] = lp;
    int rc = urn_model_param_constrain(m, 1, 1, theta, row + 1, &rng, &err);
    if (rc != URN_OK) {
      fprintf(stderr, "urn optimize: %s\n", err.msg);
      status = 1;
    } else {
      if (status == 0) printf("L-BFGS converged after %d iterations: %s.\n", iters, reason);
      printf("%-24s %s\n", "lp__", "estimate");
      char num[64];
      urn_stancsv_format(num, sizeof num, lp, 8);
      printf("%-24s %s\n", "lp__", num);
      for (size_t i = 0; i < n_out; i++) {
        urn_stancsv_format(num, sizeof num, row[1 + i], 8);
        printf("%-24s %s\n", urn_model_param_name(m, i), num);
      }
      char path[4096];
      if (output) {
        snprintf(path, sizeof path, "%s", output);
      } else {
        snprintf(path, sizeof path, "%s-output", urn_model_name(m));
        mkdir(path, 0777);
        snprintf(path, sizeof path, "%s-output/%s-optimize.csv", urn_model_name(m), urn_model_name(m));
      }
      urn_stancsv_writer w;
      if (urn_stancsv_open(&w, path, (int)sig_figs, &err) != URN_OK) {
        fprintf(stderr, "urn optimize: %s\n", err.msg);
        status = 1;
      } else {
        urn_stancsv_comment(&w, "stan_version_major = 2\nstan_version_minor = 36\nstan_version_patch = 0");
        urn_stancsv_comment(&w, "urn_version = %s\nmodel = %s_model\nmethod = optimize", urn_version(),
                            urn_model_name(m));
        urn_stancsv_comment(&w, "  optimize\n    algorithm = lbfgs (Default)\n      lbfgs\n        init_alpha = %g\n"
                                "        tol_obj = %g\n        tol_rel_obj = %g\n        tol_grad = %g\n"
                                "        tol_rel_grad = %g\n        tol_param = %g\n        history_size = %d\n"
                                "    jacobian = %d\n    iter = %d",
                            ocfg.init_alpha, ocfg.tol_obj, ocfg.tol_rel_obj, ocfg.tol_grad, ocfg.tol_rel_grad,
                            ocfg.tol_param, ocfg.history, jacobian, ocfg.max_iterations);
        urn_stancsv_comment(&w, "data\n  file = %s\ninit = %s\nrandom\n  seed = %llu\noutput\n  file = %s",
                            data_path ? data_path : "", init_arg ? init_arg : "2", (unsigned long long)seed, path);
        const char **names = urn_xcalloc(n_out + 1, sizeof *names);
        names[0] = "lp__";
        for (size_t i = 0; i < n_out; i++) names[1 + i] = urn_model_param_name(m, i);
        if (urn_stancsv_header(&w, names, n_out + 1, &err) != URN_OK ||
            urn_stancsv_row(&w, row, n_out + 1, &err) != URN_OK || urn_stancsv_close(&w, &err) != URN_OK) {
          fprintf(stderr, "urn optimize: %s\n", err.msg);
          urn_stancsv_discard(&w);
          status = 1;
        } else {
          printf("Written to %s\n", path);
        }
        free(names);
      }
    }
    free(row);
  }
  free(theta), free(grad);
  urn_model_free(m);
  return status;
}
