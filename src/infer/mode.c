/* infer/mode.c — mode-finding initialization (`urn sample --init mode:S`,
 * urn_find_mode of urn/sample.h): S L-BFGS maximizations of the sampler's
 * own target (the log density on the unconstrained scale, Jacobian
 * included: the density NUTS explores) from uniform(-R, R) starts, run on a
 * few threads; the highest mode wins.
 *
 * Each optimization s draws its start from its own RNG stream (stream s of a
 * seed derived from the run seed), and the winner is chosen by log density
 * with ties going to the lower index, so the result does not depend on the
 * number of threads.
 *
 * An optimization "ends at a mode" when L-BFGS met one of its convergence
 * tests and two probes (see is_mode) confirm it: the density bends down
 * along the final gradient, and its width along a random direction is
 * resolvable in floating point.  When the density grows without bound (a
 * funnel: the scale of a hierarchical prior shrinking to zero), L-BFGS walks
 * towards the edge of the floating-point range and stops there, with a flat
 * ascent direction, non-finite neighbours, or at a "stationary point" of the
 * rounded density 1e-16 wide: that run "diverged" and is never chosen,
 * however high its log density. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infer/lbfgs.h"
#include "math/rng.h"
#include "util/util.h"

/* A gradient-counting wrapper around the caller's target. */
typedef struct counted {
  const urn_target *inner; /* the real density */
  long long n;             /* evaluations so far (this optimization) */
} counted;

static int counted_lp(void *ctx, const double *theta, double *lp, double *grad, urn_error *err) {
  counted *c = ctx;
  c->n++;
  return c->inner->log_density_gradient(c->inner->ctx, theta, lp, grad, err);
}

/* One optimization's outcome. */
typedef struct run_out {
  int outcome;         /* 0 mode, 1 diverged, 2 no finite start, 3 stopped before convergence, 4 fatal */
  double lp;           /* log density at its end (-inf when none) */
  double *theta;       /* its end point (dim) */
  long long n_grad;    /* gradient evaluations */
  urn_error err;       /* the fatal error, or the last rejection at the start */
} run_out;

typedef struct mode_pool {
  const urn_target *target;  /* the density */
  int n_starts;              /* optimizations */
  double radius;             /* starts uniform(-radius, radius) */
  uint64_t seed;             /* derived seed of the start streams */
  run_out *out;              /* per optimization */
  pthread_mutex_t lock;      /* guards next */
  int next;                  /* next optimization to run */
} mode_pool;

/* Curvature -(d^2 lp / dt^2) along the unit vector u at x (where the
 * directional derivative is d0), from the gradient a step h away; the step
 * shrinks while the neighbour is outside the support.  NAN when every
 * neighbour tried is non-finite. */
static double curvature(counted *ct, const double *x, const double *u, double d0, double h, size_t n, double *sx,
                        double *sg) {
  for (int attempt = 0; attempt < 8; attempt++, h *= 0.1) {
    for (size_t i = 0; i < n; i++) sx[i] = x[i] + h * u[i];
    double lp1;
    urn_error e;
    urn_error_clear(&e);
    if (counted_lp(ct, sx, &lp1, sg, &e) != URN_OK || !isfinite(lp1)) continue;
    double d1 = 0;
    for (size_t i = 0; i < n; i++) d1 += sg[i] * u[i];
    if (isfinite(d1)) return (d0 - d1) / h;
  }
  return NAN;
}

/* Whether x (gradient g) is a mode of the density rather than a point on its
 * way to an edge.  Two probes: (1) along the gradient, the quadratic model's
 * further gain |g|^2 / (2c) must be below half a unit of log density (a
 * funnel's flat or convex ascent direction fails); (2) along a random
 * direction, the width 1/sqrt(c) must be resolvable in floating point, above
 * 1e-10 max(1, |x|) (a funnel's neck, where the hierarchical scale sits at
 * 1e-16 and the group effects agree to the last bit, is a stationary point of
 * the rounded density but not a mode of the posterior). */
