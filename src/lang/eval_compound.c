/* lang/eval_compound.c — complex numbers and tuples in the evaluator:
 * promotion of values to a wider type (real -> complex changes the layout
 * from one to two doubles per element; tuples component by component), tuple
 * literals and component access, declaring tuple variables (each component
 * from its own declaration), whole-tuple assignment and unpacking, indexing
 * arrays of tuples, assignment targets inside tuples, and printing.
 *
 * A tuple value keeps its components in urn_val.tv (see eval.h): for an
 * array of tuples, ty.tup->n component values per array element, row-major.
 * Values are shared, not copied, when read (a variable's storage, a
 * component); assignment copies (after a deep copy of the source, so that
 * `(a, b) = (b, a)` swaps). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lang/eval.h"
#include "lang/eval_rt.h"

/* ---- promotion ---- */

void urn_val_promote(urn_ev *ev, const urn_val *src, urn_type want, urn_val *out) {
  if (want.base == URN_TY_TUPLE && src->ty.base == URN_TY_TUPLE) {
    urn_val_tuple_alloc(ev, out, want, src->dim);
    size_t nc = (size_t)want.tup->n, count = urn_val_count(src);
    for (size_t e = 0; e < count; e++)
      for (size_t c = 0; c < nc; c++) urn_val_promote(ev, &src->tv[e * nc + c], want.tup->elem[c], &out->tv[e * nc + c]);
    return;
  }
  if (!urn_base_is_complex(want.base) || urn_base_is_complex(src->ty.base)) { /* int -> real: same layout */
    *out = *src;
    out->ty = want;
    return;
  }
  urn_val_alloc(ev, out, want, src->dim, src->ix != NULL);
  for (size_t i = 0; i < src->n; i++) {
    out->v[2 * i] = src->v[i], out->v[2 * i + 1] = 0;
    if (out->ix) out->ix[2 * i] = src->ix[i];
  }
}

void rt_g_promote(urn_ev *ev, const ir_ex *e, urn_val *out) {
  urn_val v;
  e->a[0]->g(ev, e->a[0], &v);
  urn_val_promote(ev, &v, e->ty, out);
}

/* ---- tuple literals and components ---- */

void rt_g_tuple(urn_ev *ev, const ir_ex *e, urn_val *out) {
  urn_val_tuple_alloc(ev, out, e->ty, NULL);
  for (int i = 0; i < e->na; i++) e->a[i]->g(ev, e->a[i], &out->tv[i]);
}

void rt_g_tuple_get(urn_ev *ev, const ir_ex *e, urn_val *out) {
  urn_val t;
  e->a[0]->g(ev, e->a[0], &t);
  *out = t.tv[e->op];
}

/* ---- declarations ---- */

void urn_ev_declare_tuple(urn_ev *ev, const ir_decl *d, urn_val *slot, const int32_t *dim) {
  urn_val_tuple_alloc(ev, slot, d->ty, dim);
  size_t nc = (size_t)d->ncomps, count = urn_val_count(slot);
  for (size_t e = 0; e < count; e++)
    for (size_t c = 0; c < nc; c++) urn_ev_declare(ev, d->comps[c], &slot->tv[e * nc + c]);
}

/* ---- assignment ---- */

/* dst (a tuple slot, already shaped) <- src component by component, with the size checks of
 * assign_whole for every non-tuple component. */
void urn_val_assign_tuple(urn_ev *ev, urn_val *dst, const urn_val *src, int line, int col) {
  if (src->ty.base != URN_TY_TUPLE || urn_val_count(src) != urn_val_count(dst))
    urn_ev_reject(ev, "%s:%d:%d: assigning a tuple array of %zu elements to one of %zu", ev->prog->path, line, col,
                  urn_val_count(src), urn_val_count(dst));
  size_t n = urn_val_count(dst) * (size_t)dst->ty.tup->n;
  for (size_t i = 0; i < n; i++) {
    urn_val *d = &dst->tv[i];
    const urn_val *s = &src->tv[i];
    if (d->ty.base == URN_TY_TUPLE) {
      urn_val_assign_tuple(ev, d, s, line, col);
      continue;
    }
    if (d->ty.base != URN_TY_TUPLE && (s->n != d->n || (d->v == NULL && d->n))) {
      if (d->v == NULL) { /* an undeclared component (a tuple built by a function): take the value */
        urn_val_copy(ev, d, s);
        continue;
      }
      char a[96], b[96];
      urn_val_shape_name(d, a, sizeof a), urn_val_shape_name(s, b, sizeof b);
      urn_ev_reject(ev, "%s:%d:%d: assigning %s to a tuple component of shape %s: sizes do not match", ev->prog->path, line,
                    col, b, a);
    }
    for (int k = 0; k < urn_val_ndim(d->ty); k++)
      if (d->dim[k] != s->dim[k]) {
        char a[96], b[96];
        urn_val_shape_name(d, a, sizeof a), urn_val_shape_name(s, b, sizeof b);
        urn_ev_reject(ev, "%s:%d:%d: assigning %s to a tuple component of shape %s: sizes do not match", ev->prog->path, line,
                      col, b, a);
      }
    memcpy(d->v, s->v, s->n * sizeof(double));
    if (s->ix) {
      if (!d->ix) d->ix = urn_ev_nodes(ev, d->n);
      memcpy(d->ix, s->ix, s->n * sizeof(int32_t));
    } else if (d->ix) {
      for (size_t k = 0; k < d->n; k++) d->ix[k] = -1;
    }
  }
}

