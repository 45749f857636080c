/* tests/test_ode.c — the ODE solvers (src/lang/fn_ode.c): solutions against
 * closed forms (exponential decay, the harmonic oscillator) and against scipy
 * (tests/data/ode_table.h: Lotka-Volterra, posteriordb's SIR system, a linear
 * system with matrix and vector arguments); gradients against closed forms and
 * central finite differences, including t0, ts, y0 and every kind of extra
 * argument; the old integrate_ode_* interface; rejections with their messages;
 * checker errors for a system function of the wrong signature. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/ode_table.h"
#include "harness.h"
#include "math/ode.h"
#include "model_fd.h"
#include "urn/model.h"
#include "util/util.h"

static urn_model *build(const char *src, const char *data, urn_error *err) {
  return urn_model_new("ode.stan", src, strlen(src), "ode.json", data, data ? strlen(data) : 0, 1, err);
}

/* Exponential decay y' = -k y with ode_rk45: values and the exact gradient. */
static void test_decay(void) {
  const char *src =
      "functions { vector decay(real t, vector y, real k) { return -k * y; } }\n"
      "data { array[3] real ts; }\n"
      "parameters { real k; real y0; }\n"
      "transformed parameters { array[3] vector[1] y = ode_rk45_tol(decay, [y0]', 0, ts, 1e-10, 1e-10, 100000, k); }\n"
      "model { target += y[1][1] + y[2][1] + y[3][1]; }\n";
  urn_error err;
  urn_model *m = build(src, "{\"ts\": [0.5, 1, 2]}", &err);
  CHECK(m != NULL, "decay builds: %s", m ? "" : err.msg);
  if (!m) return;
  double u[2] = {0.7, 1.3}, g[2], lp, out[5];
  CHECK(urn_model_param_constrain(m, 1, 0, u, out, NULL, &err) == URN_OK, "decay constrains");
  const double ts[3] = {0.5, 1, 2};
  double want_lp = 0, dk = 0, dy0 = 0;
  for (int j = 0; j < 3; j++) {
    double e = exp(-0.7 * ts[j]);
    CHECK_REL(out[2 + j], 1.3 * e, 1e-8, "decay y(t) = y0 exp(-k t)");
    want_lp += 1.3 * e, dk += -ts[j] * 1.3 * e, dy0 += e;
  }
  CHECK(urn_model_log_density_gradient(m, 0, 1, u, &lp, g, &err) == URN_OK, "decay gradient");
  CHECK_REL(lp, want_lp, 1e-8, "decay lp");
  CHECK_REL(g[0], dk, 1e-7, "decay d/dk (closed form)");
  CHECK_REL(g[1], dy0, 1e-7, "decay d/dy0 (closed form)");
  urn_model_free(m);
}

/* Harmonic oscillator with the old interface, and t0 and ts as parameters. */
static void test_oscillator(void) {
  const char *src =
      "functions {\n"
      "  array[] real osc(real t, array[] real y, array[] real theta, array[] real x_r, array[] int x_i) {\n"
      "    return {y[2], -theta[1]^2 * y[1]};\n"
      "  }\n"
      "}\n"
      "data { int which; }\n"
      "parameters { real w; real a; real b; real t0; real dt; }\n"
      "transformed parameters {\n"
      "  array[2, 2] real y = integrate_ode_rk45(osc, {a, b}, t0, {t0 + 1, t0 + 1 + exp(dt)}, {w}, rep_array(0.0, 0),\n"
      "                                          rep_array(0, 0), 1e-10, 1e-10, 1e6);\n"
      "}\n"
      "model { target += 0.3 * y[1, 1] - 0.2 * y[1, 2] + 0.5 * y[2, 1] + 0.1 * y[2, 2]; }\n";
  urn_error err;
  urn_model *m = build(src, "{\"which\": 1}", &err);
  CHECK(m != NULL, "oscillator builds: %s", m ? "" : err.msg);
  if (!m) return;
  double u[5] = {1.7, 0.4, -0.9, 0.3, -0.2}, out[9];
  CHECK(urn_model_param_constrain(m, 1, 0, u, out, NULL, &err) == URN_OK, "oscillator constrains");
  double w = u[0], a = u[1], b = u[2], taus[2] = {1, 1 + exp(u[4])};
  for (int j = 0; j < 2; j++) {
    double tau = taus[j];
    /* y = a cos(w tau) + b/w sin(w tau), y' = -a w sin(w tau) + b cos(w tau); array[2, 2] row-major in Stan CSV is
     * column-major: out[5 + j + 2 i] */
    CHECK_REL(out[5 + j], a * cos(w * tau) + b / w * sin(w * tau), 1e-8, "oscillator y1 (closed form)");
    CHECK_REL(out[5 + j + 2], -a * w * sin(w * tau) + b * cos(w * tau), 1e-8, "oscillator y2 (closed form)");
  }
  double e = model_fd_error(m, u);
  CHECK(e < 1e-6, "oscillator gradient (w, y0, t0, ts) vs finite differences: worst %g", e);
  urn_model_free(m);
}

