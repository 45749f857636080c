/* run/run_args.c — CmdStan 2.36's argument tree over urn_run_config (see
 * run_args.h): the table, the parser, the printers (help-all, the
 * configuration comments of output files) and urn_run_config_set. */
#include "run/run_args.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "run/run_internal.h"

typedef enum rn_kind { RK_GROUP, RK_LIST, RK_INT, RK_UINT, RK_REAL, RK_BOOL, RK_STR, RK_SEED } rn_kind;

typedef struct rn_arg rn_arg;
struct rn_arg {
  const char *name;   /* as typed (NULL ends a table) */
  rn_kind kind;       /* group of sub-arguments, list of alternatives, or a value */
  const char *help;   /* one line for help-all */
  const rn_arg *kids; /* group: its sub-arguments; list: its alternatives (groups) */
  long off;           /* offset of the value in urn_run_config, or -1: accepted, not stored */
  double lo, hi;      /* numbers: the valid range lo <= x <= hi */
  const char *deflt;  /* default, as printed */
  int value;          /* an alternative of a list: the value its list holds (-1: urn cannot run it) */
};

#define OFF(f) ((long)offsetof(urn_run_config, f))
#define NONE (-1L)
#define END {NULL, RK_GROUP, NULL, NULL, NONE, 0, 0, NULL, 0}
#define GROUP(n, kids, h) {n, RK_GROUP, h, kids, NONE, 0, 0, NULL, 0}
#define ALT(n, kids, v, h) {n, RK_GROUP, h, kids, NONE, 0, 0, NULL, v}
#define FLAG(n, v, h) {n, RK_GROUP, h, no_kids, NONE, 0, 0, "", v} /* an alternative printed as nothing */
#define LIST(n, off, alts, d, h) {n, RK_LIST, h, alts, off, 0, 0, d, 0}
#define INT(n, off, lo, hi, d, h) {n, RK_INT, h, NULL, off, lo, hi, d, 0}
#define UINT(n, off, d, h) {n, RK_UINT, h, NULL, off, 0, UINT_MAX, d, 0}
#define REAL(n, off, lo, hi, d, h) {n, RK_REAL, h, NULL, off, lo, hi, d, 0}
#define POS(n, off, d, h) {n, RK_REAL, h, NULL, off, 0x1p-1074, INFINITY, d, 0}
#define BOOL(n, off, d, h) {n, RK_BOOL, h, NULL, off, 0, 1, d, 0}
#define STR(n, off, d, h) {n, RK_STR, h, NULL, off, 0, 0, d, 0}

static const rn_arg no_kids[] = {END};
static const rn_arg nuts_kids[] = {INT("max_depth", OFF(max_depth), 1, INT_MAX, "10", "Maximum tree depth"), END};
static const rn_arg static_kids[] = {
    POS("int_time", NONE, "6.28319", "Total integration time for Hamiltonian evolution"), END};
static const rn_arg engine_alts[] = {ALT("nuts", nuts_kids, 0, "The No-U-Turn Sampler"),
                                     ALT("static", static_kids, -1, "Static integration time"), END};
static const rn_arg metric_alts[] = {FLAG("unit_e", URN_METRIC_UNIT, "Euclidean manifold with unit metric"),
                                     FLAG("diag_e", URN_METRIC_DIAG, "Euclidean manifold with diag metric"),
                                     FLAG("dense_e", URN_METRIC_DENSE, "Euclidean manifold with dense metric"),
                                     END};
static const rn_arg hmc_kids[] = {
    LIST("engine", NONE, engine_alts, "nuts", "Engine for Hamiltonian Monte Carlo"),
    LIST("metric", OFF(metric), metric_alts, "diag_e", "Geometry of base manifold"),
    STR("metric_file", OFF(metric_file), "", "Input file with precomputed Euclidean metric"),
    POS("stepsize", OFF(stepsize), "1", "Step size for discrete evolution"),
    REAL("stepsize_jitter", OFF(stepsize_jitter), 0, 1, "0", "Uniformly random jitter of the stepsize, in percent"),
    END};
static const rn_arg sample_algo_alts[] = {ALT("hmc", hmc_kids, 0, "Hamiltonian Monte Carlo"),
                                          FLAG("fixed_param", 1, "Fixed Parameter Sampler"), END};
static const rn_arg adapt_kids[] = {
    BOOL("engaged", OFF(adapt_engaged), "1", "Adaptation engaged?"),
    POS("gamma", OFF(adapt_gamma), "0.05", "Adaptation regularization scale"),
    REAL("delta", OFF(adapt_delta), 0.1, 0x1.fffffffffffffp-1, "0.8", "Adaptation target acceptance statistic"),
    POS("kappa", OFF(adapt_kappa), "0.75", "Adaptation relaxation exponent"),
    POS("t0", OFF(adapt_t0), "10", "Adaptation iteration offset"),
    UINT("init_buffer", OFF(adapt_init_buffer), "75", "Width of initial fast adaptation interval"),
    UINT("term_buffer", OFF(adapt_term_buffer), "50", "Width of final fast adaptation interval"),
    UINT("window", OFF(adapt_window), "25", "Initial width of slow adaptation interval"),
    BOOL("save_metric", NONE, "0", "Save metric as JSON? (not written by urn)"),
    END};
