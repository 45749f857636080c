/* tests/test_diag.c — self-contained checks of the diagnostics (no ../shared):
 * the draw sets of tests/data/diag_small.json against values computed
 * independently by tests/data/gen_diag_small.py (direct autocovariances, scipy
 * ranks, normal and beta quantiles); AS 241 and the beta quantile against Python
 * and scipy; the FFT against a direct DFT; the radix sort; small closed-form
 * cases (type-7 quantiles, HDI ties, the T = 0 rule, constant chains); and the
 * argument errors. */
#include "harness.h"

#include "diag/diag_internal.h"
#include "math/fft.h"
#include "math/special.h"
#include "io/json.h"
#include "math/rng.h"
#include "urn/diag.h"

static double jnum(const urn_json *v) {
  double out = NAN;
  if (v && v->type != URN_JSON_NULL) urn_json_number(v, &out);
  return out;
}

static int same(double a, double b) { return (isnan(a) && isnan(b)) || a == b; }

static void check_cases(const urn_json *cases) {
  urn_diag_ws *ws = urn_diag_ws_new();
  for (size_t i = 0; i < cases->len; i++) {
    const char *name = cases->keys[i];
    const urn_json *c = cases->items[i];
    size_t M = (size_t)jnum(urn_json_get(c, "n_chains")), N = (size_t)jnum(urn_json_get(c, "n_draws"));
    const urn_json *draws = urn_json_get(c, "draws"), *exp = urn_json_get(c, "expected");
    CHECK(draws && draws->len == M * N, "%s: %zu draws", name, M * N);
    double *x = malloc(M * N * sizeof *x);
    for (size_t k = 0; k < M * N; k++) x[k] = jnum(draws->items[k]);
    urn_diag_summary s;
    double probs[2] = {0.05, 0.95}, q[2];
    CHECK(urn_diag_summarize(x, M, N, 0.94, probs, 2, q, ws, &s, NULL) == URN_OK, "%s: summarize", name);
    char what[160];
    struct { const char *key; double got; double rtol; } rel[] = {
        {"rhat", s.rhat, 1e-8}, {"rhat_basic", s.rhat_basic, 1e-8}, {"ess_bulk", s.ess_bulk, 1e-8},
        {"ess_tail", s.ess_tail, 1e-8}, {"ess_basic", s.ess_basic, 1e-8}, {"mcse_mean", s.mcse_mean, 1e-8},
        {"mcse_sd", s.mcse_sd, 1e-8}, {"sd", s.sd, 1e-12}};
    for (size_t k = 0; k < sizeof rel / sizeof *rel; k++) {
      snprintf(what, sizeof what, "%s %s", name, rel[k].key);
      CHECK_NEAR(rel[k].got, jnum(urn_json_get(exp, rel[k].key)), rel[k].rtol, 0.0, what);
    }
    struct { const char *key; double got; } ex[] = {
        {"q5", s.q5}, {"q50", s.q50}, {"q95", s.q95}, {"median", s.median}, {"mad", s.mad},
        {"mcse_q5", s.mcse_q5}, {"mcse_q95", s.mcse_q95}, {"hdi_low", s.hdi_low}, {"hdi_high", s.hdi_high},
        {"q5", q[0]}, {"q95", q[1]}};
    for (size_t k = 0; k < sizeof ex / sizeof *ex; k++) {
      double e = jnum(urn_json_get(exp, ex[k].key));
      CHECK(same(ex[k].got, e), "%s %s: got %.17g expected %.17g", name, ex[k].key, ex[k].got, e);
    }
    double sd = jnum(urn_json_get(exp, "sd"));
    snprintf(what, sizeof what, "%s mean", name);
    CHECK_NEAR(s.mean, jnum(urn_json_get(exp, "mean")), 0, isfinite(sd) ? 1e-12 * sd : 0, what);
    const urn_json *cb = urn_json_get(exp, "capped_bulk"), *cba = urn_json_get(exp, "capped_basic");
    CHECK(!!(s.capped & URN_DIAG_CAPPED_ESS_BULK) == (int)cb->num, "%s capped bulk", name);
    CHECK(!!(s.capped & URN_DIAG_CAPPED_ESS_BASIC) == (int)cba->num, "%s capped basic", name);
    free(x);
  }
  urn_diag_ws_free(ws);
}

