/* tests/test_fisher.c — Fisher-divergence metric adaptation (infer/fisher.c):
 * the diagonal estimate is exactly the variances for Gaussian draws with
 * their exact gradients; the full-rank estimate is the covariance; the
 * low-rank estimate recovers the leading eigenvectors of a known covariance
 * (whole-space and subspace paths); nutpie's schedule freezes the metric in
 * the last 15% of warmup; NUTS with --adapt fisher / lowrank samples known
 * Gaussians correctly, bit-identically whatever the thread count (also with
 * the factored low-rank metric of 64+ dimensions); bad settings are refused. */
#include "harness.h"
#include "infer/fisher.h"
#include "math/linalg.h"
#include "math/rng.h"
#include "nuts_targets.h"

/* A Gaussian N(0, Sigma) given by its precision P (dim x dim). */
typedef struct gauss_full {
  size_t dim;       /* coordinates */
  const double *P;  /* precision, column-major */
} gauss_full;

static int gauss_full_lp(void *ctx, const double *x, double *lp, double *g, urn_error *err) {
  const gauss_full *t = ctx;
  size_t d = t->dim;
  double s = 0;
  for (size_t i = 0; i < d; i++) {
    double v = 0;
    for (size_t j = 0; j < d; j++) v += t->P[i + j * d] * x[j];
    g[i] = -v, s += x[i] * v;
  }
  *lp = -0.5 * s;
  return URN_OK;
}

/* Sigma = diag(D) + 60 u u' + 12 w w' with unit u, w orthogonal (u: all equal; w: alternating). */
static void make_cov(size_t d, double *S, double *u, double *w) {
  for (size_t i = 0; i < d; i++) u[i] = 1 / sqrt((double)d), w[i] = (i % 2 ? 1 : -1) / sqrt((double)d);
  if (d % 2) w[d - 1] = 0; /* keep w orthogonal to u */
  double nw = sqrt(urn_dot(w, w, d));
  for (size_t i = 0; i < d; i++) w[i] /= nw;
  for (size_t j = 0; j < d; j++)
    for (size_t i = 0; i < d; i++)
      S[i + j * d] = (i == j ? 0.5 + 0.1 * (double)(i % 3) : 0) + 60 * u[i] * u[j] + 12 * w[i] * w[j];
}

/* n draws of N(0, S) (rows) and their gradients -S^-1 x. */
static void gaussian_draws(size_t d, const double *S, size_t n, uint64_t seed, double *xs, double *gs) {
  double *L = calloc(d * d, sizeof *L), *P = calloc(d * d, sizeof *P), *z = calloc(d, sizeof *z);
  urn_cholesky(L, S, d);
  urn_inverse(P, S, d);
  urn_rng rng;
  urn_rng_seed(&rng, seed, 0);
  for (size_t r = 0; r < n; r++) {
    for (size_t i = 0; i < d; i++) z[i] = urn_rng_normal(&rng);
    for (size_t i = 0; i < d; i++) {
      double v = 0;
      for (size_t j = 0; j <= i; j++) v += L[i + j * d] * z[j];
      xs[r * d + i] = v + 1.5; /* a mean the estimators must remove */
    }
    for (size_t i = 0; i < d; i++) {
      double v = 0;
      for (size_t j = 0; j < d; j++) v += P[i + j * d] * (xs[r * d + j] - 1.5);
      gs[r * d + i] = -v;
    }
  }
  free(L), free(P), free(z);
}

static void test_diag_exact(void) {
  size_t d = 5, n = 40;
  double sd[5] = {0.01, 1, 3, 100, 0.5}, xs[200], gs[200], inv[5] = {1, 1, 1, 1, 1};
  urn_rng rng;
  urn_rng_seed(&rng, 3, 0);
  for (size_t r = 0; r < n; r++)
    for (size_t i = 0; i < d; i++) xs[r * d + i] = sd[i] * urn_rng_normal(&rng) - 2, gs[r * d + i] = -(xs[r * d + i] + 2) / (sd[i] * sd[i]);
  urn_fisher_adapt a;
  urn_fisher_adapt_init(&a, d, 0, 100, 2, 1e-5, 0);
  CHECK(urn_fisher_adapt_estimate(&a, xs, gs, 2, inv) == 0 && inv[0] == 1, "no estimate from 2 draws");
  CHECK(urn_fisher_adapt_estimate(&a, xs, gs, n, inv) == 1, "diagonal estimate");
  for (size_t i = 0; i < d; i++)
    CHECK_REL(inv[i], sd[i] * sd[i], 1e-12, "diagonal Fisher estimate = variance exactly (Gaussian draws)");
  /* the start: 1 / |g| */
  double q[5] = {0}, g[5] = {2, -4, 0, 1e30, 0.5};
  urn_fisher_adapt_start(&a, q, g, inv);
  CHECK(inv[0] == 0.5 && inv[1] == 0.25 && inv[2] == 1e20 && inv[3] == 1e-20 && inv[4] == 2,
        "initial metric 1/|g| clamped to [1e-20, 1e20]");
  urn_fisher_adapt_free(&a);
}

