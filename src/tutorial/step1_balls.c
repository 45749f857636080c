/* tutorial/step1_balls.c — step 1: draw n balls with replacement from a bag
 * of 6 red and 6 blue (P(red) = 0.5) for n = 5, 10, 100, 1000, 10000; the
 * estimated probability with its error bar, and the Beta posterior that
 * "updating beliefs with new data" (tutorial 1.2) gives under a uniform prior. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "tutorial/tut_internal.h"

#define GRID 4001 /* points on (0, 1) for the Beta posterior */

/* Beta(a, b) density on an even grid of (0, 1), normalized to integrate to 1. */
static void beta_density(double a, double b, double *x, double *f) {
  double lmax = -INFINITY, *lf = f;
  for (int i = 0; i < GRID; i++) {
    x[i] = (i + 0.5) / GRID;
    lf[i] = (a - 1) * log(x[i]) + (b - 1) * log1p(-x[i]);
    if (lf[i] > lmax) lmax = lf[i];
  }
  double sum = 0;
  for (int i = 0; i < GRID; i++) sum += f[i] = exp(lf[i] - lmax);
  for (int i = 0; i < GRID; i++) f[i] *= GRID / sum;
}

/* Shortest interval of grid cells holding `prob` of the mass (two pointers). */
static void grid_hdi(const double *x, const double *f, double prob, double *lo, double *hi) {
  double mass = 0, best = INFINITY;
  int j = 0;
  *lo = x[0], *hi = x[GRID - 1];
  for (int i = 0; i < GRID; i++) {
    while (j < GRID && mass < prob) mass += f[j++] / GRID;
    if (mass < prob) break;
    if (x[j - 1] - x[i] < best) best = x[j - 1] - x[i], *lo = x[i] - 0.5 / GRID, *hi = x[j - 1] + 0.5 / GRID;
    mass -= f[i] / GRID;
  }
}

/* The same model in Stan, for reference (this step needs no sampler). */
static const char *const program =
    "// Step 1 in Stan, for reference: urn computes this posterior in closed form,\n"
    "// p[k] | data ~ Beta(1 + red[k], 1 + n[k] - red[k]).\n"
    "data {\n"
    "  int<lower=1> K;                // experiments (n = 5, 10, 100, 1000, 10000)\n"
    "  array[K] int<lower=0> n;       // balls drawn with replacement\n"
    "  array[K] int<lower=0> red;     // of which red\n"
    "}\n"
    "parameters {\n"
    "  array[K] real<lower=0, upper=1> p;  // P(red) after experiment k; uniform prior\n"
    "}\n"
    "model {\n"
    "  red ~ binomial(n, p);\n"
    "}\n";

