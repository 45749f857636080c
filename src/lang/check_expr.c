/* lang/check_expr.c — the checker's expressions (see check.h, check_impl.h):
 * names resolved to their declarations (and through them to their slots),
 * indexing, literals, the conditional operator, and every operator typed by
 * the built-in that implements it (Stan's operators are the functions add,
 * subtract, multiply, divide / mdivide_right, mdivide_left, elt_multiply,
 * pow, minus, transpose, logical_*, ... of the built-in table), so that an
 * operator's type and its implementation come from the same entry.  Each
 * expression also gets its levels: data_only (Stan's "data only": never an
 * autodiff variable) and pure (fixed by the data alone). */
#include <string.h>

#include "lang/check_impl.h"

/* The type of base indexed by idx[0..n) (setting MULTI kinds), or ERROR with a message. */
static urn_type index_type(checker *C, urn_type base, urn_index *idx, int n, int *pure) {
  char b1[64], b2[64];
  int dims = base.dims, kind = base.base;
  int out_dims = 0; /* array dims kept by multi-indexes */
  int vec_rows_kept = -1, vec_cols_kept = -1;
  for (int i = 0; i < n; i++) {
    urn_index *ix = &idx[i];
    if (ix->lo) chk_expr(C, ix->lo), *pure &= ix->lo->pure;
    if (ix->hi) chk_expr(C, ix->hi), *pure &= ix->hi->pure;
    if (ix->kind == URN_IDX_SINGLE || ix->kind == URN_IDX_MULTI) {
      urn_type t = ix->lo->ty;
      if (chk_is_err(t)) return chk_mk(URN_TY_ERROR, 0);
      if (chk_is_int(t)) {
        ix->kind = URN_IDX_SINGLE;
      } else if (t.base == URN_TY_INT && t.dims == 1) {
        ix->kind = URN_IDX_MULTI;
      } else {
        chk_error(C, ix->lo->line, ix->lo->col, "an index must be an int or an array of ints (a multi-index), not %s",
                  chk_tyname(t, b1, sizeof b1));
        return chk_mk(URN_TY_ERROR, 0);
      }
    } else {
      urn_expr *bounds[2] = {ix->lo, ix->hi};
      for (int k = 0; k < 2; k++) {
        if (!bounds[k]) continue;
        if (chk_is_err(bounds[k]->ty)) return chk_mk(URN_TY_ERROR, 0);
        if (!chk_is_int(bounds[k]->ty)) {
          chk_error(C, bounds[k]->line, bounds[k]->col, "range bounds must be int, not %s",
                    chk_tyname(bounds[k]->ty, b1, sizeof b1));
          return chk_mk(URN_TY_ERROR, 0);
        }
      }
    }
    int keeps = ix->kind != URN_IDX_SINGLE;
    if (i < dims) {
      if (keeps) out_dims++;
    } else {
      int pos = i - dims; /* 0: first vector/matrix index, 1: second matrix index */
      int max = urn_base_ndim(kind);
      if (pos >= max) {
        chk_error(C, ix->line, ix->col, "too many indexes (%d) for %s", n, chk_tyname(base, b2, sizeof b2));
        return chk_mk(URN_TY_ERROR, 0);
      }
      if (pos == 0) vec_rows_kept = keeps;
      else vec_cols_kept = keeps;
    }
  }
  /* the element type after the container indexes (computed on the real-valued base, then made
   * complex again for complex containers) */
  int cplx = urn_base_is_complex(kind), rk = urn_base_to_real(kind);
  int elem = rk;
  if (vec_rows_kept >= 0) {
    if (rk == URN_TY_VECTOR || rk == URN_TY_ROW_VECTOR) {
      elem = vec_rows_kept ? rk : URN_TY_REAL;
    } else { /* matrix */
      int rows = vec_rows_kept, cols = vec_cols_kept < 0 ? 1 : vec_cols_kept;
      elem = rows && cols ? URN_TY_MATRIX : rows ? URN_TY_VECTOR : cols ? URN_TY_ROW_VECTOR : URN_TY_REAL;
    }
  }
  if (cplx) elem = urn_base_to_complex(elem);
  int remaining_dims = dims > n ? dims - n : 0;
  urn_type r = chk_mk(elem, out_dims + remaining_dims);
  r.tup = base.tup; /* an array of tuples stays one: only its array dimensions are indexed */
  return r;
}

