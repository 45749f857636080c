/* tutorial/step2_normal.c — step 2: 1000 draws from N(1, 1), the tutorial's
 * first Stan program (normal with unknown mean and scale) fitted by NUTS:
 * posterior, trace and posterior predictive plots. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "tutorial/tut_internal.h"

static const char *const program =
    "// The tutorial's first Stan program: a normal with unknown mean and scale.\n"
    "data {\n"
    "  int<lower=0> N; // Number of data points\n"
    "  array[N] real y; // Data\n"
    "}\n"
    "parameters {\n"
    "  real mu; // Mean\n"
    "  real<lower=0> sigma; // Standard deviation\n"
    "}\n"
    "model {\n"
    "  // Priors\n"
    "  mu ~ normal(0, 1);\n"
    "  sigma ~ normal(0, 1);\n"
    "  // Likelihood\n"
    "  y ~ normal(mu, sigma);\n"
    "}\n";

#define N 1000
#define NGRID 200
#define NCURVES 100

int tut_step_normal(tut_ctx *ctx, urn_error *err) {
  const double mu_true = 1, sigma_true = 1;
  urn_report *r = &ctx->report;
  urn_report_text(r, "The generative process has changed: each ball now has a colour on a continuous scale, drawn "
                     "from a normal distribution. We observe 1000 balls and infer the mean and the standard "
                     "deviation of the process.");
  urn_report_math(r, "Prior:       mu ~ Normal(0, 1),   sigma ~ |Normal(0, 1)|\n"
                     "Likelihood:  y_n ~ Normal(mu, sigma^2),  n = 1..1000\n"
                     "Generator:   mu = 1, sigma = 1");
  urn_report_code(r, "normal.stan", program);
  urn_rng rng;
  tut_data_rng(ctx, &rng);
  double *y = urn_xmalloc(N * sizeof *y);
  for (int i = 0; i < N; i++) y[i] = mu_true + sigma_true * urn_rng_normal(&rng);
  urn_buf data;
  tut_json_begin(&data);
  tut_json_int(&data, "N", N);
  tut_json_vec(&data, "y", y, N);
  tut_json_end(&data);
  int chains, warmup, samples;
  tut_nuts_sizes(ctx, &chains, &warmup, &samples);
  tut_fit fit;
  int rc = tut_nuts(ctx, "normal", program, data.data, NULL, chains, warmup, samples, &fit, err);
  urn_buf_free(&data);
  if (rc) {
    free(y);
    return rc;
  }
  double rhat = tut_report_fit(ctx, &fit);
  rc = tut_param_fit(ctx, &fit, "mu", NULL, mu_true, err);
  if (rc == URN_OK) rc = tut_param_fit(ctx, &fit, "sigma", NULL, sigma_true, err);
  static const char *const cols[2] = {"mu", "sigma"};
  const double truths[2] = {mu_true, sigma_true};
  tut_vars v;
  urn_svg svg;
  if (rc == URN_OK) rc = tut_vars_make(&fit, cols, NULL, truths, 2, &v, err);
  if (rc == URN_OK) {
    rc = urn_plot_posterior(&svg, v.v, 2, 2, "Posterior distribution of the parameters", err);
    if (rc == URN_OK)
      rc = tut_figure(ctx, &svg, "normal-posterior.svg",
                      "Posterior densities with the 94% HDI; the dashed line is the generating value", err);
    if (rc == URN_OK) rc = urn_plot_trace(&svg, v.v, 2, "Trace plot", err);
    if (rc == URN_OK) rc = tut_figure(ctx, &svg, "normal-trace.svg", "Per-chain densities and traces", err);
    /* Posterior predictive: the normal density of NCURVES draws and at the posterior means. */
    double grid[NGRID], *curves = urn_xmalloc(NCURVES * NGRID * sizeof *curves), mean_curve[NGRID];
    size_t total = fit.n_chains * fit.n_draws;
    double mu_mean = 0, sigma_mean = 0;
    for (size_t i = 0; i < total; i++) mu_mean += v.cols[0][i] / total, sigma_mean += v.cols[1][i] / total;
    for (int g = 0; g < NGRID; g++) {
      grid[g] = -4 + 8.0 * g / (NGRID - 1);
      double z = (grid[g] - mu_mean) / sigma_mean;
      mean_curve[g] = exp(-0.5 * z * z) / (sigma_mean * sqrt(2 * M_PI));
    }
    for (int c = 0; c < NCURVES; c++) {
      size_t i = (size_t)c * total / NCURVES;
      double m = v.cols[0][i], s = v.cols[1][i];
      for (int g = 0; g < NGRID; g++) {
        double z = (grid[g] - m) / s;
        curves[c * NGRID + g] = exp(-0.5 * z * z) / (s * sqrt(2 * M_PI));
      }
    }
    urn_predictive_plot pp = {y, N, 26, -4, 4, grid, NGRID, curves, NCURVES, mean_curve,
                              "Posterior predictive distribution and uncertainty", "y",
                              "normal at the posterior means"};
    if (rc == URN_OK) rc = urn_plot_predictive(&svg, &pp, err);
    if (rc == URN_OK)
      rc = tut_figure(ctx, &svg, "normal-predictive.svg",
                      "The data with the predictive densities of 100 posterior draws and of the posterior means", err);
    free(curves);
    tut_vars_free(&v);
  }
  snprintf(ctx->step->summary, sizeof ctx->step->summary, "max R-hat %.3f, %d divergences, NUTS %.2f s", rhat,
           fit.divergent, fit.wall);
  tut_fit_free(&fit);
  free(y);
  return rc;
}
