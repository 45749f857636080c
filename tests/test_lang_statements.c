/* tests/test_lang_statements.c — the Reference Manual's statements and expressions, run: every statement kind
 * (assignment and each compound assignment, for over a range, foreach over arrays / vectors / matrices, while,
 * break, continue, if / else if / else, nested blocks with locals, print, reject, fatal_error, profile,
 * target +=, target(), ~ with truncation) and expression rules (integer division and modulus, precedence and
 * associativity of ^ and unary minus, the conditional operator, single / multi / range indexing, array, vector,
 * row-vector and matrix literals, int-to-real promotion) computed by a program whose generated quantities are
 * read back through the C API and compared with values worked out by hand in the comments. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "urn/model.h"

static const char *program =
    "functions {\n"
    "  real tri(int n) {            // 1 + 2 + ... + n with while / break / continue\n"
    "    int i = 0;\n"
    "    real s = 0;\n"
    "    while (1) {\n"
    "      i += 1;\n"
    "      if (i > n) break;\n"
    "      if (i % 2 == 0) continue;  // odd terms only\n"
    "      s += i;\n"
    "    }\n"
    "    return s;\n"
    "  }\n"
    "  void check_positive(real x) {\n"
    "    if (x <= 0) reject(\"x must be positive: \", x);\n"
    "  }\n"
    "}\n"
    "data { int N; array[N] real y; }\n"
    "transformed data {\n"
    "  real td = 0;\n"
    "  for (n in 1:N) td += y[n];      // 6\n"
    "}\n"
    "parameters { real<lower=0> sigma; }\n"
    "model {\n"
    "  check_positive(sigma);\n"
    "  profile(\"likelihood\") {\n"
    "    y ~ normal(0, sigma) T[-10, ];\n"
    "  }\n"
    "}\n"
    "generated quantities {\n"
    "  real odd_sum = tri(10);         // 1 + 3 + 5 + 7 + 9 = 25\n"
    "  int idiv = 7 %/% 2;             // 3\n"
    "  int imod = -7 % 3;              // C++ truncation: -1\n"
    "  real rdiv = 7 / 2.0;            // 3.5\n"
    "  real pw = -2 ^ 2;               // -(2^2) = -4\n"
    "  real pw2 = 2 ^ 3 ^ 2;           // right-assoc: 2^9 = 512\n"
    "  real cond = td > 5 ? 1.5 : 2.5; // 1.5\n"
    "  real nested = 0;\n"
    "  {\n"
    "    real local = 10;\n"
    "    for (i in 1:3) {\n"
    "      real sq = i * i;\n"
    "      nested += sq + local;       // (1 + 4 + 9) + 30 = 44\n"
    "    }\n"
    "  }\n"
    "  real each_arr = 0;\n"
    "  for (v in {1.5, 2.5, 3.0}) each_arr += v;           // 7\n"
    "  real each_mat = 0;\n"
    "  for (v in [[1, 2], [3, 4]]) each_mat = 10 * each_mat + v;  // column-major: 1, 3, 2, 4 -> 1324\n"
    "  real each_vec = 0;\n"
    "  for (v in [5, 6]') each_vec += v;                   // 11\n"
    "  real ops = 10;\n"
    "  ops -= 4;  ops *= 3;  ops /= 2;                     // (10 - 4) * 3 / 2 = 9\n"
    "  vector[3] ev = [1, 2, 3]';\n"
    "  ev .*= [2, 2, 2]';  ev ./= [1, 2, 4]';              // [2, 2, 1.5]\n"
    "  real ev_sum = sum(ev);                              // 5.5\n"
    "  array[5] int a = {10, 20, 30, 40, 50};\n"
    "  int a_range = sum(a[2:4]);                          // 90\n"
    "  int a_head = sum(a[:2]);                            // 30\n"
    "  int a_tail = sum(a[4:]);                            // 90\n"
    "  int a_multi = sum(a[{5, 1, 1}]);                    // 70\n"
    "  matrix[2, 3] M = [[1, 2, 3], [4, 5, 6]];\n"
    "  real m_entry = M[2, 3];                             // 6\n"
    "  real m_row = sum(M[2]);                             // 15\n"
    "  real m_col = sum(M[:, 2]);                          // 7\n"
    "  real m_block = sum(M[1:2, 2:3]);                    // 2 + 3 + 5 + 6 = 16\n"
    "  real branch;\n"
    "  if (td < 0) branch = 1;\n"
    "  else if (td < 10) branch = 2;                       // td = 6\n"
    "  else branch = 3;\n"
    "  real promoted = 3;                                  // int -> real\n"
    "  int sz = size(a) + num_elements(M);                 // 5 + 6 = 11\n"
    "  print(\"odd_sum = \", odd_sum);\n"
    "}\n";

static void test_values(void) {
  const char *data = "{\"N\": 3, \"y\": [1, 2, 3]}";
  urn_error err;
  FILE *printed = tmpfile();
  urn_model_options opt;
  urn_model_options_default(&opt);
  opt.print = printed;
  urn_model *m = urn_model_new_opt("st.stan", program, strlen(program), "st.json", data, strlen(data), &opt, &err);
  CHECK(m != NULL, "the statements program builds: %s", m ? "" : err.msg);
  if (!m) {
    if (printed) fclose(printed);
    return;
  }
  static const struct { const char *name; double want; } want[] = {
      {"odd_sum", 25}, {"idiv", 3}, {"imod", -1}, {"rdiv", 3.5}, {"pw", -4}, {"pw2", 512}, {"cond", 1.5},
      {"nested", 44}, {"each_arr", 7}, {"each_mat", 1324}, {"each_vec", 11}, {"ops", 9}, {"ev_sum", 5.5},
      {"a_range", 90}, {"a_head", 30}, {"a_tail", 90}, {"a_multi", 70}, {"m_entry", 6}, {"m_row", 15},
      {"m_col", 7}, {"m_block", 16}, {"branch", 2}, {"promoted", 3}, {"sz", 11}};
  size_t n = urn_model_num_params(m, 1, 1);
  double out[128], u[1] = {log(2.0)}; /* sigma = 2 */
  urn_rng *rng = urn_rng_new(1, 0);
  CHECK(n <= 128 && urn_model_param_constrain(m, 1, 1, u, out, rng, &err) == URN_OK, "generated quantities run");
  for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
    int found = 0;
    for (size_t i = 0; i < n && i < 128; i++)
      if (strcmp(urn_model_param_name(m, i), want[k].name) == 0) {
        found = 1;
        CHECK_NEAR(out[i], want[k].want, 0, 1e-12, want[k].name);
      }
    CHECK(found, "output %s present", want[k].name);
  }
  /* print() wrote its line */
  if (printed) {
    char line[256] = "";
    rewind(printed);
    CHECK(fgets(line, sizeof line, printed) && strstr(line, "odd_sum = 25"), "print: '%s'", line);
    fclose(printed);
  }
  /* the model block: profile is transparent; truncation T[-10, ] divides each normal(y | 0, 2) by
   * 1 - Phi(-10 / 2); with the Jacobian of sigma = exp(u): lp = sum log N(y | 0, 2) - 3 log(1 - Phi(-5)) + u */
  double lp;
  CHECK(urn_model_log_density(m, 0, 1, u, &lp, &err) == URN_OK, "log density: %s", err.msg);
  double ref = 0;
  for (int k = 1; k <= 3; k++) ref += -0.5 * log(2 * M_PI) - log(2.0) - 0.5 * (k / 2.0) * (k / 2.0);
  ref -= 3 * log(0.5 * erfc(-5 / sqrt(2.0)));
  ref += u[0];
  CHECK_NEAR(lp, ref, 1e-13, 1e-13, "lp with truncation and the Jacobian");
  urn_rng_free(rng);
  urn_model_free(m);
}

