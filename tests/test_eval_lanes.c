/* tests/test_eval_lanes.c — lane containers and reverse-mode lanes in
 * batched loops (lang/batch.c): whole per-iteration vectors, elementwise
 * operations on them, log_sum_exp / sum of such expressions, whole
 * assignments (`alpha = alpha_new`), and the collapse of lane values with many
 * derivative terms into tape nodes (the forward algorithm of the tutorial's
 * M5 written by hand, over independent sequences).  For each loop shape: how
 * many loops the lowering batches (and the shapes it must leave alone:
 * a whole vector written outside the loop, aliasing through an outer
 * variable, non-elementwise functions, slices, matrices), then the batched
 * log density and gradient against the ordinary evaluation (URN_NOBATCH=1)
 * to 1e-12, with and without propto, and against central finite differences.
 * Aliasing shapes (self-assignment, a copy taken before a partial overwrite,
 * swaps through elements) are evaluated both ways too.  Models and data are
 * embedded; the real M5 model is checked when ../shared is present. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch_probe.h"
#include "harness.h"
#include "lang/check.h"
#include "lang/eval.h"
#include "lang/parser.h"
#include "math/rng.h"
#include "urn/model.h"

enum { S = 5, T = 8, M = 40 };

/* Data of every case: S sequences of length T (xs, ys), a long data row (long_x). */
static char DATA[16384];

static void make_data(void) {
  size_t n = 0, cap = sizeof DATA;
  n += (size_t)snprintf(DATA + n, cap - n, "{\"K\": 3, \"S\": %d, \"T\": %d, \"M\": %d, \"xs\": [", S, T, M);
  for (int s = 0; s < S; s++) {
    n += (size_t)snprintf(DATA + n, cap - n, "%s[", s ? ", " : "");
    for (int t = 0; t < T; t++) n += (size_t)snprintf(DATA + n, cap - n, "%s%.4f", t ? ", " : "", sin(1.3 * s + 0.7 * t) * 1.5);
    n += (size_t)snprintf(DATA + n, cap - n, "]");
  }
  n += (size_t)snprintf(DATA + n, cap - n, "], \"ys\": [");
  for (int s = 0; s < S; s++) {
    n += (size_t)snprintf(DATA + n, cap - n, "%s[", s ? ", " : "");
    for (int t = 0; t < T; t++)
      n += (size_t)snprintf(DATA + n, cap - n, "%s%.4f", t ? ", " : "", cos(0.9 * s - 0.4 * t) * 2 + 0.3 * t);
    n += (size_t)snprintf(DATA + n, cap - n, "]");
  }
  n += (size_t)snprintf(DATA + n, cap - n, "], \"long_x\": [");
  for (int m = 0; m < M; m++) n += (size_t)snprintf(DATA + n, cap - n, "%s%.4f", m ? ", " : "", cos(0.37 * m));
  snprintf(DATA + n, cap - n, "]}");
}

/* The M5 parameters and the log transition matrix, shared by several cases. */
#define M5_HEAD                                                                                   \
  "data { int K; int S; int T; int M; array[S, T] real xs; array[S, T] real ys; vector[M] long_x; }\n" \
  "parameters { simplex[K] p0; array[K] simplex[K] A; ordered[K] w; vector[K] b; vector<lower=0>[K] sigma; }\n"
#define M5_PRIORS                                                                                 \
  "  vector[K] log_p0 = log(p0); matrix[K, K] logA;\n"                                            \
  "  for (j in 1:K) logA[j] = log(A[j])';\n"                                                      \
  "  w ~ normal(0, 1); b ~ normal(0, 1); sigma ~ normal(0, 1);\n"

typedef struct lcase {
  const char *name;    /* what the case exercises */
  int batched;         /* number of `for` statements the lowering must batch */
  const char *src;     /* the Stan program */
} lcase;

