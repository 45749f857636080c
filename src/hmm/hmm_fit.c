/* hmm/hmm_fit.c — a whole fit as `urn hmm fit` and the Python package's
 * urn.hmm.fit make it (urn_hmm_fit_best, include/urn/hmm.h): restarts from
 * initializations with seeds seed, seed + 1, ... (k-means, prior draws, random
 * partitions, perturbations of the best so far), each run to the end of EM and
 * ranked by its degenerate states, then its final log joint; the best kept;
 * and the parameter files both read and write (text in, text out). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hmm/hmm_case.h"
#include "hmm/hmm_internal.h"
#include "io/json.h"
#include "urn/hmm.h"
#include "util/util.h"

/* The initialization auto chooses: k-means where it clusters the emissions. */
static urn_hmm_init_method auto_init(urn_hmm_kind kind) {
  return kind == URN_HMM_GAUSSIAN || kind == URN_HMM_DIAG || kind == URN_HMM_LINREG ||
                 (urn__hmm_is_family(kind) && kind != URN_HMM_CATEGORICAL)
             ? URN_HMM_INIT_KMEANS
             : URN_HMM_INIT_PRIOR;
}

urn_hmm_init_method urn_hmm_init_resolve(urn_hmm_kind kind, urn_hmm_init_method init) {
  return init == URN_HMM_INIT_AUTO ? auto_init(kind) : init;
}

int urn__hmm_iteration_hook(void *ctx, int iteration, double log_joint) {
  const urn__hmm_iter_hook *h = ctx;
  return h->cb->iteration(h->cb->ctx, h->restart, iteration, log_joint);
}

/* The pooled time steps of a batch. */
static size_t total_steps(const urn_hmm_seq *seqs, size_t nseq) {
  size_t n = 0;
  for (size_t b = 0; b < nseq; b++) n += seqs[b].T;
  return n;
}

/* 1e-6 x the smallest per-dimension variance of the pooled emissions (0 when
 * every dimension is constant): the variance floor of Gaussian fits.  *constant
 * gets the first dimension whose values are all equal (else unchanged). */
static double data_var_floor(const urn_hmm_model *m, const urn_hmm_seq *seqs, size_t nseq, int *constant) {
  int D = m->D, logy = m->kind == URN_HMM_LOGNORMAL;
  size_t n = total_steps(seqs, nseq);
  double best = INFINITY;
  for (int d = 0; d < D; d++) {
    double mean = 0.0, v = 0.0;
    for (size_t b = 0; b < nseq; b++)
      for (size_t t = 0; t < seqs[b].T; t++) mean += logy ? log(seqs[b].y[t * D + d]) : seqs[b].y[t * D + d];
    mean /= (double)n;
    for (size_t b = 0; b < nseq; b++)
      for (size_t t = 0; t < seqs[b].T; t++) {
        double r = (logy ? log(seqs[b].y[t * D + d]) : seqs[b].y[t * D + d]) - mean;
        v += r * r;
      }
    v /= (double)n;
    if (!(v > 0) && *constant < 0) *constant = d;
    if (v > 0 && v < best) best = v;
  }
  return isfinite(best) ? 1e-6 * best : 0.0;
}

/* Makes every state own at least one time step: K distinct random steps get labels 0..K-1. */
static void cover_states(int K, size_t n, int *labels, urn_rng *r) {
  if (n < (size_t)K) return;
  size_t *pick = urn_xmalloc(sizeof(size_t) * (size_t)K);
  for (int k = 0; k < K; k++) {
    size_t i;
    int dup;
    do {
      i = (size_t)urn_rng_below(r, (uint64_t)n);
      dup = 0;
      for (int q = 0; q < k; q++) dup |= pick[q] == i;
    } while (dup);
    pick[k] = i;
    labels[i] = k;
  }
  free(pick);
}

/* k-means++/Lloyd labels of the pooled emissions (Poisson counts as they are, or as
 * log(1 + y) when logc; the logistic and categorical regressions cluster their inputs). */
