/* tests/test_tutorial_glmhmm_nuts.c — tutorial step 8 (the GLM-HMM by NUTS
 * with hmm_marginal) on a short run (2 chains x 100 + 100); checked by
 * tests/tutorial_check.h.  It costs about 30 s of CPU at the interpreter's
 * current speed (~350 us per gradient), over the 5 s budget of `make test`,
 * so it runs only with URN_TEST_SLOW=1 (`URN_TEST_SLOW=1 make test`). */
#include "tutorial_check.h"

int main(void) {
  urn_error err;
  const char *slow = getenv("URN_TEST_SLOW");
  if (!slow || strcmp(slow, "1"))
    printf("skipped: step 8 takes ~30 s of CPU; run with URN_TEST_SLOW=1\n");
  else if (model_works("parameters { simplex[2] r; } model { matrix[2, 2] G = rep_matrix(0.5, 2, 2); "
                       "target += hmm_marginal(rep_matrix(0, 2, 3), G, r); }", &err))
    check_tutorial(1u << 7);
  else
    printf("skipped: step 8 (hmm_marginal is not available yet: %s)\n", err.msg);
  return test_done();
}
