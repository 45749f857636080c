/* lang/eval.c — running the resolved program (lang/eval.h) on the tape:
 * expression nodes (scalar fast paths and general paths), statements,
 * user-function calls, and the value helpers the built-ins use.
 *
 * Scalar-typed expressions evaluate through `s` (value into a double, tape
 * node returned): a loop body like `lps[k] = log_pi[k] + normal_lpdf(y[n] |
 * x[n] * w[k] + c[k], sigma[k])` is a walk over pre-resolved nodes with no
 * allocation, no name lookup and no overload resolution.  Containers
 * evaluate through `g` into arena storage. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/eval.h"
#include "lang/fn.h"
#include "lang/eval_rt.h"
#include "math/dist.h"

/* ---- errors and target ---- */

/* In a program with #include, a message "path:LINE:COL: ..." counts LINE in the expanded text: name the file
 * and line it came from instead (lang/include.h).  Nothing to do (and no cost) without #include. */
static void map_position(const urn_ev *ev, char *msg, size_t cap) {
  const urn_program *a = ev->prog ? ev->prog->ast : NULL;
  if (!a || !a->nsegs || !ev->prog->path) return;
  size_t pl = strlen(ev->prog->path);
  if (strncmp(msg, ev->prog->path, pl) != 0 || msg[pl] != ':') return;
  char *end;
  long line = strtol(msg + pl + 1, &end, 10);
  if (end == msg + pl + 1 || *end != ':' || line < 1 || line > 2147483647L) return;
  int fline;
  const char *file = urn_program_where(a, (int)line, &fline);
  char tmp[sizeof ev->err->msg];
  snprintf(tmp, sizeof tmp, "%s:%d%s", file, fline, end);
  snprintf(msg, cap, "%s", tmp);
}

void urn_ev_reject(urn_ev *ev, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (ev->err) {
    ev->err->code = URN_EREJECT;
    vsnprintf(ev->err->msg, sizeof ev->err->msg, fmt, ap);
    map_position(ev, ev->err->msg, sizeof ev->err->msg);
  }
  va_end(ap);
  longjmp(ev->jb, 1);
}

void urn_ev_fail(urn_ev *ev, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (ev->err) {
    ev->err->code = code;
    vsnprintf(ev->err->msg, sizeof ev->err->msg, fmt, ap);
    map_position(ev, ev->err->msg, sizeof ev->err->msg);
  }
  va_end(ap);
  longjmp(ev->jb, 1);
}

void urn_ev_stopped(urn_ev *ev) { urn_ev_fail(ev, URN_EINTR, "interrupted (stopped by a signal or the time limit)"); }

void urn_ev_oom(urn_ev *ev, size_t n, size_t size) {
  char b[32];
  urn_format_bytes(b, sizeof b, (double)n * (double)size);
  urn_ev_fail(ev, URN_ENOMEM, "out of memory: %zu values (%s) cannot be allocated", n, b);
}

void urn_ev_target_add(urn_ev *ev, double v, int32_t ix, double w) {
  if (ix < 0) { ev->target_c += w * v; return; }
  if (ev->ntarget == ev->target_cap) {
    size_t cap = ev->target_cap ? 2 * ev->target_cap : 256;
    int32_t *ix2 = cap < SIZE_MAX / 16 ? realloc(ev->target_ix, cap * sizeof *ev->target_ix) : NULL;
    if (ix2) ev->target_ix = ix2;
    double *w2 = ix2 ? realloc(ev->target_w, cap * sizeof *ev->target_w) : NULL;
    if (w2) ev->target_w = w2;
    if (!ix2 || !w2) urn_ev_oom(ev, cap, sizeof(int32_t) + sizeof(double));
    ev->target_cap = cap;
  }
  ev->target_ix[ev->ntarget] = ix;
  ev->target_w[ev->ntarget++] = w;
  ev->target_c += 0; /* value of var terms is summed at the end from the tape */
}

void urn_ev_target_run(urn_ev *ev, int32_t first, size_t n) {
  size_t used = ev->ntarget;
  while (used + n > ev->target_cap) { /* grow the arrays as urn_ev_target_add does */
    ev->ntarget = ev->target_cap;
    urn_ev_target_add(ev, 0, first, 1);
    ev->ntarget = used;
  }
  for (size_t i = 0; i < n; i++) ev->target_ix[ev->ntarget + i] = first + (int32_t)i, ev->target_w[ev->ntarget + i] = 1;
  ev->ntarget += n;
}

double urn_ev_target_value(const urn_ev *ev) {
  double s = ev->target_c;
  for (size_t i = 0; i < ev->ntarget; i++) s += ev->target_w[i] * ev->tape.val[ev->target_ix[i]];
  return s;
}

int32_t urn_ev_target_node(urn_ev *ev, double *value) {
  double v = urn_ev_target_value(ev);
  *value = v;
  if (!ev->ntarget) return -1;
  int32_t *o; double *p;
  urn_tape_begin(&ev->tape, ev->ntarget, &o, &p);
  for (size_t i = 0; i < ev->ntarget; i++) o[i] = ev->target_ix[i], p[i] = ev->target_w[i];
  return urn_tape_end(&ev->tape, v, ev->ntarget);
}

/* ---- values ---- */

void urn_val_alloc(urn_ev *ev, urn_val *out, urn_type ty, const int32_t *dim, int with_ix) {
  int nd = urn_val_ndim(ty);
  size_t n = (size_t)urn_base_width(ty.base);
  for (int i = 0; i < nd; i++) {
    out->dim[i] = dim[i] < 0 ? 0 : dim[i];
    n *= (size_t)out->dim[i];
  }
  out->ty = ty;
  out->n = n;
  out->tv = NULL;
  if (!with_ix) {
    out->v = urn_ev_doubles(ev, n);
    out->ix = NULL;
    return;
  }
  /* one block: the values, then their tape nodes */
  out->v = (double *)urn_ev_alloc(ev, n, sizeof(double) + sizeof(int32_t));
  out->ix = (int32_t *)(void *)(out->v + n);
  for (size_t i = 0; i < n; i++) out->ix[i] = -1;
}

void urn_val_tuple_alloc(urn_ev *ev, urn_val *out, urn_type ty, const int32_t *dim) {
  memset(out, 0, sizeof *out);
  out->ty = ty;
  for (int d = 0; d < ty.dims; d++) out->dim[d] = dim[d] < 0 ? 0 : dim[d];
  size_t count = urn_val_count(out) * (size_t)ty.tup->n;
  out->tv = urn_arena_alloc(&ev->arena, (count ? count : 1) * sizeof *out->tv);
}

void urn_val_copy(urn_ev *ev, urn_val *out, const urn_val *src) {
  if (src->ty.base == URN_TY_TUPLE) {
    urn_val_tuple_alloc(ev, out, src->ty, src->dim);
    size_t count = urn_val_count(src) * (size_t)src->ty.tup->n;
    for (size_t i = 0; i < count; i++) urn_val_copy(ev, &out->tv[i], &src->tv[i]);
    return;
  }
  urn_val_alloc(ev, out, src->ty, src->dim, src->ix != NULL);
  memcpy(out->v, src->v, src->n * sizeof(double));
  if (src->ix) memcpy(out->ix, src->ix, src->n * sizeof(int32_t));
}

void urn_val_elem(const urn_val *x, size_t i, urn_val *out) {
  if (x->ty.base == URN_TY_TUPLE) { /* element i's components */
    *out = *x;
    out->ty.dims--;
    for (int k = 1; k < x->ty.dims; k++) out->dim[k - 1] = x->dim[k];
    out->tv = x->tv + i * (urn_val_count(out) * (size_t)x->ty.tup->n);
    return;
  }
  size_t count = (size_t)x->dim[0], elem = count ? x->n / count : 0;
  out->ty = x->ty;
  out->ty.dims--;
  int nd = urn_val_ndim(x->ty);
  for (int k = 1; k < nd; k++) out->dim[k - 1] = x->dim[k];
  out->n = elem;
  out->v = x->v + i * elem;
  out->ix = x->ix ? x->ix + i * elem : NULL;
}

void urn_val_shape_name(const urn_val *x, char *out, size_t cap) {
  urn_buf b;
  urn_buf_init(&b);
  if (x->ty.dims) {
    urn_buf_puts(&b, "array[");
    for (int i = 0; i < x->ty.dims; i++) urn_buf_printf(&b, "%s%d", i ? ", " : "", x->dim[i]);
    urn_buf_puts(&b, "] ");
  }
  char base[256];
  urn_type bt = x->ty;
  bt.dims = 0;
  urn_type_format(bt, base, sizeof base);
  urn_buf_puts(&b, base);
  int nd = urn_base_ndim(x->ty.base);
  if (nd == 1) urn_buf_printf(&b, "[%d]", x->dim[x->ty.dims]);
  if (nd == 2) urn_buf_printf(&b, "[%d, %d]", x->dim[x->ty.dims], x->dim[x->ty.dims + 1]);
  snprintf(out, cap, "%s", b.data);
  urn_buf_free(&b);
}

/* ---- expressions ---- */

static inline urn_val *slot_of(urn_ev *ev, const ir_ex *e) { return e->global ? &ev->glob[e->slot] : &ev->frame[e->slot]; }

int32_t rt_s_const(urn_ev *ev, const ir_ex *e, double *out) {
  *out = e->c;
  return -1;
}
void rt_g_const(urn_ev *ev, const ir_ex *e, urn_val *out) { *out = e->cv; }

int32_t rt_s_var(urn_ev *ev, const ir_ex *e, double *out) {
  const urn_val *x = slot_of(ev, e);
  *out = x->v[0];
  return x->ix ? x->ix[0] : -1;
}
void rt_g_var(urn_ev *ev, const ir_ex *e, urn_val *out) { *out = *slot_of(ev, e); }

static int32_t ucall_scalar(urn_ev *ev, const ir_ex *e, double *out);

