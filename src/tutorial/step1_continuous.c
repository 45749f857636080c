/* tutorial/step1_continuous.c — the end of step 1, the tutorial's section
 * 1.3 "Discrete to continuous space": the bag's balls take a spectrum of
 * colours, and histograms with thinner and thinner bins approach a density
 * ("PMF approximation with 2, 5, 10, 26 balls", for mu = 0 and again for
 * mu = 1), then the gallery of six distributions the tutorial shows as
 * candidate densities. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "plot/teach.h"
#include "tutorial/tut_internal.h"

#define GN 1000 /* points per gallery curve (np.linspace(..., 1000)) */

static double npdf(double x) { return exp(-0.5 * x * x) / sqrt(2 * M_PI); }

/* poisson.pmf(k, 3) */
static double poisson3(int k) {
  double p = exp(-3.0);
  for (int j = 1; j <= k; j++) p *= 3.0 / j;
  return p;
}

/* The gallery's six curves on the tutorial's x grids; x and y hold 6 * GN values. */
static void gallery_values(double *x, double *y) {
  for (int i = 0; i < GN; i++) {
    double t = (double)i / (GN - 1);
    x[0 * GN + i] = -4 + 8 * t, y[0 * GN + i] = npdf(x[0 * GN + i]);
    x[2 * GN + i] = 8 * t, y[2 * GN + i] = exp(-x[2 * GN + i]);
    x[3 * GN + i] = -0.5 + 2 * t, y[3 * GN + i] = x[3 * GN + i] >= 0 && x[3 * GN + i] <= 1 ? 1 : 0;
    x[4 * GN + i] = 4 * t, y[4 * GN + i] = 2 * npdf(x[4 * GN + i]);
    double b = t; /* Beta(1/2, 1/2): 1 / (pi sqrt(x (1 - x))), infinite at 0 and 1 */
    x[5 * GN + i] = b, y[5 * GN + i] = b > 0 && b < 1 ? 1 / (M_PI * sqrt(b * (1 - b))) : INFINITY;
  }
  x[0 * GN + GN - 1] = 4, x[2 * GN + GN - 1] = 8, x[3 * GN + GN - 1] = 1.5, x[4 * GN + GN - 1] = 4;
  /* Poisson(3) on np.arange(0, 10, 0.1): the pmf of the integer part, a staircase */
  for (int i = 0; i < 100; i++) x[1 * GN + i] = i / 10.0, y[1 * GN + i] = poisson3((int)floor(i / 10.0));
}

int tut_discrete_to_continuous(tut_ctx *ctx, urn_error *err) {
  urn_report *r = &ctx->report;
  urn__plot_report_heading(r, "From discrete to continuous");
  urn__plot_report_text(r, "Now the bag holds balls of every colour between red and blue, and the generative process "
                     "favours some colours. A histogram of the draws approximates the probability of each colour "
                     "band; with thinner and thinner bins it approaches a continuous density. Below, the bars "
                     "are the normal density at each bin's centre (a ball of that colour drawn above each bar) "
                     "for 2, 5, 10 and 26 bins of [-3, 3]: first for a process centred on the middle colour "
                     "(mu = 0), then for one that favours blue (mu = 1).");
  static const int nbins[4] = {2, 5, 10, 26};
  urn_svg svg;
  int rc = urn__plot_pmf_approx(&svg, nbins, 4, -3, 3, 0, 1, "Balls of a spectrum of colours: mu = 0, sigma = 1", err);
  if (rc == URN_OK)
    rc = tut_figure(ctx, &svg, "pmf-approximation-mu0.svg",
                    "PMF approximation with 2, 5, 10 and 26 balls: bar heights N(centre | 0, 1)", err);
  if (rc == URN_OK)
    rc = urn__plot_pmf_approx(&svg, nbins, 4, -3, 3, 1, 1, "The process changes the odds: mu = 1, sigma = 1", err);
  if (rc == URN_OK)
    rc = tut_figure(ctx, &svg, "pmf-approximation-mu1.svg",
                    "The same bins when the process favours blue: bar heights N(centre | 1, 1)", err);
  if (rc) return rc;
  urn__plot_report_text(r, "We need a way to model this continuous distribution: we take the histogram to approximate a "
                     "continuous function describing a probability distribution, and look for the best suited one. "
                     "Some candidates:");
  double *x = urn_xmalloc(2 * 6 * GN * sizeof *x), *y = x + 6 * GN;
  gallery_values(x, y);
  static const char *const titles[6] = {"Normal(0, 1)",   "Poisson(3)",        "Exponential(1)",
                                        "Uniform(0, 1)", "Half-normal(0, 1)", "Beta(0.5, 0.5)"};
  urn_curve_panel panels[6];
  char colors[6][8];
  for (int k = 0; k < 6; k++) {
    urn__plot_gradient((size_t)k, 6, colors[k]);
    panels[k] = (urn_curve_panel){titles[k], x + k * GN, y + k * GN, k == 1 ? 100 : GN, colors[k]};
  }
  rc = urn__plot_curve_panels(&svg, panels, 6, 3, "Value", "Density / probability", NULL, err);
  if (rc == URN_OK)
    rc = tut_figure(ctx, &svg, "distributions.svg",
                    "Six distributions: densities, and the Poisson(3) mass of the integer part drawn as a "
                    "staircase on a 0.1 grid, as the tutorial draws it",
                    err);
  free(x);
  return rc;
}