static int kmeans_labels(const urn_hmm_model *m, const urn_hmm_seq *seqs, size_t nseq, uint64_t seed, int logc,
                         int *labels, urn_error *err) {
  int glm = m->kind == URN_HMM_LOGREG || m->kind == URN_HMM_CATREG;
  int d = glm ? m->M : m->D;
  size_t n = total_steps(seqs, nseq), at = 0;
  double *X = urn_xmalloc(sizeof(double) * n * (size_t)d);
  for (size_t b = 0; b < nseq; b++) {
    memcpy(X + at * d, glm ? seqs[b].x : seqs[b].y, sizeof(double) * seqs[b].T * d);
    at += seqs[b].T;
  }
  if (m->kind == URN_HMM_POISSON && logc)
    for (size_t i = 0; i < n * (size_t)d; i++) X[i] = log1p(X[i]);
  if (urn__hmm_is_family(m->kind)) urn__hmm_family_cluster_scale(m, X, n * (size_t)d);
  double *centers = urn_xmalloc(sizeof(double) * (size_t)m->K * d);
  int rc = urn_hmm_kmeans(X, n, d, m->K, seed, 1, centers, labels, NULL, err);
  free(X);
  free(centers);
  return rc;
}

/* The Viterbi labels of p over the batch.  frac > 0: each redrawn uniformly with
 * probability frac.  frac = 0: one local move, the step whose Viterbi state leads
 * its runner-up by the rank-th smallest emission log-likelihood margin takes the
 * runner-up's label. */
static int perturbed_labels(const urn_hmm_model *m, const urn_hmm_params *p, const urn_hmm_seq *seqs, size_t nseq,
                            double frac, size_t rank, urn_rng *r, int *labels, urn_error *err) {
  int K = m->K, rc = URN_OK;
  size_t n = total_steps(seqs, nseq), at = 0;
  double *margin = urn_xmalloc(sizeof(double) * (n ? n : 1));
  int *second = urn_xmalloc(sizeof(int) * (n ? n : 1));
  for (size_t b = 0; b < nseq && !rc; b++) {
    double *LL = urn_xmalloc(sizeof(double) * seqs[b].T * (size_t)K);
    rc = urn_hmm_emission_logliks(m, p, &seqs[b], LL, err);
    if (!rc) rc = urn_hmm_viterbi(K, seqs[b].T, p->initial_probs, p->transition_matrix, LL, labels + at, err);
    for (size_t t = 0; t < seqs[b].T && !rc; t++) {
      const double *l = LL + t * K;
      int z = labels[at + t], s2 = z == 0 ? 1 : 0;
      if (K < 2) { /* one state: nowhere to move */
        second[at + t] = z, margin[at + t] = INFINITY;
        continue;
      }
      for (int k = 0; k < K; k++)
        if (k != z && l[k] > l[s2]) s2 = k;
      second[at + t] = s2;
      margin[at + t] = l[z] - l[s2];
      if (!(margin[at + t] == margin[at + t])) margin[at + t] = INFINITY;
    }
    free(LL);
    at += seqs[b].T;
  }
  if (!rc && frac > 0)
    for (size_t i = 0; i < n; i++)
      if (urn_rng_uniform(r) < frac) labels[i] = (int)urn_rng_below(r, (uint64_t)K);
  if (!rc && frac == 0 && K > 1 && n) {
    /* the rank-th smallest margin by repeated selection (rank is small) */
    char *used = urn_xcalloc(n, 1);
    size_t pick = 0;
    for (size_t q = 0; q <= rank % n; q++) {
      double bestm = INFINITY;
      pick = n;
      for (size_t i = 0; i < n; i++)
        if (!used[i] && (pick == n || margin[i] < bestm)) bestm = margin[i], pick = i;
      used[pick] = 1;
    }
    labels[pick] = second[pick];
    free(used);
  }
  free(margin);
  free(second);
  return rc;
}

/* The initialization of restart r under method init (SEARCH cycles k-means, random
 * partition, perturbed best; best is NULL until a restart has succeeded). */
