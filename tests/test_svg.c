/* tests/test_svg.c — the SVG writer: escaping, nice ticks, tick labels,
 * non-finite coordinates, axes mapping, and that every document it writes is
 * well-formed XML (checked by tests/xml_check.h, which is itself checked on
 * good and bad documents first). */
#include "harness.h"
#include "plot/svg.h"
#include "xml_check.h"

static int well_formed(const char *doc, const char *what) {
  char msg[256];
  int ok = xml_check(doc, msg, sizeof msg);
  CHECK(ok, "%s is well-formed XML: %s", what, msg);
  return ok;
}

int main(void) {
  char msg[256];
  /* The checker accepts good documents and rejects each kind of bad one. */
  CHECK(xml_check("<?xml version=\"1.0\"?>\n<a x=\"1\"><b y='2'/>t &amp; &#60; &#x3c;<!-- c --></a>\n", msg, 256),
        "good doc: %s", msg);
  CHECK(xml_check("<!DOCTYPE html>\n<html><body><p>x</p></body></html>", msg, 256), "doctype: %s", msg);
  const char *bad[] = {"<a><b></a></b>", "<a>", "<a x=1/>", "<a x=\"1\" x=\"2\"/>", "<a>&foo;</a>", "<a>x & y</a>",
                       "<a/><b/>", "<a x=\"<\"/>", "text<a/>", "<a x=\"nan\"/>", "<a points=\"1,2 inf,3\"/>", "",
                       "<a>\x01</a>", "</a>", "<a b=\"1\"c=\"2\"/>"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    CHECK(!xml_check(bad[i], msg, 256), "bad doc %zu rejected (%s)", i, bad[i]);

  /* Escaping. */
  urn_buf b;
  urn_buf_init(&b);
  urn__plot_xml_escape(&b, "a<b>&\"c\"'d'\x01\te");
  CHECK(!strcmp(b.data, "a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;\te"), "escape: %s", b.data);
  urn_buf_free(&b);

  /* Nice ticks: steps 1, 2, 2.5, 5 x 10^k, only inside the range. */
  double t[64], step;
  size_t n = urn__plot_nice_ticks(0, 1, 5, t, 64, &step);
  CHECK(n == 6 && step == 0.2 && t[0] == 0 && fabs(t[5] - 1) < 1e-12, "ticks [0,1]: n=%zu step=%g", n, step);
  n = urn__plot_nice_ticks(-3.7, 12.1, 5, t, 64, &step);
  CHECK(step == 2.5 && n == 6 && t[0] == -2.5 && t[5] == 10, "ticks [-3.7,12.1]: n=%zu step=%g first=%g", n, step,
        t[0]);
  n = urn__plot_nice_ticks(0.9993, 1.0011, 4, t, 64, &step);
  CHECK(fabs(step - 5e-4) < 1e-15 && n == 4 && fabs(t[0] - 0.9995) < 1e-12, "ticks narrow: n=%zu step=%g", n, step);
  n = urn__plot_nice_ticks(-1e-9, 1e-9, 4, t, 64, &step);
  CHECK(n >= 3 && step > 0, "ticks tiny range: n=%zu step=%g", n, step);
  n = urn__plot_nice_ticks(-2, 2, 4, t, 64, &step);
  int has_zero = 0;
  for (size_t i = 0; i < n; i++) has_zero |= t[i] == 0 && !signbit(t[i]);
  CHECK(has_zero, "zero tick is exactly +0");
  char lab[64];
  urn__plot_format_tick(lab, sizeof lab, 0.25, 0.25);
  CHECK(!strcmp(lab, "0.25"), "tick 0.25: %s", lab);
  urn__plot_format_tick(lab, sizeof lab, 10, 2.5);
  CHECK(!strcmp(lab, "10.0"), "tick 10 step 2.5: %s", lab);
  urn__plot_format_tick(lab, sizeof lab, 1000, 200);
  CHECK(!strcmp(lab, "1000"), "tick 1000: %s", lab);
  urn__plot_format_tick(lab, sizeof lab, -1e-17, 0.5);
  CHECK(!strcmp(lab, "0"), "tick -0: %s", lab);
  urn__plot_format_tick(lab, sizeof lab, 2e-6, 1e-6);
  CHECK(!strcmp(lab, "2e-06"), "tick 2e-6: %s", lab);
  urn__plot_format_value(lab, sizeof lab, -0.0, 3);
  CHECK(!strcmp(lab, "0"), "value -0: %s", lab);
  urn__plot_format_value(lab, sizeof lab, NAN, 3);
  CHECK(!strcmp(lab, "nan"), "value nan: %s", lab);

  /* Range padding. */
  double lo = 2, hi = 2;
  urn__plot_pad_range(&lo, &hi, 0.1);
  CHECK(lo < 2 && hi > 2, "degenerate range widened: [%g, %g]", lo, hi);
  lo = 0, hi = 10;
  urn__plot_pad_range(&lo, &hi, 0.1);
  CHECK(lo == -1 && hi == 11, "range padded: [%g, %g]", lo, hi);

  /* Axes mapping: data corners to pixel corners (y upwards). */
  urn_svg s;
  urn__plot_svg_begin(&s, 400, 300);
  urn_axes a;
  urn__plot_axes_init(&a, &s, 50, 20, 300, 200, -1, 1, 0, 10);
  CHECK_NEAR(urn__plot_axes_px(&a, -1), 50, 0, 1e-12, "x0 -> left");
  CHECK_NEAR(urn__plot_axes_px(&a, 1), 350, 0, 1e-12, "x1 -> right");
  CHECK_NEAR(urn__plot_axes_py(&a, 0), 220, 0, 1e-12, "y0 -> bottom");
  CHECK_NEAR(urn__plot_axes_py(&a, 10), 20, 0, 1e-12, "y1 -> top");
  CHECK_NEAR(urn__plot_axes_px(&a, 0), 200, 0, 1e-12, "x middle");
  urn__plot_axes_frame(&a, "title <&> \"quoted\"", "x label", "y label", URN_AXES_GRID | URN_AXES_BOX);
  /* Every shape with hostile data: NaN and infinities in coordinates. */
  double xs[] = {-1, -0.5, NAN, 0, 0.5, INFINITY, 1}, ys[] = {1, 2, 3, 4, NAN, 6, 7};
  urn_style st = {"#000", "#f00", 1.5, 0.5, "3,2"};
  urn__plot_axes_polyline(&a, xs, ys, 7, &st);
  urn__plot_axes_polygon(&a, xs, ys, 7, &st);
  urn__plot_axes_polygon(&a, xs, ys, 2, &st);
  urn__plot_axes_line(&a, NAN, 0, 1, 1, &st);
  urn__plot_axes_rect(&a, 0, 0, INFINITY, 1, &st);
  urn__plot_axes_circle(&a, 0, NAN, 3, &st);
  urn__plot_axes_vline(&a, NAN, &st);
  urn__plot_axes_hline(&a, 5, &st);
  urn__plot_svg_text(&s, 10, 10, "a & b < c \x02", 10, URN_ANCHOR_START, 30, NULL, 1);
  urn__plot_svg_text(&s, NAN, 10, "skipped", 10, URN_ANCHOR_START, 0, NULL, 0);
  urn_legend_entry e[3] = {{"line <1>", st, 0}, {"square", st, 1}, {"dot & co", st, 2}};
  urn__plot_axes_legend(&a, e, 3, URN_LEGEND_TOP_RIGHT);
  urn__plot_axes_legend(&a, e, 3, URN_LEGEND_BOTTOM_LEFT);
  urn__plot_svg_end(&s);
  urn__plot_svg_end(&s);
  well_formed(s.out.data, "axes with hostile data");
  CHECK(strstr(s.out.data, "nan") == NULL && strstr(s.out.data, "inf") == NULL, "no nan/inf written");
  /* The polyline with NaN at 2 and 4/5 splits into runs: {0,1} and {3} (too short) and {6} (too short). */
  size_t count = 0;
  for (const char *p = s.out.data; (p = strstr(p, "<polyline")); p++) count++;
  CHECK(count == 1, "polyline broken at non-finite points: %zu pieces", count);
  CHECK(strstr(s.out.data, "<polygon") == NULL, "polygon with a non-finite point skipped");
  CHECK(strstr(s.out.data, "title &lt;&amp;&gt; &quot;quoted&quot;") != NULL, "title escaped");
  CHECK(strstr(s.out.data, "clip-path=\"url(#clip1)\"") != NULL, "shapes clipped to the plot area");
  /* Writing to a file that cannot be created names the path. */
  urn_error err;
  CHECK(urn__plot_svg_write_file(&s, "/nonexistent-dir/x.svg", &err) == URN_EIO && strstr(err.msg, "/nonexistent-dir/x.svg"),
        "write error names the path: %s", err.msg);
  urn__plot_svg_free(&s);

  /* The palette cycles and never returns NULL. */
  CHECK(urn__plot_svg_color(0) && urn__plot_svg_color(-1) && !strcmp(urn__plot_svg_color(0), urn__plot_svg_color(8)), "palette cycles");
  return test_done();
}
