/* tests/test_hmm_trans.c — input-driven transitions (src/hmm/hmm_trans.c)
 * against independent references: brute-force enumeration of every state path
 * (log p(y), smoothed probabilities, per-step expected transition counts,
 * Viterbi) for K = 2 and 3; zero transition weights against the plain HMM with
 * the same matrix; the M-step's output as a maximum of its objective (every
 * gauge-free direction lowers it); EM monotone; one thread against two; and
 * recovery of known transition weights from a simulated series; the M-step at
 * K = 3..5 over sequences of several blocks; the vectorized log against libm; standard errors of the transition
 * coefficients against an observed information computed here from a forward algorithm of its own; simulation
 * (zero weights = the plain HMM's draws, transition frequencies = the softmax). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "hmm/hmm_internal.h"
#include "math/linalg.h"
#include "math/rng.h"
#include "urn/hmm.h"

static urn_hmm_model model(urn_hmm_kind kind, int K, int D, int M, int U) {
  urn_hmm_model m;
  urn_error err;
  if (urn_hmm_model_init(&m, kind, K, D, M, 0, &err)) {
    fprintf(stderr, "model init failed: %s\n", err.msg);
    exit(1);
  }
  m.trans_M = U;
  return m;
}

/* Random gauge-free transition coefficients (scale sc), Gaussian emissions 1-D. */
static void random_params(const urn_hmm_model *m, urn_hmm_params *p, urn_rng *r, double sc) {
  int K = m->K, U = m->trans_M;
  double s = 0.0;
  for (int k = 0; k < K; k++) s += p->initial_probs[k] = 0.2 + urn_rng_uniform(r);
  for (int k = 0; k < K; k++) p->initial_probs[k] /= s;
  for (int i = 0; i < K; i++) {
    for (int j = 0; j < K; j++) {
      p->trans_biases[i * K + j] = sc * urn_rng_normal(r);
      for (int q = 0; q < U; q++) p->trans_weights[(i * K + j) * U + q] = sc * urn_rng_normal(r);
    }
  }
  for (int k = 0; k < K; k++) {
    p->means[k] = 2.0 * k + 0.3 * urn_rng_normal(r);
    p->covs[k] = 0.5 + urn_rng_uniform(r);
  }
  urn__hmm_trans_baseline(m, p);
}

/* ---- brute force over every path */
static void test_brute(int K) {
  enum { T = 5, U = 2 };
  urn_hmm_model m = model(URN_HMM_GAUSSIAN, K, 1, 0, U);
  urn_hmm_params p;
  urn_hmm_params_alloc(&m, &p);
  urn_rng r;
  urn_rng_seed(&r, 11 + K, 0);
  random_params(&m, &p, &r, 1.0);
  double y[T], u[T * U];
  for (int t = 0; t < T; t++) y[t] = 2.0 * urn_rng_uniform(&r) * (K - 1);
  for (int i = 0; i < T * U; i++) u[i] = urn_rng_normal(&r);
  urn_hmm_seq s = {T, y, NULL, u};
  size_t KK = (size_t)K * K;
  double *A = malloc(sizeof(double) * T * KK), LL[T * 3];
  urn_error err;
  CHECK(urn_hmm_trans_matrices(&m, &p, &s, A, &err) == URN_OK, "trans_matrices");
  CHECK(urn_hmm_emission_logliks(&m, &p, &s, LL, &err) == URN_OK, "emission logliks");
  /* enumerate */
  int npath = 1;
  for (int t = 0; t < T; t++) npath *= K;
  double Z = 0.0, gam[T * 3] = {0}, xi[T * 9] = {0}, best = -INFINITY;
  int bestz[T] = {0};
  for (int code = 0; code < npath; code++) {
    int z[T], c = code;
    for (int t = T - 1; t >= 0; t--) z[t] = c % K, c /= K;
    double lp = log(p.initial_probs[z[0]]) + LL[z[0]];
    for (int t = 1; t < T; t++) lp += log(A[t * KK + z[t - 1] * K + z[t]]) + LL[t * K + z[t]];
    double w = exp(lp);
    Z += w;
    for (int t = 0; t < T; t++) gam[t * K + z[t]] += w;
    for (int t = 1; t < T; t++) xi[t * KK + z[t - 1] * K + z[t]] += w;
    if (lp > best) best = lp, memcpy(bestz, z, sizeof z);
  }
  /* the E-step */
  urn_hmm_stats st;
  urn_hmm_stats_alloc(&m, T, &st);
  CHECK(urn_hmm_e_step(&m, &p, &s, 1, 1, &st, NULL, &err) == URN_OK, "e_step: %s", err.msg);
  CHECK_REL(st.loglik, log(Z), 1e-13, "brute force: log p(y)");
  double sw[3] = {0};
  for (int t = 0; t < T; t++)
    for (int k = 0; k < K; k++) sw[k] += gam[t * K + k] / Z;
  for (int k = 0; k < K; k++) CHECK_NEAR(st.sum_w[k], sw[k], 1e-12, 1e-14, "brute force: sum of smoothed probabilities");
  for (size_t i = 0; i < T * KK; i++) CHECK_NEAR(st.xi[i], xi[i] / Z, 1e-12, 1e-14, "brute force: per-step xi");
  for (size_t i = 0; i < KK; i++) {
    double s2 = 0.0;
    for (int t = 1; t < T; t++) s2 += xi[t * KK + i] / Z;
    CHECK_NEAR(st.trans[i], s2, 1e-12, 1e-14, "brute force: summed transition counts");
  }
  /* the public smoother and Viterbi on per-step matrices */
  double g[T * 3], tr[9], ll;
  CHECK(urn_hmm_smoother_tv(K, T, p.initial_probs, A, LL, &ll, g, tr, &err) == URN_OK, "smoother_tv");
  CHECK_REL(ll, log(Z), 1e-13, "smoother_tv: log p(y)");
  for (int i = 0; i < T * K; i++) CHECK_NEAR(g[i], gam[i] / Z, 1e-12, 1e-14, "smoother_tv: smoothed");
  int z[T];
  CHECK(urn_hmm_viterbi_tv(K, T, p.initial_probs, A, LL, z, &err) == URN_OK, "viterbi_tv");
  int same = 1;
  for (int t = 0; t < T; t++) same &= z[t] == bestz[t];
  CHECK(same, "viterbi_tv: the most probable path (K=%d)", K);
  urn_hmm_stats_free(&st);
  urn_hmm_params_free(&p);
  urn_hmm_model_free(&m);
  free(A);
}

