/* math/dist_common.c — helpers shared by the distribution implementations:
 * broadcast sizes, argument checks worded as Stan words them, and the
 * numerical derivative used for CDF partials with respect to shape
 * parameters of incomplete gamma/beta functions. */
#include <stdio.h>
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
