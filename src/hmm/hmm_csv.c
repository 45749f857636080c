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

int urn_hmm_csv_read(const char *path, urn_hmm_csv *csv, urn_error *err) {
  memset(csv, 0, sizeof *csv);
  csv->path = path;
  size_t len;
  csv->text = urn_read_file(path, &len, err);
  if (!csv->text) return err ? err->code : URN_EIO;
  char **cells = NULL;
  int cap = 0;
  size_t rows_cap = 0;
  int lineno = 0;
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
  if (csv->nrow == 0) {
    urn_hmm_csv_free(csv);
    return urn_error_set(err, URN_EINPUT, "%s: the file has a header but no data rows", path);
  }
  return URN_OK;
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
