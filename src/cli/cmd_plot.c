/* cli/cmd_plot.c — `urn plot` (not implemented yet: a placeholder that says so). */
#include <stdio.h>

#include "cli/cli.h"

int cmd_plot(int argc, char **argv) {
  if (argc > 1 && cli_is_help(argv[1])) {
    printf("usage: urn plot <posterior|trace|rank> FILES... -o out.svg\n");
    return 0;
  }
  fprintf(stderr, "urn plot: not implemented yet\n");
  return 2;
}
