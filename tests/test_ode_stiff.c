/* tests/test_ode_stiff.c — the stiff ODE solvers on SUNDIALS' CVODES
 * (src/math/ode_cvodes.c through src/lang/fn_ode.c): Robertson's chemical
 * kinetics (stiffness ratio ~1e11 over t in [0, 4e5]) with ode_bdf_tol and
 * integrate_ode_bdf, values and forward sensitivities dy/dk against scipy's
 * Radau solution of the sensitivity equations (tests/data/ode_stiff_table.h,
 * generator gen_ode_stiff.py, cross-checked against scipy's BDF), and the
 * sensitivities against central finite differences of urn's own solution.
 * Built without SUNDIALS, the calls must fail with a message naming the
 * Debian package. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "data/ode_stiff_table.h"
#include "harness.h"
#include "math/ode.h"
#include "urn/model.h"

/* A Robertson model: parameters k (unconstrained), target = sum_ij w_ij y_i(t_j) with data weights w. */
static const char *ROBER_SRC =
    "functions {\n"
    "  vector rober(real t, vector y, vector k) {\n"
    "    return [-k[1] * y[1] + k[3] * y[2] * y[3],\n"
    "            k[1] * y[1] - k[3] * y[2] * y[3] - k[2] * square(y[2]),\n"
    "            k[2] * square(y[2])]';\n"
    "  }\n"
    "  array[] real rober_old(real t, array[] real y, array[] real k, array[] real xr, array[] int xi) {\n"
    "    return to_array_1d(rober(t, to_vector(y), to_vector(k)));\n"
    "  }\n"
    "}\n"
    "data { array[7] real ts; matrix[7, 3] w; int old; }\n"
    "parameters { vector[3] k; }\n"
    "transformed parameters {\n"
    "  array[7] vector[3] y;\n"
    "  if (old) {\n"
    "    array[7, 3] real yo = integrate_ode_bdf(rober_old, {1.0, 0, 0}, 0, ts, to_array_1d(k), rep_array(0.0, 0),\n"
    "                                            rep_array(0, 0), 1e-10, 1e-14, 100000);\n"
    "    for (j in 1:7) y[j] = to_vector(yo[j]);\n"
    "  } else {\n"
    "    y = ode_bdf_tol(rober, [1, 0, 0]', 0, ts, 1e-10, 1e-14, 100000, k);\n"
    "  }\n"
    "}\n"
    "model { for (j in 1:7) target += w[j] * y[j]; }\n";

static urn_model *rober_model(int old, int wj, int wi, urn_error *err) {
  char data[1024], *p = data;
  p += sprintf(p, "{\"old\": %d, \"ts\": [", old);
  for (int j = 0; j < 7; j++) p += sprintf(p, "%s%.17g", j ? ", " : "", ROBER_TS[j]);
  p += sprintf(p, "], \"w\": [");
  for (int j = 0; j < 7; j++)
    p += sprintf(p, "%s[%d, %d, %d]", j ? ", " : "", j == wj && wi == 0, j == wj && wi == 1, j == wj && wi == 2);
  sprintf(p, "]}");
  return urn_model_new("rober.stan", ROBER_SRC, strlen(ROBER_SRC), "rober.json", data, strlen(data), 1, err);
}

static const double K[3] = {0.04, 3e7, 1e4};

/* Values at every time, both interfaces, against Radau. */
static void test_values(void) {
  for (int old = 0; old < 2; old++) {
    urn_error err;
    urn_model *m = rober_model(old, 0, 0, &err);
    CHECK(m != NULL, "robertson (old %d) builds: %s", old, m ? "" : err.msg);
    if (!m) continue;
    double out[3 + 21];
    int rc = urn_model_param_constrain(m, 1, 0, K, out, NULL, &err);
    if (!urn_ode_available()) {
      CHECK(rc != URN_OK && strstr(err.msg, "libsundials-dev"), "without SUNDIALS: %s", err.msg);
      urn_model_free(m);
      continue;
    }
    CHECK(rc == URN_OK, "robertson (old %d) solves: %s", old, rc == URN_OK ? "" : err.msg);
    double worst = 0, worst_sum = 0;
    for (int j = 0; j < 7; j++) {
      double sum = 0;
      for (int i = 0; i < 3; i++) {
        double got = out[3 + j + 7 * i], want = ROBER[j * 12 + i];
        /* y2 is ~1e-5 .. 1e-9: relative error against the state, with the absolute tolerance 1e-14 as floor */
        worst = fmax(worst, fabs(got - want) / (fabs(want) + 1e-12));
        sum += got;
      }
      worst_sum = fmax(worst_sum, fabs(sum - 1));
    }
    CHECK(worst < 2e-6, "robertson (old %d) vs scipy Radau: worst relative error %.3g", old, worst);
    CHECK(worst_sum < 1e-9, "robertson (old %d) conserves y1 + y2 + y3 = 1: worst %.3g", old, worst_sum);
    urn_model_free(m);
  }
}

/* Sensitivities dy_i(t_j)/dk_l from the gradient of target = y_i(t_j): against Radau's sensitivity equations and
 * against central differences of urn's solution (relative step 1e-3: smaller steps measure the adaptive solver's step-selection noise). */
static void test_sensitivities(void) {
  if (!urn_ode_available()) {
    printf("skipped: robertson sensitivities (urn built without SUNDIALS)\n");
    return;
  }
  double worst_ref = 0, worst_fd = 0;
  int bad = 0;
  for (int j = 1; j < 7; j += 2)
    for (int i = 0; i < 3; i++) {
      urn_error err;
      urn_model *m = rober_model(0, j, i, &err);
      if (!m) {
        bad++;
        continue;
      }
      double g[3], lp;
      if (urn_model_log_density_gradient(m, 0, 1, K, &lp, g, &err) != URN_OK) {
        bad++;
        urn_model_free(m);
        continue;
      }
      for (int l = 0; l < 3; l++) {
        double want = ROBER[j * 12 + 3 + i * 3 + l];
        /* scale: the largest |dy_i/dk_l| over time for this (i, l), so near-zero crossings don't dominate */
        double sc = 0;
        for (int jj = 0; jj < 7; jj++) sc = fmax(sc, fabs(ROBER[jj * 12 + 3 + i * 3 + l]));
        worst_ref = fmax(worst_ref, fabs(g[l] - want) / (fabs(want) + 1e-6 * sc));
        double kp[3], km[3], fp, fm, h = 1e-3 * K[l];
        memcpy(kp, K, sizeof kp), memcpy(km, K, sizeof km);
        kp[l] += h, km[l] -= h;
        if (urn_model_log_density(m, 0, 1, kp, &fp, &err) || urn_model_log_density(m, 0, 1, km, &fm, &err)) {
          bad++;
          continue;
        }
        double fd = (fp - fm) / (2 * h);
        worst_fd = fmax(worst_fd, fabs(g[l] - fd) / (fabs(fd) + 1e-6 * sc));
      }
      urn_model_free(m);
    }
  CHECK(bad == 0, "robertson gradients evaluate (%d failures)", bad);
  CHECK(worst_ref < 1e-4, "robertson dy/dk vs scipy Radau sensitivity equations: worst relative error %.3g",
        worst_ref);
  CHECK(worst_fd < 1e-4, "robertson dy/dk vs central finite differences: worst relative error %.3g", worst_fd);
}

int main(void) {
  test_values();
  test_sensitivities();
  return test_done();
}
