/* math/dist_common.c — helpers shared by the distribution implementations:
 * broadcast sizes, argument checks worded as Stan words them, and the
 * numerical derivative used for CDF partials with respect to shape
 * parameters of incomplete gamma/beta functions. */
#include <stdio.h>
#include <limits.h>
#include <string.h>
#include "math/dist_impl.h"

int dist_fail(urn_error *err, const char *fn, const char *label, long i, double v,
              const char *rule) {
  char idx[32] = "";
  if (i >= 0) snprintf(idx, sizeof idx, "[%ld]", i + 1);
  return urn_error_set(err, URN_EREJECT, "%s: %s%s is %g, but must be %s!", fn, label, idx, v,
                       rule);
}

int dist_size(const char *fn, const urn_darg *args, int nargs, const char *const *labels,
              size_t *N, urn_error *err) {
  size_t n = 1;
  int first = -1;
  for (int k = 0; k < nargs; k++) {
    if (args[k].n == 0) {
      *N = 0;
      return URN_OK;
    }
  }
  for (int k = 0; k < nargs; k++) {
    if (args[k].n == 1) continue;
    if (first < 0) {
      first = k;
      n = args[k].n;
    } else if (args[k].n != n) {
      return urn_error_set(err, URN_EREJECT, "%s: Size of %s (%zu) and %s (%zu) must match in size",
                           fn, labels[first], n, labels[k], args[k].n);
    }
  }
  *N = n;
  return URN_OK;
}

static const char *rule_text(dist_rule r) {
  switch (r) {
    case DR_NOT_NAN: return "not nan";
    case DR_FINITE: return "finite";
    case DR_POS_FINITE: return "positive finite";
    case DR_POSITIVE: return "positive";
    case DR_NONNEG: return "nonnegative";
    case DR_PROB: return "in the interval [0, 1]";
    case DR_UNIT_OPEN: return "in the interval (0, 1)";
  }
  return "valid";
}

static int rule_ok(double x, dist_rule r) {
  switch (r) {
    case DR_NOT_NAN: return !isnan(x);
    case DR_FINITE: return isfinite(x);
    case DR_POS_FINITE: return isfinite(x) && x > 0;
    case DR_POSITIVE: return x > 0;
    case DR_NONNEG: return x >= 0;
    case DR_PROB: return x >= 0 && x <= 1;
    case DR_UNIT_OPEN: return x > 0 && x < 1;
  }
  return 0;
}

int dist_check(const char *fn, const char *label, const urn_darg *a, dist_rule rule,
               urn_error *err) {
  /* fast path: a branch-free scan for the common rules on real arguments */
  if (a->v && (rule == DR_NOT_NAN || rule == DR_FINITE)) {
    int bad = 0;
    if (rule == DR_NOT_NAN)
      for (size_t i = 0; i < a->n; i++) bad |= a->v[i] != a->v[i];
    else
      for (size_t i = 0; i < a->n; i++) bad |= !(fabs(a->v[i]) <= 1.7976931348623157e308);
    if (!bad) return URN_OK;
  }
  for (size_t i = 0; i < a->n; i++) {
    double x = a->v ? a->v[i] : (double)a->iv[i];
    if (!rule_ok(x, rule))
      return dist_fail(err, fn, label, a->n > 1 ? (long)i : -1, x, rule_text(rule));
  }
  return URN_OK;
}

int dist_check_once(const char *fn, const char *label, const urn_darg *a, dist_rule rule, urn_error *err) {
  /* data arguments are checked once per call site: a 1000-element NaN scan per gradient is as costly as the
     density itself (M1) */
  if (a->memo && __atomic_load_n(&a->memo->checked, __ATOMIC_RELAXED)) return URN_OK;
  if (dist_check(fn, label, a, rule, err)) return URN_EREJECT;
  if (a->memo) __atomic_store_n(&a->memo->checked, 1, __ATOMIC_RELAXED);
  return URN_OK;
}

int dist_check_rules(const char *fn, const char *const *labels, const urn_darg *a, int nargs, const int *rules,
                     urn_error *err) {
  for (int j = 0; j < nargs; j++)
    if (rules[j] >= 0 && dist_check_once(fn, labels[j], &a[j], (dist_rule)rules[j], err)) return URN_EREJECT;
  return URN_OK;
}

