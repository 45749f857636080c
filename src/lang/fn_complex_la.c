/* lang/fn_complex_la.c — complex linear algebra built-ins: products (matrix,
 * dot, rows/columns), reductions (sum, prod, trace, cumulative_sum),
 * transpose and diagonal functions, mdivide_right, the discrete Fourier
 * transforms (fft, inv_fft, fft2, inv_fft2), eigenvalues and eigenvectors of
 * general and Hermitian matrices, the complex Schur decomposition and the
 * singular values and vectors of complex matrices.  Numerics: math/cplx.h and
 * math/fft.h.
 *
 * Gradients: the adjoint of a complex quantity X is carried as
 * X-bar = dL/dRe X + i dL/dIm X, so a holomorphic linear map Y = M X has
 * X-bar = M^H Y-bar.  Products, fft and mdivide_right are one reverse
 * callback per call (C = A B: A-bar = C-bar B^H, B-bar = A^H C-bar); small
 * reductions write their partials on nodes.  Eigenvalues of a general matrix
 * use A-bar = V^-H diag(lambda-bar) V^H (distinct eigenvalues), Hermitian ones
 * V diag(lambda-bar) V^H, singular values U diag(s-bar) V^H; eigenvectors and
 * singular vectors as described at f_spec (derivatives of the computed phase
 * convention).  The Schur factors have no derivative here: they reject when
 * their argument depends on parameters.  The tuple-returning eigendecompose,
 * eigendecompose_sym (complex), complex_schur_decompose and svd (complex) are
 * the same functions with all their outputs ("(c1,c2):args" signatures).
 *
 * Decisions (docs/language.md): dot_product, rows_dot_product and
 * columns_dot_product of complex vectors conjugate their first argument
 * (Eigen's sesquilinear dot, which Stan calls); dot_product of two arrays of
 * complex numbers does not (Stan's loop); dot_self and the *_dot_self
 * functions are sums of squared moduli. */
#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lang/fn.h"
#include "lang/fn_complex.h"
#include "lang/fn_shape.h"
#include "math/cplx.h"
#include "math/fft.h"

typedef double complex cd;

static int is_var(const urn_val *a) { return a->ix != NULL; }


/* A complex result of base b with sizes (rows, cols) for the matrix bases, rows for vectors. */
static void cx_result(urn_ev *ev, urn_val *out, int base, int rows, int cols, int var) {
  int32_t dim[2] = {base == URN_TY_COMPLEX_ROW_VECTOR ? cols : rows, cols};
  urn_val_alloc(ev, out, (urn_type){(unsigned char)base, 0}, dim, var);
}

/* Stores the complex values w[0..n) in out and, when out is taped, makes every part a fresh node
 * (the outputs of a callback); returns the first node. */
static int32_t cx_store(urn_ev *ev, urn_val *out, const cd *w) {
  size_t n = urn_cx_count(out);
  for (size_t i = 0; i < n; i++) out->v[2 * i] = creal(w[i]), out->v[2 * i + 1] = cimag(w[i]);
  int32_t first = (int32_t)ev->tape.n;
  if (out->ix)
    for (size_t i = 0; i < 2 * n; i++) out->ix[i] = urn_tape_var(&ev->tape, out->v[i]);
  return first;
}

/* ---- callbacks ---- */

typedef struct cx_cb {
  urn_val a, b;            /* inputs (headers: values and nodes live in the arena) */
  urn_val out;             /* the output */
  cd *s1, *s2;             /* saved numerics (meaning per function) */
  size_t m, k, n;          /* sizes (meaning per function) */
  int kind;                /* function-specific switch */
} cx_cb;

static cx_cb *cb_new(urn_ev *ev, const urn_val *a, const urn_val *b, const urn_val *out) {
  cx_cb *c = urn_arena_alloc(&ev->arena, sizeof *c);
  memset(c, 0, sizeof *c);
  c->a = *a;
  if (b) c->b = *b;
  c->out = *out;
  return c;
}

/* ---- matrix products ---- */

/* C = A B with A (m x k), B (k x n), column-major complex arrays. */
static void cmatmul(cd *C, const cd *A, const cd *B, size_t m, size_t k, size_t n) {
  for (size_t j = 0; j < n; j++)
    for (size_t i = 0; i < m; i++) {
      cd s = 0;
      for (size_t l = 0; l < k; l++) s += A[i + l * m] * B[l + j * k];
      C[i + j * m] = s;
    }
}

static void matmul_reverse(urn_tape *t, void *data) {
  cx_cb *c = data;
  size_t m = c->m, k = c->k, n = c->n;
  const cd *A = c->s1, *B = c->s2;
  for (size_t i = 0; i < m; i++) /* A-bar = C-bar B^H */
    for (size_t l = 0; l < k && c->a.ix; l++) {
      cd s = 0;
      for (size_t j = 0; j < n; j++) s += urn_cx_out_adj(t, c->out.ix, i + j * m) * conj(B[l + j * k]);
      urn_cx_add_adj(t, &c->a, c->a.ix, i + l * m, s);
    }
  for (size_t l = 0; l < k && c->b.ix; l++) /* B-bar = A^H C-bar */
    for (size_t j = 0; j < n; j++) {
      cd s = 0;
      for (size_t i = 0; i < m; i++) s += conj(A[i + l * m]) * urn_cx_out_adj(t, c->out.ix, i + j * m);
      urn_cx_add_adj(t, &c->b, c->b.ix, l + j * k, s);
    }
}

/* multiply of complex (or promoted) matrices, vectors and row vectors; aux2 is the result base. */
static void f_matmul(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int na) {
  const urn_val *x = &args[0], *y = &args[1];
  size_t m = urn__lang_rows(x), k = urn__lang_cols(x), k2 = urn__lang_rows(y), n = urn__lang_cols(y);
  if (k != k2) urn_ev_reject(ev, "multiply: the columns of the first argument (%zu) must match the rows of the second (%zu)", k, k2);
  int var = is_var(x) || is_var(y);
  cx_result(ev, out, b->aux2, (int)m, (int)n, var);
  cd *A = urn_cx_load(ev, x), *B = urn_cx_load(ev, y), *C = (cd *)urn_ev_doubles(ev, 2 * m * n);
  cmatmul(C, A, B, m, k, n);
  int32_t first = cx_store(ev, out, C);
  if (!var) return;
  cx_cb *c = cb_new(ev, x, y, out);
  c->s1 = A, c->s2 = B, c->m = m, c->k = k, c->n = n;
  urn_tape_callback_add(&ev->tape, first, matmul_reverse, c);
}

