/* lang/fn_matrix.c — the matrix built-ins of Stan 2.37 beyond fn_linalg.c: inverse_spd, log_determinant_spd,
 * chol2inv, mdivide_left/right_spd and _tri_low, symmetrize_from_lower_tri, trace_dot, trace_quad_form,
 * trace_gen_quad_form, matrix_power, matrix_exp, matrix_exp_multiply, scale_matrix_exp_multiply,
 * generalized_inverse and the compressed-sparse-row functions csr_*.
 *
 * Several are compositions of existing built-ins on the tape (chol2inv = inverse_spd of L L'; mdivide_right(B, A)
 * = (A' \ B')'; matrix_power by repeated squaring of multiply; matrix_exp_multiply = matrix_exp(A) * B): each
 * step records its own partials, so the composition's gradient is exact.  The trace forms are one tape node
 * with their closed-form partials; matrix_exp is one reverse callback using the block-triangular identity
 *   exp([[A', G], [0, A']]) = [[exp(A'), L], [0, exp(A')]],  L = the adjoint of exp at A applied to G.
 * Argument checks follow Stan's messages ("inverse_spd: m is not symmetric", "... not positive definite"). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lang/fn.h"
#include "math/linalg.h"

/* Calls the built-in name on args (resolved by their types) into *out. */
static void call(urn_ev *ev, const char *name, urn_val *out, urn_val *args, int n) {
  urn_type t[4];
  for (int i = 0; i < n; i++) t[i] = args[i].ty;
  urn_type ret;
  const urn_builtin *b = urn_builtin_resolve(name, t, n, &ret);
  if (!b) urn_ev_reject(ev, "internal: no built-in %s for these arguments", name);
  b->fn(ev, b, out, args, n);
}

static int is_var(const urn_val *x) { return x->ix != NULL; }

static void need_square(urn_ev *ev, const urn_builtin *b, const urn_val *A, const char *what) {
  if (A->dim[0] != A->dim[1])
    urn_ev_reject(ev, "%s: Expecting a square matrix; rows of %s (%d) and columns of %s (%d) must match", b->name,
                  what, A->dim[0], what, A->dim[1]);
}

/* Stan's check_symmetric: |a_ij - a_ji| <= 1e-8 (absolute, as Stan's CONSTRAINT_TOLERANCE). */
static void need_symmetric(urn_ev *ev, const urn_builtin *b, const urn_val *A, const char *what) {
  int k = A->dim[0];
  for (int j = 0; j < k; j++)
    for (int i = j + 1; i < k; i++) {
      double x = A->v[i + (size_t)j * k], y = A->v[j + (size_t)i * k];
      if (!(fabs(x - y) <= 1e-8))
        urn_ev_reject(ev, "%s: %s is not symmetric. %s[%d,%d] = %g, but %s[%d,%d] = %g", b->name, what, what, i + 1,
                      j + 1, x, what, j + 1, i + 1, y);
    }
}

/* Positive definiteness by a Cholesky factorization of the lower triangle. */
static void need_pd(urn_ev *ev, const urn_builtin *b, const urn_val *A, const char *what) {
  size_t k = (size_t)A->dim[0];
  double *S = urn_ev_doubles(ev, k * k), *L = urn_ev_doubles(ev, k * k);
  for (size_t j = 0; j < k; j++)
    for (size_t i = 0; i < k; i++) S[i + j * k] = i >= j ? A->v[i + j * k] : A->v[j + i * k];
  for (size_t i = 0; i < k * k; i++)
    if (isnan(S[i])) urn_ev_reject(ev, "%s: %s has a NaN element", b->name, what);
  if (urn_cholesky(L, S, k)) urn_ev_reject(ev, "%s: %s is not positive definite", b->name, what);
}

/* A copy of the lower triangle of x (upper entries zero and constant). */
static void lower_part(urn_ev *ev, urn_val *out, const urn_val *x) {
  urn_val_copy(ev, out, x);
  int r = x->dim[0], c = x->dim[1];
  for (int j = 0; j < c; j++)
    for (int i = 0; i < j && i < r; i++) {
      out->v[i + (size_t)j * r] = 0;
      if (out->ix) out->ix[i + (size_t)j * r] = -1;
    }
}

static void transpose_val(urn_ev *ev, urn_val *out, const urn_val *x) {
  urn_val t = *x;
  call(ev, "transpose", out, &t, 1);
}

