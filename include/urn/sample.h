/* urn/sample.h — the No-U-Turn sampler with Stan's adaptation, run on an
 * abstract target (a log density and its gradient on R^dim), several chains
 * on threads.  `urn sample` wires a urn_model into it; the tests use targets
 * coded in C.
 *
 * The algorithm is Stan's (base_nuts + adapt_diag_e_nuts/adapt_dense_e_nuts,
 * windowed_adaptation, stepsize_adaptation): multinomial sampling with biased
 * progressive sampling at the top-level joins, the generalized no-U-turn
 * criterion checked across merged subtrees, divergence when the energy error
 * exceeds 1000, dual-averaging step size, windowed (75/25/50, doubling)
 * regularized diagonal or dense metric, step size reinitialization after each
 * metric update.  Each chain draws from its own RNG stream
 * urn_rng_seed(seed, chain), so results do not depend on the thread count. */
#ifndef URN_SAMPLE_H
#define URN_SAMPLE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include "urn/common.h"

typedef struct urn_rng urn_rng;

/* Log density (up to a constant) and its gradient at theta.  Returns URN_OK,
 * URN_EREJECT (this point is outside the support / the model rejected it: a
 * rejected proposal), or another status (a fatal error that stops the chain).
 * Must be safe to call from several threads at once. */
typedef int (*urn_log_density_fn)(void *ctx, const double *theta, double *lp, double *grad, urn_error *err);

typedef struct urn_target {
  size_t dim;                              /* number of (unconstrained) coordinates */
  urn_log_density_fn log_density_gradient; /* the density */
  void *ctx;                               /* passed to log_density_gradient */
} urn_target;

typedef enum urn_metric_kind {
  URN_METRIC_DIAG = 0, /* diagonal inverse metric (Stan's diag_e, the default) */
  URN_METRIC_DENSE,    /* dense inverse metric (dense_e) */
  URN_METRIC_UNIT      /* identity, never adapted (unit_e) */
} urn_metric_kind;

/* How warmup adapts the metric (docs/sampling.md). */
typedef enum urn_adapt_scheme {
  URN_ADAPT_STAN = 0, /* Stan's windowed variance/covariance estimates and step size restarts */
  URN_ADAPT_FISHER,   /* minimizing the Fisher divergence of draws and gradients, nutpie's schedule
                         (diagonal; with URN_METRIC_DENSE a full-rank estimate) */
  URN_ADAPT_LOWRANK   /* Fisher divergence, low rank plus diagonal (needs URN_METRIC_DENSE storage) */
} urn_adapt_scheme;

/* Sampler settings; urn_sample_config_default() gives CmdStan's defaults. */
typedef struct urn_sample_config {
  int num_chains;         /* chains to run (numbered 0.. internally, 1.. in file names) */
  int num_threads;        /* threads running them (results do not depend on it) */
  int num_warmup;         /* warmup iterations per chain */
  int num_samples;        /* post-warmup iterations per chain */
  int thin;               /* keep every thin-th iteration */
  int save_warmup;        /* also report warmup draws */
  int adapt_engaged;      /* adapt step size and metric during warmup */
  double adapt_delta;     /* target acceptance statistic (0.8) */
  double adapt_gamma;     /* dual averaging gamma (0.05) */
  double adapt_kappa;     /* dual averaging kappa (0.75) */
  double adapt_t0;        /* dual averaging t0 (10) */
  unsigned init_buffer;   /* fast initial buffer (75) */
  unsigned term_buffer;   /* fast terminal buffer (50) */
  unsigned window;        /* first slow window (25) */
  int max_depth;          /* maximum tree depth (10) */
  double stepsize;        /* initial step size (1) */
  urn_metric_kind metric; /* metric kind */
  double init_radius;     /* random inits uniform(-R, R) on the unconstrained scale (2) */
  uint64_t seed;          /* run seed; chain c uses stream c */
  int refresh;            /* progress callback every refresh iterations (0: never) */
  int init_mode;          /* > 0: start the chains without given inits at the best of this many
                             L-BFGS optimizations (urn_find_mode, `--init mode:S`); 0: random inits */
  int first_stream;       /* chain c draws from RNG stream first_stream + c (0): a chain run alone
                             gives the draws it gives among others */
  urn_adapt_scheme adapt_scheme; /* metric adaptation (URN_ADAPT_STAN) */
  double lowrank_cutoff;  /* URN_ADAPT_LOWRANK: eigenvalues outside [1/c, c] are kept (2) */
  int lowrank_max_rank;   /* URN_ADAPT_LOWRANK: at most this many eigenvectors (0: no limit) */
  const double *const *inv_metrics; /* NULL, or per chain its initial inverse metric (NULL: the identity):
                                       dim values (diag, unit) or dim*dim column-major (dense) */
} urn_sample_config;

