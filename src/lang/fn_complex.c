/* lang/fn_complex.c — Stan's complex scalar functions and the elementwise
 * complex arithmetic: to_complex, get_real, get_imag, abs, arg, norm, conj,
 * proj, polar, exp, log, log10, sqrt, the trigonometric and hyperbolic
 * functions and their inverses, pow, and the operators (+, -, *, / with a
 * scalar, .*, ./, unary -, ==, !=) on complex scalars and containers, with
 * scalar broadcasting and promotion of real-valued arguments.
 *
 * A complex value is two doubles (re, im) with a tape node each.  A function
 * holomorphic in z = x + iy with derivative f'(z) = a + ib has the partials
 * du/dx = a, du/dy = -b, dv/dx = b, dv/dy = a (u + iv = f(z)), so every
 * output part is one tape node with at most two partials per complex input.
 * abs, arg, norm, conj, proj and get_real/get_imag are not holomorphic and
 * are written out.  Values use C's <complex.h> (glibc's cexp, clog, csqrt,
 * cpow, csin, ... with their branch cuts, which are the C++ standard
 * library's that Stan uses). */
#include <complex.h>
#include <math.h>
#include <string.h>

#include "lang/fn.h"
#include "lang/fn_complex.h"

typedef double complex cd;

/* ---- access to complex (or promoted real) arguments ---- */

size_t urn_cx_count(const urn_val *a) { return a->n / (size_t)urn_base_width(a->ty.base); }

cd urn_cx_get(const urn_val *a, size_t i, int32_t *ir, int32_t *ii) {
  if (urn_base_is_complex(a->ty.base)) {
    if (ir) *ir = urn_val_ix(a, 2 * i), *ii = urn_val_ix(a, 2 * i + 1);
    return CMPLX(a->v[2 * i], a->v[2 * i + 1]);
  }
  if (ir) *ir = urn_val_ix(a, i), *ii = -1;
  return CMPLX(a->v[i], 0.0);
}

void urn_cx_alloc(urn_ev *ev, urn_val *out, const urn_val *like, int with_ix) {
  urn_type t = like->ty;
  t.base = (unsigned char)urn_base_to_complex(t.base);
  urn_val_alloc(ev, out, t, like->dim, with_ix);
}

void urn_cx_put(urn_ev *ev, urn_val *out, size_t i, cd w, const int32_t *op, const cd *d, int nop) {
  out->v[2 * i] = creal(w), out->v[2 * i + 1] = cimag(w);
  if (!out->ix) return;
  /* u: (x_k, Re d_k), (y_k, -Im d_k); v: (x_k, Im d_k), (y_k, Re d_k) */
  for (int part = 0; part < 2; part++) {
    int32_t *o;
    double *p;
    urn_tape_begin(&ev->tape, (size_t)(2 * nop), &o, &p);
    size_t m = 0;
    for (int k = 0; k < nop; k++) {
      double a = creal(d[k]), b = cimag(d[k]);
      if (op[2 * k] >= 0) o[m] = op[2 * k], p[m++] = part ? b : a;
      if (op[2 * k + 1] >= 0) o[m] = op[2 * k + 1], p[m++] = part ? a : -b;
    }
    out->ix[2 * i + part] = urn_tape_end(&ev->tape, part ? cimag(w) : creal(w), m);
  }
}

void urn_cx_put2(urn_ev *ev, urn_val *out, size_t i, cd w, const int32_t *op, const cd *dxy, int nop) {
  out->v[2 * i] = creal(w), out->v[2 * i + 1] = cimag(w);
  if (!out->ix) return;
  for (int part = 0; part < 2; part++) {
    int32_t *o;
    double *p;
    urn_tape_begin(&ev->tape, (size_t)(2 * nop), &o, &p);
    size_t m = 0;
    for (int k = 0; k < 2 * nop; k++)
      if (op[k] >= 0) o[m] = op[k], p[m++] = part ? cimag(dxy[k]) : creal(dxy[k]);
    out->ix[2 * i + part] = urn_tape_end(&ev->tape, part ? cimag(w) : creal(w), m);
  }
}

cd *urn_cx_load(urn_ev *ev, const urn_val *a) {
  size_t n = urn_cx_count(a);
  cd *z = (cd *)urn_ev_doubles(ev, 2 * n);
  for (size_t i = 0; i < n; i++) z[i] = urn_cx_get(a, i, NULL, NULL);
  return z;
}

