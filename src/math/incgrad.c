/* math/incgrad.c — the incomplete beta and gamma functions' parameter derivatives and the inverse incomplete
 * beta function.
 *
 * Both functions are a prefactor times a series or continued fraction (special.c):
 *   I_x(a, b) = x^a y^b / (a B(a, b)) * CF(a, b, x)        (y = 1 - x; or 1 - I_y(b, a) past the mean)
 *   P(a, x)   = x^a e^-x / Gamma(a) * S(a, x),   Q(a, x) = x^a e^-x / Gamma(a) * CF(a, x).
 * The prefactor's logarithmic derivative is exact (log x - psi(a) + psi(a + b), ...), and the series or
 * continued fraction is differentiated forward-mode: the same recurrence run on dual numbers (value and
 * derivative with respect to each parameter), so that the derivative converges with the value.
 *
 * inv_inc_beta(a, b, p) solves I_x(a, b) = p by Newton steps with bisection safeguards in the tail where the
 * answer is small (p <= I at the mean, else 1 - x from the other tail), starting from the tail asymptote
 * x ~ (p a B(a, b))^(1/a). */
#include <math.h>

#include "math/special.h"

/* A dual number: value and derivatives with respect to two parameters. */
typedef struct dual2 {
  double v, a, b; /* value, d/da, d/db */
} dual2;

static dual2 d_mul(dual2 x, dual2 y) { return (dual2){x.v * y.v, x.a * y.v + x.v * y.a, x.b * y.v + x.v * y.b}; }
static dual2 d_div(dual2 x, dual2 y) {
  double q = x.v / y.v;
  return (dual2){q, (x.a - q * y.a) / y.v, (x.b - q * y.b) / y.v};
}
static dual2 d_add1(dual2 x) { return (dual2){1 + x.v, x.a, x.b}; }
static dual2 d_tiny(dual2 x) {
  if (fabs(x.v) < 1e-300) x.v = 1e-300;
  return x;
}

/* The continued fraction of I_x(a, b) (DLMF 8.17.22, modified Lentz) with d/da, d/db. */
static dual2 inc_beta_cf_dual(double a, double b, double x) {
  dual2 c = {1, 0, 0};
  /* d = 1 - (a + b) x / (a + 1) */
  double q = (a + b) * x / (a + 1);
  dual2 d = {1 - q, -(x / (a + 1) - q / (a + 1)), -x / (a + 1)};
  d = d_div((dual2){1, 0, 0}, d_tiny(d));
  dual2 h = d;
  for (int m = 1; m < 100000; m++) {
    double m2 = 2.0 * m;
    /* an = m (b - m) x / ((a + 2m - 1)(a + 2m)) */
    double den = (a + m2 - 1) * (a + m2), an = m * (b - m) * x / den;
    dual2 A = {an, -an * ((a + m2) + (a + m2 - 1)) / den, m * x / den};
    d = d_div((dual2){1, 0, 0}, d_tiny(d_add1(d_mul(A, d))));
    c = d_tiny(d_add1(d_div(A, c)));
    h = d_mul(h, d_mul(d, c));
    /* an = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)) */
    den = (a + m2) * (a + m2 + 1);
    an = -(a + m) * (a + b + m) * x / den;
    A = (dual2){an, -x * ((a + b + m) + (a + m)) / den - an * ((a + m2 + 1) + (a + m2)) / den, -(a + m) * x / den};
    d = d_div((dual2){1, 0, 0}, d_tiny(d_add1(d_mul(A, d))));
    c = d_tiny(d_add1(d_div(A, c)));
    dual2 del = d_mul(d, c);
    h = d_mul(h, del);
    if (fabs(del.v - 1) < 1e-16 && fabs(del.a) <= 1e-16 * fmax(1, fabs(h.a / h.v)) &&
        fabs(del.b) <= 1e-16 * fmax(1, fabs(h.b / h.v)))
      break;
  }
  return h;
}

double urn_inc_beta_grad(double a, double b, double x, double *da, double *db) {
  double I = urn_inc_beta(a, b, x);
  *da = *db = 0;
  if (!(x > 0 && x < 1) || isnan(I)) {
    if (isnan(I)) *da = *db = NAN;
    return I;
  }
  int swap = x > (a + 1.0) / (a + b + 2.0);
  double p = a, q = b, xv = x;
  if (swap) p = b, q = a, xv = 1 - x;
  double r = swap ? urn_inc_beta(b, a, 1 - x) : I; /* the tail computed directly: exp(L) / p * CF */
  dual2 cf = inc_beta_cf_dual(p, q, xv);
  double psum = urn_digamma(p + q);
  double dp = r * (log(xv) - urn_digamma(p) + psum - 1 / p + cf.a / cf.v);
  double dq = r * (swap ? log(x) : log1p(-x)) + r * (-urn_digamma(q) + psum + cf.b / cf.v);
  if (swap) *da = -dq, *db = -dp;
  else *da = dp, *db = dq;
  return I;
}

