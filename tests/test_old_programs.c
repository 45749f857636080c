/* tests/test_old_programs.c — programs written before Stan 2.33 run, and
 * `urn format --canonical` turns them into current Stan with the same meaning.
 *
 * tests/data/old_programs/ holds fifteen programs in the old style of Stan's
 * example models and the BUGS examples (old array declarations everywhere,
 * `<-`, `#` comments, increment_log_prob, get_lp(), lp__, the _log /
 * _cdf_log / _ccdf_log suffixes, CDFs without '|', if_else, fabs,
 * multiply_log, binomial_coefficient_log, cov_exp_quad, integrate_ode with
 * `real[]` signatures, user densities named foo_log), each with its data.
 * For each program:
 *   - it builds as a model, with warnings;
 *   - its canonical form builds, has no warning, and formats to itself; the
 *     plain format (layout only) builds too and formats to itself;
 *   - the three have the same parameters and, at 6 random unconstrained
 *     points (fixed seed), the same log density and gradient, with and
 *     without the constant terms;
 *   - where tests/data/old_programs/NAME.ref.stan exists (five programs
 *     rewritten by hand in current Stan, independently of the formatter:
 *     log_mix for the hand-made mixture, double_exponential for the user
 *     Laplace density, ...), the log density and gradient equal that
 *     reference's to 1e-10 (relative). */
#include <dirent.h>

#include "harness.h"
#include "lang/format.h"
#include "lang/parser.h"
#include "urn/model.h"
#include "util/util.h"

#define OLD_DIR "tests/data/old_programs"

/* The program at path formatted with flags (NULL when it does not parse). */
static char *format_file(const char *path, int flags) {
  urn_error err;
  urn_program *p = urn_parse_file(path, &err);
  if (!p) return NULL;
  urn_buf b;
  urn_buf_init(&b);
  urn_format_program(p, flags, &b);
  urn_program_free(p);
  return b.data;
}

static char *format_text(const char *src, int flags) {
  urn_error err;
  urn_program *p = urn_parse("formatted.stan", src, strlen(src), &err);
  if (!p) return NULL;
  urn_buf b;
  urn_buf_init(&b);
  urn_format_program(p, flags, &b);
  urn_program_free(p);
  return b.data;
}

static urn_model *build(const char *name, const char *src, const char *data, urn_error *err) {
  urn_model *m = urn_model_new(name, src, strlen(src), "data.json", data, strlen(data), 1, err);
  if (m) urn_model_set_print(m, NULL);
  return m;
}

/* A uniform number in [-1.5, 1.5) from a 64-bit LCG (fixed seed: deterministic). */
static double uniform(unsigned long long *s) {
  *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
  return 3.0 * (double)(*s >> 11) / 9007199254740992.0 - 1.5;
}

/* Same log density and gradient for models a and b at random points (rtol 0 for the same AST). */
static void compare(const char *what, const urn_model *a, const urn_model *b, double rtol) {
  size_t n = urn_model_num_unconstrained(a);
  CHECK(urn_model_num_unconstrained(b) == n, "%s: %zu vs %zu unconstrained parameters", what, n,
        urn_model_num_unconstrained(b));
  if (urn_model_num_unconstrained(b) != n) return;
  double *th = malloc((n + 1) * sizeof *th), *ga = malloc((n + 1) * sizeof *ga), *gb = malloc((n + 1) * sizeof *gb);
  unsigned long long seed = 20260;
  int evaluated = 0;
  for (int pt = 0; pt < 6; pt++) {
    for (size_t i = 0; i < n; i++) th[i] = uniform(&seed);
    for (int propto = 0; propto <= 1; propto++) {
      double la = 0, lb = 0;
      urn_error e1, e2;
      int ra = urn_model_log_density_gradient(a, propto, 1, th, &la, ga, &e1);
      int rb = urn_model_log_density_gradient(b, propto, 1, th, &lb, gb, &e2);
      CHECK(ra == rb, "%s: point %d: status %d vs %d (%s / %s)", what, pt, ra, rb, ra ? e1.msg : "",
            rb ? e2.msg : "");
      if (ra != URN_OK || rb != URN_OK) continue;
      evaluated++;
      char w[160];
      snprintf(w, sizeof w, "%s: lp at point %d (propto %d)", what, pt, propto);
      CHECK_NEAR(lb, la, rtol, rtol ? 1e-12 : 0, w);
      double worst = 0;
      for (size_t i = 0; i < n; i++) {
        double d = fabs(ga[i] - gb[i]) / (fabs(ga[i]) + 1e-300);
        if (fabs(ga[i] - gb[i]) > 1e-12 && d > worst) worst = d;
      }
      CHECK(worst <= rtol, "%s: gradient at point %d (propto %d): worst relative gap %g", what, pt, propto, worst);
    }
  }
  CHECK(evaluated >= 8, "%s: %d of 12 evaluations finite (the others rejected)", what, evaluated);
  free(th);
  free(ga);
  free(gb);
}