/* Scalar evaluation through the general path (a user function returning a scalar: without the value's storage). */
int32_t rt_s_via_g(urn_ev *ev, const ir_ex *e, double *out) {
  if (e->g == rt_g_ucall) return ucall_scalar(ev, e, out);
  urn_val v;
  e->g(ev, e, &v);
  *out = v.v[0];
  return v.ix ? v.ix[0] : -1;
}
/* General evaluation through the scalar path. */
void rt_g_via_s(urn_ev *ev, const ir_ex *e, urn_val *out) {
  double v;
  int32_t ix = e->s(ev, e, &v);
  urn_val_set_scalar(ev, out, e->ty.base, v, ix);
}

/* Scalar arithmetic: the common operators without any dispatch. */
int32_t rt_s_add(urn_ev *ev, const ir_ex *e, double *out) {
  double x, y;
  int32_t a = e->a[0]->s(ev, e->a[0], &x), b = e->a[1]->s(ev, e->a[1], &y);
  *out = x + y;
  if (a < 0 && b < 0) return -1;
  return urn_tape_push2(&ev->tape, *out, a, 1, b, 1);
}
int32_t rt_s_sub(urn_ev *ev, const ir_ex *e, double *out) {
  double x, y;
  int32_t a = e->a[0]->s(ev, e->a[0], &x), b = e->a[1]->s(ev, e->a[1], &y);
  *out = x - y;
  if (a < 0 && b < 0) return -1;
  return urn_tape_push2(&ev->tape, *out, a, 1, b, -1);
}
int32_t rt_s_mul(urn_ev *ev, const ir_ex *e, double *out) {
  double x, y;
  int32_t a = e->a[0]->s(ev, e->a[0], &x), b = e->a[1]->s(ev, e->a[1], &y);
  *out = x * y;
  if (a < 0 && b < 0) return -1;
  return urn_tape_push2(&ev->tape, *out, a, y, b, x);
}
int32_t rt_s_div(urn_ev *ev, const ir_ex *e, double *out) {
  double x, y;
  int32_t a = e->a[0]->s(ev, e->a[0], &x), b = e->a[1]->s(ev, e->a[1], &y);
  *out = x / y;
  if (a < 0 && b < 0) return -1;
  return urn_tape_push2(&ev->tape, *out, a, 1 / y, b, -*out / y);
}
int32_t rt_s_neg(urn_ev *ev, const ir_ex *e, double *out) {
  double x;
  int32_t a = e->a[0]->s(ev, e->a[0], &x);
  *out = -x;
  return a < 0 ? -1 : urn_tape_push1(&ev->tape, *out, a, -1);
}
int32_t rt_s_and(urn_ev *ev, const ir_ex *e, double *out) {
  double x, y;
  e->a[0]->s(ev, e->a[0], &x);
  if (x == 0) { *out = 0; return -1; }
  e->a[1]->s(ev, e->a[1], &y);
  *out = y != 0;
  return -1;
}
int32_t rt_s_or(urn_ev *ev, const ir_ex *e, double *out) {
  double x, y;
  e->a[0]->s(ev, e->a[0], &x);
  if (x != 0) { *out = 1; return -1; }
  e->a[1]->s(ev, e->a[1], &y);
  *out = y != 0;
  return -1;
}
int32_t rt_s_cond(urn_ev *ev, const ir_ex *e, double *out) {
  double c;
  e->a[0]->s(ev, e->a[0], &c);
  const ir_ex *w = c != 0 ? e->a[1] : e->a[2];
  return w->s(ev, w, out);
}
void rt_g_cond(urn_ev *ev, const ir_ex *e, urn_val *out) {
  double c;
  e->a[0]->s(ev, e->a[0], &c);
  const ir_ex *w = c != 0 ? e->a[1] : e->a[2];
  w->g(ev, w, out);
  if (out->ty.base == URN_TY_INT && e->ty.base == URN_TY_REAL) out->ty.base = URN_TY_REAL;
}
int32_t rt_s_target(urn_ev *ev, const ir_ex *e, double *out) { return urn_ev_target_node(ev, out); }

/* Stan's int is 32-bit: an int result outside its range (2147483647 + 1, -(-2147483648), a sum of large ints)
 * is an error, never a silently wrong number.  x: the scalar arguments (NULL for a container call). */
static inline int int_out_of_range(double v) { return !(v >= -2147483648.0 && v <= 2147483647.0); }
static void int_overflow(urn_ev *ev, const ir_ex *e, const double *x, double v) {
  const char *name = e->bi ? e->bi->name : "an integer operation";
  if (isnan(v)) /* the int kernels' mark of a zero divisor */
    urn_ev_reject(ev, "%s:%d:%d: %s: integer division by zero", ev->prog->path, e->line, e->col, name);
  if (x && e->na == 2)
    urn_ev_reject(ev, "%s:%d:%d: integer overflow: %s(%.0f, %.0f) = %.17g is outside the range of int "
                  "[-2147483648, 2147483647]", ev->prog->path, e->line, e->col, name, x[0], x[1], v);
  if (x && e->na == 1)
    urn_ev_reject(ev, "%s:%d:%d: integer overflow: %s(%.0f) = %.17g is outside the range of int "
                  "[-2147483648, 2147483647]", ev->prog->path, e->line, e->col, name, x[0], v);
  urn_ev_reject(ev, "%s:%d:%d: integer overflow: %s gives %.17g, outside the range of int [-2147483648, 2147483647]",
                ev->prog->path, e->line, e->col, name, v);
}

/* Built-in calls: all arguments scalar and a scalar kernel. */
int32_t rt_s_call_scalar(urn_ev *ev, const ir_ex *e, double *out) {
  double x[8];
  int32_t ix[8];
  for (int i = 0; i < e->na; i++) ix[i] = e->a[i]->s(ev, e->a[i], &x[i]);
  if (e->kind == URN_EX_BINARY && e->ty.base == URN_TY_INT && (e->op == URN_OP_ADD || e->op == URN_OP_SUB)) {
    /* int + and - (`rows(x) + 1`, `y + 1`): the kernels' exact x + y, x - y (ints have no nodes); out of int's
       range: the kernel below, for its message */
    double r = e->op == URN_OP_ADD ? x[0] + x[1] : x[0] - x[1];
    if (!int_out_of_range(r)) { *out = r; return -1; }
  }
  int32_t r = e->bi->sfn(ev, e->bi, x, ix, out);
  if (e->ty.base == URN_TY_INT && int_out_of_range(*out)) int_overflow(ev, e, x, *out);
  return r;
}
/* General built-in call. */
void rt_g_call(urn_ev *ev, const ir_ex *e, urn_val *out) {
  urn_val small[16]; /* variadic calls (ode_adjoint_tol_ctl, ...) may have more */
  urn_val *args = e->na <= 16 ? small : urn_arena_alloc(&ev->arena, (size_t)e->na * sizeof *args);
  double *sv = NULL; /* the (value, node) pairs of scalar arguments evaluated through `s`: one block for all */
  for (int i = 0; i < e->na; i++) {
    const ir_ex *a = e->a[i];
    if (a->g != rt_g_via_s) { a->g(ev, a, &args[i]); continue; }
    if (!sv) sv = urn_ev_alloc_raw(ev, 2 * (size_t)e->na, sizeof(double)); /* pairs written as used */
    double *v = sv + 2 * i;
    int32_t *ix = (int32_t *)(void *)(v + 1);
    *ix = a->s(ev, a, v); /* the value rt_g_via_s would make, without a block per argument */
    args[i].ty = (urn_type){a->ty.base, 0}, args[i].n = 1, args[i].v = v, args[i].ix = *ix >= 0 ? ix : NULL;
    args[i].tv = NULL;
  }
  e->bi->fn(ev, e->bi, out, args, e->na);
  out->ty = e->ty;
  if (out->ty.base == URN_TY_INT && e->ty.base == URN_TY_REAL) out->ty.base = URN_TY_REAL;
  if (e->ty.base == URN_TY_INT)
    for (size_t i = 0; i < out->n; i++)
      if (int_out_of_range(out->v[i])) {
        double x[2];
        int scalar_args = e->na <= 2;
        for (int k = 0; k < e->na && k < 2; k++) scalar_args &= args[k].n == 1, x[k] = args[k].n ? args[k].v[0] : 0;
        int_overflow(ev, e, scalar_args ? x : NULL, out->v[i]);
      }
}

/* Distribution calls (foo_lpdf(...), ~): the parameter dependence of each
 * argument is static (novar), so that propto drops exactly Stan's terms. */
int32_t rt_dist_eval(urn_ev *ev, const urn_builtin *bi, ir_ex *const *a, int na, int propto, int memo, double *out) {
  urn_val args[URN_DIST_MAX_ARGS];
  urn_dmemo *memos[URN_DIST_MAX_ARGS];
  /* a pure argument's values change only while transformed data is being built */
  memo = memo && ev->block != URN_BLK_TDATA && ev->block != URN_BLK_DATA;
  double sv[URN_DIST_MAX_ARGS];
  int32_t si[URN_DIST_MAX_ARGS];
  int is_var[URN_DIST_MAX_ARGS];
  for (int i = 0; i < na && i < URN_DIST_MAX_ARGS; i++) {
    const ir_ex *x = a[i];
    is_var[i] = !x->novar;
    memos[i] = memo && x->pure ? &a[i]->memo : NULL;
    if (x->s && urn_is_scalar(x->ty)) {
      si[i] = x->s(ev, x, &sv[i]);
      args[i].v = &sv[i], args[i].ix = si[i] >= 0 ? &si[i] : NULL, args[i].n = 1, args[i].ty = x->ty;
    } else {
      x->g(ev, x, &args[i]);
    }
  }
  if (bi->aux2 != URN_DF_RNG) return urn_fn_dist_node(ev, bi, args, na, is_var, propto, memos, out);
  urn_val r;
  urn_fn_dist_call(ev, bi, &r, args, na, is_var, propto, memos);
  *out = r.v[0];
  return r.ix ? r.ix[0] : -1;
}
int32_t rt_s_dist(urn_ev *ev, const ir_ex *e, double *out) {
  return rt_dist_eval(ev, e->bi, e->a, e->na, e->propto && ev->propto, 1, out);
}
void rt_g_dist(urn_ev *ev, const ir_ex *e, urn_val *out) {
  if ((e->bi->flags & URN_BI_RNG)) { rt_g_call(ev, e, out); return; }
  double v;
  int32_t ix = rt_s_dist(ev, e, &v);
  urn_val_set_scalar(ev, out, URN_TY_REAL, v, ix);
}