static const rn_arg sample_kids[] = {
    INT("num_samples", OFF(num_samples), 0, INT_MAX, "1000", "Number of sampling iterations"),
    INT("num_warmup", OFF(num_warmup), 0, INT_MAX, "1000", "Number of warmup iterations"),
    BOOL("save_warmup", OFF(save_warmup), "0", "Stream warmup samples to output?"),
    INT("thin", OFF(thin), 1, INT_MAX, "1", "Period between saved samples"),
    GROUP("adapt", adapt_kids, "Warmup Adaptation"),
    LIST("algorithm", OFF(fixed_param), sample_algo_alts, "hmc", "Sampling algorithm"),
    INT("num_chains", OFF(num_chains), 1, INT_MAX, "1", "Number of chains"),
    END};
#define LINESEARCH_KIDS(off_init_alpha, off_tol_obj, off_tol_rel_obj, off_tol_grad, off_tol_rel_grad, off_tol_param) \
  POS("init_alpha", off_init_alpha, "0.001", "Line search step size for first iteration"),                         \
      POS("tol_obj", off_tol_obj, "1e-12", "Convergence tolerance on absolute changes in objective function value"), \
      POS("tol_rel_obj", off_tol_rel_obj, "10000",                                                                  \
          "Convergence tolerance on relative changes in objective function value"),                                 \
      POS("tol_grad", off_tol_grad, "1e-08", "Convergence tolerance on the norm of the gradient"),                  \
      POS("tol_rel_grad", off_tol_rel_grad, "1e+07", "Convergence tolerance on the relative norm of the gradient"), \
      POS("tol_param", off_tol_param, "1e-08", "Convergence tolerance on changes in parameter value")
#define OPT_OFFS (OFF(init_alpha), OFF(tol_obj), OFF(tol_rel_obj), OFF(tol_grad), OFF(tol_rel_grad), OFF(tol_param))
#define APPLY(macro, args) macro args
static const rn_arg bfgs_kids[] = {APPLY(LINESEARCH_KIDS, OPT_OFFS), END};
static const rn_arg lbfgs_kids[] = {
    APPLY(LINESEARCH_KIDS, OPT_OFFS),
    INT("history_size", OFF(history_size), 1, INT_MAX, "5", "Amount of history to keep for L-BFGS"), END};
static const rn_arg opt_algo_alts[] = {ALT("bfgs", bfgs_kids, URN_RUN_BFGS, "BFGS with linesearch"),
                                       ALT("lbfgs", lbfgs_kids, URN_RUN_LBFGS, "LBFGS with linesearch"),
                                       ALT("newton", no_kids, URN_RUN_NEWTON, "Newton's method"), END};
static const rn_arg optimize_kids[] = {
    LIST("algorithm", OFF(algorithm), opt_algo_alts, "lbfgs", "Optimization algorithm"),
    BOOL("jacobian", OFF(jacobian), "0",
         "When true, include change-of-variables adjustment for constraining parameter transforms"),
    INT("iter", OFF(iter), 1, INT_MAX, "2000", "Total number of iterations"),
    BOOL("save_iterations", OFF(save_iterations), "0", "Stream optimization progress to output?"),
    END};
static const rn_arg vb_algo_alts[] = {ALT("meanfield", no_kids, 0, "mean-field approximation"),
                                      ALT("fullrank", no_kids, 1, "full-rank covariance"), END};
static const rn_arg vb_adapt_kids[] = {
    BOOL("engaged", OFF(adapt_engaged), "1", "Eta adaptation engaged?"),
    INT("iter", OFF(adapt_iter), 1, INT_MAX, "50", "Number of iterations for eta adaptation"), END};
static const rn_arg variational_kids[] = {
    LIST("algorithm", OFF(vi_algorithm), vb_algo_alts, "meanfield", "Variational inference algorithm"),
    INT("iter", OFF(vi_iter), 1, INT_MAX, "10000", "Maximum number of ADVI iterations"),
    INT("grad_samples", OFF(grad_samples), 1, INT_MAX, "1", "Number of Monte Carlo draws for computing the gradient"),
    INT("elbo_samples", OFF(elbo_samples), 1, INT_MAX, "100", "Number of Monte Carlo draws for estimate of ELBO"),
    POS("eta", OFF(eta), "1", "Stepsize scaling parameter"),
    GROUP("adapt", vb_adapt_kids, "Eta Adaptation for Variational Inference"),
    POS("tol_rel_obj", OFF(vi_tol_rel_obj), "0.01", "Relative tolerance parameter for convergence"),
    INT("eval_elbo", OFF(eval_elbo), 1, INT_MAX, "100", "Number of iterations between ELBO evaluations"),
    INT("output_samples", OFF(output_samples), 1, INT_MAX, "1000",
        "Number of approximate posterior output draws to save"),
    END};