int urn__hmm_initialize(const urn_hmm_model *m, const urn_hmm_seq *seqs, size_t nseq, urn_hmm_init_method init,
                      const urn_hmm_params *given, const urn_hmm_params *best, int r, uint64_t seed,
                      urn_hmm_params *cur, urn_error *err) {
  if (init == URN_HMM_INIT_GIVEN) {
    urn_hmm_params_copy(m, cur, given);
    return URN_OK;
  }
  if (init == URN_HMM_INIT_KMEANS) return urn_hmm_init_kmeans(m, seed, seqs, nseq, cur, err);
  if (init == URN_HMM_INIT_PRIOR) return urn_hmm_init_prior(m, seed, cur, err);
  size_t n = total_steps(seqs, nseq);
  int *labels = urn_xmalloc(sizeof(int) * (n ? n : 1));
  urn_rng rng;
  urn_rng_seed(&rng, seed, 7);
  /* SEARCH cycles: 0 k-means, 1 random partition, 2 perturbed best, 3 a local move of the best */
  int way = init == URN_HMM_INIT_RANDOM ? 1 : r % 4, rc = URN_OK;
  if (way >= 2 && !best) way = 1;
  if (way == 0) rc = kmeans_labels(m, seqs, nseq, seed, (r / 4) % 2, labels, err);
  else if (way == 2) {
    static const double fracs[3] = {0.05, 0.2, 0.5};
    rc = perturbed_labels(m, best, seqs, nseq, fracs[(r / 4) % 3], 0, &rng, labels, err);
  } else if (way == 3)
    rc = perturbed_labels(m, best, seqs, nseq, 0.0, (size_t)(r / 4), &rng, labels, err);
  else
    for (size_t i = 0; i < n; i++) labels[i] = (int)urn_rng_below(&rng, (uint64_t)m->K);
  if (!rc && way) cover_states(m->K, n, labels, &rng);
  if (!rc) rc = urn_hmm_init_labels(m, seqs, nseq, labels, cur, err);
  free(labels);
  return rc;
}

typedef urn__hmm_restart restart_result;

/* Empty states (expected count < 0.5) and collapsed ones (a variance at the floor). */
int urn__hmm_count_degenerate(const urn_hmm_model *m, const urn_hmm_params *p, const urn_hmm_stats *st) {
  int n = 0, D = m->D;
  for (int k = 0; k < m->K; k++) {
    int bad = st->sum_w[k] < 0.5;
    int G = m->kind == URN_HMM_GMM ? m->C : 1; /* gmm: every component's variances */
    for (int d = 0; d < G * D && m->var_floor > 0; d++) {
      double v = p->scale_diags ? p->scale_diags[(size_t)k * G * D + d] * p->scale_diags[(size_t)k * G * D + d]
                 : m->kind == URN_HMM_GAUSSIAN ? p->covs[((size_t)k * D + d) * D + d] : INFINITY;
      bad |= v <= m->var_floor * (1.0 + 1e-9);
    }
    for (int d = 0; d < 2 * D && p->shapes; d++) /* a gamma or beta state on one repeated value */
      bad |= (d < D || m->kind == URN_HMM_BETA) && p->shapes[(size_t)k * (m->kind == URN_HMM_BETA ? 2 * D : D) + d] >= 1e8;
    n += bad;
  }
  return n;
}

/* One restart: run EM from cur, score the result. */
static int one_fit(const urn_hmm_model *m, const urn_hmm_seq *seqs, size_t nseq, const urn_hmm_fit_opts *opts,
                   urn_hmm_params *cur, double *trace, restart_result *res, urn__hmm_iter_hook *hook, urn_error *err) {
  res->n_done = 0, res->converged = 0, res->lj = res->loglik = -INFINITY, res->degenerate = 0;
  int rc = urn__hmm_fit_em_hook(m, cur, seqs, nseq, opts, trace, &res->n_done, &res->converged,
                                hook->cb && hook->cb->iteration ? urn__hmm_iteration_hook : NULL, hook, err);
  if (!rc) {
    urn_hmm_stats st;
    urn_hmm_stats_alloc(m, total_steps(seqs, nseq), &st);
    rc = urn_hmm_e_step(m, cur, seqs, nseq, opts->nthreads, &st, NULL, err);
    res->loglik = st.loglik;
    res->lj = st.loglik + urn_hmm_log_prior(m, cur);
    res->degenerate = urn__hmm_count_degenerate(m, cur, &st);
    urn_hmm_stats_free(&st);
  }
  return rc;
}

