/* tutorial/tut_internal.h — what the tutorial steps share: the run context,
 * output files, CmdStan JSON building, results, and a NUTS fit of a Stan
 * program held in memory (draws, Stan CSVs, summaries). */
#ifndef URN_TUT_INTERNAL_H
#define URN_TUT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "math/rng.h"
#include "plot/plots.h"
#include "plot/report.h"
#include "tutorial/tutorial.h"
#include "urn/common.h"
#include "util/util.h"

/* The run: options, the report being written, the step being run. */
typedef struct tut_ctx {
  const urn_tutorial_opts *opts; /* the caller's options */
  urn_report report;             /* report.html being built */
  urn_tutorial_step *step;       /* the current step's result record */
  int threads;                   /* threads for chains and EM */
} tut_ctx;

/* A step's entry point: fills ctx->step (params, summary) and the report section. */
typedef int (*tut_step_fn)(tut_ctx *ctx, urn_error *err);
int tut_step_balls(tut_ctx *ctx, urn_error *err);
int tut_step_normal(tut_ctx *ctx, urn_error *err);
int tut_step_mixture(tut_ctx *ctx, urn_error *err);
int tut_step_ghmm(tut_ctx *ctx, urn_error *err);
int tut_step_linreg(tut_ctx *ctx, urn_error *err);
int tut_step_mixreg(tut_ctx *ctx, urn_error *err);
int tut_step_glmhmm(tut_ctx *ctx, urn_error *err);
int tut_step_glmhmm_nuts(tut_ctx *ctx, urn_error *err);
/* The end of step 1: the tutorial's section 1.3 (PMF approximations, the gallery of distributions). */
int tut_discrete_to_continuous(tut_ctx *ctx, urn_error *err);

/* The GLM-HMM problem of steps 7 and 8: data generated from stream 7 of the
 * run seed (so step 8 sees the same data whether or not step 7 ran) and the
 * EM fit.  Labels: the generator's (1: w = 1, 2: w = -0.8, 3: w = 0.2). */
#define TUT_GLM_K 3
#define TUT_GLM_B 10
#define TUT_GLM_T 100
typedef struct tut_glmhmm {
  double x[TUT_GLM_B * TUT_GLM_T];  /* training inputs, sequence-major */
  double y[TUT_GLM_B * TUT_GLM_T];  /* training emissions */
  int z[TUT_GLM_B * TUT_GLM_T];     /* training states */
  double test_x[TUT_GLM_T];         /* the tutorial's sinusoidal test input */
  double test_y[TUT_GLM_T];         /* test emissions */
  int test_z[TUT_GLM_T];            /* test states */
  int test_zhat[TUT_GLM_T];         /* Viterbi states of the test sequence under the EM fit */
  double w[TUT_GLM_K], c[TUT_GLM_K], var[TUT_GLM_K];  /* generator's weights, biases, variances */
  double pi[TUT_GLM_K], A[TUT_GLM_K * TUT_GLM_K];    /* generator's initial and transition probabilities */
  double em_w[TUT_GLM_K], em_c[TUT_GLM_K], em_var[TUT_GLM_K];  /* EM estimates, aligned to the generator's labels */
  double em_pi[TUT_GLM_K], em_A[TUT_GLM_K * TUT_GLM_K];        /* EM estimates, aligned */
  int perm[TUT_GLM_K];              /* perm[true state] = EM state (find_permutation on the test sequence) */
  double trace[200];                /* EM log joint per iteration */
  int n_iter;                       /* iterations run */
  double true_lp;                   /* log joint of the generator's parameters on the training data */
  double test_accuracy;             /* share of test steps whose aligned state is right */
} tut_glmhmm;
/* Generates the data and runs the EM fit (quick either way: milliseconds). */
int tut_glmhmm_run(const tut_ctx *ctx, tut_glmhmm *g, urn_error *err);

