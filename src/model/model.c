/* model/model.c — include/urn/model.h: a Stan program and its data, ready to
 * evaluate.  Construction parses, checks and lowers the program, reads and
 * validates the data, runs transformed data (with the seed's rng), folds the
 * data-only subexpressions into constants and lays out the parameters.
 * Evaluation takes a workspace (tape + arena + slots) from a mutex-protected
 * free list, so one model serves many threads.
 *
 * Constraint transforms are Stan's 2.37 (Reference Manual, "Constraint
 * transforms"; model/transform.c), each taped so that the gradient includes
 * them and the log-Jacobian is added to target when asked: the elementwise
 * kinds and ordered/unit vectors node by node here, the others one reverse
 * callback per vector or matrix into transform.c. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/json.h"
#include "lang/check.h"
#include "lang/eval.h"
#include "lang/eval_rt.h"
#include "lang/parser.h"
#include "math/special.h"
#include "model/data.h"
#include "model/par.h"
#include "model/transform.h"
#include "native/native.h"
#include "model/plan.h"
#include "urn/model.h"
#include "util/tpool.h"
#include "util/util.h"

/* Layout of one output variable (parameter, transformed parameter, generated quantity). */
typedef struct var_info {
  const ir_decl *d;        /* its declaration */
  size_t unc_off, unc_n;   /* parameters: offset and size in the unconstrained vector */
  size_t out_off, out_n;   /* offset and size in param_constrain's output */
  urn_val shape;           /* sizes (values unused) */
} var_info;

struct urn_model {
  char *name;              /* file stem */
  urn_program *ast;        /* parsed program */
  urn_prog *prog;          /* lowered program */
  urn_ev data;             /* holds data, transformed data and folded constants (never reset) */
  var_info *vars[3];       /* parameters, transformed parameters, generated quantities */
  int nvars[3];            /* their counts */
  size_t n_unc;            /* unconstrained dimension */
  size_t n_out[3];         /* constrained scalars of each kind */
  char **names;            /* output names, n_out[0] + n_out[1] + n_out[2] */
  char **unc_names;        /* unconstrained coordinate names, n_unc */
  size_t *perm;            /* output column-major position -> storage offset, per output */
  pthread_mutex_t lock;    /* protects the workspace pool */
  urn_ev **pool;           /* free workspaces */
  int npool, cappool;      /* used / allocated */
  FILE *print;             /* print() destination */
  volatile sig_atomic_t *stop; /* the caller's stop flag (NULL: none): evaluations end with URN_EINTR once set */
  urn_tpool *tpool;        /* workers for reduce_sum / map_rect units (urn_model_set_threads), or NULL */
  const urn_par_remote *remote; /* map_rect's jobs over other processes (model/par.h), or NULL */
  urn_nat_tier *native;    /* the native tier (src/native), or NULL when off */
};

/* The tape cannot grow (memory, or more than 2^31 nodes): the evaluation fails with URN_ENOMEM. */
static void ev_tape_fail(void *ctx, size_t bytes) {
  urn_ev *ev = ctx;
  char b[32];
  urn_format_bytes(b, sizeof b, (double)bytes);
  urn_ev_fail(ev, URN_ENOMEM, "out of memory: the gradient's tape would need %s (at most 2^31 operations)", b);
}

static void ev_init(urn_ev *ev, const urn_model *m) {
  memset(ev, 0, sizeof *ev);
  urn_tape_init(&ev->tape);
  ev->tape.fail = ev_tape_fail, ev->tape.fail_ctx = ev;
  urn_arena_init(&ev->arena, 1 << 16);
  ev->prog = m->prog;
  ev->stop = m->stop;
}
static void ev_free(urn_ev *ev) {
  urn_par_scratch_free(ev->par_scratch);
  urn_tape_free(&ev->tape);
  urn_arena_free(&ev->arena);
  free(ev->target_ix), free(ev->target_w);
}

static urn_ev *ev_get(const urn_model *cm) {
  urn_model *m = (urn_model *)cm;
  urn_ev *ev = NULL;
  pthread_mutex_lock(&m->lock);
  if (m->npool) ev = m->pool[--m->npool];
  pthread_mutex_unlock(&m->lock);
  if (!ev) ev = urn_xmalloc(sizeof *ev), ev_init(ev, m);
  urn_tape_reset(&ev->tape);
  urn_arena_reset(&ev->arena);
  ev->glob = urn_arena_alloc(&ev->arena, (size_t)(m->prog->nglob ? m->prog->nglob : 1) * sizeof(urn_val));
  memcpy(ev->glob, m->data.glob, (size_t)m->prog->nglob * sizeof(urn_val));
  ev->frame = NULL, ev->ctl = 0, ev->depth = 0;
  ev->target_c = 0, ev->ntarget = 0;
  ev->ndefer = ev->defercap = 0; /* deferred batched stores live in the tape's scratch, just reset */
  ev->print = m->print;
  ev->stop = m->stop;
  ev->rng = NULL;
  ev->tpool = m->tpool;
  ev->remote = m->remote;
  return ev;
}
static void ev_put(const urn_model *cm, urn_ev *ev) {
  urn_model *m = (urn_model *)cm;
  pthread_mutex_lock(&m->lock);
  if (m->npool == m->cappool) m->cappool = m->cappool ? 2 * m->cappool : 8, m->pool = urn_xrealloc(m->pool, (size_t)m->cappool * sizeof *m->pool);
  m->pool[m->npool++] = ev;
  pthread_mutex_unlock(&m->lock);
}

/* ---- transforms ---- */

/* The transform of a declaration whose items (vectors or matrices) go through
 * model/transform.h with one reverse callback per item; 0 for the kinds
 * constrain() tapes element by element. */
static int item_kind(int dtype, urn_transform_kind *k) {
  switch (dtype) {
    case URN_DT_SIMPLEX: *k = URN_TR_SIMPLEX; return 1;
    case URN_DT_CHOLESKY_FACTOR_CORR: *k = URN_TR_CHOLESKY_CORR; return 1;
    case URN_DT_CHOLESKY_FACTOR_COV: *k = URN_TR_CHOLESKY_COV; return 1;
    case URN_DT_CORR_MATRIX: *k = URN_TR_CORR_MATRIX; return 1;
    case URN_DT_COV_MATRIX: *k = URN_TR_COV_MATRIX; return 1;
    case URN_DT_COLUMN_STOCHASTIC_MATRIX: *k = URN_TR_STOCHASTIC_COLUMN; return 1;
    case URN_DT_ROW_STOCHASTIC_MATRIX: *k = URN_TR_STOCHASTIC_ROW; return 1;
    case URN_DT_SUM_TO_ZERO_MATRIX: *k = URN_TR_SUM_TO_ZERO_MATRIX; return 1;
  }
  return 0;
}

/* Number of unconstrained values of a declared parameter with sizes in x. */
static size_t unc_size(const ir_decl *d, const urn_val *x) {
  if (x->ty.base == URN_TY_TUPLE) { /* every element's components, each by its own declaration */
    size_t nc = (size_t)d->ncomps, total = urn_val_count(x) * nc, s = 0;
    for (size_t i = 0; i < total; i++) s += unc_size(d->comps[i % nc], &x->tv[i]);
    return s;
  }
  int na = x->ty.dims;
  size_t count = 1;
  for (int k = 0; k < na; k++) count *= (size_t)x->dim[k];
  size_t K = urn_base_ndim(x->ty.base) ? (size_t)x->dim[na] : 1;
  urn_transform_kind kind;
  if (d->dtype == URN_DT_SUM_TO_ZERO_VECTOR) return count * (K ? K - 1 : 0);
  if (item_kind(d->dtype, &kind))
    return count * urn__model_transform_unconstrained_size(kind, K, x->ty.base == URN_TY_MATRIX ? (size_t)x->dim[na + 1] : 1);
  return x->n;
}

typedef struct bound { const double *v; const int32_t *ix; size_t stride; int present; } bound;

static bound eval_bound(urn_ev *ev, const ir_ex *e, const urn_val *x) {
  bound b = {NULL, NULL, 0, 0};
  if (!e) return b;
  urn_val v;
  e->g(ev, e, &v);
  b.present = 1, b.v = v.v, b.ix = v.ix;
  if (urn_is_scalar(v.ty)) b.stride = 0;
  else {
    if (v.n != x->n) urn_ev_reject(ev, "%s: bound has %zu elements, but the variable has %zu", ev->prog->path, v.n, x->n);
    b.stride = 1;
  }
  return b;
}
static inline double bv(const bound *b, size_t i) { return b->v[i * b->stride]; }
static inline int32_t bix(const bound *b, size_t i) { return b->ix ? b->ix[i * b->stride] : -1; }

