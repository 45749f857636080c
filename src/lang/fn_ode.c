/* lang/fn_ode.c — ODE solvers: the variadic ode_rk45 / ode_ckrk / ode_bdf /
 * ode_adams (and their _tol forms) and the old integrate_ode_rk45 / _bdf /
 * _adams (theta, x_r, x_i) signature.  ode_adjoint_tol_ctl is in
 * fn_ode_adj.c; the shared pieces are declared in lang/fn_ode.h.
 *
 * Methods.  _rk45 and _ckrk: adaptive Dormand–Prince 5(4) (explicit, error
 * per component atol + rtol max(|z|, |z_new|), max norm), stepping exactly
 * onto every output time.  _bdf and _adams: SUNDIALS' CVODES (variable-order
 * BDF or Adams–Moulton, Newton iterations with a dense solver on the exact
 * Jacobian: math/ode_cvodes.c), as Stan; without SUNDIALS they fail with a
 * message naming the package.
 *
 * Gradients by forward sensitivities: when y0, the extra arguments, t0 or ts
 * carry tape nodes, S = dy/dp is integrated for every such scalar p
 * (dS/dt = J_y S + J_p, S(t0) = dy0/dp) with the state (Dormand–Prince:
 * the augmented state inside the error control, as Stan's coupled system;
 * CVODES: the simultaneous corrector, the sensitivities outside the error
 * control as in Stan).
 * The Jacobians J_y, J_p come from running the user's function on the tape
 * with fresh input nodes and sweeping back once per state component
 * (urn_usys).  Every output y_i(t_j) is one tape node whose partials are
 * S(t_j)[i, :] (plus f_i(t_j) for a ts_j node and -(S_y0 f(t0, y0))_i for a
 * t0 node). */
#include <math.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "lang/fn_ode.h"
#include "math/ode.h"

/* Flags in aux2 of the table entries. */
enum {
  ODE_OLD = 1,            /* integrate_ode_* (theta, x_r, x_i) */
  ODE_TOL = 2,            /* takes rel_tol, abs_tol, max_num_steps */
  ODE_STIFF_DEFAULTS = 4, /* the old interface's tolerances 1e-10 and 1e8 steps */
  ODE_BDF = 8,            /* CVODES' BDF */
  ODE_ADAMS = 16          /* CVODES' Adams–Moulton */
};

/* ---- the system (shared with fn_ode_adj.c) ---- */

void urn_ode_check(urn_ev *ev, const char *name, const urn_val *y0, const urn_val *t0v, const urn_val *tsv,
                   const urn_val *extra, int nextra, int first_extra) {
  size_t N = y0->n, M = tsv->n;
  double t0 = t0v->v[0];
  if (N == 0) urn_ev_reject(ev, "%s: initial state has size 0, but must have a non-zero size", name);
  for (size_t i = 0; i < N; i++)
    if (!isfinite(y0->v[i])) urn_ev_reject(ev, "%s: initial state[%zu] is %g, but must be finite", name, i + 1, y0->v[i]);
  if (!isfinite(t0)) urn_ev_reject(ev, "%s: initial time is %g, but must be finite", name, t0);
  if (M == 0) urn_ev_reject(ev, "%s: times has size 0, but must have a non-zero size", name);
  for (size_t j = 0; j < M; j++) {
    if (!isfinite(tsv->v[j])) urn_ev_reject(ev, "%s: times[%zu] is %g, but must be finite", name, j + 1, tsv->v[j]);
    if (j == 0 && !(tsv->v[0] > t0))
      urn_ev_reject(ev, "%s: times[1] is %g, but must be greater than the initial time %g", name, tsv->v[0], t0);
    if (j > 0 && tsv->v[j] < tsv->v[j - 1])
      urn_ev_reject(ev, "%s: times must be sorted, but times[%zu] = %g < times[%zu] = %g", name, j + 1, tsv->v[j], j,
                    tsv->v[j - 1]);
  }
  for (int k = 0; k < nextra; k++)
    for (size_t i = 0; i < extra[k].n; i++)
      if (!isfinite(extra[k].v[i]))
        urn_ev_reject(ev, "%s: argument %d (ode parameters and data) has entry %zu = %g, but must be finite", name,
                      first_extra + k + 1, i + 1, extra[k].v[i]);
}

