/* lang/fn_elem.c — the generic elementwise driver for scalar functions of 1 to 4 arguments with Stan's argument
 * checks (urn_elem_kernel, lang/fn.h): the special functions (beta, inc_beta, Bessel functions, ...) are one
 * kernel each, computing the value and its partials, and this driver applies it to scalars and, elementwise, to
 * conforming containers (the checker has made sure they conform: builtins.c's elementwise rule).  Every
 * argument is checked against its domain before the kernel runs: a violation rejects the evaluation with Stan's
 * message, "inc_beta: second argument is -1, but must be positive finite". */
#include <math.h>

#include "lang/fn.h"

static const char *dom_text(int dom) {
  switch (dom) {
    case URN_DOM_NOT_NAN: return "not nan";
    case URN_DOM_FINITE: return "finite";
    case URN_DOM_POS: return "positive";
    case URN_DOM_POS_FINITE: return "positive finite";
    case URN_DOM_NONNEG: return "nonnegative";
    case URN_DOM_UNIT: return "in the interval [0, 1]";
    case URN_DOM_PROB_OPEN: return "in the interval (0, 1)";
    case URN_DOM_LOG_PROB: return "less than or equal to 0";
    case URN_DOM_GE_M1E: return "greater than or equal to -1/e";
    case URN_DOM_M1E_0: return "in the interval [-1/e, 0)";
    case URN_DOM_NONNEG_FINITE: return "nonnegative and finite";
  }
  return "valid";
}

static int dom_ok(int dom, double x) {
  switch (dom) {
    case URN_DOM_ANY: return 1;
    case URN_DOM_NOT_NAN: return !isnan(x);
    case URN_DOM_FINITE: return isfinite(x);
    case URN_DOM_POS: return x > 0;
    case URN_DOM_POS_FINITE: return x > 0 && isfinite(x);
    case URN_DOM_NONNEG: return x >= 0;
    case URN_DOM_UNIT: return x >= 0 && x <= 1;
    case URN_DOM_PROB_OPEN: return x > 0 && x < 1;
    case URN_DOM_LOG_PROB: return x <= 0;
    case URN_DOM_GE_M1E: return x >= -0.36787944117144232160;
    case URN_DOM_M1E_0: return x >= -0.36787944117144232160 && x < 0;
    case URN_DOM_NONNEG_FINITE: return x >= 0 && isfinite(x);
  }
  return 1;
}

static const char *nth_name(const urn_elem_kernel *k, int i) {
  static const char *ord[] = {"first argument", "second argument", "third argument", "fourth argument"};
  return k->names[i] ? k->names[i] : ord[i];
}

/* Checks x[0..n) against the kernel's domains; rejects with Stan's message on a violation. */
static void check_args(urn_ev *ev, const urn_builtin *b, const urn_elem_kernel *k, const double *x) {
  for (int i = 0; i < k->nargs; i++)
    if (!dom_ok(k->dom[i], x[i])) {
      const char *what = dom_text(k->dom[i]);
      if (x[i] == floor(x[i]) && fabs(x[i]) < 1e15)
        urn_ev_reject(ev, "%s: %s is %.0f, but must be %s", b->name, nth_name(k, i), x[i], what);
      urn_ev_reject(ev, "%s: %s is %g, but must be %s", b->name, nth_name(k, i), x[i], what);
    }
  if (k->check) {
    const char *msg = k->check(x);
    if (msg) urn_ev_reject(ev, "%s: %s", b->name, msg);
  }
}

/* One element: value into *out, returns its tape node (or -1). */
static int32_t elem_one(urn_ev *ev, const urn_builtin *b, const urn_elem_kernel *k, const double *x, const int32_t *ix,
                        double *out, int intres) {
  check_args(ev, b, k, x);
  int var = 0;
  for (int i = 0; i < k->nargs; i++) var |= ix[i] >= 0;
  double d[URN_ELEM_MAX_ARGS] = {0};
  double f = k->f(x, var ? d : NULL);
  if (intres && !(fabs(f) <= 2147483647.0)) urn_ev_reject(ev, "%s: the result overflows an int (it is %g)", b->name, f);
  *out = f;
  if (!var) return -1;
  int32_t *o;
  double *p;
  urn_tape_begin(&ev->tape, (size_t)k->nargs, &o, &p);
  size_t m = 0;
  for (int i = 0; i < k->nargs; i++)
    if (ix[i] >= 0) o[m] = ix[i], p[m++] = d[i];
  return urn_tape_end(&ev->tape, f, m);
}

int32_t urn_fn_elem_s(urn_ev *ev, const urn_builtin *b, const double *x, const int32_t *ix, double *out) {
  const urn_elem_kernel *k = b->aux;
  return elem_one(ev, b, k, x, ix, out, 0); /* never an int result: intret kernels have no scalar path */
}

void urn_fn_elem(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_elem_kernel *k = b->aux;
  /* the result's shape: the first container that is not int-valued, else the first container */
  const urn_val *shape = NULL;
  int all_int = 1, var = 0;
  for (int i = 0; i < n; i++) {
    const urn_val *a = &args[i];
    all_int &= a->ty.base == URN_TY_INT;
    var |= a->ix != NULL;
    if (urn_is_scalar(a->ty)) continue;
    if (!shape || (shape->ty.base == URN_TY_INT && a->ty.base != URN_TY_INT)) shape = a;
  }
  int base = k->intret && all_int ? URN_TY_INT : URN_TY_REAL;
  if (!shape) {
    double x[URN_ELEM_MAX_ARGS];
    int32_t ix[URN_ELEM_MAX_ARGS];
    for (int i = 0; i < n; i++) x[i] = args[i].v[0], ix[i] = urn_val_ix(&args[i], 0);
    double v;
    int32_t r = elem_one(ev, b, k, x, ix, &v, base == URN_TY_INT);
    urn_val_set_scalar(ev, out, base, v, r);
    return;
  }
  size_t stride[URN_ELEM_MAX_ARGS];
  for (int i = 0; i < n; i++) {
    if (urn_is_scalar(args[i].ty)) { stride[i] = 0; continue; }
    stride[i] = 1;
    if (args[i].n != shape->n)
      urn_ev_reject(ev, "%s: size mismatch: argument %d has %zu elements, argument %d has %zu", b->name,
                    (int)(shape - args) + 1, shape->n, i + 1, args[i].n);
  }
  urn_val_like(ev, out, shape, shape->ty.base == URN_TY_INT ? base : shape->ty.base, var);
  for (size_t e = 0; e < shape->n; e++) {
    double x[URN_ELEM_MAX_ARGS];
    int32_t ix[URN_ELEM_MAX_ARGS];
    for (int i = 0; i < n; i++) x[i] = args[i].v[e * stride[i]], ix[i] = urn_val_ix(&args[i], e * stride[i]);
    double v;
    int32_t r = elem_one(ev, b, k, x, ix, &v, out->ty.base == URN_TY_INT);
    out->v[e] = v;
    if (var) out->ix[e] = r;
  }
}
