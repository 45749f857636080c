/* cli/cmd_sample.c — `urn sample`: NUTS on a Stan model, one Stan CSV file
 * per chain (DIR/<model>-<chain>.csv), a progress line on a terminal, the
 * summary table at the end.  SIGINT/SIGTERM stop the chains after their
 * current iteration; the files are then complete with the draws made so far
 * and the exit status is 130/143. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/progress.h"
#include "infer/nuts.h"
#include "io/stancsv_write.h"
#include "math/rng.h"
#include "urn/diag.h"
#include "urn/model.h"
#include "urn/sample.h"
#include "util/util.h"

/* The only process-wide state: set by the signal handler, read by the chains. */
static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) {
  stop_requested = 1;
  stop_signal = sig;
}

static const char *const sampler_columns[] = {"lp__",         "accept_stat__", "stepsize__", "treedepth__",
                                              "n_leapfrog__", "divergent__",   "energy__"};
#define N_SAMPLER_COLS 7

/* The target of the sampler: Stan's lp__ (propto, with the Jacobian). */
static int model_target(void *ctx, const double *theta, double *lp, double *grad, urn_error *err) {
  return urn_model_log_density_gradient(ctx, 1, 1, theta, lp, grad, err);
}

typedef struct sample_run {
  const urn_model *model;      /* the model */
  const urn_sample_config *cfg; /* settings */
  size_t n_out;                /* model columns: parameters, transformed parameters, generated quantities */
  size_t n_no_gq;              /* columns without the generated quantities */
  size_t n_cols;               /* N_SAMPLER_COLS + n_out */
  urn_stancsv_writer *writers; /* per chain */
  int *opened;                 /* writer c is open */
  double **row;                /* per chain row buffer */
  double **kept;               /* per chain post-warmup rows kept for the summary */
  size_t *n_kept;              /* rows in kept[c] */
  urn_progress progress;       /* terminal display */
  pthread_mutex_t msg_lock;    /* guards the message kinds and stderr */
  unsigned long kinds[64];     /* message kinds already reported */
  int n_kinds;                 /* entries in kinds */
  long long mode_gradients;    /* gradient evaluations of the --init mode search */
  double run_cpu_start;        /* process CPU seconds when sampling started */
  double mode_cpu;             /* process CPU seconds of the --init mode search */
} sample_run;

/* Reports msg on stderr unless a message of its kind was reported before. */
static void report_once(sample_run *r, int chain, const char *what, const char *msg) {
  unsigned long kind = urn_nuts_message_kind(msg);
  pthread_mutex_lock(&r->msg_lock);
  int seen = 0;
  for (int i = 0; i < r->n_kinds; i++) seen |= r->kinds[i] == kind;
  if (!seen && r->n_kinds < 64) {
    r->kinds[r->n_kinds++] = kind;
    urn_progress_clear(&r->progress);
    fprintf(stderr, "chain %d: %s (reported once per kind):\n  %s\n", chain + 1, what, msg);
  }
  pthread_mutex_unlock(&r->msg_lock);
}

static void sink_rejection(void *ctx, int chain, const char *msg) {
  report_once(ctx, chain, "a proposal was rejected", msg);
}

static void sink_warning(void *ctx, int chain, const char *msg) {
  sample_run *r = ctx;
  unsigned long kind = urn_nuts_message_kind(msg);
  pthread_mutex_lock(&r->msg_lock);
  int seen = 0;
  for (int i = 0; i < r->n_kinds; i++) seen |= r->kinds[i] == kind;
  if (!seen && r->n_kinds < 64) {
    r->kinds[r->n_kinds++] = kind;
    urn_progress_clear(&r->progress);
    if (chain >= 0)
      fprintf(stderr, "urn sample: warning: chain %d: %s\n", chain + 1, msg);
    else
      fprintf(stderr, "urn sample: warning: %s\n", msg);
  }
  pthread_mutex_unlock(&r->msg_lock);
}

static void sink_mode(void *ctx, const urn_mode_report *rep, const double *theta) {
  sample_run *r = ctx;
  r->mode_gradients = rep->n_gradients;
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  r->mode_cpu = ts.tv_sec + 1e-9 * ts.tv_nsec - r->run_cpu_start;
  if (!theta) return; /* the warning says what happened */
  printf("--init mode: %d L-BFGS optimizations (%lld gradient evaluations): %d of %d reached the best mode "
         "(lp__ %.6g)",
         rep->n_starts, rep->n_gradients, rep->n_at_best, rep->n_starts, rep->best_lp);
  if (rep->n_modes > rep->n_at_best) printf(", %d a lower one (best of them lp__ %.6g)", rep->n_modes - rep->n_at_best,
                                            rep->second_lp);
  printf("; every chain starts there.\n");
  fflush(stdout);
}