/* ---- indexing ---- */

/* Checks a 1-based index against a size. */
static inline size_t check_index(urn_ev *ev, const ir_ex *e, double i, int32_t size) {
  if (!(i >= 1 && i <= size)) {
    urn_ev_reject(ev, "%s:%d:%d: index %.0f out of range; expecting index to be between 1 and %d", ev->prog->path,
                  e->line, e->col, i, size);
  }
  return (size_t)i - 1;
}

/* The value of a single index: a variable (a loop's) read in place, `i + c` / `i - c` of an int variable and
 * an int constant computed in place (an exact sum, as the int kernel's; out of int's range: the kernel, for its
 * message), anything else through its scalar evaluation. */
static inline double index_value(urn_ev *ev, const ir_ex *ie) {
  if (ie->s == rt_s_var) return slot_of(ev, ie)->v[0];
  if (ie->s == rt_s_index1v) { /* an index read from an int array at a loop variable (`theta[jj[n]]`): in place */
    const urn_val *x = slot_of(ev, ie->a[0]);
    return x->v[check_index(ev, ie, slot_of(ev, ie->idx[0].lo)->v[0], x->dim[0])];
  }
  if (ie->s == rt_s_call_scalar && ie->kind == URN_EX_BINARY && ie->ty.base == URN_TY_INT &&
      (ie->op == URN_OP_ADD || ie->op == URN_OP_SUB) && ie->a[0]->s == rt_s_var && ie->a[1]->s == rt_s_const) {
    double x = slot_of(ev, ie->a[0])->v[0], c = ie->a[1]->c, r = ie->op == URN_OP_ADD ? x + c : x - c;
    if (r >= -2147483648.0 && r <= 2147483647.0) return r;
  }
  double v;
  ie->s(ev, ie, &v);
  return v;
}

/* x[i1, ..., ik] with single indexes only and a scalar result: one offset. */
int32_t rt_s_index(urn_ev *ev, const ir_ex *e, double *out) {
  urn_val tmp;
  const urn_val *base;
  const ir_ex *b = e->a[0];
  if (b->kind == URN_EX_VAR) base = slot_of(ev, b);
  else b->g(ev, b, &tmp), base = &tmp;
  int nd = urn_val_ndim(base->ty);
  /* storage: array dims row-major, then column-major inside the element */
  int na = base->ty.dims;
  size_t inner = 1;
  for (int d = na; d < nd; d++) inner *= (size_t)base->dim[d];
  size_t aoff = 0;
  int k = 0;
  for (; k < e->nidx && k < na; k++)
    aoff = aoff * (size_t)base->dim[k] + check_index(ev, e, index_value(ev, e->idx[k].lo), base->dim[k]);
  size_t ioff = 0;
  if (k < e->nidx) {
    size_t r = check_index(ev, e, index_value(ev, e->idx[k].lo), base->dim[na]);
    k++;
    if (base->ty.base == URN_TY_MATRIX) {
      size_t c = check_index(ev, e, index_value(ev, e->idx[k].lo), base->dim[na + 1]);
      ioff = r + c * (size_t)base->dim[na];
    } else {
      ioff = r;
    }
  }
  size_t off = aoff * inner + ioff;
  *out = base->v[off];
  return base->ix ? base->ix[off] : -1;
}

/* Resolved index list: for each dimension of the base, the chosen positions. */
typedef struct sel {
  int kind;        /* 0 single (drops the dimension), 1 list */
  size_t n;        /* number of positions */
  size_t *pos;     /* 0-based positions (list) */
  size_t single;   /* the position (single) */
} sel;

static void build_sel(urn_ev *ev, const ir_ex *e, const ir_idx *ix, int32_t size, sel *s) {
  double lo, hi;
  switch (ix->kind) {
    case URN_IDX_SINGLE:
      ix->lo->s(ev, ix->lo, &lo);
      s->kind = 0, s->n = 1, s->single = check_index(ev, e, lo, size);
      return;
    case URN_IDX_MULTI: {
      urn_val m;
      ix->lo->g(ev, ix->lo, &m);
      s->kind = 1, s->n = m.n;
      s->pos = urn_arena_alloc(&ev->arena, (m.n + 1) * sizeof(size_t));
      for (size_t i = 0; i < m.n; i++) s->pos[i] = check_index(ev, e, m.v[i], size);
      return;
    }
    default: {
      long a = 1, b = size;
      if (ix->kind == URN_IDX_LOWER || ix->kind == URN_IDX_RANGE) ix->lo->s(ev, ix->lo, &lo), a = (long)lo;
      if (ix->kind == URN_IDX_UPPER || ix->kind == URN_IDX_RANGE) ix->hi->s(ev, ix->hi, &hi), b = (long)hi;
      s->kind = 1;
      s->n = b >= a ? (size_t)(b - a + 1) : 0;
      s->pos = urn_arena_alloc(&ev->arena, (s->n + 1) * sizeof(size_t));
      for (size_t i = 0; i < s->n; i++) s->pos[i] = check_index(ev, e, (double)(a + (long)i), size);
    }
  }
}

/* Computes, for a (possibly partial) index list over base, the storage
 * offsets of the selected scalars in the result's storage order, and the
 * result shape.  Used for reads and writes. */
static size_t *index_offsets(urn_ev *ev, const ir_ex *e, const urn_val *base, urn_type *rty, int32_t *rdim) {
  int nd = urn_val_ndim(base->ty), na = base->ty.dims;
  sel s[URN_MAX_DIMS];
  for (int d = 0; d < nd; d++) {
    if (d < e->nidx) build_sel(ev, e, &e->idx[d], base->dim[d], &s[d]);
    else s[d].kind = 1, s[d].n = (size_t)base->dim[d], s[d].pos = NULL;
  }
  /* result type */
  int kept_arr = 0;
  for (int d = 0; d < na; d++) if (s[d].kind) rdim[kept_arr++] = (int32_t)s[d].n;
  int rb = urn_base_to_real(base->ty.base); /* the shape logic on the real-valued base */
  urn_type t = {(unsigned char)rb, (unsigned char)kept_arr};
  int rd = kept_arr;
  if (rb == URN_TY_VECTOR || rb == URN_TY_ROW_VECTOR) {
    if (s[na].kind) rdim[rd++] = (int32_t)s[na].n;
    else t.base = URN_TY_REAL;
  } else if (rb == URN_TY_MATRIX) {
    int kr = s[na].kind, kc = s[na + 1].kind;
    if (kr && kc) rdim[rd++] = (int32_t)s[na].n, rdim[rd++] = (int32_t)s[na + 1].n;
    else if (kr) t.base = URN_TY_VECTOR, rdim[rd++] = (int32_t)s[na].n;
    else if (kc) t.base = URN_TY_ROW_VECTOR, rdim[rd++] = (int32_t)s[na + 1].n;
    else t.base = URN_TY_REAL;
  }
  if (urn_base_is_complex(base->ty.base)) t.base = (unsigned char)urn_base_to_complex(t.base);
  *rty = t;
  size_t total = 1;
  for (int d = 0; d < nd; d++) total *= s[d].n;
  size_t *offs = urn_arena_alloc(&ev->arena, (total + 1) * sizeof(size_t));
  /* strides of the base storage */
  size_t inner = 1;
  for (int d = na; d < nd; d++) inner *= (size_t)base->dim[d];
  size_t cnt[URN_MAX_DIMS] = {0};
  /* iterate: array dims row-major (last fastest), then inner dims column-major (first fastest) */
  int order[URN_MAX_DIMS], no = 0;
  for (int d = nd - 1; d >= na; d--) order[no++] = d; /* slowest first list: we build odometer with fastest last */
  (void)order, (void)no;
  for (size_t k = 0; k < total; k++) {
    size_t aoff = 0;
    for (int d = 0; d < na; d++) {
      size_t p = s[d].kind ? (s[d].pos ? s[d].pos[cnt[d]] : cnt[d]) : s[d].single;
      aoff = aoff * (size_t)base->dim[d] + p;
    }
    size_t ioff = 0, str = 1;
    for (int d = na; d < nd; d++) {
      size_t p = s[d].kind ? (s[d].pos ? s[d].pos[cnt[d]] : cnt[d]) : s[d].single;
      ioff += p * str, str *= (size_t)base->dim[d];
    }
    offs[k] = aoff * inner + ioff;
    /* advance: inner dims first-fastest, but inner block is nested inside array dims */
    int d;
    for (d = na; d < nd; d++) {
      if (++cnt[d] < s[d].n) break;
      cnt[d] = 0;
    }
    if (d == nd)
      for (d = na - 1; d >= 0; d--) {
        if (++cnt[d] < s[d].n) break;
        cnt[d] = 0;
      }
  }
  return offs;
}

/* x[a:b] (or x[a:], x[:b]) of a vector, row vector, matrix (rows) or array: a block of whole elements, copied
 * with memcpy (column by column for a matrix's rows) rather than through index_offsets' per-scalar offsets, which
 * dominated reduce_sum's `X[start:end]` slices.  0 when the index or the base is of another kind. */
