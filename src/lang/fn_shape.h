/* lang/fn_shape.h — the element loops that real and complex container built-ins
 * (fn_array.c, fn_complex_array.c) share: copies of whole elements with their
 * tape nodes, parameterised by the element width of the result (1 double for a
 * real, 2 for a complex number; a real source promoted into a complex result).
 * No new tape nodes: a result element is a copy of an argument element. */
#ifndef URN_LANG_FN_SHAPE_H
#define URN_LANG_FN_SHAPE_H

#include "lang/eval.h"

/* Rows and columns as Stan counts them, real or complex: a row vector is 1 x n, a vector n x 1, a scalar
 * 1 x 1; for an array, those of its elements. */
static inline size_t urn__lang_rows(const urn_val *a) {
  int b = a->ty.base;
  if (b == URN_TY_ROW_VECTOR || b == URN_TY_COMPLEX_ROW_VECTOR || !urn_base_ndim(b)) return 1;
  return (size_t)a->dim[a->ty.dims];
}
static inline size_t urn__lang_cols(const urn_val *a) {
  int b = a->ty.base;
  if (b == URN_TY_MATRIX || b == URN_TY_COMPLEX_MATRIX) return (size_t)a->dim[a->ty.dims + 1];
  return b == URN_TY_ROW_VECTOR || b == URN_TY_COMPLEX_ROW_VECTOR ? (size_t)a->dim[a->ty.dims] : 1;
}

/* Element o of out <- element i of a (indices count elements, not doubles): urn_base_width(out's base)
 * doubles with their nodes; a real a in a complex out gets imaginary part 0 (constant). */
void urn__lang_elem_copy(urn_val *out, size_t o, const urn_val *a, size_t i);
/* out, column-major r x c <- a's r * c elements read row by row (to_matrix of arrays, by rows).
 * With (c, r) it is the inverse: a column-major r x c matrix a read into row-major out (to_array_2d). */
void urn__lang_rows_to_cols(urn_val *out, const urn_val *a, size_t r, size_t c);
/* out (column-major nr x nc) <- the nr x nc block of column-major a (R rows) whose top-left element is
 * (i0, j0), 0-based.  The caller checked the range. */
void urn__lang_block_copy(urn_val *out, const urn_val *a, size_t R, size_t i0, size_t j0, size_t nr, size_t nc);
/* out (column-major) <- x above y (col 0: append_row, x is xr x xc, y is yr x xc) or x left of y (col 1:
 * append_col, y is xr x yc).  The caller checked the sizes. */
void urn__lang_append_copy(urn_val *out, const urn_val *x, size_t xr, size_t xc, const urn_val *y, size_t yr, size_t yc, int col);
/* out <- a with its first dimension (its elements for a vector) in reverse order; out already has a's shape. */
void urn__lang_reverse_copy(urn_val *out, const urn_val *a);

#endif
