/* cli/cmd_sample.c — `urn sample` (not implemented yet: a placeholder that says so). */
#include <stdio.h>

#include "cli/cli.h"

int cmd_sample(int argc, char **argv) {
  if (argc > 1 && cli_is_help(argv[1])) {
    printf("usage: urn sample model.stan --data d.json [options]\n");
    return 0;
  }
  fprintf(stderr, "urn sample: not implemented yet\n");
  return 2;
}
