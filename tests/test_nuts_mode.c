/* tests/test_nuts_mode.c — mode-finding initialization (urn_find_mode and
 * cfg.init_mode of urn_sample_run) on targets coded in C: a bimodal density
 * (the higher mode is found, to the closed form; the result is bit-identical
 * whatever the thread count; chains started there stay in it), a funnel
 * (every optimization diverges and is refused; the run falls back to random
 * inits with a warning), and the step-size-collapse warning on a density
 * finite only at its initial point. */
#include "harness.h"
#include "nuts_targets.h"

/* 0.3 N(-4, 0.5^2) + 0.7 N(4, 0.5^2) in each of two coordinates (independent):
 * four modes, the highest at (4, 4). */
static int bimodal_lp(void *ctx, const double *x, double *lp, double *g, urn_error *err) {
  double s = 0;
  for (int i = 0; i < 2; i++) {
    double a = -0.5 * (x[i] + 4) * (x[i] + 4) / 0.25 + log(0.3), b = -0.5 * (x[i] - 4) * (x[i] - 4) / 0.25 + log(0.7);
    double m = a > b ? a : b, l = m + log(exp(a - m) + exp(b - m));
    double wa = exp(a - l), wb = exp(b - l);
    s += l;
    g[i] = wa * (-(x[i] + 4) / 0.25) + wb * (-(x[i] - 4) / 0.25);
  }
  *lp = s;
  return URN_OK;
}

/* The centered eight schools on the unconstrained scale: theta[8], mu,
 * v = log tau (Jacobian v); tau ~ half-Cauchy(0, 5).  Unbounded as v -> -inf. */
static int schools_lp(void *ctx, const double *x, double *lp, double *g, urn_error *err) {
  static const double y[8] = {28, 8, -3, 7, -1, 1, 18, 12}, sd[8] = {15, 10, 16, 11, 9, 11, 10, 18};
  double mu = x[8], v = x[9], tau = exp(v);
  if (!(tau > 0) || !isfinite(tau)) return urn_error_set(err, URN_EREJECT, "tau is %g", tau);
  double s = -log1p(tau * tau / 25) + v - mu * mu / 50, gmu = -mu / 25, gv = -2 * tau * tau / 25 / (1 + tau * tau / 25) + 1;
  for (int j = 0; j < 8; j++) {
    double z = (x[j] - mu) / tau, r = (x[j] - y[j]) / sd[j];
    s += -0.5 * z * z - v - 0.5 * r * r;
    g[j] = -z / tau - r / sd[j];
    gmu += z / tau;
    gv += z * z - 1;
  }
  g[8] = gmu, g[9] = gv;
  *lp = s;
  return isfinite(s) ? URN_OK : urn_error_set(err, URN_EREJECT, "lp is %g", s);
}

/* Finite only at x = 1.5 (every move is rejected). */
static int pinned_lp(void *ctx, const double *x, double *lp, double *g, urn_error *err) {
  if (x[0] != 1.5) return urn_error_set(err, URN_EREJECT, "x moved from 1.5 to %g", x[0]);
  *lp = 0, g[0] = 0;
  return URN_OK;
}

typedef struct warn_sink {
  mem_sink mem;          /* the draws */
  int warnings;          /* warning callbacks */
  int collapse;          /* of which about a collapsed step size */
  int mode_calls;        /* mode callbacks */
  int mode_found;        /* ... with a point */
  urn_mode_report rep;   /* the last report */
  char last[600];        /* the last warning */
} warn_sink;

static void ws_warning(void *ctx, int chain, const char *msg) {
  warn_sink *w = ctx;
  w->warnings++;
  w->collapse += strstr(msg, "step size collapsed") != NULL;
  snprintf(w->last, sizeof w->last, "%s", msg);
}
static void ws_mode(void *ctx, const urn_mode_report *rep, const double *theta) {
  warn_sink *w = ctx;
  w->mode_calls++, w->mode_found += theta != NULL, w->rep = *rep;
}
static int ws_draw(void *ctx, int chain, int it, int warmup, const urn_nuts_stats *st, const double *x, urn_rng *rng,
                   urn_error *err) {
  return mem_draw(&((warn_sink *)ctx)->mem, chain, it, warmup, st, x, rng, err);
}
static urn_sample_sink ws_callbacks(warn_sink *w) {
  urn_sample_sink s;
  memset(&s, 0, sizeof s);
  s.ctx = w, s.draw = ws_draw, s.warning = ws_warning, s.mode = ws_mode;
  return s;
}

static void test_find_mode(void) {
  urn_target t = {2, bimodal_lp, NULL};
  double x1[2], x3[2];
  urn_mode_report r1, r3;
  urn_error err;
  int rc1 = urn_find_mode(&t, 12, 6, 42, 1, x1, &r1, &err);
  int rc3 = urn_find_mode(&t, 12, 6, 42, 3, x3, &r3, &err);
  CHECK(rc1 == URN_OK && rc3 == URN_OK, "mode found (%d %d)", rc1, rc3);
  /* the mode of each coordinate's mixture sits at 4 minus the far component's pull, negligible here */
  CHECK_NEAR(x1[0], 4.0, 0, 1e-6, "x[0] at the higher mode");
  CHECK_NEAR(x1[1], 4.0, 0, 1e-6, "x[1] at the higher mode");
  CHECK_NEAR(r1.best_lp, 2 * log(0.7), 0, 1e-9, "log density at the mode");
  CHECK(!memcmp(x1, x3, sizeof x1) && r1.best == r3.best && r1.n_gradients == r3.n_gradients,
        "bit-identical with 1 and 3 threads");
  CHECK(r1.n_starts == 12 && r1.n_modes == 12 && r1.n_diverged == 0, "12 modes of 12 starts (%d)", r1.n_modes);
  CHECK(r1.n_at_best >= 1 && r1.n_at_best < 12, "some starts reach the best mode, some a lower one (%d)",
        r1.n_at_best);
  CHECK(r1.second_lp < r1.best_lp - 0.5, "a lower mode was seen (%g)", r1.second_lp);

  /* the funnel: every optimization diverges, none is taken */
  urn_target f = {10, schools_lp, NULL};
  double xf[10];
  urn_mode_report rf;
  int rc = urn_find_mode(&f, 6, 2, 7, 2, xf, &rf, &err);
  CHECK(rc == URN_EREJECT && rf.n_diverged == 6 && rf.best < 0, "funnel: all 6 diverged (rc %d, %d diverged)", rc,
        rf.n_diverged);
  CHECK(strstr(err.msg, "none of the 6 optimizations found a mode") != NULL, "funnel message: %s", err.msg);
}

