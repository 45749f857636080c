/* tests/test_ode_adjoint.c — ode_adjoint_tol_ctl (src/lang/fn_ode_adj.c, the
 * adjoint solve of src/math/ode_cvodes.c): values against ode_rk45_tol at
 * tight tolerances, the gradient (y0, t0, ts and extra arguments of several
 * kinds) against central finite differences and against the forward
 * sensitivities of ode_bdf_tol, under all eight combinations of
 * interpolation_polynomial, solver_forward and solver_backward; a stiff
 * system (Robertson's) through the adjoint; rejections of bad control
 * arguments with Stan's conditions; the checker's data rules.  Built
 * without SUNDIALS, the call fails with a message naming the package. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "data/ode_stiff_table.h"
#include "harness.h"
#include "math/ode.h"
#include "urn/model.h"

static urn_model *build(const char *src, const char *data, urn_error *err) {
  return urn_model_new("adj.stan", src, strlen(src), "adj.json", data, data ? strlen(data) : 0, 1, err);
}

/* A damped, forced oscillator with parameters everywhere: y0, t0, ts[3], a vector and a real extra argument. */
static const char *OSC =
    "functions { vector osc(real t, vector y, vector w, real c, int k) {\n"
    "  return [y[2], -w[1]^2 * y[1] - c * y[2] + k * w[2] * sin(t)]'; } }\n"
    "data { int interp; int sf; int sb; int adjoint; }\n"
    "parameters { vector[2] y0; real t0; real dt; vector<lower=0>[2] w; real<lower=0> c; }\n"
    "transformed parameters {\n"
    "  array[3] real ts = {t0 + 0.5, t0 + 2, t0 + 4 + exp(dt)};\n"
    "  array[3] vector[2] y;\n"
    "  if (adjoint) y = ode_adjoint_tol_ctl(osc, y0, t0, ts, 1e-10, rep_vector(1e-10, 2), 1e-10, rep_vector(1e-10, 2),\n"
    "                                       1e-10, 1e-10, 100000, 50, interp, sf, sb, w, c, 1);\n"
    "  else y = ode_bdf_tol(osc, y0, t0, ts, 1e-10, 1e-10, 100000, w, c, 1);\n"
    "}\n"
    "model { for (j in 1:3) target += dot_product(y[j], [0.3 * j, -0.2]') - 0.1 * dot_self(y[j]); }\n";

static const double U[7] = {1.0, -0.5, 0.2, -0.3, 0.1, 0.4, -1.2};

static int eval_grad(const urn_model *m, double *lp, double *g) {
  urn_error err;
  int rc = urn_model_log_density_gradient(m, 0, 1, U, lp, g, &err);
  if (rc) printf("gradient failed: %s\n", err.msg);
  return rc;
}

/* Central differences of the log density (h = 1e-6 (1 + |u|)). */
static void fd_grad(const urn_model *m, double *g) {
  urn_error err;
  for (int i = 0; i < 7; i++) {
    double v[7], fp = NAN, fm = NAN, h = 1e-6 * (1 + fabs(U[i]));
    memcpy(v, U, sizeof v);
    v[i] += h;
    urn_model_log_density(m, 0, 1, v, &fp, &err);
    v[i] -= 2 * h;
    urn_model_log_density(m, 0, 1, v, &fm, &err);
    g[i] = (fp - fm) / (2 * h);
  }
}

static double rel_err(const double *a, const double *b, int n) {
  double w = 0;
  for (int i = 0; i < n; i++) w = fmax(w, fabs(a[i] - b[i]) / (fabs(b[i]) + 1e-3));
  return w;
}

