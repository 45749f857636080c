/* tests/test_dist_memo.c — the per-call-site memo of a distribution's
 * argument checks (urn_darg.checked): a data argument is checked once, not
 * at every gradient.  The memo must never hide a violation: data that fail
 * the check reject at every evaluation, the memo belongs to one call site
 * (the same data under another family's rule is still checked), and values
 * that change while transformed data is built are checked at every call.
 * Values and gradients are the closed forms whether the memo is set or not. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "urn/model.h"

static urn_model *build(const char *src, const char *data, urn_error *err) {
  return urn_model_new("t.stan", src, strlen(src), "t.json", data, data ? strlen(data) : 0, 1, err);
}

/* lp and d lp / d mu of y ~ normal(mu, 1) summed over y, no constants. */
static void normal_closed(const double *y, int n, double mu, double *lp, double *g) {
  *lp = 0, *g = 0;
  for (int i = 0; i < n; i++) *lp -= 0.5 * (y[i] - mu) * (y[i] - mu), *g += y[i] - mu;
}

static void test_values_unchanged(void) {
  const char *src = "data { int N; vector[N] y; }\nparameters { real mu; }\nmodel { y ~ normal(mu, 1); }\n";
  double y[5] = {0.3, -1.2, 2.5, 0.9, 1.1};
  urn_error err;
  urn_model *m = build(src, "{\"N\": 5, \"y\": [0.3, -1.2, 2.5, 0.9, 1.1]}", &err);
  CHECK(m != NULL, "normal model builds: %s", m ? "" : err.msg);
  if (!m) return;
  /* the first call sets the memo; the later ones run with it set */
  for (int k = 0; k < 4; k++) {
    double u = -0.5 + 0.4 * k, lp, g, want, wg;
    int rc = urn_model_log_density_gradient(m, 1, 1, &u, &lp, &g, &err);
    normal_closed(y, 5, u, &want, &wg);
    CHECK(rc == URN_OK, "evaluation %d succeeds", k);
    CHECK_REL(lp, want, 1e-13, k == 0 ? "first evaluation: lp is the closed form" : "memo set: lp is the closed form");
    CHECK_REL(g, wg, 1e-13, k == 0 ? "first evaluation: gradient is the closed form" : "memo set: gradient is the closed form");
  }
  urn_model_free(m);
}

static void test_bad_data_rejects_every_time(void) {
  /* the NaN comes from transformed data, so it reaches the density as data */
  const char *src =
      "data { int N; vector[N] y; }\n"
      "transformed data { vector[N] z = y; z[2] = not_a_number(); }\n"
      "parameters { real mu; }\nmodel { z ~ normal(mu, 1); }\n";
  urn_error err;
  urn_model *m = build(src, "{\"N\": 3, \"y\": [0.1, 0.2, 0.3]}", &err);
  CHECK(m != NULL, "NaN model builds: %s", m ? "" : err.msg);
  if (!m) return;
  for (int k = 0; k < 3; k++) {
    double u = 0.1 * k, lp, g;
    urn_error_clear(&err);
    int rc = urn_model_log_density_gradient(m, 1, 1, &u, &lp, &g, &err);
    CHECK(rc != URN_OK, "evaluation %d with NaN data rejects (rc %d)", k, rc);
    CHECK(strstr(err.msg, "Random variable[2] is nan") != NULL, "evaluation %d names the element: %s", k, err.msg);
  }
  urn_model_free(m);
}

static void test_memo_is_per_call_site(void) {
  /* y passes the rule of a variate (not NaN) but not the rule of a scale (positive finite) */
  const char *src =
      "data { int N; vector[N] y; }\nparameters { real mu; }\n"
      "model { y ~ normal(mu, 1); mu ~ normal(0, y); }\n";
  urn_error err;
  urn_model *m = build(src, "{\"N\": 2, \"y\": [0.5, -1]}", &err);
  CHECK(m != NULL, "two-family model builds: %s", m ? "" : err.msg);
  if (!m) return;
  for (int k = 0; k < 2; k++) {
    double u = 0.2, lp, g;
    urn_error_clear(&err);
    int rc = urn_model_log_density_gradient(m, 1, 1, &u, &lp, &g, &err);
    CHECK(rc != URN_OK, "evaluation %d: the scale rule still checks y after the variate rule passed it", k);
    CHECK(strstr(err.msg, "Scale parameter[2] is -1") != NULL, "evaluation %d message: %s", k,
          err.msg);
  }
  urn_model_free(m);
}

