/* tests/test_hmm.c — HMM inference and EM against independent references that
 * need nothing outside the repository: the spec's worked numbers (sections
 * 3, 5.5, 6.3, A, B), brute-force enumeration of every state path (T <= 8),
 * a one-state model against the iid likelihood, hmm_marginal's gradient against
 * finite differences, the posterior path sampler against exact path
 * probabilities, EM monotonicity for every emission kind, threads against one
 * thread, and find_permutation's documented cases. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "hmm/hmm_internal.h"
#include "math/rng.h"
#include "urn/hmm.h"

static urn_hmm_model model(urn_hmm_kind kind, int K, int D, int M, int C) {
  urn_hmm_model m;
  urn_error err;
  int rc = urn_hmm_model_init(&m, kind, K, D, M, C, &err);
  if (rc) {
    fprintf(stderr, "model init failed: %s\n", err.msg);
    exit(1);
  }
  return m;
}

/* ---- the spec's worked example (5.5) */
static void test_worked_example(void) {
  urn_hmm_model m = model(URN_HMM_GAUSSIAN, 2, 1, 0, 0);
  urn_hmm_params p;
  urn_hmm_params_alloc(&m, &p);
  double pi[2] = {0.6, 0.4}, A[4] = {0.7, 0.3, 0.4, 0.6};
  memcpy(p.initial_probs, pi, sizeof pi);
  memcpy(p.transition_matrix, A, sizeof A);
  p.means[0] = 0;
  p.means[1] = 3;
  p.covs[0] = p.covs[1] = 1;
  double y[4] = {0.1, 2.9, 3.2, 1.4}, LL[8], f[8], pr[8], g[8], tr[4], ll;
  urn_hmm_seq s = {4, y, NULL};
  CHECK(urn_hmm_emission_logliks(&m, &p, &s, LL, NULL) == 0, "emission logliks");
  urn_hmm_filter(2, 4, pi, A, LL, &ll, f, pr, NULL);
  CHECK_REL(ll, -7.038883596282269, 1e-12, "worked example log p(y)");
  const double fe[8] = {0.9901019006, 0.0098980994, 0.0333492287, 0.9666507713,
                        0.0042189309, 0.9957810691, 0.474972381, 0.525027619};
  const double pe[8] = {0.6, 0.4, 0.6970305702, 0.3029694298, 0.4100047686, 0.5899952314, 0.4012656793, 0.5987343207};
  const double ge[8] = {0.9806364698, 0.0193635302, 0.017141502, 0.982858498,
                        0.0046055901, 0.9953944099, 0.474972381, 0.525027619};
  const double te[4] = {0.0208020856, 0.9815814763, 0.4759173875, 1.5216990506};
  for (int i = 0; i < 8; i++) {
    CHECK_NEAR(f[i], fe[i], 0, 1e-9, "filtered");
    CHECK_NEAR(pr[i], pe[i], 0, 1e-9, "predicted");
  }
  urn_hmm_smoother(2, 4, pi, A, LL, &ll, g, tr, NULL);
  for (int i = 0; i < 8; i++) CHECK_NEAR(g[i], ge[i], 0, 1e-9, "smoothed");
  for (int i = 0; i < 4; i++) CHECK_NEAR(tr[i], te[i], 0, 1e-9, "expected transitions");
  int z[4];
  urn_hmm_viterbi(2, 4, pi, A, LL, z, NULL);
  CHECK(z[0] == 0 && z[1] == 1 && z[2] == 1 && z[3] == 1, "worked example Viterbi path");
  CHECK_REL(urn_hmm_log_prior(&m, &p), -22.754076456421064, 1e-12, "worked example log prior");
  urn_hmm_params_free(&p);
  urn_hmm_model_free(&m);
}

