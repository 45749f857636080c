/* cli/cmdstan_exe.c — a model executable made by `urn compile`: CmdStan 2.36's
 * command line (run/run_args.h parses it), run through the run layer, with
 * CmdStan's files (output file=B.csv, B_<id>.csv for several chains in one
 * process; diagnostic files alike), console lines ("Iteration: 100 / 2000 [
 * 5%]  (Warmup)", prefixed "Chain [id] " when one process runs several
 * chains), messages (errors on lines starting "Error") and exit codes (0, or
 * 1 on any failure; 130/143 when interrupted).  `info` reports
 * STAN_THREADS=true: chains run on threads, so cmdstanpy runs several chains
 * in one process; the environment variable URN_STAN_THREADS=false makes it
 * report false (cmdstanpy then runs one process per chain).  Inputs as
 * CmdStan reads them: data and inits in CmdStan JSON, per-chain init and
 * metric files <base>_<id>.json before <base>.json. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/compile_exe.h"
#include "io/json.h"
#include "run/run_args.h"
#include "urn/model.h"
#include "urn/run.h"
#include "util/util.h"

/* What the console callbacks need. */
typedef struct exe_console {
  int first_id;      /* id of chain 0 */
  int prefix;        /* several chains in this process: "Chain [id] " before each line */
  int errors_shown;  /* an error line was printed */
} exe_console;

/* Prints text line by line to out, each line prefixed for chain c when needed. */
static void print_lines(const exe_console *con, FILE *out, int c, const char *lead, const char *text) {
  const char *p = text;
  for (;;) {
    const char *nl = strchr(p, '\n');
    int len = nl ? (int)(nl - p) : (int)strlen(p);
    if (con->prefix && c >= 0) fprintf(out, "Chain [%d] ", con->first_id + c);
    fprintf(out, "%s%.*s\n", p == text ? lead : "", len, p);
    if (!nl) break;
    p = nl + 1;
  }
  fflush(out);
}

static void on_progress(void *ctx, int chain, int iteration, int total, int warmup, int divergences) {
  const exe_console *con = ctx;
  int width = (int)ceil(log10((double)total));
  if (con->prefix) printf("Chain [%d] ", con->first_id + chain);
  printf("Iteration: %*d / %d [%3d%%]  (%s)\n", width, iteration, total, (int)(100.0 * iteration / total),
         warmup ? "Warmup" : "Sampling");
  fflush(stdout);
}

static void on_message(void *ctx, int chain, urn_run_msg_kind kind, const char *text) {
  exe_console *con = ctx;
  switch (kind) {
    case URN_RUN_REJECTION:
      print_lines(con, stdout, chain, "",
                  "Informational Message: The current Metropolis proposal is about to be rejected because of the "
                  "following issue:");
      print_lines(con, stdout, chain, "", text);
      print_lines(con, stdout, chain, "",
                  "If this warning occurs sporadically, such as for highly constrained variable types like covariance "
                  "matrices, then the sampler is fine,\nbut if this warning occurs often then your model may be either "
                  "severely ill-conditioned or misspecified.\n");
      break;
    case URN_RUN_ERROR:
      print_lines(con, stderr, chain, "Error: ", text);
      con->errors_shown = 1;
      break;
    case URN_RUN_WARNING: print_lines(con, stdout, chain, "Warning: ", text); break;
    case URN_RUN_DRAW_FAILED:
      print_lines(con, stdout, chain, "Informational Message: generated quantities failed (written as nan): ", text);
      break;
    default: print_lines(con, stdout, chain, "", text);
  }
}

static void print_line(void *ctx, const char *line) { printf("%s\n", line); }

/* ---- files ---- */

