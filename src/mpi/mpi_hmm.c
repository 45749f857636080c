/* mpi/mpi_hmm.c — include/urn/mpi.h: status agreement, blocks of items, and
 * an HMM fit over MPI ranks (urn_mpi_hmm_fit_best), the path for data larger
 * than one machine.
 *
 * The fit is urn_hmm_fit_best's (hmm/hmm_fit.c: restarts, each initialized,
 * run through EM and scored by its final log joint) with the data-wide steps
 * made collective:
 *   - E-step: each rank runs urn_hmm_e_step over its sequences, packs its
 *     statistics (fixed-size for every kind but the GLMs) with its log
 *     likelihood, status and stop flag into one vector; MPI_Allgather brings
 *     every rank's vector to every rank, which adds them in rank order.  The
 *     sum is therefore the same bits on every rank and for every MPI
 *     implementation (MPI_Allreduce leaves the order of its additions open).
 *   - M-step: every rank runs urn_hmm_m_step on the same statistics, so every
 *     rank holds the same parameters without sending them.  The GLM kinds'
 *     Newton M-step (hmm_glm.c) reads every time step: its sums (the design's
 *     Gram matrix, each Newton step's gradient and Hessian, the objective in
 *     the line search) are added over the ranks in rank order (mh_sum), so
 *     every rank takes the same Newton steps.  So are those of the input-
 *     driven transitions' Newton M-step (hmm_trans.c: each pass's objective,
 *     gradients and Hessians per origin state, over each rank's own steps'
 *     expected transition counts, which stay on their rank).
 *   - data-driven initializations (k-means, search, random): the sequences
 *     are gathered on rank 0 once, which initializes each restart exactly as
 *     one process would (urn__hmm_initialize on the same sequences in the same
 *     order) and broadcasts the parameters; prior draws and given parameters
 *     are made on every rank alike.
 * The restarts and their ranking are hmm_fit.c's (urn__hmm_fit_restarts);
 * this file gives them the collective initialization and EM.
 * A failure on a rank (bad sequence, singular statistics) travels in the
 * gathered vector, and the lowest failing rank broadcasts its message: every
 * rank returns the same error, none waits forever. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hmm/hmm_internal.h"
#include "urn/mpi.h"
#include "util/util.h"

/* ---- agreement and blocks ---- */

int urn_mpi_agree(MPI_Comm comm, int status, urn_error *err) {
  int rank, size;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  int *all = urn_xmalloc((size_t)size * sizeof *all);
  MPI_Allgather(&status, 1, MPI_INT, all, 1, MPI_INT, comm);
  int root = -1;
  for (int r = 0; r < size && root < 0; r++)
    if (all[r] != URN_OK) root = r;
  int code = root < 0 ? URN_OK : all[root];
  free(all);
  if (root < 0) return URN_OK;
  char msg[sizeof err->msg];
  if (rank == root) snprintf(msg, sizeof msg, "%s", err ? err->msg : "failed");
  MPI_Bcast(msg, (int)sizeof msg, MPI_CHAR, root, comm);
  msg[sizeof msg - 1] = 0;
  if (size > 1) urn_error_set(err, code, "rank %d: %s", root, msg);
  else urn_error_set(err, code, "%s", msg);
  return code;
}

void urn_mpi_block(MPI_Comm comm, size_t n, size_t *first, size_t *count) {
  int rank, size;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  size_t lo = n * (size_t)rank / (size_t)size, hi = n * (size_t)(rank + 1) / (size_t)size;
  *first = lo, *count = hi - lo;
}

/* ---- statistics and parameters as flat vectors ---- */

#define MH_FIELDS 10

/* The arrays of a statistics or parameter struct that travel, with their lengths. */
typedef struct mh_fields {
  double *p[MH_FIELDS];   /* the arrays (NULL entries skipped) */
  size_t n[MH_FIELDS];    /* their lengths */
  int k;                  /* used */
  size_t total;           /* sum of the lengths */
} mh_fields;

static void mh_add(mh_fields *f, double *p, size_t n) {
  if (!p || !n) return;
  f->p[f->k] = p, f->n[f->k++] = n, f->total += n;
}