static int range_rows(urn_ev *ev, const ir_ex *e, const ir_idx *ix, const urn_val *base, urn_val *out) {
  if (ix->kind != URN_IDX_RANGE && ix->kind != URN_IDX_LOWER && ix->kind != URN_IDX_UPPER) return 0;
  int rb = urn_base_to_real(base->ty.base), arr = base->ty.dims > 0;
  if (rb != URN_TY_VECTOR && rb != URN_TY_ROW_VECTOR && rb != URN_TY_MATRIX &&
      !(arr && (rb == URN_TY_INT || rb == URN_TY_REAL)))
    return 0;
  int32_t size = base->dim[0];
  double lo, hi;
  long a = 1, b = size;
  if (ix->kind != URN_IDX_UPPER) ix->lo->s(ev, ix->lo, &lo), a = (long)lo;
  if (ix->kind != URN_IDX_LOWER) ix->hi->s(ev, ix->hi, &hi), b = (long)hi;
  size_t n = b >= a ? (size_t)(b - a + 1) : 0, first = 0;
  if (n) first = check_index(ev, e, (double)a, size), check_index(ev, e, (double)b, size);
  int nd = urn_val_ndim(base->ty);
  int32_t dim[URN_MAX_DIMS];
  for (int d = 0; d < nd; d++) dim[d] = base->dim[d];
  dim[0] = (int32_t)n;
  urn_val_alloc(ev, out, base->ty, dim, base->ix != NULL);
  size_t inner = 1, w = (size_t)urn_base_width(base->ty.base); /* scalars per row (array: per element) */
  for (int d = 1; d < nd; d++) inner *= (size_t)base->dim[d];
  size_t cols = arr ? 1 : inner, run = arr ? n * inner * w : n * w, stride = (size_t)size * w;
  size_t from = arr ? first * inner * w : first * w;
  for (size_t j = 0; j < cols && run; j++) { /* a matrix: one block per column; otherwise one block */
    memcpy(out->v + j * run, base->v + from + j * stride, run * sizeof *out->v);
    if (base->ix) memcpy(out->ix + j * run, base->ix + from + j * stride, run * sizeof *out->ix);
  }
  return 1;
}

void rt_g_index(urn_ev *ev, const ir_ex *e, urn_val *out) {
  urn_val base;
  e->a[0]->g(ev, e->a[0], &base);
  if (base.ty.base == URN_TY_TUPLE) {
    urn_ev_index_tuples(ev, e, &base, out);
    return;
  }
  /* fast path: leading single indexes on arrays select a contiguous element */
  int k = 0;
  while (k < e->nidx && k < base.ty.dims && e->idx[k].kind == URN_IDX_SINGLE) {
    double iv;
    e->idx[k].lo->s(ev, e->idx[k].lo, &iv);
    size_t i = check_index(ev, e, iv, base.dim[0]);
    urn_val el;
    urn_val_elem(&base, i, &el);
    base = el;
    k++;
  }
  if (k == e->nidx) { *out = base; return; }
  if (base.ty.dims == 0 && base.ty.base == URN_TY_MATRIX && e->nidx - k == 1 && e->idx[k].kind == URN_IDX_SINGLE) {
    /* m[i]: row i */
    double iv;
    e->idx[k].lo->s(ev, e->idx[k].lo, &iv);
    size_t i = check_index(ev, e, iv, base.dim[0]);
    int r = base.dim[0], c = base.dim[1];
    int32_t dim[1] = {c};
    urn_val_alloc(ev, out, (urn_type){URN_TY_ROW_VECTOR, 0}, dim, base.ix != NULL);
    for (int j = 0; j < c; j++) {
      out->v[j] = base.v[i + (size_t)j * r];
      if (base.ix) out->ix[j] = base.ix[i + (size_t)j * r];
    }
    return;
  }
  if (e->nidx - k == 1 && range_rows(ev, e, &e->idx[k], &base, out)) return;
  ir_ex sub = *e;
  sub.idx = e->idx + k, sub.nidx = e->nidx - k;
  urn_type t;
  int32_t dim[URN_MAX_DIMS];
  size_t *offs = index_offsets(ev, &sub, &base, &t, dim);
  urn_val_alloc(ev, out, t, dim, base.ix != NULL);
  size_t w = (size_t)urn_base_width(t.base); /* doubles per element (2 for complex) */
  for (size_t i = 0; i < out->n / w; i++)
    for (size_t q = 0; q < w; q++) {
      out->v[i * w + q] = base.v[offs[i] * w + q];
      if (base.ix) out->ix[i * w + q] = base.ix[offs[i] * w + q];
    }
}

/* ---- literals ---- */

void rt_g_array(urn_ev *ev, const ir_ex *e, urn_val *out) {
  urn_val el[64], *els = e->na <= 64 ? el : urn_arena_alloc(&ev->arena, (size_t)e->na * sizeof(urn_val));
  int var = 0;
  for (int i = 0; i < e->na; i++) {
    e->a[i]->g(ev, e->a[i], &els[i]);
    if (els[i].ix) var = 1;
    if (i && els[i].n != els[0].n) urn_ev_reject(ev, "array expression elements must have the same sizes");
  }
  int32_t dim[URN_MAX_DIMS];
  dim[0] = e->na;
  if (e->ty.base == URN_TY_TUPLE) { /* each element's components, one block after the other */
    for (int d = 0; d < e->ty.dims - 1; d++) dim[1 + d] = e->na ? els[0].dim[d] : 0;
    urn_val_tuple_alloc(ev, out, e->ty, dim);
    size_t block = e->na ? urn_val_count(&els[0]) * (size_t)e->ty.tup->n : 0;
    for (int i = 0; i < e->na; i++) {
      if (urn_val_count(&els[i]) * (size_t)e->ty.tup->n != block) urn_ev_reject(ev, "array expression elements must have the same sizes");
      memcpy(out->tv + (size_t)i * block, els[i].tv, block * sizeof *out->tv);
    }
    return;
  }
  int nd = e->na ? urn_val_ndim(els[0].ty) : urn_val_ndim(e->ty) - 1;
  for (int d = 0; d < nd; d++) dim[1 + d] = e->na ? els[0].dim[d] : 0;
  urn_val_alloc(ev, out, e->ty, dim, var);
  size_t w = e->na ? els[0].n : 0;
  for (int i = 0; i < e->na; i++) {
    memcpy(out->v + i * w, els[i].v, w * sizeof(double));
    if (var) for (size_t j = 0; j < w; j++) out->ix[i * w + j] = urn_val_ix(&els[i], j);
  }
}

void rt_g_rowvec(urn_ev *ev, const ir_ex *e, urn_val *out) {
  urn_val el[64], *els = e->na <= 64 ? el : urn_arena_alloc(&ev->arena, (size_t)e->na * sizeof(urn_val));
  int var = 0;
  for (int i = 0; i < e->na; i++) {
    e->a[i]->g(ev, e->a[i], &els[i]);
    if (els[i].ix) var = 1;
  }
  size_t w = (size_t)urn_base_width(e->ty.base); /* the lowering promoted every element to the literal's kind */
  if (e->ty.base == URN_TY_ROW_VECTOR || e->ty.base == URN_TY_COMPLEX_ROW_VECTOR) {
    int32_t dim[1] = {e->na};
    urn_val_alloc(ev, out, e->ty, dim, var);
    for (int i = 0; i < e->na; i++)
      for (size_t q = 0; q < w; q++) {
        out->v[i * w + q] = els[i].v[q];
        if (var) out->ix[i * w + q] = urn_val_ix(&els[i], q);
      }
    return;
  }
  /* matrix from row vectors */
  int r = e->na, c = r ? (int)(els[0].n / w) : 0;
  for (int i = 0; i < r; i++) if ((int)(els[i].n / w) != c) urn_ev_reject(ev, "matrix expression rows must have the same size");
  int32_t dim[2] = {r, c};
  urn_val_alloc(ev, out, e->ty, dim, var);
  for (int i = 0; i < r; i++)
    for (int j = 0; j < c; j++)
      for (size_t q = 0; q < w; q++) {
        out->v[(i + (size_t)j * r) * w + q] = els[i].v[j * w + q];
        if (var) out->ix[(i + (size_t)j * r) * w + q] = urn_val_ix(&els[i], (size_t)j * w + q);
      }
}

/* ---- user functions ---- */

/* Is e a scalar whose general evaluation is its scalar evaluation stored in fresh storage (rt_g_via_s, a density's
 * rt_g_dist, a user function's call returning a scalar)?  Then the value and its node can be taken from `s` and
 * kept where the caller wants them: the same value and the same tape nodes in the same order. */
static inline int scalar_by_s(const ir_ex *e) {
  return e->s && urn_is_scalar(e->ty) &&
         (e->g == rt_g_via_s || (e->g == rt_g_dist && !(e->bi->flags & URN_BI_RNG)) ||
          (e->g == rt_g_ucall && e->s == rt_s_via_g));
}

/* A user function's frame with its arguments in their slots: one arena block holds the slots and the storage of
 * the scalar arguments, which are evaluated through `s` straight into it (no value made and copied per
 * argument); other arguments are their general values (a variable's shares its storage: parameters of a user
 * function are read-only). */
static urn_val *ucall_frame(urn_ev *ev, const ir_ex *e) {
  const ir_fun *f = e->fun;
  if (!f->body) urn_ev_fail(ev, URN_EFATAL, "function %s is declared but not defined", f->name);
  if (ev->depth > 2000) urn_ev_reject(ev, "%s: recursion too deep", f->name);
  urn_ev_poll(ev);
  size_t ns = (size_t)(f->nslots ? f->nslots : 1), na = (size_t)e->na;
  /* slots, then na (value, node) pairs: sizeof(urn_val) is a multiple of 8, the pairs 16 bytes each */
  urn_val *frame = urn_ev_alloc(ev, 1, ns * sizeof(urn_val) + na * 2 * sizeof(double));
  double *sv = (double *)(void *)(frame + ns);
  for (int i = 0; i < e->na; i++) {
    const ir_ex *a = e->a[i];
    urn_val *slot = &frame[f->param_slot[i]];
    if (scalar_by_s(a)) {
      double *v = sv + 2 * i;
      int32_t *ix = (int32_t *)(void *)(v + 1);
      *ix = a->s(ev, a, v);
      slot->ty = (urn_type){a->g == rt_g_dist ? URN_TY_REAL : a->ty.base, 0};
      slot->n = 1, slot->v = v, slot->ix = *ix >= 0 ? ix : NULL;
    } else {
      a->g(ev, a, slot);
    }
  }
  return frame;
}

