/* io/stancsv_read.c — the Stan CSV reader: CmdStan's and urn's sample files,
 * standalone generated-quantities files, or any CSV with optional '#' comment
 * lines, one header line of column names and numeric rows.
 *
 * From the comments it picks up what the diagnostics need: max_depth (for tree
 * depth saturation), the adapted step size and inverse metric, and where the
 * warmup draws end when they were saved (rows before "# Adaptation terminated",
 * or ceil(num_warmup / thin) rows when save_warmup is on and no adaptation block
 * was written).  Warmup rows are counted and dropped.  Errors name
 * path:line:col. */
#include "io/stancsv_read.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

int urn_stancsv_parse_number(const char *f, size_t len, double *out) {
  while (len && (*f == ' ' || *f == '\t')) f++, len--;
  while (len && (f[len - 1] == ' ' || f[len - 1] == '\t')) len--;
  if (len == 0) return 0;
  if (len == 2 && f[0] == 'N' && f[1] == 'A') {
    *out = NAN;
    return 1;
  }
  char buf[512];
  if (len >= sizeof buf) return 0;
  memcpy(buf, f, len);
  buf[len] = 0;
  char *end;
  double v = strtod(buf, &end);
  if (end != buf + len) return 0;
  *out = v;
  return 1;
}

int urn_stancsv_config(const urn_stancsv *f, const char *key, char *out, size_t cap) {
  const char *c = f->comments;
  size_t klen = strlen(key);
  while (c && *c) {
    const char *eol = strchr(c, '\n');
    if (!eol) eol = c + strlen(c);
    const char *p = c;
    while (p < eol && isspace((unsigned char)*p)) p++;
    if ((size_t)(eol - p) > klen && !strncmp(p, key, klen)) {
      const char *q = p + klen;
      while (q < eol && *q == ' ') q++;
      if (q < eol && *q == '=') {
        q++;
        while (q < eol && *q == ' ') q++;
        size_t n = 0;
        while (q + n < eol && !isspace((unsigned char)q[n]) && n + 1 < cap) n++;
        memcpy(out, q, n);
        out[n] = 0;
        return 1;
      }
    }
    c = *eol ? eol + 1 : eol;
  }
  return 0;
}

/* Is s[0..n) a plausible column name (Stan's "theta.1", "lp__", other tools'
 * "theta[1]")?  Rejects numbers, JSON, prose. */
static int valid_name(const char *s, size_t n) {
  if (n == 0) return 0;
  if (!(isalpha((unsigned char)s[0]) || s[0] == '_' || s[0] == '.')) return 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (!(isalnum(ch) || strchr("_.:[]()-", ch))) return 0;
  }
  return 1;
}

static int cmp_name_index(const void *a, const void *b, void *names) {
  char **nm = names;
  return strcmp(nm[*(const size_t *)a], nm[*(const size_t *)b]);
}

/* Splits the header line into f->names; returns an error code. */
static int parse_header(urn_stancsv *f, const char *line, size_t len, int lineno, urn_error *err) {
  size_t cap = 16;
  f->names = urn_xmalloc(cap * sizeof *f->names);
  f->n_cols = 0;
  size_t start = 0;
  for (size_t i = 0; i <= len; i++) {
    if (i < len && line[i] != ',') continue;
    size_t a = start, b = i;
    while (a < b && (line[a] == ' ' || line[a] == '\t')) a++;
    while (b > a && (line[b - 1] == ' ' || line[b - 1] == '\t')) b--;
    if (b - a >= 2 && line[a] == '"' && line[b - 1] == '"') a++, b--;
    if (!valid_name(line + a, b - a))
      return urn_error_set(err, URN_EINPUT,
                           "%s:%d:%zu: not a Stan CSV file: expected a header of column names, found '%.*s'",
                           f->path, lineno, a + 1, (int)(b - a > 40 ? 40 : b - a), line + a);
    if (f->n_cols == cap) f->names = urn_xrealloc(f->names, (cap *= 2) * sizeof *f->names);
    f->names[f->n_cols++] = urn_xstrndup(line + a, b - a);
    start = i + 1;
  }
  /* duplicate names would make the summary ambiguous */
  size_t *idx = urn_xmalloc(f->n_cols * sizeof *idx);
  for (size_t i = 0; i < f->n_cols; i++) idx[i] = i;
  qsort_r(idx, f->n_cols, sizeof *idx, cmp_name_index, f->names);
  int rc = URN_OK;
  for (size_t i = 1; i < f->n_cols; i++)
    if (!strcmp(f->names[idx[i]], f->names[idx[i - 1]])) {
      rc = urn_error_set(err, URN_EINPUT, "%s:%d: column name '%s' appears twice in the header", f->path, lineno,
                         f->names[idx[i]]);
      break;
    }
  free(idx);
  return rc;
}

