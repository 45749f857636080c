/* math/ode_cvodes.c — stiff and non-stiff ODE integration by SUNDIALS' CVODES
 * (see math/ode.h): urn_ode_cvodes (BDF or Adams with forward sensitivities)
 * and urn_ode_cvodes_adjoint (the adjoint method with checkpointing).
 *
 * Settings follow Stan's CVODES integrators: Newton iterations with a dense
 * linear solver and the caller's Jacobian, scalar (forward) or per-state
 * (adjoint) tolerances, at most 20 error-test and 50 convergence failures
 * per step, max_steps steps per output interval, the sensitivities'
 * tolerances estimated from the states' (CVODES' "EE" tolerances) and the
 * sensitivities outside the error control (CVODES' default, as Stan: they
 * take part in the corrector's convergence test only).  One difference:
 * the simultaneous corrector (Stan: staggered), which solves state and
 * sensitivities in one Newton iteration, so the caller's rhs and sens are
 * called at the same (t, y), in this order, and f need not be evaluated
 * again at the converged state (fewer calls, same tolerance semantics).
 * The forward solve's vectors use SUNDIALS' fused operations.
 * Every solve creates and frees its own SUNDIALS context, so
 * solves on different threads share nothing.
 *
 * The adjoint method: the forward solve stores a checkpoint every
 * checkpoint_steps steps; the backward solve runs from the last output time
 * to t0 with the adjoint state lam' = -(df/dy)' lam, restarted at each output
 * time with the adjoint of that output added, and the quadrature
 * q' = -(df/dp)' lam, so that lam(t0) is the adjoint of y0 and q(t0) that of
 * the parameters (CVODES user guide, section 2.7). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "math/ode.h"
#include "util/util.h"

#if URN_HAVE_SUNDIALS
#include <cvodes/cvodes.h>
#include <nvector/nvector_serial.h>
#include <sundials/sundials_version.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>

int urn_ode_available(void) { return 1; }
const char *urn_ode_sundials_version(void) { return SUNDIALS_VERSION; }

/* What the CVODES callbacks see (user data). */
typedef struct cv_user {
  const urn_ode_fwd *fwd;  /* forward problem (urn_ode_cvodes), or NULL */
  const urn_ode_adj *adj;  /* adjoint problem, or NULL */
  size_t N, K;             /* states, sensitivity directions */
  double *S, *dS;          /* contiguous N x K copies of the sensitivities and their derivatives */
  int stopped;             /* a callback returned a negative value */
  char err[256];           /* the last message of SUNDIALS' error handler */
  /* the adjoint's cache of the last vector-Jacobian product */
  double *cy, *clam;       /* its y and lam (N each) */
  double ct;               /* its t */
  int cvalid;              /* the cache holds a product */
  double *gy, *gp;         /* lam' df/dy (N) and lam' df/dp (P) */
} cv_user;

/* A callback's result for CVODES (remembering a stop). */
static int cv_ret(cv_user *u, int r) {
  if (r < 0) u->stopped = 1;
  return r;
}

/* SUNDIALS' error handler: keeps the message instead of printing it. */
static void cv_err(int code, const char *module, const char *function, char *msg, void *data) {
  (void)module, (void)function;
  cv_user *u = data;
  if (code < 0) snprintf(u->err, sizeof u->err, "%s", msg);
}

static int cv_rhs(realtype t, N_Vector y, N_Vector dy, void *data) {
  cv_user *u = data;
  void *ctx = u->fwd ? u->fwd->ctx : u->adj->ctx;
  int (*rhs)(void *, double, const double *, double *) = u->fwd ? u->fwd->rhs : u->adj->rhs;
  return cv_ret(u, rhs(ctx, t, NV_DATA_S(y), NV_DATA_S(dy)));
}

