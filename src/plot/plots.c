/* plot/plots.c — the plot kinds of plot/plots.h, laid out on a grid of
 * panels and drawn with the axes of plot/svg.h. */
#include "plot/plots.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot/kde.h"
#include "plot/teach.h"
#include "urn/diag.h"
#include "util/util.h"

#define KDE_GRID 200   /* points per density curve */
#define TITLE_H 34.0   /* height of the figure title band */

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Finite values of x[0..n) copied into a new array; *m gets their count. */
static double *finite_copy(const double *x, size_t n, size_t *m) {
  double *v = urn_xmalloc((n ? n : 1) * sizeof *v);
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (isfinite(x[i])) v[k++] = x[i];
  *m = k;
  return v;
}

int urn__plot_hdi(const double *draws, size_t n, double prob, double *lo, double *hi) {
  size_t m;
  double *v = finite_copy(draws, n, &m);
  if (m == 0) {
    free(v);
    return 0;
  }
  qsort(v, m, sizeof *v, cmp_double);
  urn_diag_hdi_sorted(v, m, prob, lo, hi);
  free(v);
  return isfinite(*lo) && isfinite(*hi);
}

void urn__plot_blue_red(double t, char out[8]) {
  if (!(t >= 0)) t = 0;
  if (t > 1) t = 1;
  /* The tutorial's blue-to-red map, softened: #4c4cff -> #ff4c4c. */
  int r = (int)lround(0x4c + t * (0xff - 0x4c)), b = (int)lround(0xff - t * (0xff - 0x4c));
  snprintf(out, 8, "#%02x4c%02x", r, b);
}

static void figure_title(urn_svg *svg, const char *title) {
  if (title) urn__plot_svg_text(svg, svg->width / 2, 22, title, 15, URN_ANCHOR_MIDDLE, 0, "#111111", 1);
}

static void no_data(urn_svg *svg, double x, double y, const char *what) {
  urn__plot_svg_text(svg, x, y, what, 11, URN_ANCHOR_MIDDLE, 0, "#aa0000", 0);
}

static int check_vars(const urn_plot_var *vars, size_t nvars, urn_error *err) {
  if (!vars || nvars == 0) return urn_error_set(err, URN_EINPUT, "plot: no variables to plot");
  for (size_t i = 0; i < nvars; i++)
    if (!vars[i].draws || vars[i].n_chains == 0 || vars[i].n_draws == 0)
      return urn_error_set(err, URN_EINPUT, "plot: variable '%s' has no draws", vars[i].name ? vars[i].name : "?");
  return URN_OK;
}

/* ---- posterior ---- */

/* One posterior panel: KDE, HDI bar, mean, reference. */
static void posterior_panel(urn_svg *svg, const urn_plot_var *v, double cx, double cy, double cw, double ch) {
  size_t total = v->n_chains * v->n_draws;
  double gx[KDE_GRID], gy[KDE_GRID];
  size_t m = urn__plot_kde(v->draws, total, KDE_GRID, gx, gy, NULL);
  const char *name = v->name ? v->name : "";
  if (m == 0) {
    /* Constant or empty: say so rather than draw nothing. */
    size_t k;
    double *f = finite_copy(v->draws, total, &k);
    char msg[160];
    if (k)
      snprintf(msg, sizeof msg, "%s: all %zu draws = %.4g", name, k, f[0]);
    else
      snprintf(msg, sizeof msg, "%s: no finite draws", name);
    free(f);
    no_data(svg, cx + cw / 2, cy + ch / 2, msg);
    return;
  }
  double ymax = 0, mean = 0;
  for (size_t g = 0; g < KDE_GRID; g++)
    if (gy[g] > ymax) ymax = gy[g];
  size_t nf = 0;
  for (size_t i = 0; i < total; i++)
    if (isfinite(v->draws[i])) mean += v->draws[i], nf++;
  mean /= nf;
  double hlo, hhi;
  urn__plot_hdi(v->draws, total, URN_PLOT_HDI_PROB, &hlo, &hhi);
  double x0 = gx[0], x1 = gx[KDE_GRID - 1];
  if (v->has_ref && isfinite(v->ref)) {
    if (v->ref < x0) x0 = v->ref;
    if (v->ref > x1) x1 = v->ref;
  }
  urn__plot_pad_range(&x0, &x1, 0.05);
  urn_axes a;
  /* 30 px under the density's zero line hold the HDI bar and its labels, clear of the curve's tails */
  double plot_h = ch - 44 - 34, below = plot_h > 60 ? 30 * 1.08 * ymax / (plot_h - 30) : 0.16 * ymax;
  urn__plot_axes_init(&a, svg, cx + 18, cy + 44, cw - 36, plot_h, x0, x1, -below, 1.08 * ymax);
  urn__plot_axes_frame(&a, NULL, NULL, NULL, URN_AXES_NO_YTICKS);
  urn__plot_svg_text(svg, cx + cw / 2, cy + 16, name, 13, URN_ANCHOR_MIDDLE, 0, "#111111", 1);
  /* The density curve, filled lightly. */
  double px[KDE_GRID + 2], py[KDE_GRID + 2];
  for (size_t g = 0; g < KDE_GRID; g++) px[g] = gx[g], py[g] = gy[g];
  px[KDE_GRID] = gx[KDE_GRID - 1], py[KDE_GRID] = 0, px[KDE_GRID + 1] = gx[0], py[KDE_GRID + 1] = 0;
  urn_style fill = {NULL, urn__plot_svg_color(0), 0, 0.12, NULL};
  urn__plot_axes_polygon(&a, px, py, KDE_GRID + 2, &fill);
  urn_style line = {urn__plot_svg_color(0), NULL, 2, 0, NULL};
  urn__plot_axes_polyline(&a, gx, gy, KDE_GRID, &line);
  /* HDI bar under the curve's zero line, with its ends and its name written under the bar. */
  double by = urn__plot_axes_py(&a, 0) + 7, bx0 = urn__plot_axes_px(&a, hlo), bx1 = urn__plot_axes_px(&a, hhi);
  urn_style bar = {"#111111", NULL, 4, 0, NULL};
  urn__plot_svg_line(svg, bx0, by, bx1, by, &bar);
  char lo_s[32], hi_s[32], txt[96];
  urn__plot_format_value(lo_s, sizeof lo_s, hlo, 3);
  urn__plot_format_value(hi_s, sizeof hi_s, hhi, 3);
  urn__plot_svg_text(svg, bx0, by + 13, lo_s, 10, URN_ANCHOR_MIDDLE, 0, "#111111", 0);
  urn__plot_svg_text(svg, bx1, by + 13, hi_s, 10, URN_ANCHOR_MIDDLE, 0, "#111111", 0);
  snprintf(txt, sizeof txt, "%.0f%% HDI", URN_PLOT_HDI_PROB * 100);
  urn__plot_svg_text(svg, (bx0 + bx1) / 2, by + 13, txt, 10, URN_ANCHOR_MIDDLE, 0, "#111111", 0);
  /* Mean, written at the top. */
  char mean_s[32];
  urn__plot_format_value(mean_s, sizeof mean_s, mean, 3);
  snprintf(txt, sizeof txt, "mean = %s", mean_s);
  urn__plot_svg_text(svg, cx + cw / 2, cy + 34, txt, 11, URN_ANCHOR_MIDDLE, 0, "#111111", 0);
  urn_style mean_line = {"#111111", NULL, 1, 0.5, "2,3"};
  urn__plot_axes_line(&a, mean, 0, mean, 1.08 * ymax, &mean_line);
  /* Reference value: a dashed line and the share of draws on each side. */
  if (v->has_ref && isfinite(v->ref)) {
    size_t below = 0;
    for (size_t i = 0; i < total; i++)
      if (isfinite(v->draws[i]) && v->draws[i] < v->ref) below++;
    urn_style ref = {"#e0601f", NULL, 2, 0, "6,4"};
    urn__plot_axes_line(&a, v->ref, 0, v->ref, ymax, &ref);
    char ref_s[32];
    urn__plot_format_value(ref_s, sizeof ref_s, v->ref, 3);
    snprintf(txt, sizeof txt, "%.1f%% < %s < %.1f%%", 100.0 * below / nf, ref_s, 100.0 - 100.0 * below / nf);
    urn__plot_svg_text(svg, urn__plot_axes_px(&a, v->ref), urn__plot_axes_py(&a, ymax) - 3, txt, 10, URN_ANCHOR_MIDDLE, 0, "#c04a10",
                 0);
  }
}

