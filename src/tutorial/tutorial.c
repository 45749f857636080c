/* tutorial/tutorial.c — runs the tutorial's eight steps in order, one report
 * section each, prints the true-vs-recovered tables, and writes report.html
 * and results.json. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tutorial/tut_internal.h"

typedef struct step_def {
  tut_step_fn run;    /* entry point */
  const char *name;   /* short name */
  const char *title;  /* section title */
  const char *method; /* how it is fitted */
} step_def;

static const step_def steps[URN_TUTORIAL_STEPS] = {
    {tut_step_balls, "balls", "1. Drawing balls: probability and its error bar", "closed-form"},
    {tut_step_normal, "normal", "2. A normal with unknown mean and scale (NUTS)", "nuts"},
    {tut_step_mixture, "mixture", "3. A two-component mixture with Dirichlet weights (NUTS)", "nuts"},
    {tut_step_ghmm, "gaussian-hmm", "4. A Gaussian HMM by EM", "em"},
    {tut_step_linreg, "linreg", "5. Linear regression and the uncertainty in the fitted line (NUTS)", "nuts"},
    {tut_step_mixreg, "mixreg", "6. A mixture of two regressions: label switching (NUTS)", "nuts"},
    {tut_step_glmhmm, "glm-hmm", "7. A GLM-HMM (switching linear regression) by EM", "em"},
    {tut_step_glmhmm_nuts, "glm-hmm-nuts", "8. Beyond the tutorial: the GLM-HMM fully Bayesian by NUTS", "nuts"},
};

/* mkdir -p */
static int make_dirs(const char *dir, urn_error *err) {
  char path[4096];
  snprintf(path, sizeof path, "%s", dir);
  for (char *p = path + 1;; p++) {
    char c = *p;
    if (c == '/' || c == 0) {
      *p = 0;
      if (mkdir(path, 0777) != 0 && errno != EEXIST)
        return urn_error_set(err, URN_EIO, "%s: cannot create directory: %s", path, strerror(errno));
      *p = c;
    }
    if (!c) break;
  }
  struct stat st;
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
    return urn_error_set(err, URN_EIO, "%s: not a directory", dir);
  return URN_OK;
}

static void print_step(FILE *out, const urn_tutorial_step *s) {
  if (!out) return;
  fprintf(out, "\nstep %d  %-13s %-11s %7.2f s%s%s\n", s->index, s->name, s->method, s->wall_seconds,
          s->status ? "  FAILED: " : "", s->status ? s->error : "");
  if (s->n_params)
    fprintf(out, "  %-22s %10s %10s  %-23s %s\n", "quantity", "true", "recovered", "94% HDI", "within tolerance");
  for (size_t i = 0; i < s->n_params; i++) {
    const urn_tutorial_param *p = &s->params[i];
    char hdi[64] = "";
    if (isfinite(p->lower)) snprintf(hdi, sizeof hdi, "[%.3g, %.3g]", p->lower, p->upper);
    fprintf(out, "  %-22s %10.4g %10.4g  %-23s %s (±%.2g)\n", p->name, p->truth, p->estimate, hdi,
            p->within ? "yes" : "NO", p->tolerance);
  }
  if (s->summary[0]) fprintf(out, "  %s\n", s->summary);
  fflush(out);
}

static void json_string(urn_buf *b, const char *s) {
  urn_buf_putc(b, '"');
  for (; *s; s++) {
    if (*s == '"' || *s == '\\')
      urn_buf_printf(b, "\\%c", *s);
    else if ((unsigned char)*s < 0x20)
      urn_buf_printf(b, "\\u%04x", *s);
    else
      urn_buf_putc(b, *s);
  }
  urn_buf_putc(b, '"');
}

static void json_number(urn_buf *b, double v) {
  if (isfinite(v))
    urn_buf_printf(b, "%.10g", v);
  else
    urn_buf_puts(b, "null");
}

