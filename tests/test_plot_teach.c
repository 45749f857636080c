/* tests/test_plot_teach.c — the tutorial's teaching pictures, read back from
 * the SVG in data units and compared with scipy/matplotlib's numbers
 * (tests/data/teach_ref.txt, made by tests/data/gen_teach_ref.py):
 *  - step 1's "PMF approximation with 2, 5, 10, 26 balls" for mu = 0 and 1:
 *    every bar's centre, width and height (norm.pdf at the bin centre), its
 *    colour (get_color_gradient), and its ball 0.05 above it;
 *  - the gallery of six distributions: points of every curve and its colour;
 *  - the mixture explorer's figure: the histogram as numpy bins it, the curve
 *    at every point against the density computed here, the C density against
 *    scipy's, and the page's sliders with the tutorial's ranges. */
#include <dirent.h>
#include <unistd.h>

#include "harness.h"
#include "math/rng.h"
#include "plot/explorer.h"
#include "plot/teach.h"
#include "svg_read.h"
#include "tutorial/tutorial.h"
#include "xml_check.h"

#define MAXREF 2000

/* One row of the reference table. */
typedef struct ref_row {
  char kind[16];   /* pmf, gallery, gcolour, mixture, ppcolour */
  char name[32];   /* gallery curve name */
  double a[6];     /* numbers in the row's order */
  char colour[8];  /* "#rrggbb" when the row has one */
} ref_row;

static size_t read_ref(ref_row *rows) {
  FILE *f = fopen("tests/data/teach_ref.txt", "r");
  if (!f) return 0;
  char line[512];
  size_t n = 0;
  while (fgets(line, sizeof line, f) && n < MAXREF) {
    ref_row *r = &rows[n];
    memset(r, 0, sizeof *r);
    if (line[0] == '#' || sscanf(line, "%15s", r->kind) != 1) continue;
    int ok = 0;
    if (!strcmp(r->kind, "pmf"))
      ok = sscanf(line, "pmf %lf %lf %lf %lf %lf %7s", &r->a[0], &r->a[1], &r->a[2], &r->a[3], &r->a[4], r->colour) == 6;
    else if (!strcmp(r->kind, "gallery"))
      ok = sscanf(line, "gallery %31s %lf %lf %lf", r->name, &r->a[0], &r->a[1], &r->a[2]) == 4;
    else if (!strcmp(r->kind, "gcolour"))
      ok = sscanf(line, "gcolour %31s %7s", r->name, r->colour) == 2;
    else if (!strcmp(r->kind, "mixture"))
      ok = sscanf(line, "mixture %lf %lf %lf %lf %lf", &r->a[0], &r->a[1], &r->a[2], &r->a[3], &r->a[4]) == 5;
    else if (!strcmp(r->kind, "ppcolour"))
      ok = sscanf(line, "ppcolour %lf %lf %7s", &r->a[0], &r->a[1], r->colour) == 3;
    n += ok;
  }
  fclose(f);
  return n;
}

/* Bars and balls of one PMF figure against the table (mu = 0 or 1). */
static void check_pmf_svg(const char *text, int mu, const ref_row *ref, size_t nref) {
  static const int nbins[4] = {2, 5, 10, 26};
  const char *pos = text, *bpos = text;
  for (int k = 0; k < 4; k++) {
    svg_group g, gb;
    if (!svg_next_group(&pos, "pmf-bars", &g) || !svg_next_group(&bpos, "pmf-balls", &gb)) {
      CHECK(0, "mu=%d: panel %d of bars and balls", mu, k + 1);
      return;
    }
    const char *p = g.start, *q = gb.start, *el;
    int i = 0, checked = 0;
    while ((el = svg_next_elem(&p, g.end, "rect"))) {
      double x = svg_num_attr(el, "x"), y = svg_num_attr(el, "y"), w = svg_num_attr(el, "width"),
             h = svg_num_attr(el, "height");
      double centre = svg_data_x(&g, x + w / 2), width = svg_data_x(&g, x + w) - svg_data_x(&g, x);
      double value = svg_data_y(&g, y) - svg_data_y(&g, y + h);
      char fill[16] = "";
      svg_attr(el, "fill", fill, sizeof fill);
      const char *ball = svg_next_elem(&q, gb.end, "circle");
      double bx = ball ? svg_data_x(&gb, svg_num_attr(ball, "cx")) : NAN;
      double by = ball ? svg_data_y(&gb, svg_num_attr(ball, "cy")) : NAN;
      char bfill[16] = "";
      if (ball) svg_attr(ball, "fill", bfill, sizeof bfill);
      for (size_t r = 0; r < nref; r++) {
        const ref_row *e = &ref[r];
        if (strcmp(e->kind, "pmf") || e->a[0] != mu || e->a[1] != nbins[k] || e->a[2] != i) continue;
        /* pixels are written with 2 decimals: allow 0.006 px (0.012 px for a difference) */
        double tx = 0.006 * (g.x1 - g.x0) / g.pw, ty = 0.006 * (g.y1 - g.y0) / g.ph;
        CHECK_NEAR(value, e->a[4], 0, 2 * ty, "bar height = norm.pdf(centre, mu, 1)");
        CHECK_NEAR(centre, e->a[3], 0, 2 * tx, "bar centre");
        CHECK_NEAR(width, 6.0 / nbins[k], 0, 2 * tx, "bar width");
        CHECK(!strcmp(fill, e->colour), "mu=%d %d balls bar %d colour %s, matplotlib's %s", mu, nbins[k], i, fill,
              e->colour);
        CHECK_NEAR(by, e->a[4] + 0.05, 0, ty, "ball 0.05 above its bar");
        CHECK_NEAR(bx, e->a[3], 0, tx, "ball over its bar");
        CHECK(!strcmp(bfill, e->colour), "ball colour %s = its bar's %s", bfill, e->colour);
        checked++;
      }
      i++;
    }
    CHECK(i == nbins[k] && checked == nbins[k], "mu=%d panel %d: %d bars (want %d), %d checked", mu, k + 1, i,
          nbins[k], checked);
  }
}