/* |cos| of the angle between v (dim) and the leading eigenvector k (0: largest) of the symmetric M. */
static double align(const double *M, size_t d, int k, const double *v, double *lam_out) {
  double *ev = calloc(d, sizeof *ev), *V = calloc(d * d, sizeof *V);
  urn_eigen_sym(M, d, ev, V);
  double c = fabs(urn_dot(V + (d - 1 - (size_t)k) * d, v, d));
  if (lam_out) *lam_out = ev[d - 1 - (size_t)k];
  free(ev), free(V);
  return c;
}

static void test_lowrank_estimate(void) {
  /* whole space (2n >= d): the full-rank estimate is Sigma; the low rank keeps its two large directions */
  size_t d = 8, n = 60;
  double S[64], u[8], w[8], inv[64];
  double *xs = calloc(n * d, sizeof *xs), *gs = calloc(n * d, sizeof *gs);
  make_cov(d, S, u, w);
  gaussian_draws(d, S, n, 11, xs, gs);
  urn_fisher_adapt a;
  urn_fisher_adapt_init(&a, d, 1, 100, 0, 1e-5, 0);
  CHECK(urn_fisher_adapt_estimate(&a, xs, gs, n, inv) == 1, "full-rank estimate");
  double worst0 = 0;
  for (size_t k = 0; k < d * d; k++) worst0 = fmax(worst0, fabs(inv[k] - S[k]) / sqrt(S[k % d * (d + 1)] * S[k / d * (d + 1)]));
  CHECK(worst0 < 1e-4, "full-rank Fisher estimate = Sigma for Gaussian draws (worst %.2g)", worst0);
  CHECK(a.last_rank == (int)d, "cutoff 0 keeps all %zu eigenvectors (kept %d)", d, a.last_rank);
  urn_fisher_adapt_free(&a);
  urn_fisher_adapt_init(&a, d, 1, 100, 2, 1e-5, 0);
  CHECK(urn_fisher_adapt_estimate(&a, xs, gs, n, inv) == 1, "low-rank estimate");
  double lam;
  CHECK(align(inv, d, 0, u, &lam) > 0.999, "leading eigenvector of the low-rank metric = Sigma's (u)");
  CHECK_REL(lam, 60 + 0.6, 0.02, "its eigenvalue");
  CHECK(align(inv, d, 1, w, NULL) > 0.999, "second eigenvector = w");
  CHECK(a.last_rank >= 2, "the cutoff keeps %d of %zu eigenvectors", a.last_rank, d);
  urn_fisher_adapt_free(&a);
  urn_fisher_adapt_init(&a, d, 1, 100, 2, 1e-5, 1);
  urn_fisher_adapt_estimate(&a, xs, gs, n, inv);
  CHECK(a.last_rank == 1 && align(inv, d, 0, u, NULL) > 0.999, "max_rank 1 keeps the largest only");
  urn_fisher_adapt_free(&a);
  free(xs), free(gs);
  /* subspace (2n < d): 40 coordinates, 12 draws */
  d = 40, n = 12;
  double *S2 = calloc(d * d, sizeof *S2), *u2 = calloc(d, sizeof *u2), *w2 = calloc(d, sizeof *w2);
  double *inv2 = calloc(d * d, sizeof *inv2);
  xs = calloc(n * d, sizeof *xs), gs = calloc(n * d, sizeof *gs);
  make_cov(d, S2, u2, w2);
  gaussian_draws(d, S2, n, 5, xs, gs);
  urn_fisher_adapt_init(&a, d, 1, 100, 2, 1e-5, 0);
  CHECK(urn_fisher_adapt_estimate(&a, xs, gs, n, inv2) == 1, "subspace low-rank estimate");
  CHECK(align(inv2, d, 0, u2, &lam) > 0.9, "subspace: leading eigenvector ~ u (|cos| %.4f)", align(inv2, d, 0, u2, NULL));
  CHECK(lam > 5, "subspace: a large eigenvalue (%g) from 12 draws", lam);
  /* the projection onto span(X', G') changes nothing: the whole-space computation gives the same matrix (to the
     conditioning of the 1e7-spread covariances: 3e-4 here) */
  int rank_sub = a.last_rank;
  double *inv3 = calloc(d * d, sizeof *inv3);
  a.whole_space = 1;
  CHECK(urn_fisher_adapt_estimate(&a, xs, gs, n, inv3) == 1, "whole-space estimate");
  double worst = 0;
  for (size_t k = 0; k < d * d; k++) worst = fmax(worst, fabs(inv2[k] - inv3[k]) / sqrt(inv3[k % d * (d + 1)] * inv3[k / d * (d + 1)]));
  CHECK(worst < 1e-3 && a.last_rank == rank_sub, "subspace = whole-space estimate (worst %.2g, ranks %d %d)", worst,
        rank_sub, a.last_rank);
  free(inv3);
  urn_fisher_adapt_free(&a);
  free(S2), free(u2), free(w2), free(inv2), free(xs), free(gs);
}

