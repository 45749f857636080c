/* native/emit.c — the model block (and the transformed parameters block) of a resolved program as C: a forward
 * pass that computes every value and records every tape node's partials (in a flat buffer instead of the tape),
 * then a reverse pass that replays them newest first, so that each adjoint is the same sum of the same products
 * in the same order as the tape's sweep (ad/tape.c), and every value is the same expression the evaluator's node
 * function computes (lang/eval.c: rt_s_add..rt_s_neg, normal3; distributions through the same urn_dist functions
 * and memos).
 *
 * The subset (anything else: no native code, the interpreter runs): the model block's `~` and `target +=` of a
 * distribution (no truncation; fused vectorised arguments as lang/batch.c's urn_fused_dist evaluates them, outside
 * batched loops), `for` loops over int bounds (batched or not: the batched order equals the ordinary one, checked
 * before a chain switches), blocks; scalar arguments built from literals, data, parameters, loop variables, x[i] on
 * 1-D containers (i any int expression of the same kinds, gathers through data arrays included), + - * / unary -,
 * the elementwise kernels and densities; container arguments that are whole variables (vectors, matrices, arrays:
 * multivariate densities and GLMs included), rows x[i] of 2-D arrays and arrays of vectors, and X * b (a matrix
 * variable times a vector variable, lang/fn_ops.c's matmul).  Since session 9 also the transformed parameters block
 * in front of it (emit_program; its variables are the code's locals, checked at its end as run_params checks them;
 * when it is outside the subset the interpreter runs it as before), user functions returning a real (emit_ucall:
 * inlined), `c ? a : b` on data (emit_tern: the statement once per branch), elementwise vector expressions
 * (emit_vexpr: assigned whole or as density arguments), and batched stores of that block as lanes (tp_batch_ok).
 * Batched loops of the model block follow the ordinary order, so (session 10) only in the shapes where batch.c's
 * lanes give its bits (bl_check: at most two partials other than +-1 on a path, no loop-invariant operation on
 * parameters other than those computed before the loop, no leaf read twice in a statement, locals read once; else the
 * program is refused), matrix rows as density arguments and matrix locals filled by columns (emit_col_assign). 
 * Which values are nodes is static: a parameter-dependent (!novar) expression is a node, because every value
 * of a slot read as a parameter has a node (run.c checks it per evaluation). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/eval_rt.h"
#include "lang/fn.h"
#include "math/dist.h"
#include "native/native.h"

/* What a scalar expression produced. */
enum { NR_CONST, NR_LEAF, NR_NODE, NR_RUN, NR_LOCAL, NR_LRUN, NR_MV, NR_LSEG, NR_SEG, NR_LMROW };
typedef struct nref {
  int kind;  /* NR_CONST (no node), NR_LEAF (an earlier tape node), NR_NODE (a node of this statement) */
  int v;     /* the C variable vN holding its value */
  int x;     /* NR_LEAF: the C variable xN holding its tape node */
  int node;  /* NR_NODE: its number among the statement's nodes */
  int loc;   /* NR_LOCAL: the local's C number (LvN, LrN, LaN); its element offset is in C variable oX (X = v) */
} nref;

/* One operand of a node of the statement being emitted. */
typedef struct nop {
  int kind;  /* NR_LEAF, NR_NODE, or NR_RUN: every value of a slot (a container argument) */
  int ref;   /* NR_LEAF: offset in the statement's L record; NR_NODE: node number; NR_RUN: slot index */
  int off;   /* offset of its partial in the statement's P record (NR_RUN: of its partials' array in Q) */
  int row;   /* NR_RUN: -1 (every value of the slot), or the L record entry of the row index oN (a row x[i] of a 2-D
                array or an array of vectors: C values from i * C) */
  int loc;   /* NR_LOCAL / NR_LRUN / NR_LMROW (a row of a matrix local): the local's C number.  A local element holds a value and a reference: an
                earlier tape node (>= 0), or -2: a node of an earlier statement whose adjoint is LaN[element]
                (the reverse of the statement that made it takes it from there), or -1: a constant
                (its partials go nowhere: the interpreter makes no node there, the same leaves get the same sums) */
} nop;

#define NAT_MAX_OPS 16
#define NAT_MAX_NODES 64
#define NAT_MAX_REC 256
/* A tape node the statement creates (in creation order). */
typedef struct nnode {
  nop op[NAT_MAX_OPS]; /* operands in the order of the node's partials */
  int nop;             /* their number */
  char *extra;         /* reverse code after the operands' (malloc'd), or NULL: a matrix-vector product's nodes */
} nnode;

/* The emission state. */
typedef struct emitter {
  nat_prog *np;               /* the program being built */
  const urn_prog *p;          /* the resolved program */
  urn_buf *f;                 /* where forward code goes */
  int nv;                     /* C variables numbered so far */
  nnode node[NAT_MAX_NODES];  /* nodes of the current statement */
  int nnode;                  /* their number */
  int pc, lc, qc;             /* the current statement's P, L, Q record sizes */
  int pvar[NAT_MAX_REC];      /* P record entry i: the C variable pN holding the partial */
  int lvar[NAT_MAX_REC];      /* L record entry i: the C variable xN holding the leaf's node */
  int qvar[NAT_MAX_REC];      /* Q record entry i: the C variable qN holding the partials' array */
  int loop_slot[32], loop_var[32]; /* enclosing loops: their slot and C variable iN */
  int nloop;                  /* their number */
  const ir_st *loop_st[32];   /* enclosing loops: their statements */
  int loc_slot[64], loc_scalar[64]; /* model-block locals: their slot, 1 for a real scalar */
  int loc_init0[64];          /* a scalar local declared with a value outside any loop; a container declared there */
  int loc_wdone[64];          /* a vector local's one writing statement has been emitted */
  int loc_dims[64];           /* a container local's index dimensions: 1 (vector, 1-D array), 2 (2-D array, array of
                                 vectors, matrix: LRk rows of LCk), 3 (3-D real array: LRk x LCk x LDk, row-major) */
  int loc_mat[64];            /* a matrix local (column-major: element (i, j) at i + j * LRk; else i * LCk + j) */
  int nloc;                   /* their number (the C number of local i is i) */
  int *wcount;                /* per program slot: the model block's assignments to it */
  const ir_st **wloop;        /* per program slot: when its assignments are one `x[i] = e` with i the variable of
                                 a top-level loop, that loop, else NULL */
  int recomp;                 /* the current statement's reverse may recompute its partials from its forward
                                 code (no records): it calls no distribution function and every local it reads
                                 keeps its value until the reverse (written once, before) */
  size_t cstart, cend;        /* recomp: the statement's forward code that computes values and partials */
  urn_buf pre;                /* declarations of the locals' storage, at the top of the function */
  urn_buf fxr;                /* a fused distribution call's reverse callback (emit_fused), for node fxnode */
  int fxnode;                 /* the node of the current statement whose reverse ends with fxr, or -1 */
  int nbatch;                 /* enclosing loops that the interpreter batches (urn_batch_run) */
  nref *fbind;                /* the user function being inlined: its frame slots' values (emit_ucall), or NULL */
  unsigned char *fbound;      /* which of them are bound */
  int nfslots;                /* their number */
  int fdepth;                 /* user functions being inlined, nested */
  const ir_ex *tern[4];       /* conditionals on data whose branch the current statement copy takes (emit_tern) */
  int tern_pick[4];           /* 1: the then branch, 0: the else branch */
  int ntern;                  /* their number */
  int in_tp;                  /* emitting the transformed parameters block */
  int alias_chk;              /* a local read must not be a parameter's node itself (tp_batch_ok): declined if so */
  const ir_st *bt_store;      /* a batched store emitted as its lanes make it (tp_batch_ok), or NULL */
  const ir_st *ord_loop;      /* a batched loop being emitted as the ordinary loop (its 0 or 1 iteration: emit_for_split) */
  const ir_st *lane_loop;     /* a batched loop being emitted as its lanes (2 or more iterations: emit_for_split) */
  const ir_st *li_loop;       /* a batched loop whose increments are emitted as the lanes make them (li_check), or NULL */
  int li_slot[8];             /* li_loop: the per-iteration locals of the unit being emitted (their slots) */
  struct bt_val *li_val[8];   /* and their lane values (bt_lane: value and terms) */
  int nli;                    /* their number */
  int vj;                     /* emit_velem: the C variable jN of the element being computed */
  struct vctx *vc;            /* emit_velem: the vector expression's operands */
  const ir_ex *vtmp_ex[NAT_MAX_ARGS]; /* density arguments computed before their statement (emit_vtemps) */
  int vtmp_loc[NAT_MAX_ARGS]; /* their temporary locals */
  int nvtmp;                  /* their number */
  const struct lanes *hoist;  /* a batched loop's invariants computed before it (bl_check), read as locals, or NULL */
  int hoist_again;            /* that loop is inside another loop: its invariants are set again before a reverse */
} emitter;

static int fail(emitter *E, int line, int col, const char *what) {
  if (!E->np->why[0]) snprintf(E->np->why, sizeof E->np->why, "%d:%d: %s", line, col, what);
  return -1;
}
#define FAIL(e, what) fail(E, (e)->line, (e)->col, what)

/* The index of slot s in the program's slot list (added on first use). */
static int use_slot(emitter *E, int s, int var) {
  nat_prog *np = E->np;
  for (int i = 0; i < np->nslots; i++)
    if (np->slots[i] == s) { np->slot_var[i] |= (unsigned char)var; return i; }
  if (np->nslots == np->capslots) {
    np->capslots = np->capslots ? 2 * np->capslots : 16;
    np->slots = urn_xrealloc(np->slots, (size_t)np->capslots * sizeof *np->slots);
    np->slot_var = urn_xrealloc(np->slot_var, (size_t)np->capslots);
  }
  np->slots[np->nslots] = s, np->slot_var[np->nslots] = (unsigned char)var;
  return np->nslots++;
}

static int loop_var_of(const emitter *E, const ir_ex *e) {
  for (int i = E->nloop; i-- > 0;)
    if (e->global && E->loop_slot[i] == e->slot) return E->loop_var[i];
  return -1;
}

/* Adds operand r (NR_LEAF or NR_NODE; constants are no operand) with its partial in pN to node k. */
static int add_op(emitter *E, int k, nref r, int pvar) {
  if (r.kind == NR_CONST) return 0;
  nnode *n = &E->node[k];
  if (n->nop == NAT_MAX_OPS || E->pc == NAT_MAX_REC || E->lc == NAT_MAX_REC) return -1;
  nop *o = &n->op[n->nop++];
  o->kind = r.kind, o->off = E->pc;
  E->pvar[E->pc++] = pvar;
  if (r.kind == NR_LEAF) o->ref = E->lc, E->lvar[E->lc++] = r.x;
  else if (r.kind == NR_LOCAL) {
    if (E->lc + 2 > NAT_MAX_REC) return -1;
    o->ref = E->lc, o->loc = r.loc, E->lvar[E->lc++] = r.x, E->lvar[E->lc++] = -1 - r.v; /* -1 - v: oV */
  } else o->ref = r.node;
  return 0;
}

static int new_node(emitter *E) {
  if (E->nnode == NAT_MAX_NODES) return -1;
  E->node[E->nnode].nop = 0, E->node[E->nnode].extra = NULL;
  return E->nnode++;
}

/* A double as C source, exactly. */
static void put_double(urn_buf *b, double x) {
  if (x != x) urn_buf_puts(b, "(0.0 / 0.0)");
  else if (x == 1.0 / 0.0) urn_buf_puts(b, "(1.0 / 0.0)");
  else if (x == -1.0 / 0.0) urn_buf_puts(b, "(-1.0 / 0.0)");
  else urn_buf_printf(b, "%a", x);
}

static int emit_scalar(emitter *E, const ir_ex *e, nref *out);
static int hoist_read(emitter *E, const ir_ex *e, nref *out);
static int emit_vexpr(emitter *E, const ir_st *s, const ir_ex *e, int k, urn_buf *f, urn_buf *r);
static int emit_vexpr_at(emitter *E, const ir_st *s, const ir_ex *e, int k, int base, urn_buf *f, urn_buf *r);
static int bt_store_value(emitter *E, const ir_ex *e, nref *out);
static int emit_normal3(emitter *E, ir_ex *const *a, const char *propto, nref *out);
static int emit_dist(emitter *E, const urn_builtin *bi, ir_ex *const *a, int na, const char *propto, int line, int col,
                     nref *out);
static int emit_fused(emitter *E, const urn_builtin *bi, ir_ex *const *a, int na, const char *propto, int line, int col,
                      nref *out);
static int emit_index2(emitter *E, const ir_ex *e, nref *out);
static int emit_lse(emitter *E, const ir_ex *e, nref *out);
static int emit_dot(emitter *E, const ir_ex *e, nref *out);
static int row_local(const emitter *E, const ir_ex *x);
static int emit_log_mix(emitter *E, const ir_ex *e, nref *out);

/* The C number of the model-block local in slot s, or -1. */
static int local_of(const emitter *E, const ir_ex *e) {
  if (e->kind != URN_EX_VAR || !e->global) return -1;
  for (int i = 0; i < E->nloc; i++)
    if (E->loc_slot[i] == e->slot) return i;
  return -1;
}

/* Local k still holds, when the current statement's reverse runs, what the statement reads now (idx: the index
 * expression of an element read, NULL for a scalar): a scalar given its value outside loops and never assigned,
 * or a vector written by one `x[i] = e` in a top-level loop over i, read after that statement, either after its
 * loop or inside it at element i (written in this iteration, never again). */
static int local_stable(const emitter *E, int k, const ir_ex *idx) {
  int s = E->loc_slot[k];
  if (s < 0) return 1; /* a temporary (emit_vassign): written once, before its readers */
  if (E->loc_scalar[k]) return E->loc_init0[k] && E->wcount[s] == 0;
  const ir_st *w = E->wloop[s];
  if (E->wcount[s] != 1 || !w || !E->loc_wdone[k] || !E->loc_init0[k]) return 0;
  for (int i = 0; i < E->nloop; i++)
    if (E->loop_st[i] == w)
      return idx && idx->kind == URN_EX_VAR && idx->s == rt_s_var && idx->global && idx->slot == w->slot;
  return 1;
}

/* Counts the model block's assignments per slot (E->wcount, E->wloop); loop: the innermost enclosing loop, depth:
 * the number of enclosing loops. */
static void scan_writes(emitter *E, ir_st *const *st, int n, const ir_st *loop, int depth) {
  for (int i = 0; i < n; i++) {
    const ir_st *s = st[i];
    if (!s) continue;
    if (s->kind == URN_ST_ASSIGN && s->lhs) {
      const ir_ex *l = s->lhs, *r = l;
      while (r->kind == URN_EX_INDEX && r->na > 0) r = r->a[0];
      if (r->kind == URN_EX_VAR && r->global && r->slot >= 0 && r->slot < E->p->nglob) {
        const ir_ex *ix = l->kind == URN_EX_INDEX && l->a[0] == r && l->nidx == 1 && l->idx[0].kind == URN_IDX_SINGLE
                              ? l->idx[0].lo : NULL;
        int ok = ix && loop && depth == 1 && loop->kind == URN_ST_FOR && ix->kind == URN_EX_VAR && ix->s == rt_s_var &&
                 ix->global && ix->slot == loop->slot;
        /* a whole vector assigned once outside loops: its readers after it see one value */
        int whole = l == r && depth == 0 && !loop && !urn_is_scalar(l->ty);
        E->wloop[r->slot] = E->wcount[r->slot]++ == 0 && (ok || whole) ? (whole ? s : loop) : NULL;
      }
    }
    if (s->kind == URN_ST_DECL && s->rhs && s->global && s->slot >= 0 && s->slot < E->p->nglob && depth == 0 && !loop &&
        !urn_is_scalar(s->decl->ty)) /* a vector declared with its value outside loops: as a whole assignment */
      E->wloop[s->slot] = E->wcount[s->slot]++ == 0 ? s : NULL;
    if (s->kind == URN_ST_BLOCK || s->kind == URN_ST_IF) scan_writes(E, s->body, s->nbody, loop, depth);
    else if (s->kind == URN_ST_FOR) scan_writes(E, s->body, s->nbody, s, depth + 1);
    else if (s->nbody) scan_writes(E, s->body, s->nbody, NULL, depth + 1);
  }
}

/* Reads element o%d of local k: its value, and (a parameter-dependent local) its reference. */
static void read_local(emitter *E, const ir_ex *e, int k, int v, nref *out) {
  urn_buf_printf(E->f, "  const double v%d = Lv%d[o%d];\n", v, k, v);
  out->v = v, out->kind = NR_CONST;
  if (e->novar) return;
  urn_buf_printf(E->f, "  const int32_t x%d = Lr%d[o%d];\n", v, k, v);
  if (E->alias_chk) urn_buf_printf(E->f, "  if (x%d >= 0) return 1;\n", v);
  out->kind = NR_LOCAL, out->x = v, out->loc = k;
}

/* A 1-D container variable (vector, row_vector, 1-D array of reals or ints): its slot index, or -1. */
static int container_var(emitter *E, const ir_ex *x) {
  if (x->kind != URN_EX_VAR || !x->global || x->g != rt_g_var || x->slot >= E->p->nglob) return -1;
  int ok = (x->ty.dims == 1 && (x->ty.base == URN_TY_REAL || x->ty.base == URN_TY_INT)) ||
           (x->ty.dims == 0 && (x->ty.base == URN_TY_VECTOR || x->ty.base == URN_TY_ROW_VECTOR));
  if (!ok || loop_var_of(E, x) >= 0) return -1;
  return use_slot(E, x->slot, !x->novar);
}

/* The offset o<v> (C type type) of index ie in a container of n (C code) elements, checked: i - 1 in integers when
 * ie is a loop variable, else the index's value checked as the evaluator does (1 <= i <= n on doubles). */
static int emit_offset(emitter *E, const ir_ex *ie, const char *n, int v, const char *type) {
  int lv = ie->kind == URN_EX_VAR && ie->s == rt_s_var ? loop_var_of(E, ie) : -1;
  if (lv >= 0) {
    urn_buf_printf(E->f, "  if ((uint64_t)(i%d - 1) >= (uint64_t)%s) return 1;\n  const %s o%d = (%s)(i%d - 1);\n", lv, n, type, v, type, lv);
    return 0;
  }
  nref ir;
  if (emit_scalar(E, ie, &ir)) return -1;
  urn_buf_printf(E->f, "  if (!(v%d >= 1 && v%d <= (double)%s)) return 1;\n  const %s o%d = (%s)((size_t)v%d - 1);\n", ir.v, ir.v, n,
                 type, v, type, ir.v);
  return 0;
}

/* x[i] with a single int index on a 1-D container variable (rt_s_index1 / rt_s_index1v / rt_s_index). */
static int emit_index(emitter *E, const ir_ex *e, nref *out) {
  if (e->nidx == 2 || e->nidx == 3) return emit_index2(E, e, out);
  if (e->nidx != 1 || e->idx[0].kind != URN_IDX_SINGLE || (e->s != rt_s_index1 && e->s != rt_s_index1v && e->s != rt_s_index))
    return FAIL(e, "indexing other than x[i]");
  int lk = local_of(E, e->a[0]);
  if (lk >= 0) {
    if (E->loc_scalar[lk] || E->loc_dims[lk] != 1) return FAIL(e, "this indexing");
    if (!local_stable(E, lk, e->idx[0].lo)) E->recomp = 0;
    int v = E->nv++;
    char n[24];
    snprintf(n, sizeof n, "Ln%d", lk);
    if (emit_offset(E, e->idx[0].lo, n, v, "int32_t")) return -1;
    read_local(E, e->a[0], lk, v, out);
    return 0;
  }
  int k = container_var(E, e->a[0]);
  if (k < 0) return FAIL(e, "indexing of other than a 1-D variable");
  int v = E->nv++;
  char n[24];
  snprintf(n, sizeof n, "N%d", k);
  if (emit_offset(E, e->idx[0].lo, n, v, "size_t")) return -1;
  urn_buf_printf(E->f, "  const double v%d = V%d[o%d];\n", v, k, v);
  out->v = v, out->kind = NR_CONST;
  if (!e->a[0]->novar) {
    urn_buf_printf(E->f, "  const int32_t x%d = X%d[o%d];\n", v, k, v);
    out->kind = NR_LEAF, out->x = v;
  }
  return 0;
}

/* + - * / and unary -: the value and partials rt_s_add..rt_s_neg compute. */
static int emit_arith(emitter *E, const ir_ex *e, nref *out) {
  nref a, b = {NR_CONST, -1, -1, -1};
  if (emit_scalar(E, e->a[0], &a)) return -1;
  if (e->s != rt_s_neg && emit_scalar(E, e->a[1], &b)) return -1;
  int v = E->nv++;
  if (e->s == rt_s_neg) urn_buf_printf(E->f, "  const double v%d = -v%d;\n", v, a.v);
  else
    urn_buf_printf(E->f, "  const double v%d = v%d %s v%d;\n", v, a.v,
                   e->s == rt_s_add ? "+" : e->s == rt_s_sub ? "-" : e->s == rt_s_mul ? "*" : "/", b.v);
  out->v = v, out->kind = NR_CONST;
  if (a.kind == NR_CONST && b.kind == NR_CONST) return 0;
  int pa = E->nv++, pb = E->nv++;
  if (e->s == rt_s_add) urn_buf_printf(E->f, "  const double p%d = 1, p%d = 1;\n", pa, pb);
  else if (e->s == rt_s_sub) urn_buf_printf(E->f, "  const double p%d = 1, p%d = -1;\n", pa, pb);
  else if (e->s == rt_s_mul) urn_buf_printf(E->f, "  const double p%d = v%d, p%d = v%d;\n", pa, b.v, pb, a.v);
  else if (e->s == rt_s_div) urn_buf_printf(E->f, "  const double p%d = 1 / v%d, p%d = -v%d / v%d;\n", pa, b.v, pb, v, b.v);
  else urn_buf_printf(E->f, "  const double p%d = -1, p%d = 0;\n", pa, pb);
  int k = new_node(E);
  if (k < 0 || add_op(E, k, a, pa) || add_op(E, k, b, pb)) return FAIL(e, "a statement too large");
  out->kind = NR_NODE, out->node = k;
  return 0;
}

/* The index of a scalar kernel (lang/fn.h's urn_unary_kernel or urn_binary_kernel) in h->kern. */
static int use_kernel(emitter *E, const void *k) {
  nat_prog *np = E->np;
  for (int i = 0; i < np->nkern; i++)
    if (np->kern[i] == k) return i;
  if (np->nkern == np->capkern) {
    np->capkern = np->capkern ? 2 * np->capkern : 8;
    np->kern = urn_xrealloc(np->kern, (size_t)np->capkern * sizeof *np->kern);
  }
  np->kern[np->nkern] = k;
  return np->nkern++;
}

/* f(x) or f(x, y) through the built-in's own kernel, as urn_fn_unary_s / urn_fn_binary_s compute it. */
static int emit_kernel(emitter *E, const ir_ex *e, nref *out) {
  nref a, b = {NR_CONST, -1, -1, -1};
  if (emit_scalar(E, e->a[0], &a) || (e->na == 2 && emit_scalar(E, e->a[1], &b))) return -1;
  int v = E->nv++, pa = E->nv++, pb = E->nv++, unary = e->na == 1;
  int k = use_kernel(E, unary ? e->bi->aux : (const void *)e->bi->aux);
  out->v = v, out->kind = NR_CONST;
  if (e->ty.base == URN_TY_INT) { /* data only (no node); an int out of range: the interpreter's error */
    if (a.kind != NR_CONST || b.kind != NR_CONST) return FAIL(e, "an int function of parameters");
    if (unary) urn_buf_printf(E->f, "  const double v%d = ((const nat_unary *)h->kern[%d])->f(v%d);\n", v, k, a.v);
    else
      urn_buf_printf(E->f, "  double v%d, p%d, p%d;\n  ((nat_binary)h->kern[%d])(v%d, v%d, &v%d, &p%d, &p%d);\n", v, pa, pb, k, a.v,
                     b.v, v, pa, pb);
    urn_buf_printf(E->f, "  if (!(v%d >= -2147483648.0 && v%d <= 2147483647.0)) return 1;\n", v, v);
    return 0;
  }
  if (unary) {
    urn_buf_printf(E->f, "  const nat_unary *K%d = h->kern[%d];\n  const double v%d = K%d->f(v%d);\n", v, k, v, v, a.v);
    if (a.kind == NR_CONST) return 0;
    urn_buf_printf(E->f, "  const double p%d = K%d->df(v%d, v%d);\n", pa, v, a.v, v);
  } else {
    urn_buf_printf(E->f, "  double v%d, p%d, p%d;\n  ((nat_binary)h->kern[%d])(v%d, v%d, &v%d, &p%d, &p%d);\n", v, pa, pb, k,
                   a.v, b.v, v, pa, pb);
    if (a.kind == NR_CONST && b.kind == NR_CONST) return 0;
  }
  int n = new_node(E);
  if (n < 0 || add_op(E, n, a, pa) || add_op(E, n, b, pb)) return FAIL(e, "a statement too large");
  out->kind = NR_NODE, out->node = n;
  return 0;
}

/* A call of a user function returning a real, inlined as rt_g_ucall runs it: the arguments evaluated in order and
 * bound to the frame as they are (no nodes: urn_val copies), then the body: `real x = e;` declarations (the local
 * holds e's value and node, as run_decl_scalar) and a final `return e;` (run_return: the value and its node). */
static int emit_ucall(emitter *E, const ir_ex *e, nref *out) {
  const ir_fun *f = e->fun;
  if (!f->body || f->suffix != URN_SUF_NONE || f->ret.dims || f->ret.base != URN_TY_REAL || e->na != f->nparams ||
      E->fdepth == 8)
    return FAIL(e, "a user function outside the native subset");
  for (int i = 0; i < e->na; i++)
    if (f->param_ty[i].dims || (f->param_ty[i].base != URN_TY_REAL && f->param_ty[i].base != URN_TY_INT) || !e->a[i]->s ||
        !urn_is_scalar(e->a[i]->ty))
      return FAIL(e, "a user function with container arguments");
  nref *args = urn_xcalloc((size_t)(e->na ? e->na : 1), sizeof *args);
  int rc = 0;
  for (int i = 0; i < e->na && !rc; i++) rc = emit_scalar(E, e->a[i], &args[i]);
  nref *sb = E->fbind;
  unsigned char *sm = E->fbound;
  int sn = E->nfslots, n = 1, ret = 0;
  E->nfslots = f->nslots > 0 ? f->nslots : 1;
  E->fbind = urn_xcalloc((size_t)E->nfslots, sizeof *E->fbind), E->fbound = urn_xcalloc((size_t)E->nfslots, 1);
  for (int i = 0; i < e->na && !rc; i++) E->fbind[f->param_slot[i]] = args[i], E->fbound[f->param_slot[i]] = 1;
  ir_st *const *st = &f->body;
  if (f->body->kind == URN_ST_BLOCK) st = f->body->body, n = f->body->nbody;
  E->fdepth++;
  for (int i = 0; i < n && !rc && !ret; i++) {
    const ir_st *s = st[i];
    if (!s || s->kind == URN_ST_EMPTY) continue;
    if (s->kind == URN_ST_DECL && !s->global && s->rhs && s->rhs->s && urn_is_scalar(s->rhs->ty) && s->decl->ty.dims == 0 &&
        s->decl->ty.base == URN_TY_REAL && s->slot >= 0 && s->slot < E->nfslots) {
      rc = emit_scalar(E, s->rhs, &E->fbind[s->slot]);
      E->fbound[s->slot] = 1;
    } else if (s->kind == URN_ST_RETURN && s->rhs && s->rhs->s && urn_is_scalar(s->rhs->ty)) {
      rc = emit_scalar(E, s->rhs, out), ret = 1;
    } else rc = fail(E, s->line, s->col, "a user function body outside the native subset");
  }
  E->fdepth--;
  free(E->fbind), free(E->fbound), free(args);
  E->fbind = sb, E->fbound = sm, E->nfslots = sn;
  if (!rc && !ret) return FAIL(e, "a user function without a final return");
  return rc;
}

/* The first conditional `c ? a : b` on data that statement expression e evaluates and whose branch is not fixed
 * yet (inside a fixed one: only its branch), or NULL. */
static const ir_ex *find_tern(const emitter *E, const ir_ex *e) {
  if (!e) return NULL;
  if (e->kind == URN_EX_COND && e->s == rt_s_cond && e->na == 3) {
    for (int i = 0; i < E->ntern; i++)
      if (E->tern[i] == e) return find_tern(E, e->a[E->tern_pick[i] ? 1 : 2]);
    return e->a[0]->novar && e->a[0]->s ? e : NULL;
  }
  for (int i = 0; i < e->na; i++) {
    const ir_ex *c = find_tern(E, e->a[i]);
    if (c) return c;
  }
  return NULL;
}

