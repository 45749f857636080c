/* urn/diag.h — MCMC diagnostics and summaries computed exactly as R's `posterior`
 * package (version 1.4.0) computes them: rank-normalized split R-hat, basic split
 * R-hat, bulk/tail/basic ESS, MCSE of the mean, sd and quantiles, type-7
 * quantiles, mean, sd, median, MAD, plus ArviZ's highest-density interval; the
 * Stan CSV reader; and the summary table `urn summary` and `urn sample` print.
 *
 * Draws of one scalar quantity are passed as M chains x N draws, chain-major:
 * x[c * N + i] is draw i of chain c.  Undefined values (R's NA) come back as NaN.
 * Everything here is thread-safe; a urn_diag_ws caches tables between calls and
 * must not be shared by threads at the same time. */
#ifndef URN_DIAG_H
#define URN_DIAG_H

#include <stddef.h>
#include <stdio.h>
#include "urn/common.h"

/* ---------------------------------------------------------------- numbers */

/* Flags in urn_diag_summary.capped: which values used an ESS that hit posterior's
 * cap S*log10(S) (R warns "The ESS has been capped to avoid unstable estimates."). */
enum {
  URN_DIAG_CAPPED_ESS_BULK = 1 << 0,
  URN_DIAG_CAPPED_ESS_TAIL = 1 << 1,
  URN_DIAG_CAPPED_ESS_BASIC = 1 << 2,
  URN_DIAG_CAPPED_MCSE_MEAN = 1 << 3, /* set together with ESS_BASIC: mcse_mean uses that ESS */
  URN_DIAG_CAPPED_MCSE_SD = 1 << 4,
  URN_DIAG_CAPPED_MCSE_Q5 = 1 << 5,
  URN_DIAG_CAPPED_MCSE_Q95 = 1 << 6
};

/* The summary of one scalar quantity.  NaN = not defined (R's NA or NaN). */
typedef struct urn_diag_summary {
  double mean;       /* mean of all draws */
  double sd;         /* standard deviation of all draws (divisor S - 1) */
  double median;     /* median of all draws */
  double mad;        /* 1.4826 * median absolute deviation from the median */
  double q5, q50, q95; /* type-7 quantiles at 5%, 50%, 95% */
  double mcse_mean;  /* Monte Carlo standard error of the mean */
  double mcse_sd;    /* MCSE of the sd (posterior 1.4.0 formula) */
  double mcse_q5;    /* MCSE of the 5% quantile (beta-distribution method) */
  double mcse_q95;   /* MCSE of the 95% quantile */
  double ess_bulk;   /* rank-normalized split ESS */
  double ess_tail;   /* min of the ESS of the 5% and 95% quantile indicators */
  double ess_basic;  /* split ESS of the raw draws */
  double rhat;       /* rank-normalized split R-hat: max of bulk and folded (tail) */
  double rhat_basic; /* split R-hat of the raw draws */
  double hdi_low;    /* highest-density interval lower bound (ArviZ's rule) */
  double hdi_high;   /* its upper bound */
  unsigned capped;   /* URN_DIAG_CAPPED_* flags */
} urn_diag_summary;

/* Reusable scratch space (FFT tables, rank-to-normal tables, buffers) that makes
 * summarizing many quantities of the same shape fast.  One per thread. */
typedef struct urn_diag_ws urn_diag_ws;
URN_API urn_diag_ws *urn_diag_ws_new(void);
URN_API void urn_diag_ws_free(urn_diag_ws *ws);

/* Summary of one quantity: x holds n_chains x n_draws values (chain-major).
 * hdi_prob in (0, 1) is the HDI probability (ArviZ's default 0.94).  probs
 * (n_probs entries in [0, 1], may be NULL when n_probs is 0) are extra type-7
 * quantiles written to quantiles_out (n_probs entries).  ws may be NULL (a temporary one is used).  Returns URN_OK, or
 * URN_EINPUT (with err) when the shape or a probability is invalid. */
URN_API int urn_diag_summarize(const double *x, size_t n_chains, size_t n_draws, double hdi_prob, const double *probs,
                               size_t n_probs, double *quantiles_out, urn_diag_ws *ws, urn_diag_summary *out,
                               urn_error *err);

/* The individual measures (same layout; NaN when undefined).  `capped` (may be
 * NULL) gets 1 when the ESS was capped.  These allocate their own scratch. */
URN_API double urn_diag_rhat(const double *x, size_t n_chains, size_t n_draws);
URN_API double urn_diag_rhat_basic(const double *x, size_t n_chains, size_t n_draws);
URN_API double urn_diag_ess_bulk(const double *x, size_t n_chains, size_t n_draws, int *capped);
URN_API double urn_diag_ess_tail(const double *x, size_t n_chains, size_t n_draws, int *capped);
URN_API double urn_diag_ess_basic(const double *x, size_t n_chains, size_t n_draws, int *capped);
URN_API double urn_diag_ess_quantile(const double *x, size_t n_chains, size_t n_draws, double p, int *capped);
URN_API double urn_diag_mcse_quantile(const double *x, size_t n_chains, size_t n_draws, double p);
/* Type-7 quantile of n values already sorted ascending (NaN if n == 0). */
URN_API double urn_diag_quantile_sorted(const double *sorted, size_t n, double p);
/* ArviZ's HDI of n values sorted ascending: [*lo, *hi] (NaN when n*prob leaves
 * no window or a value is NaN). */