static void check_inverse_cdfs(const urn_json *root) {
  const urn_json *qn = urn_json_get(root, "qnorm"), *qb = urn_json_get(root, "qbeta");
  for (size_t i = 0; qn && i < qn->len; i++) {
    double p = jnum(qn->items[i]->items[0]), z = jnum(qn->items[i]->items[1]);
    CHECK_NEAR(urn_inv_Phi(p), z, 4e-16, 1e-300, "qnorm vs Python's AS 241");
  }
  for (size_t i = 0; qb && i < qb->len; i++) {
    const urn_json *r = qb->items[i];
    double p = jnum(r->items[0]), a = jnum(r->items[1]), b = jnum(r->items[2]), x = jnum(r->items[3]);
    CHECK_NEAR(urn_inv_inc_beta(a, b, p), x, 1e-11, 0, "qbeta vs scipy betaincinv");
    CHECK_NEAR(urn_inc_beta(a, b, x), p, 1e-11, 0, "pbeta at scipy's quantile");
  }
  CHECK(urn_inv_Phi(0.5) == 0.0, "qnorm(0.5) = 0");
  CHECK(isinf(urn_inv_Phi(0.0)) && urn_inv_Phi(0.0) < 0, "qnorm(0) = -Inf");
  CHECK(isnan(urn_inv_Phi(1.5)), "qnorm(1.5) = NaN");
  /* symmetric Beta(2, 2): I_x = 3x^2 - 2x^3 */
  CHECK_NEAR(urn_inc_beta(2, 2, 0.3), 3 * 0.09 - 2 * 0.027, 1e-14, 0, "pbeta(0.3; 2, 2) closed form");
}

static void check_fft(void) {
  for (size_t len = 1; len <= 64; len *= 2) {
    urn_fft_plan plan;
    CHECK(urn_fft_plan_init(&plan, len) == 0, "fft plan %zu", len);
    double re[64], im[64], xr[64], xi[64];
    for (size_t k = 0; k < len; k++) xr[k] = re[k] = sin(1.0 + 3.0 * k) + 0.1 * k, xi[k] = im[k] = cos(2.0 * k * k);
    urn_fft(&plan, re, im, 0);
    double worst = 0;
    for (size_t j = 0; j < len; j++) {
      double sr = 0, si = 0;
      for (size_t k = 0; k < len; k++) {
        double ang = -2 * M_PI * (double)(j * k % len) / (double)len;
        sr += xr[k] * cos(ang) - xi[k] * sin(ang);
        si += xr[k] * sin(ang) + xi[k] * cos(ang);
      }
      worst = fmax(worst, fmax(fabs(sr - re[j]), fabs(si - im[j])));
    }
    CHECK(worst < 1e-12, "fft %zu vs direct DFT: max error %g", len, worst);
    urn_fft(&plan, re, im, 1);
    worst = 0;
    for (size_t k = 0; k < len; k++) worst = fmax(worst, fabs(re[k] / len - xr[k]) + fabs(im[k] / len - xi[k]));
    CHECK(worst < 1e-13, "fft %zu round trip: max error %g", len, worst);
    urn_fft_plan_free(&plan);
  }
  urn_fft_plan bad;
  CHECK(urn_fft_plan_init(&bad, 12) == -1, "fft refuses length 12");
  CHECK(urn_fft_good_size(999) == 1024 && urn_fft_good_size(1) == 1, "fft good size");
}

static void check_sort(void) {
  urn_rng r;
  urn_rng_seed(&r, 7, 0);
  enum { n = 3001 };
  static double x[n], vals[n];
  static uint32_t order[n];
  for (size_t i = 0; i < n; i++) x[i] = urn_rng_uniform(&r) * 200 - 100;
  x[5] = INFINITY, x[6] = -INFINITY, x[7] = 0.0, x[8] = -0.0, x[9] = x[10] = 3.5, x[11] = 1e-310, x[12] = -1e-310;
  urn_diag_ws *ws = urn_diag_ws_new();
  urn__diag_ws_prepare(ws, 1, n);
  urn__diag_argsort(ws, x, n, vals, order);
  int sorted = 1, perm = 1;
  for (size_t i = 1; i < n; i++) sorted &= vals[i - 1] <= vals[i];
  for (size_t i = 0; i < n; i++) perm &= vals[i] == x[order[i]];
  CHECK(sorted && perm, "radix argsort orders %d values including +-Inf, +-0, subnormals", n);
  CHECK(isinf(vals[0]) && vals[0] < 0 && isinf(vals[n - 1]), "infinities at the ends");
  urn_diag_ws_free(ws);
}

