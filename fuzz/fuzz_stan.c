/* fuzz/fuzz_stan.c — libFuzzer target for the Stan front end: lexer, parser,
 * checker, and model construction without data (which stops at data
 * validation for programs that declare data). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "lang/ast.h"
#include "lang/parser.h"
#include "urn/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  urn_error err;
  urn_program *p = urn_parse("fuzz.stan", (const char *)data, size, &err);
  if (p) {
    urn_program_free(p); /* the model constructor below parses again and runs the checker */
    urn_model *m = urn_model_new("fuzz.stan", (const char *)data, size, NULL, NULL, 0, 1, &err);
    urn_model_free(m);
  }
  return 0;
}
