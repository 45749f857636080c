/* lang/fn_usys.c — the machinery of the higher-order built-ins (ODE and DAE
 * solvers, algebraic solvers, map_rect, the Laplace approximation): a
 * function passed by name, a call of the user's function with values from C,
 * a reverse sweep over a private stretch of the tape, and urn_usys, a
 * user-defined system called repeatedly by a numerical solver with the
 * Jacobians of its value taken from the tape: fresh nodes stand for the
 * state(s) and for the parameter-dependent entries of the other arguments;
 * one local reverse sweep per output gives a row, or one sweep seeded with a
 * vector of weights gives a vector-Jacobian product.  See lang/fn.h. */
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
  for (int i = 0; i < n; i++) frame[f->param_slot[i]] = args[i];
  urn_ev_call_frame(ev, f, frame, out);
}

/* Reverse sweep of the tape stretch [lo, n) from root (adjoint 1), running
 * the callbacks registered in that stretch; afterwards t->adj[i] for i >= lo
 * are d root / d node i.  Nodes before lo and their adjoints are not touched
 * (the adjoint array keeps its contents when it grows: this may run inside
 * the main reverse sweep). */
void urn_fn_local_sweep(urn_tape *t, size_t lo, size_t cb_lo, int32_t root) {
  if (t->n > t->adj_cap) {
    t->adj_cap = t->cap;
    t->adj = urn_xrealloc(t->adj, t->adj_cap * sizeof *t->adj);
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
    adj = t->adj;
    hi = first;
  }
  for (size_t i = hi; i-- > lo;) {
    double a = adj[i];
    if (a == 0) continue;
    for (uint32_t k = t->start[i], e = t->start[i + 1]; k < e; k++)
      if ((size_t)t->opnd[k] >= lo) adj[t->opnd[k]] += a * t->part[k];
  }
}

/* ---- a user-defined system ---- */

void urn_usys_begin(urn_usys *u) {
  urn_ev *ev = u->ev;
  u->saved_frame = ev->frame, u->saved_depth = ev->depth;
  u->fwd_done = 0, u->fwd = NULL;
  urn_arena_init(&u->priv, 1 << 14);
  memcpy(u->saved_jb, ev->jb, sizeof(jmp_buf));
}

void urn_usys_end(urn_usys *u) {
  urn_ev *ev = u->ev;
  if (u->swapped) u->priv = ev->arena, ev->arena = u->outer, u->swapped = 0;
  urn_arena_free(&u->priv);
  ev->frame = u->saved_frame, ev->depth = u->saved_depth;
  memcpy(ev->jb, u->saved_jb, sizeof(jmp_buf));
}

/* A state argument of the call: a copy of the values, with fresh nodes when taped. */
static void usys_state(urn_usys *u, urn_val *st, const double *y, int nodes) {
  urn_ev *ev = u->ev;
  size_t N = u->N;
  st->v = urn_ev_doubles(ev, N);
  memcpy(st->v, y, N * sizeof *y);
  st->ix = NULL;
  if (nodes) {
    st->ix = urn_ev_nodes(ev, N);
    for (size_t i = 0; i < N; i++) st->ix[i] = urn_tape_var(&ev->tape, y[i]);
  }
}

/* The common body of the calls: F at (y, y2) on the tape stretch from *mark (nodes: y's first, then y2's, then
 * the parameters' when mode >= 2).  mode 0: values only; 1: rows of dF/dy (and dF/dy2); 2: also dF/dp; 3: the
 * product w' [dF/dy, dF/dy2, dF/dp] into gy (N), gy2 (N, with a second state) and gp (Kp). */
