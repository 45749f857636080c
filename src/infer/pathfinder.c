/* infer/pathfinder.c — single-path Pathfinder and Pareto-smoothed importance
 * sampling (see pathfinder.h).
 *
 * A path: L-BFGS maximizes the log density from theta0 and every iterate x_l
 * and its gradient g_l are recorded.  Along the path, each step
 * s = x_l - x_{l-1} and gradient change y = g_{l-1} - g_l (of -log p) that
 * satisfies the curvature condition s'y > eps |y|^2 updates
 *   - a diagonal inverse-Hessian estimate alpha (Gilbert & Lemarechal's
 *     diagonal BFGS update of the scaled diagonal Hessian 1/alpha), and
 *   - the last J pairs (J = history size),
 * and the compact L-BFGS representation (Byrd, Nocedal & Schnabel 1994)
 *   H = diag(alpha) + beta gamma beta',   beta = [diag(alpha) Y, S],
 *   gamma = [[0, -R^-1], [-R^-T, R^-T (D + Y' diag(alpha) Y) R^-1]]
 * (R the upper triangle of S'Y, D its diagonal) is the covariance of the
 * normal approximation N(x_l + H g_l, H) at iteration l.  Its ELBO is
 * estimated from num_elbo_draws draws; the approximation with the highest
 * ELBO gives the path's draws.  H is factored densely when 2J >= n, else
 * through the thin QR of diag(alpha)^(-1/2) beta, as the paper does
 * (O(n J^2) per iteration).
 *
 * PSIS (Vehtari, Simpson, Gelman, Yao & Gabry 2024): the largest
 * M = min(n/5, 3 sqrt(n)) weights are replaced by the expected order
 * statistics of a generalized Pareto distribution fitted to them (Zhang &
 * Stephens 2009, with the weakly informative prior on k), then truncated at
 * the largest raw weight. */
#include "infer/pathfinder.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "math/linalg.h"
#include "util/util.h"

void pf_config_default(pf_config *cfg) {
  urn_optimize_config_default(&cfg->lbfgs);
  cfg->lbfgs.max_iterations = 1000;
  cfg->num_elbo_draws = 25, cfg->num_draws = 1000, cfg->calculate_lp = 1;
  cfg->iter = NULL, cfg->iter_ctx = NULL;
}

/* ---- the recorded L-BFGS path ---- */

typedef struct pf_trace {
  const urn_target *t; /* the density */
  size_t n;            /* dimension */
  double *cx, *cg;     /* the last point evaluated and its gradient */
  int cvalid;          /* cx/cg hold a successful evaluation */
  double *X, *G;       /* iterates and gradients of the log density, row l = iterate l */
  size_t len, cap;     /* rows recorded, rows allocated */
  long long n_grad;    /* gradient evaluations */
  int failed;          /* a re-evaluation at an iterate failed */
} pf_trace;

static int trace_fn(void *ctx, const double *theta, double *lp, double *grad, urn_error *err) {
  pf_trace *tr = ctx;
  tr->n_grad++;
  int rc = tr->t->log_density_gradient(tr->t->ctx, theta, lp, grad, err);
  tr->cvalid = rc == URN_OK;
  if (tr->cvalid) memcpy(tr->cx, theta, tr->n * sizeof *theta), memcpy(tr->cg, grad, tr->n * sizeof *grad);
  return rc;
}

static void trace_push(pf_trace *tr, const double *x, const double *g) {
  if (tr->len == tr->cap) {
    tr->cap = tr->cap ? 2 * tr->cap : 64;
    double *X = urn_xcalloc(tr->cap * tr->n + 1, sizeof *X), *G = urn_xcalloc(tr->cap * tr->n + 1, sizeof *G);
    if (tr->len) memcpy(X, tr->X, tr->len * tr->n * sizeof *X), memcpy(G, tr->G, tr->len * tr->n * sizeof *G);
    free(tr->X), free(tr->G);
    tr->X = X, tr->G = G;
  }
  memcpy(tr->X + tr->len * tr->n, x, tr->n * sizeof *x);
  memcpy(tr->G + tr->len * tr->n, g, tr->n * sizeof *g);
  tr->len++;
}

/* L-BFGS's iteration callback: the accepted point is the last one evaluated
 * (the line search ends on it); otherwise its gradient is computed again. */