/* Every reference point of the six gallery curves on the drawn polylines. */
static void check_gallery_svg(const char *text, const ref_row *ref, size_t nref) {
  static const char *const names[6] = {"Normal", "Poisson", "Exponential", "Uniform", "Half-Normal", "Beta"};
  const char *pos = text;
  static double x[4000], y[4000];
  for (int k = 0; k < 6; k++) {
    svg_group g;
    if (!svg_next_group(&pos, "curve", &g)) {
      CHECK(0, "gallery panel %s", names[k]);
      return;
    }
    const char *p = g.start, *el;
    size_t n = 0;
    char stroke[16] = "";
    while ((el = svg_next_elem(&p, g.end, "polyline"))) {
      n += svg_polyline_points(&g, el, x + n, y + n, 4000 - n);
      svg_attr(el, "stroke", stroke, sizeof stroke);
    }
    int checked = 0, finite = 0;
    for (size_t r = 0; r < nref; r++) {
      const ref_row *e = &ref[r];
      if (!strcmp(e->kind, "gcolour") && !strcmp(e->name, names[k]))
        CHECK(!strcmp(stroke, e->colour), "%s curve colour %s, matplotlib's %s", names[k], stroke, e->colour);
      if (strcmp(e->kind, "gallery") || strcmp(e->name, names[k])) continue;
      size_t best = 0;
      for (size_t i = 1; i < n; i++)
        if (fabs(x[i] - e->a[1]) < fabs(x[best] - e->a[1])) best = i;
      if (!isfinite(e->a[2])) {
        /* scipy's infinite density at the Beta's ends: not drawn */
        CHECK(n && fabs(x[best] - e->a[1]) > 5e-4, "%s: no point at x = %g (infinite density)", names[k], e->a[1]);
        continue;
      }
      finite++;
      double tol = 2e-3 * (g.y1 - g.y0);
      if (n && fabs(x[best] - e->a[1]) < 2e-4 * (g.x1 - g.x0) && fabs(y[best] - e->a[2]) < tol) checked++;
      else CHECK(0, "%s at x = %g: drawn (%g, %g), scipy %g", names[k], e->a[1], n ? x[best] : NAN, n ? y[best] : NAN, e->a[2]);
    }
    CHECK(finite > 20 && checked == finite, "%s: %d of %d reference points on the curve", names[k], checked, finite);
  }
}

/* Step 1 of the tutorial into a temporary directory; its three new pictures. */
static void check_step1(const ref_row *ref, size_t nref) {
  char dir[] = "/tmp/urn-teach-test-XXXXXX";
  if (!mkdtemp(dir)) {
    CHECK(0, "mkdtemp");
    return;
  }
  urn_tutorial_opts o = {.out_dir = dir, .steps = 1, .quick = 2, .seed = 20241126, .threads = 1, .out = NULL};
  urn_tutorial_result res;
  urn_error err;
  CHECK(urn_tutorial_run(&o, &res, &err) == URN_OK, "step 1 ran");
  urn_tutorial_result_free(&res);
  static const char *const files[3] = {"pmf-approximation-mu0.svg", "pmf-approximation-mu1.svg", "distributions.svg"};
  char path[512], msg[256];
  for (int f = 0; f < 3; f++) {
    snprintf(path, sizeof path, "%s/%s", dir, files[f]);
    char *text = test_read_file(path, NULL);
    CHECK(text && xml_check(text, msg, sizeof msg), "%s well-formed: %s", files[f], text ? msg : "missing");
    if (text && f < 2) check_pmf_svg(text, f, ref, nref);
    if (text && f == 2) check_gallery_svg(text, ref, nref);
    free(text);
  }
  snprintf(path, sizeof path, "%s/report.html", dir);
  char *page = test_read_file(path, NULL);
  CHECK(page && strstr(page, "PMF approximation with 26 balls") && strstr(page, "Beta(0.5, 0.5)"),
        "the report shows the pictures");
  free(page);
  DIR *d = opendir(dir);
  struct dirent *e;
  while (d && (e = readdir(d)))
    if (e->d_name[0] != '.') snprintf(path, sizeof path, "%s/%s", dir, e->d_name), unlink(path);
  if (d) closedir(d);
  rmdir(dir);
}