static int emit_scalar(emitter *E, const ir_ex *e, nref *out) {
  if (!urn_is_scalar(e->ty)) return FAIL(e, "a container expression");
  out->kind = NR_CONST, out->x = out->node = -1;
  if (E->hoist && !e->lane && hoist_read(E, e, out)) return 0;
  if (e->s == rt_s_const) {
    out->v = E->nv++;
    urn_buf_printf(E->f, "  const double v%d = ", out->v);
    put_double(E->f, e->c);
    urn_buf_puts(E->f, ";\n");
    return 0;
  }
  if (e->kind == URN_EX_VAR && e->s == rt_s_var && local_of(E, e) >= 0) {
    int lk = local_of(E, e), v = E->nv++;
    if (!E->loc_scalar[lk]) return FAIL(e, "a container local");
    if (!local_stable(E, lk, NULL)) E->recomp = 0;
    urn_buf_printf(E->f, "  const int32_t o%d = 0;\n", v);
    read_local(E, e, lk, v, out);
    return 0;
  }
  if (e->kind == URN_EX_VAR && e->s == rt_s_var && !e->global && E->fbind) { /* an inlined function's variable */
    if (e->slot < 0 || e->slot >= E->nfslots || !E->fbound[e->slot]) return FAIL(e, "this function variable");
    *out = E->fbind[e->slot];
    return 0;
  }
  if (e->kind == URN_EX_COND && e->s == rt_s_cond) { /* a data condition whose branch this statement copy takes */
    for (int i = 0; i < E->ntern; i++)
      if (E->tern[i] == e) return emit_scalar(E, e->a[E->tern_pick[i] ? 1 : 2], out);
    return FAIL(e, "a conditional expression outside the native subset");
  }
  if (e->kind == URN_EX_CALL && e->fun && e->g == rt_g_ucall) return emit_ucall(E, e, out);
  if (e->kind == URN_EX_VAR && e->s == rt_s_var) {
    int lv = loop_var_of(E, e);
    out->v = E->nv++;
    if (lv >= 0) { urn_buf_printf(E->f, "  const double v%d = (double)i%d;\n", out->v, lv); return 0; }
    if (!e->global || e->slot >= E->p->nglob) return FAIL(e, "a local variable");
    int k = use_slot(E, e->slot, !e->novar);
    urn_buf_printf(E->f, "  const double v%d = SV%d;\n", out->v, k);
    if (!e->novar) {
      urn_buf_printf(E->f, "  const int32_t x%d = SX%d;\n", out->v, k);
      out->kind = NR_LEAF, out->x = out->v;
    }
    return 0;
  }
  if (e->kind == URN_EX_INDEX) return emit_index(E, e, out);
  if (e->s == rt_s_add || e->s == rt_s_sub || e->s == rt_s_mul || e->s == rt_s_div || e->s == rt_s_neg)
    return emit_arith(E, e, out);
  if (e->s == rt_s_call_scalar && (e->ty.base == URN_TY_REAL || (e->ty.base == URN_TY_INT && e->novar)) && e->bi &&
      ((e->bi->sfn == urn_fn_unary_s && e->na == 1) || (e->bi->sfn == urn_fn_binary_s && e->na == 2)))
    return emit_kernel(E, e, out);
  if (e->s == rt_s_call_scalar && e->ty.base == URN_TY_REAL && e->bi && e->na == 3 && !strcmp(e->bi->name, "log_mix"))
    return emit_log_mix(E, e, out);
  if (e->kind == URN_EX_CALL && e->s == rt_s_via_g && e->g == rt_g_call && e->bi && e->na == 1 &&
      (!strcmp(e->bi->name, "log_sum_exp") || (!strcmp(e->bi->name, "sum") && e->ty.base == URN_TY_REAL)) &&
      !urn_is_scalar(e->a[0]->ty) && e->a[0]->ty.base != URN_TY_INT)
    return emit_lse(E, e, out);
  if (e->bi && e->na == 2 && e->ty.base == URN_TY_REAL && e->ty.dims == 0 && !strcmp(e->bi->name, "multiply") &&
      e->a[0]->ty.base == URN_TY_ROW_VECTOR && e->a[0]->ty.dims == 0 && e->a[1]->ty.base == URN_TY_VECTOR && e->a[1]->ty.dims == 0)
    return emit_dot(E, e, out);
  /* a density inside an expression (`bernoulli_lpmf(1 | omega) + binomial_lpmf(s | T, p)`): rt_s_dist / rt_s_normal
     / urn_fused_dist_s, with the call's own propto (e->propto && the evaluation's) */
  const char *pr = e->propto ? "propto" : "0";
  if (e->s == rt_s_normal) return emit_normal3(E, e->a, pr, out);
  if (e->s == rt_s_dist) return emit_dist(E, e->bi, e->a, e->na, pr, e->line, e->col, out);
  if (e->s == urn_fused_dist_s) return emit_fused(E, e->bi, e->a, e->na, pr, e->line, e->col, out);
  return FAIL(e, "an expression outside the native subset");
}

/* normal_lpdf(y | mu, sigma) on scalars as lang/eval.c's normal3 computes it (the affine location p * q + c as
 * one node); propto: the C expression for its propto flag. */
static int emit_normal3(emitter *E, ir_ex *const *a, const char *propto, nref *out) {
  nref y, m = {NR_CONST, -1, -1, -1}, p = m, q = m, s;
  const ir_ex *me = a[1];
  int affine = me->s == rt_s_add && me->a[0]->s == rt_s_mul;
  if (E->nbatch && affine && !(me->lane && me->a[0]->lane)) affine = 0; /* batch.c's bx_dist: lanes only */
  if (emit_scalar(E, a[0], &y)) return -1;
  int mu = E->nv++;
  if (affine) {
    const ir_ex *mm = me->a[0];
    if (emit_scalar(E, mm->a[0], &p) || emit_scalar(E, mm->a[1], &q) || emit_scalar(E, me->a[1], &m)) return -1;
    urn_buf_printf(E->f, "  const double v%d = v%d * v%d + v%d;\n", mu, p.v, q.v, m.v);
  } else {
    if (emit_scalar(E, me, &m)) return -1;
    urn_buf_printf(E->f, "  const double v%d = v%d;\n", mu, m.v);
  }
  if (emit_scalar(E, a[2], &s)) return -1;
  int v = E->nv++, vy = !a[0]->novar, vm = !a[1]->novar, vs = !a[2]->novar;
  urn_buf_printf(E->f, "  if (!(v%d > 0) || isinf(v%d) || isnan(v%d) || !isfinite(v%d)) return 1;\n", s.v, s.v, y.v, mu);
  urn_buf_printf(E->f, "  const double inv%d = 1 / v%d, z%d = (v%d - v%d) * inv%d;\n  double v%d = 0;\n", v, s.v, v, y.v,
                 mu, v, v);
  urn_buf_printf(E->f, "  if (!(%s) || %d) v%d = -0.5 * z%d * z%d;\n", propto, vy || vm || vs, v, v, v);
  /* log(sigma) remembered across iterations as urn_ev_log_scale does (the same value: log is a function) */
  urn_buf_printf(&E->pre, "  double lk%d = 0, lv%d = 0;\n", v, v);
  urn_buf_printf(E->f, "  if (!(%s) || %d) { if (lk%d != v%d) lk%d = v%d, lv%d = log(v%d);\n  v%d -= lv%d; }\n", propto, vs, v, s.v,
                 v, s.v, v, s.v, v, v);
  urn_buf_printf(E->f, "  if (!(%s)) v%d -= 0.91893853320467274178;\n", propto, v);
  out->v = v, out->kind = NR_CONST;
  if (y.kind == NR_CONST && m.kind == NR_CONST && s.kind == NR_CONST && p.kind == NR_CONST && q.kind == NR_CONST)
    return 0;
  int py = E->nv++, pp = E->nv++, pq = E->nv++, pm = E->nv++, ps = E->nv++;
  if (!affine) {
    urn_buf_printf(E->f, "  const double p%d = -z%d * inv%d, p%d = z%d * inv%d, p%d = (z%d * z%d - 1) * inv%d;\n", py, v,
                   v, pm, v, v, ps, v, v, v);
  } else {
    urn_buf_printf(E->f, "  const double dm%d = z%d * inv%d;\n", v, v, v);
    urn_buf_printf(E->f, "  const double p%d = -dm%d, p%d = dm%d * v%d, p%d = dm%d * v%d, p%d = dm%d, p%d = (z%d * z%d - 1) * inv%d;\n",
                   py, v, pp, v, q.v, pq, v, p.v, pm, v, ps, v, v, v);
  }
  int k = new_node(E);
  if (k < 0 || add_op(E, k, y, py) || add_op(E, k, p, pp) || add_op(E, k, q, pq) || add_op(E, k, m, pm) ||
      add_op(E, k, s, ps))
    return FAIL(a[0], "a statement too large");
  out->kind = NR_NODE, out->node = k;
  return 0;
}

/* A whole container variable of any type (vector, matrix, arrays of them): its slot index, or -1. */
static int container_arg(emitter *E, const ir_ex *x) {
  if (x->kind != URN_EX_VAR || !x->global || x->g != rt_g_var || x->slot >= E->p->nglob || urn_is_scalar(x->ty)) return -1;
  int b = x->ty.base;
  if (b != URN_TY_REAL && b != URN_TY_INT && b != URN_TY_VECTOR && b != URN_TY_ROW_VECTOR && b != URN_TY_MATRIX) return -1;
  return use_slot(E, x->slot, !x->novar);
}

/* rows and cols of a whole-variable argument as lang/fn_dist.c's make_darg sets them (after n, rows = n, cols = 1). */
static void put_shape(emitter *E, urn_dist_argkind k, const ir_ex *x, int slot, int v, int i) {
  int d = x->ty.dims, mat = x->ty.base == URN_TY_MATRIX;
  if (k == URN_DA_VECTOR || k == URN_DA_VECTORS) urn_buf_printf(E->f, "  da%d[%d].rows = (size_t)h->dim[%d][%d];\n", v, i, slot, d);
  else if (k == URN_DA_MATRIX || (k == URN_DA_GLM_X && mat))
    urn_buf_printf(E->f, "  da%d[%d].rows = (size_t)h->dim[%d][%d], da%d[%d].cols = (size_t)h->dim[%d][%d];\n", v, i, slot, d, v, i,
                   slot, d + 1);
  else if (k == URN_DA_GLM_X) urn_buf_printf(E->f, "  da%d[%d].rows = 1, da%d[%d].cols = da%d[%d].n;\n", v, i, v, i, v, i);
}

/* X * b with X a matrix variable and b a vector variable (lang/fn_ops.c's matmul: one node per row, partials
 * in k order, X's before b's): its values into mvN, one statement node (the rows' nodes, swept as one) in *node;
 * the slot indexes in *kx, *kb.  0: done; 1: not this shape; -1: failed. */
static int emit_matvec(emitter *E, const ir_ex *e, int v, int *node, int *kx, int *kb) {
  if (e->kind != URN_EX_BINARY || e->op != URN_OP_MUL || e->na != 2 || e->g != rt_g_call || !e->bi ||
      e->bi->fn == urn_fn_binary || e->ty.dims != 0 || e->ty.base != URN_TY_VECTOR)
    return 1;
  const ir_ex *x = e->a[0], *b = e->a[1];
  if (x->ty.dims || x->ty.base != URN_TY_MATRIX || b->ty.dims || b->ty.base != URN_TY_VECTOR || local_of(E, x) >= 0 ||
      local_of(E, b) >= 0 || (*kx = container_arg(E, x)) < 0 || (*kb = container_arg(E, b)) < 0)
    return 1;
  urn_buf_printf(E->f, "  const size_t mr%d = (size_t)h->dim[%d][0], mc%d = (size_t)h->dim[%d][1];\n  if (mc%d != N%d) return 1;\n", v,
                 *kx, v, *kx, v, *kb);
  urn_buf_printf(E->f, "  double *mv%d = h->scratch(h, (mr%d ? mr%d : 1) * sizeof(double));\n", v, v, v);
  urn_buf_printf(E->f, "  for (size_t i = 0; i < mr%d; i++) {\n    double s = 0;\n    for (size_t k = 0; k < mc%d; k++) s += V%d[i + k * mr%d] * V%d[k];\n"
                       "    mv%d[i] = s;\n  }\n", v, v, *kx, v, *kb, v);
  *node = -1;
  if (e->novar) return 0;
  if ((*node = new_node(E)) < 0) return FAIL(e, "a statement too large");
  return 0;
}

/* The reverse of matvec node k (its rows' adjoints in Q[q], set by the density's node): rows newest first. */
static void matvec_rev(emitter *E, const ir_ex *e, int k, int q, int kx, int kb) {
  urn_buf b;
  urn_buf_init(&b);
  urn_buf_printf(&b, "    const size_t mr = (size_t)h->dim[%d][0], mc = (size_t)h->dim[%d][1];\n", kx, kx);
  urn_buf_printf(&b, "    for (size_t i = mr; i-- > 0;) {\n      const double ai = Q[%d][i];\n      if (ai == 0) continue;\n"
                     "      for (size_t k = 0; k < mc; k++) {\n", q);
  if (!e->a[0]->novar) urn_buf_printf(&b, "        adj[X%d[i + k * mr]] += ai * V%d[k];\n", kx, kb);
  if (!e->a[1]->novar) urn_buf_printf(&b, "        adj[X%d[k]] += ai * V%d[i + k * mr];\n", kb, kx);
  urn_buf_puts(&b, "      }\n    }\n");
  E->node[k].extra = urn_xstrdup(b.data);
  urn_buf_free(&b);
}

/* A row x[i] of a 2-D real / int array or an array of vectors (contiguous: arrays are row-major): x's slot index
 * (its rows Rk, each of Ck values), or -1. */
static int row_arg(emitter *E, const ir_ex *e) {
  if (e->kind != URN_EX_INDEX || e->nidx != 1 || e->idx[0].kind != URN_IDX_SINGLE || e->na < 1) return -1;
  const ir_ex *x = e->a[0];
  if (x->kind != URN_EX_VAR || !x->global || x->g != rt_g_var || x->slot >= E->p->nglob || local_of(E, x) >= 0) return -1;
  int ok = (x->ty.dims == 2 && (x->ty.base == URN_TY_REAL || x->ty.base == URN_TY_INT)) ||
           (x->ty.dims == 1 && (x->ty.base == URN_TY_VECTOR || x->ty.base == URN_TY_ROW_VECTOR));
  return ok ? use_slot(E, x->slot, !x->novar) : -1;
}

/* ---- 2-D indexing, container locals, log_sum_exp of a container, data slices (session 9) ----
 * x[i, j] of a 2-D array, an array of vectors or a matrix (rt_s_index2: the element at i * cols + j, a matrix's at
 * i + j * rows), locals of those shapes (element by element, as 1-D locals), log_sum_exp of a 1-D container
 * (lang/fn_array.c's f_log_sum_exp: one node with a partial per element), and data-only slices as density
 * arguments (`alpha[k, :]'`, `x[a:b]`): their values copied in order (no partials). */

/* The offset o<v> (C type type) of x[i, j] in a container of r rows and c columns (C code), checked. */
static int emit_offset2(emitter *E, const ir_ex *e, const char *r, const char *c, int mat, int v, const char *type) {
  int a = E->nv++, b = E->nv++;
  if (emit_offset(E, e->idx[0].lo, r, a, "size_t") || emit_offset(E, e->idx[1].lo, c, b, "size_t")) return -1;
  if (mat) urn_buf_printf(E->f, "  const %s o%d = (%s)(o%d + o%d * (size_t)%s);\n", type, v, type, a, b, r);
  else urn_buf_printf(E->f, "  const %s o%d = (%s)(o%d * (size_t)%s + o%d);\n", type, v, type, a, c, b);
  return 0;
}

/* The offset o<v> (C type type) of x[i, j, k] in a 3-D local array k3 (row-major: (i * LC + j) * LD + k), checked. */
static int emit_offset3(emitter *E, const ir_ex *e, int k3, int v, const char *type) {
  int a = E->nv++, b = E->nv++, c = E->nv++;
  char n0[24], n1[24], n2[24];
  snprintf(n0, sizeof n0, "LR%d", k3), snprintf(n1, sizeof n1, "LC%d", k3), snprintf(n2, sizeof n2, "LD%d", k3);
  for (int d = 0; d < 3; d++)
    if (e->idx[d].kind != URN_IDX_SINGLE) return FAIL(e, "indexing other than x[i, j, k]");
  if (emit_offset(E, e->idx[0].lo, n0, a, "size_t") || emit_offset(E, e->idx[1].lo, n1, b, "size_t") ||
      emit_offset(E, e->idx[2].lo, n2, c, "size_t"))
    return -1;
  urn_buf_printf(E->f, "  const %s o%d = (%s)((o%d * LC%d + o%d) * LD%d + o%d);\n", type, v, type, a, k3, b, k3, c);
  return 0;
}

/* Is x a global variable with two index dimensions (2-D array of reals / ints, array of vectors, matrix)? */
static int var2(const emitter *E, const ir_ex *x) {
  if (x->kind != URN_EX_VAR || !x->global || x->g != rt_g_var || x->slot >= E->p->nglob || loop_var_of(E, x) >= 0) return 0;
  urn_type t = x->ty;
  return (t.dims == 2 && (t.base == URN_TY_REAL || t.base == URN_TY_INT)) ||
         (t.dims == 1 && (t.base == URN_TY_VECTOR || t.base == URN_TY_ROW_VECTOR)) || (t.dims == 0 && t.base == URN_TY_MATRIX);
}

/* x[i, j] with single int indexes (rt_s_index2 / rt_s_index2v / rt_s_index) on a local or a variable. */
static int emit_index2(emitter *E, const ir_ex *e, nref *out) {
  const ir_ex *x = e->a[0];
  if (e->nidx == 3) { /* a 3-D local array (bones' p[i, j, k]) */
    int lk = local_of(E, x), v = E->nv++;
    if (lk < 0 || E->loc_dims[lk] != 3 || (e->s != rt_s_index && e->s != rt_s_index2 && e->s != rt_s_index2v))
      return FAIL(e, "indexing x[i, j, k] of other than a local array");
    E->recomp = 0; /* written element by element: records */
    if (emit_offset3(E, e, lk, v, "int32_t")) return -1;
    read_local(E, x, lk, v, out);
    if (!x->novar) urn_buf_printf(E->f, "  if (x%d == -3) return 1;\n", v); /* copied (store_local): declined */
    return 0;
  }
  if (e->nidx != 2 || e->idx[0].kind != URN_IDX_SINGLE || e->idx[1].kind != URN_IDX_SINGLE ||
      (e->s != rt_s_index2 && e->s != rt_s_index2v && e->s != rt_s_index))
    return FAIL(e, "indexing other than x[i] or x[i, j]");
  int v = E->nv++, lk = local_of(E, x);
  char r[40], c[40];
  if (lk >= 0) {
    if (E->loc_dims[lk] != 2) return FAIL(e, "this indexing of a local");
    E->recomp = 0; /* a 2-D local is written by more than one `x[i] = e`: records */
    snprintf(r, sizeof r, "LR%d", lk), snprintf(c, sizeof c, "LC%d", lk);
    if (emit_offset2(E, e, r, c, E->loc_mat[lk], v, "int32_t")) return -1;
    read_local(E, x, lk, v, out);
    return 0;
  }
  if (!var2(E, x)) return FAIL(e, "indexing x[i, j] of other than a variable");
  int k = use_slot(E, x->slot, !x->novar);
  snprintf(r, sizeof r, "h->dim[%d][0]", k), snprintf(c, sizeof c, "h->dim[%d][1]", k);
  if (emit_offset2(E, e, r, c, x->ty.dims == 0, v, "size_t")) return -1;
  urn_buf_printf(E->f, "  const double v%d = V%d[o%d];\n", v, k, v);
  out->v = v, out->kind = NR_CONST;
  if (!x->novar) {
    urn_buf_printf(E->f, "  const int32_t x%d = X%d[o%d];\n", v, k, v);
    out->kind = NR_LEAF, out->x = v;
  }
  return 0;
}

/* x[a:b] of a 1-D variable of any dependence (its nodes read in place; -1 elements skipped as the interpreter's node
 * skips them, so the slot is not held to have a node everywhere): slV, sxV, snV and the count oV.  1: done; 0: not
 * this shape; -1: failed.  Empty or out of range: declined. */
static int range_src(emitter *E, const ir_ex *x, int v) {
  if (x->kind != URN_EX_INDEX || x->nidx != 1 || x->idx[0].kind != URN_IDX_RANGE || x->na < 1) return 0;
  const ir_ex *b = x->a[0];
  if (b->kind != URN_EX_VAR || !b->global || b->g != rt_g_var || b->slot >= E->p->nglob || local_of(E, b) >= 0 ||
      loop_var_of(E, b) >= 0 || !(b->ty.dims == 1 ? b->ty.base == URN_TY_REAL : b->ty.base == URN_TY_VECTOR || b->ty.base == URN_TY_ROW_VECTOR))
    return 0;
  int k = use_slot(E, b->slot, 0);
  nref lo, hi;
  if (emit_scalar(E, x->idx[0].lo, &lo) || emit_scalar(E, x->idx[0].hi, &hi)) return -1;
  urn_buf_printf(E->f, "  if (!(v%d >= 1 && v%d <= (double)N%d && v%d >= v%d)) return 1;\n", lo.v, hi.v, k, hi.v, lo.v);
  if (!b->novar) urn_buf_printf(E->f, "  if (!X%d) return 1;\n", k);
  urn_buf_printf(E->f, "  const size_t sn%d = (size_t)(v%d - v%d) + 1;\n  const int32_t o%d = (int32_t)sn%d;\n", v, hi.v, lo.v, v, v);
  urn_buf_printf(E->f, "  const double *sl%d = V%d + ((size_t)v%d - 1);\n  const int32_t *sx%d = X%d ? X%d + ((size_t)v%d - 1) : 0;\n", v, k,
                 lo.v, v, k, k, lo.v);
  return 1;
}

/* log_sum_exp(x) of a 1-D container as f_log_sum_exp computes it (the maximum, the sum of exp(x - max) in order,
 * max + log(sum), partials exp(x - max) / sum; an infinite maximum: declined, the interpreter's rules): x a 1-D
 * local, a row x[i] of a 2-D array local, a 1-D variable or a row of a 2-D array / array of vectors variable. */
static int emit_lse(emitter *E, const ir_ex *e, nref *out) {
  const ir_ex *x = e->a[0];
  /* in a batched loop the interpreter reduces lane containers in its own order (BOP_LSE_VEC / BOP_SUM_VEC) */
  if (E->nbatch) return FAIL(e, "log_sum_exp or sum in a batched loop");
  int v = E->nv++, row = -1, slot = -1, lk = local_of(E, x), seg = 0, sum = !strcmp(e->bi->name, "sum");
  char base[64], refs[64] = "", cnt[24];
  if (lk < 0 && (seg = range_src(E, x, v)) < 0) return -1;
  if (seg) {
    snprintf(base, sizeof base, "sl%d", v), snprintf(refs, sizeof refs, "sx%d", v), snprintf(cnt, sizeof cnt, "sn%d", v);
  } else if (lk >= 0) {
    if (E->loc_dims[lk] != 1) return FAIL(e, "log_sum_exp or sum of this local");
    snprintf(base, sizeof base, "Lv%d", lk), snprintf(refs, sizeof refs, "Lr%d", lk), snprintf(cnt, sizeof cnt, "Ln%d", lk);
  } else if (x->kind == URN_EX_INDEX && x->nidx == 1 && x->idx[0].kind == URN_IDX_SINGLE && (lk = local_of(E, x->a[0])) >= 0) {
    if (E->loc_dims[lk] != 2 || E->loc_mat[lk]) return FAIL(e, "log_sum_exp or sum of this local");
    char n[24];
    row = E->nv++;
    snprintf(n, sizeof n, "LR%d", lk);
    if (emit_offset(E, x->idx[0].lo, n, row, "int32_t")) return -1;
    snprintf(base, sizeof base, "(Lv%d + (size_t)o%d * LC%d)", lk, row, lk);
    snprintf(refs, sizeof refs, "(Lr%d + (size_t)o%d * LC%d)", lk, row, lk), snprintf(cnt, sizeof cnt, "LC%d", lk);
  } else if ((slot = container_var(E, x)) >= 0) {
    snprintf(base, sizeof base, "V%d", slot), snprintf(cnt, sizeof cnt, "N%d", slot);
  } else if ((slot = row_arg(E, x)) >= 0) {
    char n[24];
    row = E->nv++;
    snprintf(n, sizeof n, "R%d", slot);
    if (emit_offset(E, x->idx[0].lo, n, row, "size_t")) return -1;
    snprintf(base, sizeof base, "(V%d + o%d * C%d)", slot, row, slot), snprintf(cnt, sizeof cnt, "C%d", slot);
  } else
    return FAIL(e, "log_sum_exp or sum of this container");
  int var = !x->novar, q = E->nv++;
  E->recomp = 0;
  urn_buf_printf(E->f, "  const double *w%d = %s;\n  const size_t n%d = %s;\n  double m%d = (-1.0 / 0.0), s%d = 0;\n", v, base, v, cnt, v, v);
  if (sum) { /* f_sum: the sum in order, partials 1 */
    urn_buf_printf(E->f, "  for (size_t j = 0; j < n%d; j++) s%d += w%d[j];\n  const double v%d = s%d;\n", v, v, v, v, v);
    if (var)
      urn_buf_printf(E->f, "  double *q%d = h->scratch(h, (n%d ? n%d : 1) * sizeof(double));\n  for (size_t j = 0; j < n%d; j++) q%d[j] = 1;\n",
                     q, v, v, v, q);
  } else {
  urn_buf_printf(E->f, "  for (size_t j = 0; j < n%d; j++) if (w%d[j] > m%d) m%d = w%d[j];\n  if (isinf(m%d)) return 1;\n", v, v, v, v, v, v);
  if (var) urn_buf_printf(E->f, "  double *q%d = h->scratch(h, (n%d ? n%d : 1) * sizeof(double));\n", q, v, v);
  urn_buf_printf(E->f, "  for (size_t j = 0; j < n%d; j++) { const double t = exp(w%d[j] - m%d);\n    s%d += t;%s", v, v, v, v,
                 var ? "" : " }\n");
  if (var) urn_buf_printf(E->f, " q%d[j] = t; }\n", q);
  urn_buf_printf(E->f, "  const double v%d = m%d + log(s%d);\n", v, v, v);
  if (var) urn_buf_printf(E->f, "  for (size_t j = 0; j < n%d; j++) q%d[j] /= s%d;\n", v, q, v);
  }
  out->v = v, out->kind = NR_CONST;
  if (!var) return 0;
  int k = new_node(E);
  if (k < 0 || E->qc + 2 > NAT_MAX_REC || E->lc == NAT_MAX_REC) return FAIL(e, "a statement too large");
  nop *o = &E->node[k].op[E->node[k].nop++];
  o->off = E->qc, E->qvar[E->qc++] = q, o->row = -1;
  if (lk >= 0) { /* a copy of the elements' references (the local may change before the reverse) */
    urn_buf_printf(E->f, "  int32_t *r%d = h->scratch(h, (n%d ? n%d : 1) * sizeof(int32_t));\n  memcpy(r%d, %s, n%d * sizeof(int32_t));\n",
                   q, v, v, q, refs, v);
    o->kind = NR_LSEG, o->loc = lk, o->ref = row >= 0, E->qvar[E->qc++] = -1 - q;
  } else if (seg) { /* a slice of a variable: its nodes in place (-1: a constant element), its count (L) */
    urn_buf_printf(E->f, "  const int32_t *r%d = sx%d;\n", q, v);
    o->kind = NR_SEG, o->loc = -1, o->ref = -1, E->qvar[E->qc++] = -1 - q, o->row = E->lc, E->lvar[E->lc++] = -1 - v;
    out->kind = NR_NODE, out->node = k;
    return 0;
  } else
    o->kind = NR_RUN, o->ref = slot;
  if (row >= 0) o->row = E->lc, E->lvar[E->lc++] = -1 - row;
  out->kind = NR_NODE, out->node = k;
  return 0;
}

/* u * w, a row vector times a vector, as lang/fn_ops.c's matmul takes it below MM_ONE_OP_MIN (256) products
 * (dot_node): the sum of u[k] * w[k] in order, one node whose operands are w's elements in order, partials u's
 * values (u is data: no terms of its own); a length mismatch (the interpreter's message) or 256 or more products
 * (its one-operation path): declined.  u: the transpose of a data vector variable or of a row x[i] of a data
 * array of vectors (iohmm_reg's `u[t]' * w[j]`), or a data row vector variable; w: a vector variable or a row
 * w[j] of an array of vectors (variables, not locals of the emitted code). */
static int emit_dot(emitter *E, const ir_ex *e, nref *out) {
  const ir_ex *x[2] = {e->a[0], e->a[1]};
  if (x[0]->bi && x[0]->na == 1 && !strcmp(x[0]->bi->name, "transpose") && x[0]->a[0]->ty.base == URN_TY_VECTOR)
    x[0] = x[0]->a[0];
  if (!x[0]->novar) return FAIL(e, "a product of a parameter-dependent row vector");
  int v = E->nv++, sl[2], row[2] = {-1, -1};
  char b[2][64], n[2][24];
  for (int i = 0; i < 2; i++) {
    const ir_ex *y = x[i];
    if (local_of(E, y) < 0 && (sl[i] = container_var(E, y)) >= 0) {
      snprintf(b[i], sizeof b[i], "V%d", sl[i]), snprintf(n[i], sizeof n[i], "N%d", sl[i]);
    } else if ((sl[i] = row_arg(E, y)) >= 0 && y->a[0]->ty.base == URN_TY_VECTOR) {
      char rn[24];
      row[i] = E->nv++;
      snprintf(rn, sizeof rn, "R%d", sl[i]);
      if (emit_offset(E, y->idx[0].lo, rn, row[i], "size_t")) return -1;
      snprintf(b[i], sizeof b[i], "(V%d + o%d * C%d)", sl[i], row[i], sl[i]), snprintf(n[i], sizeof n[i], "C%d", sl[i]);
    } else
      return FAIL(e, "a product of these operands");
  }
  urn_buf_printf(E->f, "  if (%s != %s || %s >= 256) return 1;\n", n[0], n[1], n[0]);
  urn_buf_printf(E->f, "  const double *du%d = %s, *dw%d = %s;\n  double v%d = 0;\n", v, b[0], v, b[1], v);
  urn_buf_printf(E->f, "  for (size_t k = 0; k < %s; k++) v%d += du%d[k] * dw%d[k];\n", n[0], v, v, v);
  out->v = v, out->kind = NR_CONST;
  if (x[1]->novar) return 0;
  E->recomp = 0;
  int k = new_node(E), q = E->nv++;
  if (k < 0 || E->qc + 1 > NAT_MAX_REC || E->lc == NAT_MAX_REC) return FAIL(e, "a statement too large");
  urn_buf_printf(E->f, "  double *q%d = (double *)du%d;\n", q, v); /* data: read again by the reverse */
  nop *o = &E->node[k].op[E->node[k].nop++];
  o->kind = NR_RUN, o->ref = sl[1], o->off = E->qc, E->qvar[E->qc++] = q, o->row = -1;
  if (row[1] >= 0) o->row = E->lc, E->lvar[E->lc++] = -1 - row[1];
  out->kind = NR_NODE, out->node = k;
  return 0;
}

/* log_mix(theta, a, b) on scalars as lang/fn_math.c's s_log_mix computes it (theta outside [0, 1]: declined, the
 * interpreter's message); one node with partials to theta, a, b (0 when the larger of a, b is -inf). */
