/* lang/fn_special.c — Stan's special functions as built-ins: beta, inc_beta, inv_inc_beta, the Bessel and
 * modified Bessel functions, log_modified_bessel_first_kind, lambert_w0/wm1, hypergeometric_1F0/2F1/3F2/pFq,
 * (log_)falling/rising_factorial, inv_erfc, std_normal_qf, std_normal_log_qf, student_t_qf, ldexp and owens_t
 * (over fn-dist's urn_owens_t).
 *
 * The scalar ones are urn_elem_kernel (fn_elem.c: value and partials in one call, Stan's argument checks,
 * elementwise over conforming containers); the numerical work is in math/ (special.c, incgrad.c, bessel.c,
 * lambertw.c, normal_qf.c, hypergeo.c).  Partials: closed forms where they exist (Bessel recurrences,
 * digamma differences), forward-mode differentiation of series otherwise (incgrad.c, hypergeo.c). */
#include <math.h>

#include "lang/fn.h"
#include "math/hypergeo.h"
#include "math/special.h"

#define SQRT_PI_2 0.88622692545275801365 /* sqrt(pi) / 2 */
#define INV_SQRT_2PI 0.39894228040143267794

/* beta(a, b) = exp(lbeta(a, b)); d/da = beta (psi(a) - psi(a + b)). */
static double k_beta(const double *x, double *d) {
  double v = exp(urn_lbeta(x[0], x[1]));
  if (d) {
    double p = urn_digamma(x[0] + x[1]);
    d[0] = v * (urn_digamma(x[0]) - p), d[1] = v * (urn_digamma(x[1]) - p);
  }
  return v;
}

/* inc_beta(a, b, x) = I_x(a, b); d/dx is the beta density. */
static double k_inc_beta(const double *x, double *d) {
  if (!d) return urn_inc_beta(x[0], x[1], x[2]);
  double v = urn_inc_beta_grad(x[0], x[1], x[2], &d[0], &d[1]);
  double a = x[0], b = x[1], t = x[2];
  d[2] = t > 0 && t < 1 ? exp((a - 1) * log(t) + (b - 1) * log1p(-t) - urn_lbeta(a, b))
         : (t == 0 ? (a < 1 ? INFINITY : a == 1 ? b : 0) : (b < 1 ? INFINITY : b == 1 ? a : 0));
  return v;
}

/* inv_inc_beta(a, b, p): dx/dp = 1 / density, dx/da = -(dI/da) / density. */
static double k_inv_inc_beta(const double *x, double *d) {
  double a = x[0], b = x[1], r = urn_inv_inc_beta(a, b, x[2]);
  if (d) {
    if (r > 0 && r < 1) {
      double ia, ib;
      urn_inc_beta_grad(a, b, r, &ia, &ib);
      double dens = exp((a - 1) * log(r) + (b - 1) * log1p(-r) - urn_lbeta(a, b));
      d[0] = -ia / dens, d[1] = -ib / dens, d[2] = 1 / dens;
    } else {
      d[0] = d[1] = 0, d[2] = INFINITY;
    }
  }
  return r;
}

/* Bessel functions of integer order: J' = (J_{n-1} - J_{n+1}) / 2, Y' likewise, I' = (I_{n-1} + I_{n+1}) / 2,
 * K' = -(K_{n-1} + K_{n+1}) / 2. */
static double k_bessel_j(const double *x, double *d) {
  int n = (int)x[0];
  if (d) d[0] = 0, d[1] = 0.5 * (urn_bessel_j(n - 1, x[1]) - urn_bessel_j(n + 1, x[1]));
  return urn_bessel_j(n, x[1]);
}
static double k_bessel_y(const double *x, double *d) {
  int n = (int)x[0];
  if (d) d[0] = 0, d[1] = 0.5 * (urn_bessel_y(n - 1, x[1]) - urn_bessel_y(n + 1, x[1]));
  return urn_bessel_y(n, x[1]);
}
static double k_bessel_i(const double *x, double *d) {
  int n = (int)x[0];
  if (d) d[0] = 0, d[1] = 0.5 * (urn_bessel_i(n - 1, x[1]) + urn_bessel_i(n + 1, x[1]));
  return urn_bessel_i(n, x[1]);
}
static double k_bessel_k(const double *x, double *d) {
  int n = (int)x[0];
  if (d) d[0] = 0, d[1] = -0.5 * (urn_bessel_k(n - 1, x[1]) + urn_bessel_k(n + 1, x[1]));
  return urn_bessel_k(n, x[1]);
}
/* log I_v(z): d/dz = I_{v+1}(z) / I_v(z) + v / z, d/dv from the series (bessel.c). */
static double k_log_bessel_i(const double *x, double *d) {
  double v = x[0], z = x[1], dv;
  double r = urn_log_bessel_i(v, z, d ? &dv : NULL);
  if (d) {
    d[0] = dv;
    d[1] = z > 0 ? exp(urn_log_bessel_i(v + 1, z, NULL) - r) + v / z : (v == 0 ? 0 : INFINITY);
  }
  return r;
}

