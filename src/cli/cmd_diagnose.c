/* cli/cmd_diagnose.c — `urn diagnose FILES...`: CmdStan 2.36's bin/diagnose
 * report, for cmdstanpy's fit.diagnose() through a CmdStan folder made by
 * `urn cmdstan-home`: tree depth saturation, divergences, E-BFMI (over the
 * files' energy__ values in sequence, as CmdStan computes it), bulk/tail ESS
 * below 0.001 per draw and R-hat above 1.01499, each with CmdStan's wording
 * (rank-normalized diagnostics as the posterior package computes them). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "io/stancsv_read.h"
#include "urn/diag.h"
#include "util/util.h"

#define RHAT_MAX 1.01499

/* Column j of every chain, chain-major. */
static double *column(const urn_draws *d, size_t j) {
  size_t n = d->n_chains * d->n_draws;
  double *x = urn_xmalloc((n ? n : 1) * sizeof *x);
  for (size_t c = 0; c < d->n_chains; c++)
    for (size_t i = 0; i < d->n_draws; i++) x[c * d->n_draws + i] = d->draws[c][i * d->n_cols + j];
  return x;
}

static void check_treedepth(const urn_draws *d, size_t j, int max_depth, long total, int *errors) {
  printf("Checking sampler transitions treedepth.\n");
  double *x = column(d, j);
  long hits = 0;
  for (long i = 0; i < total; i++) hits += x[i] >= max_depth;
  free(x);
  if (hits) {
    *errors = 1;
    printf("%ld of %ld (%.2f%%) transitions hit the maximum treedepth limit of %d, or 2^%d leapfrog steps.\n"
           "Trajectories that are prematurely terminated due to this limit will result in slow exploration.\n"
           "For optimal performance, increase this limit.\n\n",
           hits, total, 100.0 * hits / total, max_depth, max_depth);
  } else {
    printf("Treedepth satisfactory for all transitions.\n\n");
  }
}

static void check_divergences(const urn_draws *d, size_t j, long total, int *errors) {
  printf("Checking sampler transitions for divergences.\n");
  double *x = column(d, j);
  long div = 0;
  for (long i = 0; i < total; i++) div += x[i] != 0;
  free(x);
  if (div) {
    *errors = 1;
    printf("%ld of %ld (%.2f%%) transitions ended with a divergence.\n"
           "These divergent transitions indicate that HMC is not fully able to explore the posterior distribution.\n"
           "Try increasing adapt delta closer to 1.\n"
           "If this doesn't remove all divergences, try to reparameterize the model.\n\n",
           div, total, 100.0 * div / total);
  } else {
    printf("No divergent transitions found.\n\n");
  }
}

static void check_ebfmi(const urn_draws *d, size_t j, long total, int *errors) {
  printf("Checking E-BFMI - sampler transitions HMC potential energy.\n");
  double *e = column(d, j), mean = 0, var = 0, dsq = 0;
  for (long i = 0; i < total; i++) mean += e[i] / total;
  for (long i = 0; i < total; i++) var += (e[i] - mean) * (e[i] - mean) / (total - 1);
  for (long i = 1; i < total; i++) dsq += ((e[i] - e[i - 1]) * (e[i] - e[i - 1]) - dsq) / i;
  free(e);
  double bfmi = dsq / var;
  if (bfmi < 0.3) {
    *errors = 1;
    printf("The E-BFMI, %.2f, is below the nominal threshold of 0.30 which suggests that HMC may have trouble "
           "exploring the target distribution.\nIf possible, try to reparameterize the model.\n\n",
           bfmi);
  } else {
    printf("E-BFMI satisfactory.\n\n");
  }
}

/* Names (bracket form) joined by ", " in b. */
static void list_names(urn_buf *b, const char *name) {
  char *br = urn_bracket_name(name);
  urn_buf_printf(b, "%s%s", b->len ? ", " : "", br);
  free(br);
}

