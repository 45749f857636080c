/* lang/builtins.h — the one table of Stan's built-in functions: for every
 * overload its name, signature, return type, implementation (value and
 * partials on the tape) and a doc string.  The checker resolves calls with
 * urn_builtin_resolve; the evaluator calls the implementation it returns;
 * docs are generated from the same entries.  Distributions enter the table
 * automatically from math/dist.h in all their suffix forms (_lpdf, _lupdf,
 * _lpmf, _lupmf, _lcdf, _lccdf, _cdf, _rng).
 *
 * Signatures are short strings "RET:ARG ARG ..." read by the resolver:
 *   i int, r real, v vector, w row_vector, m matrix; a digit before a letter
 *   is a number of array dimensions ("1i" is array[] int, "2r" array[,] real);
 *   R "reals" (int, real, array[] int/real, vector, row_vector: vectorized
 *   distribution argument), I "ints" (int or array[] int), V "vectors"
 *   (vector, row_vector or an array of them), T any int/real/vector/
 *   row_vector/matrix or array of them (elementwise functions), y what a reduction (sum, max, mean...)
 *   takes: vector, row_vector, matrix, array[] int or array[] real; A any type,
 *   F a function name, G a GLM's covariates (matrix or row_vector), b a bound
 *   (int/real scalar, or the first argument's
 *   type); '@' instead of a digit means any number of array dimensions
 *   ("@v": vector or an array of vectors; as a return code "@m" is a matrix
 *   with the first argument's array dimensions); M an int or int array of any
 *   dimensions; c a real (or int), vector, row_vector or matrix but no array (fma);
 *   n an int or real or an array of them (any dimensions); z an array of exactly
 *   the type of argument 1 (append_array); a trailing '*' repeats the last
 *   argument kind (variadic); a '#' before a code marks a data-only argument
 *   (the checker refuses a value that depends on parameters); '~' before a letter is its complex form
 *   ("~r" complex, "~v" complex_vector, "~w" complex_row_vector, "~m"
 *   complex_matrix, "~T" any complex or real-valued type, "~C" the same
 *   without arrays), which real-valued
 *   arguments reach by promotion (int -> real -> complex, vector ->
 *   complex_vector, ...; one step each).  A return code prefixed by '~' or
 *   '^' is that type made complex or real-valued ("~X": the first argument's
 *   type as complex; "^X": its real-valued counterpart).
 *   Signatures returning S or K whose arguments are all T, c or M are elementwise: their containers must
 *   conform (one type for the real-valued ones; an M container has the rank of a real-valued one, e.g.
 *   lmgamma(array[,] int, matrix); two M containers the same dimensions).
 *   Return codes besides the above: S the shape of the first non-scalar T
 *   argument with int promoted to real (real if all are scalars; an M argument
 *   only when no other argument is a container), Q real if
 *   every argument is a scalar, else array[] real (vectorized _rng), J the
 *   same with int, X the type of argument 1 (e.g. rep_array), E the element
 *   type of argument 1 with one dimension less, H vector or, when an argument
 *   is an array, array[] vector (multi_normal_rng), u real if every argument is a scalar, else vector
 *   (student_t_qf), j int with the array dimensions
 *   of argument 1 (to_int), "(c1,c2,...)" a tuple of fixed component codes ("(~m,~v)": eigendecompose;
 *   urn_builtin_tuple_ret gives its type), and so on (see builtins.c).
 *
 * The table is built once (pthread_once) and never modified: thread-safe. */
#ifndef URN_LANG_BUILTINS_H
#define URN_LANG_BUILTINS_H

#include <stddef.h>
#include <stdint.h>
#include "lang/types.h"

struct urn_ev;  /* the evaluator's per-call context (lang/eval.h) */
struct urn_val; /* an evaluated value (lang/eval.h) */
typedef struct urn_builtin urn_builtin;

/* General implementation: evaluates the call on args[0..n) into *out (whose
 * storage it allocates from the evaluation arena), taping partials when any
 * argument has tape nodes.  Errors longjmp through the context (reject). */
