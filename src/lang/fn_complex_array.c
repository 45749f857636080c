/* lang/fn_complex_array.c — complex containers reshaped and sliced: rows,
 * cols, to_vector, to_row_vector, to_matrix (every form), to_array_1d,
 * to_array_2d, rep_vector, rep_row_vector, rep_matrix, reverse, append_row,
 * append_col, block, sub_row, sub_col, row, col.  Every result element is a
 * copy of an argument element with its tape nodes (no new nodes), real-valued
 * arguments promoted where the signature allows.  (size, num_elements, dims,
 * head, tail, segment and rep_array are the generic ones of fn_array.c, which
 * count a complex element once.) */
#include <complex.h>
#include <string.h>

#include "lang/fn.h"
#include "lang/fn_complex.h"
#include "lang/fn_shape.h"

static int is_var(const urn_val *a) { return a->ix != NULL; }

/* A complex result: base COMPLEX_VECTOR/ROW_VECTOR (n = rows or cols) or MATRIX, or an array (dims, dim). */
static void result(urn_ev *ev, urn_val *out, int base, size_t rows, size_t cols, int var) {
  int32_t dim[2] = {(int32_t)(base == URN_TY_COMPLEX_ROW_VECTOR ? cols : rows), (int32_t)cols};
  urn_val_alloc(ev, out, (urn_type){(unsigned char)base, 0}, dim, var);
}
static int32_t size_arg(urn_ev *ev, const urn_builtin *b, const urn_val *a) {
  double s = a->v[0];
  if (!(s >= 0)) urn_ev_reject(ev, "%s: the size is %g, but must be non-negative", b->name, s);
  return (int32_t)s;
}

static void f_rows_cols(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  urn_val_set_scalar(ev, out, URN_TY_INT, (double)(b->aux2 ? urn__lang_cols(&args[0]) : urn__lang_rows(&args[0])), -1);
}

/* to_vector / to_row_vector (aux2 1) of a complex container: its elements in column-major order
 * (arrays of complex numbers in order). */
static void f_to_vec(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  size_t k = urn_cx_count(&args[0]);
  result(ev, out, b->aux2 ? URN_TY_COMPLEX_ROW_VECTOR : URN_TY_COMPLEX_VECTOR, k, k, is_var(&args[0]));
  for (size_t i = 0; i < k; i++) urn__lang_elem_copy(out, i, &args[0], i);
}

/* to_array_1d (column-major) and to_array_2d (aux2 1) of complex vectors and matrices. */
static void f_to_array(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *a = &args[0];
  size_t r = urn__lang_rows(a), c = urn__lang_cols(a);
  int32_t dim[2] = {(int32_t)(b->aux2 ? r : r * c), (int32_t)c};
  urn_val_alloc(ev, out, (urn_type){URN_TY_COMPLEX, (unsigned char)(b->aux2 ? 2 : 1)}, dim, is_var(a));
  if (b->aux2) urn__lang_rows_to_cols(out, a, c, r); /* arrays are row-major */
  else
    for (size_t k = 0; k < r * c; k++) urn__lang_elem_copy(out, k, a, k);
}

/* to_matrix: (m) the same matrix, (v) a column, (rv) a row, (x, rows, cols [, col_major]) refilled,
 * (array[,] complex) by rows, (array[] complex_row_vector) stacked rows. */
