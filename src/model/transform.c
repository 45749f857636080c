/* model/transform.c — Stan's constraint transforms with log-Jacobians,
 * adjoints and validating inverses (see transform.h and docs/transforms.md).
 *
 * Formulas follow the Stan Reference Manual ("Constraint Transforms") and the
 * element orders of Stan's math library (version 2.37: the simplex and the
 * stochastic matrices by the inverse isometric log-ratio transform): cholesky_factor_corr, cholesky_factor_cov
 * and cov_matrix read their unconstrained values row by row through the lower
 * triangle; corr_matrix reads its canonical partial correlations column by
 * column (read_corr_L).  Derivatives in the reverse functions are worked out
 * by hand from those formulas and tested against finite differences. */
#include "model/transform.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "math/linalg.h"
#include "math/special.h"
#include "util/util.h"

/* Stan's CONSTRAINT_TOLERANCE for simplex sums, unit lengths, symmetry. */
#define URN_CONSTRAINT_TOL 1e-8
#define LOG_TWO 0.69314718055994530942

size_t urn__model_transform_unconstrained_size(urn_transform_kind k, size_t rows, size_t cols) {
  switch (k) {
  case URN_TR_SIMPLEX:
  case URN_TR_SUM_TO_ZERO: return rows > 0 ? rows - 1 : 0;
  case URN_TR_ORDERED:
  case URN_TR_POSITIVE_ORDERED:
  case URN_TR_UNIT_VECTOR: return rows;
  case URN_TR_CHOLESKY_CORR:
  case URN_TR_CORR_MATRIX: return rows * (rows > 0 ? rows - 1 : 0) / 2;
  case URN_TR_COV_MATRIX: return rows * (rows + 1) / 2;
  case URN_TR_CHOLESKY_COV: return cols * (cols + 1) / 2 + (rows > cols ? rows - cols : 0) * cols;
  case URN_TR_STOCHASTIC_COLUMN: return (rows > 0 ? rows - 1 : 0) * cols;
  case URN_TR_STOCHASTIC_ROW: return rows * (cols > 0 ? cols - 1 : 0);
  case URN_TR_SUM_TO_ZERO_MATRIX: return (rows > 0 ? rows - 1 : 0) * (cols > 0 ? cols - 1 : 0);
  default: return rows * cols;
  }
}

size_t urn__model_transform_constrained_size(urn_transform_kind k, size_t rows, size_t cols) {
  switch (k) {
  case URN_TR_SIMPLEX:
  case URN_TR_SUM_TO_ZERO:
  case URN_TR_ORDERED:
  case URN_TR_POSITIVE_ORDERED:
  case URN_TR_UNIT_VECTOR: return rows;
  case URN_TR_CHOLESKY_CORR:
  case URN_TR_CORR_MATRIX:
  case URN_TR_COV_MATRIX: return rows * rows;
  default: return rows * cols;
  }
}

const char *urn__model_transform_name(urn_transform_kind k) {
  switch (k) {
  case URN_TR_IDENTITY: return "unconstrained";
  case URN_TR_LOWER: return "lower";
  case URN_TR_UPPER: return "upper";
  case URN_TR_LOWER_UPPER: return "lower, upper";
  case URN_TR_OFFSET_MULTIPLIER: return "offset, multiplier";
  case URN_TR_ORDERED: return "ordered";
  case URN_TR_POSITIVE_ORDERED: return "positive_ordered";
  case URN_TR_SIMPLEX: return "simplex";
  case URN_TR_UNIT_VECTOR: return "unit_vector";
  case URN_TR_CHOLESKY_CORR: return "cholesky_factor_corr";
  case URN_TR_CHOLESKY_COV: return "cholesky_factor_cov";
  case URN_TR_CORR_MATRIX: return "corr_matrix";
  case URN_TR_COV_MATRIX: return "cov_matrix";
  case URN_TR_SUM_TO_ZERO: return "sum_to_zero_vector";
  case URN_TR_STOCHASTIC_COLUMN: return "column_stochastic_matrix";
  case URN_TR_STOCHASTIC_ROW: return "row_stochastic_matrix";
  case URN_TR_SUM_TO_ZERO_MATRIX: return "sum_to_zero_matrix";
  }
  return "?";
}

/* "name", "name[i]" or "name[i,j]" (1-based) for messages. */
static const char *elem_name(char *buf, size_t cap, const char *name, size_t idx, size_t rows, size_t cols) {
  if (!name) name = "value";
  if (rows * cols <= 1)
    snprintf(buf, cap, "%s", name);
  else if (cols == 1)
    snprintf(buf, cap, "%s[%zu]", name, idx + 1);
  else
    snprintf(buf, cap, "%s[%zu,%zu]", name, idx % rows + 1, idx / rows + 1);
  return buf;
}

static int check_shape(urn_transform_kind k, size_t rows, size_t cols, const char *name, urn_error *err) {
  const char *nm = name ? name : "value";
  switch (k) {
  case URN_TR_ORDERED:
  case URN_TR_POSITIVE_ORDERED:
  case URN_TR_SIMPLEX:
  case URN_TR_UNIT_VECTOR:
  case URN_TR_SUM_TO_ZERO:
    if (cols != 1) return urn_error_set(err, URN_EINPUT, "%s: a %s must be a vector (got %zu columns)", nm, urn__model_transform_name(k), cols);
    if (k == URN_TR_SIMPLEX && rows == 0) return urn_error_set(err, URN_EINPUT, "%s: a simplex needs at least one element", nm);
    if (k == URN_TR_UNIT_VECTOR && rows == 0) return urn_error_set(err, URN_EINPUT, "%s: a unit_vector needs at least one element", nm);
    return URN_OK;
  case URN_TR_CHOLESKY_CORR:
  case URN_TR_CORR_MATRIX:
  case URN_TR_COV_MATRIX:
    if (rows != cols) return urn_error_set(err, URN_EINPUT, "%s: a %s must be square (got %zu x %zu)", nm, urn__model_transform_name(k), rows, cols);
    return URN_OK;
  case URN_TR_CHOLESKY_COV:
    if (rows < cols)
      return urn_error_set(err, URN_EINPUT, "%s: cholesky_factor_cov needs rows >= columns (got %zu x %zu)", nm, rows, cols);
    return URN_OK;
  case URN_TR_STOCHASTIC_COLUMN:
    if (rows == 0 && cols > 0) return urn_error_set(err, URN_EINPUT, "%s: a column_stochastic_matrix needs at least one row", nm);
    return URN_OK;
  case URN_TR_STOCHASTIC_ROW:
    if (cols == 0 && rows > 0) return urn_error_set(err, URN_EINPUT, "%s: a row_stochastic_matrix needs at least one column", nm);
    return URN_OK;
  default: return URN_OK;
  }
}

/* Scratch space: a caller's stack buffer when n doubles fit, else the heap
 * (transforms run on every gradient, and most vectors/matrices are small). */
#define SCRATCH_N 128
static double *scratch(double *stackbuf, size_t n) {
  return n <= SCRATCH_N ? stackbuf : urn_xmalloc(sizeof(double) * n);
}
static void scratch_free(double *p, double *stackbuf) {
  if (p != stackbuf) free(p);
}

/* ---------------------------------------------------------------- bounds */

/* The bounds of element i for the bounded kinds; -inf / +inf when absent. */
static void bounds_of(urn_transform_kind k, const urn_transform_args *a, size_t i, double *lb, double *ub) {
  *lb = -INFINITY, *ub = INFINITY;
  if (!a) return;
  if ((k == URN_TR_LOWER || k == URN_TR_LOWER_UPPER) && a->lb) *lb = a->lb[i * a->lb_stride];
  if ((k == URN_TR_UPPER || k == URN_TR_LOWER_UPPER) && a->ub) *ub = a->ub[i * a->ub_stride];
}

