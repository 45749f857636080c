/* tests/test_lang_compound.c — complex numbers and tuples in whole programs:
 * complex and tuple parameters (with constrained components) against closed
 * forms and finite differences, promotion (real -> complex in assignments,
 * arguments, returns, literals), tuple literals, components, unpacking (a
 * swap), arrays of tuples, CmdStan JSON data and inits for both, Stan CSV
 * names (CmdStan 2.32's tuple header from ../shared when present), print(),
 * `jacobian +=` following the Jacobian switch, and errors. */
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "math/rng.h"
#include "urn/model.h"
#include "util/util.h"

static urn_model *build(const char *src, const char *data, urn_error *err) {
  return urn_model_new("t.stan", src, strlen(src), "t.json", data, data ? strlen(data) : 0, 1, err);
}

static double fd_check(const urn_model *m, const double *u0) {
  size_t n = urn_model_num_unconstrained(m);
  double u[64], g[64], lp, worst = 0;
  memcpy(u, u0, n * sizeof *u);
  urn_error err;
  if (urn_model_log_density_gradient(m, 0, 1, u, &lp, g, &err) != URN_OK) return -1;
  for (size_t j = 0; j < n; j++) {
    double h = 1e-5, keep = u[j], fp, fm;
    u[j] = keep + h, urn_model_log_density(m, 0, 1, u, &fp, NULL);
    u[j] = keep - h, urn_model_log_density(m, 0, 1, u, &fm, NULL);
    u[j] = keep;
    worst = fmax(worst, fabs(g[j] - (fp - fm) / (2 * h)) / fmax(1, fabs(g[j])));
  }
  return worst;
}

/* Complex parameters through complex arithmetic: lp against the same formula in C. */
static void test_complex_model(void) {
  const char *src =
      "functions { complex f(complex z, real r) { return z * z + r; } }\n"
      "data { complex c; complex_vector[2] w; }\n"
      "parameters { complex z; complex_vector[2] v; }\n"
      "model {\n"
      "  complex q = f(z, 0.5) - c;\n"
      "  target += -0.5 * norm(q);\n"
      "  target += -0.5 * dot_self(to_vector(abs(v - w)));\n"
      "  target += get_real(exp(1i * z)) + arg(v[1] + 2);\n"
      "}\n";
  urn_error err;
  urn_model *m = build(src, "{\"c\": [1, -0.5], \"w\": [[0.2, 0.1], [-1, 2]]}", &err);
  CHECK(m != NULL, "complex model builds: %s", m ? "" : err.msg);
  if (!m) return;
  CHECK(urn_model_num_unconstrained(m) == 6, "a complex parameter is two unconstrained values");
  CHECK(strcmp(urn_model_param_name(m, 0), "z.real") == 0 && strcmp(urn_model_param_name(m, 1), "z.imag") == 0 &&
            strcmp(urn_model_param_name(m, 4), "v.2.real") == 0,
        "names z.real, z.imag, v.1.real, ...");
  urn_rng r;
  urn_rng_seed(&r, 11, 0);
  for (int rep = 0; rep < 3; rep++) {
    double u[6], lp;
    for (int i = 0; i < 6; i++) u[i] = 0.8 * urn_rng_normal(&r);
    double complex z = CMPLX(u[0], u[1]), v1 = CMPLX(u[2], u[3]), v2 = CMPLX(u[4], u[5]);
    double complex q = z * z + 0.5 - CMPLX(1, -0.5);
    double a1 = cabs(v1 - CMPLX(0.2, 0.1)), a2 = cabs(v2 - CMPLX(-1, 2));
    double want = -0.5 * creal(q * conj(q)) - 0.5 * (a1 * a1 + a2 * a2) + creal(cexp(I * z)) + carg(v1 + 2);
    CHECK(urn_model_log_density(m, 0, 1, u, &lp, &err) == URN_OK, "complex lp: %s", err.msg);
    CHECK_REL(lp, want, 1e-13, "complex model lp against C's complex arithmetic");
    double g = fd_check(m, u);
    CHECK(g >= 0 && g < 1e-6, "complex model gradient vs finite differences (%.3g)", g);
  }
  urn_model_free(m);
}

