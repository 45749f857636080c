/* tests/test_gp.c — Gaussian-process covariance functions (src/lang/fn_gp.c,
 * and gp_exp_quad_cov of fn_linalg.c): every kernel's matrix, in its
 * one-input, cross-covariance and real-point forms, against numpy
 * (tests/data/gp_table.h by tests/data/gen_gp.py), and the gradient with
 * respect to magnitude, length scale, period and every point against central
 * finite differences; bad arguments reject with the function's name. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/gp_table.h"
#include "harness.h"
#include "urn/model.h"

static double fd_error(const urn_model *m, const double *u) {
  size_t n = urn_model_num_unconstrained(m);
  double g[64], v[64], lp, worst = 0;
  urn_error err;
  if (urn_model_log_density_gradient(m, 0, 1, u, &lp, g, &err)) return INFINITY;
  for (size_t i = 0; i < n; i++) {
    memcpy(v, u, n * sizeof *v);
    double h = 1e-5, f1, f2;
    v[i] = u[i] + h;
    urn_model_log_density(m, 0, 1, v, &f1, &err);
    v[i] = u[i] - h;
    urn_model_log_density(m, 0, 1, v, &f2, &err);
    double fd = (f1 - f2) / (2 * h), e = fabs(fd - g[i]) / (fabs(g[i]) + fabs(fd) + 1e-8);
    if (e > worst) worst = e;
  }
  return worst;
}

static double worst_rel(const double *got, const double *want, size_t n) {
  double w = 0;
  for (size_t i = 0; i < n; i++) {
    double e = fabs(got[i] - want[i]) / (fabs(want[i]) + 1e-300);
    if (e > w) w = e;
  }
  return w;
}

int main(void) {
  static const struct { const char *name, *extra; const double *self, *cross, *real; } kernels[] = {
      {"gp_exp_quad_cov", ", l", GP_EXP_QUAD_SELF, GP_EXP_QUAD_CROSS, GP_EXP_QUAD_REAL},
      {"gp_exponential_cov", ", l", GP_EXPONENTIAL_SELF, GP_EXPONENTIAL_CROSS, GP_EXPONENTIAL_REAL},
      {"gp_matern32_cov", ", l", GP_MATERN32_SELF, GP_MATERN32_CROSS, GP_MATERN32_REAL},
      {"gp_matern52_cov", ", l", GP_MATERN52_SELF, GP_MATERN52_CROSS, GP_MATERN52_REAL},
      {"gp_periodic_cov", ", l, p", GP_PERIODIC_SELF, GP_PERIODIC_CROSS, GP_PERIODIC_REAL},
      {"gp_dot_prod_cov", "", GP_DOT_PROD_SELF, GP_DOT_PROD_CROSS, GP_DOT_PROD_REAL},
  };
  for (size_t k = 0; k < sizeof kernels / sizeof kernels[0]; k++) {
    const char *f = kernels[k].name, *x = kernels[k].extra;
    char src[2048];
    snprintf(src, sizeof src,
             "parameters { real<lower=0> s; real<lower=0> l; real<lower=0> p; array[3] vector[2] x1; "
             "array[2] vector[2] x2; }\n"
             "transformed parameters {\n"
             "  matrix[3, 3] Ks = %s(x1, s%s);\n"
             "  matrix[3, 2] Kc = %s(x1, x2, s%s);\n"
             "  matrix[3, 2] Kr = %s({x1[1][1], x1[2][1], x1[3][1]}, {x2[1][1], x2[2][1]}, s%s);\n"
             "}\n"
             "model { target += sum(Ks .* [[0.3, -0.2, 0.5], [0.1, 0.7, -0.4], [0.2, 0.6, -0.9]])\n"
             "  + sum(Kc .* [[0.4, -0.3], [0.8, 0.1], [-0.5, 0.2]]) + sum(Kr .* [[-0.6, 0.3], [0.2, 0.9], [0.5, -0.1]]); }\n",
             f, x, f, x, f, x);
    urn_error err;
    urn_model *m = urn_model_new("gp.stan", src, strlen(src), NULL, NULL, 0, 1, &err);
    CHECK(m != NULL, "%s model builds: %s", f, m ? "" : err.msg);
    if (!m) continue;
    double u[13] = {log(1.3), log(0.7), log(2.1), 0.1, -0.4, 1.2, 0.3, -0.7, 0.9, 0.5, 0.5, -1.0, 0.2}, out[34];
    CHECK(urn_model_param_constrain(m, 1, 0, u, out, NULL, &err) == URN_OK, "%s constrains", f);
    double e1 = worst_rel(out + 13, kernels[k].self, 9), e2 = worst_rel(out + 22, kernels[k].cross, 6),
           e3 = worst_rel(out + 28, kernels[k].real, 6);
    CHECK(e1 < 1e-13, "%s(x, ...) matches numpy: worst relative error %.3g", f, e1);
    CHECK(e2 < 1e-13, "%s(x1, x2, ...) matches numpy: worst relative error %.3g", f, e2);
    CHECK(e3 < 1e-13, "%s on reals matches numpy: worst relative error %.3g", f, e3);
    double e = fd_error(m, u);
    CHECK(e < 1e-7, "%s gradient (sigma, l, p, points) vs finite differences: worst %.3g", f, e);
    urn_model_free(m);
  }
  /* one length scale per dimension (ARD) */
  {
    const char *src =
        "parameters { real<lower=0> s; array[2] real<lower=0> l; array[3] vector[2] x1; array[2] vector[2] x2; }\n"
        "transformed parameters { matrix[3, 3] Ks = gp_exp_quad_cov(x1, s, l); matrix[3, 2] Kc = gp_exp_quad_cov(x1, x2, s, l); }\n"
        "model { target += sum(Ks .* [[0.3, -0.2, 0.5], [0.1, 0.7, -0.4], [0.2, 0.6, -0.9]])\n"
        "  + sum(Kc .* [[0.4, -0.3], [0.8, 0.1], [-0.5, 0.2]]); }\n";
    urn_error err;
    urn_model *m = urn_model_new("ard.stan", src, strlen(src), NULL, NULL, 0, 1, &err);
    CHECK(m != NULL, "ARD model builds: %s", m ? "" : err.msg);
    if (m) {
      double u[13] = {log(1.3), log(0.7), log(1.9), 0.1, -0.4, 1.2, 0.3, -0.7, 0.9, 0.5, 0.5, -1.0, 0.2}, out[28];
      CHECK(urn_model_param_constrain(m, 1, 0, u, out, NULL, &err) == URN_OK, "ARD constrains");
      double e1 = worst_rel(out + 13, GP_ARD_SELF, 9), e2 = worst_rel(out + 22, GP_ARD_CROSS, 6);
      CHECK(e1 < 1e-13, "gp_exp_quad_cov(x, sigma, l[]) matches numpy: worst %.3g", e1);
      CHECK(e2 < 1e-13, "gp_exp_quad_cov(x1, x2, sigma, l[]) matches numpy: worst %.3g", e2);
      double e = fd_error(m, u);
      CHECK(e < 1e-7, "ARD gradient vs finite differences: worst %.3g", e);
      urn_model_free(m);
    }
  }
  /* rejections */
  static const struct { const char *call, *msg; } bad[] = {
      {"gp_matern32_cov(x, -1.0, 1.0)", "gp_matern32_cov: magnitude is -1"},
      {"gp_periodic_cov(x, 1.0, 1.0, 0.0)", "gp_periodic_cov: period is 0"},
      {"gp_exponential_cov(x, 1.0, 0.0)", "gp_exponential_cov: length scale is 0"},
  };
  for (size_t c = 0; c < sizeof bad / sizeof bad[0]; c++) {
    char src[512];
    snprintf(src, sizeof src, "parameters { real y; }\nmodel { array[2] real x = {1.0, 2.0}; matrix[2, 2] K = %s; y ~ normal(0, 1); }\n",
             bad[c].call);
    urn_error err;
    urn_model *m = urn_model_new("bad.stan", src, strlen(src), NULL, NULL, 0, 1, &err);
    CHECK(m != NULL, "%s builds: %s", bad[c].call, m ? "" : err.msg);
    if (!m) continue;
    double u[1] = {0}, lp;
    int rc = urn_model_log_density(m, 0, 1, u, &lp, &err);
    CHECK(rc == URN_EREJECT && strstr(err.msg, bad[c].msg), "%s rejects: '%s'", bad[c].call, err.msg);
    urn_model_free(m);
  }
  return test_done();
}