static void test_sample_from_mode(void) {
  /* chains started at the mode stay in it: every draw near 4, where random inits in (-6, 6) would put some
     chains at -4 for good (the valley at 0 is 32 units of log density deep) */
  urn_target t = {2, bimodal_lp, NULL};
  urn_sample_config cfg;
  urn_sample_config_default(&cfg);
  cfg.num_chains = 4, cfg.num_threads = 2, cfg.num_warmup = 200, cfg.num_samples = 200, cfg.seed = 5;
  cfg.init_radius = 6, cfg.refresh = 0;
  warn_sink w;
  memset(&w, 0, sizeof w);
  mem_sink_init(&w.mem, 2, 4, 200);
  urn_sample_sink sink = ws_callbacks(&w);
  urn_error err;
  int rc = urn_sample_run(&cfg, &t, NULL, &sink, NULL, NULL, &err);
  int low = 0;
  for (size_t k = 0; k < 4 * 200 * 2; k++) low += w.mem.draws[k] < 0;
  CHECK(rc == URN_OK && low > 0, "random inits: some chains sit in the lower modes (%d draws below 0)", low);
  mem_sink_free(&w.mem);

  cfg.init_mode = 8;
  memset(&w, 0, sizeof w);
  mem_sink_init(&w.mem, 2, 4, 200);
  sink = ws_callbacks(&w);
  rc = urn_sample_run(&cfg, &t, NULL, &sink, NULL, NULL, &err);
  low = 0;
  for (size_t k = 0; k < 4 * 200 * 2; k++) low += w.mem.draws[k] < 0;
  CHECK(rc == URN_OK && low == 0, "--init mode: every draw in the highest mode (%d below 0)", low);
  CHECK(w.mode_calls == 1 && w.mode_found == 1 && w.warnings == 0, "one mode report, no warning (%s)", w.last);
  double mean, var;
  mem_moments(&w.mem, 4, 0, &mean, &var);
  CHECK_NEAR(mean, 4.0, 0, 0.1, "mean in the mode");
  CHECK_NEAR(var, 0.25, 0.25, 0, "variance in the mode");
  mem_sink_free(&w.mem);

  /* the funnel: falls back to random inits, says so, still samples */
  urn_target f = {10, schools_lp, NULL};
  cfg.num_warmup = 100, cfg.num_samples = 20;
  memset(&w, 0, sizeof w);
  mem_sink_init(&w.mem, 10, 4, 20);
  sink = ws_callbacks(&w);
  rc = urn_sample_run(&cfg, &f, NULL, &sink, NULL, NULL, &err);
  CHECK(rc == URN_OK && w.mem.count[3] == 20, "funnel: the chains ran from random inits");
  CHECK(w.mode_calls == 1 && w.mode_found == 0 && strstr(w.last, "random inits instead") != NULL,
        "funnel: warned (%s)", w.last);
  mem_sink_free(&w.mem);
}

static void test_collapse_warning(void) {
  urn_target t = {1, pinned_lp, NULL};
  urn_sample_config cfg;
  urn_sample_config_default(&cfg);
  cfg.num_chains = 2, cfg.num_threads = 1, cfg.num_warmup = 40, cfg.num_samples = 5, cfg.refresh = 0;
  double x0 = 1.5;
  const double *inits[2] = {&x0, &x0};
  warn_sink w;
  memset(&w, 0, sizeof w);
  mem_sink_init(&w.mem, 1, 2, 5);
  urn_sample_sink sink = ws_callbacks(&w);
  urn_error err;
  int rc = urn_sample_run(&cfg, &t, inits, &sink, NULL, NULL, &err);
  CHECK(rc == URN_OK, "the pinned run completes");
  CHECK(w.collapse == 2 && w.warnings == 2, "one collapse warning per chain (%d, %d)", w.collapse, w.warnings);
  mem_sink_free(&w.mem);

  /* a healthy target never triggers it, even with a scale of 1e-8 */
  double sd[2] = {1e-8, 1};
  iid_normal in = {2, sd};
  urn_target tn = {2, iid_normal_lp, &in};
  cfg.num_warmup = 200, cfg.num_samples = 20;
  memset(&w, 0, sizeof w);
  mem_sink_init(&w.mem, 2, 2, 20);
  sink = ws_callbacks(&w);
  rc = urn_sample_run(&cfg, &tn, NULL, &sink, NULL, NULL, &err);
  CHECK(rc == URN_OK && w.warnings == 0, "no warning on a healthy target (%s)", w.last);
  mem_sink_free(&w.mem);
}

int main(void) {
  test_find_mode();
  test_sample_from_mode();
  test_collapse_warning();
  return test_done();
}