int urn__plot_posterior(urn_svg *svg, const urn_plot_var *vars, size_t nvars, int ncols, const char *title,
                       urn_error *err) {
  int rc = check_vars(vars, nvars, err);
  if (rc) return rc;
  if (ncols <= 0) ncols = nvars < 3 ? (int)nvars : 3;
  size_t rows = (nvars + ncols - 1) / ncols;
  /* Panels narrow so that a row fits a 1000 px page (the report) at full size. */
  double cw = ncols * 300 > 1000 ? 1000.0 / ncols : 300, ch = 200, top = title ? TITLE_H : 6;
  urn__plot_svg_begin(svg, ncols * cw, top + rows * ch + 6);
  figure_title(svg, title);
  for (size_t i = 0; i < nvars; i++)
    posterior_panel(svg, &vars[i], (i % ncols) * cw, top + (i / ncols) * ch, cw, ch);
  urn__plot_svg_end(svg);
  return URN_OK;
}

/* ---- trace ---- */

int urn__plot_trace(urn_svg *svg, const urn_plot_var *vars, size_t nvars, const char *title, urn_error *err) {
  int rc = check_vars(vars, nvars, err);
  if (rc) return rc;
  double rowh = 170, top = (title ? TITLE_H : 6) + 18, left_w = 300, right_w = 560;
  urn__plot_svg_begin(svg, left_w + right_w + 20, top + nvars * rowh + 10);
  figure_title(svg, title);
  /* A legend of chain colours across the top. */
  size_t max_chains = 0;
  for (size_t i = 0; i < nvars; i++)
    if (vars[i].n_chains > max_chains) max_chains = vars[i].n_chains;
  for (size_t c = 0; c < max_chains && c < 16; c++) {
    urn_style sw = {urn__plot_svg_color((int)c), NULL, 2.5, 0, NULL};
    double x = 60 + c * 80;
    urn__plot_svg_line(svg, x, top - 12, x + 18, top - 12, &sw);
    char lab[32];
    snprintf(lab, sizeof lab, "chain %zu", c + 1);
    urn__plot_svg_text(svg, x + 22, top - 8, lab, 10, URN_ANCHOR_START, 0, "#222222", 0);
  }
  for (size_t i = 0; i < nvars; i++) {
    const urn_plot_var *v = &vars[i];
    double y = top + i * rowh;
    const char *name = v->name ? v->name : "";
    size_t total = v->n_chains * v->n_draws;
    size_t nf;
    double *f = finite_copy(v->draws, total, &nf);
    if (nf == 0) {
      free(f);
      no_data(svg, (left_w + right_w) / 2, y + rowh / 2, "no finite draws");
      continue;
    }
    double lo = f[0], hi = f[0];
    for (size_t k = 1; k < nf; k++) lo = f[k] < lo ? f[k] : lo, hi = f[k] > hi ? f[k] : hi;
    free(f);
    double xlo = lo, xhi = hi;
    urn__plot_pad_range(&xlo, &xhi, 0.03);
    /* Left: densities per chain. */
    double *gx = urn_xmalloc(v->n_chains * KDE_GRID * 2 * sizeof *gx), *gy = gx + v->n_chains * KDE_GRID;
    size_t *ok = urn_xcalloc(v->n_chains, sizeof *ok);
    double ymax = 0;
    for (size_t c = 0; c < v->n_chains; c++) {
      ok[c] = urn__plot_kde(v->draws + c * v->n_draws, v->n_draws, KDE_GRID, gx + c * KDE_GRID, gy + c * KDE_GRID, NULL);
      for (size_t g = 0; ok[c] && g < KDE_GRID; g++)
        if (gy[c * KDE_GRID + g] > ymax) ymax = gy[c * KDE_GRID + g];
    }
    if (ymax <= 0) ymax = 1;
    urn_axes a;
    urn__plot_axes_init(&a, svg, 50, y + 26, left_w - 70, rowh - 70, xlo, xhi, 0, 1.08 * ymax);
    urn__plot_axes_frame(&a, name, NULL, NULL, URN_AXES_NO_YTICKS);
    for (size_t c = 0; c < v->n_chains; c++) {
      if (!ok[c]) continue;
      urn_style st = {urn__plot_svg_color((int)c), NULL, 1.5, 0.85, NULL};
      urn__plot_axes_polyline(&a, gx + c * KDE_GRID, gy + c * KDE_GRID, KDE_GRID, &st);
    }
    free(gx);
    free(ok);
    /* Right: traces per chain, thinned to at most ~1500 points per chain. */
    urn_axes b;
    urn__plot_axes_init(&b, svg, left_w + 40, y + 26, right_w - 50, rowh - 70, 0, (double)(v->n_draws - 1), xlo, xhi);
    urn__plot_axes_frame(&b, name, "draw", NULL, 0);
    size_t stride = v->n_draws > 1500 ? (v->n_draws + 1499) / 1500 : 1;
    size_t np = (v->n_draws + stride - 1) / stride;
    double *tx = urn_xmalloc(2 * np * sizeof *tx), *ty = tx + np;
    for (size_t c = 0; c < v->n_chains; c++) {
      for (size_t k = 0; k < np; k++) tx[k] = (double)(k * stride), ty[k] = v->draws[c * v->n_draws + k * stride];
      urn_style st = {urn__plot_svg_color((int)c), NULL, 0.8, 0.7, NULL};
      urn__plot_axes_polyline(&b, tx, ty, np, &st);
    }
    free(tx);
    if (v->divergent) {
      /* Divergences: black ticks under the trace at their draw (ArviZ marks them on the axis). */
      urn_style tick = {"#000000", NULL, 1.5, 0, NULL};
      size_t ndiv = 0;
      for (size_t c = 0; c < v->n_chains; c++)
        for (size_t d = 0; d < v->n_draws; d++)
          if (v->divergent[c * v->n_draws + d]) {
            double px = urn__plot_axes_px(&b, (double)d);
            urn__plot_svg_line(svg, px, b.py + b.ph - 8, px, b.py + b.ph, &tick);
            ndiv++;
          }
      if (ndiv) {
        char txt[64];
        snprintf(txt, sizeof txt, "| %zu divergent", ndiv);
        urn__plot_svg_text(svg, b.px + b.pw, b.py - 8, txt, 10, URN_ANCHOR_END, 0, "#000000", 0);
      }
    }
  }
  urn__plot_svg_end(svg);
  return URN_OK;
}

