/* tests/test_native.c — the native tier (src/native): for loop shapes and densities of the native subset, the
 * log density and gradient of the compiled model block are the same bits as the interpreter's (batched and not),
 * with and without propto, at several points; programs outside the subset, a missing compiler and a failing
 * compiler leave the interpreter running with the same values; a second load finds the object in the cache; the
 * default mode (auto) loads a cached object at once, compiles nothing for a short job, starts a compile once the
 * projected cost pays for it and kills that compile when the model is freed first (no files left behind).
 * Skips (one line) when no C compiler is on PATH.  Models and data are embedded. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <dirent.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "lang/eval.h"
#include "lang/eval_rt.h"
#include "model/par.h"
#include "model/plan.h"
#include "math/rng.h"
#include "native/native.h"
#include "urn/model.h"

static const char *DATA =
    "{\"N\": 12, \"J\": 3, \"y\": [0.3, -1.2, 2.5, 0.8, 1.9, -0.4, 3.1, 0.0, 1.1, -2.2, 0.6, 2.8],"
    " \"x\": [1.5, 2.0, -0.5, 3.3, 0.1, -1.7, 2.2, 0.9, -0.3, 1.0, 2.6, -2.0],"
    " \"cnt\": [3, 0, 5, 1, 2, 7, 0, 1, 4, 2, 3, 6], \"z\": [1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1],"
    " \"g\": [1, 2, 3, 1, 2, 3, 3, 2, 1, 1, 2, 3], \"sig\": [15, 10, 16, 11, 9, 11, 10, 18, 12, 10, 14, 13],"
    " \"C4\": [[1, 2, 0, 3], [4, 1, 2, 0], [5, 5, 1, 2]],"
    " \"Y\": [[0.1, 0.5, -0.3, 1.2], [2.0, -1.1, 0.4, 0.8], [0.0, 0.9, 1.5, -0.6]],"
    " \"X\": [[1.5, 1], [2.0, 0], [-0.5, 1], [3.3, 1], [0.1, 0], [-1.7, 0], [2.2, 1], [0.9, 0], [-0.3, 1], [1.0, 1],"
    " [2.6, 0], [-2.0, 1]], \"al\": [1.5, 2, 0.8, 3],"
    " \"S4\": [[2, 0.3, 0, 0.1], [0.3, 1.5, 0.2, 0], [0, 0.2, 1, 0.1], [0.1, 0, 0.1, 0.8]], \"v2\": [0.5, -1.2],"
    " \"A2\": [[2, 1.5], [0.7, 3]]}";

typedef struct ncase {
  const char *name; /* what the case exercises */
  int native;       /* 1: inside the subset (the tier must switch on without batching); 2: and batched too; 3: batched
                       only (fused vectorised arguments: without batching they are vector expressions, computed as
                       such; outside the subset here) */
  const char *src;  /* the program */
  const char *why;  /* batched, refused at emission: the status names this reason (NULL: not checked) */
} ncase;
/* (flag 1: batched, the lane evaluation of these shapes rounds a gradient differently from the
 * ordinary order the native code follows; the check at the first gradient keeps the interpreter) */

