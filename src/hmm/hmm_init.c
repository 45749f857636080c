/* hmm/hmm_init.c — initialization (dynamax's "prior" recipes and k-means on
 * the pooled emissions, spec 7), scikit-learn's k-means (greedy k-means++
 * seeding + Lloyd with its empty-cluster relocation), and find_permutation
 * with scipy's shortest-augmenting-path assignment and its tie-breaking (spec 9). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hmm/hmm_internal.h"
#include "math/dist.h"
#include "math/linalg.h"
#include "util/util.h"

static double sqdist(const double *a, const double *b, int d) {
  double s = 0.0;
  for (int i = 0; i < d; i++) {
    double r = a[i] - b[i];
    s += r * r;
  }
  return s;
}

/* The centre (of K, d each) nearest to x, ties to the lowest index; its squared distance into *dist. */
static int nearest(const double *x, const double *centers, int K, int d, double *dist) {
  int best = 0;
  double bd = sqdist(x, centers, d);
  for (int k = 1; k < K; k++) {
    double v = sqdist(x, centers + (size_t)k * d, d);
    if (v < bd) { bd = v; best = k; }
  }
  *dist = bd;
  return best;
}

void urn_hmm_lloyd(const double *X, size_t n, int d, int K, double *centers, int max_iter,
                   double tol, int *labels_out, double *inertia, int *n_iter_out) {
  /* threshold: tol * mean over dimensions of the (population) variance */
  double thr = 0.0;
  for (int j = 0; j < d; j++) {
    double mean = 0.0, v = 0.0;
    for (size_t i = 0; i < n; i++) mean += X[i * d + j];
    mean /= (double)n;
    for (size_t i = 0; i < n; i++) v += (X[i * d + j] - mean) * (X[i * d + j] - mean);
    thr += v / (double)n;
  }
  thr = tol * thr / d;
  int *labels = urn_xmalloc(sizeof(int) * n), *newl = urn_xmalloc(sizeof(int) * n);
  double *dmin = urn_xmalloc(sizeof(double) * n);
  double *sums = urn_xmalloc(sizeof(double) * (size_t)K * d), *counts = urn_xmalloc(sizeof(double) * (size_t)K);
  double *newc = urn_xmalloc(sizeof(double) * (size_t)K * d);
  char *picked = urn_xmalloc(n);
  int have_labels = 0, n_iter = 0;
  for (n_iter = 1; n_iter <= max_iter; n_iter++) {
    for (size_t i = 0; i < n; i++) {
      newl[i] = nearest(X + i * d, centers, K, d, &dmin[i]);
    }
    if (have_labels && memcmp(newl, labels, sizeof(int) * n) == 0) {
      n_iter--;
      break;
    }
    memcpy(labels, newl, sizeof(int) * n);
    have_labels = 1;
    memset(sums, 0, sizeof(double) * (size_t)K * d);
    memset(counts, 0, sizeof(double) * (size_t)K);
    for (size_t i = 0; i < n; i++) {
      counts[labels[i]] += 1.0;
      for (int j = 0; j < d; j++) sums[(size_t)labels[i] * d + j] += X[i * d + j];
    }
    /* empty clusters take the points farthest from their centres, farthest first */
    memset(picked, 0, n);
    for (int k = 0; k < K; k++) {
      if (counts[k] != 0.0) continue;
      size_t far = (size_t)-1;
      for (size_t i = 0; i < n; i++)
        if (!picked[i] && (far == (size_t)-1 || dmin[i] > dmin[far])) far = i;
      if (far == (size_t)-1) break;
      picked[far] = 1;
      int old = labels[far];
      for (int j = 0; j < d; j++) {
        sums[(size_t)old * d + j] -= X[far * d + j];
        sums[(size_t)k * d + j] = X[far * d + j];
      }
      counts[old] -= 1.0;
      counts[k] = 1.0;
    }
    double shift = 0.0;
    for (int k = 0; k < K; k++)
      for (int j = 0; j < d; j++) {
        double v = counts[k] > 0 ? sums[(size_t)k * d + j] / counts[k] : centers[(size_t)k * d + j];
        newc[(size_t)k * d + j] = v;
        double r = v - centers[(size_t)k * d + j];
        shift += r * r;
      }
    memcpy(centers, newc, sizeof(double) * (size_t)K * d);
    if (shift <= thr) break;
  }
  if (n_iter > max_iter) n_iter = max_iter;
  double inr = 0.0;
  for (size_t i = 0; i < n; i++) {
    double bd;
    int best = nearest(X + i * d, centers, K, d, &bd);
    if (labels_out) labels_out[i] = best;
    inr += bd;
  }
  if (inertia) *inertia = inr;
  if (n_iter_out) *n_iter_out = n_iter;
  free(labels);
  free(newl);
  free(dmin);
  free(sums);
  free(counts);
  free(newc);
  free(picked);
}