static int cv_jac(realtype t, N_Vector y, N_Vector fy, SUNMatrix J, void *data, N_Vector t1, N_Vector t2,
                  N_Vector t3) {
  (void)fy, (void)t1, (void)t2, (void)t3;
  cv_user *u = data;
  void *ctx = u->fwd ? u->fwd->ctx : u->adj->ctx;
  int (*jac)(void *, double, const double *, double *) = u->fwd ? u->fwd->jac : u->adj->jac;
  return cv_ret(u, jac(ctx, t, NV_DATA_S(y), SM_DATA_D(J)));
}

static int cv_sens(int Ns, realtype t, N_Vector y, N_Vector dy, N_Vector *yS, N_Vector *dyS, void *data,
                   N_Vector t1, N_Vector t2) {
  (void)dy, (void)t1, (void)t2;
  cv_user *u = data;
  size_t N = u->N;
  for (int k = 0; k < Ns; k++) memcpy(u->S + (size_t)k * N, NV_DATA_S(yS[k]), N * sizeof(double));
  int r = u->fwd->sens(u->fwd->ctx, t, NV_DATA_S(y), u->S, u->dS);
  if (r) return cv_ret(u, r);
  for (int k = 0; k < Ns; k++) memcpy(NV_DATA_S(dyS[k]), u->dS + (size_t)k * N, N * sizeof(double));
  return 0;
}

/* The resources of one solve. */
typedef struct cv_solve {
  SUNContext sctx;      /* SUNDIALS context */
  void *mem;            /* CVODES memory */
  N_Vector y;           /* the state */
  N_Vector *yS;         /* the sensitivities (K vectors) */
  size_t K;             /* their number */
  SUNMatrix A, AB;      /* Newton matrices (forward, backward) */
  SUNLinearSolver LS, LSB; /* their dense solvers */
  N_Vector atol, atolB; /* per-state absolute tolerances (adjoint) */
  N_Vector lam, q;      /* adjoint state and parameter quadrature */
} cv_solve;

static void cv_free(cv_solve *s) {
  if (s->mem) CVodeFree(&s->mem);
  if (s->LS) SUNLinSolFree(s->LS);
  if (s->LSB) SUNLinSolFree(s->LSB);
  if (s->A) SUNMatDestroy(s->A);
  if (s->AB) SUNMatDestroy(s->AB);
  if (s->yS) N_VDestroyVectorArray(s->yS, (int)s->K);
  N_Vector vs[5] = {s->y, s->atol, s->atolB, s->lam, s->q};
  for (int i = 0; i < 5; i++)
    if (vs[i]) N_VDestroy(vs[i]);
  if (s->sctx) SUNContext_Free(&s->sctx);
}

/* Maps a failed CVODES call to urn's result and message. */
static int cv_fail(cv_solve *s, cv_user *u, int flag, const char *what, double tout, char *msg, size_t cap) {
  double tcur = 0;
  if (s->mem) CVodeGetCurrentTime(s->mem, &tcur);
  if (u->stopped) return URN_ODE_ECALLBACK;
  if (flag == CV_TOO_MUCH_WORK) {
    snprintf(msg, cap, "%s: max_num_steps reached before t = %g (at t = %g)", what, tout, tcur);
    return URN_ODE_EMAXSTEPS;
  }
  snprintf(msg, cap, "%s failed before t = %g: %s", what, tout, u->err[0] ? u->err : "CVODES error");
  return URN_ODE_EFAIL;
}

