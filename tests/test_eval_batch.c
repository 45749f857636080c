/* tests/test_eval_batch.c — loop batching (lang/batch.c): for many loop
 * shapes, which loops the lowering batches (and which it must leave alone:
 * loop-carried dependence, break, writes to an outer scalar, truncation, user
 * functions, loops outside the model block, ...), and that the batched
 * evaluation gives the same log density and gradient as the ordinary one
 * (URN_NOBATCH=1) to 1e-12, with and without propto, plus central finite
 * differences of the batched gradient.  Models and data are embedded. */
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

/* Shared data of every case. */
static const char *DATA =
    "{\"N\": 12, \"K\": 2, \"G\": 3, \"T\": 9,"
    " \"y\": [0.3, -1.2, 2.5, 0.8, 1.9, -0.4, 3.1, 0.0, 1.1, -2.2, 0.6, 2.8],"
    " \"x\": [1.5, 2.0, -0.5, 3.3, 0.1, -1.7, 2.2, 0.9, -0.3, 1.0, 2.6, -2.0],"
    " \"z\": [1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1],"
    " \"cnt\": [3, 0, 5, 1, 2, 7, 0, 1, 4, 2, 3, 6],"
    " \"g\": [1, 2, 3, 1, 2, 3, 3, 2, 1, 1, 2, 3],"
    " \"ys\": [[0.5, -0.2, 1.4, 2.2, 0.1, -1.0, 0.7, 1.9, 0.3], [1.1, 0.4, -0.6, 0.8, 2.5, 1.7, -0.9, 0.2, 1.3]],"
    " \"xs\": [[0.2, 1.3, -0.7, 0.9, 2.1, -1.4, 0.0, 1.6, -0.3], [-1.1, 0.5, 1.8, -0.2, 0.7, 2.4, -0.8, 1.0, 0.4]]}";

typedef struct bcase {
  const char *name;    /* what the case exercises */
  int batched;         /* number of `for` statements the lowering must batch */
  const char *src;     /* the Stan program */
  int deferred;        /* number of stores the lowering must defer to hmm_marginal (URN_DEFER_MARK) */
} bcase;

