/* cli/cmd_generate.c — `urn generate` (not implemented yet: a placeholder that says so). */
#include <stdio.h>

#include "cli/cli.h"

int cmd_generate(int argc, char **argv) {
  if (argc > 1 && cli_is_help(argv[1])) {
    printf("usage: urn generate model.stan --data d.json --fitted FILE.csv\n");
    return 0;
  }
  fprintf(stderr, "urn generate: not implemented yet\n");
  return 2;
}
