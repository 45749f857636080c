/* lang/batch.c — loop batching: a `for (n in a:b)` of the model (or transformed parameters) block whose
 * iterations are independent is run once over the whole index range as
 * vector operations instead of b - a + 1 interpretations of its body.
 *
 * Legality (urn_batch_plan, at lowering; anything else keeps the ordinary
 * loop).  The body may contain only
 *   - blocks, inner `for` loops with loop-invariant bounds (run in sequence
 *     inside the batch: their variable is the same in every lane);
 *   - declarations of per-iteration locals: int/real scalars, vectors, row
 *     vectors and 1-D arrays of int/real with loop-invariant sizes (each
 *     lane has its own copy);
 *   - assignments to such a local (whole scalar, or one element at
 *     loop-invariant indexes);
 *   - assignments `x[..., n, ...] = expr` to ONE scalar element of a
 *     variable declared outside the loop (a model-block local) where one
 *     index is exactly the loop variable and the others are loop-invariant:
 *     different iterations write different elements.  Such a variable (in
 *     transformed parameters: also a transformed parameter) is written by
 *     statements that all have the loop variable at one common index
 *     position, and is never read inside the body, so no iteration sees
 *     another's writes; except that with one writer outside inner loops, a
 *     later read of exactly the element written (loop variable and integer
 *     literals as indexes) reads back the lane value (shadow_read);
 *   - `target += scalar` and `y ~ dist(...)` on scalars, without truncation.
 * No break / continue / return / print / reject / while / if / foreach, no
 * user-function calls, no _rng, no target(), and an expression that varies
 * with the iteration ("lane") must be one of: the loop variable, a per-
 * iteration local, a single-index read of a variable at lane-varying
 * indexes, an operator or elementwise function with a scalar kernel, log_mix,
 * a distribution call on scalars, or log_sum_exp / sum of a local container.
 * Loop-invariant subexpressions are evaluated once per statement by the
 * ordinary evaluator (they have no side effects: calls are built-ins without
 * rng).  Only loops of the model and transformed parameters blocks are planned; an outer loop whose plan
 * succeeds runs its inner loops in sequence (their own plans are dropped).
 *
 * Evaluation.  A lane value (bv) is L doubles (or one loop-invariant value)
 * plus a short list of terms (leaf, d[L]): the derivative of the value in
 * lane l with respect to a leaf tape node is d[l], where a leaf is either one
 * node shared by all lanes (a parameter read at a loop-invariant index) or a
 * node per lane (a parameter read at index n).  Each operation is one tight
 * loop over the lanes computing values and local partials and merging its
 * arguments' terms (forward mode over the few leaves an expression reads):
 * nothing is put on the tape per lane.  Sinks create nodes: `target +=`
 * makes ONE node whose partials are the per-leaf sums over lanes (one per
 * shared leaf, one per lane for per-lane leaves); a store into an outer
 * variable makes one node per lane with one partial per term.  Error
 * messages are those of the ordinary path (the first failing lane may differ
 * from the ordinary loop's first failing iteration). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lang/eval.h"
#include "lang/eval_rt.h"
#include "lang/fn.h"
#include "math/dist.h"

/* ir_st.bslot of a store into an outer variable (-1), deferred (-2: urn_batch_defer_plan), values only (-3: an
 * element read back in its own iteration and nowhere else, urn_batch_defer_plan: no tape nodes). */
enum { BSLOT_OUTER = -1, BSLOT_DEFER = -2, BSLOT_VALUES = -3 };

/* How a lane-varying expression evaluates (ir_ex.bop). */
enum {
  BOP_NONE = 0,
  BOP_LOOPVAR,     /* the batched loop's variable */
  BOP_LOCAL,       /* a per-iteration scalar local */
  BOP_INDEX_LOCAL, /* element of a per-iteration container local at loop-invariant indexes */
  BOP_INDEX_OUTER, /* scalar element of a loop-invariant variable at lane-varying indexes */
  BOP_UNARY,       /* elementwise unary kernel (urn_fn_unary) */
  BOP_BINARY,      /* elementwise binary kernel (urn_fn_binary, operators) */
  BOP_LOG_MIX,     /* log_mix(theta, a, b) */
  BOP_NORMAL,      /* normal_lpdf / normal_lupdf on three scalars */
  BOP_DIST,        /* any other distribution call on scalars */
  BOP_LSE_VEC,     /* log_sum_exp(lane-varying container expression) */
  BOP_SUM_VEC,     /* sum(lane-varying container expression) */
  BOP_VLEAF,       /* fused vector expression: a container evaluated by the ordinary path, one lane per element */
  BOP_VLOCAL,      /* a per-iteration container local as a whole (a lane container: one lane value per element) */
  BOP_VUNARY,      /* elementwise unary kernel over a lane container */
  BOP_VBINARY,     /* elementwise binary kernel over lane containers and scalars */
  BOP_VGATHER,     /* fused vector expression: v[idx], a vector / 1-D real array variable at a data int array */
  BOP_VROW,        /* a lane container: x[i], a row (vector / 1-D array) of a variable at a lane-varying index */
  BOP_DIST_VEC     /* a distribution call with container arguments: the sum of its elements' densities */
};

/* Forward terms a lane value may carry: a store into a per-iteration local
 * with more turns it into tape nodes (bv_collapse); any operation's result
 * with more than BATCH_MAX_TERMS does too (merging terms is quadratic). */
#define BATCH_FWD_TERMS 8
#define BATCH_MAX_TERMS 32

/* The plan of a batched loop. */
typedef struct ir_batch {
  int nloc;        /* per-iteration locals declared in the body, then one lane copy per written outer variable */
  int nloc0;       /* per-iteration locals declared in the body */
} ir_batch;

/* ---- legality analysis (at lowering) ---- */

typedef struct actx {
  const urn_prog *p;  /* the program */
  int loopslot;       /* slot of the batched loop's variable */
  int *loc;           /* slots of per-iteration locals (index = bslot) */
  int nloc, loccap;   /* used / allocated */
  int *wr;            /* slots of outer variables written in the body */
  int nwr, wrcap;     /* used / allocated */
  const ir_ex **wlhs; /* per written variable: the element its first statement writes */
  int *nw;            /* per written variable: statements writing it */
  unsigned *wpos;     /* per written variable: index positions that are the loop variable in every such statement */
  int block;          /* the block of the loop (transformed parameters: its variables may be written) */
  int *wtop;          /* per written variable: that statement is outside inner loops */
  int *wdone;         /* per written variable: st_check has passed its statement (program order) */
  int depth;          /* st_check: inner loops and ifs around the statement being checked */
  int ifdepth;        /* st_check: ifs around the statement being checked */
  int *locifd;        /* per per-iteration local: the ifdepth of its declaration */
  int bad;            /* a statement makes the loop unbatchable */
} actx;

static int push_slot(int **a, int *n, int *cap, int slot) {
  if (*n == *cap) *cap = *cap ? 2 * *cap : 8, *a = urn_xrealloc(*a, (size_t)*cap * sizeof **a);
  (*a)[(*n)++] = slot;
  return *n - 1;
}
static int find_slot(const int *a, int n, int slot) {
  for (int i = 0; i < n; i++) if (a[i] == slot) return i;
  return -1;
}
static int is_scalar_ty(urn_type t) { return t.dims == 0 && (t.base == URN_TY_INT || t.base == URN_TY_REAL); }

/* Is slot a variable of the data, transformed data, parameters or transformed parameters blocks? */
static int is_block_var(const urn_prog *p, int slot) {
  for (int b = URN_BLK_DATA; b <= URN_BLK_TPARAMS; b++)
    for (int i = 0; i < p->ndecls[b]; i++)
      if (p->decls[b][i] && p->decls[b][i]->slot == slot) return 1;
  return 0;
}

/* First pass: collects per-iteration locals and written outer variables. */
static void collect(actx *a, const ir_st *s) {
  if (!s) return;
  switch (s->kind) {
    case URN_ST_DECL:
      if (!s->global) a->bad = 1;
      push_slot(&a->loc, &a->nloc, &a->loccap, s->slot);
      break;
    case URN_ST_ASSIGN: {
      const ir_ex *l = s->lhs;
      const ir_ex *v = l->kind == URN_EX_INDEX ? l->a[0] : l;
      if (v->kind != URN_EX_VAR || !v->global) { a->bad = 1; break; }
      break;
    }
    case URN_ST_BLOCK:
      for (int i = 0; i < s->nbody; i++) collect(a, s->body[i]);
      break;
    case URN_ST_FOR:
      if (!s->global) a->bad = 1;
      collect(a, s->body[0]);
      break;
    case URN_ST_IF:
      for (int i = 0; i < s->nbody; i++) collect(a, s->body[i]);
      break;
    default: break;
  }
}
/* Records the outer variables written (after collect knows the locals); depth counts the inner loops around s. */
static int is_loopvar(const actx *a, const ir_ex *x);

/* Is slot a variable of the transformed parameters block? */
static int is_tparam(const urn_prog *p, int slot) {
  for (int i = 0; i < p->ndecls[URN_BLK_TPARAMS]; i++)
    if (p->decls[URN_BLK_TPARAMS][i] && p->decls[URN_BLK_TPARAMS][i]->slot == slot) return 1;
  return 0;
}

static void collect_writes(actx *a, const ir_st *s, int depth) {
  if (!s || a->bad) return;
  if (s->kind == URN_ST_ASSIGN) {
    const ir_ex *l = s->lhs;
    const ir_ex *v = l->kind == URN_EX_INDEX ? l->a[0] : l;
    if (find_slot(a->loc, a->nloc, v->slot) < 0) {
      if (v->slot == a->loopslot) { a->bad = 1; return; }
      if (is_block_var(a->p, v->slot) && !(a->block == URN_BLK_TPARAMS && is_tparam(a->p, v->slot))) { a->bad = 1; return; }
      unsigned pos = 0; /* the index positions that are exactly the loop variable */
      if (l->kind == URN_EX_INDEX)
        for (int i = 0; i < l->nidx && i < 32; i++)
          if (l->idx[i].kind == URN_IDX_SINGLE && is_loopvar(a, l->idx[i].lo)) pos |= 1u << i;
      int k = find_slot(a->wr, a->nwr, v->slot);
      if (k >= 0) { /* several statements: iterations stay disjoint when they share a loop-variable position */
        a->nw[k]++, a->wpos[k] &= pos;
        if (!a->wpos[k]) a->bad = 1;
        return;
      }
      int cap = a->wrcap;
      k = push_slot(&a->wr, &a->nwr, &a->wrcap, v->slot);
      if (cap != a->wrcap) {
        a->wlhs = urn_xrealloc(a->wlhs, (size_t)a->wrcap * sizeof *a->wlhs);
        a->wtop = urn_xrealloc(a->wtop, (size_t)a->wrcap * sizeof *a->wtop);
        a->wdone = urn_xrealloc(a->wdone, (size_t)a->wrcap * sizeof *a->wdone);
        a->nw = urn_xrealloc(a->nw, (size_t)a->wrcap * sizeof *a->nw);
        a->wpos = urn_xrealloc(a->wpos, (size_t)a->wrcap * sizeof *a->wpos);
      }
      a->wlhs[k] = l, a->wtop[k] = depth == 0, a->wdone[k] = 0, a->nw[k] = 1, a->wpos[k] = pos;
    }
  } else if (s->kind == URN_ST_BLOCK) {
    for (int i = 0; i < s->nbody; i++) collect_writes(a, s->body[i], depth);
  } else if (s->kind == URN_ST_FOR) {
    collect_writes(a, s->body[0], depth + 1);
  } else if (s->kind == URN_ST_IF) {
    for (int i = 0; i < s->nbody; i++) collect_writes(a, s->body[i], depth + 1);
  }
}

/* Is index x the batched loop's variable? */
static int is_loopvar(const actx *a, const ir_ex *x) {
  return x && x->kind == URN_EX_VAR && x->global && x->slot == a->loopslot;
}

/* Is e (an INDEX of an outer variable written in the body) a read of the very element the iteration wrote
 * earlier: the write is outside inner loops and before e in program order, and both index lists are the loop
 * variable and integer constants, equal position by position?  Then e reads back the lane value just stored
 * (a "shadow" of the element: `mu[n] = ...; target += normal_lpdf(y[n] | mu[n], s);`). */
static int shadow_read(const actx *a, int k, const ir_ex *e) {
  const ir_ex *w = a->wlhs[k];
  if (a->nw[k] != 1 || !a->wtop[k] || !a->wdone[k] || w->kind != URN_EX_INDEX || w->nidx != e->nidx) return 0;
  int loop = 0;
  for (int i = 0; i < e->nidx; i++) {
    const ir_idx *x = &e->idx[i], *y = &w->idx[i];
    if (x->kind != URN_IDX_SINGLE || y->kind != URN_IDX_SINGLE) return 0;
    if (is_loopvar(a, x->lo) && is_loopvar(a, y->lo)) { loop = 1; continue; }
    if (x->lo->kind != IR_CONST || y->lo->kind != IR_CONST || x->lo->ty.base != URN_TY_INT ||
        y->lo->ty.base != URN_TY_INT || x->lo->ty.dims || y->lo->ty.dims || x->lo->c != y->lo->c)
      return 0;
  }
  return loop;
}

static int is_vec_ty(urn_type t) {
  return (t.dims == 0 && (t.base == URN_TY_VECTOR || t.base == URN_TY_ROW_VECTOR)) ||
         (t.dims == 1 && (t.base == URN_TY_REAL || t.base == URN_TY_INT));
}
/* Is e an elementwise operation on containers and scalars (fusable root)? */
static int fuse_op(const ir_ex *e) {
  if (!is_vec_ty(e->ty) || e->fun || !e->bi || (e->bi->flags & (URN_BI_RNG | URN_BI_DIST))) return 0;
  if (e->kind != URN_EX_BINARY && e->kind != URN_EX_UNARY && e->kind != URN_EX_CALL) return 0;
  const urn_builtin *b = e->bi;
  int ok = (b->fn == urn_fn_unary && b->sfn == urn_fn_unary_s && e->na == 1) ||
           (b->fn == urn_fn_binary && b->sfn == urn_fn_binary_s && e->na == 2);
  if (!ok) return 0;
  for (int i = 0; i < e->na; i++) {
    const ir_ex *x = e->a[i];
    if (!is_vec_ty(x->ty) && !(is_scalar_ty(x->ty) && x->s)) return 0;
    if (is_vec_ty(x->ty) && x->ty.base != e->ty.base && !(x->ty.dims == 1 && e->ty.dims == 1)) return 0;
  }
  return 1;
}
static void mark_uniform(ir_ex *e) {
  if (!e) return;
  e->lane = 0, e->bop = BOP_NONE;
  for (int i = 0; i < e->na; i++) mark_uniform(e->a[i]);
  for (int i = 0; i < e->nidx; i++) mark_uniform(e->idx[i].lo), mark_uniform(e->idx[i].hi);
}