/* CmdStan's file::make_filenames: base + tag + "_<id+c>" + suffix for several chains, base + tag + suffix for one. */
static char *chain_file(const char *name, const char *tag, const char *dflt_suffix, int n_chains, int id, int c) {
  const char *slash = strrchr(name, '/'), *base = slash ? slash + 1 : name, *dot = NULL;
  for (const char *p = base + 1; *p; p++)
    if (*p == '.' && p[1] && p[1] != '.' && p[-1] != '.') dot = p;
  size_t stem = dot ? (size_t)(dot - name) : strlen(name);
  const char *suffix = dot ? dot : dflt_suffix;
  char num[32] = "";
  if (n_chains > 1) snprintf(num, sizeof num, "_%d", id + c);
  size_t n = stem + strlen(tag) + strlen(num) + strlen(suffix) + 1;
  char *out = urn_xmalloc(n);
  snprintf(out, n, "%.*s%s%s%s", (int)stem, name, tag, num, suffix);
  return out;
}

static int file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The file chain c reads from a per-chain input argument (inits, metric): with
 * several chains <base>_<id>.json when it exists, else the file as given. */
static char *chain_input(const char *given, int n_chains, int id, int c, urn_error *err) {
  size_t n = strlen(given);
  if (n < 5 || strcmp(given + n - 5, ".json")) {
    urn_error_set(err, URN_EINPUT, "file ending of %s is not supported by urn (CmdStan JSON files must end in .json)",
                  given);
    return NULL;
  }
  if (n_chains > 1) {
    char *per = chain_file(given, "", ".json", n_chains, id, c);
    if (file_exists(per)) return per;
    free(per);
  }
  if (!file_exists(given)) {
    urn_error_set(err, URN_EIO, "Can't open %s: %s", given, strerror(errno ? errno : ENOENT));
    return NULL;
  }
  return urn_xstrdup(given);
}

/* The "inv_metric" of a metric file, flattened (a vector, or a matrix as rows). */
static int read_metric(const char *path, double **out, size_t *n, urn_error *err) {
  urn_json *j = urn_json_parse_file(path, err);
  if (!j) return URN_EINPUT;
  const urn_json *m = j->type == URN_JSON_OBJECT ? urn_json_get(j, "inv_metric") : NULL;
  int rc = URN_OK;
  size_t cap = 16, k = 0;
  double *v = urn_xmalloc(cap * sizeof *v);
  if (!m || m->type != URN_JSON_ARRAY) rc = urn_error_set(err, URN_EINPUT, "%s: no array \"inv_metric\"", path);
  for (size_t i = 0; rc == URN_OK && i < m->len; i++) {
    const urn_json *row = m->items[i];
    size_t cols = row->type == URN_JSON_ARRAY ? row->len : 1;
    for (size_t j2 = 0; j2 < cols && rc == URN_OK; j2++) {
      const urn_json *e = row->type == URN_JSON_ARRAY ? row->items[j2] : row;
      if (k == cap) v = urn_xrealloc(v, (cap *= 2) * sizeof *v);
      if (!urn_json_number(e, &v[k++])) rc = urn_error_set(err, URN_EINPUT, "%s: inv_metric holds a non-number", path);
    }
  }
  urn_json_free(j);
  if (rc != URN_OK) free(v);
  else *out = v, *n = k;
  return rc;
}

/* log_prob's unconstrained_params: a JSON "params_r", one vector or an array of them. */
static int read_points(const char *path, size_t dim, double **out, size_t *n_rows, urn_error *err) {
  urn_json *j = urn_json_parse_file(path, err);
  if (!j) return URN_EINPUT;
  const urn_json *p = j->type == URN_JSON_OBJECT ? urn_json_get(j, "params_r") : NULL;
  int rc = URN_OK;
  if (!p || p->type != URN_JSON_ARRAY) rc = urn_error_set(err, URN_EINPUT, "%s: no array \"params_r\"", path);
  int nested = rc == URN_OK && p->len && p->items[0]->type == URN_JSON_ARRAY;
  size_t rows = rc == URN_OK ? (nested ? p->len : 1) : 0;
  double *v = urn_xcalloc(rows * dim + 1, sizeof *v);
  for (size_t r = 0; r < rows && rc == URN_OK; r++) {
    const urn_json *row = nested ? p->items[r] : p;
    if (row->type != URN_JSON_ARRAY || row->len != dim)
      rc = urn_error_set(err, URN_EINPUT, "%s: params_r: expected %zu unconstrained values per point", path, dim);
    for (size_t i = 0; rc == URN_OK && i < dim; i++)
      if (!urn_json_number(row->items[i], &v[r * dim + i]))
        rc = urn_error_set(err, URN_EINPUT, "%s: params_r holds a non-number", path);
  }
  urn_json_free(j);
  if (rc != URN_OK) free(v);
  else *out = v, *n_rows = rows;
  return rc;
}