static int emit_log_mix(emitter *E, const ir_ex *e, nref *out) {
  nref t, a, b;
  /* in a batched loop: BOP_LOG_MIX's lanes, whose terms round otherwise when an operand is loop-invariant */
  if (E->nbatch) return FAIL(e, "log_mix in a batched loop");
  if (emit_scalar(E, e->a[0], &t) || emit_scalar(E, e->a[1], &a) || emit_scalar(E, e->a[2], &b)) return -1;
  int v = E->nv++, pt = E->nv++, pa = E->nv++, pb = E->nv++;
  urn_buf_printf(E->f, "  if (!(v%d >= 0 && v%d <= 1)) return 1;\n", t.v, t.v);
  urn_buf_printf(E->f, "  const double m%d = v%d > v%d ? v%d : v%d;\n", v, a.v, b.v, a.v, b.v);
  urn_buf_printf(E->f, "  const double ea%d = v%d >= v%d ? 1 : exp(v%d - m%d), ec%d = v%d >= v%d ? exp(v%d - m%d) : 1;\n", v, a.v, b.v,
                 a.v, v, v, a.v, b.v, b.v, v);
  urn_buf_printf(E->f, "  const double den%d = v%d * ea%d + (1 - v%d) * ec%d;\n  const double v%d = m%d + log(den%d);\n", v, t.v, v, t.v,
                 v, v, v, v);
  out->v = v, out->kind = NR_CONST;
  if (t.kind == NR_CONST && a.kind == NR_CONST && b.kind == NR_CONST) return 0;
  urn_buf_printf(E->f, "  const int z%d = isinf(m%d) && m%d < 0;\n", v, v, v);
  urn_buf_printf(E->f, "  const double p%d = z%d ? 0 : (ea%d - ec%d) / den%d, p%d = z%d ? 0 : v%d * ea%d / den%d,"
                       " p%d = z%d ? 0 : (1 - v%d) * ec%d / den%d;\n", pt, v, v, v, v, pa, v, t.v, v, v, pb, v, t.v, v, v);
  int k = new_node(E);
  if (k < 0 || add_op(E, k, t, pt) || add_op(E, k, a, pa) || add_op(E, k, b, pb)) return FAIL(e, "a statement too large");
  out->kind = NR_NODE, out->node = k;
  return 0;
}

/* x[a:b, m] of a matrix or a 2-D array variable of slot k: its count snV, first offset soV and stride ssV (a
 * matrix's column is contiguous; a 2-D array's elements are C apart); an empty or out-of-range slice declines. */
static int col_range(emitter *E, const ir_ex *e, int k, int mat, int v) {
  nref a, b;
  int om = E->nv++;
  char n[24];
  urn_buf_printf(E->f, "  const size_t sr%d = (size_t)h->dim[%d][0], sc%d = (size_t)h->dim[%d][1];\n", v, k, v, k);
  snprintf(n, sizeof n, "sc%d", v);
  if (emit_offset(E, e->idx[1].lo, n, om, "size_t") || emit_scalar(E, e->idx[0].lo, &a) || emit_scalar(E, e->idx[0].hi, &b)) return -1;
  urn_buf_printf(E->f, "  if (!(v%d >= 1 && v%d <= (double)sr%d && v%d >= v%d)) return 1;\n", a.v, b.v, v, b.v, a.v);
  urn_buf_printf(E->f, "  const size_t sn%d = (size_t)(v%d - v%d) + 1, ss%d = %s;\n", v, b.v, a.v, v, mat ? "1" : n);
  if (mat) urn_buf_printf(E->f, "  const size_t so%d = o%d * sr%d + ((size_t)v%d - 1);\n", v, om, v, a.v);
  else urn_buf_printf(E->f, "  const size_t so%d = ((size_t)v%d - 1) * sc%d + o%d;\n", v, a.v, v, om);
  return 0;
}

/* Is e x[a:b, m] of a matrix or a 2-D real / int array variable (not a local)? */
static int col_range_of(const emitter *E, const ir_ex *e) {
  return e->kind == URN_EX_INDEX && e->nidx == 2 && e->idx[0].kind == URN_IDX_RANGE && e->idx[1].kind == URN_IDX_SINGLE &&
         var2(E, e->a[0]) && e->a[0]->ty.dims != 1 && local_of(E, e->a[0]) < 0;
}

/* A data-only slice as a density argument: `x[i, :]` or `x[:, j]` of a matrix (either transposed), `x[a:b]` of a 1-D
 * variable, or such a value folded into a constant (`A[:, 2]`): its values into the C variable slN (count snN),
 * copied in order.  0: done; 1: not this shape; -1: failed. */
static int data_slice(emitter *E, const ir_ex *e, int v) {
  if (!e->novar) return 1;
  if (e->kind == IR_CONST && e->cv.v && ((e->ty.dims == 0 && (e->ty.base == URN_TY_VECTOR || e->ty.base == URN_TY_ROW_VECTOR)) ||
                                          (e->ty.dims == 1 && e->ty.base == URN_TY_REAL))) { /* folded: its values */
    urn_buf_printf(E->f, "  static const double sl%d[%zu] = {", v, e->cv.n ? e->cv.n : 1);
    for (size_t j = 0; j < e->cv.n; j++) urn_buf_puts(E->f, j ? ", " : ""), put_double(E->f, e->cv.v[j]);
    urn_buf_printf(E->f, "%s};\n  const size_t sn%d = %zu;\n", e->cv.n ? "" : "0", v, e->cv.n);
    return 0;
  }
  if (e->kind == URN_EX_UNARY && e->op == URN_OP_TRANSPOSE && e->na == 1) e = e->a[0];
  if (e->kind != URN_EX_INDEX || e->na < 1) return 1;
  if (col_range_of(E, e)) { /* x[a:b, m] */
    int k = use_slot(E, e->a[0]->slot, 0);
    if (col_range(E, e, k, e->a[0]->ty.dims == 0, v)) return -1;
    urn_buf_printf(E->f, "  double *sl%d = h->scratch(h, (sn%d ? sn%d : 1) * sizeof(double));\n", v, v, v);
    urn_buf_printf(E->f, "  for (size_t j = 0; j < sn%d; j++) sl%d[j] = V%d[so%d + j * ss%d];\n", v, v, k, v, v);
    return 0;
  }
  const ir_ex *x = e->a[0];
  if (x->kind != URN_EX_VAR || !x->global || x->g != rt_g_var || x->slot >= E->p->nglob || local_of(E, x) >= 0 ||
      loop_var_of(E, x) >= 0)
    return 1;
  if (e->nidx == 2 && x->ty.dims == 0 && x->ty.base == URN_TY_MATRIX) {
    int rowsl = e->idx[0].kind == URN_IDX_SINGLE && e->idx[1].kind == URN_IDX_ALL;
    if (!rowsl && !(e->idx[0].kind == URN_IDX_ALL && e->idx[1].kind == URN_IDX_SINGLE)) return 1;
    int k = use_slot(E, x->slot, 0), o = E->nv++;
    char n[40];
    urn_buf_printf(E->f, "  const size_t sr%d = (size_t)h->dim[%d][0], sc%d = (size_t)h->dim[%d][1];\n", v, k, v, k);
    snprintf(n, sizeof n, "%s%d", rowsl ? "sr" : "sc", v);
    if (emit_offset(E, e->idx[rowsl ? 0 : 1].lo, n, o, "size_t")) return -1;
    if (rowsl) {
      urn_buf_printf(E->f, "  const size_t sn%d = sc%d;\n  double *sl%d = h->scratch(h, (sn%d ? sn%d : 1) * sizeof(double));\n", v, v, v, v, v);
      urn_buf_printf(E->f, "  for (size_t j = 0; j < sn%d; j++) sl%d[j] = V%d[o%d + j * sr%d];\n", v, v, k, o, v);
    } else
      urn_buf_printf(E->f, "  const size_t sn%d = sr%d;\n  const double *sl%d = V%d + o%d * sr%d;\n", v, v, v, k, o, v);
    return 0;
  }
  if (e->nidx == 1 && e->idx[0].kind == URN_IDX_RANGE && container_var(E, x) >= 0) {
    int k = container_var(E, x), lo = -1, hi = -1;
    nref a, b;
    if (emit_scalar(E, e->idx[0].lo, &a) || emit_scalar(E, e->idx[0].hi, &b)) return -1;
    lo = a.v, hi = b.v;
    /* the interpreter's rules for an empty or out-of-range slice: declined */
    urn_buf_printf(E->f, "  if (!(v%d >= 1 && v%d <= (double)N%d && v%d >= v%d)) return 1;\n", lo, hi, k, hi, lo);
    urn_buf_printf(E->f, "  const size_t sn%d = (size_t)(v%d - v%d) + 1;\n  const double *sl%d = V%d + ((size_t)v%d - 1);\n", v, hi, lo, v, k, lo);
    return 0;
  }
  return 1;
}

/* to_vector(X) of a matrix or vector variable (lang/fn_array.c's f_to_vector: the values and nodes in storage
 * order, one vector of all of them): X's slot index, or -1. */
static int flat_arg(emitter *E, const ir_ex *e) {
  if (e->kind != URN_EX_CALL || e->fun || !e->bi || e->na != 1 || strcmp(e->bi->name, "to_vector") || e->ty.dims) return -1;
  const ir_ex *x = e->a[0];
  if (x->ty.dims || (x->ty.base != URN_TY_MATRIX && x->ty.base != URN_TY_VECTOR) || local_of(E, x) >= 0) return -1;
  return container_arg(E, x);
}

/* A row x[i] of a matrix variable (Mth's `logit_p[i]`; rt_s_index's copy: the values and nodes of row i, C apart in
 * storage) copied into slV / sxV (count snV, oV): a data slice, or a parameter's segment as a column segment is. */
static int mat_row(emitter *E, const ir_ex *x, int v) {
  int k = use_slot(E, x->a[0]->slot, !x->novar), om = E->nv++;
  char n[24];
  urn_buf_printf(E->f, "  const size_t sr%d = (size_t)h->dim[%d][0], sn%d = (size_t)h->dim[%d][1];\n", v, k, v, k);
  snprintf(n, sizeof n, "sr%d", v);
  if (emit_offset(E, x->idx[0].lo, n, om, "size_t")) return -1;
  urn_buf_printf(E->f, "  double *sl%d = h->scratch(h, (sn%d ? sn%d : 1) * sizeof(double));\n", v, v, v);
  if (!x->novar)
    urn_buf_printf(E->f, "  int32_t *sx%d = h->scratch(h, (sn%d ? sn%d : 1) * sizeof(int32_t));\n  const int32_t o%d = (int32_t)sn%d;\n",
                   v, v, v, v, v);
  urn_buf_printf(E->f, "  for (size_t j = 0; j < sn%d; j++) {\n    sl%d[j] = V%d[o%d + j * sr%d];\n", v, v, k, om, v);
  if (!x->novar) urn_buf_printf(E->f, "    sx%d[j] = X%d[o%d + j * sr%d];\n", v, k, om, v);
  urn_buf_puts(E->f, "  }\n");
  return 0;
}

/* A vector argument of emit_dist as to_vector(X) (*slot: X's, *flat = 1) or a data slice (*dsl: its C variable,
 * *slot = -3).  0: one of them; 1: neither; -1: failed. */
static int vec_arg(emitter *E, const ir_ex *x, urn_dist_argkind ak, int *slot, int *dsl, int *flat, nref *r) {
  int reals = ak == URN_DA_REALS || ak == URN_DA_VECTOR || ak == URN_DA_VECTORS;
  if (!reals && ak != URN_DA_INTS) return 1;
  if (reals && (*slot = flat_arg(E, x)) >= 0) return *flat = 1, r->kind = x->novar ? NR_CONST : NR_RUN, 0;
  *slot = -1;
  if (urn_is_scalar(x->ty)) return 1;
  int v = E->nv++;
  if (reals && !x->novar && col_range_of(E, x) && x->a[0]->ty.dims == 0) { /* a parameter matrix's column segment */
    int k = use_slot(E, x->a[0]->slot, 1);
    if (col_range(E, x, k, 1, v)) return -1;
    urn_buf_printf(E->f, "  const double *sl%d = V%d + so%d;\n  const int32_t *sx%d = X%d + so%d, o%d = (int32_t)sn%d;\n", v, k, v, v, k,
                   v, v, v);
    return *dsl = v, *slot = -4, r->kind = NR_RUN, 0;
  }
  int lk = x->kind == URN_EX_INDEX && x->nidx == 1 && x->idx[0].kind == URN_IDX_SINGLE ? local_of(E, x->a[0]) : -1;
  if (reals && lk >= 0 && E->loc_mat[lk] && !x->novar) { /* a row of a matrix local: its values and references */
    int om = E->nv++;
    char n[24];
    snprintf(n, sizeof n, "LR%d", lk);
    if (emit_offset(E, x->idx[0].lo, n, om, "size_t")) return -1;
    urn_buf_printf(E->f, "  const size_t sn%d = LC%d;\n  double *sl%d = h->scratch(h, (sn%d ? sn%d : 1) * sizeof(double));\n", v, lk,
                   v, v, v);
    urn_buf_printf(E->f, "  int32_t *sx%d = h->scratch(h, (sn%d ? sn%d : 1) * sizeof(int32_t));\n  const int32_t o%d = (int32_t)o%d;\n",
                   v, v, v, v, om);
    urn_buf_printf(E->f, "  for (size_t j = 0; j < sn%d; j++) sl%d[j] = Lv%d[o%d + j * LR%d], sx%d[j] = Lr%d[o%d + j * LR%d];\n", v,
                   v, lk, om, lk, v, lk, om, lk);
    return r->loc = lk, *dsl = v, *slot = -5, r->kind = NR_RUN, 0;
  }
  if (x->kind == URN_EX_INDEX && x->nidx == 1 && x->idx[0].kind == URN_IDX_SINGLE && x->a[0]->ty.dims == 0 &&
      x->a[0]->ty.base == URN_TY_MATRIX && var2(E, x->a[0]) && local_of(E, x->a[0]) < 0 && reals) {
    if (mat_row(E, x, v)) return -1;
    return *dsl = v, *slot = x->novar ? -3 : -4, r->kind = x->novar ? NR_CONST : NR_RUN, 0;
  }
  int rc = data_slice(E, x, v);
  if (rc == 0) *dsl = v, *slot = -3, r->kind = NR_CONST;
  return rc;
}

/* Argument i of call da<v> from slice s (slN, snN): its values (ints: converted), and for a parameter's column segment
 * (seg) its partials' array q<p> and its nodes r<p>. */
static void put_slice(emitter *E, int v, int i, int s, int ints, int p, int seg) {
  urn_buf_printf(E->f, "  da%d[%d].n = sn%d, da%d[%d].rows = sn%d, da%d[%d].cols = 1;\n", v, i, s, v, i, s, v, i);
  if (ints) {
    urn_buf_printf(E->f, "  int *iv%d = h->scratch(h, (sn%d ? sn%d : 1) * sizeof(int));\n", p, s, s);
    urn_buf_printf(E->f, "  for (size_t j = 0; j < sn%d; j++) iv%d[j] = (int)sl%d[j];\n  da%d[%d].iv = iv%d;\n", s, p, s, v, i, p);
  } else
    urn_buf_printf(E->f, "  da%d[%d].v = sl%d;\n", v, i, s);
  if (seg)
    urn_buf_printf(E->f, "  double *q%d = h->scratch(h, (sn%d ? sn%d : 1) * sizeof(double));\n  da%d[%d].d = q%d;\n"
                         "  const int32_t *r%d = sx%d;\n", p, s, s, v, i, p, p, s);
}

/* Node k's operand for a parameter's column segment s: its partials (Q), its nodes (Q), its count o<s> (L). */
static int seg_op(emitter *E, int k, int p, int s) {
  nnode *n = &E->node[k];
  if (n->nop == NAT_MAX_OPS || E->qc + 2 > NAT_MAX_REC || E->lc == NAT_MAX_REC) return -1;
  nop *o = &n->op[n->nop++];
  o->kind = NR_SEG, o->off = E->qc, o->row = E->lc, o->loc = -1, o->ref = -1;
  E->qvar[E->qc++] = p, E->qvar[E->qc++] = -1 - p;
  E->lvar[E->lc++] = -1 - s;
  return 0;
}

/* The temporary local holding density argument e (emit_vtemps), or -1. */
static int vtmp_of(const emitter *E, const ir_ex *e) {
  for (int i = 0; i < E->nvtmp; i++)
    if (E->vtmp_ex[i] == e) return E->vtmp_loc[i];
  return -1;
}

/* A distribution call through its urn_dist function, as lang/fn_dist.c's urn_fn_dist_call makes it: scalar
 * arguments and whole container variables; one node with partials to every parameter-dependent argument. */
static int emit_dist(emitter *E, const urn_builtin *bi, ir_ex *const *a, int na, const char *propto, int line,
                     int col, nref *out) {
  if (!(bi->flags & URN_BI_DIST) || na > NAT_MAX_ARGS) return fail(E, line, col, "this density");
  const urn_dist *d = bi->aux;
  int kind = bi->aux2;
  if (kind != URN_DF_LPDF && kind != URN_DF_LUPDF) return fail(E, line, col, "this density");
  nat_prog *np = E->np;
  if (np->nsites == np->capsites) {
    np->capsites = np->capsites ? 2 * np->capsites : 8;
    np->sites = urn_xrealloc(np->sites, (size_t)np->capsites * sizeof *np->sites);
  }
  int site = np->nsites;
  nref r[NAT_MAX_ARGS];
  int slot[NAT_MAX_ARGS], rowv[NAT_MAX_ARGS], mv[NAT_MAX_ARGS], mvn[NAT_MAX_ARGS], mvx[NAT_MAX_ARGS], dsl[NAT_MAX_ARGS];
  int flat[NAT_MAX_ARGS];
  for (int i = 0; i < na; i++) {
    urn_dist_argkind ak = d->args[i].kind;
    slot[i] = -1, rowv[i] = -1, mv[i] = -1, dsl[i] = -1, flat[i] = 0;
    int rc = vec_arg(E, a[i], ak, &slot[i], &dsl[i], &flat[i], &r[i]);
    if (rc < 0) return -1;
    if (rc == 0) continue;
    if (ak == URN_DA_REALS || ak == URN_DA_VECTOR || ak == URN_DA_VECTORS) { /* X * b */
      int v = E->nv++, rc = emit_matvec(E, a[i], v, &mvn[i], &mvx[i], &slot[i]);
      if (rc < 0) return -1;
      if (rc == 0) { mv[i] = v, r[i].kind = a[i]->novar ? NR_CONST : NR_MV; continue; }
      slot[i] = -1;
    }
    /* vectors, matrices, GLM covariates: whole variables only (their shape from the slot's dims) */
    if (ak != URN_DA_REALS && ak != URN_DA_REAL && ak != URN_DA_INTS && ak != URN_DA_INT) {
      int vrow = (ak == URN_DA_VECTOR || ak == URN_DA_VECTORS) && a[i]->ty.dims == 0 && a[i]->kind == URN_EX_INDEX;
      if (vrow && (slot[i] = row_arg(E, a[i])) >= 0) { /* x[i] of an array of vectors: one vector */
        char n[24];
        rowv[i] = E->nv++;
        snprintf(n, sizeof n, "R%d", slot[i]);
        if (emit_offset(E, a[i]->idx[0].lo, n, rowv[i], "size_t")) return -1;
      } else if (local_of(E, a[i]) >= 0 || (slot[i] = container_arg(E, a[i])) < 0)
        return FAIL(a[i], "a container argument other than a variable");
      r[i].kind = a[i]->novar ? NR_CONST : NR_RUN;
      continue;
    }
    if (a[i]->s && urn_is_scalar(a[i]->ty)) {
      if (emit_scalar(E, a[i], &r[i])) return -1;
    } else if (local_of(E, a[i]) >= 0 && E->loc_dims[local_of(E, a[i])] == 1 && !a[i]->novar &&
               (d->args[i].kind == URN_DA_REALS) && a[i]->g == rt_g_var) {
      slot[i] = -2, r[i].kind = NR_LRUN, r[i].loc = local_of(E, a[i]);
    } else if (vtmp_of(E, a[i]) >= 0 && d->args[i].kind == URN_DA_REALS) { /* computed before the statement */
      slot[i] = -2, r[i].kind = NR_LRUN, r[i].loc = vtmp_of(E, a[i]);
    } else if ((slot[i] = row_arg(E, a[i])) >= 0) {
      char n[24];
      rowv[i] = E->nv++;
      snprintf(n, sizeof n, "R%d", slot[i]);
      if (emit_offset(E, a[i]->idx[0].lo, n, rowv[i], "size_t")) return -1;
      r[i].kind = a[i]->novar ? NR_CONST : NR_RUN;
    } else {
      slot[i] = container_var(E, a[i]);
      if (slot[i] < 0) return FAIL(a[i], "a container argument other than a variable");
      r[i].kind = a[i]->novar ? NR_CONST : NR_RUN;
    }
  }
  np->sites[np->nsites++] = (nat_site){bi, a, na};
  E->recomp = 0;
  int v = E->nv++;
  urn_buf_printf(E->f, "  nat_darg da%d[%d];\n  memset(da%d, 0, sizeof da%d);\n", v, na, v, v);
  int pvar[NAT_MAX_ARGS];
  for (int i = 0; i < na; i++) {
    int ints = d->args[i].kind == URN_DA_INTS || d->args[i].kind == URN_DA_INT || d->args[i].kind == URN_DA_INT_ARRAY,
        var = !a[i]->novar;
    pvar[i] = E->nv++;
    urn_buf_printf(E->f, "  da%d[%d].memo = h->memo[%d];\n", v, i, site * NAT_MAX_ARGS + i);
    if (dsl[i] >= 0) { put_slice(E, v, i, dsl[i], ints, pvar[i], slot[i] <= -4); continue; }
    if (slot[i] == -2) { /* a local vector: its values, a copy of its references (all must be nodes) */
      int lk = r[i].loc;
      urn_buf_printf(E->f, "  da%d[%d].v = Lv%d, da%d[%d].n = Ln%d, da%d[%d].rows = Ln%d, da%d[%d].cols = 1;\n", v, i, lk, v, i, lk,
                     v, i, lk, v, i);
      urn_buf_printf(E->f, "  double *q%d = h->scratch(h, (Ln%d ? Ln%d : 1) * sizeof(double));\n  da%d[%d].d = q%d;\n", pvar[i],
                     lk, lk, v, i, pvar[i]);
      urn_buf_printf(E->f, "  int32_t *r%d = h->scratch(h, (Ln%d ? Ln%d : 1) * sizeof(int32_t));\n", pvar[i], lk, lk);
      urn_buf_printf(E->f, "  memcpy(r%d, Lr%d, Ln%d * sizeof(int32_t));\n", pvar[i], lk, lk);
      continue;
    }
    if (mv[i] >= 0) { /* X * b: its values, the rows as a vector */
      int m = mv[i];
      urn_buf_printf(E->f, "  da%d[%d].v = mv%d, da%d[%d].n = mr%d, da%d[%d].rows = mr%d, da%d[%d].cols = 1;\n", v, i, m, v, i, m, v, i,
                     m, v, i);
      if (var) urn_buf_printf(E->f, "  double *q%d = h->scratch(h, (mr%d ? mr%d : 1) * sizeof(double));\n  da%d[%d].d = q%d;\n", pvar[i],
                              m, m, v, i, pvar[i]);
    } else if (slot[i] < 0) {
      if (ints) urn_buf_printf(E->f, "  const int iv%d = (int)v%d;\n  da%d[%d].iv = &iv%d;\n", pvar[i], r[i].v, v, i, pvar[i]);
      else urn_buf_printf(E->f, "  da%d[%d].v = &v%d;\n", v, i, r[i].v);
      urn_buf_printf(E->f, "  da%d[%d].n = 1, da%d[%d].rows = 1, da%d[%d].cols = 1;\n", v, i, v, i, v, i);
      if (var && !ints) urn_buf_printf(E->f, "  double p%d = 0;\n  da%d[%d].d = &p%d;\n", pvar[i], v, i, pvar[i]);
    } else { /* a whole variable (N values from V), or a row (C values from V + o * C) */
      int k = slot[i];
      char vb[48], n[24];
      if (rowv[i] >= 0) snprintf(vb, sizeof vb, "(V%d + o%d * C%d)", k, rowv[i], k), snprintf(n, sizeof n, "C%d", k);
      else snprintf(vb, sizeof vb, "V%d", k), snprintf(n, sizeof n, "N%d", k);
      urn_buf_printf(E->f, "  da%d[%d].n = %s, da%d[%d].rows = %s, da%d[%d].cols = 1;\n", v, i, n, v, i, n, v, i);
      if (rowv[i] < 0 && !flat[i]) put_shape(E, d->args[i].kind, a[i], k, v, i);
      if (ints) {
        urn_buf_printf(E->f, "  int *iv%d = h->scratch(h, (%s ? %s : 1) * sizeof(int));\n", pvar[i], n, n);
        urn_buf_printf(E->f, "  for (size_t j = 0; j < %s; j++) iv%d[j] = (int)%s[j];\n  da%d[%d].iv = iv%d;\n", n, pvar[i], vb, v,
                       i, pvar[i]);
      } else {
        urn_buf_printf(E->f, "  da%d[%d].v = %s;\n", v, i, vb);
      }
      if (var && !ints)
        urn_buf_printf(E->f, "  double *q%d = h->scratch(h, (%s ? %s : 1) * sizeof(double));\n  da%d[%d].d = q%d;\n", pvar[i], n,
                       n, v, i, pvar[i]);
    }
  }
  urn_buf_printf(E->f, "  double v%d = 0;\n  if (((nat_dist_fn)h->fn[%d])(da%d, %s, &v%d, h->err)) return 1;\n", v, site, v, propto, v);
  out->v = v, out->kind = NR_CONST;
  int any = 0;
  for (int i = 0; i < na; i++) any |= !a[i]->novar;
  if (!any) return 0;
  int k = new_node(E);
  if (k < 0) return fail(E, line, col, "a statement too large");
  for (int i = 0; i < na; i++) {
    if (a[i]->novar) continue;
    if (slot[i] == -1) {
      if (add_op(E, k, r[i], pvar[i])) return fail(E, line, col, "a statement too large");
      continue;
    }
    nnode *n = &E->node[k];
    if (slot[i] <= -4) {
      if (seg_op(E, k, pvar[i], dsl[i])) return fail(E, line, col, "a statement too large");
      if (slot[i] == -5) n->op[n->nop - 1].kind = NR_LMROW, n->op[n->nop - 1].loc = r[i].loc;
      continue;
    }
    if (mv[i] >= 0) {
      if (n->nop == NAT_MAX_OPS || E->qc == NAT_MAX_REC) return fail(E, line, col, "a statement too large");
      nop *o = &n->op[n->nop++];
      o->kind = NR_MV, o->ref = mvn[i], o->off = E->qc, o->loc = mvx[i], o->row = -1;
      E->qvar[E->qc++] = pvar[i];
      matvec_rev(E, a[i], mvn[i], o->off, mvx[i], slot[i]);
      continue;
    }
    if (n->nop == NAT_MAX_OPS || E->qc + 2 > NAT_MAX_REC) return fail(E, line, col, "a statement too large");
    nop *o = &n->op[n->nop++];
    o->kind = slot[i] == -2 ? NR_LRUN : NR_RUN, o->ref = slot[i], o->off = E->qc, o->loc = r[i].loc, o->row = -1;
    E->qvar[E->qc++] = pvar[i];
    if (slot[i] == -2) E->qvar[E->qc++] = -1 - pvar[i]; /* the references' copy rN */
    if (rowv[i] >= 0) {
      if (E->lc == NAT_MAX_REC) return fail(E, line, col, "a statement too large");
      o->row = E->lc, E->lvar[E->lc++] = -1 - rowv[i];
    }
  }
  out->kind = NR_NODE, out->node = k;
  return 0;
}

/* ---- fused vectorised arguments: lang/batch.c's urn_fused_dist ----
 * `y ~ normal(a + b * x, sigma)`, `alpha[county] + x .* beta[county]`: the interpreter evaluates such an argument
 * as lanes (one per element), each carrying forward-mode terms (a leaf and d value / d leaf per lane, batch.c's
 * bterm, merged when two operands reach the same leaf), calls the density once, and its reverse callback gives
 * each leaf, element by element from the last, adj * g[l] * d[l].  Here each lane's value is the same expression
 * on the same operands (its values in a forward loop); the reverse loop recomputes the lane's value and terms
 * (the same operations: the same bits) and adds them in the callback's order.  Operands: scalars (evaluated once,
 * in the interpreter's order, as any scalar of the subset), whole container variables and gathers v[idx] of a
 * variable at a data int array; operators + - * and the elementwise kernels. */

#define NAT_MAX_TERMS 16
#define NAT_MAX_UNI 64
enum { FT_SHARED, FT_VAR, FT_GATHER };
/* A derivative term of a lane value (batch.c's bterm). */
typedef struct fterm {
  int kind;   /* FT_SHARED: one node for every lane (a scalar operand's), FT_VAR: element l of a container variable,
                 FT_GATHER: a gather's element (a per-lane leaf) */
  int id;     /* merging identity (batch.c merges equal nodes / equal per-lane node arrays): FT_SHARED: a scalar
                 variable's slot + 1, else unique (negative); FT_VAR: the slot index (a variable's nodes are one
                 array); FT_GATHER: unique (each gather makes its own array) */
  nref r;     /* FT_SHARED: the scalar's reference (NR_LEAF or NR_NODE) */
  int k, g;   /* FT_VAR / FT_GATHER: the container's slot index; FT_GATHER: the C variable of its offset gN */
  char d[24]; /* C expression of its derivative in lane l ("": 1, batch.c's NULL) */
} fterm;

/* A lane value: its C expression in lane l and its terms. */
typedef struct fval {
  char v[24];
  fterm t[NAT_MAX_TERMS];
  int nt;
} fval;

/* The state of one fused argument. */
typedef struct fctx {
  const ir_ex *ue[NAT_MAX_UNI]; /* its scalar operands, evaluated once by the forward pass */
  nref ur[NAT_MAX_UNI];         /* their references */
  int nu;                       /* their number */
  int lslot;                    /* the slot index whose size is the number of lanes (-1: none yet) */
  int uid;                      /* unique identities handed out */
  urn_buf *b;                   /* where the lane code goes */
  int rev;                      /* 1: the reverse's lane code (values and terms), 0: the forward's (values, checks) */
} fctx;

