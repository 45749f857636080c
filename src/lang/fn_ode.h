/* lang/fn_ode.h — what the ODE built-ins share (fn_ode.c: ode_rk45, ode_bdf,
 * ode_adams, ode_ckrk and the integrate_ode_* forms; fn_ode_adj.c:
 * ode_adjoint_tol_ctl): the system made of the user's right-hand side and
 * the call's arguments, the checks of those arguments, and the calls of the
 * right-hand side from SUNDIALS' callbacks. */
#ifndef URN_LANG_FN_ODE_H
#define URN_LANG_FN_ODE_H

#include "lang/fn.h"

/* An ODE y' = f(t, y, ...) of one call. */
typedef struct urn_ode_sys {
  urn_usys u;            /* the user's right-hand side f(t, y, ...): t is argument 0 (S->t), y argument 1 */
  double t;              /* the time of the current call (argument 0 points here) */
  const char *name;      /* the built-in's name, for messages */
  int old;               /* integrate_ode_* signature: (t, array[] real y, theta, x_r, x_i) */
  size_t K0;             /* sensitivity directions that are initial states */
  size_t *y0_state;      /* for direction k < K0: which state it is */
  size_t K;              /* K0 + u.Kp */
  long nfev;             /* right-hand side evaluations (diagnostics) */
  double rtol, atol;     /* the call's tolerances */
  double max_steps;      /* and steps allowed between two output times */
  double *fbuf;          /* N doubles of scratch for the callbacks */
  int bad;               /* a callback saw a non-finite value */
  double bad_t, bad_v;   /* where, and which */
  double *cy;            /* CVODES with sensitivities: the state at which S->u.J, u.Jp were last taken (N) */
  double ct;             /* and its time */
  int chave;             /* cy, ct hold that point */
} urn_ode_sys;

/* Checks the common arguments (Stan's messages): y0 and the extra arguments finite, t0 finite, ts finite,
 * non-empty, sorted and after t0. */
void urn_ode_check(urn_ev *ev, const char *name, const urn_val *y0, const urn_val *t0, const urn_val *ts,
                   const urn_val *extra, int nextra, int first_extra);
/* Sets up S for f with initial state y0 and the extra arguments extra[0..nextra) (shared, not copied):
 * the parameter directions of the extra arguments always; the initial-state directions only when
 * y0_dirs (then every state is one when all_y0, else those with tape nodes). */
void urn_ode_init(urn_ev *ev, urn_ode_sys *S, const char *name, const ir_fun *f, const urn_val *y0, urn_val *extra,
                  int nextra, int old, int y0_dirs, int all_y0);
/* f(t, y) into dy (with J, Jp in S->u when jac is 1 or 2); rejects a wrong size or a non-finite value. */
void urn_ode_call(urn_ode_sys *S, double t, const double *y, double *dy, int jac);
/* Runs call(S, arg) at time t from inside a SUNDIALS callback, where an error must not unwind past the solver:
 * sets S->t, counts the evaluation, rejects a result of another size than the state's (naming the user's
 * `what` function: "system", "residual"); returns 0, or -1 after an error (ev->err holds it; re-raise after
 * the solve with urn_ode_raise).  call returns the number of values the user's function returned. */
int urn_ode_guarded(urn_ode_sys *S, double t, size_t (*call)(urn_ode_sys *S, void *arg), void *arg, const char *what);
/* Checks a call's tolerances (Stan's conditions and messages): rtol and atol positive and finite, max_steps at
 * least 1. */
void urn_ode_check_tols(urn_ev *ev, const char *name, double rtol, double atol, double max_steps);
/* The parameter directions of the extra arguments extra[0..nextra) (function arguments first_arg...): every
 * entry with a tape node, into u->p_arg, u->p_pos and u->Kp (arena memory). */
void urn_ode_param_dirs(urn_ev *ev, urn_usys *u, const urn_val *extra, int nextra, int first_arg);
/* The same from inside a SUNDIALS callback: 0; 1 when a value is not finite (recoverable: the integrator retries
 * with a smaller step; S->bad records it); -1 after an error (ev->err holds it; re-raise after the solve). */
int urn_ode_cb_call(urn_ode_sys *S, double t, const double *y, double *dy, int jac);
/* The right-hand side and df/dy (column-major) as callbacks of math/ode.h (ctx is the urn_ode_sys). */
int urn_ode_cv_rhs(void *ctx, double t, const double *y, double *dy);
int urn_ode_cv_jac(void *ctx, double t, const double *y, double *J);
/* Turns a SUNDIALS result into urn's: returns on URN_ODE_OK, otherwise ends S (urn_usys_end) and raises. */
void urn_ode_raise(urn_ode_sys *S, int rc, const char *msg);

#endif
