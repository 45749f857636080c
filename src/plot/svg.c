/* plot/svg.c — the SVG 1.1 writer: shapes, escaped text, axes with nice
 * ticks, clipping and legends.  Coordinates are written with two decimals,
 * enough for screens and print, and small files. */
#include "plot/svg.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const palette[] = {
    /* Okabe–Ito-like qualitative colours (readable for colour-blind viewers),
       led by ArviZ's blue and orange. */
    "#2a6fdb", "#f08a24", "#2e9e4f", "#c0357e", "#7a52c7", "#8c5a2b", "#1fb3c4", "#555555",
};

const char *urn__plot_svg_color(int i) {
  int n = (int)(sizeof palette / sizeof *palette);
  return palette[((i % n) + n) % n];
}

void urn__plot_xml_escape(urn_buf *b, const char *text) {
  for (const unsigned char *p = (const unsigned char *)text; p && *p; p++) {
    switch (*p) {
      case '&': urn_buf_puts(b, "&amp;"); break;
      case '<': urn_buf_puts(b, "&lt;"); break;
      case '>': urn_buf_puts(b, "&gt;"); break;
      case '"': urn_buf_puts(b, "&quot;"); break;
      case '\'': urn_buf_puts(b, "&#39;"); break;
      default:
        if (*p < 0x20 && *p != '\t' && *p != '\n') break; /* not allowed in XML 1.0 */
        urn_buf_putc(b, (char)*p);
    }
  }
}

void urn__plot_svg_begin(urn_svg *s, double width, double height) {
  urn_buf_init(&s->out);
  s->width = width, s->height = height, s->next_id = 1, s->closed = 0;
  urn_buf_printf(&s->out,
                 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%.0f\" height=\"%.0f\" "
                 "viewBox=\"0 0 %.0f %.0f\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
                 "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n",
                 width, height, width, height, width, height);
}

void urn__plot_svg_end(urn_svg *s) {
  if (s->closed) return;
  urn_buf_puts(&s->out, "</svg>\n");
  s->closed = 1;
}

void urn__plot_svg_free(urn_svg *s) { urn_buf_free(&s->out); }

int urn__plot_svg_write_file(const urn_svg *s, const char *path, urn_error *err) {
  return urn_write_file(path, s->out.data, s->out.len, err); /* complete, or not there at all */
}

/* Writes the presentation attributes of a style. */
static void put_style(urn_buf *b, const urn_style *st) {
  urn_buf_printf(b, " stroke=\"%s\" fill=\"%s\"", st && st->stroke ? st->stroke : "none",
                 st && st->fill ? st->fill : "none");
  if (st && st->stroke) urn_buf_printf(b, " stroke-width=\"%.2f\"", st->stroke_width > 0 ? st->stroke_width : 1.0);
  if (st && st->opacity > 0 && st->opacity < 1) urn_buf_printf(b, " opacity=\"%.3f\"", st->opacity);
  if (st && st->dash) urn_buf_printf(b, " stroke-dasharray=\"%s\"", st->dash);
}

static int finite2(double a, double b) { return isfinite(a) && isfinite(b); }

void urn__plot_svg_line(urn_svg *s, double x1, double y1, double x2, double y2, const urn_style *st) {
  if (!finite2(x1, y1) || !finite2(x2, y2)) return;
  urn_buf_printf(&s->out, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"", x1, y1, x2, y2);
  put_style(&s->out, st);
  urn_buf_puts(&s->out, "/>\n");
}

void urn__plot_svg_rect(urn_svg *s, double x, double y, double w, double h, const urn_style *st) {
  if (!finite2(x, y) || !finite2(w, h)) return;
  if (w < 0) x += w, w = -w;
  if (h < 0) y += h, h = -h;
  urn_buf_printf(&s->out, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"", x, y, w, h);
  put_style(&s->out, st);
  urn_buf_puts(&s->out, "/>\n");
}

void urn__plot_svg_circle(urn_svg *s, double cx, double cy, double r, const urn_style *st) {
  if (!finite2(cx, cy) || !isfinite(r) || r < 0) return;
  urn_buf_printf(&s->out, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"%.2f\"", cx, cy, r);
  put_style(&s->out, st);
  urn_buf_puts(&s->out, "/>\n");
}

