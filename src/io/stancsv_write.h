/* io/stancsv_write.h — writes Stan CSV files as CmdStan does: a comment
 * header with the configuration, the column names, the adaptation block
 * after the warmup draws, one line per draw, and the elapsed-time comments at
 * the end.  Draws reach the file as they are made: a row is written (one
 * write(2), no stdio) at once when the last write was URN_STANCSV_FLUSH_SECONDS
 * (2 ms) or more ago, else it waits in the writer's buffer until 2 ms after
 * the last write, when the writer's flusher thread (started at the first row
 * that waits) writes it, unless a row, 64 KiB of rows, a comment, block or
 * close comes first; so a run killed at any moment (SIGKILL) leaves a valid
 * file holding every draw but those made in the last ~2 ms, whatever the
 * next iteration costs, and a chain whose draws take 2 ms or more writes
 * each one as it is made.  Fast models paid a system call per draw (a third
 * of a small model's sampling time).  Every operation on an open writer holds
 * its lock while the flusher runs; an open writer must not be moved or copied.
 *
 * The file is written under a temporary name (PATH.part) and renamed to PATH
 * when closed, so a finished file never coexists with a half-written one.
 * Nothing is lost, clobbered or written where it should not be: PATH.part is
 * created with O_CREAT|O_EXCL|O_NOFOLLOW (an existing one, say the draws of a
 * killed run, is refused unless overwrite; a link there is never followed)
 * and locked (flock) while it is written, so a second run that meets it is
 * refused even with overwrite (runs writing different files into one folder,
 * as cmdstanpy's one process per chain, go on side by side);
 * every write, flush, fsync and close is checked, and a file any of them
 * failed for (a full disk) keeps its .part name: close reports the error and
 * renames nothing.  Without overwrite the rename never replaces a PATH that
 * appeared meanwhile.  A PATH that exists and is neither a regular file nor
 * a folder (/dev/null, /dev/full, a FIFO), or any path in /dev or /proc
 * (/dev/stdout), is written directly:
 * no .part, no lock, no rename (renaming over it replaced the device node:
 * `--output /dev/full` as root left a regular file at /dev/full). */
#ifndef URN_IO_STANCSV_WRITE_H
#define URN_IO_STANCSV_WRITE_H

#include <stddef.h>
#include <stdio.h>

#include "urn/common.h"

typedef struct urn_stancsv_writer {
  FILE *f;         /* the open temporary file */
  char *path;      /* final name */
  char *tmp_path;  /* name while writing */
  int sig_figs;    /* significant digits of values (CmdStan's default is 6) */
  size_t ncols;    /* columns in the header */
  char *line;      /* line buffer */
  size_t line_cap; /* its size */
  int overwrite;   /* an existing PATH.part or PATH may be replaced */
  int failed;      /* errno of the first failed write (0: none): the file stays PATH.part */
  int direct;      /* PATH is a device or FIFO written directly (tmp_path NULL): nothing to rename or remove */
  size_t pending;  /* bytes at the start of line: rows made but not yet written */
  double last_write; /* CLOCK_MONOTONIC seconds of the last write of rows (0: none yet) */
  struct stw_flusher *fl; /* the deadline thread and the lock it shares with the writer (NULL: not started) */
} urn_stancsv_writer;

/* Rows wait in the writer's buffer at most this long after the last write (see above). */
#define URN_STANCSV_FLUSH_SECONDS 0.002
/* ... or until this many bytes of rows wait. */
#define URN_STANCSV_BATCH_BYTES 65536

/* Creates PATH.part for writing (see above; overwrite: an existing PATH.part is removed first, and the final
 * rename may replace PATH). */
int urn_stancsv_open(urn_stancsv_writer *w, const char *path, int sig_figs, int overwrite, urn_error *err);
/* Whether PATH is written directly, never replaced (urn_path_in_place: a device, FIFO or socket, links
 * followed, or a path in /dev or /proc such as /dev/stdout). */
int urn_stancsv_is_device(const char *path);
/* Whether PATH.part is being written now (its writer's lock is held). */
int urn_stancsv_part_in_use(const char *part_path);
/* A comment line "# text" (text may contain newlines: each line is commented). */
void urn_stancsv_comment(urn_stancsv_writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The header line of column names. */
int urn_stancsv_header(urn_stancsv_writer *w, const char *const *names, size_t n, urn_error *err);
/* One row of values (n == the header's count): written to the file at once, or within the rule above. */
int urn_stancsv_row(urn_stancsv_writer *w, const double *values, size_t n, urn_error *err);
/* The adaptation block: "# Adaptation terminated", "# Step size = ...",
 * and the diagonal ("# Diagonal elements of inverse mass matrix:") or the
 * dense ("# Elements of inverse mass matrix:") inverse metric, or for the
 * unit metric "# No free parameters for unit metric" (Stan >= 2.34).
 * kind: URN_STANCSV_DIAG, URN_STANCSV_DENSE or URN_STANCSV_UNIT. */
enum { URN_STANCSV_DIAG = 0, URN_STANCSV_DENSE = 1, URN_STANCSV_UNIT = 2 };
void urn_stancsv_adaptation(urn_stancsv_writer *w, double stepsize, const double *inv_metric, size_t dim, int kind);
/* The timing comments ("#  Elapsed Time: 0.012 seconds (Warm-up)" ...), as CmdStan writes them. */
void urn_stancsv_timing(urn_stancsv_writer *w, double warmup_seconds, double sampling_seconds);
/* Flushes, syncs and closes the file and renames it to its final name; after any failed write (or failing
 * here) it stays PATH.part and the error names it. */
int urn_stancsv_close(urn_stancsv_writer *w, urn_error *err);
/* Closes and deletes the temporary file (a run that failed before drawing). */
void urn_stancsv_discard(urn_stancsv_writer *w);
/* Formats x with sig significant digits the way CmdStan's streams do (%g
 * style, "nan", "inf", "-inf"); returns the length written. */
size_t urn_stancsv_format(char *out, size_t cap, double x, int sig);

#endif