void urn_cx_add_adj(urn_tape *t, const urn_val *a, const int32_t *ix, size_t i, cd g) {
  if (!ix) return;
  if (urn_base_is_complex(a->ty.base)) {
    if (ix[2 * i] >= 0) t->adj[ix[2 * i]] += creal(g);
    if (ix[2 * i + 1] >= 0) t->adj[ix[2 * i + 1]] += cimag(g);
  } else if (ix[i] >= 0) {
    t->adj[ix[i]] += creal(g);
  }
}

cd urn_cx_out_adj(const urn_tape *t, const int32_t *ix, size_t i) {
  double r = ix[2 * i] >= 0 ? t->adj[ix[2 * i]] : 0, m = ix[2 * i + 1] >= 0 ? t->adj[ix[2 * i + 1]] : 0;
  return CMPLX(r, m);
}

static int is_var(const urn_val *a) { return a->ix != NULL; }

/* ---- holomorphic unary functions of a complex scalar ---- */

typedef struct cx_unary {
  cd (*f)(cd z);          /* the value */
  cd (*df)(cd z, cd fz);  /* its derivative, given the value */
} cx_unary;

static cd d_exp(cd z, cd f) { return f; }
static cd d_log(cd z, cd f) { return 1 / z; }
static cd f_log10(cd z) { return clog(z) / M_LN10; }
static cd d_log10(cd z, cd f) { return 1 / (z * M_LN10); }
static cd d_sqrt(cd z, cd f) { return 0.5 / f; }
static cd d_sin(cd z, cd f) { return ccos(z); }
static cd d_cos(cd z, cd f) { return -csin(z); }
static cd d_tan(cd z, cd f) { return 1 + f * f; }
static cd d_asin(cd z, cd f) { return 1 / csqrt(1 - z * z); }
static cd d_acos(cd z, cd f) { return -1 / csqrt(1 - z * z); }
static cd d_atan(cd z, cd f) { return 1 / (1 + z * z); }
static cd d_sinh(cd z, cd f) { return ccosh(z); }
static cd d_cosh(cd z, cd f) { return csinh(z); }
static cd d_tanh(cd z, cd f) { return 1 - f * f; }
static cd d_asinh(cd z, cd f) { return 1 / csqrt(z * z + 1); }
static cd d_acosh(cd z, cd f) { return 1 / (csqrt(z - 1) * csqrt(z + 1)); }
static cd d_atanh(cd z, cd f) { return 1 / (1 - z * z); }
static cd f_exp(cd z) { return cexp(z); }
static cd f_log(cd z) { return clog(z); }
static cd f_sqrt(cd z) { return csqrt(z); }
static cd f_sin(cd z) { return csin(z); }
static cd f_cos(cd z) { return ccos(z); }
static cd f_tan(cd z) { return ctan(z); }
static cd f_asin(cd z) { return casin(z); }
static cd f_acos(cd z) { return cacos(z); }
static cd f_atan(cd z) { return catan(z); }
static cd f_sinh(cd z) { return csinh(z); }
static cd f_cosh(cd z) { return ccosh(z); }
static cd f_tanh(cd z) { return ctanh(z); }
static cd f_asinh(cd z) { return casinh(z); }
static cd f_acosh(cd z) { return cacosh(z); }
static cd f_atanh(cd z) { return catanh(z); }

static const cx_unary k_exp = {f_exp, d_exp}, k_log = {f_log, d_log}, k_log10 = {f_log10, d_log10},
                      k_sqrt = {f_sqrt, d_sqrt}, k_sin = {f_sin, d_sin}, k_cos = {f_cos, d_cos}, k_tan = {f_tan, d_tan},
                      k_asin = {f_asin, d_asin}, k_acos = {f_acos, d_acos}, k_atan = {f_atan, d_atan},
                      k_sinh = {f_sinh, d_sinh}, k_cosh = {f_cosh, d_cosh}, k_tanh = {f_tanh, d_tanh},
                      k_asinh = {f_asinh, d_asinh}, k_acosh = {f_acosh, d_acosh}, k_atanh = {f_atanh, d_atanh};

/* Elementwise over any complex container (or a promoted real one). */
static void f_unary(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const cx_unary *k = b->aux;
  const urn_val *a = &args[0];
  urn_cx_alloc(ev, out, a, is_var(a));
  for (size_t i = 0; i < urn_cx_count(a); i++) {
    int32_t op[2];
    cd z = urn_cx_get(a, i, &op[0], &op[1]), w = k->f(z), d = out->ix ? k->df(z, w) : 0;
    urn_cx_put(ev, out, i, w, op, &d, 1);
  }
}

