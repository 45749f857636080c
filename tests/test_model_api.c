/* tests/test_model_api.c — the model API on small programs with known
 * answers: user functions (recursion, _lpdf used with ~), truncation,
 * transformed parameters and generated quantities through param_constrain,
 * output names, param_unconstrain round trip, reject, and many threads
 * evaluating one model at once (same results as one thread). */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "math/rng.h"
#include "urn/model.h"

static const char *SRC =
    "functions {\n"
    "  int fib(int n) { if (n < 2) return n; return fib(n - 1) + fib(n - 2); }\n"
    "  real my_lpdf(real y, real mu) { return normal_lpdf(y | mu, 1); }\n"
    "}\n"
    "data { int<lower=0> N; vector[N] y; }\n"
    "transformed data { int f10 = fib(10); }\n"
    "parameters { real mu; real<lower=0> tau; }\n"
    "transformed parameters { real mu2 = 2 * mu; }\n"
    "model {\n"
    "  mu ~ my(0);\n"
    "  tau ~ normal(0, 1) T[0, ];\n"
    "  for (n in 1:N) y[n] ~ normal(mu, tau);\n"
    "}\n"
    "generated quantities { int f = f10; real m3 = mu2 + mu; array[2] real z = {mu, tau}; }\n";
static const char *DATA = "{\"N\": 3, \"y\": [0.5, 1.5, 1.0]}";

static double lp_formula(double mu, double ltau) {
  double tau = exp(ltau), c = 0.91893853320467274178, lp = -0.5 * mu * mu - c;
  lp += -0.5 * tau * tau - c - log(0.5) + ltau; /* half-normal: truncation subtracts log(1 - Phi(0)) */
  double y[3] = {0.5, 1.5, 1.0};
  for (int i = 0; i < 3; i++) lp += -0.5 * pow((y[i] - mu) / tau, 2) - log(tau) - c;
  return lp;
}

typedef struct job { const urn_model *m; double lp[200]; int bad; } job;
static void *worker(void *arg) {
  job *j = arg;
  for (int i = 0; i < 200; i++) {
    double u[2] = {0.01 * i - 1, 0.005 * i - 0.5}, g[2];
    urn_error err;
    if (urn_model_log_density_gradient(j->m, 0, 1, u, &j->lp[i], g, &err)) j->bad++;
  }
  return NULL;
}

int main(void) {
  urn_error err;
  urn_model *m = urn_model_new("t.stan", SRC, strlen(SRC), "d.json", DATA, strlen(DATA), 1, &err);
  CHECK(m != NULL, "builds: %s", m ? "" : err.msg);
  if (!m) return test_done();
  urn_model_set_print(m, NULL);
  CHECK(urn_model_num_unconstrained(m) == 2, "two unconstrained parameters");
  CHECK(urn_model_num_params(m, 1, 1) == 7, "2 params + 1 tp + 4 gq = %zu", urn_model_num_params(m, 1, 1));
  CHECK(strcmp(urn_model_param_name(m, 2), "mu2") == 0, "tp name");
  CHECK(strcmp(urn_model_param_name(m, 6), "z.2") == 0, "array element name %s", urn_model_param_name(m, 6));
  double u[2] = {0.3, -0.2}, lp, g[2];
  CHECK(urn_model_log_density_gradient(m, 0, 1, u, &lp, g, &err) == URN_OK, "evaluates");
  CHECK_REL(lp, lp_formula(0.3, -0.2), 1e-12, "lp with user _lpdf, truncation, Jacobian");
  double h = 1e-5;
  CHECK_NEAR(g[0], (lp_formula(0.3 + h, -0.2) - lp_formula(0.3 - h, -0.2)) / (2 * h), 1e-6, 1e-7, "d/dmu");
  CHECK_NEAR(g[1], (lp_formula(0.3, -0.2 + h) - lp_formula(0.3, -0.2 - h)) / (2 * h), 1e-6, 1e-7, "d/dlog tau");
  double out[7];
  urn_rng r;
  urn_rng_seed(&r, 1, 0);
  CHECK(urn_model_param_constrain(m, 1, 1, u, out, &r, &err) == URN_OK, "constrain: %s", err.msg);
  CHECK_REL(out[0], 0.3, 1e-15, "mu");
  CHECK_REL(out[1], exp(-0.2), 1e-15, "tau");
  CHECK_REL(out[2], 0.6, 1e-15, "mu2");
  CHECK(out[3] == 55, "fib(10) = %g", out[3]);
  CHECK_REL(out[4], 0.9, 1e-15, "m3");
  CHECK_REL(out[6], exp(-0.2), 1e-15, "z[2]");
  const char *inits = "{\"mu\": 0.3, \"tau\": 0.8187307530779818}";
  double back[2];
  CHECK(urn_model_param_unconstrain_json(m, inits, strlen(inits), "i.json", back, &err) == URN_OK, "unconstrain");
  CHECK_NEAR(back[1], -0.2, 0, 1e-12, "unconstrain round trip");
  /* threads */
  job jobs[4];
  pthread_t th[4];
  for (int k = 0; k < 4; k++) jobs[k].m = m, jobs[k].bad = 0, pthread_create(&th[k], NULL, worker, &jobs[k]);
  for (int k = 0; k < 4; k++) pthread_join(th[k], NULL);
  int same = 1;
  for (int k = 0; k < 4; k++)
    for (int i = 0; i < 200; i++) same &= jobs[k].bad == 0 && jobs[k].lp[i] == jobs[0].lp[i];
  CHECK(same, "four threads agree");
  urn_model_free(m);

  /* reject and a transformed parameter outside its constraint */
  const char *rj = "parameters { real x; } transformed parameters { real<lower=0> y = x; }\n"
                   "model { if (x > 1) reject(\"x too big: \", x); x ~ normal(0, 1); }\n";
  m = urn_model_new("r.stan", rj, strlen(rj), NULL, NULL, 0, 1, &err);
  CHECK(m != NULL, "reject model builds: %s", m ? "" : err.msg);
  if (m) {
    double x = 2;
    CHECK(urn_model_log_density(m, 1, 1, &x, &lp, &err) == URN_EREJECT, "reject");
    CHECK(strstr(err.msg, "x too big: 2") != NULL, "reject message: %s", err.msg);
    x = -1;
    CHECK(urn_model_log_density(m, 1, 1, &x, &lp, &err) == URN_EREJECT, "tp constraint");
    CHECK(strstr(err.msg, "y is -1, but must be >= 0") != NULL, "tp message: %s", err.msg);
    x = 0.5;
    CHECK(urn_model_log_density(m, 1, 1, &x, &lp, &err) == URN_OK, "valid point");
    CHECK_REL(lp, -0.125, 1e-15, "propto normal");
    urn_model_free(m);
  }
  return test_done();
}