/* Is e a fused elementwise operation (batch.c's fuse_op)? */
static int fused_op(const ir_ex *e) {
  urn_type t = e->ty;
  int vec = (t.dims == 0 && (t.base == URN_TY_VECTOR || t.base == URN_TY_ROW_VECTOR)) ||
            (t.dims == 1 && (t.base == URN_TY_REAL || t.base == URN_TY_INT));
  if (!vec || e->fun || !e->bi || (e->bi->flags & (URN_BI_RNG | URN_BI_DIST))) return 0;
  if (e->kind != URN_EX_BINARY && e->kind != URN_EX_UNARY && e->kind != URN_EX_CALL) return 0;
  const urn_builtin *b = e->bi;
  return (b->fn == urn_fn_unary && b->sfn == urn_fn_unary_s && e->na == 1) ||
         (b->fn == urn_fn_binary && b->sfn == urn_fn_binary_s && e->na == 2);
}

/* Is e a gather v[idx] (batch.c's gather_op)? */
static int fused_gather(const ir_ex *e) {
  return e->kind == URN_EX_INDEX && e->nidx == 1 && e->idx[0].kind == URN_IDX_MULTI && e->idx[0].lo &&
         e->a[0]->kind == URN_EX_VAR && e->a[0]->ty.base != URN_TY_INT && e->idx[0].lo->novar &&
         e->idx[0].lo->ty.dims == 1 && e->idx[0].lo->ty.base == URN_TY_INT;
}

/* A container operand of the lanes (slot index k): the first sets the number of lanes, the others must match. */
static void fused_lanes(emitter *E, fctx *c, int k) {
  if (c->lslot < 0) c->lslot = k;
  else if (k != c->lslot) urn_buf_printf(E->f, "  if (N%d != N%d) return 1;\n", k, c->lslot);
}

/* The forward pass's part of a fused argument before its lanes, in batch.c's bx order: scalar operands evaluated
 * (tape nodes in the interpreter's order), container operands resolved, sizes checked. */
static int fused_prep(emitter *E, fctx *c, const ir_ex *e) {
  if (urn_is_scalar(e->ty)) {
    nref r;
    if (c->nu == NAT_MAX_UNI || !e->s || emit_scalar(E, e, &r)) return c->nu == NAT_MAX_UNI ? FAIL(e, "a statement too large") : -1;
    if (r.kind == NR_LOCAL) return FAIL(e, "a local in a fused argument");
    c->ue[c->nu] = e, c->ur[c->nu++] = r;
    return 0;
  }
  if (e->kind == IR_CONST) return FAIL(e, "a fused constant container");
  if (fused_gather(e)) {
    if (local_of(E, e->a[0]) >= 0 || local_of(E, e->idx[0].lo) >= 0) return FAIL(e, "a local in a fused argument");
    int kb = container_var(E, e->a[0]), ki = container_var(E, e->idx[0].lo);
    if (kb < 0 || ki < 0) return FAIL(e, "a fused gather other than variable[data int array]");
    fused_lanes(E, c, ki);
    return 0;
  }
  if (fused_op(e)) {
    for (int i = 0; i < e->na; i++)
      if (fused_prep(E, c, e->a[i])) return -1;
    return 0;
  }
  if (local_of(E, e) >= 0) return FAIL(e, "a local in a fused argument");
  int k = container_var(E, e);
  if (k < 0) return FAIL(e, "a fused operand other than a variable");
  fused_lanes(E, c, k);
  return 0;
}

/* Adds arg's terms times partial (C expression p per lane, or the constant c: "1.0", "-1.0" or a scalar's C
 * variable) to out, as batch.c's combine: a leaf already among the earlier arguments' terms is added into. */
static int fused_combine(emitter *E, fctx *c, fval *out, int before, const fval *x, const char *p, const char *k) {
  for (int j = 0; j < x->nt; j++) {
    const fterm *t = &x->t[j];
    fterm *o = NULL;
    for (int i = 0; i < before; i++)
      if (out->t[i].kind == t->kind && out->t[i].id == t->id) { o = &out->t[i]; break; }
    char term[64];
    if (p && t->d[0]) snprintf(term, sizeof term, "%s * %s", p, t->d);
    else if (p) snprintf(term, sizeof term, "%s", p);
    else if (t->d[0]) snprintf(term, sizeof term, "%s * %s", k, t->d);
    else snprintf(term, sizeof term, "%s", k);
    if (!o) {
      if (out->nt == NAT_MAX_TERMS) return -1;
      o = &out->t[out->nt++];
      *o = *t;
      if (!p && strcmp(k, "1.0") == 0) continue; /* shared: t's own derivative */
      if (p && !t->d[0]) { snprintf(o->d, sizeof o->d, "%s", p); continue; }
      int v = E->nv++;
      if (c->rev) urn_buf_printf(c->b, "    const double dd%d = %s;\n", v, term);
      snprintf(o->d, sizeof o->d, "dd%d", v);
      continue;
    }
    int v = E->nv++;
    if (c->rev) urn_buf_printf(c->b, "    const double dd%d = %s + %s;\n", v, o->d[0] ? o->d : "1.0", term);
    snprintf(o->d, sizeof o->d, "dd%d", v);
  }
  return 0;
}

static int fused_uni(const fctx *c, const ir_ex *e) {
  for (int i = 0; i < c->nu; i++)
    if (c->ue[i] == e) return i;
  return -1;
}

/* The lane code of e (lane l): its value and (c->rev) its terms' derivatives. */
static int fused_lane(emitter *E, fctx *c, const ir_ex *e, fval *out) {
  out->nt = 0;
  if (urn_is_scalar(e->ty)) {
    int u = fused_uni(c, e);
    nref r = c->ur[u];
    snprintf(out->v, sizeof out->v, "v%d", r.v);
    if (r.kind == NR_CONST) return 0;
    fterm *t = &out->t[out->nt++];
    t->kind = FT_SHARED, t->r = r, t->d[0] = 0;
    t->id = r.kind == NR_LEAF && e->kind == URN_EX_VAR ? e->slot + 1 : -(++c->uid);
    return 0;
  }
  if (fused_gather(e)) {
    int kb = container_var(E, e->a[0]), ki = container_var(E, e->idx[0].lo), g = E->nv++;
    if (!c->rev)
      urn_buf_printf(c->b, "    if (!(V%d[l] >= 1 && V%d[l] <= (double)(int32_t)N%d)) return 1;\n", ki, ki, kb);
    urn_buf_printf(c->b, "    const size_t g%d = (size_t)V%d[l] - 1;\n", g, ki);
    snprintf(out->v, sizeof out->v, "V%d[g%d]", kb, g);
    if (e->a[0]->novar) return 0;
    fterm *t = &out->t[out->nt++];
    t->kind = FT_GATHER, t->id = -(++c->uid), t->k = kb, t->g = g, t->d[0] = 0;
    return 0;
  }
  if (!fused_op(e)) {
    int k = container_var(E, e);
    snprintf(out->v, sizeof out->v, "V%d[l]", k);
    if (e->novar) return 0;
    fterm *t = &out->t[out->nt++];
    t->kind = FT_VAR, t->id = k, t->k = k, t->d[0] = 0;
    return 0;
  }
  fval x, y;
  if (fused_lane(E, c, e->a[0], &x) || (e->na == 2 && fused_lane(E, c, e->a[1], &y))) return -1;
  int v = E->nv++, op = e->kind == URN_EX_BINARY ? e->op : -1;
  snprintf(out->v, sizeof out->v, "w%d", v);
  char pa[24] = "", pb[24] = "", ka[24] = "1.0", kb[24] = "1.0";
  if (e->na == 1) {
    int k = use_kernel(E, e->bi->aux);
    urn_buf_printf(c->b, "    const double w%d = ((const nat_unary *)h->kern[%d])->f(%s);\n", v, k, x.v);
    if (c->rev && x.nt) urn_buf_printf(c->b, "    const double pw%d = ((const nat_unary *)h->kern[%d])->df(%s, w%d);\n", v, k, x.v, v);
    snprintf(pa, sizeof pa, "pw%d", v);
    return fused_combine(E, c, out, 0, &x, pa, ka);
  }
  if (op == URN_OP_ADD || op == URN_OP_SUB) {
    urn_buf_printf(c->b, "    const double w%d = %s %s %s;\n", v, x.v, op == URN_OP_ADD ? "+" : "-", y.v);
    if (op == URN_OP_SUB) snprintf(kb, sizeof kb, "-1.0");
    return fused_combine(E, c, out, 0, &x, NULL, ka) || fused_combine(E, c, out, out->nt, &y, NULL, kb) ? -1 : 0;
  }
  int xs = urn_is_scalar(e->a[0]->ty), ys = urn_is_scalar(e->a[1]->ty);
  if (op == URN_OP_MUL) {
    urn_buf_printf(c->b, "    const double w%d = %s * %s;\n", v, x.v, y.v);
    /* batch.c: a loop-invariant factor is a constant partial, and a zero one drops the other's terms: declined */
    if (x.nt && ys && !c->rev) urn_buf_printf(c->b, "    if (%s == 0) return 1;\n", y.v);
    if (y.nt && xs && !c->rev) urn_buf_printf(c->b, "    if (%s == 0) return 1;\n", x.v);
    snprintf(ys ? kb : pa, 24, "%s", y.v), snprintf(xs ? ka : pb, 24, "%s", x.v);
    /* x's partial is y (per lane, or y's constant), y's is x */
    return fused_combine(E, c, out, 0, &x, ys ? NULL : pa, kb) || fused_combine(E, c, out, out->nt, &y, xs ? NULL : pb, ka) ? -1 : 0;
  }
  int k = use_kernel(E, (const void *)e->bi->aux);
  urn_buf_printf(c->b, "    double w%d, pa%d, pb%d;\n    ((nat_binary)h->kern[%d])(%s, %s, &w%d, &pa%d, &pb%d);\n", v, v, v, k,
                 x.v, y.v, v, v, v);
  snprintf(pa, sizeof pa, "pa%d", v), snprintf(pb, sizeof pb, "pb%d", v);
  return fused_combine(E, c, out, 0, &x, pa, ka) || fused_combine(E, c, out, out->nt, &y, pb, kb) ? -1 : 0;
}

/* A shared term's node in the reverse (a leaf's adjoint, or the statement's node's). */
static void fused_target(char *b, size_t n, const fterm *t) {
  if (t->kind == FT_VAR) snprintf(b, n, "adj[X%d[l]]", t->k);
  else if (t->kind == FT_GATHER) snprintf(b, n, "adj[X%d[g%d]]", t->k, t->g);
  else if (t->r.kind == NR_LEAF) snprintf(b, n, "adj[x%d]", t->r.x);
  else snprintf(b, n, "a%d", t->r.node);
}

/* Fused argument e's forward lanes into fvN (N = *fv), and its reverse (fused_reverse in batch.c: element by
 * element from the last, adj * g[l] times each term's derivative) into E->fxr for node k's reverse. */
static int fused_arg(emitter *E, const ir_ex *e, fctx *c, int *fv) {
  c->lslot = -1;
  if (fused_prep(E, c, e)) return -1;
  if (c->lslot < 0) return FAIL(e, "a fused argument without containers");
  /* two scalar leaves merge in batch.c when they are the same node: declined unless it is one variable */
  for (int i = 0; i < c->nu; i++)
    for (int j = i + 1; j < c->nu; j++)
      if (c->ur[i].kind == NR_LEAF && c->ur[j].kind == NR_LEAF &&
          !(c->ue[i]->kind == URN_EX_VAR && c->ue[j]->kind == URN_EX_VAR && c->ue[i]->slot == c->ue[j]->slot))
        urn_buf_printf(E->f, "  if (x%d == x%d) return 1;\n", c->ur[i].x, c->ur[j].x);
  int v = *fv = E->nv++;
  urn_buf_printf(E->f, "  double *fv%d = h->scratch(h, (N%d ? N%d : 1) * sizeof(double));\n  for (size_t l = 0; l < N%d; l++) {\n", v,
                 c->lslot, c->lslot, c->lslot);
  fval x;
  c->b = E->f, c->rev = 0;
  if (fused_lane(E, c, e, &x)) return FAIL(e, "a fused argument with too many terms");
  urn_buf_printf(E->f, "    fv%d[l] = %s;\n  }\n", v, x.v);
  return 0;
}

/* The reverse of fused argument e (context c from fused_arg), its d lp / d element in Q entry q, node k. */
static int fused_rev(emitter *E, const ir_ex *e, fctx *c, int q, int k) {
  urn_buf *b = &E->fxr;
  urn_buf_puts(b, "    {\n");
  for (int i = 0; i < c->nu; i++) { /* the scalar operands' values and leaves, from the records */
    nref r = c->ur[i];
    if (E->pc == NAT_MAX_REC || E->lc == NAT_MAX_REC) return FAIL(e, "a statement too large");
    int p = E->nv++;
    urn_buf_printf(E->f, "  const double p%d = v%d;\n", p, r.v);
    urn_buf_printf(b, "    const double v%d = P[%d];\n    (void)v%d;\n", r.v, E->pc, r.v);
    E->pvar[E->pc++] = p;
    if (r.kind == NR_LEAF) urn_buf_printf(b, "    const int32_t x%d = L[%d];\n", r.x, E->lc), E->lvar[E->lc++] = r.x;
  }
  urn_buf_printf(b, "    for (size_t l = N%d; l-- > 0;) {\n    const double ag = a%d * Q[%d][l];\n    if (ag == 0) continue;\n",
                 c->lslot, k, q);
  fval x;
  c->b = b, c->rev = 1, c->uid = 0;
  if (fused_lane(E, c, e, &x)) return FAIL(e, "a fused argument with too many terms");
  for (int j = 0; j < x.nt; j++) {
    char tg[48];
    fused_target(tg, sizeof tg, &x.t[j]);
    if (x.t[j].d[0]) urn_buf_printf(b, "    %s += ag * %s;\n", tg, x.t[j].d);
    else urn_buf_printf(b, "    %s += ag;\n", tg);
  }
  urn_buf_puts(b, "    }\n    }\n");
  return 0;
}

/* A distribution call with fused arguments, as urn_fused_dist makes it: the fused arguments' lanes, the other
 * arguments as emit_dist's (scalars and whole container variables; no memos: urn_fused_dist passes none), one
 * node whose partials go to the plain arguments, then (its reverse callback) to the fused arguments' leaves. */
static int emit_fused(emitter *E, const urn_builtin *bi, ir_ex *const *a, int na, const char *propto, int line, int col,
                      nref *out) {
  if (!(bi->flags & URN_BI_DIST) || na > NAT_MAX_ARGS) return fail(E, line, col, "this density");
  const urn_dist *d = bi->aux;
  if ((bi->aux2 != URN_DF_LPDF && bi->aux2 != URN_DF_LUPDF) || d->multivariate) return fail(E, line, col, "this density");
  /* a batched loop evaluates the call as a sum over its lanes (batch.c's bx_dist_vec), in another order */
  if (E->nbatch) return fail(E, line, col, "a fused vectorised argument in a batched loop");
  if (E->fxnode >= 0) return fail(E, line, col, "two fused calls in one statement");
  fctx *fc = urn_xcalloc((size_t)na, sizeof *fc);
  nref r[NAT_MAX_ARGS];
  int slot[NAT_MAX_ARGS], fused[NAT_MAX_ARGS], fv[NAT_MAX_ARGS], rc = 0;
  for (int i = 0; i < na && !rc; i++) {
    urn_dist_argkind ak = d->args[i].kind;
    if (ak != URN_DA_REALS && ak != URN_DA_REAL && ak != URN_DA_INTS && ak != URN_DA_INT) {
      rc = FAIL(a[i], "an argument kind outside the native subset");
      break;
    }
    slot[i] = -1, r[i].kind = NR_CONST;
    fused[i] = ak == URN_DA_REALS && a[i]->lane && fused_op(a[i]);
    if (fused[i]) rc = fused_arg(E, a[i], &fc[i], &fv[i]);
    else if (a[i]->s && urn_is_scalar(a[i]->ty)) rc = emit_scalar(E, a[i], &r[i]);
    else if (local_of(E, a[i]) >= 0 || (slot[i] = container_var(E, a[i])) < 0)
      rc = FAIL(a[i], "a container argument other than a variable");
    else r[i].kind = a[i]->novar ? NR_CONST : NR_RUN;
  }
  if (rc) { free(fc); return -1; }
  nat_prog *np = E->np;
  if (np->nsites == np->capsites) {
    np->capsites = np->capsites ? 2 * np->capsites : 8;
    np->sites = urn_xrealloc(np->sites, (size_t)np->capsites * sizeof *np->sites);
  }
  int site = np->nsites;
  np->sites[np->nsites++] = (nat_site){bi, a, na};
  E->recomp = 0;
  int v = E->nv++, pvar[NAT_MAX_ARGS];
  urn_buf_printf(E->f, "  nat_darg da%d[%d];\n  memset(da%d, 0, sizeof da%d);\n", v, na, v, v);
  for (int i = 0; i < na; i++) {
    int ints = d->args[i].kind == URN_DA_INTS || d->args[i].kind == URN_DA_INT, var = !a[i]->novar;
    pvar[i] = E->nv++;
    if (fused[i]) {
      int n = fc[i].lslot;
      urn_buf_printf(E->f, "  da%d[%d].v = fv%d, da%d[%d].n = N%d, da%d[%d].rows = N%d, da%d[%d].cols = 1;\n", v, i, fv[i], v, i, n, v,
                     i, n, v, i);
      if (var)
        urn_buf_printf(E->f, "  double *q%d = h->scratch(h, (N%d ? N%d : 1) * sizeof(double));\n  da%d[%d].d = q%d;\n", pvar[i], n, n,
                       v, i, pvar[i]);
    } else if (slot[i] < 0) {
      if (ints) urn_buf_printf(E->f, "  const int iv%d = (int)v%d;\n  da%d[%d].iv = &iv%d;\n", pvar[i], r[i].v, v, i, pvar[i]);
      else urn_buf_printf(E->f, "  da%d[%d].v = &v%d;\n", v, i, r[i].v);
      urn_buf_printf(E->f, "  da%d[%d].n = 1, da%d[%d].rows = 1, da%d[%d].cols = 1;\n", v, i, v, i, v, i);
      if (var && !ints) urn_buf_printf(E->f, "  double p%d = 0;\n  da%d[%d].d = &p%d;\n", pvar[i], v, i, pvar[i]);
    } else {
      int k = slot[i];
      urn_buf_printf(E->f, "  da%d[%d].n = N%d, da%d[%d].rows = N%d, da%d[%d].cols = 1;\n", v, i, k, v, i, k, v, i);
      if (ints) {
        urn_buf_printf(E->f, "  int *iv%d = h->scratch(h, (N%d ? N%d : 1) * sizeof(int));\n", pvar[i], k, k);
        urn_buf_printf(E->f, "  for (size_t j = 0; j < N%d; j++) iv%d[j] = (int)V%d[j];\n  da%d[%d].iv = iv%d;\n", k, pvar[i], k, v, i,
                       pvar[i]);
      } else urn_buf_printf(E->f, "  da%d[%d].v = V%d;\n", v, i, k);
      if (var && !ints)
        urn_buf_printf(E->f, "  double *q%d = h->scratch(h, (N%d ? N%d : 1) * sizeof(double));\n  da%d[%d].d = q%d;\n", pvar[i], k, k,
                       v, i, pvar[i]);
    }
  }
  urn_buf_printf(E->f, "  double v%d = 0;\n  if (((nat_dist_fn)h->fn[%d])(da%d, %s, &v%d, h->err)) return 1;\n", v, site, v, propto, v);
  out->v = v, out->kind = NR_CONST;
  int any = 0;
  for (int i = 0; i < na; i++) any |= !a[i]->novar;
  if (!any) { free(fc); return 0; }
  int k = new_node(E);
  if (k < 0) { free(fc); return fail(E, line, col, "a statement too large"); }
  for (int i = 0; i < na && !rc; i++) { /* the plain arguments' partials: the node's own, in argument order */
    if (a[i]->novar || fused[i]) continue;
    if (slot[i] == -1) { rc = add_op(E, k, r[i], pvar[i]); continue; }
    nnode *n = &E->node[k];
    if (n->nop == NAT_MAX_OPS || E->qc == NAT_MAX_REC) { rc = -1; break; }
    nop *o = &n->op[n->nop++];
    o->kind = NR_RUN, o->ref = slot[i], o->off = E->qc, o->row = -1;
    E->qvar[E->qc++] = pvar[i];
  }
  urn_buf_init(&E->fxr);
  E->fxnode = k;
  for (int i = 0; i < na && !rc; i++) { /* then the callback's: fused arguments in order */
    if (a[i]->novar || !fused[i]) continue;
    if (E->qc == NAT_MAX_REC) { rc = -1; break; }
    int q = E->qc;
    E->qvar[E->qc++] = pvar[i];
    rc = fused_rev(E, a[i], &fc[i], q, k);
  }
  free(fc);
  if (rc) return fail(E, line, col, "a statement too large");
  out->kind = NR_NODE, out->node = k;
  return 0;
}

/* A statement's code: forward into f, reverse into r (to be run in reverse statement order). */
static int emit_stmt(emitter *E, const ir_st *s, urn_buf *f, urn_buf *r);

static void finish(emitter *E, urn_buf *f, urn_buf *r, const char *root, int root_loc);

/* `~` and `target +=` of a density: the term, then its records and its reverse. */
static int emit_term(emitter *E, const ir_st *s, urn_buf *f, urn_buf *r) {
  nref t;
  E->f = f, E->nnode = 0, E->pc = E->lc = E->qc = 0;
  urn_buf_puts(f, "  {\n");
  E->recomp = 1, E->cstart = f->len;
  int rc;
  if (s->kind == URN_ST_TILDE) {
    if (s->fun || s->tlo || s->thi || !s->bi) return FAIL(s, "a user density or truncation");
    if (s->run == rt_run_fn(URN_ST_TILDE, 1)) rc = emit_normal3(E, s->args, "propto", &t);
    else if (s->run == rt_run_fn(URN_ST_TILDE, 0)) rc = emit_dist(E, s->bi, s->args, s->nargs, "propto", s->line, s->col, &t);
    else if (s->run == urn_fused_tilde_run) rc = emit_fused(E, s->bi, s->args, s->nargs, "propto", s->line, s->col, &t);
    else return FAIL(s, "a fused vectorised argument");
  } else {
    const ir_ex *e = s->rhs;
    if (s->run != rt_run_fn(URN_ST_TARGET, 0) || !e->s || !urn_is_scalar(e->ty)) return FAIL(s, "this target increment");
    const char *pr = e->propto ? "propto" : "0";
    if (e->s == rt_s_normal) rc = emit_normal3(E, e->a, pr, &t);
    else if (e->s == rt_s_dist) rc = emit_dist(E, e->bi, e->a, e->na, pr, e->line, e->col, &t);
    else if (e->s == urn_fused_dist_s) rc = emit_fused(E, e->bi, e->a, e->na, pr, e->line, e->col, &t);
    else if ((rc = emit_scalar(E, e, &t)) == 0 && t.kind == NR_LOCAL && E->hoist && !e->lane) {
      /* a loop-invariant increment (M0's else branch) computed before the batched loop: each lane adds it to
         target as a node of its own whose partial is 1 (batch.c's sinks_flush) */
      int k = new_node(E), pv = E->nv++;
      urn_buf_printf(f, "  const double p%d = 1;\n", pv);
      if (k < 0 || add_op(E, k, t, pv)) return FAIL(e, "a statement too large");
      t.kind = NR_NODE, t.node = k;
    } else if (!rc && (t.kind == NR_LEAF || t.kind == NR_LOCAL))
      return FAIL(e, "target += a parameter or a local itself");
  }
  if (rc) return -1;
  if (t.kind == NR_CONST) { urn_buf_printf(f, "  tc += v%d;\n  }\n", t.v); return 0; }
  E->cend = f->len;
  urn_buf_printf(f, "  if (nt == h->tcap) h->grow(h, 0, 0, 0);\n  h->T[nt++] = v%d;\n", t.v);
  finish(E, f, r, "1", -1);
  return 0;
}

/* The name of P record entry i (the partial) or L record entry i (a leaf's node, or a local element's offset)
 * in the reverse: read from the records, or, when the statement recomputes, the forward variable itself. */
static void rec_p(const emitter *E, char *b, int i) {
  if (E->recomp) snprintf(b, 24, "p%d", E->pvar[i]);
  else snprintf(b, 24, "P[%d]", i);
}
static void rec_l(const emitter *E, char *b, int i) {
  if (!E->recomp) snprintf(b, 24, "L[%d]", i);
  else snprintf(b, 24, "%c%d", E->lvar[i] >= 0 ? 'x' : 'o', E->lvar[i] >= 0 ? E->lvar[i] : -1 - E->lvar[i]);
}

/* The forward records of a statement that keeps them (closing its block). */
static void put_records(emitter *E, urn_buf *f) {
  urn_buf_printf(f, "  if (np + %d > h->pcap || nl + %d > h->lcap || nq + %d > h->qcap) h->grow(h, np + %d, nl + %d, nq + %d);\n",
                 E->pc, E->lc, E->qc, E->pc, E->lc, E->qc);
  for (int i = 0; i < E->pc; i++) urn_buf_printf(f, "  h->P[np + %d] = p%d;\n", i, E->pvar[i]);
  for (int i = 0; i < E->lc; i++)
    urn_buf_printf(f, "  h->L[nl + %d] = %c%d;\n", i, E->lvar[i] >= 0 ? 'x' : 'o', E->lvar[i] >= 0 ? E->lvar[i] : -1 - E->lvar[i]);
  for (int i = 0; i < E->qc; i++)
    urn_buf_printf(f, "  h->Q[nq + %d] = %s%c%d;\n", i, E->qvar[i] >= 0 ? "" : "(double *)", E->qvar[i] >= 0 ? 'q' : 'r',
                   E->qvar[i] >= 0 ? E->qvar[i] : -1 - E->qvar[i]);
  urn_buf_printf(f, "  np += %d, nl += %d, nq += %d;\n  }\n", E->pc, E->lc, E->qc);
}

/* The statement's records (forward, closing its block) and its reverse: the newest node starts with adjoint
 * root (code), or, when root_loc >= 0, with the adjoint local root_loc's element (the last L entry) gathered,
 * which it then clears.  A statement that recomputes (E->recomp) records nothing: its reverse runs its forward
 * code [cstart, cend) again (the same operations on the same values: the same bits) and reads the partials and
 * nodes from its variables. */
static void finish(emitter *E, urn_buf *f, urn_buf *r, const char *root, int root_loc) {
  char pb[24], lb[24], lb2[24];
  if (E->recomp) {
    urn_buf_puts(f, "  }\n");
    urn_buf_puts(r, "  {\n");
    urn_buf_append(r, f->data + E->cstart, E->cend - E->cstart);
  } else {
    put_records(E, f);
    /* the reverse: nodes newest first, each operand's adjoint += node adjoint * partial, as ad/tape.c's sweep */
    urn_buf_printf(r, "  {\n  np -= %d, nl -= %d, nq -= %d;\n", E->pc, E->lc, E->qc);
    urn_buf_puts(r, "  const double *P = h->P + np; const int32_t *L = h->L + nl; double *const *Q = h->Q + nq;\n");
    urn_buf_puts(r, "  (void)P, (void)L, (void)Q;\n");
  }
  for (int k = 0; k + 1 < E->nnode; k++) urn_buf_printf(r, "  double a%d = 0;\n", k);
  if (root_loc < 0) urn_buf_printf(r, "  double a%d = %s;\n", E->nnode - 1, root);
  else {
    rec_l(E, lb, E->lc - 1);
    urn_buf_printf(r, "  double a%d = La%d[%s];\n  La%d[%s] = 0;\n", E->nnode - 1, root_loc, lb, root_loc, lb);
  }
  for (int k = E->nnode; k-- > 0;) {
    const nnode *n = &E->node[k];
    urn_buf_printf(r, "  if (a%d != 0) {\n", k);
    for (int j = 0; j < n->nop; j++) {
      const nop *o = &n->op[j];
      rec_p(E, pb, o->off);
      if (o->kind == NR_NODE) urn_buf_printf(r, "    a%d += a%d * %s;\n", o->ref, k, pb);
      else if (o->kind == NR_LEAF) rec_l(E, lb, o->ref), urn_buf_printf(r, "    adj[%s] += a%d * %s;\n", lb, k, pb);
      else if (o->kind == NR_LOCAL) {
        rec_l(E, lb, o->ref), rec_l(E, lb2, o->ref + 1);
        urn_buf_printf(r, "    if (%s >= 0) adj[%s] += a%d * %s; else if (%s == -2) La%d[%s] += a%d * %s;\n", lb, lb, k, pb, lb, o->loc,
                       lb2, k, pb);
      } else if (o->kind == NR_LRUN)
        urn_buf_printf(r, "    for (size_t j = 0; j < Ln%d; j++) { const int32_t t = ((const int32_t *)Q[%d])[j];\n"
                          "      if (t >= 0) adj[t] += a%d * Q[%d][j]; else if (t == -2) La%d[j] += a%d * Q[%d][j]; }\n",
                       o->loc, o->off + 1, k, o->off, o->loc, k, o->off);
      else if (o->kind == NR_LMROW) { /* a row of matrix local o->loc (its offset from L[row]): its references' copy */
        rec_l(E, lb, o->row);
        urn_buf_printf(r, "    for (size_t j = 0; j < LC%d; j++) { const int32_t t = ((const int32_t *)Q[%d])[j];\n"
                          "      if (t >= 0) adj[t] += a%d * Q[%d][j]; else if (t == -2) La%d[(size_t)%s + j * LR%d] += a%d * Q[%d][j]; }\n",
                       o->loc, o->off + 1, k, o->off, o->loc, lb, o->loc, k, o->off);
      } else if (o->kind == NR_SEG) {
        rec_l(E, lb, o->row);
        urn_buf_printf(r, "    for (size_t j = 0, n = (size_t)%s; j < n; j++) { const int32_t t = ((const int32_t *)Q[%d])[j];\n"
                          "      if (t >= 0) adj[t] += a%d * Q[%d][j]; }\n", lb, o->off + 1, k, o->off);
      } else if (o->kind == NR_LSEG) { /* log_sum_exp of a local (a row of it from L[row]): its references' copy */
        char bb[64] = "0";
        if (o->row >= 0) rec_l(E, lb, o->row), snprintf(bb, sizeof bb, "(size_t)%s * LC%d", lb, o->loc);
        urn_buf_printf(r, "    for (size_t j = 0, b = %s; j < %s%d; j++) { const int32_t t = ((const int32_t *)Q[%d])[j];\n"
                          "      if (t >= 0) adj[t] += a%d * Q[%d][j]; else if (t == -2) La%d[b + j] += a%d * Q[%d][j]; }\n",
                       bb, o->ref ? "LC" : "Ln", o->loc, o->off + 1, k, o->off, o->loc, k, o->off);
      } else if (o->kind == NR_MV) /* the product's nodes' adjoints: 0 + a * partial, swept by node o->ref */
        urn_buf_printf(r, "    for (size_t j = 0, m = (size_t)h->dim[%d][0]; j < m; j++) Q[%d][j] = a%d * Q[%d][j];\n    a%d = 1;\n",
                       o->loc, o->off, k, o->off, o->ref);
      else if (o->row >= 0)
        rec_l(E, lb, o->row), urn_buf_printf(r, "    for (size_t j = 0; j < C%d; j++) adj[X%d[(size_t)%s * C%d + j]] += a%d * Q[%d][j];\n",
                                             o->ref, o->ref, lb, o->ref, k, o->off);
      else
        urn_buf_printf(r, "    for (size_t j = 0; j < N%d; j++) adj[X%d[j]] += a%d * Q[%d][j];\n", o->ref, o->ref, k,
                       o->off);
    }
    if (k == E->fxnode && E->fxr.data) urn_buf_append(r, E->fxr.data, E->fxr.len);
    if (n->extra) urn_buf_puts(r, n->extra), free(n->extra), E->node[k].extra = NULL;
    urn_buf_puts(r, "  }\n");
  }
  urn_buf_puts(r, "  }\n");
  if (E->fxnode >= 0) urn_buf_free(&E->fxr), E->fxnode = -1;
}