static void check_closed_forms(void) {
  double s[5] = {1, 2, 3, 4, 10};
  CHECK(urn_diag_quantile_sorted(s, 5, 0.5) == 3, "type-7 median");
  CHECK_NEAR(urn_diag_quantile_sorted(s, 5, 0.9), 0.4 * 4 + 0.6 * 10, 1e-15, 0, "type-7 q90 = 0.4*4 + 0.6*10");
  CHECK(urn_diag_quantile_sorted(s, 5, 1.0) == 10 && urn_diag_quantile_sorted(s, 5, 0.0) == 1, "type-7 ends");
  double lo, hi;
  double t[10] = {0, 0, 1, 1, 1, 1, 2, 2, 2, 3}; /* k = floor(0.5*10) = 5 */
  urn_diag_hdi_sorted(t, 10, 0.5, &lo, &hi);
  CHECK(lo == 0 && hi == 1, "HDI first of the tied narrowest windows: [%g, %g]", lo, hi);
  urn_diag_hdi_sorted(t, 10, 0.99, &lo, &hi);
  CHECK(lo == 0 && hi == 3, "HDI 99%% of 10 draws is the range");
  double one[1] = {4};
  urn_diag_hdi_sorted(one, 1, 0.94, &lo, &hi);
  CHECK(lo == 4 && hi == 4, "HDI of one draw");

  /* constant draws: R-hat and ESS NA, sd 0, HDI [v, v] */
  double c[40];
  for (int i = 0; i < 40; i++) c[i] = 0.1;
  urn_diag_summary o;
  CHECK(urn_diag_summarize(c, 4, 10, 0.94, NULL, 0, NULL, NULL, &o, NULL) == URN_OK, "constant summary");
  CHECK(isnan(o.rhat) && isnan(o.ess_bulk) && isnan(o.ess_tail) && isnan(o.mcse_mean) && isnan(o.rhat_basic),
        "constant: R-hat, ESS, MCSE are NA");
  CHECK(o.sd == 0 && o.mad == 0 && o.hdi_low == 0.1 && o.hdi_high == 0.1 && o.median == 0.1, "constant: sd 0, HDI");

  /* T = 0 rule: split chains of 3..5 draws give ESS = S'/2 exactly */
  double x[4 * 8];
  urn_rng r;
  urn_rng_seed(&r, 11, 0);
  for (int i = 0; i < 32; i++) x[i] = urn_rng_uniform(&r);
  CHECK(urn_diag_ess_basic(x, 4, 8, NULL) == 16.0, "4x8: ESS = 32/2");
  CHECK(urn_diag_ess_bulk(x, 4, 8, NULL) == 16.0, "4x8: bulk ESS = 32/2");
  /* N = 4 (split n = 2): R-hat defined, ESS NA */
  CHECK(isnan(urn_diag_ess_bulk(x, 8, 4, NULL)) && !isnan(urn_diag_rhat(x, 8, 4)), "N = 4: ESS NA, R-hat computed");
  /* N = 1: everything chain-based is NA, order statistics fine */
  CHECK(isnan(urn_diag_rhat(x, 32, 1)) && isnan(urn_diag_ess_bulk(x, 32, 1, NULL)), "N = 1: NA");
  /* NaN draw: everything NA, including the quantiles and HDI */
  x[3] = NAN;
  double q;
  double p = 0.25;
  CHECK(urn_diag_summarize(x, 4, 8, 0.94, &p, 1, &q, NULL, &o, NULL) == URN_OK, "NaN summary");
  CHECK(isnan(o.mean) && isnan(o.q50) && isnan(o.hdi_low) && isnan(q) && isnan(o.rhat), "NaN draw: all NA");

  /* errors */
  urn_error err;
  CHECK(urn_diag_summarize(x, 0, 8, 0.94, NULL, 0, NULL, NULL, &o, &err) == URN_EINPUT, "0 chains refused");
  CHECK(strstr(err.msg, "no draws") != NULL, "message: %s", err.msg);
  CHECK(urn_diag_summarize(x, 4, 8, 1.0, NULL, 0, NULL, NULL, &o, &err) == URN_EINPUT, "HDI prob 1 refused");
  p = 1.5;
  CHECK(urn_diag_summarize(x, 4, 8, 0.9, &p, 1, &q, NULL, &o, &err) == URN_EINPUT, "quantile prob 1.5 refused");
  CHECK(strstr(err.msg, "1.5") != NULL, "message names the probability: %s", err.msg);
}

int main(void) {
  urn_error err;
  urn_json *root = urn_json_parse_file("tests/data/diag_small.json", &err);
  CHECK(root != NULL, "read tests/data/diag_small.json: %s", root ? "" : err.msg);
  if (root) {
    check_cases(urn_json_get(root, "cases"));
    check_inverse_cdfs(root);
    urn_json_free(root);
  }
  check_fft();
  check_sort();
  check_closed_forms();
  return test_done();
}
