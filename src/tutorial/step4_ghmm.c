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

/* The generator. */
static const double pi_true[K] = {1.0 / 3, 1.0 / 3, 1.0 / 3};
static const double A_true[K * K] = {0.8, 0.1, 0.1, 0.1, 0.8, 0.1, 0.1, 0.1, 0.8};
static const double mu_true[K] = {-3, 0, 4}, var_true[K] = {0.7, 0.7, 0.7};

/* The simulated data and what EM recovered from it. */
typedef struct {
  double y[B * T];     /* emissions, sequence after sequence */
  int z[B * T];        /* true states (0-based) */
  int zhat[B * T];     /* Viterbi states under the fit, in the fit's labels */
  int perm[K];         /* true state i is fitted state perm[i] */
  int agree;           /* time steps whose aligned Viterbi state is the true one */
  double trace[ITERS]; /* EM's log joint per iteration */
  int n_done;          /* EM iterations run */
  double true_lp;      /* log joint of the true parameters */
  double pi_rec[K];    /* recovered initial probabilities, in the true labels */
  double A_rec[K * K]; /* recovered transition matrix, in the true labels */
  double mu_rec[K];    /* recovered emission means, in the true labels */
  double var_rec[K];   /* recovered emission variances, in the true labels */
} ghmm_result;

/* The step's introduction; simulates the sequences into g and writes the data and the Stan program. */
static int ghmm_data(tut_ctx *ctx, ghmm_result *g, urn_error *err) {
  urn_report *r = &ctx->report;
  urn__plot_report_text(r, "Now the bags come in a sequence: the bag we draw from depends on the bag of the previous "
                     "draw (a Markov chain we do not see), and each bag prefers some colours. We observe three "
                     "sequences of 200 balls and recover the hidden process by expectation-maximization, as the "
                     "tutorial does with dynamax's GaussianHMM.");
  urn__plot_report_math(r, "z_1 ~ Categorical(pi),  z_t | z_{t-1} ~ Categorical(A[z_{t-1}, :]),  y_t | z_t ~ Normal(mu_{z_t}, "
                     "Sigma_{z_t})\n"
                     "Generator:  pi = (1/3, 1/3, 1/3),  A = [[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]],  "
                     "mu = (-3, 0, 4),  Sigma = 0.7\n"
                     "EM: k-means initialization, transition stickiness 10, 100 iterations; the objective is the "
                     "log joint log p(y | theta) + log p(theta)");
  urn__plot_report_note(r, "dynamax's emission_covariances are covariances, so the generator's 0.7 is a variance (sd 0.84). "
                     "The tutorial's reference line 'True LP' is computed with the fitted parameters (a slip in its "
                     "code); urn draws the log joint of the true parameters, under the same prior as the fit.");
  urn_rng rng;
  tut_data_rng(ctx, &rng);
  double *y = g->y;
  int *z = g->z;
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
  urn__plot_report_code(r, "The same model in Stan, for reference (gaussian-hmm.stan; its data: gaussian-hmm.data.json)",
                  program);
  return rc;
}

/* Fitted parameters as JSON (in the fit's own labels), and their values in the true labels into g. */
static int ghmm_save_params(tut_ctx *ctx, const urn_hmm_params *p, ghmm_result *g, urn_error *err) {
  urn_buf pj;
  tut_json_begin(&pj);
  tut_json_vec(&pj, "initial_probs", p->initial_probs, K);
  tut_json_mat(&pj, "transition_matrix", p->transition_matrix, K, K);
  tut_json_vec(&pj, "emission_means", p->means, K);
  tut_json_vec(&pj, "emission_covs", p->covs, K);
  double permd[K];
  for (int k = 0; k < K; k++) permd[k] = g->perm[k] + 1;
  tut_json_vec(&pj, "permutation", permd, K);
  tut_json_vec(&pj, "log_prob_trace", g->trace, (size_t)g->n_done);
  tut_json_real(&pj, "true_log_prob", g->true_lp);
  tut_json_end(&pj);
  int rc = tut_write_text(ctx, "gaussian-hmm.params.json", pj.data, err);
  urn_buf_free(&pj);
  /* True vs recovered, in the true labels: recovered state of true state i is perm[i]. */
  const int *perm = g->perm;
  for (int i = 0; i < K; i++) {
    g->pi_rec[i] = p->initial_probs[perm[i]], g->mu_rec[i] = p->means[perm[i]], g->var_rec[i] = p->covs[perm[i]];
    for (int j = 0; j < K; j++) g->A_rec[i * K + j] = p->transition_matrix[perm[i] * K + perm[j]];
  }
  return rc;
}

/* EM from k-means, the true parameters' log joint, the Viterbi states and the permutation between true and
 * fitted labels; writes the fitted parameters. */