static int write_results(const urn_tutorial_opts *o, const urn_tutorial_result *res, urn_error *err) {
  urn_buf b;
  urn_buf_init(&b);
  urn_buf_puts(&b, "{\"steps\": [");
  int first = 1;
  for (int i = 0; i < URN_TUTORIAL_STEPS; i++) {
    const urn_tutorial_step *s = &res->steps[i];
    if (!s->ran) continue;
    urn_buf_puts(&b, first ? "\n  {" : ",\n  {");
    first = 0;
    urn_buf_printf(&b, "\"step\": %d, \"name\": ", s->index);
    json_string(&b, s->name);
    urn_buf_puts(&b, ", \"method\": ");
    json_string(&b, s->method);
    urn_buf_printf(&b, ", \"wall_seconds\": %.3f, \"status\": ", s->wall_seconds);
    json_string(&b, s->status ? "error" : "ok");
    if (s->status) {
      urn_buf_puts(&b, ", \"error\": ");
      json_string(&b, s->error);
    }
    if (s->summary[0]) {
      urn_buf_puts(&b, ", \"summary\": ");
      json_string(&b, s->summary);
    }
    urn_buf_puts(&b, ", \"parameters\": [");
    for (size_t k = 0; k < s->n_params; k++) {
      const urn_tutorial_param *p = &s->params[k];
      urn_buf_puts(&b, k ? ",\n    {\"name\": " : "\n    {\"name\": ");
      json_string(&b, p->name);
      urn_buf_puts(&b, ", \"true\": ");
      json_number(&b, p->truth);
      urn_buf_puts(&b, ", \"estimate\": ");
      json_number(&b, p->estimate);
      if (isfinite(p->lower) && isfinite(p->upper)) {
        urn_buf_puts(&b, ", \"lower\": ");
        json_number(&b, p->lower);
        urn_buf_puts(&b, ", \"upper\": ");
        json_number(&b, p->upper);
      }
      urn_buf_puts(&b, ", \"tolerance\": ");
      json_number(&b, p->tolerance);
      urn_buf_printf(&b, ", \"within\": %s}", p->within ? "true" : "false");
    }
    urn_buf_puts(&b, "]}");
  }
  urn_buf_printf(&b, "\n], \"total_wall_seconds\": %.3f, \"seed\": %llu, \"quick\": %s}\n", res->wall_seconds,
                 (unsigned long long)o->seed, o->quick ? "true" : "false");
  char path[4096];
  snprintf(path, sizeof path, "%s/results.json", o->out_dir);
  int rc = urn_write_file(path, b.data, b.len, err);
  urn_buf_free(&b);
  return rc;
}

int urn_tutorial_run(const urn_tutorial_opts *opts, urn_tutorial_result *res, urn_error *err) {
  memset(res, 0, sizeof *res);
  int rc = make_dirs(opts->out_dir, err);
  if (rc) return rc;
  double t0 = tut_now_seconds();
  tut_ctx ctx = {.opts = opts, .threads = opts->threads > 0 ? opts->threads : 2};
  urn__plot_report_begin(&ctx.report, "urn tutorial: Bayesian modeling, end to end",
                   "Every step below generates its data with urn's own random number generator at a fixed seed, "
                   "exactly as the tutorial specifies the generative process, fits the model (in closed form, by "
                   "NUTS on the Stan program shown, or by EM), and compares the recovered values with the ones that "
                   "generated the data. Every file named here is in the same directory as this page.");
  int first_error = URN_OK;
  for (int i = 0; i < URN_TUTORIAL_STEPS; i++) {
    if (opts->steps && !(opts->steps & (1u << i))) continue;
    urn_tutorial_step *s = &res->steps[i];
    s->index = i + 1, s->ran = 1, s->method = steps[i].method;
    snprintf(s->name, sizeof s->name, "%s", steps[i].name);
    snprintf(s->title, sizeof s->title, "%s", steps[i].title);
    ctx.step = s;
    char id[32];
    snprintf(id, sizeof id, "step%d", i + 1);
    urn__plot_report_section(&ctx.report, id, s->title);
    if (opts->out) {
      fprintf(opts->out, "running step %d (%s)...\n", i + 1, s->name);
      fflush(opts->out);
    }
    double ts = tut_now_seconds();
    urn_error e;
    urn_error_clear(&e);
    s->status = steps[i].run(&ctx, &e);
    s->wall_seconds = tut_now_seconds() - ts;
    if (s->status) {
      snprintf(s->error, sizeof s->error, "%.500s", e.msg);
      char note[700];
      snprintf(note, sizeof note, "This step failed: %.500s", e.msg);
      urn__plot_report_note(&ctx.report, note);
      if (first_error == URN_OK) {
        first_error = s->status;
        urn_error_set(err, s->status, "step %d (%s): %s", i + 1, s->name, e.msg);
      }
    }
    if (s->n_params) tut_report_params(&ctx);
    char line[128];
    snprintf(line, sizeof line, "Step wall time: %.2f s.", s->wall_seconds);
    urn__plot_report_text(&ctx.report, line);
    print_step(opts->out, s);
  }
  res->wall_seconds = tut_now_seconds() - t0;
  char path[4096];
  snprintf(path, sizeof path, "%s/report.html", opts->out_dir);
  urn_error e;
  rc = urn__plot_report_write(&ctx.report, path, &e);
  if (rc == URN_OK) rc = write_results(opts, res, &e);
  urn__plot_report_free(&ctx.report);
  if (opts->out) {
    fprintf(opts->out, "\ntotal wall time %.2f s; %zu quantities outside their tolerance; wrote %s/report.html and "
                       "%s/results.json\n",
            res->wall_seconds, urn_tutorial_failures(res), opts->out_dir, opts->out_dir);
    fflush(opts->out);
  }
  if (rc) {
    if (err) *err = e;
    return rc;
  }
  return first_error;
}

void urn_tutorial_result_free(urn_tutorial_result *res) {
  for (int i = 0; i < URN_TUTORIAL_STEPS; i++) free(res->steps[i].params);
  memset(res, 0, sizeof *res);
}

size_t urn_tutorial_failures(const urn_tutorial_result *res) {
  size_t n = 0;
  for (int i = 0; i < URN_TUTORIAL_STEPS; i++)
    for (size_t k = 0; k < res->steps[i].n_params; k++) n += !res->steps[i].params[k].within;
  return n;
}
