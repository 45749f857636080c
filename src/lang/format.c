/* lang/format.c — Stan source from the AST (see format.h).
 *
 * Expressions are printed with the precedence levels of lang/parser.c, adding
 * parentheses only where an operand binds looser than its position needs.
 * Statements are printed one per line; before each statement (and before
 * each closing brace) the comments that precede it in the source are printed,
 * so that comments keep their place relative to the code. */
#include "lang/format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/numfmt.h"

/* Precedence levels, loosest first (as lang/parser.c). */
enum { P_COND = 1, P_OR, P_AND, P_EQ, P_CMP, P_ADD, P_MUL, P_LDIV, P_PREFIX, P_POW, P_POSTFIX, P_ATOM };

/* The state of formatting one program. */
typedef struct fmt {
  const urn_program *p; /* the program */
  int flags;            /* URN_FMT_* */
  urn_buf *out;         /* the output */
  int ci;               /* the next comment to print */
  size_t *line_off;     /* byte offset of the start of source line i (1-based; [nlines + 1] = length) */
  int nlines;           /* number of source lines */
  int indent;           /* current indentation level */
} fmt;

#define CANON(flags) ((flags) & URN_FMT_CANONICAL)
#define STAN221(flags) ((flags) & URN_FMT_STAN221)

static int op_prec(int op) {
  switch (op) {
    case URN_OP_OR: return P_OR;
    case URN_OP_AND: return P_AND;
    case URN_OP_EQ:
    case URN_OP_NE: return P_EQ;
    case URN_OP_LT:
    case URN_OP_LE:
    case URN_OP_GT:
    case URN_OP_GE: return P_CMP;
    case URN_OP_ADD:
    case URN_OP_SUB: return P_ADD;
    case URN_OP_INTDIV:
    case URN_OP_LDIV: return P_LDIV;
    case URN_OP_POW:
    case URN_OP_ELT_POW: return P_POW;
    default: return P_MUL;
  }
}

static int expr_prec(const urn_expr *e, int flags) {
  switch (e->kind) {
    case URN_EX_COND: return (e->legacy & URN_LEG_IF_ELSE) && !CANON(flags) ? P_ATOM : P_COND;
    case URN_EX_BINARY: return op_prec(e->op);
    case URN_EX_UNARY: return e->op == URN_OP_TRANSPOSE ? P_POSTFIX : P_PREFIX;
    case URN_EX_INDEX:
    case URN_EX_TUPLE_GET: return P_POSTFIX;
    default: return P_ATOM;
  }
}

static void expr(const urn_expr *e, int flags, int min, urn_buf *o);

static void expr_list(urn_expr *const *args, int n, int flags, int bar, urn_buf *o) {
  for (int i = 0; i < n; i++) {
    if (i) urn_buf_puts(o, i == 1 && bar ? " | " : ", ");
    expr(args[i], flags, P_COND, o);
  }
}

static void number(const urn_expr *e, urn_buf *o) {
  if (e->str) {
    urn_buf_puts(o, e->str);
  } else if (e->kind == URN_EX_INT) {
    urn_buf_printf(o, "%d", e->ival);
  } else {
    char num[64];
    urn_format_double(num, sizeof num, e->rval);
    urn_buf_puts(o, num);
    if (!strpbrk(num, ".eEn")) urn_buf_puts(o, ".0");
    if (e->kind == URN_EX_IMAG) urn_buf_putc(o, 'i');
  }
}

static void index_list(const urn_expr *e, int flags, urn_buf *o) {
  for (int i = 0; i < e->nidx; i++) {
    const urn_index *ix = &e->idx[i];
    if (i) urn_buf_puts(o, ", ");
    switch (ix->kind) {
      case URN_IDX_ALL: urn_buf_putc(o, ':'); break;
      case URN_IDX_LOWER: expr(ix->lo, flags, P_OR, o), urn_buf_putc(o, ':'); break;
      case URN_IDX_UPPER: urn_buf_putc(o, ':'), expr(ix->hi, flags, P_OR, o); break;
      case URN_IDX_RANGE:
        expr(ix->lo, flags, P_OR, o);
        urn_buf_putc(o, ':');
        expr(ix->hi, flags, P_OR, o);
        break;
      default: expr(ix->lo, flags, P_COND, o);
    }
  }
}

