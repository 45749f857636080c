/* tests/test_nuts.c — the NUTS sampler and Stan's adaptation on targets coded
 * in C: moments of known Gaussians, adapted step size and metric against the
 * posterior (co)variances, the adaptation window schedule and dual averaging
 * against hand-computed values, rejections inside trajectories, bit-identical
 * results whatever the thread count. */
#include "harness.h"
#include "infer/adapt.h"
#include "infer/nuts.h"
#include "nuts_targets.h"

/* Windows of Stan's default schedule for 1000 warmup iterations end at
 * iterations 99, 149, 249, 449 and 949 (0-based): 75 + 25, then 50, 100,
 * 200, and the last window stretched to 500 to reach the terminal buffer. */
static void test_window_schedule(void) {
  urn_metric_adapt a;
  const char *msg;
  urn_metric_adapt_init(&a, 1, 0, 1000, 75, 50, 25, &msg);
  CHECK(msg == NULL, "no message for 1000 warmup");
  double var = 1, q = 0;
  int ends[16], n = 0;
  for (int it = 0; it < 1000; it++) {
    q = (it % 7) * 0.5;
    if (urn_metric_adapt_learn(&a, &var, &q) == 1 && n < 16) ends[n++] = it;
  }
  int want[] = {99, 149, 249, 449, 949};
  CHECK(n == 5, "five metric updates in 1000 warmup iterations (got %d)", n);
  for (int k = 0; k < 5 && k < n; k++) CHECK(ends[k] == want[k], "window %d ends at %d (want %d)", k, ends[k], want[k]);
  urn_metric_adapt_free(&a);

  /* a window's estimate: 25 draws of 0..24 have variance 54.1666..; regularized with n = 25 */
  urn_metric_adapt_init(&a, 1, 0, 1000, 75, 50, 25, &msg);
  for (int it = 0; it < 100; it++) {
    q = it >= 75 ? it - 75 : 1e6; /* the init buffer's draws must not count */
    urn_metric_adapt_learn(&a, &var, &q);
  }
  double sv = 25.0 * 26.0 / 12.0; /* variance of 0..24 with the n-1 denominator: n(n+1)/12 */
  CHECK_REL(var, (25.0 / 30.0) * sv + 1e-3 * (5.0 / 30.0), 1e-12, "regularized window variance");
  urn_metric_adapt_free(&a);

  /* Stan with warmup < 150 and default buffers: stages shrink but no window ever ends */
  urn_metric_adapt_init(&a, 1, 0, 100, 75, 50, 25, &msg);
  CHECK(msg != NULL, "a message for warmup 100");
  CHECK(a.init_buffer == 15 && a.term_buffer == 10 && a.base_window == 75, "15/75/10 split of 100");
  var = 3;
  int updates = 0;
  for (int it = 0; it < 100; it++) {
    q = it;
    updates += urn_metric_adapt_learn(&a, &var, &q) != 0;
  }
  CHECK(updates == 0 && var == 3, "the metric stays as it was for warmup 100 (Stan's behaviour)");
  urn_metric_adapt_free(&a);

  /* warmup 200: windows end at 74+... : init 75, first window 25 -> 99, then 50 -> 149 (the last) */
  urn_metric_adapt_init(&a, 1, 0, 200, 75, 50, 25, &msg);
  n = 0;
  for (int it = 0; it < 200; it++) {
    q = it % 3;
    if (urn_metric_adapt_learn(&a, &var, &q) == 1 && n < 16) ends[n++] = it;
  }
  CHECK(n == 2 && ends[0] == 99 && ends[1] == 149, "warmup 200 windows end at 99 and 149");
  urn_metric_adapt_free(&a);
}

/* Dual averaging: two steps by hand. mu = log(10), delta 0.8, gamma 0.05, kappa 0.75, t0 10. */
static void test_dual_averaging(void) {
  urn_stepsize_adapt a;
  urn_stepsize_adapt_init(&a, 0.8, 0.05, 0.75, 10);
  a.mu = log(10.0);
  double eps = 1;
  urn_stepsize_adapt_learn(&a, &eps, 0.5);
  double s1 = (1.0 / 11.0) * 0.3, x1 = log(10.0) - s1 / 0.05;
  CHECK_REL(eps, exp(x1), 1e-14, "first dual-averaging step");
  urn_stepsize_adapt_learn(&a, &eps, 1.7); /* capped at 1 */
  double s2 = (1 - 1.0 / 12.0) * s1 + (1.0 / 12.0) * (0.8 - 1.0), x2 = log(10.0) - s2 * sqrt(2.0) / 0.05;
  CHECK_REL(eps, exp(x2), 1e-14, "second dual-averaging step (accept_stat capped at 1)");
  double w = pow(2.0, -0.75), xbar = (1 - w) * x1 + w * x2;
  urn_stepsize_adapt_complete(&a, &eps);
  CHECK_REL(eps, exp(xbar), 1e-14, "final step size exp(x_bar)");
}

