/* lang/fn_ops.c — Stan's operators as built-ins under Stan's own names (add,
 * subtract, multiply, divide, elt_multiply, elt_divide, minus, transpose,
 * modulus, comparisons): elementwise forms with scalar broadcasting, and the
 * linear-algebra products of `*` (matrix-vector, matrix-matrix, row-vector-matrix,
 * dot) as one operation: math/linalg.c's register-blocked kernels forward and
 * reverse, a node per output element with no partials and one reverse callback
 * (per-element nodes with partials when an operand repeats a node); outer
 * products as one node per element. */
#include <math.h>
#include <string.h>

#include "lang/fn.h"
#include "math/linalg.h"

static void k_add(double x, double y, double *f, double *dx, double *dy) { *f = x + y, *dx = 1, *dy = 1; }
static void k_sub(double x, double y, double *f, double *dx, double *dy) { *f = x - y, *dx = 1, *dy = -1; }
static void k_mul(double x, double y, double *f, double *dx, double *dy) { *f = x * y, *dx = y, *dy = x; }
static void k_div(double x, double y, double *f, double *dx, double *dy) { *f = x / y, *dx = 1 / y, *dy = -*f / y; }
/* (a zero divisor gives NaN here, which the evaluator's int range check refuses; the scalar path s_idiv says
   "integer division by zero" first) */
static void k_idiv(double x, double y, double *f, double *dx, double *dy) {
  *f = y == 0 ? NAN : trunc(x / y), *dx = *dy = 0;
}
static void k_mod(double x, double y, double *f, double *dx, double *dy) {
  *f = y == 0 ? NAN : fmod(x, y), *dx = *dy = 0;
}
static void k_eq(double x, double y, double *f, double *dx, double *dy) { *f = x == y, *dx = *dy = 0; }
static void k_ne(double x, double y, double *f, double *dx, double *dy) { *f = x != y, *dx = *dy = 0; }
static void k_lt(double x, double y, double *f, double *dx, double *dy) { *f = x < y, *dx = *dy = 0; }
static void k_le(double x, double y, double *f, double *dx, double *dy) { *f = x <= y, *dx = *dy = 0; }
static void k_gt(double x, double y, double *f, double *dx, double *dy) { *f = x > y, *dx = *dy = 0; }
static void k_ge(double x, double y, double *f, double *dx, double *dy) { *f = x >= y, *dx = *dy = 0; }

static double f_neg(double x) { return -x; }
static double d_neg(double x, double fx) { return -1; }
static const urn_unary_kernel k_neg = {f_neg, d_neg};
static double f_pos(double x) { return x; }
static double d_pos(double x, double fx) { return 1; }
static const urn_unary_kernel k_pos = {f_pos, d_pos};
static void k_and(double x, double y, double *f, double *dx, double *dy) { *f = x != 0 && y != 0, *dx = *dy = 0; }
static void k_or(double x, double y, double *f, double *dx, double *dy) { *f = x != 0 || y != 0, *dx = *dy = 0; }

/* Integer division and modulus reject division by zero as Stan does. */
static int32_t s_idiv(urn_ev *ev, const urn_builtin *b, const double *x, const int32_t *ix, double *out) {
  if (x[1] == 0) urn_ev_reject(ev, "integer division by zero");
  *out = b->aux2 ? fmod(x[0], x[1]) : trunc(x[0] / x[1]);
  return -1;
}

/* One node: sum_k a[k*sa] * b[k*sb]. */
static double dot_node(urn_ev *ev, const urn_val *a, size_t a0, size_t sa, const urn_val *b, size_t b0, size_t sb,
                       size_t K, int32_t *ix_out) {
  double s = 0;
  for (size_t k = 0; k < K; k++) s += a->v[a0 + k * sa] * b->v[b0 + k * sb];
  if (!a->ix && !b->ix) { *ix_out = -1; return s; }
  int32_t *o; double *p;
  urn_tape_begin(&ev->tape, 2 * K, &o, &p);
  size_t m = 0;
  for (size_t k = 0; k < K; k++) {
    int32_t ia = urn_val_ix(a, a0 + k * sa), ib = urn_val_ix(b, b0 + k * sb);
    if (ia >= 0) o[m] = ia, p[m++] = b->v[b0 + k * sb];
    if (ib >= 0) o[m] = ib, p[m++] = a->v[a0 + k * sa];
  }
  *ix_out = urn_tape_end(&ev->tape, s, m);
  return s;
}

