/* plot/explorer.h — the tutorial's mixture explorer as a live control in the
 * HTML report: the explorer's figure (plot/teach.h, urn__plot_explorer), three
 * range inputs with the tutorial's ipywidgets FloatSlider settings (weight
 * 0..1 starting at 0.7, mean_1 and mean_2 -5..8 starting at 0 and 4, steps of
 * 0.1, values shown with two decimals), and a plain inline script that
 * redraws the curve w N(y | mean_1, 1) + (1 - w) N(y | mean_2, 1) whenever a
 * slider moves, and shows the log likelihood of the data at the sliders'
 * values (so that a reader fitting by eye sees how well).  No network, no
 * server: the page alone. */
#ifndef URN_PLOT_EXPLORER_H
#define URN_PLOT_EXPLORER_H

#include "plot/report.h"
#include "plot/svg.h"

/* The tutorial's sliders: FloatSlider(value=0.7, min=0, max=1),
 * FloatSlider(value=0, min=-5, max=8), FloatSlider(value=4, min=-5, max=8);
 * ipywidgets' default step is 0.1. */
#define URN_EXPLORER_W0 0.7
#define URN_EXPLORER_MU1_0 0.0
#define URN_EXPLORER_MU2_0 4.0
#define URN_EXPLORER_MEAN_MIN (-5.0)
#define URN_EXPLORER_MEAN_MAX 8.0
#define URN_EXPLORER_STEP 0.1

/* Adds the explorer to the current section: svg (from urn__plot_explorer,
 * drawn at the sliders' starting values) in a <div id="mixture-explorer">
 * holding the figure with the sliders above it and the caption under it,
 * then the script.  The data y[0..n) travel in the div's data-y (%.9g each)
 * for the log likelihood read-out, written at the starting values by C (the
 * script recomputes it as the sliders move).  One explorer per page. */
void urn__plot_report_mixture_explorer(urn_report *r, const urn_svg *svg, const double *y, size_t n, const char *caption);
/* sum_i log(w N(y_i | mu1, 1) + (1 - w) N(y_i | mu2, 1)), as the script computes it (log-sum-exp). */
double urn__plot_explorer_loglik(const double *y, size_t n, double w, double mu1, double mu2);

#endif
