/* hmm/hmm_em.c — EM over ragged batches of sequences: the E-step (forward-
 * backward per sequence, spread over threads, expected sufficient statistics
 * summed over the batch), the closed-form MAP M-steps of spec 6.2 / A / B.3,
 * the Newton M-step of B.7 for the regression emissions (hmm_glm.c), and
 * dynamax's fit_em loop with its trace convention (spec 6.4).
 *
 * Threads: the batch is cut into contiguous chunks of about equal total length,
 * one per thread; each thread sums its chunk's statistics in sequence order and
 * the chunks are added in thread order, so a run is reproducible for a given
 * thread count (different counts differ only by rounding). */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hmm/hmm_internal.h"
#include "math/linalg.h"
#include "util/util.h"

static int is_glm(urn_hmm_kind k) { return k == URN_HMM_LOGREG || k == URN_HMM_CATREG; }

void urn_hmm_stats_alloc(const urn_hmm_model *m, size_t n_total, urn_hmm_stats *st) {
  size_t K = (size_t)m->K, D = (size_t)m->D, M = (size_t)m->M;
  memset(st, 0, sizeof *st);
  st->initial = urn_xcalloc(K, sizeof(double));
  st->trans = urn_xcalloc(K * K, sizeof(double));
  st->sum_w = urn_xcalloc(K, sizeof(double));
  st->n_total = n_total;
  if (m->trans_M > 0) st->xi = urn_xcalloc(n_total * K * K > 0 ? n_total * K * K : 1, sizeof(double));
  switch (m->kind) {
  case URN_HMM_GAUSSIAN:
    st->sum_y = urn_xcalloc(K * D, sizeof(double));
    st->sum_yy = urn_xcalloc(K * D * D, sizeof(double));
    break;
  case URN_HMM_DIAG:
    st->sum_y = urn_xcalloc(K * D, sizeof(double));
    st->sum_yy = urn_xcalloc(K * D, sizeof(double));
    break;
  case URN_HMM_LINREG:
    st->sum_y = urn_xcalloc(K * D, sizeof(double));
    st->sum_yy = urn_xcalloc(K * D * D, sizeof(double));
    st->sum_x = urn_xcalloc(K * M, sizeof(double));
    st->sum_xx = urn_xcalloc(K * M * M, sizeof(double));
    st->sum_xy = urn_xcalloc(K * M * D, sizeof(double));
    break;
  case URN_HMM_POISSON: st->sum_y = urn_xcalloc(K * D, sizeof(double)); break;
  case URN_HMM_LOGREG:
  case URN_HMM_CATREG: st->gamma = urn_xcalloc(n_total * K > 0 ? n_total * K : 1, sizeof(double)); break;
  default: st->sum_t = urn_xcalloc(urn__hmm_family_stats_len(m), sizeof(double)); break;
  }
}

/* Scratch of one E-step thread, kept across iterations so that a long sequence
 * does not pay for fresh pages (tens of megabytes at T = 10^6) every iteration. */
typedef struct estep_work {
  double *buf;  /* E (maxT x K), c (maxT), transition counts (K x K), gamma (maxT x K) */
  size_t cap;   /* doubles allocated */
} estep_work;

/* All threads' scratch. */
typedef struct estep_pool {
  int n;              /* number of thread slots */
  estep_work *slots;  /* one per thread */
} estep_pool;

static double *pool_get(urn_hmm_stats *st, int thread, int nthreads, size_t need) {
  estep_pool *pool = st->work;
  if (!pool) {
    pool = urn_xcalloc(1, sizeof *pool);
    st->work = pool;
  }
  if (pool->n < nthreads) {
    pool->slots = urn_xrealloc(pool->slots, sizeof(estep_work) * (size_t)nthreads);
    memset(pool->slots + pool->n, 0, sizeof(estep_work) * (size_t)(nthreads - pool->n));
    pool->n = nthreads;
  }
  estep_work *w = &pool->slots[thread];
  if (w->cap < need) {
    free(w->buf);
    w->buf = urn_xmalloc(sizeof(double) * need);
    w->cap = need;
  }
  return w->buf;
}

static void pool_free(urn_hmm_stats *st) {
  estep_pool *pool = st->work;
  if (!pool) return;
  for (int i = 0; i < pool->n; i++) free(pool->slots[i].buf);
  free(pool->slots);
  free(pool);
  st->work = NULL;
}

void urn_hmm_stats_free(urn_hmm_stats *st) {
  pool_free(st);
  free(st->initial);
  free(st->trans);
  free(st->sum_w);
  free(st->sum_y);
  free(st->sum_yy);
  free(st->sum_x);
  free(st->sum_xx);
  free(st->sum_xy);
  free(st->gamma);
  free(st->xi);
  free(st->sum_t);
  memset(st, 0, sizeof *st);
}

/* Adds the statistics of one smoothed sequence into st (the 1-D Gaussian case is
 * fused into the backward pass instead, see estep_run); p: the parameters of the
 * E-step (NULL for a hard partition; only the Student-t weights use them). */
