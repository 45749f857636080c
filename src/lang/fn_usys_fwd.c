/* lang/fn_usys_fwd.c — a user system's function (urn_usys, lang/fn.h: the ODE
 * right-hand sides) run as a short list of scalar operations in forward mode,
 * instead of through the interpreter and the tape.
 *
 * An ODE solve calls the right-hand side f(t, y, ...) hundreds of times per
 * gradient, each time with its Jacobians df/dy and df/dp.  Interpreted, every
 * call allocates a frame and the state's tape nodes, walks the expression
 * tree, pushes a node per operation and sweeps the tape back once per state
 * component.  Here the body is translated once per solve (at its first call)
 * into operations on registers, each register holding a value and its
 * derivatives along D directions (the states, a second state for DAEs, then
 * the parameter-dependent entries of the other arguments, in urn_usys_run's
 * order), so that one pass gives f and both Jacobians.
 *
 * The subset: scalar code.  Declarations of scalars and of small local
 * arrays / vectors of constant size, `x = e` and `a[k] = e` (constant k),
 * if / else, `return` of a local array or of an array or vector literal;
 * expressions: literals, scalar arguments, entries of container arguments
 * (any index expression) and of local arrays (constant index), + - * / and
 * unary minus, &&, ||, c ? a : b and every scalar built-in call that the
 * interpreter runs through its scalar kernel (comparisons, exp, pow, ...).
 * The values are the interpreter's to the bit: the same operations in the
 * same order (the built-ins through the same kernels).  The derivatives are
 * the same chain rule summed in another order (forward instead of reverse),
 * equal to rounding.  A body outside the subset is never translated, and a
 * call that meets what the interpreter would reject (an index out of range,
 * an int overflow, the end of the body without a return) is declined and run
 * by the interpreter, which raises the error. */
#include <math.h>
#include <string.h>

#include "lang/eval_rt.h"
#include "lang/fn.h"

/* Operations. */
enum {
  FW_NOP,   /* nothing (a load done once at translation; removed by fw_squeeze) */
  FW_LOAD,  /* d = argument a's entry pos (its derivative row is fixed: set once) */
  FW_LOADW, /* FW_LOAD into a register that is also assigned: writes its derivative row every time */
  FW_LOADT, /* d = the state's entry pos, its derivative row the sensitivities' row pos (tangent layout) */
  FW_LOADI, /* d = argument a's entry val[b] (1-based; out of range declines) */
  FW_SETK,  /* d = k, derivatives 0 */
  FW_MOV,   /* d = a */
  FW_ADD,   /* d = a + b */
  FW_SUB,   /* d = a - b */
  FW_MUL,   /* d = a * b */
  FW_DIV,   /* d = a / b */
  FW_NEG,   /* d = -a */
  FW_NZ,    /* d = (a != 0) */
  FW_CALL,  /* d = the scalar built-in of call e on registers pool[pos .. pos + na) */
  FW_JZ,    /* jump to op b when a == 0 */
  FW_JNZ,   /* jump to op b when a != 0 */
  FW_JMP,   /* jump to op b */
  FW_RET,   /* return registers pool[pos .. pos + na) */
  FW_END    /* the body ended without a return: declined */
};

#define FW_MAXOPS 512  /* operations of a translated body */
#define FW_MAXREG 1024 /* its registers */
#define FW_MAXPOOL 1024 /* register lists (call arguments, returned values) */
#define FW_MAXD 64     /* derivative directions */
#define FW_MAXLOCAL 64 /* entries of a local array */

/* One operation. */
typedef struct fw_op {
  int op;          /* FW_* */
  int d;           /* destination register */
  int a, b;        /* operand registers; LOAD/LOADI: a is the argument; jumps: b is the target */
  int pos;         /* LOAD: the entry; CALL/RET: first register in the pool */
  int na;          /* CALL/RET: number of registers */
  double k;        /* SETK: the value */
  const ir_ex *e;  /* CALL: the call */
  double *rd;      /* the derivative row of d when d's derivatives may be non-zero, else NULL (set after translating) */
  const double *ra, *rb; /* the same for a and b (arithmetic and FW_MOV) */
} fw_op;

/* What a frame slot of the function holds while translating. */
typedef struct fw_bind {
  int kind;        /* 0 unbound, 1 argument, 2 local scalar, 3 local array */
  int arg;         /* argument index (kind 1) */
  int reg;         /* first register (kinds 2, 3) */
  int n;           /* entries (kind 3) */
} fw_bind;