static const lcase CASES[] = {
    {"M5 forward algorithm by hand (the tutorial's model)", 1,
     M5_HEAD "model {\n" M5_PRIORS
     "  for (s in 1:S) { vector[K] alpha; vector[K] alpha_new;\n"
     "    for (k in 1:K) alpha[k] = log_p0[k] + normal_lpdf(ys[s, 1] | w[k] * xs[s, 1] + b[k], sigma[k]);\n"
     "    for (t in 2:T) {\n"
     "      for (k in 1:K) alpha_new[k] = log_sum_exp(alpha + col(logA, k)) + normal_lpdf(ys[s, t] | w[k] * xs[s, t] + b[k], sigma[k]);\n"
     "      alpha = alpha_new; }\n"
     "    target += log_sum_exp(alpha); } }\n"},
    {"forward algorithm: declaration with a container value, compound assignment, subtraction", 1,
     M5_HEAD "model {\n" M5_PRIORS
     "  for (s in 1:S) { vector[K] alpha = log_p0 - 0.5 * square(w - xs[s, 1]);\n"
     "    for (t in 2:T) { vector[K] an;\n"
     "      for (k in 1:K) an[k] = log_sum_exp(alpha - col(logA, k) * -1) + normal_lpdf(ys[s, t] | b[k], sigma[k]);\n"
     "      alpha = an; alpha += w * 0.01; }\n"
     "    target += log_sum_exp(alpha) - 0.1 * sum(alpha); } }\n"},
    {"row vectors, arrays, elementwise functions and products", 1,
     M5_HEAD "model {\n" M5_PRIORS
     "  for (s in 1:S) { row_vector[K] r = log(A[1])'; array[3] real q; vector[K] e;\n"
     "    for (k in 1:K) q[k] = ys[s, k] * w[k];\n"
     "    e = exp(-square(b - xs[s, 2])) .* sigma + exp(w) / 3;\n"
     "    r = r + logA[2] + to_row_vector(q) * 0;\n"
     "    target += log_sum_exp(r) + sum(q) + log_sum_exp(log(e)) + sum(e ./ sigma) + log_sum_exp(2 * log_p0 + e); } }\n"},
    {"aliasing: self-assignment, a copy taken before a partial overwrite, an element swap", 1,
     M5_HEAD "model {\n" M5_PRIORS
     "  for (s in 1:S) { vector[K] a = w * xs[s, 1] + b; vector[K] c; real tmp;\n"
     "    c = a;\n"
     "    a[1] = a[2] * sigma[1];\n"
     "    a = a + a;\n"
     "    a = a;\n"
     "    tmp = a[1]; a[1] = a[3]; a[3] = tmp;\n"
     "    a[2] = log_sum_exp(a);\n"
     "    target += sum(c) * 0.3 + sum(a) * 0.2 - square(a[2] - c[1]) * 0.01; } }\n"},
    {"aliasing: a vector read after being partially overwritten inside a recursion", 1,
     M5_HEAD "model {\n" M5_PRIORS
     "  for (s in 1:S) { vector[K] a = log_p0;\n"
     "    for (t in 1:T) { a[1] = log_sum_exp(a + col(logA, 1)) + normal_lpdf(ys[s, t] | w[1], sigma[1]);\n"
     "      a[2] = log_sum_exp(a + col(logA, 2)) + normal_lpdf(ys[s, t] | w[2], sigma[2]);\n"
     "      a[3] = log_sum_exp(a + col(logA, 3)) + normal_lpdf(ys[s, t] | w[3], sigma[3]); }\n"
     "    target += log_sum_exp(a); } }\n"},
    {"many shared leaves: a long elementwise product and sum (terms collapse mid-expression)", 1,
     "data { int S; int T; int M; array[S, T] real xs; vector[M] long_x; }\n"
     "parameters { vector[M] th; real<lower=0> s2; }\n"
     "model { th ~ normal(0, 1); s2 ~ exponential(1);\n"
     "  for (s in 1:S) { vector[M] v; real acc;\n"
     "    for (m in 1:M) v[m] = th[m] * xs[s, 1 + (m % T)] + long_x[m];\n"
     "    acc = sum(v) * 0.1 + log_sum_exp(v .* v * 0.1);\n"
     "    target += normal_lpdf(acc | xs[s, 2], s2); } }\n"},
    {"per-lane parameters inside a lane container", 1,
     "data { int S; int T; array[S, T] real xs; array[S, T] real ys; }\n"
     "parameters { vector[S] u; vector[3] g; }\n"
     "model { u ~ normal(0, 1); g ~ normal(0, 1);\n"
     "  for (s in 1:S) { vector[3] a; for (k in 1:3) a[k] = u[s] * k + g[k] * xs[s, k];\n"
     "    a = a * u[s] + g;\n"
     "    target += log_sum_exp(a + g) - 0.5 * sum(a .* a); } }\n"},
    {"zero-length and one-element containers", 1,
     "data { int S; int T; array[S, T] real xs; }\n"
     "parameters { real m; }\n"
     "model { m ~ normal(0, 1);\n"
     "  for (s in 1:S) { vector[0] z; vector[1] o; o[1] = m * xs[s, 1]; z = z + 1;\n"
     "    target += log_sum_exp(o + m) + sum(z) + sum(o); } }\n"},
    {"NOT: the vector is declared outside the loop (loop-carried)", 0,
     M5_HEAD "model {\n" M5_PRIORS
     "  vector[K] alpha = log_p0; vector[K] an;\n"
     "  for (t in 1:T) { for (k in 1:K) an[k] = log_sum_exp(alpha + col(logA, k)) + normal_lpdf(ys[1, t] | w[k], sigma[k]);\n"
     "    alpha = an; }\n"
     "  target += log_sum_exp(alpha); }\n"},
    {"NOT: a whole outer vector assigned in the loop", 0,
     M5_HEAD "model {\n" M5_PRIORS
     "  vector[K] keep;\n"
     "  for (s in 1:S) { vector[K] a = w * xs[s, 1]; keep = a; target += sum(a); }\n"
     "  target += sum(keep); }\n"},
    {"NOT: non-elementwise functions, slices and transposes of lane vectors", 0,
     M5_HEAD "model {\n" M5_PRIORS
     "  for (s in 1:S) { vector[K] a = w * xs[s, 1]; target += dot_self(a); }\n"
     "  for (s in 1:S) { vector[K] a = w * xs[s, 1]; target += log_sum_exp(a[1:2]); }\n"
     "  for (s in 1:S) { vector[K] a = w * xs[s, 1]; row_vector[K] r = a'; target += sum(r); }\n"
     "  for (s in 1:S) { vector[K] a = w * xs[s, 1]; target += max(a); } }\n"},
    {"NOT: a matrix local", 0,
     M5_HEAD "model {\n" M5_PRIORS
     "  for (s in 1:S) { matrix[K, K] G = logA * xs[s, 1]; target += sum(G); } }\n"},
};

