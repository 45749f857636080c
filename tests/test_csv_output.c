/* tests/test_csv_output.c — the draws in a sampling run's Stan CSV file are byte for byte what the old writer
 * made of the same rows: snprintf("%.*g") per value (nan/inf/-0 as CmdStan writes them), one line per row.  A
 * row callback (called with each row after the writer has it) formats the row that way; the file's data lines
 * must equal those lines, in order, at 3, 6, 9, 15 and 17 significant digits, on a model whose generated
 * quantities hold the awkward values (integers, 0 and -0, +-inf, nan, 1e+-300, subnormals, 9.9999995, values
 * that round to a new decade) beside ordinary draws; the adaptation block sits between warmup and sampling rows
 * (the writer's buffered rows go out before it), and a second run with 2000 draws of 600 columns checks that
 * rows batched by the 64 KiB and 2 ms rules all arrive; rows that wait reach the file with no further row (the
 * writer's deadline flush). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "io/numfmt.h"
#include "io/stancsv_write.h"
#include "urn/model.h"
#include "urn/run.h"

/* The old writer's lines, appended row by row. */
typedef struct {
  char *text;   /* the expected data lines */
  size_t len;   /* bytes in text */
  size_t cap;   /* its size */
  int sig;      /* significant digits */
  size_t rows;  /* rows seen */
  size_t warm;  /* of them warmup rows */
} expect;

static int on_row(void *ctx, int chain, int warmup, const double *row, size_t n) {
  (void)chain;
  expect *e = ctx;
  for (size_t i = 0; i < n; i++) {
    if (e->len + 64 > e->cap) e->text = realloc(e->text, e->cap = 2 * e->cap + 4096);
    if (i) e->text[e->len++] = ',';
    e->len += urn_stancsv_format(e->text + e->len, URN_FMT_G_MAX - 1, row[i], e->sig); /* short buffer: snprintf */
  }
  e->text[e->len++] = '\n';
  e->rows++, e->warm += warmup != 0;
  return 0;
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *s = malloc((size_t)n + 1);
  *len = fread(s, 1, (size_t)n, f);
  s[*len] = '\0';
  fclose(f);
  return s;
}

static const char *MODEL =
    "parameters { real mu; real<lower=0> tau; }\n"
    "model { mu ~ normal(1, 2); tau ~ lognormal(0, 1); }\n"
    "generated quantities {\n"
    "  int k = 3;\n"
    "  real zero = 0;\n"
    "  real negzero = -0.0;\n"
    "  real pinf = positive_infinity();\n"
    "  real ninf = negative_infinity();\n"
    "  real nn = not_a_number();\n"
    "  real big = 1e300 * mu;\n"
    "  real small = 1e-300 * tau;\n"
    "  real sub = 4.9e-324 * 7;\n"
    "  real dec = 9.9999995;\n"
    "  real dec2 = 9.9999995e-5 * (1 + 1e-9 * mu);\n"
    "  real half = 2.5;\n"
    "  real ints = round(1000 * mu);\n"
    "  vector[20] v;\n"
    "  for (i in 1:20) v[i] = mu * 10^(i - 10) + tau;\n"
    "}\n";

/* One run at sig digits: the file's lines after the header equal the old writer's, the adaptation comment
 * separates warmup from sampling rows. */