typedef void (*urn_builtin_fn)(struct urn_ev *ev, const urn_builtin *b, struct urn_val *out, struct urn_val *args,
                               int n);
/* Scalar fast path for all-scalar calls: x[i] values, ix[i] tape nodes (-1 =
 * constant); writes the value to *out and returns its tape node (or -1). */
typedef int32_t (*urn_builtin_scalar_fn)(struct urn_ev *ev, const urn_builtin *b, const double *x,
                                         const int32_t *ix, double *out);

/* Flags of an entry. */
enum {
  URN_BI_RNG = 1,     /* draws random numbers: only in transformed data, generated quantities, _rng functions */
  URN_BI_LUPDF = 2,   /* drops constant terms (_lupdf, _lupmf, `~`) */
  URN_BI_DIST = 4,    /* a distribution function (aux is the urn_dist) */
  URN_BI_INTRET = 8,  /* returns int computed from reals (e.g. is_inf): never taped */
  URN_BI_NOVARS = 16, /* arguments must be data (e.g. sizes); result is never taped */
  URN_BI_JACOBIAN = 32, /* adds to the Jacobian term (*_jacobian): never folded as data, only where jacobian += is */
  URN_BI_DYOPT = 64     /* binary kernel (urn_binary_kernel) that accepts dy == NULL: the interpreter passes NULL
                           when the second argument is not a tape node (pow skips the log of x^y log x) */
};

struct urn_builtin {
  const char *name;            /* Stan name, e.g. "log_sum_exp" */
  const char *sig;             /* signature string, see above */
  urn_builtin_fn fn;           /* general implementation (never NULL after table build) */
  urn_builtin_scalar_fn sfn;   /* all-scalar fast path, or NULL */
  const void *aux;             /* implementation data: kernel pointers, the urn_dist for distributions */
  int aux2;                    /* implementation data: e.g. the urn_dist_fnkind */
  int flags;                   /* URN_BI_* */
  const char *doc;             /* one-line description for docs and messages */
};

/* The overload of name accepting argument types args[0..n) under Stan's
 * promotion rules (int -> real, array[] int -> array[] real; and vectorized
 * forms where Stan allows them); NULL if none.  *ret gets the result type.
 * Among several matching overloads the one needing fewest promotions wins. */
const urn_builtin *urn_builtin_resolve(const char *name, const urn_type *args, int n, urn_type *ret);
/* The same, also giving in *cost the number of int -> real promotions the chosen overload needs (-1 when
 * none matches): the checker compares it with the user's overloads of the same name (Stan's rule: the
 * fewest promotions wins, a tie is ambiguous). */
const urn_builtin *urn_builtin_resolve_cost(const char *name, const urn_type *args, int n, urn_type *ret, int *cost);
/* Is argument i (0-based) of b declared `data` (a '#' before its code in the signature, or every argument
 * of a URN_BI_NOVARS entry: Stan requires a value that does not depend on parameters, e.g.
 * hmm_hidden_state_prob's, quantile's)?  The checker refuses anything else there. */
int urn_builtin_data_arg(const urn_builtin *b, int i);
/* Is there any overload by this name? */
int urn_builtin_exists(const char *name);
/* "log(real), log(vector), ..." for messages: the signatures of name's overloads. */
void urn_builtin_describe(const char *name, char *out, size_t cap);
/* A Stan type as text: "array[,] vector", "real". */
void urn_type_name(urn_type t, char *out, size_t cap);

/* The tuple type of a signature whose return code is a tuple "(c1,c2,...)" (e.g. "(~m,~v):m" for
 * eigendecompose), or NULL; the implementation shapes its result with it (urn_val_tuple_alloc). */
const urn_tuple_type *urn_builtin_tuple_ret(const char *sig);

/* The whole table (for docs and tests): *n gets the number of entries. */
const urn_builtin *urn_builtin_table(size_t *n);

#endif
