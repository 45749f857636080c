/* tests/test_dae.c — dae and dae_tol (src/lang/fn_dae.c on IDAS,
 * src/math/ode_idas.c): Robertson's kinetics written as an index-1 DAE
 * (two differential equations and the conservation law y1 + y2 + y3 = 1,
 * stanc3's good/dae_good.stan system) has the ODE's solution: values and
 * sensitivities dy/dk against scipy's Radau table
 * (tests/data/ode_stiff_table.h) and against central finite differences;
 * a linear DAE with parameters in y0 and y0' against its closed form;
 * rejections and checker errors.  Built without SUNDIALS, the calls fail
 * with a message naming the Debian package. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "data/ode_stiff_table.h"
#include "harness.h"
#include "math/ode.h"
#include "urn/model.h"

static urn_model *build(const char *src, const char *data, urn_error *err) {
  return urn_model_new("dae.stan", src, strlen(src), "dae.json", data, data ? strlen(data) : 0, 1, err);
}

/* Parameters k = (k1, k2, k3) of the ODE table; the residual takes p = (k1, k3, k2) as dae_good.stan does. */
static const char *ROBER_DAE =
    "functions { vector chem(real t, vector yy, vector yp, array[] real p, array[] real x) {\n"
    "  vector[3] res;\n"
    "  res[1] = yp[1] + p[1] * yy[1] - p[2] * yy[2] * yy[3];\n"
    "  res[2] = yp[2] - p[1] * yy[1] + p[2] * yy[2] * yy[3] + p[3] * yy[2] * yy[2];\n"
    "  res[3] = yy[1] + yy[2] + yy[3] - x[1];\n"
    "  return res; } }\n"
    "data { array[7] real ts; matrix[7, 3] w; }\n"
    "parameters { vector[3] k; }\n"
    "transformed parameters { array[7] vector[3] y = dae_tol(chem, [1, 0, 0]', [-k[1], k[1], 0]', 0, ts, 1e-10, 1e-14,\n"
    "                                                        100000, {k[1], k[3], k[2]}, {1.0}); }\n"
    "model { for (j in 1:7) target += w[j] * y[j]; }\n";

static urn_model *rober(int wj, int wi, urn_error *err) {
  char data[1024], *p = data;
  p += sprintf(p, "{\"ts\": [");
  for (int j = 0; j < 7; j++) p += sprintf(p, "%s%.17g", j ? ", " : "", ROBER_TS[j]);
  p += sprintf(p, "], \"w\": [");
  for (int j = 0; j < 7; j++)
    p += sprintf(p, "%s[%d, %d, %d]", j ? ", " : "", j == wj && wi == 0, j == wj && wi == 1, j == wj && wi == 2);
  sprintf(p, "]}");
  return build(ROBER_DAE, data, err);
}

static const double K[3] = {0.04, 3e7, 1e4};

