/* cli/compile_bs.h — `urn compile MODEL.stan --bridgestan`: a BridgeStan-compatible
 * model library made by copying the generic library linked into `urn` and
 * appending the Stan program (src/bridgestan/bs_trailer.h). */
#ifndef URN_CLI_COMPILE_BS_H
#define URN_CLI_COMPILE_BS_H

#include "urn/common.h"

/* Checks the program at stan_path (parse, types, lowering: every error that does
 * not depend on data) and writes the model library to out_path (NULL: BridgeStan's
 * name, "<dir>/<stem>_model.so" beside the program), atomically (a temporary file
 * renamed into place) and executable.  Returns URN_OK, URN_EINPUT for a bad
 * program, URN_EIO when the file cannot be written; err says which. */
int compile_bridgestan(const char *stan_path, const char *out_path, const char *include_paths, urn_error *err);

/* The default output name for stan_path: "<dir>/<stem>_model.so" (malloc'd). */
char *compile_bridgestan_default_name(const char *stan_path);

#endif
