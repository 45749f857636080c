/* lang/fn_math.c — elementwise math built-ins (log, exp, lgamma, pow, ...),
 * the binary and ternary scalar functions (log_sum_exp(a, b), log_mix, fma)
 * and the constants (pi(), e(), not_a_number() ...), with their partials.
 * Every unary function is one kernel (f, f') applied by urn_fn_unary to
 * scalars and, elementwise, to any container. */
#include <math.h>

#include "lang/fn.h"
#include "math/special.h"

/* ---- generic elementwise machinery ---- */

void urn_val_like(urn_ev *ev, urn_val *out, const urn_val *like, int base, int with_ix) {
  urn_type t = like->ty;
  t.base = (unsigned char)base;
  urn_val_alloc(ev, out, t, like->dim, with_ix);
}

void urn_val_set_scalar(urn_ev *ev, urn_val *out, int base, double v, int32_t ix) {
  out->ty = (urn_type){(unsigned char)base, 0};
  out->n = 1;
  /* one block: the value, then its node when it has one */
  out->v = urn_ev_alloc_raw(ev, ix >= 0 ? 2 : 1, sizeof(double)); /* both written here */
  out->v[0] = v;
  if (ix >= 0) out->ix = (int32_t *)(void *)(out->v + 1), out->ix[0] = ix;
  else out->ix = NULL;
}

int32_t urn_fn_unary_s(urn_ev *ev, const urn_builtin *b, const double *x, const int32_t *ix, double *out) {
  const urn_unary_kernel *k = b->aux;
  double f = k->f(x[0]);
  *out = f;
  if (ix[0] < 0) return -1;
  return urn_tape_push1(&ev->tape, f, ix[0], k->df(x[0], f));
}

void urn_fn_unary(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_unary_kernel *k = b->aux;
  const urn_val *a = &args[0];
  int base = a->ty.base == URN_TY_INT && (b->flags & URN_BI_INTRET) ? URN_TY_INT : a->ty.base;
  if (base == URN_TY_INT && !(b->sig[0] == 'K')) base = URN_TY_REAL;
  if (b->flags & URN_BI_INTRET) base = URN_TY_INT;
  urn_val_like(ev, out, a, base, a->ix != NULL);
  for (size_t i = 0; i < a->n; i++) {
    double f = k->f(a->v[i]);
    out->v[i] = f;
    if (a->ix) out->ix[i] = a->ix[i] < 0 ? -1 : urn_tape_push1(&ev->tape, f, a->ix[i], k->df(a->v[i], f));
  }
}

int32_t urn_fn_binary_s(urn_ev *ev, const urn_builtin *b, const double *x, const int32_t *ix, double *out) {
  urn_binary_kernel k = (urn_binary_kernel)(uintptr_t)b->aux;
  double f, dx, dy = 0;
  k(x[0], x[1], &f, &dx, ix[1] < 0 && (b->flags & URN_BI_DYOPT) ? NULL : &dy);
  *out = f;
  if (ix[0] < 0 && ix[1] < 0) return -1;
  return urn_tape_push2(&ev->tape, f, ix[0], dx, ix[1], dy);
}

void urn_fn_binary(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  urn_binary_kernel k = (urn_binary_kernel)(uintptr_t)b->aux;
  const urn_val *x = &args[0], *y = &args[1];
  const urn_val *shape = urn_is_scalar(x->ty) ? y : x;
  /* lmgamma(array[] int, vector): an int container pairs with a real container of the same rank */
  if (x->ty.base == URN_TY_INT && !urn_is_scalar(y->ty) && y->ty.base != URN_TY_INT) shape = y;
  if (!urn_is_scalar(x->ty) && !urn_is_scalar(y->ty) && x->n != y->n)
    urn_ev_reject(ev, "%s: size mismatch (%zu and %zu elements)", b->name, x->n, y->n);
  int base = shape->ty.base == URN_TY_INT ? URN_TY_REAL : shape->ty.base;
  if (b->sig[0] == 'K' && x->ty.base == URN_TY_INT && y->ty.base == URN_TY_INT) base = URN_TY_INT;
  if (b->sig[0] == 'i') base = URN_TY_INT;
  int var = x->ix || y->ix;
  urn_val_like(ev, out, shape, base, var);
  size_t sx = x->n == 1 && urn_is_scalar(x->ty) ? 0 : 1, sy = y->n == 1 && urn_is_scalar(y->ty) ? 0 : 1;
  int nody = !y->ix && (b->flags & URN_BI_DYOPT); /* the kernel may skip dy: no node to receive it */
  for (size_t i = 0; i < shape->n; i++) {
    double f, dx, dy = 0;
    k(x->v[i * sx], y->v[i * sy], &f, &dx, nody ? NULL : &dy);
    out->v[i] = f;
    if (var) out->ix[i] = urn_tape_push2(&ev->tape, f, urn_val_ix(x, i * sx), dx, urn_val_ix(y, i * sy), dy);
  }
}

