/* tests/test_fn_containers.c — container constructors and manipulations of Stan 2.37 (fn_construct.c,
 * fn_array.c) and the vectorised signatures added for issue #14 (fn_math.c, fn_ops.c): values against
 * closed forms and numpy/scipy (numbers in the comments), gradients against finite differences, and
 * argument checks with Stan's messages. */
#include "fn_probe.h"

static char msg[4096];

/* Runs a generated-quantities program and compares its outputs with want[0..n). */
static void expect_values(const char *what, const char *src, const double *want, size_t n, double rtol) {
  double got[256];
  long k = probe_gq(src, got, 256, msg, sizeof msg);
  CHECK(k == (long)n, "%s: %ld values (want %zu): %s", what, k, n, msg);
  if (k != (long)n) return;
  for (size_t i = 0; i < n; i++)
    CHECK(test_near(got[i], want[i], rtol, 1e-300), "%s: value %zu is %.17g, want %.17g", what, i + 1, got[i], want[i]);
}

static void expect_reject(const char *what, const char *src, const char *want) {
  CHECK(probe_reject(src, want, msg, sizeof msg), "%s: rejected with '%s': got '%s'", what, want, msg);
}

static void expect_bad_program(const char *what, const char *src, const char *want) {
  CHECK(probe_rejects_program(src, want, msg, sizeof msg), "%s: refused with '%s': got '%s'", what, want, msg);
}

static void constructors(void) {
  expect_values("ones/zeros",
                "generated quantities { vector[2] a = ones_vector(2); row_vector[2] b = zeros_row_vector(2);"
                " array[3] int c = ones_int_array(3); array[1] real d = zeros_array(1); array[0] int e = zeros_int_array(0); }",
                (double[]){1, 1, 0, 0, 1, 1, 1, 0}, 8, 0);
  expect_values("one_hot",
                "generated quantities { vector[3] a = one_hot_vector(3, 2); array[2] int b = one_hot_int_array(2, 2);"
                " row_vector[1] c = one_hot_row_vector(1, 1); array[2] real d = one_hot_array(2, 1); }",
                (double[]){0, 1, 0, 0, 1, 1, 1, 0}, 8, 0);
  expect_values("identity_matrix", "generated quantities { matrix[2, 2] I = identity_matrix(2); }",
                (double[]){1, 0, 0, 1}, 4, 0);
  /* Eigen's integer LinSpaced, as Stan: 0..10 in 3 -> {0, 5, 10}; in 4 -> step 3; 1..3 in 5 -> repeats */
  expect_values("linspaced_int_array",
                "generated quantities { array[3] int a = linspaced_int_array(3, 0, 10);"
                " array[4] int b = linspaced_int_array(4, 0, 10); array[5] int c = linspaced_int_array(5, 1, 3);"
                " array[1] int d = linspaced_int_array(1, 2, 9); array[0] int e = linspaced_int_array(0, 2, 9); }",
                (double[]){0, 5, 10, 0, 3, 6, 9, 1, 1, 2, 2, 3, 9}, 13, 0);
  expect_values("linspaced_row_vector",
                "generated quantities { row_vector[5] a = linspaced_row_vector(5, -1, 1); row_vector[1] b = linspaced_row_vector(1, 0, 3); }",
                (double[]){-1, -0.5, 0, 0.5, 1, 3}, 6, 1e-15);
  expect_values("uniform_simplex", "generated quantities { vector[4] s = uniform_simplex(4); }",
                (double[]){0.25, 0.25, 0.25, 0.25}, 4, 0);
  expect_reject("ones_vector(-1)", "generated quantities { vector[1] a = ones_vector(-1); }",
                "ones_vector: size is -1, but must be nonnegative");
  expect_reject("one_hot k too large", "generated quantities { vector[3] a = one_hot_vector(3, 4); }",
                "one_hot_vector: k is 4, but must be in the interval [1, 3]");
  expect_reject("one_hot size 0", "generated quantities { vector[0] a = one_hot_vector(0, 1); }",
                "one_hot_vector: size is 0, but must be positive");
  expect_reject("linspaced_int_array high < low", "generated quantities { array[2] int a = linspaced_int_array(2, 5, 1); }",
                "linspaced_int_array: high is 1, but must be greater than or equal to 5");
  expect_reject("uniform_simplex(0)", "generated quantities { vector[0] a = uniform_simplex(0); }",
                "uniform_simplex: size is 0, but must be positive");
}

