/* infer/fisher.c — Fisher-divergence mass-matrix adaptation: the diagonal and
 * the low-rank-plus-diagonal estimators and nutpie's window schedule (see
 * fisher.h for the formulas and the schedule). */
#include "infer/fisher.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "math/linalg.h"
#include "util/util.h"

/* Clamp of the diagonal estimates, as nuts-rs. */
#define FISHER_LO 1e-20
#define FISHER_HI 1e20

void urn_fisher_adapt_init(urn_fisher_adapt *a, size_t dim, int lowrank, unsigned num_tune, double cutoff,
                           double gamma, int max_rank) {
  memset(a, 0, sizeof *a);
  a->dim = dim, a->lowrank = lowrank, a->cutoff = cutoff, a->gamma = gamma, a->max_rank = max_rank;
  a->num_tune = num_tune;
  a->early_end = (unsigned)(0.3 * num_tune);
  a->final_window = num_tune - (unsigned)(0.15 * num_tune);
  a->window = 80, a->early_window = 10;
  a->cap = (size_t)num_tune + 1;
  size_t d = dim ? dim : 1;
  a->xs = urn_xmalloc(a->cap * d * sizeof *a->xs);
  a->gs = urn_xmalloc(a->cap * d * sizeof *a->gs);
  a->factored = lowrank && cutoff > 1 && dim >= URN_FISHER_FACTORED_DIM;
  if (a->factored) {
    a->f_sig = urn_xcalloc(d, sizeof *a->f_sig), a->f_U = urn_xcalloc(d * d, sizeof *a->f_U);
    a->f_lam = urn_xcalloc(d, sizeof *a->f_lam);
  }
}

void urn_fisher_adapt_free(urn_fisher_adapt *a) {
  free(a->xs), free(a->gs), free(a->work), free(a->f_sig), free(a->f_U), free(a->f_lam);
  a->xs = a->gs = a->work = a->f_sig = a->f_U = a->f_lam = NULL;
}

static double *scratch(urn_fisher_adapt *a, size_t len) {
  if (len > a->work_len) {
    free(a->work);
    a->work = urn_xmalloc(len * sizeof *a->work);
    a->work_len = len;
  }
  return a->work;
}

static void store(urn_fisher_adapt *a, const double *q, const double *g) {
  if (a->n == a->cap) return; /* cannot happen: one row per warmup iteration plus the start */
  memcpy(a->xs + a->n * a->dim, q, a->dim * sizeof *q);
  memcpy(a->gs + a->n * a->dim, g, a->dim * sizeof *g);
  a->n++;
}

void urn_fisher_adapt_start(urn_fisher_adapt *a, const double *q, const double *g, double *inv_metric) {
  size_t d = a->dim;
  store(a, q, g);
  if (a->lowrank) memset(inv_metric, 0, d * d * sizeof *inv_metric);
  for (size_t i = 0; i < d; i++) {
    double v = 1.0 / fmin(fmax(fabs(g[i]), FISHER_LO), FISHER_HI);
    if (!isfinite(v)) v = 1;
    inv_metric[a->lowrank ? i + i * d : i] = v;
  }
}

/* Mean and variance (divided by n) of coordinate i over the rows. */
static void moments(const double *rows, size_t n, size_t d, size_t i, double *mean, double *var) {
  double m = 0, v = 0;
  for (size_t r = 0; r < n; r++) m += rows[r * d + i];
  m /= (double)n;
  for (size_t r = 0; r < n; r++) {
    double e = rows[r * d + i] - m;
    v += e * e;
  }
  *mean = m, *var = v / (double)n;
}

static int diag_estimate(const urn_fisher_adapt *a, const double *xs, const double *gs, size_t n, double *inv) {
  size_t d = a->dim;
  for (size_t i = 0; i < d; i++) {
    double mx, vx, mg, vg;
    moments(xs, n, d, i, &mx, &vx);
    moments(gs, n, d, i, &mg, &vg);
    double v = sqrt(vx / vg);
    if (isfinite(v) && v > 0) inv[i] = fmin(fmax(v, FISHER_LO), FISHER_HI); /* else: kept, as nuts-rs */
  }
  return 1;
}

/* Orthonormal basis (d x k, column-major, into Q) of the columns of the d x m
 * matrix Z by modified Gram-Schmidt, applied twice; columns that vanish
 * (below 1e-10 of their norm) are dropped.  Returns k. */