static void one_program(const char *name) {
  char path[512], data_path[512], ref_path[512];
  snprintf(path, sizeof path, "%s/%s.stan", OLD_DIR, name);
  snprintf(data_path, sizeof data_path, "%s/%s.json", OLD_DIR, name);
  snprintf(ref_path, sizeof ref_path, "%s/%s.ref.stan", OLD_DIR, name);
  size_t len;
  urn_error err;
  char *src = urn_read_file(path, &len, &err), *data = urn_read_file(data_path, &len, &err);
  if (!src || !data) {
    CHECK(0, "%s: cannot read the program or its data", name);
    free(src), free(data);
    return;
  }
  urn_model *orig = build(path, src, data, &err);
  CHECK(orig != NULL, "%s: the old program builds: %s", name, orig ? "" : err.msg);
  CHECK(orig && urn_model_warnings(orig)[0] != 0, "%s: old syntax is warned about", name);
  char *canon = format_file(path, URN_FMT_CANONICAL), *plain = format_file(path, 0);
  CHECK(canon && plain, "%s: formats", name);
  if (orig && canon && plain) {
    urn_model *mc = build("canonical.stan", canon, data, &err);
    CHECK(mc != NULL, "%s: the canonical form builds: %s", name, mc ? "" : err.msg);
    CHECK(mc && urn_model_warnings(mc)[0] == 0, "%s: the canonical form has no old syntax: %s", name,
          mc ? urn_model_warnings(mc) : "");
    urn_model *mp = build("formatted.stan", plain, data, &err);
    CHECK(mp != NULL, "%s: the formatted program builds: %s", name, mp ? "" : err.msg);
    char *canon2 = format_text(canon, URN_FMT_CANONICAL), *plain2 = format_text(plain, 0);
    CHECK(canon2 && strcmp(canon2, canon) == 0, "%s: the canonical form formats to itself", name);
    CHECK(plain2 && strcmp(plain2, plain) == 0, "%s: the formatted program formats to itself", name);
    free(canon2), free(plain2);
    if (mc) {
      size_t np = urn_model_num_params(orig, 1, 1);
      int same = np == urn_model_num_params(mc, 1, 1);
      for (size_t i = 0; same && i < np; i++) same = !strcmp(urn_model_param_name(orig, i), urn_model_param_name(mc, i));
      CHECK(same, "%s: the canonical form has the same outputs", name);
      char w[128];
      snprintf(w, sizeof w, "%s: canonical", name);
      compare(w, orig, mc, 0);
    }
    if (mp) {
      char w[128];
      snprintf(w, sizeof w, "%s: formatted", name);
      compare(w, orig, mp, 0);
    }
    urn_model_free(mc);
    urn_model_free(mp);
    FILE *f = fopen(ref_path, "r");
    if (f) {
      fclose(f);
      char *ref = urn_read_file(ref_path, &len, &err);
      urn_model *mr = ref ? build(ref_path, ref, data, &err) : NULL;
      CHECK(mr != NULL, "%s: the hand-written reference builds: %s", name, mr ? "" : err.msg);
      if (mr) {
        char w[128];
        snprintf(w, sizeof w, "%s: vs reference", name);
        compare(w, orig, mr, 1e-10);
      }
      urn_model_free(mr);
      free(ref);
    }
  }
  urn_model_free(orig);
  free(canon), free(plain), free(src), free(data);
}

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(void) {
  DIR *d = opendir(OLD_DIR);
  CHECK(d != NULL, "open %s", OLD_DIR);
  if (!d) return test_done();
  char *names[64];
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) && n < 64) {
    size_t len = strlen(e->d_name);
    if (len > 5 && !strcmp(e->d_name + len - 5, ".stan") && !strstr(e->d_name, ".ref."))
      names[n++] = strndup(e->d_name, len - 5);
  }
  closedir(d);
  qsort(names, (size_t)n, sizeof *names, cmp);
  CHECK(n == 15, "%d old programs (want 15)", n);
  for (int i = 0; i < n; i++) {
    one_program(names[i]);
    free(names[i]);
  }
  printf("old programs: %d, each checked against its canonical and formatted forms at 6 points\n", n);
  return test_done();
}
