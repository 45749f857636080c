/* util/util.c — checked allocation, growable buffers, arenas, file reading,
 * and the urn_error helpers of the public API. */
#include "util/util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int urn_error_set(urn_error *err, int code, const char *fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    err->code = code;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
  }
  return code;
}

void urn_error_clear(urn_error *err) {
  if (err) {
    err->code = URN_OK;
    err->msg[0] = 0;
  }
}

const char *urn_version(void) {
#ifdef URN_VERSION
  return URN_VERSION;
#else
  return "unknown";
#endif
}

static void out_of_memory(size_t n) {
  fprintf(stderr, "urn: out of memory (allocating %zu bytes)\n", n);
  abort();
}

void *urn_xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) out_of_memory(n);
  return p;
}

void *urn_xcalloc(size_t count, size_t size) {
  void *p = calloc(count ? count : 1, size ? size : 1);
  if (!p) out_of_memory(count * size);
  return p;
}

void *urn_xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) out_of_memory(n);
  return q;
}

char *urn_xstrdup(const char *s) { return urn_xstrndup(s, strlen(s)); }

char *urn_bracket_name(const char *col) {
  const char *dot = strchr(col, '.');
  if (!dot) return urn_xstrdup(col);
  urn_buf b;
  urn_buf_init(&b);
  urn_buf_append(&b, col, (size_t)(dot - col));
  urn_buf_putc(&b, '[');
  for (const char *p = dot + 1; *p; p++) urn_buf_putc(&b, *p == '.' ? ',' : *p);
  urn_buf_putc(&b, ']');
  return b.data;
}

char *urn_xstrndup(const char *s, size_t n) {
  char *p = urn_xmalloc(n + 1);
  memcpy(p, s, n);
  p[n] = 0;
  return p;
}

int urn_mul_overflow(size_t a, size_t b, size_t *out) {
  if (a && b > SIZE_MAX / a) return -1;
  *out = a * b;
  return 0;
}

void urn_buf_init(urn_buf *b) { b->data = NULL, b->len = 0, b->cap = 0; }

void urn_buf_free(urn_buf *b) {
  free(b->data);
  urn_buf_init(b);
}

static void buf_reserve(urn_buf *b, size_t extra) {
  if (b->len + extra + 1 <= b->cap) return;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < b->len + extra + 1) cap *= 2;
  b->data = urn_xrealloc(b->data, cap);
  b->cap = cap;
}

void urn_buf_append(urn_buf *b, const char *s, size_t n) {
  buf_reserve(b, n);
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = 0;
}

void urn_buf_puts(urn_buf *b, const char *s) { urn_buf_append(b, s, strlen(s)); }

void urn_buf_putc(urn_buf *b, char c) { urn_buf_append(b, &c, 1); }

void urn_buf_vprintf(urn_buf *b, const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0) return;
  buf_reserve(b, (size_t)n);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  b->len += (size_t)n;
}

void urn_buf_printf(urn_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  urn_buf_vprintf(b, fmt, ap);
  va_end(ap);
}

struct urn_arena_block {
  urn_arena_block *next; /* older block */
  size_t size;           /* usable bytes in data */
  size_t used;           /* bytes handed out */
  _Alignas(16) unsigned char data[];
};

void urn_arena_init(urn_arena *a, size_t block_size) {
  a->head = NULL;
  a->block_size = block_size ? block_size : 1 << 16;
}

void *urn_arena_alloc(urn_arena *a, size_t n) {
  n = (n + 15) & ~(size_t)15;
  urn_arena_block *b = a->head;
  if (!b || b->size - b->used < n) {
    size_t size = n > a->block_size ? n : a->block_size;
    b = urn_xmalloc(sizeof *b + size);
    b->size = size;
    b->used = 0;
    b->next = a->head;
    a->head = b;
  }
  void *p = b->data + b->used;
  b->used += n;
  memset(p, 0, n);
  return p;
}

char *urn_arena_strndup(urn_arena *a, const char *s, size_t n) {
  char *p = urn_arena_alloc(a, n + 1);
  memcpy(p, s, n);
  p[n] = 0;
  return p;
}

void urn_arena_reset(urn_arena *a) {
  /* Keep only the largest block so that a warm arena does not call malloc. */
  urn_arena_block *keep = NULL, *b = a->head;
  while (b) {
    urn_arena_block *next = b->next;
    if (!keep || b->size > keep->size) {
      if (keep) free(keep);
      keep = b;
    } else {
      free(b);
    }
    b = next;
  }
  if (keep) {
    keep->used = 0;
    keep->next = NULL;
  }
  a->head = keep;
}

void urn_arena_free(urn_arena *a) {
  urn_arena_block *b = a->head;
  while (b) {
    urn_arena_block *next = b->next;
    free(b);
    b = next;
  }
  a->head = NULL;
}

char *urn_read_file(const char *path, size_t *len, urn_error *err) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    urn_error_set(err, URN_EIO, "%s: cannot open: %s", path, strerror(errno));
    return NULL;
  }
  urn_buf b;
  urn_buf_init(&b);
  char chunk[65536];
  size_t got;
  while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) urn_buf_append(&b, chunk, got);
  int bad = ferror(f);
  fclose(f);
  if (bad) {
    urn_buf_free(&b);
    urn_error_set(err, URN_EIO, "%s: read error", path);
    return NULL;
  }
  if (!b.data) urn_buf_append(&b, "", 0);
  if (len) *len = b.len;
  return b.data;
}

void urn_format_double(char *out, size_t cap, double x) {
  if (isnan(x))
    snprintf(out, cap, "nan");
  else if (isinf(x))
    snprintf(out, cap, x > 0 ? "inf" : "-inf");
  else
    snprintf(out, cap, "%.17g", x);
}
