/* native/native.h — the native tier: the model block's log density and gradient emitted as C (emit.c), compiled
 * by the system C compiler into a cached shared object and loaded with dlopen (build.c), and run in place of the
 * interpreter's model block (run.c), with values and gradients bit-identical to the interpreter's (the same
 * operations in the same order; docs/autodiff.md "Native tier").  Internal: the model layer (model/model.c) is
 * its only caller. */
#ifndef URN_NATIVE_NATIVE_H
#define URN_NATIVE_NATIVE_H

#include <stddef.h>
#include <stdint.h>

#include "lang/eval.h"
#include "util/util.h"

/* The contract between the host and an emitted object.  Its text is emitted in front of every program
 * (NAT_ABI_TEXT in emit.c), so both sides agree; run.c checks the urn_darg layout it mirrors. */
typedef struct nat_host {
  const double *const *v;     /* values of each slot the program reads (emit order) */
  const int32_t *const *ix;   /* their tape nodes (NULL: constants) */
  const size_t *n;            /* their number of values */
  const size_t *d0;           /* their first dimension (arrays: the number of rows; else n) */
  const int32_t *const *dim;  /* their shapes (urn_val.dim: array sizes, then a vector's rows or a matrix's rows, cols) */
  void *const *fn;            /* each distribution call site's urn_dist_fn */
  void *const *memo;          /* each call site's argument memos (urn_dmemo *), NAT_MAX_ARGS per site */
  const void *const *kern;    /* the scalar kernels the program calls (urn_unary_kernel *, urn_binary_kernel) */
  void *err;                  /* urn_error * for the distribution functions */
  double *adj;                /* adjoints of the tape's nodes so far (leaves), zeroed by the host */
  double *P;                  /* partials recorded by the forward pass */
  int32_t *L;                 /* leaf nodes recorded by the forward pass */
  double **Q;                 /* partial arrays of container arguments recorded by the forward pass */
  size_t pcap, lcap, qcap;    /* their capacities */
  void (*grow)(struct nat_host *h, size_t np, size_t nl, size_t nq); /* makes room for np, nl, nq entries (and
                                 a full T: one more term) */
  void *(*scratch)(struct nat_host *h, size_t bytes); /* zeroed storage that lives for this evaluation */
  double *T;                  /* the values of the target terms that are nodes, in execution order */
  size_t tcap, nt;            /* T's capacity; the number of terms (set by the emitted code at the end) */
  void *ctx;                  /* the host's own state */
} nat_host;
#define NAT_MAX_ARGS 10
/* The emitted entry point: 0 done (tc: target's constant part, updated), nonzero: the interpreter must run this
 * evaluation instead (a rejection, an index out of range, a distribution's error: its message comes from there). */
typedef int (*nat_lp_fn)(nat_host *h, int propto, double *tc);

/* A distribution call site of an emitted program: what the host passes as h->fn[i] and h->memo. */
typedef struct nat_site {
  const urn_builtin *bi;      /* the density */
  ir_ex *const *args;         /* its arguments (variate first) */
  int na;                     /* their number */
} nat_site;

/* An emitted program. */
typedef struct nat_prog {
  urn_buf c;                  /* the C text */
  int *slots;                 /* program-level slots the code reads, in h->v order */
  unsigned char *slot_var;    /* slot i is read as a parameter (its tape nodes are leaves) */
  int nslots, capslots;       /* used / allocated */
  nat_site *sites;            /* distribution call sites, in h->fn order */
  int nsites, capsites;       /* used / allocated */
  const void **kern;          /* scalar kernels, in h->kern order */
  int nkern, capkern;         /* used / allocated */
  char why[160];              /* when emission failed: the first construct outside the subset */
  int tp;                     /* 1: the code also runs the transformed parameters block (model.c then does not) */
  char why_tp[160];           /* tp == 0 in a program with that block: why the code does not run it */
} nat_prog;

/* Emits the model block of p as C.  0: done; -1: a construct outside the native subset (why says which; the
 * interpreter runs the program).  nat_prog_free in both cases. */
int urn_nat_emit(const urn_prog *p, nat_prog *out);
void urn_nat_prog_free(nat_prog *np);

/* A loaded native model. */
typedef struct urn_native urn_native;
/* The most compiled objects a cache folder keeps (the least recently loaded are removed after a compile). */
#define URN_NAT_CACHE_MAX 64
/* The object np compiles to: CACHE/urn-native-HASH.so (FNV-1a 64 of the C text, the compiler command and urn's
 * version). */
void urn_nat_object_path(const nat_prog *np, const char *cache_dir, const char *cc, char *so, size_t cap);
/* Compiles (or finds in cache_dir) and loads the emitted program np (taken over).  cc: the compiler command
 * ("cc"); child (or NULL): the compiler runs niced in a process group whose id is *child while it runs, else 0.  NULL and a one-line reason in
 * why when there is no compiler, it fails or is killed, or dlopen fails. */
