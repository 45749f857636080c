/* math/dist.h — Stan's probability distributions: one table, one entry per
 * family (normal, poisson, multi_normal, ...), each with its log density or
 * mass and analytic partial derivatives, its random number generator and,
 * where Stan has them, its lcdf / lccdf / cdf.  The language checker, the
 * evaluator and docs/distributions.md all read this table; nothing else
 * lists the families.
 *
 * Calling convention (every density and CDF function has the same shape)
 * ----------------------------------------------------------------------
 *   int fn(const urn_darg *args, int propto, double *out, urn_error *err);
 *
 * args[i] describes the i-th Stan argument in Stan's order (variate first:
 * normal_lpdf(y | mu, sigma) has args[0] = y, args[1] = mu, args[2] = sigma).
 * Each is a (pointer, length) pair:
 *   - real arguments use `v`, integer arguments use `iv` (the other is NULL);
 *   - univariate families: `n` values; an argument with n == 1 is broadcast
 *     against the others (all lengths must be 1 or the same N, otherwise
 *     URN_EREJECT "...: Size of ... (3) and ... (4) must match in size");
 *     the result is the sum over the N terms.  n == 0 for any argument gives 0
 *     (Stan: an empty container contributes nothing);
 *   - multivariate families: `rows` x `cols` is the shape of ONE item
 *     (vector[K]: rows = K, cols = 1; matrix[R, C]: rows = R, cols = C,
 *     column-major) and `n` is the total number of doubles, so the item count
 *     is n / (rows * cols); an array of vectors is passed as consecutive items
 *     and an item count of 1 broadcasts, as in Stan's vectorized
 *     multi_normal(array[] vector y | vector mu, matrix Sigma).
 *   - `d` is the partials buffer for a real argument: the same length as `v`
 *     (n doubles); the function ADDS d out / d v[j] into d[j].  d == NULL
 *     marks the argument as constant (data): no partials are computed for it.
 *     Integer arguments never have partials.
 *
 * propto != 0 drops every additive term that involves only constant arguments
 * (those with d == NULL), as Stan does for `y ~ foo(...)` and foo_lupdf:
 * e.g. normal with y a parameter and sigma data drops -0.5 log(2 pi) and
 * -log(sigma) but keeps -0.5 ((y - mu) / sigma)^2.  With every argument
 * constant the result is exactly 0.  propto is ignored by CDF functions.
 *
 * Return value: URN_OK with *out set, or URN_EREJECT with err (may be NULL)
 * holding a Stan-like message, e.g.
 *   "normal_lpdf: Scale parameter is 0, but must be positive finite!"
 *   "normal_lpdf: Scale parameter[2] is -1, but must be positive finite!"
 * for an invalid parameter (a NaN or out-of-domain parameter, a non-simplex,
 * a non-symmetric covariance, mismatched sizes).  The sampler treats
 * URN_EREJECT as a rejected proposal.  A variate outside the support (y < 0
 * for exponential, n > N for binomial, a category outside 1..K) is NOT an
 * error: *out = -inf, URN_OK, partials untouched.  A NaN variate is an error.
 * On error *out and the partial buffers are left in an unspecified state.
 *
 * Matrix partials: multi_normal's Sigma gets the symmetric gradient
 * (Sigma^-1 r r' Sigma^-1 - Sigma^-1) / 2, the same value at [i,j] and [j,i]
 * (the gradient of the density extended to non-symmetric matrices);
 * multi_normal_cholesky reads only the lower triangle of L and its partials
 * above the diagonal are 0; lkj_corr_cholesky's L gets partials on the
 * diagonal only (the density depends on nothing else).  Simplex arguments
 * (dirichlet theta, categorical theta) get the partials of the formula as a
 * function of independent elements; only directions that stay on the simplex
 * are meaningful.
 *
 * CDFs: lcdf = log P(Y <= y), lccdf = log P(Y > y), cdf = P(Y <= y) (for
 * vector arguments Stan's cdf is the PRODUCT of the per-element cdfs and the
 * log versions the sum).  They take the same args (with partials) as the
 * density; Stan's truncation `T[L, U]` uses them.  Partials with respect to
 * shape parameters that enter incomplete gamma/beta functions are computed
 * numerically (see docs/distributions.md); all others are analytic.
 *
 * Random numbers: rng(r, args, n_out, out, iout, err) where args are the
 * parameters only (Stan's foo_rng argument list: the density's args without
 * the variate, except lkj_corr_cholesky_rng(int K, real eta) which has its
 * own list, see urn_dist.rng_args).  Real results go to out, integer results
 * to iout (the entry's rng_kind says which).  n_out must equal
 * urn_dist_rng_length(dist, args).  Invalid parameters give URN_EREJECT with
 * a message as above ("normal_rng: Scale parameter is 0, ...").
 *
 * Everything here is thread-safe and, for univariate families, allocation
 * free.  multi_normal(_cholesky) keep their workspace on the stack for small
 * K (<= 16 / <= 64) and otherwise allocate once per call, never per item. */
