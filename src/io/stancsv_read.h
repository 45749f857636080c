/* io/stancsv_read.h — reading Stan CSV files (CmdStan's and urn's): comment
 * lines with the configuration and the adaptation block, a header of column
 * names, numeric rows.  The public API (urn_stancsv_*) is declared in
 * urn/diag.h; this header adds the helpers other modules may reuse. */
#ifndef URN_IO_STANCSV_READ_H
#define URN_IO_STANCSV_READ_H

#include <stddef.h>
#include "urn/diag.h"

/* Parses one CSV number field f[0..len): anything strtod accepts (including
 * inf, nan, infinity), plus R's NA (-> NaN).  Returns 1 and sets *out, or 0
 * when the field is not a number. */
int urn_stancsv_parse_number(const char *f, size_t len, double *out);

/* Looks for "key = value" in the configuration comments of f (CmdStan writes
 * "#     max_depth = 10 (Default)"); copies the value's first word into out and
 * returns 1, or returns 0 when absent. */
int urn_stancsv_config(const urn_stancsv *f, const char *key, char *out, size_t cap);

#endif
