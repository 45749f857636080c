/* lang/fn_ode_adj.c — ode_adjoint_tol_ctl: the ODE solution by CVODES with
 * its gradient by the adjoint method (math/ode_cvodes.c), every control
 * argument as Stan's: forward, backward and quadrature tolerances (the
 * absolute ones per state for the first two), max_num_steps (per output
 * interval, both directions), num_steps_between_checkpoints,
 * interpolation_polynomial (1 Hermite, 2 polynomial), solver_forward and
 * solver_backward (1 Adams, 2 BDF).
 *
 * Forward pass: a plain CVODES solve gives the values; when anything carries
 * tape nodes, each output y_i(t_j) becomes a fresh node and a tape callback
 * is registered.  Reverse pass (the callback): with the outputs' adjoints
 * ybar, CVODES solves forward again with checkpoints (the same steps, so the
 * same values) and then backward, lam' = -(df/dy)' lam from the last output
 * time to t0 with ybar_j added at each t_j, and the quadrature of
 * lam' df/dp; lam(t0) is the adjoint of y0 and the quadrature that of the
 * parameter-dependent extra arguments.  ts_j gets ybar_j . f(t_j, y_j) and
 * t0 gets -lam(t0) . f(t0, y0).  The vector-Jacobian products lam' df/dy and
 * lam' df/dp are one reverse sweep each over the user's function
 * (urn_usys_vjp), so the cost is independent of the number of parameters.
 *
 * Decision: the checkpoints are not kept from the forward pass to the
 * reverse pass (nothing would free them when an evaluation is abandoned
 * between the two); the price is one extra forward solve per gradient. */
#include <math.h>
#include <setjmp.h>
#include <string.h>

#include "lang/fn_ode.h"
#include "math/ode.h"

/* What the reverse pass needs. */
typedef struct adj_cb {
  urn_ode_sys *S;        /* the system (its usys template is reused) */
  urn_ode_adj p;         /* the CVODES settings */
  double t0;             /* initial time */
  const double *y0;      /* initial state (N) */
  const double *ts;      /* output times (M) */
  size_t M;              /* their number */
  const double *Y;       /* the forward solution (M x N) */
  const int32_t *out_ix; /* output nodes (M x N) */
  const int32_t *y0_ix;  /* y0's nodes or NULL */
  int32_t t0_ix;         /* t0's node or -1 */
  const int32_t *ts_ix;  /* ts's nodes or NULL */
} adj_cb;

/* The arguments of urn_usys_vjp from a callback. */
typedef struct {
  const double *y, *lam; /* state and adjoint */
  double *gy, *gp;       /* lam' df/dy and lam' df/dp out */
} adj_vjp_args;

static size_t adj_vjp_eval(urn_ode_sys *S, void *arg) {
  adj_vjp_args *a = arg;
  return urn_usys_vjp(&S->u, a->y, NULL, a->lam, S->fbuf, a->gy, NULL, a->gp);
}

static int adj_vjp(void *ctx, double t, const double *y, const double *lam, double *gy, double *gp) {
  urn_ode_sys *S = ctx;
  adj_vjp_args a = {y, lam, gy, gp};
  if (urn_ode_guarded(S, t, adj_vjp_eval, &a, "system")) return -1;
  for (size_t i = 0; i < S->u.N; i++)
    if (!isfinite(gy[i])) return 1;
  for (size_t k = 0; gp && k < S->u.Kp; k++)
    if (!isfinite(gp[k])) return 1;
  return 0;
}