/* Local container VAR (vector, row_vector, 1-D array of scalars)? Returns its bslot or -1. */
static int local_container(actx *a, const ir_ex *e) {
  if (!e || e->kind != URN_EX_VAR || !e->global) return -1;
  int b = find_slot(a->loc, a->nloc, e->slot);
  if (b < 0 || is_scalar_ty(e->ty)) return -1;
  return b;
}

/* Can a distribution call with these arguments run element by element (a univariate family whose arguments
 * are scalars or 1-D containers: vectors, row vectors, arrays of reals or ints)? */
static int dist_vec_ok(ir_ex *const *args, int na, const urn_builtin *bi) {
  if (!(bi->flags & URN_BI_DIST) || (bi->flags & URN_BI_RNG) || na > URN_DIST_MAX_ARGS) return 0;
  const urn_dist *d = bi->aux;
  if (d->multivariate) return 0;
  for (int i = 0; i < na; i++)
    if (!is_vec_ty(args[i]->ty) && !(is_scalar_ty(args[i]->ty) && args[i]->s)) return 0;
  return 1;
}

/* Checks an expression: -1 not batchable, 0 loop-invariant, 1 lane-varying.
 * With mark, writes lane / bop / bslot into the nodes. */
static int ex_check(actx *a, ir_ex *e, int mark) {
  if (!e) return 0;
  switch (e->kind) {
    case IR_CONST: case URN_EX_INT: case URN_EX_REAL:
      if (mark) mark_uniform(e);
      return 0;
    case URN_EX_STRING: case URN_EX_TARGET: return -1;
    case URN_EX_VAR: {
      if (e->ty.base == URN_TY_FUNCTION || !e->global) return -1;
      if (find_slot(a->wr, a->nwr, e->slot) >= 0) return -1;
      if (e->slot == a->loopslot) {
        if (mark) e->lane = 1, e->bop = BOP_LOOPVAR;
        return 1;
      }
      int b = find_slot(a->loc, a->nloc, e->slot);
      if (b >= 0) {
        /* a whole container local is a lane container: only container operations and
         * whole assignments accept it (every scalar context checks the type) */
        if (mark) e->lane = 1, e->bop = is_scalar_ty(e->ty) ? BOP_LOCAL : BOP_VLOCAL, e->bslot = b;
        return 1;
      }
      if (mark) mark_uniform(e);
      return 0;
    }
    case URN_EX_INDEX: {
      if (e->a[0]->kind == URN_EX_VAR && e->a[0]->global) {
        int k = find_slot(a->wr, a->nwr, e->a[0]->slot);
        if (k >= 0) {
          if (!shadow_read(a, k, e)) return -1;
          if (mark) e->lane = 1, e->bop = BOP_LOCAL, e->bslot = a->nloc + k;
          return 1;
        }
      }
      int all_single = 1, lane = 0;
      for (int i = 0; i < e->nidx; i++) {
        if (e->idx[i].kind != URN_IDX_SINGLE) all_single = 0;
        int r = ex_check(a, e->idx[i].lo, 0), r2 = ex_check(a, e->idx[i].hi, 0);
        if (r < 0 || r2 < 0) return -1;
        lane |= r | r2;
      }
      int lb = local_container(a, e->a[0]);
      if (lb >= 0) {
        if (lane || !all_single || !is_scalar_ty(e->ty) || e->nidx != 1) return -1;
        if (mark) {
          for (int i = 0; i < e->nidx; i++) ex_check(a, e->idx[i].lo, 1);
          e->lane = 1, e->bop = BOP_INDEX_LOCAL, e->bslot = lb;
        }
        return 1;
      }
      int rb = ex_check(a, e->a[0], 0);
      if (rb < 0) return -1;
      if (!lane && !rb) {
        if (mark) mark_uniform(e);
        return 0;
      }
      if (!rb && e->a[0]->kind == URN_EX_VAR && all_single && e->nidx == 1 && is_vec_ty(e->ty) &&
          (e->a[0]->ty.dims >= 1 || e->a[0]->ty.base == URN_TY_MATRIX) && is_scalar_ty(e->idx[0].lo->ty)) {
        /* a row x[i] at a lane-varying index: a lane container (one lane value per element) */
        if (mark) {
          mark_uniform(e->a[0]);
          ex_check(a, e->idx[0].lo, 1);
          e->lane = 1, e->bop = BOP_VROW;
        }
        return 1;
      }
      if (rb || e->a[0]->kind != URN_EX_VAR || !all_single || !is_scalar_ty(e->ty)) return -1;
      for (int i = 0; i < e->nidx; i++) if (!is_scalar_ty(e->idx[i].lo->ty)) return -1;
      if (mark) {
        mark_uniform(e->a[0]);
        for (int i = 0; i < e->nidx; i++) ex_check(a, e->idx[i].lo, 1);
        e->lane = 1, e->bop = BOP_INDEX_OUTER;
      }
      return 1;
    }
    case URN_EX_CALL: case URN_EX_BINARY: case URN_EX_UNARY: {
      if (e->fun) return -1;
      const urn_builtin *b = e->bi;
      if (b && (b->flags & URN_BI_RNG)) return -1;
      /* log_sum_exp / sum of a lane container (a local, elementwise operations on locals) */
      if (b && e->na == 1 && is_vec_ty(e->a[0]->ty) &&
          (strcmp(b->name, "log_sum_exp") == 0 || strcmp(b->name, "sum") == 0)) {
        int r = ex_check(a, e->a[0], 0);
        if (r < 0) return -1;
        if (r) {
          if (mark) {
            ex_check(a, e->a[0], 1);
            e->lane = 1, e->bop = b->name[0] == 's' ? BOP_SUM_VEC : BOP_LSE_VEC;
          }
          return 1;
        }
      }
      /* an elementwise operation on containers (and scalars): a lane container */
      if (fuse_op(e)) {
        int lane = 0;
        for (int i = 0; i < e->na; i++) {
          int r = ex_check(a, e->a[i], 0);
          if (r < 0) return -1;
          lane |= r;
        }
        if (!lane) {
          if (mark) mark_uniform(e);
          return 0;
        }
        if (mark) {
          for (int i = 0; i < e->na; i++) ex_check(a, e->a[i], 1);
          e->lane = 1, e->bop = e->na == 1 ? BOP_VUNARY : BOP_VBINARY;
        }
        return 1;
      }
      int lane = 0, all_scalar = 1;
      for (int i = 0; i < e->na; i++) {
        int r = ex_check(a, e->a[i], 0);
        if (r < 0) return -1;
        lane |= r;
        if (!is_scalar_ty(e->a[i]->ty) || !e->a[i]->s) all_scalar = 0;
      }
      if (!lane) {
        if (mark) mark_uniform(e);
        return 0;
      }
      if (b && !all_scalar && is_scalar_ty(e->ty) && dist_vec_ok(e->a, e->na, b)) {
        if (mark) {
          for (int i = 0; i < e->na; i++) ex_check(a, e->a[i], 1);
          e->lane = 1, e->bop = BOP_DIST_VEC;
        }
        return 1;
      }
      if (!b || !all_scalar || !is_scalar_ty(e->ty)) return -1;
      int bop = BOP_NONE;
      if (b->flags & URN_BI_DIST) bop = e->s == rt_s_normal ? BOP_NORMAL : BOP_DIST;
      else if (b->fn == urn_fn_unary && b->sfn == urn_fn_unary_s && e->na == 1) bop = BOP_UNARY;
      else if (b->fn == urn_fn_binary && b->sfn == urn_fn_binary_s && e->na == 2) bop = BOP_BINARY;
      else if (strcmp(b->name, "log_mix") == 0 && e->na == 3) bop = BOP_LOG_MIX;
      if (bop == BOP_NONE || e->na > URN_DIST_MAX_ARGS) return -1;
      if (mark) {
        for (int i = 0; i < e->na; i++) ex_check(a, e->a[i], 1);
        e->lane = 1, e->bop = (unsigned char)bop;
      }
      return 1;
    }
    default: {
      /* conditionals, && ||, array / row-vector literals: only loop-invariant */
      for (int i = 0; i < e->na; i++) if (ex_check(a, e->a[i], 0) != 0) return -1;
      for (int i = 0; i < e->nidx; i++)
        if (ex_check(a, e->idx[i].lo, 0) != 0 || ex_check(a, e->idx[i].hi, 0) != 0) return -1;
      if (mark) mark_uniform(e);
      return 0;
    }
  }
}

/* Checks a statement of the body: 0 ok, -1 not batchable. */
static int st_check(actx *a, ir_st *s, int mark) {
  if (!s) return 0;
  switch (s->kind) {
    case URN_ST_BLOCK:
      for (int i = 0; i < s->nbody; i++) if (st_check(a, s->body[i], mark) < 0) return -1;
      return 0;
    case URN_ST_DECL: {
      const ir_decl *d = s->decl;
      int b = find_slot(a->loc, a->nloc, s->slot);
      if (b < 0 || d->lower || d->upper || d->offset || d->multiplier) return -1;
      int scalar = is_scalar_ty(d->ty);
      int vec = d->ty.dims == 0 && (d->ty.base == URN_TY_VECTOR || d->ty.base == URN_TY_ROW_VECTOR);
      int arr = d->ty.dims == 1 && (d->ty.base == URN_TY_INT || d->ty.base == URN_TY_REAL);
      if (!scalar && !vec && !arr) return -1;
      for (int i = 0; i < d->ndims; i++) if (ex_check(a, d->dims[i], mark) != 0) return -1;
      if (ex_check(a, d->size1, mark) != 0 || d->size2) return -1;
      if (s->rhs) {
        if (!scalar && !is_vec_ty(s->rhs->ty)) return -1;
        if (ex_check(a, s->rhs, mark) < 0) return -1;
      }
      a->locifd[b] = a->ifdepth;
      if (mark) s->bslot = b;
      return 0;
    }
    case URN_ST_ASSIGN: {
      ir_ex *l = s->lhs;
      {
        /* a local assigned inside an if must be declared inside it (no merge of the branches' lanes) */
        const ir_ex *v0 = l->kind == URN_EX_INDEX ? l->a[0] : l;
        int b0 = v0->kind == URN_EX_VAR ? find_slot(a->loc, a->nloc, v0->slot) : -1;
        if (b0 >= 0 && a->locifd[b0] != a->ifdepth) return -1;
      }
      if (l->kind == URN_EX_VAR && local_container(a, l) >= 0) {
        /* a whole container local = a container (copies the elements' lane values) */
        int b = local_container(a, l);
        if (!is_vec_ty(l->ty) || !is_vec_ty(s->rhs->ty) || ex_check(a, s->rhs, mark) < 0) return -1;
        if (mark) s->bslot = b, l->bslot = b;
        return 0;
      }
      if (!is_scalar_ty(l->ty) || !is_scalar_ty(s->rhs->ty) || !s->rhs->s) return -1;
      if (ex_check(a, s->rhs, mark) < 0) return -1;
      const ir_ex *v = l->kind == URN_EX_INDEX ? l->a[0] : l;
      int b = find_slot(a->loc, a->nloc, v->slot);
      if (b >= 0) {
        if (l->kind == URN_EX_VAR) {
          if (mark) s->bslot = b, l->bslot = b;
          return 0;
        }
        if (l->nidx != 1 || l->idx[0].kind != URN_IDX_SINGLE || ex_check(a, l->idx[0].lo, mark) != 0) return -1;
        if (mark) s->bslot = b, l->bslot = b;
        return 0;
      }
      /* an outer variable: one scalar element, one index exactly the loop variable */
      if (l->kind != URN_EX_INDEX) return -1;
      int has_loop = 0;
      for (int i = 0; i < l->nidx; i++) {
        const ir_idx *ix = &l->idx[i];
        if (ix->kind != URN_IDX_SINGLE || !ix->lo || !is_scalar_ty(ix->lo->ty)) return -1;
        if (ix->lo->kind == URN_EX_VAR && ix->lo->global && ix->lo->slot == a->loopslot) { has_loop = 1; continue; }
        if (ex_check(a, ix->lo, 0) != 0) return -1;
      }
      if (!has_loop) return -1;
      if (a->depth == 0) a->wdone[find_slot(a->wr, a->nwr, v->slot)] = 1;
      if (mark) {
        s->bslot = BSLOT_OUTER, s->bshadow = a->nw[find_slot(a->wr, a->nwr, v->slot)] == 1 ? 1 + find_slot(a->wr, a->nwr, v->slot) : 0;
        for (int i = 0; i < l->nidx; i++) {
          ir_ex *x = l->idx[i].lo;
          if (x->kind == URN_EX_VAR && x->slot == a->loopslot) x->lane = 1, x->bop = BOP_LOOPVAR;
          else ex_check(a, x, 1);
        }
      }
      return 0;
    }
    case URN_ST_TARGET:
      if (!is_scalar_ty(s->rhs->ty) || !s->rhs->s) return -1;
      return ex_check(a, s->rhs, mark) < 0 ? -1 : 0;
    case URN_ST_TILDE:
      if (s->fun || !s->bi || s->tlo || s->thi || s->nargs > URN_DIST_MAX_ARGS) return -1;
      for (int i = 0; i < s->nargs; i++) {
        if (!is_scalar_ty(s->args[i]->ty) || !s->args[i]->s) {
          /* a vectorised call per lane (bs: BOP_DIST_VEC) */
          if (!dist_vec_ok(s->args, s->nargs, s->bi)) return -1;
        }
        if (ex_check(a, s->args[i], mark) < 0) return -1;
      }
      return 0;
    case URN_ST_IF: {
      /* each branch runs on the lanes whose condition selects it (a lane-varying condition) */
      if (!s->cond || !is_scalar_ty(s->cond->ty) || !s->cond->s || ex_check(a, s->cond, mark) < 0) return -1;
      a->depth++, a->ifdepth++;
      int r = 0;
      for (int i = 0; i < s->nbody && r == 0; i++) r = st_check(a, s->body[i], mark);
      a->depth--, a->ifdepth--;
      return r;
    }
    case URN_ST_FOR:
      if (ex_check(a, s->lo, mark) != 0 || ex_check(a, s->hi, mark) != 0) return -1;
      a->depth++;
      int r = st_check(a, s->body[0], mark);
      a->depth--;
      if (r < 0) return -1;
      if (mark) s->batch = NULL, s->run = rt_run_fn(URN_ST_FOR, 0);
      return 0;
    default: return -1;
  }
}

int urn_batch_plan(urn_prog *p, ir_st *s, int block) {
  if (p->nobatch || s->kind != URN_ST_FOR || !s->global) return 0;
  actx a;
  memset(&a, 0, sizeof a);
  a.p = p, a.loopslot = s->slot, a.block = block;
  collect(&a, s->body[0]);
  collect_writes(&a, s->body[0], 0);
  a.locifd = urn_xcalloc((size_t)(a.nloc ? a.nloc : 1), sizeof *a.locifd);
  int ok = !a.bad && st_check(&a, s->body[0], 0) == 0;
  if (ok) {
    for (int k = 0; k < a.nwr; k++) a.wdone[k] = 0;
    st_check(&a, s->body[0], 1);
    ir_batch *b = urn_arena_alloc(&p->arena, sizeof *b);
    b->nloc = a.nloc + a.nwr; /* the locals, then a lane copy of each written outer element (shadow reads) */
    b->nloc0 = a.nloc;
    s->batch = b;
    s->run = urn_batch_run;
  }
  free(a.loc), free(a.wr), free(a.wlhs), free(a.wtop), free(a.wdone), free(a.nw), free(a.wpos), free(a.locifd);
  return ok;
}