/* The translated body (see lang/fn.h). */
struct urn_usys_fwd {
  fw_op *ops;            /* operations */
  int nops;              /* their number */
  int *pool;             /* register lists */
  int npool;             /* used */
  int nreg;              /* registers */
  unsigned char *var;    /* per register: its derivatives may be non-zero */
  unsigned char *movd;   /* per register: the target of an FW_MOV (translation only) */
  double *val;           /* per register: value */
  double *der;           /* per register: D derivatives (rows of non-var registers stay 0) */
  int D;                 /* directions: N states, N second states (DAE), then the Kp parameters; or (tangent layout)
                            the solver's K0 initial-state sensitivity directions, then the Kp parameters */
  int off;               /* the first parameter direction */
  int tan;               /* the tangent layout: derivatives along the sensitivities (urn_usys_fwd_tan) */
  const double *St;      /* during a tangent call: the sensitivities (N x D, direction k at k N) */
  int **adir;            /* per argument: the direction of each entry (-1: none), or NULL */
  const double **argv;   /* per argument: its values during a call */
  int hascall;           /* some operation is a built-in call */
  /* translation only */
  urn_usys *u;           /* the system */
  fw_bind *bind;         /* per frame slot */
  int nslots;            /* frame slots */
  int failed;            /* the body is outside the subset */
  int *unit;             /* LOAD registers and their fixed direction: pairs (register, direction) */
  int nunit;             /* pairs used */
};

typedef struct urn_usys_fwd fw;

/* ---- translation ---- */

static int fw_new_reg(fw *c, int var) {
  if (c->nreg >= FW_MAXREG) {
    c->failed = 1;
    return 0;
  }
  c->var[c->nreg] = (unsigned char)var;
  return c->nreg++;
}

static int fw_emit(fw *c, fw_op o) {
  if (c->nops >= FW_MAXOPS) {
    c->failed = 1;
    return 0;
  }
  c->ops[c->nops] = o;
  return c->nops++;
}

static int fw_pool(fw *c, int n) {
  if (c->npool + n > FW_MAXPOOL) {
    c->failed = 1;
    return 0;
  }
  int p = c->npool;
  c->npool += n;
  return p;
}

/* The directions of argument k's entries (built on first use). */
static int *fw_dirs(fw *c, int k) {
  if (c->adir[k]) return c->adir[k];
  urn_usys *u = c->u;
  size_t n = u->fargs[k].n;
  int *d = urn_arena_alloc(&u->ev->arena, (n ? n : 1) * sizeof *d);
  for (size_t i = 0; i < n; i++) /* (tangent layout: -2, a state's row comes from the sensitivities) */
    d[i] = k == u->ys ? (c->tan ? -2 : (int)i) : (u->ys2 > 0 && k == u->ys2) ? (int)(u->N + i) : -1;
  for (size_t q = 0; q < u->Kp; q++)
    if (u->p_arg[q] == k) d[u->p_pos[q]] = c->off + (int)q;
  return c->adir[k] = d;
}

/* An integer constant of the body, or -1. */
static long fw_const_index(const ir_ex *e) {
  if (e->s != rt_s_const || e->c != floor(e->c) || !(fabs(e->c) < 1e9)) return -1;
  return (long)e->c;
}

/* Argument k's entry pos into a new register. */
static int fw_load(fw *c, int k, size_t pos) {
  int dir = fw_dirs(c, k)[pos];
  int r = fw_new_reg(c, dir >= 0 || dir == -2);
  if (dir >= 0 && c->nunit < FW_MAXREG) c->unit[2 * c->nunit] = r, c->unit[2 * c->nunit + 1] = dir, c->nunit++;
  fw_emit(c, (fw_op){.op = dir == -2 ? FW_LOADT : FW_LOAD, .d = r, .a = k, .pos = (int)pos});
  return r;
}

/* Is argument k a 1-D container of scalars (or a scalar, n == 1) whose entries can be read by index? */
static int fw_arg_1d(const urn_val *x) {
  urn_type t = x->ty;
  if (t.dims == 1 && (t.base == URN_TY_REAL || t.base == URN_TY_INT)) return 1;
  return t.dims == 0 && (t.base == URN_TY_VECTOR || t.base == URN_TY_ROW_VECTOR);
}

static int fw_expr(fw *c, const ir_ex *e);

