/* math/dist_glm.c — the generalized linear models: normal_id_glm,
 * bernoulli_logit_glm, poisson_log_glm, neg_binomial_2_log_glm,
 * binomial_logit_glm, ordered_logistic_glm, categorical_logit_glm, and
 * bernoulli_logit_glm_rng.  Each computes the linear predictor
 * eta = alpha + x beta and the derivative of its per-observation term with
 * respect to eta, then hands both to the shared column-blocked kernels:
 * x (N x K, column-major, or a row_vector for one observation) is walked a
 * column at a time over blocks of GLM_BLOCK rows whose eta and d lp / d eta
 * live on the stack, with SIMD partial sums; alpha gets the sum of the
 * derivatives, beta their dot products with x's columns, x the outer product.
 * x is usually data: its finiteness scan runs once per call site (dist_check_once). */
#include <stdlib.h>
#include <string.h>
#include "math/dist_impl.h"
#include "util/util.h"

/* Two doubles as one value (GCC vector extensions: SIMD at any optimisation
 * level, in the SSE2 registers every x86-64 has; wider vectors spill there).
 * glm_v2u may sit at any 8-byte boundary. */
typedef double glm_v2 __attribute__((vector_size(16)));
typedef double glm_v2u __attribute__((vector_size(16), aligned(8)));

/* Rows are processed in blocks of GLM_BLOCK: the block's linear predictor and
 * d lp / d eta live on the stack (no allocation per call), and its stretch of
 * each column of x stays in cache between the two passes. */
#define GLM_BLOCK 512

/* The design of one GLM call: x, the intercept (NULL for ordered_logistic_glm) and the weights. */
typedef struct glm_view {
  const urn_darg *x;  /* N x K covariates */
  const urn_darg *al; /* intercept: 1 or N values, or NULL */
  const urn_darg *be; /* K weights */
  size_t N, K;        /* observations, covariates */
} glm_view;

/* Shapes and checks of a GLM: y has N or 1 values, alpha N or 1, beta K. */
static int glm_begin(const char *fn, const urn_darg *y, const urn_darg *x, const urn_darg *al, const urn_darg *be,
                     glm_view *v, urn_error *err) {
  v->x = x, v->al = al, v->be = be, v->N = x->rows, v->K = x->cols;
  size_t N = v->N, K = v->K;
  if (x->n != N * K) return urn_error_set(err, URN_EREJECT, "%s: Matrix of independent variables has the wrong size", fn);
  if (y->n != N && y->n != 1)
    return urn_error_set(err, URN_EREJECT, "%s: Size of Vector of dependent variables (%zu) and rows of Matrix of "
                         "independent variables (%zu) must match in size", fn, y->n, N);
  if (al && al->n != N && al->n != 1)
    return urn_error_set(err, URN_EREJECT, "%s: Size of Intercept (%zu) and rows of Matrix of independent variables "
                         "(%zu) must match in size", fn, al->n, N);
  if (be->n != K)
    return urn_error_set(err, URN_EREJECT, "%s: Size of Weight vector (%zu) and columns of Matrix of independent "
                         "variables (%zu) must match in size", fn, be->n, K);
  if (dist_check_once(fn, "Matrix of independent variables", x, DR_FINITE, err) ||
      (al && dist_check_once(fn, "Intercept", al, DR_FINITE, err)) ||
      dist_check_once(fn, "Weight vector", be, DR_FINITE, err))
    return URN_EREJECT;
  return URN_OK;
}

/* eta[r] = alpha_i + x_i . beta for rows i = i0 + r, r < n, four columns of x
 * (contiguous, column-major) at a time: a row of x is strided by N, and
 * walking rows touched a new cache line per element (diamonds, N = 5000,
 * K = 24: 4x slower).  Each eta sums in the order of a row walk. */
static void glm_linear2(const glm_view *v, size_t i0, size_t n, double *eta) {
  size_t N = v->N, K = v->K;
  for (size_t r = 0; r < n; r++) eta[r] = v->al ? DV(v->al, i0 + r) : 0;
  const double *x = v->x->v + i0, *b = v->be->v;
  size_t j = 0;
  for (; j + 4 <= K; j += 4) {
    const double *c0 = x + j * N, *c1 = c0 + N, *c2 = c1 + N, *c3 = c2 + N;
    size_t r = 0;
    for (; r + 2 <= n; r += 2) {
      glm_v2 e = *(const glm_v2u *)(eta + r);
      e += *(const glm_v2u *)(c0 + r) * b[j];
      e += *(const glm_v2u *)(c1 + r) * b[j + 1];
      e += *(const glm_v2u *)(c2 + r) * b[j + 2];
      e += *(const glm_v2u *)(c3 + r) * b[j + 3];
      *(glm_v2u *)(eta + r) = e;
    }
    for (; r < n; r++) eta[r] = (((eta[r] + c0[r] * b[j]) + c1[r] * b[j + 1]) + c2[r] * b[j + 2]) + c3[r] * b[j + 3];
  }
  for (; j < K; j++)
    for (size_t r = 0; r < n; r++) eta[r] += x[j * N + r] * b[j];
}

/* sum_r g[r] x[r] (x NULL: sum_r g[r]) in eight partial sums: four
 * independent chains of two-lane adds instead of one long chain. */
