/* mpi/mpi_map.c — map_rect's jobs over the ranks of a communicator, as Stan's
 * MPI backend does (issue #19, docs/scale.md).
 *
 * Rank 0 runs the sampler; the other ranks wait in urn_mpi_map_rect_serve.
 * When an evaluation on rank 0 reaches map_rect(f, phi, thetas, x_r, x_i)
 * with J jobs, the jobs are cut into contiguous blocks in rank order
 * (urn_mpi_block's rule) and:
 *   1. rank 0 broadcasts a header (the function, the sizes, the call's data
 *      slot, the evaluation's flags) and, in the same message when they fit
 *      in MAP_INLINE bytes, phi with a flag per value saying whether it is a
 *      parameter (a tape leaf on rank 0);
 *   2. the first time these data (x_r, x_i) are seen, each rank is sent its
 *      block's rows, which it keeps in the slot (data shipped once: later
 *      calls with the same data, found by content, send no data);
 *   3. each rank is sent its block's thetas with their flags, in one scatter;
 *   4. every rank runs its block's jobs (urn_par_map_jobs, on its own thread
 *      pool) and rank 0 gathers each job's outputs, the partials of the outputs
 *      with respect to phi and the job's theta, or its error, in job order
 *      (a gather of the sizes, then of the results).
 * So an evaluation costs 4 collectives (7 before phi went inline and the
 * thetas went with their flags; a message per rank with MPI_Probe instead of
 * the two gathers was slower under mpirun's yield_when_idle on this loaded
 * machine, 145 s against 88 s for test_mpi's run, so the gathers stay). 
 * Rank 0 then writes the tape nodes exactly as it does for jobs run in its own
 * threads: a job's bits do not depend on where it ran, so the draws equal a
 * one-process run's bit for bit.  urn_mpi_map_rect_detach sends the command
 * that ends the other ranks' serve loops. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lang/fn.h"
#include "model/par.h"
#include "urn/mpi.h"
#include "util/util.h"

#define MAP_SLOTS 16 /* data of this many map_rect calls kept on every rank; the oldest is replaced */

/* The header rank 0 broadcasts per command. */
enum {
  H_CMD,      /* MAP_STOP or MAP_RUN */
  H_FUN,      /* index of f in the program's functions */
  H_J,        /* number of jobs */
  H_NPHI,     /* size of phi */
  H_TH,       /* thetas given (1) or empty (0) */
  H_NTH,      /* size of each theta */
  H_SLOT,     /* the data slot of this call */
  H_SHIP,     /* the slot's data follow (1) */
  H_XR,       /* x_r given */
  H_NR,       /* size of each x_r row */
  H_XI,       /* x_i given */
  H_NI,       /* size of each x_i row */
  H_PROPTO,   /* the evaluation's flags: propto, jacobian, taping, block */
  H_JACOBIAN,
  H_TAPING,
  H_BLOCK,
  H_INLINE,   /* phi and its flags follow the header in the same broadcast (else in two more) */
  H_N
};
#define MAP_INLINE 2048 /* bytes of phi (9 per value) sent inside the header's broadcast */
#define MAP_MSG (H_N * sizeof(long long) + MAP_INLINE) /* the header's broadcast */
enum { MAP_STOP = 0, MAP_RUN = 1 };

/* Rank 0's record of data it has shipped. */
typedef struct map_slot {
  const ir_fun *f;       /* the function of the call (NULL: free slot) */
  size_t J, nr, ni;      /* jobs and row sizes */
  int xr, xi;            /* x_r / x_i given */
  double *r, *i;         /* copies of the data (J x nr, J x ni) to recognise them */
} map_slot;

/* Rank 0's side: the hook the model's evaluations call. */
struct urn_mpi_map {
  MPI_Comm comm;               /* the ranks (a duplicate of the caller's) */
  int size;                    /* their number */
  urn_model *m;                /* the model whose evaluations use the ranks */
  pthread_mutex_t lock;        /* one map_rect exchange at a time (MPI_THREAD_SERIALIZED) */
  urn_par_remote remote;       /* the hook given to the model */
  map_slot slot[MAP_SLOTS];    /* data shipped so far */
  int next;                    /* the slot a new call's data replace */
};

/* A worker's copy of one slot's rows. */
typedef struct map_rows {
  double *r, *i;               /* its block's x_r and x_i rows */
} map_rows;

/* Counts and displacements (in elements of per) of every rank's block of J jobs. */
static void map_blocks(int size, size_t J, size_t per, int *cnt, int *dsp) {
  for (int q = 0; q < size; q++) {
    size_t base = J / (size_t)size, extra = J % (size_t)size;
    size_t first = (size_t)q * base + ((size_t)q < extra ? (size_t)q : extra);
    size_t count = base + ((size_t)q < extra);
    cnt[q] = (int)(count * per), dsp[q] = (int)(first * per);
  }
}