/* ---- rank ---- */

typedef struct rank_item {
  double value; /* the draw */
  size_t index; /* its position in the pooled array */
} rank_item;

static int cmp_rank_item(const void *a, const void *b) {
  const rank_item *x = a, *y = b;
  if (x->value != y->value) return (x->value > y->value) - (x->value < y->value);
  return (x->index > y->index) - (x->index < y->index);
}

/* Average ranks (1-based, ties averaged) of the pooled draws; non-finite
 * values rank last. */
static void pooled_ranks(const double *draws, size_t n, double *rank) {
  rank_item *it = urn_xmalloc(n * sizeof *it);
  for (size_t i = 0; i < n; i++) it[i].value = isfinite(draws[i]) ? draws[i] : INFINITY, it[i].index = i;
  qsort(it, n, sizeof *it, cmp_rank_item);
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j + 1 < n && it[j + 1].value == it[i].value) j++;
    double r = (i + j) / 2.0 + 1;
    for (size_t k = i; k <= j; k++) rank[it[k].index] = r;
    i = j + 1;
  }
  free(it);
}

int urn__plot_rank(urn_svg *svg, const urn_plot_var *vars, size_t nvars, int ncols, const char *title,
                  urn_error *err) {
  int rc = check_vars(vars, nvars, err);
  if (rc) return rc;
  if (ncols <= 0) ncols = nvars < 3 ? (int)nvars : 3;
  size_t max_chains = 1;
  for (size_t i = 0; i < nvars; i++)
    if (vars[i].n_chains > max_chains) max_chains = vars[i].n_chains;
  size_t rows = (nvars + ncols - 1) / ncols;
  double cw = 300, ch = 70 + 42.0 * max_chains, top = title ? TITLE_H : 6;
  urn__plot_svg_begin(svg, ncols * cw, top + rows * ch + 6);
  figure_title(svg, title);
  for (size_t i = 0; i < nvars; i++) {
    const urn_plot_var *v = &vars[i];
    double cx = (i % ncols) * cw, cy = top + (i / ncols) * ch;
    size_t N = v->n_chains * v->n_draws;
    size_t nbins = v->n_draws >= 200 ? 20 : v->n_draws >= 40 ? 10 : v->n_draws >= 10 ? 5 : 1;
    double *rank = urn_xmalloc(N * sizeof *rank);
    pooled_ranks(v->draws, N, rank);
    size_t *count = urn_xcalloc(v->n_chains * nbins, sizeof *count);
    size_t cmax = 1;
    for (size_t c = 0; c < v->n_chains; c++)
      for (size_t d = 0; d < v->n_draws; d++) {
        size_t b = (size_t)((rank[c * v->n_draws + d] - 1) * nbins / N);
        if (b >= nbins) b = nbins - 1;
        if (++count[c * nbins + b] > cmax) cmax = count[c * nbins + b];
      }
    double expect = (double)v->n_draws / nbins;
    if (expect > cmax) cmax = (size_t)ceil(expect);
    /* y axis: chain c occupies [c, c + 0.9) (chain 1 at the top). */
    urn_axes a;
    urn__plot_axes_init(&a, svg, cx + 60, cy + 28, cw - 80, ch - 70, 0, (double)N, 0, (double)v->n_chains);
    urn__plot_axes_frame(&a, v->name, "rank (all chains)", NULL, URN_AXES_NO_YTICKS);
    for (size_t c = 0; c < v->n_chains; c++) {
      double base = (double)(v->n_chains - 1 - c);
      urn_style bar = {"#ffffff", urn__plot_svg_color((int)c), 0.5, 0.85, NULL};
      for (size_t b = 0; b < nbins; b++) {
        double h = 0.85 * count[c * nbins + b] / (double)cmax;
        urn__plot_axes_rect(&a, (double)b * N / nbins, base, (double)(b + 1) * N / nbins, base + h, &bar);
      }
      urn_style uni = {"#111111", NULL, 1, 0, "4,3"};
      double uy = base + 0.85 * expect / cmax;
      urn__plot_axes_line(&a, 0, uy, (double)N, uy, &uni);
      char lab[32];
      snprintf(lab, sizeof lab, "chain %zu", c + 1);
      urn__plot_svg_text(svg, a.px - 6, urn__plot_axes_py(&a, base + 0.4), lab, 10, URN_ANCHOR_END, 0, "#222222", 0);
    }
    free(rank);
    free(count);
  }
  urn__plot_svg_end(svg);
  return URN_OK;
}

