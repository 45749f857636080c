/* lang/include.c — Stan's `#include`: before the lexer runs, every line `#include "file.stan"` (or
 * `<file.stan>`, or a bare file name) is replaced by the named file's text, recursively.  The result is one
 * text plus a line map (urn_srcseg) so that every message names the file and line the text came from.
 *
 * A directive is recognised where the lexer would see a token or a `#` comment: not inside a comment or a
 * string literal.  The text before `#include` on its line stays (on that line); the included text starts on
 * the next line and ends with a newline, so columns are the included file's own.  A file is looked for in
 * the folder of the file that includes it, then in the include paths in order (stanc's and CmdStan's
 * `--include-paths DIR[,DIR]`); an absolute name as it is.  Including a file that is being included
 * (directly or through others) is an error naming the chain; including a file twice side by side is fine. */
#include "lang/include.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lang/source.h"
#include "util/util.h"

enum { MAX_DEPTH = 64 };
#define MAX_FILE ((size_t)16 << 20)     /* the largest file #include reads (a Stan program is far smaller) */
#define MAX_EXPANDED ((size_t)64 << 20) /* the largest expanded program (a file included twice at each of many
                                           levels grows exponentially) */
enum { MAX_INCLUSIONS = 10000 };        /* directives expanded in one program, for the same reason */

/* The state of one expansion. */
typedef struct inc {
  urn_buf *out;               /* the expanded text */
  int out_line;               /* line of out being written (1-based) */
  urn_arena *arena;           /* owns the map's paths */
  urn_srcseg *segs;           /* the line map (growing, malloc) */
  int nsegs, capsegs;         /* its length and capacity */
  const char **files;         /* every included file's path as found (arena), in order of first inclusion */
  int nfiles, capfiles;       /* their number and capacity */
  const char *include_paths;  /* comma-separated folders, or NULL */
  const char *stack[MAX_DEPTH]; /* real paths of the files being expanded, outermost first */
  const char *shown[MAX_DEPTH]; /* their paths as named in messages */
  int depth;                  /* entries of stack */
  int ninclusions;            /* directives expanded so far */
  urn_error *err;             /* where a failure goes */
} inc;

/* From the next line of out on, lines come from path starting at its line fline. */
static void add_seg(inc *I, const char *path, int fline) {
  if (I->nsegs && I->segs[I->nsegs - 1].line == I->out_line) I->nsegs--; /* replaced: nothing came between */
  if (I->nsegs == I->capsegs) {
    I->capsegs = I->capsegs ? 2 * I->capsegs : 16;
    I->segs = urn_xrealloc(I->segs, (size_t)I->capsegs * sizeof *I->segs);
  }
  I->segs[I->nsegs++] = (urn_srcseg){I->out_line, path, fline};
}

/* Reports a failure at line:col of the file being expanded (src its text), with the line and a caret. */
static int fail(inc *I, const char *path, const char *src, size_t len, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
static int fail(inc *I, const char *path, const char *src, size_t len, int line, int col, const char *fmt, ...) {
  urn_buf b;
  urn_buf_init(&b);
  va_list ap;
  va_start(ap, fmt);
  urn_source_vdiag(&b, path, src, len, line, col, fmt, ap);
  va_end(ap);
  if (b.len && b.data[b.len - 1] == '\n') b.data[--b.len] = 0;
  urn_error_set(I->err, URN_EINPUT, "%s", b.data);
  urn_buf_free(&b);
  return URN_EINPUT;
}

/* The folder part of path ("." when it has none), malloc'd. */
static char *folder_of(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash) return urn_xstrdup(".");
  if (slash == path) return urn_xstrdup("/");
  return urn_xstrndup(path, (size_t)(slash - path));
}

/* Finds name: in the includer's folder, then each include path.  Returns the path (malloc'd) of the first
 * that exists, or NULL; *searched lists where it looked. */
static char *find_file(const inc *I, const char *includer, const char *name, urn_buf *searched) {
  if (name[0] == '/') {
    urn_buf_printf(searched, "'%s'", name);
    return access(name, R_OK) == 0 ? urn_xstrdup(name) : NULL;
  }
  char *dir = folder_of(includer);
  const char *paths = I->include_paths ? I->include_paths : "";
  const char *p = paths;
  for (int first = 1;; first = 0) {
    char folder[PATH_MAX];
    if (first) {
      snprintf(folder, sizeof folder, "%s", dir);
    } else {
      if (!*p) break;
      const char *comma = strchr(p, ',');
      size_t n = comma ? (size_t)(comma - p) : strlen(p);
      snprintf(folder, sizeof folder, "%.*s", (int)(n < sizeof folder ? n : sizeof folder - 1), p);
      p = comma ? comma + 1 : p + n;
      if (!n) continue;
    }
    urn_buf_printf(searched, "%s'%s'", searched->len ? ", " : "", folder);
    char full[2 * PATH_MAX + 2];
    snprintf(full, sizeof full, "%s/%s", folder, name);
    if (access(full, R_OK) == 0) {
      free(dir);
      return urn_xstrdup(strncmp(full, "./", 2) == 0 ? full + 2 : full);
    }
  }
  free(dir);
  return NULL;
}

