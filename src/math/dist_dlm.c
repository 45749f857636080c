/* math/dist_dlm.c — gaussian_dlm_obs(y | F, G, V, W, m0, C0): the log
 * likelihood of a Gaussian dynamic linear model,
 *     y_t ~ normal(F' theta_t, V),  theta_t ~ normal(G theta_{t-1}, W),
 *     theta_0 ~ normal(m0, C0),
 * with y r x T, F n x r, G n x n, V r x r (or a vector: a diagonal V),
 * W n x n, m0 n, C0 n x n, by the Kalman filter:
 *     a = G m,  R = G C G' + W,  Q = F' R F + V,  e = y_t - F' a,
 *     lp += -r/2 log(2 pi) - log det(Q)/2 - e' Q^-1 e / 2,
 *     K = R F Q^-1,  m = a + K e,  C = R - R F Q^-1 F' R.
 * The partials of every argument come from one reverse sweep through the
 * filter (the adjoints of each step's formulas, written out below), the
 * steps' intermediates kept from the forward pass.  The symmetric arguments
 * (V, W, C0) get the symmetric gradient of dist.h. */
#include <stdlib.h>
#include <string.h>
#include "math/dist_impl.h"
#include "math/linalg.h"
#include "util/util.h"

#define CHK(label, arg, rule) dist_check(fn, label, &(arg), rule, err)

/* X += c A (m x n). */
static void axpy(double *X, double c, const double *A, size_t mn) {
  for (size_t i = 0; i < mn; i++) X[i] += c * A[i];
}

/* The shapes: n states, r observations, T times; V a matrix (vmat) or a vector. */
typedef struct dlm_dims {
  size_t n, r, T;
  int vmat;
} dlm_dims;

static int dlm_shapes(const char *fn, const urn_darg *a, dlm_dims *d, urn_error *err) {
  d->r = a[0].rows, d->T = a[0].cols, d->n = a[1].rows;
  d->vmat = a[3].cols > 1; /* a matrix V (for r = 1 the two forms coincide) */
  size_t n = d->n, r = d->r;
  if (a[1].cols != r)
    return urn_error_set(err, URN_EREJECT, "%s: columns of F (%zu) and rows of y (%zu) must match in size", fn,
                         a[1].cols, r);
  if (a[2].rows != n || a[2].cols != n)
    return urn_error_set(err, URN_EREJECT, "%s: G must be %zu x %zu (rows of F), is %zu x %zu", fn, n, n, a[2].rows,
                         a[2].cols);
  if (a[3].n != (d->vmat ? r * r : r))
    return urn_error_set(err, URN_EREJECT, "%s: V must be %zu x %zu or a vector of %zu (rows of y)", fn, r, r, r);
  if (a[4].rows != n || a[4].cols != n)
    return urn_error_set(err, URN_EREJECT, "%s: W must be %zu x %zu, is %zu x %zu", fn, n, n, a[4].rows, a[4].cols);
  if (a[5].n != n) return urn_error_set(err, URN_EREJECT, "%s: size of m0 (%zu) must be %zu", fn, a[5].n, n);
  if (a[6].rows != n || a[6].cols != n)
    return urn_error_set(err, URN_EREJECT, "%s: C0 must be %zu x %zu, is %zu x %zu", fn, n, n, a[6].rows, a[6].cols);
  if (CHK("y", a[0], DR_FINITE) || CHK("F", a[1], DR_FINITE) || CHK("G", a[2], DR_FINITE) ||
      CHK("W", a[4], DR_FINITE) || CHK("m0", a[5], DR_FINITE) || CHK("C0", a[6], DR_FINITE))
    return URN_EREJECT;
  if (!d->vmat && CHK("V", a[3], DR_NONNEG)) return URN_EREJECT;
  return URN_OK;
}

/* Each step's kept intermediates. */
typedef struct dlm_step {
  double *m, *C; /* the previous state mean and covariance */
  double *R, *S; /* R = G C G' + W, S = Q^-1 */
  double *e, *K; /* the innovation, the gain R F S */
} dlm_step;

/* The work space of the filter and its reverse sweep: 13 arrays of the largest size (see the caller). */
typedef struct dlm_work {
  double *m, *C;           /* the state mean and covariance (forward), their adjoints (reverse) */
  double *A1, *A2, *A3, *Q; /* n x n temporaries and Q (r x r); reverse: Rb, Bb, B, Sb */
  double *LQ, *B1, *B2, *B3; /* Q's Cholesky factor; n x r temporaries; reverse: Qb, Kb */
  double *av, *rv, *Z;      /* a = G m (reverse: ab), an r vector (reverse: eb), a temporary */
} dlm_work;