static const rn_arg gradient_kids[] = {POS("epsilon", NONE, "1e-06", "Finite difference step size"),
                                       POS("error", NONE, "1e-06", "Error threshold"), END};
static const rn_arg test_alts[] = {
    ALT("gradient", gradient_kids, 0, "Check model gradient against finite differences"), END};
static const rn_arg diagnose_kids[] = {LIST("test", NONE, test_alts, "gradient", "Diagnostic test"), END};
static const rn_arg gq_kids[] = {
    STR("fitted_params", OFF(fitted_params), "", "Input file of sample of fitted parameter values"),
    INT("num_chains", OFF(num_chains), 1, INT_MAX, "1", "Number of chains"), END};
static const rn_arg pathfinder_kids[] = {
    APPLY(LINESEARCH_KIDS, OPT_OFFS),
    INT("history_size", OFF(history_size), 1, INT_MAX, "5", "Amount of history to keep for L-BFGS"),
    INT("num_psis_draws", OFF(num_psis_draws), 1, INT_MAX, "1000", "Number of draws from PSIS sample"),
    INT("num_paths", OFF(num_paths), 1, INT_MAX, "4", "Number of single pathfinders"),
    BOOL("save_single_paths", OFF(save_single_paths), "0", "Output single-path pathfinder draws as CSV"),
    BOOL("psis_resample", OFF(psis_resample), "1", "Perform PSIS resampling on the draws of the single pathfinders"),
    BOOL("calculate_lp", OFF(calculate_lp), "1", "Compute the log density of every draw"),
    INT("max_lbfgs_iters", OFF(max_lbfgs_iters), 1, INT_MAX, "1000", "Maximum number of LBFGS iterations"),
    INT("num_draws", OFF(num_draws), 1, INT_MAX, "1000", "Number of approximate posterior draws"),
    INT("num_elbo_draws", OFF(num_elbo_draws), 1, INT_MAX, "25", "Number of Monte Carlo draws to evaluate ELBO"),
    END};
static const rn_arg log_prob_kids[] = {
    STR("unconstrained_params", OFF(uparams_file), "", "Input file (JSON) of parameter values on unconstrained scale"),
    STR("constrained_params", OFF(params_file), "", "Input file (JSON or CSV) of parameter values on constrained scale"),
    BOOL("jacobian", OFF(jacobian), "1",
         "When true, include change-of-variables adjustment for constraining parameter transforms"),
    END};
static const rn_arg laplace_kids[] = {
    STR("mode", OFF(mode_file), "", "A mode on the constrained scale for all model parameters, in JSON or CSV"),
    BOOL("jacobian", OFF(jacobian), "1",
         "When true, include change-of-variables adjustment for constraining parameter transforms"),
    INT("draws", OFF(draws), 0, INT_MAX, "1000", "Number of draws from the laplace approximation"),
    BOOL("calculate_lp", OFF(calculate_lp), "1", "Calculate the log probability of the model at each draw"),
    END};
static const rn_arg method_alts[] = {
    ALT("sample", sample_kids, URN_RUN_SAMPLE, "Bayesian inference with Markov Chain Monte Carlo"),
    ALT("optimize", optimize_kids, URN_RUN_OPTIMIZE, "Point estimation"),
    ALT("variational", variational_kids, URN_RUN_VARIATIONAL, "Variational inference"),
    ALT("diagnose", diagnose_kids, -1, "Model diagnostics"),
    ALT("generate_quantities", gq_kids, URN_RUN_GENERATE, "Generate quantities of interest"),
    ALT("pathfinder", pathfinder_kids, URN_RUN_PATHFINDER, "Pathfinder algorithm"),
    ALT("log_prob", log_prob_kids, URN_RUN_LOG_PROB,
        "Return the log density up to a constant and its gradients, given supplied parameters"),
    ALT("laplace", laplace_kids, URN_RUN_LAPLACE, "Sample from a Laplace approximation"),
    END};
static const rn_arg data_kids[] = {STR("file", OFF(data_file), "", "Input data file"), END};
static const rn_arg random_kids[] = {{"seed", RK_SEED, "Random number generator seed", NULL, OFF(seed), -1, 4294967295.0,
                                      "-1", 0},
                                     END};
static const rn_arg output_kids[] = {
    STR("file", OFF(output_file), "output.csv", "Output file"),
    STR("diagnostic_file", OFF(diagnostic_file), "", "Auxiliary output file for diagnostic information"),
    INT("refresh", OFF(refresh), 0, INT_MAX, "100", "Number of iterations between screen updates"),
    INT("sig_figs", OFF(sig_figs), -1, 18, "-1", "The number of significant figures used for the output CSV files"),
    STR("profile_file", OFF(profile_file), "profile.csv", "File to store profiling information"),
    BOOL("save_cmdstan_config", NONE, "0", "Save the CmdStan configuration as JSON alongside the output files"),
    END};