static void arrays(void) {
  expect_values("append_array",
                "generated quantities { array[3] int a = append_array({1, 2}, {3});"
                " array[3] vector[2] b = append_array({[1, 2]', [3, 4]'}, {[5, 6]'}); }",
                (double[]){1, 2, 3, 1, 3, 5, 2, 4, 6}, 9, 0); /* outputs are column-major, as Stan's */
  expect_reject("append_array shapes", "generated quantities { array[2] vector[2] b = append_array({[1, 2]'}, {[5, 6, 7]'}); }",
                "append_array: the elements of the arguments must have the same sizes");
  expect_bad_program("append_array types", "generated quantities { array[2] real b = append_array({1.5}, {{2.5}}); }",
                     "no signature of append_array");
  expect_values("reverse",
                "generated quantities { vector[3] a = reverse([1, 2, 3]'); array[2, 2] int b = reverse({{1, 2}, {3, 4}});"
                " array[0] real c = reverse(zeros_array(0)); }",
                (double[]){3, 2, 1, 3, 1, 4, 2}, 7, 0);
  expect_values("to_array_2d", "generated quantities { array[2, 3] real a = to_array_2d([[1, 2, 3], [4, 5, 6]]); }",
                (double[]){1, 4, 2, 5, 3, 6}, 6, 0);
  expect_values("to_int", "generated quantities { int a = to_int(-3.9); array[3] int b = to_int({2.5, -0.5, 7}); }",
                (double[]){-3, 2, 0, 7}, 4, 0);
  expect_reject("to_int overflow", "generated quantities { int a = to_int(3e9); }", "to_int: x is 3e+09, but must be in the range of int");
  /* numpy.quantile([3.2, -1, 7.5, 0.25, 4], [0.3, 0.5, 0.95, 0, 1]) (R type 7) */
  expect_values("quantile",
                "generated quantities { real a = quantile([3.2, -1, 7.5, 0.25, 4]', 0.3);"
                " array[4] real b = quantile({3.2, -1, 7.5, 0.25, 4}, {0.5, 0.95, 0, 1}); real c = quantile([5]', 0.7); }",
                (double[]){0.8399999999999999, 3.2, 6.799999999999999, -1.0, 7.5, 5}, 6, 1e-15);
  expect_reject("quantile p", "generated quantities { real a = quantile([1, 2]', 1.5); }",
                "quantile: p is 1.5, but must be in the interval [0, 1]");
  expect_bad_program("quantile of parameters", "parameters { vector[2] x; } model { target += quantile(x, 0.5); }",
                     "must be data");
  expect_values("norms", "generated quantities { real a = norm1([3, -4]'); real b = norm2({3, -4}); real c = norm2([1e200, 1e200]); }",
                (double[]){7, 5, 1.4142135623730951e200}, 3, 1e-15);
  expect_values("softmax of row vectors and arrays",
                "generated quantities { row_vector[2] a = softmax([0, log(3)]); array[2] vector[2] b = log_softmax({[0, 0]', [log(3), 0]'}); }",
                (double[]){0.25, 0.75, -0.6931471805599453, -0.2876820724517809, -0.6931471805599453, -1.3862943611198906},
                6, 1e-15);
  expect_values("to_matrix row-major and from row vectors",
                "generated quantities { matrix[2, 3] a = to_matrix({1, 2, 3, 4, 5, 6}, 2, 3, 0);"
                " matrix[2, 3] b = to_matrix({1, 2, 3, 4, 5, 6}, 2, 3, 1); matrix[2, 2] c = to_matrix({[1, 2], [3, 4]}); }",
                (double[]){1, 4, 2, 5, 3, 6, 1, 2, 3, 4, 5, 6, 1, 3, 2, 4}, 16, 0);
  expect_values("to_array_1d of a vector", "generated quantities { array[2] real a = to_array_1d([1.5, 2]'); }",
                (double[]){1.5, 2}, 2, 0);
  expect_values("rows/columns dot of vectors",
                "generated quantities { row_vector[1] a = columns_dot_self([1, 2]'); vector[2] b = rows_dot_self([1, 2]');"
                " vector[1] c = rows_dot_product([1, 2], [3, 4]); real d = squared_distance(1.5, -0.5); }",
                (double[]){5, 1, 4, 11, 4}, 5, 0);
}

