/* infer/newton.h — Newton's method for maximizing a target's log density,
 * as CmdStan's optimize algorithm=newton: the Hessian by finite differences
 * of the gradient, made negative definite through its eigendecomposition
 * (each eigenvalue replaced by minus its absolute value), and a step halved
 * until the log density does not decrease; iterations stop when the log
 * density improves by less than 1e-8. */
#ifndef URN_INFER_NEWTON_H
#define URN_INFER_NEWTON_H

#include "urn/sample.h"

/* Maximizes target from theta (updated in place); *lp gets the log density
 * there, *iterations the iterations run, *reason why it stopped.  iteration
 * (may be NULL) is called after every iteration.  Returns URN_OK, URN_EINPUT
 * when the start is not finite, or a fatal model status. */
int urn_optimize_newton(const urn_target *target, int max_iterations, double *theta, double *lp, int *iterations,
                        const char **reason, void (*iteration)(void *ctx, int it, const double *theta, double lp),
                        void *ctx, urn_error *err);
/* The Hessian of the log density at theta by a 4-point finite-difference
 * stencil of the gradient (step 1e-3, as Stan's finite_diff_hessian),
 * symmetrized; H is dim x dim.  Returns URN_OK or the target's status. */
int urn_fd_hessian(const urn_target *target, const double *theta, double *H, urn_error *err);

#endif