void urn_fn_via_scalar(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  double x[8];
  int32_t ix[8];
  for (int i = 0; i < n && i < 8; i++) x[i] = args[i].v[0], ix[i] = urn_val_ix(&args[i], 0);
  double v;
  int32_t r = b->sfn(ev, b, x, ix, &v);
  int base = (b->flags & URN_BI_INTRET) ? URN_TY_INT : URN_TY_REAL;
  if (b->sig[0] == 'i') base = URN_TY_INT;
  urn_val_set_scalar(ev, out, base, v, r);
}

/* ---- unary kernels ---- */
#define UNARY(name, fexpr, dexpr)                                    \
  static double f_##name(double x) { return (fexpr); }               \
  static double d_##name(double x, double fx) { (void)fx; (void)x; return (dexpr); } \
  static const urn_unary_kernel k_##name = {f_##name, d_##name};

UNARY(log, log(x), 1 / x)
UNARY(exp, exp(x), fx)
UNARY(sqrt, sqrt(x), 0.5 / fx)
UNARY(cbrt, cbrt(x), 1 / (3 * fx * fx))
UNARY(square, x * x, 2 * x)
UNARY(inv, 1 / x, -fx * fx)
UNARY(inv_sqrt, 1 / sqrt(x), -0.5 * fx / x)
UNARY(inv_square, 1 / (x * x), -2 * fx / x)
UNARY(log1p, log1p(x), 1 / (1 + x))
UNARY(expm1, expm1(x), fx + 1)
UNARY(log1m, urn_log1m(x), -1 / (1 - x))
UNARY(log1p_exp, urn_log1p_exp(x), urn_inv_logit(x))
UNARY(log1m_exp, urn_log1m_exp(x), -1 / expm1(-x))
UNARY(logit, urn_logit(x), 1 / (x - x * x))
UNARY(inv_logit, urn_inv_logit(x), fx * (1 - fx))
UNARY(log_inv_logit, urn_log_inv_logit(x), urn_inv_logit(-x))
UNARY(log1m_inv_logit, urn_log1m_inv_logit(x), -urn_inv_logit(x))
UNARY(inv_cloglog, 1 - exp(-exp(x)), exp(x - exp(x)))
UNARY(Phi, urn_Phi(x), exp(-0.5 * x * x) * 0.39894228040143267794)
UNARY(Phi_approx, urn_Phi_approx(x), fx * (1 - fx) * (0.07056 * 3 * x * x + 1.5976))
UNARY(inv_Phi, urn_inv_Phi(x), 2.50662827463100050242 * exp(0.5 * fx * fx))
UNARY(erf, urn_erf(x), 1.12837916709551257390 * exp(-x * x))
UNARY(erfc, urn_erfc(x), -1.12837916709551257390 * exp(-x * x))
UNARY(lgamma, urn_lgamma(x), urn_digamma(x))
UNARY(digamma, urn_digamma(x), urn_trigamma(x))
UNARY(trigamma, urn_trigamma(x), NAN)
UNARY(tgamma, tgamma(x), fx * urn_digamma(x))
UNARY(sin, sin(x), cos(x))
UNARY(cos, cos(x), -sin(x))
UNARY(tan, tan(x), 1 + fx * fx)
UNARY(asin, asin(x), 1 / sqrt(1 - x * x))
UNARY(acos, acos(x), -1 / sqrt(1 - x * x))
UNARY(atan, atan(x), 1 / (1 + x * x))
UNARY(sinh, sinh(x), cosh(x))
UNARY(cosh, cosh(x), sinh(x))
UNARY(tanh, tanh(x), 1 - fx * fx)
UNARY(asinh, asinh(x), 1 / sqrt(x * x + 1))
UNARY(acosh, acosh(x), 1 / sqrt(x * x - 1))
UNARY(atanh, atanh(x), 1 / (1 - x * x))
UNARY(abs, fabs(x), x > 0 ? 1 : x < 0 ? -1 : 0)
UNARY(floor, floor(x), 0)
UNARY(ceil, ceil(x), 0)
UNARY(round, round(x), 0)
UNARY(trunc, trunc(x), 0)
UNARY(log2, log2(x), 1 / (x * 0.69314718055994530942))
UNARY(log10, log10(x), 1 / (x * 2.30258509299404568402))
UNARY(exp2, exp2(x), fx * 0.69314718055994530942)
UNARY(step, x < 0 ? 0.0 : 1.0, 0)
UNARY(int_step, x > 0 ? 1.0 : 0.0, 0)
UNARY(is_inf, isinf(x) ? 1.0 : 0.0, 0)
UNARY(is_nan, isnan(x) ? 1.0 : 0.0, 0)
UNARY(logical_negation, x == 0 ? 1.0 : 0.0, 0)