/* CVODES memory with the settings common to both solvers; NULL on failure. */
static void *cv_create(cv_solve *s, cv_user *u, int lmm, double t0, double rtol, double atol,
                       const N_Vector atolv, long max_steps) {
  void *mem = CVodeCreate(lmm == URN_ODE_ADAMS ? CV_ADAMS : CV_BDF, s->sctx);
  if (!mem) return NULL;
  s->mem = mem;
  int ok = CVodeSetErrHandlerFn(mem, cv_err, u) == CV_SUCCESS && CVodeInit(mem, cv_rhs, t0, s->y) == CV_SUCCESS &&
           CVodeSetUserData(mem, u) == CV_SUCCESS &&
           (atolv ? CVodeSVtolerances(mem, rtol, atolv) : CVodeSStolerances(mem, rtol, atol)) == CV_SUCCESS &&
           CVodeSetMaxNumSteps(mem, max_steps) == CV_SUCCESS && CVodeSetMaxErrTestFails(mem, 20) == CV_SUCCESS &&
           CVodeSetMaxConvFails(mem, 50) == CV_SUCCESS;
  s->A = SUNDenseMatrix((sunindextype)u->N, (sunindextype)u->N, s->sctx);
  s->LS = s->A ? SUNLinSol_Dense(s->y, s->A, s->sctx) : NULL;
  ok = ok && s->LS && CVodeSetLinearSolver(mem, s->LS, s->A) == CV_SUCCESS && CVodeSetJacFn(mem, cv_jac) == CV_SUCCESS;
  return ok ? mem : NULL;
}

int urn_ode_cvodes(const urn_ode_fwd *p, double t0, const double *y0, const double *S0, const double *ts, size_t M,
                   double *Y, double *SY, char *msg, size_t cap) {
  size_t N = p->N, K = p->K;
  cv_user u;
  memset(&u, 0, sizeof u);
  u.fwd = p, u.N = N, u.K = K;
  cv_solve s;
  memset(&s, 0, sizeof s);
  int rc = URN_ODE_OK;
  if (SUNContext_Create(NULL, &s.sctx) != 0) {
    snprintf(msg, cap, "CVODES: cannot create a SUNDIALS context");
    return URN_ODE_EFAIL;
  }
  s.y = N_VNew_Serial((sunindextype)N, s.sctx);
  /* fused vector operations (one call per linear combination of the K + 1
   * vectors instead of one per vector: most of CVODES' time on small systems) */
  if (!s.y) {
    SUNContext_Free(&s.sctx);
    snprintf(msg, cap, "CVODES: out of memory");
    return URN_ODE_EFAIL;
  }
  N_VEnableFusedOps_Serial(s.y, SUNTRUE);
  memcpy(NV_DATA_S(s.y), y0, N * sizeof *y0);
  void *mem = cv_create(&s, &u, p->lmm, t0, p->rtol, p->atol, NULL, p->max_steps);
  if (mem && K) {
    u.S = urn_xmalloc(2 * N * K * sizeof(double));
    u.dS = u.S + N * K;
    s.yS = N_VCloneVectorArray((int)K, s.y), s.K = K;
    if (!s.yS) mem = NULL;
    for (size_t k = 0; mem && k < K; k++) memcpy(NV_DATA_S(s.yS[k]), S0 + k * N, N * sizeof(double));
    if (mem && (CVodeSensInit(mem, (int)K, CV_SIMULTANEOUS, cv_sens, s.yS) != CV_SUCCESS ||
                CVodeSensEEtolerances(mem) != CV_SUCCESS))
      mem = NULL;
  }
  if (!mem) {
    snprintf(msg, cap, "CVODES setup failed: %s", u.err[0] ? u.err : "out of memory");
    rc = URN_ODE_EFAIL;
  }
  double t = t0;
  for (size_t j = 0; rc == URN_ODE_OK && j < M; j++) {
    if (ts[j] != t) {
      int flag = CVode(mem, ts[j], s.y, &t, CV_NORMAL);
      if (flag < 0) {
        rc = cv_fail(&s, &u, flag, "CVODES", ts[j], msg, cap);
        break;
      }
      if (K && CVodeGetSens(mem, &t, s.yS) != CV_SUCCESS) {
        rc = cv_fail(&s, &u, -1, "CVODES sensitivities", ts[j], msg, cap);
        break;
      }
    }
    memcpy(Y + j * N, NV_DATA_S(s.y), N * sizeof(double));
    for (size_t k = 0; k < K; k++) memcpy(SY + j * N * K + k * N, NV_DATA_S(s.yS[k]), N * sizeof(double));
  }
  free(u.S);
  cv_free(&s);
  return rc;
}