static void call(const urn_expr *e, int flags, urn_buf *o) {
  int old = !CANON(flags);
  const char *name = old && (e->legacy & URN_LEG_RENAMED) && e->written ? e->written : e->name;
  size_t n = strlen(name);
  if (STAN221(flags) && n > 6 && (!strcmp(name + n - 6, "_lupdf") || !strcmp(name + n - 6, "_lupmf")))
    urn_buf_printf(o, "%.*s_lp%cf", (int)(n - 6), name, name[n - 2]); /* Stan 2.21 has no _lupdf */
  else
    urn_buf_puts(o, name);
  urn_buf_putc(o, '(');
  expr_list(e->args, e->nargs, flags, e->has_bar && !(old && (e->legacy & URN_LEG_BAR_ADDED)), o);
  if (e->has_bar && e->nargs == 1) urn_buf_puts(o, " |"); /* foo_lpdf(y |) */
  urn_buf_putc(o, ')');
}

static void expr(const urn_expr *e, int flags, int min, urn_buf *o) {
  int paren = expr_prec(e, flags) < min;
  if (paren) urn_buf_putc(o, '(');
  switch (e->kind) {
    case URN_EX_INT:
    case URN_EX_REAL:
    case URN_EX_IMAG: number(e, o); break;
    case URN_EX_STRING: urn_buf_printf(o, "\"%s\"", e->str); break;
    case URN_EX_VAR: urn_buf_puts(o, e->name); break;
    case URN_EX_UNARY:
      if (e->op == URN_OP_TRANSPOSE) {
        expr(e->lhs, flags, P_POSTFIX, o);
        urn_buf_putc(o, '\'');
      } else {
        urn_buf_puts(o, urn_op_name(e->op));
        expr(e->lhs, flags, P_PREFIX, o);
      }
      break;
    case URN_EX_BINARY: {
      int level = op_prec(e->op);
      if (level == P_POW) { /* right associative; the exponent may carry a prefix */
        expr(e->lhs, flags, P_POSTFIX, o);
        urn_buf_printf(o, " %s ", urn_op_name(e->op));
        expr(e->rhs, flags, P_PREFIX, o);
      } else {
        expr(e->lhs, flags, level, o);
        urn_buf_printf(o, " %s ", e->op == URN_OP_INTDIV && STAN221(flags) ? "/" : urn_op_name(e->op));
        expr(e->rhs, flags, level + 1, o);
      }
      break;
    }
    case URN_EX_COND:
      if ((e->legacy & URN_LEG_IF_ELSE) && !CANON(flags)) {
        urn_buf_puts(o, "if_else(");
        expr(e->cond, flags, P_COND, o);
        urn_buf_puts(o, ", ");
        expr(e->lhs, flags, P_COND, o);
        urn_buf_puts(o, ", ");
        expr(e->rhs, flags, P_COND, o);
        urn_buf_putc(o, ')');
      } else {
        expr(e->cond, flags, P_OR, o);
        urn_buf_puts(o, " ? ");
        expr(e->lhs, flags, P_COND, o);
        urn_buf_puts(o, " : ");
        expr(e->rhs, flags, P_COND, o);
      }
      break;
    case URN_EX_CALL: call(e, flags, o); break;
    case URN_EX_INDEX:
      expr(e->lhs, flags, P_POSTFIX, o);
      urn_buf_putc(o, '[');
      index_list(e, flags, o);
      urn_buf_putc(o, ']');
      break;
    case URN_EX_ARRAY:
      urn_buf_putc(o, '{');
      expr_list(e->args, e->nargs, flags, 0, o);
      urn_buf_putc(o, '}');
      break;
    case URN_EX_ROWVEC:
      urn_buf_putc(o, '[');
      expr_list(e->args, e->nargs, flags, 0, o);
      urn_buf_putc(o, ']');
      break;
    case URN_EX_TARGET:
      if (!CANON(flags) && (e->legacy & URN_LEG_GET_LP)) urn_buf_puts(o, "get_lp()");
      else if (!CANON(flags) && (e->legacy & URN_LEG_LP_VAR)) urn_buf_puts(o, "lp__");
      else urn_buf_puts(o, "target()");
      break;
    case URN_EX_TUPLE: /* (a, b) or (a,) */
      urn_buf_putc(o, '(');
      expr_list(e->args, e->nargs, flags, 0, o);
      urn_buf_puts(o, e->nargs == 1 ? ",)" : ")");
      break;
    case URN_EX_TUPLE_GET:
      expr(e->lhs, flags, P_POSTFIX, o);
      urn_buf_printf(o, ".%d", e->ival);
      break;
    default: urn_buf_puts(o, "<?>");
  }
  if (paren) urn_buf_putc(o, ')');
}

