/* lang/check_call.c — the checker's function calls (see check.h, check_impl.h):
 * overload resolution over the user's functions and the built-in table by
 * Stan's rule (of the signatures that accept the arguments, the one needing
 * the fewest int -> real promotions wins; a tie is an error, also between a
 * user function and a built-in of the same name), the suffix rules of calls
 * (_rng, _lp, _lupdf), the `|` of conditional densities, data-only
 * arguments, and the signatures that higher-order built-ins (ODE and
 * algebraic solvers, map_rect, reduce_sum) require of the function they are
 * given.  The result is left on the call: its type, the user overload
 * (urn_expr.fun) or built-in entry (urn_expr.builtin), nothing to redo. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "lang/check_impl.h"

/* Context rules for calling a function with this suffix; reports a violation. */
static void check_suffix_use(checker *C, const char *name, int suffix, int line, int col) {
  chk_context *x = &C->ctx;
  int fsuf = x->fun ? x->fun->suffix : -1;
  if (suffix == URN_SUF_RNG) {
    int ok = x->fun ? fsuf == URN_SUF_RNG : (x->block == URN_BLK_TDATA || x->block == URN_BLK_GQ);
    if (!ok)
      chk_error(C, line, col,
                "%s: random number generators are only allowed in transformed data, generated "
                "quantities and functions ending in _rng",
                name);
  } else if (suffix == URN_SUF_LP) {
    int ok = x->fun ? fsuf == URN_SUF_LP : (x->block == URN_BLK_MODEL || x->block == URN_BLK_TPARAMS);
    if (!ok)
      chk_error(C, line, col,
                "%s: functions ending in _lp are only allowed in the model block, transformed "
                "parameters and functions ending in _lp",
                name);
  } else if (suffix == URN_SUF_JACOBIAN) {
    int ok = x->fun ? fsuf == URN_SUF_JACOBIAN : x->block == URN_BLK_TPARAMS;
    if (!ok)
      chk_error(C, line, col,
                "%s: functions ending in _jacobian are only allowed in transformed parameters and "
                "functions ending in _jacobian",
                name);
  } else if (suffix == URN_SUF_LUPDF || suffix == URN_SUF_LUPMF) {
    /* Stan: the model block and densities (not _lp functions, which transformed parameters may call) */
    int ok = x->fun ? (fsuf == URN_SUF_LPDF || fsuf == URN_SUF_LPMF) : x->block == URN_BLK_MODEL;
    if (!ok)
      chk_error(C, line, col,
                "%s: unnormalized densities (_lupdf/_lupmf) are only allowed in the model block and in "
                "functions ending in _lpdf or _lpmf; use the _lpdf/_lpmf form",
                name);
  }
}

static int is_density_suffix(int suf) {
  return suf == URN_SUF_LPDF || suf == URN_SUF_LPMF || suf == URN_SUF_LUPDF || suf == URN_SUF_LUPMF ||
         suf == URN_SUF_LCDF || suf == URN_SUF_LCCDF || suf == URN_SUF_CDF;
}

/* Writes "(real, vector, int)" for the types tys[0..n). */
static void format_types(const urn_type *tys, int n, char *out, size_t cap) {
  size_t k = (size_t)snprintf(out, cap, "(");
  for (int i = 0; i < n && k < cap; i++) {
    char t[64];
    urn_type_format(tys[i], t, sizeof t);
    k += (size_t)snprintf(out + k, cap - k, "%s%s", i ? ", " : "", t);
  }
  if (k < cap) snprintf(out + k, cap - k, ")");
}

/* "foo(int, real)" for a user function's signature, appended at out + *k. */
static void format_sig(const urn_fundef *f, char *out, size_t cap, size_t *k) {
  if (*k >= cap) return;
  *k += (size_t)snprintf(out + *k, cap - *k, "%s(", f->name);
  for (int j = 0; j < f->nparams && *k < cap; j++) {
    char t[64];
    urn_type_format(f->params[j]->ty, t, sizeof t);
    *k += (size_t)snprintf(out + *k, cap - *k, "%s%s%s", j ? ", " : "", f->params[j]->data_only ? "data " : "", t);
  }
  if (*k < cap) *k += (size_t)snprintf(out + *k, cap - *k, ")");
}

/* The user's signatures of name, "f(int), f(real)", for messages; only those at cost `at` when at >= 0. */
static void describe_user(checker *C, const char *name, const urn_type *tys, int n, int at, char *out, size_t cap) {
  size_t k = 0;
  out[0] = 0;
  for (int i = 0; i < C->p->nfuns && k < cap; i++) {
    urn_fundef *f = C->p->funs[i];
    if (strcmp(f->name, name) != 0 || f->definition != f) continue;
    if (at >= 0) {
      int c = 0, ok = f->nparams == n;
      for (int j = 0; ok && j < n; j++) {
        int cj = chk_pass_cost(tys[j], f->params[j]->ty);
        if (cj < 0) ok = 0;
        else c += cj;
      }
      if (!ok || c != at) continue;
    }
    if (k) k += (size_t)snprintf(out + k, cap - k, ", ");
    format_sig(f, out, cap, &k);
  }
}