static int is_mode(counted *ct, const double *x, const double *g, size_t n, urn_rng *rng, double *u, double *sx,
                   double *sg) {
  double gn = 0, xn = 0;
  for (size_t i = 0; i < n; i++) gn += g[i] * g[i], xn = fmax(xn, fabs(x[i]));
  gn = sqrt(gn);
  if (!isfinite(gn)) return 0;
  double h = 1e-5 * fmax(1.0, xn); /* small against the point, large against rounding */
  if (gn > 0) {
    for (size_t i = 0; i < n; i++) u[i] = g[i] / gn;
    double c = curvature(ct, x, u, gn, h, n, sx, sg);
    if (!(c > 0) || gn * gn / (2 * c) >= 0.5) return 0;
  }
  double d0 = 0;
  for (size_t i = 0; i < n; i++) {
    u[i] = (urn_rng_uniform(rng) < 0.5 ? -1.0 : 1.0) / sqrt((double)n);
    d0 += g[i] * u[i];
  }
  double c = curvature(ct, x, u, d0, h, n, sx, sg);
  if (!(c > 0)) return 0;
  return 1 / sqrt(c) > 1e-10 * fmax(1.0, xn);
}

static void run_one(mode_pool *p, int s) {
  const urn_target *t = p->target;
  size_t n = t->dim;
  run_out *o = &p->out[s];
  o->theta = urn_xcalloc(n ? n : 1, sizeof *o->theta);
  o->lp = -INFINITY;
  urn_error_clear(&o->err);
  counted ct = {t, 0};
  urn_target wrapped = {n, counted_lp, &ct};
  urn_rng rng;
  urn_rng_seed(&rng, p->seed, (uint64_t)s);
  double *g = urn_xcalloc(n ? n : 1, sizeof *g);
  double *sx = urn_xcalloc(n ? n : 1, sizeof *sx), *sg = urn_xcalloc(n ? n : 1, sizeof *sg);
  double *u = urn_xcalloc(n ? n : 1, sizeof *u);
  int found = 0;
  for (int attempt = 0; attempt < 100 && !found; attempt++) {
    for (size_t i = 0; i < n; i++) o->theta[i] = p->radius * (2 * urn_rng_uniform(&rng) - 1);
    double lp;
    urn_error_clear(&o->err);
    int rc = counted_lp(&ct, o->theta, &lp, g, &o->err);
    if (rc != URN_OK && rc != URN_EREJECT) {
      o->outcome = 4;
      goto done;
    }
    found = rc == URN_OK && isfinite(lp);
    for (size_t i = 0; found && i < n; i++) found = isfinite(g[i]);
  }
  if (!found) {
    o->outcome = 2;
    goto done;
  }
  urn_optimize_config oc;
  urn_optimize_config_default(&oc);
  int iters;
  const char *reason;
  double lp;
  urn_error e;
  urn_error_clear(&e);
  int rc = urn_optimize_lbfgs(&oc, &wrapped, o->theta, &lp, &iters, &reason, &e);
  if (rc != URN_OK && rc != URN_EFATAL) { /* a fatal error of the model */
    o->outcome = 4, o->err = e;
    goto done;
  }
  /* the end point's gradient (L-BFGS keeps it to itself) */
  urn_error_clear(&e);
  int rc2 = counted_lp(&ct, o->theta, &lp, g, &e);
  int finite = rc2 == URN_OK && isfinite(lp);
  for (size_t i = 0; finite && i < n; i++) finite = isfinite(g[i]);
  if (!finite) {
    o->outcome = 1;
    goto done;
  }
  o->lp = lp;
  int down = n == 0 || is_mode(&ct, o->theta, g, n, &rng, u, sx, sg);
  if (down && rc == URN_OK)
    o->outcome = 0;
  else if (!down)
    o->outcome = 1;
  else
    o->outcome = 3; /* the density bends down but no convergence test held (iteration limit, stalled search) */
done:
  o->n_grad = ct.n;
  free(g), free(sx), free(sg), free(u);
}

static void *mode_worker(void *arg) {
  mode_pool *p = arg;
  for (;;) {
    pthread_mutex_lock(&p->lock);
    int s = p->next < p->n_starts ? p->next++ : -1;
    pthread_mutex_unlock(&p->lock);
    if (s < 0) break;
    run_one(p, s);
  }
  return NULL;
}

