/* lang/fn_par.c — reduce_sum, reduce_sum_static and map_rect on the thread
 * pool of the run (util/tpool.h, issue #19).
 *
 * The work is cut into units fixed by the call alone, never by the number of
 * threads: reduce_sum's slices of x are max(grainsize, ceil(size(x) / 64))
 * elements long (the same rule for reduce_sum and reduce_sum_static), and
 * map_rect's units are its jobs.  A unit runs the user's function in a
 * private workspace (its own tape and arena): every parameter-dependent
 * scalar of its arguments becomes a fresh leaf there, the function runs, and
 * one local reverse sweep per output gives the unit's partials with respect
 * to those leaves.  The caller then writes, in unit order, one node per
 * output on its own tape (reduce_sum: the slices' values summed in slice
 * order, one node whose operands are every slice's leaves).  Whether a unit
 * runs on a worker or in the calling thread, and in which order, changes no
 * bit of the result: 1 thread and N threads give the same values and
 * gradients.  Without workers (the default) the units run in the caller. */
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "lang/fn.h"
#include "util/tpool.h"

#define PAR_MAX_UNITS 64 /* reduce_sum slices at most; items handed to the pool at most */

typedef urn_par_job par_unit; /* one unit of work and what it produced (eval.h) */

/* One call of reduce_sum or map_rect. */
typedef struct par_call {
  urn_ev *ev;              /* the calling evaluation (only read while units run) */
  const urn_builtin *b;    /* the built-in (messages) */
  const ir_fun *f;         /* the user's function */
  urn_val *args;           /* the built-in's arguments */
  int nargs;               /* their count */
  int map;                 /* map_rect (else reduce_sum) */
  par_unit *units;         /* the units */
  size_t nunits;           /* their count */
  size_t per_item;         /* units per pool item */
} par_call;

/* ---- worker workspaces ---- */

static void par_tape_fail(void *ctx, size_t bytes) {
  char b[32];
  urn_format_bytes(b, sizeof b, (double)bytes);
  urn_ev_fail(ctx, URN_ENOMEM, "out of memory: the gradient's tape would need %s (at most 2^31 operations)", b);
}

void urn_par_scratch_free(void *p) {
  urn_ev *w = p;
  if (!w) return;
  urn_par_scratch_free(w->par_scratch);
  urn_tape_free(&w->tape);
  urn_arena_free(&w->arena);
  free(w->target_ix), free(w->target_w);
  free(w);
}

/* The workspace in *scratch (made on first use), set up like ev for one unit that reports to err. */
static urn_ev *par_workspace(void **scratch, const urn_ev *ev, urn_error *err) {
  urn_ev *w = *scratch;
  if (!w) {
    w = urn_xcalloc(1, sizeof *w);
    urn_tape_init(&w->tape);
    w->tape.fail = par_tape_fail, w->tape.fail_ctx = w;
    urn_arena_init(&w->arena, 1 << 16);
    *scratch = w;
  }
  urn_tape_reset(&w->tape);
  urn_arena_reset(&w->arena);
  w->err = err;
  w->prog = ev->prog, w->glob = ev->glob, w->frame = NULL, w->ctl = EV_NORMAL;
  w->rng = NULL, w->propto = ev->propto, w->jacobian = ev->jacobian, w->taping = ev->taping, w->block = ev->block;
  w->target_c = 0, w->ntarget = 0, w->theta = NULL, w->theta_pos = 0;
  w->print = ev->print, w->stop = ev->stop, w->depth = ev->depth;
  w->ndefer = w->defercap = 0; /* deferred stores live in the tape's scratch, reset above */
  w->tpool = NULL;             /* a reduce_sum inside a unit runs its own units in this thread */
  w->remote = NULL;            /* and a map_rect inside a unit runs in this process */
  return w;
}

/* ---- leaves ---- */

/* Element i of a tuple-or-not value's storage count: components of a tuple array. */
static size_t par_tuple_count(const urn_val *x) { return urn_val_count(x) * (size_t)x->ty.tup->n; }

/* Appends the caller-tape nodes of x's parameter-dependent scalars to list (NULL: counts only); returns the count. */
static size_t par_scan(const urn_val *x, int32_t *list) {
  size_t k = 0;
  if (x->ty.base == URN_TY_TUPLE) {
    size_t c = par_tuple_count(x);
    for (size_t i = 0; i < c; i++) k += par_scan(&x->tv[i], list ? list + k : NULL);
    return k;
  }
  if (!x->ix) return 0;
  for (size_t i = 0; i < x->n; i++)
    if (x->ix[i] >= 0) {
      if (list) list[k] = x->ix[i];
      k++;
    }
  return k;
}

