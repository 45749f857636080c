/* tutorial/step4_ghmm.c — step 4: a 3-state Gaussian HMM (means -3, 0, 4,
 * variance 0.7, sticky transitions 0.8), 3 training sequences of 200 steps,
 * fitted by EM as the tutorial does with dynamax: k-means initialization,
 * transition stickiness 10, 100 iterations.  The log-probability trace
 * against the true parameters', the permutation between true and inferred
 * states, and the recovered initial probabilities, transitions and emissions. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tutorial/tut_internal.h"
#include "urn/hmm.h"

#define K 3
#define B 3
#define T 200
#define ITERS 100

/* The same model in Stan, for reference (this step fits it by EM). */
static const char *const program =
    "// Step 4's Gaussian HMM in Stan, for reference: the step fits it by EM, as the tutorial\n"
    "// does with dynamax (MAP under dynamax's Dirichlet priors; its weak normal-inverse-Wishart\n"
    "// prior on the emissions is left out here).  The states are summed out by hmm_marginal.\n"
    "data {\n"
    "  int<lower=1> K;                  // states\n"
    "  int<lower=1> B;                  // sequences\n"
    "  int<lower=1> T;                  // steps per sequence\n"
    "  array[B] vector[T] emissions;\n"
    "}\n"
    "parameters {\n"
    "  simplex[K] pi;                   // initial distribution\n"
    "  array[K] simplex[K] A;           // transition matrix rows\n"
    "  ordered[K] mu;                   // emission means (ordered: labels identified)\n"
    "  vector<lower=0>[K] sigma2;       // emission variances (dynamax's covariances)\n"
    "}\n"
    "model {\n"
    "  matrix[K, K] Gamma;\n"
    "  for (i in 1:K)\n"
    "    for (j in 1:K)\n"
    "      Gamma[i, j] = A[i][j];\n"
    "  pi ~ dirichlet(rep_vector(1.1, K));\n"
    "  for (k in 1:K) {\n"
    "    vector[K] alpha = rep_vector(1.1, K);\n"
    "    alpha[k] = alpha[k] + 10;       // transition_matrix_stickiness = 10\n"
    "    A[k] ~ dirichlet(alpha);\n"
    "  }\n"
    "  for (b in 1:B) {\n"
    "    matrix[K, T] log_omega;\n"
    "    for (k in 1:K)\n"
    "      for (t in 1:T)\n"
    "        log_omega[k, t] = normal_lpdf(emissions[b][t] | mu[k], sqrt(sigma2[k]));\n"
    "    target += hmm_marginal(log_omega, Gamma, pi);\n"
    "  }\n"
    "}\n";

