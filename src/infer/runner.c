/* infer/runner.c — one chain's life (initialization with retries, warmup with
 * Stan's adaptation schedule, sampling, thinning, reporting to the sink) and
 * the thread pool that runs several chains. */
#include "infer/runner.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "infer/adapt.h"
#include "infer/fisher.h"
#include "infer/nuts.h"
#include "util/util.h"

void urn_sample_config_default(urn_sample_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->num_chains = 4, cfg->num_threads = 1;
  cfg->num_warmup = 1000, cfg->num_samples = 1000, cfg->thin = 1, cfg->save_warmup = 0;
  cfg->adapt_engaged = 1, cfg->adapt_delta = 0.8, cfg->adapt_gamma = 0.05, cfg->adapt_kappa = 0.75;
  cfg->adapt_t0 = 10, cfg->init_buffer = 75, cfg->term_buffer = 50, cfg->window = 25;
  cfg->max_depth = 10, cfg->stepsize = 1, cfg->metric = URN_METRIC_DIAG, cfg->init_radius = 2;
  cfg->seed = 1, cfg->refresh = 100, cfg->adapt_scheme = URN_ADAPT_STAN, cfg->lowrank_cutoff = 2;
}

static double thread_cpu_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct reject_relay {
  const urn_sample_sink *sink; /* where to pass the message */
  int chain;                   /* which chain saw it */
} reject_relay;

static void relay_rejection(void *ctx, const char *msg) {
  reject_relay *r = ctx;
  if (r->sink && r->sink->rejection) r->sink->rejection(r->sink->ctx, r->chain, msg);
}

/* Finds a starting point: the given one, or up to 100 uniform(-R, R) draws. */
static int find_start(const urn_sample_config *cfg, urn_nuts *s, urn_rng *rng, int chain, const double *init,
                      urn_error *err) {
  urn_error e;
  urn_error_clear(&e);
  if (init) {
    int rc = urn_nuts_set_point(s, init, &e);
    if (rc == URN_OK) return URN_OK;
    return urn_error_set(err, rc == URN_EREJECT ? URN_EINPUT : rc,
                         "chain %d: the log density or its gradient is not finite at the given initial values: %s",
                         chain + 1, e.msg);
  }
  double *q = urn_xmalloc((s->dim ? s->dim : 1) * sizeof *q);
  int rc = URN_EREJECT;
  for (int attempt = 0; attempt < 100; attempt++) {
    for (size_t i = 0; i < s->dim; i++) q[i] = cfg->init_radius * (2 * urn_rng_uniform(rng) - 1);
    rc = urn_nuts_set_point(s, q, &e);
    if (rc != URN_EREJECT) break;
  }
  free(q);
  if (rc == URN_OK) return URN_OK;
  if (rc == URN_EREJECT)
    return urn_error_set(err, URN_EINPUT,
                         "chain %d: initialization between (-%g, %g) failed after 100 attempts; the last one: %s. "
                         "Try --init 0 or an inits file, narrower constraints, or reparameterizing the model",
                         chain + 1, cfg->init_radius, cfg->init_radius, e.msg);
  return urn_error_set(err, rc, "chain %d: %s", chain + 1, e.msg);
}

/* Whether the step size has shrunk below what moves the position at all: in
 * every coordinate a step moves q_i by less than 1e-14 of max(|q_i|, 1e-8)
 * (some 50 units in the last place; 1e-8 keeps coordinates at zero covered).
 * Dual averaging gets there when every proposal that moves is rejected, and
 * would then sit at ~1e-16 quietly. */
static int stepsize_collapsed(const urn_nuts *s) {
  size_t n = s->dim;
  if (n == 0) return 0;
  for (size_t i = 0; i < n; i++) {
    double minv = s->metric == URN_METRIC_DENSE ? s->inv_metric[i + i * n] : s->inv_metric[i];
    double move = s->epsilon * sqrt(minv);
    if (!(move < 1e-14 * fmax(fabs(s->z.q[i]), 1e-8))) return 0;
  }
  return 1;
}