int chk_pass_cost(urn_type got, urn_type want) { return urn_type_promotes(got, want); }

urn_fundef *chk_best_user(checker *C, const char *name, const urn_type *tys, int n, int *cost, int *ties,
                          int *found) {
  urn_fundef *best = NULL;
  *cost = INT_MAX, *ties = 0, *found = 0;
  for (int i = 0; i < C->p->nfuns; i++) {
    urn_fundef *f = C->p->funs[i];
    if (strcmp(f->name, name) != 0) continue;
    *found = 1;
    /* a forward declaration stands for its definition: count the pair once */
    if (f->definition != f || f->nparams != n) continue;
    int c = 0;
    for (int j = 0; j < n && c >= 0; j++) {
      int cj = chk_pass_cost(tys[j], f->params[j]->ty);
      c = cj < 0 ? -1 : c + cj;
    }
    if (c < 0) continue;
    if (c < *cost) best = f, *cost = c, *ties = 1;
    else if (c == *cost) (*ties)++;
  }
  return best;
}

/* Reports an ambiguous call: several overloads need the same, fewest, promotions. */
static void report_ambiguous(checker *C, const char *name, const char *user_name, const urn_type *tys, int n,
                             int cost, const urn_builtin *b, int line, int col) {
  char types[256], which[1024];
  format_types(tys, n, types, sizeof types);
  describe_user(C, user_name, tys, n, cost, which, sizeof which);
  char *last = NULL;
  for (char *q = strstr(which, "), "); q; q = strstr(q + 1, "), ")) last = q;
  if (last && !b && strlen(which) + 4 < sizeof which) { /* "f(a), f(b)" -> "f(a) and f(b)" */
    memmove(last + 6, last + 3, strlen(last + 3) + 1);
    memcpy(last + 1, " and ", 5);
  }
  if (b) {
    size_t k = strlen(which);
    snprintf(which + k, sizeof which - k, "%sthe built-in %s", k ? " and " : "", b->name);
  }
  chk_error(C, line, col,
            "the call %s%s is ambiguous: %s accept it with the same number of int-to-real promotions (%d); "
            "Stan requires a unique signature needing the fewest promotions (add an overload for exactly these "
            "argument types)",
            name, types, which, cost);
}

/* A user function passed by name to a higher-order built-in (fa, a VAR): the overload whose arguments
 * accept tys[0..n) with the fewest promotions, set as fa->fun; reports ambiguity.  When none accepts
 * them, the first overload with n arguments (or NULL), for the caller's message naming the mismatch. */
static urn_fundef *fit_funarg(checker *C, urn_expr *fa, const urn_type *tys, int n) {
  int cost, ties, found;
  urn_fundef *f = chk_best_user(C, fa->fun->name, tys, n, &cost, &ties, &found);
  if (f && ties > 1) report_ambiguous(C, fa->fun->name, fa->fun->name, tys, n, cost, NULL, fa->line, fa->col);
  for (int i = 0; !f && i < C->p->nfuns; i++) {
    urn_fundef *g = C->p->funs[i];
    if (g->definition == g && g->nparams == n && strcmp(g->name, fa->fun->name) == 0) f = g;
  }
  if (f) fa->fun = f;
  return f;
}

/* The function passed as argument 0 of a higher-order call, at its definition. */
static urn_fundef *funarg(urn_expr *e) {
  urn_fundef *f = e->nargs ? e->args[0]->fun : NULL;
  return f && f->definition ? f->definition : f;
}

/* The trailing arguments e->args[first..] of a variadic higher-order call, passed on to f's parameters
 * f->params[pfirst..]: each must convert to its parameter's type, and must be data where f declares the
 * parameter 'data' (stanc3's rule for every variadic built-in: ODE, DAE, reduce_sum, algebraic solvers). */
static void check_variadic_args(checker *C, urn_expr *e, int first, const urn_fundef *f, int pfirst) {
  char b1[64], b2[64];
  for (int k = 0; first + k < e->nargs && pfirst + k < f->nparams; k++) {
    urn_expr *a = e->args[first + k];
    const urn_type want = f->params[pfirst + k]->ty;
    if (chk_pass_cost(a->ty, want) < 0)
      chk_error(C, a->line, a->col, "argument %d of %s is %s, but %s's argument %d is %s", first + k + 1, e->name,
                chk_tyname(a->ty, b1, sizeof b1), f->name, pfirst + k + 1, chk_tyname(want, b2, sizeof b2));
    else if (f->params[pfirst + k]->data_only && !a->data_only)
      chk_error(C, a->line, a->col, "argument %d of %s must be data (%s declares it 'data'), but it depends on parameters",
                first + k + 1, e->name, f->name);
  }
}

/* An ODE solver call: the system function's signature must fit the call,
 * and x_r, x_i and the tolerances must be data (as stanc3 requires). */
