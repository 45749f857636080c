/* hmm/hmm_glm.c — the deterministic M-step of the logistic- and categorical-
 * regression HMMs (spec B.7): per state, a damped Newton maximisation of the
 * posterior-weighted log likelihood plus the weight prior, with the flat
 * directions of the pooled design (an input column of 1s duplicating the bias,
 * the softmax class gauge) projected out so the result is the exact MAP
 * (logreg) or the minimum-norm maximiser (catreg). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hmm/hmm_internal.h"
#include "math/linalg.h"
#include "util/util.h"

#define NEWTON_MAX_ITERS 100
#define NEWTON_TOL 1e-14
#define ARMIJO_C 1e-4
#define MAX_HALVINGS 30
#define FLAT_RTOL 1e-10

/* v[0..n) summed over red's processes (none: unchanged). */
static void reduce(const urn__hmm_reducer *red, double *v, size_t n) {
  if (red && red->sum) red->sum(red->ctx, v, n);
}

int urn__flat_directions(int M, const urn_hmm_seq *seqs, size_t nseq, const urn__hmm_reducer *red, double *N) {
  int n1 = M + 1;
  double *G = urn_xcalloc((size_t)n1 * n1 * 4 + 3 * (size_t)n1, sizeof(double));
  double *R = G + n1 * n1, *V = R + n1 * n1, *vecs = V + n1 * n1, *w = vecs + n1 * n1, *d = w + n1;
  int *nz = urn_xmalloc(sizeof(int) * (size_t)n1);
  for (size_t b = 0; b < nseq; b++)
    for (size_t t = 0; t < seqs[b].T; t++) {
      const double *x = seqs[b].x + t * M;
      for (int i = 0; i < n1; i++) {
        double xi = i < M ? x[i] : 1.0;
        for (int j = 0; j <= i; j++) G[i * n1 + j] += xi * (j < M ? x[j] : 1.0);
      }
    }
  reduce(red, G, (size_t)n1 * n1);
  for (int i = 0; i < n1; i++)
    for (int j = 0; j < i; j++) G[j * n1 + i] = G[i * n1 + j];
  int nv = 0, nnz = 0;
  for (int j = 0; j < n1; j++) {
    d[j] = sqrt(G[j * n1 + j]);
    if (d[j] == 0.0) {
      for (int i = 0; i < n1; i++) vecs[i * n1 + nv] = i == j;
      nv++;
    } else {
      nz[nnz++] = j;
    }
  }
  if (nnz > 0) {
    for (int a = 0; a < nnz; a++)
      for (int b = 0; b < nnz; b++) R[a * nnz + b] = G[nz[a] * n1 + nz[b]] / (d[nz[a]] * d[nz[b]]);
    (void)urn_eigen_sym(R, (size_t)nnz, w, V); /* eigenvectors in V's columns, column-major */
    double mx = w[0];
    for (int a = 1; a < nnz; a++)
      if (w[a] > mx) mx = w[a];
    for (int a = 0; a < nnz; a++)
      if (w[a] <= FLAT_RTOL * mx) {
        for (int i = 0; i < n1; i++) vecs[i * n1 + nv] = 0.0;
        for (int b = 0; b < nnz; b++) vecs[nz[b] * n1 + nv] = V[b + a * nnz] / d[nz[b]];
        nv++;
      }
  }
  /* modified Gram-Schmidt into N (n1 x r, row-major with row stride n1) */
  int r = 0;
  for (int c = 0; c < nv; c++) {
    double v[256], *vv = n1 <= 256 ? v : urn_xmalloc(sizeof(double) * (size_t)n1);
    for (int i = 0; i < n1; i++) vv[i] = vecs[i * n1 + c];
    for (int q = 0; q < r; q++) {
      double dot = 0.0;
      for (int i = 0; i < n1; i++) dot += vv[i] * N[i * n1 + q];
      for (int i = 0; i < n1; i++) vv[i] -= dot * N[i * n1 + q];
    }
    double nrm = 0.0;
    for (int i = 0; i < n1; i++) nrm += vv[i] * vv[i];
    nrm = sqrt(nrm);
    if (nrm > 1e-8) {
      for (int i = 0; i < n1; i++) N[i * n1 + r] = vv[i] / nrm;
      r++;
    }
    if (vv != v) free(vv);
  }
  free(G);
  free(nz);
  return r;
}

