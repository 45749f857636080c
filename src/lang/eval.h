/* lang/eval.h — the evaluator: values, the per-call evaluation context and
 * the resolved program ("IR") that lang/lower.c builds once from the checked
 * AST.  Every variable is a slot index, every call a direct function pointer,
 * every expression node carries its scalar and general evaluation functions
 * and whether it can depend on parameters.  Expressions that depend only on
 * data are evaluated once when data are loaded (model.c) and become constants.
 *
 * Values: a scalar or container is a run of doubles (ints are stored exactly
 * as doubles) plus, when it depends on parameters, a parallel run of tape
 * nodes.  A complex number is two doubles (re, im), each with its own node
 * (a complex on the tape is a pair of reals); n counts doubles, dim[] counts
 * elements.  Layout: arrays are row-major over their array dimensions (element
 * i of `array[N] vector[K]` is values [i*K, (i+1)*K)), vectors and matrices
 * column-major inside one element — the order of Stan's unconstrained
 * parameter vector. */
#ifndef URN_LANG_EVAL_H
#define URN_LANG_EVAL_H

#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "ad/tape.h"
#include "lang/ast.h"
#include "lang/builtins.h"
#include "math/dist.h"
#include "math/rng.h"
#include "util/util.h"

#define URN_MAX_DIMS 10 /* array dimensions + 2 */

typedef struct urn_val {
  double *v;                 /* values, n of them */
  int32_t *ix;               /* tape node of each value (-1 constant), or NULL when all are constant */
  size_t n;                  /* number of doubles (2 per complex element; 0 for tuples) */
  urn_type ty;               /* the static type */
  int32_t dim[URN_MAX_DIMS]; /* array sizes, then rows (vector, row_vector) or rows, cols (matrix) */
  struct urn_val *tv;        /* TUPLE (and arrays of tuples): the component values, ty.tup->n per array
                                element, array elements row-major; v and ix are NULL */
} urn_val;

/* Is t a scalar (int or real, no array)? */
static inline int urn_is_scalar(urn_type t) { return t.dims == 0 && (t.base == URN_TY_INT || t.base == URN_TY_REAL); }

/* Number of entries of dim[] used by a type. */
static inline int urn_val_ndim(urn_type t) { return t.dims + urn_base_ndim(t.base); }
static inline int urn_val_rows(const urn_val *x) { return urn_base_ndim(x->ty.base) ? x->dim[x->ty.dims] : 1; }
static inline int urn_val_cols(const urn_val *x) {
  int b = x->ty.base;
  return b == URN_TY_MATRIX || b == URN_TY_COMPLEX_MATRIX ? x->dim[x->ty.dims + 1]
         : b == URN_TY_ROW_VECTOR || b == URN_TY_COMPLEX_ROW_VECTOR ? x->dim[x->ty.dims] : 1;
}

typedef struct urn_prog urn_prog;
typedef struct ir_ex ir_ex;
typedef struct ir_st ir_st;
typedef struct ir_fun ir_fun;
typedef struct urn_ev urn_ev;

/* Control-flow state while running statements. */
enum { EV_NORMAL = 0, EV_BREAK, EV_CONTINUE, EV_RETURN };

