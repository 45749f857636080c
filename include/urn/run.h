/* urn/run.h — running a model: sampling (NUTS, or fixed parameters),
 * optimization, standalone generated quantities, the Laplace approximation
 * and log densities at given points; Stan CSV output exactly as CmdStan
 * writes it, and the draws in memory.  The urn CLI, the CmdStan-compatible
 * model executables (`urn compile`), the tutorial and the Python package all
 * run models through this one layer.
 *
 * A run, step by step:
 *   urn_run_config cfg;
 *   urn_run_config_default(&cfg, URN_RUN_SAMPLE);       // CmdStan's defaults
 *   cfg.num_chains = 4, cfg.seed = 42;                   // fields, or by name:
 *   urn_run_config_set(&cfg, "delta", "0.9", &err);      // CmdStan's argument names
 *   urn_run *r = urn_run_new(model, &cfg, &err);         // validates, copies cfg
 *   urn_run_output_csv(r, 0, "out-1.csv", &err);         // optional: files, per chain
 *   urn_run_execute(r, &err);                            // runs every chain
 *   const double *d = urn_run_draws(r, 0);               // rows x urn_run_num_cols
 *   urn_run_free(r);
 *
 * Memory: every pointer the run returns is owned by the run and valid until
 * urn_run_free; every input (inits, metrics, fitted draws, paths) is copied
 * when given.  No FILE* crosses this interface.
 *
 * Threads: urn_run_execute runs the chains on cfg.num_threads threads and
 * returns when all are done.  The callbacks are called from those threads but
 * never two at a time (the run serializes them), so they need no locks of
 * their own.  While a run executes, any thread may call urn_run_progress and
 * urn_run_stop (the latter also from a signal handler).  The model may serve
 * several runs at once. */
#ifndef URN_RUN_H
#define URN_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "urn/common.h"
#include "urn/model.h"
#include "urn/sample.h"

typedef enum urn_run_method {
  URN_RUN_SAMPLE = 0,   /* MCMC: NUTS with Stan's adaptation, or fixed parameters (CmdStan's `sample`) */
  URN_RUN_OPTIMIZE = 1, /* posterior mode or penalized MLE (`optimize`) */
  URN_RUN_GENERATE = 2, /* generated quantities over fitted draws (`generate_quantities`) */
  URN_RUN_LAPLACE = 3,  /* draws from the normal approximation at a mode (`laplace`) */
  URN_RUN_LOG_PROB = 4, /* log density and gradient at given points (`log_prob`) */
  URN_RUN_PATHFINDER = 5, /* Pathfinder variational inference, single- or multi-path (`pathfinder`) */
  URN_RUN_VARIATIONAL = 6 /* ADVI, mean-field or full-rank (`variational`) */
} urn_run_method;

typedef enum urn_run_optimizer {
  URN_RUN_BFGS = 0,  /* BFGS with a dense inverse-Hessian estimate */
  URN_RUN_LBFGS = 1, /* limited-memory BFGS (the default) */
  URN_RUN_NEWTON = 2 /* Newton's method with a finite-difference Hessian */
} urn_run_optimizer;

/* Every setting of a run, named as CmdStan's arguments are.  urn_run_config_default
 * fills CmdStan's defaults; urn_run_config_set sets one by its CmdStan name.
 * The strings are borrowed (copied by urn_run_new) and only recorded in the
 * CSV's configuration comments: the run reads and writes files only through
 * the functions below. */
