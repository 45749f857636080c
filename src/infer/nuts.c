/* infer/nuts.c — Stan's NUTS transition: multinomial sampling over the
 * trajectory, biased progressive sampling when a new subtree joins the
 * trajectory and uniform progressive sampling inside subtrees, the
 * generalized no-U-turn criterion on the merged tree and across the two
 * halves at every merge (the extra checks Stan added in 2.23), divergence at
 * an energy error above 1000, and Stan's step size initialization.
 *
 * Unlike Stan, a point carries its gradient, so a transition starts without
 * re-evaluating the gradient at the current draw (same numbers, one gradient
 * evaluation fewer per iteration). */
#include "infer/nuts.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

static double *vec(size_t n) { return urn_xcalloc(n ? n : 1, sizeof(double)); }

static void point_alloc(urn_ps_point *z, size_t n) { z->q = vec(n), z->p = vec(n), z->g = vec(n), z->V = 0; }
static void point_free(urn_ps_point *z) { free(z->q), free(z->p), free(z->g); }
static void point_copy(urn_ps_point *dst, const urn_ps_point *src, size_t n) {
  memcpy(dst->q, src->q, n * sizeof(double));
  memcpy(dst->p, src->p, n * sizeof(double));
  memcpy(dst->g, src->g, n * sizeof(double));
  dst->V = src->V;
}
static void copy(double *dst, const double *src, size_t n) { memcpy(dst, src, n * sizeof(double)); }
static double dot(const double *a, const double *b, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

urn_nuts *urn_nuts_new(const urn_target *target, urn_metric_kind metric, int max_depth, urn_rng *rng) {
  urn_nuts *s = urn_xcalloc(1, sizeof *s);
  size_t n = target->dim;
  s->target = target, s->dim = n, s->metric = metric, s->max_depth = max_depth, s->rng = rng;
  s->epsilon = 1, s->max_delta_h = 1000;
  size_t mlen = metric == URN_METRIC_DENSE ? n * n : n;
  s->inv_metric = vec(mlen);
  s->chol = metric == URN_METRIC_DENSE ? vec(n * n) : NULL;
  for (size_t i = 0; i < n; i++) {
    if (metric == URN_METRIC_DENSE)
      s->inv_metric[i + i * n] = s->chol[i + i * n] = 1;
    else
      s->inv_metric[i] = 1;
  }
  point_alloc(&s->z, n), point_alloc(&s->z_fwd, n), point_alloc(&s->z_bck, n);
  point_alloc(&s->z_sample, n), point_alloc(&s->z_propose, n);
  double **vs[] = {&s->p_fwd_fwd, &s->p_sharp_fwd_fwd, &s->p_fwd_bck, &s->p_sharp_fwd_bck, &s->p_bck_fwd,
                   &s->p_sharp_bck_fwd, &s->p_bck_bck, &s->p_sharp_bck_bck, &s->rho, &s->rho_fwd,
                   &s->rho_bck, &s->rho_ext, &s->tmp};
  for (size_t k = 0; k < sizeof vs / sizeof *vs; k++) *vs[k] = vec(n);
  s->levels = urn_xcalloc((size_t)max_depth + 1, sizeof *s->levels);
  for (int d = 0; d <= max_depth; d++) {
    urn_nuts_level *l = &s->levels[d];
    point_alloc(&l->z_propose_final, n);
    l->p_init_end = vec(n), l->p_sharp_init_end = vec(n), l->rho_init = vec(n);
    l->p_final_beg = vec(n), l->p_sharp_final_beg = vec(n), l->rho_final = vec(n);
  }
  return s;
}

void urn_nuts_free(urn_nuts *s) {
  if (!s) return;
  free(s->inv_metric), free(s->chol), free(s->lr_sig), free(s->lr_U), free(s->lr_lam), free(s->lr_w);
  point_free(&s->z), point_free(&s->z_fwd), point_free(&s->z_bck), point_free(&s->z_sample);
  point_free(&s->z_propose);
  double *vs[] = {s->p_fwd_fwd, s->p_sharp_fwd_fwd, s->p_fwd_bck, s->p_sharp_fwd_bck, s->p_bck_fwd,
                  s->p_sharp_bck_fwd, s->p_bck_bck, s->p_sharp_bck_bck, s->rho, s->rho_fwd,
                  s->rho_bck, s->rho_ext, s->tmp};
  for (size_t k = 0; k < sizeof vs / sizeof *vs; k++) free(vs[k]);
  for (int d = 0; d <= s->max_depth; d++) {
    urn_nuts_level *l = &s->levels[d];
    point_free(&l->z_propose_final);
    free(l->p_init_end), free(l->p_sharp_init_end), free(l->rho_init);
    free(l->p_final_beg), free(l->p_sharp_final_beg), free(l->rho_final);
  }
  free(s->levels);
  free(s);
}

unsigned long urn_nuts_message_kind(const char *msg) {
  /* FNV-1a over the message with every run of digits, signs and dots that
   * form a number replaced by one '#', so "Scale is -0.3" and "Scale is 2"
   * are the same kind. */
  unsigned long h = 1469598103934665603UL;
  int in_number = 0;
  for (const unsigned char *c = (const unsigned char *)msg; *c; c++) {
    int numeric = (*c >= '0' && *c <= '9') || ((*c == '.' || *c == '-' || *c == '+' || *c == 'e') && in_number);
    if (*c >= '0' && *c <= '9') numeric = 1;
    if (numeric) {
      if (!in_number) h = (h ^ '#') * 1099511628211UL;
      in_number = 1;
      continue;
    }
    in_number = 0;
    h = (h ^ *c) * 1099511628211UL;
  }
  return h ? h : 1;
}

static void report_rejection(urn_nuts *s, const char *msg) {
  unsigned long kind = urn_nuts_message_kind(msg);
  size_t slots = sizeof s->reject_kinds / sizeof *s->reject_kinds;
  for (size_t i = 0; i < slots; i++) {
    if (s->reject_kinds[i] == kind) return;
    if (s->reject_kinds[i] == 0) {
      s->reject_kinds[i] = kind;
      if (s->on_reject) s->on_reject(s->on_reject_ctx, msg);
      return;
    }
  }
  /* table full: stay quiet rather than flood the terminal */
}

/* Evaluates V and the gradient at z->q.  A rejection makes V infinite (the
 * proposal diverges); a fatal error is remembered and does the same. */
static void update_potential_gradient(urn_nuts *s, urn_ps_point *z) {
  urn_error e;
  e.code = 0, e.msg[0] = 0;
  double lp = 0;
  s->n_gradients++;
  int rc = s->target->log_density_gradient(s->target->ctx, z->q, &lp, z->g, &e);
  if (rc == URN_OK) {
    z->V = -lp;
    if (isnan(z->V)) z->V = INFINITY;
    return;
  }
  z->V = INFINITY;
  memset(z->g, 0, s->dim * sizeof *z->g);
  if (rc == URN_EREJECT) {
    report_rejection(s, e.msg[0] ? e.msg : "the log density rejected the point");
  } else if (!s->fatal) {
    s->fatal = rc;
    s->fatal_err = e;
    if (!s->fatal_err.msg[0]) urn_error_set(&s->fatal_err, rc, "the log density failed");
    s->fatal_err.code = rc;
  }
}

/* out = diag(sig) (I + U (f(Lambda) - I) U^T) diag(sig)^e v for the factored metric, f(l) = l^pw, e = +1 or -1
 * (M^-1 p: pw 1, e +1, sig applied on both sides; the momentum draw: pw -1/2, e -1, sig^-1 once, on the left). */
static void lowrank_apply(const urn_nuts *s, const double *v, double *out, int draw) {
  size_t n = s->dim, k = s->lr_k;
  double *w = s->lr_w;
  for (size_t i = 0; i < n; i++) w[i] = draw ? v[i] : s->lr_sig[i] * v[i];
  for (size_t i = 0; i < n; i++) out[i] = w[i];
  for (size_t c = 0; c < k; c++) {
    const double *u = s->lr_U + c * n;
    double t = dot(u, w, n), l = s->lr_lam[c];
    t *= (draw ? 1 / sqrt(l) : l) - 1;
    for (size_t i = 0; i < n; i++) out[i] += t * u[i];
  }
  for (size_t i = 0; i < n; i++) out[i] = draw ? out[i] / s->lr_sig[i] : out[i] * s->lr_sig[i];
}

/* dtau/dp = M^{-1} p */
static void dtau_dp(const urn_nuts *s, const double *p, double *out) {
  size_t n = s->dim;
  if (s->factored) {
    lowrank_apply(s, p, out, 0);
  } else if (s->metric == URN_METRIC_DENSE) {
    for (size_t i = 0; i < n; i++) out[i] = 0;
    for (size_t j = 0; j < n; j++) {
      const double *col = s->inv_metric + j * n;
      double pj = p[j];
      for (size_t i = 0; i < n; i++) out[i] += col[i] * pj;
    }
  } else {
    for (size_t i = 0; i < n; i++) out[i] = s->inv_metric[i] * p[i];
  }
}

/* Hamiltonian V + p^T M^{-1} p / 2 (NaN becomes +inf, as Stan's callers do). */
static double hamiltonian(urn_nuts *s, const urn_ps_point *z) {
  dtau_dp(s, z->p, s->tmp);
  double h = z->V + 0.5 * dot(z->p, s->tmp, s->dim);
  return isnan(h) ? INFINITY : h;
}

/* p ~ N(0, M): diag p_i = u_i / sqrt(minv_i); dense p = L^{-T} u with minv = L L^T. */
static void sample_p(urn_nuts *s, urn_ps_point *z) {
  size_t n = s->dim;
  if (s->factored) { /* p = diag(sig)^-1 (I + U (Lambda^-1/2 - I) U^T) u: covariance M */
    for (size_t i = 0; i < n; i++) s->tmp[i] = urn_rng_normal(s->rng);
    lowrank_apply(s, s->tmp, z->p, 1);
  } else if (s->metric == URN_METRIC_DENSE) {
    for (size_t i = 0; i < n; i++) z->p[i] = urn_rng_normal(s->rng);
    for (size_t ii = n; ii-- > 0;) { /* back substitution with L^T (upper) */
      double sum = z->p[ii];
      for (size_t k = ii + 1; k < n; k++) sum -= s->chol[k + ii * n] * z->p[k];
      z->p[ii] = sum / s->chol[ii + ii * n];
    }
  } else {
    for (size_t i = 0; i < n; i++) z->p[i] = urn_rng_normal(s->rng) / sqrt(s->inv_metric[i]);
  }
}

/* The explicit leapfrog: half kick, drift, gradient, half kick. */
static void evolve(urn_nuts *s, urn_ps_point *z, double eps) {
  size_t n = s->dim;
  for (size_t i = 0; i < n; i++) z->p[i] += 0.5 * eps * z->g[i];
  dtau_dp(s, z->p, s->tmp);
  for (size_t i = 0; i < n; i++) z->q[i] += eps * s->tmp[i];
  update_potential_gradient(s, z);
  for (size_t i = 0; i < n; i++) z->p[i] += 0.5 * eps * z->g[i];
}

static double log_sum_exp2(double a, double b) {
  if (a == -INFINITY) return b;
  if (b == -INFINITY) return a;
  double m = a > b ? a : b;
  return m + log(exp(a - m) + exp(b - m));
}

/* The generalized no-U-turn criterion: both ends' sharp momenta point along rho. */
static int criterion(const urn_nuts *s, const double *p_sharp_minus, const double *p_sharp_plus, const double *rho) {
  return dot(p_sharp_plus, rho, s->dim) > 0 && dot(p_sharp_minus, rho, s->dim) > 0;
}

typedef struct tree_totals {
  double H0;             /* Hamiltonian at the start of the transition */
  int n_leapfrog;        /* leapfrog steps so far */
  double sum_metro_prob; /* summed min(1, exp(H0 - h)) */
} tree_totals;

/* Builds a subtree of 2^depth leapfrog steps in direction sign from s->z;
 * returns whether it is valid (no divergence, no U-turn inside). */
static int build_tree(urn_nuts *s, int depth, urn_ps_point *z_propose, double *p_sharp_beg, double *p_sharp_end,
                      double *rho, double *p_beg, double *p_end, double sign, tree_totals *t,
                      double *log_sum_weight) {
  size_t n = s->dim;
  if (depth == 0) {
    evolve(s, &s->z, sign * s->epsilon);
    t->n_leapfrog++;
    double h = hamiltonian(s, &s->z);
    if (h - t->H0 > s->max_delta_h) s->divergent = 1;
    *log_sum_weight = log_sum_exp2(*log_sum_weight, t->H0 - h);
    t->sum_metro_prob += t->H0 - h > 0 ? 1 : exp(t->H0 - h);
    point_copy(z_propose, &s->z, n);
    dtau_dp(s, s->z.p, p_sharp_beg);
    copy(p_sharp_end, p_sharp_beg, n);
    for (size_t i = 0; i < n; i++) rho[i] += s->z.p[i];
    copy(p_beg, s->z.p, n);
    copy(p_end, s->z.p, n);
    return !s->divergent;
  }
  urn_nuts_level *l = &s->levels[depth];
  /* the initial subtree */
  double lsw_init = -INFINITY;
  memset(l->rho_init, 0, n * sizeof(double));
  if (!build_tree(s, depth - 1, z_propose, p_sharp_beg, l->p_sharp_init_end, l->rho_init, p_beg, l->p_init_end,
                  sign, t, &lsw_init))
    return 0;
  /* the final subtree */
  double lsw_final = -INFINITY;
  memset(l->rho_final, 0, n * sizeof(double));
  if (!build_tree(s, depth - 1, &l->z_propose_final, l->p_sharp_final_beg, p_sharp_end, l->rho_final,
                  l->p_final_beg, p_end, sign, t, &lsw_final))
    return 0;
  /* uniform progressive (multinomial) choice between the two halves */
  double lsw_subtree = log_sum_exp2(lsw_init, lsw_final);
  *log_sum_weight = log_sum_exp2(*log_sum_weight, lsw_subtree);
  if (lsw_final > lsw_subtree) {
    point_copy(z_propose, &l->z_propose_final, n);
  } else {
    double accept_prob = exp(lsw_final - lsw_subtree);
    if (urn_rng_uniform(s->rng) < accept_prob) point_copy(z_propose, &l->z_propose_final, n);
  }
  /* rho_subtree = rho_init + rho_final; rho += rho_subtree */
  double *rho_sub = s->levels[0].rho_init; /* level 0 scratch is unused by the recursion */
  for (size_t i = 0; i < n; i++) {
    rho_sub[i] = l->rho_init[i] + l->rho_final[i];
    rho[i] += rho_sub[i];
  }
  int persist = criterion(s, p_sharp_beg, p_sharp_end, rho_sub);
  /* across the halves: initial subtree plus the first step of the final one, and vice versa */
  for (size_t i = 0; i < n; i++) rho_sub[i] = l->rho_init[i] + l->p_final_beg[i];
  persist &= criterion(s, p_sharp_beg, l->p_sharp_final_beg, rho_sub);
  for (size_t i = 0; i < n; i++) rho_sub[i] = l->rho_final[i] + l->p_init_end[i];
  persist &= criterion(s, l->p_sharp_init_end, p_sharp_end, rho_sub);
  return persist;
}

int urn_nuts_set_point(urn_nuts *s, const double *q, urn_error *err) {
  urn_error e;
  e.code = 0, e.msg[0] = 0;
  double lp = 0;
  copy(s->z.q, q, s->dim);
  s->n_gradients++;
  int rc = s->target->log_density_gradient(s->target->ctx, s->z.q, &lp, s->z.g, &e);
  if (rc != URN_OK) {
    if (err) *err = e;
    if (err && !err->msg[0]) urn_error_set(err, rc, "the log density failed");
    if (err) err->code = rc;
    return rc;
  }
  if (!isfinite(lp)) return urn_error_set(err, URN_EREJECT, "the log density is %g", lp);
  for (size_t i = 0; i < s->dim; i++)
    if (!isfinite(s->z.g[i]))
      return urn_error_set(err, URN_EREJECT, "gradient element %zu of the log density is %g", i + 1, s->z.g[i]);
  s->z.V = -lp;
  return URN_OK;
}

void urn_nuts_set_lowrank(urn_nuts *s, const double *sig, const double *U, const double *lam, size_t k) {
  size_t n = s->dim;
  if (!s->lr_sig) {
    s->lr_sig = vec(n), s->lr_U = vec(n * n), s->lr_lam = vec(n), s->lr_w = vec(n);
  }
  s->factored = 1, s->lr_k = k;
  copy(s->lr_sig, sig, n), copy(s->lr_U, U, n * k), copy(s->lr_lam, lam, k);
  for (size_t j = 0; j < n; j++)
    for (size_t i = 0; i <= j; i++) {
      double v = i == j ? 1 : 0;
      for (size_t c = 0; c < k; c++) v += U[i + c * n] * (lam[c] - 1) * U[j + c * n];
      s->inv_metric[i + j * n] = s->inv_metric[j + i * n] = sig[i] * sig[j] * v;
    }
}

int urn_nuts_set_inv_metric(urn_nuts *s, const double *inv_metric, urn_error *err) {
  size_t n = s->dim;
  s->factored = 0;
  if (s->metric != URN_METRIC_DENSE) {
    copy(s->inv_metric, inv_metric, n);
    return URN_OK;
  }
  copy(s->inv_metric, inv_metric, n * n);
  /* Cholesky: inv_metric = L L^T, L lower, column-major */
  double *L = s->chol;
  memset(L, 0, n * n * sizeof *L);
  for (size_t j = 0; j < n; j++) {
    double d = inv_metric[j + j * n];
    for (size_t k = 0; k < j; k++) d -= L[j + k * n] * L[j + k * n];
    if (!(d > 0)) return urn_error_set(err, URN_EFATAL, "the inverse metric is not positive definite");
    L[j + j * n] = sqrt(d);
    for (size_t i = j + 1; i < n; i++) {
      double v = inv_metric[i + j * n];
      for (size_t k = 0; k < j; k++) v -= L[i + k * n] * L[j + k * n];
      L[i + j * n] = v / L[j + j * n];
    }
  }
  return URN_OK;
}

int urn_nuts_init_stepsize(urn_nuts *s, urn_error *err) {
  size_t n = s->dim;
  if (s->epsilon == 0 || s->epsilon > 1e7 || isnan(s->epsilon)) return URN_OK;
  urn_ps_point *z_init = &s->z_propose; /* free outside transitions */
  point_copy(z_init, &s->z, n);
  sample_p(s, &s->z);
  double H0 = hamiltonian(s, &s->z);
  evolve(s, &s->z, s->epsilon);
  double delta_h = H0 - hamiltonian(s, &s->z);
  int direction = delta_h > log(0.8) ? 1 : -1;
  for (;;) {
    point_copy(&s->z, z_init, n);
    sample_p(s, &s->z);
    H0 = hamiltonian(s, &s->z);
    evolve(s, &s->z, s->epsilon);
    delta_h = H0 - hamiltonian(s, &s->z);
    if (s->fatal) break;
    if (direction == 1 && !(delta_h > log(0.8))) break;
    if (direction == -1 && !(delta_h < log(0.8))) break;
    s->epsilon = direction == 1 ? 2 * s->epsilon : 0.5 * s->epsilon;
    if (s->epsilon > 1e7) {
      point_copy(&s->z, z_init, n);
      return urn_error_set(err, URN_EFATAL, "posterior is improper (the step size grows without bound); "
                                            "please check your model");
    }
    if (s->epsilon == 0) {
      point_copy(&s->z, z_init, n);
      return urn_error_set(err, URN_EFATAL, "no acceptably small step size could be found; "
                                            "perhaps the posterior is not continuous?");
    }
  }
  point_copy(&s->z, z_init, n);
  if (s->fatal) {
    if (err) *err = s->fatal_err;
    return s->fatal;
  }
  return URN_OK;
}

int urn_nuts_transition(urn_nuts *s, urn_nuts_stats *st, urn_error *err) {
  size_t n = s->dim;
  sample_p(s, &s->z);
  point_copy(&s->z_fwd, &s->z, n);
  point_copy(&s->z_bck, &s->z, n);
  point_copy(&s->z_sample, &s->z, n);
  point_copy(&s->z_propose, &s->z, n);
  copy(s->p_fwd_fwd, s->z.p, n);
  dtau_dp(s, s->z.p, s->p_sharp_fwd_fwd);
  copy(s->p_fwd_bck, s->z.p, n);
  copy(s->p_sharp_fwd_bck, s->p_sharp_fwd_fwd, n);
  copy(s->p_bck_fwd, s->z.p, n);
  copy(s->p_sharp_bck_fwd, s->p_sharp_fwd_fwd, n);
  copy(s->p_bck_bck, s->z.p, n);
  copy(s->p_sharp_bck_bck, s->p_sharp_fwd_fwd, n);
  copy(s->rho, s->z.p, n);
  double log_sum_weight = 0; /* log(exp(H0 - H0)) */
  tree_totals t = {hamiltonian(s, &s->z), 0, 0};
  s->depth = 0, s->divergent = 0;
  while (s->depth < s->max_depth) {
    memset(s->rho_fwd, 0, n * sizeof(double));
    memset(s->rho_bck, 0, n * sizeof(double));
    int valid;
    double lsw_subtree = -INFINITY;
    if (urn_rng_uniform(s->rng) > 0.5) { /* extend forward */
      point_copy(&s->z, &s->z_fwd, n);
      copy(s->rho_bck, s->rho, n);
      copy(s->p_bck_fwd, s->p_fwd_fwd, n);
      copy(s->p_sharp_bck_fwd, s->p_sharp_fwd_fwd, n);
      valid = build_tree(s, s->depth, &s->z_propose, s->p_sharp_fwd_bck, s->p_sharp_fwd_fwd, s->rho_fwd,
                         s->p_fwd_bck, s->p_fwd_fwd, 1, &t, &lsw_subtree);
      point_copy(&s->z_fwd, &s->z, n);
    } else { /* extend backward */
      point_copy(&s->z, &s->z_bck, n);
      copy(s->rho_fwd, s->rho, n);
      copy(s->p_fwd_bck, s->p_bck_bck, n);
      copy(s->p_sharp_fwd_bck, s->p_sharp_bck_bck, n);
      valid = build_tree(s, s->depth, &s->z_propose, s->p_sharp_bck_fwd, s->p_sharp_bck_bck, s->rho_bck,
                         s->p_bck_fwd, s->p_bck_bck, -1, &t, &lsw_subtree);
      point_copy(&s->z_bck, &s->z, n);
    }
    if (!valid) break;
    s->depth++;
    /* biased progressive sampling: prefer the new subtree */
    if (lsw_subtree > log_sum_weight) {
      point_copy(&s->z_sample, &s->z_propose, n);
    } else {
      double accept_prob = exp(lsw_subtree - log_sum_weight);
      if (urn_rng_uniform(s->rng) < accept_prob) point_copy(&s->z_sample, &s->z_propose, n);
    }
    log_sum_weight = log_sum_exp2(log_sum_weight, lsw_subtree);
    for (size_t i = 0; i < n; i++) s->rho[i] = s->rho_bck[i] + s->rho_fwd[i];
    int persist = criterion(s, s->p_sharp_bck_bck, s->p_sharp_fwd_fwd, s->rho);
    for (size_t i = 0; i < n; i++) s->rho_ext[i] = s->rho_bck[i] + s->p_fwd_bck[i];
    persist &= criterion(s, s->p_sharp_bck_bck, s->p_sharp_fwd_bck, s->rho_ext);
    for (size_t i = 0; i < n; i++) s->rho_ext[i] = s->rho_fwd[i] + s->p_bck_fwd[i];
    persist &= criterion(s, s->p_sharp_bck_fwd, s->p_sharp_fwd_fwd, s->rho_ext);
    if (!persist) break;
  }
  point_copy(&s->z, &s->z_sample, n);
  st->lp = -s->z.V;
  st->accept_stat = t.n_leapfrog ? t.sum_metro_prob / t.n_leapfrog : 0;
  st->stepsize = s->epsilon;
  st->treedepth = s->depth;
  st->n_leapfrog = t.n_leapfrog;
  st->divergent = s->divergent;
  st->energy = hamiltonian(s, &s->z);
  if (s->fatal) {
    if (err) *err = s->fatal_err;
    return s->fatal;
  }
  return URN_OK;
}
