/* lang/check.c — the semantic checker (see check.h): scopes, declarations,
 * statements, functions and the blocks; expressions are in check_expr.c,
 * calls and overload resolution in check_call.c (check_impl.h).
 *
 * One walk over the program in source order with a scope table: every name
 * is resolved to its declaration or function and every variable gets its
 * slot, every expression its static type (lang/types.h) and its data_only
 * and pure levels, calls and operators their built-in entry or user overload,
 * and the block rules are enforced.  This is the only typing pass: the
 * lowering (lower.c) translates what it leaves on the AST.  Errors are
 * collected (several per run) rather than stopping at the first one; an
 * expression that failed gets type URN_TY_ERROR and never causes a second
 * message.  The typing rules are documented in docs/language.md. */
#include "lang/check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/builtins.h"
#include "lang/check_impl.h"
#include "lang/source.h"

enum { MAX_SHOWN_ERRORS = 8, MSG_BUDGET = 1900 };

/* ------------------------------------------------------------------ */
/* Errors                                                              */

void chk_error(checker *C, int line, int col, const char *fmt, ...) {
  C->nerrors++;
  if (C->nshown >= MAX_SHOWN_ERRORS) return;
  urn_buf one;
  urn_buf_init(&one);
  va_list ap;
  va_start(ap, fmt);
  int fline;
  const char *file = urn_program_where(C->p, line, &fline);
  urn_source_vdiag_at(&one, file, fline, C->p->src, C->p->len, line, col, fmt, ap);
  va_end(ap);
  if (C->msgs.len + one.len < MSG_BUDGET || C->nshown == 0) {
    if (C->nshown == 0 && one.len >= MSG_BUDGET) one.data[one.len = MSG_BUDGET - 1] = 0;
    urn_buf_append(&C->msgs, one.data, one.len);
    C->nshown++;
  } else {
    C->nshown = MAX_SHOWN_ERRORS; /* no room: stop showing */
  }
  urn_buf_free(&one);
}

/* ------------------------------------------------------------------ */
/* Scopes                                                              */