/* One state's objective over the pooled batch. */
typedef struct glm_ctx {
  const urn_hmm_model *m;   /* model (kind, M, C) */
  const urn_hmm_seq *seqs;  /* batch */
  size_t nseq;              /* number of sequences */
  const double *gam;        /* pooled posterior weights of the state, stride `stride` */
  int stride;               /* K */
  int n1;                   /* M + 1 */
  int nth;                  /* number of parameters: n1 (logreg) or C n1 (catreg) */
  const double *Lt;         /* logreg: prior precision matrix (n1 x n1); NULL for catreg */
  double *eta;              /* scratch, C */
  const urn__hmm_reducer *red; /* the sums over processes (NULL: one) */
} glm_ctx;

static inline double softplus(double x) { return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)); }

/* Linear predictors of one time step: logreg 1 value, catreg C values into eta; returns lse (catreg). */
static double predictors(const glm_ctx *c, const double *x, const double *th, double *eta) {
  int M = c->m->M, n1 = c->n1;
  if (c->m->kind == URN_HMM_LOGREG) {
    double e = th[M];
    for (int j = 0; j < M; j++) e += th[j] * x[j];
    eta[0] = e;
    return 0.0;
  }
  int C = c->m->C;
  double mx = -INFINITY;
  for (int k = 0; k < C; k++) {
    const double *r = th + k * n1;
    double e = r[M];
    for (int j = 0; j < M; j++) e += r[j] * x[j];
    eta[k] = e;
    if (e > mx) mx = e;
  }
  double s = 0.0;
  for (int k = 0; k < C; k++) s += exp(eta[k] - mx);
  return mx + log(s);
}

static double glm_F(glm_ctx *c, const double *th) {
  int M = c->m->M;
  double F = 0.0;
  size_t idx = 0;
  for (size_t b = 0; b < c->nseq; b++)
    for (size_t t = 0; t < c->seqs[b].T; t++, idx++) {
      double g = c->gam[idx * c->stride];
      if (g == 0.0) continue;
      const double *x = c->seqs[b].x + t * M;
      double y = c->seqs[b].y[t];
      double lse = predictors(c, x, th, c->eta);
      if (c->m->kind == URN_HMM_LOGREG)
        F += g * (y != 0.0 ? -softplus(-c->eta[0]) : -softplus(c->eta[0]));
      else
        F += g * (c->eta[(int)y] - lse);
    }
  reduce(c->red, &F, 1);
  if (c->Lt) {
    int n = c->n1;
    double q = 0.0;
    for (int i = 0; i < n; i++)
      for (int j = 0; j < n; j++) q += th[i] * c->Lt[i * n + j] * th[j];
    F -= 0.5 * q;
  }
  return F;
}