/* ---- dot products and reductions (partials on nodes) ---- */

/* sum_i c(a_i) b_i over the elements a0 + i sa, b0 + i sb (i < K); conj: c = conj. */
static void dot_into(urn_ev *ev, urn_val *out, size_t oi, const urn_val *a, size_t a0, size_t sa, const urn_val *b,
                     size_t b0, size_t sb, size_t K, int conj_first) {
  cd s = 0;
  int32_t *op = urn_arena_alloc(&ev->arena, (4 * K + 1) * sizeof *op);
  cd *d = (cd *)urn_ev_doubles(ev, 8 * K + 2);
  for (size_t i = 0; i < K; i++) {
    cd x = urn_cx_get(a, a0 + i * sa, &op[4 * i], &op[4 * i + 1]), y = urn_cx_get(b, b0 + i * sb, &op[4 * i + 2], &op[4 * i + 3]);
    cd cx = conj_first ? conj(x) : x;
    s += cx * y;
    d[4 * i] = y, d[4 * i + 1] = (conj_first ? -I : I) * y; /* d/dx_a, d/dy_a */
    d[4 * i + 2] = cx, d[4 * i + 3] = I * cx;                /* d/dx_b, d/dy_b */
  }
  urn_cx_put2(ev, out, oi, s, op, d, (int)(2 * K));
}

/* sum_i |a_i|^2 (a complex number with zero imaginary part). */
static void sqnorm_into(urn_ev *ev, urn_val *out, size_t oi, const urn_val *a, size_t a0, size_t sa, size_t K) {
  double s = 0;
  int32_t *op = urn_arena_alloc(&ev->arena, (2 * K + 1) * sizeof *op);
  cd *d = (cd *)urn_ev_doubles(ev, 4 * K + 2);
  for (size_t i = 0; i < K; i++) {
    cd x = urn_cx_get(a, a0 + i * sa, &op[2 * i], &op[2 * i + 1]);
    s += creal(x) * creal(x) + cimag(x) * cimag(x);
    d[2 * i] = 2 * creal(x), d[2 * i + 1] = 2 * cimag(x);
  }
  urn_cx_put2(ev, out, oi, s, op, d, (int)K);
}

static void f_dot_product(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int na) {
  size_t K = urn_cx_count(&args[0]);
  if (urn_cx_count(&args[1]) != K)
    urn_ev_reject(ev, "dot_product: the arguments have %zu and %zu elements, but must have the same size", K, urn_cx_count(&args[1]));
  urn_val_alloc(ev, out, (urn_type){URN_TY_COMPLEX, 0}, NULL, is_var(&args[0]) || is_var(&args[1]));
  dot_into(ev, out, 0, &args[0], 0, 1, &args[1], 0, 1, K, args[0].ty.dims == 0);
}

static void f_dot_self(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int na) {
  urn_val_alloc(ev, out, (urn_type){URN_TY_COMPLEX, 0}, NULL, is_var(&args[0]));
  sqnorm_into(ev, out, 0, &args[0], 0, 1, urn_cx_count(&args[0]));
}

/* rows_/columns_dot_product (two arguments) and rows_/columns_dot_self (one); aux2: 1 for columns. */
static void f_rowcol_dot(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int na) {
  const urn_val *x = &args[0], *y = na > 1 ? &args[1] : NULL;
  size_t r = urn__lang_rows(x), c = urn__lang_cols(x);
  if (y && (urn__lang_rows(y) != r || urn__lang_cols(y) != c))
    urn_ev_reject(ev, "%s: the arguments are %zu x %zu and %zu x %zu, but must have the same size", b->name, r, c, urn__lang_rows(y),
                  urn__lang_cols(y));
  int cols = b->aux2;
  size_t nout = cols ? c : r, len = cols ? r : c;
  cx_result(ev, out, cols ? URN_TY_COMPLEX_ROW_VECTOR : URN_TY_COMPLEX_VECTOR, (int)nout, (int)nout, is_var(x) || (y && is_var(y)));
  for (size_t q = 0; q < nout; q++) {
    size_t start = cols ? q * r : q, step = cols ? 1 : r;
    if (y) dot_into(ev, out, q, x, start, step, y, start, step, len, 1);
    else sqnorm_into(ev, out, q, x, start, step, len);
  }
}

/* sum, prod, trace: one complex result; aux2 0 sum, 1 prod, 2 trace. */
static void f_reduce(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int na) {
  const urn_val *a = &args[0];
  size_t n = urn_cx_count(a), step = 1, K = n;
  if (b->aux2 == 2) {
    size_t r = urn__lang_rows(a), c = urn__lang_cols(a);
    K = r < c ? r : c, step = r + 1;
  }
  urn_val_alloc(ev, out, (urn_type){URN_TY_COMPLEX, 0}, NULL, is_var(a));
  int32_t *op = urn_arena_alloc(&ev->arena, (2 * K + 1) * sizeof *op);
  cd *z = (cd *)urn_ev_doubles(ev, 2 * K + 2), *d = (cd *)urn_ev_doubles(ev, 2 * K + 2), acc = b->aux2 == 1 ? 1 : 0;
  for (size_t i = 0; i < K; i++) {
    z[i] = urn_cx_get(a, i * step, &op[2 * i], &op[2 * i + 1]);
    acc = b->aux2 == 1 ? acc * z[i] : acc + z[i];
  }
  for (size_t i = 0; i < K && out->ix; i++) {
    if (b->aux2 != 1) { d[i] = 1; continue; }
    cd p = 1; /* the product of the others (exact when z[i] is 0) */
    for (size_t j = 0; j < K; j++)
      if (j != i) p *= z[j];
    d[i] = p;
  }
  urn_cx_put(ev, out, 0, acc, op, d, (int)K);
}

static void f_cumulative_sum(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int na) {
  const urn_val *a = &args[0];
  urn_cx_alloc(ev, out, a, is_var(a));
  cd acc = 0;
  for (size_t i = 0; i < urn_cx_count(a); i++) {
    int32_t op[4] = {-1, -1, -1, -1};
    cd d[2] = {1, 1};
    if (i && out->ix) op[0] = out->ix[2 * i - 2], op[1] = out->ix[2 * i - 1];
    acc += urn_cx_get(a, i, &op[2], &op[3]);
    urn_cx_put(ev, out, i, acc, op, d, 2);
  }
}