/* The Kalman filter forward over the T steps from (m0, C0) in w->m, w->C: keeps each step's intermediates in
 * st and adds the log density without its constant to *lp; URN_EREJECT when a step's F' R F + V is not positive
 * definite. */
static int dlm_forward(const char *fn, const urn_darg *a, const dlm_dims *D, dlm_step *st, const dlm_work *w, double *lp,
                       urn_error *err) {
  size_t n = D->n, r = D->r, T = D->T, nn = n * n, rr = r * r;
  const double *y = a[0].v, *F = a[1].v, *G = a[2].v, *V = a[3].v, *W = a[4].v;
  double *m = w->m, *C = w->C, *A1 = w->A1, *A2 = w->A2, *Q = w->Q, *LQ = w->LQ, *B1 = w->B1, *B2 = w->B2, *av = w->av, *rv = w->rv;
  int rc = URN_OK;
  for (size_t t = 0; t < T && rc == URN_OK; t++) {
    dlm_step *s = &st[t];
    memcpy(s->m, m, sizeof(double) * n), memcpy(s->C, C, sizeof(double) * nn);
    urn_matvec(av, G, m, n, n);                  /* a = G m */
    urn_matmul(A1, G, C, n, n, n);               /* G C */
    urn_matmul_nt(s->R, A1, G, n, n, n);         /* G C G' */
    axpy(s->R, 1, W, nn);                        /* + W */
    urn_matmul_tn(B1, F, s->R, r, n, n);         /* F' R (r x n) */
    urn_matmul(Q, B1, F, r, n, r);               /* F' R F */
    if (D->vmat) axpy(Q, 1, V, rr);
    else
      for (size_t i = 0; i < r; i++) Q[i + i * r] += V[i];
    if (urn_cholesky(LQ, Q, r) != 0) {
      rc = urn_error_set(err, URN_EREJECT, "%s: the one-step-ahead covariance F' R F + V at time %zu is not "
                         "positive definite", fn, t + 1);
      break;
    }
    urn_cholesky_inverse(s->S, LQ, r);
    urn_matvec_t(rv, F, av, n, r);               /* F' a */
    for (size_t i = 0; i < r; i++) s->e[i] = y[i + t * r] - rv[i];
    urn_matvec(rv, s->S, s->e, r, r);            /* S e */
    *lp -= 0.5 * urn_cholesky_logdet(LQ, r) + 0.5 * urn_dot(s->e, rv, r);
    urn_matmul(B2, s->R, F, n, n, r);            /* R F (n x r) */
    urn_matmul(s->K, B2, s->S, n, r, r);         /* K = R F S */
    urn_matvec(m, s->K, s->e, n, r);
    axpy(m, 1, av, n);                           /* m = a + K e */
    urn_matmul_nt(A2, s->K, B2, n, r, n);        /* K (R F)' = R F S F' R */
    for (size_t i = 0; i < nn; i++) C[i] = s->R[i] - A2[i];
  }
  return rc;
}

/* One step of the reverse sweep, from the adjoints of the state after step t (w->m, w->C) to those before
 * it (the same arrays), adding the step's part of y's partials (a[0].d) and of F, G, V, W's (g: G n x n, then
 * F n x r, V r x r, W n x n). */
