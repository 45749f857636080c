/* tests/test_format.c — `urn format` (lang/format.h) and the pre-2.33 syntax
 * urn reads (lang/legacy.h): every old form becomes exactly the expected
 * current Stan under --canonical and is printed back as written without it;
 * one warning per kind, at the first occurrence, naming the modern form, with
 * the count of the others; names the program defines itself are never
 * rewritten; expressions keep their parse through the minimal parentheses
 * (checked on the fully parenthesized form); comments and blank lines keep
 * their place; formatting is idempotent.  (Old programs evaluated against
 * their canonical form: test_old_programs.c; the whole stanc3 corpus:
 * tests/conformance_lang.c --format.) */
#include "harness.h"
#include "lang/check.h"
#include "lang/format.h"
#include "lang/parser.h"
#include "util/util.h"

/* The program src formatted with flags (NULL when it does not parse: message printed). */
static char *format_src(const char *src, int flags, int line) {
  urn_error err;
  urn_program *p = urn_parse("t.stan", src, strlen(src), &err);
  if (!p) {
    test_report(0, __FILE__, line, "parse failed: %s", err.msg);
    return NULL;
  }
  urn_buf b;
  urn_buf_init(&b);
  urn_format_program(p, flags, &b);
  urn_program_free(p);
  if (!b.data) urn_buf_puts(&b, "");
  return b.data;
}

/* Formatting src with flags gives exactly want, and formatting that again gives it again. */
static void check_format(const char *src, int flags, const char *want, int line) {
  char *got = format_src(src, flags, line);
  if (!got) return;
  test_report(strcmp(got, want) == 0, __FILE__, line, "format%s\n--- got:\n%s--- want:\n%s",
              flags ? " --canonical" : "", got, want);
  char *again = format_src(got, flags, line);
  if (again) test_report(strcmp(again, got) == 0, __FILE__, line, "not idempotent:\n%s---\n%s", got, again);
  free(got);
  free(again);
}
#define FMT(src, want) check_format(src, 0, want, __LINE__)
#define CANON(src, want) check_format(src, URN_FMT_CANONICAL, want, __LINE__)

/* src parses, checks, and its warnings are exactly want ("" for none). */
static void check_warnings(const char *src, const char *want, int line) {
  urn_error err;
  urn_program *p = urn_parse("t.stan", src, strlen(src), &err);
  if (!p) {
    test_report(0, __FILE__, line, "parse failed: %s", err.msg);
    return;
  }
  const char *got = p->warnings ? p->warnings : "";
  test_report(strcmp(got, want) == 0, __FILE__, line, "warnings\n--- got:\n%s--- want:\n%s", got, want);
  test_report(urn_check(p, &err) == URN_OK, __FILE__, line, "check: %s", err.msg);
  urn_program_free(p);
}
#define WARN(src, want) check_warnings(src, want, __LINE__)