static void accumulate(const urn_hmm_model *m, const urn_hmm_params *p, const urn_hmm_seq *s, const double *g,
                       urn_hmm_stats *st) {
  int K = m->K, D = m->D, M = m->M;
  size_t T = s->T;
  for (int k = 0; k < K; k++) st->initial[k] += g[k];
  if (urn__hmm_is_family(m->kind)) {
    for (size_t t = 0; t < T; t++)
      for (int k = 0; k < K; k++) st->sum_w[k] += g[t * K + k];
    urn__hmm_family_accumulate(m, p, T, s->y, g, st);
    return;
  }
  for (size_t t = 0; t < T; t++) {
    const double *gt = g + t * K;
    const double *y = s->y + t * D;
    const double *x = s->x ? s->x + t * M : NULL;
    for (int k = 0; k < K; k++) {
      double w = gt[k];
      st->sum_w[k] += w;
      if (w == 0.0) continue;
      switch (m->kind) {
      case URN_HMM_GAUSSIAN:
      case URN_HMM_LINREG: {
        double *sy = st->sum_y + (size_t)k * D, *syy = st->sum_yy + (size_t)k * D * D;
        for (int d = 0; d < D; d++) {
          double wy = w * y[d];
          sy[d] += wy;
          for (int e = 0; e < D; e++) syy[d * D + e] += wy * y[e];
        }
        if (m->kind == URN_HMM_LINREG) {
          double *sx = st->sum_x + (size_t)k * M, *sxx = st->sum_xx + (size_t)k * M * M;
          double *sxy = st->sum_xy + (size_t)k * M * D;
          for (int i = 0; i < M; i++) {
            double wx = w * x[i];
            sx[i] += wx;
            for (int j = 0; j < M; j++) sxx[i * M + j] += wx * x[j];
            for (int d = 0; d < D; d++) sxy[i * D + d] += wx * y[d];
          }
        }
        break;
      }
      case URN_HMM_DIAG: {
        double *sy = st->sum_y + (size_t)k * D, *syy = st->sum_yy + (size_t)k * D;
        for (int d = 0; d < D; d++) {
          sy[d] += w * y[d];
          syy[d] += w * y[d] * y[d];
        }
        break;
      }
      case URN_HMM_POISSON: {
        double *sy = st->sum_y + (size_t)k * D;
        for (int d = 0; d < D; d++) sy[d] += w * y[d];
        break;
      }
      default: break;
      }
    }
  }
}

/* Work shared by the E-step threads. */
typedef struct estep_job {
  const urn_hmm_model *m;    /* model */
  const urn_hmm_params *p;   /* current parameters */
  const urn_hmm_seq *seqs;   /* the batch */
  size_t first, last;        /* this thread's sequences [first, last) */
  const size_t *offset;      /* start of each sequence in the pooled gamma (GLM kinds) */
  urn_hmm_stats st;          /* this thread's partial statistics (gamma points into the shared array) */
  double *per_seq;           /* per-sequence log likelihoods (shared, disjoint entries) */
  int rc;                    /* status */
  urn_error err;             /* message when rc != URN_OK */
  size_t maxT;               /* longest sequence of the chunk */
  double *scratch;           /* this thread's workspace (from the stats' pool) */
} estep_job;

/* family_estep for the categorical emission: log probabilities by state and class, counts by state and class. */
static int family_estep_categorical(estep_job *j, const urn_hmm_seq *s, double *F, double *H, double *tr, double *sw,
                                    double *init, size_t b) {
  const urn_hmm_model *m = j->m;
  int K = m->K, C = m->C;
  size_t KC = (size_t)K * C, bad;
  double *lp = urn_xmalloc(sizeof(double) * 2 * KC), *cnt = lp + KC;
  for (size_t i = 0; i < KC; i++) lp[i] = j->p->probs[i] > 0 ? log(j->p->probs[i]) : -INFINITY, cnt[i] = 0.0;
  double ll = urn__hmm_estep_categorical(K, C, s->T, j->p->initial_probs, j->p->transition_matrix, s->y, lp, F, H, tr,
                                         init, sw, cnt, &bad);
  int rc = 0;
  if (ll == -INFINITY) {
    j->rc = urn_error_set(&j->err, URN_EINPUT, "hmm: sequence %zu, time %zu has probability 0 under every state", b, bad);
    rc = -1;
  } else if (isnan(ll)) {
    rc = 1;
  } else {
    if (j->per_seq) j->per_seq[b] = ll;
    j->st.loglik += ll;
    for (size_t i = 0; i < (size_t)K * K; i++) j->st.trans[i] += tr[i];
    for (int k = 0; k < K; k++) j->st.initial[k] += init[k], j->st.sum_w[k] += sw[k];
    for (size_t i = 0; i < KC; i++) j->st.sum_t[i] += cnt[i]; /* S = C statistics per state */
  }
  free(lp);
  return rc;
}

/* The fused E-step of one sequence of a one-dimensional exponential, gamma, lognormal, beta or categorical
 * model (urn__hmm_family_linear, urn__hmm_estep_linear, urn__hmm_estep_categorical): F and H as the Gaussian's, f1 and f2 (T each) for the logs
 * of y.  Returns 0 when done, 1 when the general path must do it (no fused form, or a normaliser out of
 * range), -1 on an error (j->rc, j->err). */
static int family_estep(estep_job *j, const urn_hmm_seq *s, double *F, double *H, double *f1, double *tr, double *f2,
                        size_t b) {
  const urn_hmm_model *m = j->m;
  int K = m->K, S = urn__hmm_family_nstats(m);
  double a[URN_HMM_STACK_K], bb[URN_HMM_STACK_K], c[URN_HMM_STACK_K], su[URN_HMM_STACK_K], sv[URN_HMM_STACK_K];
  double sw[URN_HMM_STACK_K], init[URN_HMM_STACK_K], offset;
  const double *u, *v;
  size_t bad;
  int form = m->kind == URN_HMM_CATEGORICAL ? 3 : urn__hmm_family_linear(m, j->p, s, f1, f2, &u, &v, a, bb, c, &offset,
                                                                          &j->err);
  if (form < 0) return j->rc = -form, -1;
  if (form == 1) return 1;
  for (int k = 0; k < K; k++) su[k] = sv[k] = sw[k] = init[k] = 0.0;
  if (form == 3) return family_estep_categorical(j, s, F, H, tr, sw, init, b);
  double ll = form == 2 ? urn__hmm_estep_gauss1(K, s->T, j->p->initial_probs, j->p->transition_matrix, u, a, bb, c, F,
                                                H, tr, init, sw, su, sv, &bad)
                        : urn__hmm_estep_linear(K, s->T, j->p->initial_probs, j->p->transition_matrix, u, v, a, bb, c,
                                                F, H, tr, init, sw, su, sv, &bad);
  if (ll == -INFINITY) {
    j->rc = urn_error_set(&j->err, URN_EINPUT, "hmm: sequence %zu, time %zu has probability 0 under every state", b, bad);
    return -1;
  }
  if (isnan(ll)) return 1;
  ll += offset;
  if (j->per_seq) j->per_seq[b] = ll;
  j->st.loglik += ll;
  for (size_t i = 0; i < (size_t)K * K; i++) j->st.trans[i] += tr[i];
  for (int k = 0; k < K; k++) {
    j->st.initial[k] += init[k];
    j->st.sum_w[k] += sw[k];
    j->st.sum_t[(size_t)k * S] += su[k];
    if (S > 1) j->st.sum_t[(size_t)k * S + 1] += sv[k];
  }
  return 0;
}

