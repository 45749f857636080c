/* cli/cmd_hmm.c — `urn hmm`: HMMs and GLM-HMMs from the command line.
 *   run CASE.json      evaluate an oracle case, print the oracle's JSON keys
 *   fit DATA.csv       fit by EM, write parameters as JSON, print the trace
 *   select DATA.csv    fit K = 1..KMAX states, tabulate loglik, AIC, BIC
 *   states DATA.csv    Viterbi path and smoothed probabilities as CSV
 *   loglik DATA.csv    log p(y | params) per sequence and in total
 *   forecast DATA.csv  state probabilities and predictive means h = 1..N steps ahead
 *   sample             simulate from a parameter file (with inputs)
 *   align              permutation between two state sequences
 *   plot KIND          pictures of a fit (cli/cmd_hmm_plot.c)
 *   msar DATA.csv      Markov-switching autoregression (cli/cmd_hmm_msar.c) */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "hmm/hmm_case.h"
#include "hmm/hmm_csv.h"
#include "hmm/hmm_internal.h"
#include "io/json.h"
#include "util/util.h"

static int hmm_cli_run(int argc, char **argv) {
  cli_args a;
  cli_init(&a, "hmm run", argc, argv);
  const char *path = NULL;
  while (!cli_done(&a)) {
    const char *arg = cli_peek(&a);
    if (cli_is_help(arg)) {
      printf("usage: urn hmm run CASE.json\n"
             "Evaluates every task of an HMM oracle case and prints the oracle's JSON keys.\n");
      return 0;
    }
    if (arg[0] == '-' && arg[1]) cli_unknown(&a);
    if (path) cli_die(&a, 2, "only one case file may be given");
    path = cli_next(&a);
  }
  if (!path) cli_die(&a, 2, "missing CASE.json");
  urn_error err;
  urn_error_clear(&err);
  urn_json *c = urn_json_parse_file(path, &err);
  if (!c) {
    fprintf(stderr, "urn hmm run: %s\n", err.msg);
    return 1;
  }
  urn_buf out;
  urn_buf_init(&out);
  int rc = urn_hmm_run_case(c, &out, &err);
  urn_json_free(c);
  if (rc) {
    fprintf(stderr, "urn hmm run: %s: %s\n", path, err.msg);
    urn_buf_free(&out);
    return 1;
  }
  fwrite(out.data, 1, out.len, stdout);
  urn_buf_free(&out);
  return 0;
}


/* ------------------------------------------------------------------ data */

/* A CSV data file cut into sequences for one model. */
typedef struct hmm_data {
  urn_hmm_csv csv;    /* the file */
  int *ycols, ny;     /* emission columns */
  int *xcols, nx;     /* input columns (may be none) */
  int seqcol;         /* sequence column, -1 = the whole file is one sequence */
  double *y, *x;      /* nrow x ny, nrow x nx */
  size_t nseq;        /* number of sequences */
  size_t *starts;     /* row bounds of each sequence (nseq + 1) */
  urn_hmm_seq *seqs;  /* views of each sequence */
  int *ucols, nu;     /* transition input columns (--transition-x; may be none) */
  double *u;          /* nrow x nu */
} hmm_data;

static void data_free(hmm_data *d) {
  urn_hmm_csv_free(&d->csv);
  free(d->ycols);
  free(d->xcols);
  free(d->y);
  free(d->x);
  free(d->starts);
  free(d->seqs);
  free(d->ucols);
  free(d->u);
  memset(d, 0, sizeof *d);
}

/* The transition inputs (--transition-x COLS) of loaded data: input-driven transitions. */
static int data_load_u_cols(hmm_data *d, const char *ucols, urn_error *err);
static int data_load_u(hmm_data *d, const char *ucols, urn_error *err) {
  int rc = data_load_u_cols(d, ucols, err);
  if (rc) return rc;
  for (size_t b = 0; b < d->nseq; b++) d->seqs[b].u = d->u + d->starts[b] * (size_t)d->nu;
  return URN_OK;
}

/* The --transition-x columns of a CSV alone (the future inputs of forecast), checked as numbers. */
static int data_load_u_cols(hmm_data *d, const char *ucols, urn_error *err) {
  int rc = urn_hmm_csv_columns(&d->csv, ucols, &d->ucols, &d->nu, err);
  if (rc) return rc;
  d->u = urn_xmalloc(sizeof(double) * (d->csv.nrow ? d->csv.nrow : 1) * (size_t)d->nu);
  return urn_hmm_csv_numbers(&d->csv, d->ucols, d->nu, d->u, err);
}

/* share: under mpirun, this rank's part of a file every rank reads (cli_mpi_csv_read; collective), which may be
 * no rows at all. */
static int data_load(const char *path, const char *ycols, const char *xcols, const char *seqcol, int share,
                     hmm_data *d, urn_error *err) {
  memset(d, 0, sizeof *d);
  d->seqcol = -1;
  int rc = share ? cli_mpi_csv_read(path, seqcol, &d->csv, err) : urn_hmm_csv_read(path, &d->csv, err);
  if (rc) return rc;
  if ((rc = urn_hmm_csv_columns(&d->csv, ycols, &d->ycols, &d->ny, err))) return rc;
  if (xcols && (rc = urn_hmm_csv_columns(&d->csv, xcols, &d->xcols, &d->nx, err))) return rc;
  if (seqcol && (rc = urn_hmm_csv_column(&d->csv, seqcol, &d->seqcol, err))) return rc;
  size_t n = d->csv.nrow;
  d->y = urn_xmalloc(sizeof(double) * (n ? n : 1) * (size_t)d->ny);
  if ((rc = urn_hmm_csv_numbers(&d->csv, d->ycols, d->ny, d->y, err))) return rc;
  if (d->nx) {
    d->x = urn_xmalloc(sizeof(double) * (n ? n : 1) * (size_t)d->nx);
    if ((rc = urn_hmm_csv_numbers(&d->csv, d->xcols, d->nx, d->x, err))) return rc;
  }
  if ((rc = urn_hmm_csv_split(&d->csv, d->seqcol, &d->starts, &d->nseq, err))) return rc;
  if (!n) d->nseq = 0; /* a rank's empty part */
  d->seqs = urn_xcalloc(d->nseq ? d->nseq : 1, sizeof(urn_hmm_seq));
  for (size_t b = 0; b < d->nseq; b++) {
    d->seqs[b].T = d->starts[b + 1] - d->starts[b];
    d->seqs[b].y = d->y + d->starts[b] * (size_t)d->ny;
    d->seqs[b].x = d->nx ? d->x + d->starts[b] * (size_t)d->nx : NULL;
  }
  return URN_OK;
}

/* The name of sequence b (its value in the sequence column, or its index). */
static const char *seq_name(const hmm_data *d, size_t b, char *buf, size_t cap) {
  if (d->seqcol < 0) {
    snprintf(buf, cap, "%zu", b);
    return buf;
  }
  return d->csv.cells[d->starts[b] * d->csv.ncol + d->seqcol];
}

/* Checks every sequence against the model, naming the sequence by its id. */
static int data_check(const urn_hmm_model *m, const hmm_data *d, const char *path, urn_error *err) {
  /* the forward-backward work of the longest sequence (about 4 T K + 4 K^2 values): a request memory cannot meet
     (10000 states over a million rows) is an error here, not an abort in the middle of a fit */
  size_t tmax = 0;
  for (size_t b = 0; b < d->nseq; b++) tmax = d->seqs[b].T > tmax ? d->seqs[b].T : tmax;
  double need = 8.0 * (4.0 * (double)tmax * m->K + 4.0 * (double)m->K * m->K);
  void *probe = need < 1e18 ? urn_try_malloc((size_t)need) : NULL;
  if (!probe) {
    char b[32];
    urn_format_bytes(b, sizeof b, need);
    return urn_error_set(err, URN_ENOMEM, "%s: %d states over a sequence of %zu time steps need about %s of memory, "
                         "more than this machine has", path, m->K, tmax, b);
  }
  free(probe);
  for (size_t b = 0; b < d->nseq; b++) {
    urn_error e2;
    if (urn_hmm_seq_check(m, &d->seqs[b], b, &e2)) {
      /* re-point the time index at the file line */
      char nb[32];
      const urn_hmm_seq *sq = &d->seqs[b];
      for (size_t i = 0; urn__hmm_is_family(m->kind) && i < sq->T * (size_t)m->D; i++) {
        const char *why = urn__hmm_family_bad_value(m, sq->y[i]);
        if (why && isfinite(sq->y[i]))
          return urn_error_set(err, URN_EINPUT, "%s:%d: %s emission %g %s%s", path, d->csv.line[d->starts[b] + i / m->D],
                               urn_hmm_kind_name(m->kind), sq->y[i], why,
                               m->kind == URN_HMM_CATEGORICAL ? " (or give --classes)" : "");
      }
      return urn_error_set(err, URN_EINPUT, "%s (sequence '%s', from line %d): %s", path, seq_name(d, b, nb, sizeof nb),
                           d->csv.line[d->starts[b]], e2.msg);
    }
  }
  return URN_OK;
}

static int is_regression(urn_hmm_kind k) {
  return k == URN_HMM_LINREG || k == URN_HMM_LOGREG || k == URN_HMM_CATREG;
}

/* Kinds whose emission is one class code (one --y column; C from the data unless --classes). */
static int is_classes(urn_hmm_kind k) { return k == URN_HMM_CATREG || k == URN_HMM_CATEGORICAL; }

/* max(y) + 1 (at least 2, at most 1000): the default number of classes. */
static long classes_of(const hmm_data *d) {
  double mx = 0;
  for (size_t i = 0; i < d->csv.nrow; i++) mx = d->y[i] > mx && d->y[i] < 1e6 ? d->y[i] : mx;
  long C = (long)mx + 1 < 2 ? 2 : (long)mx + 1;
  return C > 1000 ? 1000 : C;
}

