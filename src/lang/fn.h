/* lang/fn.h — what the built-in implementation files (fn_*.c) share: their
 * tables, merged by builtins.c, and the generic machinery for elementwise
 * functions (a unary kernel f, f'; a binary kernel with two partials) so that
 * one kernel serves scalars, arrays, vectors and matrices. */
#ifndef URN_LANG_FN_H
#define URN_LANG_FN_H

#include "lang/builtins.h"
#include <setjmp.h>

#include "lang/eval.h"

extern const urn_builtin urn_fn_math_table[];   /* fn_math.c: elementwise math, constants */
extern const urn_builtin urn_fn_ops_table[];    /* fn_ops.c: operators */
extern const urn_builtin urn_fn_array_table[];  /* fn_array.c: reductions, constructors, sizes */
extern const urn_builtin urn_fn_linalg_table[]; /* fn_linalg.c: matrix algebra, hmm_* */
extern const urn_builtin urn_fn_ode_table[];    /* fn_ode.c: ODE solvers */
extern const urn_builtin urn_fn_ode_adj_table[]; /* fn_ode_adj.c: ode_adjoint_tol_ctl */
extern const urn_builtin urn_fn_dae_table[];     /* fn_dae.c: dae, dae_tol */
extern const urn_builtin urn_fn_gp_table[];     /* fn_gp.c: Gaussian-process covariance functions */
extern const urn_builtin urn_fn_solve_table[];  /* fn_solve.c: algebraic solvers, map_rect */
extern const urn_builtin urn_fn_transform_table[]; /* fn_transform.c: *_constrain, *_jacobian, *_unconstrain */
extern const urn_builtin urn_fn_construct_table[]; /* fn_construct.c: ones_*, zeros_*, one_hot_*, identity_matrix... */
extern const urn_builtin urn_fn_matrix_table[];    /* fn_matrix.c: spd/right division, trace forms, matrix_exp, csr_* */
extern const urn_builtin urn_fn_decomp_table[];    /* fn_decomp.c: qr_*, singular_values, svd_U, svd_V */
extern const urn_builtin urn_fn_integrate_table[]; /* fn_integrate.c: integrate_1d and its 2.37 variadic forms */
extern const urn_builtin urn_fn_laplace_table[];   /* fn_laplace.c: the embedded Laplace approximation (Stan 2.37) */
extern const urn_builtin urn_fn_special_table[];   /* fn_special.c: beta, inc_beta, Bessel, lambert_w, hypergeometric... */
extern const urn_builtin urn_fn_complex_table[];  /* fn_complex.c: complex scalar functions and arithmetic */
extern const urn_builtin urn_fn_complex_la_table[]; /* fn_complex_la.c: complex linear algebra, fft, eigen, svd */
extern const urn_builtin urn_fn_complex_array_table[]; /* fn_complex_array.c: complex containers reshaped, sliced */

/* A tuple-returning built-in assembled from single-result ones (qr = (qr_Q, qr_R), svd = (svd_U,
 * singular_values, svd_V), eigendecompose_sym, csr_extract): the entry's aux points at a urn_fn_parts and
 * its fn is urn_fn_tuple_parts, which fills component c with fn[c] called under the entry's name with aux2[c]
 * (so each component has the values, checks, messages and gradient of its single-result built-in). */
typedef struct urn_fn_parts {
  int n;                  /* number of components (<= 4) */
  urn_builtin_fn fn[4];   /* the implementation of each component */
  int aux2[4];            /* the aux2 that selects the component in it */
} urn_fn_parts;
void urn_fn_tuple_parts(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n);

/* Higher-order built-ins (fn_usys.c).  The evaluation of a function passed by
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

/* reduce_sum / reduce_sum_static and map_rect on the run's thread pool (fn_par.c; ev->tpool). */
void urn_fn_reduce_sum(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n);
void urn_fn_map_rect(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n);

/* A user-defined system F(y, ...) called repeatedly by a numerical solver (fn_usys.c; the ODE right-hand side
 * in fn_ode.c, the DAE residual F(t, y, y', ...) in fn_dae.c, the algebraic system in fn_solve.c), with its
 * Jacobians taken from the tape.  Each call runs in a private arena and a private stretch of the tape, both cut
 * back afterwards.  Zero-initialise, fill the first block of fields, then urn_usys_begin; setjmp in the caller's
 * frame, calling urn_usys_end on the way out. */
