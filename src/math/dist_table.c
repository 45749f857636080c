/* math/dist_table.c — THE distribution table: one entry per family with its
 * Stan arguments, support, formula and function pointers, plus lookups by
 * family name and by Stan function name (normal_lupdf, poisson_rng, ...).
 * The checker, the evaluator and docs/distributions.md (generated from this
 * table by tests/test_dist_docs.c) read it; nothing else lists the families. */
#include <string.h>
#include "math/dist_impl.h"

/* Argument spec shorthands. */
#define R(n, c) {n, URN_DA_REALS, c}
#define I(n, c) {n, URN_DA_INTS, c}
#define R1(n, c) {n, URN_DA_REAL, c}
#define I1(n, c) {n, URN_DA_INT, c}
#define V(n, c) {n, URN_DA_VECTOR, c}
#define VS(n, c) {n, URN_DA_VECTORS, c}
#define M(n, c) {n, URN_DA_MATRIX, c}
#define IA(n, c) {n, URN_DA_INT_ARRAY, c}
#define GX(n, c) {n, URN_DA_GLM_X, c}

/* Function pointer shorthands. */
#define CDFS(f) urn_##f##_lcdf, urn_##f##_lccdf, urn_##f##_cdf
#define NOCDF NULL, NULL, NULL
#define RNG(f, k) urn_##f##_rng, k, -1, {{0}}

