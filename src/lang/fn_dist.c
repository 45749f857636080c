/* lang/fn_dist.c — calling the distribution table (math/dist.h) from the
 * evaluator: builds the (pointer, length, partials) arguments from values,
 * calls the family's function once for the whole vectorized call, and puts
 * the result on the tape as ONE node whose partials are the per-element
 * partials of every parameter-dependent argument.  Also the _rng forms. */
#include <string.h>

#include "lang/fn.h"
#include "math/dist.h"


/* Converts an integer-valued argument to ints in the arena. */
static const int *to_ints(urn_ev *ev, const urn_val *x) {
  int *p = urn_ev_alloc_raw(ev, x->n, sizeof(int)); /* every value written next */
  for (size_t i = 0; i < x->n; i++) p[i] = (int)x->v[i];
  return p;
}

/* Up to DARG_SMALL values of an argument: its ints and partials in the caller's stack buffers (`small`, NULL for
 * none), not the arena: they live only for the one call of the family's function. */
#define DARG_SMALL 8
typedef struct darg_small {
  int iv[DARG_SMALL];    /* an int argument's values */
  double d[DARG_SMALL];  /* a parameter argument's partials */
} darg_small;

static void make_darg(urn_ev *ev, urn_darg *da, const urn_dist_argspec *spec, const urn_val *x, int var,
                      urn_dmemo *memo, darg_small *small) {
  memset(da, 0, sizeof *da);
  da->memo = memo;
  da->n = x->n;
  if (spec->kind == URN_DA_INTS || spec->kind == URN_DA_INT || spec->kind == URN_DA_INT_ARRAY) {
    if (small && x->n <= DARG_SMALL) {
      for (size_t i = 0; i < x->n; i++) small->iv[i] = (int)x->v[i];
      da->iv = small->iv;
    } else {
      da->iv = to_ints(ev, x);
    }
    da->rows = x->n, da->cols = 1;
    return;
  }
  da->v = x->v;
  if (spec->kind == URN_DA_VECTOR || spec->kind == URN_DA_VECTORS) {
    da->rows = (size_t)x->dim[x->ty.dims], da->cols = 1;
  } else if (spec->kind == URN_DA_MATRIX || (spec->kind == URN_DA_GLM_X && x->ty.base == URN_TY_MATRIX)) {
    da->rows = (size_t)x->dim[x->ty.dims], da->cols = (size_t)x->dim[x->ty.dims + 1];
  } else if (spec->kind == URN_DA_GLM_X) { /* a row_vector: one observation */
    da->rows = 1, da->cols = x->n;
  } else {
    da->rows = x->n, da->cols = 1;
  }
  if (var) {
    da->d = small && x->n <= DARG_SMALL ? small->d : urn_ev_alloc_raw(ev, x->n, sizeof(double));
    memset(da->d, 0, x->n * sizeof(double));
  }
}

static _Noreturn void dist_fail(urn_ev *ev, int rc) {
  if (ev->err && ev->err->code == URN_OK) urn_error_set(ev->err, rc, "distribution error");
  if (ev->err) ev->err->code = rc;
  longjmp(ev->jb, 1);
}

