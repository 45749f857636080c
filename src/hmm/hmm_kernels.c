/* hmm/hmm_kernels.c — the HMM inner loops that dominate EM at large T:
 *
 *   - urn__hmm_exp_neg: exp(x) for x <= 0 on a block of values, written with
 *     GCC vector extensions (4 doubles at a time) so it runs as SIMD at any
 *     optimisation level; built twice (AVX2 and baseline x86-64) and chosen at
 *     load time.  Accuracy: 1 ulp against libm (Cody-Waite reduction by ln 2,
 *     degree-13 Taylor polynomial); x < -708 (and NaN) gives 0.
 *   - urn__hmm_log_pos: log(x) for positive normal x on a block of values, the
 *     same way (1-2 ulp; the input-driven transitions' M-step, hmm_trans.c).
 *   - urn__hmm_shift_exp_rows: the forward pass's "shift each row of
 *     log-likelihoods by its maximum and exponentiate", a block at a time.
 *   - urn__hmm_estep_gauss1: the whole E-step of one sequence of a 1-D Gaussian
 *     HMM fused into two passes (see that function for the algebra).
 *
 * Why not libm's exp: it is scalar, ~20 cycles a call, and was a third of an EM
 * iteration.  The results differ from libm's by at most 1 ulp per
 * exponential, far inside the fixtures' 1e-10 tolerance. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "hmm/hmm_internal.h"

/* Four doubles and four 64-bit lanes (GCC vector extensions; unaligned loads
 * go through memcpy). */
typedef double v4d __attribute__((vector_size(32)));
typedef long long v4i __attribute__((vector_size(32)));

/* exp of the four values at x (x <= 0), in place; lanes with x <= -708 or NaN
 * give 0.  (Takes a pointer, not a vector, so no AVX value crosses a call.) */
static inline __attribute__((always_inline)) void exp_neg4(double *xp) {
  v4d x;
  memcpy(&x, xp, sizeof x);
  const v4d lo = {-708.0, -708.0, -708.0, -708.0};
  v4i keep = x > lo;                                  /* -1 where the result is not flushed to 0 */
  v4d xc = (v4d)(((v4i)x & keep) | ((v4i)lo & ~keep)); /* clamp, so the scaling below is valid */
  const double shift = 0x1.8p52;                      /* adding it rounds to an integer in the low bits */
  v4d t = xc * 1.4426950408889634 + shift;
  v4d n = t - shift;                                  /* round(x / ln 2), in [-1022, 0] */
  /* r = x - n ln2 with ln 2 split so that n * ln2hi is exact */
  v4d r = (xc - n * 6.93147180369123816490e-01) - n * 1.90821492927058770002e-10;
  v4d p = r * (1.0 / 6227020800.0) + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  /* 2^n: the low bits of t hold n; move n + 1023 into the exponent field */
  v4d scale = (v4d)(((v4i)t + 1023) << 52);
  x = (v4d)((v4i)(p * scale) & keep);
  memcpy(xp, &x, sizeof x);
}

/* An AVX2 clone chosen at load time (static: its ifunc resolver is not exported from liburn.so); none under
 * ThreadSanitizer, whose instrumented resolver would run before the sanitizer's runtime is up (a crash at load). */
#if defined(__SANITIZE_THREAD__)
#define HMM_CLONES
#else
#define HMM_CLONES __attribute__((target_clones("avx2", "default")))
#endif

/* x[0..n) <- exp(x[0..n)) for x <= 0 (in place; n need not be a multiple of 4). */
HMM_CLONES
static void urn__hmm_exp_neg(size_t n, double *x) {
  size_t i = 0;
  /* four independent vectors per iteration: the polynomial is a chain of 26
   * dependent operations, so interleaving hides its latency */
  for (; i + 16 <= n; i += 16) {
    exp_neg4(x + i);
    exp_neg4(x + i + 4);
    exp_neg4(x + i + 8);
    exp_neg4(x + i + 12);
  }
  for (; i + 4 <= n; i += 4) exp_neg4(x + i);
  if (i < n) {
    double tail[4] = {0, 0, 0, 0};
    memcpy(tail, x + i, sizeof(double) * (n - i));
    exp_neg4(tail);
    memcpy(x + i, tail, sizeof(double) * (n - i));
  }
}