/* x[i] (rt_s_index1 / rt_s_index1v). */
static int fw_index(fw *c, const ir_ex *e) {
  const ir_ex *b = e->a[0], *ie = e->idx[0].lo;
  if (b->kind != URN_EX_VAR || b->global || b->slot < 0 || b->slot >= c->nslots) return c->failed = 1, 0;
  const fw_bind *bd = &c->bind[b->slot];
  long i = fw_const_index(ie);
  if (bd->kind == 3) {
    if (i < 1 || i > bd->n) return c->failed = 1, 0;
    return bd->reg + (int)i - 1;
  }
  if (bd->kind != 1) return c->failed = 1, 0;
  const urn_val *x = &c->u->fargs[bd->arg];
  if (!fw_arg_1d(x) || x->n != (size_t)x->dim[0] || x->n > (1u << 20)) return c->failed = 1, 0;
  if (i >= 1 && (size_t)i <= x->n) return fw_load(c, bd->arg, (size_t)i - 1);
  if (ie->s == rt_s_const) return c->failed = 1, 0; /* out of range: the interpreter's message */
  int ri = fw_expr(c, ie);
  int *d = fw_dirs(c, bd->arg), var = 0;
  for (size_t q = 0; q < x->n; q++) var |= d[q] >= 0 || d[q] == -2;
  int r = fw_new_reg(c, var);
  fw_emit(c, (fw_op){.op = FW_LOADI, .d = r, .a = bd->arg, .b = ri});
  return r;
}

/* A binary or unary arithmetic operation on new registers. */
static int fw_arith(fw *c, int op, const ir_ex *e) {
  int a = fw_expr(c, e->a[0]), b = op == FW_NEG ? a : fw_expr(c, e->a[1]);
  if (c->failed) return 0;
  int d = fw_new_reg(c, c->var[a] | c->var[b]);
  fw_emit(c, (fw_op){.op = op, .d = d, .a = a, .b = b});
  return d;
}

/* && and || (short-circuit) and c ? a : b. */
static int fw_branchy(fw *c, const ir_ex *e) {
  int a = fw_expr(c, e->a[0]);
  if (c->failed) return 0;
  if (e->s == rt_s_cond) {
    int j = fw_emit(c, (fw_op){.op = FW_JZ, .a = a});
    int x = fw_expr(c, e->a[1]);
    int d = fw_new_reg(c, 0);
    fw_emit(c, (fw_op){.op = FW_MOV, .d = d, .a = x});
    int jend = fw_emit(c, (fw_op){.op = FW_JMP});
    c->ops[j].b = c->nops;
    int y = fw_expr(c, e->a[2]);
    fw_emit(c, (fw_op){.op = FW_MOV, .d = d, .a = y});
    c->ops[jend].b = c->nops;
    if (!c->failed) c->var[d] = c->var[x] | c->var[y];
    return d;
  }
  int and = e->s == rt_s_and, d = fw_new_reg(c, 0);
  fw_emit(c, (fw_op){.op = FW_SETK, .d = d, .k = and ? 0 : 1});
  int j = fw_emit(c, (fw_op){.op = and ? FW_JZ : FW_JNZ, .a = a});
  int b = fw_expr(c, e->a[1]);
  fw_emit(c, (fw_op){.op = FW_NZ, .d = d, .a = b});
  c->ops[j].b = c->nops;
  return d;
}

/* A scalar built-in call (rt_s_call_scalar). */
static int fw_call(fw *c, const ir_ex *e) {
  if (!e->bi || !e->bi->sfn || e->na > 8) return c->failed = 1, 0;
  int p = fw_pool(c, e->na), var = 0;
  for (int i = 0; i < e->na && !c->failed; i++) {
    int r = fw_expr(c, e->a[i]);
    c->pool[p + i] = r, var |= c->var[r];
  }
  if (c->failed) return 0;
  int real = e->ty.base == URN_TY_REAL && !(e->bi->flags & (URN_BI_INTRET | URN_BI_NOVARS));
  int d = fw_new_reg(c, var && real);
  fw_emit(c, (fw_op){.op = FW_CALL, .d = d, .pos = p, .na = e->na, .e = e});
  c->hascall = 1;
  return d;
}

/* A scalar expression into a register (the interpreter's scalar form decides). */
static int fw_expr(fw *c, const ir_ex *e) {
  if (c->failed || !e->s) return c->failed = 1, 0;
  if (e->s == rt_s_const) {
    int d = fw_new_reg(c, 0);
    fw_emit(c, (fw_op){.op = FW_SETK, .d = d, .k = e->c});
    return d;
  }
  if (e->s == rt_s_var) {
    if (e->global || e->slot < 0 || e->slot >= c->nslots) return c->failed = 1, 0;
    const fw_bind *bd = &c->bind[e->slot];
    if (bd->kind == 2) return bd->reg;
    if (bd->kind == 1 && c->u->fargs[bd->arg].n == 1 && urn_is_scalar(c->u->fargs[bd->arg].ty))
      return fw_load(c, bd->arg, 0);
    return c->failed = 1, 0;
  }
  if (e->s == rt_s_index1 || e->s == rt_s_index1v) return fw_index(c, e);
  if (e->s == rt_s_add) return fw_arith(c, FW_ADD, e);
  if (e->s == rt_s_sub) return fw_arith(c, FW_SUB, e);
  if (e->s == rt_s_mul) return fw_arith(c, FW_MUL, e);
  if (e->s == rt_s_div) return fw_arith(c, FW_DIV, e);
  if (e->s == rt_s_neg) return fw_arith(c, FW_NEG, e);
  if (e->s == rt_s_and || e->s == rt_s_or || e->s == rt_s_cond) return fw_branchy(c, e);
  if (e->s == rt_s_call_scalar) return fw_call(c, e);
  return c->failed = 1, 0;
}

