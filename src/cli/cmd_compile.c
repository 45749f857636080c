/* cli/cmd_compile.c — `urn compile MODEL.stan [-o PATH]`: a CmdStan-compatible
 * model executable (cli/compile_exe.c: a copy of urn with the program
 * appended; it speaks CmdStan's command line, cli/cmdstan_exe.c), or with
 * --bridgestan a BridgeStan-compatible model library (cli/compile_bs.c).  No
 * C or C++ compiler runs. */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/compile_bs.h"
#include "cli/compile_exe.h"

int cmd_compile(int argc, char **argv) {
  cli_args a;
  cli_init(&a, "compile", argc, argv);
  const char *stan = NULL, *out = NULL, *incp = NULL;
  int bridgestan = 0;
  while (!cli_done(&a)) {
    const char *arg = cli_peek(&a);
    if (cli_is_help(arg)) {
      printf("usage: urn compile MODEL.stan [-o PATH] [--bridgestan] [--include-paths DIR[,DIR]]\n\n"
             "Checks the program and writes, in milliseconds and without a C or C++ compiler:\n"
             "  (default)      a CmdStan-compatible model executable (default PATH: MODEL beside MODEL.stan) that\n"
             "                 speaks CmdStan 2.36's command line: `PATH sample data file=d.json`, `PATH info`,\n"
             "                 `PATH help-all`; cmdstanpy.CmdStanModel(exe_file=PATH) drives it unchanged.  It\n"
             "                 carries the program: editing or moving MODEL.stan later does not change it\n"
             "  --bridgestan   a BridgeStan-compatible model library (default PATH: MODEL_model.so beside\n"
             "                 MODEL.stan) for bridgestan.StanModel(PATH, data)\n"
             "  -o, --output PATH   where to write it\n"
             "  --include-paths DIR[,DIR]   folders searched by #include after the program's own (as stanc)\n");
      return 0;
    }
    if (cli_value(&a, "-o", &out) || cli_value(&a, "--output", &out)) continue;
    if (cli_value(&a, "--include-paths", &incp)) continue;
    if (cli_flag(&a, "--bridgestan")) {
      bridgestan = 1;
      continue;
    }
    if (arg[0] == '-' && arg[1]) cli_unknown(&a);
    if (stan) cli_die(&a, 2, "only one Stan program may be given ('%s' and '%s')", stan, arg);
    stan = cli_next(&a);
  }
  if (!stan) cli_die(&a, 2, "missing the Stan program (usage: urn compile MODEL.stan [-o PATH] [--bridgestan])");
  urn_error err;
  urn_error_clear(&err);
  int rc = bridgestan ? compile_bridgestan(stan, out, incp, &err) : compile_cmdstan_exe(stan, out, incp, &err);
  if (rc) {
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }
  return 0;
}
