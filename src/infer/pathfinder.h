/* infer/pathfinder.h — Pathfinder (Zhang, Carpenter, Gelman & Vehtari 2022,
 * JMLR 23(306)): normal approximations along an L-BFGS path, the one with the
 * highest ELBO kept, and Pareto-smoothed importance sampling (Vehtari et al.
 * 2024) to resample the draws of several paths.  Internal prefix: pf_. */
#ifndef URN_INFER_PATHFINDER_H
#define URN_INFER_PATHFINDER_H

#include <stddef.h>

#include "math/rng.h"
#include "urn/sample.h"

/* The log density alone at theta (no gradient); may be NULL in pf_single
 * (the target's gradient function is used then). */
typedef int (*pf_lp_fn)(void *ctx, const double *theta, double *lp, urn_error *err);

/* One iteration of a path as CmdStan's save_single_paths records it:
 * iteration 0 is the start (x, g only); from 1 on, the iterate, the pairs
 * kept and, when `built`, the normal approximation formed there. */
typedef struct pf_iter {
  int iter;            /* L-BFGS iteration (0: the initial point) */
  size_t n;            /* dimension */
  const double *x;     /* the iterate (n) */
  const double *g;     /* gradient of the log density there (n) */
  size_t history;      /* (s, y) pairs kept (at most the history size) */
  int built;           /* the approximation below is valid */
  int dense;           /* H factored whole (L n x n) or through Q (L k x k) */
  size_t k;            /* columns of Q (low rank) */
  const double *mu;    /* its mean x + H g (n) */
  const double *alpha; /* diagonal of the inverse-Hessian estimate (n) */
  const double *L;     /* lower Cholesky factor, column-major: of H (n x n) or of I + R gamma R' (k x k) */
  const double *Q;     /* low rank: n x k orthonormal columns, row-major; NULL when dense */
  double logdet;       /* log det H */
  double elbo;         /* its ELBO estimate */
  const char *error;   /* when !built and iter > 0: why no approximation */
} pf_iter;

/* Called at each iteration of a path (pf_config.iter). */
typedef void (*pf_iter_fn)(void *ctx, const pf_iter *it);

typedef struct pf_config {
  urn_optimize_config lbfgs; /* the L-BFGS run: max_iterations (CmdStan's max_lbfgs_iters), history (J), tolerances */
  int num_elbo_draws;        /* Monte Carlo draws per ELBO estimate (25) */
  int num_draws;             /* draws from the chosen approximation (1000) */
  int calculate_lp;          /* evaluate the log density at the output draws (1; else NaN) */
  pf_iter_fn iter;           /* NULL, or called at every iteration of the path (save_single_paths) */
  void *iter_ctx;            /* its context */
} pf_config;

/* What one path did. */
typedef struct pf_path {
  int iterations;     /* L-BFGS iterations made */
  int best_iter;      /* iteration whose approximation was chosen (1-based) */
  double best_elbo;   /* its ELBO estimate */
  double lp0;         /* log density at the start */
  long long n_grad;   /* gradient evaluations (L-BFGS) */
  long long n_lp;     /* log density evaluations (ELBO and draws) */
  const char *reason; /* why L-BFGS stopped */
} pf_path;

/* Sets CmdStan's defaults (L-BFGS: max 1000 iterations, history 5). */
void pf_config_default(pf_config *cfg);

/* One path from theta0 (the target's dimension n): draws is num_draws x n
 * (row-major), lp_approx[i] the approximation's normalized log density at
 * draw i, lp[i] the target's (NaN when !calculate_lp; -inf where the target
 * rejects).  Returns URN_OK, URN_EINPUT when no approximation along the path
 * was usable (err says why), or a fatal status of the target. */
int pf_single(const pf_config *cfg, const urn_target *t, pf_lp_fn lp_fn, void *lp_ctx, const double *theta0,
              urn_rng *rng, double *draws, double *lp_approx, double *lp, pf_path *res, urn_error *err);

/* Pareto-smoothed importance sampling: lw (n log weights, -inf allowed)
 * becomes the smoothed, truncated, normalized log weights (log-sum-exp 0).
 * Returns the Pareto k-hat of the tail (NaN when the tail is too short). */
double pf_psis(double *lw, size_t n);

/* m indices drawn with replacement from the normalized log weights lw. */
void pf_resample(const double *lw, size_t n, size_t m, urn_rng *rng, size_t *idx);

#endif
