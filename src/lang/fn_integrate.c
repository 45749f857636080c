/* lang/fn_integrate.c — one-dimensional integrals of a user function:
 *   integrate_1d(f, a, b, theta, x_r, x_i [, rel_tol])          f(x, xc, theta, x_r, x_i)
 *   integrate_1d_double_exponential(f, a, b, ...)               f(x, xc, ...)   (Stan 2.37)
 *   integrate_1d_double_exponential_tol(f, a, b, rel_tol, abs_tol, max_depth, ...)
 *   integrate_1d_gauss_kronrod(f, a, b, ...) and _tol(f, a, b, rel_tol, abs_tol, max_depth, ...)
 * The first three use double-exponential quadrature (tanh-sinh / exp-sinh / sinh-sinh: math/quadv.h), the
 * last two adaptive Gauss-Legendre bisection in place of Stan's Gauss-Kronrod rule (same tolerances; xc NaN).
 * Defaults as Stan: rel_tol sqrt(machine epsilon), abs_tol 0, max_depth 15 (integrate_1d: 12 levels).
 *
 * Gradient: d/dp int f dx = int df/dp dx for every parameter-dependent scalar p of the extra arguments (the
 * integrand's partials come from the tape, lang/fn_usys.c, at every abscissa: the value and all partials are
 * integrated together, to the same tolerance), d/da = -f(a), d/db = f(b).  The result is one tape node.  A
 * quadrature that does not reach its tolerance rejects the evaluation, with Stan's message. */
#include <math.h>
#include <setjmp.h>
#include <string.h>

#include "lang/fn.h"
#include "math/quadv.h"

typedef struct integ {
  urn_usys u;        /* the integrand f(x, xc, ...): x is argument 0, the "state" */
  const char *name;  /* built-in name for messages */
  double xc;         /* the current xc (argument 1 points at it) */
  int jac;           /* 2 when partials in the parameters are wanted */
} integ;

/* The integrand and, with jac, its partials: out[0] = f, out[1 + k] = df/dp_k. */
static int integrand(double x, double xc, double *out, void *ctx) {
  integ *I = ctx;
  I->xc = xc;
  double fx;
  size_t rn = urn_usys_call(&I->u, &x, &fx, I->jac);
  if (rn != 1) urn_ev_reject(I->u.ev, "%s: the integrand %s must return one real", I->name, I->u.f->name);
  out[0] = fx;
  for (size_t k = 0; I->jac && k < I->u.Kp; k++) out[1 + k] = I->u.Jp[k];
  return 0;
}

enum { INT_OLD = 1, INT_TOL = 2, INT_GK = 4 };

