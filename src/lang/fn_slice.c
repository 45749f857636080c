/* lang/fn_slice.c — slices read in place, and the dot-product kernel.
 *
 * A renewal recursion (posteriordb's covid19imperial programs) takes, per day i, `dot_product(sub_col(prediction,
 * 1, m, i - 1), tail(SI_rev, i - 1))`: a dot product of growing slices, O(N^2) element products per gradient.
 * Interpreted plainly, each slice was a fresh container (its values and tape references copied, its scalar
 * arguments each given arena storage) and the dot product's scalar result another.  Here:
 *   - the contiguous slicing built-ins (head, tail, segment, col, and sub_col: a matrix is column-major) return a
 *     view of their operand (its values and references in place, fn_array.c / fn_linalg.c), the strided ones
 *     (row, sub_row, block) a copy as before;
 *   - a call of a slicing built-in evaluates its int arguments through their scalar evaluation into the C stack
 *     (slice_g), not into arena storage: the built-in only reads them;
 *   - dot_product / dot_self of real containers evaluates through dot_s: its arguments' general values (views,
 *     when they are slices) straight into urn_fn_dot, without a container for its result;
 *   - urn_fn_dot is the one kernel every path calls (the built-in f_dot_product, dot_s): the sum in index order
 *     s += x[i] * y[i] from 0, and one tape node whose partials are, per element, x's (y[i]) then y's (x[i]),
 *     constants left out.  Its bits are those of the code it replaced (the same sum, the same node).
 * The native tier (native/emit.c) emits none of these calls (a program using them runs in the interpreter). */
#include <string.h>

#include "lang/eval_rt.h"
#include "lang/fn.h"

double urn_fn_dot(urn_ev *ev, size_t n, const double *x, const int32_t *xi, const double *y, const int32_t *yi,
                  int32_t *node) {
  double s = 0;
  *node = -1;
  if (!xi && !yi) {
    for (size_t i = 0; i < n; i++) s += x[i] * y[i];
    return s;
  }
  int32_t *o;
  double *p;
  urn_tape_begin(&ev->tape, (xi && yi ? 2 : 1) * n, &o, &p);
  size_t m = 0;
  /* the sum and the partials in one pass (a constant's slot is written, then overwritten: m does not move) */
  if (xi && yi) {
    for (size_t i = 0; i < n; i++) {
      s += x[i] * y[i];
      int32_t a = xi[i], c = yi[i];
      o[m] = a, p[m] = y[i], m += a >= 0;
      o[m] = c, p[m] = x[i], m += c >= 0;
    }
  } else if (xi) {
    for (size_t i = 0; i < n; i++) {
      s += x[i] * y[i];
      o[m] = xi[i], p[m] = y[i], m += xi[i] >= 0;
    }
  } else {
    for (size_t i = 0; i < n; i++) {
      s += x[i] * y[i];
      o[m] = yi[i], p[m] = x[i], m += yi[i] >= 0;
    }
  }
  *node = urn_tape_end(&ev->tape, s, m);
  return s;
}

/* A call of a slicing built-in: its container argument's general value, its int arguments through `s` into the
 * stack (the built-in reads args[k].v[0] and keeps no pointer to them), then the built-in (a view or a copy). */
static void slice_g(urn_ev *ev, const ir_ex *e, urn_val *out) {
  urn_val args[5];
  double sv[5];
  for (int i = 0; i < e->na; i++) {
    const ir_ex *a = e->a[i];
    if (i > 0) {
      a->s(ev, a, &sv[i]); /* an int: never a tape node */
      memset(&args[i], 0, sizeof args[i]);
      args[i].v = &sv[i], args[i].n = 1, args[i].ty = a->ty;
    } else {
      a->g(ev, a, &args[i]);
    }
  }
  e->bi->fn(ev, e->bi, out, args, e->na);
  out->ty = e->ty;
}

/* dot_product(x, y) / dot_self(x) of real containers (aux2 1: dot_self), as f_dot_product computes it. */
static int32_t dot_s(urn_ev *ev, const ir_ex *e, double *out) {
  urn_val x, y;
  e->a[0]->g(ev, e->a[0], &x);
  if (e->bi->aux2) y = x;
  else e->a[1]->g(ev, e->a[1], &y);
  if (x.n != y.n) urn_ev_reject(ev, "%s: sizes %zu and %zu do not match", e->bi->name, x.n, y.n);
  int32_t r;
  *out = urn_fn_dot(ev, x.n, x.v, x.ix, y.v, y.ix, &r);
  return r;
}

/* Is e a call of one of the real slicing built-ins whose arguments after the first are int scalars? */
static int is_slice_call(const ir_ex *e) {
  static const char *const names[] = {"head", "tail", "segment", "col", "row", "sub_col", "sub_row", "block"};
  if (e->kind != URN_EX_CALL || e->fun || !e->bi || !e->bi->fn || e->g != rt_g_call || e->na < 2 || e->na > 5 ||
      e->bi->sig[0] == '~')
    return 0;
  int known = 0;
  for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) known |= strcmp(e->bi->name, names[k]) == 0;
  if (!known || e->a[0]->ty.base == URN_TY_TUPLE) return 0;
  for (int i = 1; i < e->na; i++)
    if (!e->a[i]->s || e->a[i]->ty.dims || e->a[i]->ty.base != URN_TY_INT) return 0;
  return 1;
}

void urn_fn_slice_plan(ir_ex *e) {
  if (is_slice_call(e)) {
    e->g = slice_g;
    return;
  }
  if (e->kind != URN_EX_CALL || e->fun || !e->bi || e->g != rt_g_call || e->s != rt_s_via_g ||
      e->ty.base != URN_TY_REAL || e->ty.dims)
    return;
  int self = strcmp(e->bi->name, "dot_self") == 0;
  if (!self && strcmp(e->bi->name, "dot_product") != 0) return;
  if (e->na != (self ? 1 : 2) || e->bi->sig[0] == '~') return;
  for (int i = 0; i < e->na; i++)
    if (urn_base_is_complex(e->a[i]->ty.base) || e->a[i]->ty.base == URN_TY_TUPLE) return;
  e->s = dot_s;
}