/* ---- posterior predictive histogram ---- */

int urn__plot_predictive(urn_svg *svg, const urn_predictive_plot *p, urn_error *err) {
  if (!p || !p->y || p->n == 0 || p->nbins == 0)
    return urn_error_set(err, URN_EINPUT, "plot: predictive plot needs data and bins");
  size_t m;
  double *f = finite_copy(p->y, p->n, &m);
  double lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < m; i++) lo = f[i] < lo ? f[i] : lo, hi = f[i] > hi ? f[i] : hi;
  if (m == 0) lo = 0, hi = 1;
  if (hi == lo) hi = lo + 1;
  double *dens = urn_xcalloc(p->nbins, sizeof *dens);
  double width = (hi - lo) / p->nbins;
  for (size_t i = 0; i < m; i++) {
    size_t b = (size_t)((f[i] - lo) / width);
    if (b >= p->nbins) b = p->nbins - 1;
    dens[b] += 1.0 / (m * width);
  }
  free(f);
  double ymax = 0;
  for (size_t b = 0; b < p->nbins; b++) ymax = dens[b] > ymax ? dens[b] : ymax;
  for (size_t c = 0; p->curves && c < p->n_curves; c++)
    for (size_t g = 0; g < p->n_grid; g++) {
      double d = p->curves[c * p->n_grid + g];
      if (isfinite(d) && d > ymax) ymax = d;
    }
  if (ymax <= 0) ymax = 1;
  double top = (p->title ? TITLE_H : 10) + 24; /* the legend goes above the axes */
  urn__plot_svg_begin(svg, 640, top + 300);
  figure_title(svg, p->title);
  urn_axes a;
  urn__plot_axes_init(&a, svg, 70, top + 10, 540, 230, p->x_lo, p->x_hi, 0, 1.1 * ymax);
  urn__plot_axes_frame(&a, NULL, p->xlabel ? p->xlabel : "y", "density", 0);
  if (p->tutorial_colors) {
    urn__plot_hist_bars(&a, dens, p->nbins, lo, width);
  } else {
    for (size_t b = 0; b < p->nbins; b++) {
      char col[8];
      urn__plot_blue_red(p->nbins > 1 ? 1.0 - (double)b / (p->nbins - 1) : 0.5, col);
      urn_style st = {"#333333", col, 0.6, 0.7, NULL};
      urn__plot_axes_rect(&a, lo + b * width, 0, lo + (b + 1) * width, dens[b], &st);
    }
  }
  free(dens);
  /* Thin draws: opacity so that about 20 overlapping curves look solid, unless given. */
  double op = p->n_curves > 0 ? 6.0 / p->n_curves : 1;
  if (op > 0.5) op = 0.5;
  if (op < 0.02) op = 0.02;
  if (p->curve_opacity > 0 && p->curve_opacity <= 1) op = p->curve_opacity;
  urn_style draw = {"#f08a24", NULL, 1, op, NULL};
  /* The tutorial's picture marks its plotting area for tests (plot/teach.h). */
  if (p->tutorial_colors) urn__plot_map_group(&a, "predictive-curves");
  for (size_t c = 0; p->curves && c < p->n_curves; c++)
    urn__plot_axes_polyline(&a, p->grid, p->curves + c * p->n_grid, p->n_grid, &draw);
  urn_style mean = {"#111111", NULL, 2, 0, "7,4"};
  if (p->mean_curve) urn__plot_axes_polyline(&a, p->grid, p->mean_curve, p->n_grid, &mean);
  if (p->tutorial_colors) urn__plot_svg_group_end(svg);
  urn_legend_entry e[3] = {
      {p->data_label ? p->data_label : "data",
       p->tutorial_colors ? (urn_style){"#000000", "#7f0080", 0.8, 0.7, NULL} : (urn_style){"#333333", "#a04ca0", 0.6, 0.7, NULL},
       1},
      {p->curves_label ? p->curves_label : "posterior predictive draws", {"#f08a24", NULL, 2, 0.8, NULL}, 0},
      {p->mean_label ? p->mean_label : "mean posterior predictive", mean, 0},
  };
  urn__plot_axes_legend_above(&a, e, p->mean_curve ? 3 : 2);
  urn__plot_svg_end(svg);
  return URN_OK;
}

/* ---- regression ---- */

