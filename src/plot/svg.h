/* plot/svg.h — a small SVG 1.1 writer: shapes, escaped text, and "axes"
 * (a data-to-pixel mapping with a frame, nice ticks, labels, a clip region and
 * a legend) on which the plot kinds in plot/plots.h are drawn.
 *
 * Output goes into a urn_buf; nothing here touches files except
 * urn__plot_svg_write_file.  Non-finite coordinates are never written: polylines
 * break at them and single shapes at a non-finite point are skipped, so every
 * document is valid XML whatever the data. */
#ifndef URN_PLOT_SVG_H
#define URN_PLOT_SVG_H

#include <stddef.h>
#include "urn/common.h"
#include "util/util.h"

/* How a shape is painted.  NULL colors mean "none". */
typedef struct urn_style {
  const char *stroke;  /* stroke color (CSS color text), NULL = no stroke */
  const char *fill;    /* fill color, NULL = no fill */
  double stroke_width; /* in pixels; 0 means 1 */
  double opacity;      /* 0 means fully opaque (1); otherwise in (0, 1] */
  const char *dash;    /* stroke-dasharray text such as "4,3", or NULL for solid */
} urn_style;

/* One SVG document being written. */
typedef struct urn_svg {
  urn_buf out;    /* the document text so far */
  double width;   /* canvas width in pixels */
  double height;  /* canvas height in pixels */
  int next_id;    /* counter for unique element ids (clip paths) */
  int closed;     /* urn__plot_svg_end has been called */
} urn_svg;

/* Starts a document of the given size with a white background. */
void urn__plot_svg_begin(urn_svg *s, double width, double height);
/* Closes the document (idempotent). */
void urn__plot_svg_end(urn_svg *s);
void urn__plot_svg_free(urn_svg *s);
/* Writes the closed document to path; URN_EIO with the path on failure. */
int urn__plot_svg_write_file(const urn_svg *s, const char *path, urn_error *err);

/* Appends text with &, <, >, " and ' escaped, and control characters other
 * than tab/newline dropped (they are not allowed in XML 1.0). */
void urn__plot_xml_escape(urn_buf *b, const char *text);

void urn__plot_svg_line(urn_svg *s, double x1, double y1, double x2, double y2, const urn_style *st);
void urn__plot_svg_rect(urn_svg *s, double x, double y, double w, double h, const urn_style *st);
void urn__plot_svg_circle(urn_svg *s, double cx, double cy, double r, const urn_style *st);
/* A polyline through n points; breaks into several where a point is non-finite. */
void urn__plot_svg_polyline(urn_svg *s, const double *x, const double *y, size_t n, const urn_style *st);
/* A closed polygon; skipped entirely if any point is non-finite. */
void urn__plot_svg_polygon(urn_svg *s, const double *x, const double *y, size_t n, const urn_style *st);

enum urn_text_anchor { URN_ANCHOR_START, URN_ANCHOR_MIDDLE, URN_ANCHOR_END };
/* Text at (x, y) (baseline), size in pixels, rotated by `rotate` degrees about
 * its anchor point; bold when weight is nonzero.  color NULL = dark grey. */
void urn__plot_svg_text(urn_svg *s, double x, double y, const char *text, double size, int anchor, double rotate,
                  const char *color, int bold);

/* Opens/closes a group <g>, optionally with a clip-path id (0 = none). */
void urn__plot_svg_group_begin(urn_svg *s, int clip_id);
void urn__plot_svg_group_end(urn_svg *s);

/* The palette used for series: a colour-blind-safe qualitative set. */
const char *urn__plot_svg_color(int i);

/* "Nice" tick positions covering [lo, hi] with about `target` ticks (steps
 * of 1, 2, 2.5 or 5 times a power of ten), the ones inside [lo, hi] only.
 * Writes at most max ticks into out, returns how many; *step gets the step. */
size_t urn__plot_nice_ticks(double lo, double hi, int target, double *out, size_t max, double *step);
/* Formats a tick value with as many decimals as `step` needs ("0.25", "1000",
 * "1e-05"), and "0" rather than "-0". */