/* log of the four values at xp (positive, finite, normal), in place: x = 2^e m with m in [sqrt(1/2), sqrt(2)),
 * log m = 2 atanh(f) = 2 f (1 + f^2/3 + f^4/5 + ...) with f = (m - 1)/(m + 1), |f| <= 0.1716 (12 terms: the
 * next is below 1e-19 relative).  About 1-2 ulp. */
static inline __attribute__((always_inline)) void log_pos4(double *xp) {
  v4d x;
  memcpy(&x, xp, sizeof x);
  v4i bits = (v4i)x;
  v4i e = ((bits >> 52) & 0x7ff) - 1023;
  v4d m = (v4d)((bits & 0x000fffffffffffffLL) | 0x3ff0000000000000LL); /* [1, 2) */
  v4i big = m > 1.4142135623730951;                                    /* -1 where m is halved */
  m = (v4d)(((v4i)(m * 0.5) & big) | ((v4i)m & ~big));
  e -= big;
  v4d f = (m - 1.0) / (m + 1.0), s2 = f * f;
  v4d p = s2 * (1.0 / 25) + 1.0 / 23;
  p = p * s2 + 1.0 / 21;
  p = p * s2 + 1.0 / 19;
  p = p * s2 + 1.0 / 17;
  p = p * s2 + 1.0 / 15;
  p = p * s2 + 1.0 / 13;
  p = p * s2 + 1.0 / 11;
  p = p * s2 + 1.0 / 9;
  p = p * s2 + 1.0 / 7;
  p = p * s2 + 1.0 / 5;
  p = p * s2 + 1.0 / 3;
  v4d fe = __builtin_convertvector(e, v4d);
  /* ln 2 split so that e * ln2hi is exact */
  x = fe * 6.93147180369123816490e-01 + (2.0 * f + (2.0 * f * s2 * p + fe * 1.90821492927058770002e-10));
  memcpy(xp, &x, sizeof x);
}

HMM_CLONES
static void hmm_log_pos(size_t n, double *x) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    log_pos4(x + i);
    log_pos4(x + i + 4);
  }
  for (; i + 4 <= n; i += 4) log_pos4(x + i);
  if (i < n) {
    double tail[4] = {1, 1, 1, 1};
    memcpy(tail, x + i, sizeof(double) * (n - i));
    log_pos4(tail);
    memcpy(x + i, tail, sizeof(double) * (n - i));
  }
}

void urn__hmm_log_pos(size_t n, double *x) { hmm_log_pos(n, x); }

/* Rows of the shift-and-exponentiate pass handled per call of urn__hmm_exp_neg. */
#define SHIFT_BLOCK 64


static inline __attribute__((always_inline)) void shift_exp_impl(int K, size_t n, double *E, double *mx) {
  double buf[SHIFT_BLOCK * 8];
  size_t rows_per = K <= 8 ? SHIFT_BLOCK : 1; /* rows that fit in buf at once */
  for (size_t t0 = 0; t0 < n; t0 += rows_per) {
    size_t nr = n - t0 < rows_per ? n - t0 : rows_per;
    for (size_t t = t0; t < t0 + nr; t++) {
      const double *row = E + t * (size_t)K;
      double m = row[0];
      URN_UNROLL
      for (int k = 1; k < K; k++) m = row[k] > m ? row[k] : m;
      mx[t] = m;
    }
    if (K > 8) { /* one row at a time, in place */
      double *row = E + t0 * (size_t)K, m = mx[t0];
      for (int k = 0; k < K; k++) row[k] = m == -INFINITY ? -INFINITY : row[k] - m;
      urn__hmm_exp_neg((size_t)K, row);
      continue;
    }
    double *out = buf;
    for (size_t t = t0; t < t0 + nr; t++) {
      const double *row = E + t * (size_t)K;
      double m = mx[t];
      /* a row that is -inf everywhere becomes all zeros (the caller reports it) */
      if (m == -INFINITY) m = 0.0;
      URN_UNROLL
      for (int k = 0; k < K; k++) out[k] = row[k] - m;
      out += K;
    }
    urn__hmm_exp_neg(nr * (size_t)K, buf);
    memcpy(E + t0 * (size_t)K, buf, sizeof(double) * nr * (size_t)K);
  }
}

