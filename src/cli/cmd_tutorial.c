/* cli/cmd_tutorial.c — `urn tutorial [--out DIR]`: runs the tutorial path end
 * to end (tutorial/tutorial.h) and writes everything into DIR. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "tutorial/tutorial.h"

static void usage(FILE *out) {
  fprintf(out,
          "usage: urn tutorial [--out DIR] [--steps LIST] [--quick] [--seed N] [--threads N]\n\n"
          "Runs the tutorial's eight steps on data generated at fixed seeds (balls; a normal, a mixture, a linear\n"
          "regression and a mixture of regressions by NUTS; a Gaussian HMM and a GLM-HMM by EM; the GLM-HMM by\n"
          "NUTS with hmm_marginal), prints true vs recovered values per step and the total wall time, and writes\n"
          "plots (SVG), Stan programs, data, Stan CSVs, parameter JSONs, report.html and results.json into DIR.\n\n"
          "options:\n"
          "  --out DIR      output directory (default tutorial-output; created if missing)\n"
          "  --steps LIST   run only these steps, e.g. 1,4,7 or 2-5 (default all)\n"
          "  --quick        shorter NUTS runs (4 chains x 300 warmup + 300 draws) for tests\n"
          "  --seed N       data and sampler seed (default 20241126)\n"
          "  --threads N    threads for chains and EM (default 2)\n"
          "Exit status: 0 when every step ran and every value is within its tolerance, 1 otherwise.\n");
}

/* "1,4,7" or "2-5" or mixtures -> bit mask; 0 on a syntax error. */
static unsigned parse_steps(const char *s) {
  unsigned mask = 0;
  while (*s) {
    char *end;
    long a = strtol(s, &end, 10), b = a;
    if (end == s || a < 1 || a > URN_TUTORIAL_STEPS) return 0;
    s = end;
    if (*s == '-') {
      b = strtol(s + 1, &end, 10);
      if (end == s + 1 || b < a || b > URN_TUTORIAL_STEPS) return 0;
      s = end;
    }
    for (long k = a; k <= b; k++) mask |= 1u << (k - 1);
    if (*s == ',') s++;
    else if (*s) return 0;
  }
  return mask;
}

int cmd_tutorial(int argc, char **argv) {
  if (argc > 1 && cli_is_help(argv[1])) {
    usage(stdout);
    return 0;
  }
  cli_args a;
  cli_init(&a, "tutorial", argc, argv);
  urn_tutorial_opts o = {.out_dir = "tutorial-output", .seed = 20241126, .threads = 2, .out = stdout};
  const char *steps = NULL;
  long seed = 0, threads = 0;
  while (!cli_done(&a)) {
    if (cli_is_help(cli_peek(&a))) {
      usage(stdout);
      return 0;
    } else if (cli_value(&a, "--out", &o.out_dir) || cli_value(&a, "-o", &o.out_dir)) {
    } else if (cli_value(&a, "--steps", &steps)) {
      if (!(o.steps = parse_steps(steps))) cli_die(&a, 2, "option --steps: '%s' is not a list of steps 1-8", steps);
    } else if (cli_flag(&a, "--quick")) {
      o.quick = 1;
    } else if (cli_int(&a, "--seed", 0, 2147483647L, &seed)) {
      o.seed = (uint64_t)seed;
    } else if (cli_int(&a, "--threads", 1, 64, &threads)) {
      o.threads = (int)threads;
    } else {
      cli_unknown(&a);
    }
  }
  if (!*o.out_dir) cli_die(&a, 2, "option --out: empty directory name");
  urn_tutorial_result res;
  urn_error err;
  urn_error_clear(&err);
  int rc = urn_tutorial_run(&o, &res, &err);
  size_t off = urn_tutorial_failures(&res);
  urn_tutorial_result_free(&res);
  if (rc) {
    fprintf(stderr, "urn tutorial: %s\n", err.msg);
    return 1;
  }
  if (off) {
    fprintf(stderr, "urn tutorial: %zu recovered values outside their tolerance (see %s/results.json)\n", off,
            o.out_dir);
    return 1;
  }
  return 0;
}