void urn_ode_param_dirs(urn_ev *ev, urn_usys *u, const urn_val *extra, int nextra, int first_arg) {
  size_t np = 0;
  for (int k = 0; k < nextra; k++)
    if (extra[k].ix)
      for (size_t i = 0; i < extra[k].n; i++) np += extra[k].ix[i] >= 0;
  u->p_arg = urn_arena_alloc(&ev->arena, (np ? np : 1) * sizeof *u->p_arg);
  u->p_pos = urn_arena_alloc(&ev->arena, (np ? np : 1) * sizeof *u->p_pos);
  u->Kp = 0;
  for (int k = 0; k < nextra; k++)
    if (extra[k].ix)
      for (size_t i = 0; i < extra[k].n; i++)
        if (extra[k].ix[i] >= 0) u->p_arg[u->Kp] = first_arg + k, u->p_pos[u->Kp++] = i;
}

void urn_ode_init(urn_ev *ev, urn_ode_sys *S, const char *name, const ir_fun *f, const urn_val *y0, urn_val *extra,
                  int nextra, int old, int y0_dirs, int all_y0) {
  size_t N = y0->n;
  memset(S, 0, sizeof *S);
  S->u.ev = ev, S->name = name, S->u.f = f, S->old = old, S->u.N = N;
  S->u.nfargs = 2 + nextra;
  S->u.fargs = urn_arena_alloc(&ev->arena, (size_t)S->u.nfargs * sizeof *S->u.fargs);
  S->u.ys = 1, S->u.fwd_try = 1;
  urn_val_scalar(&S->u.fargs[0], (urn_type){URN_TY_REAL, 0}, &S->t);
  memset(&S->u.fargs[1], 0, sizeof S->u.fargs[1]);
  S->u.fargs[1].ty = old ? (urn_type){URN_TY_REAL, 1} : (urn_type){URN_TY_VECTOR, 0};
  S->u.fargs[1].dim[0] = (int32_t)N, S->u.fargs[1].n = N;
  for (int k = 0; k < nextra; k++) S->u.fargs[2 + k] = extra[k];
  S->y0_state = urn_arena_alloc(&ev->arena, N * sizeof *S->y0_state);
  if (y0_dirs)
    for (size_t i = 0; i < N; i++)
      if (all_y0 || urn_val_ix(y0, i) >= 0) S->y0_state[S->K0++] = i;
  urn_ode_param_dirs(ev, &S->u, extra, nextra, 2);
  S->K = S->K0 + S->u.Kp;
  S->u.J = urn_ev_doubles(ev, N * N);
  S->u.Jp = urn_ev_doubles(ev, N * (S->u.Kp ? S->u.Kp : 1));
  S->fbuf = urn_ev_doubles(ev, N);
}

/* f(t, y) without the value checks: the number of values f returned. */
static size_t ode_eval(urn_ode_sys *S, double t, const double *y, double *dy, int jac) {
  S->t = t;
  S->nfev++;
  size_t rn = urn_usys_call(&S->u, y, dy, jac);
  if (rn != S->u.N)
    urn_ev_reject(S->u.ev, "%s: the system function %s returned %zu values for a state of size %zu", S->name,
                  S->u.f->name, rn, S->u.N);
  return rn;
}

void urn_ode_call(urn_ode_sys *S, double t, const double *y, double *dy, int jac) {
  size_t N = ode_eval(S, t, y, dy, jac);
  for (size_t i = 0; i < N; i++)
    if (!isfinite(dy[i]))
      urn_ev_reject(S->u.ev, "%s: the system function %s returned %g at t = %g", S->name, S->u.f->name, dy[i], t);
}

int urn_ode_guarded(urn_ode_sys *S, double t, size_t (*call)(urn_ode_sys *S, void *arg), void *arg, const char *what) {
  urn_ev *ev = S->u.ev;
  jmp_buf outer;
  memcpy(outer, ev->jb, sizeof outer);
  if (setjmp(ev->jb)) {
    memcpy(ev->jb, outer, sizeof outer);
    return -1;
  }
  S->t = t;
  S->nfev++;
  size_t rn = call(S, arg);
  if (rn != S->u.N)
    urn_ev_reject(ev, "%s: the %s function %s returned %zu values for a state of size %zu", S->name, what,
                  S->u.f->name, rn, S->u.N);
  memcpy(ev->jb, outer, sizeof outer);
  return 0;
}

