/* tests/test_par.c — reduce_sum and map_rect on the thread pool (issue #19,
 * lang/fn_par.c, util/tpool.c): the log density and gradient are the same
 * bits with 0, 1 and 3 worker threads; they equal the program written without
 * reduce_sum / map_rect to rounding and finite differences; a failing slice
 * reports its message whichever thread ran it; a nested reduce_sum works; and
 * a whole sampling run with one chain gives the same draws with num_threads
 * 1 and 3. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "urn/model.h"
#include "urn/run.h"

static urn_model *build(const char *src, const char *data, urn_error *err) {
  return urn_model_new("t.stan", src, strlen(src), "t.json", data, data ? strlen(data) : 0, 1, err);
}

/* Logistic regression data: N rows, K covariates, deterministic (a linear congruential generator). */
static char *logreg_data(int N, int K) {
  size_t cap = (size_t)N * (K * 24 + 8) + 64, len = 0;
  char *s = malloc(cap);
  unsigned long long x = 12345;
  len += (size_t)snprintf(s + len, cap - len, "{\"N\": %d, \"K\": %d, \"X\": [", N, K);
  int *y = malloc((size_t)N * sizeof *y);
  for (int n = 0; n < N; n++) {
    double eta = 0.3;
    len += (size_t)snprintf(s + len, cap - len, "%s[", n ? "," : "");
    for (int k = 0; k < K; k++) {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      double v = (double)(x >> 11) / 9007199254740992.0 * 2 - 1;
      eta += v * (k % 2 ? -0.5 : 0.8);
      len += (size_t)snprintf(s + len, cap - len, "%s%.6f", k ? "," : "", v);
    }
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    y[n] = (double)(x >> 11) / 9007199254740992.0 < 1 / (1 + exp(-eta));
    len += (size_t)snprintf(s + len, cap - len, "]");
  }
  len += (size_t)snprintf(s + len, cap - len, "], \"y\": [");
  for (int n = 0; n < N; n++) len += (size_t)snprintf(s + len, cap - len, "%s%d", n ? "," : "", y[n]);
  snprintf(s + len, cap - len, "]}");
  free(y);
  return s;
}

static const char *logreg_fmt =
    "functions {\n"
    "  real part_lpmf(array[] int ys, int s, int e, matrix X, real alpha, vector beta) {\n"
    "    return bernoulli_logit_lpmf(ys | alpha + X[s:e] * beta);\n  }\n}\n"
    "data { int N; int K; matrix[N, K] X; array[N] int y; }\n"
    "parameters { real alpha; vector[K] beta; }\n"
    "model {\n  alpha ~ normal(0, 2);\n  beta ~ normal(0, 1);\n  %s\n}\n";

/* lp and gradient of m at u with `workers` pool threads. */
static int eval_with(urn_model *m, int workers, const double *u, double *lp, double *g) {
  urn_error err;
  urn_model_set_threads(m, workers);
  int rc = urn_model_log_density_gradient(m, 1, 1, u, lp, g, &err);
  if (rc != URN_OK) printf("evaluation failed: %s\n", err.msg);
  return rc;
}

static void test_logreg(void) {
  enum { N = 3000, K = 4 };
  char *data = logreg_data(N, K), src[2048], ref[2048];
  snprintf(src, sizeof src, logreg_fmt, "target += reduce_sum(part_lupmf, y, 1, X, alpha, beta);");
  snprintf(ref, sizeof ref, logreg_fmt, "y ~ bernoulli_logit(alpha + X * beta);");
  urn_error err;
  urn_model *m = build(src, data, &err), *r = build(ref, data, &err);
  CHECK(m && r, "logistic regression builds: %s", err.msg);
  free(data);
  if (!m || !r) return;
  double u[K + 1] = {0.2, 0.7, -0.4, 0.1, -0.9}, lp[3], g[3][K + 1], lr, gr[K + 1];
  int w[3] = {0, 1, 3};
  for (int i = 0; i < 3; i++) CHECK(eval_with(m, w[i], u, &lp[i], g[i]) == URN_OK, "%d workers evaluate", w[i]);
  for (int i = 1; i < 3; i++) {
    CHECK(memcmp(&lp[i], &lp[0], sizeof lp[0]) == 0, "lp with %d workers is the same bits: %.17g vs %.17g", w[i],
          lp[i], lp[0]);
    CHECK(memcmp(g[i], g[0], sizeof g[0]) == 0, "gradient with %d workers is the same bits", w[i]);
  }
  urn_model_log_density_gradient(r, 1, 1, u, &lr, gr, &err);
  CHECK_REL(lp[0], lr, 1e-12, "reduce_sum lp equals the vectorised statement");
  for (int k = 0; k <= K; k++) CHECK_REL(g[0][k], gr[k], 1e-11, "reduce_sum gradient equals the vectorised statement's");
  /* repeated evaluations on the pool (workspaces reused) give the same bits */
  double lp2, g2[K + 1];
  urn_model_set_threads(m, 3);
  for (int rep = 0; rep < 20; rep++) urn_model_log_density_gradient(m, 1, 1, u, &lp2, g2, &err);
  CHECK(lp2 == lp[0] && memcmp(g2, g[0], sizeof g2) == 0, "20 more evaluations on 3 workers: same bits");
  urn_model_free(m), urn_model_free(r);
}