/* ---- reshaping and diagonal functions (element copies keep their nodes) ---- */

/* Copies element i of a (promoted when real) to element o of out. */
static void copy_elem(urn_val *out, size_t o, const urn_val *a, size_t i) {
  int32_t r, m;
  cd z = urn_cx_get(a, i, &r, &m);
  out->v[2 * o] = creal(z), out->v[2 * o + 1] = cimag(z);
  if (out->ix) out->ix[2 * o] = r, out->ix[2 * o + 1] = m;
}

static void f_transpose(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int na) {
  const urn_val *a = &args[0];
  int r = (int)urn__lang_rows(a), c = (int)urn__lang_cols(a);
  int base = a->ty.base == URN_TY_COMPLEX_VECTOR || a->ty.base == URN_TY_VECTOR ? URN_TY_COMPLEX_ROW_VECTOR
             : a->ty.base == URN_TY_COMPLEX_ROW_VECTOR || a->ty.base == URN_TY_ROW_VECTOR ? URN_TY_COMPLEX_VECTOR
                                                                                         : URN_TY_COMPLEX_MATRIX;
  cx_result(ev, out, base, c, r, is_var(a));
  for (int j = 0; j < c; j++)
    for (int i = 0; i < r; i++) copy_elem(out, (size_t)j + (size_t)i * (size_t)c, a, (size_t)i + (size_t)j * (size_t)r);
}

static void f_diag_matrix(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int na) {
  size_t n = urn_cx_count(&args[0]);
  cx_result(ev, out, URN_TY_COMPLEX_MATRIX, (int)n, (int)n, is_var(&args[0]));
  memset(out->v, 0, out->n * sizeof(double));
  for (size_t i = 0; i < n; i++) copy_elem(out, i + i * n, &args[0], i);
}

static void f_diagonal(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int na) {
  size_t r = urn__lang_rows(&args[0]), c = urn__lang_cols(&args[0]), n = r < c ? r : c;
  cx_result(ev, out, URN_TY_COMPLEX_VECTOR, (int)n, 1, is_var(&args[0]));
  for (size_t i = 0; i < n; i++) copy_elem(out, i, &args[0], i + i * r);
}

static void f_symmetrize(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int na) {
  size_t r = urn__lang_rows(&args[0]), c = urn__lang_cols(&args[0]);
  if (r != c) urn_ev_reject(ev, "symmetrize_from_lower_tri: Expecting a square matrix; rows of m (%zu) and columns of m (%zu) must match", r, c);
  cx_result(ev, out, URN_TY_COMPLEX_MATRIX, (int)r, (int)r, is_var(&args[0]));
  for (size_t j = 0; j < r; j++)
    for (size_t i = 0; i < r; i++) copy_elem(out, i + j * r, &args[0], i >= j ? i + j * r : j + i * r);
}

/* add_diag(m, d): d a scalar or a vector of the diagonal's length. */
static void f_add_diag(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int na) {
  const urn_val *m = &args[0], *d = &args[1];
  size_t r = urn__lang_rows(m), c = urn__lang_cols(m), k = r < c ? r : c, nd = urn_cx_count(d);
  int scalar = d->ty.dims == 0 && !urn_base_ndim(d->ty.base);
  if (!scalar && nd != k) urn_ev_reject(ev, "add_diag: the diagonal has %zu elements, but the argument has %zu", k, nd);
  cx_result(ev, out, URN_TY_COMPLEX_MATRIX, (int)r, (int)c, is_var(m) || is_var(d));
  for (size_t i = 0; i < r * c; i++) copy_elem(out, i, m, i);
  for (size_t i = 0; i < k; i++) {
    int32_t op[4];
    cd z = urn_cx_get(m, i + i * r, &op[0], &op[1]) + urn_cx_get(d, scalar ? 0 : i, &op[2], &op[3]), dd[2] = {1, 1};
    urn_cx_put(ev, out, i + i * r, z, op, dd, 2);
  }
}

/* diag_pre_multiply(v, m) = diag(v) m; diag_post_multiply(m, v) = m diag(v) (aux2 1). */
static void f_diag_multiply(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int na) {
  int post = b->aux2;
  const urn_val *m = post ? &args[0] : &args[1], *v = post ? &args[1] : &args[0];
  size_t r = urn__lang_rows(m), c = urn__lang_cols(m), nv = urn_cx_count(v);
  if (nv != (post ? c : r)) urn_ev_reject(ev, "%s: the vector has %zu elements, but the matrix has %zu %s", b->name, nv, post ? c : r, post ? "columns" : "rows");
  cx_result(ev, out, URN_TY_COMPLEX_MATRIX, (int)r, (int)c, is_var(m) || is_var(v));
  for (size_t j = 0; j < c; j++)
    for (size_t i = 0; i < r; i++) {
      int32_t op[4];
      cd x = urn_cx_get(m, i + j * r, &op[0], &op[1]), y = urn_cx_get(v, post ? j : i, &op[2], &op[3]), d[2] = {y, x};
      urn_cx_put(ev, out, i + j * r, x * y, op, d, 2);
    }
}

/* ---- mdivide_right: C = B A^-1 ---- */

static void mdr_reverse(urn_tape *t, void *data) {
  cx_cb *c = data;
  size_t m = c->m, n = c->n; /* B, C: m x n; A: n x n; s1 = A then scratch, s2 = C */
  cd *G = c->s1 + n * n;     /* B-bar, m x n */
  /* B-bar = C-bar A^-H, i.e. B-bar^H = A^-1 C-bar^H */
  cd *W = G + m * n;
  for (size_t i = 0; i < m; i++)
    for (size_t j = 0; j < n; j++) W[j + i * n] = conj(urn_cx_out_adj(t, c->out.ix, i + j * m));
  /* A W' = W: solve with the saved A (in Ah as A itself) */
  if (urn_csolve(n, c->s1, W, m)) return; /* A W = C-bar^H: W = B-bar^H */
  for (size_t i = 0; i < m; i++)
    for (size_t j = 0; j < n; j++) G[i + j * m] = conj(W[j + i * n]); /* B-bar */
  for (size_t i = 0; i < m * n && c->b.ix; i++) urn_cx_add_adj(t, &c->b, c->b.ix, i, G[i]);
  if (!c->a.ix) return;
  const cd *C = c->s2; /* A-bar = -C^H B-bar (n x n) */
  for (size_t k = 0; k < n; k++)
    for (size_t l = 0; l < n; l++) {
      cd s = 0;
      for (size_t i = 0; i < m; i++) s += conj(C[i + k * m]) * G[i + l * m];
      urn_cx_add_adj(t, &c->a, c->a.ix, k + l * n, -s);
    }
}