typedef struct urn_usys {
  urn_ev *ev;            /* the evaluation */
  const ir_fun *f;       /* the user's function */
  size_t N;              /* size of the state y (and of F's value) */
  urn_val *fargs;        /* the function's arguments (a template; the states' slots are filled per call) */
  int nfargs;            /* their number */
  int ys;                /* index of the state argument in fargs */
  int ys2;               /* index of a second state argument of size N (the DAE's y'), or 0 for none */
  size_t Kp;             /* parameter-dependent scalars among the other arguments */
  int *p_arg;            /* fargs index of each */
  size_t *p_pos;         /* entry within it */
  double *J, *Jp;        /* dF/dy (N x N row-major), dF/dp (N x Kp row-major) */
  double *J2;            /* dF/dy2 (N x N row-major; with a second state) */
  urn_arena priv;        /* the function's temporaries, reset after every call */
  urn_arena outer;       /* the evaluation's arena while priv is swapped in */
  int swapped;           /* ev->arena is priv */
  jmp_buf saved_jb;      /* the evaluation's error exit */
  urn_val *saved_frame;  /* the evaluation's function frame */
  int saved_depth;       /* and call depth */
  int fwd_try;           /* F may run in forward mode (fn_usys_fwd.c; the ODE solvers set it before the first call):
                            then between calls only the states and the values of argument 0 (the time) change */
  int fwd_done;          /* the translation for it was tried (urn_usys_begin clears it) */
  struct urn_usys_fwd *fwd; /* that translation, or NULL (F outside its subset) */
} urn_usys;
/* Saves the evaluation's frame, depth and error exit and creates the private arena. */
void urn_usys_begin(urn_usys *u);
/* Restores what urn_usys_begin saved and frees the private arena (also after a rejection). */
void urn_usys_end(urn_usys *u);
/* F(y): its values into out[0..N) when it returns N values; with jac 1 also J, with 2 also Jp.  Returns the
 * number of values F returned (the caller rejects a mismatch with its own message). */
size_t urn_usys_call(urn_usys *u, const double *y, double *out, int jac);
/* The same with a second state argument y2 (u->ys2): jac also fills J2. */
size_t urn_usys_call2(urn_usys *u, const double *y, const double *y2, double *out, int jac);
/* F translated for forward mode (fn_usys_fwd.c; evaluation arena): one pass over scalar operations gives its
 * value and the Jacobians J, J2, Jp that urn_usys_call takes from the tape, the values to the bit, the
 * Jacobians to rounding.  NULL when F's body is outside that subset (or the program was lowered with nobatch). */
typedef struct urn_usys_fwd urn_usys_fwd;
/* tan_K0 < 0: the Jacobian layout (for urn_usys_fwd_run); >= 0: the tangent layout of urn_usys_fwd_tan, whose
 * first tan_K0 directions move only the state. */
urn_usys_fwd *urn_usys_fwd_compile(urn_usys *u, long tan_K0);
/* F(y[, y2]) by u->fwd into out (N values) with, as urn_usys_call's jac (mode), J (and J2) and Jp: 1, or 0 when
 * declined (the caller runs the interpreter, which raises what the call meets: an index out of range, ...). */
int urn_usys_fwd_run(urn_usys *u, const double *y, const double *y2, double *out, int mode);
/* F(y) into out and, for the D = tan_K0 + Kp sensitivity directions S (N x D, direction k at S + k N; direction
 * tan_K0 + q also moves parameter q), the directional derivatives dS = (dF/dy) S + [0, dF/dp] (same layout) in
 * one pass, without forming the Jacobians.  1, or 0 when declined (a translation in the other layout, or as
 * urn_usys_fwd_run). */
int urn_usys_fwd_tan(urn_usys *u, const double *y, const double *St, double *out, double *dS);
/* F(y) and dS as urn_usys_fwd_tan through u->fwd (translated at the first call); 0 when F is not translated, has
 * the other layout or the call is declined: the caller then takes the Jacobians by urn_usys_call. */
size_t urn_usys_call_tan(urn_usys *u, const double *y, const double *St, size_t K0, double *out, double *dS);
/* F(y[, y2]) into out and the vector-Jacobian products w' dF/dy into gy (N), w' dF/dy2 into gy2 (N; may be NULL)
 * and w' dF/dp into gp (Kp; may be NULL), by one reverse sweep. */
