/* lang/lexer.c — the Stan tokenizer (see lexer.h).  One pass over the bytes,
 * tracking line and column (in code points); every error names its position. */
#include "lang/lexer.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The state of one tokenization. */
typedef struct lexer {
  const char *src;   /* source bytes */
  size_t len;        /* number of bytes */
  size_t pos;        /* current byte offset */
  int line, col;     /* position of src[pos] */
  urn_tokens *out;   /* tokens produced so far */
  size_t cap;        /* allocated tokens */
  size_t comcap;     /* allocated comments */
  int *eline, *ecol; /* where to report an error position */
  char *msg;         /* error message buffer */
  size_t msgcap;     /* its size */
} lexer;

/* Length of the valid UTF-8 sequence starting at s (at most n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n) {
  unsigned c = s[0];
  size_t k;
  unsigned min;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) k = 2, min = 0x80;
  else if (c >= 0xE0 && c <= 0xEF) k = 3, min = 0x800;
  else if (c >= 0xF0 && c <= 0xF4) k = 4, min = 0x10000;
  else return 0;
  if (n < k) return 0;
  unsigned v = c & (0x7F >> k);
  for (size_t i = 1; i < k; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    v = (v << 6) | (s[i] & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  return k;
}

static int fail(lexer *L, int line, int col, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(lexer *L, int line, int col, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(L->msg, L->msgcap, fmt, ap);
  va_end(ap);
  *L->eline = line;
  *L->ecol = col;
  return URN_EINPUT;
}

/* Advances over one character (a whole UTF-8 sequence counts as one column). */
static void advance(lexer *L) {
  unsigned char c = (unsigned char)L->src[L->pos];
  if (c == '\n') {
    L->line++;
    L->col = 1;
    L->pos++;
    return;
  }
  size_t k = c < 0x80 ? 1 : utf8_len((const unsigned char *)L->src + L->pos, L->len - L->pos);
  L->pos += k ? k : 1;
  L->col++;
}

static int peekc(const lexer *L, size_t ahead) {
  return L->pos + ahead < L->len ? (unsigned char)L->src[L->pos + ahead] : -1;
}

/* Checks a non-ASCII or control byte inside a comment or string: UTF-8 must be valid, NUL refused. */
static int check_byte(lexer *L, const char *where) {
  unsigned char c = (unsigned char)L->src[L->pos];
  if (c == 0) return fail(L, L->line, L->col, "NUL byte in %s", where);
  if (c >= 0x80 && !utf8_len((const unsigned char *)L->src + L->pos, L->len - L->pos))
    return fail(L, L->line, L->col, "invalid UTF-8 byte 0x%02X in %s", c, where);
  return 0;
}

/* Records the comment that started at (start, line, col) and ends at the current position. */
static void add_comment(lexer *L, int kind, size_t start, int line, int col) {
  urn_tokens *o = L->out;
  if (o->ncom == L->comcap) {
    L->comcap = L->comcap ? 2 * L->comcap : 32;
    o->com = urn_xrealloc(o->com, L->comcap * sizeof *o->com);
  }
  urn_comment *c = &o->com[o->ncom++];
  c->off = start;
  c->len = L->pos - start;
  c->line = line;
  c->col = col;
  c->end_line = L->line;
  c->kind = kind;
  c->after_code = o->n > 0 && o->tok[o->n - 1].line == line;
}

/* Skips a comment to the end of the line (`//` or `#`), recording it. */
static int line_comment(lexer *L, int kind) {
  size_t start = L->pos;
  int line = L->line, col = L->col;
  while (L->pos < L->len && L->src[L->pos] != '\n') {
    if (check_byte(L, "comment")) return URN_EINPUT;
    advance(L);
  }
  size_t end = L->pos;
  while (end > start && L->src[end - 1] == '\r') end--;
  size_t save = L->pos;
  L->pos = end;
  add_comment(L, kind, start, line, col);
  L->pos = save;
  return 0;
}

