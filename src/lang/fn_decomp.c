/* lang/fn_decomp.c — the QR and singular value decompositions as built-ins (qr_Q, qr_R, qr_thin_Q, qr_thin_R,
 * singular_values, svd_U, svd_V) with reverse-mode gradients (math/decomp.c computes them).
 *
 * QR (Stan's convention: R's diagonal nonnegative), for A = Q R with A m x n, k = min(m, n), thin Q m x k:
 *   tall or square (m >= n):  A-bar = (Q-bar + Q copyltu(M)) R^-T,  M = R R-bar' - Q-bar' Q,
 *   with copyltu(M) the symmetric matrix of M's lower triangle (Seeger et al. 2017); wide (m < n): A = [X Y],
 *   X = Q R_X square and R_Y = Q' Y, so Y-bar = Q R_Y-bar and X-bar is the square case with Q-bar + Y R_Y-bar'.
 *   The columns that complete the full Q of a tall matrix (qr_Q, m > n) are not unique and have no gradient:
 *   qr_Q of a tall matrix of parameters is rejected (qr_thin_Q has one).
 * SVD, A = U diag(s) V' (Townsend 2016), F_ij = 1 / (s_j^2 - s_i^2) off the diagonal:
 *   singular values:  A-bar = U diag(s-bar) V'
 *   U:  A-bar = U (F o (U' U-bar - U-bar' U)) S V' + (I - U U') U-bar S^-1 V'
 *   V:  A-bar = U S (F o (V' V-bar - V-bar' V)) V' + U S^-1 V-bar' (I - V V')
 *   The singular vectors' gradients need distinct, nonzero singular values: rejected otherwise.
 * The tuple forms qr, qr_thin and svd (Stan 2.33+) return the same factors as the single-result functions,
 * computed by them (urn_fn_tuple_parts: the factorization runs once per component). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lang/fn.h"
#include "math/linalg.h"

typedef struct dec_cb {
  size_t m, n, k;     /* A is m x n, k = min(m, n) */
  int what;           /* which output: QR 0 Q, 1 R; SVD 2 values, 3 U, 4 V */
  double *F1, *F2;    /* QR: thin Q (m x k), R (k x n); SVD: U (m x k), V (n x k) */
  double *s;          /* SVD: singular values */
  const int32_t *in;  /* A's tape nodes */
  int32_t *out;       /* the output's nodes (column-major, the output's own shape) */
  size_t out_rows;    /* rows of the output */
} dec_cb;

static void *xcalloc(size_t n) { return urn_xcalloc(n ? n : 1, sizeof(double)); }

/* Ā for the square/tall QR: (Qb + Q copyltu(R Rb' - Qb' Q)) R^-T, Q m x n, R n x n. */
static void qr_tall_adjoint(size_t m, size_t n, const double *Q, const double *R, const double *Qb, const double *Rb,
                            double *Ab) {
  double *M = xcalloc(n * n), *T = xcalloc(n * n), *W = xcalloc(m * n);
  urn_matmul_nt(M, R, Rb, n, n, n);
  urn_matmul_tn(T, Qb, Q, n, m, n);
  for (size_t q = 0; q < n * n; q++) M[q] -= T[q];
  for (size_t j = 0; j < n; j++) /* copyltu */
    for (size_t i = 0; i < j; i++) M[i + j * n] = M[j + i * n];
  urn_matmul(W, Q, M, m, n, n);
  for (size_t q = 0; q < m * n; q++) W[q] += Qb[q];
  /* Ab = W R^-T: solve R X' = W' ... X R' = W, i.e. R X' = W' */
  double *Wt = xcalloc(m * n);
  urn_transpose(Wt, W, m, n); /* n x m */
  urn_trsm_upper(R, Wt, n, m);
  urn_transpose(Ab, Wt, n, m);
  free(M), free(T), free(W), free(Wt);
}