size_t urn_usys_vjp(urn_usys *u, const double *y, const double *y2, const double *w, double *out, double *gy,
                    double *gy2, double *gp);

/* size / num_elements / rows / cols (fn_array.c; aux2 = which: 0, 1, 2, 3) and its value for x. */
void urn_fn_size(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n);
double urn_fn_size_value(const urn_val *x, int which);

/* Distributions (fn_dist.c): aux is the urn_dist, aux2 the urn_dist_fnkind. */
void urn_fn_dist(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n);
/* The same with an explicit propto switch (the ~ statement); memos is NULL or, per argument, NULL or the call
 * site's memo of a data argument (urn_darg.memo). */
void urn_fn_dist_call(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n, const int *is_var,
                      int propto, urn_dmemo *const *memos);
/* The same without the result's storage (not for _rng): the value into *v, the tape node returned (-1: none). */
int32_t urn_fn_dist_node(urn_ev *ev, const urn_builtin *b, const urn_val *args, int n, const int *is_var, int propto,
                         urn_dmemo *const *memos, double *v);

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

/* Argument domains of an elementwise kernel (Stan's check_* functions), checked by urn_fn_elem. */
enum {
  URN_DOM_ANY = 0,        /* no check */
  URN_DOM_NOT_NAN,        /* not nan */
  URN_DOM_FINITE,         /* finite */
  URN_DOM_POS,            /* > 0 */
  URN_DOM_POS_FINITE,     /* > 0 and finite */
  URN_DOM_NONNEG,         /* >= 0 */
  URN_DOM_UNIT,           /* in [0, 1] */
  URN_DOM_PROB_OPEN,      /* in (0, 1) */
  URN_DOM_LOG_PROB,       /* <= 0 */
  URN_DOM_GE_M1E,         /* >= -1/e (lambert_w0) */
  URN_DOM_M1E_0,          /* in [-1/e, 0) (lambert_wm1) */
  URN_DOM_NONNEG_FINITE   /* >= 0 and finite */
};
#define URN_ELEM_MAX_ARGS 4
/* A scalar function of 1..4 arguments for urn_fn_elem: f returns the value and, when d is not NULL, writes
 * the partial derivative with respect to each argument to d[i]. */
typedef struct urn_elem_kernel {
  int nargs;                               /* number of arguments */
  double (*f)(const double *x, double *d); /* value (and partials) */
  unsigned char dom[URN_ELEM_MAX_ARGS];    /* URN_DOM_* of each argument */
  const char *names[URN_ELEM_MAX_ARGS];    /* their names in messages (NULL: "first argument", ...) */
  int intret;                              /* returns int when every argument is int (falling_factorial) */
  const char *(*check)(const double *x);   /* a joint check beyond the domains: NULL or the message */
} urn_elem_kernel;
/* Applies the kernel in b->aux to scalars or elementwise to conforming containers (fn_elem.c). */
void urn_fn_elem(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n);
int32_t urn_fn_elem_s(urn_ev *ev, const urn_builtin *b, const double *x, const int32_t *ix, double *out);

/* Result value of a given type/shape as template `like` (with int promoted when promote). */
void urn_val_like(urn_ev *ev, urn_val *out, const urn_val *like, int base, int with_ix);
/* A scalar result stored in arena memory. */
void urn_val_set_scalar(urn_ev *ev, urn_val *out, int base, double v, int32_t ix);
/* Reads a scalar argument's tape node (-1 when constant). */
static inline int32_t urn_val_ix(const urn_val *x, size_t i) { return x->ix ? x->ix[i] : -1; }

/* Slices read in place (fn_slice.c).  The dot product sum x[i] y[i] of n elements in index order, with one tape node
 * (*node, -1 when both are constants) whose partials are, per element, x's then y's (constants left out): the one
 * kernel of dot_product / dot_self on every evaluation path.  xi / yi: the elements' tape nodes, or NULL. */
double urn_fn_dot(urn_ev *ev, size_t n, const double *x, const int32_t *xi, const double *y, const int32_t *yi,
                  int32_t *node);
/* At lowering (lower.c make_call): a call of a slicing built-in evaluates its int arguments on the stack, and
 * dot_product / dot_self of real containers without a container for its result (fn_slice.c). */
void urn_fn_slice_plan(ir_ex *e);

#endif
