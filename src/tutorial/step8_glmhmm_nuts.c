/* tutorial/step8_glmhmm_nuts.c — step 8, beyond the tutorial: the GLM-HMM of
 * step 7 (same data) fully Bayesian, with the tutorial's priors, the states
 * marginalized by Stan's hmm_marginal, sampled by NUTS from the EM estimate;
 * posterior intervals around the EM point estimates. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tutorial/tut_internal.h"

#define K TUT_GLM_K
#define B TUT_GLM_B
#define T TUT_GLM_T

static const char *const program =
    "// The tutorial's GLM-HMM, fully Bayesian: states marginalized by hmm_marginal.\n"
    "// Slopes are ordered to identify the labels (state 1 = the smallest slope).\n"
    "data {\n"
    "  int<lower=1> K;            // states\n"
    "  int<lower=1> B;            // sequences\n"
    "  int<lower=1> T;            // steps per sequence\n"
    "  array[B] vector[T] x;      // inputs (weights of the balls)\n"
    "  array[B] vector[T] y;      // emissions (colours)\n"
    "}\n"
    "parameters {\n"
    "  simplex[K] rho;            // initial state distribution\n"
    "  array[K] simplex[K] A;     // transition matrix rows\n"
    "  ordered[K] w;              // slopes\n"
    "  vector[K] c;               // biases\n"
    "  vector<lower=0>[K] sigma;  // noise standard deviations\n"
    "}\n"
    "model {\n"
    "  matrix[K, K] Gamma;\n"
    "  for (i in 1:K)\n"
    "    for (j in 1:K)\n"
    "      Gamma[i, j] = A[i][j];\n"
    "  rho ~ dirichlet(rep_vector(1, K));\n"
    "  for (k in 1:K)\n"
    "    A[k] ~ dirichlet(rep_vector(1, K));\n"
    "  w ~ normal(0, 1);\n"
    "  c ~ normal(0, 1);\n"
    "  sigma ~ normal(0, 1);\n"
    "  for (b in 1:B) {\n"
    "    matrix[K, T] log_omega;\n"
    "    for (t in 1:T)\n"
    "      for (k in 1:K)\n"
    "        log_omega[k, t] = normal_lpdf(y[b, t] | w[k] * x[b, t] + c[k], sigma[k]);\n"
    "    target += hmm_marginal(log_omega, Gamma, rho);\n"
    "  }\n"
    "}\n"
    "generated quantities {\n"
    "  vector[K] variance = square(sigma);\n"
    "}\n";

int tut_step_glmhmm_nuts(tut_ctx *ctx, urn_error *err) {
  urn_report *r = &ctx->report;
  urn__plot_report_text(r, "The tutorial stops at EM's point estimates because full Bayesian inference on the GLM-HMM is "
                     "'computationally VERY expensive'. With the hidden states summed out by the forward algorithm "
                     "(Stan's hmm_marginal) the posterior is a smooth 15-dimensional density that NUTS samples "
                     "directly. Same data as step 7, the tutorial's priors, chains started at the EM estimate.");
  urn__plot_report_math(r, "p(y | x, theta) = sum over z of p(z_1) prod_t A[z_{t-1}, z_t] Normal(y_t | w_{z_t} x_t + "
                     "c_{z_t}, sigma_{z_t}^2)   (hmm_marginal)\n"
                     "Prior:  rho ~ Dirichlet(1, 1, 1),  A[k, :] ~ Dirichlet(1, 1, 1),  w_k, c_k ~ Normal(0, 1),  "
                     "sigma_k ~ |Normal(0, 1)|");
  urn__plot_report_note(r, "The slopes are declared ordered so that the labels are identified; the tables below are in the "
                     "generator's labels (belt 1: w = 1, belt 2: w = -0.8, belt 3: w = 0.2), and the EM estimates are "
                     "those of step 7 after alignment.");
  urn__plot_report_code(r, "glm-hmm-nuts.stan", program);
  tut_glmhmm *g = urn_xmalloc(sizeof *g);
  int rc = tut_glmhmm_run(ctx, g, err);
  if (rc) {
    free(g);
    return rc;
  }
  /* Sorted-slope order: ord[s] = generator state of ordered slot s. */
  int ord[K] = {0, 1, 2}, eord[K] = {0, 1, 2};
  for (int i = 0; i < K; i++)
    for (int j = i + 1; j < K; j++) {
      if (g->w[ord[j]] < g->w[ord[i]]) {
        int t = ord[i];
        ord[i] = ord[j], ord[j] = t;
      }
      if (g->em_w[eord[j]] < g->em_w[eord[i]]) {
        int t = eord[i];
        eord[i] = eord[j], eord[j] = t;
      }
    }
  urn_buf data;
  tut_json_begin(&data);
  tut_json_int(&data, "K", K);
  tut_json_int(&data, "B", B);
  tut_json_int(&data, "T", T);
  tut_json_mat(&data, "x", g->x, B, T);
  tut_json_mat(&data, "y", g->y, B, T);
  tut_json_end(&data);
  /* Inits: the EM estimate, its states sorted by slope. */
  double rho0[K], A0[K * K], w0[K], c0[K], s0[K];
  for (int s = 0; s < K; s++) {
    int i = eord[s];
    rho0[s] = g->em_pi[i], w0[s] = g->em_w[i], c0[s] = g->em_c[i], s0[s] = sqrt(g->em_var[i]);
    for (int u = 0; u < K; u++) A0[s * K + u] = g->em_A[i * K + eord[u]];
  }
  /* EM can put a probability at (numerically) 0 or 1; keep the init inside the simplex. */
  for (int s = 0; s < K; s++) {
    double sum = 0;
    for (int u = 0; u < K; u++) A0[s * K + u] = fmax(A0[s * K + u], 1e-3), sum += A0[s * K + u];
    for (int u = 0; u < K; u++) A0[s * K + u] /= sum;
    rho0[s] = fmax(rho0[s], 1e-3);
  }
  double rsum = rho0[0] + rho0[1] + rho0[2];
  for (int s = 0; s < K; s++) rho0[s] /= rsum;
  urn_buf inits;
  tut_json_begin(&inits);
  tut_json_vec(&inits, "rho", rho0, K);
  tut_json_mat(&inits, "A", A0, K, K);
  tut_json_vec(&inits, "w", w0, K);
  tut_json_vec(&inits, "c", c0, K);
  tut_json_vec(&inits, "sigma", s0, K);
  tut_json_end(&inits);
  tut_fit fit;
  rc = tut_nuts(ctx, "glm-hmm-nuts", program, data.data, inits.data, &fit, err);
  urn_buf_free(&data);
  urn_buf_free(&inits);
  if (rc) {
    free(g);
    return rc;
  }
  /* Generator state i sits in ordered slot slot_of[i]. */
  int slot_of[K];
  for (int s = 0; s < K; s++) slot_of[ord[s]] = s;
  double m[3][K], lo[3][K], hi[3][K];
  static const char *const pn[3] = {"w", "c", "variance"}, *const pl[3] = {"w", "c", "sigma^2"};
  const double *tv[3] = {g->w, g->c, g->var};
  char col[32], name[64];
  for (int p = 0; p < 3 && rc == URN_OK; p++)
    for (int i = 0; i < K && rc == URN_OK; i++) {
      snprintf(col, sizeof col, "%s.%d", pn[p], slot_of[i] + 1);
      snprintf(name, sizeof name, "%s[%d]", pl[p], i + 1);
      rc = tut_param_fit(ctx, &fit, col, name, tv[p][i], err);
      if (rc == URN_OK) {
        const urn_tutorial_param *q = &ctx->step->params[ctx->step->n_params - 1];
        m[p][i] = q->estimate, lo[p][i] = q->lower, hi[p][i] = q->upper;
      }
    }
  for (int i = 0; i < K && rc == URN_OK; i++)
    for (int j = 0; j < K && rc == URN_OK; j++) {
      snprintf(col, sizeof col, "A.%d.%d", slot_of[i] + 1, slot_of[j] + 1);
      snprintf(name, sizeof name, "A[%d,%d]", i + 1, j + 1);
      rc = tut_param_fit(ctx, &fit, col, name, g->A[i * K + j], err);
    }
  for (int i = 0; i < K && rc == URN_OK; i++) {
    snprintf(col, sizeof col, "rho.%d", slot_of[i] + 1);
    snprintf(name, sizeof name, "pi[%d]", i + 1);
    rc = tut_param_fit(ctx, &fit, col, name, g->pi[i], err);
  }
  urn_svg svg;
  if (rc == URN_OK) {
    /* Generator, EM and NUTS (posterior mean with its 94% HDI) side by side. */
    static const char *const cats[K] = {"State 1", "State 2", "State 3"},
                             *const series[3] = {"Generator", "EM", "NUTS (94% HDI)"};
    double v[3][3 * K], el[3][3 * K], eh[3][3 * K];
    const double *em[3] = {g->em_w, g->em_c, g->em_var};
    for (int p = 0; p < 3; p++)
      for (int k = 0; k < K; k++) {
        v[p][k] = tv[p][k], v[p][K + k] = em[p][k], v[p][2 * K + k] = m[p][k];
        el[p][k] = eh[p][k] = el[p][K + k] = eh[p][K + k] = NAN;
        el[p][2 * K + k] = lo[p][k], eh[p][2 * K + k] = hi[p][k];
      }
    urn_bar_panel bp[3] = {
        {"Weights", "States", "weight", K, cats, 3, series, NULL, v[0], el[0], eh[0], 0, 0, 0},
        {"Biases", "States", "bias", K, cats, 3, series, NULL, v[1], el[1], eh[1], 0, 0, 0},
        {"Variances", "States", "variance", K, cats, 3, series, NULL, v[2], el[2], eh[2], 0, 0, 0},
    };
    rc = urn__plot_bars(&svg, bp, 3, 3, "Posterior intervals around the EM estimates", err);
    if (rc == URN_OK)
      rc = tut_figure(ctx, &svg, "glm-hmm-nuts-params.svg",
                      "Generator, EM point estimate, and NUTS posterior mean with its 94% HDI", err);
  }
  if (rc == URN_OK) {
    static const char *const cols[6] = {"w.1", "w.2", "w.3", "c.1", "c.2", "c.3"};
    char labels[6][32];
    const char *lab[6];
    double truths[6];
    for (int s = 0; s < K; s++) {
      snprintf(labels[s], sizeof labels[s], "w (belt %d)", ord[s] + 1);
      snprintf(labels[K + s], sizeof labels[K + s], "c (belt %d)", ord[s] + 1);
      truths[s] = g->w[ord[s]], truths[K + s] = g->c[ord[s]];
    }
    for (int q = 0; q < 6; q++) lab[q] = labels[q];
    const tut_check check = {"glm-hmm-nuts", 6, cols, lab, truths, 3, "GLM-HMM posterior (NUTS with hmm_marginal)",
                             "Posterior densities; dashed: generating values"};
    tut_vars tv6;
    rc = tut_posterior_figures(ctx, &fit, &check, &tv6, err);
    tut_vars_free(&tv6);
  }
  tut_nuts_summary(ctx, &fit);
  size_t len = strlen(ctx->step->summary);
  snprintf(ctx->step->summary + len, sizeof ctx->step->summary - len, " for %zu x %zu draws", fit.n_chains,
           fit.n_draws);
  tut_fit_free(&fit);
  free(g);
  return rc;
}