/* Lotka-Volterra against scipy, through ode_rk45 (default tolerances) and ode_bdf / ode_adams. */
static void test_lotka_volterra(void) {
  const char *fmt =
      "functions { vector lv(real t, vector z, array[] real th) {\n"
      "  return [(th[1] - th[2] * z[2]) * z[1], (-th[3] + th[4] * z[1]) * z[2]]'; } }\n"
      "data { array[6] real ts; }\n"
      "parameters { array[4] real<lower=0> th; vector<lower=0>[2] z0; }\n"
      "transformed parameters { array[6] vector[2] z = %s(lv, z0, 0, ts%s, th); }\n"
      "model { for (j in 1:6) target += log(z[j][1]) + 0.5 * log(z[j][2]); }\n";
  const char *data = "{\"ts\": [0.5, 1, 2.5, 4, 7.5, 10]}";
  const char *solvers[4] = {"ode_rk45", "ode_bdf", "ode_adams", "ode_rk45_tol"};
  for (int s = 0; s < 4; s++) {
    if ((s == 1 || s == 2) && !urn_ode_available()) {
      printf("skipped: lv %s (urn built without SUNDIALS)\n", solvers[s]);
      continue;
    }
    char src[2048];
    snprintf(src, sizeof src, fmt, solvers[s], s == 3 ? ", 1e-10, 1e-10, 100000" : "");
    urn_error err;
    urn_model *m = build(src, data, &err);
    CHECK(m != NULL, "lv %s builds: %s", solvers[s], m ? "" : err.msg);
    if (!m) continue;
    double u[6] = {log(0.55), log(0.028), log(0.8), log(0.024), log(33.0), log(6.0)}, out[18];
    CHECK(urn_model_param_constrain(m, 1, 0, u, out, NULL, &err) == URN_OK, "lv constrains");
    double tol = s == 3 ? 1e-8 : 1e-4, worst = 0;
    for (int j = 0; j < 6; j++)
      for (int i = 0; i < 2; i++) {
        double got = out[6 + j + 6 * i], want = ODE_LV[j * 2 + i];
        double rel = fabs(got - want) / fabs(want);
        if (rel > worst) worst = rel;
      }
    CHECK(worst < tol, "lv %s matches scipy: worst relative error %.3g (< %g)", solvers[s], worst, tol);
    if (s == 3) {
      double e = model_fd_error(m, u);
      CHECK(e < 1e-6, "lv gradient vs finite differences: worst %g", e);
    }
    urn_model_free(m);
  }
}