int dist_begin(const dist_spec *s, const urn_darg *a, int propto, dist_kstate *k, size_t *N, urn_error *err) {
  if (dist_size(s->fn, a, s->nargs, s->label, N, err) || dist_check_rules(s->fn, s->label, a, s->nargs, s->rule, err))
    return URN_EREJECT;
  k->propto = propto;
  for (int j = 0; j < s->nargs; j++) k->var[j] = a[j].d != NULL;
  return URN_OK;
}

int dist_outside(const urn_darg *a, double lo, int strict, double hi) {
  for (size_t i = 0; i < a->n; i++) {
    double y = a->v ? a->v[i] : (double)a->iv[i];
    if (y < lo || (strict && y == lo) || y > hi) return 1;
  }
  return 0;
}

double dist_num_deriv(double (*f)(double x, const void *ctx), double x, const void *ctx) {
  /* Steps relative to x (shape parameters are positive); Richardson
   * extrapolation of the central differences at h and h/2 cancels the h^2
   * error term, leaving O(h^4) truncation and ~eps/h rounding error. */
  double h = 1e-3 * fmax(fabs(x), 1e-3);
  if (x - h <= 0 && x > 0) h = 0.5 * x;
  double d1 = (f(x + h, ctx) - f(x - h, ctx)) / (2 * h);
  double h2 = 0.5 * h;
  double d2 = (f(x + h2, ctx) - f(x - h2, ctx)) / (2 * h2);
  return (4 * d2 - d1) / 3;
}

/* ---- the CDF driver ---- */

/* Fills o from P, Q and dP[j] = d P / d arg j. */
void dist_from_pq(dist_cdf_out *o, double P, double Q, const double *dP, int nargs) {
  o->lp = log(P);
  o->lq = log(Q);
  for (int j = 0; j < nargs; j++) {
    o->dlp[j] = P > 0 ? dP[j] / P : 0;
    o->dlq[j] = Q > 0 ? -dP[j] / Q : 0;
  }
}

/* Context for differentiating P or Q with respect to x[j]. */
typedef struct dist_num_ctx {
  dist_cdf_pq pq;        /* the P/Q function */
  double x[DIST_CDF_MAXA];   /* argument values */
  int j;            /* argument varied */
  int want_q;       /* differentiate Q instead of P */
} dist_num_ctx;

static double dist_num_eval(double v, const void *vctx) {
  const dist_num_ctx *c = vctx;
  double x[DIST_CDF_MAXA], P, Q;
  memcpy(x, c->x, sizeof x);
  x[c->j] = v;
  c->pq(x, &P, &Q);
  return c->want_q ? Q : P;
}

/* d P / d x[j] numerically, from whichever of P and Q is smaller. */
double dist_num_dP(dist_cdf_pq pq, const double *x, int nargs, int j, double P) {
  dist_num_ctx c;
  memset(&c, 0, sizeof c);
  c.pq = pq;
  memcpy(c.x, x, sizeof(double) * nargs);
  c.j = j;
  c.want_q = P > 0.5;
  double d = dist_num_deriv(dist_num_eval, x[j], &c);
  return c.want_q ? -d : d;
}