static int sink_draw(void *ctx, int chain, int iteration, int warmup, const urn_nuts_stats *st, const double *theta,
                     urn_rng *rng, urn_error *err) {
  sample_run *r = ctx;
  double *row = r->row[chain];
  row[0] = st->lp, row[1] = st->accept_stat, row[2] = st->stepsize, row[3] = st->treedepth;
  row[4] = st->n_leapfrog, row[5] = st->divergent, row[6] = st->energy;
  double *out = row + N_SAMPLER_COLS;
  int rc = urn_model_param_constrain(r->model, 1, 1, theta, out, rng, err);
  if (rc == URN_EREJECT) {
    /* generated quantities rejected this draw: keep the parameters, NaN for the rest (as Stan reports it) */
    report_once(r, chain, "generated quantities failed for a draw (written as nan)", err->msg);
    urn_error_clear(err);
    rc = urn_model_param_constrain(r->model, 1, 0, theta, out, rng, err);
    for (size_t i = r->n_no_gq; i < r->n_out; i++) out[i] = NAN;
  }
  if (rc != URN_OK) return rc;
  rc = urn_stancsv_row(&r->writers[chain], row, r->n_cols, err);
  if (rc != URN_OK) return rc;
  if (!warmup && r->kept[chain]) {
    size_t k = r->n_kept[chain]++;
    memcpy(r->kept[chain] + k * r->n_cols, row, r->n_cols * sizeof *row);
  }
  return URN_OK;
}

static int sink_adapted(void *ctx, int chain, double stepsize, const double *inv_metric, size_t dim,
                        urn_metric_kind metric, urn_error *err) {
  sample_run *r = ctx;
  urn_stancsv_adaptation(&r->writers[chain], stepsize, inv_metric, dim, metric == URN_METRIC_DENSE);
  return URN_OK;
}

static void sink_progress(void *ctx, int chain, int iteration, int total, int divergences) {
  sample_run *r = ctx;
  urn_progress_update(&r->progress, chain, iteration, total, divergences);
}

static void sink_finish(void *ctx, int chain, int status, double warmup_s, double sampling_s) {
  sample_run *r = ctx;
  urn_stancsv_timing(&r->writers[chain], warmup_s, sampling_s);
}

static void usage(FILE *out) {
  fprintf(out,
          "usage: urn sample model.stan [--data d.json] [options]\n\n"
          "Draws from the model's posterior with NUTS (Stan's algorithm and adaptation) and writes one\n"
          "Stan CSV file per chain, DIR/<model>-<chain>.csv.\n\n"
          "options:\n"
          "  --data FILE          data in CmdStan JSON format\n"
          "  --chains N           number of chains (4)\n"
          "  --warmup N           warmup iterations per chain (1000)\n"
          "  --draws N            post-warmup iterations per chain (1000)\n"
          "  --seed N             random seed (default: from the clock; written in the CSV)\n"
          "  --output-dir DIR     where the CSV files go (<model>-output)\n"
          "  --adapt-delta X      target acceptance statistic in (0, 1) (0.8)\n"
          "  --max-depth N        maximum tree depth (10)\n"
          "  --metric diag|dense|unit  inverse metric adapted in warmup (diag)\n"
          "  --stepsize X         initial step size (1)\n"
          "  --init R|FILE|mode[:S]  random inits uniform(-R, R) on the unconstrained scale (2),\n"
          "                       a JSON file of initial values (all chains), or mode: every chain\n"
          "                       starts at the highest of S (8) L-BFGS modes of the log density\n"
          "                       (unconstrained scale, Jacobian included) found from uniform(-2, 2)\n"
          "                       starts: for multimodal posteriors (mixtures, HMMs)\n"
          "  --thin N             keep every N-th draw (1)\n"
          "  --save-warmup        also write the warmup draws\n"
          "  --threads N          threads running the chains (default: chains, at most the CPUs)\n"
          "  --refresh N          progress update every N iterations (100; 0 = quiet)\n"
          "  --sig-figs N         significant digits in the CSV (6, as CmdStan)\n"
          "  --overwrite          replace the CSV files of an earlier run\n"
          "  --no-summary         do not print the summary table\n");
}