/* The scalar elements of an array or vector literal (or of a row-vector literal's transpose) into the pool:
 * its first index, or -1. */
static int fw_literal(fw *c, const ir_ex *e, int *n) {
  if (e->kind == URN_EX_UNARY && e->op == URN_OP_TRANSPOSE && e->na == 1 && e->a[0]->g == rt_g_rowvec &&
      e->ty.base == URN_TY_VECTOR)
    e = e->a[0];
  if (!(e->g == rt_g_array && e->ty.dims == 1) && e->g != rt_g_rowvec) return -1;
  int p = fw_pool(c, e->na);
  for (int i = 0; i < e->na && !c->failed; i++) {
    if (!urn_is_scalar(e->a[i]->ty)) return c->failed = 1, -1;
    c->pool[p + i] = fw_expr(c, e->a[i]);
  }
  *n = e->na;
  return c->failed ? -1 : p;
}

/* d = a, and d's derivatives may become non-zero. */
static void fw_mov(fw *c, int d, int a) {
  if (c->failed) return;
  fw_emit(c, (fw_op){.op = FW_MOV, .d = d, .a = a});
  c->var[d] |= c->var[a];
  c->movd[d] = 1;
}

/* A local array or vector of constant size (run_decl), with an optional literal initial value. */
static void fw_decl_array(fw *c, const ir_st *s) {
  const ir_decl *dc = s->decl;
  urn_type t = dc->ty;
  long n;
  if (t.dims == 1 && (t.base == URN_TY_REAL || t.base == URN_TY_INT) && dc->ndims == 1) n = fw_const_index(dc->dims[0]);
  else if (t.dims == 0 && (t.base == URN_TY_VECTOR || t.base == URN_TY_ROW_VECTOR) && dc->size1)
    n = fw_const_index(dc->size1);
  else n = -1;
  if (n < 0 || n > FW_MAXLOCAL || dc->lower || dc->upper || dc->offset || dc->multiplier || s->global ||
      s->slot < 0 || s->slot >= c->nslots)
    return (void)(c->failed = 1);
  int base = c->nreg;
  for (long i = 0; i < n; i++) {
    int r = fw_new_reg(c, 0);
    fw_emit(c, (fw_op){.op = FW_SETK, .d = r, .k = t.base == URN_TY_INT ? -2147483648.0 : NAN});
  }
  if (s->rhs) {
    int m = 0, p = fw_literal(c, s->rhs, &m);
    if (p < 0 || m != n) return (void)(c->failed = 1);
    for (int i = 0; i < m; i++) fw_mov(c, base + i, c->pool[p + i]);
  }
  c->bind[s->slot] = (fw_bind){.kind = 3, .reg = base, .n = (int)n};
}

static void fw_stmt(fw *c, const ir_st *s);

/* return e: a local array of N entries or a literal of N scalars. */
static void fw_return(fw *c, const ir_st *s) {
  const ir_ex *e = s->rhs;
  size_t N = c->u->N;
  if (!e) return (void)(c->failed = 1);
  if (e->kind == URN_EX_VAR && !e->global && e->slot >= 0 && e->slot < c->nslots && c->bind[e->slot].kind == 3) {
    const fw_bind *bd = &c->bind[e->slot];
    if ((size_t)bd->n != N) return (void)(c->failed = 1);
    int p = fw_pool(c, bd->n);
    for (int i = 0; i < bd->n && !c->failed; i++) c->pool[p + i] = bd->reg + i;
    fw_emit(c, (fw_op){.op = FW_RET, .pos = p, .na = bd->n});
    return;
  }
  int n = 0, p = fw_literal(c, e, &n);
  if (p < 0 || (size_t)n != N) return (void)(c->failed = 1);
  fw_emit(c, (fw_op){.op = FW_RET, .pos = p, .na = n});
}