static void dlm_reverse_step(const urn_darg *a, const dlm_dims *D, const dlm_step *s, size_t t, const dlm_work *w, double *Gb) {
  size_t n = D->n, r = D->r, nn = n * n, rr = r * r, nr = n * r;
  const double *F = a[1].v, *G = a[2].v;
  double *FB = Gb + nn, *VB = FB + nr, *WB = VB + rr;
  double *mb = w->m, *Cb = w->C, *Rb = w->A1, *Bb = w->A2, *Sb = w->Q, *Qb = w->LQ, *Kb = w->B1, *eb = w->rv, *ab = w->av;
  double *A3 = w->A3, *B2 = w->B2, *B3 = w->B3, *Z = w->Z;
  /* B = F S F', C = R - R B R: Rb = Cb - Cb R B - B R Cb, Bb = -R Cb R */
  urn_matmul(B2, F, s->S, n, r, r);
  urn_matmul_nt(A3, B2, F, n, r, n); /* B (n x n) */
  urn_matmul(Z, Cb, s->R, n, n, n);
  urn_matmul(Rb, Z, A3, n, n, n);
  for (size_t i = 0; i < nn; i++) Rb[i] = Cb[i] - Rb[i];
  urn_matmul(Z, A3, s->R, n, n, n);
  double *T2 = Bb; /* B R Cb, then reuse as Bb */
  urn_matmul(T2, Z, Cb, n, n, n);
  axpy(Rb, -1, T2, nn);
  urn_matmul(Z, s->R, Cb, n, n, n);
  urn_matmul(Bb, Z, s->R, n, n, n);
  for (size_t i = 0; i < nn; i++) Bb[i] = -Bb[i];
  /* m = a + K e: ab = mb, Kb = mb e', eb = K' mb */
  memcpy(ab, mb, sizeof(double) * n);
  for (size_t j = 0; j < r; j++)
    for (size_t i = 0; i < n; i++) Kb[i + j * n] = mb[i] * s->e[j];
  urn_matvec_t(eb, s->K, mb, n, r);
  /* K = R F S: Rb += Kb S F', Fb += R Kb S, Sb = F' R Kb */
  urn_matmul(B3, Kb, s->S, n, r, r);
  urn_matmul_nt(Z, B3, F, n, r, n);
  axpy(Rb, 1, Z, nn);
  urn_matmul(B3, s->R, Kb, n, n, r);
  urn_matmul(B2, B3, s->S, n, r, r);
  axpy(FB, 1, B2, nr);
  urn_matmul_tn(Sb, F, B3, r, n, r); /* F' (R Kb) */
  /* B = F S F': Fb += (Bb + Bb') F S, Sb += F' Bb F */
  for (size_t j = 0; j < n; j++)
    for (size_t i = 0; i < n; i++) Z[i + j * n] = Bb[i + j * n] + Bb[j + i * n];
  urn_matmul(B2, Z, F, n, n, r);
  urn_matmul(B3, B2, s->S, n, r, r);
  axpy(FB, 1, B3, nr);
  urn_matmul(B2, Bb, F, n, n, r);
  urn_matmul_tn(Z, F, B2, r, n, r);
  axpy(Sb, 1, Z, rr);
  /* lp = -logdet(Q)/2 - e' S e / 2: Qb = -S/2, Sb -= e e'/2, eb -= S e */
  for (size_t j = 0; j < r; j++)
    for (size_t i = 0; i < r; i++) Sb[i + j * r] -= 0.5 * s->e[i] * s->e[j], Qb[i + j * r] = -0.5 * s->S[i + j * r];
  urn_matvec(Z, s->S, s->e, r, r);
  axpy(eb, -1, Z, r);
  /* S = Q^-1: Qb -= S Sb S */
  urn_matmul(Z, s->S, Sb, r, r, r);
  urn_matmul(B2, Z, s->S, r, r, r);
  axpy(Qb, -1, B2, rr);
  /* e = y - F' a: yb += eb, Fb -= a eb', ab -= F eb */
  urn_matvec(Z, G, s->m, n, n); /* a */
  if (a[0].d) axpy(a[0].d + t * r, 1, eb, r);
  for (size_t j = 0; j < r; j++)
    for (size_t i = 0; i < n; i++) FB[i + j * n] -= Z[i] * eb[j];
  urn_matvec(B2, F, eb, n, r);
  axpy(ab, -1, B2, n);
  /* Q = F' R F + V: Vb += Qb, Rb += F Qb F', Fb += R F (Qb + Qb') */
  if (D->vmat) axpy(VB, 1, Qb, rr);
  else
    for (size_t i = 0; i < r; i++) VB[i] += Qb[i + i * r];
  urn_matmul(B2, F, Qb, n, r, r);
  urn_matmul_nt(B3, B2, F, n, r, n);
  axpy(Rb, 1, B3, nn);
  for (size_t j = 0; j < r; j++)
    for (size_t i = 0; i < r; i++) B3[i + j * r] = Qb[i + j * r] + Qb[j + i * r];
  urn_matmul(B2, s->R, F, n, n, r);
  urn_matmul(Z, B2, B3, n, r, r);
  axpy(FB, 1, Z, nr);
  /* R = G C G' + W: Wb += Rb, Gb += (Rb + Rb') G C, Cb_prev = G' Rb G */
  axpy(WB, 1, Rb, nn);
  for (size_t j = 0; j < n; j++)
    for (size_t i = 0; i < n; i++) B3[i + j * n] = Rb[i + j * n] + Rb[j + i * n];
  urn_matmul(Z, B3, G, n, n, n);
  urn_matmul(B3, Z, s->C, n, n, n);
  axpy(Gb, 1, B3, nn);
  urn_matmul_tn(Z, G, Rb, n, n, n);
  urn_matmul(Cb, Z, G, n, n, n);
  /* a = G m: Gb += ab m', mb_prev = G' ab */
  for (size_t j = 0; j < n; j++)
    for (size_t i = 0; i < n; i++) Gb[i + j * n] += ab[i] * s->m[j];
  urn_matvec_t(mb, G, ab, n, n);
}