static int is_number(const char *s, double *v) {
  char *end;
  errno = 0;
  *v = strtod(s, &end);
  return *s && !*end && !errno && isfinite(*v);
}

static int mkdir_p(const char *dir) {
  char buf[4096];
  snprintf(buf, sizeof buf, "%s", dir);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
    *p = '/';
  }
  if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
  struct stat st;
  return stat(buf, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
}

static void write_config(urn_stancsv_writer *w, const urn_model *m, const urn_sample_config *cfg, int chain,
                         const char *data_path, const char *init_text, const char *file, int sig_figs) {
  time_t now = time(NULL);
  struct tm tmv;
  gmtime_r(&now, &tmv);
  char date[64];
  strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S UTC", &tmv);
  const char *metric = cfg->metric == URN_METRIC_DENSE ? "dense_e" : cfg->metric == URN_METRIC_UNIT ? "unit_e"
                                                                                                      : "diag_e";
  urn_stancsv_comment(w, "stan_version_major = 2\nstan_version_minor = 36\nstan_version_patch = 0");
  urn_stancsv_comment(w, "urn_version = %s", urn_version());
  urn_stancsv_comment(w, "model = %s_model\nstart_datetime = %s\nmethod = sample (Default)", urn_model_name(m), date);
  urn_stancsv_comment(w, "  sample\n    num_samples = %d\n    num_warmup = %d\n    save_warmup = %d\n    thin = %d",
                      cfg->num_samples, cfg->num_warmup, cfg->save_warmup, cfg->thin);
  urn_stancsv_comment(w,
                      "    adapt\n      engaged = %d\n      gamma = %g\n      delta = %g\n      kappa = %g\n"
                      "      t0 = %g\n      init_buffer = %u\n      term_buffer = %u\n      window = %u",
                      cfg->adapt_engaged && cfg->num_warmup > 0, cfg->adapt_gamma, cfg->adapt_delta,
                      cfg->adapt_kappa, cfg->adapt_t0, cfg->init_buffer, cfg->term_buffer, cfg->window);
  urn_stancsv_comment(w,
                      "    algorithm = hmc (Default)\n      hmc\n        engine = nuts (Default)\n          nuts\n"
                      "            max_depth = %d\n        metric = %s\n        metric_file = \n"
                      "        stepsize = %g\n        stepsize_jitter = 0\n    num_chains = 1",
                      cfg->max_depth, metric, cfg->stepsize);
  urn_stancsv_comment(w, "id = %d\ndata\n  file = %s\ninit = %s\nrandom\n  seed = %llu", chain + 1,
                      data_path ? data_path : "", init_text, (unsigned long long)cfg->seed);
  urn_stancsv_comment(w,
                      "output\n  file = %s\n  diagnostic_file = \n  refresh = %d\n  sig_figs = %d\n"
                      "num_threads = %d\nstanc_version = urn %s\nstancflags = ",
                      file, cfg->refresh, sig_figs, cfg->num_threads, urn_version());
}