static void fw_stmt(fw *c, const ir_st *s) {
  if (c->failed) return;
  if (s->run == rt_run_fn(URN_ST_BLOCK, 0)) {
    for (int i = 0; i < s->nbody; i++) fw_stmt(c, s->body[i]);
  } else if (s->run == rt_run_fn(URN_ST_EMPTY, 0)) {
  } else if (s->run == rt_run_fn(URN_ST_DECL, 1)) { /* a scalar */
    if (s->global || s->slot < 0 || s->slot >= c->nslots) return (void)(c->failed = 1);
    int r;
    if (s->rhs) {
      /* the value's register when it is a temporary of this expression (no other name reads it), else a copy */
      int first = c->nreg, x = fw_expr(c, s->rhs);
      r = x >= first ? x : fw_new_reg(c, 0);
      if (r != x) fw_mov(c, r, x);
    } else {
      r = fw_new_reg(c, 0);
      fw_emit(c, (fw_op){.op = FW_SETK, .d = r, .k = s->decl->ty.base == URN_TY_INT ? -2147483648.0 : NAN});
    }
    c->bind[s->slot] = (fw_bind){.kind = 2, .reg = r};
  } else if (s->run == rt_run_fn(URN_ST_DECL, 0) && s->kind == URN_ST_DECL) {
    fw_decl_array(c, s);
  } else if (s->run == rt_run_fn(URN_ST_ASSIGN, 1)) { /* x = scalar */
    const ir_ex *l = s->lhs;
    if (l->global || l->slot < 0 || l->slot >= c->nslots || c->bind[l->slot].kind != 2) return (void)(c->failed = 1);
    fw_mov(c, c->bind[l->slot].reg, fw_expr(c, s->rhs));
  } else if (s->run == rt_run_fn(URN_ST_ASSIGN, 2)) { /* a[k] = scalar */
    const ir_ex *l = s->lhs, *b = l->a[0];
    if (l->nidx != 1 || b->global || b->slot < 0 || b->slot >= c->nslots || c->bind[b->slot].kind != 3)
      return (void)(c->failed = 1);
    long i = fw_const_index(l->idx[0].lo);
    if (i < 1 || i > c->bind[b->slot].n) return (void)(c->failed = 1);
    fw_mov(c, c->bind[b->slot].reg + (int)i - 1, fw_expr(c, s->rhs));
  } else if (s->run == rt_run_fn(URN_ST_IF, 0)) {
    int a = fw_expr(c, s->cond);
    int j = fw_emit(c, (fw_op){.op = FW_JZ, .a = a});
    fw_stmt(c, s->body[0]);
    if (s->nbody > 1 && s->body[1]) {
      int jend = fw_emit(c, (fw_op){.op = FW_JMP});
      c->ops[j].b = c->nops;
      fw_stmt(c, s->body[1]);
      c->ops[jend].b = c->nops;
    } else {
      c->ops[j].b = c->nops;
    }
  } else if (s->run == rt_run_fn(URN_ST_RETURN, 0)) {
    fw_return(c, s);
  } else {
    c->failed = 1;
  }
}

/* Removes the FW_NOP operations, moving the jump targets. */
static void fw_squeeze(fw *c) {
  int *to = urn_arena_alloc(&c->u->ev->arena, (size_t)(c->nops + 1) * sizeof *to), m = 0;
  for (int i = 0; i < c->nops; i++) {
    to[i] = m;
    if (c->ops[i].op != FW_NOP) m++;
  }
  to[c->nops] = m;
  m = 0;
  for (int i = 0; i < c->nops; i++) {
    fw_op o = c->ops[i];
    if (o.op == FW_NOP) continue;
    if (o.op == FW_JZ || o.op == FW_JNZ || o.op == FW_JMP) o.b = to[o.b];
    c->ops[m++] = o;
  }
  c->nops = m;
}