static void check_ode_call(checker *C, urn_expr *e) {
  int old = strncmp(e->name, "integrate_ode", 13) == 0;
  int tol = old ? e->nargs == 10 : strstr(e->name, "_tol") != NULL;
  if (!funarg(e)) return;
  urn_type real = chk_mk(URN_TY_REAL, 0);
  if (old) {
    urn_type want[5] = {real, chk_mk(URN_TY_REAL, 1), chk_mk(URN_TY_REAL, 1), chk_mk(URN_TY_REAL, 1),
                        chk_mk(URN_TY_INT, 1)};
    urn_fundef *f = fit_funarg(C, e->args[0], want, 5);
    int ok = f && f->ret.base == URN_TY_REAL && f->ret.dims == 1;
    for (int i = 0; ok && i < 5; i++) ok = chk_same(f->params[i]->ty, want[i]);
    if (!ok)
      chk_error(C, e->args[0]->line, e->args[0]->col,
                "the system function %s of %s must be declared array[] real %s(real t, array[] real y, array[] "
                "real theta, data array[] real x_r, data array[] int x_i)",
                e->args[0]->name, e->name, e->args[0]->name);
    for (int i = 5; i < e->nargs; i++)
      if (!e->args[i]->data_only)
        chk_error(C, e->args[i]->line, e->args[i]->col, "argument %d of %s (%s) must be data, but it depends on parameters",
                  i + 1, e->name,
                  i == 5 ? "x_r" : i == 6 ? "x_i" : i == 7 ? "rel_tol" : i == 8 ? "abs_tol" : "max_num_steps");
    return;
  }
  /* ode_adjoint_tol_ctl: eleven data control arguments after the times */
  static const char *const ctl[3] = {"rel_tol", "abs_tol", "max_num_steps"};
  static const char *const adj_ctl[11] = {"relative_tolerance_forward", "absolute_tolerance_forward",
                                    "relative_tolerance_backward", "absolute_tolerance_backward",
                                    "relative_tolerance_quadrature", "absolute_tolerance_quadrature", "max_num_steps",
                                    "num_steps_between_checkpoints", "interpolation_polynomial", "solver_forward",
                                    "solver_backward"};
  int adj = strcmp(e->name, "ode_adjoint_tol_ctl") == 0;
  int first = adj ? 15 : tol ? 7 : 4, nextra = e->nargs - first;
  for (int i = 4; i < first; i++)
    if (!e->args[i]->data_only)
      chk_error(C, e->args[i]->line, e->args[i]->col, "argument %d of %s (%s) must be data, but it depends on parameters",
                i + 1, e->name, adj ? adj_ctl[i - 4] : ctl[i - 4]);
  urn_type want[66];
  int nw = 0;
  want[nw++] = real, want[nw++] = chk_mk(URN_TY_VECTOR, 0);
  for (int k = 0; k < nextra && nw < 66; k++) want[nw++] = e->args[first + k]->ty;
  urn_fundef *f = fit_funarg(C, e->args[0], want, nw);
  if (!f || f->ret.base != URN_TY_VECTOR || f->ret.dims != 0 || nw < 2 || !chk_same(f->params[0]->ty, real) ||
      !chk_same(f->params[1]->ty, want[1])) {
    chk_error(C, e->args[0]->line, e->args[0]->col,
              "the system function %s of %s must be declared vector %s(real t, vector y, ...) with one argument "
              "after y for each of the %d argument%s after %s",
              e->args[0]->name, e->name, e->args[0]->name, nextra, nextra == 1 ? "" : "s",
              adj ? "solver_backward" : tol ? "max_num_steps" : "the times");
    return;
  }
  check_variadic_args(C, e, first, f, 2);
}

/* dae / dae_tol: vector F(real t, vector y, vector yp, ...) fitting the extra arguments; t0, ts and the
 * tolerances must be data (as stanc3 requires). */
static void check_dae_call(checker *C, urn_expr *e) {
  int tol = strcmp(e->name, "dae_tol") == 0, first = tol ? 8 : 5, nextra = e->nargs - first;
  static const char *what[8] = {NULL, NULL, NULL, "initial_time", "times", "rel_tol", "abs_tol", "max_num_steps"};
  if (!funarg(e)) return;
  for (int i = 3; i < first; i++)
    if (!e->args[i]->data_only)
      chk_error(C, e->args[i]->line, e->args[i]->col, "argument %d of %s (%s) must be data, but it depends on parameters",
                i + 1, e->name, what[i]);
  urn_type want[67];
  int nw = 0;
  want[nw++] = chk_mk(URN_TY_REAL, 0), want[nw++] = chk_mk(URN_TY_VECTOR, 0), want[nw++] = chk_mk(URN_TY_VECTOR, 0);
  for (int k = 0; k < nextra && nw < 67; k++) want[nw++] = e->args[first + k]->ty;
  urn_fundef *f = fit_funarg(C, e->args[0], want, nw);
  int ok = f && f->ret.base == URN_TY_VECTOR && f->ret.dims == 0;
  for (int i = 0; ok && i < 3; i++) ok = chk_same(f->params[i]->ty, want[i]);
  if (!ok) {
    chk_error(C, e->args[0]->line, e->args[0]->col,
              "the residual function %s of %s must be declared vector %s(real t, vector y, vector yp, ...) with one "
              "argument after yp for each of the %d argument%s after %s",
              e->args[0]->name, e->name, e->args[0]->name, nextra, nextra == 1 ? "" : "s",
              tol ? "max_num_steps" : "the times");
    return;
  }
  check_variadic_args(C, e, first, f, 3);
}