typedef struct urn_run_config {
  urn_run_method method; /* what to run */
  /* sample */
  int num_samples;          /* post-warmup iterations per chain (1000) */
  int num_warmup;           /* warmup iterations per chain (1000) */
  int save_warmup;          /* also output the warmup draws (0) */
  int thin;                 /* keep every thin-th iteration (1) */
  int adapt_engaged;        /* adapt step size and metric in warmup (1) */
  double adapt_gamma;       /* dual averaging regularization scale (0.05) */
  double adapt_delta;       /* target acceptance statistic (0.8) */
  double adapt_kappa;       /* dual averaging relaxation exponent (0.75) */
  double adapt_t0;          /* dual averaging iteration offset (10) */
  unsigned adapt_init_buffer; /* initial fast adaptation interval (75) */
  unsigned adapt_term_buffer; /* final fast adaptation interval (50) */
  unsigned adapt_window;    /* first slow adaptation window (25) */
  int fixed_param;          /* algorithm=fixed_param: parameters stay at their inits, generated quantities run
                               (0; a model without parameters always samples this way) */
  int max_depth;            /* NUTS maximum tree depth (10) */
  urn_metric_kind metric;   /* diag_e (default), dense_e or unit_e */
  double stepsize;          /* initial step size (1) */
  double stepsize_jitter;   /* CmdStan's step size jitter; urn supports only 0 (0) */
  int num_chains;           /* chains (1; also for generate: one fitted draw set per chain) */
  int init_mode;            /* urn's `--init mode:S`: > 0 starts chains at the best of S L-BFGS modes (0) */
  /* optimize (and the line search settings of bfgs/lbfgs) */
  urn_run_optimizer algorithm; /* (URN_RUN_LBFGS) */
  double init_alpha;        /* first line search step (0.001) */
  double tol_obj;           /* absolute change of the objective (1e-12) */
  double tol_rel_obj;       /* relative change of the objective, in units of epsilon (1e4) */
  double tol_grad;          /* gradient norm (1e-8) */
  double tol_rel_grad;      /* relative gradient, in units of epsilon (1e7) */
  double tol_param;         /* parameter change (1e-8) */
  int history_size;         /* L-BFGS history (5) */
  int iter;                 /* iteration limit (2000) */
  int save_iterations;      /* output every iterate, not only the optimum (0) */
  int jacobian;             /* include the log-Jacobian of the constraining transforms
                               (optimize: 0; laplace and log_prob: 1) */
  /* laplace */
  int draws;                /* draws from the approximation (1000) */
  int calculate_lp;         /* laplace, pathfinder: compute the log density at each draw (1) */
  /* pathfinder (its L-BFGS uses init_alpha, tol_*, history_size above) */
  int num_paths;            /* single-path Pathfinders, each from its own start (4) */
  int num_draws;            /* draws from each path's approximation (1000) */
  int num_psis_draws;       /* draws kept by PSIS importance resampling (1000) */
  int num_elbo_draws;       /* draws per ELBO estimate (25) */
  int max_lbfgs_iters;      /* L-BFGS iterations per path (1000) */
  int psis_resample;        /* resample the paths' draws by PSIS (1); 0: output every path's draws */
  int save_single_paths;    /* pathfinder: also each path's draws and iterations, CmdStan's files (0) */
  /* variational (adapt_engaged above switches eta adaptation) */
  int vi_algorithm;         /* 0: meanfield (default), 1: fullrank */
  int vi_iter;              /* maximum iterations (10000) */
  int grad_samples;         /* draws per ELBO gradient (1) */
  int elbo_samples;         /* draws per ELBO estimate (100) */
  double eta;               /* step-size scale, when not adapted (1) */
  int adapt_iter;           /* iterations of each eta trial (50) */
  double vi_tol_rel_obj;    /* convergence: relative ELBO change (0.01) */
  int eval_elbo;            /* iterations between ELBO estimates (100) */
  int output_samples;       /* draws written after the mean row (1000) */
  /* sample */
  int adapt_scheme;         /* urn's `--adapt`: URN_ADAPT_STAN (0), URN_ADAPT_FISHER, URN_ADAPT_LOWRANK (needs
                               metric dense_e; setting "adapt_scheme" = "lowrank" by name sets both) */
  int lowrank_rank;         /* URN_ADAPT_LOWRANK: at most this many eigenvectors (0: no limit) */
  int init_pathfinder;      /* urn's `--init pathfinder`: chains start at PSIS-resampled draws of a multi-path
                               Pathfinder run with the settings above (0); 2: the same, but when Pathfinder fails
                               the chains start from random inits with a warning (urn sample's default with the
                               Fisher schemes) */
  /* common */
  int id;                   /* number of the first chain (1): chain c (0-based) is chain id + c, and draws
                               from random stream id - 1 + c, so a chain gives the same draws whether run
                               alone (id = k) or among others */
  uint64_t seed;            /* random seed (1; CmdStan's default is the clock: set it) */
  double init_radius;       /* random inits uniform(-R, R) on the unconstrained scale (2) */
  int refresh;              /* progress every refresh iterations; 0: none (100) */
  int sig_figs;             /* significant digits in the CSV; -1: 6, CmdStan's default (-1) */
  int num_threads;          /* threads running the chains (1) */
  int overwrite;            /* replace existing output files (1, as CmdStan; `urn sample` sets 0) */
  int keep_draws;           /* hold the output rows in memory for urn_run_draws (1) */
  /* recorded in the CSV's configuration comments (NULL: empty) */
  const char *data_file;    /* data file name */
  const char *init;         /* init argument as given (NULL: the radius) */
  const char *output_file;  /* output file argument as given (NULL: the chain's file) */
  const char *diagnostic_file; /* diagnostic file argument as given */
  const char *metric_file;  /* metric file name */
  const char *fitted_params; /* generate: the fitted draws' file */
  const char *mode_file;    /* laplace: the mode's file */
  const char *params_file;  /* log_prob: the constrained points' file */
  const char *uparams_file; /* log_prob: the unconstrained points' file */
  const char *profile_file; /* profile file argument ("profile.csv") */
  int header_num_chains;    /* > 0: the num_chains the CSV header records, for a run that is one part of a larger
                               one (chains id .. id + num_chains - 1 of them, on one MPI rank); 0: num_chains */
  int part_first;           /* in such a part: the index (from 0) of its first chain in the whole run (0); the
                               Pathfinder start then draws for all header_num_chains chains, as the whole run
                               does, and keeps this part's, so the part's chains start where they would in one
                               process */
} urn_run_config;

