/* util/tpool.c — the worker pool of util/tpool.h.  One mutex guards a FIFO
 * of open batches; a batch hands out its items by index, so an item is taken
 * exactly once, by a worker or by the batch's own caller.  Items are coarse
 * (a slice of a reduce_sum, a group of map_rect jobs): a mutex per item costs
 * nothing beside them.  The caller waits on its batch's condition variable
 * once it has no item left to take. */
#include <pthread.h>
#include <stdlib.h>

#include "util/tpool.h"
#include "util/util.h"

typedef struct tp_batch {
  urn_tpool_fn fn;          /* what to run */
  void *ctx;                /* its context */
  int n;                    /* items */
  int next;                 /* next item to hand out */
  int done;                 /* items finished */
  pthread_cond_t fin;       /* signalled when done reaches n */
  struct tp_batch *link;    /* next open batch in the queue */
} tp_batch;

struct urn_tpool {
  pthread_mutex_t lock;     /* guards everything below */
  pthread_cond_t work;      /* signalled when a batch is queued or the pool closes */
  tp_batch *head, *tail;    /* batches with items left to hand out, oldest first */
  int closing;              /* urn_tpool_free was called */
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
  if (++b->done == b->n) pthread_cond_signal(&b->fin);
}

typedef struct tp_arg {
  urn_tpool *p;             /* the pool */
  int w;                    /* worker index */
} tp_arg;

static void *tp_worker(void *arg) {
  urn_tpool *p = ((tp_arg *)arg)->p;
  int w = ((tp_arg *)arg)->w;
  free(arg);
  pthread_mutex_lock(&p->lock);
  for (;;) {
    int item;
    tp_batch *b = tp_take(p, &item);
    if (!b) {
      if (p->closing) break;
      pthread_cond_wait(&p->work, &p->lock);
      continue;
    }
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
  while (b.done < b.n) pthread_cond_wait(&b.fin, &p->lock);
  pthread_mutex_unlock(&p->lock);
  pthread_cond_destroy(&b.fin);
}