int urn_gaussian_dlm_obs_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  const char *fn = "gaussian_dlm_obs_lpdf";
  dlm_dims D;
  if (dlm_shapes(fn, a, &D, err)) return URN_EREJECT;
  size_t n = D.n, r = D.r, T = D.T, nn = n * n, rr = r * r, nr = n * r;
  const double *m0 = a[5].v, *C0 = a[6].v;
  if (T == 0) return *out = 0, URN_OK;
  /* one allocation: T steps of (m n, C nn, R nn, S rr, e r, K nr), and the work space */
  /* every temporary holds the largest of n x n, n x r, r x r (and vectors of n or r) */
  size_t M = nn > nr ? nn : nr;
  if (rr > M) M = rr;
  M += n + r;
  size_t per = n + 2 * nn + rr + r + nr, work = 14 * M;
  double *mem = urn_xcalloc(T * per + work + 1, sizeof(double)), *p = mem;
  dlm_step *st = urn_xmalloc(sizeof(dlm_step) * T);
  for (size_t t = 0; t < T; t++) {
    st[t].m = p, p += n;
    st[t].C = p, p += nn;
    st[t].R = p, p += nn;
    st[t].S = p, p += rr;
    st[t].e = p, p += r;
    st[t].K = p, p += nr;
  }
  dlm_work w;
  double **wp[13] = {&w.m, &w.C, &w.A1, &w.A2, &w.A3, &w.Q, &w.LQ, &w.B1, &w.B2, &w.B3, &w.av, &w.rv, &w.Z};
  for (int k = 0; k < 13; k++) *wp[k] = p, p += M;
  memcpy(w.m, m0, sizeof(double) * n);
  memcpy(w.C, C0, sizeof(double) * nn);
  double lp = 0;
  int rc = dlm_forward(fn, a, &D, st, &w, &lp, err);
  int any = 0;
  for (int j = 0; j < 7; j++) any |= a[j].d != NULL;
  if (rc == URN_OK && any) {
    /* the reverse sweep: mb, Cb are the adjoints of the state after step t */
    double *mb = w.m, *Cb = w.C;
    double *Gb = urn_xcalloc(nn + nr + rr + nn + 1, sizeof(double)), *FB = Gb + nn, *VB = FB + nr, *WB = VB + rr;
    memset(mb, 0, sizeof(double) * n), memset(Cb, 0, sizeof(double) * nn);
    for (size_t t = T; t-- > 0;) dlm_reverse_step(a, &D, &st[t], t, &w, Gb);
    if (a[1].d) axpy(a[1].d, 1, FB, nr);
    if (a[2].d) axpy(a[2].d, 1, Gb, nn);
    if (a[5].d) axpy(a[5].d, 1, mb, n);
    /* the symmetric arguments: the symmetric gradient */
    const urn_darg *sym[3] = {D.vmat ? &a[3] : NULL, &a[4], &a[6]};
    const double *gsym[3] = {VB, WB, Cb};
    size_t dim[3] = {r, n, n};
    for (int q = 0; q < 3; q++) {
      if (!sym[q] || !sym[q]->d) continue;
      size_t k = dim[q];
      for (size_t j = 0; j < k; j++)
        for (size_t i = 0; i < k; i++) sym[q]->d[i + j * k] += 0.5 * (gsym[q][i + j * k] + gsym[q][j + i * k]);
    }
    if (!D.vmat && a[3].d) axpy(a[3].d, 1, VB, r);
    free(Gb);
  }
  free(st);
  free(mem);
  if (rc != URN_OK) return rc;
  if (!propto) lp -= 0.5 * r * T * DIST_LOG_2PI;
  *out = propto && !any ? 0 : lp;
  return URN_OK;
}
