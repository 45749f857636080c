/* tests/svg_read.h — reads back what urn's SVG writer drew, in data units:
 * the groups <g class="KIND" data-map="px py pw ph x0 x1 y0 y1"> of the
 * teaching pictures (src/plot/teach.h) and the rects, circles and polylines
 * inside them, so that tests compare drawn geometry with reference numbers. */
#ifndef URN_TEST_SVG_READ_H
#define URN_TEST_SVG_READ_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One mapped group: its pixel rectangle and data ranges, and its text span. */
typedef struct svg_group {
  double px, py, pw, ph; /* plotting area in pixels */
  double x0, x1, y0, y1; /* data ranges shown */
  const char *start;     /* first character inside the group */
  const char *end;       /* its closing </g> */
} svg_group;

/* The next group of class `kind` at or after *pos; advances *pos past it.
 * Returns 0 when there is none. */
static int svg_next_group(const char **pos, const char *kind, svg_group *g) {
  char open[96];
  snprintf(open, sizeof open, "<g class=\"%s\" data-map=\"", kind);
  const char *s = strstr(*pos, open);
  if (!s) return 0;
  s += strlen(open);
  if (sscanf(s, "%lf %lf %lf %lf %lf %lf %lf %lf", &g->px, &g->py, &g->pw, &g->ph, &g->x0, &g->x1, &g->y0,
             &g->y1) != 8)
    return 0;
  g->start = strchr(s, '>') + 1;
  int depth = 1;
  const char *p = g->start;
  while (depth > 0 && *p) {
    if (!strncmp(p, "<g ", 3) || !strncmp(p, "<g>", 3)) depth++;
    if (!strncmp(p, "</g>", 4)) depth--;
    if (depth > 0) p++;
  }
  g->end = p;
  *pos = p;
  return 1;
}

/* Pixel to data. */
static double svg_data_x(const svg_group *g, double px) { return g->x0 + (px - g->px) / g->pw * (g->x1 - g->x0); }
static double svg_data_y(const svg_group *g, double py) {
  return g->y0 + (g->py + g->ph - py) / g->ph * (g->y1 - g->y0);
}

/* The value of attribute `name` of the element starting at el (up to its '>'), or NULL. */
static const char *svg_attr(const char *el, const char *name, char *out, size_t cap) {
  const char *close = strchr(el, '>');
  char key[48];
  snprintf(key, sizeof key, " %s=\"", name);
  const char *a = strstr(el, key);
  if (!a || !close || a > close) return NULL;
  a += strlen(key);
  const char *q = strchr(a, '"');
  size_t n = (size_t)(q - a) < cap - 1 ? (size_t)(q - a) : cap - 1;
  memcpy(out, a, n);
  out[n] = 0;
  return out;
}

static double svg_num_attr(const char *el, const char *name) {
  char v[64];
  return svg_attr(el, name, v, sizeof v) ? strtod(v, NULL) : NAN;
}

/* The next element <tag ...> in [*pos, end), or NULL; advances *pos past its start. */
static const char *svg_next_elem(const char **pos, const char *end, const char *tag) {
  char open[32];
  snprintf(open, sizeof open, "<%s ", tag);
  const char *e = strstr(*pos, open);
  if (!e || e >= end) return NULL;
  *pos = e + 1;
  return e;
}

/* The points of a polyline element in data units: at most cap pairs into x, y; returns the count. */
static size_t svg_polyline_points(const svg_group *g, const char *el, double *x, double *y, size_t cap) {
  const char *a = strstr(el, " points=\"");
  if (!a) return 0;
  a += 9;
  size_t n = 0;
  while (*a && *a != '"' && n < cap) {
    char *e;
    double px = strtod(a, &e);
    if (*e != ',') break;
    double py = strtod(e + 1, &e);
    x[n] = svg_data_x(g, px), y[n] = svg_data_y(g, py), n++;
    a = e;
    while (*a == ' ') a++;
  }
  return n;
}

#endif