static void f_mdivide_right(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int na) {
  const urn_val *B = &args[0], *A = &args[1];
  size_t m = urn__lang_rows(B), n = urn__lang_cols(B);
  if (urn__lang_rows(A) != n || urn__lang_cols(A) != n)
    urn_ev_reject(ev, "mdivide_right: the second argument must be a %zu x %zu matrix (got %zu x %zu)", n, n, urn__lang_rows(A), urn__lang_cols(A));
  int var = is_var(A) || is_var(B);
  cx_result(ev, out, b->aux2, (int)m, (int)n, var);
  cd *Az = urn_cx_load(ev, A), *Bz = urn_cx_load(ev, B);
  /* C A = B  <=>  A^T C^T = B^T */
  cd *At = (cd *)urn_ev_doubles(ev, 2 * n * n), *X = (cd *)urn_ev_doubles(ev, 2 * m * n + 2), *C = (cd *)urn_ev_doubles(ev, 2 * m * n + 2);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) At[j + i * n] = Az[i + j * n];
  for (size_t i = 0; i < m; i++)
    for (size_t j = 0; j < n; j++) X[j + i * n] = Bz[i + j * m];
  if (urn_csolve(n, At, X, m)) urn_ev_reject(ev, "mdivide_right: the matrix is singular");
  for (size_t i = 0; i < m; i++)
    for (size_t j = 0; j < n; j++) C[i + j * m] = X[j + i * n];
  int32_t first = cx_store(ev, out, C);
  if (!var) return;
  cx_cb *c = cb_new(ev, A, B, out);
  c->m = m, c->n = n;
  c->s1 = (cd *)urn_ev_doubles(ev, 2 * (n * n + 2 * m * n) + 2);
  memcpy(c->s1, Az, sizeof(cd) * n * n);
  c->s2 = C;
  urn_tape_callback_add(&ev->tape, first, mdr_reverse, c);
}

/* ---- Fourier transforms ---- */

/* aux2: 0 fft, 1 inv_fft, 2 fft2, 3 inv_fft2. */
static void fft_reverse(urn_tape *t, void *data) {
  cx_cb *c = data;
  size_t m = c->m, n = c->n, N = m * n;
  int inv = c->kind & 1, two = c->kind >= 2;
  cd *g = c->s1;
  for (size_t i = 0; i < N; i++) g[i] = urn_cx_out_adj(t, c->out.ix, i);
  /* forward y = F x: x-bar = F^H y-bar = N inv(y-bar); inverse y = F^H x / N: x-bar = F y-bar / N */
  if (two) urn_dft2(m, n, (double *)g, !inv);
  else urn_dft(N, (double *)g, !inv);
  double scale = inv ? 1.0 / (double)N : (double)N;
  for (size_t i = 0; i < N; i++) urn_cx_add_adj(t, &c->a, c->a.ix, i, g[i] * scale);
}

static void f_fft(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int na) {
  const urn_val *a = &args[0];
  int two = b->aux2 >= 2, inv = b->aux2 & 1;
  size_t m = urn__lang_rows(a), n = two ? urn__lang_cols(a) : 1;
  cx_result(ev, out, two ? URN_TY_COMPLEX_MATRIX : URN_TY_COMPLEX_VECTOR, (int)m, (int)n, is_var(a));
  cd *z = urn_cx_load(ev, a);
  if (two) urn_dft2(m, n, (double *)z, inv);
  else urn_dft(m, (double *)z, inv);
  int32_t first = cx_store(ev, out, z);
  if (!is_var(a)) return;
  cx_cb *c = cb_new(ev, a, NULL, out);
  c->m = m, c->n = n, c->kind = b->aux2, c->s1 = (cd *)urn_ev_doubles(ev, 2 * m * n + 2);
  urn_tape_callback_add(&ev->tape, first, fft_reverse, c);
}

/* ---- eigen and singular values ---- */

static cd *square(urn_ev *ev, const urn_builtin *b, const urn_val *a, size_t *n) {
  size_t r = urn__lang_rows(a), c = urn__lang_cols(a);
  if (r != c) urn_ev_reject(ev, "%s: Expecting a square matrix; rows of m (%zu) and columns of m (%zu) must match", b->name, r, c);
  for (size_t i = 0; i < urn_cx_count(a); i++) {
    cd z = urn_cx_get(a, i, NULL, NULL);
    if (!isfinite(creal(z)) || !isfinite(cimag(z))) urn_ev_reject(ev, "%s: m[%zu] is not finite", b->name, i + 1);
  }
  *n = r;
  return urn_cx_load(ev, a);
}

/* ---- eigendecompositions and singular value decompositions, with their vectors ----
 *
 * One forward function (f_spec) for eigenvalues/eigenvectors/eigendecompose of general matrices (kind 0),
 * of Hermitian ones (_sym, kind 1) and for singular_values/svd_U/svd_V/svd (kind 2); aux2 = kind * 16 +
 * the outputs (SP_VAL, SP_VEC: eigenvectors or U, SP_V: V; SP_TUPLE: all of them as a tuple).
 *
 * Gradients of the vectors follow the phase conventions of math/cplx.h (each vector's largest entry real
 * positive, for the SVD on the V side of the m >= n problem), so they are the derivatives of the computed
 * values for any loss (not only phase-invariant ones).  With dV = V C:
 *  - general: X = V^-1 dA V, C_jk = X_jk / (lambda_k - lambda_j) (j != k), C_kk fixed by unit norm
 *    (Re C_kk = -Re sum_j (V^H V)_kj C_jk) and the phase (Im(V C)_pk = 0); A-bar = V^-H K V^H with
 *    K = diag(lambda-bar) + conj(F) o G', G = V^H V-bar corrected for C_kk's dependence on C_jk;
 *  - Hermitian: the same with V^-1 = V^H, the result read back through the lower triangle;
 *  - SVD (B = A or A^H so that B is m x n, m >= n; B = U S V^H): P = U^H dB V gives dS = Re diag P,
 *    the off-diagonal parts of U^H dU, V^H dV from P and P^H, Im diag(U^H dU) - Im diag(V^H dV) =
 *    Im diag(P) / s and the common phase from V's convention; plus (I - U U^H) dB V S^-1 for U.
 * Repeated eigenvalues / singular values (and zero singular values) have no vector derivatives: such calls
 * reject when the matrix depends on parameters and vectors are asked for. */

