/* bench/bench_output.c — the share of a sampling run's time spent writing its draws (issue #21 item 4), before
 * and after the fast formatter, in one run.  One chain of `urn sample` (the run API, NUTS as urn sample runs it)
 * on MODEL with DATA; every output row is handed to a callback in the chain's thread, which writes it twice, each
 * timed by the thread's CPU clock:
 *   printf: each value by snprintf("%.*g") (urn_stancsv_format with a buffer too short for urn_fmt_g: the path
 *           urn's writer took before io/numfmt.c), the line written and flushed with stdio, as before;
 *   urn:    the writer urn sample uses now (urn_stancsv_row: io/numfmt.c, one write per row).
 * The chain's own CPU time (sampling + generated quantities, without the two writes) is the process CPU time minus
 * both writes (each timed interval less what an empty one measures).  Prints, for the whole run and for the sampling phase (the post-warmup iterations, where the draws
 * are written): the chain's CPU seconds and each writer's seconds, ns per value and share
 * (write / (chain + write)); and whether the two files are byte-identical (they must be: exit 1 otherwise).
 * usage: bench_output MODEL.stan DATA.json|- [WARMUP DRAWS SIG METRIC SEED] (300 1000 6 diag 3). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io/numfmt.h"
#include "io/stancsv_write.h"
#include "urn/model.h"
#include "urn/run.h"

/* What the row callback needs and measures. */
typedef struct {
  urn_stancsv_writer w;  /* the current writer (file "urn") */
  FILE *old;             /* the printf path's file */
  char *line;            /* the printf path's line buffer */
  size_t cap;            /* its size */
  int sig;               /* significant digits */
  double t_old[2];       /* CPU seconds in the printf path: [0] warmup rows, [1] sampling rows */
  double t_new[2];       /* the same for the current writer */
  double t_first_draw;   /* process CPU time at the first post-warmup row (-1 before it) */
  size_t values[2];      /* values written: warmup rows, sampling rows */
  double clock_cost;     /* CPU seconds an empty interval between two reads of the thread's clock measures */
  int failed;            /* a write failed */
} bench_ctx;