/* ---- log priors of spec 3 and B */
static void test_log_priors(void) {
  double A[9] = {.5, .4, .1, .1, .5, .4, .4, .1, .5};
  urn_hmm_model m = model(URN_HMM_GAUSSIAN, 3, 1, 0, 0);
  m.stickiness = 10;
  urn_hmm_params p;
  urn_hmm_params_alloc(&m, &p);
  for (int k = 0; k < 3; k++) {
    p.initial_probs[k] = 1.0 / 3;
    p.means[k] = -2.0 + 2.0 * k;
    p.covs[k] = 1.0;
  }
  memcpy(p.transition_matrix, A, sizeof A);
  CHECK_REL(urn_hmm_log_prior(&m, &p), -38.98981712241974, 1e-12, "GaussianHMM log prior (spec 3)");
  m.iw_scale_jitter = 1e-9;
  CHECK_REL(urn_hmm_log_prior(&m, &p), -38.98980062400224, 1e-11, "with dynamax's IW jitter");
  urn_hmm_params_free(&p);
  urn_hmm_model_free(&m);

  m = model(URN_HMM_LINREG, 3, 1, 1, 0);
  urn_hmm_params_alloc(&m, &p);
  for (int k = 0; k < 3; k++) {
    p.initial_probs[k] = 1.0 / 3;
    p.covs[k] = 1.0;
  }
  memcpy(p.transition_matrix, A, sizeof A);
  CHECK_REL(urn_hmm_log_prior(&m, &p), 3.043673018468138, 1e-12, "LinearRegressionHMM log prior (Dirichlet only)");
  urn_hmm_params_free(&p);
  urn_hmm_model_free(&m);

  m = model(URN_HMM_LOGREG, 3, 1, 3, 0);
  urn_hmm_params_alloc(&m, &p);
  for (int i = 0; i < 9; i++) p.transition_matrix[i] = 1.0 / 3;
  for (int k = 0; k < 3; k++) p.initial_probs[k] = 1.0 / 3;
  CHECK_REL(urn_hmm_log_prior(&m, &p), -170.8280446341181, 1e-12, "LogisticRegressionHMM log prior (B.1)");
  urn_hmm_params_free(&p);
  urn_hmm_model_free(&m);

  m = model(URN_HMM_POISSON, 2, 1, 0, 0);
  urn_hmm_params_alloc(&m, &p);
  for (int i = 0; i < 4; i++) p.transition_matrix[i] = 0.5;
  p.initial_probs[0] = p.initial_probs[1] = 0.5;
  p.rates[0] = 1;
  p.rates[1] = 10;
  CHECK_REL(urn_hmm_log_prior(&m, &p), -5.661495073172829, 1e-12, "PoissonHMM log prior (B.3)");
  urn_hmm_params_free(&p);
  urn_hmm_model_free(&m);
}

