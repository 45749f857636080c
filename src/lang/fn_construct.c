/* lang/fn_construct.c — Stan's container constructors: ones_* / zeros_* / one_hot_* (vector, row_vector, real
 * and int arrays), identity_matrix, linspaced_int_array, linspaced_row_vector and uniform_simplex.  Their
 * arguments are sizes and indexes (ints), so results are constants, never taped; sizes and indexes are checked
 * with Stan's messages ("ones_vector: size is -1, but must be nonnegative"). */
#include <math.h>
#include <string.h>

#include "lang/fn.h"

/* The kinds of result (aux2 of the entries). */
enum { K_VECTOR, K_ROW_VECTOR, K_ARRAY, K_INT_ARRAY };

static urn_type kind_type(int kind) {
  switch (kind) {
    case K_VECTOR: return (urn_type){URN_TY_VECTOR, 0};
    case K_ROW_VECTOR: return (urn_type){URN_TY_ROW_VECTOR, 0};
    case K_ARRAY: return (urn_type){URN_TY_REAL, 1};
  }
  return (urn_type){URN_TY_INT, 1};
}

/* A size argument: an int >= 0 (or > 0 when positive). */
static int32_t size_arg(urn_ev *ev, const urn_builtin *b, const urn_val *a, const char *what, int positive) {
  double k = a->v[0];
  if (positive ? !(k > 0) : !(k >= 0))
    urn_ev_reject(ev, "%s: %s is %.0f, but must be %s", b->name, what, k, positive ? "positive" : "nonnegative");
  if (k > 2147483647.0) urn_ev_reject(ev, "%s: %s is %.0f, too large", b->name, what, k);
  return (int32_t)k;
}

/* ones_* and zeros_*: aux2 is the kind, the value is 1 for ones (the doc string decides: "all ones"). */
static void f_fill(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  int32_t dim[1] = {size_arg(ev, b, &args[0], "size", 0)};
  urn_val_alloc(ev, out, kind_type(b->aux2 & 3), dim, 0);
  double v = (b->aux2 & 4) ? 1.0 : 0.0;
  for (size_t i = 0; i < out->n; i++) out->v[i] = v;
}

/* one_hot_*(K, k): size K > 0, a 1 at position k in [1, K]. */
static void f_one_hot(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  int32_t K = size_arg(ev, b, &args[0], "size", 1);
  double k = args[1].v[0];
  if (!(k >= 1 && k <= K)) urn_ev_reject(ev, "%s: k is %.0f, but must be in the interval [1, %d]", b->name, k, K);
  int32_t dim[1] = {K};
  urn_val_alloc(ev, out, kind_type(b->aux2), dim, 0);
  memset(out->v, 0, out->n * sizeof(double));
  out->v[(size_t)k - 1] = 1;
}

static void f_identity_matrix(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  int32_t K = size_arg(ev, b, &args[0], "size", 0), dim[2] = {K, K};
  urn_val_alloc(ev, out, (urn_type){URN_TY_MATRIX, 0}, dim, 0);
  memset(out->v, 0, out->n * sizeof(double));
  for (int32_t i = 0; i < K; i++) out->v[i + (size_t)i * K] = 1;
}

/* linspaced_int_array(K, low, high): K integers from low to high.  When high - low is at least K - 1 the
 * step is (high - low) / (K - 1) rounded down (high is lowered until it is reached exactly); otherwise each
 * value repeats (K + high - low) / (high - low + 1) times; K = 1 gives {high}. */
