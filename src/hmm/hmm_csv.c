/* hmm/hmm_csv.c — reading the CSV data files of the `urn hmm` commands (see
 * hmm_csv.h): splitting into cells, selecting columns by name, strict number
 * parsing with messages that name file:line and the column, and cutting the
 * rows into sequences by a session column. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hmm/hmm_csv.h"
#include "util/util.h"

/* Cuts one line (NUL-terminated, no newline) into cells in place.  Returns the
 * number of cells, or -1 for an unterminated quote. */
static int split_line(char *s, char ***cells, int *cap) {
  int n = 0;
  char *p = s;
  for (;;) {
    if (n == *cap) {
      *cap = *cap ? 2 * *cap : 16;
      *cells = urn_xrealloc(*cells, sizeof(char *) * (size_t)*cap);
    }
    while (*p == ' ' || *p == '\t') p++;
    if (*p == '"') {
      char *out = ++p, *start = out;
      for (;;) {
        if (!*p) return -1;
        if (*p == '"') {
          if (p[1] == '"') {
            *out++ = '"';
            p += 2;
            continue;
          }
          p++;
          break;
        }
        *out++ = *p++;
      }
      while (*p == ' ' || *p == '\t') p++;
      (*cells)[n++] = start;
      if (*p == ',') {
        *out = 0;
        p++;
        continue;
      }
      *out = 0;
      return n;
    }
    char *start = p;
    while (*p && *p != ',') p++;
    char *end = p;
    while (end > start && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r')) end--;
    (*cells)[n++] = start;
    if (*p == ',') {
      *end = 0;
      p++;
      continue;
    }
    *end = 0;
    return n;
  }
}

static int cmp_name_index(const void *a, const void *b, void *names) {
  int i = *(const int *)a, j = *(const int *)b;
  int c = strcmp(((char *const *)names)[i], ((char *const *)names)[j]);
  return c ? c : (i > j) - (i < j);
}

/* 1 when two of names[0..n) are equal: dup gets such a pair (first and second occurrence), the one whose
 * second occurrence comes first. */
static int duplicate_name(char *const *names, int n, int dup[2]) {
  int *ix = urn_xmalloc(sizeof(int) * (size_t)(n ? n : 1)), found = 0;
  for (int i = 0; i < n; i++) ix[i] = i;
  qsort_r(ix, (size_t)n, sizeof *ix, cmp_name_index, (void *)names);
  for (int k = 1; k < n; k++)
    if (!strcmp(names[ix[k]], names[ix[k - 1]]) && (!found || ix[k] < dup[1])) {
      int first = k - 1;
      while (first > 0 && !strcmp(names[ix[first - 1]], names[ix[k]])) first--;
      dup[0] = ix[first], dup[1] = ix[k], found = 1;
    }
  free(ix);
  return found;
}

/* Cuts csv->text (len bytes) into the header and rows.  Its first line is line head_line of the file; the
 * first line after the header is line body_line (0: the next one); part: the rows may be none. */
static int parse_text(urn_hmm_csv *csv, size_t len, int head_line, int body_line, int part, urn_error *err) {
  const char *path = csv->path;
  char **cells = NULL;
  int cap = 0;
  size_t rows_cap = 0;
  int lineno = head_line - 1;
  char *p = csv->text;
  if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3)) p += 3; /* a UTF-8 byte-order mark */
  while (*p) {
    char *nl = strchr(p, '\n');
    char *next = nl ? nl + 1 : p + strlen(p);
    if (nl) *nl = 0;
    lineno++;
    char *q = p;
    while (*q == ' ' || *q == '\t' || *q == '\r') q++;
    if (*q == 0 || *q == '#') {
      p = next;
      continue;
    }
    int n = split_line(p, &cells, &cap);
    if (n < 0) {
      free(cells);
      urn_hmm_csv_free(csv);
      return urn_error_set(err, URN_EINPUT, "%s:%d: unterminated quoted field", path, lineno);
    }
    if (!csv->header) {
      csv->ncol = n;
      csv->header = urn_xmalloc(sizeof(char *) * (size_t)n);
      memcpy(csv->header, cells, sizeof(char *) * (size_t)n);
      for (int i = 0; i < n; i++)
        if (!csv->header[i][0]) {
          free(cells);
          urn_hmm_csv_free(csv);
          return urn_error_set(err, URN_EINPUT, "%s:%d: column %d of the header has no name", path, lineno, i + 1);
        }
      int dup[2];
      if (duplicate_name(csv->header, n, dup)) {
        char name[128];
        snprintf(name, sizeof name, "%s", csv->header[dup[0]]);
        free(cells);
        urn_hmm_csv_free(csv);
        return urn_error_set(err, URN_EINPUT, "%s:%d: column '%s' appears twice in the header (columns %d and %d)",
                             path, lineno, name, dup[0] + 1, dup[1] + 1);
      }
      if (body_line > 0) lineno = body_line - 1;
    } else {
      if (n != csv->ncol) {
        free(cells);
        int nc = csv->ncol;
        urn_hmm_csv_free(csv);
        return urn_error_set(err, URN_EINPUT, "%s:%d: %d cells, but the header has %d columns", path, lineno, n, nc);
      }
      if (csv->nrow == rows_cap) {
        rows_cap = rows_cap ? 2 * rows_cap : 256;
        csv->cells = urn_xrealloc(csv->cells, sizeof(char *) * rows_cap * (size_t)n);
        csv->line = urn_xrealloc(csv->line, sizeof(int) * rows_cap);
      }
      memcpy(csv->cells + csv->nrow * (size_t)n, cells, sizeof(char *) * (size_t)n);
      csv->line[csv->nrow++] = lineno;
    }
    p = next;
  }
  free(cells);
  if (!csv->header) {
    urn_hmm_csv_free(csv);
    return urn_error_set(err, URN_EINPUT, "%s: the file is empty (a header row is needed)", path);
  }
  if (csv->nrow == 0 && !part) {
    urn_hmm_csv_free(csv);
    return urn_error_set(err, URN_EINPUT, "%s: the file has a header but no data rows", path);
  }
  return URN_OK;
}

