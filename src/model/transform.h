/* model/transform.h — Stan's constraint transforms between the unconstrained
 * space the sampler moves in and the constrained values a model sees.
 *
 * Each transform has three operations:
 *   constrain    u -> x, adding log |det J| (the Jacobian adjustment Stan adds
 *                to lp__) to *log_jac;
 *   reverse      the adjoint of constrain: given dL/dx and dL/dlog_jac, adds
 *                dL/du and, for parameter-dependent bounds, dL/dbound, so the
 *                evaluator records one tape node per transformed variable
 *                instead of one per arithmetic operation;
 *   unconstrain  x -> u for initial values and `urn logdensity --params`,
 *                validating x first: a value outside its constraint is an
 *                error that names the variable, the element and the rule.
 * The definitions, element orders and log-Jacobians are exactly Stan's
 * (Reference Manual, "Constraint Transforms"; the simplex and the stochastic
 * matrices use Stan 2.37's inverse isometric log-ratio transform).  See
 * docs/transforms.md for the formulas.
 *
 * Shapes: the elementwise kinds (IDENTITY, LOWER, UPPER, LOWER_UPPER,
 * OFFSET_MULTIPLIER) act on rows * cols elements (any container, flattened).
 * ORDERED, POSITIVE_ORDERED, SIMPLEX and UNIT_VECTOR act on a vector of
 * length rows (cols must be 1).  CHOLESKY_CORR, CORR_MATRIX and COV_MATRIX
 * are rows x rows (cols == rows); CHOLESKY_COV is rows x cols with
 * rows >= cols; STOCHASTIC_COLUMN (rows >= 1), STOCHASTIC_ROW (cols >= 1) and
 * SUM_TO_ZERO_MATRIX are any rows x cols, their unconstrained values a
 * (rows - 1) x cols, rows x (cols - 1) and (rows - 1) x (cols - 1) matrix
 * read column-major, as Stan reads them.  Matrices are column-major (element (i, j) at i + j * rows).
 * A transform of an array of vectors/matrices is applied element by element
 * by the caller. */
#ifndef URN_MODEL_TRANSFORM_H
#define URN_MODEL_TRANSFORM_H

#include <stddef.h>

#include "urn/common.h"

typedef enum urn_transform_kind {
  URN_TR_IDENTITY,          /* no constraint */
  URN_TR_LOWER,             /* <lower=lb> */
  URN_TR_UPPER,             /* <upper=ub> */
  URN_TR_LOWER_UPPER,       /* <lower=lb, upper=ub> */
  URN_TR_OFFSET_MULTIPLIER, /* <offset=mu, multiplier=sigma> */
  URN_TR_ORDERED,           /* ordered[K] */
  URN_TR_POSITIVE_ORDERED,  /* positive_ordered[K] */
  URN_TR_SIMPLEX,           /* simplex[K] */
  URN_TR_UNIT_VECTOR,       /* unit_vector[K] */
  URN_TR_CHOLESKY_CORR,     /* cholesky_factor_corr[K] */
  URN_TR_CHOLESKY_COV,      /* cholesky_factor_cov[M, N] */
  URN_TR_CORR_MATRIX,       /* corr_matrix[K] */
  URN_TR_COV_MATRIX,        /* cov_matrix[K] */
  URN_TR_SUM_TO_ZERO,       /* sum_to_zero_vector[K] (Stan 2.36's isometric transform; linear, no Jacobian) */
  URN_TR_STOCHASTIC_COLUMN, /* column_stochastic_matrix[N, M]: every column a simplex (Stan 2.37) */
  URN_TR_STOCHASTIC_ROW,    /* row_stochastic_matrix[N, M]: every row a simplex (Stan 2.37) */
  URN_TR_SUM_TO_ZERO_MATRIX /* sum_to_zero_matrix[N, M]: every row and column sums to zero (Stan 2.37) */
} urn_transform_kind;

/* The bounds of LOWER / UPPER / LOWER_UPPER and the offset and multiplier of
 * OFFSET_MULTIPLIER, one value per element: element i uses p[i * stride], so
 * a scalar bound is passed with stride 0.  NULL means absent (offset 0,
 * multiplier 1; a NULL or infinite bound makes that side unbounded, as in
 * Stan, e.g. <lower=negative_infinity()> is no constraint). */
typedef struct urn_transform_args {
  const double *lb;         /* lower bounds, or NULL */
  const double *ub;         /* upper bounds, or NULL */
  size_t lb_stride;         /* step between elements' lower bounds (0 = scalar) */
  size_t ub_stride;         /* step between elements' upper bounds */
  const double *offset;     /* offsets, or NULL (0) */
  const double *multiplier; /* multipliers, or NULL (1) */
  size_t offset_stride;     /* step between elements' offsets */
  size_t multiplier_stride; /* step between elements' multipliers */
} urn_transform_args;

