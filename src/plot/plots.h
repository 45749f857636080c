/* plot/plots.h — the plot kinds urn draws, each from plain arrays into a new
 * SVG document (plot/svg.h): posterior densities with the 94% HDI (like
 * ArviZ's plot_posterior), trace plots, rank plots, posterior predictive
 * histograms, regression lines, and the HMM pictures (state bands, EM
 * log-probability trace, transition heatmaps, parameter bars).
 *
 * Every function starts `svg` with urn__plot_svg_begin and closes it; the caller
 * frees it with urn__plot_svg_free.  They return URN_OK, or URN_EINPUT (with err)
 * when the arrays make no sense (no variables, zero sizes). */
#ifndef URN_PLOT_PLOTS_H
#define URN_PLOT_PLOTS_H

#include <stddef.h>
#include "plot/svg.h"
#include "urn/common.h"

/* The draws of one scalar quantity over all chains. */
typedef struct urn_plot_var {
  const char *name;     /* label, e.g. "mu" or "w[2]" */
  const double *draws;  /* n_chains * n_draws values; chain c, draw d at [c * n_draws + d] */
  size_t n_chains;      /* number of chains (>= 1) */
  size_t n_draws;       /* draws per chain (>= 1) */
  const int *divergent; /* optional flags in the same layout (nonzero = divergent transition), or NULL */
  int has_ref;          /* nonzero when `ref` is to be marked */
  double ref;           /* reference value (e.g. the true value) */
} urn_plot_var;

/* Probability mass of the highest-density intervals drawn and tabulated. */
#define URN_PLOT_HDI_PROB 0.94

/* Densities of each variable (KDE of all chains pooled), with the 94% HDI as a
 * thick bar at the bottom with its end values, the mean written on top, and
 * the reference value as a dashed line when has_ref.  ncols panels a row
 * (0 = up to 3).  title may be NULL. */
int urn__plot_posterior(urn_svg *svg, const urn_plot_var *vars, size_t nvars, int ncols, const char *title,
                       urn_error *err);
/* One row per variable: per-chain densities at left, per-chain traces at
 * right, divergent transitions marked by ticks under the trace. */
int urn__plot_trace(urn_svg *svg, const urn_plot_var *vars, size_t nvars, const char *title, urn_error *err);
/* Rank plots: the draws of all chains ranked together, and for each chain a
 * histogram of its ranks (one row per chain in each panel) with the uniform
 * expectation dashed; chains that explore the same distribution give flat
 * histograms. */
int urn__plot_rank(urn_svg *svg, const urn_plot_var *vars, size_t nvars, int ncols, const char *title,
                  urn_error *err);

/* A density histogram of the data y[0..n) (nbins bins over [x_lo, x_hi],
 * coloured red to blue as the tutorial does), the posterior predictive
 * densities of n_curves draws as thin lines (curves[c * n_grid + g] at
 * grid[g]) and their mean density (mean_curve, may be NULL) dashed. */
typedef struct urn_predictive_plot {
  const double *y;          /* data */
  size_t n;                 /* number of data */
  size_t nbins;             /* histogram bins */
  double x_lo, x_hi;        /* x range shown (and binned) */
  const double *grid;       /* n_grid x positions of the curves */
  size_t n_grid;            /* points per curve */
  const double *curves;     /* n_curves * n_grid densities, one draw per row */
  size_t n_curves;          /* number of draws drawn */
  const double *mean_curve; /* n_grid values, or NULL */
  const char *title;        /* title, or NULL */
  const char *xlabel;       /* x axis label, or NULL */
  const char *mean_label;   /* legend text of the mean curve, or NULL for "mean posterior predictive" */
  double curve_opacity;     /* opacity of each draw's curve, or 0: 6 / n_curves within [0.02, 0.5] */
  int tutorial_colors;      /* nonzero: bars in the tutorial's own red-to-blue gradient (plot/teach.h), black edges,
                               and the curves in a <g class="predictive-curves" data-map=...> group */
  const char *data_label;   /* legend text of the histogram, or NULL for "data" */
  const char *curves_label; /* legend text of the draws, or NULL for "posterior predictive draws" */
} urn_predictive_plot;
int urn__plot_predictive(urn_svg *svg, const urn_predictive_plot *p, urn_error *err);

/* Scatter of (x, y) coloured blue to red by y, with n_lines posterior draws
 * of n_comp regression lines (slopes/intercepts[d * n_comp + k]) as thin
 * lines, and the posterior mean lines dashed. */
