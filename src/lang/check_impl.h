/* lang/check_impl.h — what the checker's files share (internal to src/lang):
 * the checker state, its scopes and error reporting (check.c), type helpers,
 * and the entry points of the expression and call checkers (check_expr.c,
 * check_call.c).  The checker is the one typing pass: it leaves on the AST
 * every type, every resolved name (variable slots, the user-function overload,
 * the built-in entry of every call and operator) and the data-only / pure
 * levels, and the lowering (lower.c) only translates them. */
#ifndef URN_LANG_CHECK_IMPL_H
#define URN_LANG_CHECK_IMPL_H

#include <stdio.h>

#include "lang/ast.h"
#include "lang/builtins.h"

/* One live name in the scope table. */
typedef struct chk_sym {
  const char *name;     /* the name (points into the AST) */
  urn_vardecl *decl;    /* its declaration */
  struct chk_sym *next; /* next in the hash chain */
} chk_sym;

/* Where the statements being checked are. */
typedef struct chk_context {
  int block;            /* enum urn_block_kind, or -1 inside a function body */
  urn_fundef *fun;      /* the function whose body is being checked, or NULL */
  int loops;            /* number of enclosing loops (for break/continue) */
  int top;              /* 1 at the top level of a block (not nested in { } or a loop) */
} chk_context;

/* The state of one check. */
typedef struct checker {
  urn_program *p;       /* the program */
  chk_sym **buckets;    /* hash table of live names */
  size_t nbuckets;      /* its size (a power of two) */
  chk_sym **stack;      /* every live name in declaration order (for popping scopes) */
  size_t nstack, capstack; /* stack size and capacity */
  size_t *marks;        /* stack heights at scope entries */
  size_t nmarks, capmarks; /* marks size and capacity */
  chk_context ctx;      /* the current context */
  urn_buf msgs;         /* collected messages */
  int nerrors;          /* errors found */
  int nshown;           /* errors written into msgs */
} checker;

/* ---- check.c: errors, scopes ---- */
/* Records an error at line:col (shown with the source line and a caret). */
void chk_error(checker *C, int line, int col, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The variable visible under name, or NULL. */
urn_vardecl *chk_lookup(checker *C, const char *name);
/* The first user function (definition or declaration) named name, or NULL. */
urn_fundef *chk_find_fun(checker *C, const char *name);
/* " (did you mean 'x'?)" for the closest variable (vars) or function name, or "". */
void chk_suggest(checker *C, const char *name, int vars, char *out, size_t cap);

/* ---- check_expr.c ---- */
/* Checks e: its type, resolved names, operators and levels (sets the "(checker)" fields). */
void chk_expr(checker *C, urn_expr *e);
/* Types the binary operation e (op, lhs, rhs already checked) from the operator's built-in
 * overloads; returns 0 (no message) when none accepts the operands. */
int chk_binary_resolve(checker *C, urn_expr *e);

/* ---- check_call.c ---- */
/* Checks a call expression (arguments, suffix rules, overload resolution, higher-order rules). */
void chk_call(checker *C, urn_expr *e);
/* A function named by a call argument (reduce_sum(partial_sum, ...), y ~ laplace_...(..., K, (...))): sets a->fun
 * and the FUNCTION type; 0 when a is not a function name. */
int chk_function_argument(checker *C, urn_expr *a);
/* Resolves name(args) (already checked) among the user's overloads and the built-in table;
 * sets e's ty, fun, builtin, propto (ty ERROR after a message). */
void chk_resolve_call(checker *C, urn_expr *e, const char *name, int line, int col);
/* Promotions needed to pass a value of type got where want is declared (int -> real, also
 * inside arrays): 0 or 1, or -1 when it cannot be passed. */
int chk_pass_cost(urn_type got, urn_type want);
/* The user overload of name (its definition) needing the fewest promotions for argument types
 * tys[0..n); NULL when none fits.  *ties gets the number of overloads at that cost (> 1:
 * ambiguous), *cost the cost, *found whether any function has the name. */
urn_fundef *chk_best_user(checker *C, const char *name, const urn_type *tys, int n, int *cost, int *ties,
                          int *found);

/* ---- type helpers ---- */
static inline urn_type chk_mk(int base, int dims) {
  urn_type t = {(unsigned char)base, (unsigned char)dims};
  return t;
}
static inline int chk_is_err(urn_type t) { return t.base == URN_TY_ERROR; }
static inline int chk_is_int(urn_type t) { return t.base == URN_TY_INT && t.dims == 0; }
static inline int chk_is_scalar(urn_type t) { return t.dims == 0 && (t.base == URN_TY_INT || t.base == URN_TY_REAL); }
static inline int chk_is_vecmat(urn_type t) {
  return t.dims == 0 && (t.base == URN_TY_VECTOR || t.base == URN_TY_ROW_VECTOR || t.base == URN_TY_MATRIX);
}
static inline int chk_same(urn_type a, urn_type b) { return urn_type_eq(a, b); }
/* Can a value of type from be stored in a variable of type to?  (Stan's promotions: int -> real ->
 * complex, real containers -> complex ones, also inside arrays and tuples; urn_type_promotes) */
static inline int chk_assignable(urn_type to, urn_type from) {
  if (chk_is_err(to) || chk_is_err(from)) return 1;
  return urn_type_promotes(from, to) >= 0;
}
/* A complex scalar; an int, real or complex scalar; a complex vector, row vector or matrix. */
static inline int chk_is_complex(urn_type t) { return t.dims == 0 && t.base == URN_TY_COMPLEX; }
static inline int chk_is_num(urn_type t) { return chk_is_scalar(t) || chk_is_complex(t); }
static inline int chk_is_cvecmat(urn_type t) {
  return t.dims == 0 && (t.base == URN_TY_COMPLEX_VECTOR || t.base == URN_TY_COMPLEX_ROW_VECTOR || t.base == URN_TY_COMPLEX_MATRIX);
}
/* The type as Stan spells it, into buf. */
static inline const char *chk_tyname(urn_type t, char *buf, size_t cap) {
  urn_type_format(t, buf, cap);
  return buf;
}

#endif
