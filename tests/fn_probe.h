/* tests/fn_probe.h — helpers for the tests of built-in functions (test_fn_*.c): run a small Stan program and
 * read its generated quantities (probe_gq), expect its evaluation to be rejected with a given message
 * (probe_reject), and compare the gradient of a model's log density with central finite differences
 * (probe_fd_error).  Programs are built in memory with no data. */
#ifndef URN_TESTS_FN_PROBE_H
#define URN_TESTS_FN_PROBE_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "math/rng.h"
#include "urn/model.h"

/* Runs src (no parameters needed) and writes its generated quantities (and transformed parameters) to
 * out[0..cap); returns their number, or -1 with msg filled when the program fails to build or run. */
__attribute__((unused)) static long probe_gq(const char *src, double *out, size_t cap, char *msg, size_t msgcap) {
  urn_error err;
  urn_model *m = urn_model_new("probe.stan", src, strlen(src), NULL, NULL, 0, 1, &err);
  if (!m) { snprintf(msg, msgcap, "%s", err.msg); return -1; }
  size_t nu = urn_model_num_unconstrained(m), np = urn_model_num_params(m, 1, 1);
  double *u = calloc(nu + 1, sizeof *u), *all = calloc(np + 1, sizeof *all);
  urn_rng rng;
  urn_rng_seed(&rng, 20260, 0);
  long r = -1;
  if (urn_model_param_constrain(m, 1, 1, u, all, &rng, &err) != URN_OK) snprintf(msg, msgcap, "%s", err.msg);
  else {
    size_t np0 = urn_model_num_params(m, 0, 0), k = np - np0 < cap ? np - np0 : cap;
    memcpy(out, all + np0, k * sizeof *out);
    r = (long)(np - np0);
    msg[0] = 0;
  }
  free(u), free(all);
  urn_model_free(m);
  return r;
}

/* Does running src fail with a message containing want? */
__attribute__((unused)) static int probe_reject(const char *src, const char *want, char *msg, size_t msgcap) {
  double tmp[64];
  long r = probe_gq(src, tmp, 64, msg, msgcap);
  return r < 0 && strstr(msg, want) != NULL;
}

/* Does the program fail to build (parse/check) with a message containing want? */
__attribute__((unused)) static int probe_rejects_program(const char *src, const char *want, char *msg, size_t msgcap) {
  urn_error err;
  urn_model *m = urn_model_new("probe.stan", src, strlen(src), NULL, NULL, 0, 1, &err);
  if (m) { urn_model_free(m); snprintf(msg, msgcap, "(accepted)"); return 0; }
  snprintf(msg, msgcap, "%s", err.msg);
  return strstr(err.msg, want) != NULL;
}

/* The worst relative difference between the gradient of the model's log density at u and central finite
 * differences with step h (INFINITY when the model cannot be evaluated). */
__attribute__((unused)) static double probe_fd_error(const urn_model *m, const double *u, double h) {
  size_t n = urn_model_num_unconstrained(m);
  double *g = calloc(n + 1, sizeof *g), *v = calloc(n + 1, sizeof *v), lp, worst = 0;
  urn_error err;
  if (urn_model_log_density_gradient(m, 0, 1, u, &lp, g, &err)) { free(g), free(v); return INFINITY; }
  for (size_t i = 0; i < n; i++) {
    memcpy(v, u, n * sizeof *v);
    double f1, f2, f3, f4;
    v[i] = u[i] + h;
    urn_model_log_density(m, 0, 1, v, &f1, &err);
    v[i] = u[i] - h;
    urn_model_log_density(m, 0, 1, v, &f2, &err);
    v[i] = u[i] + 2 * h;
    urn_model_log_density(m, 0, 1, v, &f3, &err);
    v[i] = u[i] - 2 * h;
    urn_model_log_density(m, 0, 1, v, &f4, &err);
    double fd = (8 * (f1 - f2) - (f3 - f4)) / (12 * h); /* fourth-order central difference */
    double e = fabs(fd - g[i]) / (fabs(g[i]) + fabs(fd) + 1e-8);
    if (!(e <= worst)) worst = e;
  }
  free(g), free(v);
  return worst;
}

/* Builds src, evaluates the finite-difference check at u, frees the model. */
__attribute__((unused)) static double probe_fd_src(const char *src, const double *u, double h, char *msg, size_t msgcap) {
  urn_error err;
  urn_model *m = urn_model_new("probe.stan", src, strlen(src), NULL, NULL, 0, 1, &err);
  if (!m) { snprintf(msg, msgcap, "%s", err.msg); return INFINITY; }
  msg[0] = 0;
  double e = probe_fd_error(m, u, h);
  urn_model_free(m);
  return e;
}

#endif