/* ---- deferred stores: legality over the whole model block ---- */

/* Slots of the outer variables stored by batched loops (candidates), and
 * whether one is read anywhere other than as hmm_marginal's first argument. */
typedef struct dctx {
  int *slot;          /* candidate slots */
  int *bad;           /* per candidate: read some other way */
  int *hmm;           /* per candidate: read by hmm_marginal */
  int n, cap;         /* used / allocated */
} dctx;

static void defer_collect(dctx *c, ir_st *s, int inside) {
  if (!s) return;
  if (s->kind == URN_ST_FOR && s->batch) inside = 1;
  if (inside && s->kind == URN_ST_ASSIGN && s->bslot == BSLOT_OUTER && s->lhs->kind == URN_EX_INDEX &&
      s->lhs->a[0]->ty.base == URN_TY_MATRIX && s->lhs->a[0]->ty.dims == 0) {
    int sl = s->lhs->a[0]->slot;
    if (find_slot(c->slot, c->n, sl) < 0) {
      int cap = c->cap;
      push_slot(&c->slot, &c->n, &c->cap, sl);
      if (c->cap != cap) {
        c->bad = urn_xrealloc(c->bad, (size_t)c->cap * sizeof *c->bad);
        c->hmm = urn_xrealloc(c->hmm, (size_t)c->cap * sizeof *c->hmm);
      }
      c->bad[c->n - 1] = c->hmm[c->n - 1] = 0;
    }
  }
  for (int i = 0; i < s->nbody; i++) defer_collect(c, s->body[i], inside);
}

static void defer_reads_ex(dctx *c, const ir_ex *e) {
  if (!e) return;
  if (e->kind == URN_EX_VAR && e->global) {
    int k = find_slot(c->slot, c->n, e->slot);
    if (k >= 0) c->bad[k] = 1;
    return;
  }
  int skip0 = 0;
  if (e->kind == URN_EX_CALL && !e->fun && e->bi && e->na == 3 && strcmp(e->bi->name, "hmm_marginal") == 0 &&
      e->a[0]->kind == URN_EX_VAR && e->a[0]->global) {
    int k = find_slot(c->slot, c->n, e->a[0]->slot);
    if (k >= 0) c->hmm[k] = 1, skip0 = 1;
  }
  for (int i = skip0; i < e->na; i++) defer_reads_ex(c, e->a[i]);
  for (int i = 0; i < e->nidx; i++) defer_reads_ex(c, e->idx[i].lo), defer_reads_ex(c, e->idx[i].hi);
}

static void defer_reads_st(dctx *c, const ir_st *s) {
  if (!s) return;
  if (s->lhs) {
    /* the variable assigned to is written, not read (a compound assignment's read is in rhs) */
    const ir_ex *l = s->lhs;
    if (l->kind == URN_EX_INDEX) {
      if (l->a[0]->kind != URN_EX_VAR) defer_reads_ex(c, l->a[0]);
      for (int i = 0; i < l->nidx; i++) defer_reads_ex(c, l->idx[i].lo), defer_reads_ex(c, l->idx[i].hi);
    } else if (l->kind != URN_EX_VAR) {
      defer_reads_ex(c, l);
    }
  }
  defer_reads_ex(c, s->rhs);
  for (int i = 0; i < s->nargs; i++) defer_reads_ex(c, s->args[i]);
  defer_reads_ex(c, s->tlo), defer_reads_ex(c, s->thi), defer_reads_ex(c, s->cond);
  defer_reads_ex(c, s->lo), defer_reads_ex(c, s->hi);
  if (s->kind == URN_ST_DECL && s->decl) {
    const ir_decl *d = s->decl;
    for (int i = 0; i < d->ndims; i++) defer_reads_ex(c, d->dims[i]);
    defer_reads_ex(c, d->size1), defer_reads_ex(c, d->size2), defer_reads_ex(c, d->init);
    defer_reads_ex(c, d->lower), defer_reads_ex(c, d->upper), defer_reads_ex(c, d->offset), defer_reads_ex(c, d->multiplier);
  }
  for (int i = 0; i < s->nbody; i++) defer_reads_st(c, s->body[i]);
}

static void defer_mark(const dctx *c, ir_st *s, int inside) {
  if (!s) return;
  if (s->kind == URN_ST_FOR && s->batch) inside = 1;
  if (inside && s->kind == URN_ST_ASSIGN && s->bslot == BSLOT_OUTER && s->lhs->kind == URN_EX_INDEX) {
    int k = find_slot(c->slot, c->n, s->lhs->a[0]->slot);
    if (k >= 0 && !c->bad[k] && c->hmm[k]) s->bslot = BSLOT_DEFER;
  }
  for (int i = 0; i < s->nbody; i++) defer_mark(c, s->body[i], inside);
}

/* Does e read variable slot other than as a shadow read (a batched loop's read-back of the element it stored)? */
static int reads_other(int slot, const ir_ex *e) {
  if (!e) return 0;
  if (e->kind == URN_EX_INDEX && e->lane && e->bop == BOP_LOCAL) return 0;
  if (e->kind == URN_EX_VAR) return e->global && e->slot == slot;
  for (int i = 0; i < e->na; i++) if (reads_other(slot, e->a[i])) return 1;
  for (int i = 0; i < e->nidx; i++) if (reads_other(slot, e->idx[i].lo) || reads_other(slot, e->idx[i].hi)) return 1;
  return 0;
}
static int reads_other_st(int slot, const ir_st *s) {
  if (!s) return 0;
  if (s->lhs) {
    const ir_ex *l = s->lhs;
    if (l->kind == URN_EX_INDEX) {
      if (l->a[0]->kind != URN_EX_VAR && reads_other(slot, l->a[0])) return 1;
      for (int i = 0; i < l->nidx; i++) if (reads_other(slot, l->idx[i].lo) || reads_other(slot, l->idx[i].hi)) return 1;
    } else if (l->kind != URN_EX_VAR && reads_other(slot, l)) {
      return 1;
    }
  }
  if (reads_other(slot, s->rhs) || reads_other(slot, s->tlo) || reads_other(slot, s->thi) ||
      reads_other(slot, s->cond) || reads_other(slot, s->lo) || reads_other(slot, s->hi))
    return 1;
  for (int i = 0; i < s->nargs; i++) if (reads_other(slot, s->args[i])) return 1;
  if (s->kind == URN_ST_DECL && s->decl) {
    const ir_decl *d = s->decl;
    for (int i = 0; i < d->ndims; i++) if (reads_other(slot, d->dims[i])) return 1;
    if (reads_other(slot, d->size1) || reads_other(slot, d->size2) || reads_other(slot, d->init) ||
        reads_other(slot, d->lower) || reads_other(slot, d->upper) || reads_other(slot, d->offset) ||
        reads_other(slot, d->multiplier))
      return 1;
  }
  for (int i = 0; i < s->nbody; i++) if (reads_other_st(slot, s->body[i])) return 1;
  return 0;
}
/* Marks BSLOT_VALUES the batched stores whose variable the model block reads only through shadow reads: the
 * lanes carry the derivatives, the variable needs its values only (no tape node per element). */
static int values_mark(urn_prog *p, ir_st *s, int inside) {
  if (!s) return 0;
  if (s->kind == URN_ST_FOR && s->batch) inside = 1;
  int marked = 0;
  if (inside && s->kind == URN_ST_ASSIGN && s->bslot == BSLOT_OUTER && s->bshadow && s->lhs->kind == URN_EX_INDEX) {
    int slot = s->lhs->a[0]->slot, other = 0;
    for (int i = 0; i < p->nstmts[URN_BLK_MODEL] && !other; i++) other = reads_other_st(slot, p->stmts[URN_BLK_MODEL][i]);
    if (!other) s->bslot = BSLOT_VALUES, marked = 1;
  }
  for (int i = 0; i < s->nbody; i++) marked += values_mark(p, s->body[i], inside);
  return marked;
}

int urn_batch_defer_plan(urn_prog *p) {
  if (p->nobatch) return 0;
  ir_st **st = p->stmts[URN_BLK_MODEL];
  int n = p->nstmts[URN_BLK_MODEL], marked = 0;
  dctx c;
  memset(&c, 0, sizeof c);
  for (int i = 0; i < n; i++) defer_collect(&c, st[i], 0);
  if (c.n) {
    for (int i = 0; i < n; i++) defer_reads_st(&c, st[i]);
    for (int i = 0; i < n; i++) defer_mark(&c, st[i], 0);
    for (int k = 0; k < c.n; k++) marked += !c.bad[k] && c.hmm[k];
  }
  free(c.slot), free(c.bad), free(c.hmm);
  for (int i = 0; i < n; i++) marked += values_mark(p, st[i], 0);
  return marked;
}

/* ---- evaluation ---- */

/* A term of a lane value: derivative d[l] with respect to a leaf node. */
typedef struct bterm {
  int32_t node;          /* the leaf when shared by all lanes, else -1 */
  const int32_t *lnode;  /* the leaf of each lane (entries may be -1), or NULL */
  const double *d;       /* derivative in each lane; NULL means 1 in every lane */
  int owned;             /* d was made for this value and may be added into */
} bterm;

/* A lane value. */
typedef struct bv {
  const double *v;  /* value in each lane, or NULL: the loop-invariant value u */
  double u;         /* the loop-invariant value */
  bterm *t;         /* derivative terms */
  int nt;           /* number of terms */
} bv;

/* A per-iteration local. */
typedef struct blocal {
  bv *el;           /* its elements (1 for a scalar) */
  size_t n;         /* number of elements */
} blocal;

typedef struct bctx {
  urn_ev *ev;       /* the evaluation */
  size_t L;         /* lanes (iterations) */
  double lo;        /* the loop variable in lane 0 */
  const double *iv; /* the loop variable in each lane */
  blocal *loc;      /* per-iteration locals, by bslot, then the lane copies of stored outer elements */
  int nloc0;        /* number of per-iteration locals (where the lane copies begin) */
  int nloc;         /* entries of loc */
  int affine;       /* lane l is iteration lo + l (else a subset of the iterations: an if's branch; iv) */
  const size_t *gl; /* the loop's lane (iteration) of each lane, or NULL: lane l is the loop's lane l */
  struct bsinks *sk;/* the loop's target increments, added to target when it ends (NULL: none may occur) */
} bctx;

/* Workspace of this evaluation (not zeroed; lives until the tape is reset). */
static inline void *balloc(bctx *b, size_t bytes) { return urn_tape_scratch(&b->ev->tape, bytes); }
static inline double *dalloc(bctx *b, size_t n) { return (double *)balloc(b, (n ? n : 1) * sizeof(double)); }

static inline void bv_uniform(bv *x, double u, int32_t node, bctx *b) {
  x->v = NULL, x->u = u, x->nt = 0, x->t = NULL;
  if (node >= 0) {
    x->t = balloc(b, sizeof *x->t);
    x->t[0] = (bterm){node, NULL, NULL, 0};
    x->nt = 1;
  }
}

/* A per-argument partial: p[l] when p is not NULL, else the constant c. */
typedef struct bpart {
  const double *p;  /* per-lane partials or NULL */
  double c;         /* constant partial when p is NULL */
} bpart;

static void bv_collapse(bctx *b, bv *x, int most);

/* out's terms = sum over args of partial_i * terms of arg i, merging equal
 * leaves (out's values must be set: too many terms turn into tape nodes). */
static void combine(bctx *b, bv *out, int na, const bv *const *args, const bpart *part) {
  size_t L = b->L;
  int total = 0;
  for (int i = 0; i < na; i++) total += args[i]->nt;
  out->nt = 0, out->t = NULL;
  if (!total) return;
  out->t = balloc(b, (size_t)total * sizeof *out->t);
  for (int i = 0; i < na; i++) {
    const bv *x = args[i];
    const double *p = part[i].p;
    double c = part[i].c;
    if (!p && c == 0) continue;
    int before = out->nt; /* a value's own terms are distinct: search only those of earlier arguments */
    for (int k = 0; k < x->nt; k++) {
      const bterm *t = &x->t[k];
      bterm *o = NULL;
      for (int j = 0; j < before; j++)
        if (out->t[j].node == t->node && out->t[j].lnode == t->lnode) { o = &out->t[j]; break; }
      if (!o) {
        o = &out->t[out->nt++];
        o->node = t->node, o->lnode = t->lnode;
        if (!p && c == 1) { o->d = t->d, o->owned = 0; continue; }
        if (p && !t->d) { o->d = p, o->owned = 0; continue; } /* partials are never written after: share them */
        double *d = dalloc(b, L);
        if (p && t->d) for (size_t l = 0; l < L; l++) d[l] = p[l] * t->d[l];
        else if (p) memcpy(d, p, L * sizeof *d);
        else if (t->d) for (size_t l = 0; l < L; l++) d[l] = c * t->d[l];
        else for (size_t l = 0; l < L; l++) d[l] = c;
        o->d = d, o->owned = 1;
        continue;
      }
      if (!o->owned) {
        double *d = dalloc(b, L);
        if (o->d) memcpy(d, o->d, L * sizeof *d);
        else for (size_t l = 0; l < L; l++) d[l] = 1;
        o->d = d, o->owned = 1;
      }
      double *d = (double *)o->d;
      if (p && t->d) for (size_t l = 0; l < L; l++) d[l] += p[l] * t->d[l];
      else if (p) for (size_t l = 0; l < L; l++) d[l] += p[l];
      else if (t->d) for (size_t l = 0; l < L; l++) d[l] += c * t->d[l];
      else for (size_t l = 0; l < L; l++) d[l] += c;
    }
  }
  if (out->nt > BATCH_MAX_TERMS) bv_collapse(b, out, 0);
}

/* Values of x as an array with a stride (0 for a loop-invariant value). */
#define LANES(x, ptr, stride) const double *ptr = (x)->v ? (x)->v : &(x)->u; size_t stride = (x)->v ? 1 : 0

/* v[l] = F(x in lane l, y in lane l), the strides (0 or 1) resolved outside the loops. */
#define LANE_MAP2(L, v, xv, sx, yv, sy, F)                                                            \
  do {                                                                                                \
    if ((sx) && (sy)) for (size_t l_ = 0; l_ < (L); l_++) (v)[l_] = F((xv)[l_], (yv)[l_]);            \
    else if (sx) { double y0_ = (yv)[0]; for (size_t l_ = 0; l_ < (L); l_++) (v)[l_] = F((xv)[l_], y0_); } \
    else if (sy) { double x0_ = (xv)[0]; for (size_t l_ = 0; l_ < (L); l_++) (v)[l_] = F(x0_, (yv)[l_]); } \
    else for (size_t l_ = 0; l_ < (L); l_++) (v)[l_] = F((xv)[0], (yv)[0]);                           \
  } while (0)
