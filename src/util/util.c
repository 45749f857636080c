/* util/util.c — checked allocation, growable buffers, arenas, file reading,
 * and the urn_error helpers of the public API. */
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

void *urn_try_malloc(size_t n) {
  if (n > ((size_t)64 << 20)) { /* large: refuse what this machine could never hold (overcommit would say yes) */
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page > 0 && (double)n > (double)pages * (double)page) return NULL;
  }
  return malloc(n ? n : 1);
}

void urn_format_bytes(char *out, size_t cap, double bytes) {
  if (bytes >= 1e9) snprintf(out, cap, "%.3g GB", bytes / 1e9);
  else if (bytes >= 1e6) snprintf(out, cap, "%.3g MB", bytes / 1e6);
  else if (bytes >= 1e3) snprintf(out, cap, "%.3g kB", bytes / 1e3);
  else snprintf(out, cap, "%.0f bytes", bytes);
}

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
  void *p = urn_arena_try_alloc(a, n);
  if (!p) out_of_memory(n);
  return p;
}

void *urn_arena_try_alloc_raw(urn_arena *a, size_t n) {
  if (n > SIZE_MAX / 2) return NULL;
  n = (n + 15) & ~(size_t)15;
  urn_arena_block *b = a->head;
  if (b && b->size - b->used >= n) { /* the usual case: room in the current block */
    unsigned char *p = b->data + b->used;
    b->used += n;
    return p;
  }
  return urn_arena_try_alloc(a, n); /* a new block (zeroed: no matter) */
}

void *urn_arena_try_alloc(urn_arena *a, size_t n) {
  if (n > SIZE_MAX / 2) return NULL;
  n = (n + 15) & ~(size_t)15;
  urn_arena_block *b = a->head;
  if (!b || b->size - b->used < n) {
    size_t size = n > a->block_size ? n : a->block_size;
    b = urn_try_malloc(sizeof *b + size);
    if (!b) return NULL;
    b->size = size;
    b->used = 0;
    b->next = a->head;
    a->head = b;
  }
  unsigned char *p = b->data + b->used;
  b->used += n;
  if (n <= 64) { /* the evaluator's many small requests: a few 16-byte stores, not a call of memset */
    switch (n >> 4) {
      case 4: memset(p + 48, 0, 16); /* fall through */
      case 3: memset(p + 32, 0, 16); /* fall through */
      case 2: memset(p + 16, 0, 16); /* fall through */
      case 1: memset(p, 0, 16); /* fall through */
      default: break;
    }
  } else {
    memset(p, 0, n);
  }
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

/* Fails the read of path: frees *buf, fills err, returns NULL. */
static char *read_fail(int fd, char *buf, urn_error *err, int code, const char *fmt, const char *path, const char *what) {
  free(buf);
  if (fd >= 0) close(fd);
  urn_error_set(err, code, fmt, path, what);
  return NULL;
}

char *urn_read_file(const char *path, size_t *len, urn_error *err) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return read_fail(-1, NULL, err, URN_EIO, "%s: cannot open: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) return read_fail(fd, NULL, err, URN_EIO, "%s: cannot read: %s", path, strerror(errno));
  if (S_ISDIR(st.st_mode)) return read_fail(fd, NULL, err, URN_EIO, "%s: is a folder, not a file%s", path, "");
  int regular = S_ISREG(st.st_mode);
  /* a regular file: its size (it may still change while we read); a stream: grow as it comes, up to a limit */
  size_t cap = regular && st.st_size > 0 ? (size_t)st.st_size + 1 : 65536, n = 0;
  if (regular && (uintmax_t)st.st_size >= SIZE_MAX / 2)
    return read_fail(fd, NULL, err, URN_ENOMEM, "%s: too large to read (%s)", path, "more than the address space");
  char *buf = urn_try_malloc(cap), sz[32];
  if (!buf) {
    urn_format_bytes(sz, sizeof sz, (double)cap);
    return read_fail(fd, NULL, err, URN_ENOMEM, "%s: too large to read into memory (%s)", path, sz);
  }
  for (;;) {
    if (n + 1 >= cap) {
      if (!regular && cap > URN_READ_MAX_STREAM) {
        urn_format_bytes(sz, sizeof sz, (double)URN_READ_MAX_STREAM);
        return read_fail(fd, buf, err, URN_EINPUT, "%s: a stream (pipe or device) longer than %s; save it to a file", path, sz);
      }
      char *nb = cap < SIZE_MAX / 4 ? realloc(buf, 2 * cap) : NULL;
      if (!nb) {
        urn_format_bytes(sz, sizeof sz, (double)2 * cap);
        return read_fail(fd, buf, err, URN_ENOMEM, "%s: too large to read into memory (%s)", path, sz);
      }
      buf = nb, cap *= 2;
    }
    ssize_t got = read(fd, buf + n, cap - 1 - n);
    if (got < 0 && errno == EINTR) return read_fail(fd, buf, err, URN_EINTR, "%s: reading was interrupted%s", path, "");
    if (got < 0) return read_fail(fd, buf, err, URN_EIO, "%s: read error: %s", path, strerror(errno));
    if (got == 0) break;
    if (memchr(buf + n, 0, (size_t)got)) {
      char at[64];
      snprintf(at, sizeof at, "%zu", n + (size_t)((char *)memchr(buf + n, 0, (size_t)got) - (buf + n)));
      return read_fail(fd, buf, err, URN_EINPUT, "%s: not a text file (a NUL byte at offset %s)", path, at);
    }
    n += (size_t)got;
  }
  close(fd);
  buf[n] = 0;
  if (len) *len = n;
  return buf;
}

/* Writes all of data to fd (retrying short writes and EINTR); 0 or -1 with errno set. */
static int write_all(int fd, const char *data, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return -1;
    if (w == 0) { errno = EIO; return -1; }
    data += w, n -= (size_t)w;
  }
  return 0;
}