/* ---- zero weights: the plain HMM with the same matrix */
static void test_zero_weights(void) {
  enum { K = 3, T = 400, U = 2 };
  urn_hmm_model m0 = model(URN_HMM_GAUSSIAN, K, 1, 0, 0), m1 = model(URN_HMM_GAUSSIAN, K, 1, 0, U);
  urn_hmm_params p0, p1;
  urn_hmm_params_alloc(&m0, &p0);
  urn_hmm_params_alloc(&m1, &p1);
  urn_rng r;
  urn_rng_seed(&r, 5, 0);
  random_params(&m1, &p1, &r, 1.0);
  urn_hmm_trans_from_matrix(&m1, &p1); /* weights 0, biases the centred log of the u = 0 matrix */
  for (int i = 0; i < K * K * U; i++) CHECK(p1.trans_weights[i] == 0.0, "from_matrix zeroes the weights");
  memcpy(p0.initial_probs, p1.initial_probs, sizeof(double) * K);
  memcpy(p0.transition_matrix, p1.transition_matrix, sizeof(double) * K * K);
  memcpy(p0.means, p1.means, sizeof(double) * K);
  memcpy(p0.covs, p1.covs, sizeof(double) * K);
  double y[T], u[T * U];
  for (int t = 0; t < T; t++) y[t] = 2.0 * (t / 37 % 3) + urn_rng_normal(&r);
  for (int i = 0; i < T * U; i++) u[i] = 3.0 * urn_rng_normal(&r);
  urn_hmm_seq s0 = {T, y, NULL, NULL}, s1 = {T, y, NULL, u};
  urn_hmm_stats a, b;
  urn_hmm_stats_alloc(&m0, T, &a);
  urn_hmm_stats_alloc(&m1, T, &b);
  urn_error err;
  CHECK(urn_hmm_e_step(&m0, &p0, &s0, 1, 1, &a, NULL, &err) == URN_OK, "plain e_step");
  CHECK(urn_hmm_e_step(&m1, &p1, &s1, 1, 1, &b, NULL, &err) == URN_OK, "input-driven e_step");
  CHECK_REL(b.loglik, a.loglik, 1e-12, "zero weights: log p(y) as the plain HMM");
  for (int i = 0; i < K * K; i++) CHECK_NEAR(b.trans[i], a.trans[i], 1e-12, 1e-12, "zero weights: transition counts");
  for (int k = 0; k < K; k++) {
    CHECK_NEAR(b.sum_w[k], a.sum_w[k], 1e-12, 1e-12, "zero weights: sum_w");
    CHECK_NEAR(b.sum_y[k], a.sum_y[k], 1e-12, 1e-12, "zero weights: sum_y");
    CHECK_NEAR(b.sum_yy[k], a.sum_yy[k], 1e-12, 1e-12, "zero weights: sum_yy");
    CHECK_NEAR(b.initial[k], a.initial[k], 1e-12, 1e-12, "zero weights: initial");
  }
  urn_hmm_stats_free(&a);
  urn_hmm_stats_free(&b);
  urn_hmm_params_free(&p0);
  urn_hmm_params_free(&p1);
  urn_hmm_model_free(&m0);
  urn_hmm_model_free(&m1);
}

