/* lang/lower.c — lowering the parsed AST into the resolved program of
 * lang/eval.h: names become slot indexes (program-level or function frame),
 * calls and operators become direct built-in pointers chosen once by
 * argument types (urn_builtin_resolve), every node gets its scalar and
 * general evaluation functions, and the flags `novar` (cannot depend on
 * parameters: Stan's double vs var, which decides what propto drops) and
 * `pure` (depends only on data: precomputed once per data set).
 *
 * It does its own scoping and type inference so that it needs no more from
 * the checker than a syntactically valid program; a program the checker
 * accepts lowers without error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/eval.h"
#include "lang/eval_rt.h"
#include "lang/fn.h"
#include "math/dist.h"


typedef struct sym {
  const char *name;   /* variable name */
  int slot;           /* slot index */
  int global;         /* program-level slot */
  urn_type ty;        /* type */
  int novar;          /* never depends on parameters */
  int pure;           /* data or transformed data (top level) */
  ir_decl *decl;      /* its declaration (NULL for loop variables) */
} sym;

typedef struct lctx {
  urn_prog *p;        /* program being built */
  const urn_program *ast; /* the source program */
  sym *syms;          /* scope stack */
  int nsyms, cap;     /* used / allocated */
  ir_fun *fun;        /* function being lowered, or NULL */
  int block;          /* block being lowered */
  urn_error *err;     /* first error */
  int failed;         /* an error happened */
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

static sym *lookup(lctx *c, const char *name) {
  for (int i = c->nsyms; i-- > 0;)
    if (strcmp(c->syms[i].name, name) == 0) return &c->syms[i];
  return NULL;
}

static sym *push_sym(lctx *c, const char *name, urn_type ty, int novar, int pure) {
  if (c->nsyms == c->cap) c->cap = c->cap ? 2 * c->cap : 64, c->syms = urn_xrealloc(c->syms, (size_t)c->cap * sizeof *c->syms);
  sym *s = &c->syms[c->nsyms++];
  memset(s, 0, sizeof *s);
  s->name = name, s->ty = ty, s->novar = novar, s->pure = pure;
  if (c->fun) s->slot = c->fun->nslots++, s->global = 0;
  else s->slot = c->p->nglob++, s->global = 1;
  return s;
}

static int is_scalar(urn_type t) { return t.dims == 0 && (t.base == URN_TY_INT || t.base == URN_TY_REAL); }

static ir_ex *new_ex(lctx *c, const urn_expr *src, int kind) {
  ir_ex *e = alloc(c, sizeof *e);
  e->kind = kind;
  if (src) e->line = src->line, e->col = src->col;
  e->novar = 1, e->pure = 1;
  return e;
}

/* Sets s/g defaults from the type once the specific ones are chosen. */
static void finish(ir_ex *e) {
  if (!is_scalar(e->ty)) e->s = NULL;
  else if (!e->s) e->s = rt_s_via_g;
  if (!e->g) e->g = rt_g_via_s;
  if (e->ty.base == URN_TY_INT) e->novar = 1;
}

ir_ex *urn_ir_const(urn_arena *a, double v, urn_type ty) {
  ir_ex *e = urn_arena_alloc(a, sizeof *e);
  e->kind = IR_CONST, e->ty = ty, e->c = v, e->novar = 1, e->pure = 1;
  e->cv.v = &e->c, e->cv.n = 1, e->cv.ty = ty;
  e->s = rt_s_const, e->g = rt_g_const;
  return e;
}

static ir_ex *lower_expr(lctx *c, const urn_expr *x);

static ir_ex *make_call(lctx *c, const urn_expr *src, const char *name, ir_ex **args, int n) {
  urn_type tys[64] = {{0, 0}};
  for (int i = 0; i < n && i < 64; i++) tys[i] = args[i]->ty;
  urn_type ret;
  const urn_builtin *b = n <= 64 ? urn_builtin_resolve(name, tys, n, &ret) : NULL;
  if (!b) {
    char desc[600], got[300] = "";
    size_t off = 0;
    for (int i = 0; i < n && i < 64; i++) {
      char t[64];
      urn_type_name(tys[i], t, sizeof t);
      off += (size_t)snprintf(got + off, sizeof got - off, "%s%s", i ? ", " : "", t);
      if (off >= sizeof got) break;
    }
    if (!urn_builtin_exists(name)) fail(c, src ? src->line : 0, src ? src->col : 0, "unknown function '%s'", name);
    else {
      urn_builtin_describe(name, desc, sizeof desc);
      fail(c, src ? src->line : 0, src ? src->col : 0, "no overload of '%s' accepts (%s); available: %s", name, got, desc);
    }
    return urn_ir_const(&c->p->arena, 0, (urn_type){URN_TY_REAL, 0});
  }
  ir_ex *e = new_ex(c, src, URN_EX_CALL);
  e->bi = b, e->ty = ret, e->a = args, e->na = n;
  int all_scalar = 1;
  for (int i = 0; i < n; i++) {
    if (!args[i]->novar) e->novar = 0;
    if (!args[i]->pure) e->pure = 0;
    if (!is_scalar(args[i]->ty)) all_scalar = 0;
  }
  if (b->flags & URN_BI_RNG) e->pure = 0, e->novar = 1;
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
  if (ret.base == URN_TY_INT && !(b->flags & URN_BI_DIST)) e->novar = 1;
  finish(e);
  /* log_sum_exp(x + y) of two vectors: one fused node */
  if (n == 1 && strcmp(name, "log_sum_exp") == 0 && args[0]->kind == URN_EX_BINARY && args[0]->op == URN_OP_ADD &&
      args[0]->na == 2 && args[0]->a[0]->ty.dims == 0 && args[0]->a[1]->ty.dims == 0 &&
      (args[0]->a[0]->ty.base == URN_TY_VECTOR || args[0]->a[0]->ty.base == URN_TY_ROW_VECTOR) &&
      args[0]->a[0]->ty.base == args[0]->a[1]->ty.base)
    e->s = rt_s_lse_add;
  return e;
}

static const char *binop_name(int op) {
  switch (op) {
    case URN_OP_ADD: return "add";
    case URN_OP_SUB: return "subtract";
    case URN_OP_MUL: return "multiply";
    case URN_OP_DIV: return "divide";
    case URN_OP_MOD: return "modulus";
    case URN_OP_INTDIV: return "int_divide";
    case URN_OP_LDIV: return "mdivide_left";
    case URN_OP_ELT_MUL: return "elt_multiply";
    case URN_OP_ELT_DIV: return "elt_divide";
    case URN_OP_POW: case URN_OP_ELT_POW: return "pow";
    case URN_OP_EQ: return "logical_eq";
    case URN_OP_NE: return "logical_neq";
    case URN_OP_LT: return "logical_lt";
    case URN_OP_LE: return "logical_lte";
    case URN_OP_GT: return "logical_gt";
    case URN_OP_GE: return "logical_gte";
  }
  return "?";
}

static ir_ex *lower_binop(lctx *c, const urn_expr *src, int op, ir_ex *l, ir_ex *r) {
  if (op == URN_OP_AND || op == URN_OP_OR) {
    ir_ex *e = new_ex(c, src, URN_EX_BINARY);
    e->op = op, e->ty = (urn_type){URN_TY_INT, 0};
    e->a = alloc(c, 2 * sizeof *e->a), e->a[0] = l, e->a[1] = r, e->na = 2;
    e->pure = l->pure && r->pure;
    e->s = op == URN_OP_AND ? rt_s_and : rt_s_or;
    finish(e);
    return e;
  }
  ir_ex **args = alloc(c, 2 * sizeof *args);
  args[0] = l, args[1] = r;
  /* int ^ int is real in Stan */
  ir_ex *e = make_call(c, src, binop_name(op), args, 2);
  e->kind = URN_EX_BINARY, e->op = op;
  if (is_scalar(l->ty) && is_scalar(r->ty) && e->ty.base == URN_TY_REAL) {
    switch (op) {
      case URN_OP_ADD: e->s = rt_s_add; break;
      case URN_OP_SUB: e->s = rt_s_sub; break;
      case URN_OP_MUL: e->s = rt_s_mul; break;
      case URN_OP_DIV: e->s = rt_s_div; break;
    }
  }
  return e;
}

/* Result type of indexing base type t with the given index kinds (1 = keeps the dimension). */
static urn_type index_type(lctx *c, const urn_expr *src, urn_type t, const int *keeps, int n) {
  int na = t.dims, k = 0, kept = 0;
  for (; k < n && k < na; k++) kept += keeps[k];
  urn_type r = {t.base, (unsigned char)(kept + (na - k))};
  int rest = n - k;
  if (rest > 0 && na > k) { fail(c, src->line, src->col, "too many indexes"); return r; }
  if (t.base == URN_TY_VECTOR || t.base == URN_TY_ROW_VECTOR) {
    if (rest > 1) fail(c, src->line, src->col, "too many indexes for %s", t.base == URN_TY_VECTOR ? "vector" : "row_vector");
    if (rest == 1 && !keeps[k]) r.base = URN_TY_REAL;
  } else if (t.base == URN_TY_MATRIX) {
    if (rest > 2) fail(c, src->line, src->col, "too many indexes for matrix");
    if (rest == 1 && !keeps[k]) r.base = URN_TY_ROW_VECTOR;
    if (rest == 2) {
      int kr = keeps[k], kc = keeps[k + 1];
      r.base = kr && kc ? URN_TY_MATRIX : kr ? URN_TY_VECTOR : kc ? URN_TY_ROW_VECTOR : URN_TY_REAL;
    }
  } else if (rest > 0) {
    fail(c, src->line, src->col, "too many indexes");
  }
  return r;
}

static ir_ex *lower_index(lctx *c, const urn_expr *x) {
  ir_ex *base = lower_expr(c, x->lhs);
  ir_ex *e = new_ex(c, x, URN_EX_INDEX);
  e->a = alloc(c, sizeof *e->a), e->a[0] = base, e->na = 1;
  e->idx = alloc(c, (size_t)(x->nidx ? x->nidx : 1) * sizeof *e->idx), e->nidx = x->nidx;
  int keeps[URN_MAX_DIMS + 4] = {0};
  int all_single = 1;
  e->novar = base->novar, e->pure = base->pure;
  for (int i = 0; i < x->nidx; i++) {
    const urn_index *ix = &x->idx[i];
    ir_idx *o = &e->idx[i];
    o->kind = ix->kind;
    if (ix->lo) o->lo = lower_expr(c, ix->lo), e->pure &= o->lo->pure;
    if (ix->hi) o->hi = lower_expr(c, ix->hi), e->pure &= o->hi->pure;
    if (o->kind == URN_IDX_SINGLE && o->lo && o->lo->ty.dims == 1) o->kind = URN_IDX_MULTI;
    if (o->kind == URN_IDX_SINGLE && o->lo && !is_scalar(o->lo->ty)) fail(c, ix->line, ix->col, "index must be int");
    keeps[i < URN_MAX_DIMS + 4 ? i : 0] = o->kind != URN_IDX_SINGLE;
    if (o->kind != URN_IDX_SINGLE) all_single = 0;
  }
  e->ty = index_type(c, x, base->ty, keeps, x->nidx);
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

static urn_type promote(urn_type a, urn_type b) {
  if (a.base == URN_TY_INT && b.base == URN_TY_REAL) return b;
  return a;
}

static ir_fun *find_fun(lctx *c, const char *name, ir_ex **args, int n) {
  ir_fun *best = NULL;
  for (int i = 0; i < c->p->nfuns; i++) {
    ir_fun *f = c->p->funs[i];
    if (strcmp(f->name, name) != 0 || f->nparams != n) continue;
    int ok = 1;
    for (int k = 0; k < n; k++) {
      urn_type want = f->param_ty[k], got = args[k]->ty;
      if (want.dims != got.dims) { ok = 0; break; }
      if (want.base != got.base && !(want.base == URN_TY_REAL && got.base == URN_TY_INT) && want.base != URN_TY_FUNCTION) { ok = 0; break; }
    }
    if (ok) { best = f; break; }
  }
  return best;
}

static ir_ex *lower_call(lctx *c, const urn_expr *x) {
  int n = x->nargs;
  ir_ex **args = alloc(c, (size_t)(n ? n : 1) * sizeof *args);
  for (int i = 0; i < n; i++) args[i] = lower_expr(c, x->args[i]);
  if (c->failed) return urn_ir_const(&c->p->arena, 0, (urn_type){URN_TY_REAL, 0});
  const char *name = x->name;
  /* user functions: foo_lupdf calls foo_lpdf */
  char alt[256];
  ir_fun *f = find_fun(c, name, args, n);
  int propto = 0;
  if (!f) {
    size_t len = strlen(name);
    if (len > 6 && len < 200 && (strcmp(name + len - 6, "_lupdf") == 0 || strcmp(name + len - 6, "_lupmf") == 0)) {
      snprintf(alt, sizeof alt, "%.*s_lp%s", (int)(len - 6), name, name[len - 2] == 'd' ? "df" : "mf");
      f = find_fun(c, alt, args, n);
      propto = 1;
    }
  }
  if (f) {
    ir_ex *e = new_ex(c, x, URN_EX_CALL);
    e->fun = f, e->a = args, e->na = n, e->ty = f->ret, e->propto = propto;
    e->pure = 0;
    for (int i = 0; i < n; i++) if (!args[i]->novar) e->novar = 0;
    if (f->suffix == URN_SUF_LP) e->novar = 0;
    if (f->suffix == URN_SUF_RNG) e->novar = 1;
    e->g = rt_g_ucall;
    finish(e);
    return e;
  }
  return make_call(c, x, name, args, n);
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
    case URN_EX_VAR: {
      sym *s = lookup(c, x->name);
      if (!s) {
        /* a function passed by name */
        for (int i = 0; i < c->p->nfuns; i++)
          if (strcmp(c->p->funs[i]->name, x->name) == 0) {
            e = new_ex(c, x, URN_EX_VAR);
            e->ty = (urn_type){URN_TY_FUNCTION, 0}, e->fun = c->p->funs[i], e->g = urn_fn_g_funref;
            return e;
          }
        fail(c, x->line, x->col, "unknown variable '%s'", x->name);
        return urn_ir_const(&c->p->arena, 0, (urn_type){URN_TY_REAL, 0});
      }
      e = new_ex(c, x, URN_EX_VAR);
      e->slot = s->slot, e->global = (unsigned char)s->global, e->ty = s->ty, e->novar = (unsigned char)s->novar,
      e->pure = (unsigned char)s->pure;
      e->s = rt_s_var, e->g = rt_g_var;
      finish(e);
      return e;
    }
    case URN_EX_UNARY: {
      ir_ex *a = lower_expr(c, x->lhs);
      if (x->op == URN_OP_PLUS) return a;
      ir_ex **args = alloc(c, sizeof *args);
      args[0] = a;
      const char *nm = x->op == URN_OP_NEG ? "minus" : x->op == URN_OP_NOT ? "logical_negation" : "transpose";
      e = make_call(c, x, nm, args, 1);
      e->kind = URN_EX_UNARY, e->op = x->op;
      if (x->op == URN_OP_NEG && is_scalar(e->ty) && e->ty.base == URN_TY_REAL) e->s = rt_s_neg;
      return e;
    }
    case URN_EX_BINARY: {
      ir_ex *l = lower_expr(c, x->lhs), *r = lower_expr(c, x->rhs);
      return lower_binop(c, x, x->op, l, r);
    }
    case URN_EX_COND: {
      e = new_ex(c, x, URN_EX_COND);
      e->a = alloc(c, 3 * sizeof *e->a), e->na = 3;
      e->a[0] = lower_expr(c, x->cond), e->a[1] = lower_expr(c, x->lhs), e->a[2] = lower_expr(c, x->rhs);
      e->ty = promote(e->a[1]->ty, e->a[2]->ty);
      for (int i = 0; i < 3; i++) e->novar &= e->a[i]->novar, e->pure &= e->a[i]->pure;
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
      urn_type el = {URN_TY_INT, 0};
      for (int i = 0; i < x->nargs; i++) {
        e->a[i] = lower_expr(c, x->args[i]);
        e->novar &= e->a[i]->novar, e->pure &= e->a[i]->pure;
        el = i ? promote(el, e->a[i]->ty) : e->a[i]->ty;
      }
      if (x->kind == URN_EX_ARRAY) {
        el.dims++;
        e->ty = el, e->g = rt_g_array;
      } else {
        e->ty = (urn_type){el.base == URN_TY_ROW_VECTOR ? URN_TY_MATRIX : URN_TY_ROW_VECTOR, 0};
        e->g = rt_g_rowvec;
      }
      finish(e);
      return e;
    }
    case URN_EX_TARGET:
      e = new_ex(c, x, URN_EX_TARGET);
      e->ty = (urn_type){URN_TY_REAL, 0}, e->novar = 0, e->pure = 0, e->s = rt_s_target;
      finish(e);
      return e;
  }
  fail(c, x->line, x->col, "unsupported expression");
  return urn_ir_const(&c->p->arena, 0, (urn_type){URN_TY_REAL, 0});
}

/* ---- declarations and statements ---- */

static ir_decl *lower_decl(lctx *c, const urn_vardecl *v, int origin) {
  ir_decl *d = alloc(c, sizeof *d);
  d->name = v->name, d->line = v->line, d->col = v->col, d->origin = origin, d->dtype = v->dtype, d->ty = v->ty;
  d->ndims = v->ndims;
  d->dims = alloc(c, (size_t)(v->ndims ? v->ndims : 1) * sizeof *d->dims);
  for (int i = 0; i < v->ndims; i++) d->dims[i] = v->dims[i] ? lower_expr(c, v->dims[i]) : NULL;
  if (v->size1) d->size1 = lower_expr(c, v->size1);
  if (v->size2) d->size2 = lower_expr(c, v->size2);
  if (v->lower) d->lower = lower_expr(c, v->lower);
  if (v->upper) d->upper = lower_expr(c, v->upper);
  if (v->offset) d->offset = lower_expr(c, v->offset);
  if (v->multiplier) d->multiplier = lower_expr(c, v->multiplier);
  if (v->init) d->init = lower_expr(c, v->init);
  int novar = 1, pure = 0;
  switch (origin) {
    case URN_ORIGIN_DATA: case URN_ORIGIN_TDATA: pure = 1; break;
    case URN_ORIGIN_PARAM: case URN_ORIGIN_TPARAM: novar = 0; break;
    case URN_ORIGIN_GQ: break;
    default: novar = !(c->block == URN_BLK_MODEL || c->block == URN_BLK_TPARAMS || c->fun); break;
  }
  if (v->ty.base == URN_TY_INT) novar = 1;
  if (c->fun && v->ty.base != URN_TY_INT) novar = 0;
  sym *s = push_sym(c, v->name, v->ty, novar, pure);
  s->decl = d;
  d->slot = s->slot, d->global = s->global;
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

static ir_st *lower_body(lctx *c, const urn_stmt *x) {
  int mark = c->nsyms;
  ir_st *s = lower_stmt(c, x);
  c->nsyms = mark;
  return s;
}

/* Flattens a[i][j] (single indexes) into a[i, j] for assignment targets. */
static ir_ex *lower_lhs(lctx *c, const urn_expr *x) {
  if (x->kind == URN_EX_INDEX && x->lhs->kind == URN_EX_INDEX) {
    int single = 1;
    for (int i = 0; i < x->lhs->nidx; i++) if (x->lhs->idx[i].kind != URN_IDX_SINGLE) single = 0;
    if (single) {
      urn_expr flat = *x;
      flat.lhs = x->lhs->lhs;
      flat.nidx = x->lhs->nidx + x->nidx;
      urn_index *idx = alloc(c, (size_t)flat.nidx * sizeof *idx);
      memcpy(idx, x->lhs->idx, (size_t)x->lhs->nidx * sizeof *idx);
      memcpy(idx + x->lhs->nidx, x->idx, (size_t)x->nidx * sizeof *idx);
      flat.idx = idx;
      return lower_lhs(c, &flat);
    }
  }
  ir_ex *e = lower_expr(c, x);
  if (e->kind == URN_EX_INDEX && e->a[0]->kind != URN_EX_VAR) fail(c, x->line, x->col, "cannot assign to this expression");
  if (e->kind != URN_EX_INDEX && e->kind != URN_EX_VAR) fail(c, x->line, x->col, "cannot assign to this expression");
  return e;
}

static const char *assign_op_fn(int op) {
  switch (op) {
    case URN_AS_ADD: return "add";
    case URN_AS_SUB: return "subtract";
    case URN_AS_MUL: return "multiply";
    case URN_AS_DIV: return "divide";
    case URN_AS_ELT_MUL: return "elt_multiply";
    case URN_AS_ELT_DIV: return "elt_divide";
  }
  return NULL;
}
static int assign_op_binop(int op) {
  switch (op) {
    case URN_AS_ADD: return URN_OP_ADD;
    case URN_AS_SUB: return URN_OP_SUB;
    case URN_AS_MUL: return URN_OP_MUL;
    case URN_AS_DIV: return URN_OP_DIV;
    case URN_AS_ELT_MUL: return URN_OP_ELT_MUL;
    default: return URN_OP_ELT_DIV;
  }
}

static ir_st *lower_tilde(lctx *c, const urn_stmt *x) {
  ir_st *s = new_st(c, x, URN_ST_TILDE);
  int n = x->nargs + 1;
  s->args = alloc(c, (size_t)n * sizeof *s->args), s->nargs = n;
  s->args[0] = lower_expr(c, x->lhs);
  for (int i = 0; i < x->nargs; i++) s->args[i + 1] = lower_expr(c, x->args[i]);
  if (c->failed) return s;
  char name[300];
  snprintf(name, sizeof name, "%s_lpdf", x->dist);
  s->fun = find_fun(c, name, s->args, n);
  if (!s->fun) snprintf(name, sizeof name, "%s_lpmf", x->dist), s->fun = find_fun(c, name, s->args, n);
  if (s->fun && x->truncated) {
    /* the user's CDFs take the bound in the variate's place */
    if (x->trunc_lo) s->tlo = lower_expr(c, x->trunc_lo);
    if (x->trunc_hi) s->thi = lower_expr(c, x->trunc_hi);
    s->discrete = s->fun->suffix == URN_SUF_LPMF;
    ir_ex **bargs = alloc(c, (size_t)n * sizeof *bargs);
    memcpy(bargs, s->args, (size_t)n * sizeof *bargs);
    bargs[0] = s->thi ? s->thi : s->tlo;
    snprintf(name, sizeof name, "%s_lcdf", x->dist);
    s->ulcdf = find_fun(c, name, bargs, n);
    if (s->tlo) bargs[0] = s->tlo;
    snprintf(name, sizeof name, "%s_lccdf", x->dist);
    s->ulccdf = find_fun(c, name, bargs, n);
    if ((s->thi && !s->ulcdf) || (s->tlo && !s->thi && !s->ulccdf))
      fail(c, x->line, x->col, "truncation needs %s_lcdf / %s_lccdf, which '%s' lacks", x->dist, x->dist, x->dist);
  }
  if (!s->fun) {
    urn_type tys[64] = {{0, 0}};
    for (int i = 0; i < n && i < 64; i++) tys[i] = s->args[i]->ty;
    urn_type ret;
    snprintf(name, sizeof name, "%s_lupdf", x->dist);
    s->bi = n <= 64 ? urn_builtin_resolve(name, tys, n, &ret) : NULL;
    if (!s->bi && n <= 64)
      snprintf(name, sizeof name, "%s_lupmf", x->dist), s->bi = urn_builtin_resolve(name, tys, n, &ret);
    if (!s->bi) {
      if (!urn_dist_find(x->dist)) fail(c, x->dist_line, x->dist_col, "unknown distribution '%s'", x->dist);
      else {
        char desc[600];
        snprintf(name, sizeof name, "%s_lupdf", x->dist);
        if (!urn_builtin_exists(name)) snprintf(name, sizeof name, "%s_lupmf", x->dist);
        urn_builtin_describe(name, desc, sizeof desc);
        fail(c, x->dist_line, x->dist_col, "no overload of '%s' accepts these argument types; available: %s", name, desc);
      }
      return s;
    }
    const urn_dist *d = s->bi->aux;
    s->discrete = d->discrete;
    if (!x->truncated && n == 3 && strcmp(d->name, "normal") == 0 && is_scalar(s->args[0]->ty) &&
        is_scalar(s->args[1]->ty) && is_scalar(s->args[2]->ty))
      s->run = rt_run_fn(URN_ST_TILDE, 1);
    else if (!x->truncated && !c->p->nobatch && urn_fuse_plan(s->args, n, s->bi))
      s->run = urn_fused_tilde_run;
    if (x->truncated) {
      tys[0] = (urn_type){d->discrete ? URN_TY_INT : URN_TY_REAL, 0};
      if (x->trunc_lo) s->tlo = lower_expr(c, x->trunc_lo);
      if (x->trunc_hi) s->thi = lower_expr(c, x->trunc_hi);
      snprintf(name, sizeof name, "%s_lcdf", x->dist);
      s->lcdf = urn_builtin_resolve(name, tys, n, &ret);
      tys[0] = (urn_type){URN_TY_REAL, 0};
      if (!s->lcdf) s->lcdf = urn_builtin_resolve(name, tys, n, &ret);
      snprintf(name, sizeof name, "%s_lccdf", x->dist);
      s->lccdf = urn_builtin_resolve(name, tys, n, &ret);
      tys[0] = (urn_type){URN_TY_INT, 0};
      if (!s->lccdf) s->lccdf = urn_builtin_resolve(name, tys, n, &ret);
      if ((s->thi && !s->lcdf) || (s->tlo && !s->lccdf) || (s->tlo && s->thi && !s->lcdf))
        fail(c, x->line, x->col, "truncation needs %s_lcdf / %s_lccdf, which '%s' lacks", x->dist, x->dist, x->dist);
      if (!is_scalar(s->args[0]->ty)) fail(c, x->line, x->col, "truncation is only allowed for a univariate scalar variate");
    }
  }
  return s;
}

static ir_st *lower_stmt(lctx *c, const urn_stmt *x) {
  ir_st *s;
  switch (x->kind) {
    case URN_ST_DECL: {
      s = new_st(c, x, URN_ST_DECL);
      /* the initializer is lowered before the name is in scope */
      ir_ex *init = x->decl->init ? lower_expr(c, x->decl->init) : NULL;
      urn_vardecl tmp = *x->decl;
      tmp.init = NULL;
      int origin = x->decl->origin;
      ir_decl *d = lower_decl(c, &tmp, origin);
      d->init = init;
      s->decl = d, s->slot = d->slot, s->global = d->global, s->rhs = init;
      if (is_scalar(d->ty) && (!init || init->s)) s->run = rt_run_fn(URN_ST_DECL, 1);
      return s;
    }
    case URN_ST_ASSIGN: {
      s = new_st(c, x, URN_ST_ASSIGN);
      s->lhs = lower_lhs(c, x->lhs);
      ir_ex *rhs = lower_expr(c, x->rhs);
      if (x->op != URN_AS_SET) {
        (void)assign_op_fn;
        ir_ex *cur = lower_expr(c, x->lhs);
        rhs = lower_binop(c, x->rhs, assign_op_binop(x->op), cur, rhs);
      }
      s->rhs = rhs;
      if (c->failed) return s;
      if (rhs->ty.base == URN_TY_REAL && s->lhs->ty.base == URN_TY_INT && s->lhs->ty.dims == rhs->ty.dims)
        fail(c, x->line, x->col, "cannot assign a real value to an int variable");
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
      int mark = c->nsyms;
      sym *v = push_sym(c, x->decl->name, (urn_type){URN_TY_INT, 0}, 1, 0);
      s->slot = v->slot, s->global = v->global;
      s->body = alloc(c, sizeof *s->body), s->nbody = 1;
      s->body[0] = lower_body(c, x->body);
      c->nsyms = mark;
      if (c->block == URN_BLK_MODEL && !c->fun && !c->failed) urn_batch_plan(c->p, s);
      return s;
    }
    case URN_ST_FOREACH: {
      s = new_st(c, x, URN_ST_FOREACH);
      s->rhs = lower_expr(c, x->rhs);
      urn_type el = s->rhs->ty;
      if (el.dims) el.dims--;
      else el.base = URN_TY_REAL;
      int mark = c->nsyms;
      sym *v = push_sym(c, x->decl->name, el, s->rhs->novar, 0);
      s->slot = v->slot, s->global = v->global;
      s->body = alloc(c, sizeof *s->body), s->nbody = 1;
      s->body[0] = lower_body(c, x->body);
      c->nsyms = mark;
      return s;
    }
    case URN_ST_WHILE:
      s = new_st(c, x, URN_ST_WHILE);
      s->cond = lower_expr(c, x->cond);
      s->body = alloc(c, sizeof *s->body), s->nbody = 1;
      s->body[0] = lower_body(c, x->body);
      return s;
    case URN_ST_IF:
      s = new_st(c, x, URN_ST_IF);
      s->cond = lower_expr(c, x->cond);
      s->body = alloc(c, 2 * sizeof *s->body), s->nbody = 2;
      s->body[0] = lower_body(c, x->body);
      s->body[1] = x->else_body ? lower_body(c, x->else_body) : NULL;
      return s;
    case URN_ST_RETURN:
      s = new_st(c, x, URN_ST_RETURN);
      if (x->rhs) s->rhs = lower_expr(c, x->rhs);
      return s;
    case URN_ST_PRINT:
    case URN_ST_REJECT:
    case URN_ST_FATAL:
      s = new_st(c, x, x->kind);
      s->args = alloc(c, (size_t)(x->nargs ? x->nargs : 1) * sizeof *s->args), s->nargs = x->nargs;
      for (int i = 0; i < x->nargs; i++) s->args[i] = lower_expr(c, x->args[i]);
      return s;
    case URN_ST_BLOCK: {
      s = new_st(c, x, URN_ST_BLOCK);
      int mark = c->nsyms;
      s->body = alloc(c, (size_t)(x->nstmts ? x->nstmts : 1) * sizeof *s->body), s->nbody = x->nstmts;
      for (int i = 0; i < x->nstmts; i++) s->body[i] = lower_stmt(c, x->stmts[i]);
      c->nsyms = mark;
      return s;
    }
    case URN_ST_CALL:
      s = new_st(c, x, URN_ST_CALL);
      s->rhs = lower_expr(c, x->rhs);
      return s;
    default:
      return new_st(c, x, x->kind);
  }
}

static void lower_fun_sig(lctx *c, const urn_fundef *f) {
  /* a definition after a forward declaration fills the same ir_fun */
  for (int i = 0; i < c->p->nfuns; i++) {
    ir_fun *g = c->p->funs[i];
    if (strcmp(g->name, f->name) || g->nparams != f->nparams) continue;
    int same = 1;
    for (int k = 0; k < f->nparams; k++)
      if (g->param_ty[k].base != f->params[k]->ty.base || g->param_ty[k].dims != f->params[k]->ty.dims) same = 0;
    if (same) return;
  }
  ir_fun *g = alloc(c, sizeof *g);
  g->name = f->name, g->ret = f->ret, g->nparams = f->nparams, g->suffix = f->suffix, g->line = f->line, g->col = f->col;
  g->param_ty = alloc(c, (size_t)(f->nparams ? f->nparams : 1) * sizeof *g->param_ty);
  g->param_slot = alloc(c, (size_t)(f->nparams ? f->nparams : 1) * sizeof *g->param_slot);
  for (int k = 0; k < f->nparams; k++) g->param_ty[k] = f->params[k]->ty;
  c->p->funs = urn_arena_alloc(&c->p->arena, 0) ? c->p->funs : c->p->funs;
  ir_fun **nf = alloc(c, (size_t)(c->p->nfuns + 1) * sizeof *nf);
  if (c->p->nfuns) memcpy(nf, c->p->funs, (size_t)c->p->nfuns * sizeof *nf);
  nf[c->p->nfuns++] = g;
  c->p->funs = nf;
}

static void lower_fun_body(lctx *c, const urn_fundef *f) {
  if (!f->body) return;
  ir_fun *g = NULL;
  for (int i = 0; i < c->p->nfuns; i++) {
    ir_fun *h = c->p->funs[i];
    if (strcmp(h->name, f->name) || h->nparams != f->nparams) continue;
    int same = 1;
    for (int k = 0; k < f->nparams; k++)
      if (h->param_ty[k].base != f->params[k]->ty.base || h->param_ty[k].dims != f->params[k]->ty.dims) same = 0;
    if (same) { g = h; break; }
  }
  if (!g) return;
  int mark = c->nsyms;
  c->fun = g;
  g->nslots = 0;
  for (int k = 0; k < f->nparams; k++) {
    const urn_vardecl *v = f->params[k];
    int novar = v->ty.base == URN_TY_INT || v->data_only;
    sym *s = push_sym(c, v->name, v->ty, novar, 0);
    g->param_slot[k] = s->slot;
  }
  g->body = lower_stmt(c, f->body);
  c->fun = NULL;
  c->nsyms = mark;
}

urn_prog *urn_lower(const urn_program *ast, urn_error *err) {
  urn_prog *p = urn_xcalloc(1, sizeof *p);
  urn_arena_init(&p->arena, 1 << 16);
  p->ast = ast;
  p->path = ast->path ? ast->path : "model";
  /* URN_NOBATCH=1 keeps every loop on the ordinary path (tests compare the two; debugging) */
  const char *nb = getenv("URN_NOBATCH");
  p->nobatch = nb && *nb && strcmp(nb, "0") != 0;
  lctx c;
  memset(&c, 0, sizeof c);
  c.p = p, c.ast = ast, c.err = err;
  for (int i = 0; i < ast->nfuns; i++) lower_fun_sig(&c, ast->funs[i]);
  for (int i = 0; i < ast->nfuns && !c.failed; i++) lower_fun_body(&c, ast->funs[i]);
  for (int b = URN_BLK_DATA; b < URN_BLK_COUNT && !c.failed; b++) {
    const urn_block *blk = &ast->blocks[b];
    c.block = b;
    int n = blk->nstmts;
    p->stmts[b] = urn_arena_alloc(&p->arena, (size_t)(n ? n : 1) * sizeof(ir_st *));
    p->decls[b] = urn_arena_alloc(&p->arena, (size_t)(n ? n : 1) * sizeof(ir_decl *));
    for (int i = 0; i < n && !c.failed; i++) {
      const urn_stmt *x = blk->stmts[i];
      if (x->kind == URN_ST_DECL && (b == URN_BLK_DATA || b == URN_BLK_PARAMS)) {
        int origin = b == URN_BLK_DATA ? URN_ORIGIN_DATA : URN_ORIGIN_PARAM;
        p->decls[b][p->ndecls[b]++] = lower_decl(&c, x->decl, origin);
        continue;
      }
      if (x->kind == URN_ST_DECL && b != URN_BLK_MODEL) {
        /* top-level declaration of transformed data / parameters / generated quantities */
        urn_vardecl tmp = *x->decl;
        tmp.origin = b == URN_BLK_TDATA ? URN_ORIGIN_TDATA : b == URN_BLK_TPARAMS ? URN_ORIGIN_TPARAM : URN_ORIGIN_GQ;
        urn_stmt xs = *x;
        xs.decl = &tmp;
        ir_st *s = lower_stmt(&c, &xs);
        s->decl->origin = tmp.origin;
        /* lower_stmt pushed the symbol with local rules: fix its flags */
        sym *sy = lookup(&c, x->decl->name);
        if (sy) {
          sy->pure = b == URN_BLK_TDATA;
          sy->novar = b != URN_BLK_TPARAMS || x->decl->ty.base == URN_TY_INT;
        }
        p->decls[b][p->ndecls[b]++] = s->decl;
        p->stmts[b][p->nstmts[b]++] = s;
        continue;
      }
      if (b == URN_BLK_MODEL && i == 0) {
        /* the model block's statements are a scope of their own */
      }
      p->stmts[b][p->nstmts[b]++] = lower_stmt(&c, x);
    }
    if (b == URN_BLK_MODEL) {
      if (!c.failed) urn_batch_defer_plan(p);
      /* model locals go out of scope before generated quantities */
      int keep = 0;
      for (int i = 0; i < c.nsyms; i++) {
        sym *sy = &c.syms[i];
        if (sy->decl && (sy->decl->origin == URN_ORIGIN_LOCAL)) continue;
        c.syms[keep++] = *sy;
      }
      c.nsyms = keep;
    }
  }
  free(c.syms);
  if (c.failed) {
    urn_prog_free(p);
    return NULL;
  }
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
  if (e->pure && !trivial(e) && e->ty.base != URN_TY_VOID && e->ty.base != URN_TY_FUNCTION) {
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
