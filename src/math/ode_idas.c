/* math/ode_idas.c — differential-algebraic equations F(t, y, y') = 0 by
 * SUNDIALS' IDAS (see math/ode.h): variable-order BDF with Newton iterations,
 * a dense linear solver on the caller's iteration matrix dF/dy + cj dF/dy',
 * and forward sensitivities by the staggered corrector.
 *
 * As in Stan's dae/dae_tol, the tolerances are scalar and max_steps bounds
 * the steps between two output times.  The initial values should be
 * consistent (F(t0, y0, y0') = 0); with p->id, IDACalcIC then corrects the
 * algebraic states, the derivatives of the differential ones and, above
 * all, the sensitivities' initial values (a direction that moves one entry
 * of y0 alone is inconsistent whenever an algebraic equation involves it),
 * which leaves consistent values as they are.  As in
 * urn's CVODES solves, the sensitivities take part in the error control,
 * with tolerances estimated from the states' ("EE"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "math/ode.h"
#include "util/util.h"

#if URN_HAVE_SUNDIALS
#include <idas/idas.h>
#include <nvector/nvector_serial.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>

/* What the IDAS callbacks see (user data). */
typedef struct ida_user {
  const urn_dae_fwd *p;  /* the problem */
  double *S, *Sp, *rS;   /* contiguous N x K copies of the sensitivities, their derivatives, their residuals */
  int stopped;           /* a callback returned a negative value */
  char err[256];         /* the last message of SUNDIALS' error handler */
} ida_user;

static int ida_ret(ida_user *u, int r) {
  if (r < 0) u->stopped = 1;
  return r;
}

static void ida_err(int code, const char *module, const char *function, char *msg, void *data) {
  (void)module, (void)function;
  ida_user *u = data;
  if (code < 0) snprintf(u->err, sizeof u->err, "%s", msg);
}

static int ida_res(realtype t, N_Vector y, N_Vector yp, N_Vector r, void *data) {
  ida_user *u = data;
  return ida_ret(u, u->p->res(u->p->ctx, t, NV_DATA_S(y), NV_DATA_S(yp), NV_DATA_S(r)));
}

static int ida_jac(realtype t, realtype cj, N_Vector y, N_Vector yp, N_Vector r, SUNMatrix J, void *data, N_Vector t1,
                   N_Vector t2, N_Vector t3) {
  (void)r, (void)t1, (void)t2, (void)t3;
  ida_user *u = data;
  return ida_ret(u, u->p->jac(u->p->ctx, t, NV_DATA_S(y), NV_DATA_S(yp), cj, SM_DATA_D(J)));
}

static int ida_sens(int Ns, realtype t, N_Vector y, N_Vector yp, N_Vector r, N_Vector *yS, N_Vector *ypS,
                    N_Vector *rS, void *data, N_Vector t1, N_Vector t2, N_Vector t3) {
  (void)r, (void)t1, (void)t2, (void)t3;
  ida_user *u = data;
  size_t N = u->p->N;
  for (int k = 0; k < Ns; k++) {
    memcpy(u->S + (size_t)k * N, NV_DATA_S(yS[k]), N * sizeof(double));
    memcpy(u->Sp + (size_t)k * N, NV_DATA_S(ypS[k]), N * sizeof(double));
  }
  int rc = u->p->sens(u->p->ctx, t, NV_DATA_S(y), NV_DATA_S(yp), u->S, u->Sp, u->rS);
  if (rc) return ida_ret(u, rc);
  for (int k = 0; k < Ns; k++) memcpy(NV_DATA_S(rS[k]), u->rS + (size_t)k * N, N * sizeof(double));
  return 0;
}

/* The resources of one solve. */
typedef struct ida_solve {
  SUNContext sctx;       /* SUNDIALS context */
  void *mem;             /* IDAS memory */
  N_Vector y, yp;        /* state and its derivative */
  N_Vector *yS, *ypS;    /* sensitivities and their derivatives (K each) */
  SUNMatrix A;           /* Newton matrix */
  SUNLinearSolver LS;    /* its dense solver */
} ida_solve;

static void ida_free(ida_solve *s, size_t K) {
  if (s->mem) IDAFree(&s->mem);
  if (s->LS) SUNLinSolFree(s->LS);
  if (s->A) SUNMatDestroy(s->A);
  if (s->yS) N_VDestroyVectorArray(s->yS, (int)K);
  if (s->ypS) N_VDestroyVectorArray(s->ypS, (int)K);
  if (s->y) N_VDestroy(s->y);
  if (s->yp) N_VDestroy(s->yp);
  if (s->sctx) SUNContext_Free(&s->sctx);
}

/* IDAS memory with urn's settings and the sensitivities when K > 0; 0 on success. */
static int ida_setup(ida_solve *s, ida_user *u, double t0, const double *S0, const double *Sp0) {
  const urn_dae_fwd *p = u->p;
  size_t N = p->N, K = p->K;
  s->mem = IDACreate(s->sctx);
  if (!s->mem) return -1;
  void *mem = s->mem;
  s->A = SUNDenseMatrix((sunindextype)N, (sunindextype)N, s->sctx);
  s->LS = s->A ? SUNLinSol_Dense(s->y, s->A, s->sctx) : NULL;
  int ok = s->LS && IDASetErrHandlerFn(mem, ida_err, u) == IDA_SUCCESS &&
           IDAInit(mem, ida_res, t0, s->y, s->yp) == IDA_SUCCESS && IDASetUserData(mem, u) == IDA_SUCCESS &&
           IDASStolerances(mem, p->rtol, p->atol) == IDA_SUCCESS &&
           IDASetMaxNumSteps(mem, p->max_steps) == IDA_SUCCESS &&
           IDASetLinearSolver(mem, s->LS, s->A) == IDA_SUCCESS && IDASetJacFn(mem, ida_jac) == IDA_SUCCESS;
  if (!ok || !K) return ok ? 0 : -1;
  s->yS = N_VCloneVectorArray((int)K, s->y), s->ypS = N_VCloneVectorArray((int)K, s->y);
  if (!s->yS || !s->ypS) return -1;
  for (size_t k = 0; k < K; k++) {
    memcpy(NV_DATA_S(s->yS[k]), S0 + k * N, N * sizeof(double));
    memcpy(NV_DATA_S(s->ypS[k]), Sp0 + k * N, N * sizeof(double));
  }
  ok = IDASensInit(mem, (int)K, IDA_STAGGERED, ida_sens, s->yS, s->ypS) == IDA_SUCCESS &&
       IDASensEEtolerances(mem) == IDA_SUCCESS && IDASetSensErrCon(mem, SUNTRUE) == IDA_SUCCESS;
  return ok ? 0 : -1;
}