static void vectorised(void) {
  /* scipy.special.gammainc(2.5, [0.5, 1.5, 4.0]), gammaincc(0.7, 3.0) */
  expect_values("gamma_p / gamma_q vectorised",
                "generated quantities { vector[3] a = gamma_p(2.5, [0.5, 1.5, 4.0]'); real b = gamma_q(0.7, 3.0); }",
                (double[]){0.03743422675270361, 0.3000141641213724, 0.8437643724222779, 0.02555261228364347}, 4, 1e-13);
  expect_reject("gamma_p domain", "generated quantities { real a = gamma_p(-1, 2); }",
                "gamma_p: first argument (a) is -1, but must be positive");
  /* numpy.logaddexp */
  expect_values("log_sum_exp(a, b) vectorised",
                "generated quantities { array[3] real a = log_sum_exp({1.0, -2.0, 700.0}, {0.5, -800.0, 701.0}); }",
                (double[]){1.4740769841801067, -2.0, 701.3132616875182}, 3, 1e-15);
  /* scipy.special.multigammaln(2.5, 3), multigammaln(1.7, 2) */
  expect_values("lmgamma(array[] int, vector)", "generated quantities { vector[2] a = lmgamma({3, 2}, [2.5, 1.7]'); }",
                (double[]){1.8809954616117743, 0.39118315551431837}, 2, 1e-14);
  expect_values("choose vectorised",
                "generated quantities { array[3] int a = choose(10, {0, 3, 11}); array[2] int b = choose({30, 5}, {15, 5}); }",
                (double[]){1, 120, 0, 155117520, 1}, 5, 0);
  expect_reject("choose overflow", "generated quantities { int a = choose(40, 20); }", "choose: the result overflows an int");
  expect_reject("choose negative", "generated quantities { int a = choose(-1, 0); }", "choose: n is -1, but must be nonnegative");
  expect_values("fma vectorised", "generated quantities { vector[2] a = fma([1, 2]', 3, [0.5, -1]'); }",
                (double[]){3.5, 5}, 2, 0);
  expect_bad_program("fma of arrays", "generated quantities { array[1] real a = fma({1.0}, 2, 3); }", "no signature of fma");
  expect_bad_program("fma of a vector and a row vector", "generated quantities { vector[1] a = fma([1]', [2], 3); }",
                     "no signature of fma");
  /* log(0.2 e^-1 + 0.5 e^0.5 + 0.3 e^2) + log(0.2 e^0.3 + 0.5 e^-2 + 0.3 e^1) by numpy */
  expect_values("log_mix(vector, array[] vector)",
                "generated quantities { real a = log_mix([0.2, 0.5, 0.3]', {[-1, 0.5, 2]', [0.3, -2, 1]'});"
                " real b = log_mix({0.2, 0.5, 0.3}, [-1, 0.5, 2]); }",
                (double[]){1.2785926021120686, 1.1361178629855357}, 2, 1e-14);
  expect_reject("log_mix theta", "generated quantities { real a = log_mix([1.2, -0.2]', [0, 1]'); }",
                "log_mix: theta[1] is 1.2, but must be in the interval [0, 1]");
  expect_values("int .* int and int ./ int are int, divide(real, vector)",
                "generated quantities { int a = 7 .* 3; int b = 7 ./ 2; vector[2] c = divide(2.0, [4, 8]');"
                " int d = logical_and(1, 0) + 2 * logical_or(0, 3); real e = plus(2.5); }",
                (double[]){21, 3, 0.5, 0.25, 2, 2.5}, 6, 0);
  expect_bad_program("elementwise containers must conform", "generated quantities { vector[2] a = gamma_p([1, 2]', [1, 2]); }",
                     "no signature of gamma_p");
}

/* The element loops real and complex containers share (fn_shape.c): block, row, sub_row, sub_col, col,
 * append_row/append_col (with promoted scalars and reals), reverse of vectors and of complex arrays,
 * to_matrix by rows, to_array_2d; complex results are written (re, im) per element. */
