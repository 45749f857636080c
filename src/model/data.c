/* model/data.c — CmdStan JSON data into slots, with validation against the
 * data block's declarations, and the declared-constraint checks shared by
 * data, transformed data, transformed parameters and generated quantities. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lang/eval_rt.h"
#include "model/data.h"
#include "model/transform.h"

/* "[2, 3]" for the element at storage offset off of x (1-based indexes). */
static void elem_name(const urn_val *x, size_t off, char *out, size_t cap) {
  int nd = urn_val_ndim(x->ty), na = x->ty.dims;
  if (nd == 0) { out[0] = 0; return; }
  size_t inner = 1;
  for (int d = na; d < nd; d++) inner *= (size_t)x->dim[d];
  size_t aoff = inner ? off / inner : 0, ioff = inner ? off % inner : 0;
  size_t idx[URN_MAX_DIMS];
  /* a size may be 0 (an array of empty vectors): no element there, index 0 */
  for (int d = na - 1; d >= 0; d--) {
    size_t n = (size_t)x->dim[d];
    idx[d] = n ? aoff % n : 0, aoff = n ? aoff / n : 0;
  }
  for (int d = na; d < nd; d++) {
    size_t n = (size_t)x->dim[d];
    idx[d] = n ? ioff % n : 0, ioff = n ? ioff / n : 0;
  }
  size_t o = 0;
  o += (size_t)snprintf(out + o, cap - o, "[");
  for (int d = 0; d < nd && o < cap; d++) o += (size_t)snprintf(out + o, cap - o, "%s%zu", d ? ", " : "", idx[d] + 1);
  if (o < cap) snprintf(out + o, cap - o, "]");
}

typedef struct fill_ctx {
  urn_val *slot;     /* destination */
  int is_int;        /* declared int */
  const char *what;  /* "variable 'y'" */
  urn_error *err;    /* error */
} fill_ctx;

/* One number d into storage offset off (when x->v: a dry run only checks). */
static int fill_leaf(fill_ctx *f, double d, size_t off) {
  if (f->is_int && (d != floor(d) || isnan(d)))
    return urn_error_set(f->err, URN_EINPUT, "%s: %g is not an integer (declared int)", f->what, d);
  if (f->is_int && fabs(d) > 2147483647.0) /* Stan's int is 32-bit */
    return urn_error_set(f->err, URN_EINPUT, "%s: %g is out of range for int (magnitude at most 2147483647)", f->what, d);
  if (f->slot->v) f->slot->v[off] = d;
  return URN_OK;
}

/* Storage offset bookkeeping: element i at level `level` of an array value (aoff: array offset so far, r: offset
 * inside the vector or matrix). */
static void step(const urn_val *x, int level, size_t i, size_t *aoff, size_t *r) {
  int na = x->ty.dims;
  if (level < na) *aoff = *aoff * (size_t)x->dim[level] + i;
  else if (level == na) *r += i;                    /* row (or vector entry) */
  else *r += i * (size_t)x->dim[na];                /* matrix column */
}

static size_t inner_size(const urn_val *x) {
  size_t inner = 1;
  for (int k = x->ty.dims; k < urn_val_ndim(x->ty); k++) inner *= (size_t)x->dim[k];
  return inner;
}

/* The numbers of a packed array (src, reading order) from level on; pairs: 2 when each complex element is
 * given as [re, im], 1 otherwise (a complex element given as a number has imaginary part 0). */
static int fill_packed_rec(fill_ctx *f, const double **src, int pairs, int level, size_t aoff, size_t r) {
  const urn_val *x = f->slot;
  if (level == urn_val_ndim(x->ty)) {
    size_t off = aoff * inner_size(x) + r;
    if (!urn_base_is_complex(x->ty.base)) return fill_leaf(f, *(*src)++, off);
    double re = *(*src)++, im = pairs == 2 ? *(*src)++ : 0;
    if (x->v) x->v[2 * off] = re, x->v[2 * off + 1] = im;
    return URN_OK;
  }
  for (size_t i = 0; i < (size_t)x->dim[level]; i++) {
    size_t a = aoff, q = r;
    step(x, level, i, &a, &q);
    int rc = fill_packed_rec(f, src, pairs, level + 1, a, q);
    if (rc) return rc;
  }
  return URN_OK;
}