/* posteriordb's SIR system (old interface) against scipy. */
static void test_sir(void) {
  const char *src =
      "functions {\n"
      "  array[] real simple_SIR(real t, array[] real y, array[] real theta, array[] real x_r, array[] int x_i) {\n"
      "    array[4] real dydt;\n"
      "    dydt[1] = -theta[1] * y[4] / (y[4] + theta[2]) * y[1];\n"
      "    dydt[2] = theta[1] * y[4] / (y[4] + theta[2]) * y[1] - theta[3] * y[2];\n"
      "    dydt[3] = theta[3] * y[2];\n"
      "    dydt[4] = theta[4] * y[2] - theta[5] * y[4];\n"
      "    return dydt;\n"
      "  }\n"
      "}\n"
      "data { array[6] real ts; }\n"
      "parameters { real<lower=0> beta; }\n"
      "transformed parameters { array[6, 4] real y = integrate_ode_rk45(simple_SIR, {1000.0, 10, 0, 1e4}, 0, ts,\n"
      "  {beta, 1e6, 0.3, 10, 0.5}, rep_array(0.0, 0), rep_array(0, 0)); }\n"
      "model { target += -0.001 * sum(to_array_1d(y)); }\n";
  urn_error err;
  urn_model *m = build(src, "{\"ts\": [0.5, 1, 2.5, 4, 7.5, 10]}", &err);
  CHECK(m != NULL, "sir builds: %s", m ? "" : err.msg);
  if (!m) return;
  double u[1] = {log(1.2)}, out[25], worst = 0;
  CHECK(urn_model_param_constrain(m, 1, 0, u, out, NULL, &err) == URN_OK, "sir constrains");
  for (int j = 0; j < 6; j++)
    for (int i = 0; i < 4; i++) {
      double got = out[1 + j + 6 * i], want = ODE_SIR[j * 4 + i];
      double rel = fabs(got - want) / (fabs(want) + 1e-6);
      if (rel > worst) worst = rel;
    }
  CHECK(worst < 1e-4, "sir (rel 1e-6, abs 1e-6) matches scipy: worst relative error %.3g", worst);
  urn_model_free(m);
}

/* y' = A y + b with a matrix, a vector, an int and an unused real array as extra arguments. */
static void test_linear(void) {
  const char *fmt =
      "functions { vector lin(real t, vector y, matrix A, vector b, int scale, array[] real unused) {\n"
      "  return (A * y + b) / scale; } }\n"
      "data { int one; }\n"
      "parameters { matrix[3, 3] A; vector[3] b; vector[3] y0; }\n"
      "transformed parameters { array[6] vector[3] y = %s(lin, y0, 0, {0.5, 1, 2.5, 4, 7.5, 10}, 1e-10,\n"
      "                                                            1e-10, 1000000, A, b, one, {1.0, 2.0}); }\n"
      "model { for (j in 1:6) target += dot_product(y[j], [0.2, -0.4, 0.3]') + 0.01 * dot_self(y[j]); }\n";
  char src[1024];
  snprintf(src, sizeof src, fmt, urn_ode_available() ? "ode_adams_tol" : "ode_rk45_tol");
  urn_error err;
  urn_model *m = build(src, "{\"one\": 1}", &err);
  CHECK(m != NULL, "linear builds: %s", m ? "" : err.msg);
  if (!m) return;
  /* column-major A */
  double u[15] = {-0.5, 0.2, 0.0, 0.3, -0.7, 0.4, 0.0, 0.1, -0.3, 0.1, -0.2, 0.3, 1.0, 2.0, -1.0}, out[33];
  CHECK(urn_model_param_constrain(m, 1, 0, u, out, NULL, &err) == URN_OK, "linear constrains");
  double worst = 0; /* |error| / (|y| + 1): CVODES' Adams at rtol = atol = 1e-10 errs by ~2e-10 absolute here */
  for (int j = 0; j < 6; j++)
    for (int i = 0; i < 3; i++) {
      double got = out[15 + j + 6 * i], want = ODE_LIN[j * 3 + i];
      double rel = fabs(got - want) / (fabs(want) + 1);
      if (rel > worst) worst = rel;
    }
  CHECK(worst < 1e-8, "linear system matches the matrix exponential: worst %.3g", worst);
  double e = model_fd_error(m, u);
  CHECK(e < 1e-6, "linear gradient (A, b, y0) vs finite differences: worst %g", e);
  urn_model_free(m);
}