static void qr_reverse(urn_tape *t, void *data) {
  dec_cb *c = data;
  size_t m = c->m, n = c->n, k = c->k;
  double *Qb = xcalloc(m * k), *Rb = xcalloc(k * n), *Ab = xcalloc(m * n);
  for (size_t j = 0; j < (c->what == 0 ? k : n); j++)
    for (size_t i = 0; i < (c->what == 0 ? m : k); i++) {
      int32_t o = c->out[i + j * c->out_rows];
      double g = o >= 0 ? t->adj[o] : 0;
      if (c->what == 0) Qb[i + j * m] = g;
      else Rb[i + j * k] = g;
    }
  const double *Q = c->F1, *R = c->F2;
  if (m >= n) {
    qr_tall_adjoint(m, n, Q, R, Qb, Rb, Ab);
  } else {
    /* wide: X = A[:, :m], Y = A[:, m:]; R = [R_X R_Y] */
    double *RX = xcalloc(m * m), *RbX = xcalloc(m * m), *Qb2 = xcalloc(m * m), *XB = xcalloc(m * m);
    size_t ny = n - m;
    for (size_t j = 0; j < m; j++)
      for (size_t i = 0; i < m; i++) RX[i + j * m] = R[i + j * m], RbX[i + j * m] = Rb[i + j * m];
    /* Y-bar = Q R_Y-bar; Q-bar' = Q-bar + Y R_Y-bar'  (Y = Q R_Y) */
    const double *RbY = Rb + m * m, *RY = R + m * m;
    double *Y = xcalloc(m * ny), *T = xcalloc(m * m);
    urn_matmul(Y, Q, RY, m, m, ny);
    urn_matmul(Ab + m * m, Q, RbY, m, m, ny);
    urn_matmul_nt(T, Y, RbY, m, ny, m);
    for (size_t q = 0; q < m * m; q++) Qb2[q] = Qb[q] + T[q];
    qr_tall_adjoint(m, m, Q, RX, Qb2, RbX, XB);
    memcpy(Ab, XB, m * m * sizeof(double));
    free(RX), free(RbX), free(Qb2), free(XB), free(Y), free(T);
  }
  for (size_t q = 0; q < m * n; q++)
    if (c->in[q] >= 0) t->adj[c->in[q]] += Ab[q];
  free(Qb), free(Rb), free(Ab);
}

/* qr_Q / qr_R / qr_thin_Q / qr_thin_R: aux2 bit 0 R (else Q), bit 1 thin. */
static void f_qr(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *A = &args[0];
  size_t m = (size_t)A->dim[0], nc = (size_t)A->dim[1], k = m < nc ? m : nc;
  int want_r = b->aux2 & 1, thin = (b->aux2 & 2) != 0;
  for (size_t q = 0; q < A->n; q++)
    if (!isfinite(A->v[q])) urn_ev_reject(ev, "%s: m has a non-finite element (%g)", b->name, A->v[q]);
  if (A->ix && !want_r && !thin && m > nc)
    urn_ev_reject(ev, "%s: the columns completing Q of a tall matrix (%zu x %zu) have no derivative; use qr_thin_Q",
                  b->name, m, nc);
  double *Q = urn_ev_doubles(ev, m * m), *R = urn_ev_doubles(ev, m * nc);
  urn_qr(A->v, m, nc, Q, R);
  size_t rows = want_r ? (thin ? k : m) : m, cols = want_r ? nc : (thin ? k : m);
  int32_t dim[2] = {(int32_t)rows, (int32_t)cols};
  urn_val_alloc(ev, out, (urn_type){URN_TY_MATRIX, 0}, dim, A->ix != NULL);
  for (size_t j = 0; j < cols; j++)
    for (size_t i = 0; i < rows; i++) out->v[i + j * rows] = want_r ? R[i + j * m] : Q[i + j * m];
  if (!A->ix || m * nc == 0) return;
  for (size_t i = 0; i < k; i++)
    if (!(R[i + i * m] > 1e-14 * fabs(R[0]))) urn_ev_reject(ev, "%s: m is rank deficient: its QR has no derivative", b->name);
  int32_t first = (int32_t)ev->tape.n;
  for (size_t j = 0; j < cols; j++)
    for (size_t i = 0; i < rows; i++) /* R's zero lower part and the rows past k are constants */
      out->ix[i + j * rows] = want_r && (i > j || i >= k) ? -1 : urn_tape_var(&ev->tape, out->v[i + j * rows]);
  dec_cb *c = urn_arena_alloc(&ev->arena, sizeof *c);
  c->m = m, c->n = nc, c->k = k, c->what = want_r, c->in = A->ix, c->out = out->ix, c->out_rows = rows;
  c->F1 = urn_ev_doubles(ev, m * k), c->F2 = urn_ev_doubles(ev, k * nc);
  memcpy(c->F1, Q, m * k * sizeof(double));
  for (size_t j = 0; j < nc; j++)
    for (size_t i = 0; i < k; i++) c->F2[i + j * k] = R[i + j * m];
  urn_tape_callback_add(&ev->tape, first, qr_reverse, c);
}