static void test_robertson(void) {
  urn_error err;
  urn_model *m = rober(0, 0, &err);
  CHECK(m != NULL, "robertson dae builds: %s", m ? "" : err.msg);
  if (!m) return;
  double out[3 + 21];
  int rc = urn_model_param_constrain(m, 1, 0, K, out, NULL, &err);
  if (!urn_ode_available()) {
    CHECK(rc != URN_OK && strstr(err.msg, "dae_tol") && strstr(err.msg, "libsundials-dev"), "without SUNDIALS: %s",
          err.msg);
    urn_model_free(m);
    return;
  }
  CHECK(rc == URN_OK, "robertson dae solves: %s", rc ? err.msg : "");
  double worst = 0;
  for (int j = 0; j < 7; j++)
    for (int i = 0; i < 3; i++) {
      double got = out[3 + j + 7 * i], want = ROBER[j * 12 + i];
      worst = fmax(worst, fabs(got - want) / (fabs(want) + 1e-12));
    }
  CHECK(worst < 1e-5, "robertson dae vs scipy Radau: worst relative error %.3g", worst);
  urn_model_free(m);
  double worst_ref = 0, worst_fd = 0;
  int bad = 0;
  for (int j = 1; j < 7; j += 2)
    for (int i = 0; i < 3; i++) {
      m = rober(j, i, &err);
      double g[3], lp;
      if (!m || urn_model_log_density_gradient(m, 0, 1, K, &lp, g, &err) != URN_OK) {
        bad++;
        if (m) urn_model_free(m);
        continue;
      }
      for (int l = 0; l < 3; l++) {
        double want = ROBER[j * 12 + 3 + i * 3 + l], sc = 0;
        for (int jj = 0; jj < 7; jj++) sc = fmax(sc, fabs(ROBER[jj * 12 + 3 + i * 3 + l]));
        worst_ref = fmax(worst_ref, fabs(g[l] - want) / (fabs(want) + 1e-6 * sc));
        double kp[3], km[3], fp, fm, h = 1e-3 * K[l];
        memcpy(kp, K, sizeof kp), memcpy(km, K, sizeof km);
        kp[l] += h, km[l] -= h;
        if (urn_model_log_density(m, 0, 1, kp, &fp, &err) || urn_model_log_density(m, 0, 1, km, &fm, &err)) {
          bad++;
          continue;
        }
        worst_fd = fmax(worst_fd, fabs(g[l] - (fp - fm) / (2 * h)) / (fabs((fp - fm) / (2 * h)) + 1e-6 * sc));
      }
      urn_model_free(m);
    }
  CHECK(bad == 0, "robertson dae gradients evaluate (%d failures)", bad);
  CHECK(worst_ref < 1e-4, "robertson dae dy/dk vs scipy Radau sensitivities: worst relative error %.3g", worst_ref);
  CHECK(worst_fd < 1e-4, "robertson dae dy/dk vs central finite differences: worst relative error %.3g", worst_fd);
}

/* y1' = -a y1, 0 = y2 - b y1 (index 1): y1 = c e^{-a t}, y2 = b c e^{-a t}, from y0 = (c, b c), y0' = (-a c, -a b c);
 * parameters in the initial values, in an extra argument and in the data-free residual. */
static void test_linear(void) {
  const char *src =
      "functions { vector lin(real t, vector y, vector yp, real a, real b) {\n"
      "  return [yp[1] + a * y[1], y[2] - b * y[1]]'; } }\n"
      "data { array[3] real ts; }\n"
      "parameters { real<lower=0> a; real b; real c; }\n"
      "transformed parameters { array[3] vector[2] y = dae(lin, [c, b * c]', [-a * c, -a * b * c]', 0, ts, a, b); }\n"
      "model { for (j in 1:3) target += 0.3 * y[j][1] - 0.7 * y[j][2]; }\n";
  urn_error err;
  urn_model *m = build(src, "{\"ts\": [0.5, 1, 3]}", &err);
  CHECK(m != NULL, "linear dae builds: %s", m ? "" : err.msg);
  if (!m || !urn_ode_available()) {
    if (m) printf("skipped: linear dae (urn built without SUNDIALS)\n");
    urn_model_free(m);
    return;
  }
  double u[3] = {log(0.8), 1.5, 2.0}, a = 0.8, b = 1.5, c = 2.0, ts[3] = {0.5, 1, 3}, out[3 + 6], g[3], lp;
  CHECK(urn_model_param_constrain(m, 1, 0, u, out, NULL, &err) == URN_OK, "linear dae solves: %s", err.msg);
  double worst = 0, lp_want = 0, gw[3] = {0, 0, 0};
  for (int j = 0; j < 3; j++) {
    double e = exp(-a * ts[j]);
    worst = fmax(worst, fabs(out[3 + j] - c * e) / (c * e));
    worst = fmax(worst, fabs(out[3 + 3 + j] - b * c * e) / (b * c * e));
    double s = 0.3 - 0.7 * b;
    lp_want += s * c * e;
    gw[0] += s * c * e * (-ts[j]) * a; /* d/d log a */
    gw[1] += -0.7 * c * e;
    gw[2] += s * e;
  }
  CHECK(worst < 1e-8, "linear dae vs closed form: worst relative error %.3g", worst);
  CHECK(urn_model_log_density_gradient(m, 0, 0, u, &lp, g, &err) == URN_OK, "linear dae gradient: %s", err.msg);
  double ge = 0;
  for (int i = 0; i < 3; i++) ge = fmax(ge, fabs(g[i] - gw[i]) / (fabs(gw[i]) + 1e-6));
  CHECK(fabs(lp - lp_want) < 1e-8 && ge < 1e-6,
        "linear dae gradient (a, b through y0, y0' and the residual; c through y0, y0') vs closed form: %.3g", ge);
  urn_model_free(m);
}