urn_usys_fwd *urn_usys_fwd_compile(urn_usys *u, long tan_K0) {
  urn_ev *ev = u->ev;
  const ir_fun *f = u->f;
  int two = u->ys2 > 0, tan = tan_K0 >= 0;
  size_t off = tan ? (size_t)tan_K0 : u->N * (two ? 2 : 1), D = off + u->Kp;
  if (!f->body || (ev->prog && ev->prog->nobatch) || D > FW_MAXD || f->nparams != u->nfargs || (tan && two))
    return NULL;
  urn_arena *ar = &ev->arena;
  fw *c = urn_arena_alloc(ar, sizeof *c);
  c->u = u, c->D = (int)D, c->off = (int)off, c->tan = tan;
  c->nslots = f->nslots;
  c->bind = urn_arena_alloc(ar, (size_t)(f->nslots ? f->nslots : 1) * sizeof *c->bind);
  for (int i = 0; i < f->nparams; i++)
    if (f->param_slot[i] >= 0 && f->param_slot[i] < f->nslots) c->bind[f->param_slot[i]] = (fw_bind){.kind = 1, .arg = i};
  c->ops = urn_arena_alloc(ar, FW_MAXOPS * sizeof *c->ops);
  c->pool = urn_arena_alloc(ar, FW_MAXPOOL * sizeof *c->pool);
  c->var = urn_arena_alloc(ar, FW_MAXREG);
  c->movd = urn_arena_alloc(ar, FW_MAXREG);
  c->unit = urn_arena_alloc(ar, 2 * FW_MAXREG * sizeof *c->unit);
  c->adir = urn_arena_alloc(ar, (size_t)u->nfargs * sizeof *c->adir);
  c->argv = urn_arena_alloc(ar, (size_t)u->nfargs * sizeof *c->argv);
  fw_stmt(c, f->body);
  fw_emit(c, (fw_op){.op = FW_END});
  if (c->failed) return NULL;
  for (int i = 0; i < c->nops; i++) {
    fw_op *o = &c->ops[i];
    if (o->op != FW_LOAD) continue;
    if (c->movd[o->d]) o->op = FW_LOADW;
    /* an entry of an argument fixed for the solve (not a state, not the time) into a register nothing assigns:
     * loaded once here (its value never changes), the operation kept as a no-op */
    else if (o->a != 0 && o->a != u->ys && !(u->ys2 > 0 && o->a == u->ys2)) o->op = FW_NOP;
  }
  c->val = urn_arena_alloc(ar, (size_t)c->nreg * sizeof *c->val);
  c->der = urn_arena_alloc(ar, (size_t)c->nreg * D * sizeof *c->der); /* zeroed */
  for (int i = 0; i < c->nunit; i++) c->der[(size_t)c->unit[2 * i] * D + (size_t)c->unit[2 * i + 1]] = 1;
  for (int i = 0; i < c->nops; i++) {
    fw_op *o = &c->ops[i];
    int arith = o->op == FW_MOV || (o->op >= FW_ADD && o->op <= FW_NEG);
    if (o->op == FW_LOAD || (o->op >= FW_NZ && o->op != FW_CALL)) continue;
    o->rd = c->var[o->d] ? c->der + (size_t)o->d * D : NULL;
    o->ra = arith && c->var[o->a] ? c->der + (size_t)o->a * D : NULL;
    o->rb = arith && o->op != FW_MOV && o->op != FW_NEG && c->var[o->b] ? c->der + (size_t)o->b * D : NULL;
  }
  for (int k = 0; k < u->nfargs; k++) c->argv[k] = u->fargs[k].v;
  for (int i = 0; i < c->nops; i++)
    if (c->ops[i].op == FW_NOP) c->val[c->ops[i].d] = c->argv[c->ops[i].a][c->ops[i].pos];
  fw_squeeze(c);
  return c;
}

/* ---- evaluation ---- */

/* Derivative rows are a few doubles: loops, not library calls. */
static inline void fw_zero(double *d, int n) {
  for (int j = 0; j < n; j++) d[j] = 0;
}
static inline void fw_copy(double *d, const double *s, int n) {
  for (int j = 0; j < n; j++) d[j] = s[j];
}

/* d = p a + q b (a or b NULL: no such term); a non-finite p or q leaves the zero entries of its row alone (as the
 * reverse sweep skips zero adjoints).  d is another register's row than a's and b's. */
static inline void fw_lin2(double *restrict d, double p, const double *a, double q, const double *b, int n) {
  int fin = (!a || isfinite(p)) && (!b || isfinite(q));
  if (fin && a && b) {
    for (int j = 0; j < n; j++) d[j] = p * a[j] + q * b[j];
  } else if (fin && a) {
    for (int j = 0; j < n; j++) d[j] = p * a[j];
  } else if (fin && b) {
    for (int j = 0; j < n; j++) d[j] = q * b[j];
  } else {
    for (int j = 0; j < n; j++) {
      double s = 0;
      if (a && (a[j] != 0 || isfinite(p))) s += p * a[j];
      if (b && (b[j] != 0 || isfinite(q))) s += q * b[j];
      d[j] = s;
    }
  }
}

/* d[0..n) += p s[0..n); a non-finite p leaves the zero entries of s alone (as the reverse sweep skips them). */
static inline void fw_axpy(double *d, double p, const double *s, int n) {
  if (isfinite(p)) {
    for (int j = 0; j < n; j++) d[j] += p * s[j];
  } else {
    for (int j = 0; j < n; j++)
      if (s[j] != 0) d[j] += p * s[j];
  }
}

