/* urn/hmm.h — hidden Markov models and GLM-HMMs fitted by EM, with dynamax's
 * semantics (the specification is docs/hmm.md and the shared spec hmm.md).
 *
 * Models: Gaussian (full or diagonal covariance), linear-regression (Gaussian
 * GLM-HMM), Bernoulli-logistic and categorical (softmax) regression, Poisson,
 * and the families without inputs: exponential, gamma, log-normal, beta,
 * Student-t and plain categorical emissions.
 * Layout conventions, used everywhere below:
 *   - matrices are row-major: transition_matrix[j*K + k] = p(z_t = k | z_{t-1} = j);
 *   - per-time-step arrays are T x K row-major: LL[t*K + k] (which is exactly a
 *     K x T column-major matrix, Stan's layout for log_omega);
 *   - emissions of one sequence are T x D row-major; inputs T x M row-major.
 * States are 0-based.  Every fallible function returns an enum urn_status and
 * fills an optional urn_error naming the state, iteration or variable. */
#ifndef URN_HMM_H
#define URN_HMM_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include "urn/common.h"

/* ---------------------------------------------------------------------------
 * Plain inference on a matrix of emission log-likelihoods (any model).
 * pi: K initial probabilities; A: K x K row-stochastic, row-major;
 * LL: T x K log p(y_t | z_t = k).  Outputs may be NULL when not wanted.
 * A log-likelihood of -inf (an impossible observation) is returned as such. */

/* Scaled forward filter: *loglik = log p(y_1:T); filtered[t*K+k] = p(z_t=k | y_1:t),
 * predicted[t*K+k] = p(z_t=k | y_1:t-1) (predicted row 0 = pi). */
URN_API int urn_hmm_filter(int K, size_t T, const double *pi, const double *A, const double *LL,
                           double *loglik, double *filtered, double *predicted, urn_error *err);
/* Forward-backward: smoothed[t*K+k] = p(z_t=k | y_1:T); trans_sum[i*K+j] =
 * sum_{t<T} p(z_t=i, z_{t+1}=j | y_1:T) (the expected transition counts). */
URN_API int urn_hmm_smoother(int K, size_t T, const double *pi, const double *A, const double *LL,
                             double *loglik, double *smoothed, double *trans_sum, urn_error *err);
/* Viterbi path (dynamax's backward max-product form; ties go to the lowest index). */
URN_API int urn_hmm_viterbi(int K, size_t T, const double *pi, const double *A, const double *LL,
                            int *states, urn_error *err);

/* For Stan's hmm_marginal(log_omega, Gamma, rho), in Stan's column-major layout:
 * log_omega is K x T column-major (log_omega[k + t*K]), Gamma is K x K
 * column-major with Gamma[i + j*K] = p(z_t = j | z_{t-1} = i) (rows sum to 1),
 * rho is K.  Returns log p(y) in *logp.  Each gradient pointer may be NULL:
 * d_log_omega (K x T, = the smoothed marginals), d_Gamma (K x K column-major,
 * d log p / d Gamma[i,j], finite even where Gamma[i,j] = 0), d_rho (K).
 * Gamma and rho are not required to be normalised (the gradient is that of the
 * unnormalised recursion, as Stan's).  URN_EREJECT with a message when log p
 * is -inf or an input is not finite. */
URN_API int urn_hmm_marginal(int K, size_t T, const double *log_omega, const double *Gamma,
                             const double *rho, double *logp, double *d_log_omega, double *d_Gamma,
                             double *d_rho, urn_error *err);

/* ---------------------------------------------------------------------------
 * Models and parameters. */