static const ncase CASES[] = {
    {"radon varying intercept and slope (gathers, affine normal)", 2,
     "data { int N; int J; array[N] int g; vector[N] x; vector[N] y; }\n"
     "parameters { real<lower=0> sy; real<lower=0> sa; real<lower=0> sb; vector[J] a; vector[J] b; real ma; real mb; }\n"
     "model { sy ~ normal(0, 1); sb ~ normal(0, 1); sa ~ normal(0, 1); ma ~ normal(0, 10); mb ~ normal(0, 10);\n"
     "  a ~ normal(ma, sa); b ~ normal(mb, sb);\n"
     "  for (n in 1:N) target += normal_lpdf(y[n] | a[g[n]] + x[n] * b[g[n]], sy); }\n"},
    {"eight schools non-centred (transformed parameters, vector data scale)", 2,
     "data { int N; vector[N] y; array[N] real sig; }\n"
     "parameters { real mu; real<lower=0> tau; vector[N] eta; }\n"
     "transformed parameters { vector[N] theta = mu + tau * eta; }\n"
     "model { mu ~ normal(0, 5); tau ~ cauchy(0, 5); eta ~ normal(0, 1); y ~ normal(theta, sig); }\n"},
    {"scalar arithmetic in a loop: - / unary minus, ~ with propto (batched since session 10: its loop-invariant "
     "operations -a, (a * b) / 3 and s * 2 computed before the loop, as the lanes compute them once)", 2,
     "data { int N; vector[N] x; vector[N] y; }\n"
     "parameters { real a; real<lower=0> b; real<lower=0> s; }\n"
     "model { a ~ normal(0, 2); b ~ lognormal(0, 1); s ~ exponential(1);\n"
     "  for (n in 1:N) y[n] ~ normal(-a + x[n] / b - (a * b) / 3, s * 2); }\n"},
    {"counts: poisson_log and bernoulli_logit per element, student_t", 2,
     "data { int N; array[N] int cnt; array[N] int z; vector[N] x; vector[N] y; }\n"
     "parameters { real a; real b; real<lower=0> nu; }\n"
     "model { a ~ student_t(3, 0, 2); b ~ normal(0, 1); nu ~ gamma(2, 0.1);\n"
     "  for (n in 1:N) { cnt[n] ~ poisson_log(a + b * x[n]); z[n] ~ bernoulli_logit(b - a * x[n]);\n"
     "    target += student_t_lpdf(y[n] | nu, a, 2); } }\n"},
    {"nested loops, a leaf read in two operands", 1,
     "data { int N; int J; array[N] int g; vector[N] x; vector[N] y; }\n"
     "parameters { vector[J] m; real<lower=0> s; }\n"
     "model { m ~ normal(0, 3); s ~ normal(0, 1);\n"
     "  for (j in 1:J) for (n in 1:N) y[n] ~ normal(m[j] * x[n] + m[g[n]] / s, s); }\n"},
    {"radon centred: a local vector of nodes read back, a scalar local per iteration", 1,
     "data { int N; int J; array[N] int g; vector[N] x; vector[N] y; }\n"
     "parameters { real<lower=0> sy; vector[J] a; vector[J] b; real ma; }\n"
     "model { vector[N] mu; a ~ normal(ma, 2); b ~ normal(0, 1); sy ~ normal(0, 1);\n"
     "  for (n in 1:N) { mu[n] = a[g[n]] + x[n] * b[g[n]]; target += normal_lpdf(y[n] | mu[n], sy); }\n"
     "  for (n in 1:N) { real r = mu[n] * mu[n] - ma; r = r / 8 + sy; y[n] ~ normal(r, 3); } }\n"},
    {"a local vector of leaves as a whole argument, an element overwritten", 2,
     "data { int N; vector[N] y; }\n"
     "parameters { real m; real<lower=0> s; }\n"
     "model { vector[N] mu; for (n in 1:N) mu[n] = m; mu[2] = m * s; y ~ normal(mu, s); s ~ normal(0, 1); }\n"},
    {"math functions through the built-ins' kernels: exp, inv_logit, log1p, log_sum_exp(a, b), fmax", 1,
     "data { int N; vector[N] y; array[N] int z; vector[N] x; }\n"
     "parameters { real m; real ls; real b; }\n"
     "model { m ~ normal(0, 1); ls ~ normal(0, 1); b ~ normal(0, 1);\n"
     "  for (n in 1:N) { y[n] ~ normal(m + log1p(exp(b)), exp(ls));\n"
     "    z[n] ~ bernoulli(inv_logit(b * x[n]));\n"
     "    target += log_sum_exp(m, fmax(b, x[n]) * 0.5) - log_sum_exp(ls, 1.0); } }\n"},
    {"if on data inside a loop, int arithmetic in an index (batched since session 10: -m before the loop)", 2,
     "data { int N; vector[N] y; array[N] int g; }\n"
     "parameters { real m; vector[3] d; }\n"
     "model { m ~ normal(0, 1); d ~ normal(0, 1);\n"
     "  for (n in 1:N) { if (y[n] > 0) y[n] ~ normal(m, 1); else if (g[n] == 2) y[n] ~ normal(-m, 2);\n"
     "    if (n > 1) target += normal_lpdf(y[n - 1] | d[g[n - 1]], 3); } }\n"},
    {"locals read while they change (partials recorded, not recomputed): a scalar summed in a loop, an element read "
     "before its writer runs", 2,
     "data { int N; int J; array[N] int g; vector[N] x; vector[N] y; }\n"
     "parameters { real<lower=0> sy; vector[J] a; }\n"
     "model { vector[N] mu; real s = a[1] * 0.5; a ~ normal(0, 2); sy ~ normal(0, 1);\n"
     "  for (n in 1:N) { s = s + a[g[n]] * 0.25; y[n] ~ normal(s * x[n], sy);\n"
     "    if (n > 1) target += normal_lpdf(y[n] | mu[n - 1] * 2, sy); mu[n] = a[g[n]] * x[n] + s; }\n"
     "  for (n in 1:N) target += normal_lpdf(y[n] | mu[n] - s, 3); }\n"},
    {"garch: a recursion through a local array whose first element is data (a constant), the array as a whole "
     "argument", 2,
     "data { int N; array[N] real y; }\n"
     "parameters { real m; real<lower=0> a0; real<lower=0, upper=1> a1; real<lower=0, upper=(1 - a1)> b1; }\n"
     "model { array[N] real s; s[1] = 1.5;\n"
     "  for (t in 2:N) s[t] = sqrt(a0 + a1 * square(y[t - 1] - m) + b1 * square(s[t - 1]));\n"
     "  y ~ normal(m, s); }\n"},
    {"fused: radon vectorised, gathers and .* (alpha[g] + x .* beta[g])", 2,
     "data { int N; int J; array[N] int g; vector[N] x; vector[N] y; }\n"
     "parameters { real<lower=0> sy; vector[J] a; vector[J] b; real ma; }\n"
     "model { a ~ normal(ma, 2); b ~ normal(0, 1); sy ~ normal(0, 1); y ~ normal(a[g] + x .* b[g], sy); }\n"},
    {"fused: scalar coefficients over data vectors (beta[1] + beta[2] * x + beta[3] * x .* y), target += _lpdf and _lupdf",
     3,
     "data { int N; vector[N] x; vector[N] y; array[N] real sig; }\n"
     "parameters { vector[3] beta; real<lower=0> s; }\n"
     "model { beta ~ normal(0, 2); s ~ normal(0, 1);\n"
     "  y ~ normal(beta[1] + beta[2] * x + beta[3] * x .* y, s);\n"
     "  target += normal_lpdf(x | beta[1] - x * beta[2], s);\n"
     "  target += normal_lupdf(y | beta[3] * 10 + x, s * 5); }\n"},
    {"fused: one scalar in several operands (terms merged), a scalar node (exp(m)), two fused arguments", 3,
     "data { int N; vector[N] x; vector[N] y; }\n"
     "parameters { real m; real ls; real c; }\n"
     "model { m ~ normal(0, 1); ls ~ normal(0, 1); c ~ normal(0, 1);\n"
     "  y ~ normal(m + m * x - x * m + exp(m) * x, exp(ls + c * x));\n"
     "  y ~ normal(-(x / exp(c)) + m, exp(ls)); }\n"},
    {"fused: counts and kernels (poisson_log, bernoulli_logit, binomial_logit, exp, inv_logit, fmax elementwise)", 2,
     "data { int N; int J; array[N] int g; array[N] int cnt; array[N] int z; vector[N] x; }\n"
     "parameters { real a; real b; vector[J] u; }\n"
     "model { a ~ normal(0, 1); b ~ normal(0, 1); u ~ normal(0, 1);\n"
     "  cnt ~ poisson_log(a + b * x + u[g]); z ~ bernoulli_logit(b * x - a);\n"
     "  cnt ~ binomial_logit(cnt, log(inv_logit(u[g] .* x) + 1) - exp(b * x) / 4);\n"
     "  target += bernoulli_logit_lpmf(z | fmax(x, u[g]) * a); }\n"},
    {"fused: a parameter vector and a transformed parameter vector as whole operands (mu + tau * eta), if / else on data",
     2,
     "data { int N; int J; vector[N] y; vector[N] x; array[N] real sig; }\n"
     "parameters { real mu; real<lower=0> tau; vector[N] eta; vector[J] d; }\n"
     "transformed parameters { vector[N] th = mu + tau * eta; }\n"
     "model { mu ~ normal(0, 5); tau ~ normal(0, 5); eta ~ normal(0, 1); d ~ normal(0, 1);\n"
     "  y ~ normal(mu + tau * eta + th .* x, sig);\n"
     "  if (x[1] > 0) y ~ normal(d[2] + th, 3); else x ~ normal(eta * d[1], 2);\n"
     "  if (x[3] > 0) y ~ normal(d[2] + th, 3); else x ~ normal(eta * d[1], 2); }\n"},
    {"a fused argument in a batched loop: outside the subset batched (the batch sums the lanes' densities in another "
     "order); without batching a vector expression whose scalar operand d[j] is a temporary set again at every "
     "iteration (session 10: its element loop keeps records; before, it recomputed from the last iteration's "
     "temporary and the check turned the program away)", 1,
     "data { int N; int J; vector[N] y; vector[N] x; }\n"
     "parameters { vector[N] eta; vector[J] d; }\n"
     "model { eta ~ normal(0, 1); d ~ normal(0, 1); for (j in 1:J) x ~ normal(eta * d[j], 2); }\n"},
    {"fused: a transformed parameter scalar that is a parameter's node (merged by the interpreter: the native block "
     "declines)", 0,
     "data { int N; vector[N] x; vector[N] y; }\n"
     "parameters { real m; real<lower=0> s; }\n"
     "transformed parameters { real c = m; real e = m * 2; }\n"
     "model { m ~ normal(0, 1); s ~ normal(0, 1); y ~ normal(m + c * x + e * x, s); }\n"},
    {"rows as whole arguments: x[i] of a 2-D int array, of a data array of vectors, of a transformed parameter", 2,
     "data { array[3, 4] int C4; array[3] vector[4] Y; }\n"
     "parameters { vector[4] p0; real<lower=0, upper=1> q; real m; real<lower=0> s; }\n"
     "transformed parameters { array[3] vector[4] P; for (i in 1:3) P[i] = p0 * i; }\n"
     "model { q ~ beta(2, 2); m ~ normal(0, 1); s ~ normal(0, 1); p0 ~ normal(0, 1);\n"
     "  for (i in 1:3) { C4[i] ~ binomial(5, q); Y[i] ~ normal(m, s); target += normal_lpdf(Y[i] | P[i], s); }\n"
     "  target += normal_lupdf(P[3] | m, 2); }\n"},
    {"densities inside expressions (capture-recapture M0): sums, log_sum_exp of them, _lupdf scaled, if / else on data "
     "(batched since session 10: the loop-invariant densities computed before the loop)", 2,
     "data { int N; array[N] int cnt; vector[N] y; }\n"
     "parameters { real<lower=0, upper=1> om; real<lower=0, upper=1> p; real m; }\n"
     "model { m ~ normal(0, 1);\n"
     "  for (n in 1:N) { if (cnt[n] > 0) target += bernoulli_lpmf(1 | om) + binomial_lpmf(cnt[n] | 8, p);\n"
     "    else target += log_sum_exp(bernoulli_lpmf(1 | om) + binomial_lpmf(0 | 8, p), bernoulli_lpmf(0 | om));\n"
     "    target += 0.5 * normal_lpdf(y[n] | m, 2) - normal_lupdf(y[n] | m * p, 3); } }\n"},
    {"vector and matrix arguments: GLMs on a data matrix, dirichlet on rows of an array of simplexes, multi_normal", 2,
     "data { int N; array[N] int z; vector[N] y; matrix[N, 2] X; vector[4] al; cov_matrix[4] S4; array[3] vector[4] Y; }\n"
     "parameters { real a; vector[2] b; real<lower=0> s; array[3] simplex[4] th; vector[4] mu4; }\n"
     "model { a ~ normal(0, 1); b ~ normal(0, 1); s ~ normal(0, 1);\n"
     "  z ~ bernoulli_logit_glm(X, a, b); target += normal_id_glm_lpdf(y | X, a, b, s);\n"
     "  for (i in 1:3) { th[i] ~ dirichlet(al); Y[i] ~ multi_normal(mu4, S4); }\n"
     "  mu4 ~ multi_normal(al, S4); target += dirichlet_lupdf(th[2] | al); }\n"},
    {"matrix times vector as a density argument: data X * parameter b, parameter M * data v, a scalar node after it", 2,
     "data { int N; vector[N] y; matrix[N, 2] X; vector[2] v2; }\n"
     "parameters { vector[2] b; real ls; vector[4] mm; }\n"
     "transformed parameters { matrix[2, 2] M = to_matrix(mm, 2, 2); }\n"
     "model { b ~ normal(0, 1); ls ~ normal(0, 1); mm ~ normal(0, 1);\n"
     "  y ~ normal(X * b, exp(ls)); target += normal_lpdf(y | X * b, 3);\n"
     "  v2 ~ normal(M * v2, exp(ls) + 1); target += normal_lupdf(b | M * b, 2); }\n"},
    {"an hmm forward algorithm (bball_drive's shape): a 2-D real array local and a 1-D one, x[i, j] of both and of an "
     "array of simplexes, log_sum_exp of a local and of a local's row, dirichlet on data matrix slices A[k, :]' and A[:, j]; "
     "batched, the inner loop's store as lanes with its invariant density evaluated once", 2,
     "data { int N; vector[N] y; vector[N] x; matrix[2, 2] A2; }\n"
     "parameters { array[2] simplex[2] th; positive_ordered[2] mu; }\n"
     "model { for (k in 1:2) target += dirichlet_lpdf(th[k] | A2[k, :]');\n"
     "  target += dirichlet_lupdf(th[1] | A2[:, 2]); mu ~ normal(1, 2);\n"
     "  { array[2] real acc; array[N, 2] real gam;\n"
     "    for (k in 1:2) gam[1, k] = normal_lpdf(y[1] | mu[k], 1);\n"
     "    for (t in 2:N) for (k in 1:2) {\n"
     "      for (j in 1:2) acc[j] = gam[t - 1, j] + log(th[j, k]) + exponential_lpdf(fabs(x[t]) | mu[k]);\n"
     "      gam[t, k] = log_sum_exp(acc); }\n"
     "    target += log_sum_exp(gam[N]); } }\n"},
    {"matrix and array-of-vectors locals written element by element, x[i, j] of a 2-D int data array, a matrix "
     "parameter and an array of vectors, log_sum_exp of a parameter vector and of a row, data slices y[a:b]", 1,
     "data { int N; vector[N] y; array[3, 4] int C4; array[3] vector[4] Y; }\n"
     "parameters { vector[4] b; matrix[2, 3] M; array[3] vector[4] P; real<lower=0> s; }\n"
     "model { b ~ normal(0, 1); s ~ normal(0, 1); for (i in 1:2) for (j in 1:3) M[i, j] ~ normal(0, 1);\n"
     "  for (i in 1:3) P[i] ~ normal(0, 1);\n"
     "  { matrix[2, 3] W; array[3] vector[4] Q;\n"
     "    for (i in 1:2) for (j in 1:3) W[i, j] = M[i, j] * C4[j, i + 1] + b[j];\n"
     "    for (i in 1:3) for (j in 1:4) Q[i, j] = P[i, j] - W[1 + (j > 2), i] + Y[i, j];\n"
     "    for (i in 1:3) target += log_sum_exp(Q[i]);\n"
     "    target += log_sum_exp(b) + log_sum_exp(P[2]) - W[2, 3];\n"
     "    y[1:4] ~ normal(Q[1, 1], s); target += normal_lpdf(y[3:N] | b[1], s); } }\n"},
    {"batched stores as lanes: - and unary kernels of lane values, invariant density and arithmetic nodes evaluated "
     "once, a lane read of a local stored by an earlier lane loop", 2,
     "data { int N; vector[N] y; vector[N] x; }\n"
     "parameters { vector[N] b; vector[3] a; real<lower=0> s; }\n"
     "model { b ~ normal(0, 1); a ~ normal(0, 1); s ~ normal(0, 2);\n"
     "  { array[N] real w; vector[N] u;\n"
     "    for (n in 1:N) w[n] = log1p(exp(b[n] - normal_lpdf(y[1] | a[1], s))) - (a[2] * s + y[n]) + exp(b[n]);\n"
     "    for (n in 1:N) u[n] = w[n] - log(s + a[3] * a[3]);\n"
     "    target += log_sum_exp(w) - log_sum_exp(u) + normal_lpdf(x[2] | u[3], 1); } }\n"},
    {"a lane store over one iteration (batched, the interpreter runs it as the ordinary loop): declined there until "
     "session 11, now emitted both ways and the ordinary loop chosen by the bounds", 2,
     "data { int N; vector[N] y; }\n"
     "parameters { vector[N] b; real<lower=0> s; }\n"
     "model { b ~ normal(0, 1); s ~ normal(0, 2);\n"
     "  { array[N] real w; for (n in 1:1) w[n] = b[n] + normal_lpdf(y[1] | b[2], s) + exp(b[n]);\n"
     "    target += 2 * w[1]; } }\n"},
    {"locals declared in a loop (LDA's shape): an array declared per iteration, filled by an inner loop, its "
     "log_sum_exp; an int local as an index (rats' shape)", 1,
     "data { int N; int J; array[N] int g; vector[N] x; vector[N] y; }\n"
     "parameters { array[J] simplex[3] th; array[3] simplex[N] ph; vector[J] a; real<lower=0> s; }\n"
     "model { for (j in 1:J) th[j] ~ dirichlet(rep_vector(1, 3)); a ~ normal(0, 1); s ~ normal(0, 1);\n"
     "  for (n in 1:N) { array[3] real gam; int j = g[n];\n"
     "    for (k in 1:3) gam[k] = log(th[g[n], k]) + log(ph[k, n]);\n"
     "    target += log_sum_exp(gam); y[n] ~ normal(a[j] + x[n] * gam[2], s); } }\n"},
    {"a local declared in a loop whose size changes between iterations: declined", 0,
     "data { int N; vector[N] y; }\n"
     "parameters { vector[3] b; }\n"
     "model { b ~ normal(0, 1); for (n in 1:3) { vector[n] v; for (i in 1:n) v[i] = b[i] * 2;\n"
     "    target += log_sum_exp(v); } }\n"},
    {"log_mix of densities (a two-component mixture), to_vector of a matrix parameter as a density argument", 1,
     "data { int N; vector[N] y; }\n"
     "parameters { real<lower=0, upper=1> th; ordered[2] mu; matrix[2, 3] Z; }\n"
     "model { mu ~ normal(0, 3); th ~ beta(2, 2); to_vector(Z) ~ normal(0, 1);\n"
     "  for (n in 1:N) target += log_mix(th, normal_lpdf(y[n] | mu[1], 1), normal_lpdf(y[n] | mu[2], 2 + Z[1, 2] * Z[1, 2]));\n"
     "  target += log_mix(0.3, normal_lpdf(y[1] | mu[2], 1), -5); }\n"},
    {"column segments x[a:b, m] (ecdc's shape): of a parameter matrix and of a 2-D int data array as density "
     "arguments, and y[a:b] beside a parameter segment", 2,
     "data { int N; array[3, 4] int C4; vector[N] y; }\n"
     "parameters { matrix[N, 3] E; real<lower=0> phi; }\n"
     "transformed parameters { matrix[N, 3] Ee = exp(E); }\n"
     "model { to_vector(E) ~ normal(0, 1); phi ~ normal(0, 2);\n"
     "  for (m in 1:3) C4[1:3, m + 1] ~ neg_binomial_2(Ee[m:m + 2, m], phi);\n"
     "  target += normal_lpdf(y[2:4] | E[2:4, 1], 1); }\n"},
    {"sum of a parameter's slice (uk_drivers' seasonal shape), sum of a local, log_sum_exp of a slice", 2,
     "data { int N; vector[N] y; }\n"
     "parameters { vector[N] b; real<lower=0> s; }\n"
     "model { b ~ normal(0, 1); s ~ normal(0, 1);\n"
     "  for (t in 4:N) b[t] ~ normal(-sum(b[t - 3:t - 1]), s);\n"
     "  { array[3] real w; for (i in 1:3) w[i] = b[i] * 2; target += sum(w) + log_sum_exp(b[2:5]); } }\n"},
    {"outside the subset: log_sum_exp of a row of a matrix local (not contiguous)", 0,
     "data { int N; vector[N] y; }\n"
     "parameters { vector[2] b; }\n"
     "model { matrix[2, 2] W; for (i in 1:2) for (j in 1:2) W[i, j] = b[i] * j;\n"
     "  target += log_sum_exp(W[1]); b ~ normal(0, 1); }\n"},
    {"outside the subset: a slice of a parameter as a density argument", 0,
     "data { int N; vector[N] y; }\n"
     "parameters { vector[4] b; }\n"
     "model { array[2, 2] real c; c[1, 1] = b[1]; b[2:4] ~ normal(c[1, 1], 1); b ~ normal(0, 1); }\n"},
    {"transformed parameters block and user functions (loss curve): a conditional on data choosing between two "
     "functions, a function's local, a product of three factors reading the block's vector at a gather (batched, that "
     "loop keeps the block in the interpreter; the model block runs natively either way)", 2,
     "functions { real gw(real t, real om, real th) { return 1 - exp(-(t / th) ^ om); }\n"
     "  real gl(real t, real om, real th) { real pw = t ^ om; return pw / (pw + th ^ om); } }\n"
     "data { int N; int J; array[N] int g; array[N] int z; vector[N] x; vector[N] y; }\n"
     "parameters { real<lower=0> om; real<lower=0> th; vector<lower=0>[J] a; real<lower=0> s; }\n"
     "transformed parameters { vector[J] gf; vector[N] lm;\n"
     "  for (j in 1:J) gf[j] = z[j] == 1 ? gw(j * 0.5, om, th) : gl(j * 0.5, om, th);\n"
     "  for (n in 1:N) lm[n] = a[g[n]] * x[n] * gf[g[n]]; }\n"
     "model { om ~ lognormal(0, 0.5); th ~ lognormal(0, 0.5); a ~ lognormal(0, 1); s ~ lognormal(0, 0.7);\n"
     "  y ~ normal(lm, s); }\n"},
    {"batched loops of the transformed parameters block stored as their lanes make them (products formed from the "
     "leaf up, one node per element): parameters at literal indexes, data factors, a gather, a division, a kernel of "
     "the block's own vector (election88, surgical shapes)", 2,
     "data { int N; int J; array[N] int g; vector[N] x; vector[N] y; array[N] int z; }\n"
     "parameters { vector[4] beta; vector[J] a; real<lower=0> s; }\n"
     "transformed parameters { vector[N] yh; vector[N] p;\n"
     "  for (i in 1:N) yh[i] = beta[1] + beta[2] * x[i] + beta[3] * z[i] * x[i] + a[g[i]] * x[i] * 0.5 - beta[4] / (1 + z[i]);\n"
     "  for (i in 1:N) p[i] = inv_logit(yh[i] * 0.3); }\n"
     "model { beta ~ normal(0, 1); a ~ normal(0, 1); s ~ normal(0, 1); y ~ normal(yh, s); z ~ bernoulli(p); }\n"},
    {"transformed parameter scalars with bounds (rejected at some points), nested user functions with int arguments "
     "called in the model block's loop", 2,
     "functions { real sq(real x) { return x * x; }\n"
     "  real lin(real a, real b, int k) { real t = a * k; return sq(t) + b; } }\n"
     "data { int N; vector[N] y; vector[N] x; array[N] int z; }\n"
     "parameters { real m; real<lower=0> s; }\n"
     "transformed parameters { real<lower=0> v = exp(m) - 0.5; real<upper=5> w; w = lin(m, s, 2); }\n"
     "model { m ~ normal(0, 1); s ~ normal(0, 1);\n"
     "  for (n in 1:N) y[n] ~ normal(lin(m, x[n], 3) * v, s + w);\n"
     "  for (n in 1:N) target += z[n] ? sq(m - x[n]) * -0.5 : lin(s, x[n] > 0 ? 1 : x[n], z[n] + 1) * -0.25; }\n"},
    {"a transformed parameter element never assigned (NaN): both tiers reject every point", 0,
     "data { int N; vector[N] y; }\n"
     "parameters { real m; real<lower=0> s; }\n"
     "transformed parameters { vector[3] q; q[1] = m; q[2] = s; }\n"
     "model { y ~ normal(q[1], q[2]); }\n"},
    {"vector expressions assigned to transformed parameters (radon non-centred: a = ma + sa * ar), read at a gather "
     "in a model-block local vector (mu = a[g] + x .* eta): one partial other than +-1 per path, so the batched lanes "
     "round the same", 2,
     "data { int N; int J; array[N] int g; vector[N] x; vector[N] y; array[N] real sig; }\n"
     "parameters { real ma; real<lower=0> sa; vector[J] ar; vector[N] eta; }\n"
     "transformed parameters { vector[J] a; a = ma + sa * ar; }\n"
     "model { vector[N] mu; ma ~ normal(0, 5); sa ~ normal(0, 1); ar ~ normal(0, 1); eta ~ normal(0, 1);\n"
     "  mu = a[g] + x .* eta; y ~ normal(mu, sig); x ~ normal(eta * 2 + ma, 3); }\n"},
    {"vector expressions with longer paths (a GLM predictor with unary plus, a declared value, scalar operands computed "
     "once: beta[1], beta[2] * 2, exp(ls)): the ordinary order (batched, the lanes round otherwise: the block is "
     "interpreted, the model block native)", 2,
     "data { int N; int J; array[N] int g; vector[N] x; vector[N] y; array[N] real sig; }\n"
     "parameters { vector[3] beta; real ls; vector[N] eta; }\n"
     "transformed parameters { vector[N] lp = beta[1] + beta[2] * 2 * x + +exp(ls) * square(eta); }\n"
     "model { beta ~ normal(0, 1); ls ~ normal(0, 1); eta ~ normal(0, 1);\n"
     "  target += normal_lpdf(y | lp, 3); y ~ normal(lp - eta ./ x, 2); }\n"},
    {"a density argument that is a vector expression at a data index ((s * v)[g], the loss curve's scale), and one "
     "reading a transformed parameter vector", 2,
     "data { int N; int J; array[N] int g; vector[N] x; vector[N] y; }\n"
     "parameters { real<lower=0> s; vector<lower=0>[J] v; real m; }\n"
     "transformed parameters { vector[N] lm; for (n in 1:N) lm[n] = m * x[n]; }\n"
     "model { s ~ normal(0, 1); v ~ lognormal(0, 1); m ~ normal(0, 1);\n"
     "  y ~ normal(lm, (s * v)[g]); target += normal_lpdf(x | (v * 2)[g], 3); }\n"},
    {"vector expressions whose order the native code cannot follow: a parameter at two levels (mu + mu * eta), a "
     "transformed parameter scalar that is a parameter's node beside it (the block declines)", 0,
     "data { int N; vector[N] x; vector[N] y; }\n"
     "parameters { real mu; real<lower=0> s; vector[N] eta; }\n"
     "transformed parameters { real c = mu; vector[N] th = mu + mu * eta; }\n"
     "model { mu ~ normal(0, 1); s ~ normal(0, 1); eta ~ normal(0, 1); y ~ normal(th, s);\n"
     "  x ~ normal(c + mu * x, s); }\n"},
    {"outside the subset: a fused argument reading a local vector built by a recursion", 0,
     "data { int N; vector[N] x; vector[N] y; }\n"
     "parameters { real m; real<lower=0> s; }\n"
     "model { vector[N] mu; mu[1] = m; for (n in 2:N) mu[n] = mu[n - 1] * 0.5 + x[n];\n"
     "  y ~ normal(mu + m * x, s); s ~ normal(0, 1); }\n"},
    {"outside the subset: a fused argument in a while loop (data-dependent control flow)", 0,
     "data { int N; vector[N] x; vector[N] y; }\n"
     "parameters { real m; real<lower=0> s; }\n"
     "model { int k = 1; while (k < 3) { y ~ normal(m + k * x, s); k += 1; } }\n"},
    {"batched loops of the model block whose lanes give the ordinary order's bits: a local summed in an inner loop "
     "(arK: m = m + b[k] * x[n - k]), an element stored and read back in the iteration (radon: mu[n] = c[g[n]] + "
     "x[n] * a), two elements of one variable at distinct offsets (u[n] ~ normal(u[n - 1], s))", 2,
     "data { int N; vector[N] x; vector[N] y; array[N] int g; }\n"
     "parameters { real a; vector[2] b; real<lower=0> s; vector[3] c; vector[N] u; }\n"
     "model { vector[N] mu; a ~ normal(0, 1); b ~ normal(0, 1); s ~ lognormal(0, 1); c ~ normal(0, 1); u[1] ~ normal(0, 1);\n"
     "  for (n in 3:N) { real m; m = a; for (k in 1:2) m = m + b[k] * x[n - k]; y[n] ~ normal(m, s); }\n"
     "  for (n in 1:N) { mu[n] = c[g[n]] + x[n] * a; y[n] ~ normal(mu[n], s); }\n"
     "  for (n in 2:N) u[n] ~ normal(u[n - 1], s); }\n"},
    {"dogs' shape in a batched loop: p = a ^ s * b ^ v; z ~ bernoulli(p) multiplies three partials per path, which "
     "the lanes associate from the leaf up and the tape from the root down: refused batched in session 10, emitted as "
     "the lanes make it since session 11 (one node per increment with the lanes' products)", 2,
     "data { int N; int J; array[N] int z; array[J, 4] int C4; }\n"
     "parameters { real<lower=0, upper=1> a; real<lower=0, upper=1> b; }\n"
     "model { for (j in 1:J) for (t in 1:4) { real p = a ^ C4[j, t] * b ^ (5 - C4[j, t]); z[4 * (j - 1) + t] ~ bernoulli(p); } }\n"},
    {"increments of a batched loop emitted as the lanes make them (session 11): two per-iteration locals, one reading "
     "the other, a transformed parameter's element at a lane index, target += poisson_lpmf(...); and a batched inner "
     "loop's shape over a 2-D array with the loop's variable second", 2,
     "data { int N; int J; array[N] int z; array[N] int g; vector[N] x; array[J, 4] int C4; }\n"
     "parameters { real<lower=0, upper=1> a; vector[J] c; }\n"
     "transformed parameters { vector[J] e = inv_logit(c); }\n"
     "model { c ~ normal(0, 1);\n"
     "  for (n in 1:N) { real q = e[g[n]] ^ x[n]; real w = exp(0.5 - q) * a; target += poisson_lpmf(z[n] | w); }\n"
     "  for (j in 1:J) for (t in 1:4) { real p = inv_logit(c[j] * C4[j, t]) * a; z[4 * (j - 1) + t] ~ bernoulli(p); } }\n"},
    {"loop-invariant operations on parameters in batched loops (covid19imperial's exponential(1 / tau), the "
     "capture-recapture models' bernoulli_lpmf(1 | om) in both branches of an if, a normal's location mu * 2 + x[n]): "
     "one node for all lanes there, computed before the loop here; a matrix row as a density argument (Mth's "
     "logit_p[i], a parameter's and a transformed parameter's)", 2,
     "data { int N; int J; array[N] int g; vector[N] x; vector[N] y; array[N] real sig; array[J, 4] int C4; }\n"
     "parameters { real<lower=0> tau; real mu; real<lower=0, upper=1> om; matrix[J, 4] P; }\n"
     "transformed parameters { matrix[J, 4] Q = P * 0.5; }\n"
     "model { tau ~ exponential(0.03); mu ~ normal(0, 1); to_vector(P) ~ normal(0, 1);\n"
     "  for (n in 1:N) sig[n] ~ exponential(1 / tau);\n"
     "  for (n in 1:N) y[n] ~ normal(mu * 2 + x[n], 3);\n"
     "  for (n in 1:N) {\n"
     "    if (x[n] > 0) target += bernoulli_lpmf(1 | om) + poisson_log_lpmf(C4[g[n]] | P[g[n]]);\n"
     "    else target += log_sum_exp(bernoulli_lpmf(1 | om) + poisson_log_lpmf(C4[g[n]] | Q[g[n]]), bernoulli_lpmf(0 | om));\n"
     "  } }\n"},
    {"Mth's transformed parameters natively: a matrix filled column by column in a loop from a vector expression "
     "(lp[:, t] = ml[t] + mp[t] * ee: ml[t] an element of a local array, mp[t] a temporary set again at every "
     "iteration, so the element loop keeps its records), its rows as density arguments in the model block's batched "
     "loop (a row of a matrix local: its values and references copied)", 2,
     "data { int N; int J; array[N] int g; vector[N] x; array[J, 4] int C4; }\n"
     "parameters { real<lower=0, upper=1> om; array[4] real<lower=0, upper=1> mp; real<lower=0> sig; vector[J] e; }\n"
     "transformed parameters { vector[J] ee = sig * e; array[4] real ml = logit(mp); matrix[J, 4] lp;\n"
     "  for (t in 1:4) lp[:, t] = ml[t] + mp[t] * ee; }\n"
     "model { e ~ normal(0, 1); sig ~ normal(0, 1);\n"
     "  for (n in 1:N) {\n"
     "    if (x[n] > 0) target += bernoulli_lpmf(1 | om) + poisson_log_lpmf(C4[g[n]] | lp[g[n]]);\n"
     "    else target += log_sum_exp(bernoulli_lpmf(1 | om) + poisson_log_lpmf(C4[g[n]] | lp[g[n]]), bernoulli_lpmf(0 | om));\n"
     "  } }\n"},
    {"a batched loop inside a loop-carried one (hmm's shape): its invariant exp(ls[t]) computed before it at every "
     "outer iteration, so the statements reading it keep records (a recomputing reverse would read the last "
     "iteration's)", 2,
     "data { int N; int J; vector[N] y; vector[N] x; }\n"
     "parameters { real m; vector[N] ls; }\n"
     "model { vector[N] acc; m ~ normal(0, 1); ls ~ normal(0, 1); acc[1] = m;\n"
     "  for (t in 2:N) { acc[t] = acc[t - 1] * 0.5 + x[t]; for (j in 1:J) y[j] ~ normal(x[j], exp(ls[t])); }\n"
     "  y ~ normal(acc, 2); }\n"},
    {"a loop-invariant operation on a variable that a stored element of the batched loop also reads (the lanes' "
     "nodes of the store come before the invariant's there): refused batched", 1,
     "data { int N; vector[N] x; vector[N] y; }\n"
     "parameters { real a; }\n"
     "model { vector[N] mu; a ~ normal(0, 1); for (n in 1:N) { mu[n] = a * x[n]; y[n] ~ normal(mu[n], exp(a)); } }\n",
     "a loop-invariant operation reading a variable"},
    {"a variable read twice in one statement of a batched loop (its terms reach the leaf in another order): refused "
     "batched", 1,
     "data { int N; array[N] int g; vector[N] x; vector[N] y; }\n"
     "parameters { vector[3] c; }\n"
     "model { c ~ normal(0, 1); for (n in 1:N) y[n] ~ normal(c[g[n]] * x[n], exp(c[g[n]])); }\n",
     "read twice"},
    {"a store read after its batched loop sharing a leaf with the loop's increment (the lanes' nodes come before "
     "every increment): refused batched", 1,
     "data { int N; vector[N] x; vector[N] y; }\n"
     "parameters { real a; real<lower=0> s; }\n"
     "model { vector[N] mu; for (n in 1:N) { mu[n] = a * x[n]; y[n] ~ normal(a, s); } y ~ normal(mu, 2); }\n",
     "a store and another statement"},
    {"dogs' transformed parameters (session 11): matrices filled by a loop-carried recursion on data (constants, no "
     "node) and by batched stores p[j, t] = b[1] + b[2] * na[j, t] + b[3] * C4[j, t], q[j, t] = inv_logit(...) and "
     "r[t, j] (the loop's variable first) emitted as the lanes make them", 2,
     "data { int N; int J; array[N] int z; array[J, 4] int C4; }\n"
     "parameters { vector[3] b; }\n"
     "transformed parameters { matrix[J, 4] na; matrix[J, 4] p; matrix[J, 4] q; array[4, J] real r;\n"
     "  for (j in 1:J) { na[j, 1] = 0; for (t in 2:4) na[j, t] = na[j, t - 1] + 1 - z[4 * (j - 1) + t - 1];\n"
     "    for (t in 1:4) p[j, t] = b[1] + b[2] * na[j, t] + b[3] * C4[j, t];\n"
     "    for (t in 1:4) q[j, t] = inv_logit(b[1] * na[j, t] + b[2] * C4[j, t]);\n"
     "    for (t in 1:4) r[t, j] = b[3] * na[j, t] - b[1]; } }\n"
     "model { b ~ normal(0, 2); for (j in 1:J) for (t in 1:4) z[4 * (j - 1) + t] ~ bernoulli_logit(p[j, t]);\n"
     "  for (j in 1:J) for (t in 1:4) z[4 * (j - 1) + t] ~ bernoulli(q[j, t]);\n"
     "  for (t in 1:4) for (j in 1:J) z[4 * (j - 1) + t] ~ bernoulli_logit(r[t, j]); }\n"},
    {"bones' shape (session 11): 3-D local arrays filled by batched stores of data-dependent length (1, 2, 3 "
     "iterations: 0 or 1 run as the ordinary loop), Q[i, j, k] = inv_logit(d * (th[i] - c)) emitted as its lanes make "
     "it, p's elements from differences of Q's, an element copied from Q's (its node shared), read under an if on data",
     2,
     "data { int N; int J; array[N] int g; vector[N] x; array[J, 4] real Y; array[J, 4] int C4; }\n"
     "parameters { array[J] real th; }\n"
     "model { array[J, 4, 5] real p; array[J, 4, 4] real Q; th ~ normal(0, 3);\n"
     "  for (i in 1:J) for (j in 1:4) {\n"
     "    for (k in 1:g[j]) Q[i, j, k] = inv_logit(exp(x[j]) * (th[i] - (Y[k, j] + 3 * k)));\n"
     "    p[i, j, 1] = 1 - Q[i, j, 1];\n"
     "    for (k in 2:g[j]) p[i, j, k] = Q[i, j, k - 1] - Q[i, j, k];\n"
     "    p[i, j, g[j] + 1] = Q[i, j, g[j]];\n"
     "    if (C4[i, j] >= 1) if (C4[i, j] <= g[j] + 1) target += log(p[i, j, C4[i, j]]); } }\n"},
    {"a 3-D local's element read again after it was copied (the copy's adjoint would reach it in another order): "
     "declined at run time (batched: refused at emission)", 0,
     "data { int N; int J; vector[N] x; }\n"
     "parameters { array[J] real th; }\n"
     "model { array[J, 2, 2] real p; array[J, 2, 2] real Q; th ~ normal(0, 3);\n"
     "  for (i in 1:J) { Q[i, 1, 1] = exp(th[i]); p[i, 1, 1] = Q[i, 1, 1]; target += -p[i, 1, 1] * x[i] - Q[i, 1, 1]; } }\n"},
    {"hmm_gaussian's forward algorithm (session 12): the transformed parameters block with a row of an array of "
     "vectors assigned a vector expression (la[1] = log(pi1) + normal_lpdf(y[1] | mu, sigma): a scalar temporary, "
     "then the elements), rows assigned in a loop over their index, and the recursion over t through a batched store "
     "acc[i] = la[t - 1, i] + log(A[i, j]) + normal_lpdf(...) and log_sum_exp(acc)", 2,
     "data { int N; int J; vector[N] y; vector[N] x; }\n"
     "parameters { simplex[J] pi1; array[J] simplex[J] A; ordered[J] mu; array[J] real<lower=0> sigma; }\n"
     "transformed parameters { array[N] vector[J] la; array[N] vector[J] lb;\n"
     "  { array[J] real acc;\n"
     "    la[1] = log(pi1) + normal_lpdf(y[1] | mu, sigma);\n"
     "    for (t in 2:N) for (j in 1:J) {\n"
     "      for (i in 1:J) acc[i] = la[t - 1, i] + log(A[i, j]) + normal_lpdf(y[t] | mu[j], sigma[j]);\n"
     "      la[t, j] = log_sum_exp(acc); } }\n"
     "  for (t in 1:N) lb[t] = x[t] * mu - exp(pi1); }\n"
     "model { target += log_sum_exp(la[N]); for (t in 1:N) target += normal_lpdf(lb[t, 2] | 0, 3);\n  target += lb[2, 1] * lb[N, 3]; }\n"},
    {"chained single indexes x[t][j] read as x[t, j] (session 12: lang/lower.c flattens them as it does targets; "
     "iohmm_reg's `logA[t][i]`): the transformed parameters block emitted, the same bits", 2,
     "data { int N; int J; vector[N] y; vector[N] x; }\n"
     "parameters { array[J] vector[2] w; real<lower=0> s; }\n"
     "transformed parameters { array[N] vector[J] lo; array[N] vector[J] la;\n"
     "  for (t in 1:N) for (j in 1:J) lo[t][j] = normal_lpdf(y[t] | w[j][1] + x[t] * w[j][2], s);\n"
     "  for (j in 1:J) la[1][j] = lo[1][j];\n"
     "  { array[J] real acc;\n"
     "    for (t in 2:N) for (j in 1:J) { for (i in 1:J) acc[i] = la[t - 1][i] + lo[t][j];\n"
     "      la[t][j] = log_sum_exp(acc); } } }\n"
     "model { for (j in 1:J) w[j] ~ normal(0, 2); s ~ normal(0, 1); target += log_sum_exp(la[N]); }\n"},
    {"iohmm_reg's input-output HMM (session 12): rows of locals as vector operands (logA[t] = log(A[t])), a row "
     "assigned softmax of a row (A[t] = softmax(unA[t])), data-row-times-parameter-row products u[t]' * w[j] (as a "
     "store and as a density's location), the recursion's batched store reading x[t][j] once (loop-invariant)", 2,
     "data { int N; int J; vector[N] y; array[N] vector[2] X; }\n"
     "parameters { simplex[J] pi1; array[J] vector[2] w; array[J] vector[2] b; array[J] real<lower=0> sg; }\n"
     "transformed parameters { array[N] vector[J] la; array[N] vector[J] unA; array[N] vector[J] A;\n"
     "  array[N] vector[J] logA; array[N] vector[J] lo;\n"
     "  { unA[1] = pi1; A[1] = pi1; logA[1] = log(A[1]);\n"
     "    for (t in 2:N) { for (j in 1:J) unA[t][j] = X[t]' * w[j]; A[t] = softmax(unA[t]); logA[t] = log(A[t]); } }\n"
     "  for (t in 1:N) for (j in 1:J) lo[t][j] = normal_lpdf(y[t] | X[t]' * b[j], sg[j]);\n"
     "  { array[J] real acc;\n"
     "    for (j in 1:J) la[1][j] = log(pi1[j]) + lo[1][j];\n"
     "    for (t in 2:N) for (j in 1:J) { for (i in 1:J) acc[i] = la[t - 1, i] + logA[t][i] + lo[t][j];\n"
     "      la[t, j] = log_sum_exp(acc); } } }\n"
     "model { for (j in 1:J) { w[j] ~ normal(0, 5); b[j] ~ normal(0, 5); sg[j] ~ normal(0, 3); }\n"
     "  target += log_sum_exp(la[N]); }\n"},
    {"outside the subset: while", 0,
     "data { int N; vector[N] y; }\n"
     "parameters { real m; }\n"
     "model { int k = 1; while (k <= N) { y[k] ~ normal(m, 1); k += 1; } }\n"},
};
#define NCASES (sizeof CASES / sizeof CASES[0])

