/* hmm/hmm_fit.c — a whole fit as `urn hmm fit` and the Python package's
 * urn.hmm.fit make it (urn_hmm_fit_best, include/urn/hmm.h): restarts from
 * initializations with seeds seed, seed + 1, ..., each run to the end of EM,
 * scored by its final log joint (log likelihood + log prior), the best kept;
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
  return kind == URN_HMM_GAUSSIAN || kind == URN_HMM_DIAG || kind == URN_HMM_LINREG ? URN_HMM_INIT_KMEANS
                                                                                     : URN_HMM_INIT_PRIOR;
}

urn_hmm_init_method urn_hmm_init_resolve(urn_hmm_kind kind, urn_hmm_init_method init) {
  return init == URN_HMM_INIT_AUTO ? auto_init(kind) : init;
}

/* The iteration callback of one restart. */
typedef struct restart_hook {
  const urn_hmm_fit_callbacks *cb; /* the caller's callbacks */
  int restart;                     /* this restart's index */
} restart_hook;

static int iteration_hook(void *ctx, int iteration, double log_joint) {
  const restart_hook *h = ctx;
  return h->cb->iteration(h->cb->ctx, h->restart, iteration, log_joint);
}

/* One restart: initialize, run EM, score.  cur gets the parameters, *lj the final log joint. */
static int one_fit(const urn_hmm_model *m, const urn_hmm_seq *seqs, size_t nseq, const urn_hmm_fit_opts *opts,
                   urn_hmm_init_method init, const urn_hmm_params *given, uint64_t seed, urn_hmm_params *cur,
                   double *trace, int *n_done, double *lj, restart_hook *hook, urn_error *err) {
  int rc;
  *n_done = 0, *lj = -INFINITY;
  if (init == URN_HMM_INIT_GIVEN) urn_hmm_params_copy(m, cur, given), rc = URN_OK;
  else if (init == URN_HMM_INIT_KMEANS) rc = urn_hmm_init_kmeans(m, seed, seqs, nseq, cur, err);
  else rc = urn_hmm_init_prior(m, seed, cur, err);
  if (!rc)
    rc = urn__hmm_fit_em_hook(m, cur, seqs, nseq, opts, trace, n_done, hook->cb && hook->cb->iteration ? iteration_hook : NULL,
                              hook, err);
  if (!rc) {
    double ll;
    rc = urn_hmm_loglik(m, cur, seqs, nseq, opts->nthreads, NULL, &ll, err);
    *lj = ll + urn_hmm_log_prior(m, cur);
  }
  return rc;
}

int urn_hmm_fit_best(const urn_hmm_model *m, const urn_hmm_seq *seqs, size_t nseq, const urn_hmm_fit_opts *opts,
                     urn_hmm_init_method init, const urn_hmm_params *given, int restarts, uint64_t seed,
                     urn_hmm_params *best, double *trace, urn_hmm_fit_report *report, const urn_hmm_fit_callbacks *cb,
                     urn_error *err) {
  init = urn_hmm_init_resolve(m->kind, init);
  if (init == URN_HMM_INIT_GIVEN) {
    if (!given) return urn_error_set(err, URN_EINPUT, "hmm fit: initial parameters were asked for but not given");
    restarts = 1;
  }
  if (restarts < 1) return urn_error_set(err, URN_EINPUT, "hmm fit: restarts is %d, but must be >= 1", restarts);
  if (opts->num_iters < 1) return urn_error_set(err, URN_EINPUT, "hmm fit: iterations is %d, but must be >= 1", opts->num_iters);
  size_t total = 0;
  for (size_t b = 0; b < nseq; b++) total += seqs[b].T;
  if (nseq && total < (size_t)m->K)
    return urn_error_set(err, URN_EINPUT, "hmm fit: %d states cannot be fitted to %zu time steps", m->K, total);
  urn_hmm_params cur;
  urn_hmm_params_alloc(m, &cur);
  double *tr = urn_xmalloc(sizeof(double) * (size_t)opts->num_iters);
  urn_hmm_fit_report rep = {0, -1, -INFINITY, 0, init};
  urn_error first;
  urn_error_clear(&first);
  for (int r = 0; r < restarts; r++) {
    uint64_t s = seed + (uint64_t)r;
    urn_error e2;
    urn_error_clear(&e2);
    int n_done;
    double lj;
    restart_hook hook = {cb, r};
    int rc = one_fit(m, seqs, nseq, opts, init, given, s, &cur, tr, &n_done, &lj, &hook, &e2);
    if (cb && cb->restart) cb->restart(cb->ctx, r, s, rc, lj, n_done, rc ? e2.msg : NULL);
    if (rc == URN_EINTR) {
      rep.n_failed++, rep.best_restart = -1, first = e2;
      break;
    }
    if (rc) {
      if (!rep.n_failed++) first = e2;
      continue;
    }
    if (rep.best_restart < 0 || lj > rep.log_joint) {
      rep.best_restart = r, rep.log_joint = lj, rep.iterations = n_done;
      urn_hmm_params_copy(m, best, &cur);
      if (trace) memcpy(trace, tr, sizeof(double) * (size_t)n_done);
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
