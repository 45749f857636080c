/* run/run_internal.h — what the files of the run layer share: the urn_run
 * object (settings, per-chain inputs, outputs and results), the output
 * functions every method calls (run_output.c: the one place where a run's
 * files are created), the CmdStan argument tree (run_args.c), and each
 * method's entry point.  Internal prefix: rn_. */
#ifndef URN_RUN_INTERNAL_H
#define URN_RUN_INTERNAL_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>

#include "io/stancsv_write.h"
#include "urn/run.h"

/* Constrained draws given by column name (urn_run_set_fitted). */
typedef struct rn_fitted {
  size_t n_rows;  /* rows */
  size_t n_cols;  /* columns */
  char **names;   /* column names */
  double *rows;   /* n_rows x n_cols, row-major */
} rn_fitted;

/* One chain: its inputs, its files, its rows in memory, its outcome. */
typedef struct rn_chain {
  double *init;               /* initial point on the unconstrained scale, or NULL (random) */
  double *inv_metric;         /* initial inverse metric, or NULL */
  size_t n_inv_metric;        /* its length */
  rn_fitted fitted;           /* fitted draws (generate, laplace, log_prob) */
  char *csv_path;             /* the Stan CSV's name, or NULL */
  char *diag_path;            /* the diagnostic CSV's name, or NULL */
  urn_stancsv_writer csv;     /* the open Stan CSV */
  urn_stancsv_writer diag;    /* the open diagnostic CSV */
  int csv_open, diag_open;    /* whether they are open */
  double *rows;               /* rows kept in memory (keep_draws) */
  size_t n_rows, cap_rows;    /* rows kept, rows allocated */
  size_t n_warmup_rows;       /* of which warmup */
  double *row;                /* the row being assembled (n_cols) */
  double *diag_row;           /* the diagnostic row being assembled */
  atomic_int progress;        /* iterations done (read by other threads) */
  int status;                 /* outcome */
  urn_error err;              /* its message */
  urn_chain_result res;       /* sampling counts and times */
  double stepsize;            /* adapted step size (NaN: none) */
  double *adapted;            /* adapted inverse metric (n_adapted values) */
  size_t n_adapted;           /* its length */
} rn_chain;

struct urn_run {
  urn_run_config cfg;          /* settings (its strings point at strs) */
  char *strs[11];              /* owned copies of the config's strings */
  const urn_model *m;          /* the model (borrowed) */
  size_t dim;                  /* unconstrained dimension */
  size_t n_params;             /* constrained parameter values */
  size_t n_out;                /* model outputs: parameters, transformed parameters, generated quantities */
  size_t n_no_gq;              /* outputs without the generated quantities */
  int fixed_param;             /* sample without moving the parameters (asked for, or no parameters) */
  int n_chains;                /* chains */
  size_t n_method;             /* method columns */
  size_t n_cols;               /* n_method + n_out */
  char **names;                /* column names */
  rn_chain *ch;                /* per chain */
  urn_run_callbacks cb;        /* the caller's callbacks */
  pthread_mutex_t cb_lock;     /* serializes the callbacks */
  volatile sig_atomic_t stop;  /* urn_run_stop was called */
  int executed;                /* urn_run_execute ran */
  double *points;              /* log_prob: unconstrained points */
  size_t n_points;             /* their count */
  urn_mode_report mode;        /* sample with init_mode: the mode search's report */
  int has_mode;                /* mode is set */
  double mode_cpu;             /* its CPU seconds */
  int iterations;              /* optimize: iterations */
  const char *reason;          /* optimize: why it stopped */
  long long n_grad;            /* pathfinder, variational, init_pathfinder: gradient evaluations */
  long long n_lp;              /* and log density evaluations without a gradient */
  double pareto_k;             /* pathfinder: PSIS k-hat (NaN: none) */
};