/* ---- binary kernels ---- */
/* x^y through math/special.c's urn_pow (the one power kernel of every path); dy may be NULL (URN_BI_DYOPT). */
static void b_pow(double x, double y, double *f, double *dx, double *dy) {
  *f = urn_pow_dx(x, y, dx);
  if (dy) *dy = x > 0 ? *f * log(x) : 0;
}
static void b_fmin(double x, double y, double *f, double *dx, double *dy) {
  int lx = x <= y || isnan(y);
  *f = lx ? x : y, *dx = lx, *dy = !lx;
}
static void b_fmax(double x, double y, double *f, double *dx, double *dy) {
  int lx = x >= y || isnan(y);
  *f = lx ? x : y, *dx = lx, *dy = !lx;
}
static void b_fdim(double x, double y, double *f, double *dx, double *dy) {
  *f = x > y ? x - y : 0, *dx = x > y, *dy = -(x > y);
}
static void b_fmod(double x, double y, double *f, double *dx, double *dy) {
  *f = fmod(x, y), *dx = 1, *dy = -trunc(x / y);
}
static void b_hypot(double x, double y, double *f, double *dx, double *dy) {
  *f = hypot(x, y), *dx = x / *f, *dy = y / *f;
}
static void b_atan2(double x, double y, double *f, double *dx, double *dy) {
  double r = x * x + y * y;
  *f = atan2(x, y), *dx = y / r, *dy = -x / r;
}
static void b_lbeta(double x, double y, double *f, double *dx, double *dy) {
  double dxy = urn_digamma(x + y);
  *f = urn_lbeta(x, y), *dx = urn_digamma(x) - dxy, *dy = urn_digamma(y) - dxy;
}
static void b_lchoose(double n, double k, double *f, double *dx, double *dy) {
  *f = urn_lchoose(n, k);
  double dn1 = urn_digamma(n + 1), dnk = urn_digamma(n - k + 1);
  *dx = dn1 - dnk, *dy = dnk - urn_digamma(k + 1);
}
static void b_log_diff_exp(double x, double y, double *f, double *dx, double *dy) {
  *f = urn_log_diff_exp(x, y);
  double e = exp(y - x); /* d/dx = 1/(1-e^(y-x)), d/dy = -1/(e^(x-y)-1) */
  *dx = 1 / (1 - e), *dy = -e / (1 - e);
  if (isinf(y) && y < 0) *dx = 1, *dy = 0;
}
static void b_log_sum_exp(double x, double y, double *f, double *dx, double *dy) {
  *f = urn_log_sum_exp2(x, y);
  if (isinf(*f) && *f < 0) { *dx = *dy = 0; return; }
  *dx = exp(x - *f), *dy = exp(y - *f);
}
static void b_lmultiply(double x, double y, double *f, double *dx, double *dy) {
  if (x == 0 && y == 0) { *f = 0, *dx = 0, *dy = 0; return; }
  *f = x * log(y), *dx = log(y), *dy = x / y;
}
static void b_log_inv_logit_diff(double x, double y, double *f, double *dx, double *dy) {
  double px = urn_inv_logit(x), py = urn_inv_logit(y), d = px - py;
  *f = x + urn_log1m_exp(y - x) - urn_log1p_exp(x) - urn_log1p_exp(y);
  *dx = px * (1 - px) / d, *dy = -py * (1 - py) / d;
}
static void b_binary_log_loss(double y, double yh, double *f, double *dx, double *dy) {
  *dx = 0;
  if (y != 0) *f = -log(yh), *dy = -1 / yh;
  else *f = -urn_log1m(yh), *dy = 1 / (1 - yh);
}
static void b_lmgamma(double k, double x, double *f, double *dx, double *dy) {
  *f = urn_lmgamma((int)k, x);
  double d = 0;
  for (int j = 1; j <= (int)k; j++) d += urn_digamma(x + (1 - j) / 2.0);
  *dx = 0, *dy = d;
}
static void b_gamma_p(double a, double x, double *f, double *dx, double *dy) {
  *f = urn_gamma_p(a, x);
  *dy = exp(-x + (a - 1) * log(x) - urn_lgamma(a));
  *dx = urn_gamma_p_da(a, x); /* forward-mode through the series or continued fraction (incgrad.c) */
}
static void b_gamma_q(double a, double x, double *f, double *dx, double *dy) {
  b_gamma_p(a, x, f, dx, dy);
  *f = urn_gamma_q(a, x), *dx = -*dx, *dy = -*dy;
}
static void b_int_divide(double x, double y, double *f, double *dx, double *dy) {
  *f = y == 0 ? NAN : trunc(x / y), *dx = *dy = 0;
}
/* int_divide (%/%) refuses division by zero, as Stan does (never 0, the old silent answer). */
static int32_t s_int_divide(urn_ev *ev, const urn_builtin *b, const double *x, const int32_t *ix, double *out) {
  if (x[1] == 0) urn_ev_reject(ev, "int_divide: integer division by zero");
  *out = trunc(x[0] / x[1]);
  return -1;
}