static void svd_reverse(urn_tape *t, void *data) {
  dec_cb *c = data;
  size_t m = c->m, n = c->n, k = c->k;
  const double *U = c->F1, *V = c->F2, *s = c->s;
  double *Ab = xcalloc(m * n), *K = xcalloc(k * k), *T = xcalloc(m * k);
  if (c->what == 2) {
    for (size_t i = 0; i < k; i++) K[i + i * k] = c->out[i] >= 0 ? t->adj[c->out[i]] : 0;
    urn_matmul(T, U, K, m, k, k);
    urn_matmul_nt(Ab, T, V, m, k, n);
  } else {
    int isU = c->what == 3;
    size_t r = isU ? m : n;
    const double *X = isU ? U : V;
    double *Xb = xcalloc(r * k), *P = xcalloc(k * k), *Pt = xcalloc(k * k);
    for (size_t q = 0; q < r * k; q++) Xb[q] = c->out[q] >= 0 ? t->adj[c->out[q]] : 0;
    urn_matmul_tn(P, X, Xb, k, r, k); /* X' Xb */
    urn_transpose(Pt, P, k, k);
    for (size_t j = 0; j < k; j++)
      for (size_t i = 0; i < k; i++) {
        double f = i == j ? 0 : 1 / (s[j] * s[j] - s[i] * s[i]);
        /* U: (F o (U'Ub - Ub'U)) S; V: S (F o (V'Vb - Vb'V)) */
        K[i + j * k] = f * (P[i + j * k] - Pt[i + j * k]) * (isU ? s[j] : s[i]);
      }
    urn_matmul(T, U, K, m, k, k);
    urn_matmul_nt(Ab, T, V, m, k, n);
    /* the projector term: (I - U U') Ub S^-1 V'  or  U S^-1 Vb' (I - V V') */
    double *Y = xcalloc(r * k), *Z = xcalloc(k * k);
    urn_matmul_tn(Z, X, Xb, k, r, k);
    urn_matmul(Y, X, Z, r, k, k); /* X X' Xb */
    for (size_t q = 0; q < r * k; q++) Y[q] = Xb[q] - Y[q];
    for (size_t j = 0; j < k; j++)
      for (size_t i = 0; i < r; i++) Y[i + j * r] /= s[j];
    if (isU) {
      double *W = xcalloc(m * n);
      urn_matmul_nt(W, Y, V, m, k, n);
      for (size_t q = 0; q < m * n; q++) Ab[q] += W[q];
      free(W);
    } else {
      double *W = xcalloc(m * n);
      urn_matmul_nt(W, U, Y, m, k, n); /* U (S^-1 ((I - V V') Vb)')  */
      for (size_t q = 0; q < m * n; q++) Ab[q] += W[q];
      free(W);
    }
    free(Xb), free(P), free(Pt), free(Y), free(Z);
  }
  for (size_t q = 0; q < m * n; q++)
    if (c->in[q] >= 0) t->adj[c->in[q]] += Ab[q];
  free(Ab), free(K), free(T);
}