static void check_var(checker *C, urn_expr *e) {
  urn_vardecl *d = chk_lookup(C, e->name);
  if (!d) {
    urn_fundef *f = chk_find_fun(C, e->name);
    if (f)
      chk_error(C, e->line, e->col, "'%s' is a function; call it with '(...)'", e->name);
    else {
      char hint[160];
      chk_suggest(C, e->name, 1, hint, sizeof hint);
      chk_error(C, e->line, e->col, "unknown variable '%s'%s", e->name, hint);
    }
    e->ty = chk_mk(URN_TY_ERROR, 0);
    return;
  }
  e->decl = d;
  e->ty = d->ty;
  /* in generated quantities every value is a double: parameters too are data there (Stan's rule) */
  e->data_only = d->is_data || (C->ctx.block == URN_BLK_GQ && !C->ctx.fun);
  e->pure = d->pure;
}

/* The built-in functions implementing a binary operator, in Stan's order of preference. */
static int binary_fns(int op, const char **names) {
  switch (op) {
    case URN_OP_ADD: names[0] = "add"; return 1;
    case URN_OP_SUB: names[0] = "subtract"; return 1;
    case URN_OP_MUL: names[0] = "multiply"; return 1;
    case URN_OP_DIV: names[0] = "mdivide_right", names[1] = "divide"; return 2;
    case URN_OP_MOD: names[0] = "modulus"; return 1;
    case URN_OP_INTDIV: names[0] = "int_divide"; return 1;
    case URN_OP_LDIV: names[0] = "mdivide_left"; return 1;
    case URN_OP_ELT_MUL: names[0] = "elt_multiply"; return 1;
    case URN_OP_ELT_DIV: names[0] = "elt_divide"; return 1;
    case URN_OP_POW: case URN_OP_ELT_POW: names[0] = "pow"; return 1;
    case URN_OP_EQ: names[0] = "logical_eq"; return 1;
    case URN_OP_NE: names[0] = "logical_neq"; return 1;
    case URN_OP_LT: names[0] = "logical_lt"; return 1;
    case URN_OP_LE: names[0] = "logical_lte"; return 1;
    case URN_OP_GT: names[0] = "logical_gt"; return 1;
    case URN_OP_GE: names[0] = "logical_gte"; return 1;
  }
  return 0;
}

int chk_binary_resolve(checker *C, urn_expr *e) {
  (void)C;
  const char *names[2];
  int nn = binary_fns(e->op, names);
  urn_type args[2] = {e->lhs->ty, e->rhs->ty};
  /* `%/%` is int division only (int_divide is also a function of two ints) */
  if (e->op == URN_OP_INTDIV && !(chk_is_int(args[0]) && chk_is_int(args[1]))) return 0;
  const urn_builtin *best = NULL;
  int best_cost = -1;
  for (int k = 0; k < nn; k++) {
    urn_type ret;
    int cost;
    const urn_builtin *b = urn_builtin_resolve_cost(names[k], args, 2, &ret, &cost);
    if (b && (!best || cost < best_cost)) best = b, best_cost = cost, e->ty = ret;
  }
  e->builtin = best;
  return best != NULL;
}

