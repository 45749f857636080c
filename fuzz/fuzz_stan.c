/* fuzz/fuzz_stan.c — libFuzzer target for the Stan front end: lexer, parser,
 * old-syntax rewrites, formatter, checker, and model construction without
 * data (which stops at data validation for programs that declare data).
 * Property checked (abort on failure): a program that parses formats, both
 * plain and --canonical, into text that parses again. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lang/ast.h"
#include "lang/format.h"
#include "lang/parser.h"
#include "urn/model.h"

/* p formatted with flags must parse again. */
static void reformat(const urn_program *p, int flags) {
  urn_buf b;
  urn_buf_init(&b);
  urn_format_program(p, flags, &b);
  urn_error err;
  urn_program *q = urn_parse("formatted.stan", b.data ? b.data : "", b.len, &err);
  /* the formatter wrote something that does not parse (braces added around 250 nested bodies may
     legitimately pass the nesting limit) */
  if (!q && !strstr(err.msg, "nested too deeply")) abort();
  urn_program_free(q);
  urn_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  urn_error err;
  urn_program *p = urn_parse("fuzz.stan", (const char *)data, size, &err);
  if (p) {
    reformat(p, 0);
    reformat(p, URN_FMT_CANONICAL);
    urn_program_free(p); /* the model constructor below parses again and runs the checker */
    urn_model *m = urn_model_new("fuzz.stan", (const char *)data, size, NULL, NULL, 0, 1, &err);
    urn_model_free(m);
  }
  return 0;
}
