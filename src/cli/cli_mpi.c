/* cli/cli_mpi.c — the CLI under mpirun (issue #19, docs/scale.md): MPI's
 * start and end, this process's rank, status agreement and data paths per
 * rank.  A build without MPI (the default) compiles the one-rank versions
 * below, so that the commands call these unconditionally. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "urn/common.h"
#include "urn/hmm.h"

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