/* dst = src with a fresh leaf of w's tape for every parameter-dependent scalar (values shared, read only);
 * the leaves' nodes go to leaf[*k ...]. */
static void par_clone(urn_ev *w, const urn_val *src, urn_val *dst, int32_t *leaf, size_t *k) {
  *dst = *src;
  if (src->ty.base == URN_TY_TUPLE) {
    size_t c = par_tuple_count(src);
    dst->tv = urn_ev_alloc(w, c, sizeof *dst->tv);
    for (size_t i = 0; i < c; i++) par_clone(w, &src->tv[i], &dst->tv[i], leaf, k);
    return;
  }
  if (!src->ix) return;
  dst->ix = urn_ev_alloc(w, src->n, sizeof *dst->ix);
  for (size_t i = 0; i < src->n; i++) {
    if (src->ix[i] < -1) urn_ev_fail(w, URN_EFATAL, "internal: a deferred value reached a parallel call");
    dst->ix[i] = src->ix[i] >= 0 ? (leaf[(*k)++] = urn_tape_var(&w->tape, src->v[i])) : -1;
  }
}

/* Elements [lo, hi) of the array x, sharing storage. */
static void par_slice(const urn_val *x, size_t lo, size_t hi, urn_val *out) {
  *out = *x;
  out->dim[0] = (int32_t)(hi - lo);
  size_t n0 = x->dim[0] > 0 ? (size_t)x->dim[0] : 1;
  if (x->ty.base == URN_TY_TUPLE) {
    out->tv = x->tv + lo * (par_tuple_count(x) / n0);
    return;
  }
  size_t per = x->n / n0;
  out->v = x->v + lo * per;
  out->ix = x->ix ? x->ix + lo * per : NULL;
  out->n = (hi - lo) * per;
}

/* ---- running one unit ---- */

/* Stores the unit's outputs r (and, when they are on the tape, their partials with respect to leaf[0, nleaf)). */
static void par_collect(urn_ev *w, par_unit *u, const urn_val *r, const int32_t *leaf, size_t nleaf) {
  int var = 0;
  for (size_t i = 0; i < r->n; i++) var |= urn_val_ix(r, i) >= 0;
  u->nout = r->n, u->nleaf = nleaf;
  u->out = urn_xmalloc((r->n ? r->n : 1) * sizeof *u->out);
  memcpy(u->out, r->v, r->n * sizeof *u->out);
  if (!var || !nleaf) return;
  u->jac = urn_xcalloc(r->n * nleaf, sizeof *u->jac);
  for (size_t i = 0; i < r->n; i++) {
    int32_t root = urn_val_ix(r, i);
    if (root < 0) continue;
    urn_fn_local_sweep(&w->tape, 0, 0, root);
    for (size_t l = 0; l < nleaf; l++) u->jac[i * nleaf + l] = w->tape.adj[leaf[l]];
  }
}

/* Runs unit u of C in workspace w; a failure longjmps to w->jb. */
static void par_unit_body(par_call *C, par_unit *u, urn_ev *w) {
  const urn_val *args = C->args;
  urn_val a[64], r;
  size_t nleaf = 0, k = 0;
  int na = C->map ? 4 : C->nargs;
  if (C->map) {
    urn_val th, xr, xi;
    size_t j = u->lo;
    if (args[2].dim[0] > 0) urn_val_elem(&args[2], j, &th);
    else th = args[2], th.ty.dims = 0, th.dim[0] = 0, th.n = 0;
    if (args[3].dim[0] > 0) urn_val_elem(&args[3], j, &xr);
    else xr = args[3], xr.ty.dims = 1, xr.dim[0] = 0, xr.n = 0;
    if (args[4].dim[0] > 0) urn_val_elem(&args[4], j, &xi);
    else xi = args[4], xi.ty.dims = 1, xi.dim[0] = 0, xi.n = 0;
    nleaf = par_scan(&args[1], NULL) + par_scan(&th, NULL);
    int32_t *leaf = urn_ev_alloc(w, nleaf, sizeof *leaf);
    par_clone(w, &args[1], &a[0], leaf, &k); /* phi: shared leaves first */
    par_clone(w, &th, &a[1], leaf, &k);
    a[2] = xr, a[3] = xi;
    urn_fn_call_user(w, C->f, a, na, &r);
    par_collect(w, u, &r, leaf, nleaf);
    return;
  }
  urn_val x;
  par_slice(&args[1], u->lo, u->hi, &x);
  for (int i = 3; i < C->nargs; i++) nleaf += par_scan(&args[i], NULL);
  nleaf += par_scan(&x, NULL);
  int32_t *leaf = urn_ev_alloc(w, nleaf, sizeof *leaf);
  for (int i = 3; i < C->nargs; i++) par_clone(w, &args[i], &a[i], leaf, &k); /* shared leaves first */
  par_clone(w, &x, &a[0], leaf, &k);
  double *se = urn_ev_doubles(w, 2);
  se[0] = (double)(u->lo + 1), se[1] = (double)u->hi;
  urn_val_scalar(&a[1], (urn_type){URN_TY_INT, 0}, &se[0]);
  urn_val_scalar(&a[2], (urn_type){URN_TY_INT, 0}, &se[1]);
  urn_fn_call_user(w, C->f, a, na, &r);
  if (r.n != 1) urn_ev_reject(w, "%s: %s did not return a real", C->b->name, C->f->name);
  par_collect(w, u, &r, leaf, nleaf);
}