/* The old forms, each with its canonical rewrite (and kept as written without --canonical). */
static void test_rewrites(void) {
  const char *old =
      "data {\n"
      "  int<lower=0> N;\n"
      "  real y[N];\n"
      "  int<lower=0, upper=1> z[N, 2];\n"
      "  vector[3] b[N];\n"
      "  real a[2], c;\n"
      "}\n"
      "parameters {\n"
      "  real mu;\n"
      "  real<lower=0> sigma;\n"
      "}\n"
      "model {\n"
      "  real t[N];\n"
      "  t <- y;\n"
      "  increment_log_prob(normal_log(y, mu, sigma));\n"
      "  increment_log_prob(normal_cdf_log(2, mu, sigma) + normal_ccdf_log(3, mu, sigma));\n"
      "  target += normal_cdf(2, mu, sigma) + poisson_log(3, 2.5) + poisson_log_log(3, 0.5);\n"
      "  target += if_else(N > 2, fabs(mu), multiply_log(2, sigma)) + binomial_coefficient_log(5, 2);\n"
      "  print(get_lp());\n"
      "}\n";
  FMT(old, old);
  CANON(old,
        "data {\n"
        "  int<lower=0> N;\n"
        "  array[N] real y;\n"
        "  array[N, 2] int<lower=0, upper=1> z;\n"
        "  array[N] vector[3] b;\n"
        "  array[2] real a;\n"
        "  real c;\n"
        "}\n"
        "parameters {\n"
        "  real mu;\n"
        "  real<lower=0> sigma;\n"
        "}\n"
        "model {\n"
        "  array[N] real t;\n"
        "  t = y;\n"
        "  target += normal_lpdf(y | mu, sigma);\n"
        "  target += normal_lcdf(2 | mu, sigma) + normal_lccdf(3 | mu, sigma);\n"
        "  target += normal_cdf(2 | mu, sigma) + poisson_lpmf(3 | 2.5) + poisson_log_lpmf(3 | 0.5);\n"
        "  target += (N > 2 ? abs(mu) : lmultiply(2, sigma)) + lchoose(5, 2);\n"
        "  print(target());\n"
        "}\n");
  /* old function signatures, integrate_ode, cov_exp_quad, lp__ */
  const char *funs =
      "functions {\n"
      "  real[] sho(real t, real[] y, real[] theta, data real[] x_r, int[] x_i) {\n"
      "    real dydt[2];\n"
      "    dydt[1] <- y[2];\n"
      "    dydt[2] <- -y[1] - theta[1] * y[2];\n"
      "    return dydt;\n"
      "  }\n"
      "  matrix k(real[] x, real a, real l) {\n"
      "    return cov_exp_quad(x, a, l);\n"
      "  }\n"
      "}\n"
      "model {\n"
      "  real ys[3, 2];\n"
      "  ys <- integrate_ode(sho, {1.0, 0.0}, 0.0, {1.0, 2.0, 3.0}, {0.5}, {0.0}, {0});\n"
      "  lp__ <- lp__ + -0.5 * ys[1, 1] ^ 2;\n"
      "}\n";
  FMT(funs, funs);
  CANON(funs,
        "functions {\n"
        "  array[] real sho(real t, array[] real y, array[] real theta, data array[] real x_r, array[] int x_i) {\n"
        "    array[2] real dydt;\n"
        "    dydt[1] = y[2];\n"
        "    dydt[2] = -y[1] - theta[1] * y[2];\n"
        "    return dydt;\n"
        "  }\n"
        "  matrix k(array[] real x, real a, real l) {\n"
        "    return gp_exp_quad_cov(x, a, l);\n"
        "  }\n"
        "}\n"
        "model {\n"
        "  array[3, 2] real ys;\n"
        "  ys = integrate_ode_rk45(sho, {1.0, 0.0}, 0.0, {1.0, 2.0, 3.0}, {0.5}, {0.0}, {0});\n"
        "  target += -0.5 * ys[1, 1] ^ 2;\n"
        "}\n");
  /* user densities defined with _log and used with ~ (with their cdf_log for truncation) */
  const char *user =
      "functions {\n"
      "  real mynorm_log(real y, real mu) {\n"
      "    return normal_log(y, mu, 1);\n"
      "  }\n"
      "  real mynorm_cdf_log(real y, real mu) {\n"
      "    return normal_cdf_log(y, mu, 1);\n"
      "  }\n"
      "  real count_log(int n, real l) {\n"
      "    return poisson_log(n, l);\n"
      "  }\n"
      "}\n"
      "parameters {\n"
      "  real mu;\n"
      "}\n"
      "model {\n"
      "  mu ~ mynorm(0) T[, 3];\n"
      "  2 ~ count(exp(mu));\n"
      "  target += mynorm_log(1, mu);\n"
      "}\n";
  FMT(user, user);
  CANON(user,
        "functions {\n"
        "  real mynorm_lpdf(real y, real mu) {\n"
        "    return normal_lpdf(y | mu, 1);\n"
        "  }\n"
        "  real mynorm_lcdf(real y, real mu) {\n"
        "    return normal_lcdf(y | mu, 1);\n"
        "  }\n"
        "  real count_lpmf(int n, real l) {\n"
        "    return poisson_lpmf(n | l);\n"
        "  }\n"
        "}\n"
        "parameters {\n"
        "  real mu;\n"
        "}\n"
        "model {\n"
        "  mu ~ mynorm(0) T[, 3];\n"
        "  2 ~ count(exp(mu));\n"
        "  target += mynorm_lpdf(1 | mu);\n"
        "}\n");
  /* names the program defines itself are its own (Stan 2.33+ allows them): never rewritten */
  const char *own =
      "functions {\n"
      "  real fabs(real x) {\n"
      "    return x;\n"
      "  }\n"
      "  real helper_log(real x, real y) {\n"
      "    return x + y;\n"
      "  }\n"
      "  real normal_log(real x) {\n"
      "    return x;\n"
      "  }\n"
      "}\n"
      "model {\n"
      "  target += fabs(-1) + helper_log(1, 2) + normal_log(3);\n"
      "}\n";
  CANON(own, own);
  WARN(own, "");
}