static int load_param_file(const char *path, urn_hmm_model *m, urn_hmm_params *p, urn_error *err) {
  urn_json *j = urn_json_parse_file(path, err);
  if (!j) return err->code ? err->code : URN_EINPUT;
  int rc = urn_hmm_model_from_json(j, m, err);
  if (!rc) {
    rc = urn_hmm_params_from_json(m, urn_json_get(j, "params"), p, err);
    if (rc) urn_hmm_model_free(m);
  }
  if (rc) {
    char msg[sizeof err->msg];
    snprintf(msg, sizeof msg, "%s", err->msg);
    urn_error_set(err, rc, "%s: %s", path, msg);
  }
  urn_json_free(j);
  return rc;
}

/* An output file: built in memory, then written by urn_write_file (a new temporary file renamed over the
 * destination once complete, every step checked: a full disk leaves no half file and exits 1); stdout when
 * there is no --out (main checks that stdout's writes succeeded). */
typedef struct out_file {
  FILE *f;          /* where the command writes (a memory stream, or stdout) */
  const char *path; /* destination, NULL for stdout */
  char *buf;        /* the memory stream's text */
  size_t len;       /* its length */
} out_file;

static FILE *open_out(out_file *o, const cli_args *a, const char *path) {
  memset(o, 0, sizeof *o);
  if (!path || !strcmp(path, "-")) return o->f = stdout;
  o->path = path;
  o->f = open_memstream(&o->buf, &o->len);
  if (!o->f) cli_die(a, 1, "cannot write %s: %s", path, strerror(errno));
  return o->f;
}

/* Writes the output to its destination; 0, or 1 with the message printed. */
static int close_out(out_file *o, const cli_args *a) {
  if (o->f == stdout) return 0;
  int rc = fclose(o->f) != 0;
  urn_error err;
  urn_error_clear(&err);
  if (rc) urn_error_set(&err, URN_EIO, "%s: cannot write: out of memory", o->path);
  else if (urn_write_file(o->path, o->buf, o->len, &err) != URN_OK) rc = 1;
  free(o->buf);
  if (rc) fprintf(stderr, "urn %s: %s\n", a->cmd, err.msg);
  return rc;
}

/* Warnings of a fit: the first few are printed, the rest counted. */
typedef struct warn_sink {
  const char *cmd; /* "hmm fit" */
  int count;       /* warnings received */
} warn_sink;

static void warn_stderr(void *ctx, const char *msg) {
  warn_sink *w = ctx;
  if (w->count++ < 5) fprintf(stderr, "urn %s: warning: %s\n", w->cmd, msg);
}

/* ------------------------------------------------------------------- fit */

/* What `urn hmm fit` prints about each restart (only when there are several). */
typedef struct restart_log {
  long restarts; /* --restarts */
  int quiet;     /* --quiet: no success lines */
} restart_log;

static void log_restart(void *ctx, int r, uint64_t s, int status, double lj, int n_done, const char *msg) {
  const restart_log *l = ctx;
  if (l->restarts <= 1) return;
  if (status) fprintf(stderr, "urn hmm fit: restart %d (seed %llu) failed: %s\n", r, (unsigned long long)s, msg);
  else if (!l->quiet)
    fprintf(stderr, "urn hmm fit: restart %d (seed %llu): log joint %.6f after %d iterations\n", r, (unsigned long long)s,
            lj, n_done);
}

/* --prior: "default", "none" or "none:GROUPS" -> the model's no_prior bits. */
static int parse_prior(cli_args *a, const char *prior, int *bits) {
  if (!strcmp(prior, "default")) return *bits = 0, URN_OK;
  if (!strcmp(prior, "none")) return *bits = URN_HMM_FREEZE_INITIAL | URN_HMM_FREEZE_TRANSITIONS | URN_HMM_FREEZE_EMISSIONS, URN_OK;
  if (strncmp(prior, "none:", 5)) cli_die(a, 2, "--prior: '%s' is not default, none or none:GROUPS", prior);
  char *copy = urn_xstrdup(prior + 5), *save = NULL;
  *bits = 0;
  for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    if (!strcmp(t, "initial") || !strcmp(t, "initial_probs")) *bits |= URN_HMM_FREEZE_INITIAL;
    else if (!strcmp(t, "transitions") || !strcmp(t, "transition_matrix")) *bits |= URN_HMM_FREEZE_TRANSITIONS;
    else if (!strcmp(t, "emissions")) *bits |= URN_HMM_FREEZE_EMISSIONS;
    else cli_die(a, 2, "--prior none:GROUPS: unknown group '%s' (initial, transitions, emissions)", t);
  }
  free(copy);
  return URN_OK;
}

/* ", "standard_errors": {...}" in the fit record (the parameters' layout), or a warning
 * when the observed information is not positive definite or the work would be too large. */
static void write_std_errors(urn_buf *fit, const urn_hmm_model *m, const urn_hmm_params *p, const hmm_data *d,
                             int threads, int npar, size_t total) {
  if ((double)npar * npar * (double)total > 5e9) {
    fprintf(stderr, "urn hmm fit: note: no standard errors (%d parameters over %zu steps: about 2 x %d^2 likelihood "
            "evaluations); use a subset or urn_hmm_std_errors\n", npar, total, npar);
    return;
  }
  urn_hmm_params se;
  urn_hmm_params_alloc(m, &se);
  size_t cap = (size_t)m->K * m->K + (size_t)m->K, n_se = 0;
  double *arrays[13] = {se.initial_probs, se.transition_matrix, se.means, se.covs, se.scale_diags, se.weights,
                        se.biases, se.rates, se.shapes, se.dofs, se.probs, se.trans_weights, se.trans_biases};
  size_t K = (size_t)m->K, D = (size_t)m->D, M = (size_t)m->M, C = (size_t)m->C;
  size_t G = m->kind == URN_HMM_GMM ? C : 1; /* gmm: C components per state */
  size_t lens[13] = {K, K * K, G * K * D, K * D * D, G * K * D, m->kind == URN_HMM_CATREG ? K * C * M : K * D * M,
                     m->kind == URN_HMM_CATREG ? K * C : K * D, K * D, (m->kind == URN_HMM_BETA ? 2 : 1) * K * D,
                     K * D, K * C, K * K * (size_t)(m->trans_M > 0 ? m->trans_M : 0), K * K};
  for (int i = 2; i < 13; i++) cap += arrays[i] ? lens[i] : 0;
  double *v = urn_xmalloc(sizeof(double) * cap);
  urn_error err;
  int nfree;
  if (urn_hmm_std_errors(m, p, d->seqs, d->nseq, threads, v, &n_se, &nfree, &err)) {
    fprintf(stderr, "urn hmm fit: warning: %s\n", err.msg);
  } else {
    size_t at = 0;
    for (int i = 0; i < 13; i++)
      if (arrays[i]) memcpy(arrays[i], v + at, sizeof(double) * lens[i]), at += lens[i];
    urn_buf_puts(fit, ",\n          \"standard_errors\": ");
    urn_hmm_write_params(fit, m, &se);
  }
  free(v);
  urn_hmm_params_free(&se);
}

/* Copies the prior settings of a parameter file's model into m (no_prior too, unless keep_no_prior). */
static void fit_priors_from(urn_hmm_model *m, const urn_hmm_model *f, int keep_no_prior) {
  m->initial_conc = f->initial_conc, m->trans_conc = f->trans_conc, m->stickiness = f->stickiness;
  memcpy(m->prior_mean, f->prior_mean, sizeof(double) * (size_t)m->D);
  memcpy(m->prior_scale, f->prior_scale, sizeof(double) * (size_t)m->D * m->D);
  m->kappa0 = f->kappa0, m->extra_df = f->extra_df, m->iw_scale_jitter = f->iw_scale_jitter;
  m->ig_shape = f->ig_shape, m->ig_scale = f->ig_scale, m->weight_scale = f->weight_scale;
  m->rate_shape = f->rate_shape, m->rate_rate = f->rate_rate, m->cov_floor = f->cov_floor;
  m->trans_weight_scale = f->trans_weight_scale;
  m->probs_conc = f->probs_conc;
  if (!(m->student_dof > 0)) m->student_dof = f->student_dof;
  if (!keep_no_prior) m->no_prior = f->no_prior;
  m->shared_cov |= f->shared_cov;
  m->shared_coef |= f->shared_coef;
}

/* --shared-coef COLS: the bits of those --x columns (each must be one of them, among the first 64). */
static int shared_coef_of(const hmm_data *d, const char *cols, unsigned long long *bits, urn_error *err) {
  int *idx = NULL, n = 0;
  int rc = urn_hmm_csv_columns(&d->csv, cols, &idx, &n, err);
  for (int i = 0; !rc && i < n; i++) {
    int j = 0;
    while (j < d->nx && d->xcols[j] != idx[i]) j++;
    if (j == d->nx || j >= 64)
      rc = urn_error_set(err, URN_EINPUT, "--shared-coef: column '%s' is not one of the first 64 --x columns",
                         d->csv.header[idx[i]]);
    else
      *bits |= 1ULL << j;
  }
  free(idx);
  return rc;
}