/* The reverse of a product C = A B taken as one operation (matmul): A (m x k), B (k x n).  Nodes that are one run
 * (first, first + 1, ...: parameters, the outputs of an elementwise operation or of a product) have their
 * adjoints in place in the tape (no gather / scatter). */
typedef struct mm_cb {
  size_t m, k, n;         /* the shapes */
  const double *a, *b;    /* copies of A's values (when B has nodes) and of B's (when A has nodes), else NULL */
  const int32_t *ia, *ib; /* copies of A's and B's nodes (-1 constant), or NULL when one has none or is a run */
  int32_t a0, b0;         /* A's and B's first node when its nodes are a run, else -1 */
  const int32_t *out;     /* copy of C's nodes (-1: an element with no node), or NULL when they are a run */
  int32_t out0;           /* C's first node when its nodes are a run */
} mm_cb;

/* Gathers the adjoints of nodes ix[0..n) into g (0 for -1). */
static void mm_gather(const urn_tape *t, const int32_t *ix, size_t n, double *g) {
  for (size_t q = 0; q < n; q++) g[q] = ix[q] >= 0 ? t->adj[ix[q]] : 0;
}
/* Writes g back to the adjoints of nodes ix[0..n) that exist. */
static void mm_scatter(urn_tape *t, const int32_t *ix, size_t n, const double *g) {
  for (size_t q = 0; q < n; q++)
    if (ix[q] >= 0) t->adj[ix[q]] = g[q];
}
/* The adjoints of an operand's n nodes: in place for a run, else gathered into workspace. */
static double *mm_adj(urn_tape *t, int32_t first, const int32_t *ix, size_t n) {
  if (!ix) return t->adj + first;
  double *g = urn_tape_scratch(t, n * sizeof(double));
  mm_gather(t, ix, n, g);
  return g;
}

static void mm_reverse(urn_tape *t, void *data) {
  const mm_cb *c = data;
  size_t m = c->m, k = c->k, n = c->n;
  const double *R = mm_adj(t, c->out0, c->out, m * n);
  if (c->ia || c->a0 >= 0) {
    double *G = mm_adj(t, c->a0, c->ia, m * k);
    urn_matmul_rev_left(G, R, c->b, m, k, n);
    if (c->ia) mm_scatter(t, c->ia, m * k, G);
  }
  if (c->ib || c->b0 >= 0) {
    double *G = mm_adj(t, c->b0, c->ib, k * n);
    urn_matmul_rev_right(G, c->a, R, m, k, n);
    if (c->ib) mm_scatter(t, c->ib, k * n, G);
  }
}

/* Are the nodes of x (ignoring -1) strictly increasing?  Their least and greatest in *lo, *hi (lo > hi: none);
 * *run: they are the run lo, lo + 1, ..., one per element. */
static int nodes_increasing(const urn_val *x, int32_t *lo, int32_t *hi, int *run) {
  *lo = INT32_MAX, *hi = -1, *run = 0;
  if (!x->ix) return 1;
  size_t have = 0;
  for (size_t q = 0; q < x->n; q++) {
    int32_t i = x->ix[q];
    if (i < 0) continue;
    if (i <= *hi) return 0;
    if (i < *lo) *lo = i;
    *hi = i, have++;
  }
  *run = have && have == x->n && (size_t)(*hi - *lo) + 1 == have;
  return 1;
}

/* Are the nodes of x and y (those >= 0) all distinct, within each operand and across the two, when they are not
 * each increasing with disjoint ranges (nodes_increasing)?  E.g. `append_row(r, P)` with r declared after P: distinct
 * but out of order.  A byte per node of the two operands' range in the tape's workspace; a range over 16 times the
 * operands' size (nodes far apart) is not scanned: declined as if repeated.  The one-operation reverse adds each
 * node's terms in the per-element sweep's order whatever the nodes' numbering, so distinct is all it needs. */
static int nodes_distinct(urn_ev *ev, const urn_val *x, const urn_val *y) {
  int32_t lo = INT32_MAX, hi = -1;
  const urn_val *op[2] = {x, y};
  for (int o = 0; o < 2; o++)
    for (size_t q = 0; op[o]->ix && q < op[o]->n; q++) {
      int32_t i = op[o]->ix[q];
      if (i < 0) continue;
      if (i < lo) lo = i;
      if (i > hi) hi = i;
    }
  if (hi < lo) return 1;
  size_t range = (size_t)(hi - lo) + 1;
  if (range > 16 * (x->n + y->n)) return 0;
  unsigned char *seen = urn_tape_scratch(&ev->tape, range);
  memset(seen, 0, range);
  for (int o = 0; o < 2; o++)
    for (size_t q = 0; op[o]->ix && q < op[o]->n; q++) {
      int32_t i = op[o]->ix[q];
      if (i < 0) continue;
      if (seen[i - lo]) return 0;
      seen[i - lo] = 1;
    }
  return 1;
}

