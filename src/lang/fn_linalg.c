/* lang/fn_linalg.c — linear algebra built-ins (Cholesky, inverse, solves,
 * log-determinant, quadratic forms, diagonal products, cross products,
 * Gaussian-process covariance) and the HMM built-ins.
 *
 * Small elementwise or dot-product results are tape nodes with explicit
 * partials; factorizations (cholesky_decompose, inverse, mdivide_left) are
 * one reverse callback each, using the standard matrix adjoints;
 * hmm_marginal is ONE node whose partials come from forward-backward
 * (include/urn/hmm.h): smoothed marginals for log_omega, expected
 * transition counts over Gamma for Gamma, first-step posterior over rho. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lang/fn.h"
#include "math/linalg.h"
#include "urn/hmm.h"

static int is_var(const urn_val *x) { return x->ix != NULL; }

/* ---- callback machinery: outputs are fresh nodes, the callback adds input adjoints ---- */
typedef struct mat_cb {
  size_t n, m;          /* sizes (meaning per function) */
  double *a;            /* saved values (e.g. L, or the inverse) */
  double *b;            /* more saved values */
  const int32_t *in1;   /* input nodes (NULL when constant) */
  const int32_t *in2;   /* second input's nodes */
  int32_t *out;         /* output nodes (-1 where constant) */
  size_t nout;          /* number of outputs */
} mat_cb;

static double *copy_d(urn_ev *ev, const double *x, size_t n) {
  double *p = urn_ev_doubles(ev, n);
  memcpy(p, x, n * sizeof(double));
  return p;
}
static void out_nodes(urn_ev *ev, urn_val *out, int32_t *first) {
  *first = (int32_t)ev->tape.n;
  for (size_t i = 0; i < out->n; i++) out->ix[i] = urn_tape_var(&ev->tape, out->v[i]);
}
static void gather_adj(const urn_tape *t, const int32_t *out, size_t n, double *g) {
  for (size_t i = 0; i < n; i++) g[i] = out[i] >= 0 ? t->adj[out[i]] : 0;
}

/* cholesky_decompose's adjoint, element by element: the factorization in reverse.  Forward, row i and
 * column j <= i take s = A_ij - sum_{k<j} L_ik L_jk, then L_ii = sqrt(s) or L_ij = s / L_jj; backward, for i
 * and then j descending, s-bar = L-bar_ij / (2 L_ii) or L-bar_ij / L_jj (with L-bar_jj -= s-bar L_ij), A-bar_ij
 * += s-bar, and s-bar flows to L_ik and L_jk for k < j.  ~n^3/3 multiply-adds and n divisions, where the
 * matrix form A-bar = L^-T Phi(L^T L-bar) L^-1 took a product and two triangular solves (~2 n^3 and n^2
 * divisions: gp_pois_regr, n = 11, spent a third of its gradient there).  The adjoint of a lower element
 * (i, j) is that of A_ij and A_ji together, as before. */
static void chol_reverse(urn_tape *t, void *data) {
  mat_cb *c = data;
  size_t n = c->n;
  double *Lb = c->b, *L = c->a;
  gather_adj(t, c->out, n * n, Lb);
  double rd[n > 0 ? n : 1]; /* 1 / L_jj */
  for (size_t j = 0; j < n; j++) rd[j] = 1 / L[j + j * n];
  for (size_t i = n; i-- > 0;)
    for (size_t j = i + 1; j-- > 0;) {
      double sb = i == j ? 0.5 * Lb[i + i * n] * rd[i] : Lb[i + j * n] * rd[j];
      if (i != j) Lb[j + j * n] -= sb * L[i + j * n];
      for (size_t k = 0; k < j; k++) {
        Lb[i + k * n] -= sb * L[j + k * n];
        Lb[j + k * n] -= sb * L[i + k * n];
      }
      int32_t a = c->in1[i + j * n];
      if (a >= 0) t->adj[a] += sb;
    }
}
static void f_cholesky(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *A = &args[0];
  size_t k = (size_t)A->dim[0];
  if ((size_t)A->dim[1] != k) urn_ev_reject(ev, "cholesky_decompose: Expecting a square matrix; rows of m (%d) and columns of m (%d) must match", A->dim[0], A->dim[1]);
  for (size_t j = 0; j < k; j++)
    for (size_t i = j + 1; i < k; i++)
      if (fabs(A->v[i + j * k] - A->v[j + i * k]) > 1e-8 * (fabs(A->v[i + j * k]) + fabs(A->v[j + i * k]) + 1e-300))
        urn_ev_reject(ev, "cholesky_decompose: m is not symmetric. m[%zu,%zu] = %g, but m[%zu,%zu] = %g", i + 1, j + 1,
                      A->v[i + j * k], j + 1, i + 1, A->v[j + i * k]);
  int32_t dim[2] = {(int32_t)k, (int32_t)k};
  urn_val_alloc(ev, out, (urn_type){URN_TY_MATRIX, 0}, dim, is_var(A));
  /* factor the lower triangle (mirror it so linalg sees a symmetric matrix) */
  double *S = copy_d(ev, A->v, k * k);
  for (size_t j = 0; j < k; j++) for (size_t i = j + 1; i < k; i++) S[j + i * k] = S[i + j * k];
  if (urn_cholesky(out->v, S, k)) urn_ev_reject(ev, "cholesky_decompose: Matrix m is not positive definite");
  if (!is_var(A)) return;
  int32_t first;
  for (size_t j = 0; j < k; j++)
    for (size_t i = 0; i < k; i++) out->ix[i + j * k] = -1;
  first = (int32_t)ev->tape.n;
  for (size_t j = 0; j < k; j++)
    for (size_t i = j; i < k; i++) out->ix[i + j * k] = urn_tape_var(&ev->tape, out->v[i + j * k]);
  mat_cb *c = urn_arena_alloc(&ev->arena, sizeof *c);
  c->n = k, c->a = copy_d(ev, out->v, k * k), c->b = urn_ev_doubles(ev, k * k), c->in1 = A->ix, c->out = out->ix;
  urn_tape_callback_add(&ev->tape, first, chol_reverse, c);
}