/* ---- M-steps: spec 6.3, A, B.3, B.7 worked numbers */
static void test_m_steps(void) {
  urn_hmm_model m = model(URN_HMM_GAUSSIAN, 3, 1, 0, 0);
  m.stickiness = 10;
  urn_hmm_params p;
  urn_hmm_params_alloc(&m, &p);
  urn_hmm_stats st;
  urn_hmm_stats_alloc(&m, 0, &st);
  double init[3] = {2, 1, 0}, tr[9] = {80, 15, 5, 10, 85, 5, 3, 2, 95};
  memcpy(st.initial, init, sizeof init);
  memcpy(st.trans, tr, sizeof tr);
  for (int k = 0; k < 3; k++) st.sum_w[k] = 50;
  st.sum_y[0] = 100;
  st.sum_yy[0] = 250;
  st.sum_y[1] = 0;
  st.sum_yy[1] = 50;
  st.sum_y[2] = -50;
  st.sum_yy[2] = 125;
  CHECK(urn_hmm_m_step(&m, &st, NULL, 0, &p, 0, NULL) == 0, "gaussian M-step runs");
  CHECK_REL(p.initial_probs[0], 2.1 / 3.3, 1e-12, "pi_0 (6.3)");
  CHECK_REL(p.initial_probs[2], 0.1 / 3.3, 1e-12, "pi_2 (6.3)");
  CHECK_REL(p.transition_matrix[0], 90.1 / 110.3, 1e-12, "A[0,0] (6.3)");
  CHECK_REL(p.transition_matrix[2], 5.1 / 110.3, 1e-12, "A[0,2] (6.3)");
  CHECK_REL(p.means[0], 100 / 50.0001, 1e-12, "mu_0 (6.3)");
  CHECK_REL(p.covs[0], (1e-4 + 250 - 100.0 * 100 / 50.0001) / 54.1, 1e-12, "Sigma_0 (6.3)");
  /* frozen groups keep their values */
  urn_hmm_params q;
  urn_hmm_params_alloc(&m, &q);
  urn_hmm_params_copy(&m, &q, &p);
  q.initial_probs[0] = 0.2, q.initial_probs[1] = 0.3, q.initial_probs[2] = 0.5;
  q.means[0] = 7;
  m.frozen = URN_HMM_FREEZE_INITIAL | URN_HMM_FREEZE_EMISSIONS;
  urn_hmm_m_step(&m, &st, NULL, 0, &q, 0, NULL);
  CHECK(q.initial_probs[0] == 0.2 && q.means[0] == 7 && q.transition_matrix[0] == p.transition_matrix[0],
        "frozen initial and emissions untouched, transitions updated");
  /* concentration <= 1 makes the Dirichlet mode undefined: an error, never NaN */
  m.frozen = 0;
  m.initial_conc = 0.5;
  urn_error err;
  CHECK(urn_hmm_m_step(&m, &st, NULL, 0, &q, 3, &err) == URN_EINPUT && strstr(err.msg, "iteration 3"),
        "undefined Dirichlet mode reported: %s", err.msg);
  urn_hmm_params_free(&q);
  urn_hmm_params_free(&p);
  urn_hmm_stats_free(&st);
  urn_hmm_model_free(&m);

  /* diagonal (appendix A): N=50, Sy=100, Syy=250 -> variance 0.9436184 */
  m = model(URN_HMM_DIAG, 1, 1, 0, 0);
  urn_hmm_params_alloc(&m, &p);
  urn_hmm_stats_alloc(&m, 0, &st);
  st.initial[0] = 1;
  st.sum_w[0] = 50;
  st.sum_y[0] = 100;
  st.sum_yy[0] = 250;
  urn_hmm_m_step(&m, &st, NULL, 0, &p, 0, NULL);
  CHECK_NEAR(p.scale_diags[0] * p.scale_diags[0], (0.1 + 0.5 * (250 + 0 - 50.0001 * pow(100 / 50.0001, 2))) / 26.6,
             1e-12, 0, "diag variance (A)");
  urn_hmm_params_free(&p);
  urn_hmm_stats_free(&st);
  urn_hmm_model_free(&m);

  /* Poisson (B.3): (N, S) = (50, 100), (20, 0), (0, 0) */
  m = model(URN_HMM_POISSON, 3, 1, 0, 0);
  urn_hmm_params_alloc(&m, &p);
  urn_hmm_stats_alloc(&m, 0, &st);
  st.initial[0] = 2;
  st.initial[1] = 1;
  for (int i = 0; i < 9; i++) st.trans[i] = 1;
  st.sum_w[0] = 50, st.sum_w[1] = 20, st.sum_w[2] = 0;
  st.sum_y[0] = 100;
  urn_hmm_m_step(&m, &st, NULL, 0, &p, 0, NULL);
  CHECK_REL(p.rates[0], 1.9980039920159678, 1e-14, "poisson rate (50, 100)");
  CHECK_REL(p.rates[1], 0.004975124378109453, 1e-14, "poisson rate (20, 0)");
  CHECK_REL(p.rates[2], 1.0, 1e-14, "poisson rate of an empty state");
  urn_hmm_params_free(&p);
  urn_hmm_stats_free(&st);
  urn_hmm_model_free(&m);

  /* logistic Newton M-step (B.7 worked example, one state) */
  m = model(URN_HMM_LOGREG, 1, 1, 1, 0);
  urn_hmm_params_alloc(&m, &p);
  p.initial_probs[0] = p.transition_matrix[0] = 1;
  double x[5] = {-1, -0.5, 0.5, 1, 2}, yv[5] = {0, 1, 0, 1, 1}, gam[5] = {1, 0.5, 1, 1, 0.25};
  urn_hmm_seq s = {5, yv, x};
  urn_hmm_stats_alloc(&m, 5, &st);
  memcpy(st.gamma, gam, sizeof gam);
  st.initial[0] = 1;
  st.trans[0] = 4;
  st.sum_w[0] = 3.75;
  CHECK(urn_hmm_m_step(&m, &st, &s, 1, &p, 0, NULL) == 0, "logreg M-step runs");
  CHECK_REL(p.weights[0], 1.3826403606114606, 1e-9, "logreg Newton w (B.7)");
  CHECK_REL(p.biases[0], -0.470799472648431, 1e-9, "logreg Newton b (B.7)");
  urn_hmm_params_free(&p);
  urn_hmm_stats_free(&st);
  urn_hmm_model_free(&m);
}

/* ---- brute force over every path */
static void brute(int K, int T, const double *pi, const double *A, const double *LL, double *ll, double *g,
                  double *tr, int *best) {
  int z[8];
  size_t npaths = 1;
  for (int t = 0; t < T; t++) npaths *= K;
  double total = 0, bestp = -1;
  memset(g, 0, sizeof(double) * T * K);
  memset(tr, 0, sizeof(double) * K * K);
  for (size_t idx = 0; idx < npaths; idx++) {
    size_t r = idx;
    for (int t = 0; t < T; t++) {
      z[t] = (int)(r % K);
      r /= K;
    }
    double p = pi[z[0]] * exp(LL[z[0]]);
    for (int t = 1; t < T; t++) p *= A[z[t - 1] * K + z[t]] * exp(LL[t * K + z[t]]);
    total += p;
    for (int t = 0; t < T; t++) g[t * K + z[t]] += p;
    for (int t = 0; t + 1 < T; t++) tr[z[t] * K + z[t + 1]] += p;
    if (p > bestp) {
      bestp = p;
      memcpy(best, z, sizeof(int) * T);
    }
  }
  *ll = log(total);
  for (int i = 0; i < T * K; i++) g[i] /= total;
  for (int i = 0; i < K * K; i++) tr[i] /= total;
}