static const bcase CASES[] = {
    {"log_mix per point (M3)", 1,
     "data { int N; vector[N] y; }\n"
     "parameters { simplex[2] w; ordered[2] mu; }\n"
     "model { mu ~ normal(0, 2);\n"
     "  for (n in 1:N) target += log_mix(w[1], normal_lpdf(y[n] | mu[1], 1), normal_lpdf(y[n] | mu[2], 1)); }\n", 0},
    {"local vector, inner loop, log_sum_exp (M4)", 1,
     "data { int N; int K; vector[N] x; vector[N] y; }\n"
     "parameters { simplex[K] pi; ordered[K] w; vector[K] c; vector<lower=0>[K] sigma; }\n"
     "model { vector[K] log_pi = log(pi);\n"
     "  w ~ normal(0, 1); c ~ normal(0, 1); sigma ~ normal(0, 1);\n"
     "  for (n in 1:N) { vector[K] lps;\n"
     "    for (k in 1:K) lps[k] = log_pi[k] + normal_lpdf(y[n] | x[n] * w[k] + c[k], sigma[k]);\n"
     "    target += log_sum_exp(lps); } }\n", 0},
    {"matrix written at [k, t], then hmm_marginal (M5)", 1,
     "data { int K; int T; array[K, T] real ys; }\n"
     "parameters { simplex[K] p0; array[K] simplex[K] A; ordered[K] m; vector<lower=0>[K] s; }\n"
     "model { matrix[K, K] Gamma; matrix[K, T] lo;\n"
     "  for (j in 1:K) Gamma[j] = A[j]';\n"
     "  m ~ normal(0, 2); s ~ lognormal(0, 1);\n"
     "  for (t in 1:T) for (k in 1:K) lo[k, t] = normal_lpdf(ys[k, t] | m[k], s[k]);\n"
     "  target += hmm_marginal(lo, Gamma, p0); }\n", 1},
    {"deferred: M5 shape, a matrix per sequence, hmm_marginal only", 1,
     "data { int G; int K; int T; array[K, T] real ys; array[K, T] real xs; }\n"
     "parameters { simplex[G] p0; array[G] simplex[G] A; ordered[G] w; vector[G] b; vector<lower=0>[G] sigma; }\n"
     "model { matrix[G, G] Gamma;\n"
     "  for (j in 1:G) Gamma[j] = A[j]';\n"
     "  w ~ normal(0, 1); b ~ normal(0, 1); sigma ~ normal(0, 1);\n"
     "  for (s in 1:K) { matrix[G, T] log_omega;\n"
     "    for (t in 1:T) for (k in 1:G) log_omega[k, t] = normal_lpdf(ys[s, t] | w[k] * xs[s, t] + b[k], sigma[k]);\n"
     "    target += hmm_marginal(log_omega, Gamma, p0); } }\n", 1},
    {"deferred: K = 1, per-lane parameters, hmm_marginal twice", 1,
     "data { int T; array[2, T] real ys; }\n"
     "parameters { vector[T] th; real<lower=0> s; }\n"
     "model { matrix[1, T] lo; th ~ normal(0, 1); s ~ exponential(1);\n"
     "  for (t in 1:T) lo[1, t] = normal_lpdf(ys[1, t] | th[t] * s, s) + th[t];\n"
     "  target += hmm_marginal(lo, [[1]], [1]') + 0.5 * hmm_marginal(lo, [[2]], [0.5]'); }\n", 1},
    {"deferred: overwritten by another loop, by one element, one-iteration loop", 3,
     "data { int K; int T; array[K, T] real ys; }\n"
     "parameters { simplex[K] p0; array[K] simplex[K] A; vector[K] m; vector<lower=0>[K] s; }\n"
     "model { matrix[K, K] Gamma; matrix[K, T] lo;\n"
     "  for (j in 1:K) Gamma[j] = A[j]';\n"
     "  m ~ normal(0, 2); s ~ lognormal(0, 1);\n"
     "  for (t in 1:T) for (k in 1:K) lo[k, t] = normal_lpdf(ys[k, t] | m[k], s[k]);\n"
     "  for (t in 3:T) lo[2, t] = normal_lpdf(ys[1, t] | m[1] * t, s[2]) - m[2];\n"
     "  for (t in 4:4) lo[1, t] = -square(m[1] - t);\n"
     "  lo[2, 5] = m[2] * s[1];\n"
     "  target += hmm_marginal(lo, Gamma, p0); }\n", 3},
    {"NOT deferred: the matrix is read elsewhere too", 1,
     "data { int K; int T; array[K, T] real ys; }\n"
     "parameters { simplex[K] p0; array[K] simplex[K] A; ordered[K] m; vector<lower=0>[K] s; }\n"
     "model { matrix[K, K] Gamma; matrix[K, T] lo;\n"
     "  for (j in 1:K) Gamma[j] = A[j]';\n"
     "  m ~ normal(0, 2); s ~ lognormal(0, 1);\n"
     "  for (t in 1:T) for (k in 1:K) lo[k, t] = normal_lpdf(ys[k, t] | m[k], s[k]);\n"
     "  target += hmm_marginal(lo, Gamma, p0) + 0.1 * sum(lo[1]); }\n", 0},
    {"NOT deferred: compound assignment reads the matrix", 1,
     "data { int K; int T; array[K, T] real ys; }\n"
     "parameters { simplex[K] p0; array[K] simplex[K] A; ordered[K] m; vector<lower=0>[K] s; }\n"
     "model { matrix[K, K] Gamma; matrix[K, T] lo;\n"
     "  for (j in 1:K) Gamma[j] = A[j]';\n"
     "  m ~ normal(0, 2); s ~ lognormal(0, 1);\n"
     "  for (t in 1:T) for (k in 1:K) lo[k, t] = normal_lpdf(ys[k, t] | m[k], s[k]);\n"
     "  lo[1, 2] += m[2];\n"
     "  target += hmm_marginal(lo, Gamma, p0); }\n", 0},
    {"per-lane parameters theta[j] (eight schools)", 1,
     "data { int N; vector[N] y; }\n"
     "parameters { real mu; real<lower=0> tau; vector[N] theta; }\n"
     "model { mu ~ normal(0, 5); tau ~ cauchy(0, 5);\n"
     "  for (j in 1:N) { theta[j] ~ normal(mu, tau); y[j] ~ normal(theta[j], 1 + 0.1 * j); } }\n", 0},
    {"scalar locals, compound assignment, int local index", 1,
     "data { int N; vector[N] x; vector[N] y; array[N] int g; }\n"
     "parameters { real a; real b; vector[3] u; real<lower=0> s; }\n"
     "model { a ~ normal(0, 1); b ~ normal(0, 1); u ~ normal(0, 1); s ~ exponential(1);\n"
     "  for (n in 1:N) { int j = g[n]; real mu = a + b * x[n]; mu += u[j] * 0.5; mu = mu - u[g[n]] / 3;\n"
     "    y[n] ~ normal(mu, s); } }\n", 0},
    {"kernels and generic distributions", 2,
     "data { int N; vector[N] x; array[N] int z; array[N] int cnt; }\n"
     "parameters { real a; real<lower=0> b; }\n"
     "model { a ~ normal(0, 1); b ~ gamma(2, 1);\n"
     "  for (n in 1:N) { z[n] ~ bernoulli_logit(a + b * x[n]);\n"
     "    target += poisson_log_lpmf(cnt[n] | a - 0.1 * x[n]) + log1p_exp(-square(x[n] - a)) + pow(b, 0.5) * inv_logit(x[n]);\n"
     "    target += exp(-b) - fmin(a, x[n]) + fabs(x[n] * a) + log(b + n) + lmultiply(b, n); }\n"
     "  for (n in 1:N) target += student_t_lupdf(x[n] | 3, a, b) + log_sum_exp(a * x[n], -b); }\n", 0},
    {"outer vector written at n, used after the loop", 1,
     "data { int N; vector[N] x; vector[N] y; }\n"
     "parameters { real a; real b; real<lower=0> s; }\n"
     "model { vector[N] mu; a ~ normal(0, 1); b ~ normal(0, 1); s ~ exponential(1);\n"
     "  for (n in 1:N) mu[n] = a + b * x[n] - (n > 6);\n"
     "  y ~ normal(mu, s); }\n", 0},
    {"radon: gathers through an int array, an outer element read back in its iteration only", 1,
     "data { int N; vector[N] x; vector[N] y; array[N] int g; }\n"
     "parameters { vector[3] a; vector[3] b; real<lower=0> s; }\n"
     "model { vector[N] mu; a ~ normal(0, 1); b ~ normal(0, 1); s ~ exponential(1);\n"
     "  for (n in 1:N) { mu[n] = a[g[n]] + x[n] * b[g[n]];\n"
     "    target += normal_lpdf(y[n] | mu[n], s); } }\n", 0},
    {"outer element read back, then read after the loop; 2-D with a literal index, inner loop", 2,
     "data { int N; int K; vector[N] x; vector[N] y; array[N] int g; }\n"
     "parameters { vector[3] a; real b; real<lower=0> s; }\n"
     "model { vector[N] mu; array[N, 2] real m2; a ~ normal(0, 1); b ~ normal(0, 1); s ~ exponential(1);\n"
     "  for (n in 1:N) { mu[n] = a[g[n]] * b + x[n]; y[n] ~ normal(mu[n] * 2, s); }\n"
     "  y ~ normal(mu, s + 1);\n"
     "  for (n in 1:N) { m2[n, 2] = exp(a[g[n]]) - b;\n"
     "    for (k in 1:K) target += normal_lpdf(x[n] | m2[n, 2] * k, s) + m2[n, 2]; } }\n", 0},
    {"NOT: element read before it is written, written in an inner loop, read at another index", 0,
     "data { int N; int K; vector[N] x; vector[N] y; }\n"
     "parameters { real a; real<lower=0> s; }\n"
     "model { vector[N] mu = rep_vector(0, N); vector[N] w; array[N, 2] real m2 = rep_array(0.5, N, 2);\n"
     "  for (n in 1:N) { target += normal_lpdf(y[n] | mu[n], s); mu[n] = a * x[n]; }\n"
     "  for (n in 1:N) { for (k in 1:K) w[n] = a * k; target += -square(w[n]); }\n"
     "  for (n in 1:N) { m2[n, 1] = a; target += normal_lpdf(y[n] | m2[n, 2], s); } }\n", 0},
    {"transformed parameters: gathers (loss curve), two writers of one row (capture-recapture), then read", 4,
     "data { int N; int K; int T; vector[N] x; vector[N] y; array[N] int g; array[K, T] real ys; }\n"
     "parameters { vector<lower=0>[3] lr; real<lower=0> om; real<lower=0, upper=1> p; real<lower=0, upper=1> c; }\n"
     "transformed parameters { vector[3] gf; vector[N] lm; array[K] vector[T] pe;\n"
     "  for (i in 1:3) gf[i] = 1 - exp(-(i / om) ^ 1.5);\n"
     "  for (i in 1:N) lm[i] = lr[g[i]] * x[g[i]] * gf[g[i]];\n"
     "  for (i in 1:K) { pe[i, 1] = p; for (j in 2:T) pe[i, j] = (1 - ys[i, j - 1]) * p + ys[i, j - 1] * c; } }\n"
     "model { lr ~ lognormal(0, 1); om ~ lognormal(0, 0.5);\n"
     "  y ~ normal(lm, 2); for (i in 1:K) target += normal_lpdf(ys[i] | pe[i], 1); }\n", 0},
    {"NOT: two writers at different loop-variable positions, a transformed parameter read back", 0,
     "data { int N; vector[N] x; vector[N] y; }\n"
     "parameters { real a; }\n"
     "transformed parameters { matrix[N, N] w = rep_matrix(0, N, N); vector[N] v;\n"
     "  for (n in 1:N) { w[n, 2] = a * x[n]; w[3, n] = a; }\n"
     "  for (n in 1:N) { v[n] = a * n; if (n > 1) v[n] += v[n - 1]; } }\n"
     "model { y ~ normal(v + w[1]' + w[, 2], 1); }\n", 0},
    {"loop-invariant target, loop variable arithmetic, sum of a local array", 1,
     "data { int N; vector[N] y; }\n"
     "parameters { real mu; real<lower=0> s; }\n"
     "model { for (n in 1:N) { array[3] real q; target += -0.5 * square(mu);\n"
     "    q[1] = normal_lpdf(y[n] | mu * n / N, s); q[2] = -s * n; q[3] = mu;\n"
     "    target += sum(q); mu ~ normal(0, 10); } }\n", 0},
    {"one and zero iterations", 2,
     "data { int N; vector[N] y; }\n"
     "parameters { real mu; }\n"
     "model { for (n in 1:1) y[n] ~ normal(mu, 1); for (n in 3:2) y[n] ~ normal(mu, 1); mu ~ normal(0, 1); }\n", 0},
    {"nested: inner batched, outer carries a dependence", 1,
     "data { int K; int T; array[K, T] real ys; }\n"
     "parameters { real m; real<lower=0> s; }\n"
     "model { real acc = 0; for (k in 1:K) { vector[T] lp; for (t in 1:T) lp[t] = normal_lpdf(ys[k, t] | m * k, s);\n"
     "    acc += sum(lp); } target += acc; }\n", 0},
    {"fused log_sum_exp(x + y) inside a loop-carried recursion (M5 forward)", 0,
     "data { int K; int T; array[K, T] real ys; }\n"
     "parameters { simplex[K] p0; array[K] simplex[K] A; ordered[K] m; }\n"
     "model { matrix[K, K] logA; vector[K] alpha = log(p0); vector[K] an;\n"
     "  for (j in 1:K) logA[j] = log(A[j])';\n"
     "  m ~ normal(0, 2);\n"
     "  for (t in 1:T) { for (k in 1:K) an[k] = log_sum_exp(alpha + col(logA, k)) + normal_lpdf(ys[k, t] | m[k], 1);\n"
     "    alpha = an; }\n"
     "  target += log_sum_exp(alpha) + log_sum_exp(logA[1] + logA[2]) + log_sum_exp(m' + [0.5, -1]); }\n", 0},
    {"fused vector arguments of vectorized distributions", 0,
     "data { int N; vector[N] x; vector[N] y; array[N] int z; array[N] int cnt; }\n"
     "parameters { real a; real b; real<lower=0> s; vector[N] th; }\n"
     "model { a ~ normal(0, 1); b ~ normal(0, 1); s ~ exponential(1); th ~ normal(0, 1);\n"
     "  y ~ normal(a + b * x, s);\n"
     "  target += normal_lpdf(y | th .* x - a, s) + normal_lupdf(y | 2 * x + a, s * 2);\n"
     "  y ~ student_t(3, exp(a + b * x) / 2, s);\n"
     "  z ~ bernoulli_logit(a + b * x); cnt ~ poisson_log(a - x * b);\n"
     "  target += normal_lpdf(x | -y, s) + lognormal_lpdf(exp(x) | log1p_exp(th) + b, s); }\n", 0},
    {"fused gathers through int arrays (radon, IRT vectorised)", 0,
     "data { int N; vector[N] x; vector[N] y; array[N] int g; array[N] int z; }\n"
     "parameters { vector[3] a; vector[3] b; array[3] real c; real<lower=0> s; }\n"
     "model { a ~ normal(0, 1); b ~ normal(0, 1); c ~ normal(0, 1); s ~ exponential(1);\n"
     "  y ~ normal(a[g] + x .* b[g], s);\n"
     "  z ~ bernoulli_logit(exp(a[g]) .* (to_vector(c[g]) - b[g[g]]));\n"
     "  target += normal_lpdf(x | 2 * a[g] - to_vector(c[g]), s + 1) + normal_lpdf(y[1:3] | a[{1, 1, 2}] + 1, s); }\n", 0},
    {"if on data inside loops (capture-recapture Mh), an index valid only where the branch runs", 2,
     "data { int N; int T; vector[N] y; array[N] int cnt; array[N] int z; }\n"
     "parameters { real<lower=0, upper=1> om; vector[N] eps; real mu; }\n"
     "model { eps ~ normal(0, 1);\n"
     "  for (i in 1:N) {\n"
     "    if (cnt[i] > 0) target += bernoulli_lpmf(1 | om) + binomial_logit_lpmf(cnt[i] | T, eps[i]);\n"
     "    else target += log_sum_exp(bernoulli_lpmf(1 | om) + binomial_logit_lpmf(0 | T, eps[i]), bernoulli_lpmf(0 | om)); }\n"
     "  for (n in 1:N) if (n > 1) target += normal_lpdf(y[n - 1] | mu, 1); }\n", 0},
    {"if: nested, on a parameter, locals declared in a branch, inner loop, outer stores in both branches", 2,
     "data { int N; int K; vector[N] x; vector[N] y; array[N] int z; array[N] int g; }\n"
     "parameters { vector[3] a; real b; real<lower=0> s; }\n"
     "transformed parameters { vector[N] m;\n"
     "  for (n in 1:N) { if (z[n]) m[n] = a[g[n]] * x[n]; else if (g[n] == 2) m[n] = b; else m[n] = b - a[1]; } }\n"
     "model { a ~ normal(0, 1); b ~ normal(0, 1); s ~ exponential(1);\n"
     "  for (n in 1:N) { real t = b * x[n];\n"
     "    if (t > 0.3) { real u = t + a[g[n]]; y[n] ~ normal(u + m[n], s); if (g[n] != 3) target += -square(u); }\n"
     "    else { for (k in 1:K) target += normal_lpdf(x[n] | t * k, s); }\n"
     "    if (N > 3) target += -0.5 * square(t); } }\n", 0},
    {"NOT: a local declared outside an if assigned inside it", 0,
     "data { int N; vector[N] y; array[N] int z; }\n"
     "parameters { real mu; }\n"
     "model { for (n in 1:N) { real t = mu; if (z[n]) t = 2 * mu; y[n] ~ normal(t, 1); } }\n", 0},
    {"fused container expressions outside loops: assignments, declarations, function arguments", 0,
     "data { int N; vector[N] x; vector[N] y; }\n"
     "parameters { vector[N] raw; real mu; real<lower=0> s; }\n"
     "transformed parameters { vector[N] al = mu + s * raw; row_vector[N] rv;\n"
     "  rv = exp(0.1 * raw') .* x' - mu; }\n"
     "model { vector[N] m; array[N] real q = to_array_1d(raw);\n"
     "  raw ~ normal(0, 1); mu ~ normal(0, 1); s ~ exponential(1);\n"
     "  m = al + mu * x - raw .* raw / 4; m = m * 0.5 + al;\n"
     "  q = inv_logit(q); q = fmax(q, to_array_1d(x));\n"
     "  y ~ normal(m, s + 1); target += -dot_self(rv' - x * s) / 10 + sum(square(to_vector(q))) * -0.01; }\n", 0},
    {"densities of rows element by element (capture-recapture Mb, Mth): array, matrix and 2-D array rows", 3,
     "data { int K; int T; array[K, T] real ys; array[K, T] real xs; }\n"
     "transformed data { array[K, T] int yi; for (k in 1:K) for (t in 1:T) yi[k, t] = ys[k, t] > 0.5; }\n"
     "parameters { real<lower=0, upper=1> om; real<lower=0, upper=1> p; real<lower=0, upper=1> c; vector[T] lp; }\n"
     "transformed parameters { array[K] vector<lower=0, upper=1>[T] pe; matrix[K, T] lg;\n"
     "  for (i in 1:K) { pe[i, 1] = p; for (j in 2:T) pe[i, j] = (1 - yi[i, j - 1]) * p + yi[i, j - 1] * c;\n"
     "    for (j in 1:T) lg[i, j] = lp[j] * (1 + i); } }\n"
     "model { lp ~ normal(0, 1);\n"
     "  for (i in 1:K) { if (sum(yi[i]) > 3) target += bernoulli_lpmf(1 | om) + bernoulli_lpmf(yi[i] | pe[i]);\n"
     "    else target += log_sum_exp(bernoulli_lpmf(1 | om) + bernoulli_logit_lpmf(yi[i] | lg[i]), bernoulli_lpmf(0 | om)); }\n"
     "  for (i in 1:K) { yi[i] ~ bernoulli_logit(lg[i] * 0.5 - 1); ys[i] ~ normal(pe[i], c + 1); } }\n", 0},
    {"a density on a loop-invariant container per iteration (IRT shape)", 1,
     "data { int K; int T; array[K, T] real ys; }\n"
     "transformed data { array[K, T] int yi; for (k in 1:K) for (t in 1:T) yi[k, t] = ys[k, t] > 0.5; }\n"
     "parameters { vector[T] th; vector[K] a; vector[K] b; }\n"
     "model { th ~ normal(0, 1); a ~ normal(0, 1); b ~ normal(0, 1);\n"
     "  for (i in 1:K) yi[i] ~ bernoulli_logit(a[i] * (th - b[i])); }\n", 0},
    {"NOT: loop-carried dependence", 0,
     "data { int N; vector[N] y; }\n"
     "parameters { real<lower=-1, upper=1> rho; real<lower=0> s; }\n"
     "model { vector[N] e; e[1] = y[1]; for (n in 2:N) e[n] = y[n] - rho * e[n - 1];\n"
     "  e ~ normal(0, s); s ~ exponential(1); }\n", 0},
    {"NOT: break", 0,
     "data { int N; vector[N] y; }\n"
     "parameters { real mu; }\n"
     "model { for (n in 1:N) { if (n > 7) break; y[n] ~ normal(mu, 1); } }\n", 0},
    {"NOT: write to an outer scalar", 0,
     "data { int N; vector[N] y; }\n"
     "parameters { real mu; real<lower=0> s; }\n"
     "model { real acc = 0; for (n in 1:N) acc += normal_lpdf(y[n] | mu, s); target += acc; }\n", 0},
    {"NOT: truncated ~", 0,
     "data { int N; vector[N] y; }\n"
     "parameters { real mu; real<lower=0> s; }\n"
     "model { for (n in 1:N) y[n] ~ normal(mu, s) T[-5, ]; }\n", 0},
    {"NOT: user function, reject; if batches", 1,
     "functions { real f(real a, real b) { return a * b; } }\n"
     "data { int N; vector[N] y; }\n"
     "parameters { real mu; }\n"
     "model { for (n in 1:N) target += f(mu, y[n]);\n"
     "  for (n in 1:N) { if (n > 100) reject(\"never\"); y[n] ~ normal(mu, 2); }\n"
     "  for (n in 1:N) if (y[n] > 0) y[n] ~ normal(mu, 3); }\n", 0},
    {"NOT: outer write at a loop-invariant index; two writers at the loop variable batch", 1,
     "data { int N; vector[N] y; }\n"
     "parameters { real mu; }\n"
     "model { vector[N] v = rep_vector(0, N); vector[N] w = rep_vector(0, N);\n"
     "  for (n in 1:N) v[1] = mu * y[n];\n"
     "  for (n in 1:N) { w[n] = mu; w[n] = mu * 2; }\n"
     "  target += -dot_self(v) - dot_self(w); }\n", 0},
    {"loops in transformed parameters batch, in generated quantities not", 1,
     "data { int N; vector[N] y; }\n"
     "parameters { real mu; }\n"
     "transformed parameters { vector[N] m; for (n in 1:N) m[n] = mu * y[n]; }\n"
     "model { y ~ normal(m, 1); }\n"
     "generated quantities { real t = 0; for (n in 1:N) t += y[n] * mu; }\n", 0},
};