/* A built-in call: the value through the interpreter's scalar kernel and, with derivatives, the partials: the
 * unary / binary math kernels' own (lang/fn_math.c), other built-ins' from the node their scalar function pushes
 * for fresh inputs.  0 when declined (an int result out of range). */
static int fw_run_call(fw *c, const fw_op *o, int Dm) {
  urn_usys *u = c->u;
  urn_ev *ev = u->ev;
  const ir_ex *e = o->e;
  const urn_builtin *bi = e->bi;
  double x[8], part[8] = {0};
  int32_t ix[8];
  int n = o->na, deriv = Dm > 0 && c->var[o->d];
  if (bi->sfn == urn_fn_unary_s || bi->sfn == urn_fn_binary_s) {
    /* the interpreter's kernel itself: the same value and partials, no tape */
    double out, dx = 0, dy = 0;
    const double *a = c->val + c->pool[o->pos];
    if (bi->sfn == urn_fn_unary_s) {
      const urn_unary_kernel *k = bi->aux;
      out = k->f(a[0]);
      if (deriv) dx = k->df(a[0], out);
    } else {
      ((urn_binary_kernel)(uintptr_t)bi->aux)(a[0], c->val[c->pool[o->pos + 1]], &out, &dx, &dy);
    }
    if (e->ty.base == URN_TY_INT && !(out >= -2147483648.0 && out <= 2147483647.0)) return 0;
    c->val[o->d] = out;
    if (deriv) {
      int ra = c->pool[o->pos], rb = n > 1 ? c->pool[o->pos + 1] : 0;
      fw_lin2(c->der + (size_t)o->d * c->D, dx, c->var[ra] ? c->der + (size_t)ra * c->D : NULL, dy,
              n > 1 && c->var[rb] ? c->der + (size_t)rb * c->D : NULL, Dm);
    }
    return 1;
  }
  urn_tape *tp = &ev->tape;
  size_t mark = tp->n, pmark = tp->np, cbmark = tp->ncb;
  for (int i = 0; i < n; i++) {
    int r = c->pool[o->pos + i];
    x[i] = c->val[r];
    ix[i] = deriv && c->var[r] ? urn_tape_var(tp, x[i]) : -1;
  }
  u->outer = ev->arena, ev->arena = u->priv, u->swapped = 1;
  double out;
  int32_t root = bi->sfn(ev, bi, x, ix, &out);
  if (deriv && root >= 0) {
    int direct = (size_t)root == tp->n - 1 && tp->ncb == cbmark;
    for (uint32_t k = tp->start[root]; direct && k < tp->start[root + 1]; k++)
      direct = (size_t)tp->opnd[k] >= mark && (size_t)tp->opnd[k] < mark + (size_t)n;
    if (direct) {
      for (uint32_t k = tp->start[root]; k < tp->start[root + 1]; k++)
        for (int i = 0; i < n; i++)
          if (ix[i] == tp->opnd[k]) part[i] += tp->part[k];
    } else {
      urn_fn_local_sweep(tp, mark, cbmark, root);
      for (int i = 0; i < n; i++)
        if (ix[i] >= 0) part[i] = tp->adj[ix[i]];
    }
  }
  tp->n = mark, tp->np = pmark, tp->ncb = cbmark;
  u->priv = ev->arena, ev->arena = u->outer, u->swapped = 0;
  urn_arena_reset(&u->priv);
  if (e->ty.base == URN_TY_INT && !(out >= -2147483648.0 && out <= 2147483647.0)) return 0;
  c->val[o->d] = out;
  if (deriv) {
    double *dd = c->der + (size_t)o->d * c->D;
    fw_zero(dd, Dm);
    for (int i = 0; i < n; i++)
      if (ix[i] >= 0 && part[i] != 0) fw_axpy(dd, part[i], c->der + (size_t)c->pool[o->pos + i] * c->D, Dm);
  }
  return 1;
}