/* The per-call workspace: one per thread at a time (model.c keeps a free list). */
struct urn_ev {
  urn_tape tape;          /* the autodiff tape */
  urn_arena arena;        /* temporaries of one evaluation (reset per call) */
  jmp_buf jb;             /* where reject / domain errors jump */
  urn_error *err;         /* where their message goes */
  urn_rng *rng;           /* random numbers (transformed data, generated quantities), or NULL */
  const urn_prog *prog;   /* the program being run */
  urn_val *glob;          /* program-level slots (data, parameters, locals of the blocks) */
  urn_val *frame;         /* slots of the user function being run */
  urn_val retval;         /* the value of the last `return` (unless ret_scalar) */
  int ret_scalar;         /* the last `return` gave a scalar, held in ret_v / ret_ix instead of retval's storage */
  double ret_v;           /* that scalar's value */
  int32_t ret_ix;         /* its tape node (-1 constant) */
  int ctl;                /* EV_NORMAL / EV_BREAK / EV_CONTINUE / EV_RETURN */
  int propto;             /* drop constant terms in ~ and _lupdf */
  int jacobian;           /* add log-Jacobians of constraining transforms */
  int taping;             /* parameters are tape nodes (a gradient is wanted) */
  unsigned nat_ticks;     /* gradients this workspace ran while the model's native tier was deciding (model.c) */
  int block;              /* enum urn_block_kind being run (for messages and rules) */
  double target_c;        /* target: sum of its constant terms */
  int32_t *target_ix;     /* target: tape nodes summed into it */
  double *target_w;       /* target: each node's weight (1, or -1 for truncation) */
  size_t ntarget, target_cap; /* target terms used / allocated */
  const double *theta;    /* the unconstrained parameter vector */
  size_t theta_pos;       /* next unconstrained value to read */
  FILE *print;            /* where print() goes (NULL: nowhere) */
  int depth;              /* user function call depth (recursion guard) */
  struct urn_defer **defer; /* deferred batched stores of this evaluation (lang/batch.c), reset per call */
  size_t ndefer, defercap;  /* used / allocated */
  unsigned defer_stamp;     /* marks the stores one contraction has collected */
  volatile sig_atomic_t *stop; /* NULL, or the caller's stop flag: once non-zero, the evaluation ends with
                                   URN_EINTR at its next loop iteration or function call (urn_ev_poll) */
  double log_key[4];        /* normal's scales whose logs are remembered (0: empty; a scale is > 0) */
  double log_val[4];        /* log(log_key[i]) */
  unsigned log_next;        /* the entry the next new scale replaces */
  struct urn_tpool *tpool;  /* workers that run reduce_sum / map_rect units beside this thread, or NULL */
  void *par_scratch;        /* this thread's workspace for those units (lang/fn_par.c), made on first use */
  const struct urn_par_remote *remote; /* map_rect's jobs on other processes (MPI, src/mpi/mpi_map.c), or NULL */
};

/* Frees a workspace made by lang/fn_par.c (a par_scratch or a pool worker's scratch); NULL is a no-op. */
void urn_par_scratch_free(void *p);

/* One map_rect job (or reduce_sum slice) and what it produced (lang/fn_par.c). */
typedef struct urn_par_job {
  size_t lo, hi;           /* reduce_sum: elements [lo, hi) of x (0-based); map_rect: job lo */
  double *out;             /* its outputs (malloc), nout of them */
  size_t nout;             /* number of outputs */
  double *jac;             /* nout x nleaf partials, row-major (malloc), or NULL: the outputs are constants */
  size_t nleaf;            /* leaves: the shared arguments' first (phi), then the job's own (its theta) */
  urn_error err;           /* err.code != URN_OK: the job failed with this message */
} urn_par_job;

/* Runs map_rect's jobs jobs[0, n) (jobs[i].lo: the job's index into args, map_rect's 5 arguments) of user function
 * f on ev's thread pool, each in a private workspace; a failing job keeps its error in jobs[i].err (the others
 * still run).  The per-job outputs and partials do not depend on the thread or process that ran the job. */
void urn_par_map_jobs(urn_ev *ev, const ir_fun *f, urn_val *args, urn_par_job *jobs, size_t n);

/* map_rect's jobs spread over other processes (MPI): when ev->remote is set, an evaluation's map_rect (outside
 * any other parallel unit) hands its J jobs to run(), which fills jobs[0, J) (the caller's share through
 * urn_par_map_jobs, the others' received), exactly as urn_par_map_jobs(ev, f, args, jobs, J) would. */
typedef struct urn_par_remote {
  void *ctx;               /* the transport's state */
  void (*run)(void *ctx, urn_ev *ev, const ir_fun *f, urn_val *args, urn_par_job *jobs, size_t J);
} urn_par_remote;

/* log(s) for a scale s > 0, remembered across calls: a loop that evaluates
 * normal_lpdf(y[n] | ..., sigma[k]) for a few scales takes a handful of logs
 * per gradient instead of one per call (the same value: log is a function). */
static inline double urn_ev_log_scale(urn_ev *ev, double s) {
  for (int i = 0; i < 4; i++)
    if (ev->log_key[i] == s) return ev->log_val[i];
  unsigned i = ev->log_next++ & 3;
  ev->log_key[i] = s;
  return ev->log_val[i] = log(s);
}

/* Deferred batched stores (lang/batch.c).  A batched loop that fills a matrix
 * read only by hmm_marginal writes the values and, instead of a tape node per
 * element, the marker URN_DEFER_MARK(r) in the element's ix, r indexing
 * ev->defer: the store's per-element forward derivatives with respect to the
 * few leaves it read.  urn_defer_bound counts the (operand, partial) pairs
 * urn_defer_emit writes: d (sum over elements of g[i] * x[i]) / d leaf, g
 * indexed like x, for the elements of x still marked. */