typedef enum urn_hmm_kind {
  URN_HMM_GAUSSIAN = 0, /* y_t ~ N(mu_k, Sigma_k), full covariance, NIW prior */
  URN_HMM_DIAG,         /* y_t ~ N(mu_k, diag(s_k^2)), normal-inverse-gamma prior (spec A) */
  URN_HMM_LINREG,       /* y_t ~ N(W_k x_t + b_k, Sigma_k), no emission prior */
  URN_HMM_LOGREG,       /* y_t in {0,1} ~ Bernoulli(sigmoid(w_k.x_t + b_k)), N(0,s^2) on w */
  URN_HMM_CATREG,       /* y_t in 0..C-1 ~ Categorical(softmax(W_k x_t + b_k)), no prior */
  URN_HMM_POISSON,      /* y_td ~ Poisson(r_kd), Gamma(a0, rate b0) prior */
  URN_HMM_EXPONENTIAL,  /* y_td > 0 ~ Exponential(rate r_kd); no emission prior (maximum likelihood) */
  URN_HMM_GAMMA,        /* y_td > 0 ~ Gamma(shape a_kd, rate r_kd); no emission prior */
  URN_HMM_LOGNORMAL,    /* log y_td ~ N(mu_kd, s_kd^2) (means, scale_diags of log y); no emission prior */
  URN_HMM_BETA,         /* y_td in (0,1) ~ Beta(a_kd, b_kd) (shapes K x D x 2); no emission prior */
  URN_HMM_CATEGORICAL,  /* y_t in 0..C-1 ~ Categorical(probs_k) (D = 1), Dirichlet(probs_conc) prior */
  URN_HMM_STUDENT,      /* y_td ~ t(nu_kd, mu_kd, s_kd), independent over d; no emission prior; nu estimated
                           (EM with the latent scale weights, nu by a 1-D maximisation) or fixed (student_dof) */
  URN_HMM_GMM           /* y_t ~ sum_c w_kc N(mu_kc, diag(s_kc^2)): a Gaussian mixture of C components (the C
                           argument of urn_hmm_model_init) per state, diagonal covariances; no emission prior */
} urn_hmm_kind;
#define URN_HMM_NUM_KINDS 13 /* number of urn_hmm_kind values */

/* Parameter groups that EM can leave untouched (bit flags). */
enum { URN_HMM_FREEZE_INITIAL = 1, URN_HMM_FREEZE_TRANSITIONS = 2, URN_HMM_FREEZE_EMISSIONS = 4 };

typedef struct urn_hmm_model {
  urn_hmm_kind kind; /* which emission model */
  int K;             /* number of states */
  int D;             /* emission dimension (1 for logreg/catreg) */
  int M;             /* input dimension (linreg/logreg/catreg; else 0) */
  int C;             /* number of classes (catreg, categorical), of mixture components per state (gmm); else 0 */
  double initial_conc;    /* Dirichlet concentration of pi (1.1) */
  double trans_conc;      /* Dirichlet concentration of each row of A (1.1) */
  double stickiness;      /* added to the diagonal of the transition concentration (0) */
  double *prior_mean;     /* gaussian/diag: mu0, D values (0) */
  double *prior_scale;    /* gaussian: Psi0, D x D (1e-4 I) */
  double kappa0;          /* gaussian: NIW mean concentration (1e-4); diag: (1e-4) */
  double extra_df;        /* gaussian: nu0 = D + extra_df (0.1) */
  double iw_scale_jitter; /* gaussian: added to Psi0's diagonal in log_prior only (0) */
  double ig_shape;        /* diag: inverse-gamma shape alpha0 (0.1) */
  double ig_scale;        /* diag: inverse-gamma scale beta0 (0.1) */
  double weight_scale;    /* logreg: prior standard deviation of each weight (1e8) */
  double rate_shape;      /* poisson: Gamma shape a0 (1.1) */
  double rate_rate;       /* poisson: Gamma rate b0 (0.1) */
  double cov_floor;       /* linreg: opt-in ridge added to G and floor on Sigma's diagonal (0 = off) */
  int frozen;             /* URN_HMM_FREEZE_* flags honoured by the M-step */
  void (*warn)(void *ctx, const char *msg); /* warnings (separation, slow Newton); NULL = silent */
  void *warn_ctx;         /* passed to warn */
  int no_prior;           /* URN_HMM_FREEZE_* bits of the groups fitted by maximum likelihood: no prior
                             (concentration 1, no emission prior), and log_prior leaves them out (0) */
  double var_floor;       /* gaussian/diag: lower bound on every variance the M-step returns (0 = none;
                             urn_hmm_fit_best uses 1e-6 x the data's smallest per-dimension variance) */
  int shared_cov;         /* gaussian/diag under maximum likelihood (no_prior has EMISSIONS), linreg: one covariance
                             (diag: one set of variances) shared by every state, as statsmodels'
                             switching_variance=False; the pooled within-state scatter / N */
  int trans_M;            /* input-driven transitions: U transition inputs u_t (0 = one constant matrix):
                             p(z_t = j | z_{t-1} = i, u_t) = softmax_j(W_ij . u_t + b_ij) (docs/hmm.md) */
  double trans_weight_scale; /* prior standard deviation of every W_ij and b_ij (10); none when no_prior has
                                TRANSITIONS (maximum likelihood) */
  double probs_conc;      /* categorical: Dirichlet concentration of each state's class probabilities (1.1) */
  double student_dof;     /* student: > 0 holds every nu at this value; 0 (default) estimates nu in [0.01, 1e4] */
  unsigned long long shared_coef; /* linreg: bit j set = input j's coefficients (every emission dimension) are
                                     shared by all states (non-switching; inputs 0..63); the M-step solves the
                                     states' weighted least squares jointly (0 = all switching) */
} urn_hmm_model;