static void random_problem(urn_rng *r, int K, int T, double *pi, double *A, double *LL) {
  double a[8] = {1, 1, 1, 1, 1, 1, 1, 1};
  urn__rand_dirichlet(r, K, a, pi);
  for (int j = 0; j < K; j++) urn__rand_dirichlet(r, K, a, A + j * K);
  for (int i = 0; i < T * K; i++) LL[i] = -3.0 * urn_rng_uniform(r) - 1.0;
}

static void test_brute_force(void) {
  urn_rng r;
  urn_rng_seed(&r, 42, 0);
  int nbad_ll = 0, nbad_g = 0, nbad_tr = 0, nbad_v = 0, ncases = 0;
  for (int K = 1; K <= 4; K++)
    for (int T = 1; T <= 8; T++) {
      if (pow(K, T) > 70000) continue;
      for (int rep = 0; rep < 3; rep++) {
        double pi[4], A[16], LL[32], g[32], tr[16], gb[32], trb[16], ll, llb;
        int z[8], zb[8];
        random_problem(&r, K, T, pi, A, LL);
        brute(K, T, pi, A, LL, &llb, gb, trb, zb);
        urn_hmm_smoother(K, T, pi, A, LL, &ll, g, tr, NULL);
        urn_hmm_viterbi(K, T, pi, A, LL, z, NULL);
        ncases++;
        nbad_ll += !test_near(ll, llb, 1e-12, 1e-12);
        for (int i = 0; i < T * K; i++) nbad_g += !test_near(g[i], gb[i], 0, 1e-12);
        for (int i = 0; i < K * K; i++) nbad_tr += !test_near(tr[i], trb[i], 0, 1e-12);
        for (int t = 0; t < T; t++) nbad_v += z[t] != zb[t];
      }
    }
  CHECK(ncases > 50, "brute-force cases: %d", ncases);
  CHECK(nbad_ll == 0, "log likelihood equals the sum over all paths (%d mismatches)", nbad_ll);
  CHECK(nbad_g == 0, "smoothed marginals equal the enumerated ones (%d mismatches)", nbad_g);
  CHECK(nbad_tr == 0, "expected transition counts equal the enumerated ones (%d mismatches)", nbad_tr);
  CHECK(nbad_v == 0, "Viterbi path is the most probable path (%d mismatches)", nbad_v);
}

/* ---- FFBS draws against the exact path posterior (T = 4, K = 2) */
static void test_ffbs(void) {
  urn_rng r;
  urn_rng_seed(&r, 7, 0);
  int K = 2, T = 4;
  double pi[2], A[4], LL[8], g[8], tr[4], ll;
  int zb[4];
  random_problem(&r, K, T, pi, A, LL);
  brute(K, T, pi, A, LL, &ll, g, tr, zb);
  /* exact probability of each of the 16 paths */
  double exact[16], total = 0;
  for (int idx = 0; idx < 16; idx++) {
    int z[4];
    for (int t = 0; t < 4; t++) z[t] = (idx >> t) & 1;
    double p = pi[z[0]] * exp(LL[z[0]]);
    for (int t = 1; t < 4; t++) p *= A[z[t - 1] * 2 + z[t]] * exp(LL[t * 2 + z[t]]);
    exact[idx] = p;
    total += p;
  }
  int counts[16] = {0}, n = 40000;
  for (int i = 0; i < n; i++) {
    int z[4];
    urn_hmm_posterior_sample(K, T, pi, A, LL, 1000 + i, z, NULL, NULL);
    counts[z[0] | z[1] << 1 | z[2] << 2 | z[3] << 3]++;
  }
  double chi2 = 0;
  for (int idx = 0; idx < 16; idx++) {
    double e = n * exact[idx] / total;
    if (e > 0) chi2 += (counts[idx] - e) * (counts[idx] - e) / e;
  }
  /* 15 degrees of freedom: P(chi2 > 37.7) = 0.001 */
  CHECK(chi2 < 37.7, "FFBS path frequencies match the exact posterior (chi2 = %.2f, 15 df)", chi2);
}

