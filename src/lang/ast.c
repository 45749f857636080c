/* lang/ast.c — allocation of AST nodes in the program arena, freeing a
 * program, and the small naming helpers used in messages (type, operator,
 * block and declaration names). */
#include "lang/ast.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void urn_program_free(urn_program *p) {
  if (!p) return;
  urn_arena_free(&p->arena);
  free((void *)p->src);
  free(p);
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

void urn_type_format(urn_type t, char *out, size_t cap) {
  static const char *const base[] = {"<error>", "void", "int", "real", "vector", "row_vector",
                                     "matrix", "function"};
  const char *b = t.base < sizeof base / sizeof *base ? base[t.base] : "?";
  if (cap == 0) return;
  if (t.dims == 0) {
    snprintf(out, cap, "%s", b);
    return;
  }
  char commas[64];
  int n = t.dims - 1 < 63 ? t.dims - 1 : 63;
  memset(commas, ',', (size_t)n);
  commas[n] = 0;
  snprintf(out, cap, "array[%s] %s", commas, b);
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
                                      "row_stochastic_matrix", "sum_to_zero_matrix"};
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
    default: urn_buf_puts(out, "<?>");
  }
}