int urn__plot_regression(urn_svg *svg, const urn_regression_plot *p, urn_error *err) {
  if (!p || !p->x || !p->y || p->n == 0 || p->n_comp == 0)
    return urn_error_set(err, URN_EINPUT, "plot: regression plot needs data and at least one component");
  double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
  for (size_t i = 0; i < p->n; i++) {
    if (!isfinite(p->x[i]) || !isfinite(p->y[i])) continue;
    xlo = fmin(xlo, p->x[i]), xhi = fmax(xhi, p->x[i]);
    ylo = fmin(ylo, p->y[i]), yhi = fmax(yhi, p->y[i]);
  }
  if (!isfinite(xlo)) xlo = 0, xhi = 1, ylo = 0, yhi = 1;
  double dylo = ylo, dyhi = yhi;
  urn__plot_pad_range(&xlo, &xhi, 0.02);
  urn__plot_pad_range(&ylo, &yhi, 0.05);
  double top = (p->title ? TITLE_H : 10) + 24; /* the legend goes above the axes */
  urn__plot_svg_begin(svg, 700, top + 330);
  figure_title(svg, p->title);
  urn_axes a;
  urn__plot_axes_init(&a, svg, 70, top + 10, 600, 260, xlo, xhi, ylo, yhi);
  urn__plot_axes_frame(&a, NULL, p->xlabel ? p->xlabel : "x", p->ylabel ? p->ylabel : "y", URN_AXES_GRID);
  urn__plot_svg_group_begin(svg, a.clip_id);
  for (size_t i = 0; i < p->n; i++) {
    char col[8];
    urn__plot_blue_red(dyhi > dylo ? (p->y[i] - dylo) / (dyhi - dylo) : 0.5, col);
    urn_style st = {NULL, col, 0, 0.6, NULL};
    urn__plot_svg_circle(svg, urn__plot_axes_px(&a, p->x[i]), urn__plot_axes_py(&a, p->y[i]), 2.2, &st);
  }
  urn__plot_svg_group_end(svg);
  double op = p->n_lines > 0 ? 5.0 / p->n_lines : 1;
  if (op > 0.4) op = 0.4;
  if (op < 0.02) op = 0.02;
  urn_style draw = {"#f08a24", NULL, 1, op, NULL};
  for (size_t d = 0; p->slopes && p->intercepts && d < p->n_lines; d++)
    for (size_t k = 0; k < p->n_comp; k++) {
      double w = p->slopes[d * p->n_comp + k], c = p->intercepts[d * p->n_comp + k];
      urn__plot_axes_line(&a, xlo, w * xlo + c, xhi, w * xhi + c, &draw);
    }
  urn_style truth = {"#2e9e4f", NULL, 2, 0, "2,3"};
  urn_style mean = {"#111111", NULL, 2, 0, "7,4"};
  for (size_t k = 0; k < p->n_comp; k++) {
    if (p->true_slope && p->true_intercept)
      urn__plot_axes_line(&a, xlo, p->true_slope[k] * xlo + p->true_intercept[k], xhi,
                    p->true_slope[k] * xhi + p->true_intercept[k], &truth);
    if (p->mean_slope && p->mean_intercept)
      urn__plot_axes_line(&a, xlo, p->mean_slope[k] * xlo + p->mean_intercept[k], xhi,
                    p->mean_slope[k] * xhi + p->mean_intercept[k], &mean);
  }
  urn_legend_entry e[4];
  size_t ne = 0;
  e[ne++] = (urn_legend_entry){"data", {NULL, "#a04ca0", 0, 0.7, NULL}, 2};
  if (p->n_lines) e[ne++] = (urn_legend_entry){"posterior draws", {"#f08a24", NULL, 2, 0.8, NULL}, 0};
  if (p->mean_slope && p->mean_intercept) e[ne++] = (urn_legend_entry){"posterior mean", mean, 0};
  if (p->true_slope && p->true_intercept) e[ne++] = (urn_legend_entry){"generating line", truth, 0};
  urn__plot_axes_legend_above(&a, e, ne);
  urn__plot_svg_end(svg);
  return URN_OK;
}

/* ---- HMM pictures ---- */

int urn__plot_hmm_states(urn_svg *svg, const urn_states_plot *p, urn_error *err) {
  if (!p || !p->y || p->T == 0 || p->K < 1 || p->n_seq == 0 || !p->states)
    return urn_error_set(err, URN_EINPUT, "plot: state plot needs emissions, states and K >= 1");
  for (size_t s = 0; s < p->n_seq; s++)
    for (size_t t = 0; t < p->T; t++)
      if (p->states[s][t] < 0 || p->states[s][t] >= p->K)
        return urn_error_set(err, URN_EINPUT, "plot: state %d at time %zu is outside [0, %d)", p->states[s][t], t,
                             p->K);
  double top = (p->title ? TITLE_H : 6) + 20, in_h = p->inputs ? 110 : 0, seq_h = 170;
  urn__plot_svg_begin(svg, 960, top + in_h + p->n_seq * seq_h + 10);
  figure_title(svg, p->title);
  /* State legend across the top. */
  for (int k = 0; k < p->K; k++) {
    urn_style sw = {"#777777", urn__plot_svg_color(k), 0.5, 0.35, NULL};
    double x = 70 + k * 90;
    urn__plot_svg_rect(svg, x, top - 22, 16, 11, &sw);
    char lab[32];
    snprintf(lab, sizeof lab, "state %d", k + 1);
    urn__plot_svg_text(svg, x + 20, top - 12.5, lab, 10, URN_ANCHOR_START, 0, "#222222", 0);
  }
  /* Time on the x axis: step t of the arrays is time t0 + t. */
  double t0 = (double)p->t0, x0 = t0 - 0.5, x1 = t0 + p->T - 0.5;
  double *tx = urn_xmalloc(p->T * sizeof *tx);
  for (size_t t = 0; t < p->T; t++) tx[t] = t0 + (double)t;
  if (p->inputs) {
    double lo = INFINITY, hi = -INFINITY;
    for (size_t t = 0; t < p->T; t++)
      if (isfinite(p->inputs[t])) lo = fmin(lo, p->inputs[t]), hi = fmax(hi, p->inputs[t]);
    urn__plot_pad_range(&lo, &hi, 0.08);
    urn_axes a;
    urn__plot_axes_init(&a, svg, 70, top + 14, 860, in_h - 44, x0, x1, lo, hi);
    urn__plot_axes_frame(&a, NULL, NULL, "input", 0);
    urn_style st = {"#111111", NULL, 1.2, 0, NULL};
    urn__plot_axes_polyline(&a, tx, p->inputs, p->T, &st);
  }
  double lo = INFINITY, hi = -INFINITY;
  for (size_t t = 0; t < p->T; t++)
    if (isfinite(p->y[t])) lo = fmin(lo, p->y[t]), hi = fmax(hi, p->y[t]);
  double dlo = lo, dhi = hi;
  urn__plot_pad_range(&lo, &hi, 0.1);
  for (size_t s = 0; s < p->n_seq; s++) {
    urn_axes a;
    urn__plot_axes_init(&a, svg, 70, top + in_h + s * seq_h + 24, 860, seq_h - 64, x0, x1, lo, hi);
    /* Background bands: one rectangle per run of equal states. */
    const int *z = p->states[s];
    for (size_t t = 0; t < p->T;) {
      size_t u = t;
      while (u + 1 < p->T && z[u + 1] == z[t]) u++;
      urn_style band = {NULL, urn__plot_svg_color(z[t]), 0, 0.28, NULL};
      urn__plot_axes_rect(&a, tx[t] - 0.5, lo, tx[u] + 0.5, hi, &band);
      t = u + 1;
    }
    urn__plot_axes_frame(&a, p->seq_names ? p->seq_names[s] : NULL, s + 1 == p->n_seq ? "time" : NULL, "emission", 0);
    urn_style line = {"#222222", NULL, 0.8, 0.6, NULL};
    urn__plot_axes_polyline(&a, tx, p->y, p->T, &line);
    urn__plot_svg_group_begin(svg, a.clip_id);
    for (size_t t = 0; t < p->T; t++) {
      char col[8];
      urn__plot_blue_red(dhi > dlo ? (p->y[t] - dlo) / (dhi - dlo) : 0.5, col);
      urn_style dot = {"#222222", col, 0.4, 0, NULL};
      urn__plot_svg_circle(svg, urn__plot_axes_px(&a, tx[t]), urn__plot_axes_py(&a, p->y[t]), p->T > 400 ? 1.5 : 3, &dot);
    }
    urn__plot_svg_group_end(svg);
  }
  free(tx);
  urn__plot_svg_end(svg);
  return URN_OK;
}

