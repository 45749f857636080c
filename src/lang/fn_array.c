/* lang/fn_array.c — reductions (sum, mean, sd, variance, log_sum_exp, max,
 * min, prod), constructors and slicing (rep_*, to_vector, append_row,
 * segment, head, tail, col, row, block, diag_matrix), sizes (size, rows,
 * cols, num_elements, dims), softmax, cumulative_sum, sorting.  Every
 * reduction over parameters is one tape node with one partial per element. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lang/fn.h"
#include "lang/fn_shape.h"
#include "math/special.h"

/* A reduction node: value v with partial d[i] for each element of x. */
static int32_t reduce_node(urn_ev *ev, const urn_val *x, double v, const double *d) {
  if (!x->ix) return -1;
  int32_t *o; double *p;
  urn_tape_begin(&ev->tape, x->n, &o, &p);
  size_t m = 0;
  for (size_t i = 0; i < x->n; i++)
    if (x->ix[i] >= 0) o[m] = x->ix[i], p[m++] = d ? d[i] : 1;
  return urn_tape_end(&ev->tape, v, m);
}

static void f_sum(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *x = &args[0];
  double s = 0;
  for (size_t i = 0; i < x->n; i++) s += x->v[i];
  urn_val_set_scalar(ev, out, x->ty.base == URN_TY_INT ? URN_TY_INT : URN_TY_REAL, s, reduce_node(ev, x, s, NULL));
}
static void f_mean(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *x = &args[0];
  if (x->n == 0) urn_ev_reject(ev, "mean: argument must not be empty");
  double s = 0;
  for (size_t i = 0; i < x->n; i++) s += x->v[i];
  s /= (double)x->n;
  double *d = x->ix ? urn_ev_doubles(ev, x->n) : NULL;
  if (d) for (size_t i = 0; i < x->n; i++) d[i] = 1.0 / (double)x->n;
  urn_val_set_scalar(ev, out, URN_TY_REAL, s, reduce_node(ev, x, s, d));
}
static void f_variance(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *x = &args[0];
  if (x->n < 2) urn_ev_reject(ev, "%s: argument must have at least 2 elements", b->name);
  double m = 0;
  for (size_t i = 0; i < x->n; i++) m += x->v[i];
  m /= (double)x->n;
  double ss = 0;
  for (size_t i = 0; i < x->n; i++) ss += (x->v[i] - m) * (x->v[i] - m);
  double var = ss / (double)(x->n - 1), v = b->aux2 ? sqrt(var) : var;
  double *d = x->ix ? urn_ev_doubles(ev, x->n) : NULL;
  if (d)
    for (size_t i = 0; i < x->n; i++) {
      double dv = 2 * (x->v[i] - m) / (double)(x->n - 1);
      d[i] = b->aux2 ? (v > 0 ? dv / (2 * v) : 0) : dv;
    }
  urn_val_set_scalar(ev, out, URN_TY_REAL, v, reduce_node(ev, x, v, d));
}
static void f_prod(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *x = &args[0];
  double p = 1;
  for (size_t i = 0; i < x->n; i++) p *= x->v[i];
  double *d = x->ix ? urn_ev_doubles(ev, x->n) : NULL;
  if (d)
    for (size_t i = 0; i < x->n; i++) {
      double q = 1;
      for (size_t j = 0; j < x->n; j++) if (j != i) q *= x->v[j];
      d[i] = q;
    }
  urn_val_set_scalar(ev, out, x->ty.base == URN_TY_INT ? URN_TY_INT : URN_TY_REAL, p, reduce_node(ev, x, p, d));
}
static void f_log_sum_exp(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *x = &args[0];
  double m = -INFINITY;
  for (size_t i = 0; i < x->n; i++) if (x->v[i] > m) m = x->v[i];
  double s = 0;
  if (isinf(m)) {
    urn_val_set_scalar(ev, out, URN_TY_REAL, m, -1);
    if (x->ix && m < 0) out->ix = urn_ev_nodes(ev, 1), out->ix[0] = reduce_node(ev, x, m, urn_ev_doubles(ev, x->n));
    return;
  }
  double *d = x->ix ? urn_ev_doubles(ev, x->n) : NULL;
  for (size_t i = 0; i < x->n; i++) {
    double e = exp(x->v[i] - m);
    s += e;
    if (d) d[i] = e;
  }
  double v = m + log(s);
  if (d) for (size_t i = 0; i < x->n; i++) d[i] /= s;
  urn_val_set_scalar(ev, out, URN_TY_REAL, v, reduce_node(ev, x, v, d));
}
static void f_maxmin(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *x = &args[0];
  int is_int = x->ty.base == URN_TY_INT;
  if (x->n == 0) {
    if (is_int) urn_ev_reject(ev, "%s: int array must not be empty", b->name);
    urn_val_set_scalar(ev, out, URN_TY_REAL, b->aux2 ? INFINITY : -INFINITY, -1);
    return;
  }
  size_t best = 0;
  for (size_t i = 1; i < x->n; i++)
    if (b->aux2 ? x->v[i] < x->v[best] : x->v[i] > x->v[best]) best = i;
  urn_val_set_scalar(ev, out, is_int ? URN_TY_INT : URN_TY_REAL, x->v[best], urn_val_ix(x, best));
}
static int32_t s_max2(urn_ev *ev, const urn_builtin *b, const double *x, const int32_t *ix, double *out) {
  int w = b->aux2 ? (x[1] < x[0]) : (x[1] > x[0]);
  *out = x[w];
  return ix[w];
}
static void f_max2(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  double x[2] = {args[0].v[0], args[1].v[0]};
  int32_t ix[2] = {urn_val_ix(&args[0], 0), urn_val_ix(&args[1], 0)};
  double v;
  int32_t r = s_max2(ev, b, x, ix, &v);
  urn_val_set_scalar(ev, out, args[0].ty.base == URN_TY_INT && args[1].ty.base == URN_TY_INT ? URN_TY_INT : URN_TY_REAL, v, r);
}