/* Tuples with constrained components as parameters: layout, names, lp with the Jacobians, gradient,
 * inits as JSON objects. */
static void test_tuple_params(void) {
  const char *src =
      "parameters { tuple(real<lower=0>, simplex[3]) p; array[2] tuple(real, complex) q; }\n"
      "model {\n"
      "  p.1 ~ exponential(2);\n"
      "  p.2 ~ dirichlet([2, 3, 4]');\n"
      "  for (i in 1:2) { q[i].1 ~ normal(1, 2); target += -0.5 * norm(q[i].2); }\n"
      "}\n"
      "generated quantities { tuple(real, vector[3]) g = (p.1 * 2, p.2 * 3); }\n";
  urn_error err;
  urn_model *m = build(src, NULL, &err);
  CHECK(m != NULL, "tuple parameters model builds: %s", m ? "" : err.msg);
  if (!m) return;
  CHECK(urn_model_num_unconstrained(m) == 1 + 2 + 2 * 3, "unconstrained size %zu", urn_model_num_unconstrained(m));
  const char *want_names[] = {"p:1", "p:2.1", "p:2.2", "p:2.3", "q.1:1", "q.1:2.real", "q.1:2.imag", "q.2:1", "q.2:2.real", "q.2:2.imag",
                              "g:1", "g:2.1", "g:2.2", "g:2.3"};
  int names_ok = urn_model_num_params(m, 1, 1) == 14;
  for (int i = 0; names_ok && i < 14; i++) names_ok = strcmp(urn_model_param_name(m, (size_t)i), want_names[i]) == 0;
  CHECK(names_ok, "CmdStan tuple names p:1, p:2.1, q.1:2.real, ... (first: %s)", urn_model_param_name(m, 0));
  double u[9] = {0.3, -0.2, 0.5, 0.7, 0.1, -0.4, -1.2, 0.6, 0.9}, lp, x[14];
  CHECK(urn_model_log_density(m, 0, 1, u, &lp, &err) == URN_OK, "tuple lp: %s", err.msg);
  /* closed form: p.1 = exp(u0); simplex from (u1, u2) by the ILR map */
  double p1 = exp(u[0]), w1 = u[1] / sqrt(2.0), w2 = u[2] / sqrt(6.0);
  double zc[3] = {w1 + w2, -w1 + w2, -2 * w2}, d = exp(zc[0]) + exp(zc[1]) + exp(zc[2]), s[3];
  for (int k = 0; k < 3; k++) s[k] = exp(zc[k]) / d;
  double want = log(2.0) - 2 * p1 + u[0];                                      /* exponential(2) + Jacobian */
  want += lgamma(9.0) - lgamma(2.0) - lgamma(3.0) - lgamma(4.0) + log(s[0]) + 2 * log(s[1]) + 3 * log(s[2]);
  want += log(s[0]) + log(s[1]) + log(s[2]) + 0.5 * log(3.0);                  /* simplex Jacobian */
  for (int i = 0; i < 2; i++) {
    double y = u[3 + 3 * i], re = u[4 + 3 * i], im = u[5 + 3 * i];
    want += -0.5 * ((y - 1) / 2) * ((y - 1) / 2) - log(2.0) - 0.5 * log(2 * M_PI) - 0.5 * (re * re + im * im);
  }
  CHECK_REL(lp, want, 1e-12, "tuple model lp against the closed form");
  double g = fd_check(m, u);
  CHECK(g >= 0 && g < 1e-6, "tuple model gradient vs finite differences (%.3g)", g);
  urn_rng rng;
  urn_rng_seed(&rng, 3, 0);
  CHECK(urn_model_param_constrain(m, 1, 1, u, x, &rng, &err) == URN_OK, "param_constrain with tuples: %s", err.msg);
  CHECK_REL(x[0], p1, 1e-15, "p:1");
  CHECK_REL(x[2], s[1], 1e-14, "p:2.2");
  CHECK(x[5] == u[4] && x[6] == u[5], "q.1:2 = (u, u)");
  CHECK_REL(x[10], 2 * p1, 1e-15, "generated tuple g:1");
  CHECK_REL(x[12], 3 * s[1], 1e-14, "generated tuple g:2.2");
  /* inits as CmdStan JSON: tuples are objects, complex numbers [re, im] */
  char js[600];
  snprintf(js, sizeof js,
           "{\"p\": {\"1\": %.17g, \"2\": [%.17g, %.17g, %.17g]}, \"q\": [{\"1\": %.17g, \"2\": [%.17g, %.17g]}, "
           "{\"1\": %.17g, \"2\": [%.17g, %.17g]}]}",
           x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7], x[8], x[9]);
  double u2[9];
  CHECK(urn_model_param_unconstrain_json(m, js, strlen(js), "inits.json", u2, &err) == URN_OK, "tuple inits: %s", err.msg);
  double e = 0;
  for (int i = 0; i < 9; i++) e = fmax(e, fabs(u2[i] - u[i]));
  CHECK(e < 1e-12, "unconstrain(constrain(u)) = u through tuple JSON (%.3g)", e);
  const char *bad = "{\"p\": {\"1\": 1, \"2\": [0.5, 0.6, 0.1]}, \"q\": [{\"1\": 0, \"2\": [0, 0]}, {\"1\": 0, \"2\": [0, 0]}]}";
  CHECK(urn_model_param_unconstrain_json(m, bad, strlen(bad), "inits.json", u2, &err) != URN_OK && strstr(err.msg, "not a valid simplex"),
        "a tuple component's constraint is checked: %s", err.msg);
  const char *miss = "{\"p\": {\"1\": 1}, \"q\": [{\"1\": 0, \"2\": [0, 0]}, {\"1\": 0, \"2\": [0, 0]}]}";
  CHECK(urn_model_param_unconstrain_json(m, miss, strlen(miss), "inits.json", u2, &err) != URN_OK &&
            strstr(err.msg, "tuple component \"2\" is missing"),
        "a missing tuple component is named: %s", err.msg);
  urn_model_free(m);
}

