/* tests/nuts_targets.h — targets coded in C for the sampler tests, and a sink
 * that keeps every draw in memory. */
#ifndef URN_TESTS_NUTS_TARGETS_H
#define URN_TESTS_NUTS_TARGETS_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "urn/sample.h"

#pragma GCC diagnostic ignored "-Wunused-function" /* each test uses some of these */

/* Independent normals with standard deviations sd[0..dim). */
typedef struct iid_normal {
  size_t dim;        /* coordinates */
  const double *sd;  /* standard deviations */
} iid_normal;

static int iid_normal_lp(void *ctx, const double *x, double *lp, double *g, urn_error *err) {
  const iid_normal *t = ctx;
  double s = 0;
  for (size_t i = 0; i < t->dim; i++) {
    double z = x[i] / t->sd[i];
    s -= 0.5 * z * z;
    g[i] = -z / t->sd[i];
  }
  *lp = s;
  return URN_OK;
}

/* A 2-D Gaussian with mean mu and covariance [[s1^2, r s1 s2], [r s1 s2, s2^2]]. */
typedef struct gauss2 {
  double mu[2]; /* mean */
  double s1, s2, r; /* standard deviations, correlation */
} gauss2;

static int gauss2_lp(void *ctx, const double *x, double *lp, double *g, urn_error *err) {
  const gauss2 *t = ctx;
  double a = (x[0] - t->mu[0]) / t->s1, b = (x[1] - t->mu[1]) / t->s2, q = 1 - t->r * t->r;
  *lp = -0.5 * (a * a - 2 * t->r * a * b + b * b) / q;
  g[0] = -(a - t->r * b) / q / t->s1;
  g[1] = -(b - t->r * a) / q / t->s2;
  return URN_OK;
}

/* A half-normal on x > 0 written with a rejection for x <= 0 (as a model with
 * a domain error would be): exercises URN_EREJECT inside trajectories. */
static int half_normal_reject_lp(void *ctx, const double *x, double *lp, double *g, urn_error *err) {
  if (x[0] <= 0) return urn_error_set(err, URN_EREJECT, "half_normal: x is %g, but must be positive", x[0]);
  *lp = -0.5 * x[0] * x[0];
  g[0] = -x[0];
  return URN_OK;
}

/* Neal's funnel in dim dimensions: v ~ N(0, 3), x_i ~ N(0, exp(v/2)). */
static int funnel_lp(void *ctx, const double *x, double *lp, double *g, urn_error *err) {
  size_t dim = *(const size_t *)ctx;
  double v = x[0], s = -v * v / 18.0, gv = -v / 9.0;
  for (size_t i = 1; i < dim; i++) {
    double e = exp(-v);
    s += -0.5 * x[i] * x[i] * e - 0.5 * v;
    gv += 0.5 * x[i] * x[i] * e - 0.5;
    g[i] = -x[i] * e;
  }
  g[0] = gv;
  *lp = s;
  return URN_OK;
}

/* A sink that stores draws: draws[(chain * per_chain + k) * dim + i]. */
typedef struct mem_sink {
  size_t dim;            /* coordinates */
  int per_chain;         /* kept draws per chain (capacity) */
  double *draws;         /* kept draws */
  urn_nuts_stats *stats; /* their diagnostics */
  int *count;            /* kept so far, per chain */
  double *stepsize;      /* adapted step size per chain */
  double *metric;        /* adapted inverse metric per chain (dim*dim room) */
  int rejections;        /* rejection messages received */
} mem_sink;

static int mem_draw(void *ctx, int chain, int it, int warmup, const urn_nuts_stats *st, const double *x,
                    urn_rng *rng, urn_error *err) {
  mem_sink *m = ctx;
  if (warmup) return URN_OK;
  int k = m->count[chain]++;
  if (k >= m->per_chain) return URN_OK;
  memcpy(m->draws + ((size_t)chain * m->per_chain + k) * m->dim, x, m->dim * sizeof *x);
  m->stats[(size_t)chain * m->per_chain + k] = *st;
  return URN_OK;
}

static int mem_adapted(void *ctx, int chain, double eps, const double *inv, size_t dim, urn_metric_kind kind,
                       urn_error *err) {
  mem_sink *m = ctx;
  m->stepsize[chain] = eps;
  memcpy(m->metric + (size_t)chain * dim * dim, inv, (kind == URN_METRIC_DENSE ? dim * dim : dim) * sizeof *inv);
  return URN_OK;
}

static void mem_reject(void *ctx, int chain, const char *msg) { ((mem_sink *)ctx)->rejections++; }

static void mem_sink_init(mem_sink *m, size_t dim, int chains, int per_chain) {
  memset(m, 0, sizeof *m);
  m->dim = dim, m->per_chain = per_chain;
  m->draws = calloc((size_t)chains * per_chain * dim, sizeof(double));
  m->stats = calloc((size_t)chains * per_chain, sizeof *m->stats);
  m->count = calloc((size_t)chains, sizeof(int));
  m->stepsize = calloc((size_t)chains, sizeof(double));
  m->metric = calloc((size_t)chains * dim * dim, sizeof(double));
}

static void mem_sink_free(mem_sink *m) {
  free(m->draws), free(m->stats), free(m->count), free(m->stepsize), free(m->metric);
}

static urn_sample_sink mem_sink_callbacks(mem_sink *m) {
  urn_sample_sink s;
  memset(&s, 0, sizeof s);
  s.ctx = m, s.draw = mem_draw, s.adapted = mem_adapted, s.rejection = mem_reject;
  return s;
}

/* Mean and variance of coordinate i over all kept draws. */
static void mem_moments(const mem_sink *m, int chains, size_t i, double *mean, double *var) {
  size_t n = (size_t)chains * m->per_chain;
  double s = 0, s2 = 0;
  for (size_t k = 0; k < n; k++) s += m->draws[k * m->dim + i];
  s /= n;
  for (size_t k = 0; k < n; k++) {
    double d = m->draws[k * m->dim + i] - s;
    s2 += d * d;
  }
  *mean = s, *var = s2 / (n - 1);
}

#endif