/* Does x hold (a view of) a data or transformed data variable?  Those do not change while the model runs, so the
 * reverse pass may read their values in place; any other values (locals, parameters, temporaries) may be
 * overwritten by a later assignment and are copied. */
static int data_values(const urn_ev *ev, const urn_val *x) {
  const urn_prog *pr = ev->prog;
  uintptr_t p = (uintptr_t)x->v;
  if (x->ix || !pr || !ev->glob) return 0;
  for (int b = URN_BLK_DATA; b <= URN_BLK_TDATA; b++)
    for (int d = 0; d < pr->ndecls[b]; d++) {
      const urn_val *v = &ev->glob[pr->decls[b][d]->slot];
      if (v->v && p >= (uintptr_t)v->v && p + x->n * sizeof(double) <= (uintptr_t)(v->v + v->n)) return 1;
    }
  return 0;
}

/* A copy of n values of type T in the tape's workspace (lives until the reverse pass is done). */
static void *tape_copy(urn_ev *ev, const void *p, size_t bytes) {
  void *q = urn_tape_scratch(&ev->tape, bytes);
  if (bytes) memcpy(q, p, bytes);
  return q;
}

/* Products of fewer multiplications than this keep the per-element nodes (the same bits): below it the one
 * operation's fixed cost (scans, copies, the callback) is not repaid (gp_pois_regr's 11 x 11 `L_cov * f_tilde`
 * measured 1-2 % slower as one operation). */
#define MM_ONE_OP_MIN 256

/* The product of x (r x K) and y (K x c) as one operation: values by urn_matmul, one node per element that has
 * an operand with a node (as dot_node makes them), and one reverse callback (urn_matmul_rev_*: the bits of the
 * per-element nodes' sweep).  0: declined because an operand's nodes are not distinct (repeated nodes, e.g. from
 * rep_matrix, or the same nodes on both sides): the caller makes per-element nodes. */
static int matmul_one_op(urn_ev *ev, const urn_val *x, const urn_val *y, urn_val *out, size_t r, size_t K, size_t c) {
  int32_t xlo, xhi, ylo, yhi;
  int xrun, yrun;
  if (r * K * c < MM_ONE_OP_MIN) return 0;
  if (!nodes_increasing(x, &xlo, &xhi, &xrun) || !nodes_increasing(y, &ylo, &yhi, &yrun) ||
      (xlo <= xhi && ylo <= yhi && !(xhi < ylo || yhi < xlo))) {
    /* out of order or interleaved: the reverse gathers and scatters through copies of the nodes (no runs) */
    if (!nodes_distinct(ev, x, y)) return 0;
    xrun = yrun = 0;
  }
  urn_matmul(out->v, x->v, y->v, r, K, c);
  /* element (i, j) has a node when row i of x or column j of y has one (and K > 0): each row / column is scanned
     up to its first node */
  unsigned char *rv = urn_tape_scratch(&ev->tape, r + c), *cv = rv + r;
  for (size_t i = 0; i < r; i++) {
    size_t l = 0;
    if (x->ix)
      while (l < K && x->ix[i + l * r] < 0) l++;
    rv[i] = x->ix && l < K;
  }
  for (size_t j = 0; j < c; j++) {
    size_t l = 0;
    if (y->ix)
      while (l < K && y->ix[l + j * K] < 0) l++;
    cv[j] = y->ix && l < K;
  }
  int32_t first = (int32_t)ev->tape.n;
  size_t nodes = 0;
  for (size_t j = 0; j < c; j++)
    for (size_t i = 0; i < r; i++) {
      int has = rv[i] | cv[j];
      out->ix[i + j * r] = has ? urn_tape_var(&ev->tape, out->v[i + j * r]) : -1;
      nodes += (size_t)has;
    }
  if (!nodes) return 1;
  mm_cb *cb = urn_tape_scratch(&ev->tape, sizeof *cb);
  cb->m = r, cb->k = K, cb->n = c;
  cb->ia = x->ix && !xrun ? tape_copy(ev, x->ix, r * K * sizeof(int32_t)) : NULL;
  cb->ib = y->ix && !yrun ? tape_copy(ev, y->ix, K * c * sizeof(int32_t)) : NULL;
  cb->a0 = xrun ? xlo : -1, cb->b0 = yrun ? ylo : -1;
  cb->a = !y->ix ? NULL : data_values(ev, x) ? x->v : tape_copy(ev, x->v, r * K * sizeof(double));
  cb->b = !x->ix ? NULL : data_values(ev, y) ? y->v : tape_copy(ev, y->v, K * c * sizeof(double));
  cb->out = nodes == r * c ? NULL : tape_copy(ev, out->ix, r * c * sizeof(int32_t));
  cb->out0 = first;
  urn_tape_callback_add(&ev->tape, first, mm_reverse, cb);
  return 1;
}

