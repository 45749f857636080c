/* math/dist_count.c — more counting families: beta_neg_binomial, yule_simon,
 * discrete_range and hypergeometric, with their log mass functions (analytic
 * partials), CDFs and rngs.  Ratios of gamma functions are written as log
 * rising factorials (urn_log_rising_factorial) and differences of digammas
 * as dist_digamma_diff, so large parameters (the Poisson-like limits) keep
 * their digits.  As in Stan, a count outside the support is an error for
 * beta_neg_binomial (n < 0), yule_simon (n < 1) and hypergeometric, and
 * -inf for discrete_range. */
#include <stdio.h>
#include <stdlib.h>
#include "math/dist_impl.h"
#include "math/quad.h"

#define CHK(label, arg, rule) dist_check(fn, label, &(arg), rule, err)
#define P(j, i) DV(&p[j], i)
#define PI_(j, i) DI(&p[j], i)

/* ---------------- beta_neg_binomial(n | r, alpha, beta) ----------------
 * p(n) = Gamma(n + r) / (n! Gamma(r)) B(alpha + r, beta + n) / B(alpha, beta): negative binomial counts of
 * failures before the r-th success with a Beta(alpha, beta) success probability (mean r beta / (alpha - 1)). */

/* keep: 0 -lgamma(n + 1), 1 the rest. */
static inline void k_beta_neg_binomial(const double *x, const int *fresh, dist_kstate *st, double *lp, double *g) {
  double n = x[0], r = x[1], al = x[2], be = x[3];
  if (st->keep[0]) *lp -= urn_lgamma(n + 1);
  if (st->keep[1])
    *lp += urn_log_rising_factorial(r, n) + urn_log_rising_factorial(be, n) + urn_log_rising_factorial(al, r) -
           urn_log_rising_factorial(al + be, n + r);
  if (st->var[1]) g[1] = dist_digamma_diff(r, n) - dist_digamma_diff(r + al, n + be);
  if (st->var[2]) g[2] = dist_digamma_diff(al, r) - dist_digamma_diff(al + be, n + r);
  if (st->var[3]) g[3] = dist_digamma_diff(be, n) - dist_digamma_diff(al + be, n + r);
}

static const char *const L_BNB[] = {"Failures variable", "Number of successes parameter", "Prior success parameter",
                                    "Prior failure parameter"};

int urn_beta_neg_binomial_lpmf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const dist_spec S = {"beta_neg_binomial_lpmf", 4,
                              {"Failures variable", "Number of successes parameter", "Prior success parameter",
                               "Prior failure parameter"},
                              {DR_NONNEG, DR_POS_FINITE, DR_POS_FINITE, DR_POS_FINITE}};
  dist_kstate st;
  size_t N;
  if (dist_begin(&S, a, propto, &st, &N, err)) return URN_EREJECT;
  st.keep[0] = !propto, st.keep[1] = !propto || a[1].d || a[2].d || a[3].d;
  return dist_run(a, 4, N, k_beta_neg_binomial, &st, out);
}

/* The CDFs.  P(N <= n) sums the mass by its ratio p(k+1)/p(k) = (k + r)(k + beta) / ((k + 1)(k + r + alpha +
 * beta)) while n is small; the upper tail Q = P(N > n) is the Beta(alpha, beta) mixture of the negative
 * binomial tails, Q = E[I_{1-p}(n + 1, r)], integrated over u = p^alpha (which removes the p^(alpha-1)
 * singularity), so a small Q keeps its relative accuracy where 1 - P would not. */
typedef struct bnb_ctx {
  double n, r, al, be; /* the element */
  double lb;           /* log B(alpha, beta) */
} bnb_ctx;

static double bnb_tail_integrand(double u, void *vc) {
  const bnb_ctx *c = vc;
  if (u <= 0) return exp(-c->lb) / c->al; /* p = 0: I_1(n + 1, r) = 1 and (1 - p)^(beta - 1) = 1 */
  double p = exp(log(u) / c->al);
  if (p >= 1) return 0;
  /* p^(alpha-1) dp = du / alpha */
  return urn_inc_beta(c->n + 1, c->r, 1 - p) * exp((c->be - 1) * log1p(-p) - c->lb) / c->al;
}