static size_t orth_basis(const double *Z, size_t d, size_t m, double *Q) {
  size_t k = 0;
  for (size_t j = 0; j < m && k < d; j++) {
    double *q = Q + k * d;
    memcpy(q, Z + j * d, d * sizeof *q);
    double norm0 = sqrt(urn_dot(q, q, d));
    if (!(norm0 > 0)) continue;
    for (int pass = 0; pass < 2; pass++)
      for (size_t l = 0; l < k; l++) {
        double c = urn_dot(Q + l * d, q, d);
        for (size_t i = 0; i < d; i++) q[i] -= c * Q[l * d + i];
      }
    double norm = sqrt(urn_dot(q, q, d));
    if (!(norm > 1e-10 * norm0)) continue;
    for (size_t i = 0; i < d; i++) q[i] /= norm;
    k++;
  }
  return k;
}

/* out = W diag(f(w)) W^T for the k x k eigenvectors W and the values fw. */
static void sym_from_eig(const double *W, const double *fw, size_t k, double *out) {
  for (size_t j = 0; j < k; j++)
    for (size_t i = 0; i <= j; i++) {
      double s = 0;
      for (size_t l = 0; l < k; l++) s += W[i + l * k] * fw[l] * W[j + l * k];
      out[i + j * k] = out[j + i * k] = s;
    }
}

/* The geometric mean B^-1/2 (B^1/2 A B^1/2)^1/2 B^-1/2 of the k x k SPD A and
 * B^-1 into M (work: 5 k*k + 2 k).  Returns 0 or nonzero on failure. */
static int spd_mean(const double *A, const double *B, size_t k, double *M, double *work) {
  double *W = work, *Bh = W + k * k, *Bih = Bh + k * k, *T = Bih + k * k, *T2 = T + k * k;
  double *w = T2 + k * k, *f = w + k;
  if (urn_eigen_sym(B, k, w, W) != 0) return 1;
  for (size_t l = 0; l < k; l++) {
    if (!(w[l] > 0)) return 1;
    f[l] = sqrt(w[l]);
  }
  sym_from_eig(W, f, k, Bh);
  for (size_t l = 0; l < k; l++) f[l] = 1.0 / sqrt(w[l]);
  sym_from_eig(W, f, k, Bih);
  urn_matmul(T2, Bh, A, k, k, k);
  urn_matmul(T, T2, Bh, k, k, k);
  if (urn_eigen_sym(T, k, w, W) != 0) return 1;
  for (size_t l = 0; l < k; l++) f[l] = sqrt(fmax(w[l], 0));
  sym_from_eig(W, f, k, T2);
  urn_matmul(T, Bih, T2, k, k, k);
  urn_matmul(M, T, Bih, k, k, k);
  return 0;
}

/* The kept eigenpairs: |log lambda| > log(cutoff), at most max_rank of them
 * (the largest |log lambda| first); their indices into idx, count returned. */
static size_t keep_eigen(const urn_fisher_adapt *a, const double *lam, size_t k, size_t *idx) {
  size_t r = 0;
  double lc = a->cutoff > 1 ? log(a->cutoff) : 0;
  for (size_t l = 0; l < k; l++)
    if (a->cutoff <= 1 || fabs(log(lam[l])) > lc) idx[r++] = l;
  for (size_t p = 1; p < r; p++) /* insertion sort by decreasing |log lambda| */
    for (size_t q = p; q > 0 && fabs(log(lam[idx[q]])) > fabs(log(lam[idx[q - 1]])); q--) {
      size_t t = idx[q];
      idx[q] = idx[q - 1], idx[q - 1] = t;
    }
  if (a->max_rank > 0 && r > (size_t)a->max_rank) r = (size_t)a->max_rank;
  return r;
}