/* Matrix-like product of x (r x K) and y (K x c), x row stride etc. from shapes. */
static void matmul(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *x = &args[0], *y = &args[1];
  int xr = urn_val_rows(x), xc = urn_val_cols(x), yr = urn_val_rows(y), yc = urn_val_cols(y);
  if (x->ty.base == URN_TY_ROW_VECTOR) xr = 1, xc = x->dim[0];
  if (y->ty.base == URN_TY_VECTOR) yr = y->dim[0], yc = 1;
  if (xc != yr) urn_ev_reject(ev, "multiply: columns of the left operand (%d) and rows of the right operand (%d) must match", xc, yr);
  urn_type t;
  int32_t dim[2] = {xr, yc};
  if (xr == 1 && x->ty.base == URN_TY_ROW_VECTOR && y->ty.base == URN_TY_VECTOR) t = (urn_type){URN_TY_REAL, 0};
  else if (x->ty.base == URN_TY_ROW_VECTOR) t = (urn_type){URN_TY_ROW_VECTOR, 0}, dim[0] = yc;
  else if (y->ty.base == URN_TY_VECTOR) t = (urn_type){URN_TY_VECTOR, 0};
  else t = (urn_type){URN_TY_MATRIX, 0};
  int var = x->ix || y->ix;
  urn_val_alloc(ev, out, t, dim, var);
  if (!var) {
    urn_matmul(out->v, x->v, y->v, (size_t)xr, (size_t)xc, (size_t)yc);
    return;
  }
  if (matmul_one_op(ev, x, y, out, (size_t)xr, (size_t)xc, (size_t)yc)) return;
  for (int j = 0; j < yc; j++)
    for (int i = 0; i < xr; i++) {
      int32_t ix;
      /* x(i,k) at i + k*xr; y(k,j) at k + j*yr */
      out->v[i + (size_t)j * xr] = dot_node(ev, x, (size_t)i, (size_t)xr, y, (size_t)j * yr, 1, (size_t)xc, &ix);
      if (var) out->ix[i + (size_t)j * xr] = ix;
    }
}

/* vector * row_vector: outer product. */
static void outer(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *x = &args[0], *y = &args[1];
  int32_t dim[2] = {x->dim[0], y->dim[0]};
  int var = x->ix || y->ix;
  urn_val_alloc(ev, out, (urn_type){URN_TY_MATRIX, 0}, dim, var);
  for (int j = 0; j < dim[1]; j++)
    for (int i = 0; i < dim[0]; i++) {
      size_t k = i + (size_t)j * dim[0];
      out->v[k] = x->v[i] * y->v[j];
      if (var) out->ix[k] = urn_tape_push2(&ev->tape, out->v[k], urn_val_ix(x, i), y->v[j], urn_val_ix(y, j), x->v[i]);
    }
}

static void transpose(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *x = &args[0];
  if (x->ty.base != URN_TY_MATRIX) {
    *out = *x;
    out->ty.base = x->ty.base == URN_TY_VECTOR ? URN_TY_ROW_VECTOR : URN_TY_VECTOR;
    return;
  }
  int r = x->dim[0], c = x->dim[1];
  int32_t dim[2] = {c, r};
  urn_val_alloc(ev, out, x->ty, dim, x->ix != NULL);
  for (int j = 0; j < c; j++)
    for (int i = 0; i < r; i++) {
      out->v[j + (size_t)i * c] = x->v[i + (size_t)j * r];
      if (x->ix) out->ix[j + (size_t)i * c] = x->ix[i + (size_t)j * r];
    }
}