static double bnb_log_pmf0_ratio_sum(const bnb_ctx *c) {
  /* log sum_{k=0..n} p(k), by the ratio recursion relative to p(0) = B(alpha + r, beta) / B(alpha, beta) */
  double lp0 = urn_lbeta(c->al + c->r, c->be) - c->lb, term = 1, s = 1;
  for (double k = 0; k < c->n; k++) {
    term *= (k + c->r) * (k + c->be) / ((k + 1) * (k + c->r + c->al + c->be));
    s += term;
  }
  return lp0 + log(s);
}

static void pq_beta_neg_binomial(const double *x, double *Pv, double *Qv) {
  bnb_ctx c = {x[0], x[1], x[2], x[3], urn_lbeta(x[2], x[3])};
  if (c.n < 0) {
    *Pv = 0, *Qv = 1;
    return;
  }
  if (c.n <= 2000) {
    double P = exp(bnb_log_pmf0_ratio_sum(&c));
    if (P < 0.5) {
      *Pv = P, *Qv = 1 - P;
      return;
    }
  }
  double Q = urn_quad(bnb_tail_integrand, &c, 0, 1, 1e-13, 0, NULL);
  *Qv = Q, *Pv = 1 - Q;
}

/* dP/d(r, alpha, beta) by the same ratio recursion as the sum: d log p(k) / dx starts from log p(0)'s
 * derivative and adds the derivative of each log ratio. */
static void bnb_sum_grad(const bnb_ctx *c, double dP[4]) {
  double lp0 = urn_lbeta(c->al + c->r, c->be) - c->lb, term = 1;
  double s0 = urn_digamma(c->al + c->r + c->be), sab = urn_digamma(c->al + c->be);
  double D[3] = {urn_digamma(c->al + c->r) - s0, urn_digamma(c->al + c->r) - s0 - urn_digamma(c->al) + sab, sab - s0};
  double S[3] = {D[0], D[1], D[2]};
  for (double k = 0; k < c->n; k++) {
    double t = k + c->r + c->al + c->be;
    term *= (k + c->r) * (k + c->be) / ((k + 1) * t);
    D[0] += 1 / (k + c->r) - 1 / t, D[1] -= 1 / t, D[2] += 1 / (k + c->be) - 1 / t;
    for (int j = 0; j < 3; j++) S[j] += term * D[j];
  }
  for (int j = 0; j < 3; j++) dP[1 + j] = exp(lp0) * S[j];
}

/* The upper-tail integrand's derivatives: which 1 = d/dr (inc_beta's b-partial), 2 = d/dalpha, 3 = d/dbeta
 * (the Beta density's log-derivative log p - psi(alpha) + psi(alpha + beta), resp. log(1 - p) - ...). */
typedef struct bnb_dctx {
  bnb_ctx c;    /* the element */
  int which;    /* the parameter */
  double dlb;   /* psi(alpha + beta) - psi(alpha) (which 2) or - psi(beta) (which 3) */
} bnb_dctx;

static double bnb_tail_dintegrand(double u, void *vc) {
  const bnb_dctx *d = vc;
  const bnb_ctx *c = &d->c;
  if (u <= 0) return 0; /* p = 0: I is 1 (no r-dependence); the alpha term's log p singularity is integrable */
  double p = exp(log(u) / c->al);
  if (p >= 1) return 0;
  double w = exp((c->be - 1) * log1p(-p) - c->lb) / c->al, db = 0;
  if (d->which == 1) {
    double da;
    urn_inc_beta_grad(c->n + 1, c->r, 1 - p, &da, &db);
    return db * w;
  }
  double f = urn_inc_beta(c->n + 1, c->r, 1 - p) * w;
  return f * ((d->which == 2 ? log(u) / c->al : log1p(-p)) + d->dlb);
}

