/* cli/cli_mpi.c — the CLI under mpirun (issue #19, docs/scale.md): MPI's
 * start and end, this process's rank, status agreement and data paths per
 * rank.  A build without MPI (the default) compiles the one-rank versions
 * below, so that the commands call these unconditionally. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "hmm/hmm_csv.h"
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

int cli_mpi_csv_read(const char *path, const char *seqcol, urn_hmm_csv *csv, urn_error *err) {
  int size = cli_mpi_size(), rank = cli_mpi_rank();
  if (size == 1) return urn_hmm_csv_read(path, csv, err);
  memset(csv, 0, sizeof *csv);
  size_t at, nl = 0;
  int rc = urn_hmm_csv_cut(path, seqcol, rank, size, &at, err);
  if ((rc = urn_mpi_agree(MPI_COMM_WORLD, rc, err))) return rc;
  unsigned long long mine = at, *cuts = urn_xmalloc((size_t)size * sizeof *cuts), before = 0;
  MPI_Allgather(&mine, 1, MPI_UNSIGNED_LONG_LONG, cuts, 1, MPI_UNSIGNED_LONG_LONG, MPI_COMM_WORLD);
  size_t lo = (size_t)cuts[rank], hi = rank + 1 < size ? (size_t)cuts[rank + 1] : SIZE_MAX;
  free(cuts);
  /* the file's number of this part's first line: the newlines of the parts before it */
  rc = urn_hmm_csv_count_lines(path, lo, hi, &nl, err);
  if ((rc = urn_mpi_agree(MPI_COMM_WORLD, rc, err))) return rc;
  mine = nl;
  MPI_Exscan(&mine, &before, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
  if (rank == 0) before = 0; /* MPI_Exscan leaves rank 0's result undefined */
  rc = urn_hmm_csv_read_part(path, lo, hi, before < INT_MAX ? (int)before + 1 : INT_MAX, csv, err);
  if (cli_mpi_sum(rc ? 1 : csv->nrow) == 0) { /* every rank: a header and no rows */
    urn_hmm_csv_free(csv);
    rc = urn_error_set(err, URN_EINPUT, "%s: the file has a header but no data rows", path);
  }
  return rc;
}

/* One run of a sequence column on rank 0: its value and first line. */
typedef struct mpi_run {
  const char *id; /* the value */
  int line;       /* the file line of its first row */
} mpi_run;

static int cmp_mpi_run(const void *a, const void *b) {
  const mpi_run *x = a, *y = b;
  int c = strcmp(x->id, y->id);
  return c ? c : (x->line > y->line) - (x->line < y->line);
}

int cli_mpi_csv_runs_check(const urn_hmm_csv *csv, int col, const size_t *starts, size_t nseq, urn_error *err) {
  int size = cli_mpi_size(), rank = cli_mpi_rank(), rc = URN_OK;
  if (size == 1 || col < 0) return URN_OK;
  urn_buf ids; /* this rank's run values, NUL after each */
  urn_buf_init(&ids);
  int *lines = urn_xmalloc((nseq + 1) * sizeof *lines), mine[2] = {0, (int)nseq}, *cnt = NULL, *dsp = NULL;
  for (size_t b = 0; b < nseq; b++) {
    urn_buf_puts(&ids, csv->cells[starts[b] * csv->ncol + col]), urn_buf_putc(&ids, 0);
    lines[b] = csv->line[starts[b]];
  }
  mine[0] = (int)ids.len;
  int *pairs = rank == 0 ? urn_xmalloc(2 * (size_t)size * sizeof *pairs) : NULL; /* every rank's mine */
  MPI_Gather(mine, 2, MPI_INT, pairs, 2, MPI_INT, 0, MPI_COMM_WORLD);
  char *all = NULL;
  int *all_lines = NULL, nb = 0, nr = 0;
  if (rank == 0) { /* cnt, dsp: the bytes' counts and offsets, then the runs' */
    cnt = urn_xmalloc(2 * (size_t)size * sizeof *cnt), dsp = urn_xmalloc(2 * (size_t)size * sizeof *dsp);
    for (int q = 0; q < size; q++) {
      cnt[q] = pairs[2 * q], dsp[q] = nb, nb += cnt[q];
      cnt[size + q] = pairs[2 * q + 1], dsp[size + q] = nr, nr += cnt[size + q];
    }
    all = urn_xmalloc((size_t)nb + 1), all_lines = urn_xmalloc(((size_t)nr + 1) * sizeof *all_lines);
  }
  MPI_Gatherv(ids.data, mine[0], MPI_CHAR, all, cnt, dsp, MPI_CHAR, 0, MPI_COMM_WORLD);
  MPI_Gatherv(lines, mine[1], MPI_INT, all_lines, cnt ? cnt + size : NULL, dsp ? dsp + size : NULL, MPI_INT, 0,
              MPI_COMM_WORLD);
  if (rank == 0) { /* a value seen twice: the later run resumes the earlier (one rank's own runs are checked) */
    mpi_run *runs = urn_xmalloc(((size_t)nr + 1) * sizeof *runs);
    for (int i = 0, at = 0; i < nr; at += (int)strlen(all + at) + 1, i++) runs[i] = (mpi_run){all + at, all_lines[i]};
    qsort(runs, (size_t)nr, sizeof *runs, cmp_mpi_run);
    int bad = -1;
    for (int i = 1; i < nr; i++)
      if (!strcmp(runs[i].id, runs[i - 1].id) && (bad < 0 || runs[i].line < runs[bad].line))
        bad = i; /* sorted by line within a value: runs[i] comes later */
    if (bad >= 0) {
      int first = bad;
      while (first > 0 && !strcmp(runs[first - 1].id, runs[bad].id)) first--;
      rc = urn_error_set(err, URN_EINPUT, "%s:%d: sequence '%s' of column '%s' resumes after another sequence (it "
                         "began at line %d); the rows of a sequence must be contiguous",
                         csv->path, runs[bad].line, runs[bad].id, csv->header[col], runs[first].line);
    }
    free(runs);
  }
  free(all), free(all_lines), free(pairs), free(cnt), free(dsp), free(lines);
  urn_buf_free(&ids);
  return urn_mpi_agree(MPI_COMM_WORLD, rc, err);
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
int cli_mpi_csv_read(const char *path, const char *seqcol, urn_hmm_csv *csv, urn_error *err) {
  return (void)seqcol, urn_hmm_csv_read(path, csv, err);
}
int cli_mpi_csv_runs_check(const urn_hmm_csv *csv, int col, const size_t *starts, size_t nseq, urn_error *err) {
  return (void)csv, (void)col, (void)starts, (void)nseq, (void)err, URN_OK;
}
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
