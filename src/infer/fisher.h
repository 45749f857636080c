/* infer/fisher.h — mass-matrix adaptation by minimizing the sample Fisher
 * divergence (Seyboldt, Carlson & Carpenter, "Preconditioning Hamiltonian
 * Monte Carlo by minimizing Fisher divergence", 2026; the algorithm of
 * nutpie / nuts-rs), with nutpie's warmup schedule.
 *
 * Both estimators use the warmup draws x and the gradients g of the log
 * density at them:
 *   - diagonal: inverse metric sigma_i^2 = sqrt(var(x_i) / var(g_i)), the
 *     diagonal scaling that minimizes the Fisher divergence between the
 *     draws' distribution and a Gaussian (exact for any Gaussian with a
 *     diagonal covariance);
 *   - low rank: after that diagonal rescaling (x' = x / sigma, g' = g sigma,
 *     centred), the SPD matrix minimizing the Fisher divergence restricted to
 *     the span of the draws and gradients, the geometric mean
 *     B^-1/2 (B^1/2 A B^1/2)^1/2 B^-1/2 of A = X'X'^T / gamma + I and
 *     B^-1 = (G'G'^T / gamma + I)^-1, whose eigenvalues outside
 *     [1/cutoff, cutoff] are kept: inverse metric
 *     diag(sigma) (I + U (Lambda - I) U^T) diag(sigma).
 *
 * Schedule (nuts-rs's defaults, W warmup iterations): the metric starts at
 * 1/|g| of the initial point and is recomputed after every draw from a
 * "foreground" window; a "background" window collects the same draws and
 * replaces the foreground when it holds enough of them (10 draws during the
 * first 30% of warmup, then 80, growing 1.5x per switch), unless the next
 * switch would reach the final 15% of warmup, where the metric is frozen and
 * only the step size adapts.  Draws that did not move the chain are not
 * used. */
#ifndef URN_INFER_FISHER_H
#define URN_INFER_FISHER_H

#include <stddef.h>

/* From this dimension on the low-rank estimate is applied in factored form (O(dim k) per leapfrog step instead
 * of the dense matrix's O(dim^2), and no O(dim^3) Cholesky per update); below it the dense matrix, whose draws
 * every earlier run and the conformance figures have. */
#ifndef URN_FISHER_FACTORED_DIM
#define URN_FISHER_FACTORED_DIM 64
#endif

typedef struct urn_fisher_adapt {
  size_t dim;          /* coordinates */
  int lowrank;         /* 1: low-rank plus diagonal (dense inverse metric, dim*dim); 0: diagonal */
  double cutoff;       /* low rank: eigenvalues outside [1/cutoff, cutoff] are kept (2) */
  double gamma;        /* low rank: regularization of the covariances (1e-5) */
  int max_rank;        /* low rank: keep at most this many eigenvectors (0: no limit) */
  unsigned num_tune;   /* warmup iterations */
  unsigned early_end;  /* first iteration of the main phase (0.3 W) */
  unsigned final_window; /* first iteration of the step-size-only phase (W - 0.15 W) */
  unsigned window;     /* current main-phase switch size (80, x1.5 per switch) */
  unsigned early_window; /* switch size in the early phase (10) */
  int n_updates;       /* metric updates so far */
  unsigned last_update; /* the iteration of the last update (factored: large estimates wait, fisher.c) */
  int last_rank;       /* low rank: eigenvectors kept by the last update */
  int whole_space;     /* tests: compute in the whole space even when 2n < dim (same result, slower) */
  /* low rank with dim >= URN_FISHER_FACTORED_DIM: the estimate is kept as its factors
     diag(f_sig) (I + f_U (diag(f_lam) - I) f_U^T) diag(f_sig) for urn_nuts_set_lowrank, and the
     dense inv_metric of learn/estimate gets only its diagonal (off-diagonal zero) */
  int factored;        /* 1: the factors below hold the estimate */
  double *f_sig;       /* sig (dim) */
  double *f_U;         /* U, dim x f_k column-major, orthonormal columns */
  double *f_lam;       /* the kept eigenvalues (f_k) */
  size_t f_k;          /* their count */
  /* the draws and gradients of the windows: rows [fg_start, n) are the
     foreground, rows [bg_start, n) the background (capacity num_tune + 1) */
  double *xs, *gs;     /* stored draws and gradients (cap x dim each) */
  size_t n, cap;       /* rows stored, capacity */
  size_t fg_start, bg_start; /* first row of the foreground and of the background */
  double *work;        /* scratch for the estimators */
  size_t work_len;     /* its length */
} urn_fisher_adapt;

/* Sets up the schedule for num_tune warmup iterations; lowrank selects the
 * estimator (cutoff, gamma, max_rank as above; cutoff <= 1 keeps every
 * eigenvalue: a full-rank Fisher estimate). */
void urn_fisher_adapt_init(urn_fisher_adapt *a, size_t dim, int lowrank, unsigned num_tune, double cutoff,
                           double gamma, int max_rank);
void urn_fisher_adapt_free(urn_fisher_adapt *a);
/* The initial point q with gradient g: stored, and inv_metric (dim, or
 * dim*dim column-major for low rank) set to diag(1 / |g_i|) clamped to
 * [1e-20, 1e20]. */
void urn_fisher_adapt_start(urn_fisher_adapt *a, const double *q, const double *g, double *inv_metric);
/* After warmup iteration `iteration` (0-based) with draw q and gradient g
 * (good: the chain moved).  Returns 1 when inv_metric was replaced by a new
 * estimate, else 0 (also in the final step-size-only phase). */
int urn_fisher_adapt_learn(urn_fisher_adapt *a, unsigned iteration, const double *q, const double *g, int good,
                           double *inv_metric);
/* The estimators on their own (for tests): from n draws xs and gradients gs
 * (row-major n x dim), the inverse metric into inv_metric (dim, or dim*dim
 * when a->lowrank).  Returns 1 if it was replaced (finite), else 0. */
int urn_fisher_adapt_estimate(urn_fisher_adapt *a, const double *xs, const double *gs, size_t n,
                              double *inv_metric);

#endif
