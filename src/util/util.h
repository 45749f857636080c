/* util/util.h — small shared utilities: checked allocation, a growable byte
 * buffer, a bump-pointer arena, whole-file reading.  No global state. */
#ifndef URN_UTIL_H
#define URN_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "urn/common.h"

/* malloc/calloc/realloc that abort with a message on failure (for sizes that
 * have already been validated; untrusted sizes must be checked first). */
void *urn_xmalloc(size_t n);
void *urn_xcalloc(size_t count, size_t size);
void *urn_xrealloc(void *p, size_t n);
char *urn_xstrdup(const char *s);
/* A Stan CSV column name in Stan's own notation, newly allocated: "A.1.2" -> "A[1,2]", "mu" -> "mu". */
char *urn_bracket_name(const char *col);
char *urn_xstrndup(const char *s, size_t n);

/* Multiplies a*b, returning 0 and setting *out on success, -1 on overflow. */
int urn_mul_overflow(size_t a, size_t b, size_t *out);

/* A growable NUL-terminated byte buffer. */
typedef struct urn_buf {
  char *data; /* contents, always NUL-terminated when cap > 0 */
  size_t len; /* bytes used, excluding the terminating NUL */
  size_t cap; /* bytes allocated */
} urn_buf;
void urn_buf_init(urn_buf *b);
void urn_buf_free(urn_buf *b);
void urn_buf_append(urn_buf *b, const char *s, size_t n);
void urn_buf_puts(urn_buf *b, const char *s);
void urn_buf_putc(urn_buf *b, char c);
void urn_buf_printf(urn_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void urn_buf_vprintf(urn_buf *b, const char *fmt, va_list ap);

/* A bump-pointer arena: many small allocations freed together.  Reset keeps
 * the first block so a per-evaluation arena stops calling malloc once warm. */
typedef struct urn_arena_block urn_arena_block;
typedef struct urn_arena {
  urn_arena_block *head; /* current block (newest first) */
  size_t block_size;     /* default size of a new block */
} urn_arena;
void urn_arena_init(urn_arena *a, size_t block_size);
void *urn_arena_alloc(urn_arena *a, size_t n); /* 16-byte aligned, zeroed */
char *urn_arena_strndup(urn_arena *a, const char *s, size_t n);
void urn_arena_reset(urn_arena *a);
void urn_arena_free(urn_arena *a);

/* Reads a whole file into a malloc'd NUL-terminated buffer; *len gets its size.
 * Returns NULL and fills err (naming the path and errno text) on failure. */
char *urn_read_file(const char *path, size_t *len, urn_error *err);

/* Formats a double with %.17g but prints "nan", "inf", "-inf" as Stan CSV does. */
void urn_format_double(char *out, size_t cap, double x);

#endif