/* The reverse pass: see the file comment. */
static void adj_reverse(urn_tape *t, void *data) {
  adj_cb *c = data;
  urn_ode_sys *S = c->S;
  urn_ev *ev = S->u.ev;
  size_t N = S->u.N, M = c->M, P = S->u.Kp;
  double *ybar = urn_ev_doubles(ev, M * N), *Y = urn_ev_doubles(ev, M * N), *y0bar = urn_ev_doubles(ev, N);
  double *pbar = urn_ev_doubles(ev, P ? P : 1), *f = urn_ev_doubles(ev, N);
  int any = 0;
  for (size_t k = 0; k < M * N; k++) any |= (ybar[k] = t->adj[c->out_ix[k]]) != 0;
  if (!any) return;
  char msg[400];
  urn_usys_begin(&S->u);
  if (setjmp(ev->jb)) {
    urn_usys_end(&S->u);
    longjmp(ev->jb, 1);
  }
  int rc = urn_ode_cvodes_adjoint(&c->p, c->t0, c->y0, c->ts, M, ybar, Y, y0bar, pbar, msg, sizeof msg);
  urn_ode_raise(S, rc, msg);
  double *adj = t->adj; /* the user's function may have grown the adjoint array */
  for (size_t i = 0; i < N; i++) {
    int32_t a = c->y0_ix ? c->y0_ix[i] : -1;
    if (a >= 0) adj[a] += y0bar[i];
  }
  for (size_t k = 0; k < P; k++) adj[S->u.fargs[S->u.p_arg[k]].ix[S->u.p_pos[k]]] += pbar[k];
  if (c->ts_ix)
    for (size_t j = 0; j < M; j++) {
      if (c->ts_ix[j] < 0) continue;
      urn_ode_call(S, c->ts[j], c->Y + j * N, f, 0);
      adj = t->adj;
      double d = 0;
      for (size_t i = 0; i < N; i++) d += ybar[j * N + i] * f[i];
      adj[c->ts_ix[j]] += d;
    }
  if (c->t0_ix >= 0) {
    urn_ode_call(S, c->t0, c->y0, f, 0);
    adj = t->adj;
    double d = 0;
    for (size_t i = 0; i < N; i++) d -= y0bar[i] * f[i];
    adj[c->t0_ix] += d;
  }
  urn_usys_end(&S->u);
}

/* A tolerance argument: positive and finite (every entry of a vector one, which has N entries). */
static void adj_check_tol(urn_ev *ev, const char *fn, const char *what, const urn_val *v, size_t N) {
  if (N && v->n != N)
    urn_ev_reject(ev, "%s: %s has size %zu, but must have the size of the initial state (%zu)", fn, what, v->n, N);
  for (size_t i = 0; i < v->n; i++)
    if (!(v->v[i] > 0) || !isfinite(v->v[i])) {
      if (N)
        urn_ev_reject(ev, "%s: %s[%zu] is %g, but must be positive and finite", fn, what, i + 1, v->v[i]);
      urn_ev_reject(ev, "%s: %s is %g, but must be positive and finite", fn, what, v->v[i]);
    }
}

/* The control arguments 4..14, checked (Stan's conditions), into p. */
static void adj_controls(urn_ev *ev, const char *fn, const urn_val *a, size_t N, urn_ode_adj *p) {
  adj_check_tol(ev, fn, "relative_tolerance_forward", &a[4], 0);
  adj_check_tol(ev, fn, "absolute_tolerance_forward", &a[5], N);
  adj_check_tol(ev, fn, "relative_tolerance_backward", &a[6], 0);
  adj_check_tol(ev, fn, "absolute_tolerance_backward", &a[7], N);
  adj_check_tol(ev, fn, "relative_tolerance_quadrature", &a[8], 0);
  adj_check_tol(ev, fn, "absolute_tolerance_quadrature", &a[9], 0);
  static const char *names[5] = {"max_num_steps", "num_steps_between_checkpoints", "interpolation_polynomial",
                                 "solver_forward", "solver_backward"};
  double v[5];
  for (int k = 0; k < 5; k++) {
    v[k] = a[10 + k].v[0];
    if (k < 2 && !(v[k] >= 1)) urn_ev_reject(ev, "%s: %s is %.0f, but must be positive", fn, names[k], v[k]);
    if (k >= 2 && v[k] != 1 && v[k] != 2)
      urn_ev_reject(ev, "%s: %s is %.0f, but must be 1 or 2 (%s)", fn, names[k], v[k],
                    k == 2 ? "1: Hermite, 2: polynomial" : "1: Adams, 2: BDF");
  }
  p->rtol_fwd = a[4].v[0], p->atol_fwd = a[5].v, p->rtol_bwd = a[6].v[0], p->atol_bwd = a[7].v;
  p->rtol_quad = a[8].v[0], p->atol_quad = a[9].v[0];
  p->max_steps = (long)v[0], p->checkpoint_steps = (long)v[1];
  p->interp = v[2] == 1 ? URN_ODE_HERMITE : URN_ODE_POLYNOMIAL;
  p->lmm_fwd = v[3] == 1 ? URN_ODE_ADAMS : URN_ODE_BDF, p->lmm_bwd = v[4] == 1 ? URN_ODE_ADAMS : URN_ODE_BDF;
}