const urn_dist urn_dist_table[] = {
    /* ---------------- continuous, univariate ---------------- */
    {"normal", 0, 0, 3, {R("y", ""), R("mu", ""), R("sigma", "> 0")}, "y in (-inf, inf)",
     urn_normal_lpdf, CDFS(normal), RNG(normal, URN_RNG_REALS),
     "-log(sigma) - log(2 pi)/2 - ((y - mu)/sigma)^2 / 2", "", 0, 0},
    {"std_normal", 0, 0, 1, {R("y", "")}, "y in (-inf, inf)", urn_std_normal_lpdf,
     CDFS(std_normal), RNG(std_normal, URN_RNG_REALS), "-log(2 pi)/2 - y^2 / 2",
     "std_normal_rng() takes no arguments and returns one real.", 0, 0},
    {"student_t", 0, 0, 4, {R("y", ""), R("nu", "> 0"), R("mu", ""), R("sigma", "> 0")},
     "y in (-inf, inf)", urn_student_t_lpdf, CDFS(student_t), RNG(student_t, URN_RNG_REALS),
     "lgamma((nu+1)/2) - lgamma(nu/2) - log(nu pi)/2 - log(sigma) - (nu+1)/2 log(1 + ((y-mu)/sigma)^2/nu)",
     "For nu > 1e4 with ((y - mu)/sigma)^2 < nu the CDFs and their nu partial integrate the density by "
     "quadrature (the incomplete beta near 1 loses digits there).", 0, 0},
    {"cauchy", 0, 0, 3, {R("y", ""), R("mu", ""), R("sigma", "> 0")}, "y in (-inf, inf)",
     urn_cauchy_lpdf, CDFS(cauchy), RNG(cauchy, URN_RNG_REALS),
     "-log(pi) - log(sigma) - log(1 + ((y - mu)/sigma)^2)", "", 0, 0},
    {"double_exponential", 0, 0, 3, {R("y", ""), R("mu", ""), R("sigma", "> 0")},
     "y in (-inf, inf)", urn_double_exponential_lpdf, CDFS(double_exponential),
     RNG(double_exponential, URN_RNG_REALS), "-log(2) - log(sigma) - |y - mu| / sigma",
     "The partial in y and mu at y == mu is taken as 0.", 0, 0},
    {"logistic", 0, 0, 3, {R("y", ""), R("mu", ""), R("sigma", "> 0")}, "y in (-inf, inf)",
     urn_logistic_lpdf, CDFS(logistic), RNG(logistic, URN_RNG_REALS),
     "-z - log(sigma) - 2 log(1 + exp(-z)),  z = (y - mu)/sigma", "", 0, 0},
    {"lognormal", 0, 0, 3, {R("y", ""), R("mu", ""), R("sigma", "> 0")}, "y in (0, inf)",
     urn_lognormal_lpdf, CDFS(lognormal), RNG(lognormal, URN_RNG_REALS),
     "-log(2 pi)/2 - log(sigma) - log(y) - ((log(y) - mu)/sigma)^2 / 2", "", 0, 0},
    {"exponential", 0, 0, 2, {R("y", ""), R("beta", "> 0")}, "y in [0, inf)",
     urn_exponential_lpdf, CDFS(exponential), RNG(exponential, URN_RNG_REALS),
     "log(beta) - beta y", "", 0, 0},
    {"gamma", 0, 0, 3, {R("y", ""), R("alpha", "> 0"), R("beta", "> 0")}, "y in [0, inf)",
     urn_gamma_lpdf, CDFS(gamma), RNG(gamma, URN_RNG_REALS),
     "alpha log(beta) - lgamma(alpha) + (alpha - 1) log(y) - beta y",
     "beta is the rate (inverse scale).", 0, 0},
    {"inv_gamma", 0, 0, 3, {R("y", ""), R("alpha", "> 0"), R("beta", "> 0")}, "y in (0, inf)",
     urn_inv_gamma_lpdf, CDFS(inv_gamma), RNG(inv_gamma, URN_RNG_REALS),
     "alpha log(beta) - lgamma(alpha) - (alpha + 1) log(y) - beta / y",
     "", 0, 0},
    {"weibull", 0, 0, 3, {R("y", ""), R("alpha", "> 0"), R("sigma", "> 0")}, "y in [0, inf)",
     urn_weibull_lpdf, CDFS(weibull), RNG(weibull, URN_RNG_REALS),
     "log(alpha) - log(sigma) + (alpha - 1) log(y / sigma) - (y / sigma)^alpha", "", 0, 0},
    {"beta", 0, 0, 3, {R("theta", ""), R("alpha", "> 0"), R("beta", "> 0")},
     "theta in [0, 1]", urn_beta_lpdf, CDFS(beta), RNG(beta, URN_RNG_REALS),
     "-lbeta(alpha, beta) + (alpha - 1) log(theta) + (beta - 1) log(1 - theta)",
     "", 0, 0},
    {"beta_proportion", 0, 0, 3, {R("theta", ""), R("mu", "in (0, 1)"), R("kappa", "> 0")},
     "theta in [0, 1]", urn_beta_proportion_lpdf, urn_beta_proportion_lcdf,
     urn_beta_proportion_lccdf, NULL, RNG(beta_proportion, URN_RNG_REALS),
     "beta(theta | mu kappa, (1 - mu) kappa)",
     "Stan has lcdf and lccdf (no cdf).", 0, 0},
    {"uniform", 0, 0, 3, {R("y", ""), R("alpha", ""), R("beta", "> alpha")},
     "y in [alpha, beta]", urn_uniform_lpdf, CDFS(uniform), RNG(uniform, URN_RNG_REALS),
     "-log(beta - alpha)", "", 0, 0},
    {"chi_square", 0, 0, 2, {R("y", ""), R("nu", "> 0")}, "y in [0, inf)", urn_chi_square_lpdf,
     CDFS(chi_square), RNG(chi_square, URN_RNG_REALS),
     "-(nu/2) log(2) - lgamma(nu/2) + (nu/2 - 1) log(y) - y/2", "", 0, 0},
    {"inv_chi_square", 0, 0, 2, {R("y", ""), R("nu", "> 0")}, "y in (0, inf)",
     urn_inv_chi_square_lpdf, CDFS(inv_chi_square), RNG(inv_chi_square, URN_RNG_REALS),
     "-(nu/2) log(2) - lgamma(nu/2) - (nu/2 + 1) log(y) - 1/(2 y)", "", 0, 0},
    {"scaled_inv_chi_square", 0, 0, 3, {R("y", ""), R("nu", "> 0"), R("s", "> 0")},
     "y in (0, inf)", urn_scaled_inv_chi_square_lpdf, CDFS(scaled_inv_chi_square),
     RNG(scaled_inv_chi_square, URN_RNG_REALS),
     "(nu/2) log(nu/2) - lgamma(nu/2) + nu log(s) - (nu/2 + 1) log(y) - nu s^2 / (2 y)", "", 0, 0},
    {"von_mises", 0, 0, 3, {R("y", ""), R("mu", ""), R("kappa", ">= 0")}, "y in (-inf, inf)",
     urn_von_mises_lpdf, CDFS(von_mises), RNG(von_mises, URN_RNG_REALS),
     "kappa cos(y - mu) - log(2 pi) - log(I0(kappa))",
     "The rng returns values in [mu - pi, mu + pi].  As in Stan, the CDFs take y in [-pi, pi] and give the mass "
     "on [-pi, y] (integrated by quadrature, accurate in both tails).", 0, 0},
    {"pareto", 0, 0, 3, {R("y", ""), R("y_min", "> 0"), R("alpha", "> 0")}, "y in [y_min, inf)",
     urn_pareto_lpdf, CDFS(pareto), RNG(pareto, URN_RNG_REALS),
     "log(alpha) + alpha log(y_min) - (alpha + 1) log(y)", "y < y_min gives -inf.", 0, 0},
    {"pareto_type_2", 0, 0, 4, {R("y", ">= mu"), R("mu", ""), R("lambda", "> 0"), R("alpha", "> 0")},
     "y in [mu, inf)", urn_pareto_type_2_lpdf, CDFS(pareto_type_2), RNG(pareto_type_2, URN_RNG_REALS),
     "log(alpha) - log(lambda) - (alpha + 1) log1p((y - mu) / lambda)",
     "As in Stan, y < mu is an error (not -inf).", 0, 0},
    {"gumbel", 0, 0, 3, {R("y", ""), R("mu", ""), R("beta", "> 0")}, "y in (-inf, inf)", urn_gumbel_lpdf,
     CDFS(gumbel), RNG(gumbel, URN_RNG_REALS), "-log(beta) - z - exp(-z),  z = (y - mu) / beta", "", 0, 0},
    {"frechet", 0, 0, 3, {R("y", "> 0"), R("alpha", "> 0"), R("sigma", "> 0")}, "y in (0, inf)",
     urn_frechet_lpdf, CDFS(frechet), RNG(frechet, URN_RNG_REALS),
     "log(alpha) + alpha log(sigma) - (alpha + 1) log(y) - (sigma / y)^alpha",
     "As in Stan, y <= 0 is an error (not -inf).", 0, 0},
    {"rayleigh", 0, 0, 2, {R("y", "> 0"), R("sigma", "> 0")}, "y in (0, inf)", urn_rayleigh_lpdf,
     CDFS(rayleigh), RNG(rayleigh, URN_RNG_REALS), "log(y) - 2 log(sigma) - y^2 / (2 sigma^2)",
     "As in Stan, the density rejects y <= 0; the CDFs accept y = 0.", 0, 0},
    {"loglogistic", 0, 0, 3, {R("y", "> 0"), R("alpha", "> 0"), R("beta", "> 0")}, "y in (0, inf)",
     urn_loglogistic_lpdf, NULL, NULL, urn_loglogistic_cdf, RNG(loglogistic, URN_RNG_REALS),
     "log(beta) - log(alpha) + (beta - 1) log(y / alpha) - 2 log(1 + (y / alpha)^beta)",
     "alpha is the scale, beta the shape.  Stan has loglogistic_cdf only (no lcdf/lccdf).", 0, 0},
    {"skew_normal", 0, 0, 4, {R("y", ""), R("xi", ""), R("omega", "> 0"), R("alpha", "")}, "y in (-inf, inf)",
     urn_skew_normal_lpdf, CDFS(skew_normal), RNG(skew_normal, URN_RNG_REALS),
     "-log(2 pi)/2 - log(omega) - z^2/2 + log(erfc(-alpha z / sqrt(2))),  z = (y - xi) / omega",
     "CDF Phi(z) - 2 T(z, alpha) with Owen's T (quadrature); the tails are integrated directly.", 0, 0},
    {"skew_double_exponential", 0, 0, 4, {R("y", ""), R("mu", ""), R("sigma", "> 0"), R("tau", "in [0, 1]")},
     "y in (-inf, inf)", urn_skew_double_exponential_lpdf, CDFS(skew_double_exponential),
     RNG(skew_double_exponential, URN_RNG_REALS),
     "log(2) + log(tau) + log(1 - tau) - log(sigma) - 2 ((y < mu) (1 - tau) (mu - y) + (y >= mu) tau (y - mu)) / sigma",
     "The partial in y and mu at y == mu is taken as 0.", 0, 0},
    {"exp_mod_normal", 0, 0, 4, {R("y", ""), R("mu", ""), R("sigma", "> 0"), R("lambda", "> 0")},
     "y in (-inf, inf)", urn_exp_mod_normal_lpdf, CDFS(exp_mod_normal), RNG(exp_mod_normal, URN_RNG_REALS),
     "log(lambda) + lambda (mu + lambda sigma^2 / 2 - y) + log(Phi((y - mu) / sigma - lambda sigma))",
     "The sum of normal(mu, sigma) and exponential(lambda); evaluated with the Mills ratio so the tails keep "
     "their relative accuracy.", 0, 0},
    /* the Wiener diffusion model: one entry per argument list (Stan's overloads) */
    {"wiener", 0, 0, 5, {R("y", "> tau"), R("alpha", "> 0"), R("tau", ">= 0"), R("beta", "in (0, 1)"), R("delta", "")},
     "y in (tau, inf)", urn_wiener4_lpdf, urn_wiener4_lcdf, urn_wiener4_lccdf, NULL, NULL, URN_RNG_NONE, -1, {{0}},
     "log of the first passage time density at the upper boundary: boundary separation alpha, non-decision time tau, "
     "a-priori bias beta, drift delta (Navarro & Fuss series, analytic partials)",
     "The CDFs are wiener_lcdf_unnorm / wiener_lccdf_unnorm: the hitting time of the upper boundary, whose CDF tends "
     "to the probability of reaching it; their partials are analytic (the density's integral differentiated under "
     "the integral sign).", 0, URN_DIST_UNNORM_CDF},
    {"wiener", 0, 0, 6, {R("y", "> t0"), R("a", "> 0"), R("t0", ">= 0"), R("w", "in (0, 1)"), R("v", ""),
                         R("sv", ">= 0")},
     "y in (t0, inf)", urn_wiener5_lpdf, NOCDF, NULL, URN_RNG_NONE, -1, {{0}},
     "the 4-parameter density with the drift v ~ normal(v, sv) integrated out (closed form)", "", 0, 0},
    {"wiener", 0, 0, 7, {R("y", "> t0"), R("a", "> 0"), R("t0", ">= 0"), R("w", "in (0, 1)"), R("v", ""),
                         R("sv", ">= 0"), R1("precision", "> 0")},
     "y in (t0, inf)", urn_wiener5p_lpdf, NOCDF, NULL, URN_RNG_NONE, -1, {{0}},
     "the 5-parameter density; the precision is accepted (the series run to full precision)", "", 0, 0},
    {"wiener", 0, 0, 8, {R("y", "> t0"), R("a", "> 0"), R("t0", ">= 0"), R("w", "in (0, 1)"), R("v", ""),
                         R("sv", ">= 0"), R("sw", "in [0, 1)"), R("st0", ">= 0")},
     "y in (t0, inf)", urn_wiener7_lpdf, urn_wiener7_lcdf, urn_wiener7_lccdf, NULL, NULL, URN_RNG_NONE, -1, {{0}},
     "the 5-parameter density averaged over w in [w - sw/2, w + sw/2] and t0 in [t0, t0 + st0] (quadrature)",
     "sw must leave w - sw/2 > 0 and w + sw/2 < 1.", 0, URN_DIST_UNNORM_CDF},
    {"wiener", 0, 0, 9, {R("y", "> t0"), R("a", "> 0"), R("t0", ">= 0"), R("w", "in (0, 1)"), R("v", ""),
                         R("sv", ">= 0"), R("sw", "in [0, 1)"), R("st0", ">= 0"), R1("precision", "> 0")},
     "y in (t0, inf)", urn_wiener7p_lpdf, urn_wiener7p_lcdf, urn_wiener7p_lccdf, NULL, NULL, URN_RNG_NONE, -1, {{0}},
     "the 7-parameter density with a precision argument", "", 0, URN_DIST_UNNORM_CDF},
    {"wiener", 0, 0, 6, {R("y", "> t0"), R("a", "> 0"), R("t0", ">= 0"), R("w", "in (0, 1)"), R("v", ""),
                         R1("precision", "> 0")},
     "y in (t0, inf)", NULL, urn_wiener4p_lcdf, urn_wiener4p_lccdf, NULL, NULL, URN_RNG_NONE, -1, {{0}},
     "the 4-parameter CDFs with a precision argument", "", 0, URN_DIST_UNNORM_CDF | URN_DIST_CDF_ONLY},
    /* ---------------- discrete, univariate ---------------- */
    {"poisson", 1, 0, 2, {I("n", ""), R("lambda", ">= 0")}, "n in {0, 1, ...}",
     urn_poisson_lpmf, CDFS(poisson), RNG(poisson, URN_RNG_INTS),
     "n log(lambda) - lambda - lgamma(n + 1)", "The rng requires lambda < 2^30.", 0, 0},
    {"poisson_log", 1, 0, 2, {I("n", ""), R("alpha", "")}, "n in {0, 1, ...}",
     urn_poisson_log_lpmf, NOCDF, RNG(poisson_log, URN_RNG_INTS),
     "n alpha - exp(alpha) - lgamma(n + 1)", "", 0, 0},
    {"binomial", 1, 0, 3, {I("n", ""), I("N", ">= 0"), R("theta", "in [0, 1]")},
     "n in {0, ..., N}", urn_binomial_lpmf, CDFS(binomial), RNG(binomial, URN_RNG_INTS),
     "lchoose(N, n) + n log(theta) + (N - n) log(1 - theta)", "", 0, 0},
    {"binomial_logit", 1, 0, 3, {I("n", ""), I("N", ">= 0"), R("alpha", "")},
     "n in {0, ..., N}", urn_binomial_logit_lpmf, NOCDF, RNG(binomial_logit, URN_RNG_INTS),
     "lchoose(N, n) + n log(inv_logit(alpha)) + (N - n) log(1 - inv_logit(alpha))", "", 0, 0},
    {"bernoulli", 1, 0, 2, {I("n", ""), R("theta", "in [0, 1]")}, "n in {0, 1}",
     urn_bernoulli_lpmf, CDFS(bernoulli), RNG(bernoulli, URN_RNG_INTS),
     "n log(theta) + (1 - n) log(1 - theta)", "", 0, 0},
    {"bernoulli_logit", 1, 0, 2, {I("n", ""), R("alpha", "")}, "n in {0, 1}",
     urn_bernoulli_logit_lpmf, NOCDF, RNG(bernoulli_logit, URN_RNG_INTS),
     "n log(inv_logit(alpha)) + (1 - n) log(1 - inv_logit(alpha))", "", 0, 0},
    {"neg_binomial_2", 1, 0, 3, {I("n", ""), R("mu", "> 0"), R("phi", "> 0")},
     "n in {0, 1, ...}", urn_neg_binomial_2_lpmf, CDFS(neg_binomial_2),
     RNG(neg_binomial_2, URN_RNG_INTS),
     "lchoose(n + phi - 1, n) + n log(mu / (mu + phi)) + phi log(phi / (mu + phi))",
     "Mean mu, variance mu + mu^2/phi.  The CDF's phi partial sums the mass times d log p_k / dphi over the "
     "smaller tail (n <= 1000; accurate at phi = 1e12), else the incomplete-beta partials.", 0, 0},
    {"neg_binomial_2_log", 1, 0, 3, {I("n", ""), R("eta", ""), R("phi", "> 0")},
     "n in {0, 1, ...}", urn_neg_binomial_2_log_lpmf, NOCDF,
     RNG(neg_binomial_2_log, URN_RNG_INTS), "neg_binomial_2(n | exp(eta), phi)", "", 0, 0},
    {"beta_binomial", 1, 0, 4, {I("n", ""), I("N", ">= 0"), R("alpha", "> 0"), R("beta", "> 0")},
     "n in {0, ..., N}", urn_beta_binomial_lpmf, CDFS(beta_binomial),
     RNG(beta_binomial, URN_RNG_INTS),
     "lchoose(N, n) + lbeta(n + alpha, N - n + beta) - lbeta(alpha, beta)",
     "The CDF sums the mass explicitly (O(N) per element).", 0, 0},
    {"neg_binomial", 1, 0, 3, {I("n", ""), R("alpha", "> 0"), R("beta", "> 0")}, "n in {0, 1, ...}",
     urn_neg_binomial_lpmf, CDFS(neg_binomial), RNG(neg_binomial, URN_RNG_INTS),
     "lchoose(n + alpha - 1, n) + alpha log(beta / (1 + beta)) - n log(1 + beta)",
     "Mean alpha / beta.  Evaluated as neg_binomial_2(n | alpha / beta, alpha).", 0, 0},
    {"beta_neg_binomial", 1, 0, 4, {I("n", ">= 0"), R("r", "> 0"), R("alpha", "> 0"), R("beta", "> 0")},
     "n in {0, 1, ...}", urn_beta_neg_binomial_lpmf, CDFS(beta_neg_binomial), RNG(beta_neg_binomial, URN_RNG_INTS),
     "lgamma(n + r) - lgamma(n + 1) - lgamma(r) + lbeta(alpha + r, beta + n) - lbeta(alpha, beta)",
     "Mean r beta / (alpha - 1).  As in Stan, n < 0 is an error.  The CDF sums the mass for n <= 2000 and "
     "integrates the upper tail (the Beta mixture of negative binomial tails) by quadrature; its parameter "
     "partials are numerical.", 0, 0},
    {"yule_simon", 1, 0, 2, {I("n", ">= 1"), R("alpha", "> 0")}, "n in {1, 2, ...}", urn_yule_simon_lpmf,
     CDFS(yule_simon), RNG(yule_simon, URN_RNG_INTS), "log(alpha) + lbeta(n, alpha + 1)",
     "As in Stan, n < 1 is an error.  P(N > n) = n B(n, alpha + 1).", 0, 0},
    {"discrete_range", 1, 0, 3, {I("y", ""), I("lower", ""), I("upper", ">= lower")}, "y in {lower, ..., upper}",
     urn_discrete_range_lpmf, CDFS(discrete_range), RNG(discrete_range, URN_RNG_INTS),
     "-log(upper - lower + 1)", "", 0, 0},
    {"hypergeometric", 1, 0, 4, {I1("n", ""), I1("N", "<= a + b"), I1("a", ">= 0"), I1("b", ">= 0")},
     "n in {max(0, N - b), ..., min(a, N)}", urn_hypergeometric_lpmf, NOCDF, urn_hypergeometric_rng, URN_RNG_INT, 3,
     {I1("N", ""), I1("a", ""), I1("b", "")}, "lchoose(a, n) + lchoose(b, N - n) - lchoose(a + b, N)",
     "n successes in N draws without replacement from a successes and b failures; an n outside the support is "
     "an error, as in Stan.", 0, 0},
    /* ---------------- categorical, ordinal ---------------- */
    {"categorical", 1, 1, 2, {I("y", ""), V("theta", "simplex")}, "y in {1, ..., K}",
     urn_categorical_lpmf, NOCDF, urn_categorical_rng, URN_RNG_INT, -1, {{0}},
     "log(theta[y])", "y may be an int or an array of ints.", 0, 0},
    {"categorical_logit", 1, 1, 2, {I("y", ""), V("beta", "")}, "y in {1, ..., K}",
     urn_categorical_logit_lpmf, NOCDF, urn_categorical_logit_rng, URN_RNG_INT, -1, {{0}},
     "beta[y] - log_sum_exp(beta)", "", 0, 0},
    {"ordered_logistic", 1, 1, 3, {I("k", ""), R("eta", ""), VS("c", "ordered")},
     "k in {1, ..., K}, K = size(c) + 1", urn_ordered_logistic_lpmf, NOCDF,
     urn_ordered_logistic_rng, URN_RNG_INT, -1, {{0}},
     "k == 1: log(1 - inv_logit(eta - c[1])); k == K: log(inv_logit(eta - c[K-1])); "
     "else log(inv_logit(eta - c[k-1]) - inv_logit(eta - c[k]))",
     "c may be one vector or an array of vectors (one per observation).  "
     "The rng takes a real eta and one vector c.", 0, 0},
    {"ordered_probit", 1, 1, 3, {I("k", ""), R("eta", ""), VS("c", "ordered")},
     "k in {1, ..., K}, K = size(c) + 1", urn_ordered_probit_lpmf, NOCDF, urn_ordered_probit_rng, URN_RNG_INT, -1,
     {{0}}, "log(Phi(c[k] - eta) - Phi(c[k-1] - eta)),  c[0] = -inf, c[K] = inf",
     "c may be one vector or an array of vectors (one per observation).  The difference of Phis is taken on the "
     "side where both are small.  The rng takes a real eta and one vector c.", 0, 0},
    /* ---------------- multivariate ---------------- */
    {"dirichlet", 0, 1, 2, {VS("theta", "simplex"), VS("alpha", "> 0")}, "theta a simplex",
     urn_dirichlet_lpdf, NOCDF, urn_dirichlet_rng, URN_RNG_VECTOR, -1, {{0}},
     "lgamma(sum(alpha)) - sum(lgamma(alpha)) + sum((alpha - 1) log(theta))",
     "A theta that is not a simplex (tolerance 1e-8) is an error, as in Stan.", 0, 0},
    {"multinomial", 1, 1, 2, {IA("y", ">= 0"), V("theta", "simplex")}, "y in {0, 1, ...}^K",
     urn_multinomial_lpmf, NOCDF, urn_multinomial_rng, URN_RNG_INT_ARRAY, 2, {V("theta", "simplex"), I1("N", ">= 0")},
     "lgamma(N + 1) - sum(lgamma(y + 1)) + sum(y log(theta)),  N = sum(y)",
     "multinomial_rng(theta, N) returns K counts summing to N.", 1, 0},
    {"multinomial_logit", 1, 1, 2, {IA("y", ">= 0"), V("gamma", "")}, "y in {0, 1, ...}^K",
     urn_multinomial_logit_lpmf, NOCDF, urn_multinomial_logit_rng, URN_RNG_INT_ARRAY, 2,
     {V("gamma", ""), I1("N", ">= 0")}, "multinomial(y | softmax(gamma))", "", 1, 0},
    {"dirichlet_multinomial", 1, 1, 2, {IA("y", ">= 0"), V("alpha", "> 0")}, "y in {0, 1, ...}^K",
     urn_dirichlet_multinomial_lpmf, NOCDF, urn_dirichlet_multinomial_rng, URN_RNG_INT_ARRAY, 2,
     {V("alpha", "> 0"), I1("N", ">= 0")},
     "lgamma(N + 1) - sum(lgamma(y + 1)) + lgamma(alpha0) - lgamma(N + alpha0) + sum(lgamma(y + alpha) - "
     "lgamma(alpha)),  alpha0 = sum(alpha)",
     "Zero counts (N = 0) give 0, as in Stan.", 1, 0},
    {"multi_normal", 0, 1, 3, {VS("y", ""), VS("mu", ""), M("Sigma", "covariance matrix")},
     "y in R^K", urn_multi_normal_lpdf, NOCDF, urn_multi_normal_rng, URN_RNG_VECTOR, -1, {{0}},
     "-K/2 log(2 pi) - log(det(Sigma))/2 - (y - mu)' Sigma^-1 (y - mu) / 2",
     "Sigma partials are the symmetric gradient (Sigma^-1 r r' Sigma^-1 - Sigma^-1)/2, "
     "the same value at [i,j] and [j,i].", 0, 0},
    {"multi_normal_cholesky", 0, 1, 3,
     {VS("y", ""), VS("mu", ""), M("L", "lower-triangular, positive diagonal")}, "y in R^K",
     urn_multi_normal_cholesky_lpdf, NOCDF, urn_multi_normal_cholesky_rng, URN_RNG_VECTOR, -1,
     {{0}}, "multi_normal(y | mu, L L')",
     "Only the lower triangle of L is read; partials above the diagonal are 0.", 0, 0},
    {"lkj_corr_cholesky", 0, 1, 2, {M("L", "Cholesky factor of a correlation matrix"),
                                    R1("eta", "> 0")},
     "L lower triangular, positive diagonal, unit-length rows", urn_lkj_corr_cholesky_lpdf,
     NOCDF, urn_lkj_corr_cholesky_rng, URN_RNG_MATRIX, 2,
     {I1("K", ">= 0"), R1("eta", "> 0")},
     "log c_K(eta) + sum_{k=2..K} (K - k + 2 eta - 2) log(L[k,k])",
     "c_K(eta) is the LKJ (2009) normalizing constant.  The rng is lkj_corr_cholesky_rng(K, eta).", 0, 0},
    {"multi_normal_prec", 0, 1, 3, {VS("y", ""), VS("mu", ""), M("Omega", "precision matrix")}, "y in R^K",
     urn_multi_normal_prec_lpdf, NOCDF, NULL, URN_RNG_NONE, -1, {{0}},
     "-K/2 log(2 pi) + log(det(Omega))/2 - (y - mu)' Omega (y - mu) / 2", "Omega gets the symmetric gradient.", 0,
     0},
    {"multi_student_t", 0, 1, 4, {VS("y", ""), R1("nu", "> 0"), VS("mu", ""), M("Sigma", "covariance matrix")},
     "y in R^K", urn_multi_student_t_lpdf, NOCDF, urn_multi_student_t_rng, URN_RNG_VECTOR, -1, {{0}},
     "lgamma((nu + K)/2) - lgamma(nu/2) - K/2 log(nu pi) - log(det(Sigma))/2 - (nu + K)/2 log(1 + (y - mu)' "
     "Sigma^-1 (y - mu) / nu)",
     "nu = inf is the multi_normal limit.", 0, 0},
    {"multi_student_t_cholesky", 0, 1, 4,
     {VS("y", ""), R1("nu", "> 0"), VS("mu", ""), M("L", "lower-triangular, positive diagonal")}, "y in R^K",
     urn_multi_student_t_cholesky_lpdf, NOCDF, urn_multi_student_t_cholesky_rng, URN_RNG_VECTOR, -1, {{0}},
     "multi_student_t(y | nu, mu, L L')", "Only the lower triangle of L is read.", 0, 0},
    {"multi_gp", 0, 1, 3, {M("y", ""), M("Sigma", "covariance matrix"), V("w", "> 0")}, "y in R^(K x N)",
     urn_multi_gp_lpdf, NOCDF, NULL, URN_RNG_NONE, -1, {{0}},
     "sum_i multi_normal(y[i] | 0, Sigma / w[i])", "y is K x N, Sigma N x N, w has K values.", 0, 0},
    {"multi_gp_cholesky", 0, 1, 3, {M("y", ""), M("L", "lower-triangular, positive diagonal"), V("w", "> 0")},
     "y in R^(K x N)", urn_multi_gp_cholesky_lpdf, NOCDF, NULL, URN_RNG_NONE, -1, {{0}},
     "sum_i multi_normal(y[i] | 0, L L' / w[i])", "Only the lower triangle of L is read.", 0, 0},
    {"wishart", 0, 1, 3, {M("W", "covariance matrix"), R1("nu", "> K - 1"), M("Sigma", "covariance matrix")},
     "W symmetric positive definite", urn_wishart_lpdf, NOCDF, urn_wishart_rng, URN_RNG_MATRIX, -1, {{0}},
     "(nu - K - 1)/2 log(det(W)) - tr(Sigma^-1 W)/2 - nu K/2 log(2) - nu/2 log(det(Sigma)) - lmgamma(K, nu/2)",
     "The rng uses Bartlett's decomposition.", 2, 0},
    {"wishart_cholesky", 0, 1, 3,
     {M("L_W", "Cholesky factor"), R1("nu", "> K - 1"), M("L_S", "Cholesky factor")}, "L_W lower triangular, "
     "positive diagonal", urn_wishart_cholesky_lpdf, NOCDF, urn_wishart_cholesky_rng, URN_RNG_MATRIX, -1, {{0}},
     "wishart(L_W L_W' | nu, L_S L_S') + K log(2) + sum_k (K - k + 1) log(L_W[k,k])",
     "The density of the Cholesky factor (the Jacobian of W = L_W L_W' included), as in Stan.", 2, 0},
    {"inv_wishart", 0, 1, 3, {M("W", "covariance matrix"), R1("nu", "> K - 1"), M("Sigma", "covariance matrix")},
     "W symmetric positive definite", urn_inv_wishart_lpdf, NOCDF, urn_inv_wishart_rng, URN_RNG_MATRIX, -1, {{0}},
     "nu/2 log(det(Sigma)) - nu K/2 log(2) - lmgamma(K, nu/2) - (nu + K + 1)/2 log(det(W)) - tr(Sigma W^-1)/2",
     "", 2, 0},
    {"inv_wishart_cholesky", 0, 1, 3,
     {M("L_W", "Cholesky factor"), R1("nu", "> K - 1"), M("L_S", "Cholesky factor")}, "L_W lower triangular, "
     "positive diagonal", urn_inv_wishart_cholesky_lpdf, NOCDF, urn_inv_wishart_cholesky_rng, URN_RNG_MATRIX, -1,
     {{0}}, "inv_wishart(L_W L_W' | nu, L_S L_S') + K log(2) + sum_k (K - k + 1) log(L_W[k,k])",
     "The density of the Cholesky factor, as in Stan.", 2, 0},
    {"lkj_corr", 0, 1, 2, {M("Sigma", "correlation matrix"), R1("eta", "> 0")}, "Sigma a correlation matrix",
     urn_lkj_corr_lpdf, NOCDF, urn_lkj_corr_rng, URN_RNG_MATRIX, 2, {I1("K", ">= 0"), R1("eta", "> 0")},
     "log c_K(eta) + (eta - 1) log(det(Sigma))", "The rng is lkj_corr_rng(K, eta).", 1, 0},
    {"lkj_cov", 0, 1, 4, {M("y", "covariance matrix"), V("mu", ""), V("sigma", "> 0"), R1("eta", "> 0")},
     "y symmetric positive definite", urn_lkj_cov_lpdf, NOCDF, NULL, URN_RNG_NONE, -1, {{0}},
     "sum_k lognormal(sqrt(y[k,k]) | mu[k], sigma[k]) + lkj_corr(D^-1 y D^-1 | eta),  D = diag(sqrt(diag(y)))",
     "Stan's definition: no Jacobian for the change to standard deviations and correlations.", 0, 0},
    {"gaussian_dlm_obs", 0, 1, 7,
     {M("y", ""), M("F", ""), M("G", ""), M("V", "covariance matrix"), M("W", "covariance matrix"), V("m0", ""),
      M("C0", "covariance matrix")},
     "y in R^(r x T)", urn_gaussian_dlm_obs_lpdf, NOCDF, NULL, URN_RNG_NONE, -1, {{0}},
     "Kalman-filter log likelihood of y_t ~ normal(F' theta_t, V), theta_t ~ normal(G theta_{t-1}, W), "
     "theta_0 ~ normal(m0, C0)",
     "F is n x r, G n x n, V r x r, W n x n.  All partials by one reverse sweep through the filter.", 0, 0},
    {"gaussian_dlm_obs", 0, 1, 7,
     {M("y", ""), M("F", ""), M("G", ""), V("V", ">= 0"), M("W", "covariance matrix"), V("m0", ""),
      M("C0", "covariance matrix")},
     "y in R^(r x T)", urn_gaussian_dlm_obs_lpdf, NOCDF, NULL, URN_RNG_NONE, -1, {{0}},
     "gaussian_dlm_obs with a diagonal V given as its vector of variances", "", 0, 0},
    /* ---------------- GLMs ---------------- */
    {"normal_id_glm", 0, 1, 5,
     {R("y", ""), GX("x", ""), R("alpha", ""), V("beta", ""), R("sigma", "> 0")},
     "y in (-inf, inf)", urn_normal_id_glm_lpdf, NOCDF, NULL, URN_RNG_NONE, -1, {{0}},
     "sum_i normal(y[i] | alpha[i] + x[i] . beta, sigma[i])",
     "x is N x K; y, alpha and sigma have N or 1 values.", 0, 0},
    {"bernoulli_logit_glm", 1, 1, 4, {I("y", ""), GX("x", ""), R("alpha", ""), V("beta", "")},
     "y in {0, 1}", urn_bernoulli_logit_glm_lpmf, NOCDF, urn_bernoulli_logit_glm_rng, URN_RNG_INT_ARRAY, 3,
     {GX("x", ""), R("alpha", ""), V("beta", "")},
     "sum_i bernoulli_logit(y[i] | alpha[i] + x[i] . beta)",
     "x is N x K (or a row_vector: one observation); y and alpha have N or 1 values.  The rng returns N draws.",
     1, 0},
    {"poisson_log_glm", 1, 1, 4, {I("y", ">= 0"), GX("x", ""), R("alpha", ""), V("beta", "")},
     "y in {0, 1, ...}", urn_poisson_log_glm_lpmf, NOCDF, NULL, URN_RNG_NONE, -1, {{0}},
     "sum_i poisson_log(y[i] | alpha[i] + x[i] . beta)", "x is N x K (or a row_vector).", 0, 0},
    {"neg_binomial_2_log_glm", 1, 1, 5,
     {I("y", ">= 0"), GX("x", ""), R("alpha", ""), V("beta", ""), R("phi", "> 0")}, "y in {0, 1, ...}",
     urn_neg_binomial_2_log_glm_lpmf, NOCDF, NULL, URN_RNG_NONE, -1, {{0}},
     "sum_i neg_binomial_2_log(y[i] | alpha[i] + x[i] . beta, phi[i])",
     "x is N x K (or a row_vector); phi has N or 1 values.", 0, 0},
    {"binomial_logit_glm", 1, 1, 5,
     {I("n", ""), I("N", ">= 0"), GX("x", ""), R("alpha", ""), V("beta", "")}, "n in {0, ..., N}",
     urn_binomial_logit_glm_lpmf, NOCDF, NULL, URN_RNG_NONE, -1, {{0}},
     "sum_i binomial_logit(n[i] | N[i], alpha[i] + x[i] . beta)",
     "As in Stan, n outside 0..N is an error.", 0, 0},
    {"ordered_logistic_glm", 1, 1, 4, {I("y", ""), GX("x", ""), V("beta", ""), V("c", "ordered")},
     "y in {1, ..., K}, K = size(c) + 1", urn_ordered_logistic_glm_lpmf, NOCDF, NULL, URN_RNG_NONE, -1, {{0}},
     "sum_i ordered_logistic(y[i] | x[i] . beta, c)", "As in Stan, y outside 1..K is an error.", 0, 0},
    {"categorical_logit_glm", 1, 1, 4, {I("y", ""), GX("x", ""), V("alpha", ""), M("beta", "")},
     "y in {1, ..., C}", urn_categorical_logit_glm_lpmf, NOCDF, NULL, URN_RNG_NONE, -1, {{0}},
     "sum_i categorical_logit(y[i] | alpha + (x[i] beta)')",
     "x is N x K, alpha has C values, beta is K x C.  As in Stan, y outside 1..C is an error.", 0, 0},
    {NULL, 0, 0, 0, {{0}}, NULL, NULL, NULL, NULL, NULL, NULL, URN_RNG_NONE, -1, {{0}}, NULL, NULL, 0, 0}};

