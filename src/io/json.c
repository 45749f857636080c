/* io/json.c — recursive-descent JSON reader with positions and a depth limit;
 * repeated object keys are refused; for data files, rectangular arrays of
 * numbers are packed into runs of doubles as they are read. */
#include "io/json.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

typedef struct json_parser {
  const char *p, *end; /* cursor and end of input */
  const char *base;    /* start of input, for column computation */
  const char *line_start;
  int line;
  const char *file;    /* for messages */
  urn_error *err;
  int failed;
  int pack;            /* pack rectangular numeric arrays (urn_json_parse_data) */
} json_parser;

static void jp_fail(json_parser *jp, const char *what) {
  if (jp->failed) return;
  jp->failed = 1;
  int col = (int)(jp->p - jp->line_start) + 1;
  urn_error_set(jp->err, URN_EINPUT, "%s:%d:%d: %s", jp->file ? jp->file : "<json>", jp->line, col, what);
}

static void skip_ws(json_parser *jp) {
  while (jp->p < jp->end) {
    char c = *jp->p;
    if (c == '\n') {
      jp->line++;
      jp->p++;
      jp->line_start = jp->p;
    } else if (c == ' ' || c == '\t' || c == '\r') {
      jp->p++;
    } else {
      break;
    }
  }
}

static urn_json *new_value(json_parser *jp, urn_json_type t) {
  urn_json *v = urn_xcalloc(1, sizeof *v);
  v->type = t;
  v->line = jp->line;
  v->col = (int)(jp->p - jp->line_start) + 1;
  return v;
}

static int match_word(json_parser *jp, const char *w) {
  size_t n = strlen(w);
  if ((size_t)(jp->end - jp->p) >= n && memcmp(jp->p, w, n) == 0) {
    const char *after = jp->p + n;
    if (after < jp->end && (((*after | 32) >= 'a' && (*after | 32) <= 'z') || (*after >= '0' && *after <= '9')))
      return 0;
    jp->p += n;
    return 1;
  }
  return 0;
}

static void put_utf8(urn_buf *b, unsigned cp) {
  char o[4];
  if (cp < 0x80) {
    o[0] = (char)cp;
    urn_buf_append(b, o, 1);
  } else if (cp < 0x800) {
    o[0] = (char)(0xC0 | (cp >> 6)), o[1] = (char)(0x80 | (cp & 0x3F));
    urn_buf_append(b, o, 2);
  } else if (cp < 0x10000) {
    o[0] = (char)(0xE0 | (cp >> 12)), o[1] = (char)(0x80 | ((cp >> 6) & 0x3F)), o[2] = (char)(0x80 | (cp & 0x3F));
    urn_buf_append(b, o, 3);
  } else {
    o[0] = (char)(0xF0 | (cp >> 18)), o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), o[3] = (char)(0x80 | (cp & 0x3F));
    urn_buf_append(b, o, 4);
  }
}

static int hex4(const char *s, unsigned *out) {
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    char c = s[i];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
    else if ((c | 32) >= 'a' && (c | 32) <= 'f') v |= (unsigned)((c | 32) - 'a' + 10);
    else return 0;
  }
  *out = v;
  return 1;
}