/* ---- checked kernels for urn_fn_elem ---- */
static double e_gamma_p(const double *x, double *d) {
  double f, dx, dy;
  b_gamma_p(x[0], x[1], &f, &dx, &dy);
  if (d) d[0] = dx, d[1] = dy;
  return f;
}
static double e_gamma_q(const double *x, double *d) {
  double f, dx, dy;
  b_gamma_q(x[0], x[1], &f, &dx, &dy);
  if (d) d[0] = dx, d[1] = dy;
  return f;
}
static const urn_elem_kernel ek_gamma_p = {2, e_gamma_p, {URN_DOM_POS, URN_DOM_NONNEG}, {"first argument (a)", "second argument (z)"}, 0, NULL};
static const urn_elem_kernel ek_gamma_q = {2, e_gamma_q, {URN_DOM_POS, URN_DOM_NONNEG}, {"first argument (a)", "second argument (z)"}, 0, NULL};

/* choose(n, k): exact for results below 2^53 (urn_fn_elem rejects results that overflow an int). */
static double e_choose(const double *x, double *d) {
  double n = x[0], k = x[1];
  if (d) d[0] = d[1] = 0;
  if (k > n) return 0;
  if (k > n - k) k = n - k;
  double r = 1;
  for (double i = 1; i <= k; i++) r = r * (n - k + i) / i; /* each partial product is an exact binomial */
  return round(r);
}
static const urn_elem_kernel ek_choose = {2, e_choose, {URN_DOM_NONNEG, URN_DOM_NONNEG}, {"n", "k"}, 1, NULL};

