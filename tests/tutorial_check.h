/* tests/tutorial_check.h — runs selected tutorial steps on short runs into a
 * temporary directory and checks them: every recovered value within its
 * tolerance and inside its HDI, EM's log joint never decreasing and ending at
 * least at the generator's (the fit maximizes it over all parameters, the
 * generator's included), the states agreeing after alignment, every SVG and
 * report.html well-formed XML, and results.json in the documented schema.
 * Used by test_tutorial.c (cheap steps) and test_tutorial_nuts.c. */
#ifndef URN_TEST_TUTORIAL_CHECK_H
#define URN_TEST_TUTORIAL_CHECK_H

#include <dirent.h>
#include <unistd.h>

#include "harness.h"
#include "io/json.h"
#include "tutorial/tutorial.h"
#include "urn/model.h"
#include "svg_read.h"
#include "xml_check.h"

static void check_em_file(const char *dir, const char *file, double slack) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  urn_error err;
  urn_json *j = urn_json_parse_file(path, &err);
  CHECK(j != NULL, "%s parses: %s", file, j ? "" : err.msg);
  if (!j) return;
  const urn_json *tr = urn_json_get(j, "log_prob_trace"), *tl = urn_json_get(j, "true_log_prob");
  CHECK(tr && tr->len >= 2 && tl, "%s has the EM trace and the true log prob", file);
  if (tr && tl && tr->len >= 2) {
    size_t drops = 0;
    for (size_t i = 1; i < tr->len; i++) drops += tr->items[i]->num < tr->items[i - 1]->num - slack;
    CHECK(drops == 0, "%s: EM's log joint never decreases (%zu drops)", file, drops);
    double last = tr->items[tr->len - 1]->num;
    CHECK(last >= tl->num, "%s: EM ends at %g, the generator's log joint is %g", file, last, tl->num);
  }
  urn_json_free(j);
}

/* Can the Stan model API build this program?  (NULL-terminated probe.) */
/* Step 2's picture as the tutorial draws it (normal-predictive-draws.svg):
 * min(300, draws) translucent curves whose opacity stands for all the draws
 * (1 - 0.997^(draws / curves)), each a normal density, their mean close to the dashed
 * curve, which is N(y | mean mu, mean sigma) of normal.params.json. */
static void check_normal_predictive(const char *dir) {
  char path[1024];
  snprintf(path, sizeof path, "%s/normal.params.json", dir);
  urn_error err;
  urn_json *pj = urn_json_parse_file(path, &err);
  const urn_json *jm = pj ? urn_json_get(pj, "mu") : NULL, *js = pj ? urn_json_get(pj, "sigma") : NULL;
  double mu = jm ? jm->num : NAN, sigma = js ? js->num : NAN;
  urn_json_free(pj);
  size_t total = 0; /* draws over the chains, from the CSV files */
  for (int c = 1; c <= 8; c++) {
    snprintf(path, sizeof path, "%s/normal-%d.csv", dir, c);
    FILE *f = fopen(path, "r");
    if (!f) break;
    char line[4096];
    long rows = -1; /* the header */
    while (fgets(line, sizeof line, f))
      if (line[0] != '#' && line[0] != '\n') rows++;
    fclose(f);
    total += rows > 0 ? (size_t)rows : 0;
  }
  snprintf(path, sizeof path, "%s/normal-predictive-draws.svg", dir);
  char *text = test_read_file(path, NULL);
  const char *pos = text ? text : "";
  svg_group g;
  int found = text && svg_next_group(&pos, "predictive-curves", &g);
  CHECK(found, "normal-predictive-draws.svg and its curves");
  if (!found) {
    free(text);
    return;
  }
  static double x[200], y[200], sum[200], mean_x[200], mean_y[200];
  size_t n_grid = 0, n_curves = 0, n_mean = 0;
  double opacity = NAN, worst_shape = 0;
  const char *p = g.start, *el;
  while ((el = svg_next_elem(&p, g.end, "polyline"))) {
    size_t n = svg_polyline_points(&g, el, x, y, 200);
    char dash[32];
    if (svg_attr(el, "stroke-dasharray", dash, sizeof dash)) {
      n_mean = n;
      memcpy(mean_x, x, sizeof x), memcpy(mean_y, y, sizeof y);
      continue;
    }
    opacity = svg_num_attr(el, "opacity");
    n_grid = n, n_curves++;
    /* each curve a normal density: its log is a parabola, so its peak value times its width is fixed */
    double peak = 0, at = 0;
    size_t top = 0;
    for (size_t i = 0; i < n; i++) {
      sum[i] += y[i];
      if (y[i] > peak) peak = y[i], at = x[i], top = i;
    }
    /* the peak between grid points: the vertex of the parabola through the logs of the top point and its
       neighbours (a narrow curve's top grid point can sit well below its peak) */
    if (top > 0 && top + 1 < n && y[top - 1] > 0 && y[top + 1] > 0) {
      double l0 = log(y[top - 1]), l1 = log(y[top]), l2 = log(y[top + 1]), c = l0 - 2 * l1 + l2;
      double h = 0.5 * (x[top + 1] - x[top - 1]);
      if (c < 0) at = x[top] + h * (l0 - l2) / (2 * c), peak = exp(l1 - (l0 - l2) * (l0 - l2) / (8 * c));
    }
    double s = 1 / (peak * sqrt(2 * M_PI));
    for (size_t i = 0; i < n; i++)
      worst_shape = fmax(worst_shape, fabs(y[i] - exp(-0.5 * (x[i] - at) * (x[i] - at) / (s * s)) / (s * sqrt(2 * M_PI))));
  }
  free(text);
  size_t want = total < 300 ? total : 300;
  CHECK(n_curves == want && n_grid == 101 && n_mean == 101, "%zu curves of 101 points and the mean (%zu, %zu, %zu)",
        want, n_curves, n_grid, n_mean);
  CHECK(total > 0 && fabs(opacity - (1 - pow(0.997, (double)total / want))) < 1e-3,
        "curve opacity %g stands for %zu draws at the tutorial's 0.003", opacity, total);
  CHECK(worst_shape < 2e-3, "every curve is a normal density (worst %.3g)", worst_shape);
  double worst_mean = 0, worst_avg = 0;
  for (size_t i = 0; i < n_mean && i < n_grid; i++) {
    double z = (mean_x[i] - mu) / sigma;
    worst_mean = fmax(worst_mean, fabs(mean_y[i] - exp(-0.5 * z * z) / (sigma * sqrt(2 * M_PI))));
    worst_avg = fmax(worst_avg, fabs(sum[i] / n_curves - mean_y[i]));
  }
  CHECK(n_mean && worst_mean < 2e-4, "the dashed curve is N(y | %.4f, %.4f) (worst %.2g)", mu, sigma, worst_mean);
  CHECK(n_curves && worst_avg < 0.01, "the curves average to the dashed one (worst %.3g)", worst_avg);
}

