/* fuzz/fuzz_cmdstan_args.c — libFuzzer target for CmdStan's command-line
 * grammar as the model executables parse it (run/run_args.c): the input is
 * split at spaces and newlines into argv; parsing, the help text and the
 * configuration tree printed from the result must never crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "run/run_args.h"

static void sink(void *ctx, const char *line) { (void)ctx, (void)line; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  memcpy(text, data, size);
  text[size] = 0;
  char *argv[256];
  int argc = 0;
  argv[argc++] = "model";
  for (char *tok = strtok(text, " \n"); tok && argc < 255; tok = strtok(NULL, " \n")) argv[argc++] = tok;
  argv[argc] = NULL;
  rn_args a;
  if (rn_args_parse(&a, argc, argv) == RN_ARGS_RUN) rn_args_print(&a.cfg, sink, NULL);
  rn_args_free(&a);
  free(text);
  return 0;
}