static void trace_iteration(void *ctx, int it, const double *theta, double lp) {
  (void)it, (void)lp;
  pf_trace *tr = ctx;
  if (!tr->cvalid || memcmp(tr->cx, theta, tr->n * sizeof *theta)) {
    double l;
    if (trace_fn(tr, theta, &l, tr->cg, NULL) != URN_OK) {
      tr->failed = 1;
      return;
    }
  }
  trace_push(tr, theta, tr->cg);
}

/* ---- the normal approximation at one iterate ---- */

typedef struct pf_approx {
  size_t n;      /* dimension */
  size_t k;      /* columns of beta: twice the pairs */
  int dense;     /* L is the n x n Cholesky factor of H (else the k x k factor of I + R gamma R') */
  double *mu;    /* mean (n) */
  double *alpha; /* diagonal part of H (n) */
  double *L;     /* Cholesky factor (n x n or k x k, column-major as math/linalg.h) */
  double *Q;     /* low rank: n x k, orthonormal columns of diag(alpha)^(-1/2) beta (row-major) */
  double logdet; /* log det H */
} pf_approx;

static void approx_alloc(pf_approx *a, size_t n, size_t kmax) {
  a->n = n;
  a->mu = urn_xcalloc(n + 1, sizeof *a->mu), a->alpha = urn_xcalloc(n + 1, sizeof *a->alpha);
  size_t big = n * n > kmax * kmax ? n * n : kmax * kmax;
  a->L = urn_xcalloc(big + 1, sizeof *a->L), a->Q = urn_xcalloc(n * kmax + 1, sizeof *a->Q);
}

static void approx_free(pf_approx *a) { free(a->mu), free(a->alpha), free(a->L), free(a->Q); }

static void approx_copy(pf_approx *dst, const pf_approx *src, size_t kmax) {
  size_t n = src->n, big = n * n > kmax * kmax ? n * n : kmax * kmax;
  dst->n = n, dst->k = src->k, dst->dense = src->dense, dst->logdet = src->logdet;
  memcpy(dst->mu, src->mu, n * sizeof *dst->mu), memcpy(dst->alpha, src->alpha, n * sizeof *dst->alpha);
  memcpy(dst->L, src->L, big * sizeof *dst->L), memcpy(dst->Q, src->Q, n * kmax * sizeof *dst->Q);
}

/* Diagonal update of alpha with the pair (s, y), s'y > 0. */
static void update_alpha(double *alpha, const double *s, const double *y, size_t n) {
  double yay = 0, ys = 0, sas = 0;
  for (size_t i = 0; i < n; i++) yay += alpha[i] * y[i] * y[i], ys += y[i] * s[i], sas += s[i] * s[i] / alpha[i];
  double *next = alpha; /* every term reads alpha[i] only */
  for (size_t i = 0; i < n; i++) {
    double a = alpha[i];
    double d = yay / (a * ys) + y[i] * y[i] / ys - yay * s[i] * s[i] / (a * a * ys * sas);
    if (d > 0 && isfinite(d)) next[i] = 1 / d;
  }
}