static void shapes(void) {
  expect_values("real block, row, append, to_array_2d",
                "transformed data { matrix[2, 3] m = [[1, 2, 3], [4, 5, 6]]; }\n"
                "generated quantities { matrix[2, 2] a = block(m, 1, 2, 2, 2); row_vector[3] b = row(m, 2);"
                " matrix[2, 3] c = append_col([[1, 2], [3, 4]], [5, 6]'); matrix[2, 2] d = append_row([1, 2], [[3, 4]]);"
                " vector[3] e = append_row(7, [8, 9]'); row_vector[3] f = append_col([1, 2], 3);"
                " row_vector[2] g = sub_row(m, 2, 2, 2); vector[2] h = sub_col(m, 1, 3, 2); }",
                (double[]){2, 5, 3, 6, 4, 5, 6, 1, 3, 2, 4, 5, 6, 1, 3, 2, 4, 7, 8, 9, 1, 2, 3, 5, 6, 3, 6}, 27, 0);
  expect_values("complex block, row, col, append, reverse, to_matrix by rows, to_array_2d",
                "transformed data { complex_matrix[2, 3] m = to_complex([[1, 2, 3], [4, 5, 6]], [[-1, -2, -3], [-4, -5, -6]]); }\n"
                "generated quantities { complex_matrix[2, 2] a = block(m, 1, 2, 2, 2); complex_row_vector[3] b = row(m, 2);"
                " complex_vector[2] c = col(m, 3); complex_matrix[3, 3] d = append_row([7, 8, 9], m);"
                " complex_row_vector[2] e = append_col(to_complex(1, 2), [3]); complex_row_vector[3] f = reverse(row(m, 1));"
                " array[2] complex g = reverse({to_complex(1, 2), to_complex(3, 4)});"
                " complex_matrix[2, 2] h = to_matrix({{m[1, 1], m[1, 2]}, {m[2, 1], m[2, 2]}});"
                " complex_matrix[2, 3] h2 = to_matrix(to_array_1d(m), 2, 3, 0);"
                " array[2, 3] complex k = to_array_2d(m); }",
                (double[]){2, -2, 5, -5, 3, -3, 6, -6, /* a */ 4, -4, 5, -5, 6, -6, /* b */ 3, -3, 6, -6, /* c */
                           7, 0, 1, -1, 4, -4, 8, 0, 2, -2, 5, -5, 9, 0, 3, -3, 6, -6, /* d */ 1, 2, 3, 0, /* e */
                           3, -3, 2, -2, 1, -1, /* f */ 3, 4, 1, 2, /* g */ 1, -1, 4, -4, 2, -2, 5, -5, /* h */
                           1, -1, 5, -5, 4, -4, 3, -3, 2, -2, 6, -6, /* h2 */ 1, -1, 4, -4, 2, -2, 5, -5, 3, -3, 6, -6 /* k (written column-major) */},
                82, 0);
  /* the copies keep their tape nodes: gradients through real and complex paths */
  const char *src =
      "parameters { matrix[2, 3] m; vector[2] v; }\n"
      "model {\n"
      "  complex_matrix[2, 3] z = to_complex(m, 2 * m);\n"
      "  target += sum(block(m, 1, 2, 2, 2) .* [[1, 2], [3, 4]]) + dot_product(row(m, 2), [1, -1, 2]);\n"
      "  target += sum(append_col(m, v) .* [[1, 2, 3, 4], [5, 6, 7, 8]]) + sum(reverse(v) .* [1, 3]');\n"
      "  target += sum(get_real(block(z, 2, 1, 1, 3)) .* [[1, 2, 3]]) + sum(get_imag(append_row(z, to_complex(m[1], m[2]))) .* [[1, 2, 3], [4, 5, 6], [7, 8, 9]]);\n"
      "  target += get_imag(reverse(col(z, 2))[1]) * 3 + sum(get_real(to_matrix({{z[1, 1], z[1, 2]}, {z[2, 1], z[2, 2]}})) .* [[1, 2], [3, 4]]);\n"
      "  target += -0.5 * dot_self(to_vector(m)) - 0.5 * dot_self(v);\n"
      "}\n";
  double u[8] = {0.3, -1.2, 0.7, 2.1, -0.4, 1.5, 0.9, -0.6};
  double e = probe_fd_src(src, u, 1e-4, msg, sizeof msg);
  CHECK(e < 1e-7, "gradients through block, row, append, reverse, to_matrix of real and complex containers: %.3g %s", e, msg);
}