/* The item kinds (item_kind) go through model/transform.h: one reverse callback per item. */
typedef struct tr_cb {
  urn_transform_kind kind; /* which transform */
  size_t rows, cols;       /* item shape */
  const double *u;         /* the item's unconstrained values */
  const double *x;         /* its constrained values */
  const int32_t *xnodes;   /* tape nodes of x */
  int32_t jnode;           /* tape node of the log-Jacobian (-1 when not added) */
  int32_t ubase;           /* tape node of u[0] */
  size_t un;               /* number of unconstrained values */
  double *xa, *ua;         /* work buffers */
} tr_cb;

static void tr_reverse(urn_tape *t, void *data) {
  tr_cb *c = data;
  size_t nx = c->rows * c->cols;
  for (size_t i = 0; i < nx; i++) c->xa[i] = c->xnodes[i] >= 0 ? t->adj[c->xnodes[i]] : 0;
  memset(c->ua, 0, c->un * sizeof(double));
  double ja = c->jnode >= 0 ? t->adj[c->jnode] : 0;
  urn__model_transform_reverse(c->kind, c->rows, c->cols, NULL, c->u, c->x, c->xa, ja, c->ua, NULL, "", NULL);
  for (size_t i = 0; i < c->un; i++) t->adj[c->ubase + (int32_t)i] += c->ua[i];
}

static void constrain_items(urn_ev *ev, const ir_decl *d, urn_val *x, urn_transform_kind kind) {
  int na = x->ty.dims;
  size_t count = 1;
  for (int k = 0; k < na; k++) count *= (size_t)x->dim[k];
  size_t rows = (size_t)x->dim[na], cols = x->ty.base == URN_TY_MATRIX ? (size_t)x->dim[na + 1] : 1;
  size_t un = urn__model_transform_unconstrained_size(kind, rows, cols), nx = rows * cols;
  for (size_t a = 0; a < count; a++) {
    const double *u = ev->theta + ev->theta_pos + a * un;
    double *xv = x->v + a * nx, lj = 0;
    urn_error e2;
    if (urn__model_transform_constrain(kind, rows, cols, NULL, u, xv, &lj, d->name, &e2) != URN_OK)
      urn_ev_reject(ev, "%s", e2.msg);
    int32_t jn = -1;
    if (x->ix) {
      int32_t first = (int32_t)ev->tape.n;
      for (size_t i = 0; i < nx; i++) x->ix[a * nx + i] = urn_tape_var(&ev->tape, xv[i]);
      if (ev->jacobian) jn = urn_tape_var(&ev->tape, lj);
      tr_cb *c = urn_arena_alloc(&ev->arena, sizeof *c);
      c->kind = kind, c->rows = rows, c->cols = cols, c->u = u, c->x = xv, c->xnodes = x->ix + a * nx, c->jnode = jn;
      c->ubase = (int32_t)(ev->theta_pos + a * un), c->un = un;
      c->xa = urn_ev_doubles(ev, nx), c->ua = urn_ev_doubles(ev, un);
      urn_tape_callback_add(&ev->tape, first, tr_reverse, c);
    }
    if (ev->jacobian) urn_ev_target_add(ev, lj, jn, 1);
  }
  ev->theta_pos += count * un;
}

/* The reverse of one sum_to_zero_vector: its K outputs are nodes x0.., its K - 1 inputs u0... */
typedef struct stz_cb {
  size_t K;   /* vector size */
  int32_t u0; /* first unconstrained input node */
  int32_t x0; /* first output node */
} stz_cb;
static void stz_reverse(urn_tape *t, void *data) {
  const stz_cb *cb = data;
  urn__model_sum_to_zero_reverse(cb->K, t->adj + cb->x0, t->adj + cb->u0);
}

/* Reads the unconstrained values of d from ev->theta into slot x (declared), applying the transform. */
static void constrain(urn_ev *ev, const ir_decl *d, urn_val *x) {
  if (x->ty.base == URN_TY_TUPLE) { /* components in order, element after element (Stan's order) */
    size_t nc = (size_t)d->ncomps, total = urn_val_count(x) * nc;
    for (size_t i = 0; i < total; i++) constrain(ev, d->comps[i % nc], &x->tv[i]);
    return;
  }
  size_t n = x->n;
  const double *u = ev->theta + ev->theta_pos;
  int32_t base = ev->taping ? (int32_t)ev->theta_pos : -1;
#define UIX(i) (base >= 0 ? base + (int32_t)(i) : -1)
  if (ev->taping) x->ix = urn_ev_nodes(ev, n);
  int jac = ev->jacobian;
  urn_tape *t = &ev->tape;
  int na = x->ty.dims;
  size_t count = 1;
  for (int k = 0; k < na; k++) count *= (size_t)x->dim[k];
  size_t K = count ? n / count : 0;
  size_t used = 0;
  urn_transform_kind kind;
  if (item_kind(d->dtype, &kind)) {
    constrain_items(ev, d, x, kind);
    return;
  }
  switch (d->dtype) {
    case URN_DT_SUM_TO_ZERO_VECTOR:
      /* linear (no Jacobian term): values directly, the adjoint by a callback in O(K) */
      for (size_t a = 0; a < count; a++) {
        urn__model_sum_to_zero_constrain(K, u + a * (K ? K - 1 : 0), x->v + a * K);
        if (x->ix && K > 1) {
          stz_cb *cb = urn_arena_alloc(&ev->arena, sizeof *cb);
          cb->K = K, cb->u0 = UIX(a * (K - 1));
          for (size_t k = 0; k < K; k++) x->ix[a * K + k] = urn_tape_var(t, x->v[a * K + k]);
          cb->x0 = x->ix[a * K];
          urn_tape_callback_add(t, cb->x0, stz_reverse, cb);
        }
      }
      used = count * (K ? K - 1 : 0);
      break;
    case URN_DT_ORDERED:
    case URN_DT_POSITIVE_ORDERED:
      for (size_t a = 0; a < count; a++) {
        double *xv = x->v + a * K;
        int32_t *xi = x->ix ? x->ix + a * K : NULL;
        for (size_t k = 0; k < K; k++) {
          size_t i = a * K + k;
          if (k == 0 && d->dtype == URN_DT_ORDERED) {
            xv[0] = u[i];
            if (xi) xi[0] = UIX(i);
            continue;
          }
          double e = exp(u[i]);
          xv[k] = (k ? xv[k - 1] : 0) + e;
          if (xi) xi[k] = urn_tape_push2(t, xv[k], k ? xi[k - 1] : -1, 1, UIX(i), e);
          if (jac) urn_ev_target_add(ev, u[i], UIX(i), 1);
        }
      }
      used = n;
      break;
    case URN_DT_UNIT_VECTOR:
      for (size_t a = 0; a < count; a++) {
        const double *ua = u + a * K;
        double ss = 0;
        for (size_t k = 0; k < K; k++) ss += ua[k] * ua[k];
        if (!(ss > 0)) urn_ev_reject(ev, "%s: unit_vector has a zero unconstrained vector", d->name);
        double r = sqrt(ss);
        for (size_t k = 0; k < K; k++) x->v[a * K + k] = ua[k] / r;
        if (x->ix)
          for (size_t k = 0; k < K; k++) {
            int32_t *o; double *p;
            urn_tape_begin(t, K, &o, &p);
            for (size_t j = 0; j < K; j++) o[j] = UIX(a * K + j), p[j] = ((k == j) - x->v[a * K + k] * x->v[a * K + j]) / r;
            x->ix[a * K + k] = urn_tape_end(t, x->v[a * K + k], K);
          }
        if (jac) {
          int32_t jn = -1;
          if (base >= 0) {
            int32_t *o; double *p;
            urn_tape_begin(t, K, &o, &p);
            for (size_t j = 0; j < K; j++) o[j] = UIX(a * K + j), p[j] = -ua[j];
            jn = urn_tape_end(t, -0.5 * ss, K);
          }
          urn_ev_target_add(ev, -0.5 * ss, jn, 1);
        }
      }
      used = n;
      break;
    case URN_DT_INT:
    case URN_DT_REAL:
    case URN_DT_VECTOR:
    case URN_DT_ROW_VECTOR:
    case URN_DT_MATRIX:
    case URN_DT_COMPLEX: /* complex values are unconstrained: (re, im) read as two reals */
    case URN_DT_COMPLEX_VECTOR:
    case URN_DT_COMPLEX_ROW_VECTOR:
    case URN_DT_COMPLEX_MATRIX: {
      bound lo = eval_bound(ev, d->lower, x), hi = eval_bound(ev, d->upper, x);
      bound off = eval_bound(ev, d->offset, x), mul = eval_bound(ev, d->multiplier, x);
      for (size_t i = 0; i < n; i++) {
        double ui = u[i];
        int32_t ii = UIX(i);
        int has_lo = lo.present && !isinf(bv(&lo, i)), has_hi = hi.present && !isinf(bv(&hi, i));
        if (has_lo && has_hi) {
          double l = bv(&lo, i), h = bv(&hi, i), w = h - l;
          if (!(w > 0)) urn_ev_reject(ev, "%s: lower bound %g must be less than upper bound %g", d->name, l, h);
          double z = urn_inv_logit(ui);
          double xv = l + w * z;
          if (xv > h) xv = h;
          x->v[i] = xv;
          if (x->ix) x->ix[i] = urn_tape_push3(t, xv, ii, w * z * (1 - z), bix(&lo, i), 1 - z, bix(&hi, i), z);
          if (jac) {
            double j = log(w) + urn_log_inv_logit(ui) + urn_log1m_inv_logit(ui);
            urn_ev_target_add(ev, j, urn_tape_push3(t, j, ii, 1 - 2 * z, bix(&lo, i), -1 / w, bix(&hi, i), 1 / w), 1);
          }
        } else if (has_lo) {
          double e = exp(ui);
          x->v[i] = bv(&lo, i) + e;
          if (x->ix) x->ix[i] = urn_tape_push2(t, x->v[i], ii, e, bix(&lo, i), 1);
          if (jac) urn_ev_target_add(ev, ui, ii, 1);
        } else if (has_hi) {
          double e = exp(ui);
          x->v[i] = bv(&hi, i) - e;
          if (x->ix) x->ix[i] = urn_tape_push2(t, x->v[i], ii, -e, bix(&hi, i), 1);
          if (jac) urn_ev_target_add(ev, ui, ii, 1);
        } else if (off.present || mul.present) {
          double o = off.present ? bv(&off, i) : 0, m = mul.present ? bv(&mul, i) : 1;
          if (!(m > 0)) urn_ev_reject(ev, "%s: multiplier is %g, but must be > 0", d->name, m);
          x->v[i] = o + m * ui;
          if (x->ix) x->ix[i] = urn_tape_push3(t, x->v[i], ii, m, off.present ? bix(&off, i) : -1, 1, mul.present ? bix(&mul, i) : -1, ui);
          if (jac) urn_ev_target_add(ev, log(m), mul.present ? urn_tape_push1(t, log(m), bix(&mul, i), 1 / m) : -1, 1);
        } else {
          x->v[i] = ui;
          if (x->ix) x->ix[i] = ii;
        }
      }
      used = n;
      break;
    }
    default:
      urn_ev_fail(ev, URN_EINPUT, "%s: the %s transform is not supported yet", d->name, urn_decl_type_name(d->dtype));
  }
  ev->theta_pos += used;
#undef UIX
}

