/* cli/cmd_vi.c — `urn pathfinder` and `urn variational`: Pathfinder and
 * ADVI through the run layer (urn/run.h), written as CmdStan's Stan CSV
 * (pathfinder: lp_approx__, lp__, outputs; variational: lp__, log_p__,
 * log_g__, outputs, the first row being the approximation's mean), with the
 * mean and standard deviation of every output printed.  Options map onto
 * CmdStan's argument names (urn_run_config_set), so their ranges and
 * messages are CmdStan's; a bad value is a usage error (exit 2).  SIGINT,
 * SIGTERM and --timeout stop the run (exit 130/143/124, nothing written). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "urn/model.h"
#include "urn/run.h"
#include "util/util.h"

/* An option and the CmdStan argument it sets. */
typedef struct vi_opt {
  const char *opt;  /* the option, e.g. "--num-paths" */
  const char *name; /* the CmdStan argument ("num_paths") */
  const char *help; /* one line */
} vi_opt;

static const vi_opt pf_opts[] = {
    {"--num-paths", "num_paths", "single-path Pathfinders, each from its own random start (4)"},
    {"--psis-draws", "num_psis_draws", "draws kept by PSIS resampling of several paths (--draws)"},
    {"--elbo-draws", "num_elbo_draws", "draws per ELBO estimate (25)"},
    {"--max-lbfgs-iters", "max_lbfgs_iters", "L-BFGS iterations per path (1000)"},
    {"--history-size", "history_size", "L-BFGS history: rank of the covariance update (5)"},
    {"--init-alpha", "init_alpha", "first L-BFGS line-search step (0.001)"},
    {"--tol-rel-grad", "tol_rel_grad", "L-BFGS relative gradient tolerance, in units of epsilon (10; CmdStan: 1e7)"},
    {"--tol-rel-obj", "tol_rel_obj", "L-BFGS relative objective tolerance (1e4)"},
    {NULL, NULL, NULL}};

static const vi_opt vb_opts[] = {
    {"--algorithm", "algorithm", "meanfield (default) or fullrank"},
    {"--iter", "iter", "maximum iterations (10000)"},
    {"--grad-samples", "grad_samples", "draws per ELBO gradient (1)"},
    {"--elbo-samples", "elbo_samples", "draws per ELBO estimate (100)"},
    {"--eta", "eta", "step-size scale when not adapted (1)"},
    {"--adapt-iter", "adapt iter", "iterations of each eta trial (50)"},
    {"--tol-rel-obj", "tol_rel_obj", "convergence: relative ELBO change (0.01)"},
    {"--eval-elbo", "eval_elbo", "iterations between ELBO estimates (100)"},
    {NULL, NULL, NULL}};

static void usage(FILE *out, int pathfinder) {
  if (pathfinder)
    fprintf(out, "usage: urn pathfinder model.stan [--data d.json] [options]\n\n"
                 "Pathfinder variational inference (Zhang et al. 2022), as CmdStan's pathfinder method: normal\n"
                 "approximations along L-BFGS paths, the best by ELBO; several paths are combined by PSIS\n"
                 "importance resampling.\n\noptions:\n"
                 "  --draws N            draws written (1000): per path, and after resampling\n"
                 "  --no-psis-resample   write every path's draws instead of resampling them\n"
                 "  --save-single-paths  also write each path's draws (OUT_path_N.csv) and L-BFGS iterations\n"
                 "                       (OUT_path_N.json; OUT.json with one path), as CmdStan's save_single_paths\n");
  else
    fprintf(out, "usage: urn variational model.stan [--data d.json] [options]\n\n"
                 "ADVI (Kucukelbir et al. 2017), as CmdStan's variational method: a mean-field or full-rank\n"
                 "normal approximation on the unconstrained scale fitted by stochastic gradient ascent on the ELBO.\n"
                 "The CSV's first row is the approximation's mean, then the draws.\n\noptions:\n"
                 "  --draws N            draws written after the mean (1000; CmdStan's output_samples)\n"
                 "  --no-adapt           keep --eta instead of choosing it by trial runs\n");
  for (const vi_opt *o = pathfinder ? pf_opts : vb_opts; o->opt; o++) fprintf(out, "  %-20s %s\n", o->opt, o->help);
  fprintf(out, "  --data FILE          data in CmdStan JSON format\n"
               "  --include-paths DIR[,DIR]  folders searched by #include after the program's own\n"
               "  --init R|FILE        random starts uniform(-R, R) (2), or a JSON file of initial values\n"
               "  --seed N             random seed (1)\n"
               "  --output FILE        the Stan CSV written (default <model>-output/<model>-%s.csv)\n"
               "  --overwrite          replace the output file of an earlier run\n"
               "  --sig-figs N         significant digits in the CSV (6)\n"
               "  --timeout SECONDS    stop after this long (exit 124, nothing written)\n",
          pathfinder ? "pathfinder" : "variational");
}