static void *estep_run(void *arg) {
  estep_job *j = arg;
  const urn_hmm_model *m = j->m;
  int K = m->K;
  double *E = j->scratch;
  double *c = E + j->maxT * K, *tr = c + j->maxT;
  double *gbuf = is_glm(m->kind) ? NULL : tr + (size_t)K * K;
  j->rc = URN_OK;
  for (size_t b = j->first; b < j->last; b++) {
    const urn_hmm_seq *s = &j->seqs[b];
    double *g = gbuf ? gbuf : j->st.gamma + j->offset[b] * K;
    int fused = m->kind == URN_HMM_GAUSSIAN && m->D == 1 && m->trans_M <= 0;
    int family_fused = urn__hmm_is_family(m->kind) && m->D == 1 && m->trans_M <= 0;
    size_t bad;
    if (fused && K <= URN_HMM_STACK_K) { /* the whole E-step in two fused passes (hmm_kernels.c) */
      double mu[URN_HMM_STACK_K], hp[URN_HMM_STACK_K], cs[URN_HMM_STACK_K];
      int rc = urn__hmm_gauss1_terms(m, j->p, mu, hp, cs, &j->err);
      if (rc) {
        j->rc = rc;
        break;
      }
      double ll = urn__hmm_estep_gauss1(K, s->T, j->p->initial_probs, j->p->transition_matrix, s->y, mu, hp, cs, g,
                                        E, tr, j->st.initial, j->st.sum_w, j->st.sum_y, j->st.sum_yy, &bad);
      if (ll == -INFINITY) {
        j->rc = urn_error_set(&j->err, URN_EINPUT,
                              "hmm: sequence %zu, time %zu has probability 0 under every state", b, bad);
        break;
      }
      if (!isnan(ll)) {
        if (j->per_seq) j->per_seq[b] = ll;
        j->st.loglik += ll;
        for (size_t i = 0; i < (size_t)K * K; i++) j->st.trans[i] += tr[i];
        continue;
      }
      /* a normaliser out of range: the general path below handles it */
    }
    if (family_fused && K <= URN_HMM_STACK_K) { /* exponential, gamma, lognormal, beta: fused too */
      int rc = family_estep(j, s, g, E, c, tr, tr + (size_t)K * K + j->maxT * K, b);
      if (rc < 0) break;
      if (rc == 0) continue;
      /* a normaliser out of range: the general path below handles it */
    }
    int rc = urn_hmm_emission_logliks(m, j->p, s, E, &j->err);
    if (rc) {
      j->rc = rc;
      break;
    }
    double ll = m->trans_M > 0 /* input-driven transitions: a matrix per step (hmm_trans.c) */
                    ? urn__hmm_trans_fb(m, j->p, s, E, g, c, tr, j->st.xi + j->offset[b] * K * K, &bad)
                    : urn__hmm_forward(K, s->T, j->p->initial_probs, j->p->transition_matrix, E, g, c, NULL, &bad);
    if (ll == -INFINITY) {
      j->rc = urn_error_set(&j->err, URN_EINPUT,
                            "hmm: sequence %zu, time %zu has probability 0 under every state", b, bad);
      break;
    }
    if (fused)
      urn__hmm_backward_stats1(K, s->T, j->p->transition_matrix, E, g, c, tr, s->y, j->st.sum_w, j->st.sum_y,
                               j->st.sum_yy);
    else if (m->trans_M <= 0) /* (the input-driven pass above was already a whole forward-backward) */
      urn__hmm_backward(K, s->T, j->p->transition_matrix, E, g, c, tr);
    if (j->per_seq) j->per_seq[b] = ll;
    j->st.loglik += ll;
    for (size_t i = 0; i < (size_t)K * K; i++) j->st.trans[i] += tr[i];
    if (is_glm(m->kind)) {
      for (int k = 0; k < K; k++) j->st.initial[k] += g[k];
      for (size_t t = 0; t < s->T; t++)
        for (int k = 0; k < K; k++) j->st.sum_w[k] += g[t * K + k];
    } else if (fused) {
      for (int k = 0; k < K; k++) j->st.initial[k] += g[k];
    } else {
      accumulate(m, j->p, s, g, &j->st);
    }
  }
  return NULL;
}

/* The summable fields of st (NULL where the model has none) into f and their lengths into n (URN__HMM_NSUM each);
 * also what the MPI layer sends between ranks (mpi/mpi_hmm.c). */
void urn__hmm_stats_fields(const urn_hmm_model *m, const urn_hmm_stats *st, double **f, size_t *n) {
  size_t K = (size_t)m->K, D = (size_t)m->D, M = (size_t)m->M;
  double *fs[URN__HMM_NSUM] = {st->initial, st->trans, st->sum_w, st->sum_y, st->sum_yy, st->sum_x, st->sum_xx,
                               st->sum_xy, st->sum_t};
  size_t ns[URN__HMM_NSUM] = {K, K * K, K, K * D, m->kind == URN_HMM_DIAG ? K * D : K * D * D, K * M, K * M * M,
                              K * M * D, st->sum_t ? urn__hmm_family_stats_len(m) : 0};
  memcpy(f, fs, sizeof fs);
  memcpy(n, ns, sizeof ns);
}

/* Adds the summable fields of b into a. */
static void stats_add(const urn_hmm_model *m, urn_hmm_stats *a, const urn_hmm_stats *b) {
  double *fa[URN__HMM_NSUM], *fb[URN__HMM_NSUM];
  size_t n[URN__HMM_NSUM];
  urn__hmm_stats_fields(m, a, fa, n);
  urn__hmm_stats_fields(m, b, fb, n);
  for (int j = 0; j < URN__HMM_NSUM; j++)
    if (fa[j])
      for (size_t i = 0; i < n[j]; i++) fa[j][i] += fb[j][i];
  a->loglik += b->loglik;
}

