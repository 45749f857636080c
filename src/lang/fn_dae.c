/* lang/fn_dae.c — dae and dae_tol: the solution of the implicit system
 * F(t, y, y', ...) = 0 from consistent initial values (y0, y0') at the
 * output times, by SUNDIALS' IDAS (math/ode_idas.c: variable-order BDF,
 * Newton iterations with a dense solver on dF/dy + cj dF/dy').
 *
 * As Stan: the residual is vector F(real t, vector y, vector yp, ...), t0
 * and ts are data, the defaults are rel_tol = abs_tol = 1e-10 and
 * max_num_steps = 1e8, and the initial values should be consistent.  One
 * addition: IDACalcIC makes the sensitivities' initial values consistent
 * (and the algebraic states and the differential states' derivatives, which
 * it leaves unchanged when they already are), the states' kinds read from
 * dF/dy' at t0 (differential when some residual depends on the
 * derivative); without it a parameter that moves y0 and y0' together would
 * start every sensitivity direction off the constraint.
 *
 * Gradients by forward sensitivities: one direction per parameter-dependent
 * entry of y0 (S(t0) = e_i, S'(t0) = 0), of y0' (S(t0) = 0, S'(t0) = e_i)
 * and of the extra arguments (zero initial values), with the sensitivity
 * residuals F_y S + F_y' S' + F_p taken from the tape (urn_usys with a
 * second state argument); every output y_i(t_j) is one tape node whose
 * partials are S(t_j)[i, :]. */
#include <math.h>
#include <setjmp.h>
#include <string.h>

#include "lang/fn_ode.h"
#include "math/ode.h"

/* A DAE of one call: the ODE system's fields (u with a second state, t, name, K, scratch) plus the
 * initial-value directions. */
typedef struct dae_sys {
  urn_ode_sys S;         /* S.u.fargs = (t, y, yp, extra...); S.K0 initial-value directions, S.K all */
  int *dir_yp;           /* for direction k < S.K0: 0 when it is y0's entry, 1 when y0''s */
  const int32_t *y0_ix;  /* y0's nodes (or NULL) */
  const int32_t *yp0_ix; /* y0''s nodes (or NULL) */
} dae_sys;

/* The arguments of urn_usys_call2 from a callback. */
typedef struct {
  const double *y, *yp; /* state and its derivative */
  double *r;            /* F(t, y, y') out */
  int jac;              /* also dF/dy, dF/dy' (1), and dF/dp (2) */
} dae_cb_args;

static size_t dae_cb_eval(urn_ode_sys *S, void *arg) {
  dae_cb_args *a = arg;
  return urn_usys_call2(&S->u, a->y, a->yp, a->r, a->jac);
}

/* The residual (and Jacobians for jac 1, 2) inside an IDAS callback: 0, 1 for a non-finite value
 * (recoverable), -1 after an error (ev->err holds it). */
static int dae_cb_call(dae_sys *D, double t, const double *y, const double *yp, double *r, int jac) {
  urn_ode_sys *S = &D->S;
  dae_cb_args a = {y, yp, r, jac};
  if (urn_ode_guarded(S, t, dae_cb_eval, &a, "residual")) return -1;
  for (size_t i = 0; i < S->u.N; i++)
    if (!isfinite(r[i])) {
      S->bad = 1, S->bad_t = t, S->bad_v = r[i];
      return 1;
    }
  return 0;
}

static int dae_res(void *ctx, double t, const double *y, const double *yp, double *r) {
  return dae_cb_call(ctx, t, y, yp, r, 0);
}

/* dF/dy + cj dF/dy', column-major. */
static int dae_jac(void *ctx, double t, const double *y, const double *yp, double cj, double *J) {
  dae_sys *D = ctx;
  urn_usys *u = &D->S.u;
  size_t N = u->N;
  int r = dae_cb_call(D, t, y, yp, D->S.fbuf, 1);
  if (r) return r;
  for (size_t i = 0; i < N; i++)
    for (size_t j = 0; j < N; j++) {
      double v = u->J[i * N + j] + cj * u->J2[i * N + j];
      if (!isfinite(v)) return 1;
      J[i + j * N] = v;
    }
  return 0;
}