void urn__hmm_shift_exp_rows(int K, size_t n, double *E, double *mx) {
  switch (K) {
  case 2: shift_exp_impl(2, n, E, mx); break;
  case 3: shift_exp_impl(3, n, E, mx); break;
  case 4: shift_exp_impl(4, n, E, mx); break;
  default: shift_exp_impl(K, n, E, mx); break;
  }
}


/* Time steps whose emission terms are computed (structure of arrays) per block. */
#define G1_BLOCK 32
/* Bounds outside which the unnormalised forward vector is rescaled by a power of 2. */
#define G1_LO 0x1p-256
#define G1_HI 0x1p256

/* How estep_gauss1_impl forms the log-likelihoods: c - h (y - mu)^2 (the Gaussian), c + a u, c + a u + b v,
 * or a table of log probabilities by class (categorical: the counts by state and class into cnt). */
enum { FUSED_GAUSS, FUSED_U, FUSED_UV, FUSED_CAT };

/* State of the unnormalised forward recursion (see estep_gauss1_impl). */
typedef struct fwd_state {
  double prev;      /* s_{t-1} after rescaling (1 before the first step) */
  double s;         /* s_t after rescaling */
  double mxsum;     /* sum of the row maxima m_t */
  long log2_scale;  /* sum of the exponents removed by rescaling */
} fwd_state;

/* One step: v = a' e_t (e_t[k] = e[k * e_step]), s_t = sum v, f_t = v / s_t,
 * h_t = e_t / c_t with c_t = s_t / s_{t-1} (h may alias e when e_step is 1),
 * rescaling by 2^-ilogb(s) when s leaves [G1_LO, G1_HI], then a' <- A^T v.
 * Returns 0, -1 when the step has probability 0, 1 when s is subnormal or not
 * finite. */
static inline __attribute__((always_inline)) int fwd_unnorm_step(int K, const double *A, double *a,
                                                                 const double *e, size_t e_step, double mx,
                                                                 double *f, double *h, fwd_state *st) {
  double v[URN_HMM_STACK_K], s = 0.0;
  URN_UNROLL
  for (int k = 0; k < K; k++) {
    v[k] = a[k] * e[k * e_step];
    s += v[k];
  }
  st->mxsum += mx;
  int out = !(s >= G1_LO && s <= G1_HI);
  if (out) {
    if (!(s > 0.0) || mx == -INFINITY) return -1;
    if (!(s >= DBL_MIN) || !isfinite(s)) return 1;
  }
  double inv = 1.0 / s, ic = st->prev * inv;
  URN_UNROLL
  for (int k = 0; k < K; k++) {
    f[k] = v[k] * inv;
    h[k] = e[k * e_step] * ic;
  }
  if (out) { /* exact rescaling by a power of 2 */
    int ex = ilogb(s);
    double sc = ldexp(1.0, -ex);
    for (int k = 0; k < K; k++) v[k] *= sc;
    s *= sc;
    st->log2_scale += ex;
  }
  st->prev = st->s = s;
  urn__hmm_predict(K, A, v, a);
  return 0;
}

/* log p(y) at the end of the recursion. */
static inline double fwd_loglik(const fwd_state *st) {
  return log(st->s) + st->mxsum + (double)st->log2_scale * M_LN2;
}

/* The fused E-step of one sequence of a 1-D Gaussian HMM.
 *
 * Forward: with e_t[k] = exp(LL[t,k] - m_t) (m_t the row maximum) the usual
 * scaled recursion divides the predicted vector by c_t = sum_k pred_t[k] e_t[k]
 * at every step, which puts a division and a log on the loop's critical path.
 * Here the predicted vector is left unnormalised, a' = A^T (a' * e_t), and only
 * rescaled by an exact power of 2 when it leaves [2^-256, 2^256].  With
 * s_t = sum_k a'_t[k] e_t[k] the normaliser of the scaled form is
 * c_t = s_t / s_{t-1} (s_{-1} = 1, both after rescaling), so
 *   filtered f_t = a'_t e_t / s_t,    log p(y) = log s_{T-1} + sum_t m_t + (rescaling),
 * and the division 1/s_t is off the recursion's dependency chain.  It stores
 * F = f_t and H_t = e_t / c_t, what the backward pass needs.
 *
 * Backward (identical to backward_impl in hmm_infer.c): beta_T = 1,
 * G = H_{t+1} beta_{t+1}, beta_t = A G, transition counts += f_t G^T (times A at
 * the end), gamma_t = f_t beta_t normalised; gamma is folded straight into the
 * sufficient statistics (sum_w, sum_y, sum_yy) and never stored.
 *
 * Returns log p(y); -inf with *bad_t when a step has probability 0 under every
 * state; NaN when a normaliser is subnormal or not finite (the caller then uses
 * the general path, which handles every case). */