/* The statistics' summable arrays (hmm_em.c's order). */
static void mh_stats_fields(const urn_hmm_model *m, urn_hmm_stats *st, mh_fields *f) {
  double *p[URN__HMM_NSUM];
  size_t n[URN__HMM_NSUM];
  urn__hmm_stats_fields(m, st, p, n);
  memset(f, 0, sizeof *f);
  for (int j = 0; j < URN__HMM_NSUM; j++) mh_add(f, p[j], n[j]);
}

static void mh_param_fields(const urn_hmm_model *m, urn_hmm_params *p, mh_fields *f) {
  size_t K = (size_t)m->K, D = (size_t)m->D, M = (size_t)m->M, C = (size_t)m->C;
  memset(f, 0, sizeof *f);
  mh_add(f, p->initial_probs, K), mh_add(f, p->transition_matrix, K * K);
  switch (m->kind) {
  case URN_HMM_GAUSSIAN: mh_add(f, p->means, K * D), mh_add(f, p->covs, K * D * D); break;
  case URN_HMM_DIAG: mh_add(f, p->means, K * D), mh_add(f, p->scale_diags, K * D); break;
  case URN_HMM_LINREG: mh_add(f, p->weights, K * D * M), mh_add(f, p->biases, K * D), mh_add(f, p->covs, K * D * D); break;
  case URN_HMM_LOGREG: mh_add(f, p->weights, K * M), mh_add(f, p->biases, K); break;
  case URN_HMM_CATREG: mh_add(f, p->weights, K * C * M), mh_add(f, p->biases, K * C); break;
  case URN_HMM_POISSON: mh_add(f, p->rates, K * D); break;
  case URN_HMM_GMM: /* C diagonal components per state: weights, means, standard deviations */
    mh_add(f, p->means, K * C * D), mh_add(f, p->scale_diags, K * C * D), mh_add(f, p->probs, K * C);
    break;
  default: /* exponential..student: whichever arrays the kind uses */
    mh_add(f, p->means, K * D), mh_add(f, p->scale_diags, K * D), mh_add(f, p->rates, K * D);
    mh_add(f, p->shapes, (m->kind == URN_HMM_BETA ? 2 : 1) * K * D), mh_add(f, p->dofs, K * D), mh_add(f, p->probs, K * C);
    break;
  }
}

/* Rank root's parameters to every rank. */
static void mh_bcast_params(MPI_Comm comm, const urn_hmm_model *m, urn_hmm_params *p, int root) {
  mh_fields f;
  mh_param_fields(m, p, &f);
  for (int i = 0; i < f.k; i++) MPI_Bcast(f.p[i], (int)f.n[i], MPI_DOUBLE, root, comm);
}

/* ---- the collective E-step ---- */

/* One fit's shared state. */
typedef struct mh_fit {
  MPI_Comm comm;                 /* the ranks */
  int size;                      /* their number */
  const urn_hmm_model *m;        /* the model */
  const urn_hmm_seq *seqs;       /* this rank's sequences */
  size_t nseq;                   /* their number (may be 0) */
  const urn_hmm_fit_opts *opts;  /* iterations, tolerance, threads, stop flag */
  urn_hmm_stats st;              /* the combined statistics (every rank the same) */
  double *vec, *all;             /* this rank's packed vector; every rank's (size x len) */
  size_t len;                    /* packed length: statistics, log likelihood, status, stop */
} mh_fit;

static void mh_fit_init(mh_fit *F, MPI_Comm comm, const urn_hmm_model *m, const urn_hmm_seq *seqs, size_t nseq,
                        const urn_hmm_fit_opts *opts) {
  memset(F, 0, sizeof *F);
  F->comm = comm, F->m = m, F->seqs = seqs, F->nseq = nseq, F->opts = opts;
  MPI_Comm_size(comm, &F->size);
  size_t n = 0;
  for (size_t b = 0; b < nseq; b++) n += seqs[b].T;
  urn_hmm_stats_alloc(m, n, &F->st);
  mh_fields f;
  mh_stats_fields(m, &F->st, &f);
  F->len = f.total + 3;
  F->vec = urn_xmalloc(F->len * sizeof *F->vec);
  F->all = urn_xmalloc(F->len * (size_t)F->size * sizeof *F->all);
}

