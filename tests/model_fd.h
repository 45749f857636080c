/* tests/model_fd.h — finite differences of a model's log density for the C tests: the worst relative difference
 * between urn_model_log_density_gradient and central differences of urn_model_log_density (step 1e-5 (1 + |u_i|)),
 * used by the ODE tests (test_ode.c, test_ode_fwd.c) on models with at most 32 unconstrained parameters. */
#ifndef URN_TEST_MODEL_FD_H
#define URN_TEST_MODEL_FD_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "urn/model.h"

/* INFINITY when the gradient or a density fails (the gradient's message printed) or the model is too large. */
static double model_fd_error(const urn_model *m, const double *u) {
  size_t n = urn_model_num_unconstrained(m);
  double g[32], v[32], lp, worst = 0;
  urn_error err;
  if (n > 32) return INFINITY;
  if (urn_model_log_density_gradient(m, 0, 1, u, &lp, g, &err)) {
    printf("gradient failed: %s\n", err.msg);
    return INFINITY;
  }
  for (size_t i = 0; i < n; i++) {
    memcpy(v, u, n * sizeof *v);
    double h = 1e-5 * (1 + fabs(u[i])), f1, f2;
    v[i] = u[i] + h;
    if (urn_model_log_density(m, 0, 1, v, &f1, &err)) return INFINITY;
    v[i] = u[i] - h;
    if (urn_model_log_density(m, 0, 1, v, &f2, &err)) return INFINITY;
    double fd = (f1 - f2) / (2 * h);
    worst = fmax(worst, fabs(fd - g[i]) / (fabs(g[i]) + fabs(fd) + 1e-8));
  }
  return worst;
}

#endif