int tut_step_ghmm(tut_ctx *ctx, urn_error *err) {
  const double pi_true[K] = {1.0 / 3, 1.0 / 3, 1.0 / 3};
  const double A_true[K * K] = {0.8, 0.1, 0.1, 0.1, 0.8, 0.1, 0.1, 0.1, 0.8};
  const double mu_true[K] = {-3, 0, 4}, var_true[K] = {0.7, 0.7, 0.7};
  urn_report *r = &ctx->report;
  urn_report_text(r, "Now the bags come in a sequence: the bag we draw from depends on the bag of the previous "
                     "draw (a Markov chain we do not see), and each bag prefers some colours. We observe three "
                     "sequences of 200 balls and recover the hidden process by expectation-maximization, as the "
                     "tutorial does with dynamax's GaussianHMM.");
  urn_report_math(r, "z_1 ~ Categorical(pi),  z_t | z_{t-1} ~ Categorical(A[z_{t-1}, :]),  y_t | z_t ~ Normal(mu_{z_t}, "
                     "Sigma_{z_t})\n"
                     "Generator:  pi = (1/3, 1/3, 1/3),  A = [[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]],  "
                     "mu = (-3, 0, 4),  Sigma = 0.7\n"
                     "EM: k-means initialization, transition stickiness 10, 100 iterations; the objective is the "
                     "log joint log p(y | theta) + log p(theta)");
  urn_report_note(r, "dynamax's emission_covariances are covariances, so the generator's 0.7 is a variance (sd 0.84). "
                     "The tutorial's reference line 'True LP' is computed with the fitted parameters (a slip in its "
                     "code); urn draws the log joint of the true parameters, under the same prior as the fit.");
  urn_rng rng;
  tut_data_rng(ctx, &rng);
  double y[B * T];
  int z[B * T];
  for (int b = 0; b < B; b++)
    for (int t = 0; t < T; t++) {
      int prev = t ? z[b * T + t - 1] : -1;
      int k = t ? tut_rng_categorical(&rng, A_true + prev * K, K) : tut_rng_categorical(&rng, pi_true, K);
      z[b * T + t] = k;
      y[b * T + t] = mu_true[k] + sqrt(var_true[k]) * urn_rng_normal(&rng);
    }
  /* Data files: one JSON with the three sequences and their hidden states. */
  urn_buf data;
  tut_json_begin(&data);
  tut_json_int(&data, "K", K);
  tut_json_int(&data, "B", B);
  tut_json_int(&data, "T", T);
  tut_json_mat(&data, "emissions", y, B, T);
  double zd[B * T];
  for (int i = 0; i < B * T; i++) zd[i] = z[i] + 1;
  tut_json_mat(&data, "true_states", zd, B, T);
  tut_json_end(&data);
  int rc = tut_write_text(ctx, "gaussian-hmm.data.json", data.data, err);
  tut_report_data(ctx, "gaussian-hmm.data.json", data.data);
  urn_buf_free(&data);
  if (rc == URN_OK) rc = tut_write_text(ctx, "gaussian-hmm.stan", program, err);
  urn_report_code(r, "The same model in Stan, for reference (gaussian-hmm.stan; its data: gaussian-hmm.data.json)",
                  program);
  if (rc) return rc;

  urn_hmm_model m;
  if ((rc = urn_hmm_model_init(&m, URN_HMM_GAUSSIAN, K, 1, 0, 0, err))) return rc;
  m.stickiness = 10;
  urn_hmm_params truth, p;
  urn_hmm_params_alloc(&m, &truth);
  urn_hmm_params_alloc(&m, &p);
  memcpy(truth.initial_probs, pi_true, sizeof pi_true);
  memcpy(truth.transition_matrix, A_true, sizeof A_true);
  memcpy(truth.means, mu_true, sizeof mu_true);
  memcpy(truth.covs, var_true, sizeof var_true);
  urn_hmm_seq seqs[B];
  for (int b = 0; b < B; b++) seqs[b] = (urn_hmm_seq){T, y + b * T, NULL};
  double trace[ITERS], true_lp = NAN, ll_true;
  int n_done = 0;
  urn_hmm_fit_opts fo = {ITERS, 0, ctx->threads, NULL};
  rc = urn_hmm_init_kmeans(&m, tut_seed(ctx, 1), seqs, B, &p, err);
  if (rc == URN_OK) rc = urn_hmm_fit_em(&m, &p, seqs, B, &fo, trace, &n_done, err);
  if (rc == URN_OK) rc = urn_hmm_loglik(&m, &truth, seqs, B, ctx->threads, NULL, &ll_true, err);
  if (rc == URN_OK) true_lp = ll_true + urn_hmm_log_prior(&m, &truth);
  /* Most likely states of every training sequence under the fit, and the permutation. */
  int zhat[B * T], perm[K] = {0, 1, 2}, kp = K;
  double LL[T * K];
  for (int b = 0; b < B && rc == URN_OK; b++) {
    rc = urn_hmm_emission_logliks(&m, &p, &seqs[b], LL, err);
    if (rc == URN_OK) rc = urn_hmm_viterbi(K, T, p.initial_probs, p.transition_matrix, LL, zhat + b * T, err);
  }
  if (rc == URN_OK) rc = urn_hmm_find_permutation(z, zhat, B * T, perm, &kp, err);
  if (rc) goto out;
  int agree = 0;
  for (int i = 0; i < B * T; i++) agree += perm[z[i]] == zhat[i];
  /* Fitted parameters as JSON (in the fit's own labels). */
  urn_buf pj;
  tut_json_begin(&pj);
  tut_json_vec(&pj, "initial_probs", p.initial_probs, K);
  tut_json_mat(&pj, "transition_matrix", p.transition_matrix, K, K);
  tut_json_vec(&pj, "emission_means", p.means, K);
  tut_json_vec(&pj, "emission_covs", p.covs, K);
  double permd[K];
  for (int k = 0; k < K; k++) permd[k] = perm[k] + 1;
  tut_json_vec(&pj, "permutation", permd, K);
  tut_json_vec(&pj, "log_prob_trace", trace, (size_t)n_done);
  tut_json_real(&pj, "true_log_prob", true_lp);
  tut_json_end(&pj);
  rc = tut_write_text(ctx, "gaussian-hmm.params.json", pj.data, err);
  urn_buf_free(&pj);
  if (rc) goto out;
  /* True vs recovered, in the true labels: recovered state of true state i is perm[i]. */
  double pi_rec[K], A_rec[K * K], mu_rec[K], var_rec[K];
  for (int i = 0; i < K; i++) {
    pi_rec[i] = p.initial_probs[perm[i]], mu_rec[i] = p.means[perm[i]], var_rec[i] = p.covs[perm[i]];
    for (int j = 0; j < K; j++) A_rec[i * K + j] = p.transition_matrix[perm[i] * K + perm[j]];
  }
  char name[64];
  for (int i = 0; i < K; i++) {
    snprintf(name, sizeof name, "pi[%d]", i + 1);
    tut_param(ctx, name, pi_true[i], pi_rec[i], NAN, NAN, 0.67);
  }
  for (int i = 0; i < K; i++)
    for (int j = 0; j < K; j++) {
      snprintf(name, sizeof name, "A[%d,%d]", i + 1, j + 1);
      tut_param(ctx, name, A_true[i * K + j], A_rec[i * K + j], NAN, NAN, 0.1);
    }
  for (int i = 0; i < K; i++) {
    snprintf(name, sizeof name, "mu[%d]", i + 1);
    tut_param(ctx, name, mu_true[i], mu_rec[i], NAN, NAN, 0.3);
  }
  for (int i = 0; i < K; i++) {
    snprintf(name, sizeof name, "Sigma[%d]", i + 1);
    tut_param(ctx, name, var_true[i], var_rec[i], NAN, NAN, 0.3);
  }
  char txt[512];
  snprintf(txt, sizeof txt,
           "EM ran %d iterations; final log joint %.2f, the true parameters' %.2f. Permutation (true state -> "
           "fitted state): 1->%d, 2->%d, 3->%d. After alignment the Viterbi states agree with the true states at "
           "%d of %d time steps (%.1f%%).",
           n_done, trace[n_done - 1], true_lp, perm[0] + 1, perm[1] + 1, perm[2] + 1, agree, B * T,
           100.0 * agree / (B * T));
  urn_report_text(r, txt);
  snprintf(ctx->step->summary, sizeof ctx->step->summary,
           "EM log joint %.2f vs true %.2f; permutation 1->%d 2->%d 3->%d; %.1f%% states right", trace[n_done - 1],
           true_lp, perm[0] + 1, perm[1] + 1, perm[2] + 1, 100.0 * agree / (B * T));
  /* Figures. */
  urn_svg svg;
  char ref_label[64];
  snprintf(ref_label, sizeof ref_label, "true parameters = %.2f", true_lp);
  rc = urn_plot_em_trace(&svg, trace, (size_t)n_done, 1, true_lp, ref_label, "Training log probability", err);
  if (rc == URN_OK)
    rc = tut_figure(ctx, &svg, "gaussian-hmm-em.svg",
                    "EM's log joint per iteration; dotted: the true parameters' (EM fits the 600 points better than "
                    "the generator, as the tutorial's quiz explains)", err);
  /* In the true labels, as the tables and the other figures: fitted state perm[i] is true state i. */
  int inv[K], zrel[T];
  for (int i = 0; i < K; i++) inv[perm[i]] = i;
  for (int t = 0; t < T; t++) zrel[t] = inv[zhat[t]];
  const int *st[2] = {z, zrel};
  static const char *const sn[2] = {"true states", "inferred states (Viterbi, relabelled to the true labels)"};
  urn_states_plot sp = {y, T, NULL, st, sn, 2, K, "Training sequence 1: did the HMM get it right?", 0};
  if (rc == URN_OK) rc = urn_plot_hmm_states(&svg, &sp, err);
  if (rc == URN_OK)
    rc = tut_figure(ctx, &svg, "gaussian-hmm-states.svg", "Emissions over time with the state sequences as bands", err);
  const double *mats[2] = {A_true, A_rec};
  static const char *const mt[2] = {"True transition matrix", "Recovered transition matrix"};
  if (rc == URN_OK) rc = urn_plot_heatmaps(&svg, mats, mt, 2, K, err);
  if (rc == URN_OK)
    rc = tut_figure(ctx, &svg, "gaussian-hmm-transitions.svg", "Transition matrices (recovered, in the true labels)", err);
  static const char *const cats[K] = {"State 1", "State 2", "State 3"}, *const series[2] = {"Original", "Recovered"};
  double v1[6], v2[6], v3[6];
  for (int k = 0; k < K; k++) {
    v1[k] = pi_true[k], v1[K + k] = pi_rec[k];
    v2[k] = mu_true[k], v2[K + k] = mu_rec[k];
    v3[k] = var_true[k], v3[K + k] = var_rec[k];
  }
  urn_bar_panel bp[3] = {
      {"Initial probabilities", "state", "probability", K, cats, 2, series, NULL, v1, NULL, NULL, 1, 0, 1},
      {"Emission means", "state", "mean", K, cats, 2, series, NULL, v2, NULL, NULL, 0, 0, 0},
      {"Emission variances", "state", "variance", K, cats, 2, series, NULL, v3, NULL, NULL, 0, 0, 0},
  };
  if (rc == URN_OK) rc = urn_plot_bars(&svg, bp, 3, 3, "Original vs recovered parameters", err);
  if (rc == URN_OK)
    rc = tut_figure(ctx, &svg, "gaussian-hmm-params.svg",
                    "Initial probabilities come from only 3 sequences, hence far from uniform; emissions are close",
                    err);
  enum { NG = 300 };
  double gx[NG], dens[2 * K][NG];
  for (int g = 0; g < NG; g++) {
    gx[g] = -6 + 13.0 * g / (NG - 1);
    for (int k = 0; k < K; k++) {
      double s0 = sqrt(var_true[k]), s1 = sqrt(var_rec[k]);
      dens[k][g] = exp(-0.5 * pow((gx[g] - mu_true[k]) / s0, 2)) / (s0 * sqrt(2 * M_PI));
      dens[K + k][g] = exp(-0.5 * pow((gx[g] - mu_rec[k]) / s1, 2)) / (s1 * sqrt(2 * M_PI));
    }
  }
  const double *ys[2 * K] = {dens[0], dens[1], dens[2], dens[3], dens[4], dens[5]};
  static const char *const ll[2 * K] = {"original state 1", "original state 2", "original state 3",
                                        "recovered state 1", "recovered state 2", "recovered state 3"};
  const char *cols[2 * K] = {urn_svg_color(0), urn_svg_color(1), urn_svg_color(2),
                             urn_svg_color(0), urn_svg_color(1), urn_svg_color(2)};
  int dashed[2 * K] = {0, 0, 0, 1, 1, 1};
  urn_lines_plot lp = {gx, NG, ys, 2 * K, ll, cols, dashed, "Emission distributions", "emission", "density"};
  if (rc == URN_OK) rc = urn_plot_lines(&svg, &lp, err);
  if (rc == URN_OK)
    rc = tut_figure(ctx, &svg, "gaussian-hmm-emissions.svg", "Original (solid) and recovered (dashed) emission densities",
                    err);
out:
  urn_hmm_params_free(&truth);
  urn_hmm_params_free(&p);
  urn_hmm_model_free(&m);
  return rc;
}