/* The inverse: constrained values in x -> unconstrained into out. */
static void unconstrain(urn_ev *ev, const ir_decl *d, const urn_val *x, double *out) {
  if (x->ty.base == URN_TY_TUPLE) {
    size_t nc = (size_t)d->ncomps, total = urn_val_count(x) * nc;
    for (size_t i = 0; i < total; i++) {
      unconstrain(ev, d->comps[i % nc], &x->tv[i], out);
      out += unc_size(d->comps[i % nc], &x->tv[i]);
    }
    return;
  }
  size_t n = x->n;
  int na = x->ty.dims;
  size_t count = 1;
  for (int k = 0; k < na; k++) count *= (size_t)x->dim[k];
  size_t K = count ? n / count : 0;
  switch (d->dtype) {
    case URN_DT_ORDERED:
    case URN_DT_POSITIVE_ORDERED:
      for (size_t a = 0; a < count; a++)
        for (size_t k = 0; k < K; k++) {
          const double *xv = x->v + a * K;
          out[a * K + k] = k == 0 ? (d->dtype == URN_DT_ORDERED ? xv[0] : log(xv[0])) : log(xv[k] - xv[k - 1]);
        }
      break;
    case URN_DT_UNIT_VECTOR:
      memcpy(out, x->v, n * sizeof(double));
      break;
    case URN_DT_SUM_TO_ZERO_VECTOR:
      for (size_t a = 0; a < count; a++) {
        urn_error e2;
        if (urn__model_transform_unconstrain(URN_TR_SUM_TO_ZERO, K, 1, NULL, x->v + a * K, out + a * (K ? K - 1 : 0), d->name, &e2))
          urn_ev_fail(ev, URN_EINPUT, "%s", e2.msg);
      }
      break;
    case URN_DT_INT:
    case URN_DT_REAL:
    case URN_DT_VECTOR:
    case URN_DT_ROW_VECTOR:
    case URN_DT_MATRIX:
    case URN_DT_COMPLEX: /* complex values are unconstrained: (re, im) read as two reals */
    case URN_DT_COMPLEX_VECTOR:
    case URN_DT_COMPLEX_ROW_VECTOR:
    case URN_DT_COMPLEX_MATRIX: {
      bound lo = eval_bound(ev, d->lower, x), hi = eval_bound(ev, d->upper, x);
      bound off = eval_bound(ev, d->offset, x), mul = eval_bound(ev, d->multiplier, x);
      for (size_t i = 0; i < n; i++) {
        double v = x->v[i];
        int has_lo = lo.present && !isinf(bv(&lo, i)), has_hi = hi.present && !isinf(bv(&hi, i));
        if (has_lo && has_hi) out[i] = urn_logit((v - bv(&lo, i)) / (bv(&hi, i) - bv(&lo, i)));
        else if (has_lo) out[i] = log(v - bv(&lo, i));
        else if (has_hi) out[i] = log(bv(&hi, i) - v);
        else if (off.present || mul.present) out[i] = (v - (off.present ? bv(&off, i) : 0)) / (mul.present ? bv(&mul, i) : 1);
        else out[i] = v;
      }
      break;
    }
    case URN_DT_SIMPLEX:
    case URN_DT_CHOLESKY_FACTOR_CORR:
    case URN_DT_CHOLESKY_FACTOR_COV:
    case URN_DT_CORR_MATRIX:
    case URN_DT_COV_MATRIX:
    case URN_DT_COLUMN_STOCHASTIC_MATRIX:
    case URN_DT_ROW_STOCHASTIC_MATRIX:
    case URN_DT_SUM_TO_ZERO_MATRIX: {
      size_t rows = (size_t)x->dim[na], cols = x->ty.base == URN_TY_MATRIX ? (size_t)x->dim[na + 1] : 1;
      urn_transform_kind kind;
      item_kind(d->dtype, &kind);
      size_t un = urn__model_transform_unconstrained_size(kind, rows, cols);
      for (size_t a = 0; a < count; a++) {
        urn_error e2;
        if (urn__model_transform_unconstrain(kind, rows, cols, NULL, x->v + a * rows * cols, out + a * un, d->name, &e2))
          urn_ev_fail(ev, URN_EINPUT, "%s", e2.msg);
      }
      break;
    }
    default:
      urn_ev_fail(ev, URN_EINPUT, "%s: the %s transform is not supported yet", d->name, urn_decl_type_name(d->dtype));
  }
}

/* ---- construction ---- */

static void model_free_parts(urn_model *m) {
  if (!m) return;
  urn_tpool_free(m->tpool);
  urn_nat_tier_free(m->native);
  free(m->data.glob);
  ev_free(&m->data);
  for (int i = 0; i < m->npool; i++) ev_free(m->pool[i]), free(m->pool[i]);
  free(m->pool);
  if (m->names) {
    size_t total = m->n_out[0] + m->n_out[1] + m->n_out[2];
    for (size_t i = 0; i < total; i++) free(m->names[i]);
    free(m->names);
  }
  if (m->unc_names) {
    for (size_t i = 0; i < m->n_unc; i++) free(m->unc_names[i]);
    free(m->unc_names);
  }
  free(m->perm);
  for (int k = 0; k < 3; k++) free(m->vars[k]);
  urn_prog_free(m->prog);
  urn_program_free(m->ast);
  pthread_mutex_destroy(&m->lock);
  free(m->name);
  free(m);
}

