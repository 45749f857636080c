/* tests/conformance.c — `make conformance`: samples posteriors with urn's
 * model and NUTS, and compares every reference quantity with reference.json
 * by the pass rule of ../shared/posteriordb/README.md:
 *   converged: every quantity has bulk-ESS >= 400 and R-hat <= 1.01 (else the
 *              run is inconclusive, never a pass);
 *   mean:      |m - mean| <= 4 sqrt(sd^2 / E + mcse_mean^2);
 *   scale:     |s - sd| <= 4 sqrt(sd^2 (kurtosis - 1) / (4 E') + mcse_sd^2),
 *              with E' the smaller of E and the ESS of the squared deviations
 *              (x - m)^2 (see the comment at the test; a quantity that passes
 *              only with E' is named on the line).  Measured calibration of
 *              both bands on M5 for urn and rstan: docs/sampling.md, "The sd
 *              band" (bench/m5sd/).
 * Usage: conformance [--chains 4] [--warmup 1000] [--draws 1000] [--seed N]
 *        [--threads 2] [--inits] [--init-mode S] [--init-pathfinder] [--metric diag|dense|lowrank]
 *        [--adapt stan|fisher]
 *        [--model FILE] [--only A,B] [--max-depth N]
 *        [--timeout S] DIR...
 * A DIR without the model file is a folder of fixtures: each subfolder with
 * a reference.json is run, in name order, one after the other (a posterior's
 * chains run on --threads threads, so the run never uses more).  --only runs
 * the fixtures whose name contains one of the comma-separated strings;
 * --model picks another program in the folder (model_hmm_marginal.stan);
 * --inits starts every chain from DIR/inits.json when it exists; --init-mode S
 * starts them at the best of S L-BFGS modes (urn sample --init mode:S);
 * --init-pathfinder starts them at PSIS-resampled Pathfinder draws (urn
 * sample --init pathfinder; its evaluations count in the gradients).  The
 * metric adaptation is urn sample's default, --metric lowrank (400 warmup
 * iterations; --metric diag|dense: --adapt fisher, 300), chains started at
 * draws of an 8-path Pathfinder unless --inits or --init-mode is given;
 * --adapt stan is Stan's (1000 warmup iterations, random inits);
 * --timeout S stops a posterior's chains after S seconds of wall time
 * (reported TIMEOUT).  adapt_delta and max_treedepth come from the reference's
 * arguments (as posteriordb ran Stan), else Stan's defaults; --max-depth N
 * overrides the depth.
 * Prints one line per posterior (verdict, min bulk-ESS, max R-hat,
 * divergences, gradients, mean tree depth and max-depth hits, the largest
 * mean and sd z with their quantities (the margin to the band), CPU seconds of
 * the process and microseconds of CPU per gradient, wall seconds) and a
 * total; exits 1 if any posterior failed.
 *
 * Verdicts: PASS (converged and every mean and sd within the band), FAIL (a
 * mean or sd outside the band of a converged run, or a sampling error),
 * INCONCLUSIVE (not converged by the gate; never a pass).  Posteriors listed
 * in stress_tests[] (funnels on which Stan too reports divergences: the
 * centered eight schools) are reported as STRESS when inconclusive and do not
 * count as failures; they still count as failures when they converge and
 * disagree with the reference. */
#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "io/json.h"
#include "urn/diag.h"
#include "urn/model.h"
#include "urn/run.h"
#include "urn/sample.h"
#include "util/util.h"

typedef struct settings {
  int chains, warmup, draws, threads, use_inits; /* sampler settings, --inits */
  int init_mode;                                 /* --init-mode S (0: off) */
  int dense;                                     /* --metric dense or lowrank (the default) */
  int adapt_scheme;                              /* --adapt stan|fisher, --metric lowrank (urn_adapt_scheme;
                                                    lowrank by default, as urn sample) */
  int warmup_given;                              /* --warmup given (else 1000; Fisher: 300, lowrank 400) */
  int max_depth;                                 /* --max-depth N (0: the reference's, else 10) */
  const char *model_file;                        /* program file name in each folder */
  const char *only;                              /* comma-separated name filters (NULL: all) */
  double timeout;                                /* seconds per posterior (0: none) */
  uint64_t seed;                                 /* run seed */
  int init_pathfinder;                           /* --init-pathfinder: chains start at Pathfinder draws */
} settings;