/* Dot products of slices read in place (fn_slice.c): dot_product / dot_self over sub_col, tail, head, segment, col,
 * row, sub_row and x[a:b] of parameters, data and a transformed-parameter matrix filled by a loop-carried renewal
 * recursion (covid19imperial's shape: each day's slice of the matrix read after the earlier days were written).
 * Against the same program with every dot product an explicit loop: the log density to the bit (the same sum in
 * the same order), the gradient to rounding; against central finite differences; batched and unbatched
 * evaluation, and the general path of dot_product (an argument of a user function: the built-in f_dot_product)
 * against the fused one: the same bits.  Stan's messages for slices out of range and sizes that differ. */
static const char *slice_td =
    "transformed data {\n"
    "  int N = 7;\n"
    "  int M = 2;\n"
    "  vector[N] w = [0.3, 0.1, -0.2, 0.5, 0.25, -0.4, 0.15]';\n"
    "  array[M] vector[N] fr = {0.5 * w, reverse(w)};\n"
    "}\n"
    "parameters { vector<lower=0>[M] y; vector[N] r; matrix[3, 4] A; }\n";
static const char *slice_views =
    "functions {\n"
    "  real id(real x) { return x; }\n"
    "  real dpg(vector x, vector y) { return id(dot_product(x, y)); }\n"
    "  real dpg(row_vector x, row_vector y) { return id(dot_product(x, y)); }\n"
    "  real dpg(vector x, row_vector y) { return id(dot_product(x, y)); }\n"
    "}\n"
    "%s"
    "transformed parameters {\n"
    "  matrix[N, M] pred = rep_matrix(0, N, M);\n"
    "  matrix[N, M] E = rep_matrix(0, N, M);\n"
    "  for (m in 1:M) {\n"
    "    pred[1:2, m] = rep_vector(y[m], 2);\n"
    "    for (i in 3:N) {\n"
    "      real conv = %s(sub_col(pred, 1, m, i - 1), tail(w, i - 1));\n"
    "      pred[i, m] = (1 + 0.1 * r[i]) * conv;\n"
    "    }\n"
    "    for (i in 2:N) E[i, m] = (1 + r[1]) * %s(sub_col(pred, 1, m, i - 1), tail(fr[m], i - 1));\n"
    "  }\n"
    "}\n"
    "model {\n"
    "  target += -0.5 * dot_self(r) - 0.5 * dot_self(to_vector(A)) - sum(y) + sum(E) - 0.1 * dot_self(to_vector(pred));\n"
    "  target += %s(head(r, 3), segment(r, 2, 3)) + %s(col(A, 2), sub_col(A, 1, 3, 3));\n"
    "  target += %s(row(A, 2), sub_row(A, 3, 1, 4)) + %s(r[2:5], row(A, 1)) + id(dot_self(sub_col(A, 2, 4, 2)));\n"
    "  target += %s(tail(r, 2), [0.5, -1.5]') + dot_self(segment(w, 2, 3));\n"
    "}\n";
