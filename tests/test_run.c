/* tests/test_run.c — the run layer (urn/run.h) on small models with known
 * answers: settings by CmdStan name; sampling into memory and Stan CSV (rows,
 * warmup rows, thinning, columns, the CmdStan configuration block, .part
 * files gone, refusal to overwrite); the same draws whatever the thread
 * count, and a chain run alone with id=k equal to chain k of a multi-chain
 * run; CmdStan's progress cadence; fixed_param and a model without
 * parameters; optimization (L-BFGS, BFGS, Newton) against the closed-form
 * MLE and MAP; save_iterations; standalone generated quantities; log_prob
 * against the model API; Laplace draws against the closed-form covariance; diagnostic files; the flat unconstrain and the
 * unconstrained names of the model API. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "urn/model.h"
#include "urn/run.h"

/* y ~ normal(mu, sigma) with flat priors: MLE mu = mean, sigma = sd (divisor N). */
static const char *SRC =
    "data { int<lower=0> N; vector[N] y; }\n"
    "parameters { real mu; real<lower=0> sigma; }\n"
    "model { target += -N * log(sigma) - 0.5 * dot_self((y - mu) / sigma); }\n"
    "generated quantities { real z = 2 * mu; real u = uniform_rng(0, 1); }\n";
static const char *DATA = "{\"N\": 8, \"y\": [1.2, 0.4, 2.2, 1.9, 0.1, 1.4, 1.0, 0.7]}";
static const double YBAR = 1.1125, SSQ = 3.60875; /* mean and sum of squared deviations of y */

static const char *NOPARAM = "generated quantities { real u = uniform_rng(0, 1); int k = 3; }\n";

static char tmpdir[256];

static urn_model *build(const char *name, const char *src, const char *data) {
  urn_error err;
  urn_model *m = urn_model_new(name, src, strlen(src), "d.json", data, data ? strlen(data) : 0, 1, &err);
  CHECK(m != NULL, "model %s builds: %s", name, m ? "" : err.msg);
  if (m) urn_model_set_print(m, NULL);
  return m;
}

static void test_config(void) {
  urn_run_config c;
  urn_run_config_default(&c, URN_RUN_SAMPLE);
  CHECK(c.num_samples == 1000 && c.num_warmup == 1000 && c.thin == 1 && c.max_depth == 10, "CmdStan's defaults");
  CHECK(c.adapt_delta == 0.8 && c.metric == URN_METRIC_DIAG && c.jacobian == 0 && c.id == 1, "more defaults");
  urn_error err;
  CHECK(urn_run_config_set(&c, "delta", "0.95", &err) == URN_OK && c.adapt_delta == 0.95, "delta by name");
  CHECK(urn_run_config_set(&c, "adapt delta", "0.9", &err) == URN_OK && c.adapt_delta == 0.9, "with its group");
  CHECK(urn_run_config_set(&c, "adapt.engaged", "false", &err) == URN_OK && c.adapt_engaged == 0, "bool false");
  CHECK(urn_run_config_set(&c, "metric", "dense_e", &err) == URN_OK && c.metric == URN_METRIC_DENSE, "metric");
  CHECK(urn_run_config_set(&c, "algorithm", "fixed_param", &err) == URN_OK && c.fixed_param == 1, "fixed_param");
  CHECK(urn_run_config_set(&c, "algorithm", "bfgs", &err) == URN_OK && c.algorithm == URN_RUN_BFGS, "bfgs");
  CHECK(urn_run_config_set(&c, "method", "optimize", &err) == URN_OK && c.method == URN_RUN_OPTIMIZE, "method");
  CHECK(urn_run_config_set(&c, "seed", "4294967295", &err) == URN_OK && c.seed == 4294967295u, "largest seed");
  CHECK(urn_run_config_set(&c, "init", "0.5", &err) == URN_OK && c.init_radius == 0.5, "init radius");
  CHECK(urn_run_config_set(&c, "delta", "1.0", &err) == URN_EINPUT && strstr(err.msg, "delta"), "delta < 1: %s",
        err.msg);
  CHECK(urn_run_config_set(&c, "num_samples", "-3", &err) == URN_EINPUT, "negative draws refused");
  CHECK(urn_run_config_set(&c, "seed", "4294967296", &err) == URN_EINPUT, "seed >= 2^32 refused");
  CHECK(urn_run_config_set(&c, "no_such", "1", &err) == URN_EINPUT && strstr(err.msg, "no_such"), "unknown name");
  CHECK(urn_run_config_set(&c, "method", "diagnose", &err) == URN_EINPUT && strstr(err.msg, "urn"),
        "a method urn lacks: %s", err.msg);
  urn_run_config *h = urn_run_config_new(URN_RUN_LAPLACE);
  CHECK(h && h->jacobian == 1 && h->draws == 1000, "heap config with the method's defaults");
  urn_run_config_free(h);
}