void urn_format_expr(const urn_expr *e, int flags, urn_buf *out) { expr(e, flags, P_COND, out); }

/* ------------------------------------------------------------------ */
/* Types and declarations                                              */

static const char *base_name(int base) {
  switch (base) {
    case URN_TY_INT: return "int";
    case URN_TY_REAL: return "real";
    case URN_TY_VECTOR: return "vector";
    case URN_TY_ROW_VECTOR: return "row_vector";
    case URN_TY_MATRIX: return "matrix";
    case URN_TY_COMPLEX: return "complex";
    case URN_TY_COMPLEX_VECTOR: return "complex_vector";
    case URN_TY_COMPLEX_ROW_VECTOR: return "complex_row_vector";
    case URN_TY_COMPLEX_MATRIX: return "complex_matrix";
    default: return "?";
  }
}

/* The element type of an unsized type: a base name, or tuple(T1, ..., Tn) with unsized components
 * (always in the current syntax). */
static void unsized_elem(urn_type ty, int flags, urn_buf *o) {
  if (ty.base != URN_TY_TUPLE || !ty.tup) {
    urn_buf_puts(o, ty.base == URN_TY_VOID ? "void" : base_name(ty.base));
    return;
  }
  urn_buf_puts(o, "tuple(");
  for (int i = 0; i < ty.tup->n; i++) {
    if (i) urn_buf_puts(o, ", ");
    urn_format_unsized(ty.tup->elem[i], 0, flags, o);
  }
  urn_buf_puts(o, ty.tup->n == 1 ? ",)" : ")");
}

/* An unsized type (function argument or return): "array[,] real" or, old, "real[,]". */
void urn_format_unsized(urn_type ty, unsigned legacy, int flags, urn_buf *o) {
  int postfix = (((legacy & URN_LEG_POSTFIX_DIMS) && !CANON(flags)) || STAN221(flags)) && ty.dims;
  if (ty.dims && !postfix) {
    urn_buf_puts(o, "array[");
    for (int i = 1; i < ty.dims; i++) urn_buf_putc(o, ',');
    urn_buf_puts(o, "] ");
  }
  unsized_elem(ty, flags, o);
  if (postfix) {
    urn_buf_putc(o, '[');
    for (int i = 1; i < ty.dims; i++) urn_buf_putc(o, ',');
    urn_buf_putc(o, ']');
  }
}

static void dims_list(const urn_vardecl *d, int flags, urn_buf *o) {
  for (int i = 0; i < d->ndims; i++) {
    if (i) urn_buf_puts(o, ", ");
    if (d->dims[i]) expr(d->dims[i], flags, P_COND, o);
  }
}

/* The type of a declaration up to the name: "array[N] real<lower=0>" ("real<lower=0>" when
 * the dimensions go after the name). */
static void decl_type(const urn_vardecl *d, int flags, urn_buf *o) {
  int postfix = ((d->legacy & URN_LEG_POSTFIX_DIMS) && !CANON(flags)) || STAN221(flags);
  if (d->ndims && !postfix) {
    urn_buf_puts(o, "array[");
    dims_list(d, flags, o);
    urn_buf_puts(o, "] ");
  }
  if (d->dtype == URN_DT_TUPLE) { /* tuple(T1, ..., Tn): each component its own sized declaration */
    urn_buf_puts(o, "tuple(");
    for (int i = 0; i < d->ncomps; i++) {
      if (i) urn_buf_puts(o, ", ");
      decl_type(d->comps[i], flags, o);
    }
    urn_buf_puts(o, d->ncomps == 1 ? ",)" : ")");
    return;
  }
  urn_buf_puts(o, urn_decl_type_name(d->dtype));
  const char *names[4] = {"lower", "upper", "offset", "multiplier"};
  const urn_expr *vals[4] = {d->lower, d->upper, d->offset, d->multiplier};
  int any = 0;
  for (int i = 0; i < 4; i++) {
    if (!vals[i]) continue;
    urn_buf_puts(o, any ? ", " : "<");
    urn_buf_printf(o, "%s=", names[i]);
    expr(vals[i], flags, P_ADD, o);
    any = 1;
  }
  if (any) urn_buf_putc(o, '>');
  if (d->size1) {
    urn_buf_putc(o, '[');
    expr(d->size1, flags, P_COND, o);
    if (d->size2) {
      urn_buf_puts(o, ", ");
      expr(d->size2, flags, P_COND, o);
    }
    urn_buf_putc(o, ']');
  }
}