static inline int model_works(const char *src, urn_error *err) {
  urn_model *m = urn_model_new("probe.stan", src, strlen(src), NULL, NULL, 0, 1, err);
  urn_model_free(m);
  return m != NULL;
}

static int popcount8(unsigned mask) {
  int n = 0;
  for (int i = 0; i < URN_TUTORIAL_STEPS; i++) n += (mask >> i) & 1;
  return n;
}

/* Runs the steps in mask (bit s-1 = step s) and checks them. */
static void check_tutorial(unsigned mask) {
  char dir[] = "/tmp/urn-tutorial-test-XXXXXX";
  if (!mkdtemp(dir)) {
    CHECK(0, "mkdtemp");
    return;
  }
  urn_error err;
  urn_tutorial_opts o = {.out_dir = dir, .steps = mask, .quick = 2, .seed = 20241126, .threads = 2, .out = NULL};
  urn_tutorial_result res;
  int rc = urn_tutorial_run(&o, &res, &err);
  CHECK(rc == URN_OK, "tutorial ran: %s", rc ? err.msg : "");
  for (int s = 0; s < URN_TUTORIAL_STEPS; s++) {
    const urn_tutorial_step *st = &res.steps[s];
    if (!st->ran) continue;
    CHECK(st->status == URN_OK, "step %d ran: %s", s + 1, st->error);
    CHECK(st->n_params > 0, "step %d recovered values", s + 1);
    for (size_t k = 0; k < st->n_params; k++) {
      const urn_tutorial_param *p = &st->params[k];
      CHECK(p->within, "step %d %s: |%g - %g| <= %g", s + 1, p->name, p->estimate, p->truth, p->tolerance);
      if (strcmp(st->method, "em"))
        CHECK(p->lower <= p->estimate && p->estimate <= p->upper, "step %d %s: HDI [%g, %g] holds the estimate",
              s + 1, p->name, p->lower, p->upper);
    }
  }
  /* Step 1: the estimates are red counts over n. */
  if (mask & 1) {
  const urn_tutorial_step *b = &res.steps[0];
  static const int n[5] = {5, 10, 100, 1000, 10000};
  for (int k = 0; k < 5 && b->n_params == 5; k++) {
    double reds = b->params[k].estimate * n[k];
    CHECK(fabs(reds - round(reds)) < 1e-9, "step 1: n=%d estimate is a count over n", n[k]);
  }
  }
  /* Steps 4 and 7: state agreement after alignment (from the summaries). */
  double pct = 0;
  if (mask & (1u << 3))
  CHECK(sscanf(strstr(res.steps[3].summary, "; ") ? strrchr(res.steps[3].summary, ';') + 2 : "", "%lf%% states", &pct) == 1 &&
            pct > 95,
        "step 4: %.1f%% of states right after alignment (> 95%%)", pct);
  const char *acc = strstr(res.steps[6].summary, "test states ");
  if (mask & (1u << 6))
  CHECK(acc && sscanf(acc, "test states %lf", &pct) == 1 && pct >= 85, "step 7: %.0f%% test states right (>= 85%%)",
        pct);
  if (mask & (1u << 3)) check_em_file(dir, "gaussian-hmm.params.json", 0.05);
  if (mask & (1u << 1)) check_normal_predictive(dir);
  if (mask & (1u << 6)) check_em_file(dir, "glm-hmm.params.json", 1e-6);
  urn_tutorial_result_free(&res);

  /* Every SVG and the report are well-formed; results.json has the schema. */
  DIR *d = opendir(dir);
  size_t n_svg = 0;
  struct dirent *e;
  char path[1024], msg[256];
  while (d && (e = readdir(d))) {
    size_t len = strlen(e->d_name);
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    if ((len > 4 && !strcmp(e->d_name + len - 4, ".svg")) || !strcmp(e->d_name, "report.html")) {
      char *text = test_read_file(path, NULL);
      CHECK(text && xml_check(text, msg, sizeof msg), "%s well-formed: %s", e->d_name, msg);
      if (!strcmp(e->d_name, "report.html"))
        CHECK(text && strstr(text, "<section id=\"step") && !strstr(text, "<script src") && !strstr(text, "src="),
              "report has the sections and no external resources");
      if (!strcmp(e->d_name, "report.html") && text) {
        /* the one script is the mixture explorer's, inline, and only with step 3 */
        const char *sc = strstr(text, "<script");
        CHECK((mask & 4) ? sc && !strncmp(sc, "<script>//<![CDATA[", 19) && !strstr(sc + 1, "<script") : !sc,
              "report scripts: the explorer's only");
      }
      n_svg += e->d_name[len - 1] == 'g';
      free(text);
    }
  }
  if (d) closedir(d);
  CHECK(n_svg >= 2u * popcount8(mask), "%zu SVG files written", n_svg);
  snprintf(path, sizeof path, "%s/results.json", dir);
  urn_json *j = urn_json_parse_file(path, &err);
  const urn_json *steps = j ? urn_json_get(j, "steps") : NULL;
  CHECK(steps && steps->type == URN_JSON_ARRAY && steps->len == (size_t)popcount8(mask), "results.json lists the steps");
  /* The schema: {"steps": [{"name", "method": "nuts"|"em", "wall_seconds", "parameters": [{"name",
     "true", "estimate", "lower", "upper"}]}]}, lower/upper the 94% HDI for NUTS, absent for EM; step 1 (no
     fit at all) says "closed-form" and gives its Beta posterior's HDI.  Types are checked, not only keys. */
  static const char *const method_of[9] = {"", "closed-form", "nuts", "nuts", "em", "nuts", "nuts", "em", "nuts"};
  for (size_t i = 0; steps && i < steps->len; i++) {
    const urn_json *s = steps->items[i], *ps = urn_json_get(s, "parameters"), *me = urn_json_get(s, "method");
    const urn_json *nm = urn_json_get(s, "name"), *ws = urn_json_get(s, "wall_seconds"), *ix = urn_json_get(s, "step");
    int idx = ix && ix->type == URN_JSON_NUMBER && ix->num >= 1 && ix->num <= 8 ? (int)ix->num : 0;
    CHECK(idx && (mask >> (idx - 1)) & 1, "results.json step %zu: its index %d was selected", i + 1, idx);
    CHECK(nm && nm->type == URN_JSON_STRING && me && me->type == URN_JSON_STRING && ws &&
              ws->type == URN_JSON_NUMBER && ws->num >= 0 && ps && ps->type == URN_JSON_ARRAY && ps->len > 0,
          "results.json step %zu fields and types", i + 1);
    if (!(me && me->type == URN_JSON_STRING && ps && ps->type == URN_JSON_ARRAY)) continue;
    CHECK(!strcmp(me->str, method_of[idx]), "results.json step %d method '%s', want '%s'", idx, me->str, method_of[idx]);
    for (size_t k = 0; k < ps->len; k++) {
      const urn_json *p = ps->items[k], *lo = urn_json_get(p, "lower"), *hi = urn_json_get(p, "upper");
      const urn_json *pn = urn_json_get(p, "name"), *tv = urn_json_get(p, "true"), *ev = urn_json_get(p, "estimate");
      int em = !strcmp(me->str, "em");
      CHECK(pn && pn->type == URN_JSON_STRING && tv && tv->type == URN_JSON_NUMBER && ev && ev->type == URN_JSON_NUMBER,
            "results.json step %d parameter %zu: name, true, estimate", idx, k + 1);
      CHECK(em ? !lo && !hi
               : lo && hi && lo->type == URN_JSON_NUMBER && hi->type == URN_JSON_NUMBER && lo->num <= hi->num,
            "results.json step %d parameter %zu: lower/upper %s", idx, k + 1, em ? "absent (EM)" : "the HDI");
    }
  }
  CHECK(j && urn_json_get(j, "total_wall_seconds"), "total wall time recorded");
  urn_json_free(j);
  /* Clean up the temporary directory. */
  d = opendir(dir);
  while (d && (e = readdir(d)))
    if (e->d_name[0] != '.') {
      snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
      unlink(path);
    }
  if (d) closedir(d);
  rmdir(dir);
}

#endif