static double glm_dot(const double *g, const double *x, size_t n) {
  glm_v2 s0 = {0, 0}, s1 = {0, 0}, s2 = {0, 0}, s3 = {0, 0};
  size_t r = 0;
  if (x) {
    for (; r + 8 <= n; r += 8) {
      s0 += *(const glm_v2u *)(g + r) * *(const glm_v2u *)(x + r);
      s1 += *(const glm_v2u *)(g + r + 2) * *(const glm_v2u *)(x + r + 2);
      s2 += *(const glm_v2u *)(g + r + 4) * *(const glm_v2u *)(x + r + 4);
      s3 += *(const glm_v2u *)(g + r + 6) * *(const glm_v2u *)(x + r + 6);
    }
  } else {
    for (; r + 8 <= n; r += 8) {
      s0 += *(const glm_v2u *)(g + r);
      s1 += *(const glm_v2u *)(g + r + 2);
      s2 += *(const glm_v2u *)(g + r + 4);
      s3 += *(const glm_v2u *)(g + r + 6);
    }
  }
  s0 = (s0 + s1) + (s2 + s3);
  double s = s0[0] + s0[1];
  for (; r < n; r++) s += x ? g[r] * x[r] : g[r];
  return s;
}

/* Adds the partials of rows i0 .. i0 + n - 1 given g[r] = d lp / d eta: alpha
 * gets g, beta the columns' dot products with g, x the outer product g beta'. */
static void glm_partials2(const glm_view *v, size_t i0, size_t n, const double *g) {
  size_t N = v->N;
  if (v->al && v->al->d && v->al->n == 1) v->al->d[0] += glm_dot(g, NULL, n);
  else if (v->al && v->al->d)
    for (size_t r = 0; r < n; r++) v->al->d[i0 + r] += g[r];
  for (size_t j = 0; j < v->K; j++) {
    if (v->be->d) v->be->d[j] += glm_dot(g, v->x->v + j * N + i0, n);
    if (v->x->d)
      for (size_t r = 0; r < n; r++) v->x->d[j * N + i0 + r] += g[r] * v->be->v[j];
  }
}

#if defined(__x86_64__) && defined(__GNUC__)
/* The same two kernels in four-double vectors for CPUs with AVX2, chosen at run time (__builtin_cpu_supports):
 * every eta[r] and every partial sum gets exactly the additions and products of the SSE2 kernels above, in the
 * same order (an element's eta sums its columns left to right; a dot product keeps the eight partial sums of
 * elements r mod 8 and combines them as glm_dot does), so the two give the same bits and the draws do not depend
 * on the CPU.  AVX2 without FMA: no contraction.  diamonds (N = 5000, K = 24): 2x fewer instructions in the two
 * passes over x that are ~80 % of its gradient. */
typedef double glm_v4u __attribute__((vector_size(32), aligned(8)));
#define GLM_TARGET __attribute__((target("avx2")))

/* glm_linear2 with eight columns per pass over the block (the sum of each eta in the same order). */
GLM_TARGET static void glm_linear4(const glm_view *v, size_t i0, size_t n, double *eta) {
  size_t N = v->N, K = v->K;
  if (!v->al) memset(eta, 0, n * sizeof *eta);
  else if (v->al->n == 1)
    for (size_t r = 0; r < n; r++) eta[r] = v->al->v[0];
  else memcpy(eta, v->al->v + i0, n * sizeof *eta);
  const double *x = v->x->v + i0, *b = v->be->v;
  size_t j = 0;
  for (; j + 4 <= K; j += 4) {
    int eight = j + 8 <= K;
    const double *c0 = x + j * N, *c1 = c0 + N, *c2 = c1 + N, *c3 = c2 + N;
    const double *c4 = c3 + N, *c5 = c4 + N, *c6 = c5 + N, *c7 = c6 + N;
    size_t r = 0;
    if (eight)
      for (; r + 4 <= n; r += 4) {
        glm_v4u e = *(const glm_v4u *)(eta + r);
        e += *(const glm_v4u *)(c0 + r) * b[j];
        e += *(const glm_v4u *)(c1 + r) * b[j + 1];
        e += *(const glm_v4u *)(c2 + r) * b[j + 2];
        e += *(const glm_v4u *)(c3 + r) * b[j + 3];
        e += *(const glm_v4u *)(c4 + r) * b[j + 4];
        e += *(const glm_v4u *)(c5 + r) * b[j + 5];
        e += *(const glm_v4u *)(c6 + r) * b[j + 6];
        e += *(const glm_v4u *)(c7 + r) * b[j + 7];
        *(glm_v4u *)(eta + r) = e;
      }
    else
      for (; r + 4 <= n; r += 4) {
        glm_v4u e = *(const glm_v4u *)(eta + r);
        e += *(const glm_v4u *)(c0 + r) * b[j];
        e += *(const glm_v4u *)(c1 + r) * b[j + 1];
        e += *(const glm_v4u *)(c2 + r) * b[j + 2];
        e += *(const glm_v4u *)(c3 + r) * b[j + 3];
        *(glm_v4u *)(eta + r) = e;
      }
    for (; r < n; r++) {
      double e = (((eta[r] + c0[r] * b[j]) + c1[r] * b[j + 1]) + c2[r] * b[j + 2]) + c3[r] * b[j + 3];
      if (eight) e = (((e + c4[r] * b[j + 4]) + c5[r] * b[j + 5]) + c6[r] * b[j + 6]) + c7[r] * b[j + 7];
      eta[r] = e;
    }
    if (eight) j += 4;
  }
  if (j < K) { /* the last K mod 4 columns in one pass, each eta adding them left to right */
    size_t r = 0;
    for (; r + 4 <= n; r += 4) {
      glm_v4u e = *(const glm_v4u *)(eta + r);
      for (size_t c = j; c < K; c++) e += *(const glm_v4u *)(x + c * N + r) * b[c];
      *(glm_v4u *)(eta + r) = e;
    }
    for (; r < n; r++)
      for (size_t c = j; c < K; c++) eta[r] += x[c * N + r] * b[c];
  }
}