/* Fills *m with dynamax's defaults for kind (D is forced to 1 for logreg/catreg).
 * Validates sizes.  urn_hmm_model_free releases prior_mean/prior_scale. */
URN_API int urn_hmm_model_init(urn_hmm_model *m, urn_hmm_kind kind, int K, int D, int M, int C,
                               urn_error *err);
URN_API void urn_hmm_model_free(urn_hmm_model *m);
/* Free parameters of the model (for AIC/BIC): K - 1 initial probabilities, K (K - 1)
 * transition probabilities and the emission parameters, leaving out frozen groups. */
URN_API int urn_hmm_num_free_params(const urn_hmm_model *m);
/* "gaussian", "diag", "linreg", "logreg", "catreg", "poisson", "exponential", "gamma", "lognormal",
 * "beta", "categorical", "student"; parse returns -1 if unknown. */
URN_API const char *urn_hmm_kind_name(urn_hmm_kind kind);
URN_API int urn_hmm_kind_parse(const char *name);

typedef struct urn_hmm_params {
  int K, D, M, C;             /* sizes (copied from the model) */
  double *initial_probs;      /* K */
  double *transition_matrix;  /* K x K, row-major, rows sum to 1 */
  double *means;              /* gaussian/diag: K x D; gmm: K x C x D */
  double *covs;               /* gaussian/linreg: K x D x D (covariances, not std devs) */
  double *scale_diags;        /* diag: K x D standard deviations; gmm: K x C x D */
  double *weights;            /* linreg K x D x M; logreg K x M; catreg K x C x M */
  double *biases;             /* linreg K x D; logreg K; catreg K x C */
  double *rates;              /* poisson, exponential, gamma: K x D */
  double *trans_weights;      /* trans_M > 0: K x K x U, W[i][j] (sum over j is 0: the softmax gauge) */
  double *trans_biases;       /* trans_M > 0: K x K (sum over j is 0); transition_matrix then holds the
                                 matrix at u = 0, softmax of each bias row */
  double *shapes;             /* gamma: K x D shapes; beta: K x D x 2 (a, b) */
  double *dofs;               /* student: K x D degrees of freedom nu */
  double *probs;              /* categorical: K x C class probabilities; gmm: K x C mixture weights; rows sum to 1 */
} urn_hmm_params;

/* Allocates (zeroed) the arrays the model's kind uses; the others stay NULL. */
URN_API void urn_hmm_params_alloc(const urn_hmm_model *m, urn_hmm_params *p);
URN_API void urn_hmm_params_free(urn_hmm_params *p);
URN_API void urn_hmm_params_copy(const urn_hmm_model *m, urn_hmm_params *dst, const urn_hmm_params *src);
/* Checks shapes' contents: probabilities in [0,1] summing to 1 (1e-6), covariances
 * symmetric positive definite, finite values.  The message names the parameter/state. */
URN_API int urn_hmm_params_check(const urn_hmm_model *m, const urn_hmm_params *p, urn_error *err);

/* One sequence.  y: T x D (logreg/catreg: T values), x: T x M or NULL. */
typedef struct urn_hmm_seq {
  size_t T;         /* number of time steps (> 0) */
  const double *y;  /* emissions */
  const double *x;  /* inputs (required by linreg/logreg/catreg) */
  const double *u;  /* transition inputs T x trans_M (required when trans_M > 0): row t drives the
                       transition z_{t-1} -> z_t (row 0 is not used) */
} urn_hmm_seq;

