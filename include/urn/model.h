/* urn/model.h — a Stan-language model: construct it from source and data, then
 * evaluate its log density and gradient on the unconstrained scale, and move
 * between constrained and unconstrained parameters.  Modeled on BridgeStan.
 *
 * A urn_model is immutable after construction and thread-safe: many chains may
 * call it at once (each call uses its own workspace). */
#ifndef URN_MODEL_H
#define URN_MODEL_H

#include <signal.h>
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
URN_API urn_model *urn_model_new(const char *path, const char *source, size_t source_len, const char *data_path,
                                 const char *data, size_t data_len, uint64_t seed, urn_error *err);
/* The same, reading both files (data_path may be NULL). */
URN_API urn_model *urn_model_from_files(const char *stan_path, const char *data_path, uint64_t seed, urn_error *err);

/* Options of urn_model_load (urn_model_options_default gives seed 1, print to stdout, no stop flag, loops
 * batched). */
typedef struct urn_model_options {
  uint64_t seed;               /* seeds transformed data's _rng */
  FILE *print;                 /* where print() statements write (NULL silences them) */
  volatile sig_atomic_t *stop; /* NULL, or the caller's stop flag (set it from a signal handler or a timer):
                                  once non-zero, running transformed data and every later evaluation end
                                  at their next loop iteration or function call with URN_EINTR */
  const char *include_paths;   /* folders searched by the program's #include after its own folder, comma-separated
                                  (stanc's and CmdStan's --include-paths DIR[,DIR]); NULL: none */
  int no_batch;                /* 1: every loop runs statement by statement (no loop batching or fusion:
                                  docs/autodiff.md) and ODE right-hand sides run on the tape (docs/ode.md), to
                                  compare the two; the CLI sets it from URN_NOBATCH=1 */
  int native;                  /* the native tier (docs/autodiff.md): 0 off, 1 compiled in the background while
                                  the interpreter runs (gradients switch to it once ready, checked to give the same
                                  bits and timed to be faster), 2 built before the model is returned and switched
                                  to whenever it gives the same bits (benchmarks, tests), 3 auto (urn sample's
                                  default: a cached object at once, else a niced compile once a run's projected
                                  interpreted cost is at least 10x the compile's) */
  const char *native_cache;    /* folder of compiled models (the CLI passes $XDG_CACHE_HOME/urn or ~/.cache/urn);
                                  NULL: no native tier */
  const char *native_cc;       /* the C compiler command; NULL: "cc" */
} urn_model_options;
URN_API void urn_model_options_default(urn_model_options *opt);
/* Reads both files and builds the model with options opt (NULL: the defaults).  The data file's text is
 * freed as soon as it is parsed (memory peaks below 3x a large data file's size).  Errors as urn_model_new,
 * plus URN_ENOMEM for sizes memory cannot hold and URN_EINTR when stopped. */
URN_API urn_model *urn_model_load(const char *stan_path, const char *data_path, const urn_model_options *opt,
                                  urn_error *err);
/* urn_model_new with options (NULL: the defaults). */
URN_API urn_model *urn_model_new_opt(const char *path, const char *source, size_t source_len, const char *data_path,
                                     const char *data, size_t data_len, const urn_model_options *opt, urn_error *err);
URN_API void urn_model_free(urn_model *m);
/* One line on the native tier: "native: off", "native: compiling", "native: on (...)", "native: interpreter only
 * (why)". */
URN_API const char *urn_model_native_status(const urn_model *m);

/* The model's name: the file stem of its path ("model" for "dir/model.stan"). */
URN_API const char *urn_model_name(const urn_model *m);
/* Warnings about the program: pre-2.33 syntax that urn reads (docs/language.md), one line
 * each, "path:line:col: warning: ..."; "" when there are none.  Owned by the model. */
URN_API const char *urn_model_warnings(const urn_model *m);
/* Number of unconstrained parameters (the sampler's dimension). */
URN_API size_t urn_model_num_unconstrained(const urn_model *m);
/* Number of constrained scalar outputs: parameters, then transformed parameters
 * (if include_tp), then generated quantities (if include_gq). */
URN_API size_t urn_model_num_params(const urn_model *m, int include_tp, int include_gq);
/* Name of constrained output i in Stan CSV style ("theta.1", "Sigma.2.3"), in
 * the order of urn_model_param_constrain (column-major for matrices, as Stan). */
URN_API const char *urn_model_param_name(const urn_model *m, size_t i);

/* Name of unconstrained coordinate i (i < urn_model_num_unconstrained), as
 * Stan's unconstrained_param_names: "sigma", "beta.2" where the transform keeps
 * the size, "theta.1", "theta.2"... (flat) where it does not (simplex, cov_matrix). */
URN_API const char *urn_model_param_unc_name(const urn_model *m, size_t i);

/* Maximum number of dimensions of a variable (array dimensions, then rows and
 * columns of a vector or matrix). */
#define URN_MODEL_MAX_DIMS 10
/* Number of output variables: parameters, transformed parameters, generated
 * quantities, in declaration order. */