/* ---- one state = iid likelihood */
static void test_one_state(void) {
  urn_hmm_model m = model(URN_HMM_GAUSSIAN, 1, 1, 0, 0);
  urn_hmm_params p;
  urn_hmm_params_alloc(&m, &p);
  p.initial_probs[0] = p.transition_matrix[0] = 1;
  p.means[0] = 0.3;
  p.covs[0] = 2.5;
  double y[50], iid = 0;
  urn_rng r;
  urn_rng_seed(&r, 5, 0);
  for (int t = 0; t < 50; t++) {
    y[t] = urn_rng_normal(&r) * 1.7;
    iid += -0.5 * log(2 * M_PI * 2.5) - 0.5 * (y[t] - 0.3) * (y[t] - 0.3) / 2.5;
  }
  urn_hmm_seq s = {50, y, NULL};
  double ll;
  urn_hmm_loglik(&m, &p, &s, 1, 1, NULL, &ll, NULL);
  CHECK_REL(ll, iid, 1e-13, "1-state HMM = iid normal log likelihood");
  /* and its EM is the closed-form NIW MAP in one step */
  double trace[2];
  urn_hmm_fit_opts o = {2, 0, 1, NULL};
  urn_hmm_fit_em(&m, &p, &s, 1, &o, trace, NULL, NULL);
  double sy = 0, syy = 0;
  for (int t = 0; t < 50; t++) sy += y[t], syy += y[t] * y[t];
  double mu = sy / (50 + 1e-4);
  CHECK_REL(p.means[0], mu, 1e-12, "1-state EM mean");
  CHECK_REL(p.covs[0], (1e-4 + syy - (50 + 1e-4) * mu * mu) / (50 + 1.1 + 3), 1e-12, "1-state EM variance");
  urn_hmm_params_free(&p);
  urn_hmm_model_free(&m);
}

/* ---- hmm_marginal: value and gradient against finite differences */
static void test_marginal_gradient(void) {
  urn_rng r;
  urn_rng_seed(&r, 11, 0);
  int K = 3, T = 6;
  double pi[3], A[9], LL[18];
  random_problem(&r, K, T, pi, A, LL);
  double Gamma[9], lo[18]; /* column-major Gamma, K x T column-major log_omega */
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) Gamma[i + 3 * j] = A[i * 3 + j];
  memcpy(lo, LL, sizeof lo);
  double lp, dlo[18], dG[9], dr[3], ll;
  CHECK(urn_hmm_marginal(K, T, lo, Gamma, pi, &lp, dlo, dG, dr, NULL) == 0, "hmm_marginal runs");
  urn_hmm_filter(K, T, pi, A, LL, &ll, NULL, NULL, NULL);
  CHECK_REL(lp, ll, 1e-13, "hmm_marginal value = filter log likelihood");
  double h = 1e-6;
  int bad = 0;
  for (int i = 0; i < 18; i++) {
    double a[18], b[18], la, lb;
    memcpy(a, lo, sizeof a);
    memcpy(b, lo, sizeof b);
    a[i] += h;
    b[i] -= h;
    urn_hmm_marginal(K, T, a, Gamma, pi, &la, NULL, NULL, NULL, NULL);
    urn_hmm_marginal(K, T, b, Gamma, pi, &lb, NULL, NULL, NULL, NULL);
    bad += !test_near(dlo[i], (la - lb) / (2 * h), 1e-6, 1e-8);
  }
  for (int i = 0; i < 9; i++) {
    double a[9], b[9], la, lb;
    memcpy(a, Gamma, sizeof a);
    memcpy(b, Gamma, sizeof b);
    a[i] += h;
    b[i] -= h;
    urn_hmm_marginal(K, T, lo, a, pi, &la, NULL, NULL, NULL, NULL);
    urn_hmm_marginal(K, T, lo, b, pi, &lb, NULL, NULL, NULL, NULL);
    bad += !test_near(dG[i], (la - lb) / (2 * h), 1e-6, 1e-8);
  }
  for (int i = 0; i < 3; i++) {
    double a[3], b[3], la, lb;
    memcpy(a, pi, sizeof a);
    memcpy(b, pi, sizeof b);
    a[i] += h;
    b[i] -= h;
    urn_hmm_marginal(K, T, lo, Gamma, a, &la, NULL, NULL, NULL, NULL);
    urn_hmm_marginal(K, T, lo, Gamma, b, &lb, NULL, NULL, NULL, NULL);
    bad += !test_near(dr[i], (la - lb) / (2 * h), 1e-6, 1e-8);
  }
  CHECK(bad == 0, "hmm_marginal gradient matches central differences (%d of 30 off)", bad);
  /* the Gamma gradient stays finite where Gamma is 0 */
  Gamma[1] = 0; /* Gamma[1,0] */
  Gamma[0] = 1 - Gamma[3] - Gamma[6];
  CHECK(urn_hmm_marginal(K, T, lo, Gamma, pi, &lp, NULL, dG, NULL, NULL) == 0 && isfinite(dG[1]) && dG[1] > 0,
        "gradient at a zero transition is finite and positive");
  double bad_lo[18];
  for (int i = 0; i < 18; i++) bad_lo[i] = -INFINITY;
  urn_error err;
  CHECK(urn_hmm_marginal(K, T, bad_lo, Gamma, pi, &lp, NULL, NULL, NULL, &err) == URN_EREJECT,
        "impossible observations reject: %s", err.msg);
}

