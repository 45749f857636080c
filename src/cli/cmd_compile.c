/* cli/cmd_compile.c — `urn compile MODEL.stan --bridgestan [-o PATH]`: a model
 * library for BridgeStan's clients (cli/compile_bs.c).  (CmdStan-compatible
 * executables, `urn compile` without --bridgestan, are being added by the run
 * layer's work, issue #15 part 1.) */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/compile_bs.h"

int cmd_compile(int argc, char **argv) {
  cli_args a;
  cli_init(&a, "compile", argc, argv);
  const char *stan = NULL, *out = NULL;
  int bridgestan = 0;
  while (!cli_done(&a)) {
    const char *arg = cli_peek(&a);
    if (cli_is_help(arg)) {
      printf("usage: urn compile MODEL.stan --bridgestan [-o PATH]\n"
             "  --bridgestan   write a BridgeStan-compatible model library (default PATH: MODEL_model.so\n"
             "                 beside MODEL.stan) for bridgestan.StanModel(PATH, data); no C compiler runs\n"
             "  -o, --output PATH   where to write it\n");
      return 0;
    }
    if (cli_value(&a, "-o", &out) || cli_value(&a, "--output", &out)) continue;
    if (cli_flag(&a, "--bridgestan")) {
      bridgestan = 1;
      continue;
    }
    if (arg[0] == '-' && arg[1]) cli_unknown(&a);
    if (stan) cli_die(&a, 2, "only one Stan program may be given ('%s' and '%s')", stan, arg);
    stan = cli_next(&a);
  }
  if (!stan) cli_die(&a, 2, "missing the Stan program (usage: urn compile MODEL.stan --bridgestan [-o PATH])");
  if (!bridgestan) cli_die(&a, 2, "only --bridgestan model libraries can be made yet");
  urn_error err;
  urn_error_clear(&err);
  if (compile_bridgestan(stan, out, &err)) {
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }
  return 0;
}