/* A packed array (urn_json_parse_data) at level: its shape must be the declaration's remaining sizes. */
static int fill_packed(fill_ctx *f, const urn_json *v, int level, size_t aoff, size_t r) {
  const urn_val *x = f->slot;
  int nd = urn_val_ndim(x->ty), rest = nd - level, pairs = 1;
  if (urn_base_is_complex(x->ty.base) && v->ndims == rest + 1) { /* complex elements as [re, im] */
    if (v->shape[rest] != 2)
      return urn_error_set(f->err, URN_EINPUT, "%s: a complex number is [re, im], but the array%s at line %d, column %d %s %zu elements",
                           f->what, v->ndims > 1 ? "s" : "", v->line, v->col, v->ndims > 1 ? "have" : "has", v->shape[rest]);
    pairs = 2;
  } else if (v->ndims > rest) {
    return urn_error_set(f->err, URN_EINPUT, "%s: expected a number at line %d, column %d, found array (inside this array)",
                         f->what, v->line, v->col);
  }
  for (int k = 0; k < v->ndims - (pairs - 1); k++) {
    if (v->shape[k] != (size_t)x->dim[level + k])
      return urn_error_set(f->err, URN_EINPUT, "%s: dimension %d has size %zu, but the declaration needs %zu", f->what,
                           level + k + 1, v->shape[k], (size_t)x->dim[level + k]);
    if (v->shape[k] == 0) return URN_OK; /* empty here: nothing deeper to check, or to write */
  }
  if (v->ndims - (pairs - 1) < rest)
    return urn_error_set(f->err, URN_EINPUT, "%s: expected an array with %d dimension%s, found number inside the array at "
                         "line %d, column %d", f->what, nd, nd == 1 ? "" : "s", v->line, v->col);
  const double *src = v->nums;
  return fill_packed_rec(f, &src, pairs, level, aoff, r);
}

/* A complex element: [re, im] (CmdStan's JSON), or a plain number (imaginary part 0), into out[0..2)
 * (out NULL: a dry run only checks).  Packed arrays go through fill_packed. */
static int fill_complex(fill_ctx *f, const urn_json *v, double *out) {
  double tmp[2];
  if (!out) out = tmp;
  if (v->type == URN_JSON_ARRAY) {
    if (v->len != 2)
      return urn_error_set(f->err, URN_EINPUT, "%s: a complex number is [re, im], but the array at line %d, column %d has %zu elements",
                           f->what, v->line, v->col, v->len);
    for (int k = 0; k < 2; k++)
      if (!urn_json_number(v->items[k], &out[k]))
        return urn_error_set(f->err, URN_EINPUT, "%s: expected a number in [re, im] at line %d, column %d, found %s", f->what,
                             v->items[k]->line, v->items[k]->col, urn_json_type_name(v->items[k]->type));
    return URN_OK;
  }
  out[1] = 0;
  if (urn_json_number(v, &out[0])) return URN_OK;
  return urn_error_set(f->err, URN_EINPUT, "%s: expected a complex number [re, im] at line %d, column %d, found %s", f->what, v->line,
                       v->col, urn_json_type_name(v->type));
}