int cmd_sample(int argc, char **argv) {
  cli_args a;
  cli_init(&a, "sample", argc, argv);
  urn_sample_config cfg;
  urn_sample_config_default(&cfg);
  const char *stan_path = NULL, *data_path = NULL, *out_dir = NULL, *init_arg = NULL, *metric = NULL;
  long v;
  double d;
  int seed_given = 0, threads_given = 0, overwrite = 0, no_summary = 0;
  long sig_figs = 6;
  while (!cli_done(&a)) {
    const char *s;
    if (cli_is_help(cli_peek(&a))) {
      usage(stdout);
      return 0;
    } else if (cli_value(&a, "--data", &data_path)) {
    } else if (cli_int(&a, "--chains", 1, 1024, &v)) {
      cfg.num_chains = (int)v;
    } else if (cli_int(&a, "--warmup", 0, 100000000, &v)) {
      cfg.num_warmup = (int)v;
    } else if (cli_int(&a, "--draws", 0, 100000000, &v)) {
      cfg.num_samples = (int)v;
    } else if (cli_value(&a, "--seed", &s)) {
      char *end;
      errno = 0;
      unsigned long long u = strtoull(s, &end, 10);
      if (!*s || *end || errno || s[0] == '-') cli_die(&a, 2, "option --seed: '%s' is not a non-negative integer", s);
      cfg.seed = u, seed_given = 1;
    } else if (cli_value(&a, "--output-dir", &out_dir)) {
    } else if (cli_double(&a, "--adapt-delta", 0, 1, 1, &d)) {
      cfg.adapt_delta = d;
    } else if (cli_int(&a, "--max-depth", 1, 30, &v)) {
      cfg.max_depth = (int)v;
    } else if (cli_value(&a, "--metric", &metric)) {
      if (!strcmp(metric, "diag") || !strcmp(metric, "diag_e"))
        cfg.metric = URN_METRIC_DIAG;
      else if (!strcmp(metric, "dense") || !strcmp(metric, "dense_e"))
        cfg.metric = URN_METRIC_DENSE;
      else if (!strcmp(metric, "unit") || !strcmp(metric, "unit_e"))
        cfg.metric = URN_METRIC_UNIT;
      else
        cli_die(&a, 2, "option --metric: '%s' is not one of diag, dense, unit", metric);
    } else if (cli_double(&a, "--stepsize", 0, 1e7, 1, &d)) {
      cfg.stepsize = d;
    } else if (cli_value(&a, "--init", &init_arg)) {
    } else if (cli_int(&a, "--thin", 1, 100000000, &v)) {
      cfg.thin = (int)v;
    } else if (cli_flag(&a, "--save-warmup")) {
      cfg.save_warmup = 1;
    } else if (cli_int(&a, "--threads", 1, 1024, &v)) {
      cfg.num_threads = (int)v, threads_given = 1;
    } else if (cli_int(&a, "--refresh", 0, 100000000, &v)) {
      cfg.refresh = (int)v;
    } else if (cli_int(&a, "--sig-figs", 1, 18, &sig_figs)) {
    } else if (cli_flag(&a, "--overwrite")) {
      overwrite = 1;
    } else if (cli_flag(&a, "--no-summary")) {
      no_summary = 1;
    } else if (cli_peek(&a)[0] != '-' && !stan_path) {
      stan_path = cli_next(&a);
    } else {
      cli_unknown(&a);
    }
  }
  if (!stan_path) cli_die(&a, 2, "missing the model file (usage: urn sample model.stan --data d.json)");
  if (!seed_given) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    cfg.seed = ((uint64_t)ts.tv_sec * 1000003u + (uint64_t)ts.tv_nsec / 1000u) % 4294967296u;
  }
  if (!threads_given) {
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    cfg.num_threads = ncpu > 0 && ncpu < cfg.num_chains ? (int)ncpu : cfg.num_chains;
  }
  char init_text[64] = "2";
  const char *init_file = NULL;
  if (init_arg) {
    if (!strcmp(init_arg, "mode") || !strncmp(init_arg, "mode:", 5)) {
      long starts = 8;
      if (init_arg[4] == ':') {
        char *end;
        errno = 0;
        starts = strtol(init_arg + 5, &end, 10);
        if (!init_arg[5] || *end || errno || starts < 1 || starts > 1024)
          cli_die(&a, 2, "option --init: in 'mode:S', S must be a number of optimizations in [1, 1024] (got '%s')",
                  init_arg + 5);
      }
      cfg.init_mode = (int)starts;
      snprintf(init_text, sizeof init_text, "mode:%ld", starts);
    } else if (is_number(init_arg, &d)) {
      if (d < 0) cli_die(&a, 2, "option --init: the radius %g must not be negative", d);
      cfg.init_radius = d;
      snprintf(init_text, sizeof init_text, "%g", d);
    } else {
      init_file = init_arg;
    }
  }

  urn_error err;
  urn_error_clear(&err);
  urn_model *m = urn_model_from_files(stan_path, data_path, cfg.seed, &err);
  if (!m) {
    fprintf(stderr, "%s\n", err.msg);
    return err.code == URN_EIO || err.code == URN_EINPUT ? 1 : 1;
  }
  size_t dim = urn_model_num_unconstrained(m);
  double *init_theta = NULL;
  const double **inits = NULL;
  if (init_file) {
    size_t len;
    char *text = urn_read_file(init_file, &len, &err);
    init_theta = urn_xcalloc(dim ? dim : 1, sizeof *init_theta);
    if (!text || urn_model_param_unconstrain_json(m, text, len, init_file, init_theta, &err) != URN_OK) {
      fprintf(stderr, "urn sample: %s\n", err.msg);
      free(text), free(init_theta);
      urn_model_free(m);
      return 1;
    }
    free(text);
    inits = urn_xcalloc((size_t)cfg.num_chains, sizeof *inits);
    for (int c = 0; c < cfg.num_chains; c++) inits[c] = init_theta;
  }

  /* output files */
  const char *name = urn_model_name(m);
  char default_dir[4096];
  snprintf(default_dir, sizeof default_dir, "%s-output", name);
  if (!out_dir) out_dir = default_dir;
  if (mkdir_p(out_dir) != 0) {
    fprintf(stderr, "urn sample: cannot create the output directory %s: %s\n", out_dir, strerror(errno));
    urn_model_free(m);
    return 1;
  }
  int nch = cfg.num_chains;
  char **paths = urn_xcalloc((size_t)nch, sizeof *paths);
  for (int c = 0; c < nch; c++) {
    size_t n = strlen(out_dir) + strlen(name) + 32;
    paths[c] = urn_xmalloc(n);
    snprintf(paths[c], n, "%s/%s-%d.csv", out_dir, name, c + 1);
  }
  int status = 0;
  if (!overwrite)
    for (int c = 0; c < nch; c++)
      if (access(paths[c], F_OK) == 0) {
        fprintf(stderr, "urn sample: %s exists (from an earlier run); use --overwrite to replace it, or "
                        "--output-dir to write elsewhere\n", paths[c]);
        status = 1;
        break;
      }

  sample_run r;
  memset(&r, 0, sizeof r);
  r.model = m, r.cfg = &cfg;
  r.n_out = urn_model_num_params(m, 1, 1);
  r.n_no_gq = urn_model_num_params(m, 1, 0);
  r.n_cols = N_SAMPLER_COLS + r.n_out;
  r.writers = urn_xcalloc((size_t)nch, sizeof *r.writers);
  r.opened = urn_xcalloc((size_t)nch, sizeof *r.opened);
  r.row = urn_xcalloc((size_t)nch, sizeof *r.row);
  r.kept = urn_xcalloc((size_t)nch, sizeof *r.kept);
  r.n_kept = urn_xcalloc((size_t)nch, sizeof *r.n_kept);
  pthread_mutex_init(&r.msg_lock, NULL);
  size_t kept_rows = (size_t)(cfg.num_samples + cfg.thin - 1) / (size_t)cfg.thin, kept_size;
  if (urn_mul_overflow(kept_rows, r.n_cols, &kept_size)) kept_size = SIZE_MAX;
  if (!no_summary && kept_size > ((size_t)1 << 34) / sizeof(double)) {
    fprintf(stderr,
            "urn sample: %zu draws of %zu columns is too many to hold in memory for the summary "
            "(use --no-summary and run urn summary on fewer columns)\n",
            kept_rows, r.n_cols);
    status = 1;
  }
  const char **names = urn_xcalloc(r.n_cols, sizeof *names);
  for (size_t i = 0; i < N_SAMPLER_COLS; i++) names[i] = sampler_columns[i];
  for (size_t i = 0; i < r.n_out; i++) names[N_SAMPLER_COLS + i] = urn_model_param_name(m, i);
  for (int c = 0; c < nch && status == 0; c++) {
    if (urn_stancsv_open(&r.writers[c], paths[c], (int)sig_figs, &err) != URN_OK) {
      fprintf(stderr, "urn sample: %s\n", err.msg);
      status = 1;
      break;
    }
    r.opened[c] = 1;
    write_config(&r.writers[c], m, &cfg, c, data_path, init_file ? init_file : init_text, paths[c], (int)sig_figs);
    urn_stancsv_header(&r.writers[c], names, r.n_cols, &err);
    r.row[c] = urn_xcalloc(r.n_cols, sizeof(double));
    /* Only the end-of-run summary needs the draws in memory: with --no-summary memory stays flat
       however long the run (the draws are on disk). */
    if (!no_summary) r.kept[c] = urn_xcalloc(kept_size ? kept_size : 1, sizeof(double));
  }

  urn_chain_result *res = urn_xcalloc((size_t)nch, sizeof *res);
  int interrupted = 0;
  double t0 = 0, t1 = 0, c0 = 0, c1 = 0;
  if (status == 0) {
    urn_progress_init(&r.progress, nch, cfg.num_warmup, cfg.num_warmup + cfg.num_samples,
                      cfg.refresh > 0 && isatty(STDOUT_FILENO));
    urn_target target = {dim, model_target, m};
    urn_sample_sink sink;
    memset(&sink, 0, sizeof sink);
    sink.ctx = &r, sink.draw = sink_draw, sink.adapted = sink_adapted, sink.progress = sink_progress;
    sink.rejection = sink_rejection, sink.finish = sink_finish;
    sink.warning = sink_warning, sink.mode = sink_mode;
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    stop_requested = 0, stop_signal = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    t0 = ts.tv_sec + 1e-9 * ts.tv_nsec;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    c0 = ts.tv_sec + 1e-9 * ts.tv_nsec;
    r.run_cpu_start = c0;
    int rc = urn_sample_run(&cfg, &target, inits, &sink, &stop_requested, res, &err);
    clock_gettime(CLOCK_MONOTONIC, &ts);
    t1 = ts.tv_sec + 1e-9 * ts.tv_nsec;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    c1 = ts.tv_sec + 1e-9 * ts.tv_nsec;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    urn_progress_clear(&r.progress);
    urn_progress_free(&r.progress);
    if (rc == URN_EINTR) {
      interrupted = stop_signal == SIGTERM ? 143 : 130;
    } else if (rc != URN_OK) {
      fprintf(stderr, "urn sample: %s\n", err.msg);
      status = 1;
    }
  }
  /* close the files of chains that ran (even partly); drop the others */
  for (int c = 0; c < nch; c++) {
    if (!r.opened[c]) continue;
    int ran = res[c].iterations > 0 || res[c].status == URN_OK;
    if (status == 0 && !ran && res[c].status != URN_OK) ran = 0;
    if (ran) {
      if (urn_stancsv_close(&r.writers[c], &err) != URN_OK) {
        fprintf(stderr, "urn sample: %s\n", err.msg);
        status = 1;
      }
    } else {
      urn_stancsv_discard(&r.writers[c]);
    }
  }

  if (status == 0 && interrupted) {
    fprintf(stderr, "urn sample: interrupted; the files in %s hold the draws made so far\n", out_dir);
  } else if (status == 0) {
    long long grads = r.mode_gradients, chain_grads = 0;
    int div = 0, hits = 0;
    for (int c = 0; c < nch; c++) chain_grads += res[c].n_gradients, div += res[c].divergent, hits += res[c].max_depth_hits;
    grads += chain_grads;
    double warm = 0, samp = 0;
    for (int c = 0; c < nch; c++) warm += res[c].warmup_cpu_seconds, samp += res[c].sampling_cpu_seconds;
    printf("%d chains of %d warmup + %d draws (seed %llu) in %.2f s wall, %.2f s CPU; CPU summed over chains: "
           "warmup %.3g s, sampling %.3g s, %.3g us per gradient",
           nch, cfg.num_warmup, cfg.num_samples, (unsigned long long)cfg.seed, t1 - t0, c1 - c0, warm, samp,
           chain_grads ? 1e6 * (warm + samp) / (double)chain_grads : 0.0);
    if (cfg.init_mode > 0) printf("; mode search %.2f s CPU", r.mode_cpu);
    printf("; %lld gradient evaluations; %d divergent transitions after warmup; %d transitions hit the maximum "
           "tree depth %d. Step sizes:", grads, div, hits, cfg.max_depth);
    for (int c = 0; c < nch; c++) printf(" %.3g", res[c].stepsize);
    printf(". Output: %s/%s-{1..%d}.csv\n", out_dir, name, nch);
    /* the summary table is diag's */
    if (!no_summary && r.n_kept[0] > 0) {
      urn_draws dr;
      memset(&dr, 0, sizeof dr);
      dr.n_chains = (size_t)nch, dr.n_draws = r.n_kept[0], dr.n_cols = r.n_cols;
      dr.names = names;
      dr.draws = (const double *const *)r.kept;
      int *depths = urn_xcalloc((size_t)nch, sizeof *depths);
      for (int c = 0; c < nch; c++) depths[c] = cfg.max_depth;
      dr.max_depth = depths;
      urn_summary_options opt;
      urn_summary_options_init(&opt);
      printf("\n");
      if (urn_summary_print(stdout, &dr, &opt, &err) != URN_OK) fprintf(stderr, "urn sample: %s\n", err.msg);
      free(depths);
    }
  }

  for (int c = 0; c < nch; c++) free(paths[c]), free(r.row[c]), free(r.kept[c]);
  free(paths), free(r.row), free(r.kept), free(r.n_kept), free(r.writers), free(r.opened), free(names), free(res);
  pthread_mutex_destroy(&r.msg_lock);
  free(inits), free(init_theta);
  urn_model_free(m);
  if (status) return status;
  return interrupted;
}
