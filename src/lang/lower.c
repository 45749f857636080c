/* lang/lower.c — lowering the checked AST into the resolved program of
 * lang/eval.h.  The checker (check.c) is the one typing pass: it left on
 * the AST every type, every variable's slot (urn_vardecl.slot / global),
 * the user overload (urn_expr.fun, its urn_fundef.index) or built-in entry
 * (urn_expr.builtin) of every call and operator, truncation CDFs and the
 * data-only level of every expression.  Lowering only translates: each node
 * gets its scalar and general evaluation functions (and the fast forms that
 * fit), `novar` (Stan's data-only level: the terms propto drops) is the
 * checker's data_only, and `pure` (depends only on data and transformed data
 * and calls no user function: precomputed once per data set by
 * urn_prog_fold) is gathered bottom-up.  There is no symbol table, type
 * inference or overload search here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/eval.h"
#include "lang/eval_rt.h"
#include "lang/fn.h"
#include "math/dist.h"


typedef struct lctx {
  urn_prog *p;        /* program being built */
  const urn_fundef *fun; /* the function whose body is being lowered (return promotion), or NULL */
  const urn_program *ast; /* the source program (checked) */
  int block;          /* block being lowered */
  int in_fun;         /* lowering a function body */
  urn_error *err;     /* first error */
  int failed;         /* an error happened (only a program the checker did not accept) */
} lctx;

static void *alloc(lctx *c, size_t n) { return urn_arena_alloc(&c->p->arena, n); }