static double e_fma(const double *x, double *d) {
  if (d) d[0] = x[1], d[1] = x[0], d[2] = 1;
  return fma(x[0], x[1], x[2]);
}
static const urn_elem_kernel ek_fma = {3, e_fma, {0}, {NULL}, 0, NULL};

/* log_mix(theta, lambda): log sum_k theta_k exp(lambda_k); lambda may be an array of N vectors (the sum of
 * N such terms).  One tape node with partials theta-bar_k = sum_n exp(lambda_nk - l_n), lambda-bar_nk =
 * theta_k exp(lambda_nk - l_n). */
static void f_log_mix_vec(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *th = &args[0], *la = &args[1];
  size_t K = th->n, N = la->ty.base >= URN_TY_VECTOR && la->ty.dims == 1 ? (size_t)la->dim[0] : 1;
  if (N && la->n != K * N)
    urn_ev_reject(ev, "log_mix: theta has %zu elements, but each lambda has %zu", K, N ? la->n / N : 0);
  for (size_t k = 0; k < K; k++)
    if (!(th->v[k] >= 0 && th->v[k] <= 1))
      urn_ev_reject(ev, "log_mix: theta[%zu] is %g, but must be in the interval [0, 1]", k + 1, th->v[k]);
  for (size_t i = 0; i < la->n; i++)
    if (!isfinite(la->v[i])) urn_ev_reject(ev, "log_mix: lambda[%zu] is %g, but must be finite", i + 1, la->v[i]);
  int var = th->ix || la->ix;
  double *dth = var ? urn_ev_doubles(ev, K) : NULL, *dla = var ? urn_ev_doubles(ev, la->n) : NULL;
  if (dth) for (size_t k = 0; k < K; k++) dth[k] = 0;
  double total = 0;
  for (size_t j = 0; j < N; j++) {
    const double *l = la->v + j * K;
    double m = -INFINITY;
    for (size_t k = 0; k < K; k++) if (th->v[k] > 0 && l[k] > m) m = l[k];
    double s = 0;
    for (size_t k = 0; k < K; k++) s += th->v[k] * exp(l[k] - m);
    double lj = m + log(s);
    total += lj;
    if (!var) continue;
    for (size_t k = 0; k < K; k++) {
      double w = exp(l[k] - lj);
      dth[k] += w, dla[j * K + k] = th->v[k] * w;
    }
  }
  int32_t ix = -1;
  if (var) {
    int32_t *o; double *p;
    urn_tape_begin(&ev->tape, K + la->n, &o, &p);
    size_t m = 0;
    for (size_t k = 0; k < K; k++) if (urn_val_ix(th, k) >= 0) o[m] = th->ix[k], p[m++] = dth[k];
    for (size_t i = 0; i < la->n; i++) if (urn_val_ix(la, i) >= 0) o[m] = la->ix[i], p[m++] = dla[i];
    ix = urn_tape_end(&ev->tape, total, m);
  }
  urn_val_set_scalar(ev, out, URN_TY_REAL, total, ix);
}