static int check_bounds(double lb, double ub, const char *what, urn_error *err) {
  if (isnan(lb) || lb == INFINITY) return urn_error_set(err, URN_EREJECT, "%s: lower bound is %g, but must be less than +inf", what, lb);
  if (isnan(ub) || ub == -INFINITY) return urn_error_set(err, URN_EREJECT, "%s: upper bound is %g, but must be greater than -inf", what, ub);
  if (!(lb < ub)) return urn_error_set(err, URN_EREJECT, "%s: lower bound is %.17g, but must be less than the upper bound %.17g", what, lb, ub);
  return URN_OK;
}

static double om_offset(const urn_transform_args *a, size_t i) { return a && a->offset ? a->offset[i * a->offset_stride] : 0.0; }
static double om_mult(const urn_transform_args *a, size_t i) { return a && a->multiplier ? a->multiplier[i * a->multiplier_stride] : 1.0; }

static int check_om(double mu, double sigma, const char *what, urn_error *err) {
  if (!isfinite(mu)) return urn_error_set(err, URN_EREJECT, "%s: offset is %g, but must be finite", what, mu);
  if (!(sigma > 0) || !isfinite(sigma)) return urn_error_set(err, URN_EREJECT, "%s: multiplier is %g, but must be positive finite", what, sigma);
  return URN_OK;
}

/* Does check_om pass?  (check_bounds passes exactly when lb < ub.)  The gradient path asks first and names the
 * element (snprintf) only for a message. */
static int om_ok(double mu, double sigma) { return isfinite(mu) && sigma > 0 && isfinite(sigma); }

/* log(inv_logit(u)) + log(1 - inv_logit(u)) = -|u| - 2 log1p(exp(-|u|)) */
static double log_logistic_jac(double u) { return -fabs(u) - 2.0 * log1p(exp(-fabs(u))); }

static int elementwise_constrain(urn_transform_kind k, size_t n, const urn_transform_args *a, const double *u, double *x,
                                 double *log_jac, const char *name, urn_error *err) {
  double lj = 0;
  char buf[256];
  for (size_t i = 0; i < n; i++) {
    if (k == URN_TR_IDENTITY) {
      x[i] = u[i];
      continue;
    }
    if (k == URN_TR_OFFSET_MULTIPLIER) {
      double mu = om_offset(a, i), sigma = om_mult(a, i);
      if (!om_ok(mu, sigma) && check_om(mu, sigma, elem_name(buf, sizeof buf, name, i, n, 1), err)) return URN_EREJECT;
      x[i] = mu + sigma * u[i];
      lj += log(sigma);
      continue;
    }
    double lb, ub;
    bounds_of(k, a, i, &lb, &ub);
    if (!(lb < ub) && check_bounds(lb, ub, elem_name(buf, sizeof buf, name, i, n, 1), err)) return URN_EREJECT;
    if (lb == -INFINITY && ub == INFINITY) {
      x[i] = u[i];
    } else if (ub == INFINITY) {
      x[i] = lb + exp(u[i]);
      lj += u[i];
    } else if (lb == -INFINITY) {
      x[i] = ub - exp(u[i]);
      lj += u[i];
    } else {
      double d = ub - lb;
      x[i] = lb + d * urn_inv_logit(u[i]);
      lj += log(d) + log_logistic_jac(u[i]);
    }
  }
  if (log_jac) *log_jac += lj;
  return URN_OK;
}

static int elementwise_reverse(urn_transform_kind k, size_t n, const urn_transform_args *a, const double *u,
                               const double *x_adj, double jac_adj, double *u_adj, const urn_transform_adj *adj,
                               const char *name, urn_error *err) {
  char buf[256];
  for (size_t i = 0; i < n; i++) {
    double g = x_adj ? x_adj[i] : 0.0;
    if (k == URN_TR_IDENTITY) {
      u_adj[i] += g;
      continue;
    }
    if (k == URN_TR_OFFSET_MULTIPLIER) {
      double mu = om_offset(a, i), sigma = om_mult(a, i);
      if (!om_ok(mu, sigma) && check_om(mu, sigma, elem_name(buf, sizeof buf, name, i, n, 1), err)) return URN_EREJECT;
      u_adj[i] += g * sigma;
      if (adj && adj->offset && a->offset) adj->offset[i * a->offset_stride] += g;
      if (adj && adj->multiplier && a->multiplier) adj->multiplier[i * a->multiplier_stride] += g * u[i] + jac_adj / sigma;
      continue;
    }
    double lb, ub;
    bounds_of(k, a, i, &lb, &ub);
    if (!(lb < ub) && check_bounds(lb, ub, elem_name(buf, sizeof buf, name, i, n, 1), err)) return URN_EREJECT;
    double *lba = adj && adj->lb && a && a->lb ? &adj->lb[i * a->lb_stride] : NULL;
    double *uba = adj && adj->ub && a && a->ub ? &adj->ub[i * a->ub_stride] : NULL;
    if (lb == -INFINITY && ub == INFINITY) {
      u_adj[i] += g;
    } else if (ub == INFINITY) { /* x = lb + exp(u), log J = u */
      u_adj[i] += g * exp(u[i]) + jac_adj;
      if (lba) *lba += g;
    } else if (lb == -INFINITY) { /* x = ub - exp(u), log J = u */
      u_adj[i] += -g * exp(u[i]) + jac_adj;
      if (uba) *uba += g;
    } else { /* x = lb + d s, s = inv_logit(u); log J = log d + log s + log(1 - s) */
      double d = ub - lb, s = urn_inv_logit(u[i]), s1 = urn_inv_logit(-u[i]);
      u_adj[i] += g * d * s * s1 + jac_adj * (s1 - s);
      if (lba) *lba += g * s1 - jac_adj / d;
      if (uba) *uba += g * s + jac_adj / d;
    }
  }
  return URN_OK;
}

static int elementwise_unconstrain(urn_transform_kind k, size_t rows, size_t cols, const urn_transform_args *a,
                                   const double *x, double *u, const char *name, urn_error *err) {
  size_t n = rows * cols;
  char buf[256];
  for (size_t i = 0; i < n; i++) {
    const char *nm = elem_name(buf, sizeof buf, name, i, rows, cols);
    if (isnan(x[i])) return urn_error_set(err, URN_EINPUT, "%s is nan", nm);
    if (k == URN_TR_IDENTITY) {
      u[i] = x[i];
      continue;
    }
    if (k == URN_TR_OFFSET_MULTIPLIER) {
      double mu = om_offset(a, i), sigma = om_mult(a, i);
      if (check_om(mu, sigma, nm, err)) return URN_EINPUT;
      u[i] = (x[i] - mu) / sigma;
      continue;
    }
    double lb, ub;
    bounds_of(k, a, i, &lb, &ub);
    if (check_bounds(lb, ub, nm, err)) return URN_EINPUT;
    if (x[i] < lb)
      return urn_error_set(err, URN_EINPUT, "%s is %.17g, but must be greater than or equal to %.17g (lower bound)", nm, x[i], lb);
    if (x[i] > ub)
      return urn_error_set(err, URN_EINPUT, "%s is %.17g, but must be less than or equal to %.17g (upper bound)", nm, x[i], ub);
    if (x[i] == lb && lb > -INFINITY)
      return urn_error_set(err, URN_EINPUT, "%s is %.17g, exactly its lower bound: the unconstrained value would be -inf", nm, x[i]);
    if (x[i] == ub && ub < INFINITY)
      return urn_error_set(err, URN_EINPUT, "%s is %.17g, exactly its upper bound: the unconstrained value would be +inf", nm, x[i]);
    if (lb == -INFINITY && ub == INFINITY)
      u[i] = x[i];
    else if (ub == INFINITY)
      u[i] = log(x[i] - lb);
    else if (lb == -INFINITY)
      u[i] = log(ub - x[i]);
    else
      u[i] = urn_logit((x[i] - lb) / (ub - lb));
    if (!isfinite(u[i]))
      return urn_error_set(err, URN_EINPUT, "%s is %.17g: too close to its bounds to unconstrain (%g)", nm, x[i], u[i]);
  }
  return URN_OK;
}