#ifndef URN_MATH_DIST_H
#define URN_MATH_DIST_H

#include <stddef.h>
#include "math/rng.h"
#include "urn/common.h"

/* What a distribution may remember about an argument whose values are the same at every call (data), from one
 * call to the next: it lives with the call site, and the chains' threads share it (atomic flags). */
typedef struct urn_dmemo {
  unsigned char checked; /* the family's generic rule checks passed: skip them (relaxed atomic) */
  unsigned char stats;   /* stat[]: 0 not computed, 1 being computed by one thread, 2 ready (acquire / release) */
  double stat[3];        /* family-defined statistics of the values (normal's variate: its mean as an unevaluated
                            sum stat[0] + stat[1], and the sum of squared deviations from it) */
} urn_dmemo;

/* One argument of a distribution function (see the convention above). */
typedef struct urn_darg {
  const double *v;   /* real values (NULL for integer arguments) */
  const int *iv;     /* integer values (NULL for real arguments) */
  size_t n;          /* number of values in v or iv; 1 broadcasts (univariate) */
  size_t rows;       /* multivariate only: rows of one item (vector length K) */
  size_t cols;       /* multivariate only: columns of one item (1 for vectors) */
  double *d;         /* partials, n doubles, ADDED into; NULL = constant argument */
  urn_dmemo *memo;   /* NULL, or the call site's memo of this argument, whose values are the same at every call */
} urn_darg;

/* Density / mass / CDF: see the calling convention above. */
typedef int (*urn_dist_fn)(const urn_darg *args, int propto, double *out, urn_error *err);
/* Random numbers: see above.  Exactly one of out / iout is used. */
typedef int (*urn_dist_rng_fn)(urn_rng *r, const urn_darg *args, size_t n_out, double *out,
                               int *iout, urn_error *err);

/* What Stan type(s) an argument accepts. */
typedef enum urn_dist_argkind {
  URN_DA_REALS,   /* real, or any container of reals (array, vector, row_vector): vectorized */
  URN_DA_INTS,    /* int or array of ints: vectorized */
  URN_DA_REAL,    /* a single real only */
  URN_DA_INT,     /* a single int only */
  URN_DA_VECTOR,  /* one vector (or row_vector) */
  URN_DA_VECTORS, /* a vector (or row_vector), or an array of them (vectorized multivariate) */
  URN_DA_MATRIX,  /* a matrix */
  URN_DA_GLM_X,   /* a GLM's covariates: a matrix (N x K), or a row_vector (one observation, 1 x K) */
  URN_DA_INT_ARRAY /* array[] int only (multinomial counts) */
} urn_dist_argkind;

/* One argument's description (for the checker, the messages and the docs). */
typedef struct urn_dist_argspec {
  const char *name;       /* Stan's name for it: "y", "mu", "sigma", "Sigma", ... */
  urn_dist_argkind kind;  /* accepted types */
  const char *constraint; /* human-readable rule, e.g. "> 0", "in [0, 1]", "simplex", "" */
} urn_dist_argspec;

/* What the rng returns: element type and shape. */
typedef enum urn_dist_rngkind {
  URN_RNG_NONE = 0,     /* no rng (e.g. the GLMs) */
  URN_RNG_REALS,        /* real, or array of reals when any parameter is a container */
  URN_RNG_INTS,         /* int, or array of ints when any parameter is a container */
  URN_RNG_INT,          /* one int (categorical, ordered_logistic) */
  URN_RNG_VECTOR,       /* vector[K] (or array of vectors when a parameter is an array of vectors) */
  URN_RNG_MATRIX,       /* matrix[K, K]: K is the value of the int rng argument rng_size_arg (lkj_corr_cholesky)
                           or the rows of that matrix argument (wishart) */
  URN_RNG_INT_ARRAY     /* array[] int of the length of rng argument rng_size_arg (its rows: multinomial's K,
                           a GLM's N) */
} urn_dist_rngkind;

/* Flags of a family (urn_dist.flags). */
enum {
  URN_DIST_UNNORM_CDF = 1, /* its CDFs are Stan's foo_lcdf_unnorm / foo_lccdf_unnorm (wiener), with no foo_cdf */
  URN_DIST_CDF_ONLY = 2    /* an overload of the CDFs alone (lpdf is NULL): wiener's 4 parameters + precision */
};

#define URN_DIST_MAX_ARGS 10