enum { SP_VAL = 1, SP_VEC = 2, SP_V = 4, SP_TUPLE = 8 };

typedef struct spec_cb {
  urn_val a;                   /* the input */
  int kind, trans;             /* kind 0/1/2; SVD computed on A^H (m < n) */
  size_t m, n;                 /* the (possibly transposed) problem: B is m x n, m >= n for the SVD */
  cd *lam;                     /* eigenvalues (kind 0, 1) */
  double *s;                   /* singular values (kind 2) */
  cd *V, *Vi, *U;              /* eigenvectors and V^-1 (kind 0) / U (m x n), V (n x n) of B (kind 2) */
  size_t *piv;                 /* per column of V: the entry its phase convention fixes */
  const int32_t *ival, *ivec, *iv2; /* nodes of the outputs: values, vectors (eigen) or U, V (user's) */
} spec_cb;

/* adjoint of output matrix (nodes ix, complex, rows x cols) as a column-major array; zeros when absent */
static cd *out_adj_mat(urn_tape *t, const int32_t *ix, size_t count, cd *buf) {
  for (size_t i = 0; i < count; i++) buf[i] = ix ? urn_cx_out_adj(t, ix, i) : 0;
  return buf;
}

static void spec_reverse(urn_tape *t, void *data) {
  spec_cb *c = data;
  size_t m = c->m, n = c->n;
  cd *G = urn_xmalloc(sizeof(cd) * (4 * m * n + 4 * n * n + 4)), *W1 = G + n * n, *W2 = W1 + m * n,
     *K = W2 + m * n, *Xb = K + n * n, *Ub = Xb + m * n;
  if (c->kind < 2) {
    /* G = V^H V-bar, then K */
    cd *Vb = out_adj_mat(t, c->ivec, n * n, W1);
    for (size_t j = 0; j < n; j++)
      for (size_t k = 0; k < n; k++) {
        cd s = 0;
        for (size_t i = 0; i < n; i++) s += conj(c->V[i + j * n]) * Vb[i + k * n];
        G[j + k * n] = s;
      }
    for (size_t k = 0; k < n; k++) {
      size_t p = c->piv[k];
      double vpk = creal(c->V[p + k * n]), ggk = creal(G[k + k * n]), hgk = cimag(G[k + k * n]);
      for (size_t j = 0; j < n; j++) {
        if (j == k) {
          cd lb = c->ival ? urn_cx_out_adj(t, c->ival, k) : 0;
          K[k + k * n] = c->kind == 1 ? creal(lb) : lb;
          continue;
        }
        cd g = G[j + k * n];
        if (c->kind == 0) { /* unit norm: Re C_kk = -Re sum_j M_kj C_jk, M = V^H V */
          cd mkj = 0;
          for (size_t i = 0; i < n; i++) mkj += conj(c->V[i + k * n]) * c->V[i + j * n];
          g -= ggk * conj(mkj);
        }
        if (c->ivec && vpk > 0) g -= hgk / vpk * I * conj(c->V[p + j * n]); /* the phase of the pivot */
        cd f = 1.0 / (c->lam[k] - c->lam[j]);
        K[j + k * n] = c->ivec ? conj(f) * g : 0;
      }
    }
    /* A-bar = L K V^H with L = V^-H (general) or V (Hermitian) */
    for (size_t i = 0; i < n; i++)
      for (size_t q = 0; q < n; q++) {
        cd s = 0;
        for (size_t r = 0; r < n; r++) s += K[i + r * n] * conj(c->V[q + r * n]);
        W2[i + q * n] = s; /* K V^H */
      }
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < n; j++) {
        cd s = 0;
        for (size_t r = 0; r < n; r++) s += (c->kind == 0 ? conj(c->Vi[r + i * n]) : c->V[i + r * n]) * W2[r + j * n];
        Xb[i + j * n] = s;
      }
    for (size_t j = 0; j < n; j++)
      for (size_t i = 0; i < n; i++) {
        cd g = Xb[i + j * n];
        if (c->kind == 1) { /* Hermitian: read through the lower triangle */
          if (i < j) continue;
          g = i == j ? creal(g) : g + conj(Xb[j + i * n]);
        }
        urn_cx_add_adj(t, &c->a, c->a.ix, i + j * n, g);
      }
    free(G);
    return;
  }
  /* SVD of B (m x n, m >= n): the user's U-bar / V-bar are B's V-bar / U-bar when transposed */
  const int32_t *iu = c->trans ? c->iv2 : c->ivec, *iv = c->trans ? c->ivec : c->iv2;
  cd *Uadj = out_adj_mat(t, iu, m * n, Ub), *Vadj = out_adj_mat(t, iv, n * n, W1);
  cd *GU = K, *GV = G, *Pb = W2;
  for (size_t j = 0; j < n; j++)
    for (size_t k = 0; k < n; k++) {
      cd su = 0, sv = 0;
      for (size_t i = 0; i < m; i++) su += conj(c->U[i + j * m]) * Uadj[i + k * m];
      for (size_t i = 0; i < n; i++) sv += conj(c->V[i + j * n]) * Vadj[i + k * n];
      GU[j + k * n] = su, GV[j + k * n] = sv;
      Pb[j + k * n] = 0;
    }
  for (size_t k = 0; k < n; k++) { /* the common phase: Im C_V,kk from V's pivot */
    size_t p = c->piv[k];
    double vpk = creal(c->V[p + k * n]), th = cimag(GV[k + k * n]) + cimag(GU[k + k * n]);
    if (vpk > 0)
      for (size_t j = 0; j < n; j++)
        if (j != k) GV[j + k * n] -= th / vpk * I * conj(c->V[p + j * n]);
  }
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) {
      if (i == j) {
        double sb = c->ival && c->ival[i] >= 0 ? t->adj[c->ival[i]] : 0;
        Pb[i + i * n] += sb + (c->s[i] > 0 ? I * cimag(GU[i + i * n]) / c->s[i] : 0);
        continue;
      }
      double f = 1 / (c->s[j] * c->s[j] - c->s[i] * c->s[i]);
      cd a = GU[i + j * n], b = GV[i + j * n];
      Pb[i + j * n] += c->s[j] * f * a + c->s[i] * f * b;
      Pb[j + i * n] += c->s[i] * f * conj(a) + c->s[j] * f * conj(b);
    }
  /* B-bar = U P-bar V^H + (I - U U^H) U-bar S^-1 V^H */
  for (size_t i = 0; i < m; i++)
    for (size_t q = 0; q < n; q++) {
      cd s = 0;
      for (size_t r = 0; r < n; r++) s += c->U[i + r * m] * Pb[r + q * n];
      Xb[i + q * m] = s; /* U P-bar */
    }
  if (iu) { /* (I - U U^H) U-bar S^-1, added to U P-bar */
    for (size_t q = 0; q < n; q++) {
      for (size_t r = 0; r < n; r++) GU[r] = 0;
      for (size_t r = 0; r < n; r++)
        for (size_t i = 0; i < m; i++) GU[r] += conj(c->U[i + r * m]) * Uadj[i + q * m];
      for (size_t i = 0; i < m; i++) {
        cd pr = Uadj[i + q * m];
        for (size_t r = 0; r < n; r++) pr -= c->U[i + r * m] * GU[r];
        Xb[i + q * m] += c->s[q] > 0 ? pr / c->s[q] : 0;
      }
    }
  }
  for (size_t i = 0; i < m; i++)
    for (size_t j = 0; j < n; j++) {
      cd s = 0;
      for (size_t r = 0; r < n; r++) s += Xb[i + r * m] * conj(c->V[j + r * n]);
      /* B-bar_ij; A-bar = B-bar^H when transposed */
      if (c->trans) urn_cx_add_adj(t, &c->a, c->a.ix, j + i * n, conj(s));
      else urn_cx_add_adj(t, &c->a, c->a.ix, i + j * m, s);
    }
  free(G);
}

