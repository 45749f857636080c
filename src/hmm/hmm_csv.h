/* hmm/hmm_csv.h — the CSV data files of `urn hmm fit/states/loglik/sample`:
 * a header row naming the columns, one row per time step, an optional column
 * whose runs of equal values split the rows into sequences in file order.
 * Errors name file:line and the column. */
#ifndef URN_HMM_CSV_H
#define URN_HMM_CSV_H

#include <stddef.h>
#include "urn/common.h"

typedef struct urn_hmm_csv {
  const char *path; /* file name for messages (not owned) */
  char *text;       /* the file contents, cut into cells in place (owned) */
  int ncol;         /* number of columns */
  size_t nrow;      /* number of data rows */
  char **header;    /* ncol column names */
  char **cells;     /* nrow x ncol cell texts, row-major */
  int *line;        /* source line of each data row */
} urn_hmm_csv;

/* Reads and splits a file.  Blank lines and lines starting with '#' are skipped;
 * double-quoted fields may contain commas ("" is a quote).  Every row must have
 * as many cells as the header. */
int urn_hmm_csv_read(const char *path, urn_hmm_csv *csv, urn_error *err);
void urn_hmm_csv_free(urn_hmm_csv *csv);

/* A file read in parts, one per reader (MPI ranks: `mpirun urn hmm fit data.csv`, docs/scale.md), each holding
 * only its rows.  urn_hmm_csv_cut: where part q of nparts begins, a byte offset at a sequence boundary: after the
 * first data line at or past byte size x q / nparts (and past the header), the first line whose value in column
 * seqcol differs; the file's size when there is none, or no such column (NULL: the whole file is one sequence,
 * the first part's); 0 for q = 0.  The cuts grow with q, so parts [cut q, cut q+1) cover the file once, in order.
 * urn_hmm_csv_count_lines: the number of newlines in bytes [lo, hi).  urn_hmm_csv_read_part: the header, then the
 * rows of the lines that start in bytes [lo, hi) (hi past the end: to the end); first_line is the file's number
 * of the line at lo, so that messages name the file's lines; nrow may be 0. */
int urn_hmm_csv_cut(const char *path, const char *seqcol, int q, int nparts, size_t *at, urn_error *err);
int urn_hmm_csv_count_lines(const char *path, size_t lo, size_t hi, size_t *n, urn_error *err);
int urn_hmm_csv_read_part(const char *path, size_t lo, size_t hi, int first_line, urn_hmm_csv *csv, urn_error *err);
/* Index of the named column, or an error listing the available columns. */
int urn_hmm_csv_column(const urn_hmm_csv *csv, const char *name, int *index, urn_error *err);
/* Parses a comma-separated list of column names ("a,b") into indices (malloc'd). */
int urn_hmm_csv_columns(const urn_hmm_csv *csv, const char *list, int **idx, int *n, urn_error *err);
/* Reads the given columns of rows [0, nrow) as numbers into out (nrow x n,
 * row-major).  Non-numeric cells, empty cells and NaN/Inf are errors. */
int urn_hmm_csv_numbers(const urn_hmm_csv *csv, const int *cols, int n, double *out, urn_error *err);
/* Splits the rows into sequences by runs of equal values in column col (-1:
 * one sequence).  starts (nseq + 1 entries, malloc'd) bound each sequence;
 * a value that reappears after another one is an error (sequences must be contiguous). */
int urn_hmm_csv_split(const urn_hmm_csv *csv, int col, size_t **starts, size_t *nseq, urn_error *err);

#endif
