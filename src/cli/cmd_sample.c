/* cli/cmd_sample.c — `urn sample`: NUTS on a Stan model through the run layer
 * (urn/run.h), one Stan CSV file per chain (DIR/<model>-<chain>.csv), a
 * progress line on a terminal, the summary table at the end.  SIGINT/SIGTERM
 * and --timeout stop the chains (an evaluation in progress ends at its next
 * loop iteration: cli_stop_install); the files are then complete with the
 * draws made so far and the exit status is 130/143/124. */
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
#include "urn/diag.h"
#include "urn/model.h"
#include "urn/run.h"
#include "util/util.h"

/* The Fisher schemes' default warmup (choose_scheme): nutpie's 300 for the diagonal metric; 400 for the low-rank
 * one, where the GP hyperparameters of gp_pois_regr were not yet mixed after 300 (docs/sampling.md). */
#define CLI_FISHER_WARMUP 300
#define CLI_LOWRANK_WARMUP 400

/* The terminal display and the message kinds already shown (callbacks are serialized by the run). */
typedef struct sample_view {
  urn_progress progress;   /* terminal display */
  int chain0;              /* under mpirun: the number of this rank's first chain, less one (else 0) */
  unsigned long kinds[64]; /* message kinds already reported */
  int n_kinds;             /* entries in kinds */
  int quiet_run;           /* under mpirun, ranks other than 0: the run-wide lines (chain < 0) are rank 0's to print */
} sample_view;

/* Whether a message of this kind was shown before (and remembers it). */
static int seen_before(sample_view *v, const char *msg) {
  unsigned long kind = urn_nuts_message_kind(msg);
  for (int i = 0; i < v->n_kinds; i++)
    if (v->kinds[i] == kind) return 1;
  if (v->n_kinds < 64) v->kinds[v->n_kinds++] = kind;
  return 0;
}

static void on_message(void *ctx, int chain, urn_run_msg_kind kind, const char *text) {
  sample_view *v = ctx;
  if (chain < 0 && v->quiet_run) return;
  if (kind == URN_RUN_INFO) { /* the run's own lines (the mode search, no parameters); CmdStan's console lines and
                                 the Pathfinder start's per-path lines ("Path [p] :...", in thread order) skipped:
                                 its one summary line says what it did */
    if (chain < 0 && strncmp(text, "Path [", 6)) urn_progress_clear(&v->progress), printf("%s\n", text), fflush(stdout);
    return;
  }
  if (kind == URN_RUN_ERROR || seen_before(v, text)) return;
  urn_progress_clear(&v->progress);
  if (kind == URN_RUN_REJECTION)
    fprintf(stderr, "chain %d: a proposal was rejected (reported once per kind):\n  %s\n", chain + 1 + v->chain0, text);
  else if (kind == URN_RUN_DRAW_FAILED)
    fprintf(stderr, "chain %d: generated quantities failed for a draw (written as nan) (reported once per kind):\n  %s\n",
            chain + 1 + v->chain0, text);
  else if (chain >= 0)
    fprintf(stderr, "urn sample: warning: chain %d: %s\n", chain + 1 + v->chain0, text);
  else
    fprintf(stderr, "urn sample: warning: %s\n", text);
}

static void on_progress(void *ctx, int chain, int iteration, int total, int warmup, int divergences) {
  sample_view *v = ctx;
  urn_progress_update(&v->progress, chain, iteration, total, divergences);
}

/* Every chain of the run, from this process's run or gathered from the MPI ranks (cli_mpi_gather_chains). */
typedef struct chain_set {
  int n;                        /* chains */
  urn_chain_result *res;        /* n results */
  const double **draws;         /* n pointers to rows x cols values (saved warmup rows first) */
  size_t rows, warm_rows;       /* rows of each chain, warmup rows among them */
} chain_set;