static void f_rep_vector(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  int32_t dim[2];
  int nd = n - 1;
  for (int i = 0; i < nd; i++) {
    double s = args[1 + i].v[0];
    if (s < 0) urn_ev_reject(ev, "%s: size must be non-negative, but is %g", b->name, s);
    dim[i] = (int32_t)s;
  }
  urn_type t = {(unsigned char)b->aux2, 0};
  urn_val_alloc(ev, out, t, dim, args[0].ix != NULL);
  for (size_t i = 0; i < out->n; i++) {
    out->v[i] = args[0].v[0];
    if (out->ix) out->ix[i] = args[0].ix[0];
  }
}
/* rep_matrix(v, n): n copies of a column vector side by side, or of a row vector stacked. */
static void f_rep_matrix_vec(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *x = &args[0];
  int k = (int)args[1].v[0], len = (int)x->n, col = x->ty.base == URN_TY_VECTOR;
  if (k < 0) urn_ev_reject(ev, "rep_matrix: size must be non-negative, but is %d", k);
  int32_t dim[2] = {col ? len : k, col ? k : len};
  urn_val_alloc(ev, out, (urn_type){URN_TY_MATRIX, 0}, dim, x->ix != NULL);
  for (int j = 0; j < dim[1]; j++)
    for (int i = 0; i < dim[0]; i++) {
      size_t src = col ? (size_t)i : (size_t)j, q = i + (size_t)j * dim[0];
      out->v[q] = x->v[src];
      if (x->ix) out->ix[q] = x->ix[src];
    }
}
static void f_rep_array(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *x = &args[0];
  int32_t dim[URN_MAX_DIMS];
  int nd = n - 1;
  size_t count = 1;
  for (int i = 0; i < nd; i++) {
    double s = args[1 + i].v[0];
    if (s < 0) urn_ev_reject(ev, "rep_array: size must be non-negative, but is %g", s);
    dim[i] = (int32_t)s, count *= (size_t)s;
  }
  int xd = urn_val_ndim(x->ty);
  for (int i = 0; i < xd; i++) dim[nd + i] = x->dim[i];
  urn_type t = x->ty;
  t.dims = (unsigned char)(t.dims + nd);
  urn_val_alloc(ev, out, t, dim, x->ix != NULL);
  for (size_t c = 0; c < count; c++) {
    memcpy(out->v + c * x->n, x->v, x->n * sizeof(double));
    if (x->ix) memcpy(out->ix + c * x->n, x->ix, x->n * sizeof(int32_t));
  }
}
/* Copies all of x's scalars (in storage order) into a 1-D shape of type t. */
static void reshape(urn_ev *ev, urn_val *out, const urn_val *x, urn_type t, const int32_t *dim) {
  urn_val_alloc(ev, out, t, dim, x->ix != NULL);
  memcpy(out->v, x->v, x->n * sizeof(double));
  if (x->ix) memcpy(out->ix, x->ix, x->n * sizeof(int32_t));
}
static void f_to_vector(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  int32_t dim[1] = {(int32_t)args[0].n};
  reshape(ev, out, &args[0], (urn_type){(unsigned char)b->aux2, 0}, dim);
  if (args[0].ty.dims > 1 || (args[0].ty.dims == 1 && args[0].ty.base >= URN_TY_VECTOR)) {
    /* Stan flattens arrays in column-major order */
    const urn_val *x = &args[0];
    int nd = urn_val_ndim(x->ty);
    size_t idx[URN_MAX_DIMS] = {0};
    for (size_t k = 0; k < x->n; k++) {
      /* k in column-major over all dims -> storage offset (row-major arrays, col-major inner) */
      size_t off = 0, stride = 1;
      int na = x->ty.dims;
      size_t inner = 1;
      for (int d = na; d < nd; d++) inner *= (size_t)x->dim[d];
      size_t in_off = 0, s2 = 1;
      for (int d = na; d < nd; d++) in_off += idx[d] * s2, s2 *= (size_t)x->dim[d];
      for (int d = na - 1; d >= 0; d--) off += idx[d] * stride, stride *= (size_t)x->dim[d];
      off = off * inner + in_off;
      out->v[k] = x->v[off];
      if (x->ix) out->ix[k] = x->ix[off];
      for (int d = 0; d < nd; d++) {
        if (++idx[d] < (size_t)x->dim[d]) break;
        idx[d] = 0;
      }
    }
  }
}
static void f_to_array_1d(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  int32_t dim[1] = {(int32_t)args[0].n};
  urn_type t = {(unsigned char)(args[0].ty.base == URN_TY_INT ? URN_TY_INT : URN_TY_REAL), 1};
  reshape(ev, out, &args[0], t, dim);
}
static void f_to_matrix(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *x = &args[0];
  int32_t dim[2];
  if (n >= 3) {
    double r = args[1].v[0], c = args[2].v[0];
    if (r < 0 || c < 0) urn_ev_reject(ev, "to_matrix: the sizes (%g, %g) must be nonnegative", r, c);
    dim[0] = (int32_t)r, dim[1] = (int32_t)c;
    if ((size_t)dim[0] * (size_t)dim[1] != x->n)
      urn_ev_reject(ev, "to_matrix: %d x %d does not match the %zu elements of the argument", dim[0], dim[1], x->n);
    if (n == 4 && args[3].v[0] == 0) { /* col_major = 0: fill row by row */
      urn_val_alloc(ev, out, (urn_type){URN_TY_MATRIX, 0}, dim, x->ix != NULL);
      urn__lang_rows_to_cols(out, x, (size_t)dim[0], (size_t)dim[1]);
      return;
    }
  } else if (x->ty.base == URN_TY_MATRIX) dim[0] = x->dim[0], dim[1] = x->dim[1];
  else if (x->ty.base == URN_TY_ROW_VECTOR && x->ty.dims == 0) dim[0] = 1, dim[1] = x->dim[0];
  else if (x->ty.base == URN_TY_VECTOR) dim[0] = x->dim[0], dim[1] = 1;
  else if (x->ty.dims == 2 || x->ty.base == URN_TY_ROW_VECTOR) {
    /* array[R, C] real or array[R] row_vector[C]: row-major -> column-major */
    dim[0] = x->dim[0], dim[1] = x->dim[1];
    urn_val_alloc(ev, out, (urn_type){URN_TY_MATRIX, 0}, dim, x->ix != NULL);
    urn__lang_rows_to_cols(out, x, (size_t)dim[0], (size_t)dim[1]);
    return;
  } else dim[0] = (int32_t)x->n, dim[1] = 1;
  if ((size_t)dim[0] * (size_t)dim[1] != x->n) urn_ev_reject(ev, "to_matrix: %d x %d does not match %zu elements", dim[0], dim[1], x->n);
  reshape(ev, out, x, (urn_type){URN_TY_MATRIX, 0}, dim);
}