/* `urn hmm fit --help`. */
static void fit_usage(void) {
  printf("usage: urn hmm fit DATA.csv --states K --y COLS [options]\n"
         "  --emission KIND    gaussian (default), diag, linreg, bernoulli-glm, categorical-glm, poisson,\n"
         "                     exponential, gamma, lognormal, beta, categorical, student, gmm\n"
         "  --components C     gmm: Gaussian components (diagonal covariances) per state (2)\n"
         "  --y COLS           emission column(s), comma-separated\n"
         "  --x COLS           input column(s) (linreg, bernoulli-glm, categorical-glm)\n"
         "  --seq COL          column whose runs of equal values are the sequences (default: one sequence)\n"
         "  --classes C        number of classes (categorical-glm, categorical; default max(y) + 1)\n"
         "  --dof NU           student: hold every degrees of freedom at NU (default: estimated)\n"
         "  --iters N          at most N EM iterations (5000)\n"
         "  --tol T            stop once the relative change of the log joint is below T (1e-10; 0: exactly --iters)\n"
         "  --init WHAT        search (default: restarts cycle k-means++, random partitions and perturbations of\n"
         "                     the best fit), kmeans or prior (dynamax's), dynamax (kmeans for gaussian, diag,\n"
         "                     linreg, else prior), random (partitions), or a JSON file\n"
         "  --restarts N       N initializations (seeds SEED, SEED+1, ...); default for search 20 (up to 10^4\n"
         "                     rows), 10 (up to 10^5), 3; else 1.  The best has the fewest degenerate states,\n"
         "                     then the best log joint\n"
         "  --prior P          default (dynamax's priors), none (maximum likelihood), or none:GROUPS with GROUPS\n"
         "                     from initial,transitions,emissions\n"
         "  --seed S           random seed (1)\n"
         "  --threads N        threads over sequences (1)\n"
         "  --stickiness V     transition_matrix_stickiness (0)\n"
         "  --initial-conc V, --trans-conc V   Dirichlet concentrations (1.1)\n"
         "  --weight-scale S   bernoulli-glm: prior standard deviation of the weights (1e8)\n"
         "  --cov-floor C      linreg: add C to each state's regression Gram matrix and covariance (off)\n"
         "  --transition-x COLS  input-driven transitions: p(z_t=j | z_t-1=i) = softmax_j(W_ij u_t + b_ij)\n"
         "                     with u_t these columns (any emission)\n"
         "  --transition-scale S  prior standard deviation of W and b (10; none with --prior none)\n"
         "  --freeze LIST      initial,transitions,emissions: groups EM leaves unchanged\n"
         "  --out FILE         write the parameter JSON there (default: stdout; the trace then goes to stderr)\n"
         "  --quiet            do not print the trace\n"
         "  --no-se            skip the standard errors (observed information by central differences)\n"
         "  --shared-cov       gaussian/diag with --prior none: one covariance shared by every state\n"
         "  --timeout SECONDS  stop after this long (exit 124; SIGINT 130, SIGTERM 143; nothing written)\n");
}

/* Writes the parameter file with its fit record (standard errors unless !want_se; none when per_rank: each
 * MPI rank read its own file) to --out or stdout, and the trace unless quiet.  Returns 1 if writing failed. */
static int write_fit(cli_args *a, const urn_hmm_model *m, const urn_hmm_params *best, const urn_hmm_fit_report *rep,
                     const double *trace, const char *init_name, long seed, long restarts, size_t total, int want_se,
                     int per_rank, const hmm_data *d, int threads, const char *out, int quiet) {
  urn_buf fit, b;
  urn_buf_init(&fit);
  urn_buf_init(&b);
  int npar = urn_hmm_num_free_params(m);
  urn_buf_printf(&fit, "\"fit\": {\"iterations\": %d, \"converged\": %s, \"restart\": %d, \"seed\": %ld, "
                 "\"init\": \"%s\", \"restarts\": %ld, \"degenerate_states\": %d, \"num_params\": %d, "
                 "\"num_observations\": %zu,\n          \"loglik\": ",
                 rep->iterations, rep->converged ? "true" : "false", rep->best_restart, seed + rep->best_restart,
                 init_name, restarts, rep->degenerate, npar, total);
  urn_hmm_json_num(&fit, rep->loglik);
  urn_buf_puts(&fit, ", \"log_joint\": ");
  urn_hmm_json_num(&fit, rep->log_joint);
  urn_buf_puts(&fit, ", \"aic\": ");
  urn_hmm_json_num(&fit, 2.0 * npar - 2.0 * rep->loglik);
  urn_buf_puts(&fit, ", \"bic\": ");
  urn_hmm_json_num(&fit, npar * log((double)total) - 2.0 * rep->loglik);
  urn_buf_puts(&fit, ", \"final_log_joint\": ");
  urn_hmm_json_num(&fit, rep->log_joint);
  /* expected state durations 1 / (1 - A_kk) (geometric sojourns; Infinity for an absorbing state) */
  urn_buf_puts(&fit, ",\n          \"expected_durations\": [");
  for (int k = 0; k < m->K; k++) {
    if (k) urn_buf_puts(&fit, ", ");
    double stay = best->transition_matrix[k * m->K + k];
    urn_hmm_json_num(&fit, stay < 1.0 ? 1.0 / (1.0 - stay) : INFINITY);
  }
  urn_buf_putc(&fit, ']');
  /* a rank reading its own file holds only its share of the data: rank 0's Hessian would be its share's */
  if (want_se && per_rank)
    fprintf(stderr, "urn hmm fit: no standard errors when each MPI rank reads its own file (one file for all "
                    "ranks gives them)\n");
  else if (want_se)
    write_std_errors(&fit, m, best, d, threads, npar, total);
  urn_buf_puts(&fit, ",\n          \"log_joint_trace\": [");
  for (int i = 0; i < rep->iterations; i++) {
    if (i) urn_buf_puts(&fit, ", ");
    urn_hmm_json_num(&fit, trace[i]);
  }
  urn_buf_puts(&fit, "]}");
  urn_hmm_write_param_file(&b, m, best, fit.data);
  urn_buf_free(&fit);
  out_file of;
  FILE *f = open_out(&of, a, out);
  fwrite(b.data, 1, b.len, f);
  int wrc = close_out(&of, a);
  urn_buf_free(&b);
  if (wrc) return 1;
  if (!quiet) {
    FILE *tf = out && strcmp(out, "-") ? stdout : stderr;
    fprintf(tf, "iteration,log_joint\n");
    for (int i = 0; i < rep->iterations; i++) fprintf(tf, "%d,%.17g\n", i, trace[i]);
    fprintf(tf, "final,%.17g\n", rep->log_joint);
  }
  return 0;
}

/* The prior and floor settings given on the command line (NAN / 0: not given). */
typedef struct fit_knobs {
  double stick, iconc, tconc, wscale, tscale; /* --stickiness, --initial-conc, --trans-conc, --weight-scale,
                                                 --transition-scale (NAN: not given) */
  double cov_floor;                           /* --cov-floor (0: not given) */
} fit_knobs;

static void apply_knobs(urn_hmm_model *m, const fit_knobs *k) {
  if (!isnan(k->stick)) m->stickiness = k->stick;
  if (!isnan(k->iconc)) m->initial_conc = k->iconc;
  if (!isnan(k->tconc)) m->trans_conc = k->tconc;
  if (!isnan(k->wscale)) m->weight_scale = k->wscale;
  if (!isnan(k->tscale)) m->trans_weight_scale = k->tscale;
  if (k->cov_floor > 0) m->cov_floor = k->cov_floor;
}

/* --freeze LIST, --prior P, --shared-cov, --shared-coef COLS into the model. */
static int fit_model_flags(cli_args *a, urn_hmm_model *m, const hmm_data *d, const char *freeze, const char *prior,
                           int shared, const char *scoef, urn_error *err) {
  urn_hmm_kind kind = m->kind;
  if (freeze) {
    char *copy = urn_xstrdup(freeze), *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
      if (!strcmp(t, "initial") || !strcmp(t, "initial_probs")) m->frozen |= URN_HMM_FREEZE_INITIAL;
      else if (!strcmp(t, "transitions") || !strcmp(t, "transition_matrix")) m->frozen |= URN_HMM_FREEZE_TRANSITIONS;
      else if (!strcmp(t, "emissions")) m->frozen |= URN_HMM_FREEZE_EMISSIONS;
      else cli_die(a, 2, "--freeze: unknown group '%s' (initial, transitions, emissions)", t);
    }
    free(copy);
  }
  if (prior) parse_prior(a, prior, &m->no_prior);
  if (shared) {
    if (kind != URN_HMM_LINREG &&
        ((kind != URN_HMM_GAUSSIAN && kind != URN_HMM_DIAG) || !(m->no_prior & URN_HMM_FREEZE_EMISSIONS)))
      cli_die(a, 2, "--shared-cov needs --emission linreg, or gaussian or diag fitted by maximum likelihood (--prior none)");
    m->shared_cov = 1;
  }
  if (scoef && kind != URN_HMM_LINREG) cli_die(a, 2, "--shared-coef is only used by --emission linreg");
  return scoef ? shared_coef_of(d, scoef, &m->shared_coef, err) : URN_OK;
}

/* --init FILE: its parameters into *fp and its priors into m (those given on the command line win). */
static int fit_init_file(const char *init, urn_hmm_model *m, urn_hmm_params *fp, int keep_no_prior, const fit_knobs *kn,
                         urn_error *err) {
  urn_hmm_model fm;
  int rc = load_param_file(init, &fm, fp, err);
  if (rc) return rc;
  if (fm.kind != m->kind || fm.K != m->K || fm.D != m->D || fm.M != m->M || fm.C != m->C || fm.trans_M != m->trans_M) {
    rc = urn_error_set(err, URN_EINPUT, "%s: the parameter file is a %s model with %d states (D=%d, M=%d, %d transition "
                                        "inputs), but the fit asks for %s with %d states (D=%d, M=%d, %d transition inputs)",
                       init, urn_hmm_kind_name(fm.kind), fm.K, fm.D, fm.M, fm.trans_M, urn_hmm_kind_name(m->kind), m->K,
                       m->D, m->M, m->trans_M);
    urn_hmm_params_free(fp);
  } else {
    fit_priors_from(m, &fm, keep_no_prior); /* the priors travel with the parameters */
    apply_knobs(m, kn);
  }
  urn_hmm_model_free(&fm);
  return rc;
}

/* The warnings about the best fit: the iteration cap reached, degenerate states. */
static void warn_fit(const urn_hmm_fit_report *rep, long iters, double tol) {
  if (tol > 0 && !rep->converged)
    fprintf(stderr, "urn hmm fit: warning: the best fit reached the iteration cap (%ld) before the relative change of "
            "its log joint fell below %g; raise --iters\n", iters, tol);
  if (rep->degenerate)
    fprintf(stderr, "urn hmm fit: warning: the best fit has %d degenerate state%s (empty, or a variance at the floor "
            "1e-6 x the data's variance): every restart had one; try fewer states\n", rep->degenerate,
            rep->degenerate > 1 ? "s" : "");
}