static void f_to_matrix(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *a = &args[0];
  size_t total = urn_cx_count(a);
  if (n >= 3) {
    size_t r = (size_t)size_arg(ev, b, &args[1]), c = (size_t)size_arg(ev, b, &args[2]);
    int colmajor = n < 4 || args[3].v[0] != 0;
    if (r * c != total)
      urn_ev_reject(ev, "to_matrix: a %zu x %zu matrix needs %zu elements, but the argument has %zu", r, c, r * c, total);
    result(ev, out, URN_TY_COMPLEX_MATRIX, r, c, is_var(a));
    if (colmajor)
      for (size_t k = 0; k < total; k++) urn__lang_elem_copy(out, k, a, k);
    else urn__lang_rows_to_cols(out, a, r, c);
    return;
  }
  if (a->ty.dims == 2 || (a->ty.dims == 1 && urn_base_ndim(a->ty.base))) { /* rows of an array */
    size_t r = (size_t)a->dim[0], c = r ? total / r : 0;
    result(ev, out, URN_TY_COMPLEX_MATRIX, r, c, is_var(a));
    urn__lang_rows_to_cols(out, a, r, c);
    return;
  }
  result(ev, out, URN_TY_COMPLEX_MATRIX, urn__lang_rows(a), urn__lang_cols(a), is_var(a));
  for (size_t k = 0; k < total; k++) urn__lang_elem_copy(out, k, a, k);
}

/* rep_vector(z, n), rep_row_vector(z, n) (aux2 1), rep_matrix(z, m, n) (aux2 2),
 * rep_matrix(v, n) n columns of v, rep_matrix(rv, m) m rows of rv (aux2 3). */
static void f_rep(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *a = &args[0];
  if (b->aux2 < 2) {
    size_t k = (size_t)size_arg(ev, b, &args[1]);
    result(ev, out, b->aux2 ? URN_TY_COMPLEX_ROW_VECTOR : URN_TY_COMPLEX_VECTOR, k, k, is_var(a));
    for (size_t i = 0; i < k; i++) urn__lang_elem_copy(out, i, a, 0);
    return;
  }
  if (b->aux2 == 2) {
    size_t r = (size_t)size_arg(ev, b, &args[1]), c = (size_t)size_arg(ev, b, &args[2]);
    result(ev, out, URN_TY_COMPLEX_MATRIX, r, c, is_var(a));
    for (size_t i = 0; i < r * c; i++) urn__lang_elem_copy(out, i, a, 0);
    return;
  }
  size_t k = (size_t)size_arg(ev, b, &args[1]), len = urn_cx_count(a);
  int row = a->ty.base == URN_TY_COMPLEX_ROW_VECTOR;
  size_t r = row ? k : len, c = row ? len : k;
  result(ev, out, URN_TY_COMPLEX_MATRIX, r, c, is_var(a));
  for (size_t j = 0; j < c; j++)
    for (size_t i = 0; i < r; i++) urn__lang_elem_copy(out, i + j * r, a, row ? j : i);
}

static void f_reverse(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  urn_cx_alloc(ev, out, &args[0], is_var(&args[0]));
  urn__lang_reverse_copy(out, &args[0]);
}

/* append_row (aux2 0) stacks vertically, append_col (1) side by side; scalars and vectors count as
 * 1 x n / n x 1 blocks.  The result is a vector when both are column vectors / scalars (append_row),
 * a row vector when both are row vectors / scalars (append_col), else a matrix. */
static void f_append(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *x = &args[0], *y = &args[1];
  int col = b->aux2;
  size_t xr = urn__lang_rows(x), xc = urn__lang_cols(x), yr = urn__lang_rows(y), yc = urn__lang_cols(y);
  if (col ? xr != yr : xc != yc)
    urn_ev_reject(ev, "%s: the arguments have %zu and %zu %s, but they must match", b->name, col ? xr : xc, col ? yr : yc, col ? "rows" : "columns");
  size_t r = col ? xr : xr + yr, c = col ? xc + yc : xc;
  int base = b->aux2 == 0 && c == 1 && x->ty.base != URN_TY_COMPLEX_MATRIX && y->ty.base != URN_TY_COMPLEX_MATRIX &&
                     x->ty.base != URN_TY_COMPLEX_ROW_VECTOR && y->ty.base != URN_TY_COMPLEX_ROW_VECTOR
                 ? URN_TY_COMPLEX_VECTOR
             : b->aux2 == 1 && r == 1 && x->ty.base != URN_TY_COMPLEX_MATRIX && y->ty.base != URN_TY_COMPLEX_MATRIX &&
                     x->ty.base != URN_TY_COMPLEX_VECTOR && y->ty.base != URN_TY_COMPLEX_VECTOR
                 ? URN_TY_COMPLEX_ROW_VECTOR
                 : URN_TY_COMPLEX_MATRIX;
  result(ev, out, base, r, c, is_var(x) || is_var(y));
  urn__lang_append_copy(out, x, xr, xc, y, yr, yc, col);
}