static void stats_zero(const urn_hmm_model *m, urn_hmm_stats *st) {
  double *f[URN__HMM_NSUM];
  size_t n[URN__HMM_NSUM];
  urn__hmm_stats_fields(m, st, f, n);
  for (int j = 0; j < URN__HMM_NSUM; j++)
    if (f[j]) memset(f[j], 0, sizeof(double) * n[j]);
  st->loglik = 0.0;
}

int urn_hmm_e_step(const urn_hmm_model *m, const urn_hmm_params *p, const urn_hmm_seq *seqs,
                   size_t nseq, int nthreads, urn_hmm_stats *st, double *per_seq, urn_error *err) {
  if (nseq == 0) return urn_error_set(err, URN_EINPUT, "hmm: no sequences");
  size_t total = 0;
  size_t *offset = urn_xmalloc(sizeof(size_t) * nseq);
  for (size_t b = 0; b < nseq; b++) {
    offset[b] = total;
    total += seqs[b].T;
  }
  if (nthreads < 1) nthreads = 1;
  if ((size_t)nthreads > nseq) nthreads = (int)nseq;
  stats_zero(m, st);
  int K = m->K;
  estep_job *jobs = urn_xcalloc((size_t)nthreads, sizeof(estep_job));
  /* contiguous chunks of about total/nthreads time steps */
  size_t b = 0;
  for (int i = 0; i < nthreads; i++) {
    estep_job *j = &jobs[i];
    j->m = m;
    j->p = p;
    j->seqs = seqs;
    j->offset = offset;
    j->per_seq = per_seq;
    j->first = b;
    size_t target = total * (size_t)(i + 1) / (size_t)nthreads, acc = b < nseq ? offset[b] : total;
    while (b < nseq && (acc < target || b == j->first)) {
      acc += seqs[b].T;
      b++;
    }
    if (i == nthreads - 1) b = nseq;
    j->last = b;
    for (size_t q = j->first; q < j->last; q++)
      if (seqs[q].T > j->maxT) j->maxT = seqs[q].T;
    j->scratch = pool_get(st, i, nthreads, j->maxT * (2 * (size_t)K + 2) + (size_t)K * K + 1);
    if (i == 0) {
      j->st = *st; /* thread 0 accumulates straight into the output */
    } else {
      urn_hmm_stats_alloc(m, 0, &j->st);
      free(j->st.gamma);
      j->st.work = NULL;
      j->st.gamma = st->gamma;
      free(j->st.xi);
      j->st.xi = st->xi;
    }
  }
  pthread_t *tid = urn_xcalloc((size_t)nthreads, sizeof(pthread_t));
  int *started = urn_xcalloc((size_t)nthreads, sizeof(int));
  for (int i = 1; i < nthreads; i++)
    started[i] = pthread_create(&tid[i], NULL, estep_run, &jobs[i]) == 0;
  estep_run(&jobs[0]);
  for (int i = 1; i < nthreads; i++) {
    if (started[i]) pthread_join(tid[i], NULL);
    else estep_run(&jobs[i]);
  }
  int rc = URN_OK;
  /* thread 0 wrote into st's arrays directly; its log likelihood comes first */
  double ll = jobs[0].st.loglik;
  for (int i = 1; i < nthreads; i++) ll += jobs[i].st.loglik;
  for (int i = 0; i < nthreads; i++) {
    if (jobs[i].rc && !rc) {
      rc = jobs[i].rc;
      if (err) *err = jobs[i].err;
    }
    if (i > 0) {
      stats_add(m, st, &jobs[i].st);
      jobs[i].st.gamma = NULL;
      jobs[i].st.xi = NULL;
      urn_hmm_stats_free(&jobs[i].st);
    }
  }
  st->loglik = ll;
  st->n_total = total;
  free(tid);
  free(started);
  free(jobs);
  free(offset);
  return rc;
}

int urn_hmm_loglik(const urn_hmm_model *m, const urn_hmm_params *p, const urn_hmm_seq *seqs,
                   size_t nseq, int nthreads, double *per_seq, double *total, urn_error *err) {
  urn_hmm_stats st;
  size_t n = 0;
  for (size_t b = 0; b < nseq; b++) n += seqs[b].T;
  urn_hmm_stats_alloc(m, n, &st);
  int rc = urn_hmm_e_step(m, p, seqs, nseq, nthreads, &st, per_seq, err);
  if (total) *total = st.loglik;
  urn_hmm_stats_free(&st);
  return rc;
}

/* Dirichlet mode of conc + counts into out; error when an entry is < 1.  Entries of
 * exactly 1 (a concentration of 1 with no expected count) get probability 0; a row
 * whose entries are all 1 (no counts at all, e.g. a state never visited) keeps its
 * current values in out. */
static int dirichlet_mode(int K, const double *conc, const double *counts, double *out,
                          const char *what, int row, int iteration, urn_error *err) {
  double s = 0.0;
  for (int k = 0; k < K; k++) {
    double a = conc[k] + counts[k];
    if (!(a >= 1.0)) {
      if (row >= 0)
        return urn_error_set(err, URN_EINPUT,
                             "hmm M-step (iteration %d): the Dirichlet mode of %s row %d is undefined "
                             "(concentration + count = %g < 1 for state %d); use a concentration >= 1",
                             iteration, what, row, a, k);
      return urn_error_set(err, URN_EINPUT,
                           "hmm M-step (iteration %d): the Dirichlet mode of %s is undefined "
                           "(concentration + count = %g < 1 for state %d); use a concentration >= 1",
                           iteration, what, a, k);
    }
    s += a - 1.0;
  }
  if (!(s > 0.0)) return URN_OK;
  for (int k = 0; k < K; k++) out[k] = (conc[k] + counts[k] - 1.0) / s;
  return URN_OK;
}

/* Expected counts below this leave a state's emission parameters unchanged under
 * maximum likelihood (there is nothing to estimate them from). */