/* ---- ternary / scalar-only ---- */
static int32_t s_log_mix(urn_ev *ev, const urn_builtin *b, const double *x, const int32_t *ix, double *out) {
  double th = x[0], a = x[1], c = x[2];
  if (!(th >= 0 && th <= 1)) urn_ev_reject(ev, "log_mix: theta is %g, but must be in the interval [0, 1]", th);
  double m = a > c ? a : c;
  double ea = a >= c ? 1 : exp(a - m), ec = a >= c ? exp(c - m) : 1;
  double den = th * ea + (1 - th) * ec;
  double f = m + log(den);
  *out = f;
  if (isinf(m) && m < 0) return ix[0] < 0 && ix[1] < 0 && ix[2] < 0 ? -1 : urn_tape_push3(&ev->tape, f, ix[0], 0, ix[1], 0, ix[2], 0);
  return urn_tape_push3(&ev->tape, f, ix[0], (ea - ec) / den, ix[1], th * ea / den, ix[2], (1 - th) * ec / den);
}
static int32_t s_fma(urn_ev *ev, const urn_builtin *b, const double *x, const int32_t *ix, double *out) {
  *out = fma(x[0], x[1], x[2]);
  return urn_tape_push3(&ev->tape, *out, ix[0], x[1], ix[1], x[0], ix[2], 1);
}
static int32_t s_const(urn_ev *ev, const urn_builtin *b, const double *x, const int32_t *ix, double *out) {
  *out = *(const double *)b->aux;
  return -1;
}
static const double c_pi = 3.14159265358979323846, c_e = 2.71828182845904523536, c_sqrt2 = 1.41421356237309504880,
                    c_log2 = 0.69314718055994530942, c_log10 = 2.30258509299404568402, c_nan = NAN,
                    c_inf = INFINITY, c_ninf = -INFINITY, c_eps = 2.220446049250313e-16;

#define U(name, doc) {#name, "S:T", urn_fn_unary, urn_fn_unary_s, &k_##name, 0, 0, doc}
#define UI(name, doc) {#name, "K:T", urn_fn_unary, urn_fn_unary_s, &k_##name, 0, 0, doc}
#define B(name, kern, doc) {#name, "S:TT", urn_fn_binary, urn_fn_binary_s, (const void *)(uintptr_t)kern, 0, 0, doc}
#define BS(name, sig, kern, doc) {#name, sig, urn_fn_binary, urn_fn_binary_s, (const void *)(uintptr_t)kern, 0, 0, doc}
#define LMIX(t, l) {"log_mix", "r:" t l, f_log_mix_vec, NULL, NULL, 0, 0, "log of a mixture: log sum_k theta_k exp(lambda_k)"}
#define C(name, val, doc) {#name, "r:", urn_fn_via_scalar, s_const, &val, 0, 0, doc}

