/* math/dist_cdf.c — lcdf, lccdf and cdf of the families where Stan has them,
 * with partials.  Each family has one "core" computing, for one element, the
 * log CDF lp = log P(Y <= y), the log complementary CDF lq = log P(Y > y) and
 * their partials with respect to every argument; a shared driver applies the
 * broadcasting and turns the core into the three Stan functions (lcdf: sum of
 * lp, lccdf: sum of lq, cdf: product of exp(lp)).  P and Q are each computed
 * directly (not as 1 - the other) so both tails keep their relative accuracy.
 * Partials with respect to shape parameters inside incomplete gamma/beta
 * functions are analytic too: math/incgrad.c differentiates the series and
 * continued fractions forward-mode (urn_gamma_p_da, urn_inc_beta_grad), each
 * tail relative to itself. */
#include <string.h>
#include "math/dist_impl.h"
#include "math/quad.h"

static const char *const L_LOC_SCALE[] = {"Random variable", "Location parameter",
                                          "Scale parameter"};

/* y below the support: P = 0 (lp = -inf, lq = 0; the partials are left as they are). */
static void cdf_below(dist_cdf_out *o) {
  o->lp = -INFINITY;
  o->lq = 0;
}

/* y at or above the top of the support: P = 1 (lp = 0, lq = -inf). */
static void cdf_above(dist_cdf_out *o) {
  o->lp = 0;
  o->lq = -INFINITY;
}

/* Normal-type core given z and dz/d arg. */
static void normal_z(double z, const double *dz, int nargs, dist_cdf_out *o) {
  o->lp = urn_log_Phi(z);
  o->lq = urn_log_Phi(-z);
  double lphi = dist_log_phi(z);
  double gp = isinf(z) ? 0 : exp(lphi - o->lp), gq = isinf(z) ? 0 : -exp(lphi - o->lq);
  for (int j = 0; j < nargs; j++) {
    o->dlp[j] = gp * dz[j];
    o->dlq[j] = gq * dz[j];
  }
}

static void core_normal(const double *x, const int *need, dist_cdf_out *o) {
  double s = x[2], z = (x[0] - x[1]) / s;
  double dz[3] = {1 / s, -1 / s, -z / s};
  normal_z(z, dz, 3, o);
}
DIST_DEFINE_CDFS(normal, 3, L_LOC_SCALE, core_normal, 0, DR_NOT_NAN, DR_FINITE, DR_POS_FINITE)

static void core_std_normal(const double *x, const int *need, dist_cdf_out *o) {
  double dz[1] = {1};
  normal_z(x[0], dz, 1, o);
}
DIST_DEFINE_CDFS(std_normal, 1, L_LOC_SCALE, core_std_normal, 0, DR_NOT_NAN)

static void core_lognormal(const double *x, const int *need, dist_cdf_out *o) {
  if (x[0] <= 0) { cdf_below(o); return; }
  double s = x[2], z = (log(x[0]) - x[1]) / s;
  double dz[3] = {1 / (s * x[0]), -1 / s, -z / s};
  normal_z(z, dz, 3, o);
}
DIST_DEFINE_CDFS(lognormal, 3, L_LOC_SCALE, core_lognormal, 0, DR_NOT_NAN, DR_FINITE, DR_POS_FINITE)

/* student_t: the tail F(-|t|) = I_x(nu/2, 1/2) / 2, x = nu / (nu + t^2).  For nu > 1e4 with t^2 < nu, x is near 1
 * and the incomplete beta loses digits as nu grows (8.8e-6 relative at nu = 1e12); there the tail and its nu
 * partial are integrals of the density (and of the density times d log density / dnu, written without the
 * O(1/nu) pieces that cancel) by Gauss-Kronrod quadrature over [a - 40, a], a = -|t|. */
typedef struct st_quad {
  double nu;   /* degrees of freedom */
  double lc;   /* log of the density's constant, lgamma((nu+1)/2) - lgamma(nu/2) - log(nu pi)/2 */
  double c;    /* (psi((nu+1)/2) - psi(nu/2) - 1/nu), formed without cancellation */
  int deriv;   /* integrate the density (0) or the density times d log density / dnu (1) */
} st_quad;