static void test_oscillator(void) {
  char data[200];
  urn_error err;
  snprintf(data, sizeof data, "{\"interp\": 1, \"sf\": 2, \"sb\": 2, \"adjoint\": 0}");
  urn_model *fwd = build(OSC, data, &err);
  CHECK(fwd != NULL, "oscillator (forward) builds: %s", fwd ? "" : err.msg);
  if (!fwd) return;
  if (!urn_ode_available()) {
    snprintf(data, sizeof data, "{\"interp\": 1, \"sf\": 2, \"sb\": 2, \"adjoint\": 1}");
    urn_model *m = build(OSC, data, &err);
    double lp;
    int rc = m ? urn_model_log_density(m, 0, 1, U, &lp, &err) : -1;
    CHECK(rc != URN_OK && strstr(err.msg, "ode_adjoint_tol_ctl") && strstr(err.msg, "libsundials-dev"),
          "without SUNDIALS: %s", err.msg);
    urn_model_free(m), urn_model_free(fwd);
    return;
  }
  double lp_f, g_f[7], g_fd[7];
  CHECK(eval_grad(fwd, &lp_f, g_f) == URN_OK, "oscillator forward-sensitivity gradient");
  double worst_val = 0, worst_fwd = 0, worst_fd = 0;
  for (int combo = 0; combo < 8; combo++) {
    snprintf(data, sizeof data, "{\"interp\": %d, \"sf\": %d, \"sb\": %d, \"adjoint\": 1}", 1 + (combo & 1),
             1 + ((combo >> 1) & 1), 1 + ((combo >> 2) & 1));
    urn_model *m = build(OSC, data, &err);
    CHECK(m != NULL, "oscillator %s builds: %s", data, m ? "" : err.msg);
    if (!m) continue;
    double lp, g[7];
    if (eval_grad(m, &lp, g) != URN_OK) {
      CHECK(0, "oscillator %s: gradient", data);
      urn_model_free(m);
      continue;
    }
    worst_val = fmax(worst_val, fabs(lp - lp_f) / (fabs(lp_f) + 1));
    worst_fwd = fmax(worst_fwd, rel_err(g, g_f, 7));
    if (combo == 0 || combo == 7) {
      fd_grad(m, g_fd);
      worst_fd = fmax(worst_fd, rel_err(g, g_fd, 7));
    }
    urn_model_free(m);
  }
  CHECK(worst_val < 1e-8, "adjoint log density equals the forward solver's: worst %.3g", worst_val);
  /* ~3e-6 at 1e-10: the adjoint interpolates the checkpointed forward solution (no error control there) */
  CHECK(worst_fwd < 1e-5, "adjoint gradient (y0, t0, ts, w, c) vs forward sensitivities, 8 control combinations: worst %.3g",
        worst_fwd);
  CHECK(worst_fd < 1e-5, "adjoint gradient vs central finite differences: worst %.3g", worst_fd);
  urn_model_free(fwd);
}

/* Robertson's stiff system through the adjoint: d(sum_j w_j . y(t_j))/dk against scipy's sensitivities. */
static void test_robertson(void) {
  if (!urn_ode_available()) {
    printf("skipped: robertson adjoint (urn built without SUNDIALS)\n");
    return;
  }
  const char *src =
      "functions { vector rober(real t, vector y, vector k) {\n"
      "  return [-k[1] * y[1] + k[3] * y[2] * y[3], k[1] * y[1] - k[3] * y[2] * y[3] - k[2] * square(y[2]),\n"
      "          k[2] * square(y[2])]'; } }\n"
      "data { array[7] real ts; matrix[7, 3] w; }\n"
      "parameters { vector[3] k; }\n"
      "transformed parameters { array[7] vector[3] y = ode_adjoint_tol_ctl(rober, [1, 0, 0]', 0, ts, 1e-10,\n"
      "  rep_vector(1e-14, 3), 1e-10, rep_vector(1e-10, 3), 1e-10, 1e-10, 100000, 150, 1, 2, 2, k); }\n"
      "model { for (j in 1:7) target += w[j] * y[j]; }\n";
  /* weights: one per (time, state), scaled so that every term matters */
  double w[21];
  char data[2048], *p = data;
  p += sprintf(p, "{\"ts\": [");
  for (int j = 0; j < 7; j++) p += sprintf(p, "%s%.17g", j ? ", " : "", ROBER_TS[j]);
  p += sprintf(p, "], \"w\": [");
  for (int j = 0; j < 7; j++) {
    for (int i = 0; i < 3; i++) w[j * 3 + i] = (i == 1 ? 1e4 : 1.0) * (1 + 0.1 * j) * (i == 2 ? -1 : 1);
    p += sprintf(p, "%s[%.17g, %.17g, %.17g]", j ? ", " : "", w[j * 3], w[j * 3 + 1], w[j * 3 + 2]);
  }
  sprintf(p, "]}");
  urn_error err;
  urn_model *m = build(src, data, &err);
  CHECK(m != NULL, "robertson adjoint builds: %s", m ? "" : err.msg);
  if (!m) return;
  double k[3] = {0.04, 3e7, 1e4}, g[3], lp, want[3] = {0, 0, 0}, lp_want = 0;
  for (int j = 0; j < 7; j++)
    for (int i = 0; i < 3; i++) {
      lp_want += w[j * 3 + i] * ROBER[j * 12 + i];
      for (int l = 0; l < 3; l++) want[l] += w[j * 3 + i] * ROBER[j * 12 + 3 + i * 3 + l];
    }
  int rc = urn_model_log_density_gradient(m, 0, 1, k, &lp, g, &err);
  CHECK(rc == URN_OK, "robertson adjoint gradient: %s", rc ? err.msg : "");
  double e = 0;
  for (int l = 0; l < 3; l++) e = fmax(e, fabs(g[l] - want[l]) / fabs(want[l]));
  CHECK(fabs(lp - lp_want) / fabs(lp_want) < 1e-8, "robertson adjoint value vs scipy Radau: %.3g",
        fabs(lp - lp_want) / fabs(lp_want));
  CHECK(e < 1e-4, "robertson adjoint gradient vs scipy Radau sensitivities: worst relative error %.3g", e);
  urn_model_free(m);
}