/* sum_t sum_ij xi_t[i,j] log A_t[i,j] + the transition log prior, at p. */
static double trans_objective(const urn_hmm_model *m, const urn_hmm_params *p, const urn_hmm_seq *seqs, size_t nseq,
                              const double *xi) {
  int K = m->K;
  size_t KK = (size_t)K * K, at = 0;
  double F = 0.0;
  for (size_t b = 0; b < nseq; b++) {
    double *A = malloc(sizeof(double) * seqs[b].T * KK);
    urn_hmm_trans_matrices(m, p, &seqs[b], A, NULL);
    for (size_t t = 0; t < seqs[b].T; t++, at++)
      for (size_t i = 0; t > 0 && i < KK; i++)
        if (xi[at * KK + i] > 0) F += xi[at * KK + i] * log(A[t * KK + i]);
    free(A);
  }
  return F + urn__hmm_trans_log_prior(m, p);
}

/* Simulates the input-driven Gaussian HMM (1-D emissions) at inputs u. */
static void simulate(const urn_hmm_model *m, const urn_hmm_params *p, urn_rng *r, size_t T, const double *u, double *y,
                     int *z) {
  int K = m->K;
  urn_hmm_seq s = {T, y, NULL, u};
  double *A = malloc(sizeof(double) * T * K * K);
  urn_hmm_trans_matrices(m, p, &s, A, NULL);
  for (size_t t = 0; t < T; t++) {
    const double *w = t == 0 ? p->initial_probs : A + t * K * K + (size_t)z[t - 1] * K;
    double v = urn_rng_uniform(r), c = 0.0;
    int k = 0;
    for (; k < K - 1; k++)
      if (v < (c += w[k])) break;
    z[t] = k;
    y[t] = p->means[k] + sqrt(p->covs[k]) * urn_rng_normal(r);
  }
  free(A);
}