/* The explorer's figure on simulated data, and its page. */
static void check_explorer(const ref_row *ref, size_t nref) {
  for (size_t r = 0; r < nref; r++)
    if (!strcmp(ref[r].kind, "mixture"))
      CHECK_NEAR(urn__plot_mixture_density(ref[r].a[3], ref[r].a[0], ref[r].a[1], ref[r].a[2]), ref[r].a[4], 1e-13,
                 1e-300, "urn__plot_mixture_density = scipy's");
  enum { N = 2000, NB = 26 };
  static double y[N];
  urn_rng rng;
  urn_rng_seed(&rng, 11, 0);
  for (int i = 0; i < N; i++) y[i] = (urn_rng_uniform(&rng) < 0.7 ? 0 : 4) + urn_rng_normal(&rng);
  urn_explorer_plot ep = {.y = y, .n = N, .nbins = NB, .x_lo = -5, .x_hi = 8, .y_hi = 0.5, .n_grid = 1000,
                          .w = 0.3, .mu1 = -1.5, .mu2 = 2.5, .title = "Mixture of Gaussians"};
  urn_svg svg;
  urn_error err;
  CHECK(urn__plot_explorer(&svg, &ep, &err) == URN_OK, "explorer figure");
  char msg[256];
  CHECK(xml_check(svg.out.data, msg, sizeof msg), "explorer SVG well-formed: %s", msg);
  /* The histogram: numpy's 26 bins over [min, max], densities. */
  double lo = y[0], hi = y[0];
  for (int i = 0; i < N; i++) lo = fmin(lo, y[i]), hi = fmax(hi, y[i]);
  double count[NB] = {0};
  for (int i = 0; i < N; i++) {
    int b = (int)((y[i] - lo) / (hi - lo) * NB);
    count[b < NB ? b : NB - 1]++;
  }
  const char *pos = svg.out.data;
  svg_group g;
  CHECK(svg_next_group(&pos, "explorer-axes", &g), "the explorer's mapped axes");
  /* the bars come before the group, on the same axes */
  const char *p = svg.out.data, *el;
  int nb = 0;
  while ((el = svg_next_elem(&p, g.start, "rect")) && nb <= NB) {
    if (!svg_attr(el, "stroke", msg, sizeof msg) || strcmp(msg, "#000000")) continue;
    double h = svg_data_y(&g, svg_num_attr(el, "y")) - svg_data_y(&g, svg_num_attr(el, "y") + svg_num_attr(el, "height"));
    double left = svg_data_x(&g, svg_num_attr(el, "x"));
    if (nb < NB) {
      CHECK_NEAR(h, count[nb] / (N * (hi - lo) / NB), 0, 2e-4, "explorer bar height = numpy's density");
      CHECK_NEAR(left, lo + (hi - lo) * nb / NB, 0, 2e-3, "explorer bar edge");
    }
    nb++;
  }
  CHECK(nb == NB, "%d bars (want %d)", nb, NB);
  static double cx[1000], cy[1000];
  el = svg_next_elem(&(const char *){g.start}, g.end, "polyline");
  size_t n = el ? svg_polyline_points(&g, el, cx, cy, 1000) : 0;
  CHECK(n == 1000 && strstr(el, "class=\"explorer-curve\" data-n=\"1000\""), "the curve has 1000 points (%zu)", n);
  double worst = 0;
  for (size_t i = 0; i < n; i++) {
    double z1 = cx[i] + 1.5, z2 = cx[i] - 2.5;
    double want = 0.3 * exp(-0.5 * z1 * z1) / sqrt(2 * M_PI) + 0.7 * exp(-0.5 * z2 * z2) / sqrt(2 * M_PI);
    worst = fmax(worst, fabs(cy[i] - want));
  }
  CHECK(n && worst < 1e-4, "the curve is 0.3 N(-1.5, 1) + 0.7 N(2.5, 1) at every point (worst %.2g)", worst);
  CHECK_NEAR(cx[0], -5, 0, 1e-3, "curve starts at -5");
  CHECK_NEAR(cx[n ? n - 1 : 0], 8, 0, 1e-3, "curve ends at 8");
  /* The page: the sliders with the tutorial's ranges, the script as CDATA, valid XML. */
  urn_report r;
  urn__plot_report_begin(&r, "explorer", NULL);
  urn__plot_report_section(&r, "s", "section");
  urn__plot_report_mixture_explorer(&r, &svg, y, N, "caption");
  urn_buf page;
  urn_buf_init(&page);
  urn__plot_report_render(&r, &page);
  CHECK(xml_check(page.data, msg, sizeof msg), "page with the explorer well-formed: %s", msg);
  CHECK(strstr(page.data, "name=\"weight\" min=\"0\" max=\"1\" step=\"0.1\" value=\"0.7\"") &&
            strstr(page.data, "name=\"mean_1\" min=\"-5\" max=\"8\" step=\"0.1\" value=\"0\"") &&
            strstr(page.data, "name=\"mean_2\" min=\"-5\" max=\"8\" step=\"0.1\" value=\"4\""),
        "sliders: FloatSlider(0.7, 0, 1), (0, -5, 8), (4, -5, 8), step 0.1");
  CHECK(strstr(page.data, "<script>//<![CDATA[") && !strstr(page.data, "src="), "one inline script, nothing loaded");
  CHECK(strstr(page.data, "<div id=\"mixture-explorer\""), "the explorer's root");
  /* The log likelihood read-out at the starting values, and the data it is computed from in the page. */
  double ll0 = 0, ll1 = 0;
  for (int i = 0; i < N; i++) {
    ll0 += log(0.7 * exp(-0.5 * y[i] * y[i]) / sqrt(2 * M_PI) + 0.3 * exp(-0.5 * (y[i] - 4) * (y[i] - 4)) / sqrt(2 * M_PI));
    ll1 += log(exp(-0.5 * (y[i] + 2) * (y[i] + 2)) / sqrt(2 * M_PI));
  }
  CHECK_NEAR(urn__plot_explorer_loglik(y, N, 0.7, 0, 4), ll0, 1e-12, 0, "log likelihood at (0.7, 0, 4)");
  CHECK_NEAR(urn__plot_explorer_loglik(y, N, 1, -2, 9), ll1, 1e-12, 0, "log likelihood at w = 1 (log 0 in the other term)");
  const char *out = strstr(page.data, "<output name=\"loglik\">");
  CHECK_NEAR(out ? strtod(out + strlen("<output name=\"loglik\">"), NULL) : NAN, ll0, 0, 0.006,
             "the page's log likelihood read-out at the starting values");
  const char *dy = strstr(page.data, "data-y=\"");
  int ny = 0, ysame = 1;
  for (char *e = (char *)(dy ? dy + 8 : ""); dy && *e != '"' && ny < N; ny++) {
    double v = strtod(e, &e);
    ysame &= fabs(v - y[ny]) <= 1e-8 * fmax(1, fabs(y[ny]));
    while (*e == ' ') e++;
  }
  CHECK(ny == N && ysame, "the page carries the %d data (%d read back)", N, ny);
  /* A script that would end the CDATA or the element is refused. */
  size_t before = r.body.len;
  urn__plot_report_script(&r, "var a = ']]>';");
  urn__plot_report_script(&r, "document.write('</script>');");
  CHECK(r.body.len == before, "scripts that would break the page are left out");
  urn_buf_free(&page);
  urn__plot_report_free(&r);
  urn__plot_svg_free(&svg);
  CHECK(urn__plot_explorer(&svg, &(urn_explorer_plot){.y = y, .n = 0}, &err) == URN_EINPUT, "no data: an error");
  int bad[1] = {27};
  CHECK(urn__plot_pmf_approx(&svg, bad, 1, -3, 3, 0, 1, NULL, &err) == URN_EINPUT, "27 balls: an error");
}

int main(void) {
  static ref_row ref[MAXREF];
  size_t nref = read_ref(ref);
  CHECK(nref > 1000, "reference table read (%zu rows)", nref);
  char c[8];
  urn__plot_gradient(0, 26, c);
  CHECK(!strcmp(c, "#ff0000"), "gradient starts red: %s", c);
  for (size_t r = 0; r < nref; r++)
    if (!strcmp(ref[r].kind, "ppcolour")) {
      urn__plot_gradient((size_t)ref[r].a[1], (size_t)ref[r].a[0], c);
      CHECK(!strcmp(c, ref[r].colour), "get_color_gradient(26)[%g] = %s (urn %s)", ref[r].a[1], ref[r].colour, c);
    }
  check_step1(ref, nref);
  check_explorer(ref, nref);
  return test_done();
}