void rt_g_ucall(urn_ev *ev, const ir_ex *e, urn_val *out) {
  urn_val *frame = ucall_frame(ev, e);
  urn_ev_call_frame(ev, e->fun, frame, out);
}

/* Runs f's body on frame (ints passed for real parameters retyped) one level deeper; afterwards ev->ctl is
 * EV_RETURN when it returned (its value in ev->retval or, when ev->ret_scalar, ev->ret_v / ret_ix), and a
 * non-void function that ended without returning has rejected. */
static void call_body(urn_ev *ev, const ir_fun *f, urn_val *frame) {
  for (int i = 0; i < f->nparams; i++)
    if (f->param_ty[i].base == URN_TY_REAL && frame[f->param_slot[i]].ty.base == URN_TY_INT)
      frame[f->param_slot[i]].ty.base = URN_TY_REAL;
  urn_val *saved = ev->frame;
  ev->frame = frame;
  ev->depth++;
  ev->ctl = EV_NORMAL;
  urn_ev_run(ev, f->body);
  ev->depth--;
  ev->frame = saved;
  if (ev->ctl != EV_RETURN && f->ret.base != URN_TY_VOID)
    urn_ev_reject(ev, "%s: function ended without returning a value", f->name);
}

/* A user function returning a scalar, called where a scalar is wanted: its value and node without storage. */
static int32_t ucall_scalar(urn_ev *ev, const ir_ex *e, double *out) {
  urn_val *frame = ucall_frame(ev, e);
  call_body(ev, e->fun, frame);
  ev->ctl = EV_NORMAL;
  if (ev->ret_scalar) {
    *out = ev->ret_v;
    return ev->ret_ix;
  }
  *out = ev->retval.v[0];
  return ev->retval.ix ? ev->retval.ix[0] : -1;
}

/* The one home of a user function's call once its arguments are in their slots of frame (rt_g_ucall above, and
 * lang/fn_usys.c's urn_fn_call_user for the higher-order built-ins): an int passed for a real parameter and an int
 * returned by a real function become reals, the body runs one level deeper, and a non-void function that ends
 * without returning rejects. */
void urn_ev_call_frame(urn_ev *ev, const ir_fun *f, urn_val *frame, urn_val *out) {
  call_body(ev, f, frame);
  if (ev->ctl == EV_RETURN) {
    if (ev->ret_scalar) { /* the value the returned expression's general evaluation would have made */
      urn_val_set_scalar(ev, out, ev->retval.ty.base, ev->ret_v, ev->ret_ix);
      out->tv = NULL;
    } else {
      *out = ev->retval;
    }
    if (out->ty.base == URN_TY_INT && f->ret.base == URN_TY_REAL) out->ty.base = URN_TY_REAL;
  } else {
    memset(out, 0, sizeof *out);
  }
  ev->ctl = EV_NORMAL;
}

/* ---- statements ---- */

void urn_ev_run(urn_ev *ev, const ir_st *s) { s->run(ev, s); }

int32_t urn_ev_size(urn_ev *ev, const ir_ex *e, const char *what) {
  double v;
  e->s(ev, e, &v);
  if (!(v >= 0)) urn_ev_reject(ev, "%s:%d:%d: %s must be non-negative, but is %g", ev->prog->path, e->line, e->col, what, v);
  if (v > 2147483647.0) urn_ev_reject(ev, "%s:%d:%d: %s is too large (%g)", ev->prog->path, e->line, e->col, what, v);
  return (int32_t)v;
}

int urn_ev_decl_dims(urn_ev *ev, const ir_decl *d, int32_t *dim) {
  for (int i = 0; i < d->ndims; i++) dim[i] = urn_ev_size(ev, d->dims[i], "array size");
  int nd = d->ndims;
  if (d->ty.base == URN_TY_TUPLE) return nd; /* a tuple's components have their own sizes */
  if (d->size1) dim[nd++] = urn_ev_size(ev, d->size1, "size");
  if (d->ty.base == URN_TY_MATRIX || d->ty.base == URN_TY_COMPLEX_MATRIX) {
    if (d->size2) dim[nd++] = urn_ev_size(ev, d->size2, "size");
    else dim[nd] = dim[nd - 1], nd++;
  }
  return nd;
}

size_t urn_ev_decl_total(urn_ev *ev, const ir_decl *d, const int32_t *dim, int nd) {
  size_t total = 1;
  int zero = 0;
  for (int i = 0; i < nd; i++) zero |= dim[i] == 0;
  for (int i = 0; i < nd && !zero; i++)
    if (urn_mul_overflow(total, (size_t)dim[i], &total) || total > ((size_t)1 << 31)) {
      double n = 1;
      for (int k = 0; k < nd; k++) n *= dim[k];
      urn_ev_reject(ev, "%s: size too large (%.4g values; a container holds at most 2^31)", d->name, n);
    }
  return zero ? 0 : total;
}

void urn_ev_declare(urn_ev *ev, const ir_decl *d, urn_val *slot) {
  int32_t dim[URN_MAX_DIMS];
  int nd;
  size_t total;
  if (d->ndims == 0 && d->size1 && (d->ty.base == URN_TY_VECTOR || d->ty.base == URN_TY_ROW_VECTOR)) {
    nd = 1, dim[0] = urn_ev_size(ev, d->size1, "size"), total = (size_t)dim[0]; /* a vector: one size, no overflow */
  } else {
    nd = urn_ev_decl_dims(ev, d, dim);
    total = urn_ev_decl_total(ev, d, dim, nd);
  }
  if (d->ty.base == URN_TY_TUPLE) {
    urn_ev_declare_tuple(ev, d, slot, dim);
    return;
  }
  total *= (size_t)urn_base_width(d->ty.base); /* a complex element is two doubles */
  /* the allocation whose size a program chooses freely: say which variable memory cannot hold */
  double *v = urn_arena_try_alloc_raw(&ev->arena, (total ? total : 1) * sizeof(double)); /* filled below */
  if (!v) {
    char b[32];
    urn_format_bytes(b, sizeof b, (double)total * sizeof(double));
    urn_ev_fail(ev, URN_ENOMEM, "%s: out of memory: its %zu values (%s) cannot be allocated", d->name, total, b);
  }
  slot->ty = d->ty, slot->n = total, slot->v = v, slot->ix = NULL;
  for (int i = 0; i < nd; i++) slot->dim[i] = dim[i];
  for (size_t i = 0; i < slot->n; i++) slot->v[i] = d->ty.base == URN_TY_INT ? -2147483648.0 : NAN;
}

static void run_block(urn_ev *ev, const ir_st *s) {
  for (int i = 0; i < s->nbody; i++) {
    s->body[i]->run(ev, s->body[i]);
    if (ev->ctl) return;
  }
}
static void run_empty(urn_ev *ev, const ir_st *s) {}

/* Stores v (tape node ix) at offset off of dst. */
static inline void store1(urn_ev *ev, urn_val *dst, size_t off, double v, int32_t ix) {
  dst->v[off] = v;
  if (ix >= 0 && !dst->ix) dst->ix = urn_ev_nodes(ev, dst->n);
  if (dst->ix) dst->ix[off] = ix;
}

/* Copies a whole value into dst (sizes must match, as Stan requires). */
static void assign_whole(urn_ev *ev, const ir_st *s, urn_val *dst, const urn_val *src, const char *name) {
  if (src->n != dst->n || urn_val_ndim(src->ty) != urn_val_ndim(dst->ty)) goto mismatch;
  for (int i = 0; i < urn_val_ndim(dst->ty); i++) if (src->dim[i] != dst->dim[i]) goto mismatch;
  if (src->v != dst->v) memmove(dst->v, src->v, src->n * sizeof(double));
  if (src->ix) {
    if (!dst->ix) dst->ix = urn_ev_alloc_raw(ev, dst->n, sizeof(int32_t)); /* every node is copied next */
    if (src->ix != dst->ix) memmove(dst->ix, src->ix, src->n * sizeof(int32_t));
  } else if (dst->ix) {
    for (size_t i = 0; i < dst->n; i++) dst->ix[i] = -1;
  }
  return;
mismatch:;
  char a[96], b[96];
  urn_val_shape_name(dst, a, sizeof a), urn_val_shape_name(src, b, sizeof b);
  urn_ev_reject(ev, "%s:%d:%d: assigning %s to %s (%s): sizes do not match", ev->prog->path, s->line, s->col, b, name, a);
}

static urn_val *lhs_slot(urn_ev *ev, const ir_ex *v) { return v->global ? &ev->glob[v->slot] : &ev->frame[v->slot]; }

/* x = scalar expression, x a scalar variable. */
static void run_assign_scalar_var(urn_ev *ev, const ir_st *s) {
  double v;
  int32_t ix = s->rhs->s(ev, s->rhs, &v);
  store1(ev, lhs_slot(ev, s->lhs), 0, v, ix);
}
/* x[i, ...] = scalar, all single indexes down to a scalar. */
static void run_assign_scalar_index(urn_ev *ev, const ir_st *s) {
  const ir_ex *e = s->lhs;
  urn_val *base = lhs_slot(ev, e->a[0]);
  int nd = urn_val_ndim(base->ty), na = base->ty.dims;
  size_t inner = 1, aoff = 0, ioff = 0, str = 1;
  for (int d = na; d < nd; d++) inner *= (size_t)base->dim[d];
  for (int k = 0; k < e->nidx; k++) {
    size_t p = check_index(ev, e, index_value(ev, e->idx[k].lo), base->dim[k]);
    if (k < na) aoff = aoff * (size_t)base->dim[k] + p;
    else ioff += p * str, str *= (size_t)base->dim[k];
  }
  double v;
  int32_t ix = s->rhs->s(ev, s->rhs, &v);
  store1(ev, base, aoff * inner + ioff, v, ix);
}
static void assign_to(urn_ev *ev, const ir_st *s, const ir_ex *e, urn_val src);

