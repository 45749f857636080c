/* infer/advi.h — automatic differentiation variational inference
 * (Kucukelbir, Tran, Ranganath, Gelman & Blei 2017, JMLR 18(14)) as Stan's
 * `variational` method runs it: a normal approximation on the unconstrained
 * scale, mean-field (independent coordinates, log standard deviations omega)
 * or full-rank (a Cholesky factor L), fitted by stochastic gradient ascent on
 * the ELBO with Stan's adaptive step-size sequence, the step-size scale eta
 * chosen from {100, 10, 1, 0.1, 0.01} by short trial runs, and Stan's
 * convergence rule on the relative change of the ELBO.  Internal prefix: vi_. */
#ifndef URN_INFER_ADVI_H
#define URN_INFER_ADVI_H

#include <signal.h>
#include <stddef.h>

#include "math/rng.h"
#include "urn/sample.h"

/* The log density alone at theta (no gradient). */
typedef int (*vi_lp_fn)(void *ctx, const double *theta, double *lp, urn_error *err);

typedef struct vi_config {
  int fullrank;           /* full-rank (1) or mean-field (0, default) */
  int iter;               /* maximum iterations (10000) */
  int grad_samples;       /* Monte Carlo draws per gradient (1) */
  int elbo_samples;       /* Monte Carlo draws per ELBO estimate (100) */
  double eta;             /* step-size scale when not adapted (1) */
  int adapt_engaged;      /* choose eta by trial runs (1) */
  int adapt_iter;         /* iterations of each trial run (50) */
  double tol_rel_obj;     /* convergence: relative ELBO change (0.01) */
  int eval_elbo;          /* iterations between ELBO estimates (100) */
  void (*message)(void *ctx, const char *text); /* progress lines, as CmdStan prints them (may be NULL) */
  void *message_ctx;      /* passed to message */
  volatile sig_atomic_t *stop; /* set: stop after the current iteration (URN_EINTR); may be NULL */
} vi_config;

/* The approximation N(mu, Sigma) on the unconstrained scale. */
typedef struct vi_approx {
  size_t n;      /* dimension */
  int fullrank;  /* Sigma = L L' (else diag(exp(2 omega))) */
  double *mu;    /* mean (n) */
  double *omega; /* mean-field: log standard deviations (n) */
  double *L;     /* full-rank: lower Cholesky factor (n x n, row-major) */
} vi_approx;

/* What the fit did. */
typedef struct vi_result {
  double eta;          /* the step-size scale used */
  int adapted;         /* eta was chosen by adaptation */
  int iterations;      /* iterations of the main run */
  double elbo;         /* the last ELBO estimate */
  int converged;       /* the relative ELBO change fell below tol_rel_obj */
  long long n_grad;    /* gradient evaluations */
  long long n_lp;      /* log density evaluations */
} vi_result;

void vi_config_default(vi_config *cfg);
/* Allocates a (mu = 0, omega = 0, L = I); free with vi_approx_free. */
void vi_approx_init(vi_approx *a, size_t n, int fullrank);
void vi_approx_free(vi_approx *a);

/* Fits the approximation from theta0 (its mean starts there, unit scale).
 * lp_fn may be NULL (the gradient function is used).  Returns URN_OK (also
 * when the iteration limit was reached: res->converged says), URN_EINTR,
 * URN_EINPUT for bad settings or when every step size failed, or the
 * target's fatal status. */
int vi_fit(const vi_config *cfg, const urn_target *t, vi_lp_fn lp_fn, void *lp_ctx, const double *theta0,
           urn_rng *rng, vi_approx *out, vi_result *res, urn_error *err);

/* A draw theta from a (z: n scratch values); returns -z'z/2, Stan's log_g__. */
double vi_draw(const vi_approx *a, urn_rng *rng, double *theta, double *z);

#endif
