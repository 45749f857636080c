/* diag/ess.c — the effective-sample-size core of posterior 1.4.0 (`.ess`):
 * FFT autocovariances of each (split) chain, averaged over chains, combined with
 * the between-chain variance, summed with Geyer's initial positive and initial
 * monotone sequences, capped at S*log10(S).  See ALGORITHMS.md 1.5-1.6 in the
 * shared diagnostics fixtures for the step-by-step description followed here.
 *
 * Speed: the first few lags (often all Geyer's sequence needs) are direct sums;
 * beyond them all lags come from the FFT.  posterior averages the per-chain
 * autocovariances and the inverse FFT is linear, so we sum the chains' power
 * spectra and invert once.  Two real chains
 * share one complex forward transform (one in the real part, one in the
 * imaginary part): |X_a(k)|^2 + |X_b(k)|^2 = (|Z(k)|^2 + |Z(-k)|^2) / 2. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "diag/diag_internal.h"

int urn__diag_should_return_na(const double *y, size_t len) {
  if (len == 0) return 1;
  double lo = y[0], hi = y[0];
  int finite = 1;
  for (size_t i = 0; i < len; i++) {
    double v = y[i];
    finite &= (v - v == 0.0); /* false for NaN and +-Inf */
    lo = v < lo ? v : lo;
    hi = v > hi ? v : hi;
  }
  return !finite || hi - lo < DBL_EPSILON;
}

/* Adds the power spectrum of the (one or two) chains loaded in re/im to spec. */
static void accumulate_spectrum(const urn_fft_plan *plan, double *re, double *im, double *spec) {
  const size_t L = plan->len;
  urn_fft(plan, re, im, 0);
  for (size_t k = 0; k < L; k++) {
    size_t nk = k ? L - k : 0;
    double a = re[k] * re[k] + im[k] * im[k];
    double b = re[nk] * re[nk] + im[nk] * im[nk];
    spec[k] += 0.5 * (a + b);
  }
}

/* Lags computed by direct sums before switching to the FFT: a well-mixed chain
 * usually ends Geyer's sequence within a few lags, and each direct lag costs
 * m*n multiply-adds, against about 25 lags' worth for the FFT path. */
#define DIRECT_LAGS 8

/* The mean autocovariances of the centred chains (biased, divisor n), filled
 * on demand: lags 0..have-1 are in acov. */
typedef struct acov_state {
  urn_diag_ws *ws;     /* FFT plan and buffers */
  const double *cen;   /* m x n centred chains (constant chains all zero) */
  const char *active;  /* m flags: chain is not constant */
  size_t m, n;         /* shape */
  double *acov;        /* n lags */
  size_t have;         /* lags computed so far */
} acov_state;

/* Sum over t < len of a[t] * b[t], four accumulators. */
static double dot4(const double *a, const double *b, size_t len) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t t = 0;
  for (; t + 4 <= len; t += 4) s0 += a[t] * b[t], s1 += a[t + 1] * b[t + 1], s2 += a[t + 2] * b[t + 2],
                               s3 += a[t + 3] * b[t + 3];
  for (; t < len; t++) s0 += a[t] * b[t];
  return (s0 + s1) + (s2 + s3);
}

static void acov_fft(acov_state *st) {
  const urn_fft_plan *plan = &st->ws->plan;
  const size_t L = plan->len, n = st->n, m = st->m;
  double *re = st->ws->fre, *im = st->ws->fim, *spec = st->ws->spec;
  memset(spec, 0, L * sizeof *spec);
  int loaded = 0; /* chains loaded into re/im (0, 1 or 2) */
  for (size_t j = 0; j < m; j++) {
    if (!st->active[j]) continue;
    if (loaded == 0) {
      memset(re + n, 0, (L - n) * sizeof *re);
      memset(im, 0, L * sizeof *im);
    }
    memcpy(loaded == 0 ? re : im, st->cen + j * n, n * sizeof *re);
    if (++loaded == 2) {
      accumulate_spectrum(plan, re, im, spec);
      loaded = 0;
    }
  }
  if (loaded) accumulate_spectrum(plan, re, im, spec);
  /* inverse transform of the real, even spectrum: real autocorrelation sums */
  memcpy(re, spec, L * sizeof *re);
  memset(im, 0, L * sizeof *im);
  urn_fft(plan, re, im, 1);
  const double scale = 1.0 / ((double)L * (double)n * (double)m);
  for (size_t k = 0; k < n; k++) st->acov[k] = re[k] * scale;
  st->have = n;
}