static double st_integrand(double s, void *vc) {
  const st_quad *q = vc;
  double u = s * s / q->nu, f = exp(q->lc - 0.5 * (q->nu + 1) * log1p(u));
  if (!q->deriv) return f;
  /* d log f / dnu = (c + (nu + 1)/nu u/(1 + u) - log1p(u)) / 2, and u/(1 + u) - log1p(u) = -(log1pmx(u) + u^2/(1 + u)) */
  return f * 0.5 * (q->c + u / (q->nu * (1 + u)) - urn_log1pmx(u) - u * u / (1 + u));
}

/* log of the student_t density's constant. */
static double st_log_const(double nu) { return urn_log_rising_factorial(0.5 * nu, 0.5) - 0.5 * log(nu * DIST_PI); }

/* The tail F(-|t|) (deriv 0) or its nu partial (deriv 1) by quadrature (nu > 1e4, t^2 < nu). */
static double st_tail_quad(double t, double nu, int deriv) {
  double h = 1 / nu, a = -fabs(t);
  /* psi(x + 1/2) - psi(x) - 1/(2x) at x = nu/2: log1p(h) - h/(1 + h) + (tail(x + 1/2) - tail(x)) */
  st_quad q = {nu, st_log_const(nu), urn_log1pmx(h) + h * h / (1 + h) + dist_digamma_tail_diff(0.5 * nu, 0.5), deriv};
  return urn_quad(st_integrand, &q, a - 40, a, 1e-14, 0, NULL);
}

static int st_use_quad(double t, double nu) { return nu > 1e4 && t * t < nu; }

static void pq_student_t(const double *x, double *P, double *Q) {
  double nu = x[1], t = (x[0] - x[2]) / x[3];
  double tail = t == 0 ? 0.5 : st_use_quad(t, nu) ? st_tail_quad(t, nu, 0)
                                                  : 0.5 * urn_inc_beta(0.5 * nu, 0.5, nu / (nu + t * t));
  if (isinf(t)) tail = 0;
  if (t < 0) {
    *P = tail;
    *Q = 1 - tail;
  } else {
    *Q = tail;
    *P = 1 - tail;
  }
}
static void core_student_t(const double *x, const int *need, dist_cdf_out *o) {
  double P, Q, nu = x[1], s = x[3], t = (x[0] - x[2]) / s;
  pq_student_t(x, &P, &Q);
  double dens = isinf(t) ? 0 : exp(st_log_const(nu) - 0.5 * (nu + 1) * log1p(t * t / nu));
  double dnu = 0;
  if (need[1] && t != 0 && !isinf(t)) {
    double dtail;
    if (st_use_quad(t, nu)) {
      dtail = st_tail_quad(t, nu, 1);
    } else {
      /* d tail / d nu = (dI/da / 2 + dI/dx dx/dnu) / 2, dx/dnu = t^2 / (nu + t^2)^2, 1 - x = t^2 / (nu + t^2) */
      double tt = t * t, xb = nu / (nu + tt), da, db, a = 0.5 * nu;
      urn_inc_beta_grad(a, 0.5, xb, &da, &db);
      double dIdx = exp((a - 1) * log(xb) - 0.5 * log(tt / (nu + tt)) - urn_lbeta(a, 0.5));
      dtail = 0.5 * (0.5 * da + dIdx * tt / ((nu + tt) * (nu + tt)));
    }
    dnu = t < 0 ? dtail : -dtail;
  }
  double dP[4] = {dens / s, dnu, -dens / s, -dens * t / s};
  dist_from_pq(o, P, Q, dP, 4);
}
static const char *const L_STUDENT[] = {"Random variable", "Degrees of freedom parameter",
                                        "Location parameter", "Scale parameter"};
DIST_DEFINE_CDFS(student_t, 4, L_STUDENT, core_student_t, 0,
            DR_NOT_NAN, DR_POS_FINITE, DR_FINITE, DR_POS_FINITE)