static void fail(lctx *c, int line, int col, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void fail(lctx *c, int line, int col, const char *fmt, ...) {
  if (c->failed) return;
  c->failed = 1;
  char msg[1500];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  urn_error_set(c->err, URN_EINPUT, "%s:%d:%d: %s", c->p->path, line, col, msg);
}

static int is_scalar(urn_type t) { return t.dims == 0 && (t.base == URN_TY_INT || t.base == URN_TY_REAL); }

/* The resolved function of a checked user function (its definition). */
static ir_fun *fun_of(lctx *c, const urn_fundef *f) {
  if (f && f->definition) f = f->definition;
  if (!f || f->index < 0 || f->index >= c->p->nfuns) return NULL;
  return c->p->funs[f->index];
}

/* A node of the given kind for the AST expression src: its position, type and data-only level. */
static ir_ex *new_ex(lctx *c, const urn_expr *src, int kind) {
  ir_ex *e = alloc(c, sizeof *e);
  e->kind = kind;
  if (src) e->line = src->line, e->col = src->col, e->ty = src->ty, e->novar = src->data_only || src->ty.base == URN_TY_INT;
  else e->novar = 1;
  e->pure = 1;
  return e;
}

/* Sets s/g defaults from the type once the specific ones are chosen. */
static void finish(ir_ex *e) {
  if (!is_scalar(e->ty)) e->s = NULL;
  else if (!e->s) e->s = rt_s_via_g;
  if (!e->g) e->g = rt_g_via_s;
}

ir_ex *urn_ir_const(urn_arena *a, double v, urn_type ty) {
  ir_ex *e = urn_arena_alloc(a, sizeof *e);
  e->kind = IR_CONST, e->ty = ty, e->c = v, e->novar = 1, e->pure = 1;
  e->cv.v = &e->c, e->cv.n = 1, e->cv.ty = ty;
  e->s = rt_s_const, e->g = rt_g_const;
  return e;
}

static ir_ex *lower_expr(lctx *c, const urn_expr *x);

/* Does storing a value of type from where to is expected change its layout or type (real -> complex,
 * tuples whose components differ)?  int -> real keeps the storage (ints are doubles). */
static int needs_promotion(urn_type from, urn_type to) {
  if (urn_type_eq(from, to) || from.base == URN_TY_ERROR || to.base == URN_TY_ERROR) return 0;
  if (from.base == URN_TY_TUPLE || to.base == URN_TY_TUPLE) return 1;
  return urn_base_is_complex(to.base) && !urn_base_is_complex(from.base);
}

/* e converted to type want where the checker accepted it by promotion (an IR_PROMOTE node). */
static ir_ex *promote(lctx *c, ir_ex *e, urn_type want) {
  if (!needs_promotion(e->ty, want)) return e;
  ir_ex *p = alloc(c, sizeof *p);
  p->kind = IR_PROMOTE, p->ty = want, p->line = e->line, p->col = e->col, p->novar = e->novar, p->pure = e->pure;
  p->a = alloc(c, sizeof *p->a), p->a[0] = e, p->na = 1;
  p->g = rt_g_promote;
  finish(p);
  return p;
}

/* A complex constant re + i im. */
static ir_ex *complex_const(lctx *c, double re, double im) {
  ir_ex *e = urn_ir_const(&c->p->arena, 0, (urn_type){URN_TY_COMPLEX, 0});
  double *v = alloc(c, 2 * sizeof *v);
  v[0] = re, v[1] = im;
  e->cv.v = v, e->cv.n = 2, e->s = NULL;
  return e;
}

/* A call of the built-in b (chosen by the checker) on lowered args, typed as src: picks the evaluation
 * functions (scalar kernel, distribution, fused forms). */
static ir_ex *make_call(lctx *c, const urn_expr *src, const urn_builtin *b, ir_ex **args, int n) {
  if (!b) {
    fail(c, src->line, src->col, "internal error: the call was not resolved by the checker");
    return urn_ir_const(&c->p->arena, 0, (urn_type){URN_TY_REAL, 0});
  }
  ir_ex *e = new_ex(c, src, URN_EX_CALL);
  e->bi = b, e->a = args, e->na = n;
  int all_scalar = 1;
  for (int i = 0; i < n; i++) {
    if (!args[i]->pure) e->pure = 0;
    if (!is_scalar(args[i]->ty)) all_scalar = 0;
  }
  if (b->flags & URN_BI_RNG) e->pure = 0;
  if (b->flags & URN_BI_JACOBIAN) e->pure = 0; /* its Jacobian term is added at every evaluation */
  if (b->flags & URN_BI_DIST) {
    if (b->flags & URN_BI_RNG) e->g = rt_g_call;
    else {
      e->s = rt_s_dist, e->g = rt_g_dist, e->propto = (b->flags & URN_BI_LUPDF) != 0;
      if (all_scalar && n == 3 && strcmp(((const urn_dist *)b->aux)->name, "normal") == 0 &&
          (b->aux2 == URN_DF_LPDF || b->aux2 == URN_DF_LUPDF))
        e->s = rt_s_normal;
      else if (!c->p->nobatch && urn_fuse_plan(args, n, b))
        e->s = urn_fused_dist_s, e->g = rt_g_via_s;
    }
  } else if (all_scalar && b->sfn && n <= 8) {
    e->s = rt_s_call_scalar;
  } else {
    e->g = rt_g_call;
  }
  finish(e);
  urn_fn_slice_plan(e); /* slices read in place, dot products of them (fn_slice.c) */
  /* the size of a variable: read in place */
  if (n == 1 && b->fn == urn_fn_size && args[0]->kind == URN_EX_VAR && args[0]->g == rt_g_var) e->s = rt_s_size;
  /* log_sum_exp(x + y) of two vectors: one fused node */
  if (n == 1 && strcmp(b->name, "log_sum_exp") == 0 && args[0]->kind == URN_EX_BINARY && args[0]->op == URN_OP_ADD &&
      args[0]->na == 2 && args[0]->a[0]->ty.dims == 0 && args[0]->a[1]->ty.dims == 0 &&
      (args[0]->a[0]->ty.base == URN_TY_VECTOR || args[0]->a[0]->ty.base == URN_TY_ROW_VECTOR) &&
      args[0]->a[0]->ty.base == args[0]->a[1]->ty.base)
    e->s = rt_s_lse_add;
  return e;
}

static ir_ex *lower_binary(lctx *c, const urn_expr *x) {
  ir_ex *l = lower_expr(c, x->lhs), *r = lower_expr(c, x->rhs);
  int op = x->op;
  if (op == URN_OP_AND || op == URN_OP_OR) {
    ir_ex *e = new_ex(c, x, URN_EX_BINARY);
    e->op = op;
    e->a = alloc(c, 2 * sizeof *e->a), e->a[0] = l, e->a[1] = r, e->na = 2;
    e->pure = l->pure && r->pure;
    e->s = op == URN_OP_AND ? rt_s_and : rt_s_or;
    finish(e);
    return e;
  }
  ir_ex **args = alloc(c, 2 * sizeof *args);
  args[0] = l, args[1] = r;
  ir_ex *e = make_call(c, x, x->builtin, args, 2);
  e->kind = URN_EX_BINARY, e->op = op;
  if (is_scalar(l->ty) && is_scalar(r->ty) && e->ty.base == URN_TY_REAL) {
    switch (op) {
      case URN_OP_ADD: e->s = rt_s_add; break;
      case URN_OP_SUB: e->s = rt_s_sub; break;
      case URN_OP_MUL: e->s = rt_s_mul; break;
      case URN_OP_DIV: e->s = rt_s_div; break;
      /* on scalars .* and ./ are * and / (the kernels k_mul / k_div: the same value and partials) */
      case URN_OP_ELT_MUL: e->s = rt_s_mul; break;
      case URN_OP_ELT_DIV: e->s = rt_s_div; break;
    }
  }
  return e;
}

/* x = a[i][j] (x an index of an index) as a[i, j]: the same value and type, a's indexes then x's in one list (the
 * callers check that the inner ones are single). */
static urn_expr flat_index(lctx *c, const urn_expr *x) {
  urn_expr flat = *x;
  flat.lhs = x->lhs->lhs;
  flat.nidx = x->lhs->nidx + x->nidx;
  urn_index *idx = alloc(c, (size_t)flat.nidx * sizeof *idx);
  memcpy(idx, x->lhs->idx, (size_t)x->lhs->nidx * sizeof *idx);
  memcpy(idx + x->lhs->nidx, x->idx, (size_t)x->nidx * sizeof *idx);
  flat.idx = idx;
  return flat;
}

static ir_ex *lower_index(lctx *c, const urn_expr *x) {
  if (x->lhs->kind == URN_EX_INDEX) { /* x[i][j] read as x[i, j] when every index is single (as lower_lhs does for
                                         targets): one offset (rt_s_index2 / rt_s_index), no element view of x[i]
                                         (iohmm_reg's `logA[t][i]`); the same value, no node either way */
    int single = 1;
    for (int i = 0; i < x->lhs->nidx; i++) single &= x->lhs->idx[i].kind == URN_IDX_SINGLE;
    for (int i = 0; i < x->nidx; i++) single &= x->idx[i].kind == URN_IDX_SINGLE;
    if (single && x->lhs->nidx + x->nidx <= URN_MAX_DIMS) {
      urn_expr flat = flat_index(c, x);
      return lower_index(c, &flat);
    }
  }
  ir_ex *base = lower_expr(c, x->lhs);
  ir_ex *e = new_ex(c, x, URN_EX_INDEX);
  e->a = alloc(c, sizeof *e->a), e->a[0] = base, e->na = 1;
  e->idx = alloc(c, (size_t)(x->nidx ? x->nidx : 1) * sizeof *e->idx), e->nidx = x->nidx;
  int all_single = 1;
  e->pure = base->pure;
  for (int i = 0; i < x->nidx; i++) {
    const urn_index *ix = &x->idx[i];
    ir_idx *o = &e->idx[i];
    o->kind = ix->kind; /* the checker set SINGLE or MULTI by the index's type */
    if (ix->lo) o->lo = lower_expr(c, ix->lo), e->pure &= o->lo->pure;
    if (ix->hi) o->hi = lower_expr(c, ix->hi), e->pure &= o->hi->pure;
    if (o->kind != URN_IDX_SINGLE) all_single = 0;
  }
  if (is_scalar(e->ty) && all_single && base->kind == URN_EX_VAR && x->nidx == 1 &&
      ((base->ty.dims == 1 && is_scalar((urn_type){base->ty.base, 0})) ||
       (base->ty.dims == 0 && (base->ty.base == URN_TY_VECTOR || base->ty.base == URN_TY_ROW_VECTOR))))
    e->s = rt_s_index1;
  else if (is_scalar(e->ty) && all_single && base->kind == URN_EX_VAR && x->nidx == 2 &&
           ((base->ty.dims == 2 && is_scalar((urn_type){base->ty.base, 0})) ||
            (base->ty.dims == 0 && base->ty.base == URN_TY_MATRIX) ||
            (base->ty.dims == 1 && base->ty.base == URN_TY_VECTOR)))
    e->s = rt_s_index2;
  else if (is_scalar(e->ty) && all_single) e->s = rt_s_index;
  else e->g = rt_g_index;
  /* indexes that are plain variables (loop variables) are read without a call */
  if (e->s == rt_s_index1 && e->idx[0].lo->kind == URN_EX_VAR) e->s = rt_s_index1v;
  if (e->s == rt_s_index2 && e->idx[0].lo->kind == URN_EX_VAR && e->idx[1].lo->kind == URN_EX_VAR) e->s = rt_s_index2v;
  finish(e);
  return e;
}

static ir_ex *lower_call(lctx *c, const urn_expr *x) {
  int n = x->nargs;
  ir_ex **args = alloc(c, (size_t)(n ? n : 1) * sizeof *args);
  for (int i = 0; i < n; i++) args[i] = lower_expr(c, x->args[i]);
  if (x->fun) {
    ir_ex *e = new_ex(c, x, URN_EX_CALL);
    const urn_fundef *fd = x->fun->definition ? x->fun->definition : x->fun;
    for (int i = 0; i < n && i < fd->nparams; i++) args[i] = promote(c, args[i], fd->params[i]->ty);
    e->fun = fun_of(c, x->fun), e->a = args, e->na = n, e->propto = x->propto;
    e->pure = 0; /* a user function may print or reject: run it every time */
    e->g = rt_g_ucall;
    finish(e);
    return e;
  }
  return make_call(c, x, x->builtin, args, n);
}

static ir_ex *lower_var(lctx *c, const urn_expr *x) {
  ir_ex *e = new_ex(c, x, URN_EX_VAR);
  if (!x->decl) { /* a function passed by name */
    e->fun = fun_of(c, x->fun), e->g = urn_fn_g_funref;
    return e;
  }
  e->slot = x->decl->slot, e->global = x->decl->global, e->pure = x->decl->pure;
  e->s = rt_s_var, e->g = rt_g_var;
  finish(e);
  return e;
}

static ir_ex *lower_expr(lctx *c, const urn_expr *x) {
  ir_ex *e;
  switch (x->kind) {
    case URN_EX_INT: return urn_ir_const(&c->p->arena, x->ival, (urn_type){URN_TY_INT, 0});
    case URN_EX_REAL: return urn_ir_const(&c->p->arena, x->rval, (urn_type){URN_TY_REAL, 0});
    case URN_EX_STRING:
      e = new_ex(c, x, URN_EX_STRING);
      e->str = x->str, e->ty = (urn_type){URN_TY_VOID, 0}, e->g = rt_g_via_s;
      return e;
    case URN_EX_VAR: return lower_var(c, x);
    case URN_EX_UNARY: {
      ir_ex *a = lower_expr(c, x->lhs);
      if (x->op == URN_OP_PLUS) return a;
      ir_ex **args = alloc(c, sizeof *args);
      args[0] = a;
      e = make_call(c, x, x->builtin, args, 1);
      e->kind = URN_EX_UNARY, e->op = x->op;
      if (x->op == URN_OP_NEG && is_scalar(e->ty) && e->ty.base == URN_TY_REAL) e->s = rt_s_neg;
      return e;
    }
    case URN_EX_BINARY: return lower_binary(c, x);
    case URN_EX_COND: {
      e = new_ex(c, x, URN_EX_COND);
      e->a = alloc(c, 3 * sizeof *e->a), e->na = 3;
      e->a[0] = lower_expr(c, x->cond);
      e->a[1] = promote(c, lower_expr(c, x->lhs), x->ty), e->a[2] = promote(c, lower_expr(c, x->rhs), x->ty);
      for (int i = 0; i < 3; i++) e->pure &= e->a[i]->pure;
      e->s = is_scalar(e->ty) ? rt_s_cond : NULL, e->g = is_scalar(e->ty) ? NULL : rt_g_cond;
      finish(e);
      return e;
    }
    case URN_EX_CALL: return lower_call(c, x);
    case URN_EX_INDEX: return lower_index(c, x);
    case URN_EX_ARRAY:
    case URN_EX_ROWVEC: {
      e = new_ex(c, x, x->kind);
      e->na = x->nargs;
      e->a = alloc(c, (size_t)(x->nargs ? x->nargs : 1) * sizeof *e->a);
      urn_type el = x->ty; /* the element type every element is promoted to */
      if (x->kind == URN_EX_ARRAY) el.dims--;
      else el = (urn_type){(unsigned char)(urn_base_is_complex(x->ty.base) ? URN_TY_COMPLEX : URN_TY_REAL), 0};
      for (int i = 0; i < x->nargs; i++) {
        e->a[i] = lower_expr(c, x->args[i]), e->pure &= e->a[i]->pure;
        if (x->kind == URN_EX_ARRAY) e->a[i] = promote(c, e->a[i], el);
        else if (el.base == URN_TY_COMPLEX) /* scalars to complex, row vectors to complex row vectors */
          e->a[i] = promote(c, e->a[i], (urn_type){(unsigned char)urn_base_to_complex(e->a[i]->ty.base), 0});
      }
      e->g = x->kind == URN_EX_ARRAY ? rt_g_array : rt_g_rowvec;
      finish(e);
      return e;
    }
    case URN_EX_TARGET:
      e = new_ex(c, x, URN_EX_TARGET);
      e->pure = 0, e->s = rt_s_target;
      finish(e);
      return e;
    case URN_EX_IMAG: return complex_const(c, 0, x->rval);
    case URN_EX_TUPLE:
      e = new_ex(c, x, URN_EX_TUPLE);
      e->na = x->nargs, e->a = alloc(c, (size_t)x->nargs * sizeof *e->a);
      for (int i = 0; i < x->nargs; i++) e->a[i] = lower_expr(c, x->args[i]), e->pure &= e->a[i]->pure;
      e->g = rt_g_tuple;
      finish(e);
      return e;
    case URN_EX_TUPLE_GET:
      e = new_ex(c, x, URN_EX_TUPLE_GET);
      e->na = 1, e->a = alloc(c, sizeof *e->a), e->a[0] = lower_expr(c, x->lhs), e->pure = e->a[0]->pure;
      e->op = x->ival - 1, e->g = rt_g_tuple_get;
      finish(e);
      return e;
  }
  fail(c, x->line, x->col, "unsupported expression");
  return urn_ir_const(&c->p->arena, 0, (urn_type){URN_TY_REAL, 0});
}

/* ---- declarations and statements ---- */

static ir_decl *lower_decl(lctx *c, const urn_vardecl *v) {
  ir_decl *d = alloc(c, sizeof *d);
  d->name = v->name, d->line = v->line, d->col = v->col, d->origin = v->origin, d->dtype = v->dtype, d->ty = v->ty;
  d->ndims = v->ndims;
  d->dims = alloc(c, (size_t)(v->ndims ? v->ndims : 1) * sizeof *d->dims);
  for (int i = 0; i < v->ndims; i++) d->dims[i] = v->dims[i] ? lower_expr(c, v->dims[i]) : NULL;
  if (v->size1) d->size1 = lower_expr(c, v->size1);
  if (v->size2) d->size2 = lower_expr(c, v->size2);
  if (v->lower) d->lower = lower_expr(c, v->lower);
  if (v->upper) d->upper = lower_expr(c, v->upper);
  if (v->offset) d->offset = lower_expr(c, v->offset);
  if (v->multiplier) d->multiplier = lower_expr(c, v->multiplier);
  if (v->init) d->init = promote(c, lower_expr(c, v->init), v->ty);
  d->slot = v->slot, d->global = v->global;
  d->ncomps = v->ncomps;
  d->comps = alloc(c, (size_t)(v->ncomps ? v->ncomps : 1) * sizeof *d->comps);
  for (int i = 0; i < v->ncomps; i++) {
    d->comps[i] = lower_decl(c, v->comps[i]);
    d->comps[i]->name = v->name; /* messages name the variable */
  }
  return d;
}

static ir_st *new_st(lctx *c, const urn_stmt *src, int kind) {
  ir_st *s = alloc(c, sizeof *s);
  s->kind = kind;
  if (src) s->line = src->line, s->col = src->col;
  s->run = rt_run_fn(kind, 0);
  return s;
}

static ir_st *lower_stmt(lctx *c, const urn_stmt *x);

/* Flattens a[i][j] (single indexes) into a[i, j] for assignment targets. */
static ir_ex *lower_lhs(lctx *c, const urn_expr *x) {
  if (x->kind == URN_EX_INDEX && x->lhs->kind == URN_EX_INDEX) {
    int single = 1;
    for (int i = 0; i < x->lhs->nidx; i++) if (x->lhs->idx[i].kind != URN_IDX_SINGLE) single = 0;
    if (single) {
      urn_expr flat = flat_index(c, x);
      return lower_lhs(c, &flat);
    }
  }
  if (x->kind == URN_EX_TUPLE) { /* unpacking: a tuple of targets */
    ir_ex *e = new_ex(c, x, URN_EX_TUPLE);
    e->na = x->nargs, e->a = alloc(c, (size_t)x->nargs * sizeof *e->a);
    for (int i = 0; i < x->nargs; i++) e->a[i] = lower_lhs(c, x->args[i]);
    return e;
  }
  if (x->kind == URN_EX_TUPLE_GET) {
    ir_ex *e = new_ex(c, x, URN_EX_TUPLE_GET);
    e->na = 1, e->a = alloc(c, sizeof *e->a), e->a[0] = lower_lhs(c, x->lhs), e->op = x->ival - 1, e->g = rt_g_tuple_get;
    finish(e);
    return e;
  }
  ir_ex *e = lower_expr(c, x);
  if (e->kind == URN_EX_INDEX && x->lhs->kind == URN_EX_TUPLE_GET) e->a[0] = lower_lhs(c, x->lhs);
  if (e->kind == URN_EX_INDEX && e->a[0]->kind != URN_EX_VAR && e->a[0]->kind != URN_EX_TUPLE_GET)
    fail(c, x->line, x->col, "cannot assign to this expression");
  if (e->kind != URN_EX_INDEX && e->kind != URN_EX_VAR) fail(c, x->line, x->col, "cannot assign to this expression");
  return e;
}

/* The truncation of a `~` statement: bounds and the CDFs the checker chose. */
static void lower_truncation(lctx *c, ir_st *s, const urn_stmt *x) {
  if (x->trunc_lo) s->tlo = lower_expr(c, x->trunc_lo);
  if (x->trunc_hi) s->thi = lower_expr(c, x->trunc_hi);
  if (s->fun) {
    s->ulcdf = fun_of(c, x->trunc_ulcdf), s->ulccdf = fun_of(c, x->trunc_ulccdf);
    if ((s->thi && !s->ulcdf) || (s->tlo && !s->thi && !s->ulccdf))
      fail(c, x->line, x->col, "internal error: truncation CDFs not resolved by the checker");
  } else {
    s->lcdf = x->trunc_lcdf, s->lccdf = x->trunc_lccdf;
    if ((s->thi && !s->lcdf) || (s->tlo && !s->thi && !s->lccdf))
      fail(c, x->line, x->col, "internal error: truncation CDFs not resolved by the checker");
  }
}

static ir_st *lower_tilde(lctx *c, const urn_stmt *x) {
  ir_st *s = new_st(c, x, URN_ST_TILDE);
  int n = x->nargs + 1;
  s->args = alloc(c, (size_t)n * sizeof *s->args), s->nargs = n;
  s->args[0] = lower_expr(c, x->lhs);
  for (int i = 0; i < x->nargs; i++) s->args[i + 1] = lower_expr(c, x->args[i]);
  s->discrete = x->discrete;
  if (x->fun) {
    s->fun = fun_of(c, x->fun);
  } else if (x->builtin) {
    s->bi = x->builtin;
    const urn_dist *d = s->bi->aux;
    if (!x->truncated && n == 3 && strcmp(d->name, "normal") == 0 && is_scalar(s->args[0]->ty) &&
        is_scalar(s->args[1]->ty) && is_scalar(s->args[2]->ty))
      s->run = rt_run_fn(URN_ST_TILDE, 1);
    else if (!x->truncated && !c->p->nobatch && urn_fuse_plan(s->args, n, s->bi))
      s->run = urn_fused_tilde_run;
  } else {
    fail(c, x->line, x->col, "internal error: the distribution was not resolved by the checker");
    return s;
  }
  if (x->truncated) lower_truncation(c, s, x);
  return s;
}

/* A body of a loop or branch (its own scope in the source; slots are the checker's). */
static ir_st **lower_bodies(lctx *c, const urn_stmt *a, const urn_stmt *b, int n) {
  ir_st **body = alloc(c, (size_t)n * sizeof *body);
  body[0] = lower_stmt(c, a);
  if (n > 1) body[1] = b ? lower_stmt(c, b) : NULL;
  return body;
}

static ir_st *lower_stmt(lctx *c, const urn_stmt *x) {
  ir_st *s;
  switch (x->kind) {
    case URN_ST_DECL: {
      s = new_st(c, x, URN_ST_DECL);
      ir_decl *d = lower_decl(c, x->decl);
      s->decl = d, s->slot = d->slot, s->global = d->global, s->rhs = d->init;
      if (is_scalar(d->ty) && (!d->init || d->init->s)) s->run = rt_run_fn(URN_ST_DECL, 1);
      return s;
    }
    case URN_ST_ASSIGN: {
      s = new_st(c, x, URN_ST_ASSIGN);
      s->lhs = lower_lhs(c, x->lhs);
      /* x op= y stores the checker's `x op y` */
      ir_ex *rhs = lower_expr(c, x->op != URN_AS_SET && x->value ? x->value : x->rhs);
      rhs = promote(c, rhs, x->lhs->ty);
      s->rhs = rhs;
      if (c->failed) return s;
      if (s->lhs->kind == URN_EX_VAR && is_scalar(s->lhs->ty) && rhs->s) s->run = rt_run_fn(URN_ST_ASSIGN, 1);
      else if (s->lhs->kind == URN_EX_INDEX &&
               (s->lhs->s == rt_s_index || s->lhs->s == rt_s_index1 || s->lhs->s == rt_s_index2 ||
                s->lhs->s == rt_s_index1v || s->lhs->s == rt_s_index2v) &&
               s->lhs->a[0]->kind == URN_EX_VAR && rhs->s)
        s->run = rt_run_fn(URN_ST_ASSIGN, 2);
      return s;
    }
    case URN_ST_TILDE: return lower_tilde(c, x);
    case URN_ST_TARGET:
    case URN_ST_JACOBIAN:
      s = new_st(c, x, x->kind);
      s->rhs = lower_expr(c, x->rhs);
      return s;
    case URN_ST_FOR: {
      s = new_st(c, x, URN_ST_FOR);
      s->lo = lower_expr(c, x->lo), s->hi = lower_expr(c, x->hi);
      s->slot = x->decl->slot, s->global = x->decl->global;
      s->body = lower_bodies(c, x->body, NULL, 1), s->nbody = 1;
      if ((c->block == URN_BLK_MODEL || c->block == URN_BLK_TPARAMS) && !c->in_fun && !c->failed)
        urn_batch_plan(c->p, s, c->block);
      return s;
    }
    case URN_ST_FOREACH:
      s = new_st(c, x, URN_ST_FOREACH);
      s->rhs = lower_expr(c, x->rhs);
      s->slot = x->decl->slot, s->global = x->decl->global;
      s->body = lower_bodies(c, x->body, NULL, 1), s->nbody = 1;
      return s;
    case URN_ST_WHILE:
      s = new_st(c, x, URN_ST_WHILE);
      s->cond = lower_expr(c, x->cond);
      s->body = lower_bodies(c, x->body, NULL, 1), s->nbody = 1;
      return s;
    case URN_ST_IF:
      s = new_st(c, x, URN_ST_IF);
      s->cond = lower_expr(c, x->cond);
      s->body = lower_bodies(c, x->body, x->else_body, 2), s->nbody = 2;
      return s;
    case URN_ST_RETURN:
      s = new_st(c, x, URN_ST_RETURN);
      if (x->rhs) s->rhs = lower_expr(c, x->rhs);
      if (x->rhs && c->fun) s->rhs = promote(c, s->rhs, c->fun->ret);
      return s;
    case URN_ST_PRINT:
    case URN_ST_REJECT:
    case URN_ST_FATAL:
      s = new_st(c, x, x->kind);
      s->args = alloc(c, (size_t)(x->nargs ? x->nargs : 1) * sizeof *s->args), s->nargs = x->nargs;
      for (int i = 0; i < x->nargs; i++) s->args[i] = lower_expr(c, x->args[i]);
      return s;
    case URN_ST_BLOCK:
      s = new_st(c, x, URN_ST_BLOCK);
      s->body = alloc(c, (size_t)(x->nstmts ? x->nstmts : 1) * sizeof *s->body), s->nbody = x->nstmts;
      for (int i = 0; i < x->nstmts; i++) s->body[i] = lower_stmt(c, x->stmts[i]);
      return s;
    case URN_ST_CALL:
      s = new_st(c, x, URN_ST_CALL);
      s->rhs = lower_expr(c, x->rhs);
      return s;
    default:
      return new_st(c, x, x->kind);
  }
}

/* One ir_fun per definition, in the checker's order (urn_fundef.index), before any body: calls may
 * come before the definition (recursion, mutual recursion). */
static void lower_fun_sigs(lctx *c) {
  const urn_program *ast = c->ast;
  urn_prog *p = c->p;
  p->nfuns = ast->ndefs;
  p->funs = alloc(c, (size_t)(ast->ndefs ? ast->ndefs : 1) * sizeof *p->funs);
  for (int i = 0; i < ast->nfuns; i++) {
    const urn_fundef *f = ast->funs[i];
    if (f->definition != f) continue;
    ir_fun *g = alloc(c, sizeof *g);
    g->name = f->name, g->ret = f->ret, g->nparams = f->nparams, g->suffix = f->suffix, g->line = f->line, g->col = f->col;
    g->nslots = f->nslots;
    g->param_ty = alloc(c, (size_t)(f->nparams ? f->nparams : 1) * sizeof *g->param_ty);
    g->param_slot = alloc(c, (size_t)(f->nparams ? f->nparams : 1) * sizeof *g->param_slot);
    for (int k = 0; k < f->nparams; k++) g->param_ty[k] = f->params[k]->ty, g->param_slot[k] = f->params[k]->slot;
    p->funs[f->index] = g;
  }
}

/* A block: its statements, and its top-level declarations (data, parameters, and those of transformed
 * data, transformed parameters and generated quantities, which are also statements). */
static void lower_block(lctx *c, int b) {
  const urn_block *blk = &c->ast->blocks[b];
  urn_prog *p = c->p;
  c->block = b;
  int n = blk->nstmts;
  p->stmts[b] = alloc(c, (size_t)(n ? n : 1) * sizeof(ir_st *));
  p->decls[b] = alloc(c, (size_t)(n ? n : 1) * sizeof(ir_decl *));
  for (int i = 0; i < n && !c->failed; i++) {
    const urn_stmt *x = blk->stmts[i];
    if (x->kind == URN_ST_DECL && (b == URN_BLK_DATA || b == URN_BLK_PARAMS)) {
      p->decls[b][p->ndecls[b]++] = lower_decl(c, x->decl);
      continue;
    }
    ir_st *s = lower_stmt(c, x);
    if (x->kind == URN_ST_DECL && b != URN_BLK_MODEL) p->decls[b][p->ndecls[b]++] = s->decl;
    p->stmts[b][p->nstmts[b]++] = s;
  }
  if (b == URN_BLK_MODEL && !c->failed) urn_batch_defer_plan(p);
}

urn_prog *urn_lower(const urn_program *ast, urn_error *err) { return urn_lower_ex(ast, 0, err); }

urn_prog *urn_lower_ex(const urn_program *ast, int nobatch, urn_error *err) {
  urn_prog *p = urn_xcalloc(1, sizeof *p);
  urn_arena_init(&p->arena, 1 << 16);
  p->ast = ast;
  p->path = ast->path ? ast->path : "model";
  p->nobatch = nobatch; /* every loop on the ordinary path (tests compare the two; debugging) */
  lctx c;
  memset(&c, 0, sizeof c);
  c.p = p, c.ast = ast, c.err = err;
  if (!ast->checked) {
    fail(&c, 1, 1, "internal error: the program must be checked (urn_check) before it is lowered");
    urn_prog_free(p);
    return NULL;
  }
  p->nglob = ast->nslots;
  lower_fun_sigs(&c);
  c.in_fun = 1;
  for (int i = 0; i < ast->nfuns && !c.failed; i++)
    if (ast->funs[i]->body && ast->funs[i]->definition == ast->funs[i]) {
      c.fun = ast->funs[i];
      p->funs[ast->funs[i]->index]->body = lower_stmt(&c, ast->funs[i]->body);
    }
  c.in_fun = 0, c.fun = NULL;
  for (int b = URN_BLK_DATA; b < URN_BLK_COUNT && !c.failed; b++) lower_block(&c, b);
  if (c.failed) {
    urn_prog_free(p);
    return NULL;
  }
  urn_fuse_exprs(p);
  return p;
}

void urn_prog_free(urn_prog *p) {
  if (!p) return;
  urn_arena_free(&p->arena);
  free(p);
}

/* ---- folding data-only subexpressions ---- */

typedef struct fold_ctx { urn_ev *ev; urn_arena *keep; int failed; } fold_ctx;

static int trivial(const ir_ex *e) { return e->kind == IR_CONST || e->kind == URN_EX_VAR || e->kind == URN_EX_STRING; }

static void fold_ex(fold_ctx *f, ir_ex *e);

/* Evaluates a pure expression once and turns the node into a constant. */
static void fold_node(fold_ctx *f, ir_ex *e) {
  urn_ev *ev = f->ev;
  if (setjmp(ev->jb)) { f->failed = 0; return; } /* leave it to run time: it may never be evaluated */
  urn_val v;
  e->g(ev, e, &v);
  /* copy into permanent storage */
  urn_val c = v;
  c.v = urn_arena_alloc(f->keep, (v.n ? v.n : 1) * sizeof(double));
  memcpy(c.v, v.v, v.n * sizeof(double));
  c.ix = NULL;
  c.ty = e->ty;
  e->cv = c;
  e->c = v.n ? v.v[0] : 0;
  e->kind = IR_CONST;
  e->s = is_scalar(e->ty) ? rt_s_const : NULL;
  e->g = rt_g_const;
  e->na = 0, e->nidx = 0;
}

static void fold_ex(fold_ctx *f, ir_ex *e) {
  if (!e) return;
  /* tuples are not folded: their components (v.tv) live in the folding evaluation's arena */
  if (e->pure && !trivial(e) && e->ty.base != URN_TY_VOID && e->ty.base != URN_TY_FUNCTION &&
      e->ty.base != URN_TY_TUPLE) {
    fold_node(f, e);
    return;
  }
  for (int i = 0; i < e->na; i++) fold_ex(f, e->a[i]);
  for (int i = 0; i < e->nidx; i++) fold_ex(f, e->idx[i].lo), fold_ex(f, e->idx[i].hi);
}

static void fold_decl(fold_ctx *f, ir_decl *d) {
  if (!d) return;
  for (int i = 0; i < d->ndims; i++) fold_ex(f, d->dims[i]);
  fold_ex(f, d->size1), fold_ex(f, d->size2), fold_ex(f, d->lower), fold_ex(f, d->upper);
  fold_ex(f, d->offset), fold_ex(f, d->multiplier);
}

static void fold_st(fold_ctx *f, ir_st *s) {
  if (!s) return;
  fold_ex(f, s->lhs && s->lhs->kind == URN_EX_INDEX ? NULL : NULL);
  if (s->lhs && s->lhs->kind == URN_EX_INDEX)
    for (int i = 0; i < s->lhs->nidx; i++) fold_ex(f, s->lhs->idx[i].lo), fold_ex(f, s->lhs->idx[i].hi);
  fold_ex(f, s->rhs);
  for (int i = 0; i < s->nargs; i++) fold_ex(f, s->args[i]);
  fold_ex(f, s->tlo), fold_ex(f, s->thi), fold_ex(f, s->cond), fold_ex(f, s->lo), fold_ex(f, s->hi);
  if (s->kind == URN_ST_DECL) fold_decl(f, s->decl);
  for (int i = 0; i < s->nbody; i++) fold_st(f, s->body[i]);
}

int urn_prog_fold(urn_prog *p, urn_ev *ev, urn_error *err) {
  fold_ctx f = {ev, &p->arena, 0};
  for (int b = URN_BLK_PARAMS; b < URN_BLK_COUNT; b++) {
    for (int i = 0; i < p->ndecls[b]; i++) fold_decl(&f, p->decls[b][i]);
    for (int i = 0; i < p->nstmts[b]; i++) fold_st(&f, p->stmts[b][i]);
  }
  for (int i = 0; i < p->nfuns; i++) fold_st(&f, p->funs[i]->body);
  return URN_OK;
}
