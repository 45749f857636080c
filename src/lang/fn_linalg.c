/* lang/fn_linalg.c — linear algebra built-ins (products, solves, Cholesky,
 * determinants, quadratic forms) and the HMM built-ins (hmm_marginal with
 * analytic gradients from forward-backward). */
#include <math.h>
#include <string.h>

#include "lang/fn.h"

const urn_builtin urn_fn_linalg_table[] = {
    {NULL, NULL, NULL, NULL, NULL, 0, 0, NULL}};