#define LANE_ADD(a, b) ((a) + (b))
#define LANE_SUB(a, b) ((a) - (b))
#define LANE_MUL(a, b) ((a) * (b))

static inline size_t check_index(urn_ev *ev, const ir_ex *e, double i, int32_t size) {
  if (!(i >= 1 && i <= size))
    urn_ev_reject(ev, "%s:%d:%d: index %.0f out of range; expecting index to be between 1 and %d", ev->prog->path,
                  e->line, e->col, i, size);
  return (size_t)i - 1;
}

static void bx(bctx *b, const ir_ex *e, bv *out);

/* Storage offsets (one per lane, or one shared: *uniform) of x[i1, ..., ik]
 * with single scalar indexes: arrays are row-major over their dimensions,
 * the vector / matrix inside column-major, so the offset is linear in the
 * indexes.  The loop variable as an index is checked at its two ends only. */
static size_t *lane_offsets(bctx *b, const ir_ex *e, const urn_val *base, size_t *one, int *uniform, size_t *step) {
  urn_ev *ev = b->ev;
  int nd = urn_val_ndim(base->ty), na = base->ty.dims;
  size_t stride[URN_MAX_DIMS];
  size_t inner = 1;
  for (int d = na; d < nd; d++) stride[d] = inner, inner *= (size_t)base->dim[d];
  size_t outer = inner;
  for (int d = na - 1; d >= 0; d--) stride[d] = outer, outer *= (size_t)base->dim[d];
  size_t off0 = 0;
  int lane[URN_MAX_DIMS], any = 0;
  bv ix[URN_MAX_DIMS];
  for (int k = 0; k < e->nidx && k < nd; k++) {
    const ir_ex *x = e->idx[k].lo;
    lane[k] = x->lane;
    if (!x->lane) {
      double iv;
      x->s(ev, x, &iv);
      off0 += check_index(ev, e, iv, base->dim[k]) * stride[k];
      continue;
    }
    any = 1;
    if (x->bop == BOP_LOOPVAR && b->affine) {
      check_index(ev, e, b->lo, base->dim[k]);
      check_index(ev, e, b->lo + (double)(b->L - 1), base->dim[k]);
      lane[k] = 2;
    } else {
      bx(b, x, &ix[k]);
    }
  }
  *uniform = !any;
  if (!any) { *one = off0; return one; }
  int general = 0;
  size_t st = 0;
  for (int k = 0; k < e->nidx && k < nd; k++) {
    if (lane[k] == 1) general = 1;
    else if (lane[k] == 2) st += stride[k], off0 += ((size_t)b->lo - 1) * stride[k];
  }
  if (!general) { /* only the loop variable varies: lane l is at off0 + l * st */
    *uniform = 2, *one = off0, *step = st;
    return NULL;
  }
  for (int k = 0; k < e->nidx && k < nd; k++)
    if (lane[k] == 2) off0 -= ((size_t)b->lo - 1) * stride[k];
  size_t L = b->L, *off = balloc(b, L * sizeof *off);
  for (size_t l = 0; l < L; l++) off[l] = off0;
  for (int k = 0; k < e->nidx && k < nd; k++) {
    if (lane[k] == 2) {
      size_t s = stride[k], o = ((size_t)b->lo - 1) * s;
      for (size_t l = 0; l < L; l++) off[l] += o + l * s;
    } else if (lane[k]) {
      LANES(&ix[k], xv, sx);
      for (size_t l = 0; l < L; l++) off[l] += check_index(ev, e, xv[l * sx], base->dim[k]) * stride[k];
    }
  }
  return off;
}

static void bx_index_outer(bctx *b, const ir_ex *e, bv *out) {
  urn_ev *ev = b->ev;
  const ir_ex *be = e->a[0];
  const urn_val *base = be->global ? &ev->glob[be->slot] : &ev->frame[be->slot];
  size_t one, L = b->L, st = 0;
  int uni;
  const size_t *off = lane_offsets(b, e, base, &one, &uni, &st);
  if (uni == 1) { bv_uniform(out, base->v[one], base->ix ? base->ix[one] : -1, b); return; }
  out->nt = 0, out->t = NULL;
  if (uni == 2 && st == 1) out->v = base->v + one; /* contiguous: a view */
  else {
    double *v = dalloc(b, L);
    if (uni == 2) for (size_t l = 0; l < L; l++) v[l] = base->v[one + l * st];
    else for (size_t l = 0; l < L; l++) v[l] = base->v[off[l]];
    out->v = v;
  }
  if (base->ix) {
    int32_t *ln = balloc(b, L * sizeof *ln);
    int any = 0;
    if (uni == 2) for (size_t l = 0; l < L; l++) ln[l] = base->ix[one + l * st], any |= ln[l] >= 0;
    else for (size_t l = 0; l < L; l++) ln[l] = base->ix[off[l]], any |= ln[l] >= 0;
    if (any) {
      out->t = balloc(b, sizeof *out->t);
      out->t[0] = (bterm){-1, ln, NULL, 0};
      out->nt = 1;
    }
  }
}

/* The elementwise unary kernel of e applied to the lane value x. */
static void op_unary(bctx *b, const ir_ex *e, const bv *x, bv *out) {
  const urn_unary_kernel *k = e->bi->aux;
  size_t L = b->L;
  LANES(x, xv, sx);
  double *v = dalloc(b, L);
  for (size_t l = 0; l < L; l++) v[l] = k->f(xv[l * sx]);
  out->v = v;
  bpart p = {NULL, 0};
  if (x->nt) {
    double *d = dalloc(b, L);
    for (size_t l = 0; l < L; l++) d[l] = k->df(xv[l * sx], v[l]);
    p.p = d;
  }
  const bv *args[1] = {x};
  combine(b, out, 1, args, &p);
}

static void bx_unary(bctx *b, const ir_ex *e, bv *out) {
  bv x;
  bx(b, e->a[0], &x);
  op_unary(b, e, &x, out);
}

/* The elementwise binary kernel (or operator) of e applied to the lane values x and y. */
static void op_binary(bctx *b, const ir_ex *e, const bv *x, const bv *y, bv *out) {
  urn_binary_kernel k = (urn_binary_kernel)(uintptr_t)e->bi->aux;
  size_t L = b->L;
  LANES(x, xv, sx);
  LANES(y, yv, sy);
  double *v = dalloc(b, L);
  bpart p[2] = {{NULL, 0}, {NULL, 0}};
  const bv *args[2] = {x, y};
  int op = e->kind == URN_EX_BINARY ? e->op : -1;
  if (op == URN_OP_ADD || op == URN_OP_SUB) {
    if (op == URN_OP_ADD) LANE_MAP2(L, v, xv, sx, yv, sy, LANE_ADD);
    else LANE_MAP2(L, v, xv, sx, yv, sy, LANE_SUB);
    p[0].c = 1, p[1].c = op == URN_OP_ADD ? 1 : -1;
  } else if (op == URN_OP_MUL) {
    LANE_MAP2(L, v, xv, sx, yv, sy, LANE_MUL);
    if (x->nt) { if (y->v) p[0].p = y->v; else p[0].c = y->u; }
    if (y->nt) { if (x->v) p[1].p = x->v; else p[1].c = x->u; }
  } else {
    double *dx = x->nt ? dalloc(b, L) : NULL, *dy = y->nt ? dalloc(b, L) : NULL;
    int nody = !dy && (e->bi->flags & URN_BI_DYOPT); /* the kernel may skip dy: nothing receives it */
    for (size_t l = 0; l < L; l++) {
      double f, a, c = 0;
      k(xv[l * sx], yv[l * sy], &f, &a, nody ? NULL : &c);
      v[l] = f;
      if (dx) dx[l] = a;
      if (dy) dy[l] = c;
    }
    p[0].p = dx, p[1].p = dy;
  }
  out->v = v;
  combine(b, out, 2, args, p);
}

static void bx_binary(bctx *b, const ir_ex *e, bv *out) {
  bv x, y;
  bx(b, e->a[0], &x);
  bx(b, e->a[1], &y);
  op_binary(b, e, &x, &y, out);
}

/* ---- lane containers: a container whose every element is a lane value ---- */

/* Evaluates a container-typed expression of the batch into *n lane values.
 * The array may be a local's own storage: callers only read it. */
/* x[i] for a lane-varying i, x an array of vectors (or a 2-D array, a matrix's rows...): element k of lane l is
 * x's storage at the row's offset + k * stride (the layout lane_offsets computes). */
static bv *bx_row(bctx *b, const ir_ex *e, size_t *n) {
  urn_ev *ev = b->ev;
  const ir_ex *be = e->a[0];
  const urn_val *base = be->global ? &ev->glob[be->slot] : &ev->frame[be->slot];
  int nd = urn_val_ndim(base->ty);
  size_t inner = 1, stride[URN_MAX_DIMS];
  for (int d = base->ty.dims; d < nd; d++) stride[d] = inner, inner *= (size_t)base->dim[d];
  size_t outer = inner;
  for (int d = base->ty.dims - 1; d >= 0; d--) stride[d] = outer, outer *= (size_t)base->dim[d];
  /* the row: every dimension after the first; its elements are contiguous (row-major arrays) or strided
     (a matrix's row) */
  size_t cnt = 1;
  for (int d = 1; d < nd; d++) cnt *= (size_t)base->dim[d];
  size_t step = nd >= 2 && base->ty.dims == 0 && base->ty.base == URN_TY_MATRIX ? stride[1] : 1;
  bv iv;
  bx(b, e->idx[0].lo, &iv);
  size_t L = b->L;
  size_t *off = balloc(b, (L ? L : 1) * sizeof *off);
  LANES(&iv, xv, sx);
  for (size_t l = 0; l < L; l++) off[l] = check_index(ev, e, xv[l * sx], base->dim[0]) * stride[0];
  bv *el = balloc(b, (cnt ? cnt : 1) * sizeof *el);
  for (size_t k = 0; k < cnt; k++) {
    double *v = dalloc(b, L);
    for (size_t l = 0; l < L; l++) v[l] = base->v[off[l] + k * step];
    el[k].v = v, el[k].u = 0, el[k].nt = 0, el[k].t = NULL;
    if (!base->ix) continue;
    int32_t *ln = balloc(b, (L ? L : 1) * sizeof *ln);
    int any = 0;
    for (size_t l = 0; l < L; l++) ln[l] = base->ix[off[l] + k * step], any |= ln[l] >= 0;
    if (any) {
      bterm *t = balloc(b, sizeof *t);
      *t = (bterm){-1, ln, NULL, 0};
      el[k].t = t, el[k].nt = 1;
    }
  }
  *n = cnt;
  return el;
}

static bv *bxv(bctx *b, const ir_ex *e, size_t *n) {
  urn_ev *ev = b->ev;
  if (!e->lane || e->kind == IR_CONST) {
    /* loop-invariant: the ordinary evaluator, one uniform lane value per element */
    urn_val x;
    e->g(ev, e, &x);
    *n = x.n;
    bv *el = balloc(b, (x.n ? x.n : 1) * sizeof *el);
    size_t nv = 0;
    if (x.ix) for (size_t i = 0; i < x.n; i++) nv += x.ix[i] >= 0;
    bterm *t = nv ? balloc(b, nv * sizeof *t) : NULL;
    for (size_t i = 0; i < x.n; i++) {
      el[i].v = NULL, el[i].u = x.v[i], el[i].nt = 0, el[i].t = NULL;
      if (x.ix && x.ix[i] >= 0) {
        *t = (bterm){x.ix[i], NULL, NULL, 0};
        el[i].t = t++, el[i].nt = 1;
      }
    }
    return el;
  }
  switch (e->bop) {
    case BOP_VLOCAL: *n = b->loc[e->bslot].n; return b->loc[e->bslot].el;
    case BOP_VROW: return bx_row(b, e, n);
    case BOP_VUNARY: {
      size_t m;
      const bv *x = bxv(b, e->a[0], &m);
      bv *el = balloc(b, (m ? m : 1) * sizeof *el);
      for (size_t i = 0; i < m; i++) op_unary(b, e, &x[i], &el[i]);
      *n = m;
      return el;
    }
    case BOP_VBINARY: {
      /* each operand a lane container or a (broadcast) scalar lane value */
      bv sx, sy;
      const bv *x, *y;
      size_t nx = 1, ny = 1;
      int cx = !is_scalar_ty(e->a[0]->ty), cy = !is_scalar_ty(e->a[1]->ty);
      if (cx) x = bxv(b, e->a[0], &nx);
      else bx(b, e->a[0], &sx), x = &sx;
      if (cy) y = bxv(b, e->a[1], &ny);
      else bx(b, e->a[1], &sy), y = &sy;
      if (cx && cy && nx != ny) urn_ev_reject(ev, "%s: size mismatch (%zu and %zu elements)", e->bi->name, nx, ny);
      size_t m = cx ? nx : ny;
      bv *el = balloc(b, (m ? m : 1) * sizeof *el);
      for (size_t i = 0; i < m; i++) op_binary(b, e, &x[cx ? i : 0], &y[cy ? i : 0], &el[i]);
      *n = m;
      return el;
    }
  }
  urn_ev_fail(ev, URN_EFATAL, "internal error: unbatchable container expression in a batched loop");
}

static void bx_log_mix(bctx *b, const ir_ex *e, bv *out) {
  bv x[3];
  for (int i = 0; i < 3; i++) bx(b, e->a[i], &x[i]);
  size_t L = b->L;
  LANES(&x[0], tv, st);
  LANES(&x[1], av, sa);
  LANES(&x[2], cv, sc);
  double *v = dalloc(b, L), *d0 = dalloc(b, L), *d1 = dalloc(b, L), *d2 = dalloc(b, L);
  for (size_t l = 0; l < L; l++) {
    double th = tv[l * st], a = av[l * sa], c = cv[l * sc];
    if (!(th >= 0 && th <= 1)) urn_ev_reject(b->ev, "log_mix: theta is %g, but must be in the interval [0, 1]", th);
    double m = a > c ? a : c;
    double ea = a >= c ? 1 : exp(a - m), ec = a >= c ? exp(c - m) : 1;
    double den = th * ea + (1 - th) * ec;
    v[l] = m + log(den);
    if (isinf(m) && m < 0) d0[l] = d1[l] = d2[l] = 0;
    else d0[l] = (ea - ec) / den, d1[l] = th * ea / den, d2[l] = (1 - th) * ec / den;
  }
  out->v = v;
  const bv *args[3] = {&x[0], &x[1], &x[2]};
  bpart p[3] = {{d0, 0}, {d1, 0}, {d2, 0}};
  combine(b, out, 3, args, p);
}

static _Noreturn void dist_fail(urn_ev *ev, int rc) {
  if (ev->err && ev->err->code == URN_OK) urn_error_set(ev->err, rc, "distribution error");
  if (ev->err) ev->err->code = rc;
  longjmp(ev->jb, 1);
}

