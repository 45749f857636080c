/* tests/test_eval_posteriordb.c — coverage of ../shared/posteriordb:
 * every program of models/ (111) must build (parse, check, lower), build with
 * its data, and give a finite log density at a random unconstrained point
 * (uniform(-2, 2), Stan's default init; up to 20 tries); the counts are
 * printed.  For each fixture folder with data (35), the gradient is checked
 * against central finite differences at three random points.
 * URN_TEST_VERBOSE=1 prints every failure's message. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "math/ode.h"
#include "math/rng.h"
#include "urn/model.h"
#include "util/util.h"

/* Programs known to need what urn does not have yet (none since the ODE solvers). */
static int known_unsupported(const char *name) {
  static const char *list[] = {NULL};
  for (int i = 0; list[i]; i++)
    if (strstr(name, list[i])) return 1;
  return 0;
}

/* An ODE program whose own tolerances are loose (lotka_volterra: rel 1e-5,
 * abs 1e-3) is solved only to those tolerances, and a finite difference of
 * it measures the solver's error, not the gradient: its gradient is checked
 * on the same program with the tolerances tightened to 1e-10 (the solver and
 * its sensitivities are the same code).  Returns the model or NULL. */
static urn_model *tightened_ode_model(const char *stan_path, const char *data_path, urn_error *err) {
  size_t ls, ld;
  char *src = urn_read_file(stan_path, &ls, err), *data = urn_read_file(data_path, &ld, err);
  urn_model *m = NULL;
  const char *loose = "1e-5, 1e-3, 5e2", *tight = "1e-10, 1e-10, 1e8";
  char *at = src ? strstr(src, loose) : NULL;
  if (at && data) {
    char *s2 = malloc(ls + 64);
    size_t pre = (size_t)(at - src);
    memcpy(s2, src, pre);
    strcpy(s2 + pre, tight);
    strcat(s2, at + strlen(loose));
    m = urn_model_new(stan_path, s2, strlen(s2), data_path, data, ld, 1, err);
    free(s2);
  }
  free(src), free(data);
  return m;
}

/* one_comp_mm_elim_abs calls integrate_ode_bdf with its default tolerances 1e-10: CVODES' step selection
 * changes with the parameters, which makes the solution's error (~1e-6 of a log density of -400) jump between
 * the points of a finite difference.  Its gradient is checked with the tolerances 1e-12 (the solver and its
 * sensitivities are the same code).  Returns the model or NULL when the program has no such call. */