/* Values through the language: promotion, unpacking (a swap), components, arrays of tuples, data,
 * print(), jacobian +=. */
static void test_semantics(void) {
  const char *src =
      "functions {\n"
      "  tuple(real, complex) f(tuple(real, complex) t) { return (t.1 + 1, t.2 * 2); }\n"
      "  complex g(complex z) { return 3; }\n"
      "}\n"
      "data { tuple(int, array[2] real) d; array[2] tuple(real, complex_vector[2]) a; }\n"
      "transformed data {\n"
      "  real x = 1; real y = 2;\n"
      "  (x, y) = (y, x);\n"
      "  complex c = 2.5;\n"
      "  complex_vector[2] cv = [1, 2]';\n"
      "  tuple(real, complex) t = f((x, y));\n"
      "  array[2] complex ca = {1, 2i};\n"
      "  complex_row_vector[2] cr = [1, 3i];\n"
      "  print(x, \" \", y, \" \", c, \" \", cv, \" \", t, \" \", g(1i), \" \", ca, \" \", cr, \" \", d, \" \", a[2].2[1]);\n"
      "}\n"
      "parameters { real mu; }\n"
      "transformed parameters { real s = exp(mu); jacobian += mu; }\n"
      "model { s ~ exponential(1); }\n";
  const char *data = "{\"d\": {\"1\": 3, \"2\": [0.5, -1]}, \"a\": [{\"1\": 1, \"2\": [[1, 2], [3, 4]]}, {\"1\": 2, \"2\": [[5, 6], [7, 8]]}]}";
  urn_error err;
  urn_model *m;
  /* print() of transformed data goes to the model's print stream (stdout at construction): capture it */
  fflush(stdout);
  FILE *tmp = tmpfile();
  int saved = dup(fileno(stdout));
  dup2(fileno(tmp), fileno(stdout));
  m = build(src, data, &err);
  fflush(stdout);
  dup2(saved, fileno(stdout)), close(saved);
  char out[512] = "";
  rewind(tmp);
  size_t got = fread(out, 1, sizeof out - 1, tmp);
  out[got] = 0;
  fclose(tmp);
  CHECK(m != NULL, "semantics program builds: %s", m ? "" : err.msg);
  const char *want = "2 1 (2.5,0) [(1,0),(2,0)] (3, (2,0)) (3,0) [(1,0),(0,2)] [(1,0),(0,3)] (3, [0.5,-1]) (5,6)\n";
  CHECK(strcmp(out, want) == 0, "print of swapped, promoted and tuple values:\n  got  %s  want %s", out, want);
  if (!m) return;
  double u = 0.4, lp, lpn;
  urn_model_log_density(m, 0, 1, &u, &lp, &err);
  urn_model_log_density(m, 0, 0, &u, &lpn, &err);
  CHECK_REL(lpn, -exp(0.4), 1e-14, "no Jacobian: jacobian += is left out");
  CHECK_REL(lp, -exp(0.4) + 0.4, 1e-14, "with the Jacobian: jacobian += mu is added");
  urn_model_free(m);
  /* data errors name the variable and the component */
  struct {
    const char *data, *want;
  } bad[] = {
      {"{\"d\": {\"1\": 3, \"2\": [0.5]}, \"a\": []}", "variable 'd', tuple component 2: dimension 1 has size 1, but the declaration needs 2"},
      {"{\"d\": [3, [0.5, 1]], \"a\": []}", "a tuple is a JSON object"},
      {"{\"d\": {\"1\": 3, \"2\": [0.5, 1]}, \"a\": [{\"1\": 1, \"2\": [[1, 2, 3], [3, 4]]}, {\"1\": 2, \"2\": [[5, 6], [7, 8]]}]}",
       "a complex number is [re, im], but the array at line 1, column 52 has 3 elements"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    m = build(src, bad[i].data, &err);
    CHECK(!m && strstr(err.msg, bad[i].want), "bad data %zu: want \"%s\", got \"%s\"", i, bad[i].want, m ? "(accepted)" : err.msg);
    if (m) urn_model_free(m);
  }
}

/* CmdStan 2.32's Stan CSV header of its tuples test program, column for column. */
static void test_cmdstan_header(void) {
  const char *shared = test_shared_dir();
  if (!shared) {
    printf("skipped: ../shared not present (CmdStan tuples header)\n");
    return;
  }
  char path[4200];
  snprintf(path, sizeof path, "%.4000s/clients/reference/tuples.stan", shared);
  char *src = test_read_file(path, NULL);
  snprintf(path, sizeof path, "%.4000s/clients/reference/tuples_header_cmdstan-2.32.txt", shared);
  char *hdr = test_read_file(path, NULL);
  if (!src || !hdr) {
    printf("skipped: tuples reference files missing\n");
    free(src), free(hdr);
    return;
  }
  /* the program draws base_i with to_int(normal_rng(10, 10)); the names do not depend on it */
  char *p = strstr(src, "to_int(normal_rng(10, 10))");
  if (p) memcpy(p, "3                         ", 26);
  urn_error err;
  urn_model *m = build(src, NULL, &err);
  CHECK(m != NULL, "CmdStan's tuples.stan builds: %s", m ? "" : err.msg);
  if (m) {
    urn_buf b;
    urn_buf_init(&b);
    urn_buf_puts(&b, "lp__,accept_stat__");
    for (size_t i = 0; i < urn_model_num_params(m, 1, 1); i++) urn_buf_printf(&b, ",%s", urn_model_param_name(m, i));
    size_t hl = strcspn(hdr, "\r\n");
    CHECK(b.len == hl && strncmp(b.data, hdr, hl) == 0, "urn's column names equal CmdStan 2.32's tuples header (%zu vs %zu chars)", b.len, hl);
    urn_buf_free(&b);
    urn_model_free(m);
  }
  free(src), free(hdr);
}

int main(void) {
  test_complex_model();
  test_tuple_params();
  test_semantics();
  test_cmdstan_header();
  return test_done();
}