static void on_message(void *ctx, int chain, urn_run_msg_kind kind, const char *text) {
  (void)ctx, (void)chain;
  if (kind == URN_RUN_WARNING) fprintf(stderr, "Warning: %s\n", text);
  else if (kind == URN_RUN_ERROR) return; /* printed once by the caller */
  else fprintf(stderr, "%s\n", text);
}

/* Mean and sd of every output column (rows from first on). */
static void print_summary(const urn_run *r, size_t first) {
  size_t rows = urn_run_num_rows(r, 0), cols = urn_run_num_cols(r), nm = urn_run_num_method_cols(r);
  const double *d = urn_run_draws(r, 0);
  if (!d || rows <= first) return;
  printf("%-24s %12s %12s\n", "", "mean", "sd");
  for (size_t j = nm; j < cols; j++) {
    double s = 0, ss = 0, n = (double)(rows - first);
    for (size_t i = first; i < rows; i++) s += d[i * cols + j];
    double mean = s / n;
    for (size_t i = first; i < rows; i++) ss += (d[i * cols + j] - mean) * (d[i * cols + j] - mean);
    printf("%-24s %12.6g %12.6g\n", urn_run_col_name(r, j), mean, n > 1 ? sqrt(ss / (n - 1)) : 0.0);
  }
}

/* Options into cfg; returns the positional model path and fills the common ones. */
static const char *parse(cli_args *a, urn_run_config *cfg, int pathfinder, const char **data, const char **init,
                         const char **output, const char **incp, double *timeout) {
  const char *stan_path = NULL, *v;
  long n;
  unsigned long long u;
  while (!cli_done(a)) {
    const char *arg = cli_peek(a);
    if (cli_is_help(arg)) {
      usage(stdout, pathfinder);
      exit(0);
    }
    int matched = 0;
    for (const vi_opt *o = pathfinder ? pf_opts : vb_opts; o->opt && !matched; o++)
      if (cli_value(a, o->opt, &v)) {
        urn_error err;
        if (urn_run_config_set(cfg, o->name, v, &err) != URN_OK) cli_die(a, 2, "option %s: %s", o->opt, err.msg);
        matched = 1;
      }
    if (matched) continue;
    if (cli_int(a, "--draws", 1, 100000000, &n)) {
      if (pathfinder) cfg->num_draws = cfg->num_psis_draws = (int)n;
      else cfg->output_samples = (int)n;
    } else if (pathfinder && cli_flag(a, "--no-psis-resample")) {
      cfg->psis_resample = 0;
    } else if (pathfinder && cli_flag(a, "--save-single-paths")) {
      cfg->save_single_paths = 1;
    } else if (!pathfinder && cli_flag(a, "--no-adapt")) {
      cfg->adapt_engaged = 0;
    } else if (cli_flag(a, "--overwrite")) {
      cfg->overwrite = 1;
    } else if (cli_value(a, "--data", data) || cli_value(a, "--init", init) || cli_value(a, "--output", output) ||
               cli_value(a, "--include-paths", incp)) {
    } else if (cli_seed(a, &u)) {
      cfg->seed = u;
    } else if (cli_timeout(a, timeout)) {
    } else if (cli_int(a, "--sig-figs", 1, 18, &n)) {
      cfg->sig_figs = (int)n;
    } else if (arg[0] != '-' && !stan_path) {
      stan_path = cli_next(a);
    } else {
      cli_unknown(a);
    }
  }
  if (!stan_path)
    cli_die(a, 2, "missing the model file (usage: urn %s model.stan --data d.json)",
            pathfinder ? "pathfinder" : "variational");
  if (*init) {
    char *end;
    double rad = strtod(*init, &end);
    if (**init && !*end && isfinite(rad)) {
      if (rad < 0) cli_die(a, 2, "option --init: the radius %g must not be negative", rad);
      cfg->init_radius = rad;
    }
  }
  return stan_path;
}