/* Raw gradient of F and its negative Hessian (before projection). */
static void glm_grad_hess(glm_ctx *c, const double *th, double *g, double *H) {
  int M = c->m->M, n1 = c->n1, nth = c->nth, C = c->m->C;
  memset(g, 0, sizeof(double) * nth);
  memset(H, 0, sizeof(double) * (size_t)nth * nth);
  double xt[257], *xx = n1 <= 257 ? xt : urn_xmalloc(sizeof(double) * (size_t)n1);
  double *p = c->eta;
  size_t idx = 0;
  for (size_t b = 0; b < c->nseq; b++)
    for (size_t t = 0; t < c->seqs[b].T; t++, idx++) {
      double w = c->gam[idx * c->stride];
      if (w == 0.0) continue;
      const double *x = c->seqs[b].x + t * M;
      for (int j = 0; j < M; j++) xx[j] = x[j];
      xx[M] = 1.0;
      double y = c->seqs[b].y[t];
      double lse = predictors(c, x, th, p);
      if (c->m->kind == URN_HMM_LOGREG) {
        double s = 1.0 / (1.0 + exp(-p[0]));
        double r = w * (y - s), h = w * s * (1.0 - s);
        for (int i = 0; i < n1; i++) {
          g[i] += r * xx[i];
          double hx = h * xx[i];
          for (int j = 0; j <= i; j++) H[i * n1 + j] += hx * xx[j];
        }
      } else {
        for (int k = 0; k < C; k++) p[k] = exp(p[k] - lse);
        int yi = (int)y;
        for (int k = 0; k < C; k++) {
          double r = w * ((k == yi) - p[k]);
          for (int i = 0; i < n1; i++) g[k * n1 + i] += r * xx[i];
        }
        /* H[(k,i),(l,j)] += w (p_k [k==l] - p_k p_l) x_i x_j, lower triangle */
        for (int k = 0; k < C; k++)
          for (int l = 0; l <= k; l++) {
            double a = w * ((k == l ? p[k] : 0.0) - p[k] * p[l]);
            if (a == 0.0) continue;
            for (int i = 0; i < n1; i++) {
              double ax = a * xx[i];
              double *row = H + (size_t)(k * n1 + i) * nth + l * n1;
              int jmax = k == l ? i : n1 - 1;
              for (int j = 0; j <= jmax; j++) row[j] += ax * xx[j];
            }
          }
      }
    }
  reduce(c->red, g, (size_t)nth);
  reduce(c->red, H, (size_t)nth * nth);
  for (int i = 0; i < nth; i++)
    for (int j = 0; j < i; j++) H[j * nth + i] = H[i * nth + j];
  if (c->Lt)
    for (int i = 0; i < n1; i++) {
      double s = 0.0;
      for (int j = 0; j < n1; j++) {
        s += c->Lt[i * n1 + j] * th[j];
        H[i * n1 + j] += c->Lt[i * n1 + j];
      }
      g[i] -= s;
    }
  if (xx != xt) free(xx);
}

/* y = P x for an n x n matrix P */
static void matvec(int n, const double *P, const double *x, double *y) {
  for (int i = 0; i < n; i++) {
    double s = 0.0;
    for (int j = 0; j < n; j++) s += P[i * n + j] * x[j];
    y[i] = s;
  }
}

/* logreg's prior precision on the weights (not the bias) into Lt (n1 x n1, zeroed): inv_s2 E, E = diag(1..1, 0).
 * With r flat directions N (n1 x r): S = (N'EN)^-1 N'E (r x n1, returned, the caller frees it) and
 * Lt = inv_s2 (E - E N S); NULL when N'EN is singular (a flat direction along the bias only: the prior does not see
 * it) or r = 0. */
static double *logreg_prior(const urn_hmm_model *m, const double *N, int r, double *Lt) {
  int M = m->M, n1 = M + 1;
  double inv_s2 = 1.0 / (m->weight_scale * m->weight_scale), *S = NULL;
  for (int i = 0; i < n1; i++) Lt[i * n1 + i] = i < M ? inv_s2 : 0.0;
  if (r > 0) {
    /* NtEN (r x r), then S = (N'EN)^-1 N'E and Lt = inv_s2 (E - E N S) */
    double *NEN = urn_xcalloc((size_t)r * r * 2 + (size_t)r, sizeof(double));
    double *L = NEN + r * r, *col = L + r * r;
    S = urn_xcalloc((size_t)r * n1, sizeof(double));
    for (int a = 0; a < r; a++)
      for (int b2 = 0; b2 < r; b2++) {
        double s = 0.0;
        for (int i = 0; i < M; i++) s += N[i * n1 + a] * N[i * n1 + b2];
        NEN[a * r + b2] = s;
      }
    if (urn_cholesky_tol(L, NEN, r, 1e-14) == 0) {
      for (int j = 0; j < n1; j++) {
        for (int a = 0; a < r; a++) col[a] = j < M ? N[j * n1 + a] : 0.0;
        urn_cholesky_solve(L, col, r, 1);
        for (int a = 0; a < r; a++) S[a * n1 + j] = col[a];
      }
      for (int i = 0; i < n1; i++)
        for (int j = 0; j < n1; j++) {
          double en_s = 0.0;
          if (i < M)
            for (int a = 0; a < r; a++) en_s += N[i * n1 + a] * S[a * n1 + j];
          Lt[i * n1 + j] = inv_s2 * ((i == j && i < M ? 1.0 : 0.0) - en_s);
        }
    } else {
      free(S);
      S = NULL; /* flat direction along the bias only: the prior does not see it */
    }
    free(NEN);
  }
  return S;
}

