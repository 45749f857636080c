/* tests/xml_check.h — a small XML 1.0 well-formedness checker for the SVG and
 * HTML tests: one root element, matched and properly nested tags, quoted
 * attributes without duplicates, only the five predefined entities and
 * numeric character references, no '<' or bare '&' in text or attribute
 * values, nothing but comments, processing instructions, a doctype and
 * white space outside the root.  In addition, the geometric attributes of
 * SVG (x, y, width, ..., points) must hold finite numbers.
 *
 * xml_check(text, msg, cap) returns 1 when well-formed, else 0 with the
 * reason and byte offset in msg. */
#ifndef URN_TEST_XML_CHECK_H
#define URN_TEST_XML_CHECK_H

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct xml_checker {
  const char *s;   /* document */
  size_t i;        /* current offset */
  char *msg;       /* where to write the failure reason */
  size_t cap;      /* size of msg */
  char stack[256][64]; /* open element names */
  int depth;       /* number of open elements */
} xml_checker;

static int xml_fail(xml_checker *c, const char *why) {
  snprintf(c->msg, c->cap, "%s at byte %zu: '%.40s'", why, c->i, c->s + c->i);
  return 0;
}

static int xml_name_start(int ch) { return isalpha(ch) || ch == '_' || ch == ':' || ch >= 0x80; }
static int xml_name_char(int ch) { return xml_name_start(ch) || isdigit(ch) || ch == '-' || ch == '.'; }

/* Reads a name into out; returns its length (0 if none). */
static size_t xml_name(xml_checker *c, char *out, size_t cap) {
  size_t n = 0;
  if (!xml_name_start((unsigned char)c->s[c->i])) return 0;
  while (xml_name_char((unsigned char)c->s[c->i])) {
    if (n + 1 < cap) out[n] = c->s[c->i];
    n++, c->i++;
  }
  out[n < cap ? n : cap - 1] = 0;
  return n;
}

/* An entity or character reference starting at '&'. */
static int xml_reference(xml_checker *c) {
  const char *p = c->s + c->i + 1;
  static const char *const named[] = {"amp;", "lt;", "gt;", "quot;", "apos;"};
  for (int k = 0; k < 5; k++)
    if (!strncmp(p, named[k], strlen(named[k]))) {
      c->i += 1 + strlen(named[k]);
      return 1;
    }
  if (*p == '#') {
    p++;
    int hex = *p == 'x';
    if (hex) p++;
    const char *q = p;
    while (hex ? isxdigit((unsigned char)*q) : isdigit((unsigned char)*q)) q++;
    if (q > p && *q == ';') {
      c->i = (size_t)(q + 1 - c->s);
      return 1;
    }
  }
  return xml_fail(c, "bad entity reference");
}

static void xml_space(xml_checker *c) {
  while (c->s[c->i] == ' ' || c->s[c->i] == '\n' || c->s[c->i] == '\t' || c->s[c->i] == '\r') c->i++;
}

