/* tests/test_report.c — the HTML report: well-formed (polyglot) page, text
 * escaped, figures inlined with ids made unique across figures, no external
 * resources (no scripts, links, images or URLs other than the SVG namespace). */
#include "harness.h"
#include "plot/plots.h"
#include "plot/report.h"
#include "xml_check.h"

int main(void) {
  urn_report r;
  urn__plot_report_begin(&r, "Report <1> & co", "An intro with <tags> & ampersands.");
  urn__plot_report_section(&r, "step1", "Step 1: \"balls\"");
  urn__plot_report_math(&r, "y ~ Normal(μ, σ²), σ > 0");
  urn__plot_report_code(&r, "model.stan", "data { int<lower=0> N; }\nmodel { y ~ normal(mu, sigma); } // a < b && c");
  const char *hdr[3] = {"parameter", "true", "estimate"};
  const char *cells[6] = {"mu", "1", "1.02", "sigma <x>", NULL, "0.98"};
  urn__plot_report_table(&r, hdr, 3, cells, 2);
  urn_error err;
  double d[40];
  for (int i = 0; i < 40; i++) d[i] = sin(i * 1.3);
  urn_plot_var v = {"x", d, 2, 20, NULL, 1, 0.1};
  urn_svg a, b;
  urn__plot_posterior(&a, &v, 1, 0, NULL, &err);
  urn__plot_trace(&b, &v, 1, NULL, &err);
  urn__plot_report_figure(&r, &a, "posterior");
  urn__plot_report_section(&r, "step2", "Step 2");
  urn__plot_report_note(&r, "assumption: variances & not sds");
  urn__plot_report_heading(&r, "Trace");
  urn__plot_report_figure(&r, &b, NULL);
  urn_buf page;
  urn_buf_init(&page);
  urn__plot_report_render(&r, &page);
  char msg[256];
  CHECK(xml_check(page.data, msg, sizeof msg), "report well-formed: %s", msg);
  CHECK(strstr(page.data, "<title>Report &lt;1&gt; &amp; co</title>") != NULL, "title escaped");
  CHECK(strstr(page.data, "a &lt; b &amp;&amp; c") != NULL, "code escaped");
  CHECK(strstr(page.data, "<a href=\"#step1\">") && strstr(page.data, "<section id=\"step2\">"), "table of contents");
  CHECK(strstr(page.data, "<?xml") == NULL, "XML declarations of figures dropped");
  CHECK(strstr(page.data, "id=\"f1-clip1\"") && strstr(page.data, "url(#f2-clip1)") &&
            !strstr(page.data, "\"clip1\""),
        "clip ids unique per figure");
  CHECK(!strstr(page.data, "<script") && !strstr(page.data, "<link") && !strstr(page.data, "<img") &&
            !strstr(page.data, "src="),
        "no external resources");
  size_t urls = 0;
  for (const char *p = page.data; (p = strstr(p, "http")); p++) urls += strncmp(p, "http://www.w3.org/2000/svg", 26) != 0;
  CHECK(urls == 0, "no URLs but the SVG namespace (%zu)", urls);
  urn_buf_free(&page);
  CHECK(urn__plot_report_write(&r, "/nonexistent-dir/r.html", &err) == URN_EIO && strstr(err.msg, "/nonexistent-dir/r.html"),
        "write error names the path");
  urn__plot_report_free(&r);
  urn__plot_svg_free(&a);
  urn__plot_svg_free(&b);
  return test_done();
}