static const char *chk_log_bessel_i(const double *x) {
  return x[0] > -1 ? NULL : "first argument (order) must be greater than -1";
}

/* Lambert W: W' = W / (x (1 + W)), 1 at x = 0. */
static double k_lambert_w0(const double *x, double *d) {
  double w = urn_lambert_w0(x[0]);
  if (d) d[0] = x[0] == 0 ? 1 : w / (x[0] * (1 + w));
  return w;
}
static double k_lambert_wm1(const double *x, double *d) {
  double w = urn_lambert_wm1(x[0]);
  if (d) d[0] = w / (x[0] * (1 + w));
  return w;
}

/* (log_)falling and rising factorials: log_rising(x, n) = lgamma(x + n) - lgamma(x) (urn_lgamma_ratio keeps the
 * digits when n is small or x large); log_falling(x, n) = log_rising(x - n + 1, n). */
static double log_rising(double x, double n) { return urn_lgamma_ratio(x, n); }
/* psi(x + n) - psi(x): for tiny n the difference of digammas cancels; n psi'(x + n/2) is then exact to
 * O(n^3 psi^(3)) (below 1e-11 relative for |n| < 1e-5). */
static double digamma_diff(double x, double n) {
  if (fabs(n) < 1e-5 * fmax(1, fabs(x))) return n * urn_trigamma(x + 0.5 * n);
  return urn_digamma(x + n) - urn_digamma(x);
}
static double k_log_rising(const double *x, double *d) {
  if (d) d[0] = digamma_diff(x[0], x[1]), d[1] = urn_digamma(x[0] + x[1]);
  return log_rising(x[0], x[1]);
}
static double k_log_falling(const double *x, double *d) {
  if (d) d[0] = digamma_diff(x[0] - x[1] + 1, x[1]), d[1] = urn_digamma(x[0] - x[1] + 1);
  return log_rising(x[0] - x[1] + 1, x[1]);
}
/* x (x - 1) ... (x - n + 1) and x (x + 1) ... (x + n - 1) as products (exact for ints while they fit), with
 * d/dx = value * sum 1 / (x -+ k). */
static double factorial_product(const double *x, double *d, double sign) {
  double v = 1, s = 0;
  int n = (int)x[1];
  for (int k = 0; k < n; k++) {
    double f = x[0] + sign * k;
    v *= f;
    s += 1 / f;
  }
  if (d) {
    int zero = 0;
    for (int k = 0; k < n; k++) zero += x[0] + sign * k == 0;
    if (zero) { /* the derivative of a product with one zero factor: the product of the others */
      double p = 1;
      for (int k = 0; k < n; k++) if (x[0] + sign * k != 0) p *= x[0] + sign * k;
      d[0] = zero == 1 ? p : 0;
    } else {
      d[0] = v * s;
    }
    d[1] = 0;
  }
  return v;
}
static double k_falling(const double *x, double *d) { return factorial_product(x, d, -1); }
static double k_rising(const double *x, double *d) { return factorial_product(x, d, 1); }
/* inv_erfc: d/dy = -sqrt(pi)/2 exp(x^2); std_normal_qf: 1 / phi(x); std_normal_log_qf: Phi(x) / phi(x). */
static double k_inv_erfc(const double *x, double *d) {
  double r = urn_inv_erfc(x[0]);
  if (d) d[0] = -SQRT_PI_2 * exp(r * r);
  return r;
}
static double k_std_normal_qf(const double *x, double *d) {
  double r = urn_inv_Phi(x[0]);
  if (d) d[0] = 1 / (INV_SQRT_2PI * exp(-0.5 * r * r));
  return r;
}
static double k_std_normal_log_qf(const double *x, double *d) {
  double r = urn_std_normal_log_qf(x[0]);
  if (d) d[0] = urn_Phi_over_phi(r); /* dx/dlp = Phi(x) / phi(x) */
  return r;
}

