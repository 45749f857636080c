/* lang/format.h — a parsed program printed back as Stan source (`urn format`).
 *
 * The layout is fixed: two spaces of indentation per level, one statement per
 * line, spaces around binary operators, `, ` between arguments, the minimal
 * parentheses that keep the parse (the AST does not remember the written
 * ones), at most one blank line where the source had one or more.  Comments
 * are kept: a comment on a line of its own stays on a line of its own before
 * the next statement, a comment after code stays at the end of that line.
 * Literals keep their spelling (`1e-10`, `1_000`).
 *
 * By default the program's syntax is kept, pre-2.33 forms included (from the
 * nodes' `legacy` bits, lang/ast.h).  URN_FMT_CANONICAL prints current Stan
 * instead, as `stanc --print-canonical` does: `array[N] real y`, `=`, `//`
 * comments, `target +=`, `target()`, `_lpdf(y | ...)`, `?:`, the renamed
 * functions, and braces around every loop and branch body.  Formatting a
 * formatted program gives the same text. */
#ifndef URN_LANG_FORMAT_H
#define URN_LANG_FORMAT_H

#include "lang/ast.h"

/* Flags of the functions below. */
enum {
  URN_FMT_CANONICAL = 1, /* current Stan syntax */
  /* the syntax of Stan 2.21 (rstan from Debian), for running a program beside Stan: URN_FMT_CANONICAL's rewrites but
   * `real y[N]` dimensions after the name, `int<lower=0> a[]` argument types, _lupdf/_lupmf as _lpdf/_lpmf, `%/%`
   * as `/`, no profile(), and every declaration before the block's first statement (a later one starts a nested
   * block; at the top of transformed data, transformed parameters and generated quantities it is hoisted, its
   * initial value kept in place as an assignment) */
  URN_FMT_STAN221 = 2
};

/* Appends the whole program (ending with a newline; empty for an empty program). */
void urn_format_program(const urn_program *p, int flags, urn_buf *out);
/* Appends an expression with minimal parentheses ("a + b * c", "(a + b)'"). */
void urn_format_expr(const urn_expr *e, int flags, urn_buf *out);
/* Appends an unsized type as in function signatures ("array[,] real"; "real[,]" when legacy has
 * URN_LEG_POSTFIX_DIMS and flags is not canonical). */
void urn_format_unsized(urn_type ty, unsigned legacy, int flags, urn_buf *out);
/* Appends a declaration without initial value or ';' ("array[N] real<lower=0> y"). */
void urn_format_decl(const urn_vardecl *d, int flags, urn_buf *out);

#endif