/* Greedy k-means++ seeding (scikit-learn's: 2 + floor(ln K) candidates per centre). */
static void kmeans_pp(const double *X, size_t n, int d, int K, urn_rng *r, double *centers) {
  int L = 2 + (int)log((double)K);
  double *closest = urn_xmalloc(sizeof(double) * n * (2 + (size_t)L)), *cum = closest + n;
  double *cand_d = cum + n;
  size_t *cand = urn_xmalloc(sizeof(size_t) * (size_t)L);
  size_t first = (size_t)urn_rng_below(r, n);
  memcpy(centers, X + first * d, sizeof(double) * d);
  double pot = 0.0;
  for (size_t i = 0; i < n; i++) pot += closest[i] = sqdist(X + i * d, X + first * d, d);
  for (int c = 1; c < K; c++) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++) cum[i] = s += closest[i];
    for (int l = 0; l < L; l++) {
      double u = urn_rng_uniform(r) * pot;
      size_t lo = 0, hi = n; /* first index with cum >= u */
      while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cum[mid] < u) lo = mid + 1; else hi = mid;
      }
      cand[l] = lo < n ? lo : n - 1;
    }
    int best = 0;
    double best_pot = INFINITY;
    for (int l = 0; l < L; l++) {
      double *dl = cand_d + (size_t)l * n, p = 0.0;
      for (size_t i = 0; i < n; i++) {
        double v = sqdist(X + i * d, X + cand[l] * d, d);
        dl[i] = v < closest[i] ? v : closest[i];
        p += dl[i];
      }
      if (p < best_pot) { best_pot = p; best = l; }
    }
    memcpy(centers + (size_t)c * d, X + cand[best] * d, sizeof(double) * d);
    memcpy(closest, cand_d + (size_t)best * n, sizeof(double) * n);
    pot = best_pot;
  }
  free(closest);
  free(cand);
}

int urn_hmm_kmeans(const double *X, size_t n, int d, int K, uint64_t seed, int n_init,
                   double *centers, int *labels, double *inertia, urn_error *err) {
  if (K < 1 || n < (size_t)K)
    return urn_error_set(err, URN_EINPUT, "hmm: k-means with %d clusters needs at least %d points (got %zu)", K, K, n);
  for (size_t i = 0; i < n * (size_t)d; i++)
    if (!isfinite(X[i])) return urn_error_set(err, URN_EINPUT, "hmm: k-means point %zu is not finite", i / d);
  urn_rng r;
  urn_rng_seed(&r, seed, 3);
  double *c = urn_xmalloc(sizeof(double) * (size_t)K * d);
  int *lab = urn_xmalloc(sizeof(int) * n);
  double best = INFINITY;
  if (n_init < 1) n_init = 1;
  for (int run = 0; run < n_init; run++) {
    kmeans_pp(X, n, d, K, &r, c);
    double inr;
    int it;
    urn_hmm_lloyd(X, n, d, K, c, 300, 1e-4, lab, &inr, &it);
    if (inr < best) {
      best = inr;
      memcpy(centers, c, sizeof(double) * (size_t)K * d);
      if (labels) memcpy(labels, lab, sizeof(int) * n);
    }
  }
  if (inertia) *inertia = best;
  free(c);
  free(lab);
  return URN_OK;
}