static void test_schedule(void) {
  /* 300 warmup: early phase to 90 (switches every 10 draws), step size only from 255 */
  size_t d = 2;
  urn_fisher_adapt a;
  urn_fisher_adapt_init(&a, d, 0, 300, 2, 1e-5, 0);
  CHECK(a.early_end == 90 && a.final_window == 255, "early end %u, final window %u", a.early_end, a.final_window);
  double inv[2], q[2] = {0, 0}, g[2] = {1, 1};
  urn_fisher_adapt_start(&a, q, g, inv);
  urn_rng rng;
  urn_rng_seed(&rng, 1, 0);
  int updates = 0, last_update = -1;
  size_t fg_at_89 = 0, fg_at_200 = 0;
  for (unsigned it = 0; it < 300; it++) {
    q[0] = urn_rng_normal(&rng), q[1] = 3 * urn_rng_normal(&rng);
    g[0] = -q[0], g[1] = -q[1] / 9;
    int moved = it % 7 != 3; /* some draws did not move: not used */
    if (urn_fisher_adapt_learn(&a, it, q, g, moved, inv)) updates++, last_update = (int)it;
    if (it == 89) fg_at_89 = a.n - a.fg_start;
    if (it == 200) fg_at_200 = a.n - a.fg_start;
  }
  CHECK(last_update == 254, "the metric is frozen from iteration 255 (last update %d)", last_update);
  CHECK(fg_at_89 >= 10 && fg_at_89 <= 20, "early foreground holds 10-20 draws (%zu)", fg_at_89);
  CHECK(fg_at_200 >= 80, "main-phase foreground holds >= 80 draws (%zu)", fg_at_200);
  CHECK_REL(inv[0], 1, 1e-12, "exact-gradient diagonal estimate 1");
  CHECK_REL(inv[1], 9, 1e-12, "exact-gradient diagonal estimate 9");
  urn_fisher_adapt_free(&a);
}

static void run_gauss(urn_adapt_scheme scheme, urn_metric_kind metric, int threads, mem_sink *m, urn_chain_result *res,
                      const urn_target *target, int warmup) {
  urn_sample_config cfg;
  urn_sample_config_default(&cfg);
  cfg.seed = 42, cfg.num_threads = threads, cfg.adapt_scheme = scheme, cfg.metric = metric;
  cfg.num_warmup = warmup;
  urn_sample_sink sink = mem_sink_callbacks(m);
  urn_error err;
  int rc = urn_sample_run(&cfg, target, NULL, &sink, NULL, res, &err);
  CHECK(rc == URN_OK, "sampling with scheme %d: %s", (int)scheme, rc ? err.msg : "ok");
}