/* Parses a comma-separated list of numbers (a metric line); returns the count
 * appended to *vals, or -1 if the line is not such a list. */
static long parse_number_list(const char *s, size_t len, double **vals, size_t *n, size_t *cap) {
  size_t start = 0, added = 0;
  while (len && isspace((unsigned char)s[len - 1])) len--;
  size_t a0 = 0;
  while (a0 < len && isspace((unsigned char)s[a0])) a0++;
  if (a0 == len) return -1;
  start = a0;
  for (size_t i = a0; i <= len; i++) {
    if (i < len && s[i] != ',') continue;
    double v;
    if (!urn_stancsv_parse_number(s + start, i - start, &v)) {
      *n -= added;
      return -1;
    }
    if (*n == *cap) *vals = urn_xrealloc(*vals, (*cap = *cap ? 2 * *cap : 16) * sizeof **vals);
    (*vals)[(*n)++] = v;
    added++;
    start = i + 1;
  }
  return (long)added;
}

static int contains(const char *s, size_t len, const char *needle) {
  size_t k = strlen(needle);
  for (size_t i = 0; i + k <= len; i++)
    if (!memcmp(s + i, needle, k)) return 1;
  return 0;
}

/* The parser proper over a NUL-terminated buffer. */
static int parse_buffer(const char *path, const char *text, size_t len, urn_stancsv *f, urn_error *err) {
  memset(f, 0, sizeof *f);
  f->path = urn_xstrdup(path);
  f->step_size = NAN;
  if (len == 0) return urn_error_set(err, URN_EINPUT, "%s: empty file (no header, no draws)", path);
  if (memchr(text, 0, len)) return urn_error_set(err, URN_EINPUT, "%s: not a Stan CSV file (binary data)", path);
  urn_buf comments;
  urn_buf_init(&comments);
  size_t rows = 0, rows_cap = 0, warm_rows = 0, metric_cap = 0;
  double *vals = NULL;
  int have_header = 0, adapt_seen = 0, rc = URN_OK;
  enum { METRIC_NONE, METRIC_DIAG, METRIC_DENSE } metric_state = METRIC_NONE;
  int lineno = 0;
  const char *p = text, *end = text + len;
  if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3)) p += 3; /* a UTF-8 byte-order mark */
  while (p < end && rc == URN_OK) {
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    if (!eol) eol = end;
    size_t ll = (size_t)(eol - p);
    if (ll && p[ll - 1] == '\r') ll--;
    lineno++;
    const char *line = p;
    int last_unterminated = eol == end; /* no newline: the line a killed run was writing, if it is a data row */
    p = eol < end ? eol + 1 : end;
    size_t lead = 0;
    while (lead < ll && (line[lead] == ' ' || line[lead] == '\t')) lead++;
    if (lead == ll) continue; /* blank line */
    if (line[lead] == '#') {
      const char *c = line + lead + 1;
      size_t cl = ll - lead - 1;
      urn_buf_append(&comments, c, cl);
      urn_buf_putc(&comments, '\n');
      if (metric_state != METRIC_NONE) {
        long got = parse_number_list(c, cl, &f->inv_metric, &f->n_inv_metric, &metric_cap);
        if (got > 0 && metric_state == METRIC_DENSE) continue;
        metric_state = METRIC_NONE;
        if (got > 0) continue;
      }
      if (contains(c, cl, "Adaptation terminated")) {
        adapt_seen = 1;
        warm_rows = rows; /* rows written so far were warmup (save_warmup) */
      } else if (contains(c, cl, "Step size =")) {
        const char *eq = memchr(c, '=', cl);
        double v;
        if (eq && urn_stancsv_parse_number(eq + 1, cl - (size_t)(eq + 1 - c), &v)) f->step_size = v;
      } else if (contains(c, cl, "Diagonal elements of inverse mass matrix")) {
        metric_state = METRIC_DIAG;
        f->n_inv_metric = 0;
      } else if (contains(c, cl, "Elements of inverse mass matrix")) {
        metric_state = METRIC_DENSE;
        f->dense_metric = 1;
        f->n_inv_metric = 0;
      }
      continue;
    }
    metric_state = METRIC_NONE;
    if (!have_header) {
      rc = parse_header(f, line, ll, lineno, err);
      have_header = 1;
      continue;
    }
    if (last_unterminated) { /* every row ends with a newline: this one was cut short */
      f->partial = 1;
      break;
    }
    /* a data row */
    if (rows == rows_cap) {
      size_t new_cap = rows_cap ? 2 * rows_cap : 64, bytes;
      if (urn_mul_overflow(new_cap, f->n_cols, &bytes) || urn_mul_overflow(bytes, sizeof(double), &bytes)) {
        rc = urn_error_set(err, URN_ENOMEM, "%s:%d: too many values", path, lineno);
        break;
      }
      vals = urn_xrealloc(vals, bytes);
      rows_cap = new_cap;
    }
    double *row = vals + rows * f->n_cols;
    size_t col = 0, start = 0;
    for (size_t i = 0; i <= ll; i++) {
      if (i < ll && line[i] != ',') continue;
      if (col >= f->n_cols) {
        rc = urn_error_set(err, URN_EINPUT, "%s:%d:%zu: more than the header's %zu fields in this row", path,
                           lineno, start + 1, f->n_cols);
        break;
      }
      if (!urn_stancsv_parse_number(line + start, i - start, &row[col])) {
        size_t flen = i - start;
        rc = urn_error_set(err, URN_EINPUT, "%s:%d:%zu: '%.*s' is not a number (column %s)", path, lineno,
                           start + 1, (int)(flen > 40 ? 40 : flen), line + start, f->names[col]);
        break;
      }
      col++;
      start = i + 1;
    }
    if (rc == URN_OK && col != f->n_cols)
      rc = urn_error_set(err, URN_EINPUT, "%s:%d: %zu fields in this row, but the header has %zu columns", path,
                         lineno, col, f->n_cols);
    if (rc == URN_OK) rows++;
  }
  f->comments = comments.data ? comments.data : urn_xstrdup("");
  if (rc == URN_OK && !have_header)
    rc = urn_error_set(err, URN_EINPUT, "%s: not a Stan CSV file: no header line (only comments)", path);
  if (rc != URN_OK) {
    free(vals);
    return rc;
  }
  char word[64];
  if (urn_stancsv_config(f, "max_depth", word, sizeof word)) f->max_depth = atoi(word);
  if (!adapt_seen && urn_stancsv_config(f, "save_warmup", word, sizeof word) &&
      (!strcmp(word, "1") || !strcmp(word, "true"))) {
    /* warmup saved without an adaptation block: count ceil(num_warmup / thin) rows */
    long nw = 0, thin = 1;
    if (urn_stancsv_config(f, "num_warmup", word, sizeof word)) nw = atol(word);
    if (urn_stancsv_config(f, "thin", word, sizeof word)) thin = atol(word);
    if (thin < 1) thin = 1;
    if (nw > 0) warm_rows = (size_t)((nw + thin - 1) / thin);
    if (warm_rows > rows) warm_rows = rows;
  }
  f->n_warmup = warm_rows;
  f->n_draws = rows - warm_rows;
  if (warm_rows) memmove(vals, vals + warm_rows * f->n_cols, f->n_draws * f->n_cols * sizeof *vals);
  f->draws = vals ? vals : urn_xmalloc(sizeof(double));
  return URN_OK;
}