static const rn_arg top_args[] = {
    LIST("method", OFF(method), method_alts, "sample", "Analysis method (Note that method= is optional)"),
    INT("id", OFF(id), 0, INT_MAX, "1", "Unique process identifier"),
    GROUP("data", data_kids, "Input data options"),
    STR("init", OFF(init), "2",
        "Initialization method: \"x\" initializes randomly between [-x, x], \"0\" initializes to 0, anything else "
        "identifies a file of values"),
    GROUP("random", random_kids, "Random number configuration"),
    GROUP("output", output_kids, "File output options"),
    INT("num_threads", OFF(num_threads), -1, INT_MAX, "1", "Number of threads available to the program"),
    END};

_Static_assert(sizeof(urn_run_method) == sizeof(int) && sizeof(urn_metric_kind) == sizeof(int) &&
                   sizeof(urn_run_optimizer) == sizeof(int),
               "list fields are stored as int");

/* ---- values ---- */

static void *field(urn_run_config *cfg, const rn_arg *a) { return a->off < 0 ? NULL : (char *)cfg + a->off; }
static const void *cfield(const urn_run_config *cfg, const rn_arg *a) {
  return a->off < 0 ? NULL : (const char *)cfg + a->off;
}

static const char *type_name(const rn_arg *a) {
  switch (a->kind) {
    case RK_INT: return "int";
    case RK_UINT: return "unsigned int";
    case RK_REAL: return "double";
    case RK_BOOL: return "boolean";
    case RK_STR: return "string";
    case RK_SEED: return "long long int";
    case RK_LIST: return "list element";
    default: return "";
  }
}

/* The valid values of a, as help and error messages show them. */
static void valid_text(const rn_arg *a, char *out, size_t cap) {
  if (a->kind == RK_LIST) {
    size_t len = 0;
    for (const rn_arg *k = a->kids; k->name && len < cap; k++)
      len += (size_t)snprintf(out + len, cap - len, "%s%s", k == a->kids ? " " : ", ", k->name);
  } else if (a->kind == RK_BOOL) {
    snprintf(out, cap, " [0, 1]");
  } else if (a->kind == RK_STR) {
    snprintf(out, cap, " All");
  } else if (a->kind == RK_SEED) {
    snprintf(out, cap, " non-negative integer < 4294967296 or -1 to generate seed from system time");
  } else if (!strcmp(a->name, "sig_figs")) {
    snprintf(out, cap, " 0 <= integer <= 18 or -1 to use the default number of significant figures");
  } else if (!strcmp(a->name, "num_threads")) {
    snprintf(out, cap, " num_threads > 0 || num_threads == -1");
  } else if (a->hi == INFINITY || a->hi >= INT_MAX) {
    snprintf(out, cap, " 0 %s %s", a->lo > 0 ? "<" : "<=", a->name);
  } else {
    snprintf(out, cap, " %g <= %s <= %g", a->lo, a->name, a->hi);
  }
}

/* Parses text as a value of a; 0 when it is not valid. */
static int convert(const rn_arg *a, const char *text, void *dst) {
  if (!text) return 0;
  char *end;
  errno = 0;
  switch (a->kind) {
    case RK_BOOL: {
      int v;
      if (!strcmp(text, "1") || !strcmp(text, "true")) v = 1;
      else if (!strcmp(text, "0") || !strcmp(text, "false")) v = 0;
      else return 0;
      if (dst) *(int *)dst = v;
      return 1;
    }
    case RK_INT:
    case RK_UINT:
    case RK_SEED: {
      long long v = strtoll(text, &end, 10);
      if (!*text || *end || errno || v < a->lo || v > a->hi) return 0;
      if (a->kind == RK_INT && !strcmp(a->name, "num_threads") && v == 0) return 0;
      if (!dst) return 1;
      if (a->kind == RK_INT) *(int *)dst = (int)v;
      else if (a->kind == RK_UINT) *(unsigned *)dst = (unsigned)v;
      else *(uint64_t *)dst = (uint64_t)v; /* -1: the caller draws one from the clock */
      return 1;
    }
    case RK_REAL: {
      double v = strtod(text, &end);
      if (!*text || *end || errno == ERANGE || !(v >= a->lo && v <= a->hi)) return 0;
      if (dst) *(double *)dst = v;
      return 1;
    }
    case RK_STR:
      if (dst) *(const char **)dst = text;
      return 1;
    default:
      return 0;
  }
}