static int fill_rec(fill_ctx *f, const urn_json *v, int level, size_t aoff, size_t r) {
  urn_val *x = f->slot;
  int nd = urn_val_ndim(x->ty);
  if (level == nd && urn_base_is_complex(x->ty.base)) {
    if (v->type == URN_JSON_ARRAY && v->ndims) return fill_packed(f, v, level, aoff, r);
    return fill_complex(f, v, x->v ? x->v + 2 * (aoff * inner_size(x) + r) : NULL);
  }
  if (level == nd) {
    double d;
    if (!urn_json_number(v, &d))
      return urn_error_set(f->err, URN_EINPUT, "%s: expected a number at line %d, column %d, found %s", f->what, v->line,
                           v->col, urn_json_type_name(v->type));
    return fill_leaf(f, d, aoff * inner_size(x) + r);
  }
  if (v->type != URN_JSON_ARRAY)
    return urn_error_set(f->err, URN_EINPUT, "%s: expected an array with %d dimension%s, found %s at line %d, column %d",
                         f->what, nd, nd == 1 ? "" : "s", urn_json_type_name(v->type), v->line, v->col);
  if (v->ndims) return fill_packed(f, v, level, aoff, r);
  size_t want = (size_t)x->dim[level];
  if (v->len != want)
    return urn_error_set(f->err, URN_EINPUT, "%s: dimension %d has size %zu, but the declaration needs %zu", f->what,
                         level + 1, v->len, want);
  for (size_t i = 0; i < v->len; i++) {
    size_t a = aoff, q = r;
    step(x, level, i, &a, &q);
    int rc = fill_rec(f, v->items[i], level + 1, a, q);
    if (rc) return rc;
  }
  return URN_OK;
}

/* A tuple (or array of tuples): JSON objects {"1": ..., "2": ...} (inside arrays for arrays of tuples),
 * each component filled into its slot (already shaped). */
static int fill_tuple(urn_val *slot, const urn_json *v, int level, size_t aoff, const char *what, urn_error *err) {
  int nc = slot->ty.tup->n;
  if (level < slot->ty.dims) {
    if (v->type != URN_JSON_ARRAY)
      return urn_error_set(err, URN_EINPUT, "%s: expected an array of tuples at line %d, column %d, found %s", what, v->line, v->col,
                           urn_json_type_name(v->type));
    if (v->len != (size_t)slot->dim[level])
      return urn_error_set(err, URN_EINPUT, "%s: dimension %d has size %zu, but the declaration needs %d", what, level + 1, v->len,
                           slot->dim[level]);
    for (size_t i = 0; i < v->len; i++) {
      int rc = fill_tuple(slot, v->items[i], level + 1, aoff * (size_t)slot->dim[level] + i, what, err);
      if (rc) return rc;
    }
    return URN_OK;
  }
  if (v->type != URN_JSON_OBJECT)
    return urn_error_set(err, URN_EINPUT, "%s: a tuple is a JSON object {\"1\": ..., \"2\": ...}, found %s at line %d, column %d", what,
                         urn_json_type_name(v->type), v->line, v->col);
  for (int c = 0; c < nc; c++) {
    char key[16], cw[400];
    snprintf(key, sizeof key, "%d", c + 1);
    const urn_json *cv = urn_json_get(v, key);
    urn_val *cs = &slot->tv[aoff * (size_t)nc + (size_t)c];
    snprintf(cw, sizeof cw, "%s, tuple component %d", what, c + 1);
    if (!cv) {
      if (cs->ty.base != URN_TY_TUPLE && cs->n == 0) continue;
      return urn_error_set(err, URN_EINPUT, "%s: tuple component \"%s\" is missing (line %d, column %d)", what, key, v->line, v->col);
    }
    int rc = urn__model_data_fill(cs, cv, cs->ty.base == URN_TY_INT, cw, err);
    if (rc) return rc;
  }
  return URN_OK;
}

int urn__model_data_fill(urn_val *slot, const urn_json *v, int is_int, const char *what, urn_error *err) {
  if (slot->ty.base == URN_TY_TUPLE) /* no dry run for tuples: the components are checked as they are filled */
    return slot->tv ? fill_tuple(slot, v, 0, 0, what, err) : URN_OK;
  fill_ctx f = {slot, is_int, what, err};
  int nd = urn_val_ndim(slot->ty);
  /* an empty container may be written as [] at any level */
  if (slot->n == 0 && v->type == URN_JSON_ARRAY && v->len == 0 && nd > 0) {
    /* the sizes must still agree on the first dimension */
    if (slot->dim[0] != 0)
      return urn_error_set(err, URN_EINPUT, "%s: dimension 1 has size 0, but the declaration needs %d", what, slot->dim[0]);
    return URN_OK;
  }
  return fill_rec(&f, v, 0, 0, 0);
}