static int ghmm_fit(tut_ctx *ctx, ghmm_result *g, urn_error *err) {
  urn_hmm_model m;
  int rc;
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
  for (int b = 0; b < B; b++) seqs[b] = (urn_hmm_seq){T, g->y + b * T, NULL};
  double ll_true;
  g->true_lp = NAN, g->n_done = 0;
  urn_hmm_fit_opts fo = {ITERS, 0, ctx->threads, NULL};
  rc = urn_hmm_init_kmeans(&m, tut_seed(ctx, 1), seqs, B, &p, err);
  if (rc == URN_OK) rc = urn_hmm_fit_em(&m, &p, seqs, B, &fo, g->trace, &g->n_done, err);
  if (rc == URN_OK) rc = urn_hmm_loglik(&m, &truth, seqs, B, ctx->threads, NULL, &ll_true, err);
  if (rc == URN_OK) g->true_lp = ll_true + urn_hmm_log_prior(&m, &truth);
  /* Most likely states of every training sequence under the fit, and the permutation. */
  int kp = K;
  for (int k = 0; k < K; k++) g->perm[k] = k;
  double LL[T * K];
  for (int b = 0; b < B && rc == URN_OK; b++) {
    rc = urn_hmm_emission_logliks(&m, &p, &seqs[b], LL, err);
    if (rc == URN_OK) rc = urn_hmm_viterbi(K, T, p.initial_probs, p.transition_matrix, LL, g->zhat + b * T, err);
  }
  if (rc == URN_OK) rc = urn_hmm_find_permutation(g->z, g->zhat, B * T, g->perm, &kp, err);
  if (rc == URN_OK) {
    g->agree = 0;
    for (int i = 0; i < B * T; i++) g->agree += g->perm[g->z[i]] == g->zhat[i];
    rc = ghmm_save_params(ctx, &p, g, err);
  }
  urn_hmm_params_free(&truth);
  urn_hmm_params_free(&p);
  urn_hmm_model_free(&m);
  return rc;
}

/* The table of true vs recovered parameters, the text and the step's summary line. */
static void ghmm_report(tut_ctx *ctx, const ghmm_result *g) {
  char name[64];
  for (int i = 0; i < K; i++) {
    snprintf(name, sizeof name, "pi[%d]", i + 1);
    tut_param(ctx, name, pi_true[i], g->pi_rec[i], NAN, NAN, 0.67);
  }
  for (int i = 0; i < K; i++)
    for (int j = 0; j < K; j++) {
      snprintf(name, sizeof name, "A[%d,%d]", i + 1, j + 1);
      tut_param(ctx, name, A_true[i * K + j], g->A_rec[i * K + j], NAN, NAN, 0.1);
    }
  for (int i = 0; i < K; i++) {
    snprintf(name, sizeof name, "mu[%d]", i + 1);
    tut_param(ctx, name, mu_true[i], g->mu_rec[i], NAN, NAN, 0.3);
  }
  for (int i = 0; i < K; i++) {
    snprintf(name, sizeof name, "Sigma[%d]", i + 1);
    tut_param(ctx, name, var_true[i], g->var_rec[i], NAN, NAN, 0.3);
  }
  const int *perm = g->perm;
  double last = g->trace[g->n_done - 1], pct = 100.0 * g->agree / (B * T);
  char txt[512];
  snprintf(txt, sizeof txt,
           "EM ran %d iterations; final log joint %.2f, the true parameters' %.2f. Permutation (true state -> "
           "fitted state): 1->%d, 2->%d, 3->%d. After alignment the Viterbi states agree with the true states at "
           "%d of %d time steps (%.1f%%).",
           g->n_done, last, g->true_lp, perm[0] + 1, perm[1] + 1, perm[2] + 1, g->agree, B * T, pct);
  urn__plot_report_text(&ctx->report, txt);
  snprintf(ctx->step->summary, sizeof ctx->step->summary,
           "EM log joint %.2f vs true %.2f; permutation 1->%d 2->%d 3->%d; %.1f%% states right", last, g->true_lp,
           perm[0] + 1, perm[1] + 1, perm[2] + 1, pct);
}