static void core_cauchy(const double *x, const int *need, dist_cdf_out *o) {
  double s = x[2], z = (x[0] - x[1]) / s;
  /* P(z) = atan(-1/z)/pi for z < 0 keeps the lower tail accurate */
  double P = z < 0 ? atan(-1 / z) / DIST_PI : 0.5 + atan(z) / DIST_PI;
  double Q = z > 0 ? atan(1 / z) / DIST_PI : 0.5 - atan(z) / DIST_PI;
  double g = 1 / (DIST_PI * (1 + z * z));
  double dP[3] = {g / s, -g / s, -g * z / s};
  dist_from_pq(o, P, Q, dP, 3);
}
DIST_DEFINE_CDFS(cauchy, 3, L_LOC_SCALE, core_cauchy, 0, DR_NOT_NAN, DR_FINITE, DR_POS_FINITE)

static void core_double_exponential(const double *x, const int *need, dist_cdf_out *o) {
  double s = x[2], z = (x[0] - x[1]) / s;
  double dz[3] = {1 / s, -1 / s, -z / s};
  double gp, gq; /* d lp / dz, d lq / dz */
  if (z < 0) {
    o->lp = -DIST_LOG_2 + z;
    o->lq = log1p(-0.5 * exp(z));
    gp = 1;
    gq = -0.5 * exp(z) / (1 - 0.5 * exp(z));
  } else {
    o->lq = -DIST_LOG_2 - z;
    o->lp = log1p(-0.5 * exp(-z));
    gq = -1;
    gp = 0.5 * exp(-z) / (1 - 0.5 * exp(-z));
  }
  for (int j = 0; j < 3; j++) {
    o->dlp[j] = gp * dz[j];
    o->dlq[j] = gq * dz[j];
  }
}
DIST_DEFINE_CDFS(double_exponential, 3, L_LOC_SCALE, core_double_exponential, 0,
            DR_NOT_NAN, DR_FINITE, DR_POS_FINITE)

static void core_logistic(const double *x, const int *need, dist_cdf_out *o) {
  double s = x[2], z = (x[0] - x[1]) / s;
  double dz[3] = {1 / s, -1 / s, -z / s};
  o->lp = urn_log_inv_logit(z);
  o->lq = urn_log1m_inv_logit(z);
  double gp = urn_inv_logit(-z), gq = -urn_inv_logit(z);
  for (int j = 0; j < 3; j++) {
    o->dlp[j] = gp * dz[j];
    o->dlq[j] = gq * dz[j];
  }
}
DIST_DEFINE_CDFS(logistic, 3, L_LOC_SCALE, core_logistic, 0, DR_NOT_NAN, DR_FINITE, DR_POS_FINITE)

static void core_exponential(const double *x, const int *need, dist_cdf_out *o) {
  double y = x[0], b = x[1];
  if (y <= 0) { cdf_below(o); return; }
  o->lq = -b * y;
  o->dlq[0] = -b;
  o->dlq[1] = -y;
  o->lp = urn_log1m_exp(-b * y);
  double r = 1 / expm1(b * y); /* exp(-by) / (1 - exp(-by)) */
  o->dlp[0] = b * r;
  o->dlp[1] = y * r;
}
static const char *const L_EXPO[] = {"Random variable", "Inverse scale parameter"};
DIST_DEFINE_CDFS(exponential, 2, L_EXPO, core_exponential, 0, DR_NOT_NAN, DR_POS_FINITE)

/* The gamma density at x with shape al and unit rate. */
static double gamma_dens(double al, double x) {
  if (x <= 0) return 0;
  return exp((al - 1) * log(x) - x - urn_lgamma(al));
}

