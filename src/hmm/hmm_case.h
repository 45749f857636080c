/* hmm/hmm_case.h — `urn hmm run`: evaluates a case in the JSON schema of the
 * shared HMM oracle (model, hyperparameters, params, frozen groups, sequences,
 * inputs, tasks) and writes the oracle's output keys as JSON.  Also the JSON
 * reading/writing of parameter files that `urn hmm fit/states/sample` share. */
#ifndef URN_HMM_CASE_H
#define URN_HMM_CASE_H

#include "io/json.h"
#include "urn/hmm.h"
#include "util/util.h"

/* Runs every task the case lists and appends one JSON object to out. */
int urn_hmm_run_case(const urn_json *c, urn_buf *out, urn_error *err);

/* Builds the model from a case/parameter-file object: "model", "num_states",
 * "emission_dim", "input_dim", "num_classes", "hyperparameters". */
int urn_hmm_model_from_json(const urn_json *c, urn_hmm_model *m, urn_error *err);
/* Reads the "params" object (keys of the model's kind) into p (allocated here). */
int urn_hmm_params_from_json(const urn_hmm_model *m, const urn_json *params, urn_hmm_params *p,
                             urn_error *err);
/* Writes the model description and parameters as a parameter file object
 * {"model":..., "num_states":..., ..., "hyperparameters": {...}, "params": {...}};
 * extra (may be NULL) is inserted as further members, e.g. "\"fit\": {...}". */
void urn_hmm_write_param_file(urn_buf *out, const urn_hmm_model *m, const urn_hmm_params *p, const char *extra);
/* Writes just the params object. */
void urn_hmm_write_params(urn_buf *out, const urn_hmm_model *m, const urn_hmm_params *p);
/* A JSON number (Python's spelling for non-finite values). */
void urn_hmm_json_num(urn_buf *out, double x);

#endif