/* Progress calls recorded. */
typedef struct rec {
  int it[64], n;       /* chain 0's progress iterations */
  int rows[4];         /* rows seen per chain */
  int messages;        /* messages seen */
} rec;
static void rec_progress(void *ctx, int chain, int iteration, int total, int warmup, int div) {
  rec *r = ctx;
  if (chain == 0 && r->n < 64) r->it[r->n++] = iteration;
}
static int rec_row(void *ctx, int chain, int warmup, const double *row, size_t n) {
  ((rec *)ctx)->rows[chain]++;
  return 0;
}
static void rec_message(void *ctx, int chain, urn_run_msg_kind kind, const char *text) { ((rec *)ctx)->messages++; }

static urn_run *sample_run(const urn_model *m, int chains, int id, int threads, int warmup, int samples, int save_warmup,
                           int thin) {
  urn_run_config c;
  urn_run_config_default(&c, URN_RUN_SAMPLE);
  c.num_chains = chains, c.id = id, c.num_threads = threads, c.num_warmup = warmup, c.num_samples = samples;
  c.save_warmup = save_warmup, c.thin = thin, c.seed = 42;
  urn_error err;
  urn_run *r = urn_run_new(m, &c, &err);
  CHECK(r != NULL, "run: %s", r ? "" : err.msg);
  return r;
}