/* The values of x (rows given or not) as one array, and the parameter flag of each (1: a tape node). */
static void map_flags(const urn_val *x, char *flag) {
  for (size_t k = 0; k < x->n; k++) flag[k] = x->ix && x->ix[k] >= 0;
}

/* ---- packing results ---- */

/* Appends the jobs' results to a byte buffer: per job 4 int64 (nout, nleaf, has jac, error code), then the error
 * message (when failed) or the outputs and partials. */
static char *map_pack(const urn_par_job *jobs, size_t n, size_t *len) {
  size_t cap = 64, at = 0;
  char *b = urn_xmalloc(cap);
  for (size_t j = 0; j < n; j++) {
    const urn_par_job *u = &jobs[j];
    int64_t h[4] = {(int64_t)u->nout, (int64_t)u->nleaf, u->jac != NULL, u->err.code};
    size_t nd = u->err.code ? 0 : u->nout + (u->jac ? u->nout * u->nleaf : 0);
    size_t need = sizeof h + (u->err.code ? sizeof u->err.msg : nd * sizeof(double));
    while (at + need > cap) cap *= 2, b = urn_xrealloc(b, cap);
    memcpy(b + at, h, sizeof h), at += sizeof h;
    if (u->err.code) {
      memcpy(b + at, u->err.msg, sizeof u->err.msg), at += sizeof u->err.msg;
      continue;
    }
    memcpy(b + at, u->out, u->nout * sizeof(double)), at += u->nout * sizeof(double);
    if (u->jac) memcpy(b + at, u->jac, u->nout * u->nleaf * sizeof(double)), at += u->nout * u->nleaf * sizeof(double);
  }
  *len = at;
  return b;
}

/* Reads n jobs' results packed by map_pack into jobs (outputs and partials malloc'ed). */
static void map_unpack(const char *b, urn_par_job *jobs, size_t n) {
  size_t at = 0;
  for (size_t j = 0; j < n; j++) {
    urn_par_job *u = &jobs[j];
    int64_t h[4];
    memcpy(h, b + at, sizeof h), at += sizeof h;
    u->nout = (size_t)h[0], u->nleaf = (size_t)h[1], u->err.code = (int)h[3];
    if (u->err.code) {
      memcpy(u->err.msg, b + at, sizeof u->err.msg), at += sizeof u->err.msg;
      continue;
    }
    u->out = urn_xmalloc((u->nout ? u->nout : 1) * sizeof(double));
    memcpy(u->out, b + at, u->nout * sizeof(double)), at += u->nout * sizeof(double);
    if (h[2]) {
      size_t nj = u->nout * u->nleaf;
      u->jac = urn_xmalloc((nj ? nj : 1) * sizeof(double));
      memcpy(u->jac, b + at, nj * sizeof(double)), at += nj * sizeof(double);
    }
  }
}

/* Every rank's packed results (mine from rank 0's side, NULL on the others) gathered on rank 0 into jobs. */
static void map_gather(MPI_Comm comm, int size, int rank, const char *mine, size_t len, urn_par_job *jobs, size_t J) {
  long long l = (long long)len, *lens = rank == 0 ? urn_xcalloc((size_t)size, sizeof *lens) : NULL;
  MPI_Gather(&l, 1, MPI_LONG_LONG, lens, 1, MPI_LONG_LONG, 0, comm);
  int *cnt = NULL, *dsp = NULL;
  char *all = NULL;
  if (rank == 0) {
    cnt = urn_xcalloc((size_t)size, sizeof *cnt), dsp = urn_xcalloc((size_t)size, sizeof *dsp);
    size_t tot = 0;
    for (int q = 0; q < size; q++) cnt[q] = q ? (int)lens[q] : 0, dsp[q] = (int)tot, tot += (size_t)cnt[q];
    all = urn_xmalloc(tot ? tot : 1);
  }
  MPI_Gatherv(rank ? mine : NULL, rank ? (int)len : 0, MPI_BYTE, all, cnt, dsp, MPI_BYTE, 0, comm);
  if (rank == 0) {
    int *jc = urn_xcalloc((size_t)size, sizeof *jc), *jd = urn_xcalloc((size_t)size, sizeof *jd);
    map_blocks(size, J, 1, jc, jd);
    for (int q = 1; q < size; q++) map_unpack(all + dsp[q], jobs + jd[q], (size_t)jc[q]);
    free(jc), free(jd), free(cnt), free(dsp), free(all), free(lens);
  }
}