/* Types a prefix or postfix operator from its built-in; reports what is wrong. */
static void check_unary(checker *C, urn_expr *e) {
  char b1[64];
  chk_expr(C, e->lhs);
  urn_type t = e->lhs->ty;
  e->data_only = e->lhs->data_only, e->pure = e->lhs->pure;
  if (chk_is_err(t)) return;
  if (e->op == URN_OP_PLUS) { /* plus(T) is the identity on int, real, vector, row_vector, matrix */
    if (chk_is_scalar(t) || chk_is_vecmat(t) || chk_is_complex(t) || chk_is_cvecmat(t)) e->ty = t;
    else chk_error(C, e->line, e->col, "operator + is not defined for %s", chk_tyname(t, b1, sizeof b1));
    return;
  }
  const char *fn = e->op == URN_OP_NEG ? "minus" : e->op == URN_OP_NOT ? "logical_negation" : "transpose";
  urn_type ret;
  e->builtin = urn_builtin_resolve(fn, &t, 1, &ret);
  if (e->builtin) {
    e->ty = ret;
  } else if (e->op == URN_OP_TRANSPOSE) {
    chk_error(C, e->line, e->col, "transpose (') needs a vector, row_vector or matrix, not %s",
              chk_tyname(t, b1, sizeof b1));
  } else if (e->op == URN_OP_NOT) {
    chk_error(C, e->line, e->col, "operator ! needs an int, not %s%s", chk_tyname(t, b1, sizeof b1),
              t.base == URN_TY_REAL && !t.dims ? " (a real is not a truth value: compare it, e.g. x == 0)" : "");
  } else {
    chk_error(C, e->line, e->col, "operator %s is not defined for %s", urn_op_name(e->op), chk_tyname(t, b1, sizeof b1));
  }
}

static void check_binary(checker *C, urn_expr *e) {
  char b1[64], b2[64];
  chk_expr(C, e->lhs);
  chk_expr(C, e->rhs);
  urn_type a = e->lhs->ty, b = e->rhs->ty;
  e->data_only = e->lhs->data_only && e->rhs->data_only;
  e->pure = e->lhs->pure && e->rhs->pure;
  if (chk_is_err(a) || chk_is_err(b)) return;
  int op = e->op;
  if (op == URN_OP_AND || op == URN_OP_OR) { /* logical_and / logical_or (int, int), short-circuit */
    if (chk_is_int(a) && chk_is_int(b)) e->ty = chk_mk(URN_TY_INT, 0);
    else
      chk_error(C, e->line, e->col, "operator %s needs two ints, not %s and %s%s", urn_op_name(op),
                chk_tyname(a, b1, sizeof b1), chk_tyname(b, b2, sizeof b2),
                chk_is_scalar(a) && chk_is_scalar(b) ? " (a real is not a truth value: compare it, e.g. x != 0)" : "");
    return;
  }
  if (chk_binary_resolve(C, e)) return;
  chk_error(C, e->line, e->col, "operator %s is not defined for %s and %s%s", urn_op_name(op),
            chk_tyname(a, b1, sizeof b1), chk_tyname(b, b2, sizeof b2),
            (op == URN_OP_MOD || op == URN_OP_INTDIV) ? " (it needs two ints)"
            : op == URN_OP_POW && chk_is_vecmat(a) ? " (use .^ for elementwise powers)"
            : (a.dims || b.dims) && op < URN_OP_EQ ? " (arithmetic is not defined on arrays)"
                                                  : "");
}

/* The common type of two branches / literal elements (the one the other promotes to: int and
 * real -> real, real and complex -> complex, ..., tuples component by component), or ERROR. */
static urn_type common_in(urn_arena *ar, urn_type a, urn_type b) {
  if (chk_same(a, b)) return a;
  if (urn_type_promotes(a, b) >= 0) return b;
  if (urn_type_promotes(b, a) >= 0) return a;
  if (a.base == URN_TY_TUPLE && b.base == URN_TY_TUPLE && a.dims == b.dims && a.tup && b.tup && a.tup->n == b.tup->n) {
    urn_type *el = urn_arena_alloc(ar, (size_t)a.tup->n * sizeof *el);
    for (int i = 0; i < a.tup->n; i++) {
      el[i] = common_in(ar, a.tup->elem[i], b.tup->elem[i]);
      if (chk_is_err(el[i])) return el[i];
    }
    urn_tuple_type *tt = urn_arena_alloc(ar, sizeof *tt);
    tt->n = a.tup->n, tt->elem = el;
    a.tup = tt;
    return a;
  }
  return chk_mk(URN_TY_ERROR, 0);
}
#define common(a, b) common_in(&C->p->arena, (a), (b))