/* inverse: A-bar = -B^T B-bar B^T with B = A^-1. */
static void inv_reverse(urn_tape *t, void *data) {
  mat_cb *c = data;
  size_t n = c->n;
  double *Bb = c->b, *B = c->a, T1[n * n > 0 ? n * n : 1], T2[n * n > 0 ? n * n : 1];
  gather_adj(t, c->out, n * n, Bb);
  urn_matmul_tn(T1, B, Bb, n, n, n); /* B^T Bb */
  urn_matmul_nt(T2, T1, B, n, n, n); /* (B^T Bb) B^T */
  for (size_t i = 0; i < n * n; i++) if (c->in1[i] >= 0) t->adj[c->in1[i]] -= T2[i];
}
static void f_inverse(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *A = &args[0];
  size_t k = (size_t)A->dim[0];
  if ((size_t)A->dim[1] != k) urn_ev_reject(ev, "inverse: Expecting a square matrix");
  urn_val_alloc(ev, out, (urn_type){URN_TY_MATRIX, 0}, A->dim, is_var(A));
  if (urn_inverse(out->v, A->v, k)) urn_ev_reject(ev, "inverse: matrix is singular");
  if (!is_var(A)) return;
  int32_t first;
  out_nodes(ev, out, &first);
  mat_cb *c = urn_arena_alloc(&ev->arena, sizeof *c);
  c->n = k, c->a = copy_d(ev, out->v, k * k), c->b = urn_ev_doubles(ev, k * k), c->in1 = A->ix, c->out = out->ix;
  urn_tape_callback_add(&ev->tape, first, inv_reverse, c);
}

/* mdivide_left(A, B) = A^-1 B: B-bar += A^-T C-bar, A-bar -= (A^-T C-bar) C^T. */
static void mdl_reverse(urn_tape *t, void *data) {
  mat_cb *c = data;
  size_t n = c->n, m = c->m;
  double G[n * m > 0 ? n * m : 1];
  gather_adj(t, c->out, n * m, G);
  /* solve A^T X = G using the transposed matrix saved in b */
  if (urn_solve(c->b, G, n, m)) return;
  if (c->in2) for (size_t i = 0; i < n * m; i++) if (c->in2[i] >= 0) t->adj[c->in2[i]] += G[i];
  if (c->in1)
    for (size_t j = 0; j < n; j++)
      for (size_t i = 0; i < n; i++) {
        int32_t a = c->in1[i + j * n];
        if (a < 0) continue;
        double s = 0;
        for (size_t k = 0; k < m; k++) s += G[i + k * n] * c->a[j + k * n];
        t->adj[a] -= s;
      }
}
static void f_mdivide_left(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *A = &args[0], *B = &args[1];
  size_t k = (size_t)A->dim[0], m = B->ty.base == URN_TY_MATRIX ? (size_t)B->dim[1] : 1;
  if ((size_t)A->dim[1] != k || (size_t)B->dim[0] != k)
    urn_ev_reject(ev, "%s: sizes do not match (%d x %d and %d rows)", b->name, A->dim[0], A->dim[1], B->dim[0]);
  int var = is_var(A) || is_var(B);
  urn_val_alloc(ev, out, B->ty, B->dim, var);
  memcpy(out->v, B->v, B->n * sizeof(double));
  if (urn_solve(A->v, out->v, k, m)) urn_ev_reject(ev, "%s: matrix is singular", b->name);
  if (!var) return;
  int32_t first;
  out_nodes(ev, out, &first);
  mat_cb *c = urn_arena_alloc(&ev->arena, sizeof *c);
  c->n = k, c->m = m, c->a = copy_d(ev, out->v, k * m), c->b = urn_ev_doubles(ev, k * k);
  urn_transpose(c->b, A->v, k, k);
  c->in1 = A->ix, c->in2 = B->ix, c->out = out->ix;
  urn_tape_callback_add(&ev->tape, first, mdl_reverse, c);
}