static int expand(inc *I, const char *path, const char *src, size_t len);

/* Handles the directive at src[*pos] (just past "#include") on line `line`, col `col` of path: reads the file
 * name, finds it, expands it; *pos ends at the end of the directive's line (its newline not consumed). */
static int directive(inc *I, const char *path, const char *src, size_t len, size_t *pos, int line, int col) {
  size_t i = *pos;
  if (++I->ninclusions > MAX_INCLUSIONS)
    return fail(I, path, src, len, line, col, "#include: more than %d files included in one program (a file "
                "included twice at each of several levels doubles at each level)", MAX_INCLUSIONS);
  while (i < len && (src[i] == ' ' || src[i] == '\t')) i++;
  char close = 0;
  if (i < len && (src[i] == '"' || src[i] == '<')) close = src[i] == '"' ? '"' : '>', i++;
  size_t start = i;
  while (i < len && src[i] != '\n' && src[i] != '\r' && (close ? src[i] != close : src[i] != ' ' && src[i] != '\t'))
    i++;
  if (close && (i >= len || src[i] != close))
    return fail(I, path, src, len, line, col, "#include: the file name has no closing '%c'", close);
  if (i == start) return fail(I, path, src, len, line, col, "#include: expected a file name (#include \"file.stan\")");
  char *name = urn_xstrndup(src + start, i - start);
  if (close) i++;
  /* only blanks or a // comment may follow */
  while (i < len && (src[i] == ' ' || src[i] == '\t' || src[i] == '\r')) i++;
  if (i < len && src[i] != '\n' && !(src[i] == '/' && i + 1 < len && src[i + 1] == '/')) {
    free(name);
    return fail(I, path, src, len, line, col, "#include: unexpected text after the file name");
  }
  while (i < len && src[i] != '\n') i++;
  *pos = i;
  urn_buf searched;
  urn_buf_init(&searched);
  char *found = find_file(I, path, name, &searched);
  if (!found) {
    int rc = fail(I, path, src, len, line, col, "#include: cannot find '%s' (looked in %s; add folders with "
                  "--include-paths DIR[,DIR])", name, searched.data ? searched.data : "");
    free(name), urn_buf_free(&searched);
    return rc;
  }
  urn_buf_free(&searched);
  char *real = realpath(found, NULL);
  const char *key = real ? real : found;
  for (int d = 0; d < I->depth; d++)
    if (strcmp(I->stack[d], key) == 0) {
      urn_buf chain;
      urn_buf_init(&chain);
      for (int e = d; e < I->depth; e++) urn_buf_printf(&chain, "%s -> ", I->shown[e]);
      urn_buf_puts(&chain, found);
      int rc = fail(I, path, src, len, line, col, "#include: '%s' includes itself (%s)", name, chain.data);
      urn_buf_free(&chain), free(real), free(found), free(name);
      return rc;
    }
  if (I->depth >= MAX_DEPTH) {
    free(real), free(found), free(name);
    return fail(I, path, src, len, line, col, "#include: files nested more than %d deep", MAX_DEPTH);
  }
  struct stat st;
  const char *why = stat(found, &st) != 0 ? "cannot be read" : !S_ISREG(st.st_mode) ? "is not a regular file"
                  : (size_t)st.st_size > MAX_FILE ? "is larger than 16 MB" : NULL;
  if (why) { /* a device (/dev/zero), a folder, a FIFO would never end or make no sense */
    int rc = fail(I, path, src, len, line, col, "#include: '%s' %s", found, why);
    free(real), free(found), free(name);
    return rc;
  }
  urn_error ferr;
  size_t flen = 0;
  char *text = urn_read_file(found, &flen, &ferr);
  if (!text) {
    int rc = fail(I, path, src, len, line, col, "#include: %s", ferr.msg);
    free(real), free(found), free(name);
    return rc;
  }
  const char *stored = urn_arena_strndup(I->arena, found, strlen(found));
  int known = 0;
  for (int k = 0; k < I->nfiles; k++) known |= strcmp(I->files[k], stored) == 0;
  if (!known) {
    if (I->nfiles == I->capfiles) {
      I->capfiles = I->capfiles ? 2 * I->capfiles : 8;
      I->files = urn_xrealloc(I->files, (size_t)I->capfiles * sizeof *I->files);
    }
    I->files[I->nfiles++] = stored;
  }
  char *keycopy = urn_arena_strndup(I->arena, key, strlen(key));
  free(real), free(found), free(name);
  /* the directive's line ends here; the file starts on the next line */
  urn_buf_putc(I->out, '\n');
  I->out_line++;
  const char *body = text;
  if (flen >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0) body += 3, flen -= 3; /* byte-order mark */
  if (I->out->len + flen > MAX_EXPANDED) {
    free(text);
    return fail(I, path, src, len, line, col, "#include: the program with its included files exceeds 64 MB");
  }
  I->stack[I->depth] = keycopy, I->shown[I->depth] = stored, I->depth++;
  int rc = expand(I, stored, body, flen);
  I->depth--;
  free(text);
  if (rc) return rc;
  /* the including file resumes after the directive's line: the newline that ends it comes next */
  if (I->out->len && I->out->data[I->out->len - 1] != '\n') {
    urn_buf_putc(I->out, '\n');
    I->out_line++;
  }
  /* that newline (src[*pos]) is now the one ending the included text: drop it, resume on the next line */
  if (*pos < len) (*pos)++;
  add_seg(I, path, line + 1);
  return URN_OK;
}

