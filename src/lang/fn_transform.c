/* lang/fn_transform.c — Stan 2.37's constraint-transform functions, for every
 * constrained type: NAME_constrain(y, ...) maps unconstrained values to the
 * constrained type, NAME_jacobian(y, ...) returns the same value and adds the
 * log absolute Jacobian determinant to the target when the Jacobian is on
 * (callable only where `jacobian +=` is: transformed parameters and functions
 * ending in _jacobian), NAME_unconstrain(x, ...) is the inverse, validating x.
 * Every form takes arrays of any depth, transformed item by item.
 *
 * The numerics are model/transform.c's (the one home of each transform); this
 * file tapes them.  Elementwise kinds (bounds, offset/multiplier) get one tape
 * node per element with its partials; the vector and matrix kinds one reverse
 * callback per item, which calls urn__model_transform_reverse (constrain) or
 * urn__model_transform_unconstrain_reverse (unconstrain). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lang/fn.h"
#include "model/transform.h"

/* The three forms of every family. */
enum { TF_CONSTRAIN, TF_JACOBIAN, TF_UNCONSTRAIN };

/* What a family's entries share (the entry's aux). */
typedef struct tf_family {
  urn_transform_kind kind; /* the transform */
  int nbound;              /* elementwise kinds: bound arguments after the first (1 or 2) */
  int nsize;               /* constrain of the matrix kinds: size arguments (1, or 2 for cholesky_factor_cov) */
  int vec_in;              /* the constrained value is a vector (else a matrix) */
} tf_family;

/* Number of items (array elements) of v and the shape of one item. */
static size_t items_of(const urn_val *v, size_t *rows, size_t *cols) {
  size_t count = 1;
  for (int d = 0; d < v->ty.dims; d++) count *= (size_t)v->dim[d];
  int na = v->ty.dims;
  *rows = v->ty.base == URN_TY_VECTOR || v->ty.base == URN_TY_ROW_VECTOR || v->ty.base == URN_TY_MATRIX ? (size_t)v->dim[na] : 1;
  *cols = v->ty.base == URN_TY_MATRIX ? (size_t)v->dim[na + 1] : 1;
  if (v->ty.base == URN_TY_ROW_VECTOR) *cols = *rows, *rows = 1;
  return count;
}

/* ---- elementwise kinds ---- */

/* The argument structure of element i alone (bounds read at i * stride). */
static void one_elem_args(urn_transform_kind k, const urn_val *b1, const urn_val *b2, size_t s1, size_t s2, size_t i,
                          double *p1, double *p2, urn_transform_args *a) {
  memset(a, 0, sizeof *a);
  *p1 = b1->v[i * s1];
  if (b2) *p2 = b2->v[i * s2];
  switch (k) {
    case URN_TR_LOWER: a->lb = p1; break;
    case URN_TR_UPPER: a->ub = p1; break;
    case URN_TR_LOWER_UPPER: a->lb = p1, a->ub = p2; break;
    default: a->offset = p1, a->multiplier = p2; break;
  }
}

