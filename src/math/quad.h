/* math/quad.h — adaptive numerical integration of smooth real functions on a
 * finite interval (globally adaptive Gauss–Kronrod 7/15: the subinterval with
 * the largest error estimate is bisected until the total estimate meets the
 * tolerance).  Used where a probability has no closed form accurate in its
 * tails (skew_normal's and exp_mod_normal's lower tails, Owen's T, the von
 * Mises CDF, the 7-parameter Wiener density).  Thread-safe, allocation free. */
#ifndef URN_MATH_QUAD_H
#define URN_MATH_QUAD_H

/* The integrand: f(x, ctx). */
typedef double (*urn_quad_fn)(double x, void *ctx);

/* Integral of f over [a, b] (a > b gives the negative) to a relative
 * tolerance rtol of the result or an absolute tolerance atol, whichever is
 * larger, with at most 256 subintervals.  *err_est (may be NULL) gets the
 * final error estimate.  Infinite or NaN values of f propagate. */
double urn_quad(urn_quad_fn f, void *ctx, double a, double b, double rtol, double atol, double *err_est);

#endif