/* ---- the adjoint method ---- */

/* lam' df/dy and lam' df/dp at (t, y), from the cache when (t, y, lam) repeat. */
static int cv_vjp(cv_user *u, double t, const double *y, const double *lam) {
  size_t N = u->N;
  if (u->cvalid && u->ct == t && !memcmp(u->cy, y, N * sizeof *y) && !memcmp(u->clam, lam, N * sizeof *lam))
    return 0;
  u->cvalid = 0;
  int r = u->adj->vjp(u->adj->ctx, t, y, lam, u->gy, u->adj->P ? u->gp : NULL);
  if (r) return cv_ret(u, r);
  u->ct = t, u->cvalid = 1;
  memcpy(u->cy, y, N * sizeof *y), memcpy(u->clam, lam, N * sizeof *lam);
  return 0;
}

static int cv_rhsB(realtype t, N_Vector y, N_Vector lam, N_Vector dlam, void *data) {
  cv_user *u = data;
  int r = cv_vjp(u, t, NV_DATA_S(y), NV_DATA_S(lam));
  if (r) return r;
  for (size_t i = 0; i < u->N; i++) NV_DATA_S(dlam)[i] = -u->gy[i];
  return 0;
}

static int cv_quadB(realtype t, N_Vector y, N_Vector lam, N_Vector dq, void *data) {
  cv_user *u = data;
  int r = cv_vjp(u, t, NV_DATA_S(y), NV_DATA_S(lam));
  if (r) return r;
  for (size_t i = 0; i < u->adj->P; i++) NV_DATA_S(dq)[i] = -u->gp[i];
  return 0;
}

/* The backward problem's Jacobian: -(df/dy)'. */
static int cv_jacB(realtype t, N_Vector y, N_Vector lam, N_Vector fl, SUNMatrix JB, void *data, N_Vector t1,
                   N_Vector t2, N_Vector t3) {
  (void)lam, (void)fl, (void)t1, (void)t2, (void)t3;
  cv_user *u = data;
  size_t N = u->N;
  double *J = SM_DATA_D(JB);
  int r = u->adj->jac(u->adj->ctx, t, NV_DATA_S(y), J);
  if (r) return cv_ret(u, r);
  for (size_t i = 0; i < N; i++) {
    J[i + i * N] = -J[i + i * N];
    for (size_t j = i + 1; j < N; j++) {
      double a = J[i + j * N], b = J[j + i * N];
      J[i + j * N] = -b, J[j + i * N] = -a;
    }
  }
  return 0;
}

/* Creates the backward problem at tB with the adjoint state s->lam (and quadrature s->q). */
static int cv_initB(cv_solve *s, cv_user *u, double tB, int *which) {
  const urn_ode_adj *p = u->adj;
  void *mem = s->mem;
  if (CVodeCreateB(mem, p->lmm_bwd == URN_ODE_ADAMS ? CV_ADAMS : CV_BDF, which) != CV_SUCCESS) return -1;
  void *memB = CVodeGetAdjCVodeBmem(mem, *which);
  if (memB) CVodeSetErrHandlerFn(memB, cv_err, u);
  s->AB = SUNDenseMatrix((sunindextype)u->N, (sunindextype)u->N, s->sctx);
  s->LSB = s->AB ? SUNLinSol_Dense(s->lam, s->AB, s->sctx) : NULL;
  int ok = s->LSB && CVodeInitB(mem, *which, cv_rhsB, tB, s->lam) == CV_SUCCESS &&
           CVodeSetUserDataB(mem, *which, u) == CV_SUCCESS &&
           CVodeSVtolerancesB(mem, *which, p->rtol_bwd, s->atolB) == CV_SUCCESS &&
           CVodeSetMaxNumStepsB(mem, *which, p->max_steps) == CV_SUCCESS &&
           CVodeSetLinearSolverB(mem, *which, s->LSB, s->AB) == CV_SUCCESS &&
           CVodeSetJacFnB(mem, *which, cv_jacB) == CV_SUCCESS;
  if (ok && memB) ok = CVodeSetMaxErrTestFails(memB, 20) == CV_SUCCESS && CVodeSetMaxConvFails(memB, 50) == CV_SUCCESS;
  if (ok && p->P)
    ok = CVodeQuadInitB(mem, *which, cv_quadB, s->q) == CV_SUCCESS &&
         CVodeQuadSStolerancesB(mem, *which, p->rtol_quad, p->atol_quad) == CV_SUCCESS &&
         CVodeSetQuadErrConB(mem, *which, SUNTRUE) == CV_SUCCESS;
  return ok ? 0 : -1;
}

