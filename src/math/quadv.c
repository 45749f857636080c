/* math/quadv.c — quadrature of vector-valued integrands (a value and its parameter derivatives together), for
 * Stan's integrate_1d family (see quadv.h).
 *
 * Double-exponential rules (Takahasi & Mori; Bailey's tanh-sinh): with u = (pi/2) sinh t,
 *   [a, b]       x = c + h tanh(u),  dx/dt = h (pi/2) cosh t / cosh^2 u,  c, h the midpoint and half-width;
 *   [a, inf)     x = a + e^u,        dx/dt = (pi/2) cosh t e^u            (exp-sinh);
 *   (-inf, inf)  x = sinh u,         dx/dt = (pi/2) cosh t cosh u         (sinh-sinh);
 * and (-inf, b] by reflection.  The trapezoidal rule in t converges doubly exponentially for integrands analytic
 * inside the interval, even with integrable endpoint singularities.  Level L halves the step (1/2^L) and adds
 * only the new, odd points; the rule stops when two levels agree to max(rtol * L1, atol) in every component,
 * L1 the rule's estimate of the integral of |f| (as Boost and Stan).  On a finite interval the integrand also
 * receives xc, the distance to the nearer endpoint computed without cancellation (a - x near a, negative; b - x
 * near b); on infinite intervals xc is NaN.
 * Adaptive Gauss-Legendre: the 15-point rule (nodes by Newton's method on P_15) on the interval and on its
 * halves; the subinterval whose whole-versus-halves difference is largest is split, until the total difference
 * meets max(rtol * L1, atol) or max_depth bisections.  Its integrand gets xc = NaN (as Stan's Gauss-Kronrod). */
#include <math.h>
#include <string.h>

#include "math/quadv.h"

#define HALF_PI 1.57079632679489661923

/* One abscissa of level spacing step at t: x, xc and the weight dx/dt (0 when it falls outside). */
static int de_point(int kind, double a, double b, double t, double *x, double *xc, double *w) {
  double u = HALF_PI * sinh(t), ch = cosh(t);
  switch (kind) {
    case 0: { /* finite */
      double c = 0.5 * (a + b), h = 0.5 * (b - a);
      double e = exp(-2 * fabs(u)), comp = 2 * e / (1 + e); /* 1 - tanh|u| */
      /* x from its nearer endpoint, so that it keeps its digits there (c - h (1 - comp) would round to a) */
      if (comp < 1) *x = t < 0 ? a + h * comp : b - h * comp;
      else *x = c + h * (t < 0 ? -1 : 1) * (1 - comp);
      *xc = t < 0 ? -h * comp : h * comp;
      double sech = 2 * exp(-fabs(u)) / (1 + e);
      *w = h * HALF_PI * ch * sech * sech;
      return *x > a && *x < b && *w > 0;
    }
    case 1: { /* [a, inf) */
      double e = exp(u);
      *x = a + e, *xc = NAN, *w = HALF_PI * ch * e;
      return isfinite(*x) && *x > a && *w > 0 && isfinite(*w);
    }
    case 2: { /* (-inf, b] */
      double e = exp(u);
      *x = b - e, *xc = NAN, *w = HALF_PI * ch * e;
      return isfinite(*x) && *x < b && *w > 0 && isfinite(*w);
    }
  }
  *x = sinh(u), *xc = NAN, *w = HALF_PI * ch * cosh(u); /* (-inf, inf) */
  return isfinite(*x) && isfinite(*w);
}

#define DE_OUTSIDE (-99) /* de_eval: the point falls outside the interval (or overflows) */

/* Evaluates the point t: adds step * w * f into sum and step * |w f| into l1; *tail gets max |w f|.  Returns 0,
 * DE_OUTSIDE, URN_QUADV_NONFINITE or the callback's nonzero status. */
static int de_eval(urn_quadv_fn f, void *ctx, size_t m, int kind, double a, double b, double t, double step,
                   double *sum, double *l1, double *fx, double *tail) {
  double x, xc, w;
  if (!de_point(kind, a, b, t, &x, &xc, &w)) return DE_OUTSIDE;
  int st = f(x, xc, fx, ctx);
  if (st) return st;
  *tail = 0;
  for (size_t j = 0; j < m; j++) {
    double c = w * fx[j];
    if (!isfinite(c)) return URN_QUADV_NONFINITE;
    sum[j] += step * c, l1[j] += step * fabs(c);
    *tail = fmax(*tail, fabs(c));
  }
  return 0;
}

/* The points of level `level` (step 2^-level): every integer t at level 0, the odd multiples of the step
 * after; each side stops where the abscissae reach the bounds or the terms become negligible. */