/* owens_t(h, a) (urn_owens_t, fn-dist's): dT/dh = -phi(h) erf(h a / sqrt 2) / 2,
 * dT/da = exp(-h^2 (1 + a^2) / 2) / (2 pi (1 + a^2)). */
static double k_owens_t(const double *x, double *d) {
  double h = x[0], a = x[1];
  if (d) {
    d[0] = -0.5 * INV_SQRT_2PI * exp(-0.5 * h * h) * erf(h * a * 0.70710678118654752440);
    d[1] = exp(-0.5 * h * h * (1 + a * a)) / (6.28318530717958647693 * (1 + a * a));
  }
  return urn_owens_t(h, a);
}

/* student_t_qf(p, nu, mu, sigma) = mu + sigma t, t the Student-t quantile: with q = min(p, 1 - p),
 * z = I^-1(nu/2, 1/2; 2q) (so that P(|T| > |t|) = 2q), |t| = sqrt(nu (1 - z) / z), 1 - z taken from the
 * complementary inversion I^-1(1/2, nu/2; 1 - 2q) where 2q > 1/2 (no cancellation near the median).
 * Partials: dx/dp = sigma / f(t), dx/dmu = 1, dx/dsigma = t, dx/dnu = -sigma (dF/dnu) / f(t) with
 * F(t) = I_z(nu/2, 1/2) / 2 below the median (1 - that above), z = nu / (nu + t^2). */
static double k_student_t_qf(const double *x, double *d) {
  double p = x[0], nu = x[1], mu = x[2], sg = x[3];
  if (p == 0 || p == 1 || p == 0.5) {
    double t = p == 0 ? -INFINITY : p == 1 ? INFINITY : 0;
    if (d) {
      double f0 = exp(urn_lgamma(0.5 * (nu + 1)) - urn_lgamma(0.5 * nu) - 0.5 * log(nu * 3.14159265358979323846));
      d[0] = p == 0.5 ? sg / f0 : INFINITY, d[1] = 0, d[2] = 1, d[3] = t;
    }
    return mu + sg * t;
  }
  double q = p < 0.5 ? p : 1 - p, z, w; /* w = 1 - z */
  if (2 * q <= 0.5) z = urn_inv_inc_beta(0.5 * nu, 0.5, 2 * q), w = 1 - z;
  else w = urn_inv_inc_beta(0.5, 0.5 * nu, 1 - 2 * q), z = 1 - w;
  double at = sqrt(nu * w / z), t = p < 0.5 ? -at : at;
  if (d) {
    /* the t density at t: f = (1 + t^2/nu)^(-(nu+1)/2) / (sqrt(nu) B(nu/2, 1/2)) */
    double lf = -0.5 * (nu + 1) * log1p(t * t / nu) - 0.5 * log(nu) - urn_lbeta(0.5 * nu, 0.5), f = exp(lf);
    double ia, ib;
    urn_inc_beta_grad(0.5 * nu, 0.5, z, &ia, &ib);
    double dens = exp((0.5 * nu - 1) * log(z) - 0.5 * log1p(-z) - urn_lbeta(0.5 * nu, 0.5));
    double dz = t * t / ((nu + t * t) * (nu + t * t)); /* dz/dnu at fixed t */
    double dI = 0.5 * ia + dens * dz;                /* d I_z(nu/2, 1/2) / d nu */
    double dF = p < 0.5 ? 0.5 * dI : -0.5 * dI;
    d[0] = sg / f, d[1] = -sg * dF / f, d[2] = 1, d[3] = t;
  }
  return mu + sg * t;
}

/* student_t_qf over containers: every combination of scalars, vectors, row vectors and real arrays returns a
 * vector (Stan's signatures). */
static void f_student_t_qf(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  urn_fn_elem(ev, b, out, args, n);
  if (!urn_is_scalar(out->ty)) out->ty = (urn_type){URN_TY_VECTOR, 0}, out->dim[0] = (int32_t)out->n;
}

/* ldexp(x, n) = x 2^n. */
static double k_ldexp(const double *x, double *d) {
  if (d) d[0] = ldexp(1.0, (int)x[1]), d[1] = 0;
  return ldexp(x[0], (int)x[1]);
}

/* hypergeometric_1F0(a, z) = (1 - z)^-a, |z| < 1. */
static double k_hyp1f0(const double *x, double *d) {
  double a = x[0], z = x[1], l = log1p(-z), v = exp(-a * l);
  if (d) d[0] = -l * v, d[1] = a * v / (1 - z);
  return v;
}
static const char *chk_hyp1f0(const double *x) {
  return fabs(x[1]) < 1 ? NULL : "abs(z) must be less than 1";
}

