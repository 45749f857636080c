/* diag/summary.c — the per-quantity summary (urn_diag_summarize) and the
 * single-measure entry points, following posterior 1.4.0 step by step
 * (ALGORITHMS.md section 2): one radix sort of all draws serves the quantiles,
 * the HDI, the ranks for rank normalization and (merged outward from the median)
 * the folded draws; the ESS and R-hat cores run on split matrices built through
 * a precomputed map.  The workspace caches everything that depends only on the
 * shape (split map, rank -> normal-score table, FFT plan). */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "diag/diag_internal.h"
#include "math/special.h"
#include "util/util.h"

urn_diag_ws *urn_diag_ws_new(void) { return urn_xcalloc(1, sizeof(urn_diag_ws)); }

static void ws_release(urn_diag_ws *ws) {
  free(ws->split_map), free(ws->ztab), free(ws->fre), free(ws->fim), free(ws->spec);
  free(ws->acov), free(ws->rho), free(ws->y), free(ws->tmp), free(ws->sorted), free(ws->order);
  free(ws->fsorted), free(ws->forder), free(ws->keys), free(ws->idx2), free(ws->hist), free(ws->cen), free(ws->active);
  urn_fft_plan_free(&ws->plan);
  memset(ws, 0, sizeof *ws);
}

void urn_diag_ws_free(urn_diag_ws *ws) {
  if (!ws) return;
  ws_release(ws);
  free(ws);
}

void urn__diag_ws_prepare(urn_diag_ws *ws, size_t M, size_t N) {
  if (ws->M == M && ws->N == N) return;
  ws_release(ws);
  const size_t S = M * N;
  ws->M = M, ws->N = N;
  ws->split_map = urn_xmalloc(S * sizeof *ws->split_map);
  /* posterior's split_chains(): halves of every chain, the middle draw of an odd
   * chain dropped; N = 1 is not split; N = 2 or 3 gives R's dimension-dropping
   * result: two pseudo-chains holding the first and the last draw of every chain. */
  if (N == 1) {
    ws->m = M, ws->n = 1;
    for (size_t c = 0; c < M; c++) ws->split_map[c] = (int32_t)c;
  } else if (N <= 3) {
    ws->m = 2, ws->n = M;
    for (size_t c = 0; c < M; c++)
      for (size_t i = 0; i < N; i++)
        ws->split_map[c * N + i] = i == 0 ? (int32_t)c : i == N - 1 ? (int32_t)(M + c) : -1;
  } else {
    size_t n = N / 2;
    ws->m = 2 * M, ws->n = n;
    for (size_t c = 0; c < M; c++)
      for (size_t i = 0; i < N; i++) {
        int32_t pos = -1;
        if (i < n) pos = (int32_t)(c * n + i);
        else if (i >= N - n) pos = (int32_t)((M + c) * n + (i - (N - n)));
        ws->split_map[c * N + i] = pos;
      }
  }
  const size_t m = ws->m, n = ws->n, S2 = m * n;
  ws->ztab = urn_xmalloc((2 * S2 - 1) * sizeof *ws->ztab);
  const double denom = (double)S2 - 2.0 * 0.375 + 1.0;
  for (size_t k = 0; k + 1 < 2 * S2; k++) ws->ztab[k] = urn_inv_Phi(((double)(k + 2) / 2.0 - 0.375) / denom);
  size_t L = urn_fft_good_size(n >= 2 ? 2 * n - 1 : 1);
  urn_fft_plan_init(&ws->plan, L);
  ws->fre = urn_xmalloc(L * sizeof(double));
  ws->fim = urn_xmalloc(L * sizeof(double));
  ws->spec = urn_xmalloc(L * sizeof(double));
  ws->acov = urn_xmalloc(n * sizeof(double));
  ws->rho = urn_xmalloc((n + 2) * sizeof(double));
  ws->y = urn_xmalloc(S2 * sizeof(double));
  ws->cen = urn_xmalloc(S2 * sizeof(double));
  ws->active = urn_xmalloc(m);
  ws->tmp = urn_xmalloc((S + m + 2) * sizeof(double)); /* + chain means of the ESS core */
  ws->sorted = urn_xmalloc(S * sizeof(double));
  ws->order = urn_xmalloc(S * sizeof(uint32_t));
  ws->fsorted = urn_xmalloc(S * sizeof(double));
  ws->forder = urn_xmalloc(S * sizeof(uint32_t));
  ws->keys = urn_xmalloc(2 * S * sizeof(uint64_t));
  ws->idx2 = urn_xmalloc(S * sizeof(uint32_t));
  ws->hist = urn_xmalloc(6 * sizeof *ws->hist);
}