/* Copies src (the text of path) to the output, expanding directives. */
static int expand(inc *I, const char *path, const char *src, size_t len) {
  add_seg(I, path, 1);
  size_t i = 0;
  int line = 1, col = 1;
  while (i < len) {
    char c = src[i];
    if (c == '\n') {
      urn_buf_putc(I->out, c);
      i++, line++, col = 1, I->out_line++;
    } else if (c == '/' && i + 1 < len && src[i + 1] == '/') { /* line comment: copy to the newline */
      size_t e = i;
      while (e < len && src[e] != '\n') e++;
      urn_buf_append(I->out, src + i, e - i);
      i = e;
    } else if (c == '/' && i + 1 < len && src[i + 1] == '*') { /* block comment: copy, counting newlines */
      size_t e = i + 2, from = i; /* from: where the current line's columns start counting */
      while (e < len && !(src[e] == '*' && e + 1 < len && src[e + 1] == '/')) {
        if (src[e] == '\n') line++, I->out_line++, col = 1, from = e + 1;
        e++;
      }
      e = e < len ? e + 2 : len;
      urn_buf_append(I->out, src + i, e - i);
      for (size_t k = from; k < e; k++) col += ((unsigned char)src[k] & 0xC0) != 0x80;
      i = e;
    } else if (c == '"') { /* string literal: up to the closing quote or the end of the line */
      size_t e = i + 1;
      while (e < len && src[e] != '"' && src[e] != '\n') e++;
      if (e < len && src[e] == '"') e++;
      urn_buf_append(I->out, src + i, e - i);
      col += (int)(e - i);
      i = e;
    } else if (c == '#' && len - i >= 8 && memcmp(src + i, "#include", 8) == 0 &&
               (len - i == 8 || strchr(" \t\"<", src[i + 8]))) {
      size_t pos = i + 8;
      int rc = directive(I, path, src, len, &pos, line, col);
      if (rc) return rc;
      i = pos, line++, col = 1;
    } else if (c == '#') { /* old '#' comment: copy to the newline */
      size_t e = i;
      while (e < len && src[e] != '\n') e++;
      urn_buf_append(I->out, src + i, e - i);
      i = e;
    } else {
      urn_buf_putc(I->out, c);
      i++;
      if (((unsigned char)c & 0xC0) != 0x80) col++;
    }
  }
  return URN_OK;
}

int urn_include_expand(const char *path, const char *src, size_t len, const char *include_paths, urn_arena *arena,
                       urn_include_result *res, urn_error *err) {
  memset(res, 0, sizeof *res);
  if (!memmem(src, len, "#include", 8)) return URN_OK; /* nothing to do: the common case */
  urn_buf out;
  urn_buf_init(&out);
  inc I = {.out = &out, .out_line = 1, .arena = arena, .include_paths = include_paths, .err = err};
  char *real = realpath(path, NULL);
  I.stack[0] = urn_arena_strndup(arena, real ? real : path, strlen(real ? real : path));
  I.shown[0] = path;
  I.depth = 1;
  free(real);
  int rc = expand(&I, path, src, len);
  if (rc || !I.nfiles) {
    free(I.segs), free(I.files), urn_buf_free(&out);
    return rc;
  }
  res->text = out.data ? out.data : urn_xstrdup("");
  res->len = out.len;
  res->segs = urn_arena_alloc(arena, (size_t)I.nsegs * sizeof *res->segs);
  memcpy(res->segs, I.segs, (size_t)I.nsegs * sizeof *res->segs);
  res->nsegs = I.nsegs;
  res->files = urn_arena_alloc(arena, (size_t)I.nfiles * sizeof *res->files);
  memcpy(res->files, I.files, (size_t)I.nfiles * sizeof *res->files);
  res->nfiles = I.nfiles;
  free(I.segs), free(I.files);
  return URN_OK;
}

const char *urn_srcmap_where(const urn_srcseg *segs, int nsegs, const char *path, int line, int *fline) {
  *fline = line;
  if (!nsegs || line < 1) return path;
  int lo = 0, hi = nsegs - 1; /* the last segment starting at or before line */
  while (lo < hi) {
    int mid = (lo + hi + 1) / 2;
    if (segs[mid].line <= line) lo = mid;
    else hi = mid - 1;
  }
  if (segs[lo].line > line) return path;
  *fline = segs[lo].fline + (line - segs[lo].line);
  return segs[lo].path;
}