/* Are the sorted values x[0..k) distinct (relative 1e-10) and, for the SVD, nonzero? */
static int spec_distinct(const cd *lam, const double *s, size_t k) {
  double big = 0;
  for (size_t i = 0; i < k; i++) big = fmax(big, lam ? cabs(lam[i]) : fabs(s[i]));
  double tol = 1e-10 * (big > 0 ? big : 1);
  for (size_t i = 0; i < k; i++)
    for (size_t j = i + 1; j < k; j++)
      if ((lam ? cabs(lam[i] - lam[j]) : fabs(s[i] - s[j])) <= tol) return 0;
  if (s)
    for (size_t i = 0; i < k; i++)
      if (s[i] <= tol) return 0;
  return 1;
}

/* A fresh complex output (rows x cols) holding w, nodes made when var. */
static void spec_out(urn_ev *ev, urn_val *out, int base, size_t rows, size_t cols, const cd *w, int var) {
  cx_result(ev, out, base, (int)rows, (int)cols, var);
  size_t cnt = urn_cx_count(out);
  for (size_t i = 0; i < cnt; i++) out->v[2 * i] = creal(w[i]), out->v[2 * i + 1] = cimag(w[i]);
  if (var)
    for (size_t i = 0; i < 2 * cnt; i++) out->ix[i] = urn_tape_var(&ev->tape, out->v[i]);
}

static void f_spec(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int na) {
  const urn_val *a = &args[0];
  int kind = b->aux2 / 16, want = b->aux2 % 16, var = is_var(a);
  if (want & SP_TUPLE) want |= SP_VAL | SP_VEC | (kind == 2 ? SP_V : 0);
  int vecs = (want & (SP_VEC | SP_V)) != 0;
  spec_cb *c = urn_arena_alloc(&ev->arena, sizeof *c);
  memset(c, 0, sizeof *c);
  c->a = *a, c->kind = kind;
  size_t rows = urn__lang_rows(a), cols = urn__lang_cols(a), k;
  cd *A = NULL;
  if (kind < 2) {
    A = square(ev, b, a, &k);
    c->m = c->n = k;
    c->V = (cd *)urn_ev_doubles(ev, 2 * k * k + 2), c->lam = (cd *)urn_ev_doubles(ev, 2 * k + 2);
    if (kind == 0) {
      if (urn_ceig(k, A, c->lam, c->V)) urn_ev_reject(ev, "%s: the eigenvalue iteration did not converge", b->name);
    } else {
      double *w = urn_ev_doubles(ev, k + 1);
      if (urn_cheig(k, A, w, c->V)) urn_ev_reject(ev, "%s: the eigenvalue iteration did not converge", b->name);
      for (size_t i = 0; i < k; i++) c->lam[i] = w[i];
    }
    if (var && vecs && !spec_distinct(c->lam, NULL, k))
      urn_ev_reject(ev, "%s: repeated eigenvalues: the eigenvectors have no derivative there", b->name);
    if (var && kind == 0) {
      c->Vi = (cd *)urn_ev_doubles(ev, 2 * k * k + 2);
      if (urn_cinverse(k, c->V, c->Vi))
        urn_ev_reject(ev, "%s: the matrix is not diagonalizable: its eigen decomposition has no derivative", b->name);
    }
  } else {
    A = urn_cx_load(ev, a);
    for (size_t i = 0; i < rows * cols; i++)
      if (!isfinite(creal(A[i])) || !isfinite(cimag(A[i]))) urn_ev_reject(ev, "%s: m[%zu] is not finite", b->name, i + 1);
    k = rows < cols ? rows : cols;
    c->trans = rows < cols;
    size_t m = c->trans ? cols : rows, n = k;
    c->m = m, c->n = n;
    cd *B = A;
    if (c->trans) {
      B = (cd *)urn_ev_doubles(ev, 2 * rows * cols + 2);
      for (size_t j = 0; j < cols; j++)
        for (size_t i = 0; i < rows; i++) B[j + i * cols] = conj(A[i + j * rows]);
    }
    c->s = urn_ev_doubles(ev, k + 1), c->U = (cd *)urn_ev_doubles(ev, 2 * m * n + 2), c->V = (cd *)urn_ev_doubles(ev, 2 * n * n + 2);
    if (urn_csvd(m, n, B, c->s, c->U, c->V)) urn_ev_reject(ev, "%s: the SVD iteration did not converge", b->name);
    if (var && vecs && !spec_distinct(NULL, c->s, k))
      urn_ev_reject(ev, "%s: repeated or zero singular values: the singular vectors have no derivative there", b->name);
  }
  size_t n = c->n;
  c->piv = urn_arena_alloc(&ev->arena, (n + 1) * sizeof *c->piv);
  for (size_t q = 0; q < n; q++) c->piv[q] = urn_cx_phase_pivot(c->V + q * n, n);
  /* the outputs */
  int32_t first = (int32_t)ev->tape.n;
  urn_val vals, vec, v2;
  if (want & SP_VAL) {
    if (kind == 2) {
      int32_t dim[1] = {(int32_t)k};
      urn_val_alloc(ev, &vals, (urn_type){URN_TY_VECTOR, 0}, dim, var);
      memcpy(vals.v, c->s, k * sizeof(double));
      if (var)
        for (size_t i = 0; i < k; i++) vals.ix[i] = urn_tape_var(&ev->tape, c->s[i]);
    } else {
      spec_out(ev, &vals, URN_TY_COMPLEX_VECTOR, k, 1, c->lam, var);
    }
    c->ival = vals.ix;
  }
  if (want & SP_VEC) { /* eigenvectors, or the user's U (B's V when transposed) */
    if (kind < 2) spec_out(ev, &vec, URN_TY_COMPLEX_MATRIX, k, k, c->V, var);
    else if (c->trans) spec_out(ev, &vec, URN_TY_COMPLEX_MATRIX, rows, k, c->V, var);
    else spec_out(ev, &vec, URN_TY_COMPLEX_MATRIX, rows, k, c->U, var);
    c->ivec = vec.ix;
  }
  if (want & SP_V) { /* the user's V */
    spec_out(ev, &v2, URN_TY_COMPLEX_MATRIX, cols, k, c->trans ? c->U : c->V, var);
    c->iv2 = v2.ix;
  }
  if (want & SP_TUPLE) {
    urn_val_tuple_alloc(ev, out, (urn_type){URN_TY_TUPLE, 0, urn_builtin_tuple_ret(b->sig)}, NULL);
    if (kind == 2) out->tv[0] = vec, out->tv[1] = vals, out->tv[2] = v2;
    else out->tv[0] = vec, out->tv[1] = vals;
  } else {
    *out = want & SP_VAL ? vals : want & SP_VEC ? vec : v2;
  }
  if (var && k) urn_tape_callback_add(&ev->tape, first, spec_reverse, c);
}