/* The text of a's value in cfg, as CmdStan prints it. */
static void value_text(const urn_run_config *cfg, const rn_arg *a, char *out, size_t cap) {
  const void *p = cfield(cfg, a);
  if (!p) {
    snprintf(out, cap, "%s", a->deflt ? a->deflt : "");
    return;
  }
  switch (a->kind) {
    case RK_LIST: {
      int v = *(const int *)p;
      const char *name = a->deflt;
      for (const rn_arg *k = a->kids; k->name; k++)
        if (k->value == v) name = k->name;
      snprintf(out, cap, "%s", name);
      return;
    }
    case RK_INT:
    case RK_BOOL: snprintf(out, cap, "%d", *(const int *)p); return;
    case RK_UINT: snprintf(out, cap, "%u", *(const unsigned *)p); return;
    case RK_REAL: snprintf(out, cap, "%g", *(const double *)p); return;
    case RK_SEED: snprintf(out, cap, "%llu", (unsigned long long)*(const uint64_t *)p); return;
    case RK_STR: {
      const char *s = *(const char *const *)p;
      if (a->off == OFF(init) && !s) snprintf(out, cap, "%g", cfg->init_radius);
      else snprintf(out, cap, "%s", s ? s : a->deflt);
      return;
    }
    default: out[0] = 0;
  }
}

/* The chosen alternative of list a in cfg (the default when not stored). */
static const rn_arg *chosen(const urn_run_config *cfg, const rn_arg *a) {
  char name[64];
  value_text(cfg, a, name, sizeof name);
  for (const rn_arg *k = a->kids; k->name; k++)
    if (!strcmp(k->name, name)) return k;
  return a->kids;
}

/* ---- printing the configuration ---- */

typedef struct printer {
  void (*put)(void *ctx, const char *line); /* where lines go */
  void *ctx;                                /* its argument */
} printer;

static void print_arg(const printer *pr, const urn_run_config *cfg, const rn_arg *a, int depth) {
  char line[4400], val[4096];
  int ind = 2 * depth;
  if (a->kind == RK_GROUP) {
    if (a->deflt) return; /* an unvalued alternative (metric=diag_e, algorithm=fixed_param) */
    snprintf(line, sizeof line, "%*s%s", ind, "", a->name);
    pr->put(pr->ctx, line);
    for (const rn_arg *k = a->kids; k->name; k++) print_arg(pr, cfg, k, depth + 1);
    return;
  }
  value_text(cfg, a, val, sizeof val);
  if (a->off == OFF(num_chains) && cfg->header_num_chains > 0) snprintf(val, sizeof val, "%d", cfg->header_num_chains);
  int is_default = a->kind != RK_SEED && a->deflt && !strcmp(val, a->deflt);
  snprintf(line, sizeof line, "%*s%s = %s%s", ind, "", a->name, val, is_default ? " (Default)" : "");
  pr->put(pr->ctx, line);
  if (a->kind == RK_LIST) print_arg(pr, cfg, chosen(cfg, a), depth + 1);
}

/* The argument tree of cfg (CmdStan's parser.print), one line per argument. */
static void print_tree(const urn_run_config *cfg, const printer *pr) {
  for (const rn_arg *a = top_args; a->name; a++) print_arg(pr, cfg, a, 0);
}

void rn_write_config(const urn_run *r, int c, void (*put)(void *ctx, const char *line), void *ctx) {
  printer pr = {put, ctx};
  urn_run_config cfg = r->cfg;
  cfg.id = r->cfg.id + c;
  cfg.fixed_param = r->fixed_param;
  if (!cfg.output_file) cfg.output_file = r->ch[c].csv_path;
  if (!cfg.diagnostic_file) cfg.diagnostic_file = r->ch[c].diag_path;
  char line[512];
  time_t now = time(NULL);
  struct tm tmv;
  gmtime_r(&now, &tmv);
  put(ctx, "stan_version_major = 2");
  put(ctx, "stan_version_minor = 36");
  put(ctx, "stan_version_patch = 0");
  snprintf(line, sizeof line, "model = %s_model", urn_model_name(r->m));
  put(ctx, line);
  strftime(line, sizeof line, "start_datetime = %Y-%m-%d %H:%M:%S UTC", &tmv);
  put(ctx, line);
  print_tree(&cfg, &pr);
  snprintf(line, sizeof line, "stanc_version = urn %s", urn_version());
  put(ctx, line);
  put(ctx, "stancflags = ");
}

void rn_args_print(const urn_run_config *cfg, void (*put)(void *ctx, const char *line), void *ctx) {
  printer pr = {put, ctx};
  print_tree(cfg, &pr);
}

/* ---- help ---- */