/* Sizes: which = 0 size, 1 num_elements, 2 rows, 3 cols (the builtin's aux2). */
double urn_fn_size_value(const urn_val *x, int which) {
  switch (which) {
    case 0: return x->ty.dims ? x->dim[0] : (double)(x->n / (size_t)urn_base_width(x->ty.base)); /* size */
    case 1: return (double)(x->n / (size_t)urn_base_width(x->ty.base)); /* num_elements (a complex counts once) */
    case 2: return x->ty.base == URN_TY_ROW_VECTOR ? 1 : urn_val_rows(x); /* rows */
    default: return x->ty.base == URN_TY_VECTOR ? 1 : urn_val_cols(x);   /* cols */
  }
}
void urn_fn_size(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  urn_val_set_scalar(ev, out, URN_TY_INT, urn_fn_size_value(&args[0], b->aux2), -1);
}
static void f_dims(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  int nd = urn_val_ndim(args[0].ty);
  int32_t dim[1] = {nd};
  urn_val_alloc(ev, out, (urn_type){URN_TY_INT, 1}, dim, 0);
  for (int i = 0; i < nd; i++) out->v[i] = args[0].dim[i];
}

/* Slices of vectors / arrays (1-based, as Stan). */
static void slice1(urn_ev *ev, urn_val *out, const urn_val *x, size_t start, size_t len, const char *who) {
  size_t total = x->ty.dims ? (size_t)x->dim[0] : x->n / (size_t)urn_base_width(x->ty.base);
  if (start < 1 || start - 1 + len > total)
    urn_ev_reject(ev, "%s: index %zu..%zu out of range [1, %zu]", who, start, start - 1 + len, total);
  size_t elem = total ? x->n / total : 0;
  /* a view of x's elements (no storage: fn_slice.c) */
  out->ty = x->ty, out->tv = NULL;
  memcpy(out->dim, x->dim, sizeof out->dim);
  out->dim[0] = (int32_t)len;
  out->n = len * elem;
  out->v = x->v + (start - 1) * elem;
  out->ix = x->ix ? x->ix + (start - 1) * elem : NULL;
}
static void f_segment(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  slice1(ev, out, &args[0], (size_t)args[1].v[0], (size_t)args[2].v[0], "segment");
}
static void f_head(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  slice1(ev, out, &args[0], 1, (size_t)args[1].v[0], "head");
}
static void f_tail(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  size_t total = args[0].ty.dims ? (size_t)args[0].dim[0] : args[0].n / (size_t)urn_base_width(args[0].ty.base),
         k = (size_t)args[1].v[0];
  if (k > total) urn_ev_reject(ev, "tail: size %zu exceeds %zu", k, total);
  slice1(ev, out, &args[0], total - k + 1, k, "tail");
}
static void f_col(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *x = &args[0];
  int r = x->dim[0], c = x->dim[1], j = (int)args[1].v[0];
  if (j < 1 || j > c) urn_ev_reject(ev, "col: index %d out of range [1, %d]", j, c);
  /* a view of the column: matrices are column-major */
  out->ty = (urn_type){URN_TY_VECTOR, 0}, out->dim[0] = r, out->n = (size_t)r;
  out->v = x->v + (size_t)(j - 1) * r;
  out->ix = x->ix ? x->ix + (size_t)(j - 1) * r : NULL;
}
static void f_row(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *x = &args[0];
  int r = x->dim[0], c = x->dim[1], i = (int)args[1].v[0];
  if (i < 1 || i > r) urn_ev_reject(ev, "row: index %d out of range [1, %d]", i, r);
  int32_t dim[1] = {c};
  urn_val_alloc(ev, out, (urn_type){URN_TY_ROW_VECTOR, 0}, dim, x->ix != NULL);
  urn__lang_block_copy(out, x, (size_t)r, (size_t)(i - 1), 0, 1, (size_t)c);
}
static void f_block(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *x = &args[0];
  int r = x->dim[0], c = x->dim[1];
  int i0 = (int)args[1].v[0], j0 = (int)args[2].v[0], nr = (int)args[3].v[0], nc = (int)args[4].v[0];
  if (i0 < 1 || j0 < 1 || nr < 0 || nc < 0 || i0 - 1 + nr > r || j0 - 1 + nc > c)
    urn_ev_reject(ev, "block: block (%d, %d, %d, %d) out of range for %d x %d matrix", i0, j0, nr, nc, r, c);
  int32_t dim[2] = {nr, nc};
  urn_val_alloc(ev, out, (urn_type){URN_TY_MATRIX, 0}, dim, x->ix != NULL);
  urn__lang_block_copy(out, x, (size_t)r, (size_t)(i0 - 1), (size_t)(j0 - 1), (size_t)nr, (size_t)nc);
}
/* append_row / append_col of vectors, row vectors, matrices and scalars. */
static void f_append(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *x = &args[0], *y = &args[1];
  int row = b->aux2 == 0; /* append_row stacks vertically */
  int xs = urn_is_scalar(x->ty);
  urn_type t = xs ? y->ty : x->ty;
  if (t.base == URN_TY_INT) t.base = URN_TY_REAL;
  if (b->sig[0] == 'm') t.base = URN_TY_MATRIX;
  int var = x->ix || y->ix;
  if (t.base == URN_TY_VECTOR || t.base == URN_TY_ROW_VECTOR) {
    int32_t dim[1] = {(int32_t)(x->n + y->n)};
    urn_val_alloc(ev, out, t, dim, var);
    if (row) urn__lang_append_copy(out, x, x->n, 1, y, y->n, 1, 0);
    else urn__lang_append_copy(out, x, 1, x->n, y, 1, y->n, 1);
    return;
  }
  /* matrices (or vector/row_vector with matrix) */
  int xr = (int)urn__lang_rows(x), xc = (int)urn__lang_cols(x), yr = (int)urn__lang_rows(y), yc = (int)urn__lang_cols(y);
  if (row ? xc != yc : xr != yr) urn_ev_reject(ev, "%s: sizes do not match (%d x %d and %d x %d)", b->name, xr, xc, yr, yc);
  int32_t dim[2] = {row ? xr + yr : xr, row ? xc : xc + yc};
  urn_val_alloc(ev, out, (urn_type){URN_TY_MATRIX, 0}, dim, var);
  urn__lang_append_copy(out, x, (size_t)xr, (size_t)xc, y, (size_t)yr, (size_t)yc, !row);
}
static void f_diag_matrix(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *x = &args[0];
  int k = (int)x->n;
  int32_t dim[2] = {k, k};
  urn_val_alloc(ev, out, (urn_type){URN_TY_MATRIX, 0}, dim, x->ix != NULL);
  memset(out->v, 0, out->n * sizeof(double));
  for (int i = 0; i < k; i++) {
    out->v[i + (size_t)i * k] = x->v[i];
    if (x->ix) out->ix[i + (size_t)i * k] = x->ix[i];
  }
}
static void f_diagonal(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *x = &args[0];
  int k = x->dim[0] < x->dim[1] ? x->dim[0] : x->dim[1];
  int32_t dim[1] = {k};
  urn_val_alloc(ev, out, (urn_type){URN_TY_VECTOR, 0}, dim, x->ix != NULL);
  for (int i = 0; i < k; i++) {
    out->v[i] = x->v[i + (size_t)i * x->dim[0]];
    if (x->ix) out->ix[i] = x->ix[i + (size_t)i * x->dim[0]];
  }
}
/* softmax / log_softmax of one vector x[0..k) into y (with tape nodes when xi != NULL). */
static void softmax1(urn_ev *ev, int logv, const double *x, const int32_t *xi, size_t k, double *y, int32_t *yi) {
  double m = -INFINITY, s = 0;
  for (size_t i = 0; i < k; i++) if (x[i] > m) m = x[i];
  for (size_t i = 0; i < k; i++) y[i] = exp(x[i] - m), s += y[i];
  double ls = logv ? log(s) : 0; /* softmax divides by s: no log */
  for (size_t i = 0; i < k; i++) y[i] = logv ? x[i] - m - ls : y[i] / s;
  if (!xi) return;
  /* the probabilities: softmax's own outputs; log_softmax's exponentials (a small one on the stack) */
  double buf[16], *p = y;
  if (logv) {
    p = k <= 16 ? buf : urn_ev_doubles(ev, k);
    for (size_t i = 0; i < k; i++) p[i] = exp(y[i]);
  }
  /* the inputs with nodes, once (a large vector: a block); then node i's partials d y_i / d x_j over them,
     log_softmax (i == j) - p_j, softmax p_i ((i == j) - p_j) */
  size_t nv = 0, jbuf[16], *vj = k <= 16 ? jbuf : urn_ev_alloc(ev, k, sizeof *vj);
  for (size_t j = 0; j < k; j++) if (xi[j] >= 0) vj[nv++] = j;
  for (size_t i = 0; i < k; i++) {
    int32_t *o; double *pp;
    urn_tape_begin(&ev->tape, nv, &o, &pp);
    if (logv)
      for (size_t q = 0; q < nv; q++) o[q] = xi[vj[q]], pp[q] = (i == vj[q]) - p[vj[q]];
    else
      for (size_t q = 0; q < nv; q++) o[q] = xi[vj[q]], pp[q] = p[i] * ((i == vj[q]) - p[vj[q]]);
    yi[i] = urn_tape_end(&ev->tape, y[i], nv);
  }
}
/* softmax / log_softmax of a vector, a row vector or (Stan 2.37) each element of an array of them. */
static void f_softmax(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *x = &args[0];
  size_t count = x->ty.dims ? (size_t)x->dim[0] : 1, k = count ? x->n / count : 0;
  if (k == 0 && x->ty.dims == 0) urn_ev_reject(ev, "%s: the argument must have at least one element", b->name);
  urn_val_like(ev, out, x, x->ty.base, x->ix != NULL);
  for (size_t c = 0; c < count; c++)
    softmax1(ev, b->aux2, x->v + c * k, x->ix ? x->ix + c * k : NULL, k, out->v + c * k, x->ix ? out->ix + c * k : NULL);
}
static void f_cumulative_sum(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *x = &args[0];
  urn_val_like(ev, out, x, x->ty.base, x->ix != NULL);
  double s = 0;
  int32_t prev = -1;
  for (size_t i = 0; i < x->n; i++) {
    s += x->v[i];
    out->v[i] = s;
    /* a leading run of constants (append_row(0, ...)) stays constant: no node without parents */
    if (x->ix) out->ix[i] = prev = prev < 0 && x->ix[i] < 0 ? -1 : urn_tape_push2(&ev->tape, s, prev, 1, x->ix[i], 1);
  }
}
static void f_dot_product(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *x = &args[0], *y = b->aux2 ? &args[0] : &args[1];
  if (x->n != y->n) urn_ev_reject(ev, "%s: sizes %zu and %zu do not match", b->name, x->n, y->n);
  int32_t r;
  double s = urn_fn_dot(ev, x->n, x->v, x->ix, y->v, y->ix, &r); /* the kernel of every path (fn_slice.c) */
  urn_val_set_scalar(ev, out, URN_TY_REAL, s, r);
}
static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}
typedef struct { double v; int32_t ix; size_t pos; } sort_item;
static int cmp_item(const void *a, const void *b) {
  const sort_item *x = a, *y = b;
  if (x->v != y->v) return x->v < y->v ? -1 : 1;
  return x->pos < y->pos ? -1 : x->pos > y->pos;
}
static void f_sort(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *x = &args[0];
  sort_item *it = urn_arena_alloc(&ev->arena, (x->n + 1) * sizeof *it);
  for (size_t i = 0; i < x->n; i++) it[i] = (sort_item){x->v[i], urn_val_ix(x, i), i};
  qsort(it, x->n, sizeof *it, cmp_item);
  int desc = b->aux2 & 1, idx = b->aux2 & 2;
  if (idx) {
    int32_t dim[1] = {(int32_t)x->n};
    urn_val_alloc(ev, out, (urn_type){URN_TY_INT, 1}, dim, 0);
    for (size_t i = 0; i < x->n; i++) out->v[i] = (double)(it[desc ? x->n - 1 - i : i].pos + 1);
    return;
  }
  urn_val_like(ev, out, x, x->ty.base, x->ix != NULL);
  for (size_t i = 0; i < x->n; i++) {
    sort_item *s = &it[desc ? x->n - 1 - i : i];
    out->v[i] = s->v;
    if (x->ix) out->ix[i] = s->ix;
  }
  (void)cmp_d;
}
static void f_rank(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *x = &args[0];
  int s = (int)args[1].v[0];
  if (s < 1 || (size_t)s > x->n) urn_ev_reject(ev, "rank: index %d out of range", s);
  int r = 0;
  for (size_t i = 0; i < x->n; i++) r += x->v[i] < x->v[s - 1];
  urn_val_set_scalar(ev, out, URN_TY_INT, r, -1);
}
static void f_linspaced(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  int k = (int)args[0].v[0];
  double lo = args[1].v[0], hi = args[2].v[0];
  int32_t dim[1] = {k};
  urn_type t = {(unsigned char)b->aux2, (unsigned char)(b->aux2 == URN_TY_REAL ? 1 : 0)};
  urn_val_alloc(ev, out, t, dim, 0);
  for (int i = 0; i < k; i++) out->v[i] = k == 1 ? hi : lo + (hi - lo) * i / (k - 1);
}
static void f_one_seq(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  int k = (int)args[0].v[0];
  int32_t dim[1] = {k};
  urn_val_alloc(ev, out, (urn_type){URN_TY_INT, 1}, dim, 0);
  for (int i = 0; i < k; i++) out->v[i] = i + 1;
}
static void f_squared_distance(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *x = &args[0], *y = &args[1];
  if (x->n != y->n) urn_ev_reject(ev, "%s: sizes do not match", b->name);
  double s = 0;
  for (size_t i = 0; i < x->n; i++) s += (x->v[i] - y->v[i]) * (x->v[i] - y->v[i]);
  double v = b->aux2 ? sqrt(s) : s;
  int32_t r = -1;
  if (x->ix || y->ix) {
    int32_t *o; double *p;
    urn_tape_begin(&ev->tape, 2 * x->n, &o, &p);
    size_t m = 0;
    for (size_t i = 0; i < x->n; i++) {
      double d = 2 * (x->v[i] - y->v[i]);
      if (b->aux2) d = v > 0 ? d / (2 * v) : 0;
      if (urn_val_ix(x, i) >= 0) o[m] = x->ix[i], p[m++] = d;
      if (urn_val_ix(y, i) >= 0) o[m] = y->ix[i], p[m++] = -d;
    }
    r = urn_tape_end(&ev->tape, v, m);
  }
  urn_val_set_scalar(ev, out, URN_TY_REAL, v, r);
}