static void test_map_rect(void) {
  const char *fmt =
      "functions { vector job(vector phi, vector th, data array[] real x_r, data array[] int x_i) {\n"
      "  vector[x_i[1]] out;\n"
      "  for (i in 1:x_i[1]) out[i] = normal_lpdf(x_r[i] | phi[1] + th[1] * i, exp(phi[2] + th[2]));\n"
      "  return out; } }\n"
      "data { int J; array[J, 5] real xr; array[J, 1] int xi; }\n"
      "parameters { vector[2] phi; array[J] vector[2] th; }\n"
      "model {\n  %s\n  phi ~ normal(0, 1);\n  for (j in 1:J) th[j] ~ normal(0, 0.3);\n}\n";
  enum { J = 150 };
  char data[J * 80 + 64], s1[2048], s2[2048];
  size_t len = (size_t)snprintf(data, sizeof data, "{\"J\": %d, \"xr\": [", J);
  for (int j = 0; j < J; j++)
    len += (size_t)snprintf(data + len, sizeof data - len, "%s[%.2f, %.2f, %.2f, %.2f, %.2f]", j ? "," : "",
                            sin(j), cos(j), sin(2.0 * j), 0.5, -0.25 * (j % 7));
  len += (size_t)snprintf(data + len, sizeof data - len, "], \"xi\": [");
  for (int j = 0; j < J; j++) len += (size_t)snprintf(data + len, sizeof data - len, "%s[%d]", j ? "," : "", 1 + j % 5);
  snprintf(data + len, sizeof data - len, "]}");
  snprintf(s1, sizeof s1, fmt, "target += sum(map_rect(job, phi, th, xr, xi));");
  snprintf(s2, sizeof s2, fmt, "for (j in 1:J) target += sum(job(phi, th[j], xr[j], xi[j]));");
  urn_error err;
  urn_model *m = build(s1, data, &err), *r = build(s2, data, &err);
  CHECK(m && r, "map_rect model builds: %s", err.msg);
  if (!m || !r) return;
  enum { D = 2 + 2 * J };
  double u[D], lp[3], g[3][D], lr, gr[D];
  for (int i = 0; i < D; i++) u[i] = 0.1 * sin(3.0 * i);
  int w[3] = {0, 1, 3};
  for (int i = 0; i < 3; i++) CHECK(eval_with(m, w[i], u, &lp[i], g[i]) == URN_OK, "map_rect with %d workers", w[i]);
  for (int i = 1; i < 3; i++)
    CHECK(lp[i] == lp[0] && memcmp(g[i], g[0], sizeof g[0]) == 0, "map_rect with %d workers: same bits", w[i]);
  urn_model_log_density_gradient(r, 1, 1, u, &lr, gr, &err);
  CHECK_REL(lp[0], lr, 1e-13, "map_rect lp equals the loop");
  double worst = 0;
  for (int i = 0; i < D; i++) worst = fmax(worst, fabs(g[0][i] - gr[i]));
  CHECK(worst < 1e-11, "map_rect gradient equals the loop's: worst %.3g", worst);
  urn_model_free(m), urn_model_free(r);
}

