/* run/run_sample.c — the sample method: NUTS chains through the chain
 * runner of infer/ (urn_sample_run), their rows (sampler columns, then the
 * constrained outputs with generated quantities drawn from the chain's
 * stream), adaptation and timing into the outputs; and the fixed_param
 * sampler (parameters held at their initial values), which also runs models
 * without parameters. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "infer/adapt.h"
#include "infer/nuts.h"
#include "math/rng.h"
#include "model/plan.h"
#include "run/run_internal.h"
#include "util/util.h"

/* Kinds of generated-quantity failures already reported, per chain. */
typedef struct seen_kinds {
  unsigned long kind[16]; /* hashes of the messages (digits masked) */
  int n;                  /* entries used */
} seen_kinds;

/* A chain's gradients for the native tier's plan (model/plan.h). */
typedef struct nat_count {
  long long grads;     /* the gradients (leapfrog steps) of its iterations after its first adaptation window */
  long long reported;  /* of which reported */
  int iters;           /* the iterations reported */
  double cpu0;         /* its thread's CPU seconds at its last report (or the end of its first window) */
} nat_count;

typedef struct sample_state {
  urn_run *r;          /* the run */
  seen_kinds *seen;    /* per chain */
  double cpu_start;    /* process CPU seconds when the run started (mode search timing) */
  nat_count *nat;      /* per chain */
  int nat_first;       /* the iteration of a chain's first report: the end of its first adaptation window */
} sample_state;

static int target_fn(void *ctx, const double *theta, double *lp, double *grad, urn_error *err) {
  return urn_model_log_density_gradient(ctx, 1, 1, theta, lp, grad, err);
}

/* Constrained outputs at theta into out; generated quantities that fail are
 * written as NaN (as Stan does) and reported once per kind and chain. */
static int constrain_row(urn_run *r, seen_kinds *seen, int c, const double *theta, double *out, urn_rng *rng,
                         urn_error *err) {
  int rc = urn_model_param_constrain(r->m, 1, 1, theta, out, rng, err);
  if (rc != URN_EREJECT) return rc;
  unsigned long kind = urn_nuts_message_kind(err->msg);
  int known = 0;
  for (int i = 0; i < seen->n; i++) known |= seen->kind[i] == kind;
  if (!known && seen->n < 16) {
    seen->kind[seen->n++] = kind;
    rn_message(r, c, URN_RUN_DRAW_FAILED, "%s", err->msg);
  }
  urn_error_clear(err);
  rc = urn_model_param_constrain(r->m, 1, 0, theta, out, rng, err);
  for (size_t i = r->n_no_gq; i < r->n_out; i++) out[i] = NAN;
  return rc;
}

/* CmdStan's estimate of the run time from one gradient evaluation. */
static int sink_start(void *ctx, int chain, const double *theta, urn_error *err) {
  sample_state *s = ctx;
  urn_run *r = s->r;
  if (!r->cb.message || r->dim == 0) return URN_OK;
  double *grad = urn_xcalloc(r->dim, sizeof *grad), lp;
  double t0 = rn_now_seconds();
  urn_model_log_density_gradient(r->m, 1, 1, theta, &lp, grad, NULL);
  double dt = rn_now_seconds() - t0;
  free(grad);
  rn_message(r, chain, URN_RUN_INFO,
             "\nGradient evaluation took %g seconds\n1000 transitions using 10 leapfrog steps per transition would "
             "take %g seconds.\nAdjust your expectations accordingly!\n\n",
             dt, dt * 1e4);
  return URN_OK;
}

static int sink_draw(void *ctx, int chain, int iteration, int warmup, const urn_nuts_stats *st, const double *theta,
                     urn_rng *rng, urn_error *err) {
  sample_state *s = ctx;
  urn_run *r = s->r;
  double *row = r->ch[chain].row;
  row[0] = st->lp, row[1] = st->accept_stat, row[2] = st->stepsize, row[3] = st->treedepth;
  row[4] = st->n_leapfrog, row[5] = st->divergent, row[6] = st->energy;
  int rc = constrain_row(r, &s->seen[chain], chain, theta, row + 7, rng, err);
  if (rc == URN_OK) rc = rn_emit_row(r, chain, warmup, row, err);
  if (rc == URN_OK && r->ch[chain].diag_open) {
    double *d = r->ch[chain].diag_row;
    memcpy(d, row, 7 * sizeof *d);
    memcpy(d + 7, theta, r->dim * sizeof *d);
    memcpy(d + 7 + r->dim, st->momentum, r->dim * sizeof *d);
    memcpy(d + 7 + 2 * r->dim, st->gradient, r->dim * sizeof *d);
    rc = rn_emit_diagnostic(r, chain, d, 7 + 3 * r->dim, err);
  }
  (void)iteration;
  return rc;
}