static int lowrank_estimate(urn_fisher_adapt *a, const double *xs, const double *gs, size_t n, double *inv) {
  size_t d = a->dim, m = 2 * n;
  int full = m >= d || a->whole_space; /* the draws and gradients span up to 2n directions: the whole space when 2n >= d */
  size_t kmax = full ? d : m;
  /* sigma, X', G' (d x n each, side by side in Z), Q (d x kmax), Xp/Gp (kmax x n), A, B, M, eigen (k x k),
     spd_mean's work, lambda, idx */
  size_t need = d + d * m + d * kmax + 2 * kmax * n + 4 * kmax * kmax + 5 * kmax * kmax + 4 * kmax;
  double *sig = scratch(a, need), *Z = sig + d, *Q = Z + d * m, *Xp = Q + d * kmax, *Gp = Xp + kmax * n;
  double *A = Gp + kmax * n, *B = A + kmax * kmax, *M = B + kmax * kmax, *E = M + kmax * kmax;
  double *sw = E + kmax * kmax, *lam = sw + 5 * kmax * kmax + 2 * kmax;
  for (size_t i = 0; i < d; i++) {
    double mx, vx, mg, vg;
    moments(xs, n, d, i, &mx, &vx);
    moments(gs, n, d, i, &mg, &vg);
    double s = sqrt(sqrt(vx / vg));
    if (!isfinite(s) || !(s > 0)) return 0;
    s = fmin(fmax(s, sqrt(FISHER_LO)), sqrt(FISHER_HI));
    sig[i] = s;
    for (size_t r = 0; r < n; r++) {
      Z[i + r * d] = (xs[r * d + i] - mx) / s;
      Z[i + (n + r) * d] = (gs[r * d + i] - mg) * s;
    }
  }
  size_t k;
  if (full) {
    k = d;
    for (size_t c = 0; c < m; c++) memcpy(c < n ? Xp + c * d : Gp + (c - n) * d, Z + c * d, d * sizeof *Z);
  } else {
    k = orth_basis(Z, d, m, Q);
    if (k == 0) return 0;
    urn_matmul_tn(Xp, Q, Z, k, d, n);
    urn_matmul_tn(Gp, Q, Z + d * n, k, d, n);
  }
  urn_matmul_nt(A, Xp, Xp, k, n, k);
  urn_matmul_nt(B, Gp, Gp, k, n, k);
  for (size_t l = 0; l < k * k; l++) A[l] /= a->gamma, B[l] /= a->gamma;
  for (size_t l = 0; l < k; l++) A[l + l * k] += 1, B[l + l * k] += 1;
  if (spd_mean(A, B, k, M, sw) != 0 || urn_eigen_sym(M, k, lam, E) != 0) return 0;
  for (size_t l = 0; l < k; l++)
    if (!(lam[l] > 0) || !isfinite(lam[l])) return 0;
  size_t *idx = (size_t *)(lam + k), r = keep_eigen(a, lam, k, idx);
  /* U = Q E[:, idx] (d x r), written over Z (factored: into f_U); inv = diag(sig) (I + U (Lambda - I) U^T) diag(sig) */
  double *U = a->factored ? a->f_U : Z;
  for (size_t c = 0; c < r; c++)
    for (size_t i = 0; i < d; i++) {
      double s = 0;
      if (full) s = E[i + idx[c] * k];
      else
        for (size_t l = 0; l < k; l++) s += Q[i + l * d] * E[l + idx[c] * k];
      U[i + c * d] = s;
    }
  a->last_rank = (int)r;
  if (a->factored) { /* the factors, and the diagonal of the estimate into inv */
    memcpy(a->f_sig, sig, d * sizeof *sig);
    for (size_t c = 0; c < r; c++) a->f_lam[c] = lam[idx[c]];
    a->f_k = r;
    memset(inv, 0, d * d * sizeof *inv);
    for (size_t i = 0; i < d; i++) {
      double v = 1;
      for (size_t c = 0; c < r; c++) v += U[i + c * d] * U[i + c * d] * (a->f_lam[c] - 1);
      inv[i + i * d] = sig[i] * sig[i] * v;
    }
    return 1;
  }
  for (size_t j = 0; j < d; j++)
    for (size_t i = 0; i <= j; i++) {
      double s = i == j ? 1 : 0;
      for (size_t c = 0; c < r; c++) s += U[i + c * d] * (lam[idx[c]] - 1) * U[j + c * d];
      inv[i + j * d] = inv[j + i * d] = sig[i] * sig[j] * s;
    }
  return 1;
}

/* 1 when the symmetric d x d matrix A has a Cholesky factor with positive
 * pivots (the test NUTS applies when it takes a dense metric); work: d*d. */
static int chol_ok(const double *A, size_t d, double *L) {
  for (size_t j = 0; j < d; j++) {
    double p = A[j + j * d];
    for (size_t k = 0; k < j; k++) p -= L[j + k * d] * L[j + k * d];
    if (!(p > 0) || !isfinite(p)) return 0;
    L[j + j * d] = sqrt(p);
    for (size_t i = j + 1; i < d; i++) {
      double v = A[i + j * d];
      for (size_t k = 0; k < j; k++) v -= L[i + k * d] * L[j + k * d];
      L[i + j * d] = v / L[j + j * d];
    }
  }
  return 1;
}

/* The low-rank estimate, or, when it is not positive definite in floating
 * point (scales 1e16 apart: tests/data/errors/extreme_scales.stan), the
 * diagonal estimate as a dense diagonal matrix; keep: the previous metric. */