size_t urn_dist_count(void) {
  size_t n = 0;
  while (urn_dist_table[n].name) n++;
  return n;
}

const urn_dist *urn_dist_find(const char *name) {
  for (const urn_dist *d = urn_dist_table; d->name; d++)
    if (strcmp(d->name, name) == 0) return d;
  return NULL;
}

urn_dist_fn urn_dist_function(const urn_dist *d, urn_dist_fnkind kind) {
  switch (kind) {
    case URN_DF_LPDF:
    case URN_DF_LUPDF: return d->lpdf;
    case URN_DF_LCDF: return d->lcdf;
    case URN_DF_LCCDF: return d->lccdf;
    case URN_DF_CDF: return d->cdf;
    case URN_DF_RNG: return NULL;
  }
  return NULL;
}

const urn_dist *urn_dist_find_function(const char *fname, urn_dist_fnkind *kind) {
  static const struct {
    const char *suffix;   /* "_lpdf" */
    urn_dist_fnkind kind; /* what it denotes */
    int discrete;         /* 1: only for discrete, 0: only continuous, -1: both, -2: URN_DIST_UNNORM_CDF families */
  } suffixes[] = {{"_lpdf", URN_DF_LPDF, 0},   {"_lupdf", URN_DF_LUPDF, 0},
                  {"_lpmf", URN_DF_LPDF, 1},   {"_lupmf", URN_DF_LUPDF, 1},
                  {"_lcdf", URN_DF_LCDF, -1},  {"_lccdf", URN_DF_LCCDF, -1},
                  {"_cdf", URN_DF_CDF, -1},    {"_rng", URN_DF_RNG, -1},
                  {"_lcdf_unnorm", URN_DF_LCDF, -2}, {"_lccdf_unnorm", URN_DF_LCCDF, -2}};
  size_t n = strlen(fname);
  for (size_t s = 0; s < sizeof suffixes / sizeof suffixes[0]; s++) {
    size_t ls = strlen(suffixes[s].suffix);
    if (n <= ls || strcmp(fname + n - ls, suffixes[s].suffix) != 0) continue;
    for (const urn_dist *d = urn_dist_table; d->name; d++) {
      if (strlen(d->name) != n - ls || strncmp(d->name, fname, n - ls) != 0) continue;
      if (suffixes[s].discrete >= 0 && suffixes[s].discrete != d->discrete) return NULL;
      int unnorm = (d->flags & URN_DIST_UNNORM_CDF) != 0, is_cdf = suffixes[s].kind == URN_DF_LCDF ||
                   suffixes[s].kind == URN_DF_LCCDF || suffixes[s].kind == URN_DF_CDF;
      if (is_cdf && unnorm != (suffixes[s].discrete == -2)) continue;
      if ((d->flags & URN_DIST_CDF_ONLY) && !is_cdf) continue;
      if (suffixes[s].kind == URN_DF_RNG ? d->rng == NULL
                                         : urn_dist_function(d, suffixes[s].kind) == NULL)
        return NULL;
      if (kind) *kind = suffixes[s].kind;
      return d;
    }
  }
  return NULL;
}