/* Warmup iterations a collapsed step size must last to be reported (adaptation lifts a tiny initial one within a
 * few dozen). */
#define COLLAPSE_ITERATIONS 100

static void warn_collapse(const urn_sample_sink *sink, int chain, double epsilon, int since) {
  if (!sink || !sink->warning) return;
  char msg[512];
  snprintf(msg, sizeof msg,
           "the step size collapsed to %.2g in warmup (from iteration %d on): the proposals are rejected (or "
           "diverge) at every step size that moves the parameters, so the chain is stuck; the draws "
           "will not represent the posterior. Look for a log density that is finite only on a "
           "set of measure zero, a discontinuity, or rejections (reject(), domain errors) near the "
           "initial point",
           epsilon, since);
  sink->warning(sink->ctx, chain, msg);
}

/* The Fisher schemes' start: the metric from the initial gradient (unless one was given), then the step size. */
static int fisher_start(const urn_sample_config *cfg, urn_fisher_adapt *fa, urn_nuts *s, int chain,
                        double *inv_metric, urn_error *err) {
  int given = cfg->inv_metrics && cfg->inv_metrics[chain];
  urn_fisher_adapt_start(fa, s->z.q, s->z.g, inv_metric);
  if (given) {
    size_t len = fa->lowrank ? s->dim * s->dim : s->dim;
    memcpy(inv_metric, s->inv_metric, len * sizeof *inv_metric);
    return URN_OK;
  }
  return urn_nuts_set_inv_metric(s, inv_metric, err);
}

/* One warmup iteration of a Fisher scheme: the window estimators learn the draw (if the chain moved: q differs
 * from prev_q) and the metric follows; at its first update the step size is re-initialized and dual averaging
 * restarts there (nuts-rs); later updates keep the running dual averaging. */
static int fisher_learn(urn_fisher_adapt *fa, urn_nuts *s, urn_stepsize_adapt *sa, unsigned iteration,
                        const double *prev_q, double *inv_metric, urn_error *err) {
  int moved = memcmp(prev_q, s->z.q, s->dim * sizeof *prev_q) != 0;
  if (!urn_fisher_adapt_learn(fa, iteration, s->z.q, s->z.g, moved, inv_metric)) return URN_OK;
  int status = URN_OK;
  if (fa->factored) urn_nuts_set_lowrank(s, fa->f_sig, fa->f_U, fa->f_lam, fa->f_k);
  else status = urn_nuts_set_inv_metric(s, inv_metric, err);
  if (status != URN_OK || fa->n_updates != 1) return status;
  status = urn_nuts_init_stepsize(s, err);
  if (status != URN_OK) return status;
  sa->mu = log(10 * s->epsilon);
  urn_stepsize_adapt_restart(sa);
  return URN_OK;
}

/* The start of adaptation (Stan's dual averaging of the step size, and the metric's estimator: Fisher
 * divergence or Stan's windowed variances) from the chain's initial point; the initial step size found by
 * Stan's heuristic.  An error names the chain. */
static int adapt_start(const urn_sample_config *cfg, urn_nuts *s, int chain, int fisher, int learn_metric,
                       urn_stepsize_adapt *sa, urn_metric_adapt *ma, urn_fisher_adapt *fa, double *inv_metric,
                       urn_error *err) {
  size_t dim = s->target->dim;
  unsigned warmup = (unsigned)cfg->num_warmup;
  int status = URN_OK;
  urn_stepsize_adapt_init(sa, cfg->adapt_delta, cfg->adapt_gamma, cfg->adapt_kappa, cfg->adapt_t0);
  sa->mu = log(10 * s->epsilon);
  if (fisher) {
    /* the full-rank estimate (dense + fisher) keeps every eigenvalue: cutoff 0 */
    double cutoff = cfg->adapt_scheme == URN_ADAPT_LOWRANK ? cfg->lowrank_cutoff : 0;
    urn_fisher_adapt_init(fa, dim, cfg->metric == URN_METRIC_DENSE, warmup, cutoff, 1e-5,
                          cfg->adapt_scheme == URN_ADAPT_LOWRANK ? cfg->lowrank_max_rank : 0);
    sa->max_log = log(M_PI);
    status = fisher_start(cfg, fa, s, chain, inv_metric, err);
  } else if (learn_metric)
    urn_metric_adapt_init(ma, dim, cfg->metric == URN_METRIC_DENSE, warmup, cfg->init_buffer, cfg->term_buffer,
                          cfg->window, NULL);
  if (status == URN_OK) status = urn_nuts_init_stepsize(s, err);
  if (status == URN_OK && fisher) sa->mu = log(10 * s->epsilon); /* nuts-rs: mu from the initial step size */
  if (status != URN_OK) {
    char cause[sizeof err->msg]; /* the message is rewritten in place: format from a copy */
    snprintf(cause, sizeof cause, "%s", err->msg[0] ? err->msg : "failed");
    urn_error_set(err, status, "chain %d: initializing the step size: %s", chain + 1, cause);
  }
  return status;
}

