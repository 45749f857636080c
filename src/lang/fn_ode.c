/* lang/fn_ode.c — ODE solvers: the variadic ode_rk45 / ode_bdf / ode_adams /
 * ode_ckrk (and their _tol forms) and the old integrate_ode_rk45 / _bdf /
 * _adams (theta, x_r, x_i) signature, plus the machinery every higher-order
 * built-in needs: a function passed by name, a call of the user's function
 * with values from C, and the Jacobian of that function by reverse sweeps
 * over a private stretch of the tape.
 *
 * Method: adaptive Dormand–Prince 5(4) (explicit, error per component
 * atol + rtol max(|z|, |z_new|), max norm), stepping exactly onto every output
 * time.  Gradients by forward sensitivities: when y0, the extra arguments, t0
 * or ts carry tape nodes, the state is augmented with S = dy/dp for every
 * such scalar p (dS/dt = J_y S + J_p, S(t0) = dy0/dp), and the error control
 * covers the augmented state, as Stan's coupled system does.  The Jacobians
 * J_y, J_p come from running the user's function on the tape with fresh
 * input nodes and sweeping back once per state component; those nodes are
 * then dropped.  Every output y_i(t_j) is one tape node whose partials are
 * S(t_j)[i, :] (plus f_i(t_j) for a ts_j node and -(S_y0 f(t0, y0))_i for a
 * t0 node).
 *
 * The stiff solvers (_bdf, _adams) use the same explicit method (documented
 * in docs/language.md): results agree to the tolerances, but a truly stiff
 * system needs very many steps and may hit max_num_steps (a rejection). */
#include <math.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "lang/fn.h"

/* ---- a function passed by name ---- */

void urn_fn_g_funref(urn_ev *ev, const ir_ex *e, urn_val *out) {
  (void)ev;
  memset(out, 0, sizeof *out);
  out->ty = (urn_type){URN_TY_FUNCTION, 0};
  /* a round trip through double * is allowed (C11 6.3.2.3p7): ir_fun is at least double-aligned */
  out->v = (double *)(void *)e->fun;
}

const ir_fun *urn_fn_funref(const urn_val *v) { return (const ir_fun *)(const void *)v->v; }

void urn_fn_call_user(urn_ev *ev, const ir_fun *f, urn_val *args, int n, urn_val *out) {
  if (!f->body) urn_ev_fail(ev, URN_EFATAL, "function %s is declared but not defined", f->name);
  if (n != f->nparams) urn_ev_fail(ev, URN_EFATAL, "%s: called with %d arguments, expects %d", f->name, n, f->nparams);
  if (ev->depth > 2000) urn_ev_reject(ev, "%s: recursion too deep", f->name);
  urn_val *frame = urn_arena_alloc(&ev->arena, (size_t)(f->nslots ? f->nslots : 1) * sizeof(urn_val));
  for (int i = 0; i < n; i++) {
    frame[f->param_slot[i]] = args[i];
    if (f->param_ty[i].base == URN_TY_REAL && args[i].ty.base == URN_TY_INT) frame[f->param_slot[i]].ty.base = URN_TY_REAL;
  }
  urn_val *saved = ev->frame;
  ev->frame = frame;
  ev->depth++;
  ev->ctl = EV_NORMAL;
  urn_ev_run(ev, f->body);
  ev->depth--;
  ev->frame = saved;
  if (ev->ctl == EV_RETURN) {
    *out = ev->retval;
  } else {
    if (f->ret.base != URN_TY_VOID) urn_ev_reject(ev, "%s: function ended without returning a value", f->name);
    memset(out, 0, sizeof *out);
  }
  ev->ctl = EV_NORMAL;
}

/* Reverse sweep of the tape stretch [lo, n) from root (adjoint 1), running
 * the callbacks registered in that stretch; afterwards t->adj[i] for i >= lo
 * are d root / d node i.  Nodes before lo are not touched. */