/* Skips whitespace and comments (kept in the comment list).  `#include` directives were expanded before
 * (lang/include.c); one left here is malformed (`#includefoo`). */
static int skip_space(lexer *L) {
  for (;;) {
    int c = peekc(L, 0);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      advance(L);
    } else if (c == '/' && peekc(L, 1) == '/') {
      if (line_comment(L, URN_COM_LINE)) return URN_EINPUT;
    } else if (c == '/' && peekc(L, 1) == '*') {
      size_t start = L->pos;
      int line = L->line, col = L->col;
      advance(L);
      advance(L);
      for (;;) {
        if (L->pos >= L->len) return fail(L, line, col, "unterminated comment: '/*' has no matching '*/'");
        if (L->src[L->pos] == '*' && peekc(L, 1) == '/') {
          advance(L);
          advance(L);
          break;
        }
        if (check_byte(L, "comment")) return URN_EINPUT;
        advance(L);
      }
      add_comment(L, URN_COM_BLOCK, start, line, col);
    } else if (c == '#') {
      if (L->len - L->pos >= 8 && memcmp(L->src + L->pos, "#include", 8) == 0)
        return fail(L, L->line, L->col,
                    "malformed #include: write #include \"file.stan\" (or <file.stan>)");
      if (line_comment(L, URN_COM_HASH)) return URN_EINPUT;
    } else {
      return 0;
    }
  }
}

static urn_token *push(lexer *L, int kind, size_t start, int line, int col) {
  if (L->out->n == L->cap) {
    L->cap = L->cap ? 2 * L->cap : 256;
    L->out->tok = urn_xrealloc(L->out->tok, L->cap * sizeof *L->out->tok);
  }
  urn_token *t = &L->out->tok[L->out->n++];
  memset(t, 0, sizeof *t);
  t->kind = kind;
  t->line = line;
  t->col = col;
  t->off = start;
  t->len = L->pos - start;
  return t;
}

static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/* Reads a digit sequence with single underscores between digits (`1_000`); the
 * caller has checked that a digit comes first.  A '_' not between two digits is
 * an error naming its position. */
static int digits(lexer *L) {
  for (;;) {
    while (is_digit(peekc(L, 0))) advance(L);
    if (peekc(L, 0) != '_') return 0;
    if (!is_digit(peekc(L, 1)))
      return fail(L, L->line, L->col, "malformed number: '_' must stand between two digits");
    advance(L);
  }
}

/* A numeric literal as Stan 2.37 writes them: int `12`, `1_000`; real `1.5`,
 * `3.`, `.5`, `1e-10`, `.5e3`, with optional '_' digit grouping. */