/* Runs unit u of C in workspace w, catching its failure (u->err holds the message). */
static void par_unit_guard(par_call *C, par_unit *u, urn_ev *w) {
  if (setjmp(w->jb)) return;
  par_unit_body(C, u, w);
}

/* Runs unit u of C in the workspace *scratch (errors into u->err). */
static void par_unit_run(par_call *C, par_unit *u, void **scratch) {
  par_unit_guard(C, u, par_workspace(scratch, C->ev, &u->err));
}

/* Pool item i: units [i * per_item, (i + 1) * per_item). */
static void par_item(void *ctx, int i, void **scratch) {
  par_call *C = ctx;
  size_t lo = (size_t)i * C->per_item, hi = lo + C->per_item < C->nunits ? lo + C->per_item : C->nunits;
  for (size_t j = lo; j < hi; j++) {
    par_unit_run(C, &C->units[j], scratch);
    if (C->units[j].err.code != URN_OK) break; /* the caller reports the first failing unit */
  }
}

static void par_free_units(par_call *C) {
  for (size_t j = 0; j < C->nunits; j++) free(C->units[j].out), free(C->units[j].jac);
  free(C->units);
}

/* Runs every unit (on the pool when there is one); a failing unit keeps its error (a unit after a failure in its
 * pool item is not run). */
static void par_exec(par_call *C) {
  size_t nitems = C->nunits < PAR_MAX_UNITS ? C->nunits : PAR_MAX_UNITS;
  C->per_item = nitems ? (C->nunits + nitems - 1) / nitems : 1;
  nitems = C->per_item ? (C->nunits + C->per_item - 1) / C->per_item : 0;
  for (size_t j = 0; j < C->nunits; j++) C->units[j].err.code = URN_OK, C->units[j].err.msg[0] = 0;
  urn_tpool_run(C->ev->tpool, (int)nitems, par_item, C, &C->ev->par_scratch);
}

void urn_par_map_jobs(urn_ev *ev, const ir_fun *f, urn_val *args, urn_par_job *jobs, size_t n) {
  par_call C = {ev, NULL, f, args, 5, 1, jobs, n, 1};
  par_exec(&C);
}

/* Fails the evaluation with the first failing unit's error (in unit order, whatever ran first). */
static void par_check(par_call *C) {
  for (size_t j = 0; j < C->nunits; j++) {
    if (C->units[j].err.code == URN_OK) continue;
    urn_error e = C->units[j].err;
    par_free_units(C);
    if (e.code == URN_EINTR) urn_ev_stopped(C->ev);
    urn_ev_fail(C->ev, e.code, "%s", e.msg);
  }
}

/* Runs every unit, then fails the evaluation with the first failing unit's error. */
static void par_run(par_call *C) {
  par_exec(C);
  par_check(C);
}

/* ---- the built-ins ---- */