/* ---- the non-holomorphic ones ---- */

/* get_real, get_imag, abs, arg, norm: a real result per element; aux2 selects. */
enum { CX_REAL, CX_IMAG, CX_ABS, CX_ARG, CX_NORM };
static void f_to_real(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *a = &args[0];
  urn_type t = a->ty;
  t.base = (unsigned char)urn_base_to_real(t.base);
  if (t.base == URN_TY_INT) t.base = URN_TY_REAL;
  urn_val_alloc(ev, out, t, a->dim, is_var(a));
  for (size_t i = 0; i < urn_cx_count(a); i++) {
    int32_t xr, xi;
    cd z = urn_cx_get(a, i, &xr, &xi);
    double x = creal(z), y = cimag(z), v, dx, dy, r = cabs(z);
    switch (b->aux2) {
      case CX_REAL: v = x, dx = 1, dy = 0; break;
      case CX_IMAG: v = y, dx = 0, dy = 1; break;
      case CX_ABS: v = r, dx = r > 0 ? x / r : 0, dy = r > 0 ? y / r : 0; break;
      case CX_ARG: v = carg(z), dx = r > 0 ? -y / (r * r) : 0, dy = r > 0 ? x / (r * r) : 0; break;
      default: v = x * x + y * y, dx = 2 * x, dy = 2 * y; break;
    }
    out->v[i] = v;
    if (out->ix) out->ix[i] = urn_tape_push2(&ev->tape, v, xr, dx, xi, dy);
  }
}

/* conj and proj, elementwise. */
static void f_conj_proj(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *a = &args[0];
  urn_cx_alloc(ev, out, a, is_var(a));
  for (size_t i = 0; i < urn_cx_count(a); i++) {
    int32_t xr, xi;
    cd z = urn_cx_get(a, i, &xr, &xi), w = b->aux2 ? cproj(z) : conj(z);
    int inf = b->aux2 && (isinf(creal(z)) || isinf(cimag(z)));
    out->v[2 * i] = creal(w), out->v[2 * i + 1] = cimag(w);
    if (!out->ix) continue;
    out->ix[2 * i] = inf ? -1 : xr;
    out->ix[2 * i + 1] = inf ? -1 : b->aux2 ? xi : urn_tape_push1(&ev->tape, cimag(w), xi, -1);
  }
}

/* to_complex(), to_complex(re), to_complex(re, im), elementwise with broadcasting (binary_shape). */
static void binary_shape(urn_ev *ev, const urn_builtin *b, const urn_val *x, const urn_val *y, size_t *nx, size_t *ny,
                         const urn_val **shape) {
  *nx = urn_cx_count(x), *ny = urn_cx_count(y);
  int cx = x->ty.dims || urn_base_ndim(x->ty.base), cy = y->ty.dims || urn_base_ndim(y->ty.base);
  *shape = cx ? x : y;
  if (cx && cy && *nx != *ny) urn_ev_reject(ev, "%s: the arguments have %zu and %zu elements, but must have the same size", b->name, *nx, *ny);
  if (cx && cy)
    for (int d = 0; d < urn_val_ndim(x->ty); d++)
      if (x->dim[d] != y->dim[d]) urn_ev_reject(ev, "%s: the arguments' dimension %d has sizes %d and %d, but they must match", b->name, d + 1, x->dim[d], y->dim[d]);
}

static void f_to_complex(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  if (n == 0) {
    urn_val_alloc(ev, out, (urn_type){URN_TY_COMPLEX, 0}, NULL, 0);
    out->v[0] = out->v[1] = 0;
    return;
  }
  double zero = 0;
  urn_val z0;
  urn_val_scalar(&z0, (urn_type){URN_TY_REAL, 0}, &zero);
  const urn_val *x = &args[0], *y = n > 1 ? &args[1] : &z0, *shape;
  size_t nx, ny;
  binary_shape(ev, b, x, y, &nx, &ny, &shape);
  urn_cx_alloc(ev, out, shape, is_var(x) || is_var(y));
  size_t m = urn_cx_count(shape);
  for (size_t i = 0; i < m; i++) {
    size_t ix = nx == 1 ? 0 : i, iy = ny == 1 ? 0 : i;
    out->v[2 * i] = x->v[ix], out->v[2 * i + 1] = y->v[iy];
    if (out->ix) out->ix[2 * i] = urn_val_ix(x, ix), out->ix[2 * i + 1] = urn_val_ix(y, iy);
  }
}