typedef struct store {
  size_t n_out;    /* model outputs per draw */
  int per_chain;   /* draws per chain */
  double *draws;   /* [chain][draw][output] */
  int *count;      /* draws so far per chain */
  int divergent;   /* post-warmup divergences (all chains) */
  long long depth_sum; /* summed post-warmup tree depths (all chains) */
  int depth_hits;  /* post-warmup transitions at the maximum depth */
  int max_depth;   /* the maximum depth */
  long long mode_gradients; /* gradient evaluations of the --init-mode search */
  const urn_model *m; /* for constraining */
} store;

static int model_lp(void *ctx, const double *theta, double *lp, double *grad, urn_error *err) {
  return urn_model_log_density_gradient(ctx, 1, 1, theta, lp, grad, err);
}

static int store_draw(void *ctx, int chain, int it, int warmup, const urn_nuts_stats *st, const double *theta,
                      urn_rng *rng, urn_error *err) {
  store *s = ctx;
  if (warmup) return URN_OK;
  int k = s->count[chain]++;
  if (st->divergent) __atomic_add_fetch(&s->divergent, 1, __ATOMIC_RELAXED);
  __atomic_add_fetch(&s->depth_sum, (long long)st->treedepth, __ATOMIC_RELAXED);
  if (st->treedepth >= s->max_depth) __atomic_add_fetch(&s->depth_hits, 1, __ATOMIC_RELAXED);
  /* parameters and transformed parameters only: the references never use generated quantities */
  return urn_model_param_constrain(s->m, 1, 0, theta, s->draws + ((size_t)chain * s->per_chain + k) * s->n_out,
                                   NULL, err);
}

/* "theta[1]" / "Sigma[2,3]" -> "theta.1" / "Sigma.2.3" */
static void csv_name(const char *bracket, char *out, size_t cap) {
  size_t j = 0;
  for (const char *c = bracket; *c && j + 1 < cap; c++) {
    if (*c == '[' || *c == ',') out[j++] = '.';
    else if (*c != ']' && *c != ' ') out[j++] = *c;
  }
  out[j] = 0;
}

static double num(const urn_json *q, const char *key) {
  double v = NAN;
  const urn_json *x = urn_json_get(q, key);
  if (x) urn_json_number(x, &v);
  return v;
}

typedef struct watchdog {
  volatile sig_atomic_t stop; /* set when the time is up (or the run is over) */
  int done;                   /* the run finished */
  double seconds;             /* the limit */
  pthread_mutex_t lock;       /* guards done */
  pthread_cond_t cond;        /* signalled when done */
} watchdog;

static void *watchdog_main(void *arg) {
  watchdog *w = arg;
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += (time_t)w->seconds;
  pthread_mutex_lock(&w->lock);
  while (!w->done)
    if (pthread_cond_timedwait(&w->cond, &w->lock, &until) != 0) break;
  if (!w->done) w->stop = 1;
  pthread_mutex_unlock(&w->lock);
  return NULL;
}

/* Funnels whose non-convergence is expected (Stan reports divergences there too). */
static const char *const stress_tests[] = {"eight_schools-eight_schools_centered"};

static int is_stress(const char *label) {
  for (size_t i = 0; i < sizeof stress_tests / sizeof *stress_tests; i++)
    if (!strcmp(label, stress_tests[i])) return 1;
  return 0;
}

static double cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static void mode_seen(void *ctx, const urn_mode_report *rep, const double *theta) {
  ((store *)ctx)->mode_gradients = rep->n_gradients;
}