/* Doubles of x in its flat storage order: x->n, or for tuples the components' flat storage of every
 * array element (row-major), component after component. */
static size_t flat_size(const urn_val *x) {
  if (x->ty.base != URN_TY_TUPLE) return x->n;
  size_t s = 0, nc = urn_val_count(x) * (size_t)x->ty.tup->n;
  for (size_t i = 0; i < nc; i++) s += flat_size(&x->tv[i]);
  return s;
}
/* Copies x's doubles in flat storage order to out (returns the count). */
static size_t flat_copy(const urn_val *x, double *out) {
  if (x->ty.base != URN_TY_TUPLE) {
    memcpy(out, x->v, x->n * sizeof(double));
    return x->n;
  }
  size_t s = 0, nc = urn_val_count(x) * (size_t)x->ty.tup->n;
  for (size_t i = 0; i < nc; i++) s += flat_copy(&x->tv[i], out + s);
  return s;
}

/* The inverse of flat_copy: x's doubles from in (returns the count). */
static size_t flat_store(urn_val *x, const double *in) {
  if (x->ty.base != URN_TY_TUPLE) {
    memcpy(x->v, in, x->n * sizeof(double));
    return x->n;
  }
  size_t s = 0, nc = urn_val_count(x) * (size_t)x->ty.tup->n;
  for (size_t i = 0; i < nc; i++) s += flat_store(&x->tv[i], in + s);
  return s;
}

/* Appends the output names of x with prefix base and, in perm, each one's position in x's flat
 * storage plus off: column-major over all dimensions, as Stan CSV ("base.i.j"); complex elements
 * as "base.i.real", "base.i.imag"; tuples as CmdStan 2.32+ writes them, every array element
 * ("base.i") followed by its components "base.i:1", "base.i:2", ... recursively. */
static void add_names_at(urn_model *m, size_t *k, const char *base, const urn_val *x, size_t off) {
  int tuple = x->ty.base == URN_TY_TUPLE, w = tuple ? 1 : urn_base_width(x->ty.base);
  int nd = tuple ? x->ty.dims : urn_val_ndim(x->ty), na = x->ty.dims;
  size_t idx[URN_MAX_DIMS] = {0}, inner = 1, total = tuple ? urn_val_count(x) : x->n / (size_t)w;
  for (int d = na; d < nd; d++) inner *= (size_t)x->dim[d];
  size_t elem_flat = 0; /* tuples: flat size of one array element (all elements have the same shapes) */
  if (tuple && total)
    for (int c = 0; c < x->ty.tup->n; c++) elem_flat += flat_size(&x->tv[c]);
  for (size_t e = 0; e < total; e++) {
    urn_buf b;
    urn_buf_init(&b);
    urn_buf_puts(&b, base);
    for (int d = 0; d < nd; d++) urn_buf_printf(&b, ".%zu", idx[d] + 1);
    size_t aoff = 0, ioff = 0, str = 1;
    for (int d = 0; d < na; d++) aoff = aoff * (size_t)x->dim[d] + idx[d];
    for (int d = na; d < nd; d++) ioff += idx[d] * str, str *= (size_t)x->dim[d];
    if (tuple) {
      size_t coff = off + aoff * elem_flat;
      for (int c = 0; c < x->ty.tup->n; c++) {
        const urn_val *cv = &x->tv[aoff * (size_t)x->ty.tup->n + (size_t)c];
        urn_buf cb;
        urn_buf_init(&cb);
        urn_buf_printf(&cb, "%s:%d", b.data ? b.data : base, c + 1);
        add_names_at(m, k, cb.data, cv, coff);
        coff += flat_size(cv);
        urn_buf_free(&cb);
      }
      urn_buf_free(&b);
    } else if (w == 2) {
      for (int part = 0; part < 2; part++) {
        urn_buf pb;
        urn_buf_init(&pb);
        urn_buf_printf(&pb, "%s.%s", b.data ? b.data : base, part ? "imag" : "real");
        m->names[*k] = pb.data;
        m->perm[*k] = off + 2 * (aoff * inner + ioff) + (size_t)part;
        (*k)++;
      }
      urn_buf_free(&b);
    } else {
      m->names[*k] = b.data ? b.data : urn_xstrdup(base);
      m->perm[*k] = off + aoff * inner + ioff;
      (*k)++;
    }
    for (int d = 0; d < nd; d++) {
      if (++idx[d] < (size_t)x->dim[d]) break;
      idx[d] = 0;
    }
  }
}
static void add_names(urn_model *m, size_t *k, const char *base, const urn_val *x) { add_names_at(m, k, base, x, 0); }

/* Names of the unconstrained coordinates, as Stan's unconstrained_param_names: a
 * parameter whose transform keeps its size keeps its element names ("sigma",
 * "beta.2", "L.1.2"); one whose transform changes it (simplex, covariance and
 * correlation matrices, sum-to-zero vectors) numbers its coordinates "theta.1"... */
static void add_unc_names(urn_model *m) {
  m->unc_names = urn_xcalloc(m->n_unc ? m->n_unc : 1, sizeof *m->unc_names);
  for (int i = 0; i < m->nvars[0]; i++) {
    const var_info *vi = &m->vars[0][i];
    for (size_t j = 0; j < vi->unc_n; j++) {
      char buf[512];
      if (vi->unc_n == vi->out_n)
        snprintf(buf, sizeof buf, "%s", m->names[vi->out_off + j]);
      else
        snprintf(buf, sizeof buf, "%s.%zu", vi->d->name, j + 1);
      m->unc_names[vi->unc_off + j] = urn_xstrdup(buf);
    }
  }
}

static char *stem(const char *path) {
  const char *s = strrchr(path, '/');
  s = s ? s + 1 : path;
  const char *dot = strrchr(s, '.');
  return urn_xstrndup(s, dot && dot != s ? (size_t)(dot - s) : strlen(s));
}

/* Checks the declared constraints of transformed data. */
static int check_tdata(urn_model *m, urn_ev *ev, const char *path, urn_error *err) {
  for (int i = 0; i < m->prog->ndecls[URN_BLK_TDATA]; i++) {
    const ir_decl *d = m->prog->decls[URN_BLK_TDATA][i];
    char msg[600];
    if (urn__model_decl_check(ev, d, &ev->glob[d->slot], msg, sizeof msg))
      return urn_error_set(err, URN_EINPUT, "%s:%d:%d: transformed data: %s", path, d->line, d->col, msg);
  }
  return URN_OK;
}
static int checked_tdata(urn_model *m, urn_ev *ev, const char *path, urn_error *err) {
  urn_error e2;
  urn_error_clear(&e2);
  ev->err = &e2;
  if (setjmp(ev->jb)) return urn_error_set(err, URN_EINPUT, "%s: transformed data: %s", path, e2.msg);
  return check_tdata(m, ev, path, err);
}

/* Sizes of one output variable. */
static int declare_var(urn_ev *ev, var_info *vi, const char *path, urn_error *err) {
  urn_error e2;
  urn_error_clear(&e2);
  ev->err = &e2;
  if (setjmp(ev->jb))
    return urn_error_set(err, e2.code == URN_ENOMEM || e2.code == URN_EINTR ? e2.code : URN_EINPUT,
                         "%s:%d:%d: sizes of '%s': %s", path, vi->d->line, vi->d->col, vi->d->name, e2.msg);
  urn_ev_declare(ev, vi->d, &vi->shape);
  return URN_OK;
}

/* Layout of parameters, transformed parameters, generated quantities (sizes depend on data only). */
static int layout(urn_model *m, urn_ev *ev, const char *path, urn_error *err) {
  static const int blocks[3] = {URN_BLK_PARAMS, URN_BLK_TPARAMS, URN_BLK_GQ};
  for (int k = 0; k < 3; k++) {
    int nd = m->prog->ndecls[blocks[k]];
    m->vars[k] = urn_xcalloc((size_t)(nd ? nd : 1), sizeof(var_info));
    for (int i = 0; i < nd; i++) {
      const ir_decl *d = m->prog->decls[blocks[k]][i];
      var_info *vi = &m->vars[k][m->nvars[k]++];
      vi->d = d;
      int rc = declare_var(ev, vi, path, err);
      if (rc) return rc;
      if (k == 0) vi->unc_off = m->n_unc, vi->unc_n = unc_size(d, &vi->shape), m->n_unc += vi->unc_n;
      vi->out_off = m->n_out[k], vi->out_n = flat_size(&vi->shape), m->n_out[k] += vi->out_n;
    }
  }
  return URN_OK;
}

