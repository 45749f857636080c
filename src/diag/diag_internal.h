/* diag/diag_internal.h — what the diagnostics files share inside the library:
 * the workspace layout, the split-chain map, the ESS and R-hat cores, sorting,
 * the inverse normal (AS 241) and the beta quantile. */
#ifndef URN_DIAG_INTERNAL_H
#define URN_DIAG_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "math/fft.h"
#include "urn/diag.h"

/* Scratch space for one shape (M chains x N draws); rebuilt when the shape changes. */
struct urn_diag_ws {
  size_t M, N;          /* the shape the tables below were made for (0 = none yet) */
  size_t m, n;          /* split shape: m chains of n draws (posterior's split_chains) */
  int32_t *split_map;   /* M*N entries: position j*n + t in the split matrix, or -1 if dropped */
  double *ztab;         /* 2*m*n - 1 entries: qnorm((r - 3/8) / (S' + 1/4)) at r = (idx + 2) / 2 */
  urn_fft_plan plan;    /* FFT plan of length >= 2n - 1 (len 0 when n < 3) */
  double *fre, *fim;    /* plan.len FFT buffers */
  double *spec;         /* plan.len summed power spectrum */
  double *acov;         /* n mean autocovariances over chains */
  double *rho;          /* n Geyer sequence values */
  double *y;            /* m*n split matrix being analysed */
  double *cen;          /* m*n chains of the ESS core, centred on their own means */
  char *active;         /* m flags of the ESS core: chain is not constant */
  double *tmp;          /* M*N scratch values (indicator, centred squares, ...) */
  double *sorted;       /* M*N draws sorted ascending */
  uint32_t *order;      /* M*N original indices of sorted */
  double *fsorted;      /* M*N folded draws |x - median| sorted ascending */
  uint32_t *forder;     /* M*N original indices of fsorted */
  uint64_t *keys;       /* 2*M*N radix-sort keys (with scratch) */
  uint32_t *idx2;       /* M*N radix-sort scratch indices */
  uint32_t (*hist)[2048]; /* 6 radix-sort digit histograms */
};

/* Makes ws ready for M x N draws (M, N >= 1, M*N < 2^31). */
void urn__diag_ws_prepare(urn_diag_ws *ws, size_t M, size_t N);

/* "Should return NA" test of posterior: any NaN/Inf, or max - min < DBL_EPSILON. */
int urn__diag_should_return_na(const double *y, size_t len);
/* Copies chain-major x (M x N) into the split matrix ws->y (m x n). */
void urn__diag_split(urn_diag_ws *ws, const double *x);
/* Rank-normalizes x's split matrix into ws->y using a sorted order of all M*N
 * values (order[k] is the index of the k-th smallest; vals[k] its value). */
void urn__diag_zscale_split(urn_diag_ws *ws, const double *vals, const uint32_t *order);
/* ESS core (Geyer's initial monotone sequence, posterior's .ess) of the m x n
 * matrix y, chain-major.  *capped (may be NULL) is set when the cap applied. */
double urn__diag_ess_core(urn_diag_ws *ws, const double *y, size_t m, size_t n, int *capped);
/* R-hat core (posterior's .rhat) of the m x n matrix y, chain-major. */
double urn__diag_rhat_core(const double *y, size_t m, size_t n);

/* Sorts x[0..n) ascending (no NaN allowed) into vals and the original
 * indices into order, using ws->keys / ws->idx2 as scratch. */
void urn__diag_argsort(urn_diag_ws *ws, const double *x, size_t n, double *vals, uint32_t *order);

/* Mean by R's recipe (sum, then a correction pass when finite). */
double urn__diag_mean(const double *x, size_t n);
/* Sample variance (divisor n - 1), two-pass: NaN for n < 2. */
double urn__diag_var(const double *x, size_t n);
/* Both at once (the variance is NaN for n < 2). */
void urn__diag_mean_var(const double *x, size_t n, double *mean, double *var);


#endif