/* The RNG stream of step s's data: urn_rng_seed(seed, s). */
void tut_data_rng(const tut_ctx *ctx, urn_rng *r);
/* A draw from the categorical distribution p[0..n) (HMM states in steps 4 and 7). */
int tut_rng_categorical(urn_rng *r, const double *p, int n);
/* Monotonic clock, in seconds, for the wall times the report shows. */
double tut_now_seconds(void);
/* A seed derived from the run seed for a step's sampler or EM init. */
uint64_t tut_seed(const tut_ctx *ctx, int salt);

/* Path of a file in the output directory (static per call site buffer given). */
void tut_path(const tut_ctx *ctx, const char *file, char *out, size_t cap);
/* Writes text to a file in the output directory. */
int tut_write_text(const tut_ctx *ctx, const char *file, const char *text, urn_error *err);
/* Writes a closed SVG to DIR/file, embeds it in the report with a caption, and frees it. */
int tut_figure(tut_ctx *ctx, urn_svg *svg, const char *file, const char *caption, urn_error *err);

/* Shows the data of DIR/file (CmdStan JSON) in the report: each member with
 * its size and first values. */
void tut_report_data(tut_ctx *ctx, const char *file, const char *json);
/* Records a recovered quantity in the current step (lower/upper NaN for point estimates). */
void tut_param(tut_ctx *ctx, const char *name, double truth, double estimate, double lower, double upper,
               double tolerance);
/* Adds the current step's true-vs-recovered table to the report. */
void tut_report_params(tut_ctx *ctx);

/* ---- CmdStan JSON building into a buffer: tut_json_begin, members, tut_json_end. */
void tut_json_begin(urn_buf *b);
void tut_json_int(urn_buf *b, const char *name, long v);
void tut_json_real(urn_buf *b, const char *name, double v);
void tut_json_vec(urn_buf *b, const char *name, const double *x, size_t n);
/* A rows x cols array of arrays from row-major x (array[rows] vector[cols]). */
void tut_json_mat(urn_buf *b, const char *name, const double *x, size_t rows, size_t cols);
void tut_json_end(urn_buf *b);

/* ---- NUTS on a Stan program. */
typedef struct tut_fit {
  size_t n_chains;  /* chains run */
  size_t n_draws;   /* post-warmup draws per chain */
  size_t n_cols;    /* 7 sampler columns (lp__ ... energy__) + constrained outputs */
  char **names;     /* n_cols column names, Stan CSV style ("w.1") */
  double *draws;    /* chain c, draw d, column j at [(c * n_draws + d) * n_cols + j] */
  double wall;      /* seconds from model construction to the last draw */
  long long n_grad; /* gradient evaluations over all chains */
  int divergent;    /* post-warmup divergences over all chains */
  double max_rhat;  /* largest R-hat of the outputs (in the report's summary table) */
} tut_fit;

/* Builds the model from source and data, writes DIR/name.stan and
 * DIR/name.data.json (and DIR/name.inits.json when inits_json is not NULL:
 * every chain starts there), runs this run's chains of warmup + samples
 * iterations (quick mode shortens them), writes DIR/name-C.csv per chain and
 * DIR/name.params.json (the posterior means), and adds the posterior summary
 * table (mean, sd, HDI, R-hat, bulk/tail ESS of every output) to the report.
 * Errors name the model file; on error *fit is empty. */
int tut_nuts(tut_ctx *ctx, const char *name, const char *stan_src, const char *data_json, const char *inits_json,
             tut_fit *fit, urn_error *err);
void tut_fit_free(tut_fit *fit);
/* Column index of a name, or -1. */
long tut_fit_col(const tut_fit *fit, const char *name);
/* The draws of column j, chain-major (n_chains * n_draws), in a new array. */
double *tut_fit_column(const tut_fit *fit, long j);
/* Mean and 94% HDI of column `name` (aborts the step with an error if missing). */
int tut_fit_estimate(const tut_fit *fit, const char *name, double *mean, double *lo, double *hi, double *sd,
                     urn_error *err);
