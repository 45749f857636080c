/* infer/advi.c — ADVI, mean-field and full-rank (see advi.h).
 *
 * Gradient of the ELBO by the reparameterization z ~ N(0, I), zeta = mu + S z
 * (S = diag(exp(omega)) or L), averaged over grad_samples draws:
 *   d/dmu = E[grad log p(zeta)],
 *   d/domega = E[grad log p(zeta) * z] * exp(omega) + 1 (mean-field),
 *   d/dL = lower(E[grad log p(zeta) z']) + diag(1 / L_ii) (full-rank);
 * a draw where the density or its gradient is not finite is dropped and
 * drawn again (at most 10 times per gradient, as Stan).  The ELBO is
 * E[log p(zeta)] (all constants, Jacobian included) plus the entropy
 * n/2 (1 + log 2 pi) + sum omega (or sum log |L_ii|).
 *
 * Step sizes (Stan's stochastic_gradient_ascent): s_1 = g^2,
 * s_k = 0.9 s_{k-1} + 0.1 g^2, and every variational parameter moves by
 * eta / sqrt(k) * g / (1 + sqrt(s_k)).  Every eval_elbo iterations the
 * relative ELBO change |(e - e_prev) / e| enters a circular buffer of
 * max(0.1 iter / eval_elbo, 2) entries; the run stops when the buffer's mean
 * or median falls below tol_rel_obj. */
#include "infer/advi.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

void vi_config_default(vi_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->iter = 10000, cfg->grad_samples = 1, cfg->elbo_samples = 100, cfg->eta = 1;
  cfg->adapt_engaged = 1, cfg->adapt_iter = 50, cfg->tol_rel_obj = 0.01, cfg->eval_elbo = 100;
}

void vi_approx_init(vi_approx *a, size_t n, int fullrank) {
  a->n = n, a->fullrank = fullrank;
  a->mu = urn_xcalloc(n + 1, sizeof *a->mu);
  a->omega = urn_xcalloc(n + 1, sizeof *a->omega);
  a->L = fullrank ? urn_xcalloc(n * n + 1, sizeof *a->L) : NULL;
  for (size_t i = 0; fullrank && i < n; i++) a->L[i * n + i] = 1;
}

void vi_approx_free(vi_approx *a) {
  free(a->mu), free(a->omega), free(a->L);
  memset(a, 0, sizeof *a);
}

/* The variational parameters as one vector (mu, then omega or L row-major). */
static size_t n_vparams(const vi_approx *a) { return a->n + (a->fullrank ? a->n * a->n : a->n); }

static double *vparam(vi_approx *a, size_t i) {
  if (i < a->n) return &a->mu[i];
  return a->fullrank ? &a->L[i - a->n] : &a->omega[i - a->n];
}

static void transform(const vi_approx *a, const double *z, double *zeta) {
  size_t n = a->n;
  for (size_t i = 0; i < n; i++) {
    double s = a->mu[i];
    if (a->fullrank)
      for (size_t j = 0; j <= i; j++) s += a->L[i * n + j] * z[j];
    else s += exp(a->omega[i]) * z[i];
    zeta[i] = s;
  }
}

double vi_draw(const vi_approx *a, urn_rng *rng, double *theta, double *z) {
  double lg = 0;
  for (size_t i = 0; i < a->n; i++) z[i] = urn_rng_normal(rng), lg -= 0.5 * z[i] * z[i];
  transform(a, z, theta);
  return lg;
}

static double entropy(const vi_approx *a) {
  double h = 0.5 * (double)a->n * (1 + log(2 * M_PI));
  for (size_t i = 0; i < a->n; i++) h += a->fullrank ? log(fabs(a->L[i * a->n + i])) : a->omega[i];
  return h;
}

/* ---- the fit's state ---- */