static void pq_gamma(const double *x, double *P, double *Q) {
  double v = x[2] * x[0];
  *P = v <= 0 ? 0 : urn_gamma_p(x[1], v);
  *Q = v <= 0 ? 1 : urn_gamma_q(x[1], v);
}
static void core_gamma(const double *x, const int *need, dist_cdf_out *o) {
  double P, Q, y = x[0], al = x[1], b = x[2];
  pq_gamma(x, &P, &Q);
  double g = gamma_dens(al, b * y);
  double dP[3] = {b * g, need[1] && y > 0 ? urn_gamma_p_da(al, b * y) : 0, y > 0 ? y * g : 0};
  dist_from_pq(o, P, Q, dP, 3);
}
static const char *const L_GAMMA[] = {"Random variable", "Shape parameter",
                                      "Inverse scale parameter"};
DIST_DEFINE_CDFS(gamma, 3, L_GAMMA, core_gamma, 0, DR_NOT_NAN, DR_POS_FINITE, DR_POS_FINITE)

static void pq_inv_gamma(const double *x, double *P, double *Q) {
  if (x[0] <= 0) {
    *P = 0;
    *Q = 1;
    return;
  }
  double v = x[2] / x[0];
  *P = urn_gamma_q(x[1], v);
  *Q = urn_gamma_p(x[1], v);
}
static void core_inv_gamma(const double *x, const int *need, dist_cdf_out *o) {
  double P, Q, y = x[0], al = x[1], b = x[2];
  pq_inv_gamma(x, &P, &Q);
  double g = y > 0 ? gamma_dens(al, b / y) : 0; /* dP/dv = -g, v = b / y */
  double dP[3] = {y > 0 ? g * b / (y * y) : 0, need[1] && y > 0 ? -urn_gamma_p_da(al, b / y) : 0,
                  y > 0 ? -g / y : 0};
  dist_from_pq(o, P, Q, dP, 3);
}
static const char *const L_INVGAMMA[] = {"Random variable", "Shape parameter", "Scale parameter"};
DIST_DEFINE_CDFS(inv_gamma, 3, L_INVGAMMA, core_inv_gamma, 0,
            DR_NOT_NAN, DR_POS_FINITE, DR_POS_FINITE)

static void core_weibull(const double *x, const int *need, dist_cdf_out *o) {
  double y = x[0], al = x[1], s = x[2];
  if (y <= 0) { cdf_below(o); return; }
  double lr = log(y / s), p = exp(al * lr); /* (y/s)^alpha */
  o->lq = -p;
  double dq[3] = {-al * p / y, -p * lr, al * p / s};
  o->lp = urn_log1m_exp(-p);
  double r = 1 / expm1(p); /* Q / P */
  for (int j = 0; j < 3; j++) {
    o->dlq[j] = dq[j];
    o->dlp[j] = -dq[j] * r;
  }
}
static const char *const L_WEIBULL[] = {"Random variable", "Shape parameter", "Scale parameter"};
DIST_DEFINE_CDFS(weibull, 3, L_WEIBULL, core_weibull, 0, DR_NOT_NAN, DR_POS_FINITE, DR_POS_FINITE)

/* Beta CDF pieces for shapes (a, b) at y. */
static void beta_pq(double y, double a, double b, double *P, double *Q) {
  if (y <= 0) {
    *P = 0;
    *Q = 1;
  } else if (y >= 1) {
    *P = 1;
    *Q = 0;
  } else {
    *P = urn_inc_beta(a, b, y);
    *Q = urn_inc_beta(b, a, 1 - y);
  }
}
static double beta_dens(double y, double a, double b) {
  if (y <= 0 || y >= 1) return 0;
  return exp((a - 1) * log(y) + (b - 1) * log1p(-y) - urn_lbeta(a, b));
}
static void pq_beta(const double *x, double *P, double *Q) { beta_pq(x[0], x[1], x[2], P, Q); }
static void core_beta(const double *x, const int *need, dist_cdf_out *o) {
  double P, Q, da = 0, db = 0;
  pq_beta(x, &P, &Q);
  if (need[1] || need[2]) urn_inc_beta_grad(x[1], x[2], x[0], &da, &db);
  double dP[3] = {beta_dens(x[0], x[1], x[2]), da, db};
  dist_from_pq(o, P, Q, dP, 3);
}
static const char *const L_BETA[] = {"Random variable", "First shape parameter",
                                     "Second shape parameter"};