/* Bad control arguments: evaluation-time rejections naming the argument. */
static void test_rejections(void) {
  static const struct { const char *ctl, *msg; } cases[] = {
      {"-1e-6, atol, 1e-6, atol, 1e-6, 1e-6, 1000, 10, 1, 2, 2", "relative_tolerance_forward is -1e-06"},
      {"1e-6, [1e-6, 0]', 1e-6, atol, 1e-6, 1e-6, 1000, 10, 1, 2, 2", "absolute_tolerance_forward[2] is 0"},
      {"1e-6, [1e-6]', 1e-6, atol, 1e-6, 1e-6, 1000, 10, 1, 2, 2", "absolute_tolerance_forward has size 1"},
      {"1e-6, atol, 1e-6, atol, 0, 1e-6, 1000, 10, 1, 2, 2", "relative_tolerance_quadrature is 0"},
      {"1e-6, atol, 1e-6, atol, 1e-6, 1e-6, 0, 10, 1, 2, 2", "max_num_steps is 0"},
      {"1e-6, atol, 1e-6, atol, 1e-6, 1e-6, 1000, 0, 1, 2, 2", "num_steps_between_checkpoints is 0"},
      {"1e-6, atol, 1e-6, atol, 1e-6, 1e-6, 1000, 10, 3, 2, 2", "interpolation_polynomial is 3, but must be 1 or 2"},
      {"1e-6, atol, 1e-6, atol, 1e-6, 1e-6, 1000, 10, 1, 0, 2", "solver_forward is 0, but must be 1 or 2"},
      {"1e-6, atol, 1e-6, atol, 1e-6, 1e-6, 1000, 10, 1, 2, 5", "solver_backward is 5, but must be 1 or 2"},
      {"1e-6, atol, 1e-6, atol, 1e-6, 1e-6, 3, 10, 1, 2, 2", "max_num_steps"},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    char src[1024];
    snprintf(src, sizeof src,
             "functions { vector f(real t, vector y, real k) { return -k * y; } }\n"
             "transformed data { vector[2] atol = [1e-6, 1e-6]'; }\n"
             "parameters { real<lower=0> k; }\n"
             "model { array[2] vector[2] y = ode_adjoint_tol_ctl(f, [1, 2]', 0, {1.0, 200.0}, %s, k);\n"
             "        target += -k; }\n",
             cases[c].ctl);
    urn_error err;
    urn_model *m = build(src, NULL, &err);
    CHECK(m != NULL, "rejection case %zu builds: %s", c, m ? "" : err.msg);
    if (!m) continue;
    double u[1] = {0.5}, lp;
    int rc = urn_model_log_density(m, 0, 1, u, &lp, &err);
    int want_unavail = !urn_ode_available() && c == 9;
    const char *want = want_unavail ? "libsundials-dev" : cases[c].msg;
    CHECK(rc != URN_OK && strstr(err.msg, want), "ode_adjoint_tol_ctl(%s) fails with '%s': got '%s'", cases[c].ctl,
          want, err.msg);
    urn_model_free(m);
  }
}

/* The checker: control arguments must be data; the system function must fit. */
static void test_checker(void) {
  static const struct { const char *decl, *call, *msg; } cases[] = {
      {"real rq;", "ode_adjoint_tol_ctl(f, y0, 0, ts, 1e-6, atol, 1e-6, atol, rq, 1e-6, 100, 10, 1, 2, 2, k)",
       "argument 9 of ode_adjoint_tol_ctl (relative_tolerance_quadrature) must be data"},
      {"vector[2] at;", "ode_adjoint_tol_ctl(f, y0, 0, ts, 1e-6, at, 1e-6, atol, 1e-6, 1e-6, 100, 10, 1, 2, 2, k)",
       "argument 6 of ode_adjoint_tol_ctl (absolute_tolerance_forward) must be data"},
      {"", "ode_adjoint_tol_ctl(f, y0, 0, ts, 1e-6, atol, 1e-6, atol, 1e-6, 1e-6, 100, 10, 1, 2, 2)",
       "must be declared vector f(real t, vector y, ...) with one argument after y for each of the 0 arguments after "
       "solver_backward"},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    char src[1024];
    snprintf(src, sizeof src,
             "functions { vector f(real t, vector y, real k) { return -k * y; } }\n"
             "data { array[2] real ts; }\n"
             "transformed data { vector[2] atol = [1e-6, 1e-6]'; }\n"
             "parameters { real k; %s }\n"
             "model { vector[2] y0 = [1, 2]'; array[2] vector[2] y = %s; }\n",
             cases[c].decl, cases[c].call);
    urn_error err;
    urn_model *m = build(src, "{\"ts\": [1, 2]}", &err);
    CHECK(m == NULL && strstr(err.msg, cases[c].msg), "checker refuses %s: got '%s'", cases[c].call,
          m ? "(accepted)" : err.msg);
    if (m) urn_model_free(m);
  }
}

int main(void) {
  test_oscillator();
  test_robertson();
  test_rejections();
  test_checker();
  return test_done();
}
