/* tutorial/step5_linreg.c — step 5: 1000 points y ~ N(0.5 x + 5, 2^2) with
 * x ~ U(-10, 10), the tutorial's regression program fitted by NUTS, and the
 * uncertainty in the fitted line. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "tutorial/tut_internal.h"

static const char *const program =
    "// The tutorial's linear regression.\n"
    "data {\n"
    "  int<lower=0> N;\n"
    "  vector[N] x;\n"
    "  vector[N] y;\n"
    "}\n"
    "parameters {\n"
    "  real w;\n"
    "  real c;\n"
    "  real<lower=0> sigma;\n"
    "}\n"
    "model {\n"
    "  // Priors\n"
    "  w ~ normal(0, 1);\n"
    "  c ~ normal(0, 1);\n"
    "  sigma ~ normal(0, 1);\n"
    "  // Likelihood\n"
    "  y ~ normal(w * x + c, sigma);\n"
    "}\n";

#define N 1000
#define NLINES 100

int tut_step_linreg(tut_ctx *ctx, urn_error *err) {
  const double w_true = 0.5, c_true = 5, sigma_true = 2;
  urn_report *r = &ctx->report;
  urn__plot_report_text(r, "The colour of a ball now depends on an input: the temperature x, from -10 (cold, blue) to 10 "
                     "(warm, red). The colour is a noisy linear function of the temperature; we infer the slope, "
                     "the intercept and the noise, and see the uncertainty in the fitted line.");
  urn__plot_report_math(r, "y_n ~ Normal(w x_n + c, sigma^2),  x_n ~ Uniform(-10, 10),  n = 1..1000\n"
                     "Prior:  w ~ Normal(0, 1),  c ~ Normal(0, 1),  sigma ~ |Normal(0, 1)|\n"
                     "Generator:  w = 0.5,  c = 5,  sigma = 2");
  urn__plot_report_code(r, "linreg.stan", program);
  urn_rng rng;
  tut_data_rng(ctx, &rng);
  double *x = urn_xmalloc(2 * N * sizeof *x), *y = x + N;
  for (int i = 0; i < N; i++) x[i] = -10 + 20 * urn_rng_uniform(&rng);
  for (int i = 0; i < N; i++) y[i] = w_true * x[i] + c_true + sigma_true * urn_rng_normal(&rng);
  urn_buf data;
  tut_json_begin(&data);
  tut_json_int(&data, "N", N);
  tut_json_vec(&data, "x", x, N);
  tut_json_vec(&data, "y", y, N);
  tut_json_end(&data);
  static const char *const cols[3] = {"w", "c", "sigma"};
  const double truths[3] = {w_true, c_true, sigma_true};
  const tut_check check = {"linreg", 3, cols, NULL, truths, 3, "Posterior distribution of the GLM parameters",
                           "Posterior densities with the 94% HDI"};
  tut_fit fit;
  tut_vars v;
  int rc = tut_nuts_check(ctx, &check, program, data.data, &fit, &v, err);
  urn_buf_free(&data);
  if (rc == URN_OK) {
    /* Original vs recovered bars. */
    static const char *const cats[3] = {"w", "c", "sigma"}, *const series[2] = {"Original", "Recovered"};
    double vals[6], lo[6], hi[6];
    for (int k = 0; k < 3; k++) {
      const urn_tutorial_param *p = &ctx->step->params[k];
      vals[k] = truths[k], lo[k] = hi[k] = NAN;
      vals[3 + k] = p->estimate, lo[3 + k] = p->lower, hi[3 + k] = p->upper;
    }
    urn_bar_panel bp = {NULL, "parameter", "value", 3, cats, 2, series, NULL, vals, lo, hi, 0, 0, 0};
    urn_svg svg;
    rc = urn__plot_bars(&svg, &bp, 1, 1, "Original vs recovered GLM parameters", err);
    if (rc == URN_OK)
      rc = tut_figure(ctx, &svg, "linreg-bars.svg", "Generating values and posterior means with their 94% HDI", err);
  }
  /* The fitted line: 100 draws and the posterior mean. */
  urn_regression_plot rp = {.x = x, .y = y, .n = N, .n_comp = 1, .true_slope = &w_true, .true_intercept = &c_true,
                            .title = "GLM fit and uncertainty in the fit", .xlabel = "x (temperature)",
                            .ylabel = "y (color of ball)"};
  if (rc == URN_OK)
    rc = tut_regression_figure(ctx, &v.cols[0], &v.cols[1], fit.n_chains * fit.n_draws, &rp, NLINES, "linreg-fit.svg",
                               "The data with 100 posterior regression lines and the posterior mean line", err);
  tut_vars_free(&v);
  tut_fit_free(&fit);
  free(x);
  return rc;
}