/* The figures of the EM trace, the states of sequence 1 and the transition matrices. */
static int ghmm_fit_figures(tut_ctx *ctx, const ghmm_result *g, urn_error *err) {
  urn_svg svg;
  char ref_label[64];
  snprintf(ref_label, sizeof ref_label, "true parameters = %.2f", g->true_lp);
  int rc = urn__plot_em_trace(&svg, g->trace, (size_t)g->n_done, 1, g->true_lp, ref_label, "Training log probability",
                             err);
  if (rc == URN_OK)
    rc = tut_figure(ctx, &svg, "gaussian-hmm-em.svg",
                    "EM's log joint per iteration; dotted: the true parameters' (EM fits the 600 points better than "
                    "the generator, as the tutorial's quiz explains)", err);
  /* In the true labels, as the tables and the other figures: fitted state perm[i] is true state i. */
  int inv[K], zrel[T];
  for (int i = 0; i < K; i++) inv[g->perm[i]] = i;
  for (int t = 0; t < T; t++) zrel[t] = inv[g->zhat[t]];
  const int *st[2] = {g->z, zrel};
  static const char *const sn[2] = {"true states", "inferred states (Viterbi, relabelled to the true labels)"};
  urn_states_plot sp = {g->y, T, NULL, st, sn, 2, K, "Training sequence 1: did the HMM get it right?", 0};
  if (rc == URN_OK) rc = urn__plot_hmm_states(&svg, &sp, err);
  if (rc == URN_OK)
    rc = tut_figure(ctx, &svg, "gaussian-hmm-states.svg", "Emissions over time with the state sequences as bands", err);
  const double *mats[2] = {A_true, g->A_rec};
  static const char *const mt[2] = {"True transition matrix", "Recovered transition matrix"};
  if (rc == URN_OK) rc = urn__plot_heatmaps(&svg, mats, mt, 2, K, err);
  if (rc == URN_OK)
    rc = tut_figure(ctx, &svg, "gaussian-hmm-transitions.svg", "Transition matrices (recovered, in the true labels)", err);
  return rc;
}

/* The figures of true vs recovered initial probabilities and emissions. */
static int ghmm_param_figures(tut_ctx *ctx, const ghmm_result *g, urn_error *err) {
  urn_svg svg;
  static const char *const cats[K] = {"State 1", "State 2", "State 3"}, *const series[2] = {"Original", "Recovered"};
  double v1[6], v2[6], v3[6];
  for (int k = 0; k < K; k++) {
    v1[k] = pi_true[k], v1[K + k] = g->pi_rec[k];
    v2[k] = mu_true[k], v2[K + k] = g->mu_rec[k];
    v3[k] = var_true[k], v3[K + k] = g->var_rec[k];
  }
  urn_bar_panel bp[3] = {
      {"Initial probabilities", "state", "probability", K, cats, 2, series, NULL, v1, NULL, NULL, 1, 0, 1},
      {"Emission means", "state", "mean", K, cats, 2, series, NULL, v2, NULL, NULL, 0, 0, 0},
      {"Emission variances", "state", "variance", K, cats, 2, series, NULL, v3, NULL, NULL, 0, 0, 0},
  };
  int rc = urn__plot_bars(&svg, bp, 3, 3, "Original vs recovered parameters", err);
  if (rc == URN_OK)
    rc = tut_figure(ctx, &svg, "gaussian-hmm-params.svg",
                    "Initial probabilities come from only 3 sequences, hence far from uniform; emissions are close",
                    err);
  enum { NG = 300 };
  double gx[NG], dens[2 * K][NG];
  for (int gi = 0; gi < NG; gi++) {
    gx[gi] = -6 + 13.0 * gi / (NG - 1);
    for (int k = 0; k < K; k++) {
      double s0 = sqrt(var_true[k]), s1 = sqrt(g->var_rec[k]);
      dens[k][gi] = exp(-0.5 * pow((gx[gi] - mu_true[k]) / s0, 2)) / (s0 * sqrt(2 * M_PI));
      dens[K + k][gi] = exp(-0.5 * pow((gx[gi] - g->mu_rec[k]) / s1, 2)) / (s1 * sqrt(2 * M_PI));
    }
  }
  const double *ys[2 * K] = {dens[0], dens[1], dens[2], dens[3], dens[4], dens[5]};
  static const char *const ll[2 * K] = {"original state 1", "original state 2", "original state 3",
                                        "recovered state 1", "recovered state 2", "recovered state 3"};
  const char *cols[2 * K] = {urn__plot_svg_color(0), urn__plot_svg_color(1), urn__plot_svg_color(2),
                             urn__plot_svg_color(0), urn__plot_svg_color(1), urn__plot_svg_color(2)};
  int dashed[2 * K] = {0, 0, 0, 1, 1, 1};
  urn_lines_plot lp = {gx, NG, ys, 2 * K, ll, cols, dashed, "Emission distributions", "emission", "density"};
  if (rc == URN_OK) rc = urn__plot_lines(&svg, &lp, err);
  if (rc == URN_OK)
    rc = tut_figure(ctx, &svg, "gaussian-hmm-emissions.svg", "Original (solid) and recovered (dashed) emission densities",
                    err);
  return rc;
}

int tut_step_ghmm(tut_ctx *ctx, urn_error *err) {
  ghmm_result *g = urn_xcalloc(1, sizeof *g);
  int rc = ghmm_data(ctx, g, err);
  if (rc == URN_OK) rc = ghmm_fit(ctx, g, err);
  if (rc == URN_OK) {
    ghmm_report(ctx, g);
    rc = ghmm_fit_figures(ctx, g, err);
    if (rc == URN_OK) rc = ghmm_param_figures(ctx, g, err);
  }
  free(g);
  return rc;
}
