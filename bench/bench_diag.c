/* bench/bench_diag.c — how long the full summary takes: 4 chains x 1000 draws x
 * 1000 parameters (AR(1) draws, phi varying by parameter), both the numbers
 * alone (urn_diag_summarize per parameter) and the whole table printed by
 * urn_summary_print.  Best of 3 runs, wall-clock. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "math/rng.h"
#include "urn/diag.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(void) {
  enum { M = 4, N = 1000, P = 1000 };
  urn_rng rng;
  urn_rng_seed(&rng, 2026, 0);
  double **chains = malloc(M * sizeof *chains);
  char **names = malloc(P * sizeof *names);
  for (size_t p = 0; p < P; p++) {
    names[p] = malloc(24);
    snprintf(names[p], 24, "theta.%zu", p + 1);
  }
  for (size_t c = 0; c < M; c++) {
    chains[c] = malloc((size_t)N * P * sizeof(double));
    for (size_t p = 0; p < P; p++) {
      double phi = -0.5 + 1.4 * (double)p / P, v = 0;
      for (size_t i = 0; i < N; i++) {
        double u1 = urn_rng_uniform(&rng), u2 = urn_rng_uniform(&rng);
        double z = sqrt(-2 * log(1 - u1)) * cos(6.283185307179586 * u2);
        v = phi * v + z;
        chains[c][i * P + p] = v;
      }
    }
  }
  urn_draws d = {M, N, P, (const char *const *)names, (const double *const *)chains, NULL, NULL};
  double *x = malloc((size_t)M * N * sizeof *x);
  double best_numbers = 1e9, best_print = 1e9;
  urn_diag_summary s;
  for (int rep = 0; rep < 3; rep++) {
    urn_diag_ws *ws = urn_diag_ws_new();
    double t0 = now(), sink = 0;
    for (size_t p = 0; p < P; p++) {
      for (size_t c = 0; c < M; c++)
        for (size_t i = 0; i < N; i++) x[c * N + i] = chains[c][i * P + p];
      urn_diag_summarize(x, M, N, 0.94, NULL, 0, NULL, ws, &s, NULL);
      sink += s.ess_bulk;
    }
    double t1 = now();
    urn_diag_ws_free(ws);
    if (t1 - t0 < best_numbers) best_numbers = t1 - t0;
    if (sink < 0) printf("?");
    FILE *devnull = fopen("/dev/null", "w");
    urn_summary_options opt;
    urn_summary_options_init(&opt);
    t0 = now();
    urn_summary_print(devnull, &d, &opt, NULL);
    t1 = now();
    fclose(devnull);
    if (t1 - t0 < best_print) best_print = t1 - t0;
  }
  printf("   summary of %d chains x %d draws x %d parameters (best of 3):\n", M, N, P);
  printf("   %-44s %8.3f s  (%.0f us per parameter)\n", "numbers (urn_diag_summarize)", best_numbers,
         1e6 * best_numbers / P);
  printf("   %-44s %8.3f s\n", "whole table (urn_summary_print)", best_print);
  for (size_t c = 0; c < M; c++) free(chains[c]);
  for (size_t p = 0; p < P; p++) free(names[p]);
  free(chains), free(names), free(x);
  return 0;
}