#define URN_DEFER_MARK(r) (-2 - (int32_t)(r))
size_t urn_defer_bound(urn_ev *ev, const urn_val *x);
size_t urn_defer_emit(urn_ev *ev, const urn_val *x, const double *g, int32_t *o, double *p);

/* Rejects the current evaluation: fills ev->err (URN_EREJECT) and longjmps. */
_Noreturn void urn_ev_reject(urn_ev *ev, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same with another status code (URN_EFATAL for fatal_error). */
_Noreturn void urn_ev_fail(urn_ev *ev, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Ends the evaluation with URN_EINTR ("interrupted"): the caller's stop flag was raised. */
_Noreturn void urn_ev_stopped(urn_ev *ev);
/* Stops the evaluation if the stop flag is raised: called at every loop iteration and user-function call, so
 * that an endless loop in a program ends within moments of a signal. */
static inline void urn_ev_poll(urn_ev *ev) {
  /* an atomic read: the flag may be raised by another thread (a timer, an embedding application) as well as by a
     signal handler */
  if (ev->stop && __atomic_load_n(ev->stop, __ATOMIC_RELAXED)) urn_ev_stopped(ev);
}
/* Adds value (tape node ix, or -1) times w to target. */
void urn_ev_target_add(urn_ev *ev, double v, int32_t ix, double w);
/* Adds the values of tape nodes first .. first + n - 1 to target, in that order (weight 1). */
void urn_ev_target_run(urn_ev *ev, int32_t first, size_t n);

/* Fails the evaluation with URN_ENOMEM: n values of size bytes each cannot be allocated. */
_Noreturn void urn_ev_oom(urn_ev *ev, size_t n, size_t size);
/* Arena storage for an evaluation.  Sizes come from programs and data: a request memory cannot meet fails the
 * evaluation with URN_ENOMEM (a clear error), never an abort. */
static inline void *urn_ev_alloc(urn_ev *ev, size_t n, size_t size) {
  void *p = n <= SIZE_MAX / 16 / size ? urn_arena_try_alloc(&ev->arena, (n ? n : 1) * size) : NULL;
  if (!p) urn_ev_oom(ev, n, size);
  return p;
}
/* The same, not zeroed: for storage the caller writes in full before reading it. */
static inline void *urn_ev_alloc_raw(urn_ev *ev, size_t n, size_t size) {
  void *p = n <= SIZE_MAX / 16 / size ? urn_arena_try_alloc_raw(&ev->arena, (n ? n : 1) * size) : NULL;
  if (!p) urn_ev_oom(ev, n, size);
  return p;
}
static inline double *urn_ev_doubles(urn_ev *ev, size_t n) { return (double *)urn_ev_alloc(ev, n, sizeof(double)); }
static inline int32_t *urn_ev_nodes(urn_ev *ev, size_t n) {
  int32_t *p = (int32_t *)urn_ev_alloc_raw(ev, n, sizeof(int32_t));
  for (size_t i = 0; i < n; i++) p[i] = -1;
  return p;
}
/* Shapes *out as type ty with sizes dim (urn_val_ndim(ty) entries) and fresh
 * storage (values uninitialized; tape nodes -1 when with_ix). */
void urn_val_alloc(urn_ev *ev, urn_val *out, urn_type ty, const int32_t *dim, int with_ix);
/* Shapes *out as a tuple (or array of tuples) of type ty with array sizes dim (ty.dims of them) and
 * fresh, zeroed component slots (out->tv) for the caller to shape. */
void urn_val_tuple_alloc(urn_ev *ev, urn_val *out, urn_type ty, const int32_t *dim);
/* Number of array elements of a value (1 when not an array). */
static inline size_t urn_val_count(const urn_val *x) {
  size_t c = 1;
  for (int d = 0; d < x->ty.dims; d++) c *= (size_t)x->dim[d];
  return c;
}
/* A scalar value. */
static inline void urn_val_scalar(urn_val *out, urn_type ty, double *slot) {
  out->v = slot, out->ix = NULL, out->n = 1, out->ty = ty;
}
/* Copies src into fresh storage of ev (deep copy of values and nodes). */
void urn_val_copy(urn_ev *ev, urn_val *out, const urn_val *src);
/* Element i (0-based) of an array value, sharing storage. */
void urn_val_elem(const urn_val *x, size_t i, urn_val *out);
/* "vector[3]", "array[2, 3] real" etc. for messages. */
void urn_val_shape_name(const urn_val *x, char *out, size_t cap);

/* ---- the resolved program ---- */

typedef int32_t (*ir_sfn)(urn_ev *ev, const ir_ex *e, double *out);
typedef void (*ir_gfn)(urn_ev *ev, const ir_ex *e, urn_val *out);
typedef void (*ir_run)(urn_ev *ev, const ir_st *s);

/* One resolved index of an indexing expression. */
typedef struct ir_idx {
  int kind;      /* enum urn_index_kind */
  ir_ex *lo;     /* first / single / multi index, or NULL */
  ir_ex *hi;     /* last index, or NULL */
} ir_idx;

struct ir_ex {
  ir_sfn s;                 /* scalar evaluation (scalar-typed expressions), else NULL */
  ir_gfn g;                 /* general evaluation (every expression) */
  urn_type ty;              /* static type */
  unsigned char novar;      /* can never depend on parameters (Stan's "data only": double, not var) */
  unsigned char pure;       /* depends only on literals, data and transformed data: precomputable */
  unsigned char global;     /* VAR: a program-level slot (else a function frame slot) */
  int kind;                 /* enum urn_expr_kind, or IR_CONST for a folded constant */
  int op;                   /* operator (UNARY/BINARY); TUPLE_GET: the component (0-based) */
  int slot;                 /* VAR: slot index */
  ir_ex **a;                /* children (operands, arguments, indexed expression first for INDEX) */
  int na;                   /* number of children */
  ir_idx *idx;              /* INDEX: the indexes */
  int nidx;                 /* INDEX: number of indexes */
  const urn_builtin *bi;    /* CALL / operator: the built-in implementation */
  ir_fun *fun;              /* CALL: a user function */
  double c;                 /* CONST scalar value */
  urn_val cv;               /* CONST value (scalars too: cv.v points at c) */
  const char *str;          /* STRING literal */
  int propto;               /* CALL of a _lupdf/_lupmf (or ~): drop constants under propto */
  int line, col;            /* source position */
  unsigned char lane;       /* inside a batched loop (lang/batch.c): varies across its iterations */
  unsigned char bop;        /* batched loop: how a lane-varying node evaluates (enum in batch.c) */
  int bslot;                /* batched loop: VAR of a per-iteration local, its index in the batch's locals */
  urn_dmemo memo;           /* pure argument of a distribution call: what the family remembers of its values,
                               which never change outside transformed data (rule checks passed, statistics);
                               shared by the chains' threads through atomics (math/dist.h) */
};
#define IR_CONST 100
#define IR_PROMOTE 101 /* a[0] converted to ty (real -> complex, tuples with such components) */

struct ir_st {
  ir_run run;               /* executes the statement */
  int kind;                 /* enum urn_stmt_kind */
  int line, col;            /* source position */
  ir_ex *lhs, *rhs;         /* ASSIGN: target and value; TILDE: variate; TARGET: increment; RETURN */
  ir_ex **args;             /* TILDE: distribution arguments (variate first); PRINT/REJECT: items */
  int nargs;                /* number of args */
  int op;                   /* ASSIGN: enum urn_assign_op */
  const urn_builtin *bi;    /* TILDE: density; ASSIGN compound: the operator */
  ir_fun *fun;              /* TILDE: a user density */
  const urn_builtin *lcdf, *lccdf; /* TILDE: truncation */
  ir_fun *ulcdf, *ulccdf;   /* TILDE: truncation of a user density: the user's _lcdf / _lccdf */
  ir_ex *tlo, *thi;         /* TILDE: truncation bounds */
  int discrete;             /* TILDE: mass function */
  ir_ex *cond;              /* IF/WHILE condition */
  ir_ex *lo, *hi;           /* FOR bounds */
  int slot;                 /* DECL/FOR/FOREACH: the variable's slot */
  int global;               /* DECL/FOR/FOREACH: program-level slot (else function frame) */
  struct ir_decl *decl;     /* DECL: the declaration */
  ir_st **body;             /* BLOCK statements, or [0] the loop body / then branch, [1] else */
  int nbody;                /* number of body statements */
  int bslot;                /* batched loop: DECL of a per-iteration local, its index in the batch's locals */
  int bshadow;              /* batched loop: ASSIGN to an outer element: 1 + the index of its lane copy among the
                               batch's locals (read back later in the iteration), 0 for none */
  struct ir_batch *batch;   /* FOR: the plan when its iterations run batched (lang/batch.c), else NULL */
};

/* A resolved declaration (sized type, constraint, where it lives). */
typedef struct ir_decl {
  const char *name;         /* variable name */
  int line, col;            /* position */
  int origin;               /* enum urn_origin */
  int dtype;                /* enum urn_decl_type */
  urn_type ty;              /* unsized type */
  ir_ex **dims;             /* array sizes */
  int ndims;                /* number of array sizes */
  ir_ex *size1, *size2;     /* vector/matrix sizes */
  ir_ex *lower, *upper, *offset, *multiplier; /* constraint expressions or NULL */
  ir_ex *init;              /* initial value or NULL */
  int slot;                 /* slot index */
  int global;               /* program-level slot */
  struct ir_decl **comps;   /* TUPLE: one declaration per component (its own sizes, constraints) */
  int ncomps;               /* TUPLE: number of components */
} ir_decl;

struct ir_fun {
  const char *name;         /* function name */
  urn_type ret;             /* return type */
  int nparams;              /* number of parameters */
  int *param_slot;          /* frame slot of each parameter */
  urn_type *param_ty;       /* type of each parameter */
  int nslots;               /* frame size */
  ir_st *body;              /* the body, NULL until defined */
  int suffix;               /* enum urn_fun_suffix */
  int line, col;            /* position */
};

struct urn_prog {
  urn_arena arena;          /* owns the IR */
  const urn_program *ast;   /* the program (kept for messages) */
  const char *path;         /* program file name */
  int nglob;                /* program-level slots */
  ir_decl **decls[URN_BLK_COUNT]; /* top-level declarations of each block */
  int ndecls[URN_BLK_COUNT];      /* their count */
  ir_st **stmts[URN_BLK_COUNT];   /* statements of each block */
  int nstmts[URN_BLK_COUNT];      /* their count */
  ir_fun **funs;            /* user functions */
  int nfuns;                /* their count */
  const char **slot_name;   /* name of each program-level slot (messages) */
  int nobatch;              /* never batch loops (urn_model_options.no_batch: tests, debugging) */
};

/* Builds the IR of a parsed (and, if available, checked) program, with its own
 * type inference and overload resolution.  NULL and err (file:line:col) on error. */
urn_prog *urn_lower(const urn_program *p, urn_error *err);
/* urn_lower with loop batching and fusion off when nobatch (urn_model_options.no_batch). */
urn_prog *urn_lower_ex(const urn_program *p, int nobatch, urn_error *err);
void urn_prog_free(urn_prog *p);
/* Replaces every pure (data-only) non-trivial subexpression by its value,
 * evaluated with ev (whose glob holds data and transformed data). */
int urn_prog_fold(urn_prog *p, urn_ev *ev, urn_error *err);

/* Runs statements [0, n) with ev (sets up the setjmp itself: returns status). */
int urn_ev_run_block(urn_ev *ev, ir_st **stmts, int n);
void urn_ev_run(urn_ev *ev, const ir_st *s);
/* Calls user function f whose arguments are already in their slots of frame (f->nslots values): retypes int
 * arguments of real parameters and an int result of a real function, runs the body, stores the result in out. */
void urn_ev_call_frame(urn_ev *ev, const ir_fun *f, urn_val *frame, urn_val *out);
/* Evaluates a size expression to a non-negative int (rejects otherwise). */
int32_t urn_ev_size(urn_ev *ev, const ir_ex *e, const char *what);
/* The sizes of a declaration (array sizes, then rows and columns) into dim; returns how many. */
int urn_ev_decl_dims(urn_ev *ev, const ir_decl *d, int32_t *dim);
/* The number of values of a declaration of sizes dim (0 when a size is 0); more than 2^31 rejects ("size too
 * large"). */
size_t urn_ev_decl_total(urn_ev *ev, const ir_decl *d, const int32_t *dim, int nd);
/* Declares a variable: sizes its slot (NaN values) per the declaration.  A size memory cannot hold fails with
 * URN_ENOMEM naming the variable. */
void urn_ev_declare(urn_ev *ev, const ir_decl *d, urn_val *slot);

/* Convenience for builtins: evaluate a scalar expression. */
static inline int32_t urn_ev_scalar(urn_ev *ev, const ir_ex *e, double *out) { return e->s(ev, e, out); }

#endif