static size_t index_of(urn_ev *ev, const ir_ex *e, const ir_ex *ix, int32_t size) {
  double v;
  ix->s(ev, ix, &v);
  if (!(v >= 1 && v <= size) || v != floor(v))
    urn_ev_reject(ev, "%s:%d:%d: index %g out of range; expecting index to be between 1 and %d", ev->prog->path, e->line, e->col, v,
                  size);
  return (size_t)v - 1;
}

urn_val *urn_ev_lvalue(urn_ev *ev, const ir_ex *e, urn_val *view) {
  if (e->kind == URN_EX_VAR) return e->global ? &ev->glob[e->slot] : &ev->frame[e->slot];
  if (e->kind == URN_EX_TUPLE_GET) {
    urn_val v, *t = urn_ev_lvalue(ev, e->a[0], &v);
    if (!t) return NULL;
    return &t->tv[e->op];
  }
  if (e->kind == URN_EX_INDEX) { /* single indexes into an array of tuples: a view of the element */
    urn_val v, *t = urn_ev_lvalue(ev, e->a[0], &v);
    if (!t || t->ty.base != URN_TY_TUPLE) return NULL;
    urn_val cur = *t;
    for (int k = 0; k < e->nidx; k++) {
      if (e->idx[k].kind != URN_IDX_SINGLE || cur.ty.dims == 0) return NULL;
      urn_val el;
      urn_val_elem(&cur, index_of(ev, e, e->idx[k].lo, cur.dim[0]), &el);
      cur = el;
    }
    *view = cur;
    return view;
  }
  return NULL;
}

/* ---- indexing arrays of tuples ---- */

void urn_ev_index_tuples(urn_ev *ev, const ir_ex *e, const urn_val *base, urn_val *out) {
  urn_val cur = *base;
  int k = 0;
  for (; k < e->nidx && e->idx[k].kind == URN_IDX_SINGLE; k++) {
    urn_val el;
    urn_val_elem(&cur, index_of(ev, e, e->idx[k].lo, cur.dim[0]), &el);
    cur = el;
  }
  if (k == e->nidx) {
    *out = cur;
    return;
  }
  if (k + 1 != e->nidx || cur.ty.dims != 1)
    urn_ev_reject(ev, "%s:%d:%d: only the last index of an array of tuples may select several elements", ev->prog->path, e->line,
                  e->col);
  /* one multi / range index on a 1-d array of tuples */
  const ir_idx *ix = &e->idx[k];
  size_t n = (size_t)cur.dim[0], lo = 0, cnt = n, *pos = NULL;
  if (ix->kind == URN_IDX_MULTI) {
    urn_val m;
    ix->lo->g(ev, ix->lo, &m);
    cnt = m.n, pos = urn_arena_alloc(&ev->arena, (cnt + 1) * sizeof *pos);
    for (size_t i = 0; i < cnt; i++) {
      if (!(m.v[i] >= 1 && m.v[i] <= (double)n)) urn_ev_reject(ev, "%s:%d:%d: index %g out of range", ev->prog->path, e->line, e->col, m.v[i]);
      pos[i] = (size_t)m.v[i] - 1;
    }
  } else if (ix->kind != URN_IDX_ALL) {
    double a = 1, b = (double)n;
    if (ix->lo) ix->lo->s(ev, ix->lo, &a);
    if (ix->hi) ix->hi->s(ev, ix->hi, &b);
    if (b >= a && (a < 1 || b > (double)n)) urn_ev_reject(ev, "%s:%d:%d: range %g:%g out of range", ev->prog->path, e->line, e->col, a, b);
    lo = (size_t)a - 1, cnt = b >= a ? (size_t)(b - a + 1) : 0;
  }
  int32_t dim[1] = {(int32_t)cnt};
  urn_val_tuple_alloc(ev, out, cur.ty, dim);
  size_t nc = (size_t)cur.ty.tup->n;
  for (size_t i = 0; i < cnt; i++)
    memcpy(&out->tv[i * nc], &cur.tv[(pos ? pos[i] : lo + i) * nc], nc * sizeof *out->tv);
}