/* ---- M-step optimality, EM monotone, threads, recovery */
static void test_em(int ml) {
  enum { K = 2, U = 1, NSEQ = 3 };
  const size_t T = 1500;
  urn_hmm_model m = model(URN_HMM_GAUSSIAN, K, 1, 0, U);
  if (ml) m.no_prior = URN_HMM_FREEZE_INITIAL | URN_HMM_FREEZE_TRANSITIONS | URN_HMM_FREEZE_EMISSIONS;
  urn_hmm_params truth;
  urn_hmm_params_alloc(&m, &truth);
  truth.initial_probs[0] = 0.5, truth.initial_probs[1] = 0.5;
  truth.means[0] = 0.0, truth.means[1] = 2.5;
  truth.covs[0] = 1.0, truth.covs[1] = 0.7;
  /* stay biases +1.5 / -1.5 gauge; u pushes 0 -> 1 up and 1 -> 0 down */
  double Wt[4] = {-0.8, 0.8, 0.6, -0.6}, bt[4] = {1.2, -1.2, -1.0, 1.0};
  memcpy(truth.trans_weights, Wt, sizeof Wt);
  memcpy(truth.trans_biases, bt, sizeof bt);
  urn__hmm_trans_baseline(&m, &truth);
  urn_rng r;
  urn_rng_seed(&r, 2024, 0);
  double *y = malloc(sizeof(double) * T * NSEQ), *u = malloc(sizeof(double) * T * NSEQ * U);
  int *z = malloc(sizeof(int) * T);
  urn_hmm_seq seqs[NSEQ];
  for (int b = 0; b < NSEQ; b++) {
    for (size_t i = 0; i < T * U; i++) u[b * T * U + i] = 1.5 * urn_rng_normal(&r);
    simulate(&m, &truth, &r, T, u + b * T * U, y + b * T, z);
    seqs[b] = (urn_hmm_seq){T, y + b * T, NULL, u + b * T * U};
  }
  urn_error err;
  /* M-step optimality at a fixed E-step */
  urn_hmm_params p;
  urn_hmm_params_alloc(&m, &p);
  urn_hmm_params_copy(&m, &p, &truth);
  urn_hmm_stats st;
  urn_hmm_stats_alloc(&m, T * NSEQ, &st);
  CHECK(urn_hmm_e_step(&m, &p, seqs, NSEQ, 1, &st, NULL, &err) == URN_OK, "e_step");
  double F0 = trans_objective(&m, &p, seqs, NSEQ, st.xi);
  CHECK(urn_hmm_m_step(&m, &st, seqs, NSEQ, &p, 0, &err) == URN_OK, "m_step: %s", err.msg);
  double F1 = trans_objective(&m, &p, seqs, NSEQ, st.xi);
  CHECK(F1 >= F0, "the M-step raises its objective (%.10g -> %.10g)", F0, F1);
  int worse = 1;
  for (int i = 0; i < K * K * (U + 1); i++) {
    double *v = i < K * K * U ? &p.trans_weights[i] : &p.trans_biases[i - K * K * U];
    int jj = i < K * K * U ? (i / U) % K : (i - K * K * U) % K;
    double *v2 = i < K * K * U ? &p.trans_weights[i + (jj == 0 ? U : -U)] : &p.trans_biases[i - K * K * U + (jj == 0 ? 1 : -1)];
    for (int sgn = -1; sgn <= 1; sgn += 2) { /* a gauge-free move: +h on one destination, -h on the other */
      double h = sgn * 1e-4, o1 = *v, o2 = *v2;
      *v += h, *v2 -= h;
      double F = trans_objective(&m, &p, seqs, NSEQ, st.xi);
      worse &= F <= F1 + 1e-9 * fabs(F1);
      *v = o1, *v2 = o2;
    }
  }
  CHECK(worse, "every gauge-free move from the M-step's output lowers its objective (ml=%d)", ml);
  double gsum = 0.0;
  for (int i = 0; i < K; i++)
    for (int q = 0; q <= U; q++) {
      double s = 0.0;
      for (int j = 0; j < K; j++) s += q < U ? p.trans_weights[(i * K + j) * U + q] : p.trans_biases[i * K + j];
      gsum += fabs(s);
    }
  CHECK(gsum < 1e-12, "the coefficients keep the gauge sum_j = 0 (%g)", gsum);
  /* one thread against two */
  urn_hmm_stats st2;
  urn_hmm_stats_alloc(&m, T * NSEQ, &st2);
  CHECK(urn_hmm_e_step(&m, &p, seqs, NSEQ, 1, &st, NULL, &err) == URN_OK, "e_step 1 thread");
  CHECK(urn_hmm_e_step(&m, &p, seqs, NSEQ, 2, &st2, NULL, &err) == URN_OK, "e_step 2 threads");
  CHECK_REL(st2.loglik, st.loglik, 1e-13, "two threads: log p(y)");
  double dx = 0.0;
  for (size_t i = 0; i < T * NSEQ * K * K; i++) dx = fmax(dx, fabs(st.xi[i] - st2.xi[i]));
  CHECK(dx < 1e-13, "two threads: per-step xi (%g)", dx);
  urn_hmm_stats_free(&st2);
  urn_hmm_stats_free(&st);
  /* a whole fit: EM monotone, truth recovered */
  urn_hmm_params best;
  urn_hmm_params_alloc(&m, &best);
  double *trace = malloc(sizeof(double) * 500);
  urn_hmm_fit_opts o = {500, 1e-12, 1, NULL};
  urn_hmm_fit_report rep;
  int rc = urn_hmm_fit_best(&m, seqs, NSEQ, &o, URN_HMM_INIT_SEARCH, NULL, 4, 1, &best, trace, &rep, NULL, &err);
  CHECK(rc == URN_OK, "fit_best: %s", rc ? err.msg : "");
  int mono = 1;
  for (int i = 1; i < rep.iterations; i++) mono &= trace[i] >= trace[i - 1] - 1e-10 * fabs(trace[i - 1]);
  CHECK(mono && rep.iterations > 2, "EM never lowers the log joint (%d iterations, ml=%d)", rep.iterations, ml);
  int sw = best.means[0] > best.means[1]; /* label switching */
  double maxw = 0.0;
  for (int i = 0; i < K; i++)
    for (int j = 0; j < K; j++) {
      int a = sw ? 1 - i : i, c = sw ? 1 - j : j;
      maxw = fmax(maxw, fabs(best.trans_weights[(a * K + c) * U] - Wt[i * K + j]));
      maxw = fmax(maxw, fabs(best.trans_biases[a * K + c] - bt[i * K + j]));
    }
  CHECK(maxw < 0.25, "transition weights and biases recovered within 0.25 (worst %.3g, ml=%d)", maxw, ml);
  /* the truth's likelihood is not above the fit's */
  double llt;
  urn_hmm_loglik(&m, &truth, seqs, NSEQ, 1, NULL, &llt, &err);
  CHECK(rep.loglik >= llt, "the fit's log p(y) %.6f >= the truth's %.6f", rep.loglik, llt);
  free(trace);
  urn_hmm_params_free(&best);
  urn_hmm_params_free(&p);
  urn_hmm_params_free(&truth);
  urn_hmm_model_free(&m);
  free(y), free(u), free(z);
}