static inline __attribute__((always_inline)) double estep_gauss1_impl(
    int K, size_t T, const double *pi, const double *A, int mode, const double *y, const double *v, const double *mu,
    const double *hp, const double *cs, int C, double *cnt, double *F, double *H, double *trans, double *initial,
    double *sw, double *sy, double *syy, size_t *bad_t) {
  double L[URN_HMM_STACK_K * G1_BLOCK], mx[G1_BLOCK];
  double a[URN_HMM_STACK_K];
  URN_UNROLL
  for (int k = 0; k < K; k++) a[k] = pi[k];
  fwd_state st = {1.0, 1.0, 0.0, 0};
  for (size_t t0 = 0; t0 < T; t0 += G1_BLOCK) {
    size_t n = T - t0 < G1_BLOCK ? T - t0 : G1_BLOCK;
    const double *yb = y + t0;
    URN_UNROLL
    for (int k = 0; k < K; k++) {
      double *Lk = L + (size_t)k * G1_BLOCK, m = mu[k], h = hp[k], c = cs[k];
      if (mode == FUSED_GAUSS)
        for (size_t i = 0; i < n; i++) {
          double r = yb[i] - m;
          Lk[i] = c - h * r * r;
        }
      else if (mode == FUSED_CAT) /* log p_k[class]: the table mu (K x C) */
        for (size_t i = 0; i < n; i++) Lk[i] = mu[(size_t)k * C + (size_t)yb[i]];
      else if (mode == FUSED_U) /* c + a u (mu = a) */
        for (size_t i = 0; i < n; i++) Lk[i] = c + m * yb[i];
      else /* c + a u + b v (mu = a, hp = b) */
        for (size_t i = 0; i < n; i++) Lk[i] = c + m * yb[i] + h * v[t0 + i];
    }
    for (size_t i = 0; i < n; i++) mx[i] = L[i];
    URN_UNROLL
    for (int k = 1; k < K; k++)
      for (size_t i = 0; i < n; i++) {
        double x = L[(size_t)k * G1_BLOCK + i];
        mx[i] = x > mx[i] ? x : mx[i];
      }
    URN_UNROLL
    for (int k = 0; k < K; k++) {
      double *Lk = L + (size_t)k * G1_BLOCK;
      for (size_t i = 0; i < n; i++) Lk[i] -= mx[i];
    }
    if (n == G1_BLOCK) {
      urn__hmm_exp_neg((size_t)K * G1_BLOCK, L);
    } else {
      for (int k = 0; k < K; k++) urn__hmm_exp_neg(n, L + (size_t)k * G1_BLOCK);
    }
    for (size_t i = 0; i < n; i++) {
      size_t t = t0 + i;
      int rc = fwd_unnorm_step(K, A, a, L + i, G1_BLOCK, mx[i], F + t * (size_t)K, H + t * (size_t)K, &st);
      if (rc) {
        *bad_t = t;
        return rc < 0 ? -INFINITY : NAN;
      }
    }
  }
  double loglik = fwd_loglik(&st);

  double beta[URN_HMM_STACK_K], G[URN_HMM_STACK_K], nb[URN_HMM_STACK_K];
  double acc[URN_HMM_STACK_K * URN_HMM_STACK_K], w[URN_HMM_STACK_K], wy[URN_HMM_STACK_K], wyy[URN_HMM_STACK_K];
  URN_UNROLL
  for (int k = 0; k < K; k++) beta[k] = 1.0, w[k] = wy[k] = wyy[k] = 0.0;
  URN_UNROLL
  for (int i = 0; i < K * K; i++) acc[i] = 0.0;
  double g[URN_HMM_STACK_K];
  URN_UNROLL
  for (int k = 0; k < K; k++) g[k] = 0.0; /* (T = 0) */
  for (size_t tt = T; tt-- > 0;) {
    const double *f = F + tt * (size_t)K;
    if (tt + 1 < T) urn__hmm_back_step(K, A, H + (tt + 1) * (size_t)K, 1.0, f, beta, acc, G, nb);
    double tot = 0.0;
    URN_UNROLL
    for (int k = 0; k < K; k++) {
      g[k] = f[k] * beta[k];
      tot += g[k];
    }
    double inv = tot > 0.0 ? 1.0 / tot : 0.0;
    double yt = y[tt], yy = mode == FUSED_GAUSS ? yt * yt : mode == FUSED_UV ? v[tt] : 0.0;
    URN_UNROLL
    for (int k = 0; k < K; k++) {
      double gk = g[k] * inv;
      g[k] = gk;
      w[k] += gk;
      if (mode == FUSED_CAT) cnt[(size_t)k * C + (size_t)yt] += gk;
      else wy[k] += gk * yt;
      if (mode != FUSED_U && mode != FUSED_CAT) wyy[k] += gk * yy;
    }
  }
  URN_UNROLL
  for (int k = 0; k < K; k++) {
    initial[k] += g[k];
    sw[k] += w[k];
    sy[k] += wy[k];
    syy[k] += wyy[k];
  }
  URN_UNROLL
  for (int i = 0; i < K * K; i++) trans[i] = acc[i] * A[i];
  return loglik;
}