/* gamma (k x k, k = 2m) from the m pairs S, Y (rows, oldest first) and alpha; work: 3 m^2 values. */
static int form_gamma(const double *S, const double *Y, size_t m, const double *alpha, size_t n, double *gamma,
                      double *work) {
  size_t k = 2 * m;
  double *Rinv = work, *B = work + m * m, *T = work + 2 * m * m;
  memset(Rinv, 0, m * m * sizeof *Rinv);
  for (size_t i = 0; i < m; i++) Rinv[i * m + i] = 1;
  /* R (upper triangle of S'Y) into B, column-major as math/linalg.h, then Rinv = R^-1 */
  for (size_t i = 0; i < m; i++)
    for (size_t j = 0; j < m; j++) B[i + j * m] = j >= i ? urn_dot(S + i * n, Y + j * n, n) : 0;
  for (size_t i = 0; i < m; i++)
    if (!(B[i * m + i] > 0)) return -1;
  urn_trsm_upper(B, Rinv, m, m); /* column c of Rinv (stored at Rinv + c m) solves R x = e_c */
  for (size_t i = 0; i < m; i++)  /* to row-major */
    for (size_t j = 0; j < i; j++) {
      double t = Rinv[i * m + j];
      Rinv[i * m + j] = Rinv[j * m + i], Rinv[j * m + i] = t;
    }
  /* T = D + Y' diag(alpha) Y */
  for (size_t i = 0; i < m; i++)
    for (size_t j = 0; j < m; j++) {
      double v = i == j ? B[i * m + i] : 0;
      for (size_t d = 0; d < n; d++) v += Y[i * n + d] * alpha[d] * Y[j * n + d];
      T[i * m + j] = v;
    }
  /* B = Rinv' T Rinv */
  for (size_t i = 0; i < m; i++)
    for (size_t j = 0; j < m; j++) {
      double v = 0;
      for (size_t a = 0; a < m; a++)
        for (size_t b = 0; b < m; b++) v += Rinv[a * m + i] * T[a * m + b] * Rinv[b * m + j];
      B[i * m + j] = v;
    }
  memset(gamma, 0, k * k * sizeof *gamma);
  for (size_t i = 0; i < m; i++)
    for (size_t j = 0; j < m; j++) {
      gamma[i * k + m + j] = -Rinv[i * m + j];
      gamma[(m + i) * k + j] = -Rinv[j * m + i];
      gamma[(m + i) * k + m + j] = B[i * m + j];
    }
  return 0;
}

/* Thin QR of W (n x k, row-major) by modified Gram-Schmidt with one
 * re-orthogonalization: Q (n x k), R (k x k upper).  A column that is
 * (numerically) dependent on the previous ones gets a zero column in Q. */
static void thin_qr(const double *W, size_t n, size_t k, double *Q, double *R) {
  memcpy(Q, W, n * k * sizeof *Q);
  memset(R, 0, k * k * sizeof *R);
  for (size_t j = 0; j < k; j++) {
    double orig = 0;
    for (size_t d = 0; d < n; d++) orig += Q[d * k + j] * Q[d * k + j];
    for (int pass = 0; pass < 2; pass++)
      for (size_t i = 0; i < j; i++) {
        double r = 0;
        for (size_t d = 0; d < n; d++) r += Q[d * k + i] * Q[d * k + j];
        R[i * k + j] += r;
        for (size_t d = 0; d < n; d++) Q[d * k + j] -= r * Q[d * k + i];
      }
    double nrm = 0;
    for (size_t d = 0; d < n; d++) nrm += Q[d * k + j] * Q[d * k + j];
    nrm = sqrt(nrm);
    if (!(nrm > 1e-10 * sqrt(orig))) {
      for (size_t d = 0; d < n; d++) Q[d * k + j] = 0;
      continue;
    }
    R[j * k + j] = nrm;
    for (size_t d = 0; d < n; d++) Q[d * k + j] /= nrm;
  }
}

/* The approximation at x (gradient g) from alpha and the m pairs; -1 when H
 * is not positive definite.  work: n k + 4 k^2 + n + 3 m^2 values. */