void urn__plot_svg_polyline(urn_svg *s, const double *x, const double *y, size_t n, const urn_style *st) {
  size_t i = 0;
  while (i < n) {
    while (i < n && !finite2(x[i], y[i])) i++;
    size_t start = i;
    while (i < n && finite2(x[i], y[i])) i++;
    if (i - start < 2) continue;
    urn_buf_puts(&s->out, "<polyline points=\"");
    for (size_t k = start; k < i; k++) urn_buf_printf(&s->out, "%s%.2f,%.2f", k > start ? " " : "", x[k], y[k]);
    urn_buf_putc(&s->out, '"');
    put_style(&s->out, st);
    urn_buf_puts(&s->out, " stroke-linejoin=\"round\"/>\n");
  }
}

void urn__plot_svg_polygon(urn_svg *s, const double *x, const double *y, size_t n, const urn_style *st) {
  if (n < 3) return;
  for (size_t k = 0; k < n; k++)
    if (!finite2(x[k], y[k])) return;
  urn_buf_puts(&s->out, "<polygon points=\"");
  for (size_t k = 0; k < n; k++) urn_buf_printf(&s->out, "%s%.2f,%.2f", k ? " " : "", x[k], y[k]);
  urn_buf_putc(&s->out, '"');
  put_style(&s->out, st);
  urn_buf_puts(&s->out, "/>\n");
}

void urn__plot_svg_text(urn_svg *s, double x, double y, const char *text, double size, int anchor, double rotate,
                  const char *color, int bold) {
  if (!finite2(x, y) || !text) return;
  static const char *const anchors[] = {"start", "middle", "end"};
  urn_buf_printf(&s->out, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"%.1f\" text-anchor=\"%s\" fill=\"%s\"", x, y,
                 size, anchors[anchor >= 0 && anchor <= 2 ? anchor : 0], color ? color : "#222222");
  if (bold) urn_buf_puts(&s->out, " font-weight=\"bold\"");
  if (rotate != 0) urn_buf_printf(&s->out, " transform=\"rotate(%.1f %.2f %.2f)\"", rotate, x, y);
  urn_buf_putc(&s->out, '>');
  urn__plot_xml_escape(&s->out, text);
  urn_buf_puts(&s->out, "</text>\n");
}

void urn__plot_svg_group_begin(urn_svg *s, int clip_id) {
  if (clip_id > 0)
    urn_buf_printf(&s->out, "<g clip-path=\"url(#clip%d)\">\n", clip_id);
  else
    urn_buf_puts(&s->out, "<g>\n");
}

void urn__plot_svg_group_end(urn_svg *s) { urn_buf_puts(&s->out, "</g>\n"); }

/* ---- ticks and number formatting ---- */

size_t urn__plot_nice_ticks(double lo, double hi, int target, double *out, size_t max, double *step) {
  if (!(hi > lo) || !isfinite(lo) || !isfinite(hi) || target < 1) {
    if (step) *step = 1;
    if (max > 0 && isfinite(lo)) {
      out[0] = lo;
      return 1;
    }
    return 0;
  }
  double raw = (hi - lo) / target;
  double mag = pow(10, floor(log10(raw)));
  double f = raw / mag, nice;
  if (f < 1.5)
    nice = 1;
  else if (f < 2.25)
    nice = 2;
  else if (f < 3.5)
    nice = 2.5;
  else if (f < 7.5)
    nice = 5;
  else
    nice = 10;
  double st = nice * mag;
  if (step) *step = st;
  double first = ceil(lo / st - 1e-9) * st;
  size_t n = 0;
  for (int k = 0; n < max; k++) {
    double v = first + k * st;
    if (v > hi + st * 1e-9) break;
    if (fabs(v) < st * 1e-9) v = 0;
    out[n++] = v;
  }
  return n;
}

void urn__plot_format_tick(char *out, size_t cap, double v, double step) {
  if (v == 0 || fabs(v) < step * 1e-9) {
    snprintf(out, cap, "0");
    return;
  }
  double av = fabs(v);
  if (av >= 1e6 || av < 1e-4 || step < 1e-5) {
    snprintf(out, cap, "%.3g", v);
    return;
  }
  int decimals = 0;
  /* Decimals needed to show the step exactly (2.5 needs one, 0.25 two). */
  while (decimals < 8) {
    double scaled = step * pow(10, decimals);
    if (fabs(scaled - round(scaled)) < 1e-6 * scaled) break;
    decimals++;
  }
  snprintf(out, cap, "%.*f", decimals, v);
}

