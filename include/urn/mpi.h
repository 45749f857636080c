/* urn/mpi.h — urn across processes and machines with MPI (issue #19;
 * docs/scale.md).  Only in a build made with `make MPI=1` (liburn built by
 * mpicc); include it after nothing in particular: it includes <mpi.h>.
 *
 * Every function is collective over comm: every rank of comm calls it with
 * the same arguments except its own share of the data, and every rank gets
 * the same result.  A failure on any rank is returned on every rank, with
 * the message of the lowest failing rank prefixed "rank R: " — never a hang
 * of the ranks that did not fail.  The caller owns MPI_Init / MPI_Finalize. */
#ifndef URN_MPI_H
#define URN_MPI_H

#include <mpi.h>

#include "urn/common.h"
#include "urn/hmm.h"
#include "urn/model.h"

/* Status agreement: every rank passes its own status (URN_OK or an error, with its message in err); every
 * rank returns the lowest-ranked failure's status, and err gets its message ("rank R: ..." when R > 0 or more
 * than one rank).  URN_OK everywhere when no rank failed. */
URN_API int urn_mpi_agree(MPI_Comm comm, int status, urn_error *err);

/* The block of items [*first, *first + *count) of n this rank takes: contiguous blocks in rank order, sizes
 * differing by at most one (chains of a sampling run, sequences of an HMM fit). */
URN_API void urn_mpi_block(MPI_Comm comm, size_t n, size_t *first, size_t *count);

/* urn_hmm_fit_best over the ranks of comm: seqs (nseq of them, possibly none) are this rank's sequences;
 * the data set is the ranks' sequences in rank order.  Each E-step runs on every rank over its sequences
 * (opts->nthreads threads each), and the statistics are combined in a fixed order (rank 0's, plus rank 1's,
 * ...): the fit does not depend on MPI's reduction algorithm, and equals urn_hmm_fit_best on all the
 * sequences in one process to rounding (1e-12 in the tests).  The data-driven initializations (k-means,
 * search, random) gather the sequences on rank 0 once (n x (D + M) doubles there), which initializes each
 * restart as one process would and broadcasts it; prior draws and given parameters need no data.  Every rank
 * gets best, trace and report; cb is called on every rank (a caller prints from one).  The GLM kinds'
 * Newton M-step adds its data-wide sums over the ranks (every rank takes the same steps), and so does the
 * Newton M-step of input-driven transitions (trans_M > 0: each pass's objective, gradients and Hessians per
 * origin state; the per-step expected transition counts stay on their rank). */
URN_API int urn_mpi_hmm_fit_best(MPI_Comm comm, const urn_hmm_model *m, const urn_hmm_seq *seqs, size_t nseq,
                                 const urn_hmm_fit_opts *opts, urn_hmm_init_method init, const urn_hmm_params *given,
                                 int restarts, uint64_t seed, urn_hmm_params *best, double *trace,
                                 urn_hmm_fit_report *report, const urn_hmm_fit_callbacks *cb, urn_error *err);

/* map_rect over the ranks of comm, as Stan's MPI backend (docs/scale.md): rank 0 of comm evaluates the model m
 * (samples, optimizes...) while every other rank of comm, having loaded the same program and data, waits in
 * urn_mpi_map_rect_serve.  After urn_mpi_map_rect_attach on rank 0, each map_rect of m's evaluations (at most one
 * at a time) spreads its jobs over the ranks in contiguous blocks: the data rows (x_r, x_i) are sent once to the
 * rank that runs them, phi and the thetas are sent per evaluation, and each job's outputs and partials come back
 * to rank 0, which combines them in job order: the evaluation's value and gradient are the same bits as in one
 * process.  urn_mpi_map_rect_detach (rank 0) restores m's own threads and ends the other ranks' serve calls.
 * Needs MPI_THREAD_SERIALIZED or more when m's evaluations run on a thread other than MPI's. */
typedef struct urn_mpi_map urn_mpi_map;
URN_API urn_mpi_map *urn_mpi_map_rect_attach(MPI_Comm comm, urn_model *m);
URN_API void urn_mpi_map_rect_detach(urn_mpi_map *h);
/* On every rank of comm but 0: runs the jobs rank 0 sends until urn_mpi_map_rect_detach; URN_OK. */
URN_API int urn_mpi_map_rect_serve(MPI_Comm comm, urn_model *m, urn_error *err);

#endif