static void help_arg(urn_buf *b, const rn_arg *a, int depth) {
  int ind = 2 * depth;
  char valid[512];
  if (a->kind == RK_GROUP) {
    urn_buf_printf(b, "%*s%s\n%*s  %s\n", ind, "", a->name, ind, "", a->help);
    if (a->kids[0].name) {
      urn_buf_printf(b, "%*s  Valid subarguments:", ind, "");
      for (const rn_arg *k = a->kids; k->name; k++) urn_buf_printf(b, "%s%s", k == a->kids ? " " : ", ", k->name);
      urn_buf_putc(b, '\n');
    }
    urn_buf_putc(b, '\n');
    for (const rn_arg *k = a->kids; k->name; k++) help_arg(b, k, depth + 1);
    return;
  }
  valid_text(a, valid, sizeof valid);
  urn_buf_printf(b, "%*s%s=<%s>\n%*s  %s\n%*s  Valid values:%s\n%*s  Defaults to %s\n\n", ind, "", a->name,
                 type_name(a), ind, "", a->help, ind, "", valid, ind, "",
                 a->kind == RK_STR && !a->deflt[0] ? "\"\"" : a->deflt);
  if (a->kind == RK_LIST)
    for (const rn_arg *k = a->kids; k->name; k++) help_arg(b, k, depth + 1);
}

void rn_args_help_all(urn_buf *b) {
  for (const rn_arg *a = top_args; a->name; a++) help_arg(b, a, 1);
}

static void usage(urn_buf *b, const char *prog) {
  urn_buf_printf(b,
                 "Usage: %s <arg1> <subarg1_1> ... <subarg1_m> ... <arg_n> <subarg_n_1> ... <subarg_n_m>\n\n"
                 "Begin by selecting amongst the following inference methods and diagnostics,\n",
                 prog);
  for (const rn_arg *k = method_alts; k->name; k++) urn_buf_printf(b, "  %-20s  %s\n", k->name, k->help);
  urn_buf_printf(b, "\nOr see help information with\n  %-20s  Prints help\n  %-20s  Prints entire argument tree\n\n"
                    "Additional configuration available by specifying\n",
                 "help", "help-all");
  for (const rn_arg *a = top_args + 1; a->name; a++) urn_buf_printf(b, "  %-20s  %s\n", a->name, a->help);
  urn_buf_printf(b, "\nSee %s <arg1> [ help | help-all ] for details on individual arguments.\n\n", prog);
}

/* ---- parsing ---- */

typedef struct parser {
  rn_args *a;  /* result */
  char **tok;  /* the arguments */
  int n;       /* their count */
  int pos;     /* next one */
  int bad;     /* an error was reported */
} parser;

/* Splits tok at its first '=': the name into name[cap], *value after it (NULL: no '='). */
static void split(const char *tok, char *name, size_t cap, const char **value) {
  const char *eq = strchr(tok, '=');
  size_t n = eq ? (size_t)(eq - tok) : strlen(tok);
  if (n >= cap) n = cap - 1;
  memcpy(name, tok, n);
  name[n] = 0;
  *value = eq ? eq + 1 : NULL;
}

static const rn_arg *find(const rn_arg *table, const char *name) {
  for (const rn_arg *k = table; k->name; k++)
    if (!strcmp(k->name, name)) return k;
  return NULL;
}

static void parse_arg(parser *p, const rn_arg *a, const char *value);

/* Sub-arguments of a group, as long as the next argument is one of them. */
static void parse_kids(parser *p, const rn_arg *group) {
  while (p->pos < p->n && !p->bad) {
    char name[128];
    const char *value;
    split(p->tok[p->pos], name, sizeof name, &value);
    const rn_arg *k = find(group->kids, name);
    if (!k) return;
    parse_arg(p, k, value);
  }
}

static void invalid(parser *p, const rn_arg *a, const char *value) {
  char valid[512];
  valid_text(a, valid, sizeof valid);
  urn_buf_printf(&p->a->err, "%s is not a valid value for \"%s\"\n  Valid values:%s\n", value ? value : "", a->name,
                 valid);
  p->bad = 1;
}

/* The argument at p->pos is a (its value after '=' given). */
static void parse_arg(parser *p, const rn_arg *a, const char *value) {
  const char *tok = p->tok[p->pos++];
  if (a->kind == RK_GROUP) {
    if (value) {
      urn_buf_printf(&p->a->err, "%s: \"%s\" takes sub-arguments, not a value\n", tok, a->name);
      p->bad = 1;
      return;
    }
    parse_kids(p, a);
    return;
  }
  if (a->kind == RK_LIST) {
    const rn_arg *alt = value ? find(a->kids, value) : NULL;
    if (!alt) {
      invalid(p, a, value);
      return;
    }
    if (alt->value < 0) {
      if (!p->a->unsupported) {
        snprintf(p->a->unsupported_buf, sizeof p->a->unsupported_buf, "%s=%s", a->name, value);
        p->a->unsupported = p->a->unsupported_buf;
      }
    } else if (a->off >= 0) {
      int v = alt->value;
      memcpy(field(&p->a->cfg, a), &v, sizeof v);
    }
    if (a == top_args) p->a->method = alt->name;
    parse_kids(p, alt);
    return;
  }
  if (!convert(a, value, field(&p->a->cfg, a))) {
    invalid(p, a, value);
    return;
  }
  if (a->kind == RK_SEED) p->a->seed_given = strcmp(value, "-1") != 0;
  if (a->off == OFF(num_threads)) p->a->num_threads_given = 1;
  if (a->off == OFF(uparams_file)) p->a->log_prob_unconstrained = 1;
  if (a->off == OFF(jacobian)) p->a->jacobian_given = 1;
}

