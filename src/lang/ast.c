/* lang/ast.c — allocation of AST nodes in the program arena, freeing a
 * program, and the small naming helpers used in messages (type, operator,
 * block and declaration names). */
#include "lang/ast.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/include.h"

void urn_program_free(urn_program *p) {
  if (!p) return;
  urn_arena_free(&p->arena);
  free((void *)p->src);
  free(p);
}

const char *urn_program_where(const urn_program *p, int line, int *fline) {
  return urn_srcmap_where(p->segs, p->nsegs, p->path, line, fline);
}

urn_expr *urn_ast_expr(urn_program *p, int kind, int line, int col) {
  urn_expr *e = urn_arena_alloc(&p->arena, sizeof *e);
  e->kind = kind;
  e->line = line;
  e->col = col;
  return e;
}

urn_stmt *urn_ast_stmt(urn_program *p, int kind, int line, int col) {
  urn_stmt *s = urn_arena_alloc(&p->arena, sizeof *s);
  s->kind = kind;
  s->line = line;
  s->col = col;
  return s;
}

urn_vardecl *urn_ast_vardecl(urn_program *p, const char *name, int line, int col) {
  urn_vardecl *d = urn_arena_alloc(&p->arena, sizeof *d);
  d->name = name;
  d->line = line;
  d->col = col;
  return d;
}

/* Appends t to b ("array[,] complex_vector", "tuple(real, array[] int)"). */
static void type_append(urn_buf *b, urn_type t) {
  static const char *const base[] = {"<error>", "void", "int", "real", "vector", "row_vector", "matrix", "function",
                                     "complex", "complex_vector", "complex_row_vector", "complex_matrix", "tuple"};
  if (t.dims) {
    urn_buf_puts(b, "array[");
    for (int i = 1; i < t.dims; i++) urn_buf_putc(b, ',');
    urn_buf_puts(b, "] ");
  }
  if (t.base == URN_TY_TUPLE && t.tup) {
    urn_buf_puts(b, "tuple(");
    for (int i = 0; i < t.tup->n; i++) {
      if (i) urn_buf_puts(b, ", ");
      type_append(b, t.tup->elem[i]);
    }
    urn_buf_putc(b, ')');
    return;
  }
  urn_buf_puts(b, t.base < sizeof base / sizeof *base ? base[t.base] : "?");
}

void urn_type_format(urn_type t, char *out, size_t cap) {
  if (cap == 0) return;
  urn_buf b;
  urn_buf_init(&b);
  type_append(&b, t);
  snprintf(out, cap, "%s", b.data ? b.data : "");
  urn_buf_free(&b);
}

int urn_type_eq(urn_type a, urn_type b) {
  if (a.base != b.base || a.dims != b.dims) return 0;
  if (a.base != URN_TY_TUPLE || a.tup == b.tup) return 1;
  if (!a.tup || !b.tup || a.tup->n != b.tup->n) return 0;
  for (int i = 0; i < a.tup->n; i++)
    if (!urn_type_eq(a.tup->elem[i], b.tup->elem[i])) return 0;
  return 1;
}

/* Promotion steps between two non-array, non-tuple bases: -1 when impossible. */
static int base_promotes(int from, int to) {
  if (from == to) return 0;
  if (from == URN_TY_INT && to == URN_TY_REAL) return 1;
  if (from == URN_TY_INT && to == URN_TY_COMPLEX) return 2;
  if (urn_base_to_complex(from) == to && from != to && from != URN_TY_INT) return 1;
  return -1;
}

int urn_type_promotes(urn_type from, urn_type to) {
  if (from.dims != to.dims) return -1;
  if (from.base == URN_TY_TUPLE || to.base == URN_TY_TUPLE) {
    if (from.base != to.base || !from.tup || !to.tup || from.tup->n != to.tup->n) return -1;
    int cost = 0;
    for (int i = 0; i < from.tup->n; i++) {
      urn_type f = from.tup->elem[i], t = to.tup->elem[i];
      int c = urn_type_promotes(f, t);
      if (c < 0) return -1;
      cost += c;
    }
    return cost;
  }
  return base_promotes(from.base, to.base);
}

const char *urn_op_name(int op) {
  static const char *const names[] = {"+", "-", "*", "/", "%", "%/%", "\\", ".*", "./", "^", ".^",
                                      "==", "!=", "<", "<=", ">", ">=", "&&", "||", "-", "+", "!",
                                      "'"};
  return op >= 0 && op < (int)(sizeof names / sizeof *names) ? names[op] : "?";
}

const char *urn_assign_op_name(int op) {
  static const char *const names[] = {"=", "+=", "-=", "*=", "/=", ".*=", "./="};
  return op >= 0 && op < (int)(sizeof names / sizeof *names) ? names[op] : "?";
}

const char *urn_decl_type_name(int dtype) {
  static const char *const names[] = {"int", "real", "vector", "row_vector", "matrix", "simplex",
                                      "unit_vector", "ordered", "positive_ordered",
                                      "cholesky_factor_corr", "cholesky_factor_cov", "corr_matrix",
                                      "cov_matrix", "sum_to_zero_vector", "column_stochastic_matrix",
                                      "row_stochastic_matrix", "sum_to_zero_matrix", "complex", "complex_vector",
                                      "complex_row_vector", "complex_matrix", "tuple"};
  return dtype >= 0 && dtype < (int)(sizeof names / sizeof *names) ? names[dtype] : "?";
}