/* One warning per kind, at its first occurrence, in source order, with the count of the others. */
static void test_warnings(void) {
  WARN("data {\n"
       "  int N;\n"
       "  real y[N];  # data\n"
       "  real z[N];\n"
       "}\n"
       "parameters {\n"
       "  real mu;\n"
       "}\n"
       "model {\n"
       "  real t;\n"
       "  t <- 1;\n"
       "  t <- 2;\n"
       "  t <- 3;\n"
       "  increment_log_prob(normal_log(y, mu, 1));\n"
       "  y ~ normal(mu, fabs(t));\n"
       "  print(get_lp());\n"
       "}\n",
       "t.stan:3:8: warning: old array syntax 'real y[N]' (removed in Stan 2.33): write 'array[N] real y' [and 1 more "
       "like it]\n"
       "t.stan:3:15: warning: '#' comment (removed in Stan 2.33): write '//'\n"
       "t.stan:11:5: warning: assignment with '<-' (removed in Stan 2.33): write '=' [and 2 more like it]\n"
       "t.stan:14:3: warning: increment_log_prob(e) (removed in Stan 2.33): write 'target += e;'\n"
       "t.stan:14:22: warning: normal_log(y, ...) (removed in Stan 2.33): write normal_lpdf(y | ...)\n"
       "t.stan:15:18: warning: fabs() (removed in Stan 2.33): write abs()\n"
       "t.stan:16:9: warning: get_lp() (removed in Stan 2.33): write target()\n"
       "t.stan: note: urn reads this old syntax; 'urn format --canonical t.stan' prints the program in current "
       "Stan\n");
  WARN("functions {\n  real f(real[,] x) {\n    return x[1, 1];\n  }\n}\n",
       "t.stan:2:8: warning: old array type 'real[,]' in the signature of f (removed in Stan 2.33): write "
       "'array[,] real'\n"
       "t.stan: note: urn reads this old syntax; 'urn format --canonical t.stan' prints the program in current "
       "Stan\n");
  WARN("data {\n  real jacobian;\n}\n",
       "t.stan:2:8: warning: 'jacobian' is a reserved word from Stan 2.38 (2.37 still accepts it as a name): "
       "rename it\n");
  WARN("model {\n  real x = 1;\n  if (x<-1) print(x);\n}\n", "");
}

/* x<-1 in an expression is x < -1 (Stan 2.33+ has no '<-'); at a statement's start, an assignment. */
static void test_arrow(void) {
  FMT("model { real x; if (x<-1) x <-2; while (x<-x) x<-x-1; }",
      "model {\n  real x;\n  if (x < -1)\n    x <- 2;\n  while (x < -x)\n    x <- x - 1;\n}\n");
  FMT("model { array[2] real x; x[1]<- 1<-2; }", "model {\n  array[2] real x;\n  x[1] <- 1 < -2;\n}\n");
}

/* Expressions keep their parse: the minimal parentheses printed parse back to the same tree. */
static void check_roundtrip(const char *e, const char *want, int line) {
  char src[1024];
  snprintf(src, sizeof src, "transformed data { real x = %s; }", e);
  urn_error err;
  urn_program *p = urn_parse("t.stan", src, strlen(src), &err);
  if (!p) {
    test_report(0, __FILE__, line, "parse %s: %s", e, err.msg);
    return;
  }
  urn_buf full, minimal;
  urn_buf_init(&full);
  urn_buf_init(&minimal);
  const urn_expr *init = p->blocks[URN_BLK_TDATA].stmts[0]->decl->init;
  urn_expr_format(init, &full);
  urn_format_expr(init, 0, &minimal);
  test_report(strcmp(minimal.data, want) == 0, __FILE__, line, "%s printed as %s, want %s", e, minimal.data, want);
  snprintf(src, sizeof src, "transformed data { real x = %s; }", minimal.data);
  urn_program *q = urn_parse("t.stan", src, strlen(src), &err);
  if (q) {
    urn_buf again;
    urn_buf_init(&again);
    urn_expr_format(q->blocks[URN_BLK_TDATA].stmts[0]->decl->init, &again);
    test_report(strcmp(again.data, full.data) == 0, __FILE__, line, "%s: reparsed as %s, was %s", e, again.data,
                full.data);
    urn_buf_free(&again);
    urn_program_free(q);
  } else {
    test_report(0, __FILE__, line, "reparse of %s: %s", minimal.data, err.msg);
  }
  urn_buf_free(&full);
  urn_buf_free(&minimal);
  urn_program_free(p);
}
#define RT(e, want) check_roundtrip(e, want, __LINE__)