/* reject() in the model block rejects the point (URN_EREJECT, with the message); fatal_error() is an error
 * that is not a rejection. */
static void test_reject_fatal(void) {
  const char *src = "parameters { real x; }\n"
                    "model {\n"
                    "  if (x > 1) reject(\"x too large: \", x);\n"
                    "  if (x < -1) fatal_error(\"x too small: \", x);\n"
                    "  x ~ normal(0, 1);\n"
                    "}\n";
  urn_error err;
  urn_model *m = urn_model_new("rf.stan", src, strlen(src), NULL, NULL, 0, 1, &err);
  CHECK(m != NULL, "reject/fatal program builds");
  if (!m) return;
  double lp, u[1] = {2};
  int rc = urn_model_log_density(m, 0, 1, u, &lp, &err);
  CHECK(rc == URN_EREJECT && strstr(err.msg, "x too large: 2"), "reject: rc %d '%s'", rc, err.msg);
  u[0] = -2;
  rc = urn_model_log_density(m, 0, 1, u, &lp, &err);
  CHECK(rc != URN_OK && rc != URN_EREJECT && strstr(err.msg, "x too small: -2"), "fatal_error: rc %d '%s'", rc,
        err.msg);
  u[0] = 0.5;
  CHECK(urn_model_log_density(m, 0, 1, u, &lp, &err) == URN_OK, "an accepted point");
  CHECK_NEAR(lp, -0.5 * log(2 * M_PI) - 0.125, 1e-14, 1e-14, "lp at 0.5");
  urn_model_free(m);
}

/* target() reads the accumulated log density; target += adds to it. */
static void test_target(void) {
  const char *src = "parameters { real x; }\n"
                    "model {\n"
                    "  target += -0.5 * x^2;\n"
                    "  target += target();  // doubles it\n"
                    "}\n";
  urn_error err;
  urn_model *m = urn_model_new("tg.stan", src, strlen(src), NULL, NULL, 0, 1, &err);
  CHECK(m != NULL, "target() program builds");
  if (!m) return;
  double lp, g, u[1] = {3};
  CHECK(urn_model_log_density_gradient(m, 0, 1, u, &lp, &g, &err) == URN_OK, "gradient");
  CHECK_NEAR(lp, -9, 0, 1e-14, "target() doubles -4.5");
  CHECK_NEAR(g, -6, 0, 1e-14, "its gradient -2x");
  urn_model_free(m);
}

int main(void) {
  test_values();
  test_reject_fatal();
  test_target();
  return test_done();
}