/* Checks a sequence against the model: T > 0, finite values, 0/1 for logreg,
 * classes for catreg, non-negative integer counts for poisson, inputs present. */
URN_API int urn_hmm_seq_check(const urn_hmm_model *m, const urn_hmm_seq *s, size_t index, urn_error *err);

/* LL[t*K+k] = log p(y_t | z_t = k, x_t).  Error if a covariance is not positive definite. */
URN_API int urn_hmm_emission_logliks(const urn_hmm_model *m, const urn_hmm_params *p,
                                     const urn_hmm_seq *s, double *LL, urn_error *err);
/* log p(theta) under the model's priors (may be -inf; a density, may be positive). */
URN_API double urn_hmm_log_prior(const urn_hmm_model *m, const urn_hmm_params *p);
/* Total log p(y | theta) over sequences (uses nthreads threads, 0 = 1). */
URN_API int urn_hmm_loglik(const urn_hmm_model *m, const urn_hmm_params *p, const urn_hmm_seq *seqs,
                           size_t nseq, int nthreads, double *per_seq, double *total, urn_error *err);

/* ---------------------------------------------------------------------------
 * EM. */

/* E-step statistics, summed over sequences. */
typedef struct urn_hmm_stats {
  double *initial;     /* K: sum_b gamma^b_1 */
  double *trans;       /* K x K: expected transition counts */
  double *sum_w;       /* K: sum gamma */
  double *sum_y;       /* K x D: sum gamma y (gaussian, diag, linreg, poisson) */
  double *sum_yy;      /* gaussian/linreg K x D x D sum gamma y y^T; diag K x D sum gamma y^2 */
  double *sum_x;       /* linreg K x M */
  double *sum_xx;      /* linreg K x M x M */
  double *sum_xy;      /* linreg K x M x D */
  double *gamma;       /* logreg/catreg: pooled smoothed probabilities, n_total x K */
  double *xi;          /* trans_M > 0: pooled per-step expected transition counts, n_total x K x K
                          (entry t of a sequence: z_{t-1} -> z_t; zero at each sequence's first step) */
  double *sum_t;       /* exponential..student: K x D x S family statistics (categorical K x C; see hmm_family.c) */
  size_t n_total;      /* total time steps over the batch */
  double loglik;       /* sum_b log p(y^b) */
  void *work;          /* per-thread scratch reused by successive E-steps (internal) */
} urn_hmm_stats;

URN_API void urn_hmm_stats_alloc(const urn_hmm_model *m, size_t n_total, urn_hmm_stats *st);
URN_API void urn_hmm_stats_free(urn_hmm_stats *st);
/* E-step over the batch; per_seq (nseq, may be NULL) gets each sequence's log p(y). */
URN_API int urn_hmm_e_step(const urn_hmm_model *m, const urn_hmm_params *p, const urn_hmm_seq *seqs,
                           size_t nseq, int nthreads, urn_hmm_stats *st, double *per_seq, urn_error *err);
/* M-step (MAP under the priors), honouring m->frozen.  p is updated in place.
 * Errors (never NaN parameters): singular regression design or non-positive-definite
 * covariance in a state, an undefined Dirichlet mode (concentration <= 1). */
URN_API int urn_hmm_m_step(const urn_hmm_model *m, const urn_hmm_stats *st, const urn_hmm_seq *seqs,
                           size_t nseq, urn_hmm_params *p, int iteration, urn_error *err);

typedef struct urn_hmm_fit_opts {
  int num_iters;    /* maximum number of EM iterations (dynamax: exactly this many) */
  double tol;       /* > 0: stop once 2(l_i - l_{i-1})/|l_i + l_{i-1}| < tol (0 = off) */
  int nthreads;     /* threads over sequences (0 or 1 = one) */
  volatile sig_atomic_t *stop; /* NULL, or a flag: once non-zero the fit ends after the current iteration
                                  with URN_EINTR (the parameters are those of the last iteration done) */
} urn_hmm_fit_opts;

/* dynamax's fit_em: trace[i] = log_prior + loglik at the parameters entering
 * iteration i (length num_iters, or fewer with tol: *n_done).  p is updated in place. */
