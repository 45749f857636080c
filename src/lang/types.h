/* lang/types.h — Stan's static types as the parser, checker, builtin table and
 * evaluator all see them.  A type is a base (int, real, vector, ...) plus a
 * number of array dimensions: `array[N, M] vector[K]` is {URN_TY_VECTOR, 2}.
 * Sizes are not part of the type (they are checked at run time).  A tuple
 * type also points to its component types (urn_tuple_type), so tuple types
 * are compared with urn_type_eq, never by their fields.
 *
 * Promotion (Stan): int -> real -> complex, elementwise inside arrays;
 * vector -> complex_vector, row_vector -> complex_row_vector, matrix ->
 * complex_matrix; tuples component by component (urn_type_promotes). */
#ifndef URN_LANG_TYPES_H
#define URN_LANG_TYPES_H

#include <stddef.h>

typedef enum urn_base_type {
  URN_TY_ERROR = 0,          /* the type of an expression that already failed to check */
  URN_TY_VOID,               /* no value (void functions, statements) */
  URN_TY_INT,                /* int */
  URN_TY_REAL,               /* real */
  URN_TY_VECTOR,             /* column vector */
  URN_TY_ROW_VECTOR,         /* row vector */
  URN_TY_MATRIX,             /* matrix */
  URN_TY_FUNCTION,           /* a function passed by name (higher-order built-ins) */
  URN_TY_COMPLEX,            /* complex: a (re, im) pair */
  URN_TY_COMPLEX_VECTOR,     /* complex column vector */
  URN_TY_COMPLEX_ROW_VECTOR, /* complex row vector */
  URN_TY_COMPLEX_MATRIX,     /* complex matrix */
  URN_TY_TUPLE               /* tuple(T1, ..., Tn): the component types in urn_type.tup */
} urn_base_type;

typedef struct urn_tuple_type urn_tuple_type;

typedef struct urn_type {
  unsigned char base;        /* enum urn_base_type */
  unsigned char dims;        /* number of array dimensions (0 = not an array) */
  const urn_tuple_type *tup; /* TUPLE: the component types (immutable, shared); NULL otherwise */
} urn_type;

/* The components of a tuple type.  Lives as long as the program (its arena)
 * or in static storage (the return types of built-ins). */
struct urn_tuple_type {
  int n;                     /* number of components (2 or more in Stan) */
  const urn_type *elem;      /* their types, elem[0] is component 1 */
};

/* Real-valued containers and their complex counterparts. */
static inline int urn_base_is_complex(int b) {
  return b == URN_TY_COMPLEX || b == URN_TY_COMPLEX_VECTOR || b == URN_TY_COMPLEX_ROW_VECTOR || b == URN_TY_COMPLEX_MATRIX;
}
/* vector -> complex_vector, ..., real/int -> complex; other bases unchanged. */
static inline int urn_base_to_complex(int b) {
  switch (b) {
    case URN_TY_INT: case URN_TY_REAL: return URN_TY_COMPLEX;
    case URN_TY_VECTOR: return URN_TY_COMPLEX_VECTOR;
    case URN_TY_ROW_VECTOR: return URN_TY_COMPLEX_ROW_VECTOR;
    case URN_TY_MATRIX: return URN_TY_COMPLEX_MATRIX;
  }
  return b;
}
/* complex_vector -> vector, ..., complex -> real; other bases unchanged. */
static inline int urn_base_to_real(int b) {
  switch (b) {
    case URN_TY_COMPLEX: return URN_TY_REAL;
    case URN_TY_COMPLEX_VECTOR: return URN_TY_VECTOR;
    case URN_TY_COMPLEX_ROW_VECTOR: return URN_TY_ROW_VECTOR;
    case URN_TY_COMPLEX_MATRIX: return URN_TY_MATRIX;
  }
  return b;
}
/* Doubles per scalar element of a base: 2 for the complex bases, else 1. */
static inline int urn_base_width(int b) { return urn_base_is_complex(b) ? 2 : 1; }
/* Number of container dimensions of a base: 1 for (complex) vectors and row vectors, 2 for matrices. */
static inline int urn_base_ndim(int b) {
  switch (b) {
    case URN_TY_VECTOR: case URN_TY_ROW_VECTOR: case URN_TY_COMPLEX_VECTOR: case URN_TY_COMPLEX_ROW_VECTOR: return 1;
    case URN_TY_MATRIX: case URN_TY_COMPLEX_MATRIX: return 2;
  }
  return 0;
}

/* Are a and b the same type (tuples component by component)? */
int urn_type_eq(urn_type a, urn_type b);
/* Can a value of type from be used where to is expected, by Stan's promotions
 * (from == to, int -> real -> complex, real containers -> complex ones, inside
 * arrays and tuples)?  Returns -1 when not, else the number of promotion steps
 * (0 for the same type), which overload resolution minimizes. */
int urn_type_promotes(urn_type from, urn_type to);

#endif