/* ---- bad input */
static void test_errors(void) {
  urn_hmm_model m = model(URN_HMM_GAUSSIAN, 2, 1, 0, 1);
  double y[3] = {0, 1, 2}, u[3] = {0, NAN, 1};
  urn_hmm_seq s = {3, y, NULL, NULL};
  urn_error err;
  CHECK(urn_hmm_seq_check(&m, &s, 0, &err) != URN_OK && strstr(err.msg, "no transition inputs"), "missing u: %s", err.msg);
  s.u = u;
  CHECK(urn_hmm_seq_check(&m, &s, 0, &err) != URN_OK && strstr(err.msg, "transition input is nan"), "NaN u: %s", err.msg);
  CHECK(urn_hmm_num_free_params(&m) == 1 + 2 * 1 * 2 + 4, "free parameters count the transition weights");
  urn_hmm_model_free(&m);
}

/* ---- the M-step at other sizes (K = 3, U = 2 and K = 4, U = 2: the specialised passes; K = 5, U = 3: the
 * general one), over sequences of several blocks of 64 steps: its output is a maximum of the objective (central
 * differences of every gauge-free move ~ 0); the per-step matrices of urn_hmm_trans_matrices equal a direct
 * softmax; the vectorized log of the M-step against libm */
static void test_mstep_sizes(int K, int U, int ml) {
  enum { NSEQ = 2 };
  const size_t T = 700;
  urn_hmm_model m = model(URN_HMM_GAUSSIAN, K, 1, 0, U);
  if (ml) m.no_prior = URN_HMM_FREEZE_INITIAL | URN_HMM_FREEZE_TRANSITIONS | URN_HMM_FREEZE_EMISSIONS;
  urn_hmm_params truth, p;
  urn_hmm_params_alloc(&m, &truth);
  urn_hmm_params_alloc(&m, &p);
  urn_rng r;
  urn_rng_seed(&r, 77 + K, 0);
  random_params(&m, &truth, &r, 0.8);
  double *y = malloc(sizeof(double) * T * NSEQ), *u = malloc(sizeof(double) * T * NSEQ * U);
  int *z = malloc(sizeof(int) * T);
  urn_hmm_seq seqs[NSEQ];
  for (int b = 0; b < NSEQ; b++) {
    size_t Tb = b == 0 ? T : T - 111; /* unequal lengths: blocks end at different places */
    for (size_t i = 0; i < Tb * U; i++) u[b * T * U + i] = urn_rng_normal(&r);
    simulate(&m, &truth, &r, Tb, u + b * T * U, y + b * T, z);
    seqs[b] = (urn_hmm_seq){Tb, y + b * T, NULL, u + b * T * U};
  }
  /* the matrices: a direct softmax with libm */
  size_t KK = (size_t)K * K;
  double *A = malloc(sizeof(double) * T * KK), worst = 0.0;
  urn_hmm_trans_matrices(&m, &truth, &seqs[0], A, NULL);
  for (size_t t = 1; t < T; t++)
    for (int i = 0; i < K; i++) {
      double e[16], s = 0.0;
      for (int j = 0; j < K; j++) {
        e[j] = truth.trans_biases[i * K + j];
        for (int q = 0; q < U; q++) e[j] += truth.trans_weights[(i * K + j) * U + q] * u[t * U + q];
        s += e[j] = exp(e[j]);
      }
      for (int j = 0; j < K; j++) {
        double d = fabs(A[t * KK + i * K + j] - e[j] / s) / (e[j] / s);
        if (d > worst) worst = d;
      }
    }
  CHECK(worst < 1e-14, "trans_matrices = softmax (K=%d U=%d, worst %.2g)", K, U, worst);
  free(A);
  urn_error err;
  urn_hmm_params_copy(&m, &p, &truth);
  urn_hmm_stats st;
  urn_hmm_stats_alloc(&m, T * NSEQ, &st);
  CHECK(urn_hmm_e_step(&m, &p, seqs, NSEQ, 1, &st, NULL, &err) == URN_OK, "e_step");
  double F0 = trans_objective(&m, &p, seqs, NSEQ, st.xi);
  CHECK(urn_hmm_m_step(&m, &st, seqs, NSEQ, &p, 0, &err) == URN_OK, "m_step: %s", err.msg);
  double F1 = trans_objective(&m, &p, seqs, NSEQ, st.xi), gmax = 0.0;
  CHECK(F1 >= F0, "the M-step raises its objective (K=%d U=%d: %.10g -> %.10g)", K, U, F0, F1);
  int n = K * K * (U + 1);
  for (int i = 0; i < n; i++) { /* +h on destination j, -h on the next one (mod K) */
    int iw = i < K * K * U, j = iw ? (i / U) % K : (i - K * K * U) % K, j2 = (j + 1) % K;
    double *v = iw ? &p.trans_weights[i] : &p.trans_biases[i - K * K * U];
    double *v2 = iw ? &p.trans_weights[i + (j2 - j) * U] : &p.trans_biases[i - K * K * U + (j2 - j)];
    double o1 = *v, o2 = *v2, h = 1e-3, D[2], Fp = 0.0, Fm = 0.0;
    for (int k = 0; k < 2; k++, h /= 2) { /* central differences at h and h/2, Richardson-extrapolated */
      *v = o1 + h, *v2 = o2 - h;
      Fp = trans_objective(&m, &p, seqs, NSEQ, st.xi);
      *v = o1 - h, *v2 = o2 + h;
      Fm = trans_objective(&m, &p, seqs, NSEQ, st.xi);
      *v = o1, *v2 = o2;
      D[k] = (Fp - Fm) / (2 * h);
    }
    double gd = fabs((4.0 * D[1] - D[0]) / 3.0);
    if (gd > gmax) gmax = gd;
    CHECK(Fp <= F1 + 1e-10 * fabs(F1) && Fm <= F1 + 1e-10 * fabs(F1), "gauge-free move %d lowers the objective", i);
  }
  /* Newton stops on a decrement g'H^-1 g / 2 <= 1e-13 of the counts, so g itself can be ~1e-5 along a flat direction */
  CHECK(gmax < 1e-7 * (double)(seqs[0].T + seqs[1].T), "the M-step output is stationary (K=%d U=%d ml=%d: largest "
        "directional derivative %.2g)", K, U, ml, gmax);
  urn_hmm_stats_free(&st);
  urn_hmm_params_free(&p);
  urn_hmm_params_free(&truth);
  urn_hmm_model_free(&m);
  free(y);
  free(u);
  free(z);
}

