/* ad/tape.h — reverse-mode automatic differentiation on a tape of partials.
 *
 * A node is a value plus a contiguous run of (operand, partial) pairs computed
 * in the forward pass.  The reverse pass is one tight loop over the nodes,
 * newest first: adj[operand] += adj[node] * partial.  Operations whose partials
 * are too many to store (matrix products, constraint transforms, forward-
 * backward) register a "callback" that runs when the reverse sweep reaches
 * their first output node; they read their outputs' adjoints and add to their
 * inputs' adjoints.  All storage grows geometrically and is kept across
 * urn_tape_reset, so a warm tape never allocates.
 *
 * A node index is an int32_t; -1 means "a constant" (no node): pushing an
 * operation whose operands are all constants yields -1. */
#ifndef URN_AD_TAPE_H
#define URN_AD_TAPE_H

#include <stddef.h>
#include <stdint.h>

typedef struct urn_tape urn_tape;
/* A reverse-pass callback: reads tape->adj of its outputs, adds into inputs. */
typedef void (*urn_tape_cb)(urn_tape *t, void *data);

typedef struct urn_tape_callback {
  int32_t first_out; /* the callback runs once every node >= first_out is swept */
  urn_tape_cb fn;    /* the reverse function */
  void *data;        /* its data (owned by the caller's arena) */
} urn_tape_callback;

struct urn_tape {
  double *val;        /* value of each node */
  double *adj;        /* adjoint of each node (valid during/after urn_tape_reverse) */
  uint32_t *start;    /* node i's partials are [start[i], start[i+1]) */
  int32_t *opnd;      /* operand node of each partial */
  double *part;       /* partial derivative of each pair */
  size_t n, cap;      /* nodes used / allocated (start has cap + 1 entries) */
  size_t np, pcap;    /* partial pairs used / allocated */
  size_t adj_cap;     /* adjoint slots allocated */
  urn_tape_callback *cbs; /* callbacks, in push order (first_out nondecreasing) */
  size_t ncb, cbcap;  /* callbacks used / allocated */
  struct urn_scratch *scratch; /* forward-pass workspace blocks (urn_tape_scratch), newest first */
  size_t scratch_total; /* bytes handed out since the last reset (sizes the merged block) */
  unsigned char *scratch_ptr, *scratch_end; /* free part of the newest block (NULL: none) */
  void (*fail)(void *ctx, size_t bytes); /* called (must not return) when storage cannot grow: memory runs out,
                                            or more than 2^31 nodes / 2^32 partials; NULL: abort with a message */
  void *fail_ctx;     /* passed to fail */
};

void urn_tape_init(urn_tape *t);
void urn_tape_free(urn_tape *t);
/* Forgets every node (keeps the storage). */
void urn_tape_reset(urn_tape *t);

/* Grows storage for at least `nodes` more nodes and `parts` more partials. */
void urn_tape_reserve(urn_tape *t, size_t nodes, size_t parts);

/* An independent variable (or a callback's output): a node with no partials. */
static inline int32_t urn_tape_var(urn_tape *t, double v) {
  if (t->n + 1 > t->cap) urn_tape_reserve(t, 1, 0);
  size_t i = t->n++;
  t->val[i] = v;
  t->start[i + 1] = (uint32_t)t->np;
  return (int32_t)i;
}

/* A node with up to n operands: returns pointers through which the caller
 * writes operands and partials (exactly n of them; constant operands may be
 * written as -1 and are dropped by urn_tape_end_node's count k). Usage:
 *   int32_t *o; double *p; urn_tape_begin(t, n, &o, &p); ...; id = urn_tape_end(t, v, k); */
static inline void urn_tape_begin(urn_tape *t, size_t n, int32_t **opnd, double **part) {
  if (t->n + 1 > t->cap || t->np + n > t->pcap) urn_tape_reserve(t, 1, n);
  *opnd = t->opnd + t->np;
  *part = t->part + t->np;
}
/* Closes a node begun with urn_tape_begin with k operands written; k == 0 gives
 * a constant (-1). */
static inline int32_t urn_tape_end(urn_tape *t, double v, size_t k) {
  if (k == 0) return -1;
  size_t i = t->n++;
  t->np += k;
  t->val[i] = v;
  t->start[i + 1] = (uint32_t)t->np;
  return (int32_t)i;
}

/* One-, two- and three-operand nodes; constant operands (-1) are skipped. */
static inline int32_t urn_tape_push1(urn_tape *t, double v, int32_t a, double da) {
  if (a < 0) return -1;
  int32_t *o; double *p;
  urn_tape_begin(t, 1, &o, &p);
  o[0] = a, p[0] = da;
  return urn_tape_end(t, v, 1);
}
static inline int32_t urn_tape_push2(urn_tape *t, double v, int32_t a, double da, int32_t b, double db) {
  int32_t *o; double *p;
  urn_tape_begin(t, 2, &o, &p);
  size_t k = 0;
  if (a >= 0) o[k] = a, p[k++] = da;
  if (b >= 0) o[k] = b, p[k++] = db;
  return urn_tape_end(t, v, k);
}
static inline int32_t urn_tape_push3(urn_tape *t, double v, int32_t a, double da, int32_t b, double db, int32_t c,
                                     double dc) {
  int32_t *o; double *p;
  urn_tape_begin(t, 3, &o, &p);
  size_t k = 0;
  if (a >= 0) o[k] = a, p[k++] = da;
  if (b >= 0) o[k] = b, p[k++] = db;
  if (c >= 0) o[k] = c, p[k++] = dc;
  return urn_tape_end(t, v, k);
}

/* n bytes (16-byte aligned, NOT zeroed) of forward-pass workspace that lives
 * until urn_tape_reset: for evaluators that compute many temporary arrays per
 * gradient (lang/batch.c).  A warm tape hands them out from one block. */
void *urn_tape_scratch_grow(urn_tape *t, size_t n);
static inline void *urn_tape_scratch(urn_tape *t, size_t n) {
  n = n ? (n + 15) & ~(size_t)15 : 16;
  if ((uintptr_t)t->scratch_end - (uintptr_t)t->scratch_ptr < n) return urn_tape_scratch_grow(t, n);
  void *p = t->scratch_ptr;
  t->scratch_ptr += n;
  t->scratch_total += n;
  return p;
}

/* Registers fn to run in the reverse pass once every node >= first_out has been
 * swept (first_out is normally the first of the outputs the callback just
 * created with urn_tape_var). */
void urn_tape_callback_add(urn_tape *t, int32_t first_out, urn_tape_cb fn, void *data);

/* Reverse sweep from node `root` (adjoint 1): afterwards t->adj[i] = d root / d node i. */
void urn_tape_reverse(urn_tape *t, int32_t root);

#endif
