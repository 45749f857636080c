/* plot/teach.c — the tutorial's teaching pictures (see teach.h): PMF
 * approximation panels, curve panels (the gallery of distributions), the
 * mixture explorer's figure, and the tutorial's red-to-blue histograms. */
#include "plot/teach.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

#define TITLE_H 34.0 /* height of a figure title band */

void urn__plot_red_blue(double t, char out[8]) {
  if (!(t >= 0)) t = 0;
  if (t > 1) t = 1;
  unsigned k = (unsigned)floor(t * 256);
  if (k > 255) k = 255;
  snprintf(out, 8, "#%02x00%02x", (255 - k) & 0xffu, k & 0xffu);
}

void urn__plot_gradient(size_t i, size_t n, char out[8]) {
  urn__plot_red_blue(n > 1 ? (double)i / (double)(n - 1) : 0, out);
}

void urn__plot_map_group(const urn_axes *a, const char *kind) {
  urn_buf_printf(&a->svg->out, "<g class=\"%s\" data-map=\"%.6g %.6g %.6g %.6g %.17g %.17g %.17g %.17g\">\n", kind,
                 a->px, a->py, a->pw, a->ph, a->x0, a->x1, a->y0, a->y1);
}

size_t urn__plot_hist_density(const double *y, size_t n, size_t nbins, double *dens, double *lo, double *width) {
  double mn = INFINITY, mx = -INFINITY;
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (isfinite(y[i])) mn = fmin(mn, y[i]), mx = fmax(mx, y[i]), m++;
  if (m == 0) mn = 0, mx = 1;
  if (mx == mn) mn -= 0.5, mx += 0.5; /* numpy's range for a constant sample */
  double w = (mx - mn) / nbins;
  for (size_t b = 0; b < nbins; b++) dens[b] = 0;
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(y[i])) continue;
    long b = (long)((y[i] - mn) / (mx - mn) * nbins);
    if (b >= (long)nbins) b = (long)nbins - 1;
    /* numpy's edges are mn + (mx - mn) * k / nbins: place values exactly as it does */
    if (b > 0 && y[i] < mn + (mx - mn) * b / nbins) b--;
    else if (b + 1 < (long)nbins && y[i] >= mn + (mx - mn) * (b + 1) / nbins) b++;
    dens[b] += 1;
  }
  for (size_t b = 0; b < nbins; b++) dens[b] /= (m ? m : 1) * w;
  *lo = mn, *width = w;
  return m;
}

void urn__plot_hist_bars(const urn_axes *a, const double *dens, size_t nbins, double lo, double width) {
  for (size_t b = 0; b < nbins; b++) {
    char col[8];
    urn__plot_gradient(b, nbins, col);
    urn_style st = {"#000000", col, 0.8, 0.7, NULL};
    urn__plot_axes_rect(a, lo + b * width, 0, lo + (b + 1) * width, dens[b], &st);
  }
}

static double normal_pdf(double x, double mu, double sigma) {
  double z = (x - mu) / sigma;
  return exp(-0.5 * z * z) / (sigma * sqrt(2 * M_PI));
}

double urn__plot_mixture_density(double x, double w, double mu1, double mu2) {
  return w * normal_pdf(x, mu1, 1) + (1 - w) * normal_pdf(x, mu2, 1);
}

/* ---- PMF approximation ---- */