/* The data the standard errors are computed on: d, or, when the MPI ranks share one file (each parsed its part:
 * share), the whole file re-read into *all on rank 0 (with its --transition-x columns ucols) if the Hessian is
 * small enough; NULL (no standard errors, with a warning) if that reading fails. */
static const hmm_data *se_data(const hmm_data *d, hmm_data *all, const urn_hmm_model *m, int share, size_t total,
                               const char *path, const char *ycols, const char *xcols, const char *seqcol,
                               const char *ucols) {
  double npar = urn_hmm_num_free_params(m);
  if (!share || npar * npar * (double)total > 5e9) return d;
  urn_error e2;
  if (data_load(path, ycols, xcols, seqcol, 0, all, &e2) || (ucols && data_load_u(all, ucols, &e2))) {
    fprintf(stderr, "urn hmm fit: warning: %s\n", e2.msg);
    return NULL;
  }
  return all;
}

static int hmm_cli_fit(int argc, char **argv) {
  cli_args a;
  cli_init(&a, "hmm fit", argc, argv);
  const char *path = NULL, *ycols = NULL, *xcols = NULL, *seqcol = NULL, *kind_name = "gaussian", *init = NULL;
  const char *out = NULL, *freeze = NULL, *prior = NULL, *ucols = NULL, *scoef = NULL;
  fit_knobs kn = {NAN, NAN, NAN, NAN, NAN, 0.0};
  long K = 0, C = 0, iters = 5000, restarts = 0, seed = 1, threads = 1, ncomp = 0;
  double tol = 1e-10, timeout = 0, dof = 0;
  int quiet = 0, write_failed = 0, want_se = 1, shared = 0;
  while (!cli_done(&a)) {
    const char *arg = cli_peek(&a);
    if (cli_is_help(arg)) {
      fit_usage();
      return 0;
    }
    if (cli_int(&a, "--states", 1, 10000, &K) || cli_value(&a, "--emission", &kind_name) ||
        cli_value(&a, "--y", &ycols) || cli_value(&a, "--x", &xcols) || cli_value(&a, "--seq", &seqcol) ||
        cli_int(&a, "--classes", 2, 1000, &C) || cli_int(&a, "--iters", 1, 100000000, &iters) ||
        cli_int(&a, "--components", 1, 100, &ncomp) ||
        cli_double(&a, "--tol", 0, 1, 0, &tol) || cli_value(&a, "--init", &init) ||
        cli_int(&a, "--restarts", 1, 100000, &restarts) || cli_int(&a, "--seed", 0, 2147483647L, &seed) ||
        cli_int(&a, "--threads", 1, 256, &threads) || cli_double(&a, "--stickiness", 0, 1e300, 0, &kn.stick) ||
        cli_double(&a, "--initial-conc", 0, 1e300, 1, &kn.iconc) ||
        cli_double(&a, "--trans-conc", 0, 1e300, 1, &kn.tconc) ||
        cli_double(&a, "--weight-scale", 0, 1e300, 1, &kn.wscale) || cli_double(&a, "--dof", 0, 1e300, 1, &dof) ||
        cli_double(&a, "--cov-floor", 0, 1e300, 0, &kn.cov_floor) || cli_value(&a, "--freeze", &freeze) || cli_value(&a, "--prior", &prior) ||
        cli_value(&a, "--transition-x", &ucols) || cli_double(&a, "--transition-scale", 0, 1e300, 1, &kn.tscale) ||
        cli_value(&a, "--shared-coef", &scoef) || cli_value(&a, "--out", &out) || cli_timeout(&a, &timeout))
      continue;
    if (cli_flag(&a, "--quiet")) quiet = 1;
    else if (cli_flag(&a, "--no-se")) want_se = 0;
    else if (cli_flag(&a, "--shared-cov")) shared = 1;
    else if (arg[0] == '-' && arg[1]) cli_unknown(&a);
    else if (path) cli_die(&a, 2, "only one data file may be given");
    else path = cli_next(&a);
  }
  if (!path) cli_die(&a, 2, "missing DATA.csv");
  if (!K) cli_die(&a, 2, "missing --states K");
  if (!ycols) cli_die(&a, 2, "missing --y COLS (the emission columns)");
  int kind = urn_hmm_kind_parse(kind_name);
  if (kind < 0)
    cli_die(&a, 2, "unknown --emission '%s' (gaussian, diag, linreg, bernoulli-glm, categorical-glm, poisson, exponential, "
            "gamma, lognormal, beta, categorical, student, gmm)", kind_name);
  if (dof > 0 && kind != URN_HMM_STUDENT) cli_die(&a, 2, "--dof is only used by --emission student");
  if (is_regression((urn_hmm_kind)kind) && !xcols) cli_die(&a, 2, "--emission %s needs --x COLS (the inputs)", kind_name);
  if (!is_regression((urn_hmm_kind)kind) && xcols)
    cli_die(&a, 2, "--x is only used by linreg, bernoulli-glm and categorical-glm (not %s)", kind_name);
  urn_error err;
  urn_error_clear(&err);
  hmm_data d;
  /* under mpirun: "{rank}" in the path names each rank's own file (docs/scale.md) */
  char rank_path[4096];
  path = cli_mpi_path(path, rank_path, sizeof rank_path);
  int quiet_rank = cli_mpi_rank() != 0; /* only rank 0 prints and writes */
  int share = cli_mpi_size() > 1 && path != rank_path; /* one file for all ranks: each reads its part */
  int lrc = data_load(path, ycols, xcols, seqcol, share, &d, &err);
  if (!lrc && ucols) lrc = data_load_u(&d, ucols, &err); /* a bad input on one rank: every rank stops */
  if (cli_mpi_agree(lrc, &err)) {
    if (!quiet_rank) fprintf(stderr, "urn hmm fit: %s\n", err.msg);
    data_free(&d);
    return 1;
  }
  if ((kind == URN_HMM_LOGREG || is_classes((urn_hmm_kind)kind)) && d.ny != 1) {
    data_free(&d);
    cli_die(&a, 2, "--emission %s takes one --y column (the choice)", kind_name);
  }
  if (is_classes((urn_hmm_kind)kind) && !C) C = cli_mpi_size() > 1 ? cli_mpi_max((int)classes_of(&d)) : classes_of(&d);
  if (ncomp && kind != URN_HMM_GMM) cli_die(&a, 2, "--components is only used by --emission gmm");
  if (kind == URN_HMM_GMM) C = ncomp ? ncomp : 2;
  urn_hmm_model m;
  int rc = urn_hmm_model_init(&m, (urn_hmm_kind)kind, (int)K, d.ny, d.nx, (int)C, &err);
  if (rc) {
    fprintf(stderr, "urn hmm fit: %s\n", err.msg);
    data_free(&d);
    return 1;
  }
  apply_knobs(&m, &kn);
  m.trans_M = d.nu;
  m.student_dof = dof;
  warn_sink sink = {"hmm fit", 0};
  m.warn = quiet_rank ? NULL : warn_stderr;
  m.warn_ctx = &sink;
  if ((rc = fit_model_flags(&a, &m, &d, freeze, prior, shared, scoef, &err))) goto fail;
  rc = cli_mpi_agree(data_check(&m, &d, path, &err), &err);
  if (!rc && share) rc = cli_mpi_csv_runs_check(&d.csv, d.seqcol, d.starts, d.nseq, &err);
  if (rc) goto fail;
  /* under mpirun, each rank fits the sequences of its part of the file (or of its own file) */
  urn_hmm_seq *seqs = d.seqs;
  size_t nseq = d.nseq;
  size_t total = cli_mpi_size() > 1 ? cli_mpi_sum(d.csv.nrow) : d.csv.nrow; /* every rank's time steps */
  if (cli_mpi_size() == 1 && total < (size_t)K) {
    rc = urn_error_set(&err, URN_EINPUT, "%s: %ld states cannot be fitted to %zu time steps", path, K, total);
    goto fail;
  }
  /* the search by default; dynamax's k-means and prior recipes, random partitions, or a file */
  static const char *const methods[] = {"search", "kmeans", "prior", "random", "dynamax"};
  static const urn_hmm_init_method method_of[] = {URN_HMM_INIT_SEARCH, URN_HMM_INIT_KMEANS, URN_HMM_INIT_PRIOR,
                                                  URN_HMM_INIT_RANDOM, URN_HMM_INIT_AUTO};
  const char *init_name = init ? init : "search";
  int use_file = 1;
  urn_hmm_init_method method = URN_HMM_INIT_GIVEN;
  for (int i = 0; i < 5; i++)
    if (!strcmp(init_name, methods[i])) use_file = 0, method = urn_hmm_init_resolve((urn_hmm_kind)kind, method_of[i]);
  if (!restarts) restarts = method == URN_HMM_INIT_SEARCH ? (total <= 10000 ? 20 : total <= 100000 ? 10 : 3) : 1;
  urn_hmm_params file_params;
  memset(&file_params, 0, sizeof file_params);
  if (use_file) {
    if ((rc = fit_init_file(init, &m, &file_params, prior != NULL, &kn, &err))) goto fail;
    restarts = 1;
  }
  urn_hmm_params best;
  urn_hmm_params_alloc(&m, &best);
  double *best_trace = urn_xmalloc(sizeof(double) * (size_t)iters);
  urn_hmm_fit_opts o = {(int)iters, tol, (int)threads, cli_stop_install(timeout)};
  restart_log rlog = {restarts, quiet};
  urn_hmm_fit_report rep;
  urn_hmm_fit_callbacks cb = {&rlog, quiet_rank ? NULL : log_restart, NULL};
  rc = cli_mpi_hmm_fit_best(&m, seqs, nseq, &o, method, use_file ? &file_params : NULL, (int)restarts, (uint64_t)seed,
                        &best, best_trace, &rep, &cb, &err);
  if (!rc && !quiet_rank && !cli_stop_code()) warn_fit(&rep, iters, tol);
  if (cli_stop_code() || (rc == URN_EINTR && cli_mpi_size() > 1)) { /* a signal here or on another rank */
    if (!quiet_rank) fprintf(stderr, "urn hmm fit: %s; nothing written\n", cli_stop_code() ? cli_stop_reason() : err.msg);
    write_failed = cli_stop_code() ? cli_stop_code() : 130, rc = URN_OK;
  } else if (rc) {
    rc = err.code ? err.code : URN_EINPUT;
  } else if (!quiet_rank) {
    hmm_data all = {0};
    const hmm_data *sd = se_data(&d, &all, &m, share && want_se, total, path, ycols, xcols, seqcol, ucols);
    write_failed = write_fit(&a, &m, &best, &rep, best_trace, init_name, seed, restarts, total, want_se && sd,
                             cli_mpi_size() > 1 && path == rank_path, sd ? sd : &d, (int)threads, out, quiet);
    data_free(&all);
  }
  free(best_trace);
  urn_hmm_params_free(&best);
  urn_hmm_params_free(&file_params);
fail:
  if (sink.count > 5) fprintf(stderr, "urn hmm fit: %d further warnings not shown\n", sink.count - 5);
  if (rc && !quiet_rank) fprintf(stderr, "urn hmm fit: %s\n", err.msg);
  urn_hmm_model_free(&m);
  data_free(&d);
  return write_failed > 1 ? write_failed : rc || write_failed ? 1 : 0;
}