DIST_DEFINE_CDFS(beta, 3, L_BETA, core_beta, 0, DR_NOT_NAN, DR_POS_FINITE, DR_POS_FINITE)

static void pq_beta_proportion(const double *x, double *P, double *Q) {
  beta_pq(x[0], x[1] * x[2], (1 - x[1]) * x[2], P, Q);
}
static void core_beta_proportion(const double *x, const int *need, dist_cdf_out *o) {
  double P, Q, mu = x[1], k = x[2], da = 0, db = 0;
  pq_beta_proportion(x, &P, &Q);
  if (need[1] || need[2]) urn_inc_beta_grad(mu * k, (1 - mu) * k, x[0], &da, &db);
  double dP[3] = {beta_dens(x[0], mu * k, (1 - mu) * k), k * (da - db), mu * da + (1 - mu) * db};
  dist_from_pq(o, P, Q, dP, 3);
}
static const char *const L_BETAP[] = {"Random variable", "Location parameter",
                                      "Precision parameter"};
DIST_DEFINE_CDFS(beta_proportion, 3, L_BETAP, core_beta_proportion, 0,
            DR_NOT_NAN, DR_UNIT_OPEN, DR_POS_FINITE)

static void core_uniform(const double *x, const int *need, dist_cdf_out *o) {
  double y = x[0], lo = x[1], hi = x[2], w = hi - lo;
  if (y <= lo) { cdf_below(o); return; }
  if (y >= hi) { cdf_above(o); return; }
  double P = (y - lo) / w, Q = (hi - y) / w;
  double dP[3] = {1 / w, (y - hi) / (w * w), -(y - lo) / (w * w)};
  dist_from_pq(o, P, Q, dP, 3);
}
static const char *const L_UNIFORM[] = {"Random variable", "Lower bound parameter",
                                        "Upper bound parameter"};
/* Upper bound > lower bound for every broadcast element. */
static int uniform_bounds(const char *fn, const urn_darg *a, urn_error *err) {
  size_t n = a[1].n > a[2].n ? a[1].n : a[2].n;
  if (a[1].n == 0 || a[2].n == 0) return URN_OK;
  if (a[1].n != 1 && a[2].n != 1 && a[1].n != a[2].n) return URN_OK; /* size error follows */
  for (size_t i = 0; i < n; i++) {
    double lo = DV(&a[1], i), hi = DV(&a[2], i);
    if (!(hi > lo))
      return urn_error_set(err, URN_EREJECT,
                           "%s: Upper bound parameter is %g, but must be greater than %g", fn, hi,
                           lo);
  }
  return URN_OK;
}
DIST_DEFINE_CDFS(uniform, 3, L_UNIFORM, core_uniform, uniform_bounds(fn, a, err),
            DR_NOT_NAN, DR_FINITE, DR_FINITE)

static void pq_chi_square(const double *x, double *P, double *Q) {
  double v = 0.5 * x[0];
  *P = v <= 0 ? 0 : urn_gamma_p(0.5 * x[1], v);
  *Q = v <= 0 ? 1 : urn_gamma_q(0.5 * x[1], v);
}
static void core_chi_square(const double *x, const int *need, dist_cdf_out *o) {
  double P, Q;
  pq_chi_square(x, &P, &Q);
  double dP[2] = {0.5 * gamma_dens(0.5 * x[1], 0.5 * x[0]),
                  need[1] && x[0] > 0 ? 0.5 * urn_gamma_p_da(0.5 * x[1], 0.5 * x[0]) : 0};
  dist_from_pq(o, P, Q, dP, 2);
}
static const char *const L_CHISQ[] = {"Random variable", "Degrees of freedom parameter",
                                      "Scale parameter"};
DIST_DEFINE_CDFS(chi_square, 2, L_CHISQ, core_chi_square, 0, DR_NOT_NAN, DR_POS_FINITE)