/* The name, with old-style dimensions after it when so written. */
static void decl_name(const urn_vardecl *d, int flags, urn_buf *o) {
  urn_buf_puts(o, d->name);
  if ((((d->legacy & URN_LEG_POSTFIX_DIMS) && !CANON(flags)) || STAN221(flags)) && d->ndims) {
    urn_buf_putc(o, '[');
    dims_list(d, flags, o);
    urn_buf_putc(o, ']');
  }
}

void urn_format_decl(const urn_vardecl *d, int flags, urn_buf *out) {
  decl_type(d, flags, out);
  urn_buf_putc(out, ' ');
  decl_name(d, flags, out);
}

/* ------------------------------------------------------------------ */
/* Layout, comments and blank lines                                    */

static void newline(fmt *F) { urn_buf_putc(F->out, '\n'); }

static void indent(fmt *F) {
  for (int i = 0; i < F->indent; i++) urn_buf_puts(F->out, "  ");
}

/* Is source line `line` empty or only whitespace? */
static int blank_line(const fmt *F, int line) {
  if (line < 1 || line > F->nlines) return 0;
  for (size_t k = F->line_off[line]; k < F->line_off[line + 1]; k++) {
    char c = F->p->src[k];
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '\f' && c != '\v') return 0;
  }
  return 1;
}

/* Does the output end an opening line ("... {\n") or is it empty? */
static int after_open(const fmt *F) {
  const urn_buf *o = F->out;
  return o->len == 0 || (o->len >= 2 && o->data[o->len - 1] == '\n' && o->data[o->len - 2] == '{');
}

/* A blank line before an item starting on source line `line` when the source had one. */
static void blank_before(fmt *F, int line) {
  const urn_buf *o = F->out;
  if (after_open(F) || (o->len >= 2 && o->data[o->len - 2] == '\n')) return;
  if (blank_line(F, line - 1)) newline(F);
}

static int before(int l1, int c1, int l2, int c2) { return l1 < l2 || (l1 == l2 && c1 < c2); }

/* Prints one comment: at the end of the previous output line when it followed code on its
 * source line, else on its own line(s) at the current indentation. */
static void comment(fmt *F, const urn_comment *c) {
  urn_buf *o = F->out;
  const char *text = F->p->src + c->off;
  size_t len = c->len;
  if (c->after_code && o->len && o->data[o->len - 1] == '\n' && !(o->len >= 2 && o->data[o->len - 2] == '\n')) {
    o->len--; /* back onto the previous line */
    o->data[o->len] = 0;
    urn_buf_puts(o, "  ");
  } else {
    blank_before(F, c->line);
    indent(F);
  }
  if (c->kind == URN_COM_HASH && CANON(F->flags)) {
    urn_buf_puts(o, "//");
    urn_buf_append(o, text + 1, len - 1);
  } else {
    urn_buf_append(o, text, len);
  }
  newline(F);
}

/* Prints the comments that start before line:col. */
static void comments_before(fmt *F, int line, int col) {
  while (F->ci < F->p->ncomments) {
    const urn_comment *c = &F->p->comments[F->ci];
    if (!before(c->line, c->col, line, col)) break;
    F->ci++;
    comment(F, c);
  }
}

/* Starts a line for an item at source line:col: its comments, a blank line if the source had one,
 * the indentation. */
static void start_item(fmt *F, int line, int col) {
  comments_before(F, line, col);
  blank_before(F, line);
  indent(F);
}

/* ------------------------------------------------------------------ */
/* Statements                                                          */

static void stmt(fmt *F, const urn_stmt *s);

/* The closing brace of a block that ends at line:col. */
static void close_brace(fmt *F, int line, int col) {
  F->indent++;
  comments_before(F, line, col);
  F->indent--;
  indent(F);
  urn_buf_putc(F->out, '}');
}

static void stmts(fmt *F, urn_stmt *const *ss, int n, int hoisted);

