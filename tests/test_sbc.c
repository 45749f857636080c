/* tests/test_sbc.c — simulation-based calibration (Talts, Betancourt,
 * Simpson, Vehtari, Gelman 2018) of the whole sampler (NUTS + adaptation) on
 * three small models coded in C: a normal with unknown mean and scale, a
 * 3-parameter linear regression, and the non-centered eight schools.
 *
 * For each replication: draw parameters from the prior, simulate data, run
 * one chain, thin it to L draws and record the rank of the prior draw among
 * them.  If the sampler is right the ranks are uniform on 0..L; a chi-square
 * test over equal bins checks that at a fixed seed (critical value at
 * p = 0.001).  `test_sbc` runs the quick version (200 replications of short
 * chains); `test_sbc --full` (make sbc) runs 1000 replications of full-length
 * chains. */
#include "harness.h"
#include "math/rng.h"
#include "urn/sample.h"

#define MAX_N 16 /* data points per model at most */

typedef struct sbc_data {
  int n;              /* data points */
  double x[MAX_N];    /* covariate (regression) */
  double y[MAX_N];    /* outcomes */
  double sigma[MAX_N]; /* known standard deviations (eight schools) */
} sbc_data;

typedef struct sbc_model {
  const char *name;                  /* for messages */
  size_t dim;                        /* unconstrained parameters */
  int n_q;                           /* quantities ranked */
  const char *q_names[4];            /* their names */
  void (*prior)(urn_rng *r, double *theta);                       /* unconstrained prior draw */
  void (*simulate)(urn_rng *r, const double *theta, sbc_data *d); /* data given parameters */
  urn_log_density_fn lp;             /* posterior log density, ctx = sbc_data */
  void (*quantities)(const double *theta, double *q);            /* ranked quantities */
} sbc_model;

/* --- normal with unknown mean and scale: mu ~ N(0,1), sigma ~ N+(0,1), y ~ N(mu, sigma), N = 10 --- */
static void normal_prior(urn_rng *r, double *t) { t[0] = urn_rng_normal(r), t[1] = log(fabs(urn_rng_normal(r))); }
static void normal_sim(urn_rng *r, const double *t, sbc_data *d) {
  d->n = 10;
  for (int i = 0; i < d->n; i++) d->y[i] = t[0] + exp(t[1]) * urn_rng_normal(r);
}
static int normal_lp(void *ctx, const double *t, double *lp, double *g, urn_error *err) {
  const sbc_data *d = ctx;
  double mu = t[0], s = exp(t[1]), ss = 0, sr = 0;
  for (int i = 0; i < d->n; i++) sr += d->y[i] - mu, ss += (d->y[i] - mu) * (d->y[i] - mu);
  *lp = -0.5 * mu * mu - 0.5 * s * s + t[1] - d->n * t[1] - 0.5 * ss / (s * s);
  g[0] = -mu + sr / (s * s);
  g[1] = -s * s + 1 - d->n + ss / (s * s);
  return URN_OK;
}
static void normal_q(const double *t, double *q) { q[0] = t[0], q[1] = exp(t[1]); }

/* --- regression: alpha, beta ~ N(0,1), sigma ~ N+(0,1), y ~ N(alpha + beta x, sigma), N = 12 --- */
static void reg_prior(urn_rng *r, double *t) {
  t[0] = urn_rng_normal(r), t[1] = urn_rng_normal(r), t[2] = log(fabs(urn_rng_normal(r)));
}
static void reg_sim(urn_rng *r, const double *t, sbc_data *d) {
  d->n = 12;
  for (int i = 0; i < d->n; i++) {
    d->x[i] = -1 + 2.0 * i / (d->n - 1);
    d->y[i] = t[0] + t[1] * d->x[i] + exp(t[2]) * urn_rng_normal(r);
  }
}
static int reg_lp(void *ctx, const double *t, double *lp, double *g, urn_error *err) {
  const sbc_data *d = ctx;
  double a = t[0], b = t[1], s = exp(t[2]), ss = 0, sr = 0, srx = 0;
  for (int i = 0; i < d->n; i++) {
    double res = d->y[i] - a - b * d->x[i];
    sr += res, srx += res * d->x[i], ss += res * res;
  }
  *lp = -0.5 * (a * a + b * b) - 0.5 * s * s + t[2] - d->n * t[2] - 0.5 * ss / (s * s);
  g[0] = -a + sr / (s * s);
  g[1] = -b + srx / (s * s);
  g[2] = -s * s + 1 - d->n + ss / (s * s);
  return URN_OK;
}
static void reg_q(const double *t, double *q) { q[0] = t[0], q[1] = t[1], q[2] = exp(t[2]); }

/* --- eight schools, non-centered: mu ~ N(0,5), tau ~ N+(0,5), eta ~ N(0,1),
 *     y_j ~ N(mu + tau eta_j, sigma_j) with the classic sigma_j --- */
