/* bench/bench_hmm.c — speed of HMM inference and EM: forward-backward and one
 * EM iteration (E-step + M-step) of a 1-D Gaussian HMM at T = 10^6 for K = 3
 * and K = 10, on one core and with the same data cut into 100 sequences over
 * 2 threads.  The simulated data are left in $TMPDIR/urn_bench_hmm_K*.f64 for
 * bench_hmm_numpy.sh.  Prints ns per time step and per time step x K^2 (best of 3).
 * Last row: Stan's hmm_marginal (value and gradient wrt all three arguments) at
 * K = 3, T = 100, the size model_hmm_marginal.stan of the M5 benchmark calls it
 * with ten times per gradient, in microseconds of thread CPU time per call.
 * Then one EM iteration of each emission family without inputs (exponential,
 * gamma, lognormal, beta, categorical with C = 4, Student-t, gmm with 2 components) at K = 3, T = 10^6,
 * on data simulated from the model, one core. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hmm/hmm_internal.h"
#include "math/rng.h"
#include "urn/hmm.h"

/* Single-core tasks are timed in thread CPU time, so a loaded machine (other
 * builds sharing the cores) does not inflate them; the threaded one in wall time. */
static double now(int wall) {
  struct timespec ts;
  clock_gettime(wall ? CLOCK_MONOTONIC : CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static void setup(urn_hmm_model *m, urn_hmm_params *p, int K) {
  urn_hmm_model_init(m, URN_HMM_GAUSSIAN, K, 1, 0, 0, NULL);
  urn_hmm_params_alloc(m, p);
  for (int i = 0; i < K; i++) {
    p->initial_probs[i] = 1.0 / K;
    for (int j = 0; j < K; j++) p->transition_matrix[i * K + j] = i == j ? 0.8 : 0.2 / (K - 1);
    p->means[i] = 2.0 * i - K;
    p->covs[i] = 0.7;
  }
}

/* Three well-separated states of each family. */
static void family_params(const urn_hmm_model *m, urn_hmm_params *p) {
  static const double rate[3] = {0.5, 2.0, 8.0}, shape[3] = {2.0, 5.0, 9.0}, mu[3] = {-3.0, 0.0, 3.0};
  for (int k = 0; k < 3; k++) {
    p->initial_probs[k] = 1.0 / 3;
    for (int j = 0; j < 3; j++) p->transition_matrix[k * 3 + j] = k == j ? 0.8 : 0.1;
    if (p->rates) p->rates[k] = rate[k];
    if (p->shapes && m->kind == URN_HMM_GAMMA) p->shapes[k] = shape[k];
    if (p->shapes && m->kind == URN_HMM_BETA) p->shapes[2 * k] = shape[k], p->shapes[2 * k + 1] = shape[2 - k];
    if (p->means && m->kind != URN_HMM_GMM) p->means[k] = mu[k], p->scale_diags[k] = 0.5 + 0.2 * k;
    if (p->dofs) p->dofs[k] = 3.0 + 2.0 * k;
    for (int c = 0; p->probs && m->kind == URN_HMM_CATEGORICAL && c < 4; c++) p->probs[k * 4 + c] = c == k ? 0.55 : 0.15;
    for (int c = 0; m->kind == URN_HMM_GMM && c < 2; c++) /* two components per state */
      p->probs[k * 2 + c] = 0.5, p->means[k * 2 + c] = 4.0 * mu[k] + (c ? 1.0 : -1.0), p->scale_diags[k * 2 + c] = 0.5;
  }
}

/* One EM iteration (E-step + M-step, one core) of each family at K = 3. */
static void family_rows(size_t T) {
  static const urn_hmm_kind kinds[7] = {URN_HMM_EXPONENTIAL, URN_HMM_GAMMA, URN_HMM_LOGNORMAL, URN_HMM_BETA,
                                        URN_HMM_CATEGORICAL, URN_HMM_STUDENT, URN_HMM_GMM};
  for (int f = 0; f < 7; f++) {
    urn_hmm_model m;
    urn_hmm_params p, q;
    urn_hmm_model_init(&m, kinds[f], 3, 1, 0, kinds[f] == URN_HMM_GMM ? 2 : 4, NULL);
    urn_hmm_params_alloc(&m, &p);
    urn_hmm_params_alloc(&m, &q);
    family_params(&m, &p);
    int *z = malloc(sizeof(int) * T);
    double *y = malloc(sizeof(double) * T);
    urn_hmm_sample(&m, &p, 1, T, NULL, z, y, NULL);
    urn_hmm_seq one = {T, y, NULL};
    urn_hmm_stats st;
    urn_hmm_stats_alloc(&m, T, &st);
    double best = 1e30;
    for (int rep = 0; rep < 3; rep++) {
      urn_hmm_params_copy(&m, &q, &p);
      double t0 = now(0);
      urn_hmm_e_step(&m, &q, &one, 1, 1, &st, NULL, NULL);
      urn_hmm_m_step(&m, &st, &one, 1, &q, 0, NULL);
      double dt = now(0) - t0;
      if (dt < best) best = dt;
    }
    char label[64];
    snprintf(label, sizeof label, "K=3  EM iteration, %s (1 core)", urn_hmm_kind_name(kinds[f]));
    printf("%-38s %10.1f %12.1f %14.2f\n", label, best * 1e3, best * 1e9 / T, best * 1e9 / T / 9);
    urn_hmm_stats_free(&st);
    urn_hmm_params_free(&p);
    urn_hmm_params_free(&q);
    urn_hmm_model_free(&m);
    free(z);
    free(y);
  }
}

int main(int argc, char **argv) {
  size_t T = argc > 1 ? (size_t)atol(argv[1]) : 1000000;
  double load[3] = {0, 0, 0};
  FILE *lf = fopen("/proc/loadavg", "r");
  if (lf) {
    if (fscanf(lf, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3) load[0] = 0;
    fclose(lf);
  }
  printf("(one-core rows: thread CPU time; threaded row: wall time; load average %.1f)\n", load[0]);
  printf("%-38s %10s %12s %14s\n", "task (T = 1e6, D = 1)", "ms", "ns/step", "ns/step/K^2");
  for (int K = 3; K <= 10; K += 7) {
    urn_hmm_model m;
    urn_hmm_params p;
    setup(&m, &p, K);
    int *z = malloc(sizeof(int) * T);
    double *y = malloc(sizeof(double) * T);
    urn_hmm_sample(&m, &p, 1, T, NULL, z, y, NULL);
    /* leave the data for bench_hmm_numpy.sh, so numpy times the same numbers */
    char path[512];
    const char *tmp = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/urn_bench_hmm_K%d.f64", tmp && *tmp ? tmp : "/tmp", K);
    FILE *df = fopen(path, "wb");
    if (df) {
      fwrite(y, sizeof(double), T, df);
      fclose(df);
    }
    double *LL = malloc(sizeof(double) * T * K), *g = malloc(sizeof(double) * T * K), *c = malloc(sizeof(double) * T);
    double tr[100], ll = 0.0;
    urn_hmm_seq one = {T, y, NULL};
    urn_hmm_seq many[100];
    for (int b = 0; b < 100; b++) many[b] = (urn_hmm_seq){T / 100, y + b * (T / 100), NULL};
    urn_hmm_stats st;
    urn_hmm_stats_alloc(&m, T, &st);
    urn_hmm_params q;
    urn_hmm_params_alloc(&m, &q);
    const char *names[4] = {"forward-backward (1 core)", "EM iteration (1 core)", "EM iteration (100 seqs, 2 threads)",
                            "Viterbi (1 core)"};
    for (int task = 0; task < 4; task++) {
      double best = 1e30, best_cpu = 1e30;
      for (int rep = 0; rep < 3; rep++) {
        urn_hmm_params_copy(&m, &q, &p);
        struct timespec c0, c1;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
        double t0 = now(task == 2);
        if (task == 0) {
          size_t bad;
          urn_hmm_emission_logliks(&m, &p, &one, LL, NULL);
          ll = urn__hmm_forward(K, T, p.initial_probs, p.transition_matrix, LL, g, c, NULL, &bad);
          urn__hmm_backward(K, T, p.transition_matrix, LL, g, c, tr);
        } else if (task == 1 || task == 2) {
          int threads = task == 2 ? 2 : 1;
          const urn_hmm_seq *s = task == 2 ? many : &one;
          size_t ns = task == 2 ? 100 : 1;
          urn_hmm_e_step(&m, &q, s, ns, threads, &st, NULL, NULL);
          urn_hmm_m_step(&m, &st, s, ns, &q, 0, NULL);
        } else {
          urn_hmm_emission_logliks(&m, &p, &one, LL, NULL);
          urn_hmm_viterbi(K, T, p.initial_probs, p.transition_matrix, LL, z, NULL);
        }
        double dt = now(task == 2) - t0;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
        double cpu = (c1.tv_sec - c0.tv_sec) + 1e-9 * (c1.tv_nsec - c0.tv_nsec);
        if (dt < best) best = dt;
        if (cpu < best_cpu) best_cpu = cpu;
      }
      char label[64];
      snprintf(label, sizeof label, "K=%-2d %s", K, names[task]);
      printf("%-38s %10.1f %12.1f %14.2f", label, best * 1e3, best * 1e9 / T, best * 1e9 / T / (K * K));
      if (task == 2) printf("  (CPU of both threads %.1f ms)", best_cpu * 1e3);
      putchar('\n');
    }
    printf("     (K=%d: log p(y) = %.6f)\n", K, ll);
    urn_hmm_stats_free(&st);
    urn_hmm_params_free(&q);
    urn_hmm_params_free(&p);
    urn_hmm_model_free(&m);
    free(z);
    free(y);
    free(LL);
    free(g);
    free(c);
  }
  family_rows(T);
  /* hmm_marginal at K = 3, T = 100 */
  {
    enum { MK = 3, MT = 100 };
    static double lo[MK * MT], Gam[MK * MK], rho[MK], dlo[MK * MT], dG[MK * MK], drho[MK];
    urn_rng r;
    urn_rng_seed(&r, 7, 0);
    for (int i = 0; i < MK * MT; i++) lo[i] = -0.5 * (urn_rng_uniform(&r) * 6.0) - 1.0;
    for (int i = 0; i < MK; i++) {
      rho[i] = 1.0 / MK;
      for (int j = 0; j < MK; j++) Gam[i + j * MK] = i == j ? 0.5 : 0.25;
    }
    double lp = 0.0, best = 1e30;
    for (int rep = 0; rep < 5; rep++) {
      int calls = 20000;
      double t0 = now(0);
      for (int c = 0; c < calls; c++) urn_hmm_marginal(MK, MT, lo, Gam, rho, &lp, dlo, dG, drho, NULL);
      double dt = (now(0) - t0) / calls;
      if (dt < best) best = dt;
    }
    printf("%-38s %10.3f us per call (value + gradient; log p = %.6f)\n", "hmm_marginal K=3 T=100 (1 core)",
           best * 1e6, lp);
  }
  /* input-driven transitions (K = 3, U = 2) and a Markov-switching AR(2) (K = 2: 8 expanded states), one EM
     iteration each on one core: the models of issue #18 beyond the constant matrix */
  {
    size_t Tt = T;
    urn_hmm_model m;
    urn_hmm_params p;
    urn_hmm_model_init(&m, URN_HMM_GAUSSIAN, 3, 1, 0, 0, NULL);
    m.trans_M = 2;
    urn_hmm_params_alloc(&m, &p);
    for (int i = 0; i < 3; i++) {
      p.initial_probs[i] = 1.0 / 3;
      p.means[i] = 2.0 * i - 3;
      p.covs[i] = 0.7;
      for (int j = 0; j < 3; j++) { /* centred over j */
        p.trans_biases[i * 3 + j] = i == j ? 1.2 : -0.6;
        p.trans_weights[(i * 3 + j) * 2] = 0.3 * (j - 1);
      }
    }
    urn__hmm_trans_baseline(&m, &p);
    double *y = malloc(sizeof(double) * Tt), *u = malloc(sizeof(double) * Tt * 2);
    urn_rng r;
    urn_rng_seed(&r, 3, 0);
    for (size_t t = 0; t < Tt; t++) y[t] = 2.0 * (double)(t / 50 % 3) - 3 + urn_rng_normal(&r), u[2 * t] = urn_rng_normal(&r),
                                    u[2 * t + 1] = urn_rng_normal(&r);
    urn_hmm_seq one = {Tt, y, NULL, u};
    urn_hmm_stats st;
    urn_hmm_stats_alloc(&m, Tt, &st);
    double best = 1e30, bestE = 1e30, bestM = 1e30;
    for (int rep = 0; rep < 3; rep++) {
      double t0 = now(0);
      urn_hmm_e_step(&m, &p, &one, 1, 1, &st, NULL, NULL);
      double t1 = now(0);
      urn_hmm_m_step(&m, &st, &one, 1, &p, 0, NULL);
      double dt = now(0) - t0;
      if (dt < best) best = dt;
      if (t1 - t0 < bestE) bestE = t1 - t0;
      if (dt - (t1 - t0) < bestM) bestM = dt - (t1 - t0);
    }
    printf("%-38s %10.1f %12.1f %14.2f  (E-step %.1f ms, M-step %.1f ms)\n", "K=3 EM iteration, transition inputs U=2",
           best * 1e3, best * 1e9 / Tt, best * 1e9 / Tt / 9, bestE * 1e3, bestM * 1e3);
    urn_hmm_stats_free(&st);
    urn_hmm_params_free(&p);
    urn_hmm_model_free(&m);
    /* MS-AR(2), K = 2, T = 1e5 */
    size_t Tm = Tt / 10;
    urn_hmm_msar ms = {2, 2, 1, 1, 1};
    urn_hmm_msar_params mp;
    urn_hmm_msar_params_alloc(&ms, &mp);
    double A[4] = {0.95, 0.05, 0.1, 0.9};
    memcpy(mp.transition_matrix, A, sizeof A);
    mp.means[0] = 0, mp.means[1] = 2, mp.ar[0] = 0.5, mp.ar[1] = -0.1, mp.ar[2] = 0.3, mp.ar[3] = 0.1;
    mp.variances[0] = 1, mp.variances[1] = 0.5;
    best = 1e30;
    for (int rep = 0; rep < 3; rep++) {
      double t0 = now(0), ll;
      int nd, conv;
      urn_hmm_msar_em(&ms, &mp, y, Tm, 1, 0.0, NULL, &nd, &conv, &ll, NULL);
      double dt = now(0) - t0;
      if (dt < best) best = dt;
    }
    printf("%-38s %10.1f %12.1f %14.2f  (T = 1e5)\n", "K=2 MS-AR(2) EM iteration + E-step", best * 1e3,
           best * 1e9 / Tm, best * 1e9 / Tm / 64);
    urn_hmm_msar_params_free(&mp);
    free(y);
    free(u);
  }
  return 0;
}
