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