/* One panel: bars, balls and letters for nb bins of [lo, hi]. */
static void pmf_panel(urn_svg *svg, int nb, double lo, double hi, double mu, double sigma, double cx, double cy,
                      double cw, double ch) {
  double *val = urn_xmalloc((size_t)nb * sizeof *val), step = (hi - lo) / nb, top = 0;
  for (int i = 0; i < nb; i++) {
    /* the centres of np.linspace(lo, hi, nb + 1) */
    double e0 = lo + (hi - lo) * i / nb, e1 = i + 1 == nb ? hi : lo + (hi - lo) * (i + 1) / nb;
    val[i] = normal_pdf((e0 + e1) / 2, mu, sigma);
    top = fmax(top, val[i] + 0.05);
  }
  /* matplotlib's limits: 5% margins around the bars and balls (bars stick to 0) */
  double xm = 0.05 * (hi - lo);
  urn_axes a;
  urn__plot_axes_init(&a, svg, cx + 64, cy + 32, cw - 80, ch - 32 - 50, lo - xm, hi + xm, 0, 1.05 * top);
  char title[64];
  snprintf(title, sizeof title, "PMF approximation with %d balls", nb);
  urn__plot_axes_frame(&a, NULL, NULL, "Probability (mass density)", URN_AXES_NO_XTICKS);
  /* title and x label centred on the panel rather than the axes, so that they fit its width */
  urn__plot_svg_text(svg, cx + cw / 2 + 6, cy + 18, title, 12.5, URN_ANCHOR_MIDDLE, 0, "#111111", 1);
  urn__plot_svg_text(svg, a.px + a.pw / 2, a.py + a.ph + 32, "Smaller bins, better approximations", 10.5,
               URN_ANCHOR_MIDDLE, 0, "#222222", 0);
  urn__plot_map_group(&a, "pmf-bars");
  double bar_px = a.pw * step / (a.x1 - a.x0), r = fmin(5, 0.42 * bar_px);
  for (int i = 0; i < nb; i++) {
    char col[8];
    urn__plot_gradient((size_t)i, (size_t)nb, col);
    double e0 = lo + (hi - lo) * i / nb, e1 = i + 1 == nb ? hi : lo + (hi - lo) * (i + 1) / nb;
    urn_style bar = {"#000000", col, 0.8, 0.7, NULL};
    urn__plot_axes_rect(&a, e0, 0, e1, val[i], &bar);
  }
  urn__plot_svg_group_end(svg);
  urn__plot_map_group(&a, "pmf-balls");
  for (int i = 0; i < nb; i++) {
    char col[8];
    urn__plot_gradient((size_t)i, (size_t)nb, col);
    double e0 = lo + (hi - lo) * i / nb, e1 = i + 1 == nb ? hi : lo + (hi - lo) * (i + 1) / nb;
    urn_style ball = {NULL, col, 0, 0, NULL};
    urn__plot_axes_circle(&a, (e0 + e1) / 2, val[i] + 0.05, r, &ball);
  }
  urn__plot_svg_group_end(svg);
  /* the bars lettered a, b, c, ... under the axis, as the tutorial's x ticks */
  urn_style tick = {"#444444", NULL, 1, 0, NULL};
  double bottom = a.py + a.ph;
  for (int i = 0; i < nb && i < 26; i++) {
    double x = urn__plot_axes_px(&a, lo + step * (i + 0.5));
    char letter[2] = {(char)('a' + i), 0};
    urn__plot_svg_line(svg, x, bottom, x, bottom + 3, &tick);
    urn__plot_svg_text(svg, x, bottom + 14, letter, nb > 12 ? 8.5 : 10, URN_ANCHOR_MIDDLE, 0, "#444444", 0);
  }
  free(val);
}

int urn__plot_pmf_approx(urn_svg *svg, const int *nbins, size_t n_panels, double lo, double hi, double mu,
                        double sigma, const char *title, urn_error *err) {
  if (!nbins || n_panels == 0 || !(hi > lo) || !(sigma > 0) || !isfinite(mu))
    return urn_error_set(err, URN_EINPUT, "plot: PMF approximation needs panels, lo < hi and sigma > 0");
  for (size_t k = 0; k < n_panels; k++)
    if (nbins[k] < 1 || nbins[k] > 26)
      return urn_error_set(err, URN_EINPUT, "plot: PMF approximation with %d balls: want 1 to 26", nbins[k]);
  double top = title ? TITLE_H : 6, pw = 1000.0 / n_panels, ph = 270;
  urn__plot_svg_begin(svg, 1000, top + ph);
  if (title) urn__plot_svg_text(svg, 500, 22, title, 15, URN_ANCHOR_MIDDLE, 0, "#111111", 1);
  for (size_t k = 0; k < n_panels; k++) pmf_panel(svg, nbins[k], lo, hi, mu, sigma, k * pw, top, pw, ph);
  urn__plot_svg_end(svg);
  return URN_OK;
}

/* ---- curve panels ---- */