/* Consistent initial values (see the file comment): 0, or an IDAS flag. */
static int ida_calc_ic(ida_solve *s, const urn_dae_fwd *p, double t1) {
  N_Vector id = N_VNew_Serial((sunindextype)p->N, s->sctx);
  if (!id) return IDA_MEM_FAIL;
  memcpy(NV_DATA_S(id), p->id, p->N * sizeof(double));
  int flag = IDASetId(s->mem, id);
  if (flag == IDA_SUCCESS) flag = IDACalcIC(s->mem, IDA_YA_YDP_INIT, t1);
  N_VDestroy(id);
  return flag;
}

int urn_dae_idas(const urn_dae_fwd *p, double t0, const double *y0, const double *yp0, const double *S0,
                 const double *Sp0, const double *ts, size_t M, double *Y, double *SY, char *msg, size_t cap) {
  size_t N = p->N, K = p->K;
  ida_user u;
  memset(&u, 0, sizeof u);
  u.p = p;
  ida_solve s;
  memset(&s, 0, sizeof s);
  if (SUNContext_Create(NULL, &s.sctx) != 0) {
    snprintf(msg, cap, "IDAS: cannot create a SUNDIALS context");
    return URN_ODE_EFAIL;
  }
  if (K) u.S = urn_xmalloc(3 * N * K * sizeof(double)), u.Sp = u.S + N * K, u.rS = u.Sp + N * K;
  s.y = N_VNew_Serial((sunindextype)N, s.sctx), s.yp = N_VNew_Serial((sunindextype)N, s.sctx);
  int rc = URN_ODE_OK;
  if (!s.y || !s.yp) {
    rc = URN_ODE_EFAIL;
  } else {
    memcpy(NV_DATA_S(s.y), y0, N * sizeof *y0), memcpy(NV_DATA_S(s.yp), yp0, N * sizeof *yp0);
    if (ida_setup(&s, &u, t0, S0, Sp0)) rc = URN_ODE_EFAIL;
  }
  if (rc) snprintf(msg, cap, "IDAS setup failed: %s", u.err[0] ? u.err : "out of memory");
  if (!rc && p->id && M) {
    int flag = ida_calc_ic(&s, p, ts[0]);
    if (flag < 0) {
      rc = u.stopped ? URN_ODE_ECALLBACK : URN_ODE_EFAIL;
      snprintf(msg, cap, "IDAS could not make the initial values consistent at t = %g: %s", t0,
               u.err[0] ? u.err : "IDACalcIC failed");
    }
  }
  double t = t0;
  for (size_t j = 0; rc == URN_ODE_OK && j < M; j++) {
    if (ts[j] != t) {
      int flag = IDASolve(s.mem, ts[j], &t, s.y, s.yp, IDA_NORMAL);
      if (flag < 0) {
        double tcur = t0;
        IDAGetCurrentTime(s.mem, &tcur);
        if (u.stopped) {
          rc = URN_ODE_ECALLBACK;
        } else if (flag == IDA_TOO_MUCH_WORK) {
          snprintf(msg, cap, "IDAS: max_num_steps reached before t = %g (at t = %g)", ts[j], tcur);
          rc = URN_ODE_EMAXSTEPS;
        } else {
          snprintf(msg, cap, "IDAS failed before t = %g: %s", ts[j], u.err[0] ? u.err : "IDAS error");
          rc = URN_ODE_EFAIL;
        }
        break;
      }
      if (K && IDAGetSens(s.mem, &t, s.yS) != IDA_SUCCESS) {
        snprintf(msg, cap, "IDAS: cannot read the sensitivities at t = %g", ts[j]);
        rc = URN_ODE_EFAIL;
        break;
      }
    }
    memcpy(Y + j * N, NV_DATA_S(s.y), N * sizeof(double));
    for (size_t k = 0; k < K; k++) memcpy(SY + j * N * K + k * N, NV_DATA_S(s.yS[k]), N * sizeof(double));
  }
  free(u.S);
  ida_free(&s, K);
  return rc;
}

#else /* !URN_HAVE_SUNDIALS */

int urn_dae_idas(const urn_dae_fwd *p, double t0, const double *y0, const double *yp0, const double *S0,
                 const double *Sp0, const double *ts, size_t M, double *Y, double *SY, char *msg, size_t cap) {
  (void)p, (void)t0, (void)y0, (void)yp0, (void)S0, (void)Sp0, (void)ts, (void)M, (void)Y, (void)SY;
  snprintf(msg, cap,
           "urn was built without SUNDIALS (CVODES and IDAS); install the Debian package libsundials-dev and "
           "rebuild urn");
  return URN_ODE_EUNAVAILABLE;
}

#endif