/* append_array(x, y): the elements of y after those of x; their element shapes must match. */
static void f_append_array(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *x = &args[0], *y = &args[1];
  int nd = urn_val_ndim(x->ty);
  if (x->dim[0] && y->dim[0])
    for (int d = 1; d < nd; d++)
      if (x->dim[d] != y->dim[d]) {
        char a[96], c[96];
        urn_val_shape_name(x, a, sizeof a), urn_val_shape_name(y, c, sizeof c);
        urn_ev_reject(ev, "append_array: the elements of the arguments must have the same sizes, but they are %s and %s", a, c);
      }
  int32_t dim[URN_MAX_DIMS];
  const urn_val *shape = x->dim[0] ? x : y;
  for (int d = 0; d < nd; d++) dim[d] = shape->dim[d];
  dim[0] = x->dim[0] + y->dim[0];
  int var = x->ix || y->ix;
  urn_val_alloc(ev, out, x->ty, dim, var);
  memcpy(out->v, x->v, x->n * sizeof(double));
  memcpy(out->v + x->n, y->v, y->n * sizeof(double));
  if (var)
    for (size_t i = 0; i < out->n; i++) out->ix[i] = i < x->n ? urn_val_ix(x, i) : urn_val_ix(y, i - x->n);
}

/* reverse: the elements of a vector or row vector, or the first dimension of an array, in reverse order. */
static void f_reverse(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *x = &args[0];
  urn_val_like(ev, out, x, x->ty.base, x->ix != NULL);
  urn__lang_reverse_copy(out, x);
}