double urn__hmm_estep_gauss1(int K, size_t T, const double *pi, const double *A, const double *y,
                             const double *mu, const double *hp, const double *cs, double *F, double *H,
                             double *trans, double *initial, double *sw, double *sy, double *syy, size_t *bad_t) {
  const int g = FUSED_GAUSS;
  switch (K) {
  case 2: return estep_gauss1_impl(2, T, pi, A, g, y, NULL, mu, hp, cs, 0, NULL, F, H, trans, initial, sw, sy, syy, bad_t);
  case 3: return estep_gauss1_impl(3, T, pi, A, g, y, NULL, mu, hp, cs, 0, NULL, F, H, trans, initial, sw, sy, syy, bad_t);
  case 4: return estep_gauss1_impl(4, T, pi, A, g, y, NULL, mu, hp, cs, 0, NULL, F, H, trans, initial, sw, sy, syy, bad_t);
  default: return estep_gauss1_impl(K, T, pi, A, g, y, NULL, mu, hp, cs, 0, NULL, F, H, trans, initial, sw, sy, syy, bad_t);
  }
}

/* The same E-step for log-likelihoods linear in one or two features per step (the emission families'
 * exponential-family form, hmm_family.c): L[t][k] = c[k] + a[k] u_t (+ b[k] v_t when v), su += g u, sv += g v. */
double urn__hmm_estep_linear(int K, size_t T, const double *pi, const double *A, const double *u, const double *v,
                             const double *a, const double *b, const double *c, double *F, double *H, double *trans,
                             double *initial, double *sw, double *su, double *sv, size_t *bad_t) {
  if (!v) switch (K) {
    case 2: return estep_gauss1_impl(2, T, pi, A, FUSED_U, u, NULL, a, a, c, 0, NULL, F, H, trans, initial, sw, su, sv, bad_t);
    case 3: return estep_gauss1_impl(3, T, pi, A, FUSED_U, u, NULL, a, a, c, 0, NULL, F, H, trans, initial, sw, su, sv, bad_t);
    default: return estep_gauss1_impl(K, T, pi, A, FUSED_U, u, NULL, a, a, c, 0, NULL, F, H, trans, initial, sw, su, sv, bad_t);
    }
  switch (K) {
  case 2: return estep_gauss1_impl(2, T, pi, A, FUSED_UV, u, v, a, b, c, 0, NULL, F, H, trans, initial, sw, su, sv, bad_t);
  case 3: return estep_gauss1_impl(3, T, pi, A, FUSED_UV, u, v, a, b, c, 0, NULL, F, H, trans, initial, sw, su, sv, bad_t);
  default: return estep_gauss1_impl(K, T, pi, A, FUSED_UV, u, v, a, b, c, 0, NULL, F, H, trans, initial, sw, su, sv, bad_t);
  }
}

