/* infer/lbfgs.h — L-BFGS maximization of a target's log density with a
 * strong-Wolfe line search and CmdStan's convergence tests (absolute and
 * relative change of the objective, gradient norm, relative gradient,
 * parameter change); implements urn_optimize_lbfgs of urn/sample.h. */
#ifndef URN_INFER_LBFGS_H
#define URN_INFER_LBFGS_H

#include "urn/sample.h"

#endif