#define EMPTY_COUNT 1e-10

/* Maximum-likelihood Gaussian/diagonal M-step of state k: weighted mean and
 * (co)variance, variances floored at m->var_floor. */
static void ml_gaussian_state(const urn_hmm_model *m, const urn_hmm_stats *st, urn_hmm_params *p, int k) {
  int D = m->D, diag = m->kind == URN_HMM_DIAG;
  double N = st->sum_w[k];
  if (!(N > EMPTY_COUNT)) return;
  const double *sy = st->sum_y + (size_t)k * D;
  double *mu = p->means + (size_t)k * D;
  for (int d = 0; d < D; d++) mu[d] = sy[d] / N;
  if (diag) {
    for (int d = 0; d < D; d++) {
      double v = st->sum_yy[(size_t)k * D + d] / N - mu[d] * mu[d];
      if (!(v > m->var_floor)) v = m->var_floor;
      p->scale_diags[(size_t)k * D + d] = sqrt(v);
    }
    return;
  }
  const double *syy = st->sum_yy + (size_t)k * D * D;
  double *S = p->covs + (size_t)k * D * D;
  for (int d = 0; d < D; d++)
    for (int e = 0; e <= d; e++) S[d * D + e] = S[e * D + d] = 0.5 * (syy[d * D + e] + syy[e * D + d]) / N - mu[d] * mu[e];
  for (int d = 0; d < D; d++)
    if (!(S[d * D + d] > m->var_floor)) S[d * D + d] = m->var_floor;
}

/* The shared covariance (diag: variances) of the ML M-step: each state's ML
 * (co)variance weighted by its expected count, the pooled within-state scatter
 * over N; floored, and copied to every state. */
static void share_cov(const urn_hmm_model *m, const urn_hmm_stats *st, urn_hmm_params *p) {
  int K = m->K, D = m->D, diag = m->kind == URN_HMM_DIAG;
  size_t n = diag ? (size_t)D : (size_t)D * D;
  double *S = urn_xcalloc(n, sizeof(double)), W = 0.0;
  for (int k = 0; k < K; k++) {
    double N = st->sum_w[k];
    if (!(N > EMPTY_COUNT)) continue;
    W += N;
    for (size_t i = 0; i < n; i++) {
      double v = diag ? p->scale_diags[(size_t)k * D + i] * p->scale_diags[(size_t)k * D + i] : p->covs[(size_t)k * n + i];
      S[i] += N * v;
    }
  }
  if (W > 0) {
    for (size_t i = 0; i < n; i++) S[i] /= W;
    for (int d = 0; d < D; d++) {
      double *v = diag ? &S[d] : &S[(size_t)d * D + d];
      if (!(*v > m->var_floor)) *v = m->var_floor;
    }
    for (int k = 0; k < K; k++)
      for (size_t i = 0; i < n; i++) {
        if (diag) p->scale_diags[(size_t)k * D + i] = sqrt(S[i]);
        else p->covs[(size_t)k * n + i] = S[i];
      }
  }
  free(S);
}

static int m_step_linreg(const urn_hmm_model *m, const urn_hmm_stats *st, urn_hmm_params *p,
                         int iteration, urn_error *err) {
  if (m->shared_coef || m->shared_cov) return urn__hmm_linreg_joint_m_step(m, st, p, iteration, err); /* hmm_linreg.c */
  int K = m->K, D = m->D, M = m->M, n = M + 1;
  double *G = urn_xmalloc(sizeof(double) * ((size_t)2 * n * n + (size_t)n * D + n + (size_t)D * D * 2));
  double *L = G + n * n, *H = L + n * n, *col = H + n * D, *S = col + n, *LS = S + D * D;
  int rc = URN_OK;
  double floor_ = m->cov_floor;
  for (int k = 0; k < K && !rc; k++) {
    double N = st->sum_w[k];
    const double *sxx = st->sum_xx + (size_t)k * M * M, *sx = st->sum_x + (size_t)k * M;
    const double *sxy = st->sum_xy + (size_t)k * M * D, *sy = st->sum_y + (size_t)k * D;
    const double *syy = st->sum_yy + (size_t)k * D * D;
    for (int i = 0; i < M; i++) {
      for (int j = 0; j < M; j++) G[i * n + j] = sxx[i * M + j];
      G[i * n + M] = G[M * n + i] = sx[i];
      for (int d = 0; d < D; d++) H[i * D + d] = sxy[i * D + d];
    }
    G[M * n + M] = N;
    for (int d = 0; d < D; d++) H[M * D + d] = sy[d];
    if (floor_ > 0)
      for (int i = 0; i < n; i++) G[i * n + i] += floor_;
    if (urn_cholesky_tol(L, G, n, 1e-13)) {
      rc = urn_error_set(err, URN_EINPUT,
                         "hmm linreg M-step (iteration %d): state %d has a singular weighted design "
                         "(expected count %.3g; its inputs do not span %d dimensions); "
                         "use fewer states, a different initialization, or --cov-floor",
                         iteration, k, N, n);
      break;
    }
    /* Ab^T = G^-1 H, column by column (one column per emission dimension) */
    double *Ab = urn_xmalloc(sizeof(double) * (size_t)D * n);
    for (int d = 0; d < D; d++) {
      for (int i = 0; i < n; i++) col[i] = H[i * D + d];
      urn_cholesky_solve(L, col, n, 1);
      for (int i = 0; i < n; i++) Ab[d * n + i] = col[i];
    }
    for (int d = 0; d < D; d++)
      for (int e = 0; e < D; e++) {
        double v = syy[d * D + e];
        for (int i = 0; i < n; i++) v -= Ab[d * n + i] * H[i * D + e];
        S[d * D + e] = N > 0 ? v / N : 0.0;
      }
    for (int d = 0; d < D; d++)
      for (int e = 0; e < d; e++) S[d * D + e] = S[e * D + d] = 0.5 * (S[d * D + e] + S[e * D + d]);
    if (floor_ > 0)
      for (int d = 0; d < D; d++) S[d * D + d] += floor_;
    int finite = 1;
    for (int i = 0; i < D * D; i++) finite &= isfinite(S[i]);
    for (int i = 0; i < D * n; i++) finite &= isfinite(Ab[i]);
    if (!finite || urn_cholesky_tol(LS, S, D, 1e-14)) {
      free(Ab);
      rc = urn_error_set(err, URN_EINPUT,
                         "hmm linreg M-step (iteration %d): the covariance of state %d is singular "
                         "(expected count %.3g; the state fits its points exactly); "
                         "use fewer states, a different initialization, or --cov-floor",
                         iteration, k, N);
      break;
    }
    for (int d = 0; d < D; d++) {
      for (int j = 0; j < M; j++) p->weights[((size_t)k * D + d) * M + j] = Ab[d * n + j];
      p->biases[(size_t)k * D + d] = Ab[d * n + M];
    }
    memcpy(p->covs + (size_t)k * D * D, S, sizeof(double) * D * D);
    free(Ab);
  }
  free(G);
  return rc;
}

