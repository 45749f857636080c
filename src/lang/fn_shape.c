/* lang/fn_shape.c — element copies shared by the real and complex container
 * built-ins (reverse, append_row/append_col, block/row/sub_row/sub_col/col,
 * to_matrix by rows, to_array_2d): one loop each, the element width (real or
 * complex) taken from the result's type.  See fn_shape.h. */
#include "lang/fn_shape.h"

#include "lang/fn.h"

void urn__lang_elem_copy(urn_val *out, size_t o, const urn_val *a, size_t i) {
  if (!urn_base_is_complex(out->ty.base)) {
    out->v[o] = a->v[i];
    if (out->ix) out->ix[o] = urn_val_ix(a, i);
    return;
  }
  if (urn_base_is_complex(a->ty.base)) {
    out->v[2 * o] = a->v[2 * i], out->v[2 * o + 1] = a->v[2 * i + 1];
    if (out->ix) out->ix[2 * o] = urn_val_ix(a, 2 * i), out->ix[2 * o + 1] = urn_val_ix(a, 2 * i + 1);
    return;
  }
  out->v[2 * o] = a->v[i], out->v[2 * o + 1] = 0.0;
  if (out->ix) out->ix[2 * o] = urn_val_ix(a, i), out->ix[2 * o + 1] = -1;
}

void urn__lang_rows_to_cols(urn_val *out, const urn_val *a, size_t r, size_t c) {
  for (size_t j = 0; j < c; j++)
    for (size_t i = 0; i < r; i++) urn__lang_elem_copy(out, i + j * r, a, i * c + j);
}

void urn__lang_block_copy(urn_val *out, const urn_val *a, size_t R, size_t i0, size_t j0, size_t nr, size_t nc) {
  for (size_t j = 0; j < nc; j++)
    for (size_t i = 0; i < nr; i++) urn__lang_elem_copy(out, i + j * nr, a, (i0 + i) + (j0 + j) * R);
}

void urn__lang_append_copy(urn_val *out, const urn_val *x, size_t xr, size_t xc, const urn_val *y, size_t yr, size_t yc, int col) {
  size_t r = col ? xr : xr + yr, c = col ? xc + yc : xc;
  for (size_t j = 0; j < c; j++)
    for (size_t i = 0; i < r; i++) {
      int fx = col ? j < xc : i < xr;
      size_t ii = col || fx ? i : i - xr, jj = !col || fx ? j : j - xc;
      urn__lang_elem_copy(out, i + j * r, fx ? x : y, ii + jj * (fx ? xr : yr));
    }
}

void urn__lang_reverse_copy(urn_val *out, const urn_val *a) {
  size_t elems = out->n / (size_t)urn_base_width(out->ty.base);
  size_t count = a->ty.dims ? (size_t)a->dim[0] : elems, per = count ? elems / count : 0;
  for (size_t k = 0; k < count; k++)
    for (size_t e = 0; e < per; e++) urn__lang_elem_copy(out, k * per + e, a, (count - 1 - k) * per + e);
}