/* The eight partial sums of glm_dot (lanes 0-3 in lo, 4-7 in hi) combined as glm_dot combines its four pairs. */
static inline double glm_dot_finish(const double *lo, const double *hi) {
  return ((lo[0] + lo[2]) + (hi[0] + hi[2])) + ((lo[1] + lo[3]) + (hi[1] + hi[3]));
}

/* glm_partials2 with the dot products of four columns at a time (their sums independent: four times the
 * parallelism of one glm_dot); each column's sum is glm_dot's. */
GLM_TARGET static void glm_partials4(const glm_view *v, size_t i0, size_t n, const double *g) {
  size_t N = v->N, K = v->K, j = 0, n8 = n & ~(size_t)7;
  if (v->al && v->al->d && v->al->n == 1) v->al->d[0] += glm_dot(g, NULL, n);
  else if (v->al && v->al->d)
    for (size_t r = 0; r < n; r++) v->al->d[i0 + r] += g[r];
  const double *x = v->x->v + i0;
  if (v->be->d)
    for (; j + 4 <= K; j += 4) {
      const double *c0 = x + j * N, *c1 = c0 + N, *c2 = c1 + N, *c3 = c2 + N;
      glm_v4u a0 = {0, 0, 0, 0}, a1 = a0, a2 = a0, a3 = a0, h0 = a0, h1 = a0, h2 = a0, h3 = a0;
      for (size_t r = 0; r < n8; r += 8) {
        glm_v4u gl = *(const glm_v4u *)(g + r), gh = *(const glm_v4u *)(g + r + 4);
        a0 += gl * *(const glm_v4u *)(c0 + r), h0 += gh * *(const glm_v4u *)(c0 + r + 4);
        a1 += gl * *(const glm_v4u *)(c1 + r), h1 += gh * *(const glm_v4u *)(c1 + r + 4);
        a2 += gl * *(const glm_v4u *)(c2 + r), h2 += gh * *(const glm_v4u *)(c2 + r + 4);
        a3 += gl * *(const glm_v4u *)(c3 + r), h3 += gh * *(const glm_v4u *)(c3 + r + 4);
      }
      double lo[4][4], hi[4][4], s[4];
      memcpy(lo[0], &a0, 32), memcpy(lo[1], &a1, 32), memcpy(lo[2], &a2, 32), memcpy(lo[3], &a3, 32);
      memcpy(hi[0], &h0, 32), memcpy(hi[1], &h1, 32), memcpy(hi[2], &h2, 32), memcpy(hi[3], &h3, 32);
      for (int q = 0; q < 4; q++) {
        const double *c = x + (j + q) * N;
        s[q] = glm_dot_finish(lo[q], hi[q]);
        for (size_t r = n8; r < n; r++) s[q] += g[r] * c[r];
        v->be->d[j + q] += s[q];
      }
    }
  for (; j < K; j++)
    if (v->be->d) v->be->d[j] += glm_dot(g, x + j * N, n);
  if (v->x->d)
    for (j = 0; j < K; j++)
      for (size_t r = 0; r < n; r++) v->x->d[j * N + i0 + r] += g[r] * v->be->v[j];
}

/* The AVX2 kernels where the CPU has AVX2, else the SSE2 ones (same bits). */
static void glm_linear(const glm_view *v, size_t i0, size_t n, double *eta) {
  if (__builtin_cpu_supports("avx2")) glm_linear4(v, i0, n, eta);
  else glm_linear2(v, i0, n, eta);
}
static void glm_partials(const glm_view *v, size_t i0, size_t n, const double *g) {
  if (__builtin_cpu_supports("avx2")) glm_partials4(v, i0, n, g);
  else glm_partials2(v, i0, n, g);
}
#else
#define glm_linear glm_linear2
#define glm_partials glm_partials2
#endif

/* Block size for rows i0.. of N. */
static size_t glm_block(size_t N, size_t i0) { return N - i0 < GLM_BLOCK ? N - i0 : GLM_BLOCK; }

/* ---------------- normal_id_glm(y | x, alpha, beta, sigma) ---------------- */