/* The backward sweep from ts[M-1] to t0 (the forward solve with checkpoints has run). */
static int cv_backward(cv_solve *s, cv_user *u, double t0, const double *ts, size_t M, const double *ybar,
                       char *msg, size_t cap) {
  size_t N = u->N, P = u->adj->P;
  double *lam = NV_DATA_S(s->lam);
  memset(lam, 0, N * sizeof *lam);
  if (P) memset(NV_DATA_S(s->q), 0, P * sizeof(double));
  int which = -1, init = 0;
  double t = ts[M - 1];
  for (size_t i = M; i-- > 0;) {
    for (size_t k = 0; k < N; k++) lam[k] += ybar[i * N + k];
    double tf = i > 0 ? ts[i - 1] : t0;
    if (tf == t) continue;
    int bad;
    if (!init) {
      bad = cv_initB(s, u, t, &which) != 0;
      init = 1;
    } else {
      bad = CVodeReInitB(s->mem, which, t, s->lam) != CV_SUCCESS ||
            (P && CVodeQuadReInitB(s->mem, which, s->q) != CV_SUCCESS);
    }
    if (bad) {
      if (u->stopped) return URN_ODE_ECALLBACK;
      snprintf(msg, cap, "CVODES backward setup failed: %s", u->err[0] ? u->err : "out of memory");
      return URN_ODE_EFAIL;
    }
    u->cvalid = 0;
    int flag = CVodeB(s->mem, tf, CV_NORMAL);
    if (flag < 0) {
      if (u->stopped) return URN_ODE_ECALLBACK;
      if (flag == CV_TOO_MUCH_WORK) {
        snprintf(msg, cap, "CVODES backward solve: max_num_steps reached before t = %g", tf);
        return URN_ODE_EMAXSTEPS;
      }
      snprintf(msg, cap, "CVODES backward solve failed before t = %g: %s", tf, u->err[0] ? u->err : "CVODES error");
      return URN_ODE_EFAIL;
    }
    if (CVodeGetB(s->mem, which, &t, s->lam) != CV_SUCCESS || (P && CVodeGetQuadB(s->mem, which, &t, s->q) != CV_SUCCESS)) {
      snprintf(msg, cap, "CVODES backward solve: cannot read the adjoint state at t = %g", tf);
      return URN_ODE_EFAIL;
    }
    t = tf;
  }
  return URN_ODE_OK;
}