/* A slice that rejects: the message comes back, with and without workers; a nested reduce_sum adds up. */
static void test_errors_nested(void) {
  const char *src =
      "functions {\n"
      "  real inner_lpdf(array[] real x, int s, int e, real mu) { return normal_lpdf(x | mu, 1); }\n"
      "  real part_lpdf(array[] real x, int s, int e, real mu) {\n"
      "    if (mu > 5 && s > 40) reject(\"slice from \", s, \" rejects mu = \", mu);\n"
      "    return reduce_sum(inner_lpdf, x, 2, mu);\n  }\n}\n"
      "data { array[100] real x; }\nparameters { real mu; }\n"
      "model { target += reduce_sum(part_lpdf, x, 3, mu); }\n";
  char data[4096];
  size_t len = (size_t)snprintf(data, sizeof data, "{\"x\": [");
  for (int i = 0; i < 100; i++) len += (size_t)snprintf(data + len, sizeof data - len, "%s%.3f", i ? "," : "", cos(i));
  snprintf(data + len, sizeof data - len, "]}");
  urn_error err;
  urn_model *m = build(src, data, &err);
  CHECK(m != NULL, "nested reduce_sum builds: %s", m ? "" : err.msg);
  if (!m) return;
  double u = 0.4, lp0, lp1, g0, g1, ref = 0, dref = 0;
  for (int i = 0; i < 100; i++) {
    char b[32];
    snprintf(b, sizeof b, "%.3f", cos(i));
    double x = strtod(b, NULL);
    ref += -0.5 * (x - u) * (x - u) - 0.5 * log(2 * M_PI), dref += x - u;
  }
  CHECK(eval_with(m, 0, &u, &lp0, &g0) == URN_OK && eval_with(m, 2, &u, &lp1, &g1) == URN_OK, "nested evaluates");
  CHECK(lp0 == lp1 && g0 == g1, "nested: same bits with 2 workers");
  CHECK_REL(lp0, ref, 1e-12, "nested reduce_sum lp (closed form)");
  CHECK_REL(g0, dref, 1e-11, "nested reduce_sum gradient (closed form)");
  u = 6;
  for (int w = 0; w <= 2; w += 2) {
    urn_model_set_threads(m, w);
    int rc = urn_model_log_density_gradient(m, 0, 1, &u, &lp0, &g0, &err);
    CHECK(rc == URN_EREJECT && strstr(err.msg, "slice from 43 rejects mu = 6"), "%d workers: the first failing slice's message: %s",
          w, err.msg);
  }
  urn_model_free(m);
}

/* A one-chain sampling run: num_threads 1 and 3 give the same draws. */
static void test_run_threads(void) {
  char *data = logreg_data(400, 2), src[2048];
  snprintf(src, sizeof src, logreg_fmt, "target += reduce_sum(part_lpmf, y, 16, X, alpha, beta);");
  urn_error err;
  urn_model *m = build(src, data, &err);
  free(data);
  CHECK(m != NULL, "sampling model builds: %s", m ? "" : err.msg);
  if (!m) return;
  double *draws[2] = {NULL, NULL};
  size_t n[2] = {0, 0};
  for (int t = 0; t < 2; t++) {
    urn_run_config *cfg = urn_run_config_new(URN_RUN_SAMPLE);
    urn_run_config_set(cfg, "num_chains", "1", &err);
    urn_run_config_set(cfg, "num_warmup", "100", &err);
    urn_run_config_set(cfg, "num_samples", "50", &err);
    urn_run_config_set(cfg, "seed", "7", &err);
    urn_run_config_set(cfg, "num_threads", t ? "3" : "1", &err);
    urn_run *r = urn_run_new(m, cfg, &err);
    urn_run_config_free(cfg);
    if (!r || urn_run_execute(r, &err) != URN_OK) {
      CHECK(0, "run with %d threads: %s", t ? 3 : 1, err.msg);
      if (r) urn_run_free(r);
      continue;
    }
    n[t] = urn_run_num_rows(r, 0) * urn_run_num_cols(r);
    draws[t] = malloc(n[t] * sizeof(double));
    memcpy(draws[t], urn_run_draws(r, 0), n[t] * sizeof(double));
    urn_run_free(r);
  }
  CHECK(n[0] == n[1] && n[0] > 0 && memcmp(draws[0], draws[1], n[0] * sizeof(double)) == 0,
        "one chain, num_threads 1 vs 3: the same draws bit for bit (%zu values)", n[0]);
  free(draws[0]), free(draws[1]);
  urn_model_free(m);
}

int main(void) {
  test_logreg();
  test_map_rect();
  test_errors_nested();
  test_run_threads();
  return test_done();
}