/* -------------------------------------------------- states, loglik */

/* Shared by states and loglik: DATA.csv --params P.json --y --x --seq [--out]. */
typedef struct infer_opts {
  const char *path, *params, *ycols, *xcols, *seqcol, *out; /* as given */
  const char *ucols;                                        /* --transition-x */
  long threads;                                             /* loglik threads */
} infer_opts;

static void parse_infer(cli_args *a, infer_opts *o, const char *help) {
  memset(o, 0, sizeof *o);
  o->threads = 1;
  while (!cli_done(a)) {
    const char *arg = cli_peek(a);
    if (cli_is_help(arg)) {
      fputs(help, stdout);
      exit(0);
    }
    if (cli_value(a, "--params", &o->params) || cli_value(a, "--y", &o->ycols) || cli_value(a, "--x", &o->xcols) ||
        cli_value(a, "--seq", &o->seqcol) || cli_value(a, "--out", &o->out) ||
        cli_value(a, "--transition-x", &o->ucols) || cli_int(a, "--threads", 1, 256, &o->threads))
      continue;
    if (arg[0] == '-' && arg[1]) cli_unknown(a);
    if (o->path) cli_die(a, 2, "only one data file may be given");
    o->path = cli_next(a);
  }
  if (!o->path) cli_die(a, 2, "missing DATA.csv");
  if (!o->params) cli_die(a, 2, "missing --params P.json (from urn hmm fit)");
  if (!o->ycols) cli_die(a, 2, "missing --y COLS");
}

/* Loads the parameter file and the data, checking they fit together. */
static int infer_load(cli_args *a, const infer_opts *o, urn_hmm_model *m, urn_hmm_params *p, hmm_data *d,
                      urn_error *err) {
  memset(d, 0, sizeof *d);
  int rc = load_param_file(o->params, m, p, err);
  if (rc) return rc;
  if (is_regression(m->kind) && !o->xcols) {
    urn_hmm_params_free(p);
    urn_hmm_model_free(m);
    cli_die(a, 2, "the %s model needs --x COLS (its %d inputs)", urn_hmm_kind_name(m->kind), m->M);
  }
  if (m->trans_M > 0 && !o->ucols) {
    urn_hmm_params_free(p);
    urn_hmm_model_free(m);
    cli_die(a, 2, "the model has input-driven transitions: give --transition-x COLS (its %d transition inputs)", m->trans_M);
  }
  if ((rc = data_load(o->path, o->ycols, is_regression(m->kind) ? o->xcols : NULL, o->seqcol, 0, d, err))) goto fail;
  if (m->trans_M > 0 && (rc = data_load_u(d, o->ucols, err))) goto fail;
  if (m->trans_M > 0 && d->nu != m->trans_M) {
    rc = urn_error_set(err, URN_EINPUT, "--transition-x selects %d columns, but the model in %s has %d transition inputs",
                       d->nu, o->params, m->trans_M);
    goto fail;
  }
  if (d->ny != m->D || d->nx != m->M) {
    rc = urn_error_set(err, URN_EINPUT, "%s has %d emission and %d input columns selected, but the model in %s has D=%d, M=%d",
                       o->path, d->ny, d->nx, o->params, m->D, m->M);
    goto fail;
  }
  if ((rc = data_check(m, d, o->path, err))) goto fail;
  return URN_OK;
fail:
  urn_hmm_params_free(p);
  urn_hmm_model_free(m);
  return rc;
}

/* A states or loglik command: its command line, the parameter file and the data. */
typedef struct infer_cmd {
  const char *name; /* "hmm states" or "hmm loglik", for messages */
  cli_args a;       /* the command line */
  infer_opts o;     /* its options */
  urn_hmm_model m;  /* the model of --params */
  urn_hmm_params p; /* its parameters */
  hmm_data d;       /* the data, checked against the model */
  urn_error err;    /* what went wrong */
} infer_cmd;

/* Parses the command line of `urn NAME` (help: its --help text) and loads the
 * parameters and the data; on failure prints the error and returns 1 (the
 * exit status), with nothing left to free. */
static int infer_begin(infer_cmd *c, const char *name, int argc, char **argv, const char *help) {
  c->name = name;
  cli_init(&c->a, name, argc, argv);
  parse_infer(&c->a, &c->o, help);
  urn_error_clear(&c->err);
  if (infer_load(&c->a, &c->o, &c->m, &c->p, &c->d, &c->err)) {
    fprintf(stderr, "urn %s: %s\n", name, c->err.msg);
    data_free(&c->d);
    return 1;
  }
  return 0;
}

/* Prints the error when rc is not URN_OK, frees what infer_begin loaded, and
 * returns the exit status. */
static int infer_end(infer_cmd *c, int rc) {
  if (rc) fprintf(stderr, "urn %s: %s\n", c->name, c->err.msg);
  urn_hmm_params_free(&c->p);
  urn_hmm_model_free(&c->m);
  data_free(&c->d);
  return rc ? 1 : 0;
}

static int hmm_cli_states(int argc, char **argv) {
  infer_cmd c;
  if (infer_begin(&c, "hmm states", argc, argv,
                  "usage: urn hmm states DATA.csv --params P.json --y COLS [--x COLS] [--seq COL] [--out FILE]\n"
                  "Writes CSV: sequence, t, the Viterbi state, and the smoothed probabilities p_0..p_{K-1}.\n"))
    return 1;
  int K = c.m.K, rc = URN_OK;
  out_file of;
  FILE *f = open_out(&of, &c.a, c.o.out);
  fprintf(f, "sequence,t,state");
  for (int k = 0; k < K; k++) fprintf(f, ",p_%d", k);
  fputc('\n', f);
  for (size_t b = 0; b < c.d.nseq && !rc; b++) {
    size_t T = c.d.seqs[b].T;
    double *LL = urn_xmalloc(sizeof(double) * T * K), *g = urn_xmalloc(sizeof(double) * T * K);
    int *z = urn_xmalloc(sizeof(int) * T);
    rc = urn_hmm_emission_logliks(&c.m, &c.p, &c.d.seqs[b], LL, &c.err);
    if (c.m.trans_M > 0) { /* a transition matrix per step */
      double *A = urn_xmalloc(sizeof(double) * T * K * K);
      if (!rc) rc = urn_hmm_trans_matrices(&c.m, &c.p, &c.d.seqs[b], A, &c.err);
      if (!rc) rc = urn_hmm_smoother_tv(K, T, c.p.initial_probs, A, LL, NULL, g, NULL, &c.err);
      if (!rc) rc = urn_hmm_viterbi_tv(K, T, c.p.initial_probs, A, LL, z, &c.err);
      free(A);
    } else {
      if (!rc) rc = urn_hmm_smoother(K, T, c.p.initial_probs, c.p.transition_matrix, LL, NULL, g, NULL, &c.err);
      if (!rc) rc = urn_hmm_viterbi(K, T, c.p.initial_probs, c.p.transition_matrix, LL, z, &c.err);
    }
    char nb[32];
    const char *name = seq_name(&c.d, b, nb, sizeof nb);
    for (size_t t = 0; !rc && t < T; t++) {
      fprintf(f, "%s,%zu,%d", name, t, z[t]);
      for (int k = 0; k < K; k++) fprintf(f, ",%.10g", g[t * K + k]);
      fputc('\n', f);
    }
    free(LL);
    free(g);
    free(z);
  }
  if (close_out(&of, &c.a) && !rc) {
    infer_end(&c, rc);
    return 1;
  }
  return infer_end(&c, rc);
}

static int hmm_cli_loglik(int argc, char **argv) {
  infer_cmd c;
  if (infer_begin(&c, "hmm loglik", argc, argv,
                  "usage: urn hmm loglik DATA.csv --params P.json --y COLS [--x COLS] [--seq COL] [--threads N]\n"
                  "Prints log p(y | params) per sequence, the total, the log prior and the log joint.\n"))
    return 1;
  double *v = urn_xmalloc(sizeof(double) * c.d.nseq), tot;
  int rc = urn_hmm_loglik(&c.m, &c.p, c.d.seqs, c.d.nseq, (int)c.o.threads, v, &tot, &c.err);
  int wrc = 0;
  if (!rc) {
    out_file of;
    FILE *f = open_out(&of, &c.a, c.o.out);
    fprintf(f, "sequence,loglik\n");
    for (size_t b = 0; b < c.d.nseq; b++) {
      char nb[32];
      fprintf(f, "%s,%.17g\n", seq_name(&c.d, b, nb, sizeof nb), v[b]);
    }
    double lp = urn_hmm_log_prior(&c.m, &c.p);
    fprintf(f, "# total,%.17g\n# log_prior,%.17g\n# log_joint,%.17g\n", tot, lp, tot + lp);
    wrc = close_out(&of, &c.a);
  }
  free(v);
  if (wrc) {
    infer_end(&c, rc);
    return 1;
  }
  return infer_end(&c, rc);
}

