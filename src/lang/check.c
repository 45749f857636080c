/* lang/check.c — the semantic checker (see check.h).
 *
 * One walk over the program in source order with a scope table: every name
 * is resolved to its declaration or function, every expression gets its
 * static type (lang/types.h) and data_only flag, calls are matched against
 * the user's functions and the built-in table (lang/builtins.h), and the
 * block rules are enforced.  Errors are collected (several per run) rather
 * than stopping at the first one; an expression that failed gets type
 * URN_TY_ERROR and never causes a second message.  Operator typing (which
 * the evaluator must mirror) is documented in docs/language.md. */
#include "lang/check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/builtins.h"
#include "lang/source.h"

enum { MAX_SHOWN_ERRORS = 8, MSG_BUDGET = 1900 };

/* One live name in the scope table. */
typedef struct sym {
  const char *name;   /* the name (points into the AST) */
  urn_vardecl *decl;  /* its declaration */
  struct sym *next;   /* next in the hash chain */
} sym;

/* Where the statements being checked are. */
typedef struct context {
  int block;          /* enum urn_block_kind, or -1 inside a function body */
  urn_fundef *fun;    /* the function whose body is being checked, or NULL */
  int loops;          /* number of enclosing loops (for break/continue) */
  int top;            /* 1 at the top level of a block (not nested in { } or a loop) */
} context;

/* The state of one check. */
typedef struct checker {
  urn_program *p;     /* the program */
  sym **buckets;      /* hash table of live names */
  size_t nbuckets;    /* its size (a power of two) */
  sym **stack;        /* every live name in declaration order (for popping scopes) */
  size_t nstack, capstack; /* stack size and capacity */
  size_t *marks;      /* stack heights at scope entries */
  size_t nmarks, capmarks; /* marks size and capacity */
  context ctx;        /* the current context */
  urn_buf msgs;       /* collected messages */
  int nerrors;        /* errors found */
  int nshown;         /* errors written into msgs */
} checker;

/* ------------------------------------------------------------------ */
/* Errors                                                              */

