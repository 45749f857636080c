/* util/tpool.c — the worker pool of util/tpool.h.  One mutex guards a FIFO
 * of open batches; a batch hands out its items by index, so an item is taken
 * exactly once, by a worker or by the batch's own caller.  Items are coarse
 * (a slice of a reduce_sum, a group of map_rect jobs): a mutex per item costs
 * nothing beside them.  A thread with nothing to do polls for up to
 * TP_SPIN_NS before it sleeps on a condition variable: an idle worker, for
 * the next batch (a chain's gradients follow each other microseconds apart),
 * and a caller done with its own items, for the last items of its batch.
 * Waking a sleeping thread (a futex call, then a reschedule) costs tens of
 * microseconds or more on a virtual machine: as much as a reduce_sum slice
 * (~70 us in bench-scale (a), docs/scale.md). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "util/tpool.h"
#include "util/util.h"

#define TP_SPIN_NS 100000 /* how long an idle thread polls before it sleeps: 0.1 ms */

typedef struct tp_batch {
  urn_tpool_fn fn;          /* what to run */
  void *ctx;                /* its context */
  int n;                    /* items */
  int next;                 /* next item to hand out */
  atomic_uint done;         /* items finished (written under the lock, polled without it) */
  pthread_cond_t fin;       /* signalled when done reaches n */
  struct tp_batch *link;    /* next open batch in the queue */
} tp_batch;

struct urn_tpool {
  pthread_mutex_t lock;     /* guards everything below */
  pthread_cond_t work;      /* signalled when a batch is queued or the pool closes */
  tp_batch *head, *tail;    /* batches with items left to hand out, oldest first */
  int closing;              /* urn_tpool_free was called */
  atomic_uint queued;       /* batches queued so far (written under the lock, polled without it) */
  int nworkers;             /* threads started */
  pthread_t *th;            /* the workers */
  void **scratch;           /* each worker's scratch pointer */
  void (*scratch_free)(void *); /* releases a scratch pointer */
};

/* Takes the next item of the oldest open batch (lock held): its batch, or NULL when none is open. */
static tp_batch *tp_take(urn_tpool *p, int *item) {
  tp_batch *b = p->head;
  if (!b) return NULL;
  *item = b->next++;
  if (b->next == b->n) {
    p->head = b->link;
    if (!p->head) p->tail = NULL;
  }
  return b;
}

/* Marks one item of b finished (lock held). */
static void tp_finish(tp_batch *b) {
  if (atomic_fetch_add(&b->done, 1) + 1 == (unsigned)b->n) pthread_cond_signal(&b->fin);
}

/* Polls *v until it differs from seen (returns 1) or TP_SPIN_NS have passed (returns 0). */
static int tp_poll(atomic_uint *v, unsigned seen) {
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (unsigned k = 1;; k++) {
    if (atomic_load(v) != seen) return 1;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
    if ((k & 63) == 0) {
      clock_gettime(CLOCK_MONOTONIC, &t);
      if ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) > TP_SPIN_NS) return 0;
    }
  }
}

typedef struct tp_arg {
  urn_tpool *p;             /* the pool */
  int w;                    /* worker index */
} tp_arg;

static void *tp_worker(void *arg) {
  urn_tpool *p = ((tp_arg *)arg)->p;
  int w = ((tp_arg *)arg)->w;
  free(arg);
  int spin = 1; /* poll before the next sleep */
  pthread_mutex_lock(&p->lock);
  for (;;) {
    int item;
    tp_batch *b = tp_take(p, &item);
    if (!b) {
      if (p->closing) break;
      if (spin) { /* the next batch is often microseconds away: poll for it, then look again */
        unsigned seen = atomic_load(&p->queued);
        pthread_mutex_unlock(&p->lock);
        tp_poll(&p->queued, seen);
        pthread_mutex_lock(&p->lock);
        spin = 0;
        continue;
      }
      pthread_cond_wait(&p->work, &p->lock);
      spin = 1;
      continue;
    }
    spin = 1;
    pthread_mutex_unlock(&p->lock);
    b->fn(b->ctx, item, &p->scratch[w]);
    pthread_mutex_lock(&p->lock);
    tp_finish(b);
  }
  pthread_mutex_unlock(&p->lock);
  return NULL;
}

