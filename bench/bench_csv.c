/* bench/bench_csv.c — what writing draws costs: rows of a Stan CSV file written again with urn's CSV writer
 * (io/stancsv_write.c: urn_stancsv_row, which formats each value at --sig-figs and writes and flushes the row),
 * and the formatting alone.  Input: Stan CSV files given as arguments (e.g. a run of a model with thousands of
 * generated quantities), or without arguments a synthetic file shaped like the capture-recapture model Mth of
 * posteriordb (1000 draws x 4,650 columns: 4,257 probabilities in (0, 1), 387 0/1 indicators and a count).
 * Prints CPU time per pass (best of 3), ns per value and MB written per CPU second; compare the pass time with
 * the run's sampling CPU time for the share of sampling spent writing draws (docs/performance.md). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io/stancsv_write.h"
#include "urn/diag.h"

static double cpu(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One pass: every row formatted into a buffer (write = 0) or written to a file by the writer; returns CPU
 * seconds and sets *bytes. */
static double pass(const double *draws, size_t rows, size_t cols, char **names, int sig, int write,
                   size_t *bytes) {
  char path[] = "/tmp/urn-bench-csv-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return -1;
  close(fd);
  unlink(path);
  double t0 = cpu();
  *bytes = 0;
  if (write) {
    urn_stancsv_writer w;
    urn_error err;
    if (urn_stancsv_open(&w, path, sig, 1, &err) != URN_OK) return fprintf(stderr, "%s\n", err.msg), -1;
    urn_stancsv_header(&w, (const char *const *)names, cols, &err);
    for (size_t r = 0; r < rows; r++) urn_stancsv_row(&w, draws + r * cols, cols, &err);
    urn_stancsv_close(&w, &err);
    FILE *f = fopen(path, "rb");
    if (f) fseek(f, 0, SEEK_END), *bytes = (size_t)ftell(f), fclose(f);
    unlink(path);
  } else {
    char buf[64];
    for (size_t i = 0; i < rows * cols; i++) *bytes += urn_stancsv_format(buf, sizeof buf, draws[i], sig) + 1;
  }
  return cpu() - t0;
}

static void bench(const char *label, const double *draws, size_t rows, size_t cols, char **names) {
  int sigs[] = {6, 9, 15};
  for (int k = 0; k < 3; k++) {
    double best[2] = {1e300, 1e300};
    size_t bytes[2] = {0, 0};
    for (int rep = 0; rep < 3; rep++)
      for (int wr = 0; wr < 2; wr++) {
        double t = pass(draws, rows, cols, names, sigs[k], wr, &bytes[wr]);
        if (t >= 0 && t < best[wr]) best[wr] = t;
      }
    double nv = (double)(rows * cols);
    printf("%-24s sig %2d: %zu x %zu, %6.1f MB: format %.3f s (%5.1f ns/value), format+write %.3f s (%5.1f ns/value, "
           "%4.0f MB/s)\n", label, sigs[k], rows, cols, (double)bytes[1] / 1e6, best[0], 1e9 * best[0] / nv, best[1],
           1e9 * best[1] / nv, (double)bytes[1] / 1e6 / best[1]);
  }
}

int main(int argc, char **argv) {
  if (argc < 2) {
    enum { ROWS = 1000, COLS = 4650 };
    double *d = malloc(sizeof(double) * ROWS * COLS);
    char **names = malloc(COLS * sizeof *names);
    unsigned long long s = 2026;
    for (size_t j = 0; j < COLS; j++) names[j] = malloc(24), snprintf(names[j], 24, "c.%zu", j + 1);
    for (size_t i = 0; i < (size_t)ROWS * COLS; i++) {
      s = s * 6364136223846793005ULL + 1442695040888963407ULL;
      double u = (double)(s >> 11) * 0x1p-53;
      size_t j = i % COLS;
      d[i] = j < 4257 ? 1 / (1 + exp(-6 * (u - 0.5))) : j < COLS - 1 ? (double)(u < 0.6) : floor(300 + 100 * u);
    }
    bench("synthetic (Mth-like)", d, ROWS, COLS, names);
    for (size_t j = 0; j < COLS; j++) free(names[j]);
    free(names), free(d);
    return 0;
  }
  for (int a = 1; a < argc; a++) {
    urn_stancsv f;
    urn_error err;
    if (urn_stancsv_read(argv[a], &f, &err) != URN_OK) {
      fprintf(stderr, "%s\n", err.msg);
      return 1;
    }
    const char *base = strrchr(argv[a], '/');
    bench(base ? base + 1 : argv[a], f.draws, f.n_draws, f.n_cols, f.names);
    urn_stancsv_free(&f);
  }
  return 0;
}
