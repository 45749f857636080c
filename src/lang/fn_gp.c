/* lang/fn_gp.c — Gaussian-process covariance functions: gp_exponential_cov,
 * gp_matern32_cov, gp_matern52_cov, gp_periodic_cov, gp_dot_prod_cov, and the
 * cross-covariance form (x1, x2) of those and of gp_exp_quad_cov (whose
 * one-input form is in fn_linalg.c).  Points are reals or vectors (Euclidean
 * distance r); every entry is one tape node with analytic partials for the
 * magnitude sigma, the length scale l (and period p) and the points.
 *
 *   exp_quad     sigma^2 exp(-r^2 / (2 l^2))
 *   exponential  sigma^2 exp(-r / l)
 *   matern32     sigma^2 (1 + sqrt(3) r / l) exp(-sqrt(3) r / l)
 *   matern52     sigma^2 (1 + sqrt(5) r / l + 5 r^2 / (3 l^2)) exp(-sqrt(5) r / l)
 *   periodic     sigma^2 exp(-2 sin^2(pi r / p) / l^2)
 *   dot_prod     sigma^2 + x1 . x2
 *   with array[] real l (one length scale per dimension, "ARD"; exp_quad, exponential, matern32/52):
 *                the kernel with l = 1 at r = sqrt(sum_d (x1_d - x2_d)^2 / l_d^2)
 * (The exponential kernel has a kink at r = 0: its partial with respect to
 * the points is taken as 0 there.) */
#include <math.h>
#include <string.h>

#include "lang/fn.h"

enum { GP_EXP_QUAD, GP_EXPONENTIAL, GP_MATERN32, GP_MATERN52, GP_PERIODIC, GP_DOT_PROD };

/* g(r) = k / sigma^2 and its partials: dg/dr divided by r (finite at r = 0),
 * dg/dl, dg/dp. */
static double kernel(int kind, double r, double l, double p, double *dr_over_r, double *dl, double *dp) {
  double g, a;
  *dp = 0;
  switch (kind) {
    case GP_EXP_QUAD:
      g = exp(-r * r / (2 * l * l));
      *dr_over_r = -g / (l * l), *dl = g * r * r / (l * l * l);
      return g;
    case GP_EXPONENTIAL:
      g = exp(-r / l);
      *dr_over_r = r > 0 ? -g / (l * r) : 0, *dl = g * r / (l * l);
      return g;
    case GP_MATERN32:
      a = sqrt(3.0) * r / l, g = (1 + a) * exp(-a);
      *dr_over_r = -3 / (l * l) * exp(-a), *dl = a * a * exp(-a) / l;
      return g;
    case GP_MATERN52:
      a = sqrt(5.0) * r / l, g = (1 + a + a * a / 3) * exp(-a);
      *dr_over_r = -5 / (3 * l * l) * (1 + a) * exp(-a), *dl = a / 3 * (1 + a) * exp(-a) * a / l;
      return g;
    case GP_PERIODIC: {
      double s = sin(M_PI * r / p);
      g = exp(-2 * s * s / (l * l));
      *dr_over_r = r > 0 ? g * (-2 * M_PI / (l * l * p)) * sin(2 * M_PI * r / p) / r
                         : g * (-4 * M_PI * M_PI / (l * l * p * p));
      *dl = g * 4 * s * s / (l * l * l);
      *dp = g * 2 * M_PI * r / (l * l * p * p) * sin(2 * M_PI * r / p);
      return g;
    }
  }
  return NAN;
}

/* The points of x (array[] real or array[] vector) as count x dim. */
static void points(const urn_val *x, size_t *count, size_t *dim) {
  *count = x->ty.dims ? (size_t)x->dim[0] : 0;
  *dim = *count ? x->n / *count : (x->ty.base == URN_TY_VECTOR || x->ty.base == URN_TY_ROW_VECTOR ? (size_t)x->dim[1] : 1);
}

