/* tests/test_dist_docs.c — docs/distributions.md is generated from the
 * distribution table (math/dist.h), the single source.  This test renders
 * the document and checks the committed file is identical; run it with
 * URN_WRITE_DOCS=1 (from the project root) to rewrite the file after changing
 * the table:  URN_WRITE_DOCS=1 build/tests/test_dist_docs */
#include <string.h>
#include "harness.h"
#include "math/dist.h"
#include "util/util.h"

#define DOC_PATH "docs/distributions.md"

static const char *kind_text(urn_dist_argkind k) {
  switch (k) {
    case URN_DA_REALS: return "reals";
    case URN_DA_INTS: return "ints";
    case URN_DA_REAL: return "real";
    case URN_DA_INT: return "int";
    case URN_DA_VECTOR: return "vector";
    case URN_DA_VECTORS: return "vectors";
    case URN_DA_MATRIX: return "matrix";
    case URN_DA_GLM_X: return "matrix or row_vector";
    case URN_DA_INT_ARRAY: return "array[] int";
  }
  return "?";
}

static const char *rng_text(urn_dist_rngkind k) {
  switch (k) {
    case URN_RNG_NONE: return "";
    case URN_RNG_REALS: return "real (or array of reals)";
    case URN_RNG_INTS: return "int (or array of ints)";
    case URN_RNG_INT: return "int";
    case URN_RNG_VECTOR: return "vector (or array of vectors)";
    case URN_RNG_MATRIX: return "matrix[K, K]";
    case URN_RNG_INT_ARRAY: return "array[] int";
  }
  return "";
}