/* ---- EM traces never decrease; threads agree with one thread */
static void check_monotone(urn_hmm_kind kind, int K, int D, int M, int C, const char *name) {
  urn_hmm_model m = model(kind, K, D, M, C);
  urn_hmm_params truth, p;
  urn_hmm_params_alloc(&m, &truth);
  urn_hmm_params_alloc(&m, &p);
  urn_hmm_init_prior(&m, 3, &truth, NULL);
  /* a well-separated truth: sticky chain, spread-out emissions */
  for (int j = 0; j < K; j++)
    for (int k = 0; k < K; k++) truth.transition_matrix[j * K + k] = j == k ? 0.9 : 0.1 / (K - 1);
  if (truth.means)
    for (int i = 0; i < K * D; i++) truth.means[i] = 3.0 * (i / D) - 3.0 + 0.5 * (i % D);
  if (truth.covs) {
    memset(truth.covs, 0, sizeof(double) * K * D * D);
    for (int k = 0; k < K; k++)
      for (int d = 0; d < D; d++) truth.covs[(k * D + d) * D + d] = 0.5 + 0.2 * k;
  }
  if (truth.scale_diags)
    for (int i = 0; i < K * D; i++) truth.scale_diags[i] = 0.8;
  if (truth.rates)
    for (int i = 0; i < K * D; i++) truth.rates[i] = 1.0 + 4.0 * (i / D);
  if (kind == URN_HMM_LINREG)
    for (int i = 0; i < K * D * M; i++) truth.weights[i] = (i % 3) - 1.0;
  if (kind == URN_HMM_LOGREG || kind == URN_HMM_CATREG)
    for (int i = 0; i < K * (C ? C : 1) * M; i++) truth.weights[i] = 2.0 * ((i * 7) % 5) - 4.0;
  size_t lens[3] = {150, 90, 120};
  urn_hmm_seq seqs[3];
  double *ys[3], *xs[3];
  urn_rng r;
  urn_rng_seed(&r, 9, 0);
  for (int b = 0; b < 3; b++) {
    int *z = malloc(sizeof(int) * lens[b]);
    ys[b] = malloc(sizeof(double) * lens[b] * D);
    xs[b] = M ? malloc(sizeof(double) * lens[b] * M) : NULL;
    for (size_t i = 0; M && i < lens[b] * M; i++) xs[b][i] = 2.0 * urn_rng_uniform(&r) - 1.0;
    urn_hmm_sample(&m, &truth, 100 + b, lens[b], xs[b], z, ys[b], NULL);
    seqs[b] = (urn_hmm_seq){lens[b], ys[b], xs[b]};
    free(z);
  }
  int rc = kind == URN_HMM_CATREG || kind == URN_HMM_POISSON ? urn_hmm_init_prior(&m, 17, &p, NULL)
                                                             : urn_hmm_init_kmeans(&m, 17, seqs, 3, &p, NULL);
  CHECK(rc == 0, "%s: initialization", name);
  double trace[40];
  urn_hmm_fit_opts o = {40, 0, 1, NULL};
  urn_error err;
  rc = urn_hmm_fit_em(&m, &p, seqs, 3, &o, trace, NULL, &err);
  CHECK(rc == 0, "%s: EM runs (%s)", name, rc ? err.msg : "");
  int mono = 1;
  for (int i = 1; i < 40 && !rc; i++)
    if (trace[i] < trace[i - 1] - 1e-9 * fabs(trace[i - 1])) mono = 0;
  CHECK(mono, "%s: EM trace never decreases (%.6f -> %.6f)", name, trace[0], trace[39]);
  CHECK(trace[39] > trace[0], "%s: EM improves the log joint", name);
  /* two threads give the same statistics as one (up to summation order) */
  urn_hmm_stats s1, s2;
  urn_hmm_stats_alloc(&m, 360, &s1);
  urn_hmm_stats_alloc(&m, 360, &s2);
  double l1[3], l2[3];
  urn_hmm_e_step(&m, &p, seqs, 3, 1, &s1, l1, NULL);
  urn_hmm_e_step(&m, &p, seqs, 3, 2, &s2, l2, NULL);
  int same = test_near(s1.loglik, s2.loglik, 1e-13, 0);
  for (int k = 0; k < K; k++) same &= test_near(s1.sum_w[k], s2.sum_w[k], 1e-12, 1e-12);
  for (int k = 0; k < K * K; k++) same &= test_near(s1.trans[k], s2.trans[k], 1e-12, 1e-12);
  for (int b = 0; b < 3; b++) same &= l1[b] == l2[b];
  CHECK(same, "%s: 2-thread E-step = 1-thread E-step (%.17g vs %.17g; w0 %.17g vs %.17g)", name, s1.loglik, s2.loglik,
        s1.sum_w[0], s2.sum_w[0]);
  urn_hmm_stats_free(&s1);
  urn_hmm_stats_free(&s2);
  for (int b = 0; b < 3; b++) {
    free(ys[b]);
    free(xs[b]);
  }
  urn_hmm_params_free(&truth);
  urn_hmm_params_free(&p);
  urn_hmm_model_free(&m);
}

