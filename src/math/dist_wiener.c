/* math/dist_wiener.c — the Wiener first-passage-time (drift diffusion)
 * distribution: Stan's wiener_lpdf in its 4-parameter form (y | alpha, tau,
 * beta, delta), the 5-parameter form (y | a, t0, w, v, sv) and the
 * 7-parameter form (y | a, t0, w, v, sv, sw, st0), each also with a trailing
 * precision argument, and wiener_lcdf_unnorm / wiener_lccdf_unnorm (the
 * defective distribution of the upper-boundary hitting time: its CDF tends to
 * the probability of reaching the upper boundary).
 *
 * Formulas (Navarro & Fuss 2009; Blurton, Kesselmeier & Gondan 2012; the
 * sv integral in closed form as in Tuerlinckx 2004): the density at the upper
 * boundary is the lower-boundary density with v -> -v and w -> 1 - w, and
 *   log f = -2 log a + (sv^2 a^2 w^2 - 2 a v w - v^2 t) / (2 (1 + sv^2 t))
 *           - log(1 + sv^2 t) / 2 + log g(t / a^2 | w),   t = y - t0,
 * with g the standard density (a = 1, v = 0) from its small-time series
 * (u <= 1) or its large-time series (u > 1), each factored by its largest
 * term so it neither underflows nor cancels, and its u and w derivatives
 * from the same series: every partial is analytic.  sw and st0 are uniform
 * variabilities of w and t0: their averages are integrated by adaptive
 * Gauss–Kronrod quadrature (the partials too, with the end-point terms of
 * the differentiated limits).  The CDFs integrate the density by quadrature
 * below the mode and sum the integrated large-time series above it (each
 * tail from its own side); the 4-parameter CDFs' partials are analytic (y
 * and t0: the density over P or Q; a, w, v: the integral of f d log f /
 * d theta over the same side, by quadrature), the 7-parameter CDFs' are
 * numerical (Richardson-extrapolated differences).  The precision argument is accepted
 * and checked positive: the series and quadratures here run to full double
 * precision whatever it asks. */
#include <string.h>
#include "math/dist_impl.h"
#include "math/quad.h"

#define WIENER_PI2 9.86960440108935861883

/* log g(u | w) of the standard lower-boundary density, and d/du, d/dw of it. */
static double wiener_log_g(double u, double w, double *dlu, double *dlw) {
  if (u <= 1) {
    /* small time: g = (2 pi u^3)^(-1/2) exp(-w^2 / 2u) sum_k (w + 2k) exp(-2k(k + w)/u); k = 0 is the largest
     * term; |k| up to sqrt(80 u) / 2 + 1 keeps every neglected term below e^-40 of it */
    int K = (int)ceil(0.5 * sqrt(80 * u) + 1);
    double s = 0, su = 0, sw = 0;
    for (int k = -K; k <= K; k++) {
      double c = w + 2.0 * k, e = exp(-2.0 * k * (k + w) / u);
      s += c * e;
      su += c * e * 2.0 * k * (k + w) / (u * u);
      sw += e * (1 - c * 2.0 * k / u);
    }
    *dlu = -1.5 / u + 0.5 * w * w / (u * u) + su / s;
    *dlw = -w / u + sw / s;
    return -0.5 * (DIST_LOG_2PI + 3 * log(u)) - 0.5 * w * w / u + log(s);
  }
  /* large time: g = pi exp(-pi^2 u / 2) sum_k k exp(-(k^2 - 1) pi^2 u / 2) sin(k pi w) */
  int K = (int)ceil(sqrt(83 / (WIENER_PI2 * u))) + 2;
  double s = 0, su = 0, sw = 0;
  for (int k = 1; k <= K; k++) {
    double e = k * exp(-(k * k - 1.0) * WIENER_PI2 * u / 2), sn = sin(k * DIST_PI * w);
    s += e * sn;
    su -= e * sn * (k * k - 1.0) * WIENER_PI2 / 2;
    sw += e * k * DIST_PI * cos(k * DIST_PI * w);
  }
  *dlu = -WIENER_PI2 / 2 + su / s;
  *dlw = sw / s;
  return DIST_LOG_PI - WIENER_PI2 * u / 2 + log(s);
}

/* One element of the upper-boundary density with drift variability sv: the log density at time t = y - t0
 * (> 0) and its partials g[0..5] in (t, a, w, v, sv) — d/dy is g[0], d/dt0 is -g[0]. */