/* One panel of the EM trace: iterations [i0, n) over the y range [lo, hi]. */
static void em_panel(urn_svg *svg, const double *lps, size_t i0, size_t n, double lo, double hi, int has_ref,
                     double ref, const char *ref_label, double px, double py, double pw, double ph,
                     const char *panel_title, int legend) {
  urn_axes a;
  urn__plot_axes_init(&a, svg, px, py, pw, ph, (double)i0, n - 1 > i0 ? (double)(n - 1) : (double)i0 + 1, lo, hi);
  urn__plot_axes_frame(&a, panel_title, "EM iteration", "log joint", URN_AXES_GRID);
  double *x = urn_xmalloc(n * sizeof *x);
  for (size_t i = 0; i < n; i++) x[i] = (double)i;
  urn_style st = {"#111111", NULL, 2, 0, "7,4"};
  urn__plot_axes_polyline(&a, x + i0, lps + i0, n - i0, &st);
  free(x);
  urn_style rs = {"#2a6fdb", NULL, 1.8, 0, "2,3"};
  if (has_ref) urn__plot_axes_hline(&a, ref, &rs);
  if (!legend) return;
  /* The legend goes above the panel, in a row, where it can hide no line. */
  double lx = px + 4, ly = py - (panel_title ? 44 : 20);
  urn__plot_svg_line(svg, lx, ly, lx + 22, ly, &st);
  urn__plot_svg_text(svg, lx + 28, ly + 4, "EM", 11, URN_ANCHOR_START, 0, "#222222", 0);
  if (has_ref) {
    lx += 70;
    urn__plot_svg_line(svg, lx, ly, lx + 22, ly, &rs);
    urn__plot_svg_text(svg, lx + 28, ly + 4, ref_label ? ref_label : "reference", 11, URN_ANCHOR_START, 0, "#222222", 0);
  }
}

int urn__plot_em_trace(urn_svg *svg, const double *lps, size_t n, int has_ref, double ref, const char *ref_label,
                      const char *title, urn_error *err) {
  if (!lps || n == 0) return urn_error_set(err, URN_EINPUT, "plot: EM trace needs at least one value");
  has_ref = has_ref && isfinite(ref);
  double lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < n; i++)
    if (isfinite(lps[i])) lo = fmin(lo, lps[i]), hi = fmax(hi, lps[i]);
  if (has_ref) lo = fmin(lo, ref), hi = fmax(hi, ref);
  /* The first iterations often sit far below the rest, which would squash the
     converged part (and its distance to the reference) into a flat line: then
     a second panel zooms on the iterations after the first fifth. */
  size_t i0 = n / 5;
  double tlo = INFINITY, thi = -INFINITY;
  for (size_t i = i0; i < n; i++)
    if (isfinite(lps[i])) tlo = fmin(tlo, lps[i]), thi = fmax(thi, lps[i]);
  if (has_ref) tlo = fmin(tlo, ref), thi = fmax(thi, ref);
  int zoom = n >= 5 && isfinite(tlo) && tlo - lo > 10 * (thi - tlo);
  double top = title ? TITLE_H : 10;
  urn__plot_pad_range(&lo, &hi, 0.06);
  if (!zoom) {
    urn__plot_svg_begin(svg, 640, top + 320);
    figure_title(svg, title);
    em_panel(svg, lps, 0, n, lo, hi, has_ref, ref, ref_label, 90, top + 34, 520, 230, NULL, 1);
  } else {
    urn__plot_pad_range(&tlo, &thi, 0.15);
    urn__plot_svg_begin(svg, 980, top + 340);
    figure_title(svg, title);
    char sub[64];
    snprintf(sub, sizeof sub, "iterations %zu-%zu (zoomed)", i0, n - 1);
    em_panel(svg, lps, 0, n, lo, hi, has_ref, ref, ref_label, 90, top + 54, 330, 230, "all iterations", 1);
    em_panel(svg, lps, i0, n, tlo, thi, has_ref, ref, ref_label, 540, top + 54, 410, 230, sub, 0);
  }
  urn__plot_svg_end(svg);
  return URN_OK;
}

/* White (0) to dark green (1), like seaborn's "Greens". */
static void greens(double t, char out[8]) {
  static const double stops[3][3] = {{247, 252, 245}, {116, 196, 118}, {0, 68, 27}};
  if (!(t >= 0)) t = 0;
  if (t > 1) t = 1;
  int i = t < 0.5 ? 0 : 1;
  double u = t < 0.5 ? t * 2 : (t - 0.5) * 2;
  int c[3];
  for (int k = 0; k < 3; k++) c[k] = (int)lround(stops[i][k] + u * (stops[i + 1][k] - stops[i][k]));
  snprintf(out, 8, "#%02x%02x%02x", c[0], c[1], c[2]);
}