void urn__plot_format_tick(char *out, size_t cap, double v, double step);
/* Formats a value for display with `digits` significant digits (%.{digits}g). */
void urn__plot_format_value(char *out, size_t cap, double v, int digits);
/* A range [lo, hi] widened by frac of its width on each side; a degenerate
 * range (lo == hi) is widened to +-0.5 (or +-|lo|/10). */
void urn__plot_pad_range(double *lo, double *hi, double frac);

/* A plotting area: a pixel rectangle and the data ranges it shows. */
typedef struct urn_axes {
  urn_svg *svg;           /* the document drawn on */
  double px, py, pw, ph;  /* plot area in pixels: left, top, width, height */
  double x0, x1;          /* data x range shown (left to right) */
  double y0, y1;          /* data y range shown (bottom to top) */
  int clip_id;            /* id of the clip path around the plot area */
} urn_axes;

/* Sets up axes on the rectangle and declares its clip path.  Ranges must be
 * finite with x0 < x1 and y0 < y1 (degenerate ranges are widened). */
void urn__plot_axes_init(urn_axes *a, urn_svg *s, double px, double py, double pw, double ph, double x0, double x1,
                   double y0, double y1);
double urn__plot_axes_px(const urn_axes *a, double x); /* data x -> pixel x */
double urn__plot_axes_py(const urn_axes *a, double y); /* data y -> pixel y */

/* Flags for urn__plot_axes_frame. */
enum {
  URN_AXES_NO_YTICKS = 1, /* no y tick labels (densities, as ArviZ does) */
  URN_AXES_NO_XTICKS = 2, /* no x tick labels (categorical axes label themselves) */
  URN_AXES_GRID = 4,      /* light grid lines at the y ticks */
  URN_AXES_BOX = 8        /* a full box instead of left+bottom spines */
};
/* Draws the spines, ticks with labels, title above, x label below and y label
 * rotated at the left.  Any text may be NULL. */
void urn__plot_axes_frame(const urn_axes *a, const char *title, const char *xlabel, const char *ylabel, int flags);

/* Shapes in data coordinates, clipped to the plot area. */
void urn__plot_axes_polyline(const urn_axes *a, const double *x, const double *y, size_t n, const urn_style *st);
void urn__plot_axes_polygon(const urn_axes *a, const double *x, const double *y, size_t n, const urn_style *st);
void urn__plot_axes_line(const urn_axes *a, double x1, double y1, double x2, double y2, const urn_style *st);
void urn__plot_axes_rect(const urn_axes *a, double x0, double y0, double x1, double y1, const urn_style *st);
void urn__plot_axes_circle(const urn_axes *a, double x, double y, double r_px, const urn_style *st);
/* A vertical line across the whole plot area at data x / horizontal at data y. */
void urn__plot_axes_vline(const urn_axes *a, double x, const urn_style *st);
void urn__plot_axes_hline(const urn_axes *a, double y, const urn_style *st);

/* One legend entry: a line sample (kind 0), a filled square (kind 1) or a dot (kind 2). */
typedef struct urn_legend_entry {
  const char *label; /* text */
  urn_style style;   /* how the sample is drawn */
  int kind;          /* 0 line, 1 square, 2 dot */
} urn_legend_entry;
enum urn_legend_pos { URN_LEGEND_TOP_RIGHT, URN_LEGEND_TOP_LEFT, URN_LEGEND_BOTTOM_RIGHT, URN_LEGEND_BOTTOM_LEFT };
/* Draws a boxed legend inside the plot area at a corner. */
void urn__plot_axes_legend(const urn_axes *a, const urn_legend_entry *e, size_t n, int pos);
/* Draws the entries in one row just above the plot area (leave ~24 px there),
 * where they cannot hide data; wraps to a second row when wider than the area. */
void urn__plot_axes_legend_above(const urn_axes *a, const urn_legend_entry *e, size_t n);
/* How many rows urn__plot_axes_legend_above needs over a plot area `width` px wide (16 px each). */
int urn__plot_legend_rows(const urn_legend_entry *e, size_t n, double width);

#endif
