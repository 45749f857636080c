/* lang/parser.h — Stan source text to AST (lang/ast.h).
 *
 * A hand-written recursive-descent parser with precedence climbing for
 * expressions, following the Stan Reference Manual (2.3x, modern syntax
 * only: `array[N] real`, no `<-`, no `increment_log_prob`).  Nesting deeper
 * than URN_PARSE_MAX_DEPTH is refused with an error instead of overflowing
 * the C stack; with URN_PARSE_MAX_CHAIN (a chain `a + b + ...` is read by a
 * loop and counts one level of nesting) this bounds the depth of the AST, so
 * recursive walkers of a parsed program (checker, evaluator) cannot overflow
 * the stack either.  The first syntax
 * error stops the parse. */
#ifndef URN_LANG_PARSER_H
#define URN_LANG_PARSER_H

#include <stddef.h>
#include "lang/ast.h"

/* Maximum nesting of expressions/statements (parentheses, blocks, ...). */
#define URN_PARSE_MAX_DEPTH 500
/* Maximum binary operators in one statement: a chain (a + b + c ...) is read by a loop and is not nesting,
 * but it makes a left-nested tree that later passes walk recursively. */
#define URN_PARSE_MAX_CHAIN 4000

/* Parses src[0..len) (which may contain NUL bytes: they are reported as errors).
 * path names the file in messages.  Returns the program, or NULL with err set
 * (code URN_EINPUT, message `path:line:col: text`, the source line and a caret line). */
urn_program *urn_parse(const char *path, const char *src, size_t len, urn_error *err);

/* The same, expanding `#include` directives (lang/include.h): files are looked for in path's folder, then in
 * include_paths (comma-separated folders, NULL for none).  urn_parse is urn_parse_ex(..., NULL, err). */
urn_program *urn_parse_ex(const char *path, const char *src, size_t len, const char *include_paths,
                          urn_error *err);

/* Reads and parses a file (URN_EIO when it cannot be read); _ex with include paths as urn_parse_ex. */
urn_program *urn_parse_file(const char *path, urn_error *err);
urn_program *urn_parse_file_ex(const char *path, const char *include_paths, urn_error *err);

#endif