static int run_method(int argc, char **argv, int pathfinder) {
  cli_args a;
  cli_init(&a, pathfinder ? "pathfinder" : "variational", argc, argv);
  urn_run_config cfg;
  urn_run_config_default(&cfg, pathfinder ? URN_RUN_PATHFINDER : URN_RUN_VARIATIONAL);
  cfg.sig_figs = 6;
  cfg.overwrite = 0; /* an earlier output is never replaced silently (as sample and generate); --overwrite */
  /* urn's default for the relative gradient test: CmdStan's 1e7 (x epsilon) stops L-BFGS short of the mode on
   * badly scaled posteriors (posteriordb earnings: 18 nats below it, means 6 sd off); the executables keep 1e7 */
  if (pathfinder) cfg.tol_rel_grad = 10;
  const char *data = NULL, *init = NULL, *output = NULL, *incp = NULL;
  double timeout = 0;
  const char *stan_path = parse(&a, &cfg, pathfinder, &data, &init, &output, &incp, &timeout);
  char *end = NULL;
  const char *init_file = init && (strtod(init, &end), *end || !*init) ? init : NULL;
  cfg.data_file = data, cfg.init = init;
  urn_error err;
  urn_error_clear(&err);
  urn_model *m = cli_load_model(stan_path, data, cfg.seed, incp, timeout);
  if (!m) return cli_fail_code();
  char path[4096];
  cli_output_path(path, sizeof path, output, m, a.cmd);
  urn_run *r = urn_run_new(m, &cfg, &err);
  int rc = r ? URN_OK : URN_EINPUT;
  if (r && init_file) {
    size_t len;
    char *text = urn_read_file(init_file, &len, &err);
    rc = text ? urn_run_set_init_json(r, 0, text, len, init_file, &err) : URN_EIO;
    free(text);
  }
  if (rc == URN_OK) rc = urn_run_output_csv(r, 0, path, &err);
  if (rc == URN_OK) {
    urn_run_callbacks cb = {NULL, NULL, NULL, on_message};
    urn_run_set_callbacks(r, &cb);
    cli_stop_attach(r);
    rc = urn_run_execute(r, &err);
    cli_stop_attach(NULL);
  }
  int status = 0;
  if (cli_stop_code()) { /* stopped: the run discarded its incomplete output */
    fprintf(stderr, "urn %s: %s; nothing written\n", a.cmd, cli_stop_reason());
    status = cli_stop_code();
  } else if (rc != URN_OK) {
    fprintf(stderr, "urn %s: %s\n", a.cmd, err.msg);
    status = 1;
  } else {
    printf("%s: %lld gradient and %lld log density evaluations", a.cmd, urn_run_num_gradients(r),
           urn_run_num_log_densities(r));
    if (pathfinder && isfinite(urn_run_pareto_k(r))) printf(", PSIS Pareto k %.2f", urn_run_pareto_k(r));
    if (!pathfinder) printf(", %d iterations (%s)", urn_run_iterations(r), urn_run_stop_reason(r));
    printf("\n");
    print_summary(r, pathfinder ? 0 : 1);
    printf("Written to %s\n", path);
  }
  urn_run_free(r);
  urn_model_free(m);
  return status;
}

int cmd_pathfinder(int argc, char **argv) { return run_method(argc, argv, 1); }
int cmd_variational(int argc, char **argv) { return run_method(argc, argv, 0); }
