/* bench/bench_dist.c — throughput of the vectorized densities of math/dist.h
 * with partials (nanoseconds per element), the cost the evaluator pays per
 * `y ~ family(...)` element in a gradient evaluation (propto, vector variate
 * and location, scalar scale/shape).  Not a test; thread CPU time, best of 5. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "math/dist.h"

#define N 100000

/* Thread CPU time: the machine is shared, so wall time would measure the load. */
static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

int main(void) {
  static double y[N], mu[N], gy[N], gmu[N];
  static int n[N];
  for (int i = 0; i < N; i++) {
    y[i] = 0.5 + (i % 97) * 0.01;
    mu[i] = 0.3 + (i % 13) * 0.02;
    n[i] = i % 2; /* valid for every discrete family here */
  }
  double s = 1.3, nu = 4.5, gs, gnu, phi = 2.5, gphi;
  struct {
    const char *family; /* family */
    int nargs;          /* arguments used */
  } cases[] = {{"normal", 3}, {"student_t", 4}, {"gamma", 3}, {"lognormal", 3},
               {"poisson_log", 2}, {"neg_binomial_2", 3}, {"bernoulli_logit", 2}};
  printf("%-18s %12s\n", "family", "ns/element");
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    const urn_dist *d = urn_dist_find(cases[c].family);
    urn_darg a[4];
    if (d->discrete) {
      a[0] = urn_darg_ints(n, N);
      a[1] = urn_darg_reals(mu, N, gmu);
      a[2] = urn_darg_reals(&phi, 1, &gphi);
    } else if (cases[c].nargs == 4) {
      a[0] = urn_darg_reals(y, N, gy);
      a[1] = urn_darg_reals(&nu, 1, &gnu);
      a[2] = urn_darg_reals(mu, N, gmu);
      a[3] = urn_darg_reals(&s, 1, &gs);
    } else {
      a[0] = urn_darg_reals(y, N, gy);
      a[1] = urn_darg_reals(mu, N, gmu);
      a[2] = urn_darg_reals(&s, 1, &gs);
    }
    if (!strcmp(cases[c].family, "gamma")) a[1] = urn_darg_reals(&nu, 1, &gnu);
    int reps = 20;
    double lp, ns = 1e30;
    for (int round = 0; round < 5; round++) {
      double t0 = now();
      for (int r = 0; r < reps; r++) d->lpdf(a, 1, &lp, NULL);
      double dt = (now() - t0) / ((double)reps * N) * 1e9;
      if (dt < ns) ns = dt;
    }
    printf("%-18s %12.2f\n", cases[c].family, ns);
  }
  return 0;
}