static urn_model *tightened_bdf_model(const char *stan_path, const char *data_path, urn_error *err) {
  size_t ls, ld;
  char *src = urn_read_file(stan_path, &ls, err), *data = urn_read_file(data_path, &ld, err);
  urn_model *m = NULL;
  char *call = src ? strstr(src, "integrate_ode_bdf(") : NULL, *at = call ? strstr(call, "x_i);") : NULL;
  if (at && data) {
    const char *tight = ", 1e-12, 1e-12, 1e8";
    char *s2 = malloc(ls + 64);
    size_t pre = (size_t)(at + 3 - src);
    memcpy(s2, src, pre);
    strcpy(s2 + pre, tight);
    strcat(s2, at + 3);
    m = urn_model_new(stan_path, s2, strlen(s2), data_path, data, ld, 1, err);
    free(s2);
  }
  free(src), free(data);
  return m;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Finite log density at a random point; returns 1 on success. */
static int finite_at_random(const urn_model *m, urn_rng *r, double *u, urn_error *err) {
  size_t n = urn_model_num_unconstrained(m);
  for (int tries = 0; tries < 20; tries++) {
    for (size_t i = 0; i < n; i++) u[i] = 4 * urn_rng_uniform(r) - 2;
    double lp;
    if (urn_model_log_density(m, 0, 1, u, &lp, err) == URN_OK && isfinite(lp)) return 1;
  }
  return 0;
}

static double grad_error(const urn_model *m, const double *u) {
  size_t n = urn_model_num_unconstrained(m);
  double *g = calloc(n + 1, sizeof *g), *v = malloc((n + 1) * sizeof *v), lp, worst = 0;
  urn_error err;
  if (urn_model_log_density_gradient(m, 0, 1, u, &lp, g, &err)) { free(g), free(v); return INFINITY; }
  memcpy(v, u, n * sizeof *v);
  size_t step = n > 40 ? n / 40 : 1;
  for (size_t i = 0; i < n; i += step) {
    /* fourth-order central difference: truncation O(h^4), rounding ~ eps |lp| / h */
    double h = 1e-3 * (1 + fabs(u[i])), f[4];
    static const double off[4] = {-2, -1, 1, 2};
    for (int k = 0; k < 4; k++) {
      v[i] = u[i] + off[k] * h;
      urn_model_log_density(m, 0, 1, v, &f[k], &err);
    }
    v[i] = u[i];
    double fd = (f[0] - 8 * f[1] + 8 * f[2] - f[3]) / (12 * h);
    double e = fabs(fd - g[i]) / (fabs(g[i]) + fabs(fd) + 1e-6 * (1 + fabs(lp)));
    if (e > worst) worst = e;
  }
  free(g), free(v);
  return worst;
}

/* Does the program call a solver that runs on SUNDIALS (ode_bdf, ode_adams, their integrate_ode_ forms,
 * ode_adjoint_tol_ctl, dae)? */
static int needs_sundials(const char *path) {
  urn_error err;
  size_t len;
  char *src = urn_read_file(path, &len, &err);
  if (!src) return 0;
  int r = strstr(src, "ode_bdf") || strstr(src, "ode_adams") || strstr(src, "ode_adjoint") || strstr(src, "dae(") ||
          strstr(src, "dae_tol(");
  free(src);
  return r;
}

int main(void) {
  const char *shared = test_shared_dir();
  if (!shared) {
    printf("skipped: ../shared not found\n");
    return test_done();
  }
  int verbose = getenv("URN_TEST_VERBOSE") != NULL;
  char dir[8192], a[16384], b[16384];
  snprintf(dir, sizeof dir, "%s/posteriordb/models", shared);
  DIR *d = opendir(dir);
  if (!d) {
    printf("skipped: %s not found\n", dir);
    return test_done();
  }
  char **names = NULL;
  size_t nn = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    size_t len = strlen(e->d_name);
    if (len > 5 && strcmp(e->d_name + len - 5, ".stan") == 0) {
      names = realloc(names, (nn + 1) * sizeof *names);
      names[nn++] = strndup(e->d_name, len - 5);
    }
  }
  closedir(d);
  qsort(names, nn, sizeof *names, cmp_str);
  int n_build = 0, n_data = 0, n_with_data = 0, n_finite = 0, n_unsupported = 0;
  urn_rng r;
  urn_rng_seed(&r, 2024, 0);
  for (size_t i = 0; i < nn; i++) {
    snprintf(a, sizeof a, "%s/%s.stan", dir, names[i]);
    snprintf(b, sizeof b, "%s/%s.data.json", dir, names[i]);
    FILE *f = fopen(b, "rb");
    int has_data = f != NULL;
    if (f) fclose(f);
    urn_error err;
    urn_model *m = urn_model_from_files(a, NULL, 1, &err);
    int unsupported = known_unsupported(names[i]);
    n_unsupported += unsupported;
    /* without data, a program with a data block fails at the data: it still parsed and lowered */
    int built = m != NULL || strstr(err.msg, "is missing") != NULL || strstr(err.msg, "data") != NULL;
    if (m) urn_model_free(m);
    n_build += built;
    if (!built && verbose) printf("build  %-40s %s\n", names[i], err.msg);
    if (!has_data) continue;
    n_with_data++;
    m = urn_model_from_files(a, b, 1, &err);
    if (!m) {
      if (verbose) printf("data   %-40s %s\n", names[i], err.msg);
      continue;
    }
    n_data++;
    size_t n = urn_model_num_unconstrained(m);
    double *u = calloc(n + 1, sizeof *u);
    if (finite_at_random(m, &r, u, &err)) n_finite++;
    else if (verbose) printf("lp     %-40s %s\n", names[i], err.msg);
    free(u);
    urn_model_free(m);
  }
  printf("posteriordb models: %zu programs, %d build, %d of %d load their data, %d finite log density "
         "(%d need ODE solvers)\n", nn, n_build, n_data, n_with_data, n_finite, n_unsupported);
  CHECK(n_build + n_unsupported >= (int)nn - 2, "programs that build: %d of %zu", n_build, nn);
  CHECK(n_finite >= 90, "finite log density: %d", n_finite);
  for (size_t i = 0; i < nn; i++) free(names[i]);
  free(names);

  /* fixtures: gradient vs finite differences */
  snprintf(dir, sizeof dir, "%s/posteriordb", shared);
  d = opendir(dir);
  names = NULL, nn = 0;
  while ((e = readdir(d)))
    if (e->d_name[0] != '.' && strcmp(e->d_name, "models") && !strchr(e->d_name, '.')) {
      names = realloc(names, (nn + 1) * sizeof *names);
      names[nn++] = strdup(e->d_name);
    }
  closedir(d);
  qsort(names, nn, sizeof *names, cmp_str);
  int n_grad_ok = 0, n_grad = 0;
  for (size_t i = 0; i < nn; i++) {
    snprintf(a, sizeof a, "%s/%s/model.stan", dir, names[i]);
    snprintf(b, sizeof b, "%s/%s/data.json", dir, names[i]);
    urn_error err;
    if (!urn_ode_available() && needs_sundials(a)) {
      printf("skipped: fixture %s (its ODE solver needs SUNDIALS; urn built without it)\n", names[i]);
      continue;
    }
    urn_model *m = urn_model_from_files(a, b, 1, &err);
    if (!m) {
      if (!known_unsupported(names[i])) CHECK(0, "fixture %s builds: %s", names[i], err.msg);
      continue;
    }
    urn_model *tight = tightened_ode_model(a, b, &err);
    if (tight) {
      printf("note: %s: gradient checked with the ODE tolerances tightened to 1e-10\n", names[i]);
      urn_model_free(m);
      m = tight;
    }
    urn_model *stiff = tight ? NULL : tightened_bdf_model(a, b, &err);
    if (stiff) {
      printf("note: %s: gradient checked with the integrate_ode_bdf tolerances tightened to 1e-12\n", names[i]);
      urn_model_free(m);
      m = stiff;
    }
    size_t n = urn_model_num_unconstrained(m);
    double *u = calloc(n + 1, sizeof *u), *centre = NULL;
    if (tight) {
      /* Random points of (-2, 2)^8 drive Lotka-Volterra populations to 1e-100 and
       * below, where no tolerance gives a meaningful solution: use points near the
       * reference posterior mean (reference.json) instead, +-0.25 on the log scale. */
      static const char *mean_json = "{\"theta\": [0.5469, 0.0277, 0.8001, 0.0241], \"z_init\": [34.04, 5.936], "
                                     "\"sigma\": [0.2481, 0.251]}";
      centre = calloc(n + 1, sizeof *centre);
      CHECK(urn_model_param_unconstrain_json(m, mean_json, strlen(mean_json), "mean", centre, &err) == URN_OK,
            "%s: posterior mean unconstrains: %s", names[i], err.msg);
    }
    int ok = 1;
    for (int rep = 0; rep < 3; rep++) {
      if (centre) {
        for (size_t q = 0; q < n; q++) u[q] = centre[q] + 0.5 * urn_rng_uniform(&r) - 0.25;
      } else if (!finite_at_random(m, &r, u, &err)) { ok = 0; break; }
      double ge = grad_error(m, u);
      if (!(ge < 1e-6)) {
        ok = 0;
        if (verbose) { printf("grad   %-40s worst relative error %g at", names[i], ge); for (size_t q = 0; q < n; q++) printf(" %.17g", u[q]); printf("\n"); }
      }
    }
    n_grad++;
    n_grad_ok += ok;
    CHECK(ok, "fixture %s: gradient matches finite differences at 3 random points", names[i]);
    free(u), free(centre);
    urn_model_free(m);
  }
  printf("posteriordb fixtures: %d of %d gradients match finite differences\n", n_grad_ok, n_grad);
  for (size_t i = 0; i < nn; i++) free(names[i]);
  free(names);
  return test_done();
}