/* Parses a string starting at '"'; returns malloc'd contents. */
static char *parse_string(json_parser *jp, size_t *outlen) {
  jp->p++; /* opening quote */
  urn_buf b;
  urn_buf_init(&b);
  urn_buf_append(&b, "", 0);
  while (1) {
    if (jp->p >= jp->end) {
      jp_fail(jp, "unterminated string");
      break;
    }
    unsigned char c = (unsigned char)*jp->p;
    if (c == '"') {
      jp->p++;
      *outlen = b.len;
      return b.data;
    }
    if (c < 0x20) {
      jp_fail(jp, c == '\n' ? "newline inside a string" : "control character inside a string");
      break;
    }
    if (c == '\\') {
      if (jp->p + 1 >= jp->end) {
        jp_fail(jp, "unterminated escape");
        break;
      }
      char e = jp->p[1];
      jp->p += 2;
      switch (e) {
        case '"': urn_buf_putc(&b, '"'); break;
        case '\\': urn_buf_putc(&b, '\\'); break;
        case '/': urn_buf_putc(&b, '/'); break;
        case 'b': urn_buf_putc(&b, '\b'); break;
        case 'f': urn_buf_putc(&b, '\f'); break;
        case 'n': urn_buf_putc(&b, '\n'); break;
        case 'r': urn_buf_putc(&b, '\r'); break;
        case 't': urn_buf_putc(&b, '\t'); break;
        case 'u': {
          unsigned cp;
          if (jp->end - jp->p < 4 || !hex4(jp->p, &cp)) {
            jp_fail(jp, "bad \\u escape");
            goto fail;
          }
          jp->p += 4;
          if (cp >= 0xD800 && cp < 0xDC00 && jp->end - jp->p >= 6 && jp->p[0] == '\\' && jp->p[1] == 'u') {
            unsigned lo;
            if (hex4(jp->p + 2, &lo) && lo >= 0xDC00 && lo < 0xE000) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
              jp->p += 6;
            }
          }
          if (cp == 0) {
            jp_fail(jp, "NUL character (\\u0000) in a string");
            goto fail;
          }
          put_utf8(&b, cp);
          break;
        }
        default: jp->p -= 1; jp_fail(jp, "unknown escape in string"); goto fail;
      }
      continue;
    }
    urn_buf_putc(&b, (char)c);
    jp->p++;
  }
fail:
  urn_buf_free(&b);
  return NULL;
}

static urn_json *parse_value(json_parser *jp, int depth);

static urn_json *parse_number(json_parser *jp) {
  urn_json *v = new_value(jp, URN_JSON_NUMBER);
  const char *s = jp->p;
  const char *q = s;
  int is_int = 1;
  if (q < jp->end && *q == '-') q++;
  if (q >= jp->end || *q < '0' || *q > '9') {
    jp_fail(jp, "invalid number");
    return v;
  }
  if (*q == '0' && q + 1 < jp->end && q[1] >= '0' && q[1] <= '9') {
    jp_fail(jp, "leading zeros are not allowed in JSON numbers");
    return v;
  }
  while (q < jp->end && *q >= '0' && *q <= '9') q++;
  if (q < jp->end && *q == '.') {
    is_int = 0;
    q++;
    if (q >= jp->end || *q < '0' || *q > '9') {
      jp->p = q;
      jp_fail(jp, "digit expected after '.'");
      return v;
    }
    while (q < jp->end && *q >= '0' && *q <= '9') q++;
  }
  if (q < jp->end && (*q == 'e' || *q == 'E')) {
    is_int = 0;
    q++;
    if (q < jp->end && (*q == '+' || *q == '-')) q++;
    if (q >= jp->end || *q < '0' || *q > '9') {
      jp->p = q;
      jp_fail(jp, "digit expected in exponent");
      return v;
    }
    while (q < jp->end && *q >= '0' && *q <= '9') q++;
  }
  char tmp[512];
  size_t n = (size_t)(q - s);
  char *buf = n < sizeof tmp ? tmp : urn_xmalloc(n + 1);
  memcpy(buf, s, n);
  buf[n] = 0;
  errno = 0;
  v->num = strtod(buf, NULL);
  if (buf != tmp) free(buf);
  if (errno == ERANGE && isinf(v->num)) {
    jp_fail(jp, "number out of range (overflows a double)");
    return v;
  }
  v->is_int = is_int;
  jp->p = q;
  return v;
}

/* Key order for finding repeated keys: by name, then by position. */
static int cmp_key(const void *a, const void *b, void *keys) {
  size_t i = *(const size_t *)a, j = *(const size_t *)b;
  int c = strcmp(((char **)keys)[i], ((char **)keys)[j]);
  return c ? c : (i > j) - (i < j);
}