/* Per job, its theta's nth values then their nth parameter flags (9 bytes a value), from thetas v and flags f. */
static char *map_pack_thetas(size_t J, size_t nth, const double *v, const char *f) {
  char *b = urn_xmalloc(J * nth * 9 + 1);
  for (size_t j = 0; j < J; j++) {
    memcpy(b + j * nth * 9, v + j * nth, nth * sizeof(double));
    memcpy(b + j * nth * 9 + nth * sizeof(double), f + j * nth, nth);
  }
  return b;
}

/* ---- rank 0 ---- */

/* The slot holding these data (shipped earlier), or a fresh one (*ship = 1). */
static int map_slot_find(urn_mpi_map *h, const ir_fun *f, size_t J, const urn_val *xr, const urn_val *xi, int *ship) {
  int hr = xr->dim[0] > 0, hi = xi->dim[0] > 0;
  size_t nr = hr ? xr->n / J : 0, ni = hi ? xi->n / J : 0;
  for (int s = 0; s < MAP_SLOTS; s++) {
    map_slot *t = &h->slot[s];
    if (t->f == f && t->J == J && t->xr == hr && t->xi == hi && t->nr == nr && t->ni == ni &&
        (!hr || !memcmp(t->r, xr->v, J * nr * sizeof(double))) && (!hi || !memcmp(t->i, xi->v, J * ni * sizeof(double)))) {
      *ship = 0;
      return s;
    }
  }
  int s = h->next;
  h->next = (h->next + 1) % MAP_SLOTS;
  map_slot *t = &h->slot[s];
  free(t->r), free(t->i);
  *t = (map_slot){f, J, nr, ni, hr, hi, NULL, NULL};
  if (hr) t->r = urn_xmalloc((J * nr + 1) * sizeof(double)), memcpy(t->r, xr->v, J * nr * sizeof(double));
  if (hi) t->i = urn_xmalloc((J * ni + 1) * sizeof(double)), memcpy(t->i, xi->v, J * ni * sizeof(double));
  *ship = 1;
  return s;
}

/* Scatters rows of per doubles (the blocks of J jobs) from rank 0's v into *mine (malloc'ed). */
static void map_scatter(MPI_Comm comm, int size, int rank, size_t J, size_t per, const void *v, void *mine,
                        MPI_Datatype type) {
  int *cnt = urn_xcalloc((size_t)size, sizeof *cnt), *dsp = urn_xcalloc((size_t)size, sizeof *dsp);
  map_blocks(size, J, per, cnt, dsp);
  if (rank == 0) MPI_Scatterv(v, cnt, dsp, type, MPI_IN_PLACE, cnt[0], type, 0, comm);
  else MPI_Scatterv(NULL, cnt, dsp, type, mine, cnt[rank], type, 0, comm);
  free(cnt), free(dsp);
}

/* The hook (urn_par_remote.run) on rank 0. */
static void map_run(void *ctx, urn_ev *ev, const ir_fun *f, urn_val *args, urn_par_job *jobs, size_t J) {
  urn_mpi_map *h = ctx;
  const urn_val *phi = &args[1], *th = &args[2], *xr = &args[3], *xi = &args[4];
  pthread_mutex_lock(&h->lock);
  int fi = 0;
  while (fi < ev->prog->nfuns && ev->prog->funs[fi] != f) fi++;
  if (fi == ev->prog->nfuns) { /* not a function of the program (never expected): every job here */
    pthread_mutex_unlock(&h->lock);
    urn_par_map_jobs(ev, f, args, jobs, J);
    return;
  }
  int ship, s = map_slot_find(h, f, J, xr, xi, &ship);
  size_t nth = th->dim[0] > 0 ? th->n / J : 0;
  int inl = phi->n * 9 <= MAP_INLINE;
  long long hd[H_N] = {MAP_RUN, fi, (long long)J, (long long)phi->n, th->dim[0] > 0, (long long)nth, s, ship,
                       h->slot[s].xr, (long long)h->slot[s].nr, h->slot[s].xi, (long long)h->slot[s].ni,
                       ev->propto, ev->jacobian, ev->taping, ev->block, inl};
  char *pf = urn_xmalloc(phi->n + 1), *tf = urn_xmalloc(th->n + 1), msg[MAP_MSG];
  map_flags(phi, pf), map_flags(th, tf);
  memset(msg, 0, sizeof msg);
  memcpy(msg, hd, sizeof hd);
  if (inl) memcpy(msg + sizeof hd, phi->v, phi->n * sizeof(double)), memcpy(msg + sizeof hd + phi->n * 8, pf, phi->n);
  MPI_Bcast(msg, (int)MAP_MSG, MPI_BYTE, 0, h->comm);
  int *cnt = urn_xcalloc((size_t)h->size, sizeof *cnt), *dsp = urn_xcalloc((size_t)h->size, sizeof *dsp);
  map_blocks(h->size, J, 1, cnt, dsp);
  if (ship) { /* rank 0 keeps its own rows in args: nothing to receive */
    if (hd[H_XR]) map_scatter(h->comm, h->size, 0, J, h->slot[s].nr, xr->v, NULL, MPI_DOUBLE);
    if (hd[H_XI]) map_scatter(h->comm, h->size, 0, J, h->slot[s].ni, xi->v, NULL, MPI_DOUBLE);
  }
  if (!inl) {
    MPI_Bcast(phi->v, (int)phi->n, MPI_DOUBLE, 0, h->comm);
    MPI_Bcast(pf, (int)phi->n, MPI_CHAR, 0, h->comm);
  }
  if (nth) {
    char *tb = map_pack_thetas(J, nth, th->v, tf);
    map_scatter(h->comm, h->size, 0, J, nth * 9, tb, NULL, MPI_BYTE);
    free(tb);
  }
  urn_par_map_jobs(ev, f, args, jobs, (size_t)cnt[0]); /* rank 0's block: jobs [0, cnt[0]) */
  map_gather(h->comm, h->size, 0, NULL, 0, jobs, J);
  free(pf), free(tf), free(cnt), free(dsp);
  pthread_mutex_unlock(&h->lock);
}

