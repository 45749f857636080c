/* cli/cmd_check.c — `urn check` (not implemented yet: a placeholder that says so). */
#include <stdio.h>

#include "cli/cli.h"

int cmd_check(int argc, char **argv) {
  if (argc > 1 && cli_is_help(argv[1])) {
    printf("usage: urn check model.stan [--data data.json]\n");
    return 0;
  }
  fprintf(stderr, "urn check: not implemented yet\n");
  return 2;
}