void urn_fn_local_sweep(urn_tape *t, size_t lo, size_t cb_lo, int32_t root) {
  if (t->n > t->adj_cap) {
    free(t->adj);
    t->adj_cap = t->cap;
    t->adj = urn_xmalloc(t->adj_cap * sizeof *t->adj);
  }
  memset(t->adj + lo, 0, (t->n - lo) * sizeof *t->adj);
  if (root < 0 || (size_t)root < lo) return;
  t->adj[root] = 1;
  size_t hi = (size_t)root + 1;
  double *adj = t->adj;
  for (size_t c = t->ncb; c-- > cb_lo;) {
    const urn_tape_callback *cb = &t->cbs[c];
    size_t first = (size_t)cb->first_out;
    if (first > (size_t)root) continue;
    for (size_t i = hi; i-- > first;) {
      double a = adj[i];
      if (a == 0) continue;
      for (uint32_t k = t->start[i], e = t->start[i + 1]; k < e; k++)
        if ((size_t)t->opnd[k] >= lo) adj[t->opnd[k]] += a * t->part[k];
    }
    cb->fn(t, cb->data);
    hi = first;
  }
  for (size_t i = hi; i-- > lo;) {
    double a = adj[i];
    if (a == 0) continue;
    for (uint32_t k = t->start[i], e = t->start[i + 1]; k < e; k++)
      if ((size_t)t->opnd[k] >= lo) adj[t->opnd[k]] += a * t->part[k];
  }
}

/* ---- the ODE system ---- */

/* Flags in aux2 of the table entries. */
enum { ODE_OLD = 1, ODE_TOL = 2, ODE_STIFF_DEFAULTS = 4 };

typedef struct ode_sys {
  urn_usys u;            /* the user's right-hand side f(t, y, ...): t is argument 0 (S->t), y argument 1 */
  double t;              /* the time of the current call (argument 0 points here) */
  const char *name;      /* the built-in's name, for messages */
  int old;               /* integrate_ode_* signature: (t, array[] real y, theta, x_r, x_i) */
  size_t K0;             /* sensitivity directions that are initial states */
  size_t *y0_state;      /* for direction k < K0: which state it is */
  size_t K;              /* K0 + Kp */
  int sens;              /* integrate the sensitivities */
  long nfev;             /* right-hand side evaluations (diagnostics) */
} ode_sys;

/* Runs the user's f(t, y, ...): values to dy[0..N); with jac, the Jacobians
 * with respect to y and to the parameter entries go to S->u.J, S->u.Jp. */
static void ode_call(ode_sys *S, double t, const double *y, double *dy, int jac) {
  urn_ev *ev = S->u.ev;
  size_t N = S->u.N;
  S->t = t;
  size_t rn = urn_usys_call(&S->u, y, dy, jac ? 2 : 0);
  S->nfev++;
  if (rn != N)
    urn_ev_reject(ev, "%s: the system function %s returned %zu values for a state of size %zu", S->name,
                  S->u.f->name, rn, N);
  for (size_t i = 0; i < N; i++)
    if (!isfinite(dy[i]))
      urn_ev_reject(ev, "%s: the system function %s returned %g at t = %g", S->name, S->u.f->name, dy[i], t);
}

