/* math/dist_skew.c — the skewed families: skew_normal, skew_double_exponential
 * and exp_mod_normal (the exponentially modified normal), with log densities,
 * CDFs and rngs.
 *
 * Accuracy in the tails.  The normal-like pieces are written with the Mills
 * ratio M(w) = Phi(-w) / phi(w) (from the scaled erfcx, or its continued
 * fraction for w >= 3) so no exp(x^2) overflows and no large terms cancel:
 * exp_mod_normal's density is log(lambda) + log phi(z) + log M(lambda sigma - z)
 * and its lower CDF phi(z) (M(-z) - M(w)) becomes phi(z) int g(x) dx with the
 * positive integrand g = 1 - x M(x) when the two ratios are close.  The
 * skew-normal CDF Phi(z) - 2 T(z, alpha) is a sum of positive terms when
 * alpha <= 0 (T is odd in alpha) and otherwise, when it is below 1/4, the
 * integral of its density by quadrature; the upper tail is the lower tail of
 * the mirrored variable (-y has shape -alpha). */
#include "math/dist_impl.h"
#include "math/quad.h"

#define ANY4(a) ((a)[0].d || (a)[1].d || (a)[2].d || (a)[3].d)
#define CHK(label, arg, rule) dist_check(fn, label, &(arg), rule, err)
#define P(j, i) DV(&p[j], i)
#define SQRT_PI_2 1.25331413731550025121 /* sqrt(pi / 2) */
#define SQRT1_2 0.70710678118654752440

/* ---- the Mills ratio and its relatives ---- */

/* Continued fraction of the Mills ratio for w >= 3: M = 1 / (w + c), c = 1 / (w + 2 / (w + 3 / ...)). */
static double mills_cf_c(double w) {
  int n = 30 + (int)(300 / (w * w));
  double t = w;
  for (int k = n; k >= 2; k--) t = w + k / t;
  return 1 / t;
}

/* log M(w), M(w) = Phi(-w) / phi(w), for any w. */
static double log_mills(double w) {
  if (w >= -5) return log(SQRT_PI_2 * urn_erfcx(w * SQRT1_2));
  return 0.5 * w * w + DIST_HALF_LOG_2PI + urn_log_Phi(-w);
}

/* q(w) = 1 / M(w) - w (> 0), the excess of the inverse Mills ratio over w. */
static double mills_q(double w) {
  if (w >= 3) return mills_cf_c(w);
  return 1 / (SQRT_PI_2 * urn_erfcx(w * SQRT1_2)) - w;
}

/* g(w) = 1 - w M(w) = -M'(w) (> 0). */
static double mills_g(double w) {
  if (w >= 3) {
    double c = mills_cf_c(w);
    return c / (w + c);
  }
  return 1 - w * SQRT_PI_2 * urn_erfcx(w * SQRT1_2);
}

/* log g(w), also for w far below 0 where g ~ |w| M(w) overflows. */
static double log_mills_g(double w) {
  if (w > -5) return log(mills_g(w));
  double lm = log_mills(w);
  return log(-w) + lm + log1p(exp(-lm) / -w);
}

/* ---------------- skew_normal(y | xi, omega, alpha) ---------------- */

/* keep: 0 constant, 1 log omega, 2 the kernel -z^2/2 + log erfc(-alpha z / sqrt 2). */
static inline void k_skew_normal(const double *x, const int *fresh, dist_kstate *st, double *lp, double *g) {
  double om = x[2], al = x[3], z = (x[0] - x[1]) / om, v = al * z, lphi = urn_log_Phi(v);
  double r = exp(dist_log_phi(v) - lphi); /* phi(v) / Phi(v) */
  if (st->keep[0]) *lp -= DIST_HALF_LOG_2PI;
  if (st->keep[1]) *lp -= log(om);
  if (st->keep[2]) *lp += -0.5 * z * z + DIST_LOG_2 + lphi;
  double dz = -z + al * r;
  g[0] = dz / om;
  g[1] = -dz / om;
  g[2] = -1 / om - dz * z / om;
  g[3] = z * r;
}

static const char *const L_SKEWN[] = {"Random variable", "Location parameter", "Scale parameter",
                                      "Shape parameter"};

int urn_skew_normal_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const dist_spec S = {"skew_normal_lpdf", 4,
                              {"Random variable", "Location parameter", "Scale parameter", "Shape parameter"},
                              {DR_NOT_NAN, DR_FINITE, DR_POS_FINITE, DR_FINITE}};
  dist_kstate st;
  size_t N;
  if (dist_begin(&S, a, propto, &st, &N, err)) return URN_EREJECT;
  st.keep[0] = !propto, st.keep[1] = !propto || a[2].d, st.keep[2] = !propto || ANY4(a);
  return dist_run(a, 4, N, k_skew_normal, &st, out);
}