/* Evaluates a bound: a scalar (stride 0) or a container the size of x. */
static const double *bound_values(urn_ev *ev, const ir_ex *e, const urn_val *x, size_t *stride) {
  urn_val b;
  e->g(ev, e, &b);
  if (urn_is_scalar(b.ty)) { *stride = 0; return b.v; }
  if (b.n != x->n) urn_ev_reject(ev, "bound has %zu elements, but the variable has %zu", b.n, x->n);
  *stride = 1;
  return b.v;
}

int urn__model_decl_check(urn_ev *ev, const ir_decl *d, const urn_val *x, char *msg, size_t cap) {
  char en[64];
  if (x->ty.base == URN_TY_TUPLE) { /* every component by its own declaration */
    size_t nc = (size_t)d->ncomps, total = urn_val_count(x) * nc;
    for (size_t i = 0; i < total; i++)
      if (urn__model_decl_check(ev, d->comps[i % nc], &x->tv[i], msg, cap)) return -1;
    return 0;
  }
  const double tol = 1e-8;
  if (d->lower || d->upper) {
    size_t sl = 0, su = 0;
    const double *lo = d->lower ? bound_values(ev, d->lower, x, &sl) : NULL;
    const double *hi = d->upper ? bound_values(ev, d->upper, x, &su) : NULL;
    for (size_t i = 0; i < x->n; i++) {
      double v = x->v[i];
      if (lo && !(v >= lo[i * sl])) {
        elem_name(x, i, en, sizeof en);
        snprintf(msg, cap, "%s%s is %g, but must be >= %g", d->name, en, v, lo[i * sl]);
        return -1;
      }
      if (hi && !(v <= hi[i * su])) {
        elem_name(x, i, en, sizeof en);
        snprintf(msg, cap, "%s%s is %g, but must be <= %g", d->name, en, v, hi[i * su]);
        return -1;
      }
    }
  }
  /* the shape checks below are the constrained types' (simplex .. sum_to_zero_matrix): plain values have none, and
   * naming every array element for a message that is never written costs a snprintf each per evaluation */
  if (d->dtype < URN_DT_SIMPLEX || d->dtype > URN_DT_SUM_TO_ZERO_MATRIX) return 0;
  int na = x->ty.dims;
  size_t count = 1;
  for (int k = 0; k < na; k++) count *= (size_t)x->dim[k];
  size_t elem = count ? x->n / count : 0;
  for (size_t a = 0; a < count; a++) {
    const double *v = x->v + a * elem;
    char an[64] = "";
    if (na) {
      elem_name(x, a * elem, an, sizeof an);
      /* keep only the array part: cut after the array indexes */
      char *p = an;
      for (int commas = 0; *p; p++) if (*p == ',' && ++commas == na) { *p = ']', p[1] = 0; break; }
      (void)0;
    }
    size_t K = elem;
    switch (d->dtype) {
      case URN_DT_SIMPLEX: {
        double s = 0;
        for (size_t k = 0; k < K; k++) {
          if (!(v[k] >= 0)) { snprintf(msg, cap, "%s%s is not a valid simplex: element %zu is %g, but must be >= 0", d->name, an, k + 1, v[k]); return -1; }
          s += v[k];
        }
        if (!(fabs(s - 1) <= tol)) { snprintf(msg, cap, "%s%s is not a valid simplex: sum is %.17g, but must be 1", d->name, an, s); return -1; }
        break;
      }
      case URN_DT_ORDERED:
      case URN_DT_POSITIVE_ORDERED:
        if (d->dtype == URN_DT_POSITIVE_ORDERED && K > 0 && !(v[0] > 0)) {
          snprintf(msg, cap, "%s%s is not a valid positive_ordered vector: element 1 is %g, but must be > 0", d->name, an, v[0]);
          return -1;
        }
        for (size_t k = 1; k < K; k++)
          if (!(v[k] > v[k - 1])) {
            snprintf(msg, cap, "%s%s is not a valid ordered vector: element %zu is %g, but must be greater than the previous element %g",
                     d->name, an, k + 1, v[k], v[k - 1]);
            return -1;
          }
        break;
      case URN_DT_SUM_TO_ZERO_VECTOR: {
        double s = 0, scale = 0;
        for (size_t k = 0; k < K; k++) s += v[k], scale += fabs(v[k]);
        if (!(fabs(s) <= tol * (1 + scale))) { snprintf(msg, cap, "%s%s is not a valid sum_to_zero_vector: sum is %.17g, but must be 0", d->name, an, s); return -1; }
        break;
      }
      case URN_DT_UNIT_VECTOR: {
        double s = 0;
        for (size_t k = 0; k < K; k++) s += v[k] * v[k];
        if (!(fabs(s - 1) <= tol)) { snprintf(msg, cap, "%s%s is not a valid unit vector: squared norm is %g, but must be 1", d->name, an, s); return -1; }
        break;
      }
      case URN_DT_COV_MATRIX:
      case URN_DT_CORR_MATRIX:
      case URN_DT_CHOLESKY_FACTOR_CORR:
      case URN_DT_CHOLESKY_FACTOR_COV: {
        int R = x->dim[na], C = x->dim[na + 1];
        if (d->dtype == URN_DT_COV_MATRIX || d->dtype == URN_DT_CORR_MATRIX) {
          for (int i = 0; i < R; i++)
            for (int j = 0; j < i; j++)
              if (!(fabs(v[i + j * R] - v[j + i * R]) <= tol * (1 + fabs(v[i + j * R])))) {
                snprintf(msg, cap, "%s%s is not symmetric: [%d, %d] is %g but [%d, %d] is %g", d->name, an, i + 1, j + 1,
                         v[i + j * R], j + 1, i + 1, v[j + i * R]);
                return -1;
              }
          if (d->dtype == URN_DT_CORR_MATRIX)
            for (int i = 0; i < R; i++)
              if (!(fabs(v[i + i * R] - 1) <= tol)) { snprintf(msg, cap, "%s%s is not a valid correlation matrix: diagonal element %d is %g, but must be 1", d->name, an, i + 1, v[i + i * R]); return -1; }
          /* positive definite: Cholesky */
          double L[64 * 64];
          if (R <= 64) {
            for (int j = 0; j < R; j++) {
              double s = v[j + j * R];
              for (int k = 0; k < j; k++) s -= L[j + k * R] * L[j + k * R];
              if (!(s > 0)) { snprintf(msg, cap, "%s%s is not positive definite", d->name, an); return -1; }
              L[j + j * R] = sqrt(s);
              for (int i = j + 1; i < R; i++) {
                double t = v[i + j * R];
                for (int k = 0; k < j; k++) t -= L[i + k * R] * L[j + k * R];
                L[i + j * R] = t / L[j + j * R];
              }
            }
          }
        } else {
          for (int j = 0; j < C; j++)
            for (int i = 0; i < j && i < R; i++)
              if (v[i + j * R] != 0) { snprintf(msg, cap, "%s%s is not lower triangular: [%d, %d] is %g", d->name, an, i + 1, j + 1, v[i + j * R]); return -1; }
          for (int i = 0; i < C && i < R; i++)
            if (!(v[i + i * R] > 0)) { snprintf(msg, cap, "%s%s is not a valid Cholesky factor: diagonal element %d is %g, but must be > 0", d->name, an, i + 1, v[i + i * R]); return -1; }
          if (d->dtype == URN_DT_CHOLESKY_FACTOR_CORR)
            for (int i = 0; i < R; i++) {
              double s = 0;
              for (int j = 0; j < C; j++) s += v[i + j * R] * v[i + j * R];
              if (!(fabs(s - 1) <= tol)) { snprintf(msg, cap, "%s%s is not a valid correlation Cholesky factor: row %d has squared norm %g, but must be 1", d->name, an, i + 1, s); return -1; }
            }
        }
        break;
      }
      case URN_DT_COLUMN_STOCHASTIC_MATRIX:
      case URN_DT_ROW_STOCHASTIC_MATRIX:
      case URN_DT_SUM_TO_ZERO_MATRIX: {
        /* validated by model/transform.c's inverse, the one home of these rules */
        urn_transform_kind k = d->dtype == URN_DT_COLUMN_STOCHASTIC_MATRIX ? URN_TR_STOCHASTIC_COLUMN
                               : d->dtype == URN_DT_ROW_STOCHASTIC_MATRIX  ? URN_TR_STOCHASTIC_ROW
                                                                           : URN_TR_SUM_TO_ZERO_MATRIX;
        char nm[300];
        urn_error e2;
        snprintf(nm, sizeof nm, "%s%s", d->name, an);
        if (urn__model_transform_validate(k, (size_t)x->dim[na], (size_t)x->dim[na + 1], v, nm, &e2)) {
          snprintf(msg, cap, "%s", e2.msg);
          return -1;
        }
        break;
      }
      default: break;
    }
  }
  return 0;
}