static void init_chain(const urn_hmm_model *m, urn_rng *r, urn_hmm_params *p) {
  int K = m->K;
  double *a = urn_xmalloc(sizeof(double) * (size_t)K);
  for (int k = 0; k < K; k++) a[k] = m->initial_conc;
  urn__rand_dirichlet(r, K, a, p->initial_probs);
  for (int j = 0; j < K; j++) {
    for (int k = 0; k < K; k++) a[k] = m->trans_conc + (j == k ? m->stickiness : 0.0);
    urn__rand_dirichlet(r, K, a, p->transition_matrix + (size_t)j * K);
  }
  free(a);
}

void urn__rand_dirichlet(urn_rng *r, int K, const double *a, double *out) {
  double s = 0.0;
  for (int k = 0; k < K; k++) s += out[k] = dist_gamma_draw(r, a[k]);
  if (!(s > 0.0)) { /* all draws underflowed (tiny concentrations): pick a vertex */
    for (int k = 0; k < K; k++) out[k] = 0.0;
    out[urn_rng_below(r, (uint64_t)K)] = 1.0;
    return;
  }
  for (int k = 0; k < K; k++) out[k] /= s;
}

/* Sigma ~ IW(nu, Psi) as the inverse of a Bartlett-decomposition Wishart(nu, Psi^-1) draw. */
static int draw_inv_wishart(urn_rng *r, int D, double nu, const double *Psi, double *Sigma) {
  size_t DD = (size_t)D * D;
  double *w = urn_xcalloc(DD * 5 + D, sizeof(double));
  double *L = w, *Pinv = L + DD, *Cc = Pinv + DD, *A = Cc + DD, *LA = A + DD, *col = LA + DD;
  int rc = -1;
  if (urn_cholesky(L, Psi, D)) goto done;
  for (int j = 0; j < D; j++) { /* Psi^-1 */
    for (int i = 0; i < D; i++) col[i] = i == j;
    urn_cholesky_solve(L, col, D, 1);
    for (int i = 0; i < D; i++) Pinv[i + j * D] = col[i]; /* column-major, as math/linalg.h */
  }
  if (urn_cholesky(Cc, Pinv, D)) goto done;
  for (int i = 0; i < D; i++) {
    A[i * D + i] = sqrt(2.0 * dist_gamma_draw(r, 0.5 * (nu - i)));
    for (int j = 0; j < i; j++) A[i * D + j] = urn_rng_normal(r);
  }
  for (int i = 0; i < D; i++) /* LA = Cc A (both lower; Cc and LA column-major, A row-major) */
    for (int j = 0; j < D; j++) {
      double s = 0.0;
      for (int k = 0; k < D; k++) s += Cc[i + k * D] * A[k * D + j];
      LA[i + j * D] = s;
    }
  /* Sigma = (LA LA^T)^-1 = LA^-T LA^-1: columns by triangular solves */
  for (int j = 0; j < D; j++) {
    for (int i = 0; i < D; i++) col[i] = i == j;
    urn_cholesky_solve(LA, col, D, 1);
    for (int i = 0; i < D; i++) Sigma[i * D + j] = col[i];
  }
  for (int i = 0; i < D; i++)
    for (int j = 0; j < i; j++) Sigma[i * D + j] = Sigma[j * D + i] = 0.5 * (Sigma[i * D + j] + Sigma[j * D + i]);
  rc = 0;
done:
  free(w);
  return rc;
}