int urn_ode_cvodes_adjoint(const urn_ode_adj *p, double t0, const double *y0, const double *ts, size_t M,
                           const double *ybar, double *Y, double *y0bar, double *pbar, char *msg, size_t cap) {
  size_t N = p->N, P = p->P;
  cv_user u;
  memset(&u, 0, sizeof u);
  u.adj = p, u.N = N;
  cv_solve s;
  memset(&s, 0, sizeof s);
  if (SUNContext_Create(NULL, &s.sctx) != 0) {
    snprintf(msg, cap, "CVODES: cannot create a SUNDIALS context");
    return URN_ODE_EFAIL;
  }
  int rc = URN_ODE_OK;
  double *work = urn_xmalloc((4 * N + P + 1) * sizeof(double));
  s.y = N_VNew_Serial((sunindextype)N, s.sctx);
  s.atol = N_VNew_Serial((sunindextype)N, s.sctx), s.atolB = N_VNew_Serial((sunindextype)N, s.sctx);
  s.lam = N_VNew_Serial((sunindextype)N, s.sctx);
  s.q = P ? N_VNew_Serial((sunindextype)P, s.sctx) : NULL;
  void *mem = NULL;
  if (s.y && s.atol && s.atolB && s.lam && (!P || s.q)) {
    u.cy = work, u.clam = work + N, u.gy = work + 2 * N, u.gp = work + 3 * N;
    memcpy(NV_DATA_S(s.y), y0, N * sizeof *y0);
    memcpy(NV_DATA_S(s.atol), p->atol_fwd, N * sizeof(double));
    memcpy(NV_DATA_S(s.atolB), p->atol_bwd, N * sizeof(double));
    mem = cv_create(&s, &u, p->lmm_fwd, t0, p->rtol_fwd, 0, s.atol, p->max_steps);
    if (mem && ybar &&
        CVodeAdjInit(mem, p->checkpoint_steps, p->interp == URN_ODE_POLYNOMIAL ? CV_POLYNOMIAL : CV_HERMITE) !=
            CV_SUCCESS)
      mem = NULL;
  }
  if (!mem) {
    snprintf(msg, cap, "CVODES setup failed: %s", u.err[0] ? u.err : "out of memory");
    rc = URN_ODE_EFAIL;
  }
  double t = t0;
  for (size_t j = 0; rc == URN_ODE_OK && j < M; j++) {
    if (ts[j] != t) {
      int ncheck, flag = ybar ? CVodeF(mem, ts[j], s.y, &t, CV_NORMAL, &ncheck) : CVode(mem, ts[j], s.y, &t, CV_NORMAL);
      if (flag < 0) {
        rc = cv_fail(&s, &u, flag, "CVODES", ts[j], msg, cap);
        break;
      }
    }
    memcpy(Y + j * N, NV_DATA_S(s.y), N * sizeof(double));
  }
  if (rc == URN_ODE_OK && ybar && M) {
    rc = cv_backward(&s, &u, t0, ts, M, ybar, msg, cap);
    if (rc == URN_ODE_OK) {
      memcpy(y0bar, NV_DATA_S(s.lam), N * sizeof(double));
      if (P) memcpy(pbar, NV_DATA_S(s.q), P * sizeof(double));
    }
  }
  free(work);
  cv_free(&s);
  return rc;
}

#else /* !URN_HAVE_SUNDIALS */

int urn_ode_available(void) { return 0; }
const char *urn_ode_sundials_version(void) { return "none"; }

static int unavailable(char *msg, size_t cap) {
  snprintf(msg, cap,
           "urn was built without SUNDIALS (CVODES and IDAS); install the Debian package libsundials-dev and "
           "rebuild urn");
  return URN_ODE_EUNAVAILABLE;
}

int urn_ode_cvodes(const urn_ode_fwd *p, double t0, const double *y0, const double *S0, const double *ts, size_t M,
                   double *Y, double *SY, char *msg, size_t cap) {
  (void)p, (void)t0, (void)y0, (void)S0, (void)ts, (void)M, (void)Y, (void)SY;
  return unavailable(msg, cap);
}

int urn_ode_cvodes_adjoint(const urn_ode_adj *p, double t0, const double *y0, const double *ts, size_t M,
                           const double *ybar, double *Y, double *y0bar, double *pbar, char *msg, size_t cap) {
  (void)p, (void)t0, (void)y0, (void)ts, (void)M, (void)ybar, (void)Y, (void)y0bar, (void)pbar;
  return unavailable(msg, cap);
}

#endif