/* x' into fresh storage (values and tape nodes): a vector becomes a row_vector and back, a matrix is transposed. */
static void val_transpose(urn_ev *ev, const urn_val *x, urn_val *out) {
  if (x->ty.base != URN_TY_MATRIX) {
    *out = *x;
    out->ty.base = x->ty.base == URN_TY_VECTOR ? URN_TY_ROW_VECTOR : URN_TY_VECTOR;
    return;
  }
  int32_t r = x->dim[0], c = x->dim[1], dim[2] = {c, r};
  urn_val_alloc(ev, out, x->ty, dim, is_var(x));
  for (int32_t j = 0; j < c; j++)
    for (int32_t i = 0; i < r; i++) {
      out->v[j + (size_t)i * c] = x->v[i + (size_t)j * r];
      if (x->ix) out->ix[j + (size_t)i * c] = x->ix[i + (size_t)j * r];
    }
}

/* mdivide_right(B, A) = B A^-1 (Stan's `B / A`, B a row_vector or a matrix) = (A' \ B')': mdivide_left on
 * the transposes, with its gradient. */
static void f_mdivide_right(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *B = &args[0], *A = &args[1];
  int32_t bcols = B->ty.base == URN_TY_MATRIX ? B->dim[1] : B->dim[0];
  if (A->dim[0] != A->dim[1] || bcols != A->dim[0])
    urn_ev_reject(ev, "%s: sizes do not match (%d columns and a %d x %d matrix)", b->name, bcols, A->dim[0], A->dim[1]);
  urn_val t[2], r;
  val_transpose(ev, A, &t[0]);
  val_transpose(ev, B, &t[1]);
  f_mdivide_left(ev, b, &r, t, 2);
  val_transpose(ev, &r, out);
}

static void f_log_determinant(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *A = &args[0];
  size_t k = (size_t)A->dim[0];
  if ((size_t)A->dim[1] != k) urn_ev_reject(ev, "log_determinant: Expecting a square matrix");
  int sign;
  double v = urn_log_abs_det(A->v, k, &sign);
  if (b->aux2) v = sign * exp(v); /* determinant */
  int32_t ix = -1;
  if (is_var(A)) {
    double *Ai = urn_ev_doubles(ev, k * k);
    if (urn_inverse(Ai, A->v, k)) urn_ev_reject(ev, "%s: matrix is singular", b->name);
    int32_t *o; double *p;
    urn_tape_begin(&ev->tape, k * k, &o, &p);
    size_t m = 0;
    for (size_t j = 0; j < k; j++)
      for (size_t i = 0; i < k; i++)
        if (A->ix[i + j * k] >= 0) o[m] = A->ix[i + j * k], p[m++] = (b->aux2 ? v : 1) * Ai[j + i * k];
    ix = urn_tape_end(&ev->tape, v, m);
  }
  urn_val_set_scalar(ev, out, URN_TY_REAL, v, ix);
}

/* One output element as a dot product of two strided runs (partials on both sides). */
static double dot_push(urn_ev *ev, const urn_val *a, size_t a0, size_t sa, const urn_val *b, size_t b0, size_t sb,
                       size_t K, int32_t *ix) {
  double s = 0;
  for (size_t k = 0; k < K; k++) s += a->v[a0 + k * sa] * b->v[b0 + k * sb];
  if (!a->ix && !b->ix) { *ix = -1; return s; }
  int32_t *o; double *p;
  urn_tape_begin(&ev->tape, 2 * K, &o, &p);
  size_t m = 0;
  for (size_t k = 0; k < K; k++) {
    int32_t x = urn_val_ix(a, a0 + k * sa), y = urn_val_ix(b, b0 + k * sb);
    if (x >= 0) o[m] = x, p[m++] = b->v[b0 + k * sb];
    if (y >= 0) o[m] = y, p[m++] = a->v[a0 + k * sa];
  }
  *ix = urn_tape_end(&ev->tape, s, m);
  return s;
}

/* tcrossprod(A) = A A^T, crossprod(A) = A^T A, multiply_lower_tri_self_transpose(L) = L L^T (lower part of L). */
static void f_crossprod(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  urn_val A = args[0];
  size_t r = (size_t)A.dim[0], c = (size_t)A.dim[1];
  if (b->aux2 == 2) { /* zero the strict upper triangle */
    urn_val L;
    urn_val_copy(ev, &L, &A);
    for (size_t j = 0; j < c; j++)
      for (size_t i = 0; i < j && i < r; i++) { L.v[i + j * r] = 0; if (L.ix) L.ix[i + j * r] = -1; }
    A = L;
  }
  int t = b->aux2 == 1; /* crossprod */
  size_t k = t ? c : r, inner = t ? r : c;
  int32_t dim[2] = {(int32_t)k, (int32_t)k};
  urn_val_alloc(ev, out, (urn_type){URN_TY_MATRIX, 0}, dim, is_var(&A));
  for (size_t j = 0; j < k; j++)
    for (size_t i = 0; i <= j; i++) {
      int32_t ix;
      double v = t ? dot_push(ev, &A, i * r, 1, &A, j * r, 1, inner, &ix) : dot_push(ev, &A, i, r, &A, j, r, inner, &ix);
      out->v[i + j * k] = out->v[j + i * k] = v;
      if (out->ix) out->ix[i + j * k] = out->ix[j + i * k] = ix;
    }
}