static void core_beta_neg_binomial(const double *x, const int *need, dist_cdf_out *o) {
  double P, Q;
  pq_beta_neg_binomial(x, &P, &Q);
  double dP[4] = {0, 0, 0, 0};
  bnb_ctx c = {x[0], x[1], x[2], x[3], urn_lbeta(x[2], x[3])};
  if (c.n >= 0 && (need[1] || need[2] || need[3])) {
    if (c.n <= 2000 && P < 0.5) { /* the branch pq_beta_neg_binomial took: P by the finite sum */
      bnb_sum_grad(&c, dP);
    } else {                      /* Q by quadrature: dP = -dQ */
      double sab = urn_digamma(c.al + c.be);
      for (int j = 1; j < 4; j++) {
        if (!need[j]) continue;
        bnb_dctx d = {c, j, j == 2 ? sab - urn_digamma(c.al) : sab - urn_digamma(c.be)};
        dP[j] = -urn_quad(bnb_tail_dintegrand, &d, 0, 1, 1e-12, 0, NULL);
      }
    }
    for (int j = 1; j < 4; j++) /* extreme parameters (1e300, 1e-300): central differences as before */
      if (need[j] && !isfinite(dP[j])) dP[j] = dist_num_dP(pq_beta_neg_binomial, x, 4, j, P);
  }
  dist_from_pq(o, P, Q, dP, 4);
}
DIST_DEFINE_CDFS(beta_neg_binomial, 4, L_BNB, core_beta_neg_binomial, 0, DR_NONNEG, DR_POS_FINITE, DR_POS_FINITE,
                 DR_POS_FINITE)

int urn_beta_neg_binomial_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout, urn_error *err) {
  const char *fn = "beta_neg_binomial_rng";
  if (dist_rng_sizes(fn, p, 3, n, err) || CHK("Number of successes parameter", p[0], DR_POS_FINITE) ||
      CHK("Prior success parameter", p[1], DR_POS_FINITE) || CHK("Prior failure parameter", p[2], DR_POS_FINITE))
    return URN_EREJECT;
  for (size_t i = 0; i < n; i++) {
    /* p ~ Beta(alpha, beta), then a negative binomial: Poisson with a Gamma(r, p / (1 - p)) rate */
    double lx = dist_log_gamma_draw(r, P(1, i)), ly = dist_log_gamma_draw(r, P(2, i)); /* log-odds of p: lx - ly */
    double lam = exp(dist_log_gamma_draw(r, P(0, i)) + ly - lx);
    if (!(lam < 1073741824.0))
      return urn_error_set(err, URN_EREJECT,
                           "%s: the negative binomial rate drawn (%g) must be less than 1.07374e+09", fn, lam);
    if (dist_put_int(fn, dist_poisson_draw(r, lam), &iout[i], err)) return URN_EREJECT;
  }
  return URN_OK;
}

/* ---------------- yule_simon(n | alpha) ----------------
 * p(n) = alpha B(n, alpha + 1), n >= 1; P(N > n) = n B(n, alpha + 1) in closed form. */

/* keep: 0 lgamma(n) (Stan's constant), 1 log alpha - [lgamma(n + alpha + 1) - lgamma(alpha + 1)]. */
static inline void k_yule_simon(const double *x, const int *fresh, dist_kstate *st, double *lp, double *g) {
  double n = x[0], al = x[1];
  if (st->keep[0]) *lp += urn_lgamma(n);
  if (st->keep[1]) *lp += log(al) - urn_log_rising_factorial(al + 1, n);
  g[1] = 1 / al - dist_digamma_diff(al + 1, n);
}

static const char *const L_YS[] = {"Outcome variable", "Shape parameter"};

/* n >= 1 for every element (Stan's check). */
static int ys_check_n(const char *fn, const urn_darg *a, urn_error *err) {
  for (size_t i = 0; i < a->n; i++)
    if (a->iv[i] < 1) {
      char idx[32] = "";
      if (a->n > 1) snprintf(idx, sizeof idx, "[%zu]", i + 1);
      return urn_error_set(err, URN_EREJECT, "%s: Outcome variable%s is %d, but must be greater than or equal to 1",
                           fn, idx, a->iv[i]);
    }
  return URN_OK;
}