/* singular_values (aux2 2), svd_U (3), svd_V (4). */
static void f_svd(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *A = &args[0];
  size_t m = (size_t)A->dim[0], nc = (size_t)A->dim[1], k = m < nc ? m : nc;
  for (size_t q = 0; q < A->n; q++)
    if (!isfinite(A->v[q])) urn_ev_reject(ev, "%s: m has a non-finite element (%g)", b->name, A->v[q]);
  double *U = urn_ev_doubles(ev, m * k), *s = urn_ev_doubles(ev, k), *V = urn_ev_doubles(ev, nc * k);
  if (k && urn_svd(A->v, m, nc, U, s, V)) urn_ev_reject(ev, "%s: the SVD did not converge", b->name);
  int what = b->aux2;
  if (what == 2) {
    int32_t dim[1] = {(int32_t)k};
    urn_val_alloc(ev, out, (urn_type){URN_TY_VECTOR, 0}, dim, A->ix != NULL);
    memcpy(out->v, s, k * sizeof(double));
  } else {
    size_t r = what == 3 ? m : nc;
    int32_t dim[2] = {(int32_t)r, (int32_t)k};
    urn_val_alloc(ev, out, (urn_type){URN_TY_MATRIX, 0}, dim, A->ix != NULL);
    memcpy(out->v, what == 3 ? U : V, r * k * sizeof(double));
    if (A->ix)
      for (size_t i = 0; i < k; i++)
        if (!(s[i] > 1e-14 * s[0]) || (i && !(s[i - 1] - s[i] > 1e-12 * s[0])))
          urn_ev_reject(ev, "%s: repeated or zero singular values (%g): the singular vectors have no derivative there",
                        b->name, s[i]);
  }
  if (!A->ix || k == 0) return;
  int32_t first = (int32_t)ev->tape.n;
  for (size_t q = 0; q < out->n; q++) out->ix[q] = urn_tape_var(&ev->tape, out->v[q]);
  dec_cb *c = urn_arena_alloc(&ev->arena, sizeof *c);
  c->m = m, c->n = nc, c->k = k, c->what = what, c->F1 = U, c->F2 = V, c->s = s, c->in = A->ix, c->out = out->ix;
  c->out_rows = what == 2 ? k : what == 3 ? m : nc;
  urn_tape_callback_add(&ev->tape, first, svd_reverse, c);
}

void urn_fn_tuple_parts(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_fn_parts *p = b->aux;
  urn_val_tuple_alloc(ev, out, (urn_type){URN_TY_TUPLE, 0, urn_builtin_tuple_ret(b->sig)}, NULL);
  for (int c = 0; c < p->n; c++) {
    urn_builtin part = *b; /* b's name in messages */
    part.aux = NULL, part.aux2 = p->aux2[c];
    p->fn[c](ev, &part, &out->tv[c], args, n);
  }
}

static const urn_fn_parts qr_parts = {2, {f_qr, f_qr}, {0, 1}};
static const urn_fn_parts qr_thin_parts = {2, {f_qr, f_qr}, {2, 3}};
static const urn_fn_parts svd_parts = {3, {f_svd, f_svd, f_svd}, {3, 2, 4}};

#define F(name, sig, fn, aux2, doc) {name, sig, fn, NULL, NULL, aux2, 0, doc}
const urn_builtin urn_fn_decomp_table[] = {
    F("qr_Q", "m:m", f_qr, 0, "the orthogonal factor Q (m x m) of A = Q R, R with a nonnegative diagonal"),
    F("qr_R", "m:m", f_qr, 1, "the upper-triangular factor R (m x n) of A = Q R"),
    F("qr_thin_Q", "m:m", f_qr, 2, "the thin orthogonal factor Q (m x min(m, n))"),
    F("qr_thin_R", "m:m", f_qr, 3, "the thin upper-triangular factor R (min(m, n) x n)"),
    F("singular_values", "v:m", f_svd, 2, "singular values, descending"),
    F("svd_U", "m:m", f_svd, 3, "left singular vectors (m x min(m, n))"),
    F("svd_V", "m:m", f_svd, 4, "right singular vectors (n x min(m, n)), each with its largest entry positive"),
    {"qr", "(m,m):m", urn_fn_tuple_parts, NULL, &qr_parts, 0, 0, "the tuple (qr_Q(A), qr_R(A))"},
    {"qr_thin", "(m,m):m", urn_fn_tuple_parts, NULL, &qr_thin_parts, 0, 0, "the tuple (qr_thin_Q(A), qr_thin_R(A))"},
    {"svd", "(m,v,m):m", urn_fn_tuple_parts, NULL, &svd_parts, 0, 0, "the tuple (svd_U(A), singular_values(A), svd_V(A))"},
    {NULL, NULL, NULL, NULL, NULL, 0, 0, NULL}};