/* The run report: chains, times, gradients, divergences, step sizes, files. */
static void report_run(const urn_run *r, const urn_run_config *cfg, const chain_set *cs, double wall, double cpu,
                       const char *out_dir, const char *name) {
  int nch = cs->n, div = 0, hits = 0;
  const urn_mode_report *mode = urn_run_mode_report(r);
  long long chain_grads = 0, grads = mode ? mode->n_gradients : 0;
  double warm = 0, samp = 0;
  for (int c = 0; c < nch; c++) {
    const urn_chain_result *res = &cs->res[c];
    chain_grads += res->n_gradients, div += res->divergent, hits += res->max_depth_hits;
    warm += res->warmup_cpu_seconds, samp += res->sampling_cpu_seconds;
  }
  grads += chain_grads;
  printf("%d chains of %d warmup + %d draws (seed %llu) in %.2f s wall, %.2f s CPU; CPU summed over chains: "
         "warmup %.3g s, sampling %.3g s, %.3g us per gradient",
         nch, cfg->num_warmup, cfg->num_samples, (unsigned long long)cfg->seed, wall, cpu, warm, samp,
         chain_grads ? 1e6 * (warm + samp) / (double)chain_grads : 0.0);
  if (cfg->init_mode > 0) printf("; mode search %.2f s CPU", urn_run_mode_cpu_seconds(r));
  printf("; %lld gradient evaluations; %d divergent transitions after warmup; %d transitions hit the maximum "
         "tree depth %d. Step sizes:", grads, div, hits, cfg->max_depth);
  for (int c = 0; c < nch; c++) printf(" %.3g", cs->res[c].stepsize);
  printf(". Output: %s/%s-{1..%d}.csv\n", out_dir, name, nch);
}

/* The summary table of the post-warmup draws kept in memory (diag's). */
static void print_summary(const urn_run *r, const urn_run_config *cfg, const chain_set *cs) {
  int nch = cs->n;
  size_t n_cols = urn_run_num_cols(r);
  const double **draws = urn_xcalloc((size_t)nch, sizeof *draws);
  const char **names = urn_xcalloc(n_cols, sizeof *names);
  int *depths = urn_xcalloc((size_t)nch, sizeof *depths);
  for (size_t j = 0; j < n_cols; j++) names[j] = urn_run_col_name(r, j);
  for (int c = 0; c < nch; c++) {
    draws[c] = cs->draws[c] + cs->warm_rows * n_cols;
    depths[c] = cfg->max_depth;
  }
  urn_draws dr;
  memset(&dr, 0, sizeof dr);
  dr.n_chains = (size_t)nch, dr.n_draws = cs->rows - cs->warm_rows, dr.n_cols = n_cols;
  dr.names = names, dr.draws = draws, dr.max_depth = depths;
  urn_summary_options opt;
  urn_summary_options_init(&opt);
  urn_error err;
  printf("\n");
  if (urn_summary_print(stdout, &dr, &opt, &err) != URN_OK) fprintf(stderr, "urn sample: %s\n", err.msg);
  free(draws), free(names), free(depths);
}

static void usage(FILE *out) {
  fprintf(out,
          "usage: urn sample model.stan [--data d.json] [options]\n\n"
          "Draws from the model's posterior with NUTS (Stan's algorithm; by default a low-rank metric adapted\n"
          "by the Fisher divergence) and writes one Stan CSV file per chain, DIR/<model>-<chain>.csv.\n\n"
          "options:\n"
          "  --data FILE          data in CmdStan JSON format\n"
          "  --include-paths DIR[,DIR]  folders searched by #include after the program's own\n"
          "  --chains N           number of chains (4)\n"
          "  --warmup N           warmup iterations per chain (400; 300 with --metric diag|dense,\n"
          "                       1000 with --adapt stan)\n"
          "  --draws N            post-warmup iterations per chain (1000)\n"
          "  --seed N             random seed (default: from the clock; written in the CSV)\n"
          "  --output-dir DIR     where the CSV files go (<model>-output)\n"
          "  --adapt-delta X      target acceptance statistic in (0, 1) (0.8)\n"
          "  --max-depth N        maximum tree depth (10)\n"
          "  --metric lowrank|diag|dense|unit  inverse metric adapted in warmup (lowrank: low rank plus\n"
          "                       diagonal, docs/sampling.md)\n"
          "  --adapt fisher|stan  metric adaptation: the Fisher divergence of draws and gradients with\n"
          "                       nutpie's schedule (the default; alone: --metric diag), or Stan's windowed\n"
          "                       variances (Stan's algorithm, its draws for a seed); the Fisher schemes\n"
          "                       start from Pathfinder draws unless --init is given\n"
          "  --rank K             --metric lowrank: keep at most K eigenvectors (default: all past the cutoff)\n"
          "  --stepsize X         initial step size (1)\n"
          "  --init R|FILE|mode[:S]|pathfinder  random inits uniform(-R, R) on the unconstrained scale (2),\n"
          "                       a JSON file of initial values (all chains), or mode: every chain\n"
          "                       starts at the highest of S (8) L-BFGS modes of the log density\n"
          "                       (unconstrained scale, Jacobian included) found from uniform(-2, 2)\n"
          "                       starts: for multimodal posteriors (mixtures, HMMs); or pathfinder:\n"
          "                       each chain starts at a PSIS-resampled draw of a 4-path Pathfinder run\n"
          "  --thin N             keep every N-th draw (1)\n"
          "  --save-warmup        also write the warmup draws\n"
          "  --threads N          threads of the run: one per chain, the rest run reduce_sum / map_rect\n"
          "                       slices (default: chains, at most the CPUs)\n"
          "  --refresh N          progress update every N iterations (100; 0 = quiet)\n"
          "  --sig-figs N         significant digits in the CSV (6, as CmdStan)\n"
          "  --overwrite          replace the CSV files of an earlier run\n"
          "  --timeout SECONDS    stop after this long (exit 124; the files hold the draws so far)\n"
          "  --native MODE        the native tier (the model block compiled to C; the same draws): auto (default:\n"
          "                       a cached object at once, else a background compile, niced, only when the\n"
          "                       run's projected cost is >= 10x the compile's), on (compile in the background\n"
          "                       now), wait (compile first), off; the chains switch once it is checked to give\n"
          "                       the same bits and to be faster.  Cache: $XDG_CACHE_HOME/urn or ~/.cache/urn\n"
          "                       (urn cache --clear); without a C compiler: the interpreter, silently\n"
          "  --no-summary         do not print the summary table\n");
}