static int is_json(const char *path) {
  size_t n = strlen(path);
  return n >= 5 && !strcmp(path + n - 5, ".json");
}

/* ---- inputs ---- */

static int read_and_set_init(urn_run *r, int c, const char *path, urn_error *err) {
  size_t len;
  char *text = urn_read_file(path, &len, err);
  int rc = text ? urn_run_set_init_json(r, c, text, len, path, err) : URN_EIO;
  free(text);
  return rc;
}

/* Initial values (sample, optimize) and metrics (sample), per chain. */
static int set_chain_inputs(urn_run *r, const rn_args *a, int n_chains, urn_error *err) {
  const urn_run_config *cfg = &a->cfg;
  int inits = cfg->init && (cfg->method == URN_RUN_SAMPLE || cfg->method == URN_RUN_OPTIMIZE ||
                            cfg->method == URN_RUN_PATHFINDER || cfg->method == URN_RUN_VARIATIONAL);
  char *end;
  if (inits) strtod(cfg->init, &end), inits = *end != 0; /* a number is a radius */
  int metric = cfg->method == URN_RUN_SAMPLE && cfg->metric_file && *cfg->metric_file && cfg->metric != URN_METRIC_UNIT;
  int rc = URN_OK;
  for (int c = 0; c < n_chains && rc == URN_OK; c++) {
    if (inits) {
      char *path = chain_input(cfg->init, n_chains, cfg->id, c, err);
      rc = path ? read_and_set_init(r, c, path, err) : URN_EINPUT;
      free(path);
    }
    if (rc == URN_OK && metric) {
      char *path = chain_input(cfg->metric_file, n_chains, cfg->id, c, err);
      double *v = NULL;
      size_t n = 0;
      rc = path ? read_metric(path, &v, &n, err) : URN_EINPUT;
      if (rc == URN_OK) rc = urn_run_set_inv_metric(r, c, v, n, err);
      free(path), free(v);
    }
  }
  return rc;
}

/* The fitted draws, mode or points of generate_quantities, laplace and log_prob. */
static int set_method_inputs(urn_run *r, const urn_model *m, const rn_args *a, int n_chains, urn_error *err) {
  const urn_run_config *cfg = &a->cfg;
  if (cfg->method == URN_RUN_GENERATE) {
    const char *f = cfg->fitted_params;
    if (!f || !*f)
      return urn_error_set(err, URN_EINPUT,
                           "Missing fitted_params argument, cannot run generate_quantities without fitted sample.");
    size_t n = strlen(f);
    if (n < 4 || strcmp(f + n - 4, ".csv")) return urn_error_set(err, URN_EINPUT, "Fitted params file must be a CSV file.");
    int rc = URN_OK;
    for (int c = 0; c < n_chains && rc == URN_OK; c++) {
      char *path = chain_file(f, "", ".csv", n_chains, cfg->id, c);
      rc = urn_run_set_fitted_csv(r, c, path, err);
      free(path);
    }
    return rc;
  }
  if (cfg->method == URN_RUN_LAPLACE) {
    const char *f = cfg->mode_file;
    if (!f || !*f)
      return urn_error_set(err, URN_EINPUT,
                           "Missing mode argument, cannot get laplace sample without parameter estimates theta-hat");
    return is_json(f) ? read_and_set_init(r, 0, f, err) : urn_run_set_fitted_csv(r, 0, f, err);
  }
  if (cfg->method == URN_RUN_LOG_PROB) {
    const char *u = cfg->uparams_file && *cfg->uparams_file ? cfg->uparams_file : NULL;
    const char *p = cfg->params_file && *cfg->params_file ? cfg->params_file : NULL;
    if (!u && !p)
      return urn_error_set(err, URN_EINPUT,
                           "No input parameter files provided, cannot calculate log probability density.");
    if (u && p)
      return urn_error_set(err, URN_EINPUT,
                           "Cannot specify both input files of both constrained and unconstrained parameter values.");
    size_t dim = urn_model_num_unconstrained(m), rows = 0, len;
    double *pts = NULL;
    int rc;
    if (u) {
      rc = read_points(u, dim, &pts, &rows, err);
    } else if (!is_json(p)) {
      return urn_run_set_fitted_csv(r, 0, p, err);
    } else {
      char *text = urn_read_file(p, &len, err);
      pts = urn_xcalloc(dim + 1, sizeof *pts), rows = 1;
      rc = text ? urn_model_param_unconstrain_json(m, text, len, p, pts, err) : URN_EIO;
      free(text);
    }
    if (rc == URN_OK) rc = urn_run_set_points(r, pts, rows, err);
    free(pts);
    return rc;
  }
  return URN_OK;
}