void urn__diag_split(urn_diag_ws *ws, const double *x) {
  const size_t S = ws->M * ws->N;
  for (size_t k = 0; k < S; k++)
    if (ws->split_map[k] >= 0) ws->y[ws->split_map[k]] = x[k];
}

void urn__diag_zscale_split(urn_diag_ws *ws, const double *vals, const uint32_t *order) {
  const size_t S = ws->M * ws->N;
  const int32_t *map = ws->split_map;
  size_t rank = 0; /* included values ranked so far */
  for (size_t k = 0; k < S;) {
    size_t k2 = k + 1;
    while (k2 < S && vals[k2] == vals[k]) k2++;
    size_t g = 0;
    for (size_t t = k; t < k2; t++) g += map[order[t]] >= 0;
    if (g) {
      /* ties share the average rank (2*rank + g + 1) / 2 */
      double z = ws->ztab[2 * rank + g + 1 - 2];
      for (size_t t = k; t < k2; t++)
        if (map[order[t]] >= 0) ws->y[map[order[t]]] = z;
      rank += g;
    }
    k = k2;
  }
}

/* ESS of the quantile indicator x <= q_p (posterior's .ess_quantile); needs
 * ws->sorted filled.  NaN when the raw draws should return NA. */
static double ess_quantile_ws(urn_diag_ws *ws, const double *x, double p, int raw_na, int *capped) {
  if (capped) *capped = 0;
  const size_t S = ws->M * ws->N;
  if (raw_na) return NAN;
  if (p == 1.0) p = ((double)S - 0.5) / (double)S;
  double q = urn_diag_quantile_sorted(ws->sorted, S, p);
  for (size_t k = 0; k < S; k++) ws->tmp[k] = x[k] <= q ? 1.0 : 0.0;
  urn__diag_split(ws, ws->tmp);
  return urn__diag_ess_core(ws, ws->y, ws->m, ws->n, capped);
}

/* MCSE of the p-quantile by the beta-distribution method, given its ESS. */
static double mcse_quantile_from_ess(const double *sorted, size_t S, double p, double ess) {
  if (isnan(ess)) return NAN;
  double alpha = ess * p + 1.0, beta = ess * (1.0 - p) + 1.0;
  double a_lo = urn_inv_inc_beta(alpha, beta, 0.1586553);
  double a_hi = urn_inv_inc_beta(alpha, beta, 0.8413447);
  if (isnan(a_lo) || isnan(a_hi)) return NAN;
  double f_lo = floor(a_lo * (double)S), f_hi = ceil(a_hi * (double)S);
  size_t i_lo = f_lo < 1 ? 1 : (size_t)f_lo;
  size_t i_hi = f_hi > (double)S ? S : (size_t)f_hi;
  if (i_hi < 1) i_hi = 1;
  return (sorted[i_hi - 1] - sorted[i_lo - 1]) / 2.0;
}

/* Median of n sorted values as R's median (mean of the two middle ones). */
static double median_sorted(const double *s, size_t n) {
  if (n % 2) return s[n / 2];
  /* R's mean of the two middle values: long double sum halved, then rounded */
  return (double)(((long double)s[n / 2 - 1] + (long double)s[n / 2]) / 2.0L);
}

/* Sorted folded draws |x - med| with their original indices, merged outward
 * from the median over the sorted draws (no second sort). */
static void fold_sorted(urn_diag_ws *ws, double med) {
  const size_t S = ws->M * ws->N;
  const double *s = ws->sorted;
  size_t p = 0;
  while (p < S && s[p] < med) p++;
  size_t left = p, right = p, out = 0; /* left: next index below is left-1 */
  while (left > 0 || right < S) {
    double fl = left > 0 ? fabs(s[left - 1] - med) : INFINITY;
    double fr = right < S ? fabs(s[right] - med) : INFINITY;
    if (right >= S || (left > 0 && fl <= fr)) {
      ws->fsorted[out] = fl, ws->forder[out++] = ws->order[--left];
    } else {
      ws->fsorted[out] = fr, ws->forder[out++] = ws->order[right++];
    }
  }
}

static void set_all_nan(urn_diag_summary *o, double *quantiles_out, size_t n_probs) {
  o->mean = o->sd = o->median = o->mad = o->q5 = o->q50 = o->q95 = NAN;
  o->mcse_mean = o->mcse_sd = o->mcse_q5 = o->mcse_q95 = NAN;
  o->ess_bulk = o->ess_tail = o->ess_basic = o->rhat = o->rhat_basic = NAN;
  o->hdi_low = o->hdi_high = NAN;
  o->capped = 0;
  for (size_t i = 0; i < n_probs; i++) quantiles_out[i] = NAN;
}