/* Refuses an object that repeats a key (kpos: line and column of each key). */
static void check_keys(json_parser *jp, const urn_json *v, const int *kpos) {
  if (v->len < 2) return;
  size_t *ix = urn_xmalloc(v->len * sizeof *ix), best = 0, first = 0;
  for (size_t i = 0; i < v->len; i++) ix[i] = i;
  qsort_r(ix, v->len, sizeof *ix, cmp_key, v->keys);
  int found = 0;
  for (size_t k = 1, g = 0; k < v->len; k++) {
    if (strcmp(v->keys[ix[k]], v->keys[ix[k - 1]])) { g = k; continue; }
    if (!found || ix[k] < best) best = ix[k], first = ix[g], found = 1;
  }
  free(ix);
  if (!found || jp->failed) return;
  jp->failed = 1;
  urn_error_set(jp->err, URN_EINPUT, "%s:%d:%d: '%s' appears twice in this object (first at line %d, column %d); "
                "each variable may be given once", jp->file ? jp->file : "<json>", kpos[2 * best], kpos[2 * best + 1],
                v->keys[best], kpos[2 * first], kpos[2 * first + 1]);
}

static urn_json *parse_object(json_parser *jp, int depth) {
  urn_json *v = new_value(jp, URN_JSON_OBJECT);
  size_t cap = 0;
  int *kpos = NULL; /* line, column of each key */
  jp->p++;
  skip_ws(jp);
  if (jp->p < jp->end && *jp->p == '}') {
    jp->p++;
    return v;
  }
  while (!jp->failed) {
    skip_ws(jp);
    if (jp->p >= jp->end || *jp->p != '"') {
      jp_fail(jp, "expected a string key");
      break;
    }
    int kl = jp->line, kc = (int)(jp->p - jp->line_start) + 1;
    size_t klen;
    char *key = parse_string(jp, &klen);
    if (!key) break;
    skip_ws(jp);
    if (jp->p >= jp->end || *jp->p != ':') {
      free(key);
      jp_fail(jp, "expected ':' after key");
      break;
    }
    jp->p++;
    urn_json *item = parse_value(jp, depth + 1);
    if (v->len == cap) {
      cap = cap ? cap * 2 : 8;
      v->items = urn_xrealloc(v->items, cap * sizeof *v->items);
      v->keys = urn_xrealloc(v->keys, cap * sizeof *v->keys);
      kpos = urn_xrealloc(kpos, 2 * cap * sizeof *kpos);
    }
    v->items[v->len] = item, v->keys[v->len] = key;
    kpos[2 * v->len] = kl, kpos[2 * v->len + 1] = kc;
    v->len++;
    if (jp->failed) break;
    skip_ws(jp);
    if (jp->p < jp->end && *jp->p == ',') {
      jp->p++;
      continue;
    }
    if (jp->p < jp->end && *jp->p == '}') {
      jp->p++;
      check_keys(jp, v, kpos);
      break;
    }
    jp_fail(jp, "expected ',' or '}'");
  }
  free(kpos);
  return v;
}

/* An array being read in packed form: its elements so far are all numbers (inner dims 0) or all packed arrays
 * of one shape (inner dims > 0), their numbers appended to nums. */
typedef struct pack_state {
  int on;             /* still packed */
  int idims;          /* dimensions of an element (-1: no element yet) */
  size_t *ishape;     /* shape of an element (idims sizes) */
  size_t isize;       /* numbers in an element */
  double *nums;       /* the numbers so far */
  size_t n, cap;      /* used / allocated */
} pack_state;

static int pack_fits(const pack_state *ps, const urn_json *item) {
  if (!item) return 0;
  if (item->type == URN_JSON_NUMBER) return ps->idims <= 0;
  if (item->type != URN_JSON_ARRAY || !item->ndims) return 0;
  if (ps->idims < 0) return 1;
  if (item->ndims != ps->idims) return 0;
  for (int k = 0; k < ps->idims; k++)
    if (item->shape[k] != ps->ishape[k]) return 0;
  return 1;
}

static void pack_add(pack_state *ps, urn_json *item) {
  if (ps->idims < 0) {
    ps->idims = item->type == URN_JSON_NUMBER ? 0 : item->ndims;
    ps->isize = 1;
    if (ps->idims) {
      ps->ishape = urn_xmalloc((size_t)ps->idims * sizeof *ps->ishape);
      memcpy(ps->ishape, item->shape, (size_t)ps->idims * sizeof *ps->ishape);
      for (int k = 0; k < ps->idims; k++) ps->isize *= ps->ishape[k];
    }
  }
  size_t add = ps->isize;
  if (ps->n + add > ps->cap) {
    size_t cap = ps->cap ? ps->cap : 16;
    while (cap < ps->n + add) cap *= 2;
    ps->nums = urn_xrealloc(ps->nums, cap * sizeof *ps->nums);
    ps->cap = cap;
  }
  if (ps->idims == 0) ps->nums[ps->n] = item->num;
  else if (add) memcpy(ps->nums + ps->n, item->nums, add * sizeof *ps->nums);
  ps->n += add;
  urn_json_free(item);
}