/* The fitter of one process: its sequences and options. */
typedef struct local_fit {
  const urn_hmm_seq *seqs;      /* the sequences */
  size_t nseq;                  /* their number */
  const urn_hmm_fit_opts *opts; /* iterations, tolerance, threads */
} local_fit;

static int local_init(void *ctx, const urn_hmm_model *m, urn_hmm_init_method init, const urn_hmm_params *given,
                      const urn_hmm_params *best, int r, uint64_t seed, urn_hmm_params *cur, urn_error *err) {
  const local_fit *L = ctx;
  return urn__hmm_initialize(m, L->seqs, L->nseq, init, given, best, r, seed, cur, err);
}

static int local_run(void *ctx, const urn_hmm_model *m, urn_hmm_params *cur, double *trace, urn__hmm_restart *res,
                     const urn_hmm_fit_callbacks *cb, int restart, urn_error *err) {
  const local_fit *L = ctx;
  urn__hmm_iter_hook hook = {cb, restart};
  return one_fit(m, L->seqs, L->nseq, L->opts, cur, trace, res, &hook, err);
}

int urn__hmm_fit_restarts(const urn_hmm_model *m, const urn__hmm_fitter *f, int num_iters, urn_hmm_init_method init,
                          const urn_hmm_params *given, int restarts, uint64_t seed, urn_hmm_params *best,
                          double *trace, urn_hmm_fit_report *report, const urn_hmm_fit_callbacks *cb, urn_error *err) {
  urn_hmm_params cur;
  urn_hmm_params_alloc(m, &cur);
  double *tr = urn_xmalloc(sizeof(double) * (size_t)num_iters);
  urn_hmm_fit_report rep = {0, -1, -INFINITY, 0, init, -INFINITY, 0, 0};
  urn_error first;
  urn_error_clear(&first);
  for (int r = 0; r < restarts; r++) {
    uint64_t s = seed + (uint64_t)r;
    urn_error e2;
    urn_error_clear(&e2);
    restart_result res = {0, 0, -INFINITY, -INFINITY, 0};
    int rc = f->init(f->ctx, m, init, given, rep.best_restart >= 0 ? best : NULL, r, s, &cur, &e2);
    if (!rc && init != URN_HMM_INIT_GIVEN) urn_hmm_trans_from_matrix(m, &cur); /* input-driven: start at W = 0 */
    if (!rc) rc = f->run(f->ctx, m, &cur, tr, &res, cb, r, &e2);
    if (cb && cb->restart) cb->restart(cb->ctx, r, s, rc, res.lj, res.n_done, rc ? e2.msg : NULL);
    if (rc == URN_EINTR) {
      rep.n_failed++, rep.best_restart = -1, first = e2;
      break;
    }
    if (rc) {
      if (!rep.n_failed++) first = e2;
      continue;
    }
    int better = rep.best_restart < 0 || res.degenerate < rep.degenerate ||
                 (res.degenerate == rep.degenerate && res.lj > rep.log_joint);
    if (better) {
      rep.best_restart = r, rep.log_joint = res.lj, rep.iterations = res.n_done;
      rep.loglik = res.loglik, rep.converged = res.converged, rep.degenerate = res.degenerate;
      urn_hmm_params_copy(m, best, &cur);
      if (trace) memcpy(trace, tr, sizeof(double) * (size_t)res.n_done);
    }
  }
  free(tr);
  urn_hmm_params_free(&cur);
  if (report) *report = rep;
  if (rep.best_restart < 0) {
    if (err) *err = first;
    return first.code ? first.code : URN_EINPUT;
  }
  return URN_OK;
}

