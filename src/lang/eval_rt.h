/* lang/eval_rt.h — the evaluator's node functions (lang/eval.c) that the
 * lowering (lang/lower.c) wires into the resolved program. Internal. */
#ifndef URN_LANG_EVAL_RT_H
#define URN_LANG_EVAL_RT_H

#include "lang/eval.h"

int32_t rt_s_const(urn_ev *ev, const ir_ex *e, double *out);
void rt_g_const(urn_ev *ev, const ir_ex *e, urn_val *out);
int32_t rt_s_var(urn_ev *ev, const ir_ex *e, double *out);
void rt_g_var(urn_ev *ev, const ir_ex *e, urn_val *out);
int32_t rt_s_via_g(urn_ev *ev, const ir_ex *e, double *out);
void rt_g_via_s(urn_ev *ev, const ir_ex *e, urn_val *out);
int32_t rt_s_add(urn_ev *ev, const ir_ex *e, double *out);
int32_t rt_s_sub(urn_ev *ev, const ir_ex *e, double *out);
int32_t rt_s_mul(urn_ev *ev, const ir_ex *e, double *out);
int32_t rt_s_div(urn_ev *ev, const ir_ex *e, double *out);
int32_t rt_s_neg(urn_ev *ev, const ir_ex *e, double *out);
int32_t rt_s_and(urn_ev *ev, const ir_ex *e, double *out);
int32_t rt_s_or(urn_ev *ev, const ir_ex *e, double *out);
int32_t rt_s_cond(urn_ev *ev, const ir_ex *e, double *out);
void rt_g_cond(urn_ev *ev, const ir_ex *e, urn_val *out);
int32_t rt_s_target(urn_ev *ev, const ir_ex *e, double *out);
int32_t rt_s_call_scalar(urn_ev *ev, const ir_ex *e, double *out);
void rt_g_call(urn_ev *ev, const ir_ex *e, urn_val *out);
/* memo: the arguments' rule checks may be remembered per call site (not for truncation's CDF calls, which share
 * the arguments of the density with other rules) */
int32_t rt_dist_eval(urn_ev *ev, const urn_builtin *bi, ir_ex *const *a, int na, int propto, int memo, double *out);
int32_t rt_s_dist(urn_ev *ev, const ir_ex *e, double *out);
void rt_g_dist(urn_ev *ev, const ir_ex *e, urn_val *out);
int32_t rt_s_index(urn_ev *ev, const ir_ex *e, double *out);
void rt_g_index(urn_ev *ev, const ir_ex *e, urn_val *out);
void rt_g_array(urn_ev *ev, const ir_ex *e, urn_val *out);
void rt_g_rowvec(urn_ev *ev, const ir_ex *e, urn_val *out);
void rt_g_ucall(urn_ev *ev, const ir_ex *e, urn_val *out);
int32_t rt_s_index1(urn_ev *ev, const ir_ex *e, double *out);
int32_t rt_s_index2(urn_ev *ev, const ir_ex *e, double *out);
int32_t rt_s_index1v(urn_ev *ev, const ir_ex *e, double *out);
int32_t rt_s_index2v(urn_ev *ev, const ir_ex *e, double *out);
int32_t rt_s_normal(urn_ev *ev, const ir_ex *e, double *out);
int32_t rt_s_lse_add(urn_ev *ev, const ir_ex *e, double *out);
int32_t rt_s_size(urn_ev *ev, const ir_ex *e, double *out);
/* The run function of a statement kind (variant: specialised fast forms). */
ir_run rt_run_fn(int kind, int variant);
/* Loop batching (lang/batch.c): plans a `for` statement of the model or transformed parameters block (block:
 * enum urn_block_kind; sets its run to urn_batch_run when its iterations can run as vector operations). */
int urn_batch_plan(urn_prog *p, ir_st *s, int block);
void urn_batch_run(urn_ev *ev, const ir_st *s);
/* After the model block is lowered: marks the stores of batched loops into a
 * matrix that the block reads only as hmm_marginal's first argument as
 * deferred (see URN_DEFER_MARK in eval.h).  Returns the number of such matrices. */
int urn_batch_defer_plan(urn_prog *p);
/* After lowering: elementwise container expressions of the transformed parameters and model blocks outside
 * batched loops and fused arguments evaluate through lanes (one tape node per element). */
void urn_fuse_exprs(urn_prog *p);
/* Fused vector arguments of a vectorized distribution call (lang/batch.c):
 * marks the arguments, returns 1 when any fuses; then the call / ~ statement
 * runs through urn_fused_dist_s / urn_fused_tilde_run (one tape node). */
int urn_fuse_plan(ir_ex *const *args, int na, const urn_builtin *bi);
int32_t urn_fused_dist(urn_ev *ev, const urn_builtin *bi, ir_ex *const *a, int na, int propto, double *out);
int32_t urn_fused_dist_s(urn_ev *ev, const ir_ex *e, double *out);
void urn_fused_tilde_run(urn_ev *ev, const ir_st *s);
/* target: value so far, and one node summing its terms (-1 when constant). */
double urn_ev_target_value(const urn_ev *ev);
int32_t urn_ev_target_node(urn_ev *ev, double *value);

/* Complex numbers and tuples (lang/eval_compound.c). */
void rt_g_promote(urn_ev *ev, const ir_ex *e, urn_val *out);   /* a[0] converted to e->ty (IR_PROMOTE) */
void rt_g_tuple(urn_ev *ev, const ir_ex *e, urn_val *out);     /* tuple literal (a[0], a[1], ...) */
void rt_g_tuple_get(urn_ev *ev, const ir_ex *e, urn_val *out); /* a[0].(op + 1) */
/* src converted to type want (real -> complex: one double per element becomes two; tuples
 * component by component; int -> real: the same storage). */
void urn_val_promote(urn_ev *ev, const urn_val *src, urn_type want, urn_val *out);
/* Declares a tuple variable (array sizes dim) with every component from its own declaration. */
void urn_ev_declare_tuple(urn_ev *ev, const ir_decl *d, urn_val *slot, const int32_t *dim);
/* dst (a declared tuple) <- src, component by component, sizes checked (line:col for messages). */
void urn_val_assign_tuple(urn_ev *ev, urn_val *dst, const urn_val *src, int line, int col);
/* The storage an assignment target names when it is a variable, a tuple component (x.2, a[i].1) or
 * an element of an array of tuples (a[i]: a view in *view); NULL for indexed selections of other
 * containers. */
urn_val *urn_ev_lvalue(urn_ev *ev, const ir_ex *e, urn_val *view);
/* base (an array of tuples) indexed by e's indexes (single ones, then at most one multi/range). */
void urn_ev_index_tuples(urn_ev *ev, const ir_ex *e, const urn_val *base, urn_val *out);

#endif