/* ---- run.c ---- */
/* Sends a message to the callback (serialized); printf-style. */
void rn_message(urn_run *r, int chain, urn_run_msg_kind kind, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Sends progress to the callback and records it. */
void rn_progress(urn_run *r, int chain, int iteration, int total, int warmup, int divergences);
/* CPU seconds of the process. */
/* A start for optimize and variational: the given init, or uniform(-R, R) draws until the log density (jacobian
 * 0/1) and its gradient are finite; lp its value (run.c). */
int rn_start_point(urn_run *r, urn_rng *rng, int jacobian, double *theta, double *lp, urn_error *err);
double rn_cpu_seconds(void);
/* Wall-clock seconds (monotonic). */
double rn_now_seconds(void);
/* A seed from the clock (CmdStan's seed=-1): milliseconds, below 2^32. */
uint64_t rn_clock_seed(void);
/* The column of f holding each parameter value (col[n_params]); an error names a missing one. */
int rn_fitted_columns(const urn_run *r, const rn_fitted *f, size_t *col, urn_error *err);
/* Unconstrained point of fitted row i (scratch: n_params values). */
int rn_fitted_point(const urn_run *r, const rn_fitted *f, const size_t *col, size_t i, double *scratch,
                    double *theta_unc, urn_error *err);

/* ---- run_output.c: every file of a run is created here ---- */
/* Creates every chain's output files (refusing existing ones unless
 * cfg.overwrite) and writes their configuration comments and headers. */
int rn_open_outputs(urn_run *r, urn_error *err);
/* A finished row of chain c: to its CSV, into memory, to the row callback. */
int rn_emit_row(urn_run *r, int c, int warmup, const double *row, urn_error *err);
/* A diagnostic row of chain c (when it has a diagnostic file). */
int rn_emit_diagnostic(urn_run *r, int c, const double *row, size_t n, urn_error *err);
/* The adaptation block of chain c. */
void rn_emit_adaptation(urn_run *r, int c, double stepsize, const double *inv_metric, size_t n,
                        urn_metric_kind metric);
/* A comment line in chain c's CSV. */
void rn_emit_comment(urn_run *r, int c, const char *text);
/* The timing comments of chain c. */
void rn_emit_timing(urn_run *r, int c, double warmup_seconds, double sampling_seconds);
/* Closes every file (renaming it to its final name) or, for a chain that
 * never started (keep == 0), deletes it.  Returns the first error. */
int rn_close_outputs(urn_run *r, const int *keep, urn_error *err);

/* Pathfinder's save_single_paths files of one path, as CmdStan names them:
 * PREFIX_path_ID.csv (that path's draws; not with one path, whose draws are
 * the output itself) and PREFIX_path_ID.json (its L-BFGS iterations; PREFIX.json
 * with one path), PREFIX the output CSV's name without its extension and ID
 * the run's id + the path's index.  The JSON is written as PATH.part. */
typedef struct rn_path_files {
  urn_stancsv_writer csv; /* the path's draws */
  int csv_open;           /* csv is open */
  FILE *json;             /* the iterations (NULL: not open) */
  char *json_path;        /* its final name */
  char *json_tmp;         /* its name while written */
  int json_records;       /* iteration records written so far */
  int json_failed;        /* errno of a failed write (0: none) */
} rn_path_files;
/* The name of path p's file with extension ext ("csv" or "json"), or NULL without an output CSV (or for the
 * csv of a one-path run). */
char *rn_single_path_name(const urn_run *r, int p, const char *ext);
/* Opens path p's files (refusing existing ones unless cfg.overwrite); the CSV gets the configuration
 * comments and the header. */
int rn_open_path_files(urn_run *r, int p, rn_path_files *f, urn_error *err);
/* Closes them (renamed to their final names) or, keep == 0, deletes them.  Returns the first error. */
int rn_close_path_files(rn_path_files *f, int keep, urn_error *err);

/* ---- run_args.c: CmdStan's argument tree ---- */
/* Writes the configuration comments of chain c (CmdStan's argument tree) through put. */
void rn_write_config(const urn_run *r, int c, void (*put)(void *ctx, const char *line), void *ctx);

/* ---- methods ---- */
int rn_sample(urn_run *r, urn_error *err);
int rn_optimize(urn_run *r, urn_error *err);
int rn_generate(urn_run *r, urn_error *err);
int rn_laplace(urn_run *r, urn_error *err);
int rn_log_prob(urn_run *r, urn_error *err);
int rn_pathfinder(urn_run *r, urn_error *err);
int rn_variational(urn_run *r, urn_error *err);
/* Multi-path Pathfinder with the run's settings (streams from `stream` on);
 * out gets n_out PSIS-resampled unconstrained draws (n_out x dim).  Used by
 * sample's init_pathfinder. */
int rn_pathfinder_draws(urn_run *r, uint64_t stream, double *out, size_t n_out, urn_error *err);

#endif