/* hypergeometric_2F1(a, b, c, z). */
static double k_hyp2f1(const double *x, double *d) {
  double f, g[4];
  int st = urn_hyper_2f1(x[0], x[1], x[2], x[3], &f, g);
  if (st != URN_HYP_OK && st != URN_HYP_LOSS) return NAN;
  if (d) for (int i = 0; i < 4; i++) d[i] = g[i];
  return f;
}
static const char *chk_hyp2f1(const double *x) {
  double f, g[4];
  int st = urn_hyper_2f1(x[0], x[1], x[2], x[3], &f, g);
  if (st == URN_HYP_DIVERGES)
    return "the series does not converge: z must be at most 1 (z = 1 only when c > a + b) unless a or b is a "
           "nonpositive integer";
  if (st == URN_HYP_DOMAIN) return "c (or c - a, c - b at z = 1) is a nonpositive integer: a pole";
  if (st == URN_HYP_LOSS) return "the series loses more than 1e-8 of its precision to cancellation at this z";
  return NULL;
}

#define K(name, n, fn, d0, d1, d2, n0, n1, intret, chk) \
  static const urn_elem_kernel name = {n, fn, {d0, d1, d2, 0}, {n0, n1, NULL, NULL}, intret, chk};
K(ek_beta, 2, k_beta, URN_DOM_NOT_NAN, URN_DOM_NOT_NAN, 0, NULL, NULL, 0, NULL)
K(ek_inc_beta, 3, k_inc_beta, URN_DOM_POS_FINITE, URN_DOM_POS_FINITE, URN_DOM_UNIT, NULL, NULL, 0, NULL)
K(ek_inv_inc_beta, 3, k_inv_inc_beta, URN_DOM_POS_FINITE, URN_DOM_POS_FINITE, URN_DOM_UNIT, NULL, NULL, 0, NULL)
K(ek_bessel_j, 2, k_bessel_j, 0, URN_DOM_NOT_NAN, 0, "v", "z", 0, NULL)
K(ek_bessel_y, 2, k_bessel_y, 0, URN_DOM_POS, 0, "v", "z", 0, NULL)
K(ek_bessel_i, 2, k_bessel_i, 0, URN_DOM_NOT_NAN, 0, "v", "z", 0, NULL)
K(ek_bessel_k, 2, k_bessel_k, 0, URN_DOM_POS, 0, "v", "z", 0, NULL)
K(ek_log_bessel_i, 2, k_log_bessel_i, URN_DOM_NOT_NAN, URN_DOM_NONNEG, 0, "first argument (order)",
  "second argument (variable)", 0, chk_log_bessel_i)
K(ek_lambert_w0, 1, k_lambert_w0, URN_DOM_GE_M1E, 0, 0, "x", NULL, 0, NULL)
K(ek_lambert_wm1, 1, k_lambert_wm1, URN_DOM_M1E_0, 0, 0, "x", NULL, 0, NULL)
K(ek_log_rising, 2, k_log_rising, URN_DOM_POS, URN_DOM_NONNEG, 0, NULL, NULL, 0, NULL)
K(ek_log_falling, 2, k_log_falling, URN_DOM_POS, URN_DOM_NONNEG, 0, NULL, NULL, 0, NULL)
K(ek_falling, 2, k_falling, URN_DOM_NOT_NAN, URN_DOM_NONNEG, 0, NULL, NULL, 1, NULL)
K(ek_rising, 2, k_rising, URN_DOM_NOT_NAN, URN_DOM_NONNEG, 0, NULL, NULL, 1, NULL)
K(ek_inv_erfc, 1, k_inv_erfc, URN_DOM_NOT_NAN, 0, 0, "x", NULL, 0, NULL)
K(ek_std_normal_qf, 1, k_std_normal_qf, URN_DOM_UNIT, 0, 0, "p", NULL, 0, NULL)
K(ek_std_normal_log_qf, 1, k_std_normal_log_qf, URN_DOM_LOG_PROB, 0, 0, "log_p", NULL, 0, NULL)
K(ek_ldexp, 2, k_ldexp, 0, 0, 0, "a", "b", 0, NULL)
static const urn_elem_kernel ek_student_t_qf = {
    4, k_student_t_qf, {URN_DOM_UNIT, URN_DOM_NONNEG, URN_DOM_ANY, URN_DOM_POS},
    {"Probability parameter", "Degrees of freedom parameter", "Location parameter", "Scale parameter"}, 0, NULL};