URN_API int urn_hmm_fit_em(const urn_hmm_model *m, urn_hmm_params *p, const urn_hmm_seq *seqs,
                           size_t nseq, const urn_hmm_fit_opts *opts, double *trace, int *n_done,
                           urn_error *err);

/* Standard errors of p from the observed information: minus the Hessian of
 * log p(y | theta) (central differences) on an unconstrained scale (probability
 * rows by log-ratios to their largest entry, log rates, shapes, dofs and standard deviations,
 * covariances by a log-diagonal Cholesky factor; input-driven transitions by each origin's weights and bias
 * less those of the last state), inverted and carried to the
 * natural parameters by the delta method.  se gets one value per parameter, the
 * arrays of urn_hmm_params concatenated in the order initial_probs,
 * transition_matrix, means, covs, scale_diags, weights, biases, rates, shapes, dofs, probs, trans_weights,
 * trans_biases (those the model uses; *n_se = the count, at most K + K^2 + the emission arrays' sizes
 * + K^2 (trans_M + 1));
 * frozen groups and probabilities at most 1e-8 (on the boundary: held fixed) get 0.  *n_free = the unconstrained
 * dimension.  An error when the information is not positive definite (p is not a
 * maximum of the likelihood, or a parameter is not identified).  About 2 P^2
 * log-likelihood evaluations for P free parameters. */
URN_API int urn_hmm_std_errors(const urn_hmm_model *m, const urn_hmm_params *p, const urn_hmm_seq *seqs, size_t nseq,
                               int nthreads, double *se, size_t *n_se, int *n_free, urn_error *err);

/* ---------------------------------------------------------------------------
 * Input-driven transitions (m->trans_M > 0; src/hmm/hmm_trans.c).  The E-step,
 * M-step (per origin state a damped Newton on the expected counts of every
 * step), log prior, loglik and fits take them from the model and the
 * sequences' u; these are the pieces for callers. */

/* A (T x K x K): the transition matrix of each step of s (A_t for z_{t-1} -> z_t;
 * A_0 = transition_matrix); a constant-matrix model repeats its matrix. */
URN_API int urn_hmm_trans_matrices(const urn_hmm_model *m, const urn_hmm_params *p, const urn_hmm_seq *s,
                                   double *A, urn_error *err);
/* Sets the transition weights to 0 and the biases to the centred log of
 * transition_matrix (entries floored at 1e-300): the input-driven model that
 * equals the constant matrix.  urn_hmm_fit_best does this after each
 * initialization; call it after urn_hmm_init_labels/kmeans/prior. */
URN_API void urn_hmm_trans_from_matrix(const urn_hmm_model *m, urn_hmm_params *p);
/* Smoother and Viterbi with a matrix per step: A is T x K x K (A_t for the
 * transition into t; A_0 is not used).  As urn_hmm_smoother / urn_hmm_viterbi. */
URN_API int urn_hmm_smoother_tv(int K, size_t T, const double *pi, const double *A, const double *LL,
                                double *loglik, double *smoothed, double *trans_sum, urn_error *err);
URN_API int urn_hmm_viterbi_tv(int K, size_t T, const double *pi, const double *A, const double *LL,
                               int *states, urn_error *err);

/* ---------------------------------------------------------------------------
 * Markov-switching autoregression of order p (statsmodels' MarkovAutoregression,
 * trend 'c'; src/hmm/hmm_msar.c, docs/hmm.md):
 *   y_t = mu_{S_t} + sum_{j=1..p} phi_{j,S_t} (y_{t-j} - mu_{S_{t-j}}) + eps_t,  eps_t ~ N(0, sigma^2_{S_t}),
 * for t = p..T-1 given y_0..y_{p-1} (with regressors, every mu_{S_s} is mu_{S_s} + x_s . beta_{S_s}); an HMM on the K^(p+1) regime tuples
 * (S_t, ..., S_{t-p}).  One sequence y of T values. */