/* reduce_sum(f, x, grainsize, ...): f(x-slice, int start, int end, ...) returning real. */
static void check_reduce_sum(checker *C, urn_expr *e) {
  char b1[64];
  if (!funarg(e)) return;
  urn_type sl = e->args[1]->ty;
  if (sl.dims >= 1 && (urn_base_is_complex(sl.base) || sl.base == URN_TY_TUPLE)) {
    urn_type inner = sl;
    inner.dims = 0;
    chk_error(C, e->args[1]->line, e->args[1]->col,
              "the inner type of %s's sliced array must be real, int, vector, row_vector or matrix, not %s", e->name,
              chk_tyname(inner, b1, sizeof b1));
    return;
  }
  int nextra = e->nargs - 3;
  urn_type want[66];
  int nw = 0;
  want[nw++] = e->args[1]->ty, want[nw++] = chk_mk(URN_TY_INT, 0), want[nw++] = chk_mk(URN_TY_INT, 0);
  for (int k = 0; k < nextra && nw < 66; k++) want[nw++] = e->args[3 + k]->ty;
  urn_fundef *f = fit_funarg(C, e->args[0], want, nw);
  if (!f || f->ret.base != URN_TY_REAL || f->ret.dims != 0 || chk_pass_cost(want[0], f->params[0]->ty) < 0 ||
      !chk_same(f->params[1]->ty, want[1]) || !chk_same(f->params[2]->ty, want[2])) {
    chk_error(C, e->args[0]->line, e->args[0]->col,
              "the function %s of %s must be declared real %s(%s slice, int start, int end, ...) with one argument "
              "after end for each of the %d argument%s after grainsize",
              e->args[0]->name, e->name, e->args[0]->name, chk_tyname(e->args[1]->ty, b1, sizeof b1), nextra,
              nextra == 1 ? "" : "s");
    return;
  }
  check_variadic_args(C, e, 3, f, 3);
}

/* An algebraic solver or map_rect call: the function's signature must fit. */
static void check_solver_call(checker *C, urn_expr *e) {
  if (!funarg(e)) return;
  urn_type vec = chk_mk(URN_TY_VECTOR, 0);
  int fixed = strncmp(e->name, "algebra_solver", 14) == 0 || strcmp(e->name, "map_rect") == 0;
  if (fixed) {
    urn_type want[4] = {vec, vec, chk_mk(URN_TY_REAL, 1), chk_mk(URN_TY_INT, 1)};
    urn_fundef *f = fit_funarg(C, e->args[0], want, 4);
    int ok = f && f->ret.base == URN_TY_VECTOR && f->ret.dims == 0;
    for (int i = 0; ok && i < 4; i++) ok = chk_same(f->params[i]->ty, want[i]);
    if (!ok)
      chk_error(C, e->args[0]->line, e->args[0]->col,
                "the function %s of %s must be declared vector %s(vector %s, vector theta, data array[] real x_r, "
                "data array[] int x_i)",
                e->args[0]->name, e->name, e->args[0]->name, e->name[0] == 'm' ? "phi" : "y");
    for (int i = 3; i < e->nargs; i++)
      if (!e->args[i]->data_only)
        chk_error(C, e->args[i]->line, e->args[i]->col, "argument %d of %s must be data, but it depends on parameters",
                  i + 1, e->name);
    return;
  }
  int tol = strstr(e->name, "_tol") != NULL, first = tol ? 5 : 2, nextra = e->nargs - first;
  for (int i = 2; i < first; i++)
    if (!e->args[i]->data_only)
      chk_error(C, e->args[i]->line, e->args[i]->col, "argument %d of %s (a tolerance) must be data", i + 1, e->name);
  urn_type want[66];
  int nw = 0;
  want[nw++] = vec;
  for (int k = 0; k < nextra && nw < 66; k++) want[nw++] = e->args[first + k]->ty;
  urn_fundef *f = fit_funarg(C, e->args[0], want, nw);
  if (!f || f->ret.base != URN_TY_VECTOR || f->ret.dims != 0 || !chk_same(f->params[0]->ty, vec)) {
    chk_error(C, e->args[0]->line, e->args[0]->col,
              "the system function %s of %s must be declared vector %s(vector y, ...) with one argument after y for "
              "each of the %d argument%s after %s",
              e->args[0]->name, e->name, e->args[0]->name, nextra, nextra == 1 ? "" : "s",
              tol ? "max_num_steps" : "the initial guess");
    return;
  }
  check_variadic_args(C, e, first, f, 1);
}