static void f_linspaced_int(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  int32_t K = size_arg(ev, b, &args[0], "size", 0);
  double lo = args[1].v[0], hi = args[2].v[0];
  if (!(hi >= lo)) urn_ev_reject(ev, "%s: high is %.0f, but must be greater than or equal to %.0f", b->name, hi, lo);
  int32_t dim[1] = {K};
  urn_val_alloc(ev, out, (urn_type){URN_TY_INT, 1}, dim, 0);
  if (K == 1) { out->v[0] = hi; return; }
  double range = hi - lo;
  if (range + 1 < K) {
    double div = floor((K + range) / (range + 1));
    for (int32_t i = 0; i < K; i++) out->v[i] = lo + floor(i / div);
  } else {
    double step = floor(range / (K - 1));
    for (int32_t i = 0; i < K; i++) out->v[i] = lo + i * step;
  }
}

/* linspaced_row_vector(K, low, high): as linspaced_vector (K = 1 gives high). */
static void f_linspaced_row(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  int32_t K = size_arg(ev, b, &args[0], "size", 0);
  double lo = args[1].v[0], hi = args[2].v[0];
  if (!isfinite(lo) || !isfinite(hi)) urn_ev_reject(ev, "%s: low (%g) and high (%g) must be finite", b->name, lo, hi);
  if (!(hi >= lo)) urn_ev_reject(ev, "%s: high is %g, but must be greater than or equal to %g", b->name, hi, lo);
  int32_t dim[1] = {K};
  urn_val_alloc(ev, out, (urn_type){URN_TY_ROW_VECTOR, 0}, dim, 0);
  for (int32_t i = 0; i < K; i++) out->v[i] = K == 1 ? hi : lo + (hi - lo) * i / (K - 1);
  if (K > 1) out->v[K - 1] = hi;
}

static void f_uniform_simplex(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  int32_t K = size_arg(ev, b, &args[0], "size", 1), dim[1] = {K};
  urn_val_alloc(ev, out, (urn_type){URN_TY_VECTOR, 0}, dim, 0);
  for (int32_t i = 0; i < K; i++) out->v[i] = 1.0 / K;
}

#define F(name, sig, fn, aux2, doc) {name, sig, fn, NULL, NULL, aux2, URN_BI_NOVARS, doc}
const urn_builtin urn_fn_construct_table[] = {
    F("ones_vector", "v:i", f_fill, K_VECTOR | 4, "vector of n ones"),
    F("ones_row_vector", "w:i", f_fill, K_ROW_VECTOR | 4, "row vector of n ones"),
    F("ones_array", "1r:i", f_fill, K_ARRAY | 4, "real array of n ones"),
    F("ones_int_array", "1i:i", f_fill, K_INT_ARRAY | 4, "int array of n ones"),
    F("zeros_vector", "v:i", f_fill, K_VECTOR, "vector of n zeros"),
    F("zeros_row_vector", "w:i", f_fill, K_ROW_VECTOR, "row vector of n zeros"),
    F("zeros_array", "1r:i", f_fill, K_ARRAY, "real array of n zeros"),
    F("zeros_int_array", "1i:i", f_fill, K_INT_ARRAY, "int array of n zeros"),
    F("one_hot_vector", "v:ii", f_one_hot, K_VECTOR, "vector of size n with a 1 at position k, else 0"),
    F("one_hot_row_vector", "w:ii", f_one_hot, K_ROW_VECTOR, "row vector of size n with a 1 at position k"),
    F("one_hot_array", "1r:ii", f_one_hot, K_ARRAY, "real array of size n with a 1 at position k"),
    F("one_hot_int_array", "1i:ii", f_one_hot, K_INT_ARRAY, "int array of size n with a 1 at position k"),
    F("identity_matrix", "m:i", f_identity_matrix, 0, "the n x n identity matrix"),
    F("linspaced_int_array", "1i:iii", f_linspaced_int, 0, "n regularly spaced ints from low to high"),
    F("linspaced_row_vector", "w:irr", f_linspaced_row, 0, "row vector of n equally spaced values from low to high"),
    F("uniform_simplex", "v:i", f_uniform_simplex, 0, "the simplex with n equal elements 1/n"),
    {NULL, NULL, NULL, NULL, NULL, 0, 0, NULL}};