static void block_body(fmt *F, const urn_stmt *b) {
  urn_buf_puts(F->out, "{\n");
  F->indent++;
  if (STAN221(F->flags)) stmts(F, b->stmts, b->nstmts, 0);
  else
    for (int i = 0; i < b->nstmts; i++) stmt(F, b->stmts[i]);
  F->indent--;
  close_brace(F, b->end_line, b->end_col);
}

/* The body of a loop or branch after its header; ends with the output at the end of the body's
 * last line (no newline). */
static void body(fmt *F, const urn_stmt *b) {
  if (b->kind == URN_ST_BLOCK && !b->profile) {
    urn_buf_putc(F->out, ' ');
    block_body(F, b);
  } else if (CANON(F->flags)) { /* braces around every body, as stanc's canonical form */
    urn_buf_puts(F->out, " {\n");
    F->indent++;
    stmt(F, b);
    F->indent--;
    F->out->len--; /* stmt ended with a newline */
    F->out->data[F->out->len] = 0;
    newline(F);
    indent(F);
    urn_buf_putc(F->out, '}');
  } else {
    newline(F);
    F->indent++;
    stmt(F, b);
    F->indent--;
    F->out->len--;
    F->out->data[F->out->len] = 0;
  }
}

/* Consecutive DECL statements that came from one declaration (`real a, b = 1;`): how many. */
static int decl_group(const urn_stmt *const *ss, int n, int flags) {
  int k = 1;
  while (k < n && ss[k]->kind == URN_ST_DECL && ss[k]->line == ss[0]->line && ss[k]->col == ss[0]->col &&
         ss[k]->decl->dtype == ss[0]->decl->dtype)
    k++;
  if (k > 1 && CANON(flags)) /* old-style dimensions may differ per name: one declaration each */
    for (int i = 0; i < k; i++)
      if (ss[i]->decl->legacy & URN_LEG_POSTFIX_DIMS) return 1;
  return k;
}

static void decls(fmt *F, const urn_stmt *const *ss, int n) {
  start_item(F, ss[0]->line, ss[0]->col);
  decl_type(ss[0]->decl, F->flags, F->out);
  for (int i = 0; i < n; i++) {
    const urn_vardecl *d = ss[i]->decl;
    urn_buf_puts(F->out, i ? ", " : " ");
    decl_name(d, F->flags, F->out);
    if (d->init) {
      urn_buf_puts(F->out, " = ");
      expr(d->init, F->flags, P_COND, F->out);
    }
  }
  urn_buf_puts(F->out, ";\n");
}

/* Stan 2.21: the declarations of a program block's top level after its first statement, declared
 * (without initial value) after the leading declarations; their initial values stay in place as
 * assignments (stmts() with hoisted = 1). */
static void hoisted_decls(fmt *F, urn_stmt *const *ss, int n) {
  int i = 0;
  while (i < n && ss[i]->kind == URN_ST_DECL) i++;
  for (; i < n; i++) {
    if (ss[i]->kind != URN_ST_DECL) continue;
    const urn_vardecl *d = ss[i]->decl;
    indent(F);
    decl_type(d, F->flags, F->out);
    urn_buf_putc(F->out, ' ');
    decl_name(d, F->flags, F->out);
    urn_buf_puts(F->out, ";\n");
  }
}

/* A list of statements, grouping multi-name declarations.  For Stan 2.21, a declaration after a
 * statement is printed as an assignment of its initial value when hoisted (see hoisted_decls), else
 * it opens a nested block that runs to the end of the list. */
static void stmts(fmt *F, urn_stmt *const *ss, int n, int hoisted) {
  int seen_stmt = 0;
  for (int i = 0; i < n;) {
    if (ss[i]->kind == URN_ST_DECL && seen_stmt && STAN221(F->flags)) {
      if (!hoisted) {
        indent(F);
        urn_buf_puts(F->out, "{\n");
        F->indent++;
        stmts(F, ss + i, n - i, 0);
        F->indent--;
        indent(F);
        urn_buf_puts(F->out, "}\n");
        return;
      }
      const urn_vardecl *d = ss[i++]->decl;
      if (!d->init) continue;
      start_item(F, ss[i - 1]->line, ss[i - 1]->col);
      urn_buf_printf(F->out, "%s = ", d->name);
      expr(d->init, F->flags, P_COND, F->out);
      urn_buf_puts(F->out, ";\n");
      continue;
    }
    if (ss[i]->kind == URN_ST_DECL) {
      int k = decl_group((const urn_stmt *const *)ss + i, n - i, F->flags);
      decls(F, (const urn_stmt *const *)ss + i, k);
      i += k;
    } else {
      if (!seen_stmt && hoisted && STAN221(F->flags)) hoisted_decls(F, ss, n);
      seen_stmt = 1;
      stmt(F, ss[i++]);
    }
  }
}