urn_native *urn_nat_build(nat_prog *np, const char *cache_dir, const char *cc, int *child, char *why, size_t whycap);
void urn_nat_free(urn_native *nt);
/* 1 when the compiled object came from the cache (no compiler run). */
int urn_nat_cached(const urn_native *nt);
/* The native tier's files in the cache folder dir (objects and the leftovers of compiles): their number and bytes,
 * removed first when clear.  0, or -1 when dir cannot be read (or a file not removed); a missing dir is empty. */
int urn_nat_cache_scan(const char *dir, int clear, size_t *count, size_t *bytes);

/* Runs the model block natively on ev (parameters and transformed parameters already on its tape): on success
 * pushes one node whose partials are the model block's adjoints of the earlier nodes, adds it to target, adds
 * the constant terms to ev->target_c, and returns 1 with *lp the log density summed in the interpreter's order.
 * 0: nothing changed; the interpreter must run the block. */
int urn_nat_run(const urn_native *nt, urn_ev *ev, double *lp);
/* 1: nt also runs the transformed parameters block (urn_nat_run is then called right after the parameters, and
 * when it returns 0 the interpreter runs that block too). */
int urn_nat_runs_tp(const urn_native *nt);



/* The native tier of one model (tier.c). */
typedef struct urn_nat_tier urn_nat_tier;
/* How the tier starts (urn_model_options.native). */
enum { URN_NAT_OFF, URN_NAT_ON, URN_NAT_WAIT, URN_NAT_AUTO };
/* Emits p's model block and, by mode: URN_NAT_WAIT builds it now; URN_NAT_ON builds it in a background thread;
 * URN_NAT_AUTO loads a cached object at once, else waits for urn_nat_tier_account to decide that compiling pays
 * off.  Never NULL. */
urn_nat_tier *urn_nat_tier_start(const urn_prog *p, int mode, const char *cache, const char *cc);
/* The native model to run this evaluation, or NULL (the interpreter).  *verify = 1: this evaluation must compare
 * it with the interpreter and report with urn_nat_tier_verified (or urn_nat_tier_unverified to postpone). */
const urn_native *urn_nat_tier_get(urn_nat_tier *t, int *verify);
void urn_nat_tier_verified(urn_nat_tier *t, int ok, const char *why);
void urn_nat_tier_unverified(urn_nat_tier *t);
/* 1: the check must also time both tiers and keep the interpreter when the native code is not faster (a
 * background build); 0: a build waited for (--native wait) switches on whenever it agrees. */
int urn_nat_tier_timed(const urn_nat_tier *t);
/* URN_NAT_AUTO before its decision: 1 while interpreted gradients are to be counted and some timed (model.c). */
int urn_nat_tier_deferred(const urn_nat_tier *t);
/* A timed interpreted gradient took cpu seconds, n gradients counted since the caller's last report (this one
 * included); steady: one of the one-in-256 (not one of the first ones, which fill the data memos and caches: their
 * mean is used only until two steady ones are in).  The decision (urn_nat_projection) is taken again: once the
 * rest of the job's projected interpreted cost is at least URN_NAT_PAYOFF times the compile's estimated cost, the
 * background build starts (niced). */
void urn_nat_tier_account(urn_nat_tier *t, double cpu, unsigned n, int steady);
/* The job's iterations, all chains (0: unknown; the run sets it). */
void urn_nat_tier_plan(urn_nat_tier *t, double iterations);
/* The run finished this many more iterations, of which the last `measured` took this many gradients (NUTS' leapfrog
 * steps; the run measures none of a chain's first adaptation window) and cpu seconds of their chain's thread (0: not
 * timed; NUTS' own work included); the decision is taken again, each gradient costing the least of the timed
 * gradients' mean and the chains' CPU per gradient (single timed gradients overstate it under load: 13 us against a
 * run's 3.75). */
void urn_nat_tier_progress(urn_nat_tier *t, double iterations, double measured, double gradients, double cpu);
/* What URN_NAT_AUTO's decision knows. */
typedef struct nat_plan {
  double done;        /* interpreted gradients counted so far */
  double per;         /* their measured CPU seconds each */
  double iterations;  /* the job's iterations, all chains (0: unknown) */
  double iters_done;  /* iterations the run has reported finished */
  double measured;    /* of which measured (after each chain's first adaptation window) */
  double grads;       /* the gradients those took */
} nat_plan;
/* The rest of the job's projected interpreted CPU seconds: max(rest, done / 2) gradients at per each, where rest is
 * the iterations not yet reported (iterations - iters_done) times the gradients per iteration measured
 * (grads / measured), or times 1 (NUTS' least) before any is measured; done / 2 (ski rental) bounds the wait
 * without a plan or past its end.  *gpi (or NULL): the gradients per iteration used. */
double urn_nat_projection(const nat_plan *p, double *gpi);
#define URN_NAT_PAYOFF 10.0
/* One line saying what the tier does ("native: on (...)", "native: interpreter only (reason)", ...). */
const char *urn_nat_tier_status(urn_nat_tier *t);
/* Ends the tier: URN_NAT_AUTO's compile still running is killed (never waited for) and its files removed; the
 * explicit modes' builds are waited for (their object is then in the cache). */
void urn_nat_tier_free(urn_nat_tier *t);
#endif