/* The same with explicit loops (no slice, no dot product on the left of a target). */
static const char *slice_loops =
    "functions {\n"
    "  real dl(vector x, vector y) { real s = 0; for (j in 1:rows(x)) s += x[j] * y[j]; return s; }\n"
    "  real dlr(row_vector x, row_vector y) { real s = 0; for (j in 1:cols(x)) s += x[j] * y[j]; return s; }\n"
    "}\n"
    "%s"
    "transformed parameters {\n"
    "  matrix[N, M] pred = rep_matrix(0, N, M);\n"
    "  matrix[N, M] E = rep_matrix(0, N, M);\n"
    "  for (m in 1:M) {\n"
    "    pred[1:2, m] = rep_vector(y[m], 2);\n"
    "    for (i in 3:N) {\n"
    "      real conv = 0;\n"
    "      for (j in 1:(i - 1)) conv += pred[j, m] * w[N - i + 1 + j];\n"
    "      pred[i, m] = (1 + 0.1 * r[i]) * conv;\n"
    "    }\n"
    "    for (i in 2:N) {\n"
    "      real c = 0;\n"
    "      for (j in 1:(i - 1)) c += pred[j, m] * fr[m, N - i + 1 + j];\n"
    "      E[i, m] = (1 + r[1]) * c;\n"
    "    }\n"
    "  }\n"
    "}\n"
    "model {\n"
    "  vector[3] a2 = [A[1, 2], A[2, 2], A[3, 2]]';\n"
    "  vector[3] a3 = [A[1, 3], A[2, 3], A[3, 3]]';\n"
    "  target += -0.5 * dot_self(r) - 0.5 * dot_self(to_vector(A)) - sum(y) + sum(E) - 0.1 * dot_self(to_vector(pred));\n"
    "  target += dl([r[1], r[2], r[3]]', [r[2], r[3], r[4]]') + dl(a2, a3);\n"
    "  target += dlr(A[2], A[3]) + dlr([r[2], r[3], r[4], r[5]], A[1]) + dl([A[2, 4], A[3, 4]]', [A[2, 4], A[3, 4]]');\n"
    "  target += dl([r[6], r[7]]', [0.5, -1.5]') + dot_self(segment(w, 2, 3));\n"
    "}\n";

static urn_model *slice_model(const char *fmt, const char *dot, int nobatch) {
  char src[4096];
  if (dot) snprintf(src, sizeof src, fmt, slice_td, dot, dot, dot, dot, dot, dot, dot);
  else snprintf(src, sizeof src, fmt, slice_td);
  urn_model_options opt;
  urn_model_options_default(&opt);
  opt.no_batch = nobatch;
  urn_error err;
  urn_model *m = urn_model_new_opt("slices.stan", src, strlen(src), NULL, NULL, 0, &opt, &err);
  CHECK(m != NULL, "slices program builds: %s", m ? "" : err.msg);
  return m;
}