static size_t usys_run(urn_usys *u, const double *y, const double *y2, double *out, int mode, const double *w,
                       double *gy, double *gy2, double *gp) {
  urn_ev *ev = u->ev;
  size_t N = u->N;
  if (u->fwd_try && mode <= 2 && (u->ys2 <= 0 || y2)) {
    if (!u->fwd_done) u->fwd = urn_usys_fwd_compile(u, -1), u->fwd_done = 1;
    if (u->fwd && urn_usys_fwd_run(u, y, y2, out, mode)) return N;
  }
  u->outer = ev->arena, ev->arena = u->priv, u->swapped = 1;
  urn_tape *tp = &ev->tape;
  size_t mark = tp->n, pmark = tp->np, cbmark = tp->ncb;
  urn_val *a = urn_arena_alloc(&ev->arena, (size_t)u->nfargs * sizeof *a);
  memcpy(a, u->fargs, (size_t)u->nfargs * sizeof *a);
  for (int k = 0; k < u->nfargs; k++) a[k].ix = NULL;
  usys_state(u, &a[u->ys], y, mode > 0);
  int two = u->ys2 > 0 && y2;
  if (two) usys_state(u, &a[u->ys2], y2, mode > 0);
  size_t off_p = mark + (two ? 2 * N : N);
  if (mode >= 2) {
    for (int k = 0; k < u->nfargs; k++)
      if (k != u->ys && !(u->ys2 > 0 && k == u->ys2) && u->fargs[k].ix) a[k].ix = urn_ev_nodes(ev, a[k].n);
    for (size_t k = 0; k < u->Kp; k++) {
      urn_val *x = &a[u->p_arg[k]];
      x->ix[u->p_pos[k]] = urn_tape_var(tp, x->v[u->p_pos[k]]);
    }
  }
  urn_val r;
  urn_fn_call_user(ev, u->f, a, u->nfargs, &r);
  if (r.n == N) {
    for (size_t i = 0; i < N; i++) out[i] = r.v[i];
    if (mode == 1 || mode == 2)
      for (size_t i = 0; i < N; i++) {
        int32_t root = r.ix ? r.ix[i] : -1;
        urn_fn_local_sweep(tp, mark, cbmark, root);
        const double *adj = tp->adj;
        for (size_t j = 0; j < N; j++) u->J[i * N + j] = root >= 0 ? adj[mark + j] : 0;
        if (two)
          for (size_t j = 0; j < N; j++) u->J2[i * N + j] = root >= 0 ? adj[mark + N + j] : 0;
        if (mode == 2)
          for (size_t k = 0; k < u->Kp; k++) u->Jp[i * u->Kp + k] = root >= 0 ? adj[off_p + k] : 0;
      }
    if (mode == 3) {
      int32_t *o;
      double *p;
      urn_tape_begin(tp, N, &o, &p);
      size_t m = 0;
      for (size_t i = 0; i < N; i++)
        if (r.ix && r.ix[i] >= 0 && w[i] != 0) o[m] = r.ix[i], p[m++] = w[i];
      int32_t root = urn_tape_end(tp, 0, m);
      urn_fn_local_sweep(tp, mark, cbmark, root);
      const double *adj = tp->adj;
      for (size_t j = 0; j < N; j++) gy[j] = root >= 0 ? adj[mark + j] : 0;
      if (two && gy2)
        for (size_t j = 0; j < N; j++) gy2[j] = root >= 0 ? adj[mark + N + j] : 0;
      if (gp)
        for (size_t k = 0; k < u->Kp; k++) gp[k] = root >= 0 ? adj[off_p + k] : 0;
    }
  }
  tp->n = mark, tp->np = pmark, tp->ncb = cbmark;
  u->priv = ev->arena, ev->arena = u->outer, u->swapped = 0;
  urn_arena_reset(&u->priv);
  return r.n;
}

size_t urn_usys_call(urn_usys *u, const double *y, double *out, int jac) {
  return usys_run(u, y, NULL, out, jac, NULL, NULL, NULL, NULL);
}

size_t urn_usys_call_tan(urn_usys *u, const double *y, const double *St, size_t K0, double *out, double *dS) {
  if (!u->fwd_try || u->ys2 > 0) return 0;
  if (!u->fwd_done) u->fwd = urn_usys_fwd_compile(u, (long)K0), u->fwd_done = 1;
  return u->fwd && urn_usys_fwd_tan(u, y, St, out, dS) ? u->N : 0;
}

size_t urn_usys_call2(urn_usys *u, const double *y, const double *y2, double *out, int jac) {
  return usys_run(u, y, y2, out, jac, NULL, NULL, NULL, NULL);
}

size_t urn_usys_vjp(urn_usys *u, const double *y, const double *y2, const double *w, double *out, double *gy,
                    double *gy2, double *gp) {
  return usys_run(u, y, y2, out, 3, w, gy, gy2, gp);
}