static void printables(fmt *F, const char *word, const urn_stmt *s) {
  urn_buf_printf(F->out, "%s(", word);
  expr_list(s->args, s->nargs, F->flags, 0, F->out);
  urn_buf_puts(F->out, ");");
}

static void tilde(fmt *F, const urn_stmt *s) {
  urn_buf *o = F->out;
  expr(s->lhs, F->flags, P_COND, o);
  urn_buf_printf(o, " ~ %s(", s->dist);
  expr_list(s->args, s->nargs, F->flags, 0, o);
  urn_buf_putc(o, ')');
  if (s->truncated) {
    urn_buf_puts(o, " T[");
    if (s->trunc_lo) expr(s->trunc_lo, F->flags, P_COND, o);
    urn_buf_puts(o, ", ");
    if (s->trunc_hi) expr(s->trunc_hi, F->flags, P_COND, o);
    urn_buf_putc(o, ']');
  }
  urn_buf_putc(o, ';');
}

static void if_stmt(fmt *F, const urn_stmt *s) {
  urn_buf *o = F->out;
  urn_buf_puts(o, "if (");
  expr(s->cond, F->flags, P_COND, o);
  urn_buf_putc(o, ')');
  body(F, s->body);
  if (!s->else_body) return;
  int braced = (s->body->kind == URN_ST_BLOCK && !s->body->profile) || CANON(F->flags);
  if (braced) {
    urn_buf_puts(o, " else");
  } else {
    newline(F);
    indent(F);
    urn_buf_puts(o, "else");
  }
  if (s->else_body->kind == URN_ST_IF) { /* else if: flattened */
    urn_buf_putc(o, ' ');
    if_stmt(F, s->else_body);
  } else {
    body(F, s->else_body);
  }
}

/* The statement's text after the indentation, without the final newline. */
static void stmt_text(fmt *F, const urn_stmt *s) {
  urn_buf *o = F->out;
  int old = !CANON(F->flags);
  switch (s->kind) {
    case URN_ST_DECL: break; /* printed by decls() */
    case URN_ST_ASSIGN:
      expr(s->lhs, F->flags, P_COND, o);
      urn_buf_printf(o, " %s ", old && (s->legacy & URN_LEG_ARROW) ? "<-" : urn_assign_op_name(s->op));
      expr(s->rhs, F->flags, P_COND, o);
      urn_buf_putc(o, ';');
      break;
    case URN_ST_TILDE: tilde(F, s); break;
    case URN_ST_TARGET:
    case URN_ST_JACOBIAN:
      if (old && (s->legacy & URN_LEG_INCREMENT)) {
        urn_buf_puts(o, "increment_log_prob(");
        expr(s->rhs, F->flags, P_COND, o);
        urn_buf_puts(o, ");");
      } else if (old && (s->legacy & URN_LEG_LP_VAR)) {
        urn_buf_printf(o, "lp__ %s lp__ + ", s->legacy & URN_LEG_ARROW ? "<-" : "=");
        expr(s->rhs, F->flags, P_ADD + 1, o);
        urn_buf_putc(o, ';');
      } else {
        urn_buf_puts(o, s->kind == URN_ST_TARGET ? "target += " : "jacobian += ");
        expr(s->rhs, F->flags, P_COND, o);
        urn_buf_putc(o, ';');
      }
      break;
    case URN_ST_FOR:
      urn_buf_printf(o, "for (%s in ", s->decl->name);
      expr(s->lo, F->flags, P_OR, o);
      urn_buf_putc(o, ':');
      expr(s->hi, F->flags, P_OR, o);
      urn_buf_putc(o, ')');
      body(F, s->body);
      break;
    case URN_ST_FOREACH:
      urn_buf_printf(o, "for (%s in ", s->decl->name);
      expr(s->rhs, F->flags, P_COND, o);
      urn_buf_putc(o, ')');
      body(F, s->body);
      break;
    case URN_ST_WHILE:
      urn_buf_puts(o, "while (");
      expr(s->cond, F->flags, P_COND, o);
      urn_buf_putc(o, ')');
      body(F, s->body);
      break;
    case URN_ST_IF: if_stmt(F, s); break;
    case URN_ST_BREAK: urn_buf_puts(o, "break;"); break;
    case URN_ST_CONTINUE: urn_buf_puts(o, "continue;"); break;
    case URN_ST_RETURN:
      urn_buf_puts(o, s->rhs ? "return " : "return");
      if (s->rhs) expr(s->rhs, F->flags, P_COND, o);
      urn_buf_putc(o, ';');
      break;
    case URN_ST_PRINT: printables(F, "print", s); break;
    case URN_ST_REJECT: printables(F, "reject", s); break;
    case URN_ST_FATAL: printables(F, "fatal_error", s); break;
    case URN_ST_BLOCK:
      if (s->profile && !STAN221(F->flags)) urn_buf_printf(o, "profile(\"%s\") ", s->profile);
      block_body(F, s);
      break;
    case URN_ST_CALL:
      expr(s->rhs, F->flags, P_COND, o);
      urn_buf_putc(o, ';');
      break;
    case URN_ST_EMPTY: urn_buf_putc(o, ';'); break;
    default: urn_buf_puts(o, "<?>;");
  }
}