static void slice_dots(void) {
  expect_values("dot products of slices",
                "transformed data { matrix[3, 2] m = [[1, 2], [3, 4], [5, 6]]; vector[4] v = [1, -1, 2, 0.5]'; }\n"
                "generated quantities { real a = dot_product(sub_col(m, 2, 2, 2), tail(v, 2));"
                " real b = dot_product(col(m, 1), head(v, 3)); real c = dot_self(segment(v, 2, 2));"
                " real d = dot_product(row(m, 3), sub_row(m, 1, 1, 2)); real e = dot_product(v[2:3], sub_col(m, 1, 1, 2)); }",
                (double[]){4 * 2 + 6 * 0.5, 1 - 3 + 10, 1 + 4, 5 + 12, -1 + 6}, 5, 0);
  expect_reject("sub_col out of range inside a dot product",
                "transformed data { matrix[3, 4] A = rep_matrix(1, 3, 4); }\n"
                "generated quantities { real d = dot_product(sub_col(A, 2, 3, 3), [1, 2, 3]'); }",
                "sub_col: indexes (2, 3, 3) out of range for a 3 x 4 matrix");
  expect_reject("tail longer than its vector inside a dot product",
                "transformed data { vector[3] v = [1, 2, 3]'; }\n"
                "generated quantities { real d = dot_product(tail(v, 4), [1, 2, 3, 4]'); }", "tail: size 4 exceeds 3");
  expect_reject("dot product of slices of different sizes",
                "transformed data { vector[3] v = [1, 2, 3]'; }\n"
                "generated quantities { real d = dot_product(head(v, 2), tail(v, 3)); }",
                "dot_product: sizes 2 and 3 do not match");
  urn_model *fused = slice_model(slice_views, "dot_product", 0), *unb = slice_model(slice_views, "dot_product", 1);
  urn_model *gen = slice_model(slice_views, "dpg", 0), *loops = slice_model(slice_loops, NULL, 0);
  if (!fused || !unb || !loops) {
    urn_model_free(fused), urn_model_free(unb), urn_model_free(gen), urn_model_free(loops);
    return;
  }
  size_t n = urn_model_num_unconstrained(fused);
  CHECK(n == 21 && urn_model_num_unconstrained(loops) == n, "slices: %zu unconstrained parameters", n);
  double u[21], g1[21], g2[21], g3[21], g4[21], lp1, lp2, lp3, lp4;
  urn_rng rng;
  urn_rng_seed(&rng, 4242, 0);
  for (int pt = 0; pt < 3; pt++) {
    for (size_t i = 0; i < n; i++) u[i] = urn_rng_uniform(&rng) - 0.5;
    urn_error err;
    int r1 = urn_model_log_density_gradient(fused, 0, 1, u, &lp1, g1, &err);
    int r2 = urn_model_log_density_gradient(unb, 0, 1, u, &lp2, g2, &err);
    int r4 = urn_model_log_density_gradient(loops, 0, 1, u, &lp4, g4, &err);
    CHECK(r1 == URN_OK && r2 == URN_OK && r4 == URN_OK, "slices: evaluates at point %d", pt);
    CHECK(memcmp(&lp1, &lp2, sizeof lp1) == 0 && memcmp(g1, g2, n * sizeof *g1) == 0,
          "slices: batched and unbatched evaluation, the same bits (point %d: %.17g %.17g)", pt, lp1, lp2);
    CHECK(memcmp(&lp1, &lp4, sizeof lp1) == 0, "slices: log density %.17g, explicit loops %.17g (point %d)", lp1, lp4, pt);
    for (size_t i = 0; i < n; i++) CHECK_NEAR(g1[i], g4[i], 1e-13, 1e-13, "slices: gradient against explicit loops");
    if (gen) { /* dpg: dot_product as a user function's argument, through its general evaluation */
      int r3 = urn_model_log_density_gradient(gen, 0, 1, u, &lp3, g3, &err);
      CHECK(r3 == URN_OK && memcmp(&lp1, &lp3, sizeof lp1) == 0 && memcmp(g1, g3, n * sizeof *g1) == 0,
            "slices: the general path of dot_product (f_dot_product) and the fused one, the same bits (point %d)", pt);
    }
    double e = probe_fd_error(fused, u, 1e-4);
    CHECK(e < 1e-7, "slices: gradient against central finite differences: %.3g (point %d)", e, pt);
  }
  urn_model_free(fused), urn_model_free(unb), urn_model_free(gen), urn_model_free(loops);
}

static void gradients(void) {
  const char *src =
      "parameters { vector[3] l1; vector[3] l2; real<lower=0> a; real<lower=0> x; vector[2] v; }\n"
      "model {\n"
      "  target += log_mix([0.2, 0.5, 0.3]', {l1, l2});\n"
      "  target += sum(gamma_p(a, [0.5, x]')) + gamma_q(a + 0.3, x);\n"
      "  target += sum(log_sum_exp(v, [0.1, -0.3]')) + norm2(v) + norm1(l1) + sum(fma(v, v, v));\n"
      "  target += sum(softmax(l1) .* [1, 2, 3]') + sum(log_softmax({v, v})[2]);\n"
      "  target += sum(lmgamma({2, 3}, [a + 1, x + 2]'));\n"
      "}\n";
  double u[10] = {-1, 0.5, 2, 0.3, -2, 1, log(1.7), log(2.2), 0.4, -0.9};
  double e = probe_fd_src(src, u, 1e-4, msg, sizeof msg);
  CHECK(e < 1e-7, "gradients of log_mix, gamma_p/q, log_sum_exp, norms, fma, softmax, lmgamma vs finite differences: %.3g %s", e, msg);
}

/* A user function per observation building small vectors (posteriordb's gpcm / grsm `pcm`): rows / size of a
 * variable read in place, segment's view, a nested data index `theta[jj[n]]`, a built-in's scalar arguments in
 * one block, softmax / cumulative_sum / append_row, categorical_lpmf with its arguments on the stack.  The fast
 * forms against ordinary ones (rows of an expression, an index through `+ 0`, arguments from locals, log of the
 * probability): the same log density and gradient bits, batched and statement by statement; the gradient against
 * central finite differences. */