static void warning_seen(void *ctx, int chain, const char *msg) {
  if (chain >= 0)
    fprintf(stderr, "  warning: chain %d: %s\n", chain + 1, msg);
  else
    fprintf(stderr, "  warning: %s\n", msg);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* --init-pathfinder: the chains' initial points (chains x dim, unconstrained) from the run layer's Pathfinder
 * (urn sample's start for the Fisher schemes: 8 paths, PSIS-resampled, tol_rel_grad 10; a run with no iterations), and its
 * gradient and log density evaluations.  NULL, with a message in err, when Pathfinder failed. */
static double *pathfinder_starts(const urn_model *m, const settings *st, size_t dim, long long *evals,
                                 urn_error *err) {
  urn_run_config rc;
  urn_run_config_default(&rc, URN_RUN_SAMPLE);
  rc.num_chains = st->chains, rc.num_threads = st->threads, rc.seed = st->seed, rc.refresh = 0;
  rc.num_warmup = 0, rc.num_samples = 0, rc.init_pathfinder = 1, rc.tol_rel_grad = 10, rc.num_paths = 8;
  urn_run *r = urn_run_new(m, &rc, err);
  if (!r) return NULL;
  double *out = NULL;
  if (urn_run_execute(r, err) == URN_OK) {
    out = urn_xcalloc((size_t)st->chains * dim + 1, sizeof *out);
    for (int c = 0; c < st->chains; c++) urn_run_chain_init(r, c, out + (size_t)c * dim, dim);
    *evals = urn_run_num_gradients(r) + urn_run_num_log_densities(r);
  }
  urn_run_free(r);
  return out;
}

/* Runs one posterior; returns 0 pass, 1 fail, 2 inconclusive, 3 skipped, 4 timed out, 5 stress. */
static int run_one(const char *dir, const char *label, const settings *st) {
  char path[4096], data[4096], ref[4096], inits_path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, st->model_file);
  snprintf(data, sizeof data, "%s/data.json", dir);
  snprintf(ref, sizeof ref, "%s/reference.json", dir);
  snprintf(inits_path, sizeof inits_path, "%s/inits.json", dir);
  struct stat sb;
  urn_error err;
  urn_error_clear(&err);
  urn_json *refj = urn_json_parse_file(ref, &err);
  if (!refj) {
    printf("SKIP  %-48s no reference: %s\n", label, err.msg);
    return 3;
  }
  double t0 = now_s(), c0 = cpu_s();
  urn_model *m = urn_model_from_files(path, stat(data, &sb) == 0 ? data : NULL, st->seed, &err);
  if (!m) {
    char *nl = strchr(err.msg, '\n');
    if (nl) *nl = 0;
    printf("SKIP  %-48s not accepted: %.160s\n", label, err.msg);
    urn_json_free(refj);
    return 3;
  }
  urn_model_set_print(m, NULL);
  urn_sample_config cfg;
  urn_sample_config_default(&cfg);
  cfg.num_chains = st->chains, cfg.num_warmup = st->warmup, cfg.num_samples = st->draws;
  cfg.num_threads = st->threads, cfg.seed = st->seed, cfg.refresh = 0, cfg.init_mode = st->init_mode;
  if (st->dense) cfg.metric = URN_METRIC_DENSE;
  cfg.adapt_scheme = (urn_adapt_scheme)st->adapt_scheme;
  if (st->adapt_scheme != URN_ADAPT_STAN && !st->warmup_given) /* as urn sample */
    cfg.num_warmup = st->adapt_scheme == URN_ADAPT_LOWRANK ? 400 : 300;
  const urn_json *args = urn_json_get(refj, "reference_method_arguments");
  const urn_json *control = args ? urn_json_get(args, "control") : NULL;
  const urn_json *ad = control ? urn_json_get(control, "adapt_delta") : NULL;
  if (ad) urn_json_number(ad, &cfg.adapt_delta);
  /* the reference's tree depth too (diamonds: 20, where every transition at Stan's default 10 hits the limit) */
  const urn_json *md = control ? urn_json_get(control, "max_treedepth") : NULL;
  double mdv;
  if (md && urn_json_number(md, &mdv) && mdv >= 1 && mdv <= 30) cfg.max_depth = (int)mdv;
  if (st->max_depth > 0) cfg.max_depth = st->max_depth;
  size_t dim = urn_model_num_unconstrained(m);
  double *init = NULL;
  const double **inits = NULL;
  if (st->use_inits && stat(inits_path, &sb) == 0) {
    size_t len;
    char *text = urn_read_file(inits_path, &len, &err);
    init = urn_xcalloc(dim + 1, sizeof *init);
    if (!text || urn_model_param_unconstrain_json(m, text, len, inits_path, init, &err) != URN_OK) {
      printf("FAIL  %-48s inits: %s\n", label, err.msg);
      free(text), free(init), urn_model_free(m), urn_json_free(refj);
      return 1;
    }
    free(text);
    inits = urn_xcalloc((size_t)cfg.num_chains, sizeof *inits);
    for (int c = 0; c < cfg.num_chains; c++) inits[c] = init;
  }
  long long pf_evals = 0; /* --init-pathfinder: its gradients and log densities, counted as gradients */
  /* as urn sample: the Fisher schemes start from Pathfinder draws unless told otherwise */
  int pathfinder = st->init_pathfinder || (st->adapt_scheme != URN_ADAPT_STAN && st->init_mode == 0);
  if (pathfinder && !inits) {
    init = pathfinder_starts(m, st, dim, &pf_evals, &err);
    if (!init) {
      printf("FAIL  %-48s pathfinder: %.200s\n", label, err.msg);
      urn_model_free(m), urn_json_free(refj);
      return 1;
    }
    inits = urn_xcalloc((size_t)cfg.num_chains, sizeof *inits);
    for (int c = 0; c < cfg.num_chains; c++) inits[c] = init + (size_t)c * dim;
  }
  store s = {urn_model_num_params(m, 1, 0), st->draws, NULL, NULL, 0, 0, 0, cfg.max_depth, 0, m};
  s.draws = urn_xcalloc((size_t)st->chains * st->draws * (s.n_out ? s.n_out : 1), sizeof(double));
  s.count = urn_xcalloc((size_t)st->chains, sizeof(int));
  urn_sample_sink sink;
  memset(&sink, 0, sizeof sink);
  sink.ctx = &s, sink.draw = store_draw;
  sink.mode = mode_seen, sink.warning = warning_seen;
  urn_target target = {dim, model_lp, m};
  urn_chain_result *res = urn_xcalloc((size_t)st->chains, sizeof *res);
  watchdog wd;
  memset(&wd, 0, sizeof wd);
  wd.seconds = st->timeout;
  pthread_mutex_init(&wd.lock, NULL);
  pthread_cond_init(&wd.cond, NULL);
  pthread_t wt;
  int have_wd = st->timeout > 0 && pthread_create(&wt, NULL, watchdog_main, &wd) == 0;
  int rc = urn_sample_run(&cfg, &target, inits, &sink, &wd.stop, res, &err);
  if (have_wd) {
    pthread_mutex_lock(&wd.lock);
    wd.done = 1;
    pthread_cond_signal(&wd.cond);
    pthread_mutex_unlock(&wd.lock);
    pthread_join(wt, NULL);
  }
  pthread_mutex_destroy(&wd.lock);
  pthread_cond_destroy(&wd.cond);
  double elapsed = now_s() - t0, cpu = cpu_s() - c0;
  int verdict = 0;
  if (rc == URN_EINTR) {
    int done = 0;
    for (int c = 0; c < st->chains; c++) done += res[c].iterations;
    printf("TIMEOUT %-46s stopped after %.0f s (%d of %d iterations)\n", label, elapsed, done,
           st->chains * (cfg.num_warmup + st->draws));
    verdict = 4;
  } else if (rc != URN_OK) {
    printf("FAIL  %-48s sampling failed: %.200s\n", label, err.msg);
    verdict = 1;
  }
  const urn_json *qs = urn_json_get(refj, "quantities");
  double *x = urn_xcalloc((size_t)st->chains * st->draws + 1, sizeof *x);
  char why[1024] = "", note[512] = "";
  char why_gate[512] = "", why_band[768] = ""; /* first unconverged quantity, first quantity outside a band */
  int n_outside = 0;                           /* quantities outside a band */
  double min_ess = INFINITY, max_rhat = 0;
  double worst_zm = 0, worst_zs = 0;           /* the largest mean and sd z of the run */
  char worst_m[64] = "", worst_s[64] = "";     /* and their quantities */
  size_t nq = qs ? qs->len : 0;
  /* Every quantity is judged, also after a failure: the convergence gate and the min/max figures of the line
   * cover all of them (stopping at the first failure once reported a min bulk-ESS of the quantities before it). */
  for (size_t qi = 0; rc == URN_OK && verdict == 0 && qi < nq; qi++) {
    const urn_json *q = qs->items[qi];
    const urn_json *nm = urn_json_get(q, "name");
    char want[256];
    csv_name(nm && nm->str ? nm->str : "?", want, sizeof want);
    size_t col = s.n_out;
    for (size_t i = 0; i < s.n_out; i++)
      if (!strcmp(urn_model_param_name(m, i), want)) col = i;
    if (col == s.n_out) {
      snprintf(why, sizeof why, "no output named %s", want);
      verdict = 1;
      break;
    }
    for (int c = 0; c < st->chains; c++)
      for (int k = 0; k < st->draws; k++)
        x[(size_t)c * st->draws + k] = s.draws[((size_t)c * st->draws + k) * s.n_out + col];
    urn_diag_summary sum;
    if (urn_diag_summarize(x, (size_t)st->chains, (size_t)st->draws, 0.94, NULL, 0, NULL, NULL, &sum, &err) != URN_OK) {
      snprintf(why, sizeof why, "%s: %.700s", want, err.msg);
      verdict = 1;
      break;
    }
    double E = sum.ess_bulk, R = sum.rhat;
    if ((!(E >= 400) || !(R <= 1.01)) && !why_gate[0])
      snprintf(why_gate, sizeof why_gate, "%s: bulk-ESS %.0f, R-hat %.3f", nm->str, E, R);
    if (E < min_ess || isnan(E)) min_ess = E;
    if (R > max_rhat || isnan(R)) max_rhat = R;
    double mean = num(q, "mean"), sd = num(q, "sd"), mcse_mean = num(q, "mcse_mean"), mcse_sd = num(q, "mcse_sd");
    double kurt = num(q, "kurtosis");
    double zm = fabs(sum.mean - mean) / sqrt(sd * sd / E + mcse_mean * mcse_mean);
    /* The scale test's E: the README's rule uses the bulk-ESS of x, but s^2 is the mean of the squared
     * deviations, so by the delta method Var(s) = sd^2 (kurtosis - 1) / (4 E_sq) with E_sq the ESS of (x - m)^2,
     * and NUTS is often antithetic for first moments (bulk-ESS near or above the number of draws) and not for
     * second ones.  On M5 E_sq is 0.27 of the bulk-ESS for urn and for rstan alike; over 20 urn and 10 rstan
     * runs the sd estimates spread 1.7-1.8x what the bulk-ESS predicts and 0.92-0.96x what E_sq predicts
     * (bench/m5sd/results.md).  Use the smaller of the two and say so whenever the strict rule alone would
     * have failed the quantity. */
    size_t nx = (size_t)st->chains * st->draws;
    double *dev2 = urn_xcalloc(nx + 1, sizeof *dev2);
    for (size_t i = 0; i < nx; i++) dev2[i] = (x[i] - sum.mean) * (x[i] - sum.mean);
    double E2 = urn_diag_ess_basic(dev2, (size_t)st->chains, (size_t)st->draws, NULL);
    free(dev2);
    double Es = isfinite(E2) && E2 < E ? E2 : E;
    double zs = fabs(sum.sd - sd) / sqrt(sd * sd * (kurt - 1) / (4 * Es) + mcse_sd * mcse_sd);
    double zs_strict = fabs(sum.sd - sd) / sqrt(sd * sd * (kurt - 1) / (4 * E) + mcse_sd * mcse_sd);
    if (zm > worst_zm || isnan(zm)) worst_zm = zm, snprintf(worst_m, sizeof worst_m, "%s", nm->str);
    if (zs > worst_zs || isnan(zs)) worst_zs = zs, snprintf(worst_s, sizeof worst_s, "%s", nm->str);
    if (zs <= 4 && zs_strict > 4 && !note[0])
      snprintf(note, sizeof note, " (sd of %s: z %.1f by the ESS of squared deviations %.0f; %.1f by bulk-ESS %.0f)",
               nm->str, zs, Es, zs_strict, E);
    if (!(zm <= 4) || !(zs <= 4)) {
      if (!n_outside++)
        snprintf(why_band, sizeof why_band, "%s: mean %.4g vs %.4g (z %.1f), sd %.4g vs %.4g (z %.1f)", nm->str,
                 sum.mean, mean, zm, sum.sd, sd, zs);
    }
  }
  /* a failure on an unconverged run is inconclusive, not a failure */
  if (rc == URN_OK && verdict == 0 && why_gate[0]) {
    verdict = 2;
    snprintf(why, sizeof why, "%s", why_gate);
  } else if (rc == URN_OK && verdict == 0 && n_outside) {
    verdict = 1;
    if (n_outside > 1)
      snprintf(why, sizeof why, "%s; %d quantities outside their bands", why_band, n_outside);
    else
      snprintf(why, sizeof why, "%s", why_band);
  }
  long long grads = s.mode_gradients + pf_evals;
  for (int c = 0; c < st->chains; c++) grads += res[c].n_gradients;
  if (rc == URN_OK) {
    if (verdict == 2 && is_stress(label)) verdict = 5;
    const char *tag = verdict == 0 ? "PASS" : verdict == 1 ? "FAIL" : verdict == 5 ? "STRESS" : "INCONCLUSIVE";
    int kept = st->chains * st->draws;
    double sampling_cpu = 0;
    for (int c = 0; c < st->chains; c++) sampling_cpu += res[c].sampling_cpu_seconds;
    printf("%-5s %-44s %zu quantities, min bulk-ESS %.0f, max R-hat %.3f, %d divergent, %.1fk gradients, "
           "depth %.1f (%d at max), worst z: mean %.1f (%s), sd %.1f (%s), %.1f s CPU (sampling %.1f s; "
           "%.1f us/gradient), %.1f s wall%s%s%s\n",
           tag, label, nq, min_ess, max_rhat, s.divergent, grads / 1000.0, (double)s.depth_sum / kept, s.depth_hits,
           worst_zm, worst_m, worst_zs, worst_s, cpu, sampling_cpu, 1e6 * cpu / (double)(grads ? grads : 1),
           elapsed, why[0] ? ": " : "", why, note);
  }
  fflush(stdout);
  free(x), free(res), free(s.draws), free(s.count), free(inits), free(init);
  urn_model_free(m);
  urn_json_free(refj);
  return verdict;
}

/* Whether name contains one of the comma-separated strings of only (NULL: everything). */
static int selected(const char *name, const char *only) {
  if (!only) return 1;
  char buf[8192];
  if (snprintf(buf, sizeof buf, "%s", only) >= (int)sizeof buf) {
    fprintf(stderr, "conformance: --only list longer than %zu characters\n", sizeof buf - 1);
    exit(2);
  }
  for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
    if (*tok && strstr(name, tok)) return 1;
  return 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv) {
  settings st = {4, 1000, 1000, 2, 0, 0, 1, URN_ADAPT_LOWRANK, 0, 0, "model.stan", NULL, 0, 20260, 0};
  const char *metric = NULL, *adapt = NULL;
  int first = 1;
  for (; first < argc && argv[first][0] == '-'; first++) {
    const char *a = argv[first];
    if (!strcmp(a, "--inits")) st.use_inits = 1;
    else if (first + 1 < argc && !strcmp(a, "--chains")) st.chains = atoi(argv[++first]);
    else if (first + 1 < argc && !strcmp(a, "--warmup")) st.warmup = atoi(argv[++first]), st.warmup_given = 1;
    else if (first + 1 < argc && !strcmp(a, "--draws")) st.draws = atoi(argv[++first]);
    else if (first + 1 < argc && !strcmp(a, "--threads")) st.threads = atoi(argv[++first]);
    else if (first + 1 < argc && !strcmp(a, "--seed")) st.seed = strtoull(argv[++first], NULL, 10);
    else if (first + 1 < argc && !strcmp(a, "--timeout")) st.timeout = atof(argv[++first]);
    else if (first + 1 < argc && !strcmp(a, "--init-mode")) st.init_mode = atoi(argv[++first]);
    else if (first + 1 < argc && !strcmp(a, "--model")) st.model_file = argv[++first];
    else if (first + 1 < argc && !strcmp(a, "--metric")) metric = argv[++first];
    else if (first + 1 < argc && !strcmp(a, "--adapt")) adapt = argv[++first];
    else if (first + 1 < argc && !strcmp(a, "--only")) st.only = argv[++first];
    else if (!strcmp(a, "--init-pathfinder")) st.init_pathfinder = 1;
    else if (first + 1 < argc && !strcmp(a, "--max-depth")) st.max_depth = atoi(argv[++first]);
    else {
      fprintf(stderr, "conformance: unknown option %s\n", a);
      return 2;
    }
  }
  /* the scheme as urn sample chooses it: --metric lowrank by default, diag or dense without --adapt: the Fisher
     divergence's estimate, --adapt stan: Stan's */
  int bad_scheme = (metric && strcmp(metric, "diag") && strcmp(metric, "dense") && strcmp(metric, "lowrank")) ||
                   (adapt && strcmp(adapt, "stan") && strcmp(adapt, "fisher")) ||
                   (metric && adapt && !strcmp(metric, "lowrank") && !strcmp(adapt, "stan"));
  st.dense = metric ? strcmp(metric, "diag") != 0 : !adapt;
  st.adapt_scheme = (metric && !strcmp(metric, "lowrank")) || (!metric && !adapt) ? URN_ADAPT_LOWRANK
                    : adapt && !strcmp(adapt, "stan")                              ? URN_ADAPT_STAN
                                                                                   : URN_ADAPT_FISHER;
  if (first >= argc || st.chains < 1 || st.draws < 1 || bad_scheme) {
    fprintf(stderr, "usage: conformance [--chains N] [--warmup N] [--draws N] [--seed N] [--threads N] [--inits] "
                    "[--init-mode S] [--init-pathfinder] [--metric diag|dense|lowrank] [--adapt stan|fisher] [--model FILE] [--only A,B,...] [--max-depth N] [--timeout S] DIR...\n");
    return 2;
  }
  int counts[6] = {0, 0, 0, 0, 0, 0};
  for (int i = first; i < argc; i++) {
    char p[4096];
    struct stat sb;
    snprintf(p, sizeof p, "%s/%s", argv[i], st.model_file);
    if (stat(p, &sb) == 0) {
      const char *base = strrchr(argv[i], '/');
      counts[run_one(argv[i], base && base[1] ? base + 1 : argv[i], &st)]++;
      continue;
    }
    DIR *d = opendir(argv[i]);
    if (!d) {
      fprintf(stderr, "conformance: cannot open %s\n", argv[i]);
      return 2;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
      if (e->d_name[0] == '.') continue;
      snprintf(p, sizeof p, "%s/%s/reference.json", argv[i], e->d_name);
      if (stat(p, &sb) != 0 || !selected(e->d_name, st.only)) continue;
      names = urn_xrealloc(names, (n + 1) * sizeof *names);
      names[n++] = urn_xstrdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    for (size_t k = 0; k < n; k++) {
      snprintf(p, sizeof p, "%s/%s", argv[i], names[k]);
      counts[run_one(p, names[k], &st)]++;
      free(names[k]);
    }
    free(names);
  }
  int total = counts[0] + counts[1] + counts[2] + counts[3] + counts[4] + counts[5];
  printf("conformance: %d passed, %d failed, %d inconclusive, %d stress tests inconclusive as expected, %d timed out, "
         "%d skipped (not accepted) of %d posteriors\n",
         counts[0], counts[1], counts[2], counts[5], counts[4], counts[3], total);
  return counts[1] ? 1 : 0;
}