/* Rejections: their messages name the solver. */
static void test_rejections(void) {
  static const struct { const char *call, *msg; } cases[] = {
      {"ode_rk45_tol(f, y0, 0, {1.0, 2.0}, 1e-6, 1e-6, 3, k)", "max_num_steps (3) reached"},
      {"ode_rk45(f, y0, 0, {2.0, 1.0}, k)", "times must be sorted"},
      {"ode_rk45(f, y0, 1, {1.0, 2.0}, k)", "must be greater than the initial time"},
      {"ode_rk45_tol(f, y0, 0, {1.0}, -1, 1e-6, 10, k)", "relative tolerance is -1"},
      {"ode_rk45(g, y0, 0, {1.0}, k)", "returned 1 values for a state of size 2"},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    char src[1024];
    snprintf(src, sizeof src,
             "functions { vector f(real t, vector y, real k) { return -k * y; }\n"
             "  vector g(real t, vector y, real k) { return [k]'; } }\n"
             "parameters { real k; }\n"
             "model { vector[2] y0 = [1, 2]'; array[%d] vector[2] y = %s; target += -k^2; }\n",
             strstr(cases[c].call, "{1.0}") ? 1 : 2, cases[c].call);
    urn_error err;
    urn_model *m = build(src, NULL, &err);
    CHECK(m != NULL, "rejection case %zu builds: %s", c, m ? "" : err.msg);
    if (!m) continue;
    double u[1] = {50}, lp;
    int rc = urn_model_log_density(m, 0, 1, u, &lp, &err);
    CHECK(rc == URN_EREJECT && strstr(err.msg, cases[c].msg) != NULL, "%s rejects with '%s': got %d '%s'",
          cases[c].call, cases[c].msg, rc, err.msg);
    urn_model_free(m);
  }
}

/* Checker errors for system functions that do not fit the call. */
static void test_checker(void) {
  static const struct { const char *fun, *call, *msg; } cases[] = {
      {"vector f(real t, vector y) { return y; }", "ode_rk45(f, y0, 0, ts, k)",
       "must be declared vector f(real t, vector y, ...) with one argument after y for each of the 1 argument"},
      {"vector f(real t, vector y, vector k) { return y; }", "ode_rk45(f, y0, 0, ts, k)",
       "argument 5 of ode_rk45 is real, but f's argument 3 is vector"},
      {"array[] real f(real t, array[] real y, array[] real th, array[] real xr, array[] int xi) { return y; }",
       "ode_rk45(f, y0, 0, ts, k)", "must be declared vector f(real t, vector y, ...)"},
      {"vector f(real t, vector y, real k) { return y; }", "ode_rk45_tol(f, y0, 0, ts, k, 1e-6, 10, k)",
       "argument 5 of ode_rk45_tol (rel_tol) must be data"},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    char src[1024];
    snprintf(src, sizeof src,
             "functions { %s }\n"
             "data { array[2] real ts; }\n"
             "parameters { real k; }\n"
             "model { vector[2] y0 = [1, 2]'; array[2] vector[2] y = %s; }\n",
             cases[c].fun, cases[c].call);
    urn_error err;
    urn_model *m = build(src, "{\"ts\": [1, 2]}", &err);
    CHECK(m == NULL && strstr(err.msg, cases[c].msg) != NULL, "checker refuses %s: got '%s'", cases[c].call,
          m ? "(accepted)" : err.msg);
    if (m) urn_model_free(m);
  }
}

/* posteriordb's sir and soil_incubation programs (no reference posterior, so not
 * fixtures of test_eval_posteriordb): gradient against finite differences with
 * their integrate_ode_rk45 call given tolerances 1e-10 (at the default 1e-6 a
 * finite difference measures the solver's error: ~1e-3 relative here). */
static void test_posteriordb_odes(void) {
  const char *shared = test_shared_dir();
  if (!shared) {
    printf("skipped: ../shared not found (posteriordb ODE programs)\n");
    return;
  }
  static const struct { const char *name; double u[6]; int n; } cases[] = {
      {"sir", {0.05, -1.55, 2.4, -1.1}, 4}, /* near its mode (urn optimize --jacobian) */
      {"soil_incubation", {-0.5, -1, -0.3, 0.2, 1, -0.5}, 6},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    char path[8192], dpath[8192];
    snprintf(path, sizeof path, "%s/posteriordb/models/%s.stan", shared, cases[c].name);
    snprintf(dpath, sizeof dpath, "%s/posteriordb/models/%s.data.json", shared, cases[c].name);
    urn_error err;
    size_t ls, ld;
    char *src = urn_read_file(path, &ls, &err), *data = urn_read_file(dpath, &ld, &err);
    CHECK(src && data, "%s: files read", cases[c].name);
    if (!src || !data) { free(src), free(data); continue; }
    char *call = strstr(src, "integrate_ode_rk45("), *end = call ? strstr(call, "x_i)") : NULL;
    CHECK(end != NULL, "%s: integrate_ode_rk45(..., x_i) found", cases[c].name);
    if (!end) { free(src), free(data); continue; }
    const char *tol = ", 1e-10, 1e-10, 1e8";
    char *s2 = malloc(ls + strlen(tol) + 1);
    size_t pre = (size_t)(end + 3 - src);
    memcpy(s2, src, pre);
    strcpy(s2 + pre, tol);
    strcat(s2, end + 3);
    urn_model *m = urn_model_new(path, s2, strlen(s2), dpath, data, ld, 1, &err);
    CHECK(m != NULL, "%s (tolerances 1e-10) builds: %s", cases[c].name, m ? "" : err.msg);
    if (m) {
      CHECK(urn_model_num_unconstrained(m) == (size_t)cases[c].n, "%s: %d parameters", cases[c].name, cases[c].n);
      double e = model_fd_error(m, cases[c].u);
      CHECK(e < 1e-6, "%s: gradient vs finite differences: worst %.3g", cases[c].name, e);
      urn_model_free(m);
    }
    free(s2), free(src), free(data);
  }
}