/* The arguments of urn_usys_call from a callback. */
typedef struct {
  const double *y; /* state */
  double *dy;      /* f(t, y) out */
  int jac;         /* also J (1), and Jp (2) */
} ode_cb_args;

static size_t ode_cb_eval(urn_ode_sys *S, void *arg) {
  ode_cb_args *a = arg;
  return urn_usys_call(&S->u, a->y, a->dy, a->jac);
}

int urn_ode_cb_call(urn_ode_sys *S, double t, const double *y, double *dy, int jac) {
  ode_cb_args a = {y, dy, jac};
  if (urn_ode_guarded(S, t, ode_cb_eval, &a, "system")) return -1;
  size_t N = S->u.N;
  for (size_t i = 0; i < N; i++)
    if (!isfinite(dy[i])) {
      S->bad = 1, S->bad_t = t, S->bad_v = dy[i];
      return 1;
    }
  return 0;
}

void urn_ode_raise(urn_ode_sys *S, int rc, const char *msg) {
  if (rc == URN_ODE_OK) return;
  urn_ev *ev = S->u.ev;
  urn_usys_end(&S->u);
  if (rc == URN_ODE_ECALLBACK) longjmp(ev->jb, 1); /* the callback's error stands */
  if (rc == URN_ODE_EUNAVAILABLE) urn_ev_fail(ev, URN_EFATAL, "%s: %s", S->name, msg);
  if (S->bad)
    urn_ev_reject(ev, "%s: the system function %s returned %g at t = %g (%s)", S->name, S->u.f->name, S->bad_v,
                  S->bad_t, msg);
  urn_ev_reject(ev, "%s: %s", S->name, msg);
}

/* ---- explicit Dormand–Prince 5(4) ---- */

/* The augmented right-hand side: z = [y (N), S (N x K, column k at N + k N)]. */
static void ode_rhs(urn_ode_sys *S, double t, const double *z, double *dz) {
  size_t N = S->u.N, K = S->K;
  if (K > 0) { /* f and (df/dy) S + df/dp in one forward-mode pass when f is translated (lang/fn_usys_fwd.c) */
    S->t = t;
    if (urn_usys_call_tan(&S->u, z, z + N, S->K0, dz, dz + N)) {
      S->nfev++;
      for (size_t i = 0; i < N; i++)
        if (!isfinite(dz[i]))
          urn_ev_reject(S->u.ev, "%s: the system function %s returned %g at t = %g", S->name, S->u.f->name, dz[i], t);
      return;
    }
  }
  urn_ode_call(S, t, z, dz, K > 0 ? 2 : 0);
  for (size_t k = 0; k < K; k++) {
    const double *s = z + N + k * N;
    double *ds = dz + N + k * N;
    for (size_t i = 0; i < N; i++) {
      double acc = k >= S->K0 ? S->u.Jp[i * S->u.Kp + (k - S->K0)] : 0;
      const double *Ji = S->u.J + i * N;
      for (size_t j = 0; j < N; j++) acc += Ji[j] * s[j];
      ds[i] = acc;
    }
  }
}

/* Dormand–Prince 5(4) coefficients (Hairer, Nørsett & Wanner, Table II.5.2). */
static const double DP_C[7] = {0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1};
static const double DP_A[7][6] = {
    {0},
    {1.0 / 5},
    {3.0 / 40, 9.0 / 40},
    {44.0 / 45, -56.0 / 15, 32.0 / 9},
    {19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729},
    {9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656},
    {35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84}};
/* 5th-order weights minus the embedded 4th-order weights: the error estimate. */
static const double DP_E[7] = {71.0 / 57600, 0, -71.0 / 16695, 71.0 / 1920, -17253.0 / 339200, 22.0 / 525, -1.0 / 40};

/* out = z + hs sum_{q < s} A[s][q] k[q], each entry's sum from 0 in the order of q (the stages' sums unrolled: the
 * compiler keeps the operands in registers). */
