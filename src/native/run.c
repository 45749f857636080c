/* native/run.c — the host side of a native model block: points the emitted code at the evaluation's slots, runs
 * it, and hands its result to the tape as ONE node whose partials are the adjoints the block gave the earlier
 * nodes (parameters, transformed parameters).  Each such adjoint is the same sum, in the same order, that the
 * tape's sweep would form (the block's nodes are the newest, so they are swept first, from adjoint 0), so
 * adding it once with weight 1 gives the same bits; the log density is summed in the evaluator's order
 * (constant terms first, then node terms in execution order). */
#include <stddef.h>
#include <string.h>

#include "lang/eval_rt.h"
#include "native/native_impl.h"

_Static_assert(sizeof(urn_darg) == 7 * sizeof(void *) && offsetof(urn_darg, d) == 5 * sizeof(void *) &&
                   offsetof(urn_darg, memo) == 6 * sizeof(void *),
               "nat_darg in native/emit.c mirrors urn_darg");

/* The host's state of one run. */
typedef struct host_ctx {
  urn_ev *ev;        /* the evaluation */
  size_t np, nl, nq; /* the largest record sizes asked for */
} host_ctx;

static void *grow_copy(urn_ev *ev, void *old, size_t used, size_t cap, size_t size) {
  void *p = urn_tape_scratch(&ev->tape, cap * size);
  if (used) memcpy(p, old, used * size);
  return p;
}

static size_t more(size_t cap, size_t need) { return need > 2 * cap ? need + 64 : 2 * cap + 64; }

/* Room for np partials, nl leaves and nq partial arrays (the records so far are kept); a full T grows too. */
static void h_grow(nat_host *h, size_t np, size_t nl, size_t nq) {
  host_ctx *c = h->ctx;
  urn_ev *ev = c->ev;
  if (np > c->np) c->np = np;
  if (nl > c->nl) c->nl = nl;
  if (nq > c->nq) c->nq = nq;
  if (np > h->pcap) { size_t c = more(h->pcap, np); h->P = grow_copy(ev, h->P, h->pcap, c, sizeof *h->P), h->pcap = c; }
  if (nl > h->lcap) { size_t c = more(h->lcap, nl); h->L = grow_copy(ev, h->L, h->lcap, c, sizeof *h->L), h->lcap = c; }
  if (nq > h->qcap) { size_t c = more(h->qcap, nq); h->Q = grow_copy(ev, h->Q, h->qcap, c, sizeof *h->Q), h->qcap = c; }
  if (!np && !nl && !nq) { size_t c = more(h->tcap, h->tcap + 1); h->T = grow_copy(ev, h->T, h->tcap, c, sizeof *h->T), h->tcap = c; }
}

static void *h_scratch(nat_host *h, size_t bytes) {
  void *p = urn_tape_scratch(&((host_ctx *)h->ctx)->ev->tape, bytes);
  memset(p, 0, bytes);
  return p;
}

int urn_nat_runs_tp(const urn_native *nt) { return nt->np.tp; }

int urn_nat_run(const urn_native *nt, urn_ev *ev, double *lp) {
  if (!ev->taping) return 0;
  const nat_prog *np = &nt->np;
  int ns = np->nslots;
  const double **v = urn_tape_scratch(&ev->tape, (size_t)(ns ? ns : 1) * sizeof *v);
  const int32_t **ix = urn_tape_scratch(&ev->tape, (size_t)(ns ? ns : 1) * sizeof *ix);
  size_t *n = urn_tape_scratch(&ev->tape, (size_t)(ns ? ns : 1) * sizeof *n);
  size_t *d0 = urn_tape_scratch(&ev->tape, (size_t)(ns ? ns : 1) * sizeof *d0);
  const int32_t **dim = urn_tape_scratch(&ev->tape, (size_t)(ns ? ns : 1) * sizeof *dim);
  for (int i = 0; i < ns; i++) {
    const urn_val *x = &ev->glob[np->slots[i]];
    if (!x->v && x->n) return 0;
    v[i] = x->v, ix[i] = x->ix, n[i] = x->n, d0[i] = x->ty.dims ? (size_t)x->dim[0] : x->n, dim[i] = x->dim;
    if (!np->slot_var[i]) continue;
    if (!x->ix) return 0; /* parameter-dependent values without nodes: the interpreter's rules differ */
    for (size_t j = 0; j < x->n; j++)
      if (x->ix[j] < 0) return 0;
  }
  size_t n0 = ev->tape.n;
  host_ctx c = {ev, 0, 0, 0};
  urn_native *w = (urn_native *)nt; /* only its size hints change, atomically */
  nat_host h;
  memset(&h, 0, sizeof h);
  h.v = v, h.ix = ix, h.n = n, h.d0 = d0, h.dim = dim, h.fn = (void *const *)nt->fn, h.memo = (void *const *)nt->memo;
  h.kern = (const void *const *)np->kern, h.err = ev->err;
  h.grow = h_grow, h.scratch = h_scratch, h.ctx = &c;
  h.adj = h_scratch(&h, (n0 ? n0 : 1) * sizeof(double));
  size_t hint[4];
  for (int i = 0; i < 4; i++) hint[i] = __atomic_load_n(&w->hint[i], __ATOMIC_RELAXED);
  h_grow(&h, hint[0] + 1, hint[1] + 1, hint[2] + 1);
  c.np = c.nl = c.nq = 0;
  h.tcap = hint[3] + 1, h.T = urn_tape_scratch(&ev->tape, h.tcap * sizeof *h.T);
  double tc = ev->target_c;
  if (nt->lp(&h, ev->propto, &tc)) {
    if (ev->err) urn_error_clear(ev->err);
    return 0;
  }
  /* a leaf that is also an earlier target term (a Jacobian term) had its adjoint set before the block's nodes
     were swept: adding the block's sum at once would round differently */
  for (size_t i = 0; i < ev->ntarget; i++)
    if (h.adj[ev->target_ix[i]] != 0) return 0;
  ev->target_c = tc;
  double s = urn_ev_target_value(ev);
  for (size_t i = 0; i < h.nt; i++) s += h.T[i];
  size_t used[4] = {c.np, c.nl, c.nq, h.nt};
  for (int i = 0; i < 4; i++)
    if (used[i] > hint[i]) __atomic_store_n(&w->hint[i], used[i], __ATOMIC_RELAXED);
  *lp = s;
  size_t k = 0;
  for (size_t i = 0; i < n0; i++) k += h.adj[i] != 0;
  if (k) {
    int32_t *o; double *p;
    urn_tape_begin(&ev->tape, k, &o, &p);
    size_t m = 0;
    for (size_t i = 0; i < n0; i++)
      if (h.adj[i] != 0) o[m] = (int32_t)i, p[m++] = h.adj[i];
    urn_ev_target_add(ev, 0, urn_tape_end(&ev->tape, 0, m), 1);
  }
  return 1;
}