static void small_vectors_in_calls(void) {
  const char *head =
      "functions {\n"
      "  real pcm(int y, real theta, vector beta) {\n"
      "    vector[rows(beta) + 1] unsummed;\n"
      "    vector[num_elements(beta) + size(beta) - rows(beta) + cols(beta)] probs;\n"
      "    unsummed = append_row(rep_vector(0.0, 1), theta - beta);\n"
      "    probs = softmax(cumulative_sum(unsummed));\n"
      "    return categorical_lpmf(y + 1 | probs);\n"
      "  }\n"
      "  real pcm2(int y, real theta, vector beta) {\n"
      "    vector[rows(beta + 0) + 1] unsummed;\n"
      "    vector[rows(beta + 0) + 1] probs;\n"
      "    unsummed = append_row(rep_vector(0.0, 1), theta - beta);\n"
      "    probs = softmax(cumulative_sum(unsummed));\n"
      "    return log(probs[y + 1]);\n"
      "  }\n"
      "}\n"
      "transformed data {\n"
      "  array[7] int jj = {1, 2, 3, 1, 2, 3, 2}, ii = {1, 2, 1, 2, 1, 2, 2}, y = {0, 2, 1, 1, 0, 3, 2};\n"
      "  array[2] int pos = {1, 3}, m = {2, 3};\n"
      "}\n"
      "parameters { vector[3] theta; vector<lower=0>[2] alpha; vector[5] beta; }\n"
      "model {\n"
      "  theta ~ normal(0, 1);\n  alpha ~ lognormal(0, 1);\n  beta ~ normal(0, 2);\n";
  const char *fast =
      "  for (n in 1:7) target += pcm(y[n], theta[jj[n]] .* alpha[ii[n]], segment(beta, pos[ii[n]], m[ii[n]]));\n"
      "}\n";
  const char *slow =
      "  for (n in 1:7) {\n"
      "    int p = pos[ii[n] + 0];\n    int k = m[ii[n] + 0];\n"
      "    target += pcm2(y[n], theta[jj[n] + 0] .* alpha[ii[n] + 0], segment(beta, p, k));\n"
      "  }\n"
      "}\n";
  char a[4096], b[4096];
  snprintf(a, sizeof a, "%s%s", head, fast), snprintf(b, sizeof b, "%s%s", head, slow);
  double u[10] = {0.3, -1.2, 0.7, 0.4, -0.5, 1.1, -0.3, 0.8, -1.4, 0.2};
  urn_model_options o;
  urn_model_options_default(&o);
  o.print = NULL;
  urn_error err;
  urn_model *m[4];
  for (int k = 0; k < 4; k++) {
    o.no_batch = k >= 2;
    const char *src = k & 1 ? b : a;
    m[k] = urn_model_new_opt("pcm.stan", src, strlen(src), NULL, NULL, 0, &o, &err);
    CHECK(m[k] != NULL, "pcm program %d builds: %s", k, m[k] ? "" : err.msg);
    if (!m[k]) { for (int q = 0; q < k; q++) urn_model_free(m[q]); return; }
  }
  double lp[4], g[4][10];
  for (int pt = 0; pt < 3; pt++) {
    for (int i = 0; i < 10; i++) u[i] = u[i] * (pt ? -0.7 : 1) + 0.1 * pt;
    for (int k = 0; k < 4; k++)
      CHECK(urn_model_log_density_gradient(m[k], 1, 1, u, &lp[k], g[k], &err) == URN_OK, "pcm %d evaluates", k);
    for (int k = 1; k < 4; k++)
      CHECK(memcmp(&lp[k], &lp[0], sizeof lp[0]) == 0 && memcmp(g[k], g[0], sizeof g[0]) == 0,
            "pcm point %d: program %d's log density and gradient bits are the fast form's (%.17g vs %.17g)", pt, k,
            lp[k], lp[0]);
    double e = probe_fd_error(m[0], u, 1e-4);
    CHECK(e < 1e-7, "pcm point %d: gradient vs finite differences %.3g", pt, e);
  }
  for (int k = 0; k < 4; k++) urn_model_free(m[k]);
}

int main(void) {
  constructors();
  arrays();
  vectorised();
  gradients();
  shapes();
  slice_dots();
  small_vectors_in_calls();
  return test_done();
}