static void check_cond(checker *C, urn_expr *e) {
  char b1[64], b2[64];
  chk_expr(C, e->cond);
  chk_expr(C, e->lhs);
  chk_expr(C, e->rhs);
  e->data_only = e->cond->data_only && e->lhs->data_only && e->rhs->data_only;
  e->pure = e->cond->pure && e->lhs->pure && e->rhs->pure;
  if (chk_is_err(e->cond->ty) || chk_is_err(e->lhs->ty) || chk_is_err(e->rhs->ty)) return;
  if (!chk_is_int(e->cond->ty)) {
    chk_error(C, e->cond->line, e->cond->col, "the condition of ?: must be an int, not %s",
              chk_tyname(e->cond->ty, b1, sizeof b1));
    return;
  }
  e->ty = common(e->lhs->ty, e->rhs->ty);
  if (chk_is_err(e->ty))
    chk_error(C, e->line, e->col, "the branches of ?: have different types: %s and %s",
              chk_tyname(e->lhs->ty, b1, sizeof b1), chk_tyname(e->rhs->ty, b2, sizeof b2));
}

static void check_array_literal(checker *C, urn_expr *e) {
  char b1[64], b2[64];
  urn_type t = chk_mk(URN_TY_VOID, 0);
  int bad = 0;
  for (int i = 0; i < e->nargs; i++) {
    chk_expr(C, e->args[i]);
    e->data_only &= e->args[i]->data_only, e->pure &= e->args[i]->pure;
    if (chk_is_err(e->args[i]->ty)) bad = 1;
  }
  if (bad) return;
  for (int i = 0; i < e->nargs; i++) {
    urn_type u = e->args[i]->ty;
    t = i == 0 ? u : common(t, u);
    if (chk_is_err(t)) {
      chk_error(C, e->args[i]->line, e->args[i]->col,
                "array literal elements must have the same type: element %d is %s, the first is %s", i + 1,
                chk_tyname(u, b1, sizeof b1), chk_tyname(e->args[0]->ty, b2, sizeof b2));
      return;
    }
  }
  if (t.dims >= 250) chk_error(C, e->line, e->col, "too many array dimensions");
  else e->ty = t, e->ty.dims++;
}

static void check_rowvec_literal(checker *C, urn_expr *e) {
  int bad = 0, nscalar = 0, nrow = 0, cplx = 0;
  for (int i = 0; i < e->nargs; i++) {
    chk_expr(C, e->args[i]);
    e->data_only &= e->args[i]->data_only, e->pure &= e->args[i]->pure;
    urn_type u = e->args[i]->ty;
    if (chk_is_err(u)) bad = 1;
    else if (chk_is_num(u)) nscalar++, cplx |= chk_is_complex(u);
    else if (u.dims == 0 && (u.base == URN_TY_ROW_VECTOR || u.base == URN_TY_COMPLEX_ROW_VECTOR))
      nrow++, cplx |= u.base == URN_TY_COMPLEX_ROW_VECTOR;
  }
  if (bad) return;
  if (nscalar == e->nargs) e->ty = chk_mk(cplx ? URN_TY_COMPLEX_ROW_VECTOR : URN_TY_ROW_VECTOR, 0);
  else if (nrow == e->nargs) e->ty = chk_mk(cplx ? URN_TY_COMPLEX_MATRIX : URN_TY_MATRIX, 0);
  else
    chk_error(C, e->line, e->col,
              "the elements of [...] must be all scalars (a row_vector) or all row_vectors (a matrix)");
}