static urn_model *build(const char *src, int nobatch) { return build_batching(src, DATA, nobatch); }

/* Cases whose batched log density and gradient have the same bits as the ordinary loop's (the batched loop adds
 * target's terms and the leaves' partials in the ordinary order; docs/autodiff.md, "Same bits"): identical draws
 * for a seed with and without batching.  The others still differ in the last bits (forward-mode products of
 * three or more factors, merged terms, log_sum_exp, deferred stores) and are held to 1e-12. */
static const char *const EXACT[] = {
    "log_mix per point (M3)",
    "NOT deferred: the matrix is read elsewhere too",
    "NOT deferred: compound assignment reads the matrix",
    "per-lane parameters theta[j] (eight schools)",
    "scalar locals, compound assignment, int local index",
    "outer vector written at n, used after the loop",
    "radon: gathers through an int array, an outer element read back in its iteration only",
    "NOT: element read before it is written, written in an inner loop, read at another index",
    "NOT: two writers at different loop-variable positions, a transformed parameter read back",
    "one and zero iterations",
    "fused log_sum_exp(x + y) inside a loop-carried recursion (M5 forward)",
    "fused vector arguments of vectorized distributions",
    "NOT: a local declared outside an if assigned inside it",
    "NOT: loop-carried dependence",
    "NOT: break",
    "NOT: write to an outer scalar",
    "NOT: truncated ~",
    "NOT: user function, reject; if batches",
    "loops in transformed parameters batch, in generated quantities not",
};

