/* cli/cmd_check.c — `urn check model.stan [--data d.json]`: parses and checks
 * the program and, with data, reads and validates the data; prints the
 * parameter layout (each parameter's name, declared type with its
 * constraint, sizes, and the number of unconstrained values).  Exit 0 when
 * the program (and data) are valid, 1 when not, 2 for usage errors. */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "model/layout.h"
#include "urn/model.h"

static void usage(void) {
  printf("usage: urn check model.stan [--data data.json] [--include-paths DIR[,DIR]] [--timeout SECONDS]\n"
         "  parses and checks the program (and validates the data against its declarations)\n"
         "  and prints the parameter layout; exit 0 when valid, 1 when not\n");
}

int cmd_check(int argc, char **argv) {
  cli_args a;
  cli_init(&a, "check", argc, argv);
  const char *model = NULL, *data = NULL, *incp = NULL;
  double timeout = 0;
  while (!cli_done(&a)) {
    const char *arg = cli_peek(&a);
    if (cli_is_help(arg)) { usage(); return 0; }
    if (cli_value(&a, "--data", &data)) continue;
    if (cli_value(&a, "--include-paths", &incp)) continue;
    if (cli_timeout(&a, &timeout)) continue;
    if (arg[0] == '-' && arg[1]) cli_unknown(&a);
    if (model) cli_die(&a, 2, "more than one model file given ('%s' and '%s')", model, arg);
    model = cli_next(&a);
  }
  if (!model) cli_die(&a, 2, "missing the model file (usage: urn check model.stan [--data data.json])");
  urn_error err;
  urn_error_clear(&err);
  /* transformed data may loop forever: SIGINT, SIGTERM and --timeout stop it */
  int rc = urn__model_layout_print_inc(model, data, incp, cli_stop_install(timeout), stdout, stderr, &err);
  if (rc != URN_OK) {
    fprintf(stderr, "%s\n", err.msg);
    return cli_stop_code() ? cli_stop_code() : 1;
  }
  return 0;
}