static urn_model *load(const char *src, int native, int nobatch, const char *cache, const char *cc) {
  urn_model_options o;
  urn_model_options_default(&o);
  o.print = NULL, o.no_batch = nobatch, o.native = native, o.native_cache = cache, o.native_cc = cc;
  urn_error err;
  urn_error_clear(&err);
  urn_model *m = urn_model_new_opt("t.stan", src, strlen(src), "t.json", DATA, strlen(DATA), &o, &err);
  if (!m) fprintf(stderr, "load: %s\n", err.msg);
  return m;
}

/* lp and gradient of a and b at theta: 1 when the same bits. */
static int same_bits(const urn_model *a, const urn_model *b, const double *theta, int propto) {
  size_t n = urn_model_num_unconstrained(a);
  double la, lb, ga[64], gb[64];
  int ra = urn_model_log_density_gradient(a, propto, 1, theta, &la, ga, NULL);
  int rb = urn_model_log_density_gradient(b, propto, 1, theta, &lb, gb, NULL);
  if (ra != rb) return 0;
  if (ra) return 1;
  return !memcmp(&la, &lb, sizeof la) && !memcmp(ga, gb, n * sizeof *ga);
}

/* Files in dir whose names contain part. */
static int count_files(const char *dir, const char *part) {
  DIR *d = opendir(dir);
  if (!d) return 0;
  int n = 0;
  for (struct dirent *e; (e = readdir(d));) n += strstr(e->d_name, part) != NULL;
  closedir(d);
  return n;
}