K(ek_owens_t, 2, k_owens_t, URN_DOM_NOT_NAN, URN_DOM_NOT_NAN, 0, "h", "a", 0, NULL)
K(ek_hyp1f0, 2, k_hyp1f0, URN_DOM_NOT_NAN, URN_DOM_NOT_NAN, 0, "a", "z", 0, chk_hyp1f0)
static const urn_elem_kernel ek_hyp2f1 = {4, k_hyp2f1, {URN_DOM_FINITE, URN_DOM_FINITE, URN_DOM_FINITE, URN_DOM_FINITE},
                                          {"a", "b", "c", "z"}, 0, chk_hyp2f1};

/* hypergeometric_pFq(a, b, z) and hypergeometric_3F2(a, b, z): a and b vectors (or arrays); one tape node. */
static void f_pfq(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *A = &args[0], *B = &args[1], *Z = &args[2];
  int p = (int)A->n, q = (int)B->n;
  if (b->aux2 == 1 && (p != 3 || q != 2))
    urn_ev_reject(ev, "hypergeometric_3F2: a must have 3 elements and b 2, but they have %d and %d", p, q);
  if (p > URN_HYP_MAX || q > URN_HYP_MAX)
    urn_ev_reject(ev, "%s: at most %d parameters in a and in b (got %d and %d)", b->name, URN_HYP_MAX, p, q);
  for (int i = 0; i < p; i++)
    if (!isfinite(A->v[i])) urn_ev_reject(ev, "%s: a[%d] is %g, but must be finite", b->name, i + 1, A->v[i]);
  for (int j = 0; j < q; j++)
    if (!isfinite(B->v[j])) urn_ev_reject(ev, "%s: b[%d] is %g, but must be finite", b->name, j + 1, B->v[j]);
  double z = Z->v[0];
  if (!isfinite(z)) urn_ev_reject(ev, "%s: z is %g, but must be finite", b->name, z);
  double f, da[URN_HYP_MAX], db[URN_HYP_MAX], dz;
  int st = urn_hyper_pfq_tr(A->v, p, B->v, q, z, &f, da, db, &dz);
  if (st == URN_HYP_DIVERGES)
    urn_ev_reject(ev, "%s: the series diverges at z = %g (%dF%d converges for %s)", b->name, z, p, q,
                  p <= q ? "every z" : p == q + 1 ? "|z| < 1, or |z| = 1 when sum(b) > sum(a)" : "no z != 0 unless a polynomial");
  if (st == URN_HYP_DOMAIN) urn_ev_reject(ev, "%s: an element of b is a nonpositive integer (a pole)", b->name);
  if (st == URN_HYP_LOSS)
    urn_ev_reject(ev, "%s: the series loses more than 1e-8 of its precision to cancellation at z = %g", b->name, z);
  int32_t ix = -1;
  if (A->ix || B->ix || Z->ix) {
    int32_t *o; double *pp;
    urn_tape_begin(&ev->tape, (size_t)(p + q + 1), &o, &pp);
    size_t m = 0;
    for (int i = 0; i < p; i++) if (urn_val_ix(A, i) >= 0) o[m] = A->ix[i], pp[m++] = da[i];
    for (int j = 0; j < q; j++) if (urn_val_ix(B, j) >= 0) o[m] = B->ix[j], pp[m++] = db[j];
    if (urn_val_ix(Z, 0) >= 0) o[m] = Z->ix[0], pp[m++] = dz;
    ix = urn_tape_end(&ev->tape, f, m);
  }
  urn_val_set_scalar(ev, out, URN_TY_REAL, f, ix);
}

