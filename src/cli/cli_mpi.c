/* cli/cli_mpi.c — the CLI under mpirun (issue #19, docs/scale.md): MPI's
 * start and end, this process's rank, status agreement and data paths per
 * rank.  A build without MPI (the default) compiles the one-rank versions
 * below, so that the commands call these unconditionally. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "urn/common.h"
#include "urn/hmm.h"
#include "urn/run.h"
#include "urn/sample.h"
#include "util/util.h"

#if defined(URN_MPI) && URN_MPI
#include "urn/mpi.h"

static int mpi_on;           /* MPI_Init was called by cli_mpi_init (main's thread only) */
static int mpi_thread;       /* the thread support MPI provides */
static MPI_Comm map_comm = MPI_COMM_NULL; /* this rank's group for map_rect (cli_mpi_map_split), or none */
static urn_mpi_map *map_h;   /* the group's first rank: map_rect's jobs go to the group */

void cli_mpi_init(int *argc, char ***argv) {
  /* the E-step's threads never call MPI; a chain's thread does for map_rect over ranks, one at a time */
  if (MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &mpi_thread) == MPI_SUCCESS) mpi_on = 1;
}
void cli_mpi_finalize(void) {
  if (map_comm != MPI_COMM_NULL) MPI_Comm_free(&map_comm);
  if (mpi_on) MPI_Finalize(), mpi_on = 0;
}
int cli_mpi_map_split(int group, urn_error *err) {
  if (!mpi_on || group < 2) return URN_OK;
  int rank = cli_mpi_rank();
  MPI_Comm_split(MPI_COMM_WORLD, rank / group, rank, &map_comm);
  if (mpi_thread < MPI_THREAD_SERIALIZED)
    return urn_error_set(err, URN_EINPUT, "map_rect over MPI ranks needs MPI_THREAD_SERIALIZED, which this MPI "
                                          "does not provide (give each rank a chain)");
  return URN_OK;
}
void cli_mpi_map_begin(urn_model *m) {
  if (map_comm != MPI_COMM_NULL) map_h = urn_mpi_map_rect_attach(map_comm, m);
}
void cli_mpi_map_end(void) { urn_mpi_map_rect_detach(map_h), map_h = NULL; }
void cli_mpi_map_serve(urn_model *m) {
  urn_error err;
  if (map_comm != MPI_COMM_NULL) urn_mpi_map_rect_serve(map_comm, m, &err);
}
int cli_mpi_rank(void) {
  int r = 0;
  if (mpi_on) MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}
