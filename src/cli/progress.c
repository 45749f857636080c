/* cli/progress.c — the progress line of `urn sample` (see progress.h). */
#include "cli/progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double mono_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void urn_progress_init(urn_progress *p, int chains, int warmup, int total, int enabled) {
  p->enabled = enabled, p->chains = chains, p->warmup = warmup;
  p->done = calloc((size_t)chains, sizeof(int));
  p->total = calloc((size_t)chains, sizeof(int));
  p->divergent = calloc((size_t)chains, sizeof(int));
  for (int c = 0; c < chains; c++) p->total[c] = total;
  p->start = mono_now(), p->last_draw = 0, p->drawn = 0;
  pthread_mutex_init(&p->lock, NULL);
}

static void draw_line(urn_progress *p, double now) {
  char line[512];
  int len = 0;
  long done = 0, total = 0;
  int div = 0;
  for (int c = 0; c < p->chains && len < 400; c++) {
    int pct = p->total[c] ? (int)(100.0 * p->done[c] / p->total[c]) : 100;
    len += snprintf(line + len, sizeof line - (size_t)len, "%s%d:%3d%%%s", c ? " " : "", c + 1, pct,
                    p->done[c] < p->warmup ? "w" : " ");
    done += p->done[c], total += p->total[c], div += p->divergent[c];
  }
  double elapsed = now - p->start;
  if (len < 440) len += snprintf(line + len, sizeof line - (size_t)len, " | div %d | %.0fs", div, elapsed);
  if (done > 0 && done < total && len < 480)
    snprintf(line + len, sizeof line - (size_t)len, ", ~%.0fs left", elapsed * (double)(total - done) / (double)done);
  printf("\r\033[K%s", line);
  fflush(stdout);
  p->drawn = 1, p->last_draw = now;
}

void urn_progress_update(urn_progress *p, int chain, int done, int total, int divergent) {
  if (!p->enabled) return;
  pthread_mutex_lock(&p->lock);
  p->done[chain] = done, p->total[chain] = total, p->divergent[chain] = divergent;
  double now = mono_now();
  if (now - p->last_draw > 0.1 || done == total) draw_line(p, now);
  pthread_mutex_unlock(&p->lock);
}

void urn_progress_clear(urn_progress *p) {
  if (!p->enabled) return;
  pthread_mutex_lock(&p->lock);
  if (p->drawn) printf("\r\033[K"), fflush(stdout);
  p->drawn = 0;
  pthread_mutex_unlock(&p->lock);
}

void urn_progress_free(urn_progress *p) {
  free(p->done), free(p->total), free(p->divergent);
  pthread_mutex_destroy(&p->lock);
}