/* After Newton at theta: the final projected Hessian H's condition number (H is overwritten) and complete separation
 * (every weighted point predicted with probability within 1e-6 of 0 or 1; sumg the state's total weight); writes the
 * warning and returns 1 when any of them, or the Newton outcome (converged, polish_rejected, stuck), makes the
 * weights unreliable, else 0. */
static int newton_verdict(const glm_ctx *c, double *H, const double *theta, double sumg, int converged,
                          int polish_rejected, int stuck, char *warn, size_t warn_cap) {
  const urn_hmm_model *m = c->m;
  int nth = c->nth, M = m->M, C = m->C, logreg = m->kind == URN_HMM_LOGREG;
  const urn_hmm_seq *seqs = c->seqs;
  double *eta = c->eta;
  /* conditioning of the final projected Hessian, for the separation warning */
  double *w = urn_xmalloc(sizeof(double) * (size_t)nth);
  (void)urn_eigen_sym(H, (size_t)nth, w, NULL);
  double wmin = INFINITY, wmax = 0.0;
  for (int i = 0; i < nth; i++) {
    if (w[i] < wmin) wmin = w[i];
    if (w[i] > wmax) wmax = w[i];
  }
  free(w);
  double cond = wmin > 0 ? wmax / wmin : INFINITY;
  /* complete separation: every weighted point predicted with probability within 1e-6 of 0 or 1 */
  double uncertain = 0.0;
  size_t idx = 0;
  for (size_t b = 0; b < c->nseq; b++)
    for (size_t t = 0; t < seqs[b].T; t++, idx++) {
      double w = c->gam[idx * c->stride];
      if (w == 0.0) continue;
      double lse = predictors(c, seqs[b].x + t * M, theta, eta);
      double pmax;
      if (logreg) pmax = 1.0 / (1.0 + exp(-fabs(eta[0])));
      else {
        pmax = 0.0;
        for (int k = 0; k < C; k++)
          if (exp(eta[k] - lse) > pmax) pmax = exp(eta[k] - lse);
      }
      if (pmax < 1.0 - 1e-6) uncertain += w;
    }
  reduce(c->red, &uncertain, 1);
  int separated = sumg > 1.0 && uncertain < 1e-3 * sumg;
  if (!converged || polish_rejected || stuck || cond > 1e12 || separated) {
    snprintf(warn, warn_cap,
             "%s (Hessian condition number %.3g); the data may be (quasi-)separable for this state, "
             "so its weights are not reliable%s",
             separated ? "every choice of this state is predicted with certainty"
             : stuck ? "Newton made no progress" : !converged ? "Newton did not converge in 100 iterations"
             : polish_rejected ? "the final Newton step was rejected" : "ill-conditioned Hessian",
             cond, logreg ? "; consider a finite emission_matrices_scale (--weight-scale), e.g. 1-5" : "");
    return 1;
  }
  return 0;
}