/* block(m, i, j, nr, nc), sub_row(m, i, j, n) (aux2 1), sub_col(m, i, j, n) (2), row(m, i) (3), col(m, j) (4). */
static void f_block(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *m = &args[0];
  size_t R = urn__lang_rows(m), C = urn__lang_cols(m);
  long i0 = 1, j0 = 1, nr = (long)R, nc = (long)C;
  switch (b->aux2) {
    case 0: i0 = (long)args[1].v[0], j0 = (long)args[2].v[0], nr = (long)args[3].v[0], nc = (long)args[4].v[0]; break;
    case 1: i0 = (long)args[1].v[0], j0 = (long)args[2].v[0], nr = 1, nc = (long)args[3].v[0]; break;
    case 2: i0 = (long)args[1].v[0], j0 = (long)args[2].v[0], nr = (long)args[3].v[0], nc = 1; break;
    case 3: i0 = (long)args[1].v[0], nr = 1; break;
    default: j0 = (long)args[1].v[0], nc = 1; break;
  }
  if (nr < 0 || nc < 0 || i0 < 1 || j0 < 1 || (size_t)(i0 - 1 + nr) > R || (size_t)(j0 - 1 + nc) > C)
    urn_ev_reject(ev, "%s: rows %ld..%ld and columns %ld..%ld are out of range for a %zu x %zu matrix", b->name, i0, i0 + nr - 1, j0,
                  j0 + nc - 1, R, C);
  int base = b->aux2 == 1 || b->aux2 == 3 ? URN_TY_COMPLEX_ROW_VECTOR : b->aux2 == 2 || b->aux2 == 4 ? URN_TY_COMPLEX_VECTOR : URN_TY_COMPLEX_MATRIX;
  result(ev, out, base, (size_t)nr, (size_t)nc, is_var(m));
  urn__lang_block_copy(out, m, R, (size_t)(i0 - 1), (size_t)(j0 - 1), (size_t)nr, (size_t)nc);
}

#define E(name, sig, fn, aux2, doc) {name, sig, fn, NULL, NULL, aux2, 0, doc}