/* A distribution on scalars, lane by lane, through the table (exact messages, every family). */
static void bx_dist_lanes(bctx *b, const urn_builtin *bi, ir_ex *const *a, int na, int propto, const bv *x, bv *out) {
  urn_ev *ev = b->ev;
  const urn_dist *d = bi->aux;
  size_t L = b->L;
  urn_dist_fn fn = urn_dist_function(d, bi->aux2 == URN_DF_LUPDF ? URN_DF_LPDF : bi->aux2);
  double *v = dalloc(b, L);
  bpart p[URN_DIST_MAX_ARGS];
  const bv *args[URN_DIST_MAX_ARGS];
  double *pd[URN_DIST_MAX_ARGS];
  for (int i = 0; i < na; i++) {
    args[i] = &x[i], p[i].p = NULL, p[i].c = 0, pd[i] = NULL;
    if (!a[i]->novar && x[i].nt) pd[i] = dalloc(b, L), p[i].p = pd[i];
  }
  for (size_t l = 0; l < L; l++) {
    urn_darg da[URN_DIST_MAX_ARGS];
    double val[URN_DIST_MAX_ARGS], part[URN_DIST_MAX_ARGS];
    int iv[URN_DIST_MAX_ARGS];
    for (int i = 0; i < na; i++) {
      memset(&da[i], 0, sizeof da[i]);
      val[i] = x[i].v ? x[i].v[l] : x[i].u;
      da[i].n = 1, da[i].rows = 1, da[i].cols = 1;
      if (d->args[i].kind == URN_DA_INTS || d->args[i].kind == URN_DA_INT) {
        iv[i] = (int)val[i], da[i].iv = &iv[i];
      } else {
        da[i].v = &val[i];
        if (!a[i]->novar) part[i] = 0, da[i].d = &part[i];
      }
    }
    double r = 0;
    int rc = fn(da, propto, &r, ev->err);
    if (rc != URN_OK) dist_fail(ev, rc);
    v[l] = r;
    for (int i = 0; i < na; i++) if (pd[i]) pd[i][l] = da[i].d ? part[i] : 0;
  }
  out->v = v;
  combine(b, out, na, args, p);
}

static bv *bxv(bctx *b, const ir_ex *e, size_t *n);

/* A univariate distribution with container arguments (`bernoulli_lpmf(y[i] | p_eff[i])`): per lane, ONE
 * vectorised call on that lane's elements (scalars broadcast), as the ordinary loop makes per iteration; the
 * partials of every element become terms of the result (a leaf may appear in several terms: consumers add). */
static void bx_dist_vec(bctx *b, const urn_builtin *bi, ir_ex *const *a, int na, int propto, bv *out) {
  urn_ev *ev = b->ev;
  const urn_dist *d = bi->aux;
  urn_dist_fn fn = urn_dist_function(d, bi->aux2 == URN_DF_LUPDF ? URN_DF_LPDF : bi->aux2);
  const bv *el[URN_DIST_MAX_ARGS];
  bv sc[URN_DIST_MAX_ARGS];
  int vec[URN_DIST_MAX_ARGS], isint[URN_DIST_MAX_ARGS];
  size_t n = 0, L = b->L;
  int any = 0;
  for (int i = 0; i < na; i++) {
    vec[i] = !is_scalar_ty(a[i]->ty);
    isint[i] = d->args[i].kind == URN_DA_INTS || d->args[i].kind == URN_DA_INT;
    if (!vec[i]) { bx(b, a[i], &sc[i]); el[i] = &sc[i]; continue; }
    size_t m;
    el[i] = bxv(b, a[i], &m);
    if (any && m != n)
      urn_ev_reject(ev, "%s:%d:%d: %s: size mismatch (%zu and %zu elements)", ev->prog->path, a[i]->line, a[i]->col,
                    bi->name, n, m);
    n = m, any = 1;
  }
  double *v = dalloc(b, L);
  out->v = v, out->nt = 0, out->t = NULL;
  if (!n) { for (size_t l = 0; l < L; l++) v[l] = 0; return; }
  /* per argument: the values of one lane, the partials of every lane (element k of lane l at k * L + l) */
  double *vals[URN_DIST_MAX_ARGS], *g[URN_DIST_MAX_ARGS], *gl[URN_DIST_MAX_ARGS];
  int *ivals[URN_DIST_MAX_ARGS];
  for (int i = 0; i < na; i++) {
    size_t m = vec[i] ? n : 1;
    vals[i] = dalloc(b, m), ivals[i] = isint[i] ? balloc(b, m * sizeof(int)) : NULL;
    int want = !isint[i] && !a[i]->novar;
    if (want) { int t = 0; for (size_t k = 0; k < m; k++) t |= el[i][vec[i] ? k : 0].nt > 0; want = t; }
    g[i] = want ? dalloc(b, m * L) : NULL, gl[i] = want ? dalloc(b, m) : NULL;
  }
  for (size_t l = 0; l < L; l++) {
    urn_darg da[URN_DIST_MAX_ARGS];
    for (int i = 0; i < na; i++) {
      size_t m = vec[i] ? n : 1;
      for (size_t k = 0; k < m; k++) vals[i][k] = el[i][k].v ? el[i][k].v[l] : el[i][k].u;
      memset(&da[i], 0, sizeof da[i]);
      da[i].n = m, da[i].rows = m, da[i].cols = 1;
      if (isint[i]) {
        for (size_t k = 0; k < m; k++) ivals[i][k] = (int)vals[i][k];
        da[i].iv = ivals[i];
        continue;
      }
      da[i].v = vals[i];
      if (!a[i]->novar) {
        double *p = gl[i] ? gl[i] : dalloc(b, m);
        memset(p, 0, m * sizeof *p);
        da[i].d = p;
      }
    }
    double r = 0;
    int rc = fn(da, propto, &r, ev->err);
    if (rc != URN_OK) dist_fail(ev, rc);
    v[l] = r;
    for (int i = 0; i < na; i++)
      if (g[i]) for (size_t k = 0, m = vec[i] ? n : 1; k < m; k++) g[i][k * L + l] = gl[i][k];
  }
  /* the terms: each element's terms times its partials, concatenated */
  int total = 0;
  for (int i = 0; i < na; i++)
    if (g[i]) for (size_t k = 0, m = vec[i] ? n : 1; k < m; k++) total += el[i][k].nt;
  if (!total) return;
  bterm *t = balloc(b, (size_t)total * sizeof *t);
  for (int i = 0; i < na; i++) {
    if (!g[i]) continue;
    for (size_t k = 0, m = vec[i] ? n : 1; k < m; k++) {
      const double *p = g[i] + k * L;
      for (int j = 0; j < el[i][k].nt; j++) {
        const bterm *s = &el[i][k].t[j];
        bterm *o = &t[out->nt++];
        o->node = s->node, o->lnode = s->lnode, o->owned = 0, o->d = p;
        if (s->d) {
          double *dd = dalloc(b, L);
          for (size_t l = 0; l < L; l++) dd[l] = p[l] * s->d[l];
          o->d = dd, o->owned = 1;
        }
      }
    }
  }
  out->t = t;
  if (out->nt > BATCH_FWD_TERMS) bv_collapse(b, out, 0);
}

static void bx_dist(bctx *b, const urn_builtin *bi, ir_ex *const *a, int na, int propto, int normal, bv *out) {
  bv x[URN_DIST_MAX_ARGS], af[3];
  size_t L = b->L;
  /* normal(y | p * q + c, s) with a lane-varying p * q (w[k] * x[n] + b[k]): the location's
   * values with the operators' arithmetic, its partials straight to p, q and c (af) */
  const ir_ex *me = normal ? a[1] : NULL;
  int affine = me && me->lane && me->bop == BOP_BINARY && me->kind == URN_EX_BINARY && me->op == URN_OP_ADD &&
               me->a[0]->lane && me->a[0]->bop == BOP_BINARY && me->a[0]->kind == URN_EX_BINARY &&
               me->a[0]->op == URN_OP_MUL;
  for (int i = 0; i < na; i++) {
    if (i != 1 || !affine) { bx(b, a[i], &x[i]); continue; }
    bx(b, me->a[0]->a[0], &af[0]), bx(b, me->a[0]->a[1], &af[1]), bx(b, me->a[1], &af[2]);
    LANES(&af[0], pv, sp);
    LANES(&af[1], qv, sq);
    LANES(&af[2], cv, sc);
    double *pq = dalloc(b, L), *mu = dalloc(b, L);
    LANE_MAP2(L, pq, pv, sp, qv, sq, LANE_MUL);
    LANE_MAP2(L, mu, pq, 1, cv, sc, LANE_ADD);
    x[1].v = mu, x[1].u = 0, x[1].nt = 0, x[1].t = NULL;
  }
  if (!normal) { bx_dist_lanes(b, bi, a, na, propto, x, out); return; }
  /* the exact lane-by-lane path (messages, infinite variates) wants the location's terms */
#define NORMAL_BY_LANES()                                  \
  do {                                                     \
    if (affine) bx(b, a[1], &x[1]);                        \
    bx_dist_lanes(b, bi, a, na, propto, x, out);           \
    return;                                                \
  } while (0)
  LANES(&x[0], yv, sy);
  LANES(&x[1], mv, sm);
  LANES(&x[2], sv, ss);
  if (sy == 1 && sm == 1 && ss == 0) {
    /* the common shape (lane-varying y and mu, one scale): a branch-free check;
     * y = inf also takes the exact lane-by-lane path, which accepts it */
    double s = sv[0];
    int bad = !(s > 0) || isinf(s);
    for (size_t l = 0; l < L; l++) bad |= !(yv[l] * 0 + mv[l] * 0 == 0); /* NaN unless both finite */
    if (bad) NORMAL_BY_LANES();
  } else {
    for (size_t l = 0; l < L; l++) {
      double y = yv[l * sy], mu = mv[l * sm], s = sv[l * ss];
      if (!(s > 0) || isinf(s) || isnan(y) || !isfinite(mu)) NORMAL_BY_LANES();
    }
  }
#undef NORMAL_BY_LANES
  int aff_terms = affine && (af[0].nt || af[1].nt || af[2].nt);
  int vy = !a[0]->novar, vm = !a[1]->novar, vs = !a[2]->novar;
  int keep_sq = !propto || vy || vm || vs, keep_log = !propto || vs;
  double cst = propto ? 0 : -0.91893853320467274178;
  double *v = dalloc(b, L);
  double *dy = x[0].nt ? dalloc(b, L) : NULL, *dm = x[1].nt || aff_terms ? dalloc(b, L) : NULL;
  double *ds = x[2].nt ? dalloc(b, L) : NULL;
  if (!x[2].v && sy == 1 && sm == 1) {
    /* the same with contiguous y and mu: loops without branches or strides */
    double s = x[2].u, inv = 1 / s, ls = keep_log ? urn_ev_log_scale(b->ev, s) : 0, h = keep_sq ? -0.5 : 0;
    double *z = dalloc(b, L);
    for (size_t l = 0; l < L; l++) z[l] = (yv[l] - mv[l]) * inv;
    for (size_t l = 0; l < L; l++) v[l] = h * z[l] * z[l] - ls + cst;
    if (dy) for (size_t l = 0; l < L; l++) dy[l] = -z[l] * inv;
    if (dm) for (size_t l = 0; l < L; l++) dm[l] = z[l] * inv;
    if (ds) for (size_t l = 0; l < L; l++) ds[l] = (z[l] * z[l] - 1) * inv;
  } else if (!x[2].v) {
    /* loop-invariant scale: one division and one log */
    double s = x[2].u, inv = 1 / s, ls = keep_log ? urn_ev_log_scale(b->ev, s) : 0;
    for (size_t l = 0; l < L; l++) {
      double z = (yv[l * sy] - mv[l * sm]) * inv;
      v[l] = (keep_sq ? -0.5 * z * z : 0) - ls + cst;
      if (dy) dy[l] = -z * inv;
      if (dm) dm[l] = z * inv;
      if (ds) ds[l] = (z * z - 1) * inv;
    }
  } else {
    for (size_t l = 0; l < L; l++) {
      double s = sv[l * ss], inv = 1 / s, z = (yv[l * sy] - mv[l * sm]) * inv;
      double lp = keep_sq ? -0.5 * z * z : 0;
      if (keep_log) lp -= log(s);
      v[l] = lp + cst;
      if (dy) dy[l] = -z * inv;
      if (dm) dm[l] = z * inv;
      if (ds) ds[l] = (z * z - 1) * inv;
    }
  }
  out->v = v;
  if (affine) {
    /* d mu / d p = q, d mu / d q = p, d mu / d c = 1 */
    LANES(&af[0], pv, sp);
    LANES(&af[1], qv, sq);
    double *dp = af[0].nt ? dalloc(b, L) : NULL, *dq = af[1].nt ? dalloc(b, L) : NULL;
    if (dp) LANE_MAP2(L, dp, dm, 1, qv, sq, LANE_MUL);
    if (dq) LANE_MAP2(L, dq, dm, 1, pv, sp, LANE_MUL);
    const bv *args[5] = {&x[0], &af[0], &af[1], &af[2], &x[2]};
    bpart p[5] = {{dy, 0}, {dp, 0}, {dq, 0}, {dm, 0}, {ds, 0}};
    combine(b, out, 5, args, p);
    return;
  }
  const bv *args[3] = {&x[0], &x[1], &x[2]};
  bpart p[3] = {{dy, 0}, {dm, 0}, {ds, 0}};
  combine(b, out, 3, args, p);
}

/* log_sum_exp over K lane values, xs[k] (stride sx[k]: 0 for a loop-invariant
 * value), lane by lane: v[l], and the softmax weights d[k][l] (the partials).
 * The same formula as the ordinary f_log_sum_exp; the maximum's own term is
 * exp(0) = 1 exactly, so it is not computed. */
static void lse_lanes(bctx *b, size_t K, const double *const *xs, const size_t *sx, double *v, double **d) {
  size_t L = b->L;
  double *m = dalloc(b, L), *s = dalloc(b, L);
  for (size_t l = 0; l < L; l++) m[l] = -INFINITY, s[l] = 0;
  for (size_t k = 0; k < K; k++) {
    const double *x = xs[k];
    if (sx[k]) for (size_t l = 0; l < L; l++) m[l] = x[l] > m[l] ? x[l] : m[l];
    else for (size_t l = 0; l < L; l++) m[l] = x[0] > m[l] ? x[0] : m[l];
  }
  for (size_t k = 0; k < K; k++) {
    const double *x = xs[k];
    size_t st = sx[k];
    double *dk = d[k];
    for (size_t l = 0; l < L; l++) {
      double xl = x[l * st], ek = isinf(m[l]) ? 0 : xl == m[l] ? 1 : exp(xl - m[l]);
      dk[l] = ek, s[l] += ek;
    }
  }
  for (size_t l = 0; l < L; l++) {
    if (isinf(m[l])) { v[l] = m[l], s[l] = 1; continue; } /* the weights are 0 */
    v[l] = m[l] + log(s[l]);
    s[l] = 1 / s[l];
  }
  for (size_t k = 0; k < K; k++) {
    double *dk = d[k];
    for (size_t l = 0; l < L; l++) dk[l] *= s[l];
  }
}

/* sum / log_sum_exp of a lane container, lane by lane.  log_sum_exp(x + y) of
 * two lane containers does not build x + y: its partials go to both. */