/* The augmented right-hand side: z = [y (N), S (N x K, column k at N + k N)]. */
static void ode_rhs(ode_sys *S, double t, const double *z, double *dz) {
  size_t N = S->u.N, K = S->sens ? S->K : 0;
  ode_call(S, t, z, dz, K > 0);
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

/* Integrates z (size D) from t0 through every ts[j], storing the state at
 * ts[j] in zout + j D.  FSAL: k[0] holds f(t, z) on entry to each step. */
static void ode_integrate(ode_sys *S, double *z, size_t D, double t0, const double *ts, size_t M, double rtol,
                          double atol, double max_steps, double *zout) {
  urn_ev *ev = S->u.ev;
  double *k[7], *ztmp = urn_ev_doubles(ev, D), *znew = urn_ev_doubles(ev, D);
  for (int s = 0; s < 7; s++) k[s] = urn_ev_doubles(ev, D);
  double t = t0;
  ode_rhs(S, t, z, k[0]);
  /* initial step (Hairer's heuristic, on the scaled norms) */
  double d0 = 0, d1 = 0;
  for (size_t i = 0; i < D; i++) {
    double sc = atol + rtol * fabs(z[i]);
    d0 = fmax(d0, fabs(z[i]) / sc), d1 = fmax(d1, fabs(k[0][i]) / sc);
  }
  double span = M ? ts[M - 1] - t0 : 0;
  double h = (d0 < 1e-5 || d1 < 1e-5) ? 1e-6 : 0.01 * d0 / d1;
  if (span > 0 && h > span) h = span;
  if (M) {
    for (size_t i = 0; i < D; i++) ztmp[i] = z[i] + h * k[0][i];
    ode_rhs(S, t + h, ztmp, k[1]);
    double d2 = 0;
    for (size_t i = 0; i < D; i++) d2 = fmax(d2, fabs(k[1][i] - k[0][i]) / (atol + rtol * fabs(z[i])));
    d2 /= h;
    double dm = fmax(d1, d2);
    double h1 = dm <= 1e-15 ? fmax(1e-6, h * 1e-3) : pow(0.01 / dm, 1.0 / 5);
    h = fmin(100 * h, h1);
  }
  for (size_t j = 0; j < M; j++) {
    double tend = ts[j];
    double steps = 0;
    while (t < tend) {
      if (++steps > max_steps)
        urn_ev_reject(ev, "%s: max_num_steps (%.0f) reached before t = %g (at t = %g)", S->name, max_steps, tend, t);
      int last = 0;
      double hs = h;
      if (t + hs >= tend || t + 1.01 * hs >= tend) hs = tend - t, last = 1;
      for (int s = 1; s < 7; s++) {
        for (size_t i = 0; i < D; i++) {
          double acc = 0;
          for (int q = 0; q < s; q++) acc += DP_A[s][q] * k[q][i];
          ztmp[i] = z[i] + hs * acc;
        }
        ode_rhs(S, t + DP_C[s] * hs, ztmp, k[s]);
        if (s == 6) memcpy(znew, ztmp, D * sizeof *znew);
      }
      double err = 0;
      for (size_t i = 0; i < D; i++) {
        double e = 0;
        for (int s = 0; s < 7; s++) e += DP_E[s] * k[s][i];
        e *= hs;
        double sc = atol + rtol * fmax(fabs(z[i]), fabs(znew[i]));
        err = fmax(err, fabs(e) / sc);
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

static void ode_cleanup(ode_sys *S) { urn_usys_end(&S->u); }

static double scalar_of(const urn_val *x) { return x->v[0]; }

/* ode_*(f, y0, t0, ts, [rtol, atol, max_steps,] ...) and
 * integrate_ode_*(f, y0, t0, ts, theta, x_r, x_i [, rtol, atol, max_steps]). */
static void f_ode(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  int old = (b->aux2 & ODE_OLD) != 0, tol = (b->aux2 & ODE_TOL) != 0;
  const ir_fun *f = urn_fn_funref(&args[0]);
  const urn_val *y0 = &args[1], *t0v = &args[2], *tsv = &args[3];
  volatile double rtol = 1e-6, atol = 1e-6, max_steps = 1e6; /* live across the setjmp below */
  if (old && (b->aux2 & ODE_STIFF_DEFAULTS)) rtol = 1e-10, atol = 1e-10, max_steps = 1e8;
  int first_extra;
  if (old) {
    first_extra = 4;
    if (tol) rtol = scalar_of(&args[7]), atol = scalar_of(&args[8]), max_steps = scalar_of(&args[9]);
  } else {
    first_extra = tol ? 7 : 4;
    if (tol) rtol = scalar_of(&args[4]), atol = scalar_of(&args[5]), max_steps = scalar_of(&args[6]);
  }
  int nextra = old ? 3 : n - first_extra;
  if (!(rtol > 0) || !isfinite(rtol)) urn_ev_reject(ev, "%s: relative tolerance is %g, but must be positive and finite", b->name, rtol);
  if (!(atol > 0) || !isfinite(atol)) urn_ev_reject(ev, "%s: absolute tolerance is %g, but must be positive and finite", b->name, atol);
  if (!(max_steps >= 1)) urn_ev_reject(ev, "%s: max_num_steps is %g, but must be positive", b->name, max_steps);
  size_t N = y0->n, M = tsv->n;
  double t0 = scalar_of(t0v);
  if (N == 0) urn_ev_reject(ev, "%s: the initial state has size 0", b->name);
  if (!isfinite(t0)) urn_ev_reject(ev, "%s: initial time is %g, but must be finite", b->name, t0);
  for (size_t i = 0; i < N; i++)
    if (!isfinite(y0->v[i])) urn_ev_reject(ev, "%s: initial state[%zu] is %g, but must be finite", b->name, i + 1, y0->v[i]);
  for (size_t j = 0; j < M; j++) {
    if (!isfinite(tsv->v[j])) urn_ev_reject(ev, "%s: times[%zu] is %g, but must be finite", b->name, j + 1, tsv->v[j]);
    if (j == 0 && !(tsv->v[0] > t0))
      urn_ev_reject(ev, "%s: times[1] is %g, but must be greater than the initial time %g", b->name, tsv->v[0], t0);
    if (j > 0 && tsv->v[j] < tsv->v[j - 1])
      urn_ev_reject(ev, "%s: times must be sorted, but times[%zu] = %g < times[%zu] = %g", b->name, j + 1, tsv->v[j], j,
                    tsv->v[j - 1]);
  }
  for (int k = 0; k < nextra; k++)
    for (size_t i = 0; i < args[first_extra + k].n; i++)
      if (isnan(args[first_extra + k].v[i])) urn_ev_reject(ev, "%s: argument %d has a NaN entry", b->name, first_extra + k + 1);

  ode_sys *S = urn_arena_alloc(&ev->arena, sizeof *S);
  S->u.ev = ev, S->name = b->name, S->u.f = f, S->old = old, S->u.N = N;
  S->u.nfargs = 2 + nextra;
  S->u.fargs = urn_arena_alloc(&ev->arena, (size_t)S->u.nfargs * sizeof *S->u.fargs);
  S->u.ys = 1;
  urn_val_scalar(&S->u.fargs[0], (urn_type){URN_TY_REAL, 0}, &S->t);
  S->u.fargs[1].ty = old ? (urn_type){URN_TY_REAL, 1} : (urn_type){URN_TY_VECTOR, 0};
  S->u.fargs[1].dim[0] = (int32_t)N, S->u.fargs[1].n = N;
  for (int k = 0; k < nextra; k++) S->u.fargs[2 + k] = args[first_extra + k];
  /* sensitivity directions */
  int t0_var = urn_val_ix(t0v, 0) >= 0, ts_var = tsv->ix != NULL;
  S->y0_state = urn_arena_alloc(&ev->arena, N * sizeof *S->y0_state);
  for (size_t i = 0; i < N; i++)
    if (t0_var || urn_val_ix(y0, i) >= 0) S->y0_state[S->K0++] = i;
  size_t np = 0;
  for (int k = 0; k < nextra; k++)
    if (S->u.fargs[2 + k].ix)
      for (size_t i = 0; i < S->u.fargs[2 + k].n; i++) np += S->u.fargs[2 + k].ix[i] >= 0;
  S->u.p_arg = urn_arena_alloc(&ev->arena, (np ? np : 1) * sizeof *S->u.p_arg);
  S->u.p_pos = urn_arena_alloc(&ev->arena, (np ? np : 1) * sizeof *S->u.p_pos);
  for (int k = 0; k < nextra; k++)
    if (S->u.fargs[2 + k].ix)
      for (size_t i = 0; i < S->u.fargs[2 + k].n; i++)
        if (S->u.fargs[2 + k].ix[i] >= 0) S->u.p_arg[S->u.Kp] = 2 + k, S->u.p_pos[S->u.Kp++] = i;
  S->K = S->K0 + S->u.Kp;
  S->sens = S->K > 0;
  S->u.J = urn_ev_doubles(ev, N * N);
  S->u.Jp = urn_ev_doubles(ev, N * (S->u.Kp ? S->u.Kp : 1));
  size_t D;
  if (urn_mul_overflow(N, 1 + S->K, &D) || D > ((size_t)1 << 26))
    urn_ev_reject(ev, "%s: %zu states with %zu sensitivities is too large", b->name, N, S->K);
  double *z = urn_ev_doubles(ev, D), *zout = urn_ev_doubles(ev, (M ? M : 1) * D);
  memcpy(z, y0->v, N * sizeof *z);
  for (size_t k = 0; k < S->K0; k++) z[N + k * N + S->y0_state[k]] = 1;
  double *f0 = t0_var ? urn_ev_doubles(ev, N) : NULL, *fts = ts_var ? urn_ev_doubles(ev, (M ? M : 1) * N) : NULL;

  urn_usys_begin(&S->u);
  if (setjmp(ev->jb)) {
    ode_cleanup(S);
    longjmp(ev->jb, 1);
  }
  ode_integrate(S, z, D, t0, tsv->v, M, rtol, atol, max_steps, zout);
  if (t0_var) ode_call(S, t0, y0->v, f0, 0);
  if (ts_var)
    for (size_t j = 0; j < M; j++) ode_call(S, tsv->v[j], zout + j * D, fts + j * N, 0);
  ode_cleanup(S);

  int32_t dim[2] = {(int32_t)M, (int32_t)N};
  int var = S->K > 0 || ts_var;
  urn_val_alloc(ev, out, old ? (urn_type){URN_TY_REAL, 2} : (urn_type){URN_TY_VECTOR, 1}, dim, var);
  for (size_t j = 0; j < M; j++) {
    const double *zj = zout + j * D;
    int32_t its = urn_val_ix(tsv, j), it0 = urn_val_ix(t0v, 0);
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

#define F(name, sig, aux2, doc) {name, sig, f_ode, NULL, NULL, aux2, 0, doc}
const urn_builtin urn_fn_ode_table[] = {
    F("ode_rk45", "1v:F v r 1r", 0, "solution of y' = f(t, y, ...) at times ts (Dormand-Prince 5(4))"),
    F("ode_rk45", "1v:F v r 1r A*", 0, "solution of y' = f(t, y, ...) at times ts (Dormand-Prince 5(4))"),
    F("ode_rk45_tol", "1v:F v r 1r r r i", ODE_TOL, "ode_rk45 with rel_tol, abs_tol, max_num_steps"),
    F("ode_rk45_tol", "1v:F v r 1r r r i A*", ODE_TOL, "ode_rk45 with rel_tol, abs_tol, max_num_steps"),
    F("ode_ckrk", "1v:F v r 1r", 0, "as ode_rk45 (urn uses Dormand-Prince 5(4))"),
    F("ode_ckrk", "1v:F v r 1r A*", 0, "as ode_rk45 (urn uses Dormand-Prince 5(4))"),
    F("ode_ckrk_tol", "1v:F v r 1r r r i", ODE_TOL, "as ode_rk45_tol"),
    F("ode_ckrk_tol", "1v:F v r 1r r r i A*", ODE_TOL, "as ode_rk45_tol"),
    F("ode_bdf", "1v:F v r 1r", 0, "stiff solver's interface (urn: explicit Dormand-Prince 5(4), see docs)"),
    F("ode_bdf", "1v:F v r 1r A*", 0, "stiff solver's interface (urn: explicit Dormand-Prince 5(4), see docs)"),
    F("ode_bdf_tol", "1v:F v r 1r r r i", ODE_TOL, "ode_bdf with rel_tol, abs_tol, max_num_steps"),
    F("ode_bdf_tol", "1v:F v r 1r r r i A*", ODE_TOL, "ode_bdf with rel_tol, abs_tol, max_num_steps"),
    F("ode_adams", "1v:F v r 1r", 0, "Adams solver's interface (urn: explicit Dormand-Prince 5(4), see docs)"),
    F("ode_adams", "1v:F v r 1r A*", 0, "Adams solver's interface (urn: explicit Dormand-Prince 5(4), see docs)"),
    F("ode_adams_tol", "1v:F v r 1r r r i", ODE_TOL, "ode_adams with rel_tol, abs_tol, max_num_steps"),
    F("ode_adams_tol", "1v:F v r 1r r r i A*", ODE_TOL, "ode_adams with rel_tol, abs_tol, max_num_steps"),
    F("integrate_ode_rk45", "2r:F 1r r 1r 1r 1r 1i", ODE_OLD, "old ODE interface f(t, y, theta, x_r, x_i)"),
    F("integrate_ode_rk45", "2r:F 1r r 1r 1r 1r 1i r r r", ODE_OLD | ODE_TOL, "old ODE interface with tolerances"),
    F("integrate_ode_bdf", "2r:F 1r r 1r 1r 1r 1i", ODE_OLD | ODE_STIFF_DEFAULTS, "old ODE interface (tolerances 1e-10)"),
    F("integrate_ode_bdf", "2r:F 1r r 1r 1r 1r 1i r r r", ODE_OLD | ODE_TOL, "old ODE interface with tolerances"),
    F("integrate_ode_adams", "2r:F 1r r 1r 1r 1r 1i", ODE_OLD | ODE_STIFF_DEFAULTS, "old ODE interface (tolerances 1e-10)"),
    F("integrate_ode_adams", "2r:F 1r r 1r 1r 1r 1i r r r", ODE_OLD | ODE_TOL, "old ODE interface with tolerances"),
    {NULL, NULL, NULL, NULL, NULL, 0, 0, NULL}};