/* Runs the operations with Dm derivative directions: the FW_RET operation reached, or NULL when declined. */
static const fw_op *fw_exec(fw *c, int Dm) {
  urn_usys *u = c->u;
  double *val = c->val;
  for (const fw_op *o = c->ops;; o++) {
    double *dd = Dm ? o->rd : NULL; /* d's derivatives, when wanted and possibly non-zero */
    switch (o->op) {
      case FW_LOAD: val[o->d] = c->argv[o->a][o->pos]; break;
      case FW_LOADT:
        val[o->d] = c->argv[o->a][o->pos];
        if (dd)
          for (int k = 0; k < Dm; k++) dd[k] = c->St[(size_t)k * u->N + (size_t)o->pos];
        break;
      case FW_LOADW:
      case FW_LOADI: {
        size_t i = (size_t)o->pos;
        if (o->op == FW_LOADI) {
          double iv = val[o->b];
          if (!(iv >= 1 && iv <= (double)u->fargs[o->a].n)) return NULL;
          i = (size_t)iv - 1;
        }
        val[o->d] = c->argv[o->a][i];
        if (dd) {
          int dir = c->adir[o->a][i];
          if (dir == -2) {
            for (int k = 0; k < Dm; k++) dd[k] = c->St[(size_t)k * u->N + i];
          } else {
            fw_zero(dd, Dm);
            if (dir >= 0 && dir < Dm) dd[dir] = 1;
          }
        }
        break;
      }
      case FW_SETK:
        val[o->d] = o->k;
        if (dd) fw_zero(dd, Dm);
        break;
      case FW_MOV:
        val[o->d] = val[o->a];
        if (dd) {
          if (o->ra) fw_copy(dd, o->ra, Dm);
          else fw_zero(dd, Dm);
        }
        break;
      case FW_ADD:
        val[o->d] = val[o->a] + val[o->b];
        if (dd) fw_lin2(dd, 1, o->ra, 1, o->rb, Dm);
        break;
      case FW_SUB:
        val[o->d] = val[o->a] - val[o->b];
        if (dd) fw_lin2(dd, 1, o->ra, -1, o->rb, Dm);
        break;
      case FW_MUL: {
        double x = val[o->a], yv = val[o->b];
        val[o->d] = x * yv;
        if (dd) fw_lin2(dd, yv, o->ra, x, o->rb, Dm);
        break;
      }
      case FW_DIV: {
        double yv = val[o->b], q = val[o->a] / yv;
        val[o->d] = q;
        if (dd) fw_lin2(dd, 1 / yv, o->ra, -q / yv, o->rb, Dm);
        break;
      }
      case FW_NEG:
        val[o->d] = -val[o->a];
        if (dd) fw_lin2(dd, -1, o->ra, 0, NULL, Dm);
        break;
      case FW_NZ: val[o->d] = val[o->a] != 0; break;
      case FW_CALL:
        if (!fw_run_call(c, o, Dm)) return NULL;
        break;
      case FW_JZ:
        if (val[o->a] == 0) o = c->ops + o->b - 1;
        break;
      case FW_JNZ:
        if (val[o->a] != 0) o = c->ops + o->b - 1;
        break;
      case FW_JMP: o = c->ops + o->b - 1; break;
      case FW_RET: return o;
      default: return NULL; /* FW_END */
    }
  }
}

int urn_usys_fwd_run(urn_usys *u, const double *y, const double *y2, double *out, int mode) {
  fw *c = u->fwd;
  size_t D = (size_t)c->D, N = u->N;
  if (mode > 0 && c->tan) return 0;
  c->argv[u->ys] = y;
  if (u->ys2 > 0) c->argv[u->ys2] = y2;
  const fw_op *o = fw_exec(c, mode <= 0 ? 0 : mode == 1 ? c->off : c->D);
  if (!o) return 0;
  const int *r = c->pool + o->pos;
  for (size_t i = 0; i < N; i++) out[i] = c->val[r[i]];
  if (mode <= 0) return 1;
  size_t off = (size_t)c->off, Kp = u->Kp;
  for (size_t i = 0; i < N; i++) {
    const double *g = c->der + (size_t)r[i] * D; /* zeros for a constant value */
    for (size_t j = 0; j < N; j++) u->J[i * N + j] = g[j];
    if (u->ys2 > 0)
      for (size_t j = 0; j < N; j++) u->J2[i * N + j] = g[N + j];
    if (mode == 2)
      for (size_t k = 0; k < Kp; k++) u->Jp[i * Kp + k] = g[off + k];
  }
  return 1;
}

int urn_usys_fwd_tan(urn_usys *u, const double *y, const double *St, double *out, double *dS) {
  fw *c = u->fwd;
  size_t D = (size_t)c->D, N = u->N;
  if (!c->tan) return 0;
  c->argv[u->ys] = y, c->St = St;
  const fw_op *o = fw_exec(c, c->D);
  if (!o) return 0;
  const int *r = c->pool + o->pos;
  for (size_t i = 0; i < N; i++) {
    out[i] = c->val[r[i]];
    const double *g = c->der + (size_t)r[i] * D; /* zeros for a constant value */
    for (size_t k = 0; k < D; k++) dS[k * N + i] = g[k];
  }
  return 1;
}