/* Broadcasts, calls the core per element, and accumulates. */
int dist_cdf_drive(const char *fn, const char *const *labels, const urn_darg *a, int nargs,
                     dist_cdf_core core, int mode, double *out, urn_error *err) {
  size_t N;
  if (dist_size(fn, a, nargs, labels, &N, err)) return URN_EREJECT;
  int need[DIST_CDF_MAXA];
  for (int j = 0; j < nargs; j++) need[j] = a[j].d != NULL;
  double x[DIST_CDF_MAXA], sum = 0;
  dist_cdf_out o;
  int pass_count = mode == DIST_MODE_CDF ? 2 : 1;
  for (int pass = 0; pass < pass_count; pass++) {
    double scale = 1;
    if (mode == DIST_MODE_CDF && pass == 1) {
      scale = exp(sum);
      if (scale == 0) break;
    }
    for (size_t i = 0; i < N; i++) {
      for (int j = 0; j < nargs; j++) x[j] = a[j].v ? DV(&a[j], i) : (double)DI(&a[j], i);
      memset(&o, 0, sizeof o);
      int want_d = mode != DIST_MODE_CDF || pass == 1;
      int no_need[DIST_CDF_MAXA] = {0};
      core(x, want_d ? need : no_need, &o);
      double v = mode == DIST_MODE_LCCDF ? o.lq : o.lp;
      const double *dv = mode == DIST_MODE_LCCDF ? o.dlq : o.dlp;
      if (isnan(v))
        return urn_error_set(err, URN_EREJECT,
                             "%s: the result is not a number for these arguments (element %zu)",
                             fn, i + 1);
      if (pass == 0) sum += v;
      /* In a saturated tail (P or Q exactly 0 or 1 in double precision) the
       * formulas meet 0 * inf; the partial there is 0. */
      if (want_d)
        for (int j = 0; j < nargs; j++)
          if (need[j]) DADD(&a[j], i, isnan(dv[j]) ? 0 : scale * dv[j]);
    }
  }
  *out = mode == DIST_MODE_CDF ? exp(sum) : sum;
  return URN_OK;
}

/* ---- rng helpers ---- */

/* Checks every parameter has length 1 or n_out. */
int dist_rng_sizes(const char *fn, const urn_darg *p, int np, size_t n_out, urn_error *err) {
  for (int j = 0; j < np; j++)
    if (p[j].n != 1 && p[j].n != n_out)
      return urn_error_set(err, URN_EREJECT,
                           "%s: argument %d has size %zu, but the result has size %zu", fn, j + 1,
                           p[j].n, n_out);
  return URN_OK;
}

/* Stores a long draw as a Stan int, refusing overflow. */
int dist_put_int(const char *fn, long v, int *out, urn_error *err) {
  if (v > INT_MAX || v < INT_MIN)
    return urn_error_set(err, URN_EREJECT, "%s: draw %ld does not fit in an int", fn, v);
  *out = (int)v;
  return URN_OK;
}

int dist_check_ge(const char *fn, const char *label, const urn_darg *y, const urn_darg *lo, urn_error *err) {
  size_t n = y->n > lo->n ? y->n : lo->n;
  if (y->n == 0 || lo->n == 0) return URN_OK;
  for (size_t i = 0; i < n; i++) {
    double a = DV(y, i), b = DV(lo, i);
    if (!(a >= b)) {
      char idx[32] = "";
      if (y->n > 1) snprintf(idx, sizeof idx, "[%zu]", i + 1);
      return urn_error_set(err, URN_EREJECT, "%s: %s%s is %g, but must be greater than or equal to %g", fn, label,
                           idx, a, b);
    }
  }
  return URN_OK;
}

/* The asymptotic tail of digamma beyond log x - 1/(2x): -sum_k B_2k / (2k x^2k), x >= 10 (error < 1e-17). */
static double digamma_tail(double x) {
  double z = 1 / (x * x);
  double s = -1.0 / 12 + z * (1.0 / 120 + z * (-1.0 / 252 + z * (1.0 / 240 + z * (-1.0 / 132 +
                                                                              z * (691.0 / 32760 - z / 12)))));
  return s * z;
}

double dist_digamma_diff(double x, double n) {
  if (n == 0) return 0;
  if (n <= 32 && n == floor(n)) {
    double s = 0;
    for (int k = (int)n - 1; k >= 0; k--) s += 1 / (x + k);
    return s;
  }
  if (x >= 10) return log1p(n / x) - 0.5 / (x + n) + 0.5 / x + (digamma_tail(x + n) - digamma_tail(x));
  return urn_digamma(x + n) - urn_digamma(x);
}

double dist_digamma_tail_diff(double x, double n) {
  if (x >= 10) return digamma_tail(x + n) - digamma_tail(x);
  return dist_digamma_diff(x, n) - log1p(n / x) + 0.5 / (x + n) - 0.5 / x;
}

double dist_log_minus_digamma(double x) {
  if (x >= 10) return 0.5 / x - digamma_tail(x); /* psi(x) = log x - 1/(2x) + tail(x) */
  return log(x) - urn_digamma(x);
}