/* The skew-normal density 2 phi(t) Phi(alpha t) relative to its value at t0, for the quadrature. */
typedef struct skewn_ctx {
  double alpha; /* shape */
  double lf0;   /* log density at the reference point */
} skewn_ctx;

static double skewn_lf(double t, double al) { return DIST_LOG_2 + dist_log_phi(t) + urn_log_Phi(al * t); }
static double skewn_rel(double t, void *vc) {
  const skewn_ctx *c = vc;
  return exp(skewn_lf(t, c->alpha) - c->lf0);
}

/* log P(Z <= z) for the standard skew normal with shape alpha. */
static double skewn_log_cdf(double z, double al) {
  if (z == -INFINITY) return -INFINITY;
  if (z == INFINITY) return 0;
  if (al <= 0) { /* Phi(z) + 2 T(z, -alpha): both terms positive */
    if (z >= 0) return log(urn_Phi(z) + 2 * urn_owens_t(z, -al));
    /* Phi(z) = exp(-z^2/2) erfcx(-z / sqrt 2) / 2 and T = exp(-z^2/2) Ts */
    return -0.5 * z * z + log(0.5 * urn_erfcx(-z * SQRT1_2) + 2 * urn_owens_t_scaled(z, -al));
  }
  double pd = urn_Phi(z) - 2 * urn_owens_t(z, al);
  if (pd >= 0.25) return log(pd);
  /* the integral of the density up to z; below t0 = min(z, 0) it decays at least like exp(-c (t0 - t)) */
  double t0 = fmin(z, 0), c = -t0 + al * exp(dist_log_phi(al * t0) - urn_log_Phi(al * t0));
  skewn_ctx ctx = {al, skewn_lf(t0, al)};
  double I = urn_quad(skewn_rel, &ctx, t0 - 46 / c, t0, 1e-14, 0, NULL);
  if (z > 0) I += urn_quad(skewn_rel, &ctx, 0, z, 1e-14, 0, NULL);
  return ctx.lf0 + log(I);
}

static void core_skew_normal(const double *x, const int *need, dist_cdf_out *o) {
  double om = x[2], al = x[3], z = (x[0] - x[1]) / om;
  o->lp = skewn_log_cdf(z, al);
  o->lq = skewn_log_cdf(-z, -al); /* -Y is skew normal with shape -alpha */
  if (isinf(z)) return;
  /* dP/dz = 2 phi(z) Phi(alpha z); dP/dalpha = -exp(-z^2 (1 + alpha^2) / 2) / (pi (1 + alpha^2)) */
  double lf = skewn_lf(z, al), la = -0.5 * z * z * (1 + al * al) - DIST_LOG_PI - log1p(al * al);
  double dz[4] = {1 / om, -1 / om, -z / om, 0};
  for (int j = 0; j < 3; j++) {
    o->dlp[j] = exp(lf - o->lp) * dz[j];
    o->dlq[j] = -exp(lf - o->lq) * dz[j];
  }
  o->dlp[3] = -exp(la - o->lp);
  o->dlq[3] = exp(la - o->lq);
}
DIST_DEFINE_CDFS(skew_normal, 4, L_SKEWN, core_skew_normal, 0, DR_NOT_NAN, DR_FINITE, DR_POS_FINITE, DR_FINITE)

int urn_skew_normal_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout, urn_error *err) {
  const char *fn = "skew_normal_rng";
  if (dist_rng_sizes(fn, p, 3, n, err) || CHK("Location parameter", p[0], DR_FINITE) ||
      CHK("Scale parameter", p[1], DR_POS_FINITE) || CHK("Shape parameter", p[2], DR_FINITE))
    return URN_EREJECT;
  for (size_t i = 0; i < n; i++) {
    /* X = delta |U| + sqrt(1 - delta^2) V, delta = alpha / sqrt(1 + alpha^2) */
    double al = P(2, i), h = hypot(1, al), u = fabs(urn_rng_normal(r)), v = urn_rng_normal(r);
    out[i] = P(0, i) + P(1, i) * (al / h * u + v / h);
  }
  return URN_OK;
}

/* ---------------- skew_double_exponential(y | mu, sigma, tau) ---------------- */