urn_mpi_map *urn_mpi_map_rect_attach(MPI_Comm comm, urn_model *m) {
  urn_mpi_map *h = urn_xcalloc(1, sizeof *h);
  MPI_Comm_dup(comm, &h->comm);
  MPI_Comm_size(h->comm, &h->size);
  h->m = m;
  pthread_mutex_init(&h->lock, NULL);
  h->remote.ctx = h, h->remote.run = map_run;
  if (h->size > 1) urn__model_set_remote(m, &h->remote);
  return h;
}

void urn_mpi_map_rect_detach(urn_mpi_map *h) {
  if (!h) return;
  urn__model_set_remote(h->m, NULL);
  char msg[MAP_MSG];
  memset(msg, 0, sizeof msg); /* H_CMD = MAP_STOP */
  MPI_Bcast(msg, (int)MAP_MSG, MPI_BYTE, 0, h->comm);
  for (int s = 0; s < MAP_SLOTS; s++) free(h->slot[s].r), free(h->slot[s].i);
  pthread_mutex_destroy(&h->lock);
  MPI_Comm_free(&h->comm);
  free(h);
}

/* ---- the other ranks ---- */

/* A value of type ty (array of count rows of per values, or with no rows) over v, with tape-node stand-ins (0 for
 * a parameter, -1 for a constant) from flag when given. */
static void map_val(urn_val *x, urn_type ty, int given, size_t count, size_t per, double *v, const char *flag,
                    int32_t *ix) {
  memset(x, 0, sizeof *x);
  x->ty = ty, x->v = v, x->n = given ? count * per : 0;
  x->dim[0] = given ? (int32_t)count : 0, x->dim[1] = (int32_t)per;
  if (flag && ix) {
    int any = 0;
    for (size_t k = 0; k < x->n; k++) ix[k] = flag[k] ? 0 : -1, any |= flag[k];
    x->ix = any ? ix : NULL;
  }
}

/* One MAP_RUN command on a rank > 0 (header hd, then msg's inline phi): receives its share, runs its jobs, sends
 * the results. */