static void test_log_pos(void) {
  double x[1000], ref[1000], worst = 0.0;
  urn_rng r;
  urn_rng_seed(&r, 5, 0);
  for (int i = 0; i < 1000; i++) {
    x[i] = i < 500 ? 1.0 + 9.0 * urn_rng_uniform(&r) : exp(700.0 * (2.0 * urn_rng_uniform(&r) - 1.0));
    if (i == 0) x[i] = 1.0;
    if (i == 1) x[i] = 2.0;
    if (i == 2) x[i] = 1.4142135623730951;
    ref[i] = log(x[i]);
  }
  urn__hmm_log_pos(999, x); /* an odd count: the tail path */
  for (int i = 0; i < 999; i++) {
    double d = fabs(x[i] - ref[i]) / (fabs(ref[i]) > 1e-300 ? fabs(ref[i]) : 1.0);
    if (i == 0) d = fabs(x[i]);
    if (d > worst) worst = d;
  }
  CHECK(worst < 1e-15, "vectorized log against libm (worst relative %.2g)", worst);
}

/* ---- standard errors of the transition coefficients against an independent observed information: a forward
 * algorithm written here, parameterized by d_i = (W_i0 - W_i1, b_i0 - b_i1), the means and the log variances
 * (urn's scale: log standard deviations; at a maximum the two agree), its Hessian by central differences with
 * another step, inverted; SE(W_i0) = SE(d_i) / 2 under the centred gauge. */
enum { SE_U = 1, SE_P = 4 * (SE_U + 1) };
static double se_ref_ll(const double *phi, const double *y, const double *u, size_t T) {
  double a0 = 0.5, a1 = 0.5, ll = 0.0; /* filtered state probabilities */
  for (size_t t = 0; t < T; t++) {
    double f[2];
    for (int k = 0; k < 2; k++) {
      double v = exp(phi[2 * (SE_U + 1) + 2 + k]), r = y[t] - phi[2 * (SE_U + 1) + k];
      f[k] = exp(-0.5 * r * r / v) / sqrt(2 * M_PI * v);
    }
    double p0 = a0, p1 = a1;
    if (t > 0) {
      double q[2]; /* p(z_t = 0 | z_{t-1} = i) = logistic(d_i . (u_t, 1)) */
      for (int i = 0; i < 2; i++) {
        double e = phi[i * (SE_U + 1) + SE_U];
        for (int j = 0; j < SE_U; j++) e += phi[i * (SE_U + 1) + j] * u[t * SE_U + j];
        q[i] = 1.0 / (1.0 + exp(-e));
      }
      p0 = a0 * q[0] + a1 * q[1], p1 = a0 * (1 - q[0]) + a1 * (1 - q[1]);
    }
    double c = p0 * f[0] + p1 * f[1];
    ll += log(c);
    a0 = p0 * f[0] / c, a1 = p1 * f[1] / c;
  }
  return ll;
}