/* General assignment (tuples: a deep copy of the value first, so `(a, b) = (b, a)` swaps). */
static void run_assign(urn_ev *ev, const ir_st *s) {
  urn_val src;
  s->rhs->g(ev, s->rhs, &src);
  if (s->lhs->kind == URN_EX_VAR && src.ty.base != URN_TY_TUPLE) { /* a whole variable: assign_to's first case */
    urn_val *dst = lhs_slot(ev, s->lhs);
    if (dst->ty.base != URN_TY_TUPLE) { assign_whole(ev, s, dst, &src, "variable"); return; }
  }
  if (src.ty.base == URN_TY_TUPLE) {
    urn_val c;
    urn_val_copy(ev, &c, &src);
    src = c;
  }
  assign_to(ev, s, s->lhs, src);
}

/* The value src into the target e: a variable, a tuple component or element, an indexed
 * selection, or a tuple of targets (unpacking). */
static void assign_to(urn_ev *ev, const ir_st *s, const ir_ex *e, urn_val src) {
  if (e->kind == URN_EX_TUPLE) {
    for (int i = 0; i < e->na; i++) assign_to(ev, s, e->a[i], src.tv[i]);
    return;
  }
  urn_val view, *dst = urn_ev_lvalue(ev, e, &view);
  if (dst) {
    if (dst->ty.base == URN_TY_TUPLE) urn_val_assign_tuple(ev, dst, &src, s->line, s->col);
    else assign_whole(ev, s, dst, &src, e->kind == URN_EX_VAR ? "variable" : "tuple component");
    return;
  }
  urn_val bview, *base = urn_ev_lvalue(ev, e->a[0], &bview);
  if (!base) urn_ev_fail(ev, URN_EINPUT, "%s:%d:%d: unsupported assignment target", ev->prog->path, s->line, s->col);
  urn_type t;
  int32_t dim[URN_MAX_DIMS];
  size_t *offs = index_offsets(ev, e, base, &t, dim);
  size_t total = 1, w = (size_t)urn_base_width(base->ty.base);
  for (int d = 0; d < urn_val_ndim(t); d++) total *= (size_t)dim[d];
  if (total * w != src.n) {
    char b[96];
    urn_val_shape_name(&src, b, sizeof b);
    urn_ev_reject(ev, "%s:%d:%d: assigning %s to an indexed selection of %zu elements: sizes do not match",
                  ev->prog->path, s->line, s->col, b, total);
  }
  /* the source may alias the destination: copy it first */
  if (src.v >= base->v && src.v < base->v + base->n) {
    urn_val c;
    urn_val_copy(ev, &c, &src);
    src = c;
  }
  for (size_t i = 0; i < total; i++)
    for (size_t q = 0; q < w; q++) store1(ev, base, offs[i] * w + q, src.v[i * w + q], urn_val_ix(&src, i * w + q));
}

static void run_decl(urn_ev *ev, const ir_st *s) {
  urn_val *slot = s->global ? &ev->glob[s->slot] : &ev->frame[s->slot];
  urn_ev_declare(ev, s->decl, slot);
  if (s->rhs) {
    urn_val src;
    s->rhs->g(ev, s->rhs, &src);
    if (slot->ty.base == URN_TY_TUPLE) urn_val_assign_tuple(ev, slot, &src, s->line, s->col);
    else assign_whole(ev, s, slot, &src, s->decl->name);
  }
}
static void run_decl_scalar(urn_ev *ev, const ir_st *s) {
  urn_val *slot = s->global ? &ev->glob[s->slot] : &ev->frame[s->slot];
  slot->ty = s->decl->ty;
  slot->n = 1;
  slot->v = urn_ev_alloc_raw(ev, 1, sizeof(double)); /* set next */
  slot->ix = NULL;
  slot->v[0] = s->decl->ty.base == URN_TY_INT ? -2147483648.0 : NAN; /* not yet set, also for `real x = x;` */
  if (s->rhs) {
    int32_t ix = s->rhs->s(ev, s->rhs, slot->v);
    if (ix >= 0) slot->ix = urn_ev_nodes(ev, 1), slot->ix[0] = ix;
  }
}

static void run_target(urn_ev *ev, const ir_st *s) {
  if (s->rhs->s && urn_is_scalar(s->rhs->ty)) {
    double v;
    int32_t ix = s->rhs->s(ev, s->rhs, &v);
    urn_ev_target_add(ev, v, ix, 1);
    return;
  }
  urn_val x;
  s->rhs->g(ev, s->rhs, &x);
  for (size_t i = 0; i < x.n; i++) urn_ev_target_add(ev, x.v[i], urn_val_ix(&x, i), 1);
}

/* jacobian += e: a target increment only when the Jacobian is wanted (sampling, optimize --jacobian,
 * logdensity without --no-jacobian); otherwise e is not even evaluated, as in Stan. */
static void run_jacobian(urn_ev *ev, const ir_st *s) {
  if (ev->jacobian) run_target(ev, s);
}

/* A truncation CDF (lcdf when upper, else lccdf) at args: the built-in or the user's function. */
static int32_t trunc_cdf(urn_ev *ev, const ir_st *s, int upper, ir_ex **args, int na, double *out) {
  ir_fun *uf = upper ? s->ulcdf : s->ulccdf;
  if (uf) {
    ir_ex call;
    memset(&call, 0, sizeof call);
    call.fun = uf, call.a = args, call.na = na, call.ty = (urn_type){URN_TY_REAL, 0};
    urn_val r;
    rt_g_ucall(ev, &call, &r);
    *out = r.v[0];
    return urn_val_ix(&r, 0);
  }
  return rt_dist_eval(ev, upper ? s->lcdf : s->lccdf, args, na, 0, 0, out);
}

/* An element of a container argument in vectorised truncation: value c, tape node `slot`. */
static int32_t trunc_s_elem(urn_ev *ev, const ir_ex *e, double *out) {
  (void)ev;
  *out = e->c;
  return e->slot;
}

/* log P(L <= Y <= U) (or of one side) under the arguments args[1..na-1]: Stan's rule, for mass
 * functions L uses lccdf(L-1) / lcdf(L-1). Returns the tape node of *out (-1: a constant). */
static int32_t trunc_term(urn_ev *ev, const ir_st *s, ir_ex **args, int na, double lo, double *out) {
  ir_ex bnd;
  memset(&bnd, 0, sizeof bnd);
  bnd.s = rt_s_const, bnd.g = rt_g_via_s, bnd.kind = IR_CONST, bnd.novar = 1, bnd.ty = s->tlo ? s->tlo->ty : s->thi->ty;
  bnd.c = lo - 1;
  if (s->tlo && s->thi) {
    /* log(F(U) - F(L)) = log_diff_exp(lcdf(U), lcdf(L)) */
    double fu, fl;
    args[0] = s->thi;
    int32_t iu = trunc_cdf(ev, s, 1, args, na, &fu);
    args[0] = s->discrete ? &bnd : s->tlo;
    int32_t il = trunc_cdf(ev, s, 1, args, na, &fl);
    if (s->discrete && lo - 1 < 0) fl = -INFINITY, il = -1; /* nothing below the support */
    double e = exp(fl - fu);
    *out = fu + log1p(-e);
    return urn_tape_push2(&ev->tape, *out, iu, 1 / (1 - e), il, -e / (1 - e));
  }
  if (s->tlo) {
    args[0] = s->discrete ? &bnd : s->tlo;
    return trunc_cdf(ev, s, 0, args, na, out);
  }
  args[0] = s->thi;
  return trunc_cdf(ev, s, 1, args, na, out);
}

/* Truncation T[L, U] at the variate a[0]: -inf when an element lies outside, else subtracts the
 * log probability of [L, U] once per element. Scalar arguments: one term times the number of
 * elements; one bound with container arguments: the CDF's own vectorised sum; both bounds with
 * container arguments: log_diff_exp element by element (stanc3's code for Stan 2.36's rule). */
static void apply_truncation(urn_ev *ev, const ir_st *s, ir_ex **a, int na) {
  double lo = -INFINITY, hi = INFINITY;
  if (s->tlo) s->tlo->s(ev, s->tlo, &lo);
  if (s->thi) s->thi->s(ev, s->thi, &hi);
  size_t ny = 1;
  if (urn_is_scalar(a[0]->ty)) {
    double y;
    a[0]->s(ev, a[0], &y);
    if (y < lo || y > hi) { urn_ev_target_add(ev, -INFINITY, -1, 1); return; }
  } else {
    urn_val y;
    a[0]->g(ev, a[0], &y);
    ny = y.n;
    for (size_t i = 0; i < y.n; i++)
      if (y.v[i] < lo || y.v[i] > hi) { urn_ev_target_add(ev, -INFINITY, -1, 1); return; }
  }
  ir_ex *args[URN_DIST_MAX_ARGS];
  int first = 0; /* the first container argument, 0 = none */
  for (int i = 0; i < na; i++) {
    args[i] = a[i];
    if (i > 0 && !first && !urn_is_scalar(a[i]->ty)) first = i;
  }
  double v;
  if (!first || !(s->tlo && s->thi)) {
    int32_t ix = trunc_term(ev, s, args, na, lo, &v);
    urn_ev_target_add(ev, v, ix, first ? -1.0 : -(double)ny);
    return;
  }
  /* both bounds, container arguments: each argument evaluated once, then element by element */
  urn_val vals[URN_DIST_MAX_ARGS];
  ir_ex el[URN_DIST_MAX_ARGS];
  for (int i = 1; i < na; i++) {
    a[i]->g(ev, a[i], &vals[i]);
    memset(&el[i], 0, sizeof el[i]);
    el[i].s = trunc_s_elem, el[i].g = rt_g_via_s, el[i].kind = IR_CONST;
    el[i].ty = (urn_type){a[i]->ty.base == URN_TY_INT ? URN_TY_INT : URN_TY_REAL, 0};
    args[i] = &el[i];
  }
  for (int i = 1; i < na; i++)
    if (!urn_is_scalar(a[i]->ty) && vals[i].n != vals[first].n)
      urn_ev_reject(ev, "%s:%d:%d: truncation: argument %d has %zu elements, argument %d has %zu",
                    ev->prog->path, s->line, s->col, first, vals[first].n, i, vals[i].n);
  for (size_t j = 0; j < vals[first].n; j++) {
    for (int i = 1; i < na; i++) {
      size_t k = vals[i].n == 1 && urn_is_scalar(a[i]->ty) ? 0 : j;
      el[i].c = vals[i].v[k];
      el[i].slot = urn_val_ix(&vals[i], k);
      el[i].novar = el[i].slot < 0;
    }
    int32_t ix = trunc_term(ev, s, args, na, lo, &v);
    urn_ev_target_add(ev, v, ix, -1);
  }
}