static void f_quad_form(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  /* quad_form(A, v) = v' A v (scalar) or B' A B (matrix): through two products */
  const urn_val *A = &args[0], *B = &args[1];
  size_t k = (size_t)A->dim[0];
  size_t m = B->ty.base == URN_TY_MATRIX ? (size_t)B->dim[1] : 1;
  if ((size_t)B->dim[0] != k) urn_ev_reject(ev, "%s: sizes do not match", b->name);
  /* AB = A * B */
  urn_val AB;
  int32_t d2[2] = {(int32_t)k, (int32_t)m};
  urn_val_alloc(ev, &AB, (urn_type){URN_TY_MATRIX, 0}, d2, is_var(A) || is_var(B));
  for (size_t j = 0; j < m; j++)
    for (size_t i = 0; i < k; i++) {
      int32_t ix;
      AB.v[i + j * k] = dot_push(ev, A, i, k, B, j * k, 1, k, &ix);
      if (AB.ix) AB.ix[i + j * k] = ix;
    }
  int32_t d3[2] = {(int32_t)m, (int32_t)m};
  if (m == 1 && B->ty.base != URN_TY_MATRIX) {
    int32_t ix;
    double v = dot_push(ev, B, 0, 1, &AB, 0, 1, k, &ix);
    urn_val_set_scalar(ev, out, URN_TY_REAL, v, ix);
    return;
  }
  urn_val_alloc(ev, out, (urn_type){URN_TY_MATRIX, 0}, d3, AB.ix != NULL || is_var(B));
  for (size_t j = 0; j < m; j++)
    for (size_t i = 0; i < m; i++) {
      int32_t ix;
      out->v[i + j * m] = dot_push(ev, B, i * k, 1, &AB, j * k, 1, k, &ix);
      if (out->ix) out->ix[i + j * m] = ix;
    }
  if (b->aux2) /* quad_form_sym: symmetrize exactly */
    for (size_t j = 0; j < m; j++)
      for (size_t i = 0; i < j; i++) out->v[j + i * m] = out->v[i + j * m];
}

/* diag_pre_multiply(v, M) = diag(v) M; diag_post_multiply(M, v) = M diag(v). */
static void f_diag_mult(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  int pre = b->aux2 == 0;
  const urn_val *v = pre ? &args[0] : &args[1], *M = pre ? &args[1] : &args[0];
  size_t r = (size_t)M->dim[0], c = (size_t)M->dim[1];
  if (v->n != (pre ? r : c)) urn_ev_reject(ev, "%s: size of the vector (%zu) must match the matrix", b->name, v->n);
  int var = is_var(v) || is_var(M);
  urn_val_alloc(ev, out, (urn_type){URN_TY_MATRIX, 0}, M->dim, var);
  for (size_t j = 0; j < c; j++)
    for (size_t i = 0; i < r; i++) {
      size_t q = i + j * r, vi = pre ? i : j;
      out->v[q] = v->v[vi] * M->v[q];
      if (var) out->ix[q] = urn_tape_push2(&ev->tape, out->v[q], urn_val_ix(v, vi), M->v[q], urn_val_ix(M, q), v->v[vi]);
    }
}

static void f_add_diag(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *M = &args[0], *d = &args[1];
  size_t r = (size_t)M->dim[0], c = (size_t)M->dim[1], k = r < c ? r : c;
  if (d->n != 1 && d->n != k) urn_ev_reject(ev, "add_diag: size of the diagonal (%zu) must match (%zu)", d->n, k);
  urn_val_copy(ev, out, M);
  if (is_var(d) && !out->ix) out->ix = urn_ev_nodes(ev, out->n);
  for (size_t i = 0; i < k; i++) {
    size_t q = i + i * r, di = d->n == 1 ? 0 : i;
    out->v[q] += d->v[di];
    if (out->ix) out->ix[q] = urn_tape_push2(&ev->tape, out->v[q], urn_val_ix(M, q), 1, urn_val_ix(d, di), 1);
  }
}

/* columns_dot_product / rows_dot_product (and _self forms). */
static void f_colrow_dot(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *A = &args[0], *B = n > 1 ? &args[1] : &args[0];
  int rows = b->aux2; /* 1: rows_ */
  size_t r = (size_t)urn_val_rows(A), c = (size_t)urn_val_cols(A);
  if (A->ty.base == URN_TY_VECTOR) r = A->n, c = 1;
  if (A->ty.base == URN_TY_ROW_VECTOR) r = 1, c = A->n;
  if (A->n != B->n) urn_ev_reject(ev, "%s: sizes do not match", b->name);
  size_t cnt = rows ? r : c, K = rows ? c : r;
  int32_t dim[1] = {(int32_t)cnt};
  urn_val_alloc(ev, out, (urn_type){(unsigned char)(rows ? URN_TY_VECTOR : URN_TY_ROW_VECTOR), 0}, dim, is_var(A) || is_var(B));
  for (size_t i = 0; i < cnt; i++) {
    int32_t ix;
    out->v[i] = rows ? dot_push(ev, A, i, r, B, i, r, K, &ix) : dot_push(ev, A, i * r, 1, B, i * r, 1, K, &ix);
    if (out->ix) out->ix[i] = ix;
  }
}

