/* tests/test_lang_features.c — language features of issue #3 that are not
 * built-in functions: truncation of user-defined densities (the user's _lcdf
 * / _lccdf, continuous and discrete, every bound form) against the built-in
 * truncated density and a closed form. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "urn/model.h"

static urn_model *build(const char *src, const char *data, urn_error *err) {
  return urn_model_new("t.stan", src, strlen(src), "t.json", data, data ? strlen(data) : 0, 1, err);
}

/* Phi by erfc (independent of urn's normal_lcdf). */
static double Phi(double z) { return 0.5 * erfc(-z / sqrt(2.0)); }

static void test_user_truncation(void) {
  static const char *bounds[] = {"T[-1, 2.5]", "T[-1, ]", "T[, 2.5]"};
  for (int b = 0; b < 3; b++) {
    char user[1024], builtin[512];
    snprintf(user, sizeof user,
             "functions {\n"
             "  real mynorm_lpdf(real y, real mu, real s) { return normal_lpdf(y | mu, s); }\n"
             "  real mynorm_lcdf(real y, real mu, real s) { return normal_lcdf(y | mu, s); }\n"
             "  real mynorm_lccdf(real y, real mu, real s) { return normal_lccdf(y | mu, s); }\n"
             "}\n"
             "data { real y; }\nparameters { real mu; }\nmodel { y ~ mynorm(mu, 2) %s; }\n",
             bounds[b]);
    snprintf(builtin, sizeof builtin, "data { real y; }\nparameters { real mu; }\nmodel { y ~ normal(mu, 2) %s; }\n",
             bounds[b]);
    urn_error err;
    urn_model *mu = build(user, "{\"y\": 0.7}", &err);
    CHECK(mu != NULL, "user truncation %s builds: %s", bounds[b], mu ? "" : err.msg);
    urn_model *mb = build(builtin, "{\"y\": 0.7}", &err);
    if (!mu || !mb) continue;
    double u[1] = {0.4}, lu, lb, gu, gb;
    urn_model_log_density_gradient(mu, 0, 1, u, &lu, &gu, &err);
    urn_model_log_density_gradient(mb, 0, 1, u, &lb, &gb, &err);
    double z = (0.7 - 0.4) / 2, zl = (-1 - 0.4) / 2, zh = (2.5 - 0.4) / 2;
    double mass = b == 0 ? Phi(zh) - Phi(zl) : b == 1 ? 1 - Phi(zl) : Phi(zh);
    double want = -0.5 * z * z - log(2 * sqrt(2 * M_PI)) - log(mass);
    CHECK_REL(lu, want, 1e-12, "user-density truncation: lp (closed form)");
    CHECK_REL(lu, lb, 1e-12, "user-density truncation: lp equals the built-in's");
    CHECK_REL(gu, gb, 1e-10, "user-density truncation: gradient equals the built-in's");
    urn_model_free(mu), urn_model_free(mb);
  }
  /* discrete: T[2, 8] subtracts log(F(8) - F(1)) */
  const char *user =
      "functions {\n"
      "  real mypois_lpmf(int n, real l) { return poisson_lpmf(n | l); }\n"
      "  real mypois_lcdf(int n, real l) { return poisson_lcdf(n | l); }\n"
      "  real mypois_lccdf(int n, real l) { return poisson_lccdf(n | l); }\n"
      "}\n"
      "data { int n; }\nparameters { real<lower=0> l; }\nmodel { n ~ mypois(l) T[2, 8]; }\n";
  const char *builtin = "data { int n; }\nparameters { real<lower=0> l; }\nmodel { n ~ poisson(l) T[2, 8]; }\n";
  urn_error err;
  urn_model *mu = build(user, "{\"n\": 4}", &err), *mb = build(builtin, "{\"n\": 4}", &err);
  CHECK(mu && mb, "discrete user truncation builds: %s", mu && mb ? "" : err.msg);
  if (mu && mb) {
    double u[1] = {log(3.0)}, lu, lb, gu, gb;
    urn_model_log_density_gradient(mu, 0, 1, u, &lu, &gu, &err);
    urn_model_log_density_gradient(mb, 0, 1, u, &lb, &gb, &err);
    double mass = 0, term = exp(-3.0);
    for (int k = 0; k <= 8; k++) {
      if (k >= 2) mass += term;
      term *= 3.0 / (k + 1);
    }
    double want = 4 * log(3.0) - 3 - log(24.0) - log(mass) + log(3.0); /* + log-Jacobian of l = exp(u) */
    CHECK_REL(lu, want, 1e-12, "discrete user truncation: lp (closed form)");
    CHECK_REL(gu, gb, 1e-10, "discrete user truncation: gradient equals the built-in's");
  }
  if (mu) urn_model_free(mu);
  if (mb) urn_model_free(mb);
  /* a missing CDF is a checker error naming it */
  const char *missing =
      "functions { real mynorm_lpdf(real y, real mu) { return normal_lpdf(y | mu, 1); } }\n"
      "data { real y; }\nparameters { real mu; }\nmodel { y ~ mynorm(mu) T[0, ]; }\n";
  urn_model *m = build(missing, "{\"y\": 1}", &err);
  CHECK(m == NULL && strstr(err.msg, "4:26: truncation of the user-defined mynorm needs a function mynorm_lccdf(real | ...)"),
        "missing user _lccdf: %s", m ? "(accepted)" : err.msg);
  if (m) urn_model_free(m);
}

int main(void) {
  test_user_truncation();
  return test_done();
}