/* One warmup iteration of Stan's windowed metric estimator: at the end of a window the new metric is set and
 * the step size found again, its dual averaging restarted. */
static int windowed_learn(urn_metric_adapt *ma, urn_nuts *s, urn_stepsize_adapt *sa, int chain, double *inv_metric,
                          urn_error *err) {
  int upd = urn_metric_adapt_learn(ma, inv_metric, s->z.q);
  if (upd < 0)
    return urn_error_set(err, URN_EFATAL,
                         "chain %d: numerical overflow in metric adaptation: the sampler met extreme values "
                         "on the unconstrained scale; the posterior may be too wide or improper",
                         chain + 1);
  if (upd == 0) return URN_OK;
  int status = urn_nuts_set_inv_metric(s, inv_metric, err);
  if (status == URN_OK) status = urn_nuts_init_stepsize(s, err);
  if (status != URN_OK) return status;
  sa->mu = log(10 * s->epsilon);
  urn_stepsize_adapt_restart(sa);
  return URN_OK;
}

int urn_sample_chain(const urn_sample_config *cfg, const urn_target *target, int chain, const double *init,
                     const urn_sample_sink *sink, volatile sig_atomic_t *stop, urn_chain_result *res) {
  memset(res, 0, sizeof *res);
  urn_rng rng;
  urn_rng_seed(&rng, cfg->seed, (uint64_t)cfg->first_stream + (uint64_t)chain);
  urn_nuts *s = urn_nuts_new(target, cfg->metric, cfg->max_depth, &rng);
  reject_relay relay = {sink, chain};
  s->on_reject = relay_rejection, s->on_reject_ctx = &relay;
  size_t dim = target->dim;
  int warmup = cfg->num_warmup, total = cfg->num_warmup + cfg->num_samples;
  int adapt = cfg->adapt_engaged && warmup > 0;
  int learn_metric = adapt && cfg->metric != URN_METRIC_UNIT;
  int fisher = learn_metric && cfg->adapt_scheme != URN_ADAPT_STAN;
  urn_stepsize_adapt sa;
  urn_metric_adapt ma;
  urn_fisher_adapt fa;
  memset(&ma, 0, sizeof ma);
  memset(&fa, 0, sizeof fa);
  double *prev_q = fisher ? urn_xcalloc(dim ? dim : 1, sizeof *prev_q) : NULL;
  size_t mlen = cfg->metric == URN_METRIC_DENSE ? dim * dim : dim;
  double *inv_metric = urn_xcalloc(mlen ? mlen : 1, sizeof *inv_metric);
  int status = URN_OK;
  if (cfg->inv_metrics && cfg->inv_metrics[chain]) {
    status = urn_nuts_set_inv_metric(s, cfg->inv_metrics[chain], &res->err);
    if (status != URN_OK) {
      char cause[sizeof res->err.msg];
      snprintf(cause, sizeof cause, "%s", res->err.msg);
      urn_error_set(&res->err, status, "chain %d: the given inverse metric: %s", chain + 1, cause);
    }
  }
  memcpy(inv_metric, s->inv_metric, mlen * sizeof *inv_metric);
  double t_start = now_seconds(), t_warm_end = -1;
  double c_start = thread_cpu_seconds(), c_warm_end = -1;
  int divergences = 0;

  if (status == URN_OK) status = find_start(cfg, s, &rng, chain, init, &res->err);
  if (status == URN_OK && sink && sink->start) status = sink->start(sink->ctx, chain, s->z.q, &res->err);
  if (status == URN_OK) {
    s->epsilon = cfg->stepsize;
    if (adapt) status = adapt_start(cfg, s, chain, fisher, learn_metric, &sa, &ma, &fa, inv_metric, &res->err);
  }
  int started = status == URN_OK;
  if (started && warmup == 0 && sink && sink->adapted) /* no warmup: the state sampling starts from */
    status = sink->adapted(sink->ctx, chain, s->epsilon, s->inv_metric, dim, cfg->metric, &res->err);
  int collapse_warned = 0, collapsed_since = -1;
  int m = 0;
  for (; status == URN_OK && m < total; m++) {
    if (stop && __atomic_load_n(stop, __ATOMIC_RELAXED)) {
      status = URN_EINTR;
      break;
    }
    int in_warmup = m < warmup;
    urn_nuts_stats st;
    if (prev_q) memcpy(prev_q, s->z.q, dim * sizeof *prev_q);
    status = urn_nuts_transition(s, &st, &res->err);
    if (status != URN_OK) {
      char msg[sizeof res->err.msg];
      snprintf(msg, sizeof msg, "%s", res->err.msg);
      urn_error_set(&res->err, status, "chain %d, iteration %d: %s", chain + 1, m + 1, msg);
      break;
    }
    if (in_warmup && adapt) {
      urn_stepsize_adapt_learn(&sa, &s->epsilon, st.accept_stat);
      /* a collapsed step size that adaptation brings back (a tiny --stepsize) is no news: only one that stays
         collapsed for COLLAPSE_ITERATIONS warmup iterations, or to the end of warmup, is reported */
      if (!stepsize_collapsed(s)) collapsed_since = -1;
      else if (collapsed_since < 0) collapsed_since = m;
      if (!collapse_warned && collapsed_since >= 0 && (m - collapsed_since + 1 >= COLLAPSE_ITERATIONS || m == warmup - 1))
        collapse_warned = 1, warn_collapse(sink, chain, s->epsilon, collapsed_since + 1);
      if (fisher) status = fisher_learn(&fa, s, &sa, (unsigned)m, prev_q, inv_metric, &res->err);
      else if (learn_metric) status = windowed_learn(&ma, s, &sa, chain, inv_metric, &res->err);
      if (status != URN_OK) break;
    }
    st.momentum = s->z.p, st.gradient = s->z.g;
    if (!in_warmup && st.divergent) divergences++;
    if (!in_warmup && st.treedepth >= cfg->max_depth) res->max_depth_hits++;
    int keep = in_warmup ? cfg->save_warmup && m % cfg->thin == 0 : (m - warmup) % cfg->thin == 0;
    if (keep && sink && sink->draw) {
      status = sink->draw(sink->ctx, chain, m, in_warmup, &st, s->z.q, &rng, &res->err);
      if (status != URN_OK) break;
    }
    if (sink && sink->transition) sink->transition(sink->ctx, chain, m, &st);
    if (m == warmup - 1) { /* end of warmup: the sampler's state is reported adapted or not, as Stan does */
      if (adapt) urn_stepsize_adapt_complete(&sa, &s->epsilon);
      if (sink && sink->adapted) {
        status = sink->adapted(sink->ctx, chain, s->epsilon, s->inv_metric, dim, cfg->metric, &res->err);
        if (status != URN_OK) break;
      }
      t_warm_end = now_seconds();
      c_warm_end = thread_cpu_seconds();
    }
    /* CmdStan's "Iteration:" rule: counted within each phase, the first
       iteration of the phase, every refresh-th, and the very last */
    int rel = in_warmup ? m : m - warmup;
    if (sink && sink->progress && cfg->refresh > 0 && (rel == 0 || (rel + 1) % cfg->refresh == 0 || m + 1 == total))
      sink->progress(sink->ctx, chain, m + 1, total, divergences);
  }
  double t_end = now_seconds(), c_end = thread_cpu_seconds();
  if (t_warm_end < 0) t_warm_end = warmup == 0 ? t_start : t_end;
  if (c_warm_end < 0) c_warm_end = warmup == 0 ? c_start : c_end;
  res->warmup_cpu_seconds = c_warm_end - c_start;
  res->sampling_cpu_seconds = c_end - c_warm_end;
  res->status = status;
  if (status != URN_OK) res->err.code = status;
  res->iterations = m;
  res->divergent = divergences;
  res->n_gradients = s->n_gradients;
  res->stepsize = s->epsilon;
  res->warmup_seconds = t_warm_end - t_start;
  res->sampling_seconds = t_end - t_warm_end;
  if (started && sink && sink->finish)
    sink->finish(sink->ctx, chain, status, res->warmup_seconds, res->sampling_seconds);
  if (learn_metric && !fisher) urn_metric_adapt_free(&ma);
  if (fisher) urn_fisher_adapt_free(&fa);
  free(prev_q);
  free(inv_metric);
  urn_nuts_free(s);
  return status;
}