static size_t hash_name(const char *s) {
  size_t h = 1469598103934665603ull;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

static chk_sym *lookup_sym(checker *C, const char *name) {
  for (chk_sym *s = C->buckets[hash_name(name) & (C->nbuckets - 1)]; s; s = s->next)
    if (strcmp(s->name, name) == 0) return s;
  return NULL;
}

urn_vardecl *chk_lookup(checker *C, const char *name) {
  chk_sym *s = lookup_sym(C, name);
  return s ? s->decl : NULL;
}

/* Edit distance between a and b, capped at 3 (enough to suggest near misses). */
static int edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 64 || lb > 64 || (la > lb ? la - lb : lb - la) > 2) return 3;
  int row[65];
  for (size_t j = 0; j <= lb; j++) row[j] = (int)j;
  for (size_t i = 1; i <= la; i++) {
    int diag = row[0];
    row[0] = (int)i;
    for (size_t j = 1; j <= lb; j++) {
      int up = row[j];
      int best = diag + (a[i - 1] != b[j - 1]);
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      if (up + 1 < best) best = up + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[lb] < 3 ? row[lb] : 3;
}

/* Keeps candidate in *best when it is closer to name than what *best holds. */
static void consider(const char *name, const char *candidate, const char **best, int *best_d) {
  int max = strlen(name) <= 3 ? 1 : 2;
  int d = edit_distance(name, candidate);
  if (d > 0 && d <= max && d < *best_d) {
    *best = candidate;
    *best_d = d;
  }
}

/* " (did you mean 'x'?)" for the closest variable (vars) or function name, or "". */
void chk_suggest(checker *C, const char *name, int vars, char *out, size_t cap) {
  const char *best = NULL;
  int best_d = 3;
  if (vars) {
    for (size_t i = 0; i < C->nstack; i++) consider(name, C->stack[i]->name, &best, &best_d);
  } else {
    for (int i = 0; i < C->p->nfuns; i++) consider(name, C->p->funs[i]->name, &best, &best_d);
    size_t n = 0;
    const urn_builtin *t = urn_builtin_table(&n);
    for (size_t i = 0; t && i < n; i++) consider(name, t[i].name, &best, &best_d);
  }
  if (best) snprintf(out, cap, " (did you mean '%s'?)", best);
  else if (cap) out[0] = 0;
}

static void push_scope(checker *C) {
  if (C->nmarks == C->capmarks) {
    C->capmarks = C->capmarks ? 2 * C->capmarks : 16;
    C->marks = urn_xrealloc(C->marks, C->capmarks * sizeof *C->marks);
  }
  C->marks[C->nmarks++] = C->nstack;
}

static void pop_scope(checker *C) {
  size_t mark = C->marks[--C->nmarks];
  while (C->nstack > mark) {
    chk_sym *s = C->stack[--C->nstack];
    chk_sym **pp = &C->buckets[hash_name(s->name) & (C->nbuckets - 1)];
    while (*pp != s) pp = &(*pp)->next;
    *pp = s->next;
    free(s);
  }
}

urn_fundef *chk_find_fun(checker *C, const char *name) {
  for (int i = 0; i < C->p->nfuns; i++)
    if (strcmp(C->p->funs[i]->name, name) == 0) return C->p->funs[i];
  return NULL;
}

/* Declares d in the current scope (reports a redeclaration) and gives it its slot: the next
 * program-level slot, or the next slot of the frame of the function being checked. */
static void declare(checker *C, urn_vardecl *d) {
  if (C->ctx.fun) d->slot = C->ctx.fun->nslots++, d->global = 0;
  else d->slot = C->p->nslots++, d->global = 1;
  urn_vardecl *old = chk_lookup(C, d->name);
  if (old) {
    chk_error(C, d->line, d->col, "'%s' is already declared (at line %d, column %d)", d->name,
             old->line, old->col);
    return;
  }
  chk_sym *s = urn_xmalloc(sizeof *s);
  s->name = d->name;
  s->decl = d;
  size_t b = hash_name(d->name) & (C->nbuckets - 1);
  s->next = C->buckets[b];
  C->buckets[b] = s;
  if (C->nstack == C->capstack) {
    C->capstack = C->capstack ? 2 * C->capstack : 64;
    C->stack = urn_xrealloc(C->stack, C->capstack * sizeof *C->stack);
  }
  C->stack[C->nstack++] = s;
  if (C->nstack * 2 > C->nbuckets) {
    /* grow the table and rehash the live names */
    size_t nb = C->nbuckets * 4;
    chk_sym **buckets = urn_xcalloc(nb, sizeof *buckets);
    for (size_t i = 0; i < C->nstack; i++) {
      chk_sym *t = C->stack[i];
      size_t k = hash_name(t->name) & (nb - 1);
      t->next = buckets[k];
      buckets[k] = t;
    }
    free(C->buckets);
    C->buckets = buckets;
    C->nbuckets = nb;
  }
}

/* ------------------------------------------------------------------ */
/* Declarations                                                        */

static void check_size(checker *C, urn_expr *e, const char *what) {
  char b1[64];
  if (!e) return;
  chk_expr(C, e);
  if (chk_is_err(e->ty)) return;
  if (!chk_is_int(e->ty))
    chk_error(C, e->line, e->col, "%s must be an int, not %s", what, chk_tyname(e->ty, b1, sizeof b1));
}

/* A bound / offset / multiplier: a scalar, or a container of the element type. */
static void check_bound(checker *C, urn_vardecl *d, urn_expr *e, const char *what) {
  char b1[64], b2[64];
  if (!e) return;
  chk_expr(C, e);
  urn_type t = e->ty;
  if (chk_is_err(t)) return;
  urn_type elem = chk_mk(d->ty.base, 0);
  if (d->dtype == URN_DT_INT) {
    if (!chk_is_int(t))
      chk_error(C, e->line, e->col, "the %s of int '%s' must be an int, not %s", what,
               d->name, chk_tyname(t, b1, sizeof b1));
    return;
  }
  if (chk_is_scalar(t) || chk_same(t, elem) || chk_same(t, d->ty)) return;
  if (elem.base == URN_TY_REAL)
    chk_error(C, e->line, e->col, "the %s of '%s' must be an int or real, not %s", what, d->name,
             chk_tyname(t, b1, sizeof b1));
  else
    chk_error(C, e->line, e->col, "the %s of '%s' must be a real or a %s, not %s", what, d->name,
             chk_tyname(elem, b2, sizeof b2), chk_tyname(t, b1, sizeof b1));
}

#define URN_MAX_DECL_SIZES 16 /* array dimensions + rows + columns looked at by the size rule */

static const char *origin_block(int origin) {
  switch (origin) {
    case URN_ORIGIN_DATA: return "data";
    case URN_ORIGIN_TDATA: return "transformed data";
    case URN_ORIGIN_PARAM: return "parameters";
    case URN_ORIGIN_TPARAM: return "transformed parameters";
    case URN_ORIGIN_GQ: return "generated quantities";
  }
  return "local";
}

/* Stan's "data only" level of a declared variable (urn_vardecl.is_data): ints never carry
 * derivatives; data, transformed data and generated quantities are doubles; parameters,
 * transformed parameters and the locals of the model block and of functions may be autodiff
 * variables; a function argument is data only when declared `data`. */
static int decl_is_data(const checker *C, const urn_vardecl *d) {
  if (d->ty.base == URN_TY_INT) return 1;
  switch (d->origin) {
    case URN_ORIGIN_DATA: case URN_ORIGIN_TDATA: case URN_ORIGIN_GQ: return 1;
    case URN_ORIGIN_PARAM: case URN_ORIGIN_TPARAM: return 0;
    case URN_ORIGIN_FUNARG: return d->data_only;
  }
  return !C->ctx.fun && C->ctx.block != URN_BLK_MODEL && C->ctx.block != URN_BLK_TPARAMS;
}

/* Does the type hold an int anywhere (inside tuples too)? */
static int has_int(urn_type t) {
  if (t.base == URN_TY_INT) return 1;
  if (t.base == URN_TY_TUPLE && t.tup)
    for (int i = 0; i < t.tup->n; i++)
      if (has_int(t.tup->elem[i])) return 1;
  return 0;
}

/* May a local variable have this declared type?  (no constraints, here or in tuple components) */
static int local_ok(const urn_vardecl *d) {
  if (d->dtype == URN_DT_TUPLE) {
    for (int i = 0; i < d->ncomps; i++)
      if (!local_ok(d->comps[i])) return 0;
    return 1;
  }
  return d->dtype <= URN_DT_MATRIX || (d->dtype >= URN_DT_COMPLEX && d->dtype <= URN_DT_COMPLEX_MATRIX);
}

/* The sizes, bounds and rules of a declared type (a variable, or a tuple component: name the variable). */
static void check_decl_type(checker *C, urn_vardecl *d, const char *name) {
  for (int i = 0; i < d->ndims; i++) check_size(C, d->dims[i], "an array size");
  check_size(C, d->size1, d->dtype == URN_DT_MATRIX ? "the number of rows" : "a size");
  check_size(C, d->size2, "the number of columns");
  /* Stan: the sizes of block-level variables are fixed by the data (the output has one
   * layout); only local variables may be sized by parameters. */
  if (d->origin <= URN_ORIGIN_GQ) {
    urn_expr *sizes[URN_MAX_DECL_SIZES];
    int ns = 0;
    for (int i = 0; i < d->ndims && ns < URN_MAX_DECL_SIZES - 2; i++) sizes[ns++] = d->dims[i];
    if (d->size1) sizes[ns++] = d->size1;
    if (d->size2) sizes[ns++] = d->size2;
    for (int i = 0; i < ns; i++)
      if (!chk_is_err(sizes[i]->ty) && !sizes[i]->pure) {
        chk_error(C, sizes[i]->line, sizes[i]->col,
                 "the size of '%s' must depend only on data and transformed data (the sizes of %s "
                 "variables are fixed before sampling; only local variables may be sized otherwise)",
                 name, origin_block(d->origin));
        break;
      }
  }
  const char *nm = d->name;
  d->name = name; /* bound messages name the variable */
  check_bound(C, d, d->lower, "lower bound");
  check_bound(C, d, d->upper, "upper bound");
  check_bound(C, d, d->offset, "offset");
  check_bound(C, d, d->multiplier, "multiplier");
  d->name = nm;
  for (int i = 0; i < d->ncomps; i++) {
    d->comps[i]->origin = d->origin;
    check_decl_type(C, d->comps[i], name);
  }
}

static void check_decl(checker *C, urn_vardecl *d) {
  char b1[64], b2[64];
  check_decl_type(C, d, d->name);
  if (d->origin == URN_ORIGIN_PARAM && has_int(d->ty))
    chk_error(C, d->line, d->col, "parameters cannot be int: '%s' must be real-valued", d->name);
  if (d->origin == URN_ORIGIN_TPARAM && has_int(d->ty))
    chk_error(C, d->line, d->col, "transformed parameters cannot be int: '%s' must be real-valued", d->name);
  if (d->origin == URN_ORIGIN_LOCAL && !local_ok(d))
    chk_error(C, d->line, d->col,
             "local variable '%s' cannot have the constrained type %s (use vector or matrix)",
             d->name, urn_decl_type_name(d->dtype));
  d->is_data = (unsigned char)decl_is_data(C, d);
  d->pure = d->origin == URN_ORIGIN_DATA || d->origin == URN_ORIGIN_TDATA;
  /* the name is in scope in its own initializer (Stan: `real x = x;` reads the not-yet-set value) */
  declare(C, d);
  if (d->init) {
    chk_expr(C, d->init);
    if (!chk_assignable(d->ty, d->init->ty))
      chk_error(C, d->init->line, d->init->col, "cannot initialize '%s' of type %s with a value of type %s",
               d->name, chk_tyname(d->ty, b1, sizeof b1), chk_tyname(d->init->ty, b2, sizeof b2));
  }
}

/* ------------------------------------------------------------------ */
/* Statements                                                          */

static void check_stmt(checker *C, urn_stmt *s);

static void check_list(checker *C, urn_stmt **stmts, int n) {
  for (int i = 0; i < n; i++) check_stmt(C, stmts[i]);
}

/* May the current chk_context assign to d?  Reports why not. */
static void check_assignable_var(checker *C, urn_vardecl *d, int line, int col) {
  const char *why = NULL;
  char buf[160];
  switch (d->origin) {
    case URN_ORIGIN_DATA: why = "it is data (declared in the data block)"; break;
    case URN_ORIGIN_PARAM: why = "it is a parameter (declared in the parameters block)"; break;
    case URN_ORIGIN_LOOP: why = "it is a loop variable"; break;
    case URN_ORIGIN_FUNARG: why = "it is a function argument"; break;
    case URN_ORIGIN_TDATA:
    case URN_ORIGIN_TPARAM:
    case URN_ORIGIN_GQ: {
      int blk = d->origin == URN_ORIGIN_TDATA ? URN_BLK_TDATA
                : d->origin == URN_ORIGIN_TPARAM ? URN_BLK_TPARAMS
                                                 : URN_BLK_GQ;
      if (C->ctx.fun || C->ctx.block != blk) {
        snprintf(buf, sizeof buf, "it is declared in the %s block and can only be assigned there",
                 urn_block_name(blk));
        why = buf;
      }
      break;
    }
    default: break;
  }
  if (why) chk_error(C, line, col, "cannot assign to '%s': %s", d->name, why);
}

static int assign_binop(int aop) {
  switch (aop) {
    case URN_AS_ADD: return URN_OP_ADD;
    case URN_AS_SUB: return URN_OP_SUB;
    case URN_AS_MUL: return URN_OP_MUL;
    case URN_AS_DIV: return URN_OP_DIV;
    case URN_AS_ELT_MUL: return URN_OP_ELT_MUL;
    case URN_AS_ELT_DIV: return URN_OP_ELT_DIV;
    default: return -1;
  }
}

/* The variable an assignment target names (through indexes and tuple components). */
static urn_expr *lhs_root(urn_expr *e) {
  while (e->kind == URN_EX_INDEX || e->kind == URN_EX_TUPLE_GET) e = e->lhs;
  return e;
}

/* Does an assignment target index its variable anywhere (x[i], t.1[2])? */
static int has_index(const urn_expr *t) {
  for (; t->kind == URN_EX_INDEX || t->kind == URN_EX_TUPLE_GET; t = t->lhs)
    if (t->kind == URN_EX_INDEX) return 1;
  return 0;
}

/* Do two assignment targets overlap?  The same variable with an index in either (whether the
 * elements differ is not decided statically, as in Stan), or one target a component (or the whole)
 * of the other. */
static int targets_overlap(const urn_expr *a, const urn_expr *b) {
  if (lhs_root((urn_expr *)a)->decl == lhs_root((urn_expr *)b)->decl && (has_index(a) || has_index(b))) return 1;
  urn_buf x, y;
  urn_buf_init(&x), urn_buf_init(&y);
  urn_expr_format(a, &x), urn_expr_format(b, &y);
  size_t n = x.len < y.len ? x.len : y.len;
  int r = lhs_root((urn_expr *)a)->decl == lhs_root((urn_expr *)b)->decl && strncmp(x.data, y.data, n) == 0 &&
          (x.len == y.len || strchr(".[", (x.len > n ? x.data : y.data)[n]));
  urn_buf_free(&x), urn_buf_free(&y);
  return r;
}

/* Does e read the variable d? */
static int reads_var(const urn_expr *e, const urn_vardecl *d) {
  if (!e) return 0;
  if (e->kind == URN_EX_VAR) return e->decl == d;
  if (reads_var(e->cond, d) || reads_var(e->lhs, d) || reads_var(e->rhs, d)) return 1;
  for (int i = 0; i < e->nargs; i++)
    if (reads_var(e->args[i], d)) return 1;
  for (int i = 0; i < e->nidx; i++)
    if (reads_var(e->idx[i].lo, d) || reads_var(e->idx[i].hi, d)) return 1;
  return 0;
}

/* Does an assignment target read d in one of its indexes (x[d], t.1[d + 1])? */
static int reads_in_indexes(const urn_expr *t, const urn_vardecl *d) {
  for (; t->kind == URN_EX_INDEX || t->kind == URN_EX_TUPLE_GET; t = t->lhs)
    for (int i = 0; t->kind == URN_EX_INDEX && i < t->nidx; i++)
      if (reads_var(t->idx[i].lo, d) || reads_var(t->idx[i].hi, d)) return 1;
  return 0;
}

/* The targets of an unpacking assignment `(a, b[i], (c, d.1)) = ...`, flattened. */
static void unpack_targets(urn_expr *e, urn_expr **out, int *n, int cap) {
  if (e->kind == URN_EX_TUPLE) {
    for (int i = 0; i < e->nargs; i++) unpack_targets(e->args[i], out, n, cap);
  } else if (*n < cap) {
    out[(*n)++] = e;
  }
}

/* (a, b) = t: every target assignable and distinct; none read by another's indexes (Stan's rules). */
static void check_unpack(checker *C, urn_stmt *s) {
  urn_expr *t[64];
  int n = 0;
  unpack_targets(s->lhs, t, &n, 64);
  for (int i = 0; i < n; i++) {
    urn_expr *root = lhs_root(t[i]);
    if (root->decl) check_assignable_var(C, root->decl, root->line, root->col);
    for (int j = 0; j < i; j++) {
      if (targets_overlap(t[i], t[j])) {
        chk_error(C, t[i]->line, t[i]->col, "the same value cannot be assigned to more than once in one unpacking");
        return;
      }
      urn_expr *rj = lhs_root(t[j]);
      if ((root->decl && reads_in_indexes(t[j], root->decl)) || (rj->decl && reads_in_indexes(t[i], rj->decl))) {
        chk_error(C, t[i]->line, t[i]->col,
                  "a variable cannot be both assigned to and read from on the left side of an unpacking");
        return;
      }
    }
  }
}

static void check_assign(checker *C, urn_stmt *s) {
  char b1[64], b2[64];
  urn_expr *root = lhs_root(s->lhs);
  chk_expr(C, s->lhs);
  chk_expr(C, s->rhs);
  if (s->lhs->kind == URN_EX_TUPLE) {
    check_unpack(C, s);
    urn_type lt = s->lhs->ty, rt = s->rhs->ty;
    if (!chk_is_err(lt) && !chk_is_err(rt) && !chk_assignable(lt, rt))
      chk_error(C, s->line, s->col, "cannot unpack a value of type %s into %s", chk_tyname(rt, b1, sizeof b1),
                chk_tyname(lt, b2, sizeof b2));
    return;
  }
  if (root->decl) check_assignable_var(C, root->decl, root->line, root->col);
  /* Stan: x[x[1]] = ... is refused (the indexes of the target may not read the variable assigned) */
  if (root->decl && reads_in_indexes(s->lhs, root->decl))
    chk_error(C, root->line, root->col,
              "'%s' is both assigned to and read in the indexes of the left-hand side; use a temporary "
              "variable for the index",
              root->name);
  urn_type lt = s->lhs->ty, rt = s->rhs->ty;
  if (chk_is_err(lt) || chk_is_err(rt)) return;
  if (rt.base == URN_TY_FUNCTION) {
    chk_error(C, s->rhs->line, s->rhs->col, "a function cannot be assigned to '%s'", root->name);
    return;
  }
  if (s->op == URN_AS_SET) {
    if (!chk_assignable(lt, rt))
      chk_error(C, root->line, root->col, "cannot assign a value of type %s to '%s' of type %s",
               chk_tyname(rt, b1, sizeof b1), root->name, chk_tyname(lt, b2, sizeof b2));
    return;
  }
  /* x op= y stores the value of x op y, typed and resolved like that operation (`/=` is
   * elementwise division only, no right matrix division, as in Stan) */
  urn_expr *v = urn_ast_expr(C->p, URN_EX_BINARY, s->line, s->col);
  v->op = assign_binop(s->op), v->lhs = s->lhs, v->rhs = s->rhs;
  v->data_only = s->lhs->data_only && s->rhs->data_only, v->pure = s->lhs->pure && s->rhs->pure;
  int ok = chk_binary_resolve(C, v) && !(s->op == URN_AS_DIV && strcmp(v->builtin->name, "divide") != 0);
  s->value = v;
  if (!ok)
    chk_error(C, root->line, root->col, "operator %s is not defined for %s and %s",
             urn_assign_op_name(s->op), chk_tyname(lt, b1, sizeof b1), chk_tyname(rt, b2, sizeof b2));
  else if ((s->op == URN_AS_ELT_MUL || s->op == URN_AS_ELT_DIV) && chk_is_scalar(lt))
    chk_error(C, root->line, root->col, "operator %s needs a vector, row_vector or matrix on the left, not %s (use %s)",
              urn_assign_op_name(s->op), chk_tyname(lt, b1, sizeof b1), s->op == URN_AS_ELT_MUL ? "*=" : "/=");
  else if (!chk_same(lt, v->ty))
    chk_error(C, root->line, root->col,
             "the result of %s has type %s, which cannot be stored in '%s' of type %s",
             urn_assign_op_name(s->op), chk_tyname(v->ty, b1, sizeof b1), root->name,
             chk_tyname(lt, b2, sizeof b2));
}

/* The family name of a `~` statement resolved to a user density, or the built-in one. */
static void check_tilde(checker *C, urn_stmt *s) {
  char b1[64];
  chk_context *x = &C->ctx;
  int ok = x->fun ? x->fun->suffix == URN_SUF_LP : x->block == URN_BLK_MODEL;
  if (!ok)
    chk_error(C, s->line, s->col,
             "'~' statements are only allowed in the model block and in functions ending in _lp");
  chk_expr(C, s->lhs);
  int bad = chk_is_err(s->lhs->ty);
  for (int i = 0; i < s->nargs; i++) {
    if (chk_function_argument(C, s->args[i])) continue; /* y ~ laplace_marginal_poisson_log(..., K, (...)) */
    chk_expr(C, s->args[i]);
    bad |= chk_is_err(s->args[i]->ty);
  }
  if (s->trunc_lo) chk_expr(C, s->trunc_lo), bad |= chk_is_err(s->trunc_lo->ty);
  if (s->trunc_hi) chk_expr(C, s->trunc_hi), bad |= chk_is_err(s->trunc_hi->ty);
  if (bad) return;
  /* the call dist_lupdf(lhs, args...) or dist_lupmf(...) */
  int n = s->nargs + 1;
  urn_expr **args = urn_arena_alloc(&C->p->arena, (size_t)n * sizeof *args);
  args[0] = s->lhs;
  for (int i = 0; i < s->nargs; i++) args[i + 1] = s->args[i];
  urn_expr call;
  memset(&call, 0, sizeof call);
  call.kind = URN_EX_CALL;
  call.args = args;
  call.nargs = n;
  char name[512];
  const char *dist_suffix = NULL;
  if (urn_fun_suffix_of(s->dist) != URN_SUF_NONE) {
    chk_error(C, s->dist_line, s->dist_col,
             "'~' takes the family name without a suffix: write '~ %.*s(...)'",
             (int)(strrchr(s->dist, '_') - s->dist), s->dist);
    return;
  }
  snprintf(name, sizeof name, "%s_lpdf", s->dist);
  if (chk_find_fun(C, name)) {
    dist_suffix = "_lupdf";
  } else {
    snprintf(name, sizeof name, "%s_lpmf", s->dist);
    if (chk_find_fun(C, name)) dist_suffix = "_lupmf";
  }
  if (!dist_suffix) {
    snprintf(name, sizeof name, "%s_lupdf", s->dist);
    if (urn_builtin_exists(name)) dist_suffix = "_lupdf";
    snprintf(name, sizeof name, "%s_lupmf", s->dist);
    if (!dist_suffix && urn_builtin_exists(name)) dist_suffix = "_lupmf";
  }
  if (!dist_suffix) {
    /* suggest a family: the closest `fam_lupdf`/`fam_lupmf` name */
    char hint[160] = "", best_name[128] = "";
    const char *best = NULL;
    int best_d = 3;
    size_t nt = 0;
    const urn_builtin *t = urn_builtin_table(&nt);
    for (size_t i = 0; t && i < nt; i++) {
      const char *nm = t[i].name;
      size_t l = strlen(nm);
      if (l < 7 || l - 6 >= sizeof best_name ||
          (strcmp(nm + l - 6, "_lupdf") != 0 && strcmp(nm + l - 6, "_lupmf") != 0))
        continue;
      char f[128];
      memcpy(f, nm, l - 6);
      f[l - 6] = 0;
      const char *before = best;
      consider(s->dist, f, &best, &best_d);
      if (best != before) {
        memcpy(best_name, f, l - 5);
        best = best_name;
      }
    }
    if (best) snprintf(hint, sizeof hint, " (did you mean '%s'?)", best);
    chk_error(C, s->dist_line, s->dist_col, "unknown distribution '%s'%s", s->dist, hint);
    return;
  }
  snprintf(name, sizeof name, "%s%s", s->dist, dist_suffix);
  s->discrete = dist_suffix[4] == 'm';
  if (s->discrete && s->lhs->ty.base != URN_TY_INT && s->lhs->ty.base != URN_TY_TUPLE) {
    chk_error(C, s->lhs->line, s->lhs->col,
             "%s is a discrete distribution: the left side of '~' must be int-valued, not %s",
             s->dist, chk_tyname(s->lhs->ty, b1, sizeof b1));
    return;
  }
  chk_resolve_call(C, &call, name, s->dist_line, s->dist_col);
  s->builtin = call.builtin;
  s->fun = call.fun;
  /* Vectorised truncation (Stan 2.36): a container variate, or container arguments, with scalar
   * bounds; every element is truncated to the same [L, U] (eval.c's truncate). */
  int any_container = !chk_is_scalar(s->lhs->ty);
  for (int i = 0; i < s->nargs; i++) any_container |= !chk_is_scalar(s->args[i]->ty);
  if (s->truncated && !chk_is_err(call.ty) && s->lhs->ty.base != URN_TY_INT && s->lhs->ty.base != URN_TY_REAL &&
      s->lhs->ty.base != URN_TY_VECTOR && s->lhs->ty.base != URN_TY_ROW_VECTOR) {
    chk_error(C, s->line, s->col, "truncation is only allowed for a univariate variate (a scalar, an array, a "
                                  "vector or a row vector), not %s", chk_tyname(s->lhs->ty, b1, sizeof b1));
    return;
  }
  if (s->truncated && !chk_is_err(call.ty)) {
    urn_expr *bounds[2] = {s->trunc_lo, s->trunc_hi};
    const char *which[2] = {"_lccdf", "_lcdf"};
    for (int k = 0; k < 2; k++) {
      if (!bounds[k]) continue;
      if (!chk_is_scalar(bounds[k]->ty)) {
        chk_error(C, bounds[k]->line, bounds[k]->col, "a truncation bound must be an int or real, not %s",
                 chk_tyname(bounds[k]->ty, b1, sizeof b1));
        continue;
      }
      if (s->fun) {
        /* a user density: the user's CDF with the bound as variate (both bounds: _lcdf twice) */
        const char *suffix = s->trunc_lo && s->trunc_hi ? "_lcdf" : which[k];
        snprintf(name, sizeof name, "%s%s", s->dist, suffix);
        urn_type utys[64];
        int m = 1, found = 0, cost, ties;
        utys[0] = bounds[k]->ty;
        for (int i = 0; i < s->nargs && m < 64; i++) utys[m++] = s->args[i]->ty;
        if (s->trunc_lo && s->trunc_hi && any_container) /* called element by element */
          for (int i = 1; i < m; i++)
            if (!chk_is_scalar(utys[i])) utys[i] = (urn_type){utys[i].base == URN_TY_INT ? URN_TY_INT : URN_TY_REAL, 0};
        urn_fundef *uf = chk_best_user(C, name, utys, m, &cost, &ties, &found);
        if (!uf)
          chk_error(C, bounds[k]->line, bounds[k]->col,
                   "truncation of the user-defined %s needs a function %s(%s | ...) with the same "
                   "arguments%s",
                   s->dist, name, s->lhs->ty.base == URN_TY_INT ? "int" : "real", found ? " (no overload matches)" : "");
        else if (suffix[3] == 'c') s->trunc_ulccdf = uf;
        else s->trunc_ulcdf = uf;
        continue;
      }
      snprintf(name, sizeof name, "%s%s", s->dist, which[k]);
      urn_type argt[64], ret;
      argt[0] = bounds[k]->ty;
      int m = 1;
      for (int i = 0; i < s->nargs && m < 64; i++) argt[m++] = s->args[i]->ty;
      const urn_builtin *b = urn_builtin_resolve(name, argt, m, &ret);
      if (!b) {
        chk_error(C, bounds[k]->line, bounds[k]->col,
                 "truncation needs %s, which is not available for these arguments", name);
        continue;
      }
      if (k == 0) s->trunc_lccdf = b;
      else s->trunc_lcdf = b;
    }
  }
}

/* Whether a statement ends the function (Stan's return analysis, as stanc3 computes it). */
enum { RET_INCOMPLETE, RET_COMPLETE, RET_NONLOCAL /* contains a break that leaves the loop */ };

static int is_escape(const urn_stmt *s) {
  return s->kind == URN_ST_RETURN || s->kind == URN_ST_REJECT || s->kind == URN_ST_FATAL ||
         s->kind == URN_ST_BREAK || s->kind == URN_ST_CONTINUE;
}

/* COMPLETE when every path through s ends in return, reject or fatal_error. A block counts up to its
 * first escaping statement; an if needs both branches; a loop counts when its body does; and a
 * `while` whose condition is a nonzero int literal with no break in its body never ends but by a
 * return (stanc3's rule: `while (1) { ... return ...; }` is complete even when some path loops). */
static int return_kind(const urn_stmt *s) {
  if (!s) return RET_INCOMPLETE;
  switch (s->kind) {
    case URN_ST_RETURN:
    case URN_ST_REJECT:
    case URN_ST_FATAL: return RET_COMPLETE;
    case URN_ST_BREAK: return RET_NONLOCAL;
    case URN_ST_BLOCK: {
      int acc = RET_INCOMPLETE;
      for (int i = 0; i < s->nstmts; i++) {
        int r = return_kind(s->stmts[i]);
        if (acc == RET_NONLOCAL || r == RET_NONLOCAL) acc = RET_NONLOCAL;
        else acc = r == RET_COMPLETE ? RET_COMPLETE : RET_INCOMPLETE; /* the last statement decides */
        if (is_escape(s->stmts[i])) break;
      }
      return acc;
    }
    case URN_ST_IF: {
      int a = return_kind(s->body), b = return_kind(s->else_body);
      if (a == RET_NONLOCAL || b == RET_NONLOCAL) return RET_NONLOCAL;
      return a == RET_COMPLETE && b == RET_COMPLETE ? RET_COMPLETE : RET_INCOMPLETE;
    }
    case URN_ST_WHILE: {
      int r = return_kind(s->body);
      if (r == RET_COMPLETE) return RET_COMPLETE;
      return r == RET_INCOMPLETE && s->cond->kind == URN_EX_INT && s->cond->ival != 0 ? RET_COMPLETE : RET_INCOMPLETE;
    }
    case URN_ST_FOR:
    case URN_ST_FOREACH: return return_kind(s->body) == RET_COMPLETE ? RET_COMPLETE : RET_INCOMPLETE;
    default: return RET_INCOMPLETE;
  }
}

static void check_printables(checker *C, urn_stmt *s) {
  for (int i = 0; i < s->nargs; i++) {
    urn_expr *a = s->args[i];
    if (a->kind == URN_EX_STRING) continue;
    chk_expr(C, a);
    if (a->ty.base == URN_TY_VOID)
      chk_error(C, a->line, a->col, "%s(...) returns nothing (void): there is no value to print", a->name ? a->name : "");
  }
}

/* target += x (model block, _lp functions): x numeric. */
static void check_target(checker *C, urn_stmt *s) {
  char b1[64];
  int ok = C->ctx.fun ? C->ctx.fun->suffix == URN_SUF_LP : C->ctx.block == URN_BLK_MODEL;
  if (!ok)
    chk_error(C, s->line, s->col,
             "target += is only allowed in the model block and in functions ending in _lp");
  chk_expr(C, s->rhs);
  urn_type t = s->rhs->ty;
  if (!chk_is_err(t) && !(t.base == URN_TY_INT || t.base == URN_TY_REAL || t.base == URN_TY_VECTOR ||
                      t.base == URN_TY_ROW_VECTOR || t.base == URN_TY_MATRIX))
    chk_error(C, s->rhs->line, s->rhs->col, "target += needs a numeric value, not %s",
             chk_tyname(t, b1, sizeof b1));
}

/* jacobian += x (transformed parameters, _jacobian functions): x numeric. */
static void check_jacobian(checker *C, urn_stmt *s) {
  char b1[64];
  int ok = C->ctx.fun ? strlen(C->ctx.fun->name) > 9 &&
                            strcmp(C->ctx.fun->name + strlen(C->ctx.fun->name) - 9, "_jacobian") == 0
                      : C->ctx.block == URN_BLK_TPARAMS;
  if (!ok)
    chk_error(C, s->line, s->col,
             "jacobian += is only allowed in transformed parameters and functions ending in "
             "_jacobian");
  chk_expr(C, s->rhs);
  urn_type t = s->rhs->ty;
  if (!chk_is_err(t) && !(chk_is_scalar(t) || chk_is_vecmat(t) || t.base == URN_TY_REAL))
    chk_error(C, s->rhs->line, s->rhs->col, "jacobian += needs a numeric value, not %s",
             chk_tyname(t, b1, sizeof b1));
}

/* A loop's variable v in a scope of its own, then its body inside the loop in a scope within it (check_for,
 * check_foreach). */
static void loop_body(checker *C, urn_vardecl *v, urn_stmt *body) {
  push_scope(C);
  declare(C, v);
  C->ctx.loops++;
  C->ctx.top = 0;
  push_scope(C);
  check_stmt(C, body);
  pop_scope(C);
  pop_scope(C);
}

/* for (i in lo:hi) body: int bounds; i is a data int in a scope of its own, the body inside a loop. */
static void check_for(checker *C, urn_stmt *s) {
  char b1[64];
  chk_expr(C, s->lo);
  chk_expr(C, s->hi);
  for (int k = 0; k < 2; k++) {
    urn_expr *b = k ? s->hi : s->lo;
    if (!chk_is_err(b->ty) && !chk_is_int(b->ty))
      chk_error(C, b->line, b->col, "for-loop bounds must be int, not %s",
               chk_tyname(b->ty, b1, sizeof b1));
  }
  s->decl->is_data = 1, s->decl->pure = 0; /* an int */
  loop_body(C, s->decl, s->body);
}

/* for (v in container) body: v gets the container's element type (array element, real or complex entry). */
static void check_foreach(checker *C, urn_stmt *s) {
  char b1[64];
  chk_expr(C, s->rhs);
  urn_type t = s->rhs->ty;
  urn_vardecl *v = s->decl;
  if (t.dims > 0) {
    v->ty = t, v->ty.dims--;
  } else if (chk_is_vecmat(t)) {
    v->ty = chk_mk(URN_TY_REAL, 0);
  } else if (chk_is_cvecmat(t)) {
    v->ty = chk_mk(URN_TY_COMPLEX, 0);
  } else {
    if (!chk_is_err(t))
      chk_error(C, s->rhs->line, s->rhs->col,
               "foreach loops need an array, vector, row_vector or matrix, not %s",
               chk_tyname(t, b1, sizeof b1));
    v->ty = chk_mk(URN_TY_ERROR, 0);
  }
  v->ndims = v->ty.dims;
  v->dtype = v->ty.base == URN_TY_INT       ? URN_DT_INT
             : v->ty.base == URN_TY_VECTOR  ? URN_DT_VECTOR
             : v->ty.base == URN_TY_ROW_VECTOR ? URN_DT_ROW_VECTOR
             : v->ty.base == URN_TY_MATRIX  ? URN_DT_MATRIX
             : v->ty.base == URN_TY_COMPLEX ? URN_DT_COMPLEX
             : v->ty.base == URN_TY_COMPLEX_VECTOR ? URN_DT_COMPLEX_VECTOR
             : v->ty.base == URN_TY_COMPLEX_ROW_VECTOR ? URN_DT_COMPLEX_ROW_VECTOR
             : v->ty.base == URN_TY_COMPLEX_MATRIX ? URN_DT_COMPLEX_MATRIX
             : v->ty.base == URN_TY_TUPLE   ? URN_DT_TUPLE
                                            : URN_DT_REAL;
  v->is_data = s->rhs->data_only || v->ty.base == URN_TY_INT, v->pure = 0;
  loop_body(C, v, s->body);
}

/* return [x]: inside a function, x assignable to its return type (none for void). */
static void check_return(checker *C, urn_stmt *s) {
  char b1[64], b2[64];
  urn_fundef *f = C->ctx.fun;
  if (s->rhs) chk_expr(C, s->rhs);
  if (!f) {
    chk_error(C, s->line, s->col, "'return' is only allowed inside a function body");
    return;
  }
  if (f->ret.base == URN_TY_VOID) {
    if (s->rhs)
      chk_error(C, s->line, s->col, "void function '%s' cannot return a value", f->name);
  } else if (!s->rhs) {
    chk_error(C, s->line, s->col, "function '%s' must return a value of type %s", f->name,
             chk_tyname(f->ret, b1, sizeof b1));
  } else if (!chk_assignable(f->ret, s->rhs->ty)) {
    chk_error(C, s->rhs->line, s->rhs->col,
             "function '%s' returns %s, but this return value has type %s", f->name,
             chk_tyname(f->ret, b1, sizeof b1), chk_tyname(s->rhs->ty, b2, sizeof b2));
  }
}

static void check_stmt(checker *C, urn_stmt *s) {
  char b1[64];
  chk_context saved = C->ctx;
  switch (s->kind) {
    case URN_ST_DECL: check_decl(C, s->decl); break;
    case URN_ST_ASSIGN: check_assign(C, s); break;
    case URN_ST_TILDE: check_tilde(C, s); break;
    case URN_ST_TARGET: check_target(C, s); break;
    case URN_ST_JACOBIAN: check_jacobian(C, s); break;
    case URN_ST_FOR: check_for(C, s); break;
    case URN_ST_FOREACH: check_foreach(C, s); break;
    case URN_ST_WHILE:
    case URN_ST_IF: {
      chk_expr(C, s->cond);
      if (!chk_is_err(s->cond->ty) && !chk_is_int(s->cond->ty))
        chk_error(C, s->cond->line, s->cond->col, "the condition of %s must be an int, not %s%s",
                 s->kind == URN_ST_WHILE ? "while" : "if", chk_tyname(s->cond->ty, b1, sizeof b1),
                 chk_is_scalar(s->cond->ty) ? " (a real is not a truth value: compare it, e.g. x != 0)" : "");
      C->ctx.top = 0;
      if (s->kind == URN_ST_WHILE) C->ctx.loops++;
      push_scope(C);
      check_stmt(C, s->body);
      pop_scope(C);
      if (s->else_body) {
        push_scope(C);
        check_stmt(C, s->else_body);
        pop_scope(C);
      }
      break;
    }
    case URN_ST_BREAK:
    case URN_ST_CONTINUE:
      if (C->ctx.loops == 0)
        chk_error(C, s->line, s->col, "'%s' is only allowed inside a loop",
                 s->kind == URN_ST_BREAK ? "break" : "continue");
      break;
    case URN_ST_RETURN: check_return(C, s); break;
    case URN_ST_PRINT:
    case URN_ST_REJECT:
    case URN_ST_FATAL: check_printables(C, s); break;
    case URN_ST_BLOCK:
      C->ctx.top = 0;
      push_scope(C);
      check_list(C, s->stmts, s->nstmts);
      pop_scope(C);
      break;
    case URN_ST_CALL:
      chk_expr(C, s->rhs);
      if (!chk_is_err(s->rhs->ty) && s->rhs->ty.base != URN_TY_VOID)
        chk_error(C, s->line, s->col,
                 "the value of %s(...) is not used: only void functions can be called as "
                 "statements",
                 s->rhs->name);
      break;
    case URN_ST_EMPTY: break;
    default: break;
  }
  C->ctx = saved;
}

/* ------------------------------------------------------------------ */
/* Functions                                                           */

static int same_signature(const urn_fundef *a, const urn_fundef *b) {
  if (a->nparams != b->nparams || !chk_same(a->ret, b->ret)) return 0;
  for (int i = 0; i < a->nparams; i++)
    if (!chk_same(a->params[i]->ty, b->params[i]->ty)) return 0;
  return 1;
}

/* Is name one of Stan's higher-order or variadic built-ins, which are typed by special rules and cannot be
 * overloaded by the user (stanc3's "special function names")? */
static int special_builtin(const char *name) {
  static const char *const names[] = {
      "dae", "dae_tol", "integrate_1d_double_exponential", "integrate_1d_double_exponential_tol",
      "integrate_1d_gauss_kronrod", "integrate_1d_gauss_kronrod_tol", "ode_adams", "ode_adams_tol",
      "ode_adjoint_tol_ctl", "ode_bdf", "ode_bdf_tol", "ode_ckrk", "ode_ckrk_tol", "ode_rk45", "ode_rk45_tol",
      "reduce_sum", "reduce_sum_static", "solve_newton", "solve_newton_tol", "solve_powell", "solve_powell_tol"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcmp(name, names[i]) == 0) return 1;
  return strncmp(name, "laplace_latent_", 15) == 0 || strncmp(name, "laplace_marginal", 16) == 0;
}

/* A user function may overload a built-in's name (Stan 2.33+: `vector to_vector(real, real, real)`),
 * but not redefine a signature the library has, nor overload a higher-order built-in. */
static void check_library_overload(checker *C, urn_fundef *f) {
  char b1[64];
  if (special_builtin(f->name)) {
    chk_error(C, f->line, f->col, "'%s' is the name of a higher-order built-in function and cannot be overloaded",
              f->name);
    return;
  }
  if (!urn_builtin_exists(f->name)) return;
  urn_type tys[64];
  int n = f->nparams < 64 ? f->nparams : 64, cost;
  for (int i = 0; i < n; i++) tys[i] = f->params[i]->ty;
  urn_type ret;
  const urn_builtin *b = urn_builtin_resolve_cost(f->name, tys, n, &ret, &cost);
  if (b && cost == 0)
    chk_error(C, f->line, f->col,
              "'%s' is a built-in function with this signature already (returning %s); a user function may "
              "only overload it with different argument types",
              f->name, chk_tyname(ret, b1, sizeof b1));
}

static void check_fundef_header(checker *C, urn_fundef *f) {
  char b1[64];
  int suf = f->suffix;
  if (suf == URN_SUF_LUPDF || suf == URN_SUF_LUPMF)
    chk_error(C, f->line, f->col,
             "'%s': define the density with the _lpdf/_lpmf suffix; the _lupdf/_lupmf form is "
             "available automatically",
             f->name);
  if (suf == URN_SUF_LPDF || suf == URN_SUF_LPMF || suf == URN_SUF_LCDF || suf == URN_SUF_LCCDF ||
      suf == URN_SUF_CDF) {
    if (f->nparams == 0)
      chk_error(C, f->line, f->col, "'%s' needs at least one argument (the variate)", f->name);
    else if (suf == URN_SUF_LPDF && f->params[0]->ty.base == URN_TY_INT)
      chk_error(C, f->params[0]->line, f->params[0]->col,
               "the first argument of '%s' must be real-valued (a _lpdf is a density); use _lpmf "
               "for an int variate",
               f->name);
    else if (suf == URN_SUF_LPMF && f->params[0]->ty.base != URN_TY_INT && f->params[0]->ty.base != URN_TY_TUPLE)
      chk_error(C, f->params[0]->line, f->params[0]->col,
               "the first argument of '%s' must be int-valued (a _lpmf is a mass function); use "
               "_lpdf for a real variate",
               f->name);
    if (!(f->ret.base == URN_TY_REAL && f->ret.dims == 0))
      chk_error(C, f->line, f->col, "'%s' must return real, not %s", f->name,
               chk_tyname(f->ret, b1, sizeof b1));
  }
  check_library_overload(C, f);
  /* earlier declarations of the same name: a forward declaration and its definition, or overloads */
  f->definition = f;
  f->nslots = 0;
  for (int i = 0; i < C->p->nfuns; i++) {
    urn_fundef *g = C->p->funs[i];
    if (g == f) break;
    if (strcmp(g->name, f->name) != 0) continue;
    int sig = same_signature(g, f);
    int args_same = g->nparams == f->nparams, quals_same = 1;
    for (int j = 0; args_same && j < f->nparams; j++) {
      args_same = chk_same(g->params[j]->ty, f->params[j]->ty);
      quals_same &= g->params[j]->data_only == f->params[j]->data_only;
    }
    if (args_same && !sig) {
      chk_error(C, f->line, f->col, "'%s' is declared again with a different return type", f->name);
    } else if (sig && !quals_same) {
      chk_error(C, f->line, f->col,
                "'%s' is already declared for these argument types (at line %d) with different 'data' "
                "qualifiers: a definition must repeat its declaration's qualifiers, and overloads must differ "
                "in their types",
                f->name, g->line);
      if (!g->body && f->body) g->definition = f; /* one message is enough */
    } else if (sig && g->body && f->body) {
      chk_error(C, f->line, f->col, "function '%s' is defined twice (first at line %d)", f->name,
               g->line);
    } else if (sig && !g->body && f->body) {
      g->definition = f;
    } else if (sig && g->body && !f->body) {
      chk_error(C, f->line, f->col, "forward declaration of '%s' after its definition", f->name);
    }
  }
}

static void check_fundef_body(checker *C, urn_fundef *f) {
  if (!f->body) return;
  chk_context saved = C->ctx;
  C->ctx.block = -1;
  C->ctx.fun = f;
  C->ctx.loops = 0;
  C->ctx.top = 0;
  push_scope(C);
  for (int i = 0; i < f->nparams; i++) {
    f->params[i]->is_data = (unsigned char)decl_is_data(C, f->params[i]); /* `data` arguments receive data only */
    f->params[i]->pure = 0;
    declare(C, f->params[i]);
  }
  push_scope(C);
  check_list(C, f->body->stmts, f->body->nstmts);
  pop_scope(C);
  pop_scope(C);
  if (f->ret.base != URN_TY_VOID && return_kind(f->body) != RET_COMPLETE)
    chk_error(C, f->line, f->col,
             "function '%s' may reach the end of its body without returning a value", f->name);
  C->ctx = saved;
}

/* ------------------------------------------------------------------ */

int urn_check(urn_program *p, urn_error *err) {
  checker C;
  memset(&C, 0, sizeof C);
  C.p = p;
  C.nbuckets = 64;
  C.buckets = urn_xcalloc(C.nbuckets, sizeof *C.buckets);
  urn_buf_init(&C.msgs);
  C.ctx.block = URN_BLK_FUNCTIONS;
  p->nslots = 0, p->ndefs = 0;
  for (int i = 0; i < p->nfuns; i++) check_fundef_header(&C, p->funs[i]);
  for (int i = 0; i < p->nfuns; i++) /* each definition's place among the definitions */
    if (p->funs[i]->definition == p->funs[i]) p->funs[i]->index = p->ndefs++;
  for (int i = 0; i < p->nfuns; i++) check_fundef_body(&C, p->funs[i]);
  for (int i = 0; i < p->nfuns; i++) {
    urn_fundef *f = p->funs[i];
    if (!f->body && f->definition == f)
      chk_error(&C, f->line, f->col, "function '%s' is declared but never defined", f->name);
  }
  push_scope(&C); /* program-level names */
  for (int b = URN_BLK_DATA; b < URN_BLK_COUNT; b++) {
    urn_block *blk = &p->blocks[b];
    C.ctx.block = b;
    C.ctx.fun = NULL;
    C.ctx.loops = 0;
    C.ctx.top = 1;
    if (b == URN_BLK_MODEL) push_scope(&C); /* model locals are not visible in generated quantities */
    check_list(&C, blk->stmts, blk->nstmts);
    if (b == URN_BLK_MODEL) pop_scope(&C);
  }
  pop_scope(&C);
  free(C.buckets);
  free(C.stack);
  free(C.marks);
  int rc = URN_OK;
  if (C.nerrors) {
    if (C.nerrors > C.nshown)
      urn_buf_printf(&C.msgs, "(%d more error%s not shown)\n", C.nerrors - C.nshown,
                     C.nerrors - C.nshown == 1 ? "" : "s");
    if (C.msgs.len && C.msgs.data[C.msgs.len - 1] == '\n') C.msgs.data[--C.msgs.len] = 0;
    urn_error_set(err, URN_EINPUT, "%s", C.msgs.data);
    rc = URN_EINPUT;
  } else {
    urn_error_clear(err);
    p->checked = 1;
  }
  urn_buf_free(&C.msgs);
  return rc;
}