static int de_level(urn_quadv_fn f, void *ctx, size_t m, int kind, double a, double b, int level, double *sum,
                    double *l1, double *fx) {
  double step = ldexp(1.0, -level), tail;
  if (level == 0) {
    int st = de_eval(f, ctx, m, kind, a, b, 0, step, sum, l1, fx, &tail);
    if (st && st != DE_OUTSIDE) return st;
  }
  for (int side = -1; side <= 1; side += 2)
    for (long k = 1;; k += level == 0 ? 1 : 2) {
      double t = side * (double)k * step;
      if (fabs(t) > 7) break;
      int st = de_eval(f, ctx, m, kind, a, b, t, step, sum, l1, fx, &tail);
      if (st && st != DE_OUTSIDE) return st;
      if (st == DE_OUTSIDE) {
        if (fabs(t) > 1) break; /* the abscissae have reached the bounds (or overflowed) */
        continue;
      }
      if (fabs(t) > 3 && tail <= 1e-20 * l1[0]) break; /* the weights decay doubly exponentially */
    }
  return 0;
}

static int de_interval(urn_quadv_fn f, void *ctx, size_t m, double a, double b, double rtol, double atol,
                       int max_levels, double *res, double *l1out, double *work) {
  int kind = isinf(a) && isinf(b) ? 3 : isinf(b) ? 1 : isinf(a) ? 2 : 0;
  double *sum = work, *l1 = work + m, *prev = work + 2 * m, *fx = work + 3 * m;
  memset(sum, 0, m * sizeof *sum), memset(l1, 0, m * sizeof *l1);
  for (int level = 0; level <= max_levels; level++) {
    /* the level's estimate: the previous points at the halved step plus the new ones */
    memcpy(prev, sum, m * sizeof *sum);
    if (level > 0)
      for (size_t j = 0; j < m; j++) sum[j] *= 0.5, l1[j] *= 0.5;
    int st = de_level(f, ctx, m, kind, a, b, level, sum, l1, fx);
    if (st) return st;
    if (level >= 3) {
      int ok = 1;
      for (size_t j = 0; j < m && ok; j++) ok = fabs(sum[j] - prev[j]) <= fmax(rtol * l1[j], atol);
      if (ok) {
        memcpy(res, sum, m * sizeof *res);
        if (l1out) memcpy(l1out, l1, m * sizeof *l1);
        return 0;
      }
    }
  }
  memcpy(res, sum, m * sizeof *res);
  if (l1out) memcpy(l1out, l1, m * sizeof *l1);
  return URN_QUADV_NOCONV;
}

int urn_quadv_de(urn_quadv_fn f, void *ctx, size_t m, double a, double b, double rtol, double atol, int max_levels,
                 double *res, double *work) {
  if (a == b) {
    memset(res, 0, m * sizeof *res);
    return 0;
  }
  double sign = 1;
  if (a > b) {
    double t = a;
    a = b, b = t, sign = -1;
  }
  int st;
  /* an infinite interval that contains 0 is split there, as Stan does */
  if ((isinf(a) || isinf(b)) && a < 0 && b > 0 && !(isinf(a) && isinf(b))) {
    double *r2 = work + 4 * m;
    st = de_interval(f, ctx, m, a, 0, rtol, atol, max_levels, res, NULL, work + 5 * m);
    if (!st) st = de_interval(f, ctx, m, 0, b, rtol, atol, max_levels, r2, NULL, work + 5 * m);
    for (size_t j = 0; j < m; j++) res[j] += r2[j];
  } else {
    st = de_interval(f, ctx, m, a, b, rtol, atol, max_levels, res, NULL, work);
  }
  for (size_t j = 0; j < m; j++) res[j] *= sign;
  return st;
}

/* ---- adaptive Gauss-Legendre ---- */

/* The positive nodes and weights of the n-point Gauss-Legendre rule (n odd: the last node is 0). */
static void gl_rule(int n, double *x, double *w) {
  for (int i = 0; i < (n + 1) / 2; i++) {
    double z = cos(M_PI * (i + 0.75) / (n + 0.5)), dp = 0;
    for (int it = 0; it < 100; it++) {
      double p0 = 1, p1 = z;
      for (int k = 2; k <= n; k++) {
        double p2 = ((2.0 * k - 1) * z * p1 - (k - 1.0) * p0) / k;
        p0 = p1, p1 = p2;
      }
      dp = n * (z * p1 - p0) / (z * z - 1);
      double dz = p1 / dp;
      z -= dz;
      if (fabs(dz) < 1e-16) break;
    }
    double p0 = 1, p1 = z;
    for (int k = 2; k <= n; k++) {
      double p2 = ((2.0 * k - 1) * z * p1 - (k - 1.0) * p0) / k;
      p0 = p1, p1 = p2;
    }
    dp = n * (z * p1 - p0) / (z * z - 1);
    x[i] = fabs(z) < 1e-15 ? 0 : z;
    w[i] = 2 / ((1 - z * z) * dp * dp);
  }
}

#define GL_N 15
#define GL_MAXPIECES 1024

