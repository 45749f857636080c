/* lang/source.h — formatting diagnostics against source text: the
 * `file:line:col: message` line followed by the source line and a caret line
 * under the column.  Used by the parser and the checker. */
#ifndef URN_LANG_SOURCE_H
#define URN_LANG_SOURCE_H

#include <stdarg.h>
#include <stddef.h>
#include "util/util.h"

/* Appends to out: "path:line:col: message\n<the source line>\n<spaces>^\n".
 * Lines are counted by '\n' (a '\r' before it is not shown); columns count bytes
 * from 1 (a tab in the source line is kept, so the caret lines up).  Long source
 * lines are cut around the column. */
void urn_source_diag(urn_buf *out, const char *path, const char *src, size_t len, int line, int col,
                     const char *fmt, ...) __attribute__((format(printf, 7, 8)));
void urn_source_vdiag(urn_buf *out, const char *path, const char *src, size_t len, int line, int col,
                      const char *fmt, va_list ap);
/* The same, naming the position as path:shown_line:col (the line's file and line number when src is a
 * program expanded by #include) while showing line `line` of src. */
void urn_source_vdiag_at(urn_buf *out, const char *path, int shown_line, const char *src, size_t len, int line,
                         int col, const char *fmt, va_list ap);

#endif