static void bx_reduce(bctx *b, const ir_ex *e, bv *out) {
  size_t L = b->L, K, K2 = 0;
  const ir_ex *a = e->a[0];
  const bv *el, *el2 = NULL;
  if (e->bop == BOP_LSE_VEC && a->lane && a->bop == BOP_VBINARY && a->kind == URN_EX_BINARY && a->op == URN_OP_ADD &&
      !is_scalar_ty(a->a[0]->ty) && !is_scalar_ty(a->a[1]->ty)) {
    el = bxv(b, a->a[0], &K);
    el2 = bxv(b, a->a[1], &K2);
    if (K != K2) urn_ev_reject(b->ev, "%s: size mismatch (%zu and %zu elements)", a->bi->name, K, K2);
  } else {
    el = bxv(b, a, &K);
  }
  double *v = dalloc(b, L);
  size_t na = el2 ? 2 * K : K;
  const bv **args = balloc(b, (na ? na : 1) * sizeof *args);
  bpart *p = balloc(b, (na ? na : 1) * sizeof *p);
  for (size_t k = 0; k < K; k++) args[k] = &el[k], p[k].p = NULL, p[k].c = 1;
  if (e->bop == BOP_SUM_VEC) {
    for (size_t l = 0; l < L; l++) v[l] = 0;
    for (size_t k = 0; k < K; k++) {
      LANES(&el[k], xv, sx);
      for (size_t l = 0; l < L; l++) v[l] += xv[l * sx];
    }
  } else {
    const double **xs = balloc(b, (K ? K : 1) * sizeof *xs);
    size_t *sx = balloc(b, (K ? K : 1) * sizeof *sx);
    double **d = balloc(b, (K ? K : 1) * sizeof *d);
    for (size_t k = 0; k < K; k++) {
      d[k] = dalloc(b, L), p[k].p = d[k];
      if (el2) {
        /* the sum x + y, exactly as the elementwise operator computes it */
        LANES(&el[k], xv, s1);
        LANES(&el2[k], yv, s2);
        double *w = dalloc(b, L);
        LANE_MAP2(L, w, xv, s1, yv, s2, LANE_ADD);
        xs[k] = w, sx[k] = 1;
        args[K + k] = &el2[k], p[K + k].p = d[k];
      } else {
        xs[k] = el[k].v ? el[k].v : &el[k].u, sx[k] = el[k].v ? 1 : 0;
      }
    }
    lse_lanes(b, K, xs, sx, v, d);
  }
  out->v = v;
  combine(b, out, (int)na, args, p);
}

/* A container evaluated by the ordinary path as lanes (fused vector expressions):
 * its values, and its tape nodes as a per-lane leaf, without copying. */
static void bx_vleaf(bctx *b, const ir_ex *e, bv *out) {
  urn_val x;
  e->g(b->ev, e, &x);
  if (b->L == (size_t)-1) b->L = x.n;
  else if (x.n != b->L) urn_ev_reject(b->ev, "%s:%d:%d: size mismatch (%zu and %zu elements)", b->ev->prog->path, e->line, e->col, b->L, x.n);
  out->v = x.v, out->nt = 0, out->t = NULL;
  if (x.ix) {
    out->t = balloc(b, sizeof *out->t);
    out->t[0] = (bterm){-1, x.ix, NULL, 0};
    out->nt = 1;
  }
}

/* A fused gather v[idx]: lane l is v[idx[l]] (its node a per-lane leaf), indexes checked as the ordinary path. */
static void bx_gather(bctx *b, const ir_ex *e, bv *out) {
  urn_ev *ev = b->ev;
  const ir_ex *be = e->a[0], *ie = e->idx[0].lo;
  const urn_val *base = be->global ? &ev->glob[be->slot] : &ev->frame[be->slot];
  urn_val iv;
  ie->g(ev, ie, &iv);
  size_t L = iv.n, n = base->n;
  if (b->L == (size_t)-1) b->L = L;
  else if (L != b->L) urn_ev_reject(ev, "%s:%d:%d: size mismatch (%zu and %zu elements)", ev->prog->path, e->line, e->col, b->L, L);
  double *v = dalloc(b, L);
  for (size_t l = 0; l < L; l++) {
    v[l] = base->v[check_index(ev, e, iv.v[l], (int32_t)n)];
  }
  out->v = v, out->nt = 0, out->t = NULL;
  if (base->ix) {
    int32_t *ln = balloc(b, (L ? L : 1) * sizeof *ln);
    int any = 0;
    for (size_t l = 0; l < L; l++) ln[l] = base->ix[(size_t)iv.v[l] - 1], any |= ln[l] >= 0;
    if (any) {
      out->t = balloc(b, sizeof *out->t);
      out->t[0] = (bterm){-1, ln, NULL, 0};
      out->nt = 1;
    }
  }
}

static void bx(bctx *b, const ir_ex *e, bv *out) {
  if (e->kind == IR_CONST && e->lane) { /* folded after planning (fused vector expressions) */
    if (urn_is_scalar(e->ty)) bv_uniform(out, e->c, -1, b);
    else bx_vleaf(b, e, out);
    return;
  }
  if (!e->lane) {
    double u;
    int32_t node = e->s(b->ev, e, &u);
    bv_uniform(out, u, node, b);
    return;
  }
  switch (e->bop) {
    case BOP_LOOPVAR: out->v = b->iv, out->nt = 0, out->t = NULL; return;
    case BOP_LOCAL: *out = b->loc[e->bslot].el[0]; return;
    case BOP_INDEX_LOCAL: {
      const blocal *c = &b->loc[e->bslot];
      double iv;
      e->idx[0].lo->s(b->ev, e->idx[0].lo, &iv);
      *out = c->el[check_index(b->ev, e, iv, (int32_t)c->n)];
      return;
    }
    case BOP_INDEX_OUTER: bx_index_outer(b, e, out); return;
    case BOP_UNARY: bx_unary(b, e, out); return;
    case BOP_BINARY: bx_binary(b, e, out); return;
    case BOP_LOG_MIX: bx_log_mix(b, e, out); return;
    case BOP_NORMAL: case BOP_DIST:
      bx_dist(b, e->bi, e->a, e->na, e->propto && b->ev->propto, e->bop == BOP_NORMAL, out);
      return;
    case BOP_LSE_VEC: case BOP_SUM_VEC: bx_reduce(b, e, out); return;
    case BOP_DIST_VEC: bx_dist_vec(b, e->bi, e->a, e->na, e->propto && b->ev->propto, out); return;
    case BOP_VLEAF: bx_vleaf(b, e, out); return;
    case BOP_VGATHER: bx_gather(b, e, out); return;
  }
  urn_ev_fail(b->ev, URN_EFATAL, "internal error: unbatchable expression in a batched loop");
}

/* target += x in a batched loop.  The ordinary loop adds one term per iteration and statement, in execution
 * order, and its reverse pass adds each iteration's partials into the leaves newest first; the batched loop
 * keeps the same order so that its target and gradient have the same bits (the lanes' values and partials are
 * the ordinary path's: the same operations on the same operands).  So every increment is recorded (a bsink) and
 * added at the end of the loop (sinks_flush): iteration by iteration, the increments of one iteration in the
 * order they ran, a constant one into target's constant, the others as a tape node each (one lane group: a
 * single reverse-pass callback applies their partials in the reverse order). */
typedef struct bsink {
  bv x;               /* the increment in each of its lanes */
  size_t L;           /* its lanes */
  const size_t *gl;   /* the loop's lane of each (ascending), or NULL: lane l is the loop's lane l */
  size_t cur;         /* sinks_flush: the next of its lanes to add */
  struct bsink *next; /* the next increment in execution order */
} bsink;

typedef struct bsinks {
  bsink *first, *last; /* the loop's increments in execution order */
} bsinks;

/* The nodes sinks_flush made: node first + i is lane pos[i] of increment k[i]. */
typedef struct sink_group {
  int32_t first;         /* the node of entry 0 */
  size_t n;              /* entries */
  const bsink *const *k; /* each entry's increment */
  const size_t *pos;     /* each entry's lane in it */
} sink_group;

static void sink_target(bctx *b, const bv *x) {
  bsink *k = balloc(b, sizeof *k);
  k->x = *x, k->L = b->L, k->gl = b->gl, k->cur = 0, k->next = NULL;
  if (b->sk->last) b->sk->last->next = k;
  else b->sk->first = k;
  b->sk->last = k;
}

static void sink_group_reverse(urn_tape *tp, void *data) {
  const sink_group *g = data;
  double *adj = tp->adj;
  for (size_t i = g->n; i-- > 0;) {
    double a = adj[g->first + (int32_t)i];
    if (a == 0) continue;
    const bv *x = &g->k[i]->x;
    size_t l = g->pos[i];
    for (int j = 0; j < x->nt; j++) {
      const bterm *t = &x->t[j];
      int32_t n = t->lnode ? t->lnode[l] : t->node;
      if (n >= 0) adj[n] += t->d ? a * t->d[l] : a;
    }
  }
}

/* Does lane l of x depend on a node? */
static int lane_var(const bv *x, size_t l) {
  for (int j = 0; j < x->nt; j++)
    if (!x->t[j].lnode || x->t[j].lnode[l] >= 0) return 1;
  return 0;
}

/* Adds the loop's increments to target, iteration by iteration (L: the loop's lanes). */
static void sinks_flush(bctx *b, const bsinks *sk, size_t L) {
  urn_ev *ev = b->ev;
  const bsink *one = sk->first;
  if (one && !one->next && !one->gl) { /* one increment on every lane (the common loop): one lane group */
    size_t l = 0;
    while (l < L && lane_var(&one->x, l)) l++;
    if (l == L) {
      bv x = one->x;
      bv_collapse(b, &x, -1);
      urn_ev_target_run(ev, x.t[0].lnode[0], L);
      return;
    }
  }
  size_t cnt = 0;
  for (bsink *k = sk->first; k; k = k->next)
    for (size_t l = 0; l < k->L; l++) cnt += lane_var(&k->x, l);
  const bsink **ek = cnt ? balloc(b, cnt * sizeof *ek) : NULL;
  size_t *ep = cnt ? balloc(b, cnt * sizeof *ep) : NULL, m = 0;
  urn_tape *t = &ev->tape;
  if (cnt) urn_tape_reserve(t, cnt, 0);
  size_t n0 = t->n;
  uint32_t np = (uint32_t)t->np;
  for (size_t g = 0; g < L; g++)
    for (bsink *k = sk->first; k; k = k->next) {
      size_t l = k->cur;
      if (l >= k->L || (k->gl ? k->gl[l] : l) != g) continue;
      k->cur++;
      double v = k->x.v ? k->x.v[l] : k->x.u;
      if (!lane_var(&k->x, l)) { urn_ev_target_add(ev, v, -1, 1); continue; }
      int32_t node = (int32_t)(n0 + m);
      t->val[node] = v, t->start[node + 1] = np;
      ek[m] = k, ep[m++] = l;
      urn_ev_target_add(ev, v, node, 1);
    }
  if (!cnt) return;
  t->n = n0 + cnt;
  sink_group *sg = balloc(b, sizeof *sg);
  sg->first = (int32_t)n0, sg->n = cnt, sg->k = ek, sg->pos = ep;
  urn_tape_callback_add(t, sg->first, sink_group_reverse, sg);
}

/* The tape node of lane l of x (one node with a partial per term). */
static int32_t lane_node(bctx *b, const bv *x, size_t l, double v) {
  if (!x->nt) return -1;
  if (x->nt == 1 && !x->t[0].d) return x->t[0].lnode ? x->t[0].lnode[l] : x->t[0].node;
  int32_t *o; double *p;
  urn_tape_begin(&b->ev->tape, (size_t)x->nt, &o, &p);
  size_t m = 0;
  for (int k = 0; k < x->nt; k++) {
    const bterm *t = &x->t[k];
    int32_t n = t->lnode ? t->lnode[l] : t->node;
    if (n >= 0) o[m] = n, p[m++] = t->d ? t->d[l] : 1;
  }
  return urn_tape_end(&b->ev->tape, v, m);
}

/* A group of L tape nodes made by bv_collapse: node first + l is lane l of a
 * value whose derivative terms are t.  Its partials are not written: the
 * reverse pass runs lane_group_reverse, which reads them from the terms (they
 * live in the tape's scratch until the next evaluation). */
typedef struct lane_group {
  int32_t first;    /* the node of lane 0 */
  size_t L;         /* lanes */
  const bterm *t;   /* the value's terms */
  int nt;           /* number of terms */
} lane_group;

/* Lane by lane, the newest first (the order in which the ordinary loop's sweep reaches its nodes), each lane's
 * partials into its leaves; a lane whose adjoint is 0 is skipped, as the sweep skips such a node. */
static void lane_group_reverse(urn_tape *tp, void *data) {
  const lane_group *g = data;
  double *adj = tp->adj;
  const double *a = adj + g->first;
  for (size_t l = g->L; l-- > 0;) {
    double al = a[l];
    if (al == 0) continue;
    for (int k = 0; k < g->nt; k++) {
      const bterm *t = &g->t[k];
      int32_t n = t->lnode ? t->lnode[l] : t->node;
      if (n >= 0) adj[n] += t->d ? al * t->d[l] : al;
    }
  }
}

/* Reverse mode for a lane value with more than `most` terms: a tape node per
 * lane (a lane_group: the partials stay in the terms and a reverse-pass
 * callback applies them), after which x is a single per-lane leaf.  Forward
 * terms are cheapest while few (a whole loop of a mixture model ends in one
 * node); a value that feeds a recursion (the forward algorithm's alpha) would
 * otherwise carry a term for every parameter it has ever touched, through
 * every operation. */
static void bv_collapse(bctx *b, bv *x, int most) {
  if (x->nt <= most) return;
  urn_tape *t = &b->ev->tape;
  size_t L = b->L;
  urn_tape_reserve(t, L, 0);
  int32_t *ln = balloc(b, L * sizeof *ln);
  size_t n0 = t->n;
  uint32_t np = (uint32_t)t->np;
  LANES(x, xv, sx);
  for (size_t l = 0; l < L; l++) t->val[n0 + l] = xv[l * sx], t->start[n0 + l + 1] = np, ln[l] = (int32_t)(n0 + l);
  t->n = n0 + L;
  lane_group *g = balloc(b, sizeof *g);
  g->first = (int32_t)n0, g->L = L, g->t = x->t, g->nt = x->nt;
  urn_tape_callback_add(t, g->first, lane_group_reverse, g);
  bterm *one = balloc(b, sizeof *one);
  *one = (bterm){-1, ln, NULL, 0};
  x->t = one, x->nt = 1;
}

static void bs(bctx *b, const ir_st *s);
static void bs_if(bctx *b, const ir_st *s);

/* ---- deferred stores (matrices read only by hmm_marginal) ----
 *
 * urn_batch_defer_plan marks a store `x[..., n, ...] = expr` of a batched loop
 * BSLOT_DEFER when every read of x in the model block is the first argument of
 * hmm_marginal.  Such a store writes the values and, in place of a node per
 * lane, the marker URN_DEFER_MARK(r) into x's ix, r naming a record of the
 * lanes' offsets and the value's terms (forward derivatives with respect to
 * the leaves it read).  hmm_marginal contracts its d lp / d x with them
 * (urn_defer_emit): one node with a partial per shared leaf instead of a node
 * per element.  A later ordinary write of an element replaces its marker;
 * nothing but hmm_marginal ever sees one (the plan guarantees it). */