/* The rule on [lo, hi] of the transformed integrand into r[0..m) and |.| into l1. */
static int gl_piece(urn_quadv_fn f, void *ctx, size_t m, int kind, double a, double b, double lo, double hi,
                    const double *gx, const double *gw, double *r, double *l1, double *fx) {
  double c = 0.5 * (lo + hi), h = 0.5 * (hi - lo);
  memset(r, 0, m * sizeof *r), memset(l1, 0, m * sizeof *l1);
  for (int i = 0; i < (GL_N + 1) / 2; i++)
    for (int s = 0; s < (gx[i] == 0 ? 1 : 2); s++) {
      double t = c + (s ? -1 : 1) * h * gx[i], x, jac;
      /* infinite ranges: t in [0, 1) maps to x = a + t / (1 - t) (and the mirror images) */
      if (kind == 0) x = t, jac = 1;
      else if (kind == 1) x = a + t / (1 - t), jac = 1 / ((1 - t) * (1 - t));
      else if (kind == 2) x = b - t / (1 - t), jac = 1 / ((1 - t) * (1 - t));
      else x = t / (1 - t * t), jac = (1 + t * t) / ((1 - t * t) * (1 - t * t));
      int st = f(x, NAN, fx, ctx); /* as Stan's Gauss-Kronrod rule, no complement: xc is NaN */
      if (st) return st;
      for (size_t j = 0; j < m; j++) {
        double v = gw[i] * h * jac * fx[j];
        if (!isfinite(v)) return URN_QUADV_NONFINITE;
        r[j] += v, l1[j] += fabs(v);
      }
    }
  return 0;
}

int urn_quadv_gl(urn_quadv_fn f, void *ctx, size_t m, double a, double b, double rtol, double atol, int max_depth,
                 double *res, double *work) {
  if (a == b) {
    memset(res, 0, m * sizeof *res);
    return 0;
  }
  double sign = 1;
  if (a > b) {
    double t = a;
    a = b, b = t, sign = -1;
  }
  int kind = isinf(a) && isinf(b) ? 3 : isinf(b) ? 1 : isinf(a) ? 2 : 0;
  double lo0 = kind == 0 ? a : kind == 3 ? -1 : 0, hi0 = kind == 0 ? b : 1;
  double gx[(GL_N + 1) / 2], gw[(GL_N + 1) / 2];
  gl_rule(GL_N, gx, gw);
  /* pieces: bounds, depth, estimate (m), l1 (m), error */
  size_t per = 2 * m + 4;
  double *P = work, *fx = work + GL_MAXPIECES * per, *t1 = fx + m, *t2 = t1 + m, *l1a = t2 + m, *l1b = l1a + m;
  int np = 1;
  P[0] = lo0, P[1] = hi0, P[2] = 0;
  int st = gl_piece(f, ctx, m, kind, a, b, lo0, hi0, gx, gw, P + 4, P + 4 + m, fx);
  if (st) return st;
  P[3] = INFINITY; /* the first piece is always split */
  for (;;) {
    /* totals and the worst piece */
    int worst = -1;
    double werr = -1, err = 0;
    for (int p = 0; p < np; p++) {
      double *q = P + (size_t)p * per;
      err += isinf(q[3]) ? 0 : q[3];
      if (q[3] > werr && q[2] < max_depth) werr = q[3], worst = p;
    }
    double tot0 = 0, l10 = 0;
    for (int p = 0; p < np; p++) tot0 += P[(size_t)p * per + 4], l10 += P[(size_t)p * per + 4 + m];
    int done = np > 1 && err <= fmax(rtol * l10, atol);
    if (done || worst < 0 || np >= GL_MAXPIECES) {
      memset(res, 0, m * sizeof *res);
      for (int p = 0; p < np; p++)
        for (size_t j = 0; j < m; j++) res[j] += P[(size_t)p * per + 4 + j];
      for (size_t j = 0; j < m; j++) res[j] *= sign;
      (void)tot0;
      return done ? 0 : URN_QUADV_NOCONV;
    }
    double *q = P + (size_t)worst * per, lo = q[0], hi = q[1], mid = 0.5 * (lo + hi);
    st = gl_piece(f, ctx, m, kind, a, b, lo, mid, gx, gw, t1, l1a, fx);
    if (!st) st = gl_piece(f, ctx, m, kind, a, b, mid, hi, gx, gw, t2, l1b, fx);
    if (st) return st;
    /* the error of the halves: their sum against the whole, over every component (relative to its own size) */
    double e = 0;
    for (size_t j = 0; j < m; j++) {
      double d = fabs(t1[j] + t2[j] - q[4 + j]), s = l1a[j] + l1b[j];
      double l1j = 0;
      for (int p = 0; p < np; p++) l1j += P[(size_t)p * per + 4 + m + j];
      e = fmax(e, j == 0 || l1j == 0 ? d : d * (l10 / l1j));
      (void)s;
    }
    double depth = q[2] + 1;
    double *r = P + (size_t)np * per;
    q[1] = mid, q[2] = depth, q[3] = 0.5 * e;
    memcpy(q + 4, t1, m * sizeof *t1), memcpy(q + 4 + m, l1a, m * sizeof *l1a);
    r[0] = mid, r[1] = hi, r[2] = depth, r[3] = 0.5 * e;
    memcpy(r + 4, t2, m * sizeof *t2), memcpy(r + 4 + m, l1b, m * sizeof *l1b);
    np++;
  }
}

size_t urn_quadv_work(size_t m) {
  size_t de = 9 * m + 8, gl = GL_MAXPIECES * (2 * m + 4) + 5 * m + 8;
  return de > gl ? de : gl;
}