int urn_hmm_init_prior(const urn_hmm_model *m, uint64_t seed, urn_hmm_params *p, urn_error *err) {
  int K = m->K, D = m->D, M = m->M, C = m->C;
  if (urn__hmm_is_family(m->kind) && m->kind != URN_HMM_CATEGORICAL)
    return urn_error_set(err, URN_EINPUT,
                         "hmm: %s emissions have no prior to draw from; use --init search, random or kmeans",
                         urn_hmm_kind_name(m->kind));
  urn_rng r;
  urn_rng_seed(&r, seed, 0);
  init_chain(m, &r, p);
  urn_rng_seed(&r, seed, 1);
  switch (m->kind) {
  case URN_HMM_GAUSSIAN: {
    double *L = urn_xmalloc(sizeof(double) * ((size_t)D * D + D));
    double *z = L + D * D;
    for (int k = 0; k < K; k++) {
      double *S = p->covs + (size_t)k * D * D;
      if (draw_inv_wishart(&r, D, D + m->extra_df, m->prior_scale, S) || urn_cholesky(L, S, D)) {
        free(L);
        return urn_error_set(err, URN_EINPUT, "hmm: prior initialization failed (is the prior scale positive definite?)");
      }
      for (int i = 0; i < D; i++) z[i] = urn_rng_normal(&r);
      for (int i = 0; i < D; i++) {
        double v = m->prior_mean[i];
        for (int j = 0; j <= i; j++) v += L[i + j * D] * z[j] / sqrt(m->kappa0);
        p->means[(size_t)k * D + i] = v;
      }
    }
    free(L);
    break;
  }
  case URN_HMM_DIAG:
    for (int k = 0; k < K; k++)
      for (int d = 0; d < D; d++) {
        double v = m->ig_scale / dist_gamma_draw(&r, m->ig_shape);
        p->means[(size_t)k * D + d] = m->prior_mean[d] + sqrt(v / m->kappa0) * urn_rng_normal(&r);
        p->scale_diags[(size_t)k * D + d] = sqrt(v);
      }
    break;
  case URN_HMM_LINREG:
    for (size_t i = 0; i < (size_t)K * D * M; i++) p->weights[i] = 0.01 * urn_rng_normal(&r);
    for (size_t i = 0; i < (size_t)K * D; i++) p->biases[i] = urn_rng_normal(&r);
    memset(p->covs, 0, sizeof(double) * (size_t)K * D * D);
    for (int k = 0; k < K; k++)
      for (int d = 0; d < D; d++) p->covs[((size_t)k * D + d) * D + d] = 1.0;
    break;
  case URN_HMM_LOGREG:
    for (size_t i = 0; i < (size_t)K * M; i++) p->weights[i] = 0.01 * urn_rng_normal(&r);
    for (int k = 0; k < K; k++) p->biases[k] = urn_rng_normal(&r);
    break;
  case URN_HMM_CATREG:
    for (size_t i = 0; i < (size_t)K * C * M; i++) p->weights[i] = urn_rng_normal(&r);
    for (size_t i = 0; i < (size_t)K * C; i++) p->biases[i] = urn_rng_normal(&r);
    break;
  case URN_HMM_POISSON:
    for (size_t i = 0; i < (size_t)K * D; i++) p->rates[i] = dist_gamma_draw(&r, m->rate_shape) / m->rate_rate;
    break;
  case URN_HMM_CATEGORICAL: /* each state's probabilities from the symmetric Dirichlet(probs_conc) */
    for (int k = 0; k < K; k++) {
      double s = 0.0, *row = p->probs + (size_t)k * C;
      for (int c = 0; c < C; c++) s += row[c] = dist_gamma_draw(&r, m->probs_conc) + 1e-300;
      for (int c = 0; c < C; c++) row[c] /= s;
    }
    break;
  default: break;
  }
  return URN_OK;
}

/* k-means for the families without inputs: clusters of the emissions on the scale their
 * location lives on (log y for the positive families, logit y for beta, y otherwise),
 * then the chain and the emissions from that partition (urn_hmm_init_labels). */
