/* fuzz/fuzz_stancsv.c — libFuzzer target for the Stan CSV reader and the
 * summary computed from what it reads. */
#include <stddef.h>
#include <stdint.h>

#include "urn/diag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  urn_error err;
  urn_stancsv f;
  if (urn_stancsv_parse("fuzz.csv", (const char *)data, size, &f, &err) == URN_OK) {
    urn_draws d;
    if (urn_stancsv_as_draws(&f, 1, &d, &err) == URN_OK) urn_draws_free_views(&d);
    urn_stancsv_free(&f);
  }
  return 0;
}