static void report_params(const urn_draws *d, long total, int *errors) {
  urn_buf bad_ess, bad_rhat;
  urn_buf_init(&bad_ess), urn_buf_init(&bad_rhat);
  for (size_t j = 0; j < d->n_cols; j++) {
    if (strstr(d->names[j], "__")) continue;
    double *x = column(d, j);
    double bulk = urn_diag_ess_bulk(x, d->n_chains, d->n_draws, NULL);
    double tail = urn_diag_ess_tail(x, d->n_chains, d->n_draws, NULL);
    double rhat = urn_diag_rhat(x, d->n_chains, d->n_draws);
    free(x);
    if ((bulk < tail ? bulk : tail) / total < 0.001) list_names(&bad_ess, d->names[j]);
    if (rhat > RHAT_MAX) list_names(&bad_rhat, d->names[j]);
  }
  if (bad_ess.len) {
    *errors = 1;
    printf("The following parameters had fewer than 0.001 effective draws per transition:\n  %s\n"
           "Such low values indicate that the effective sample size estimators may be biased high and actual "
           "performance may be substantially lower than quoted.\n\n",
           bad_ess.data);
  } else {
    printf("Rank-normalized split effective sample size satisfactory for all parameters.\n\n");
  }
  if (bad_rhat.len) {
    *errors = 1;
    printf("The following parameters had rank-normalized split R-hat greater than %.2f:\n  %s\n"
           "Such high values indicate incomplete mixing and biased estimation.\n"
           "You should consider regularizating your model with additional prior information or a more effective "
           "parameterization.\n\n",
           RHAT_MAX, bad_rhat.data);
  } else {
    printf("Rank-normalized split R-hat values satisfactory for all parameters.\n\n");
  }
  urn_buf_free(&bad_ess), urn_buf_free(&bad_rhat);
}

int cmd_diagnose(int argc, char **argv) {
  if (argc < 2 || cli_is_help(argv[1])) {
    printf("USAGE:  diagnose <filename 1> [<filename 2> ... <filename N>]\n\n");
    return 0;
  }
  urn_stancsv *csv = urn_xcalloc((size_t)argc, sizeof *csv);
  size_t n = 0;
  int status = 0;
  for (int i = 1; i < argc && status == 0; i++) {
    urn_error err;
    if (access(argv[i], R_OK) != 0) {
      printf("File %s not found\n", argv[i]);
      continue;
    }
    if (urn_stancsv_read(argv[i], &csv[n], &err) != URN_OK) {
      printf("Cannot parse input csv file: %s: %s.\n", argv[i], err.msg);
      status = 1;
    } else {
      n++;
    }
  }
  urn_draws d;
  memset(&d, 0, sizeof d);
  urn_error err;
  if (status == 0 && n == 0) printf("No valid input files, exiting.\n"), status = 1;
  if (status == 0 && urn_stancsv_as_draws(csv, n, &d, &err) != URN_OK) printf("%s\n", err.msg), status = 1;
  if (status == 0) {
    long total = (long)(d.n_chains * d.n_draws);
    int errors = 0, max_depth = csv[0].max_depth > 0 ? csv[0].max_depth : 10;
    for (size_t j = 0; j < d.n_cols && total > 1; j++) {
      if (!strcmp(d.names[j], "treedepth__")) check_treedepth(&d, j, max_depth, total, &errors);
      else if (!strcmp(d.names[j], "divergent__")) check_divergences(&d, j, total, &errors);
      else if (!strcmp(d.names[j], "energy__")) check_ebfmi(&d, j, total, &errors);
    }
    if (total > 1) report_params(&d, total, &errors);
    printf(errors ? "Processing complete.\n" : "Processing complete, no problems detected.\n");
    urn_draws_free_views(&d);
  }
  for (size_t i = 0; i < n; i++) urn_stancsv_free(&csv[i]);
  free(csv);
  return status;
}