URN_API void urn_sample_config_default(urn_sample_config *cfg);

/* What a NUTS transition reports (Stan's sampler diagnostics). */
typedef struct urn_nuts_stats {
  double lp;          /* lp__: log density at the draw */
  double accept_stat; /* accept_stat__: mean Metropolis acceptance over the trajectory */
  double stepsize;    /* stepsize__ */
  int treedepth;      /* treedepth__ */
  int n_leapfrog;     /* n_leapfrog__ */
  int divergent;      /* divergent__ */
  double energy;      /* energy__: Hamiltonian at the draw */
  const double *momentum; /* the momentum at the draw (dim values; for diagnostic files) */
  const double *gradient; /* the gradient of the log density at the draw (dim values) */
} urn_nuts_stats;

/* Outcome of the mode-finding initialization (urn_find_mode). */
typedef struct urn_mode_report {
  int n_starts;          /* optimizations run */
  int n_modes;           /* that ended at a mode: a convergence test held and the density bends down there */
  int n_unconverged;     /* that stopped (iteration limit, stalled line search) where the density bends down */
  int n_diverged;        /* whose density kept rising (unbounded, e.g. a funnel) or turned non-finite */
  int n_failed;          /* that found no finite starting point (or met a fatal model error) */
  int n_at_best;         /* modes within 1e-3 max(1, |best_lp|) of the best log density, the best included */
  int best;              /* index of the chosen optimization (-1: none) */
  double best_lp;        /* the target's log density there (-inf: none) */
  double second_lp;      /* the best log density among the other, lower modes (-inf: none) */
  long long n_gradients; /* gradient evaluations spent */
} urn_mode_report;

/* Where the chains' results go.  Every callback may be NULL; they are called
 * from the chain's thread (different chains concurrently), so an
 * implementation keeps per-chain state or locks.  A non-zero return from a
 * callback stops that chain with that status (err filled). */
typedef struct urn_sample_sink {
  void *ctx; /* passed back to every callback */
  /* The chain's starting point was found (after the init retries). */
  int (*start)(void *ctx, int chain, const double *theta, urn_error *err);
  /* A kept draw: iteration number (0-based over warmup + sampling), whether it
   * is warmup, the sampler diagnostics and the unconstrained point.  rng is
   * the chain's stream (for generated quantities). */
  int (*draw)(void *ctx, int chain, int iteration, int warmup, const urn_nuts_stats *st, const double *theta,
              urn_rng *rng, urn_error *err);
  /* Warmup finished (or, without warmup, sampling is about to start): the
   * step size and inverse metric sampling uses, adapted or not (dim values
   * for diag/unit, dim*dim column-major for dense), as Stan reports them. */
  int (*adapted)(void *ctx, int chain, double stepsize, const double *inv_metric, size_t dim,
                 urn_metric_kind metric, urn_error *err);
  /* Progress at the first iteration of each phase, every cfg.refresh
   * iterations and at the end of each phase (when cfg.refresh > 0). */
  void (*progress)(void *ctx, int chain, int iteration, int total, int divergences);
  /* The model rejected a proposal with a message never seen before in this
   * run (reported once per kind: the message with its numbers masked). */
  void (*rejection)(void *ctx, int chain, const char *message);
  /* A warning about the run (chain -1) or a chain: the mode-finding
   * initialization's outcome when it found no mode or some optimizations
   * diverged, a step size that collapsed in warmup.  Sent once per chain
   * and kind; the sink may deduplicate further. */
  void (*warning)(void *ctx, int chain, const char *message);
  /* The mode-finding initialization finished (cfg.init_mode > 0): its report
   * and, when it found a mode, the point every chain starts from (else NULL:
   * the chains use random inits). */
  void (*mode)(void *ctx, const urn_mode_report *report, const double *theta);
  /* The chain finished (status URN_OK, URN_EINTR when stopped early, or an
   * error); times in seconds.  Called for every chain that started. */
  void (*finish)(void *ctx, int chain, int status, double warmup_seconds, double sampling_seconds);
  /* Every transition, kept or not, warmup included (optional; after draw): its iteration (0-based over warmup +
   * sampling) and its diagnostics (st->n_leapfrog: the gradients it took; no momentum or gradient). */
  void (*transition)(void *ctx, int chain, int iteration, const urn_nuts_stats *st);
} urn_sample_sink;