static void test_sampling(void) {
  /* diagonal Fisher on independent normals of very different scales */
  double sd[6] = {1, 2, 0.5, 10, 0.1, 3};
  iid_normal t = {6, sd};
  urn_target target = {6, iid_normal_lp, &t};
  mem_sink m;
  urn_chain_result res[4];
  mem_sink_init(&m, 6, 4, 1000);
  run_gauss(URN_ADAPT_FISHER, URN_METRIC_DIAG, 2, &m, res, &target, 300);
  for (size_t i = 0; i < 6; i++) {
    double mean, var;
    mem_moments(&m, 4, i, &mean, &var);
    CHECK_NEAR(mean, 0, 0, 5 * sd[i] / sqrt(4000.0), "fisher: mean");
    CHECK_REL(var, sd[i] * sd[i], 0.12, "fisher: variance");
    for (int c = 0; c < 4; c++)
      CHECK_REL(m.metric[c * 36 + i], sd[i] * sd[i], 1e-9, "fisher: adapted metric = variance (exact gradients)");
  }
  for (int c = 0; c < 4; c++) CHECK(m.stepsize[c] > 0.7 && m.stepsize[c] < 1.8, "fisher step size %g", m.stepsize[c]);
  /* the same for threads 1 */
  mem_sink m1;
  mem_sink_init(&m1, 6, 4, 1000);
  run_gauss(URN_ADAPT_FISHER, URN_METRIC_DIAG, 1, &m1, res, &target, 300);
  CHECK(!memcmp(m.draws, m1.draws, 4000 * 6 * sizeof(double)), "fisher: same draws with 1 and 2 threads");
  mem_sink_free(&m), mem_sink_free(&m1);

  /* low rank on a 12-D correlated Gaussian */
  size_t d = 12;
  double S[144], P[144], u[12], w[12];
  make_cov(d, S, u, w);
  urn_inverse(P, S, d);
  gauss_full gt = {d, P};
  urn_target tg = {d, gauss_full_lp, &gt};
  mem_sink_init(&m, d, 4, 1000);
  mem_sink_init(&m1, d, 4, 1000);
  run_gauss(URN_ADAPT_LOWRANK, URN_METRIC_DENSE, 2, &m, res, &tg, 300);
  long long grads_lowrank = 0;
  for (int c = 0; c < 4; c++) grads_lowrank += res[c].n_gradients;
  run_gauss(URN_ADAPT_LOWRANK, URN_METRIC_DENSE, 1, &m1, res, &tg, 300);
  CHECK(!memcmp(m.draws, m1.draws, 4000 * d * sizeof(double)), "lowrank: same draws with 1 and 2 threads");
  for (size_t i = 0; i < d; i++) {
    double mean, var;
    mem_moments(&m, 4, i, &mean, &var);
    CHECK_NEAR(mean, 0, 0, 5 * sqrt(S[i * (d + 1)] / 2000.0), "lowrank: mean");
    CHECK_REL(var, S[i * (d + 1)], 0.15, "lowrank: variance");
  }
  for (int c = 0; c < 4; c++) {
    double lam;
    CHECK(align(m.metric + c * d * d, d, 0, u, &lam) > 0.99, "lowrank: chain %d's metric has Sigma's leading eigenvector", c);
    CHECK_REL(lam, 60.6, 0.3, "lowrank: with its eigenvalue");
    CHECK(align(m.metric + c * d * d, d, 1, w, NULL) > 0.95, "lowrank: and the second");
  }
  mem_sink_free(&m), mem_sink_free(&m1);
  /* Stan's diagonal adaptation needs more gradients on the same target */
  mem_sink_init(&m, d, 4, 1000);
  run_gauss(URN_ADAPT_STAN, URN_METRIC_DIAG, 2, &m, res, &tg, 1000);
  long long grads_stan = 0;
  for (int c = 0; c < 4; c++) grads_stan += res[c].n_gradients;
  CHECK(grads_lowrank * 3 < grads_stan, "lowrank uses under 1/3 of stan's gradients (%lld vs %lld)", grads_lowrank,
        grads_stan);
  mem_sink_free(&m);
}

/* From URN_FISHER_FACTORED_DIM on, the low-rank estimate is kept as factors: they give the same matrix as the
 * dense estimate (1e-10), the dense buffer gets its diagonal; NUTS applying them in factored form samples an
 * 80-D Gaussian with a known covariance (means, variances, the leading eigenvector of the adapted metric),
 * bit-identically with 1 and 2 threads. */