/* polar(r, theta) = r e^{i theta}. */
static void f_polar(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  double r = args[0].v[0], t = args[1].v[0];
  int32_t ir = urn_val_ix(&args[0], 0), it = urn_val_ix(&args[1], 0);
  urn_val_alloc(ev, out, (urn_type){URN_TY_COMPLEX, 0}, NULL, ir >= 0 || it >= 0);
  if (!(r >= 0) || !isfinite(t)) urn_ev_reject(ev, "polar: the magnitude is %g and the angle %g, but must be non-negative and finite", r, t);
  double c = cos(t), s = sin(t);
  out->v[0] = r * c, out->v[1] = r * s;
  if (out->ix) {
    out->ix[0] = urn_tape_push2(&ev->tape, r * c, ir, c, it, -r * s);
    out->ix[1] = urn_tape_push2(&ev->tape, r * s, ir, s, it, r * c);
  }
}

/* ---- binary holomorphic operations with broadcasting ---- */

typedef cd (*cx_binary)(cd x, cd y, cd *dx, cd *dy);
static cd k_add(cd x, cd y, cd *dx, cd *dy) { *dx = 1, *dy = 1; return x + y; }
static cd k_sub(cd x, cd y, cd *dx, cd *dy) { *dx = 1, *dy = -1; return x - y; }
static cd k_mul(cd x, cd y, cd *dx, cd *dy) { *dx = y, *dy = x; return x * y; }
static cd k_div(cd x, cd y, cd *dx, cd *dy) { cd f = x / y; *dx = 1 / y, *dy = -f / y; return f; }
static cd k_pow(cd x, cd y, cd *dx, cd *dy) {
  cd f = cpow(x, y);
  *dx = x != 0 ? y * f / x : (y == 1 ? 1 : 0);
  *dy = x != 0 ? f * clog(x) : 0;
  return f;
}

static void f_binary(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  cx_binary k = (cx_binary)(uintptr_t)b->aux;
  const urn_val *x = &args[0], *y = &args[1], *shape;
  size_t nx, ny;
  binary_shape(ev, b, x, y, &nx, &ny, &shape);
  urn_cx_alloc(ev, out, shape, is_var(x) || is_var(y));
  size_t m = urn_cx_count(shape);
  for (size_t i = 0; i < m; i++) {
    int32_t op[4];
    cd d[2];
    cd zx = urn_cx_get(x, nx == 1 ? 0 : i, &op[0], &op[1]), zy = urn_cx_get(y, ny == 1 ? 0 : i, &op[2], &op[3]);
    cd w = k(zx, zy, &d[0], &d[1]);
    urn_cx_put(ev, out, i, w, op, d, 2);
  }
}

/* -z elementwise (minus) and +z (plus: the value itself). */
static void f_minus(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *a = &args[0];
  if (b->aux2) { /* plus */
    if (urn_base_is_complex(a->ty.base)) { *out = *a; return; }
  }
  urn_cx_alloc(ev, out, a, is_var(a));
  for (size_t i = 0; i < urn_cx_count(a); i++) {
    int32_t op[2];
    cd d = b->aux2 ? 1 : -1, z = urn_cx_get(a, i, &op[0], &op[1]);
    urn_cx_put(ev, out, i, b->aux2 ? z : -z, op, &d, 1);
  }
}

/* z1 == z2, z1 != z2 (both parts compared). */
static void f_compare(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  cd x = urn_cx_get(&args[0], 0, NULL, NULL), y = urn_cx_get(&args[1], 0, NULL, NULL);
  int eq = creal(x) == creal(y) && cimag(x) == cimag(y);
  urn_val_set_scalar(ev, out, URN_TY_INT, b->aux2 ? !eq : eq, -1);
}

#define U1(name, k, doc) {name, "~r:~r", f_unary, NULL, &k, 0, 0, doc}
#define B2(name, sig, k, doc) {name, sig, f_binary, NULL, (const void *)(uintptr_t)k, 0, 0, doc}

