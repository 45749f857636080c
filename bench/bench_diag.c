/* bench/bench_diag.c — how long the full summary takes: 4 chains x 1000 draws x
 * 1000 parameters (AR(1) draws, phi varying by parameter), both the numbers
 * alone (urn_diag_summarize per parameter) and the whole table printed by
 * urn_summary_print (which uses up to 4 threads).  Best of 3 runs; wall-clock
 * and CPU time (the machine may be shared, so CPU time is the steadier figure). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "math/rng.h"
#include "urn/diag.h"

static double clock_s(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
static double now(void) { return clock_s(CLOCK_MONOTONIC); }
static double cpu(void) { return clock_s(CLOCK_PROCESS_CPUTIME_ID); }

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
  double best_numbers = 1e9, best_print = 1e9, best_numbers_cpu = 1e9, best_print_cpu = 1e9;
  urn_diag_summary s;
  for (int rep = 0; rep < 3; rep++) {
    urn_diag_ws *ws = urn_diag_ws_new();
    double t0 = now(), c0 = cpu(), sink = 0;
    for (size_t p = 0; p < P; p++) {
      for (size_t c = 0; c < M; c++)
        for (size_t i = 0; i < N; i++) x[c * N + i] = chains[c][i * P + p];
      urn_diag_summarize(x, M, N, 0.94, NULL, 0, NULL, ws, &s, NULL);
      sink += s.ess_bulk;
    }
    double t1 = now(), c1 = cpu();
    urn_diag_ws_free(ws);
    if (t1 - t0 < best_numbers) best_numbers = t1 - t0;
    if (c1 - c0 < best_numbers_cpu) best_numbers_cpu = c1 - c0;
    if (sink < 0) printf("?");
    FILE *devnull = fopen("/dev/null", "w");
    urn_summary_options opt;
    urn_summary_options_init(&opt);
    t0 = now(), c0 = cpu();
    urn_summary_print(devnull, &d, &opt, NULL);
    t1 = now(), c1 = cpu();
    fclose(devnull);
    if (t1 - t0 < best_print) best_print = t1 - t0;
    if (c1 - c0 < best_print_cpu) best_print_cpu = c1 - c0;
  }
  printf("   summary of %d chains x %d draws x %d parameters (best of 3; wall, and CPU of all threads):\n", M, N, P);
  printf("   %-40s wall %6.3f s  cpu %6.3f s  (%.0f us cpu per parameter)\n", "numbers, one thread (urn_diag_summarize)",
         best_numbers, best_numbers_cpu, 1e6 * best_numbers_cpu / P);
  printf("   %-40s wall %6.3f s  cpu %6.3f s\n", "whole table (urn_summary_print)", best_print, best_print_cpu);
  for (size_t c = 0; c < M; c++) free(chains[c]);
  for (size_t p = 0; p < P; p++) free(names[p]);
  free(chains), free(names), free(x);
  return 0;
}