/* ---------------------------------------------------------------- vectors */

static void ordered_constrain(int positive, size_t n, const double *u, double *x, double *lj) {
  double s = 0;
  for (size_t i = 0; i < n; i++) {
    if (i == 0 && !positive) {
      x[0] = u[0];
    } else {
      x[i] = (i ? x[i - 1] : 0.0) + exp(u[i]);
      s += u[i];
    }
  }
  if (lj) *lj += s;
}

static void ordered_reverse(int positive, size_t n, const double *u, const double *x_adj, double jac_adj, double *u_adj) {
  /* x_i = x_(i-1) + exp(u_i): dL/du_i = exp(u_i) * sum_(j >= i) x_adj_j */
  double tail = 0;
  for (size_t i = n; i-- > 0;) {
    tail += x_adj ? x_adj[i] : 0.0;
    if (i == 0 && !positive)
      u_adj[0] += tail;
    else
      u_adj[i] += tail * exp(u[i]) + jac_adj;
  }
}

/* Sum to zero (Stan 2.36+, the "pivot coordinates" form of the isometric log-ratio
 * transform): with N = K - 1 and w_i = u_{i-1} / sqrt(i (i + 1)) for i = 1..N,
 *   x_j = sum_{i > j} w_i - j w_j     (j = 0..N; the w_0 term is absent),
 * which sums to zero and is an isometry from R^N onto the zero-sum plane: the
 * log-Jacobian is constant (0, as Stan adds nothing). */
void urn__model_sum_to_zero_constrain(size_t K, const double *u, double *x) {
  if (K == 0) return;
  double tail = 0; /* sum of w_i for i > j */
  for (size_t j = K - 1;; j--) {
    double wj = j ? u[j - 1] / sqrt((double)j * (double)(j + 1)) : 0;
    x[j] = tail - (double)j * wj;
    tail += wj;
    if (j == 0) break;
  }
}

/* u_adj[i-1] += (sum_{j < i} x_adj[j] - i x_adj[i]) / sqrt(i (i + 1)). */
void urn__model_sum_to_zero_reverse(size_t K, const double *x_adj, double *u_adj) {
  double head = 0; /* sum of x_adj[j] for j < i */
  for (size_t i = 1; i < K; i++) {
    head += x_adj[i - 1];
    u_adj[i - 1] += (head - (double)i * x_adj[i]) / sqrt((double)i * (double)(i + 1));
  }
}

/* The inverse of sum_to_zero_constrain without validation: u = V' x (exact
 * for any x: the constant part of x, which V' annihilates, is dropped). */
static void sum_to_zero_free(size_t K, const double *x, double *u) {
  for (size_t i = 0; i + 1 < K; i++) u[i] = 0;
  urn__model_sum_to_zero_reverse(K, x, u);
}

/* The inverse, after validating that x sums to zero. */
static int sum_to_zero_unconstrain(size_t K, const double *x, double *u, const char *name, urn_error *err) {
  const char *nm = name ? name : "value";
  double sum = 0, scale = 0;
  for (size_t k = 0; k < K; k++) {
    if (!isfinite(x[k])) return urn_error_set(err, URN_EINPUT, "%s[%zu] is %g, but must be finite", nm, k + 1, x[k]);
    sum += x[k], scale += fabs(x[k]);
  }
  if (!(fabs(sum) <= URN_CONSTRAINT_TOL * (1 + scale)))
    return urn_error_set(err, URN_EINPUT, "%s is not a valid sum_to_zero_vector: its sum is %.17g, but must be 0", nm, sum);
  if (K > 1) sum_to_zero_free(K, x, u);
  return URN_OK;
}

/* Simplex (Stan 2.37, the inverse isometric log-ratio transform):
 * x = softmax(z) with z = sum_to_zero_constrain(u) (K values from K - 1);
 * log J = sum_k log x_k + 0.5 log K.  (|det| of u -> x_1..x_(K-1) is
 * det(P V) det(V' S V) with S = diag(x) - x x': 1/sqrt(K) times the
 * pseudo-determinant K prod x_k of S.)  Computed as z - max(z) to stay finite. */
static void simplex_constrain(size_t K, const double *u, double *x, double *lj) {
  urn__model_sum_to_zero_constrain(K, u, x);
  double m = x[0];
  for (size_t k = 1; k < K; k++)
    if (x[k] > m) m = x[k];
  double d = 0;
  for (size_t k = 0; k < K; k++) d += x[k] = exp(x[k] - m);
  for (size_t k = 0; k < K; k++) x[k] /= d;
  if (lj) *lj += -(double)K * (m + log(d)) + 0.5 * log((double)K);
}

/* dz = x o (x_adj - <x_adj, x>) + jac_adj (1 - K x), then u_adj += V' dz. */
static void simplex_reverse(size_t K, const double *u, const double *x_adj, double jac_adj, double *u_adj) {
  double xb[SCRATCH_N], *x = scratch(xb, 2 * K), *dz = x + K;
  simplex_constrain(K, u, x, NULL);
  double xg = x_adj ? urn_dot(x, x_adj, K) : 0.0;
  for (size_t k = 0; k < K; k++) dz[k] = x[k] * ((x_adj ? x_adj[k] : 0.0) - xg) + jac_adj * (1 - (double)K * x[k]);
  urn__model_sum_to_zero_reverse(K, dz, u_adj);
  scratch_free(x, xb);
}

/* Validates a simplex (entries >= 0 summing to 1 within 1e-8; an entry of 0
 * would make u infinite) and returns u = V' log x (V' removes log x's mean). */
static int simplex_check(size_t K, const double *x, const char *name, urn_error *err) {
  const char *nm = name ? name : "value";
  double sum = 0;
  for (size_t k = 0; k < K; k++) {
    if (!(x[k] >= 0))
      return urn_error_set(err, URN_EINPUT, "%s is not a valid simplex: %s[%zu] = %.17g, but must be greater than or equal to 0", nm, nm, k + 1, x[k]);
    sum += x[k];
  }
  if (!(fabs(sum - 1) <= URN_CONSTRAINT_TOL))
    return urn_error_set(err, URN_EINPUT, "%s is not a valid simplex: sum(%s) = %.17g, but should be 1", nm, nm, sum);
  return URN_OK;
}

static int simplex_unconstrain(size_t K, const double *x, double *u, const char *name, urn_error *err) {
  const char *nm = name ? name : "value";
  int rc = simplex_check(K, x, name, err);
  if (rc || K < 2) return rc;
  double lb[SCRATCH_N], *l = scratch(lb, K);
  for (size_t k = 0; k < K; k++) {
    if (x[k] == 0) {
      scratch_free(l, lb);
      return urn_error_set(err, URN_EINPUT, "%s is on the boundary of the simplex (%s[%zu] = 0): the unconstrained value would be infinite", nm, nm, k + 1);
    }
    l[k] = log(x[k]);
  }
  sum_to_zero_free(K, l, u);
  scratch_free(l, lb);
  return URN_OK;
}

/* ---------------------------------------------------------------- stochastic and sum-to-zero matrices */

/* One simplex per column (stride 1 inside a column) or per row (stride rows):
 * the free values of column j are u[j (K - 1) ...], of row i u[i + j rows]. */