int cli_mpi_size(void) {
  int n = 1;
  if (mpi_on) MPI_Comm_size(MPI_COMM_WORLD, &n);
  return n;
}
int cli_mpi_agree(int status, urn_error *err) { return mpi_on ? urn_mpi_agree(MPI_COMM_WORLD, status, err) : status; }
void cli_mpi_block(size_t n, size_t *first, size_t *count) {
  if (mpi_on) urn_mpi_block(MPI_COMM_WORLD, n, first, count);
  else *first = 0, *count = n;
}
int cli_mpi_max(int v) {
  int all = v;
  if (mpi_on) MPI_Allreduce(&v, &all, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return all;
}

size_t cli_mpi_sum(size_t n) {
  unsigned long long v = n, all = n;
  if (mpi_on) MPI_Allreduce(&v, &all, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
  return (size_t)all;
}

/* Message tags of the chains' report. */
enum { TAG_COUNT = 1, TAG_RESULT, TAG_DRAWS };

void cli_mpi_send_chains(const urn_run *r, double cpu) {
  int n = r ? urn_run_num_chains(r) : 0; /* NULL: a rank that ran map_rect jobs, no chain */
  unsigned long long head[2] = {(unsigned long long)n, 0};
  memcpy(&head[1], &cpu, sizeof cpu);
  MPI_Send(head, 2, MPI_UNSIGNED_LONG_LONG, 0, TAG_COUNT, MPI_COMM_WORLD);
  size_t cols = r ? urn_run_num_cols(r) : 0;
  for (int c = 0; c < n; c++) {
    MPI_Send(urn_run_chain_result(r, c), (int)sizeof(urn_chain_result), MPI_BYTE, 0, TAG_RESULT, MPI_COMM_WORLD);
    MPI_Send(urn_run_draws(r, c), (int)(urn_run_num_rows(r, c) * cols), MPI_DOUBLE, 0, TAG_DRAWS, MPI_COMM_WORLD);
  }
}

void cli_mpi_recv_chains(const urn_run *r, int total, urn_chain_result **res, const double ***draws, double *cpu) {
  int own = urn_run_num_chains(r), size = cli_mpi_size();
  size_t vals = urn_run_num_rows(r, 0) * urn_run_num_cols(r);
  *res = urn_xcalloc((size_t)total, sizeof **res);
  *draws = urn_xcalloc((size_t)total, sizeof **draws);
  for (int c = 0; c < own; c++) (*res)[c] = *urn_run_chain_result(r, c), (*draws)[c] = urn_run_draws(r, c);
  int at = own;
  for (int src = 1; src < size; src++) {
    unsigned long long head[2];
    MPI_Recv(head, 2, MPI_UNSIGNED_LONG_LONG, src, TAG_COUNT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    double c2;
    memcpy(&c2, &head[1], sizeof c2);
    *cpu += c2;
    for (unsigned long long c = 0; c < head[0] && at < total; c++, at++) {
      MPI_Recv(&(*res)[at], (int)sizeof(urn_chain_result), MPI_BYTE, src, TAG_RESULT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      double *d = urn_xmalloc((vals ? vals : 1) * sizeof *d);
      MPI_Recv(d, (int)vals, MPI_DOUBLE, src, TAG_DRAWS, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      (*draws)[at] = d;
    }
  }
}

int cli_mpi_hmm_fit_best(const urn_hmm_model *m, const urn_hmm_seq *seqs, size_t nseq, const urn_hmm_fit_opts *opts,
                         urn_hmm_init_method init, const urn_hmm_params *given, int restarts, uint64_t seed,
                         urn_hmm_params *best, double *trace, urn_hmm_fit_report *report,
                         const urn_hmm_fit_callbacks *cb, urn_error *err) {
  if (!mpi_on)
    return urn_hmm_fit_best(m, seqs, nseq, opts, init, given, restarts, seed, best, trace, report, cb, err);
  return urn_mpi_hmm_fit_best(MPI_COMM_WORLD, m, seqs, nseq, opts, init, given, restarts, seed, best, trace, report,
                              cb, err);
}
#else
void cli_mpi_init(int *argc, char ***argv) { (void)argc, (void)argv; }
void cli_mpi_finalize(void) {}
int cli_mpi_rank(void) { return 0; }
int cli_mpi_size(void) { return 1; }
int cli_mpi_agree(int status, urn_error *err) { return (void)err, status; }
void cli_mpi_block(size_t n, size_t *first, size_t *count) { *first = 0, *count = n; }
int cli_mpi_max(int v) { return v; }
size_t cli_mpi_sum(size_t n) { return n; }
void cli_mpi_send_chains(const urn_run *r, double cpu) { (void)r, (void)cpu; }
void cli_mpi_recv_chains(const urn_run *r, int total, urn_chain_result **res, const double ***draws, double *cpu) {
  (void)r, (void)total, (void)res, (void)draws, (void)cpu; /* never called with one rank */
}
int cli_mpi_map_split(int group, urn_error *err) { return (void)group, (void)err, URN_OK; }
void cli_mpi_map_begin(urn_model *m) { (void)m; }
void cli_mpi_map_end(void) {}
void cli_mpi_map_serve(urn_model *m) { (void)m; }
int cli_mpi_hmm_fit_best(const urn_hmm_model *m, const urn_hmm_seq *seqs, size_t nseq, const urn_hmm_fit_opts *opts,
                         urn_hmm_init_method init, const urn_hmm_params *given, int restarts, uint64_t seed,
                         urn_hmm_params *best, double *trace, urn_hmm_fit_report *report,
                         const urn_hmm_fit_callbacks *cb, urn_error *err) {
  return urn_hmm_fit_best(m, seqs, nseq, opts, init, given, restarts, seed, best, trace, report, cb, err);
}
#endif

const char *cli_mpi_path(const char *path, char *buf, size_t cap) {
  const char *at = path ? strstr(path, "{rank}") : NULL;
  if (!at) return path;
  snprintf(buf, cap, "%.*s%d%s", (int)(at - path), path, cli_mpi_rank(), at + 6);
  return buf;
}