static void f_trace(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *A = &args[0];
  size_t r = (size_t)A->dim[0], k = r < (size_t)A->dim[1] ? r : (size_t)A->dim[1];
  double s = 0;
  int32_t *o = NULL; double *p = NULL;
  if (is_var(A)) urn_tape_begin(&ev->tape, k, &o, &p);
  size_t m = 0;
  for (size_t i = 0; i < k; i++) {
    s += A->v[i + i * r];
    if (o && A->ix[i + i * r] >= 0) o[m] = A->ix[i + i * r], p[m++] = 1;
  }
  urn_val_set_scalar(ev, out, URN_TY_REAL, s, o ? urn_tape_end(&ev->tape, s, m) : -1);
}

static void f_sub_colrow(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *M = &args[0];
  int i = (int)args[1].v[0], j = (int)args[2].v[0], len = (int)args[3].v[0];
  int r = M->dim[0], c = M->dim[1], col = b->aux2 == 0;
  if (i < 1 || j < 1 || len < 0 || (col ? (i - 1 + len > r || j > c) : (j - 1 + len > c || i > r)))
    urn_ev_reject(ev, "%s: indexes (%d, %d, %d) out of range for a %d x %d matrix", b->name, i, j, len, r, c);
  int32_t dim[1] = {len};
  if (col) { /* a view of the column's run (column-major storage: fn_slice.c) */
    size_t q = (size_t)(i - 1) + (size_t)(j - 1) * r;
    memset(out, 0, sizeof *out);
    out->ty = (urn_type){URN_TY_VECTOR, 0}, out->dim[0] = len, out->n = (size_t)len;
    out->v = M->v + q, out->ix = M->ix ? M->ix + q : NULL;
    return;
  }
  urn_val_alloc(ev, out, (urn_type){URN_TY_ROW_VECTOR, 0}, dim, is_var(M));
  for (int k = 0; k < len; k++) {
    size_t q = (size_t)(i - 1) + (size_t)(j - 1 + k) * r; /* sub_row: a strided run, copied */
    out->v[k] = M->v[q];
    if (out->ix) out->ix[k] = M->ix[q];
  }
}

/* gp_exp_quad_cov(x, alpha, rho): alpha^2 exp(-|xi - xj|^2 / (2 rho^2)). */
static void f_gp_exp_quad_cov(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *x = &args[0], *al = &args[1], *rh = &args[2];
  size_t N = (size_t)x->dim[0], D = N ? x->n / N : 1;
  double a = al->v[0], r = rh->v[0];
  if (!(a > 0)) urn_ev_reject(ev, "gp_exp_quad_cov: magnitude is %g, but must be positive!", a);
  if (!(r > 0)) urn_ev_reject(ev, "gp_exp_quad_cov: length scale is %g, but must be positive!", r);
  int32_t ia = urn_val_ix(al, 0), ir = urn_val_ix(rh, 0);
  int var = is_var(x) || ia >= 0 || ir >= 0;
  int32_t dim[2] = {(int32_t)N, (int32_t)N};
  urn_val_alloc(ev, out, (urn_type){URN_TY_MATRIX, 0}, dim, var);
  for (size_t j = 0; j < N; j++)
    for (size_t i = j; i < N; i++) {
      double d2 = 0;
      for (size_t k = 0; k < D; k++) { double d = x->v[i * D + k] - x->v[j * D + k]; d2 += d * d; }
      double e = exp(-d2 / (2 * r * r)), v = a * a * e;
      out->v[i + j * N] = out->v[j + i * N] = v;
      if (!var) continue;
      int32_t node;
      if (is_var(x) && i != j) {
        int32_t *o; double *p;
        urn_tape_begin(&ev->tape, 2 + 2 * D, &o, &p);
        size_t m = 0;
        if (ia >= 0) o[m] = ia, p[m++] = 2 * a * e;
        if (ir >= 0) o[m] = ir, p[m++] = v * d2 / (r * r * r);
        for (size_t k = 0; k < D; k++) {
          double dd = -v * (x->v[i * D + k] - x->v[j * D + k]) / (r * r);
          if (x->ix[i * D + k] >= 0) o[m] = x->ix[i * D + k], p[m++] = dd;
          if (x->ix[j * D + k] >= 0) o[m] = x->ix[j * D + k], p[m++] = -dd;
        }
        node = urn_tape_end(&ev->tape, v, m);
      } else {
        node = urn_tape_push2(&ev->tape, v, ia, 2 * a * e, ir, v * d2 / (r * r * r));
      }
      out->ix[i + j * N] = out->ix[j + i * N] = node;
    }
}

/* quad_form_diag(M, v) = diag(v) M diag(v). */
static void f_quad_form_diag(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *M = &args[0], *v = &args[1];
  size_t k = (size_t)M->dim[0];
  if ((size_t)M->dim[1] != k || v->n != k) urn_ev_reject(ev, "quad_form_diag: sizes do not match");
  int var = is_var(M) || is_var(v);
  urn_val_alloc(ev, out, (urn_type){URN_TY_MATRIX, 0}, M->dim, var);
  for (size_t j = 0; j < k; j++)
    for (size_t i = 0; i < k; i++) {
      size_t q = i + j * k;
      double x = v->v[i] * M->v[q] * v->v[j];
      out->v[q] = x;
      if (!var) continue;
      if (i == j) out->ix[q] = urn_tape_push2(&ev->tape, x, urn_val_ix(M, q), v->v[i] * v->v[j], urn_val_ix(v, i), 2 * v->v[i] * M->v[q]);
      else out->ix[q] = urn_tape_push3(&ev->tape, x, urn_val_ix(M, q), v->v[i] * v->v[j], urn_val_ix(v, i), M->v[q] * v->v[j],
                                       urn_val_ix(v, j), v->v[i] * M->v[q]);
    }
}