int urn_yule_simon_lpmf(const urn_darg *a, int propto, double *out, urn_error *err) {
  static const dist_spec S = {"yule_simon_lpmf", 2, {"Outcome variable", "Shape parameter"}, {-1, DR_POS_FINITE}};
  dist_kstate st;
  size_t N;
  if (dist_begin(&S, a, propto, &st, &N, err) || ys_check_n(S.fn, &a[0], err)) return URN_EREJECT;
  st.keep[0] = !propto, st.keep[1] = !propto || a[1].d;
  return dist_run(a, 2, N, k_yule_simon, &st, out);
}

static void core_yule_simon(const double *x, const int *need, dist_cdf_out *o) {
  double n = x[0], al = x[1];
  if (n < 1) {
    o->lp = -INFINITY, o->lq = 0;
    return;
  }
  /* log Q = log n + lbeta(n, alpha + 1) = lgamma(n + 1) - [lgamma(n + alpha + 1) - lgamma(alpha + 1)] */
  double lq = urn_lgamma(n + 1) - urn_log_rising_factorial(al + 1, n), dq = -dist_digamma_diff(al + 1, n);
  o->lq = lq, o->dlq[1] = dq;
  o->lp = urn_log1m_exp(lq), o->dlp[1] = -dq / expm1(-lq);
}
DIST_DEFINE_CDFS(yule_simon, 2, L_YS, core_yule_simon, 0, -1, DR_POS_FINITE)

int urn_yule_simon_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout, urn_error *err) {
  const char *fn = "yule_simon_rng";
  if (dist_rng_sizes(fn, p, 1, n, err) || CHK("Shape parameter", p[0], DR_POS_FINITE)) return URN_EREJECT;
  for (size_t i = 0; i < n; i++) {
    /* geometric on {1, 2, ...} with success probability exp(-W), W ~ exponential(alpha) */
    double w = -log(urn_rng_uniform(r)) / P(0, i), l1mp = urn_log1m_exp(-w);
    double k = 1 + floor(log(urn_rng_uniform(r)) / l1mp);
    if (!(k <= 2147483647.0)) return urn_error_set(err, URN_EREJECT, "%s: draw %g does not fit in an int", fn, k);
    iout[i] = (int)k;
  }
  return URN_OK;
}

/* ---------------- discrete_range(y | lower, upper) ---------------- */

static const char *const L_DR[] = {"Random variable", "Lower bound parameter", "Upper bound parameter"};

/* lower <= upper for every broadcast element. */
static int dr_bounds(const char *fn, const urn_darg *a, urn_error *err) {
  size_t n = a[1].n > a[2].n ? a[1].n : a[2].n;
  if (a[1].n == 0 || a[2].n == 0) return URN_OK;
  for (size_t i = 0; i < n; i++)
    if (DI(&a[2], i) < DI(&a[1], i))
      return urn_error_set(err, URN_EREJECT, "%s: Upper bound parameter is %d, but must be greater than or equal to %d",
                           fn, DI(&a[2], i), DI(&a[1], i));
  return URN_OK;
}

int urn_discrete_range_lpmf(const urn_darg *a, int propto, double *out, urn_error *err) {
  const char *fn = "discrete_range_lpmf";
  size_t N;
  if (dist_size(fn, a, 3, L_DR, &N, err) || dr_bounds(fn, a, err)) return URN_EREJECT;
  double lp = 0;
  for (size_t i = 0; i < N; i++) {
    int y = DI(&a[0], i), lo = DI(&a[1], i), hi = DI(&a[2], i);
    if (y < lo || y > hi) return *out = -INFINITY, URN_OK;
    if (!propto) lp -= log((double)hi - lo + 1);
  }
  *out = lp;
  return URN_OK;
}