static double wiener5_elem(double t, double a, double w, double v, double sv, double *g) {
  double wp = 1 - w, sv2 = sv * sv, D = 1 + sv2 * t, u = t / (a * a);
  /* the upper boundary: the lower-boundary formula at -v, 1 - w */
  double Nn = sv2 * a * a * wp * wp + 2 * a * v * wp - v * v * t, E = Nn / (2 * D), Gu, Gw;
  double lg = wiener_log_g(u, wp, &Gu, &Gw);
  g[0] = (-v * v * D - Nn * sv2) / (2 * D * D) - sv2 / (2 * D) + Gu / (a * a);
  g[1] = -2 / a + (sv2 * a * wp * wp + v * wp) / D - 2 * t * Gu / (a * a * a);
  g[2] = -((sv2 * a * a * wp + a * v) / D + Gw);
  g[3] = (a * wp - v * t) / D;
  g[4] = sv * (a * a * wp * wp * D - t * Nn) / (D * D) - sv * t / D;
  return -2 * log(a) + E - 0.5 * log1p(sv2 * t) + lg;
}

/* ---- argument checks (Stan's wording) ---- */

static const char *const L_W[] = {"Random variable", "Boundary separation", "Nondecision time", "A-priori bias",
                                  "Drift rate", "Inter-trial variability in drift rate",
                                  "Inter-trial variability in A-priori bias",
                                  "Inter-trial variability in Nondecision time", "Precision"};

/* The checks of the first np parameters (y, a, t0, w, v, sv, sw, st0 order) and, when prec, of the precision. */
static int wiener_checks(const char *fn, const urn_darg *a, int np, int prec, size_t *N, urn_error *err) {
  static const int rules[8] = {DR_POS_FINITE, DR_POS_FINITE, DR_NONNEG, DR_UNIT_OPEN, DR_FINITE, DR_NONNEG,
                               DR_NONNEG, DR_NONNEG};
  if (dist_size(fn, a, np, L_W, N, err)) return URN_EREJECT;
  for (int j = 0; j < np; j++) {
    if (dist_check_once(fn, L_W[j], &a[j], (dist_rule)rules[j], err)) return URN_EREJECT;
    if (j == 2 || j >= 5)
      if (dist_check(fn, L_W[j], &a[j], DR_FINITE, err)) return URN_EREJECT;
  }
  if (prec && (a[np].n != 1 || !(a[np].v[0] > 0)))
    return urn_error_set(err, URN_EREJECT, "%s: Precision is %g, but must be positive!", fn, a[np].n ? a[np].v[0] : 0);
  for (size_t i = 0; i < *N; i++) {
    double y = DV(&a[0], i), t0 = DV(&a[2], i);
    if (!(y > t0))
      return urn_error_set(err, URN_EREJECT, "%s: Random variable = %g, but must be greater than nondecision time = "
                           "%g", fn, y, t0);
    if (np > 6) {
      double w = DV(&a[3], i), sw = DV(&a[6], i);
      if (!(sw < 1) || !(w - sw / 2 > 0) || !(w + sw / 2 < 1))
        return urn_error_set(err, URN_EREJECT, "%s: Inter-trial variability in A-priori bias is %g, but must be "
                             "smaller than 2 * min(w, 1 - w) = %g", fn, sw, 2 * fmin(w, 1 - w));
    }
  }
  return URN_OK;
}

/* ---- the 4- and 5-parameter densities ---- */

static int wiener45(const char *fn, int np, int prec, const urn_darg *a, int propto, double *out, urn_error *err) {
  size_t N;
  if (wiener_checks(fn, a, np, prec, &N, err)) return URN_EREJECT;
  int any = 0;
  for (int j = 0; j < np; j++) any |= a[j].d != NULL;
  double lp = 0, g[5];
  for (size_t i = 0; i < N; i++) {
    double y = DV(&a[0], i), al = DV(&a[1], i), t0 = DV(&a[2], i), w = DV(&a[3], i), v = DV(&a[4], i);
    double sv = np > 5 ? DV(&a[5], i) : 0;
    double l = wiener5_elem(y - t0, al, w, v, sv, g);
    if (!propto || any) lp += l;
    DADD(&a[0], i, g[0]);
    DADD(&a[1], i, g[1]);
    DADD(&a[2], i, -g[0]);
    DADD(&a[3], i, g[2]);
    DADD(&a[4], i, g[3]);
    if (np > 5) DADD(&a[5], i, g[4]);
  }
  *out = lp;
  return URN_OK;
}