/* --overwrite: removes DIR/NAME-K.csv (and its .part, unless a running run is writing it) for the chains K > nch
 * of an earlier, larger run. */
static void remove_stale_chains(const char *dir, const char *name, int nch) {
  size_t n = strlen(dir) + strlen(name) + 40;
  char *path = urn_xmalloc(n);
  for (int k = nch + 1; k <= 1024; k++) { /* 1024: the most chains a run may have */
    snprintf(path, n, "%s/%s-%d.csv.part", dir, name, k);
    if (!urn_stancsv_part_in_use(path)) unlink(path);
    snprintf(path, n, "%s/%s-%d.csv", dir, name, k);
    unlink(path);
  }
  free(path);
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
  if (stat(buf, &st) != 0) return -1;
  if (!S_ISDIR(st.st_mode)) return errno = ENOTDIR, -1; /* a file of that name: "Not a directory" */
  return 0;
}

/* Under mpirun with fewer chains than ranks: a rank that runs map_rect jobs for its group's chain (it has no
 * chain of its own).  It takes part in the chain ranks' agreements, serves the jobs until the chain ends, and
 * sends rank 0 an empty report with its CPU time. */
static int map_worker(urn_model *m) {
  urn_error err;
  urn_error_clear(&err);
  if (cli_mpi_agree(URN_OK, &err)) { /* the chains' runs could not be made */
    urn_model_free(m);
    return 1;
  }
  int status = 0;
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  double c0 = ts.tv_sec + 1e-9 * ts.tv_nsec;
  if (cli_mpi_agree(URN_OK, &err)) status = 1; /* a bad init file: no chain runs */
  else cli_mpi_map_serve(m);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  double c1 = ts.tv_sec + 1e-9 * ts.tv_nsec;
  status = cli_mpi_max(status);
  int interrupted = cli_mpi_max(0);
  (void)cli_mpi_max(0); /* any draws made */
  (void)cli_mpi_max(0); /* any rank stopped in the Pathfinder start */
  if (status == 0 && !interrupted) cli_mpi_send_chains(NULL, c1 - c0);
  urn_model_free(m);
  return status ? status : interrupted;
}

/* The metric adaptation scheme from --metric, --adapt (NULL: not given) and --rank.  Without either, urn adapts a
 * low-rank-plus-diagonal metric by the Fisher divergence (--metric lowrank); --metric diag or dense without --adapt
 * is the Fisher divergence's estimate of that metric (as --adapt fisher); --adapt stan is Stan's algorithm (its
 * draws for a seed, bit for bit), as is --metric unit without --adapt (no metric to learn).  The Fisher schemes
 * warm up for CLI_FISHER_WARMUP iterations (CLI_LOWRANK_WARMUP with the low-rank metric) unless --warmup is given.
 * docs/sampling.md has the figures behind these choices. */