/* Per-chain outcome. */
typedef struct urn_chain_result {
  int status;               /* URN_OK, URN_EINTR or the error that stopped the chain */
  urn_error err;            /* message when status is an error */
  int iterations;           /* iterations completed (warmup + sampling) */
  int divergent;            /* divergent transitions after warmup */
  int max_depth_hits;       /* post-warmup transitions that hit max_depth */
  long long n_gradients;    /* gradient evaluations, warmup and sampling, inits included */
  double stepsize;          /* step size after warmup */
  double warmup_seconds;    /* wall time of warmup */
  double sampling_seconds;  /* wall time of sampling */
  double warmup_cpu_seconds;   /* CPU time of the chain's thread in warmup (initialization included) */
  double sampling_cpu_seconds; /* CPU time of the chain's thread in sampling */
} urn_chain_result;

/* Runs cfg->num_chains chains of NUTS on target, spread over cfg->num_threads
 * threads.  inits: NULL for random inits, else inits[c] is chain c's starting
 * point (or NULL for random).  With cfg->init_mode > 0 the chains without a
 * given init all start at the mode urn_find_mode finds (S = cfg->init_mode,
 * radius cfg->init_radius, the run seed, cfg->num_threads threads), without
 * jitter; when no optimization finds a mode they fall back to random inits
 * and sink->warning says so.  stop: if not NULL, the chains stop after their
 * current iteration once *stop becomes non-zero (status URN_EINTR).
 * results (num_chains entries) may be NULL.  Returns URN_OK, URN_EINTR, or the
 * first chain error (err filled with "chain N: ..."). */
URN_API int urn_sample_run(const urn_sample_config *cfg, const urn_target *target, const double *const *inits,
                           const urn_sample_sink *sink, volatile sig_atomic_t *stop, urn_chain_result *results,
                           urn_error *err);

/* Optimization (L-BFGS or BFGS, as CmdStan's optimize defaults). */
typedef struct urn_optimize_config {
  int max_iterations;  /* iteration limit (2000) */
  int history;         /* L-BFGS history size (5) */
  double init_alpha;   /* first line-search step (0.001) */
  double tol_obj;      /* absolute change of the objective (1e-12) */
  double tol_rel_obj;  /* relative change of the objective, in units of epsilon (1e4) */
  double tol_grad;     /* gradient norm (1e-8) */
  double tol_rel_grad; /* relative gradient, in units of epsilon (1e7) */
  double tol_param;    /* parameter change (1e-8) */
  int dense;           /* 1: BFGS with a dense inverse-Hessian estimate (CmdStan's algorithm=bfgs) instead of
                          the limited-memory recursion (0) */
  /* Called after every iteration with the new point and its log density (NULL: not called). */
  void (*iteration)(void *ctx, int iteration, const double *theta, double lp);
  void *iteration_ctx; /* its first argument */
} urn_optimize_config;

URN_API void urn_optimize_config_default(urn_optimize_config *cfg);

/* Maximizes the target from theta (updated in place).  *lp gets the final
 * log density, *iterations the iterations done, *reason a short text saying
 * which convergence rule held.  Returns URN_OK on convergence, URN_EINPUT
 * when the start point is not finite, URN_EFATAL when the line search fails
 * before any convergence rule holds (theta is then the best point found). */
URN_API int urn_optimize_lbfgs(const urn_optimize_config *cfg, const urn_target *target, double *theta, double *lp,
                               int *iterations, const char **reason, urn_error *err);

/* Mode-finding: n_starts L-BFGS maximizations of target (the sampler's
 * log density on the unconstrained scale, Jacobian included) from
 * uniform(-radius, radius) starts (start s from stream s of a seed derived
 * from seed), spread over num_threads threads; theta (target->dim) gets the
 * end point of highest log density among those that ended at a mode (failing
 * that, among those where the density at least bends down).  Optimizations
 * that diverge (the density grows without bound, e.g. a funnel) are never
 * chosen.  The result does not depend on num_threads.  Returns URN_OK,
 * URN_EREJECT when every optimization diverged, URN_EINPUT when none found a
 * finite start, or a fatal model status; rep (may be NULL) says what
 * happened. */
URN_API int urn_find_mode(const urn_target *target, int n_starts, double radius, uint64_t seed, int num_threads,
                          double *theta, urn_mode_report *rep, urn_error *err);

#endif
