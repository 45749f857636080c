/* tests/test_tutorial_mixture.c — tutorial step 3 (mixture, NUTS) on a short run
 * (2 chains x 100 + 100) when the Stan model API works; checked by
 * tests/tutorial_check.h. */
#include "tutorial_check.h"

int main(void) {
  urn_error err;
  if (model_works("parameters { real x; } model { x ~ normal(0, 1); }", &err))
    check_tutorial(1u << (3 - 1));
  else
    printf("skipped: step 3 (the Stan model API is not available yet: %s)\n", err.msg);
  return test_done();
}