static int exact_case(const char *name) {
  for (size_t i = 0; i < sizeof EXACT / sizeof EXACT[0]; i++)
    if (!strcmp(EXACT[i], name)) return 1;
  return 0;
}

static int n_exact;

static void run_case(const bcase *c) {
  int nd, nb = batched_loops2(c->src, &nd);
  CHECK(nb == c->batched, "%s: %d batched loops, expected %d", c->name, nb, c->batched);
  CHECK(nd == c->deferred, "%s: %d deferred stores, expected %d", c->name, nd, c->deferred);
  int same = compare_batching(c->name, c->src, DATA, 11, 3, 1.6, 1, 0);
  n_exact += same == 1;
  if (exact_case(c->name)) CHECK(same == 1, "%s: batched lp and gradient have the ordinary path's bits", c->name);
}

/* src (one real parameter) at u = 0.1 rejects, batched and unbatched, with a message containing want. */
static void expect_reject(const char *src, const char *what, const char *want) {
  for (int nobatch = 0; nobatch < 2; nobatch++) {
    urn_model *m = build(src, nobatch);
    if (!m) { CHECK(0, "%s case builds", what); continue; }
    double u = 0.1, lp, g;
    urn_error err;
    int rc = urn_model_log_density_gradient(m, 0, 1, &u, &lp, &g, &err);
    CHECK(rc == URN_EREJECT, "%s rejects (nobatch %d)", what, nobatch);
    CHECK(strstr(err.msg, want) != NULL, "%s: message says '%s': %s", what, want, err.msg);
    urn_model_free(m);
  }
}