int urn_wiener4_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  return wiener45("wiener_lpdf", 5, 0, a, propto, out, err);
}
int urn_wiener5_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  return wiener45("wiener_lpdf", 6, 0, a, propto, out, err);
}
int urn_wiener5p_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  return wiener45("wiener_lpdf", 6, 1, a, propto, out, err);
}

/* ---- the 7-parameter density: averages over w in [w - sw/2, w + sw/2] and t0 in [t0, t0 + st0] ---- */

/* The average of point(ctx, w, t0) over w in [wlo, wlo + sw] (the point wlo when sw = 0) and t0 in
 * [t0, t0 + st0] (the point t0 when st0 = 0): the 7-parameter density and CDFs both average their 5-parameter
 * pieces so. */
typedef struct wiener_avg {
  double (*point)(const void *ctx, double w, double t0); /* the function averaged */
  const void *ctx;                                       /* its context */
  double wlo, sw;                                        /* w's range */
  double tol_w, tol_t0;                                  /* the quadratures' relative tolerances */
  double t0;                                             /* the current t0 of the inner (w) quadrature */
} wiener_avg;

static double wavg_inner(double w, void *vc) {
  const wiener_avg *A = vc;
  return A->point(A->ctx, w, A->t0);
}

/* The w-average at t0. */
static double wavg_w(wiener_avg *A, double t0) {
  A->t0 = t0;
  if (A->sw == 0) return A->point(A->ctx, A->wlo, t0);
  return urn_quad(wavg_inner, A, A->wlo, A->wlo + A->sw, A->tol_w, 0, NULL) / A->sw;
}

static double wavg_outer(double t0, void *vc) { return wavg_w(vc, t0); }

/* The full average; the t0 quadrature stops at thi (the function is 0 beyond it). */
static double wavg(wiener_avg *A, double t0, double st0, double thi) {
  if (st0 == 0) return wavg_w(A, t0);
  return urn_quad(wavg_outer, A, t0, fmin(t0 + st0, thi), A->tol_t0, 0, NULL) / st0;
}

/* What the 7-parameter density's quadratures integrate: the 5-parameter density (relative to exp(ref)) and its
 * partials. */
typedef struct w7_ctx {
  double y, a, v, sv; /* fixed arguments */
  double ref;         /* log scale subtracted from every density value */
  int what;           /* -1: the density; 0..4: the density times partial g[what] */
} w7_ctx;

static double w7_f5(const void *vc, double w, double t0) {
  const w7_ctx *c = vc;
  double g[5], t = c->y - t0;
  if (!(t > 0)) return 0;
  double l = wiener5_elem(t, c->a, w, c->v, c->sv, g);
  double f = exp(l - c->ref);
  return c->what < 0 ? f : f * g[c->what];
}