/* ode_adjoint_tol_ctl(f, y0, t0, ts, rtol_f, atol_f, rtol_b, atol_b, rtol_q, atol_q, max_num_steps,
 * num_steps_between_checkpoints, interpolation_polynomial, solver_forward, solver_backward, ...). */
static void f_ode_adjoint(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_val *y0 = &args[1], *t0v = &args[2], *tsv = &args[3];
  int nextra = n - 15;
  urn_ode_check(ev, b->name, y0, t0v, tsv, &args[15], nextra, 15);
  size_t N = y0->n, M = tsv->n;
  urn_ode_sys *S = urn_arena_alloc(&ev->arena, sizeof *S);
  urn_ode_init(ev, S, b->name, urn_fn_funref(&args[0]), y0, &args[15], nextra, 0, 0, 0);
  adj_cb *c = urn_arena_alloc(&ev->arena, sizeof *c);
  memset(c, 0, sizeof *c);
  adj_controls(ev, b->name, args, N, &c->p);
  c->p.N = N, c->p.P = S->u.Kp, c->p.ctx = S, c->p.rhs = urn_ode_cv_rhs, c->p.jac = urn_ode_cv_jac, c->p.vjp = adj_vjp;
  int var = S->u.Kp > 0 || tsv->ix != NULL || urn_val_ix(t0v, 0) >= 0;
  for (size_t i = 0; i < N && !var; i++) var = urn_val_ix(y0, i) >= 0;
  int32_t dim[2] = {(int32_t)M, (int32_t)N};
  urn_val_alloc(ev, out, (urn_type){URN_TY_VECTOR, 1}, dim, var);
  char msg[400];
  urn_usys_begin(&S->u);
  if (setjmp(ev->jb)) {
    urn_usys_end(&S->u);
    longjmp(ev->jb, 1);
  }
  int rc = urn_ode_cvodes_adjoint(&c->p, t0v->v[0], y0->v, tsv->v, M, NULL, out->v, NULL, NULL, msg, sizeof msg);
  urn_ode_raise(S, rc, msg);
  urn_usys_end(&S->u);
  if (!var) return;
  int32_t first = (int32_t)ev->tape.n;
  for (size_t k = 0; k < M * N; k++) out->ix[k] = urn_tape_var(&ev->tape, out->v[k]);
  /* copies: the arguments' storage may be reused before the reverse pass */
  double *cp = urn_ev_doubles(ev, N + M + M * N);
  memcpy(cp, y0->v, N * sizeof *cp), memcpy(cp + N, tsv->v, M * sizeof *cp), memcpy(cp + N + M, out->v, M * N * sizeof *cp);
  c->S = S, c->t0 = t0v->v[0], c->y0 = cp, c->ts = cp + N, c->M = M, c->Y = cp + N + M, c->out_ix = out->ix;
  c->y0_ix = y0->ix, c->t0_ix = urn_val_ix(t0v, 0), c->ts_ix = tsv->ix;
  urn_tape_callback_add(&ev->tape, first, adj_reverse, c);
}

const urn_builtin urn_fn_ode_adj_table[] = {
    {"ode_adjoint_tol_ctl", "1v:F v r 1r r v r v r r i i i i i", f_ode_adjoint, NULL, NULL, 0, 0,
     "ODE solution at times ts with the gradient by the adjoint method (CVODES, needs SUNDIALS)"},
    {"ode_adjoint_tol_ctl", "1v:F v r 1r r v r v r r i i i i i A*", f_ode_adjoint, NULL, NULL, 0, 0,
     "ODE solution at times ts with the gradient by the adjoint method (CVODES, needs SUNDIALS)"},
    {NULL, NULL, NULL, NULL, NULL, 0, 0, NULL}};