const char *urn_block_name(int blk) {
  static const char *const names[] = {"functions", "data", "transformed data", "parameters",
                                      "transformed parameters", "model", "generated quantities"};
  return blk >= 0 && blk < URN_BLK_COUNT ? names[blk] : "?";
}

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n > m && memcmp(s + n - m, suffix, m) == 0;
}

int urn_fun_suffix_of(const char *name) {
  static const struct { const char *suffix; int kind; } table[] = {
      {"_lpdf", URN_SUF_LPDF},   {"_lpmf", URN_SUF_LPMF},   {"_lupdf", URN_SUF_LUPDF},
      {"_lupmf", URN_SUF_LUPMF}, {"_lcdf", URN_SUF_LCDF},   {"_lccdf", URN_SUF_LCCDF},
      {"_cdf", URN_SUF_CDF},     {"_rng", URN_SUF_RNG},     {"_lp", URN_SUF_LP},
      {"_jacobian", URN_SUF_JACOBIAN}};
  for (size_t i = 0; i < sizeof table / sizeof *table; i++)
    if (ends_with(name, table[i].suffix)) return table[i].kind;
  return URN_SUF_NONE;
}

static void format_list(urn_expr *const *args, int n, int bar, urn_buf *out) {
  for (int i = 0; i < n; i++) {
    if (i) urn_buf_puts(out, i == 1 && bar ? " | " : ", ");
    urn_expr_format(args[i], out);
  }
}

void urn_expr_format(const urn_expr *e, urn_buf *out) {
  if (!e) {
    urn_buf_puts(out, "<null>");
    return;
  }
  char num[64];
  switch (e->kind) {
    case URN_EX_INT: urn_buf_printf(out, "%d", e->ival); break;
    case URN_EX_REAL:
      urn_format_double(num, sizeof num, e->rval);
      urn_buf_puts(out, num);
      if (!strpbrk(num, ".eEn")) urn_buf_puts(out, ".0");
      break;
    case URN_EX_STRING: urn_buf_printf(out, "\"%s\"", e->str); break;
    case URN_EX_VAR: urn_buf_puts(out, e->name); break;
    case URN_EX_UNARY:
      if (e->op == URN_OP_TRANSPOSE) {
        urn_buf_putc(out, '(');
        urn_expr_format(e->lhs, out);
        urn_buf_puts(out, ")'");
      } else {
        urn_buf_printf(out, "(%s", urn_op_name(e->op));
        urn_expr_format(e->lhs, out);
        urn_buf_putc(out, ')');
      }
      break;
    case URN_EX_BINARY:
      urn_buf_putc(out, '(');
      urn_expr_format(e->lhs, out);
      urn_buf_printf(out, " %s ", urn_op_name(e->op));
      urn_expr_format(e->rhs, out);
      urn_buf_putc(out, ')');
      break;
    case URN_EX_COND:
      urn_buf_putc(out, '(');
      urn_expr_format(e->cond, out);
      urn_buf_puts(out, " ? ");
      urn_expr_format(e->lhs, out);
      urn_buf_puts(out, " : ");
      urn_expr_format(e->rhs, out);
      urn_buf_putc(out, ')');
      break;
    case URN_EX_CALL:
      urn_buf_printf(out, "%s(", e->name);
      format_list(e->args, e->nargs, e->has_bar, out);
      urn_buf_putc(out, ')');
      break;
    case URN_EX_INDEX:
      urn_expr_format(e->lhs, out);
      urn_buf_putc(out, '[');
      for (int i = 0; i < e->nidx; i++) {
        const urn_index *ix = &e->idx[i];
        if (i) urn_buf_puts(out, ", ");
        if (ix->lo) urn_expr_format(ix->lo, out);
        if (ix->kind == URN_IDX_ALL || ix->kind == URN_IDX_LOWER || ix->kind == URN_IDX_UPPER ||
            ix->kind == URN_IDX_RANGE)
          urn_buf_putc(out, ':');
        if (ix->hi) urn_expr_format(ix->hi, out);
      }
      urn_buf_putc(out, ']');
      break;
    case URN_EX_ARRAY:
      urn_buf_putc(out, '{');
      format_list(e->args, e->nargs, 0, out);
      urn_buf_putc(out, '}');
      break;
    case URN_EX_ROWVEC:
      urn_buf_putc(out, '[');
      format_list(e->args, e->nargs, 0, out);
      urn_buf_putc(out, ']');
      break;
    case URN_EX_TARGET: urn_buf_puts(out, "target()"); break;
    case URN_EX_IMAG:
      urn_format_double(num, sizeof num, e->rval);
      urn_buf_puts(out, num);
      if (!strpbrk(num, ".eEn")) urn_buf_puts(out, ".0");
      urn_buf_putc(out, 'i');
      break;
    case URN_EX_TUPLE:
      urn_buf_putc(out, '(');
      format_list(e->args, e->nargs, 0, out);
      urn_buf_putc(out, ')');
      break;
    case URN_EX_TUPLE_GET:
      urn_expr_format(e->lhs, out);
      urn_buf_printf(out, ".%d", e->ival);
      break;
    default: urn_buf_puts(out, "<?>");
  }
}
