/* plot/explorer.c — the mixture explorer's controls and script (see
 * explorer.h).  The script reads the curve's data-map (pixel rectangle and
 * data ranges, plot/teach.h) and recomputes its points in the same way the C
 * code drew them, so the page opens showing exactly what it will redraw. */
#include "plot/explorer.h"

#include <math.h>
#include <stdio.h>

#include "util/util.h"

/* ES5, no library.  Kept free of "]]>" and "</script" (urn__plot_report_script). */
static const char *const script =
    "(function () {\n"
    "  var root = document.getElementById('mixture-explorer');\n"
    "  if (!root) return;\n"
    "  var curve = root.querySelector('polyline.explorer-curve');\n"
    "  var map = curve.closest('g.explorer-axes').getAttribute('data-map').split(' ').map(Number);\n"
    "  var n = Number(curve.getAttribute('data-n'));\n"
    "  var names = ['weight', 'mean_1', 'mean_2'];\n"
    "  var inputs = names.map(function (k) { return root.querySelector('input[name=\"' + k + '\"]'); });\n"
    "  var outputs = names.map(function (k) { return root.querySelector('output[name=\"' + k + '-value\"]'); });\n"
    "  function phi(z) { return Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI); }\n"
    "  var ys = (root.getAttribute('data-y') || '').trim().split(/\\s+/).filter(String).map(Number);\n"
    "  var llOut = root.querySelector('output[name=\"loglik\"]');\n"
    "  /* sum of log(w N(y | m1, 1) + (1 - w) N(y | m2, 1)) by log-sum-exp, as the C code */\n"
    "  function loglik(w, m1, m2) {\n"
    "    var c = -0.5 * Math.log(2 * Math.PI), lw1 = Math.log(w), lw2 = Math.log(1 - w), s = 0;\n"
    "    for (var i = 0; i < ys.length; i++) {\n"
    "      var a = lw1 - 0.5 * (ys[i] - m1) * (ys[i] - m1), b = lw2 - 0.5 * (ys[i] - m2) * (ys[i] - m2);\n"
    "      var m = Math.max(a, b);\n"
    "      s += m + Math.log(Math.exp(a - m) + Math.exp(b - m)) + c;\n"
    "    }\n"
    "    return s;\n"
    "  }\n"
    "  /* the mixture density: w N(y | m1, 1) + (1 - w) N(y | m2, 1) */\n"
    "  function density(y, w, m1, m2) { return w * phi(y - m1) + (1 - w) * phi(y - m2); }\n"
    "  function redraw() {\n"
    "    var v = inputs.map(function (el) { return Number(el.value); });\n"
    "    var px = map[0], py = map[1], pw = map[2], ph = map[3];\n"
    "    var x0 = map[4], x1 = map[5], y0 = map[6], y1 = map[7], pts = [];\n"
    "    for (var g = 0; g < n; g++) {\n"
    "      var x = x0 + (x1 - x0) * g / (n - 1), d = density(x, v[0], v[1], v[2]);\n"
    "      pts.push((px + (x - x0) / (x1 - x0) * pw).toFixed(2) + ',' +\n"
    "               (py + ph - (d - y0) / (y1 - y0) * ph).toFixed(2));\n"
    "    }\n"
    "    curve.setAttribute('points', pts.join(' '));\n"
    "    for (var i = 0; i < 3; i++) outputs[i].textContent = v[i].toFixed(2);\n"
    "    if (llOut && ys.length) llOut.textContent = loglik(v[0], v[1], v[2]).toFixed(2);\n"
    "    root.setAttribute('data-state', v.join(' '));\n"
    "  }\n"
    "  inputs.forEach(function (el) { el.addEventListener('input', redraw); el.addEventListener('change', redraw); });\n"
    "  redraw();\n"
    "})();";

/* One labelled slider with its value shown. */
static void slider(urn_buf *b, const char *name, double min, double max, double value) {
  urn_buf_printf(b,
                 "<label>%s <input type=\"range\" name=\"%s\" min=\"%g\" max=\"%g\" step=\"%g\" value=\"%g\"/> "
                 "<output name=\"%s-value\">%.2f</output></label>\n",
                 name, name, min, max, URN_EXPLORER_STEP, value, name, value);
}

double urn__plot_explorer_loglik(const double *y, size_t n, double w, double mu1, double mu2) {
  double c = -0.5 * log(2 * M_PI), lw1 = log(w), lw2 = log(1 - w), sum = 0;
  for (size_t i = 0; i < n; i++) {
    double a = lw1 - 0.5 * (y[i] - mu1) * (y[i] - mu1), b = lw2 - 0.5 * (y[i] - mu2) * (y[i] - mu2);
    double m = fmax(a, b);
    sum += m + log(exp(a - m) + exp(b - m)) + c;
  }
  return sum;
}

void urn__plot_report_mixture_explorer(urn_report *r, const urn_svg *svg, const double *y, size_t n, const char *caption) {
  urn_buf b;
  urn_buf_init(&b);
  urn_buf_puts(&b, "<div class=\"controls\">\n");
  slider(&b, "weight", 0, 1, URN_EXPLORER_W0);
  slider(&b, "mean_1", URN_EXPLORER_MEAN_MIN, URN_EXPLORER_MEAN_MAX, URN_EXPLORER_MU1_0);
  slider(&b, "mean_2", URN_EXPLORER_MEAN_MIN, URN_EXPLORER_MEAN_MAX, URN_EXPLORER_MU2_0);
  if (n)
    urn_buf_printf(&b, "<label>log likelihood of the %zu data <output name=\"loglik\">%.2f</output></label>\n", n,
                   urn__plot_explorer_loglik(y, n, URN_EXPLORER_W0, URN_EXPLORER_MU1_0, URN_EXPLORER_MU2_0));
  urn_buf_puts(&b, "</div>\n");
  /* the wrapper's id marks the explorer for the script; the data ride along for the log likelihood */
  urn_buf_puts(&r->body, "<div id=\"mixture-explorer\" class=\"explorer\" data-y=\"");
  for (size_t i = 0; i < n; i++)
    if (isfinite(y[i])) urn_buf_printf(&r->body, "%s%.9g", i ? " " : "", y[i]);
  urn_buf_puts(&r->body, "\">\n");
  urn__plot_report_figure_html(r, svg, b.data, caption);
  urn_buf_puts(&r->body, "</div>\n");
  urn_buf_free(&b);
  urn__plot_report_script(r, script);
}
