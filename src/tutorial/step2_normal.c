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
#define NSEED 300      /* draws in the tutorial's own predictive picture */
#define NGRID_SEED 101 /* its points per curve on [-4, 4] */

/* The data density at y given (mu, sigma). */
static double normal_density(const double *theta, double y) {
  double z = (y - theta[0]) / theta[1];
  return exp(-0.5 * z * z) / (theta[1] * sqrt(2 * M_PI));
}

int tut_step_normal(tut_ctx *ctx, urn_error *err) {
  const double mu_true = 1, sigma_true = 1;
  urn_report *r = &ctx->report;
  urn__plot_report_text(r, "The generative process has changed: each ball now has a colour on a continuous scale, drawn "
                     "from a normal distribution. We observe 1000 balls and infer the mean and the standard "
                     "deviation of the process.");
  urn__plot_report_math(r, "Prior:       mu ~ Normal(0, 1),   sigma ~ |Normal(0, 1)|\n"
                     "Likelihood:  y_n ~ Normal(mu, sigma^2),  n = 1..1000\n"
                     "Generator:   mu = 1, sigma = 1");
  urn__plot_report_code(r, "normal.stan", program);
  urn_rng rng;
  tut_data_rng(ctx, &rng);
  double *y = urn_xmalloc(N * sizeof *y);
  for (int i = 0; i < N; i++) y[i] = mu_true + sigma_true * urn_rng_normal(&rng);
  urn_buf data;
  tut_json_begin(&data);
  tut_json_int(&data, "N", N);
  tut_json_vec(&data, "y", y, N);
  tut_json_end(&data);
  static const char *const cols[2] = {"mu", "sigma"};
  const double truths[2] = {mu_true, sigma_true};
  const tut_check check = {"normal", 2, cols, NULL, truths, 2, "Posterior distribution of the parameters",
                           "Posterior densities with the 94% HDI; the dashed line is the generating value"};
  tut_fit fit;
  tut_vars v;
  int rc = tut_nuts_check(ctx, &check, program, data.data, &fit, &v, err);
  urn_buf_free(&data);
  /* Posterior predictive: the normal density of NCURVES draws and at the posterior means. */
  urn_predictive_plot pp = {.y = y, .n = N, .nbins = 26, .x_lo = -4, .x_hi = 4,
                            .title = "Posterior predictive distribution and uncertainty", .xlabel = "y",
                            .mean_label = "normal at the posterior means"};
  if (rc == URN_OK)
    rc = tut_predictive_figure(ctx, &v, normal_density, &pp, NGRID, NCURVES, "normal-predictive.svg",
                               "The data with the predictive densities of 100 posterior draws and of the posterior "
                               "means", err);
  /* The tutorial's own picture: hundreds of translucent densities.  It draws every one of the 4000 draws at
     opacity 0.003; 300 evenly spaced draws at 1 - 0.997^(draws / 300) pile up to the same shade. */
  size_t total = v.n ? v.v[0].n_chains * v.v[0].n_draws : 0, ncur = total < NSEED ? total : NSEED;
  char label[64], caption[300];
  snprintf(label, sizeof label, "N(y | mu, sigma) of %zu posterior draws", ncur);
  snprintf(caption, sizeof caption,
           "The tutorial's posterior predictive figure: the data (26 bins) under the normal densities of %zu evenly "
           "spaced posterior draws, translucent (together as opaque as all %zu draws at the tutorial's opacity "
           "0.003), and the density at the posterior means dashed", ncur, total);
  urn_predictive_plot tp = {.y = y, .n = N, .nbins = 26, .x_lo = -4, .x_hi = 4,
                            .title = "Posterior Predictive Distribution and Uncertainty", .xlabel = "y",
                            .mean_label = "Mean Post. Predictive: N(y | mean mu, mean sigma)",
                            .curve_opacity = ncur ? 1 - pow(0.997, (double)total / ncur) : 0, .tutorial_colors = 1,
                            .data_label = "Data", .curves_label = label};
  if (rc == URN_OK && ncur > 0)
    rc = tut_predictive_figure(ctx, &v, normal_density, &tp, NGRID_SEED, ncur, "normal-predictive-draws.svg", caption,
                               err);
  tut_vars_free(&v);
  tut_fit_free(&fit);
  free(y);
  return rc;
}