int urn__plot_heatmaps(urn_svg *svg, const double *const *mats, const char *const *titles, size_t n_mats, int K,
                      urn_error *err) {
  if (!mats || n_mats == 0 || K < 1) return urn_error_set(err, URN_EINPUT, "plot: heatmaps need matrices and K >= 1");
  double cell = K <= 4 ? 56 : K <= 8 ? 36 : 24, side = cell * K, panel_w = side + 110;
  urn__plot_svg_begin(svg, n_mats * panel_w + 20, side + 110);
  for (size_t m = 0; m < n_mats; m++) {
    double ox = 20 + m * panel_w + 60, oy = 40;
    if (titles && titles[m]) urn__plot_svg_text(svg, ox + side / 2, 22, titles[m], 13, URN_ANCHOR_MIDDLE, 0, "#111111", 1);
    for (int i = 0; i < K; i++)
      for (int j = 0; j < K; j++) {
        double v = mats[m][i * K + j];
        char col[8], txt[32];
        greens(v, col);
        urn_style st = {"#ffffff", col, 1, 0, NULL};
        urn__plot_svg_rect(svg, ox + j * cell, oy + i * cell, cell, cell, &st);
        if (cell >= 30) {
          snprintf(txt, sizeof txt, "%.2f", v);
          urn__plot_svg_text(svg, ox + (j + 0.5) * cell, oy + (i + 0.5) * cell + 4, txt, cell >= 50 ? 12 : 9,
                       URN_ANCHOR_MIDDLE, 0, v > 0.55 ? "#ffffff" : "#111111", 0);
        }
      }
    for (int k = 0; k < K; k++) {
      char lab[16];
      snprintf(lab, sizeof lab, "%d", k + 1);
      urn__plot_svg_text(svg, ox - 6, oy + (k + 0.5) * cell + 4, lab, 10, URN_ANCHOR_END, 0, "#444444", 0);
      urn__plot_svg_text(svg, ox + (k + 0.5) * cell, oy + side + 14, lab, 10, URN_ANCHOR_MIDDLE, 0, "#444444", 0);
    }
    urn__plot_svg_text(svg, ox + side / 2, oy + side + 32, "next state", 11, URN_ANCHOR_MIDDLE, 0, "#222222", 0);
    urn__plot_svg_text(svg, ox - 24, oy + side / 2, "current state", 11, URN_ANCHOR_MIDDLE, -90, "#222222", 0);
  }
  urn__plot_svg_end(svg);
  return URN_OK;
}

/* ---- bars ---- */

/* One panel of grouped bars; its own legend unless the figure has a shared one. */
static void bar_panel(urn_svg *svg, const urn_bar_panel *p, double cx, double cy, double cw, double ch,
                      int shared_legend) {
  size_t nc = p->n_categories, ns = p->n_series ? p->n_series : 1;
  double lo = 0, hi = 0;
  int has_legend = p->series_names && ns > 1 && !shared_legend;
  if (p->fixed_range) {
    lo = p->y_min, hi = p->y_max;
  } else {
    for (size_t i = 0; i < ns * nc; i++) {
      double v = p->values[i];
      if (p->err_lo && isfinite(p->err_lo[i])) lo = fmin(lo, p->err_lo[i]);
      if (p->err_hi && isfinite(p->err_hi[i])) hi = fmax(hi, p->err_hi[i]);
      if (isfinite(v)) lo = fmin(lo, v), hi = fmax(hi, v);
    }
    if (hi == lo) hi = lo + 1;
    double w = hi - lo;
    hi += (has_legend ? 0.2 * ns + 0.1 : 0.15) * w; /* room for the legend above the bars */
    if (lo < 0) lo -= 0.1 * w;
  }
  urn_axes a;
  urn__plot_axes_init(&a, svg, cx + 64, cy + 30, cw - 84, ch - 30 - 48, -0.5, nc - 0.5, lo, hi);
  urn__plot_axes_frame(&a, p->title, NULL, p->ylabel, URN_AXES_NO_XTICKS | URN_AXES_GRID);
  if (p->xlabel) urn__plot_svg_text(svg, a.px + a.pw / 2, a.py + a.ph + 32, p->xlabel, 11, URN_ANCHOR_MIDDLE, 0, "#222222", 0);
  double group = 0.8, bw = group / ns;
  urn_style zero = {"#444444", NULL, 1, 0, NULL};
  if (lo < 0 && hi > 0) urn__plot_axes_hline(&a, 0, &zero);
  for (size_t c = 0; c < nc; c++) {
    if (p->categories && p->categories[c])
      urn__plot_svg_text(svg, urn__plot_axes_px(&a, (double)c), a.py + a.ph + 15, p->categories[c], 10, URN_ANCHOR_MIDDLE, 0,
                   "#444444", 0);
    for (size_t s = 0; s < ns; s++) {
      double v = p->values[s * nc + c];
      double x0 = c - group / 2 + s * bw;
      const char *col = ns == 1 && p->category_colors ? p->category_colors[c] : urn__plot_svg_color((int)s);
      urn_style st = {"#222222", col, 0.8, 0.8, NULL};
      if (isfinite(v)) urn__plot_axes_rect(&a, x0, 0 > lo ? 0 : lo, x0 + bw * 0.95, v, &st);
      if (p->err_lo && p->err_hi && isfinite(p->err_lo[s * nc + c]) && isfinite(p->err_hi[s * nc + c])) {
        double xm = x0 + bw * 0.475, cap = bw * 0.18;
        urn_style eb = {"#000000", NULL, 1.3, 0, NULL};
        urn__plot_axes_line(&a, xm, p->err_lo[s * nc + c], xm, p->err_hi[s * nc + c], &eb);
        urn__plot_axes_line(&a, xm - cap, p->err_lo[s * nc + c], xm + cap, p->err_lo[s * nc + c], &eb);
        urn__plot_axes_line(&a, xm - cap, p->err_hi[s * nc + c], xm + cap, p->err_hi[s * nc + c], &eb);
      }
    }
  }
  if (has_legend) {
    urn_legend_entry e[8];
    size_t n = ns < 8 ? ns : 8;
    for (size_t s = 0; s < n; s++) e[s] = (urn_legend_entry){p->series_names[s], {"#222222", urn__plot_svg_color((int)s), 0.8, 0.8, NULL}, 1};
    /* Over whichever end group has the lower bars. */
    double first = -INFINITY, last = -INFINITY;
    for (size_t s = 0; s < ns; s++) {
      if (isfinite(p->values[s * nc])) first = fmax(first, p->values[s * nc]);
      if (isfinite(p->values[s * nc + nc - 1])) last = fmax(last, p->values[s * nc + nc - 1]);
    }
    urn__plot_axes_legend(&a, e, n, last > first ? URN_LEGEND_TOP_LEFT : URN_LEGEND_TOP_RIGHT);
  }
}

