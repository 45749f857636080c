/* plot/teach.h — the pictures the tutorial teaches with (../shared/seed/
 * tutorial.txt, section 1.3 and the mixture explorer): the "PMF approximation
 * with 2, 5, 10, 26 balls" panels, a gallery of curves in panels, and the
 * figure of the mixture explorer (a histogram with one curve that the page's
 * script redraws).
 *
 * Colours are the tutorial's: get_color_gradient(n), matplotlib's two-colour
 * LinearSegmentedColormap from red to blue sampled at i / (n - 1).
 *
 * Every panel's plotting area is written as a group
 * <g class="KIND" data-map="px py pw ph x0 x1 y0 y1"> (pixel rectangle, then
 * the data ranges it shows) around the shapes drawn in it, so that tests and
 * scripts can turn pixels back into data. */
#ifndef URN_PLOT_TEACH_H
#define URN_PLOT_TEACH_H

#include <stddef.h>
#include "plot/svg.h"
#include "urn/common.h"

/* Opens <g class="kind" data-map="px py pw ph x0 x1 y0 y1"> for the plotting
 * area a; close it with urn__plot_svg_group_end. */
void urn__plot_map_group(const urn_axes *a, const char *kind);

/* The colour at t in [0, 1] of matplotlib's LinearSegmentedColormap.from_list
 * (["red", "blue"]) (256 levels: level min(floor(256 t), 255)), as "#rrggbb". */
void urn__plot_red_blue(double t, char out[8]);
/* get_color_gradient(n)[i]: urn__plot_red_blue(i / (n - 1)). */
void urn__plot_gradient(size_t i, size_t n, char out[8]);

/* A density histogram of the finite values of y[0..n) as numpy draws it
 * (nbins equal bins over [min, max], the last one closed): dens[nbins] gets
 * the densities, *lo and *width the first edge and the bin width.  Returns the
 * number of finite values. */
size_t urn__plot_hist_density(const double *y, size_t n, size_t nbins, double *dens, double *lo, double *width);
/* Draws those bars on a, coloured get_color_gradient(nbins) with black edges,
 * at opacity 0.7 as the tutorial does. */
void urn__plot_hist_bars(const urn_axes *a, const double *dens, size_t nbins, double lo, double width);

/* One panel per entry of nbins (the tutorial: 2, 5, 10, 26): nbins bars
 * tiling [lo, hi] (the tutorial: -3, 3) whose heights are the normal
 * density N(centre | mu, sigma) at the bar centres, coloured red to blue,
 * with a ball (a dot of the bar's colour) 0.05 above each bar and the bars
 * lettered a, b, c, ... */
int urn__plot_pmf_approx(urn_svg *svg, const int *nbins, size_t n_panels, double lo, double hi, double mu,
                        double sigma, const char *title, urn_error *err);

/* One curve in its own panel. */
typedef struct urn_curve_panel {
  const char *title;  /* panel title */
  const double *x;    /* n x positions */
  const double *y;    /* n values; non-finite ones break the curve and are left out of the range */
  size_t n;           /* number of points */
  const char *color;  /* line colour ("#rrggbb") */
} urn_curve_panel;
/* Panels in ncols columns, each with the same axis labels; a figure title
 * may be NULL.  Ranges are the data's plus 5% on each side (matplotlib's). */
int urn__plot_curve_panels(urn_svg *svg, const urn_curve_panel *panels, size_t n_panels, int ncols,
                          const char *xlabel, const char *ylabel, const char *title, urn_error *err);

/* The mixture explorer's figure: a density histogram of y (nbins bins over
 * the data's range, coloured red to blue), on axes x_lo..x_hi by 0..y_hi,
 * and the curve w N(x | mu1, 1) + (1 - w) N(x | mu2, 1) at n_grid points of
 * x_lo..x_hi: a <polyline class="explorer-curve" data-n="n_grid"> inside
 * the <g class="explorer-axes" data-map=...> group, which the page's script
 * redraws (plot/explorer.h). */
typedef struct urn_explorer_plot {
  const double *y;        /* data */
  size_t n;               /* number of data */
  size_t nbins;           /* histogram bins */
  double x_lo, x_hi;      /* x range shown */
  double y_hi;            /* top of the density axis */
  size_t n_grid;          /* points of the curve */
  double w, mu1, mu2;     /* the curve's initial weight and means */
  const char *title;      /* title, or NULL */
} urn_explorer_plot;
int urn__plot_explorer(urn_svg *svg, const urn_explorer_plot *p, urn_error *err);
/* The explorer's density: w N(x | mu1, 1) + (1 - w) N(x | mu2, 1). */
double urn__plot_mixture_density(double x, double w, double mu1, double mu2);

#endif