/* Builds the model from source text and parsed data (root may be NULL). */
static urn_model *model_build(const char *path, const char *source, size_t source_len, const char *data_path,
                              const urn_json *root, const urn_model_options *opt, urn_error *err) {
  if (!path) path = "model.stan";
  urn_model *m = urn_xcalloc(1, sizeof *m);
  pthread_mutex_init(&m->lock, NULL);
  m->name = stem(path);
  m->print = opt->print;
  m->stop = opt->stop;
  m->ast = urn_parse_ex(path, source ? source : "", source ? source_len : 0, opt->include_paths, err);
  if (!m->ast) goto fail;
  if (urn_check(m->ast, err) != URN_OK) goto fail;
  m->prog = urn_lower_ex(m->ast, opt->no_batch, err);
  if (!m->prog) goto fail;
  ev_init(&m->data, m);
  urn_ev *ev = &m->data;
  ev->glob = urn_xcalloc((size_t)(m->prog->nglob ? m->prog->nglob : 1), sizeof(urn_val));
  if (urn__model_data_read(ev, m->prog, root, data_path, err)) goto fail;
  /* transformed data */
  urn_rng rng;
  urn_rng_seed(&rng, opt->seed, 0);
  urn_error e2;
  urn_error_clear(&e2);
  ev->err = &e2, ev->rng = &rng, ev->block = URN_BLK_TDATA, ev->print = m->print;
  int rc = urn_ev_run_block(ev, m->prog->stmts[URN_BLK_TDATA], m->prog->nstmts[URN_BLK_TDATA]);
  if (rc != URN_OK) {
    urn_error_set(err, rc == URN_EINTR || rc == URN_ENOMEM ? rc : URN_EINPUT, "%s: transformed data: %s", path, e2.msg);
    goto fail;
  }
  if (checked_tdata(m, ev, path, err) || layout(m, ev, path, err)) goto fail;
  ev->rng = NULL;
  size_t total = m->n_out[0] + m->n_out[1] + m->n_out[2], kk = 0;
  m->names = urn_xcalloc(total ? total : 1, sizeof *m->names);
  m->perm = urn_xcalloc(total ? total : 1, sizeof *m->perm);
  for (int k = 0; k < 3; k++)
    for (int i = 0; i < m->nvars[k]; i++) add_names(m, &kk, m->vars[k][i].d->name, &m->vars[k][i].shape);
  add_unc_names(m);
  /* fold data-only subexpressions (a rejection while folding writes its message through
   * ev->err: point it at a live error, not at checked_tdata's / declare_var's dead local) */
  ev->err = &e2;
  urn_prog_fold(m->prog, ev, err);
  if (opt->native) m->native = urn_nat_tier_start(m->prog, opt->native, opt->native_cache, opt->native_cc);
  return m;
fail:
  if (err && err->code == URN_OK) err->code = URN_EINPUT;
  model_free_parts(m);
  return NULL;
}

void urn_model_options_default(urn_model_options *opt) {
  memset(opt, 0, sizeof *opt);
  opt->seed = 1;
  opt->print = stdout;
}

urn_model *urn_model_new_opt(const char *path, const char *source, size_t source_len, const char *data_path,
                             const char *data, size_t data_len, const urn_model_options *opt, urn_error *err) {
  urn_model_options def;
  if (!opt) urn_model_options_default(&def), opt = &def;
  urn_json *root = NULL;
  if (data && data_len) {
    root = urn_json_parse_data(data, data_len, data_path ? data_path : "data", err);
    if (!root) { if (err) err->code = URN_EINPUT; return NULL; }
  }
  urn_model *m = model_build(path, source, source_len, data_path, root, opt, err);
  urn_json_free(root);
  return m;
}

urn_model *urn_model_new(const char *path, const char *source, size_t source_len, const char *data_path,
                         const char *data, size_t data_len, uint64_t seed, urn_error *err) {
  urn_model_options opt;
  urn_model_options_default(&opt);
  opt.seed = seed;
  return urn_model_new_opt(path, source, source_len, data_path, data, data_len, &opt, err);
}

urn_model *urn_model_load(const char *stan_path, const char *data_path, const urn_model_options *opt,
                          urn_error *err) {
  urn_model_options def;
  if (!opt) urn_model_options_default(&def), opt = &def;
  size_t slen = 0, dlen = 0;
  char *src = urn_read_file(stan_path, &slen, err);
  if (!src) return NULL;
  urn_json *root = NULL;
  if (data_path) {
    char *data = urn_read_file(data_path, &dlen, err);
    if (!data) { free(src); return NULL; }
    /* the text is freed as soon as it is parsed: a large data file is never held twice over with its values */
    if (dlen) root = urn_json_parse_data(data, dlen, data_path, err);
    free(data);
    if (dlen && !root) {
      if (err) err->code = URN_EINPUT;
      free(src);
      return NULL;
    }
  }
  urn_model *m = model_build(stan_path, src, slen, data_path, root, opt, err);
  urn_json_free(root);
  free(src);
  return m;
}

urn_model *urn_model_from_files(const char *stan_path, const char *data_path, uint64_t seed, urn_error *err) {
  urn_model_options opt;
  urn_model_options_default(&opt);
  opt.seed = seed;
  return urn_model_load(stan_path, data_path, &opt, err);
}

void urn_model_free(urn_model *m) { model_free_parts(m); }
const char *urn_model_name(const urn_model *m) { return m->name; }
const char *urn_model_warnings(const urn_model *m) { return m->ast && m->ast->warnings ? m->ast->warnings : ""; }
size_t urn_model_num_unconstrained(const urn_model *m) { return m->n_unc; }
size_t urn_model_num_params(const urn_model *m, int include_tp, int include_gq) {
  return m->n_out[0] + (include_tp ? m->n_out[1] : 0) + (include_gq ? m->n_out[2] : 0);
}
const char *urn_model_param_unc_name(const urn_model *m, size_t i) {
  return i < m->n_unc && m->unc_names ? m->unc_names[i] : NULL;
}
const char *urn_model_param_name(const urn_model *m, size_t i) {
  size_t total = m->n_out[0] + m->n_out[1] + m->n_out[2];
  return i < total ? m->names[i] : NULL;
}
void urn_model_set_print(urn_model *m, FILE *out) { m->print = out; }
void urn_model_set_stop(urn_model *m, volatile sig_atomic_t *stop) {
  m->stop = stop;
  pthread_mutex_lock(&m->lock);
  for (int i = 0; i < m->npool; i++) m->pool[i]->stop = stop;
  pthread_mutex_unlock(&m->lock);
}

void urn_model_set_threads(urn_model *m, int workers) {
  if (workers < 0) workers = 0;
  if (urn_tpool_workers(m->tpool) == workers && (m->tpool || !workers)) return;
  urn_tpool_free(m->tpool);
  m->tpool = workers ? urn_tpool_new(workers, urn_par_scratch_free) : NULL;
  pthread_mutex_lock(&m->lock);
  for (int i = 0; i < m->npool; i++) m->pool[i]->tpool = m->tpool;
  pthread_mutex_unlock(&m->lock);
}

void urn__model_set_remote(urn_model *m, const urn_par_remote *remote) {
  m->remote = remote;
  pthread_mutex_lock(&m->lock);
  for (int i = 0; i < m->npool; i++) m->pool[i]->remote = remote;
  pthread_mutex_unlock(&m->lock);
}
urn_ev *urn__model_ev_borrow(const urn_model *m) { return ev_get(m); }
void urn__model_ev_return(const urn_model *m, urn_ev *ev) { ev_put(m, ev); }

size_t urn_model_num_vars(const urn_model *m) { return (size_t)m->nvars[0] + (size_t)m->nvars[1] + (size_t)m->nvars[2]; }