/* eigenvalues_sym / eigenvectors_sym, ascending as Stan, with the adjoints of
 * the symmetric eigenproblem (A = V diag(l) V'):
 *   eigenvalues:  A-bar = V diag(l-bar) V'
 *   eigenvectors: A-bar = V (F o (V' V-bar)) V',  F_jk = 1 / (l_k - l_j) (j != k), 0 on the diagonal,
 * symmetrized, since only the symmetric part of a perturbation of A is seen
 * (the decomposition reads A as symmetric).  Repeated eigenvalues make the
 * eigenvectors' derivative undefined: rejected when a gap is below 1e-12 relative. */
/* Two eigenvalues equal to rounding (relative gap at most 1e-12).  Their eigenvectors span a subspace in which
 * any rotation is an eigenbasis, so each vector alone has no derivative; a log density that depends on them only
 * through rotation-invariant sums over the subspace (projections, y' A^-1 y as sum (v_k' y)^2 / l_k, a Kronecker
 * GP's quadratic form) does, and its adjoint's pair terms F_ij (M_ij - M_ji) vanish there: the pair is left out,
 * where Stan's 1 / (l_j - l_i) would multiply rounding noise by up to 1e16 (docs/language.md). */
static int eigen_tied(double a, double b) { return !(fabs(a - b) > 1e-12 * (fabs(a) + fabs(b) + 1e-300)); }

static void eigen_reverse(urn_tape *t, void *data) {
  mat_cb *c = data;
  size_t k = c->n;
  const double *V = c->a, *lam = c->b;
  size_t kk = k > 0 ? k * k : 1;
  double *M = urn_xmalloc(kk * sizeof *M), *T = urn_xmalloc(kk * sizeof *T), *G = urn_xmalloc(kk * sizeof *G);
  if (c->m == 0) { /* eigenvalues: M = diag(l-bar) */
    memset(M, 0, kk * sizeof *M);
    for (size_t i = 0; i < k; i++) M[i + i * k] = c->out[i] >= 0 ? t->adj[c->out[i]] : 0;
  } else { /* eigenvectors: M = F o (V' V-bar) */
    double *Vb = G;
    gather_adj(t, c->out, k * k, Vb);
    urn_matmul_tn(M, V, Vb, k, k, k);
    for (size_t col = 0; col < k; col++)
      for (size_t row = 0; row < k; row++)
        M[row + col * k] = row == col || eigen_tied(lam[col], lam[row]) ? 0 : M[row + col * k] / (lam[col] - lam[row]);
  }
  /* G = V M V' */
  for (size_t j = 0; j < k; j++)
    for (size_t i = 0; i < k; i++) {
      double acc = 0;
      for (size_t q = 0; q < k; q++) acc += M[i + q * k] * V[j + q * k];
      T[i + j * k] = acc; /* T = M V' */
    }
  for (size_t j = 0; j < k; j++)
    for (size_t i = 0; i < k; i++) {
      double acc = 0;
      for (size_t q = 0; q < k; q++) acc += V[i + q * k] * T[q + j * k];
      G[i + j * k] = acc;
    }
  for (size_t j = 0; j < k; j++)
    for (size_t i = 0; i < k; i++) {
      int32_t a = c->in1[i + j * k];
      if (a >= 0) t->adj[a] += 0.5 * (G[i + j * k] + G[j + i * k]);
    }
  free(M), free(T), free(G);
}

static void f_eigen_sym(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *A = &args[0];
  size_t k = (size_t)A->dim[0];
  if ((size_t)A->dim[1] != k) urn_ev_reject(ev, "%s: the matrix must be square, but is %d x %d", b->name, A->dim[0], A->dim[1]);
  for (size_t i = 0; i < k * k; i++)
    if (!isfinite(A->v[i])) urn_ev_reject(ev, "%s: the matrix has a non-finite element (%g)", b->name, A->v[i]);
  double *lam = urn_ev_doubles(ev, k), *vec = urn_ev_doubles(ev, k * k);
  if (urn_eigen_sym(A->v, k, lam, vec)) urn_ev_reject(ev, "%s: eigen decomposition failed", b->name);
  int var = is_var(A);
  if (b->aux2 == 0) {
    int32_t dim[1] = {(int32_t)k};
    urn_val_alloc(ev, out, (urn_type){URN_TY_VECTOR, 0}, dim, var);
    memcpy(out->v, lam, k * sizeof(double));
  } else {
    urn_val_alloc(ev, out, (urn_type){URN_TY_MATRIX, 0}, A->dim, var);
    memcpy(out->v, vec, k * k * sizeof(double));
  }
  if (!var || k == 0) return;
  mat_cb *c = urn_arena_alloc(&ev->arena, sizeof *c);
  c->n = k, c->m = (size_t)b->aux2, c->a = vec, c->b = lam, c->in1 = A->ix, c->out = out->ix, c->nout = out->n;
  int32_t first;
  out_nodes(ev, out, &first);
  urn_tape_callback_add(&ev->tape, first, eigen_reverse, c);
}