/* Turns the packed elements of v so far into element nodes (a later element broke the pattern). */
static void pack_undo(pack_state *ps, urn_json *v, size_t *cap) {
  ps->on = 0;
  *cap = v->len > 8 ? v->len : 8;
  v->items = urn_xmalloc(*cap * sizeof *v->items);
  for (size_t i = 0; i < v->len; i++) {
    urn_json *e = urn_xcalloc(1, sizeof *e);
    e->line = v->line, e->col = v->col;
    if (ps->idims == 0) {
      e->type = URN_JSON_NUMBER, e->num = ps->nums[i];
    } else {
      e->type = URN_JSON_ARRAY, e->len = ps->ishape[0], e->ndims = ps->idims;
      e->shape = urn_xmalloc((size_t)ps->idims * sizeof *e->shape);
      memcpy(e->shape, ps->ishape, (size_t)ps->idims * sizeof *e->shape);
      e->nums = urn_xmalloc((ps->isize ? ps->isize : 1) * sizeof *e->nums);
      if (ps->isize) memcpy(e->nums, ps->nums + i * ps->isize, ps->isize * sizeof *e->nums);
    }
    v->items[i] = e;
  }
  free(ps->nums), free(ps->ishape);
  ps->nums = NULL, ps->ishape = NULL;
}

static urn_json *parse_array(json_parser *jp, int depth) {
  urn_json *v = new_value(jp, URN_JSON_ARRAY);
  size_t cap = 0;
  pack_state ps = {jp->pack, -1, NULL, 0, NULL, 0, 0};
  jp->p++;
  skip_ws(jp);
  if (jp->p < jp->end && *jp->p == ']') {
    jp->p++;
  } else {
    while (!jp->failed) {
      urn_json *item = parse_value(jp, depth + 1);
      if (ps.on && !jp->failed && pack_fits(&ps, item)) {
        pack_add(&ps, item);
        v->len++;
      } else {
        if (ps.on) pack_undo(&ps, v, &cap);
        if (v->len == cap) {
          cap = cap ? cap * 2 : 8;
          v->items = urn_xrealloc(v->items, cap * sizeof *v->items);
        }
        v->items[v->len++] = item;
      }
      if (jp->failed) break;
      skip_ws(jp);
      if (jp->p < jp->end && *jp->p == ',') {
        jp->p++;
        skip_ws(jp);
        continue;
      }
      if (jp->p < jp->end && *jp->p == ']') {
        jp->p++;
        break;
      }
      jp_fail(jp, "expected ',' or ']'");
    }
  }
  if (ps.on && !jp->failed) {
    int id = ps.idims < 0 ? 0 : ps.idims;
    v->ndims = 1 + id;
    v->shape = urn_xmalloc((size_t)v->ndims * sizeof *v->shape);
    v->shape[0] = v->len;
    for (int k = 0; k < id; k++) v->shape[1 + k] = ps.ishape[k];
    v->nums = ps.n ? urn_xrealloc(ps.nums, ps.n * sizeof *ps.nums) : (free(ps.nums), urn_xmalloc(sizeof(double)));
    ps.nums = NULL;
  }
  free(ps.nums), free(ps.ishape);
  return v;
}

