/* tests/builtin_probe.h — calling built-in functions directly, without a program:
 * an evaluation context, values made from C arrays (optionally as fresh tape
 * nodes), overload resolution by argument types exactly as the checker does,
 * and a gradient check of any call (the reverse sweep of w . f(x) against
 * central finite differences of the same call, every input double perturbed
 * in turn).  Used by the tests of the complex and tuple built-ins. */
#ifndef URN_TEST_BUILTIN_PROBE_H
#define URN_TEST_BUILTIN_PROBE_H

#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "lang/builtins.h"
#include "lang/eval.h"

/* A fresh evaluation context (tape on). */
static urn_ev *probe_ev(void) {
  urn_ev *ev = calloc(1, sizeof *ev);
  urn_tape_init(&ev->tape);
  urn_arena_init(&ev->arena, 1 << 16);
  ev->taping = 1, ev->jacobian = 1;
  return ev;
}
static void probe_ev_free(urn_ev *ev) {
  urn_tape_free(&ev->tape);
  urn_arena_free(&ev->arena);
  free(ev->target_ix), free(ev->target_w);
  free(ev);
}

/* A value of type ty with sizes dim from n doubles v (copied into the arena); var: every double a tape node. */
static urn_val probe_val(urn_ev *ev, urn_type ty, const int32_t *dim, const double *v, int var) {
  urn_val x;
  urn_val_alloc(ev, &x, ty, dim, var);
  memcpy(x.v, v, x.n * sizeof(double));
  if (var)
    for (size_t i = 0; i < x.n; i++) x.ix[i] = urn_tape_var(&ev->tape, v[i]);
  return x;
}

/* Calls name(args[0..n)) as the checker would resolve it.  Returns 0 and *out, -1 when no
 * overload accepts the types, -2 when the call rejected (message in msg). */
static int probe_call(urn_ev *ev, const char *name, urn_val *args, int n, urn_val *out, char *msg, size_t cap) {
  urn_type tys[16], ret;
  for (int i = 0; i < n; i++) tys[i] = args[i].ty;
  const urn_builtin *b = urn_builtin_resolve(name, tys, n, &ret);
  if (!b) {
    if (msg) snprintf(msg, cap, "no overload of %s", name);
    return -1;
  }
  urn_error err;
  urn_error_clear(&err);
  ev->err = &err;
  if (setjmp(ev->jb)) {
    if (msg) snprintf(msg, cap, "%.*s", (int)(cap > 1 ? cap - 1 : 0), err.msg);
    return -2;
  }
  b->fn(ev, b, out, args, n);
  out->ty = ret;
  return 0;
}

/* Writes o's doubles and their nodes (-1 for constants) to v/ix (when not NULL), a tuple's components in
 * order; returns their number. */
static size_t probe_flat(const urn_val *o, double *v, int32_t *ix) {
  if (o->ty.base == URN_TY_TUPLE && o->ty.dims == 0) {
    size_t k = 0;
    for (int c = 0; c < o->ty.tup->n; c++) k += probe_flat(&o->tv[c], v ? v + k : NULL, ix ? ix + k : NULL);
    return k;
  }
  for (size_t i = 0; i < o->n; i++) {
    if (v) v[i] = o->v[i];
    if (ix) ix[i] = o->ix ? o->ix[i] : -1;
  }
  return o->n;
}

/* The gradient of L = sum_k w_k f_k(x) through the tape against central differences in every input
 * double (step h relative), for the call name(types, dims, values).  Returns the worst relative
 * error (-1 if the call fails). */
static double probe_grad(const char *name, int n, const urn_type *ty, const int32_t (*dims)[URN_MAX_DIMS],
                         const double *const *vals, double h) {
  urn_ev *ev = probe_ev();
  urn_val args[16], out;
  for (int i = 0; i < n; i++) args[i] = probe_val(ev, ty[i], dims[i], vals[i], ty[i].base != URN_TY_INT);
  if (probe_call(ev, name, args, n, &out, NULL, 0)) { probe_ev_free(ev); return -1; }
  size_t m = probe_flat(&out, NULL, NULL);
  double *w = malloc((m + 1) * sizeof *w), *ov = malloc((m + 1) * sizeof *ov);
  int32_t *oix = malloc((m + 1) * sizeof *oix);
  probe_flat(&out, NULL, oix);
  for (size_t k = 0; k < m; k++) w[k] = 0.3 + 0.7 * (double)((k * 7919) % 13) / 13.0 - 0.5 * (double)(k % 2);
  int32_t root = -1;
  if (m) {
    int32_t *o;
    double *p;
    urn_tape_begin(&ev->tape, m, &o, &p);
    size_t q = 0;
    for (size_t k = 0; k < m; k++)
      if (oix[k] >= 0) o[q] = oix[k], p[q++] = w[k];
    root = urn_tape_end(&ev->tape, 0, q);
  }
  if (root >= 0) urn_tape_reverse(&ev->tape, root);
  double worst = 0;
  for (int i = 0; i < n; i++) {
    if (ty[i].base == URN_TY_INT) continue;
    for (size_t j = 0; j < args[i].n; j++) {
      double g = root >= 0 && args[i].ix[j] >= 0 ? ev->tape.adj[args[i].ix[j]] : 0, f[2];
      for (int s = 0; s < 2; s++) {
        urn_ev *e2 = probe_ev();
        urn_val a2[16], o2;
        for (int q = 0; q < n; q++) a2[q] = probe_val(e2, ty[q], dims[q], vals[q], 0);
        double step = h * fmax(1, fabs(vals[i][j]));
        a2[i].v[j] += s ? -step : step;
        f[s] = 0;
        if (probe_call(e2, name, a2, n, &o2, NULL, 0) == 0 && probe_flat(&o2, ov, NULL) == m)
          for (size_t k = 0; k < m; k++) f[s] += w[k] * ov[k];
        probe_ev_free(e2);
      }
      double fd = (f[0] - f[1]) / (2 * h * fmax(1, fabs(vals[i][j])));
      worst = fmax(worst, fabs(g - fd) / fmax(1, fabs(fd)));
    }
  }
  free(w), free(ov), free(oix);
  probe_ev_free(ev);
  return worst;
}

#endif