int urn_hmm_fit_best(const urn_hmm_model *m0, const urn_hmm_seq *seqs, size_t nseq, const urn_hmm_fit_opts *opts,
                     urn_hmm_init_method init, const urn_hmm_params *given, int restarts, uint64_t seed,
                     urn_hmm_params *best, double *trace, urn_hmm_fit_report *report, const urn_hmm_fit_callbacks *cb,
                     urn_error *err) {
  init = urn_hmm_init_resolve(m0->kind, init);
  if (init == URN_HMM_INIT_GIVEN) {
    if (!given) return urn_error_set(err, URN_EINPUT, "hmm fit: initial parameters were asked for but not given");
    restarts = 1;
  }
  if (restarts < 1) return urn_error_set(err, URN_EINPUT, "hmm fit: restarts is %d, but must be >= 1", restarts);
  if (opts->num_iters < 1) return urn_error_set(err, URN_EINPUT, "hmm fit: iterations is %d, but must be >= 1", opts->num_iters);
  size_t total = total_steps(seqs, nseq);
  if (nseq && total < (size_t)m0->K)
    return urn_error_set(err, URN_EINPUT, "hmm fit: %d states cannot be fitted to %zu time steps", m0->K, total);
  for (size_t b = 0; b < nseq; b++) {
    int rc = urn_hmm_seq_check(m0, &seqs[b], b, err);
    if (rc) return rc;
  }
  urn_hmm_model mm = *m0; /* shallow copy: the variance floor tied to the data's scale */
  const urn_hmm_model *m = &mm;
  if ((mm.kind == URN_HMM_GAUSSIAN || mm.kind == URN_HMM_DIAG || mm.kind == URN_HMM_LOGNORMAL ||
       mm.kind == URN_HMM_STUDENT || mm.kind == URN_HMM_GMM) && nseq) {
    int constant = -1;
    double floor_ = data_var_floor(m, seqs, nseq, &constant);
    if (!(mm.var_floor > 0)) mm.var_floor = floor_;
    if (constant >= 0 && ((mm.no_prior & URN_HMM_FREEZE_EMISSIONS) || urn__hmm_is_family(mm.kind)))
      return urn_error_set(err, URN_EINPUT,
                           "hmm fit: emission dimension %d is constant, so its maximum-likelihood variance is 0; "
                           "drop it, or fit with a prior", constant);
  }
  local_fit L = {seqs, nseq, opts};
  urn__hmm_fitter f = {&L, local_init, local_run};
  return urn__hmm_fit_restarts(m, &f, opts->num_iters, init, given, restarts, seed, best, trace, report, cb, err);
}

/* ---- parameter files ---- */

int urn_hmm_param_file_parse(const char *text, size_t len, const char *path, urn_hmm_model *m, urn_hmm_params *p,
                             urn_error *err) {
  const char *file = path ? path : "params";
  urn_json *j = urn_json_parse(text, len, file, err);
  if (!j) return err && err->code ? err->code : URN_EINPUT;
  int rc = urn_hmm_model_from_json(j, m, err);
  if (!rc) {
    rc = urn_hmm_params_from_json(m, urn_json_get(j, "params"), p, err);
    if (rc) urn_hmm_model_free(m);
  }
  if (rc && err) {
    char msg[sizeof err->msg];
    snprintf(msg, sizeof msg, "%s", err->msg);
    urn_error_set(err, rc, "%s: %s", file, msg);
  }
  urn_json_free(j);
  return rc;
}

char *urn_hmm_param_file_format(const urn_hmm_model *m, const urn_hmm_params *p, const char *extra) {
  urn_buf b;
  urn_buf_init(&b);
  urn_hmm_write_param_file(&b, m, p, extra);
  return b.data;
}

void urn_hmm_text_free(char *text) { free(text); }