static void dp_stage(double *restrict out, const double *restrict z, double hs, int s, double *const *k, size_t D) {
  const double *restrict k0 = k[0], *restrict k1 = k[1], *restrict k2 = k[2], *restrict k3 = k[3],
                         *restrict k4 = k[4], *restrict k5 = k[5];
  const double *a = DP_A[s];
  /* two entries per iteration (the compiler pairs them into one SSE2 operation: the same operations per entry) */
#define DP_LOOP(E)                                                                                                  \
  do {                                                                                                              \
    size_t i = 0;                                                                                                   \
    for (; i + 2 <= D; i += 2) {                                                                                    \
      out[i] = z[i] + hs * E(i);                                                                                    \
      out[i + 1] = z[i + 1] + hs * E(i + 1);                                                                        \
    }                                                                                                               \
    if (i < D) out[i] = z[i] + hs * E(i);                                                                           \
  } while (0)
#define DP_S1(i) (0.0 + a[0] * k0[i])
#define DP_S2(i) (DP_S1(i) + a[1] * k1[i])
#define DP_S3(i) (DP_S2(i) + a[2] * k2[i])
#define DP_S4(i) (DP_S3(i) + a[3] * k3[i])
#define DP_S5(i) (DP_S4(i) + a[4] * k4[i])
#define DP_S6(i) (DP_S5(i) + a[5] * k5[i])
  switch (s) {
    case 1: DP_LOOP(DP_S1); break;
    case 2: DP_LOOP(DP_S2); break;
    case 3: DP_LOOP(DP_S3); break;
    case 4: DP_LOOP(DP_S4); break;
    case 5: DP_LOOP(DP_S5); break;
    default: DP_LOOP(DP_S6);
  }
#undef DP_LOOP
#undef DP_S1
#undef DP_S2
#undef DP_S3
#undef DP_S4
#undef DP_S5
#undef DP_S6
}

/* fmax(a, b) for an a that is not NaN, inline (libm's is a call here; this is one maxsd): b when b > a, else a
 * (also when b is NaN). */
static inline double dp_max(double a, double b) { return b > a ? b : a; }

/* The first step size (Hairer's heuristic, on the scaled norms); k0 = f(t0, z). */
static double dp_first_step(urn_ode_sys *S, const double *z, const double *k0, double *ztmp, double *k1, size_t D,
                            double t, double span, double rtol, double atol) {
  double d0 = 0, d1 = 0;
  for (size_t i = 0; i < D; i++) {
    double sc = atol + rtol * fabs(z[i]);
    d0 = fmax(d0, fabs(z[i]) / sc), d1 = fmax(d1, fabs(k0[i]) / sc);
  }
  double h = (d0 < 1e-5 || d1 < 1e-5) ? 1e-6 : 0.01 * d0 / d1;
  if (span > 0 && h > span) h = span;
  for (size_t i = 0; i < D; i++) ztmp[i] = z[i] + h * k0[i];
  ode_rhs(S, t + h, ztmp, k1);
  double d2 = 0;
  for (size_t i = 0; i < D; i++) d2 = fmax(d2, fabs(k1[i] - k0[i]) / (atol + rtol * fabs(z[i])));
  d2 /= h;
  double dm = fmax(d1, d2);
  double h1 = dm <= 1e-15 ? fmax(1e-6, h * 1e-3) : pow(0.01 / dm, 1.0 / 5);
  return fmin(100 * h, h1);
}

/* Integrates z (size D) from t0 through every ts[j], storing the state at
 * ts[j] in zout + j D.  FSAL: k[0] holds f(t, z) on entry to each step. */