URN_API void urn_run_config_default(urn_run_config *cfg, urn_run_method method);
/* Sets one setting by its CmdStan argument name ("num_samples", "delta",
 * "max_depth", "metric" = "diag_e", "algorithm" = "lbfgs"|"bfgs"|"newton"|
 * "hmc"|"fixed_param", "jacobian" = "1"|"true", "seed", "id", "refresh",
 * "sig_figs", "num_chains", "num_threads", "init" (a radius), ...; names may
 * carry their group, "adapt delta" or "adapt.delta").  Values are checked
 * against CmdStan's ranges; a bad name or value is URN_EINPUT with a message. */
URN_API int urn_run_config_set(urn_run_config *cfg, const char *name, const char *value, urn_error *err);
/* A config on the heap, with urn_run_config_default (for callers that do not
 * mirror the struct, e.g. Python's ctypes); free with urn_run_config_free. */
URN_API urn_run_config *urn_run_config_new(urn_run_method method);
URN_API void urn_run_config_free(urn_run_config *cfg);

typedef struct urn_run urn_run;

/* Message kinds passed to the message callback. */
typedef enum urn_run_msg_kind {
  URN_RUN_INFO = 0,      /* progress of the run worth showing (CmdStan's console lines) */
  URN_RUN_WARNING = 1,   /* something the user should know (step size collapsed, mode search outcome) */
  URN_RUN_REJECTION = 2, /* the model rejected a proposal (first of each kind per chain) */
  URN_RUN_DRAW_FAILED = 3, /* generated quantities failed at a draw; its outputs are written as NaN */
  URN_RUN_ERROR = 4      /* the error that stops a chain */
} urn_run_msg_kind;

/* Callbacks; every one may be NULL.  Called from the chains' threads, never
 * two at a time.  chain is 0-based (its id is cfg.id + chain). */
