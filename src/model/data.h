/* model/data.h — reading CmdStan JSON data into the evaluator's slots and
 * validating it against the data block's declarations (missing variable,
 * wrong dimensions, non-integer for int, constraint violation: each an error
 * naming the variable and the rule), and checking declared constraints of
 * transformed data, transformed parameters and generated quantities. */
#ifndef URN_MODEL_DATA_H
#define URN_MODEL_DATA_H

#include "io/json.h"
#include "lang/eval.h"

/* Reads every data-block variable of p from root (may be NULL when there is
 * no data file) into ev->glob.  data_path names the file in messages. */
int urn__model_data_read(urn_ev *ev, const urn_prog *p, const urn_json *root, const char *data_path, urn_error *err);

/* Fills slot (already declared with its sizes) from a JSON value (packed
 * arrays of urn_json_parse_data included); messages name `what` (e.g. "data
 * variable 'y'").  Returns URN_OK or URN_EINPUT.  With slot->v NULL it is a
 * dry run: the shape and values are checked, nothing is stored (so sizes are
 * checked against the data before they are allocated). */
int urn__model_data_fill(urn_val *slot, const urn_json *v, int is_int, const char *what, urn_error *err);

/* Checks the declared constraint of d on the value in slot (bounds,
 * simplex, ordered, ...).  Returns 0 when it holds; otherwise writes the
 * rule violated ("y[2] is -1, but must be >= 0") into msg and returns -1.
 * Bounds are evaluated with ev (longjmps on error). */
int urn__model_decl_check(urn_ev *ev, const ir_decl *d, const urn_val *slot, char *msg, size_t cap);

#endif
