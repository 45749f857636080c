/* infer/lbfgs.c — L-BFGS (Nocedal & Wright, algorithm 7.4/7.5) minimizing
 * f = -log density.  The line search brackets a step satisfying the strong
 * Wolfe conditions (c1 = 1e-4, c2 = 0.9) and zooms with safeguarded cubic
 * interpolation; a rejected point (URN_EREJECT, non-finite density) counts
 * as f = +inf and shortens the step.  The first step length is init_alpha
 * along the steepest descent direction, as CmdStan. */
#include "infer/lbfgs.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

void urn_optimize_config_default(urn_optimize_config *cfg) {
  cfg->max_iterations = 2000, cfg->history = 5, cfg->init_alpha = 0.001;
  cfg->tol_obj = 1e-12, cfg->tol_rel_obj = 1e4, cfg->tol_grad = 1e-8, cfg->tol_rel_grad = 1e7;
  cfg->tol_param = 1e-8, cfg->dense = 0, cfg->iteration = NULL, cfg->iteration_ctx = NULL;
}

typedef struct objective {
  const urn_target *t; /* the density */
  size_t n;            /* dimension */
  int fatal;           /* a non-rejection error happened */
  urn_error err;       /* its message */
} objective;

/* f = -lp and its gradient at x; +inf when the point is rejected. */
static double eval(objective *o, const double *x, double *g) {
  double lp;
  urn_error e;
  urn_error_clear(&e);
  int rc = o->t->log_density_gradient(o->t->ctx, x, &lp, g, &e);
  if (rc != URN_OK) {
    if (rc != URN_EREJECT && !o->fatal) o->fatal = rc, o->err = e;
    return INFINITY;
  }
  if (!isfinite(lp)) return INFINITY;
  for (size_t i = 0; i < o->n; i++) {
    if (!isfinite(g[i])) return INFINITY;
    g[i] = -g[i];
  }
  return -lp;
}