/* ----------------------------------------------------------- sample */

static int hmm_cli_sample(int argc, char **argv) {
  cli_args a;
  cli_init(&a, "hmm sample", argc, argv);
  const char *params = NULL, *inputs = NULL, *xcols = NULL, *seqcol = NULL, *out = NULL, *ucols = NULL;
  long T = 0, nseq = 1, seed = 1;
  while (!cli_done(&a)) {
    const char *arg = cli_peek(&a);
    if (cli_is_help(arg)) {
      printf("usage: urn hmm sample --params P.json --T N [--sequences B] [--seed S] [--out FILE]\n"
             "       urn hmm sample --params P.json --inputs X.csv --x COLS [--seq COL] [--seed S]\n"
             "       urn hmm sample --params P.json --inputs U.csv --transition-x COLS [--x COLS] [--seq COL] [--seed S]\n"
             "Simulates states and emissions; writes CSV: sequence, t, state, y (y_0.. for D > 1), inputs.\n"
             "Input-driven transitions: row t of the --transition-x columns drives the transition into step t.\n");
      return 0;
    }
    if (cli_value(&a, "--params", &params) || cli_value(&a, "--inputs", &inputs) || cli_value(&a, "--x", &xcols) ||
        cli_value(&a, "--seq", &seqcol) || cli_value(&a, "--out", &out) || cli_value(&a, "--transition-x", &ucols) ||
        cli_int(&a, "--T", 1, 1000000000L, &T) ||
        cli_int(&a, "--sequences", 1, 1000000, &nseq) || cli_int(&a, "--seed", 0, 2147483647L, &seed))
      continue;
    cli_unknown(&a);
  }
  if (!params) cli_die(&a, 2, "missing --params P.json");
  urn_error err;
  urn_error_clear(&err);
  urn_hmm_model m;
  urn_hmm_params p;
  if (load_param_file(params, &m, &p, &err)) {
    fprintf(stderr, "urn hmm sample: %s\n", err.msg);
    return 1;
  }
  int rc = URN_OK;
  hmm_data d;
  memset(&d, 0, sizeof d);
  if (is_regression(m.kind)) {
    if (!inputs || !xcols) {
      urn_hmm_params_free(&p);
      urn_hmm_model_free(&m);
      cli_die(&a, 2, "a %s model needs --inputs X.csv --x COLS", urn_hmm_kind_name(m.kind));
    }
    /* the inputs file: its x columns double as "emissions" for loading */
    if ((rc = data_load(inputs, xcols, NULL, seqcol, 0, &d, &err))) goto done;
    if (d.ny != m.M) {
      rc = urn_error_set(&err, URN_EINPUT, "--x selects %d columns, but the model has %d inputs", d.ny, m.M);
      goto done;
    }
  } else if (m.trans_M > 0) {
    if (!inputs || !ucols) {
      urn_hmm_params_free(&p);
      urn_hmm_model_free(&m);
      cli_die(&a, 2, "the model has input-driven transitions: give --inputs U.csv --transition-x COLS");
    }
    if ((rc = data_load(inputs, ucols, NULL, seqcol, 0, &d, &err))) goto done; /* printed as the inputs */
  } else {
    if (inputs) cli_die(&a, 2, "--inputs is only for regression models and --transition-x");
    if (!T) cli_die(&a, 2, "missing --T N (time steps per sequence)");
  }
  if (m.trans_M > 0) {
    if (!ucols) cli_die(&a, 2, "the model has input-driven transitions: give --transition-x COLS");
    if ((rc = data_load_u(&d, ucols, &err))) goto done;
    if (d.nu != m.trans_M) {
      rc = urn_error_set(&err, URN_EINPUT, "--transition-x selects %d columns, but the model has %d transition inputs",
                         d.nu, m.trans_M);
      goto done;
    }
  } else if (ucols)
    cli_die(&a, 2, "--transition-x: the model has no input-driven transitions");
  size_t B = d.nseq ? d.nseq : (size_t)nseq;
  out_file of;
  FILE *f = open_out(&of, &a, out);
  fprintf(f, "sequence,t,state");
  if (m.D == 1) fprintf(f, ",y");
  else for (int i = 0; i < m.D; i++) fprintf(f, ",y_%d", i);
  for (int i = 0; i < d.ny; i++) fprintf(f, ",%s", d.csv.header[d.ycols[i]]);
  fputc('\n', f);
  for (size_t b = 0; b < B && !rc; b++) {
    size_t Tb = d.nseq ? d.seqs[b].T : (size_t)T;
    const double *x = d.nseq ? d.seqs[b].y : NULL; /* the printed inputs; the emission inputs of a regression */
    int *z = urn_xmalloc(sizeof(int) * Tb);
    double *y = urn_xmalloc(sizeof(double) * Tb * m.D);
    rc = urn_hmm_sample_tv(&m, &p, (uint64_t)seed + b * 7919u, Tb, is_regression(m.kind) ? x : NULL,
                           m.trans_M > 0 ? d.seqs[b].u : NULL, z, y, &err);
    char nb[32];
    const char *name = d.nseq ? seq_name(&d, b, nb, sizeof nb) : (snprintf(nb, sizeof nb, "%zu", b), nb);
    for (size_t t = 0; !rc && t < Tb; t++) {
      fprintf(f, "%s,%zu,%d", name, t, z[t]);
      for (int i = 0; i < m.D; i++) fprintf(f, ",%.17g", y[t * m.D + i]);
      for (int i = 0; i < d.ny; i++) fprintf(f, ",%.17g", x[t * d.ny + i]);
      fputc('\n', f);
    }
    free(z);
    free(y);
  }
  if (close_out(&of, &a) && !rc) rc = URN_EIO, urn_error_set(&err, URN_EIO, "the output was not written");
done:
  if (rc) fprintf(stderr, "urn hmm sample: %s\n", err.msg);
  data_free(&d);
  urn_hmm_params_free(&p);
  urn_hmm_model_free(&m);
  return rc ? 1 : 0;
}

/* ------------------------------------------------------------ align */

static int read_states(const cli_args *a, const char *path, const char *col, int **z, size_t *n, urn_error *err) {
  urn_hmm_csv csv;
  int rc = urn_hmm_csv_read(path, &csv, err);
  if (rc) return rc;
  int c = 0;
  if (col) rc = urn_hmm_csv_column(&csv, col, &c, err);
  else
    for (int i = 0; i < csv.ncol; i++)
      if (!strcmp(csv.header[i], "state")) c = i;
  if (!rc) {
    double *v = urn_xmalloc(sizeof(double) * csv.nrow);
    rc = urn_hmm_csv_numbers(&csv, &c, 1, v, err);
    *z = urn_xmalloc(sizeof(int) * csv.nrow);
    *n = csv.nrow;
    for (size_t i = 0; !rc && i < csv.nrow; i++) {
      if (v[i] != floor(v[i]) || v[i] < 0 || v[i] > 99999)
        rc = urn_error_set(err, URN_EINPUT, "%s:%d: column '%s': %g is not a state label (0, 1, ...)", path, csv.line[i],
                           csv.header[c], v[i]);
      else (*z)[i] = (int)v[i];
    }
    free(v);
  }
  urn_hmm_csv_free(&csv);
  (void)a;
  return rc;
}

static int hmm_cli_align(int argc, char **argv) {
  cli_args a;
  cli_init(&a, "hmm align", argc, argv);
  const char *p1 = NULL, *p2 = NULL, *c1 = NULL, *c2 = NULL;
  while (!cli_done(&a)) {
    const char *arg = cli_peek(&a);
    if (cli_is_help(arg)) {
      printf("usage: urn hmm align Z1.csv Z2.csv [--col1 NAME] [--col2 NAME]\n"
             "Finds the relabelling of Z1's states that best matches Z2 (dynamax's find_permutation):\n"
             "writes CSV rows z1_state,z2_state and the agreement after relabelling.  The state column\n"
             "defaults to one named 'state', else the first column.\n");
      return 0;
    }
    if (cli_value(&a, "--col1", &c1) || cli_value(&a, "--col2", &c2)) continue;
    if (arg[0] == '-' && arg[1]) cli_unknown(&a);
    if (!p1) p1 = cli_next(&a);
    else if (!p2) p2 = cli_next(&a);
    else cli_die(&a, 2, "two state files are expected");
  }
  if (!p2) cli_die(&a, 2, "two state files are expected: Z1.csv Z2.csv");
  urn_error err;
  urn_error_clear(&err);
  int *z1 = NULL, *z2 = NULL;
  size_t n1 = 0, n2 = 0;
  int rc = read_states(&a, p1, c1, &z1, &n1, &err);
  if (!rc) rc = read_states(&a, p2, c2, &z2, &n2, &err);
  if (!rc && n1 != n2) rc = urn_error_set(&err, URN_EINPUT, "%s has %zu states but %s has %zu", p1, n1, p2, n2);
  int Kp = 0;
  if (!rc) rc = urn_hmm_find_permutation(z1, z2, n1, NULL, &Kp, &err);
  if (!rc) {
    int *perm = urn_xmalloc(sizeof(int) * (size_t)Kp);
    urn_hmm_find_permutation(z1, z2, n1, perm, &Kp, &err);
    size_t agree = 0;
    for (size_t t = 0; t < n1; t++) agree += perm[z1[t]] == z2[t];
    printf("z1_state,z2_state\n");
    for (int i = 0; i < Kp; i++) printf("%d,%d\n", i, perm[i]);
    printf("# agreement after relabelling: %.6f (%zu of %zu)\n", (double)agree / n1, agree, n1);
    free(perm);
  }
  if (rc) fprintf(stderr, "urn hmm align: %s\n", err.msg);
  free(z1);
  free(z2);
  return rc ? 1 : 0;
}