static void pq_inv_chi_square(const double *x, double *P, double *Q) {
  if (x[0] <= 0) {
    *P = 0;
    *Q = 1;
    return;
  }
  double v = 0.5 / x[0];
  *P = urn_gamma_q(0.5 * x[1], v);
  *Q = urn_gamma_p(0.5 * x[1], v);
}
static void core_inv_chi_square(const double *x, const int *need, dist_cdf_out *o) {
  double P, Q, y = x[0];
  pq_inv_chi_square(x, &P, &Q);
  double dP[2] = {y > 0 ? gamma_dens(0.5 * x[1], 0.5 / y) * 0.5 / (y * y) : 0,
                  need[1] && y > 0 ? -0.5 * urn_gamma_p_da(0.5 * x[1], 0.5 / y) : 0};
  dist_from_pq(o, P, Q, dP, 2);
}
DIST_DEFINE_CDFS(inv_chi_square, 2, L_CHISQ, core_inv_chi_square, 0, DR_NOT_NAN, DR_POS_FINITE)

static void pq_scaled_inv_chi_square(const double *x, double *P, double *Q) {
  if (x[0] <= 0) {
    *P = 0;
    *Q = 1;
    return;
  }
  double v = 0.5 * x[1] * x[2] * x[2] / x[0];
  *P = urn_gamma_q(0.5 * x[1], v);
  *Q = urn_gamma_p(0.5 * x[1], v);
}
static void core_scaled_inv_chi_square(const double *x, const int *need, dist_cdf_out *o) {
  double P, Q, y = x[0], s = x[2];
  pq_scaled_inv_chi_square(x, &P, &Q);
  double v = y > 0 ? 0.5 * x[1] * s * s / y : 0, g = y > 0 ? gamma_dens(0.5 * x[1], v) : 0;
  /* P = Q(nu/2, v), v = nu s^2 / (2y): dP/dnu = -(dP(a, v)/da / 2 + g v / nu) */
  double dP[3] = {g * v / y, need[1] && y > 0 ? -(0.5 * urn_gamma_p_da(0.5 * x[1], v) + g * v / x[1]) : 0,
                  -g * 2 * v / s};
  if (y <= 0) dP[0] = dP[2] = 0;
  dist_from_pq(o, P, Q, dP, 3);
}
DIST_DEFINE_CDFS(scaled_inv_chi_square, 3, L_CHISQ, core_scaled_inv_chi_square, 0,
            DR_NOT_NAN, DR_POS_FINITE, DR_POS_FINITE)

/* ---- discrete ---- */

static void core_poisson(const double *x, const int *need, dist_cdf_out *o) {
  double n = x[0], lam = x[1];
  if (n < 0) { cdf_below(o); return; }
  double P = lam == 0 ? 1 : urn_gamma_q(n + 1, lam), Q = lam == 0 ? 0 : urn_gamma_p(n + 1, lam);
  double dP[2] = {0, lam == 0 ? (n == 0 ? -1 : 0)
                              : -exp(n * log(lam) - lam - urn_lgamma(n + 1))};
  dist_from_pq(o, P, Q, dP, 2);
}
static const char *const L_POIS[] = {"Random variable", "Rate parameter"};
DIST_DEFINE_CDFS(poisson, 2, L_POIS, core_poisson, dist_check(fn, L_POIS[1], &a[1], DR_FINITE, err),
            -1, DR_NONNEG)

static void core_binomial(const double *x, const int *need, dist_cdf_out *o) {
  double n = x[0], m = x[1], th = x[2];
  if (n < 0) { cdf_below(o); return; }
  if (n >= m) { cdf_above(o); return; }
  double P = th >= 1 ? 0 : th <= 0 ? 1 : urn_inc_beta(m - n, n + 1, 1 - th);
  double Q = th >= 1 ? 1 : th <= 0 ? 0 : urn_inc_beta(n + 1, m - n, th);
  double dP[3] = {0, 0, 0};
  if (th > 0 && th < 1)
    dP[2] = -exp(log(m - n) + urn_lchoose(m, n) + n * log(th) + (m - n - 1) * log1p(-th));
  dist_from_pq(o, P, Q, dP, 3);
}
static const char *const L_BINOM[] = {"Successes variable", "Population size parameter",
                                      "Probability parameter"};