static void test_precedence(void) {
  RT("a-(b-c)", "a - (b - c)");
  RT("(a-b)-c", "a - b - c");
  RT("a/(b*c)", "a / (b * c)");
  RT("(a+b)'", "(a + b)'");
  RT("x'[1]", "x'[1]");
  RT("(x+y)[2]", "(x + y)[2]");
  RT("-a^2", "-a ^ 2");
  RT("(-a)^2", "(-a) ^ 2");
  RT("a^b^c", "a ^ b ^ c");
  RT("(a^b)^c", "(a ^ b) ^ c");
  RT("a^-b", "a ^ -b");
  RT("-(a+b)", "-(a + b)");
  RT("!(a&&b)||c", "!(a && b) || c");
  RT("a||b&&c", "a || b && c");
  RT("(a||b)&&c", "(a || b) && c");
  RT("c?a:b?d:e", "c ? a : b ? d : e");
  RT("(c?a:b)?d:e", "(c ? a : b) ? d : e");
  RT("(c?a:b)+1", "(c ? a : b) + 1");
  RT("a<b==c>d", "a < b == c > d");
  RT("(a<b)<c", "a < b < c");
  RT("a<(b<c)", "a < (b < c)");
  RT("A\\b*c", "A \\ b * c");
  RT("A*(b\\c)", "A * b \\ c");
  RT("(A*b)\\c", "(A * b) \\ c");
  RT("a%/%b%c", "a %/% b % c");
  RT("a.*b./c.^d", "a .* b ./ c .^ d");
  RT("m[i:j,:,k:,:l][1]", "m[i:j, :, k:, :l][1]");
  RT("m[(c?1:2):3]", "m[(c ? 1 : 2):3]");
  RT("m[c?1:2]", "m[c ? 1 : 2]");
  RT("f(y|a,b)+g()", "f(y | a, b) + g()");
  RT("{1,2}[1]+[a,b]*[[1,2],[3,4]]'", "{1, 2}[1] + [a, b] * [[1, 2], [3, 4]]'");
  RT("1_000+1.5e-3+.5+3.+007", "1_000 + 1.5e-3 + .5 + 3. + 007");
  RT("- -a", "--a");
  RT("-(-a)^2", "-(-a) ^ 2");
  /* complex and tuple expressions */
  RT("1_0.5i+2i*(a,b).1", "1_0.5i + 2i * (a, b).1");
  RT("-(t.2.1[3])^2+(x,).1", "-t.2.1[3] ^ 2 + (x,).1");
  RT("(t[1].2)'", "t[1].2'");
}

/* Tuple and complex declarations, argument and return types. */
static void test_tuples(void) {
  const char *src = "functions {\n"
                    "  tuple(real, array[] complex) f(tuple(complex_vector, array[,] int) x, data tuple(real,) y) {\n"
                    "    return (1.0, {2i});\n"
                    "  }\n"
                    "}\n"
                    "data {\n"
                    "  array[2] tuple(real<lower=0>, tuple(int, complex_vector[3])) t;\n"
                    "  complex_matrix[2, 3] M;\n"
                    "}\n"
                    "transformed data {\n"
                    "  tuple(real, int) a = (t[1].1, 3), b;\n"
                    "  real r;\n"
                    "  (r, b) = (a.1, (1.5, 2));\n"
                    "}\n";
  FMT(src, src);
  CANON(src, src);
}