static void mh_fit_free(mh_fit *F) {
  urn_hmm_stats_free(&F->st);
  free(F->vec), free(F->all);
}

/* E-step on every rank, statistics summed in rank order into F->st (loglik included).  Returns the agreed
 * status: a rank's error (message from the lowest failing rank), URN_EINTR when any rank's stop flag is up
 * (stop_check), else URN_OK. */
static int mh_estep(mh_fit *F, const urn_hmm_params *p, int stop_check, urn_error *err) {
  int rc = URN_OK;
  mh_fields f;
  mh_stats_fields(F->m, &F->st, &f);
  if (F->nseq) rc = urn_hmm_e_step(F->m, p, F->seqs, F->nseq, F->opts->nthreads, &F->st, NULL, err);
  else {
    for (int i = 0; i < f.k; i++) memset(f.p[i], 0, f.n[i] * sizeof(double));
    F->st.loglik = 0;
  }
  size_t at = 0;
  for (int i = 0; i < f.k; i++) memcpy(F->vec + at, f.p[i], f.n[i] * sizeof(double)), at += f.n[i];
  volatile sig_atomic_t *stop = F->opts->stop;
  F->vec[at] = F->st.loglik;
  F->vec[at + 1] = rc;
  F->vec[at + 2] = stop_check && stop && __atomic_load_n(stop, __ATOMIC_RELAXED);
  MPI_Allgather(F->vec, (int)F->len, MPI_DOUBLE, F->all, (int)F->len, MPI_DOUBLE, F->comm);
  int failed = 0, stopped = 0;
  for (int r = 0; r < F->size; r++) failed |= F->all[(size_t)r * F->len + at + 1] != 0,
                                    stopped |= F->all[(size_t)r * F->len + at + 2] != 0;
  if (failed) return urn_mpi_agree(F->comm, rc, err);
  if (stopped) return URN_EINTR;
  for (size_t j = 0; j <= at; j++) { /* rank order: the same bits everywhere */
    double s = F->all[j];
    for (int r = 1; r < F->size; r++) s += F->all[(size_t)r * F->len + j];
    F->vec[j] = s;
  }
  at = 0;
  for (int i = 0; i < f.k; i++) memcpy(f.p[i], F->vec + at, f.n[i] * sizeof(double)), at += f.n[i];
  F->st.loglik = F->vec[at];
  return URN_OK;
}

/* The GLM and transition M-steps' sums over the ranks (urn__hmm_reducer): every rank's v gathered to every rank
 * and added in rank order, so that every rank holds the same bits (as mh_estep). */
static void mh_sum(void *ctx, double *v, size_t n) {
  mh_fit *F = ctx;
  if (F->size == 1 || !n) return;
  double *all = urn_xmalloc(n * (size_t)F->size * sizeof *all);
  MPI_Allgather(v, (int)n, MPI_DOUBLE, all, (int)n, MPI_DOUBLE, F->comm);
  for (size_t j = 0; j < n; j++) {
    double s = all[j];
    for (int r = 1; r < F->size; r++) s += all[(size_t)r * n + j];
    v[j] = s;
  }
  free(all);
}

/* urn_hmm_fit_em over the ranks (hook: the iteration callback, may be NULL). */
static int mh_em(mh_fit *F, urn_hmm_params *p, double *trace, int *n_done, int *converged,
                 int (*hook)(void *ctx, int iteration, double log_joint), void *ctx, urn_error *err) {
  int rc = urn_hmm_params_check(F->m, p, err), done = 0;
  *converged = 0;
  for (int i = 0; !rc && i < F->opts->num_iters; i++) {
    rc = mh_estep(F, p, 1, err);
    if (rc == URN_EINTR) rc = urn_error_set(err, URN_EINTR, "interrupted after %d EM iterations", i);
    if (rc) break;
    trace[i] = urn_hmm_log_prior(F->m, p) + F->st.loglik;
    urn__hmm_reducer red = {mh_sum, F};
    if ((rc = urn__hmm_m_step_r(F->m, &F->st, F->seqs, F->nseq, p, i, &red, err))) break;
    done = i + 1;
    if (hook && hook(ctx, i, trace[i])) {
      rc = urn_error_set(err, URN_EINTR, "hmm fit: stopped at iteration %d", i + 1);
      break;
    }
    if (F->opts->tol > 0 && i > 0 && 2.0 * (trace[i] - trace[i - 1]) / fabs(trace[i] + trace[i - 1]) < F->opts->tol) {
      *converged = 1;
      break;
    }
  }
  *n_done = done;
  return rc;
}