static int lowrank_or_diag(urn_fisher_adapt *a, const double *xs, const double *gs, size_t n, double *inv,
                           const double *keep) {
  size_t d = a->dim;
  int ok = lowrank_estimate(a, xs, gs, n, inv);
  for (size_t l = 0; ok && l < d * d; l++)
    if (!isfinite(inv[l])) ok = 0;
  /* factored: positive definite by construction (sig > 0, lambda > 0); dense: checked in floating point */
  double *L = urn_xmalloc((d ? (a->factored ? d : d * d) : 1) * sizeof *L);
  if (ok && (a->factored || chol_ok(inv, d, L))) {
    free(L);
    return 1;
  }
  double *v = L; /* the diagonal estimate, starting from the previous metric's diagonal */
  for (size_t i = 0; i < d; i++) v[i] = keep[i + i * d];
  diag_estimate(a, xs, gs, n, v);
  memset(inv, 0, d * d * sizeof *inv);
  for (size_t i = 0; i < d; i++) inv[i + i * d] = v[i];
  if (a->factored) { /* the diagonal estimate as factors: no eigenvectors */
    for (size_t i = 0; i < d; i++) a->f_sig[i] = sqrt(v[i]);
    a->f_k = 0;
  }
  free(L);
  a->last_rank = 0;
  return 1;
}

int urn_fisher_adapt_estimate(urn_fisher_adapt *a, const double *xs, const double *gs, size_t n,
                              double *inv_metric) {
  if (n < 3) return 0; /* as nuts-rs: no estimate from fewer than 3 draws */
  size_t len = a->lowrank ? a->dim * a->dim : a->dim;
  double *keep = urn_xmalloc((len ? len : 1) * sizeof *keep);
  memcpy(keep, inv_metric, len * sizeof *keep);
  int ok = a->lowrank ? lowrank_or_diag(a, xs, gs, n, inv_metric, keep) : diag_estimate(a, xs, gs, n, inv_metric);
  for (size_t l = 0; ok && l < len; l++)
    if (!isfinite(inv_metric[l])) ok = 0;
  if (!ok) memcpy(inv_metric, keep, len * sizeof *keep);
  free(keep);
  return ok;
}

/* The background window becomes the foreground; the rows before it are dropped. */
static void switch_windows(urn_fisher_adapt *a) {
  size_t d = a->dim, drop = a->bg_start;
  memmove(a->xs, a->xs + drop * d, (a->n - drop) * d * sizeof *a->xs);
  memmove(a->gs, a->gs + drop * d, (a->n - drop) * d * sizeof *a->gs);
  a->n -= drop;
  a->fg_start = 0, a->bg_start = a->n;
}

/* How many iterations a factored (dim >= URN_FISHER_FACTORED_DIM) estimate from fg draws waits after the last
 * one: its cost grows as k^3 with k = min(dim, 2 fg), the size of its eigenproblems, while an iteration's
 * gradients cost about as much as at 64 dimensions or less, so it is recomputed every ceil((k / 64)^3)
 * iterations (every iteration up to k = 64), and always at a window switch and at the last learning iteration
 * (learn).  Recomputing at every iteration made Mth (394 dimensions) spend 628 s of its 633 s in warmup's
 * eigendecompositions, against 5 s for the whole warmup with the diagonal metric. */
static unsigned factored_every(size_t dim, size_t fg) {
  double k = fmin((double)dim, 2.0 * (double)fg) / URN_FISHER_FACTORED_DIM;
  double every = ceil(k * k * k);
  return every < 1 ? 1 : every > 1e6 ? 1000000u : (unsigned)every;
}

int urn_fisher_adapt_learn(urn_fisher_adapt *a, unsigned iteration, const double *q, const double *g, int good,
                           double *inv_metric) {
  if (iteration >= a->final_window) return 0;
  int early = iteration < a->early_end;
  size_t bg = a->n - a->bg_start;
  if (!early && iteration == a->early_end && bg > a->window) a->window = (unsigned)bg;
  unsigned freq = early ? a->early_window : a->window;
  if (good) store(a, q, g);
  bg = a->n - a->bg_start;
  unsigned next = early ? a->early_window : (unsigned)fmax(a->window + 1.0, round(a->window * 1.5));
  int late = next + iteration > a->final_window;
  int switched = 0;
  if (bg >= freq && !late) {
    switch_windows(a);
    if (!early) a->window = next;
    switched = 1;
  }
  size_t fg = a->n - a->fg_start;
  if (a->factored && !switched && iteration + 1 != a->final_window && a->n_updates > 0 &&
      iteration - a->last_update < factored_every(a->dim, fg))
    return 0; /* a large estimate waits: see factored_every */
  if (urn_fisher_adapt_estimate(a, a->xs + a->fg_start * a->dim, a->gs + a->fg_start * a->dim, fg, inv_metric)) {
    a->n_updates++;
    a->last_update = iteration;
    return 1;
  }
  return 0;
}
