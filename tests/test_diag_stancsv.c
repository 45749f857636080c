/* tests/test_diag_stancsv.c — the Stan CSV reader on the CmdStan-format files
 * of tests/data/stancsv/ (made by tests/data/gen_stancsv.py): configuration,
 * adaptation block (diagonal and dense metric), saved warmup, timing comments,
 * CRLF files without sampler columns, NA/inf values; grouping into chains; the
 * summary of their columns against stancsv_expected.json; and the errors
 * (missing, empty, not Stan CSV, ragged rows, bad numbers, mismatched chains). */
#include "harness.h"

#include "io/json.h"
#include "io/stancsv_read.h"
#include "urn/diag.h"

#define DIR "tests/data/stancsv/"

static double jnum(const urn_json *v) {
  double out = NAN;
  if (v && v->type != URN_JSON_NULL) urn_json_number(v, &out);
  return out;
}

static long col_of(const urn_stancsv *f, const char *name) {
  for (size_t j = 0; j < f->n_cols; j++)
    if (!strcmp(f->names[j], name)) return (long)j;
  return -1;
}

/* Summary of column `name` over the chains in d vs expected[key]. */
static void check_summary(const urn_draws *d, const char *name, const urn_json *exp, const char *key) {
  long j = -1;
  for (size_t k = 0; k < d->n_cols; k++)
    if (!strcmp(d->names[k], name)) j = (long)k;
  CHECK(j >= 0, "column %s present", name);
  const urn_json *e = urn_json_get(exp, key);
  CHECK(e != NULL, "expected %s present", key);
  if (j < 0 || !e) return;
  size_t M = d->n_chains, N = d->n_draws;
  double *x = malloc(M * N * sizeof *x);
  for (size_t c = 0; c < M; c++)
    for (size_t i = 0; i < N; i++) x[c * N + i] = d->draws[c][i * d->n_cols + (size_t)j];
  urn_diag_summary s;
  CHECK(urn_diag_summarize(x, M, N, 0.94, NULL, 0, NULL, NULL, &s, NULL) == URN_OK, "summarize %s", key);
  char what[128];
#define REL(f)                                                     \
  snprintf(what, sizeof what, "%s %s", key, #f);                   \
  CHECK_NEAR(s.f, jnum(urn_json_get(e, #f)), 1e-8, 0, what)
#define EXACT(f)                                                   \
  snprintf(what, sizeof what, "%s %s", key, #f);                   \
  CHECK_NEAR(s.f, jnum(urn_json_get(e, #f)), 0, 0, what)
  REL(rhat); REL(rhat_basic); REL(ess_bulk); REL(ess_tail); REL(ess_basic); REL(mcse_mean); REL(mcse_sd);
  REL(sd); REL(mean);
  EXACT(q5); EXACT(q50); EXACT(q95); EXACT(median); EXACT(hdi_low); EXACT(hdi_high); EXACT(mcse_q5);
  EXACT(mcse_q95);
  CHECK_NEAR(s.mad, jnum(urn_json_get(e, "mad")), 1e-15, 0, what);
  free(x);
}

static void expect_error(const char *path, const char *text, int code, const char *needle) {
  urn_stancsv f;
  urn_error err;
  urn_error_clear(&err);
  int rc = text ? urn_stancsv_parse(path, text, strlen(text), &f, &err) : urn_stancsv_read(path, &f, &err);
  CHECK(rc == code, "%s: status %d (want %d): %s", path, rc, code, err.msg);
  CHECK(strstr(err.msg, needle) != NULL, "%s: message '%s' contains '%s'", path, err.msg, needle);
}

int main(void) {
  urn_error err;
  urn_json *exp = urn_json_parse_file("tests/data/stancsv_expected.json", &err);
  CHECK(exp != NULL, "read stancsv_expected.json");
  if (!exp) return test_done();

  /* CmdStan sample files */
  urn_stancsv f[3];
  CHECK(urn_stancsv_read(DIR "bernoulli-1.csv", &f[0], &err) == URN_OK, "read bernoulli-1: %s", err.msg);
  CHECK(urn_stancsv_read(DIR "bernoulli-2.csv", &f[1], &err) == URN_OK, "read bernoulli-2: %s", err.msg);
  CHECK(f[0].n_cols == 11 && f[0].n_draws == 40 && f[0].n_warmup == 0, "11 columns, 40 draws");
  CHECK(!strcmp(f[0].names[0], "lp__") && !strcmp(f[0].names[10], "y_rep.2"), "column names");
  CHECK(f[0].max_depth == 10, "max_depth from the configuration");
  CHECK(f[0].step_size == 0.932037, "step size %g", f[0].step_size);
  CHECK(f[0].n_inv_metric == 2 && f[0].inv_metric[0] == 0.591014 && f[0].inv_metric[1] == 1.2 && !f[0].dense_metric,
        "diagonal inverse metric");
  CHECK(f[0].draws[7] == 0.160829 || f[0].draws[7] > 0, "a theta value parsed");
  CHECK(strstr(f[0].comments, "Elapsed Time") != NULL, "timing comments kept");
  char word[32];
  CHECK(urn_stancsv_config(&f[0], "model", word, sizeof word) && !strcmp(word, "bernoulli_model"), "config model");
  CHECK(urn_stancsv_config(&f[0], "num_warmup", word, sizeof word) && !strcmp(word, "1000"), "config num_warmup");
  CHECK(!urn_stancsv_config(&f[0], "nonexistent_key", word, sizeof word), "absent key");

  /* saved warmup + dense metric */
  CHECK(urn_stancsv_read(DIR "bernoulli_warmup-3.csv", &f[2], &err) == URN_OK, "read warmup file: %s", err.msg);
  CHECK(f[2].n_warmup == 10 && f[2].n_draws == 40, "10 warmup rows set aside, 40 draws (%zu, %zu)", f[2].n_warmup,
        f[2].n_draws);
  CHECK(f[2].dense_metric && f[2].n_inv_metric == 4 && f[2].inv_metric[1] == 0.25 && f[2].inv_metric[3] == 2,
        "dense inverse metric 2x2");
  CHECK(f[2].step_size == 0.5, "step size after warmup");
  CHECK(!memcmp(f[2].draws, f[0].draws, 40 * 11 * sizeof(double)), "post-warmup rows are chain 1's");

  /* as chains */
  urn_draws d;
  CHECK(urn_stancsv_as_draws(f, 2, &d, &err) == URN_OK, "group two chains");
  CHECK(d.n_chains == 2 && d.n_draws == 40 && d.n_cols == 11 && d.max_depth[1] == 10, "draws shape");
  check_summary(&d, "theta", exp, "bernoulli:theta");
  check_summary(&d, "log_odds", exp, "bernoulli:log_odds");
  check_summary(&d, "y_rep.1", exp, "bernoulli:y_rep.1");
  check_summary(&d, "lp__", exp, "bernoulli:lp__");

  /* the table's diagnostics: 2 divergences, 1 max-depth hit, E-BFMI per chain */
  char *buf = NULL;
  size_t blen = 0;
  FILE *mem = open_memstream(&buf, &blen);
  urn_summary_options opt;
  urn_summary_options_init(&opt);
  CHECK(urn_summary_print(mem, &d, &opt, &err) == URN_OK, "print table");
  fclose(mem);
  CHECK(strstr(buf, "2 of 80 transitions (2.5%) ended with a divergence") != NULL, "divergences reported");
  CHECK(strstr(buf, "1 of 80 transitions (1.2%) hit the maximum tree depth (10)") != NULL, "tree depth reported");
  CHECK(strstr(buf, "R-hat above 1.01 for: theta, log_odds") != NULL, "R-hat problems named");
  CHECK(strstr(buf, "Sampler:") != NULL && strstr(buf, "accept_stat__") != NULL, "sampler table");
  double b1 = jnum(urn_json_get(exp, "ebfmi.1")), b2 = jnum(urn_json_get(exp, "ebfmi.2"));
  char line[128];
  snprintf(line, sizeof line, "E-BFMI = %.3f", b1 < 0.3 ? b1 : b2);
  CHECK((b1 >= 0.3 && b2 >= 0.3) ? strstr(buf, "E-BFMI") == NULL : strstr(buf, line) != NULL,
        "E-BFMI (%g, %g) reported iff below 0.3", b1, b2);
  free(buf);

  /* CSV output: header and full precision */
  buf = NULL;
  mem = open_memstream(&buf, &blen);
  opt.format = URN_SUMMARY_CSV;
  const char *vars[] = {"y_rep"};
  opt.vars = vars, opt.n_vars = 1;
  CHECK(urn_summary_print(mem, &d, &opt, &err) == URN_OK, "print csv");
  fclose(mem);
  CHECK(!strncmp(buf, "name,mean,mcse_mean,sd,mcse_sd,q5,q50,q95,median,mad,mcse_q5,mcse_q95,ess_bulk,ess_tail,"
                      "ess_basic,rhat,rhat_basic,hdi_low,hdi_high\ny_rep.1,", 130),
        "csv header then y_rep.1: %.140s", buf);
  CHECK(strstr(buf, "\ny_rep.2,") != NULL && strstr(buf, "theta") == NULL, "--vars y_rep selects y_rep.1, y_rep.2");
  free(buf);
  const char *none[] = {"nope"};
  opt.vars = none;
  mem = open_memstream(&buf, &blen);
  CHECK(urn_summary_print(mem, &d, &opt, &err) == URN_EINPUT && strstr(err.msg, "'nope'"), "unknown var refused");
  fclose(mem);
  free(buf);
  urn_draws_free_views(&d);

  /* mismatched chains */
  urn_stancsv g[2];
  CHECK(urn_stancsv_read(DIR "other_columns.csv", &g[0], &err) == URN_OK, "read other_columns");
  CHECK(urn_stancsv_read(DIR "short.csv", &g[1], &err) == URN_OK, "read short");
  urn_stancsv pair[2] = {f[0], g[0]};
  CHECK(urn_stancsv_as_draws(pair, 2, &d, &err) == URN_EINPUT && strstr(err.msg, "other_columns.csv has 10 columns"),
        "different columns refused: %s", err.msg);
  pair[1] = g[1];
  CHECK(urn_stancsv_as_draws(pair, 2, &d, &err) == URN_EINPUT && strstr(err.msg, "short.csv has 39 draws"),
        "different draw counts refused: %s", err.msg);
  for (int i = 0; i < 3; i++) urn_stancsv_free(&f[i]);
  for (int i = 0; i < 2; i++) urn_stancsv_free(&g[i]);

  /* plain CSV without sampler columns, CRLF, NA */
  urn_stancsv p[3];
  for (int i = 0; i < 3; i++) {
    char path[64];
    snprintf(path, sizeof path, DIR "plain-%d.csv", i + 1);
    CHECK(urn_stancsv_read(path, &p[i], &err) == URN_OK, "read %s: %s", path, err.msg);
  }
  CHECK(p[0].n_cols == 3 && p[0].n_draws == 25 && p[0].max_depth == 0 && isnan(p[0].step_size), "plain shape");
  CHECK(isnan(p[1].draws[7 * 3 + 2]) && col_of(&p[1], "flag") == 2, "NA read as NaN");
  CHECK(urn_stancsv_as_draws(p, 3, &d, &err) == URN_OK, "group plain chains");
  check_summary(&d, "mu", exp, "plain:mu");
  check_summary(&d, "tau", exp, "plain:tau");
  buf = NULL;
  mem = open_memstream(&buf, &blen);
  urn_summary_options_init(&opt);
  opt.format = URN_SUMMARY_JSON;
  CHECK(urn_summary_print(mem, &d, &opt, &err) == URN_OK, "print json");
  fclose(mem);
  urn_json *arr = urn_json_parse(buf, blen, "summary.json", &err);
  CHECK(arr && arr->type == URN_JSON_ARRAY && arr->len == 3, "json array of 3 quantities");
  if (arr && arr->len == 3) {
    CHECK(!strcmp(urn_json_get(arr->items[0], "name")->str, "mu"), "json name");
    CHECK(urn_json_get(arr->items[2], "rhat")->type == URN_JSON_NULL, "NA as null");
    CHECK(urn_json_get(arr->items[0], "hdi_high")->type == URN_JSON_NUMBER, "numbers as numbers");
  }
  urn_json_free(arr);
  free(buf);
  buf = NULL;
  mem = open_memstream(&buf, &blen);
  urn_summary_options_init(&opt);
  CHECK(urn_summary_print(mem, &d, &opt, &err) == URN_OK, "print plain table");
  fclose(mem);
  CHECK(strstr(buf, "no sampler columns") != NULL && strstr(buf, "NaN or infinite draws in: flag") != NULL,
        "plain diagnostics: %s", buf);
  free(buf);
  urn_draws_free_views(&d);
  for (int i = 0; i < 3; i++) urn_stancsv_free(&p[i]);

  /* errors */
  expect_error(DIR "does_not_exist.csv", NULL, URN_EIO, "does_not_exist.csv");
  expect_error("empty.csv", "", URN_EINPUT, "empty.csv: empty file");
  expect_error("comments.csv", "# only\n# comments\n", URN_EINPUT, "no header line");
  expect_error("data.json", "{\"N\": 3, \"y\": [1, 0]}\n", URN_EINPUT, "data.json:1:1: not a Stan CSV file");
  expect_error("numbers.csv", "1,2,3\n4,5,6\n", URN_EINPUT, "numbers.csv:1:1: not a Stan CSV file");
  expect_error("ragged.csv", "# c\na,b\n1,2\n3\n", URN_EINPUT, "ragged.csv:4: 1 fields in this row");
  expect_error("long.csv", "a,b\n1,2,3\n", URN_EINPUT, "long.csv:2:5: more than the header's 2 fields");
  expect_error("word.csv", "a,b\n1,2\n3,abc\n", URN_EINPUT, "word.csv:3:3: 'abc' is not a number (column b)");
  expect_error("dup.csv", "a,b,a\n1,2,3\n", URN_EINPUT, "dup.csv:1: column name 'a' appears twice");
  urn_stancsv h;
  /* a last line without its newline is the draw a killed run was writing: dropped, not refused (issue #16) */
  CHECK(urn_stancsv_parse("cut.csv", "a,b\n1,2\n3,4\n5,", 13, &h, &err) == URN_OK && h.n_draws == 2 && h.partial == 1,
        "an incomplete last line is dropped: %s", err.msg);
  urn_stancsv_free(&h);
  CHECK(urn_stancsv_parse("whole.csv", "a,b\n1,2\n3,4", 11, &h, &err) == URN_OK && h.n_draws == 1 && h.partial == 1,
        "even a last line of the right length: without its newline it may be cut inside a number");
  urn_stancsv_free(&h);
  CHECK(urn_stancsv_parse("ok.csv", "a,b\n1,2\n3,4\n", 12, &h, &err) == URN_OK && h.n_draws == 2 && h.partial == 0,
        "a complete file loses nothing");
  urn_stancsv_free(&h);
  /* chains of different lengths are cut to the shortest */
  urn_stancsv two[2];
  urn_stancsv_parse("c1.csv", "a\n1\n2\n3\n", 8, &two[0], &err);
  urn_stancsv_parse("c2.csv", "a\n4\n5\n", 6, &two[1], &err);
  CHECK(urn_stancsv_trim(two, 2) == 2 && two[0].n_draws == 2 && two[0].draws[1] == 2 && two[1].draws[1] == 5,
        "urn_stancsv_trim keeps the first rows of each");
  urn_stancsv_free(&two[0]), urn_stancsv_free(&two[1]);
  CHECK(urn_stancsv_parse("hdr.csv", "a,b\n", 4, &h, &err) == URN_OK && h.n_draws == 0, "header only parses");
  CHECK(urn_stancsv_as_draws(&h, 1, &d, &err) == URN_EINPUT && strstr(err.msg, "hdr.csv: no draws"),
        "no draws refused when grouping");
  urn_stancsv_free(&h);
  CHECK(urn_stancsv_parse("b.csv", "a,b\n1,2\0\n", 9, &h, &err) == URN_EINPUT && strstr(err.msg, "binary"),
        "binary data refused");
  double v;
  CHECK(urn_stancsv_parse_number(" -inf", 5, &v) && isinf(v) && v < 0, "-inf");
  CHECK(urn_stancsv_parse_number("nan", 3, &v) && isnan(v), "nan");
  CHECK(urn_stancsv_parse_number("1e-3 ", 5, &v) && v == 1e-3, "1e-3");
  CHECK(!urn_stancsv_parse_number("", 0, &v) && !urn_stancsv_parse_number("1.2.3", 5, &v), "bad numbers");
  CHECK(urn_stancsv_parse("bom.csv", "\xEF\xBB\xBF" "a,b\n1,2\n", 11, &h, &err) == URN_OK && !strcmp(h.names[0], "a"),
        "UTF-8 byte-order mark skipped");
  urn_stancsv_free(&h);

  /* mutated files never crash (run under ASan by make test-asan) */
  size_t len;
  char *orig = test_read_file(DIR "bernoulli-2.csv", &len);
  CHECK(orig != NULL, "read bernoulli-2.csv text");
  unsigned long long state = 12345;
  int parsed = 0, refused = 0;
  for (int it = 0; orig && it < 600; it++) {
    char *t = malloc(len + 1);
    memcpy(t, orig, len + 1);
    size_t n = len;
    int muts = 1 + it % 4;
    for (int k = 0; k < muts; k++) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      size_t pos = (size_t)(state >> 33) % n;
      static const char pool[] = ",\n#-.e0123456789 naNA\r\"x";
      switch ((state >> 20) % 4) {
        case 0: t[pos] = pool[(state >> 8) % (sizeof pool - 1)]; break;
        case 1: n = pos; break; /* truncate */
        case 2: memmove(t + pos, t + pos + 1, n - pos - 1), n--; break;
        default: t[pos] = (char)(state >> 40); break;
      }
      if (n == 0) break;
    }
    urn_stancsv m;
    if (urn_stancsv_parse("mutant.csv", t, n, &m, &err) == URN_OK) {
      parsed++;
      urn_draws md;
      if (m.n_draws && urn_stancsv_as_draws(&m, 1, &md, &err) == URN_OK) {
        FILE *devnull = fopen("/dev/null", "w");
        urn_summary_options_init(&opt);
        urn_summary_print(devnull, &md, &opt, &err);
        fclose(devnull);
        urn_draws_free_views(&md);
      }
      urn_stancsv_free(&m);
    } else {
      refused++;
      CHECK(strstr(err.msg, "mutant.csv") != NULL, "error names the file: %s", err.msg);
    }
    free(t);
  }
  CHECK(parsed > 0 && refused > 0, "mutants: %d parsed, %d refused, none crashed", parsed, refused);
  free(orig);
  urn_json_free(exp);
  return test_done();
}
