/* math/dist_von_mises.c — the von Mises CDFs (von_mises_lcdf, _lccdf, _cdf).
 * As in Stan, the variate is an angle in [-pi, pi] and the CDF is the mass
 * of the density exp(kappa cos(t - mu)) / (2 pi I0(kappa)) on [-pi, y].  The
 * mass of an arc is integrated directly (adaptive Gauss–Kronrod on the
 * periodic, analytic integrand, written with cos(t) - 1 = -2 sin^2(t/2)), and
 * scaled by the integrand's largest value on the arc, so both tails keep
 * their relative accuracy for any kappa: the lower CDF P and the upper Q are
 * each integrated over their own arc (the smaller one; the other is 1 - it).
 * Partials: d/dy and d/dmu are densities at the arc's ends; d/dkappa is the
 * integral of (cos t - I1/I0(kappa)) times the density. */
#include "math/dist_impl.h"
#include "math/quad.h"

#define TWO_PI 6.28318530717958647693

/* The centered integrand exp(kappa (cos t - 1) - shift) [times (cos t - A) when weighted]. */
typedef struct vm_ctx {
  double kappa; /* concentration */
  double shift; /* log of the largest value on the arc, subtracted */
  double A;     /* I1/I0(kappa), for the kappa partial */
  int weighted; /* integrate (cos t - A) times the density */
} vm_ctx;

static double vm_f(double t, void *vc) {
  const vm_ctx *c = vc;
  double s = sin(0.5 * t), f = exp(-2 * c->kappa * s * s - c->shift);
  return c->weighted ? (1 - 2 * s * s - c->A) * f : f;
}

/* Distance of t from 0 modulo 2 pi (in [0, pi]). */
static double vm_dist0(double t) {
  double r = fmod(t, TWO_PI);
  if (r < 0) r += TWO_PI;
  return r > DIST_PI ? TWO_PI - r : r;
}

/* log of the mass of the centered density on the arc [a, b] (b - a in [0, 2 pi]); *dk gets d mass / d kappa
 * divided by the mass when dk is not NULL. */
static double vm_log_arc(double a, double b, double kappa, double log_norm, double *dk) {
  if (b <= a) {
    if (dk) *dk = 0;
    return -INFINITY;
  }
  /* the largest value of cos on the arc: at the point nearest 0 (mod 2 pi), or at an end */
  double k0 = ceil(a / TWO_PI - 1e-15) * TWO_PI; /* the first multiple of 2 pi at or after a */
  double dmin = k0 <= b ? 0 : fmin(vm_dist0(a), vm_dist0(b)), sm = sin(0.5 * dmin);
  vm_ctx c = {kappa, -2 * kappa * sm * sm, 0, 0};
  double I = urn_quad(vm_f, &c, a, b, 1e-14, 0, NULL);
  if (dk) {
    c.A = dist_bessel_ratio_i1_i0(kappa), c.weighted = 1;
    *dk = urn_quad(vm_f, &c, a, b, 1e-12, 1e-15 * I, NULL) / I;
  }
  return log(I) + c.shift - log_norm;
}

static void core_von_mises(const double *x, const int *need, dist_cdf_out *o) {
  double y = x[0], mu = x[1], kappa = x[2];
  if (y <= -DIST_PI) {
    o->lp = -INFINITY, o->lq = 0;
    return;
  }
  if (y >= DIST_PI) {
    o->lp = 0, o->lq = -INFINITY;
    return;
  }
  /* centered: the arc [-pi - mu, y - mu] and its complement [y - mu, pi - mu] */
  double m = fmod(mu, TWO_PI), a = -DIST_PI - m, b = y - m, e = DIST_PI - m;
  /* normalizer: log of int exp(kappa (cos t - 1)) over a period = log(2 pi) + log I0(kappa) - kappa */
  double log_norm = DIST_LOG_2PI + dist_log_bessel_i0(kappa) - kappa, dkp = 0, dkq = 0;
  int lower = y - (-DIST_PI) <= DIST_PI - y; /* integrate the shorter arc first */
  if (lower) {
    o->lp = vm_log_arc(a, b, kappa, log_norm, need[2] ? &dkp : NULL);
    if (o->lp > -DIST_LOG_2) o->lq = vm_log_arc(b, e, kappa, log_norm, need[2] ? &dkq : NULL);
    else o->lq = urn_log1m_exp(o->lp), dkq = -dkp * exp(o->lp - o->lq);
  } else {
    o->lq = vm_log_arc(b, e, kappa, log_norm, need[2] ? &dkq : NULL);
    if (o->lq > -DIST_LOG_2) o->lp = vm_log_arc(a, b, kappa, log_norm, need[2] ? &dkp : NULL);
    else o->lp = urn_log1m_exp(o->lq), dkp = -dkq * exp(o->lq - o->lp);
  }
  /* densities (log) at the ends: y, and -pi (= pi) */
  double sb = sin(0.5 * b), sa = sin(0.5 * a);
  double lfb = -2 * kappa * sb * sb - log_norm, lfa = -2 * kappa * sa * sa - log_norm;
  double fp = exp(lfb - o->lp), fq = exp(lfb - o->lq), ap = exp(lfa - o->lp), aq = exp(lfa - o->lq);
  o->dlp[0] = fp, o->dlq[0] = -fq;
  /* dP/dmu = f(-pi - mu) - f(y - mu) = -dQ/dmu (the mass on [-pi, pi] is 1) */
  o->dlp[1] = ap - fp, o->dlq[1] = fq - aq;
  /* d log(arc mass) / d kappa from the weighted integral; the normalizer's part is inside A */
  o->dlp[2] = dkp, o->dlq[2] = dkq;
}

static const char *const L_VM[] = {"Random variable", "Location parameter", "Scale parameter"};

/* y in [-pi, pi] (Stan's check). */
static int vm_check_y(const char *fn, const urn_darg *y, urn_error *err) {
  for (size_t i = 0; i < y->n; i++)
    if (!(y->v[i] >= -DIST_PI && y->v[i] <= DIST_PI))
      return urn_error_set(err, URN_EREJECT,
                           "%s: Random variable is %g, but must be in the interval [-3.14159, 3.14159]", fn,
                           y->v[i]);
  return URN_OK;
}
DIST_DEFINE_CDFS(von_mises, 3, L_VM, core_von_mises, vm_check_y(fn, &a[0], err), DR_NOT_NAN, DR_FINITE,
                 DR_POSITIVE)
