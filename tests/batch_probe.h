/* tests/batch_probe.h — what the tests of loop batching (test_eval_batch.c,
 * test_eval_lanes.c) ask of a program: how many of its loops the lowering
 * batched, how many stores it deferred to hmm_marginal, and the model built
 * with batching on or off (URN_NOBATCH). */
#ifndef URN_TESTS_BATCH_PROBE_H
#define URN_TESTS_BATCH_PROBE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/check.h"
#include "lang/eval.h"
#include "lang/parser.h"
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
  if (nobatch) setenv("URN_NOBATCH", "1", 1);
  else unsetenv("URN_NOBATCH");
  urn_error err;
  urn_model *m = urn_model_new("case.stan", src, strlen(src), "data.json", data, strlen(data), 1, &err);
  unsetenv("URN_NOBATCH");
  if (!m) fprintf(stderr, "build: %s\n", err.msg);
  return m;
}

#endif
