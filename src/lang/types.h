/* lang/types.h — Stan's static types as the parser, checker, builtin table and
 * evaluator all see them.  A type is a base (int, real, vector, ...) plus a
 * number of array dimensions: `array[N, M] vector[K]` is {URN_TY_VECTOR, 2}.
 * Sizes are not part of the type (they are checked at run time). */
#ifndef URN_LANG_TYPES_H
#define URN_LANG_TYPES_H

typedef enum urn_base_type {
  URN_TY_ERROR = 0,   /* the type of an expression that already failed to check */
  URN_TY_VOID,        /* no value (void functions, statements) */
  URN_TY_INT,         /* int */
  URN_TY_REAL,        /* real */
  URN_TY_VECTOR,      /* column vector */
  URN_TY_ROW_VECTOR,  /* row vector */
  URN_TY_MATRIX,      /* matrix */
  URN_TY_FUNCTION     /* a function passed by name (higher-order built-ins) */
} urn_base_type;

typedef struct urn_type {
  unsigned char base; /* enum urn_base_type */
  unsigned char dims; /* number of array dimensions (0 = not an array) */
} urn_type;

#endif