static void test_find_permutation(void) {
  struct {
    int n, z1[16], z2[16], k, perm[10];
  } cases[] = {
      {7, {0, 0, 1, 1, 2, 2, 2}, {2, 2, 0, 0, 1, 1, 0}, 3, {2, 0, 1}},
      {10, {0, 0, 1, 1, 2, 2, 3, 3, 4, 4}, {1, 1, 0, 0, 3, 3, 2, 2, 4, 4}, 5, {1, 0, 3, 2, 4}},
      {10, {0, 0, 1, 1, 2, 2, 3, 3, 4, 4}, {5, 5, 6, 6, 7, 7, 8, 8, 9, 9}, 10, {5, 6, 7, 8, 9, 0, 1, 2, 3, 4}},
      {10, {5, 5, 6, 6, 7, 7, 8, 8, 9, 9}, {0, 0, 1, 1, 2, 2, 3, 3, 4, 4}, 10, {5, 6, 7, 8, 9, 0, 1, 2, 3, 4}},
      {15, {0, 5, 5, 1, 6, 6, 2, 7, 7, 3, 8, 8, 4, 9, 9}, {0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4}, 10,
       {5, 6, 7, 8, 9, 0, 1, 2, 3, 4}},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    int perm[10], Kp;
    urn_hmm_find_permutation(cases[c].z1, cases[c].z2, cases[c].n, perm, &Kp, NULL);
    int ok = Kp == cases[c].k;
    for (int i = 0; ok && i < Kp; i++) ok = perm[i] == cases[c].perm[i];
    CHECK(ok, "find_permutation case %zu (spec 9)", c);
  }
}

/* ---- k-means finds well-separated clusters */
static void test_kmeans(void) {
  double X[60];
  urn_rng r;
  urn_rng_seed(&r, 1, 0);
  for (int i = 0; i < 60; i++) X[i] = (i % 3) * 10.0 + 0.1 * urn_rng_normal(&r);
  double c[3];
  int lab[60];
  urn_hmm_kmeans(X, 60, 1, 3, 4, 1, c, lab, NULL, NULL);
  int ok = 1;
  for (int i = 0; i < 60; i++) ok &= lab[i] == lab[i % 3];
  ok &= lab[0] != lab[1] && lab[1] != lab[2] && lab[0] != lab[2];
  CHECK(ok, "k-means++ separates three clusters");
  for (int k = 0; k < 3; k++) CHECK_NEAR(c[lab[k]], 10.0 * k, 0, 0.1, "k-means centre");
  urn_error err;
  CHECK(urn_hmm_kmeans(X, 2, 1, 3, 4, 1, c, lab, NULL, &err) == URN_EINPUT, "more clusters than points refused");
}

/* ---- the Gaussian M-step is the exact maximiser of Q + log prior (so EM's log
 * joint cannot fall): at the M-step's output, moving any mean, variance or
 * transition probability lowers Q(theta) + log p(theta), with the same log prior
 * the trace reports.  Conditions of the tutorial's step 4 (K = 3, D = 1,
 * stickiness 10, three sequences of 200). */
static double q_plus_prior(const urn_hmm_model *m, const urn_hmm_stats *st, const urn_hmm_params *p) {
  int K = m->K;
  double f = urn_hmm_log_prior(m, p);
  for (int k = 0; k < K; k++) {
    double N = st->sum_w[k], mu = p->means[k], v = p->covs[k];
    f += -0.5 * N * (log(2 * M_PI) + log(v)) - 0.5 * (st->sum_yy[k] - 2 * mu * st->sum_y[k] + N * mu * mu) / v;
    f += st->initial[k] * log(p->initial_probs[k]);
    for (int j = 0; j < K; j++) f += st->trans[k * K + j] * log(p->transition_matrix[k * K + j]);
  }
  return f;
}