static int lex_number(lexer *L) {
  size_t start = L->pos;
  int line = L->line, col = L->col, real = 0;
  if (is_digit(peekc(L, 0)) && digits(L)) return URN_EINPUT;
  if (peekc(L, 0) == '.' && peekc(L, 1) != '*' && peekc(L, 1) != '/' && peekc(L, 1) != '^') {
    real = 1;
    advance(L);
    if (peekc(L, 0) == '_')
      return fail(L, L->line, L->col, "malformed number: '_' must stand between two digits");
    if (is_digit(peekc(L, 0)) && digits(L)) return URN_EINPUT;
  }
  int c = peekc(L, 0);
  if (c == 'e' || c == 'E') {
    int sign = peekc(L, 1) == '+' || peekc(L, 1) == '-';
    if (!is_digit(peekc(L, 1 + sign)))
      return fail(L, line, col, "malformed number: exponent without digits");
    real = 1;
    advance(L);
    if (sign) advance(L);
    if (digits(L)) return URN_EINPUT;
  }
  c = peekc(L, 0);
  /* `2.5i`: an imaginary literal, the number's text without the i */
  int imag = c == 'i' && !is_alpha(peekc(L, 1)) && !is_digit(peekc(L, 1)) && peekc(L, 1) != '_';
  /* '.' may follow a number that starts with '.': tuple access `t.1.2` lexes as `.1` then `.2`;
   * `1.5.2` stays an error */
  if (!imag && (is_alpha(c) || c == '_' || is_digit(c) || (c == '.' && L->src[start] != '.')))
    return fail(L, L->line, L->col, "malformed number: '%c' cannot follow the digits", c);
  size_t n = L->pos - start;
  char small[64], *text = n < sizeof small ? small : urn_xmalloc(n + 1);
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (L->src[start + i] != '_') text[k++] = L->src[start + i];
  text[k] = 0;
  if (imag) {
    advance(L);
    urn_token *t = push(L, URN_TK_IMAG, start, line, col);
    errno = 0;
    t->rval = strtod(text, NULL);
    int rc = errno == ERANGE && t->rval > 1.0
                 ? fail(L, line, col, "imaginary literal %.40s%s is too large (it overflows to infinity)", text,
                        n > 40 ? "..." : "")
                 : 0;
    if (text != small) free(text);
    return rc;
  }
  urn_token *t = push(L, real ? URN_TK_REAL : URN_TK_INT, start, line, col);
  int rc = 0;
  if (real) {
    errno = 0;
    t->rval = strtod(text, NULL);
    if (errno == ERANGE && (t->rval > 1.0 || t->rval < -1.0))
      rc = fail(L, line, col, "real literal %.*s%s is too large (it overflows to infinity)", (int)(n > 40 ? 40 : n),
                L->src + start, n > 40 ? "..." : "");
  } else {
    errno = 0;
    /* skip leading zeros so that a long run of them does not overflow */
    const char *d = text;
    while (d[0] == '0' && d[1]) d++;
    long long v = strlen(d) > 10 ? LLONG_MAX : strtoll(d, NULL, 10);
    if (v > INT_MAX)
      rc = fail(L, line, col, "integer literal %.*s%s is too large (the largest int is 2147483647)",
                (int)(n > 40 ? 40 : n), L->src + start, n > 40 ? "..." : "");
    t->ival = (int)(v > INT_MAX ? INT_MAX : v);
  }
  if (text != small) free(text);
  return rc;
}

static int lex_string(lexer *L) {
  size_t start = L->pos;
  int line = L->line, col = L->col;
  advance(L);
  for (;;) {
    if (L->pos >= L->len || L->src[L->pos] == '\n')
      return fail(L, line, col, "unterminated string literal");
    if (L->src[L->pos] == '"') break;
    if (check_byte(L, "string literal")) return URN_EINPUT;
    advance(L);
  }
  advance(L);
  urn_token *t = push(L, URN_TK_STRING, start + 1, line, col);
  t->len -= 1; /* the closing quote */
  return 0;
}

/* Punctuation, longest first. */
static const struct { const char *text; int kind; } puncts[] = {
    {"%/%", URN_TK_INTDIV},        {".*=", URN_TK_ELT_MUL_ASSIGN}, {"./=", URN_TK_ELT_DIV_ASSIGN},
    {"<=", URN_TK_LE},             {">=", URN_TK_GE},              {"==", URN_TK_EQ},
    {"!=", URN_TK_NE},             {"&&", URN_TK_AND},             {"||", URN_TK_OR},
    {"+=", URN_TK_PLUS_ASSIGN},    {"-=", URN_TK_MINUS_ASSIGN},    {"*=", URN_TK_STAR_ASSIGN},
    {"/=", URN_TK_SLASH_ASSIGN},   {".*", URN_TK_ELT_MUL},         {"./", URN_TK_ELT_DIV},
    {".^", URN_TK_ELT_POW},        {"<-", URN_TK_ARROW},           {"{", URN_TK_LBRACE},
    {"}", URN_TK_RBRACE},          {"(", URN_TK_LPAREN},           {")", URN_TK_RPAREN},
    {"[", URN_TK_LBRACK},          {"]", URN_TK_RBRACK},           {"<", URN_TK_LT},
    {">", URN_TK_GT},              {",", URN_TK_COMMA},            {";", URN_TK_SEMI},
    {"=", URN_TK_ASSIGN},          {"|", URN_TK_BAR},              {"?", URN_TK_QMARK},
    {":", URN_TK_COLON},           {"!", URN_TK_BANG},             {"+", URN_TK_PLUS},
    {"-", URN_TK_MINUS},           {"*", URN_TK_STAR},             {"/", URN_TK_SLASH},
    {"%", URN_TK_PERCENT},         {"\\", URN_TK_BACKSLASH},       {"^", URN_TK_HAT},
    {"'", URN_TK_QUOTE},           {"~", URN_TK_TILDE}};