/* inverse_spd(A): A symmetric positive definite; the inverse, symmetrised. */
static void f_inverse_spd(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  need_square(ev, b, &args[0], "m");
  need_symmetric(ev, b, &args[0], "m");
  need_pd(ev, b, &args[0], "m");
  call(ev, "inverse", out, args, 1);
  int k = out->dim[0];
  for (int j = 0; j < k; j++)
    for (int i = j + 1; i < k; i++) {
      size_t p = i + (size_t)j * k, q = j + (size_t)i * k;
      double v = 0.5 * (out->v[p] + out->v[q]);
      out->v[p] = out->v[q] = v;
    }
}

/* log_determinant_spd(A) = 2 sum log diag(chol(A)); d/dA = A^-1. */
static void f_log_determinant_spd(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *A = &args[0];
  need_square(ev, b, A, "m");
  need_symmetric(ev, b, A, "m");
  size_t k = (size_t)A->dim[0];
  double *S = urn_ev_doubles(ev, k * k), *L = urn_ev_doubles(ev, k * k);
  for (size_t j = 0; j < k; j++)
    for (size_t i = 0; i < k; i++) S[i + j * k] = i >= j ? A->v[i + j * k] : A->v[j + i * k];
  if (urn_cholesky(L, S, k)) urn_ev_reject(ev, "%s: m is not positive definite", b->name);
  double v = urn_cholesky_logdet(L, k);
  int32_t ix = -1;
  if (is_var(A)) {
    double *Ai = urn_ev_doubles(ev, k * k);
    urn_cholesky_inverse(Ai, L, k);
    int32_t *o; double *p;
    urn_tape_begin(&ev->tape, k * k, &o, &p);
    size_t m = 0;
    for (size_t q = 0; q < k * k; q++)
      if (A->ix[q] >= 0) o[m] = A->ix[q], p[m++] = Ai[q];
    ix = urn_tape_end(&ev->tape, v, m);
  }
  urn_val_set_scalar(ev, out, URN_TY_REAL, v, ix);
}

/* chol2inv(L) = (L L')^-1 from the lower triangle of L. */
static void f_chol2inv(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  need_square(ev, b, &args[0], "L");
  urn_val L, LL;
  lower_part(ev, &L, &args[0]);
  for (int i = 0; i < L.dim[0]; i++)
    if (!(L.v[i + (size_t)i * L.dim[0]] > 0))
      urn_ev_reject(ev, "chol2inv: the diagonal of L must be positive, but L[%d,%d] is %g", i + 1, i + 1,
                    L.v[i + (size_t)i * L.dim[0]]);
  call(ev, "multiply_lower_tri_self_transpose", &LL, &L, 1);
  call(ev, "inverse", out, &LL, 1);
}

/* mdivide_right(B, A) = B A^-1 = (A' \ B')'; the _spd form checks A, the _tri_low form uses A's lower triangle. */
static void f_mdivide_right(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *B = &args[0];
  urn_val A = args[1];
  need_square(ev, b, &A, "A");
  int cols = B->ty.base == URN_TY_ROW_VECTOR ? B->dim[0] : B->dim[1];
  if (cols != A.dim[0])
    urn_ev_reject(ev, "%s: the columns of b (%d) must match the rows of A (%d)", b->name, cols, A.dim[0]);
  if (b->aux2 == 1) need_symmetric(ev, b, &A, "A"), need_pd(ev, b, &A, "A");
  if (b->aux2 == 2) {
    urn_val Lw;
    lower_part(ev, &Lw, &A);
    A = Lw;
  }
  urn_val At, Bt, X;
  transpose_val(ev, &At, &A);
  transpose_val(ev, &Bt, B);
  urn_val a2[2] = {At, Bt};
  call(ev, "mdivide_left", &X, a2, 2);
  transpose_val(ev, out, &X);
}

/* mdivide_left_spd(A, B) checks A; mdivide_left_tri_low(L, B) uses only L's lower triangle (as Stan). */
static void f_mdivide_left_checked(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  urn_val a2[2] = {args[0], args[1]};
  need_square(ev, b, &a2[0], "A");
  if (a2[1].dim[0] != a2[0].dim[0])
    urn_ev_reject(ev, "%s: the rows of b (%d) must match the size of A (%d)", b->name, a2[1].dim[0], a2[0].dim[0]);
  if (b->aux2 == 1) need_symmetric(ev, b, &a2[0], "A"), need_pd(ev, b, &a2[0], "A");
  else lower_part(ev, &a2[0], &args[0]);
  call(ev, "mdivide_left", out, a2, 2);
}

