/* util/tpool.h — a small pool of worker threads shared by the chains of a run
 * (issue #19): a caller hands it a batch of n independent items, takes part in
 * running them itself, and returns when all are done.  Batches from several
 * calling threads (chains) are served oldest first.  Which thread runs an item
 * never changes its result: callers give every item its own output and combine
 * the outputs in item order afterwards, so results are the same for any number
 * of workers (none included). */
#ifndef URN_UTIL_TPOOL_H
#define URN_UTIL_TPOOL_H

typedef struct urn_tpool urn_tpool;

/* Runs item i of a batch on a thread whose private scratch pointer is *scratch
 * (NULL the first time; the callee may keep something there for later items). */
typedef void (*urn_tpool_fn)(void *ctx, int i, void **scratch);

/* A pool of nworkers threads (0: a pool that runs everything in the caller).
 * scratch_free releases a worker's scratch pointer when the pool is freed. */
urn_tpool *urn_tpool_new(int nworkers, void (*scratch_free)(void *));
/* Joins the workers (no batch may be running) and frees their scratch. */
void urn_tpool_free(urn_tpool *p);
/* Number of worker threads (besides the callers). */
int urn_tpool_workers(const urn_tpool *p);
/* Runs fn(ctx, i, scratch) for i in [0, n); the calling thread runs items too, with
 * *caller_scratch as its scratch.  Returns when every item has finished. */
void urn_tpool_run(urn_tpool *p, int n, urn_tpool_fn fn, void *ctx, void **caller_scratch);

#endif