/* "Perhaps you meant": every path to an argument called name. */
static void suggest(urn_buf *b, const rn_arg *table, const char *name, const char *prefix, int *found) {
  for (const rn_arg *a = table; a->name; a++) {
    char path[512];
    if (!strcmp(a->name, name)) {
      if (!*found) urn_buf_puts(b, "Perhaps you meant one of the following valid configurations?\n");
      *found = 1;
      if (a->kind == RK_GROUP) urn_buf_printf(b, "  %s%s\n", prefix, a->name);
      else urn_buf_printf(b, "  %s%s=<%s>\n", prefix, a->name, type_name(a));
    }
    if (a->kind == RK_GROUP && a->kids) {
      snprintf(path, sizeof path, "%s%s ", prefix, a->name);
      suggest(b, a->kids, name, path, found);
    } else if (a->kind == RK_LIST) {
      for (const rn_arg *k = a->kids; k->name; k++) {
        snprintf(path, sizeof path, "%s%s=%s ", prefix, a->name, k->name);
        suggest(b, k->kids, name, path, found);
      }
    }
  }
}

rn_args_action rn_args_parse(rn_args *a, int argc, char **argv) {
  memset(a, 0, sizeof *a);
  urn_run_config_default(&a->cfg, URN_RUN_SAMPLE);
  a->cfg.sig_figs = -1, a->cfg.keep_draws = 0, a->cfg.overwrite = 1;
  a->method = "sample";
  urn_buf_init(&a->out), urn_buf_init(&a->err);
  const char *prog = argc > 0 ? argv[0] : "model";
  if (argc <= 1) {
    usage(&a->out, prog);
    return RN_ARGS_ERROR;
  }
  parser p = {a, argv + 1, argc - 1, 0, 0};
  int used[16] = {0};
  while (p.pos < p.n && !p.bad) {
    const char *tok = p.tok[p.pos];
    if (!strcmp(tok, "help")) {
      usage(&a->out, prog);
      return RN_ARGS_HELP;
    }
    if (!strcmp(tok, "help-all")) {
      rn_args_help_all(&a->out);
      return RN_ARGS_HELP;
    }
    if (!strcmp(tok, "info")) return RN_ARGS_INFO;
    char name[128];
    const char *value;
    split(tok, name, sizeof name, &value);
    const rn_arg *t = NULL;
    if (!used[0] && !value && find(method_alts, name)) { /* "sample" means "method=sample" */
      t = top_args, value = tok;
    } else {
      t = find(top_args, name);
    }
    if (!t || used[t - top_args]) {
      urn_buf_printf(&a->err, "%s is either mistyped or misplaced.\n", tok);
      int found = 0;
      suggest(&a->err, top_args, name, "", &found);
      p.bad = 1;
      break;
    }
    used[t - top_args] = 1;
    parse_arg(&p, t, value);
  }
  if (!p.bad && !used[0]) {
    urn_buf_puts(&a->err, "A method must be specified!\n");
    p.bad = 1;
  }
  if (p.bad) {
    urn_buf_puts(&a->err, "Failed to parse command arguments, cannot run model.\n");
    return RN_ARGS_ERROR;
  }
  /* the method's defaults where CmdStan's differ between methods */
  if (!a->jacobian_given) a->cfg.jacobian = a->cfg.method == URN_RUN_LAPLACE || a->cfg.method == URN_RUN_LOG_PROB;
  return RN_ARGS_RUN;
}

void rn_args_free(rn_args *a) {
  urn_buf_free(&a->out);
  urn_buf_free(&a->err);
}

/* ---- urn_run_config_set ---- */

/* Collects (up to cap) the stored arguments called path ("delta", "adapt delta",
 * "adapt.delta": a group's name before the argument's) anywhere in the tree. */
static void lookup(const rn_arg *table, const char *path, const rn_arg **out, int *n, int cap) {
  const char *sep = strpbrk(path, " .");
  for (const rn_arg *a = table; a->name && *n < cap; a++) {
    if (sep && a->kind == RK_GROUP && strlen(a->name) == (size_t)(sep - path) &&
        !strncmp(a->name, path, (size_t)(sep - path)))
      lookup(a->kids, sep + 1, out, n, cap);
    if (!sep && !strcmp(a->name, path) && a->off >= 0) {
      int dup = 0;
      for (int i = 0; i < *n; i++) dup |= out[i]->off == a->off && out[i]->kind == a->kind && out[i]->kids == a->kids;
      if (!dup) out[(*n)++] = a;
    }
    if (a->kind == RK_GROUP) lookup(a->kids, path, out, n, cap);
    for (const rn_arg *k = a->kind == RK_LIST ? a->kids : NULL; k && k->name; k++) lookup(k->kids, path, out, n, cap);
  }
}