static double clock_s(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The row as urn wrote it before io/numfmt.c: snprintf per value, stdio, a flush per row. */
static int old_row(bench_ctx *b, const double *row, size_t n) {
  size_t len = 0;
  for (size_t i = 0; i < n; i++) {
    if (len + 64 > b->cap) b->line = realloc(b->line, b->cap *= 2);
    if (i) b->line[len++] = ',';
    len += urn_stancsv_format(b->line + len, URN_FMT_G_MAX - 1, row[i], b->sig); /* cap < URN_FMT_G_MAX: snprintf */
  }
  b->line[len++] = '\n';
  return fwrite(b->line, 1, len, b->old) == len && fflush(b->old) == 0 ? 0 : -1;
}

/* What an empty timed interval measures (the thread CPU clock is a system call, ~0.3 us: as much as writing a
 * small row): the median of 2001, subtracted from every timed write. */
static double clock_cost(void) {
  enum { N = 2001 };
  static double d[N];
  for (int i = 0; i < N; i++) {
    double t0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
    d[i] = clock_s(CLOCK_THREAD_CPUTIME_ID) - t0;
  }
  for (int i = 1; i < N; i++) /* insertion sort */
    for (int j = i; j > 0 && d[j - 1] > d[j]; j--) {
      double t = d[j];
      d[j] = d[j - 1], d[j - 1] = t;
    }
  return d[N / 2];
}

static int on_row(void *ctx, int chain, int warmup, const double *row, size_t n) {
  (void)chain;
  bench_ctx *b = ctx;
  int k = !warmup;
  if (k && b->t_first_draw < 0) b->t_first_draw = clock_s(CLOCK_PROCESS_CPUTIME_ID);
  double t0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
  if (old_row(b, row, n) != 0) b->failed = 1;
  double t1 = clock_s(CLOCK_THREAD_CPUTIME_ID);
  urn_error err;
  if (urn_stancsv_row(&b->w, row, n, &err) != URN_OK) b->failed = 1;
  double t2 = clock_s(CLOCK_THREAD_CPUTIME_ID);
  b->t_old[k] += t1 - t0 - b->clock_cost, b->t_new[k] += t2 - t1 - b->clock_cost;
  b->values[k] += n;
  return 0;
}

/* Whether files a and b hold the same bytes. */
static int same_file(const char *a, const char *b) {
  FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
  int same = fa && fb;
  while (same) {
    int ca = getc(fa), cb = getc(fb);
    if (ca != cb) same = 0;
    if (ca == EOF) break;
  }
  if (fa) fclose(fa);
  if (fb) fclose(fb);
  return same;
}

static void line(const char *what, double chain, double t_old, double t_new, size_t nv) {
  printf("  %-9s chain %7.3f s | printf %6.3f s %6.1f ns/value share %5.1f %% | urn %6.3f s %6.1f ns/value share "
         "%5.1f %%\n", what, chain, t_old, nv ? 1e9 * t_old / (double)nv : 0, 100 * t_old / (chain + t_old), t_new,
         nv ? 1e9 * t_new / (double)nv : 0, 100 * t_new / (chain + t_new));
}

int main(int argc, char **argv) {
  if (argc < 3) return fprintf(stderr, "usage: bench_output MODEL.stan DATA.json [WARMUP DRAWS SIG METRIC SEED]\n"), 2;
  const char *warmup = argc > 3 ? argv[3] : "300", *draws = argc > 4 ? argv[4] : "1000";
  const char *sig = argc > 5 ? argv[5] : "6", *metric = argc > 6 ? argv[6] : "diag", *seed = argc > 7 ? argv[7] : "3";
  urn_error err;
  urn_model *m = urn_model_from_files(argv[1], strcmp(argv[2], "-") ? argv[2] : NULL, 1, &err);
  if (!m) return fprintf(stderr, "%s\n", err.msg), 1;
  urn_run_config cfg;
  urn_run_config_default(&cfg, URN_RUN_SAMPLE);
  cfg.keep_draws = 0, cfg.refresh = 0;
  const char *set[][2] = {{"num_warmup", warmup}, {"num_samples", draws}, {"sig_figs", sig}, {"seed", seed},
                          {"adapt_scheme", "fisher"}};
  for (size_t i = 0; i < sizeof set / sizeof set[0]; i++)
    if (urn_run_config_set(&cfg, set[i][0], set[i][1], &err) != URN_OK) return fprintf(stderr, "%s\n", err.msg), 1;
  if (!strcmp(metric, "lowrank") && urn_run_config_set(&cfg, "adapt_scheme", "lowrank", &err) != URN_OK)
    return fprintf(stderr, "%s\n", err.msg), 1;
  if (!strcmp(metric, "stan") && urn_run_config_set(&cfg, "adapt_scheme", "stan", &err) != URN_OK)
    return fprintf(stderr, "%s\n", err.msg), 1;
  urn_run *r = urn_run_new(m, &cfg, &err);
  if (!r) return fprintf(stderr, "%s\n", err.msg), 1;
  char dir[] = "/tmp/urn-bench-output-XXXXXX", p_old[64], p_new[64];
  if (!mkdtemp(dir)) return perror("mkdtemp"), 1;
  snprintf(p_old, sizeof p_old, "%s/printf.csv", dir), snprintf(p_new, sizeof p_new, "%s/urn.csv", dir);
  bench_ctx b = {.sig = cfg.sig_figs > 0 ? cfg.sig_figs : 6, .cap = 4096, .t_first_draw = -1,
                 .clock_cost = clock_cost()};
  b.line = malloc(b.cap), b.old = fopen(p_old, "w");
  if (!b.old || urn_stancsv_open(&b.w, p_new, b.sig, 1, &err) != URN_OK) return fprintf(stderr, "cannot write\n"), 1;
  size_t n = urn_run_num_cols(r);
  const char **names = malloc(n * sizeof *names);
  for (size_t j = 0; j < n; j++) names[j] = urn_run_col_name(r, j), fprintf(b.old, "%s%s", j ? "," : "", names[j]);
  fputc('\n', b.old);
  urn_stancsv_header(&b.w, names, n, &err);
  urn_run_callbacks cb = {.ctx = &b, .row = on_row};
  urn_run_set_callbacks(r, &cb);
  double t0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
  int rc = urn_run_execute(r, &err);
  double t1 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
  if (rc != URN_OK) return fprintf(stderr, "%s\n", err.msg), 1;
  fclose(b.old);
  urn_stancsv_close(&b.w, &err);
  int same = same_file(p_old, p_new);
  double all_old = b.t_old[0] + b.t_old[1], all_new = b.t_new[0] + b.t_new[1];
  double chain = t1 - t0 - all_old - all_new;
  double sampling = b.t_first_draw < 0 ? 0 : t1 - b.t_first_draw - b.t_old[1] - b.t_new[1];
  const char *base = strrchr(argv[1], '/');
  printf("%s: %zu columns, warmup %s, draws %s, sig-figs %d, metric %s; CPU seconds\n", base ? base + 1 : argv[1], n,
         warmup, draws, b.sig, metric);
  line("run", chain, all_old, all_new, b.values[0] + b.values[1]);
  line("sampling", sampling, b.t_old[1], b.t_new[1], b.values[1]);
  printf("  files byte-identical: %s%s\n", same ? "yes" : "NO", b.failed ? " (a write failed)" : "");
  unlink(p_old), unlink(p_new), rmdir(dir);
  free(names), free(b.line);
  urn_run_free(r);
  urn_model_free(m);
  return same && !b.failed ? 0 : 1;
}