/* symmetrize_from_lower_tri(A): the lower triangle mirrored onto the upper. */
static void f_symmetrize(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *A = &args[0];
  need_square(ev, b, A, "m");
  urn_val_copy(ev, out, A);
  int k = A->dim[0];
  for (int j = 0; j < k; j++)
    for (int i = 0; i < j; i++) {
      out->v[i + (size_t)j * k] = A->v[j + (size_t)i * k];
      if (out->ix) out->ix[i + (size_t)j * k] = A->ix[j + (size_t)i * k];
    }
}

/* One node with value v and partial g[q] for each element q of x (and of y, z). */
static int32_t node3(urn_ev *ev, double v, const urn_val *x, const double *gx, const urn_val *y, const double *gy,
                     const urn_val *z, const double *gz) {
  const urn_val *vs[3] = {x, y, z};
  const double *gs[3] = {gx, gy, gz};
  size_t tot = 0;
  for (int a = 0; a < 3; a++) if (vs[a] && vs[a]->ix) tot += vs[a]->n;
  if (!tot) return -1;
  int32_t *o; double *p;
  urn_tape_begin(&ev->tape, tot, &o, &p);
  size_t m = 0;
  for (int a = 0; a < 3; a++)
    if (vs[a] && vs[a]->ix)
      for (size_t q = 0; q < vs[a]->n; q++)
        if (vs[a]->ix[q] >= 0) o[m] = vs[a]->ix[q], p[m++] = gs[a][q];
  return urn_tape_end(&ev->tape, v, m);
}

/* trace_dot(A, B) = trace(A B) = sum_ij A_ij B_ji; d/dA = B', d/dB = A'. */
static void f_trace_dot(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *A = &args[0], *B = &args[1];
  size_t r = (size_t)A->dim[0], c = (size_t)A->dim[1];
  if ((size_t)B->dim[0] != c || (size_t)B->dim[1] != r)
    urn_ev_reject(ev, "trace_dot: A is %zu x %zu, so B must be %zu x %zu, but it is %d x %d", r, c, c, r, B->dim[0],
                  B->dim[1]);
  double v = 0, *gA = urn_ev_doubles(ev, r * c), *gB = urn_ev_doubles(ev, r * c);
  for (size_t j = 0; j < c; j++)
    for (size_t i = 0; i < r; i++) {
      v += A->v[i + j * r] * B->v[j + i * c];
      gA[i + j * r] = B->v[j + i * c], gB[j + i * c] = A->v[i + j * r];
    }
  urn_val_set_scalar(ev, out, URN_TY_REAL, v, node3(ev, v, A, gA, B, gB, NULL, NULL));
}

/* trace_gen_quad_form(D, A, B) = trace(D B' A B) (D = I for trace_quad_form(A, B)):
 * d/dA = B D' B', d/dB = A B D + A' B D', d/dD = B' A' B. */
static void f_trace_quad(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  int gen = b->aux2;
  const urn_val *D = gen ? &args[0] : NULL, *A = &args[gen], *B = &args[gen + 1];
  need_square(ev, b, A, "A");
  size_t k = (size_t)A->dim[0], m = B->ty.base == URN_TY_VECTOR ? 1 : (size_t)B->dim[1];
  if ((size_t)B->dim[0] != k) urn_ev_reject(ev, "%s: the rows of B (%d) must match the size of A (%zu)", b->name, B->dim[0], k);
  if (D) {
    need_square(ev, b, D, "D");
    if ((size_t)D->dim[0] != m) urn_ev_reject(ev, "%s: D is %d x %d, but B has %zu columns", b->name, D->dim[0], D->dim[1], m);
  }
  double *Dm = urn_ev_doubles(ev, m * m);
  for (size_t j = 0; j < m; j++)
    for (size_t i = 0; i < m; i++) Dm[i + j * m] = D ? D->v[i + j * m] : i == j;
  double *AB = urn_ev_doubles(ev, k * m), *BD = urn_ev_doubles(ev, k * m), *BDt = urn_ev_doubles(ev, k * m);
  urn_matmul(AB, A->v, B->v, k, k, m);
  urn_matmul(BD, B->v, Dm, k, m, m);
  urn_matmul_nt(BDt, B->v, Dm, k, m, m); /* B D' */
  double v = 0; /* trace(D B' A B) = sum (B D')_{ij} (A B)_{ij} */
  for (size_t q = 0; q < k * m; q++) v += BDt[q] * AB[q];
  double *gA = NULL, *gB = NULL, *gD = NULL;
  if (is_var(A)) { gA = urn_ev_doubles(ev, k * k); urn_matmul_nt(gA, BDt, B->v, k, m, k); }
  if (is_var(B)) {
    gB = urn_ev_doubles(ev, k * m);
    double *T = urn_ev_doubles(ev, k * m);
    urn_matmul(gB, A->v, BD, k, k, m);
    urn_matmul_tn(T, A->v, BDt, k, k, m);
    for (size_t q = 0; q < k * m; q++) gB[q] += T[q];
  }
  if (D && is_var(D)) { gD = urn_ev_doubles(ev, m * m); urn_matmul_tn(gD, AB, B->v, m, k, m); /* (A B)' B = B' A' B */ }
  urn_val_set_scalar(ev, out, URN_TY_REAL, v, node3(ev, v, A, gA, B, gB, D, gD));
}