static void ode_integrate(urn_ode_sys *S, double *z, size_t D, double t0, const double *ts, size_t M, double rtol,
                          double atol, double max_steps, double *zout) {
  urn_ev *ev = S->u.ev;
  double *k[7], *ztmp = urn_ev_doubles(ev, D), *znew = urn_ev_doubles(ev, D);
  for (int s = 0; s < 7; s++) k[s] = urn_ev_doubles(ev, D);
  double t = t0;
  ode_rhs(S, t, z, k[0]);
  double h = dp_first_step(S, z, k[0], ztmp, k[1], D, t, ts[M - 1] - t0, rtol, atol);
  for (size_t j = 0; j < M; j++) {
    double tend = ts[j];
    double steps = 0;
    while (t < tend) {
      if (++steps > max_steps)
        urn_ev_reject(ev, "%s: max_num_steps (%.0f) reached before t = %g (at t = %g)", S->name, max_steps, tend, t);
      int last = 0;
      double hs = h;
      if (t + hs >= tend || t + 1.01 * hs >= tend) hs = tend - t, last = 1;
      /* stage s at z + hs sum_q A[s][q] k[q] (each entry's sum from 0 in the order of q, vector by vector) */
      for (int s = 1; s < 7; s++) {
        dp_stage(ztmp, z, hs, s, k, D);
        ode_rhs(S, t + DP_C[s] * hs, ztmp, k[s]);
        if (s == 6) memcpy(znew, ztmp, D * sizeof *znew);
      }
      /* the error estimate hs sum_s E[s] k[s] (into ztmp), scaled per component, max norm */
      double err = 0;
      {
        const double *restrict k0 = k[0], *restrict k2 = k[2], *restrict k3 = k[3], *restrict k4 = k[4],
                               *restrict k5 = k[5], *restrict k6 = k[6], *E = DP_E;
        for (size_t i = 0; i < D; i++) {
          /* E[1] = 0: its term (0 k1[i]) kept, as the sum over all seven stages had it */
          double e = ((((((0.0 + E[0] * k0[i]) + E[1] * k[1][i]) + E[2] * k2[i]) + E[3] * k3[i]) + E[4] * k4[i]) +
                      E[5] * k5[i]) + E[6] * k6[i];
          double sc = atol + rtol * dp_max(fabs(z[i]), fabs(znew[i]));
          err = dp_max(err, fabs(e * hs) / sc);
        }
      }
      if (!(err <= 1)) {
        if (!isfinite(err)) err = 1e10;
        h = hs * fmax(0.2, 0.9 * pow(err, -0.2));
        if (!(h > 1e-14 * fmax(1, fabs(t))))
          urn_ev_reject(ev, "%s: step size fell below %g at t = %g (the system may be stiff or singular)", S->name, h, t);
        continue;
      }
      t = last ? tend : t + hs;
      memcpy(z, znew, D * sizeof *z);
      double *tmp = k[0];
      k[0] = k[6], k[6] = tmp; /* FSAL: f(t_new, z_new) */
      double grow = err < 1e-10 ? 5 : fmin(5, fmax(0.2, 0.9 * pow(err, -0.2)));
      double hn = hs * grow;
      h = last ? fmax(h, hn) : hn;
    }
    memcpy(zout + j * D, z, D * sizeof *z);
  }
}

/* ---- CVODES ---- */

/* The callback's Jacobian (S->u.J, row-major) into CVODES' column-major J; 1 (recoverable) if it is not finite. */
static int jac_out(const urn_ode_sys *S, double *J) {
  size_t N = S->u.N;
  for (size_t i = 0; i < N; i++)
    for (size_t j = 0; j < N; j++) {
      double v = S->u.J[i * N + j];
      if (!isfinite(v)) return 1;
      J[i + j * N] = v;
    }
  return 0;
}

/* (urn_ode_cv_rhs, urn_ode_cv_jac: see lang/fn_ode.h) */
int urn_ode_cv_rhs(void *ctx, double t, const double *y, double *dy) {
  return urn_ode_cb_call(ctx, t, y, dy, 0);
}

int urn_ode_cv_jac(void *ctx, double t, const double *y, double *J) {
  urn_ode_sys *S = ctx;
  int r = urn_ode_cb_call(S, t, y, S->fbuf, 1);
  if (r) return r;
  return jac_out(S, J);
}

/* The forward solve with sensitivities: CVODES' simultaneous corrector calls the sensitivity right-hand side
 * at the (t, y) of the f call just before it, so every f call also takes J and Jp (one tape run instead of two)
 * and remembers where; cvs_sens and cvs_jac reuse them at that point. */
static int cvs_take(urn_ode_sys *S, double t, const double *y, double *dy) {
  S->chave = 0;
  int r = urn_ode_cb_call(S, t, y, dy, S->u.Kp ? 2 : 1);
  if (r) return r;
  memcpy(S->cy, y, S->u.N * sizeof *y);
  S->ct = t, S->chave = 1;
  return 0;
}

/* Are S->u.J, u.Jp those at (t, y)? */
static int cvs_have(const urn_ode_sys *S, double t, const double *y) {
  return S->chave && S->ct == t && !memcmp(S->cy, y, S->u.N * sizeof *y);
}

static int cvs_rhs(void *ctx, double t, const double *y, double *dy) { return cvs_take(ctx, t, y, dy); }

static int cvs_jac(void *ctx, double t, const double *y, double *J) {
  urn_ode_sys *S = ctx;
  if (!cvs_have(S, t, y)) {
    int r = cvs_take(S, t, y, S->fbuf);
    if (r) return r;
  }
  return jac_out(S, J);
}