int urn_stancsv_parse(const char *path, const char *text, size_t len, urn_stancsv *out, urn_error *err) {
  char *copy = urn_xstrndup(text, len);
  int rc = parse_buffer(path, copy, len, out, err);
  free(copy);
  if (rc) urn_stancsv_free(out);
  return rc;
}

int urn_stancsv_read(const char *path, urn_stancsv *out, urn_error *err) {
  memset(out, 0, sizeof *out);
  size_t len;
  char *text = urn_read_file(path, &len, err);
  if (!text) return err ? err->code ? err->code : URN_EIO : URN_EIO;
  int rc = parse_buffer(path, text, len, out, err);
  free(text);
  if (rc) urn_stancsv_free(out);
  return rc;
}

void urn_stancsv_free(urn_stancsv *f) {
  if (!f) return;
  for (size_t i = 0; f->names && i < f->n_cols; i++) free(f->names[i]);
  free(f->names), free(f->path), free(f->draws), free(f->inv_metric), free(f->comments);
  memset(f, 0, sizeof *f);
}

int urn_stancsv_as_draws(const urn_stancsv *files, size_t n_files, urn_draws *out, urn_error *err) {
  memset(out, 0, sizeof *out);
  if (n_files == 0) return urn_error_set(err, URN_EINPUT, "no Stan CSV files given");
  const urn_stancsv *first = &files[0];
  for (size_t i = 0; i < n_files; i++) {
    const urn_stancsv *f = &files[i];
    if (f->n_draws == 0)
      return urn_error_set(err, URN_EINPUT, "%s: no draws (a header but no data rows%s)", f->path,
                           f->n_warmup ? " after warmup" : "");
    if (i == 0) continue;
    if (f->n_cols != first->n_cols)
      return urn_error_set(err, URN_EINPUT, "%s has %zu columns but %s has %zu: chains must have the same columns",
                           f->path, f->n_cols, first->path, first->n_cols);
    for (size_t j = 0; j < f->n_cols; j++)
      if (strcmp(f->names[j], first->names[j]))
        return urn_error_set(err, URN_EINPUT, "%s: column %zu is '%s' but in %s it is '%s': chains must have the same columns",
                             f->path, j + 1, f->names[j], first->path, first->names[j]);
    if (f->n_draws != first->n_draws)
      return urn_error_set(err, URN_EINPUT, "%s has %zu draws but %s has %zu: chains must have the same number of draws",
                           f->path, f->n_draws, first->path, first->n_draws);
  }
  const double **draws = urn_xmalloc(n_files * sizeof *draws);
  int *depth = urn_xmalloc(n_files * sizeof *depth);
  const char **labels = urn_xmalloc(n_files * sizeof *labels);
  for (size_t i = 0; i < n_files; i++) {
    draws[i] = files[i].draws;
    depth[i] = files[i].max_depth > 0 ? files[i].max_depth : 10;
    labels[i] = files[i].path;
  }
  out->n_chains = n_files;
  out->n_draws = first->n_draws;
  out->n_cols = first->n_cols;
  out->names = (const char *const *)first->names;
  out->draws = draws;
  out->max_depth = depth;
  out->chain_labels = labels;
  return URN_OK;
}

size_t urn_stancsv_trim(urn_stancsv *files, size_t n_files) {
  size_t n = n_files ? files[0].n_draws : 0;
  for (size_t i = 1; i < n_files; i++)
    if (files[i].n_draws < n) n = files[i].n_draws;
  for (size_t i = 0; i < n_files; i++) files[i].n_draws = n; /* the first n rows stay where they are */
  return n;
}

void urn_draws_free_views(urn_draws *d) {
  if (!d) return;
  free((void *)d->draws), free((void *)d->max_depth), free((void *)d->chain_labels);
  memset(d, 0, sizeof *d);
}
