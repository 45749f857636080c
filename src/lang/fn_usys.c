/* lang/fn_usys.c — a user-defined system called repeatedly by a numerical
 * solver (the ODE integrator, the algebraic solvers), with the Jacobians of its
 * value taken from the tape: fresh nodes stand for the state and for the
 * parameter-dependent entries of the other arguments, one local reverse sweep
 * per output gives a row.  See urn_usys in lang/fn.h. */
#include <string.h>

#include "lang/fn.h"

void urn_usys_begin(urn_usys *u) {
  urn_ev *ev = u->ev;
  u->saved_frame = ev->frame, u->saved_depth = ev->depth;
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

size_t urn_usys_call(urn_usys *u, const double *y, double *out, int jac) {
  urn_ev *ev = u->ev;
  size_t N = u->N;
  u->outer = ev->arena, ev->arena = u->priv, u->swapped = 1;
  urn_tape *tp = &ev->tape;
  size_t mark = tp->n, pmark = tp->np, cbmark = tp->ncb;
  urn_val *a = urn_arena_alloc(&ev->arena, (size_t)u->nfargs * sizeof *a);
  memcpy(a, u->fargs, (size_t)u->nfargs * sizeof *a);
  urn_val *st = &a[u->ys];
  st->v = urn_ev_doubles(ev, N);
  memcpy(st->v, y, N * sizeof *y);
  for (int k = 0; k < u->nfargs; k++) a[k].ix = NULL;
  if (jac) {
    st->ix = urn_ev_nodes(ev, N);
    for (size_t i = 0; i < N; i++) st->ix[i] = urn_tape_var(tp, y[i]);
    if (jac == 2) {
      for (int k = 0; k < u->nfargs; k++)
        if (k != u->ys && u->fargs[k].ix) a[k].ix = urn_ev_nodes(ev, a[k].n);
      for (size_t k = 0; k < u->Kp; k++) {
        urn_val *x = &a[u->p_arg[k]];
        x->ix[u->p_pos[k]] = urn_tape_var(tp, x->v[u->p_pos[k]]);
      }
    }
  }
  urn_val r;
  urn_fn_call_user(ev, u->f, a, u->nfargs, &r);
  if (r.n == N) {
    for (size_t i = 0; i < N; i++) out[i] = r.v[i];
    if (jac)
      for (size_t i = 0; i < N; i++) {
        int32_t root = r.ix ? r.ix[i] : -1;
        urn_fn_local_sweep(tp, mark, cbmark, root);
        for (size_t j = 0; j < N; j++) u->J[i * N + j] = root >= 0 ? tp->adj[mark + j] : 0;
        if (jac == 2)
          for (size_t k = 0; k < u->Kp; k++) u->Jp[i * u->Kp + k] = root >= 0 ? tp->adj[mark + N + k] : 0;
      }
  }
  tp->n = mark, tp->np = pmark, tp->ncb = cbmark;
  u->priv = ev->arena, ev->arena = u->outer, u->swapped = 0;
  urn_arena_reset(&u->priv);
  return r.n;
}