typedef struct urn_hmm_msar {
  int K;              /* regimes */
  int order;          /* p >= 0 (K^(p+1) <= 4096) */
  int switching_ar;   /* 1: phi per regime; 0: one phi shared (rows of ar equal) */
  int switching_var;  /* 1: sigma^2 per regime; 0: one shared variance */
  int steady_initial; /* 1: the oldest regime of the first tuple, S_0, from the stationary distribution
                         of A (statsmodels' steady-state initialization); 0: initial_probs free */
  int num_x;          /* X >= 0 exogenous regressors: mu_{S_t} becomes mu_{S_t} + x_t . beta_{S_t} (every
                         lag's too; statsmodels' exog); 0..64 */
  const double *x;    /* T x X row-major: the regressors at every step t = 0..T-1 (the model's design,
                         owned by the caller; NULL when X = 0) */
  unsigned long long shared_x; /* bit j: regressor j's coefficient is one for every regime (statsmodels'
                                  switching_exog False for it); else one per regime */
} urn_hmm_msar;

typedef struct urn_hmm_msar_params {
  double *initial_probs;     /* K: the distribution of S_0 (= stationary(A) with steady_initial) */
  double *transition_matrix; /* K x K row-major, [i][j] = p(S_t = j | S_{t-1} = i) */
  double *means;             /* K: mu */
  double *ar;                /* K x max(p, 1): phi_{j,k} at [k*p + j-1] */
  double *variances;         /* K: sigma^2 */
  double *exog;              /* K x max(X, 1): beta_{k,j} at [k*X + j] (equal rows for shared regressors) */
} urn_hmm_msar_params;

URN_API void urn_hmm_msar_params_alloc(const urn_hmm_msar *m, urn_hmm_msar_params *p);
URN_API void urn_hmm_msar_params_free(urn_hmm_msar_params *p);
/* Sizes: K in 1..100, p in 0..50, K^(p+1) <= 4096, T > p + 1. */
URN_API int urn_hmm_msar_check(const urn_hmm_msar *m, size_t T, urn_error *err);
/* Free parameters (AIC/BIC): K(K-1) transitions, K-1 initial unless steady, K means, K p or p AR, K or 1 variances,
 * K or 1 coefficients per regressor. */
URN_API int urn_hmm_msar_num_params(const urn_hmm_msar *m);
/* The stationary distribution of a K x K row-stochastic A (pi A = pi, sum 1; Gaussian elimination). */
URN_API void urn_hmm_stationary(int K, const double *A, double *pi);
/* log p(y_p..y_{T-1} | y_0..y_{p-1}) (statsmodels' llf); with steady_initial p->initial_probs is set. */
URN_API int urn_hmm_msar_loglik(const urn_hmm_msar *m, const urn_hmm_msar_params *p, const double *y, size_t T,
                                double *loglik, urn_error *err);
/* smoothed ((T-p) x K, may be NULL): p(S_t = k | y) for t = p..T-1; viterbi (T-p, may be NULL): the regimes
 * of the most probable tuple path. */
URN_API int urn_hmm_msar_states(const urn_hmm_msar *m, const urn_hmm_msar_params *p, const double *y, size_t T,
                                double *smoothed, int *viterbi, urn_error *err);
/* Maximum-likelihood EM from p (in place): at most iters iterations, stopped once the relative change of the
 * log likelihood is below tol; trace[i] (may be NULL, iters values) the log likelihood entering iteration i;
 * *loglik that of the final p.  The likelihood never falls (tested). */
URN_API int urn_hmm_msar_em(const urn_hmm_msar *m, urn_hmm_msar_params *p, const double *y, size_t T, int iters,
                            double tol, double *trace, int *n_done, int *converged, double *loglik, urn_error *err);
/* restarts EM fits (restart 0 from means at quantiles, one least-squares AR fit and a sticky A; the others
 * random, seeded seed + r), the best log likelihood into best (allocated). */
URN_API int urn_hmm_msar_fit(const urn_hmm_msar *m, const double *y, size_t T, int restarts, uint64_t seed, int iters,
                             double tol, urn_hmm_msar_params *best, double *loglik, int *iterations, int *converged,
                             urn_error *err);
/* Standard errors of p (a maximum of the likelihood) from the observed information, as urn_hmm_std_errors (the
 * same Hessian): theta = each transition row's log-ratios to its largest entry (entries at most 1e-8 held fixed:
 * standard error 0), the initial row's likewise unless steady_initial, the means, AR and regressor coefficients as
 * they are (one per shared coefficient), the log variances (one when shared); se (allocated by
 * urn_hmm_msar_params_alloc) gets the standard errors of every entry of the parameters by the delta method (with
 * steady_initial the initial probabilities' through stationary(A)).  *n_free (may be NULL) = the dimension of
 * theta.  About 2 P^2 log-likelihood evaluations for P free parameters. */