DIST_DEFINE_CDFS(binomial, 3, L_BINOM, core_binomial, 0, -1, DR_NONNEG, DR_PROB)

static void core_bernoulli(const double *x, const int *need, dist_cdf_out *o) {
  double n = x[0], th = x[1];
  if (n < 0) { cdf_below(o); return; }
  if (n >= 1) { cdf_above(o); return; }
  double dP[2] = {0, -1};
  dist_from_pq(o, 1 - th, th, dP, 2);
}
static const char *const L_BERN[] = {"n", "Probability parameter"};
DIST_DEFINE_CDFS(bernoulli, 2, L_BERN, core_bernoulli, 0, -1, DR_PROB)

static void pq_neg_binomial_2(const double *x, double *P, double *Q) {
  double n = x[0], mu = x[1], phi = x[2];
  if (n < 0) {
    *P = 0;
    *Q = 1;
    return;
  }
  if (n <= 1000) {
    /* the lower tail as the sum of the mass (p(k+1)/p(k) = (k + phi)/(k + 1) mu/(mu + phi)): near the Poisson
     * limit (phi >> mu) the incomplete beta's continued fraction converges too slowly there */
    double lr = log(mu) - urn_log_sum_exp2(log(mu), log(phi)), lpk = -phi * log1p(mu / phi), lse = lpk;
    for (double k = 0; k < n; k++) {
      lpk += log((k + phi) / (k + 1)) + lr;
      lse = urn_log_sum_exp2(lse, lpk);
    }
    if (lse < -DIST_LOG_2) {
      *P = exp(lse), *Q = -expm1(lse);
      return;
    }
  }
  /* P = I_p(phi, n + 1), p = phi / (mu + phi), with 1 - p = mu / (mu + phi) given exactly (phi = 1e12: p rounds
   * to within 1e-16 of 1, and 1 - p would keep only 4 digits) */
  urn_inc_beta_pq(phi, n + 1, phi / (mu + phi), mu / (mu + phi), P, Q);
}
/* dP/dphi of neg_binomial_2 by summing the mass times d log p_k / dphi over the smaller tail (n <= 1000), each
 * d log p_k / dphi = sum_{j<k} (mu - j) / ((phi + j)(mu + phi)) + u/(1 + u) - log1p(u), u = mu/phi, formed
 * without the 1/phi-sized terms that cancel near the Poisson limit.  NaN when the upper tail is too long. */
static double nb2_dP_dphi_sum(double n, double mu, double phi, int upper) {
  double u = mu / phi, lr = log(mu) - urn_log_sum_exp2(log(mu), log(phi)), lpk = -phi * log1p(u);
  double c0 = u < 0.5 ? -(urn_log1pmx(u) + u * u / (1 + u)) : u / (1 + u) - log1p(u), S = 0, sum = 0;
  for (double k = 0;; k++) {
    double dk = S + c0, t = exp(lpk) * dk;
    if (!upper && k <= n) sum += t;
    if (upper && k > n) {
      sum -= t;
      if (k > mu * (1 + 1 / phi) + 10 && fabs(t) <= 1e-18 * fabs(sum)) break;
      if (k > n + 1e6) return NAN;
    }
    if (!upper && k >= n) break;
    S += (mu - k) / ((phi + k) * (mu + phi));
    lpk += log((k + phi) / (k + 1)) + lr;
  }
  return sum;
}