static void f_elementwise(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const tf_family *fam = b->aux;
  urn_transform_kind k = fam->kind;
  int mode = b->aux2;
  const urn_val *x = &args[0], *b1 = &args[1], *b2 = n > 2 ? &args[2] : NULL;
  size_t s1 = urn_is_scalar(b1->ty) ? 0 : 1, s2 = b2 && !urn_is_scalar(b2->ty) ? 1 : 0;
  if ((s1 && b1->n != x->n) || (s2 && b2->n != x->n))
    urn_ev_reject(ev, "%s: the bound has %zu elements, but the argument has %zu", b->name, s1 && b1->n != x->n ? b1->n : b2->n, x->n);
  int var = x->ix || b1->ix || (b2 && b2->ix);
  urn_val_like(ev, out, x, x->ty.base == URN_TY_INT ? URN_TY_REAL : x->ty.base, var);
  double lj_total = 0;
  int32_t *jo = NULL;
  double *jp = NULL;
  size_t jk = 0;
  int jac = mode == TF_JACOBIAN && ev->jacobian;
  if (jac && var) urn_tape_begin(&ev->tape, 3 * x->n, &jo, &jp);
  /* partials are gathered first (the jacobian node is open on the tape), nodes pushed after */
  double *pu = var ? urn_ev_doubles(ev, 3 * x->n) : NULL;
  for (size_t i = 0; i < x->n; i++) {
    double p1, p2 = 1, u = x->v[i], r, lj = 0, one = 1, d[3] = {0, 0, 0};
    urn_transform_args a;
    one_elem_args(k, b1, b2, s1, s2, i, &p1, &p2, &a);
    urn_error e2;
    int rc = mode == TF_UNCONSTRAIN ? urn__model_transform_unconstrain(k, 1, 1, &a, &u, &r, "x", &e2)
                                    : urn__model_transform_constrain(k, 1, 1, &a, &u, &r, &lj, "x", &e2);
    if (rc) urn_ev_reject(ev, "%s: %s", b->name, e2.msg);
    out->v[i] = r;
    lj_total += lj;
    if (!var) continue;
    double g1 = 0, g2 = 0, g3 = 0, g4 = 0;
    urn_transform_adj adj = {&g1, &g2, &g3, &g4};
    if (mode == TF_UNCONSTRAIN) {
      urn__model_transform_unconstrain_reverse(k, 1, 1, &a, &x->v[i], &r, &one, &d[0], &adj, "x", NULL);
    } else {
      urn__model_transform_reverse(k, 1, 1, &a, &u, &r, &one, 0.0, &d[0], &adj, "x", NULL);
      if (jac) {
        double ju = 0, h1 = 0, h2 = 0, h3 = 0, h4 = 0;
        urn_transform_adj jadj = {&h1, &h2, &h3, &h4};
        urn__model_transform_reverse(k, 1, 1, &a, &u, &r, NULL, 1.0, &ju, &jadj, "x", NULL);
        int32_t io[3] = {urn_val_ix(x, i), urn_val_ix(b1, i * s1), b2 ? urn_val_ix(b2, i * s2) : -1};
        double ip[3] = {ju, k == URN_TR_UPPER ? h2 : k == URN_TR_OFFSET_MULTIPLIER ? h3 : h1, k == URN_TR_OFFSET_MULTIPLIER ? h4 : h2};
        for (int q = 0; q < 3; q++)
          if (io[q] >= 0) jo[jk] = io[q], jp[jk++] = ip[q];
      }
    }
    d[1] = k == URN_TR_UPPER ? g2 : k == URN_TR_OFFSET_MULTIPLIER ? g3 : g1;
    d[2] = k == URN_TR_OFFSET_MULTIPLIER ? g4 : g2;
    memcpy(pu + 3 * i, d, sizeof d);
  }
  int32_t jn = jac && var ? urn_tape_end(&ev->tape, lj_total, jk) : -1;
  if (jac) urn_ev_target_add(ev, lj_total, jn, 1);
  if (!var) return;
  for (size_t i = 0; i < x->n; i++)
    out->ix[i] = urn_tape_push3(&ev->tape, out->v[i], urn_val_ix(x, i), pu[3 * i], urn_val_ix(b1, i * s1), pu[3 * i + 1],
                                b2 ? urn_val_ix(b2, i * s2) : -1, pu[3 * i + 2]);
}

/* ---- vector and matrix kinds: one callback per item ---- */

typedef struct tf_cb {
  urn_transform_kind kind; /* transform */
  int unconstrain;         /* the callback of an unconstrain (else of a constrain) */
  size_t rows, cols;       /* the constrained item's shape */
  const double *u, *x;     /* the item's unconstrained and constrained values */
  const int32_t *in;       /* input nodes (u for constrain, x for unconstrain; -1 constant) */
  const int32_t *out;      /* output nodes */
  size_t nin, nout;        /* their counts */
  int32_t jnode;           /* the log-Jacobian's node (-1: none) */
  double *oa, *ia;         /* work: output and input adjoints */
} tf_cb;

static void tf_reverse(urn_tape *t, void *data) {
  tf_cb *c = data;
  for (size_t i = 0; i < c->nout; i++) c->oa[i] = c->out[i] >= 0 ? t->adj[c->out[i]] : 0;
  memset(c->ia, 0, c->nin * sizeof(double));
  if (c->unconstrain)
    urn__model_transform_unconstrain_reverse(c->kind, c->rows, c->cols, NULL, c->x, c->u, c->oa, c->ia, NULL, "x", NULL);
  else
    urn__model_transform_reverse(c->kind, c->rows, c->cols, NULL, c->u, c->x, c->oa, c->jnode >= 0 ? t->adj[c->jnode] : 0.0,
                          c->ia, NULL, "x", NULL);
  for (size_t i = 0; i < c->nin; i++)
    if (c->in[i] >= 0) t->adj[c->in[i]] += c->ia[i];
}

