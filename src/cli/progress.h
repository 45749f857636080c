/* cli/progress.h — the terminal progress display of `urn sample`: one status
 * line rewritten in place with each chain's progress, the divergences so
 * far, the elapsed and the estimated remaining time.  Silent when stdout is
 * not a terminal.  Safe to update from the chains' threads. */
#ifndef URN_CLI_PROGRESS_H
#define URN_CLI_PROGRESS_H

#include <pthread.h>

typedef struct urn_progress {
  int enabled;          /* stdout is a terminal and refresh > 0 */
  int chains;           /* chains shown */
  int *done;            /* iterations done per chain */
  int *total;           /* iterations per chain */
  int *divergent;       /* post-warmup divergences per chain */
  int warmup;           /* warmup iterations per chain */
  double start;         /* when sampling started (monotonic seconds) */
  double last_draw;     /* when the line was last drawn */
  int drawn;            /* a line is on screen */
  pthread_mutex_t lock; /* guards all of the above */
} urn_progress;

void urn_progress_init(urn_progress *p, int chains, int warmup, int total, int enabled);
/* A chain reached iteration `done` of `total`. */
void urn_progress_update(urn_progress *p, int chain, int done, int total, int divergent);
/* Clears the line (before other output, and at the end). */
void urn_progress_clear(urn_progress *p);
void urn_progress_free(urn_progress *p);

#endif
