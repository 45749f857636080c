/* bench/bench_native.c — the native tier (src/native) against the interpreter: for each MODEL.stan DATA.json pair
 * on the command line, microseconds per gradient (CPU time, median of 5 batches at a fixed random point) with the
 * interpreter (native off) and with the native tier (built before timing, in a temporary cache), and the tier's
 * status (on, or why the interpreter runs).  `make bench-native` runs it on posteriordb posteriors.
 * --cover: no timing and no compiler (the command `false`): one line per posterior saying whether the emitter
 * accepts its model block ("emitted", and whether with its transformed parameters block or why not) or the construct
 * it refuses, then the count (docs/autodiff.md's coverage).
 * URN_NOBATCH=1: both models without loop batching (the ordinary order; as the CLI's variable).
 * Usage: bench_native [--cover] [MODEL.stan DATA.json]... */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lang/eval.h"
#include "math/rng.h"
#include "model/par.h"
#include "native/native.h"
#include "urn/model.h"

static double cpu(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Median of 5 batches of gradients at th, in microseconds per gradient. */
static double time_grad(const urn_model *m, const double *th, double *g) {
  double lp, t[5];
  long reps = 1;
  for (;;) {
    double t0 = cpu();
    for (long i = 0; i < reps; i++) urn_model_log_density_gradient(m, 1, 1, th, &lp, g, NULL);
    if (cpu() - t0 > 0.05 || reps > (1L << 24)) break;
    reps *= 2;
  }
  for (int k = 0; k < 5; k++) {
    double t0 = cpu();
    for (long i = 0; i < reps; i++) urn_model_log_density_gradient(m, 1, 1, th, &lp, g, NULL);
    t[k] = (cpu() - t0) / (double)reps * 1e6;
  }
  qsort(t, 5, sizeof *t, cmp);
  return t[2];
}

/* --cover: which programs the emitter accepts (a compiler that always fails: nothing is compiled). */
static int cover(int argc, char **argv, const char *cache) {
  int n = 0, yes = 0, ytp = 0;
  for (int a = 1; a + 1 < argc; a += 2) {
    urn_model_options o;
    urn_model_options_default(&o);
    o.print = NULL, o.native = 2, o.native_cache = cache, o.native_cc = "false", o.no_batch = getenv("URN_NOBATCH") != NULL;
    urn_error err;
    urn_model *m = urn_model_load(argv[a], argv[a + 1], &o, &err);
    if (!m) { printf("%s\tload failed: %s\n", argv[a], err.msg); continue; }
    const char *st = urn_model_native_status(m), *why = strstr(st, ".stan: ");
    n++;
    urn_ev *ev = urn__model_ev_borrow(m); /* the transformed parameters block: in the emitted code or not, why */
    nat_prog np;
    urn_nat_emit(ev->prog, &np);
    urn__model_ev_return(m, ev);
    if (why && np.why_tp[0]) printf("%s\trefused: %s (with the transformed parameters block: %s)\n", argv[a], why + 7, np.why_tp);
    else if (why) printf("%s\trefused: %s\n", argv[a], why + 7);
    else if (np.tp) yes++, ytp++, printf("%s\temitted with its transformed parameters\n", argv[a]);
    else if (np.why_tp[0]) yes++, printf("%s\temitted; transformed parameters interpreted: %s\n", argv[a], np.why_tp);
    else yes++, printf("%s\temitted\n", argv[a]);
    urn_nat_prog_free(&np);
    urn_model_free(m);
  }
  printf("emitted %d of %d (%d with their transformed parameters block)\n", yes, n, ytp);
  rmdir(cache);
  return 0;
}

int main(int argc, char **argv) {
  char cache[] = "/tmp/urn-bench-native-XXXXXX";
  if (!mkdtemp(cache)) return 1;
  if (argc > 1 && strcmp(argv[1], "--cover") == 0) return cover(argc - 1, argv + 1, cache);
  printf("%-58s %10s %10s %7s  %s\n", "posterior", "interp us", "native us", "ratio", "native tier");
  for (int a = 1; a + 1 < argc; a += 2) {
    urn_model_options o;
    urn_model_options_default(&o);
    o.print = NULL, o.no_batch = getenv("URN_NOBATCH") != NULL;
    urn_error err;
    urn_model *mi = urn_model_load(argv[a], argv[a + 1], &o, &err);
    o.native = 2, o.native_cache = cache;
    urn_model *mn = mi ? urn_model_load(argv[a], argv[a + 1], &o, &err) : NULL;
    const char *name = strrchr(argv[a], '/') ? strrchr(argv[a], '/') + 1 : argv[a];
    char label[300];
    snprintf(label, sizeof label, "%s", argv[a]);
    char *sl = strrchr(label, '/');
    while (sl && sl > label && sl[-1] == '/') sl--;
    if (sl) { *sl = 0; char *s2 = strrchr(label, '/'); name = s2 ? s2 + 1 : label; }
    if (!mi || !mn) { printf("%-58s load failed: %s\n", name, err.msg); urn_model_free(mi); continue; }
    size_t n = urn_model_num_unconstrained(mi);
    double *th = calloc(n ? n : 1, sizeof *th), *g = calloc(n ? n : 1, sizeof *g), lp;
    urn_rng r;
    urn_rng_seed(&r, 7, 0);
    for (size_t i = 0; i < n; i++) th[i] = urn_rng_uniform(&r) - 0.5;
    urn_model_log_density_gradient(mn, 1, 1, th, &lp, g, NULL); /* the bitwise check before switching */
    double ti = time_grad(mi, th, g), tn = time_grad(mn, th, g);
    printf("%-58s %10.2f %10.2f %7.2f  %s\n", name, ti, tn, tn / ti, urn_model_native_status(mn));
    fflush(stdout);
    free(th), free(g);
    urn_model_free(mi), urn_model_free(mn);
  }
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", cache);
  return system(cmd) ? 1 : 0;
}