static void choose_scheme(cli_args *a, urn_run_config *rcfg, const char *metric, const char *adapt, long lr_rank,
                          int warmup_given) {
  int lowrank = (metric && !strcmp(metric, "lowrank")) || (!metric && !adapt);
  if (lowrank && adapt && !strcmp(adapt, "stan"))
    cli_die(a, 2, "--metric lowrank is adapted by the Fisher divergence only (not with --adapt stan)");
  if (lr_rank >= 0 && !lowrank) cli_die(a, 2, "option --rank applies to --metric lowrank only");
  if (adapt && !strcmp(adapt, "fisher") && rcfg->metric == URN_METRIC_UNIT)
    cli_die(a, 2, "--adapt fisher adapts a metric: not with --metric unit");
  if (lowrank) rcfg->adapt_scheme = URN_ADAPT_LOWRANK, rcfg->metric = URN_METRIC_DENSE;
  else if (adapt) rcfg->adapt_scheme = !strcmp(adapt, "fisher") ? URN_ADAPT_FISHER : URN_ADAPT_STAN;
  else rcfg->adapt_scheme = rcfg->metric == URN_METRIC_UNIT ? URN_ADAPT_STAN : URN_ADAPT_FISHER;
  if (lr_rank > 0) rcfg->lowrank_rank = (int)lr_rank;
  if (rcfg->adapt_scheme != URN_ADAPT_STAN && !warmup_given)
    rcfg->num_warmup = lowrank ? CLI_LOWRANK_WARMUP : CLI_FISHER_WARMUP;
}

/* The initial points from --init (NULL: not given): sets rcfg's init mode / radius / Pathfinder start, writes the
 * CSV header's init text; returns the JSON file of initial values, or NULL. */
static const char *choose_init(cli_args *a, urn_run_config *rcfg, const char *init_arg, int nranks, char *init_text,
                               size_t text_len) {
  double d;
  if (init_arg && !strcmp(init_arg, "pathfinder")) {
    rcfg->init_pathfinder = 1;
    rcfg->tol_rel_grad = 10; /* as urn pathfinder (docs/sampling.md) */
    snprintf(init_text, text_len, "pathfinder");
  } else if (init_arg && (!strcmp(init_arg, "mode") || !strncmp(init_arg, "mode:", 5))) {
    long starts = 8;
    if (init_arg[4] == ':') {
      char *end;
      errno = 0;
      starts = strtol(init_arg + 5, &end, 10);
      if (!init_arg[5] || *end || errno || starts < 1 || starts > 1024)
        cli_die(a, 2, "option --init: in 'mode:S', S must be a number of optimizations in [1, 1024] (got '%s')",
                init_arg + 5);
    }
    rcfg->init_mode = (int)starts;
    snprintf(init_text, text_len, "mode:%ld", starts);
  } else if (init_arg && is_number(init_arg, &d)) {
    if (d < 0) cli_die(a, 2, "option --init: the radius %g must not be negative", d);
    rcfg->init_radius = d;
    snprintf(init_text, text_len, "%g", d);
  } else if (init_arg) {
    return init_arg;
  } else if (rcfg->adapt_scheme != URN_ADAPT_STAN) {
    /* the Fisher schemes start from Pathfinder draws unless told otherwise: its PSIS weights leave out the minor
       modes random inits can fall into, from which a 300-iteration warmup does not escape (bball_drive's HMM:
       docs/sampling.md); random inits if Pathfinder fails.  Under mpirun every rank runs the whole run's
       Pathfinder and keeps its chains' draws (run config part_first): the same starts as one process. */
    rcfg->init_pathfinder = 2;
    rcfg->tol_rel_grad = 10;
    rcfg->num_paths = 8; /* Lotka-Volterra at seed 20260: 3 of 4 paths in the minor mode, 1 failed; 6 of 12 in the main */
    snprintf(init_text, text_len, "pathfinder");
  }
  return NULL;
}