/* The constrained shape (rows x cols) of a constrain's argument item (irows x icols) and size arguments. */
static void constrained_shape(urn_ev *ev, const urn_builtin *b, const tf_family *fam, size_t irows, size_t icols,
                              const urn_val *args, int n, size_t *rows, size_t *cols) {
  size_t len = irows * icols;
  switch (fam->kind) {
    case URN_TR_SIMPLEX: *rows = len + 1, *cols = 1; return;
    case URN_TR_SUM_TO_ZERO: *rows = len + 1, *cols = 1; return;
    case URN_TR_SUM_TO_ZERO_MATRIX: *rows = irows + 1, *cols = icols + 1; return;
    case URN_TR_STOCHASTIC_COLUMN: *rows = irows + 1, *cols = icols; return;
    case URN_TR_STOCHASTIC_ROW: *rows = irows, *cols = icols + 1; return;
    case URN_TR_ORDERED: case URN_TR_POSITIVE_ORDERED: case URN_TR_UNIT_VECTOR: *rows = len, *cols = 1; return;
    default: break;
  }
  /* the matrix kinds take their sizes as arguments */
  double K = args[1].v[0], N = n > 2 ? args[2].v[0] : K;
  if (!(K >= 0) || !(N >= 0)) urn_ev_reject(ev, "%s: the size is %g, but must be non-negative", b->name, K < 0 ? K : N);
  *rows = (size_t)K, *cols = fam->kind == URN_TR_CHOLESKY_COV ? (size_t)N : (size_t)K;
  size_t want = urn__model_transform_unconstrained_size(fam->kind, *rows, *cols);
  if (want != len)
    urn_ev_reject(ev, "%s: a %zu x %zu %s needs %zu unconstrained values, but the argument has %zu", b->name, *rows, *cols,
                  urn__model_transform_name(fam->kind), want, len);
}

static void f_items(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const tf_family *fam = b->aux;
  urn_transform_kind k = fam->kind;
  int mode = b->aux2, unc = mode == TF_UNCONSTRAIN;
  const urn_val *a0 = &args[0];
  size_t irows, icols, count = items_of(a0, &irows, &icols), rows, cols;
  if (unc) {
    rows = irows, cols = icols;
    if (urn__model_transform_constrained_size(k, rows, cols) != rows * cols)
      urn_ev_reject(ev, "%s: the argument must be a square matrix (got %zu x %zu)", b->name, rows, cols);
  } else {
    constrained_shape(ev, b, fam, irows, icols, args, n, &rows, &cols);
  }
  size_t nx = rows * cols, nu = urn__model_transform_unconstrained_size(k, rows, cols);
  size_t nin = unc ? nx : nu, nout = unc ? nu : nx;
  /* the result: a vector for the constrained vectors and for unconstrain of the matrix kinds, else a matrix */
  int out_vec = unc ? (fam->vec_in || !(k == URN_TR_STOCHASTIC_COLUMN || k == URN_TR_STOCHASTIC_ROW || k == URN_TR_SUM_TO_ZERO_MATRIX))
                    : fam->vec_in && k != URN_TR_CHOLESKY_CORR && k != URN_TR_CHOLESKY_COV && k != URN_TR_CORR_MATRIX && k != URN_TR_COV_MATRIX;
  int32_t dim[URN_MAX_DIMS];
  int na = a0->ty.dims;
  for (int d = 0; d < na; d++) dim[d] = a0->dim[d];
  if (out_vec) dim[na] = (int32_t)nout;
  else if (unc) dim[na] = (int32_t)(k == URN_TR_STOCHASTIC_ROW ? rows : rows - (rows > 0)),
                dim[na + 1] = (int32_t)(k == URN_TR_STOCHASTIC_COLUMN ? cols : cols - (cols > 0));
  else dim[na] = (int32_t)rows, dim[na + 1] = (int32_t)cols;
  int var = a0->ix != NULL;
  urn_val_alloc(ev, out, (urn_type){(unsigned char)(out_vec ? URN_TY_VECTOR : URN_TY_MATRIX), (unsigned char)na}, dim, var);
  int jac = mode == TF_JACOBIAN && ev->jacobian;
  for (size_t a = 0; a < count; a++) {
    const double *in = a0->v + a * nin;
    double *o = out->v + a * nout, lj = 0;
    urn_error e2;
    char nm[64] = "x";
    if (na) snprintf(nm, sizeof nm, "x[%zu]", a + 1);
    int rc = unc ? urn__model_transform_unconstrain(k, rows, cols, NULL, in, o, nm, &e2)
                 : urn__model_transform_constrain(k, rows, cols, NULL, in, o, jac ? &lj : NULL, nm, &e2);
    if (rc) urn_ev_reject(ev, "%s: %s", b->name, e2.msg);
    int32_t jn = -1;
    if (var) {
      int32_t first = (int32_t)ev->tape.n;
      for (size_t i = 0; i < nout; i++) out->ix[a * nout + i] = urn_tape_var(&ev->tape, o[i]);
      if (jac) jn = urn_tape_var(&ev->tape, lj);
      tf_cb *c = urn_arena_alloc(&ev->arena, sizeof *c);
      c->kind = k, c->unconstrain = unc, c->rows = rows, c->cols = cols;
      c->u = unc ? o : in, c->x = unc ? in : o, c->in = a0->ix + a * nin, c->out = out->ix + a * nout;
      c->nin = nin, c->nout = nout, c->jnode = jn;
      c->oa = urn_ev_doubles(ev, nout), c->ia = urn_ev_doubles(ev, nin);
      urn_tape_callback_add(&ev->tape, first, tf_reverse, c);
    }
    if (jac) urn_ev_target_add(ev, lj, jn, 1);
  }
}