static int wiener7(const char *fn, int prec, const urn_darg *a, int propto, double *out, urn_error *err) {
  size_t N;
  if (wiener_checks(fn, a, 8, prec, &N, err)) return URN_EREJECT;
  double lp = 0;
  for (size_t i = 0; i < N; i++) {
    double y = DV(&a[0], i), al = DV(&a[1], i), t0 = DV(&a[2], i), w = DV(&a[3], i), v = DV(&a[4], i);
    double sv = DV(&a[5], i), sw = DV(&a[6], i), st0 = DV(&a[7], i), g[5];
    w7_ctx c = {y, al, v, sv, 0, -1};
    c.ref = wiener5_elem(y - t0, al, w, v, sv, g); /* a scale near the density's size */
    wiener_avg A = {w7_f5, &c, w - sw / 2, sw, 1e-12, 1e-11, 0};
    double P = wavg(&A, t0, st0, y);
    lp += c.ref + log(P);
    /* a, w, v, sv: the averages of the weighted density, divided by P */
    static const int argj[4] = {1, 3, 4, 5}, gj[4] = {1, 2, 3, 4};
    for (int q = 0; q < 4; q++) {
      if (!a[argj[q]].d) continue;
      c.what = gj[q];
      DADD(&a[argj[q]], i, wavg(&A, t0, st0, y) / P);
    }
    c.what = -1;
    /* y and t0: with st0 > 0 the average over [t0, t0 + st0] moves with them: d/dy = (f(t0) - f(t0 + st0)) / st0
     * (averaged over w), d/dt0 = -d/dy; with st0 = 0 the weighted average of g[0] */
    double dy;
    if (st0 > 0) dy = (wavg_w(&A, t0) - (t0 + st0 < y ? wavg_w(&A, t0 + st0) : 0)) / st0 / P;
    else c.what = 0, dy = wavg(&A, t0, 0, y) / P, c.what = -1;
    DADD(&a[0], i, dy);
    DADD(&a[2], i, -dy);
    /* sw: d/dsw of (1/sw) int_{w-sw/2}^{w+sw/2} = (f(w+sw/2) + f(w-sw/2))/(2 sw) - P/sw, averaged over t0 */
    if (a[6].d) {
      double d = 0;
      if (sw > 0) {
        wiener_avg e = A;
        e.sw = 0, e.wlo = w + sw / 2;
        double up = wavg(&e, t0, st0, y);
        e.wlo = w - sw / 2;
        double dn = wavg(&e, t0, st0, y);
        d = ((up + dn) / (2 * sw) - P / sw) / P;
      }
      DADD(&a[6], i, d);
    }
    /* st0: d/dst0 of (1/st0) int_{t0}^{t0+st0} = f(t0 + st0)/st0 - P/st0 */
    if (a[7].d) {
      double d = 0;
      if (st0 > 0) d = ((t0 + st0 < y ? wavg_w(&A, t0 + st0) : 0) / st0 - P / st0) / P;
      DADD(&a[7], i, d);
    }
  }
  *out = lp;
  return URN_OK;
}

int urn_wiener7_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  return wiener7("wiener_lpdf", 0, a, propto, out, err);
}
int urn_wiener7p_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  return wiener7("wiener_lpdf", 1, a, propto, out, err);
}

/* ---- the unnormalized CDFs ---- */

/* log of the probability of absorption at the upper boundary: (1 - exp(2 v a w)) / (1 - exp(2 v a))... written for
 * the upper boundary as P = (1 - exp(-2 v a w)) / (1 - exp(-2 v a)) (w the start relative to the lower one) */
static double wiener_log_p_upper(double a, double w, double v) {
  double x = -2 * v * a;
  if (fabs(x) < 1e-12) return log(w);
  /* log((1 - e^(x w)) / (1 - e^x)), both factors on the side where they keep their digits */
  if (x < 0) return log(-expm1(x * w)) - log(-expm1(x));
  return x * (w - 1) + log(-expm1(-x * w)) - log(-expm1(-x)); /* divide through by e^x */
}

/* The upper-boundary tail mass beyond t: the integrated large-time series
 * Q(t) = (pi / a^2) exp(v a (1 - w)) sum_k k sin(k pi (1 - w)) exp(-lambda_k t) / lambda_k, lambda_k = v^2/2 +
 * k^2 pi^2 / (2 a^2); log of it, for t / a^2 not small. */
static double wiener_log_tail_series(double t, double a, double w, double v) {
  double wp = 1 - w, u = t / (a * a);
  int K = (int)ceil(sqrt(83 / (WIENER_PI2 * u))) + 3;
  double l1 = v * v / 2 + WIENER_PI2 / (2 * a * a), s = 0;
  for (int k = 1; k <= K; k++) {
    double lk = v * v / 2 + k * k * WIENER_PI2 / (2 * a * a);
    s += k * sin(k * DIST_PI * wp) * exp(-(lk - l1) * t) / lk;
  }
  return DIST_LOG_PI - 2 * log(a) + v * a * wp - l1 * t + log(s);
}

/* The density to integrate for the lower part, scaled. */
typedef struct wcdf_ctx {
  double a, w, v, sv; /* parameters */
  double ref;         /* log scale */
} wcdf_ctx;

static double wcdf_f(double t, void *vc) {
  const wcdf_ctx *c = vc;
  if (!(t > 0)) return 0;
  double g[5];
  return exp(wiener5_elem(t, c->a, c->w, c->v, c->sv, g) - c->ref);
}