/* matrix_power(A, n) by repeated squaring of multiply (n >= 0; A^0 = I). */
static void f_matrix_power(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  urn_val A = args[0];
  need_square(ev, b, &A, "m");
  double p = args[1].v[0];
  if (p < 0) urn_ev_reject(ev, "matrix_power: n is %.0f, but must be nonnegative", p);
  for (size_t i = 0; i < A.n; i++)
    if (!isfinite(A.v[i])) urn_ev_reject(ev, "matrix_power: m has a non-finite element (%g)", A.v[i]);
  int k = A.dim[0];
  urn_val R;
  int have = 0;
  for (long e = (long)p; e > 0; e >>= 1) {
    if (e & 1) {
      if (!have) R = A, have = 1;
      else {
        urn_val a2[2] = {R, A}, T;
        call(ev, "multiply", &T, a2, 2);
        R = T;
      }
    }
    if (e > 1) {
      urn_val a2[2] = {A, A}, T;
      call(ev, "multiply", &T, a2, 2);
      A = T;
    }
  }
  if (!have) {
    int32_t dim[2] = {k, k};
    urn_val_alloc(ev, &R, (urn_type){URN_TY_MATRIX, 0}, dim, 0);
    for (int j = 0; j < k; j++)
      for (int i = 0; i < k; i++) R.v[i + (size_t)j * k] = i == j;
  }
  urn_val_copy(ev, out, &R);
}

/* ---- matrix exponential ---- */

typedef struct expm_cb {
  size_t n;           /* size */
  double *A;          /* the argument's values */
  const int32_t *in;  /* its tape nodes */
  int32_t *out;       /* the result's nodes */
} expm_cb;

/* A-bar = the top-right block of exp([[A', E-bar], [0, A']]). */
static void expm_reverse(urn_tape *t, void *data) {
  expm_cb *c = data;
  size_t n = c->n, N = 2 * n;
  double *M = calloc(N * N, sizeof *M), *E = calloc(N * N, sizeof *E);
  if (!M || !E) { free(M), free(E); return; }
  for (size_t j = 0; j < n; j++)
    for (size_t i = 0; i < n; i++) {
      double at = c->A[j + i * n];
      M[i + j * N] = at, M[(n + i) + (n + j) * N] = at;
      int32_t o = c->out[i + j * n];
      M[i + (n + j) * N] = o >= 0 ? t->adj[o] : 0;
    }
  if (urn_matrix_exp(M, N, E) == 0)
    for (size_t j = 0; j < n; j++)
      for (size_t i = 0; i < n; i++)
        if (c->in[i + j * n] >= 0) t->adj[c->in[i + j * n]] += E[i + (n + j) * N];
  free(M), free(E);
}

static void f_matrix_exp(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *A = &args[0];
  need_square(ev, b, A, "A");
  size_t k = (size_t)A->dim[0];
  urn_val_alloc(ev, out, (urn_type){URN_TY_MATRIX, 0}, A->dim, is_var(A));
  if (k == 0) return;
  if (urn_matrix_exp(A->v, k, out->v)) urn_ev_reject(ev, "matrix_exp: A has a non-finite element, or exp(A) overflows");
  for (size_t i = 0; i < k * k; i++)
    if (!isfinite(out->v[i])) urn_ev_reject(ev, "matrix_exp: exp(A) overflows");
  if (!is_var(A)) return;
  int32_t first = (int32_t)ev->tape.n;
  for (size_t i = 0; i < out->n; i++) out->ix[i] = urn_tape_var(&ev->tape, out->v[i]);
  expm_cb *c = urn_arena_alloc(&ev->arena, sizeof *c);
  c->n = k, c->A = urn_ev_doubles(ev, k * k), c->in = A->ix, c->out = out->ix;
  memcpy(c->A, A->v, k * k * sizeof(double));
  urn_tape_callback_add(&ev->tape, first, expm_reverse, c);
}