int urn_normal_id_glm_lpdf(const urn_darg *a, int propto, double *out, urn_error *err) {
  const char *fn = "normal_id_glm_lpdf";
  glm_view v;
  if (glm_begin(fn, &a[0], &a[1], &a[2], &a[3], &v, err)) return URN_EREJECT;
  size_t N = v.N;
  if (a[4].n != N && a[4].n != 1)
    return urn_error_set(err, URN_EREJECT, "%s: Size of Scale vector (%zu) and rows of Matrix of independent variables (%zu) must match in size", fn, a[4].n, N);
  if (dist_check_once(fn, "Vector of dependent variables", &a[0], DR_FINITE, err) ||
      dist_check_once(fn, "Scale vector", &a[4], DR_POS_FINITE, err))
    return URN_EREJECT;
  int ks = !propto || a[4].d;
  int kk = !propto || a[0].d || a[1].d || a[2].d || a[3].d || a[4].d;
  int scalar_s = a[4].n == 1;
  double lp = 0, sum_z2 = 0, eta[GLM_BLOCK], g[GLM_BLOCK];
  if (!propto) lp -= N * DIST_HALF_LOG_2PI;
  if (ks && scalar_s) lp -= N * log(a[4].v[0]); /* one log for a scalar sigma */
  for (size_t i0 = 0; i0 < N; i0 += GLM_BLOCK) {
    size_t n = glm_block(N, i0);
    glm_linear(&v, i0, n, eta);
    if (scalar_s) { /* one division: z = (y - eta) / s, d lp / d eta = z / s */
      double inv = 1 / a[4].v[0], q = 0;
      for (size_t r = 0; r < n; r++) {
        double z = (DV(&a[0], i0 + r) - eta[r]) * inv;
        q += z * z;
        g[r] = z * inv;
      }
      sum_z2 += q;
      if (a[0].d)
        for (size_t r = 0; r < n; r++) DADD(&a[0], i0 + r, -g[r]);
    } else {
      for (size_t r = 0; r < n; r++) {
        size_t i = i0 + r;
        double s = a[4].v[i], z = (DV(&a[0], i) - eta[r]) / s;
        if (kk) lp -= 0.5 * z * z;
        if (ks) lp -= log(s);
        g[r] = z / s;
        DADD(&a[0], i, -g[r]);
        if (a[4].d) a[4].d[i] += (z * z - 1) / s;
      }
    }
    glm_partials(&v, i0, n, g);
  }
  if (scalar_s) {
    if (kk) lp -= 0.5 * sum_z2;
    if (a[4].d) a[4].d[0] += (sum_z2 - (double)N) / a[4].v[0];
  }
  *out = lp;
  return URN_OK;
}

/* ------- the rows of bernoulli_logit(_glm): exp(-|eta|) and log1p(exp(-|eta|)) in vectors ------- */

/* bernoulli_logit_glm's work per row is e = exp(-|eta|) and l = log1p(e), e in (0, 1]: glibc's scalar exp and
 * log1p were ~70 % of a gradient of the wells posteriors (N = 3,020 rows; log1p alone ~57 %, and dearer for
 * e > 0.41, |eta| < 0.88, where a fitted logistic regression puts most rows).  Here both are computed for 8
 * (SSE2) or 16 (AVX2) rows at once, as 4 independent register-wide vectors whose long polynomial chains
 * interleave, with the same operations in every lane: SSE2 and AVX2 give
 * the same bits (no FMA: -std=c11 does not contract):
 *   exp(-a) = 2^-k exp(-r), k = round(a / ln 2), r = (a - k ln2_hi) - k ln2_lo in [-0.347, 0.347] (ln2_hi has 32
 *   significant bits: k ln2_hi is exact), exp(-r) = 1 + (q + q^2 P(q)), q = -r, P the Taylor series of
 *   (exp(q) - 1 - q) / q^2 to q^11 (truncation < 5e-18), 2^-k from its bits;
 *   log1p(e) = 2 atanh(s), s = e / (2 + e) in (0, 1/3]: e - (e^2/2 - s (e^2/2 + R(s^2))) with R(z) = sum_{j=1..16}
 *   2 z^j / (2j + 1) (truncation < 2e-18 relative), so the leading term e is exact.
 * Both within 1.5 ulp (glibc's within 1.4 on the same arguments: tests/test_dist_mv.c checks against mpmath
 * values).  Then, as dist_logit_parts: the row's term of the log mass, -l plus (x >= 0: -x if y = 0; x < 0: x if
 * y = 1), and d / d eta = y - (x >= 0 ? 1 : e) / (1 + e).  Rows with |eta| > 708 or NaN (e subnormal or zero) are
 * recomputed with libm's exp and log1p. */
#define GLM_SP_EXP_MAX 708.0
#define GLM_SP_MAGIC 0x1.8p52 /* adding it rounds a double in [0, 2^51) to an integer, kept in the low bits */
/* One statement for each of the GLM_SP_U independent vectors of a step (j): the long polynomial chains of the
 * vectors interleave. */