static void run_one(const char *dir, const char *src, int sig, int warmup, int draws, const char *what) {
  urn_error err;
  urn_model *m = urn_model_new("g.stan", src, strlen(src), NULL, NULL, 0, 1, &err);
  CHECK(m != NULL, "%s: model builds: %s", what, m ? "" : err.msg);
  if (!m) return;
  urn_run_config cfg;
  urn_run_config_default(&cfg, URN_RUN_SAMPLE);
  cfg.num_warmup = warmup, cfg.num_samples = draws, cfg.seed = 11, cfg.refresh = 0, cfg.sig_figs = sig;
  cfg.save_warmup = 1, cfg.keep_draws = 0;
  urn_run *r = urn_run_new(m, &cfg, &err);
  CHECK(r != NULL, "%s: run: %s", what, r ? "" : err.msg);
  if (!r) return urn_model_free(m);
  char path[512];
  snprintf(path, sizeof path, "%s/g-%d.csv", dir, sig);
  CHECK(urn_run_output_csv(r, 0, path, &err) == URN_OK, "%s: output", what);
  expect e = {.sig = sig};
  urn_run_callbacks cb = {.ctx = &e, .row = on_row};
  urn_run_set_callbacks(r, &cb);
  int rc = urn_run_execute(r, &err);
  CHECK(rc == URN_OK, "%s: runs: %s", what, rc == URN_OK ? "" : err.msg);
  size_t len = 0;
  char *file = slurp(path, &len);
  CHECK(file != NULL, "%s: %s written", what, path);
  if (file && e.text) {
    /* the data lines: every line that is not a comment, after the header */
    char *data = malloc(len + 1), *hdr = NULL;
    size_t dl = 0;
    int seen_adapt = 0, adapt_at = -1, row = 0;
    for (char *s = file; *s;) {
      char *nl = strchr(s, '\n');
      size_t l = nl ? (size_t)(nl - s) + 1 : strlen(s);
      if (*s == '#') {
        if (!seen_adapt && !strncmp(s, "# Adaptation terminated", 23)) seen_adapt = 1, adapt_at = row;
      } else if (!hdr) {
        hdr = s;
      } else {
        memcpy(data + dl, s, l), dl += l, row++;
      }
      s += l;
    }
    CHECK(dl == e.len && !memcmp(data, e.text, dl), "%s: the %zu rows at %d digits are snprintf's (%zu bytes vs %zu)",
          what, e.rows, sig, dl, e.len);
    CHECK(adapt_at == (int)e.warm, "%s: adaptation block after the %zu warmup rows (found after %d)", what, e.warm,
          adapt_at);
    free(data);
  }
  free(file), free(e.text);
  urn_run_free(r);
  urn_model_free(m);
}

/* A row made < 2 ms after the last write waits in the writer, and the writer's flusher writes it ~2 ms after that
 * write even though no further row comes (before the deadline flush it waited for the next row, however long the
 * next iteration took).  The file is polled for up to 10 s: a test of arrival, not of speed. */
static void deadline_flush(const char *dir) {
  char path[512], part[520];
  snprintf(path, sizeof path, "%s/deadline.csv", dir);
  snprintf(part, sizeof part, "%s.part", path);
  urn_stancsv_writer w;
  urn_error err;
  urn_error_clear(&err);
  CHECK(urn_stancsv_open(&w, path, 6, 1, &err) == URN_OK, "deadline: open: %s", err.msg);
  const char *names[2] = {"a", "b"};
  CHECK(urn_stancsv_header(&w, names, 2, &err) == URN_OK, "deadline: header");
  double r1[2] = {1, 2}, r2[2] = {3, 4}, r3[2] = {5, 6};
  CHECK(urn_stancsv_row(&w, r1, 2, &err) == URN_OK, "deadline: row 1");
  CHECK(urn_stancsv_row(&w, r2, 2, &err) == URN_OK, "deadline: row 2");
  CHECK(urn_stancsv_row(&w, r3, 2, &err) == URN_OK, "deadline: row 3");
  size_t len = 0;
  char *text = NULL;
  for (int i = 0; i < 1000; i++) { /* up to 10 s */
    free(text);
    text = slurp(part, &len);
    if (text && strstr(text, "5,6\n")) break;
    usleep(10000);
  }
  CHECK(text && strcmp(text, "a,b\n1,2\n3,4\n5,6\n") == 0, "deadline: the waiting rows reach the file with no "
        "further row or close (file: %s)", text ? text : "(none)");
  free(text);
  double r4[2] = {7, 8};
  CHECK(urn_stancsv_row(&w, r4, 2, &err) == URN_OK, "deadline: row 4");
  CHECK(urn_stancsv_close(&w, &err) == URN_OK, "deadline: close: %s", err.msg);
  text = slurp(path, &len);
  CHECK(text && strcmp(text, "a,b\n1,2\n3,4\n5,6\n7,8\n") == 0, "deadline: the closed file (%s)",
        text ? text : "(none)");
  free(text);
}

int main(void) {
  char dir[] = "/tmp/urn-test-csv-output-XXXXXX";
  if (!mkdtemp(dir)) return perror("mkdtemp"), 1;
  deadline_flush(dir);
  int sigs[] = {3, 6, 9, 15, 17};
  for (int i = 0; i < 5; i++) run_one(dir, MODEL, sigs[i], 150, 300, "edge values");
  run_one(dir,
          "parameters { vector[3] th; }\nmodel { th ~ normal(0, 1); }\n"
          "generated quantities { vector[600] g; for (i in 1:600) g[i] = th[1 + i % 3] * i + 1e-3 * i; }\n",
          6, 100, 2000, "600 columns, 2000 draws");
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
  return test_done();
}