/* complex_schur_decompose_t (aux2 0) / _u (1) / both as the tuple (U, T) (2). */
static void f_schur(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int na) {
  const urn_val *a = &args[0];
  size_t n;
  cd *A = square(ev, b, a, &n), *T = (cd *)urn_ev_doubles(ev, 2 * n * n + 2), *U = (cd *)urn_ev_doubles(ev, 2 * n * n + 2);
  if (is_var(a)) urn_ev_reject(ev, "%s: the Schur factors of a matrix that depends on parameters have no derivative in urn", b->name);
  if (urn_cschur(n, A, T, U)) urn_ev_reject(ev, "%s: the QR iteration did not converge", b->name);
  if (b->aux2 == 2) {
    urn_val_tuple_alloc(ev, out, (urn_type){URN_TY_TUPLE, 0, urn_builtin_tuple_ret(b->sig)}, NULL);
    spec_out(ev, &out->tv[0], URN_TY_COMPLEX_MATRIX, n, n, U, 0);
    spec_out(ev, &out->tv[1], URN_TY_COMPLEX_MATRIX, n, n, T, 0);
    return;
  }
  spec_out(ev, out, URN_TY_COMPLEX_MATRIX, n, n, b->aux2 ? U : T, 0);
}

#define E(name, sig, fn, aux2, doc) {name, sig, fn, NULL, NULL, aux2, 0, doc}