/* What execute_and_report needs of cmd_sample's run besides the run and its configuration. */
typedef struct sample_job {
  int nch;             /* chains of this process (rank) */
  int first;           /* under mpirun: this rank's first chain, from 0 (else 0) */
  int nch_all;         /* chains of the whole run */
  int nranks, rank;    /* MPI ranks and this one's number (1 and 0 without mpirun) */
  int serving;         /* the group's other ranks serve this chain's map_rect jobs */
  int no_summary;      /* --no-summary */
  const char *out_dir; /* folder of the CSV files */
  const char *name;    /* the model's name */
} sample_job;

/* Runs the chains (unless status is already non-zero), then rank 0 reports every chain and prints the summary;
 * returns the status (non-zero: failed), *interrupted the exit status of a stop (0: none). */
static int execute_and_report(urn_run *r, urn_run_config *rcfg, const sample_job *j, int status, int *interrupted) {
  int nch = j->nch, first = j->first, nch_all = j->nch_all, nranks = j->nranks, rank = j->rank;
  const char *out_dir = j->out_dir, *name = j->name;
  urn_error err;
  urn_error_clear(&err);
  sample_view view;
  memset(&view, 0, sizeof view);
  double t0 = 0, t1 = 0, c0 = 0, c1 = 0;
  int in_pf = 0; /* stopped during the Pathfinder start (the run's message says so): this rank's chains have no file */
  if (status == 0) {
    urn_progress_init(&view.progress, nch, rcfg->num_warmup, rcfg->num_warmup + rcfg->num_samples,
                      rcfg->refresh > 0 && isatty(STDOUT_FILENO) && rank == 0);
    view.chain0 = (int)first, view.quiet_run = rank != 0;
    urn_run_callbacks cb = {.ctx = &view, .progress = on_progress, .message = on_message};
    urn_run_set_callbacks(r, &cb);
    cli_stop_attach(r);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    t0 = ts.tv_sec + 1e-9 * ts.tv_nsec;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    c0 = ts.tv_sec + 1e-9 * ts.tv_nsec;
    int rc = urn_run_execute(r, &err);
    clock_gettime(CLOCK_MONOTONIC, &ts);
    t1 = ts.tv_sec + 1e-9 * ts.tv_nsec;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    c1 = ts.tv_sec + 1e-9 * ts.tv_nsec;
    cli_stop_attach(NULL);
    urn_progress_clear(&view.progress);
    urn_progress_free(&view.progress);
    if (rc == URN_EINTR || cli_stop_code()) {
      (*interrupted) = cli_stop_code() ? cli_stop_code() : 130;
      in_pf = rc == URN_EINTR && strstr(err.msg, "Pathfinder start") != NULL;
    } else if (rc != URN_OK) {
      if (nranks > 1) fprintf(stderr, "urn sample: rank %d: %s\n", rank, err.msg);
      else fprintf(stderr, "urn sample: %s\n", err.msg);
      status = 1;
    }
  }
  if (j->serving) cli_mpi_map_end();
  int any_rows = 0;
  for (int c = 0; c < nch; c++) any_rows |= urn_run_progress(r, c) > 0;
  if (nranks > 1) { /* every rank learns whether any failed, was (*interrupted), made draws, was in Pathfinder */
    status = cli_mpi_max(status), (*interrupted) = cli_mpi_max((*interrupted)), any_rows = cli_mpi_max(any_rows);
    in_pf = cli_mpi_max(in_pf);
  }
  const char *why = cli_stop_code() ? cli_stop_reason() : "interrupted";
  if (rank != 0) {
    if (status == 0 && !(*interrupted)) cli_mpi_send_chains(r, c1 - c0); /* rank 0 reports on every chain */
  } else if (status == 0 && (*interrupted) && !any_rows) {
    fprintf(stderr, "urn sample: %s before any draw was made%s\n", why,
            in_pf ? " (during the Pathfinder start, before the chains began): no files were written" : "");
  } else if (status == 0 && (*interrupted)) {
    fprintf(stderr, "urn sample: %s; the files in %s hold the draws made so far%s\n", why, out_dir,
            in_pf ? " (the chains of ranks still in the Pathfinder start made no draw: they have no file)" : "");
  } else if (status == 0) {
    chain_set cs = {nch, NULL, NULL, urn_run_num_rows(r, 0), urn_run_num_warmup_rows(r, 0)};
    double cpu = c1 - c0;
    if (nranks > 1) {
      cs.n = nch_all;
      cli_mpi_recv_chains(r, nch_all, &cs.res, &cs.draws, &cpu);
    } else {
      cs.res = urn_xcalloc((size_t)nch, sizeof *cs.res), cs.draws = urn_xcalloc((size_t)nch, sizeof *cs.draws);
      for (int c = 0; c < nch; c++) cs.res[c] = *urn_run_chain_result(r, c), cs.draws[c] = urn_run_draws(r, c);
    }
    rcfg->num_chains = nch_all, rcfg->id -= (int)first, rcfg->part_first = 0;
    report_run(r, rcfg, &cs, t1 - t0, cpu, out_dir, name);
    if (!j->no_summary && cs.rows > 0) print_summary(r, rcfg, &cs);
    for (int c = nch; c < cs.n; c++) free((void *)cs.draws[c]); /* received from other ranks */
    free(cs.res), free(cs.draws);
  }
  return status;
}