/* An out-of-range index inside a batched loop rejects with the ordinary message. */
static void check_reject(void) {
  const char *src =
      "data { int N; vector[N] y; array[N] int g; }\n"
      "parameters { real mu; }\n"
      "model { for (n in 1:N) y[n] ~ normal(mu, g[n] + y[n + 1] * 0); }\n";
  CHECK(batched_loops(src) == 1, "reject case is batched");
  expect_reject(src, "index out of range", "index 13 out of range");
  /* the library reads no environment: URN_NOBATCH (the CLI's switch) leaves the lowering as it is */
  setenv("URN_NOBATCH", "1", 1);
  CHECK(batched_loops(src) == 1, "URN_NOBATCH is not read by the library");
  unsetenv("URN_NOBATCH");
}

/* Fused vector arguments of different lengths reject as the ordinary path does. */
static void check_fused_mismatch(void) {
  const char *src =
      "data { int N; vector[N] y; }\n"
      "parameters { real mu; }\n"
      "model { y ~ normal(mu * head(y, 3) + y, 1); }\n";
  expect_reject(src, "size mismatch", "mismatch");
  const char *assign =
      "data { int N; vector[N] y; }\n"
      "parameters { real mu; }\n"
      "model { vector[3] m = mu * head(y, 3) + head(y, 4); target += sum(m); }\n";
  expect_reject(assign, "size mismatch in a fused declaration", "mismatch");
  const char *gather =
      "data { int N; vector[N] y; array[N] int g; }\n"
      "transformed data { array[N] int g2 = g; g2[5] = 4; }\n"
      "parameters { real mu; }\n"
      "transformed parameters { vector[3] a = [mu, 2 * mu, 1]'; }\n"
      "model { y ~ normal(a[g2] * 2, 1); }\n";
  expect_reject(gather, "gather index out of range", "index 4 out of range; expecting index to be between 1 and 3");
}