/* Records column `col` of the fit as quantity `label` with its posterior mean
 * and 94% HDI; tolerance: 4 posterior standard deviations (see docs/tutorial.md). */
int tut_param_fit(tut_ctx *ctx, const tut_fit *fit, const char *col, const char *label, double truth, urn_error *err);

/* Plot variables made from fit columns (with the divergences marked). */
typedef struct tut_vars {
  urn_plot_var *v; /* n variables */
  double **cols;   /* their chain-major draws */
  int *div;        /* divergent__ flags, chain-major */
  size_t n;        /* number of variables */
} tut_vars;
/* cols[i] are column names; labels may be NULL (the column names); truths
 * (may be NULL) are reference values, NaN for none.  Missing columns are an error. */
int tut_vars_make(const tut_fit *fit, const char *const *cols, const char *const *labels, const double *truths,
                  size_t n, tut_vars *out, urn_error *err);
void tut_vars_free(tut_vars *v);

/* ---- The course of a NUTS step: fit, check against the generating values, plot. */

/* The quantities a NUTS step checks: fit columns with their generating
 * values, shown in the figures DIR/NAME-posterior.svg and DIR/NAME-trace.svg. */
typedef struct tut_check {
  const char *name;              /* the model's name, prefix of the figure files */
  size_t n;                      /* number of quantities */
  const char *const *cols;       /* their fit columns, Stan CSV style ("w.1") */
  const char *const *labels;     /* their names in tables and figures, or NULL: the columns */
  const double *truths;          /* their generating values */
  int panels_per_row;            /* posterior figure panels per row */
  const char *posterior_title;   /* posterior figure title */
  const char *posterior_caption; /* posterior figure caption */
} tut_check;

/* The step's summary line: largest R-hat, divergences and NUTS wall time. */
void tut_nuts_summary(tut_ctx *ctx, const tut_fit *fit);
/* The posterior figure (densities with the 94% HDI, dashed generating values)
 * and the trace figure of the quantities of q.  *v holds their draws on
 * return, whatever the outcome: the caller frees it with tut_vars_free. */
int tut_posterior_figures(tut_ctx *ctx, const tut_fit *fit, const tut_check *q, tut_vars *v, urn_error *err);
/* A NUTS step's common course: tut_nuts on the program (named q->name) and
 * the data, the summary line, each quantity of q recorded against its
 * generating value (tut_param_fit), and tut_posterior_figures.  *fit and *v
 * are valid on return whatever the outcome (empty when not made): the caller
 * frees both, after the step's own figures. */
int tut_nuts_check(tut_ctx *ctx, const tut_check *q, const char *stan_src, const char *data_json, tut_fit *fit,
                   tut_vars *v, urn_error *err);

/* The density of one observation y given one value per plot variable (in
 * the order of tut_vars), for posterior predictive curves. */
typedef double (*tut_density_fn)(const double *theta, double y);
/* Completes pp (data, bins, x range and labels given) with the predictive
 * density over n_grid points of the x range at n_curves evenly spaced draws
 * (draw c * total / n_curves) and at the posterior means of v's variables,
 * then draws it into DIR/file with its caption. */
int tut_predictive_figure(tut_ctx *ctx, const tut_vars *v, tut_density_fn density, urn_predictive_plot *pp,
                          size_t n_grid, size_t n_curves, const char *file, const char *caption, urn_error *err);
/* Completes rp (data, n_comp, generating lines and labels given) with
 * n_lines evenly spaced draws (draw d * total / n_lines) of each component's
 * slope and intercept (slope[k], intercept[k]: total chain-major draws each)
 * and their posterior means, then draws it into DIR/file with its caption. */
int tut_regression_figure(tut_ctx *ctx, double *const *slope, double *const *intercept, size_t total,
                          urn_regression_plot *rp, size_t n_lines, const char *file, const char *caption,
                          urn_error *err);

#endif