static void test_factored(void) {
  size_t d = 80, n = 30;
  double *S = calloc(d * d, sizeof *S), *P = calloc(d * d, sizeof *P), *u = calloc(d, sizeof *u);
  double *w = calloc(d, sizeof *w), *xs = calloc(n * d, sizeof *xs), *gs = calloc(n * d, sizeof *gs);
  double *dense = calloc(d * d, sizeof *dense), *diag = calloc(d * d, sizeof *diag);
  make_cov(d, S, u, w);
  gaussian_draws(d, S, n, 11, xs, gs);
  urn_fisher_adapt a, b;
  urn_fisher_adapt_init(&a, d, 1, 100, 2, 1e-5, 0);
  urn_fisher_adapt_init(&b, d, 1, 100, 2, 1e-5, 0);
  b.factored = 0; /* the dense computation of the same estimate */
  CHECK(a.factored == 1, "a %zu-D low-rank estimate is factored", d);
  for (size_t i = 0; i < d; i++) dense[i + i * d] = diag[i + i * d] = 1;
  CHECK(urn_fisher_adapt_estimate(&a, xs, gs, n, diag) == 1 && urn_fisher_adapt_estimate(&b, xs, gs, n, dense) == 1,
        "both estimates");
  CHECK(a.f_k == (size_t)b.last_rank && a.f_k >= 2, "same rank (%zu, %d)", a.f_k, b.last_rank);
  double worst = 0, worst_diag = 0, off = 0;
  for (size_t j = 0; j < d; j++)
    for (size_t i = 0; i < d; i++) {
      double v = i == j ? 1 : 0;
      for (size_t c = 0; c < a.f_k; c++) v += a.f_U[i + c * d] * (a.f_lam[c] - 1) * a.f_U[j + c * d];
      v *= a.f_sig[i] * a.f_sig[j];
      double scale = sqrt(dense[i + i * d] * dense[j + j * d]);
      worst = fmax(worst, fabs(v - dense[i + j * d]) / scale);
      if (i == j) worst_diag = fmax(worst_diag, fabs(diag[i + i * d] - dense[i + i * d]) / scale);
      else off = fmax(off, fabs(diag[i + j * d]));
    }
  CHECK(worst < 1e-10, "the factors give the dense estimate (worst %.2g)", worst);
  CHECK(worst_diag < 1e-12 && off == 0, "the dense buffer holds its diagonal (worst %.2g, off-diagonal %g)",
        worst_diag, off);
  urn_fisher_adapt_free(&a), urn_fisher_adapt_free(&b);

  urn_inverse(P, S, d);
  gauss_full gt = {d, P};
  urn_target tg = {d, gauss_full_lp, &gt};
  mem_sink m, m1;
  urn_chain_result res[4];
  mem_sink_init(&m, d, 4, 1000), mem_sink_init(&m1, d, 4, 1000);
  run_gauss(URN_ADAPT_LOWRANK, URN_METRIC_DENSE, 2, &m, res, &tg, 400);
  run_gauss(URN_ADAPT_LOWRANK, URN_METRIC_DENSE, 1, &m1, res, &tg, 400);
  CHECK(!memcmp(m.draws, m1.draws, 4000 * d * sizeof(double)), "factored: same draws with 1 and 2 threads");
  int bad_mean = 0, bad_var = 0;
  for (size_t i = 0; i < d; i++) {
    double mean, var;
    mem_moments(&m, 4, i, &mean, &var);
    bad_mean += fabs(mean) > 5 * sqrt(S[i * (d + 1)] / 2000.0);
    bad_var += fabs(var / S[i * (d + 1)] - 1) > 0.15;
  }
  CHECK(bad_mean == 0 && bad_var == 0, "factored: means and variances of all %zu coordinates (off: %d, %d)", d,
        bad_mean, bad_var);
  for (int c = 0; c < 4; c++) {
    double lam;
    CHECK(align(m.metric + c * d * d, d, 0, u, &lam) > 0.99, "factored: chain %d's metric has Sigma's leading "
          "eigenvector", c);
    CHECK_REL(lam, 60.6, 0.3, "factored: with its eigenvalue");
  }
  mem_sink_free(&m), mem_sink_free(&m1);
  free(S), free(P), free(u), free(w), free(xs), free(gs), free(dense), free(diag);
}

