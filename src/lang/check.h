/* lang/check.h — the semantic checker: resolves every name against scopes and
 * the built-in table (lang/builtins.h), types every expression with Stan's
 * promotion rules, and enforces the block rules (what may be assigned where,
 * where `_rng`, `_lp`, `target +=` and `~` may appear), the suffix rules of
 * function names, constraint rules of declarations and the return rules of
 * functions.  It annotates the AST in place (see the "(checker)" fields of
 * lang/ast.h). */
#ifndef URN_LANG_CHECK_H
#define URN_LANG_CHECK_H

#include "lang/ast.h"

/* Checks p.  Returns URN_OK, or URN_EINPUT with err holding every error found
 * (up to a limit), each as `file:line:col: message`, the source line and a
 * caret line, separated by newlines. */
int urn_check(urn_program *p, urn_error *err);

#endif