typedef struct vi_state {
  const vi_config *cfg;  /* settings */
  const urn_target *t;   /* the density and its gradient */
  vi_lp_fn lp_fn;        /* the density alone, or NULL */
  void *lp_ctx;          /* its context */
  urn_rng *rng;          /* draws */
  size_t n;              /* dimension */
  double *z, *zeta, *g;  /* scratch: a standard draw, its image, the gradient there */
  double *grad;          /* ELBO gradient (n_vparams) */
  double *hist;          /* running mean of squared gradients (n_vparams) */
  vi_result *res;        /* counts */
  int fatal;             /* a non-rejection error happened */
  urn_error err;         /* its message */
} vi_state;

static void say(const vi_state *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const vi_state *s, const char *fmt, ...) {
  if (!s->cfg->message) return;
  char text[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  s->cfg->message(s->cfg->message_ctx, text);
}

static void note_fatal(vi_state *s, int rc, const urn_error *e) {
  if (rc != URN_OK && rc != URN_EREJECT && !s->fatal) s->fatal = rc, s->err = *e;
}

/* ELBO estimate; -inf when every draw failed. */
static double calc_elbo(vi_state *s, const vi_approx *a) {
  double sum = 0;
  int kept = 0;
  for (int i = 0; i < s->cfg->elbo_samples && !s->fatal; i++) {
    for (size_t d = 0; d < s->n; d++) s->z[d] = urn_rng_normal(s->rng);
    transform(a, s->z, s->zeta);
    double lp = NAN;
    urn_error e;
    urn_error_clear(&e);
    s->res->n_lp++;
    int rc = s->lp_fn ? s->lp_fn(s->lp_ctx, s->zeta, &lp, &e)
                      : s->t->log_density_gradient(s->t->ctx, s->zeta, &lp, s->g, &e);
    note_fatal(s, rc, &e);
    if (rc == URN_OK && isfinite(lp)) sum += lp, kept++;
  }
  if (!kept) return -INFINITY;
  return sum / s->cfg->elbo_samples + entropy(a);
}

/* The ELBO gradient into s->grad; -1 when too many draws failed. */
static int calc_grad(vi_state *s, const vi_approx *a) {
  size_t n = s->n, np = n_vparams(a);
  memset(s->grad, 0, np * sizeof *s->grad);
  int dropped = 0;
  for (int m = 0; m < s->cfg->grad_samples && !s->fatal;) {
    for (size_t d = 0; d < n; d++) s->z[d] = urn_rng_normal(s->rng);
    transform(a, s->z, s->zeta);
    double lp;
    urn_error e;
    urn_error_clear(&e);
    s->res->n_grad++;
    int rc = s->t->log_density_gradient(s->t->ctx, s->zeta, &lp, s->g, &e);
    note_fatal(s, rc, &e);
    int ok = rc == URN_OK && isfinite(lp);
    for (size_t d = 0; ok && d < n; d++) ok = isfinite(s->g[d]);
    if (!ok) {
      if (++dropped >= 10) return -1;
      continue;
    }
    for (size_t i = 0; i < n; i++) {
      s->grad[i] += s->g[i];
      if (a->fullrank)
        for (size_t j = 0; j <= i; j++) s->grad[n + i * n + j] += s->g[i] * s->z[j];
      else s->grad[n + i] += s->g[i] * s->z[i];
    }
    m++;
  }
  double inv = 1.0 / s->cfg->grad_samples;
  for (size_t i = 0; i < np; i++) s->grad[i] *= inv;
  for (size_t i = 0; i < n; i++) {
    if (a->fullrank) s->grad[n + i * n + i] += 1 / a->L[i * n + i];
    else s->grad[n + i] = s->grad[n + i] * exp(a->omega[i]) + 1;
  }
  return s->fatal ? -1 : 0;
}

/* One step of the adaptive step-size sequence (k 1-based). */
static void step(vi_state *s, vi_approx *a, int k, double eta) {
  size_t np = n_vparams(a);
  double scaled = eta / sqrt((double)k);
  for (size_t i = 0; i < np; i++) {
    double g = s->grad[i];
    s->hist[i] = k == 1 ? g * g : 0.9 * s->hist[i] + 0.1 * g * g;
    *vparam(a, i) += scaled * g / (1 + sqrt(s->hist[i]));
  }
}

static void reset(vi_approx *a, const double *theta0) {
  size_t n = a->n;
  memcpy(a->mu, theta0, n * sizeof *a->mu);
  memset(a->omega, 0, n * sizeof *a->omega);
  if (a->fullrank) {
    memset(a->L, 0, n * n * sizeof *a->L);
    for (size_t i = 0; i < n; i++) a->L[i * n + i] = 1;
  }
}

/* Stan's eta adaptation: trial runs of adapt_iter iterations with each eta. */
static int adapt_eta(vi_state *s, vi_approx *a, const double *theta0, double *eta_out, urn_error *err) {
  static const double seq[5] = {100, 10, 1, 0.1, 0.01};
  reset(a, theta0);
  double elbo_init = calc_elbo(s, a), elbo_best = -INFINITY, eta_best = seq[0];
  if (s->fatal) return urn_error_set(err, s->fatal, "%s", s->err.msg);
  if (!isfinite(elbo_init))
    return urn_error_set(err, URN_EINPUT, "Cannot compute ELBO using the initial variational distribution.");
  say(s, "Begin eta adaptation.");
  for (int idx = 0; idx < 5; idx++) {
    double eta = seq[idx], elbo = -INFINITY;
    reset(a, theta0);
    for (int k = 1; k <= s->cfg->adapt_iter; k++) {
      if (s->cfg->stop && *s->cfg->stop) return urn_error_set(err, URN_EINTR, "interrupted");
      if (calc_grad(s, a) != 0) { /* diverging is allowed here: a zero step, as Stan */
        if (s->fatal) return urn_error_set(err, s->fatal, "%s", s->err.msg);
        memset(s->grad, 0, n_vparams(a) * sizeof *s->grad);
      }
      step(s, a, k, eta);
    }
    elbo = calc_elbo(s, a);
    if (s->fatal) return urn_error_set(err, s->fatal, "%s", s->err.msg);
    if (!isfinite(elbo)) elbo = -INFINITY;
    if (elbo < elbo_best && elbo_best > elbo_init) {
      say(s, "Success! Found best value [eta = %g]%s", eta_best, idx < 4 ? " earlier than expected." : ".");
      break;
    }
    if (idx < 4) {
      elbo_best = elbo, eta_best = eta;
    } else if (elbo > elbo_init) {
      elbo_best = elbo, eta_best = eta;
      say(s, "Success! Found best value [eta = %g].", eta_best);
    } else {
      return urn_error_set(err, URN_EINPUT, "All proposed step-sizes failed. Your model may be either severely "
                                            "ill-conditioned or misspecified.");
    }
  }
  *eta_out = eta_best;
  return URN_OK;
}

static int cmp_double(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return a < b ? -1 : a > b;
}

/* Mean and median of the circular buffer's n values. */
static void buffer_stats(const double *cb, size_t n, double *mean, double *median) {
  double *tmp = urn_xcalloc(n + 1, sizeof *tmp), sum = 0;
  for (size_t i = 0; i < n; i++) tmp[i] = cb[i], sum += cb[i];
  qsort(tmp, n, sizeof *tmp, cmp_double);
  *mean = sum / (double)n;
  *median = n % 2 ? tmp[n / 2] : 0.5 * (tmp[n / 2 - 1] + tmp[n / 2]);
  free(tmp);
}

/* The main run of stochastic gradient ascent with step-size scale eta. */
static int ascend(vi_state *s, vi_approx *a, double eta, urn_error *err) {
  const vi_config *c = s->cfg;
  size_t cap = (size_t)fmax(0.1 * c->iter / c->eval_elbo, 2.0), used = 0, head = 0;
  double *cb = urn_xcalloc(cap, sizeof *cb), elbo = 0, elbo_prev = -INFINITY;
  int rc = URN_OK, k;
  say(s, "Begin stochastic gradient ascent.\n  iter             ELBO   delta_ELBO_mean   delta_ELBO_med   notes ");
  for (k = 1; k <= c->iter; k++) {
    if (c->stop && *c->stop) {
      rc = urn_error_set(err, URN_EINTR, "interrupted");
      break;
    }
    if (calc_grad(s, a) != 0) {
      rc = s->fatal ? urn_error_set(err, s->fatal, "%s", s->err.msg)
                    : urn_error_set(err, URN_EINPUT, "stan::variational::normal_%s::calc_grad: The number of dropped "
                                                     "evaluations has reached its maximum amount (10). Your model may "
                                                     "be either severely ill-conditioned or misspecified.",
                                    a->fullrank ? "fullrank" : "meanfield");
      break;
    }
    step(s, a, k, eta);
    if (k % c->eval_elbo == 0) {
      elbo_prev = elbo, elbo = calc_elbo(s, a);
      if (s->fatal) {
        rc = urn_error_set(err, s->fatal, "%s", s->err.msg);
        break;
      }
      double rel = fabs((elbo - elbo_prev) / elbo), mean, med;
      if (k == c->eval_elbo) rel = INFINITY;
      cb[head] = rel, head = (head + 1) % cap;
      if (used < cap) used++;
      buffer_stats(cb, used, &mean, &med);
      const char *note = "";
      if (mean < c->tol_rel_obj) note = "   MEAN ELBO CONVERGED";
      if (med < c->tol_rel_obj) note = "   MEDIAN ELBO CONVERGED";
      if (!*note && k > 10 * c->eval_elbo && (med > 0.5 || mean > 0.5)) note = "   MAY BE DIVERGING... INSPECT ELBO";
      say(s, "%6d  %15.3f  %16.3f  %15.3f%s", k, elbo, mean, med, note);
      if (mean < c->tol_rel_obj || med < c->tol_rel_obj) {
        s->res->converged = 1;
        break;
      }
    }
  }
  s->res->iterations = k > c->iter ? c->iter : k;
  s->res->elbo = elbo;
  if (rc == URN_OK && !s->res->converged)
    say(s, "Informational Message: The maximum number of iterations is reached! The algorithm may not have "
           "converged.\nThis variational approximation is not guaranteed to be meaningful.");
  free(cb);
  return rc;
}

int vi_fit(const vi_config *cfg, const urn_target *t, vi_lp_fn lp_fn, void *lp_ctx, const double *theta0,
           urn_rng *rng, vi_approx *out, vi_result *res, urn_error *err) {
  memset(res, 0, sizeof *res);
  if (cfg->iter < 1 || cfg->grad_samples < 1 || cfg->elbo_samples < 1 || cfg->eval_elbo < 1 || cfg->adapt_iter < 1 ||
      !(cfg->eta > 0) || !(cfg->tol_rel_obj > 0))
    return urn_error_set(err, URN_EINPUT, "variational: iter, grad_samples, elbo_samples, eval_elbo, adapt iter, eta "
                                          "and tol_rel_obj must be positive");
  size_t n = t->dim;
  vi_state s = {cfg, t, lp_fn, lp_ctx, rng, n, urn_xcalloc(n + 1, sizeof(double)), urn_xcalloc(n + 1, sizeof(double)),
                urn_xcalloc(n + 1, sizeof(double)), urn_xcalloc(n_vparams(out) + 1, sizeof(double)),
                urn_xcalloc(n_vparams(out) + 1, sizeof(double)), res, 0, {0, ""}};
  double eta = cfg->eta;
  int rc = URN_OK;
  if (cfg->adapt_engaged) {
    rc = adapt_eta(&s, out, theta0, &eta, err);
    res->adapted = rc == URN_OK;
  }
  res->eta = eta;
  if (rc == URN_OK) {
    reset(out, theta0);
    rc = ascend(&s, out, eta, err);
  }
  free(s.z), free(s.zeta), free(s.g), free(s.grad), free(s.hist);
  return rc;
}
