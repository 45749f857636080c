/* infer/nuts.h — one NUTS chain's transition kernel (Stan's base_nuts with
 * diag_e / dense_e / unit_e metrics and the explicit leapfrog), plus Stan's
 * step size initialization heuristic.  Allocation happens at creation only:
 * a transition performs gradient evaluations and arithmetic, nothing else. */
#ifndef URN_INFER_NUTS_H
#define URN_INFER_NUTS_H

#include "math/rng.h"
#include "urn/sample.h"

/* A phase-space point: position, momentum, gradient of the log density, and
 * the potential V = -log density. */
typedef struct urn_ps_point {
  double *q; /* position (dim) */
  double *p; /* momentum (dim) */
  double *g; /* gradient of the log density at q (dim) */
  double V;  /* potential energy -lp at q (+inf when rejected) */
} urn_ps_point;

/* Scratch for one level of the tree recursion. */
typedef struct urn_nuts_level {
  urn_ps_point z_propose_final;                    /* proposal of the final subtree */
  double *p_init_end, *p_sharp_init_end, *rho_init; /* end of the initial subtree, its summed momentum */
  double *p_final_beg, *p_sharp_final_beg, *rho_final; /* start of the final subtree, its summed momentum */
} urn_nuts_level;

typedef struct urn_nuts {
  const urn_target *target; /* the density */
  size_t dim;               /* its dimension */
  urn_metric_kind metric;   /* metric kind */
  double *inv_metric;       /* inverse metric: dim (diag/unit) or dim*dim column-major (dense) */
  double *chol;             /* dense: lower Cholesky factor of inv_metric (dim*dim) */
  /* the low-rank metric in factored form (urn_nuts_set_lowrank): inverse metric
     diag(sig) (I + U (Lambda - I) U^T) diag(sig), applied in O(dim k) */
  int factored;             /* 1: the leapfrog uses the factors below (inv_metric holds the same matrix, dense) */
  size_t lr_k;              /* columns of U */
  double *lr_sig;           /* sig (dim) */
  double *lr_U;             /* U, dim x lr_k column-major, orthonormal columns (capacity dim*dim) */
  double *lr_lam;           /* Lambda's diagonal (lr_k; capacity dim) */
  double *lr_w;             /* scratch (dim) */
  double epsilon;           /* nominal step size */
  int max_depth;            /* maximum tree depth */
  double max_delta_h;       /* energy error marking a divergence (1000) */
  urn_rng *rng;             /* the chain's stream */
  urn_ps_point z;           /* the current point (integrator state) */
  urn_ps_point z_fwd, z_bck, z_sample, z_propose; /* trajectory ends, chosen sample, subtree proposal */
  double *p_fwd_fwd, *p_sharp_fwd_fwd, *p_fwd_bck, *p_sharp_fwd_bck; /* momenta at the forward subtree's ends */
  double *p_bck_fwd, *p_sharp_bck_fwd, *p_bck_bck, *p_sharp_bck_bck; /* momenta at the backward subtree's ends */
  double *rho, *rho_fwd, *rho_bck, *rho_ext, *tmp; /* summed momenta and scratch */
  urn_nuts_level *levels;   /* recursion scratch, max_depth + 1 levels */
  int depth;                /* depth of the last transition */
  int divergent;            /* last transition diverged */
  long long n_gradients;    /* gradient evaluations so far */
  int fatal;                /* a target error other than a rejection happened */
  urn_error fatal_err;      /* its message */
  /* rejection messages: reported once per kind through the callback */
  void (*on_reject)(void *ctx, const char *message); /* may be NULL */
  void *on_reject_ctx;      /* its argument */
  unsigned long reject_kinds[32]; /* hashes of the kinds seen (0 = empty slot) */
} urn_nuts;

urn_nuts *urn_nuts_new(const urn_target *target, urn_metric_kind metric, int max_depth, urn_rng *rng);
void urn_nuts_free(urn_nuts *s);
/* Makes q the current point: evaluates the density and its gradient there.
 * Returns URN_OK if both are finite, URN_EREJECT otherwise (err says why),
 * or a fatal status from the target. */
int urn_nuts_set_point(urn_nuts *s, const double *q, urn_error *err);
/* Replaces the inverse metric (recomputes its Cholesky factor when dense).
 * Returns URN_EFATAL if a dense one is not positive definite. */
int urn_nuts_set_inv_metric(urn_nuts *s, const double *inv_metric, urn_error *err);
/* Replaces a dense inverse metric by the low-rank one diag(sig) (I + U
 * (Lambda - I) U^T) diag(sig) (U: dim x k column-major with orthonormal
 * columns, Lambda > 0, sig > 0), applied in factored form (O(dim k) per
 * leapfrog step; no Cholesky factor).  inv_metric gets the dense matrix too
 * (O(dim^2 k)), for the CSV's adaptation block. */
void urn_nuts_set_lowrank(urn_nuts *s, const double *sig, const double *U, const double *lam, size_t k);
/* Stan's init_stepsize heuristic from the current point: doubles or halves
 * the step size until the acceptance of one leapfrog step crosses 0.8.
 * Returns URN_EFATAL with Stan's message if the posterior looks improper
 * (step size above 1e7) or no step size is small enough. */
int urn_nuts_init_stepsize(urn_nuts *s, urn_error *err);
/* One NUTS transition from the current point; the current point becomes the
 * new draw.  Returns URN_OK or the fatal status of the target. */
int urn_nuts_transition(urn_nuts *s, urn_nuts_stats *st, urn_error *err);
/* Masks the digits of a message and hashes it: the "kind" of a rejection. */
unsigned long urn_nuts_message_kind(const char *msg);

#endif