/* -------------------------------------------------------------- forecast */

/* The filtered state distribution at the last step of sequence b (pk, K): per-step matrices for input-driven
 * transitions (the smoothed distribution at the last step is the filtered one). */
static int forecast_filtered(const infer_cmd *c, size_t b, double *pk, urn_error *err) {
  const urn_hmm_model *m = &c->m;
  const urn_hmm_seq *s = &c->d.seqs[b];
  int K = m->K;
  size_t KK = (size_t)K * K;
  double *LL = urn_xmalloc(sizeof(double) * s->T * (size_t)K), *filt = urn_xmalloc(sizeof(double) * s->T * (size_t)K);
  double *A = m->trans_M > 0 ? urn_xmalloc(sizeof(double) * s->T * KK) : NULL, ll;
  int rc = urn_hmm_emission_logliks(m, &c->p, s, LL, err);
  if (!rc && A) rc = urn_hmm_trans_matrices(m, &c->p, s, A, err);
  if (!rc && A) rc = urn_hmm_smoother_tv(K, s->T, c->p.initial_probs, A, LL, &ll, filt, NULL, err);
  else if (!rc) rc = urn_hmm_filter(K, s->T, c->p.initial_probs, c->p.transition_matrix, LL, &ll, filt, NULL, err);
  if (!rc) memcpy(pk, filt + (s->T - 1) * K, sizeof(double) * (size_t)K);
  free(LL), free(filt), free(A);
  return rc;
}

/* Forecasts of one sequence: the filtered state distribution at its last step, pushed
 * through A for h = 1..steps, and the predictive mean of y (models without inputs).
 * Input-driven transitions: Af holds the matrix of each future step (steps x K x K). */
static int forecast_seq(const infer_cmd *c, size_t b, long steps, const double *Af, FILE *f) {
  const urn_hmm_model *m = &c->m;
  int K = m->K, D = m->D;
  double *pk = urn_xmalloc(sizeof(double) * (size_t)K * 2), *nx = pk + K;
  urn_error err;
  int rc = forecast_filtered(c, b, pk, &err);
  if (rc) fprintf(stderr, "urn hmm forecast: %s\n", err.msg);
  for (long h = 1; h <= steps && !rc; h++) {
    const double *Ah = Af ? Af + (size_t)(h - 1) * K * K : c->p.transition_matrix;
    for (int k = 0; k < K; k++) {
      nx[k] = 0.0;
      for (int j = 0; j < K; j++) nx[k] += pk[j] * Ah[(size_t)j * K + k];
    }
    memcpy(pk, nx, sizeof(double) * (size_t)K);
    char nb[32];
    fprintf(f, "%s,%ld", seq_name(&c->d, b, nb, sizeof nb), h);
    for (int k = 0; k < K; k++) fprintf(f, ",%.17g", pk[k]);
    const double *mean = m->kind == URN_HMM_POISSON ? c->p.rates : c->p.means;
    int fam = m->kind >= URN_HMM_EXPONENTIAL;
    for (int d = 0; (mean || fam) && d < D; d++) {
      double v = 0.0;
      for (int k = 0; k < K; k++) v += pk[k] * (fam ? urn__hmm_family_mean(m, &c->p, k, d) : mean[(size_t)k * D + d]);
      fprintf(f, ",%.17g", v);
    }
    fputc('\n', f);
  }
  free(pk);
  return rc;
}

/* The future transition inputs of --future FILE (input-driven transitions): the --transition-x columns, cut into
 * sequences by --seq as the data are (the same sequences in the same order); fut->starts bounds each sequence's
 * rows, and A (allocated, rows x K x K) gets each future step's matrix in the file's row order. */
static int forecast_future(const infer_cmd *c, const char *path, hmm_data *fut, double **A, urn_error *err) {
  memset(fut, 0, sizeof *fut);
  fut->seqcol = -1;
  int rc = urn_hmm_csv_read(path, &fut->csv, err), K = c->m.K, U = c->m.trans_M;
  size_t KK = (size_t)K * K;
  if (rc) return rc;
  if ((rc = data_load_u_cols(fut, c->o.ucols, err))) return rc;
  if (c->o.seqcol && (rc = urn_hmm_csv_column(&fut->csv, c->o.seqcol, &fut->seqcol, err))) return rc;
  if ((rc = urn_hmm_csv_split(&fut->csv, fut->seqcol, &fut->starts, &fut->nseq, err))) return rc;
  if (fut->nseq != c->d.nseq)
    return urn_error_set(err, URN_EINPUT, "%s: %zu sequences of future inputs, but the data have %zu", path, fut->nseq,
                         c->d.nseq);
  for (size_t b = 0; b < fut->nseq; b++) {
    char n1[64], n2[64];
    const char *a1 = seq_name(fut, b, n1, sizeof n1), *a2 = seq_name(&c->d, b, n2, sizeof n2);
    if (strcmp(a1, a2))
      return urn_error_set(err, URN_EINPUT, "%s: future sequence %zu is '%s', but the data's sequence %zu is '%s' (the "
                           "same sequences in the same order)", path, b + 1, a1, b + 1, a2);
  }
  size_t n = fut->csv.nrow;
  *A = urn_xmalloc(sizeof(double) * (n ? n : 1) * KK);
  double *u1 = urn_xmalloc(sizeof(double) * (n + 1) * (size_t)U);
  for (size_t b = 0; b < fut->nseq && !rc; b++) { /* a dummy row 0: row t drives the transition into step t */
    size_t r0 = fut->starts[b], nb = fut->starts[b + 1] - r0;
    memset(u1, 0, sizeof(double) * (size_t)U);
    memcpy(u1 + U, fut->u + r0 * (size_t)U, sizeof(double) * nb * (size_t)U);
    double *At = urn_xmalloc(sizeof(double) * (nb + 1) * KK);
    urn_hmm_seq s = {nb + 1, NULL, NULL, u1};
    rc = urn_hmm_trans_matrices(&c->m, &c->p, &s, At, err);
    memcpy(*A + r0 * KK, At + KK, sizeof(double) * nb * KK);
    free(At);
  }
  free(u1);
  return rc;
}

static int hmm_cli_forecast(int argc, char **argv) {
  /* --steps N and --future FILE are this command's own options; the rest are those of states/loglik */
  long steps = 1;
  int steps_given = 0;
  const char *future = NULL;
  char **av = urn_xmalloc(sizeof(char *) * (size_t)(argc + 1));
  int ac = 0;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--steps") && i + 1 < argc) {
      char *end;
      errno = 0;
      steps = strtol(argv[++i], &end, 10);
      steps_given = 1;
      if (*end || errno || steps < 1 || steps > 100000000) {
        fprintf(stderr, "urn hmm forecast: option --steps: '%s' is not an integer in [1, 100000000]\n", argv[i]);
        free(av);
        return 2;
      }
      continue;
    }
    if (!strcmp(argv[i], "--future") && i + 1 < argc) {
      future = argv[++i];
      continue;
    }
    av[ac++] = argv[i];
  }
  av[ac] = NULL;
  infer_cmd c;
  if (infer_begin(&c, "hmm forecast", ac, av,
                  "usage: urn hmm forecast DATA.csv --params P.json --y COLS [--seq COL] [--steps N] [--out FILE]\n"
                  "       [--transition-x COLS --future FUTURE.csv]\n"
                  "Forecasts N steps (1) past the end of each sequence: CSV sequence,h,p_0..p_{K-1} (state\n"
                  "probabilities: the last filtered distribution times A^h) and, for models without inputs,\n"
                  "mean_0..mean_{D-1} (the predictive mean of y: sum_k p_k mu_k, or the rates for poisson).\n"
                  "Input-driven transitions: FUTURE.csv holds the --transition-x columns of the future steps\n"
                  "(row h of a sequence drives the transition into step T-1+h; with --seq, the same sequences\n"
                  "in the same order); all its rows are forecast, or the first N with --steps N.\n")) {
    free(av);
    return 1;
  }
  int rc = URN_OK, wrc = 0;
  hmm_data fut;
  double *Af = NULL;
  memset(&fut, 0, sizeof fut);
  if (c.m.M) {
    rc = urn_error_set(&c.err, URN_EINPUT, "forecasting a regression model needs its future inputs (not supported)");
  } else if (c.m.trans_M > 0 && !future) {
    rc = urn_error_set(&c.err, URN_EINPUT, "forecasting input-driven transitions needs the future transition inputs: "
                                           "give --future FILE.csv with the --transition-x columns of the future steps");
  } else if (c.m.trans_M <= 0 && future) {
    rc = urn_error_set(&c.err, URN_EINPUT, "--future is for input-driven transitions (the model in %s has none)",
                       c.o.params);
  } else if (future && (rc = forecast_future(&c, future, &fut, &Af, &c.err))) {
    /* the message is set */
  } else {
    for (size_t b = 0; future && b < fut.nseq && !rc; b++)
      if (steps_given && (size_t)steps > fut.starts[b + 1] - fut.starts[b])
        rc = urn_error_set(&c.err, URN_EINPUT, "--steps %ld, but %s has %zu future rows for sequence %zu", steps, future,
                           fut.starts[b + 1] - fut.starts[b], b + 1);
    out_file of;
    FILE *f = rc ? NULL : open_out(&of, &c.a, c.o.out);
    if (f) {
      fprintf(f, "sequence,h");
      for (int k = 0; k < c.m.K; k++) fprintf(f, ",p_%d", k);
      for (int d = 0; d < c.m.D; d++) fprintf(f, ",mean_%d", d);
      fputc('\n', f);
      for (size_t b = 0; b < c.d.nseq && !rc; b++) {
        long nb = future && !steps_given ? (long)(fut.starts[b + 1] - fut.starts[b]) : steps;
        rc = forecast_seq(&c, b, nb, future ? Af + fut.starts[b] * (size_t)c.m.K * c.m.K : NULL, f);
      }
      wrc = close_out(&of, &c.a);
      if (rc) rc = URN_EINPUT, urn_error_set(&c.err, rc, "forecast failed");
    }
  }
  free(Af);
  data_free(&fut);
  free(av);
  if (wrc) {
    infer_end(&c, rc);
    return 1;
  }
  return infer_end(&c, rc);
}