static void core_neg_binomial_2(const double *x, const int *need, dist_cdf_out *o) {
  double P, Q, n = x[0], mu = x[1], phi = x[2];
  pq_neg_binomial_2(x, &P, &Q);
  if (n < 0) { cdf_below(o); return; }
  /* dP/dp = p^(phi-1) (1-p)^n / B(phi, n+1), dp/dmu = -phi / (mu + phi)^2 */
  double q = mu / (mu + phi);
  double dPdp = exp((phi - 1) * log1p(-q) + n * log(q) - urn_lbeta(phi, n + 1));
  /* dP/dphi: the sum over the smaller tail, else dI/da + dI/dp dp/dphi, dp/dphi = mu / (mu + phi)^2 */
  double dphi = 0;
  if (need[2]) {
    dphi = n <= 1000 ? nb2_dP_dphi_sum(n, mu, phi, P > 0.5) : NAN;
    if (isnan(dphi)) {
      double da, db;
      urn_inc_beta_grad(phi, n + 1, phi / (mu + phi), &da, &db);
      dphi = da + dPdp * mu / ((mu + phi) * (mu + phi));
    }
  }
  double dP[3] = {0, -dPdp * phi / ((mu + phi) * (mu + phi)), dphi};
  dist_from_pq(o, P, Q, dP, 3);
}
static const char *const L_NB2[] = {"Failures variable", "Location parameter",
                                    "Precision parameter"};
DIST_DEFINE_CDFS(neg_binomial_2, 3, L_NB2, core_neg_binomial_2, 0, -1, DR_POS_FINITE, DR_POS_FINITE)

/* beta_binomial: explicit sums of the mass over 0..n and n+1..N, with the
 * partials as sums of mass * d log mass (digamma by recurrence). */
static void core_beta_binomial(const double *x, const int *need, dist_cdf_out *o) {
  double n = x[0], m = x[1], al = x[2], be = x[3];
  if (n < 0) { cdf_below(o); return; }
  if (n >= m) { cdf_above(o); return; }
  long N = (long)m;
  double P = 0, Q = 0, dPa = 0, dPb = 0;
  double lb0 = urn_lbeta(al, be), c = urn_digamma(al + be) - urn_digamma(m + al + be);
  double psa = urn_digamma(al), psb = urn_digamma(be);
  double psk = psa;                      /* digamma(k + al) */
  double psnk = urn_digamma(m + be);     /* digamma(N - k + be) at k = 0 */
  for (long k = 0; k <= N; k++) {
    double pk = exp(urn_lchoose(m, (double)k) + urn_lbeta(k + al, m - k + be) - lb0);
    double da = psk - psa + c, db = psnk - psb + c;
    if (k <= (long)n) {
      P += pk;
      dPa += pk * da;
      dPb += pk * db;
    } else {
      Q += pk;
    }
    psk += 1 / (k + al);
    if (k < N) psnk -= 1 / (m - k - 1 + be);
  }
  double dP[4] = {0, 0, dPa, dPb};
  dist_from_pq(o, P, Q, dP, 4);
}
static const char *const L_BB[] = {"Successes variable", "Population size parameter",
                                   "First prior sample size parameter",
                                   "Second prior sample size parameter"};
DIST_DEFINE_CDFS(beta_binomial, 4, L_BB, core_beta_binomial, 0,
            -1, DR_NONNEG, DR_POS_FINITE, DR_POS_FINITE)

/* neg_binomial(n | alpha, beta) = neg_binomial_2(n | alpha / beta, alpha): the same core, partials mapped. */
static void core_neg_binomial(const double *x, const int *need, dist_cdf_out *o) {
  double al = x[1], be = x[2], x2[3] = {x[0], al / be, al};
  int need2[3] = {0, need[1] || need[2], need[1]};
  core_neg_binomial_2(x2, need2, o);
  if (x[0] < 0) return;
  double lp1 = o->dlp[1], lp2 = o->dlp[2], lq1 = o->dlq[1], lq2 = o->dlq[2];
  o->dlp[1] = lp2 + lp1 / be, o->dlp[2] = -lp1 * al / (be * be);
  o->dlq[1] = lq2 + lq1 / be, o->dlq[2] = -lq1 * al / (be * be);
}
static const char *const L_NB[] = {"Failures variable", "Shape parameter", "Inverse scale parameter"};
DIST_DEFINE_CDFS(neg_binomial, 3, L_NB, core_neg_binomial, 0, -1, DR_POS_FINITE, DR_POS_FINITE)