/* Stores value t into element o%d (variable ov) of local k, then the statement's records and reverse. */
static int store_local(emitter *E, const ir_st *s, urn_buf *f, urn_buf *r, int k, int ov, nref t) {
  if (t.kind == NR_LOCAL && E->loc_dims[t.loc] == 3 && E->lc + 3 <= NAT_MAX_REC) {
    /* an element of a 3-D local copied (bones' `p[i, j, ncat[j]] = Q[i, j, ncat[j] - 1]`): the interpreter copies
       its node.  A node of an earlier statement (-2) keeps its adjoint in LaQ: the copy's readers add theirs into
       La at the copy, whose reverse moves that sum into LaQ; the same sum as the interpreter's when no other reader
       adds into LaQ after the copy, so the source element is marked -3 and a later read of it declines */
    urn_buf_printf(f, "  Lv%d[o%d] = v%d;\n  Lr%d[o%d] = x%d;\n  if (x%d == -2) Lr%d[o%d] = -3;\n", k, ov, t.v, k, ov, t.x, t.x,
                   t.loc, t.x);
    int l0 = E->lc;
    E->lvar[E->lc++] = t.x, E->lvar[E->lc++] = -1 - ov, E->lvar[E->lc++] = -1 - t.x;
    put_records(E, f);
    urn_buf_printf(r, "  {\n  np -= %d, nl -= %d, nq -= %d;\n  const int32_t *L = h->L + nl;\n", E->pc, E->lc, E->qc);
    urn_buf_printf(r, "  if (L[%d] == -2) { const double a = La%d[L[%d]]; La%d[L[%d]] = 0; La%d[L[%d]] += a; }\n  }\n", l0, k,
                   l0 + 1, k, l0 + 1, t.loc, l0 + 2);
    return 0;
  }
  if (t.kind == NR_LOCAL) return FAIL(s, "a local assigned from a local");
  E->cend = f->len;
  urn_buf_printf(f, "  Lv%d[o%d] = v%d;\n  Lr%d[o%d] = ", k, ov, t.v, k, ov);
  if (t.kind == NR_CONST) urn_buf_puts(f, "-1;\n  }\n");
  else if (t.kind == NR_LEAF) urn_buf_printf(f, "x%d;\n  }\n", t.x);
  if (t.kind != NR_NODE) return 0;
  urn_buf_puts(f, "-2;\n");
  if (E->lc == NAT_MAX_REC) return FAIL(s, "a statement too large");
  E->lvar[E->lc++] = -1 - ov;
  finish(E, f, r, NULL, k);
  return 0;
}

/* A local of two index dimensions: 1 for a 2-D real array or an array of vectors, 2 for a matrix, else 0. */
static int local2_shape(const ir_decl *d) {
  if (d->ty.dims == 2 && d->ty.base == URN_TY_REAL && d->ndims == 2) return 1;
  if (d->ty.dims == 1 && d->ty.base == URN_TY_VECTOR && d->ndims == 1 && d->size1) return 1;
  if (d->ty.dims == 0 && d->ty.base == URN_TY_MATRIX && d->size1 && d->size2) return 2;
  return 0;
}

/* Container local k's storage, made at its first declaration in the evaluation (a declaration inside a loop
 * runs again: the same storage when its size is the same, else declined: the reverse reads the adjoints there),
 * its values not yet set (NaN, no node), as run_decl does at every declaration; closes the statement. */
static void local_storage(emitter *E, urn_buf *f, int k) {
  urn_buf_printf(f, "  if (!Lv%d) {\n  Lv%d = h->scratch(h, (Ln%d ? Ln%d : 1) * sizeof(double));\n"
                    "  La%d = h->scratch(h, (Ln%d ? Ln%d : 1) * sizeof(double));\n", k, k, k, k, k, k, k);
  urn_buf_printf(f, "  Lr%d = h->scratch(h, (Ln%d ? Ln%d : 1) * sizeof(int32_t));\n  }\n", k, k, k);
  urn_buf_printf(f, "  for (size_t j = 0; j < Ln%d; j++) Lv%d[j] = (0.0 / 0.0), Lr%d[j] = -1;\n  }\n", k, k, k);
}

/* The storage of 2-D local k (LRk rows of LCk, Lnk values), its elements not yet set (NaN, no node), as run_decl. */
static int emit_decl2(emitter *E, const ir_st *s, urn_buf *f, int k) {
  const ir_decl *d = s->decl;
  const ir_ex *re = d->ty.base == URN_TY_MATRIX ? d->size1 : d->dims[0], *ce = d->ty.base == URN_TY_MATRIX ? d->size2
                    : d->ty.base == URN_TY_VECTOR ? d->size1 : d->dims[1];
  urn_buf_printf(&E->pre, "  double *Lv%d = 0, *La%d = 0;\n  int32_t *Lr%d = 0;\n  size_t Ln%d = 0, LR%d = 0, LC%d = 0;\n"
                          "  (void)LR%d, (void)LC%d;\n", k, k, k, k, k, k, k, k);
  nref rn, cn;
  if (emit_scalar(E, re, &rn) || emit_scalar(E, ce, &cn) || rn.kind != NR_CONST || cn.kind != NR_CONST) return FAIL(s, "this size");
  urn_buf_printf(f, "  if (!(v%d >= 0 && v%d >= 0)) return 1;\n", rn.v, cn.v);
  urn_buf_printf(f, "  if (Lv%d && (LR%d != (size_t)v%d || LC%d != (size_t)v%d)) return 1;\n", k, k, rn.v, k, cn.v);
  urn_buf_printf(f, "  LR%d = (size_t)v%d, LC%d = (size_t)v%d, Ln%d = LR%d * LC%d;\n", k, rn.v, k, cn.v, k, k, k);
  local_storage(E, f, k);
  return 0;
}

/* The storage of 3-D real array local k (LRk x LCk x LDk, Lnk values; row-major), its elements not set, as run_decl. */
static int emit_decl3(emitter *E, const ir_st *s, urn_buf *f, int k) {
  const ir_decl *d = s->decl;
  urn_buf_printf(&E->pre, "  double *Lv%d = 0, *La%d = 0;\n  int32_t *Lr%d = 0;\n  size_t Ln%d = 0, LR%d = 0, LC%d = 0, LD%d = 0;\n"
                          "  (void)LR%d, (void)LC%d, (void)LD%d;\n", k, k, k, k, k, k, k, k, k, k);
  nref n[3];
  for (int i = 0; i < 3; i++)
    if (emit_scalar(E, d->dims[i], &n[i]) || n[i].kind != NR_CONST) return FAIL(s, "this size");
  urn_buf_printf(f, "  if (!(v%d >= 0 && v%d >= 0 && v%d >= 0)) return 1;\n", n[0].v, n[1].v, n[2].v);
  urn_buf_printf(f, "  if (Lv%d && (LR%d != (size_t)v%d || LC%d != (size_t)v%d || LD%d != (size_t)v%d)) return 1;\n", k, k, n[0].v,
                 k, n[1].v, k, n[2].v);
  urn_buf_printf(f, "  LR%d = (size_t)v%d, LC%d = (size_t)v%d, LD%d = (size_t)v%d, Ln%d = LR%d * LC%d * LD%d;\n", k, n[0].v, k,
                 n[1].v, k, n[2].v, k, k, k, k);
  local_storage(E, f, k);
  return 0;
}

/* Model-block locals: a real or int scalar (anywhere; with or without a value), a vector, 1-D real array, 2-D real
 * array, array of vectors or matrix (anywhere, without a value), as run_decl / run_decl_scalar make them. */
static int emit_decl(emitter *E, const ir_st *s, urn_buf *f, urn_buf *r) {
  const ir_decl *d = s->decl;
  int scalar = d->ty.dims == 0 && (d->ty.base == URN_TY_REAL || d->ty.base == URN_TY_INT);
  int vec = (d->ty.dims == 0 && d->ty.base == URN_TY_VECTOR && d->size1) || (d->ty.dims == 1 && d->ty.base == URN_TY_REAL && d->ndims == 1);
  int two = local2_shape(d), three = d->ty.dims == 3 && d->ty.base == URN_TY_REAL && d->ndims == 3;
  if (!s->global || (!scalar && !vec && !two && !three) || ((two || three) && s->rhs) || (vec && s->rhs && E->nloop) || E->nloc == 64)
    return FAIL(s, "this local variable");
  /* a container declared in a batched loop is a lane container there (BOP_VLOCAL): another order */
  if (!scalar && E->nbatch) return FAIL(s, "a container local in a batched loop");
  int k = E->nloc++;
  E->loc_slot[k] = s->slot, E->loc_scalar[k] = scalar, E->loc_dims[k] = scalar ? 0 : three ? 3 : two ? 2 : 1, E->loc_mat[k] = two == 2;
  E->loc_init0[k] = !scalar && E->nloop == 0; /* a container declared in a loop is declared again: never stable */
  E->f = f, E->nnode = 0, E->pc = E->lc = E->qc = 0;
  urn_buf_puts(f, "  {\n");
  if (two) return emit_decl2(E, s, f, k);
  if (three) return emit_decl3(E, s, f, k);
  if (scalar) {
    urn_buf_printf(&E->pre, "  double Lv%d[1] = {0}, La%d[1] = {0};\n  int32_t Lr%d[1] = {-1};\n  const size_t Ln%d = 1;\n  (void)Ln%d;\n", k,
                   k, k, k, k);
    /* not yet set: NaN, an int's -2^31 (run_decl) */
    urn_buf_printf(f, "  Lv%d[0] = %s;\n  Lr%d[0] = -1;\n", k, d->ty.base == URN_TY_INT ? "-2147483648.0" : "(0.0 / 0.0)", k);
    if (!s->rhs) { urn_buf_puts(f, "  }\n"); return 0; }
    E->loc_init0[k] = E->nloop == 0;
    E->recomp = 1, E->cstart = f->len;
    nref t;
    if (!s->rhs->s || emit_scalar(E, s->rhs, &t)) return FAIL(s, "this initial value");
    int ov = E->nv++;
    urn_buf_printf(f, "  const int32_t o%d = 0;\n", ov);
    return store_local(E, s, f, r, k, ov, t);
  }
  urn_buf_printf(&E->pre, "  double *Lv%d = 0, *La%d = 0;\n  int32_t *Lr%d = 0;\n  size_t Ln%d = 0;\n", k, k, k, k);
  nref n;
  if (emit_scalar(E, d->size1 ? d->size1 : d->dims[0], &n) || n.kind != NR_CONST) return FAIL(s, "this size");
  urn_buf_printf(f, "  if (!(v%d >= 0)) return 1;\n", n.v);
  urn_buf_printf(f, "  if (Lv%d && Ln%d != (size_t)v%d) return 1;\n  Ln%d = (size_t)v%d;\n", k, k, n.v, k, n.v);
  local_storage(E, f, k);
  if (!s->rhs) return 0;
  if (emit_vexpr(E, s, s->rhs, k, f, r)) return -1; /* run_decl: declared, then assign_whole */
  E->loc_wdone[k] = 1;
  return 0;
}

/* ---- whole vectors: x = e and density arguments with e elementwise ----
 * The interpreter evaluates e operation by operation, each over all elements (lang/fn_math.c's urn_fn_binary /
 * urn_fn_unary: one node per element, the kernel's partials), its scalar operands once, then copies values and
 * nodes into x (assign_whole).  Here the scalar operands that are not plain variables are computed first into
 * temporaries (one statement each, in the interpreter's order), then one loop computes each element's chain of
 * operations.  Each node's adjoint is then the same sum: an element's nodes only feed that element's later nodes,
 * and every leaf must receive its contributions in the same order, which holds when a leaf feeds one level of
 * the expression: a scalar variable or a gathered container appears once (outside the temporaries), and a
 * container read element by element is not also read inside a temporary (vx_role checks). */

#define NAT_MAX_VHOIST 16
#define NAT_MAX_ROLES 64
enum { VR_J, VR_GATHER, VR_LEAF, VR_TEMP };
/* The operands of one vector expression. */
typedef struct vctx {
  const ir_ex *h[NAT_MAX_VHOIST]; /* scalar operands computed once into temporaries, in evaluation order */
  int hk[NAT_MAX_VHOIST];         /* their temporary locals */
  int nh;                        /* their number */
  int rslot[NAT_MAX_ROLES];      /* parameter-dependent slots read, and how (VR_*) */
  int rrole[NAT_MAX_ROLES];
  int nr;                        /* their number */
  int dest;                      /* the assigned variable's slot (never read by e), or -1 */
  int lane;                      /* batched lowering: e is evaluated as lanes (batch.c's fused_g), see vx_path */
} vctx;

/* Slot s is read as role: 0, or -1 when that breaks the order argument above.  A transformed parameter that
 * the interpreter computed may hold a parameter's node itself (th[1] = mu), which the names cannot show. */
static int vx_role(emitter *E, vctx *c, const ir_ex *e, int slot, int role) {
  if (slot == c->dest) return FAIL(e, "a vector assignment reading its own variable");
  if (local_of(E, e) < 0)
    for (int i = 0; i < E->p->ndecls[URN_BLK_TPARAMS]; i++)
      if (E->p->decls[URN_BLK_TPARAMS][i]->slot == slot) return FAIL(e, "an interpreted transformed parameter in a vector expression");
  for (int i = 0; i < c->nr; i++) {
    if (c->rslot[i] != slot) continue;
    int r = c->rrole[i];
    if (r == VR_GATHER || role == VR_GATHER || r == VR_LEAF || role == VR_LEAF || (r == VR_J) != (role == VR_J) ||
        (c->lane && r == VR_J)) /* lanes merge a variable's two reads into one term */
      return FAIL(e, "a vector expression reading a parameter twice");
  }
  if (c->nr == NAT_MAX_ROLES) return FAIL(e, "a vector expression too large");
  c->rslot[c->nr] = slot, c->rrole[c->nr++] = role;
  return 0;
}

/* The variables read inside a temporary (role VR_TEMP). */
static int vx_temp_vars(emitter *E, vctx *c, const ir_ex *e) {
  if (!e) return 0;
  if (e->kind == URN_EX_VAR && e->global && !e->novar && loop_var_of(E, e) < 0 && vx_role(E, c, e, e->slot, VR_TEMP)) return -1;
  for (int i = 0; i < e->na; i++)
    if (vx_temp_vars(E, c, e->a[i])) return -1;
  if (e->kind == URN_EX_INDEX)
    for (int i = 0; i < e->nidx; i++)
      if (vx_temp_vars(E, c, e->idx[i].lo) || vx_temp_vars(E, c, e->idx[i].hi)) return -1;
  return 0;
}

/* Is x a 1-D local (vector or real array) of the emitted code? its C number, or -1. */
static int vec_local(const emitter *E, const ir_ex *x) {
  int k = local_of(E, x);
  return k >= 0 && !E->loc_scalar[k] ? k : -1;
}

/* Is x a row r[i] (a single index) of a local array of vectors (2-D, row-major)?  Its C number, or -1. */
static int row_local(const emitter *E, const ir_ex *x) {
  if (x->kind != URN_EX_INDEX || x->nidx != 1 || x->idx[0].kind != URN_IDX_SINGLE || x->ty.dims || x->ty.base != URN_TY_VECTOR)
    return -1;
  int k = local_of(E, x->a[0]);
  return k >= 0 && E->loc_dims[k] == 2 && !E->loc_mat[k] && x->a[0]->ty.dims == 1 && x->a[0]->ty.base == URN_TY_VECTOR ? k : -1;
}

/* Classifies the operands of vector expression e (evaluation order). */
static int vx_scan(emitter *E, vctx *c, const ir_ex *e) {
  if (urn_is_scalar(e->ty)) {
    if (e->s == rt_s_const || (e->kind == URN_EX_VAR && e->s == rt_s_var && e->global && loop_var_of(E, e) >= 0)) return 0;
    if (e->kind == URN_EX_VAR && e->s == rt_s_var && e->global && e->slot < E->p->nglob && (local_of(E, e) < 0 || E->loc_scalar[local_of(E, e)]))
      return e->novar ? 0 : vx_role(E, c, e, e->slot, VR_LEAF);
    /* an element of a 1-D local at an index on data (Mth's mean_lp[j]): read per element, as a variable is (a
       temporary cannot hold a local's reference) */
    if (e->kind == URN_EX_INDEX && e->nidx == 1 && e->idx[0].kind == URN_IDX_SINGLE && e->idx[0].lo->novar &&
        vec_local(E, e->a[0]) >= 0 && E->loc_dims[vec_local(E, e->a[0])] == 1)
      return e->novar ? 0 : vx_role(E, c, e->a[0], e->a[0]->slot, VR_LEAF);
    if (!e->s || c->nh == NAT_MAX_VHOIST) return FAIL(e, "a scalar operand outside the native subset");
    c->h[c->nh++] = e;
    return vx_temp_vars(E, c, e);
  }
  if (fused_gather(e)) {
    if (local_of(E, e->idx[0].lo) >= 0 || container_var(E, e->idx[0].lo) < 0 ||
        (vec_local(E, e->a[0]) < 0 && (local_of(E, e->a[0]) >= 0 || container_var(E, e->a[0]) < 0)))
      return FAIL(e, "a gather other than variable[data int array]");
    return e->a[0]->novar ? 0 : vx_role(E, c, e->a[0], e->a[0]->slot, VR_GATHER);
  }
  if (fused_op(e)) {
    for (int i = 0; i < e->na; i++)
      if (vx_scan(E, c, e->a[i])) return -1;
    return 0;
  }
  if (e->kind == URN_EX_VAR && e->global && (vec_local(E, e) >= 0 || (local_of(E, e) < 0 && container_var(E, e) >= 0)))
    return e->novar ? 0 : vx_role(E, c, e, e->slot, VR_J);
  if (row_local(E, e) >= 0) return e->novar ? 0 : vx_role(E, c, e->a[0], e->a[0]->slot, VR_J);
  return FAIL(e, "a vector expression outside the native subset");
}

/* Every container operand of e has Lnk elements (urn_fn_binary and assign_whole reject a mismatch). */
static void vx_sizes(emitter *E, const ir_ex *e, const char *n) {
  if (urn_is_scalar(e->ty)) return;
  if (fused_gather(e)) { urn_buf_printf(E->f, "  if (N%d != %s) return 1;\n", container_var(E, e->idx[0].lo), n); return; }
  if (fused_op(e)) {
    for (int i = 0; i < e->na; i++) vx_sizes(E, e->a[i], n);
    return;
  }
  int lk = vec_local(E, e);
  if (row_local(E, e) >= 0) urn_buf_printf(E->f, "  if (LC%d != %s) return 1;\n", row_local(E, e), n);
  else if (lk >= 0) urn_buf_printf(E->f, "  if (Ln%d != %s) return 1;\n", lk, n);
  else urn_buf_printf(E->f, "  if (N%d != %s) return 1;\n", container_var(E, e), n);
}

/* Batched lowering evaluates a vector expression as lanes (lang/batch.c's fused_g): each element one node whose
 * partials are the derivatives formed forward, from the leaf up (p2 * p1), where the tape's sweep multiplies
 * from the root down ((a * p2) * p1).  The same bits only when every operand's path to the root has at most one
 * partial other than +-1 (+, - and unary minus have those): depth counts the others on e's path. */
static int vx_path(emitter *E, const ir_ex *e, int depth) {
  if (urn_is_scalar(e->ty) || !fused_op(e)) {
    if (depth > 1 && !e->novar) return FAIL(e, "a vector expression whose batched lanes round otherwise");
    return 0;
  }
  int op = e->kind == URN_EX_BINARY ? e->op : e->kind == URN_EX_UNARY ? e->op : -1;
  int unit = op == URN_OP_ADD || op == URN_OP_SUB || (e->na == 1 && op == URN_OP_NEG);
  for (int i = 0; i < e->na; i++)
    if (vx_path(E, e->a[i], depth + !unit)) return -1;
  return 0;
}

static int vx_hoisted(const vctx *c, const ir_ex *e) {
  for (int i = 0; i < c->nh; i++)
    if (c->h[i] == e) return i;
  return -1;
}

/* Element jN (E->vj) of vector expression e: its value and reference, as the operations of the interpreter
 * make them for that element. */
static int emit_velem(emitter *E, const ir_ex *e, nref *out) {
  vctx *c = E->vc;
  int j = E->vj;
  out->kind = NR_CONST, out->x = out->node = -1;
  if (urn_is_scalar(e->ty)) {
    int h = vx_hoisted(c, e);
    if (h < 0) {
      if (emit_scalar(E, e, out)) return -1;
      /* a local holding a parameter's node itself could be that node read at another level: declined */
      if (out->kind == NR_LOCAL && c->nr > 1) urn_buf_printf(E->f, "  if (x%d >= 0) return 1;\n", out->x);
      return 0;
    }
    int v = E->nv++;
    if (E->nloop) E->recomp = 0; /* in a loop the temporary is set again before this reverse runs */
    urn_buf_printf(E->f, "  const int32_t o%d = 0;\n", v);
    read_local(E, e, c->hk[h], v, out);
    return 0;
  }
  if (fused_gather(e) && vec_local(E, e->a[0]) >= 0) { /* a local vector's elements */
    int lk = vec_local(E, e->a[0]), ki = container_var(E, e->idx[0].lo), v = E->nv++;
    if (!local_stable(E, lk, NULL)) E->recomp = 0;
    urn_buf_printf(E->f, "  if (!(V%d[j%d] >= 1 && V%d[j%d] <= (double)Ln%d)) return 1;\n  const int32_t o%d = (int32_t)V%d[j%d] - 1;\n", ki,
                   j, ki, j, lk, v, ki, j);
    read_local(E, e->a[0], lk, v, out);
    if (out->kind == NR_LOCAL && c->nr > 1) urn_buf_printf(E->f, "  if (x%d >= 0) return 1;\n", out->x);
    return 0;
  }
  if (fused_gather(e)) {
    int kb = container_var(E, e->a[0]), ki = container_var(E, e->idx[0].lo), v = E->nv++;
    urn_buf_printf(E->f, "  if (!(V%d[j%d] >= 1 && V%d[j%d] <= (double)N%d)) return 1;\n  const size_t o%d = (size_t)V%d[j%d] - 1;\n", ki, j,
                   ki, j, kb, v, ki, j);
    urn_buf_printf(E->f, "  const double v%d = V%d[o%d];\n", v, kb, v);
    out->v = v;
    if (!e->a[0]->novar) urn_buf_printf(E->f, "  const int32_t x%d = X%d[o%d];\n", v, kb, v), out->kind = NR_LEAF, out->x = v;
    return 0;
  }
  if (row_local(E, e) >= 0) { /* element j of row r[i] of a local array of vectors (its index checked per element) */
    int lk = row_local(E, e), ro = E->nv++, v = E->nv++;
    char rn[24];
    snprintf(rn, sizeof rn, "LR%d", lk);
    if (emit_offset(E, e->idx[0].lo, rn, ro, "size_t")) return -1;
    if (!local_stable(E, lk, NULL)) E->recomp = 0;
    urn_buf_printf(E->f, "  const int32_t o%d = (int32_t)(o%d * LC%d + j%d);\n", v, ro, lk, j);
    read_local(E, e, lk, v, out);
    if (out->kind == NR_LOCAL && c->nr > 1) urn_buf_printf(E->f, "  if (x%d >= 0) return 1;\n", out->x);
    return 0;
  }
  if (!fused_op(e)) {
    int lk = vec_local(E, e), v = E->nv++;
    if (lk >= 0) {
      if (!local_stable(E, lk, NULL)) E->recomp = 0;
      urn_buf_printf(E->f, "  const int32_t o%d = (int32_t)j%d;\n", v, j);
      read_local(E, e, lk, v, out);
      if (out->kind == NR_LOCAL && c->nr > 1) urn_buf_printf(E->f, "  if (x%d >= 0) return 1;\n", out->x);
      return 0;
    }
    int k = container_var(E, e);
    urn_buf_printf(E->f, "  const double v%d = V%d[j%d];\n", v, k, j);
    out->v = v;
    if (!e->novar) urn_buf_printf(E->f, "  const int32_t x%d = X%d[j%d];\n", v, k, j), out->kind = NR_LEAF, out->x = v;
    return 0;
  }
  nref a, b = {NR_CONST, -1, -1, -1, -1};
  if (emit_velem(E, e->a[0], &a) || (e->na == 2 && emit_velem(E, e->a[1], &b))) return -1;
  int v = E->nv++, pa = E->nv++, pb = E->nv++;
  out->v = v;
  if (e->na == 1) { /* urn_fn_unary: a node when the operand is one */
    int k = use_kernel(E, e->bi->aux);
    urn_buf_printf(E->f, "  const nat_unary *K%d = h->kern[%d];\n  const double v%d = K%d->f(v%d);\n", v, k, v, v, a.v);
    if (a.kind == NR_CONST) return 0;
    urn_buf_printf(E->f, "  const double p%d = K%d->df(v%d, v%d);\n", pa, v, a.v, v);
  } else { /* urn_fn_binary: the kernel's value and partials (a node without operands when neither is a node:
              no adjoint reaches a leaf through it, as none does here) */
    int k = use_kernel(E, (const void *)e->bi->aux);
    urn_buf_printf(E->f, "  double v%d, p%d, p%d;\n  ((nat_binary)h->kern[%d])(v%d, v%d, &v%d, &p%d, &p%d);\n", v, pa, pb, k, a.v,
                   b.v, v, pa, pb);
    if (a.kind == NR_CONST && b.kind == NR_CONST) return 0;
    /* lanes: a scalar factor 0 drops the other operand's terms (batch.c's combine): declined */
    if (c->lane && e->kind == URN_EX_BINARY && e->op == URN_OP_MUL)
      for (int i = 0; i < 2; i++)
        if (urn_is_scalar(e->a[i]->ty) && (i ? a : b).kind != NR_CONST) urn_buf_printf(E->f, "  if (v%d == 0) return 1;\n", (i ? b : a).v);
  }
  int n = new_node(E);
  if (n < 0 || add_op(E, n, a, pa) || add_op(E, n, b, pb)) return FAIL(e, "a statement too large");
  out->kind = NR_NODE, out->node = n;
  return 0;
}

/* A temporary scalar local of the emitted code (no slot). */
static int new_temp(emitter *E, int scalar) {
  if (E->nloc == 64) return -1;
  int k = E->nloc++;
  E->loc_slot[k] = -1, E->loc_scalar[k] = scalar, E->loc_wdone[k] = 1, E->loc_dims[k] = !scalar, E->loc_mat[k] = 0;
  if (scalar)
    urn_buf_printf(&E->pre, "  double Lv%d[1] = {0}, La%d[1] = {0};\n  int32_t Lr%d[1] = {-1};\n  const size_t Ln%d = 1;\n  (void)Ln%d;\n", k,
                   k, k, k, k);
  else urn_buf_printf(&E->pre, "  double *Lv%d = 0, *La%d = 0;\n  int32_t *Lr%d = 0;\n  size_t Ln%d = 0;\n", k, k, k, k);
  return k;
}

/* Vector expression e into local vector k (its size Lnk already set): the temporaries, then the element loop;
 * forward code into f, the reverse (the loop's, then the temporaries' newest first) into r. */
static int emit_vexpr(emitter *E, const ir_st *s, const ir_ex *e, int k, urn_buf *f, urn_buf *r) {
  return emit_vexpr_at(E, s, e, k, -1, f, r);
}