/* Every rank's sequences gathered on rank 0 (once, at the first data-driven initialization), in rank order: the
 * data set one process would see, for the initializations that read the data (k-means, search, random).  The
 * transition inputs u stay behind: no initialization reads them (input-driven transitions start at W = 0 from
 * the initial matrix, hmm_fit.c; the search's Viterbi labels use that u = 0 matrix). */
typedef struct mh_all {
  int done;          /* gathered (every rank) */
  urn_hmm_seq *seqs; /* rank 0: every sequence, over y and x */
  size_t nseq;       /* rank 0: their number */
  double *y, *x;     /* rank 0: the emissions and inputs, sequence after sequence */
} mh_all;

/* Gathers count[q] values (per rank) of mine into a fresh array on rank 0 (NULL elsewhere); 0 when the total
 * fits MPI's int counts. */
static int mh_gatherv(MPI_Comm comm, int size, int rank, const void *mine, long long n, MPI_Datatype type,
                      size_t elem, void **out) {
  long long *cnts = urn_xmalloc((size_t)size * sizeof *cnts), total = 0;
  MPI_Allgather(&n, 1, MPI_LONG_LONG, cnts, 1, MPI_LONG_LONG, comm);
  int fits = 1;
  for (int q = 0; q < size; q++) total += cnts[q], fits &= total <= 2147483647LL;
  *out = NULL;
  if (fits) {
    int *c = urn_xmalloc((size_t)size * sizeof *c), *d = urn_xmalloc((size_t)size * sizeof *d);
    for (int q = 0, off = 0; q < size; q++) c[q] = (int)cnts[q], d[q] = off, off += (int)cnts[q];
    if (rank == 0) *out = urn_xmalloc((size_t)(total ? total : 1) * elem);
    MPI_Gatherv(mine, (int)n, type, *out, c, d, type, 0, comm);
    free(c), free(d);
  }
  free(cnts);
  return fits ? 0 : -1;
}

static int mh_gather_all(mh_fit *F, mh_all *A, urn_error *err) {
  int rank, D = F->m->D, M = F->m->M;
  MPI_Comm_rank(F->comm, &rank);
  size_t n = 0;
  for (size_t b = 0; b < F->nseq; b++) n += F->seqs[b].T;
  unsigned long long *T = urn_xmalloc((F->nseq + 1) * sizeof *T);
  double *y = urn_xmalloc((n * (size_t)D + 1) * sizeof *y), *x = urn_xmalloc((n * (size_t)M + 1) * sizeof *x);
  size_t at = 0;
  for (size_t b = 0; b < F->nseq; b++) {
    T[b] = F->seqs[b].T;
    memcpy(y + at * D, F->seqs[b].y, F->seqs[b].T * D * sizeof(double));
    if (M) memcpy(x + at * M, F->seqs[b].x, F->seqs[b].T * M * sizeof(double));
    at += F->seqs[b].T;
  }
  void *Ts = NULL;
  int bad = mh_gatherv(F->comm, F->size, rank, T, (long long)F->nseq, MPI_UNSIGNED_LONG_LONG, sizeof *T, &Ts);
  bad |= mh_gatherv(F->comm, F->size, rank, y, (long long)(n * (size_t)D), MPI_DOUBLE, sizeof *y, (void **)&A->y);
  if (M) bad |= mh_gatherv(F->comm, F->size, rank, x, (long long)(n * (size_t)M), MPI_DOUBLE, sizeof *x, (void **)&A->x);
  free(T), free(y), free(x);
  unsigned long long nall = F->nseq;
  MPI_Reduce(rank ? &nall : MPI_IN_PLACE, &nall, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, 0, F->comm);
  A->done = 1;
  if (bad) {
    free(Ts);
    return urn_error_set(err, URN_EINPUT, "hmm fit: a data-driven initialization over more than 2^31 values across "
                         "ranks; use --init prior or a parameter file");
  }
  if (rank == 0) {
    const unsigned long long *Tall = Ts;
    A->nseq = (size_t)nall, A->seqs = urn_xcalloc(A->nseq ? A->nseq : 1, sizeof *A->seqs);
    for (size_t b = 0, off = 0; b < A->nseq; off += Tall[b], b++)
      A->seqs[b] = (urn_hmm_seq){(size_t)Tall[b], A->y + off * D, M ? A->x + off * M : NULL};
  }
  free(Ts);
  return URN_OK;
}