static void run_tilde(urn_ev *ev, const ir_st *s) {
  double v;
  int32_t ix;
  if (s->fun) {
    ir_ex call;
    memset(&call, 0, sizeof call);
    call.fun = s->fun, call.a = s->args, call.na = s->nargs, call.ty = (urn_type){URN_TY_REAL, 0};
    urn_val r;
    rt_g_ucall(ev, &call, &r);
    v = r.v[0], ix = urn_val_ix(&r, 0);
  } else if (!(s->bi->flags & URN_BI_DIST)) { /* a built-in that is not a distribution (laplace_marginal_*) */
    urn_val *args = urn_ev_alloc(ev, (size_t)s->nargs, sizeof *args), r;
    for (int i = 0; i < s->nargs; i++) s->args[i]->g(ev, s->args[i], &args[i]);
    s->bi->fn(ev, s->bi, &r, args, s->nargs);
    v = r.v[0], ix = urn_val_ix(&r, 0);
  } else {
    ix = rt_dist_eval(ev, s->bi, s->args, s->nargs, ev->propto, 1, &v);
  }
  urn_ev_target_add(ev, v, ix, 1);
  if (s->tlo || s->thi) apply_truncation(ev, s, s->args, s->nargs);
}

static void run_for(urn_ev *ev, const ir_st *s) {
  double lo, hi;
  s->lo->s(ev, s->lo, &lo);
  s->hi->s(ev, s->hi, &hi);
  urn_val *slot = s->global ? &ev->glob[s->slot] : &ev->frame[s->slot];
  slot->ty = (urn_type){URN_TY_INT, 0};
  slot->n = 1;
  slot->ix = NULL;
  slot->v = urn_ev_doubles(ev, 1);
  const ir_st *body = s->body[0];
  for (double i = lo; i <= hi; i++) {
    slot->v[0] = i;
    urn_ev_poll(ev);
    body->run(ev, body);
    if (ev->ctl) {
      if (ev->ctl == EV_BREAK) { ev->ctl = EV_NORMAL; break; }
      if (ev->ctl == EV_CONTINUE) { ev->ctl = EV_NORMAL; continue; }
      return; /* return */
    }
  }
}

static void run_foreach(urn_ev *ev, const ir_st *s) {
  urn_val c;
  s->rhs->g(ev, s->rhs, &c);
  urn_val *slot = s->global ? &ev->glob[s->slot] : &ev->frame[s->slot];
  size_t w = (size_t)urn_base_width(c.ty.base); /* 2 for the entries of a complex container */
  size_t count = c.ty.dims ? (size_t)c.dim[0] : c.n / w;
  const ir_st *body = s->body[0];
  for (size_t i = 0; i < count; i++) {
    if (c.ty.dims) urn_val_elem(&c, i, slot);
    else {
      slot->ty = (urn_type){(unsigned char)(w == 2 ? URN_TY_COMPLEX : URN_TY_REAL), 0}, slot->n = w, slot->v = c.v + i * w;
      slot->ix = c.ix ? c.ix + i * w : NULL;
    }
    urn_ev_poll(ev);
    body->run(ev, body);
    if (ev->ctl) {
      if (ev->ctl == EV_BREAK) { ev->ctl = EV_NORMAL; break; }
      if (ev->ctl == EV_CONTINUE) { ev->ctl = EV_NORMAL; continue; }
      return;
    }
  }
}

static void run_while(urn_ev *ev, const ir_st *s) {
  for (;;) {
    double c;
    s->cond->s(ev, s->cond, &c);
    if (c == 0) break;
    urn_ev_poll(ev);
    s->body[0]->run(ev, s->body[0]);
    if (ev->ctl) {
      if (ev->ctl == EV_BREAK) { ev->ctl = EV_NORMAL; break; }
      if (ev->ctl == EV_CONTINUE) { ev->ctl = EV_NORMAL; continue; }
      return;
    }
  }
}

static void run_if(urn_ev *ev, const ir_st *s) {
  double c;
  s->cond->s(ev, s->cond, &c);
  if (c != 0) s->body[0]->run(ev, s->body[0]);
  else if (s->nbody > 1 && s->body[1]) s->body[1]->run(ev, s->body[1]);
}
static void run_break(urn_ev *ev, const ir_st *s) { ev->ctl = EV_BREAK; }
static void run_continue(urn_ev *ev, const ir_st *s) { ev->ctl = EV_CONTINUE; }
/* return e: a scalar e whose general value would be fresh storage is kept as ev->ret_v / ret_ix (the caller
 * stores it where it wants it, lang/eval.c's call paths); other values in ev->retval. */
static void run_return(urn_ev *ev, const ir_st *s) {
  const ir_ex *r = s->rhs;
  ev->ret_scalar = 0;
  if (r && scalar_by_s(r)) {
    double v;
    int32_t ix = r->s(ev, r, &v);
    ev->ret_v = v, ev->ret_ix = ix, ev->ret_scalar = 1;
    ev->retval.ty = (urn_type){r->g == rt_g_dist ? URN_TY_REAL : r->ty.base, 0};
  } else if (r) {
    urn_val v;
    r->g(ev, r, &v);
    ev->retval = v;
  }
  ev->ctl = EV_RETURN;
}

static void print_num(urn_buf *b, const urn_val *x, const double *v) {
  char num[60];
  if (urn_base_is_complex(x->ty.base)) snprintf(num, sizeof num, "(%g,%g)", v[0], v[1]), urn_buf_puts(b, num);
  else if (x->ty.base == URN_TY_INT) urn_buf_printf(b, "%.0f", v[0]);
  else snprintf(num, sizeof num, "%g", v[0]), urn_buf_puts(b, num);
}

static void print_val(urn_buf *b, const urn_val *x);

/* Element block of x at array level `level` (offset `off` in elements of size `inner`), printed with its shape
 * as Stan prints containers: arrays and matrices nest brackets ([[1,2],[3,4]]; a matrix row by row); a complex
 * element (re,im), a tuple (a, b). */
static void print_shape(urn_buf *b, const urn_val *x, int level, size_t off, size_t inner) {
  int na = x->ty.dims;
  if (level < na) {
    size_t n = (size_t)x->dim[level], stride = inner;
    for (int k = level + 1; k < na; k++) stride *= (size_t)x->dim[k];
    urn_buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
      if (i) urn_buf_putc(b, ',');
      print_shape(b, x, level + 1, off + i * stride, inner);
    }
    urn_buf_putc(b, ']');
    return;
  }
  if (x->ty.base == URN_TY_TUPLE) {
    size_t nc = (size_t)x->ty.tup->n;
    urn_buf_putc(b, '(');
    for (size_t c = 0; c < nc; c++) {
      if (c) urn_buf_puts(b, ", ");
      print_val(b, &x->tv[off * nc + c]);
    }
    urn_buf_putc(b, ')');
    return;
  }
  size_t w = (size_t)urn_base_width(x->ty.base);
  const double *v = x->v + off * w;
  int rb = urn_base_to_real(x->ty.base);
  if (rb == URN_TY_MATRIX) {
    int r = x->dim[na], c = x->dim[na + 1];
    urn_buf_putc(b, '[');
    for (int i = 0; i < r; i++) {
      urn_buf_puts(b, i ? ",[" : "[");
      for (int j = 0; j < c; j++) {
        if (j) urn_buf_putc(b, ',');
        print_num(b, x, v + w * (i + (size_t)j * r));
      }
      urn_buf_putc(b, ']');
    }
    urn_buf_putc(b, ']');
  } else if (rb == URN_TY_VECTOR || rb == URN_TY_ROW_VECTOR) {
    urn_buf_putc(b, '[');
    for (int i = 0; i < x->dim[na]; i++) {
      if (i) urn_buf_putc(b, ',');
      print_num(b, x, v + w * (size_t)i);
    }
    urn_buf_putc(b, ']');
  } else {
    print_num(b, x, v);
  }
}

static void print_val(urn_buf *b, const urn_val *x) {
  char num[40];
  if (urn_is_scalar(x->ty) && x->n == 1) {
    if (x->ty.base == URN_TY_INT) urn_buf_printf(b, "%.0f", x->v[0]);
    else urn_format_double(num, sizeof num, x->v[0]), urn_buf_puts(b, num);
    return;
  }
  size_t inner = 1;
  if (x->ty.base != URN_TY_TUPLE)
    for (int k = x->ty.dims; k < urn_val_ndim(x->ty); k++) inner *= (size_t)x->dim[k];
  print_shape(b, x, 0, 0, inner);
}