static void test_std_errors(void) {
  enum { K = 2, U = SE_U };
  const size_t T = 600;
  urn_hmm_model m = model(URN_HMM_GAUSSIAN, K, 1, 0, U);
  m.no_prior = URN_HMM_FREEZE_INITIAL | URN_HMM_FREEZE_TRANSITIONS | URN_HMM_FREEZE_EMISSIONS;
  m.frozen = URN_HMM_FREEZE_INITIAL;
  urn_hmm_params p;
  urn_hmm_params_alloc(&m, &p);
  p.initial_probs[0] = p.initial_probs[1] = 0.5;
  p.means[0] = 0.0, p.means[1] = 2.0, p.covs[0] = 1.0, p.covs[1] = 0.6;
  double Wt[4] = {-0.7, 0.7, 0.5, -0.5}, bt[4] = {1.3, -1.3, -1.1, 1.1};
  memcpy(p.trans_weights, Wt, sizeof Wt);
  memcpy(p.trans_biases, bt, sizeof bt);
  urn__hmm_trans_baseline(&m, &p);
  urn_rng r;
  urn_rng_seed(&r, 77, 0);
  double *y = malloc(sizeof(double) * T), *u = malloc(sizeof(double) * T * U);
  int *z = malloc(sizeof(int) * T);
  for (size_t i = 0; i < T * U; i++) u[i] = 1.5 * urn_rng_normal(&r);
  simulate(&m, &p, &r, T, u, y, z);
  urn_hmm_seq s = {T, y, NULL, u};
  urn_error err;
  urn_hmm_fit_opts o = {2000, 1e-15, 1, NULL};
  int nd;
  double *trace = malloc(sizeof(double) * 2000);
  CHECK(urn_hmm_fit_em(&m, &p, &s, 1, &o, trace, &nd, &err) == URN_OK, "se: fit_em");
  free(trace);
  double se[64];
  size_t nse;
  int nfree;
  CHECK(urn_hmm_std_errors(&m, &p, &s, 1, 1, se, &nse, &nfree, &err) == URN_OK, "se: std_errors: %s", err.msg);
  CHECK(nfree == SE_P && nse == (size_t)(K + K * K + 2 * K + K * K * U + K * K), "se: %d free, %zu values", nfree,
        nse);
  /* the reference information */
  double phi[SE_P], H[SE_P * SE_P], L[SE_P * SE_P], C[SE_P * SE_P], h = 2e-4;
  for (int i = 0; i < K; i++) {
    for (int q = 0; q < U; q++) phi[i * (U + 1) + q] = p.trans_weights[(i * K) * U + q] - p.trans_weights[(i * K + 1) * U + q];
    phi[i * (U + 1) + U] = p.trans_biases[i * K] - p.trans_biases[i * K + 1];
  }
  for (int k = 0; k < K; k++) phi[2 * (U + 1) + k] = p.means[k], phi[2 * (U + 1) + 2 + k] = log(p.covs[k]);
  double ll0;
  urn_hmm_loglik(&m, &p, &s, 1, 1, NULL, &ll0, &err);
  CHECK_REL(se_ref_ll(phi, y, u, T), ll0, 1e-12, "se: the reference forward algorithm = urn's log p(y)");
  for (int a = 0; a < SE_P; a++)
    for (int b = 0; b <= a; b++) {
      double v[4], t2[SE_P];
      for (int c = 0; c < 4; c++) {
        memcpy(t2, phi, sizeof phi);
        t2[a] += (c & 1 ? -h : h);
        t2[b] += (c & 2 ? -h : h);
        v[c] = se_ref_ll(t2, y, u, T);
      }
      H[a + b * SE_P] = H[b + a * SE_P] = -(v[0] - v[1] - v[2] + v[3]) / (4 * h * h);
    }
  CHECK(urn_cholesky(L, H, SE_P) == 0, "se: the reference information is positive definite");
  urn_cholesky_inverse(C, L, SE_P);
  size_t at_w = K + K * K + 2 * K, at_b = at_w + K * K * U; /* trans_weights, trans_biases in se */
  double worst = 0.0;
  for (int i = 0; i < K; i++)
    for (int q = 0; q <= U; q++) {
      double ref = 0.5 * sqrt(C[(i * (U + 1) + q) * (SE_P + 1)]);
      for (int j = 0; j < K; j++) {
        double got = q < U ? se[at_w + (i * K + j) * U + q] : se[at_b + i * K + j];
        worst = fmax(worst, fabs(got / ref - 1.0));
      }
    }
  CHECK(worst < 1e-4, "se: transition weights' and biases' standard errors = the reference's (worst relative %.2g)",
        worst);
  for (int k = 0; k < K; k++) {
    CHECK_REL(se[K + K * K + k], sqrt(C[(2 * (U + 1) + k) * (SE_P + 1)]), 1e-4, "se: means");
    CHECK_REL(se[K + K * K + K + k], p.covs[k] * sqrt(C[(2 * (U + 1) + 2 + k) * (SE_P + 1)]), 1e-4, "se: variances");
  }
  CHECK(se[0] == 0.0 && se[1] == 0.0, "se: the frozen initial probabilities get 0");
  /* transition_matrix (at u = 0): the delta method through the biases, p00 = logistic(d_0's bias) */
  double p00 = p.transition_matrix[0], v00 = C[U * (SE_P + 1)];
  CHECK_REL(se[K], p00 * (1 - p00) * sqrt(v00), 1e-4, "se: transition_matrix[0][0] by the delta method");
  free(y), free(u), free(z);
  urn_hmm_params_free(&p);
  urn_hmm_model_free(&m);
}