static double wall(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The default mode (3, auto): a cached object (cache, filled by the cases above) is used at once; in an empty
 * cache a short job compiles nothing, a long one starts a compile, and freeing the model kills it at once. */
static void test_auto(const char *cache) {
  double th[64];
  for (int j = 0; j < 64; j++) th[j] = 0.03 * j - 0.5;
  urn_model *ref = load(CASES[0].src, 0, 0, NULL, NULL), *m = load(CASES[0].src, 3, 0, cache, NULL);
  int ok = ref && m && same_bits(ref, m, th, 1);
  const char *st = m ? urn_model_native_status(m) : "";
  CHECK(ok && !strncmp(st, "native: on (the same bits", 25) && strstr(st, "us against"),
        "auto, cached: on at the first gradient, timed [%s]", st);
  urn_model_free(m);
  char fresh[300];
  snprintf(fresh, sizeof fresh, "%s/auto", cache);
  m = load(CASES[0].src, 3, 0, fresh, NULL);
  if (m) urn__model_native_plan(m, 1000);
  ok = m != NULL;
  for (int i = 0; ok && i < 300; i++) ok &= same_bits(ref, m, th, i & 1);
  st = m ? urn_model_native_status(m) : "";
  CHECK(ok && strstr(st, "not compiled (projected") && strstr(st, "none measured yet") &&
            count_files(fresh, "urn-native") == 0,
        "auto, a short job: 300 gradients, the same bits, nothing compiled [%s]", st);
  /* a job of 100,000 iterations (at least as many gradients: still below 10x a compile) whose first 100 took 1000
     gradients each: the report starts the compile */
  if (m) urn__model_native_plan(m, 1e5);
  st = m ? urn_model_native_status(m) : "";
  CHECK(m && strstr(st, "not compiled (projected"), "auto, a plan of 1e5 iterations alone compiles nothing [%s]", st);
  if (m) urn__model_native_progress(m, 100, 100, 1e5, 0);
  ok &= m && urn__model_native_deciding(m) == 0;
  for (int i = 0; ok && i < 10; i++) ok &= same_bits(ref, m, th, i & 1);
  st = m ? urn_model_native_status(m) : "";
  CHECK(ok && (strstr(st, "compiling (projected") || !strncmp(st, "native: on", 10)) &&
            strstr(st, "1000 gradients per iteration over 100 iterations"),
        "auto, deep trees reported: a compile starts at the report, the same bits [%s]", st);
  double t0 = wall();
  urn_model_free(m);
  double dt = wall() - t0;
  int left = count_files(fresh, ".c") + count_files(fresh, ".tmp") + count_files(fresh, ".log");
  CHECK(left == 0, "auto: freeing the model kills its compile (%.3f s), no files left (%d)", dt, left);
  printf("auto: the model with its compile running freed in %.3f s\n", dt);
  urn_model_free(ref);
}

/* URN_NAT_AUTO's projection with fixed inputs (compile estimate 0.15 s: it compiles from 1.5 s projected). */
static void test_projection(void) {
  struct { nat_plan p; double want, gpi; int go; const char *what; } T[] = {
      /* 4 chains x 2000 iterations; each chain reported its first 91: 75 of its first window (not measured) and 16
         at 255 gradients each; 20 us per gradient: 7636 x 255 gradients left (8 gradients an iteration would have
         projected max(64000 - 76500, 38250) x 20 us = 0.77 s: no compile) */
      {{76500, 20e-6, 8000, 364, 64, 64 * 255.0}, 7636 * 255 * 20e-6, 255, 1, "deep trees, a long job"},
      /* 4 x 1400 iterations at 3 gradients each, 40 us: 5236 x 3 x 40 us (8 an iteration: (44800 - 1100) x 40 us =
         1.75 s, a compile) */
      {{1100, 40e-6, 5600, 364, 64, 192}, 5236 * 3 * 40e-6, 3, 0, "shallow trees, a short job"},
      /* the first windows reported, none measured yet: at least one gradient an iteration, here less than half the
         gradients done (ski rental): 38250 x 20 us */
      {{76500, 20e-6, 8000, 300, 0, 0}, 38250 * 20e-6, 1, 0, "deep trees, only the first windows reported"},
      {{50, 20e-6, 1e6, 0, 0, 0}, (1e6) * 20e-6, 1, 1, "a million iterations, none reported"},
      {{50, 20e-6, 1000, 0, 0, 0}, 1000 * 20e-6, 1, 0, "a thousand iterations, none reported"},
      /* no plan (0 iterations), or one overrun: half the gradients done (ski rental) */
      {{2e5, 20e-6, 0, 0, 0, 0}, 1e5 * 20e-6, 1, 1, "no plan, 4 s spent"},
      {{1e5, 20e-6, 0, 0, 0, 0}, 5e4 * 20e-6, 1, 0, "no plan, 2 s spent"},
      {{3e5, 20e-6, 1000, 1000, 900, 2.7e5}, 1.5e5 * 20e-6, 300, 1, "every iteration reported, 6 s spent"},
  };
  for (size_t i = 0; i < sizeof T / sizeof *T; i++) {
    double g = -1, pr = urn_nat_projection(&T[i].p, &g);
    int go = pr >= URN_NAT_PAYOFF * 0.15;
    CHECK(fabs(pr - T[i].want) <= 1e-12 * T[i].want && g == T[i].gpi && go == T[i].go,
          "projection, %s: %.17g s (want %.17g), %g gradients per iteration (want %g), compile %d", T[i].what, pr,
          T[i].want, g, T[i].gpi, go);
  }
}

/* x[i][j] (single indexes) is lowered as x[i, j]: one 2-index read (rt_s_index2 / rt_s_index2v), no view of x[i]
 * (session 12, lang/lower.c); its value and gradient against the closed form lp = -|v|^2 / 2 + v[2][3] + 2 v[1][t]. */
static void test_flatten(void) {
  static const char *src = "data { int N; }\nparameters { array[2] vector[3] v; }\n"
                           "model { int t = N - 10; for (k in 1:2) v[k] ~ normal(0, 1); target += v[2][3]; target += 2 * v[1][t]; }\n";
  urn_model *m = load(src, 0, 0, NULL, NULL);
  if (!m) { CHECK(0, "flatten: load"); return; }
  urn_ev *ev = urn__model_ev_borrow(m);
  int n = ev->prog->nstmts[URN_BLK_MODEL], two = 0;
  for (int i = 0; i < n; i++) {
    const ir_st *s = ev->prog->stmts[URN_BLK_MODEL][i];
    if (!s || s->kind != URN_ST_TARGET) continue;
    const ir_ex *e = s->rhs->kind == URN_EX_INDEX ? s->rhs : s->rhs->a[1];
    two += e->kind == URN_EX_INDEX && e->nidx == 2 && e->a[0]->kind == URN_EX_VAR && (e->s == rt_s_index2 || e->s == rt_s_index2v);
  }
  urn__model_ev_return(m, ev);
  CHECK(two == 2, "flatten: v[2][3] and v[1][t] read as v[2, 3] and v[1, t] (%d of 2)", two);
  double th[6] = {0.3, -1.1, 0.7, 1.9, -0.4, 0.25}, g[6], lp;
  int ok = urn_model_log_density_gradient(m, 0, 1, th, &lp, g, NULL) == URN_OK;
  double want = 0;
  for (int i = 0; i < 6; i++) want -= 0.5 * th[i] * th[i] + 0.91893853320467274178;
  want += th[5] + 2 * th[1];
  for (int i = 0; i < 6; i++) ok &= fabs(g[i] - (-th[i] + (i == 5) + 2 * (i == 1))) < 1e-14;
  CHECK(ok && fabs(lp - want) < 1e-13, "flatten: lp %.17g (closed form %.17g) and gradient", lp, want);
  urn_model_free(m);
}

int main(void) {
  test_projection();
  test_flatten();
  if (system("cc --version >/dev/null 2>&1") != 0) {
    printf("skipped: no C compiler (cc) on PATH\n");
    return test_done();
  }
  char cache[] = "/tmp/urn-native-test-XXXXXX";
  if (!mkdtemp(cache)) { CHECK(0, "mkdtemp"); return test_done(); }
  for (size_t c = 0; c < NCASES; c++) {
    const ncase *k = &CASES[c];
    for (int nb = 0; nb < 2; nb++) {
      urn_model *ref = load(k->src, 0, nb, NULL, NULL), *nat = load(k->src, 2, nb, cache, NULL);
      if (!ref || !nat) { CHECK(0, "%s: load", k->name); urn_model_free(ref), urn_model_free(nat); continue; }
      size_t n = urn_model_num_unconstrained(ref);
      urn_rng r;
      urn_rng_seed(&r, 11 + c, 0);
      int ok = 1;
      for (int pt = 0; pt < 6; pt++) {
        double th[64];
        for (size_t i = 0; i < n; i++) th[i] = 2 * urn_rng_uniform(&r) - 1;
        ok &= same_bits(ref, nat, th, pt & 1);
      }
      const char *st = urn_model_native_status(nat);
      CHECK(ok, "%s (%s): lp and gradient the same bits as the interpreter [%s]", k->name, nb ? "no batching" : "batched", st);
      int want = nb ? k->native == 1 || k->native == 2 : k->native >= 2;
      CHECK(want == !strncmp(st, "native: on", 10), "%s (%s): %s", k->name, nb ? "no batching" : "batched", st);
      if (!nb && k->why) CHECK(strstr(st, k->why) != NULL, "%s (batched): refused at emission [%s]", k->name, st);
      if ((strstr(k->name, "(session 11)") || strstr(k->name, "(session 12)")) && strstr(k->src, "transformed parameters")) { /* the block natively too */
        urn_ev *ev = urn__model_ev_borrow(nat);
        nat_prog np;
        urn_nat_emit(ev->prog, &np);
        urn__model_ev_return(nat, ev);
        CHECK(np.tp == 1, "%s (%s): the transformed parameters block emitted [%s]", k->name, nb ? "no batching" : "batched",
              np.why_tp);
        urn_nat_prog_free(&np);
      }
      urn_model_free(ref), urn_model_free(nat);
    }
  }
  /* the cache: a second load of a program finds its object (loaded once more first: the cases above compile more
     than the URN_NAT_CACHE_MAX objects a cache keeps, so the first case's may have been removed) */
  urn_model_free(load(CASES[0].src, 2, 0, cache, NULL));
  urn_model *m = load(CASES[0].src, 2, 0, cache, NULL);
  CHECK(m && strstr(urn_model_native_status(m), "from the cache"), "second load: %s", m ? urn_model_native_status(m) : "-");
  urn_model_free(m);
  /* a background build (native 1): the same bits at every gradient while it compiles and after; once loaded, the
     check also times both tiers and says which was faster */
  {
    urn_model *ref = load(CASES[0].src, 0, 0, NULL, NULL), *bg = load(CASES[0].src, 1, 0, cache, NULL);
    double th[64];
    for (int j = 0; j < 64; j++) th[j] = 0.05 * j - 0.7;
    int ok = ref && bg, done = 0;
    for (int it = 0; ok && it < 200000 && !done; it++) {
      ok &= same_bits(ref, bg, th, it & 1);
      const char *st = urn_model_native_status(bg);
      done = !strncmp(st, "native: on", 10) || !strncmp(st, "native: interpreter only", 24);
      if (!done) usleep(100);
    }
    const char *st = bg ? urn_model_native_status(bg) : "";
    CHECK(ok && done, "background build: the same bits before and after the switch [%s]", st);
    CHECK(strstr(st, "us against") != NULL && strstr(st, "the same bits") != NULL, "background build timed: %s", st);
    urn_model_free(ref), urn_model_free(bg);
  }
  test_auto(cache);
  /* no compiler, a failing compiler: the interpreter, same values */
  const char *ccs[] = {"/nonexistent/cc", "false"};
  for (int i = 0; i < 2; i++) {
    char other[300];
    snprintf(other, sizeof other, "%s/x%d", cache, i);
    urn_model *ref = load(CASES[1].src, 0, 0, NULL, NULL), *nat = load(CASES[1].src, 2, 0, other, ccs[i]);
    double th[64];
    for (int j = 0; j < 64; j++) th[j] = 0.1 * j - 1;
    CHECK(ref && nat && same_bits(ref, nat, th, 1), "compiler %s: same values", ccs[i]);
    const char *st = nat ? urn_model_native_status(nat) : "";
    CHECK(strstr(st, "interpreter only") != NULL, "compiler %s: %s", ccs[i], st);
    urn_model_free(ref), urn_model_free(nat);
  }
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf %s", cache);
  if (system(cmd)) fprintf(stderr, "could not remove %s\n", cache);
  return test_done();
}