const char *urn_model_var(const urn_model *m, size_t i, int *block, int *ndim, size_t *dims) {
  for (int b = 0; b < 3; b++) {
    if (i >= (size_t)m->nvars[b]) {
      i -= (size_t)m->nvars[b];
      continue;
    }
    const var_info *vi = &m->vars[b][i];
    int nd = vi->shape.ty.base == URN_TY_TUPLE ? vi->shape.ty.dims : urn_val_ndim(vi->shape.ty);
    int cplx = urn_base_is_complex(vi->shape.ty.base); /* a last dimension of 2: (real, imag), as cmdstanpy */
    if (block) *block = b;
    if (ndim) *ndim = nd + cplx;
    if (dims) {
      for (int d = 0; d < nd && d < URN_MODEL_MAX_DIMS; d++) dims[d] = (size_t)vi->shape.dim[d];
      if (cplx && nd < URN_MODEL_MAX_DIMS) dims[nd] = 2;
    }
    return vi->d->name;
  }
  return NULL;
}

/* ---- evaluation ---- */

static void run_tparams(urn_ev *ev, const urn_model *m);

/* Parameters (constrained into their slots), then (tp) transformed parameters with their checks. */
static void run_params(urn_ev *ev, const urn_model *m, int tp) {
  ev->block = URN_BLK_PARAMS;
  for (int i = 0; i < m->nvars[0]; i++) {
    const var_info *vi = &m->vars[0][i];
    urn_val *slot = &ev->glob[vi->d->slot];
    urn_ev_declare(ev, vi->d, slot);
    ev->theta_pos = vi->unc_off;
    constrain(ev, vi->d, slot);
  }
  if (tp) run_tparams(ev, m);
}

/* The transformed parameters block and its checks. */
static void run_tparams(urn_ev *ev, const urn_model *m) {
  ev->block = URN_BLK_TPARAMS;
  const urn_prog *p = m->prog;
  for (int i = 0; i < p->nstmts[URN_BLK_TPARAMS]; i++) {
    p->stmts[URN_BLK_TPARAMS][i]->run(ev, p->stmts[URN_BLK_TPARAMS][i]);
    ev->ctl = 0;
  }
  for (int i = 0; i < m->nvars[1]; i++) {
    const ir_decl *d = m->vars[1][i].d;
    const urn_val *x = &ev->glob[d->slot];
    char msg[600];
    for (size_t k = 0; k < x->n; k++)
      if (isnan(x->v[k])) urn_ev_reject(ev, "transformed parameter %s is not defined (NaN) at element %zu", d->name, k + 1);
    if (urn__model_decl_check(ev, d, x, msg, sizeof msg)) urn_ev_reject(ev, "transformed parameter %s", msg);
  }
}