/* An integrate_1d call: the integrand's signature must fit, x_r, x_i and the tolerances must be data. */
static void check_integrate_call(checker *C, urn_expr *e) {
  if (!funarg(e)) return;
  urn_type real = chk_mk(URN_TY_REAL, 0);
  int old = strcmp(e->name, "integrate_1d") == 0, tol = strstr(e->name, "_tol") != NULL;
  int first = old ? 3 : tol ? 6 : 3, nextra = e->nargs - first;
  if (old) {
    urn_type want[5] = {real, real, chk_mk(URN_TY_REAL, 1), chk_mk(URN_TY_REAL, 1), chk_mk(URN_TY_INT, 1)};
    urn_fundef *f = fit_funarg(C, e->args[0], want, 5);
    int ok = f && chk_same(f->ret, real);
    for (int i = 0; ok && i < 5; i++) ok = chk_same(f->params[i]->ty, want[i]);
    if (!ok)
      chk_error(C, e->args[0]->line, e->args[0]->col,
                "the integrand %s of integrate_1d must be declared real %s(real x, real xc, array[] real theta, "
                "data array[] real x_r, data array[] int x_i)",
                e->args[0]->name, e->args[0]->name);
    for (int i = 4; i < e->nargs; i++)
      if (!e->args[i]->data_only)
        chk_error(C, e->args[i]->line, e->args[i]->col, "argument %d of integrate_1d must be data, but it depends on "
                  "parameters", i + 1);
    return;
  }
  for (int i = 3; i < first; i++)
    if (!e->args[i]->data_only)
      chk_error(C, e->args[i]->line, e->args[i]->col, "argument %d of %s (a tolerance) must be data", i + 1, e->name);
  urn_type want[66];
  int nw = 0;
  want[nw++] = real, want[nw++] = real;
  for (int k = 0; k < nextra && nw < 66; k++) want[nw++] = e->args[first + k]->ty;
  urn_fundef *f = fit_funarg(C, e->args[0], want, nw);
  if (!f || !chk_same(f->ret, real) || !chk_same(f->params[0]->ty, real) || !chk_same(f->params[1]->ty, real)) {
    chk_error(C, e->args[0]->line, e->args[0]->col,
              "the integrand %s of %s must be declared real %s(real x, real xc, ...) with one argument after xc for "
              "each of the %d argument%s after %s",
              e->args[0]->name, e->name, e->args[0]->name, nextra, nextra == 1 ? "" : "s", tol ? "max_depth" : "b");
    return;
  }
  check_variadic_args(C, e, first, f, 2);
}

/* ---- functions without higher-order derivatives in a Laplace likelihood (stanc3's rule) ---- */

typedef struct ad_walk {
  const urn_fundef *seen[64]; /* user functions already walked */
  int nseen;                  /* their number */
} ad_walk;

static const char *ad_stmt(ad_walk *w, const urn_stmt *s);

/* The first built-in called by e (or by the user functions it calls) that Stan cannot differentiate twice. */
static const char *ad_expr(ad_walk *w, const urn_expr *e) {
  static const char *const bad[] = {"algebra_solver", "solve_", "ode_", "integrate_ode", "dae", "reduce_sum",
                                    "map_rect", "hmm_marginal", "laplace_", "integrate_1d"};
  if (!e) return NULL;
  const char *r = NULL;
  if (e->kind == URN_EX_CALL && e->builtin)
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
      if (strncmp(e->name, bad[i], strlen(bad[i])) == 0) return e->name;
  if (e->kind == URN_EX_CALL && e->fun && e->fun->body) {
    int seen = 0;
    for (int i = 0; i < w->nseen; i++) seen |= w->seen[i] == e->fun;
    if (!seen && w->nseen < 64) {
      w->seen[w->nseen++] = e->fun;
      if ((r = ad_stmt(w, e->fun->body))) return r;
    }
  }
  if ((r = ad_expr(w, e->cond)) || (r = ad_expr(w, e->lhs)) || (r = ad_expr(w, e->rhs))) return r;
  for (int i = 0; i < e->nargs; i++)
    if ((r = ad_expr(w, e->args[i]))) return r;
  for (int i = 0; i < e->nidx; i++)
    if ((r = ad_expr(w, e->idx[i].lo)) || (r = ad_expr(w, e->idx[i].hi))) return r;
  return NULL;
}