static int approx_build(pf_approx *a, const double *x, const double *g, const double *alpha, const double *S,
                        const double *Y, size_t m, double *work) {
  size_t n = a->n, k = 2 * m;
  double *beta = work, *gamma = beta + n * k, *M = gamma + k * k, *R = M + k * k, *v = R + k * k;
  double *v2 = v + k, *gw = v2 + k + k;
  if (form_gamma(S, Y, m, alpha, n, gamma, gw) != 0) return -1;
  for (size_t d = 0; d < n; d++)
    for (size_t j = 0; j < m; j++) beta[d * k + j] = alpha[d] * Y[j * n + d], beta[d * k + m + j] = S[j * n + d];
  memcpy(a->alpha, alpha, n * sizeof *alpha);
  a->k = k;
  /* mean x + H g, H g = alpha g + beta gamma beta' g */
  for (size_t j = 0; j < k; j++) {
    double t = 0;
    for (size_t d = 0; d < n; d++) t += beta[d * k + j] * g[d];
    v[j] = t;
  }
  for (size_t i = 0; i < k; i++) {
    double t = 0;
    for (size_t j = 0; j < k; j++) t += gamma[i * k + j] * v[j];
    v2[i] = t;
  }
  for (size_t d = 0; d < n; d++) {
    double hv = alpha[d] * g[d];
    for (size_t j = 0; j < k; j++) hv += beta[d * k + j] * v2[j];
    a->mu[d] = x[d] + hv;
  }
  if (k >= n) { /* dense: H itself */
    a->dense = 1;
    double *H = a->Q; /* scratch of n k >= n n values */
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < n; j++) {
        double h = i == j ? alpha[i] : 0;
        for (size_t p = 0; p < k; p++) {
          double bg = 0;
          for (size_t q = 0; q < k; q++) bg += beta[i * k + q] * gamma[q * k + p];
          h += bg * beta[j * k + p];
        }
        H[i * n + j] = h;
      }
    if (urn_cholesky(a->L, H, n) != 0) return -1;
    a->logdet = urn_cholesky_logdet(a->L, n);
    return isfinite(a->logdet) ? 0 : -1;
  }
  a->dense = 0;
  for (size_t d = 0; d < n; d++)
    for (size_t j = 0; j < k; j++) beta[d * k + j] /= sqrt(alpha[d]);
  thin_qr(beta, n, k, a->Q, R);
  /* M = I + R gamma R' */
  for (size_t i = 0; i < k; i++)
    for (size_t j = 0; j < k; j++) {
      double s = i == j ? 1 : 0;
      for (size_t p = 0; p < k; p++) {
        double rg = 0;
        for (size_t q = 0; q < k; q++) rg += R[i * k + q] * gamma[q * k + p];
        s += rg * R[j * k + p];
      }
      M[i * k + j] = s;
    }
  if (urn_cholesky(a->L, M, k) != 0) return -1;
  a->logdet = urn_cholesky_logdet(a->L, k);
  for (size_t d = 0; d < n; d++) a->logdet += log(alpha[d]);
  return isfinite(a->logdet) ? 0 : -1;
}

/* A draw u from the approximation and its normalized log density; work: n + 2k values. */
static double approx_draw(const pf_approx *a, urn_rng *rng, double *u, double *work) {
  size_t n = a->n, k = a->k;
  double *z = work, *v = work + n, *w = v + k, zz = 0;
  for (size_t d = 0; d < n; d++) z[d] = urn_rng_normal(rng), zz += z[d] * z[d];
  if (a->dense) {
    for (size_t i = 0; i < n; i++) {
      double s = 0;
      for (size_t j = 0; j <= i; j++) s += a->L[i + j * n] * z[j]; /* urn_cholesky's factor is column-major */
      u[i] = a->mu[i] + s;
    }
  } else {
    for (size_t j = 0; j < k; j++) {
      double t = 0;
      for (size_t d = 0; d < n; d++) t += a->Q[d * k + j] * z[d];
      v[j] = t;
    }
    for (size_t i = 0; i < k; i++) {
      double s = -v[i];
      for (size_t j = 0; j <= i; j++) s += a->L[i + j * k] * v[j];
      w[i] = s;
    }
    for (size_t d = 0; d < n; d++) {
      double s = z[d];
      for (size_t j = 0; j < k; j++) s += a->Q[d * k + j] * w[j];
      u[d] = a->mu[d] + sqrt(a->alpha[d]) * s;
    }
  }
  return -0.5 * (a->logdet + (double)n * log(2 * M_PI) + zz);
}

/* ---- one path ---- */

typedef struct pf_lp {
  const urn_target *t; /* gradient fallback */
  pf_lp_fn fn;         /* the log density alone, or NULL */
  void *ctx;           /* its context */
  double *grad;        /* scratch for the fallback */
  long long n;         /* evaluations */
  int fatal;           /* a non-rejection error happened */
  urn_error err;       /* its message */
} pf_lp;

static double eval_lp(pf_lp *e, const double *u) {
  double lp = -INFINITY;
  urn_error err;
  urn_error_clear(&err);
  e->n++;
  int rc = e->fn ? e->fn(e->ctx, u, &lp, &err) : e->t->log_density_gradient(e->t->ctx, u, &lp, e->grad, &err);
  if (rc != URN_OK) {
    if (rc != URN_EREJECT && !e->fatal) e->fatal = rc, e->err = err;
    return -INFINITY;
  }
  return isfinite(lp) ? lp : -INFINITY;
}

