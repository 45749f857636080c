/* math/quadv.h — quadrature of vector-valued integrands on finite and infinite intervals (math/quadv.c):
 * double-exponential rules (tanh-sinh, exp-sinh, sinh-sinh) and adaptive Gauss-Legendre.  Stan's integrate_1d
 * family integrates a value and its derivatives with respect to the parameters in one pass.  No allocation:
 * the caller passes work space of urn_quadv_work(m) doubles (so the integrand may longjmp out). */
#ifndef URN_MATH_QUADV_H
#define URN_MATH_QUADV_H

#include <stddef.h>

/* The integrand: out[0..m) at x; xc is the distance to the nearer endpoint of a finite interval (a - x < 0 near
 * a, b - x > 0 near b), NaN on an infinite one.  Returns 0, or a nonzero status that stops the quadrature. */
typedef int (*urn_quadv_fn)(double x, double xc, double *out, void *ctx);

/* Outcomes besides 0 (converged) and the integrand's own statuses. */
enum { URN_QUADV_NOCONV = -100, URN_QUADV_NONFINITE = -101 };

/* Double-exponential quadrature of f over [a, b] (either may be infinite; an infinite interval containing 0 is
 * split there): stops when successive levels agree to max(rtol L1, atol) in every component (L1 the estimate of
 * the integral of |f|), after at most max_levels halvings of the step. */
int urn_quadv_de(urn_quadv_fn f, void *ctx, size_t m, double a, double b, double rtol, double atol, int max_levels,
                 double *res, double *work);
/* Adaptive 15-point Gauss-Legendre quadrature with bisection (infinite ranges mapped onto [0, 1)), at most
 * max_depth bisections of a piece and 1024 pieces. */
int urn_quadv_gl(urn_quadv_fn f, void *ctx, size_t m, double a, double b, double rtol, double atol, int max_depth,
                 double *res, double *work);
/* Doubles of work space both rules need for m components. */
size_t urn_quadv_work(size_t m);

#endif