static urn_json *parse_value(json_parser *jp, int depth) {
  skip_ws(jp);
  if (depth > URN_JSON_MAX_DEPTH) {
    jp_fail(jp, "nesting too deep");
    return NULL;
  }
  if (jp->p >= jp->end) {
    jp_fail(jp, "unexpected end of input");
    return NULL;
  }
  char c = *jp->p;
  urn_json *v;
  switch (c) {
    case '{': return parse_object(jp, depth);
    case '[': return parse_array(jp, depth);
    case '"':
      v = new_value(jp, URN_JSON_STRING);
      v->str = parse_string(jp, &v->len);
      return v;
    default: break;
  }
  if (c == '-' || (c >= '0' && c <= '9')) {
    if (c == '-' && (match_word(jp, "-Infinity") || match_word(jp, "-Inf"))) {
      v = new_value(jp, URN_JSON_NUMBER);
      v->col -= (int)(jp->p - jp->line_start) > 0 ? 0 : 0;
      v->num = -INFINITY;
      return v;
    }
    return parse_number(jp);
  }
  v = new_value(jp, URN_JSON_NULL);
  if (match_word(jp, "null")) return v;
  if (match_word(jp, "true")) {
    v->type = URN_JSON_BOOL, v->num = 1;
    return v;
  }
  if (match_word(jp, "false")) {
    v->type = URN_JSON_BOOL, v->num = 0;
    return v;
  }
  if (match_word(jp, "NaN")) {
    v->type = URN_JSON_NUMBER, v->num = NAN;
    return v;
  }
  if (match_word(jp, "Infinity") || match_word(jp, "Inf")) {
    v->type = URN_JSON_NUMBER, v->num = INFINITY;
    return v;
  }
  jp_fail(jp, (unsigned char)c >= 0x80 ? "unexpected non-ASCII character" : "unexpected character");
  return v;
}

static urn_json *json_parse(const char *text, size_t len, const char *filename, int pack, urn_error *err) {
  json_parser jp = {text, text + len, text, text, 1, filename, err, 0, pack};
  if (len >= 3 && (unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB && (unsigned char)text[2] == 0xBF)
    jp.p += 3, jp.line_start = jp.p; /* UTF-8 byte-order mark */
  urn_json *v = parse_value(&jp, 0);
  if (!jp.failed) {
    skip_ws(&jp);
    if (jp.p < jp.end) jp_fail(&jp, "unexpected text after the JSON value");
  }
  if (jp.failed) {
    urn_json_free(v);
    return NULL;
  }
  return v;
}

urn_json *urn_json_parse(const char *text, size_t len, const char *filename, urn_error *err) {
  return json_parse(text, len, filename, 0, err);
}
urn_json *urn_json_parse_data(const char *text, size_t len, const char *filename, urn_error *err) {
  return json_parse(text, len, filename, 1, err);
}

urn_json *urn_json_parse_file(const char *path, urn_error *err) {
  size_t len;
  char *text = urn_read_file(path, &len, err);
  if (!text) return NULL;
  urn_json *v = urn_json_parse(text, len, path, err);
  free(text);
  return v;
}

void urn_json_free(urn_json *v) {
  if (!v) return;
  for (size_t i = 0; i < v->len && v->items; i++) {
    urn_json_free(v->items[i]);
    if (v->keys) free(v->keys[i]);
  }
  free(v->items);
  free(v->keys);
  free(v->str);
  free(v->shape);
  free(v->nums);
  free(v);
}

const urn_json *urn_json_get(const urn_json *obj, const char *key) {
  if (!obj || obj->type != URN_JSON_OBJECT) return NULL;
  for (size_t i = 0; i < obj->len; i++)
    if (obj->keys[i] && strcmp(obj->keys[i], key) == 0) return obj->items[i];
  return NULL;
}

int urn_json_number(const urn_json *v, double *out) {
  if (!v) return 0;
  if (v->type == URN_JSON_NUMBER) {
    *out = v->num;
    return 1;
  }
  if (v->type == URN_JSON_STRING && v->str) {
    const char *s = v->str;
    if (!strcmp(s, "NaN") || !strcmp(s, "nan")) return *out = NAN, 1;
    if (!strcmp(s, "Inf") || !strcmp(s, "Infinity") || !strcmp(s, "inf") || !strcmp(s, "+Inf"))
      return *out = INFINITY, 1;
    if (!strcmp(s, "-Inf") || !strcmp(s, "-Infinity") || !strcmp(s, "-inf")) return *out = -INFINITY, 1;
  }
  return 0;
}

const char *urn_json_type_name(urn_json_type t) {
  switch (t) {
    case URN_JSON_NULL: return "null";
    case URN_JSON_BOOL: return "boolean";
    case URN_JSON_NUMBER: return "number";
    case URN_JSON_STRING: return "string";
    case URN_JSON_ARRAY: return "array";
    case URN_JSON_OBJECT: return "object";
  }
  return "?";
}
