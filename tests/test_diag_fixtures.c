/* tests/test_diag_fixtures.c — every value of every fixture in
 * ../shared/fixtures/diagnostics/expected.json (R posterior 1.4.0 + ArviZ HDI)
 * against urn_diag_summarize, with the tolerances of that folder's README:
 * relative 1e-8 for R-hat, ESS and MCSE of mean/sd; exact for quantiles,
 * median, MAD, MCSE of quantiles and the HDI; mean within 1e-12 sd; sd within
 * 1e-12 relative; NA/NaN as NaN; the ESS-cap flags as R's warnings.
 * Skips (one "skipped:" line) when ../shared is absent. */
#include "harness.h"

#include "io/json.h"
#include "urn/diag.h"

/* Reads a long-format fixture CSV (chain,draw,value; NA allowed) into a
 * chain-major matrix; returns NULL on a malformed file. */
static double *read_fixture(const char *path, size_t M, size_t N) {
  size_t len;
  char *text = test_read_file(path, &len);
  if (!text) return NULL;
  double *x = malloc(M * N * sizeof *x);
  for (size_t k = 0; k < M * N; k++) x[k] = -12345.0;
  char *line = strchr(text, '\n');
  size_t rows = 0;
  while (line && line[1]) {
    line++;
    char *end;
    long c = strtol(line, &end, 10);
    if (*end != ',') break;
    long d = strtol(end + 1, &end, 10);
    if (*end != ',') break;
    char *v = end + 1;
    double val;
    if (!strncmp(v, "NA", 2)) val = NAN;
    else val = strtod(v, &end);
    if (c < 1 || (size_t)c > M || d < 1 || (size_t)d > N) break;
    x[(size_t)(c - 1) * N + (size_t)(d - 1)] = val;
    rows++;
    line = strchr(line, '\n');
  }
  free(text);
  if (rows != M * N) {
    free(x);
    return NULL;
  }
  return x;
}

static double expected_value(const urn_json *exp, const char *key) {
  const urn_json *v = urn_json_get(exp, key);
  double out = NAN;
  if (v && v->type != URN_JSON_NULL) urn_json_number(v, &out);
  return out;
}

/* Exact comparison that treats NaN == NaN. */
static int same(double a, double b) { return (isnan(a) && isnan(b)) || a == b; }

int main(void) {
  const char *shared = test_shared_dir();
  if (!shared) {
    printf("skipped: ../shared not present (diagnostics fixtures)\n");
    return test_done();
  }
  char dir[4200], path[4400];
  snprintf(dir, sizeof dir, "%s/fixtures/diagnostics", shared);
  snprintf(path, sizeof path, "%s/expected.json", dir);
  urn_error err;
  urn_json *root = urn_json_parse_file(path, &err);
  CHECK(root != NULL, "parse expected.json: %s", root ? "" : err.msg);
  if (!root) return test_done();
  const urn_json *fixtures = urn_json_get(root, "fixtures");
  CHECK(fixtures && fixtures->len >= 16, "fixtures present");
  urn_diag_ws *ws = urn_diag_ws_new();
  for (size_t f = 0; fixtures && f < fixtures->len; f++) {
    const char *name = fixtures->keys[f];
    const urn_json *fx = fixtures->items[f];
    const urn_json *exp = urn_json_get(fx, "expected");
    size_t M = (size_t)urn_json_get(fx, "n_chains")->num, N = (size_t)urn_json_get(fx, "n_draws_per_chain")->num;
    snprintf(path, sizeof path, "%s/%s", dir, urn_json_get(fx, "file")->str);
    double *x = read_fixture(path, M, N);
    CHECK(x != NULL, "%s: read %s", name, path);
    if (!x) continue;
    int before_fail = test_nfail, before_pass = test_npass;
    urn_diag_summary s;
    int rc = urn_diag_summarize(x, M, N, 0.94, NULL, 0, NULL, ws, &s, &err);
    CHECK(rc == URN_OK, "%s: summarize", name);
    char what[200];
#define REL(field, key)                                                   \
  snprintf(what, sizeof what, "%s %s", name, key);                        \
  CHECK_NEAR(s.field, expected_value(exp, key), 1e-8, 0.0, what)
#define EXACT(field, key)                                                         \
  do {                                                                            \
    double e_ = expected_value(exp, key);                                         \
    CHECK(same(s.field, e_), "%s %s: got %.17g, expected %.17g", name, key, s.field, e_); \
  } while (0)
    REL(rhat, "rhat");
    REL(rhat_basic, "rhat_basic");
    REL(ess_bulk, "ess_bulk");
    REL(ess_tail, "ess_tail");
    REL(ess_basic, "ess_basic");
    REL(mcse_mean, "mcse_mean");
    REL(mcse_sd, "mcse_sd");
    EXACT(mcse_q5, "mcse_q5");
    EXACT(mcse_q95, "mcse_q95");
    EXACT(q5, "q5");
    EXACT(q50, "q50");
    EXACT(q95, "q95");
    EXACT(median, "median");
    EXACT(mad, "mad");
    EXACT(hdi_low, "hdi94_lower");
    EXACT(hdi_high, "hdi94_upper");
    double sd = expected_value(exp, "sd");
    snprintf(what, sizeof what, "%s mean", name);
    CHECK_NEAR(s.mean, expected_value(exp, "mean"), 0.0, isfinite(sd) ? 1e-12 * sd : 0.0, what);
    snprintf(what, sizeof what, "%s sd", name);
    CHECK_NEAR(s.sd, sd, 1e-12, 0.0, what);
    /* ESS-cap flags: R's warnings per measure */
    const urn_json *warn = urn_json_get(fx, "warnings");
    struct { const char *key; unsigned flag; } caps[] = {
        {"ess_bulk", URN_DIAG_CAPPED_ESS_BULK}, {"ess_tail", URN_DIAG_CAPPED_ESS_TAIL},
        {"ess_basic", URN_DIAG_CAPPED_ESS_BASIC}, {"mcse_mean", URN_DIAG_CAPPED_MCSE_MEAN},
        {"mcse_sd", URN_DIAG_CAPPED_MCSE_SD}, {"mcse_q5", URN_DIAG_CAPPED_MCSE_Q5},
        {"mcse_q95", URN_DIAG_CAPPED_MCSE_Q95}};
    for (size_t i = 0; i < sizeof caps / sizeof *caps; i++) {
      int want = warn && urn_json_get(warn, caps[i].key) != NULL;
      CHECK(!!(s.capped & caps[i].flag) == want, "%s capped flag %s: got %d want %d", name, caps[i].key,
            !!(s.capped & caps[i].flag), want);
    }
    /* the single-measure entry points agree with the summary */
    int cap;
    snprintf(what, sizeof what, "%s urn_diag_ess_bulk", name);
    CHECK_NEAR(urn_diag_ess_bulk(x, M, N, &cap), s.ess_bulk, 1e-14, 0.0, what);
    snprintf(what, sizeof what, "%s urn_diag_rhat", name);
    CHECK_NEAR(urn_diag_rhat(x, M, N), s.rhat, 1e-14, 0.0, what);
    snprintf(what, sizeof what, "%s urn_diag_mcse_quantile(0.95)", name);
    CHECK_NEAR(urn_diag_mcse_quantile(x, M, N, 0.95), s.mcse_q95, 0.0, 0.0, what);
    printf("fixture %-30s %d checks passed, %d failed\n", name, test_npass - before_pass, test_nfail - before_fail);
    free(x);
  }
  urn_diag_ws_free(ws);
  urn_json_free(root);
  return test_done();
}
