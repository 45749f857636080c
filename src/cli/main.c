/* cli/main.c — the `urn` program: global options and dispatch to subcommands.
 * A copy of urn made by `urn compile` carries a Stan program at its end and
 * runs as that model's CmdStan executable instead (cli/compile_exe.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/compile_exe.h"
#include "urn.h"

typedef struct command {
  const char *name;                  /* as typed on the command line */
  int (*run)(int argc, char **argv); /* entry point, argv[0] = name */
  const char *summary;               /* one line for `urn --help` */
} command;

static const command commands[] = {
    {"sample", cmd_sample, "draw from a Stan model's posterior with NUTS (Stan CSV output)"},
    {"optimize", cmd_optimize, "find the posterior mode (MAP) or penalized MLE with L-BFGS"},
    {"pathfinder", cmd_pathfinder, "Pathfinder variational inference: normal approximations along L-BFGS paths"},
    {"variational", cmd_variational, "ADVI (mean-field or full-rank normal approximation), as CmdStan's variational"},
    {"generate", cmd_generate, "run generated quantities over the draws of a fitted CSV"},
    {"check", cmd_check, "parse and check a Stan program (and validate its data)"},
    {"format", cmd_format, "print a Stan program with a consistent layout (--canonical: in current syntax)"},
    {"logdensity", cmd_logdensity, "log density and gradient at a parameter point, as JSON"},
    {"summary", cmd_summary, "summarize Stan CSV files: mean, sd, quantiles, R-hat, ESS, MCSE"},
    {"hmm", cmd_hmm, "hidden Markov models and GLM-HMMs fitted by EM (urn hmm --help)"},
    {"plot", cmd_plot, "SVG plots of draws: posterior, trace, rank"},
    {"compile", cmd_compile, "make a CmdStan-compatible model executable (or --bridgestan library), no compiler"},
    {"cmdstan-home", cmd_cmdstan_home, "write a CmdStan folder for cmdstanpy that runs on urn (no C++ toolchain)"},
    {"stansummary", cmd_stansummary, "CmdStan's stansummary (used by cmdstanpy's fit.summary())"},
    {"diagnose", cmd_diagnose, "CmdStan's diagnose (used by cmdstanpy's fit.diagnose())"},
    {"stanc", cmd_stanc, "stanc3's --info / --version for cmdstanpy (urn generates no C++)"},
    {"cache", cmd_cache, "the native tier's cache of compiled models: where, how big; --clear empties it"},
    {"tutorial", cmd_tutorial, "run the whole tutorial path end to end and write a report"},
};

static void usage(FILE *out) {
  fprintf(out,
          "urn %s — Bayesian modeling toolkit: Stan models without a compile step, NUTS,\n"
          "HMMs and GLM-HMMs by EM, diagnostics and plots.\n\n"
          "usage: urn <command> [options]\n\ncommands:\n",
          urn_version());
  for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
    fprintf(out, "  %-13s %s\n", commands[i].name, commands[i].summary);
  fprintf(out,
          "\noptions:\n  --help, -h  this help\n  --version   print the version\n\n"
          "'urn <command> --help' describes a command's options.\n");
}

int main(int argc, char **argv) {
  char *program, *path;
  size_t len;
  if (exe_trailer_load(&program, &len, &path)) {
    int code = cmdstan_exe_main(argc, argv, program, len, path);
    free(program), free(path);
    return code;
  }
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  const char *name = argv[1];
  if (cli_is_help(name) || !strcmp(name, "help")) {
    usage(stdout);
    return 0;
  }
  if (!strcmp(name, "--version") || !strcmp(name, "version")) {
    printf("urn %s\n", urn_version());
    return 0;
  }
  for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
    if (!strcmp(name, commands[i].name)) {
      int mpi = !strcmp(name, "sample") || !strcmp(name, "hmm"); /* the commands that run across MPI ranks */
      if (mpi) cli_mpi_init(&argc, &argv);
      int rc = commands[i].run(argc - 1, argv + 1);
      if (mpi) cli_mpi_finalize();
      /* what went to stdout (summary tables, JSON, CSV) must have been written: a full device or a closed pipe
         is a failure, never an exit 0 with empty output */
      if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "urn %s: writing the output failed: %s\n", name, strerror(errno));
        return rc ? rc : 1;
      }
      return rc;
    }
  if (name[0] == '-')
    fprintf(stderr, "urn: unknown option '%s' (see 'urn --help')\n", name);
  else
    fprintf(stderr, "urn: unknown command '%s' (see 'urn --help')\n", name);
  return 2;
}
