/* cli/cmd_hmm.c — `urn hmm` (not implemented yet: a placeholder that says so). */
#include <stdio.h>

#include "cli/cli.h"

int cmd_hmm(int argc, char **argv) {
  if (argc > 1 && cli_is_help(argv[1])) {
    printf("usage: urn hmm <fit|run|states|loglik|sample|align|plot> ...\n");
    return 0;
  }
  fprintf(stderr, "urn hmm: not implemented yet\n");
  return 2;
}