/* Runs L-BFGS from theta0, recording the path into tr. */
static int run_lbfgs(const pf_config *cfg, pf_trace *tr, const double *theta0, pf_path *res, urn_error *err) {
  size_t n = tr->n;
  urn_target traced = {n, trace_fn, tr};
  double *theta = urn_xcalloc(n + 1, sizeof *theta), lp;
  memcpy(theta, theta0, n * sizeof *theta);
  urn_error e;
  urn_error_clear(&e);
  int rc = trace_fn(tr, theta, &lp, tr->cg, &e);
  if (rc != URN_OK || !isfinite(lp)) {
    free(theta);
    if (rc != URN_OK && rc != URN_EREJECT) return urn_error_set(err, rc, "%s", e.msg);
    return urn_error_set(err, URN_EINPUT, "the log density is not finite at the initial point%s%s",
                         e.msg[0] ? ": " : "", e.msg);
  }
  res->lp0 = lp;
  trace_push(tr, theta, tr->cg);
  urn_optimize_config oc = cfg->lbfgs;
  oc.iteration = trace_iteration, oc.iteration_ctx = tr;
  rc = urn_optimize_lbfgs(&oc, &traced, theta, &lp, &res->iterations, &res->reason, &e);
  free(theta);
  int benign = rc == URN_OK || (rc == URN_EFATAL && res->reason &&
                                (!strncmp(res->reason, "maximum", 7) || !strncmp(res->reason, "line search", 11)));
  if (!benign) return urn_error_set(err, rc, "%s", e.msg);
  return URN_OK;
}

/* The ELBO of approximation a from K draws (-inf when a draw's density is not finite). */
static double elbo(const pf_approx *a, int K, urn_rng *rng, pf_lp *e, double *u, double *work) {
  double sum = 0;
  for (int i = 0; i < K && !e->fatal; i++) { /* an error such as a stop request ends it (K may be 1e8) */
    double lq = approx_draw(a, rng, u, work);
    sum += eval_lp(e, u) - lq;
  }
  return isfinite(sum) ? sum / K : -INFINITY;
}

/* Tells cfg->iter about iteration l (a the approximation there when built). */
static void report_iter(const pf_config *cfg, const pf_approx *a, int l, const double *x, const double *g, size_t m,
                        int built, double el) {
  pf_iter it = {l, a->n, x, g, m, built, 0, 0, NULL, NULL, NULL, NULL, NAN, NAN, NULL};
  if (built) {
    it.dense = a->dense, it.k = a->dense ? 0 : a->k, it.mu = a->mu, it.alpha = a->alpha, it.L = a->L;
    it.Q = a->dense ? NULL : a->Q, it.logdet = a->logdet, it.elbo = el;
  } else if (l > 0) {
    it.error = m == 0 ? "no (s, y) pair has met the curvature condition yet"
                      : "the inverse-Hessian estimate is not positive definite";
  }
  cfg->iter(cfg->iter_ctx, &it);
}

