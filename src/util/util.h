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
/* malloc for a size that comes from input and may be unmeetable: NULL (never an abort) when n is more than this
 * machine's physical memory or malloc fails.  Free with free(). */
void *urn_try_malloc(size_t n);
/* "1.5 GB", "12 MB", "800 bytes": a byte count for messages. */
void urn_format_bytes(char *out, size_t cap, double bytes);

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
void *urn_arena_alloc(urn_arena *a, size_t n); /* 16-byte aligned, zeroed; aborts when memory runs out */
void *urn_arena_try_alloc(urn_arena *a, size_t n); /* the same, but NULL when n cannot be met (urn_try_malloc) */
void *urn_arena_try_alloc_raw(urn_arena *a, size_t n); /* the same, NOT zeroed: for storage written before it is read */
char *urn_arena_strndup(urn_arena *a, const char *s, size_t n);
void urn_arena_reset(urn_arena *a);
void urn_arena_free(urn_arena *a);

/* Reads a whole text file into a malloc'd NUL-terminated buffer; *len gets its size.
 * Returns NULL and fills err (naming the path and errno text) on failure: a folder, a file holding a NUL
 * byte (not text: /dev/zero), a stream (pipe, device) longer than URN_READ_MAX_STREAM bytes, a size memory
 * cannot hold (URN_ENOMEM), a read interrupted by a signal (URN_EINTR). */
#define URN_READ_MAX_STREAM ((size_t)1 << 30)
char *urn_read_file(const char *path, size_t *len, urn_error *err);

/* Writes data[0..n) to path so that nothing is lost, clobbered or written where it should not be: into a new
 * temporary file beside path (created with O_CREAT|O_EXCL|O_NOFOLLOW: an existing name or link is never followed
 * or reused), flushed, synced and closed with every step checked, then renamed over path (a link at path is
 * replaced, not followed).  On any failure (a full disk, a read-only folder) the temporary file is removed, path
 * is left as it was, and err names path and the cause.  A path that exists and is not a regular file (a device
 * such as /dev/full or /dev/stdout, a FIFO) is written in place, every write checked. */
int urn_write_file(const char *path, const void *data, size_t n, urn_error *err);
/* Whether path is to be written in place, never replaced by a rename: it exists and is not a regular file or a
 * folder (links followed: a device, FIFO or socket), or it lies in /dev or /proc (/dev/stdout is a link to
 * /proc/self/fd/1, which may well be a regular file: renaming over it replaced the /dev/stdout link). */
int urn_path_in_place(const char *path);

/* Formats a double with %.17g but prints "nan", "inf", "-inf" as Stan CSV does. */
void urn_format_double(char *out, size_t cap, double x);

#endif