/* ---------------------------------------------------------------- select */

/* One row of `urn hmm select`: the best fit with K states. */
static int select_one(const urn_hmm_model *m, const hmm_data *d, const urn_hmm_fit_opts *o, long restarts, long seed,
                      size_t total, FILE *f, double *bic, urn_error *err) {
  urn_hmm_params best;
  urn_hmm_params_alloc(m, &best);
  urn_hmm_fit_report rep;
  int rc = urn_hmm_fit_best(m, d->seqs, d->nseq, o, URN_HMM_INIT_SEARCH, NULL, (int)restarts, (uint64_t)seed, &best,
                            NULL, &rep, NULL, err);
  if (!rc) {
    int p = urn_hmm_num_free_params(m);
    double aic = 2.0 * p - 2.0 * rep.loglik;
    *bic = p * log((double)total) - 2.0 * rep.loglik;
    fprintf(f, "%d,%.17g,%.17g,%d,%.17g,%.17g,%d,%s,%d\n", m->K, rep.loglik, rep.log_joint, p, aic, *bic,
            rep.iterations, rep.converged ? "true" : "false", rep.degenerate);
  }
  urn_hmm_params_free(&best);
  return rc;
}

static int hmm_cli_select(int argc, char **argv) {
  cli_args a;
  cli_init(&a, "hmm select", argc, argv);
  const char *path = NULL, *ycols = NULL, *xcols = NULL, *seqcol = NULL, *kind_name = "gaussian", *prior = "none";
  const char *out = NULL;
  long kmax = 0, C = 0, iters = 5000, restarts = 0, seed = 1, threads = 1, ncomp = 0;
  double tol = 1e-10;
  while (!cli_done(&a)) {
    const char *arg = cli_peek(&a);
    if (cli_is_help(arg)) {
      printf("usage: urn hmm select DATA.csv --max-states KMAX --y COLS [options]\n"
             "Fits K = 1..KMAX states (urn hmm fit's search and convergence) and prints CSV\n"
             "K,loglik,log_joint,num_params,aic,bic,iterations,converged,degenerate_states, then '# best_bic,K'.\n"
             "  --emission KIND, --x COLS, --seq COL, --classes C, --components C   as urn hmm fit\n"
             "  --prior P          none (default here: maximum likelihood), default, or none:GROUPS\n"
             "  --restarts N, --seed S, --iters N, --tol T, --threads N   as urn hmm fit\n"
             "  --out FILE         write the table there (default: stdout)\n");
      return 0;
    }
    if (cli_int(&a, "--max-states", 1, 1000, &kmax) || cli_value(&a, "--emission", &kind_name) ||
        cli_value(&a, "--y", &ycols) || cli_value(&a, "--x", &xcols) || cli_value(&a, "--seq", &seqcol) ||
        cli_int(&a, "--classes", 2, 1000, &C) || cli_int(&a, "--iters", 1, 100000000, &iters) ||
        cli_int(&a, "--components", 1, 100, &ncomp) ||
        cli_double(&a, "--tol", 0, 1, 0, &tol) || cli_int(&a, "--restarts", 1, 100000, &restarts) ||
        cli_int(&a, "--seed", 0, 2147483647L, &seed) || cli_int(&a, "--threads", 1, 256, &threads) ||
        cli_value(&a, "--prior", &prior) || cli_value(&a, "--out", &out))
      continue;
    if (arg[0] == '-' && arg[1]) cli_unknown(&a);
    if (path) cli_die(&a, 2, "only one data file may be given");
    path = cli_next(&a);
  }
  if (!path) cli_die(&a, 2, "missing DATA.csv");
  if (!kmax) cli_die(&a, 2, "missing --max-states KMAX");
  if (!ycols) cli_die(&a, 2, "missing --y COLS (the emission columns)");
  int kind = urn_hmm_kind_parse(kind_name);
  if (kind < 0) cli_die(&a, 2, "unknown --emission '%s'", kind_name);
  if (is_regression((urn_hmm_kind)kind) != (xcols != NULL))
    cli_die(&a, 2, xcols ? "--x is only used by linreg, bernoulli-glm and categorical-glm" : "--emission %s needs --x COLS",
            kind_name);
  int no_prior = 0;
  parse_prior(&a, prior, &no_prior);
  urn_error err;
  urn_error_clear(&err);
  hmm_data d;
  int rc = data_load(path, ycols, xcols, seqcol, 0, &d, &err);
  if (!rc && is_classes((urn_hmm_kind)kind) && d.ny != 1)
    rc = urn_error_set(&err, URN_EINPUT, "--emission %s takes one --y column (the class)", kind_name);
  if (!rc && is_classes((urn_hmm_kind)kind) && !C) C = classes_of(&d);
  if (kind == URN_HMM_GMM) C = ncomp ? ncomp : 2;
  size_t total = d.csv.nrow;
  if (!rc && (size_t)kmax > total)
    rc = urn_error_set(&err, URN_EINPUT, "%s: %ld states cannot be fitted to %zu time steps", path, kmax, total);
  if (!restarts) restarts = total <= 10000 ? 20 : total <= 100000 ? 10 : 3;
  urn_hmm_fit_opts o = {(int)iters, tol, (int)threads, cli_stop_install(0)};
  out_file of;
  FILE *f = rc ? NULL : open_out(&of, &a, out);
  if (f) fprintf(f, "K,loglik,log_joint,num_params,aic,bic,iterations,converged,degenerate_states\n");
  double best_bic = INFINITY;
  long best_k = 0;
  for (long K = 1; K <= kmax && !rc; K++) {
    urn_hmm_model m;
    if ((rc = urn_hmm_model_init(&m, (urn_hmm_kind)kind, (int)K, d.ny, d.nx, (int)C, &err))) break;
    m.no_prior = no_prior;
    double bic;
    if (!(rc = data_check(&m, &d, path, &err)) &&
        !(rc = select_one(&m, &d, &o, restarts, seed, total, f, &bic, &err)) && bic < best_bic)
      best_bic = bic, best_k = K;
    if (rc && !cli_stop_code()) {
      char msg[sizeof err.msg];
      snprintf(msg, sizeof msg, "%s", err.msg);
      urn_error_set(&err, rc, "K = %ld: %s", K, msg);
    }
    urn_hmm_model_free(&m);
  }
  int wrc = 0;
  if (f) {
    if (!rc) fprintf(f, "# best_bic,%ld\n", best_k);
    wrc = close_out(&of, &a);
  }
  data_free(&d);
  if (cli_stop_code()) {
    fprintf(stderr, "urn hmm select: %s\n", cli_stop_reason());
    return cli_stop_code();
  }
  if (rc) fprintf(stderr, "urn hmm select: %s\n", err.msg);
  return rc || wrc ? 1 : 0;
}

int cmd_hmm_plot(int argc, char **argv); /* cli/cmd_hmm_plot.c */
int cmd_hmm_msar(int argc, char **argv); /* cli/cmd_hmm_msar.c */

static void usage(FILE *f) {
  fprintf(f,
          "usage: urn hmm <run|fit|select|states|loglik|forecast|sample|align|plot> ...\n"
          "  urn hmm run CASE.json\n"
          "  urn hmm fit DATA.csv --states K --emission KIND --y COLS [--x COLS] [--seq COL] [options]\n"
          "  urn hmm select DATA.csv --max-states KMAX --y COLS [fit options]\n"
          "  urn hmm states DATA.csv --params P.json --y COLS [--x COLS] [--seq COL]\n"
          "  urn hmm loglik DATA.csv --params P.json --y COLS [--x COLS] [--seq COL]\n"
          "  urn hmm forecast DATA.csv --params P.json --y COLS [--seq COL] [--steps N]\n"
          "  urn hmm sample --params P.json --T N [--inputs X.csv --x COLS] [--seed S]\n"
          "  urn hmm msar DATA.csv --y COL --states K --order P [--shared-ar] [--shared-var] [--start F.json]\n"
          "  urn hmm align Z1.csv Z2.csv [--col1 NAME] [--col2 NAME]\n"
          "  urn hmm plot states|em|transitions|params|all [DATA.csv] --params FIT.json [--true TRUE.json] ...\n"
          "KIND: gaussian, diag, linreg, bernoulli-glm (logreg), categorical-glm (catreg), poisson.\n"
          "See docs/hmm.md, or `urn hmm SUBCOMMAND --help`.\n");
}

int cmd_hmm(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (cli_is_help(argv[1])) {
    usage(stdout);
    return 0;
  }
  const char *sub = argv[1];
  if (!strcmp(sub, "run")) return hmm_cli_run(argc - 1, argv + 1);
  if (!strcmp(sub, "fit")) return hmm_cli_fit(argc - 1, argv + 1);
  if (!strcmp(sub, "select")) return hmm_cli_select(argc - 1, argv + 1);
  if (!strcmp(sub, "forecast")) return hmm_cli_forecast(argc - 1, argv + 1);
  if (!strcmp(sub, "states")) return hmm_cli_states(argc - 1, argv + 1);
  if (!strcmp(sub, "loglik")) return hmm_cli_loglik(argc - 1, argv + 1);
  if (!strcmp(sub, "sample")) return hmm_cli_sample(argc - 1, argv + 1);
  if (!strcmp(sub, "align")) return hmm_cli_align(argc - 1, argv + 1);
  if (!strcmp(sub, "plot")) return cmd_hmm_plot(argc - 1, argv + 1);
  if (!strcmp(sub, "msar")) return cmd_hmm_msar(argc - 1, argv + 1);
  fprintf(stderr, "urn hmm: unknown subcommand '%s' (run, fit, select, states, loglik, forecast, sample, align, plot, msar)\n", sub);
  return 2;
}