/* keep: 0 constant, 1 log sigma, 2 log tau + log(1 - tau), 3 the kernel. */
static inline void k_skew_de(const double *x, const int *fresh, dist_kstate *st, double *lp, double *g) {
  double y = x[0], mu = x[1], s = x[2], tau = x[3], d = y - mu;
  double w = d < 0 ? (1 - tau) * -d : tau * d; /* the weighted distance */
  if (st->keep[0]) *lp += DIST_LOG_2;
  if (st->keep[1]) *lp -= log(s);
  if (st->keep[2]) *lp += log(tau) + log1p(-tau);
  if (st->keep[3]) *lp -= 2 * w / s;
  double dy = d < 0 ? 2 * (1 - tau) / s : d > 0 ? -2 * tau / s : 0;
  g[0] = dy;
  g[1] = -dy;
  g[2] = -1 / s + 2 * w / (s * s);
  g[3] = 1 / tau - 1 / (1 - tau) - 2 * d / s;
}

static const char *const L_SKEWDE[] = {"Random variable", "Location parameter", "Scale parameter",
                                       "Skewness parameter"};

int urn_skew_double_exponential_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const dist_spec S = {"skew_double_exponential_lpdf", 4,
                              {"Random variable", "Location parameter", "Scale parameter", "Skewness parameter"},
                              {DR_NOT_NAN, DR_FINITE, DR_POS_FINITE, DR_PROB}};
  dist_kstate st;
  size_t N;
  if (dist_begin(&S, a, propto, &st, &N, err)) return URN_EREJECT;
  st.keep[0] = !propto, st.keep[1] = !propto || a[2].d, st.keep[2] = !propto || a[3].d;
  st.keep[3] = !propto || ANY4(a);
  return dist_run(a, 4, N, k_skew_de, &st, out);
}

static void core_skew_de(const double *x, const int *need, dist_cdf_out *o) {
  double y = x[0], mu = x[1], s = x[2], tau = x[3], d = y - mu;
  if (d < 0) { /* P = tau exp(-2 (1 - tau) (mu - y) / sigma) */
    double lp = log(tau) + 2 * (1 - tau) * d / s, dp[4] = {2 * (1 - tau) / s, -2 * (1 - tau) / s,
                                                          -2 * (1 - tau) * d / (s * s), 1 / tau - 2 * d / s};
    o->lp = lp, o->lq = urn_log1m_exp(lp);
    double r = -1 / expm1(-lp);
    for (int j = 0; j < 4; j++) o->dlp[j] = dp[j], o->dlq[j] = isinf(lp) ? 0 : dp[j] * r;
  } else { /* Q = (1 - tau) exp(-2 tau (y - mu) / sigma) */
    double lq = log1p(-tau) - 2 * tau * d / s, dq[4] = {-2 * tau / s, 2 * tau / s, 2 * tau * d / (s * s),
                                                       -1 / (1 - tau) - 2 * d / s};
    o->lq = lq, o->lp = urn_log1m_exp(lq);
    double r = -1 / expm1(-lq);
    for (int j = 0; j < 4; j++) o->dlq[j] = dq[j], o->dlp[j] = isinf(lq) ? 0 : dq[j] * r;
  }
}
DIST_DEFINE_CDFS(skew_double_exponential, 4, L_SKEWDE, core_skew_de, 0, DR_NOT_NAN, DR_FINITE, DR_POS_FINITE,
                 DR_PROB)

int urn_skew_double_exponential_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout,
                                    urn_error *err) {
  const char *fn = "skew_double_exponential_rng";
  if (dist_rng_sizes(fn, p, 3, n, err) || CHK("Location parameter", p[0], DR_FINITE) ||
      CHK("Scale parameter", p[1], DR_POS_FINITE) || CHK("Skewness parameter", p[2], DR_PROB))
    return URN_EREJECT;
  for (size_t i = 0; i < n; i++) { /* inversion of the CDF */
    double mu = P(0, i), s = P(1, i), tau = P(2, i), u = urn_rng_uniform(r);
    out[i] = u < tau ? mu + s / (2 * (1 - tau)) * log(u / tau) : mu - s / (2 * tau) * log((1 - u) / (1 - tau));
  }
  return URN_OK;
}

/* ---------------- exp_mod_normal(y | mu, sigma, lambda) ---------------- */

/* With z = (y - mu) / sigma and w = lambda sigma - z: log density = log lambda + log phi(z) + log M(w).
 * keep: 0 constant (Stan's -log 2), 1 log lambda, 2 the rest. */