#define GLM_SP_U 4
#define GLM_SP_EACH(stmt) _Pragma("GCC unroll 4") for (int j = 0; j < GLM_SP_U; j++) { stmt; }
#define GLM_SP_ROWS(NAME, V, I, YV, ATTR)                                                                             \
  ATTR static int NAME(const double *x, const int *y, size_t n, double *t, double *g) {                               \
    const size_t w = sizeof(V) / sizeof(double);                                                                      \
    I big = {0};                                                                                                      \
    for (size_t r = 0; r < n; r += GLM_SP_U * w) {                                                                    \
      V xv[GLM_SP_U], yv[GLM_SP_U], ac[GLM_SP_U], tt[GLM_SP_U], k[GLM_SP_U], q[GLM_SP_U], p[GLM_SP_U], e[GLM_SP_U];  \
      V s[GLM_SP_U], z[GLM_SP_U], R[GLM_SP_U], h[GLM_SP_U], l[GLM_SP_U], zero = {0}, one = zero + 1;                 \
      GLM_SP_EACH(YV yi; memcpy(&xv[j], x + r + j * w, sizeof(V)); memcpy(&yi, y + r + j * w, sizeof yi);             \
                  yv[j] = __builtin_convertvector(yi, V))                                                             \
      GLM_SP_EACH(ac[j] = (V)((I)xv[j] & 0x7fffffffffffffffLL); I ok = ac[j] <= GLM_SP_EXP_MAX; big |= ~ok;           \
                  ac[j] = (V)((I)ac[j] & ok))                                                                         \
      GLM_SP_EACH(tt[j] = ac[j] * 0x1.71547652b82fep+0 + GLM_SP_MAGIC; k[j] = tt[j] - GLM_SP_MAGIC)                   \
      GLM_SP_EACH(q[j] = -((ac[j] - k[j] * 0x1.62e42feep-1) - k[j] * 0x1.a39ef35793c76p-33))                          \
      GLM_SP_EACH(p[j] = q[j] * (1.0 / 6227020800) + 1.0 / 479001600)                                                 \
      GLM_SP_EACH(p[j] = p[j] * q[j] + 1.0 / 39916800) GLM_SP_EACH(p[j] = p[j] * q[j] + 1.0 / 3628800)                \
      GLM_SP_EACH(p[j] = p[j] * q[j] + 1.0 / 362880) GLM_SP_EACH(p[j] = p[j] * q[j] + 1.0 / 40320)                    \
      GLM_SP_EACH(p[j] = p[j] * q[j] + 1.0 / 5040) GLM_SP_EACH(p[j] = p[j] * q[j] + 1.0 / 720)                        \
      GLM_SP_EACH(p[j] = p[j] * q[j] + 1.0 / 120) GLM_SP_EACH(p[j] = p[j] * q[j] + 1.0 / 24)                          \
      GLM_SP_EACH(p[j] = p[j] * q[j] + 1.0 / 6) GLM_SP_EACH(p[j] = p[j] * q[j] + 0.5)                                 \
      GLM_SP_EACH(e[j] = (1 + (q[j] + (q[j] * q[j]) * p[j])) * (V)((1023 - ((I)tt[j] & 0xfff)) << 52))                \
      GLM_SP_EACH(s[j] = e[j] / (2 + e[j]); z[j] = s[j] * s[j])                                                       \
      GLM_SP_EACH(R[j] = z[j] * (2.0 / 33) + 2.0 / 31)                                                                \
      GLM_SP_EACH(R[j] = R[j] * z[j] + 2.0 / 29) GLM_SP_EACH(R[j] = R[j] * z[j] + 2.0 / 27)                           \
      GLM_SP_EACH(R[j] = R[j] * z[j] + 2.0 / 25) GLM_SP_EACH(R[j] = R[j] * z[j] + 2.0 / 23)                           \
      GLM_SP_EACH(R[j] = R[j] * z[j] + 2.0 / 21) GLM_SP_EACH(R[j] = R[j] * z[j] + 2.0 / 19)                           \
      GLM_SP_EACH(R[j] = R[j] * z[j] + 2.0 / 17) GLM_SP_EACH(R[j] = R[j] * z[j] + 2.0 / 15)                           \
      GLM_SP_EACH(R[j] = R[j] * z[j] + 2.0 / 13) GLM_SP_EACH(R[j] = R[j] * z[j] + 2.0 / 11)                           \
      GLM_SP_EACH(R[j] = R[j] * z[j] + 2.0 / 9) GLM_SP_EACH(R[j] = R[j] * z[j] + 2.0 / 7)                             \
      GLM_SP_EACH(R[j] = R[j] * z[j] + 2.0 / 5) GLM_SP_EACH(R[j] = R[j] * z[j] + 2.0 / 3)                             \
      GLM_SP_EACH(R[j] = R[j] * z[j]; h[j] = (0.5 * e[j]) * e[j]; l[j] = e[j] - (h[j] - s[j] * (h[j] + R[j])))        \
      GLM_SP_EACH(I pos = xv[j] >= 0; I y1 = yv[j] != 0;                                                              \
                  /* x < 0, y = 1: x; x >= 0, y = 0: -x; else 0 */                                                    \
                  V c = (V)(((I)xv[j] & ~pos & y1) | ((I)(-xv[j]) & pos & ~y1)); V tv = c - l[j];                     \
                  V gv = yv[j] - (V)(((I)e[j] & ~pos) | ((I)one & pos)) / (1 + e[j]);                                 \
                  memcpy(t + r + j * w, &tv, sizeof(V)); memcpy(g + r + j * w, &gv, sizeof(V)))                       \
    }                                                                                                                 \
    int any = 0;                                                                                                      \
    for (size_t k = 0; k < w; k++) any |= big[k] != 0;                                                                \
    return any;                                                                                                       \
  }

