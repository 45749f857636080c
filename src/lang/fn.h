/* lang/fn.h — what the built-in implementation files (fn_*.c) share: their
 * tables, merged by builtins.c, and the generic machinery for elementwise
 * functions (a unary kernel f, f'; a binary kernel with two partials) so that
 * one kernel serves scalars, arrays, vectors and matrices. */
#ifndef URN_LANG_FN_H
#define URN_LANG_FN_H

#include "lang/builtins.h"
#include "lang/eval.h"

extern const urn_builtin urn_fn_math_table[];   /* fn_math.c: elementwise math, constants */
extern const urn_builtin urn_fn_ops_table[];    /* fn_ops.c: operators */
extern const urn_builtin urn_fn_array_table[];  /* fn_array.c: reductions, constructors, sizes */
extern const urn_builtin urn_fn_linalg_table[]; /* fn_linalg.c: matrix algebra, hmm_* */
extern const urn_builtin urn_fn_ode_table[];    /* fn_ode.c: ODE solvers */
extern const urn_builtin urn_fn_gp_table[];     /* fn_gp.c: Gaussian-process covariance functions */
extern const urn_builtin urn_fn_solve_table[];  /* fn_solve.c: algebraic solvers, map_rect */

/* Higher-order built-ins (fn_ode.c).  The evaluation of a function passed by
 * name (lower.c wires it): a FUNCTION-typed value that carries the ir_fun. */
void urn_fn_g_funref(urn_ev *ev, const ir_ex *e, urn_val *out);
/* The user function carried by such a value. */
const ir_fun *urn_fn_funref(const urn_val *v);
/* Calls user function f with argument values args[0..n) (shared, not copied). */
void urn_fn_call_user(urn_ev *ev, const ir_fun *f, urn_val *args, int n, urn_val *out);
/* Reverse sweep of the tape's nodes [lo, n) (callbacks from index cb_lo)
 * from root with adjoint 1, leaving older nodes' adjoints alone: the
 * Jacobian row of root with respect to fresh nodes made after lo. */
void urn_fn_local_sweep(urn_tape *t, size_t lo, size_t cb_lo, int32_t root);

/* Distributions (fn_dist.c): aux is the urn_dist, aux2 the urn_dist_fnkind. */
void urn_fn_dist(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n);
/* The same with an explicit propto switch (the ~ statement). */
void urn_fn_dist_call(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n, const int *is_var,
                      int propto);

/* A unary elementwise kernel: f(x) and f'(x) given fx = f(x). */
typedef struct urn_unary_kernel {
  double (*f)(double x);
  double (*df)(double x, double fx);
} urn_unary_kernel;
/* A binary elementwise kernel: *f = f(x, y), *dx, *dy its partials. */
typedef void (*urn_binary_kernel)(double x, double y, double *f, double *dx, double *dy);

void urn_fn_unary(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n);
int32_t urn_fn_unary_s(urn_ev *ev, const urn_builtin *b, const double *x, const int32_t *ix, double *out);
void urn_fn_binary(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n);
int32_t urn_fn_binary_s(urn_ev *ev, const urn_builtin *b, const double *x, const int32_t *ix, double *out);
/* Runs a general implementation through its scalar kernel when all arguments are scalars. */
void urn_fn_via_scalar(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n);

/* Result value of a given type/shape as template `like` (with int promoted when promote). */
void urn_val_like(urn_ev *ev, urn_val *out, const urn_val *like, int base, int with_ix);
/* A scalar result stored in arena memory. */
void urn_val_set_scalar(urn_ev *ev, urn_val *out, int base, double v, int32_t ix);
/* Reads a scalar argument's tape node (-1 when constant). */
static inline int32_t urn_val_ix(const urn_val *x, size_t i) { return x->ix ? x->ix[i] : -1; }

#endif