/* to_array_2d(matrix): array[rows, cols] real (row-major, as arrays are stored). */
static void f_to_array_2d(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *x = &args[0];
  int32_t r = x->dim[0], c = x->dim[1], dim[2] = {r, c};
  urn_val_alloc(ev, out, (urn_type){URN_TY_REAL, 2}, dim, x->ix != NULL);
  urn__lang_rows_to_cols(out, x, (size_t)c, (size_t)r); /* column-major r x c read into row-major */
}

/* to_int: truncation toward zero of data reals (Stan's argument is data), which must fit an int. */
static void f_to_int(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *x = &args[0];
  urn_val_like(ev, out, x, URN_TY_INT, 0);
  for (size_t i = 0; i < x->n; i++) {
    double v = x->v[i];
    if (!(v >= -2147483648.0 && v < 2147483648.0))
      urn_ev_reject(ev, "to_int: x is %g, but must be in the range of int, [-2147483648, 2147483647]", v);
    out->v[i] = trunc(v);
  }
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}
/* quantile(x, p): the sample quantiles of data x at data probabilities p, R's default (type 7): with x sorted
 * and h = (N - 1) p, x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h]) (0-based). */
static void f_quantile(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *x = &args[0], *p = &args[1];
  if (x->n == 0) urn_ev_reject(ev, "quantile: the container has size 0, but must have a non-zero size");
  double *s = urn_ev_doubles(ev, x->n);
  for (size_t i = 0; i < x->n; i++) {
    if (isnan(x->v[i])) urn_ev_reject(ev, "quantile: x[%zu] is nan, but must not be nan", i + 1);
    s[i] = x->v[i];
  }
  qsort(s, x->n, sizeof *s, cmp_double);
  if (urn_is_scalar(p->ty)) urn_val_set_scalar(ev, out, URN_TY_REAL, 0, -1);
  else urn_val_like(ev, out, p, URN_TY_REAL, 0);
  for (size_t k = 0; k < p->n; k++) {
    double pk = p->v[k];
    if (!(pk >= 0 && pk <= 1)) urn_ev_reject(ev, "quantile: p is %g, but must be in the interval [0, 1]", pk);
    double h = (double)(x->n - 1) * pk, lo = floor(h);
    size_t i = (size_t)lo, j = i + 1 < x->n ? i + 1 : i;
    out->v[k] = s[i] + (h - lo) * (s[j] - s[i]);
  }
}