/* Comments stay where they were; blank lines are kept (at most one); layout is fixed. */
static void test_comments(void) {
  FMT("// header\n"
      "\n"
      "\n"
      "data { int N; // count\n"
      "  /* block\n"
      "     comment */\n"
      "  real y;\n"
      "\n"
      "  // before end\n"
      "}\n"
      "model{y~normal(0,1);   // trailing\n"
      "  for (i in 1:N) { target += -i; }  // after a loop\n"
      "}\n"
      "// the end\n",
      "// header\n"
      "\n"
      "data {\n"
      "  int N;  // count\n"
      "  /* block\n"
      "     comment */\n"
      "  real y;\n"
      "\n"
      "  // before end\n"
      "}\n"
      "model {\n"
      "  y ~ normal(0, 1);  // trailing\n"
      "  for (i in 1:N) {\n"
      "    target += -i;\n"
      "  }  // after a loop\n"
      "}\n"
      "// the end\n");
  /* canonical: '#' comments become '//', bodies get braces, else-if chains stay flat */
  CANON("model {\n  real x;  # old comment\n  if (x > 1) x = 1; else if (x < 0) x = 0; else { x = 2; }\n"
        "  for (i in 1:2) x = x + i;\n}\n",
        "model {\n  real x;  // old comment\n  if (x > 1) {\n    x = 1;\n  } else if (x < 0) {\n    x = 0;\n"
        "  } else {\n    x = 2;\n  }\n  for (i in 1:2) {\n    x = x + i;\n  }\n}\n");
  FMT("model {\n  real x;\n  if (x > 1) x = 1; else x = 2;\n  while (x > 0) { x = x - 1; }\n}\n",
      "model {\n  real x;\n  if (x > 1)\n    x = 1;\n  else\n    x = 2;\n  while (x > 0) {\n    x = x - 1;\n  }\n}\n");
  FMT("", "");
  FMT("// only a comment\n", "// only a comment\n");
}

/* Statements and declarations of current Stan print as they parse. */
static void test_layout(void) {
  const char *modern =
      "functions {\n"
      "  real f(data array[,] real x, vector v);\n"
      "  real f(data array[,] real x, vector v) {\n"
      "    return x[1, 1] + v[1];\n"
      "  }\n"
      "  void g_lp(real y) {\n"
      "    target += y;\n"
      "  }\n"
      "  real h_lpdf(real y, real m) {\n"
      "    return normal_lupdf(y | m, 1);\n"
      "  }\n"
      "}\n"
      "data {\n"
      "  int<lower=1> N;\n"
      "  array[N] vector<lower=-1, upper=1>[3] v;\n"
      "  cholesky_factor_cov[4, 3] L;\n"
      "  matrix<offset=0, multiplier=2>[2, 2] M;\n"
      "}\n"
      "transformed data {\n"
      "  real a = 1, b, c = 2;\n"
      "  profile(\"setup\") {\n"
      "    b = a + c;\n"
      "  }\n"
      "}\n"
      "parameters {\n"
      "  simplex[3] s;\n"
      "  real y;\n"
      "}\n"
      "model {\n"
      "  y ~ normal(0, 1) T[-5, ];\n"
      "  y ~ h(0);\n"
      "  target += h_lpdf(y | 1) + std_normal_lpdf(y |);\n"
      "  g_lp(y);\n"
      "  for (x in v) {\n"
      "    for (k in 1:3) {\n"
      "      if (x[k] > 2) {\n"
      "        continue;\n"
      "      } else {\n"
      "        break;\n"
      "      }\n"
      "    }\n"
      "  }\n"
      "  {\n"
      "    vector[3] w = s;\n"
      "    w[2:3] += 1;\n"
      "    w .*= s;\n"
      "  }\n"
      "  {5.5, 6.5} ~ normal(y, 1);\n"
      "  ;\n"
      "}\n"
      "generated quantities {\n"
      "  real z = normal_rng(0, 1);\n"
      "  if (z > 10) {\n"
      "    reject(\"z is \", z);\n"
      "  }\n"
      "}\n";
  FMT(modern, modern);
  CANON(modern, modern); /* nothing old: the canonical form is the same */
}

int main(void) {
  test_rewrites();
  test_warnings();
  test_arrow();
  test_precedence();
  test_tuples();
  test_comments();
  test_layout();
  return test_done();
}
