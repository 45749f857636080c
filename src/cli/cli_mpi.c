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

static int mpi_on; /* MPI_Init was called by cli_mpi_init (main's thread only) */

void cli_mpi_init(int *argc, char ***argv) {
  int provided;
  /* the chains' and E-step's threads never call MPI: only the main thread does */
  if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) == MPI_SUCCESS) mpi_on = 1;
}
void cli_mpi_finalize(void) {
  if (mpi_on) MPI_Finalize(), mpi_on = 0;
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
  int n = urn_run_num_chains(r);
  unsigned long long head[2] = {(unsigned long long)n, 0};
  memcpy(&head[1], &cpu, sizeof cpu);
  MPI_Send(head, 2, MPI_UNSIGNED_LONG_LONG, 0, TAG_COUNT, MPI_COMM_WORLD);
  size_t cols = urn_run_num_cols(r);
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