/* The same into column ob<base> / LRk of matrix local k (base >= 0: the C variable of the column's first offset). */
static int emit_vexpr_at(emitter *E, const ir_st *s, const ir_ex *e, int k, int base, urn_buf *f, urn_buf *r) {
  char n[24]; /* the length: a matrix column's LR, a row's LC (a 2-D array of vectors, row-major), a vector's Ln */
  snprintf(n, sizeof n, "%s%d", base < 0 ? "Ln" : E->loc_mat[k] ? "LR" : "LC", k);
  vctx *c = urn_xcalloc(1, sizeof *c);
  c->dest = E->loc_slot[k], c->lane = e->lane;
  int rc = vx_scan(E, c, e);
  if (!rc && c->lane) rc = vx_path(E, e, 0);
  urn_buf *rh = urn_xcalloc(NAT_MAX_VHOIST, sizeof *rh);
  for (int i = 0; i < c->nh && !rc; i++) { /* the temporaries, in the interpreter's order */
    urn_buf_init(&rh[i]);
    if ((c->hk[i] = new_temp(E, 1)) < 0) { rc = FAIL(e, "too many locals"); break; }
    E->f = f, E->nnode = 0, E->pc = E->lc = E->qc = 0;
    urn_buf_puts(f, "  {\n");
    E->recomp = 1, E->cstart = f->len;
    nref t;
    int ov = E->nv++;
    if ((rc = emit_scalar(E, c->h[i], &t))) break;
    urn_buf_printf(f, "  const int32_t o%d = 0;\n", ov);
    rc = store_local(E, s, f, &rh[i], c->hk[i], ov, t);
  }
  urn_buf rl;
  urn_buf_init(&rl);
  if (!rc) { /* the sizes (the interpreter rejects a mismatch), then the elements */
    int j = E->nv++, ov = E->nv++;
    urn_buf_puts(f, "  {\n");
    E->f = f;
    vx_sizes(E, e, n);
    urn_buf_printf(f, "  for (size_t j%d = 0; j%d < %s; j%d++) {\n", j, j, n, j);
    E->nnode = 0, E->pc = E->lc = E->qc = 0;
    urn_buf_puts(f, "  {\n");
    E->recomp = 1, E->cstart = f->len;
    if (base >= 0) urn_buf_printf(f, "  const int32_t o%d = (int32_t)(ob%d + j%d);\n", ov, base, j);
    else urn_buf_printf(f, "  const int32_t o%d = (int32_t)j%d;\n", ov, j);
    E->vj = j, E->vc = c;
    nref t;
    rc = emit_velem(E, e, &t);
    E->vc = NULL;
    if (!rc) rc = store_local(E, s, f, &rl, k, ov, t);
    urn_buf_puts(f, "  }\n  }\n");
    urn_buf_printf(r, "  {\n  for (size_t j%d = %s; j%d-- > 0;) {\n", j, n, j);
    if (rl.data) urn_buf_append(r, rl.data, rl.len);
    urn_buf_puts(r, "  }\n  }\n");
  }
  for (int i = c->nh; i-- > 0;) {
    if (!rc && rh[i].data) urn_buf_append(r, rh[i].data, rh[i].len);
    urn_buf_free(&rh[i]);
  }
  urn_buf_free(&rl);
  free(rh), free(c);
  return rc;
}

/* The number of elements of vector expression e as C code (its first container operand's), into b; 0: none. */
static int vx_len(emitter *E, const ir_ex *e, char *b, size_t n) {
  if (urn_is_scalar(e->ty)) return 0;
  if (fused_gather(e)) return snprintf(b, n, "N%d", container_var(E, e->idx[0].lo)), 1;
  if (fused_op(e)) {
    for (int i = 0; i < e->na; i++)
      if (vx_len(E, e->a[i], b, n)) return 1;
    return 0;
  }
  if (vec_local(E, e) >= 0) return snprintf(b, n, "Ln%d", vec_local(E, e)), 1;
  if (row_local(E, e) >= 0) return snprintf(b, n, "LC%d", row_local(E, e)), 1;
  return snprintf(b, n, "N%d", container_var(E, e)), 1;
}

/* Storage of n (C code) elements for temporary vector local k. */
static void vtemp_alloc(emitter *E, urn_buf *f, int k, const char *n) {
  urn_buf_printf(f, "  Ln%d = %s;\n  Lv%d = h->scratch(h, (Ln%d ? Ln%d : 1) * sizeof(double));\n", k, n, k, k, k);
  urn_buf_printf(f, "  La%d = h->scratch(h, (Ln%d ? Ln%d : 1) * sizeof(double));\n  Lr%d = h->scratch(h, (Ln%d ? Ln%d : 1) * sizeof(int32_t));\n",
                 k, k, k, k, k, k);
}

/* Density arguments of statement s that are vector expressions (lang/fn_math.c's element operations), or such an
 * expression at a data int array ((loss_sd * premium)[cohort_id]: its elements gathered, nodes and all): computed
 * before the statement into temporary vectors (their nodes are made, in the interpreter, while the statement's
 * arguments are evaluated, before the density's node: the same order when the other arguments make no nodes),
 * then read as local vectors; their reverse follows the statement's (rv).  0: none or done; -1: failed. */
static int emit_vtemps(emitter *E, const ir_st *s, urn_buf *f, urn_buf *rv) {
  ir_ex *const *a = NULL;
  int na = 0;
  const urn_builtin *bi = NULL;
  if (s->kind == URN_ST_TILDE && !s->fun && !s->tlo && !s->thi && s->bi && s->run == rt_run_fn(URN_ST_TILDE, 0))
    a = s->args, na = s->nargs, bi = s->bi;
  else if (s->kind == URN_ST_TARGET && s->rhs && s->rhs->s == rt_s_dist && s->run == rt_run_fn(URN_ST_TARGET, 0))
    a = s->rhs->a, na = s->rhs->na, bi = s->rhs->bi;
  if (!a || !(bi->flags & URN_BI_DIST) || na > NAT_MAX_ARGS) return 0;
  const urn_dist *d = bi->aux;
  for (int i = 0; i < na; i++) {
    const ir_ex *x = a[i], *g = NULL;
    if (d->args[i].kind != URN_DA_REALS || x->novar || urn_is_scalar(x->ty)) continue;
    if (x->kind == URN_EX_INDEX && x->nidx == 1 && x->idx[0].kind == URN_IDX_MULTI && x->idx[0].lo && x->idx[0].lo->novar &&
        x->idx[0].lo->ty.dims == 1 && x->idx[0].lo->ty.base == URN_TY_INT && fused_op(x->a[0]))
      g = x, x = x->a[0];
    if (!fused_op(x)) continue;
    for (int j = 0; j < na; j++) /* the other arguments make no nodes */
      if (j != i && !a[j]->novar && !(a[j]->kind == URN_EX_VAR && a[j]->global))
        return FAIL(a[j], "a vector expression argument beside an argument with nodes");
    char n[32];
    int k = new_temp(E, 0), ki = g ? container_var(E, g->idx[0].lo) : -1;
    if (k < 0 || E->nvtmp == NAT_MAX_ARGS || !vx_len(E, x, n, sizeof n) || (g && ki < 0)) return FAIL(a[i], "this vector expression");
    E->f = f;
    urn_buf_puts(f, "  {\n");
    vtemp_alloc(E, f, k, n);
    urn_buf_puts(f, "  }\n");
    urn_buf rx;
    urn_buf_init(&rx);
    if (emit_vexpr(E, s, x, k, f, &rx)) { urn_buf_free(&rx); return -1; }
    int kg = k;
    if (g) { /* the gathered view: values and references copied (rt_g_index), adjoints handed back in element order */
      char m[32];
      kg = new_temp(E, 0);
      if (kg < 0) { urn_buf_free(&rx); return FAIL(a[i], "too many locals"); }
      snprintf(m, sizeof m, "N%d", ki);
      urn_buf_puts(f, "  {\n");
      vtemp_alloc(E, f, kg, m);
      urn_buf_printf(f, "  for (size_t e = 0; e < Ln%d; e++) {\n    if (!(V%d[e] >= 1 && V%d[e] <= (double)Ln%d)) return 1;\n", kg, ki, ki, k);
      urn_buf_printf(f, "    const size_t g = (size_t)V%d[e] - 1;\n    Lv%d[e] = Lv%d[g], Lr%d[e] = Lr%d[g];\n  }\n  }\n", ki, kg, k, kg, k);
      urn_buf_printf(rv, "  for (size_t e = 0; e < Ln%d; e++)\n    if (Lr%d[e] == -2) La%d[(size_t)V%d[e] - 1] += La%d[e], La%d[e] = 0;\n", kg, kg,
                     k, ki, kg, kg);
    }
    urn_buf_append(rv, rx.data ? rx.data : "", rx.len);
    urn_buf_free(&rx);
    E->vtmp_ex[E->nvtmp] = a[i], E->vtmp_loc[E->nvtmp++] = kg;
  }
  return 0;
}

/* x = e (a real scalar local) and x[i] = e (an element of a local vector), as run_assign_scalar_var / _index. */
/* x[:, j] = e, a column of matrix local x (column-major: contiguous) from a vector expression, as a whole vector is
 * assigned; outside loops, or in one ordinary loop over j (each iteration its own column: its elements keep their
 * references until the reverse). */
static int emit_col_assign(emitter *E, const ir_st *s, urn_buf *f, urn_buf *r) {
  const ir_ex *l = s->lhs, *j = l->idx[1].lo;
  int k = local_of(E, l->a[0]), ob = E->nv++;
  if (E->nloop > 1 || (E->nloop == 1 && (E->nbatch || j->kind != URN_EX_VAR || loop_var_of(E, j) != E->loop_var[0])))
    return FAIL(s, "a column assignment in this loop");
  urn_buf oc; /* the column's offset, in both passes (the reverse recomputes or reads its elements' offsets) */
  urn_buf_init(&oc);
  E->f = &oc;
  char n[24];
  snprintf(n, sizeof n, "LC%d", k);
  int rc = emit_offset(E, j, n, ob, "size_t");
  urn_buf_printf(&oc, "  const size_t ob%d = o%d * LR%d;\n", ob, ob, k);
  urn_buf_puts(f, "  {\n"), urn_buf_puts(r, "  {\n");
  urn_buf_append(f, oc.data, oc.len), urn_buf_append(r, oc.data, oc.len);
  urn_buf_free(&oc);
  if (!rc) rc = emit_vexpr_at(E, s, s->rhs, k, ob, f, r);
  urn_buf_puts(f, "  }\n");
  urn_buf_puts(r, "  }\n");
  return rc;
}

/* softmax(a[i]) of a row of local array of vectors a into row ob<base> / LCk of local k (emit_row_assign), as
 * lang/fn_array.c's softmax1 computes it: the maximum, exp(x - max) and their sum in order, each divided by the
 * sum; output element i one node whose operands are the row's elements in order (constants add nowhere, as the
 * interpreter leaves them out), partials y[i] * ((i == j) - y[j]); then stored as assign_to stores a vector
 * (iohmm_reg's `A[t] = softmax(unA[t])`). */
static int emit_softmax_row(emitter *E, const ir_st *s, const ir_ex *a, int k, int base, urn_buf *f, urn_buf *r) {
  int lk = row_local(E, a), ro = E->nv++, v = E->nv++, j = E->nv++, ov = E->nv++;
  if (lk == k) return FAIL(s, "a softmax reading its own variable");
  char rn[24];
  snprintf(rn, sizeof rn, "LR%d", lk);
  E->f = f;
  urn_buf_puts(f, "  {\n");
  if (emit_offset(E, a->idx[0].lo, rn, ro, "int32_t")) return -1;
  urn_buf_printf(f, "  if (LC%d != LC%d) return 1;\n  const size_t n%d = LC%d;\n", lk, k, v, lk);
  urn_buf_printf(f, "  const double *w%d = Lv%d + (size_t)o%d * LC%d;\n  double m%d = (-1.0 / 0.0), s%d = 0;\n", v, lk, ro, lk, v, v);
  urn_buf_printf(f, "  double *y%d = h->scratch(h, (n%d ? n%d : 1) * sizeof(double));\n", v, v, v);
  urn_buf_printf(f, "  for (size_t i = 0; i < n%d; i++) if (w%d[i] > m%d) m%d = w%d[i];\n", v, v, v, v, v);
  urn_buf_printf(f, "  for (size_t i = 0; i < n%d; i++) y%d[i] = exp(w%d[i] - m%d), s%d += y%d[i];\n", v, v, v, v, v, v);
  urn_buf_printf(f, "  for (size_t i = 0; i < n%d; i++) y%d[i] = y%d[i] / s%d;\n", v, v, v, v);
  if (!a->novar) /* a copy of the row's references (the local may change before the reverse) */
    urn_buf_printf(f, "  int32_t *r%d = h->scratch(h, (n%d ? n%d : 1) * sizeof(int32_t));\n  memcpy(r%d, Lr%d + (size_t)o%d * LC%d, n%d * sizeof(int32_t));\n",
                   v, v, v, v, lk, ro, lk, v);
  urn_buf_printf(f, "  for (size_t j%d = 0; j%d < n%d; j%d++) {\n", j, j, v, j);
  E->nnode = 0, E->pc = E->lc = E->qc = 0;
  urn_buf_puts(f, "  {\n");
  E->recomp = 0, E->cstart = f->len;
  urn_buf_printf(f, "  const int32_t o%d = (int32_t)(ob%d + j%d);\n  const double v%d = y%d[j%d];\n", ov, base, j, ov, v, j);
  nref t = {NR_CONST, ov, -1, -1, -1};
  if (!a->novar) {
    int q = E->nv++, nk = new_node(E);
    if (nk < 0 || E->qc + 2 > NAT_MAX_REC || E->lc == NAT_MAX_REC) return FAIL(s, "a statement too large");
    urn_buf_printf(f, "  double *q%d = h->scratch(h, (n%d ? n%d : 1) * sizeof(double));\n", q, v, v);
    urn_buf_printf(f, "  for (size_t i = 0; i < n%d; i++) q%d[i] = y%d[j%d] * ((j%d == i) - y%d[i]);\n", v, q, v, j, j, v);
    nop *o = &E->node[nk].op[E->node[nk].nop++];
    o->kind = NR_LSEG, o->loc = lk, o->ref = 1, o->off = E->qc, E->qvar[E->qc++] = q, E->qvar[E->qc++] = -1 - v;
    o->row = E->lc, E->lvar[E->lc++] = -1 - ro;
    t.kind = NR_NODE, t.node = nk;
  }
  urn_buf rl;
  urn_buf_init(&rl);
  int rc = store_local(E, s, f, &rl, k, ov, t); /* (closes the element's block) */
  urn_buf_puts(f, "  }\n  }\n");
  urn_buf_printf(r, "  {\n  for (size_t j%d = LC%d; j%d-- > 0;) {\n", j, k, j);
  if (rl.data) urn_buf_append(r, rl.data, rl.len);
  urn_buf_puts(r, "  }\n  }\n");
  urn_buf_free(&rl);
  return rc;
}

/* x[i] = e, row i of a local array of vectors x (row-major: contiguous) from a vector expression, as assign_to
 * stores a whole vector into it (values and references); outside loops, or in one ordinary loop over i (each
 * iteration its own row), as emit_col_assign: hmm_gaussian's `logalpha[1] = log(pi1) + normal_lpdf(y[1] | mu,
 * sigma)`, hmm_drive's `theta[1] = theta1`. */
static int emit_row_assign(emitter *E, const ir_st *s, urn_buf *f, urn_buf *r) {
  const ir_ex *l = s->lhs, *i = l->idx[0].lo;
  int k = local_of(E, l->a[0]), ob = E->nv++;
  if (E->nloop > 1 || (E->nloop == 1 && (E->nbatch || i->kind != URN_EX_VAR || loop_var_of(E, i) != E->loop_var[0])))
    return FAIL(s, "a row assignment in this loop");
  urn_buf oc; /* the row's offset, in both passes */
  urn_buf_init(&oc);
  E->f = &oc;
  char n[24];
  snprintf(n, sizeof n, "LR%d", k);
  int rc = emit_offset(E, i, n, ob, "size_t");
  urn_buf_printf(&oc, "  const size_t ob%d = o%d * LC%d;\n", ob, ob, k);
  urn_buf_puts(f, "  {\n"), urn_buf_puts(r, "  {\n");
  urn_buf_append(f, oc.data, oc.len), urn_buf_append(r, oc.data, oc.len);
  urn_buf_free(&oc);
  const ir_ex *x = s->rhs;
  if (!rc && x->kind == URN_EX_CALL && x->bi && x->na == 1 && !strcmp(x->bi->name, "softmax") && row_local(E, x->a[0]) >= 0)
    rc = emit_softmax_row(E, s, x->a[0], k, ob, f, r);
  else if (!rc) rc = emit_vexpr_at(E, s, x, k, ob, f, r);
  urn_buf_puts(f, "  }\n");
  urn_buf_puts(r, "  }\n");
  return rc;
}

static int emit_assign(emitter *E, const ir_st *s, urn_buf *f, urn_buf *r) {
  const ir_ex *l = s->lhs;
  int var = s->run == rt_run_fn(URN_ST_ASSIGN, 1), idx = s->run == rt_run_fn(URN_ST_ASSIGN, 2);
  if (s->run == rt_run_fn(URN_ST_ASSIGN, 0) && s->op == URN_AS_SET && vec_local(E, l) >= 0) { /* x = vector expression */
    int k = vec_local(E, l);
    if (E->nloop) return FAIL(s, "a vector assignment inside a loop");
    if (emit_vexpr(E, s, s->rhs, k, f, r)) return -1;
    E->loc_wdone[k] = 1;
    return 0;
  }
  if (s->op == URN_AS_SET && l->kind == URN_EX_INDEX && l->nidx == 2 && l->idx[0].kind == URN_IDX_ALL &&
      l->idx[1].kind == URN_IDX_SINGLE && local_of(E, l->a[0]) >= 0 && E->loc_mat[local_of(E, l->a[0])] &&
      s->rhs->ty.dims == 0 && s->rhs->ty.base == URN_TY_VECTOR)
    return emit_col_assign(E, s, f, r);
  if (s->op == URN_AS_SET && l->kind == URN_EX_INDEX && l->nidx == 1 && l->idx[0].kind == URN_IDX_SINGLE &&
      local_of(E, l->a[0]) >= 0 && E->loc_dims[local_of(E, l->a[0])] == 2 && !E->loc_mat[local_of(E, l->a[0])] &&
      l->a[0]->ty.dims == 1 && l->a[0]->ty.base == URN_TY_VECTOR && s->rhs->ty.dims == 0 && s->rhs->ty.base == URN_TY_VECTOR)
    return emit_row_assign(E, s, f, r);
  if (s->op != URN_AS_SET || (!var && !idx) || !s->rhs->s) return FAIL(s, "this assignment");
  int k = local_of(E, var ? l : l->a[0]);
  int two = idx && k >= 0 && E->loc_dims[k] == 2, three = idx && k >= 0 && E->loc_dims[k] == 3;
  if (k < 0 || E->loc_scalar[k] != var || (idx && !two && !three && (l->nidx != 1 || l->idx[0].kind != URN_IDX_SINGLE)) ||
      (two && (l->nidx != 2 || l->idx[0].kind != URN_IDX_SINGLE || l->idx[1].kind != URN_IDX_SINGLE)) ||
      (three && l->nidx != 3))
    return FAIL(s, "an assignment other than to a local scalar or vector element");
  E->f = f, E->nnode = 0, E->pc = E->lc = E->qc = 0;
  urn_buf_puts(f, "  {\n");
  E->recomp = 1, E->cstart = f->len;
  int ov = E->nv++;
  if (var) {
    urn_buf_printf(f, "  const int32_t o%d = 0;\n", ov);
  } else if (two) {
    char rn[24], cn[24];
    snprintf(rn, sizeof rn, "LR%d", k), snprintf(cn, sizeof cn, "LC%d", k);
    if (emit_offset2(E, l, rn, cn, E->loc_mat[k], ov, "int32_t")) return -1;
  } else if (three) {
    if (emit_offset3(E, l, k, ov, "int32_t")) return -1;
  } else {
    char n[24];
    snprintf(n, sizeof n, "Ln%d", k);
    if (emit_offset(E, l->idx[0].lo, n, ov, "int32_t")) return -1;
  }
  nref t;
  if ((s == E->bt_store ? bt_store_value(E, s->rhs, &t) : emit_scalar(E, s->rhs, &t)) || store_local(E, s, f, r, k, ov, t)) return -1;
  if (idx) E->loc_wdone[k] = 1;
  return 0;
}

/* ---- a batched loop whose body is one store `x[..., i, ...] = e` into a model-block local (lang/batch.c's
 * bs_assign into an outer variable): the interpreter evaluates e as lanes with forward terms (leaves and
 * d value / d leaf), its loop-invariant parameter-dependent subexpressions ONCE before the lanes (the ordinary
 * evaluator: a tape node each), and makes one node per lane with a partial per term, in term order.  Emitted the
 * same way: each invariant is stored first into a local of its own (its node's adjoint gathered there), then the
 * loop computes each lane's value with the same operations and one node per lane.  The forms: + and - of lane
 * values, elementwise unary kernels, scalar reads at lane-varying indexes, invariants that make a node. */
#define NAT_MAX_HOIST 8
/* The invariants of a lane store. */
typedef struct lanes {
  const ir_ex *he[NAT_MAX_HOIST]; /* loop-invariant parameter-dependent subexpressions, in evaluation order */
  int hk[NAT_MAX_HOIST];          /* the local each is stored into */
  int nh;                         /* their number */
  int nt;                         /* the terms the value carries (static count) */
} lanes;

/* A forward term of a lane value: its reference and the C variable pN of its partial (-1: 1, batch.c's NULL). */
typedef struct lterm {
  nref r;
  int p;
} lterm;

/* Is e a lane expression of the emulated forms (collecting its invariants in h)? */
static int lane_ok(const emitter *E, const ir_ex *e, lanes *h) {
  if (!e->s || !urn_is_scalar(e->ty)) return 0;
  if (!e->lane) {
    if (e->novar || e->kind == IR_CONST) return 1;
    if (e->kind == URN_EX_VAR || e->kind == URN_EX_INDEX || h->nh == NAT_MAX_HOIST) return 0; /* a leaf: terms merge */
    h->he[h->nh++] = e, h->nt++;
    return 1;
  }
  if (e->s == rt_s_add || e->s == rt_s_sub) return lane_ok(E, e->a[0], h) && lane_ok(E, e->a[1], h);
  if (e->s == rt_s_call_scalar && e->ty.base == URN_TY_REAL && e->bi && e->bi->sfn == urn_fn_unary_s && e->na == 1)
    return lane_ok(E, e->a[0], h);
  if (e->kind == URN_EX_INDEX) return h->nt += !e->novar, 1;
  return e->kind == URN_EX_VAR && loop_var_of(E, e) >= 0;
}

/* The statement of batched loop s, when it is one lane store of the emulated forms, else NULL. */
static const ir_st *lane_store(const emitter *E, const ir_st *s, lanes *h) {
  const ir_st *b = s->body[0];
  if (b->kind == URN_ST_BLOCK) b = b->nbody == 1 ? b->body[0] : NULL;
  memset(h, 0, sizeof *h);
  if (!b || b->kind != URN_ST_ASSIGN || b->op != URN_AS_SET || b->run != rt_run_fn(URN_ST_ASSIGN, 2) || b->bslot != -1 ||
      !b->rhs->lane || b->lhs->kind != URN_EX_INDEX || b->lhs->nidx > 3)
    return NULL;
  int k = local_of(E, b->lhs->a[0]);
  if (k < 0 || E->loc_scalar[k] || E->loc_dims[k] != b->lhs->nidx) return NULL;
  for (int i = 0; i < b->lhs->nidx; i++)
    if (b->lhs->idx[i].kind != URN_IDX_SINGLE) return NULL;
  return lane_ok(E, b->rhs, h) && h->nt >= 2 ? b : NULL;
}

/* Invariant e into a scalar local of its own (a statement before the loop: forward into f, reverse into r). */
static int emit_hoist(emitter *E, const ir_st *s, const ir_ex *e, urn_buf *f, urn_buf *r, int *kout) {
  if (E->nloc == 64) return FAIL(s, "too many locals");
  int k = *kout = E->nloc++;
  E->loc_slot[k] = -1, E->loc_scalar[k] = 1, E->loc_dims[k] = 0, E->loc_init0[k] = 0;
  urn_buf_printf(&E->pre, "  double Lv%d[1] = {0}, La%d[1] = {0};\n  int32_t Lr%d[1] = {-1};\n", k, k, k);
  E->f = f, E->nnode = 0, E->pc = E->lc = E->qc = 0;
  urn_buf_puts(f, "  {\n");
  E->recomp = 1, E->cstart = f->len;
  nref t;
  if (emit_scalar(E, e, &t)) return -1;
  if (t.kind != NR_NODE) return FAIL(e, "a loop-invariant operand without a node of its own");
  int ov = E->nv++;
  urn_buf_printf(f, "  const int32_t o%d = 0;\n", ov);
  return store_local(E, s, f, r, k, ov, t);
}

/* e, when it is one of the enclosing batched loop's invariants (E->hoist), read from its local: 1, else 0. */
static int hoist_read(emitter *E, const ir_ex *e, nref *out) {
  for (int i = 0; i < E->hoist->nh; i++)
    if (E->hoist->he[i] == e) {
      int o = E->nv++;
      if (E->hoist_again) E->recomp = 0; /* the reverse cannot read it again: records */
      urn_buf_printf(E->f, "  const int32_t o%d = 0;\n", o);
      read_local(E, e, E->hoist->hk[i], o, out);
      return 1;
    }
  return 0;
}

/* A lane value's code (its value in v<*v>) and terms, as batch.c's combine forms them (no two terms share a leaf:
 * every read at a lane-varying index and every invariant is a leaf of its own). */
static int lane_emit(emitter *E, const ir_ex *e, const lanes *h, int *v, lterm *t, int *nt) {
  nref r;
  if (!e->lane) {
    for (int i = 0; i < h->nh; i++)
      if (h->he[i] == e) {
        int o = E->nv++;
        urn_buf_printf(E->f, "  const int32_t o%d = 0;\n", o);
        read_local(E, e, h->hk[i], o, &r);
        *v = r.v, t[(*nt)++] = (lterm){r, -1};
        return 0;
      }
    if (emit_scalar(E, e, &r)) return -1;
    if (r.kind != NR_CONST) return FAIL(e, "a loop-invariant operand");
    *v = r.v;
    return 0;
  }
  if (e->kind == URN_EX_INDEX || e->kind == URN_EX_VAR) {
    if (emit_scalar(E, e, &r)) return -1;
    *v = r.v;
    if (r.kind == NR_CONST) return 0;
    /* a constant element: the interpreter's term may be absent (no lane has a node): declined */
    if (r.kind == NR_LOCAL) urn_buf_printf(E->f, "  if (x%d == -1) return 1;\n", r.x);
    if (*nt == NAT_MAX_OPS) return FAIL(e, "a statement too large");
    t[(*nt)++] = (lterm){r, -1};
    return 0;
  }
  int n0 = *nt, a, b = -1;
  if (lane_emit(E, e->a[0], h, &a, t, nt)) return -1;
  int n1 = *nt;
  if (e->na == 2 && lane_emit(E, e->a[1], h, &b, t, nt)) return -1;
  *v = E->nv++;
  if (e->s == rt_s_add || e->s == rt_s_sub) {
    urn_buf_printf(E->f, "  const double v%d = v%d %c v%d;\n", *v, a, e->s == rt_s_add ? '+' : '-', b);
    for (int i = n1; i < *nt && e->s == rt_s_sub; i++) { /* c = -1: c * d */
      int p = E->nv++;
      if (t[i].p < 0) urn_buf_printf(E->f, "  const double p%d = -1;\n", p);
      else urn_buf_printf(E->f, "  const double p%d = -1 * p%d;\n", p, t[i].p);
      t[i].p = p;
    }
    return 0;
  }
  int k = use_kernel(E, e->bi->aux);
  urn_buf_printf(E->f, "  const nat_unary *K%d = h->kern[%d];\n  const double v%d = K%d->f(v%d);\n", *v, k, *v, *v, a);
  if (*nt == n0) return 0;
  int d = E->nv++;
  urn_buf_printf(E->f, "  const double p%d = K%d->df(v%d, v%d);\n", d, *v, a, *v);
  for (int i = n0; i < *nt; i++) { /* p * d */
    if (t[i].p < 0) { t[i].p = d; continue; }
    int p = E->nv++;
    urn_buf_printf(E->f, "  const double p%d = p%d * p%d;\n", p, d, t[i].p);
    t[i].p = p;
  }
  return 0;
}

/* The lane store st (one iteration of the loop: the lane's node and the store). */
static int emit_lane_store(emitter *E, const ir_st *st, const lanes *h, urn_buf *f, urn_buf *r) {
  const ir_ex *l = st->lhs;
  int k = local_of(E, l->a[0]), ov = E->nv++, v, nt = 0;
  E->f = f, E->nnode = 0, E->pc = E->lc = E->qc = 0;
  urn_buf_puts(f, "  {\n");
  E->recomp = 0;
  char rn[24], cn[24];
  snprintf(rn, sizeof rn, "%s%d", l->nidx == 2 ? "LR" : "Ln", k), snprintf(cn, sizeof cn, "LC%d", k);
  if (l->nidx == 3 ? emit_offset3(E, l, k, ov, "int32_t")
      : l->nidx == 2 ? emit_offset2(E, l, rn, cn, E->loc_mat[k], ov, "int32_t") : emit_offset(E, l->idx[0].lo, rn, ov, "int32_t"))
    return -1;
  lterm t[NAT_MAX_OPS];
  if (lane_emit(E, st->rhs, h, &v, t, &nt)) return -1;
  int n = new_node(E);
  if (n < 0) return FAIL(st, "a statement too large");
  for (int i = 0; i < nt; i++) {
    if (t[i].p < 0) urn_buf_printf(f, "  const double p%d = 1;\n", t[i].p = E->nv++);
    if (add_op(E, n, t[i].r, t[i].p)) return FAIL(st, "a statement too large");
  }
  nref out = {NR_NODE, v, -1, n, -1};
  if (store_local(E, st, f, r, k, ov, out)) return -1;
  if (l->nidx == 1) E->loc_wdone[k] = 1;
  return 0;
}

/* The end of a two-way branch on data (emit_if, emit_tern): the forward code records the condition cv on the
 * host's stack of branch choices; the reverse code pops it and replays branch a's or b's reverse statements. */
static void branch_end(urn_buf *f, urn_buf *r, int cv, urn_buf *a, urn_buf *b) {
  urn_buf_printf(f, "  }\n  if (nl + 1 > h->lcap) h->grow(h, 0, nl + 1, 0);\n  h->L[nl++] = c%d;\n  }\n", cv);
  urn_buf_puts(r, "  {\n  nl -= 1;\n  if (h->L[nl]) {\n");
  if (a->data) urn_buf_append(r, a->data, a->len);
  urn_buf_puts(r, "  } else {\n");
  if (b->data) urn_buf_append(r, b->data, b->len);
  urn_buf_puts(r, "  }\n  }\n");
  urn_buf_free(a), urn_buf_free(b);
}