typedef struct urn_run_callbacks {
  void *ctx; /* passed back to every callback */
  /* An output row as it is made (after it is written to the chain's CSV):
   * n = urn_run_num_cols values.  warmup: a saved warmup draw.  A non-zero
   * return stops the chain with an error. */
  int (*row)(void *ctx, int chain, int warmup, const double *row, size_t n);
  /* Sampling progress: iteration (1-based) of total = warmup + samples; sent
   * as CmdStan prints "Iteration:" lines: at the first iteration, every
   * refresh iterations, at the first sampling iteration and at the last. */
  void (*progress)(void *ctx, int chain, int iteration, int total, int warmup, int divergences);
  /* A message; text may hold several lines (no trailing newline). */
  void (*message)(void *ctx, int chain, urn_run_msg_kind kind, const char *text);
} urn_run_callbacks;

/* A run of cfg->method on model m (borrowed: it must outlive the run).
 * Checks the settings; NULL with err filled when they are invalid. */
URN_API urn_run *urn_run_new(const urn_model *m, const urn_run_config *cfg, urn_error *err);
URN_API void urn_run_free(urn_run *r);
URN_API void urn_run_set_callbacks(urn_run *r, const urn_run_callbacks *cb);

/* ---- inputs (chain -1: every chain) ---- */
/* Initial point on the unconstrained scale (urn_model_num_unconstrained values). */
URN_API int urn_run_set_init(urn_run *r, int chain, const double *theta_unc, urn_error *err);
/* Initial values in CmdStan's JSON format (constrained values by name); name is used in messages. */
URN_API int urn_run_set_init_json(urn_run *r, int chain, const char *json, size_t len, const char *name,
                                  urn_error *err);
/* Initial inverse metric (CmdStan's metric_file): dim values for diag_e, dim*dim for dense_e. */
URN_API int urn_run_set_inv_metric(urn_run *r, int chain, const double *inv_metric, size_t n, urn_error *err);
/* Constrained draws by column name (a Stan CSV's columns; others are ignored):
 * generate runs the generated quantities at each row; log_prob evaluates each
 * row; laplace uses the last row as the mode (else the init: a JSON mode via
 * urn_run_set_init_json).  rows is n_rows x n_cols, row-major. */
URN_API int urn_run_set_fitted(urn_run *r, int chain, const char *const *names, size_t n_cols, const double *rows,
                               size_t n_rows, urn_error *err);
/* The same from a Stan CSV file (every data row, warmup rows included). */
URN_API int urn_run_set_fitted_csv(urn_run *r, int chain, const char *path, urn_error *err);
/* log_prob: points on the unconstrained scale (n_rows x dim, row-major). */
URN_API int urn_run_set_points(urn_run *r, const double *theta_unc, size_t n_rows, urn_error *err);

/* ---- outputs ---- */
/* The chain's Stan CSV file (created by urn_run_execute as PATH.part, renamed when complete). */
URN_API int urn_run_output_csv(urn_run *r, int chain, const char *path, urn_error *err);
/* The chain's diagnostic CSV (sample: sampler columns, unconstrained parameters, momenta, gradients). */
URN_API int urn_run_diagnostic_csv(urn_run *r, int chain, const char *path, urn_error *err);

/* Runs.  Returns URN_OK; URN_EINTR when stopped by urn_run_stop (the files
 * hold the rows made so far and are complete); or the first error (err says
 * which chain and why; the chains' own outcomes are in urn_run_chain_*).
 * Call once per run. */
URN_API int urn_run_execute(urn_run *r, urn_error *err);
/* Asks the chains to stop after their current iteration (thread- and signal-safe). */
URN_API void urn_run_stop(urn_run *r);