/* The same E-step for a categorical emission (class codes y): L[t][k] = logp[k][y_t] (K x C), cnt[k][c] += g. */
double urn__hmm_estep_categorical(int K, int C, size_t T, const double *pi, const double *A, const double *y,
                                  const double *logp, double *F, double *H, double *trans, double *initial, double *sw,
                                  double *cnt, size_t *bad_t) {
  switch (K) {
  case 2: return estep_gauss1_impl(2, T, pi, A, FUSED_CAT, y, NULL, logp, logp, logp, C, cnt, F, H, trans, initial, sw,
                                   sw, sw, bad_t);
  case 3: return estep_gauss1_impl(3, T, pi, A, FUSED_CAT, y, NULL, logp, logp, logp, C, cnt, F, H, trans, initial, sw,
                                   sw, sw, bad_t);
  default: return estep_gauss1_impl(K, T, pi, A, FUSED_CAT, y, NULL, logp, logp, logp, C, cnt, F, H, trans, initial,
                                    sw, sw, sw, bad_t);
  }
}

/* Stan's hmm_marginal with its gradient in two passes (see urn_hmm_marginal in
 * hmm_infer.c for the layout and the formulas).  E (T x K) holds log_omega on
 * entry; F (T x K) and mx (T) are scratch.  The forward pass is the
 * unnormalised recursion of estep_gauss1_impl, leaving f_t in F and
 * H_t = e_t / c_t in E; the backward pass forms the gradients.  Returns 0 with
 * *logp set, -1 when a step has probability 0 (*bad_t), 1 when a normaliser is
 * subnormal or not finite (the caller falls back to the general code). */
static inline __attribute__((always_inline)) int marginal_impl(int K, size_t T, const double *A, const double *rho,
                                                              double *E, double *F, double *mx, double *logp,
                                                              double *d_log_omega, double *d_Gamma, double *d_rho,
                                                              size_t *bad_t) {
  double a[URN_HMM_STACK_K];
  urn__hmm_shift_exp_rows(K, T, E, mx);
  URN_UNROLL
  for (int k = 0; k < K; k++) a[k] = rho[k];
  fwd_state st = {1.0, 1.0, 0.0, 0};
  for (size_t t = 0; t < T; t++) {
    double *e = E + t * (size_t)K;
    int rc = fwd_unnorm_step(K, A, a, e, 1, mx[t], F + t * (size_t)K, e, &st);
    if (rc) {
      *bad_t = t;
      return rc;
    }
  }
  *logp = fwd_loglik(&st);
  if (!d_log_omega && !d_Gamma && !d_rho) return 0;
  double beta[URN_HMM_STACK_K], G[URN_HMM_STACK_K], nb[URN_HMM_STACK_K];
  double acc[URN_HMM_STACK_K * URN_HMM_STACK_K];
  URN_UNROLL
  for (int k = 0; k < K; k++) beta[k] = 1.0;
  URN_UNROLL
  for (int i = 0; i < K * K; i++) acc[i] = 0.0;
  for (size_t tt = T; tt-- > 0;) {
    double *f = F + tt * (size_t)K;
    if (tt + 1 < T) urn__hmm_back_step(K, A, E + (tt + 1) * (size_t)K, 1.0, f, beta, acc, G, nb);
    /* smoothed = f_t beta_t (sums to 1 up to rounding; Stan's gradient is this exactly) */
    URN_UNROLL
    for (int k = 0; k < K; k++) f[k] *= beta[k];
  }
  if (d_rho)
    for (int k = 0; k < K; k++) d_rho[k] = E[k] * beta[k];
  if (d_log_omega && d_log_omega != F) memcpy(d_log_omega, F, sizeof(double) * T * (size_t)K);
  if (d_Gamma)
    for (int i = 0; i < K; i++)
      for (int j = 0; j < K; j++) d_Gamma[i + (size_t)j * K] = acc[i * K + j];
  return 0;
}

int urn__hmm_marginal_fast(int K, size_t T, const double *A, const double *rho, double *E, double *F, double *mx,
                           double *logp, double *d_log_omega, double *d_Gamma, double *d_rho, size_t *bad_t) {
  switch (K) {
  case 2: return marginal_impl(2, T, A, rho, E, F, mx, logp, d_log_omega, d_Gamma, d_rho, bad_t);
  case 3: return marginal_impl(3, T, A, rho, E, F, mx, logp, d_log_omega, d_Gamma, d_rho, bad_t);
  case 4: return marginal_impl(4, T, A, rho, E, F, mx, logp, d_log_omega, d_Gamma, d_rho, bad_t);
  default: return marginal_impl(K, T, A, rho, E, F, mx, logp, d_log_omega, d_Gamma, d_rho, bad_t);
  }
}