/* Adjoint outputs for parameter-dependent bounds (reverse adds into them with
 * the strides of urn_transform_args, so a scalar bound accumulates the sum);
 * any pointer may be NULL when that quantity is data. */
typedef struct urn_transform_adj {
  double *lb;         /* dL/dlb */
  double *ub;         /* dL/dub */
  double *offset;     /* dL/doffset */
  double *multiplier; /* dL/dmultiplier */
} urn_transform_adj;

/* The sum-to-zero transform on its own (model.c tapes it with a callback):
 * x[0..K) from u[0..K-1), and the adjoint u_adj += J' x_adj, both O(K). */
void urn__model_sum_to_zero_constrain(size_t K, const double *u, double *x);
void urn__model_sum_to_zero_reverse(size_t K, const double *x_adj, double *u_adj);

/* Number of unconstrained values of a rows x cols variable of this kind. */
size_t urn__model_transform_unconstrained_size(urn_transform_kind k, size_t rows, size_t cols);
/* Number of constrained values (rows * cols; rows for the vector kinds). */
size_t urn__model_transform_constrained_size(urn_transform_kind k, size_t rows, size_t cols);
/* Stan's name of the constraint ("lower", "simplex", "cholesky_factor_corr", ...). */
const char *urn__model_transform_name(urn_transform_kind k);

/* u -> x; adds log |det J| to *log_jac when log_jac is not NULL.  Returns
 * URN_OK, URN_EREJECT for an invalid bound at this point (lower >= upper,
 * multiplier <= 0, non-finite bound where finite is needed, unit_vector of a
 * zero vector), or URN_EINPUT for a bad shape; err names `name`. */
int urn__model_transform_constrain(urn_transform_kind k, size_t rows, size_t cols, const urn_transform_args *args,
                            const double *u, double *x, double *log_jac, const char *name, urn_error *err);

/* The adjoint of constrain at u (x must be constrain's output for u): adds
 * dL/du = J' x_adj + jac_adj * d log|J| / du into u_adj and the bound
 * adjoints into adj (may be NULL).  x_adj may be NULL (only the Jacobian term
 * matters).  For matrix kinds x_adj is the adjoint of the full stored matrix
 * (both triangles of a symmetric matrix are independent entries, as a tape
 * sees them).  Returns URN_OK, or URN_EREJECT as constrain would. */
int urn__model_transform_reverse(urn_transform_kind k, size_t rows, size_t cols, const urn_transform_args *args,
                          const double *u, const double *x, const double *x_adj, double jac_adj, double *u_adj,
                          const urn_transform_adj *adj, const char *name, urn_error *err);

/* The dense Jacobian at u, for evaluators whose tape records per-element
 * partials: J[i + j * nx] = dx_i / du_j (nx = constrained size, nu =
 * unconstrained size; J may be NULL) and dlogj[j] = d log|J| / du_j (may be
 * NULL).  Computed with nx + 1 reverse sweeps, so meant for the small matrix
 * kinds; bound adjoints are not included (use urn__model_transform_reverse). */
int urn__model_transform_jacobian(urn_transform_kind k, size_t rows, size_t cols, const urn_transform_args *args,
                           const double *u, double *J, double *dlogj, const char *name, urn_error *err);

/* x -> u after validating x: an element outside its constraint (or a matrix
 * that is not symmetric / positive definite / unit-diagonal / lower
 * triangular...) gives URN_EINPUT and a message naming `name`, the element
 * (1-based, Stan style) and the rule violated.  Values on a finite bound (u
 * would be infinite) are refused too. */
int urn__model_transform_unconstrain(urn_transform_kind k, size_t rows, size_t cols, const urn_transform_args *args,
                              const double *x, double *u, const char *name, urn_error *err);

/* The adjoint of unconstrain at x (u its result): adds (du/dx)' u_adj into
 * x_adj and, for parameter-dependent bounds, into adj (may be NULL).  For the
 * kinds whose x has more entries than u (simplex, stochastic and sum-to-zero
 * kinds, the matrix kinds) this is the derivative along the constraint
 * surface, which is where valid arguments move: the simplex's u = V' log x
 * gives V u_adj / x; the matrix kinds solve with the Jacobian of constrain
 * restricted to their free (lower-triangular) entries; unit_vector's u = x.
 * Returns URN_OK, or URN_EREJECT when that Jacobian is singular. */
int urn__model_transform_unconstrain_reverse(urn_transform_kind k, size_t rows, size_t cols, const urn_transform_args *args,
                                      const double *x, const double *u, const double *u_adj, double *x_adj,
                                      const urn_transform_adj *adj, const char *name, urn_error *err);

/* Checks that x satisfies the constraint of kind k (as unconstrain does, but
 * values on the boundary, such as a simplex entry of 0, are valid data):
 * URN_OK, or URN_EINPUT with a message naming `name`, the element and the
 * rule.  Bounds are not checked here (no args). */
int urn__model_transform_validate(urn_transform_kind k, size_t rows, size_t cols, const double *x, const char *name, urn_error *err);

#endif
