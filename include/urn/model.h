/* urn/model.h — a Stan-language model: construct it from source and data, then
 * evaluate its log density and gradient on the unconstrained scale, and move
 * between constrained and unconstrained parameters.  Modeled on BridgeStan.
 *
 * A urn_model is immutable after construction and thread-safe: many chains may
 * call it at once (each call uses its own workspace). */
#ifndef URN_MODEL_H
#define URN_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "urn/common.h"

typedef struct urn_model urn_model;
typedef struct urn_rng urn_rng;

/* Builds a model from Stan source text and (optionally) CmdStan JSON data text.
 * `path` names the program in messages (file:line:col) and gives the model name
 * (its file stem); `data_path` names the data in messages.  data may be NULL
 * when the program declares no data.  `seed` seeds transformed data's _rng.
 * On error returns NULL with err filled (URN_EINPUT for program/data errors). */
urn_model *urn_model_new(const char *path, const char *source, size_t source_len, const char *data_path,
                         const char *data, size_t data_len, uint64_t seed, urn_error *err);
/* The same, reading both files (data_path may be NULL). */
urn_model *urn_model_from_files(const char *stan_path, const char *data_path, uint64_t seed, urn_error *err);
void urn_model_free(urn_model *m);

/* The model's name: the file stem of its path ("model" for "dir/model.stan"). */
const char *urn_model_name(const urn_model *m);
/* Number of unconstrained parameters (the sampler's dimension). */
size_t urn_model_num_unconstrained(const urn_model *m);
/* Number of constrained scalar outputs: parameters, then transformed parameters
 * (if include_tp), then generated quantities (if include_gq). */
size_t urn_model_num_params(const urn_model *m, int include_tp, int include_gq);
/* Name of constrained output i in Stan CSV style ("theta.1", "Sigma.2.3"), in
 * the order of urn_model_param_constrain (column-major for matrices, as Stan). */
const char *urn_model_param_name(const urn_model *m, size_t i);

/* Log density at the unconstrained point theta_unc.  propto drops constant
 * terms as `~` does (so propto=1, jacobian=1 gives Stan's lp__); jacobian adds
 * the log-Jacobian of the constraining transforms.  Returns URN_OK, or
 * URN_EREJECT (with a message) when the model rejects the point. */
int urn_model_log_density(const urn_model *m, int propto, int jacobian, const double *theta_unc, double *lp,
                          urn_error *err);
/* Log density and its gradient with respect to theta_unc (length
 * urn_model_num_unconstrained). */
int urn_model_log_density_gradient(const urn_model *m, int propto, int jacobian, const double *theta_unc,
                                   double *lp, double *grad, urn_error *err);
/* Constrained values of parameters (and transformed parameters, and generated
 * quantities using rng, when asked) at theta_unc, into out
 * (length urn_model_num_params(m, include_tp, include_gq)). */
int urn_model_param_constrain(const urn_model *m, int include_tp, int include_gq, const double *theta_unc,
                              double *out, urn_rng *rng, urn_error *err);
/* Unconstrained point from constrained parameter values given by name in a
 * JSON object (the CmdStan inits format); parameters missing from the JSON are
 * an error.  json_path names the file in messages. */
int urn_model_param_unconstrain_json(const urn_model *m, const char *json, size_t len, const char *json_path,
                                     double *theta_unc, urn_error *err);
/* Where print() statements write (default stdout; NULL silences them). */
void urn_model_set_print(urn_model *m, FILE *out);

#endif
