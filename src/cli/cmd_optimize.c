/* cli/cmd_optimize.c — `urn optimize` (not implemented yet: a placeholder that says so). */
#include <stdio.h>

#include "cli/cli.h"

int cmd_optimize(int argc, char **argv) {
  if (argc > 1 && cli_is_help(argv[1])) {
    printf("usage: urn optimize model.stan --data d.json [options]\n");
    return 0;
  }
  fprintf(stderr, "urn optimize: not implemented yet\n");
  return 2;
}