/* if (c) A else B with a data-only condition: the branch taken is recorded after its own records, so that the
 * reverse reads it first and replays that branch. */
static int emit_if(emitter *E, const ir_st *s, urn_buf *f, urn_buf *r) {
  nref c;
  E->f = f;
  urn_buf_puts(f, "  {\n");
  if (!s->cond->s || emit_scalar(E, s->cond, &c) || c.kind != NR_CONST) return FAIL(s, "a condition outside the native subset");
  urn_buf a, b;
  urn_buf_init(&a), urn_buf_init(&b);
  urn_buf_printf(f, "  const int32_t c%d = v%d != 0;\n  if (c%d) {\n", c.v, c.v, c.v);
  int rc = emit_stmt(E, s->body[0], f, &a);
  urn_buf_puts(f, "  } else {\n");
  if (!rc && s->nbody > 1 && s->body[1]) rc = emit_stmt(E, s->body[1], f, &b);
  branch_end(f, r, c.v, &a, &b);
  return rc;
}

/* A statement whose expressions contain `c ? a : b` with c on data (rt_s_cond evaluates c, then one branch): the
 * statement emitted twice, once per branch (E->tern fixes it), chosen by c's value and recorded as emit_if does. */
static int emit_tern(emitter *E, const ir_st *s, const ir_ex *t, urn_buf *f, urn_buf *r) {
  nref c;
  if (E->ntern == 4) return FAIL(t, "too many conditional expressions");
  E->f = f;
  urn_buf_puts(f, "  {\n");
  if (emit_scalar(E, t->a[0], &c) || c.kind != NR_CONST) return FAIL(t, "a condition outside the native subset");
  urn_buf a, b;
  urn_buf_init(&a), urn_buf_init(&b);
  urn_buf_printf(f, "  const int32_t c%d = v%d != 0;\n  if (c%d) {\n", c.v, c.v, c.v);
  int saved[64];
  memcpy(saved, E->loc_wdone, sizeof saved);
  E->tern[E->ntern] = t, E->tern_pick[E->ntern++] = 1;
  int rc = emit_stmt(E, s, f, &a);
  urn_buf_puts(f, "  } else {\n");
  E->tern_pick[E->ntern - 1] = 0;
  int done[64];
  memcpy(done, E->loc_wdone, sizeof done);
  memcpy(E->loc_wdone, saved, sizeof saved); /* the second copy reads the locals as the first did */
  if (!rc) rc = emit_stmt(E, s, f, &b);
  for (int i = 0; i < 64; i++) E->loc_wdone[i] |= done[i];
  E->ntern--;
  branch_end(f, r, c.v, &a, &b);
  return rc;
}

/* The first conditional on data of statement s not fixed yet (find_tern over its expressions), or NULL. */
static const ir_ex *stmt_tern(const emitter *E, const ir_st *s) {
  const ir_ex *t = find_tern(E, s->rhs);
  if (!t && s->lhs && s->lhs->kind == URN_EX_INDEX)
    for (int i = 0; i < s->lhs->nidx && !t; i++) t = find_tern(E, s->lhs->idx[i].lo);
  for (int i = 0; i < s->nargs && !t; i++) t = find_tern(E, s->args[i]);
  return t;
}

/* Statements [0, n): forward in order; reverse blocks in reverse order. */
static int emit_list(emitter *E, ir_st *const *st, int n, urn_buf *f, urn_buf *r) {
  urn_buf *rs = urn_xcalloc((size_t)(n ? n : 1), sizeof *rs);
  int rc = 0;
  for (int i = 0; i < n && !rc; i++) urn_buf_init(&rs[i]), rc = emit_stmt(E, st[i], f, &rs[i]);
  for (int i = n; i-- > 0;) {
    if (!rc && rs[i].data) urn_buf_append(r, rs[i].data, rs[i].len);
    if (rs[i].data || rs[i].cap) urn_buf_free(&rs[i]);
  }
  free(rs);
  return rc;
}

/* ---- batched loops of the transformed parameters block ----
 * batch.c runs `x[i] = e` over all iterations as lanes with forward derivative terms (a leaf and the product of
 * the local partials on its path, formed from the leaf up: batch.c's combine) and stores one node per lane whose
 * partials are those terms; the ordinary order multiplies the adjoint down the chain of nodes instead, which rounds
 * otherwise.  So such a store is emitted as the lanes make it: its value by the same operations, each leaf's
 * derivative by the same products, one node.  Accepted: a loop whose body is that one store, e built from data,
 * loop-invariant leaves (a variable, an element at an index on data; evaluated once by the ordinary path, no node
 * of their own), reads x[i] at lane-varying indexes on data, + - * / and the elementwise kernels, every variable
 * read once (an element of a parameter at a literal index once), so that no two terms merge; a local read that is
 * a parameter's node itself could merge with one: declined at run time (E->alias_chk). */
typedef struct bt_ctx {
  int slot[32], idx[32]; /* the leaves read: slot, literal index (parameters' elements) or -1 */
  int n;                 /* their number */
  int loc[8], lread[8];  /* li_check: per-iteration locals declared so far, and their reads (at most one) */
  int nloc;              /* their number */
} bt_ctx;

static int is_param_slot(const emitter *E, int slot) {
  for (int i = 0; i < E->p->ndecls[URN_BLK_PARAMS]; i++)
    if (E->p->decls[URN_BLK_PARAMS][i]->slot == slot) return 1;
  return 0;
}

static int bt_leaf(bt_ctx *c, int slot, int idx) {
  if (c->n == 32) return -1;
  for (int i = 0; i < c->n; i++)
    if (c->slot[i] == slot && (idx < 0 || c->idx[i] < 0 || c->idx[i] == idx)) return -1;
  c->slot[c->n] = slot, c->idx[c->n++] = idx;
  return 0;
}

/* Is e's store expressible as lanes here (the leaves into c)?  0 yes, -1 no. */
static int bt_scan(emitter *E, bt_ctx *c, const ir_ex *e) {
  if (e->novar) return 0;
  if (e->kind == URN_EX_VAR && E->li_loop && e->global) /* a per-iteration local of li_check: its leaves counted */
    for (int i = 0; i < c->nloc; i++)
      if (c->loc[i] == e->slot) return c->lread[i]++ ? -1 : 0;
  if (!e->lane) { /* loop-invariant: evaluated once by the ordinary path; a leaf only (no node of its own) */
    if (e->kind == URN_EX_VAR && e->s == rt_s_var && e->global && loop_var_of(E, e) < 0) return bt_leaf(c, e->slot, -1);
    if (e->kind == URN_EX_INDEX && e->nidx == 1 && e->idx[0].kind == URN_IDX_SINGLE && e->idx[0].lo->novar &&
        e->a[0]->kind == URN_EX_VAR && e->a[0]->global && urn_is_scalar(e->ty)) {
      const ir_ex *ix = e->idx[0].lo;
      return bt_leaf(c, e->a[0]->slot, ix->s == rt_s_const && is_param_slot(E, e->a[0]->slot) ? (int)ix->c : -1);
    }
    if (e->kind == URN_EX_INDEX && e->nidx == 2 && e->idx[0].kind == URN_IDX_SINGLE && e->idx[0].lo->novar &&
        e->idx[1].kind == URN_IDX_SINGLE && e->idx[1].lo->novar && e->a[0]->kind == URN_EX_VAR && e->a[0]->global &&
        urn_is_scalar(e->ty)) /* x[t, j] (iohmm_reg's `logoblik[t][j]`): the same, any element of x once */
      return bt_leaf(c, e->a[0]->slot, -1);
    return -1;
  }
  if (e->kind == URN_EX_INDEX) /* x[i] or x[i, j] at indexes on data (bx_index_outer) */
    return (e->nidx == 1 || e->nidx == 2) && e->idx[0].kind == URN_IDX_SINGLE && e->idx[0].lo->novar &&
                   (e->nidx == 1 || (e->idx[1].kind == URN_IDX_SINGLE && e->idx[1].lo->novar)) &&
                   e->a[0]->kind == URN_EX_VAR
               ? bt_leaf(c, e->a[0]->slot, -1) : -1;
  if ((e->kind == URN_EX_UNARY || e->kind == URN_EX_CALL) && e->na == 1 && e->bi && e->bi->aux &&
      (e->kind == URN_EX_UNARY || e->bi->sfn == urn_fn_unary_s))
    return bt_scan(E, c, e->a[0]);
  if (e->na == 2 && e->bi && e->bi->aux && (e->kind == URN_EX_BINARY || e->bi->sfn == urn_fn_binary_s) && e->ty.base == URN_TY_REAL)
    return bt_scan(E, c, e->a[0]) || bt_scan(E, c, e->a[1]) ? -1 : 0;
  return -1;
}

/* A lane value of the store: its C value and its terms (a leaf, the C expression of its derivative, "" for 1). */
typedef struct bt_val {
  int v;                  /* the C variable vN of its value */
  int uni;                /* loop-invariant (batch.c's uniform value: a constant partial) */
  nref r[32];             /* its terms' leaves */
  char d[32][24];         /* their derivatives */
  int nt;                 /* their number */
} bt_val;

/* x's terms times partial p (C) into out, as combine adds them (no merging: every leaf is read once). */
static int bt_add(emitter *E, bt_val *out, const bt_val *x, const char *p) {
  for (int i = 0; i < x->nt; i++) {
    if (out->nt == 32) return -1;
    out->r[out->nt] = x->r[i];
    char *d = out->d[out->nt++];
    if (!p) snprintf(d, 24, "%s", x->d[i]); /* a partial of 1: the term as it is */
    else if (!x->d[i][0]) snprintf(d, 24, "%s", p);
    else {
      int t = E->nv++;
      urn_buf_printf(E->f, "  const double dd%d = %s * %s;\n", t, p, x->d[i]);
      snprintf(d, 24, "dd%d", t);
    }
  }
  return 0;
}

static int bt_dist(emitter *E, const urn_builtin *bi, ir_ex *const *a, int na, const char *propto, const ir_ex *at,
                   bt_val *out);

static int bt_lane(emitter *E, const ir_ex *e, bt_val *out) {
  out->nt = 0, out->uni = !e->lane;
  if (e->kind == URN_EX_VAR && E->li_loop && e->global)
    for (int i = 0; i < E->nli; i++)
      if (E->li_slot[i] == e->slot) { *out = *E->li_val[i]; return 0; } /* its terms carried on (no node) */
  if (e->s == rt_s_dist && E->li_loop) return bt_dist(E, e->bi, e->a, e->na, e->propto ? "propto" : "0", e, out);
  if (e->novar || !e->lane || e->kind == URN_EX_INDEX) { /* a read: data, an invariant leaf, x[idx] */
    nref r;
    if (emit_scalar(E, e, &r)) return -1;
    out->v = r.v;
    if (r.kind != NR_CONST) out->r[0] = r, out->d[0][0] = 0, out->nt = 1;
    return 0;
  }
  bt_val x, y;
  if (bt_lane(E, e->a[0], &x) || (e->na == 2 && bt_lane(E, e->a[1], &y))) return -1;
  int v = out->v = E->nv++;
  char p[24];
  if (e->na == 1) { /* op_unary: the kernel's value and derivative */
    int k = use_kernel(E, e->bi->aux);
    urn_buf_printf(E->f, "  const nat_unary *K%d = h->kern[%d];\n  const double v%d = K%d->f(v%d);\n", v, k, v, v, x.v);
    if (!x.nt) return 0;
    urn_buf_printf(E->f, "  const double pw%d = K%d->df(v%d, v%d);\n", v, v, x.v, v);
    snprintf(p, sizeof p, "pw%d", v);
    return bt_add(E, out, &x, p);
  }
  int op = e->kind == URN_EX_BINARY ? e->op : -1;
  if (op == URN_OP_ADD || op == URN_OP_SUB) {
    urn_buf_printf(E->f, "  const double v%d = v%d %s v%d;\n", v, x.v, op == URN_OP_ADD ? "+" : "-", y.v);
    return bt_add(E, out, &x, NULL) || bt_add(E, out, &y, op == URN_OP_SUB ? "-1.0" : NULL) ? -1 : 0;
  }
  if (op == URN_OP_MUL) {
    urn_buf_printf(E->f, "  const double v%d = v%d * v%d;\n", v, x.v, y.v);
    /* a loop-invariant factor 0 drops the other's terms (combine): declined */
    if (x.nt && y.uni) urn_buf_printf(E->f, "  if (v%d == 0) return 1;\n", y.v);
    if (y.nt && x.uni) urn_buf_printf(E->f, "  if (v%d == 0) return 1;\n", x.v);
    char px[24], py[24];
    snprintf(px, sizeof px, "v%d", y.v), snprintf(py, sizeof py, "v%d", x.v);
    return bt_add(E, out, &x, px) || bt_add(E, out, &y, py) ? -1 : 0;
  }
  int k = use_kernel(E, (const void *)e->bi->aux);
  urn_buf_printf(E->f, "  double v%d, pa%d, pb%d;\n  ((nat_binary)h->kern[%d])(v%d, v%d, &v%d, &pa%d, &pb%d);\n", v, v, v, k, x.v,
                 y.v, v, v, v);
  char pa[24], pb[24];
  snprintf(pa, sizeof pa, "pa%d", v), snprintf(pb, sizeof pb, "pb%d", v);
  return bt_add(E, out, &x, pa) || bt_add(E, out, &y, pb) ? -1 : 0;
}

/* The store's value as lanes make it (E->f: the statement's forward code): one node whose partials are the terms. */
static int bt_store_value(emitter *E, const ir_ex *e, nref *out) {
  bt_val x;
  if (bt_lane(E, e, &x)) return FAIL(e, "a batched store outside the native subset");
  out->v = x.v, out->kind = NR_CONST, out->x = out->node = -1;
  if (!x.nt) return 0;
  if (x.nt == 1 && !x.d[0][0]) { *out = x.r[0]; out->v = x.v; return 0; } /* the leaf itself (lane_node) */
  int k = new_node(E);
  if (k < 0) return FAIL(e, "a statement too large");
  for (int i = 0; i < x.nt; i++) {
    int pv = E->nv++;
    urn_buf_printf(E->f, "  const double p%d = %s;\n", pv, x.d[i][0] ? x.d[i] : "1.0");
    if (add_op(E, k, x.r[i], pv)) return FAIL(e, "a statement too large");
  }
  out->kind = NR_NODE, out->node = k;
  return 0;
}

/* ---- increments of a batched model-block loop emitted as the lanes make them (session 11) ----
 * dogs_hierarchical's `real p = a ^ prev_shock[j, t] * b ^ prev_avoid[j, t]; y[j, t] ~ bernoulli(p);`: batch.c
 * carries the local's terms on (a: (b ^ v) * pa), the density multiplies them by its partial (pd * ((b ^ v) *
 * pa)) and sinks_flush makes one node per lane and increment with those terms, added to target with partial 1;
 * the tape of the ordinary loop multiplies from the root down ((pd * (b ^ v)) * pa).  When bl_check refuses such a
 * loop, the units `{ real x = e; ...; y ~ dist(...); }` of its body (in ordinary inner loops too) are emitted that
 * way: bt_lane's values and products, the density lane by lane as bx_dist_lanes calls it (no memo), one node per
 * unit.  Accepted (li_check): every leaf read once in a unit (no two terms merge), a local read once, at most
 * BATCH_FWD_TERMS (8) terms in a local (more: batch.c makes a node of it), no density normal (its own lane
 * arithmetic); a lane whose leaves have no node (batch.c adds it to target as a constant) declines at run time. */

/* A density on scalar lane values, as bx_dist_lanes calls it; its terms: each argument's times its partial. */
static int bt_dist(emitter *E, const urn_builtin *bi, ir_ex *const *a, int na, const char *propto, const ir_ex *at,
                   bt_val *out) {
  if (!(bi->flags & URN_BI_DIST) || na > NAT_MAX_ARGS || (bi->aux2 != URN_DF_LPDF && bi->aux2 != URN_DF_LUPDF))
    return FAIL(at, "this density in a batched loop");
  const urn_dist *d = bi->aux;
  bt_val *x = urn_xcalloc((size_t)na, sizeof *x);
  int pv[NAT_MAX_ARGS], rc = 0;
  for (int i = 0; i < na && !rc; i++)
    rc = !a[i]->s || !urn_is_scalar(a[i]->ty) ? FAIL(a[i], "a container argument in a batched loop") : bt_lane(E, a[i], &x[i]);
  nat_prog *np = E->np;
  if (!rc && np->nsites == np->capsites) {
    np->capsites = np->capsites ? 2 * np->capsites : 8;
    np->sites = urn_xrealloc(np->sites, (size_t)np->capsites * sizeof *np->sites);
  }
  if (!rc) {
    int site = np->nsites, v = E->nv++;
    np->sites[np->nsites++] = (nat_site){bi, a, na};
    E->recomp = 0;
    urn_buf_printf(E->f, "  nat_darg da%d[%d];\n  memset(da%d, 0, sizeof da%d);\n", v, na, v, v);
    for (int i = 0; i < na; i++) {
      int ints = d->args[i].kind == URN_DA_INTS || d->args[i].kind == URN_DA_INT;
      pv[i] = E->nv++;
      if (ints) urn_buf_printf(E->f, "  const int iv%d = (int)v%d;\n  da%d[%d].iv = &iv%d;\n", pv[i], x[i].v, v, i, pv[i]);
      else urn_buf_printf(E->f, "  da%d[%d].v = &v%d;\n", v, i, x[i].v);
      urn_buf_printf(E->f, "  da%d[%d].n = 1, da%d[%d].rows = 1, da%d[%d].cols = 1;\n", v, i, v, i, v, i);
      if (!ints && !a[i]->novar) urn_buf_printf(E->f, "  double p%d = 0;\n  da%d[%d].d = &p%d;\n", pv[i], v, i, pv[i]);
    }
    urn_buf_printf(E->f, "  double v%d = 0;\n  if (((nat_dist_fn)h->fn[%d])(da%d, %s, &v%d, h->err)) return 1;\n", v, site, v, propto, v);
    out->v = v, out->uni = 0, out->nt = 0;
    for (int i = 0; i < na && !rc; i++) {
      int ints = d->args[i].kind == URN_DA_INTS || d->args[i].kind == URN_DA_INT;
      if (a[i]->novar || ints || !x[i].nt) continue;
      char pn[24];
      snprintf(pn, sizeof pn, "p%d", pv[i]);
      if (bt_add(E, out, &x[i], pn)) rc = FAIL(at, "a statement too large");
    }
  }
  free(x);
  return rc;
}

/* Is st (a statement of li_check's loop body) one unit `{ real x = e; ...; incr; }` or `incr`?  Its increment's
 * density call into *dc (NULL: not a unit). */
static const ir_st *li_incr(const ir_st *st, int *ndecl) {
  const ir_st *const *b = &st, *last;
  int n = 1;
  if (st->kind == URN_ST_BLOCK) b = (const ir_st *const *)st->body, n = st->nbody;
  if (n < 1 || n > 9 || !b[n - 1]) return NULL;
  last = b[n - 1];
  for (int i = 0; i + 1 < n; i++)
    if (!b[i] || b[i]->kind != URN_ST_DECL || !b[i]->rhs || b[i]->decl->ty.dims || b[i]->decl->ty.base != URN_TY_REAL)
      return NULL;
  *ndecl = n - 1;
  if (last->kind == URN_ST_TILDE && last->run == rt_run_fn(URN_ST_TILDE, 0) && !last->fun && !last->tlo && !last->thi && last->bi)
    return last;
  if (last->kind == URN_ST_TARGET && last->run == rt_run_fn(URN_ST_TARGET, 0) && last->rhs->s == rt_s_dist) return last;
  return NULL;
}

/* 0: the body st of batched loop s is made of units (li_incr) and ordinary inner loops around them, each unit's
 * leaves distinct, its locals read once and carrying at most 8 terms, a parameter among its leaves. */
static int li_check(emitter *E, const ir_st *st) {
  if (st->kind == URN_ST_FOR)
    return st->run == rt_run_fn(URN_ST_FOR, 0) && st->lo->novar && st->hi->novar && st->global ? li_check(E, st->body[0]) : -1;
  int nd = 0;
  const ir_st *inc = li_incr(st, &nd);
  if (!inc) {
    if (st->kind != URN_ST_BLOCK) return -1;
    for (int i = 0; i < st->nbody; i++)
      if (!st->body[i] || st->body[i]->kind == URN_ST_DECL || li_check(E, st->body[i])) return -1;
    return 0;
  }
  bt_ctx c;
  memset(&c, 0, sizeof c);
  for (int i = 0; i < nd; i++) {
    const ir_st *dl = st->body[i];
    int n0 = c.n;
    if (!dl->global || c.nloc == 8 || bt_scan(E, &c, dl->rhs) || c.n - n0 > 8) return -1;
    c.loc[c.nloc] = dl->slot, c.lread[c.nloc++] = 0;
  }
  ir_ex *const *a = inc->kind == URN_ST_TILDE ? inc->args : inc->rhs->a;
  int na = inc->kind == URN_ST_TILDE ? inc->nargs : inc->rhs->na;
  for (int i = 0; i < na; i++)
    if (!a[i]->s || !urn_is_scalar(a[i]->ty) || bt_scan(E, &c, a[i])) return -1;
  return c.n ? 0 : -1;
}

/* A unit of li_check's loop (forward into f, reverse into r): its locals' lane values, the density's, one node. */
static int emit_lane_unit(emitter *E, const ir_st *st, urn_buf *f, urn_buf *r) {
  int nd = 0;
  const ir_st *inc = li_incr(st, &nd);
  E->f = f, E->nnode = 0, E->pc = E->lc = E->qc = 0;
  urn_buf_puts(f, "  {\n");
  E->recomp = 0;
  bt_val *lv = urn_xcalloc((size_t)nd + 1, sizeof *lv), x;
  int rc = 0;
  E->nli = 0;
  for (int i = 0; i < nd && !rc; i++) {
    rc = bt_lane(E, st->body[i]->rhs, &lv[i]);
    E->li_slot[E->nli] = st->body[i]->slot, E->li_val[E->nli++] = &lv[i];
  }
  if (!rc) rc = inc->kind == URN_ST_TILDE ? bt_dist(E, inc->bi, inc->args, inc->nargs, "propto", inc->rhs ? inc->rhs : inc->args[0], &x)
                                          : bt_lane(E, inc->rhs, &x);
  E->nli = 0;
  free(lv);
  if (rc) return -1;
  int k = new_node(E);
  if (k < 0 || !x.nt) return FAIL(inc, "a statement too large");
  urn_buf_puts(f, "  if (!(0");
  for (int i = 0; i < x.nt; i++)
    if (x.r[i].kind == NR_LEAF || x.r[i].kind == NR_LOCAL) urn_buf_printf(f, " || x%d != -1", x.r[i].x);
  urn_buf_puts(f, ")) return 1;\n"); /* no node in this lane: a constant increment there (sinks_flush): declined */
  for (int i = 0; i < x.nt; i++) {
    int pv = E->nv++;
    urn_buf_printf(f, "  const double p%d = %s;\n", pv, x.d[i][0] ? x.d[i] : "1.0");
    if (add_op(E, k, x.r[i], pv)) return FAIL(inc, "a statement too large");
  }
  E->cend = f->len;
  urn_buf_printf(f, "  if (nt == h->tcap) h->grow(h, 0, 0, 0);\n  h->T[nt++] = v%d;\n", x.v);
  finish(E, f, r, "1", -1);
  return 0;
}

/* 0: batched loop s of the transformed parameters block is one `x[i] = e` emitted as its lanes make it
 * (E->bt_store, E->alias_chk set for its body); -1: not. */
static int tp_batch_ok(emitter *E, const ir_st *s) {
  const ir_st *b = s->body[0];
  if (b->kind == URN_ST_BLOCK) {
    if (b->nbody != 1 || !b->body[0]) return -1;
    b = b->body[0];
  }
  if (b->kind != URN_ST_ASSIGN || b->op != URN_AS_SET || b->run != rt_run_fn(URN_ST_ASSIGN, 2) || !b->rhs->s ||
      b->bslot != -1)
    return -1;
  const ir_ex *l = b->lhs;
  if (l->kind != URN_EX_INDEX || l->nidx < 1 || l->nidx > 3 || l->idx[0].kind != URN_IDX_SINGLE) return -1;
  if (l->nidx == 1 && (vec_local(E, l->a[0]) < 0 || l->idx[0].lo->kind != URN_EX_VAR || !l->idx[0].lo->global ||
                       l->idx[0].lo->slot != s->slot))
    return -1;
  if (l->nidx >= 2) { /* x[j, i] or x[i, j] of a 2-D local (dogs' `p[j, t]`), x[i, j, k] of a 3-D one (bones' `Q`): the
                         loop's variable one index, data the others */
    int k = local_of(E, l->a[0]), lv = -1;
    if (k < 0 || E->loc_dims[k] != l->nidx) return -1;
    for (int d = 0; d < l->nidx; d++) {
      if (l->idx[d].kind != URN_IDX_SINGLE) return -1;
      const ir_ex *ix = l->idx[d].lo;
      if (!ix->novar) return -1;
      if (ix->kind == URN_EX_VAR && ix->global && ix->slot == s->slot) lv = d;
    }
    if (lv < 0) return -1;
  }
  bt_ctx c;
  memset(&c, 0, sizeof c);
  if (bt_scan(E, &c, b->rhs)) return -1;
  E->alias_chk = c.n > 1, E->bt_store = b;
  return 0;
}

/* ---- batched loops of the model block: the shapes whose lanes give the ordinary order's bits ----
 * The code below follows the ordinary order, and batch.c's lanes (the default) make other sums in some shapes.
 * A lane value carries forward terms (a leaf and the product of the local partials on its path, formed from the
 * leaf up, combine) and each increment of target becomes one node per lane whose partials are those products;
 * the tape multiplies from the root down.  (g * b) * d and g * (b * d) differ, so a path with three or more
 * partials other than +-1 (the density's own included) rounds otherwise: dogs' `p = a ^ s[j, t] * b ^ v[j, t];
 * y ~ bernoulli(p)`.  A loop-invariant operation on parameters is evaluated once there (one node whose adjoint
 * is the lanes' sum), once per iteration here: covid19imperial's `y[m] ~ exponential(1 / tau)`.  A leaf read twice
 * in one increment gets its two contributions in another order (or merged: combine adds equal leaves' terms), a
 * per-iteration local read twice sums its readers' adjoints before its node's partials here, not there, and the
 * stores of a loop (one node per lane, made before every increment) reach shared leaves in another order.  Such
 * loops are refused at emission (the seven-point check could pass them by chance: dogs and covid19imperial agreed
 * at the first point); the interpreter runs the program.  Statically, per increment and store: */
#define BL_MAX 64
/* A value of a per-iteration local (or of a stored element read back in the iteration: batch.c's shadow). */
typedef struct bl_ver {
  const ir_ex *e;            /* its expression */
  int env[BL_MAX];           /* the locals' values it reads (versions), as at its assignment */
  int reads;                 /* its reads (in an inner loop: 2, unless a recursion's chain) */
  int nodes;                 /* a store that also makes nodes (read after the loop): not readable in the loop */
  int inner;                 /* assigned in an inner loop (its slot: x = x + ..., a chain), or -1 */
} bl_ver;

typedef struct bl_ctx {
  int lslot[BL_MAX];         /* per-iteration scalar locals and stored variables: their slot */
  int cur[BL_MAX];           /* the current version of each: an index into ver, -1 none yet, -2 data */
  int depth[BL_MAX];         /* the if-branches around its declaration (a store's: 0) */
  int nl;                    /* their number */
  bl_ver ver[BL_MAX];        /* the versions */
  int nver;                  /* their number */
  int leaf[BL_MAX], key[BL_MAX]; /* the leaves (slot, element key: bl_key) of the statement being scanned */
  int nleaf;                 /* their number */
  int sleaf[BL_MAX], sstmt[BL_MAX]; /* leaves of earlier statements and which (-1 - index for a store) */
  int nsleaf;                /* their number */
  int stmt;                  /* the statement's index */
  int most;                  /* partials other than +-1 allowed on a path of the statement: 2 (an increment, the
                                density's own included), 1 (a store: its node's adjoint is the last factor) */
  int inner;                 /* the slot of the inner loop being scanned (its reads repeat), or -1 */
  int chain;                 /* the local whose assignment is being scanned inside an inner loop, or -1 */
  int chainw;                /* the partials above that assignment's value */
  int ifs;                   /* the if-branches around the statement (lanes of a subset) */
  struct lanes *h;           /* the loop-invariant operations on parameters, in batch.c's evaluation order */
  int hleaf[BL_MAX];         /* the variables they read */
  int nhleaf;                /* their number */
  int rleaf[BL_MAX];         /* leaves whose lane nodes batch.c may make before an invariant's (stores, locals,
                                container arguments: bv_collapse) */
  int nrleaf;                /* their number */
  int deep;                  /* scanning a local's value or a container argument */
} bl_ctx;

static int bl_local(const bl_ctx *c, int slot) {
  for (int i = 0; i < c->nl; i++)
    if (c->lslot[i] == slot) return i;
  return -1;
}

/* An element key that tells two reads of one variable apart for certain: 2 * (c + 1000) + 1 for x[i + c] with i
 * the loop variable (lanes: the same offset is the same element), 2 * (c + 1000) for x[c], else 0 (unknown). */
static int bl_key(const emitter *E, const ir_ex *e, const ir_st *loop) {
  if (e->kind != URN_EX_INDEX || e->nidx != 1 || e->idx[0].kind != URN_IDX_SINGLE) return 0;
  const ir_ex *x = e->idx[0].lo;
  if (x->s == rt_s_const && x->c == (int)x->c && fabs(x->c) < 999) return 2 * ((int)x->c + 1000);
  int off = 0;
  if (x->kind == URN_EX_BINARY && (x->op == URN_OP_ADD || x->op == URN_OP_SUB) && x->a[1]->s == rt_s_const &&
      x->a[1]->c == (int)x->a[1]->c && fabs(x->a[1]->c) < 999)
    off = x->op == URN_OP_ADD ? (int)x->a[1]->c : -(int)x->a[1]->c, x = x->a[0];
  return x->kind == URN_EX_VAR && x->global && x->slot == loop->slot ? 2 * (off + 1000) + 1 : 0;
}