static const urn_fn_parts eigen_sym_parts = {2, {f_eigen_sym, f_eigen_sym}, {1, 0}};

/* ---- HMM ---- */

static void hmm_args(urn_ev *ev, const char *who, urn_val *args, int *K, size_t *T) {
  const urn_val *lo = &args[0], *G = &args[1], *rho = &args[2];
  *K = lo->dim[0], *T = (size_t)lo->dim[1];
  if (G->dim[0] != *K || G->dim[1] != *K)
    urn_ev_reject(ev, "%s: Gamma must be %d x %d, but is %d x %d", who, *K, *K, G->dim[0], G->dim[1]);
  if ((int)rho->n != *K) urn_ev_reject(ev, "%s: rho must have %d elements, but has %zu", who, *K, rho->n);
}

static void f_hmm_marginal(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  int K;
  size_t T;
  hmm_args(ev, "hmm_marginal", args, &K, &T);
  const urn_val *lo = &args[0], *G = &args[1], *rho = &args[2];
  int var = is_var(lo) || is_var(G) || is_var(rho);
  double *dlo = var ? urn_ev_doubles(ev, lo->n) : NULL, *dG = var ? urn_ev_doubles(ev, G->n) : NULL,
         *dr = var ? urn_ev_doubles(ev, rho->n) : NULL;
  double lp;
  urn_error e2;
  if (urn_hmm_marginal(K, T, lo->v, G->v, rho->v, &lp, dlo, dG, dr, &e2) != URN_OK)
    urn_ev_reject(ev, "%s", e2.msg);
  int32_t ix = -1;
  if (var) {
    /* log_omega filled by a batched loop may carry deferred stores: their
     * partials go to the few leaves they read (lang/batch.c) */
    size_t nd = urn_defer_bound(ev, lo);
    int32_t *o; double *p;
    urn_tape_begin(&ev->tape, lo->n + G->n + rho->n + nd, &o, &p);
    size_t m = nd ? urn_defer_emit(ev, lo, dlo, o, p) : 0;
    const urn_val *xs[3] = {lo, G, rho};
    double *ds[3] = {dlo, dG, dr};
    for (int a = 0; a < 3; a++)
      if (xs[a]->ix)
        for (size_t i = 0; i < xs[a]->n; i++)
          if (xs[a]->ix[i] >= 0) o[m] = xs[a]->ix[i], p[m++] = ds[a][i];
    ix = urn_tape_end(&ev->tape, lp, m);
  }
  urn_val_set_scalar(ev, out, URN_TY_REAL, lp, ix);
}

/* Row-major pi/A/LL for the hmm.h smoother from Stan's column-major arguments. */
static void hmm_rowmajor(urn_ev *ev, urn_val *args, int K, size_t T, double **A, double **LL) {
  const urn_val *lo = &args[0], *G = &args[1];
  *A = urn_ev_doubles(ev, (size_t)K * K);
  *LL = urn_ev_doubles(ev, (size_t)K * T);
  for (int i = 0; i < K; i++)
    for (int j = 0; j < K; j++) (*A)[i * K + j] = G->v[i + j * K];
  for (size_t t = 0; t < T; t++)
    for (int k = 0; k < K; k++) (*LL)[t * K + k] = lo->v[k + t * K];
}

static void f_hmm_hidden_state_prob(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  int K;
  size_t T;
  hmm_args(ev, "hmm_hidden_state_prob", args, &K, &T);
  double *A, *LL, lp;
  hmm_rowmajor(ev, args, K, T, &A, &LL);
  double *sm = urn_ev_doubles(ev, (size_t)K * T);
  urn_error e2;
  if (urn_hmm_smoother(K, T, args[2].v, A, LL, &lp, sm, NULL, &e2) != URN_OK) urn_ev_reject(ev, "hmm_hidden_state_prob: %s", e2.msg);
  int32_t dim[2] = {K, (int32_t)T};
  urn_val_alloc(ev, out, (urn_type){URN_TY_MATRIX, 0}, dim, 0);
  for (size_t t = 0; t < T; t++)
    for (int k = 0; k < K; k++) out->v[k + t * K] = sm[t * K + k];
}

static void f_hmm_latent_rng(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  int K;
  size_t T;
  hmm_args(ev, "hmm_latent_rng", args, &K, &T);
  if (!ev->rng) urn_ev_reject(ev, "hmm_latent_rng: no random number generator here");
  double *A, *LL, lp;
  hmm_rowmajor(ev, args, K, T, &A, &LL);
  int *z = urn_arena_alloc(&ev->arena, (T + 1) * sizeof(int));
  urn_error e2;
  if (urn_hmm_posterior_sample(K, T, args[2].v, A, LL, urn_rng_next(ev->rng), z, &lp, &e2) != URN_OK)
    urn_ev_reject(ev, "hmm_latent_rng: %s", e2.msg);
  int32_t dim[1] = {(int32_t)T};
  urn_val_alloc(ev, out, (urn_type){URN_TY_INT, 1}, dim, 0);
  for (size_t t = 0; t < T; t++) out->v[t] = z[t] + 1;
}

