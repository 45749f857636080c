/* model/plan.h — what the run layer tells the model about the job ahead: the number of gradients it expects, which
 * the native tier's default mode (URN_NAT_AUTO, docs/autodiff.md) weighs against the cost of a compile. */
#ifndef URN_MODEL_PLAN_H
#define URN_MODEL_PLAN_H

#include "urn/model.h"

/* The job on m will take about this many gradients (all chains; 0: unknown).  No effect without the native tier. */
void urn__model_native_expect(const urn_model *m, double gradients);

#endif