/* Batched against ordinary at npt random points (scale: their spread), with
 * and without propto, plus central finite differences without propto. */
static void compare(const char *name, const char *src, const char *data, int npt, double scale, int fd) {
  compare_batching(name, src, data, 23, npt, scale, fd, 1);
}

static void run_case(const lcase *c) {
  int nb = batched_loops(c->src);
  CHECK(nb == c->batched, "%s: %d batched loops, expected %d", c->name, nb, c->batched);
  compare(c->name, c->src, DATA, 3, 1.6, 1);
}

/* Size mismatches inside a batched loop reject with the ordinary path's message. */
static void check_mismatch(void) {
  static const struct { const char *src, *needle; } cases[] = {
      {"data { int S; int T; array[S, T] real xs; }\n"
       "parameters { real m; }\n"
       "model { for (s in 1:S) { vector[3] a = rep_vector(m, 3) * xs[s, 1]; vector[2] c = [m, 1]'; a = c; target += sum(a); } }\n",
       "sizes do not match"},
      {"data { int S; int T; array[S, T] real xs; }\n"
       "parameters { real m; }\n"
       "model { for (s in 1:S) { vector[3] a = rep_vector(m, 3) * xs[s, 1]; vector[2] c = [m, 1]'; target += log_sum_exp(a + c); } }\n",
       "size mismatch"},
      {"data { int S; int T; array[S, T] real xs; }\n"
       "parameters { real m; }\n"
       "model { for (s in 1:S) { vector[3] a = rep_vector(m, 3) * xs[s, 1]; vector[2] c = [m, 1]'; target += sum(a .* c); } }\n",
       "size mismatch"},
      {"data { int S; int T; array[S, T] real xs; }\n"
       "parameters { real m; }\n"
       "model { for (s in 1:S) { vector[2] c = [m, 1]'; vector[3] a = c * xs[s, 1]; target += sum(a); } }\n",
       "sizes do not match"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    CHECK(batched_loops(cases[i].src) == 1, "mismatch case %zu is batched", i);
    for (int nobatch = 0; nobatch < 2; nobatch++) {
      urn_model *m = build_batching(cases[i].src, DATA, nobatch);
      if (!m) { CHECK(0, "mismatch case %zu builds", i); continue; }
      double u = 0.1, lp, g;
      urn_error err;
      int rc = urn_model_log_density_gradient(m, 0, 1, &u, &lp, &g, &err);
      CHECK(rc == URN_EREJECT, "mismatch case %zu rejects (nobatch %d)", i, nobatch);
      CHECK(strstr(err.msg, cases[i].needle) != NULL, "mismatch case %zu, nobatch %d: message '%s' says '%s'", i,
            nobatch, err.msg, cases[i].needle);
      urn_model_free(m);
    }
  }
}

/* The benchmark's M5 model with its own data (10 sequences x 100 steps). */
static void check_shared_m5(void) {
  const char *dir = test_shared_dir();
  if (!dir) { printf("skipped: ../shared not found (M5 benchmark model)\n"); return; }
  char a[4096], b[4096];
  snprintf(a, sizeof a, "%.4000s/benchmarks/m5-glmhmm/model.stan", dir);
  snprintf(b, sizeof b, "%.4000s/benchmarks/m5-glmhmm/data.json", dir);
  size_t ls, ld;
  char *src = test_read_file(a, &ls), *data = test_read_file(b, &ld);
  if (!src || !data) { printf("skipped: %s or its data not found\n", a); free(src), free(data); return; }
  CHECK(batched_loops(src) == 1, "shared M5: the loop over sequences is batched");
  compare("shared M5", src, data, 2, 1.0, 0);
  free(src), free(data);
}

/* The remembered logs of normal's scale (urn_ev_log_scale): more scales than
 * entries, cycling, in an ordinary loop and a batched one, against the closed form. */
static void check_log_scale(void) {
  const char *src =
      "data { int S; int T; array[S, T] real ys; }\n"
      "parameters { real m; vector<lower=0>[6] sc; }\n"
      "model { for (r in 1:3) for (k in 1:6) target += normal_lpdf(ys[1, k] | m, sc[k]) + normal_lpdf(ys[2, 7 - k] | m, sc[7 - k]);\n"
      "  for (s in 1:S) for (k in 1:6) target += normal_lpdf(ys[s, k] | m * s, sc[k]); }\n";
  double ys[S][T]; /* the data as make_data printed them */
  for (int s = 0; s < S; s++)
    for (int t = 0; t < T; t++) {
      char buf[32];
      snprintf(buf, sizeof buf, "%.4f", cos(0.9 * s - 0.4 * t) * 2 + 0.3 * t);
      ys[s][t] = atof(buf);
    }
  for (int nobatch = 0; nobatch < 2; nobatch++) {
    urn_model *mod = build_batching(src, DATA, nobatch);
    if (!mod) { CHECK(0, "log-scale case builds"); continue; }
    double u[7] = {0.3, -0.4, 0.1, 0.25, -0.8, 0.6, 0.05}, lp, g[7];
    urn_error err;
    for (int round = 0; round < 3; round++) {
      u[1 + round] += 0.1; /* a point different from the last: the remembered logs are stale */
      int rc = urn_model_log_density_gradient(mod, 0, 0, u, &lp, g, &err);
      CHECK(rc == URN_OK, "log-scale case evaluates: %s", rc ? err.msg : "ok");
      double m = u[0], ref = 0;
      for (int r = 0; r < 3; r++)
        for (int k = 0; k < 6; k++) {
          double s1 = exp(u[1 + k]), s2 = exp(u[1 + 5 - k]), z1 = (ys[0][k] - m) / s1, z2 = (ys[1][5 - k] - m) / s2;
          ref += -0.5 * z1 * z1 - log(s1) - 0.91893853320467274178 - 0.5 * z2 * z2 - log(s2) - 0.91893853320467274178;
        }
      for (int s = 0; s < S; s++)
        for (int k = 0; k < 6; k++) {
          double sc = exp(u[1 + k]), z = (ys[s][k] - m * (s + 1)) / sc;
          ref += -0.5 * z * z - log(sc) - 0.91893853320467274178;
        }
      CHECK_NEAR(lp, ref, 1e-13, 1e-12, "log-scale case: lp against the closed form");
    }
    urn_model_free(mod);
  }
}

/* normal_lpdf(y | p * q + c, s) outside batched loops: one node with partials
 * to p, q and c (eval.c normal3), in every combination of data and parameters,
 * against the closed form and finite differences. */
static void check_affine_normal(void) {
  const char *src =
      "data { int S; int T; array[S, T] real xs; array[S, T] real ys; }\n"
      "parameters { real a; real c; real<lower=0> s; }\n"
      "model { real acc = 0;\n"
      "  for (t in 1:T) acc += normal_lpdf(ys[1, t] | a * xs[1, t] + c, s);\n"
      "  for (t in 1:T) acc += normal_lpdf(ys[2, t] | xs[2, t] * a + 1.5, s);\n"
      "  for (t in 1:T) acc += normal_lpdf(ys[3, t] | a * a + c, s);\n"
      "  for (t in 1:T) acc += normal_lupdf(ys[4, t] | 2 * xs[4, t] + xs[3, t], s);\n"
      "  target += acc;\n"
      "  ys[5, 1] ~ normal(a * c + a, s); }\n";
  CHECK(batched_loops(src) == 0, "affine-normal case runs unbatched");
  compare("affine normal location", src, DATA, 3, 1.6, 1);
  double xs[S][T], ys[S][T];
  for (int s = 0; s < S; s++)
    for (int t = 0; t < T; t++) {
      char buf[32];
      snprintf(buf, sizeof buf, "%.4f", sin(1.3 * s + 0.7 * t) * 1.5), xs[s][t] = atof(buf);
      snprintf(buf, sizeof buf, "%.4f", cos(0.9 * s - 0.4 * t) * 2 + 0.3 * t), ys[s][t] = atof(buf);
    }
  urn_model *m = build_batching(src, DATA, 0);
  if (!m) { CHECK(0, "affine-normal case builds"); return; }
  double u[3] = {0.4, -0.7, 0.2}, lp, g[3];
  urn_error err;
  const double c0 = 0.91893853320467274178;
  for (int propto = 0; propto < 2; propto++) {
    int rc = urn_model_log_density_gradient(m, propto, 0, u, &lp, g, &err);
    CHECK(rc == URN_OK, "affine-normal case evaluates: %s", rc ? err.msg : "ok");
    double a = u[0], c = u[1], sc = exp(u[2]), ref = 0, z;
    for (int t = 0; t < T; t++) {
      z = (ys[0][t] - (a * xs[0][t] + c)) / sc, ref += -0.5 * z * z - log(sc) - c0;
      z = (ys[1][t] - (xs[1][t] * a + 1.5)) / sc, ref += -0.5 * z * z - log(sc) - c0;
      z = (ys[2][t] - (a * a + c)) / sc, ref += -0.5 * z * z - log(sc) - c0;
      z = (ys[3][t] - (2 * xs[3][t] + xs[2][t])) / sc, ref += -0.5 * z * z - log(sc) - (propto ? 0 : c0);
    }
    z = (ys[4][0] - (a * c + a)) / sc, ref += -0.5 * z * z - log(sc) - (propto ? 0 : c0);
    CHECK_NEAR(lp, ref, 1e-13, 1e-12, "affine normal: lp against the closed form");
  }
  urn_model_free(m);
}

/* A fused vector argument (batch.c, urn_fused_dist) whose location touches more
 * shared leaves than a lane value may carry: the terms collapse into a lane
 * group of one node per element in the middle of the expression. */
static void check_fused_collapse(void) {
  static char src[8192];
  size_t n = (size_t)snprintf(src, sizeof src,
                              "data { int M; vector[M] long_x; }\n"
                              "parameters { vector[36] th; real<lower=0> s; }\n"
                              "model { th ~ normal(0, 1); s ~ exponential(1);\n"
                              "  long_x ~ normal(th[1] * long_x");
  for (int i = 2; i <= 36; i++) n += (size_t)snprintf(src + n, sizeof src - n, " + th[%d] * exp(long_x * %d * 0.01)", i, i);
  snprintf(src + n, sizeof src - n, ", s); }\n");
  compare("fused vector argument with 36 shared leaves", src, DATA, 2, 0.5, 1);
}

/* A batched normal with an affine location and an invalid scale: the lane-by-lane
 * path rejects with the ordinary path's message; a valid point then evaluates. */
static void check_affine_reject(void) {
  const char *src =
      "data { int S; int T; array[S, T] real xs; }\n"
      "parameters { real m; real c; real sc; }\n"
      "model { for (n in 1:S) target += normal_lpdf(xs[n, 1] | m * xs[n, 2] + c, sc); }\n";
  CHECK(batched_loops(src) == 1, "affine-reject case is batched");
  for (int nobatch = 0; nobatch < 2; nobatch++) {
    urn_model *m = build_batching(src, DATA, nobatch);
    if (!m) { CHECK(0, "affine-reject case builds"); continue; }
    double u[3] = {0.3, -0.2, -0.5}, lp, g[3];
    urn_error err;
    int rc = urn_model_log_density_gradient(m, 0, 1, u, &lp, g, &err);
    CHECK(rc == URN_EREJECT, "negative scale rejects (nobatch %d)", nobatch);
    CHECK(strstr(err.msg, "cale") != NULL, "message names the scale (nobatch %d): %s", nobatch, err.msg);
    urn_model_free(m);
  }
  const char *ok =
      "data { int S; int T; array[S, T] real xs; }\n"
      "parameters { real m; real c; real sc; }\n"
      "model { for (n in 1:S) target += normal_lpdf(xs[n, 1] | m * xs[n, 2] + c, 0.5 + sc * sc)\n"
      "          + normal_lpdf(xs[n, 3] | xs[n, 4] * m + m, 1.5); }\n";
  compare("affine location in a batched normal", ok, DATA, 3, 1.6, 1);
}

int main(void) {
  make_data();
  for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) run_case(&CASES[i]);
  check_mismatch();
  check_log_scale();
  check_affine_normal();
  check_fused_collapse();
  check_affine_reject();
  check_shared_m5();
  return test_done();
}