static void test_transformed_data_values_change(void) {
  /* z is data, but it changes between the two calls of the loop: the second must see the NaN */
  const char *src =
      "transformed data {\n  vector[2] z = [1, 2]';\n  real s = 0;\n"
      "  for (i in 1:2) {\n    s += normal_lpdf(z | 0, 1);\n    z[2] = not_a_number();\n  }\n}\n"
      "parameters { real mu; }\nmodel { mu ~ normal(0, 1); }\n";
  urn_error err;
  urn_error_clear(&err);
  urn_model *m = build(src, NULL, &err);
  CHECK(m == NULL, "transformed data that turn NaN between calls are rejected at load");
  CHECK(strstr(err.msg, "normal_lpdf") && strstr(err.msg, "is nan"), "load error names the check: %s", err.msg);
  urn_model_free(m);
}

/* The mean / squared-deviation form of normal's data variate: as accurate as the direct sum when the data sit
 * far from 0 (1e8 + noise: the naive sum of y^2 would lose every digit), and an infinite datum still gives -inf. */
static void test_normal_statistics(void) {
  const char *src = "data { int N; vector[N] y; }\nparameters { real mu; real<lower=0> s; }\n"
                    "model { y ~ normal(mu, s); }\n";
  double y[6] = {1e8 + 0.1, 1e8 - 0.2, 1e8 + 0.3, 1e8 + 0.05, 1e8 - 0.15, 1e8 + 0.4};
  char data[512];
  snprintf(data, sizeof data, "{\"N\": 6, \"y\": [%.17g, %.17g, %.17g, %.17g, %.17g, %.17g]}", y[0], y[1], y[2], y[3],
           y[4], y[5]);
  urn_error err;
  urn_model *m = build(src, data, &err);
  CHECK(m != NULL, "far-from-zero model builds: %s", m ? "" : err.msg);
  if (m) {
    for (int k = 0; k < 3; k++) {
      double th[2] = {1e8 + 0.02 * k, log(0.3 + 0.1 * k)}, lp, g[2];
      double mu = th[0], sg = exp(th[1]), q = 0, r = 0;
      for (int i = 0; i < 6; i++) q += (y[i] - mu) * (y[i] - mu), r += y[i] - mu; /* each y - mu is exact */
      double want = -0.5 * q / (sg * sg) - 6 * log(sg) + th[1]; /* + log-Jacobian of s */
      urn_model_log_density_gradient(m, 1, 1, th, &lp, g, &err);
      CHECK_REL(lp, want, 1e-12, "y near 1e8: lp equals the direct sum");
      CHECK_REL(g[0], r / (sg * sg), 1e-12, "y near 1e8: d lp / d mu equals the direct sum");
      CHECK_REL(g[1], q / (sg * sg) - 6 + 1, 1e-12, "y near 1e8: d lp / d log s equals the direct sum");
    }
    urn_model_free(m);
  }
  const char *inf_src = "data { int N; vector[N] y; }\ntransformed data { vector[N] z = y; z[1] = positive_infinity(); }\n"
                        "parameters { real mu; }\nmodel { z ~ normal(mu, 1); }\n";
  m = build(inf_src, "{\"N\": 3, \"y\": [0.1, 0.2, 0.3]}", &err);
  CHECK(m != NULL, "infinite-datum model builds: %s", m ? "" : err.msg);
  if (!m) return;
  for (int k = 0; k < 2; k++) {
    double u = 0.3, lp = 0;
    urn_model_log_density(m, 1, 1, &u, &lp, &err);
    CHECK(isinf(lp) && lp < 0, "an infinite datum gives lp = -inf (call %d: %g)", k, lp);
  }
  urn_model_free(m);
}

int main(void) {
  test_normal_statistics();
  test_values_unchanged();
  test_bad_data_rejects_every_time();
  test_memo_is_per_call_site();
  test_transformed_data_values_change();
  return test_done();
}
