/* lang/source.c — diagnostics with the offending source line and a caret.
 * Columns are counted in characters (UTF-8 code points), as the lexer counts
 * them; the caret line reproduces tabs so that it lines up in a terminal. */
#include "lang/source.h"

#include <stdio.h>
#include <string.h>

enum { SHOW_MAX = 160 }; /* longest slice of a source line shown */

void urn_source_vdiag(urn_buf *out, const char *path, const char *src, size_t len, int line, int col,
                      const char *fmt, va_list ap) {
  urn_source_vdiag_at(out, path, line, src, len, line, col, fmt, ap);
}

void urn_source_vdiag_at(urn_buf *out, const char *path, int shown_line, const char *src, size_t len, int line,
                         int col, const char *fmt, va_list ap) {
  urn_buf_printf(out, "%s:%d:%d: ", path ? path : "<input>", shown_line, col);
  urn_buf_vprintf(out, fmt, ap);
  urn_buf_putc(out, '\n');
  if (!src || line < 1) return;
  /* find the start of the line */
  size_t pos = 0;
  for (int l = 1; l < line && pos < len; pos++)
    if (src[pos] == '\n') l++;
  if (pos >= len && !(pos == len && line >= 1 && len > 0)) return;
  size_t end = pos;
  while (end < len && src[end] != '\n') end++;
  if (end > pos && src[end - 1] == '\r') end--;
  /* byte offset of the column (count code points) */
  size_t at = pos;
  for (int c = 1; c < col && at < end; c++) {
    at++;
    while (at < end && ((unsigned char)src[at] & 0xC0) == 0x80) at++;
  }
  /* cut long lines to a window around the caret */
  size_t from = pos, to = end;
  if (to - from > SHOW_MAX) {
    from = at > pos + SHOW_MAX / 2 ? at - SHOW_MAX / 2 : pos;
    while (from > pos && ((unsigned char)src[from] & 0xC0) == 0x80) from--;
    to = from + SHOW_MAX < end ? from + SHOW_MAX : end;
    while (to < end && ((unsigned char)src[to] & 0xC0) == 0x80) to++;
  }
  for (size_t i = from; i < to; i++) {
    unsigned char ch = (unsigned char)src[i];
    urn_buf_putc(out, ch == 0 || (ch < 32 && ch != '\t') ? ' ' : (char)ch);
  }
  urn_buf_putc(out, '\n');
  for (size_t i = from; i < at && i < to; i++) {
    unsigned char ch = (unsigned char)src[i];
    if ((ch & 0xC0) == 0x80) continue;
    urn_buf_putc(out, ch == '\t' ? '\t' : ' ');
  }
  urn_buf_puts(out, "^\n");
}

void urn_source_diag(urn_buf *out, const char *path, const char *src, size_t len, int line, int col,
                     const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  urn_source_vdiag(out, path, src, len, line, col, fmt, ap);
  va_end(ap);
}
