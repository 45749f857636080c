/* bench/bench_grad.c — microseconds per log-density gradient for the
 * tutorial models M1–M5 (../shared/benchmarks, same data as Stan's table)
 * and the posteriordb fixtures, next to Stan's numbers and the goal (half of
 * Stan's; M5 with hmm_marginal one tenth).  Run by `make bench`. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "math/rng.h"
#include "urn/model.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* CPU time: the machine is shared */
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Median of 3 timed batches of gradient evaluations at a random point; -1 on failure. */
static double time_grad(const urn_model *m, const double *u) {
  size_t n = urn_model_num_unconstrained(m);
  double *g = malloc((n ? n : 1) * sizeof *g), lp;
  urn_error err;
  if (urn_model_log_density_gradient(m, 1, 1, u, &lp, g, &err) != URN_OK) { free(g); return -1; }
  /* calibrate a batch of ~40 ms */
  int reps = 1;
  for (;;) {
    double t0 = now();
    for (int i = 0; i < reps; i++) urn_model_log_density_gradient(m, 1, 1, u, &lp, g, &err);
    double dt = now() - t0;
    if (dt > 0.02 || reps > (1 << 22)) break;
    reps *= 2;
  }
  double t[5];
  for (int b = 0; b < 3; b++) {
    double t0 = now();
    for (int i = 0; i < reps; i++) urn_model_log_density_gradient(m, 1, 1, u, &lp, g, &err);
    t[b] = (now() - t0) / reps * 1e6;
  }
  for (int i = 0; i < 3; i++)
    for (int j = i + 1; j < 3; j++)
      if (t[j] < t[i]) { double x = t[i]; t[i] = t[j]; t[j] = x; }
  free(g);
  return t[1];
}

static double bench_one(const char *stan, const char *data, const char *inits) {
  urn_error err;
  urn_model *m = urn_model_from_files(stan, data, 1, &err);
  if (!m) return -2;
  size_t n = urn_model_num_unconstrained(m);
  double *u = calloc(n ? n : 1, sizeof *u);
  int have = 0;
  if (inits) {
    FILE *f = fopen(inits, "rb");
    if (f) {
      char buf[1 << 16];
      size_t len = fread(buf, 1, sizeof buf - 1, f);
      fclose(f);
      have = urn_model_param_unconstrain_json(m, buf, len, inits, u, &err) == URN_OK;
    }
  }
  if (!have) {
    urn_rng r;
    urn_rng_seed(&r, 7, 0);
    for (size_t i = 0; i < n; i++) u[i] = urn_rng_uniform(&r) - 0.5;
  }
  double us = time_grad(m, u);
  free(u);
  urn_model_free(m);
  return us;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  const char *shared = getenv("URN_SHARED");
  if (!shared || !*shared) shared = "../shared";
  char a[4096], b[4096], c[4096];
  static const struct { const char *dir, *file; double stan; double goal; } ms[] = {
      {"m1-normal", "model.stan", 7.0, 3.5},       {"m2-linreg", "model.stan", 48.5, 24},
      {"m3-mixture", "model.stan", 331.5, 165},    {"m4-mixreg", "model.stan", 190, 95},
      {"m5-glmhmm", "model.stan", 467, 233},       {"m5-glmhmm", "model_hmm_marginal.stan", 467, 47}};
  printf("%-42s %12s %10s %10s\n", "model", "urn us/grad", "Stan us", "goal us");
  for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++) {
    snprintf(a, sizeof a, "%s/benchmarks/%s/%s", shared, ms[i].dir, ms[i].file);
    snprintf(b, sizeof b, "%s/benchmarks/%s/data.json", shared, ms[i].dir);
    snprintf(c, sizeof c, "%s/benchmarks/%s/inits.json", shared, ms[i].dir);
    double us = bench_one(a, b, c);
    char name[128];
    snprintf(name, sizeof name, "%s/%s", ms[i].dir, ms[i].file);
    if (us < 0) printf("%-42s %12s %10.1f %10.1f\n", name, us == -2 ? "(no build)" : "(reject)", ms[i].stan, ms[i].goal);
    else printf("%-42s %12.2f %10.1f %10.1f%s\n", name, us, ms[i].stan, ms[i].goal, us <= ms[i].goal ? "" : "  (over goal)");
  }
  if (argc > 1 && strcmp(argv[1], "--no-posteriordb") == 0) return 0;
  /* posteriordb fixtures: every folder with model.stan + data.json */
  snprintf(a, sizeof a, "%s/posteriordb", shared);
  DIR *d = opendir(a);
  if (!d) return 0;
  struct dirent *e;
  char **names = NULL;
  size_t nn = 0;
  while ((e = readdir(d)))
    if (e->d_name[0] != '.' && strcmp(e->d_name, "models") && !strchr(e->d_name, '.')) names = realloc(names, (nn + 1) * sizeof *names), names[nn++] = strdup(e->d_name);
  closedir(d);
  for (size_t i = 0; i < nn; i++)
    for (size_t j = i + 1; j < nn; j++)
      if (strcmp(names[j], names[i]) < 0) { char *t = names[i]; names[i] = names[j]; names[j] = t; }
  printf("\nposteriordb fixtures (us per gradient at a random point)\n");
  for (size_t i = 0; i < nn; i++) {
    snprintf(a, sizeof a, "%s/posteriordb/%s/model.stan", shared, names[i]);
    snprintf(b, sizeof b, "%s/posteriordb/%s/data.json", shared, names[i]);
    FILE *f = fopen(b, "rb");
    if (!f) { free(names[i]); continue; }
    fclose(f);
    double us = bench_one(a, b, NULL);
    if (us >= 0) printf("  %-50s %10.2f\n", names[i], us);
    else printf("  %-50s %10s\n", names[i], us == -2 ? "(no build)" : "(reject)");
    free(names[i]);
  }
  free(names);
  return 0;
}