static int family_kmeans(const urn_hmm_model *m, uint64_t seed, const urn_hmm_seq *seqs, size_t nseq, size_t n,
                         urn_hmm_params *p, urn_error *err) {
  int D = m->D;
  double *X = urn_xmalloc(sizeof(double) * n * (size_t)D);
  int *labels = urn_xmalloc(sizeof(int) * n);
  size_t at = 0;
  for (size_t b = 0; b < nseq; b++) {
    memcpy(X + at * D, seqs[b].y, sizeof(double) * seqs[b].T * D);
    at += seqs[b].T;
  }
  urn__hmm_family_cluster_scale(m, X, n * (size_t)D);
  double *centers = urn_xmalloc(sizeof(double) * (size_t)m->K * D);
  int rc = urn_hmm_kmeans(X, n, D, m->K, seed, 1, centers, labels, NULL, err);
  if (!rc) rc = urn_hmm_init_labels(m, seqs, nseq, labels, p, err);
  free(X);
  free(centers);
  free(labels);
  return rc;
}

int urn_hmm_init_kmeans(const urn_hmm_model *m, uint64_t seed, const urn_hmm_seq *seqs,
                        size_t nseq, urn_hmm_params *p, urn_error *err) {
  int K = m->K, D = m->D, M = m->M;
  if (m->kind == URN_HMM_CATREG || m->kind == URN_HMM_POISSON)
    return urn_error_set(err, URN_EINPUT,
                         "hmm: k-means initialization is not available for %s (dynamax has none); use the prior",
                         urn_hmm_kind_name(m->kind));
  size_t n = 0;
  for (size_t b = 0; b < nseq; b++) n += seqs[b].T;
  if (n < (size_t)K)
    return urn_error_set(err, URN_EINPUT, "hmm: %d states need at least %d time steps in total (the data have %zu)",
                         K, K, n);
  if (urn__hmm_is_family(m->kind)) return family_kmeans(m, seed, seqs, nseq, n, p, err);
  int logreg = m->kind == URN_HMM_LOGREG;
  int d = logreg ? M : D;
  double *X = urn_xmalloc(sizeof(double) * n * (size_t)d);
  size_t at = 0;
  for (size_t b = 0; b < nseq; b++) {
    memcpy(X + at * d, logreg ? seqs[b].x : seqs[b].y, sizeof(double) * seqs[b].T * d);
    at += seqs[b].T;
  }
  urn_rng r;
  urn_rng_seed(&r, seed, 0);
  init_chain(m, &r, p);
  double *centers = urn_xmalloc(sizeof(double) * (size_t)K * d);
  int *labels = urn_xmalloc(sizeof(int) * n);
  int rc = urn_hmm_kmeans(X, n, d, K, seed, 1, centers, labels, NULL, err);
  if (rc) goto done;
  switch (m->kind) {
  case URN_HMM_GAUSSIAN:
  case URN_HMM_LINREG:
    memset(p->covs, 0, sizeof(double) * (size_t)K * D * D);
    for (int k = 0; k < K; k++)
      for (int i = 0; i < D; i++) p->covs[((size_t)k * D + i) * D + i] = 1.0;
    if (m->kind == URN_HMM_GAUSSIAN) memcpy(p->means, centers, sizeof(double) * (size_t)K * D);
    else {
      memset(p->weights, 0, sizeof(double) * (size_t)K * D * M);
      memcpy(p->biases, centers, sizeof(double) * (size_t)K * D);
    }
    break;
  case URN_HMM_DIAG:
    memcpy(p->means, centers, sizeof(double) * (size_t)K * D);
    for (size_t i = 0; i < (size_t)K * D; i++) p->scale_diags[i] = 1.0;
    break;
  case URN_HMM_LOGREG:
    memset(p->weights, 0, sizeof(double) * (size_t)K * M);
    for (int k = 0; k < K; k++) {
      double s = 0.0, cnt = 0.0;
      at = 0;
      for (size_t b = 0; b < nseq; b++)
        for (size_t t = 0; t < seqs[b].T; t++, at++)
          if (labels[at] == k) {
            s += seqs[b].y[t];
            cnt += 1.0;
          }
      if (cnt == 0.0 || s == 0.0 || s == cnt) {
        rc = urn_error_set(err, URN_EINPUT,
                           "hmm: k-means cluster %d of the inputs is empty or has all-equal choices, so its "
                           "bias logit(mean) is not finite; use --init prior or fewer states", k);
        goto done;
      }
      double mean = s / cnt;
      p->biases[k] = log(mean / (1.0 - mean));
    }
    break;
  default: break;
  }
done:
  free(X);
  free(centers);
  free(labels);
  return rc;
}