int urn_hmm_csv_read(const char *path, urn_hmm_csv *csv, urn_error *err) {
  memset(csv, 0, sizeof *csv);
  csv->path = path;
  size_t len;
  csv->text = urn_read_file(path, &len, err);
  if (!csv->text) return err ? err->code : URN_EIO;
  return parse_text(csv, len, 1, 0, 0, err);
}

/* ---- a file read in parts (one per MPI rank) ---- */

/* The header of an open file: a copy of its line (NULL when the file has none), the byte after it, its number. */
static int read_head(FILE *f, const char *path, char **line, size_t *end, int *lineno, urn_error *err) {
  size_t cap = 1 << 16, len = 0;
  char *buf = NULL;
  *line = NULL, *end = 0, *lineno = 0;
  for (;;) {
    buf = urn_xrealloc(buf, cap + 1);
    len += fread(buf + len, 1, cap - len, f);
    if (ferror(f)) {
      free(buf);
      return urn_error_set(err, URN_EIO, "%s: read error", path);
    }
    buf[len] = 0;
    int eof = len < cap, ln = 0;
    size_t at = len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3) ? 3 : 0;
    while (at < len) {
      char *nl = memchr(buf + at, '\n', len - at);
      if (!nl && !eof) break; /* the line goes on past the buffer */
      size_t e = nl ? (size_t)(nl - buf) : len;
      ln++;
      const char *q = buf + at;
      while (q < buf + e && (*q == ' ' || *q == '\t' || *q == '\r')) q++;
      if (q == buf + e || *q == '#') {
        at = e + 1;
        continue;
      }
      *line = urn_xmalloc(e - at + 1);
      memcpy(*line, buf + at, e - at), (*line)[e - at] = 0;
      *end = nl ? e + 1 : len, *lineno = ln;
      free(buf);
      return URN_OK;
    }
    if (eof) break;
    cap *= 2;
  }
  free(buf);
  return URN_OK;
}

static FILE *open_read(const char *path, urn_error *err) {
  FILE *f = fopen(path, "rb");
  if (!f) urn_error_set(err, URN_EIO, "%s: %s", path, strerror(errno));
  return f;
}

int urn_hmm_csv_cut(const char *path, const char *seqcol, int q, int nparts, size_t *at, urn_error *err) {
  *at = 0;
  if (q <= 0) return URN_OK;
  FILE *f = open_read(path, err);
  if (!f) return URN_EIO;
  char *head = NULL, *line = NULL, **cells = NULL, *id0 = NULL;
  size_t body, cap = 0;
  int hl, ncell = 0, rc = read_head(f, path, &head, &body, &hl, err), col = -1;
  if (!rc && fseeko(f, 0, SEEK_END)) rc = urn_error_set(err, URN_EIO, "%s: %s", path, strerror(errno));
  size_t size = rc ? 0 : (size_t)ftello(f);
  *at = size; /* no sequence column (one sequence), or no header: the whole file is the first part's */
  int n = head && seqcol ? split_line(head, &cells, &ncell) : 0;
  for (int c = 0; c < n && col < 0; c++)
    if (!strcmp(cells[c], seqcol)) col = c;
  size_t nominal = (size_t)((double)size * q / nparts);
  if (nominal < body) nominal = body;
  if (!rc && col >= 0 && nominal < size && !fseeko(f, (off_t)nominal - 1, SEEK_SET)) {
    ssize_t got = getline(&line, &cap, f); /* the rest of the line holding byte nominal - 1 */
    for (off_t pos = ftello(f); got >= 0 && (got = getline(&line, &cap, f)) >= 0; pos = ftello(f)) {
      if (got && line[got - 1] == '\n') line[--got] = 0;
      const char *b = line;
      while (*b == ' ' || *b == '\t' || *b == '\r') b++;
      if (!*b || *b == '#') continue;
      int k = split_line(line, &cells, &ncell);
      const char *id = k > col ? cells[col] : "";
      if (!id0) id0 = urn_xstrdup(id);
      else if (strcmp(id, id0)) { /* the first row of the next sequence */
        *at = (size_t)pos;
        break;
      }
    }
  }
  free(head), free(line), free(cells), free(id0);
  fclose(f);
  return rc;
}