static int sink_adapted(void *ctx, int chain, double stepsize, const double *inv_metric, size_t dim,
                        urn_metric_kind metric, urn_error *err) {
  sample_state *s = ctx;
  int dense = metric == URN_METRIC_DENSE;
  rn_emit_adaptation(s->r, chain, stepsize, inv_metric, dense ? dim * dim : dim, metric);
  return URN_OK;
}

/* Called every iteration (the runner's refresh is 1): the iteration count
 * for urn_run_progress, and the caller's progress at CmdStan's cadence. */
static void sink_progress(void *ctx, int chain, int iteration, int total, int divergences) {
  sample_state *s = ctx;
  urn_run *r = s->r;
  atomic_store(&r->ch[chain].progress, iteration);
  int warmup = r->cfg.num_warmup, refresh = r->cfg.refresh;
  int in_warmup = iteration <= warmup, rel = in_warmup ? iteration : iteration - warmup;
  if (refresh > 0 && (rel == 1 || rel % refresh == 0 || iteration == total))
    rn_progress(r, chain, iteration, total, in_warmup, divergences);
}

/* CPU seconds of the calling thread. */
static double thread_cpu(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Reports every NAT_EVERY iterations after the first. */
#define NAT_EVERY 16

/* The native tier's plan: each chain sums the gradients its iterations take after its first adaptation window (the
 * step size has settled: the trees' depth is about what the run will see; the window's own trees are often much
 * deeper) and, while the tier still decides, reports them every NAT_EVERY iterations from there. */
static void sink_transition(void *ctx, int chain, int iteration, const urn_nuts_stats *st) {
  sample_state *s = ctx;
  nat_count *c = &s->nat[chain];
  int done = iteration + 1;
  if (done == s->nat_first) c->cpu0 = thread_cpu(); /* a chain runs on one thread from start to end */
  if (done <= s->nat_first) return;
  c->grads += st->n_leapfrog;
  if ((done - s->nat_first) % NAT_EVERY || !urn__model_native_deciding(s->r->m)) return;
  int from = c->iters > s->nat_first ? c->iters : s->nat_first;
  double now = thread_cpu();
  urn__model_native_progress(s->r->m, done - c->iters, done - from, (double)(c->grads - c->reported), now - c->cpu0);
  c->iters = done, c->reported = c->grads, c->cpu0 = now;
}

/* The iteration at which a chain's first adaptation window ends (adapt.c's stages: the initial buffer, or 15 % of a
 * warmup too short for the three stages); without adaptation (the step size fixed from the start), the tenth. */
static int first_window(const urn_run_config *c) {
  int w = c->num_warmup, first = 10;
  if (c->adapt_engaged && w >= 20)
    first = (int)urn_metric_adapt_init_buffer((unsigned)w, c->adapt_init_buffer, c->adapt_term_buffer, c->adapt_window);
  else if (c->adapt_engaged && w > first) first = w; /* the step size adapts through a short warmup */
  return first < 10 ? 10 : first;
}

static void sink_rejection(void *ctx, int chain, const char *msg) {
  rn_message(((sample_state *)ctx)->r, chain, URN_RUN_REJECTION, "%s", msg);
}

static void sink_warning(void *ctx, int chain, const char *msg) {
  rn_message(((sample_state *)ctx)->r, chain, URN_RUN_WARNING, "%s", msg);
}

static void sink_mode(void *ctx, const urn_mode_report *rep, const double *theta) {
  sample_state *s = ctx;
  urn_run *r = s->r;
  r->mode = *rep, r->has_mode = 1;
  r->mode_cpu = rn_cpu_seconds() - s->cpu_start;
  if (!theta) return; /* the warning says what happened */
  char lower[160] = "";
  if (rep->n_modes > rep->n_at_best)
    snprintf(lower, sizeof lower, ", %d a lower one (best of them lp__ %.6g)", rep->n_modes - rep->n_at_best,
             rep->second_lp);
  rn_message(r, -1, URN_RUN_INFO,
             "--init mode: %d L-BFGS optimizations (%lld gradient evaluations): %d of %d reached the best mode "
             "(lp__ %.6g)%s; every chain starts there.",
             rep->n_starts, rep->n_gradients, rep->n_at_best, rep->n_starts, rep->best_lp, lower);
}

/* CmdStan's elapsed-time lines: milliseconds, printed as seconds. */
static void elapsed_message(urn_run *r, int chain, double warmup_s, double sampling_s) {
  double w = floor(warmup_s * 1000) / 1000, s = floor(sampling_s * 1000) / 1000;
  rn_message(r, chain, URN_RUN_INFO,
             "\n Elapsed Time: %g seconds (Warm-up)\n               %g seconds (Sampling)\n"
             "               %g seconds (Total)\n",
             w, s, w + s);
}

static void sink_finish(void *ctx, int chain, int status, double warmup_s, double sampling_s) {
  sample_state *s = ctx;
  rn_emit_timing(s->r, chain, warmup_s, sampling_s);
  if (status == URN_OK) elapsed_message(s->r, chain, warmup_s, sampling_s);
}

static void sampler_config(const urn_run *r, urn_sample_config *sc, const double **metrics) {
  const urn_run_config *c = &r->cfg;
  urn_sample_config_default(sc);
  sc->num_chains = r->n_chains, sc->num_threads = c->num_threads, sc->num_warmup = c->num_warmup;
  sc->num_samples = c->num_samples, sc->thin = c->thin, sc->save_warmup = c->save_warmup;
  sc->adapt_engaged = c->adapt_engaged, sc->adapt_delta = c->adapt_delta, sc->adapt_gamma = c->adapt_gamma;
  sc->adapt_kappa = c->adapt_kappa, sc->adapt_t0 = c->adapt_t0, sc->init_buffer = c->adapt_init_buffer;
  sc->term_buffer = c->adapt_term_buffer, sc->window = c->adapt_window, sc->max_depth = c->max_depth;
  sc->stepsize = c->stepsize, sc->metric = c->metric, sc->init_radius = c->init_radius, sc->seed = c->seed;
  sc->adapt_scheme = (urn_adapt_scheme)c->adapt_scheme, sc->lowrank_max_rank = c->lowrank_rank;
  sc->refresh = 1, sc->init_mode = c->init_mode, sc->first_stream = c->id > 0 ? c->id - 1 : 0;
  int any = 0;
  for (int k = 0; k < r->n_chains; k++) {
    metrics[k] = c->metric != URN_METRIC_UNIT ? r->ch[k].inv_metric : NULL;
    any |= metrics[k] != NULL;
  }
  sc->inv_metrics = any ? metrics : NULL;
}

/* The chains' outcomes into the run; the first error into err. */
static int collect(urn_run *r, const urn_chain_result *res, int rc, const urn_error *run_err, urn_error *err) {
  for (int c = 0; c < r->n_chains; c++) {
    rn_chain *ch = &r->ch[c];
    ch->res = res[c];
    ch->status = res[c].status;
    ch->err = res[c].err;
    if (ch->status != URN_OK && ch->status != URN_EINTR) rn_message(r, c, URN_RUN_ERROR, "%s", ch->err.msg);
  }
  if (rc != URN_OK && err) *err = *run_err;
  return rc;
}

static int run_nuts(urn_run *r, urn_error *err) {
  urn_sample_config sc;
  const double **metrics = urn_xcalloc((size_t)r->n_chains, sizeof *metrics);
  const double **inits = urn_xcalloc((size_t)r->n_chains, sizeof *inits);
  sampler_config(r, &sc, metrics);
  for (int c = 0; c < r->n_chains; c++) inits[c] = r->ch[c].init;
  sample_state st = {r, urn_xcalloc((size_t)r->n_chains, sizeof(seen_kinds)), rn_cpu_seconds(),
                     urn_xcalloc((size_t)r->n_chains, sizeof(nat_count)), first_window(&r->cfg)};
  urn_sample_sink sink;
  memset(&sink, 0, sizeof sink);
  sink.ctx = &st, sink.start = sink_start, sink.draw = sink_draw, sink.adapted = sink_adapted;
  sink.progress = sink_progress, sink.rejection = sink_rejection, sink.warning = sink_warning;
  sink.mode = sink_mode, sink.finish = sink_finish;
  if (urn__model_native_deciding(r->m)) sink.transition = sink_transition;
  urn_target target = {r->dim, target_fn, (void *)r->m};
  urn_chain_result *res = urn_xcalloc((size_t)r->n_chains, sizeof *res);
  urn_error run_err;
  urn_error_clear(&run_err);
  int rc = urn_sample_run(&sc, &target, inits, &sink, &r->stop, res, &run_err);
  rc = collect(r, res, rc, &run_err, err);
  int *keep = urn_xcalloc((size_t)r->n_chains, sizeof *keep);
  for (int c = 0; c < r->n_chains; c++) keep[c] = res[c].iterations > 0 || res[c].status == URN_OK;
  urn_error cerr;
  int crc = rn_close_outputs(r, keep, &cerr);
  if (rc == URN_OK && crc != URN_OK) {
    rc = crc;
    if (err) *err = cerr;
  }
  free(keep), free(res), free(st.seen), free(st.nat), free(metrics), free(inits);
  return rc;
}

/* A starting point for chain c of fixed_param: the given one, or uniform(-R, R)
 * draws until the log density is finite (CmdStan's initialization). */
static int fixed_start(urn_run *r, int c, urn_rng *rng, double *theta, urn_error *err) {
  if (r->ch[c].init) {
    memcpy(theta, r->ch[c].init, r->dim * sizeof *theta);
    return URN_OK;
  }
  urn_error e;
  urn_error_clear(&e);
  for (int attempt = 0; attempt < 100; attempt++) {
    for (size_t i = 0; i < r->dim; i++) theta[i] = r->cfg.init_radius * (2 * urn_rng_uniform(rng) - 1);
    double lp;
    int rc = r->dim ? urn_model_log_density(r->m, 1, 1, theta, &lp, &e) : URN_OK;
    if (rc == URN_OK && isfinite(lp)) return URN_OK;
    if (rc != URN_OK && rc != URN_EREJECT) return urn_error_set(err, rc, "chain %d: %s", c + 1, e.msg);
    if (r->dim == 0) return URN_OK;
  }
  return urn_error_set(err, URN_EINPUT, "chain %d: initialization between (-%g, %g) failed after 100 attempts: %s",
                       c + 1, r->cfg.init_radius, r->cfg.init_radius, e.msg[0] ? e.msg : "the log density is not finite");
}

/* One fixed_param chain: num_samples iterations, every thin-th written. */
static int fixed_chain(urn_run *r, int c, seen_kinds *seen, urn_error *err) {
  urn_rng rng;
  urn_rng_seed(&rng, r->cfg.seed, (uint64_t)(r->cfg.id > 0 ? r->cfg.id - 1 : 0) + (uint64_t)c);
  double *theta = urn_xcalloc(r->dim + 1, sizeof *theta);
  int rc = fixed_start(r, c, &rng, theta, err);
  double t0 = rn_now_seconds();
  int total = r->cfg.num_samples, m = 0;
  for (; rc == URN_OK && m < total; m++) {
    if (r->stop) {
      rc = URN_EINTR;
      break;
    }
    if (m % r->cfg.thin == 0) {
      double *row = r->ch[c].row;
      row[0] = 0, row[1] = 0;
      rc = constrain_row(r, seen, c, theta, row + 2, &rng, err);
      if (rc == URN_OK) rc = rn_emit_row(r, c, 0, row, err);
    }
    atomic_store(&r->ch[c].progress, m + 1);
    if (r->cfg.refresh > 0 && (m == 0 || (m + 1) % r->cfg.refresh == 0 || m + 1 == total))
      rn_progress(r, c, m + 1, total, 0, 0);
  }
  double dt = rn_now_seconds() - t0;
  r->ch[c].res.iterations = m;
  r->ch[c].res.sampling_seconds = dt;
  r->ch[c].status = rc;
  if (rc != URN_OK && rc != URN_EINTR) {
    r->ch[c].err = *err;
    rn_message(r, c, URN_RUN_ERROR, "%s", err->msg);
  }
  if (m > 0 || rc == URN_OK) {
    rn_emit_timing(r, c, 0, dt);
    if (rc == URN_OK) elapsed_message(r, c, 0, dt);
  }
  free(theta);
  return rc;
}

static int run_fixed(urn_run *r, urn_error *err) {
  if (r->dim == 0 && !r->cfg.fixed_param)
    rn_message(r, -1, URN_RUN_INFO, "Model contains no parameters, running fixed_param sampler, no updates to Markov chain");
  seen_kinds *seen = urn_xcalloc((size_t)r->n_chains, sizeof *seen);
  int *keep = urn_xcalloc((size_t)r->n_chains, sizeof *keep);
  int status = URN_OK;
  for (int c = 0; c < r->n_chains; c++) {
    urn_error e;
    urn_error_clear(&e);
    int rc = fixed_chain(r, c, &seen[c], &e);
    keep[c] = r->ch[c].res.iterations > 0 || rc == URN_OK;
    if (rc != URN_OK && (status == URN_OK || status == URN_EINTR)) {
      if (status == URN_OK || rc != URN_EINTR) {
        status = rc;
        if (err) *err = e, err->code = rc;
      }
    }
    if (rc == URN_EINTR) break;
  }
  urn_error cerr;
  int crc = rn_close_outputs(r, keep, &cerr);
  if (status == URN_OK && crc != URN_OK) {
    status = crc;
    if (err) *err = cerr;
  }
  free(seen), free(keep);
  return status;
}

/* init_pathfinder: chains without an initial point start at PSIS-resampled
 * draws of a multi-path Pathfinder run (streams from 2^20 + id - 1 on, apart
 * from the chains' own). */
static int pathfinder_inits(urn_run *r, urn_error *err) {
  size_t n = (size_t)r->n_chains, first = 0, n_all = n;
  if (r->cfg.header_num_chains > 0 && r->cfg.part_first >= 0 &&
      (size_t)r->cfg.part_first + n <= (size_t)r->cfg.header_num_chains) /* one part (MPI rank) of a larger run */
    first = (size_t)r->cfg.part_first, n_all = (size_t)r->cfg.header_num_chains;
  double *d = urn_xcalloc(n_all * r->dim + 1, sizeof *d);
  int id0 = r->cfg.id - (int)first; /* the whole run's first chain */
  uint64_t stream = ((uint64_t)1 << 20) + (uint64_t)(id0 > 0 ? id0 - 1 : 0);
  int rc = rn_pathfinder_draws(r, stream, d, n_all, err);
  if (rc == URN_OK) {
    for (size_t c = 0; c < n; c++)
      if (!r->ch[c].init) {
        r->ch[c].init = urn_xcalloc(r->dim + 1, sizeof(double));
        memcpy(r->ch[c].init, d + (first + c) * r->dim, r->dim * sizeof(double));
      }
    rn_message(r, -1, URN_RUN_INFO,
               "--init pathfinder: %d paths, %lld gradient and %lld log density evaluations (Pareto k %.2g); the "
               "chains start at PSIS-resampled Pathfinder draws.",
               r->cfg.num_paths, r->n_grad, r->n_lp, r->pareto_k);
  }
  free(d);
  return rc;
}

int rn_sample(urn_run *r, urn_error *err) {
  if (!r->fixed_param)
    urn__model_native_plan(r->m, (double)r->n_chains * (r->cfg.num_warmup + r->cfg.num_samples));
  if (r->cfg.init_pathfinder && !r->fixed_param) {
    urn_error perr = {0};
    int rc = pathfinder_inits(r, &perr);
    for (int c = 0; c < r->n_chains; c++) atomic_store(&r->ch[c].progress, 0); /* it counted paths: no iteration yet */
    if (rc == URN_EINTR) /* no draw yet, so no file: as a run stopped before its chains' first iteration */
      urn_error_set(&perr, URN_EINTR, "interrupted during the Pathfinder start, before the chains began");
    if (rc != URN_OK && r->cfg.init_pathfinder == 2 && rc != URN_EINTR) {
      /* the Fisher schemes' default start: a Pathfinder failure is not the sampler's */
      rn_message(r, -1, URN_RUN_WARNING, "Pathfinder failed (%s); the chains start from random inits instead.",
                 perr.msg);
    } else if (rc != URN_OK) {
      if (err) *err = perr;
      return rc;
    }
  }
  int rc = rn_open_outputs(r, err);
  if (rc != URN_OK) return rc;
  return r->fixed_param ? run_fixed(r, err) : run_nuts(r, err);
}