#define E(name, sig, k, doc) {name, sig, urn_fn_elem, urn_fn_elem_s, &k, 0, 0, doc}
#define EI(name, sig, k, doc) {name, sig, urn_fn_elem, NULL, &k, 0, 0, doc} /* int results: no scalar path */
#define PFQ(name, sa, sb, aux2, doc) {name, "r:" sa sb "r", f_pfq, NULL, NULL, aux2, 0, doc}
const urn_builtin urn_fn_special_table[] = {
    E("beta", "S:TT", ek_beta, "beta function Gamma(a) Gamma(b) / Gamma(a + b)"),
    E("inc_beta", "r:rrr", ek_inc_beta, "regularized incomplete beta function I_x(a, b)"),
    E("inv_inc_beta", "S:TTT", ek_inv_inc_beta, "inverse of the regularized incomplete beta function in x"),
    E("bessel_first_kind", "S:MT", ek_bessel_j, "Bessel function of the first kind J_v(z), integer v"),
    E("bessel_second_kind", "S:MT", ek_bessel_y, "Bessel function of the second kind Y_v(z), integer v, z > 0"),
    E("modified_bessel_first_kind", "S:MT", ek_bessel_i, "modified Bessel function of the first kind I_v(z), integer v"),
    E("modified_bessel_second_kind", "S:MT", ek_bessel_k, "modified Bessel function of the second kind K_v(z), z > 0"),
    E("log_modified_bessel_first_kind", "S:TT", ek_log_bessel_i, "log I_v(z), real order v > -1, z >= 0"),
    E("lambert_w0", "S:T", ek_lambert_w0, "principal branch of the Lambert W function"),
    E("lambert_wm1", "S:T", ek_lambert_wm1, "lower branch W_-1 of the Lambert W function"),
    E("log_falling_factorial", "S:TT", ek_log_falling, "log of the falling factorial x (x-1) ... (x-n+1), real n"),
    E("log_rising_factorial", "S:TT", ek_log_rising, "log of the rising factorial x (x+1) ... (x+n-1), real n"),
    EI("falling_factorial", "K:TM", ek_falling, "falling factorial x (x-1) ... (x-n+1)"),
    EI("rising_factorial", "K:TM", ek_rising, "rising factorial x (x+1) ... (x+n-1)"),
    E("inv_erfc", "S:T", ek_inv_erfc, "inverse of the complementary error function"),
    E("std_normal_qf", "S:T", ek_std_normal_qf, "standard normal quantile (inv_Phi)"),
    E("std_normal_log_qf", "S:T", ek_std_normal_log_qf, "standard normal quantile of exp(log_p)"),
    E("ldexp", "S:TM", ek_ldexp, "a * 2^b"),
    E("owens_t", "S:TT", ek_owens_t, "Owen's T function T(h, a)"),
    {"student_t_qf", "u:RRRR", f_student_t_qf, urn_fn_elem_s, &ek_student_t_qf, 0, 0,
     "quantile of the Student-t distribution (p, nu, mu, sigma); a vector for container arguments"},
    E("hypergeometric_1F0", "r:rr", ek_hyp1f0, "1F0(a;;z) = (1 - z)^-a, |z| < 1"),
    E("hypergeometric_2F1", "r:rrrr", ek_hyp2f1, "Gauss hypergeometric function 2F1(a, b; c; z), z <= 1"),
    PFQ("hypergeometric_3F2", "v", "v", 1, "3F2(a; b; z): a has 3 elements, b 2"),
    PFQ("hypergeometric_3F2", "v", "w", 1, "3F2(a; b; z)"), PFQ("hypergeometric_3F2", "v", "1r", 1, "3F2(a; b; z)"),
    PFQ("hypergeometric_3F2", "w", "v", 1, "3F2(a; b; z)"), PFQ("hypergeometric_3F2", "w", "w", 1, "3F2(a; b; z)"),
    PFQ("hypergeometric_3F2", "w", "1r", 1, "3F2(a; b; z)"), PFQ("hypergeometric_3F2", "1r", "v", 1, "3F2(a; b; z)"),
    PFQ("hypergeometric_3F2", "1r", "w", 1, "3F2(a; b; z)"), PFQ("hypergeometric_3F2", "1r", "1r", 1, "3F2(a; b; z)"),
    PFQ("hypergeometric_pFq", "v", "v", 0, "generalized hypergeometric function pFq(a; b; z)"),
    PFQ("hypergeometric_pFq", "v", "w", 0, "pFq(a; b; z)"), PFQ("hypergeometric_pFq", "v", "1r", 0, "pFq(a; b; z)"),
    PFQ("hypergeometric_pFq", "w", "v", 0, "pFq(a; b; z)"), PFQ("hypergeometric_pFq", "w", "w", 0, "pFq(a; b; z)"),
    PFQ("hypergeometric_pFq", "w", "1r", 0, "pFq(a; b; z)"), PFQ("hypergeometric_pFq", "1r", "v", 0, "pFq(a; b; z)"),
    PFQ("hypergeometric_pFq", "1r", "w", 0, "pFq(a; b; z)"), PFQ("hypergeometric_pFq", "1r", "1r", 0, "pFq(a; b; z)"),
    {NULL, NULL, NULL, NULL, NULL, 0, 0, NULL}};