static void f_integrate(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  int old = (b->aux2 & INT_OLD) != 0, tol = (b->aux2 & INT_TOL) != 0, gk = (b->aux2 & INT_GK) != 0;
  const ir_fun *f = urn_fn_funref(&args[0]);
  const urn_val *A = &args[1], *B = &args[2];
  double a = A->v[0], bb = B->v[0];
  double rtol = 1.4901161193847656e-08, atol = 0, depth = gk ? 15 : 12;
  int first = 3;
  if (old && n == 7) rtol = args[6].v[0];
  if (tol) rtol = args[3].v[0], atol = args[4].v[0], depth = args[5].v[0], first = 6;
  int nextra = old ? 3 : n - first;
  if (isnan(a) || isnan(bb)) urn_ev_reject(ev, "%s: the limits of integration must not be NaN (a = %g, b = %g)", b->name, a, bb);
  if (!(a <= bb)) urn_ev_reject(ev, "%s: lower limit is %g, but must be less than or equal to the upper limit %g", b->name, a, bb);
  if (!(rtol > 0)) urn_ev_reject(ev, "%s: relative_tolerance is %g, but must be positive", b->name, rtol);
  if (!(atol >= 0)) urn_ev_reject(ev, "%s: absolute_tolerance is %g, but must be nonnegative", b->name, atol);
  if (!(depth >= 0)) urn_ev_reject(ev, "%s: max_depth is %g, but must be nonnegative", b->name, depth);
  integ *I = urn_arena_alloc(&ev->arena, sizeof *I);
  memset(I, 0, sizeof *I);
  I->u.ev = ev, I->u.f = f, I->u.N = 1, I->name = b->name;
  I->u.nfargs = 2 + nextra;
  I->u.fargs = urn_arena_alloc(&ev->arena, (size_t)I->u.nfargs * sizeof *I->u.fargs);
  memset(I->u.fargs, 0, (size_t)I->u.nfargs * sizeof *I->u.fargs);
  I->u.fargs[0].ty = (urn_type){URN_TY_REAL, 0}, I->u.fargs[0].n = 1;
  urn_val_scalar(&I->u.fargs[1], (urn_type){URN_TY_REAL, 0}, &I->xc);
  for (int k = 0; k < nextra; k++) I->u.fargs[2 + k] = args[first + k];
  size_t np = 0;
  for (int k = 2; k < I->u.nfargs; k++)
    if (I->u.fargs[k].ix)
      for (size_t i = 0; i < I->u.fargs[k].n; i++) np += I->u.fargs[k].ix[i] >= 0;
  I->u.p_arg = urn_arena_alloc(&ev->arena, (np ? np : 1) * sizeof *I->u.p_arg);
  I->u.p_pos = urn_arena_alloc(&ev->arena, (np ? np : 1) * sizeof *I->u.p_pos);
  for (int k = 2; k < I->u.nfargs; k++)
    if (I->u.fargs[k].ix)
      for (size_t i = 0; i < I->u.fargs[k].n; i++)
        if (I->u.fargs[k].ix[i] >= 0) I->u.p_arg[I->u.Kp] = k, I->u.p_pos[I->u.Kp++] = i;
  I->u.J = urn_ev_doubles(ev, 1);
  I->u.Jp = urn_ev_doubles(ev, np ? np : 1);
  I->jac = np ? 2 : 0;
  size_t m = 1 + np;
  double *res = urn_ev_doubles(ev, m), *work = urn_ev_doubles(ev, urn_quadv_work(m));
  int32_t ia = urn_val_ix(A, 0), ib = urn_val_ix(B, 0);
  double fa = 0, fb = 0;

  urn_usys_begin(&I->u);
  if (setjmp(ev->jb)) {
    urn_usys_end(&I->u);
    longjmp(ev->jb, 1);
  }
  int st = gk ? urn_quadv_gl(integrand, I, m, a, bb, rtol, atol, (int)fmin(depth, 60), res, work)
              : urn_quadv_de(integrand, I, m, a, bb, rtol, atol, (int)fmin(fmax(depth, 3), 30), res, work);
  /* the limits' partials: -f(a) and f(b) (the integrand at the endpoint, xc = 0) */
  int jac = I->jac;
  I->jac = 0;
  if (ia >= 0 && isfinite(a)) integrand(a, 0, &fa, I);
  if (ib >= 0 && isfinite(bb)) integrand(bb, 0, &fb, I);
  I->jac = jac;
  urn_usys_end(&I->u);
  if (st == URN_QUADV_NONFINITE)
    urn_ev_reject(ev, "%s: the integrand (or its gradient) is not finite somewhere in [%g, %g]", b->name, a, bb);
  if (st)
    urn_ev_reject(ev, "%s: error estimate of integral %g exceeds the given relative tolerance %g times the norm of the "
                  "integral", b->name, res[0], rtol);
  int32_t ix = -1;
  if (np || ia >= 0 || ib >= 0) {
    int32_t *o;
    double *p;
    urn_tape_begin(&ev->tape, np + 2, &o, &p);
    size_t q = 0;
    for (size_t k = 0; k < np; k++) o[q] = I->u.fargs[I->u.p_arg[k]].ix[I->u.p_pos[k]], p[q++] = res[1 + k];
    if (ia >= 0 && isfinite(a)) o[q] = ia, p[q++] = -fa;
    if (ib >= 0 && isfinite(bb)) o[q] = ib, p[q++] = fb;
    ix = urn_tape_end(&ev->tape, res[0], q);
  }
  urn_val_set_scalar(ev, out, URN_TY_REAL, res[0], ix);
}

#define F(name, sig, aux2, doc) {name, sig, f_integrate, NULL, NULL, aux2, 0, doc}
const urn_builtin urn_fn_integrate_table[] = {
    F("integrate_1d", "r:F r r 1r 1r 1i", INT_OLD, "int_a^b f(x, xc, theta, x_r, x_i) dx by double-exponential quadrature"),
    F("integrate_1d", "r:F r r 1r 1r 1i r", INT_OLD, "integrate_1d with a relative tolerance"),
    F("integrate_1d_double_exponential", "r:F r r", 0, "int_a^b f(x, xc, ...) dx by double-exponential quadrature"),
    F("integrate_1d_double_exponential", "r:F r r A*", 0, "int_a^b f(x, xc, ...) dx by double-exponential quadrature"),
    F("integrate_1d_double_exponential_tol", "r:F r r r r i", INT_TOL, "with rel_tol, abs_tol, max_depth"),
    F("integrate_1d_double_exponential_tol", "r:F r r r r i A*", INT_TOL, "with rel_tol, abs_tol, max_depth"),
    F("integrate_1d_gauss_kronrod", "r:F r r", INT_GK, "int_a^b f(x, xc, ...) dx by adaptive Gauss quadrature"),
    F("integrate_1d_gauss_kronrod", "r:F r r A*", INT_GK, "int_a^b f(x, xc, ...) dx by adaptive Gauss quadrature"),
    F("integrate_1d_gauss_kronrod_tol", "r:F r r r r i", INT_GK | INT_TOL, "with rel_tol, abs_tol, max_depth"),
    F("integrate_1d_gauss_kronrod_tol", "r:F r r r r i A*", INT_GK | INT_TOL, "with rel_tol, abs_tol, max_depth"),
    {NULL, NULL, NULL, NULL, NULL, 0, 0, NULL}};