static void test_gaussian_m_step_exact(void) {
  enum { K = 3, B = 3, TT = 200 };
  urn_hmm_model m = model(URN_HMM_GAUSSIAN, K, 1, 0, 0);
  m.stickiness = 10;
  urn_hmm_params truth, p, q;
  urn_hmm_params_alloc(&m, &truth);
  urn_hmm_params_alloc(&m, &p);
  urn_hmm_params_alloc(&m, &q);
  double mu[K] = {-3, 0, 4}, var[K] = {0.6, 0.6, 0.9};
  for (int i = 0; i < K; i++) {
    truth.initial_probs[i] = 1.0 / K, truth.means[i] = mu[i], truth.covs[i] = var[i];
    for (int j = 0; j < K; j++) truth.transition_matrix[i * K + j] = i == j ? 0.9 : 0.05;
  }
  double y[B * TT];
  int z[TT];
  urn_hmm_seq seqs[B];
  for (int b = 0; b < B; b++) {
    urn_hmm_sample(&m, &truth, 40 + b, TT, NULL, z, y + b * TT, NULL);
    seqs[b] = (urn_hmm_seq){TT, y + b * TT, NULL};
  }
  CHECK(urn_hmm_init_kmeans(&m, 5, seqs, B, &p, NULL) == 0, "gaussian exact M-step: k-means");
  urn_hmm_stats st;
  urn_hmm_stats_alloc(&m, B * TT, &st);
  int worse = 0, iters = 0;
  double prev_joint = -INFINITY, min_step = INFINITY;
  for (int it = 0; it < 60; it++, iters++) {
    urn_hmm_e_step(&m, &p, seqs, B, 1, &st, NULL, NULL);
    double joint = st.loglik + urn_hmm_log_prior(&m, &p);
    if (it > 0 && joint - prev_joint < min_step) min_step = joint - prev_joint;
    prev_joint = joint;
    double before = q_plus_prior(&m, &st, &p);
    CHECK(urn_hmm_m_step(&m, &st, seqs, B, &p, it, NULL) == 0, "gaussian exact M-step: M-step %d", it);
    double best = q_plus_prior(&m, &st, &p);
    if (best < before - 1e-12 * fabs(before)) worse++;
    if (it % 20 != 19) continue;
    /* every coordinate direction of the emissions, and every transition row along e_j - e_l */
    for (int k = 0; k < K; k++)
      for (int dir = -1; dir <= 1; dir += 2) {
        urn_hmm_params_copy(&m, &q, &p);
        q.means[k] += dir * 1e-4;
        worse += q_plus_prior(&m, &st, &q) > best;
        urn_hmm_params_copy(&m, &q, &p);
        q.covs[k] *= 1 + dir * 1e-4;
        worse += q_plus_prior(&m, &st, &q) > best;
        for (int j = 0; j < K; j++) {
          int l = (j + 1) % K;
          urn_hmm_params_copy(&m, &q, &p);
          q.transition_matrix[k * K + j] += dir * 1e-6;
          q.transition_matrix[k * K + l] -= dir * 1e-6;
          worse += q_plus_prior(&m, &st, &q) > best;
        }
      }
  }
  CHECK(worse == 0, "gaussian M-step maximises Q + log prior exactly (%d counter-examples)", worse);
  CHECK(min_step > -1e-9 * fabs(prev_joint), "gaussian (stickiness 10) EM log joint never decreases over %d iterations "
        "(smallest step %.3g)", iters, min_step);
  urn_hmm_stats_free(&st);
  urn_hmm_params_free(&q);
  urn_hmm_params_free(&p);
  urn_hmm_params_free(&truth);
  urn_hmm_model_free(&m);
}

int main(void) {
  test_worked_example();
  test_log_priors();
  test_m_steps();
  test_brute_force();
  test_ffbs();
  test_one_state();
  test_marginal_gradient();
  test_find_permutation();
  test_kmeans();
  test_gaussian_m_step_exact();
  check_monotone(URN_HMM_GAUSSIAN, 3, 2, 0, 0, "gaussian K=3 D=2");
  check_monotone(URN_HMM_GAUSSIAN, 2, 1, 0, 0, "gaussian K=2 D=1");
  check_monotone(URN_HMM_DIAG, 3, 2, 0, 0, "diag K=3 D=2");
  check_monotone(URN_HMM_LINREG, 2, 2, 2, 0, "linreg K=2 D=2 M=2");
  check_monotone(URN_HMM_POISSON, 3, 2, 0, 0, "poisson K=3 D=2");
  check_monotone(URN_HMM_LOGREG, 2, 1, 2, 0, "logreg K=2 M=2");
  check_monotone(URN_HMM_CATREG, 2, 1, 2, 3, "catreg K=2 C=3 M=2");
  return test_done();
}