typedef long long glm_i2 __attribute__((vector_size(16)));
typedef int glm_y2 __attribute__((vector_size(8)));
GLM_SP_ROWS(glm_logit_rows2, glm_v2, glm_i2, glm_y2, ) /* 8 rows a step in SSE2 registers; n a multiple of 8 */
#if defined(__x86_64__) && defined(__GNUC__)
typedef double glm_v4 __attribute__((vector_size(32)));
typedef long long glm_i4 __attribute__((vector_size(32)));
typedef int glm_y4 __attribute__((vector_size(16)));
GLM_SP_ROWS(glm_logit_rows4, glm_v4, glm_i4, glm_y4, GLM_TARGET) /* 16 rows a step in AVX2 registers; n a multiple of 16 */
#endif

/* Rows r < n (any n): t[r] = the row's term of the log mass of bernoulli_logit at eta = x[r], y = y[r] (0 or 1),
 * g[r] its derivative by eta, as described above (the tail padded; the rows beyond 708 by libm); returns the sum of
 * the t[r] (glm_dot's eight partial sums).  bernoulli_logit_glm's rows, and bernoulli_logit_lpmf's elements when
 * alpha is a container (dist_discrete.c). */
static int glm_logit_rows(const double *x, const int *y, size_t n, double *t, double *g) {
#if defined(__x86_64__) && defined(__GNUC__)
  if (__builtin_cpu_supports("avx2")) return glm_logit_rows4(x, y, n, t, g);
#endif
  return glm_logit_rows2(x, y, n, t, g);
}
double urn__bernoulli_logit_rows(const double *x, const int *y, size_t n, double *t, double *g) {
  size_t m = n & ~(size_t)15;
  int big = glm_logit_rows(x, y, m, t, g);
  if (m < n) {
    double xp[16] = {0}, tp[16], gp[16];
    int yp[16] = {0};
    memcpy(xp, x + m, (n - m) * sizeof *x), memcpy(yp, y + m, (n - m) * sizeof *y);
    big |= glm_logit_rows(xp, yp, 16, tp, gp);
    memcpy(t + m, tp, (n - m) * sizeof *t), memcpy(g + m, gp, (n - m) * sizeof *g);
  }
  if (big)
    for (size_t r = 0; r < n; r++)
      if (!(fabs(x[r]) <= GLM_SP_EXP_MAX)) {
        double lpp, lpm, pr;
        dist_logit_parts(x[r], &lpp, &lpm, &pr);
        t[r] = y[r] ? lpp : lpm, g[r] = y[r] - pr;
      }
  return glm_dot(t, NULL, n);
}

/* ---------------- bernoulli_logit_glm(y | x, alpha, beta) ---------------- */

/* 1 when some y[i], i < n, is not 0 or 1 (four at a time: a scan of every row at every call). */
static int glm_outside01(const int *y, size_t n) {
  typedef unsigned u4 __attribute__((vector_size(16)));
  u4 acc = {0, 0, 0, 0}, v;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) memcpy(&v, y + i, sizeof v), acc |= v;
  unsigned b = acc[0] | acc[1] | acc[2] | acc[3];
  for (; i < n; i++) b |= (unsigned)y[i];
  return b > 1;
}

int urn_bernoulli_logit_glm_lpmf(const urn_darg *a, int propto, double *out, urn_error *err) {
  const char *fn = "bernoulli_logit_glm_lpmf";
  glm_view v;
  if (glm_begin(fn, &a[0], &a[1], &a[2], &a[3], &v, err)) return URN_EREJECT;
  size_t N = v.N, ny = a[0].n;
  const int *yi = a[0].iv;
  if (N && glm_outside01(yi, ny)) return *out = -INFINITY, URN_OK;
  int kk = !propto || a[1].d || a[2].d || a[3].d;
  double lp = 0, eta[GLM_BLOCK], g[GLM_BLOCK], t[GLM_BLOCK];
  int yb[GLM_BLOCK]; /* y broadcast to the rows when it is one value */
  if (ny == 1)
    for (size_t r = 0; r < GLM_BLOCK; r++) yb[r] = yi[0];
  for (size_t i0 = 0; i0 < N; i0 += GLM_BLOCK) {
    size_t n = glm_block(N, i0);
    glm_linear(&v, i0, n, eta);
    double s = urn__bernoulli_logit_rows(eta, ny == 1 ? yb : yi + i0, n, t, g);
    if (kk) lp += s;
    glm_partials(&v, i0, n, g);
  }
  *out = lp;
  return URN_OK;
}

int urn_bernoulli_logit_glm_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout, urn_error *err) {
  const char *fn = "bernoulli_logit_glm_rng";
  glm_view v;
  /* the same checks as the density, with no variate: a stand-in of one value */
  int y0 = 0;
  urn_darg y = urn_darg_ints(&y0, 1);
  if (glm_begin(fn, &y, &p[0], &p[1], &p[2], &v, err)) return URN_EREJECT;
  double eta[GLM_BLOCK];
  for (size_t i0 = 0; i0 < v.N; i0 += GLM_BLOCK) {
    size_t m = glm_block(v.N, i0);
    glm_linear(&v, i0, m, eta);
    for (size_t k = 0; k < m; k++) iout[i0 + k] = urn_rng_uniform(r) < urn_inv_logit(eta[k]);
  }
  return URN_OK;
}