/* Square min-cost assignment (scipy's linear_sum_assignment recipe, spec 9). */
static void lsap_min(int n, const double *C, int *col4row) {
  double *u = urn_xcalloc((size_t)n * 3, sizeof(double)), *v = u + n, *spc = v + n;
  int *row4col = urn_xmalloc(sizeof(int) * (size_t)n * 4), *path = row4col + n, *remaining = path + n;
  char *SR = urn_xmalloc((size_t)n * 2), *SC = SR + n;
  for (int i = 0; i < n; i++) col4row[i] = row4col[i] = path[i] = -1;
  for (int cur = 0; cur < n; cur++) {
    for (int j = 0; j < n; j++) spc[j] = INFINITY;
    memset(SR, 0, (size_t)n * 2);
    int nrem = n;
    for (int it = 0; it < n; it++) remaining[it] = n - 1 - it;
    int i = cur, sink = -1;
    double minv = 0.0;
    while (sink == -1) {
      SR[i] = 1;
      double lowest = INFINITY;
      int idx = -1;
      for (int it = 0; it < nrem; it++) {
        int j = remaining[it];
        double r = minv + C[i * n + j] - u[i] - v[j];
        if (r < spc[j]) {
          path[j] = i;
          spc[j] = r;
        }
        if (spc[j] < lowest || (spc[j] == lowest && row4col[j] == -1)) {
          lowest = spc[j];
          idx = it;
        }
      }
      minv = lowest;
      int j = remaining[idx];
      if (row4col[j] == -1) sink = j;
      else i = row4col[j];
      SC[j] = 1;
      remaining[idx] = remaining[--nrem];
    }
    u[cur] += minv;
    for (int r = 0; r < n; r++)
      if (SR[r] && r != cur) u[r] += minv - spc[col4row[r]];
    for (int c = 0; c < n; c++)
      if (SC[c]) v[c] -= minv - spc[c];
    int j = sink;
    for (;;) {
      int pi = path[j];
      row4col[j] = pi;
      int tmp = col4row[pi];
      col4row[pi] = j;
      j = tmp;
      if (pi == cur) break;
    }
  }
  free(u);
  free(row4col);
  free(SR);
}

int urn_hmm_find_permutation(const int *z1, const int *z2, size_t T, int *perm, int *Kp,
                             urn_error *err) {
  if (T == 0) return urn_error_set(err, URN_EINPUT, "hmm align: the state sequences are empty");
  int mx = 0;
  for (size_t t = 0; t < T; t++) {
    if (z1[t] < 0 || z2[t] < 0)
      return urn_error_set(err, URN_EINPUT, "hmm align: state labels must be >= 0 (time %zu)", t);
    if (z1[t] > mx) mx = z1[t];
    if (z2[t] > mx) mx = z2[t];
  }
  if (mx >= 100000) return urn_error_set(err, URN_EINPUT, "hmm align: state label %d is too large", mx);
  int n = mx + 1;
  *Kp = n;
  if (!perm) return URN_OK;
  double *C = urn_xcalloc((size_t)n * n, sizeof(double));
  for (size_t t = 0; t < T; t++) C[(size_t)z1[t] * n + z2[t]] -= 1.0;
  lsap_min(n, C, perm);
  free(C);
  return URN_OK;
}