static const char *ad_stmt(ad_walk *w, const urn_stmt *s) {
  if (!s) return NULL;
  const char *r = NULL;
  if (s->kind == URN_ST_DECL && s->decl && (r = ad_expr(w, s->decl->init))) return r;
  if ((r = ad_expr(w, s->lhs)) || (r = ad_expr(w, s->rhs)) || (r = ad_expr(w, s->cond)) || (r = ad_expr(w, s->lo)) ||
      (r = ad_expr(w, s->hi)) || (r = ad_stmt(w, s->body)) || (r = ad_stmt(w, s->else_body)))
    return r;
  for (int i = 0; i < s->nstmts; i++)
    if ((r = ad_stmt(w, s->stmts[i]))) return r;
  for (int i = 0; i < s->nargs; i++)
    if ((r = ad_expr(w, s->args[i]))) return r;
  return NULL;
}

/* The embedded Laplace functions: the tuple arguments must fit the likelihood (real f(vector theta, ...)) and
 * the covariance function (matrix K(...)); the options are (vector, real, int, int, int, int). */
static void check_laplace_fn(checker *C, urn_expr *e, const char *nm, int fi, int with_theta, int ret_base, const char *what,
                             int solve) {
  char b1[64];
  urn_expr *fa = e->args[fi], *ta = e->args[fi + 1];
  if (!fa->fun) return;
  if (ta->ty.base != URN_TY_TUPLE || ta->ty.dims) {
    chk_error(C, ta->line, ta->col, "argument %d of %s must be a tuple of the arguments of %s (one argument: (x,)), but is %s",
              fi + 2, nm, fa->name, chk_tyname(ta->ty, b1, sizeof b1));
    return;
  }
  urn_type want[65];
  int nw = 0;
  if (with_theta) want[nw++] = chk_mk(URN_TY_VECTOR, 0);
  for (int k = 0; k < ta->ty.tup->n && nw < 65; k++) want[nw++] = ta->ty.tup->elem[k];
  urn_fundef *f = fit_funarg(C, fa, want, nw);
  int ok = f && f->nparams == nw && f->ret.base == ret_base && f->ret.dims == 0 && f->suffix == URN_SUF_NONE;
  for (int i = 0; ok && i < nw; i++) ok = chk_pass_cost(want[i], f->params[i]->ty) >= 0;
  if (ok && with_theta) ok = chk_same(f->params[0]->ty, want[0]);
  if (ok && with_theta) {
    ad_walk w = {.nseen = 1, .seen = {f}};
    const char *bad = ad_stmt(&w, f->body);
    if (bad)
      chk_error(C, fa->line, fa->col,
                "the function %s, called by the likelihood function %s, has no higher-order derivatives in Stan and "
                "cannot be used in an embedded Laplace approximation",
                bad, fa->name);
  }
  if (ok && with_theta && f->params[0]->data_only)
    chk_error(C, fa->line, fa->col, "the first argument (theta) of the likelihood function %s of %s cannot be 'data'",
              fa->name, nm);
  for (int k = 0; ok && k < ta->ty.tup->n; k++) {
    urn_expr *c = ta->kind == URN_EX_TUPLE && k < ta->nargs ? ta->args[k] : ta;
    int need = f->params[k + with_theta]->data_only || (solve && C->ctx.block != URN_BLK_GQ);
    if (need && !c->data_only)
      chk_error(C, c->line, c->col, "component %d of argument %d of %s must be data (%s), but it depends on parameters",
                k + 1, fi + 2, nm, solve ? "laplace_latent_solve outside generated quantities" : "declared 'data'");
  }
  if (!ok)
    chk_error(C, fa->line, fa->col,
              "the %s function %s of %s must be declared %s %s(%s...) taking %s the %d component%s of the tuple "
              "after it",
              what, fa->name, nm, ret_base == URN_TY_REAL ? "real" : "matrix", fa->name,
              with_theta ? "vector theta, " : "", with_theta ? "after theta" : "", ta->ty.tup->n,
              ta->ty.tup->n == 1 ? "" : "s");
}

static void check_laplace_call(checker *C, urn_expr *e, const char *nm) {
  char b1[64];
  int user = strcmp(nm, "laplace_marginal") == 0 || strcmp(nm, "laplace_marginal_tol") == 0 ||
             strncmp(nm, "laplace_latent_solve", 20) == 0 || strcmp(nm, "laplace_latent_rng") == 0 ||
             strcmp(nm, "laplace_latent_tol_rng") == 0;
  int tol = strstr(nm, "_tol") != NULL, solve = strncmp(nm, "laplace_latent_solve", 20) == 0;
  int kf = user ? 3 : strstr(nm, "neg_binomial_2") ? 5 : 4; /* the covariance function */
  if (e->nargs != kf + 2 + tol) return;
  if (user) check_laplace_fn(C, e, nm, 0, 1, URN_TY_REAL, "likelihood", solve);
  check_laplace_fn(C, e, nm, kf, 0, URN_TY_MATRIX, "covariance", solve);
  if (!tol) return;
  urn_expr *o = e->args[kf + 2];
  static const unsigned char want[6] = {URN_TY_VECTOR, URN_TY_REAL, URN_TY_INT, URN_TY_INT, URN_TY_INT, URN_TY_INT};
  int ok = o->ty.base == URN_TY_TUPLE && !o->ty.dims && o->ty.tup->n == 6;
  for (int i = 0; ok && i < 6; i++) ok = chk_pass_cost(o->ty.tup->elem[i], chk_mk(want[i], 0)) >= 0;
  if (!ok)
    chk_error(C, o->line, o->col,
              "the options of %s must be a tuple (vector theta_init, real tol, int max_num_steps, int solver, int "
              "max_steps_linesearch, int allow_fallback), but are %s",
              nm, chk_tyname(o->ty, b1, sizeof b1));
  else if (!o->data_only)
    chk_error(C, o->line, o->col, "the options of %s must be data, but they depend on parameters", nm);
}