URN_API size_t urn_model_num_vars(const urn_model *m);
/* Variable i of those: returns its name (NULL when i is out of range); *block
 * gets 0 (parameter), 1 (transformed parameter) or 2 (generated quantity),
 * *ndim its number of dimensions (0 for a scalar), dims (URN_MODEL_MAX_DIMS
 * entries) its sizes: array dimensions, then the rows (and columns) of a
 * vector or matrix, and for complex values a last dimension of 2 (real part,
 * imaginary part; the fastest-varying).  Its values are consecutive in
 * urn_model_param_constrain's output, column-major over all ndim dimensions
 * except that last one.  A tuple reports only its array dimensions (its
 * components' values follow each other per element, as in Stan CSV).  Any
 * output pointer may be NULL. */
URN_API const char *urn_model_var(const urn_model *m, size_t i, int *block, int *ndim, size_t *dims);

/* Log density at the unconstrained point theta_unc.  propto drops constant
 * terms as `~` does (so propto=1, jacobian=1 gives Stan's lp__); jacobian adds
 * the log-Jacobian of the constraining transforms.  Returns URN_OK, or
 * URN_EREJECT (with a message) when the model rejects the point. */
URN_API int urn_model_log_density(const urn_model *m, int propto, int jacobian, const double *theta_unc, double *lp,
                                  urn_error *err);
/* Log density and its gradient with respect to theta_unc (length
 * urn_model_num_unconstrained). */
URN_API int urn_model_log_density_gradient(const urn_model *m, int propto, int jacobian, const double *theta_unc,
                                           double *lp, double *grad, urn_error *err);
/* Constrained values of parameters (and transformed parameters, and generated
 * quantities using rng, when asked) at theta_unc, into out
 * (length urn_model_num_params(m, include_tp, include_gq)). */
URN_API int urn_model_param_constrain(const urn_model *m, int include_tp, int include_gq, const double *theta_unc,
                                      double *out, urn_rng *rng, urn_error *err);
/* Unconstrained point from constrained parameter values given by name in a
 * JSON object (the CmdStan inits format); parameters missing from the JSON are
 * an error.  json_path names the file in messages. */
URN_API int urn_model_param_unconstrain_json(const urn_model *m, const char *json, size_t len, const char *json_path,
                                             double *theta_unc, urn_error *err);
/* Unconstrained point from the parameters' constrained values theta, in the
 * order of urn_model_param_constrain (urn_model_num_params(m, 0, 0) values,
 * column-major within each parameter).  Values outside a parameter's support
 * are an error naming the parameter (URN_EINPUT). */
URN_API int urn_model_param_unconstrain(const urn_model *m, const double *theta, double *theta_unc, urn_error *err);

/* Log density, gradient and Hessian (n x n row-major, n =
 * urn_model_num_unconstrained; symmetric) at theta_unc.  The Hessian is the
 * sixth-order central finite difference of the reverse-mode gradient in each
 * coordinate, step 2^-7 (2^-17 |theta_i| beyond |theta_i| > 1024; 6n gradient
 * evaluations), symmetrized; accurate to about 1e-10 relative where the density
 * is smooth (docs/model-api.md).  A point near theta_unc that the model rejects is an
 * error (URN_EREJECT with its message). */
URN_API int urn_model_log_density_hessian(const urn_model *m, int propto, int jacobian, const double *theta_unc,
                                          double *lp, double *grad, double *hessian, urn_error *err);
/* Log density and the Hessian-vector product H v at theta_unc, by the same
 * sixth-order difference of gradients along v (6 gradient evaluations). */
URN_API int urn_model_log_density_hvp(const urn_model *m, int propto, int jacobian, const double *theta_unc,
                                      const double *v, double *lp, double *hvp, urn_error *err);

/* A random number generator for generated quantities: stream `stream` of seed
 * `seed` (xoshiro256++, the sampler's generator: chain c of a run uses stream
 * c).  Not thread-safe: one per thread.  urn_rng_free(NULL) is a no-op. */
URN_API urn_rng *urn_rng_new(uint64_t seed, uint64_t stream);
URN_API void urn_rng_free(urn_rng *rng);

/* Where print() statements write (default stdout; NULL silences them). */
URN_API void urn_model_set_print(urn_model *m, FILE *out);
/* Sets (or clears, with NULL) the stop flag of every later evaluation: once *stop is non-zero, evaluations
 * return URN_EINTR at their next loop iteration or function call.  Not to be called while evaluating. */
URN_API void urn_model_set_stop(urn_model *m, volatile sig_atomic_t *stop);
/* Starts `workers` threads that run the slices of reduce_sum / reduce_sum_static and the jobs of map_rect
 * beside the evaluating threads (0, the default: every evaluation runs its own).  Shared by every thread
 * evaluating m; results are bit for bit the same for any number.  The run layer sets it from num_threads
 * (threads left over by the chains).  Not to be called while evaluating. */
URN_API void urn_model_set_threads(urn_model *m, int workers);

#endif