/* The spec of rng argument j. */
static const urn_dist_argspec *rng_arg(const urn_dist *d, int j) {
  return d->n_rng_args >= 0 ? &d->rng_args[j] : &d->args[j + 1];
}

size_t urn_dist_rng_length(const urn_dist *d, const urn_darg *p) {
  int np = d->n_rng_args >= 0 ? d->n_rng_args : d->nargs - 1;
  const urn_darg *sz = &p[d->rng_size_arg > 0 ? d->rng_size_arg - 1 : 0];
  switch (d->rng_kind) {
    case URN_RNG_NONE: return 0;
    case URN_RNG_INT: return 1;
    case URN_RNG_MATRIX: {
      size_t K = sz->iv ? (sz->n == 1 && sz->iv[0] > 0 ? (size_t)sz->iv[0] : 0) : sz->rows;
      return K * K;
    }
    case URN_RNG_INT_ARRAY: return sz->rows;
    case URN_RNG_VECTOR: /* the items of the first vector argument (multi_normal's mu, dirichlet's alpha) */
      for (int j = 0; j < np; j++)
        if (rng_arg(d, j)->kind == URN_DA_VECTOR || rng_arg(d, j)->kind == URN_DA_VECTORS) return p[j].n;
      return 0;
    case URN_RNG_REALS:
    case URN_RNG_INTS: {
      size_t n = 1;
      for (int j = 0; j < np; j++)
        if (p[j].n != 1) n = p[j].n;
      return n;
    }
  }
  return 0;
}