static void error_at(checker *C, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void error_at(checker *C, int line, int col, const char *fmt, ...) {
  C->nerrors++;
  if (C->nshown >= MAX_SHOWN_ERRORS) return;
  urn_buf one;
  urn_buf_init(&one);
  va_list ap;
  va_start(ap, fmt);
  urn_source_vdiag(&one, C->p->path, C->p->src, C->p->len, line, col, fmt, ap);
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

static const char *tyname(urn_type t, char *buf, size_t cap) {
  urn_type_format(t, buf, cap);
  return buf;
}

/* ------------------------------------------------------------------ */
/* Scopes                                                              */

static size_t hash_name(const char *s) {
  size_t h = 1469598103934665603ull;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

static sym *lookup_sym(checker *C, const char *name) {
  for (sym *s = C->buckets[hash_name(name) & (C->nbuckets - 1)]; s; s = s->next)
    if (strcmp(s->name, name) == 0) return s;
  return NULL;
}

static urn_vardecl *lookup(checker *C, const char *name) {
  sym *s = lookup_sym(C, name);
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
static void suggest(checker *C, const char *name, int vars, char *out, size_t cap) {
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
    sym *s = C->stack[--C->nstack];
    sym **pp = &C->buckets[hash_name(s->name) & (C->nbuckets - 1)];
    while (*pp != s) pp = &(*pp)->next;
    *pp = s->next;
    free(s);
  }
}

static urn_fundef *find_fun(checker *C, const char *name) {
  for (int i = 0; i < C->p->nfuns; i++)
    if (strcmp(C->p->funs[i]->name, name) == 0) return C->p->funs[i];
  return NULL;
}

/* Declares d in the current scope (reports a redeclaration). */
static void declare(checker *C, urn_vardecl *d) {
  urn_vardecl *old = lookup(C, d->name);
  if (old) {
    error_at(C, d->line, d->col, "'%s' is already declared (at line %d, column %d)", d->name,
             old->line, old->col);
    return;
  }
  if (find_fun(C, d->name)) {
    error_at(C, d->line, d->col, "'%s' is already the name of a function", d->name);
    return;
  }
  sym *s = urn_xmalloc(sizeof *s);
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
    sym **buckets = urn_xcalloc(nb, sizeof *buckets);
    for (size_t i = 0; i < C->nstack; i++) {
      sym *t = C->stack[i];
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
/* Types                                                               */

static urn_type mk(int base, int dims) {
  urn_type t = {(unsigned char)base, (unsigned char)dims};
  return t;
}
static int is_err(urn_type t) { return t.base == URN_TY_ERROR; }
static int is_int(urn_type t) { return t.base == URN_TY_INT && t.dims == 0; }
static int is_scalar(urn_type t) {
  return t.dims == 0 && (t.base == URN_TY_INT || t.base == URN_TY_REAL);
}
static int is_vecmat(urn_type t) {
  return t.dims == 0 && (t.base == URN_TY_VECTOR || t.base == URN_TY_ROW_VECTOR ||
                         t.base == URN_TY_MATRIX);
}
static int same(urn_type a, urn_type b) { return a.base == b.base && a.dims == b.dims; }

/* Can a value of type from be stored in a variable of type to?  (int -> real promotion,
 * also inside arrays: array[] int -> array[] real) */
static int assignable(urn_type to, urn_type from) {
  if (is_err(to) || is_err(from)) return 1;
  if (same(to, from)) return 1;
  return to.dims == from.dims && to.base == URN_TY_REAL && from.base == URN_TY_INT;
}

/* The common type of two branches / literal elements (int and real -> real), or ERROR. */
static urn_type common(urn_type a, urn_type b) {
  if (same(a, b)) return a;
  if (a.dims == b.dims && ((a.base == URN_TY_INT && b.base == URN_TY_REAL) ||
                           (a.base == URN_TY_REAL && b.base == URN_TY_INT)))
    return mk(URN_TY_REAL, a.dims);
  return mk(URN_TY_ERROR, 0);
}

/* ------------------------------------------------------------------ */
/* Expressions                                                         */

static void check_expr(checker *C, urn_expr *e);

/* Context rules for calling a function with this suffix; reports a violation. */
static void check_suffix_use(checker *C, const char *name, int suffix, int line, int col) {
  context *x = &C->ctx;
  int fsuf = x->fun ? x->fun->suffix : -1;
  if (suffix == URN_SUF_RNG) {
    int ok = x->fun ? fsuf == URN_SUF_RNG : (x->block == URN_BLK_TDATA || x->block == URN_BLK_GQ);
    if (!ok)
      error_at(C, line, col,
               "%s: random number generators are only allowed in transformed data, generated "
               "quantities and functions ending in _rng",
               name);
  } else if (suffix == URN_SUF_LP) {
    int ok = x->fun ? fsuf == URN_SUF_LP
                    : (x->block == URN_BLK_MODEL || x->block == URN_BLK_TPARAMS);
    if (!ok)
      error_at(C, line, col,
               "%s: functions ending in _lp are only allowed in the model block, transformed "
               "parameters and functions ending in _lp",
               name);
  } else if (suffix == URN_SUF_JACOBIAN) {
    int ok = x->fun ? fsuf == URN_SUF_JACOBIAN : x->block == URN_BLK_TPARAMS;
    if (!ok)
      error_at(C, line, col,
               "%s: functions ending in _jacobian are only allowed in transformed parameters and "
               "functions ending in _jacobian",
               name);
  } else if (suffix == URN_SUF_LUPDF || suffix == URN_SUF_LUPMF) {
    int ok = x->fun ? (fsuf == URN_SUF_LPDF || fsuf == URN_SUF_LPMF || fsuf == URN_SUF_LP)
                    : x->block == URN_BLK_MODEL;
    if (!ok)
      error_at(C, line, col,
               "%s: _lupdf/_lupmf functions are only allowed in the model block and in functions "
               "ending in _lpdf, _lpmf or _lp; use the _lpdf/_lpmf form",
               name);
  }
}

static int is_density_suffix(int suf) {
  return suf == URN_SUF_LPDF || suf == URN_SUF_LPMF || suf == URN_SUF_LUPDF ||
         suf == URN_SUF_LUPMF || suf == URN_SUF_LCDF || suf == URN_SUF_LCCDF || suf == URN_SUF_CDF;
}

/* Writes "(real, vector, int)" for the argument types of e's args. */
static void format_argtypes(urn_expr **args, int n, char *out, size_t cap) {
  size_t k = 0;
  k += (size_t)snprintf(out + k, cap - k, "(");
  for (int i = 0; i < n && k < cap; i++) {
    char t[64];
    urn_type_format(args[i]->ty, t, sizeof t);
    k += (size_t)snprintf(out + k, cap - k, "%s%s", i ? ", " : "", t);
  }
  if (k < cap) snprintf(out + k, cap - k, ")");
}

/* Match of a user function's parameters against argument types: 2 exact, 1 with promotion, 0 none. */
static int user_match(const urn_fundef *f, urn_expr **args, int n) {
  if (f->nparams != n) return 0;
  int score = 2;
  for (int i = 0; i < n; i++) {
    urn_type want = f->params[i]->ty, got = args[i]->ty;
    if (same(want, got)) continue;
    if (assignable(want, got)) {
      score = 1;
      continue;
    }
    return 0;
  }
  return score;
}

/* The user function name (definition preferred over a forward declaration) best matching. */
static urn_fundef *resolve_user(checker *C, const char *name, urn_expr **args, int n, int *found) {
  urn_fundef *best = NULL;
  int best_score = 0;
  *found = 0;
  for (int i = 0; i < C->p->nfuns; i++) {
    urn_fundef *f = C->p->funs[i];
    if (strcmp(f->name, name) != 0) continue;
    *found = 1;
    int s = user_match(f, args, n);
    if (s > best_score || (s == best_score && s > 0 && best && !best->body && f->body)) {
      best = f;
      best_score = s;
    }
  }
  return best;
}

static void describe_user(checker *C, const char *name, char *out, size_t cap) {
  size_t k = 0;
  out[0] = 0;
  for (int i = 0; i < C->p->nfuns && k < cap; i++) {
    urn_fundef *f = C->p->funs[i];
    if (strcmp(f->name, name) != 0 || (!f->body && f->definition && f->definition != f)) continue;
    k += (size_t)snprintf(out + k, cap - k, "%s%s(", k ? ", " : "", name);
    for (int j = 0; j < f->nparams && k < cap; j++) {
      char t[64];
      urn_type_format(f->params[j]->ty, t, sizeof t);
      k += (size_t)snprintf(out + k, cap - k, "%s%s", j ? ", " : "", t);
    }
    if (k < cap) k += (size_t)snprintf(out + k, cap - k, ")");
  }
}

/* Resolves a call of name with the (already checked) args: user functions first (with the
 * _lupdf -> _lpdf mapping), then built-ins.  Sets e's ty, fun, builtin, propto. */
/* Can a value of type got be passed where want is declared (int -> real promotion)? */
static int passes_as(urn_type got, urn_type want) {
  return got.dims == want.dims && (got.base == want.base || (want.base == URN_TY_REAL && got.base == URN_TY_INT));
}

/* An ODE solver call: the system function's signature must fit the call,
 * and x_r, x_i and the tolerances must be data (as stanc3 requires). */
static void check_ode_call(checker *C, urn_expr *e) {
  char b1[64], b2[64];
  int old = strncmp(e->name, "integrate_ode_", 14) == 0;
  int tol = old ? e->nargs == 10 : strstr(e->name, "_tol") != NULL;
  urn_fundef *f = e->args[0]->fun;
  if (!f) return;
  if (f->definition) f = f->definition;
  urn_type real = mk(URN_TY_REAL, 0);
  if (old) {
    urn_type want[5] = {real, mk(URN_TY_REAL, 1), mk(URN_TY_REAL, 1), mk(URN_TY_REAL, 1), mk(URN_TY_INT, 1)};
    int ok = f->nparams == 5 && f->ret.base == URN_TY_REAL && f->ret.dims == 1;
    for (int i = 0; ok && i < 5; i++) ok = f->params[i]->ty.base == want[i].base && f->params[i]->ty.dims == want[i].dims;
    if (!ok)
      error_at(C, e->args[0]->line, e->args[0]->col,
               "the system function %s of %s must be declared array[] real %s(real t, array[] real y, array[] "
               "real theta, data array[] real x_r, data array[] int x_i)",
               f->name, e->name, f->name);
    for (int i = 5; i < e->nargs; i++)
      if (!e->args[i]->data_only)
        error_at(C, e->args[i]->line, e->args[i]->col, "argument %d of %s (%s) must be data, but it depends on parameters",
                 i + 1, e->name, i == 5 ? "x_r" : i == 6 ? "x_i" : i == 7 ? "rel_tol" : i == 8 ? "abs_tol" : "max_num_steps");
    return;
  }
  int first = tol ? 7 : 4, nextra = e->nargs - first;
  if (tol)
    for (int i = 4; i < 7; i++)
      if (!e->args[i]->data_only)
        error_at(C, e->args[i]->line, e->args[i]->col, "argument %d of %s (%s) must be data, but it depends on parameters",
                 i + 1, e->name, i == 4 ? "rel_tol" : i == 5 ? "abs_tol" : "max_num_steps");
  int ok = f->nparams == 2 + nextra && f->ret.base == URN_TY_VECTOR && f->ret.dims == 0 && f->nparams >= 2 &&
           f->params[0]->ty.base == URN_TY_REAL && f->params[0]->ty.dims == 0 &&
           f->params[1]->ty.base == URN_TY_VECTOR && f->params[1]->ty.dims == 0;
  if (!ok) {
    error_at(C, e->args[0]->line, e->args[0]->col,
             "the system function %s of %s must be declared vector %s(real t, vector y, ...) with one argument "
             "after y for each of the %d argument%s after %s",
             f->name, e->name, f->name, nextra, nextra == 1 ? "" : "s", tol ? "max_num_steps" : "the times");
    return;
  }
  for (int k = 0; k < nextra; k++) {
    urn_type got = e->args[first + k]->ty, want = f->params[2 + k]->ty;
    if (!passes_as(got, want))
      error_at(C, e->args[first + k]->line, e->args[first + k]->col,
               "argument %d of %s is %s, but %s's argument %d is %s", first + k + 1, e->name,
               tyname(got, b1, sizeof b1), f->name, 3 + k, tyname(want, b2, sizeof b2));
    else if (f->params[2 + k]->data_only && !e->args[first + k]->data_only)
      error_at(C, e->args[first + k]->line, e->args[first + k]->col,
               "argument %d of %s must be data (%s declares it 'data'), but it depends on parameters", first + k + 1,
               e->name, f->name);
  }
}

/* reduce_sum(f, x, grainsize, ...): f(x-slice, int start, int end, ...) returning real. */
static void check_reduce_sum(checker *C, urn_expr *e) {
  char b1[64], b2[64];
  urn_fundef *f = e->args[0]->fun;
  if (!f) return;
  if (f->definition) f = f->definition;
  int nextra = e->nargs - 3;
  int ok = f->nparams == 3 + nextra && f->ret.base == URN_TY_REAL && f->ret.dims == 0 &&
           passes_as(e->args[1]->ty, f->params[0]->ty) && f->params[1]->ty.base == URN_TY_INT &&
           f->params[1]->ty.dims == 0 && f->params[2]->ty.base == URN_TY_INT && f->params[2]->ty.dims == 0;
  if (!ok) {
    error_at(C, e->args[0]->line, e->args[0]->col,
             "the function %s of %s must be declared real %s(%s slice, int start, int end, ...) with one argument "
             "after end for each of the %d argument%s after grainsize",
             f->name, e->name, f->name, tyname(e->args[1]->ty, b1, sizeof b1), nextra, nextra == 1 ? "" : "s");
    return;
  }
  for (int k = 0; k < nextra; k++) {
    urn_type got = e->args[3 + k]->ty, want = f->params[3 + k]->ty;
    if (!passes_as(got, want))
      error_at(C, e->args[3 + k]->line, e->args[3 + k]->col, "argument %d of %s is %s, but %s's argument %d is %s",
               4 + k, e->name, tyname(got, b1, sizeof b1), f->name, 4 + k, tyname(want, b2, sizeof b2));
  }
}

/* An algebraic solver or map_rect call: the function's signature must fit. */
static void check_solver_call(checker *C, urn_expr *e) {
  char b1[64], b2[64];
  urn_fundef *f = e->args[0]->fun;
  if (!f) return;
  if (f->definition) f = f->definition;
  urn_type vec = mk(URN_TY_VECTOR, 0);
  int fixed = strncmp(e->name, "algebra_solver", 14) == 0 || strcmp(e->name, "map_rect") == 0;
  if (fixed) {
    urn_type want[4] = {vec, vec, mk(URN_TY_REAL, 1), mk(URN_TY_INT, 1)};
    int ok = f->nparams == 4 && f->ret.base == URN_TY_VECTOR && f->ret.dims == 0;
    for (int i = 0; ok && i < 4; i++) ok = f->params[i]->ty.base == want[i].base && f->params[i]->ty.dims == want[i].dims;
    if (!ok)
      error_at(C, e->args[0]->line, e->args[0]->col,
               "the function %s of %s must be declared vector %s(vector %s, vector theta, data array[] real x_r, "
               "data array[] int x_i)",
               f->name, e->name, f->name, e->name[0] == 'm' ? "phi" : "y");
    for (int i = 3; i < e->nargs; i++)
      if (i != 4 && !e->args[i]->data_only)
        error_at(C, e->args[i]->line, e->args[i]->col, "argument %d of %s must be data, but it depends on parameters",
                 i + 1, e->name);
    return;
  }
  int tol = strstr(e->name, "_tol") != NULL, first = tol ? 5 : 2, nextra = e->nargs - first;
  for (int i = 2; i < first; i++)
    if (!e->args[i]->data_only)
      error_at(C, e->args[i]->line, e->args[i]->col, "argument %d of %s (a tolerance) must be data", i + 1, e->name);
  int ok = f->nparams == 1 + nextra && f->ret.base == URN_TY_VECTOR && f->ret.dims == 0 &&
           f->params[0]->ty.base == URN_TY_VECTOR && f->params[0]->ty.dims == 0;
  if (!ok) {
    error_at(C, e->args[0]->line, e->args[0]->col,
             "the system function %s of %s must be declared vector %s(vector y, ...) with one argument after y for "
             "each of the %d argument%s after %s",
             f->name, e->name, f->name, nextra, nextra == 1 ? "" : "s", tol ? "max_num_steps" : "the initial guess");
    return;
  }
  for (int k = 0; k < nextra; k++) {
    urn_type got = e->args[first + k]->ty, want = f->params[1 + k]->ty;
    if (!passes_as(got, want))
      error_at(C, e->args[first + k]->line, e->args[first + k]->col, "argument %d of %s is %s, but %s's argument %d is %s",
               first + k + 1, e->name, tyname(got, b1, sizeof b1), f->name, 2 + k, tyname(want, b2, sizeof b2));
  }
}

static void resolve_call(checker *C, urn_expr *e, const char *name, int line, int col) {
  char types[256], avail[1024];
  for (int i = 0; i < e->nargs; i++)
    if (is_err(e->args[i]->ty)) {
      e->ty = mk(URN_TY_ERROR, 0);
      return;
    }
  int suffix = urn_fun_suffix_of(name);
  e->propto = suffix == URN_SUF_LUPDF || suffix == URN_SUF_LUPMF;
  /* user function: foo_lupdf calls the user's foo_lpdf */
  char user_name[512];
  snprintf(user_name, sizeof user_name, "%s", name);
  if (e->propto && strlen(name) < sizeof user_name) {
    size_t n = strlen(name);
    snprintf(user_name + n - 6, sizeof user_name - (n - 6), "%s",
             suffix == URN_SUF_LUPDF ? "_lpdf" : "_lpmf");
  }
  int found = 0;
  urn_fundef *f = resolve_user(C, user_name, e->args, e->nargs, &found);
  if (found) {
    if (!f) {
      format_argtypes(e->args, e->nargs, types, sizeof types);
      describe_user(C, user_name, avail, sizeof avail);
      error_at(C, line, col, "no signature of %s matches the arguments %s; available: %s", name,
               types, avail);
      e->ty = mk(URN_TY_ERROR, 0);
      return;
    }
    for (int i = 0; i < e->nargs; i++)
      if (f->params[i]->data_only && !e->args[i]->data_only)
        error_at(C, e->args[i]->line, e->args[i]->col,
                 "argument %d of %s must be data-only (declared 'data'), but it depends on "
                 "parameters",
                 i + 1, name);
    e->fun = f;
    e->ty = f->ret;
    return;
  }
  urn_type argt[64], ret = mk(URN_TY_ERROR, 0);
  int n = e->nargs < 64 ? e->nargs : 64;
  for (int i = 0; i < n; i++) argt[i] = e->args[i]->ty;
  const urn_builtin *b = e->nargs <= 64 ? urn_builtin_resolve(name, argt, n, &ret) : NULL;
  if (b) {
    e->builtin = b;
    e->ty = ret;
    if (strncmp(name, "ode_", 4) == 0 || strncmp(name, "integrate_ode_", 14) == 0) check_ode_call(C, e);
    if (strncmp(name, "solve_", 6) == 0 || strncmp(name, "algebra_solver", 14) == 0 || strcmp(name, "map_rect") == 0)
      check_solver_call(C, e);
    if (strncmp(name, "reduce_sum", 10) == 0) check_reduce_sum(C, e);
    return;
  }
  if (urn_builtin_exists(name)) {
    format_argtypes(e->args, e->nargs, types, sizeof types);
    urn_builtin_describe(name, avail, sizeof avail);
    error_at(C, line, col, "no signature of %s matches the arguments %s; available: %s", name,
             types, avail);
  } else if (lookup(C, name)) {
    error_at(C, line, col, "'%s' is a variable, not a function", name);
  } else {
    char hint[160];
    suggest(C, name, 0, hint, sizeof hint);
    error_at(C, line, col, "unknown function '%s'%s", name, hint);
  }
  e->ty = mk(URN_TY_ERROR, 0);
}

static void check_call(checker *C, urn_expr *e) {
  int data_only = 1;
  for (int i = 0; i < e->nargs; i++) {
    urn_expr *a = e->args[i];
    if (a->kind == URN_EX_VAR && !lookup(C, a->name) && !find_fun(C, a->name) && strlen(a->name) > 6 &&
        (!strcmp(a->name + strlen(a->name) - 6, "_lupdf") || !strcmp(a->name + strlen(a->name) - 6, "_lupmf"))) {
      /* reduce_sum(partial_lupmf, ...): the _lpmf definition, by its own name */
      char alt[512];
      size_t len = strlen(a->name);
      if (len < sizeof alt - 1) {
        snprintf(alt, sizeof alt, "%.*s_lp%s", (int)(len - 6), a->name, a->name[len - 2] == 'd' ? "df" : "mf");
        if (find_fun(C, alt)) a->name = find_fun(C, alt)->name;
      }
    }
    if (a->kind == URN_EX_VAR && !lookup(C, a->name) && find_fun(C, a->name)) {
      /* a user function passed by name to a higher-order built-in */
      a->fun = find_fun(C, a->name);
      a->ty = mk(URN_TY_FUNCTION, 0);
      a->data_only = 1;
      continue;
    }
    check_expr(C, a);
    data_only &= a->data_only;
  }
  int suffix = urn_fun_suffix_of(e->name);
  check_suffix_use(C, e->name, suffix, e->line, e->col);
  if (e->has_bar && !is_density_suffix(suffix)) {
    error_at(C, e->line, e->col,
             "'|' is only used with density and CDF functions (_lpdf, _lpmf, _lupdf, _lupmf, "
             "_lcdf, _lccdf, _cdf), not with %s",
             e->name);
    e->ty = mk(URN_TY_ERROR, 0);
  } else if (!e->has_bar && e->nargs >= 2 &&
             (suffix == URN_SUF_LPDF || suffix == URN_SUF_LPMF || suffix == URN_SUF_LUPDF ||
              suffix == URN_SUF_LUPMF)) {
    error_at(C, e->line, e->col,
             "%s needs '|' after its first argument: %s(y | ...)", e->name, e->name);
    e->ty = mk(URN_TY_ERROR, 0);
  } else {
    resolve_call(C, e, e->name, e->line, e->col);
  }
  e->data_only = (unsigned char)(data_only && suffix != URN_SUF_RNG && suffix != URN_SUF_LP);
}

/* The type of base indexed by idx[0..n) (setting MULTI kinds), or ERROR with a message. */
static urn_type index_type(checker *C, urn_expr *e, urn_type base, urn_index *idx, int n,
                           int *data_only) {
  char b1[64], b2[64];
  int dims = base.dims, kind = base.base;
  int out_dims = 0; /* array dims kept by multi-indexes */
  int vec_rows_kept = -1, vec_cols_kept = -1;
  for (int i = 0; i < n; i++) {
    urn_index *ix = &idx[i];
    if (ix->lo) {
      check_expr(C, ix->lo);
      *data_only &= ix->lo->data_only;
    }
    if (ix->hi) {
      check_expr(C, ix->hi);
      *data_only &= ix->hi->data_only;
    }
    if (ix->kind == URN_IDX_SINGLE || ix->kind == URN_IDX_MULTI) {
      urn_type t = ix->lo->ty;
      if (is_err(t)) return mk(URN_TY_ERROR, 0);
      if (is_int(t)) {
        ix->kind = URN_IDX_SINGLE;
      } else if (t.base == URN_TY_INT && t.dims == 1) {
        ix->kind = URN_IDX_MULTI;
      } else {
        error_at(C, ix->lo->line, ix->lo->col,
                 "an index must be an int or an array of ints (a multi-index), not %s",
                 tyname(t, b1, sizeof b1));
        return mk(URN_TY_ERROR, 0);
      }
    } else {
      urn_expr *bounds[2] = {ix->lo, ix->hi};
      for (int k = 0; k < 2; k++) {
        if (!bounds[k]) continue;
        if (is_err(bounds[k]->ty)) return mk(URN_TY_ERROR, 0);
        if (!is_int(bounds[k]->ty)) {
          error_at(C, bounds[k]->line, bounds[k]->col, "range bounds must be int, not %s",
                   tyname(bounds[k]->ty, b1, sizeof b1));
          return mk(URN_TY_ERROR, 0);
        }
      }
    }
    int keeps = ix->kind != URN_IDX_SINGLE;
    if (i < dims) {
      if (keeps) out_dims++;
    } else {
      int pos = i - dims; /* 0: first vector/matrix index, 1: second matrix index */
      int max = kind == URN_TY_MATRIX ? 2 : (kind == URN_TY_VECTOR || kind == URN_TY_ROW_VECTOR) ? 1 : 0;
      if (pos >= max) {
        error_at(C, ix->line, ix->col, "too many indexes (%d) for %s", n,
                 tyname(base, b2, sizeof b2));
        return mk(URN_TY_ERROR, 0);
      }
      if (pos == 0) vec_rows_kept = keeps;
      else vec_cols_kept = keeps;
    }
  }
  (void)e;
  /* the element type after the container indexes */
  int elem = kind;
  if (vec_rows_kept >= 0) {
    if (kind == URN_TY_VECTOR || kind == URN_TY_ROW_VECTOR) {
      elem = vec_rows_kept ? kind : URN_TY_REAL;
    } else { /* matrix */
      int rows = vec_rows_kept, cols = vec_cols_kept < 0 ? 1 : vec_cols_kept;
      elem = rows && cols ? URN_TY_MATRIX : rows ? URN_TY_VECTOR : cols ? URN_TY_ROW_VECTOR : URN_TY_REAL;
    }
  }
  int remaining_dims = dims > n ? dims - n : 0;
  return mk(elem, out_dims + remaining_dims);
}

static void check_var(checker *C, urn_expr *e) {
  urn_vardecl *d = lookup(C, e->name);
  if (!d) {
    urn_fundef *f = find_fun(C, e->name);
    if (f)
      error_at(C, e->line, e->col, "'%s' is a function; call it with '(...)'", e->name);
    else {
      char hint[160];
      suggest(C, e->name, 1, hint, sizeof hint);
      error_at(C, e->line, e->col, "unknown variable '%s'%s", e->name, hint);
    }
    e->ty = mk(URN_TY_ERROR, 0);
    return;
  }
  e->decl = d;
  e->ty = d->ty;
  e->data_only = d->is_data;
}

/* Result type of a binary arithmetic operator, or ERROR (no message). */
static urn_type arith_type(int op, urn_type a, urn_type b) {
  urn_type err = mk(URN_TY_ERROR, 0);
  int sa = is_scalar(a), sb = is_scalar(b);
  if (sa && sb) {
    int both_int = a.base == URN_TY_INT && b.base == URN_TY_INT;
    switch (op) {
      case URN_OP_ADD:
      case URN_OP_SUB:
      case URN_OP_MUL:
      case URN_OP_DIV: return mk(both_int ? URN_TY_INT : URN_TY_REAL, 0);
      case URN_OP_MOD:
      case URN_OP_INTDIV: return both_int ? mk(URN_TY_INT, 0) : err;
      case URN_OP_POW:
      case URN_OP_ELT_POW:
      case URN_OP_ELT_MUL:
      case URN_OP_ELT_DIV: return mk(URN_TY_REAL, 0);
      default: return err;
    }
  }
  if (a.dims || b.dims) return err; /* no arithmetic on arrays */
  int va = is_vecmat(a), vb = is_vecmat(b);
  if (!(va || sa) || !(vb || sb)) return err;
  switch (op) {
    case URN_OP_ADD:
    case URN_OP_SUB:
      if (sa) return b;
      if (sb) return a;
      return same(a, b) ? a : err;
    case URN_OP_MUL:
      if (sa) return b;
      if (sb) return a;
      if (a.base == URN_TY_ROW_VECTOR && b.base == URN_TY_VECTOR) return mk(URN_TY_REAL, 0);
      if (a.base == URN_TY_VECTOR && b.base == URN_TY_ROW_VECTOR) return mk(URN_TY_MATRIX, 0);
      if (a.base == URN_TY_MATRIX && b.base == URN_TY_VECTOR) return mk(URN_TY_VECTOR, 0);
      if (a.base == URN_TY_ROW_VECTOR && b.base == URN_TY_MATRIX) return mk(URN_TY_ROW_VECTOR, 0);
      if (a.base == URN_TY_MATRIX && b.base == URN_TY_MATRIX) return mk(URN_TY_MATRIX, 0);
      return err;
    case URN_OP_DIV:
      if (sb) return a;
      if (a.base == URN_TY_ROW_VECTOR && b.base == URN_TY_MATRIX) return a; /* b * inverse(B) */
      if (a.base == URN_TY_MATRIX && b.base == URN_TY_MATRIX) return a;
      return err;
    case URN_OP_LDIV:
      if (a.base == URN_TY_MATRIX && (b.base == URN_TY_VECTOR || b.base == URN_TY_MATRIX) && !sb)
        return b;
      return err;
    case URN_OP_ELT_MUL:
    case URN_OP_ELT_DIV:
    case URN_OP_ELT_POW:
      if (sa) return b;
      if (sb) return a;
      return same(a, b) ? a : err;
    default: return err;
  }
}

static void check_expr(checker *C, urn_expr *e) {
  char b1[64], b2[64];
  e->ty = mk(URN_TY_ERROR, 0);
  e->data_only = 1;
  switch (e->kind) {
    case URN_EX_INT: e->ty = mk(URN_TY_INT, 0); break;
    case URN_EX_REAL: e->ty = mk(URN_TY_REAL, 0); break;
    case URN_EX_STRING:
      error_at(C, e->line, e->col,
               "string literals are only allowed as arguments of print, reject and fatal_error");
      break;
    case URN_EX_VAR: check_var(C, e); break;
    case URN_EX_TARGET: {
      context *x = &C->ctx;
      int ok = x->fun ? x->fun->suffix == URN_SUF_LP
                      : (x->block == URN_BLK_MODEL || x->block == URN_BLK_TPARAMS);
      if (!ok)
        error_at(C, e->line, e->col,
                 "target() is only allowed in the model block, transformed parameters and "
                 "functions ending in _lp");
      e->ty = mk(URN_TY_REAL, 0);
      e->data_only = 0;
      break;
    }
    case URN_EX_UNARY: {
      check_expr(C, e->lhs);
      urn_type t = e->lhs->ty;
      e->data_only = e->lhs->data_only;
      if (is_err(t)) break;
      if (e->op == URN_OP_TRANSPOSE) {
        if (t.dims == 0 && t.base == URN_TY_VECTOR) e->ty = mk(URN_TY_ROW_VECTOR, 0);
        else if (t.dims == 0 && t.base == URN_TY_ROW_VECTOR) e->ty = mk(URN_TY_VECTOR, 0);
        else if (t.dims == 0 && t.base == URN_TY_MATRIX) e->ty = t;
        else
          error_at(C, e->line, e->col, "transpose (') needs a vector, row_vector or matrix, not %s",
                   tyname(t, b1, sizeof b1));
      } else if (e->op == URN_OP_NOT) {
        if (is_scalar(t)) e->ty = mk(URN_TY_INT, 0);
        else error_at(C, e->line, e->col, "operator ! needs an int or real, not %s", tyname(t, b1, sizeof b1));
      } else {
        if (is_scalar(t) || is_vecmat(t)) e->ty = t;
        else
          error_at(C, e->line, e->col, "operator %s is not defined for %s", urn_op_name(e->op),
                   tyname(t, b1, sizeof b1));
      }
      break;
    }
    case URN_EX_BINARY: {
      check_expr(C, e->lhs);
      check_expr(C, e->rhs);
      urn_type a = e->lhs->ty, b = e->rhs->ty;
      e->data_only = e->lhs->data_only && e->rhs->data_only;
      if (is_err(a) || is_err(b)) break;
      int op = e->op;
      if (op == URN_OP_AND || op == URN_OP_OR || (op >= URN_OP_EQ && op <= URN_OP_GE)) {
        if (is_scalar(a) && is_scalar(b)) e->ty = mk(URN_TY_INT, 0);
      } else {
        e->ty = arith_type(op, a, b);
      }
      if (is_err(e->ty))
        error_at(C, e->line, e->col, "operator %s is not defined for %s and %s%s",
                 urn_op_name(op), tyname(a, b1, sizeof b1), tyname(b, b2, sizeof b2),
                 (op == URN_OP_MOD || op == URN_OP_INTDIV) ? " (it needs two ints)"
                 : op == URN_OP_POW && is_vecmat(a) ? " (use .^ for elementwise powers)"
                 : (a.dims || b.dims) && op < URN_OP_EQ ? " (arithmetic is not defined on arrays)"
                                                       : "");
      break;
    }
    case URN_EX_COND: {
      check_expr(C, e->cond);
      check_expr(C, e->lhs);
      check_expr(C, e->rhs);
      e->data_only = e->cond->data_only && e->lhs->data_only && e->rhs->data_only;
      if (is_err(e->cond->ty) || is_err(e->lhs->ty) || is_err(e->rhs->ty)) break;
      if (!is_int(e->cond->ty)) {
        error_at(C, e->cond->line, e->cond->col, "the condition of ?: must be an int, not %s",
                 tyname(e->cond->ty, b1, sizeof b1));
        break;
      }
      e->ty = common(e->lhs->ty, e->rhs->ty);
      if (is_err(e->ty))
        error_at(C, e->line, e->col, "the branches of ?: have different types: %s and %s",
                 tyname(e->lhs->ty, b1, sizeof b1), tyname(e->rhs->ty, b2, sizeof b2));
      break;
    }
    case URN_EX_CALL: check_call(C, e); break;
    case URN_EX_INDEX: {
      check_expr(C, e->lhs);
      int data_only = e->lhs->data_only;
      if (is_err(e->lhs->ty)) {
        int dummy = 1;
        for (int i = 0; i < e->nidx; i++) {
          if (e->idx[i].lo) check_expr(C, e->idx[i].lo);
          if (e->idx[i].hi) check_expr(C, e->idx[i].hi);
        }
        (void)dummy;
        break;
      }
      e->ty = index_type(C, e, e->lhs->ty, e->idx, e->nidx, &data_only);
      e->data_only = (unsigned char)data_only;
      break;
    }
    case URN_EX_ARRAY: {
      urn_type t = mk(URN_TY_VOID, 0);
      int bad = 0;
      for (int i = 0; i < e->nargs; i++) {
        check_expr(C, e->args[i]);
        e->data_only &= e->args[i]->data_only;
        if (is_err(e->args[i]->ty)) bad = 1;
      }
      if (bad) break;
      for (int i = 0; i < e->nargs; i++) {
        urn_type u = e->args[i]->ty;
        t = i == 0 ? u : common(t, u);
        if (is_err(t)) {
          error_at(C, e->args[i]->line, e->args[i]->col,
                   "array literal elements must have the same type: element %d is %s, the first is "
                   "%s",
                   i + 1, tyname(u, b1, sizeof b1), tyname(e->args[0]->ty, b2, sizeof b2));
          break;
        }
      }
      if (!is_err(t)) {
        if (t.dims >= 250) error_at(C, e->line, e->col, "too many array dimensions");
        else e->ty = mk(t.base, t.dims + 1);
      }
      break;
    }
    case URN_EX_ROWVEC: {
      int bad = 0, nscalar = 0, nrow = 0;
      for (int i = 0; i < e->nargs; i++) {
        check_expr(C, e->args[i]);
        e->data_only &= e->args[i]->data_only;
        urn_type u = e->args[i]->ty;
        if (is_err(u)) bad = 1;
        else if (is_scalar(u)) nscalar++;
        else if (u.dims == 0 && u.base == URN_TY_ROW_VECTOR) nrow++;
      }
      if (bad) break;
      if (nscalar == e->nargs) e->ty = mk(URN_TY_ROW_VECTOR, 0);
      else if (nrow == e->nargs) e->ty = mk(URN_TY_MATRIX, 0);
      else
        error_at(C, e->line, e->col,
                 "the elements of [...] must be all scalars (a row_vector) or all row_vectors (a "
                 "matrix)");
      break;
    }
    default: break;
  }
}

/* ------------------------------------------------------------------ */
/* Declarations                                                        */

static void check_size(checker *C, urn_expr *e, const char *what) {
  char b1[64];
  if (!e) return;
  check_expr(C, e);
  if (is_err(e->ty)) return;
  if (!is_int(e->ty))
    error_at(C, e->line, e->col, "%s must be an int, not %s", what, tyname(e->ty, b1, sizeof b1));
}

/* A bound / offset / multiplier: a scalar, or a container of the element type. */
static void check_bound(checker *C, urn_vardecl *d, urn_expr *e, const char *what) {
  char b1[64], b2[64];
  if (!e) return;
  check_expr(C, e);
  urn_type t = e->ty;
  if (is_err(t)) return;
  urn_type elem = mk(d->ty.base, 0);
  if (d->dtype == URN_DT_INT) {
    if (!is_int(t))
      error_at(C, e->line, e->col, "the %s of int '%s' must be an int, not %s", what,
               d->name, tyname(t, b1, sizeof b1));
    return;
  }
  if (is_scalar(t) || same(t, elem) || same(t, d->ty)) return;
  if (elem.base == URN_TY_REAL)
    error_at(C, e->line, e->col, "the %s of '%s' must be an int or real, not %s", what, d->name,
             tyname(t, b1, sizeof b1));
  else
    error_at(C, e->line, e->col, "the %s of '%s' must be a real or a %s, not %s", what, d->name,
             tyname(elem, b2, sizeof b2), tyname(t, b1, sizeof b1));
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

static void check_decl(checker *C, urn_vardecl *d) {
  char b1[64], b2[64];
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
      if (!is_err(sizes[i]->ty) && !sizes[i]->data_only) {
        error_at(C, sizes[i]->line, sizes[i]->col,
                 "the size of '%s' must depend only on data and transformed data (the sizes of %s "
                 "variables are fixed before sampling; only local variables may be sized otherwise)",
                 d->name, origin_block(d->origin));
        break;
      }
  }
  if (d->origin == URN_ORIGIN_PARAM && d->dtype == URN_DT_INT)
    error_at(C, d->line, d->col, "parameters cannot be int: '%s' must be real-valued", d->name);
  if (d->origin == URN_ORIGIN_LOCAL && d->dtype > URN_DT_MATRIX)
    error_at(C, d->line, d->col,
             "local variable '%s' cannot have the constrained type %s (use vector or matrix)",
             d->name, urn_decl_type_name(d->dtype));
  check_bound(C, d, d->lower, "lower bound");
  check_bound(C, d, d->upper, "upper bound");
  check_bound(C, d, d->offset, "offset");
  check_bound(C, d, d->multiplier, "multiplier");
  d->is_data = d->origin == URN_ORIGIN_DATA || d->origin == URN_ORIGIN_TDATA ||
               (d->origin == URN_ORIGIN_LOCAL && C->ctx.block == URN_BLK_TDATA && !C->ctx.fun);
  if (d->init) {
    check_expr(C, d->init);
    if (!assignable(d->ty, d->init->ty))
      error_at(C, d->init->line, d->init->col, "cannot initialize '%s' of type %s with a value of type %s",
               d->name, tyname(d->ty, b1, sizeof b1), tyname(d->init->ty, b2, sizeof b2));
  }
  declare(C, d);
}

/* ------------------------------------------------------------------ */
/* Statements                                                          */

static void check_stmt(checker *C, urn_stmt *s);

static void check_list(checker *C, urn_stmt **stmts, int n) {
  for (int i = 0; i < n; i++) check_stmt(C, stmts[i]);
}

/* May the current context assign to d?  Reports why not. */
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
  if (why) error_at(C, line, col, "cannot assign to '%s': %s", d->name, why);
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

static void check_assign(checker *C, urn_stmt *s) {
  char b1[64], b2[64];
  urn_expr *root = s->lhs;
  while (root->kind == URN_EX_INDEX) root = root->lhs;
  check_expr(C, s->lhs);
  check_expr(C, s->rhs);
  if (root->decl) check_assignable_var(C, root->decl, root->line, root->col);
  urn_type lt = s->lhs->ty, rt = s->rhs->ty;
  if (is_err(lt) || is_err(rt)) return;
  if (s->op == URN_AS_SET) {
    if (!assignable(lt, rt))
      error_at(C, root->line, root->col, "cannot assign a value of type %s to '%s' of type %s",
               tyname(rt, b1, sizeof b1), root->name, tyname(lt, b2, sizeof b2));
    return;
  }
  urn_type res = arith_type(assign_binop(s->op), lt, rt);
  if (is_err(res))
    error_at(C, root->line, root->col, "operator %s is not defined for %s and %s",
             urn_assign_op_name(s->op), tyname(lt, b1, sizeof b1), tyname(rt, b2, sizeof b2));
  else if (!assignable(lt, res))
    error_at(C, root->line, root->col,
             "the result of %s has type %s, which cannot be stored in '%s' of type %s",
             urn_assign_op_name(s->op), tyname(res, b1, sizeof b1), root->name,
             tyname(lt, b2, sizeof b2));
}

/* The family name of a `~` statement resolved to a user density, or the built-in one. */
static void check_tilde(checker *C, urn_stmt *s) {
  char b1[64];
  context *x = &C->ctx;
  int ok = x->fun ? x->fun->suffix == URN_SUF_LP : x->block == URN_BLK_MODEL;
  if (!ok)
    error_at(C, s->line, s->col,
             "'~' statements are only allowed in the model block and in functions ending in _lp");
  check_expr(C, s->lhs);
  int bad = is_err(s->lhs->ty);
  for (int i = 0; i < s->nargs; i++) {
    check_expr(C, s->args[i]);
    bad |= is_err(s->args[i]->ty);
  }
  if (s->trunc_lo) check_expr(C, s->trunc_lo), bad |= is_err(s->trunc_lo->ty);
  if (s->trunc_hi) check_expr(C, s->trunc_hi), bad |= is_err(s->trunc_hi->ty);
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
    error_at(C, s->dist_line, s->dist_col,
             "'~' takes the family name without a suffix: write '~ %.*s(...)'",
             (int)(strrchr(s->dist, '_') - s->dist), s->dist);
    return;
  }
  snprintf(name, sizeof name, "%s_lpdf", s->dist);
  if (find_fun(C, name)) {
    dist_suffix = "_lupdf";
  } else {
    snprintf(name, sizeof name, "%s_lpmf", s->dist);
    if (find_fun(C, name)) dist_suffix = "_lupmf";
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
    error_at(C, s->dist_line, s->dist_col, "unknown distribution '%s'%s", s->dist, hint);
    return;
  }
  snprintf(name, sizeof name, "%s%s", s->dist, dist_suffix);
  s->discrete = dist_suffix[4] == 'm';
  if (s->discrete && s->lhs->ty.base != URN_TY_INT) {
    error_at(C, s->lhs->line, s->lhs->col,
             "%s is a discrete distribution: the left side of '~' must be int-valued, not %s",
             s->dist, tyname(s->lhs->ty, b1, sizeof b1));
    return;
  }
  resolve_call(C, &call, name, s->dist_line, s->dist_col);
  s->builtin = call.builtin;
  s->fun = call.fun;
  if (s->truncated && !is_err(call.ty)) {
    urn_expr *bounds[2] = {s->trunc_lo, s->trunc_hi};
    const char *which[2] = {"_lccdf", "_lcdf"};
    for (int k = 0; k < 2; k++) {
      if (!bounds[k]) continue;
      if (!is_scalar(bounds[k]->ty)) {
        error_at(C, bounds[k]->line, bounds[k]->col, "a truncation bound must be an int or real, not %s",
                 tyname(bounds[k]->ty, b1, sizeof b1));
        continue;
      }
      if (s->fun) {
        /* a user density: the user's CDF with the bound as variate (both bounds: _lcdf twice) */
        const char *suffix = s->trunc_lo && s->trunc_hi ? "_lcdf" : which[k];
        snprintf(name, sizeof name, "%s%s", s->dist, suffix);
        urn_expr *uargs[64];
        int m = 1, found = 0;
        uargs[0] = bounds[k];
        for (int i = 0; i < s->nargs && m < 64; i++) uargs[m++] = s->args[i];
        if (!resolve_user(C, name, uargs, m, &found))
          error_at(C, bounds[k]->line, bounds[k]->col,
                   "truncation of the user-defined %s needs a function %s(%s | ...) with the same "
                   "arguments%s",
                   s->dist, name, is_int(s->lhs->ty) ? "int" : "real", found ? " (no overload matches)" : "");
        continue;
      }
      snprintf(name, sizeof name, "%s%s", s->dist, which[k]);
      urn_type argt[64], ret;
      argt[0] = bounds[k]->ty;
      int m = 1;
      for (int i = 0; i < s->nargs && m < 64; i++) argt[m++] = s->args[i]->ty;
      const urn_builtin *b = urn_builtin_resolve(name, argt, m, &ret);
      if (!b) {
        error_at(C, bounds[k]->line, bounds[k]->col,
                 "truncation needs %s, which is not available for these arguments", name);
        continue;
      }
      if (k == 0) s->trunc_lccdf = b;
      else s->trunc_lcdf = b;
    }
  }
}

/* Does s always end in return / reject / fatal_error?  (Loops count when their body does:
 * lenient, so that no valid program is refused; the evaluator still reports falling off.) */
static int always_returns(const urn_stmt *s) {
  if (!s) return 0;
  switch (s->kind) {
    case URN_ST_RETURN:
    case URN_ST_REJECT:
    case URN_ST_FATAL: return 1;
    case URN_ST_BLOCK:
      for (int i = 0; i < s->nstmts; i++)
        if (always_returns(s->stmts[i])) return 1;
      return 0;
    case URN_ST_IF: return always_returns(s->body) && always_returns(s->else_body);
    case URN_ST_WHILE:
    case URN_ST_FOR:
    case URN_ST_FOREACH: return always_returns(s->body);
    default: return 0;
  }
}

static void check_printables(checker *C, urn_stmt *s) {
  for (int i = 0; i < s->nargs; i++)
    if (s->args[i]->kind != URN_EX_STRING) check_expr(C, s->args[i]);
}

static void check_stmt(checker *C, urn_stmt *s) {
  char b1[64], b2[64];
  context saved = C->ctx;
  switch (s->kind) {
    case URN_ST_DECL: check_decl(C, s->decl); break;
    case URN_ST_ASSIGN: check_assign(C, s); break;
    case URN_ST_TILDE: check_tilde(C, s); break;
    case URN_ST_TARGET: {
      int ok = C->ctx.fun ? C->ctx.fun->suffix == URN_SUF_LP : C->ctx.block == URN_BLK_MODEL;
      if (!ok)
        error_at(C, s->line, s->col,
                 "target += is only allowed in the model block and in functions ending in _lp");
      check_expr(C, s->rhs);
      urn_type t = s->rhs->ty;
      if (!is_err(t) && !(t.base == URN_TY_INT || t.base == URN_TY_REAL || t.base == URN_TY_VECTOR ||
                          t.base == URN_TY_ROW_VECTOR || t.base == URN_TY_MATRIX))
        error_at(C, s->rhs->line, s->rhs->col, "target += needs a numeric value, not %s",
                 tyname(t, b1, sizeof b1));
      break;
    }
    case URN_ST_JACOBIAN: {
      int ok = C->ctx.fun ? strlen(C->ctx.fun->name) > 9 &&
                                strcmp(C->ctx.fun->name + strlen(C->ctx.fun->name) - 9, "_jacobian") == 0
                          : C->ctx.block == URN_BLK_TPARAMS;
      if (!ok)
        error_at(C, s->line, s->col,
                 "jacobian += is only allowed in transformed parameters and functions ending in "
                 "_jacobian");
      check_expr(C, s->rhs);
      urn_type t = s->rhs->ty;
      if (!is_err(t) && !(is_scalar(t) || is_vecmat(t) || t.base == URN_TY_REAL))
        error_at(C, s->rhs->line, s->rhs->col, "jacobian += needs a numeric value, not %s",
                 tyname(t, b1, sizeof b1));
      break;
    }
    case URN_ST_FOR: {
      check_expr(C, s->lo);
      check_expr(C, s->hi);
      for (int k = 0; k < 2; k++) {
        urn_expr *b = k ? s->hi : s->lo;
        if (!is_err(b->ty) && !is_int(b->ty))
          error_at(C, b->line, b->col, "for-loop bounds must be int, not %s",
                   tyname(b->ty, b1, sizeof b1));
      }
      push_scope(C);
      s->decl->is_data = s->lo->data_only && s->hi->data_only;
      declare(C, s->decl);
      C->ctx.loops++;
      C->ctx.top = 0;
      push_scope(C);
      check_stmt(C, s->body);
      pop_scope(C);
      pop_scope(C);
      break;
    }
    case URN_ST_FOREACH: {
      check_expr(C, s->rhs);
      urn_type t = s->rhs->ty;
      urn_vardecl *v = s->decl;
      if (t.dims > 0) {
        v->ty = mk(t.base, t.dims - 1);
      } else if (is_vecmat(t)) {
        v->ty = mk(URN_TY_REAL, 0);
      } else {
        if (!is_err(t))
          error_at(C, s->rhs->line, s->rhs->col,
                   "foreach loops need an array, vector, row_vector or matrix, not %s",
                   tyname(t, b1, sizeof b1));
        v->ty = mk(URN_TY_ERROR, 0);
      }
      v->ndims = v->ty.dims;
      v->dtype = v->ty.base == URN_TY_INT       ? URN_DT_INT
                 : v->ty.base == URN_TY_VECTOR  ? URN_DT_VECTOR
                 : v->ty.base == URN_TY_ROW_VECTOR ? URN_DT_ROW_VECTOR
                 : v->ty.base == URN_TY_MATRIX  ? URN_DT_MATRIX
                                                : URN_DT_REAL;
      v->is_data = s->rhs->data_only;
      push_scope(C);
      declare(C, v);
      C->ctx.loops++;
      C->ctx.top = 0;
      push_scope(C);
      check_stmt(C, s->body);
      pop_scope(C);
      pop_scope(C);
      break;
    }
    case URN_ST_WHILE:
    case URN_ST_IF: {
      check_expr(C, s->cond);
      if (!is_err(s->cond->ty) && !is_scalar(s->cond->ty))
        error_at(C, s->cond->line, s->cond->col, "the condition must be an int or real, not %s",
                 tyname(s->cond->ty, b1, sizeof b1));
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
        error_at(C, s->line, s->col, "'%s' is only allowed inside a loop",
                 s->kind == URN_ST_BREAK ? "break" : "continue");
      break;
    case URN_ST_RETURN: {
      urn_fundef *f = C->ctx.fun;
      if (s->rhs) check_expr(C, s->rhs);
      if (!f) {
        error_at(C, s->line, s->col, "'return' is only allowed inside a function body");
        break;
      }
      if (f->ret.base == URN_TY_VOID) {
        if (s->rhs)
          error_at(C, s->line, s->col, "void function '%s' cannot return a value", f->name);
      } else if (!s->rhs) {
        error_at(C, s->line, s->col, "function '%s' must return a value of type %s", f->name,
                 tyname(f->ret, b1, sizeof b1));
      } else if (!assignable(f->ret, s->rhs->ty)) {
        error_at(C, s->rhs->line, s->rhs->col,
                 "function '%s' returns %s, but this return value has type %s", f->name,
                 tyname(f->ret, b1, sizeof b1), tyname(s->rhs->ty, b2, sizeof b2));
      }
      break;
    }
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
      check_expr(C, s->rhs);
      if (!is_err(s->rhs->ty) && s->rhs->ty.base != URN_TY_VOID)
        error_at(C, s->line, s->col,
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
  if (a->nparams != b->nparams || !same(a->ret, b->ret)) return 0;
  for (int i = 0; i < a->nparams; i++)
    if (!same(a->params[i]->ty, b->params[i]->ty)) return 0;
  return 1;
}

static void check_fundef_header(checker *C, urn_fundef *f) {
  char b1[64];
  int suf = f->suffix;
  if (suf == URN_SUF_LUPDF || suf == URN_SUF_LUPMF)
    error_at(C, f->line, f->col,
             "'%s': define the density with the _lpdf/_lpmf suffix; the _lupdf/_lupmf form is "
             "available automatically",
             f->name);
  if (suf == URN_SUF_LPDF || suf == URN_SUF_LPMF || suf == URN_SUF_LCDF || suf == URN_SUF_LCCDF ||
      suf == URN_SUF_CDF) {
    if (f->nparams == 0)
      error_at(C, f->line, f->col, "'%s' needs at least one argument (the variate)", f->name);
    else if (suf == URN_SUF_LPDF && f->params[0]->ty.base == URN_TY_INT)
      error_at(C, f->params[0]->line, f->params[0]->col,
               "the first argument of '%s' must be real-valued (a _lpdf is a density); use _lpmf "
               "for an int variate",
               f->name);
    else if (suf == URN_SUF_LPMF && f->params[0]->ty.base != URN_TY_INT)
      error_at(C, f->params[0]->line, f->params[0]->col,
               "the first argument of '%s' must be int-valued (a _lpmf is a mass function); use "
               "_lpdf for a real variate",
               f->name);
    if (!(f->ret.base == URN_TY_REAL && f->ret.dims == 0))
      error_at(C, f->line, f->col, "'%s' must return real, not %s", f->name,
               tyname(f->ret, b1, sizeof b1));
  }
  if (urn_builtin_exists(f->name))
    error_at(C, f->line, f->col, "'%s' is a built-in function and cannot be redefined", f->name);
  /* earlier declarations of the same name: a forward declaration and its definition, or overloads */
  f->definition = f;
  for (int i = 0; i < C->p->nfuns; i++) {
    urn_fundef *g = C->p->funs[i];
    if (g == f) break;
    if (strcmp(g->name, f->name) != 0) continue;
    int sig = same_signature(g, f);
    int args_same = g->nparams == f->nparams;
    for (int j = 0; args_same && j < f->nparams; j++)
      args_same = same(g->params[j]->ty, f->params[j]->ty);
    if (args_same && !sig) {
      error_at(C, f->line, f->col, "'%s' is declared again with a different return type", f->name);
    } else if (sig && g->body && f->body) {
      error_at(C, f->line, f->col, "function '%s' is defined twice (first at line %d)", f->name,
               g->line);
    } else if (sig && !g->body && f->body) {
      g->definition = f;
    } else if (sig && g->body && !f->body) {
      error_at(C, f->line, f->col, "forward declaration of '%s' after its definition", f->name);
    }
  }
}

static void check_fundef_body(checker *C, urn_fundef *f) {
  if (!f->body) return;
  context saved = C->ctx;
  C->ctx.block = -1;
  C->ctx.fun = f;
  C->ctx.loops = 0;
  C->ctx.top = 0;
  push_scope(C);
  for (int i = 0; i < f->nparams; i++) {
    f->params[i]->is_data = f->params[i]->data_only || f->params[i]->ty.base == URN_TY_INT; /* `data` arguments receive data only */
    declare(C, f->params[i]);
  }
  push_scope(C);
  check_list(C, f->body->stmts, f->body->nstmts);
  pop_scope(C);
  pop_scope(C);
  if (f->ret.base != URN_TY_VOID && !always_returns(f->body))
    error_at(C, f->line, f->col,
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
  for (int i = 0; i < p->nfuns; i++) check_fundef_header(&C, p->funs[i]);
  for (int i = 0; i < p->nfuns; i++) check_fundef_body(&C, p->funs[i]);
  for (int i = 0; i < p->nfuns; i++) {
    urn_fundef *f = p->funs[i];
    if (!f->body && f->definition == f)
      error_at(&C, f->line, f->col, "function '%s' is declared but never defined", f->name);
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