static void stochastic_constrain(int by_row, size_t rows, size_t cols, const double *u, double *x, double *lj) {
  size_t K = by_row ? cols : rows, n = by_row ? rows : cols, su = by_row ? rows : 1;
  double bb[SCRATCH_N], *ub = scratch(bb, 2 * K), *xk = ub + K;
  for (size_t a = 0; a < n; a++) {
    for (size_t k = 0; k + 1 < K; k++) ub[k] = by_row ? u[a + k * su] : u[a * (K - 1) + k];
    simplex_constrain(K, ub, xk, lj);
    for (size_t k = 0; k < K; k++) x[by_row ? a + k * rows : a * K + k] = xk[k];
  }
  scratch_free(ub, bb);
}

static void stochastic_reverse(int by_row, size_t rows, size_t cols, const double *u, const double *x_adj, double jac_adj,
                               double *u_adj) {
  size_t K = by_row ? cols : rows, n = by_row ? rows : cols;
  double bb[SCRATCH_N], *ub = scratch(bb, 3 * K), *xa = ub + K, *ua = xa + K;
  for (size_t a = 0; a < n; a++) {
    for (size_t k = 0; k + 1 < K; k++) ub[k] = by_row ? u[a + k * rows] : u[a * (K - 1) + k], ua[k] = 0;
    for (size_t k = 0; k < K; k++) xa[k] = x_adj ? x_adj[by_row ? a + k * rows : a * K + k] : 0.0;
    simplex_reverse(K, ub, xa, jac_adj, ua);
    for (size_t k = 0; k + 1 < K; k++) u_adj[by_row ? a + k * rows : a * (K - 1) + k] += ua[k];
  }
  scratch_free(ub, bb);
}

/* u NULL: only validate (entries of 0 allowed). */
static int stochastic_unconstrain(int by_row, size_t rows, size_t cols, const double *x, double *u, const char *name,
                                  urn_error *err) {
  size_t K = by_row ? cols : rows, n = by_row ? rows : cols;
  double bb[SCRATCH_N], *xb = scratch(bb, 2 * K), *ub = xb + K;
  char nm[300];
  int rc = URN_OK;
  for (size_t a = 0; a < n && rc == URN_OK; a++) {
    for (size_t k = 0; k < K; k++) xb[k] = x[by_row ? a + k * rows : a * K + k];
    snprintf(nm, sizeof nm, by_row ? "%s[%zu, :]" : "%s[:, %zu]", name ? name : "value", a + 1);
    rc = u ? simplex_unconstrain(K, xb, ub, nm, err) : simplex_check(K, xb, nm, err);
    for (size_t k = 0; u && rc == URN_OK && k + 1 < K; k++) u[by_row ? a + k * rows : a * (K - 1) + k] = ub[k];
  }
  scratch_free(xb, bb);
  return rc;
}

/* x = V_rows U V_cols' for U (rows - 1) x (cols - 1): the vector transform down
 * every column of U, then along every row of the result (linear, orthonormal:
 * no Jacobian). */
static void stz_matrix_constrain(size_t rows, size_t cols, const double *u, double *x) {
  if (rows == 0 || cols == 0) return;
  size_t R = rows - 1, C = cols - 1;
  double bb[SCRATCH_N], *t = scratch(bb, rows * C + 2 * cols), *ru = t + rows * C, *rx = ru + cols;
  for (size_t j = 0; j < C; j++) urn__model_sum_to_zero_constrain(rows, u + j * R, t + j * rows);
  for (size_t i = 0; i < rows; i++) {
    for (size_t j = 0; j < C; j++) ru[j] = t[i + j * rows];
    urn__model_sum_to_zero_constrain(cols, ru, rx);
    for (size_t j = 0; j < cols; j++) x[i + j * rows] = rx[j];
  }
  scratch_free(t, bb);
}

/* U_adj += V_rows' X_adj V_cols. */
static void stz_matrix_reverse(size_t rows, size_t cols, const double *x_adj, double *u_adj) {
  if (rows == 0 || cols == 0 || !x_adj) return;
  size_t R = rows - 1, C = cols - 1;
  double bb[SCRATCH_N], *t = scratch(bb, rows * C + 2 * cols + 1), *rx = t + rows * C, *ru = rx + cols;
  for (size_t i = 0; i < rows; i++) {
    for (size_t j = 0; j < cols; j++) rx[j] = x_adj[i + j * rows];
    for (size_t j = 0; j < C; j++) ru[j] = 0;
    urn__model_sum_to_zero_reverse(cols, rx, ru);
    for (size_t j = 0; j < C; j++) t[i + j * rows] = ru[j];
  }
  for (size_t j = 0; j < C; j++) urn__model_sum_to_zero_reverse(rows, t + j * rows, u_adj + j * R);
  scratch_free(t, bb);
}

/* Validates that every row and column sums to zero (1e-8 relative to the
 * absolute values, as sum_to_zero_vector) and, unless u is NULL, returns
 * U = V_rows' X V_cols. */
static int stz_matrix_unconstrain(size_t rows, size_t cols, const double *x, double *u, const char *name, urn_error *err) {
  const char *nm = name ? name : "value";
  for (size_t i = 0; i < rows * cols; i++)
    if (!isfinite(x[i])) return urn_error_set(err, URN_EINPUT, "%s[%zu,%zu] is %g, but must be finite", nm, i % rows + 1, i / rows + 1, x[i]);
  for (int by_row = 0; by_row < 2; by_row++)
    for (size_t a = 0; a < (by_row ? rows : cols); a++) {
      double s = 0, scale = 0;
      for (size_t k = 0; k < (by_row ? cols : rows); k++) {
        double v = by_row ? x[a + k * rows] : x[k + a * rows];
        s += v, scale += fabs(v);
      }
      if (!(fabs(s) <= URN_CONSTRAINT_TOL * (1 + scale)))
        return urn_error_set(err, URN_EINPUT, "%s is not a valid sum_to_zero_matrix: %s %zu sums to %.17g, but must sum to 0", nm,
                             by_row ? "row" : "column", a + 1, s);
    }
  if (rows == 0 || cols == 0 || !u) return URN_OK;
  size_t R = rows - 1, C = cols - 1;
  double bb[SCRATCH_N], *t = scratch(bb, rows * C + 2 * cols + 1), *rx = t + rows * C, *ru = rx + cols;
  for (size_t i = 0; i < rows; i++) {
    for (size_t j = 0; j < cols; j++) rx[j] = x[i + j * rows];
    if (cols > 1) sum_to_zero_free(cols, rx, ru);
    for (size_t j = 0; j < C; j++) t[i + j * rows] = ru[j];
  }
  for (size_t j = 0; j < C; j++)
    if (rows > 1) sum_to_zero_free(rows, t + j * rows, u + j * R);
  scratch_free(t, bb);
  return URN_OK;
}

static int unit_constrain(size_t K, const double *u, double *x, double *lj, const char *name, urn_error *err) {
  double ss = urn_dot(u, u, K);
  if (!(ss > 0) || !isfinite(ss))
    return urn_error_set(err, URN_EREJECT, "%s: unit_vector's unconstrained vector has squared norm %g, but must be positive finite", name ? name : "value", ss);
  double r = sqrt(ss);
  for (size_t i = 0; i < K; i++) x[i] = u[i] / r;
  if (lj) *lj -= 0.5 * ss;
  return URN_OK;
}

static void unit_reverse(size_t K, const double *u, const double *x, const double *x_adj, double jac_adj, double *u_adj) {
  double r = sqrt(urn_dot(u, u, K));
  double xg = x_adj ? urn_dot(x, x_adj, K) : 0.0;
  for (size_t j = 0; j < K; j++) u_adj[j] += ((x_adj ? x_adj[j] : 0.0) - x[j] * xg) / r - jac_adj * u[j];
}

/* ---------------------------------------------------------------- correlation */

/* log(1 - tanh(u)^2) = 2 (log 2 - |u| - log1p(exp(-2|u|))), without the
 * -inf that log1m(tanh(u)^2) gives once tanh rounds to 1. */