static int m_step_gaussian(const urn_hmm_model *m, const urn_hmm_stats *st, urn_hmm_params *p,
                           int iteration, urn_error *err) {
  int K = m->K, D = m->D;
  if (m->no_prior & URN_HMM_FREEZE_EMISSIONS) {
    for (int k = 0; k < K; k++) ml_gaussian_state(m, st, p, k);
    if (m->shared_cov) share_cov(m, st, p);
    for (int k = 0; k < K; k++) {
      double *L = urn_xmalloc(sizeof(double) * (size_t)D * D);
      int bad = urn_cholesky(L, p->covs + (size_t)k * D * D, D);
      free(L);
      if (bad)
        return urn_error_set(err, URN_EINPUT,
                             "hmm gaussian M-step (iteration %d): the covariance of state %d is singular "
                             "(expected count %.3g; its points lie in a lower-dimensional space); use fewer "
                             "states or a prior", iteration, k, st->sum_w[k]);
    }
    return URN_OK;
  }
  double k0 = m->kappa0, nu0 = D + m->extra_df;
  const double *mu0 = m->prior_mean;
  double *S = urn_xmalloc(sizeof(double) * ((size_t)2 * D * D + D));
  double *L = S + D * D, *mun = L + D * D;
  int rc = URN_OK;
  for (int k = 0; k < K; k++) {
    double N = st->sum_w[k], kn = k0 + N, nun = nu0 + N;
    const double *sy = st->sum_y + (size_t)k * D, *syy = st->sum_yy + (size_t)k * D * D;
    for (int d = 0; d < D; d++) mun[d] = (k0 * mu0[d] + sy[d]) / kn;
    for (int d = 0; d < D; d++)
      for (int e = 0; e < D; e++)
        S[d * D + e] = (m->prior_scale[d * D + e] + syy[d * D + e] + k0 * mu0[d] * mu0[e] - kn * mun[d] * mun[e]) /
                       (nun + D + 2.0);
    for (int d = 0; d < D; d++)
      for (int e = 0; e < d; e++) S[d * D + e] = S[e * D + d] = 0.5 * (S[d * D + e] + S[e * D + d]);
    for (int d = 0; d < D; d++)
      if (S[d * D + d] < m->var_floor) S[d * D + d] = m->var_floor;
    if (urn_cholesky(L, S, D)) {
      rc = urn_error_set(err, URN_EINPUT,
                         "hmm gaussian M-step (iteration %d): the covariance of state %d is not positive "
                         "definite (the prior scale must be positive definite)", iteration, k);
      break;
    }
    memcpy(p->means + (size_t)k * D, mun, sizeof(double) * D);
    memcpy(p->covs + (size_t)k * D * D, S, sizeof(double) * D * D);
  }
  free(S);
  return rc;
}

int urn_hmm_m_step(const urn_hmm_model *m, const urn_hmm_stats *st, const urn_hmm_seq *seqs,
                   size_t nseq, urn_hmm_params *p, int iteration, urn_error *err) {
  return urn__hmm_m_step_r(m, st, seqs, nseq, p, iteration, NULL, err);
}