int tut_step_balls(tut_ctx *ctx, urn_error *err) {
  static const int sizes[5] = {5, 10, 100, 1000, 10000};
  const double p_true = 6.0 / 12.0;
  urn_report *r = &ctx->report;
  urn__plot_report_text(r, "A bag holds 6 red and 6 blue balls. We draw a ball, note its colour and put it back: that is "
                     "the generative process, and it can make as many balls as we like. The estimated probability "
                     "of red is the fraction of red balls among the n drawn; with more draws it converges to the "
                     "true 0.5 and its error bar shrinks like 1/sqrt(n).");
  urn__plot_report_math(r, "colour_i ~ Bernoulli(P(red) = 6/12),  i = 1..n,  n in {5, 10, 100, 1000, 10000}\n"
                     "estimate  p = (number of red) / n,   standard error  sqrt(p (1 - p) / n)\n"
                     "Bayes with a uniform prior:  P(red) | data ~ Beta(1 + red, 1 + blue)");
  urn__plot_report_note(r, "The tutorial's code draws its error bars with length p(1 - p)/n, the variance; urn draws the "
                     "standard error sqrt(p(1 - p)/n), the usual error bar, and tabulates the 94% highest-density "
                     "interval of the Beta posterior.");
  urn_rng rng;
  tut_data_rng(ctx, &rng);
  double est[5], se[5], lo[5], hi[5];
  int reds[5];
  double *x = urn_xmalloc(GRID * sizeof *x), *dens = urn_xmalloc(5 * GRID * sizeof *dens);
  char csv_line[128];
  urn_buf data;
  urn_buf_init(&data);
  urn_buf_puts(&data, "n,red,blue,p_red,standard_error,hdi_low,hdi_high\n");
  for (int k = 0; k < 5; k++) {
    int n = sizes[k], red = 0;
    for (int i = 0; i < n; i++) red += urn_rng_uniform(&rng) < p_true;
    reds[k] = red;
    est[k] = (double)red / n;
    se[k] = sqrt(est[k] * (1 - est[k]) / n);
    beta_density(1 + red, 1 + n - red, x, dens + k * GRID);
    grid_hdi(x, dens + k * GRID, URN_PLOT_HDI_PROB, &lo[k], &hi[k]);
    snprintf(csv_line, sizeof csv_line, "%d,%d,%d,%.6g,%.6g,%.6g,%.6g\n", n, red, n - red, est[k], se[k], lo[k],
             hi[k]);
    urn_buf_puts(&data, csv_line);
    char name[64];
    snprintf(name, sizeof name, "P(red) n=%d", n);
    /* Tolerance: 4 standard errors of the estimator at the true p. */
    tut_param(ctx, name, p_true, est[k], lo[k], hi[k], 4 * sqrt(p_true * (1 - p_true) / n));
  }
  int rc = tut_write_text(ctx, "balls.csv", data.data, err);
  urn__plot_report_code(r, "The draws summarized (balls.csv)", data.data);
  urn_buf_free(&data);
  /* The model in Stan with its data, for reference (`urn check balls.stan --data balls.data.json`). */
  double nd[5], redd[5];
  for (int k = 0; k < 5; k++) nd[k] = sizes[k], redd[k] = reds[k];
  urn_buf bj;
  tut_json_begin(&bj);
  tut_json_int(&bj, "K", 5);
  tut_json_vec(&bj, "n", nd, 5);
  tut_json_vec(&bj, "red", redd, 5);
  tut_json_end(&bj);
  if (rc == URN_OK) rc = tut_write_text(ctx, "balls.data.json", bj.data, err);
  urn_buf_free(&bj);
  if (rc == URN_OK) rc = tut_write_text(ctx, "balls.stan", program, err);
  urn__plot_report_code(r, "The same model in Stan, for reference (balls.stan, data in balls.data.json)", program);
  /* Bars: red and blue with their error bars, one panel per n. */
  urn_bar_panel panels[5];
  static const char *const cats[2] = {"red", "blue"}, *const colors[2] = {"#ff4c4c", "#4c4cff"};
  double vals[10], elo[10], ehi[10];
  char titles[5][32];
  for (int k = 0; k < 5; k++) {
    vals[2 * k] = est[k], vals[2 * k + 1] = 1 - est[k];
    elo[2 * k] = est[k] - se[k], ehi[2 * k] = est[k] + se[k];
    elo[2 * k + 1] = 1 - est[k] - se[k], ehi[2 * k + 1] = 1 - est[k] + se[k];
    snprintf(titles[k], sizeof titles[k], "n = %d", sizes[k]);
    panels[k] = (urn_bar_panel){titles[k], NULL, k == 0 ? "probability" : NULL, 2, cats, 1, NULL, colors,
                                vals + 2 * k, elo + 2 * k, ehi + 2 * k, 1, 0, 1};
  }
  urn_svg svg;
  if (rc == URN_OK) rc = urn__plot_bars(&svg, panels, 5, 5, "Estimated probability of each colour (± one standard error)", err);
  if (rc == URN_OK)
    rc = tut_figure(ctx, &svg, "balls.svg", "The probability converges to 0.5 as the number of draws grows", err);
  /* The Beta posteriors, thinned to 400 points for the figure. */
  enum { NP = 400 };
  double px[NP], py[5][NP], peak[5] = {0};
  for (int i = 0; i < NP; i++) {
    int g = (int)((i + 0.5) * GRID / NP);
    px[i] = x[g];
    for (int k = 0; k < 5; k++) py[k][i] = dens[k * GRID + g], peak[k] = fmax(peak[k], py[k][i]);
  }
  /* Each curve scaled to peak 1: the n = 10000 posterior is 30 times taller
     than the n = 5 one, which would otherwise lie flat on the axis. */
  for (int k = 0; k < 5; k++)
    for (int i = 0; i < NP; i++) py[k][i] /= peak[k];
  const double *ys[5] = {py[0], py[1], py[2], py[3], py[4]};
  const char *labels[5] = {"n = 5", "n = 10", "n = 100", "n = 1000", "n = 10000"};
  urn_lines_plot lp = {px, NP, ys, 5, labels, NULL, NULL, "Updating beliefs: posterior of P(red) under a uniform prior",
                       "P(red)", "density / its maximum"};
  if (rc == URN_OK) rc = urn__plot_lines(&svg, &lp, err);
  if (rc == URN_OK) rc = tut_figure(ctx, &svg, "balls-posterior.svg", "Beta posteriors narrow around 0.5 (each curve scaled to peak 1)", err);
  if (rc == URN_OK) rc = tut_discrete_to_continuous(ctx, err);
  snprintf(ctx->step->summary, sizeof ctx->step->summary, "P(red) estimates: %.3f %.3f %.3f %.4f %.4f", est[0],
           est[1], est[2], est[3], est[4]);
  free(x);
  free(dens);
  return rc;
}