/* rS = F_y S + F_y' S' + [0, F_p]. */
static int dae_sens(void *ctx, double t, const double *y, const double *yp, const double *Sm, const double *Spm,
                    double *rS) {
  dae_sys *D = ctx;
  urn_usys *u = &D->S.u;
  size_t N = u->N, Kp = u->Kp, K0 = D->S.K0;
  int r = dae_cb_call(D, t, y, yp, D->S.fbuf, Kp ? 2 : 1);
  if (r) return r;
  for (size_t k = 0; k < D->S.K; k++) {
    const double *s = Sm + k * N, *sp = Spm + k * N;
    for (size_t i = 0; i < N; i++) {
      double acc = k >= K0 ? u->Jp[i * Kp + (k - K0)] : 0;
      const double *Ji = u->J + i * N, *J2i = u->J2 + i * N;
      for (size_t j = 0; j < N; j++) acc += Ji[j] * s[j] + J2i[j] * sp[j];
      rS[k * N + i] = acc;
    }
  }
  return 0;
}

/* Sets up D for F with initial values y0, yp0 and the extra arguments (shared, not copied). */
static void dae_init(urn_ev *ev, dae_sys *D, const char *name, const ir_fun *f, const urn_val *y0, const urn_val *yp0,
                     urn_val *extra, int nextra) {
  size_t N = y0->n;
  memset(D, 0, sizeof *D);
  urn_ode_sys *S = &D->S;
  urn_usys *u = &S->u;
  u->ev = ev, S->name = name, u->f = f, u->N = N;
  u->nfargs = 3 + nextra;
  u->fargs = urn_arena_alloc(&ev->arena, (size_t)u->nfargs * sizeof *u->fargs);
  u->ys = 1, u->ys2 = 2;
  urn_val_scalar(&u->fargs[0], (urn_type){URN_TY_REAL, 0}, &S->t);
  for (int k = 1; k < 3; k++) {
    memset(&u->fargs[k], 0, sizeof u->fargs[k]);
    u->fargs[k].ty = (urn_type){URN_TY_VECTOR, 0};
    u->fargs[k].dim[0] = (int32_t)N, u->fargs[k].n = N;
  }
  for (int k = 0; k < nextra; k++) u->fargs[3 + k] = extra[k];
  S->y0_state = urn_arena_alloc(&ev->arena, 2 * N * sizeof *S->y0_state);
  D->dir_yp = urn_arena_alloc(&ev->arena, 2 * N * sizeof *D->dir_yp);
  D->y0_ix = y0->ix, D->yp0_ix = yp0->ix;
  for (int w = 0; w < 2; w++)
    for (size_t i = 0; i < N; i++)
      if (urn_val_ix(w ? yp0 : y0, i) >= 0) S->y0_state[S->K0] = i, D->dir_yp[S->K0++] = w;
  urn_ode_param_dirs(ev, u, extra, nextra, 3);
  S->K = S->K0 + u->Kp;
  u->J = urn_ev_doubles(ev, N * N), u->J2 = urn_ev_doubles(ev, N * N);
  u->Jp = urn_ev_doubles(ev, N * (u->Kp ? u->Kp : 1));
  S->fbuf = urn_ev_doubles(ev, N);
}

/* The outputs: y_i(t_j) with partials S(t_j)[i, :]. */
static void dae_outputs(urn_ev *ev, const dae_sys *D, size_t M, const double *Y, const double *SY, urn_val *out) {
  const urn_ode_sys *S = &D->S;
  size_t N = S->u.N, K = S->K;
  int32_t dim[2] = {(int32_t)M, (int32_t)N};
  urn_val_alloc(ev, out, (urn_type){URN_TY_VECTOR, 1}, dim, K > 0);
  memcpy(out->v, Y, M * N * sizeof *Y);
  if (!K) return;
  for (size_t j = 0; j < M; j++)
    for (size_t i = 0; i < N; i++) {
      int32_t *o;
      double *p;
      urn_tape_begin(&ev->tape, K, &o, &p);
      const double *sj = SY + j * N * K;
      for (size_t k = 0; k < S->K0; k++)
        o[k] = (D->dir_yp[k] ? D->yp0_ix : D->y0_ix)[S->y0_state[k]], p[k] = sj[k * N + i];
      for (size_t k = 0; k < S->u.Kp; k++)
        o[S->K0 + k] = S->u.fargs[S->u.p_arg[k]].ix[S->u.p_pos[k]], p[S->K0 + k] = sj[(S->K0 + k) * N + i];
      out->ix[j * N + i] = urn_tape_end(&ev->tape, Y[j * N + i], K);
    }
}

/* Which states are differential (1: some residual depends on its derivative at t0) and which algebraic (0),
 * for the consistent initial values of math/ode_idas.c. */
