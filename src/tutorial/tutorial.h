/* tutorial/tutorial.h — the tutorial path end to end (`urn tutorial`, `make
 * demo`): eight steps that generate data with urn's own RNG at fixed seeds,
 * exactly as the tutorial (../shared/seed/tutorial.txt) specifies each
 * generative process, fit them (closed form, NUTS or EM), and write plots,
 * Stan programs, data, Stan CSVs, parameter JSONs, report.html and
 * results.json into a directory.  docs/tutorial.md describes every step, the
 * assumptions made where the tutorial is ambiguous, and the tolerances. */
#ifndef URN_TUTORIAL_H
#define URN_TUTORIAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "urn/common.h"

#define URN_TUTORIAL_STEPS 8

typedef struct urn_tutorial_opts {
  const char *out_dir; /* where everything is written (created if missing) */
  unsigned steps;      /* bit s-1 set: run step s (0 = all) */
  int quick;           /* shorter NUTS runs, data and EM unchanged: 1 = 4 chains x (300 warmup + 300
                          draws), 2 = 2 chains x (100 + 100) for the tests; 0 = 4 x (1000 + 1000) */
  uint64_t seed;       /* data seed; step s draws from stream s of it */
  int threads;         /* threads for chains and EM (0 = 2) */
  FILE *out;           /* where the per-step tables and progress go (NULL = silent) */
} urn_tutorial_opts;

/* One recovered quantity. */
typedef struct urn_tutorial_param {
  char name[64];     /* e.g. "mu", "A[1,2]", "P(red) n=100" */
  double truth;      /* generating value (after aligning the labels) */
  double estimate;   /* posterior mean, EM estimate or closed form */
  double lower;      /* 94% HDI lower bound (NUTS, closed form), NaN for EM */
  double upper;      /* 94% HDI upper bound, NaN for EM */
  double tolerance;  /* allowed |estimate - truth| (see docs/tutorial.md) */
  int within;        /* |estimate - truth| <= tolerance */
} urn_tutorial_param;

/* One step's outcome. */
typedef struct urn_tutorial_step {
  int index;                   /* 1..8 */
  int ran;                     /* the step was selected and ran */
  int status;                  /* URN_OK or the error that stopped it */
  char error[512];             /* the error message when status != URN_OK */
  char name[64];               /* short name, e.g. "normal" */
  char title[128];             /* section title */
  const char *method;          /* "closed-form", "nuts" or "em" */
  double wall_seconds;         /* wall time of the step */
  urn_tutorial_param *params;  /* recovered quantities */
  size_t n_params;             /* number of them */
  size_t cap_params;           /* allocated */
  char summary[256];           /* one line of extra facts (accuracy, R-hat, ...) */
} urn_tutorial_step;

typedef struct urn_tutorial_result {
  urn_tutorial_step steps[URN_TUTORIAL_STEPS]; /* steps[s-1] is step s */
  double wall_seconds;                         /* total wall time */
} urn_tutorial_result;

/* Runs the selected steps.  A failing step is recorded (status, error) and
 * the others still run; returns URN_OK when every selected step ran, else
 * the first step error (err filled).  Directory or report write failures are
 * URN_EIO. */
int urn_tutorial_run(const urn_tutorial_opts *opts, urn_tutorial_result *res, urn_error *err);
void urn_tutorial_result_free(urn_tutorial_result *res);
/* Number of parameters outside their tolerance over all steps that ran. */
size_t urn_tutorial_failures(const urn_tutorial_result *res);

#endif