int urn__plot_curve_panels(urn_svg *svg, const urn_curve_panel *panels, size_t n_panels, int ncols,
                          const char *xlabel, const char *ylabel, const char *title, urn_error *err) {
  if (!panels || n_panels == 0) return urn_error_set(err, URN_EINPUT, "plot: no curves to draw");
  for (size_t k = 0; k < n_panels; k++)
    if (!panels[k].x || !panels[k].y || panels[k].n < 2)
      return urn_error_set(err, URN_EINPUT, "plot: curve '%s' needs at least 2 points",
                           panels[k].title ? panels[k].title : "?");
  size_t nc = ncols > 0 ? (size_t)ncols : 3, nr = (n_panels + nc - 1) / nc;
  double top = title ? TITLE_H : 6, pw = 1000.0 / nc, ph = 250;
  urn__plot_svg_begin(svg, 1000, top + nr * ph);
  if (title) urn__plot_svg_text(svg, 500, 22, title, 15, URN_ANCHOR_MIDDLE, 0, "#111111", 1);
  for (size_t k = 0; k < n_panels; k++) {
    const urn_curve_panel *p = &panels[k];
    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
    for (size_t i = 0; i < p->n; i++) {
      if (!isfinite(p->x[i]) || !isfinite(p->y[i])) continue;
      xlo = fmin(xlo, p->x[i]), xhi = fmax(xhi, p->x[i]), ylo = fmin(ylo, p->y[i]), yhi = fmax(yhi, p->y[i]);
    }
    if (!isfinite(xlo)) xlo = 0, xhi = 1, ylo = 0, yhi = 1;
    urn__plot_pad_range(&xlo, &xhi, 0.05);
    urn__plot_pad_range(&ylo, &yhi, 0.05);
    double cx = (k % nc) * pw, cy = top + (k / nc) * ph;
    urn_axes a;
    urn__plot_axes_init(&a, svg, cx + 70, cy + 30, pw - 96, ph - 30 - 50, xlo, xhi, ylo, yhi);
    urn__plot_axes_frame(&a, p->title, xlabel, ylabel, 0);
    urn__plot_map_group(&a, "curve");
    urn_style line = {p->color ? p->color : urn__plot_svg_color((int)k), NULL, 2, 0, NULL};
    urn__plot_axes_polyline(&a, p->x, p->y, p->n, &line);
    urn__plot_svg_group_end(svg);
  }
  urn__plot_svg_end(svg);
  return URN_OK;
}

/* ---- the mixture explorer's figure ---- */

int urn__plot_explorer(urn_svg *svg, const urn_explorer_plot *p, urn_error *err) {
  if (!p || !p->y || p->n == 0 || p->nbins == 0 || p->n_grid < 2 || !(p->x_hi > p->x_lo) || !(p->y_hi > 0))
    return urn_error_set(err, URN_EINPUT, "plot: the explorer needs data, bins, a grid and ranges");
  double *dens = urn_xmalloc(p->nbins * sizeof *dens), lo, width;
  urn__plot_hist_density(p->y, p->n, p->nbins, dens, &lo, &width);
  double top = (p->title ? TITLE_H : 10) + 24;
  urn__plot_svg_begin(svg, 800, top + 300);
  if (p->title) urn__plot_svg_text(svg, 400, 22, p->title, 15, URN_ANCHOR_MIDDLE, 0, "#111111", 1);
  urn_axes a;
  urn__plot_axes_init(&a, svg, 70, top + 10, 700, 230, p->x_lo, p->x_hi, 0, p->y_hi);
  urn__plot_axes_frame(&a, NULL, "y", "Density", 0);
  urn__plot_hist_bars(&a, dens, p->nbins, lo, width);
  free(dens);
  urn__plot_map_group(&a, "explorer-axes");
  urn__plot_svg_group_begin(svg, a.clip_id);
  urn_buf *b = &svg->out;
  urn_buf_printf(b, "<polyline class=\"explorer-curve\" data-n=\"%zu\" stroke=\"#111111\" fill=\"none\" "
                    "stroke-width=\"2.00\" stroke-dasharray=\"7,4\" points=\"", p->n_grid);
  for (size_t g = 0; g < p->n_grid; g++) {
    double x = p->x_lo + (p->x_hi - p->x_lo) * g / (p->n_grid - 1);
    double d = urn__plot_mixture_density(x, p->w, p->mu1, p->mu2);
    urn_buf_printf(b, "%s%.2f,%.2f", g ? " " : "", urn__plot_axes_px(&a, x), urn__plot_axes_py(&a, d));
  }
  urn_buf_puts(b, "\"/>\n");
  urn__plot_svg_group_end(svg);
  urn__plot_svg_group_end(svg);
  urn_legend_entry e[2] = {
      {"Data", {"#000000", "#7f0080", 0.8, 0.7, NULL}, 1},
      {"w N(mean_1, 1) + (1 − w) N(mean_2, 1) at the sliders’ values", {"#111111", NULL, 2, 0, "7,4"}, 0},
  };
  urn__plot_axes_legend_above(&a, e, 2);
  urn__plot_svg_end(svg);
  return URN_OK;
}