void urn__plot_format_value(char *out, size_t cap, double v, int digits) {
  if (!isfinite(v)) {
    snprintf(out, cap, "%s", isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
    return;
  }
  if (v == 0) v = 0; /* no "-0" */
  snprintf(out, cap, "%.*g", digits, v);
  if (!strcmp(out, "-0")) snprintf(out, cap, "0");
}

void urn__plot_pad_range(double *lo, double *hi, double frac) {
  if (!isfinite(*lo) || !isfinite(*hi)) *lo = 0, *hi = 1;
  if (*hi < *lo) {
    double t = *lo;
    *lo = *hi, *hi = t;
  }
  if (*hi == *lo) {
    double d = *lo == 0 ? 0.5 : fabs(*lo) / 10;
    *lo -= d, *hi += d;
    return;
  }
  double w = *hi - *lo;
  *lo -= frac * w, *hi += frac * w;
}

/* ---- axes ---- */

void urn__plot_axes_init(urn_axes *a, urn_svg *s, double px, double py, double pw, double ph, double x0, double x1,
                   double y0, double y1) {
  urn__plot_pad_range(&x0, &x1, 0);
  urn__plot_pad_range(&y0, &y1, 0);
  a->svg = s, a->px = px, a->py = py, a->pw = pw, a->ph = ph;
  a->x0 = x0, a->x1 = x1, a->y0 = y0, a->y1 = y1;
  a->clip_id = s->next_id++;
  urn_buf_printf(&s->out,
                 "<defs><clipPath id=\"clip%d\"><rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"/>"
                 "</clipPath></defs>\n",
                 a->clip_id, px, py, pw, ph);
}

double urn__plot_axes_px(const urn_axes *a, double x) { return a->px + (x - a->x0) / (a->x1 - a->x0) * a->pw; }
double urn__plot_axes_py(const urn_axes *a, double y) { return a->py + a->ph - (y - a->y0) / (a->y1 - a->y0) * a->ph; }

void urn__plot_axes_frame(const urn_axes *a, const char *title, const char *xlabel, const char *ylabel, int flags) {
  urn_svg *s = a->svg;
  urn_style axis = {"#444444", NULL, 1, 0, NULL};
  urn_style grid = {"#e4e4e4", NULL, 1, 0, NULL};
  double ticks[64], step;
  char label[64];
  double bottom = a->py + a->ph, left = a->px;
  if (!(flags & URN_AXES_NO_XTICKS)) {
    int target = a->pw > 320 ? 6 : a->pw > 180 ? 4 : 3;
    size_t n = urn__plot_nice_ticks(a->x0, a->x1, target, ticks, 64, &step);
    for (size_t i = 0; i < n; i++) {
      double x = urn__plot_axes_px(a, ticks[i]);
      urn__plot_svg_line(s, x, bottom, x, bottom + 4, &axis);
      urn__plot_format_tick(label, sizeof label, ticks[i], step);
      urn__plot_svg_text(s, x, bottom + 15, label, 10, URN_ANCHOR_MIDDLE, 0, "#444444", 0);
    }
  }
  size_t widest = 0; /* characters of the widest y tick label, to keep the y label clear of them */
  if (!(flags & URN_AXES_NO_YTICKS)) {
    int target = a->ph > 200 ? 5 : a->ph > 90 ? 4 : 3;
    size_t n = urn__plot_nice_ticks(a->y0, a->y1, target, ticks, 64, &step);
    for (size_t i = 0; i < n; i++) {
      double y = urn__plot_axes_py(a, ticks[i]);
      if (flags & URN_AXES_GRID) urn__plot_svg_line(s, left, y, left + a->pw, y, &grid);
      urn__plot_svg_line(s, left - 4, y, left, y, &axis);
      urn__plot_format_tick(label, sizeof label, ticks[i], step);
      if (strlen(label) > widest) widest = strlen(label);
      urn__plot_svg_text(s, left - 6, y + 3.5, label, 10, URN_ANCHOR_END, 0, "#444444", 0);
    }
  }
  urn__plot_svg_line(s, left, bottom, left + a->pw, bottom, &axis);
  if (!(flags & URN_AXES_NO_YTICKS) || (flags & URN_AXES_BOX)) urn__plot_svg_line(s, left, a->py, left, bottom, &axis);
  if (flags & URN_AXES_BOX) {
    urn__plot_svg_line(s, left, a->py, left + a->pw, a->py, &axis);
    urn__plot_svg_line(s, left + a->pw, a->py, left + a->pw, bottom, &axis);
  }
  if (title) urn__plot_svg_text(s, left + a->pw / 2, a->py - 8, title, 13, URN_ANCHOR_MIDDLE, 0, "#111111", 1);
  if (xlabel) {
    double dy = (flags & URN_AXES_NO_XTICKS) ? 16 : 30;
    urn__plot_svg_text(s, left + a->pw / 2, bottom + dy, xlabel, 11, URN_ANCHOR_MIDDLE, 0, "#222222", 0);
  }
  if (ylabel) {
    /* Tick labels end 6 px left of the axis, about 6 px a character at size 10. */
    double dx = (flags & URN_AXES_NO_YTICKS) ? 10 : fmax(30, 6 + 6.0 * widest + 10);
    urn__plot_svg_text(s, left - dx, a->py + a->ph / 2, ylabel, 11, URN_ANCHOR_MIDDLE, -90, "#222222", 0);
  }
}

/* Pixel coordinates of data points in a temporary array pair. */
static void to_pixels(const urn_axes *a, const double *x, const double *y, size_t n, double *px, double *py) {
  for (size_t i = 0; i < n; i++) px[i] = urn__plot_axes_px(a, x[i]), py[i] = urn__plot_axes_py(a, y[i]);
}

void urn__plot_axes_polyline(const urn_axes *a, const double *x, const double *y, size_t n, const urn_style *st) {
  if (n < 2) return;
  double *px = urn_xmalloc(2 * n * sizeof *px), *py = px + n;
  to_pixels(a, x, y, n, px, py);
  urn__plot_svg_group_begin(a->svg, a->clip_id);
  urn__plot_svg_polyline(a->svg, px, py, n, st);
  urn__plot_svg_group_end(a->svg);
  free(px);
}

void urn__plot_axes_polygon(const urn_axes *a, const double *x, const double *y, size_t n, const urn_style *st) {
  if (n < 3) return;
  double *px = urn_xmalloc(2 * n * sizeof *px), *py = px + n;
  to_pixels(a, x, y, n, px, py);
  urn__plot_svg_group_begin(a->svg, a->clip_id);
  urn__plot_svg_polygon(a->svg, px, py, n, st);
  urn__plot_svg_group_end(a->svg);
  free(px);
}

void urn__plot_axes_line(const urn_axes *a, double x1, double y1, double x2, double y2, const urn_style *st) {
  urn__plot_svg_group_begin(a->svg, a->clip_id);
  urn__plot_svg_line(a->svg, urn__plot_axes_px(a, x1), urn__plot_axes_py(a, y1), urn__plot_axes_px(a, x2), urn__plot_axes_py(a, y2), st);
  urn__plot_svg_group_end(a->svg);
}

void urn__plot_axes_rect(const urn_axes *a, double x0, double y0, double x1, double y1, const urn_style *st) {
  double px0 = urn__plot_axes_px(a, x0), px1 = urn__plot_axes_px(a, x1);
  double py0 = urn__plot_axes_py(a, y0), py1 = urn__plot_axes_py(a, y1);
  urn__plot_svg_group_begin(a->svg, a->clip_id);
  urn__plot_svg_rect(a->svg, px0 < px1 ? px0 : px1, py0 < py1 ? py0 : py1, fabs(px1 - px0), fabs(py1 - py0), st);
  urn__plot_svg_group_end(a->svg);
}

void urn__plot_axes_circle(const urn_axes *a, double x, double y, double r_px, const urn_style *st) {
  urn__plot_svg_group_begin(a->svg, a->clip_id);
  urn__plot_svg_circle(a->svg, urn__plot_axes_px(a, x), urn__plot_axes_py(a, y), r_px, st);
  urn__plot_svg_group_end(a->svg);
}

void urn__plot_axes_vline(const urn_axes *a, double x, const urn_style *st) {
  if (!isfinite(x)) return;
  double px = urn__plot_axes_px(a, x);
  urn__plot_svg_line(a->svg, px, a->py, px, a->py + a->ph, st);
}

void urn__plot_axes_hline(const urn_axes *a, double y, const urn_style *st) {
  if (!isfinite(y)) return;
  double py = urn__plot_axes_py(a, y);
  urn__plot_svg_line(a->svg, a->px, py, a->px + a->pw, py, st);
}

void urn__plot_axes_legend(const urn_axes *a, const urn_legend_entry *e, size_t n, int pos) {
  if (n == 0) return;
  double row = 15, size = 10, sample = 18;
  double width = 0;
  for (size_t i = 0; i < n; i++) {
    double w = strlen(e[i].label ? e[i].label : "") * size * 0.58; /* rough average glyph width */
    if (w > width) width = w;
  }
  width += sample + 16;
  double height = n * row + 8;
  int right = pos == URN_LEGEND_TOP_RIGHT || pos == URN_LEGEND_BOTTOM_RIGHT;
  int top = pos == URN_LEGEND_TOP_RIGHT || pos == URN_LEGEND_TOP_LEFT;
  double x = right ? a->px + a->pw - width - 6 : a->px + 6;
  double y = top ? a->py + 6 : a->py + a->ph - height - 6;
  urn_style box = {"#bbbbbb", "#ffffff", 0.8, 0.85, NULL};
  urn__plot_svg_rect(a->svg, x, y, width, height, &box);
  for (size_t i = 0; i < n; i++) {
    double cy = y + 4 + row * i + row / 2;
    urn_style st = e[i].style;
    if (st.opacity > 0 && st.opacity < 0.5) st.opacity = 0.8; /* faint series still need a visible sample */
    if (e[i].kind == 1)
      urn__plot_svg_rect(a->svg, x + 6, cy - 5, sample, 10, &st);
    else if (e[i].kind == 2)
      urn__plot_svg_circle(a->svg, x + 6 + sample / 2, cy, 3.5, &st);
    else
      urn__plot_svg_line(a->svg, x + 6, cy, x + 6 + sample, cy, &st);
    urn__plot_svg_text(a->svg, x + sample + 11, cy + 3.5, e[i].label ? e[i].label : "", size, URN_ANCHOR_START, 0,
                 "#222222", 0);
  }
}

/* One legend sample (line, square or dot) at (x, cy), sample wide. */
static void legend_sample(urn_svg *s, const urn_legend_entry *e, double x, double cy, double sample) {
  urn_style st = e->style;
  if (st.opacity > 0 && st.opacity < 0.5) st.opacity = 0.8; /* faint series still need a visible sample */
  if (e->kind == 1)
    urn__plot_svg_rect(s, x, cy - 5, sample, 10, &st);
  else if (e->kind == 2)
    urn__plot_svg_circle(s, x + sample / 2, cy, 3.5, &st);
  else
    urn__plot_svg_line(s, x, cy, x + sample, cy, &st);
}

/* Lays out legend entries in rows across `width` px starting at (x0, y0), drawing
 * them when draw is nonzero; returns the number of rows. */
static int legend_rows(urn_svg *s, const urn_legend_entry *e, size_t n, double x0, double y0, double width, int draw) {
  double size = 10.5, sample = 20, row = 16, x = x0, cy = y0;
  size_t on_row = 0;
  int rows = n ? 1 : 0;
  for (size_t i = 0; i < n; i++) {
    const char *label = e[i].label ? e[i].label : "";
    double w = sample + 6 + strlen(label) * size * 0.58 + 18;
    if (on_row && x + w > x0 + width) x = x0, cy += row, on_row = 0, rows++;
    if (draw) {
      legend_sample(s, &e[i], x, cy, sample);
      urn__plot_svg_text(s, x + sample + 6, cy + 3.5, label, size, URN_ANCHOR_START, 0, "#222222", 0);
    }
    x += w;
    on_row++;
  }
  return rows;
}

int urn__plot_legend_rows(const urn_legend_entry *e, size_t n, double width) { return legend_rows(NULL, e, n, 0, 0, width, 0); }

void urn__plot_axes_legend_above(const urn_axes *a, const urn_legend_entry *e, size_t n) {
  /* Top to bottom, so that the last row sits just above the axes. */
  int rows = legend_rows(a->svg, e, n, a->px, 0, a->pw, 0);
  legend_rows(a->svg, e, n, a->px, a->py - 12 - 16.0 * (rows - 1), a->pw, 1);
}
