/* diag/quantiles.c — sorting and the order-statistic measures: an LSD radix
 * argsort of doubles (one sort per quantity serves quantiles, ranks, folding and
 * the HDI), R's type-7 quantile, and ArviZ's highest-density interval. */
#include <math.h>
#include <string.h>

#include "diag/diag_internal.h"

/* Maps a double to an unsigned key with the same order (no NaN). */
static inline uint64_t order_key(double v) {
  uint64_t b;
  memcpy(&b, &v, sizeof b);
  return (b >> 63) ? ~b : (b | 0x8000000000000000ull);
}

/* LSD radix sort on 11-bit digits (6 passes), all histograms counted in one
 * pass; a pass whose digit is the same for every key is skipped. */
#define RADIX_BITS 11
#define RADIX_SIZE (1u << RADIX_BITS)
#define RADIX_PASSES 6
void urn__diag_argsort(urn_diag_ws *ws, const double *x, size_t n, double *vals, uint32_t *order) {
  uint64_t *ka = ws->keys, *kb = ws->keys + n;
  uint32_t *ia = order, *ib = ws->idx2;
  uint32_t(*hist)[RADIX_SIZE] = ws->hist;
  memset(hist, 0, sizeof(uint32_t) * RADIX_PASSES * RADIX_SIZE);
  for (size_t i = 0; i < n; i++) {
    uint64_t k = order_key(x[i]);
    ka[i] = k, ia[i] = (uint32_t)i;
    for (int p = 0; p < RADIX_PASSES; p++) hist[p][(k >> (p * RADIX_BITS)) & (RADIX_SIZE - 1)]++;
  }
  for (int p = 0; p < RADIX_PASSES; p++) {
    const unsigned shift = (unsigned)p * RADIX_BITS;
    uint32_t *count = hist[p];
    if (n && count[(ka[0] >> shift) & (RADIX_SIZE - 1)] == n) continue; /* every key shares this digit */
    uint32_t pos = 0;
    for (unsigned d = 0; d < RADIX_SIZE; d++) {
      uint32_t c = count[d];
      count[d] = pos;
      pos += c;
    }
    for (size_t i = 0; i < n; i++) {
      uint32_t dst = count[(ka[i] >> shift) & (RADIX_SIZE - 1)]++;
      kb[dst] = ka[i];
      ib[dst] = ia[i];
    }
    uint64_t *kt = ka;
    ka = kb, kb = kt;
    uint32_t *it = ia;
    ia = ib, ib = it;
  }
  if (ia != order) memcpy(order, ia, n * sizeof *order);
  for (size_t i = 0; i < n; i++) vals[i] = x[order[i]];
}

double urn_diag_quantile_sorted(const double *s, size_t n, double p) {
  if (n == 0 || isnan(p) || p < 0 || p > 1) return NAN;
  double h = 1.0 + (double)(n - 1) * p;
  double lo = floor(h), hi = ceil(h);
  double q = s[(size_t)lo - 1], x_hi = s[(size_t)hi - 1];
  if (h > lo && x_hi != q) {
    double g = h - lo;
    q = (1.0 - g) * q + g * x_hi; /* R's exact form */
  }
  return q;
}

void urn_diag_hdi_sorted(const double *s, size_t n, double prob, double *lo, double *hi) {
  *lo = *hi = NAN;
  if (n == 0 || !(prob > 0 && prob < 1)) return;
  size_t k = (size_t)floor(prob * (double)n);
  if (k >= n) return; /* no window (ArviZ: "Too few elements for interval calculation") */
  size_t best = 0;
  double best_w = s[k] - s[0];
  if (!isnan(best_w)) {
    for (size_t i = 1; i < n - k; i++) {
      double w = s[i + k] - s[i];
      if (isnan(w)) { /* numpy's argmin returns the first NaN */
        best = i;
        break;
      }
      if (w < best_w) best_w = w, best = i;
    }
  }
  *lo = s[best];
  *hi = s[best + k];
}