const urn_builtin urn_fn_complex_la_table[] = {
    E("multiply", "~m:~m~m", f_matmul, URN_TY_COMPLEX_MATRIX, "complex matrix product"),
    E("multiply", "~v:~m~v", f_matmul, URN_TY_COMPLEX_VECTOR, "complex matrix times complex vector"),
    E("multiply", "~w:~w~m", f_matmul, URN_TY_COMPLEX_ROW_VECTOR, "complex row vector times complex matrix"),
    E("multiply", "~r:~w~v", f_matmul, URN_TY_COMPLEX, "complex row vector times complex vector (no conjugation)"),
    E("multiply", "~m:~v~w", f_matmul, URN_TY_COMPLEX_MATRIX, "outer product of complex vectors"),
    E("dot_product", "~r:~v~v", f_dot_product, 0, "sum conj(u_i) v_i"),
    E("dot_product", "~r:~v~w", f_dot_product, 0, "sum conj(u_i) v_i"),
    E("dot_product", "~r:~w~v", f_dot_product, 0, "sum conj(u_i) v_i"),
    E("dot_product", "~r:~w~w", f_dot_product, 0, "sum conj(u_i) v_i"),
    E("dot_product", "~r:1~r1~r", f_dot_product, 0, "sum u_i v_i over arrays (no conjugation)"),
    E("dot_self", "~r:~v", f_dot_self, 0, "sum |v_i|^2"), E("dot_self", "~r:~w", f_dot_self, 0, "sum |v_i|^2"),
    E("rows_dot_product", "~v:~v~v", f_rowcol_dot, 0, "per row: sum conj(a_ij) b_ij"),
    E("rows_dot_product", "~v:~w~w", f_rowcol_dot, 0, "per row: sum conj(a_ij) b_ij"),
    E("rows_dot_product", "~v:~m~m", f_rowcol_dot, 0, "per row: sum conj(a_ij) b_ij"),
    E("columns_dot_product", "~w:~v~v", f_rowcol_dot, 1, "per column: sum conj(a_ij) b_ij"),
    E("columns_dot_product", "~w:~w~w", f_rowcol_dot, 1, "per column: sum conj(a_ij) b_ij"),
    E("columns_dot_product", "~w:~m~m", f_rowcol_dot, 1, "per column: sum conj(a_ij) b_ij"),
    E("rows_dot_self", "~v:~v", f_rowcol_dot, 0, "per row: sum |a_ij|^2"), E("rows_dot_self", "~v:~w", f_rowcol_dot, 0, "per row: sum |a_ij|^2"),
    E("rows_dot_self", "~v:~m", f_rowcol_dot, 0, "per row: sum |a_ij|^2"),
    E("columns_dot_self", "~w:~v", f_rowcol_dot, 1, "per column: sum |a_ij|^2"),
    E("columns_dot_self", "~w:~w", f_rowcol_dot, 1, "per column: sum |a_ij|^2"),
    E("columns_dot_self", "~w:~m", f_rowcol_dot, 1, "per column: sum |a_ij|^2"),
    E("sum", "~r:~v", f_reduce, 0, "sum of the elements"), E("sum", "~r:~w", f_reduce, 0, "sum of the elements"),
    E("sum", "~r:~m", f_reduce, 0, "sum of the elements"), E("sum", "~r:1~r", f_reduce, 0, "sum of the elements"),
    E("prod", "~r:~v", f_reduce, 1, "product of the elements"), E("prod", "~r:~w", f_reduce, 1, "product of the elements"),
    E("prod", "~r:~m", f_reduce, 1, "product of the elements"), E("prod", "~r:1~r", f_reduce, 1, "product of the elements"),
    E("trace", "~r:~m", f_reduce, 2, "sum of the diagonal"),
    E("cumulative_sum", "~X:~v", f_cumulative_sum, 0, "running sums"), E("cumulative_sum", "~X:~w", f_cumulative_sum, 0, "running sums"),
    E("cumulative_sum", "~X:1~r", f_cumulative_sum, 0, "running sums"),
    E("transpose", "~w:~v", f_transpose, 0, "transpose (no conjugation)"), E("transpose", "~v:~w", f_transpose, 0, "transpose"),
    E("transpose", "~m:~m", f_transpose, 0, "transpose (no conjugation)"),
    E("diag_matrix", "~m:~v", f_diag_matrix, 0, "the diagonal matrix of a complex vector"),
    E("diagonal", "~v:~m", f_diagonal, 0, "the diagonal of a complex matrix"),
    E("symmetrize_from_lower_tri", "~m:~m", f_symmetrize, 0, "the symmetric matrix of the lower triangle (no conjugation)"),
    E("add_diag", "~m:~m~r", f_add_diag, 0, "adds to the diagonal"), E("add_diag", "~m:~m~v", f_add_diag, 0, "adds to the diagonal"),
    E("add_diag", "~m:~m~w", f_add_diag, 0, "adds to the diagonal"),
    E("diag_pre_multiply", "~m:~v~m", f_diag_multiply, 0, "diag(v) m"), E("diag_pre_multiply", "~m:~w~m", f_diag_multiply, 0, "diag(v) m"),
    E("diag_post_multiply", "~m:~m~v", f_diag_multiply, 1, "m diag(v)"), E("diag_post_multiply", "~m:~m~w", f_diag_multiply, 1, "m diag(v)"),
    E("mdivide_right", "~m:~m~m", f_mdivide_right, URN_TY_COMPLEX_MATRIX, "B A^-1"),
    E("mdivide_right", "~w:~w~m", f_mdivide_right, URN_TY_COMPLEX_ROW_VECTOR, "b A^-1"),
    E("fft", "~v:~v", f_fft, 0, "discrete Fourier transform"), E("inv_fft", "~v:~v", f_fft, 1, "inverse discrete Fourier transform"),
    E("fft2", "~m:~m", f_fft, 2, "2-D discrete Fourier transform"), E("inv_fft2", "~m:~m", f_fft, 3, "inverse 2-D discrete Fourier transform"),
    E("eigenvalues", "~v:m", f_spec, SP_VAL, "eigenvalues of a general matrix, by increasing modulus"),
    E("eigenvalues", "~v:~m", f_spec, SP_VAL, "eigenvalues of a general matrix, by increasing modulus"),
    E("eigenvectors", "~m:m", f_spec, SP_VEC, "unit eigenvectors of a general matrix (largest entry real positive)"),
    E("eigenvectors", "~m:~m", f_spec, SP_VEC, "unit eigenvectors of a general matrix (largest entry real positive)"),
    E("eigendecompose", "(~m,~v):m", f_spec, SP_TUPLE, "(eigenvectors, eigenvalues) of a general matrix"),
    E("eigendecompose", "(~m,~v):~m", f_spec, SP_TUPLE, "(eigenvectors, eigenvalues) of a general matrix"),
    E("eigenvalues_sym", "~v:~m", f_spec, 16 + SP_VAL, "ascending eigenvalues of a Hermitian matrix"),
    E("eigenvectors_sym", "~m:~m", f_spec, 16 + SP_VEC, "eigenvectors of a Hermitian matrix"),
    E("eigendecompose_sym", "(~m,~v):~m", f_spec, 16 + SP_TUPLE, "(eigenvectors, eigenvalues) of a Hermitian matrix"),
    E("complex_schur_decompose_t", "~m:m", f_schur, 0, "the triangular factor T of A = U T U^H"),
    E("complex_schur_decompose_t", "~m:~m", f_schur, 0, "the triangular factor T of A = U T U^H"),
    E("complex_schur_decompose_u", "~m:m", f_schur, 1, "the unitary factor U of A = U T U^H"),
    E("complex_schur_decompose_u", "~m:~m", f_schur, 1, "the unitary factor U of A = U T U^H"),
    E("complex_schur_decompose", "(~m,~m):m", f_schur, 2, "(U, T) with A = U T U^H"),
    E("complex_schur_decompose", "(~m,~m):~m", f_schur, 2, "(U, T) with A = U T U^H"),
    E("singular_values", "v:~m", f_spec, 32 + SP_VAL, "singular values of a complex matrix, decreasing"),
    E("svd_U", "~m:~m", f_spec, 32 + SP_VEC, "left singular vectors of a complex matrix"),
    E("svd_V", "~m:~m", f_spec, 32 + SP_V, "right singular vectors of a complex matrix"),
    E("svd", "(~m,v,~m):~m", f_spec, 32 + SP_TUPLE, "(U, singular values, V) of a complex matrix"),
    {NULL, NULL, NULL, NULL, NULL, 0, 0, NULL}};