static double thread_cpu(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One evaluation; nt: run the model block natively when it can (*used says whether it did; *used < 0 on entry:
 * print() writes nothing, for the native tier's extra evaluations). */
static int eval_once(const urn_model *m, int propto, int jacobian, const double *theta, double *lp, double *grad,
                     urn_error *err, const urn_native *nt, int *used) {
  urn_ev *ev = ev_get(m);
  if (used && *used < 0) ev->print = NULL; /* the tier's extra evaluations print nothing */
  /* URN_NAT_AUTO before its decision: gradients are counted per workspace (no shared write), the 3rd to 6th and
     then one in 256 timed and reported with the count since the last report, to project the job's cost */
  unsigned tick = grad && !nt && urn_nat_tier_deferred(m->native) ? ++ev->nat_ticks : 0;
  int timed = (tick >= 3 && tick <= 6) || tick % 256 == 0;
  double t0 = tick && timed ? thread_cpu() : 0;
  urn_error local;
  urn_error_clear(&local);
  ev->err = err ? err : &local;
  urn_error_clear(ev->err);
  ev->propto = propto, ev->jacobian = jacobian, ev->taping = grad != NULL;
  ev->theta = theta, ev->theta_pos = 0;
  if (setjmp(ev->jb)) {
    int code = ev->err->code ? ev->err->code : URN_EREJECT;
    ev_put(m, ev);
    if (lp) *lp = -INFINITY;
    return code;
  }
  urn_ev_poll(ev);
  if (ev->taping) {
    urn_tape_reserve(&ev->tape, m->n_unc + 1, 0);
    for (size_t i = 0; i < m->n_unc; i++) urn_tape_var(&ev->tape, theta[i]);
  }
  int ntp = nt && urn_nat_runs_tp(nt); /* the native code runs the transformed parameters block too */
  run_params(ev, m, !ntp);
  ev->block = URN_BLK_MODEL;
  const urn_prog *p = m->prog;
  double nlp = 0;
  int nat = nt && urn_nat_run(nt, ev, &nlp);
  if (used) *used = nat;
  if (ntp && !nat) run_tparams(ev, m), ev->block = URN_BLK_MODEL;
  for (int i = 0; !nat && i < p->nstmts[URN_BLK_MODEL]; i++) {
    p->stmts[URN_BLK_MODEL][i]->run(ev, p->stmts[URN_BLK_MODEL][i]);
    ev->ctl = 0;
  }
  double v;
  int32_t root = ev->taping ? urn_ev_target_node(ev, &v) : (v = urn_ev_target_value(ev), -1);
  if (nat) v = nlp;
  *lp = v;
  if (grad) {
    memset(grad, 0, m->n_unc * sizeof(double));
    if (root >= 0) {
      urn_tape_reverse(&ev->tape, root);
      for (size_t i = 0; i < m->n_unc; i++) grad[i] = ev->tape.adj[i];
    }
  }
  if (tick && timed) { /* with the gradients since this workspace's last report */
    unsigned last = tick == 3 ? 0 : tick <= 6 ? tick - 1 : tick == 256 ? 6 : tick - 256;
    urn_nat_tier_account(m->native, thread_cpu() - t0, tick - last, tick > 6);
  }
  ev_put(m, ev);
  if (isnan(v)) return urn_error_set(err, URN_EREJECT, "log density is NaN");
  return URN_OK;
}

/* CPU seconds per gradient at theta of the interpreter (ti) and of the native code (tn): the fastest of up to 8
 * alternated runs of each (the fastest is the least disturbed by other work on the machine), fewer once 20 ms are
 * spent.  The same values both ways (checked before), so the extra evaluations change nothing. */
static void time_tiers(const urn_model *m, int propto, int jacobian, const double *theta, const urn_native *nt,
                       double *ti, double *tn) {
  double lp, *g = urn_xcalloc(m->n_unc ? m->n_unc : 1, sizeof *g), spent = 0;
  *ti = *tn = INFINITY;
  for (int r = 0; r < 8 && (r < 2 || spent < 0.02); r++) {
    double t0 = thread_cpu();
    int q = -1;
    eval_once(m, propto, jacobian, theta, &lp, g, NULL, nt, &q);
    double t1 = thread_cpu();
    q = -1;
    eval_once(m, propto, jacobian, theta, &lp, g, NULL, NULL, &q);
    double t2 = thread_cpu();
    if (t1 - t0 < *tn) *tn = t1 - t0;
    if (t2 - t1 < *ti) *ti = t2 - t1;
    spent += t2 - t0;
  }
  free(g);
}

/* Whether the native code gives the interpreter's bits at theta: 1 yes, 0 no (why says where), -1 the point tells
 * nothing (the interpreter rejects it or its log density is not finite there, or the native block declines it). */
static int same_bits_at(const urn_model *m, int propto, int jacobian, const double *theta, const urn_native *nt,
                        double *g1, double *g2, char *why, size_t cap) {
  double lp1 = 0, lp2 = 0;
  int quiet = -1; /* print nothing */
  if (eval_once(m, propto, jacobian, theta, &lp1, g1, NULL, NULL, &quiet) != URN_OK || !isfinite(lp1)) return -1;
  int used = -1;
  if (eval_once(m, propto, jacobian, theta, &lp2, g2, NULL, nt, &used) != URN_OK || !used) return -1;
  if (memcmp(&lp1, &lp2, sizeof lp2)) {
    snprintf(why, cap, "log density %.17g differs from %.17g", lp2, lp1);
    return 0;
  }
  for (size_t i = 0; i < m->n_unc; i++)
    if (memcmp(&g1[i], &g2[i], sizeof *g2)) {
      snprintf(why, cap, "gradient %zu: %.17g differs from %.17g", i + 1, g2[i], g1[i]);
      return 0;
    }
  return 1;
}

#define VERIFY_MORE 6 /* points near the first one where the tiers must agree too */

/* The native tier's first gradient is computed both ways, and again at VERIFY_MORE points around it (each
 * coordinate moved by up to 0.05, 0.2, 0.5, 1, 2, 4, the directions from a fixed sequence: deterministic); it runs
 * from then on only if both agree bit for bit at every point that both evaluate (one point could agree by
 * chance where the operation orders differ only for some values), and, for a background build, only if it is also
 * faster: both are timed at the first point. */
static int eval_verify(const urn_model *m, int propto, int jacobian, const double *theta, double *lp, double *grad,
                       urn_error *err, const urn_native *nt) {
  int rc = eval_once(m, propto, jacobian, theta, lp, grad, err, NULL, NULL);
  if (rc != URN_OK) { urn_nat_tier_unverified(m->native); return rc; }
  size_t n = m->n_unc ? m->n_unc : 1;
  double lp2 = 0, *g2 = urn_xcalloc(n, sizeof *g2), *g1 = urn_xcalloc(n, sizeof *g1), *th = urn_xcalloc(n, sizeof *th);
  int used = -1, rc2 = eval_once(m, propto, jacobian, theta, &lp2, g2, NULL, nt, &used);
  size_t bad = m->n_unc;
  for (size_t i = 0; i < m->n_unc && bad == m->n_unc; i++)
    if (memcmp(&grad[i], &g2[i], sizeof *g2)) bad = i;
  char why[160];
  if (rc2 != URN_OK || !used) snprintf(why, sizeof why, "the native block declined the first point");
  else if (memcmp(lp, &lp2, sizeof lp2)) snprintf(why, sizeof why, "log density %.17g differs from %.17g", lp2, *lp);
  else if (bad < m->n_unc) snprintf(why, sizeof why, "gradient %zu: %.17g differs from %.17g", bad + 1, g2[bad], grad[bad]);
  int ok = rc2 == URN_OK && used && !memcmp(lp, &lp2, sizeof lp2) && bad == m->n_unc, agreed = 1;
  static const double scale[VERIFY_MORE] = {0.05, 0.2, 0.5, 1, 2, 4};
  uint64_t x = 0x9e3779b97f4a7c15u;
  for (int k = 0; k < VERIFY_MORE && ok; k++) {
    for (size_t i = 0; i < m->n_unc; i++) { /* xorshift64: a fixed direction per point */
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      th[i] = theta[i] + scale[k] * (2.0 * (double)(x >> 11) / 9007199254740992.0 - 1.0);
    }
    char w[120];
    int same = same_bits_at(m, propto, jacobian, th, nt, g1, g2, w, sizeof w);
    if (same == 0) ok = 0, snprintf(why, sizeof why, "at a check point near the first: %s", w);
    agreed += same == 1;
  }
  if (ok) snprintf(why, sizeof why, "the same bits as the interpreter at %d points", agreed);
  if (ok && urn_nat_tier_timed(m->native)) {
    double ti, tn;
    time_tiers(m, propto, jacobian, theta, nt, &ti, &tn);
    ok = tn < ti;
    snprintf(why, sizeof why, "the same bits as the interpreter at %d points, %s: %.3g us against %.3g us per gradient",
             agreed, ok ? "faster" : "not faster", 1e6 * tn, 1e6 * ti);
  }
  urn_nat_tier_verified(m->native, ok, why);
  free(g2), free(g1), free(th);
  return rc;
}

static int eval_common(const urn_model *m, int propto, int jacobian, const double *theta, double *lp, double *grad,
                       urn_error *err) {
  int verify = 0;
  const urn_native *nt = grad && m->native ? urn_nat_tier_get(m->native, &verify) : NULL;
  if (verify) return eval_verify(m, propto, jacobian, theta, lp, grad, err, nt);
  return eval_once(m, propto, jacobian, theta, lp, grad, err, nt, NULL);
}

void urn__model_native_plan(const urn_model *m, double iterations) { urn_nat_tier_plan(m->native, iterations); }

int urn__model_native_deciding(const urn_model *m) { return urn_nat_tier_deferred(m->native); }

void urn__model_native_progress(const urn_model *m, double iterations, double measured, double gradients,
                                double cpu) {
  urn_nat_tier_progress(m->native, iterations, measured, gradients, cpu);
}

const char *urn_model_native_status(const urn_model *m) { return urn_nat_tier_status(m->native); }

int urn_model_log_density(const urn_model *m, int propto, int jacobian, const double *theta_unc, double *lp,
                          urn_error *err) {
  return eval_common(m, propto, jacobian, theta_unc, lp, NULL, err);
}
int urn_model_log_density_gradient(const urn_model *m, int propto, int jacobian, const double *theta_unc,
                                   double *lp, double *grad, urn_error *err) {
  return eval_common(m, propto, jacobian, theta_unc, lp, grad, err);
}

int urn_model_param_constrain(const urn_model *m, int include_tp, int include_gq, const double *theta_unc,
                              double *out, urn_rng *rng, urn_error *err) {
  urn_ev *ev = ev_get(m);
  urn_error local;
  urn_error_clear(&local);
  ev->err = err ? err : &local;
  urn_error_clear(ev->err);
  ev->propto = 0, ev->jacobian = 0, ev->taping = 0, ev->theta = theta_unc, ev->theta_pos = 0;
  ev->rng = rng;
  if (setjmp(ev->jb)) {
    int code = ev->err->code ? ev->err->code : URN_EREJECT;
    ev_put(m, ev);
    return code;
  }
  urn_ev_poll(ev);
  run_params(ev, m, include_tp || include_gq);
  if (include_gq) {
    if (!rng) urn_ev_fail(ev, URN_EFATAL, "generated quantities need a random number generator");
    ev->block = URN_BLK_GQ;
    const urn_prog *p = m->prog;
    for (int i = 0; i < p->nstmts[URN_BLK_GQ]; i++) {
      p->stmts[URN_BLK_GQ][i]->run(ev, p->stmts[URN_BLK_GQ][i]);
      ev->ctl = 0;
    }
    for (int i = 0; i < m->nvars[2]; i++) {
      const ir_decl *d = m->vars[2][i].d;
      char msg[600];
      if (urn__model_decl_check(ev, d, &ev->glob[d->slot], msg, sizeof msg)) urn_ev_reject(ev, "generated quantity %s", msg);
    }
  }
  size_t k = 0;
  for (int b = 0; b < 3; b++) {
    if ((b == 1 && !include_tp) || (b == 2 && !include_gq)) { k += m->n_out[b]; continue; }
    for (int i = 0; i < m->nvars[b]; i++) {
      const var_info *vi = &m->vars[b][i];
      const urn_val *x = &ev->glob[vi->d->slot];
      const double *xv = x->v;
      if (x->ty.base == URN_TY_TUPLE) { /* the tuple's doubles in flat storage order */
        double *flat = urn_ev_doubles(ev, vi->out_n);
        flat_copy(x, flat);
        xv = flat;
      }
      for (size_t j = 0; j < vi->out_n; j++) {
        size_t dst = (b == 2 && !include_tp) ? k - m->n_out[1] : k;
        out[dst] = xv[m->perm[k]];
        k++;
      }
    }
  }
  ev_put(m, ev);
  return URN_OK;
}

/* Reads, validates and unconstrains every parameter (own setjmp frame). */
static int unconstrain_all(const urn_model *m, urn_ev *ev, const urn_json *root, const char *file, double *theta_unc,
                           urn_error *err) {
  urn_error e2;
  urn_error_clear(&e2);
  ev->err = &e2, ev->taping = 0;
  if (setjmp(ev->jb)) return urn_error_set(err, URN_EINPUT, "%s: %s", file, e2.msg);
  for (int i = 0; i < m->nvars[0]; i++) {
    const var_info *vi = &m->vars[0][i];
    const ir_decl *d = vi->d;
    urn_val *slot = &ev->glob[d->slot];
    urn_ev_declare(ev, d, slot);
    const urn_json *v = urn_json_get(root, d->name);
    if (!v) return urn_error_set(err, URN_EINPUT, "%s: parameter '%s' is missing", file, d->name);
    char what[300];
    snprintf(what, sizeof what, "%s: parameter '%s'", file, d->name);
    int rc = urn__model_data_fill(slot, v, 0, what, err);
    if (rc) return rc;
    char msg[600];
    if (urn__model_decl_check(ev, d, slot, msg, sizeof msg)) return urn_error_set(err, URN_EINPUT, "%s: parameter %s", file, msg);
    unconstrain(ev, d, slot, theta_unc + vi->unc_off);
  }
  return URN_OK;
}

/* Validates and unconstrains every parameter from flat constrained values (own setjmp frame). */
static int unconstrain_flat(const urn_model *m, urn_ev *ev, const double *theta, double *theta_unc, urn_error *err) {
  urn_error e2;
  urn_error_clear(&e2);
  ev->err = &e2, ev->taping = 0;
  if (setjmp(ev->jb)) return urn_error_set(err, URN_EINPUT, "%s", e2.msg);
  for (int i = 0; i < m->nvars[0]; i++) {
    const var_info *vi = &m->vars[0][i];
    const ir_decl *d = vi->d;
    urn_val *slot = &ev->glob[d->slot];
    urn_ev_declare(ev, d, slot);
    double *flat = slot->ty.base == URN_TY_TUPLE ? urn_ev_doubles(ev, vi->out_n) : slot->v;
    for (size_t j = 0; j < vi->out_n; j++) {
      double v = theta[vi->out_off + j];
      if (isnan(v)) return urn_error_set(err, URN_EINPUT, "parameter %s is NaN", m->names[vi->out_off + j]);
      flat[m->perm[vi->out_off + j]] = v;
    }
    if (slot->ty.base == URN_TY_TUPLE) flat_store(slot, flat);
    char msg[600];
    if (urn__model_decl_check(ev, d, slot, msg, sizeof msg)) return urn_error_set(err, URN_EINPUT, "parameter %s", msg);
    unconstrain(ev, d, slot, theta_unc + vi->unc_off);
  }
  return URN_OK;
}

int urn_model_param_unconstrain(const urn_model *m, const double *theta, double *theta_unc, urn_error *err) {
  urn_ev *ev = ev_get(m);
  int rc = unconstrain_flat(m, ev, theta, theta_unc, err);
  ev_put(m, ev);
  return rc;
}

int urn_model_param_unconstrain_json(const urn_model *m, const char *json, size_t len, const char *json_path,
                                     double *theta_unc, urn_error *err) {
  const char *file = json_path ? json_path : "params";
  urn_json *root = urn_json_parse_data(json, len, file, err);
  if (!root) { if (err) err->code = URN_EINPUT; return URN_EINPUT; }
  if (root->type != URN_JSON_OBJECT) {
    urn_json_free(root);
    return urn_error_set(err, URN_EINPUT, "%s: expected a JSON object of parameter values", file);
  }
  urn_ev *ev = ev_get(m);
  int rc = unconstrain_all(m, ev, root, file, theta_unc, err);
  ev_put(m, ev);
  urn_json_free(root);
  return rc;
}

/* ---- layout for `urn check` ---- */

#include "model/layout.h"

/* Prints a declaration's constraint ("<lower=0>") using constant bounds where known. */
static void print_constraint(FILE *out, const ir_decl *d) {
  const ir_ex *parts[4] = {d->lower, d->upper, d->offset, d->multiplier};
  static const char *names[4] = {"lower", "upper", "offset", "multiplier"};
  int any = 0;
  for (int i = 0; i < 4; i++) {
    if (!parts[i]) continue;
    fprintf(out, "%s%s=", any ? ", " : "<", names[i]);
    if (parts[i]->kind == IR_CONST && urn_is_scalar(parts[i]->ty)) fprintf(out, "%g", parts[i]->c);
    else fprintf(out, "(expression)");
    any = 1;
  }
  if (any) fputc('>', out);
}

/* A declared type as written: "array[2, 3] simplex[4]", "tuple(real<lower=0>, vector[2])" (sizes from
 * shape when known, else '?'). */
static void print_type(FILE *out, const ir_decl *d, const urn_val *shape) {
  if (d->ndims) {
    fprintf(out, "array[");
    for (int i = 0; i < d->ndims; i++)
      if (shape) fprintf(out, "%s%d", i ? ", " : "", shape->dim[i]);
      else fprintf(out, "%s?", i ? ", " : "");
    fprintf(out, "] ");
  }
  if (d->dtype == URN_DT_TUPLE) {
    fprintf(out, "tuple(");
    for (int c = 0; c < d->ncomps; c++) {
      if (c) fprintf(out, ", ");
      print_type(out, d->comps[c], shape && urn_val_count(shape) ? &shape->tv[c] : NULL);
    }
    fputc(')', out);
    return;
  }
  fprintf(out, "%s", urn_decl_type_name(d->dtype));
  print_constraint(out, d);
  int inner = urn_val_ndim(d->ty) - d->ty.dims;
  if (inner) {
    fputc('[', out);
    for (int i = 0; i < inner; i++)
      if (shape) fprintf(out, "%s%d", i ? ", " : "", shape->dim[d->ty.dims + i]);
      else fprintf(out, "%s?", i ? ", " : "");
    fputc(']', out);
  }
}

static void print_decl(FILE *out, const ir_decl *d, const urn_val *shape, size_t unc) {
  fprintf(out, "  %-16s ", d->name);
  print_type(out, d, shape);
  if (shape) fprintf(out, "  (%zu values, %zu unconstrained)", flat_size(shape), unc);
  fputc('\n', out);
}

int urn__model_layout_print(const char *stan_path, const char *data_path, FILE *out, FILE *warn, urn_error *err) {
  return urn__model_layout_print_stop(stan_path, data_path, NULL, out, warn, err);
}

int urn__model_layout_print_stop(const char *stan_path, const char *data_path, volatile sig_atomic_t *stop, FILE *out,
                          FILE *warn, urn_error *err) {
  return urn__model_layout_print_inc(stan_path, data_path, NULL, stop, out, warn, err);
}

int urn__model_layout_print_inc(const char *stan_path, const char *data_path, const char *include_paths,
                         volatile sig_atomic_t *stop, FILE *out, FILE *warn, urn_error *err) {
  if (data_path) {
    urn_model_options opt;
    urn_model_options_default(&opt);
    opt.stop = stop, opt.include_paths = include_paths;
    urn_model *m = urn_model_load(stan_path, data_path, &opt, err);
    if (!m) {
      urn_program *ast = warn ? urn_parse_file_ex(stan_path, include_paths, NULL) : NULL; /* its warnings */
      if (ast && ast->warnings) fputs(ast->warnings, warn);
      urn_program_free(ast);
      return err && err->code ? err->code : URN_EINPUT;
    }
    if (warn) fputs(urn_model_warnings(m), warn);
    fprintf(out, "%s: program and data are valid\n", stan_path);
    fprintf(out, "parameters: %d (%zu unconstrained values)\n", m->nvars[0], m->n_unc);
    for (int i = 0; i < m->nvars[0]; i++) print_decl(out, m->vars[0][i].d, &m->vars[0][i].shape, m->vars[0][i].unc_n);
    if (m->nvars[1]) fprintf(out, "transformed parameters: %d\n", m->nvars[1]);
    for (int i = 0; i < m->nvars[1]; i++) print_decl(out, m->vars[1][i].d, &m->vars[1][i].shape, 0);
    if (m->nvars[2]) fprintf(out, "generated quantities: %d\n", m->nvars[2]);
    for (int i = 0; i < m->nvars[2]; i++) print_decl(out, m->vars[2][i].d, &m->vars[2][i].shape, 0);
    urn_model_free(m);
    return URN_OK;
  }
  urn_program *ast = urn_parse_file_ex(stan_path, include_paths, err);
  if (!ast) return err && err->code ? err->code : URN_EINPUT;
  if (warn && ast->warnings) fputs(ast->warnings, warn);
  if (urn_check(ast, err) != URN_OK) { urn_program_free(ast); return URN_EINPUT; }
  urn_prog *p = urn_lower(ast, err);
  if (!p) { urn_program_free(ast); return URN_EINPUT; }
  fprintf(out, "%s: program is valid\n", stan_path);
  fprintf(out, "parameters: %d (sizes need --data)\n", p->ndecls[URN_BLK_PARAMS]);
  for (int i = 0; i < p->ndecls[URN_BLK_PARAMS]; i++) print_decl(out, p->decls[URN_BLK_PARAMS][i], NULL, 0);
  if (p->ndecls[URN_BLK_TPARAMS]) fprintf(out, "transformed parameters: %d\n", p->ndecls[URN_BLK_TPARAMS]);
  for (int i = 0; i < p->ndecls[URN_BLK_TPARAMS]; i++) print_decl(out, p->decls[URN_BLK_TPARAMS][i], NULL, 0);
  if (p->ndecls[URN_BLK_GQ]) fprintf(out, "generated quantities: %d\n", p->ndecls[URN_BLK_GQ]);
  for (int i = 0; i < p->ndecls[URN_BLK_GQ]; i++) print_decl(out, p->decls[URN_BLK_GQ][i], NULL, 0);
  urn_prog_free(p);
  urn_program_free(ast);
  return URN_OK;
}