static void core_discrete_range(const double *x, const int *need, dist_cdf_out *o) {
  double y = x[0], lo = x[1], hi = x[2], w = hi - lo + 1;
  if (y < lo) {
    o->lp = -INFINITY, o->lq = 0;
  } else if (y >= hi) {
    o->lp = 0, o->lq = -INFINITY;
  } else {
    o->lp = log((y - lo + 1) / w), o->lq = log((hi - y) / w);
  }
}
DIST_DEFINE_CDFS(discrete_range, 3, L_DR, core_discrete_range, dr_bounds(fn, a, err), -1, -1, -1)

int urn_discrete_range_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout, urn_error *err) {
  const char *fn = "discrete_range_rng";
  static const char *const L[] = {"Lower bound parameter", "Upper bound parameter"};
  if (dist_rng_sizes(fn, p, 2, n, err)) return URN_EREJECT;
  for (size_t i = 0; i < n; i++) {
    int lo = PI_(0, i), hi = PI_(1, i);
    if (hi < lo)
      return urn_error_set(err, URN_EREJECT, "%s: %s is %d, but must be greater than or equal to %d", fn, L[1], hi,
                           lo);
    iout[i] = (int)((long)lo + (long)urn_rng_below(r, (uint64_t)((long)hi - lo + 1)));
  }
  return URN_OK;
}

/* ---------------- hypergeometric(n | N, a, b): n successes in N draws without replacement from a
 * successes and b failures ---------------- */

/* Stan's checks: 0 <= n <= a, n <= N, 0 <= N - n <= b, N <= a + b. */
static int hg_check(const char *fn, int n, int N, int a, int b, urn_error *err) {
  if (a < 0 || b < 0)
    return urn_error_set(err, URN_EREJECT, "%s: %s is %d, but must be nonnegative!", fn,
                         a < 0 ? "Successes in population parameter" : "Failures in population parameter",
                         a < 0 ? a : b);
  if (N < 0 || N > a + b)
    return urn_error_set(err, URN_EREJECT, "%s: Draws parameter is %d, but must be in the interval [0, %d]", fn, N,
                         a + b);
  if (n < 0 || n > a)
    return urn_error_set(err, URN_EREJECT, "%s: Successes variable is %d, but must be in the interval [0, %d]", fn,
                         n, a);
  if (N - n < 0 || N - n > b)
    return urn_error_set(err, URN_EREJECT,
                         "%s: Draws parameter minus successes variable is %d, but must be in the interval [0, %d]",
                         fn, N - n, b);
  return URN_OK;
}

int urn_hypergeometric_lpmf(const urn_darg *a, int propto, double *out, urn_error *err) {
  const char *fn = "hypergeometric_lpmf";
  int n = a[0].iv[0], N = a[1].iv[0], s = a[2].iv[0], f = a[3].iv[0];
  if (hg_check(fn, n, N, s, f, err)) return URN_EREJECT;
  *out = propto ? 0 : urn_lchoose(s, n) + urn_lchoose(f, N - n) - urn_lchoose((double)s + f, N);
  return URN_OK;
}

int urn_hypergeometric_rng(urn_rng *r, const urn_darg *p, size_t n, double *out, int *iout, urn_error *err) {
  const char *fn = "hypergeometric_rng";
  int N = p[0].iv[0], s = p[1].iv[0], f = p[2].iv[0];
  int lo = N - f > 0 ? N - f : 0, hi = N < s ? N : s;
  if (hg_check(fn, lo, N, s, f, err)) return URN_EREJECT;
  /* inversion from the lower end of the support, the mass by its ratio p(k+1)/p(k) */
  double pk = exp(urn_lchoose(s, lo) + urn_lchoose(f, N - lo) - urn_lchoose((double)s + f, N));
  double u = urn_rng_uniform(r), c = pk;
  int k = lo;
  while (u > c && k < hi) {
    pk *= (double)(s - k) * (N - k) / ((double)(k + 1) * (f - N + k + 1));
    c += pk;
    k++;
  }
  iout[0] = k;
  return URN_OK;
}