static void test_iid_normal(void) {
  double sd[6] = {1, 2, 0.5, 10, 0.1, 3};
  iid_normal t = {6, sd};
  urn_target target = {6, iid_normal_lp, &t};
  urn_sample_config cfg;
  urn_sample_config_default(&cfg);
  cfg.seed = 20260101, cfg.num_threads = 2;
  mem_sink m;
  mem_sink_init(&m, 6, 4, 1000);
  urn_sample_sink sink = mem_sink_callbacks(&m);
  urn_chain_result res[4];
  urn_error err;
  int rc = urn_sample_run(&cfg, &target, NULL, &sink, NULL, res, &err);
  CHECK(rc == URN_OK, "iid normal run: %s", rc ? err.msg : "ok");
  for (size_t i = 0; i < 6; i++) {
    double mean, var;
    mem_moments(&m, 4, i, &mean, &var);
    CHECK_NEAR(mean, 0, 0, 5 * sd[i] / sqrt(2000.0), "iid normal mean");
    CHECK_REL(var, sd[i] * sd[i], 0.12, "iid normal variance");
    for (int c = 0; c < 4; c++)
      CHECK_REL(m.metric[c * 36 + i], sd[i] * sd[i], 0.35, "adapted inverse metric ~ posterior variance");
  }
  double acc = 0;
  int div = 0;
  for (int k = 0; k < 4000; k++) acc += m.stats[k].accept_stat, div += m.stats[k].divergent;
  acc /= 4000;
  CHECK(acc > 0.7 && acc < 0.97, "mean accept_stat %g near the 0.8 target", acc);
  CHECK(div == 0, "no divergences on a Gaussian");
  for (int c = 0; c < 4; c++) {
    /* with a well-adapted metric a 6-D standard normal takes steps of ~0.8-1.2 */
    CHECK(m.stepsize[c] > 0.5 && m.stepsize[c] < 1.6, "adapted step size %g", m.stepsize[c]);
    CHECK(res[c].divergent == 0 && res[c].iterations == 2000, "chain %d finished", c);
  }
  /* lp__ = -sum z^2/2: its mean is -dim/2 */
  double lp = 0;
  for (int k = 0; k < 4000; k++) lp += m.stats[k].lp;
  CHECK_NEAR(lp / 4000, -3.0, 0, 0.2, "mean lp__ of a 6-D normal");
  mem_sink_free(&m);
}

static void test_dense(void) {
  gauss2 t = {{1, -2}, 1, 3, 0.95};
  urn_target target = {2, gauss2_lp, &t};
  urn_sample_config cfg;
  urn_sample_config_default(&cfg);
  cfg.seed = 7, cfg.metric = URN_METRIC_DENSE;
  mem_sink m;
  mem_sink_init(&m, 2, 4, 1000);
  urn_sample_sink sink = mem_sink_callbacks(&m);
  urn_error err;
  urn_chain_result res[4];
  int rc = urn_sample_run(&cfg, &target, NULL, &sink, NULL, res, &err);
  CHECK(rc == URN_OK, "dense run: %s", rc ? err.msg : "ok");
  double mean, var;
  mem_moments(&m, 4, 0, &mean, &var);
  CHECK_NEAR(mean, 1, 0, 5 / sqrt(2000.0), "correlated mean 1");
  CHECK_REL(var, 1, 0.12, "correlated variance 1");
  mem_moments(&m, 4, 1, &mean, &var);
  CHECK_NEAR(mean, -2, 0, 15 / sqrt(2000.0), "correlated mean 2");
  CHECK_REL(var, 9, 0.12, "correlated variance 2");
  for (int c = 0; c < 4; c++) {
    const double *M = m.metric + c * 4;
    CHECK_REL(M[0], 1, 0.35, "dense metric [1,1]");
    CHECK_REL(M[3], 9, 0.35, "dense metric [2,2]");
    CHECK_REL(M[1] / sqrt(M[0] * M[3]), 0.95, 0.05, "dense metric correlation");
    CHECK(M[1] == M[2] || fabs(M[1] - M[2]) < 1e-12 * fabs(M[1]), "dense metric symmetric");
    /* with the right dense metric the problem is isotropic: big steps, short trees */
    CHECK(m.stepsize[c] > 0.6, "dense step size %g", m.stepsize[c]);
  }
  int deep = 0;
  for (int k = 0; k < 4000; k++) deep += m.stats[k].treedepth > 3;
  CHECK(deep < 400, "dense metric keeps trees shallow (%d deep)", deep);

  /* the same target with a diagonal metric needs long trajectories */
  cfg.metric = URN_METRIC_DIAG;
  mem_sink m2;
  mem_sink_init(&m2, 2, 4, 1000);
  sink = mem_sink_callbacks(&m2);
  rc = urn_sample_run(&cfg, &target, NULL, &sink, NULL, res, &err);
  mem_moments(&m2, 4, 1, &mean, &var);
  CHECK(rc == URN_OK, "diag run on the correlated target");
  CHECK_REL(var, 9, 0.15, "diag metric variance 2");
  int nl_dense = 0, nl_diag = 0;
  for (int k = 0; k < 4000; k++) nl_dense += m.stats[k].n_leapfrog, nl_diag += m2.stats[k].n_leapfrog;
  CHECK(nl_diag > 2 * nl_dense, "diag metric needs more leapfrog steps (%d vs %d)", nl_diag, nl_dense);
  mem_sink_free(&m), mem_sink_free(&m2);
}

