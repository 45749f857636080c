/* lang/lexer.h — Stan source text to tokens.
 *
 * The whole source is tokenized up front into an array (the parser needs two
 * tokens of lookahead in a few places).  Comments (`//`, block comments and the
 * pre-2.33 `#` form, which the parser accepts with a warning) are not tokens;
 * they are kept in a side list for the formatter (lang/format.h).  `#include`
 * is refused with a clear message, as are NUL bytes, invalid UTF-8 and
 * characters outside the language.  Numeric literals follow Stan 2.37:
 * digits may be grouped by single underscores (`1_000_000`, `1_000.5e1_0`).
 * Lines end at '\n' ('\r\n' works: '\r' is whitespace); columns count
 * characters (UTF-8 code points) from 1.  Keywords are not separate
 * token kinds: the parser reads them from IDENT tokens by context. */
#ifndef URN_LANG_LEXER_H
#define URN_LANG_LEXER_H

#include <stddef.h>
#include "util/util.h"

typedef enum urn_tok_kind {
  URN_TK_EOF,
  URN_TK_IDENT,      /* identifier or keyword */
  URN_TK_INT,        /* integer literal (value in ival) */
  URN_TK_REAL,       /* real literal (value in rval) */
  URN_TK_STRING,     /* "..." (text without quotes) */
  URN_TK_LBRACE, URN_TK_RBRACE, URN_TK_LPAREN, URN_TK_RPAREN, URN_TK_LBRACK, URN_TK_RBRACK,
  URN_TK_LT, URN_TK_GT, URN_TK_LE, URN_TK_GE, URN_TK_EQ, URN_TK_NE,
  URN_TK_COMMA, URN_TK_SEMI, URN_TK_ASSIGN, URN_TK_BAR, URN_TK_QMARK, URN_TK_COLON,
  URN_TK_BANG, URN_TK_PLUS, URN_TK_MINUS, URN_TK_STAR, URN_TK_SLASH, URN_TK_PERCENT,
  URN_TK_INTDIV,     /* %/% */
  URN_TK_BACKSLASH,  /* \ */
  URN_TK_HAT, URN_TK_ELT_POW, URN_TK_ELT_MUL, URN_TK_ELT_DIV, /* ^ .^ .* ./ */
  URN_TK_QUOTE,      /* ' (transpose) */
  URN_TK_TILDE,
  URN_TK_AND, URN_TK_OR,
  URN_TK_PLUS_ASSIGN, URN_TK_MINUS_ASSIGN, URN_TK_STAR_ASSIGN, URN_TK_SLASH_ASSIGN,
  URN_TK_ELT_MUL_ASSIGN, URN_TK_ELT_DIV_ASSIGN,
  URN_TK_ARROW,      /* <- (removed from Stan; recognized only to refuse it clearly) */
  URN_TK_IMAG        /* imaginary literal `2.5i`, `3i` (value of the imaginary part in rval) */
} urn_tok_kind;

typedef struct urn_token {
  int kind;          /* enum urn_tok_kind */
  int line, col;     /* position of the first character */
  size_t off;        /* byte offset of the token in the source */
  size_t len;        /* length in bytes */
  int ival;          /* INT: value */
  double rval;       /* REAL, IMAG: value (inf when it overflows, as strtod gives) */
} urn_token;

/* The three comment forms. */
enum urn_comment_kind {
  URN_COM_LINE,      /* // to the end of the line */
  URN_COM_BLOCK,     /* slash-star ... star-slash, possibly over several lines */
  URN_COM_HASH       /* # to the end of the line (removed in Stan 2.33; accepted with a warning) */
};

/* A comment of the source, in source order. */
typedef struct urn_comment {
  size_t off, len;   /* the comment's bytes, markers included (a line comment excludes the newline) */
  int line, col;     /* position of its first character */
  int end_line;      /* line of its last character */
  int kind;          /* enum urn_comment_kind */
  int after_code;    /* 1 when a token precedes it on its first line (a trailing comment) */
} urn_comment;

typedef struct urn_tokens {
  urn_token *tok;    /* the tokens, ending with one URN_TK_EOF */
  size_t n;          /* number of tokens including the EOF */
  urn_comment *com;  /* the comments in source order (NULL when none) */
  size_t ncom;       /* number of comments */
} urn_tokens;

/* Tokenizes src[0..len).  On error returns non-zero (URN_EINPUT) and sets
 * *line, *col and msg (a message without position). */
int urn_lex(const char *src, size_t len, urn_tokens *out, int *line, int *col, char *msg,
            size_t msgcap);
void urn_tokens_free(urn_tokens *t);
/* A token kind as written, for messages ("'{'", "identifier", "end of file"). */
const char *urn_tok_name(int kind);

#endif