/* log P(T <= t, upper) and log P(t < T < inf, upper) for the 4-parameter model (sv = 0). */
static void wiener4_log_pq(double t, double a, double w, double v, double *lp, double *lq) {
  double lpu = wiener_log_p_upper(a, w, v), u = t / (a * a);
  if (u > 0.3) { /* the tail series converges fast: Q directly, P = P_upper - Q */
    *lq = wiener_log_tail_series(t, a, w, v);
    *lp = lpu + urn_log1m_exp(*lq - lpu);
  } else { /* the density's integral from 0: P directly */
    double g[5];
    wcdf_ctx c = {a, w, v, 0, wiener5_elem(t, a, w, v, 0, g)};
    *lp = c.ref + log(urn_quad(wcdf_f, &c, 0, t, 1e-12, 0, NULL));
    *lq = lpu + urn_log1m_exp(*lp - lpu);
  }
}

/* The integrand of the 4-parameter CDFs' partials: f(s) / exp(ref) times d log f(s) / d theta (what: 1 a, 2 w,
 * 3 v), with ref = log P or log Q, so that its integral is d log P / d theta (over [0, t]) or d log Q / d theta
 * (over [t, inf)). */
typedef struct wcdf_dctx {
  double a, w, v; /* parameters */
  double ref;     /* log P or log Q */
  int what;       /* which partial of log f */
} wcdf_dctx;

static double wcdf_df(double s, void *vc) {
  const wcdf_dctx *c = vc;
  if (!(s > 0)) return 0;
  double g[5], l = wiener5_elem(s, c->a, c->w, c->v, 0, g);
  return exp(l - c->ref) * g[c->what];
}

/* log P (upper = 0) or log Q (upper = 1) of the 4-parameter model at x = y, a, t0, w, v, with every partial
 * analytic: d/dy = f(t) / P (-f(t) / Q), d/dt0 its negative, and d/dtheta for a, w, v the integral of
 * f d log f / d theta over [0, t] (over [t, inf), cut where the tail is below e^-60 of it) divided by P (Q) —
 * differentiating under the integral sign, since P(t) = int_0^t f and Q(t) = int_t^inf f. */
static double wiener4_cdf_grad(const double *x, int upper, double *d) {
  double t = x[0] - x[2], a = x[1], w = x[3], v = x[4], lp, lq, g[5];
  wiener4_log_pq(t, a, w, v, &lp, &lq);
  double ref = upper ? lq : lp, lf = wiener5_elem(t, a, w, v, 0, g);
  d[0] = upper ? -exp(lf - ref) : exp(lf - ref);
  d[2] = -d[0];
  static const int argj[3] = {1, 3, 4};
  for (int q = 0; q < 3; q++) {
    wcdf_dctx c = {a, w, v, ref, q + 1};
    double lo = upper ? t : 0, hi = upper ? t + 120 * a * a / WIENER_PI2 : t;
    d[argj[q]] = urn_quad(wcdf_df, &c, lo, hi, 1e-12, 1e-15, NULL);
  }
  return ref;
}

/* The 7-parameter CDFs: the 4-parameter pieces integrated over sv (a normal drift, Gauss-Hermite-free: by
 * quadrature over the drift's quantile), w and t0; done by quadrature of the density in time when sv > 0. */
typedef struct w7c_ctx {
  double y, a, v, sv; /* parameters */
  int upper;          /* 0: log P (lower part), 1: log Q (upper tail) */
} w7c_ctx;

static double w7c_point(const void *vc, double w, double t0) {
  const w7c_ctx *c = vc;
  double t = c->y - t0, lp, lq;
  if (c->sv == 0) {
    if (!(t > 0)) return c->upper ? exp(wiener_log_p_upper(c->a, w, c->v)) : 0;
    wiener4_log_pq(t, c->a, w, c->v, &lp, &lq);
    return exp(c->upper ? lq : lp);
  }
  /* with drift variability: the density of time, integrated (P: from 0 to t; Q: from t to where it vanishes) */
  double g[5];
  if (!(t > 0)) t = 0;
  double tm = fmax(t, 1e-3 * c->a * c->a);
  wcdf_ctx d = {c->a, w, c->v, c->sv, wiener5_elem(tm, c->a, w, c->v, c->sv, g)};
  if (!c->upper) return t > 0 ? exp(d.ref) * urn_quad(wcdf_f, &d, 0, t, 1e-10, 0, NULL) : 0;
  /* the tail decays at least like exp(-pi^2 s / (2 a^2)): 60 of those scales are enough */
  double end = t + 120 * c->a * c->a / WIENER_PI2;
  return exp(d.ref) * urn_quad(wcdf_f, &d, t, end, 1e-10, 0, NULL);
}