static void dae_kinds(dae_sys *D, double t0, const double *y0, const double *yp0, double *id) {
  urn_ode_sys *S = &D->S;
  size_t N = S->u.N;
  S->t = t0;
  size_t rn = urn_usys_call2(&S->u, y0, yp0, S->fbuf, 1);
  if (rn != N)
    urn_ev_reject(S->u.ev, "%s: the residual function %s returned %zu values for a state of size %zu", S->name,
                  S->u.f->name, rn, N);
  for (size_t j = 0; j < N; j++) {
    id[j] = 0;
    for (size_t i = 0; i < N; i++)
      if (S->u.J2[i * N + j] != 0) id[j] = 1;
  }
}

/* dae(F, y0, yp0, t0, ts, ...) and dae_tol(F, y0, yp0, t0, ts, rel_tol, abs_tol, max_num_steps, ...). */
static void f_dae(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  int tol = b->aux2 != 0, first = tol ? 8 : 5, nextra = n - first;
  /* volatile: read after the setjmp below (never written after it; -Wclobbered at -O1) */
  const urn_val *volatile y0 = &args[1], *volatile yp0 = &args[2], *volatile t0v = &args[3], *volatile tsv = &args[4];
  double rtol = tol ? args[5].v[0] : 1e-10, atol = tol ? args[6].v[0] : 1e-10, max_steps = tol ? args[7].v[0] : 1e8;
  urn_ode_check_tols(ev, b->name, rtol, atol, max_steps);
  urn_ode_check(ev, b->name, y0, t0v, tsv, &args[first], nextra, first);
  size_t N = y0->n, M = tsv->n;
  if (yp0->n != N)
    urn_ev_reject(ev, "%s: initial state derivative has size %zu, but must have the size of the initial state (%zu)",
                  b->name, yp0->n, N);
  for (size_t i = 0; i < N; i++)
    if (!isfinite(yp0->v[i]))
      urn_ev_reject(ev, "%s: initial state derivative[%zu] is %g, but must be finite", b->name, i + 1, yp0->v[i]);
  dae_sys *D = urn_arena_alloc(&ev->arena, sizeof *D);
  dae_init(ev, D, b->name, urn_fn_funref(&args[0]), y0, yp0, &args[first], nextra);
  size_t K = D->S.K, NK;
  if (urn_mul_overflow(N, K + 1, &NK) || NK > ((size_t)1 << 26))
    urn_ev_reject(ev, "%s: %zu states with %zu sensitivities is too large", b->name, N, K);
  double *S0 = urn_ev_doubles(ev, K ? N * K : 1), *Sp0 = urn_ev_doubles(ev, K ? N * K : 1);
  memset(S0, 0, (K ? N * K : 1) * sizeof *S0), memset(Sp0, 0, (K ? N * K : 1) * sizeof *Sp0);
  for (size_t k = 0; k < D->S.K0; k++) (D->dir_yp[k] ? Sp0 : S0)[k * N + D->S.y0_state[k]] = 1;
  double *Y = urn_ev_doubles(ev, M * N), *SY = urn_ev_doubles(ev, K ? M * N * K : 1);
  double *id = urn_ev_doubles(ev, N);
  urn_dae_fwd p = {N, K, rtol, atol, max_steps > 2e18 ? (long)2e18 : (long)max_steps, id, D, dae_res, dae_jac,
                   dae_sens};
  char msg[400];
  urn_usys_begin(&D->S.u);
  if (setjmp(ev->jb)) {
    urn_usys_end(&D->S.u);
    longjmp(ev->jb, 1);
  }
  dae_kinds(D, t0v->v[0], y0->v, yp0->v, id);
  int rc = urn_dae_idas(&p, t0v->v[0], y0->v, yp0->v, S0, Sp0, tsv->v, M, Y, SY, msg, sizeof msg);
  urn_ode_raise(&D->S, rc, msg);
  urn_usys_end(&D->S.u);
  dae_outputs(ev, D, M, Y, SY, out);
}

const urn_builtin urn_fn_dae_table[] = {
    {"dae", "1v:F v v r 1r", f_dae, NULL, NULL, 0, 0, "solution of the DAE F(t, y, y', ...) = 0 (IDAS, needs SUNDIALS)"},
    {"dae", "1v:F v v r 1r A*", f_dae, NULL, NULL, 0, 0,
     "solution of the DAE F(t, y, y', ...) = 0 (IDAS, needs SUNDIALS)"},
    {"dae_tol", "1v:F v v r 1r r r i", f_dae, NULL, NULL, 1, 0, "dae with rel_tol, abs_tol, max_num_steps"},
    {"dae_tol", "1v:F v v r 1r r r i A*", f_dae, NULL, NULL, 1, 0, "dae with rel_tol, abs_tol, max_num_steps"},
    {NULL, NULL, NULL, NULL, NULL, 0, 0, NULL}};