/* Rejections (evaluation) and checker errors. */
static void test_errors(void) {
  static const struct { const char *call, *msg; } rej[] = {
      {"dae_tol(r, y0, yp0, 0, {1.0}, -1, 1e-6, 100, k)", "dae_tol: relative tolerance is -1"},
      {"dae_tol(r, y0, yp0, 0, {1.0}, 1e-6, 1e-6, 0, k)", "dae_tol: max_num_steps is 0"},
      {"dae(r, y0, [1, 2, 3]', 0, {1.0}, k)", "dae: initial state derivative has size 3"},
      {"dae(r, y0, yp0, 2, {1.0}, k)", "must be greater than the initial time"},
      {"dae(r2, y0, yp0, 0, {1.0}, k)", "returned 1 values for a state of size 2"},
  };
  for (size_t c = 0; c < sizeof rej / sizeof rej[0]; c++) {
    char src[1024];
    snprintf(src, sizeof src,
             "functions { vector r(real t, vector y, vector yp, real k) { return yp + k * y; }\n"
             "  vector r2(real t, vector y, vector yp, real k) { return [k]'; } }\n"
             "parameters { real<lower=0> k; }\n"
             "model { vector[2] y0 = [1, 2]'; vector[2] yp0 = -k * y0; array[1] vector[2] y = %s; target += -k; }\n",
             rej[c].call);
    urn_error err;
    urn_model *m = build(src, NULL, &err);
    CHECK(m != NULL, "dae rejection case %zu builds: %s", c, m ? "" : err.msg);
    if (!m) continue;
    double u[1] = {0.1}, lp;
    int rc = urn_model_log_density(m, 0, 1, u, &lp, &err);
    const char *want = rej[c].msg; /* the residual's size is checked before the solver is called */
    CHECK(rc != URN_OK && strstr(err.msg, want), "%s fails with '%s': got '%s'", rej[c].call, want, err.msg);
    urn_model_free(m);
  }
  static const struct { const char *call, *msg; } chk[] = {
      {"dae(r, y0, yp0, t0p, ts, k)", "argument 4 of dae (initial_time) must be data"},
      {"dae_tol(r, y0, yp0, 0, ts, k, 1e-6, 100, k)", "argument 6 of dae_tol (rel_tol) must be data"},
      {"dae(rbad, y0, yp0, 0, ts, k)", "must be declared vector rbad(real t, vector y, vector yp, ...)"},
      {"dae(r, y0, yp0, 0, ts, y0)", "argument 6 of dae is vector, but r's argument 4 is real"},
  };
  for (size_t c = 0; c < sizeof chk / sizeof chk[0]; c++) {
    char src[1024];
    snprintf(src, sizeof src,
             "functions { vector r(real t, vector y, vector yp, real k) { return yp + k * y; }\n"
             "  vector rbad(real t, vector y, real k) { return k * y; } }\n"
             "data { array[1] real ts; }\n"
             "parameters { real<lower=0> k; real t0p; }\n"
             "model { vector[2] y0 = [1, 2]'; vector[2] yp0 = -k * y0; array[1] vector[2] y = %s; }\n",
             chk[c].call);
    urn_error err;
    urn_model *m = build(src, "{\"ts\": [1]}", &err);
    CHECK(m == NULL && strstr(err.msg, chk[c].msg), "checker refuses %s: got '%s'", chk[c].call,
          m ? "(accepted)" : err.msg);
    if (m) urn_model_free(m);
  }
}

int main(void) {
  test_robertson();
  test_linear();
  test_errors();
  return test_done();
}