/* A deferred store. */
typedef struct urn_defer {
  size_t L;             /* lanes */
  const size_t *off;    /* storage offset of each lane's element, or NULL: off0 + l * step */
  size_t off0, step;    /* the offsets when off is NULL */
  const bterm *t;       /* the stored value's terms */
  int nt;               /* number of terms */
  unsigned stamp;       /* ev->defer_stamp of the last contraction that collected it */
  const double *base_v; /* the values of the variable stored into (identifies it) */
} urn_defer;

/* off as lane_offsets returned it (uni 1: one offset, 2: affine one + l * step, else per lane). */
static void store_deferred(bctx *b, urn_val *base, const size_t *off, int uni, size_t one, size_t step, const bv *x) {
  urn_ev *ev = b->ev;
  size_t L = b->L;
  if (uni == 1) one = off[0], step = 0; /* every lane the same element (cannot happen: one index is the loop variable) */
  if (uni) off = NULL;
  if (ev->ndefer == ev->defercap) {
    size_t cap = ev->defercap ? 2 * ev->defercap : 16;
    urn_defer **d = balloc(b, cap * sizeof *d);
    if (ev->ndefer) memcpy(d, ev->defer, ev->ndefer * sizeof *d);
    ev->defer = d, ev->defercap = cap;
  }
  if (ev->ndefer >= (size_t)INT32_MAX - 2) urn_ev_fail(ev, URN_EFATAL, "too many deferred stores");
  urn_defer *r = balloc(b, sizeof *r);
  r->L = L, r->off = off, r->off0 = one, r->step = step, r->t = x->t, r->nt = x->nt, r->stamp = ev->defer_stamp, r->base_v = base->v;
  int32_t mark = URN_DEFER_MARK(ev->ndefer);
  ev->defer[ev->ndefer++] = r;
  if (!base->ix) base->ix = urn_ev_nodes(ev, base->n);
  double *v = base->v;
  int32_t *ix = base->ix;
  if (off) {
    for (size_t l = 0; l < L; l++) v[off[l]] = x->v ? x->v[l] : x->u, ix[off[l]] = mark;
  } else if (x->v) {
    for (size_t l = 0; l < L; l++) v[one + l * step] = x->v[l], ix[one + l * step] = mark;
  } else {
    for (size_t l = 0; l < L; l++) v[one + l * step] = x->u, ix[one + l * step] = mark;
  }
}

size_t urn_defer_bound(urn_ev *ev, const urn_val *x) {
  if (!x->ix || !ev->ndefer) return 0;
  unsigned stamp = ++ev->defer_stamp;
  size_t cnt = 0;
  /* the records of stores into x's own storage (the usual case: x is the variable) */
  for (size_t r = 0; r < ev->ndefer; r++) {
    urn_defer *d = ev->defer[r];
    if (d->base_v != x->v) continue;
    d->stamp = stamp;
    for (int k = 0; k < d->nt; k++) cnt += d->t[k].lnode ? d->L : 1;
  }
  if (cnt) return cnt;
  /* else x may be a copy: find the records by the markers it holds */
  for (size_t i = 0; i < x->n; i++) {
    int32_t m = x->ix[i];
    if (m > -2) continue;
    size_t r = (size_t)(-2 - (int64_t)m);
    if (r >= ev->ndefer) urn_ev_fail(ev, URN_EFATAL, "internal error: stale deferred store");
    urn_defer *d = ev->defer[r];
    if (d->stamp == stamp) continue;
    d->stamp = stamp;
    for (int k = 0; k < d->nt; k++) cnt += d->t[k].lnode ? d->L : 1;
  }
  return cnt;
}

size_t urn_defer_emit(urn_ev *ev, const urn_val *x, const double *g, int32_t *o, double *p) {
  size_t m = 0;
  unsigned stamp = ev->defer_stamp;
  for (size_t r = 0; r < ev->ndefer; r++) {
    const urn_defer *d = ev->defer[r];
    if (d->stamp != stamp) continue;
    int32_t mark = URN_DEFER_MARK(r);
    size_t L = d->L;
    /* each lane's weight: g at its element, 0 where a later write replaced it */
    double *w = urn_tape_scratch(&ev->tape, L * sizeof *w);
    for (size_t l = 0; l < L; l++) {
      size_t i = d->off ? d->off[l] : d->off0 + l * d->step;
      w[l] = x->ix[i] == mark ? g[i] : 0;
    }
    for (int k = 0; k < d->nt; k++) {
      const bterm *t = &d->t[k];
      if (t->lnode) {
        for (size_t l = 0; l < L; l++) {
          size_t i = d->off ? d->off[l] : d->off0 + l * d->step;
          if (t->lnode[l] >= 0 && x->ix[i] == mark) o[m] = t->lnode[l], p[m++] = t->d ? w[l] * t->d[l] : w[l];
        }
        continue;
      }
      /* four sums: the additions are independent (this loop is latency-bound) */
      double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      const double *dd = t->d;
      size_t l = 0;
      if (dd) {
        for (; l + 4 <= L; l += 4)
          s0 += w[l] * dd[l], s1 += w[l + 1] * dd[l + 1], s2 += w[l + 2] * dd[l + 2], s3 += w[l + 3] * dd[l + 3];
        for (; l < L; l++) s0 += w[l] * dd[l];
      } else {
        for (; l + 4 <= L; l += 4) s0 += w[l], s1 += w[l + 1], s2 += w[l + 2], s3 += w[l + 3];
        for (; l < L; l++) s0 += w[l];
      }
      o[m] = t->node, p[m++] = (s0 + s1) + (s2 + s3);
    }
  }
  return m;
}

/* A whole container local = a lane container: the elements' lane values are
 * copied (never shared, so a later element store changes one local only).
 * Sizes are checked as the ordinary assignment does. */
static void store_container(bctx *b, const ir_st *s, blocal *c, const char *name) {
  urn_ev *ev = b->ev;
  size_t n;
  const bv *x = bxv(b, s->rhs, &n);
  if (n != c->n) {
    urn_val dv, sv;
    memset(&dv, 0, sizeof dv), memset(&sv, 0, sizeof sv);
    dv.ty = s->kind == URN_ST_DECL ? s->decl->ty : s->lhs->ty, dv.dim[0] = (int32_t)c->n;
    sv.ty = s->rhs->ty, sv.dim[0] = (int32_t)n;
    char da[96], sa[96];
    urn_val_shape_name(&dv, da, sizeof da), urn_val_shape_name(&sv, sa, sizeof sa);
    urn_ev_reject(ev, "%s:%d:%d: assigning %s to %s (%s): sizes do not match", ev->prog->path, s->line, s->col, sa,
                  name, da);
  }
  if (x != c->el) memcpy(c->el, x, n * sizeof *x);
  for (size_t i = 0; i < n; i++) bv_collapse(b, &c->el[i], BATCH_FWD_TERMS);
}

static void bs_assign(bctx *b, const ir_st *s) {
  urn_ev *ev = b->ev;
  const ir_ex *l = s->lhs;
  if (s->bslot >= 0 && l->kind == URN_EX_VAR && !is_scalar_ty(l->ty)) {
    store_container(b, s, &b->loc[s->bslot], "variable");
    return;
  }
  bv x;
  bx(b, s->rhs, &x);
  if (s->bslot >= 0) {
    blocal *c = &b->loc[s->bslot];
    bv_collapse(b, &x, BATCH_FWD_TERMS);
    if (l->kind == URN_EX_VAR) { c->el[0] = x; return; }
    double iv;
    l->idx[0].lo->s(ev, l->idx[0].lo, &iv);
    c->el[check_index(ev, l, iv, (int32_t)c->n)] = x;
    return;
  }
  /* an outer variable at lane-varying offsets */
  const ir_ex *be = l->a[0];
  urn_val *base = be->global ? &ev->glob[be->slot] : &ev->frame[be->slot];
  size_t one, st = 0;
  int uni;
  const size_t *off = lane_offsets(b, l, base, &one, &uni, &st);
  if (s->bshadow) { /* read back later in the iteration: the lane value itself, as a local's */
    blocal *c = &b->loc[b->nloc0 + s->bshadow - 1];
    c->n = 1, c->el = balloc(b, sizeof *c->el), c->el[0] = x; /* (x's terms are never written after) */
  }
  if (s->bslot == BSLOT_DEFER && x.nt) { store_deferred(b, base, off, uni, one, st, &x); return; }
  if (uni == 2) {
    size_t *o = balloc(b, b->L * sizeof *o);
    for (size_t k = 0; k < b->L; k++) o[k] = one + k * st;
    off = o, uni = 0;
  }
  if (s->bslot == BSLOT_VALUES) { /* read nowhere else: its values, no tape nodes */
    for (size_t k = 0; k < b->L; k++) base->v[off[uni ? 0 : k]] = x.v ? x.v[k] : x.u;
    return;
  }
  if (x.nt > 1 || (x.nt == 1 && x.t[0].d)) {
    /* one node per lane with one partial per term, written straight into the tape */
    urn_tape *t = &ev->tape;
    urn_tape_reserve(t, b->L, b->L * (size_t)x.nt);
    if (!base->ix) base->ix = urn_ev_nodes(ev, base->n);
    for (size_t k = 0; k < b->L; k++) {
      double v = x.v ? x.v[k] : x.u;
      size_t o = off[uni ? 0 : k], np = t->np, m = 0;
      for (int j = 0; j < x.nt; j++) {
        const bterm *tm = &x.t[j];
        int32_t n = tm->lnode ? tm->lnode[k] : tm->node;
        if (n >= 0) t->opnd[np + m] = n, t->part[np + m++] = tm->d ? tm->d[k] : 1;
      }
      base->v[o] = v;
      if (!m) { base->ix[o] = -1; continue; }
      size_t i = t->n++;
      t->np = np + m;
      t->val[i] = v;
      t->start[i + 1] = (uint32_t)t->np;
      base->ix[o] = (int32_t)i;
    }
    return;
  }
  for (size_t k = 0; k < b->L; k++) {
    double v = x.v ? x.v[k] : x.u;
    int32_t node = lane_node(b, &x, k, v);
    size_t o = off[uni ? 0 : k];
    base->v[o] = v;
    if (node >= 0 && !base->ix) base->ix = urn_ev_nodes(ev, base->n);
    if (base->ix) base->ix[o] = node;
  }
}

static void bs_decl(bctx *b, const ir_st *s) {
  urn_ev *ev = b->ev;
  blocal *c = &b->loc[s->bslot];
  const ir_decl *d = s->decl;
  size_t n = 1;
  if (!is_scalar_ty(d->ty)) {
    urn_val tmp;
    urn_ev_declare(ev, d, &tmp);
    n = tmp.n;
  }
  c->n = n;
  c->el = balloc(b, (n ? n : 1) * sizeof *c->el);
  double init = d->ty.base == URN_TY_INT ? -2147483648.0 : NAN;
  for (size_t i = 0; i < n; i++) bv_uniform(&c->el[i], init, -1, b);
  if (!s->rhs) return;
  if (!is_scalar_ty(d->ty)) { store_container(b, s, c, d->name); return; }
  bx(b, s->rhs, &c->el[0]);
  bv_collapse(b, &c->el[0], BATCH_FWD_TERMS);
}

static void bs_for(bctx *b, const ir_st *s) {
  urn_ev *ev = b->ev;
  double lo, hi;
  s->lo->s(ev, s->lo, &lo);
  s->hi->s(ev, s->hi, &hi);
  urn_val *slot = &ev->glob[s->slot];
  slot->ty = (urn_type){URN_TY_INT, 0}, slot->n = 1, slot->ix = NULL, slot->v = urn_ev_doubles(ev, 1);
  for (double i = lo; i <= hi; i++) {
    slot->v[0] = i;
    urn_ev_poll(ev);
    bs(b, s->body[0]);
  }
}

/* x restricted to lanes sel[0..k) of b's lanes (values, per-lane leaves and derivatives gathered). */
static void bv_gather(bctx *b, const bv *x, const size_t *sel, size_t k, bv *out) {
  out->u = x->u, out->v = NULL, out->nt = x->nt, out->t = NULL;
  if (x->v) {
    double *v = dalloc(b, k);
    for (size_t i = 0; i < k; i++) v[i] = x->v[sel[i]];
    out->v = v;
  }
  if (!x->nt) return;
  bterm *t = balloc(b, (size_t)x->nt * sizeof *t);
  for (int j = 0; j < x->nt; j++) {
    const bterm *s = &x->t[j];
    t[j] = (bterm){s->node, NULL, NULL, 1};
    if (s->lnode) {
      int32_t *ln = balloc(b, (k ? k : 1) * sizeof *ln);
      for (size_t i = 0; i < k; i++) ln[i] = s->lnode[sel[i]];
      t[j].lnode = ln;
    }
    if (s->d) {
      double *d = dalloc(b, k);
      for (size_t i = 0; i < k; i++) d[i] = s->d[sel[i]];
      t[j].d = d;
    }
  }
  out->t = t;
}

/* Runs branch st on lanes sel[0..k) of b: a context of k lanes whose loop variable and locals are those lanes'
 * (locals declared outside the branch are only read in it: the plan forbids assigning them). */
static void bs_subset(bctx *b, const ir_st *st, const size_t *sel, size_t k) {
  if (!st || !k) return;
  if (k == b->L) { bs(b, st); return; }
  bctx sb = *b;
  sb.L = k, sb.affine = 0;
  double *iv = dalloc(b, k);
  for (size_t i = 0; i < k; i++) iv[i] = b->iv[sel[i]];
  sb.iv = iv, sb.lo = iv[0];
  size_t *gl = balloc(b, k * sizeof *gl);
  for (size_t i = 0; i < k; i++) gl[i] = b->gl ? b->gl[sel[i]] : sel[i];
  sb.gl = gl;
  sb.loc = balloc(b, (size_t)(b->nloc ? b->nloc : 1) * sizeof *sb.loc);
  for (int j = 0; j < b->nloc; j++) {
    const blocal *c = &b->loc[j];
    sb.loc[j].n = c->n, sb.loc[j].el = NULL;
    if (!c->el) continue;
    sb.loc[j].el = balloc(b, (c->n ? c->n : 1) * sizeof *sb.loc[j].el);
    for (size_t e = 0; e < c->n; e++) bv_gather(b, &c->el[e], sel, k, &sb.loc[j].el[e]);
  }
  bs(&sb, st);
}

/* if (cond) A else B: A on the lanes where cond is non-zero, B on the others, in that order (the iterations
 * are independent, so the order of two branches' lanes does not matter). */
