/* tests/test_lang_features.c — language features of issue #3 that are not
 * built-in functions: truncation of user-defined densities (the user's _lcdf
 * / _lccdf, continuous and discrete, every bound form) against the built-in
 * truncated density and a closed form; the sum_to_zero_vector transform
 * (Stan 2.36's isometric one: closed form for K = 3, an orthonormal Jacobian
 * whose columns sum to zero, the round trip, lp and gradient of a model, data
 * validation). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "model/transform.h"
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

static void test_sum_to_zero(void) {
  /* K = 3 closed form: w1 = a / sqrt 2, w2 = b / sqrt 6; x = (w1 + w2, w2 - w1, -2 w2) */
  double u3[2] = {0.7, -1.3}, x3[3];
  urn__model_sum_to_zero_constrain(3, u3, x3);
  double w1 = 0.7 / sqrt(2.0), w2 = -1.3 / sqrt(6.0);
  CHECK_NEAR(x3[0], w1 + w2, 1e-15, 1e-15, "sum_to_zero K=3: x1 (closed form)");
  CHECK_NEAR(x3[1], w2 - w1, 1e-15, 1e-15, "sum_to_zero K=3: x2 (closed form)");
  CHECK_NEAR(x3[2], -2 * w2, 1e-15, 1e-15, "sum_to_zero K=3: x3 (closed form)");
  /* K = 7: the Jacobian J (7 x 6) has orthonormal columns summing to zero; round trip */
  enum { K = 7 };
  double J[K * (K - 1)], u[K - 1] = {0.3, -1.1, 2.2, 0.05, -0.7, 1.9}, x[K], back[K - 1], dl[K - 1];
  urn_error err;
  CHECK(urn__model_transform_jacobian(URN_TR_SUM_TO_ZERO, K, 1, NULL, u, J, dl, "z", &err) == URN_OK, "sum_to_zero Jacobian");
  double worst = 0, colsum = 0, dlmax = 0;
  for (int a = 0; a < K - 1; a++) {
    double cs = 0;
    for (int i = 0; i < K; i++) cs += J[i + a * K];
    colsum = fmax(colsum, fabs(cs));
    dlmax = fmax(dlmax, fabs(dl[a]));
    for (int b = 0; b < K - 1; b++) {
      double dot = 0;
      for (int i = 0; i < K; i++) dot += J[i + a * K] * J[i + b * K];
      worst = fmax(worst, fabs(dot - (a == b)));
    }
  }
  CHECK(worst < 1e-14, "sum_to_zero: J'J = I (isometry), worst %.3g", worst);
  CHECK(colsum < 1e-14, "sum_to_zero: 1'J = 0, worst %.3g", colsum);
  CHECK(dlmax == 0, "sum_to_zero: no log-Jacobian");
  urn__model_transform_constrain(URN_TR_SUM_TO_ZERO, K, 1, NULL, u, x, NULL, "z", &err);
  CHECK(urn__model_transform_unconstrain(URN_TR_SUM_TO_ZERO, K, 1, NULL, x, back, "z", &err) == URN_OK, "sum_to_zero unconstrains");
  double rt = 0;
  for (int i = 0; i < K - 1; i++) rt = fmax(rt, fabs(back[i] - u[i]));
  CHECK(rt < 1e-14, "sum_to_zero round trip: worst %.3g", rt);
  x[0] += 1e-3;
  CHECK(urn__model_transform_unconstrain(URN_TR_SUM_TO_ZERO, K, 1, NULL, x, back, "z", &err) == URN_EINPUT &&
            strstr(err.msg, "z is not a valid sum_to_zero_vector: its sum is"),
        "sum_to_zero: a vector that does not sum to zero is refused: %s", err.msg);
  /* a model: array[2] sum_to_zero_vector[4] z ~ normal(0, 1); lp = sum of normal_lpdf(z) (no Jacobian) */
  const char *src = "parameters { array[2] sum_to_zero_vector[4] z; }\n"
                    "model { for (i in 1:2) z[i] ~ normal(0, 1); target += 0.3 * z[1][2] - 0.7 * z[2][4]; }\n";
  urn_model *m = build(src, NULL, &err);
  CHECK(m != NULL, "sum_to_zero model builds: %s", m ? "" : err.msg);
  if (m) {
    CHECK(urn_model_num_unconstrained(m) == 6, "sum_to_zero_vector[4]: 3 unconstrained values each");
    double uu[6] = {0.4, -0.2, 1.1, -0.9, 0.6, 0.25}, out[8], lp, g[6];
    urn_model_param_constrain(m, 0, 0, uu, out, NULL, &err);
    double want = 0, s1 = 0, s2 = 0;
    for (int i = 0; i < 8; i++) want += -0.5 * out[i] * out[i] - 0.5 * log(2 * M_PI);
    /* Stan CSV order is column-major: z.1.1, z.2.1, z.1.2, ... */
    for (int k = 0; k < 4; k++) s1 += out[2 * k], s2 += out[2 * k + 1];
    want += 0.3 * out[2] - 0.7 * out[7];
    CHECK(fabs(s1) < 1e-15 && fabs(s2) < 1e-15, "sum_to_zero parameters sum to zero: %g %g", s1, s2);
    urn_model_log_density_gradient(m, 0, 1, uu, &lp, g, &err);
    CHECK_REL(lp, want, 1e-13, "sum_to_zero model lp (no Jacobian term)");
    double worstg = 0, v[6];
    for (int i = 0; i < 6; i++) {
      memcpy(v, uu, sizeof v);
      double h = 1e-5, f1, f2;
      v[i] = uu[i] + h, urn_model_log_density(m, 0, 1, v, &f1, &err);
      v[i] = uu[i] - h, urn_model_log_density(m, 0, 1, v, &f2, &err);
      worstg = fmax(worstg, fabs((f1 - f2) / (2 * h) - g[i]) / (fabs(g[i]) + 1e-8));
    }
    CHECK(worstg < 1e-8, "sum_to_zero model gradient vs finite differences: worst %.3g", worstg);
    urn_model_free(m);
  }
  /* data validation */
  m = build("data { sum_to_zero_vector[3] d; }\n", "{\"d\": [1, 2, -2]}", &err);
  CHECK(m == NULL && strstr(err.msg, "d is not a valid sum_to_zero_vector: sum is 1"), "sum_to_zero data validated: %s",
        m ? "(accepted)" : err.msg);
  if (m) urn_model_free(m);
}

int main(void) {
  test_user_truncation();
  test_sum_to_zero();
  return test_done();
}