URN_API int urn_hmm_msar_std_errors(const urn_hmm_msar *m, const urn_hmm_msar_params *p, const double *y, size_t T,
                                    urn_hmm_msar_params *se, int *n_free, urn_error *err);

/* ---------------------------------------------------------------------------
 * A whole fit, as `urn hmm fit` and the Python package's urn.hmm.fit make it. */

/* How each restart of urn_hmm_fit_best starts. */
typedef enum urn_hmm_init_method {
  URN_HMM_INIT_AUTO = 0, /* k-means for gaussian, diag, linreg; the prior recipe otherwise */
  URN_HMM_INIT_KMEANS,   /* urn_hmm_init_kmeans */
  URN_HMM_INIT_PRIOR,    /* urn_hmm_init_prior */
  URN_HMM_INIT_GIVEN,    /* the given parameters (one fit, no restarts) */
  URN_HMM_INIT_RANDOM,   /* a random partition of the time steps, emissions by one M-step */
  URN_HMM_INIT_SEARCH    /* restarts cycle: k-means++ partition (Poisson: of y and of log(1 + y) in turn),
                            random partition, the best fit so far with 5%, 20% or 50% of its Viterbi labels
                            redrawn in turn, and the best fit's Viterbi labels with one local move (the
                            step with the j-th smallest emission margin takes its runner-up state) */
} urn_hmm_init_method;
/* The method AUTO stands for with this kind (others are returned unchanged). */
URN_API urn_hmm_init_method urn_hmm_init_resolve(urn_hmm_kind kind, urn_hmm_init_method init);

/* What urn_hmm_fit_best found. */
typedef struct urn_hmm_fit_report {
  int iterations;           /* EM iterations of the best fit (the length of its trace) */
  int best_restart;         /* its restart index (seed + best_restart was its seed); -1 if none succeeded */
  double log_joint;         /* its final log joint: log p(y | theta) + log p(theta) */
  int n_failed;             /* restarts that failed (initialization or EM error) */
  urn_hmm_init_method init; /* the method used (AUTO resolved) */
  double loglik;            /* log p(y | theta) of the best fit */
  int converged;            /* 1 when its EM stopped on opts->tol, 0 when it hit num_iters */
  int degenerate;           /* states of the best fit that are empty (expected count < 0.5) or collapsed
                               (a variance at var_floor); restarts are ranked by this count first */
} urn_hmm_fit_report;

/* What urn_hmm_fit_best reports while it works; any member may be NULL. */
typedef struct urn_hmm_fit_callbacks {
  void *ctx; /* passed back to both */
  /* After each restart: its index and seed, status (URN_OK or the error,
   * whose message is then given), final log joint and EM iterations. */
  void (*restart)(void *ctx, int restart, uint64_t seed, int status, double log_joint, int iterations,
                  const char *message);
  /* After each EM iteration of each restart, with the log joint entering it; a
   * non-zero return stops the whole fit with URN_EINTR (e.g. Ctrl-C in Python). */
  int (*iteration)(void *ctx, int restart, int iteration, double log_joint);
} urn_hmm_fit_callbacks;

/* `restarts` EM fits (opts) from initializations seeded seed, seed + 1, ...
 * (init; GIVEN starts once from `given`), each scored by its number of
 * degenerate states (fewer is better) and then its final log joint (the log
 * likelihood when m->no_prior covers every group); gaussian and diag fits get
 * a variance floor of 1e-6 x the data's smallest variance unless m->var_floor is set;
 * the best goes to best (allocated with urn_hmm_params_alloc) and its trace to
 * trace (opts->num_iters values, may be NULL).  cb (may be NULL) hears about
 * every restart and iteration.  Returns URN_OK when at least one restart
 * succeeded, else the first failure's status and message (URN_EINTR at once
 * when a callback stops the fit). */
URN_API int urn_hmm_fit_best(const urn_hmm_model *m, const urn_hmm_seq *seqs, size_t nseq,
                             const urn_hmm_fit_opts *opts, urn_hmm_init_method init, const urn_hmm_params *given,
                             int restarts, uint64_t seed, urn_hmm_params *best, double *trace,
                             urn_hmm_fit_report *report, const urn_hmm_fit_callbacks *cb, urn_error *err);

