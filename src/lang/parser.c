/* lang/parser.c — recursive-descent parser for Stan (see parser.h).
 *
 * Pre-2.33 syntax (`<-`, `real y[N]`, `real[]` arguments, increment_log_prob,
 * get_lp(), lp__) is parsed into the modern AST with the `legacy` bits set on
 * the nodes; lang/legacy.c then warns about it and does the name-level
 * rewrites (see legacy.h).
 *
 * Expressions use precedence climbing with the levels of the Stan Reference
 * Manual / stanc3, loosest first:
 *   ?: (right)  ||  &&  == !=  < <= > >=  + -  * / % .* ./  %/% \
 *   prefix - + !   ^ .^ (right; the exponent may carry a prefix: a^-b)
 *   postfix ' and indexing [...]
 * Constraint expressions inside `<...>` are parsed from the `+ -` level up, so
 * that `>` closes the constraint (parenthesize a comparison there).
 * The first error stops the parse (longjmp to urn_parse with the message set). */
#include "lang/parser.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/include.h"
#include "lang/legacy.h"
#include "lang/lexer.h"
#include "lang/source.h"

/* The state of one parse. */
typedef struct parser {
  urn_program *p;        /* the program being built */
  const urn_token *tok;  /* all tokens */
  size_t ntok;           /* number of tokens (the last is EOF) */
  size_t i;              /* current token */
  int depth;             /* current nesting depth */
  long links;            /* binary operators read since the statement began (bounds an expression tree's depth) */
  int pending_neg;       /* 1 after '<-' read as '<' in an expression: a '-' is due (x<-1 is x < -1) */
  int neg_line, neg_col; /* position of that '-' */
  urn_error *err;        /* where the message goes */
  jmp_buf fail;          /* error exit */
} parser;

/* A growable list of pointers, grown inside the program arena (so that an
 * error exit by longjmp leaks nothing; the abandoned smaller copies are a
 * bounded waste). */
typedef struct plist {
  void **items; /* arena items */
  int n, cap;   /* count and capacity */
} plist;

static void plist_push(parser *P, plist *l, void *x) {
  if (l->n == l->cap) {
    int cap = l->cap ? 2 * l->cap : 8;
    void **items = urn_arena_alloc(&P->p->arena, (size_t)cap * sizeof *items);
    if (l->n) memcpy(items, l->items, (size_t)l->n * sizeof *items);
    l->items = items;
    l->cap = cap;
  }
  l->items[l->n++] = x;
}

static void *plist_finish(plist *l, int *n) {
  *n = l->n;
  return l->n ? l->items : NULL;
}

/* ------------------------------------------------------------------ */
/* Errors and token helpers                                            */