/* ---- incomplete gamma: dP/da ---- */

/* Series sum_{n>=0} x^n / (a (a+1) ... (a+n)) = P / prefix, with its derivative in a. */
static void gamma_series_dual(double a, double x, double *s, double *ds) {
  double term = 1 / a, dterm = -1 / (a * a), sum = term, dsum = dterm;
  for (int n = 1; n < 1000000; n++) {
    double f = x / (a + n);
    dterm = dterm * f - term * f / (a + n);
    term *= f;
    sum += term, dsum += dterm;
    if (term < sum * 1e-17 && fabs(dterm) <= fabs(dsum) * 1e-17) break;
  }
  *s = sum, *ds = dsum;
}

/* The continued fraction of Q / prefix (Legendre, modified Lentz) with its derivative in a. */
static void gamma_cf_dual(double a, double x, double *h, double *dh) {
  dual2 b = {x + 1 - a, -1, 0};
  dual2 c = {1e300, 0, 0}, d = d_div((dual2){1, 0, 0}, b), hh = d;
  for (int i = 1; i < 1000000; i++) {
    dual2 an = {-i * (i - a), i, 0};
    b.v += 2;
    d = d_tiny((dual2){an.v * d.v + b.v, an.a * d.v + an.v * d.a + b.a, 0});
    c = d_tiny((dual2){b.v + an.v / c.v, b.a + (an.a - an.v / c.v * c.a) / c.v, 0});
    d = d_div((dual2){1, 0, 0}, d);
    dual2 del = d_mul(d, c);
    hh = d_mul(hh, del);
    if (fabs(del.v - 1) < 1e-16 && fabs(del.a) < 1e-17) break;
  }
  *h = hh.v, *dh = hh.a;
}

double urn_gamma_p_da(double a, double x) {
  if (!(a > 0) || !(x > 0) || isinf(x)) return x == 0 || isinf(x) ? 0 : NAN;
  double lx = log(x) - urn_digamma(a);
  if (x < a + 1) {
    double s, ds;
    gamma_series_dual(a, x, &s, &ds);
    double P = urn_gamma_p(a, x);
    return P * (lx + ds / s);
  }
  double h, dh;
  gamma_cf_dual(a, x, &h, &dh);
  double Q = urn_gamma_q(a, x);
  return -Q * (lx + dh / h);
}

/* ---- inverse incomplete beta ---- */

/* x in (0, hi] with I_x(a, b) = p <= I_hi(a, b), to full relative precision of x: Newton's method on
 * log I_x - log p (nearly linear in log x in the tail, where I_x ~ x^a), kept inside a shrinking bracket
 * [lo, hi] by bisection (geometric while lo = 0). */
static double inv_tail(double a, double b, double p, double hi) {
  double lb = urn_lbeta(a, b), lp = log(p);
  /* tail asymptote: I_x ~ x^a / (a B(a, b)) */
  double x = exp((lp + log(a) + lb) / a), lo = 0;
  if (!(x > lo && x < hi)) x = 0.5 * hi;
  for (int it = 0; it < 500; it++) {
    double I = urn_inc_beta(a, b, x);
    if (I == p) return x;
    if (I > p) hi = x;
    else lo = x;
    /* d log I / dx = density / I, density = x^(a-1) y^(b-1) / B(a, b) */
    double ldens = (a - 1) * log(x) + (b - 1) * log1p(-x) - lb;
    /* log(I / p) as log1p((I - p) / p): log I - log p would lose the digits of I when |log p| is large */
    double step = I > 0 ? log1p((I - p) / p) * exp(log(I) - ldens) : INFINITY, nx = x - step;
    if (!(nx > lo && nx < hi) || !isfinite(nx)) nx = lo > 0 ? 0.5 * (lo + hi) : hi * 1e-3;
    if (fabs(nx - x) <= 4e-16 * nx || hi - lo <= 4e-16 * hi) return nx;
    x = nx;
  }
  return x;
}

double urn_inv_inc_beta(double a, double b, double p) {
  if (isnan(a) || isnan(b) || isnan(p)) return a + b + p;
  if (!(a > 0) || !(b > 0) || !(p >= 0 && p <= 1)) return NAN;
  if (p == 0) return 0;
  if (p == 1) return 1;
  double mid = (a + 1) / (a + b + 2), pmid = urn_inc_beta(a, b, mid);
  if (p <= pmid) return inv_tail(a, b, p, mid);
  return 1 - inv_tail(b, a, 1 - p, 1 - mid);
}