static void map_serve_one(MPI_Comm comm, int size, int rank, urn_ev *ev, const long long *hd, const char *msg,
                          map_rows *rows) {
  size_t J = (size_t)hd[H_J], nphi = (size_t)hd[H_NPHI], nth = (size_t)hd[H_NTH];
  size_t nr = (size_t)hd[H_NR], ni = (size_t)hd[H_NI];
  int *cnt = urn_xcalloc((size_t)size, sizeof *cnt), *dsp = urn_xcalloc((size_t)size, sizeof *dsp);
  map_blocks(size, J, 1, cnt, dsp);
  size_t my = (size_t)cnt[rank];
  map_rows *rw = &rows[hd[H_SLOT]];
  if (hd[H_SHIP]) {
    free(rw->r), free(rw->i);
    rw->r = urn_xmalloc((my * nr + 1) * sizeof(double));
    rw->i = urn_xmalloc((my * ni + 1) * sizeof(double));
    if (hd[H_XR]) map_scatter(comm, size, rank, J, nr, NULL, rw->r, MPI_DOUBLE);
    if (hd[H_XI]) map_scatter(comm, size, rank, J, ni, NULL, rw->i, MPI_DOUBLE);
  }
  double *phi = urn_xmalloc((nphi + 1) * sizeof *phi), *th = urn_xmalloc((my * nth + 1) * sizeof *th);
  char *pf = urn_xmalloc(nphi + 1), *tf = urn_xmalloc(my * nth + 1);
  int32_t *pix = urn_xmalloc((nphi + 1) * sizeof *pix), *tix = urn_xmalloc((my * nth + 1) * sizeof *tix);
  if (hd[H_INLINE]) {
    memcpy(phi, msg + H_N * sizeof(long long), nphi * sizeof(double));
    memcpy(pf, msg + H_N * sizeof(long long) + nphi * 8, nphi);
  } else {
    MPI_Bcast(phi, (int)nphi, MPI_DOUBLE, 0, comm);
    MPI_Bcast(pf, (int)nphi, MPI_CHAR, 0, comm);
  }
  if (nth) {
    char *tb = urn_xmalloc(my * nth * 9 + 1);
    map_scatter(comm, size, rank, J, nth * 9, NULL, tb, MPI_BYTE);
    for (size_t j = 0; j < my; j++) {
      memcpy(th + j * nth, tb + j * nth * 9, nth * sizeof(double));
      memcpy(tf + j * nth, tb + j * nth * 9 + nth * sizeof(double), nth);
    }
    free(tb);
  }
  urn_val args[5];
  memset(&args[0], 0, sizeof args[0]);
  map_val(&args[1], (urn_type){URN_TY_VECTOR, 0}, 1, 1, nphi, phi, pf, pix);
  args[1].dim[0] = (int32_t)nphi;
  map_val(&args[2], (urn_type){URN_TY_VECTOR, 1}, hd[H_TH] != 0, my, nth, th, tf, tix);
  map_val(&args[3], (urn_type){URN_TY_REAL, 2}, hd[H_XR] != 0, my, nr, rw->r, NULL, NULL);
  map_val(&args[4], (urn_type){URN_TY_INT, 2}, hd[H_XI] != 0, my, ni, rw->i, NULL, NULL);
  ev->propto = (int)hd[H_PROPTO], ev->jacobian = (int)hd[H_JACOBIAN], ev->taping = (int)hd[H_TAPING];
  ev->block = (int)hd[H_BLOCK];
  urn_par_job *jobs = urn_xcalloc(my ? my : 1, sizeof *jobs);
  for (size_t j = 0; j < my; j++) jobs[j].lo = j, jobs[j].hi = j + 1;
  urn_par_map_jobs(ev, ev->prog->funs[hd[H_FUN]], args, jobs, my);
  size_t len;
  char *b = map_pack(jobs, my, &len);
  map_gather(comm, size, rank, b, len, NULL, J);
  free(b);
  for (size_t j = 0; j < my; j++) free(jobs[j].out), free(jobs[j].jac);
  free(jobs), free(phi), free(th), free(pf), free(tf), free(pix), free(tix), free(cnt), free(dsp);
}

int urn_mpi_map_rect_serve(MPI_Comm comm, urn_model *m, urn_error *err) {
  int size, rank;
  MPI_Comm dup;
  MPI_Comm_dup(comm, &dup);
  MPI_Comm_size(dup, &size), MPI_Comm_rank(dup, &rank);
  urn_ev *ev = urn__model_ev_borrow(m);
  map_rows rows[MAP_SLOTS];
  memset(rows, 0, sizeof rows);
  for (;;) {
    char msg[MAP_MSG];
    long long hd[H_N];
    MPI_Bcast(msg, (int)MAP_MSG, MPI_BYTE, 0, dup);
    memcpy(hd, msg, sizeof hd);
    if (hd[H_CMD] != MAP_RUN) break;
    if (hd[H_FUN] < 0 || hd[H_FUN] >= ev->prog->nfuns || hd[H_SLOT] < 0 || hd[H_SLOT] >= MAP_SLOTS) {
      urn_error_set(err, URN_EFATAL, "map_rect over MPI: rank %d got a command for another program", rank);
      MPI_Abort(dup, 1); /* rank 0 waits for this rank's results: only ending the job avoids a hang */
    }
    map_serve_one(dup, size, rank, ev, hd, msg, rows);
  }
  for (int s = 0; s < MAP_SLOTS; s++) free(rows[s].r), free(rows[s].i);
  urn__model_ev_return(m, ev);
  MPI_Comm_free(&dup);
  return URN_OK;
}