static const double schools_sigma[8] = {15, 10, 16, 11, 9, 11, 10, 18};
static void es_prior(urn_rng *r, double *t) {
  t[0] = 5 * urn_rng_normal(r), t[1] = log(5 * fabs(urn_rng_normal(r)));
  for (int j = 0; j < 8; j++) t[2 + j] = urn_rng_normal(r);
}
static void es_sim(urn_rng *r, const double *t, sbc_data *d) {
  d->n = 8;
  for (int j = 0; j < 8; j++) {
    d->sigma[j] = schools_sigma[j];
    d->y[j] = t[0] + exp(t[1]) * t[2 + j] + d->sigma[j] * urn_rng_normal(r);
  }
}
static int es_lp(void *ctx, const double *t, double *lp, double *g, urn_error *err) {
  const sbc_data *d = ctx;
  double mu = t[0], tau = exp(t[1]);
  double l = -mu * mu / 50 - tau * tau / 50 + t[1], sr = 0, sre = 0;
  for (int j = 0; j < 8; j++) {
    double eta = t[2 + j], z = (d->y[j] - mu - tau * eta) / d->sigma[j], r = z / d->sigma[j];
    l += -0.5 * eta * eta - 0.5 * z * z;
    sr += r, sre += r * eta;
    g[2 + j] = -eta + tau * r;
  }
  *lp = l;
  g[0] = -mu / 25 + sr;
  g[1] = tau * (-tau / 25 + sre) + 1;
  return URN_OK;
}
static void es_q(const double *t, double *q) {
  q[0] = t[0], q[1] = exp(t[1]), q[2] = t[0] + exp(t[1]) * t[2], q[3] = t[2];
}

static const sbc_model models[] = {
    {"normal", 2, 2, {"mu", "sigma"}, normal_prior, normal_sim, normal_lp, normal_q},
    {"regression", 3, 3, {"alpha", "beta", "sigma"}, reg_prior, reg_sim, reg_lp, reg_q},
    {"eight schools (non-centered)", 10, 4, {"mu", "tau", "theta[1]", "eta[1]"}, es_prior, es_sim, es_lp, es_q},
};

typedef struct rank_sink {
  const sbc_model *model; /* the model */
  double truth[4];        /* the prior draw's quantities */
  int below[4];           /* draws below the truth, per quantity */
} rank_sink;

static int rank_draw(void *ctx, int chain, int it, int warmup, const urn_nuts_stats *st, const double *t,
                     urn_rng *rng, urn_error *err) {
  rank_sink *r = ctx;
  double q[4];
  r->model->quantities(t, q);
  for (int k = 0; k < r->model->n_q; k++) r->below[k] += q[k] < r->truth[k];
  return URN_OK;
}

typedef struct sbc_settings {
  int reps;      /* replications */
  int warmup;    /* warmup per chain */
  int L;         /* kept draws per chain (ranks 0..L) */
  int thin;      /* thinning to get them */
  int bins;      /* chi-square bins; (L + 1) % bins == 0 */
  double crit;   /* chi-square critical value, bins - 1 degrees of freedom, p = 0.001 */
} sbc_settings;

static void run_sbc(const sbc_model *m, const sbc_settings *s, uint64_t seed) {
  int counts[4][64];
  memset(counts, 0, sizeof counts);
  int divergences = 0, failures = 0;
  for (int rep = 0; rep < s->reps; rep++) {
    urn_rng r;
    urn_rng_seed(&r, seed, (uint64_t)rep + 1);
    double theta[10];
    sbc_data d;
    memset(&d, 0, sizeof d);
    m->prior(&r, theta);
    m->simulate(&r, theta, &d);
    rank_sink rs;
    memset(&rs, 0, sizeof rs);
    rs.model = m;
    m->quantities(theta, rs.truth);
    urn_target target = {m->dim, m->lp, &d};
    urn_sample_config cfg;
    urn_sample_config_default(&cfg);
    cfg.num_chains = 1, cfg.num_warmup = s->warmup, cfg.num_samples = s->L * s->thin, cfg.thin = s->thin;
    cfg.seed = seed * 1000003 + (uint64_t)rep;
    urn_sample_sink sink;
    memset(&sink, 0, sizeof sink);
    sink.ctx = &rs, sink.draw = rank_draw;
    urn_chain_result res;
    urn_error err;
    if (urn_sample_run(&cfg, &target, NULL, &sink, NULL, &res, &err) != URN_OK) {
      failures++;
      continue;
    }
    divergences += res.divergent;
    for (int k = 0; k < m->n_q; k++) counts[k][rs.below[k] * s->bins / (s->L + 1)]++;
  }
  CHECK(failures == 0, "%s: every SBC chain ran (%d failed)", m->name, failures);
  double expected = (double)s->reps / s->bins;
  for (int k = 0; k < m->n_q; k++) {
    double chi2 = 0;
    for (int b = 0; b < s->bins; b++) chi2 += (counts[k][b] - expected) * (counts[k][b] - expected) / expected;
    CHECK(chi2 < s->crit, "%s: SBC ranks of %s uniform: chi-square %.2f < %.2f (%d bins, %d reps)", m->name,
          m->q_names[k], chi2, s->crit, s->bins, s->reps);
    if (getenv("URN_TEST_VERBOSE") || s->reps > 200) {
      printf("%-30s %-9s chi2 %6.2f  bins:", m->name, m->q_names[k], chi2);
      for (int b = 0; b < s->bins; b++) printf(" %d", counts[k][b]);
      printf("\n");
    }
  }
  if (s->reps > 200) printf("%-30s divergences after warmup: %d\n", m->name, divergences);
}

int main(int argc, char **argv) {
  int full = argc > 1 && !strcmp(argv[1], "--full");
  /* quick: 200 reps, 100 ranks in 10 bins (9 df: 27.877); full: 1000 reps, 200 ranks in 20 bins (19 df: 43.820) */
  sbc_settings quick = {200, 200, 99, 2, 10, 27.877};
  sbc_settings big = {1000, 1000, 199, 5, 20, 43.820};
  const sbc_settings *s = full ? &big : &quick;
  for (size_t i = 0; i < sizeof models / sizeof *models; i++) run_sbc(&models[i], s, 20260 + i);
  return test_done();
}