static double log_sech2(double u) { return 2.0 * (LOG_TWO - fabs(u) - log1p(exp(-2.0 * fabs(u)))); }

/* Index into u of the partial correlation of element (i, c), i > c, of a
 * K x K Cholesky factor: row-major (cholesky_factor_corr) or column-major
 * (corr_matrix, Stan's read_corr_L). */
static size_t cpc_index(int colmajor, size_t K, size_t i, size_t c) {
  if (!colmajor) return i * (i - 1) / 2 + c;
  return c * (K - 1) - c * (c - 1) / 2 + (i - c - 1); /* columns 0..c-1 hold K-1, K-2, ... values */
}

/* Jacobian weight of log(1 - z^2) for element (i, c), including the tanh's own
 * log(1 - z^2): 1 + (i - 1 - c)/2 for a Cholesky factor (the 0.5 log(1 - sum
 * of squares) terms of cholesky_corr_constrain), 1 + (K - 2 - c)/2 for a
 * correlation matrix (read_corr_L's 0.5 (K - k - 1) log1m(z^2), k = c + 1). */
static double cpc_weight(int colmajor, size_t K, size_t i, size_t c) {
  return colmajor ? 1.0 + 0.5 * (double)(K - 2 - c) : 1.0 + 0.5 * (double)(i - 1 - c);
}

/* L (K x K, column-major) from the partial correlations z = tanh(u):
 * row i: L_ic = z_ic sqrt(P_c), P_(c+1) = P_c (1 - z_ic^2), L_ii = sqrt(P_i). */
static void corr_L_from_u(int colmajor, size_t K, const double *u, double *L, double *lj) {
  double s = 0;
  memset(L, 0, sizeof(double) * K * K);
  for (size_t i = 0; i < K; i++) {
    double P = 1;
    for (size_t c = 0; c < i; c++) {
      size_t p = cpc_index(colmajor, K, i, c);
      double z = tanh(u[p]);
      L[i + c * K] = z * sqrt(P);
      P *= 1 - z * z;
      s += cpc_weight(colmajor, K, i, c) * log_sech2(u[p]);
    }
    L[i + i * K] = sqrt(P);
  }
  if (lj) *lj += s;
}

/* Adds dL/du given L_adj (adjoint of the lower triangle of L). */
static void corr_L_reverse(int colmajor, size_t K, const double *u, const double *L_adj, double jac_adj, double *u_adj) {
  double sbuf[SCRATCH_N], *P = scratch(sbuf, K + 1);
  for (size_t i = 1; i < K; i++) {
    P[0] = 1;
    for (size_t c = 0; c < i; c++) {
      double z = tanh(u[cpc_index(colmajor, K, i, c)]);
      P[c + 1] = P[c] * (1 - z * z);
    }
    double Lii = sqrt(P[i]);
    double gP = Lii > 0 ? L_adj[i + i * K] * 0.5 / Lii : 0.0;
    for (size_t c = i; c-- > 0;) {
      size_t p = cpc_index(colmajor, K, i, c);
      double z = tanh(u[p]), sP = sqrt(P[c]), g = L_adj[i + c * K];
      double gz = gP * P[c] * (-2 * z) + g * sP;
      double gPc = gP * (1 - z * z);
      if (c > 0 && sP > 0) gPc += g * z * 0.5 / sP;
      gP = gPc;
      u_adj[p] += gz * (1 - z * z) + jac_adj * cpc_weight(colmajor, K, i, c) * (-2 * z);
    }
  }
  scratch_free(P, sbuf);
}

/* Partial correlations of a valid Cholesky factor of a correlation matrix back
 * to u = atanh(z). */
static int corr_L_unconstrain(int colmajor, size_t K, const double *L, double *u, const char *name, urn_error *err) {
  for (size_t i = 1; i < K; i++) {
    double P = 1;
    for (size_t c = 0; c < i; c++) {
      double l = L[i + c * K];
      double z = P > 0 ? l / sqrt(P) : 0;
      if (!(fabs(z) < 1))
        return urn_error_set(err, URN_EINPUT, "%s: a partial correlation is %.17g, on the boundary (-1, 1): the unconstrained value would be infinite",
                             name ? name : "value", z);
      u[cpc_index(colmajor, K, i, c)] = atanh(z);
      P *= 1 - z * z;
    }
  }
  return URN_OK;
}

/* L (rows x cols) of cholesky_factor_cov from u, row-major through the lower
 * trapezoid, exp on the diagonal; log J = sum of the diagonal u. */
static void cholcov_from_u(size_t M, size_t N, const double *u, double *L, double *lj) {
  size_t pos = 0;
  double s = 0;
  memset(L, 0, sizeof(double) * M * N);
  for (size_t m = 0; m < M; m++) {
    size_t last = m < N ? m : N;
    for (size_t c = 0; c < last; c++) L[m + c * M] = u[pos++];
    if (m < N) {
      L[m + m * M] = exp(u[pos]);
      s += u[pos++];
    }
  }
  if (lj) *lj += s;
}

static void cholcov_reverse(size_t M, size_t N, const double *u, const double *L_adj, double jac_adj, double *u_adj) {
  size_t pos = 0;
  for (size_t m = 0; m < M; m++) {
    size_t last = m < N ? m : N;
    for (size_t c = 0; c < last; c++, pos++) u_adj[pos] += L_adj ? L_adj[m + c * M] : 0.0;
    if (m < N) {
      u_adj[pos] += (L_adj ? L_adj[m + m * M] * exp(u[pos]) : 0.0) + jac_adj;
      pos++;
    }
  }
}

/* L_adj = (X_adj + X_adj') L for X = L L' (lower triangle of L_adj used). */
static void llt_reverse(size_t K, const double *L, const double *X_adj, double *L_adj) {
  for (size_t b = 0; b < K; b++)
    for (size_t a = b; a < K; a++) {
      double s = 0;
      for (size_t j = b; j < K; j++) s += (X_adj[a + j * K] + X_adj[j + a * K]) * L[j + b * K];
      L_adj[a + b * K] = s;
    }
}

/* Validation helpers for the matrix kinds (Stan's checks and tolerances). */
static int check_symmetric(size_t K, const double *x, const char *nm, urn_error *err) {
  for (size_t j = 0; j < K; j++)
    for (size_t i = 0; i < K; i++) {
      if (!isfinite(x[i + j * K]))
        return urn_error_set(err, URN_EINPUT, "%s[%zu,%zu] is %g, but must be finite", nm, i + 1, j + 1, x[i + j * K]);
      if (i > j && !(fabs(x[i + j * K] - x[j + i * K]) <= URN_CONSTRAINT_TOL))
        return urn_error_set(err, URN_EINPUT, "%s is not symmetric: %s[%zu,%zu] = %.17g, but %s[%zu,%zu] = %.17g", nm, nm, i + 1, j + 1,
                             x[i + j * K], nm, j + 1, i + 1, x[j + i * K]);
    }
  return URN_OK;
}

static int check_lower_tri(size_t M, size_t N, const double *x, const char *nm, urn_error *err) {
  for (size_t j = 0; j < N; j++)
    for (size_t i = 0; i < M; i++) {
      if (!isfinite(x[i + j * M]))
        return urn_error_set(err, URN_EINPUT, "%s[%zu,%zu] is %g, but must be finite", nm, i + 1, j + 1, x[i + j * M]);
      if (i < j && x[i + j * M] != 0)
        return urn_error_set(err, URN_EINPUT, "%s is not lower triangular: %s[%zu,%zu] = %.17g", nm, nm, i + 1, j + 1, x[i + j * M]);
    }
  for (size_t j = 0; j < N; j++)
    if (!(x[j + j * M] > 0))
      return urn_error_set(err, URN_EINPUT, "%s is not a valid Cholesky factor: diagonal element %s[%zu,%zu] = %.17g, but must be positive", nm, nm,
                           j + 1, j + 1, x[j + j * M]);
  return URN_OK;
}