urn_tpool *urn_tpool_new(int nworkers, void (*scratch_free)(void *)) {
  urn_tpool *p = urn_xcalloc(1, sizeof *p);
  pthread_mutex_init(&p->lock, NULL);
  pthread_cond_init(&p->work, NULL);
  p->scratch_free = scratch_free;
  if (nworkers < 0) nworkers = 0;
  p->th = urn_xcalloc((size_t)(nworkers ? nworkers : 1), sizeof *p->th);
  p->scratch = urn_xcalloc((size_t)(nworkers ? nworkers : 1), sizeof *p->scratch);
  for (int w = 0; w < nworkers; w++) {
    tp_arg *a = urn_xmalloc(sizeof *a);
    a->p = p, a->w = p->nworkers;
    if (pthread_create(&p->th[p->nworkers], NULL, tp_worker, a) != 0) {
      free(a); /* fewer threads: the callers do the rest */
      break;
    }
    p->nworkers++;
  }
  return p;
}

void urn_tpool_free(urn_tpool *p) {
  if (!p) return;
  pthread_mutex_lock(&p->lock);
  p->closing = 1;
  pthread_cond_broadcast(&p->work);
  pthread_mutex_unlock(&p->lock);
  for (int w = 0; w < p->nworkers; w++) pthread_join(p->th[w], NULL);
  for (int w = 0; w < p->nworkers; w++)
    if (p->scratch[w] && p->scratch_free) p->scratch_free(p->scratch[w]);
  pthread_cond_destroy(&p->work);
  pthread_mutex_destroy(&p->lock);
  free(p->th), free(p->scratch), free(p);
}

int urn_tpool_workers(const urn_tpool *p) { return p ? p->nworkers : 0; }

void urn_tpool_run(urn_tpool *p, int n, urn_tpool_fn fn, void *ctx, void **caller_scratch) {
  if (n <= 0) return;
  if (!p || p->nworkers == 0 || n == 1) {
    for (int i = 0; i < n; i++) fn(ctx, i, caller_scratch);
    return;
  }
  tp_batch b = {fn, ctx, n, 0, 0, PTHREAD_COND_INITIALIZER, NULL};
  pthread_mutex_lock(&p->lock);
  if (p->tail) p->tail->link = &b;
  else p->head = &b;
  p->tail = &b;
  atomic_fetch_add(&p->queued, 1);
  pthread_cond_broadcast(&p->work);
  /* the caller takes items of its own batch only, so it never waits on another chain's work */
  while (b.next < b.n) {
    int item = b.next++;
    if (b.next == b.n) { /* unlink b: it was somewhere in the queue */
      tp_batch **q = &p->head, *prev = NULL;
      while (*q != &b) prev = *q, q = &(*q)->link;
      *q = b.link;
      if (p->tail == &b) p->tail = prev;
    }
    pthread_mutex_unlock(&p->lock);
    fn(ctx, item, caller_scratch);
    pthread_mutex_lock(&p->lock);
    tp_finish(&b);
  }
  /* the workers' last items: poll, then sleep (the lock is taken again before b leaves this frame, so the worker
   * that finished the last item has left tp_finish) */
  for (unsigned d; (d = atomic_load(&b.done)) < (unsigned)n;) {
    pthread_mutex_unlock(&p->lock);
    int moved = tp_poll(&b.done, d);
    pthread_mutex_lock(&p->lock);
    if (!moved) break;
  }
  while (atomic_load(&b.done) < (unsigned)n) pthread_cond_wait(&b.fin, &p->lock);
  pthread_mutex_unlock(&p->lock);
  pthread_cond_destroy(&b.fin);
}