/* (a, b, ...): a tuple of the elements' types (in the program's arena). */
static void check_tuple_literal(checker *C, urn_expr *e) {
  char b1[64];
  int bad = 0;
  urn_type *el = urn_arena_alloc(&C->p->arena, (size_t)e->nargs * sizeof *el);
  for (int i = 0; i < e->nargs; i++) {
    chk_expr(C, e->args[i]);
    e->data_only &= e->args[i]->data_only, e->pure &= e->args[i]->pure;
    el[i] = e->args[i]->ty;
    if (chk_is_err(el[i])) bad = 1;
    else if (el[i].base == URN_TY_VOID || el[i].base == URN_TY_FUNCTION)
      chk_error(C, e->args[i]->line, e->args[i]->col, "a tuple cannot hold a value of type %s", chk_tyname(el[i], b1, sizeof b1)), bad = 1;
  }
  if (bad) return;
  urn_tuple_type *tt = urn_arena_alloc(&C->p->arena, sizeof *tt);
  tt->n = e->nargs, tt->elem = el;
  e->ty = chk_mk(URN_TY_TUPLE, 0);
  e->ty.tup = tt;
}

/* t.k: component k of a tuple (not of an array of tuples: index it first). */
static void check_tuple_get(checker *C, urn_expr *e) {
  char b1[64];
  chk_expr(C, e->lhs);
  urn_type t = e->lhs->ty;
  e->data_only = e->lhs->data_only, e->pure = e->lhs->pure;
  if (chk_is_err(t)) return;
  if (t.base != URN_TY_TUPLE || t.dims || !t.tup) {
    chk_error(C, e->line, e->col, "'.%d' selects a tuple component, but the expression has type %s", e->ival,
              chk_tyname(t, b1, sizeof b1));
    return;
  }
  if (e->ival > t.tup->n) {
    chk_error(C, e->line, e->col, "component %d of a tuple of %d components does not exist", e->ival, t.tup->n);
    return;
  }
  e->ty = t.tup->elem[e->ival - 1];
}

void chk_expr(checker *C, urn_expr *e) {
  e->ty = chk_mk(URN_TY_ERROR, 0);
  e->data_only = 1, e->pure = 1;
  switch (e->kind) {
    case URN_EX_INT: e->ty = chk_mk(URN_TY_INT, 0); break;
    case URN_EX_REAL: e->ty = chk_mk(URN_TY_REAL, 0); break;
    case URN_EX_STRING:
      chk_error(C, e->line, e->col, "string literals are only allowed as arguments of print, reject and fatal_error");
      break;
    case URN_EX_VAR: check_var(C, e); break;
    case URN_EX_TARGET: {
      chk_context *x = &C->ctx;
      int ok = x->fun ? x->fun->suffix == URN_SUF_LP : (x->block == URN_BLK_MODEL || x->block == URN_BLK_TPARAMS);
      if (!ok)
        chk_error(C, e->line, e->col,
                  "target() is only allowed in the model block, transformed parameters and functions ending in _lp");
      e->ty = chk_mk(URN_TY_REAL, 0);
      e->data_only = 0, e->pure = 0;
      break;
    }
    case URN_EX_UNARY: check_unary(C, e); break;
    case URN_EX_BINARY: check_binary(C, e); break;
    case URN_EX_COND: check_cond(C, e); break;
    case URN_EX_CALL: chk_call(C, e); break;
    case URN_EX_INDEX: {
      chk_expr(C, e->lhs);
      int pure = e->lhs->pure;
      e->data_only = e->lhs->data_only;
      if (chk_is_err(e->lhs->ty)) {
        for (int i = 0; i < e->nidx; i++) {
          if (e->idx[i].lo) chk_expr(C, e->idx[i].lo);
          if (e->idx[i].hi) chk_expr(C, e->idx[i].hi);
        }
        break;
      }
      e->ty = index_type(C, e->lhs->ty, e->idx, e->nidx, &pure);
      e->pure = (unsigned char)pure;
      break;
    }
    case URN_EX_ARRAY: check_array_literal(C, e); break;
    case URN_EX_ROWVEC: check_rowvec_literal(C, e); break;
    case URN_EX_IMAG: e->ty = chk_mk(URN_TY_COMPLEX, 0); break;
    case URN_EX_TUPLE: check_tuple_literal(C, e); break;
    case URN_EX_TUPLE_GET: check_tuple_get(C, e); break;
    default: break;
  }
  /* Stan's levels: a variable or a call of int type is data only; an int operation on parameters
   * (`a > 2`) is not, though its value carries no derivative (the lowering's novar covers that) */
}
