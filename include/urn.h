/* urn.h — the public C API of urn, a Bayesian modeling toolkit.
 *
 * One header for users; it includes the module headers under urn/:
 *   urn/common.h   status codes and urn_error
 *   urn/model.h    Stan-language models: construct, log density, gradient, transforms
 *   urn/sample.h   NUTS sampling, adaptation, optimization, Stan CSV output
 *   urn/diag.h     R-hat, ESS, MCSE, quantiles, HDI, summaries
 *   urn/hmm.h      hidden Markov models and GLM-HMMs fitted by EM
 * Every identifier starts with urn_ / URN_. */
#ifndef URN_H
#define URN_H

#ifdef __cplusplus
extern "C" {
#endif

#include "urn/common.h"
#if __has_include("urn/model.h")
#include "urn/model.h"
#endif
#if __has_include("urn/sample.h")
#include "urn/sample.h"
#endif
#if __has_include("urn/diag.h")
#include "urn/diag.h"
#endif
#if __has_include("urn/hmm.h")
#include "urn/hmm.h"
#endif

#ifdef __cplusplus
}
#endif
#endif