static void mh_all_free(mh_all *A) { free(A->seqs), free(A->y), free(A->x); }

/* The fitter over the ranks (urn__hmm_fitter): F and the gathered data. */
typedef struct mh_fitter {
  mh_fit *F;  /* the ranks' fit */
  mh_all all; /* the data on rank 0, for the data-driven initializations */
} mh_fitter;

/* Restart r's initialization: the prior draw and given parameters on every rank (no data: the same bits
 * everywhere); the data-driven ones on rank 0 over every rank's sequences in rank order (one process's
 * initialization, bit for bit), broadcast. */
static int mh_init(void *ctx, const urn_hmm_model *m, urn_hmm_init_method init, const urn_hmm_params *given,
                   const urn_hmm_params *best, int r, uint64_t seed, urn_hmm_params *cur, urn_error *err) {
  mh_fitter *X = ctx;
  if (init == URN_HMM_INIT_GIVEN || init == URN_HMM_INIT_PRIOR)
    return urn__hmm_initialize(m, NULL, 0, init, given, best, r, seed, cur, err);
  int rank, rc = URN_OK;
  MPI_Comm_rank(X->F->comm, &rank);
  if (!X->all.done) rc = mh_gather_all(X->F, &X->all, err);
  if (!rc && rank == 0) rc = urn__hmm_initialize(m, X->all.seqs, X->all.nseq, init, given, best, r, seed, cur, err);
  rc = urn_mpi_agree(X->F->comm, rc, err);
  if (!rc) mh_bcast_params(X->F->comm, m, cur, 0);
  return rc;
}

/* One restart from cur: EM over the ranks, then the final E-step's score. */
static int mh_run(void *ctx, const urn_hmm_model *m, urn_hmm_params *cur, double *trace, urn__hmm_restart *res,
                  const urn_hmm_fit_callbacks *cb, int restart, urn_error *err) {
  mh_fit *F = ((mh_fitter *)ctx)->F;
  urn__hmm_iter_hook hook = {cb, restart};
  (void)m;
  int rc = mh_em(F, cur, trace, &res->n_done, &res->converged, cb && cb->iteration ? urn__hmm_iteration_hook : NULL,
                 &hook, err);
  if (!rc && !(rc = mh_estep(F, cur, 0, err))) {
    res->loglik = F->st.loglik;
    res->lj = F->st.loglik + urn_hmm_log_prior(F->m, cur);
    res->degenerate = urn__hmm_count_degenerate(F->m, cur, &F->st);
  }
  return rc;
}

/* hmm_fit.c's variance floor over every rank's emissions: 1e-6 x the smallest per-dimension variance of the
 * pooled data (of log y for lognormal; sums added in rank order); *constant gets the first constant dimension. */
static double mh_var_floor(MPI_Comm comm, const urn_hmm_model *m, const urn_hmm_seq *seqs, size_t nseq, int *constant) {
  int D = m->D, size, logy = m->kind == URN_HMM_LOGNORMAL;
  MPI_Comm_size(comm, &size);
  double *v = urn_xcalloc((size_t)D + 1, sizeof *v), *all = urn_xmalloc(((size_t)D + 1) * (size_t)size * sizeof *all);
  double *mean = urn_xcalloc((size_t)D, sizeof *mean), *var = urn_xcalloc((size_t)D, sizeof *var), n = 0;
  for (int pass = 0; pass < 2; pass++) {
    for (int d = 0; d <= D; d++) v[d] = 0;
    for (size_t b = 0; b < nseq; b++)
      for (size_t t = 0; t < seqs[b].T; t++)
        for (int d = 0; d < D; d++) {
          double y = logy ? log(seqs[b].y[t * D + d]) : seqs[b].y[t * D + d];
          v[d] += pass ? (y - mean[d]) * (y - mean[d]) : y;
        }
    for (size_t b = 0; b < nseq; b++) v[D] += (double)seqs[b].T;
    MPI_Allgather(v, D + 1, MPI_DOUBLE, all, D + 1, MPI_DOUBLE, comm);
    for (int d = 0; d <= D; d++) {
      double s = all[d];
      for (int r = 1; r < size; r++) s += all[(size_t)r * (D + 1) + d];
      if (d == D) n = s;
      else if (pass) var[d] = s;
      else mean[d] = s;
    }
    for (int d = 0; d < D; d++) (pass ? var : mean)[d] /= n;
  }
  double best = INFINITY;
  for (int d = 0; d < D; d++) {
    if (!(var[d] > 0) && *constant < 0) *constant = d;
    if (var[d] > 0 && var[d] < best) best = var[d];
  }
  free(v), free(all), free(mean), free(var);
  return isfinite(best) ? 1e-6 * best : 0.0;
}