static void stmt(fmt *F, const urn_stmt *s) {
  if (s->kind == URN_ST_DECL) {
    decls(F, &s, 1);
    return;
  }
  start_item(F, s->line, s->col);
  stmt_text(F, s);
  newline(F);
}

/* ------------------------------------------------------------------ */
/* Functions and the program                                           */

static void fundef(fmt *F, const urn_fundef *f) {
  int line = f->start_line ? f->start_line : f->line, col = f->start_line ? f->start_col : f->col;
  start_item(F, line, col);
  urn_buf *o = F->out;
  urn_format_unsized(f->ret, f->legacy, F->flags, o);
  int old = !CANON(F->flags);
  urn_buf_printf(o, " %s(", old && (f->legacy & URN_LEG_RENAMED) && f->written ? f->written : f->name);
  for (int i = 0; i < f->nparams; i++) {
    const urn_vardecl *a = f->params[i];
    if (i) urn_buf_puts(o, ", ");
    if (a->data_only) urn_buf_puts(o, "data ");
    urn_format_unsized(a->ty, a->legacy, F->flags, o);
    urn_buf_printf(o, " %s", a->name);
  }
  urn_buf_putc(o, ')');
  if (!f->body) {
    urn_buf_puts(o, ";\n");
    return;
  }
  urn_buf_putc(o, ' ');
  block_body(F, f->body);
  newline(F);
}

static void program_block(fmt *F, int blk) {
  const urn_block *b = &F->p->blocks[blk];
  start_item(F, b->line, b->col);
  urn_buf_printf(F->out, "%s {\n", urn_block_name(blk));
  F->indent++;
  if (blk == URN_BLK_FUNCTIONS)
    for (int i = 0; i < F->p->nfuns; i++) fundef(F, F->p->funs[i]);
  else
    stmts(F, b->stmts, b->nstmts, blk == URN_BLK_TDATA || blk == URN_BLK_TPARAMS || blk == URN_BLK_GQ);
  F->indent--;
  close_brace(F, b->end_line, b->end_col);
  newline(F);
}

void urn_format_program(const urn_program *p, int flags, urn_buf *out) {
  if (STAN221(flags)) flags |= URN_FMT_CANONICAL;
  fmt F = {p, flags, out, 0, NULL, 0, 0};
  int nlines = 1;
  for (size_t k = 0; k < p->len; k++) nlines += p->src[k] == '\n';
  F.line_off = urn_xmalloc((size_t)(nlines + 2) * sizeof *F.line_off);
  F.line_off[1] = 0;
  int l = 1;
  for (size_t k = 0; k < p->len; k++)
    if (p->src[k] == '\n') F.line_off[++l] = k + 1;
  F.line_off[nlines + 1] = p->len;
  F.nlines = nlines;
  for (int blk = 0; blk < URN_BLK_COUNT; blk++)
    if (p->blocks[blk].present) program_block(&F, blk);
  comments_before(&F, 1 << 30, 0);
  free(F.line_off);
}