/* Walks the path: updates alpha and the pairs, keeps the approximation with the highest ELBO in best. */
static int walk_path(const pf_config *cfg, const pf_trace *tr, urn_rng *rng, pf_lp *e, pf_approx *best,
                     pf_path *res) {
  size_t n = tr->n, J = cfg->lbfgs.history > 0 ? (size_t)cfg->lbfgs.history : 5, m = 0;
  double *alpha = urn_xcalloc(n + 1, sizeof *alpha), *S = urn_xcalloc(J * n + 1, sizeof *S);
  double *Y = urn_xcalloc(J * n + 1, sizeof *Y), *s = urn_xcalloc(n + 1, sizeof *s), *y = urn_xcalloc(n + 1, sizeof *y);
  size_t k = 2 * J;
  double *work = urn_xcalloc(n * k + 4 * k * k + 3 * J * J + 4 * k + 2 * n + 1, sizeof *work);
  double *u = urn_xcalloc(n + 1, sizeof *u);
  pf_approx cur;
  approx_alloc(&cur, n, k);
  for (size_t d = 0; d < n; d++) alpha[d] = 1;
  res->best_iter = 0, res->best_elbo = -INFINITY;
  if (cfg->iter && tr->len > 0) report_iter(cfg, &cur, 0, tr->X, tr->G, 0, 0, NAN);
  for (size_t l = 1; l < tr->len && !e->fatal; l++) {
    const double *x0 = tr->X + (l - 1) * n, *x1 = tr->X + l * n, *g0 = tr->G + (l - 1) * n, *g1 = tr->G + l * n;
    double sy = 0, yy = 0;
    for (size_t d = 0; d < n; d++) s[d] = x1[d] - x0[d], y[d] = g0[d] - g1[d], sy += s[d] * y[d], yy += y[d] * y[d];
    if (sy > DBL_EPSILON * yy && sy > 0) {
      update_alpha(alpha, s, y, n);
      if (m == J) { /* drop the oldest pair */
        memmove(S, S + n, (J - 1) * n * sizeof *S), memmove(Y, Y + n, (J - 1) * n * sizeof *Y);
        m--;
      }
      memcpy(S + m * n, s, n * sizeof *s), memcpy(Y + m * n, y, n * sizeof *y);
      m++;
    }
    int built = m > 0 && approx_build(&cur, x1, g1, alpha, S, Y, m, work) == 0;
    double el = built ? elbo(&cur, cfg->num_elbo_draws, rng, e, u, work) : -INFINITY;
    if (cfg->iter) report_iter(cfg, &cur, (int)l, x1, g1, m, built, el);
    if (!built) continue;
    if (res->best_iter == 0 || el > res->best_elbo) {
      approx_copy(best, &cur, k);
      res->best_elbo = el, res->best_iter = (int)l;
    }
  }
  approx_free(&cur);
  free(alpha), free(S), free(Y), free(s), free(y), free(work), free(u);
  return res->best_iter > 0 ? URN_OK : URN_EINPUT;
}

int pf_single(const pf_config *cfg, const urn_target *t, pf_lp_fn lp_fn, void *lp_ctx, const double *theta0,
              urn_rng *rng, double *draws, double *lp_approx, double *lp, pf_path *res, urn_error *err) {
  size_t n = t->dim;
  memset(res, 0, sizeof *res);
  pf_trace tr = {t, n, urn_xcalloc(n + 1, sizeof(double)), urn_xcalloc(n + 1, sizeof(double)), 0, NULL, NULL, 0, 0,
                 0, 0};
  pf_lp e = {t, lp_fn, lp_ctx, urn_xcalloc(n + 1, sizeof(double)), 0, 0, {0, ""}};
  size_t k = 2 * (size_t)(cfg->lbfgs.history > 0 ? cfg->lbfgs.history : 5);
  pf_approx best;
  approx_alloc(&best, n, k);
  int rc = run_lbfgs(cfg, &tr, theta0, res, err);
  if (rc == URN_OK && tr.failed) rc = urn_error_set(err, URN_EINPUT, "the gradient failed at an L-BFGS iterate");
  if (rc == URN_OK) {
    rc = walk_path(cfg, &tr, rng, &e, &best, res);
    if (e.fatal) rc = urn_error_set(err, e.fatal, "%s", e.err.msg);
    else if (rc != URN_OK)
      urn_error_set(err, rc, "no usable normal approximation along the L-BFGS path (%d iterations: %s)",
                    res->iterations, res->reason ? res->reason : "no iterations");
  }
  if (rc == URN_OK) {
    double *work = urn_xcalloc(n + 2 * k + 1, sizeof *work);
    for (int i = 0; i < cfg->num_draws && !e.fatal; i++) {
      double *u = draws + (size_t)i * n;
      lp_approx[i] = approx_draw(&best, rng, u, work);
      lp[i] = cfg->calculate_lp ? eval_lp(&e, u) : NAN;
    }
    free(work);
    if (e.fatal) rc = urn_error_set(err, e.fatal, "%s", e.err.msg);
  }
  res->n_grad = tr.n_grad, res->n_lp = e.n;
  approx_free(&best);
  free(tr.cx), free(tr.cg), free(tr.X), free(tr.G), free(e.grad);
  return rc;
}

/* ---- PSIS ---- */

typedef struct pf_sorted {
  double v;  /* log weight */
  size_t i;  /* its index */
} pf_sorted;

static int cmp_sorted(const void *a, const void *b) {
  double x = ((const pf_sorted *)a)->v, y = ((const pf_sorted *)b)->v;
  return x < y ? -1 : x > y;
}