const urn_builtin urn_fn_math_table[] = {
    U(log, "natural logarithm"), U(exp, "exponential"), U(sqrt, "square root"), U(cbrt, "cube root"),
    U(square, "x^2"), U(inv, "1/x"), U(inv_sqrt, "1/sqrt(x)"), U(inv_square, "1/x^2"),
    U(log1p, "log(1+x)"), U(expm1, "exp(x)-1"), U(log1m, "log(1-x)"), U(log1p_exp, "log(1+exp(x))"),
    U(log1m_exp, "log(1-exp(x)), x < 0"), U(logit, "log(p/(1-p))"), U(inv_logit, "1/(1+exp(-x))"),
    U(log_inv_logit, "log(inv_logit(x))"), U(log1m_inv_logit, "log(1-inv_logit(x))"),
    U(inv_cloglog, "1-exp(-exp(x))"), U(Phi, "standard normal CDF"), U(Phi_approx, "logistic approximation of Phi"),
    U(inv_Phi, "standard normal quantile"), U(erf, "error function"), U(erfc, "complementary error function"),
    U(lgamma, "log gamma function"), U(digamma, "digamma function"), U(trigamma, "trigamma function"),
    U(tgamma, "gamma function"), U(sin, "sine"), U(cos, "cosine"), U(tan, "tangent"), U(asin, "arc sine"),
    U(acos, "arc cosine"), U(atan, "arc tangent"), U(sinh, "hyperbolic sine"), U(cosh, "hyperbolic cosine"),
    U(tanh, "hyperbolic tangent"), U(asinh, "inverse hyperbolic sine"), U(acosh, "inverse hyperbolic cosine"),
    U(atanh, "inverse hyperbolic tangent"), UI(abs, "absolute value"),
    U(floor, "round down"), U(ceil, "round up"), U(round, "round to nearest"), U(trunc, "round toward zero"),
    U(log2, "base-2 logarithm"), U(log10, "base-10 logarithm"), U(exp2, "2^x"),
    {"step", "r:r", urn_fn_via_scalar, urn_fn_unary_s, &k_step, 0, 0, "0 if x < 0 else 1"},
    {"int_step", "i:r", urn_fn_via_scalar, urn_fn_unary_s, &k_int_step, 0, URN_BI_INTRET, "1 if x > 0 else 0"},
    {"is_inf", "i:r", urn_fn_via_scalar, urn_fn_unary_s, &k_is_inf, 0, URN_BI_INTRET, "1 if x is infinite"},
    {"is_nan", "i:r", urn_fn_via_scalar, urn_fn_unary_s, &k_is_nan, 0, URN_BI_INTRET, "1 if x is NaN"},
    {"logical_negation", "i:i", urn_fn_via_scalar, urn_fn_unary_s, &k_logical_negation, 0, URN_BI_INTRET, "!x"},
    {"pow", "S:TT", urn_fn_binary, urn_fn_binary_s, (const void *)(uintptr_t)b_pow, 0, URN_BI_DYOPT, "x^y"},
    BS(fmin, "S:TT", b_fmin, "minimum"), B(fmax, b_fmax, "maximum"), B(fdim, b_fdim, "positive difference"),
    B(fmod, b_fmod, "floating remainder"), B(hypot, b_hypot, "sqrt(x^2+y^2)"), B(atan2, b_atan2, "arc tangent of y/x"),
    B(lbeta, b_lbeta, "log beta function"), B(lchoose, b_lchoose, "log binomial coefficient"),
    B(log_diff_exp, b_log_diff_exp, "log(exp(a)-exp(b))"),
    B(lmultiply, b_lmultiply, "x log y"),
    B(log_inv_logit_diff, b_log_inv_logit_diff, "log(inv_logit(x)-inv_logit(y))"),
    BS(binary_log_loss, "S:MT", b_binary_log_loss, "log loss"),
    {"choose", "K:MM", urn_fn_elem, NULL, &ek_choose, 0, 0, "binomial coefficient"},
    BS(lmgamma, "S:MT", b_lmgamma, "log multivariate gamma"),
    {"gamma_p", "S:TT", urn_fn_elem, urn_fn_elem_s, &ek_gamma_p, 0, 0, "regularized lower incomplete gamma"},
    {"gamma_q", "S:TT", urn_fn_elem, urn_fn_elem_s, &ek_gamma_q, 0, 0, "regularized upper incomplete gamma"},
    BS(log_sum_exp, "S:TT", b_log_sum_exp, "log(exp(a)+exp(b)) elementwise"),
    {"int_divide", "i:ii", urn_fn_binary, s_int_divide, (const void *)(uintptr_t)b_int_divide, 0, 0, "integer division"},
    {"log_mix", "r:rrr", urn_fn_via_scalar, s_log_mix, NULL, 0, 0, "log(theta exp(a) + (1-theta) exp(b))"},
    {"fma", "r:rrr", urn_fn_via_scalar, s_fma, NULL, 0, 0, "x*y+z"},
    {"fma", "S:ccc", urn_fn_elem, urn_fn_elem_s, &ek_fma, 0, 0, "x*y+z elementwise"},
    LMIX("v", "v"), LMIX("v", "w"), LMIX("v", "1r"), LMIX("v", "1v"), LMIX("v", "1w"),
    LMIX("w", "v"), LMIX("w", "w"), LMIX("w", "1r"), LMIX("w", "1v"), LMIX("w", "1w"),
    LMIX("1r", "v"), LMIX("1r", "w"), LMIX("1r", "1r"), LMIX("1r", "1v"), LMIX("1r", "1w"),
    C(pi, c_pi, "pi"), C(e, c_e, "e"), C(sqrt2, c_sqrt2, "sqrt(2)"), C(log2, c_log2, "log(2)"), C(log10, c_log10, "log(10)"),
    C(not_a_number, c_nan, "NaN"), C(positive_infinity, c_inf, "+inf"), C(negative_infinity, c_ninf, "-inf"),
    C(machine_precision, c_eps, "machine epsilon"),
    {NULL, NULL, NULL, NULL, NULL, 0, 0, NULL}};