typedef struct pool {
  const urn_sample_config *cfg;   /* settings */
  const urn_target *target;       /* density */
  const double *const *inits;     /* per-chain inits or NULL */
  const urn_sample_sink *sink;    /* results */
  volatile sig_atomic_t *stop;             /* stop request */
  urn_chain_result *results;      /* per chain */
  pthread_mutex_t lock;           /* guards next_chain */
  int next_chain;                 /* next chain to start */
} pool;

static void *pool_worker(void *arg) {
  pool *p = arg;
  for (;;) {
    pthread_mutex_lock(&p->lock);
    int c = p->next_chain < p->cfg->num_chains ? p->next_chain++ : -1;
    pthread_mutex_unlock(&p->lock);
    if (c < 0) break;
    urn_sample_chain(p->cfg, p->target, c, p->inits ? p->inits[c] : NULL, p->sink, p->stop, &p->results[c]);
  }
  return NULL;
}

/* --init mode: finds the mode and points every chain without a given init at
 * it.  Returns URN_OK (*mode_theta set, or left NULL when the chains fall
 * back to random inits) or a fatal model status. */
static int init_at_mode(const urn_sample_config *cfg, const urn_target *target, const urn_sample_sink *sink,
                        double **mode_theta, urn_error *err) {
  size_t dim = target->dim;
  double *theta = urn_xcalloc(dim ? dim : 1, sizeof *theta);
  urn_mode_report rep;
  urn_error e;
  urn_error_clear(&e);
  int rc = urn_find_mode(target, cfg->init_mode, cfg->init_radius, cfg->seed, cfg->num_threads, theta, &rep, &e);
  char msg[sizeof e.msg + 256];
  if (rc == URN_OK) {
    *mode_theta = theta;
    if (sink && sink->mode) sink->mode(sink->ctx, &rep, theta);
    if (rep.n_diverged > 0 && sink && sink->warning) {
      snprintf(msg, sizeof msg,
               "--init mode: %d of %d optimizations diverged (the log density grows without bound along them, as "
               "in a funnel, or turns non-finite) and were set aside; the chains start at the best of the %d that %s",
               rep.n_diverged, rep.n_starts, rep.n_modes ? rep.n_modes : rep.n_unconverged,
               rep.n_modes ? "found a mode" : "stopped where the density bends down (no mode was confirmed)");
      sink->warning(sink->ctx, -1, msg);
    } else if (rep.n_modes == 0 && sink && sink->warning) {
      snprintf(msg, sizeof msg,
               "--init mode: no optimization met a convergence test; the chains start at the highest point where "
               "the density bends down (lp %.6g)", rep.best_lp);
      sink->warning(sink->ctx, -1, msg);
    }
    return URN_OK;
  }
  free(theta);
  if (rc != URN_EREJECT && rc != URN_EINPUT) {
    char cause[sizeof e.msg];
    snprintf(cause, sizeof cause, "%s", e.msg);
    return urn_error_set(err, rc, "--init mode: %s", cause);
  }
  if (sink && sink->mode) sink->mode(sink->ctx, &rep, NULL);
  if (sink && sink->warning) {
    snprintf(msg, sizeof msg, "--init mode: %s; the chains start from random inits instead", e.msg);
    sink->warning(sink->ctx, -1, msg);
  }
  return URN_OK;
}