/* Mean autocovariance at lag k (k < n). */
static double acov_at(acov_state *st, size_t k) {
  if (k < st->have) return st->acov[k];
  if (k >= DIRECT_LAGS) {
    acov_fft(st);
    return st->acov[k];
  }
  const size_t n = st->n, m = st->m;
  for (size_t lag = st->have; lag <= k; lag++) {
    double s = 0;
    for (size_t j = 0; j < m; j++)
      if (st->active[j]) s += dot4(st->cen + j * n, st->cen + j * n + lag, n - lag);
    st->acov[lag] = s / ((double)n * (double)m);
  }
  st->have = k + 1;
  return st->acov[k];
}

double urn__diag_ess_core(urn_diag_ws *ws, const double *y, size_t m, size_t n, int *capped) {
  if (capped) *capped = 0;
  if (n < 3 || m == 0 || urn__diag_should_return_na(y, m * n)) return NAN;
  double *rho = ws->rho;
  double *chain_mean = ws->tmp + ws->M * ws->N; /* m spare slots after tmp (see prepare) */
  double *cen = ws->cen;
  char *active = ws->active;
  for (size_t j = 0; j < m; j++) {
    const double *c = y + j * n;
    chain_mean[j] = urn__diag_mean(c, n);
    int constant = 1;
    for (size_t t = 1; t < n && constant; t++) constant = c[t] == c[0];
    active[j] = !constant; /* posterior: var == 0 -> all-zero autocovariance */
    /* centre on the chain's own mean, as posterior's autocovariance() does */
    double mu = chain_mean[j];
    for (size_t t = 0; t < n; t++) cen[j * n + t] = constant ? 0.0 : c[t] - mu;
  }
  acov_state st = {ws, cen, active, m, n, ws->acov, 0};

  const double dn = (double)n;
  const double mean_var = acov_at(&st, 0) * dn / (dn - 1.0);
  double var_plus = mean_var * (dn - 1.0) / dn;
  if (m > 1) var_plus += urn__diag_var(chain_mean, m);
#define RHO(k) (1.0 - (mean_var - acov_at(&st, (k))) / var_plus)

  /* Geyer's initial positive sequence */
  memset(rho, 0, n * sizeof *rho);
  size_t t = 0;
  double rho_even = 1.0, rho_odd = RHO(1);
  rho[0] = rho_even;
  rho[1] = rho_odd;
  while ((long long)t < (long long)n - 5 && !isnan(rho_even + rho_odd) && rho_even + rho_odd > 0) {
    t += 2;
    rho_even = RHO(t);
    rho_odd = RHO(t + 1);
    if (rho_even + rho_odd >= 0) {
      rho[t] = rho_even;
      rho[t + 1] = rho_odd;
    }
  }
#undef RHO
  const size_t max_t = t;
  if (rho_even > 0) rho[max_t] = rho_even;
  /* Geyer's initial monotone sequence */
  for (t = 2; t + 2 <= max_t; t += 2) {
    if (rho[t] + rho[t + 1] > rho[t - 2] + rho[t - 1]) {
      rho[t] = (rho[t - 2] + rho[t - 1]) / 2.0;
      rho[t + 1] = rho[t];
    }
  }
  double tau;
  if (max_t == 0) {
    tau = 2.0; /* R's sum over indices 1:0 reads the single element rho[0] = 1 */
  } else {
    double sum = 0.0;
    for (t = 0; t < max_t; t++) sum += rho[t];
    tau = -1.0 + 2.0 * sum + rho[max_t];
  }
  const double S = (double)(m * n);
  const double bound = 1.0 / log10(S);
  if (tau < bound) {
    tau = bound;
    if (capped) *capped = 1;
  }
  return S / tau;
}
