/* math/ode.h — implicit integration of stiff ODEs and of DAEs by SUNDIALS:
 * CVODES (BDF or Adams–Moulton with Newton iterations and a dense linear
 * solver; forward sensitivities, or the adjoint method with checkpoints) and
 * IDAS (variable-order BDF for F(t, y, y') = 0, forward sensitivities).
 *
 * SUNDIALS is optional: urn is built with it when the Makefile finds it
 * (docs/ode.md).  Without it every solver here returns URN_ODE_EUNAVAILABLE
 * with a message naming the Debian package.
 *
 * The caller describes its system by callbacks on plain arrays; nothing here
 * knows the Stan language.  Every callback returns 0 on success, a positive
 * value for a recoverable failure (the integrator retries with a smaller
 * step, e.g. a non-finite derivative during a trial step) or a negative value
 * to stop the solve at once (URN_ODE_ECALLBACK: the callback has recorded
 * its own error).  Matrices are column-major: J[i + j N] = dF_i / dx_j. */
#ifndef URN_MATH_ODE_H
#define URN_MATH_ODE_H

#include <stddef.h>

/* Results of the solvers. */
enum {
  URN_ODE_OK = 0,
  URN_ODE_EUNAVAILABLE, /* urn was built without SUNDIALS */
  URN_ODE_ECALLBACK,    /* a callback returned a negative value (its error stands) */
  URN_ODE_EMAXSTEPS,    /* max_steps steps without reaching the next output time */
  URN_ODE_EFAIL         /* the integrator failed (error test, convergence, repeated callback failures) */
};

/* Linear multistep methods (Stan's solver_forward / solver_backward codes). */
enum { URN_ODE_ADAMS = 1, URN_ODE_BDF = 2 };
/* Interpolation of the forward solution in the adjoint method (Stan's interpolation_polynomial codes). */
enum { URN_ODE_HERMITE = 1, URN_ODE_POLYNOMIAL = 2 };

/* Is SUNDIALS linked in? */
int urn_ode_available(void);
/* SUNDIALS' version ("6.4.1"), or "none". */
const char *urn_ode_sundials_version(void);

/* An ODE y' = f(t, y) of N states with K forward sensitivity directions. */
typedef struct urn_ode_fwd {
  size_t N;           /* number of states */
  size_t K;           /* sensitivity directions (0: none) */
  int lmm;            /* URN_ODE_BDF or URN_ODE_ADAMS */
  double rtol, atol;  /* relative and absolute tolerances (states and sensitivities) */
  long max_steps;     /* steps allowed between two output times */
  void *ctx;          /* passed to the callbacks */
  /* f(t, y) into dy[0..N) */
  int (*rhs)(void *ctx, double t, const double *y, double *dy);
  /* the Jacobian df/dy at (t, y) into J (N x N, column-major) */
  int (*jac)(void *ctx, double t, const double *y, double *J);
  /* the sensitivity equations: dS = (df/dy) S + df/dp for S, dS of N x K (column k = direction k); the
   * simultaneous corrector calls it after rhs at the same (t, y), so rhs may take the Jacobians for it */
  int (*sens)(void *ctx, double t, const double *y, const double *S, double *dS);
} urn_ode_fwd;

/* Integrates p from (t0, y0) and, when p->K > 0, the sensitivities from S0 (N x K) to every output time
 * ts[0..M) (increasing, all > t0): the states at ts[j] into Y + j N and the sensitivities into SY + j N K.
 * Returns URN_ODE_OK or an error with a message (naming the time reached) in msg[0..cap). */
int urn_ode_cvodes(const urn_ode_fwd *p, double t0, const double *y0, const double *S0, const double *ts, size_t M,
                   double *Y, double *SY, char *msg, size_t cap);

/* An ODE whose gradient is taken by the adjoint method (Stan's ode_adjoint_tol_ctl): P parameters. */
typedef struct urn_ode_adj {
  size_t N;                 /* number of states */
  size_t P;                 /* parameters whose adjoints are wanted (0: only the initial state's) */
  int lmm_fwd, lmm_bwd;     /* methods of the forward and backward solves */
  double rtol_fwd;          /* relative tolerance of the forward solve */
  const double *atol_fwd;   /* absolute tolerances of the forward solve (N) */
  double rtol_bwd;          /* relative tolerance of the backward solve */
  const double *atol_bwd;   /* absolute tolerances of the backward solve (N) */
  double rtol_quad, atol_quad; /* tolerances of the parameter quadratures */
  long max_steps;           /* steps allowed between two output times (both directions) */
  long checkpoint_steps;    /* steps between two checkpoints of the forward solve */
  int interp;               /* URN_ODE_HERMITE or URN_ODE_POLYNOMIAL */
  void *ctx;                /* passed to the callbacks */
  int (*rhs)(void *ctx, double t, const double *y, double *dy);
  int (*jac)(void *ctx, double t, const double *y, double *J);
  /* vector-Jacobian products at (t, y): gy = lam' df/dy (N), and gp = lam' df/dp (P) when gp is not NULL */
  int (*vjp)(void *ctx, double t, const double *y, const double *lam, double *gy, double *gp);
} urn_ode_adj;

/* The states at ts[0..M) into Y (M x N, as urn_ode_cvodes), then, given the adjoints ybar (M x N) of those
 * outputs, the adjoint of the initial state into y0bar (N) and of the parameters into pbar (P).  The states are
 * the forward solve's (with checkpoints); ybar = NULL makes it a plain forward solve. */
int urn_ode_cvodes_adjoint(const urn_ode_adj *p, double t0, const double *y0, const double *ts, size_t M,
                           const double *ybar, double *Y, double *y0bar, double *pbar, char *msg, size_t cap);

/* A DAE F(t, y, y') = 0 of N states with K forward sensitivity directions (IDAS). */
typedef struct urn_dae_fwd {
  size_t N;           /* number of states */
  size_t K;           /* sensitivity directions (0: none) */
  double rtol, atol;  /* tolerances */
  long max_steps;     /* steps allowed between two output times */
  const double *id;   /* per state 1 differential, 0 algebraic: then the algebraic states, the derivatives of the
                         differential ones and all sensitivities are made consistent first (IDACalcIC); or NULL */
  void *ctx;          /* passed to the callbacks */
  /* the residual F(t, y, yp) into r[0..N) */
  int (*res)(void *ctx, double t, const double *y, const double *yp, double *r);
  /* the iteration matrix dF/dy + cj dF/dyp into J (column-major) */
  int (*jac)(void *ctx, double t, const double *y, const double *yp, double cj, double *J);
  /* sensitivity residuals: rS = (dF/dy) S + (dF/dyp) Sp + dF/dp (all N x K) */
  int (*sens)(void *ctx, double t, const double *y, const double *yp, const double *S, const double *Sp,
              double *rS);
} urn_dae_fwd;

/* Integrates p from the consistent initial values (t0, y0, yp0) (and sensitivities S0, Sp0 when K > 0) to
 * every ts[j]: states into Y + j N, sensitivities into SY + j N K. */
int urn_dae_idas(const urn_dae_fwd *p, double t0, const double *y0, const double *yp0, const double *S0,
                 const double *Sp0, const double *ts, size_t M, double *Y, double *SY, char *msg, size_t cap);

#endif
