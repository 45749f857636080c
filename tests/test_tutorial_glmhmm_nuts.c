/* tests/test_tutorial_glmhmm_nuts.c — tutorial step 8 (the GLM-HMM by NUTS
 * with hmm_marginal) on a short run (2 chains x 100 + 100); checked by
 * tests/tutorial_check.h.  It costs about 20 s of CPU (the short warmup
 * leaves deep trees; ~45 us per gradient), the slowest program of `make test`,
 * and runs by default since the evaluator became fast enough. */
#include "tutorial_check.h"

int main(void) {
  check_tutorial(1u << 7);
  return test_done();
}