/* real / container and container / real etc. go elementwise through urn_fn_binary.  The signatures are
 * exactly Stan's (stanc3's list of operator signatures): the checker takes each operator's type from
 * here, so no arithmetic on arrays, and `.*` / `./` of two ints is an int. */
#define E(name, sig, k, doc) {name, sig, urn_fn_binary, urn_fn_binary_s, (const void *)(uintptr_t)k, 0, 0, doc}
/* the elementwise forms of an arithmetic operator: scalar/scalar, scalar with container, same containers */
#define ELTWISE(name, k, doc)                                                                                    \
  E(name, "r:rr", k, doc), E(name, "S:rv", k, doc), E(name, "S:rw", k, doc), E(name, "S:rm", k, doc),          \
      E(name, "S:vr", k, doc), E(name, "S:wr", k, doc), E(name, "S:mr", k, doc), E(name, "v:vv", k, doc),      \
      E(name, "w:ww", k, doc), E(name, "m:mm", k, doc)
const urn_builtin urn_fn_ops_table[] = {
    E("add", "i:ii", k_add, "a + b"), ELTWISE("add", k_add, "a + b"),
    E("subtract", "i:ii", k_sub, "a - b"), ELTWISE("subtract", k_sub, "a - b"),
    E("multiply", "i:ii", k_mul, "a * b"),
    E("multiply", "r:rr", k_mul, "a * b"),
    E("multiply", "S:rv", k_mul, "a * b"), E("multiply", "S:rw", k_mul, "a * b"), E("multiply", "S:rm", k_mul, "a * b"),
    E("multiply", "S:vr", k_mul, "a * b"), E("multiply", "S:wr", k_mul, "a * b"), E("multiply", "S:mr", k_mul, "a * b"),
    {"multiply", "v:mv", matmul, NULL, NULL, 0, 0, "matrix times vector"},
    {"multiply", "m:mm", matmul, NULL, NULL, 0, 0, "matrix product"},
    {"multiply", "w:wm", matmul, NULL, NULL, 0, 0, "row vector times matrix"},
    {"multiply", "r:wv", matmul, NULL, NULL, 0, 0, "dot product"},
    {"multiply", "m:vw", outer, NULL, NULL, 0, 0, "outer product"},
    {"divide", "i:ii", urn_fn_binary, s_idiv, (const void *)(uintptr_t)k_idiv, 0, 0, "integer division"},
    E("divide", "r:rr", k_div, "a / b"),
    E("divide", "S:rv", k_div, "a / b"), E("divide", "S:rw", k_div, "a / b"), E("divide", "S:rm", k_div, "a / b"),
    E("divide", "S:vr", k_div, "a / b"), E("divide", "S:wr", k_div, "a / b"), E("divide", "S:mr", k_div, "a / b"),
    {"modulus", "i:ii", urn_fn_binary, s_idiv, (const void *)(uintptr_t)k_mod, 1, 0, "integer remainder"},
    E("elt_multiply", "i:ii", k_mul, "a .* b"), ELTWISE("elt_multiply", k_mul, "a .* b"),
    {"elt_divide", "i:ii", urn_fn_binary, s_idiv, (const void *)(uintptr_t)k_idiv, 0, 0, "integer division"},
    ELTWISE("elt_divide", k_div, "a ./ b"),
    {"minus", "K:T", urn_fn_unary, urn_fn_unary_s, &k_neg, 0, 0, "-a"},
    {"plus", "K:c", urn_fn_unary, urn_fn_unary_s, &k_pos, 0, 0, "+a"},
    E("logical_and", "i:ii", k_and, "a && b"), E("logical_or", "i:ii", k_or, "a || b"),
    {"transpose", "w:v", transpose, NULL, NULL, 0, 0, "a'"},
    {"transpose", "v:w", transpose, NULL, NULL, 0, 0, "a'"},
    {"transpose", "m:m", transpose, NULL, NULL, 0, 0, "a'"},
    E("logical_eq", "i:rr", k_eq, "a == b"), E("logical_neq", "i:rr", k_ne, "a != b"),
    E("logical_lt", "i:rr", k_lt, "a < b"), E("logical_lte", "i:rr", k_le, "a <= b"),
    E("logical_gt", "i:rr", k_gt, "a > b"), E("logical_gte", "i:rr", k_ge, "a >= b"),
    {NULL, NULL, NULL, NULL, NULL, 0, 0, NULL}};