int urn__hmm_m_step_r(const urn_hmm_model *m, const urn_hmm_stats *st, const urn_hmm_seq *seqs, size_t nseq,
                      urn_hmm_params *p, int iteration, const urn__hmm_reducer *red, urn_error *err) {
  int K = m->K, D = m->D, rc;
  double *conc = urn_xmalloc(sizeof(double) * (size_t)K);
  double *newA = NULL, *newpi = NULL;
  if (!(m->frozen & URN_HMM_FREEZE_INITIAL)) {
    newpi = urn_xmalloc(sizeof(double) * (size_t)K);
    if (K == 1) newpi[0] = 1.0;
    else {
      for (int k = 0; k < K; k++) conc[k] = m->no_prior & URN_HMM_FREEZE_INITIAL ? 1.0 : m->initial_conc;
      memcpy(newpi, p->initial_probs, sizeof(double) * K);
      if ((rc = dirichlet_mode(K, conc, st->initial, newpi, "initial_probs", -1, iteration, err))) goto fail;
    }
  }
  if (!(m->frozen & URN_HMM_FREEZE_TRANSITIONS) && m->trans_M > 0) { /* hmm_trans.c: Newton per origin state */
    if ((rc = urn__hmm_trans_m_step(m, st, seqs, nseq, p, iteration, red, err))) goto fail;
  } else if (!(m->frozen & URN_HMM_FREEZE_TRANSITIONS)) {
    newA = urn_xmalloc(sizeof(double) * (size_t)K * K);
    if (K == 1) newA[0] = 1.0;
    else
      for (int j = 0; j < K; j++) {
        int ml = m->no_prior & URN_HMM_FREEZE_TRANSITIONS;
        for (int k = 0; k < K; k++) conc[k] = ml ? 1.0 : m->trans_conc + (j == k ? m->stickiness : 0.0);
        memcpy(newA + (size_t)j * K, p->transition_matrix + (size_t)j * K, sizeof(double) * K);
        if ((rc = dirichlet_mode(K, conc, st->trans + (size_t)j * K, newA + (size_t)j * K, "transition_matrix", j,
                                 iteration, err)))
          goto fail;
      }
  }
  if (!(m->frozen & URN_HMM_FREEZE_EMISSIONS)) {
    switch (m->kind) {
    case URN_HMM_GAUSSIAN: rc = m_step_gaussian(m, st, p, iteration, err); break;
    case URN_HMM_LINREG: rc = m_step_linreg(m, st, p, iteration, err); break;
    case URN_HMM_DIAG: {
      double k0 = m->kappa0, a0 = m->ig_shape, b0 = m->ig_scale;
      rc = URN_OK;
      if (m->no_prior & URN_HMM_FREEZE_EMISSIONS) {
        for (int k = 0; k < K; k++) ml_gaussian_state(m, st, p, k);
        if (m->shared_cov) share_cov(m, st, p);
        break;
      }
      for (int k = 0; k < K; k++)
        for (int d = 0; d < D; d++) {
          size_t i = (size_t)k * D + d;
          double N = st->sum_w[k], kn = k0 + N, mu0 = m->prior_mean[d];
          double mun = (k0 * mu0 + st->sum_y[i]) / kn;
          double an = a0 + 0.5 * N, bn = b0 + 0.5 * (st->sum_yy[i] + k0 * mu0 * mu0 - kn * mun * mun);
          double v = bn / (an + 1.5);
          if (v < m->var_floor) v = m->var_floor;
          p->means[i] = mun;
          p->scale_diags[i] = sqrt(v > 0 ? v : 0.0);
        }
      rc = URN_OK;
      break;
    }
    case URN_HMM_POISSON: {
      rc = URN_OK;
      if (m->no_prior & URN_HMM_FREEZE_EMISSIONS) {
        for (int k = 0; k < K; k++)
          for (int d = 0; d < D && st->sum_w[k] > EMPTY_COUNT; d++) {
            double r = st->sum_y[(size_t)k * D + d] / st->sum_w[k];
            p->rates[(size_t)k * D + d] = r > 1e-300 ? r : 1e-300;
          }
        break;
      }
      for (int k = 0; k < K && !rc; k++)
        for (int d = 0; d < D; d++) {
          size_t i = (size_t)k * D + d;
          double an = m->rate_shape + st->sum_y[i];
          if (!(an >= 1.0)) {
            rc = urn_error_set(err, URN_EINPUT,
                               "hmm poisson M-step (iteration %d): the Gamma mode of state %d's rate is undefined "
                               "(shape %g + counts <= 1); use emission_prior_concentration > 1",
                               iteration, k, m->rate_shape);
            break;
          }
          double r = (an - 1.0) / (m->rate_rate + st->sum_w[k]);
          p->rates[i] = r > 1e-300 ? r : 1e-300;
        }
      break;
    }
    default: rc = urn__hmm_family_m_step(m, st, p, iteration, err); break;
    case URN_HMM_LOGREG:
    case URN_HMM_CATREG: {
      int M = m->M, n1 = M + 1, C = m->C;
      int ntheta = m->kind == URN_HMM_LOGREG ? n1 : C * n1;
      double *N = urn_xmalloc(sizeof(double) * (size_t)n1 * n1);
      double *theta = urn_xmalloc(sizeof(double) * (size_t)ntheta);
      int r = urn__flat_directions(M, seqs, nseq, red, N);
      rc = URN_OK;
      for (int k = 0; k < K; k++) {
        if (m->kind == URN_HMM_LOGREG) {
          memcpy(theta, p->weights + (size_t)k * M, sizeof(double) * M);
          theta[M] = p->biases[k];
        } else
          for (int c = 0; c < C; c++) {
            memcpy(theta + c * n1, p->weights + ((size_t)k * C + c) * M, sizeof(double) * M);
            theta[c * n1 + M] = p->biases[(size_t)k * C + c];
          }
        char warn[256];
        warn[0] = 0;
        urn__newton_state(m, seqs, nseq, st->gamma + k, K, N, r, theta, red, warn, sizeof warn);
        if (warn[0] && m->warn) {
          char msg[400];
          snprintf(msg, sizeof msg, "hmm %s M-step (iteration %d), state %d: %s", urn_hmm_kind_name(m->kind),
                   iteration, k, warn);
          m->warn(m->warn_ctx, msg);
        }
        if (m->kind == URN_HMM_LOGREG) {
          memcpy(p->weights + (size_t)k * M, theta, sizeof(double) * M);
          p->biases[k] = theta[M];
        } else
          for (int c = 0; c < C; c++) {
            memcpy(p->weights + ((size_t)k * C + c) * M, theta + c * n1, sizeof(double) * M);
            p->biases[(size_t)k * C + c] = theta[c * n1 + M];
          }
        for (int i = 0; i < ntheta; i++)
          if (!isfinite(theta[i])) {
            rc = urn_error_set(err, URN_EINPUT,
                               "hmm %s M-step (iteration %d): state %d's weights diverged (separable data)",
                               urn_hmm_kind_name(m->kind), iteration, k);
            break;
          }
        if (rc) break;
      }
      free(N);
      free(theta);
      break;
    }
    }
    if (rc) goto fail;
  }
  if (newpi) memcpy(p->initial_probs, newpi, sizeof(double) * K);
  if (newA) memcpy(p->transition_matrix, newA, sizeof(double) * K * K);
  rc = URN_OK;
fail:
  free(conc);
  free(newpi);
  free(newA);
  return rc;
}