int urn_lex(const char *src, size_t len, urn_tokens *out, int *line, int *col, char *msg,
            size_t msgcap) {
  lexer L = {src, len, 0, 1, 1, out, 0, 0, line, col, msg, msgcap};
  out->tok = NULL;
  out->n = 0;
  out->com = NULL;
  out->ncom = 0;
  for (;;) {
    if (skip_space(&L)) return URN_EINPUT;
    if (L.pos >= len) break;
    int c = peekc(&L, 0);
    size_t start = L.pos;
    int tl = L.line, tc = L.col;
    if (c == '_') return fail(&L, tl, tc, "identifiers must start with a letter, not '_'");
    if (is_alpha(c)) {
      while (is_alpha(peekc(&L, 0)) || is_digit(peekc(&L, 0)) || peekc(&L, 0) == '_') L.pos++, L.col++;
      push(&L, URN_TK_IDENT, start, tl, tc);
      continue;
    }
    if (is_digit(c) || (c == '.' && is_digit(peekc(&L, 1)))) {
      if (lex_number(&L)) return URN_EINPUT;
      continue;
    }
    if (c == '"') {
      if (lex_string(&L)) return URN_EINPUT;
      continue;
    }
    int found = 0;
    for (size_t i = 0; i < sizeof puncts / sizeof *puncts; i++) {
      size_t n = strlen(puncts[i].text);
      if (len - L.pos >= n && memcmp(src + L.pos, puncts[i].text, n) == 0) {
        L.pos += n;
        L.col += (int)n;
        push(&L, puncts[i].kind, start, tl, tc);
        found = 1;
        break;
      }
    }
    if (found) continue;
    if (c == 0) return fail(&L, tl, tc, "NUL byte in program text");
    if (c >= 0x80) {
      if (!utf8_len((const unsigned char *)src + L.pos, len - L.pos))
        return fail(&L, tl, tc, "invalid UTF-8 byte 0x%02X", c);
      return fail(&L, tl, tc, "non-ASCII character outside a comment or string");
    }
    if (c < 32 || c == 127) return fail(&L, tl, tc, "control character 0x%02X in program text", c);
    return fail(&L, tl, tc, "unexpected character '%c'", c);
  }
  push(&L, URN_TK_EOF, L.pos, L.line, L.col);
  return 0;
}

void urn_tokens_free(urn_tokens *t) {
  free(t->tok);
  free(t->com);
  t->tok = NULL;
  t->n = 0;
  t->com = NULL;
  t->ncom = 0;
}

const char *urn_tok_name(int kind) {
  static const char *const names[] = {
      "end of file", "identifier", "integer literal", "real literal", "string literal",
      "'{'", "'}'", "'('", "')'", "'['", "']'", "'<'", "'>'", "'<='", "'>='", "'=='", "'!='",
      "','", "';'", "'='", "'|'", "'?'", "':'", "'!'", "'+'", "'-'", "'*'", "'/'", "'%'",
      "'%/%'", "'\\'", "'^'", "'.^'", "'.*'", "'./'", "'''", "'~'", "'&&'", "'||'", "'+='",
      "'-='", "'*='", "'/='", "'.*='", "'./='", "'<-'", "imaginary literal"};
  return kind >= 0 && kind < (int)(sizeof names / sizeof *names) ? names[kind] : "?";
}