/* ---------------------------------------------------------------- dispatch */

static int is_elementwise(urn_transform_kind k) {
  return k == URN_TR_IDENTITY || k == URN_TR_LOWER || k == URN_TR_UPPER || k == URN_TR_LOWER_UPPER || k == URN_TR_OFFSET_MULTIPLIER;
}

int urn__model_transform_constrain(urn_transform_kind k, size_t rows, size_t cols, const urn_transform_args *args,
                            const double *u, double *x, double *log_jac, const char *name, urn_error *err) {
  int rc = check_shape(k, rows, cols, name, err);
  if (rc) return rc;
  if (is_elementwise(k)) return elementwise_constrain(k, rows * cols, args, u, x, log_jac, name, err);
  size_t K = rows;
  switch (k) {
  case URN_TR_ORDERED: ordered_constrain(0, K, u, x, log_jac); return URN_OK;
  case URN_TR_POSITIVE_ORDERED: ordered_constrain(1, K, u, x, log_jac); return URN_OK;
  case URN_TR_SIMPLEX: simplex_constrain(K, u, x, log_jac); return URN_OK;
  case URN_TR_SUM_TO_ZERO: urn__model_sum_to_zero_constrain(K, u, x); return URN_OK;
  case URN_TR_STOCHASTIC_COLUMN: stochastic_constrain(0, rows, cols, u, x, log_jac); return URN_OK;
  case URN_TR_STOCHASTIC_ROW: stochastic_constrain(1, rows, cols, u, x, log_jac); return URN_OK;
  case URN_TR_SUM_TO_ZERO_MATRIX: stz_matrix_constrain(rows, cols, u, x); return URN_OK;
  case URN_TR_UNIT_VECTOR: return unit_constrain(K, u, x, log_jac, name, err);
  case URN_TR_CHOLESKY_CORR: corr_L_from_u(0, K, u, x, log_jac); return URN_OK;
  case URN_TR_CHOLESKY_COV: cholcov_from_u(rows, cols, u, x, log_jac); return URN_OK;
  case URN_TR_CORR_MATRIX: {
    double sbuf[SCRATCH_N], *L = scratch(sbuf, K * K + 1);
    corr_L_from_u(1, K, u, L, log_jac);
    urn_tcrossprod(x, L, K, K);
    for (size_t i = 0; i < K; i++) x[i + i * K] = 1; /* exactly, as the rows of L are unit length */
    scratch_free(L, sbuf);
    return URN_OK;
  }
  case URN_TR_COV_MATRIX: {
    double sbuf[SCRATCH_N], *L = scratch(sbuf, K * K + 1);
    double lj = 0;
    cholcov_from_u(K, K, u, L, &lj);
    if (log_jac) {
      /* Stan: K log 2 + sum_k (K - k + 1) log L_kk (0-based k), which
       * includes the exp() of the diagonal */
      double s = K * LOG_TWO;
      for (size_t kk = 0; kk < K; kk++) s += (double)(K - kk + 1) * u[kk * (kk + 3) / 2];
      *log_jac += s;
    }
    urn_tcrossprod(x, L, K, K);
    scratch_free(L, sbuf);
    return URN_OK;
  }
  default: return urn_error_set(err, URN_EINPUT, "%s: unknown transform", name ? name : "value");
  }
}

int urn__model_transform_reverse(urn_transform_kind k, size_t rows, size_t cols, const urn_transform_args *args,
                          const double *u, const double *x, const double *x_adj, double jac_adj, double *u_adj,
                          const urn_transform_adj *adj, const char *name, urn_error *err) {
  int rc = check_shape(k, rows, cols, name, err);
  if (rc) return rc;
  if (is_elementwise(k)) return elementwise_reverse(k, rows * cols, args, u, x_adj, jac_adj, u_adj, adj, name, err);
  size_t K = rows;
  switch (k) {
  case URN_TR_ORDERED: ordered_reverse(0, K, u, x_adj, jac_adj, u_adj); return URN_OK;
  case URN_TR_POSITIVE_ORDERED: ordered_reverse(1, K, u, x_adj, jac_adj, u_adj); return URN_OK;
  case URN_TR_SIMPLEX: simplex_reverse(K, u, x_adj, jac_adj, u_adj); return URN_OK;
  case URN_TR_SUM_TO_ZERO:
    if (x_adj) urn__model_sum_to_zero_reverse(K, x_adj, u_adj);
    return URN_OK;
  case URN_TR_STOCHASTIC_COLUMN: stochastic_reverse(0, rows, cols, u, x_adj, jac_adj, u_adj); return URN_OK;
  case URN_TR_STOCHASTIC_ROW: stochastic_reverse(1, rows, cols, u, x_adj, jac_adj, u_adj); return URN_OK;
  case URN_TR_SUM_TO_ZERO_MATRIX: stz_matrix_reverse(rows, cols, x_adj, u_adj); return URN_OK;
  case URN_TR_UNIT_VECTOR: {
    double ss = urn_dot(u, u, K);
    if (!(ss > 0) || !isfinite(ss))
      return urn_error_set(err, URN_EREJECT, "%s: unit_vector's unconstrained vector has squared norm %g, but must be positive finite", name ? name : "value", ss);
    unit_reverse(K, u, x, x_adj, jac_adj, u_adj);
    return URN_OK;
  }
  case URN_TR_CHOLESKY_CORR: {
    double sbuf[SCRATCH_N], *zero = NULL;
    if (!x_adj) {
      x_adj = zero = scratch(sbuf, K * K + 1);
      memset(zero, 0, sizeof(double) * (K * K + 1));
    }
    corr_L_reverse(0, K, u, x_adj, jac_adj, u_adj);
    if (zero) scratch_free(zero, sbuf);
    return URN_OK;
  }
  case URN_TR_CHOLESKY_COV: cholcov_reverse(rows, cols, u, x_adj, jac_adj, u_adj); return URN_OK;
  case URN_TR_CORR_MATRIX:
  case URN_TR_COV_MATRIX: {
    double sbuf[SCRATCH_N], *L = scratch(sbuf, 2 * K * K + 1), *L_adj = L + K * K;
    memset(L_adj, 0, sizeof(double) * K * K);
    int corr = k == URN_TR_CORR_MATRIX;
    if (corr)
      corr_L_from_u(1, K, u, L, NULL);
    else
      cholcov_from_u(K, K, u, L, NULL);
    if (x_adj) llt_reverse(K, L, x_adj, L_adj);
    if (corr) {
      corr_L_reverse(1, K, u, L_adj, jac_adj, u_adj);
    } else {
      cholcov_reverse(K, K, u, L_adj, 0.0, u_adj);
      for (size_t kk = 0; kk < K; kk++) u_adj[kk * (kk + 3) / 2] += jac_adj * (double)(K - kk + 1);
    }
    scratch_free(L, sbuf);
    return URN_OK;
  }
  default: return urn_error_set(err, URN_EINPUT, "%s: unknown transform", name ? name : "value");
  }
}