int urn__hmm_fit_em_hook(const urn_hmm_model *m, urn_hmm_params *p, const urn_hmm_seq *seqs, size_t nseq,
                         const urn_hmm_fit_opts *opts, double *trace, int *n_done, int *converged,
                         int (*hook)(void *ctx, int iteration, double log_joint), void *ctx, urn_error *err) {
  int rc;
  if (converged) *converged = 0;
  if (nseq == 0) return urn_error_set(err, URN_EINPUT, "hmm: no sequences to fit");
  for (size_t b = 0; b < nseq; b++)
    if ((rc = urn_hmm_seq_check(m, &seqs[b], b, err))) return rc;
  if ((rc = urn_hmm_params_check(m, p, err))) return rc;
  size_t n = 0;
  for (size_t b = 0; b < nseq; b++) n += seqs[b].T;
  urn_hmm_stats st;
  urn_hmm_stats_alloc(m, n, &st);
  int done = 0;
  for (int i = 0; i < opts->num_iters; i++) {
    if (opts->stop && __atomic_load_n(opts->stop, __ATOMIC_RELAXED)) {
      rc = urn_error_set(err, URN_EINTR, "interrupted after %d EM iterations", i);
      break;
    }
    rc = urn_hmm_e_step(m, p, seqs, nseq, opts->nthreads, &st, NULL, err);
    if (rc) break;
    trace[i] = urn_hmm_log_prior(m, p) + st.loglik;
    rc = urn_hmm_m_step(m, &st, seqs, nseq, p, i, err);
    if (rc) break;
    done = i + 1;
    if (hook && hook(ctx, i, trace[i])) {
      rc = urn_error_set(err, URN_EINTR, "hmm fit: stopped at iteration %d", i + 1);
      break;
    }
    if (opts->tol > 0 && i > 0 && 2.0 * (trace[i] - trace[i - 1]) / fabs(trace[i] + trace[i - 1]) < opts->tol) {
      if (converged) *converged = 1;
      break;
    }
  }
  if (n_done) *n_done = done;
  urn_hmm_stats_free(&st);
  return rc;
}

int urn_hmm_fit_em(const urn_hmm_model *m, urn_hmm_params *p, const urn_hmm_seq *seqs,
                   size_t nseq, const urn_hmm_fit_opts *opts, double *trace, int *n_done,
                   urn_error *err) {
  return urn__hmm_fit_em_hook(m, p, seqs, nseq, opts, trace, n_done, NULL, NULL, NULL, err);
}

int urn_hmm_init_labels(const urn_hmm_model *m, const urn_hmm_seq *seqs, size_t nseq, const int *labels,
                        urn_hmm_params *p, urn_error *err) {
  int K = m->K;
  size_t n = 0;
  for (size_t b = 0; b < nseq; b++) n += seqs[b].T;
  double *g = urn_xcalloc(n * (size_t)K + 1, sizeof(double));
  double *cnt = urn_xcalloc((size_t)K * K + K, sizeof(double)), *first = cnt + (size_t)K * K;
  size_t at = 0;
  for (size_t b = 0; b < nseq; b++)
    for (size_t t = 0; t < seqs[b].T; t++, at++) {
      int l = labels[at];
      if (l < 0 || l >= K) {
        free(g), free(cnt);
        return urn_error_set(err, URN_EINPUT, "hmm: label %d of time step %zu is outside 0..%d", l, at, K - 1);
      }
      g[at * K + l] = 1.0;
      if (t == 0) first[l] += 1.0;
      else cnt[labels[at - 1] * K + l] += 1.0;
    }
  urn_hmm_stats st;
  urn_hmm_stats_alloc(m, n, &st);
  at = 0;
  for (size_t b = 0; b < nseq; b++) {
    if (is_glm(m->kind)) {
      memcpy(st.gamma + at * K, g + at * K, sizeof(double) * seqs[b].T * K);
      for (size_t t = 0; t < seqs[b].T; t++)
        for (int k = 0; k < K; k++) st.sum_w[k] += g[(at + t) * K + k];
    } else
      accumulate(m, NULL, &seqs[b], g + at * K, &st);
    at += seqs[b].T;
  }
  int rc = URN_OK;
  for (int k = 0; k < K && !rc; k++)
    if (!(st.sum_w[k] > 0))
      rc = urn_error_set(err, URN_EINPUT, "hmm: state %d has no time step in the initial partition", k);
  if (!rc) {
    /* the chain: smoothed label frequencies (every entry > 0) */
    double s = 0.0;
    for (int k = 0; k < K; k++) s += first[k] + 1.0;
    for (int k = 0; k < K; k++) p->initial_probs[k] = (first[k] + 1.0) / s;
    for (int j = 0; j < K; j++) {
      s = 0.0;
      for (int k = 0; k < K; k++) s += cnt[j * K + k] + 1.0;
      for (int k = 0; k < K; k++) p->transition_matrix[(size_t)j * K + k] = (cnt[j * K + k] + 1.0) / s;
    }
    urn_hmm_trans_from_matrix(m, p);
    /* emissions: one M-step on the one-hot weights (regressions start from 0) */
    if (p->weights) memset(p->weights, 0, sizeof(double) * (size_t)K * (m->kind == URN_HMM_CATREG ? m->C : m->D) * m->M);
    if (p->biases) memset(p->biases, 0, sizeof(double) * (size_t)K * (m->kind == URN_HMM_CATREG ? m->C : m->D));
    if (p->covs)
      for (int k = 0; k < K; k++)
        for (int d = 0; d < m->D; d++)
          for (int e = 0; e < m->D; e++) p->covs[((size_t)k * m->D + d) * m->D + e] = d == e;
    if (p->scale_diags)
      for (size_t i = 0; i < (size_t)K * m->D; i++) p->scale_diags[i] = 1.0;
    urn_hmm_model mm = *m;
    mm.frozen = URN_HMM_FREEZE_INITIAL | URN_HMM_FREEZE_TRANSITIONS;
    mm.warn = NULL;
    /* Student-t from a partition: the Gaussian fit of each part (scale weights 1), nu = 10 unless fixed */
    if (m->kind == URN_HMM_STUDENT && !(mm.student_dof > 0)) mm.student_dof = 10.0;
    if (p->shapes) /* beta's Newton iteration starts from (1, 1) */
      for (size_t i = 0; i < 2 * (size_t)K * m->D && m->kind == URN_HMM_BETA; i++) p->shapes[i] = 1.0;
    rc = urn_hmm_m_step(&mm, &st, seqs, nseq, p, 0, err);
    if (!rc && m->kind == URN_HMM_GMM) urn__hmm_family_spread(m, p);
  }
  urn_hmm_stats_free(&st);
  free(g);
  free(cnt);
  return rc;
}