static void f_gp(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  int kind = b->aux2;
  /* signature: x1 [x2] sigma [l [p]]: the second argument is points when it is an array */
  int cross = n >= 2 && args[1].ty.dims == 1;
  const urn_val *x1 = &args[0], *x2 = cross ? &args[1] : &args[0];
  int k = cross ? 2 : 1;
  const urn_val *sv = &args[k], *lv = kind == GP_DOT_PROD ? NULL : &args[k + 1],
                *pv = kind == GP_PERIODIC ? &args[k + 2] : NULL;
  double s = sv->v[0], l = lv ? lv->v[0] : 1, p = pv ? pv->v[0] : 1;
  if (kind == GP_DOT_PROD ? !(s >= 0) : !(s > 0))
    urn_ev_reject(ev, "%s: magnitude is %g, but must be %s!", b->name, s, kind == GP_DOT_PROD ? "non-negative" : "positive");
  if (lv && !(l > 0 && isfinite(l))) urn_ev_reject(ev, "%s: length scale is %g, but must be positive!", b->name, l);
  if (pv && !(p > 0 && isfinite(p))) urn_ev_reject(ev, "%s: period is %g, but must be positive!", b->name, p);
  size_t n1, d1, n2, d2;
  points(x1, &n1, &d1);
  points(x2, &n2, &d2);
  if (n1 && n2 && d1 != d2) urn_ev_reject(ev, "%s: the points have dimensions %zu and %zu", b->name, d1, d2);
  for (size_t i = 0; i < x1->n; i++)
    if (isnan(x1->v[i])) urn_ev_reject(ev, "%s: a point is NaN", b->name);
  for (size_t i = 0; i < x2->n; i++)
    if (isnan(x2->v[i])) urn_ev_reject(ev, "%s: a point is NaN", b->name);
  int32_t is = urn_val_ix(sv, 0), il = lv ? urn_val_ix(lv, 0) : -1, ip = pv ? urn_val_ix(pv, 0) : -1;
  int xvar = x1->ix != NULL || x2->ix != NULL;
  int var = xvar || is >= 0 || il >= 0 || ip >= 0;
  int32_t dim[2] = {(int32_t)n1, (int32_t)n2};
  urn_val_alloc(ev, out, (urn_type){URN_TY_MATRIX, 0}, dim, var);
  for (size_t j = 0; j < n2; j++)
    for (size_t i = 0; i < n1; i++) {
      const double *a = x1->v + i * d1, *c = x2->v + j * d1;
      double v, dr = 0, dl = 0, dp = 0, ds, dot = 0, r2 = 0;
      if (kind == GP_DOT_PROD) {
        for (size_t q = 0; q < d1; q++) dot += a[q] * c[q];
        v = s * s + dot, ds = 2 * s;
      } else {
        for (size_t q = 0; q < d1; q++) r2 += (a[q] - c[q]) * (a[q] - c[q]);
        double g = kernel(kind, sqrt(r2), l, p, &dr, &dl, &dp);
        v = s * s * g, ds = 2 * s * g, dr *= s * s, dl *= s * s, dp *= s * s;
      }
      out->v[i + j * n1] = v;
      if (!var) continue;
      int32_t *o;
      double *pp;
      urn_tape_begin(&ev->tape, 3 + 2 * d1, &o, &pp);
      size_t m = 0;
      if (is >= 0) o[m] = is, pp[m++] = ds;
      if (il >= 0) o[m] = il, pp[m++] = dl;
      if (ip >= 0) o[m] = ip, pp[m++] = dp;
      if (xvar && !(kind != GP_DOT_PROD && !cross && i == j))
        for (size_t q = 0; q < d1; q++) {
          /* d k / d a_q and d k / d c_q */
          double da = kind == GP_DOT_PROD ? c[q] : dr * (a[q] - c[q]);
          double dc = kind == GP_DOT_PROD ? a[q] : -da;
          int32_t na = urn_val_ix(x1, i * d1 + q), nc = urn_val_ix(x2, j * d1 + q);
          if (na >= 0 && na == nc) { o[m] = na, pp[m++] = da + dc; continue; } /* the same point twice */
          if (na >= 0) o[m] = na, pp[m++] = da;
          if (nc >= 0) o[m] = nc, pp[m++] = dc;
        }
      out->ix[i + j * n1] = urn_tape_end(&ev->tape, v, m);
    }
}

/* gp_exp_quad_cov, gp_exponential_cov, gp_matern32_cov, gp_matern52_cov (x [, x2], sigma, array[] real l):
 * one length scale per dimension (ARD): the kernel with l = 1 at the scaled distance
 * r = sqrt(sum_d ((x_d - x2_d) / l_d)^2), so dk/dl_d = -s^2 (dg/dr / r) del_d^2 / l_d^3 and
 * dk/dx_d = s^2 (dg/dr / r) del_d / l_d^2. */
