/* cli/cmd_tutorial.c — `urn tutorial` (not implemented yet: a placeholder that says so). */
#include <stdio.h>

#include "cli/cli.h"

int cmd_tutorial(int argc, char **argv) {
  if (argc > 1 && cli_is_help(argv[1])) {
    printf("usage: urn tutorial [--out DIR]\n");
    return 0;
  }
  fprintf(stderr, "urn tutorial: not implemented yet\n");
  return 2;
}