static inline void k_exp_mod_normal(const double *x, const int *fresh, dist_kstate *st, double *lp, double *g) {
  double mu = x[1], s = x[2], lam = x[3], z = (x[0] - mu) / s, w = lam * s - z;
  if (st->keep[0]) *lp -= DIST_LOG_2;
  if (st->keep[1]) *lp += log(lam);
  if (st->keep[2]) {
    if (w >= -5) *lp += DIST_LOG_2 + dist_log_phi(z) + log_mills(w);
    else *lp += DIST_LOG_2 + lam * (mu - x[0]) + 0.5 * lam * lam * s * s + urn_log_Phi(-w);
  }
  /* q = 1/M(w) - w; below w = 0 the inverse Mills ratio r = 1/M(w) is small and the forms in r avoid inf - inf */
  if (w >= 0) {
    double q = mills_q(w);
    g[0] = (q - z) / s;
    g[2] = z * z / s - q * (z / s + lam);
    g[3] = 1 / lam - q * s;
  } else {
    double r = exp(-log_mills(w)), q = r - w;
    g[0] = r / s - lam;
    g[2] = lam * lam * s - r * (lam + z / s);
    g[3] = 1 / lam - q * s;
  }
  g[1] = -g[0];
}

static const char *const L_EMN[] = {"Random variable", "Location parameter", "Scale parameter",
                                    "Inv_scale parameter"};

int urn_exp_mod_normal_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const dist_spec S = {"exp_mod_normal_lpdf", 4,
                              {"Random variable", "Location parameter", "Scale parameter", "Inv_scale parameter"},
                              {DR_NOT_NAN, DR_FINITE, DR_POS_FINITE, DR_POS_FINITE}};
  dist_kstate st;
  size_t N;
  if (dist_begin(&S, a, propto, &st, &N, err)) return URN_EREJECT;
  st.keep[0] = !propto, st.keep[1] = !propto || a[3].d, st.keep[2] = !propto || ANY4(a);
  return dist_run(a, 4, N, k_exp_mod_normal, &st, out);
}

static double emn_g(double x, void *ctx) { return mills_g(x); }

/* log P and log Q at z for k = lambda sigma, w = k - z:
 * P = phi(z) (M(-z) - M(w)) = phi(z) int_{-z}^{w} g, Q = phi(z) (M(z) + M(w)) = Phi(-z) + phi(z) M(w). */
static void emn_log_pq(double z, double k, double *lp, double *lq) {
  double w = k - z, lphi = dist_log_phi(z), lmw = log_mills(w), lmz = log_mills(-z);
  *lq = z <= 0 ? log(urn_Phi(-z) + exp(lphi + lmw)) : lphi + urn_log_sum_exp2(log_mills(z), lmw);
  double ratio = lmw - lmz; /* log(M(w) / M(-z)) < 0 */
  if (ratio < -DIST_LOG_2) *lp = lphi + lmz + urn_log1m_exp(ratio);
  else *lp = lphi + log(urn_quad(emn_g, NULL, -z, w, 1e-14, 0, NULL));
}

static void core_exp_mod_normal(const double *x, const int *need, dist_cdf_out *o) {
  double mu = x[1], s = x[2], lam = x[3], z = (x[0] - mu) / s, k = lam * s, w = k - z;
  if (z == -INFINITY) {
    o->lp = -INFINITY, o->lq = 0;
    return;
  }
  if (z == INFINITY) {
    o->lp = 0, o->lq = -INFINITY;
    return;
  }
  emn_log_pq(z, k, &o->lp, &o->lq);
  /* dP/dz = k phi(z) M(w), dP/dk = phi(z) g(w); z = (y - mu) / sigma, k = lambda sigma */
  double lphi = dist_log_phi(z), lz = log(k) + lphi + log_mills(w), lk = lphi + log_mills_g(w);
  double dz[4] = {1 / s, -1 / s, -z / s, 0}, dk[4] = {0, 0, lam, s};
  for (int j = 0; j < 4; j++) {
    double a = exp(lz - o->lp) * dz[j] + exp(lk - o->lp) * dk[j];
    double b = exp(lz - o->lq) * dz[j] + exp(lk - o->lq) * dk[j];
    o->dlp[j] = a, o->dlq[j] = -b;
  }
}
DIST_DEFINE_CDFS(exp_mod_normal, 4, L_EMN, core_exp_mod_normal, 0, DR_NOT_NAN, DR_FINITE, DR_POS_FINITE,
                 DR_POS_FINITE)

int urn_exp_mod_normal_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout, urn_error *err) {
  const char *fn = "exp_mod_normal_rng";
  if (dist_rng_sizes(fn, p, 3, n, err) || CHK("Location parameter", p[0], DR_FINITE) ||
      CHK("Scale parameter", p[1], DR_POS_FINITE) || CHK("Inv_scale parameter", p[2], DR_POS_FINITE))
    return URN_EREJECT;
  for (size_t i = 0; i < n; i++)
    out[i] = P(0, i) + P(1, i) * urn_rng_normal(r) - log(urn_rng_uniform(r)) / P(2, i);
  return URN_OK;
}
