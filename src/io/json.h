/* io/json.h — a small, strict JSON reader (DOM) for data files, inits, HMM
 * cases and parameter files, plus a writer helper for numbers.
 *
 * Accepts RFC 8259 JSON plus the non-finite tokens CmdStan's JSON data format
 * allows: NaN, Infinity, -Infinity, Inf, -Inf (bare); the strings "NaN",
 * "Inf", "-Inf", "Infinity", "-Infinity" stay strings and urn_json_number()
 * converts them.  Errors name file:line:col.  Nesting deeper than
 * URN_JSON_MAX_DEPTH is refused, so hostile input cannot overflow the stack. */
#ifndef URN_IO_JSON_H
#define URN_IO_JSON_H

#include <stddef.h>
#include "urn/common.h"

#define URN_JSON_MAX_DEPTH 256

typedef enum urn_json_type {
  URN_JSON_NULL,
  URN_JSON_BOOL,
  URN_JSON_NUMBER,
  URN_JSON_STRING,
  URN_JSON_ARRAY,
  URN_JSON_OBJECT
} urn_json_type;

typedef struct urn_json urn_json;
struct urn_json {
  urn_json_type type; /* which kind of value */
  int line, col;      /* where the value starts in the source (1-based) */
  int is_int;         /* NUMBER written as an integer literal (no '.', no exponent) */
  double num;         /* NUMBER value (BOOL: 0 or 1) */
  char *str;          /* STRING contents, unescaped UTF-8, NUL-terminated */
  size_t len;         /* ARRAY/OBJECT: element count; STRING: byte length */
  urn_json **items;   /* ARRAY/OBJECT elements, in source order (NULL for a packed ARRAY) */
  char **keys;        /* OBJECT keys, parallel to items */
  int ndims;          /* packed ARRAY (urn_json_parse_data only): its number of dimensions, else 0 */
  size_t *shape;      /* packed ARRAY: its sizes, ndims of them (shape[0] == len) */
  double *nums;       /* packed ARRAY: the numbers of the rectangular array, in reading order (row-major) */
};

/* Parses text[0..len).  filename is used in messages only (may be NULL).
 * Returns NULL and fills err on a syntax error.  An object that repeats a key
 * is an error naming the key (CmdStan refuses repeated variables too). */
urn_json *urn_json_parse(const char *text, size_t len, const char *filename, urn_error *err);
/* The same for data files: a rectangular array of numbers (any depth) becomes
 * one packed ARRAY (ndims, shape, nums: 8 bytes a number, no node per number)
 * instead of a node per element, so a large data file takes little more
 * memory than its values.  Packed elements have no positions of their own. */
urn_json *urn_json_parse_data(const char *text, size_t len, const char *filename, urn_error *err);
/* Reads and parses a file. */
urn_json *urn_json_parse_file(const char *path, urn_error *err);
void urn_json_free(urn_json *v);

/* The member named key of an object, or NULL. */
const urn_json *urn_json_get(const urn_json *obj, const char *key);
/* A number, or one of the strings "NaN", "Inf", "-Inf", "Infinity", "-Infinity":
 * stores it in *out and returns 1; otherwise returns 0. */
int urn_json_number(const urn_json *v, double *out);
/* A short name for a type ("number", "array", ...), for messages. */
const char *urn_json_type_name(urn_json_type t);

#endif