/* The rules a higher-order built-in adds to its call (the system function's signature, data arguments):
 * the function passed is a plain one (no _lp, _rng, _jacobian; reduce_sum also takes _lpdf / _lpmf). */
static void check_higher_order(checker *C, urn_expr *e, const char *name) {
  urn_fundef *f = funarg(e);
  if (f) {
    int suf = f->suffix, rs = strncmp(name, "reduce_sum", 10) == 0;
    if (suf != URN_SUF_NONE && !(rs && (suf == URN_SUF_LPDF || suf == URN_SUF_LPMF)))
      chk_error(C, e->args[0]->line, e->args[0]->col,
                "%s cannot take the function %s: it needs a plain function (no _lp, _rng, _jacobian, ... "
                "suffix%s)",
                name, e->args[0]->name, rs ? "; _lpdf and _lpmf are allowed" : "");
  }
  if (strncmp(name, "ode_", 4) == 0 || strncmp(name, "integrate_ode", 13) == 0) check_ode_call(C, e);
  if (strncmp(name, "solve_", 6) == 0 || strncmp(name, "algebra_solver", 14) == 0 || strcmp(name, "map_rect") == 0)
    check_solver_call(C, e);
  if (strncmp(name, "reduce_sum", 10) == 0) check_reduce_sum(C, e);
  if (strncmp(name, "integrate_1d", 12) == 0) check_integrate_call(C, e);
  if (strcmp(name, "dae") == 0 || strcmp(name, "dae_tol") == 0) check_dae_call(C, e);
  if (strncmp(name, "laplace_", 8) == 0) check_laplace_call(C, e, name);
}

/* A user function chosen for a call: its `data` arguments must receive data. */
static void check_data_args(checker *C, urn_expr *e, const urn_fundef *f, const char *name) {
  for (int i = 0; i < e->nargs; i++)
    if (f->params[i]->data_only && !e->args[i]->data_only)
      chk_error(C, e->args[i]->line, e->args[i]->col,
                "argument %d of %s must be data-only (declared 'data'), but it depends on parameters", i + 1, name);
}

void chk_resolve_call(checker *C, urn_expr *e, const char *name, int line, int col) {
  char types[256], avail[1024];
  for (int i = 0; i < e->nargs; i++)
    if (chk_is_err(e->args[i]->ty)) {
      e->ty = chk_mk(URN_TY_ERROR, 0);
      return;
    }
  int suffix = urn_fun_suffix_of(name);
  e->propto = suffix == URN_SUF_LUPDF || suffix == URN_SUF_LUPMF;
  /* foo_lupdf calls the user's foo_lpdf */
  char user_name[512];
  snprintf(user_name, sizeof user_name, "%s", name);
  size_t len = strlen(name);
  if (e->propto && len < sizeof user_name)
    snprintf(user_name + len - 6, sizeof user_name - (len - 6), "%s", suffix == URN_SUF_LUPDF ? "_lpdf" : "_lpmf");
  urn_vardecl *var = chk_lookup(C, name);
  if (var && !urn_builtin_exists(name)) { /* a variable hides a user function while in scope (Stan) */
    chk_error(C, line, col, "'%s' is a variable here (declared at line %d), not a function", name, var->line);
    e->ty = chk_mk(URN_TY_ERROR, 0);
    return;
  }
  urn_type argt[64], ret = chk_mk(URN_TY_ERROR, 0);
  int n = e->nargs < 64 ? e->nargs : 64;
  for (int i = 0; i < n; i++) argt[i] = e->args[i]->ty;
  int ucost, ties, found, bcost = -1;
  urn_fundef *f = chk_best_user(C, user_name, argt, n, &ucost, &ties, &found);
  const urn_builtin *b = e->nargs <= 64 ? urn_builtin_resolve_cost(name, argt, n, &ret, &bcost) : NULL;
  if (f && b && bcost == ucost) {
    report_ambiguous(C, name, user_name, argt, n, ucost, b, line, col);
    e->ty = chk_mk(URN_TY_ERROR, 0);
    return;
  }
  if (f && (!b || ucost < bcost)) {
    if (ties > 1) {
      report_ambiguous(C, name, user_name, argt, n, ucost, NULL, line, col);
      e->ty = chk_mk(URN_TY_ERROR, 0);
      return;
    }
    check_data_args(C, e, f, name);
    e->fun = f;
    e->ty = f->ret;
    return;
  }
  if (b) {
    e->builtin = b;
    e->ty = ret;
    for (int i = 0; i < e->nargs; i++)
      if (urn_builtin_data_arg(b, i) && !e->args[i]->data_only)
        chk_error(C, e->args[i]->line, e->args[i]->col,
                  "argument %d of %s must be data only (Stan requires a value that does not depend on parameters "
                  "here), but it does",
                  i + 1, name);
    check_higher_order(C, e, name);
    return;
  }
  format_types(argt, n, types, sizeof types);
  if (found) {
    describe_user(C, user_name, argt, n, -1, avail, sizeof avail);
    if (urn_builtin_exists(name)) {
      char lib[600];
      urn_builtin_describe(name, lib, sizeof lib);
      size_t k = strlen(avail);
      snprintf(avail + k, sizeof avail - k, ", %s", lib);
    }
    chk_error(C, line, col, "no signature of %s matches the arguments %s; available: %s", name, types, avail);
  } else if (urn_builtin_exists(name)) {
    urn_builtin_describe(name, avail, sizeof avail);
    /* Stan has min/max of two ints only; fmin/fmax are the real-valued ones */
    int two = n == 2 && (strcmp(name, "min") == 0 || strcmp(name, "max") == 0);
    chk_error(C, line, col, "no signature of %s matches the arguments %s; available: %s%s%s", name, types, avail,
              two ? "; for two reals use f" : "", two ? name : "");
  } else {
    char hint[160];
    chk_suggest(C, name, 0, hint, sizeof hint);
    chk_error(C, line, col, "unknown function '%s'%s", name, hint);
  }
  e->ty = chk_mk(URN_TY_ERROR, 0);
}