/* matrix_exp_multiply(A, B) = exp(A) B; scale_matrix_exp_multiply(t, A, B) = exp(t A) B. */
static void f_expm_multiply(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  int scaled = b->aux2;
  urn_val A = args[scaled], B = args[scaled + 1];
  need_square(ev, b, &A, "A");
  if (B.dim[0] != A.dim[0]) urn_ev_reject(ev, "%s: the rows of B (%d) must match the size of A (%d)", b->name, B.dim[0], A.dim[0]);
  if (scaled) {
    urn_val a2[2] = {args[0], A}, T;
    call(ev, "multiply", &T, a2, 2);
    A = T;
  }
  urn_val E;
  f_matrix_exp(ev, b, &E, &A, 1); /* messages name this function */
  urn_val a2[2] = {E, B};
  call(ev, "multiply", out, a2, 2);
}

/* generalized_inverse(A): the Moore-Penrose pseudo-inverse.  Square and full rank: the inverse; otherwise, for
 * parameters, A' (A A')^-1 (wide) or (A' A)^-1 A' (tall), full rank assumed (as Stan); for data, from the SVD
 * with singular values below max(m, n) eps s_max treated as zero (any rank). */
static void f_generalized_inverse(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *A = &args[0];
  size_t r = (size_t)A->dim[0], c = (size_t)A->dim[1];
  for (size_t i = 0; i < A->n; i++)
    if (!isfinite(A->v[i])) urn_ev_reject(ev, "generalized_inverse: A has a non-finite element (%g)", A->v[i]);
  int32_t dim[2] = {(int32_t)c, (int32_t)r};
  if (r == 0 || c == 0) { urn_val_alloc(ev, out, (urn_type){URN_TY_MATRIX, 0}, dim, 0); return; }
  if (!is_var(A)) {
    size_t k = r < c ? r : c;
    double *U = urn_ev_doubles(ev, r * k), *s = urn_ev_doubles(ev, k), *V = urn_ev_doubles(ev, c * k);
    if (urn_svd(A->v, r, c, U, s, V)) urn_ev_reject(ev, "generalized_inverse: the SVD did not converge");
    double tol = (double)(r > c ? r : c) * 2.220446049250313e-16 * s[0];
    urn_val_alloc(ev, out, (urn_type){URN_TY_MATRIX, 0}, dim, 0);
    for (size_t j = 0; j < r; j++) /* out = V diag(1/s) U' */
      for (size_t i = 0; i < c; i++) {
        double acc = 0;
        for (size_t q = 0; q < k; q++)
          if (s[q] > tol) acc += V[i + q * c] * U[j + q * r] / s[q];
        out->v[i + j * c] = acc;
      }
    return;
  }
  urn_val At, P, X;
  transpose_val(ev, &At, A);
  if (r == c) { call(ev, "inverse", out, args, 1); return; }
  if (r < c) { /* A' (A A')^-1 = (A A') \ A, transposed */
    call(ev, "tcrossprod", &P, args, 1);
    urn_val a2[2] = {P, args[0]};
    call(ev, "mdivide_left", &X, a2, 2);
    transpose_val(ev, out, &X);
  } else { /* (A' A)^-1 A' */
    call(ev, "crossprod", &P, args, 1);
    urn_val a2[2] = {P, At};
    call(ev, "mdivide_left", out, a2, 2);
  }
}

/* ---- compressed sparse row ---- */

/* csr_extract_w / _v / _u(A): the nonzero values (row by row), their 1-based column indexes, and the 1-based
 * index in w of each row's first value (m + 1 entries, the last one past the end). */