static int check_shape(size_t M, size_t N, urn_error *err) {
  size_t S;
  if (M == 0 || N == 0) return urn_error_set(err, URN_EINPUT, "diagnostics: no draws (%zu chains x %zu draws)", M, N);
  if (urn_mul_overflow(M, N, &S) || S >= ((size_t)1 << 31))
    return urn_error_set(err, URN_EINPUT, "diagnostics: too many draws (%zu chains x %zu draws)", M, N);
  return URN_OK;
}

int urn_diag_summarize(const double *x, size_t M, size_t N, double hdi_prob, const double *probs, size_t n_probs,
                       double *quantiles_out, urn_diag_ws *ws_in, urn_diag_summary *o, urn_error *err) {
  int rc = check_shape(M, N, err);
  if (rc) return rc;
  if (!(hdi_prob > 0 && hdi_prob < 1))
    return urn_error_set(err, URN_EINPUT, "diagnostics: HDI probability %g is not in (0, 1)", hdi_prob);
  for (size_t i = 0; i < n_probs; i++)
    if (!(probs[i] >= 0 && probs[i] <= 1))
      return urn_error_set(err, URN_EINPUT, "diagnostics: quantile probability %g is not in [0, 1]", probs[i]);
  const size_t S = M * N;
  for (size_t k = 0; k < S; k++)
    if (isnan(x[k])) { /* any NA draw: posterior returns NA for everything */
      set_all_nan(o, quantiles_out, n_probs);
      return URN_OK;
    }
  urn_diag_ws *ws = ws_in ? ws_in : urn_diag_ws_new();
  urn__diag_ws_prepare(ws, M, N);
  const size_t m = ws->m, n = ws->n;
  o->capped = 0;
  int capped;

  /* moments */
  o->mean = urn__diag_mean(x, S);
  o->sd = sqrt(urn__diag_var(x, S));
  int any_inf = 0;
  for (size_t k = 0; k < S; k++) any_inf |= isinf(x[k]);
  if (any_inf) o->sd = NAN;

  /* order statistics */
  urn__diag_argsort(ws, x, S, ws->sorted, ws->order);
  const double *s = ws->sorted;
  o->q5 = urn_diag_quantile_sorted(s, S, 0.05);
  o->q50 = urn_diag_quantile_sorted(s, S, 0.5);
  o->q95 = urn_diag_quantile_sorted(s, S, 0.95);
  for (size_t i = 0; i < n_probs; i++) quantiles_out[i] = urn_diag_quantile_sorted(s, S, probs[i]);
  o->median = median_sorted(s, S);
  urn_diag_hdi_sorted(s, S, hdi_prob, &o->hdi_low, &o->hdi_high);
  fold_sorted(ws, o->median);
  o->mad = 1.4826 * median_sorted(ws->fsorted, S);

  /* rank-normalized split R-hat and bulk ESS */
  urn__diag_zscale_split(ws, ws->sorted, ws->order);
  double rhat_bulk = urn__diag_rhat_core(ws->y, m, n);
  o->ess_bulk = urn__diag_ess_core(ws, ws->y, m, n, &capped);
  if (capped) o->capped |= URN_DIAG_CAPPED_ESS_BULK;
  urn__diag_zscale_split(ws, ws->fsorted, ws->forder);
  double rhat_tail = urn__diag_rhat_core(ws->y, m, n);
  o->rhat = isnan(rhat_bulk) || isnan(rhat_tail) ? NAN : fmax(rhat_bulk, rhat_tail);

  /* raw split R-hat and ESS */
  urn__diag_split(ws, x);
  o->rhat_basic = urn__diag_rhat_core(ws->y, m, n);
  o->ess_basic = urn__diag_ess_core(ws, ws->y, m, n, &capped);
  if (capped) o->capped |= URN_DIAG_CAPPED_ESS_BASIC | URN_DIAG_CAPPED_MCSE_MEAN;
  o->mcse_mean = o->sd / sqrt(o->ess_basic);

  /* tail ESS and quantile MCSE */
  int raw_na = urn__diag_should_return_na(x, S), cap5, cap95;
  double ess5 = ess_quantile_ws(ws, x, 0.05, raw_na, &cap5);
  double ess95 = ess_quantile_ws(ws, x, 0.95, raw_na, &cap95);
  o->ess_tail = isnan(ess5) || isnan(ess95) ? NAN : fmin(ess5, ess95);
  if (cap5 || cap95) o->capped |= URN_DIAG_CAPPED_ESS_TAIL;
  if (cap5) o->capped |= URN_DIAG_CAPPED_MCSE_Q5;
  if (cap95) o->capped |= URN_DIAG_CAPPED_MCSE_Q95;
  o->mcse_q5 = mcse_quantile_from_ess(s, S, 0.05, ess5);
  o->mcse_q95 = mcse_quantile_from_ess(s, S, 0.95, ess95);

  /* MCSE of the sd (posterior 1.4.0): ESS of the squared centred draws */
  double *c2 = ws->tmp;
  for (size_t k = 0; k < S; k++) {
    double c = x[k] - o->mean;
    c2[k] = c * c;
  }
  double e_var = urn__diag_mean(c2, S);
  urn__diag_split(ws, c2);
  double ess_sd = urn__diag_ess_core(ws, ws->y, m, n, &capped);
  if (capped) o->capped |= URN_DIAG_CAPPED_MCSE_SD;
  for (size_t k = 0; k < S; k++) c2[k] *= c2[k];
  double e_c4 = urn__diag_mean(c2, S);
  double var_var = (e_c4 - e_var * e_var) / ess_sd;
  o->mcse_sd = sqrt(var_var / e_var / 4.0);

  if (!ws_in) urn_diag_ws_free(ws);
  return URN_OK;
}

