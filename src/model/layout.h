/* model/layout.h — the parameter layout of a program for `urn check`: each
 * parameter's name, declared type with its constraint, sizes and number of
 * unconstrained values (sizes are known only with data). */
#ifndef URN_MODEL_LAYOUT_H
#define URN_MODEL_LAYOUT_H

#include <signal.h>
#include <stdio.h>
#include "urn/common.h"

/* Parses, checks and lowers stan_path; with data_path also reads and
 * validates the data and runs transformed data.  Prints the layout to out and
 * the program's warnings (old syntax read) to warn (unless NULL), even when
 * the program is then refused.  Returns URN_OK or an error status with err
 * filled. */
int urn__model_layout_print(const char *stan_path, const char *data_path, FILE *out, FILE *warn, urn_error *err);
/* The same with a stop flag (transformed data may loop forever: `urn check`'s SIGINT and --timeout). */
int urn__model_layout_print_stop(const char *stan_path, const char *data_path, volatile sig_atomic_t *stop, FILE *out,
                          FILE *warn, urn_error *err);
/* The same with the folders #include searches after the program's own (comma-separated; NULL: none). */
int urn__model_layout_print_inc(const char *stan_path, const char *data_path, const char *include_paths,
                         volatile sig_atomic_t *stop, FILE *out, FILE *warn, urn_error *err);

#endif