/* reduce_sum(f, x, grainsize, ...): the sum over x's slices of f(x[lo:hi], lo, hi, ...). */
void urn_fn_reduce_sum(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  par_call C = {ev, b, urn_fn_funref(&args[0]), args, n, 0, NULL, 0, 1};
  if (!(args[2].v[0] >= 1)) urn_ev_reject(ev, "%s: grainsize is %g, but must be positive", b->name, args[2].v[0]);
  if (n > 64) urn_ev_reject(ev, "%s: too many arguments", b->name);
  size_t N = args[1].ty.dims ? (size_t)args[1].dim[0] : 0;
  size_t len = (N + PAR_MAX_UNITS - 1) / PAR_MAX_UNITS, g = (size_t)args[2].v[0];
  if (len < g) len = g;
  C.nunits = N ? (N + len - 1) / len : 0;
  C.units = urn_xcalloc(C.nunits ? C.nunits : 1, sizeof *C.units);
  for (size_t j = 0; j < C.nunits; j++) C.units[j].lo = j * len, C.units[j].hi = (j + 1) * len < N ? (j + 1) * len : N;
  par_run(&C);
  /* combine in slice order */
  size_t S = 0, K = 0;
  for (int i = 3; i < n; i++) S += par_scan(&args[i], NULL);
  double sum = 0;
  for (size_t j = 0; j < C.nunits; j++) sum += C.units[j].out[0], K += C.units[j].jac ? C.units[j].nleaf : 0;
  int32_t dim[1] = {0};
  urn_val_alloc(ev, out, (urn_type){URN_TY_REAL, 0}, dim, K > 0);
  out->v[0] = sum;
  if (K) {
    int32_t *shared = urn_ev_alloc(ev, S, sizeof *shared), *o;
    double *p;
    S = 0;
    for (int i = 3; i < n; i++) S += par_scan(&args[i], shared + S);
    urn_tape_begin(&ev->tape, K, &o, &p);
    size_t k = 0;
    for (size_t j = 0; j < C.nunits; j++) {
      par_unit *u = &C.units[j];
      if (!u->jac) continue;
      urn_val x;
      par_slice(&args[1], u->lo, u->hi, &x);
      memcpy(o + k, shared, S * sizeof *o);
      par_scan(&x, o + k + S);
      memcpy(p + k, u->jac, u->nleaf * sizeof *p);
      k += u->nleaf;
    }
    out->ix[0] = urn_tape_end(&ev->tape, sum, k);
  }
  par_free_units(&C);
}

/* map_rect(f, phi, thetas, x_rs, x_is): f(phi, thetas[j], x_rs[j], x_is[j]) for each job, concatenated. */
void urn_fn_map_rect(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  (void)n;
  const urn_val *th = &args[2], *xr = &args[3], *xi = &args[4];
  size_t J = (size_t)th->dim[0];
  if ((size_t)xr->dim[0] != J && !(J == 0 || xr->n == 0))
    urn_ev_reject(ev, "map_rect: %zu jobs in thetas but %d in x_rs", J, xr->dim[0]);
  if ((size_t)xi->dim[0] != J && !(J == 0 || xi->n == 0))
    urn_ev_reject(ev, "map_rect: %zu jobs in thetas but %d in x_is", J, xi->dim[0]);
  /* at least one of thetas, x_rs, x_is gives the number of jobs */
  if (J == 0) J = xr->n ? (size_t)xr->dim[0] : (size_t)xi->dim[0];
  par_call C = {ev, b, urn_fn_funref(&args[0]), args, 5, 1, NULL, J, 1};
  C.units = urn_xcalloc(J ? J : 1, sizeof *C.units);
  for (size_t j = 0; j < J; j++) C.units[j].lo = j, C.units[j].hi = j + 1;
  if (ev->remote && J > 0) { /* the jobs over the processes (MPI): the same bits per job as here */
    for (size_t j = 0; j < J; j++) C.units[j].err.code = URN_OK, C.units[j].err.msg[0] = 0;
    ev->remote->run(ev->remote->ctx, ev, C.f, args, C.units, J);
    par_check(&C);
  } else {
    par_run(&C);
  }
  size_t total = 0, S = par_scan(&args[1], NULL);
  int var = 0;
  for (size_t j = 0; j < J; j++) total += C.units[j].nout, var |= C.units[j].jac != NULL;
  int32_t dim[1] = {(int32_t)total};
  urn_val_alloc(ev, out, (urn_type){URN_TY_VECTOR, 0}, dim, var);
  int32_t *leaf = NULL;
  if (var) {
    size_t most = 0;
    for (size_t j = 0; j < J; j++) most = C.units[j].nleaf > most ? C.units[j].nleaf : most;
    leaf = urn_ev_alloc(ev, most, sizeof *leaf);
    par_scan(&args[1], leaf);
  }
  size_t pos = 0;
  for (size_t j = 0; j < J; j++) {
    par_unit *u = &C.units[j];
    memcpy(out->v + pos, u->out, u->nout * sizeof(double));
    if (u->jac) {
      urn_val t;
      if (th->dim[0] > 0) urn_val_elem(th, j, &t), par_scan(&t, leaf + S);
      for (size_t i = 0; i < u->nout; i++) {
        int32_t *o;
        double *p;
        urn_tape_begin(&ev->tape, u->nleaf, &o, &p);
        memcpy(o, leaf, u->nleaf * sizeof *o);
        memcpy(p, u->jac + i * u->nleaf, u->nleaf * sizeof *p);
        out->ix[pos + i] = urn_tape_end(&ev->tape, u->out[i], u->nleaf);
      }
    }
    pos += u->nout;
  }
  par_free_units(&C);
}