/* A rejection inside a loop that defers its stores, then a good point: the
 * stale stores of the failed evaluation must not leak into the next one. */
static void check_defer_reject(void) {
  const char *src =
      "data { int K; int T; array[K, T] real ys; }\n"
      "parameters { simplex[K] p0; array[K] simplex[K] A; vector[K] m; vector[K] s; }\n"
      "model { matrix[K, K] Gamma; matrix[K, T] lo;\n"
      "  for (j in 1:K) Gamma[j] = A[j]';\n"
      "  for (t in 1:T) for (k in 1:K) lo[k, t] = normal_lpdf(ys[k, t] | m[k], s[k]);\n"
      "  target += hmm_marginal(lo, Gamma, p0); }\n";
  int nd, nb = batched_loops2(src, &nd);
  CHECK(nb == 1 && nd == 1, "reject-deferred case is batched (%d) and deferred (%d)", nb, nd);
  urn_model *mb = build(src, 0), *mu = build(src, 1);
  CHECK(mb && mu, "reject-deferred case builds");
  if (!mb || !mu) { urn_model_free(mb), urn_model_free(mu); return; }
  size_t n = urn_model_num_unconstrained(mb);
  double u[16], gb[16], gu[16], lb, lu;
  CHECK(n == 7, "reject-deferred case has 7 unconstrained parameters (%zu)", n);
  if (n != 7) { urn_model_free(mb), urn_model_free(mu); return; }
  for (int round = 0; round < 3; round++) {
    for (size_t i = 0; i < n; i++) u[i] = 0.3 * (double)i - 0.7 + 0.1 * round;
    u[6] = -0.2; /* s[2] < 0: the second row's stores reject */
    urn_error e1, e2;
    int rb = urn_model_log_density_gradient(mb, 0, 1, u, &lb, gb, &e1);
    int ru = urn_model_log_density_gradient(mu, 0, 1, u, &lu, gu, &e2);
    CHECK(rb == URN_EREJECT && ru == URN_EREJECT, "negative scale rejects (%d %d)", rb, ru);
    CHECK(strstr(e1.msg, "Scale") || strstr(e1.msg, "scale"), "message names the scale: %s", e1.msg);
    u[6] = 0.4 + 0.1 * round;
    rb = urn_model_log_density_gradient(mb, 0, 1, u, &lb, gb, &e1);
    ru = urn_model_log_density_gradient(mu, 0, 1, u, &lu, gu, &e2);
    CHECK(rb == URN_OK && ru == URN_OK, "then evaluates (%s / %s)", rb ? e1.msg : "ok", ru ? e2.msg : "ok");
    CHECK_NEAR(lb, lu, 1e-12, 1e-12, "reject-deferred: lp after a rejection");
    for (size_t i = 0; i < n; i++) CHECK_NEAR(gb[i], gu[i], 1e-12, 1e-12 * (1 + fabs(lu)), "reject-deferred: gradient after a rejection");
  }
  urn_model_free(mb), urn_model_free(mu);
}

int main(void) {
  check_fused_mismatch();
  for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) run_case(&CASES[i]);
  check_reject();
  check_defer_reject();
  printf("bitwise equal to the ordinary path: %d of %zu cases\n", n_exact, sizeof CASES / sizeof CASES[0]);
  return test_done();
}