/* Geometric SVG attributes must be finite numbers (or lists of them). */
static int xml_numeric_attr(const char *name) {
  static const char *const names[] = {"x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "width", "height", "points", NULL};
  for (int k = 0; names[k]; k++)
    if (!strcmp(name, names[k])) return 1;
  return 0;
}

static int xml_numbers_ok(const char *v, size_t n) {
  char buf[256];
  size_t i = 0;
  while (i < n) {
    while (i < n && (v[i] == ' ' || v[i] == ',')) i++;
    if (i >= n) break;
    size_t j = i;
    while (j < n && v[j] != ' ' && v[j] != ',') j++;
    if (j - i >= sizeof buf) return 0;
    memcpy(buf, v + i, j - i);
    buf[j - i] = 0;
    size_t len = strlen(buf);
    if (len > 1 && buf[len - 1] == '%') buf[len - 1] = 0;
    char *end;
    double d = strtod(buf, &end);
    if (*end || !isfinite(d)) return 0;
    i = j;
  }
  return 1;
}

static int xml_tag(xml_checker *c, int *root_seen) {
  /* at '<' followed by a name */
  c->i++;
  char name[64];
  if (!xml_name(c, name, sizeof name)) return xml_fail(c, "bad element name");
  if (c->depth == 0 && *root_seen) return xml_fail(c, "second root element");
  char attrs[64][64];
  int nattr = 0;
  for (;;) {
    size_t before = c->i;
    xml_space(c);
    char ch = c->s[c->i];
    if (ch == '>' || (ch == '/' && c->s[c->i + 1] == '>')) break;
    if (c->i == before) return xml_fail(c, "missing space before attribute");
    char an[64];
    if (!xml_name(c, an, sizeof an)) return xml_fail(c, "bad attribute name");
    for (int k = 0; k < nattr; k++)
      if (!strcmp(attrs[k], an)) return xml_fail(c, "duplicate attribute");
    if (nattr < 64) snprintf(attrs[nattr++], 64, "%s", an);
    xml_space(c);
    if (c->s[c->i] != '=') return xml_fail(c, "attribute without '='");
    c->i++;
    xml_space(c);
    char q = c->s[c->i];
    if (q != '"' && q != '\'') return xml_fail(c, "unquoted attribute value");
    c->i++;
    size_t vstart = c->i;
    while (c->s[c->i] && c->s[c->i] != q) {
      if (c->s[c->i] == '<') return xml_fail(c, "'<' in attribute value");
      if (c->s[c->i] == '&') {
        if (!xml_reference(c)) return 0;
      } else {
        c->i++;
      }
    }
    if (!c->s[c->i]) return xml_fail(c, "unterminated attribute value");
    if (xml_numeric_attr(an) && !xml_numbers_ok(c->s + vstart, c->i - vstart))
      return xml_fail(c, "non-numeric geometry attribute");
    c->i++;
  }
  *root_seen = 1;
  if (c->s[c->i] == '/') {
    c->i += 2;
    return 1;
  }
  c->i++;
  if (c->depth >= 256) return xml_fail(c, "nesting too deep");
  snprintf(c->stack[c->depth++], 64, "%s", name);
  return 1;
}

static int xml_check(const char *s, char *msg, size_t cap) {
  xml_checker c = {.s = s, .i = 0, .msg = msg, .cap = cap, .depth = 0};
  int root_seen = 0;
  snprintf(msg, cap, "ok");
  if (!s) return xml_fail(&c, "no document");
  while (s[c.i]) {
    char ch = s[c.i];
    if (ch == '<') {
      if (!strncmp(s + c.i, "<!--", 4)) {
        const char *e = strstr(s + c.i + 4, "-->");
        if (!e) return xml_fail(&c, "unterminated comment");
        c.i = (size_t)(e + 3 - s);
      } else if (!strncmp(s + c.i, "<?", 2)) {
        const char *e = strstr(s + c.i + 2, "?>");
        if (!e) return xml_fail(&c, "unterminated processing instruction");
        c.i = (size_t)(e + 2 - s);
      } else if (!strncmp(s + c.i, "<!DOCTYPE", 9)) {
        if (root_seen) return xml_fail(&c, "doctype after root");
        const char *e = strchr(s + c.i, '>');
        if (!e) return xml_fail(&c, "unterminated doctype");
        c.i = (size_t)(e + 1 - s);
      } else if (!strncmp(s + c.i, "<![CDATA[", 9)) {
        if (c.depth == 0) return xml_fail(&c, "CDATA outside root");
        const char *e = strstr(s + c.i, "]]>");
        if (!e) return xml_fail(&c, "unterminated CDATA");
        c.i = (size_t)(e + 3 - s);
      } else if (s[c.i + 1] == '/') {
        c.i += 2;
        char name[64];
        if (!xml_name(&c, name, sizeof name)) return xml_fail(&c, "bad end tag");
        xml_space(&c);
        if (s[c.i] != '>') return xml_fail(&c, "bad end tag");
        c.i++;
        if (c.depth == 0) return xml_fail(&c, "end tag without start tag");
        if (strcmp(c.stack[c.depth - 1], name)) return xml_fail(&c, "mismatched end tag");
        c.depth--;
      } else {
        if (!xml_tag(&c, &root_seen)) return 0;
      }
    } else if (ch == '&') {
      if (c.depth == 0) return xml_fail(&c, "reference outside root");
      if (!xml_reference(&c)) return 0;
    } else {
      if (c.depth == 0 && !isspace((unsigned char)ch)) return xml_fail(&c, "text outside the root element");
      if ((unsigned char)ch < 0x20 && ch != '\n' && ch != '\t' && ch != '\r') return xml_fail(&c, "control character");
      c.i++;
    }
  }
  if (c.depth) return xml_fail(&c, "unclosed element");
  if (!root_seen) return xml_fail(&c, "no root element");
  return 1;
}

#endif