static void test_sample(const urn_model *m) {
  urn_error err;
  urn_run *r = sample_run(m, 2, 1, 2, 150, 150, 1, 2);
  rec cb_rec;
  memset(&cb_rec, 0, sizeof cb_rec);
  urn_run_callbacks cb = {&cb_rec, rec_row, rec_progress, rec_message};
  urn_run_set_callbacks(r, &cb);
  char path[2][512];
  for (int c = 0; c < 2; c++) {
    snprintf(path[c], sizeof path[c], "%s/s-%d.csv", tmpdir, c + 1);
    urn_run_output_csv(r, c, path[c], &err);
  }
  int rc = urn_run_execute(r, &err);
  CHECK(rc == URN_OK, "sample: %s", err.msg);
  CHECK(urn_run_num_cols(r) == 7 + 4 && urn_run_num_method_cols(r) == 7, "7 sampler columns + mu, sigma, z, u");
  CHECK(!strcmp(urn_run_col_name(r, 0), "lp__") && !strcmp(urn_run_col_name(r, 8), "sigma"), "column names");
  CHECK(urn_run_num_rows(r, 1) == 75 + 75 && urn_run_num_warmup_rows(r, 1) == 75, "75 warmup + 75 draws kept");
  CHECK(cb_rec.rows[0] == 150 && cb_rec.rows[1] == 150, "the row callback saw every row");
  int want[] = {1, 100, 151, 250, 300};
  int same = cb_rec.n == 5;
  for (int i = 0; same && i < 5; i++) same = cb_rec.it[i] == want[i];
  CHECK(same, "progress at CmdStan's iterations 1, 100, 151, 250, 300 (got %d calls, first %d)", cb_rec.n,
        cb_rec.n ? cb_rec.it[0] : -1);
  CHECK(urn_run_progress(r, 1) == 300, "progress counter at the end");
  const double *d = urn_run_draws(r, 0);
  int ok = 1;
  for (size_t i = 0; i < urn_run_num_rows(r, 0); i++) {
    const double *row = d + i * 11;
    ok &= row[8] > 0 && fabs(row[9] - 2 * row[7]) < 1e-12 && row[10] >= 0 && row[10] <= 1;
    ok &= row[5] == 0 || row[5] == 1;
  }
  CHECK(ok, "sigma > 0, z = 2 mu, u in [0, 1], divergent__ 0/1 in every row");
  CHECK(urn_run_stepsize(r, 0) > 0 && urn_run_inv_metric(r, 0, NULL, 0) == 2, "adapted step size and metric");
  double copy[2 * 75 * 11];
  CHECK(urn_run_copy_draws(r, 0, copy, sizeof copy / sizeof *copy) == 2 * 75 * 11 &&
            !memcmp(copy + 75 * 11, urn_run_draws(r, 1) + 75 * 11, 75 * 11 * sizeof(double)),
        "copy_draws: post-warmup rows, chain-major");
  /* the file */
  size_t len;
  char *text = test_read_file(path[1], &len);
  CHECK(text && strstr(text, "# model = t_model\n") && strstr(text, "#     num_warmup = 150\n") &&
            strstr(text, "#     thin = 2\n") && strstr(text, "# id = 2\n") && strstr(text, "#   seed = 42\n") &&
            strstr(text, "\nlp__,accept_stat__,stepsize__,treedepth__,n_leapfrog__,divergent__,energy__,mu,sigma,z,u\n") &&
            strstr(text, "# Adaptation terminated\n# Step size = ") && strstr(text, "seconds (Sampling)"),
        "the CSV's configuration, header, adaptation and timing");
  int lines = 0;
  for (char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
    if (*p != '#' && *p != '\n' && *p) lines++;
  CHECK(lines == 151, "header + 150 rows in the file (%d)", lines);
  free(text);
  char part[600];
  snprintf(part, sizeof part, "%s.part", path[0]);
  CHECK(access(part, F_OK) != 0, "no .part file left");
  urn_run_free(r);

  /* thread count and id: chain 2 of a 2-chain run == a lone chain with id=2 */
  urn_run *a = sample_run(m, 2, 1, 1, 100, 50, 0, 1), *b = sample_run(m, 1, 2, 1, 100, 50, 0, 1);
  urn_run *c2 = sample_run(m, 2, 1, 2, 100, 50, 0, 1);
  CHECK(urn_run_execute(a, &err) == URN_OK && urn_run_execute(b, &err) == URN_OK &&
            urn_run_execute(c2, &err) == URN_OK, "three runs");
  CHECK(!memcmp(urn_run_draws(a, 1), urn_run_draws(b, 0), 50 * 11 * sizeof(double)),
        "chain 2 of a 2-chain run equals a lone chain with id=2, draw for draw");
  CHECK(!memcmp(urn_run_draws(a, 0), urn_run_draws(c2, 0), 50 * 11 * sizeof(double)) &&
            !memcmp(urn_run_draws(a, 1), urn_run_draws(c2, 1), 50 * 11 * sizeof(double)),
        "the same draws with 1 and 2 threads");
  urn_run_free(a), urn_run_free(b), urn_run_free(c2);

  /* refusing to overwrite */
  urn_run_config c;
  urn_run_config_default(&c, URN_RUN_SAMPLE);
  c.overwrite = 0, c.num_warmup = 10, c.num_samples = 10;
  r = urn_run_new(m, &c, &err);
  urn_run_output_csv(r, 0, path[0], &err);
  CHECK(urn_run_execute(r, &err) == URN_EIO && strstr(err.msg, "exists"), "overwrite = 0 refuses: %s", err.msg);
  urn_run_free(r);
}

static void test_fixed_param(void) {
  urn_model *m = build("np.stan", NOPARAM, NULL);
  if (!m) return;
  urn_run_config c;
  urn_run_config_default(&c, URN_RUN_SAMPLE);
  c.num_chains = 2, c.num_samples = 20, c.seed = 7;
  urn_error err;
  urn_run *r = urn_run_new(m, &c, &err);
  rec cb_rec;
  memset(&cb_rec, 0, sizeof cb_rec);
  urn_run_callbacks cb = {&cb_rec, NULL, NULL, rec_message};
  urn_run_set_callbacks(r, &cb);
  CHECK(urn_run_execute(r, &err) == URN_OK, "fixed_param run: %s", err.msg);
  CHECK(urn_run_num_cols(r) == 4 && !strcmp(urn_run_col_name(r, 1), "accept_stat__"), "lp__, accept_stat__, u, k");
  CHECK(urn_run_num_rows(r, 1) == 20, "num_samples rows (no warmup)");
  const double *d = urn_run_draws(r, 0);
  int ok = 1;
  for (int i = 0; i < 20; i++) ok &= d[i * 4] == 0 && d[i * 4 + 1] == 0 && d[i * 4 + 3] == 3;
  CHECK(ok && d[2] != d[6], "lp__ = accept_stat__ = 0, k = 3, u varies");
  CHECK(cb_rec.messages >= 1, "says it runs the fixed_param sampler");
  CHECK(memcmp(urn_run_draws(r, 0), urn_run_draws(r, 1), 20 * 4 * sizeof(double)) != 0, "chains differ");
  urn_run_free(r);
  urn_model_free(m);
}

static urn_run *optimize(const urn_model *m, urn_run_optimizer algo, int jacobian, int save_iterations) {
  urn_run_config c;
  urn_run_config_default(&c, URN_RUN_OPTIMIZE);
  c.algorithm = algo, c.jacobian = jacobian, c.save_iterations = save_iterations;
  urn_error err;
  urn_run *r = urn_run_new(m, &c, &err);
  int rc = urn_run_execute(r, &err);
  CHECK(rc == URN_OK, "optimize (algorithm %d): %s", (int)algo, err.msg);
  return r;
}

static void test_optimize(const urn_model *m) {
  const char *names[3] = {"lbfgs", "bfgs", "newton"};
  urn_run_optimizer algos[3] = {URN_RUN_LBFGS, URN_RUN_BFGS, URN_RUN_NEWTON};
  double sd = sqrt(SSQ / 8), sd_map = sqrt(SSQ / 7); /* MAP with the log-Jacobian of sigma: N - 1 */
  for (int k = 0; k < 3; k++) {
    urn_run *r = optimize(m, algos[k], 0, 0);
    const double *row = urn_run_draws(r, 0);
    CHECK(urn_run_num_rows(r, 0) == 1 && urn_run_num_cols(r) == 5, "%s: one row lp__, mu, sigma, z, u", names[k]);
    CHECK_NEAR(row[1], YBAR, 1e-5, 0, names[k]);
    CHECK_NEAR(row[2], sd, 1e-4, 0, names[k]);
    CHECK_NEAR(row[0], -8 * log(sd) - 4, 1e-8, 0, "lp__ at the MLE");
    urn_run_free(r);
    r = optimize(m, algos[k], 1, 0);
    CHECK_NEAR(urn_run_draws(r, 0)[2], sd_map, 1e-4, 0, "MAP of sigma with the Jacobian");
    urn_run_free(r);
  }
  urn_run *r = optimize(m, URN_RUN_LBFGS, 0, 1);
  size_t n = urn_run_num_rows(r, 0);
  const double *d = urn_run_draws(r, 0);
  int rising = 1;
  for (size_t i = 1; i < n; i++) rising &= d[i * 5] >= d[(i - 1) * 5] - 1e-12;
  CHECK(n == (size_t)urn_run_iterations(r) + 1 && rising, "save_iterations: the start and every iterate (%zu rows), "
        "lp__ never falls", n);
  urn_run_free(r);
}

static void test_generate_and_log_prob(const urn_model *m) {
  urn_error err;
  const char *names[5] = {"lp__", "sigma", "mu", "junk", "z"};
  double rows[3 * 5] = {0, 0.5, 1.0, 9, 0, 0, 2.0, -1.5, 9, 0, 0, 0.1, 3.25, 9, 0};
  urn_run_config c;
  urn_run_config_default(&c, URN_RUN_GENERATE);
  c.seed = 3;
  urn_run *r = urn_run_new(m, &c, &err);
  CHECK(urn_run_set_fitted(r, 0, names, 5, rows, 3, &err) == URN_OK, "fitted draws");
  CHECK(urn_run_execute(r, &err) == URN_OK, "generate: %s", err.msg);
  const double *d = urn_run_draws(r, 0);
  CHECK(urn_run_num_method_cols(r) == 0 && urn_run_num_cols(r) == 4 && urn_run_num_rows(r, 0) == 3,
        "mu, sigma, z, u per fitted row");
  CHECK(d && d[0] == 1.0 && d[1] == 0.5 && d[2] == 2.0 && d[4] == -1.5 && d[6] == -3.0 && d[10] == 6.5,
        "parameters by column name, z = 2 mu");
  urn_run_free(r);
  /* a fitted file without a parameter */
  r = urn_run_new(m, &c, &err);
  urn_run_set_fitted(r, 0, names, 2, rows, 1, &err);
  CHECK(urn_run_execute(r, &err) == URN_EINPUT && strstr(err.msg, "mu"), "a missing column is named: %s", err.msg);
  urn_run_free(r);

  urn_run_config_default(&c, URN_RUN_LOG_PROB);
  r = urn_run_new(m, &c, &err);
  urn_run_set_fitted(r, 0, names, 5, rows, 3, &err);
  CHECK(urn_run_execute(r, &err) == URN_OK, "log_prob: %s", err.msg);
  CHECK(urn_run_num_cols(r) == 3 && !strcmp(urn_run_col_name(r, 1), "g_mu") && !strcmp(urn_run_col_name(r, 2),
        "g_sigma"), "lp__, g_mu, g_sigma");
  d = urn_run_draws(r, 0);
  double theta[2] = {-1.5, log(2.0)}, lp, g[2];
  urn_model_log_density_gradient(m, 1, 1, theta, &lp, g, &err);
  CHECK(d && d[3] == lp && d[4] == g[0] && d[5] == g[1], "row 2 equals the model's log density and gradient");
  urn_run_free(r);
}

/* Laplace at the MAP of (mu, log sigma): covariance sigma^2 / N and 1 / (2 (N - 1)), log_q__ = -z'z/2. */
static void test_laplace(const urn_model *m) {
  urn_run_config c;
  urn_run_config_default(&c, URN_RUN_LAPLACE);
  c.draws = 4000, c.seed = 5;
  urn_error err;
  urn_run *r = urn_run_new(m, &c, &err);
  double s2 = SSQ / 7, mode[2] = {YBAR, sqrt(s2)};
  const char *names[2] = {"mu", "sigma"};
  urn_run_set_fitted(r, 0, names, 2, mode, 1, &err);
  CHECK(urn_run_execute(r, &err) == URN_OK, "laplace: %s", err.msg);
  CHECK(urn_run_num_cols(r) == 6 && !strcmp(urn_run_col_name(r, 1), "log_q__"), "log_p__, log_q__, mu, sigma, z, u");
  const double *d = urn_run_draws(r, 0);
  size_t n = urn_run_num_rows(r, 0);
  double mm = 0, ml = 0, vm = 0, vl = 0, lq = 0;
  for (size_t i = 0; i < n; i++) mm += d[i * 6 + 2] / n, ml += log(d[i * 6 + 3]) / n, lq += d[i * 6 + 1] / n;
  for (size_t i = 0; i < n; i++)
    vm += pow(d[i * 6 + 2] - mm, 2) / (n - 1), vl += pow(log(d[i * 6 + 3]) - ml, 2) / (n - 1);
  CHECK(n == 4000, "4000 draws");
  CHECK_NEAR(mm, YBAR, 0, 4 * sqrt(s2 / 8 / n), "laplace mean of mu");
  CHECK_NEAR(vm, s2 / 8, 0.1, 0, "laplace variance of mu: sigma^2 / N");
  CHECK_NEAR(vl, 1.0 / 14, 0.1, 0, "laplace variance of log sigma: 1 / (2 (N - 1))");
  CHECK_NEAR(lq, -1, 0, 0.08, "mean log_q__ = -dim/2");
  double lp;
  double theta[2] = {d[2], log(d[3])};
  urn_model_log_density(m, 1, 1, theta, &lp, &err);
  CHECK_NEAR(d[0], lp, 1e-12, 1e-12, "log_p__ is the log density (Jacobian included) at the draw");
  urn_run_free(r);
}

static void test_diagnostic(const urn_model *m) {
  urn_run *r = sample_run(m, 1, 1, 1, 50, 20, 0, 1);
  char path[512], dpath[512];
  snprintf(path, sizeof path, "%s/d.csv", tmpdir);
  snprintf(dpath, sizeof dpath, "%s/d-diagnostic.csv", tmpdir);
  urn_error err;
  urn_run_output_csv(r, 0, path, &err);
  urn_run_diagnostic_csv(r, 0, dpath, &err);
  CHECK(urn_run_execute(r, &err) == URN_OK, "sample with a diagnostic file: %s", err.msg);
  size_t len;
  char *text = test_read_file(dpath, &len);
  CHECK(text && strstr(text, "\nlp__,accept_stat__,stepsize__,treedepth__,n_leapfrog__,divergent__,energy__,mu,sigma,"
                             "p_mu,p_sigma,g_mu,g_sigma\n"),
        "diagnostic header: sampler columns, unconstrained values, momenta, gradients");
  free(text);
  urn_run_free(r);
}

static void test_model_additions(void) {
  const char *src = "parameters { simplex[3] s; real<lower=0> t; cov_matrix[2] S; vector[2] v; }\n"
                    "model { t ~ exponential(1); v ~ normal(0, 1); }\n";
  urn_model *m = build("u.stan", src, NULL);
  if (!m) return;
  size_t n = urn_model_num_unconstrained(m);
  CHECK(n == 2 + 1 + 3 + 2, "8 unconstrained coordinates");
  CHECK(!strcmp(urn_model_param_unc_name(m, 0), "s.1") && !strcmp(urn_model_param_unc_name(m, 1), "s.2") &&
            !strcmp(urn_model_param_unc_name(m, 2), "t") && !strcmp(urn_model_param_unc_name(m, 5), "S.3") &&
            !strcmp(urn_model_param_unc_name(m, 7), "v.2") && urn_model_param_unc_name(m, 8) == NULL,
        "unconstrained names: s.1 s.2 t S.1..S.3 v.1 v.2");
  double u[8] = {0.3, -0.2, 0.4, 0.1, -0.3, 0.2, 1.5, -2}, x[3 + 1 + 4 + 2], u2[8];
  urn_error err;
  CHECK(urn_model_param_constrain(m, 0, 0, u, x, NULL, &err) == URN_OK, "constrain");
  CHECK(urn_model_param_unconstrain(m, x, u2, &err) == URN_OK, "unconstrain: %s", err.msg);
  double worst = 0;
  for (int i = 0; i < 8; i++) worst = fmax(worst, fabs(u2[i] - u[i]));
  CHECK(worst < 1e-12, "round trip to 1e-12 (%g)", worst);
  x[3] = -1;
  CHECK(urn_model_param_unconstrain(m, x, u2, &err) == URN_EINPUT && strstr(err.msg, "t"), "t < 0 refused: %s",
        err.msg);
  urn_model_free(m);
}

int main(void) {
  snprintf(tmpdir, sizeof tmpdir, "/tmp/urn-test-run-%d", (int)getpid());
  mkdir(tmpdir, 0777);
  test_config();
  urn_model *m = build("t.stan", SRC, DATA);
  if (m) {
    test_sample(m);
    test_optimize(m);
    test_generate_and_log_prob(m);
    test_diagnostic(m);
    test_laplace(m);
    urn_model_free(m);
  }
  test_fixed_param();
  test_model_additions();
  char cmd[512];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
  return test_done();
}