typedef struct urn_regression_plot {
  const double *x, *y;          /* data points */
  size_t n;                     /* number of points */
  const double *slopes;         /* n_lines * n_comp slopes */
  const double *intercepts;     /* n_lines * n_comp intercepts */
  size_t n_lines;               /* draws drawn */
  size_t n_comp;                /* regression components (1 for a single regression) */
  const double *mean_slope;     /* n_comp posterior mean slopes, or NULL */
  const double *mean_intercept; /* n_comp posterior mean intercepts, or NULL */
  const double *true_slope;     /* n_comp generating slopes, or NULL */
  const double *true_intercept; /* n_comp generating intercepts, or NULL */
  const char *title;            /* title, or NULL */
  const char *xlabel, *ylabel;  /* axis labels, or NULL */
} urn_regression_plot;
int urn__plot_regression(urn_svg *svg, const urn_regression_plot *p, urn_error *err);

/* Emissions over time with state sequences as background bands: one panel
 * per state sequence given (e.g. "true states (aligned)" and "inferred
 * states"), plus an input panel on top when inputs is not NULL.  States are
 * 0-based in [0, K). */
typedef struct urn_states_plot {
  const double *y;              /* T emissions */
  size_t T;                     /* number of time steps */
  const double *inputs;         /* T inputs (covariate), or NULL */
  const int *const *states;     /* n_seq state sequences of length T */
  const char *const *seq_names; /* n_seq panel titles */
  size_t n_seq;                 /* number of state sequences */
  int K;                        /* number of states */
  const char *title;            /* overall title, or NULL */
  size_t t0;                    /* time index of the first step drawn (axis labels; 0 for a whole sequence) */
} urn_states_plot;
int urn__plot_hmm_states(urn_svg *svg, const urn_states_plot *p, urn_error *err);

/* The EM objective per iteration (log joint: log likelihood + log prior), with
 * a dotted horizontal reference line (has_ref) labelled ref_label. */
int urn__plot_em_trace(urn_svg *svg, const double *lps, size_t n, int has_ref, double ref, const char *ref_label,
                      const char *title, urn_error *err);

/* K x K row-major matrices side by side as heatmaps on [0, 1] (white to green)
 * annotated with their values. */
int urn__plot_heatmaps(urn_svg *svg, const double *const *mats, const char *const *titles, size_t n_mats, int K,
                      urn_error *err);

/* One panel of grouped bars: n_series bars per category, optional error bars. */
typedef struct urn_bar_panel {
  const char *title;                  /* panel title, or NULL */
  const char *xlabel, *ylabel;        /* axis labels, or NULL */
  size_t n_categories;                /* groups along x */
  const char *const *categories;      /* n_categories labels */
  size_t n_series;                    /* bars per group */
  const char *const *series_names;    /* n_series legend labels (no legend if NULL or n_series == 1) */
  const char *const *category_colors; /* with one series: a colour per category; otherwise NULL */
  const double *values;               /* n_series * n_categories heights, series-major */
  const double *err_lo, *err_hi;      /* optional error bar ends (absolute values), same layout, or NULL */
  int fixed_range;                    /* nonzero: y axis is [y_min, y_max] */
  double y_min, y_max;                /* y range when fixed_range */
} urn_bar_panel;
/* Panels in a grid of ncols columns (0 = all in one row), with a title. */
int urn__plot_bars(urn_svg *svg, const urn_bar_panel *panels, size_t n_panels, int ncols, const char *title,
                  urn_error *err);

/* Lines y[s][0..n) over x[0..n) for several series (e.g. emission
 * densities), with a legend; dashed[s] nonzero draws series s dashed. */
typedef struct urn_lines_plot {
  const double *x;                /* n shared x positions */
  size_t n;                       /* points per series */
  const double *const *y;         /* n_series arrays of n values */
  size_t n_series;                /* number of series */
  const char *const *labels;      /* n_series legend labels */
  const char *const *colors;      /* n_series colours, or NULL for the palette */
  const int *dashed;              /* n_series flags, or NULL */
  const char *title;              /* title, or NULL */
  const char *xlabel, *ylabel;    /* axis labels, or NULL */
} urn_lines_plot;
int urn__plot_lines(urn_svg *svg, const urn_lines_plot *p, urn_error *err);

/* The highest-density interval of the finite values (urn_diag_hdi_sorted:
 * ArviZ's rule, the narrowest window of floor(prob * n) + 1 consecutive sorted
 * draws).  Returns 0 when there is no such window (no finite values). */
int urn__plot_hdi(const double *draws, size_t n, double prob, double *lo, double *hi);

/* A colour between blue (t = 0) and red (t = 1), the tutorial's colour map,
 * written into out as "#rrggbb". */
void urn__plot_blue_red(double t, char out[8]);

#endif