/* Every chain's output file and (sample) diagnostic file, named as CmdStan names them. */
static int set_outputs(urn_run *r, const urn_run_config *cfg, int n_chains, urn_error *err) {
  int rc = URN_OK;
  for (int c = 0; c < n_chains && rc == URN_OK; c++) {
    char *path = chain_file(cfg->output_file, "", ".csv", n_chains, cfg->id, c);
    rc = urn_run_output_csv(r, c, path, err);
    free(path);
    if (rc == URN_OK && cfg->method == URN_RUN_SAMPLE && cfg->diagnostic_file && *cfg->diagnostic_file) {
      path = chain_file(cfg->diagnostic_file, "", ".csv", n_chains, cfg->id, c);
      rc = urn_run_diagnostic_csv(r, c, path, err);
      free(path);
    }
  }
  return rc;
}

/* ---- main ---- */

static void print_info(void) {
  const char *threads = getenv("URN_STAN_THREADS");
  printf("stan_version_major = 2\nstan_version_minor = 36\nstan_version_patch = 0\nSTAN_THREADS=%s\n"
         "STAN_MPI=false\nSTAN_OPENCL=false\nSTAN_NO_RANGE_CHECKS=false\nSTAN_CPP_OPTIMS=false\n",
         threads && !strcmp(threads, "false") ? "false" : "true");
}

/* Threads for the chains: num_threads= (-1: every CPU), else STAN_NUM_THREADS, else 1. */
static int resolve_threads(const rn_args *a) {
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  int n = a->cfg.num_threads;
  if (!a->num_threads_given) {
    const char *env = getenv("STAN_NUM_THREADS");
    char *end;
    long v = env ? strtol(env, &end, 10) : 0;
    n = env && *env && !*end && (v > 0 || v == -1) ? (int)v : 1;
  }
  if (n == -1) n = ncpu > 0 ? (int)ncpu : 1;
  return n < 1 ? 1 : n;
}

static char *read_data(const char *path, size_t *len, urn_error *err) {
  *len = 0;
  if (!path || !*path) return NULL;
  size_t n = strlen(path);
  if (n >= 2 && !strcmp(path + n - 2, ".R")) {
    urn_error_set(err, URN_EINPUT, "%s: urn reads data in CmdStan's JSON format only (not R dump)", path);
    return NULL;
  }
  return urn_read_file(path, len, err);
}