const urn_builtin urn_fn_complex_array_table[] = {
    E("rows", "i:~v", f_rows_cols, 0, "number of rows"), E("rows", "i:~w", f_rows_cols, 0, "number of rows (1)"),
    E("rows", "i:~m", f_rows_cols, 0, "number of rows"), E("cols", "i:~v", f_rows_cols, 1, "number of columns (1)"),
    E("cols", "i:~w", f_rows_cols, 1, "number of columns"), E("cols", "i:~m", f_rows_cols, 1, "number of columns"),
    E("to_vector", "~v:~v", f_to_vec, 0, "the elements as a complex vector"), E("to_vector", "~v:~w", f_to_vec, 0, "as a column"),
    E("to_vector", "~v:~m", f_to_vec, 0, "the elements in column-major order"), E("to_vector", "~v:1~r", f_to_vec, 0, "the array as a vector"),
    E("to_row_vector", "~w:~v", f_to_vec, 1, "as a row"), E("to_row_vector", "~w:~w", f_to_vec, 1, "the same row vector"),
    E("to_row_vector", "~w:~m", f_to_vec, 1, "the elements in column-major order"),
    E("to_row_vector", "~w:1~r", f_to_vec, 1, "the array as a row vector"),
    E("to_array_1d", "1~r:~v", f_to_array, 0, "the elements as an array"), E("to_array_1d", "1~r:~w", f_to_array, 0, "the elements as an array"),
    E("to_array_1d", "1~r:~m", f_to_array, 0, "the elements in column-major order"),
    E("to_array_2d", "2~r:~m", f_to_array, 1, "the matrix as an array of rows"),
    E("to_matrix", "~m:~m", f_to_matrix, 0, "the same matrix"), E("to_matrix", "~m:~v", f_to_matrix, 0, "a one-column matrix"),
    E("to_matrix", "~m:~w", f_to_matrix, 0, "a one-row matrix"), E("to_matrix", "~m:2~r", f_to_matrix, 0, "a matrix from an array of rows"),
    E("to_matrix", "~m:1~w", f_to_matrix, 0, "stacked row vectors"),
    E("to_matrix", "~m:~mii", f_to_matrix, 0, "refilled column-major"), E("to_matrix", "~m:~vii", f_to_matrix, 0, "filled column-major"),
    E("to_matrix", "~m:~wii", f_to_matrix, 0, "filled column-major"), E("to_matrix", "~m:1~rii", f_to_matrix, 0, "filled column-major"),
    E("to_matrix", "~m:~miii", f_to_matrix, 0, "refilled, column-major unless the last argument is 0"),
    E("to_matrix", "~m:~viii", f_to_matrix, 0, "filled, column-major unless the last argument is 0"),
    E("to_matrix", "~m:~wiii", f_to_matrix, 0, "filled, column-major unless the last argument is 0"),
    E("to_matrix", "~m:1~riii", f_to_matrix, 0, "filled, column-major unless the last argument is 0"),
    E("rep_vector", "~v:~ri", f_rep, 0, "n copies"), E("rep_row_vector", "~w:~ri", f_rep, 1, "n copies"),
    E("rep_matrix", "~m:~rii", f_rep, 2, "m x n copies"), E("rep_matrix", "~m:~vi", f_rep, 3, "n columns, each v"),
    E("rep_matrix", "~m:~wi", f_rep, 3, "m rows, each rv"),
    E("reverse", "~v:~v", f_reverse, 0, "the elements in reverse order"), E("reverse", "~w:~w", f_reverse, 0, "the elements in reverse order"),
    E("append_row", "~v:~r~v", f_append, 0, "stacked vertically"), E("append_row", "~v:~v~r", f_append, 0, "stacked vertically"),
    E("append_row", "~v:~v~v", f_append, 0, "stacked vertically"), E("append_row", "~m:~m~m", f_append, 0, "stacked vertically"),
    E("append_row", "~m:~m~w", f_append, 0, "stacked vertically"), E("append_row", "~m:~w~m", f_append, 0, "stacked vertically"),
    E("append_row", "~m:~w~w", f_append, 0, "stacked vertically"),
    E("append_col", "~w:~r~w", f_append, 1, "side by side"), E("append_col", "~w:~w~r", f_append, 1, "side by side"),
    E("append_col", "~w:~w~w", f_append, 1, "side by side"), E("append_col", "~m:~m~m", f_append, 1, "side by side"),
    E("append_col", "~m:~m~v", f_append, 1, "side by side"), E("append_col", "~m:~v~m", f_append, 1, "side by side"),
    E("append_col", "~m:~v~v", f_append, 1, "side by side"),
    E("block", "~m:~miiii", f_block, 0, "the nr x nc block at (i, j)"), E("sub_row", "~w:~miii", f_block, 1, "n elements of row i from column j"),
    E("sub_col", "~v:~miii", f_block, 2, "n elements of column j from row i"), E("row", "~w:~mi", f_block, 3, "row i"),
    E("col", "~v:~mi", f_block, 4, "column j"),
    {NULL, NULL, NULL, NULL, NULL, 0, 0, NULL}};