int urn_hmm_csv_count_lines(const char *path, size_t lo, size_t hi, size_t *n, urn_error *err) {
  *n = 0;
  FILE *f = open_read(path, err);
  if (!f) return URN_EIO;
  size_t cap = 1 << 20, left = hi - lo;
  char *buf = urn_xmalloc(cap);
  if (fseeko(f, (off_t)lo, SEEK_SET)) left = 0;
  while (left) {
    size_t got = fread(buf, 1, left < cap ? left : cap, f);
    if (!got) break;
    for (const char *p = buf, *e = buf + got; (p = memchr(p, '\n', (size_t)(e - p))); p++) ++*n;
    left -= got;
  }
  int rc = ferror(f) ? urn_error_set(err, URN_EIO, "%s: read error", path) : URN_OK;
  free(buf);
  fclose(f);
  return rc;
}

int urn_hmm_csv_read_part(const char *path, size_t lo, size_t hi, int first_line, urn_hmm_csv *csv, urn_error *err) {
  memset(csv, 0, sizeof *csv);
  csv->path = path;
  FILE *f = open_read(path, err);
  if (!f) return URN_EIO;
  char *head;
  size_t body;
  int hl, rc = read_head(f, path, &head, &body, &hl, err);
  if (!rc && !head) rc = urn_error_set(err, URN_EINPUT, "%s: the file is empty (a header row is needed)", path);
  if (!rc && lo < body) lo = body, first_line = hl + 1; /* the first part begins after the header */
  if (!rc && hi < lo) hi = lo;
  if (!rc && fseeko(f, (off_t)lo, SEEK_SET)) rc = urn_error_set(err, URN_EIO, "%s: %s", path, strerror(errno));
  if (rc) {
    free(head);
    fclose(f);
    return rc;
  }
  size_t hlen = strlen(head), want = hi - lo, got = 0, cap = hlen + 2 + (want < ((size_t)1 << 30) ? want : 1 << 20);
  csv->text = urn_xmalloc(cap);
  memcpy(csv->text, head, hlen), csv->text[hlen] = '\n';
  size_t len = hlen + 1;
  free(head);
  while (got < want) { /* hi may be past the end (the last part): read to the end */
    if (len + 1 == cap) csv->text = urn_xrealloc(csv->text, cap *= 2);
    size_t ask = cap - 1 - len < want - got ? cap - 1 - len : want - got, r = fread(csv->text + len, 1, ask, f);
    if (!r) break;
    len += r, got += r;
  }
  csv->text[len] = 0;
  rc = ferror(f) ? urn_error_set(err, URN_EIO, "%s: read error", path) : URN_OK;
  fclose(f);
  if (rc) {
    urn_hmm_csv_free(csv);
    return rc;
  }
  return parse_text(csv, len, hl, first_line, 1, err);
}

void urn_hmm_csv_free(urn_hmm_csv *csv) {
  free(csv->text);
  free(csv->header);
  free(csv->cells);
  free(csv->line);
  memset(csv, 0, sizeof *csv);
}

int urn_hmm_csv_column(const urn_hmm_csv *csv, const char *name, int *index, urn_error *err) {
  for (int i = 0; i < csv->ncol; i++)
    if (!strcmp(csv->header[i], name)) {
      *index = i;
      return URN_OK;
    }
  urn_buf b;
  urn_buf_init(&b);
  for (int i = 0; i < csv->ncol && i < 30; i++) urn_buf_printf(&b, "%s%s", i ? ", " : "", csv->header[i]);
  if (csv->ncol > 30) urn_buf_puts(&b, ", ...");
  urn_error_set(err, URN_EINPUT, "%s: no column named '%s' (columns: %s)", csv->path, name, b.data);
  urn_buf_free(&b);
  return URN_EINPUT;
}

