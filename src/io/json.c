/* io/json.c — recursive-descent JSON reader with positions and a depth limit. */
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

static urn_json *parse_container(json_parser *jp, int depth, int is_object) {
  urn_json *v = new_value(jp, is_object ? URN_JSON_OBJECT : URN_JSON_ARRAY);
  char close = is_object ? '}' : ']';
  size_t cap = 0;
  jp->p++;
  skip_ws(jp);
  if (jp->p < jp->end && *jp->p == close) {
    jp->p++;
    return v;
  }
  while (!jp->failed) {
    char *key = NULL;
    skip_ws(jp);
    if (is_object) {
      if (jp->p >= jp->end || *jp->p != '"') {
        jp_fail(jp, "expected a string key");
        break;
      }
      size_t kl;
      key = parse_string(jp, &kl);
      if (!key) break;
      skip_ws(jp);
      if (jp->p >= jp->end || *jp->p != ':') {
        free(key);
        jp_fail(jp, "expected ':' after key");
        break;
      }
      jp->p++;
    }
    urn_json *item = parse_value(jp, depth + 1);
    if (v->len == cap) {
      cap = cap ? cap * 2 : 8;
      v->items = urn_xrealloc(v->items, cap * sizeof *v->items);
      if (is_object) v->keys = urn_xrealloc(v->keys, cap * sizeof *v->keys);
    }
    v->items[v->len] = item;
    if (is_object) v->keys[v->len] = key;
    v->len++;
    if (jp->failed) break;
    skip_ws(jp);
    if (jp->p < jp->end && *jp->p == ',') {
      jp->p++;
      continue;
    }
    if (jp->p < jp->end && *jp->p == close) {
      jp->p++;
      break;
    }
    jp_fail(jp, is_object ? "expected ',' or '}'" : "expected ',' or ']'");
  }
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
    case '{': return parse_container(jp, depth, 1);
    case '[': return parse_container(jp, depth, 0);
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

urn_json *urn_json_parse(const char *text, size_t len, const char *filename, urn_error *err) {
  json_parser jp = {text, text + len, text, text, 1, filename, err, 0};
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
  free(v);
}

const urn_json *urn_json_get(const urn_json *obj, const char *key) {
  if (!obj || obj->type != URN_JSON_OBJECT) return NULL;
  for (size_t i = obj->len; i-- > 0;)
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