static void render(urn_buf *b) {
  urn_buf_puts(b,
               "# Distributions\n\n"
               "<!-- Generated from the table in src/math/dist_table.c by tests/test_dist_docs.c;\n"
               "     do not edit by hand: run `URN_WRITE_DOCS=1 build/tests/test_dist_docs`. -->\n\n"
               "Every family below can be used in a Stan program as `y ~ family(...)`, "
               "`family_lpdf(y | ...)` (`_lpmf` for integer variates), `family_lupdf` / "
               "`family_lupmf`, and, where listed, `family_lcdf`, `family_lccdf`, `family_cdf` "
               "(which truncation `T[L, U]` uses) and `family_rng`.  Parameterizations are "
               "Stan's.  Arguments marked *reals* / *ints* accept a scalar or a container; "
               "containers must have equal sizes, scalars are broadcast, and the result is the "
               "sum (the product for `_cdf`).  *vectors* accepts one vector or an array of "
               "vectors.\n\n"
               "Behaviour common to all families:\n\n"
               "- a variate outside the support gives a log density of `-inf` (the draw is "
               "impossible, not an error);\n"
               "- an invalid parameter (a non-positive scale, a probability outside [0, 1], a "
               "non-simplex, an unordered cut-point vector, a covariance matrix that is not "
               "symmetric positive definite, mismatched sizes) rejects the point with Stan's "
               "wording, e.g. `normal_lpdf: Scale parameter is 0, but must be positive finite!`;\n"
               "- `~` and `_lupdf` drop additive terms that involve only data, as Stan does;\n"
               "- every density has analytic partial derivatives with respect to every real "
               "argument, and so does every CDF: partials with respect to shape parameters inside "
               "incomplete gamma/beta functions differentiate the series and continued fractions "
               "forward-mode (math/incgrad.c; 1e-11 against mpmath); beta_neg_binomial's CDF partials "
               "differentiate its finite sum or its upper tail's integrand (2e-11 against mpmath); "
               "the 4-parameter wiener CDFs' partials differentiate the density's integral under the "
               "integral sign (2e-9 against Richardson differences); only the 7-parameter wiener CDFs' "
               "partials are Richardson-extrapolated central differences (relative accuracy about 1e-10; "
               "their averages over sv, sw and st0 are nested quadratures of the 4-parameter pieces, whose "
               "parameter derivatives through every level are not written yet).\n\n");
  urn_buf_printf(b, "%zu families.\n\n", urn_dist_count());
  urn_buf_puts(b, "| family | signature | support | lcdf/lccdf/cdf | rng returns |\n");
  urn_buf_puts(b, "|---|---|---|---|---|\n");
  for (const urn_dist *d = urn_dist_table; d->name; d++) {
    urn_buf_printf(b, "| `%s` | `%s_%s(", d->name, d->name, d->discrete ? "lpmf" : "lpdf");
    for (int j = 0; j < d->nargs; j++)
      urn_buf_printf(b, "%s%s %s", j == 0 ? "" : j == 1 ? " \\| " : ", ",
                     kind_text(d->args[j].kind), d->args[j].name);
    urn_buf_printf(b, ")` | %s | %s%s%s | %s |\n", d->support, d->lcdf ? "lcdf " : "",
                   d->lccdf ? "lccdf " : "", d->cdf ? "cdf" : "",
                   d->rng ? rng_text(d->rng_kind) : "none");
  }
  urn_buf_puts(b, "\n## Families\n");
  for (const urn_dist *d = urn_dist_table; d->name; d++) {
    urn_buf_printf(b, "\n### %s\n\n", d->name);
    urn_buf_printf(b, "log %s = `%s`\n\n", d->discrete ? "mass" : "density", d->density);
    urn_buf_puts(b, "| argument | type | constraint |\n|---|---|---|\n");
    for (int j = 0; j < d->nargs; j++)
      urn_buf_printf(b, "| `%s`%s | %s | %s |\n", d->args[j].name, j == 0 ? " (variate)" : "",
                     kind_text(d->args[j].kind),
                     d->args[j].constraint[0] ? d->args[j].constraint : "");
    urn_buf_printf(b, "\nSupport: %s.", d->support);
    if (d->rng) {
      urn_buf_printf(b, "  `%s_rng(", d->name);
      if (d->n_rng_args >= 0)
        for (int j = 0; j < d->n_rng_args; j++)
          urn_buf_printf(b, "%s%s %s", j ? ", " : "", kind_text(d->rng_args[j].kind),
                         d->rng_args[j].name);
      else
        for (int j = 1; j < d->nargs; j++)
          urn_buf_printf(b, "%s%s %s", j > 1 ? ", " : "", kind_text(d->args[j].kind),
                         d->args[j].name);
      urn_buf_printf(b, ")` returns %s.", rng_text(d->rng_kind));
    }
    if (d->note[0]) urn_buf_printf(b, "  %s", d->note);
    urn_buf_puts(b, "\n");
  }
  urn_buf_puts(b,
               "\n## Implementation notes\n\n"
               "- Samplers: Marsaglia-Tsang gamma (shape < 1 by the U^(1/alpha) boost, in log "
               "space so tiny shapes do not underflow), beta and Dirichlet from gammas, Poisson "
               "by multiplication below rate 12 and Hormann's PTRS above, binomial by Knuth's "
               "beta splitting, negative binomial as a gamma-Poisson mixture, von Mises by Best "
               "and Fisher, LKJ by the C-vine of beta-distributed partial correlations, the Wishart "
               "families by Bartlett's decomposition, the others by inversion or their defining mixtures.\n"
               "- Accuracy at extreme parameters: ratios of gamma functions are log rising factorials "
               "and differences of digammas are formed without cancellation (negative binomials at "
               "phi = 1e12, beta_binomial, beta_neg_binomial, student_t at nu = 1e15, dirichlet_multinomial); "
               "the gamma, chi-square, Poisson, beta, binomial and Dirichlet densities switch to their "
               "saddle-point forms (log1pmx and Stirling remainders) at large shapes or counts; von Mises "
               "uses -2 kappa sin^2(d/2) and the scaled Bessel function; the skew-normal, exp-modified-normal "
               "and von Mises CDFs integrate their densities by adaptive Gauss-Kronrod quadrature in the tails "
               "where differences of probabilities would cancel; the Wishart families (all four forms) "
               "write their nu terms as sums of gamma prefixes plus nu/2 (log det(I + E) - tr E), with "
               "B B' = nu (I + E) and the log-determinant difference a matrix series when E is small "
               "(nu = 1e10: 5e-12 absolute, was 7e-5).  Each such case is a row of the mpmath "
               "reference table.\n"
               "- Tests: values, lcdf and lccdf against scipy and mpmath (`tests/data/gen_dist.py`, "
               "`tests/data/gen_wiener.py`), every partial against finite differences, propto constants in "
               "closed form, broadcasting, support and error messages (`tests/test_dist.c`, "
               "`tests/test_dist_mv.c`, `tests/test_dist_wiener.c`); rngs by moments, Kolmogorov-Smirnov and "
               "chi-square tests at a fixed seed (`tests/test_dist_rng.c`); a sweep of extreme arguments "
               "(0, +-1e-300, +-1e300, +-inf, NaN) through every univariate function and rng "
               "(`tests/test_dist_edge.c`).\n"
               "- CDFs in a saturated tail (P or Q exactly 0 or 1 in double precision) have "
               "partials 0; a CDF that cannot be evaluated (NaN, e.g. a shape of 1e300) rejects "
               "the point.  The beta_binomial CDF sums N + 1 mass terms.  von_mises_rng uses "
               "the normal limit for kappa > 1e8.  Several entries named wiener are Stan's overloads of "
               "different arity.\n");
}

int main(void) {
  urn_buf b;
  urn_buf_init(&b);
  render(&b);
  if (getenv("URN_WRITE_DOCS")) {
    FILE *f = fopen(DOC_PATH, "w");
    CHECK(f != NULL, "can write %s", DOC_PATH);
    if (f) {
      fwrite(b.data, 1, b.len, f);
      fclose(f);
    }
  }
  size_t len = 0;
  char *doc = test_read_file(DOC_PATH, &len);
  CHECK(doc != NULL, "%s exists", DOC_PATH);
  CHECK(doc && len == b.len && memcmp(doc, b.data, len) == 0,
        "%s is in sync with the distribution table (regenerate with URN_WRITE_DOCS=1 "
        "build/tests/test_dist_docs)", DOC_PATH);
  for (const urn_dist *d = urn_dist_table; d->name; d++)
    CHECK(doc && strstr(doc, d->name), "%s documented", d->name);
  free(doc);
  urn_buf_free(&b);
  return test_done();
}