/* ---------------- poisson_log_glm(y | x, alpha, beta) ---------------- */

int urn_poisson_log_glm_lpmf(const urn_darg *a, int propto, double *out, urn_error *err) {
  const char *fn = "poisson_log_glm_lpmf";
  glm_view v;
  if (glm_begin(fn, &a[0], &a[1], &a[2], &a[3], &v, err) ||
      dist_check_once(fn, "Vector of dependent variables", &a[0], DR_NONNEG, err))
    return URN_EREJECT;
  size_t N = v.N;
  int kk = !propto || a[1].d || a[2].d || a[3].d;
  double lp = 0, eta[GLM_BLOCK], g[GLM_BLOCK];
  for (size_t i0 = 0; i0 < N; i0 += GLM_BLOCK) {
    size_t n = glm_block(N, i0);
    glm_linear(&v, i0, n, eta);
    for (size_t r = 0; r < n; r++) {
      int y = DI(&a[0], i0 + r);
      double mu = exp(eta[r]);
      if (kk) lp += (y ? y * eta[r] : 0) - mu;
      if (!propto) lp -= urn_lgamma(y + 1.0);
      g[r] = y - mu;
    }
    glm_partials(&v, i0, n, g);
  }
  *out = isnan(lp) ? -INFINITY : lp;
  return URN_OK;
}

/* ---------------- neg_binomial_2_log_glm(y | x, alpha, beta, phi) ---------------- */

int urn_neg_binomial_2_log_glm_lpmf(const urn_darg *a, int propto, double *out, urn_error *err) {
  const char *fn = "neg_binomial_2_log_glm_lpmf";
  glm_view v;
  if (glm_begin(fn, &a[0], &a[1], &a[2], &a[3], &v, err)) return URN_EREJECT;
  size_t N = v.N;
  if (a[4].n != N && a[4].n != 1)
    return urn_error_set(err, URN_EREJECT, "%s: Size of Precision parameter (%zu) and rows of Matrix of independent "
                         "variables (%zu) must match in size", fn, a[4].n, N);
  if (dist_check_once(fn, "Failures variables", &a[0], DR_NONNEG, err) ||
      dist_check(fn, "Precision parameter", &a[4], DR_POS_FINITE, err))
    return URN_EREJECT;
  int kk = !propto || a[1].d || a[2].d || a[3].d || a[4].d, kphi = !propto || a[4].d;
  double lp = 0, eta[GLM_BLOCK], g[GLM_BLOCK];
  for (size_t i0 = 0; i0 < N; i0 += GLM_BLOCK) {
    size_t n = glm_block(N, i0);
    glm_linear(&v, i0, n, eta);
    for (size_t r = 0; r < n; r++) {
      size_t i = i0 + r;
      int y = DI(&a[0], i);
      double dlmu, dphi, t = dist_nb2_term(y, eta[r], DV(&a[4], i), kphi, &dlmu, &dphi);
      if (kk) lp += t;
      if (!propto) lp -= urn_lgamma(y + 1.0);
      g[r] = dlmu;
      DADD(&a[4], i, dphi);
    }
    glm_partials(&v, i0, n, g);
  }
  *out = lp;
  return URN_OK;
}

/* ---------------- binomial_logit_glm(n | N, x, alpha, beta) ---------------- */

int urn_binomial_logit_glm_lpmf(const urn_darg *a, int propto, double *out, urn_error *err) {
  const char *fn = "binomial_logit_glm_lpmf";
  glm_view v;
  if (glm_begin(fn, &a[0], &a[2], &a[3], &a[4], &v, err)) return URN_EREJECT;
  size_t N = v.N;
  if (a[1].n != N && a[1].n != 1)
    return urn_error_set(err, URN_EREJECT, "%s: Size of Population size parameter (%zu) and rows of Matrix of "
                         "independent variables (%zu) must match in size", fn, a[1].n, N);
  for (size_t i = 0; i < N; i++) {
    int n = DI(&a[0], i), m = DI(&a[1], i);
    if (m < 0) return dist_fail(err, fn, "Population size parameter", a[1].n > 1 ? (long)i : -1, m, "nonnegative");
    if (n < 0 || n > m)
      return urn_error_set(err, URN_EREJECT, "%s: Successes variable is %d, but must be in the interval [0, %d]", fn,
                           n, m);
  }
  int kk = !propto || a[2].d || a[3].d || a[4].d;
  double lp = 0, eta[GLM_BLOCK], g[GLM_BLOCK];
  for (size_t i0 = 0; i0 < N; i0 += GLM_BLOCK) {
    size_t n = glm_block(N, i0);
    glm_linear(&v, i0, n, eta);
    for (size_t r = 0; r < n; r++) {
      int s = DI(&a[0], i0 + r), m = DI(&a[1], i0 + r);
      double lpp, lpm, pr;
      dist_logit_parts(eta[r], &lpp, &lpm, &pr);
      if (kk) lp += (s ? s * lpp : 0) + (m - s ? (m - s) * lpm : 0);
      if (!propto) lp += urn_lchoose(m, s);
      g[r] = s - m * pr;
    }
    glm_partials(&v, i0, n, g);
  }
  *out = lp;
  return URN_OK;
}

/* ---------------- ordered_logistic_glm(y | x, beta, cuts) ---------------- */