/* ---- the table ---- */

static const tf_family fam_lb = {URN_TR_LOWER, 1, 0, 0}, fam_ub = {URN_TR_UPPER, 1, 0, 0},
                        fam_lub = {URN_TR_LOWER_UPPER, 2, 0, 0}, fam_om = {URN_TR_OFFSET_MULTIPLIER, 2, 0, 0},
                        fam_ord = {URN_TR_ORDERED, 0, 0, 1}, fam_pord = {URN_TR_POSITIVE_ORDERED, 0, 0, 1},
                        fam_simplex = {URN_TR_SIMPLEX, 0, 0, 1}, fam_unit = {URN_TR_UNIT_VECTOR, 0, 0, 1},
                        fam_stz = {URN_TR_SUM_TO_ZERO, 0, 0, 1}, fam_stzm = {URN_TR_SUM_TO_ZERO_MATRIX, 0, 0, 0},
                        fam_scol = {URN_TR_STOCHASTIC_COLUMN, 0, 0, 0}, fam_srow = {URN_TR_STOCHASTIC_ROW, 0, 0, 0},
                        fam_ccorr = {URN_TR_CHOLESKY_CORR, 0, 1, 1}, fam_ccov = {URN_TR_CHOLESKY_COV, 0, 2, 1},
                        fam_corr = {URN_TR_CORR_MATRIX, 0, 1, 1}, fam_cov = {URN_TR_COV_MATRIX, 0, 1, 1};

#define TF_J (URN_BI_JACOBIAN)
#define ELEM3(stem, sig, fam, what)                                                                       \
  {stem "_constrain", sig, f_elementwise, NULL, &fam, TF_CONSTRAIN, 0, "the " what " transform"},         \
      {stem "_jacobian", sig, f_elementwise, NULL, &fam, TF_JACOBIAN, TF_J,                               \
       "the " what " transform, adding its log-Jacobian"},                                                \
      {stem "_unconstrain", sig, f_elementwise, NULL, &fam, TF_UNCONSTRAIN, 0, "the inverse of the " what " transform"}
#define ITEM3(stem, csig, usig, fam, what)                                                                \
  {stem "_constrain", csig, f_items, NULL, &fam, TF_CONSTRAIN, 0, "the " what " transform"},              \
      {stem "_jacobian", csig, f_items, NULL, &fam, TF_JACOBIAN, TF_J, "the " what " transform, adding its log-Jacobian"}, \
      {stem "_unconstrain", usig, f_items, NULL, &fam, TF_UNCONSTRAIN, 0, "the inverse of the " what " transform"}

const urn_builtin urn_fn_transform_table[] = {
    ELEM3("lower_bound", "Y:Tb", fam_lb, "lower-bound"),
    ELEM3("upper_bound", "Y:Tb", fam_ub, "upper-bound"),
    ELEM3("lower_upper_bound", "Y:Tbb", fam_lub, "lower-and-upper-bound"),
    ELEM3("offset_multiplier", "Y:Tbb", fam_om, "offset/multiplier"),
    ITEM3("ordered", "@v:@v", "@v:@v", fam_ord, "ordered-vector"),
    ITEM3("positive_ordered", "@v:@v", "@v:@v", fam_pord, "positive-ordered-vector"),
    ITEM3("simplex", "@v:@v", "@v:@v", fam_simplex, "simplex (Stan 2.37, inverse isometric log-ratio)"),
    ITEM3("unit_vector", "@v:@v", "@v:@v", fam_unit, "unit-vector"),
    ITEM3("sum_to_zero", "@v:@v", "@v:@v", fam_stz, "sum-to-zero vector"),
    ITEM3("sum_to_zero", "@m:@m", "@m:@m", fam_stzm, "sum-to-zero matrix"),
    ITEM3("stochastic_column", "@m:@m", "@m:@m", fam_scol, "column-stochastic matrix"),
    ITEM3("stochastic_row", "@m:@m", "@m:@m", fam_srow, "row-stochastic matrix"),
    ITEM3("cholesky_factor_corr", "@m:@v i", "@v:@m", fam_ccorr, "Cholesky-factor-of-correlation"),
    ITEM3("cholesky_factor_cov", "@m:@v i i", "@v:@m", fam_ccov, "Cholesky-factor-of-covariance"),
    ITEM3("corr_matrix", "@m:@v i", "@v:@m", fam_corr, "correlation-matrix"),
    ITEM3("cov_matrix", "@m:@v i", "@v:@m", fam_cov, "covariance-matrix"),
    {NULL, NULL, NULL, NULL, NULL, 0, 0, NULL}};
