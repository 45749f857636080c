/* ad/tape.c — storage growth and the reverse sweep of the tape of partials. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ad/tape.h"
#include "util/util.h"

/* A block of forward-pass workspace. */
typedef struct urn_scratch {
  struct urn_scratch *next; /* older block */
  size_t size;              /* bytes in data */
  _Alignas(16) unsigned char data[];
} urn_scratch;

/* Storage cannot grow: the owner's handler (which does not return), else abort. */
_Noreturn static void tape_fail(urn_tape *t, size_t bytes) {
  if (t->fail) t->fail(t->fail_ctx, bytes);
  fprintf(stderr, "urn: out of memory (the tape of partials needs %zu bytes)\n", bytes);
  abort();
}

/* realloc that hands a failure to tape_fail. */
static void *tape_grow(urn_tape *t, void *p, size_t count, size_t size) {
  void *q = count <= SIZE_MAX / size ? realloc(p, count * size) : NULL;
  if (!q) tape_fail(t, count * size);
  return q;
}

void urn_tape_init(urn_tape *t) { memset(t, 0, sizeof *t); }

static void scratch_free(urn_scratch *b) {
  while (b) {
    urn_scratch *next = b->next;
    free(b);
    b = next;
  }
}

void urn_tape_free(urn_tape *t) {
  free(t->val), free(t->adj), free(t->start), free(t->opnd), free(t->part), free(t->cbs);
  scratch_free(t->scratch);
  memset(t, 0, sizeof *t);
}

void urn_tape_reset(urn_tape *t) {
  t->n = 0, t->np = 0, t->ncb = 0;
  if (t->start) t->start[0] = 0;
  /* several workspace blocks were needed: replace them by one that holds them all */
  if (t->scratch && t->scratch->next) {
    size_t total = t->scratch_total + t->scratch_total / 4;
    scratch_free(t->scratch);
    t->scratch = urn_try_malloc(sizeof *t->scratch + total); /* NULL: blocks are made again as needed */
    if (t->scratch) t->scratch->next = NULL, t->scratch->size = total;
    t->scratch_ptr = t->scratch_end = NULL;
  }
  if (t->scratch) t->scratch_ptr = t->scratch->data, t->scratch_end = t->scratch->data + t->scratch->size;
  t->scratch_total = 0;
}

/* The newest block is full: a new one (the inline urn_tape_scratch rounded n). */
void *urn_tape_scratch_grow(urn_tape *t, size_t n) {
  size_t size = n > ((size_t)1 << 16) ? n : (size_t)1 << 16;
  urn_scratch *b = size < SIZE_MAX / 2 ? urn_try_malloc(sizeof *b + size) : NULL;
  if (!b) tape_fail(t, size);
  b->size = size, b->next = t->scratch;
  t->scratch = b;
  t->scratch_ptr = b->data + n, t->scratch_end = b->data + size;
  t->scratch_total += n;
  return b->data;
}

void urn_tape_reserve(urn_tape *t, size_t nodes, size_t parts) {
  /* node indexes are int32_t and partial offsets uint32_t: a tape never holds more */
  if (t->n + nodes > (size_t)INT32_MAX - 1 || t->np + parts > (size_t)UINT32_MAX - 1)
    tape_fail(t, (t->n + nodes) * sizeof(double) + (t->np + parts) * (sizeof(double) + sizeof(int32_t)));
  if (t->n + nodes > t->cap || !t->start) {
    size_t cap = t->cap ? t->cap : 1024;
    while (cap < t->n + nodes) cap *= 2;
    if (cap > (size_t)INT32_MAX) cap = (size_t)INT32_MAX;
    t->val = tape_grow(t, t->val, cap, sizeof *t->val);
    int first = t->start == NULL;
    t->start = tape_grow(t, t->start, cap + 1, sizeof *t->start);
    if (first) t->start[0] = 0;
    t->cap = cap;
  }
  if (t->np + parts > t->pcap) {
    size_t cap = t->pcap ? t->pcap : 4096;
    while (cap < t->np + parts) cap *= 2;
    if (cap > (size_t)UINT32_MAX) cap = (size_t)UINT32_MAX;
    t->opnd = tape_grow(t, t->opnd, cap, sizeof *t->opnd);
    t->part = tape_grow(t, t->part, cap, sizeof *t->part);
    t->pcap = cap;
  }
}

void urn_tape_callback_add(urn_tape *t, int32_t first_out, urn_tape_cb fn, void *data) {
  if (t->ncb == t->cbcap) {
    t->cbcap = t->cbcap ? 2 * t->cbcap : 16;
    t->cbs = urn_xrealloc(t->cbs, t->cbcap * sizeof *t->cbs);
  }
  t->cbs[t->ncb++] = (urn_tape_callback){first_out, fn, data};
}

/* Sweeps nodes [lo, hi) newest first. */
static void sweep(urn_tape *t, size_t lo, size_t hi) {
  double *adj = t->adj;
  const uint32_t *start = t->start;
  const int32_t *opnd = t->opnd;
  const double *part = t->part;
  for (size_t i = hi; i-- > lo;) {
    double a = adj[i];
    if (a == 0) continue;
    for (uint32_t k = start[i], e = start[i + 1]; k < e; k++) adj[opnd[k]] += a * part[k];
  }
}

void urn_tape_reverse(urn_tape *t, int32_t root) {
  if (t->n > t->adj_cap) {
    free(t->adj);
    t->adj_cap = t->cap;
    t->adj = urn_try_malloc(t->adj_cap * sizeof *t->adj);
    if (!t->adj) t->adj_cap = 0, tape_fail(t, t->cap * sizeof *t->adj);
  }
  if (t->n) memset(t->adj, 0, t->n * sizeof *t->adj);
  if (root < 0) return;
  t->adj[root] = 1;
  size_t hi = (size_t)root + 1;
  for (size_t c = t->ncb; c-- > 0;) {
    const urn_tape_callback *cb = &t->cbs[c];
    size_t lo = (size_t)cb->first_out;
    if (lo > (size_t)root) continue; /* its outputs come after the root: irrelevant */
    sweep(t, lo, hi);
    cb->fn(t, cb->data);
    hi = lo;
  }
  sweep(t, 0, hi);
}