int urn_ordered_logistic_glm_lpmf(const urn_darg *a, int propto, double *out, urn_error *err) {
  const char *fn = "ordered_logistic_glm_lpmf";
  glm_view v;
  if (glm_begin(fn, &a[0], &a[1], NULL, &a[2], &v, err)) return URN_EREJECT;
  const urn_darg *c = &a[3];
  size_t N = v.N, Km1 = c->n;
  if (dist_check_ordered(fn, "Cut-points", c->v, Km1, err)) return URN_EREJECT;
  for (size_t i = 0; i < N; i++) {
    int k = DI(&a[0], i);
    if (k < 1 || (size_t)k > Km1 + 1)
      return urn_error_set(err, URN_EREJECT, "%s: Vector of dependent variables is %d, but must be in the interval "
                           "[1, %zu]", fn, k, Km1 + 1);
  }
  int kk = !propto || a[1].d || a[2].d || c->d;
  double lp = 0, eta[GLM_BLOCK], g[GLM_BLOCK];
  for (size_t i0 = 0; i0 < N; i0 += GLM_BLOCK) {
    size_t n = glm_block(N, i0);
    glm_linear(&v, i0, n, eta);
    for (size_t r = 0; r < n; r++) {
      int k = DI(&a[0], i0 + r);
      double dlo, dhi, t = dist_ordlog_term(k, eta[r], c->v, Km1, &g[r], &dlo, &dhi);
      if (kk) lp += t;
      if (c->d) {
        if (k > 1) c->d[k - 2] += dlo;
        if ((size_t)k <= Km1) c->d[k - 1] += dhi;
      }
    }
    glm_partials(&v, i0, n, g);
  }
  *out = lp;
  return URN_OK;
}

/* ---------------- categorical_logit_glm(y | x, alpha, beta): alpha C values, beta K x C ---------------- */

int urn_categorical_logit_glm_lpmf(const urn_darg *a, int propto, double *out, urn_error *err) {
  const char *fn = "categorical_logit_glm_lpmf";
  const urn_darg *y = &a[0], *x = &a[1], *al = &a[2], *be = &a[3];
  size_t N = x->rows, K = x->cols, C = al->n;
  if (be->rows != K || be->cols != C)
    return urn_error_set(err, URN_EREJECT, "%s: Weight matrix is %zu x %zu, but must be %zu x %zu (columns of the "
                         "independent variables x size of the intercept)", fn, be->rows, be->cols, K, C);
  if (y->n != N && y->n != 1)
    return urn_error_set(err, URN_EREJECT, "%s: Size of Vector of dependent variables (%zu) and rows of Matrix of "
                         "independent variables (%zu) must match in size", fn, y->n, N);
  if (dist_check_once(fn, "Matrix of independent variables", x, DR_FINITE, err) ||
      dist_check_once(fn, "Intercept", al, DR_FINITE, err) || dist_check_once(fn, "Weight vector", be, DR_FINITE, err))
    return URN_EREJECT;
  for (size_t i = 0; i < N; i++) {
    int k = DI(y, i);
    if (k < 1 || (size_t)k > C)
      return urn_error_set(err, URN_EREJECT, "%s: categorical outcome out of support is %d, but must be in the "
                           "interval [1, %zu]", fn, k, C);
  }
  if (N == 0 || C == 0) return *out = 0, URN_OK;
  /* one linear predictor per class: the GLM view of class c is (x, alpha[c], beta[, c]) */
  double *eta = urn_xmalloc(sizeof(double) * 2 * GLM_BLOCK * C), *g = eta + GLM_BLOCK * C;
  urn_darg alc, bec;
  glm_view v = {x, &alc, &bec, N, K};
  int kk = !propto || x->d || al->d || be->d;
  double lp = 0;
  for (size_t i0 = 0; i0 < N; i0 += GLM_BLOCK) {
    size_t n = glm_block(N, i0);
    for (size_t c = 0; c < C; c++) {
      alc = urn_darg_reals(al->v + c, 1, al->d ? al->d + c : NULL);
      bec = urn_darg_reals(be->v + c * K, K, be->d ? be->d + c * K : NULL);
      glm_linear(&v, i0, n, eta + c * GLM_BLOCK);
    }
    for (size_t r = 0; r < n; r++) {
      double mx = -INFINITY, s = 0;
      for (size_t c = 0; c < C; c++) mx = fmax(mx, eta[c * GLM_BLOCK + r]);
      for (size_t c = 0; c < C; c++) s += exp(eta[c * GLM_BLOCK + r] - mx);
      double lse = mx + log(s);
      int k = DI(y, i0 + r) - 1;
      if (kk) lp += eta[k * GLM_BLOCK + r] - lse;
      for (size_t c = 0; c < C; c++) g[c * GLM_BLOCK + r] = ((int)c == k) - exp(eta[c * GLM_BLOCK + r] - lse);
    }
    for (size_t c = 0; c < C; c++) {
      alc = urn_darg_reals(al->v + c, 1, al->d ? al->d + c : NULL);
      bec = urn_darg_reals(be->v + c * K, K, be->d ? be->d + c * K : NULL);
      glm_partials(&v, i0, n, g + c * GLM_BLOCK);
    }
  }
  free(eta);
  *out = lp;
  return URN_OK;
}