/* ---- simulation: zero weights draw exactly what the plain HMM draws; the empirical transition frequencies at
 * each input value are the softmax's */
static void test_sample(void) {
  enum { K = 3, U = 1, NV = 3 };
  const size_t T = 300000;
  urn_hmm_model m = model(URN_HMM_GAUSSIAN, K, 1, 0, U), m0 = model(URN_HMM_GAUSSIAN, K, 1, 0, 0);
  urn_hmm_params p, p0;
  urn_hmm_params_alloc(&m, &p);
  urn_hmm_params_alloc(&m0, &p0);
  urn_rng r;
  urn_rng_seed(&r, 5, 0);
  random_params(&m, &p, &r, 1.0);
  double *u = malloc(sizeof(double) * T), *y = malloc(sizeof(double) * T), *y0 = malloc(sizeof(double) * T);
  int *z = malloc(sizeof(int) * T), *z0 = malloc(sizeof(int) * T);
  const double vals[NV] = {-1.5, 0.0, 2.0};
  for (size_t t = 0; t < T; t++) u[t] = vals[(t * 7 + t / 5) % NV];
  urn_error err;
  CHECK(urn_hmm_sample(&m, &p, 3, 100, NULL, z, y, &err) != URN_OK && strstr(err.msg, "urn_hmm_sample_tv"),
        "sample: urn_hmm_sample refuses input-driven transitions");
  /* zero weights */
  urn_hmm_params_copy(&m0, &p0, &p); /* the common arrays; p0 has no transition coefficients */
  memset(p.trans_weights, 0, sizeof(double) * K * K * U);
  urn_hmm_trans_from_matrix(&m, &p);
  memcpy(p0.transition_matrix, p.transition_matrix, sizeof(double) * K * K);
  CHECK(urn_hmm_sample_tv(&m, &p, 9, 2000, NULL, u, z, y, &err) == URN_OK, "sample_tv: %s", err.msg);
  CHECK(urn_hmm_sample(&m0, &p0, 9, 2000, NULL, z0, y0, &err) == URN_OK, "sample (plain)");
  CHECK(!memcmp(z, z0, sizeof(int) * 2000) && !memcmp(y, y0, sizeof(double) * 2000),
        "sample: zero transition weights draw the plain HMM's states and emissions");
  /* frequencies against the softmax */
  random_params(&m, &p, &r, 1.0);
  CHECK(urn_hmm_sample_tv(&m, &p, 10, T, NULL, u, z, y, &err) == URN_OK, "sample_tv: %s", err.msg);
  double cnt[K * NV * K] = {0}, tot[K * NV] = {0}, worst = 0.0;
  for (size_t t = 1; t < T; t++) {
    int v = (int)((t * 7 + t / 5) % NV);
    cnt[(z[t - 1] * NV + v) * K + z[t]] += 1.0;
    tot[z[t - 1] * NV + v] += 1.0;
  }
  urn_hmm_seq s = {T, y, NULL, u};
  double *A = malloc(sizeof(double) * 4 * K * K);
  s.T = 4; /* steps 1..3 carry the three input values in order (t = 1: 7 % 3 = 1, t = 2: 14 % 3 = 2, t = 3: 0) */
  CHECK(urn_hmm_trans_matrices(&m, &p, &s, A, &err) == URN_OK, "trans_matrices");
  int vstep[NV] = {3, 1, 2};
  for (int i = 0; i < K; i++)
    for (int v = 0; v < NV; v++)
      for (int j = 0; j < K; j++) {
        double pr = A[(size_t)vstep[v] * K * K + i * K + j], n = tot[i * NV + v];
        double zsc = fabs(cnt[(i * NV + v) * K + j] / n - pr) / sqrt(pr * (1 - pr) / n);
        worst = fmax(worst, zsc);
      }
  CHECK(worst < 4.5, "sample: transition frequencies at each input = the softmax (worst |z| %.2f over %d cells)", worst,
        K * NV * K);
  free(A), free(u), free(y), free(y0), free(z), free(z0);
  urn_hmm_params_free(&p);
  urn_hmm_params_free(&p0);
  urn_hmm_model_free(&m);
  urn_hmm_model_free(&m0);
}

int main(void) {
  test_brute(2);
  test_brute(3);
  test_zero_weights();
  test_em(1);
  test_em(0);
  test_errors();
  test_mstep_sizes(3, 2, 0);
  test_mstep_sizes(4, 2, 1);
  test_mstep_sizes(5, 3, 1);
  test_log_pos();
  test_std_errors();
  test_sample();
  return test_done();
}