URN_API void urn_diag_hdi_sorted(const double *sorted, size_t n, double prob, double *lo, double *hi);

/* ------------------------------------------------------------ draws sets */

/* A set of chains of draws with named columns, as the sampler holds them in
 * memory or as read from Stan CSV files: draws[c] is chain c's n_draws x n_cols
 * matrix, row-major (one row per draw, as in the CSV). */
typedef struct urn_draws {
  size_t n_chains;            /* number of chains */
  size_t n_draws;             /* draws per chain (post-warmup) */
  size_t n_cols;              /* columns, including sampler columns ending in "__" */
  const char *const *names;   /* n_cols column names ("lp__", "theta.1", ...) */
  const double *const *draws; /* n_chains pointers to n_draws x n_cols row-major values */
  const int *max_depth;       /* per chain NUTS max tree depth, or NULL (then 10) */
  const char *const *chain_labels; /* per chain label for messages (file name), or NULL */
} urn_draws;

/* Output formats of urn_summary_print. */
typedef enum urn_summary_format {
  URN_SUMMARY_TABLE = 0, /* aligned text table, sampler table and diagnostics */
  URN_SUMMARY_CSV = 1,   /* header + one row per quantity, %.17g, NA where undefined */
  URN_SUMMARY_JSON = 2   /* array of objects with the CSV's fields, null where undefined */
} urn_summary_format;

/* Options of urn_summary_print; urn_summary_options_init sets the defaults. */
typedef struct urn_summary_options {
  urn_summary_format format; /* table (default), csv or json */
  const double *percentiles; /* table quantile columns in percent; NULL = 5, 50, 95 */
  size_t n_percentiles;      /* entries in percentiles */
  int use_hdi;               /* table: HDI bounds instead of the outer percentiles */
  double hdi_prob;           /* HDI probability, default 0.94 */
  int sig_figs;              /* significant figures in the table, default 3 */
  const char *const *vars;   /* only these quantities ("mu" selects mu and mu.1, mu.2, ...) or NULL */
  size_t n_vars;             /* entries in vars */
  int diagnostics;           /* table: print the sampler diagnostics section (default 1) */
} urn_summary_options;
URN_API void urn_summary_options_init(urn_summary_options *opt);

/* Prints the summary of every quantity in d to out in the chosen format; the
 * table format ends with the sampler diagnostics (divergences, tree depth
 * saturation, E-BFMI, R-hat and ESS problems) each with a one-line hint.
 * Returns URN_OK, or URN_EINPUT with err (e.g. a --vars name matching nothing). */
URN_API int urn_summary_print(FILE *out, const urn_draws *d, const urn_summary_options *opt, urn_error *err);

/* ------------------------------------------------------------- Stan CSV */

/* One Stan CSV file (CmdStan's or urn's, or any "# comments, header, numeric
 * rows" CSV) as read by urn_stancsv_read. */
typedef struct urn_stancsv {
  char *path;           /* the file name, for messages */
  size_t n_cols;        /* number of columns */
  char **names;         /* column names from the header line */
  size_t n_draws;       /* rows kept: post-warmup draws */
  double *draws;        /* n_draws x n_cols, row-major */
  size_t n_warmup;      /* warmup rows found before "# Adaptation terminated" (set aside) */
  int max_depth;        /* "max_depth = N" from the configuration comments, 0 if absent */
  double step_size;     /* "# Step size = x" after adaptation, NaN if absent */
  size_t n_inv_metric;  /* number of inverse metric values after "# Diagonal elements"/
                           "# Elements of inverse mass matrix", 0 if absent */
  double *inv_metric;   /* those values (row-major for a dense metric) */
  int dense_metric;     /* 1 when the metric block was the dense "Elements of" form */
  char *comments;       /* every comment line, '#' removed, joined with '\n' */
  int partial;          /* 1 when the last line had no newline and was dropped (a run killed while writing it) */
} urn_stancsv;

/* Reads path.  Errors (URN_EIO for a missing file, URN_EINPUT for a file that is
 * not Stan CSV: no header, a row with the wrong number of fields, a field that
 * is not a number) name path:line:col.  A last data line without its newline
 * is the draw a killed run was writing: it is dropped (out->partial = 1), not
 * an error. */
URN_API int urn_stancsv_read(const char *path, urn_stancsv *out, urn_error *err);
/* Parses text[0..len) the same way; path is used in messages. */
URN_API int urn_stancsv_parse(const char *path, const char *text, size_t len, urn_stancsv *out, urn_error *err);
URN_API void urn_stancsv_free(urn_stancsv *f);
/* The chains of a stopped or killed run have different numbers of draws:
 * cuts every file to the shortest (its first rows: draws are in the order they
 * were made), so that they can be summarized together.  Returns that number
 * (files unchanged when they agree). */
URN_API size_t urn_stancsv_trim(urn_stancsv *files, size_t n_files);
/* Groups files as chains of one urn_draws (pointing into the files, which must
 * outlive it; free with urn_draws_free_views).  All files must have the same
 * columns in the same order and the same number of draws: otherwise URN_EINPUT
 * naming the first file that differs. */
URN_API int urn_stancsv_as_draws(const urn_stancsv *files, size_t n_files, urn_draws *out, urn_error *err);
URN_API void urn_draws_free_views(urn_draws *d);

#endif
