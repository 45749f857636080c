/* cli/cmd_summary.c — `urn summary` (not implemented yet: a placeholder that says so). */
#include <stdio.h>

#include "cli/cli.h"

int cmd_summary(int argc, char **argv) {
  if (argc > 1 && cli_is_help(argv[1])) {
    printf("usage: urn summary FILES...\n");
    return 0;
  }
  fprintf(stderr, "urn summary: not implemented yet\n");
  return 2;
}