#define F(name, sig, fn, aux2, doc) {name, sig, fn, NULL, NULL, aux2, 0, doc}
const urn_builtin urn_fn_linalg_table[] = {
    F("cholesky_decompose", "m:m", f_cholesky, 0, "lower Cholesky factor L with L L' = A"),
    F("inverse", "m:m", f_inverse, 0, "matrix inverse"),
    F("mdivide_left", "v:mv", f_mdivide_left, 0, "A \\ b"), F("mdivide_left", "m:mm", f_mdivide_left, 0, "A \\ B"),
    F("mdivide_right", "w:wm", f_mdivide_right, 0, "b / A = b A^-1"), F("mdivide_right", "m:mm", f_mdivide_right, 0, "B / A = B A^-1"),
    F("log_determinant", "r:m", f_log_determinant, 0, "log |det A|"),
    F("determinant", "r:m", f_log_determinant, 1, "det A"),
    F("tcrossprod", "m:m", f_crossprod, 0, "A A'"), F("crossprod", "m:m", f_crossprod, 1, "A' A"),
    F("multiply_lower_tri_self_transpose", "m:m", f_crossprod, 2, "L L' using the lower triangle of L"),
    F("quad_form", "r:mv", f_quad_form, 0, "v' A v"), F("quad_form", "m:mm", f_quad_form, 0, "B' A B"),
    F("quad_form_sym", "r:mv", f_quad_form, 1, "v' A v, A symmetric"), F("quad_form_sym", "m:mm", f_quad_form, 1, "B' A B, A symmetric"),
    F("diag_pre_multiply", "m:vm", f_diag_mult, 0, "diag(v) M"), F("diag_pre_multiply", "m:wm", f_diag_mult, 0, "diag(v) M"),
    F("diag_post_multiply", "m:mv", f_diag_mult, 1, "M diag(v)"), F("diag_post_multiply", "m:mw", f_diag_mult, 1, "M diag(v)"),
    F("add_diag", "m:mr", f_add_diag, 0, "M + d on the diagonal"), F("add_diag", "m:mv", f_add_diag, 0, "M + diag(d)"),
    F("add_diag", "m:mw", f_add_diag, 0, "M + diag(d)"),
    F("columns_dot_product", "w:mm", f_colrow_dot, 0, "dot products of columns"),
    F("columns_dot_product", "w:vv", f_colrow_dot, 0, "dot products of columns"),
    F("rows_dot_product", "v:mm", f_colrow_dot, 1, "dot products of rows"),
    F("rows_dot_product", "v:vv", f_colrow_dot, 1, "dot products of rows"),
    F("columns_dot_product", "w:ww", f_colrow_dot, 0, "dot products of columns"),
    F("rows_dot_product", "v:ww", f_colrow_dot, 1, "dot products of rows"),
    F("columns_dot_self", "w:m", f_colrow_dot, 0, "squared norms of columns"),
    F("columns_dot_self", "w:U", f_colrow_dot, 0, "squared norms of columns"),
    F("rows_dot_self", "v:m", f_colrow_dot, 1, "squared norms of rows"),
    F("rows_dot_self", "v:U", f_colrow_dot, 1, "squared norms of rows"),
    F("trace", "r:m", f_trace, 0, "sum of the diagonal"),
    F("sub_col", "v:miii", f_sub_colrow, 0, "n elements of column j from row i"),
    F("sub_row", "w:miii", f_sub_colrow, 1, "n elements of row i from column j"),
    F("gp_exp_quad_cov", "m:1rrr", f_gp_exp_quad_cov, 0, "squared-exponential covariance"),
    F("gp_exp_quad_cov", "m:1vrr", f_gp_exp_quad_cov, 0, "squared-exponential covariance"),
    F("quad_form_diag", "m:mv", f_quad_form_diag, 0, "diag(v) M diag(v)"),
    F("quad_form_diag", "m:mw", f_quad_form_diag, 0, "diag(v) M diag(v)"),
    F("eigenvalues_sym", "v:m", f_eigen_sym, 0, "eigenvalues of a symmetric matrix (ascending)"),
    F("eigenvectors_sym", "m:m", f_eigen_sym, 1, "eigenvectors of a symmetric matrix (columns, in the order of the eigenvalues)"),
    {"eigendecompose_sym", "(m,v):m", urn_fn_tuple_parts, NULL, &eigen_sym_parts, 0, 0,
     "the tuple (eigenvectors_sym(A), eigenvalues_sym(A))"},
    F("hmm_marginal", "r:mmv", f_hmm_marginal, 0, "log p(y) of an HMM by the forward algorithm"),
    F("hmm_hidden_state_prob", "m:#m #m #v", f_hmm_hidden_state_prob, 0, "smoothed state probabilities (K x T)"),
    {"hmm_latent_rng", "1i:mmv", f_hmm_latent_rng, NULL, NULL, 0, URN_BI_RNG, "a draw of the hidden states"},
    {NULL, NULL, NULL, NULL, NULL, 0, 0, NULL}};
