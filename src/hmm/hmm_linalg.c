/* hmm/hmm_linalg.c — the small dense linear algebra and special functions the
 * HMM code needs (Cholesky, triangular solves, Jacobi eigen-decomposition,
 * lgamma), and the random variates of initialization and sampling.  Matrices
 * are row-major and tiny (D, M+1 or C(M+1) on a side), so clarity wins over
 * blocking. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hmm/hmm_internal.h"
#include "util/util.h"

int urn__chol(int n, const double *A, double *L, double rel_tol) {
  double mx = 0.0;
  for (int i = 0; i < n; i++)
    if (fabs(A[i * n + i]) > mx) mx = fabs(A[i * n + i]);
  double floor_ = rel_tol * mx;
  memset(L, 0, sizeof(double) * (size_t)n * n);
  for (int j = 0; j < n; j++) {
    double s = A[j * n + j];
    for (int k = 0; k < j; k++) s -= L[j * n + k] * L[j * n + k];
    if (!(s > floor_) || !isfinite(s)) return -1;
    double d = sqrt(s);
    L[j * n + j] = d;
    for (int i = j + 1; i < n; i++) {
      double v = A[i * n + j];
      for (int k = 0; k < j; k++) v -= L[i * n + k] * L[j * n + k];
      L[i * n + j] = v / d;
    }
  }
  return 0;
}

void urn__tri_lower_solve(int n, const double *L, double *b) {
  for (int i = 0; i < n; i++) {
    double s = b[i];
    for (int k = 0; k < i; k++) s -= L[i * n + k] * b[k];
    b[i] = s / L[i * n + i];
  }
}

void urn__chol_solve(int n, const double *L, double *b) {
  urn__tri_lower_solve(n, L, b);
  for (int i = n - 1; i >= 0; i--) {
    double s = b[i];
    for (int k = i + 1; k < n; k++) s -= L[k * n + i] * b[k];
    b[i] = s / L[i * n + i];
  }
}

double urn__chol_logdet(int n, const double *L) {
  double s = 0.0;
  for (int i = 0; i < n; i++) s += log(L[i * n + i]);
  return 2.0 * s;
}

int urn__pd_solve(int n, const double *H, const double *g, double *x, double *work) {
  /* work: 2 n^2 doubles */
  double *Hj = work, *L = work + (size_t)n * n;
  double scale = 0.0;
  for (int i = 0; i < n; i++)
    if (fabs(H[i * n + i]) > scale) scale = fabs(H[i * n + i]);
  if (scale < 1e-300) scale = 1e-300;
  double tau = 0.0;
  for (int attempt = 0; attempt < 40; attempt++) {
    memcpy(Hj, H, sizeof(double) * (size_t)n * n);
    for (int i = 0; i < n; i++) Hj[i * n + i] += tau;
    if (urn__chol(n, Hj, L, 0.0) == 0) {
      memcpy(x, g, sizeof(double) * (size_t)n);
      urn__chol_solve(n, L, x);
      return 0;
    }
    tau = tau == 0.0 ? 1e-12 * scale : tau * 10.0;
  }
  return -1;
}

void urn__sym_eigen(int n, const double *A, double *w, double *V) {
  double *a = urn_xmalloc(sizeof(double) * (size_t)n * n);
  memcpy(a, A, sizeof(double) * (size_t)n * n);
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) V[i * n + j] = i == j;
  for (int sweep = 0; sweep < 100; sweep++) {
    double off = 0.0, tot = 0.0;
    for (int i = 0; i < n; i++)
      for (int j = 0; j < n; j++) {
        tot += a[i * n + j] * a[i * n + j];
        if (i != j) off += a[i * n + j] * a[i * n + j];
      }
    if (off <= 1e-30 * tot || off == 0.0) break;
    for (int p = 0; p < n; p++)
      for (int q = p + 1; q < n; q++) {
        double apq = a[p * n + q];
        if (apq == 0.0) continue;
        double theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
        double t = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1.0));
        double c = 1.0 / sqrt(t * t + 1.0), s = t * c;
        for (int k = 0; k < n; k++) { /* columns p, q */
          double akp = a[k * n + p], akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (int k = 0; k < n; k++) { /* rows p, q */
          double apk = a[p * n + k], aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (int k = 0; k < n; k++) {
          double vkp = V[k * n + p], vkq = V[k * n + q];
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
  for (int i = 0; i < n; i++) w[i] = a[i * n + i];
  free(a);
}

double urn__lgamma(double x) {
  int sign;
  return lgamma_r(x, &sign);
}

double urn__lmgamma(int D, double a) {
  double s = D * (D - 1) / 4.0 * log(M_PI);
  for (int j = 1; j <= D; j++) s += urn__lgamma(a + (1 - j) / 2.0);
  return s;
}

double urn__log_dirichlet(int K, const double *p, const double *a) {
  double sa = 0.0, s = 0.0;
  for (int k = 0; k < K; k++) {
    sa += a[k];
    s -= urn__lgamma(a[k]);
    if (a[k] != 1.0) s += (a[k] - 1.0) * log(p[k]);
  }
  return s + urn__lgamma(sa);
}

/* Marsaglia & Tsang (2000); shape < 1 by the boost Gamma(a) = Gamma(a+1) U^(1/a). */
double urn__rand_gamma(urn_rng *r, double shape) {
  if (shape < 1.0) {
    double g = urn__rand_gamma(r, shape + 1.0);
    return g * pow(urn_rng_uniform(r), 1.0 / shape);
  }
  double d = shape - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
  for (;;) {
    double x, v;
    do {
      x = urn_rng_normal(r);
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    double u = urn_rng_uniform(r);
    if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
    if (log(u) < 0.5 * x * x + d * (1.0 - v + log(v))) return d * v;
  }
}

void urn__rand_dirichlet(urn_rng *r, int K, const double *a, double *out) {
  double s = 0.0;
  for (int k = 0; k < K; k++) s += out[k] = urn__rand_gamma(r, a[k]);
  if (!(s > 0.0)) { /* all draws underflowed (tiny concentrations): pick a vertex */
    for (int k = 0; k < K; k++) out[k] = 0.0;
    out[urn_rng_below(r, (uint64_t)K)] = 1.0;
    return;
  }
  for (int k = 0; k < K; k++) out[k] /= s;
}

/* Knuth's multiplication for small means, Hörmann's PTRS (1993) otherwise. */
double urn__rand_poisson(urn_rng *r, double lambda) {
  if (!(lambda > 0.0)) return 0.0;
  if (lambda < 12.0) {
    double L = exp(-lambda), p = 1.0;
    int k = 0;
    do {
      k++;
      p *= urn_rng_uniform(r);
    } while (p > L);
    return k - 1;
  }
  double slam = sqrt(lambda), loglam = log(lambda);
  double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
  double invalpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    double U = urn_rng_uniform(r) - 0.5, V = urn_rng_uniform(r);
    double us = 0.5 - fabs(U);
    double k = floor((2 * a / us + b) * U + lambda + 0.43);
    if (us >= 0.07 && V <= vr) return k;
    if (k < 0 || (us < 0.013 && V > us)) continue;
    if (log(V) + log(invalpha) - log(a / (us * us) + b) <= -lambda + k * loglam - urn__lgamma(k + 1))
      return k;
  }
}