/* urn sample's options, as given (parse_options). */
typedef struct sample_opts {
  const char *stan_path, *data_path, *incp, *out_dir; /* the model, --data, --include-paths, --output-dir */
  const char *init_arg, *metric, *adapt;              /* --init, --metric, --adapt (NULL: not given) */
  const char *native;                                 /* --native auto|on|wait|off (NULL: not given, auto) */
  int seed_given, threads_given, warmup_given;        /* whether --seed, --threads, --warmup were given */
  int overwrite, no_summary;                          /* --overwrite, --no-summary */
  long lr_rank;                                       /* --rank (-1: not given) */
  double timeout;                                     /* --timeout (0: none) */
  long sig_figs;                                      /* --sig-figs (6) */
} sample_opts;

/* Reads the command line into rcfg and o (cli_die on a bad option); returns 1 after printing the help. */
static int parse_options(cli_args *a, urn_run_config *rcfg, sample_opts *o) {
  memset(o, 0, sizeof *o);
  o->lr_rank = -1, o->sig_figs = 6;
  long v;
  double d;
  unsigned long long u;
  while (!cli_done(a)) {
    if (cli_is_help(cli_peek(a))) {
      usage(stdout);
      return 1;
    } else if (cli_value(a, "--data", &o->data_path) || cli_value(a, "--include-paths", &o->incp)) {
    } else if (cli_int(a, "--chains", 1, 1024, &v)) {
      rcfg->num_chains = (int)v;
    } else if (cli_int(a, "--warmup", 0, 100000000, &v)) {
      rcfg->num_warmup = (int)v, o->warmup_given = 1;
    } else if (cli_int(a, "--draws", 0, 100000000, &v)) {
      rcfg->num_samples = (int)v;
    } else if (cli_seed(a, &u)) {
      rcfg->seed = u, o->seed_given = 1;
    } else if (cli_value(a, "--output-dir", &o->out_dir)) {
    } else if (cli_double(a, "--adapt-delta", 0, 1, 1, &d)) {
      rcfg->adapt_delta = d;
    } else if (cli_int(a, "--max-depth", 1, 30, &v)) {
      rcfg->max_depth = (int)v;
    } else if (cli_value(a, "--metric", &o->metric)) {
      if (!strcmp(o->metric, "diag") || !strcmp(o->metric, "diag_e"))
        rcfg->metric = URN_METRIC_DIAG;
      else if (!strcmp(o->metric, "dense") || !strcmp(o->metric, "dense_e"))
        rcfg->metric = URN_METRIC_DENSE;
      else if (!strcmp(o->metric, "unit") || !strcmp(o->metric, "unit_e"))
        rcfg->metric = URN_METRIC_UNIT;
      else if (!strcmp(o->metric, "lowrank"))
        rcfg->metric = URN_METRIC_DENSE;
      else
        cli_die(a, 2, "option --metric: '%s' is not one of diag, dense, unit, lowrank", o->metric);
    } else if (cli_value(a, "--adapt", &o->adapt)) {
      if (strcmp(o->adapt, "stan") && strcmp(o->adapt, "fisher"))
        cli_die(a, 2, "option --adapt: '%s' is not one of stan, fisher", o->adapt);
    } else if (cli_value(a, "--native", &o->native)) {
      if (strcmp(o->native, "off") && strcmp(o->native, "on") && strcmp(o->native, "wait") && strcmp(o->native, "auto"))
        cli_die(a, 2, "option --native: expected auto, on, wait or off, got '%s'", o->native);
    } else if (cli_int(a, "--rank", 1, 1000000000, &o->lr_rank)) {
    } else if (cli_double(a, "--stepsize", 0, 1e7, 1, &d)) {
      rcfg->stepsize = d;
    } else if (cli_value(a, "--init", &o->init_arg)) {
    } else if (cli_int(a, "--thin", 1, 100000000, &v)) {
      rcfg->thin = (int)v;
    } else if (cli_flag(a, "--save-warmup")) {
      rcfg->save_warmup = 1;
    } else if (cli_int(a, "--threads", 1, 1024, &v)) {
      rcfg->num_threads = (int)v, o->threads_given = 1;
    } else if (cli_int(a, "--refresh", 0, 100000000, &v)) {
      rcfg->refresh = (int)v;
    } else if (cli_int(a, "--sig-figs", 1, 18, &o->sig_figs)) {
    } else if (cli_flag(a, "--overwrite")) {
      o->overwrite = 1;
    } else if (cli_timeout(a, &o->timeout)) {
    } else if (cli_flag(a, "--no-summary")) {
      o->no_summary = 1;
    } else if (cli_peek(a)[0] != '-' && !o->stan_path) {
      o->stan_path = cli_next(a);
    } else {
      cli_unknown(a);
    }
  }
  return 0;
}

