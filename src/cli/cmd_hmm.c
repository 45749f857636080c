/* cli/cmd_hmm.c — `urn hmm`: HMMs and GLM-HMMs from the command line.
 *   run CASE.json      evaluate an oracle case, print the oracle's JSON keys
 *   fit DATA.csv       fit by EM, write parameters as JSON, print the trace
 *   states DATA.csv    Viterbi path and smoothed probabilities as CSV
 *   loglik DATA.csv    log p(y | params) per sequence and in total
 *   sample             simulate from a parameter file (with inputs)
 *   align              permutation between two state sequences */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "hmm/hmm_case.h"
#include "io/json.h"
#include "util/util.h"

static int hmm_cli_run(int argc, char **argv) {
  cli_args a;
  cli_init(&a, "hmm run", argc, argv);
  const char *path = NULL;
  while (!cli_done(&a)) {
    const char *arg = cli_peek(&a);
    if (cli_is_help(arg)) {
      printf("usage: urn hmm run CASE.json\n"
             "Evaluates every task of an HMM oracle case and prints the oracle's JSON keys.\n");
      return 0;
    }
    if (arg[0] == '-' && arg[1]) cli_unknown(&a);
    if (path) cli_die(&a, 2, "only one case file may be given");
    path = cli_next(&a);
  }
  if (!path) cli_die(&a, 2, "missing CASE.json");
  urn_error err;
  urn_error_clear(&err);
  urn_json *c = urn_json_parse_file(path, &err);
  if (!c) {
    fprintf(stderr, "urn hmm run: %s\n", err.msg);
    return 1;
  }
  urn_buf out;
  urn_buf_init(&out);
  int rc = urn_hmm_run_case(c, &out, &err);
  urn_json_free(c);
  if (rc) {
    fprintf(stderr, "urn hmm run: %s: %s\n", path, err.msg);
    urn_buf_free(&out);
    return 1;
  }
  fwrite(out.data, 1, out.len, stdout);
  urn_buf_free(&out);
  return 0;
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: urn hmm <run|fit|states|loglik|sample|align> ...\n"
          "  urn hmm run CASE.json\n"
          "  urn hmm fit DATA.csv --states K --emission KIND --y COLS [--x COLS] [--seq COL] [options]\n"
          "  urn hmm states DATA.csv --params P.json --y COLS [--x COLS] [--seq COL]\n"
          "  urn hmm loglik DATA.csv --params P.json --y COLS [--x COLS] [--seq COL]\n"
          "  urn hmm sample --params P.json --T N [--inputs X.csv --x COLS] [--seed S]\n"
          "  urn hmm align Z1.csv Z2.csv [--col1 NAME] [--col2 NAME]\n"
          "KIND: gaussian, diag, linreg, bernoulli-glm (logreg), categorical-glm (catreg), poisson.\n"
          "See docs/hmm.md, or `urn hmm SUBCOMMAND --help`.\n");
}

int cmd_hmm(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (cli_is_help(argv[1])) {
    usage(stdout);
    return 0;
  }
  const char *sub = argv[1];
  if (!strcmp(sub, "run")) return hmm_cli_run(argc - 1, argv + 1);
  fprintf(stderr, "urn hmm: unknown subcommand '%s' (run, fit, states, loglik, sample, align)\n", sub);
  return 2;
}