int urn__newton_state(const urn_hmm_model *m, const urn_hmm_seq *seqs, size_t nseq,
                      const double *gam, int stride, const double *N, int r, double *theta,
                      const urn__hmm_reducer *red, char *warn, size_t warn_cap) {
  int M = m->M, n1 = M + 1, C = m->C;
  int logreg = m->kind == URN_HMM_LOGREG;
  int nth = logreg ? n1 : C * n1;
  size_t nn = (size_t)nth * nth;
  double *P = urn_xcalloc(nn * 6 + (size_t)nth * 6 + (size_t)n1 * n1 * 2 + (size_t)(C + 1), sizeof(double));
  double *H = P + nn, *PH = H + nn, *work = PH + nn, *Lt = work + 2 * nn;
  double *Px = Lt + (size_t)n1 * n1, *g = Px + (size_t)n1 * n1, *pg = g + nth, *delta = pg + nth;
  double *x = delta + nth, *xt = x + nth, *Su = xt + nth, *eta = Su + nth;
  double *S = NULL; /* logreg with flat directions: (N'EN)^-1 N'E, r x n1 */
  int status = 0;
  warn[0] = 0;
  /* Px = I - N N' */
  for (int i = 0; i < n1; i++)
    for (int j = 0; j < n1; j++) {
      double s = i == j;
      for (int q = 0; q < r; q++) s -= N[i * n1 + q] * N[j * n1 + q];
      Px[i * n1 + j] = s;
    }
  double sumg = 0.0;
  size_t ntot = 0;
  for (size_t b = 0; b < nseq; b++) ntot += seqs[b].T;
  for (size_t i = 0; i < ntot; i++) sumg += gam[i * stride];
  reduce(red, &sumg, 1);
  glm_ctx c = {m, seqs, nseq, gam, stride, n1, nth, NULL, eta, red};
  if (logreg) {
    memcpy(P, Px, sizeof(double) * nn);
    S = logreg_prior(m, N, r, Lt);
    c.Lt = Lt;
  } else {
    /* Pbig = Pc (x) Px */
    for (int k = 0; k < C; k++)
      for (int l = 0; l < C; l++) {
        double pc = (k == l) - 1.0 / C;
        for (int i = 0; i < n1; i++)
          for (int j = 0; j < n1; j++) P[(size_t)(k * n1 + i) * nth + l * n1 + j] = pc * Px[i * n1 + j];
      }
  }
  matvec(nth, P, theta, x);
  double tol = NEWTON_TOL * (sumg > 1.0 ? sumg : 1.0);
  int converged = 0, polish_rejected = 0, stuck = 0;
  double lam2 = 0.0;
  for (int it = 0; it < NEWTON_MAX_ITERS; it++) {
    glm_grad_hess(&c, x, g, H);
    matvec(nth, P, g, pg);
    /* H <- P H P + (I - P) */
    for (int i = 0; i < nth; i++)
      for (int j = 0; j < nth; j++) {
        double s = 0.0;
        for (int k = 0; k < nth; k++) s += P[i * nth + k] * H[k * nth + j];
        PH[i * nth + j] = s;
      }
    for (int i = 0; i < nth; i++)
      for (int j = 0; j < nth; j++) {
        double s = 0.0;
        for (int k = 0; k < nth; k++) s += PH[i * nth + k] * P[k * nth + j];
        H[i * nth + j] = s + (i == j) - P[i * nth + j];
      }
    if (urn_pd_solve_ridge(H, pg, delta, nth, work)) {
      stuck = 1;
      break;
    }
    lam2 = 0.0;
    for (int i = 0; i < nth; i++) lam2 += pg[i] * delta[i];
    if (lam2 / 2.0 <= tol) {
      double f0 = glm_F(&c, x);
      for (int i = 0; i < nth; i++) xt[i] = x[i] + delta[i];
      if (glm_F(&c, xt) >= f0 - 1e-12 * (1.0 + fabs(f0))) memcpy(x, xt, sizeof(double) * nth);
      else polish_rejected = 1;
      converged = 1;
      break;
    }
    double f0 = glm_F(&c, x), s = 1.0;
    int ok = 0;
    for (int h = 0; h <= MAX_HALVINGS; h++) {
      for (int i = 0; i < nth; i++) xt[i] = x[i] + s * delta[i];
      if (glm_F(&c, xt) >= f0 + ARMIJO_C * s * lam2) {
        ok = 1;
        break;
      }
      s *= 0.5;
    }
    if (!ok) {
      stuck = 1;
      break;
    }
    memcpy(x, xt, sizeof(double) * nth);
  }
  /* theta = P x, plus the prior-optimal component along the flat directions (logreg) */
  matvec(nth, P, x, theta);
  if (S) {
    for (int a = 0; a < r; a++) {
      double s = 0.0;
      for (int j = 0; j < n1; j++) s += S[a * n1 + j] * theta[j];
      Su[a] = s;
    }
    for (int i = 0; i < n1; i++)
      for (int a = 0; a < r; a++) theta[i] -= N[i * n1 + a] * Su[a];
  }
  status = newton_verdict(&c, H, theta, sumg, converged, polish_rejected, stuck, warn, warn_cap);
  free(S);
  free(P);
  return status;
}