int cmd_sample(int argc, char **argv) {
  cli_args a;
  cli_init(&a, "sample", argc, argv);
  urn_run_config rcfg;
  urn_run_config_default(&rcfg, URN_RUN_SAMPLE);
  rcfg.num_chains = 4;
  sample_opts o;
  if (parse_options(&a, &rcfg, &o)) return 0;
  const char *stan_path = o.stan_path, *data_path = o.data_path, *incp = o.incp, *out_dir = o.out_dir;
  int overwrite = o.overwrite, no_summary = o.no_summary;
  long lr_rank = o.lr_rank;
  const char *native = o.native;
  if (!stan_path) cli_die(&a, 2, "missing the model file (usage: urn sample model.stan --data d.json)");
  choose_scheme(&a, &rcfg, o.metric, o.adapt, lr_rank, o.warmup_given);
  if (!o.seed_given) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    rcfg.seed = ((uint64_t)ts.tv_sec * 1000003u + (uint64_t)ts.tv_nsec / 1000u) % 4294967296u;
  }
  /* under mpirun: each rank runs a block of the chains, chain k drawing from stream id - 1 + k as in one process */
  int rank = cli_mpi_rank(), nranks = cli_mpi_size(), nch_all = rcfg.num_chains;
  size_t first = 0, count = (size_t)nch_all;
  int group = 1; /* ranks per chain: more than one when fewer chains than ranks (map_rect over the group) */
  if (nranks > nch_all) {
    if (nranks % nch_all) {
      if (rank == 0)
        fprintf(stderr, "urn sample: %d MPI ranks but %d chains: give each rank at least one chain, or each chain "
                        "the same number of ranks for map_rect (ranks a multiple of --chains)\n", nranks, nch_all);
      return 2;
    }
    group = nranks / nch_all;
  }
  if (nranks > 1) {
    if (group > 1) first = (size_t)(rank / group), count = rank % group == 0;
    else cli_mpi_block((size_t)nch_all, &first, &count);
    rcfg.num_chains = (int)count, rcfg.id += (int)first, rcfg.header_num_chains = nch_all, rcfg.part_first = (int)first;
  }
  if (!o.threads_given) {
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    rcfg.num_threads = ncpu > 0 && ncpu < rcfg.num_chains ? (int)ncpu : rcfg.num_chains;
  }
  char init_text[64] = "2";
  const char *init_file = choose_init(&a, &rcfg, o.init_arg, nranks, init_text, sizeof init_text);
  rcfg.sig_figs = (int)o.sig_figs, rcfg.overwrite = overwrite, rcfg.keep_draws = !no_summary;
  rcfg.data_file = data_path, rcfg.init = init_file ? init_file : init_text;

  urn_error err;
  urn_error_clear(&err);
  /* SIGINT, SIGTERM and --timeout stop any evaluation, transformed data's included */
  urn_model_options mopt;
  cli_model_options(&mopt);
  mopt.seed = rcfg.seed, mopt.stop = cli_stop_install(o.timeout), mopt.include_paths = incp;
  char cache[4096];
  cli_native_options(&mopt, native ? native : "auto", cache, sizeof cache); /* the default: auto, silent */
  urn_model *m = urn_model_load(stan_path, data_path, &mopt, &err);
  if (m && cli_mpi_map_split(group, &err)) urn_model_free(m), m = NULL;
  if (cli_mpi_agree(m ? URN_OK : err.code ? err.code : URN_EINPUT, &err)) {
    if (rank == 0) fprintf(stderr, "%s\n", err.msg);
    if (m) urn_model_free(m);
    return cli_fail_code();
  }
  if (rank == 0) fputs(urn_model_warnings(m), stderr);
  if (lr_rank > 0 && (size_t)lr_rank > urn_model_num_unconstrained(m)) {
    if (rank == 0)
      fprintf(stderr, "urn sample: option --rank: %ld is larger than the model's %zu unconstrained parameters\n", lr_rank,
            urn_model_num_unconstrained(m));
    urn_model_free(m);
    return 2;
  }
  if (count == 0) return map_worker(m);
  /* output files */
  const char *name = urn_model_name(m);
  char default_dir[4096];
  snprintf(default_dir, sizeof default_dir, "%s-output", name);
  if (!out_dir) out_dir = default_dir;
  int mk = mkdir_p(out_dir) != 0 ? urn_error_set(&err, URN_EIO, "cannot create the output directory %s: %s", out_dir,
                                                  strerror(errno)) : URN_OK;
  urn_run *r = mk ? NULL : urn_run_new(m, &rcfg, &err);
  if (cli_mpi_agree(r ? URN_OK : err.code ? err.code : URN_EINPUT, &err)) {
    if (rank == 0) fprintf(stderr, "urn sample: %s\n", err.msg);
    if (r) urn_run_free(r);
    urn_model_free(m);
    return 1;
  }
  int nch = rcfg.num_chains, status = 0;
  if (init_file) {
    size_t len;
    char *text = urn_read_file(init_file, &len, &err);
    if (!text || urn_run_set_init_json(r, -1, text, len, init_file, &err) != URN_OK) {
      fprintf(stderr, "urn sample: %s\n", err.msg);
      status = cli_fail_code();
    }
    free(text);
  }
  for (int c = 0; c < nch && status == 0; c++) {
    size_t n = strlen(out_dir) + strlen(name) + 32;
    char *path = urn_xmalloc(n);
    snprintf(path, n, "%s/%s-%d.csv", out_dir, name, (int)first + c + 1);
    urn_run_output_csv(r, c, path, NULL);
    free(path);
  }
  /* with --overwrite, the earlier run's files of the chains this run does not have (the files of one folder must
     not mix runs) */
  if (status == 0 && overwrite && rank == 0) remove_stale_chains(out_dir, name, nch_all);
  if (nranks > 1 && cli_mpi_agree(status ? URN_EINPUT : URN_OK, &err)) { /* a bad init file on some rank */
    if (rank == 0 && !status) fprintf(stderr, "urn sample: %s\n", err.msg);
    status = 1;
  }
  int serving = group > 1 && status == 0; /* the group's other ranks serve this chain's map_rect jobs */
  if (serving) cli_mpi_map_begin(m);
  size_t n_cols = urn_run_num_cols(r), kept_rows = (size_t)(rcfg.num_samples + rcfg.thin - 1) / (size_t)rcfg.thin;
  size_t kept_size;
  if (urn_mul_overflow(kept_rows, n_cols, &kept_size)) kept_size = SIZE_MAX;
  if (status == 0 && !no_summary && kept_size > ((size_t)1 << 34) / sizeof(double)) {
    fprintf(stderr,
            "urn sample: %zu draws of %zu columns is too many to hold in memory for the summary "
            "(use --no-summary and run urn summary on fewer columns)\n",
            kept_rows, n_cols);
    status = 1;
  }
  sample_job job = {nch, (int)first, nch_all, nranks, rank, serving, no_summary, out_dir, name};
  int interrupted = 0;
  status = execute_and_report(r, &rcfg, &job, status, &interrupted);
  urn_run_free(r);
  if (native && rank == 0) fprintf(stderr, "%s\n", urn_model_native_status(m));
  urn_model_free(m);
  if (status) return status;
  return interrupted;
}