int urn_path_in_place(const char *path) {
  struct stat st;
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return 0;
  if (lstat(path, &st) != 0) return 0; /* a new file: created as usual (in /proc that fails: "cannot create") */
  if (strncmp(path, "/dev/", 5) == 0 || strncmp(path, "/proc/", 6) == 0) return 1;
  return stat(path, &st) == 0 && !S_ISREG(st.st_mode);
}

int urn_write_file(const char *path, const void *data, size_t n, urn_error *err) {
  struct stat st;
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return urn_error_set(err, URN_EIO, "%s: is a folder, not a file", path);
  if (urn_path_in_place(path)) {
    /* a device or FIFO: written in place (never replaced) */
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return urn_error_set(err, URN_EIO, "%s: cannot write: %s", path, strerror(errno));
    int bad = write_all(fd, data, n) != 0;
    int e = errno;
    if (close(fd) != 0 && !bad) bad = 1, e = errno;
    return bad ? urn_error_set(err, URN_EIO, "%s: write failed: %s", path, strerror(e)) : URN_OK;
  }
  size_t len = strlen(path);
  char *tmp = urn_xmalloc(len + 32);
  int fd = -1;
  /* PATH.part, or PATH.part.1 ... when that name is taken (by a file or a link: never followed, never reused) */
  for (int k = 0; k < 100 && fd < 0; k++) {
    if (k) snprintf(tmp, len + 32, "%s.part.%d", path, k);
    else snprintf(tmp, len + 32, "%s.part", path);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) {
    int e = errno;
    free(tmp);
    return urn_error_set(err, URN_EIO, "%s: cannot create: %s", path, strerror(e));
  }
  int bad = write_all(fd, data, n) != 0, e = bad ? errno : 0;
  if (!bad && fsync(fd) != 0 && errno != EINVAL && errno != EROFS) bad = 1, e = errno;
  if (close(fd) != 0 && !bad) bad = 1, e = errno;
  if (!bad && rename(tmp, path) != 0) bad = 1, e = errno;
  if (bad) unlink(tmp);
  free(tmp);
  return bad ? urn_error_set(err, URN_EIO, "%s: write failed: %s", path, strerror(e)) : URN_OK;
}

void urn_format_double(char *out, size_t cap, double x) {
  if (isnan(x))
    snprintf(out, cap, "nan");
  else if (isinf(x))
    snprintf(out, cap, x > 0 ? "inf" : "-inf");
  else
    snprintf(out, cap, "%.17g", x);
}