/* norm1 = sum |x_i| (partials sign x_i), norm2 = sqrt(sum x_i^2) (partials x_i / norm2). */
static void f_norm(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *x = &args[0];
  double v = 0;
  if (b->aux2 == 1) {
    for (size_t i = 0; i < x->n; i++) v += fabs(x->v[i]);
  } else {
    double m = 0, s = 0; /* scaled to avoid overflow and underflow */
    for (size_t i = 0; i < x->n; i++) if (fabs(x->v[i]) > m) m = fabs(x->v[i]);
    for (size_t i = 0; m > 0 && isfinite(m) && i < x->n; i++) s += (x->v[i] / m) * (x->v[i] / m);
    v = isfinite(m) ? m * sqrt(s) : m;
  }
  double *d = x->ix ? urn_ev_doubles(ev, x->n) : NULL;
  for (size_t i = 0; d && i < x->n; i++)
    d[i] = b->aux2 == 1 ? (x->v[i] > 0) - (x->v[i] < 0) : (v > 0 ? x->v[i] / v : 0);
  urn_val_set_scalar(ev, out, URN_TY_REAL, v, reduce_node(ev, x, v, d));
}

#define F(name, sig, fn, aux2, doc) {name, sig, fn, NULL, NULL, aux2, 0, doc}
const urn_builtin urn_fn_array_table[] = {
    F("sum", "L:y", f_sum, 0, "sum of the elements"),
    F("mean", "r:y", f_mean, 0, "mean of the elements"),
    F("variance", "r:y", f_variance, 0, "sample variance"), F("sd", "r:y", f_variance, 1, "sample standard deviation"),
    F("prod", "L:y", f_prod, 0, "product of the elements"),
    F("log_sum_exp", "r:y", f_log_sum_exp, 0, "log of the sum of exponentials"),
    F("max", "L:y", f_maxmin, 0, "largest element"), F("min", "L:y", f_maxmin, 1, "smallest element"),
    {"max", "i:ii", f_max2, s_max2, NULL, 0, 0, "larger of two"}, {"min", "i:ii", f_max2, s_max2, NULL, 1, 0, "smaller of two"},
    F("rep_vector", "v:ri", f_rep_vector, URN_TY_VECTOR, "vector of n copies"),
    F("rep_row_vector", "w:ri", f_rep_vector, URN_TY_ROW_VECTOR, "row vector of n copies"),
    F("rep_matrix", "m:rii", f_rep_vector, URN_TY_MATRIX, "matrix of copies"),
    F("rep_matrix", "m:vi", f_rep_matrix_vec, 0, "n copies of a column vector as columns"),
    F("rep_matrix", "m:wi", f_rep_matrix_vec, 0, "n copies of a row vector as rows"),
    F("rep_array", "P:Ai", f_rep_array, 0, "array of copies"), F("rep_array", "P:Aii", f_rep_array, 0, "array of copies"),
    F("rep_array", "P:Aiii", f_rep_array, 0, "array of copies"),
    F("to_vector", "v:v", f_to_vector, URN_TY_VECTOR, "as a column vector"),
    F("to_vector", "v:w", f_to_vector, URN_TY_VECTOR, "as a column vector"),
    F("to_vector", "v:m", f_to_vector, URN_TY_VECTOR, "as a column vector (column-major)"),
    F("to_vector", "v:1i", f_to_vector, URN_TY_VECTOR, "as a column vector"),
    F("to_vector", "v:1r", f_to_vector, URN_TY_VECTOR, "as a column vector"),
    F("to_row_vector", "w:v", f_to_vector, URN_TY_ROW_VECTOR, "as a row vector"),
    F("to_row_vector", "w:w", f_to_vector, URN_TY_ROW_VECTOR, "as a row vector"),
    F("to_row_vector", "w:m", f_to_vector, URN_TY_ROW_VECTOR, "as a row vector (column-major)"),
    F("to_row_vector", "w:1i", f_to_vector, URN_TY_ROW_VECTOR, "as a row vector"),
    F("to_row_vector", "w:1r", f_to_vector, URN_TY_ROW_VECTOR, "as a row vector"),
    F("to_array_1d", "W:T", f_to_array_1d, 0, "as a 1-D array"),
    F("to_matrix", "m:T", f_to_matrix, 0, "as a matrix"), F("to_matrix", "m:Tii", f_to_matrix, 0, "as an R x C matrix"),
    F("to_matrix", "m:Tiii", f_to_matrix, 0, "as an R x C matrix, filled by columns unless the last argument is 0"),
    F("size", "i:A", urn_fn_size, 0, "number of elements (first dimension for arrays)"),
    F("num_elements", "i:A", urn_fn_size, 1, "total number of scalars"),
    F("rows", "i:C", urn_fn_size, 2, "number of rows"), F("cols", "i:C", urn_fn_size, 3, "number of columns"),
    F("dims", "1i:A", f_dims, 0, "sizes of every dimension"),
    F("segment", "X:Aii", f_segment, 0, "elements i..i+n-1"), F("head", "X:Ai", f_head, 0, "first n elements"),
    F("tail", "X:Ai", f_tail, 0, "last n elements"),
    F("col", "v:mi", f_col, 0, "column j"), F("row", "w:mi", f_row, 0, "row i"),
    F("block", "m:miiii", f_block, 0, "sub-matrix"),
    F("append_row", "v:vv", f_append, 0, "stack vertically"), F("append_row", "v:rv", f_append, 0, "stack vertically"),
    F("append_row", "v:vr", f_append, 0, "stack vertically"), F("append_row", "m:mm", f_append, 0, "stack vertically"),
    F("append_row", "m:wm", f_append, 0, "stack vertically"), F("append_row", "m:mw", f_append, 0, "stack vertically"),
    F("append_row", "m:ww", f_append, 0, "stack vertically"),
    F("append_col", "w:ww", f_append, 1, "join horizontally"), F("append_col", "w:rw", f_append, 1, "join horizontally"),
    F("append_col", "w:wr", f_append, 1, "join horizontally"), F("append_col", "m:mm", f_append, 1, "join horizontally"),
    F("append_col", "m:vm", f_append, 1, "join horizontally"), F("append_col", "m:mv", f_append, 1, "join horizontally"),
    F("append_col", "m:vv", f_append, 1, "join horizontally"),
    F("diag_matrix", "m:v", f_diag_matrix, 0, "diagonal matrix"), F("diagonal", "v:m", f_diagonal, 0, "diagonal"),
    F("softmax", "X:V", f_softmax, 0, "softmax (of each element of an array)"),
    F("log_softmax", "X:V", f_softmax, 1, "log softmax (of each element of an array)"),
    F("cumulative_sum", "X:T", f_cumulative_sum, 0, "running sums"),
    F("dot_product", "r:UU", f_dot_product, 0, "dot product"), F("dot_product", "r:1r1r", f_dot_product, 0, "dot product"),
    F("dot_self", "r:U", f_dot_product, 1, "x . x"),
    F("sort_asc", "X:T", f_sort, 0, "sorted ascending"), F("sort_desc", "X:T", f_sort, 1, "sorted descending"),
    F("sort_indices_asc", "1i:T", f_sort, 2, "indices that sort ascending"),
    F("sort_indices_desc", "1i:T", f_sort, 3, "indices that sort descending"),
    F("rank", "i:Ti", f_rank, 0, "number of elements less than x[s]"),
    F("linspaced_vector", "v:#i #r #r", f_linspaced, URN_TY_VECTOR, "equally spaced vector"),
    F("linspaced_array", "1r:#i #r #r", f_linspaced, URN_TY_REAL, "equally spaced array"),
    F("one_to_n", "1i:i", f_one_seq, 0, "1..n"),
    F("squared_distance", "r:UU", f_squared_distance, 0, "squared Euclidean distance"),
    F("squared_distance", "r:rr", f_squared_distance, 0, "squared difference"),
    F("append_array", "X:Zz", f_append_array, 0, "the elements of the second array after those of the first"),
    F("reverse", "X:v", f_reverse, 0, "elements in reverse order"), F("reverse", "X:w", f_reverse, 0, "elements in reverse order"),
    F("reverse", "X:Z", f_reverse, 0, "array elements in reverse order"),
    F("to_array_2d", "2r:m", f_to_array_2d, 0, "a matrix as a 2-D array"),
    {"to_int", "j:n", f_to_int, NULL, NULL, 0, URN_BI_NOVARS, "truncation toward zero to int (data only)"},
    {"quantile", "r:vr", f_quantile, NULL, NULL, 0, URN_BI_NOVARS, "sample quantile (R's type 7; data only)"},
    {"quantile", "r:wr", f_quantile, NULL, NULL, 0, URN_BI_NOVARS, "sample quantile (R's type 7; data only)"},
    {"quantile", "r:1rr", f_quantile, NULL, NULL, 0, URN_BI_NOVARS, "sample quantile (R's type 7; data only)"},
    {"quantile", "1r:v1r", f_quantile, NULL, NULL, 0, URN_BI_NOVARS, "sample quantiles (R's type 7; data only)"},
    {"quantile", "1r:w1r", f_quantile, NULL, NULL, 0, URN_BI_NOVARS, "sample quantiles (R's type 7; data only)"},
    {"quantile", "1r:1r1r", f_quantile, NULL, NULL, 0, URN_BI_NOVARS, "sample quantiles (R's type 7; data only)"},
    F("norm1", "r:U", f_norm, 1, "L1 norm"), F("norm1", "r:1r", f_norm, 1, "L1 norm"),
    F("norm2", "r:U", f_norm, 2, "Euclidean norm"), F("norm2", "r:1r", f_norm, 2, "Euclidean norm"),
    F("distance", "r:UU", f_squared_distance, 1, "Euclidean distance"),
    {NULL, NULL, NULL, NULL, NULL, 0, 0, NULL}};