/* Runs the full summary (the single-measure functions are conveniences). */
static int summarize_simple(const double *x, size_t M, size_t N, urn_diag_summary *o) {
  return urn_diag_summarize(x, M, N, 0.94, NULL, 0, NULL, NULL, o, NULL);
}

double urn_diag_rhat(const double *x, size_t M, size_t N) {
  urn_diag_summary o;
  return summarize_simple(x, M, N, &o) ? NAN : o.rhat;
}

double urn_diag_rhat_basic(const double *x, size_t M, size_t N) {
  urn_diag_summary o;
  return summarize_simple(x, M, N, &o) ? NAN : o.rhat_basic;
}

double urn_diag_ess_bulk(const double *x, size_t M, size_t N, int *capped) {
  urn_diag_summary o;
  if (summarize_simple(x, M, N, &o)) return NAN;
  if (capped) *capped = !!(o.capped & URN_DIAG_CAPPED_ESS_BULK);
  return o.ess_bulk;
}

double urn_diag_ess_tail(const double *x, size_t M, size_t N, int *capped) {
  urn_diag_summary o;
  if (summarize_simple(x, M, N, &o)) return NAN;
  if (capped) *capped = !!(o.capped & URN_DIAG_CAPPED_ESS_TAIL);
  return o.ess_tail;
}

double urn_diag_ess_basic(const double *x, size_t M, size_t N, int *capped) {
  urn_diag_summary o;
  if (summarize_simple(x, M, N, &o)) return NAN;
  if (capped) *capped = !!(o.capped & URN_DIAG_CAPPED_ESS_BASIC);
  return o.ess_basic;
}

/* Sets up ws with sorted draws for the quantile measures; returns 0 when the
 * draws contain NaN or the shape is invalid (then the measure is NaN). */
static int quantile_setup(urn_diag_ws *ws, const double *x, size_t M, size_t N, double p) {
  if (check_shape(M, N, NULL) || !(p >= 0 && p <= 1)) return 0;
  for (size_t k = 0; k < M * N; k++)
    if (isnan(x[k])) return 0;
  urn__diag_ws_prepare(ws, M, N);
  urn__diag_argsort(ws, x, M * N, ws->sorted, ws->order);
  return 1;
}

double urn_diag_ess_quantile(const double *x, size_t M, size_t N, double p, int *capped) {
  if (capped) *capped = 0;
  urn_diag_ws *ws = urn_diag_ws_new();
  double r = NAN;
  if (quantile_setup(ws, x, M, N, p)) r = ess_quantile_ws(ws, x, p, urn__diag_should_return_na(x, M * N), capped);
  urn_diag_ws_free(ws);
  return r;
}

double urn_diag_mcse_quantile(const double *x, size_t M, size_t N, double p) {
  urn_diag_ws *ws = urn_diag_ws_new();
  double r = NAN;
  if (quantile_setup(ws, x, M, N, p)) {
    double e = ess_quantile_ws(ws, x, p, urn__diag_should_return_na(x, M * N), NULL);
    r = mcse_quantile_from_ess(ws->sorted, M * N, p, e);
  }
  urn_diag_ws_free(ws);
  return r;
}