/* dS = J S + [0, Jp]. */
static int cvs_sens(void *ctx, double t, const double *y, const double *Sm, double *dS) {
  urn_ode_sys *S = ctx;
  size_t N = S->u.N, Kp = S->u.Kp;
  if (!cvs_have(S, t, y)) {
    int r = cvs_take(S, t, y, S->fbuf);
    if (r) return r;
  }
  for (size_t k = 0; k < S->K; k++) {
    const double *s = Sm + k * N;
    for (size_t i = 0; i < N; i++) {
      double acc = k >= S->K0 ? S->u.Jp[i * Kp + (k - S->K0)] : 0;
      const double *Ji = S->u.J + i * N;
      for (size_t j = 0; j < N; j++) acc += Ji[j] * s[j];
      dS[k * N + i] = acc;
    }
  }
  return 0;
}

/* Solves with CVODES into zout (the layout of ode_integrate's). */
static void ode_cvodes(urn_ode_sys *S, int lmm, const double *z0, size_t D, double t0, const double *ts, size_t M,
                       double rtol, double atol, double max_steps, double *zout) {
  urn_ev *ev = S->u.ev;
  size_t N = S->u.N, K = S->K;
  urn_ode_fwd p = {N,  K,  lmm, rtol, atol, max_steps > 2e18 ? (long)2e18 : (long)max_steps,
                   S,  K ? cvs_rhs : urn_ode_cv_rhs, K ? cvs_jac : urn_ode_cv_jac, cvs_sens};
  S->cy = urn_ev_doubles(ev, N), S->chave = 0;
  double *Y = urn_ev_doubles(ev, M * N), *SY = urn_ev_doubles(ev, K ? M * N * K : 1);
  char msg[400];
  int rc = urn_ode_cvodes(&p, t0, z0, z0 + N, ts, M, Y, SY, msg, sizeof msg);
  urn_ode_raise(S, rc, msg);
  for (size_t j = 0; j < M; j++) {
    memcpy(zout + j * D, Y + j * N, N * sizeof(double));
    memcpy(zout + j * D + N, SY + j * N * K, N * K * sizeof(double));
  }
}

/* ---- the built-ins ---- */

/* The output: y_i(t_j) with partials S(t_j)[i, :], f_i(t_j) for a ts_j node, -(S_y0 f(t0, y0))_i for t0. */
static void ode_outputs(urn_ev *ev, urn_ode_sys *S, const urn_val *y0, const urn_val *t0v, const urn_val *tsv,
                        const double *zout, size_t D, const double *f0, const double *fts, urn_val *out) {
  size_t N = S->u.N, M = tsv->n;
  int32_t dim[2] = {(int32_t)M, (int32_t)N};
  int var = S->K > 0 || tsv->ix != NULL;
  urn_val_alloc(ev, out, S->old ? (urn_type){URN_TY_REAL, 2} : (urn_type){URN_TY_VECTOR, 1}, dim, var);
  int32_t it0 = urn_val_ix(t0v, 0);
  for (size_t j = 0; j < M; j++) {
    const double *zj = zout + j * D;
    int32_t its = urn_val_ix(tsv, j);
    for (size_t i = 0; i < N; i++) {
      double v = zj[i];
      out->v[j * N + i] = v;
      if (!var) continue;
      int32_t *o;
      double *p;
      urn_tape_begin(&ev->tape, S->K + 2, &o, &p);
      size_t m = 0;
      for (size_t k = 0; k < S->K0; k++) {
        int32_t node = urn_val_ix(y0, S->y0_state[k]);
        if (node >= 0) o[m] = node, p[m++] = zj[N + k * N + i];
      }
      for (size_t k = 0; k < S->u.Kp; k++)
        o[m] = S->u.fargs[S->u.p_arg[k]].ix[S->u.p_pos[k]], p[m++] = zj[N + (S->K0 + k) * N + i];
      if (its >= 0) o[m] = its, p[m++] = fts[j * N + i];
      if (it0 >= 0) {
        double d = 0; /* dy_i/dt0 = -sum_l dy_i/dy0_l f_l(t0, y0): every y0 is a direction here */
        for (size_t k = 0; k < S->K0; k++) d -= zj[N + k * N + i] * f0[S->y0_state[k]];
        o[m] = it0, p[m++] = d;
      }
      out->ix[j * N + i] = urn_tape_end(&ev->tape, v, m);
    }
  }
}