/* log P (upper = 0) or log Q (upper = 1) at x[0..np) = y, a, t0, w, v (np = 5: the 4-parameter model), sv, sw,
 * st0 (np = 8). */
static double wcdf_log(const double *x, int np, int upper) {
  if (np == 5) {
    double lp, lq;
    wiener4_log_pq(x[0] - x[2], x[1], x[3], x[4], &lp, &lq);
    return upper ? lq : lp;
  }
  w7c_ctx c = {x[0], x[1], x[4], x[5], upper};
  wiener_avg A = {w7c_point, &c, x[3] - x[6] / 2, x[6], 1e-10, 1e-10, 0};
  return log(wavg(&A, x[2], x[7], INFINITY));
}

/* Numerical partial of log P or log Q in parameter j. */
typedef struct w7c_num {
  double x[8]; /* arguments */
  int j, upper, np;
} w7c_num;

static double w7c_num_f(double xj, const void *vc) {
  const w7c_num *n = vc;
  double x[8];
  memcpy(x, n->x, sizeof x);
  x[n->j] = xj;
  return wcdf_log(x, n->np, n->upper);
}

/* lcdf (upper = 0) or lccdf (upper = 1), np = 5 (4-parameter) or 8 parameters, prec: a trailing precision. */
static int wiener_cdf(const char *fn, int np, int prec, int upper, const urn_darg *a, double *out, urn_error *err) {
  size_t N;
  if (wiener_checks(fn, a, np, prec, &N, err)) return URN_EREJECT;
  double s = 0;
  for (size_t i = 0; i < N; i++) {
    w7c_num n = {{0}, 0, upper, np};
    for (int j = 0; j < np; j++) n.x[j] = DV(&a[j], i);
    double d4[5];
    double v = np == 5 ? wiener4_cdf_grad(n.x, upper, d4) : wcdf_log(n.x, np, upper);
    if (isnan(v))
      return urn_error_set(err, URN_EREJECT, "%s: the result is not a number for these arguments (element %zu)", fn,
                           i + 1);
    s += v;
    for (int j = 0; j < np; j++) {
      if (!a[j].d) continue;
      if (np == 5) { /* analytic */
        DADD(&a[j], i, d4[j]);
        continue;
      }
      n.j = j;
      /* keep the steps inside the domain: t0 >= 0 and below y, w in (0, 1) */
      double d = dist_num_deriv(w7c_num_f, n.x[j], &n);
      DADD(&a[j], i, isnan(d) ? 0 : d);
    }
  }
  *out = s;
  return URN_OK;
}

int urn_wiener4_lcdf(const urn_darg *a, int p, double *o, urn_error *e) {
  return wiener_cdf("wiener_lcdf_unnorm", 5, 0, 0, a, o, e);
}
int urn_wiener4_lccdf(const urn_darg *a, int p, double *o, urn_error *e) {
  return wiener_cdf("wiener_lccdf_unnorm", 5, 0, 1, a, o, e);
}
int urn_wiener4p_lcdf(const urn_darg *a, int p, double *o, urn_error *e) {
  return wiener_cdf("wiener_lcdf_unnorm", 5, 1, 0, a, o, e);
}
int urn_wiener4p_lccdf(const urn_darg *a, int p, double *o, urn_error *e) {
  return wiener_cdf("wiener_lccdf_unnorm", 5, 1, 1, a, o, e);
}
int urn_wiener7_lcdf(const urn_darg *a, int p, double *o, urn_error *e) {
  return wiener_cdf("wiener_lcdf_unnorm", 8, 0, 0, a, o, e);
}
int urn_wiener7_lccdf(const urn_darg *a, int p, double *o, urn_error *e) {
  return wiener_cdf("wiener_lccdf_unnorm", 8, 0, 1, a, o, e);
}
int urn_wiener7p_lcdf(const urn_darg *a, int p, double *o, urn_error *e) {
  return wiener_cdf("wiener_lcdf_unnorm", 8, 1, 0, a, o, e);
}
int urn_wiener7p_lccdf(const urn_darg *a, int p, double *o, urn_error *e) {
  return wiener_cdf("wiener_lccdf_unnorm", 8, 1, 1, a, o, e);
}
