/* cli/cmd_logdensity.c — `urn logdensity` (not implemented yet: a placeholder that says so). */
#include <stdio.h>

#include "cli/cli.h"

int cmd_logdensity(int argc, char **argv) {
  if (argc > 1 && cli_is_help(argv[1])) {
    printf("usage: urn logdensity model.stan --data d.json --params p.json [--propto] [--no-jacobian]\n");
    return 0;
  }
  fprintf(stderr, "urn logdensity: not implemented yet\n");
  return 2;
}