static double dotp(const double *a, const double *b, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

/* Minimizer of the cubic interpolating (a, fa, da) and (b, fb, db), kept
 * inside [lo + 10%, hi - 10%] of the interval; bisection when it fails. */
static double cubic_step(double a, double fa, double da, double b, double fb, double db) {
  double lo = a < b ? a : b, hi = a < b ? b : a, w = hi - lo;
  double d1 = da + db - 3 * (fa - fb) / (a - b);
  double disc = d1 * d1 - da * db;
  double x = 0.5 * (a + b);
  if (isfinite(fb) && disc >= 0) {
    double d2 = (b > a ? 1 : -1) * sqrt(disc);
    double c = b - (b - a) * (db + d2 - d1) / (db - da + 2 * d2);
    if (isfinite(c)) x = c;
  }
  if (x < lo + 0.1 * w) x = lo + 0.1 * w;
  if (x > hi - 0.1 * w) x = hi - 0.1 * w;
  return x;
}

/* Strong-Wolfe line search along p from x (f0, g0).  On success x1/g1/f1 hold
 * the accepted point and the step is returned; 0 on failure. */
static double line_search(objective *o, const double *x, double f0, const double *g0, const double *p, double alpha,
                          double *x1, double *g1, double *f1) {
  const double c1 = 1e-4, c2 = 0.9;
  size_t n = o->n;
  double d0 = dotp(g0, p, n);
  if (!(d0 < 0)) return 0;
  double a_prev = 0, f_prev = f0, d_prev = d0;
  double lo = 0, flo = f0, dlo = d0, hi = 0, fhi = 0, dhi = 0;
  int bracketed = 0;
  for (int it = 0; it < 60; it++) {
    for (size_t i = 0; i < n; i++) x1[i] = x[i] + alpha * p[i];
    double f = eval(o, x1, g1);
    if (o->fatal) return 0;
    double d = isfinite(f) ? dotp(g1, p, n) : NAN;
    if (!isfinite(f)) { /* outside the support: step back */
      if (bracketed) {
        hi = alpha, fhi = f, dhi = d;
        alpha = 0.5 * (lo + hi);
      } else {
        alpha = 0.5 * (a_prev + alpha);
        if (alpha - a_prev < 1e-20) return 0;
      }
      continue;
    }
    if (!bracketed) {
      if (f > f0 + c1 * alpha * d0 || (it > 0 && f >= f_prev)) {
        lo = a_prev, flo = f_prev, dlo = d_prev, hi = alpha, fhi = f, dhi = d, bracketed = 1;
      } else if (fabs(d) <= -c2 * d0) {
        *f1 = f;
        return alpha;
      } else if (d >= 0) {
        lo = alpha, flo = f, dlo = d, hi = a_prev, fhi = f_prev, dhi = d_prev, bracketed = 1;
      } else {
        a_prev = alpha, f_prev = f, d_prev = d;
        alpha *= 2.5;
        continue;
      }
      alpha = cubic_step(lo, flo, dlo, hi, fhi, dhi);
      continue;
    }
    /* zoom inside [lo, hi] */
    if (f > f0 + c1 * alpha * d0 || f >= flo) {
      hi = alpha, fhi = f, dhi = d;
    } else {
      if (fabs(d) <= -c2 * d0) {
        *f1 = f;
        return alpha;
      }
      if (d * (hi - lo) >= 0) hi = lo, fhi = flo, dhi = dlo;
      lo = alpha, flo = f, dlo = d;
    }
    if (fabs(hi - lo) < 1e-16 * (fabs(lo) + 1e-300)) break;
    alpha = isfinite(fhi) ? cubic_step(lo, flo, dlo, hi, fhi, dhi) : 0.5 * (lo + hi);
  }
  /* no Wolfe point: accept the best sufficient-decrease point if lo moved */
  if (lo > 0 && flo < f0) {
    for (size_t i = 0; i < n; i++) x1[i] = x[i] + lo * p[i];
    *f1 = eval(o, x1, g1);
    return isfinite(*f1) ? lo : 0;
  }
  return 0;
}

/* Dense BFGS: p = -H g (p = -g before the first update). */
static void bfgs_direction(const double *H, const double *g, double *p, size_t n, size_t updated) {
  for (size_t i = 0; i < n; i++) {
    double v = 0;
    if (!updated) v = g[i];
    else
      for (size_t j = 0; j < n; j++) v += H[i * n + j] * g[j];
    p[i] = -v;
  }
}

/* g^T H g (work: n values). */
static double hg_product(const double *H, const double *g, double *work, size_t n) {
  for (size_t i = 0; i < n; i++) {
    double v = 0;
    for (size_t j = 0; j < n; j++) v += H[i * n + j] * g[j];
    work[i] = v;
  }
  return dotp(g, work, n);
}

/* The BFGS update of the inverse Hessian with step s and gradient change y
 * (s'y = sy > 0); before the first update H starts as (s'y / y'y) I, as
 * Stan's BFGSUpdate_HInv.  work: n values. */
static void bfgs_update(double *H, const double *s, const double *y, double sy, size_t n, size_t updated,
                        double *work) {
  double rho = 1 / sy;
  if (!updated) {
    double yy = dotp(y, y, n);
    memset(H, 0, n * n * sizeof *H);
    for (size_t i = 0; i < n; i++) H[i * n + i] = sy / yy;
  }
  /* H' = H - rho (H y s' + s y' H) + (rho^2 y'Hy + rho) s s' */
  for (size_t i = 0; i < n; i++) {
    double v = 0;
    for (size_t j = 0; j < n; j++) v += H[i * n + j] * y[j];
    work[i] = v; /* H y (H symmetric) */
  }
  double yhy = dotp(y, work, n), c = rho * rho * yhy + rho;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) H[i * n + j] += -rho * (work[i] * s[j] + s[i] * work[j]) + c * s[i] * s[j];
}