const urn_builtin urn_fn_complex_table[] = {
    {"to_complex", "~r:", f_to_complex, NULL, NULL, 0, 0, "the complex number 0"},
    {"to_complex", "~r:r", f_to_complex, NULL, NULL, 0, 0, "the complex number with real part re"},
    {"to_complex", "~S:TT", f_to_complex, NULL, NULL, 0, 0, "re + i im, elementwise"},
    {"get_real", "^X:~T", f_to_real, NULL, NULL, CX_REAL, 0, "the real part, elementwise"},
    {"get_imag", "^X:~T", f_to_real, NULL, NULL, CX_IMAG, 0, "the imaginary part, elementwise"},
    {"abs", "^X:@~r", f_to_real, NULL, NULL, CX_ABS, 0, "the modulus |z|, elementwise"},
    {"abs", "^X:@~v", f_to_real, NULL, NULL, CX_ABS, 0, "the modulus |z|, elementwise"},
    {"abs", "^X:@~w", f_to_real, NULL, NULL, CX_ABS, 0, "the modulus |z|, elementwise"},
    {"abs", "^X:@~m", f_to_real, NULL, NULL, CX_ABS, 0, "the modulus |z|, elementwise"},
    {"arg", "r:~r", f_to_real, NULL, NULL, CX_ARG, 0, "the phase angle of z, in [-pi, pi]"},
    {"norm", "r:~r", f_to_real, NULL, NULL, CX_NORM, 0, "the squared modulus |z|^2"},
    {"conj", "~X:~T", f_conj_proj, NULL, NULL, 0, 0, "the complex conjugate, elementwise"},
    {"proj", "~r:~r", f_conj_proj, NULL, NULL, 1, 0, "the projection onto the Riemann sphere"},
    {"polar", "~r:rr", f_polar, NULL, NULL, 0, 0, "r e^(i theta)"},
    U1("exp", k_exp, "complex exponential"), U1("log", k_log, "complex natural logarithm (principal branch)"),
    U1("log10", k_log10, "complex base-10 logarithm"), U1("sqrt", k_sqrt, "complex square root (principal branch)"),
    U1("sin", k_sin, "complex sine"), U1("cos", k_cos, "complex cosine"), U1("tan", k_tan, "complex tangent"),
    U1("asin", k_asin, "complex arc sine"), U1("acos", k_acos, "complex arc cosine"), U1("atan", k_atan, "complex arc tangent"),
    U1("sinh", k_sinh, "complex hyperbolic sine"), U1("cosh", k_cosh, "complex hyperbolic cosine"),
    U1("tanh", k_tanh, "complex hyperbolic tangent"), U1("asinh", k_asinh, "complex inverse hyperbolic sine"),
    U1("acosh", k_acosh, "complex inverse hyperbolic cosine"), U1("atanh", k_atanh, "complex inverse hyperbolic tangent"),
    B2("pow", "~S:~T~T", k_pow, "z1 ^ z2 (principal branch), elementwise"),
    B2("add", "~S:~C~C", k_add, "z1 + z2"),
    B2("subtract", "~S:~C~C", k_sub, "z1 - z2"),
    B2("elt_multiply", "~S:~C~C", k_mul, "z1 .* z2"),
    B2("elt_divide", "~S:~C~C", k_div, "z1 ./ z2"),
    B2("multiply", "~r:~r~r", k_mul, "z1 * z2"),
    B2("multiply", "~S:~r@~v", k_mul, "complex scalar times a complex vector"),
    B2("multiply", "~S:~r@~w", k_mul, "complex scalar times a complex row vector"),
    B2("multiply", "~S:~r@~m", k_mul, "complex scalar times a complex matrix"),
    B2("multiply", "~S:@~v~r", k_mul, "complex vector times a complex scalar"),
    B2("multiply", "~S:@~w~r", k_mul, "complex row vector times a complex scalar"),
    B2("multiply", "~S:@~m~r", k_mul, "complex matrix times a complex scalar"),
    B2("divide", "~r:~r~r", k_div, "z1 / z2"),
    B2("divide", "~S:~C~r", k_div, "a complex container divided by a complex scalar"),
    B2("divide", "~S:~r~C", k_div, "a complex scalar divided by each element of a complex container"),
    {"minus", "~X:~T", f_minus, NULL, NULL, 0, 0, "-z, elementwise"},
    {"plus", "~X:~r", f_minus, NULL, NULL, 1, 0, "+z"},
    {"logical_eq", "i:~r~r", f_compare, NULL, NULL, 0, 0, "z1 == z2"},
    {"logical_neq", "i:~r~r", f_compare, NULL, NULL, 1, 0, "z1 != z2"},
    {NULL, NULL, NULL, NULL, NULL, 0, 0, NULL}};