static void bs_if(bctx *b, const ir_st *s) {
  bv c;
  bx(b, s->cond, &c);
  const ir_st *no = s->nbody > 1 ? s->body[1] : NULL;
  if (!c.v) {
    if (c.u != 0) bs(b, s->body[0]);
    else if (no) bs(b, no);
    return;
  }
  size_t L = b->L, k = 0;
  size_t *yes = balloc(b, L * sizeof *yes), *other = balloc(b, L * sizeof *other);
  for (size_t l = 0; l < L; l++)
    if (c.v[l] != 0) yes[k++] = l;
    else other[l - k] = l;
  bs_subset(b, s->body[0], yes, k);
  bs_subset(b, no, other, L - k);
}

static void bs(bctx *b, const ir_st *s) {
  switch (s->kind) {
    case URN_ST_BLOCK:
      for (int i = 0; i < s->nbody; i++) bs(b, s->body[i]);
      return;
    case URN_ST_DECL: bs_decl(b, s); return;
    case URN_ST_ASSIGN: bs_assign(b, s); return;
    case URN_ST_TARGET: {
      bv x;
      bx(b, s->rhs, &x);
      sink_target(b, &x);
      return;
    }
    case URN_ST_TILDE: {
      bv x;
      for (int i = 0; i < s->nargs; i++)
        if (!is_scalar_ty(s->args[i]->ty)) {
          bx_dist_vec(b, s->bi, s->args, s->nargs, b->ev->propto, &x);
          sink_target(b, &x);
          return;
        }
      int normal = s->nargs == 3 && s->run == rt_run_fn(URN_ST_TILDE, 1);
      bx_dist(b, s->bi, s->args, s->nargs, b->ev->propto, normal, &x);
      sink_target(b, &x);
      return;
    }
    case URN_ST_FOR: bs_for(b, s); return;
    case URN_ST_IF: bs_if(b, s); return;
  }
  urn_ev_fail(b->ev, URN_EFATAL, "internal error: unbatchable statement in a batched loop");
}

void urn_batch_run(urn_ev *ev, const ir_st *s) {
  double lo, hi;
  s->lo->s(ev, s->lo, &lo);
  s->hi->s(ev, s->hi, &hi);
  if (!(hi - lo >= 1)) { rt_run_fn(URN_ST_FOR, 0)(ev, s); return; } /* 0 or 1 iteration: nothing to batch */
  bctx b;
  b.ev = ev, b.L = (size_t)(hi - lo) + 1, b.lo = lo;
  b.loc = balloc(&b, (size_t)(s->batch->nloc ? s->batch->nloc : 1) * sizeof *b.loc);
  memset(b.loc, 0, (size_t)s->batch->nloc * sizeof *b.loc);
  b.nloc0 = s->batch->nloc0, b.nloc = s->batch->nloc, b.affine = 1;
  double *iv = dalloc(&b, b.L);
  for (size_t l = 0; l < b.L; l++) iv[l] = lo + (double)l;
  b.iv = iv, b.gl = NULL;
  bsinks sk = {NULL, NULL};
  b.sk = &sk;
  bs(&b, s->body[0]);
  sinks_flush(&b, &sk, b.L);
}

/* ---- fused vector expressions in vectorized distribution calls ----
 *
 * `y ~ normal(w * x + c, sigma)` with x a data vector: instead of a node per
 * element for w * x and another for + c, the argument is evaluated as lanes
 * (one per element) with the same machinery, and the call puts ONE node on
 * the tape whose partials go straight to w, c and sigma (and per element to a
 * parameter vector that appears in the expression).  An argument fuses when
 * it is a container built by elementwise operators / functions with scalar
 * kernels; its container operands that are anything else (a variable, a
 * matrix product, a call) are evaluated by the ordinary path as leaves. */

/* Is e a gather v[idx]: a vector (or 1-D real array) variable at one multi-index that is data (`alpha[county]`)? */
static int gather_op(const ir_ex *e) {
  if (e->kind != URN_EX_INDEX || e->nidx != 1 || e->idx[0].kind != URN_IDX_MULTI || !e->idx[0].lo) return 0;
  const ir_ex *v = e->a[0], *ix = e->idx[0].lo;
  return v->kind == URN_EX_VAR && is_vec_ty(v->ty) && v->ty.base != URN_TY_INT && is_vec_ty(e->ty) && ix->novar &&
         ix->ty.dims == 1 && ix->ty.base == URN_TY_INT;
}

static void fuse_mark(ir_ex *e) {
  if (is_scalar_ty(e->ty)) { mark_uniform(e); return; }
  e->lane = 1;
  if (gather_op(e)) { e->bop = BOP_VGATHER; return; }
  if (!fuse_op(e)) { e->bop = BOP_VLEAF; return; }
  e->bop = e->na == 1 ? BOP_UNARY : BOP_BINARY;
  for (int i = 0; i < e->na; i++) fuse_mark(e->a[i]);
}

int urn_fuse_plan(ir_ex *const *args, int na, const urn_builtin *bi) {
  if (!bi || !(bi->flags & URN_BI_DIST) || (bi->flags & URN_BI_RNG)) return 0;
  const urn_dist *d = bi->aux;
  if (d->multivariate || na > URN_DIST_MAX_ARGS) return 0;
  int any = 0;
  for (int i = 0; i < na; i++)
    if (d->args[i].kind == URN_DA_REALS && fuse_op(args[i])) any = 1;
  if (!any) return 0;
  for (int i = 0; i < na; i++)
    if (d->args[i].kind == URN_DA_REALS && fuse_op(args[i])) fuse_mark(args[i]);
  return 1;
}

/* The distribution call with fused arguments: one node. */
/* The partials of a fused distribution call's fused arguments (d lp / d element g, the elements' terms), applied
 * by a reverse-pass callback in the ordinary path's order: element by element, the last first, each leaf
 * getting (adjoint * g[l]) * d[l] as the sweep over the ordinary path's element nodes gives it (one partial
 * per leaf summed over the elements would round differently; a partial per element on the tape costs more). */
typedef struct fused_rev {
  int32_t node;                          /* the call's node */
  int nf;                                /* fused arguments with terms */
  const double *g[URN_DIST_MAX_ARGS];    /* each one's d lp / d element */
  size_t n[URN_DIST_MAX_ARGS];           /* its elements */
  const bterm *t[URN_DIST_MAX_ARGS];     /* its terms */
  int nt[URN_DIST_MAX_ARGS];             /* number of terms */
} fused_rev;

static void fused_reverse(urn_tape *tp, void *data) {
  const fused_rev *fr = data;
  double *adj = tp->adj, a = adj[fr->node];
  if (a == 0) return;
  for (int i = 0; i < fr->nf; i++) {
    const double *g = fr->g[i];
    const bterm *t = fr->t[i];
    int nt = fr->nt[i];
    for (size_t l = fr->n[i]; l-- > 0;) {
      double ag = a * g[l];
      if (ag == 0) continue; /* the sweep skips an element node whose adjoint is 0 */
      for (int k = 0; k < nt; k++) {
        int32_t nd = t[k].lnode ? t[k].lnode[l] : t[k].node;
        if (nd >= 0) adj[nd] += t[k].d ? ag * t[k].d[l] : ag;
      }
    }
  }
}

int32_t urn_fused_dist(urn_ev *ev, const urn_builtin *bi, ir_ex *const *a, int na, int propto, double *out) {
  const urn_dist *d = bi->aux;
  bctx bc[URN_DIST_MAX_ARGS];
  bv x[URN_DIST_MAX_ARGS];
  urn_val val[URN_DIST_MAX_ARGS];
  urn_darg da[URN_DIST_MAX_ARGS];
  int fused[URN_DIST_MAX_ARGS];
  double sv[URN_DIST_MAX_ARGS];
  int32_t si[URN_DIST_MAX_ARGS];
  for (int i = 0; i < na; i++) {
    const ir_ex *e = a[i];
    memset(&da[i], 0, sizeof da[i]);
    fused[i] = e->lane && e->bop != BOP_NONE && e->bop != BOP_VLEAF;
    if (fused[i]) {
      bc[i].ev = ev, bc[i].L = (size_t)-1, bc[i].lo = 0, bc[i].iv = NULL, bc[i].loc = NULL, bc[i].affine = 1;
      bc[i].gl = NULL, bc[i].sk = NULL;
      bx(&bc[i], e, &x[i]);
      if (bc[i].L == (size_t)-1) bc[i].L = 1; /* cannot happen: a container operand sets it */
      da[i].v = x[i].v ? x[i].v : &x[i].u, da[i].n = x[i].v ? bc[i].L : 1;
      da[i].rows = da[i].n, da[i].cols = 1;
      if (!e->novar) {
        double *p = balloc(&bc[i], (da[i].n ? da[i].n : 1) * sizeof *p);
        memset(p, 0, da[i].n * sizeof *p);
        da[i].d = p;
      }
      continue;
    }
    if (e->s && urn_is_scalar(e->ty)) {
      si[i] = e->s(ev, e, &sv[i]);
      val[i].v = &sv[i], val[i].ix = si[i] >= 0 ? &si[i] : NULL, val[i].n = 1, val[i].ty = e->ty;
    } else {
      e->g(ev, e, &val[i]);
    }
    const urn_val *v = &val[i];
    da[i].n = v->n, da[i].rows = v->n, da[i].cols = 1;
    if (d->args[i].kind == URN_DA_INTS || d->args[i].kind == URN_DA_INT) {
      int *iv = urn_tape_scratch(&ev->tape, (v->n ? v->n : 1) * sizeof(int));
      for (size_t k = 0; k < v->n; k++) iv[k] = (int)v->v[k];
      da[i].iv = iv;
      continue;
    }
    da[i].v = v->v;
    if (d->args[i].kind == URN_DA_VECTOR || d->args[i].kind == URN_DA_VECTORS) da[i].rows = (size_t)v->dim[v->ty.dims];
    else if (d->args[i].kind == URN_DA_MATRIX) da[i].rows = (size_t)v->dim[v->ty.dims], da[i].cols = (size_t)v->dim[v->ty.dims + 1];
    if (!e->novar) {
      double *p = urn_tape_scratch(&ev->tape, (v->n ? v->n : 1) * sizeof *p);
      memset(p, 0, v->n * sizeof *p);
      da[i].d = p;
    }
  }
  urn_dist_fn fn = urn_dist_function(d, bi->aux2 == URN_DF_LUPDF ? URN_DF_LPDF : bi->aux2);
  double r = 0;
  int rc = fn(da, propto, &r, ev->err);
  if (rc != URN_OK) dist_fail(ev, rc);
  *out = r;
  /* one node: the plain arguments' partials per element; the fused ones' go through a callback */
  size_t cnt = 0;
  int nf = 0;
  for (int i = 0; i < na; i++) {
    if (!da[i].d) continue;
    if (!fused[i]) { if (val[i].ix) cnt += val[i].n; continue; }
    nf += x[i].nt > 0;
  }
  if (!cnt && !nf) return -1;
  int32_t *o; double *p;
  urn_tape_begin(&ev->tape, cnt, &o, &p);
  size_t m = 0;
  for (int i = 0; i < na; i++)
    if (da[i].d && !fused[i] && val[i].ix)
      for (size_t j = 0; j < val[i].n; j++)
        if (val[i].ix[j] >= 0) o[m] = val[i].ix[j], p[m++] = da[i].d[j];
  int32_t node = m ? urn_tape_end(&ev->tape, r, m) : urn_tape_var(&ev->tape, r);
  if (!nf) return node;
  fused_rev *fr = urn_tape_scratch(&ev->tape, sizeof *fr);
  fr->node = node, fr->nf = 0;
  for (int i = 0; i < na; i++)
    if (da[i].d && fused[i] && x[i].nt > 0) {
      int k = fr->nf++;
      fr->g[k] = da[i].d, fr->n[k] = da[i].n, fr->t[k] = x[i].t, fr->nt[k] = x[i].nt;
    }
  urn_tape_callback_add(&ev->tape, node, fused_reverse, fr);
  return node;
}

void urn_fused_tilde_run(urn_ev *ev, const ir_st *s) {
  double v;
  int32_t ix = urn_fused_dist(ev, s->bi, s->args, s->nargs, ev->propto, &v);
  urn_ev_target_add(ev, v, ix, 1);
}
int32_t urn_fused_dist_s(urn_ev *ev, const ir_ex *e, double *out) {
  return urn_fused_dist(ev, e->bi, e->a, e->na, e->propto && ev->propto, out);
}

/* ---- fused container expressions (model and transformed parameters blocks) ----
 *
 * An elementwise container expression anywhere else (`mu = alpha + beta * x;`, `vector[N] eps = sigma * raw;`)
 * evaluates through the same lanes: one pass over the elements, and a tape node per element with a partial per
 * leaf it reads, instead of a node per element for every operator (`alpha + beta * x` makes N nodes, not 2N). */

/* The value of a fused expression: lanes, then a container with one node per element. */
static void fused_g(urn_ev *ev, const ir_ex *e, urn_val *out) {
  bctx b;
  memset(&b, 0, sizeof b);
  b.ev = ev, b.L = (size_t)-1, b.affine = 1;
  bv x;
  bx(&b, e, &x);
  if (b.L == (size_t)-1) b.L = 1; /* cannot happen: a container operand sets it */
  size_t L = b.L;
  int32_t dim[URN_MAX_DIMS] = {(int32_t)L};
  urn_val_alloc(ev, out, e->ty, dim, x.nt > 0);
  for (size_t l = 0; l < L; l++) out->v[l] = x.v ? x.v[l] : x.u;
  if (!x.nt) return;
  for (size_t l = 0; l < L; l++) out->ix[l] = lane_node(&b, &x, l, out->v[l]);
}

static void fuse_ex(ir_ex *e) {
  if (!e || e->lane || e->kind == IR_CONST) return; /* lanes already: a batched loop's or a fused argument's */
  if (!e->novar && fuse_op(e) && e->ty.dims + urn_base_ndim(e->ty.base) == 1) {
    fuse_mark(e);
    e->g = fused_g;
    return;
  }
  for (int i = 0; i < e->na; i++) fuse_ex(e->a[i]);
  for (int i = 0; i < e->nidx; i++) fuse_ex(e->idx[i].lo), fuse_ex(e->idx[i].hi);
}

static void fuse_st(ir_st *s) {
  if (!s || (s->kind == URN_ST_FOR && s->batch)) return;
  if (s->lhs && s->lhs->kind == URN_EX_INDEX)
    for (int i = 0; i < s->lhs->nidx; i++) fuse_ex(s->lhs->idx[i].lo), fuse_ex(s->lhs->idx[i].hi);
  fuse_ex(s->rhs), fuse_ex(s->cond), fuse_ex(s->lo), fuse_ex(s->hi);
  for (int i = 0; i < s->nargs; i++) fuse_ex(s->args[i]);
  if (s->kind == URN_ST_DECL && s->decl && s->decl->init != s->rhs) fuse_ex(s->decl->init);
  for (int i = 0; i < s->nbody; i++) fuse_st(s->body[i]);
}

void urn_fuse_exprs(urn_prog *p) {
  if (p->nobatch) return;
  for (int b = URN_BLK_TPARAMS; b <= URN_BLK_MODEL; b++)
    for (int i = 0; i < p->nstmts[b]; i++) fuse_st(p->stmts[b][i]);
}
