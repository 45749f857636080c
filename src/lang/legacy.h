/* lang/legacy.h — pre-2.33 Stan that urn still reads.
 *
 * Stan 2.33 removed syntax that most books, forum answers and the public
 * example-models collection still use.  urn accepts it, gives one warning per
 * kind and program (at the first occurrence, naming the modern form and how
 * many more there are), and turns it into the modern AST, so that the checker,
 * the evaluator and everything after them only ever see current Stan:
 *
 *   in the parser (lang/parser.c):   `<-`, `#` comments, `real y[N]` / `vector[K] b[J]`
 *       declarations, `real[]` argument and return types, increment_log_prob(e),
 *       get_lp(), lp__;
 *   in urn_legacy_rewrite (this module, run at the end of urn_parse, before
 *       checking; it needs only names: the user's functions and the built-in
 *       table): foo_log / foo_cdf_log / foo_ccdf_log density calls, CDFs
 *       written with ',' instead of '|', if_else, integrate_ode, fabs,
 *       multiply_log, binomial_coefficient_log, cov_exp_quad, and user
 *       densities defined as foo_log and used as `y ~ foo(...)`.
 *
 * What each node looked like is kept in its `legacy` bits (lang/ast.h) for
 * `urn format`; `urn format --canonical` prints the modern form.  The list of
 * forms and the decisions are in docs/language.md ("Programs in the syntax
 * before Stan 2.33"). */
#ifndef URN_LANG_LEGACY_H
#define URN_LANG_LEGACY_H

#include "lang/ast.h"

/* The kinds of old syntax, one warning each. */
enum urn_legacy_kind {
  URN_LK_HASH_COMMENT,     /* # comment */
  URN_LK_ARROW,            /* a <- b */
  URN_LK_OLD_ARRAY,        /* real y[N] */
  URN_LK_OLD_ARG_TYPE,     /* real[] x as a function argument or return type */
  URN_LK_INCREMENT,        /* increment_log_prob(e) */
  URN_LK_GET_LP,           /* get_lp() */
  URN_LK_LP_VAR,           /* lp__ */
  URN_LK_LOG_SUFFIX,       /* normal_log(y, ...) */
  URN_LK_CDF_LOG,          /* normal_cdf_log(y, ...) */
  URN_LK_CCDF_LOG,         /* normal_ccdf_log(y, ...) */
  URN_LK_CDF_COMMA,        /* normal_cdf(y, mu, sigma) without '|' */
  URN_LK_IF_ELSE,          /* if_else(c, a, b) */
  URN_LK_INTEGRATE_ODE,    /* integrate_ode(...) */
  URN_LK_FABS,             /* fabs(x) */
  URN_LK_MULTIPLY_LOG,     /* multiply_log(a, b) */
  URN_LK_BINOMIAL_COEFFICIENT_LOG, /* binomial_coefficient_log(n, k) */
  URN_LK_COV_EXP_QUAD,     /* cov_exp_quad(...) */
  URN_LK_USER_LOG_DENSITY, /* a user's foo_log used as `y ~ foo(...)` */
  URN_LK_JACOBIAN_NAME,    /* `jacobian` as a variable or function name (reserved from Stan 2.38) */
  URN_LK_COUNT
};

/* Occurrences of old syntax in one program, for its warnings. */
typedef struct urn_legacy_log {
  int count[URN_LK_COUNT];           /* occurrences of each kind */
  int line[URN_LK_COUNT];            /* position of the first occurrence */
  int col[URN_LK_COUNT];             /* its column */
  char what[URN_LK_COUNT][200];      /* its message, naming the old and the modern form */
} urn_legacy_log;

/* Notes an occurrence of kind at line:col; the message (printf-style) is kept
 * for the first occurrence only. */
void urn_legacy_note(urn_legacy_log *log, int kind, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* The name-level rewrites listed above, on a freshly parsed program (before
 * urn_check), noting each in log. */
void urn_legacy_rewrite(urn_program *p, urn_legacy_log *log);

/* Sets p->warnings from log: one line per kind that occurred, in source order,
 * "path:line:col: warning: <what> [and N more]"; NULL when none. */
void urn_legacy_finish(urn_program *p, const urn_legacy_log *log);

#endif