int urn_sample_run(const urn_sample_config *cfg, const urn_target *target, const double *const *inits,
                   const urn_sample_sink *sink, volatile sig_atomic_t *stop, urn_chain_result *results, urn_error *err) {
  if (cfg->num_chains < 1 || cfg->num_warmup < 0 || cfg->num_samples < 0 || cfg->thin < 1 || cfg->max_depth < 1)
    return urn_error_set(err, URN_EINPUT, "invalid sampler settings (chains, warmup, draws, thin, max depth)");
  if (cfg->adapt_scheme == URN_ADAPT_LOWRANK && cfg->metric != URN_METRIC_DENSE)
    return urn_error_set(err, URN_EINPUT, "the low-rank metric adaptation needs the dense metric storage");
  if (cfg->adapt_scheme == URN_ADAPT_LOWRANK && (cfg->lowrank_max_rank < 0 || (size_t)cfg->lowrank_max_rank > target->dim))
    return urn_error_set(err, URN_EINPUT, "the low-rank metric's rank %d is not in [0, %zu] (the dimension; 0: no limit)",
                         cfg->lowrank_max_rank, target->dim);
  if (cfg->adapt_scheme == URN_ADAPT_LOWRANK && !(cfg->lowrank_cutoff >= 1))
    return urn_error_set(err, URN_EINPUT, "the low-rank metric's eigenvalue cutoff %g is below 1", cfg->lowrank_cutoff);
  double *mode_theta = NULL;
  const double **mode_inits = NULL;
  int need_mode = 0;
  for (int c = 0; cfg->init_mode > 0 && c < cfg->num_chains; c++) need_mode |= !inits || !inits[c];
  if (need_mode) {
    int rc = init_at_mode(cfg, target, sink, &mode_theta, err);
    if (rc != URN_OK) return rc;
    if (mode_theta) {
      mode_inits = urn_xcalloc((size_t)cfg->num_chains, sizeof *mode_inits);
      for (int c = 0; c < cfg->num_chains; c++) mode_inits[c] = inits && inits[c] ? inits[c] : mode_theta;
      inits = mode_inits;
    }
  }
  urn_chain_result *res = results ? results : urn_xcalloc((size_t)cfg->num_chains, sizeof *res);
  pool p = {cfg, target, inits, sink, stop, res, PTHREAD_MUTEX_INITIALIZER, 0};
  int nthreads = cfg->num_threads < 1 ? 1 : cfg->num_threads;
  if (nthreads > cfg->num_chains) nthreads = cfg->num_chains;
  pthread_t *th = urn_xcalloc((size_t)nthreads, sizeof *th);
  int started = 0;
  for (int t = 1; t < nthreads; t++)
    if (pthread_create(&th[t], NULL, pool_worker, &p) == 0) started++, th[started] = th[t];
  pool_worker(&p); /* the calling thread works too */
  for (int t = 1; t <= started; t++) pthread_join(th[t], NULL);
  free(th);
  pthread_mutex_destroy(&p.lock);
  int status = URN_OK;
  for (int c = 0; c < cfg->num_chains; c++) {
    if (res[c].status == URN_OK) continue;
    if (res[c].status == URN_EINTR) {
      if (status == URN_OK) status = URN_EINTR, urn_error_set(err, URN_EINTR, "interrupted");
      continue;
    }
    if (status == URN_OK || status == URN_EINTR) {
      status = res[c].status;
      if (err) *err = res[c].err, err->code = status;
    }
  }
  if (!results) free(res);
  free(mode_inits), free(mode_theta);
  return status;
}