static void format_items(urn_ev *ev, const ir_st *s, urn_buf *b) {
  for (int i = 0; i < s->nargs; i++) {
    const ir_ex *e = s->args[i];
    if (e->str) { urn_buf_puts(b, e->str); continue; }
    urn_val v;
    e->g(ev, e, &v);
    print_val(b, &v);
  }
}
static void run_print(urn_ev *ev, const ir_st *s) {
  if (!ev->print) return;
  urn_buf b;
  urn_buf_init(&b);
  format_items(ev, s, &b);
  fprintf(ev->print, "%s\n", b.data ? b.data : "");
  fflush(ev->print); /* as Stan's std::endl: a print is seen when it runs, not when a redirected stdout fills */
  urn_buf_free(&b);
}
static void run_reject(urn_ev *ev, const ir_st *s) {
  urn_buf b;
  urn_buf_init(&b);
  format_items(ev, s, &b);
  char msg[1800];
  snprintf(msg, sizeof msg, "%s", b.data ? b.data : "");
  urn_buf_free(&b);
  if (s->kind == URN_ST_FATAL) urn_ev_fail(ev, URN_EFATAL, "%s", msg);
  urn_ev_reject(ev, "%s", msg);
}
static void run_call(urn_ev *ev, const ir_st *s) {
  urn_val r;
  s->rhs->g(ev, s->rhs, &r);
}

static void rt_tilde_normal_run(urn_ev *ev, const ir_st *s);

ir_run rt_run_fn(int kind, int variant) {
  switch (kind) {
    case URN_ST_DECL: return variant ? run_decl_scalar : run_decl;
    case URN_ST_ASSIGN: return variant == 1 ? run_assign_scalar_var : variant == 2 ? run_assign_scalar_index : run_assign;
    case URN_ST_TILDE: return variant ? (ir_run)rt_tilde_normal_run : run_tilde;
    case URN_ST_TARGET: return run_target;
    case URN_ST_JACOBIAN: return run_jacobian;
    case URN_ST_FOR: return run_for;
    case URN_ST_FOREACH: return run_foreach;
    case URN_ST_WHILE: return run_while;
    case URN_ST_IF: return run_if;
    case URN_ST_BREAK: return run_break;
    case URN_ST_CONTINUE: return run_continue;
    case URN_ST_RETURN: return run_return;
    case URN_ST_PRINT: return run_print;
    case URN_ST_REJECT: case URN_ST_FATAL: return run_reject;
    case URN_ST_BLOCK: return run_block;
    case URN_ST_CALL: return run_call;
    default: return run_empty;
  }
}

int urn_ev_run_block(urn_ev *ev, ir_st **stmts, int n) {
  if (setjmp(ev->jb)) return ev->err ? ev->err->code : URN_EREJECT;
  for (int i = 0; i < n; i++) {
    stmts[i]->run(ev, stmts[i]);
    ev->ctl = EV_NORMAL;
  }
  return URN_OK;
}

/* ---- fast paths for the hot scalar forms ---- */

/* x[i] on a variable holding a vector, row_vector or 1-D array of scalars. */
int32_t rt_s_index1(urn_ev *ev, const ir_ex *e, double *out) {
  const urn_val *x = slot_of(ev, e->a[0]);
  size_t i = check_index(ev, e, index_value(ev, e->idx[0].lo), x->dim[0]);
  *out = x->v[i];
  return x->ix ? x->ix[i] : -1;
}
/* x[i, j] on a variable holding a 2-D array of scalars, a matrix or an array of vectors. */
int32_t rt_s_index2(urn_ev *ev, const ir_ex *e, double *out) {
  const urn_val *x = slot_of(ev, e->a[0]);
  double iv = index_value(ev, e->idx[0].lo), jv = index_value(ev, e->idx[1].lo);
  size_t i = check_index(ev, e, iv, x->dim[0]), j = check_index(ev, e, jv, x->dim[1]);
  size_t off = x->ty.base == URN_TY_MATRIX && x->ty.dims == 0 ? i + j * (size_t)x->dim[0] : i * (size_t)x->dim[1] + j;
  *out = x->v[off];
  return x->ix ? x->ix[off] : -1;
}

/* log_sum_exp(x + y) of two vectors: one node with partials to both
 * operands (softmax of x + y), no intermediate vector and no node per sum.
 * After folding the sum may have become a constant: then the general path. */
int32_t rt_s_lse_add(urn_ev *ev, const ir_ex *e, double *out) {
  const ir_ex *a = e->a[0];
  if (a->kind != URN_EX_BINARY || a->na != 2) return rt_s_via_g(ev, e, out);
  urn_val x, y;
  a->a[0]->g(ev, a->a[0], &x);
  a->a[1]->g(ev, a->a[1], &y);
  if (x.n != y.n) urn_ev_reject(ev, "add: size mismatch (%zu and %zu elements)", x.n, y.n);
  size_t n = x.n;
  double buf[64], *w = n <= 64 ? buf : urn_ev_doubles(ev, n);
  double m = -INFINITY;
  for (size_t i = 0; i < n; i++) {
    w[i] = x.v[i] + y.v[i];
    if (w[i] > m) m = w[i];
  }
  if (isinf(m)) { *out = m; return -1; }
  double sum = 0;
  for (size_t i = 0; i < n; i++) w[i] = w[i] == m ? 1 : exp(w[i] - m), sum += w[i]; /* exp(0) = 1 exactly */
  double v = m + log(sum), inv = 1 / sum;
  *out = v;
  if (!x.ix && !y.ix) return -1;
  int32_t *o; double *p;
  urn_tape_begin(&ev->tape, 2 * n, &o, &p);
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    double d = w[i] * inv;
    int32_t ix = x.ix ? x.ix[i] : -1, iy = y.ix ? y.ix[i] : -1;
    if (ix >= 0) o[k] = ix, p[k++] = d;
    if (iy >= 0) o[k] = iy, p[k++] = d;
  }
  return urn_tape_end(&ev->tape, v, k);
}

/* size(x), num_elements(x), rows(x), cols(x) of a variable: read from its slot, no value made. */
int32_t rt_s_size(urn_ev *ev, const ir_ex *e, double *out) {
  *out = urn_fn_size_value(slot_of(ev, e->a[0]), e->bi->aux2);
  return -1;
}

/* The same when the indexes are variables (loop variables, mostly): no call per index. */
int32_t rt_s_index1v(urn_ev *ev, const ir_ex *e, double *out) {
  const urn_val *x = slot_of(ev, e->a[0]);
  size_t i = check_index(ev, e, slot_of(ev, e->idx[0].lo)->v[0], x->dim[0]);
  *out = x->v[i];
  return x->ix ? x->ix[i] : -1;
}
int32_t rt_s_index2v(urn_ev *ev, const ir_ex *e, double *out) {
  const urn_val *x = slot_of(ev, e->a[0]);
  size_t i = check_index(ev, e, slot_of(ev, e->idx[0].lo)->v[0], x->dim[0]);
  size_t j = check_index(ev, e, slot_of(ev, e->idx[1].lo)->v[0], x->dim[1]);
  size_t off = x->ty.base == URN_TY_MATRIX && x->ty.dims == 0 ? i + j * (size_t)x->dim[0] : i * (size_t)x->dim[1] + j;
  *out = x->v[off];
  return x->ix ? x->ix[off] : -1;
}

/* normal_lpdf(y | mu, sigma) with three scalars: the same terms as the
 * distribution table (math/dist_continuous.c) without building arguments;
 * invalid arguments go through the table for its exact message. */
static int32_t normal3(urn_ev *ev, const urn_builtin *bi, ir_ex *const *a, int propto, double *out) {
  double y, mu, s, p = 0, q = 0;
  int32_t iy = a[0]->s(ev, a[0], &y), im, ip = -1, iq = -1, is;
  const ir_ex *me = a[1];
  int affine = me->s == rt_s_add && me->a[0]->s == rt_s_mul;
  if (affine) {
    /* mu = p * q + c (a location like w[k] * x[n] + b[k]): the same arithmetic as the
     * operators, and one node with partials to p, q and c instead of three nodes */
    const ir_ex *m = me->a[0];
    ip = m->a[0]->s(ev, m->a[0], &p), iq = m->a[1]->s(ev, m->a[1], &q);
    double c;
    im = me->a[1]->s(ev, me->a[1], &c);
    mu = p * q + c;
  } else {
    im = me->s(ev, me, &mu);
  }
  is = a[2]->s(ev, a[2], &s);
  if (!(s > 0) || isinf(s) || isnan(y) || !isfinite(mu)) return rt_dist_eval(ev, bi, a, 3, propto, 1, out);
  int vy = !a[0]->novar, vm = !a[1]->novar, vs = !a[2]->novar;
  double inv = 1 / s, z = (y - mu) * inv, lp = 0;
  if (!propto || vy || vm || vs) lp = -0.5 * z * z;
  if (!propto || vs) lp -= urn_ev_log_scale(ev, s);
  if (!propto) lp -= 0.91893853320467274178;
  *out = lp;
  if (iy < 0 && im < 0 && is < 0 && ip < 0 && iq < 0) return -1;
  if (!affine) return urn_tape_push3(&ev->tape, lp, iy, -z * inv, im, z * inv, is, (z * z - 1) * inv);
  int32_t *o; double *d;
  urn_tape_begin(&ev->tape, 5, &o, &d);
  size_t k = 0;
  double dm = z * inv; /* d lp / d mu; d mu / d p = q, d mu / d q = p, d mu / d c = 1 */
  if (iy >= 0) o[k] = iy, d[k++] = -dm;
  if (ip >= 0) o[k] = ip, d[k++] = dm * q;
  if (iq >= 0) o[k] = iq, d[k++] = dm * p;
  if (im >= 0) o[k] = im, d[k++] = dm;
  if (is >= 0) o[k] = is, d[k++] = (z * z - 1) * inv;
  return urn_tape_end(&ev->tape, lp, k);
}
int32_t rt_s_normal(urn_ev *ev, const ir_ex *e, double *out) {
  return normal3(ev, e->bi, e->a, e->propto && ev->propto, out);
}
static void rt_tilde_normal_run(urn_ev *ev, const ir_st *s) {
  double v;
  int32_t ix = normal3(ev, s->bi, s->args, ev->propto, &v);
  urn_ev_target_add(ev, v, ix, 1);
}
