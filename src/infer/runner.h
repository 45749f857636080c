/* infer/runner.h — runs NUTS chains (warmup with adaptation, then sampling)
 * on a pool of threads; implements urn_sample_run of urn/sample.h.  Chains
 * are independent (their own RNG stream, sampler and workspace), so the
 * numbers they produce do not depend on how many threads run them. */
#ifndef URN_INFER_RUNNER_H
#define URN_INFER_RUNNER_H

#include "urn/sample.h"

/* Runs one chain (index chain) on the calling thread. */
int urn_sample_chain(const urn_sample_config *cfg, const urn_target *target, int chain, const double *init,
                     const urn_sample_sink *sink, volatile sig_atomic_t *stop, urn_chain_result *res);

#endif