int urn__model_transform_jacobian(urn_transform_kind k, size_t rows, size_t cols, const urn_transform_args *args,
                           const double *u, double *J, double *dlogj, const char *name, urn_error *err) {
  int rc = check_shape(k, rows, cols, name, err);
  if (rc) return rc;
  size_t nx = urn__model_transform_constrained_size(k, rows, cols), nu = urn__model_transform_unconstrained_size(k, rows, cols);
  double xb[SCRATCH_N], eb[SCRATCH_N], gb[SCRATCH_N];
  double *x = scratch(xb, nx + 1), *e = scratch(eb, nx + 1), *g = scratch(gb, nu + 1);
  rc = urn__model_transform_constrain(k, rows, cols, args, u, x, NULL, name, err);
  if (rc == URN_OK && J) {
    memset(e, 0, sizeof(double) * nx);
    for (size_t i = 0; i < nx && rc == URN_OK; i++) {
      e[i] = 1;
      memset(g, 0, sizeof(double) * nu);
      rc = urn__model_transform_reverse(k, rows, cols, args, u, x, e, 0.0, g, NULL, name, err);
      for (size_t j = 0; j < nu; j++) J[i + j * nx] = g[j];
      e[i] = 0;
    }
  }
  if (rc == URN_OK && dlogj) {
    memset(dlogj, 0, sizeof(double) * nu);
    rc = urn__model_transform_reverse(k, rows, cols, args, u, x, NULL, 1.0, dlogj, NULL, name, err);
  }
  scratch_free(x, xb), scratch_free(e, eb), scratch_free(g, gb);
  return rc;
}

int urn__model_transform_unconstrain(urn_transform_kind k, size_t rows, size_t cols, const urn_transform_args *args,
                              const double *x, double *u, const char *name, urn_error *err) {
  int rc = check_shape(k, rows, cols, name, err);
  if (rc) return rc;
  if (is_elementwise(k)) return elementwise_unconstrain(k, rows, cols, args, x, u, name, err);
  const char *nm = name ? name : "value";
  size_t K = rows;
  for (size_t i = 0; i < urn__model_transform_constrained_size(k, rows, cols); i++)
    if (isnan(x[i])) return urn_error_set(err, URN_EINPUT, "%s contains nan (element %zu)", nm, i + 1);
  switch (k) {
  case URN_TR_ORDERED:
  case URN_TR_POSITIVE_ORDERED: {
    int pos = k == URN_TR_POSITIVE_ORDERED;
    for (size_t i = 0; i < K; i++) {
      if (!isfinite(x[i])) return urn_error_set(err, URN_EINPUT, "%s[%zu] is %g, but must be finite", nm, i + 1, x[i]);
      if (i == 0 && pos && !(x[0] > 0))
        return urn_error_set(err, URN_EINPUT, "%s is not a valid positive_ordered vector: %s[1] is %.17g, but must be positive", nm, nm, x[0]);
      if (i > 0 && !(x[i] > x[i - 1]))
        return urn_error_set(err, URN_EINPUT, "%s is not a valid %s vector: %s[%zu] is %.17g, but must be greater than the previous element, %.17g", nm,
                             urn__model_transform_name(k), nm, i + 1, x[i], x[i - 1]);
      u[i] = i == 0 ? (pos ? log(x[0]) : x[0]) : log(x[i] - x[i - 1]);
      if (!isfinite(u[i]))
        return urn_error_set(err, URN_EINPUT, "%s[%zu] is %.17g: too close to the previous element to unconstrain", nm, i + 1, x[i]);
    }
    return URN_OK;
  }
  case URN_TR_SIMPLEX: return simplex_unconstrain(K, x, u, name, err);
  case URN_TR_SUM_TO_ZERO: return sum_to_zero_unconstrain(K, x, u, name, err);
  case URN_TR_STOCHASTIC_COLUMN: return stochastic_unconstrain(0, rows, cols, x, u, name, err);
  case URN_TR_STOCHASTIC_ROW: return stochastic_unconstrain(1, rows, cols, x, u, name, err);
  case URN_TR_SUM_TO_ZERO_MATRIX: return stz_matrix_unconstrain(rows, cols, x, u, name, err);
  case URN_TR_UNIT_VECTOR: {
    double ss = urn_dot(x, x, K);
    if (!(fabs(ss - 1) <= URN_CONSTRAINT_TOL))
      return urn_error_set(err, URN_EINPUT, "%s is not a valid unit vector: its squared norm is %.17g, but should be 1", nm, ss);
    memcpy(u, x, sizeof(double) * K);
    return URN_OK;
  }
  case URN_TR_CHOLESKY_CORR: {
    if ((rc = check_lower_tri(K, K, x, nm, err))) return rc;
    for (size_t i = 0; i < K; i++) {
      double ss = 0;
      for (size_t c = 0; c <= i; c++) ss += x[i + c * K] * x[i + c * K];
      if (!(fabs(ss - 1) <= URN_CONSTRAINT_TOL))
        return urn_error_set(err, URN_EINPUT, "%s is not a valid Cholesky factor of a correlation matrix: row %zu has squared norm %.17g, but should be 1",
                             nm, i + 1, ss);
    }
    return corr_L_unconstrain(0, K, x, u, name, err);
  }
  case URN_TR_CHOLESKY_COV: {
    if ((rc = check_lower_tri(rows, cols, x, nm, err))) return rc;
    size_t pos = 0;
    for (size_t m = 0; m < rows; m++) {
      size_t last = m < cols ? m : cols;
      for (size_t c = 0; c < last; c++) u[pos++] = x[m + c * rows];
      if (m < cols) u[pos++] = log(x[m + m * rows]);
    }
    return URN_OK;
  }
  case URN_TR_CORR_MATRIX:
  case URN_TR_COV_MATRIX: {
    if ((rc = check_symmetric(K, x, nm, err))) return rc;
    int corr = k == URN_TR_CORR_MATRIX;
    if (corr)
      for (size_t i = 0; i < K; i++)
        if (!(fabs(x[i + i * K] - 1) <= URN_CONSTRAINT_TOL))
          return urn_error_set(err, URN_EINPUT, "%s is not a valid correlation matrix: %s[%zu,%zu] is %.17g, but should be 1", nm, nm, i + 1, i + 1,
                               x[i + i * K]);
    double *L = urn_xmalloc(sizeof(double) * (K * K + 1));
    if (urn_cholesky(L, x, K)) {
      free(L);
      return urn_error_set(err, URN_EINPUT, "%s is not positive definite", nm);
    }
    if (corr) {
      /* normalize the rows so the partial correlations come from an exact
       * correlation factor (the diagonal may be off by the tolerance) */
      for (size_t i = 0; i < K; i++) {
        double ss = 0;
        for (size_t c = 0; c <= i; c++) ss += L[i + c * K] * L[i + c * K];
        for (size_t c = 0; c <= i; c++) L[i + c * K] /= sqrt(ss);
      }
      rc = corr_L_unconstrain(1, K, L, u, name, err);
    } else {
      size_t pos = 0;
      for (size_t m = 0; m < K; m++) {
        for (size_t c = 0; c < m; c++) u[pos++] = L[m + c * K];
        u[pos++] = log(L[m + m * K]);
      }
    }
    free(L);
    return rc;
  }
  default: return urn_error_set(err, URN_EINPUT, "%s: unknown transform", nm);
  }
}

int urn__model_transform_validate(urn_transform_kind k, size_t rows, size_t cols, const double *x, const char *name, urn_error *err) {
  int rc = check_shape(k, rows, cols, name, err);
  if (rc) return rc;
  switch (k) {
  case URN_TR_SIMPLEX: return simplex_check(rows, x, name, err);
  case URN_TR_STOCHASTIC_COLUMN: return stochastic_unconstrain(0, rows, cols, x, NULL, name, err);
  case URN_TR_STOCHASTIC_ROW: return stochastic_unconstrain(1, rows, cols, x, NULL, name, err);
  case URN_TR_SUM_TO_ZERO_MATRIX: return stz_matrix_unconstrain(rows, cols, x, NULL, name, err);
  default: {
    size_t nu = urn__model_transform_unconstrained_size(k, rows, cols);
    double *u = urn_xmalloc(sizeof(double) * (nu + 1));
    rc = urn__model_transform_unconstrain(k, rows, cols, NULL, x, u, name, err);
    free(u);
    return rc;
  }
  }
}

/* ---------------------------------------------------------------- the adjoint of unconstrain */