/* A function named by an argument (reduce_sum(partial_sum, ...)): sets a->fun (the first overload;
 * the higher-order call's rules pick the one its signature needs).  0 when a is not a function name.
 * `foo_lupdf` names the user's foo_lpdf, where an unnormalized density may be used. */
int chk_function_argument(checker *C, urn_expr *a) {
  if (a->kind != URN_EX_VAR || chk_lookup(C, a->name)) return 0;
  const char *written = a->name;
  size_t len = strlen(written);
  int unnorm = urn_fun_suffix_of(written) == URN_SUF_LUPDF || urn_fun_suffix_of(written) == URN_SUF_LUPMF;
  if (!chk_find_fun(C, written) && unnorm && len < 500) {
    char alt[512];
    snprintf(alt, sizeof alt, "%.*s_lp%s", (int)(len - 6), written, written[len - 2] == 'd' ? "df" : "mf");
    if (chk_find_fun(C, alt)) a->name = chk_find_fun(C, alt)->name;
  }
  urn_fundef *f = chk_find_fun(C, a->name);
  if (!f) return 0;
  if (unnorm) check_suffix_use(C, written, URN_SUF_LUPDF, a->line, a->col);
  a->fun = f->definition ? f->definition : f;
  a->ty = chk_mk(URN_TY_FUNCTION, 0);
  a->data_only = 1, a->pure = 1;
  return 1;
}

void chk_call(checker *C, urn_expr *e) {
  int data_only = 1, pure = 1;
  for (int i = 0; i < e->nargs; i++) {
    urn_expr *a = e->args[i];
    if (chk_function_argument(C, a)) continue;
    chk_expr(C, a);
    data_only &= a->data_only;
    pure &= a->pure;
  }
  int suffix = urn_fun_suffix_of(e->name);
  check_suffix_use(C, e->name, suffix, e->line, e->col);
  if (e->has_bar && !is_density_suffix(suffix)) {
    chk_error(C, e->line, e->col,
              "'|' is only used with density and CDF functions (_lpdf, _lpmf, _lupdf, _lupmf, "
              "_lcdf, _lccdf, _cdf), not with %s",
              e->name);
    e->ty = chk_mk(URN_TY_ERROR, 0);
  } else if (!e->has_bar && e->nargs >= 2 &&
             (suffix == URN_SUF_LPDF || suffix == URN_SUF_LPMF || suffix == URN_SUF_LUPDF || suffix == URN_SUF_LUPMF)) {
    chk_error(C, e->line, e->col, "%s needs '|' after its first argument: %s(y | ...)", e->name, e->name);
    e->ty = chk_mk(URN_TY_ERROR, 0);
  } else {
    chk_resolve_call(C, e, e->name, e->line, e->col);
  }
  /* Stan's levels: a draw is data; an _lp function reads target; ints never carry derivatives */
  int rng = suffix == URN_SUF_RNG || (e->builtin && (e->builtin->flags & URN_BI_RNG));
  int lp = suffix == URN_SUF_LP, jac = suffix == URN_SUF_JACOBIAN; /* read / add to the log density */
  e->data_only = (unsigned char)(rng || (data_only && !lp) || e->ty.base == URN_TY_INT);
  e->pure = (unsigned char)(pure && !rng && !lp && !jac);
}