static int bl_leaf(emitter *E, bl_ctx *c, const ir_ex *e, int slot, int key, int w) {
  if (w > c->most) return FAIL(e, "a batched loop whose lanes multiply three partials in another order");
  if (c->inner >= 0) { /* read at every iteration of an inner loop: a new element each time, or terms merge */
    const ir_ex *x = e->kind == URN_EX_INDEX && e->nidx >= 1 ? e->idx[e->nidx - 1].lo : NULL;
    if (!x || x->kind != URN_EX_VAR || x->slot != c->inner) return FAIL(e, "a variable read in an inner loop of a batched loop");
  }
  for (int i = 0; i < c->nleaf; i++)
    if (c->leaf[i] == slot && (!key || key == c->key[i] || !c->key[i] || (key & 1) != (c->key[i] & 1)))
      return FAIL(e, "a variable read twice in one statement of a batched loop");
  if (c->nleaf == BL_MAX || c->nrleaf == BL_MAX) return FAIL(e, "a batched statement too large");
  c->leaf[c->nleaf] = slot, c->key[c->nleaf++] = key;
  if (c->most == 1 || c->deep) c->rleaf[c->nrleaf++] = slot;
  return 0;
}

/* The variables e reads into c->hleaf. */
static int bl_reads(emitter *E, bl_ctx *c, const ir_ex *e) {
  if (!e || e->novar) return 0;
  if (e->kind == URN_EX_VAR) {
    if (c->nhleaf == BL_MAX) return FAIL(e, "a batched loop too large");
    c->hleaf[c->nhleaf++] = e->slot;
    return 0;
  }
  for (int i = 0; i < e->na; i++)
    if (bl_reads(E, c, e->a[i])) return -1;
  return 0;
}

/* The loop-invariant operations on parameters in e, in the order batch.c's bx evaluates them (operands left to
 * right): each makes its own node there, once for all lanes; here it is computed before the loop (emit_hoist). */
static int bl_inv(emitter *E, bl_ctx *c, const ir_ex *e) {
  if (e->novar || e->kind == IR_CONST || e->kind == URN_EX_VAR) return 0;
  if (!e->lane) {
    if (e->kind == URN_EX_INDEX) return 0; /* a leaf (an element: bl_ex checks it) */
    if (c->inner >= 0) return FAIL(e, "a loop-invariant operation on parameters in an inner loop of a batched loop");
    if (c->h->nh == NAT_MAX_HOIST) return FAIL(e, "too many loop-invariant operations in a batched loop");
    c->h->he[c->h->nh++] = e;
    return bl_reads(E, c, e);
  }
  if (e->kind == URN_EX_INDEX) return 0;
  for (int i = 0; i < e->na; i++)
    if (bl_inv(E, c, e->a[i])) return -1;
  return 0;
}

static int bl_ex(emitter *E, bl_ctx *c, const ir_ex *e, int w, const int *env, const ir_st *loop);

/* A read of local k (version env[k]) w partials above: its expression's leaves (batch.c carries its terms on). */
static int bl_read(emitter *E, bl_ctx *c, const ir_ex *e, int k, int w, const int *env, const ir_st *loop) {
  int v = env[k];
  if (v == -2) return 0;
  if (v < 0) return FAIL(e, "a local read before its value in a batched loop");
  bl_ver *r = &c->ver[v];
  if (r->nodes) return FAIL(e, "an element stored and read back in a batched loop, also read after it");
  /* read at every iteration of an inner loop: twice, unless assigned in it too (a new value each time) */
  r->reads += c->inner >= 0 && r->inner != c->inner && c->chain != k ? 2 : 1;
  c->deep++;
  if (r->reads > 1) return FAIL(e, "a local read twice in a batched loop");
  if (c->chain == k && w != c->chainw) return FAIL(e, "a recursion of products in an inner loop of a batched loop");
  int ch = c->chain, in = c->inner, cw = c->chainw;
  c->inner = r->inner, c->chain = r->inner >= 0 ? k : -1, c->chainw = w; /* its expression, where it was assigned */
  int rc = bl_ex(E, c, r->e, w, r->env, loop);
  c->chain = ch, c->inner = in, c->chainw = cw, c->deep--;
  return rc;
}

/* e's leaves, w partials other than +-1 above it. */
static int bl_ex(emitter *E, bl_ctx *c, const ir_ex *e, int w, const int *env, const ir_st *loop) {
  if (e->novar || e->kind == IR_CONST) return 0;
  const ir_ex *b = e->kind == URN_EX_INDEX ? e->a[0] : e;
  int k = b->kind == URN_EX_VAR && b->global ? bl_local(c, b->slot) : -1;
  if (k >= 0) return bl_read(E, c, e, k, w, env, loop);
  if (e->kind == URN_EX_VAR && e->global) return loop_var_of(E, e) >= 0 ? 0 : bl_leaf(E, c, e, e->slot, 0, w);
  if (e->kind == URN_EX_INDEX) {
    if (b->kind != URN_EX_VAR || !b->global) return FAIL(e, "this index in a batched loop");
    for (int i = 0; i < e->nidx; i++)
      if (e->idx[i].kind != URN_IDX_SINGLE || !e->idx[i].lo->novar) return FAIL(e, "this index in a batched loop");
    return bl_leaf(E, c, e, b->slot, bl_key(E, e, loop), w);
  }
  /* evaluated once for all lanes: a node whose adjoint is the lanes' sum (computed before the loop here) */
  if (!e->lane) {
    for (int i = 0; i < c->h->nh; i++)
      if (c->h->he[i] == e) return bl_leaf(E, c, e, -1000 - i, 0, w);
    return FAIL(e, "a loop-invariant operation on parameters in a batched loop (evaluated once there)");
  }
  if (e->kind == URN_EX_UNARY && (e->op == URN_OP_NEG || e->op == URN_OP_PLUS)) return bl_ex(E, c, e->a[0], w, env, loop);
  if (e->kind == URN_EX_BINARY && (e->op == URN_OP_ADD || e->op == URN_OP_SUB))
    return bl_ex(E, c, e->a[0], w, env, loop) || bl_ex(E, c, e->a[1], w, env, loop) ? -1 : 0;
  if ((e->kind != URN_EX_UNARY && e->kind != URN_EX_BINARY && e->kind != URN_EX_CALL) || e->fun)
    return FAIL(e, "an expression outside the batched subset");
  for (int i = 0; i < e->na; i++) {
    const ir_ex *x = e->a[i];
    if (urn_is_scalar(x->ty)) {
      if (bl_ex(E, c, x, w + 1, env, loop)) return -1;
      continue;
    }
    if (x->novar) continue;
    while (x->kind == URN_EX_INDEX) x = x->a[0];
    c->deep++;
    int bad = x->kind != URN_EX_VAR || !x->global || bl_local(c, x->slot) >= 0 || bl_leaf(E, c, e->a[i], x->slot, 0, w + 1);
    c->deep--;
    if (bad) return FAIL(e->a[i], "this container argument in a batched loop");
  }
  return 0;
}

/* The end of a statement that makes nodes (an increment; a store read after the loop): a store's leaves are no
 * other statement's (its nodes are made before the loop's increments, lane by lane). */
static int bl_stmt_end(emitter *E, bl_ctx *c, const ir_st *s, int store) {
  for (int i = 0; i < c->nleaf; i++) {
    for (int j = 0; j < c->nsleaf; j++)
      if (c->sleaf[j] == c->leaf[i] && (store || c->sstmt[j] < 0))
        return FAIL(s, "a store and another statement of a batched loop reading one variable");
    if (c->nsleaf == BL_MAX) return FAIL(s, "a batched loop too large");
    c->sleaf[c->nsleaf] = c->leaf[i], c->sstmt[c->nsleaf++] = store ? -1 - c->stmt : c->stmt;
  }
  c->stmt++;
  return 0;
}

/* A new version of local k: e (read later where the local is read). */
static int bl_assign(emitter *E, bl_ctx *c, const ir_st *s, int k, const ir_ex *e, int nodes) {
  if (c->nver == BL_MAX) return FAIL(s, "a batched loop too large");
  bl_ver *r = &c->ver[c->nver];
  r->e = e, r->reads = 0, r->nodes = nodes, r->inner = c->inner;
  if (c->depth[k] < c->ifs) return FAIL(s, "an assignment in a branch of a batched loop");
  memcpy(r->env, c->cur, sizeof r->env);
  c->cur[k] = c->nver++;
  return 0;
}

static int bl_new_local(emitter *E, bl_ctx *c, const ir_st *s, int slot) {
  if (c->nl == BL_MAX) return FAIL(s, "a batched loop too large");
  c->lslot[c->nl] = slot, c->cur[c->nl] = -1, c->depth[c->nl] = c->ifs;
  return c->nl++;
}

static int bl_stmt(emitter *E, bl_ctx *c, const ir_st *s, const ir_st *loop) {
  c->nleaf = 0, c->most = 2;
  switch (s->kind) {
    case URN_ST_EMPTY: return 0;
    case URN_ST_BLOCK:
      for (int i = 0; i < s->nbody; i++)
        if (bl_stmt(E, c, s->body[i], loop)) return -1;
      return 0;
    case URN_ST_IF: {
      c->ifs++;
      int rc = bl_stmt(E, c, s->body[0], loop) || (s->nbody > 1 && s->body[1] && bl_stmt(E, c, s->body[1], loop));
      c->ifs--;
      return rc ? -1 : 0;
    }
    case URN_ST_FOR: {
      if (c->inner >= 0) return FAIL(s, "nested loops in a batched loop");
      c->inner = s->slot;
      int rc = bl_stmt(E, c, s->body[0], loop);
      c->inner = -1;
      return rc;
    }
    case URN_ST_DECL: {
      if (s->decl->ty.base == URN_TY_INT) return 0;
      int k = bl_new_local(E, c, s, s->slot);
      if (k < 0) return -1;
      if (!s->rhs) return 0;
      if (s->rhs->novar) return c->cur[k] = -2, 0;
      return bl_inv(E, c, s->rhs) || bl_assign(E, c, s, k, s->rhs, 0) ? -1 : 0;
    }
    case URN_ST_TILDE:
      for (int i = 0; i < s->nargs; i++)
        if (bl_inv(E, c, s->args[i])) return -1;
      for (int i = 0; i < s->nargs; i++)
        if (bl_ex(E, c, s->args[i], 1, c->cur, loop)) return -1;
      return bl_stmt_end(E, c, s, 0);
    case URN_ST_TARGET:
      return bl_inv(E, c, s->rhs) || bl_ex(E, c, s->rhs, 0, c->cur, loop) || bl_stmt_end(E, c, s, 0) ? -1 : 0;
    case URN_ST_ASSIGN: {
      const ir_ex *l = s->lhs, *b = l->kind == URN_EX_INDEX ? l->a[0] : l;
      if (s->op != URN_AS_SET || b->kind != URN_EX_VAR || !b->global) return FAIL(s, "this assignment in a batched loop");
      int k = bl_local(c, b->slot);
      if (s->rhs->novar && k >= 0 && c->depth[k] < c->ifs) return FAIL(s, "an assignment in a branch of a batched loop");
      if (s->rhs->novar) return k >= 0 ? (c->cur[k] = -2, 0) : 0;
      if (bl_inv(E, c, s->rhs)) return -1;
      if (k >= 0 && l->kind == URN_EX_VAR) { /* a per-iteration local */
        /* in an inner loop, x = x + ...: a chain, each value read once by the next (bl_read) */
        return bl_assign(E, c, s, k, s->rhs, 0);
      }
      if (c->inner >= 0 || l->kind != URN_EX_INDEX || s->bslot == -2) return FAIL(s, "this store in a batched loop");
      if (k < 0 && (k = bl_new_local(E, c, s, b->slot)) < 0) return -1;
      if (s->bslot == -1) { /* nodes for the reads after the loop: one per lane, its partials the terms */
        c->most = 1;
        if (bl_ex(E, c, s->rhs, 0, c->cur, loop) || bl_stmt_end(E, c, s, 1)) return -1;
      }
      return bl_assign(E, c, s, k, s->rhs, s->bslot == -1);
    }
    default: return FAIL(s, "a statement outside the batched subset");
  }
}

/* 0: the body of batched loop s (model block) has only shapes whose lanes give the ordinary order's bits, its
 * loop-invariant operations on parameters into h (to be computed before the loop).  Their nodes are older than
 * the loop's increments here and there; a variable they read must not be a leaf of a lane node that batch.c may
 * make before theirs (a store's, a collapsed local's or container argument's). */
static int bl_check(emitter *E, const ir_st *s, struct lanes *h) {
  bl_ctx *c = urn_xcalloc(1, sizeof *c);
  c->inner = c->chain = -1, c->h = h;
  int rc = bl_stmt(E, c, s->body[0], s);
  for (int i = 0; !rc && i < c->nhleaf; i++)
    for (int j = 0; !rc && j < c->nrleaf; j++)
      if (c->hleaf[i] == c->rleaf[j])
        rc = FAIL(s, "a loop-invariant operation reading a variable that a store or a local of the batched loop reads");
  free(c);
  return rc;
}

/* for (i in lo:hi): as run_for (a double counter); the reverse runs the iterations hi..lo.  A batched loop whose
 * body is one lane store: its invariants first (emit_hoist), then the lanes (emit_lane_store). */
static int emit_for_split(emitter *E, const ir_st *s, urn_buf *f, urn_buf *r);

static int emit_for(emitter *E, const ir_st *s, urn_buf *f, urn_buf *r) {
  if (E->nloop == 32 || !s->global) return FAIL(s, "this loop");
  if (s->run == urn_batch_run && !E->nbatch && E->lane_loop != s && E->ord_loop != s) {
    /* a single store emitted as lanes: urn_batch_run runs 0 or 1 iteration as the ordinary loop (session 11) */
    const ir_st *b = s->body[0];
    if (b && b->kind == URN_ST_BLOCK && b->nbody == 1) b = b->body[0];
    if (b && b->kind == URN_ST_ASSIGN && b->bslot == -1 && b->lhs->kind == URN_EX_INDEX) return emit_for_split(E, s, f, r);
  }
  nref lo, hi;
  int iv = E->nv++;
  urn_buf b, rb;
  urn_buf_init(&b), urn_buf_init(&rb);
  /* the bounds, evaluated in both passes (data only: the same values) */
  E->f = &b;
  if (emit_scalar(E, s->lo, &lo) || emit_scalar(E, s->hi, &hi) || lo.kind != NR_CONST || hi.kind != NR_CONST) {
    urn_buf_free(&b), urn_buf_free(&rb);
    return FAIL(s, "loop bounds outside the native subset");
  }
  E->loop_st[E->nloop] = s, E->loop_slot[E->nloop] = s->slot, E->loop_var[E->nloop++] = iv;
  int batched = s->run == urn_batch_run && E->ord_loop != s, rc = 0, nd;
  int achk = E->alias_chk;
  const ir_st *bts = E->bt_store;
  E->nbatch += batched;
  lanes h;
  urn_buf hr[NAT_MAX_HOIST];
  const ir_st *ls = batched && E->nbatch == 1 ? lane_store(E, s, &h) : NULL;
  /* a batched loop of the transformed parameters block stores lane values whose partials batch.c forms forward
     (products of the local partials from the leaf up), not as the tape's sweep multiplies them: they round
     differently at some points but not at others, which the check at one point cannot see: only lane stores
     (lane_store, tp_batch_ok) */
  if (batched && E->in_tp && !ls && (E->nbatch != 1 || tp_batch_ok(E, s))) {
    urn_buf_free(&b), urn_buf_free(&rb);
    return FAIL(s, "a batched loop in the transformed parameters block");
  }
  int bl = batched && E->nbatch == 1 && !ls && !E->in_tp; /* checked, its invariants computed before it */
  if (bl) memset(&h, 0, sizeof h);
  const ir_st *lil = E->li_loop;
  int li = 0;
  if (bl) { /* a single store, or increments, whose lanes round otherwise: emitted as they make them (session 11) */
    char why[sizeof E->np->why];
    memcpy(why, E->np->why, sizeof why);
    if (bl_check(E, s, &h)) {
      memcpy(E->np->why, why, sizeof why);
      if (E->lane_loop == s && !tp_batch_ok(E, s)) bl = 0, memset(&h, 0, sizeof h);
      else if (E->li_loop = s, !li_check(E, s->body[0])) bl = 0, li = 1, memset(&h, 0, sizeof h), E->alias_chk = 1;
      else E->li_loop = lil, bl_check(E, s, &h); /* its reason */
    }
  }
  if (bl && bl_check(E, s, &h)) {
    E->nloop--, E->nbatch--;
    urn_buf_free(&b), urn_buf_free(&rb);
    return -1;
  }
  int nh = ls || bl ? h.nh : 0;
  for (int i = 0; i < nh; i++) urn_buf_init(&hr[i]);
  if (li) { /* urn_batch_run runs 1 iteration as the ordinary loop: declined there */
    urn_buf_puts(f, "  {\n");
    urn_buf_append(f, b.data, b.len);
    urn_buf_printf(f, "  if (v%d == v%d) return 1;\n  }\n", hi.v, lo.v);
  }
  if ((ls || nh) && E->lane_loop != s) { /* urn_batch_run runs 0 or 1 iteration as the ordinary loop (no invariants once): declined */
    urn_buf_puts(f, "  {\n");
    urn_buf_append(f, b.data, b.len);
    urn_buf_printf(f, "  if (!(v%d - v%d >= 1)) return 1;\n  }\n", hi.v, lo.v);
  }
  for (int i = 0; i < nh && !rc; i++) rc = emit_hoist(E, s, h.he[i], f, &hr[i], &h.hk[i]);
  const lanes *hoist = E->hoist;
  int again = E->hoist_again;
  if (bl && nh) E->hoist = &h, E->hoist_again = E->nloop > 1;
  urn_buf_puts(f, "  {\n");
  urn_buf_append(f, b.data, b.len);
  urn_buf_printf(f, "  for (int64_t i%d = (int64_t)v%d; i%d <= (int64_t)v%d; i%d++) {\n", iv, lo.v, iv, hi.v, iv);
  urn_buf_puts(r, "  {\n");
  urn_buf_append(r, b.data, b.len);
  urn_buf_printf(r, "  for (int64_t i%d = (int64_t)v%d; i%d >= (int64_t)v%d; i%d--) {\n", iv, hi.v, iv, lo.v, iv);
  const ir_st *body = s->body[0];
  if (!rc)
    rc = ls ? emit_lane_store(E, ls, &h, f, &rb)
       : body->kind == URN_ST_BLOCK && !(E->li_loop && li_incr(body, &nd)) ? emit_list(E, body->body, body->nbody, f, &rb)
       : emit_stmt(E, body, f, &rb);
  E->nloop--, E->nbatch -= batched;
  E->alias_chk = achk, E->bt_store = bts, E->hoist = hoist, E->hoist_again = again, E->li_loop = lil;
  if (!rc) urn_buf_append(r, rb.data ? rb.data : "", rb.len);
  urn_buf_puts(f, "  }\n  }\n");
  urn_buf_puts(r, "  }\n  }\n");
  for (int i = nh; i-- > 0;) { /* the invariants' reverses after the lanes' */
    if (!rc && hr[i].data) urn_buf_append(r, hr[i].data, hr[i].len);
    urn_buf_free(&hr[i]);
  }
  urn_buf_free(&b), urn_buf_free(&rb);
  return rc;
}

/* A batched loop whose body is one store: lang/batch.c runs it as lanes when it has 2 or more iterations, as the
 * ordinary loop otherwise (bones' `for (k in 1:(ncat[j] - 1))` has 1 where ncat[j] is 2): both emitted, chosen by
 * its bounds (data) and recorded as emit_if does. */
static int emit_for_split(emitter *E, const ir_st *s, urn_buf *f, urn_buf *r) {
  nref lo, hi;
  E->f = f;
  urn_buf_puts(f, "  {\n");
  if (emit_scalar(E, s->lo, &lo) || emit_scalar(E, s->hi, &hi) || lo.kind != NR_CONST || hi.kind != NR_CONST)
    return FAIL(s, "loop bounds outside the native subset");
  int cv = E->nv++;
  urn_buf a, b;
  urn_buf_init(&a), urn_buf_init(&b);
  urn_buf_printf(f, "  const int32_t c%d = v%d - v%d >= 1;\n  if (c%d) {\n", cv, hi.v, lo.v, cv);
  const ir_st *ll = E->lane_loop, *ol = E->ord_loop;
  E->lane_loop = s;
  int rc = emit_for(E, s, f, &a);
  E->lane_loop = ll;
  urn_buf_puts(f, "  } else {\n");
  E->ord_loop = s;
  if (!rc) rc = emit_for(E, s, f, &b);
  E->ord_loop = ol;
  branch_end(f, r, cv, &a, &b);
  return rc;
}

static int emit_stmt(emitter *E, const ir_st *s, urn_buf *f, urn_buf *r) {
  int nd;
  if (E->li_loop && li_incr(s, &nd)) return emit_lane_unit(E, s, f, r);
  if (s->kind == URN_ST_ASSIGN || s->kind == URN_ST_TILDE || s->kind == URN_ST_TARGET) {
    const ir_ex *t = stmt_tern(E, s);
    if (t) return emit_tern(E, s, t, f, r);
  }
  switch (s->kind) {
    case URN_ST_TILDE: case URN_ST_TARGET: {
      urn_buf rv;
      urn_buf_init(&rv);
      E->nvtmp = 0;
      int rc = emit_vtemps(E, s, f, &rv) || emit_term(E, s, f, r);
      E->nvtmp = 0;
      if (!rc && rv.data) urn_buf_append(r, rv.data, rv.len);
      urn_buf_free(&rv);
      return rc;
    }
    case URN_ST_FOR:
      if (s->run != rt_run_fn(URN_ST_FOR, 0) && s->run != urn_batch_run) return FAIL(s, "this loop");
      return emit_for(E, s, f, r);
    case URN_ST_BLOCK: return emit_list(E, s->body, s->nbody, f, r);
    case URN_ST_DECL: return emit_decl(E, s, f, r);
    case URN_ST_IF: return emit_if(E, s, f, r);
    case URN_ST_ASSIGN: return emit_assign(E, s, f, r);
    case URN_ST_EMPTY: return 0;
    default: return FAIL(s, "a statement outside the native subset");
  }
}

/* The ABI text in front of every program (mirrors nat_host and urn_darg). */
static const char nat_abi_text[] =
    "#include <math.h>\n#include <stddef.h>\n#include <stdint.h>\n#include <string.h>\n"
    "typedef struct nat_darg { const double *v; const int *iv; size_t n, rows, cols; double *d; void *memo; } nat_darg;\n"
    "typedef int (*nat_dist_fn)(const nat_darg *, int, double *, void *);\n"
    "typedef struct nat_unary { double (*f)(double); double (*df)(double, double); } nat_unary;\n"
    "typedef void (*nat_binary)(double, double, double *, double *, double *);\n"
    "typedef struct nat_host {\n  const double *const *v; const int32_t *const *ix; const size_t *n; const size_t *d0;\n  const int32_t *const *dim; void *const *fn;\n"
    "  void *const *memo; const void *const *kern; void *err; double *adj; double *P; int32_t *L; double **Q; size_t pcap, lcap, qcap;\n"
    "  void (*grow)(struct nat_host *, size_t, size_t, size_t); void *(*scratch)(struct nat_host *, size_t);\n"
    "  double *T; size_t tcap, nt; void *ctx;\n} nat_host;\n";

/* The transformed parameters' checks at the end of their block, as model.c's run_params makes them (no NaN
 * element; lower / upper bounds on data, scalar): any failure hands the evaluation to the interpreter, whose
 * message it is. */
static int emit_tp_checks(emitter *E, const urn_prog *p, urn_buf *f) {
  for (int i = 0; i < p->ndecls[URN_BLK_TPARAMS]; i++) {
    const ir_decl *d = p->decls[URN_BLK_TPARAMS][i];
    int k = -1;
    for (int j = 0; j < E->nloc; j++)
      if (E->loc_slot[j] == d->slot) k = j;
    if (k < 0 || (d->dtype != URN_DT_REAL && d->dtype != URN_DT_VECTOR && d->dtype != URN_DT_MATRIX) || d->offset || d->multiplier)
      return fail(E, d->line, d->col, "this transformed parameter");
    E->f = f;
    urn_buf_puts(f, "  {\n");
    nref lo = {NR_CONST, -1, -1, -1, -1}, hi = lo;
    const ir_ex *b[2] = {d->lower, d->upper};
    nref *rb[2] = {&lo, &hi};
    for (int j = 0; j < 2; j++)
      if (b[j] && (!b[j]->s || !urn_is_scalar(b[j]->ty) || !b[j]->novar || emit_scalar(E, b[j], rb[j]) || rb[j]->kind != NR_CONST))
        return fail(E, d->line, d->col, "a transformed parameter's bound outside the native subset");
    urn_buf_printf(f, "  for (size_t j = 0; j < Ln%d; j++) {\n    const double t = Lv%d[j];\n    if (isnan(t)) return 1;\n", k, k);
    if (d->lower) urn_buf_printf(f, "    if (!(t >= v%d)) return 1;\n", lo.v);
    if (d->upper) urn_buf_printf(f, "    if (!(t <= v%d)) return 1;\n", hi.v);
    urn_buf_puts(f, "  }\n  }\n");
  }
  return 0;
}

/* The program's C text into out: the model block, preceded (tp) by the transformed parameters block, whose
 * variables are then the code's locals (the model block reads them as it reads its own), and its checks. */
static int emit_program(const urn_prog *p, nat_prog *out, int tp) {
  memset(out, 0, sizeof *out);
  urn_buf_init(&out->c);
  out->tp = tp;
  emitter *E = urn_xcalloc(1, sizeof *E);
  E->np = out, E->p = p, E->fxnode = -1;
  urn_buf_init(&E->pre), urn_buf_init(&E->fxr);
  E->wcount = urn_xcalloc((size_t)p->nglob + 1, sizeof *E->wcount);
  E->wloop = urn_xcalloc((size_t)p->nglob + 1, sizeof *E->wloop);
  if (tp) scan_writes(E, p->stmts[URN_BLK_TPARAMS], p->nstmts[URN_BLK_TPARAMS], NULL, 0);
  scan_writes(E, p->stmts[URN_BLK_MODEL], p->nstmts[URN_BLK_MODEL], NULL, 0);
  urn_buf f, r, rt;
  urn_buf_init(&f), urn_buf_init(&r), urn_buf_init(&rt);
  int rc = 0;
  E->in_tp = tp;
  if (tp) rc = emit_list(E, p->stmts[URN_BLK_TPARAMS], p->nstmts[URN_BLK_TPARAMS], &f, &rt) || emit_tp_checks(E, p, &f);
  E->in_tp = 0;
  if (!rc) rc = emit_list(E, p->stmts[URN_BLK_MODEL], p->nstmts[URN_BLK_MODEL], &f, &r);
  /* the block's variables are the code's locals: a slot of one read by the host (stale: model.c no longer runs
     the block) would be a construct read outside the locals' paths: that program keeps the block interpreted */
  for (int i = 0; tp && !rc && i < out->nslots; i++)
    for (int j = 0; j < p->ndecls[URN_BLK_TPARAMS]; j++)
      if (p->decls[URN_BLK_TPARAMS][j]->slot == out->slots[i])
        rc = fail(E, p->decls[URN_BLK_TPARAMS][j]->line, p->decls[URN_BLK_TPARAMS][j]->col, "a transformed parameter read as a slot");
  if (!rc) {
    urn_buf_printf(&out->c, "/* urn native tier: the %smodel block's log density and gradient (src/native/emit.c) */\n",
                   tp ? "transformed parameters and " : "");
    urn_buf_puts(&out->c, nat_abi_text);
    urn_buf_puts(&out->c, "int urn_native_lp(nat_host *h, int propto, double *tcp) {\n");
    urn_buf_puts(&out->c, "  double tc = *tcp, *adj = h->adj;\n  size_t np = 0, nl = 0, nq = 0, nt = 0;\n  (void)adj;\n");
    /* the slots' values, nodes and sizes (and a scalar's value and node), read once (they do not change during the evaluation) */
    for (int i = 0; i < out->nslots; i++)
      urn_buf_printf(&out->c, "  const double *const V%d = h->v[%d]; const int32_t *const X%d = h->ix[%d]; const size_t N%d = h->n[%d];\n"
                              "  const double SV%d = N%d ? V%d[0] : 0.0; const int32_t SX%d = X%d && N%d ? X%d[0] : -1;\n"
                              "  const size_t R%d = h->d0[%d], C%d = R%d ? N%d / R%d : 0;\n"
                              "  (void)V%d, (void)X%d, (void)N%d, (void)SV%d, (void)SX%d, (void)R%d, (void)C%d;\n",
                     i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i);
    if (E->pre.data) urn_buf_append(&out->c, E->pre.data, E->pre.len);
    if (f.data) urn_buf_append(&out->c, f.data, f.len);
    if (r.data) urn_buf_append(&out->c, r.data, r.len);
    if (rt.data) urn_buf_append(&out->c, rt.data, rt.len); /* the transformed parameters' nodes are older: swept last */
    urn_buf_puts(&out->c, "  *tcp = tc;\n  h->nt = nt;\n  return 0;\n}\n");
  }
  urn_buf_free(&f), urn_buf_free(&r), urn_buf_free(&rt), urn_buf_free(&E->pre), urn_buf_free(&E->fxr);
  free(E->wcount), free(E->wloop);
  free(E);
  return rc;
}

int urn_nat_emit(const urn_prog *p, nat_prog *out) {
  char why_tp[160] = "";
  if (p->nstmts[URN_BLK_TPARAMS] || p->ndecls[URN_BLK_TPARAMS]) {
    if (!emit_program(p, out, 1)) return 0;
    snprintf(why_tp, sizeof why_tp, "%s", out->why);
    urn_nat_prog_free(out);
  }
  int rc = emit_program(p, out, 0);
  snprintf(out->why_tp, sizeof out->why_tp, "%s", why_tp);
  return rc;
}

void urn_nat_prog_free(nat_prog *np) {
  urn_buf_free(&np->c);
  free(np->slots), free(np->slot_var), free(np->sites), free(np->kern);
  memset(np, 0, sizeof *np);
}