int urn_find_mode(const urn_target *target, int n_starts, double radius, uint64_t seed, int num_threads,
                  double *theta, urn_mode_report *rep, urn_error *err) {
  urn_mode_report local;
  if (!rep) rep = &local;
  memset(rep, 0, sizeof *rep);
  rep->best = -1, rep->best_lp = rep->second_lp = -INFINITY;
  if (n_starts < 1) return urn_error_set(err, URN_EINPUT, "mode-finding needs at least one optimization");
  /* the start streams: a seed of their own, so they never coincide with a chain's stream */
  mode_pool p = {target, n_starts, radius, seed ^ 0x6d6f64652d696e69ULL, NULL, PTHREAD_MUTEX_INITIALIZER, 0};
  p.out = urn_xcalloc((size_t)n_starts, sizeof *p.out);
  int nthreads = num_threads < 1 ? 1 : num_threads;
  if (nthreads > n_starts) nthreads = n_starts;
  pthread_t *th = urn_xcalloc((size_t)nthreads, sizeof *th);
  int started = 0;
  for (int k = 1; k < nthreads; k++)
    if (pthread_create(&th[started], NULL, mode_worker, &p) == 0) started++;
  mode_worker(&p);
  for (int k = 0; k < started; k++) pthread_join(th[k], NULL);
  free(th);
  pthread_mutex_destroy(&p.lock);

  rep->n_starts = n_starts;
  int fatal = -1, nostart = -1;
  for (int s = 0; s < n_starts; s++) {
    run_out *o = &p.out[s];
    rep->n_gradients += o->n_grad;
    switch (o->outcome) {
    case 0: rep->n_modes++; break;
    case 1: rep->n_diverged++; break;
    case 2: rep->n_failed++, nostart = nostart < 0 ? s : nostart; break;
    case 3: rep->n_unconverged++; break;
    default: rep->n_failed++, fatal = fatal < 0 ? s : fatal; break;
    }
    if (o->outcome == 0 && o->lp > rep->best_lp) rep->best = s, rep->best_lp = o->lp;
  }
  /* no mode: settle for an end point that bends down without a convergence test */
  if (rep->best < 0)
    for (int s = 0; s < n_starts; s++)
      if (p.out[s].outcome == 3 && p.out[s].lp > rep->best_lp) rep->best = s, rep->best_lp = p.out[s].lp;
  int status = URN_OK;
  if (fatal >= 0) {
    status = p.out[fatal].err.code ? p.out[fatal].err.code : URN_EFATAL;
    if (err) *err = p.out[fatal].err, err->code = status;
  } else if (rep->best >= 0) {
    double tol = 1e-3 * fmax(1.0, fabs(rep->best_lp));
    for (int s = 0; s < n_starts; s++) {
      const run_out *o = &p.out[s];
      if (o->outcome != 0 && s != rep->best) continue;
      if (rep->best_lp - o->lp <= tol)
        rep->n_at_best++;
      else if (o->lp > rep->second_lp)
        rep->second_lp = o->lp;
    }
    memcpy(theta, p.out[rep->best].theta, target->dim * sizeof *theta);
  } else if (rep->n_diverged > 0) {
    status = urn_error_set(err, URN_EREJECT,
                           "none of the %d optimizations found a mode: %d diverged (the log density grows without "
                           "bound, as in a funnel, or runs into non-finite values)%s",
                           n_starts, rep->n_diverged, nostart >= 0 ? "; others found no finite starting point" : "");
  } else {
    status = urn_error_set(err, URN_EINPUT,
                           "mode-finding: no finite starting point between (-%g, %g) after 100 attempts in any of the "
                           "%d optimizations%s%s",
                           radius, radius, n_starts, nostart >= 0 && p.out[nostart].err.msg[0] ? "; the last one: " : "",
                           nostart >= 0 ? p.out[nostart].err.msg : "");
  }
  for (int s = 0; s < n_starts; s++) free(p.out[s].theta);
  free(p.out);
  return status;
}
