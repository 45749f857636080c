/* fuzz/fuzz_json.c — libFuzzer target for the JSON reader (data, inits, HMM cases). */
#include <stddef.h>
#include <stdint.h>

#include "io/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  urn_error err;
  urn_json *v = urn_json_parse((const char *)data, size, "fuzz.json", &err);
  if (v) {
    double d;
    if (v->type == URN_JSON_OBJECT && v->len) (void)urn_json_get(v, v->keys[0]);
    (void)urn_json_number(v, &d);
  }
  urn_json_free(v);
  return 0;
}