int urn_hmm_csv_columns(const urn_hmm_csv *csv, const char *list, int **idx, int *n, urn_error *err) {
  *idx = NULL;
  *n = 0;
  char *copy = urn_xstrdup(list), *save = NULL;
  int cap = 0;
  for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    while (*tok == ' ') tok++;
    int i;
    int rc = urn_hmm_csv_column(csv, tok, &i, err);
    if (rc) {
      free(copy);
      free(*idx);
      *idx = NULL;
      return rc;
    }
    if (*n == cap) {
      cap = cap ? 2 * cap : 8;
      *idx = urn_xrealloc(*idx, sizeof(int) * (size_t)cap);
    }
    (*idx)[(*n)++] = i;
  }
  free(copy);
  if (*n == 0) return urn_error_set(err, URN_EINPUT, "empty column list '%s'", list);
  return URN_OK;
}

int urn_hmm_csv_numbers(const urn_hmm_csv *csv, const int *cols, int n, double *out, urn_error *err) {
  for (size_t r = 0; r < csv->nrow; r++)
    for (int j = 0; j < n; j++) {
      const char *cell = csv->cells[r * csv->ncol + cols[j]];
      const char *name = csv->header[cols[j]];
      if (!*cell)
        return urn_error_set(err, URN_EINPUT, "%s:%d: column '%s' is empty (missing values are not supported)",
                             csv->path, csv->line[r], name);
      char *end;
      errno = 0;
      double v = strtod(cell, &end);
      if (end == cell || *end)
        return urn_error_set(err, URN_EINPUT, "%s:%d: column '%s': '%s' is not a number", csv->path, csv->line[r],
                             name, cell);
      if (isnan(v))
        return urn_error_set(err, URN_EINPUT, "%s:%d: column '%s' is NaN (missing values are not supported)",
                             csv->path, csv->line[r], name);
      if (isinf(v))
        return urn_error_set(err, URN_EINPUT, "%s:%d: column '%s' is %s (values must be finite)", csv->path,
                             csv->line[r], name, cell);
      out[r * (size_t)n + j] = v;
    }
  return URN_OK;
}

/* Orders run starts by their sequence value, then by position. */
static int cmp_run(const void *a, const void *b, void *ctx) {
  const urn_hmm_csv *csv = ((const void **)ctx)[0];
  int col = *(const int *)((const void **)ctx)[1];
  size_t i = *(const size_t *)a, j = *(const size_t *)b;
  int c = strcmp(csv->cells[i * csv->ncol + col], csv->cells[j * csv->ncol + col]);
  return c ? c : (i > j) - (i < j);
}

int urn_hmm_csv_split(const urn_hmm_csv *csv, int col, size_t **starts, size_t *nseq, urn_error *err) {
  size_t cap = 16, n = 0;
  size_t *s = urn_xmalloc(sizeof(size_t) * cap);
  s[n++] = 0;
  if (col >= 0)
    for (size_t r = 1; r < csv->nrow; r++) {
      if (!strcmp(csv->cells[(r - 1) * csv->ncol + col], csv->cells[r * csv->ncol + col])) continue;
      if (n + 1 >= cap) s = urn_xrealloc(s, sizeof(size_t) * (cap *= 2));
      s[n++] = r;
    }
  if (col >= 0 && n > 1) {
    /* a run's value must not have been seen before: sorted by value, equal neighbours are a resumed sequence
       (n log n, where comparing each run with all earlier ones took n^2 for many short sequences) */
    size_t *ix = urn_xmalloc(sizeof(size_t) * n);
    memcpy(ix, s, sizeof(size_t) * n);
    const void *ctx[2] = {csv, &col};
    qsort_r(ix, n, sizeof *ix, cmp_run, (void *)ctx);
    size_t bad = SIZE_MAX, first = 0;
    for (size_t k = 1; k < n; k++)
      if (!strcmp(csv->cells[ix[k] * csv->ncol + col], csv->cells[ix[k - 1] * csv->ncol + col]) && ix[k] < bad) {
        size_t g = k - 1;
        while (g > 0 && !strcmp(csv->cells[ix[g - 1] * csv->ncol + col], csv->cells[ix[k] * csv->ncol + col])) g--;
        bad = ix[k], first = ix[g];
      }
    free(ix);
    if (bad != SIZE_MAX) {
      int rc = urn_error_set(err, URN_EINPUT,
                             "%s:%d: sequence '%s' of column '%s' resumes after another sequence (it began at line "
                             "%d); the rows of a sequence must be contiguous",
                             csv->path, csv->line[bad], csv->cells[bad * csv->ncol + col], csv->header[col],
                             csv->line[first]);
      free(s);
      return rc;
    }
  }
  s = urn_xrealloc(s, sizeof(size_t) * (n + 1));
  s[n] = csv->nrow;
  *starts = s;
  *nseq = n;
  return URN_OK;
}