/* Reads one data variable (its own setjmp frame, so the caller's loop state is safe). */
static int read_one(urn_ev *ev, const urn_prog *p, const ir_decl *d, const urn_json *root, const char *file,
                    urn_error *err) {
  urn_val *slot = &ev->glob[d->slot];
  urn_error e2;
  urn_error_clear(&e2);
  ev->err = &e2;
  if (setjmp(ev->jb))
    return urn_error_set(err, e2.code == URN_ENOMEM ? URN_ENOMEM : URN_EINPUT, "%s: variable '%s': %s", file, d->name, e2.msg);
  /* the declared sizes, checked against the data before anything is allocated: a size far larger than the data
     given is refused at once */
  urn_val shape;
  memset(&shape, 0, sizeof shape);
  shape.ty = d->ty, shape.n = 1;
  int nd = urn_ev_decl_dims(ev, d, shape.dim);
  shape.n = urn_ev_decl_total(ev, d, shape.dim, nd);
  const urn_json *v = root ? urn_json_get(root, d->name) : NULL;
  if (!v) {
    if (shape.n == 0) { /* an empty container may be left out */
      urn_ev_declare(ev, d, slot);
      return URN_OK;
    }
    return urn_error_set(err, URN_EINPUT, "%s: variable '%s' is missing (declared in the data block at %s:%d:%d)", file,
                         d->name, p->path, d->line, d->col);
  }
  char what[300];
  snprintf(what, sizeof what, "%s: variable '%s'", file, d->name);
  int is_int = d->ty.base == URN_TY_INT;
  int rc = urn__model_data_fill(&shape, v, is_int, what, err); /* dry run: shape.v is NULL */
  if (rc) return rc;
  urn_ev_declare(ev, d, slot);
  rc = urn__model_data_fill(slot, v, is_int, what, err);
  if (rc) return rc;
  char msg[600];
  if (urn__model_decl_check(ev, d, slot, msg, sizeof msg)) return urn_error_set(err, URN_EINPUT, "%s: variable %s", file, msg);
  return URN_OK;
}

int urn__model_data_read(urn_ev *ev, const urn_prog *p, const urn_json *root, const char *data_path, urn_error *err) {
  const char *file = data_path ? data_path : "data";
  if (root && root->type != URN_JSON_OBJECT)
    return urn_error_set(err, URN_EINPUT, "%s: the data must be a JSON object, found %s", file, urn_json_type_name(root->type));
  for (int i = 0; i < p->ndecls[URN_BLK_DATA]; i++) {
    int rc = read_one(ev, p, p->decls[URN_BLK_DATA][i], root, file, err);
    if (rc) return rc;
  }
  return URN_OK;
}
