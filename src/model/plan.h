/* model/plan.h — what the run layer tells the model about the job ahead: its iterations and, as they pass, the
 * gradients they took, from which the native tier's default mode (URN_NAT_AUTO, docs/autodiff.md) projects the
 * job's interpreted cost and weighs it against the cost of a compile. */
#ifndef URN_MODEL_PLAN_H
#define URN_MODEL_PLAN_H

#include "urn/model.h"

/* The job on m has this many iterations (all chains; 0: unknown).  No effect without the native tier. */
void urn__model_native_plan(const urn_model *m, double iterations);
/* 1 while the native tier's default mode has yet to decide whether to compile (reports are then wanted). */
int urn__model_native_deciding(const urn_model *m);
/* The job finished this many more iterations, of which the last measured ones took this many gradients and cpu
 * seconds of their thread (0: not timed). */
void urn__model_native_progress(const urn_model *m, double iterations, double measured, double gradients, double cpu);

#endif