/* Generalized Pareto fit to x (ascending, positive tail exceedances): k and sigma. */
static void gpd_fit(const double *x, size_t N, double *k_out, double *sigma_out) {
  size_t M = 30 + (size_t)floor(sqrt((double)N));
  double xstar = x[(size_t)floor((double)N / 4 + 0.5) - 1 < N ? (size_t)floor((double)N / 4 + 0.5) - 1 : 0];
  double *theta = urn_xcalloc(M, sizeof *theta), *lt = urn_xcalloc(M, sizeof *lt), mx = -INFINITY;
  for (size_t j = 0; j < M; j++) {
    theta[j] = 1 / x[N - 1] + (1 - sqrt((double)M / ((double)j + 0.5))) / 3 / xstar;
    double kk = 0;
    for (size_t i = 0; i < N; i++) kk += log1p(-theta[j] * x[i]);
    kk /= (double)N;
    lt[j] = (double)N * (log(-theta[j] / kk) - kk - 1);
    if (!isfinite(lt[j])) lt[j] = -INFINITY;
    if (lt[j] > mx) mx = lt[j];
  }
  double wsum = 0, th = 0;
  for (size_t j = 0; j < M; j++) wsum += exp(lt[j] - mx);
  for (size_t j = 0; j < M; j++) th += theta[j] * exp(lt[j] - mx) / wsum;
  double k = 0;
  for (size_t i = 0; i < N; i++) k += log1p(-th * x[i]);
  k /= (double)N;
  *sigma_out = -k / th;
  *k_out = (k * (double)N + 10 * 0.5) / ((double)N + 10); /* the weakly informative prior */
  free(theta), free(lt);
}

static double gpd_quantile(double p, double k, double sigma) {
  return fabs(k) < 1e-12 ? -sigma * log1p(-p) : sigma * expm1(-k * log1p(-p)) / k;
}

double pf_psis(double *lw, size_t n) {
  double mx = -INFINITY, khat = NAN;
  for (size_t i = 0; i < n; i++)
    if (lw[i] > mx) mx = lw[i];
  if (!isfinite(mx)) { /* nothing usable: uniform weights */
    for (size_t i = 0; i < n; i++) lw[i] = -log((double)n);
    return NAN;
  }
  for (size_t i = 0; i < n; i++) lw[i] = isnan(lw[i]) ? -INFINITY : lw[i] - mx;
  size_t M = (size_t)ceil(fmin(0.2 * (double)n, 3 * sqrt((double)n)));
  if (M >= 5 && n > M + 1) {
    pf_sorted *srt = urn_xcalloc(n, sizeof *srt);
    for (size_t i = 0; i < n; i++) srt[i].v = lw[i], srt[i].i = i;
    qsort(srt, n, sizeof *srt, cmp_sorted);
    double cutoff = srt[n - M - 1].v;
    if (isfinite(cutoff)) {
      double ec = exp(cutoff), *x = urn_xcalloc(M, sizeof *x);
      for (size_t j = 0; j < M; j++) x[j] = exp(srt[n - M + j].v) - ec;
      if (x[M - 1] > 0 && x[0] >= 0) {
        double k, sigma;
        gpd_fit(x, M, &k, &sigma);
        if (isfinite(k) && sigma > 0) {
          khat = k;
          for (size_t j = 0; j < M; j++)
            lw[srt[n - M + j].i] = fmin(log(gpd_quantile(((double)j + 0.5) / (double)M, k, sigma) + ec), 0);
        }
      }
      free(x);
    }
    free(srt);
  }
  double sum = 0;
  for (size_t i = 0; i < n; i++) sum += exp(lw[i]);
  double ls = log(sum);
  for (size_t i = 0; i < n; i++) lw[i] -= ls;
  return khat;
}

void pf_resample(const double *lw, size_t n, size_t m, urn_rng *rng, size_t *idx) {
  double *cum = urn_xcalloc(n + 1, sizeof *cum), s = 0;
  for (size_t i = 0; i < n; i++) s += exp(lw[i]), cum[i] = s;
  for (size_t j = 0; j < m; j++) {
    double u = urn_rng_uniform(rng) * s;
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      if (cum[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    idx[j] = lo;
  }
  free(cum);
}