/* A stiff system, y' = -k (y - cos t), y(0) = 0, k = 1e6 on [0, 10]: y = A cos t + B sin t - A e^{-k t} with
 * A = k^2 / (1 + k^2), B = k / (1 + k^2).  CVODES' BDF solves it in a few hundred steps (values against the
 * closed form, gradient in k against finite differences); the explicit ode_rk45 needs ~3e6 stability-limited
 * steps, so a bounded max_num_steps ends in a clean rejection naming the solver.  Without SUNDIALS, ode_bdf
 * fails with a message naming the Debian package. */
static void test_stiff(void) {
  const char *fmt =
      "functions { vector stiff(real t, vector y, real k) { return -k * (y - cos(t)); } }\n"
      "parameters { real<lower=0> k; real x; }\n"
      "transformed parameters { array[3] vector[1] y = %s(stiff, [0]', 0, {1e-6, 1e-5, 10}, 1e-9, 1e-9, 2000, k); }\n"
      "model { k ~ lognormal(log(1e6), 1); for (j in 1:3) x ~ normal(y[j][1], 1); }\n";
  const char *solvers[2] = {"ode_bdf_tol", "ode_rk45_tol"};
  for (int s = 0; s < 2; s++) {
    char src[1024];
    snprintf(src, sizeof src, fmt, solvers[s]);
    urn_error err;
    urn_model *m = build(src, NULL, &err);
    CHECK(m != NULL, "stiff model %s builds: %s", solvers[s], m ? "" : err.msg);
    if (!m) continue;
    double u[2] = {log(1e6), 0.3}, out[5], lp;
    if (s == 1 || !urn_ode_available()) {
      int rc = urn_model_log_density(m, 0, 1, u, &lp, &err);
      const char *want = s == 1 ? "ode_rk45_tol: max_num_steps (2000) reached before t = 10" : "libsundials-dev";
      CHECK(rc != URN_OK && strstr(err.msg, want), "stiff system with %s fails cleanly: %s", solvers[s], err.msg);
      urn_model_free(m);
      continue;
    }
    CHECK(urn_model_param_constrain(m, 1, 0, u, out, NULL, &err) == URN_OK, "stiff constrains: %s", err.msg);
    double k = 1e6, A = k * k / (1 + k * k), B = k / (1 + k * k), ts[3] = {1e-6, 1e-5, 10}, worst = 0;
    for (int j = 0; j < 3; j++) {
      double want = A * cos(ts[j]) + B * sin(ts[j]) - A * exp(-k * ts[j]);
      worst = fmax(worst, fabs(out[2 + j] - want) / fabs(want));
    }
    CHECK(worst < 1e-6, "stiff system with ode_bdf_tol matches the closed form: worst relative error %.3g", worst);
    double e = model_fd_error(m, u);
    CHECK(e < 1e-5, "stiff gradient (k) vs finite differences: worst %.3g", e);
    urn_model_free(m);
  }
}

int main(void) {
  test_stiff();
  test_posteriordb_odes();
  test_decay();
  test_oscillator();
  test_lotka_volterra();
  test_sir();
  test_linear();
  test_rejections();
  test_checker();
  return test_done();
}