static void dist_rng(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  const urn_dist *d = b->aux;
  if (!ev->rng) urn_ev_reject(ev, "%s: no random number generator here", b->name);
  urn_darg da[URN_DIST_MAX_ARGS];
  memset(da, 0, sizeof da);
  int all_scalar = 1;
  for (int i = 0; i < n && i < URN_DIST_MAX_ARGS; i++) {
    const urn_dist_argspec *spec = d->n_rng_args >= 0 ? &d->rng_args[i] : &d->args[i + 1];
    make_darg(ev, &da[i], spec, &args[i], 0, NULL, NULL);
    if (!urn_is_scalar(args[i].ty)) all_scalar = 0;
  }
  size_t len = urn_dist_rng_length(d, da);
  int32_t dim[3] = {(int32_t)len, 0, 0};
  urn_type t = {URN_TY_REAL, 0};
  int ints = 0;
  switch (d->rng_kind) {
    case URN_RNG_REALS: t = all_scalar ? (urn_type){URN_TY_REAL, 0} : (urn_type){URN_TY_REAL, 1}; break;
    case URN_RNG_INTS: t = all_scalar ? (urn_type){URN_TY_INT, 0} : (urn_type){URN_TY_INT, 1}, ints = 1; break;
    case URN_RNG_INT: t = (urn_type){URN_TY_INT, 0}, ints = 1; break;
    case URN_RNG_INT_ARRAY: t = (urn_type){URN_TY_INT, 1}, ints = 1; break;
    case URN_RNG_VECTOR: {
      t = (urn_type){URN_TY_VECTOR, 0};
      size_t K = 0;
      int any_array = 0;
      for (int i = 0; i < n; i++) {
        if (args[i].ty.dims) any_array = 1;
        const urn_dist_argspec *spec = d->n_rng_args >= 0 ? &d->rng_args[i] : &d->args[i + 1];
        if (!K && (spec->kind == URN_DA_VECTOR || spec->kind == URN_DA_VECTORS)) K = da[i].rows;
      }
      if (any_array) { /* array[] vector: one vector per location */
        t.dims = 1, dim[0] = (int32_t)(K ? len / K : 0), dim[1] = (int32_t)K;
      }
      break;
    }
    case URN_RNG_MATRIX: {
      int k = 1;
      while ((size_t)(k * k) < len) k++;
      t = (urn_type){URN_TY_MATRIX, 0}, dim[0] = dim[1] = len ? k : 0;
      break;
    }
    default: break;
  }
  urn_val_alloc(ev, out, t, dim, 0);
  int *iv = ints ? urn_arena_alloc(&ev->arena, (len ? len : 1) * sizeof(int)) : NULL;
  int rc = d->rng(ev->rng, da, len, ints ? NULL : out->v, iv, ev->err);
  if (rc != URN_OK) dist_fail(ev, rc);
  if (ints) for (size_t i = 0; i < len; i++) out->v[i] = iv[i];
}

/* A density call's value (*v) and tape node (returned, -1 for none): the family's function once, then one node
 * whose partials are those of every parameter-dependent argument, in argument order. */
int32_t urn_fn_dist_node(urn_ev *ev, const urn_builtin *b, const urn_val *args, int n, const int *is_var, int propto,
                         urn_dmemo *const *memos, double *v) {
  const urn_dist *d = b->aux;
  int kind = b->aux2;
  urn_darg da[URN_DIST_MAX_ARGS];
  darg_small small[URN_DIST_MAX_ARGS];
  for (int i = 0; i < n && i < URN_DIST_MAX_ARGS; i++)
    make_darg(ev, &da[i], &d->args[i], &args[i], is_var[i], memos ? memos[i] : NULL, &small[i]);
  urn_dist_fn fn = urn_dist_function(d, kind == URN_DF_LUPDF ? URN_DF_LPDF : kind);
  *v = 0;
  int rc = fn(da, propto, v, ev->err);
  if (rc != URN_OK) dist_fail(ev, rc);
  int32_t node = -1;
  size_t total = 0;
  for (int i = 0; i < n; i++) if (da[i].d && args[i].ix) total += args[i].n;
  if (total) {
    int32_t *o; double *p;
    urn_tape_begin(&ev->tape, total, &o, &p);
    size_t m = 0;
    for (int i = 0; i < n; i++) {
      if (!da[i].d || !args[i].ix) continue;
      for (size_t j = 0; j < args[i].n; j++)
        if (args[i].ix[j] >= 0) o[m] = args[i].ix[j], p[m++] = da[i].d[j];
    }
    node = urn_tape_end(&ev->tape, *v, m);
  }
  return node;
}

void urn_fn_dist_call(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n, const int *is_var,
                      int propto, urn_dmemo *const *memos) {
  if (b->aux2 == URN_DF_RNG) { dist_rng(ev, b, out, args, n); return; }
  double v;
  int32_t node = urn_fn_dist_node(ev, b, args, n, is_var, propto, memos, &v);
  urn_val_set_scalar(ev, out, URN_TY_REAL, v, node);
}

void urn_fn_dist(urn_ev *ev, const urn_builtin *b, urn_val *out, urn_val *args, int n) {
  int is_var[URN_DIST_MAX_ARGS];
  for (int i = 0; i < n && i < URN_DIST_MAX_ARGS; i++) is_var[i] = args[i].ix != NULL;
  urn_fn_dist_call(ev, b, out, args, n, is_var, ev->propto && (b->flags & URN_BI_LUPDF), NULL);
}