int urn_optimize_lbfgs(const urn_optimize_config *cfg, const urn_target *target, double *theta, double *lp,
                       int *iterations, const char **reason, urn_error *err) {
  size_t n = target->dim, m = cfg->history > 0 ? (size_t)cfg->history : 5;
  objective o = {target, n, 0, {0, ""}};
  double *g = urn_xcalloc(n + 1, sizeof *g), *x1 = urn_xcalloc(n + 1, sizeof *x1);
  double *g1 = urn_xcalloc(n + 1, sizeof *g1), *p = urn_xcalloc(n + 1, sizeof *p);
  double *S = urn_xcalloc(m * n + 1, sizeof *S), *Y = urn_xcalloc(m * n + 1, sizeof *Y);
  double *rho = urn_xcalloc(m, sizeof *rho), *alpha_k = urn_xcalloc(m, sizeof *alpha_k);
  size_t stored = 0, head = 0; /* ring buffer of (s, y) pairs; for dense BFGS stored = H was updated */
  double *H = cfg->dense && n ? urn_xcalloc(n * n, sizeof *H) : NULL; /* dense inverse-Hessian estimate */
  int status = URN_OK, it = 0;
  *reason = "maximum number of iterations reached";
  double f = eval(&o, theta, g);
  if (!isfinite(f)) {
    status = o.fatal ? o.fatal : URN_EINPUT;
    if (o.fatal) {
      if (err) *err = o.err, err->code = status;
    } else {
      urn_error_set(err, URN_EINPUT, "the log density or its gradient is not finite at the initial point");
    }
    goto done;
  }
  if (n == 0) {
    *reason = "no parameters";
    goto done;
  }
  for (it = 1; it <= cfg->max_iterations; it++) {
    if (H) {
      bfgs_direction(H, g, p, n, stored);
      goto search;
    }
    /* direction p = -H g by the two-loop recursion */
    for (size_t i = 0; i < n; i++) p[i] = -g[i];
    for (size_t k = 0; k < stored; k++) {
      size_t j = (head + m - 1 - k) % m;
      alpha_k[j] = rho[j] * dotp(S + j * n, p, n);
      for (size_t i = 0; i < n; i++) p[i] -= alpha_k[j] * Y[j * n + i];
    }
    double gamma = 1;
    if (stored) {
      size_t j = (head + m - 1) % m;
      gamma = dotp(S + j * n, Y + j * n, n) / dotp(Y + j * n, Y + j * n, n);
    }
    for (size_t i = 0; i < n; i++) p[i] *= gamma;
    for (size_t k = stored; k-- > 0;) {
      size_t j = (head + m - 1 - k) % m;
      double beta = rho[j] * dotp(Y + j * n, p, n);
      for (size_t i = 0; i < n; i++) p[i] += (alpha_k[j] - beta) * S[j * n + i];
    }
  search:;
    double a0 = stored ? 1.0 : cfg->init_alpha;
    if (!stored) { /* first step: init_alpha times the unit steepest-descent direction, as CmdStan */
      double gn = sqrt(dotp(g, g, n));
      if (gn > 0) a0 = cfg->init_alpha / gn;
    }
    double f1 = f;
    double step = line_search(&o, theta, f, g, p, a0, x1, g1, &f1);
    if (o.fatal) {
      status = o.fatal;
      if (err) *err = o.err, err->code = status;
      goto done;
    }
    if (step == 0 && stored) { /* restart from steepest descent once */
      stored = 0, head = 0;
      for (size_t i = 0; i < n; i++) p[i] = -g[i];
      double gn = sqrt(dotp(g, g, n));
      step = line_search(&o, theta, f, g, p, gn > 0 ? cfg->init_alpha / gn : cfg->init_alpha, x1, g1, &f1);
    }
    if (step == 0) {
      status = URN_EFATAL;
      *reason = "line search failed to achieve a sufficient decrease, no more progress can be made";
      urn_error_set(err, URN_EFATAL, "%s", *reason);
      goto done;
    }
    /* convergence tests, in CmdStan's order */
    double dx = 0;
    for (size_t i = 0; i < n; i++) {
      double s = x1[i] - theta[i];
      dx += s * s;
      S[head * n + i] = s;
      Y[head * n + i] = g1[i] - g[i];
    }
    dx = sqrt(dx);
    double df = fabs(f1 - f), fscale = fmax(fmax(fabs(f1), fabs(f)), DBL_EPSILON);
    double sy = dotp(S + head * n, Y + head * n, n);
    if (sy > 0 && H) {
      bfgs_update(H, S + head * n, Y + head * n, sy, n, stored, p);
      stored = 1;
    } else if (sy > 0) {
      rho[head] = 1 / sy;
      head = (head + 1) % m;
      if (stored < m) stored++;
    }
    memcpy(theta, x1, n * sizeof *theta);
    memcpy(g, g1, n * sizeof *g);
    f = f1;
    double gnorm = sqrt(dotp(g, g, n));
    /* relative gradient: g^T H g / max(|f|, eps) with H the current inverse-Hessian estimate (its scaling) */
    double hscale = 1;
    if (stored && !H) {
      size_t j = (head + m - 1) % m;
      hscale = dotp(S + j * n, Y + j * n, n) / dotp(Y + j * n, Y + j * n, n);
    }
    double rel_grad = (H && stored ? hg_product(H, g, p, n) : hscale * gnorm * gnorm) / fmax(fabs(f), DBL_EPSILON);
    if (cfg->iteration) cfg->iteration(cfg->iteration_ctx, it, theta, -f);
    if (df < cfg->tol_obj) {
      *reason = "absolute change in objective function was below tolerance";
      break;
    }
    if (df / fscale < cfg->tol_rel_obj * DBL_EPSILON) {
      *reason = "relative change in objective function was below tolerance";
      break;
    }
    if (gnorm < cfg->tol_grad) {
      *reason = "gradient norm is below tolerance";
      break;
    }
    if (rel_grad < cfg->tol_rel_grad * DBL_EPSILON) {
      *reason = "relative gradient magnitude is below tolerance";
      break;
    }
    if (dx < cfg->tol_param) {
      *reason = "parameter change was below tolerance";
      break;
    }
  }
  if (it > cfg->max_iterations) {
    it = cfg->max_iterations;
    status = URN_EFATAL;
    urn_error_set(err, URN_EFATAL, "maximum number of iterations (%d) reached before convergence", it);
  }
done:
  *lp = -f;
  if (iterations) *iterations = it;
  free(g), free(x1), free(g1), free(p), free(S), free(Y), free(rho), free(alpha_k), free(H);
  return status;
}