static void test_bad_settings(void) {
  double sd[2] = {1, 1};
  iid_normal t = {2, sd};
  urn_target target = {2, iid_normal_lp, &t};
  urn_sample_config cfg;
  urn_sample_config_default(&cfg);
  urn_error err;
  cfg.adapt_scheme = URN_ADAPT_LOWRANK;
  CHECK(urn_sample_run(&cfg, &target, NULL, NULL, NULL, NULL, &err) == URN_EINPUT, "lowrank needs dense storage");
  cfg.metric = URN_METRIC_DENSE, cfg.lowrank_max_rank = 3;
  CHECK(urn_sample_run(&cfg, &target, NULL, NULL, NULL, NULL, &err) == URN_EINPUT && strstr(err.msg, "rank 3"),
        "rank above the dimension: %s", err.msg);
  cfg.lowrank_max_rank = 0, cfg.lowrank_cutoff = 0.5;
  CHECK(urn_sample_run(&cfg, &target, NULL, NULL, NULL, NULL, &err) == URN_EINPUT, "cutoff below 1");
}

/* A factored estimate's cost grows as k^3 (k = min(dim, 2 x foreground draws)): from k > 64 it is recomputed every
 * ceil((k / 64)^3) iterations only, and always at a window switch and at the last learning iteration.  200
 * dimensions, 300 warmup: every early-phase iteration with at most 32 foreground draws updates, the gaps
 * between updates follow the rule, fewer updates than learning iterations, the last at 254. */
static void test_factored_schedule(void) {
  size_t d = 200;
  urn_fisher_adapt a;
  urn_fisher_adapt_init(&a, d, 1, 300, 2, 1e-5, 0);
  CHECK(a.factored == 1, "200 dimensions: factored");
  double *inv = calloc(d * d, sizeof *inv), *q = calloc(d, sizeof *q), *g = calloc(d, sizeof *g);
  urn_rng rng;
  urn_rng_seed(&rng, 7, 0);
  urn_fisher_adapt_start(&a, q, g, inv);
  int updates = 0, last = -1, small_missed = 0, early_gap_bad = 0, gap_bad = 0, switches_missed = 0;
  size_t prev_fg = 0;
  for (unsigned it = 0; it < 300; it++) {
    for (size_t i = 0; i < d; i++) { /* N(0, s_i^2) with s_i = 1..5: the exact gradient */
      double sd = 1 + (double)(i % 5);
      q[i] = sd * urn_rng_normal(&rng), g[i] = -q[i] / (sd * sd);
    }
    size_t n_before = a.n;
    int up = urn_fisher_adapt_learn(&a, it, q, g, 1, inv);
    size_t fg = a.n - a.fg_start;
    int switched = a.n < n_before + 1 || fg < prev_fg; /* rows were dropped: a window switch */
    prev_fg = fg;
    if (it < 255 && switched && !up) switches_missed++;
    if (it < 255 && 2 * fg <= 64 && fg >= 3 && !up) small_missed++; /* fewer than 3 draws: no estimate */
    if (up) {
      double k = fmin((double)d, 2.0 * (double)fg) / 64, every = ceil(k * k * k);
      if (last >= 0 && !switched && it != 254 && (double)(it - (unsigned)last) < every) gap_bad++;
      if (last >= 0 && it - (unsigned)last > 1 && 2 * fg <= 64) early_gap_bad++;
      updates++, last = (int)it;
    }
  }
  CHECK(small_missed == 0 && early_gap_bad == 0, "estimates of <= 32 draws at every iteration (missed %d, %d)",
        small_missed, early_gap_bad);
  CHECK(switches_missed == 0, "an update at every window switch (missed %d)", switches_missed);
  CHECK(gap_bad == 0, "large estimates wait ceil((k / 64)^3) iterations (%d too early)", gap_bad);
  CHECK(last == 254 && updates < 255 && updates > 30, "%d updates of 255 learning iterations, the last at %d", updates,
        last);
  urn_fisher_adapt_free(&a);
  free(inv), free(q), free(g);
}

int main(void) {
  test_diag_exact();
  test_lowrank_estimate();
  test_schedule();
  test_sampling();
  test_factored();
  test_factored_schedule();
  test_bad_settings();
  return test_done();
}