int urn__plot_bars(urn_svg *svg, const urn_bar_panel *panels, size_t n_panels, int ncols, const char *title,
                  urn_error *err) {
  if (!panels || n_panels == 0) return urn_error_set(err, URN_EINPUT, "plot: no bar panels");
  for (size_t i = 0; i < n_panels; i++)
    if (!panels[i].values || panels[i].n_categories == 0)
      return urn_error_set(err, URN_EINPUT, "plot: bar panel %zu has no values", i + 1);
  if (ncols <= 0) ncols = (int)n_panels;
  size_t rows = (n_panels + ncols - 1) / ncols;
  /* Panels with the same series share one legend in a row under the title,
     where it cannot hide a bar (a legend inside a panel would, with a fixed
     [0, 1] axis and a bar near 1). */
  const urn_bar_panel *p0 = &panels[0];
  int shared = p0->series_names && p0->n_series > 1 && p0->n_series <= 8;
  for (size_t i = 1; shared && i < n_panels; i++) {
    shared = panels[i].series_names && panels[i].n_series == p0->n_series;
    for (size_t k = 0; shared && k < p0->n_series; k++)
      shared = panels[i].series_names[k] && p0->series_names[k] &&
               !strcmp(panels[i].series_names[k], p0->series_names[k]);
  }
  /* Panels narrow so that a row fits a 1000 px page (the report) at full size. */
  double cw = n_panels == 1 ? 440 : ncols * 300 + 10 > 1000 ? 990.0 / ncols : 300, ch = 230;
  double top = (title ? TITLE_H : 6) + (shared ? 24 : 0);
  urn__plot_svg_begin(svg, ncols * cw + 10, top + rows * ch + 6);
  figure_title(svg, title);
  if (shared) {
    double w = 0;
    for (size_t k = 0; k < p0->n_series; k++) w += 36 + 6.2 * strlen(p0->series_names[k]);
    double x = (ncols * cw + 10 - w) / 2, y = top - 14;
    for (size_t k = 0; k < p0->n_series; k++) {
      urn_style sw = {"#222222", urn__plot_svg_color((int)k), 0.8, 0.8, NULL};
      urn__plot_svg_rect(svg, x, y - 9, 18, 10, &sw);
      urn__plot_svg_text(svg, x + 23, y, p0->series_names[k], 11, URN_ANCHOR_START, 0, "#222222", 0);
      x += 36 + 6.2 * strlen(p0->series_names[k]);
    }
  }
  for (size_t i = 0; i < n_panels; i++)
    bar_panel(svg, &panels[i], (i % ncols) * cw, top + (i / ncols) * ch, cw, ch, shared);
  urn__plot_svg_end(svg);
  return URN_OK;
}

/* ---- lines ---- */

int urn__plot_lines(urn_svg *svg, const urn_lines_plot *p, urn_error *err) {
  if (!p || !p->x || p->n < 2 || p->n_series == 0 || !p->y)
    return urn_error_set(err, URN_EINPUT, "plot: a line plot needs at least two points and one series");
  double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
  for (size_t i = 0; i < p->n; i++)
    if (isfinite(p->x[i])) xlo = fmin(xlo, p->x[i]), xhi = fmax(xhi, p->x[i]);
  for (size_t s = 0; s < p->n_series; s++)
    for (size_t i = 0; i < p->n; i++)
      if (isfinite(p->y[s][i])) ylo = fmin(ylo, p->y[s][i]), yhi = fmax(yhi, p->y[s][i]);
  int from_zero = ylo >= 0 && ylo < 0.2 * yhi; /* densities: the axis starts at zero */
  urn__plot_pad_range(&ylo, &yhi, 0.05);
  if (from_zero) ylo = 0;
  urn_legend_entry e[16];
  size_t ne = 0;
  for (size_t s = 0; s < p->n_series; s++) {
    urn_style st = {p->colors ? p->colors[s] : urn__plot_svg_color((int)s), NULL, 2, 0,
                    p->dashed && p->dashed[s] ? "7,4" : NULL};
    if (ne < 16 && p->labels) e[ne++] = (urn_legend_entry){p->labels[s], st, 0};
  }
  /* The legend rows go above the axes. */
  double top = (p->title ? TITLE_H : 10) + 8 + 16.0 * urn__plot_legend_rows(e, ne, 530);
  urn__plot_svg_begin(svg, 640, top + 300);
  figure_title(svg, p->title);
  urn_axes a;
  urn__plot_axes_init(&a, svg, 80, top + 10, 530, 230, xlo, xhi, ylo, yhi);
  urn__plot_axes_frame(&a, NULL, p->xlabel, p->ylabel, URN_AXES_GRID);
  for (size_t s = 0; s < p->n_series; s++) {
    urn_style st = {p->colors ? p->colors[s] : urn__plot_svg_color((int)s), NULL, 2, 0,
                    p->dashed && p->dashed[s] ? "7,4" : NULL};
    urn__plot_axes_polyline(&a, p->x, p->y[s], p->n, &st);
  }
  urn__plot_axes_legend_above(&a, e, ne);
  urn__plot_svg_end(svg);
  return URN_OK;
}