/* One distribution family: the single source for checker, evaluator and docs. */
typedef struct urn_dist {
  const char *name;                        /* family name as in Stan: "normal" */
  int discrete;                            /* 1: integer variate (foo_lpmf), 0: real (foo_lpdf) */
  int multivariate;                        /* 1: args use rows/cols (see convention) */
  int nargs;                               /* number of density arguments, variate included */
  urn_dist_argspec args[URN_DIST_MAX_ARGS]; /* density arguments, variate first */
  const char *support;                     /* support of the variate, for docs: "y in (0, inf)" */
  urn_dist_fn lpdf;                        /* log density / mass (NULL only with URN_DIST_CDF_ONLY) */
  urn_dist_fn lcdf;                        /* log CDF, or NULL when Stan has none */
  urn_dist_fn lccdf;                       /* log complementary CDF, or NULL */
  urn_dist_fn cdf;                         /* CDF, or NULL */
  urn_dist_rng_fn rng;                     /* random numbers, or NULL */
  urn_dist_rngkind rng_kind;               /* what rng returns */
  int n_rng_args;                          /* -1: the density's args without the variate */
  urn_dist_argspec rng_args[URN_DIST_MAX_ARGS]; /* used when n_rng_args >= 0 */
  const char *density;                     /* the formula, for docs (plain text) */
  const char *note;                        /* remarks for docs (may be "") */
  int rng_size_arg;                        /* URN_RNG_MATRIX / _INT_ARRAY: 1-based rng argument giving the
                                              result's size (0: the first) */
  int flags;                               /* URN_DIST_* flags */
} urn_dist;

/* The table, terminated by an entry with name == NULL.  Entries that share a
 * name are overloads with different argument lists (wiener's 4-, 5- and
 * 7-parameter forms, with and without the precision argument). */
extern const urn_dist urn_dist_table[];
/* Number of entries in urn_dist_table (without the terminator). */
size_t urn_dist_count(void);
/* The (first) family called `name` ("normal"), or NULL. */
const urn_dist *urn_dist_find(const char *name);

/* Which function of a family a Stan function name denotes. */
typedef enum urn_dist_fnkind {
  URN_DF_LPDF,   /* foo_lpdf / foo_lpmf: full density */
  URN_DF_LUPDF,  /* foo_lupdf / foo_lupmf and `~`: call lpdf with propto = 1 */
  URN_DF_LCDF,   /* foo_lcdf */
  URN_DF_LCCDF,  /* foo_lccdf */
  URN_DF_CDF,    /* foo_cdf */
  URN_DF_RNG     /* foo_rng */
} urn_dist_fnkind;

/* Resolves a Stan function name such as "normal_lupdf" or "poisson_rng" to its
 * family and kind; NULL when no family has that function (wrong suffix for the
 * family's kind — foo_lpmf on a continuous family — or a CDF/rng it lacks). */
const urn_dist *urn_dist_find_function(const char *fname, urn_dist_fnkind *kind);

/* The density / CDF function pointer for a kind (NULL if absent or RNG). */
urn_dist_fn urn_dist_function(const urn_dist *d, urn_dist_fnkind kind);

/* Number of values rng writes for these parameter arguments: for univariate
 * families the broadcast length (max of the n's, 1 for all scalars); vector
 * results K * (number of items); matrix results K * K; int arrays their length
 * (see urn_dist_rngkind). */
size_t urn_dist_rng_length(const urn_dist *d, const urn_darg *rng_args);

/* Scalar samplers shared by several rngs and by the HMM code (urn_rng streams;
 * rate parameterization for gamma). */
double dist_gamma_draw(urn_rng *r, double alpha);     /* Gamma(alpha, 1) */
double dist_log_gamma_draw(urn_rng *r, double alpha); /* log of Gamma(alpha, 1), safe for tiny alpha */
double dist_beta_draw(urn_rng *r, double a, double b);
long dist_poisson_draw(urn_rng *r, double lambda);
long dist_binomial_draw(urn_rng *r, long n, double p);

/* Convenience constructors for urn_darg. */
static inline urn_darg urn_darg_reals(const double *v, size_t n, double *d) {
  urn_darg a = {v, NULL, n, n, 1, d, NULL};
  return a;
}
static inline urn_darg urn_darg_ints(const int *iv, size_t n) {
  urn_darg a = {NULL, iv, n, n, 1, NULL, NULL};
  return a;
}
/* A multivariate argument: `count` items of rows x cols (column-major). */
static inline urn_darg urn_darg_items(const double *v, size_t count, size_t rows, size_t cols,
                                      double *d) {
  urn_darg a = {v, NULL, count * rows * cols, rows, cols, d, NULL};
  return a;
}

#endif