static void f_gp_ard(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  int cross = n == 4;
  const urn_val *x1 = &args[0], *x2 = cross ? &args[1] : &args[0], *sv = &args[cross ? 2 : 1], *lv = &args[cross ? 3 : 2];
  size_t n1, d1, n2, d2, D = lv->n;
  points(x1, &n1, &d1);
  points(x2, &n2, &d2);
  if ((n1 && d1 != D) || (n2 && d2 != D))
    urn_ev_reject(ev, "%s: %zu length scales for points of dimension %zu", b->name, D, n1 ? d1 : d2);
  double s = sv->v[0];
  if (!(s > 0)) urn_ev_reject(ev, "%s: magnitude is %g, but must be positive!", b->name, s);
  for (size_t d = 0; d < D; d++)
    if (!(lv->v[d] > 0 && isfinite(lv->v[d])))
      urn_ev_reject(ev, "%s: length scale[%zu] is %g, but must be positive!", b->name, d + 1, lv->v[d]);
  int32_t is = urn_val_ix(sv, 0);
  int var = x1->ix || x2->ix || lv->ix || is >= 0;
  int32_t dim[2] = {(int32_t)n1, (int32_t)n2};
  urn_val_alloc(ev, out, (urn_type){URN_TY_MATRIX, 0}, dim, var);
  for (size_t j = 0; j < n2; j++)
    for (size_t i = 0; i < n1; i++) {
      const double *a = x1->v + i * D, *c = x2->v + j * D;
      double q = 0;
      for (size_t d = 0; d < D; d++) {
        double z = (a[d] - c[d]) / lv->v[d];
        q += z * z;
      }
      double dr, dl, dp, g = kernel(b->aux2, sqrt(q), 1, 1, &dr, &dl, &dp);
      double v = s * s * g;
      out->v[i + j * n1] = v;
      if (!var) continue;
      int32_t *o;
      double *p;
      urn_tape_begin(&ev->tape, 1 + 3 * D, &o, &p);
      size_t m = 0;
      if (is >= 0) o[m] = is, p[m++] = 2 * s * g;
      for (size_t d = 0; d < D; d++) {
        double l = lv->v[d], del = a[d] - c[d];
        int32_t il = urn_val_ix(lv, d);
        if (il >= 0) o[m] = il, p[m++] = -s * s * dr * del * del / (l * l * l);
        if (!cross && i == j) continue;
        int32_t na = urn_val_ix(x1, i * D + d), nc = urn_val_ix(x2, j * D + d);
        double da = s * s * dr * del / (l * l);
        if (na >= 0 && na == nc) continue; /* the same point on both sides: no dependence */
        if (na >= 0) o[m] = na, p[m++] = da;
        if (nc >= 0) o[m] = nc, p[m++] = -da;
      }
      out->ix[i + j * n1] = urn_tape_end(&ev->tape, v, m);
    }
}

#define F(name, sig, aux2, doc) {name, sig, f_gp, NULL, NULL, aux2, 0, doc}
#define ARD(name, kind, doc) \
  {name, "m:1vr1r", f_gp_ard, NULL, NULL, kind, 0, doc}, {name, "m:1v1vr1r", f_gp_ard, NULL, NULL, kind, 0, doc}
#define GP3(name, kind, doc)                                                              \
  F(name, "m:1rrr", kind, doc), F(name, "m:1vrr", kind, doc), F(name, "m:1r1rrr", kind, doc), \
      F(name, "m:1v1vrr", kind, doc)
const urn_builtin urn_fn_gp_table[] = {
    F("gp_exp_quad_cov", "m:1r1rrr", GP_EXP_QUAD, "squared-exponential cross-covariance of x1 and x2"),
    F("gp_exp_quad_cov", "m:1v1vrr", GP_EXP_QUAD, "squared-exponential cross-covariance of x1 and x2"),
    {"gp_exp_quad_cov", "m:1vr1r", f_gp_ard, NULL, NULL, 0, 0, "squared-exponential covariance, one length scale per dimension"},
    {"gp_exp_quad_cov", "m:1v1vr1r", f_gp_ard, NULL, NULL, 0, 0, "squared-exponential cross-covariance, one length scale per dimension"},
    GP3("gp_exponential_cov", GP_EXPONENTIAL, "exponential covariance sigma^2 exp(-r / l)"),
    GP3("gp_matern32_cov", GP_MATERN32, "Matern 3/2 covariance"),
    GP3("gp_matern52_cov", GP_MATERN52, "Matern 5/2 covariance"),
    ARD("gp_exponential_cov", GP_EXPONENTIAL, "exponential covariance, one length scale per dimension"),
    ARD("gp_matern32_cov", GP_MATERN32, "Matern 3/2 covariance, one length scale per dimension"),
    ARD("gp_matern52_cov", GP_MATERN52, "Matern 5/2 covariance, one length scale per dimension"),
    F("gp_periodic_cov", "m:1rrrr", GP_PERIODIC, "periodic covariance sigma^2 exp(-2 sin^2(pi r / p) / l^2)"),
    F("gp_periodic_cov", "m:1vrrr", GP_PERIODIC, "periodic covariance sigma^2 exp(-2 sin^2(pi r / p) / l^2)"),
    F("gp_periodic_cov", "m:1r1rrrr", GP_PERIODIC, "periodic cross-covariance"),
    F("gp_periodic_cov", "m:1v1vrrr", GP_PERIODIC, "periodic cross-covariance"),
    F("gp_dot_prod_cov", "m:1rr", GP_DOT_PROD, "dot-product covariance sigma^2 + x_i . x_j"),
    F("gp_dot_prod_cov", "m:1vr", GP_DOT_PROD, "dot-product covariance sigma^2 + x_i . x_j"),
    F("gp_dot_prod_cov", "m:1r1rr", GP_DOT_PROD, "dot-product cross-covariance"),
    F("gp_dot_prod_cov", "m:1v1vr", GP_DOT_PROD, "dot-product cross-covariance"),
    {NULL, NULL, NULL, NULL, NULL, 0, 0, NULL}};