int urn_mpi_hmm_fit_best(MPI_Comm comm, const urn_hmm_model *m, const urn_hmm_seq *seqs, size_t nseq,
                         const urn_hmm_fit_opts *opts, urn_hmm_init_method init, const urn_hmm_params *given,
                         int restarts, uint64_t seed, urn_hmm_params *best, double *trace,
                         urn_hmm_fit_report *report, const urn_hmm_fit_callbacks *cb, urn_error *err) {
  int rc = URN_OK;
  init = urn_hmm_init_resolve(m->kind, init);
  if (init == URN_HMM_INIT_GIVEN && !given)
    rc = urn_error_set(err, URN_EINPUT, "hmm fit: initial parameters were asked for but not given");
  else if (restarts < 1)
    rc = urn_error_set(err, URN_EINPUT, "hmm fit: restarts is %d, but must be >= 1", restarts);
  else if (opts->num_iters < 1)
    rc = urn_error_set(err, URN_EINPUT, "hmm fit: iterations is %d, but must be >= 1", opts->num_iters);
  for (size_t b = 0; !rc && b < nseq; b++) rc = urn_hmm_seq_check(m, &seqs[b], b, err);
  if ((rc = urn_mpi_agree(comm, rc, err))) return rc;
  if (init == URN_HMM_INIT_GIVEN) restarts = 1;
  unsigned long long mine = 0, total = 0;
  for (size_t b = 0; b < nseq; b++) mine += seqs[b].T;
  MPI_Allreduce(&mine, &total, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, comm);
  if (total == 0) return urn_error_set(err, URN_EINPUT, "hmm: no sequences to fit");
  if (total < (unsigned long long)m->K)
    return urn_error_set(err, URN_EINPUT, "hmm fit: %d states cannot be fitted to %llu time steps", m->K, total);
  urn_hmm_model mm = *m; /* shallow copy: the variance floor tied to the data's scale */
  if (mm.kind == URN_HMM_GAUSSIAN || mm.kind == URN_HMM_DIAG || mm.kind == URN_HMM_LOGNORMAL ||
      mm.kind == URN_HMM_STUDENT || mm.kind == URN_HMM_GMM) { /* hmm_fit.c's kinds and rule */
    int constant = -1;
    double floor_ = mh_var_floor(comm, m, seqs, nseq, &constant);
    if (!(mm.var_floor > 0)) mm.var_floor = floor_;
    if (constant >= 0 && ((mm.no_prior & URN_HMM_FREEZE_EMISSIONS) || urn__hmm_is_family(mm.kind)))
      return urn_error_set(err, URN_EINPUT,
                           "hmm fit: emission dimension %d is constant, so its maximum-likelihood variance is 0; "
                           "drop it, or fit with a prior", constant);
  }
  m = &mm;
  mh_fit F;
  mh_fit_init(&F, comm, m, seqs, nseq, opts);
  mh_fitter X = {&F, {0, NULL, 0, NULL, NULL}};
  urn__hmm_fitter f = {&X, mh_init, mh_run};
  int rc2 = urn__hmm_fit_restarts(m, &f, opts->num_iters, init, given, restarts, seed, best, trace, report, cb, err);
  mh_all_free(&X.all);
  mh_fit_free(&F);
  return rc2;
}