int urn_run_config_set(urn_run_config *cfg, const char *name, const char *value, urn_error *err) {
  if (!cfg || !name) return urn_error_set(err, URN_EINPUT, "urn_run_config_set: no setting named");
  if (!strcmp(name, "init") && value) {
    char *end;
    double rad = strtod(value, &end);
    if (!*value || *end || !(rad >= 0) || !isfinite(rad))
      return urn_error_set(err, URN_EINPUT,
                           "init: '%s' is not a radius >= 0 (give initial values with urn_run_set_init_json)", value);
    cfg->init_radius = rad;
    return URN_OK;
  }
  if (!strcmp(name, "init_pathfinder")) {
    if (!value || (strcmp(value, "0") && strcmp(value, "1") && strcmp(value, "2") && strcmp(value, "true") &&
                   strcmp(value, "false")))
      return urn_error_set(err, URN_EINPUT,
                           "init_pathfinder: '%s' is not 0, 1, 2 (random inits if Pathfinder fails), true or false",
                           value ? value : "");
    cfg->init_pathfinder = !strcmp(value, "2") ? 2 : !strcmp(value, "1") || !strcmp(value, "true");
    return URN_OK;
  }
  if (!strcmp(name, "adapt_scheme")) {
    int k = !value ? -1 : !strcmp(value, "stan") ? URN_ADAPT_STAN : !strcmp(value, "fisher") ? URN_ADAPT_FISHER
                        : !strcmp(value, "lowrank") ? URN_ADAPT_LOWRANK : -1;
    if (k < 0)
      return urn_error_set(err, URN_EINPUT, "adapt_scheme: '%s' is not one of stan, fisher, lowrank",
                           value ? value : "");
    cfg->adapt_scheme = k;
    if (k == URN_ADAPT_LOWRANK) cfg->metric = URN_METRIC_DENSE;
    return URN_OK;
  }
  if (!strcmp(name, "lowrank_rank")) {
    char *end;
    long v = strtol(value ? value : "", &end, 10);
    if (!value || !*value || *end || v < 0 || v > INT_MAX)
      return urn_error_set(err, URN_EINPUT, "lowrank_rank: '%s' is not a rank >= 0", value ? value : "");
    cfg->lowrank_rank = (int)v;
    return URN_OK;
  }
  if (!strcmp(name, "init_mode")) {
    char *end;
    long v = strtol(value ? value : "", &end, 10);
    if (!value || !*value || *end || v < 0 || v > 1024)
      return urn_error_set(err, URN_EINPUT, "init_mode: '%s' is not a number of optimizations in [0, 1024]",
                           value ? value : "");
    cfg->init_mode = (int)v;
    return URN_OK;
  }
  const rn_arg *found[8];
  int n_found = 0;
  if (!strcmp(name, "method")) {
    found[n_found++] = top_args;
  } else { /* the method's own arguments first ("iter", "tol_rel_obj" of variational) */
    for (const rn_arg *k = method_alts; k->name; k++)
      if (k->value == (int)cfg->method) lookup(k->kids, name, found, &n_found, 8);
    lookup(top_args, name, found, &n_found, 8);
  }
  const rn_arg *a = n_found ? found[0] : NULL;
  if (!a || a->kind == RK_STR) /* strings are borrowed pointers: set the field itself */
    return urn_error_set(err, URN_EINPUT, "no setting named '%s'%s", name,
                         a ? " that takes a number or a choice (set the string field directly)" : "");
  for (int i = 1; a->kind == RK_LIST && i < n_found && value && !find(a->kids, value); i++)
    if (found[i]->kind == RK_LIST && find(found[i]->kids, value)) a = found[i];
  if (a->kind == RK_LIST) {
    const rn_arg *alt = value ? find(a->kids, value) : NULL;
    if (!alt || alt->value < 0) {
      char valid[512];
      valid_text(a, valid, sizeof valid);
      return urn_error_set(err, URN_EINPUT, "%s: '%s' is not one of%s%s", name, value ? value : "", valid,
                           alt ? " that urn can run" : "");
    }
    int v = alt->value;
    memcpy(field(cfg, a), &v, sizeof v);
    return URN_OK;
  }
  if (!convert(a, value, field(cfg, a))) {
    char valid[512];
    valid_text(a, valid, sizeof valid);
    return urn_error_set(err, URN_EINPUT, "%s: '%s' is not a valid value (valid values:%s)", name,
                         value ? value : "", valid);
  }
  if (a->kind == RK_SEED && cfg->seed == UINT64_MAX) cfg->seed = rn_clock_seed();
  return URN_OK;
}
