/* tutorial/step3_mixture.c — step 3: 2000 draws from the mixture
 * 0.7 N(0, 1) + 0.3 N(4, 1) (the tutorial's slider defaults), the tutorial's
 * PyMC mixture model written in Stan (Dirichlet weights, unit-scale
 * components), fitted by NUTS; the means are declared ordered so the labels
 * are identified (step 6 shows what happens without that). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "plot/explorer.h"
#include "plot/teach.h"
#include "tutorial/tut_internal.h"

static const char *const program =
    "// The tutorial's mixture of two normals (its PyMC model, in Stan).\n"
    "// The means are ordered so that component 1 is always the lower one.\n"
    "data {\n"
    "  int<lower=0> N;\n"
    "  array[N] real y;\n"
    "}\n"
    "parameters {\n"
    "  simplex[2] w;   // mixture weights\n"
    "  ordered[2] mu;  // component means\n"
    "}\n"
    "model {\n"
    "  w ~ dirichlet(rep_vector(1, 2));\n"
    "  mu ~ normal(0, 1);\n"
    "  for (n in 1:N)\n"
    "    target += log_mix(w[1], normal_lpdf(y[n] | mu[1], 1), normal_lpdf(y[n] | mu[2], 1));\n"
    "}\n";

#define N 2000
#define NGRID 240
#define NCURVES 100

static double npdf(double x, double m) { return exp(-0.5 * (x - m) * (x - m)) / sqrt(2 * M_PI); }

/* The data density at y given (w[1], w[2], mu[1], mu[2]). */
static double mixture_density(const double *theta, double y) {
  return theta[0] * npdf(y, theta[2]) + theta[1] * npdf(y, theta[3]);
}

/* The tutorial's mixture explorer over this step's data: sliders for the
 * weight and the two means redraw the mixture density in the page. */
static int explorer(tut_ctx *ctx, const double *y, urn_error *err) {
  urn_report *r = &ctx->report;
  urn__plot_report_heading(r, "Mixture explorer");
  urn__plot_report_text(r, "Move the sliders: the dashed curve is the mixture density w N(y | mean_1, 1) + (1 - w) "
                     "N(y | mean_2, 1) at their values, drawn over the 2000 balls this step fits. Find by eye the "
                     "settings that fit the data (the log likelihood of the data at the sliders' values is shown "
                     "beside them: the higher, the better), then compare with what NUTS recovers below.");
  urn__plot_report_note(r, "The tutorial's sliders (ipywidgets: weight 0 to 1 starting at 0.7, mean_1 and mean_2 from -5 "
                     "to 8 starting at 0 and 4, steps of 0.1) simulate a new data set at each move; here the data "
                     "stay those of this step, generated at the sliders' starting values, and the sliders draw the "
                     "density over them. The page needs no network and no server: a few lines of JavaScript in it "
                     "redraw the curve.");
  urn_explorer_plot ep = {.y = y, .n = N, .nbins = 26, .x_lo = -5, .x_hi = 8, .y_hi = 0.5, .n_grid = 1000,
                          .w = URN_EXPLORER_W0, .mu1 = URN_EXPLORER_MU1_0, .mu2 = URN_EXPLORER_MU2_0,
                          .title = "Mixture of Gaussians"};
  urn_svg svg;
  int rc = urn__plot_explorer(&svg, &ep, err);
  char path[4096];
  tut_path(ctx, "mixture-explorer.svg", path, sizeof path);
  if (rc == URN_OK) rc = urn__plot_svg_write_file(&svg, path, err);
  if (rc == URN_OK)
    urn__plot_report_mixture_explorer(r, &svg, y, N, "The mixture explorer: the data (26 bins) and the mixture density at the "
                                         "sliders' values (mixture-explorer.svg: the starting values)");
  urn__plot_svg_free(&svg);
  return rc;
}

int tut_step_mixture(tut_ctx *ctx, urn_error *err) {
  const double w_true = 0.7, mu_true[2] = {0, 4};
  urn_report *r = &ctx->report;
  urn__plot_report_text(r, "Now the bag holds two bags: each ball first picks a component (70% the first, 30% the "
                     "second), then draws its colour from that component's normal distribution. We observe 2000 "
                     "balls and infer the weights and the two means.");
  urn__plot_report_math(r, "z_n ~ Categorical(w),  y_n | z_n = k ~ Normal(mu_k, 1)\n"
                     "p(y_n | w, mu) = w_1 Normal(y_n | mu_1, 1) + w_2 Normal(y_n | mu_2, 1)\n"
                     "Prior:  w ~ Dirichlet(1, 1),  mu_k ~ Normal(0, 1)\n"
                     "Generator:  w = (0.7, 0.3),  mu = (0, 4)");
  urn__plot_report_note(r, "The tutorial's PyMC model is exchangeable in the two components; urn's Stan program declares "
                     "the means ordered, which removes the label switching without changing the fit (step 6 shows "
                     "the switching with the exchangeable program). The tutorial samples 1 chain of 1000 + 1000 with PyMC; "
                     "urn runs the same number of chains as in every NUTS step (4 by default), so that R-hat can "
                     "be computed.");
  urn__plot_report_code(r, "mixture.stan", program);
  urn_rng rng;
  int rc_explorer;
  tut_data_rng(ctx, &rng);
  double *y = urn_xmalloc(N * sizeof *y);
  for (int i = 0; i < N; i++) {
    int k = urn_rng_uniform(&rng) < w_true ? 0 : 1;
    y[i] = mu_true[k] + urn_rng_normal(&rng);
  }
  rc_explorer = explorer(ctx, y, err);
  if (rc_explorer) {
    free(y);
    return rc_explorer;
  }
  urn_buf data;
  tut_json_begin(&data);
  tut_json_int(&data, "N", N);
  tut_json_vec(&data, "y", y, N);
  tut_json_end(&data);
  static const char *const cols[4] = {"w.1", "w.2", "mu.1", "mu.2"}, *const labels[4] = {"w[1]", "w[2]", "mu[1]", "mu[2]"};
  const double truths[4] = {w_true, 1 - w_true, mu_true[0], mu_true[1]};
  const tut_check check = {"mixture", 4, cols, labels, truths, 4, "Posterior distribution of the mixture parameters",
                           "Posterior densities with the 94% HDI"};
  tut_fit fit;
  tut_vars v;
  int rc = tut_nuts_check(ctx, &check, program, data.data, &fit, &v, err);
  urn_buf_free(&data);
  urn_predictive_plot pp = {.y = y, .n = N, .nbins = 26, .x_lo = -5, .x_hi = 8, .title = "Mixture of Gaussians",
                            .xlabel = "y", .mean_label = "mixture at the posterior means"};
  if (rc == URN_OK)
    rc = tut_predictive_figure(ctx, &v, mixture_density, &pp, NGRID, NCURVES, "mixture-predictive.svg",
                               "The data with the mixture densities of 100 posterior draws and at the posterior means",
                               err);
  tut_vars_free(&v);
  tut_fit_free(&fit);
  free(y);
  return rc;
}