/* Builds the model, the run and its inputs and outputs, runs it; returns the exit code. */
static int run_model(rn_args *a, const char *program, size_t len, const char *path) {
  urn_run_config *cfg = &a->cfg;
  urn_error err;
  urn_error_clear(&err);
  exe_console con = {cfg->id, 0, 0};
  size_t dlen;
  char *data = read_data(cfg->data_file, &dlen, &err);
  urn_model *m = NULL;
  /* SIGINT and SIGTERM stop any evaluation (an endless loop in the program too: cli_stop_install) */
  urn_model_options mopt;
  cli_model_options(&mopt);
  mopt.seed = cfg->seed, mopt.stop = cli_stop_install(0);
  char cache[4096]; /* method=sample: the native tier as urn sample's default (auto: silent, never waited for) */
  if (cfg->method == URN_RUN_SAMPLE) cli_native_options(&mopt, "auto", cache, sizeof cache);
  if (err.code == URN_OK)
    m = urn_model_new_opt(path, program, len, cfg->data_file && *cfg->data_file ? cfg->data_file : NULL, data, dlen,
                          &mopt, &err);
  free(data);
  if (!m) {
    print_lines(&con, stderr, -1, "Error: ", err.msg);
    return cli_stop_code() ? cli_stop_code() : 1;
  }
  if (cfg->init) { /* a number is the radius of the random inits; anything else a file (set_chain_inputs) */
    char *end;
    double rad = strtod(cfg->init, &end);
    if (*cfg->init && !*end) {
      if (!(rad >= 0) || !isfinite(rad)) {
        fprintf(stderr, "Error: init=%s: the radius must be a finite number >= 0\n", cfg->init);
        urn_model_free(m);
        return 1;
      }
      cfg->init_radius = rad;
    }
  }
  int fixed = cfg->fixed_param || urn_model_num_unconstrained(m) == 0;
  if (cfg->method == URN_RUN_SAMPLE && !fixed && cfg->adapt_engaged && cfg->num_warmup == 0) {
    fprintf(stderr, "Error: The number of warmup samples (num_warmup) must be greater than zero if adaptation is "
                    "enabled.\n");
    urn_model_free(m);
    return 1;
  }
  urn_run *r = urn_run_new(m, cfg, &err);
  int n_chains = r ? urn_run_num_chains(r) : 0;
  con.prefix = n_chains > 1;
  int rc = r ? URN_OK : err.code;
  if (rc == URN_OK) rc = set_chain_inputs(r, a, n_chains, &err);
  if (rc == URN_OK) rc = set_method_inputs(r, m, a, n_chains, &err);
  if (rc == URN_OK) rc = set_outputs(r, cfg, n_chains, &err);
  if (rc == URN_OK) {
    urn_run_callbacks cb = {&con, NULL, on_progress, on_message};
    urn_run_set_callbacks(r, &cb);
    cli_stop_attach(r);
    rc = urn_run_execute(r, &err);
    cli_stop_attach(NULL);
  }
  if (cli_stop_code()) rc = URN_EINTR;
  if (rc != URN_OK && rc != URN_EINTR && !con.errors_shown) print_lines(&con, stderr, -1, "Error: ", err.msg);
  urn_run_free(r);
  urn_model_free(m);
  if (rc == URN_EINTR) {
    fprintf(stderr, "%s\n", cli_stop_code() ? cli_stop_reason() : "interrupted");
    return cli_stop_code() ? cli_stop_code() : 130;
  }
  return rc == URN_OK ? 0 : 1;
}

int cmdstan_exe_main(int argc, char **argv, const char *program, size_t len, const char *path) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  rn_args a;
  rn_args_action act = rn_args_parse(&a, argc, argv);
  int code = 0;
  if (act == RN_ARGS_INFO) {
    print_info();
  } else if (act == RN_ARGS_HELP) {
    fputs(a.out.data ? a.out.data : "", stdout);
  } else if (act == RN_ARGS_ERROR) {
    fputs(a.out.data ? a.out.data : "", stdout);
    fputs(a.err.data ? a.err.data : "", stderr);
    code = 1;
  } else {
    if (!a.seed_given) {
      struct timespec ts;
      clock_gettime(CLOCK_REALTIME, &ts);
      a.cfg.seed = ((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u) % 4294967296u;
    }
    if (!a.cfg.output_file) a.cfg.output_file = "output.csv";
    if (!a.cfg.profile_file) a.cfg.profile_file = "profile.csv";
    a.cfg.num_threads = resolve_threads(&a);
    rn_args_print(&a.cfg, print_line, NULL);
    printf("\n");
    if (a.unsupported) {
      fprintf(stderr, "Error: %s is not available in urn yet: urn runs sample (hmc engine=nuts, fixed_param), "
                      "optimize, variational, pathfinder, generate_quantities, laplace and log_prob\n", a.unsupported);
      code = 1;
    } else {
      code = run_model(&a, program, len, path);
    }
  }
  rn_args_free(&a);
  return code;
}