static void test_rejection(void) {
  urn_target target = {1, half_normal_reject_lp, NULL};
  urn_sample_config cfg;
  urn_sample_config_default(&cfg);
  cfg.seed = 99, cfg.num_chains = 2;
  mem_sink m;
  mem_sink_init(&m, 1, 2, 1000);
  urn_sample_sink sink = mem_sink_callbacks(&m);
  urn_error err;
  urn_chain_result res[2];
  int rc = urn_sample_run(&cfg, &target, NULL, &sink, NULL, res, &err);
  CHECK(rc == URN_OK, "half-normal with rejections: %s", rc ? err.msg : "ok");
  double mean, var;
  mem_moments(&m, 2, 0, &mean, &var);
  CHECK_NEAR(mean, sqrt(2 / M_PI), 0, 0.06, "half-normal mean sqrt(2/pi)");
  CHECK_REL(var, 1 - 2 / M_PI, 0.2, "half-normal variance 1 - 2/pi");
  CHECK(m.rejections >= 1 && m.rejections <= 2, "rejection reported once per kind per chain (%d)", m.rejections);
  int div = 0;
  for (int k = 0; k < 2000; k++) div += m.stats[k].divergent;
  CHECK(div > 0, "rejected proposals count as divergent (%d)", div);
  for (int k = 0; k < 2000; k++)
    if (!(m.draws[k] > 0)) {
      CHECK(0, "a draw outside the support: %g", m.draws[k]);
      break;
    }
  mem_sink_free(&m);
}

static int always_reject(void *ctx, const double *x, double *lp, double *g, urn_error *err) {
  return urn_error_set(err, URN_EREJECT, "nothing is ever acceptable");
}

static void test_init_failure(void) {
  urn_target target = {3, always_reject, NULL};
  urn_sample_config cfg;
  urn_sample_config_default(&cfg);
  cfg.num_chains = 1;
  urn_error err;
  int rc = urn_sample_run(&cfg, &target, NULL, NULL, NULL, NULL, &err);
  CHECK(rc == URN_EINPUT, "init failure is an input error");
  CHECK(strstr(err.msg, "100 attempts") && strstr(err.msg, "nothing is ever acceptable"),
        "init failure message: %s", err.msg);
}

static void test_threads_identical(void) {
  size_t dim = 4;
  urn_target target = {dim, funnel_lp, &dim};
  urn_sample_config cfg;
  urn_sample_config_default(&cfg);
  cfg.seed = 12345, cfg.num_warmup = 300, cfg.num_samples = 200, cfg.num_chains = 3;
  mem_sink a, b;
  mem_sink_init(&a, dim, 3, 200), mem_sink_init(&b, dim, 3, 200);
  urn_sample_sink sa = mem_sink_callbacks(&a), sb = mem_sink_callbacks(&b);
  urn_error err;
  cfg.num_threads = 1;
  int rc1 = urn_sample_run(&cfg, &target, NULL, &sa, NULL, NULL, &err);
  cfg.num_threads = 3;
  int rc2 = urn_sample_run(&cfg, &target, NULL, &sb, NULL, NULL, &err);
  CHECK(rc1 == URN_OK && rc2 == URN_OK, "funnel runs");
  CHECK(!memcmp(a.draws, b.draws, 3 * 200 * dim * sizeof(double)), "draws identical with 1 and 3 threads");
  int same_stats = 1;
  for (int k = 0; k < 600; k++)
    same_stats &= a.stats[k].lp == b.stats[k].lp && a.stats[k].n_leapfrog == b.stats[k].n_leapfrog;
  CHECK(same_stats, "diagnostics identical with 1 and 3 threads");
  CHECK(memcmp(a.draws, a.draws + 200 * dim, 200 * dim * sizeof(double)) != 0, "chains differ from each other");
  mem_sink_free(&a), mem_sink_free(&b);
}

static void test_stop(void) {
  double sd[1] = {1};
  iid_normal t = {1, sd};
  urn_target target = {1, iid_normal_lp, &t};
  urn_sample_config cfg;
  urn_sample_config_default(&cfg);
  cfg.num_chains = 2;
  volatile sig_atomic_t stop = 1;
  urn_error err;
  urn_chain_result res[2];
  int rc = urn_sample_run(&cfg, &target, NULL, NULL, &stop, res, &err);
  CHECK(rc == URN_EINTR && res[0].iterations == 0, "a stop request ends the chains");
}

int main(void) {
  test_window_schedule();
  test_dual_averaging();
  test_iid_normal();
  test_dense();
  test_rejection();
  test_init_failure();
  test_threads_identical();
  test_stop();
  return test_done();
}
