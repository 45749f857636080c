/* plot/kde.h — Gaussian kernel density estimates for plots.
 *
 * Bandwidth: Silverman's rule of thumb, h = 0.9 min(sd, IQR/1.34) n^(-1/5)
 * (falling back to sd when the IQR is 0).  The density is evaluated on an
 * even grid over the range of the data, with boundary correction by
 * reflection at the data's minimum and maximum (as ArviZ does by default), so
 * a posterior piled against a bound (a scale near 0) is not drawn leaking
 * past it and the curve integrates to 1 over the grid.  For speed the data are
 * first linearly binned onto URN_KDE_BINS points (error O(bin width^2), far
 * below the bandwidth); see docs/plots.md. */
#ifndef URN_PLOT_KDE_H
#define URN_PLOT_KDE_H

#include <stddef.h>

#define URN_KDE_BINS 512

/* Silverman's bandwidth of the finite values in data[0..n); 0 when fewer than
 * two finite values or all equal. */
double urn__plot_kde_bandwidth(const double *data, size_t n);

/* Density of the finite values of data[0..n) on grid_n >= 2 points spanning
 * [min, max] of the data: grid_x[i] and density[i].  *bandwidth (if not NULL)
 * gets h.  Returns the number of finite values used; 0 (and nothing written)
 * when there are fewer than two or they are all equal. */
size_t urn__plot_kde(const double *data, size_t n, size_t grid_n, double *grid_x, double *density, double *bandwidth);

#endif