/* The entries of x that are free coordinates of the matrix kinds (lower
 * triangle, strictly for the correlation kinds), in u's count. */
static size_t matrix_free_indices(urn_transform_kind k, size_t rows, size_t cols, size_t *idx) {
  size_t n = 0, strict = k == URN_TR_CHOLESKY_CORR || k == URN_TR_CORR_MATRIX;
  for (size_t c = 0; c < cols; c++)
    for (size_t i = c + strict; i < rows; i++) idx[n++] = i + c * rows;
  return n;
}

/* Elementwise kinds: u = g(x, b) inverts x = f(u, b), so dg/dx = 1 / f_u and dg/db = -f_b / f_u. */
static int elementwise_unconstrain_reverse(urn_transform_kind k, size_t n, const urn_transform_args *a, const double *u,
                                           const double *u_adj, double *x_adj, const urn_transform_adj *adj,
                                           const char *name, urn_error *err) {
  for (size_t i = 0; i < n; i++) {
    urn_transform_args one = {0};
    double lb, ub, mu = om_offset(a, i), sigma = om_mult(a, i), one_x = 1, fu = 0, fl = 0, fh = 0, fo = 0, fm = 0;
    bounds_of(k, a, i, &lb, &ub);
    one.lb = &lb, one.ub = &ub, one.offset = &mu, one.multiplier = &sigma;
    urn_transform_adj d = {&fl, &fh, &fo, &fm};
    int rc = elementwise_reverse(k, 1, &one, u + i, &one_x, 0.0, &fu, &d, name, err);
    if (rc) return rc;
    if (fu == 0) continue; /* an infinitely steep inverse at the boundary: no finite derivative */
    double g = u_adj[i] / fu;
    x_adj[i] += g;
    if (!adj || !a) continue;
    if (adj->lb && a->lb && (k == URN_TR_LOWER || k == URN_TR_LOWER_UPPER)) adj->lb[i * a->lb_stride] -= g * fl;
    if (adj->ub && a->ub && (k == URN_TR_UPPER || k == URN_TR_LOWER_UPPER)) adj->ub[i * a->ub_stride] -= g * fh;
    if (adj->offset && a->offset && k == URN_TR_OFFSET_MULTIPLIER) adj->offset[i * a->offset_stride] -= g * fo;
    if (adj->multiplier && a->multiplier && k == URN_TR_OFFSET_MULTIPLIER) adj->multiplier[i * a->multiplier_stride] -= g * fm;
  }
  return URN_OK;
}

/* Simplex u = V' log x: x_adj += (V u_adj) / x, for the simplexes of the
 * columns (by_row 0) or rows (1) of a rows x cols matrix (a vector: cols 1). */
static void simplex_unconstrain_reverse(int by_row, size_t rows, size_t cols, const double *x, const double *u_adj, double *x_adj) {
  size_t K = by_row ? cols : rows, n = by_row ? rows : cols;
  double bb[SCRATCH_N], *ua = scratch(bb, 2 * K), *v = ua + K;
  for (size_t a = 0; a < n; a++) {
    for (size_t k = 0; k + 1 < K; k++) ua[k] = u_adj[by_row ? a + k * rows : a * (K - 1) + k];
    urn__model_sum_to_zero_constrain(K, ua, v);
    for (size_t k = 0; k < K; k++) {
      size_t i = by_row ? a + k * rows : a * K + k;
      x_adj[i] += v[k] / x[i];
    }
  }
  scratch_free(ua, bb);
}

/* The matrix kinds: x = f(u) restricted to its free entries is invertible, so
 * du/dx_free = J_free^-1 (the derivative along the constraint surface, where
 * valid arguments move). */
static int matrix_unconstrain_reverse(urn_transform_kind k, size_t rows, size_t cols, const double *u, const double *u_adj,
                                      double *x_adj, const char *name, urn_error *err) {
  size_t nx = urn__model_transform_constrained_size(k, rows, cols), nu = urn__model_transform_unconstrained_size(k, rows, cols);
  if (nu == 0) return URN_OK;
  double *J = urn_xmalloc(sizeof(double) * (nx * nu + nu * nu + nu));
  double *Jf = J + nx * nu, *g = Jf + nu * nu;
  size_t *idx = urn_xmalloc(sizeof(size_t) * (nx + 1));
  int rc = urn__model_transform_jacobian(k, rows, cols, NULL, u, J, NULL, name, err);
  if (rc == URN_OK) {
    size_t nf = matrix_free_indices(k, rows, cols, idx);
    /* Jf' g = u_adj with Jf[r, j] = dx_idx[r] / du_j: solve with the transpose stored column-major */
    for (size_t r = 0; r < nf; r++)
      for (size_t j = 0; j < nu; j++) Jf[j + r * nu] = J[idx[r] + j * nx];
    memcpy(g, u_adj, sizeof(double) * nu);
    if (nf != nu || urn_solve(Jf, g, nu, 1))
      rc = urn_error_set(err, URN_EREJECT, "%s: the %s transform has a singular Jacobian here: unconstrain has no derivative", name ? name : "value",
                         urn__model_transform_name(k));
    else
      for (size_t r = 0; r < nf; r++) x_adj[idx[r]] += g[r];
  }
  free(J), free(idx);
  return rc;
}

int urn__model_transform_unconstrain_reverse(urn_transform_kind k, size_t rows, size_t cols, const urn_transform_args *args,
                                      const double *x, const double *u, const double *u_adj, double *x_adj,
                                      const urn_transform_adj *adj, const char *name, urn_error *err) {
  int rc = check_shape(k, rows, cols, name, err);
  if (rc) return rc;
  if (is_elementwise(k)) return elementwise_unconstrain_reverse(k, rows * cols, args, u, u_adj, x_adj, adj, name, err);
  size_t K = rows;
  switch (k) {
  case URN_TR_ORDERED:
  case URN_TR_POSITIVE_ORDERED:
    for (size_t i = 0; i < K; i++) {
      if (i == 0) {
        x_adj[0] += k == URN_TR_ORDERED ? u_adj[0] : u_adj[0] / x[0];
        continue;
      }
      double d = x[i] - x[i - 1];
      x_adj[i] += u_adj[i] / d, x_adj[i - 1] -= u_adj[i] / d;
    }
    return URN_OK;
  case URN_TR_UNIT_VECTOR:
    for (size_t i = 0; i < K; i++) x_adj[i] += u_adj[i];
    return URN_OK;
  case URN_TR_SIMPLEX: simplex_unconstrain_reverse(0, K, 1, x, u_adj, x_adj); return URN_OK;
  case URN_TR_STOCHASTIC_COLUMN: simplex_unconstrain_reverse(0, rows, cols, x, u_adj, x_adj); return URN_OK;
  case URN_TR_STOCHASTIC_ROW: simplex_unconstrain_reverse(1, rows, cols, x, u_adj, x_adj); return URN_OK;
  case URN_TR_SUM_TO_ZERO: { /* u = V' x: x_adj += V u_adj */
    double bb[SCRATCH_N], *v = scratch(bb, K);
    urn__model_sum_to_zero_constrain(K, u_adj, v);
    for (size_t i = 0; i < K; i++) x_adj[i] += v[i];
    scratch_free(v, bb);
    return URN_OK;
  }
  case URN_TR_SUM_TO_ZERO_MATRIX: { /* U = V_N' X V_M: X_adj += V_N U_adj V_M' */
    double bb[SCRATCH_N], *v = scratch(bb, rows * cols);
    stz_matrix_constrain(rows, cols, u_adj, v);
    for (size_t i = 0; i < rows * cols; i++) x_adj[i] += v[i];
    scratch_free(v, bb);
    return URN_OK;
  }
  default: return matrix_unconstrain_reverse(k, rows, cols, u, u_adj, x_adj, name, err);
  }
}