void urn_ode_check_tols(urn_ev *ev, const char *name, double rtol, double atol, double max_steps) {
  if (!(rtol > 0) || !isfinite(rtol))
    urn_ev_reject(ev, "%s: relative tolerance is %g, but must be positive and finite", name, rtol);
  if (!(atol > 0) || !isfinite(atol))
    urn_ev_reject(ev, "%s: absolute tolerance is %g, but must be positive and finite", name, atol);
  if (!(max_steps >= 1)) urn_ev_reject(ev, "%s: max_num_steps is %g, but must be positive", name, max_steps);
}

/* Tolerances of a call: Stan's defaults or the _tol arguments, checked. */
static void ode_controls(urn_ev *ev, const urn_builtin *b, const urn_val *args, double *rtol, double *atol,
                         double *max_steps) {
  int old = (b->aux2 & ODE_OLD) != 0, tol = (b->aux2 & ODE_TOL) != 0;
  *rtol = 1e-6, *atol = 1e-6, *max_steps = 1e6;
  if (old && (b->aux2 & ODE_STIFF_DEFAULTS)) *rtol = 1e-10, *atol = 1e-10, *max_steps = 1e8;
  if (tol) {
    int at = old ? 7 : 4;
    *rtol = args[at].v[0], *atol = args[at + 1].v[0], *max_steps = args[at + 2].v[0];
  }
  urn_ode_check_tols(ev, b->name, *rtol, *atol, *max_steps);
}

/* ode_*(f, y0, t0, ts, [rtol, atol, max_steps,] ...) and
 * integrate_ode_*(f, y0, t0, ts, theta, x_r, x_i [, rtol, atol, max_steps]). */
static void f_ode(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  int old = (b->aux2 & ODE_OLD) != 0, tol = (b->aux2 & ODE_TOL) != 0;
  int lmm = (b->aux2 & ODE_BDF) ? URN_ODE_BDF : (b->aux2 & ODE_ADAMS) ? URN_ODE_ADAMS : 0;
  const urn_val *y0 = &args[1], *t0v = &args[2], *tsv = &args[3];
  double rtol, atol, max_steps;
  ode_controls(ev, b, args, &rtol, &atol, &max_steps);
  int first_extra = old ? 4 : tol ? 7 : 4, nextra = old ? 3 : n - first_extra;
  urn_ode_check(ev, b->name, y0, t0v, tsv, &args[first_extra], nextra, first_extra);
  size_t N = y0->n, M = tsv->n;
  double t0 = t0v->v[0];
  int t0_var = urn_val_ix(t0v, 0) >= 0, ts_var = tsv->ix != NULL;
  urn_ode_sys *S = urn_arena_alloc(&ev->arena, sizeof *S);
  urn_ode_init(ev, S, b->name, urn_fn_funref(&args[0]), y0, &args[first_extra], nextra, old, 1, t0_var);
  S->rtol = rtol, S->atol = atol, S->max_steps = max_steps;
  size_t D;
  if (urn_mul_overflow(N, 1 + S->K, &D) || D > ((size_t)1 << 26))
    urn_ev_reject(ev, "%s: %zu states with %zu sensitivities is too large", b->name, N, S->K);
  double *z = urn_ev_doubles(ev, D), *zout = urn_ev_doubles(ev, M * D);
  memcpy(z, y0->v, N * sizeof *z);
  for (size_t k = 0; k < S->K0; k++) z[N + k * N + S->y0_state[k]] = 1;
  double *f0 = t0_var ? urn_ev_doubles(ev, N) : NULL, *fts = ts_var ? urn_ev_doubles(ev, M * N) : NULL;

  urn_usys_begin(&S->u);
  if (setjmp(ev->jb)) {
    urn_usys_end(&S->u);
    longjmp(ev->jb, 1);
  }
  if (lmm)
    ode_cvodes(S, lmm, z, D, t0, tsv->v, M, S->rtol, S->atol, S->max_steps, zout);
  else
    ode_integrate(S, z, D, t0, tsv->v, M, S->rtol, S->atol, S->max_steps, zout);
  if (t0_var) urn_ode_call(S, t0, y0->v, f0, 0);
  if (ts_var)
    for (size_t j = 0; j < M; j++) urn_ode_call(S, tsv->v[j], zout + j * D, fts + j * N, 0);
  urn_usys_end(&S->u);
  ode_outputs(ev, S, y0, t0v, tsv, zout, D, f0, fts, out);
}


