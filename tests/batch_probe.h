/* tests/batch_probe.h — what the tests of loop batching (test_eval_batch.c,
 * test_eval_lanes.c) ask of a program: how many of its loops the lowering
 * batched, how many stores it deferred to hmm_marginal, and the model built
 * with batching on or off (URN_NOBATCH). */
#ifndef URN_TESTS_BATCH_PROBE_H
#define URN_TESTS_BATCH_PROBE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <math.h>

#include "harness.h"
#include "lang/check.h"
#include "lang/eval.h"
#include "lang/parser.h"
#include "math/rng.h"
#include "urn/model.h"

static int probe_count_batched(const ir_st *s) {
  if (!s) return 0;
  int c = s->kind == URN_ST_FOR && s->batch ? 1 : 0;
  for (int i = 0; i < s->nbody; i++) c += probe_count_batched(s->body[i]);
  return c;
}

static int probe_count_deferred(const ir_st *s) {
  if (!s) return 0;
  int c = s->kind == URN_ST_ASSIGN && s->bslot == -2 ? 1 : 0;
  for (int i = 0; i < s->nbody; i++) c += probe_count_deferred(s->body[i]);
  return c;
}

/* Number of batched loops in the whole program (every block and function;
 * -1 if it does not compile); *deferred: stores deferred to hmm_marginal. */
static int batched_loops2(const char *src, int *deferred) {
  urn_error err;
  urn_program *ast = urn_parse("case.stan", src, strlen(src), &err);
  if (!ast) return -1;
  if (urn_check(ast, &err) != URN_OK) {
    fprintf(stderr, "check: %s\n", err.msg);
    urn_program_free(ast);
    return -1;
  }
  urn_prog *p = urn_lower(ast, &err);
  if (!p) {
    urn_program_free(ast);
    return -1;
  }
  int c = 0;
  *deferred = 0;
  for (int b = 0; b < URN_BLK_COUNT; b++)
    for (int i = 0; i < p->nstmts[b]; i++)
      c += probe_count_batched(p->stmts[b][i]), *deferred += probe_count_deferred(p->stmts[b][i]);
  for (int i = 0; i < p->nfuns; i++) c += probe_count_batched(p->funs[i]->body);
  urn_prog_free(p);
  urn_program_free(ast);
  return c;
}

static int batched_loops(const char *src) {
  int d;
  return batched_loops2(src, &d);
}

/* The model of src on data, with loop batching off (nobatch) or on. */
static urn_model *build_batching(const char *src, const char *data, int nobatch) {
  urn_error err;
  urn_model_options opt;
  urn_model_options_default(&opt);
  opt.no_batch = nobatch;
  urn_model *m = urn_model_new_opt("case.stan", src, strlen(src), "data.json", data, strlen(data), &opt, &err);
  if (!m) fprintf(stderr, "build: %s\n", err.msg);
  return m;
}

/* The model of src on data with batching on and off, at npt points drawn uniformly over [-scale/2, scale/2]
 * (stream seed): log densities and gradients equal to 1e-12, with and without propto; with fd, the batched
 * gradient against central finite differences (relative slack 1e-6, times 1 + |lp| when fd_rel_lp).
 * Returns 1 when every log density and gradient of the two paths had the same bits, 0 if not, -1 if the
 * models did not build or evaluate. */
static int compare_batching(const char *name, const char *src, const char *data, uint64_t seed, int npt,
                             double scale, int fd, int fd_rel_lp) {
  urn_model *mb = build_batching(src, data, 0), *mu = build_batching(src, data, 1);
  CHECK(mb && mu, "%s: builds", name);
  if (!mb || !mu) { urn_model_free(mb), urn_model_free(mu); return -1; }
  int same = 1;
  size_t n = urn_model_num_unconstrained(mb);
  double *u = malloc((n ? n : 1) * sizeof *u), *gb = malloc((n ? n : 1) * sizeof *gb), *gu = malloc((n ? n : 1) * sizeof *gu);
  urn_rng r;
  urn_rng_seed(&r, seed, 0);
  for (int pt = 0; pt < npt; pt++) {
    for (size_t i = 0; i < n; i++) u[i] = scale * (urn_rng_uniform(&r) - 0.5);
    for (int propto = 0; propto < 2; propto++) {
      double lb, lu;
      urn_error e1, e2;
      int rb = urn_model_log_density_gradient(mb, propto, 1, u, &lb, gb, &e1);
      int ru = urn_model_log_density_gradient(mu, propto, 1, u, &lu, gu, &e2);
      CHECK(rb == URN_OK && ru == URN_OK, "%s: evaluates (%s / %s)", name, rb ? e1.msg : "ok", ru ? e2.msg : "ok");
      if (rb || ru) { same = -1; continue; }
      if (same == 1 && (memcmp(&lb, &lu, sizeof lb) || (n && memcmp(gb, gu, n * sizeof *gb)))) same = 0;
      char what[240];
      snprintf(what, sizeof what, "%s: lp, point %d, propto %d", name, pt, propto);
      CHECK_NEAR(lb, lu, 1e-12, 1e-12, what);
      for (size_t i = 0; i < n; i++) {
        snprintf(what, sizeof what, "%s: gradient[%zu], point %d, propto %d", name, i, pt, propto);
        CHECK_NEAR(gb[i], gu[i], 1e-12, 1e-12 * (1 + fabs(lu)), what);
      }
      if (propto || !fd) continue;
      /* central finite differences of the batched log density */
      for (size_t i = 0; i < n; i++) {
        double h = 1e-5, keep = u[i], lp1, lp2;
        u[i] = keep + h;
        urn_model_log_density(mb, 0, 1, u, &lp1, &e1);
        u[i] = keep - h;
        urn_model_log_density(mb, 0, 1, u, &lp2, &e1);
        u[i] = keep;
        snprintf(what, sizeof what, "%s: finite difference [%zu], point %d", name, i, pt);
        CHECK_NEAR(gb[i], (lp1 - lp2) / (2 * h), 1e-5, fd_rel_lp ? 1e-6 * (1 + fabs(lb)) : 1e-6, what);
      }
    }
  }
  free(u), free(gb), free(gu);
  urn_model_free(mb), urn_model_free(mu);
  return same;
}

#endif