static _Noreturn void fail_at(parser *P, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static _Noreturn void fail_at(parser *P, int line, int col, const char *fmt, ...) {
  urn_buf b;
  urn_buf_init(&b);
  va_list ap;
  va_start(ap, fmt);
  int fline;
  const char *file = urn_program_where(P->p, line, &fline);
  urn_source_vdiag_at(&b, file, fline, P->p->src, P->p->len, line, col, fmt, ap);
  va_end(ap);
  if (b.len && b.data[b.len - 1] == '\n') b.data[--b.len] = 0;
  urn_error_set(P->err, URN_EINPUT, "%s", b.data);
  urn_buf_free(&b);
  longjmp(P->fail, 1);
}

static const urn_token *cur(parser *P) { return &P->tok[P->i]; }
static const urn_token *peek(parser *P, size_t k) {
  return &P->tok[P->i + k < P->ntok ? P->i + k : P->ntok - 1];
}
static const urn_token *next(parser *P) {
  const urn_token *t = &P->tok[P->i];
  if (P->i + 1 < P->ntok) P->i++;
  return t;
}

/* Describes a token for messages: "identifier 'foo'", "';'", "end of file". */
static const char *describe(parser *P, const urn_token *t, char *buf, size_t cap) {
  const char *src = P->p->src + t->off;
  int n = t->len > 40 ? 40 : (int)t->len;
  const char *more = t->len > 40 ? "..." : "";
  switch (t->kind) {
    case URN_TK_IDENT: snprintf(buf, cap, "'%.*s%s'", n, src, more); break;
    case URN_TK_INT:
    case URN_TK_REAL:
    case URN_TK_IMAG: snprintf(buf, cap, "number '%.*s%s'", n, src, more); break;
    case URN_TK_STRING: snprintf(buf, cap, "string \"%.*s%s\"", n, src, more); break;
    default: snprintf(buf, cap, "%s", urn_tok_name(t->kind));
  }
  return buf;
}

static _Noreturn void fail_expected(parser *P, const char *what) {
  char d[96];
  const urn_token *t = cur(P);
  fail_at(P, t->line, t->col, "expected %s, found %s", what, describe(P, t, d, sizeof d));
}

static int is(parser *P, int kind) { return cur(P)->kind == kind; }
static int accept(parser *P, int kind) {
  if (!is(P, kind)) return 0;
  next(P);
  return 1;
}
static const urn_token *expect(parser *P, int kind, const char *what) {
  if (!is(P, kind)) fail_expected(P, what);
  return next(P);
}

static int tok_is_word(parser *P, const urn_token *t, const char *word) {
  size_t n = strlen(word);
  return t->kind == URN_TK_IDENT && t->len == n && memcmp(P->p->src + t->off, word, n) == 0;
}
static int is_word(parser *P, const char *word) { return tok_is_word(P, cur(P), word); }

static const char *tok_text(parser *P, const urn_token *t) {
  return urn_arena_strndup(&P->p->arena, P->p->src + t->off, t->len);
}

static void enter(parser *P) {
  if (++P->depth > URN_PARSE_MAX_DEPTH) {
    const urn_token *t = cur(P);
    fail_at(P, t->line, t->col,
            "program nested too deeply (more than %d levels of expressions or statements)",
            URN_PARSE_MAX_DEPTH);
  }
}
static void leave(parser *P) { P->depth--; }

/* Words that cannot name a variable or function: exactly Stan 2.37's, the
 * keywords of stanc3's grammar ... */
static const char *const reserved_words[] = {
    "functions", "data", "parameters", "model", "return", "if", "else", "while", "for", "in", "break",
    "continue", "void", "int", "real", "complex", "vector", "row_vector", "matrix", "complex_vector",
    "complex_row_vector", "complex_matrix", "ordered", "positive_ordered", "simplex", "unit_vector",
    "sum_to_zero_vector", "sum_to_zero_matrix", "cholesky_factor_corr", "cholesky_factor_cov",
    "corr_matrix", "cov_matrix", "column_stochastic_matrix", "row_stochastic_matrix", "print", "reject",
    "fatal_error", "target", "profile", "tuple", "offset", "multiplier", "lower", "upper", "array",
    /* ... and the words its type checker keeps for the future */
    "generated", "quantities", "transformed", "repeat", "until", "then", "true", "false", "typedef",
    "struct", "var", "export", "extern", "static", "auto", NULL};

static int is_reserved(parser *P, const urn_token *t) {
  for (int i = 0; reserved_words[i]; i++)
    if (tok_is_word(P, t, reserved_words[i])) return 1;
  return 0;
}

/* Reads an identifier that names something new (variable, function, argument).
 * `jacobian` is accepted (Stan 2.37 still does, with a warning: lang/legacy.c). */
static const urn_token *expect_new_name(parser *P, const char *what) {
  const urn_token *t = cur(P);
  if (t->kind != URN_TK_IDENT) fail_expected(P, what);
  const char *s = P->p->src + t->off;
  if (is_reserved(P, t))
    fail_at(P, t->line, t->col, "'%.*s' is a reserved word and cannot be used as %s", (int)(t->len > 40 ? 40 : t->len),
            s, what);
  if (t->len >= 2 && s[t->len - 1] == '_' && s[t->len - 2] == '_')
    fail_at(P, t->line, t->col, "names ending in '__' are reserved for internal use");
  if (strcmp(what, "a function name") != 0 && t->len > 6 &&
      (memcmp(s + t->len - 6, "_lupdf", 6) == 0 || memcmp(s + t->len - 6, "_lupmf", 6) == 0))
    fail_at(P, t->line, t->col, "the suffixes _lupdf and _lupmf are only allowed in function names, not in %s",
            what);
  return next(P);
}

/* ------------------------------------------------------------------ */
/* Expressions                                                         */

static urn_expr *parse_expr(parser *P);
static urn_expr *parse_binary(parser *P, int min_level);

enum { LVL_OR = 1, LVL_AND, LVL_EQ, LVL_CMP, LVL_ADD, LVL_MUL, LVL_LDIV };

/* The binary operator of token kind and its level, or 0 when it is none. */
static int binop_of(int kind, int *op) {
  switch (kind) {
    case URN_TK_OR: *op = URN_OP_OR; return LVL_OR;
    case URN_TK_AND: *op = URN_OP_AND; return LVL_AND;
    case URN_TK_EQ: *op = URN_OP_EQ; return LVL_EQ;
    case URN_TK_NE: *op = URN_OP_NE; return LVL_EQ;
    case URN_TK_LT: *op = URN_OP_LT; return LVL_CMP;
    case URN_TK_ARROW: *op = URN_OP_LT; return LVL_CMP; /* `a<-b` in an expression is a < -b */
    case URN_TK_LE: *op = URN_OP_LE; return LVL_CMP;
    case URN_TK_GT: *op = URN_OP_GT; return LVL_CMP;
    case URN_TK_GE: *op = URN_OP_GE; return LVL_CMP;
    case URN_TK_PLUS: *op = URN_OP_ADD; return LVL_ADD;
    case URN_TK_MINUS: *op = URN_OP_SUB; return LVL_ADD;
    case URN_TK_STAR: *op = URN_OP_MUL; return LVL_MUL;
    case URN_TK_SLASH: *op = URN_OP_DIV; return LVL_MUL;
    case URN_TK_PERCENT: *op = URN_OP_MOD; return LVL_MUL;
    case URN_TK_ELT_MUL: *op = URN_OP_ELT_MUL; return LVL_MUL;
    case URN_TK_ELT_DIV: *op = URN_OP_ELT_DIV; return LVL_MUL;
    case URN_TK_INTDIV: *op = URN_OP_INTDIV; return LVL_LDIV;
    case URN_TK_BACKSLASH: *op = URN_OP_LDIV; return LVL_LDIV;
    default: return 0;
  }
}

/* Comma-separated expressions up to the closing token (which is consumed).
 * allow_bar: a `|` may replace the first comma (conditional-density calls). */
static urn_expr **parse_list(parser *P, int close, const char *close_name, int allow_bar,
                             int *n, unsigned char *has_bar) {
  plist l = {0};
  if (!accept(P, close)) {
    for (;;) {
      plist_push(P, &l, parse_expr(P));
      if (accept(P, URN_TK_COMMA)) continue;
      if (is(P, URN_TK_BAR)) {
        if (!allow_bar || l.n != 1) {
          const urn_token *t = cur(P);
          fail_at(P, t->line, t->col,
                  allow_bar ? "'|' may only follow the first argument"
                            : "'|' is only allowed in a function call's arguments");
        }
        next(P);
        *has_bar = 1;
        if (accept(P, close)) break; /* `foo_lpdf(y |)`: a density with no parameters */
        continue;
      }
      if (accept(P, close)) break;
      char what[64];
      snprintf(what, sizeof what, "',' or %s", close_name);
      fail_expected(P, what);
    }
  }
  return (urn_expr **)plist_finish(&l, n);
}

/* One index inside [...]: e, a:b, a:, :b, :, or nothing (omitted). */
static void parse_index(parser *P, urn_index *ix) {
  const urn_token *t = cur(P);
  ix->line = t->line;
  ix->col = t->col;
  if (is(P, URN_TK_COMMA) || is(P, URN_TK_RBRACK)) {
    ix->kind = URN_IDX_ALL;
    return;
  }
  if (accept(P, URN_TK_COLON)) {
    if (is(P, URN_TK_COMMA) || is(P, URN_TK_RBRACK)) {
      ix->kind = URN_IDX_ALL;
    } else {
      ix->kind = URN_IDX_UPPER;
      ix->hi = parse_expr(P);
    }
    return;
  }
  ix->lo = parse_expr(P);
  if (accept(P, URN_TK_COLON)) {
    if (is(P, URN_TK_COMMA) || is(P, URN_TK_RBRACK)) {
      ix->kind = URN_IDX_LOWER;
    } else {
      ix->kind = URN_IDX_RANGE;
      ix->hi = parse_expr(P);
    }
    return;
  }
  ix->kind = URN_IDX_SINGLE;
}

static urn_expr *parse_indexing(parser *P, urn_expr *base) {
  const urn_token *open = expect(P, URN_TK_LBRACK, "'['");
  if (is(P, URN_TK_RBRACK)) fail_at(P, open->line, open->col, "empty index '[]'");
  enter(P);
  urn_expr *e = urn_ast_expr(P->p, URN_EX_INDEX, open->line, open->col);
  e->lhs = base;
  urn_index *ix = NULL;
  int n = 0, cap = 0;
  for (;;) {
    if (n == cap) {
      cap = cap ? 2 * cap : 4;
      urn_index *bigger = urn_arena_alloc(&P->p->arena, (size_t)cap * sizeof *bigger);
      if (n) memcpy(bigger, ix, (size_t)n * sizeof *ix);
      ix = bigger;
    }
    parse_index(P, &ix[n++]);
    if (accept(P, URN_TK_COMMA)) continue;
    if (accept(P, URN_TK_RBRACK)) break;
    fail_expected(P, "',' or ']' in an index");
  }
  e->idx = ix;
  e->nidx = n;
  leave(P);
  return e;
}

static urn_expr *parse_primary(parser *P) {
  const urn_token *t = cur(P);
  char d[96];
  switch (t->kind) {
    case URN_TK_INT: {
      next(P);
      urn_expr *e = urn_ast_expr(P->p, URN_EX_INT, t->line, t->col);
      e->ival = t->ival;
      e->str = tok_text(P, t);
      return e;
    }
    case URN_TK_REAL: {
      next(P);
      urn_expr *e = urn_ast_expr(P->p, URN_EX_REAL, t->line, t->col);
      e->rval = t->rval;
      e->str = tok_text(P, t);
      return e;
    }
    case URN_TK_IMAG: {
      next(P);
      urn_expr *e = urn_ast_expr(P->p, URN_EX_IMAG, t->line, t->col);
      e->rval = t->rval;
      e->str = tok_text(P, t); /* with the 'i' */
      return e;
    }
    case URN_TK_STRING:
      fail_at(P, t->line, t->col,
              "string literals are only allowed as arguments of print, reject and fatal_error");
    case URN_TK_LPAREN: {
      next(P);
      enter(P);
      urn_expr *e = parse_expr(P);
      if (is(P, URN_TK_COMMA)) { /* a tuple literal (a, b, ...), or (a,) with one component */
        plist l = {0};
        plist_push(P, &l, e);
        while (accept(P, URN_TK_COMMA)) {
          if (l.n == 1 && is(P, URN_TK_RPAREN)) break;
          plist_push(P, &l, parse_expr(P));
        }
        urn_expr *tu = urn_ast_expr(P->p, URN_EX_TUPLE, t->line, t->col);
        tu->args = (urn_expr **)plist_finish(&l, &tu->nargs);
        e = tu;
      }
      expect(P, URN_TK_RPAREN, "')'");
      leave(P);
      return e;
    }
    case URN_TK_LBRACE:
    case URN_TK_LBRACK: {
      next(P);
      enter(P);
      int brace = t->kind == URN_TK_LBRACE;
      urn_expr *e = urn_ast_expr(P->p, brace ? URN_EX_ARRAY : URN_EX_ROWVEC, t->line, t->col);
      unsigned char bar = 0;
      e->args = parse_list(P, brace ? URN_TK_RBRACE : URN_TK_RBRACK, brace ? "'}'" : "']'", 0,
                           &e->nargs, &bar);
      if (brace && e->nargs == 0)
        fail_at(P, t->line, t->col, "an array literal '{...}' needs at least one element");
      leave(P);
      return e;
    }
    case URN_TK_IDENT: {
      if (tok_is_word(P, t, "target") && peek(P, 1)->kind == URN_TK_LPAREN) {
        next(P);
        next(P);
        expect(P, URN_TK_RPAREN, "')' (target() takes no arguments)");
        return urn_ast_expr(P->p, URN_EX_TARGET, t->line, t->col);
      }
      if (tok_is_word(P, t, "get_lp") && peek(P, 1)->kind == URN_TK_LPAREN &&
          peek(P, 2)->kind == URN_TK_RPAREN) {
        /* pre-2.33: get_lp() is target() */
        next(P);
        next(P);
        next(P);
        urn_expr *e = urn_ast_expr(P->p, URN_EX_TARGET, t->line, t->col);
        e->legacy = URN_LEG_GET_LP;
        return e;
      }
      if (tok_is_word(P, t, "lp__")) {
        /* very old Stan: the variable lp__ is target() */
        next(P);
        urn_expr *e = urn_ast_expr(P->p, URN_EX_TARGET, t->line, t->col);
        e->legacy = URN_LEG_LP_VAR;
        return e;
      }
      if (peek(P, 1)->kind == URN_TK_LPAREN) {
        next(P);
        next(P);
        enter(P);
        urn_expr *e = urn_ast_expr(P->p, URN_EX_CALL, t->line, t->col);
        e->name = tok_text(P, t);
        e->args = parse_list(P, URN_TK_RPAREN, "')'", 1, &e->nargs, &e->has_bar);
        leave(P);
        return e;
      }
      if (is_reserved(P, t))
        fail_at(P, t->line, t->col, "expected an expression, found reserved word %s",
                describe(P, t, d, sizeof d));
      next(P);
      urn_expr *e = urn_ast_expr(P->p, URN_EX_VAR, t->line, t->col);
      e->name = tok_text(P, t);
      return e;
    }
    default:
      fail_at(P, t->line, t->col, "expected an expression, found %s", describe(P, t, d, sizeof d));
  }
}

/* Is t a number token written '.' followed by digits only (a tuple component index)? */
static int tuple_index_token(parser *P, const urn_token *t) {
  const char *s = P->p->src + t->off;
  if (t->len < 2 || s[0] != '.') return 0;
  for (size_t i = 1; i < t->len; i++)
    if (s[i] < '0' || s[i] > '9') return 0;
  return t->len < 10;
}

static urn_expr *parse_postfix(parser *P) {
  urn_expr *e = parse_primary(P);
  for (;;) {
    if (is(P, URN_TK_LBRACK)) {
      e = parse_indexing(P, e);
    } else if (is(P, URN_TK_QUOTE)) {
      const urn_token *t = next(P);
      urn_expr *u = urn_ast_expr(P->p, URN_EX_UNARY, t->line, t->col);
      u->op = URN_OP_TRANSPOSE;
      u->lhs = e;
      e = u;
    } else if (is(P, URN_TK_REAL) && tuple_index_token(P, cur(P))) {
      /* `x.2`: the lexer reads ".2" as a number */
      const urn_token *t = next(P);
      urn_expr *g = urn_ast_expr(P->p, URN_EX_TUPLE_GET, t->line, t->col);
      g->lhs = e;
      g->ival = atoi(P->p->src + t->off + 1);
      if (g->ival < 1) fail_at(P, t->line, t->col, "tuple components are numbered from 1");
      e = g;
    } else {
      return e;
    }
  }
}

static urn_expr *parse_prefix(parser *P);

static urn_expr *parse_power(parser *P) {
  urn_expr *base = parse_postfix(P);
  if (is(P, URN_TK_HAT) || is(P, URN_TK_ELT_POW)) {
    const urn_token *t = next(P);
    enter(P);
    urn_expr *e = urn_ast_expr(P->p, URN_EX_BINARY, t->line, t->col);
    e->op = t->kind == URN_TK_HAT ? URN_OP_POW : URN_OP_ELT_POW;
    e->lhs = base;
    e->rhs = parse_prefix(P); /* right associative; a^-b allowed */
    leave(P);
    return e;
  }
  return base;
}

static urn_expr *parse_prefix(parser *P) {
  if (P->pending_neg) { /* the '-' of a '<-' token read as '< -' */
    P->pending_neg = 0;
    enter(P);
    urn_expr *e = urn_ast_expr(P->p, URN_EX_UNARY, P->neg_line, P->neg_col);
    e->op = URN_OP_NEG;
    e->lhs = parse_prefix(P);
    leave(P);
    return e;
  }
  const urn_token *t = cur(P);
  int op = t->kind == URN_TK_MINUS ? URN_OP_NEG
           : t->kind == URN_TK_PLUS ? URN_OP_PLUS
           : t->kind == URN_TK_BANG ? URN_OP_NOT
                                    : -1;
  if (op < 0) return parse_power(P);
  next(P);
  enter(P);
  urn_expr *e = urn_ast_expr(P->p, URN_EX_UNARY, t->line, t->col);
  e->op = op;
  e->lhs = parse_prefix(P);
  leave(P);
  return e;
}

/* A chain of left-associative operators (a + b + c + ...) is read by this loop, not by recursion: however long,
 * it is one level of nesting (a flat sum of 5000 terms is not "nested too deeply"); only the right operand of
 * each link, which binds tighter, nests.  The tree it makes is as deep as the chain is long, and later passes
 * walk it recursively: URN_PARSE_MAX_CHAIN operators per statement bound that depth. */
static urn_expr *parse_binary(parser *P, int min_level) {
  urn_expr *lhs = parse_prefix(P);
  for (;;) {
    int op, level = binop_of(cur(P)->kind, &op);
    if (!level || level < min_level) break;
    const urn_token *t = next(P);
    if (++P->links > URN_PARSE_MAX_CHAIN)
      fail_at(P, t->line, t->col, "statement too long (more than %d binary operators)", URN_PARSE_MAX_CHAIN);
    if (t->kind == URN_TK_ARROW) P->pending_neg = 1, P->neg_line = t->line, P->neg_col = t->col + 1;
    urn_expr *e = urn_ast_expr(P->p, URN_EX_BINARY, t->line, t->col);
    e->op = op;
    e->lhs = lhs;
    enter(P);
    e->rhs = parse_binary(P, level + 1); /* left associative */
    leave(P);
    lhs = e;
  }
  return lhs;
}

static urn_expr *parse_expr(parser *P) {
  enter(P);
  urn_expr *c = parse_binary(P, LVL_OR);
  if (is(P, URN_TK_QMARK)) {
    const urn_token *t = next(P);
    urn_expr *e = urn_ast_expr(P->p, URN_EX_COND, t->line, t->col);
    e->cond = c;
    e->lhs = parse_expr(P);
    expect(P, URN_TK_COLON, "':' of the conditional operator");
    e->rhs = parse_expr(P); /* right associative */
    c = e;
  }
  leave(P);
  return c;
}

/* An expression inside `<...>`: no comparison, logical or conditional operator at top level. */
static urn_expr *parse_constraint_expr(parser *P) {
  enter(P);
  urn_expr *e = parse_binary(P, LVL_ADD);
  leave(P);
  return e;
}

/* ------------------------------------------------------------------ */
/* Types and declarations                                              */

static const struct { const char *word; int dtype; int nsizes; } decl_types[] = {
    {"int", URN_DT_INT, 0},
    {"real", URN_DT_REAL, 0},
    {"vector", URN_DT_VECTOR, 1},
    {"row_vector", URN_DT_ROW_VECTOR, 1},
    {"matrix", URN_DT_MATRIX, 2},
    {"simplex", URN_DT_SIMPLEX, 1},
    {"unit_vector", URN_DT_UNIT_VECTOR, 1},
    {"ordered", URN_DT_ORDERED, 1},
    {"positive_ordered", URN_DT_POSITIVE_ORDERED, 1},
    {"cholesky_factor_corr", URN_DT_CHOLESKY_FACTOR_CORR, 1},
    {"cholesky_factor_cov", URN_DT_CHOLESKY_FACTOR_COV, -1}, /* 1 or 2 sizes */
    {"corr_matrix", URN_DT_CORR_MATRIX, 1},
    {"cov_matrix", URN_DT_COV_MATRIX, 1},
    {"sum_to_zero_vector", URN_DT_SUM_TO_ZERO_VECTOR, 1},
    {"column_stochastic_matrix", URN_DT_COLUMN_STOCHASTIC_MATRIX, 2},
    {"row_stochastic_matrix", URN_DT_ROW_STOCHASTIC_MATRIX, 2},
    {"sum_to_zero_matrix", URN_DT_SUM_TO_ZERO_MATRIX, 2},
    {"complex", URN_DT_COMPLEX, 0},
    {"complex_vector", URN_DT_COMPLEX_VECTOR, 1},
    {"complex_row_vector", URN_DT_COMPLEX_ROW_VECTOR, 1},
    {"complex_matrix", URN_DT_COMPLEX_MATRIX, 2}};

static int decl_type_of(parser *P, const urn_token *t) {
  for (size_t i = 0; i < sizeof decl_types / sizeof *decl_types; i++)
    if (tok_is_word(P, t, decl_types[i].word)) return (int)i;
  return -1;
}

/* Does a declaration start here? (a type word, or `array [`) */
static int at_decl(parser *P) {
  const urn_token *t = cur(P);
  if (t->kind != URN_TK_IDENT) return 0;
  if (tok_is_word(P, t, "array")) return peek(P, 1)->kind == URN_TK_LBRACK;
  if (tok_is_word(P, t, "tuple")) return peek(P, 1)->kind == URN_TK_LPAREN; /* no function is named tuple */
  if (decl_type_of(P, t) >= 0) {
    /* `vector[...]`-like words followed by '(' would be a call (none exist), so a type word is a
       declaration */
    return peek(P, 1)->kind != URN_TK_LPAREN;
  }
  return 0;
}

static urn_base_type base_of_dtype(int dtype) {
  switch (dtype) {
    case URN_DT_INT: return URN_TY_INT;
    case URN_DT_REAL: return URN_TY_REAL;
    case URN_DT_COMPLEX: return URN_TY_COMPLEX;
    case URN_DT_COMPLEX_VECTOR: return URN_TY_COMPLEX_VECTOR;
    case URN_DT_COMPLEX_ROW_VECTOR: return URN_TY_COMPLEX_ROW_VECTOR;
    case URN_DT_COMPLEX_MATRIX: return URN_TY_COMPLEX_MATRIX;
    case URN_DT_TUPLE: return URN_TY_TUPLE;
    case URN_DT_ROW_VECTOR: return URN_TY_ROW_VECTOR;
    case URN_DT_MATRIX:
    case URN_DT_CHOLESKY_FACTOR_CORR:
    case URN_DT_CHOLESKY_FACTOR_COV:
    case URN_DT_CORR_MATRIX:
    case URN_DT_COV_MATRIX:
    case URN_DT_COLUMN_STOCHASTIC_MATRIX:
    case URN_DT_ROW_STOCHASTIC_MATRIX:
    case URN_DT_SUM_TO_ZERO_MATRIX: return URN_TY_MATRIX;
    default: return URN_TY_VECTOR;
  }
}

/* The unconstrained declaration type of a base (function arguments). */
static int dtype_of_base(int base) {
  switch (base) {
    case URN_TY_INT: return URN_DT_INT;
    case URN_TY_REAL: return URN_DT_REAL;
    case URN_TY_VECTOR: return URN_DT_VECTOR;
    case URN_TY_ROW_VECTOR: return URN_DT_ROW_VECTOR;
    case URN_TY_COMPLEX: return URN_DT_COMPLEX;
    case URN_TY_COMPLEX_VECTOR: return URN_DT_COMPLEX_VECTOR;
    case URN_TY_COMPLEX_ROW_VECTOR: return URN_DT_COMPLEX_ROW_VECTOR;
    case URN_TY_COMPLEX_MATRIX: return URN_DT_COMPLEX_MATRIX;
    case URN_TY_TUPLE: return URN_DT_TUPLE;
  }
  return URN_DT_MATRIX;
}

/* `<lower=..., upper=...>` or `<offset=..., multiplier=...>` into d. */
static void parse_constraints(parser *P, urn_vardecl *d, int dtype, int allowed) {
  const urn_token *open = expect(P, URN_TK_LT, "'<'");
  if (!allowed)
    fail_at(P, open->line, open->col, "%s cannot have <lower/upper/offset/multiplier> bounds",
            urn_decl_type_name(dtype));
  int bounds = 0, affine = 0;
  for (;;) {
    const urn_token *t = cur(P);
    urn_expr **slot = NULL;
    if (tok_is_word(P, t, "lower")) slot = &d->lower, bounds = 1;
    else if (tok_is_word(P, t, "upper")) slot = &d->upper, bounds = 1;
    else if (tok_is_word(P, t, "offset")) slot = &d->offset, affine = 1;
    else if (tok_is_word(P, t, "multiplier")) slot = &d->multiplier, affine = 1;
    else fail_expected(P, "'lower', 'upper', 'offset' or 'multiplier'");
    if (*slot) fail_at(P, t->line, t->col, "'%.*s' given twice", (int)t->len, P->p->src + t->off);
    if (bounds && affine)
      fail_at(P, t->line, t->col, "lower/upper bounds cannot be combined with offset/multiplier");
    if (affine && dtype == URN_DT_INT)
      fail_at(P, t->line, t->col, "int variables cannot have an offset or multiplier");
    next(P);
    expect(P, URN_TK_ASSIGN, "'='");
    *slot = parse_constraint_expr(P);
    if (accept(P, URN_TK_COMMA)) continue;
    if (accept(P, URN_TK_GT)) break;
    if (is(P, URN_TK_GE))
      fail_at(P, cur(P)->line, cur(P)->col,
              "'>=' here: write a space between '>' and '=' or parenthesize the bound");
    fail_expected(P, "',' or '>' closing the constraint");
  }
}

/* The tuple type of a declaration's components (in the program's arena). */
static const urn_tuple_type *tuple_of_comps(parser *P, urn_vardecl **comps, int n) {
  urn_type *el = urn_arena_alloc(&P->p->arena, (size_t)n * sizeof *el);
  for (int i = 0; i < n; i++) el[i] = comps[i]->ty;
  urn_tuple_type *t = urn_arena_alloc(&P->p->arena, sizeof *t);
  t->n = n, t->elem = el;
  return t;
}

static void parse_decl_type(parser *P, urn_vardecl *d, int origin, int top);

/* `tuple(T1, T2, ...)` after the word tuple: each component a sized type of its own. */
static void parse_tuple_decl(parser *P, urn_vardecl *d, int origin, int top) {
  const urn_token *open = expect(P, URN_TK_LPAREN, "'(' after 'tuple'");
  enter(P);
  plist comps = {0};
  int trailing = 0;
  for (;;) {
    urn_vardecl *c = urn_ast_vardecl(P->p, NULL, cur(P)->line, cur(P)->col);
    parse_decl_type(P, c, origin, top);
    plist_push(P, &comps, c);
    if (accept(P, URN_TK_COMMA)) {
      if (comps.n == 1 && accept(P, URN_TK_RPAREN)) { trailing = 1; break; } /* tuple(T,) */
      continue;
    }
    if (accept(P, URN_TK_RPAREN)) break;
    fail_expected(P, "',' or ')' in a tuple type");
  }
  d->comps = (urn_vardecl **)plist_finish(&comps, &d->ncomps);
  if (d->ncomps < 2 && !trailing)
    fail_at(P, open->line, open->col, "a tuple type needs at least two components (one component: tuple(T,))");
  d->ty.tup = tuple_of_comps(P, d->comps, d->ncomps);
  leave(P);
}

/* The type part of a declaration `[array[dims]] type[<constraints>][sizes]` into d (dims, dtype, ty,
 * constraints, sizes; tuple components recursively).  top: block-level (constraints allowed). */
static void parse_decl_type(parser *P, urn_vardecl *d, int origin, int top) {
  const urn_token *start = cur(P);
  plist dims = {0};
  if (tok_is_word(P, start, "array")) {
    next(P);
    const urn_token *open = expect(P, URN_TK_LBRACK, "'['");
    if (is(P, URN_TK_RBRACK) || is(P, URN_TK_COMMA))
      fail_at(P, open->line, open->col, "array dimensions must be given in a declaration");
    for (;;) {
      plist_push(P, &dims, parse_expr(P));
      if (accept(P, URN_TK_COMMA)) continue;
      if (accept(P, URN_TK_RBRACK)) break;
      fail_expected(P, "',' or ']'");
    }
  }
  const urn_token *tt = cur(P);
  if (tok_is_word(P, tt, "array")) {
    fail_at(P, tt->line, tt->col, "nested 'array' types: write array[N, M] instead");
  }
  d->origin = origin;
  d->dims = (urn_expr **)plist_finish(&dims, &d->ndims);
  if (d->ndims > 250) fail_at(P, start->line, start->col, "too many array dimensions");
  d->ty.dims = (unsigned char)d->ndims;
  if (tok_is_word(P, tt, "tuple")) {
    next(P);
    d->dtype = URN_DT_TUPLE;
    d->ty.base = URN_TY_TUPLE;
    parse_tuple_decl(P, d, origin, top);
    return;
  }
  int k = decl_type_of(P, tt);
  if (k < 0) {
    fail_expected(P, "a type (int, real, vector, ...)");
  }
  next(P);
  int dtype = decl_types[k].dtype;
  d->dtype = dtype;
  d->ty.base = (unsigned char)base_of_dtype(dtype);
  if (is(P, URN_TK_LT)) {
    int can_bound = dtype == URN_DT_INT || dtype == URN_DT_REAL || dtype == URN_DT_VECTOR ||
                    dtype == URN_DT_ROW_VECTOR || dtype == URN_DT_MATRIX;
    if (!top)
      fail_at(P, cur(P)->line, cur(P)->col,
              "local variables cannot have constraints (only block-level declarations can)");
    parse_constraints(P, d, dtype, can_bound);
  }
  int nsizes = decl_types[k].nsizes;
  if (nsizes != 0) {
    char what[80];
    snprintf(what, sizeof what, "'[' with the size of the %s", decl_types[k].word);
    expect(P, URN_TK_LBRACK, what);
    d->size1 = parse_expr(P);
    if (nsizes == 2 || (nsizes < 0 && is(P, URN_TK_COMMA))) {
      expect(P, URN_TK_COMMA, "',' and the number of columns");
      d->size2 = parse_expr(P);
    }
    expect(P, URN_TK_RBRACK, "']'");
  } else if (is(P, URN_TK_LBRACK)) {
    fail_at(P, cur(P)->line, cur(P)->col, "%s takes no size; for an array write array[N] %s",
            decl_types[k].word, decl_types[k].word);
  }
}

/* Declarations `[array[dims]] type[<constraints>][sizes] name [= init] {, name [= init]} ;`
 * appended to out as URN_ST_DECL statements.  top: block-level (constraints allowed). */
static void parse_decl(parser *P, plist *out, int origin, int top, int allow_init) {
  P->links = 0;
  const urn_token *start = cur(P);
  urn_vardecl proto;
  memset(&proto, 0, sizeof proto);
  parse_decl_type(P, &proto, origin, top);
  for (;;) {
    const urn_token *nt = expect_new_name(P, "a variable name");
    urn_vardecl *d = urn_ast_vardecl(P->p, tok_text(P, nt), nt->line, nt->col);
    const char *name = d->name;
    int line = d->line, col = d->col;
    *d = proto;
    d->name = name;
    d->line = line;
    d->col = col;
    if (is(P, URN_TK_LBRACK)) {
      /* pre-2.33 array syntax: the dimensions follow the name (real y[N]; vector[K] b[J, 2]) */
      const urn_token *open = next(P);
      if (proto.ndims)
        fail_at(P, open->line, open->col,
                "dimensions both in 'array[...]' and after the name; write them once, in array[...]");
      if (is(P, URN_TK_RBRACK) || is(P, URN_TK_COMMA))
        fail_at(P, open->line, open->col, "array dimensions must be given in a declaration");
      plist pd = {0};
      for (;;) {
        plist_push(P, &pd, parse_expr(P));
        if (accept(P, URN_TK_COMMA)) continue;
        if (accept(P, URN_TK_RBRACK)) break;
        fail_expected(P, "',' or ']'");
      }
      d->dims = (urn_expr **)plist_finish(&pd, &d->ndims);
      if (d->ndims > 250) fail_at(P, open->line, open->col, "too many array dimensions");
      d->ty.dims = (unsigned char)d->ndims;
      d->legacy |= URN_LEG_POSTFIX_DIMS;
    }
    if (is(P, URN_TK_ASSIGN)) {
      if (!allow_init)
        fail_at(P, cur(P)->line, cur(P)->col,
                "variables declared in the data and parameters blocks cannot be given a value");
      next(P);
      d->init = parse_expr(P);
    }
    urn_stmt *s = urn_ast_stmt(P->p, URN_ST_DECL, start->line, start->col);
    s->decl = d;
    plist_push(P, out, s);
    if (accept(P, URN_TK_COMMA)) continue;
    if (is(P, URN_TK_SEMI)) {
      const urn_token *semi = next(P);
      for (int i = out->n - 1; i >= 0; i--) { /* every declarator of this declaration ends here */
        urn_stmt *ds = out->items[i];
        if (ds->kind != URN_ST_DECL || ds->line != start->line || ds->col != start->col) break;
        ds->end_line = semi->line, ds->end_col = semi->col;
      }
      break;
    }
    if (is(P, URN_TK_ARROW))
      fail_at(P, cur(P)->line, cur(P)->col, "'<-' was removed from Stan; use '='");
    fail_expected(P, "';' after the declaration");
  }
}

/* An unsized type for function arguments and returns: [array[,,]] int|real|complex|vector|...|
 * tuple(T, ...) with unsized components, or the pre-2.33 form real[], vector[,] (sets
 * URN_LEG_POSTFIX_DIMS in *legacy). */
static urn_type parse_unsized_type(parser *P, unsigned *legacy) {
  urn_type ty = {URN_TY_ERROR, 0};
  int dims = 0;
  if (is_word(P, "array") && peek(P, 1)->kind == URN_TK_LBRACK) {
    next(P);
    next(P);
    dims = 1;
    while (accept(P, URN_TK_COMMA)) dims++;
    expect(P, URN_TK_RBRACK, "']' (function argument arrays are unsized: array[] real, array[,] int)");
  }
  const urn_token *t = cur(P);
  if (tok_is_word(P, t, "tuple") && peek(P, 1)->kind == URN_TK_LPAREN) {
    next(P);
    next(P);
    enter(P);
    urn_type el[64];
    int n = 0;
    int trailing = 0;
    for (;;) {
      urn_type c = parse_unsized_type(P, legacy);
      if (n == 64) fail_at(P, t->line, t->col, "a tuple type has more than 64 components");
      el[n++] = c;
      if (accept(P, URN_TK_COMMA)) {
        if (n == 1 && accept(P, URN_TK_RPAREN)) { trailing = 1; break; } /* tuple(T,) */
        continue;
      }
      if (accept(P, URN_TK_RPAREN)) break;
      fail_expected(P, "',' or ')' in a tuple type");
    }
    if (n < 2 && !trailing) fail_at(P, t->line, t->col, "a tuple type needs at least two components (one component: tuple(T,))");
    urn_type *copy = urn_arena_alloc(&P->p->arena, (size_t)n * sizeof *copy);
    memcpy(copy, el, (size_t)n * sizeof *copy);
    urn_tuple_type *tt = urn_arena_alloc(&P->p->arena, sizeof *tt);
    tt->n = n, tt->elem = copy;
    leave(P);
    ty.base = URN_TY_TUPLE, ty.dims = (unsigned char)dims, ty.tup = tt;
    return ty;
  }
  int k = decl_type_of(P, t);
  int unconstrained = k >= 0 && (decl_types[k].dtype <= URN_DT_MATRIX || (decl_types[k].dtype >= URN_DT_COMPLEX &&
                                                                          decl_types[k].dtype <= URN_DT_COMPLEX_MATRIX));
  if (!unconstrained) {
    if (k >= 0)
      fail_at(P, t->line, t->col,
              "constrained type '%s' cannot be a function argument or return type; use %s",
              decl_types[k].word, decl_types[k].nsizes == 1 ? "vector" : "matrix");
    fail_expected(P, "a type (int, real, complex, vector, row_vector, matrix, their complex forms, tuple(...) or array[...] of them)");
  }
  next(P);
  if (is(P, URN_TK_LBRACK)) {
    const urn_token *b = cur(P);
    if (peek(P, 1)->kind != URN_TK_RBRACK && peek(P, 1)->kind != URN_TK_COMMA)
      fail_at(P, b->line, b->col, "function argument and return types are unsized (no [size])");
    if (dims)
      fail_at(P, b->line, b->col, "dimensions both in 'array[...]' and after the type; write array[...] only");
    next(P);
    dims = 1;
    while (accept(P, URN_TK_COMMA)) dims++;
    expect(P, URN_TK_RBRACK, "']' (unsized array type: real[], real[,])");
    *legacy |= URN_LEG_POSTFIX_DIMS;
  }
  ty.base = (unsigned char)base_of_dtype(decl_types[k].dtype);
  ty.dims = (unsigned char)dims;
  return ty;
}

/* ------------------------------------------------------------------ */
/* Statements                                                          */

static urn_stmt *parse_stmt(parser *P);
static void parse_stmt_into(parser *P, plist *out, int origin, int top);

static urn_stmt *parse_block(parser *P) {
  const urn_token *open = expect(P, URN_TK_LBRACE, "'{'");
  enter(P);
  urn_stmt *s = urn_ast_stmt(P->p, URN_ST_BLOCK, open->line, open->col);
  plist l = {0};
  while (!is(P, URN_TK_RBRACE)) {
    if (is(P, URN_TK_EOF)) {
      fail_at(P, open->line, open->col, "'{' is never closed");
    }
    parse_stmt_into(P, &l, URN_ORIGIN_LOCAL, 0);
  }
  const urn_token *close = next(P);
  s->end_line = close->line;
  s->end_col = close->col;
  s->stmts = (urn_stmt **)plist_finish(&l, &s->nstmts);
  leave(P);
  return s;
}

/* print/reject/fatal_error arguments: expressions or string literals. */
static urn_expr **parse_printables(parser *P, int *n) {
  expect(P, URN_TK_LPAREN, "'('");
  plist l = {0};
  if (!accept(P, URN_TK_RPAREN)) {
    for (;;) {
      const urn_token *t = cur(P);
      if (t->kind == URN_TK_STRING) {
        next(P);
        urn_expr *e = urn_ast_expr(P->p, URN_EX_STRING, t->line, t->col);
        e->str = tok_text(P, t);
        plist_push(P, &l, e);
      } else {
        plist_push(P, &l, parse_expr(P));
      }
      if (accept(P, URN_TK_COMMA)) continue;
      if (accept(P, URN_TK_RPAREN)) break;
      fail_expected(P, "',' or ')'");
    }
  }
  return (urn_expr **)plist_finish(&l, n);
}

/* A variable, possibly indexed and/or a tuple component (`x[1].2[3]`), or a tuple literal of such
 * (unpacking `(a, b) = ...`). */
static int is_lvalue(const urn_expr *e) {
  if (e->kind == URN_EX_TUPLE) {
    for (int i = 0; i < e->nargs; i++)
      if (!is_lvalue(e->args[i])) return 0;
    return 1;
  }
  while (e->kind == URN_EX_INDEX || e->kind == URN_EX_TUPLE_GET) e = e->lhs;
  return e->kind == URN_EX_VAR;
}

static int assign_op_of(int kind) {
  switch (kind) {
    case URN_TK_ASSIGN: return URN_AS_SET;
    case URN_TK_PLUS_ASSIGN: return URN_AS_ADD;
    case URN_TK_MINUS_ASSIGN: return URN_AS_SUB;
    case URN_TK_STAR_ASSIGN: return URN_AS_MUL;
    case URN_TK_SLASH_ASSIGN: return URN_AS_DIV;
    case URN_TK_ELT_MUL_ASSIGN: return URN_AS_ELT_MUL;
    case URN_TK_ELT_DIV_ASSIGN: return URN_AS_ELT_DIV;
    default: return -1;
  }
}

static urn_stmt *parse_stmt_inner(parser *P);

/* Does the statement at '{' start with an array expression (`{a, b} ~ normal(0, 1);`)
 * rather than a block?  It does when the matching '}' is followed by '~'. */
static int array_expr_stmt(parser *P) {
  int depth = 0;
  for (size_t k = P->i; k < P->ntok; k++) {
    int kind = P->tok[k].kind;
    if (kind == URN_TK_LBRACE) depth++;
    else if (kind == URN_TK_RBRACE && --depth == 0) return k + 1 < P->ntok && P->tok[k + 1].kind == URN_TK_TILDE;
    else if (kind == URN_TK_SEMI && depth == 1) return 0; /* a statement inside: a block */
  }
  return 0;
}

/* When the statement starting here is a pre-2.33 assignment `lvalue <- e;`,
 * parses and returns the lvalue (the current token is then the '<-');
 * otherwise returns NULL with the position unchanged.  A '<-' elsewhere in an
 * expression is a comparison with a negation: `if (x<-1)` is x < -1. */
static urn_expr *arrow_lvalue(parser *P) {
  const urn_token *t = cur(P);
  if (t->kind != URN_TK_IDENT) return NULL;
  int depth = 0, seen = 0;
  for (size_t k = P->i; k < P->ntok; k++) { /* a '<-' at bracket depth 0 before the ';'? */
    int kind = P->tok[k].kind;
    if (kind == URN_TK_LPAREN || kind == URN_TK_LBRACK) depth++;
    else if (kind == URN_TK_RPAREN || kind == URN_TK_RBRACK) depth--;
    else if (kind == URN_TK_ARROW && depth == 0) seen = 1;
    if (seen || kind == URN_TK_SEMI || kind == URN_TK_LBRACE || kind == URN_TK_RBRACE || kind == URN_TK_EOF ||
        depth < 0)
      break;
  }
  if (!seen) return NULL;
  size_t save = P->i;
  urn_expr *lhs = parse_postfix(P);
  if (is(P, URN_TK_ARROW) && (is_lvalue(lhs) || (lhs->kind == URN_EX_TARGET && (lhs->legacy & URN_LEG_LP_VAR))))
    return lhs;
  P->i = save;
  return NULL;
}

/* A statement that is not a declaration; records the position of its last token. */
static urn_stmt *parse_stmt(parser *P) {
  urn_stmt *s = parse_stmt_inner(P);
  if (s->kind != URN_ST_BLOCK) {
    const urn_token *last = &P->tok[P->i ? P->i - 1 : 0];
    s->end_line = last->line;
    s->end_col = last->col;
  }
  return s;
}

/* for (v in lo:hi) body, or for (v in container) body (foreach); t is the "for" token. */
static urn_stmt *parse_for(parser *P, const urn_token *t) {
  urn_stmt *s;
  next(P);
  expect(P, URN_TK_LPAREN, "'(' after 'for'");
  const urn_token *v = expect_new_name(P, "the loop variable");
  if (!is_word(P, "in")) fail_expected(P, "'in'");
  next(P);
  urn_expr *first = parse_expr(P);
  urn_vardecl *lv = urn_ast_vardecl(P->p, tok_text(P, v), v->line, v->col);
  lv->origin = URN_ORIGIN_LOOP;
  lv->dtype = URN_DT_INT;
  lv->ty.base = URN_TY_INT;
  if (accept(P, URN_TK_COLON)) {
    s = urn_ast_stmt(P->p, URN_ST_FOR, t->line, t->col);
    s->lo = first;
    s->hi = parse_expr(P);
  } else {
    s = urn_ast_stmt(P->p, URN_ST_FOREACH, t->line, t->col);
    s->rhs = first;
  }
  s->decl = lv;
  expect(P, URN_TK_RPAREN, "')' closing the for header");
  s->body = parse_stmt(P);
  return s;
}

/* lhs ~ dist(args) [T[lo, hi]];  op is the '~' token. */
static urn_stmt *parse_tilde(parser *P, urn_expr *lhs, const urn_token *op) {
  next(P);
  urn_stmt *s = urn_ast_stmt(P->p, URN_ST_TILDE, op->line, op->col);
  s->lhs = lhs;
  const urn_token *dn = cur(P);
  if (dn->kind != URN_TK_IDENT) fail_expected(P, "a distribution name after '~'");
  next(P);
  s->dist = tok_text(P, dn);
  s->dist_line = dn->line;
  s->dist_col = dn->col;
  expect(P, URN_TK_LPAREN, "'(' after the distribution name");
  unsigned char bar = 0;
  s->args = parse_list(P, URN_TK_RPAREN, "')'", 0, &s->nargs, &bar);
  if (is_word(P, "T") && peek(P, 1)->kind == URN_TK_LBRACK) {
    next(P);
    next(P);
    s->truncated = 1;
    if (!is(P, URN_TK_COMMA)) s->trunc_lo = parse_expr(P);
    expect(P, URN_TK_COMMA, "',' in the truncation T[lower, upper]");
    if (!is(P, URN_TK_RBRACK)) s->trunc_hi = parse_expr(P);
    expect(P, URN_TK_RBRACK, "']' closing the truncation");
  }
  expect(P, URN_TK_SEMI, "';' after the distribution statement");
  return s;
}

/* A statement that starts with an expression: a distribution statement, an assignment (also the
 * pre-2.33 `<-` and `lp__ <- lp__ + e`) or a call of a void function; t is its first token. */
static urn_stmt *parse_expr_stmt(parser *P, const urn_token *t) {
  urn_stmt *s;
  char d[96];
  urn_expr *lhs = arrow_lvalue(P);
  if (!lhs) lhs = parse_expr(P);
  const urn_token *op = cur(P);
  int aop = assign_op_of(op->kind);
  if (op->kind == URN_TK_TILDE) {
    s = parse_tilde(P, lhs, op);
  } else if (aop >= 0) {
    if (!is_lvalue(lhs))
      fail_at(P, op->line, op->col,
              "the left side of '%s' must be a variable, possibly indexed",
              urn_assign_op_name(aop));
    if (lhs->kind == URN_EX_TUPLE && aop != URN_AS_SET)
      fail_at(P, op->line, op->col, "a tuple can only be unpacked with '=', not '%s'", urn_assign_op_name(aop));
    next(P);
    s = urn_ast_stmt(P->p, URN_ST_ASSIGN, op->line, op->col);
    s->lhs = lhs;
    s->op = aop;
    s->rhs = parse_expr(P);
    expect(P, URN_TK_SEMI, "';' after the assignment");
  } else if (op->kind == URN_TK_ARROW && lhs->kind == URN_EX_TARGET && (lhs->legacy & URN_LEG_LP_VAR)) {
    /* very old Stan: lp__ <- lp__ + e; is target += e; */
    next(P);
    urn_expr *rhs = parse_expr(P);
    if (rhs->kind != URN_EX_BINARY || rhs->op != URN_OP_ADD || rhs->lhs->kind != URN_EX_TARGET ||
        !(rhs->lhs->legacy & URN_LEG_LP_VAR))
      fail_at(P, op->line, op->col, "lp__ can only be incremented (lp__ <- lp__ + e); write 'target += e;'");
    s = urn_ast_stmt(P->p, URN_ST_TARGET, t->line, t->col);
    s->legacy = URN_LEG_LP_VAR | URN_LEG_ARROW;
    s->rhs = rhs->rhs;
    expect(P, URN_TK_SEMI, "';' after the assignment");
  } else if (op->kind == URN_TK_ARROW) {
    /* pre-2.33 assignment a <- b; */
    if (!is_lvalue(lhs))
      fail_at(P, op->line, op->col, "the left side of '<-' must be a variable, possibly indexed");
    next(P);
    s = urn_ast_stmt(P->p, URN_ST_ASSIGN, op->line, op->col);
    s->lhs = lhs;
    s->op = URN_AS_SET;
    s->legacy = URN_LEG_ARROW;
    s->rhs = parse_expr(P);
    expect(P, URN_TK_SEMI, "';' after the assignment");
  } else if (op->kind == URN_TK_SEMI) {
    if (lhs->kind != URN_EX_CALL)
      fail_at(P, t->line, t->col,
              "an expression is not a statement; expected '=', '~' or a function call");
    next(P);
    s = urn_ast_stmt(P->p, URN_ST_CALL, lhs->line, lhs->col);
    s->rhs = lhs;
  } else {
    fail_at(P, op->line, op->col, "expected '=', '~', '+=' or ';' after the expression, found %s",
            describe(P, op, d, sizeof d));
  }
  return s;
}

static urn_stmt *parse_stmt_inner(parser *P) {
  const urn_token *t = cur(P);
  urn_stmt *s;
  P->links = 0;
  if (at_decl(P)) {
    /* a declaration as the whole body of if/for/while (Stan allows it): a block of its own */
    urn_stmt *b = urn_ast_stmt(P->p, URN_ST_BLOCK, t->line, t->col);
    plist l = {0};
    parse_decl(P, &l, URN_ORIGIN_LOCAL, 0, 1);
    b->stmts = (urn_stmt **)plist_finish(&l, &b->nstmts);
    const urn_token *last = &P->tok[P->i - 1];
    b->end_line = last->line;
    b->end_col = last->col;
    return b;
  }
  if (t->kind == URN_TK_LBRACE && !array_expr_stmt(P)) return parse_block(P);
  if (t->kind == URN_TK_SEMI) {
    next(P);
    return urn_ast_stmt(P->p, URN_ST_EMPTY, t->line, t->col);
  }
  enter(P);
  if (tok_is_word(P, t, "for")) {
    s = parse_for(P, t);
  } else if (tok_is_word(P, t, "while")) {
    next(P);
    s = urn_ast_stmt(P->p, URN_ST_WHILE, t->line, t->col);
    expect(P, URN_TK_LPAREN, "'(' after 'while'");
    s->cond = parse_expr(P);
    expect(P, URN_TK_RPAREN, "')'");
    s->body = parse_stmt(P);
  } else if (tok_is_word(P, t, "if")) {
    next(P);
    s = urn_ast_stmt(P->p, URN_ST_IF, t->line, t->col);
    expect(P, URN_TK_LPAREN, "'(' after 'if'");
    s->cond = parse_expr(P);
    expect(P, URN_TK_RPAREN, "')'");
    s->body = parse_stmt(P);
    if (is_word(P, "else")) {
      next(P);
      s->else_body = parse_stmt(P);
    }
  } else if (tok_is_word(P, t, "else")) {
    fail_at(P, t->line, t->col, "'else' without a matching 'if'");
  } else if (tok_is_word(P, t, "break") || tok_is_word(P, t, "continue")) {
    next(P);
    s = urn_ast_stmt(P->p, tok_is_word(P, t, "break") ? URN_ST_BREAK : URN_ST_CONTINUE, t->line,
                     t->col);
    expect(P, URN_TK_SEMI, "';'");
  } else if (tok_is_word(P, t, "return")) {
    next(P);
    s = urn_ast_stmt(P->p, URN_ST_RETURN, t->line, t->col);
    if (!is(P, URN_TK_SEMI)) s->rhs = parse_expr(P);
    expect(P, URN_TK_SEMI, "';' after return");
  } else if (tok_is_word(P, t, "print") || tok_is_word(P, t, "reject") ||
             tok_is_word(P, t, "fatal_error")) {
    next(P);
    int kind = tok_is_word(P, t, "print")    ? URN_ST_PRINT
               : tok_is_word(P, t, "reject") ? URN_ST_REJECT
                                             : URN_ST_FATAL;
    s = urn_ast_stmt(P->p, kind, t->line, t->col);
    s->args = parse_printables(P, &s->nargs);
    expect(P, URN_TK_SEMI, "';'");
  } else if ((tok_is_word(P, t, "target") || tok_is_word(P, t, "jacobian")) &&
             peek(P, 1)->kind == URN_TK_PLUS_ASSIGN) {
    next(P);
    next(P);
    s = urn_ast_stmt(P->p, tok_is_word(P, t, "target") ? URN_ST_TARGET : URN_ST_JACOBIAN, t->line,
                     t->col);
    s->rhs = parse_expr(P);
    expect(P, URN_TK_SEMI, "';'");
  } else if (tok_is_word(P, t, "target")) {
    fail_at(P, t->line, t->col, "'target' can only be incremented: write 'target += ...;'");
  } else if (tok_is_word(P, t, "increment_log_prob") && peek(P, 1)->kind == URN_TK_LPAREN) {
    /* pre-2.33: increment_log_prob(e); is target += e; */
    next(P);
    next(P);
    s = urn_ast_stmt(P->p, URN_ST_TARGET, t->line, t->col);
    s->legacy = URN_LEG_INCREMENT;
    s->rhs = parse_expr(P);
    expect(P, URN_TK_RPAREN, "')' closing increment_log_prob(");
    expect(P, URN_TK_SEMI, "';'");
  } else if (tok_is_word(P, t, "profile") && peek(P, 1)->kind == URN_TK_LPAREN) {
    /* profile("name") { ... }: profiling is ignored; the body is an ordinary block */
    next(P);
    next(P);
    const urn_token *name = expect(P, URN_TK_STRING, "a profile name string");
    expect(P, URN_TK_RPAREN, "')'");
    s = parse_block(P);
    s->profile = tok_text(P, name);
  } else {
    s = parse_expr_stmt(P, t);
  }
  leave(P);
  return s;
}

/* One statement or declaration into a statement list. */
static void parse_stmt_into(parser *P, plist *out, int origin, int top) {
  P->links = 0;
  if (at_decl(P)) {
    parse_decl(P, out, origin, top, 1);
    return;
  }
  plist_push(P, out, parse_stmt(P));
}

/* ------------------------------------------------------------------ */
/* Functions and blocks                                                */

static urn_fundef *parse_fundef(parser *P) {
  const urn_token *start = cur(P);
  urn_type ret = {URN_TY_VOID, 0};
  unsigned ret_legacy = 0;
  if (is_word(P, "void")) {
    next(P);
  } else {
    ret = parse_unsized_type(P, &ret_legacy);
  }
  const urn_token *nt = expect_new_name(P, "a function name");
  urn_fundef *f = urn_arena_alloc(&P->p->arena, sizeof *f);
  f->name = tok_text(P, nt);
  f->line = nt->line;
  f->col = nt->col;
  f->ret = ret;
  f->suffix = urn_fun_suffix_of(f->name);
  f->legacy = ret_legacy;
  f->start_line = start->line;
  f->start_col = start->col;
  expect(P, URN_TK_LPAREN, "'(' after the function name");
  plist l = {0};
  if (!accept(P, URN_TK_RPAREN)) {
    for (;;) {
      int data_only = 0;
      if (is_word(P, "data")) {
        next(P);
        data_only = 1;
      }
      unsigned arg_legacy = 0;
      urn_type ty = parse_unsized_type(P, &arg_legacy);
      const urn_token *an = expect_new_name(P, "an argument name");
      urn_vardecl *a = urn_ast_vardecl(P->p, tok_text(P, an), an->line, an->col);
      a->legacy = arg_legacy;
      a->origin = URN_ORIGIN_FUNARG;
      a->ty = ty;
      a->ndims = ty.dims;
      a->dtype = dtype_of_base(ty.base);
      a->data_only = (unsigned char)data_only;
      plist_push(P, &l, a);
      if (accept(P, URN_TK_COMMA)) continue;
      if (accept(P, URN_TK_RPAREN)) break;
      fail_expected(P, "',' or ')' in the argument list");
    }
  }
  f->params = (urn_vardecl **)plist_finish(&l, &f->nparams);
  if (accept(P, URN_TK_SEMI)) return f; /* forward declaration */
  if (!is(P, URN_TK_LBRACE)) fail_expected(P, "'{' starting the function body or ';'");
  f->body = parse_block(P);
  return f;
}

/* Which block keyword starts at the current token (consuming it), or -1. */
static int parse_block_keyword(parser *P) {
  static const struct { const char *w1, *w2; int blk; } kw[] = {
      {"functions", NULL, URN_BLK_FUNCTIONS},
      {"data", NULL, URN_BLK_DATA},
      {"transformed", "data", URN_BLK_TDATA},
      {"parameters", NULL, URN_BLK_PARAMS},
      {"transformed", "parameters", URN_BLK_TPARAMS},
      {"model", NULL, URN_BLK_MODEL},
      {"generated", "quantities", URN_BLK_GQ}};
  for (size_t i = 0; i < sizeof kw / sizeof *kw; i++) {
    if (!is_word(P, kw[i].w1)) continue;
    if (kw[i].w2 && !tok_is_word(P, peek(P, 1), kw[i].w2)) continue;
    next(P);
    if (kw[i].w2) next(P);
    return kw[i].blk;
  }
  return -1;
}

static void parse_program(parser *P) {
  int last = -1;
  while (!is(P, URN_TK_EOF)) {
    const urn_token *t = cur(P);
    int blk = parse_block_keyword(P);
    if (blk < 0) {
      if (tok_is_word(P, t, "transformed") || tok_is_word(P, t, "generated")) next(P);
      fail_at(P, t->line, t->col,
              "expected a program block (functions, data, transformed data, parameters, "
              "transformed parameters, model, generated quantities)");
    }
    if (blk == last || P->p->blocks[blk].present)
      fail_at(P, t->line, t->col, "the %s block appears twice", urn_block_name(blk));
    if (blk < last)
      fail_at(P, t->line, t->col, "the %s block must come before the %s block",
              urn_block_name(blk), urn_block_name(last));
    last = blk;
    urn_block *b = &P->p->blocks[blk];
    b->present = 1;
    b->line = t->line;
    b->col = t->col;
    const urn_token *open = expect(P, URN_TK_LBRACE, "'{' after the block name");
    plist l = {0};
    while (!is(P, URN_TK_RBRACE)) {
      if (is(P, URN_TK_EOF)) {
        fail_at(P, open->line, open->col, "the %s block is never closed (missing '}')",
                urn_block_name(blk));
      }
      if (blk == URN_BLK_FUNCTIONS) {
        plist_push(P, &l, parse_fundef(P));
      } else if (blk == URN_BLK_DATA || blk == URN_BLK_PARAMS) {
        if (accept(P, URN_TK_SEMI)) continue; /* an empty statement */
        if (!at_decl(P)) {
          const urn_token *s = cur(P);
          fail_at(P, s->line, s->col, "only declarations are allowed in the %s block",
                  urn_block_name(blk));
        }
        parse_decl(P, &l, blk == URN_BLK_DATA ? URN_ORIGIN_DATA : URN_ORIGIN_PARAM, 1, 0);
      } else if (blk == URN_BLK_MODEL) {
        parse_stmt_into(P, &l, URN_ORIGIN_LOCAL, 0);
      } else {
        int origin = blk == URN_BLK_TDATA     ? URN_ORIGIN_TDATA
                     : blk == URN_BLK_TPARAMS ? URN_ORIGIN_TPARAM
                                              : URN_ORIGIN_GQ;
        parse_stmt_into(P, &l, origin, 1);
      }
    }
    const urn_token *close = next(P);
    b->end_line = close->line;
    b->end_col = close->col;
    if (blk == URN_BLK_FUNCTIONS)
      P->p->funs = (urn_fundef **)plist_finish(&l, &P->p->nfuns);
    else
      b->stmts = (urn_stmt **)plist_finish(&l, &b->nstmts);
  }
}

urn_program *urn_parse(const char *path, const char *src, size_t len, urn_error *err) {
  return urn_parse_ex(path, src, len, NULL, err);
}

/* Formats a lexer message at line:col of p's source (its own file and line when it has #include). */
static void lex_diag(urn_buf *b, const urn_program *p, int line, int col, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int fline;
  const char *file = urn_program_where(p, line, &fline);
  urn_source_vdiag_at(b, file, fline, p->src, p->len, line, col, fmt, ap);
  va_end(ap);
}

urn_program *urn_parse_ex(const char *path, const char *src, size_t len, const char *include_paths,
                          urn_error *err) {
  /* a UTF-8 byte-order mark (editors on Windows write one) is not part of the program */
  if (src && len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0) src += 3, len -= 3;
  urn_program *p = urn_xcalloc(1, sizeof *p);
  urn_arena_init(&p->arena, 1 << 16);
  p->path = urn_arena_strndup(&p->arena, path ? path : "<input>", strlen(path ? path : "<input>"));
  urn_include_result inc;
  if (urn_include_expand(p->path, src ? src : "", src ? len : 0, include_paths, &p->arena, &inc, err)) {
    urn_program_free(p);
    return NULL;
  }
  char *copy;
  if (inc.text) { /* the program with its included files */
    copy = inc.text, len = inc.len;
    p->segs = inc.segs, p->nsegs = inc.nsegs, p->includes = inc.files, p->nincludes = inc.nfiles;
  } else {
    copy = urn_xmalloc(len + 1);
    if (len) memcpy(copy, src, len);
    copy[len] = 0;
  }
  p->src = copy;
  p->len = len;
  urn_tokens toks;
  int line = 0, col = 0;
  char msg[512];
  if (urn_lex(copy, len, &toks, &line, &col, msg, sizeof msg)) {
    urn_buf b;
    urn_buf_init(&b);
    lex_diag(&b, p, line, col, "%s", msg);
    if (b.len && b.data[b.len - 1] == '\n') b.data[--b.len] = 0;
    urn_error_set(err, URN_EINPUT, "%s", b.data);
    urn_buf_free(&b);
    urn_tokens_free(&toks);
    urn_program_free(p);
    return NULL;
  }
  parser *P = urn_xcalloc(1, sizeof *P);
  P->p = p;
  P->tok = toks.tok;
  P->ntok = toks.n;
  P->err = err;
  if (setjmp(P->fail)) {
    urn_tokens_free(&toks);
    free(P);
    urn_program_free(p);
    return NULL;
  }
  parse_program(P);
  if (toks.ncom) {
    p->comments = urn_arena_alloc(&p->arena, toks.ncom * sizeof *p->comments);
    memcpy(p->comments, toks.com, toks.ncom * sizeof *p->comments);
    p->ncomments = (int)toks.ncom;
  }
  urn_tokens_free(&toks);
  free(P);
  urn_legacy_log *log = urn_xcalloc(1, sizeof *log);
  urn_legacy_rewrite(p, log);
  urn_legacy_finish(p, log);
  free(log);
  urn_error_clear(err);
  return p;
}

urn_program *urn_parse_file(const char *path, urn_error *err) { return urn_parse_file_ex(path, NULL, err); }

urn_program *urn_parse_file_ex(const char *path, const char *include_paths, urn_error *err) {
  size_t len = 0;
  char *src = urn_read_file(path, &len, err);
  if (!src) return NULL;
  urn_program *p = urn_parse_ex(path, src, len, include_paths, err);
  free(src);
  return p;
}