#define F(name, sig, aux2, doc) {name, sig, f_ode, NULL, NULL, aux2, 0, doc}
#define BDF ODE_BDF
#define ADM ODE_ADAMS
const urn_builtin urn_fn_ode_table[] = {
    F("ode_rk45", "1v:F v r 1r", 0, "solution of y' = f(t, y, ...) at times ts (Dormand-Prince 5(4))"),
    F("ode_rk45", "1v:F v r 1r A*", 0, "solution of y' = f(t, y, ...) at times ts (Dormand-Prince 5(4))"),
    F("ode_rk45_tol", "1v:F v r 1r r r i", ODE_TOL, "ode_rk45 with rel_tol, abs_tol, max_num_steps"),
    F("ode_rk45_tol", "1v:F v r 1r r r i A*", ODE_TOL, "ode_rk45 with rel_tol, abs_tol, max_num_steps"),
    F("ode_ckrk", "1v:F v r 1r", 0, "as ode_rk45 (urn uses Dormand-Prince 5(4))"),
    F("ode_ckrk", "1v:F v r 1r A*", 0, "as ode_rk45 (urn uses Dormand-Prince 5(4))"),
    F("ode_ckrk_tol", "1v:F v r 1r r r i", ODE_TOL, "as ode_rk45_tol"),
    F("ode_ckrk_tol", "1v:F v r 1r r r i A*", ODE_TOL, "as ode_rk45_tol"),
    F("ode_bdf", "1v:F v r 1r", BDF, "stiff ODE solution at times ts (CVODES' BDF, needs SUNDIALS)"),
    F("ode_bdf", "1v:F v r 1r A*", BDF, "stiff ODE solution at times ts (CVODES' BDF, needs SUNDIALS)"),
    F("ode_bdf_tol", "1v:F v r 1r r r i", ODE_TOL | BDF, "ode_bdf with rel_tol, abs_tol, max_num_steps"),
    F("ode_bdf_tol", "1v:F v r 1r r r i A*", ODE_TOL | BDF, "ode_bdf with rel_tol, abs_tol, max_num_steps"),
    F("ode_adams", "1v:F v r 1r", ADM, "non-stiff ODE solution at times ts (CVODES' Adams-Moulton, needs SUNDIALS)"),
    F("ode_adams", "1v:F v r 1r A*", ADM, "non-stiff ODE solution at times ts (CVODES' Adams-Moulton, needs SUNDIALS)"),
    F("ode_adams_tol", "1v:F v r 1r r r i", ODE_TOL | ADM, "ode_adams with rel_tol, abs_tol, max_num_steps"),
    F("ode_adams_tol", "1v:F v r 1r r r i A*", ODE_TOL | ADM, "ode_adams with rel_tol, abs_tol, max_num_steps"),
    F("integrate_ode", "2r:F 1r r 1r 1r 1r 1i", ODE_OLD, "the oldest ODE interface (as integrate_ode_rk45)"),
    F("integrate_ode_rk45", "2r:F 1r r 1r 1r 1r 1i", ODE_OLD, "old ODE interface f(t, y, theta, x_r, x_i)"),
    F("integrate_ode_rk45", "2r:F 1r r 1r 1r 1r 1i r r r", ODE_OLD | ODE_TOL, "old ODE interface with tolerances"),
    F("integrate_ode_bdf", "2r:F 1r r 1r 1r 1r 1i", ODE_OLD | ODE_STIFF_DEFAULTS | BDF,
      "old stiff ODE interface (CVODES' BDF, tolerances 1e-10)"),
    F("integrate_ode_bdf", "2r:F 1r r 1r 1r 1r 1i r r r", ODE_OLD | ODE_TOL | BDF, "old stiff ODE interface with tolerances"),
    F("integrate_ode_adams", "2r:F 1r r 1r 1r 1r 1i", ODE_OLD | ODE_STIFF_DEFAULTS | ADM,
      "old Adams ODE interface (CVODES, tolerances 1e-10)"),
    F("integrate_ode_adams", "2r:F 1r r 1r 1r 1r 1i r r r", ODE_OLD | ODE_TOL | ADM, "old Adams ODE interface with tolerances"),
    {NULL, NULL, NULL, NULL, NULL, 0, 0, NULL}};