/* ---- results ---- */
/* Columns of an output row: the method's columns (sample: lp__, accept_stat__,
 * stepsize__, treedepth__, n_leapfrog__, divergent__, energy__; fixed_param:
 * lp__, accept_stat__; optimize: lp__; laplace: log_p__, log_q__; pathfinder:
 * lp_approx__, lp__; variational: lp__ (0), log_p__, log_g__, the first row
 * being the approximation's mean with zeros there; log_prob:
 * lp__ then g_<unconstrained index>...), then the model's outputs (parameters,
 * transformed parameters, generated quantities; generate: all three). */
URN_API size_t urn_run_num_cols(const urn_run *r);
URN_API size_t urn_run_num_method_cols(const urn_run *r);
URN_API const char *urn_run_col_name(const urn_run *r, size_t j);
/* Chains (cfg.num_chains; 1 for optimize, laplace, log_prob, pathfinder, variational). */
URN_API int urn_run_num_chains(const urn_run *r);
/* Iterations done so far by a chain (any thread, while the run executes). */
URN_API int urn_run_progress(const urn_run *r, int chain);
/* Rows kept in memory for a chain (saved warmup rows first), and how many are warmup. */
URN_API size_t urn_run_num_rows(const urn_run *r, int chain);
URN_API size_t urn_run_num_warmup_rows(const urn_run *r, int chain);
/* The chain's rows, row-major (num_rows x num_cols); NULL when none or keep_draws = 0. */
URN_API const double *urn_run_draws(const urn_run *r, int chain);
/* Copies every chain's post-warmup rows (or all rows, include_warmup) into
 * out[chain][row][col] (C order).  cap is out's length in doubles; returns the
 * number of doubles written, or 0 when they do not fit or rows differ between chains. */
URN_API size_t urn_run_copy_draws(const urn_run *r, int include_warmup, double *out, size_t cap);
/* A chain's outcome: URN_OK, URN_EINTR, or its error with the message. */
URN_API int urn_run_chain_status(const urn_run *r, int chain);
URN_API const char *urn_run_chain_message(const urn_run *r, int chain);
/* Sampling: the chain's counts and times (NULL for other methods). */
URN_API const urn_chain_result *urn_run_chain_result(const urn_run *r, int chain);
/* Sampling: the adapted step size, and the inverse metric into out (returns
 * the count, dim or dim*dim; copies min(count, cap) values). */
URN_API double urn_run_stepsize(const urn_run *r, int chain);
URN_API size_t urn_run_inv_metric(const urn_run *r, int chain, double *out, size_t cap);
/* Sampling: the chain's initial point on the unconstrained scale as the run set it (given, or drawn by
 * init_pathfinder) into out (cap values); returns the dimension, 0 when the chain had no set initial point
 * (random inits are drawn inside the sampler). */
URN_API size_t urn_run_chain_init(const urn_run *r, int chain, double *out, size_t cap);
/* Sampling with cfg.init_mode: the mode search's report (NULL otherwise) and its CPU seconds. */
URN_API const urn_mode_report *urn_run_mode_report(const urn_run *r);
URN_API double urn_run_mode_cpu_seconds(const urn_run *r);
/* Optimize: iterations run and the convergence rule that held (or why it stopped).
 * Variational: iterations of the main run, and "converged" or "maximum iterations".
 * Pathfinder: L-BFGS iterations summed over the paths. */
URN_API int urn_run_iterations(const urn_run *r);
URN_API const char *urn_run_stop_reason(const urn_run *r);
/* Gradient evaluations the run made (pathfinder, variational, and sample with
 * init_pathfinder: the Pathfinder's), and log density evaluations without a gradient. */
URN_API long long urn_run_num_gradients(const urn_run *r);
URN_API long long urn_run_num_log_densities(const urn_run *r);
/* Pathfinder: the Pareto k-hat of the PSIS weights (NaN when not computed). */
URN_API double urn_run_pareto_k(const urn_run *r);
/* The chain's output file as given to urn_run_output_csv (NULL: none). */
URN_API const char *urn_run_output_path(const urn_run *r, int chain);

#endif