static void f_csr_extract(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *A = &args[0];
  int r = A->dim[0], c = A->dim[1];
  size_t nz = 0;
  for (size_t q = 0; q < A->n; q++) nz += A->v[q] != 0;
  int kind = b->aux2; /* 0 w, 1 v, 2 u */
  int32_t dim[1] = {kind == 2 ? r + 1 : (int32_t)nz};
  urn_val_alloc(ev, out, kind == 0 ? (urn_type){URN_TY_VECTOR, 0} : (urn_type){URN_TY_INT, 1}, dim,
                kind == 0 && is_var(A));
  size_t k = 0;
  for (int i = 0; i < r; i++) {
    if (kind == 2) out->v[i] = (double)k + 1;
    for (int j = 0; j < c; j++) {
      size_t q = i + (size_t)j * r;
      if (A->v[q] == 0) continue;
      if (kind == 0) {
        out->v[k] = A->v[q];
        if (out->ix) out->ix[k] = A->ix[q];
      } else if (kind == 1) {
        out->v[k] = j + 1;
      }
      k++;
    }
  }
  if (kind == 2) out->v[r] = (double)k + 1;
}

static const urn_fn_parts csr_parts = {3, {f_csr_extract, f_csr_extract, f_csr_extract}, {0, 1, 2}};

/* Stan's checks of a CSR triple for an m x n matrix. */
static void csr_check(urn_ev *ev, const urn_builtin *b, int m, int n, const urn_val *w, const urn_val *v,
                      const urn_val *u) {
  if (m < 0 || n < 0) urn_ev_reject(ev, "%s: the sizes m = %d and n = %d must be nonnegative", b->name, m, n);
  if ((int)u->n != m + 1) urn_ev_reject(ev, "%s: u must have m + 1 = %d elements, but has %zu", b->name, m + 1, u->n);
  if (w->n != v->n) urn_ev_reject(ev, "%s: w and v must have the same size, but have %zu and %zu", b->name, w->n, v->n);
  if (u->v[0] != 1) urn_ev_reject(ev, "%s: u[1] is %g, but must be 1", b->name, u->v[0]);
  for (int i = 0; i < m; i++)
    if (u->v[i + 1] < u->v[i]) urn_ev_reject(ev, "%s: u must be nondecreasing, but u[%d] > u[%d]", b->name, i + 1, i + 2);
  if (u->v[m] - 1 != (double)w->n)
    urn_ev_reject(ev, "%s: u[m + 1] - 1 is %g, but w has %zu elements", b->name, u->v[m] - 1, w->n);
  for (size_t k = 0; k < v->n; k++)
    if (!(v->v[k] >= 1 && v->v[k] <= n))
      urn_ev_reject(ev, "%s: v[%zu] is %g, but must be in the interval [1, %d]", b->name, k + 1, v->v[k], n);
}

static void f_csr_to_dense(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  int m = (int)args[0].v[0], nc = (int)args[1].v[0];
  const urn_val *w = &args[2], *v = &args[3], *u = &args[4];
  csr_check(ev, b, m, nc, w, v, u);
  int32_t dim[2] = {m, nc};
  urn_val_alloc(ev, out, (urn_type){URN_TY_MATRIX, 0}, dim, is_var(w));
  memset(out->v, 0, out->n * sizeof(double));
  for (int i = 0; i < m; i++)
    for (size_t k = (size_t)u->v[i] - 1; k < (size_t)u->v[i + 1] - 1; k++) {
      size_t q = i + (size_t)(v->v[k] - 1) * m;
      out->v[q] = w->v[k];
      if (out->ix) out->ix[q] = w->ix[k];
    }
}

/* csr_matrix_times_vector(m, n, w, v, u, b): one node per output row with partials in w and b. */
static void f_csr_times_vector(urn_ev *ev, const urn_builtin *bi, urn_val *out, urn_val *args, int n) {
  int m = (int)args[0].v[0], nc = (int)args[1].v[0];
  const urn_val *w = &args[2], *v = &args[3], *u = &args[4], *x = &args[5];
  csr_check(ev, bi, m, nc, w, v, u);
  if ((int)x->n != nc) urn_ev_reject(ev, "%s: b must have n = %d elements, but has %zu", bi->name, nc, x->n);
  int32_t dim[1] = {m};
  int var = is_var(w) || is_var(x);
  urn_val_alloc(ev, out, (urn_type){URN_TY_VECTOR, 0}, dim, var);
  for (int i = 0; i < m; i++) {
    size_t k0 = (size_t)u->v[i] - 1, k1 = (size_t)u->v[i + 1] - 1;
    double s = 0;
    for (size_t k = k0; k < k1; k++) s += w->v[k] * x->v[(size_t)v->v[k] - 1];
    out->v[i] = s;
    if (!var) continue;
    int32_t *o; double *p;
    urn_tape_begin(&ev->tape, 2 * (k1 - k0), &o, &p);
    size_t q = 0;
    for (size_t k = k0; k < k1; k++) {
      size_t c = (size_t)v->v[k] - 1;
      if (urn_val_ix(w, k) >= 0) o[q] = w->ix[k], p[q++] = x->v[c];
      if (urn_val_ix(x, c) >= 0) o[q] = x->ix[c], p[q++] = w->v[k];
    }
    out->ix[i] = urn_tape_end(&ev->tape, s, q);
  }
}