/* Parameter files (`urn hmm fit`'s output, the --params input; docs/hmm.md).
 * Parsing fills *m (urn_hmm_model_init'ed; free with urn_hmm_model_free) and *p
 * (allocated here); path names the text in messages.  Formatting returns
 * malloc'd text (free with urn_hmm_text_free); extra (may be NULL) is inserted
 * as further members, e.g. "\"fit\": {...}". */
URN_API int urn_hmm_param_file_parse(const char *text, size_t len, const char *path, urn_hmm_model *m,
                                     urn_hmm_params *p, urn_error *err);
URN_API char *urn_hmm_param_file_format(const urn_hmm_model *m, const urn_hmm_params *p, const char *extra);
URN_API void urn_hmm_text_free(char *text);

/* ---------------------------------------------------------------------------
 * Initialization, sampling, alignment. */

/* method "prior": pi, A from their Dirichlet priors; emissions by the model's prior
 * recipe (spec 7.2, B.1-B.3).  "kmeans": pi, A from the priors; emissions from
 * k-means++/Lloyd on the pooled emissions (logreg: on the inputs).  seed fixes everything. */
URN_API int urn_hmm_init_prior(const urn_hmm_model *m, uint64_t seed, urn_hmm_params *p, urn_error *err);
URN_API int urn_hmm_init_kmeans(const urn_hmm_model *m, uint64_t seed, const urn_hmm_seq *seqs,
                                size_t nseq, urn_hmm_params *p, urn_error *err);

/* Parameters from a hard partition: labels[i] in 0..K-1 for every pooled time
 * step i.  The chain: pi from the first labels, A from the label transitions
 * (plus one); the emissions by one M-step of m on the one-hot weights
 * (a state without any time step is an error). */
URN_API int urn_hmm_init_labels(const urn_hmm_model *m, const urn_hmm_seq *seqs, size_t nseq, const int *labels,
                                urn_hmm_params *p, urn_error *err);

/* k-means: k-means++ seeding then Lloyd (scikit-learn's recipe).  X: n x d.
 * centers (K x d) are the starting centres when seed_centers is 0, else output only.
 * labels (n, may be NULL). */
URN_API int urn_hmm_kmeans(const double *X, size_t n, int d, int K, uint64_t seed, int n_init,
                           double *centers, int *labels, double *inertia, urn_error *err);
/* Lloyd iterations from the given centres (in/out).  Returns iterations run in *n_iter. */
URN_API void urn_hmm_lloyd(const double *X, size_t n, int d, int K, double *centers, int max_iter,
                           double tol, int *labels, double *inertia, int *n_iter);

/* Simulates T steps: states[T], y (T x D, logreg/catreg T), x inputs (T x M) or NULL.  An error for a model
 * with input-driven transitions (use urn_hmm_sample_tv). */
URN_API int urn_hmm_sample(const urn_hmm_model *m, const urn_hmm_params *p, uint64_t seed, size_t T,
                           const double *x, int *states, double *y, urn_error *err);
/* As urn_hmm_sample, with the transition inputs u (T x trans_M; row t drives z_{t-1} -> z_t, row 0 unused;
 * ignored when m->trans_M is 0): z_t ~ softmax(W_{z_{t-1}} u_t + b_{z_{t-1}}).  The same draws as
 * urn_hmm_sample when every transition weight is 0. */
URN_API int urn_hmm_sample_tv(const urn_hmm_model *m, const urn_hmm_params *p, uint64_t seed, size_t T,
                              const double *x, const double *u, int *states, double *y, urn_error *err);
/* Forward-filtering backward-sampling of one path z ~ p(z | y) given LL. */
URN_API int urn_hmm_posterior_sample(int K, size_t T, const double *pi, const double *A,
                                     const double *LL, uint64_t seed, int *states, double *loglik,
                                     urn_error *err);

/* dynamax's find_permutation: perm (length *Kp = max label + 1 over both) with
 * perm[z1 label] = the z2 label it matches best (scipy's assignment tie-breaking).
 * perm must hold max(z1, z2) + 1 ints; pass perm = NULL to query *Kp. */
URN_API int urn_hmm_find_permutation(const int *z1, const int *z2, size_t T, int *perm, int *Kp,
                                     urn_error *err);

#endif