#define F(name, sig, fn, aux2, doc) {name, sig, fn, NULL, NULL, aux2, 0, doc}
const urn_builtin urn_fn_matrix_table[] = {
    F("inverse_spd", "m:m", f_inverse_spd, 0, "inverse of a symmetric positive-definite matrix"),
    F("log_determinant_spd", "r:m", f_log_determinant_spd, 0, "log determinant of a symmetric positive-definite matrix"),
    F("chol2inv", "m:m", f_chol2inv, 0, "inverse of L L' from the Cholesky factor L"),
    F("mdivide_right_spd", "w:wm", f_mdivide_right, 1, "b A^-1, A symmetric positive definite"),
    F("mdivide_right_spd", "m:mm", f_mdivide_right, 1, "B A^-1, A symmetric positive definite"),
    F("mdivide_right_tri_low", "w:wm", f_mdivide_right, 2, "b L^-1 with L the lower triangle of A"),
    F("mdivide_right_tri_low", "m:mm", f_mdivide_right, 2, "B L^-1 with L the lower triangle of A"),
    F("mdivide_left_spd", "v:mv", f_mdivide_left_checked, 1, "A \\ b for symmetric positive-definite A"),
    F("mdivide_left_spd", "m:mm", f_mdivide_left_checked, 1, "A \\ B for symmetric positive-definite A"),
    F("mdivide_left_tri_low", "v:mv", f_mdivide_left_checked, 2, "L \\ b with L the lower triangle of A"),
    F("mdivide_left_tri_low", "m:mm", f_mdivide_left_checked, 2, "L \\ B with L the lower triangle of A"),
    F("symmetrize_from_lower_tri", "m:m", f_symmetrize, 0, "the symmetric matrix with A's lower triangle"),
    F("trace_dot", "r:mm", f_trace_dot, 0, "trace(A B)"),
    F("trace_quad_form", "r:mv", f_trace_quad, 0, "trace(B' A B)"), F("trace_quad_form", "r:mm", f_trace_quad, 0, "trace(B' A B)"),
    F("trace_gen_quad_form", "r:mmm", f_trace_quad, 1, "trace(D B' A B)"),
    F("matrix_power", "m:mi", f_matrix_power, 0, "A^n by repeated squaring"),
    F("matrix_exp", "m:m", f_matrix_exp, 0, "matrix exponential (Pade 13, scaling and squaring)"),
    F("matrix_exp_multiply", "m:mm", f_expm_multiply, 0, "exp(A) B"),
    F("scale_matrix_exp_multiply", "m:rmm", f_expm_multiply, 1, "exp(t A) B"),
    F("generalized_inverse", "m:m", f_generalized_inverse, 0, "Moore-Penrose pseudo-inverse"),
    F("csr_extract_w", "v:m", f_csr_extract, 0, "CSR form: the nonzero values, row by row"),
    F("csr_extract_v", "1i:m", f_csr_extract, 1, "CSR form: the column index of each nonzero value"),
    F("csr_extract_u", "1i:m", f_csr_extract, 2, "CSR form: where each row starts in w (m + 1 entries)"),
    {"csr_extract", "(v,1i,1i):m", urn_fn_tuple_parts, NULL, &csr_parts, 0, 0,
     "the tuple (csr_extract_w(A), csr_extract_v(A), csr_extract_u(A))"},
    F("csr_to_dense_matrix", "m:iiv1i1i", f_csr_to_dense, 0, "the m x n matrix of a CSR triple"),
    F("csr_matrix_times_vector", "v:iiv1i1iv", f_csr_times_vector, 0, "CSR matrix times a vector"),
    {NULL, NULL, NULL, NULL, NULL, 0, 0, NULL}};
