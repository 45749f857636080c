/* hmm/hmm_internal.h — what the HMM source files share and the public header
 * does not promise: the in-place forward/backward passes the E-step fuses, the
 * vectorized kernels (hmm_kernels.c), the prior densities and Dirichlet draws,
 * and the Newton M-step.  Dense linear algebra is math/linalg.h's (column-major). */
#ifndef URN_HMM_INTERNAL_H
#define URN_HMM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "math/rng.h"
#include "urn/hmm.h"

/* urn_hmm_fit_em with hook(ctx, iteration, log joint entering it) called after each
 * iteration; a non-zero return stops EM with URN_EINTR (hmm_fit.c's callbacks).
 * *converged (may be NULL) is 1 when EM stopped on opts->tol. */
int urn__hmm_fit_em_hook(const urn_hmm_model *m, urn_hmm_params *p, const urn_hmm_seq *seqs, size_t nseq,
                         const urn_hmm_fit_opts *opts, double *trace, int *n_done, int *converged,
                         int (*hook)(void *ctx, int iteration, double log_joint), void *ctx, urn_error *err);

/* Viterbi over one matrix (a_stride 0) or one per step (a_stride K*K); inputs checked by the caller (hmm_infer.c). */
int urn__hmm_viterbi_core(int K, size_t T, const double *pi, const double *A, size_t a_stride, const double *LL,
                          int *states);

/* ---- a whole fit's restarts (hmm_fit.c), shared by one process's urn_hmm_fit_best and the MPI ranks'
 * (mpi/mpi_hmm.c), which differ only in how a restart is initialized and run over the data ---- */

/* What one restart ended with. */
typedef struct urn__hmm_restart {
  int n_done;       /* EM iterations */
  int converged;    /* stopped on the tolerance */
  double loglik;    /* final log p(y | theta) */
  double lj;        /* final log joint */
  int degenerate;   /* empty or collapsed states (urn__hmm_count_degenerate) */
} urn__hmm_restart;

/* How restarts are initialized and run: init sets cur for restart r from seed (best: the best fit so far, or
 * NULL); run runs EM from cur to the end (trace, calling cb's iteration callback with restart's index) and scores
 * the result into res.  Both return a status with err filled. */
typedef struct urn__hmm_fitter {
  void *ctx; /* the fitter's data */
  int (*init)(void *ctx, const urn_hmm_model *m, urn_hmm_init_method init, const urn_hmm_params *given,
              const urn_hmm_params *best, int r, uint64_t seed, urn_hmm_params *cur, urn_error *err);
  int (*run)(void *ctx, const urn_hmm_model *m, urn_hmm_params *cur, double *trace, urn__hmm_restart *res,
             const urn_hmm_fit_callbacks *cb, int restart, urn_error *err);
} urn__hmm_fitter;

/* The EM iteration callback of one restart: forwards to cb->iteration with the restart's index (hmm_fit.c;
 * urn__hmm_iteration_hook is the hook function to pass with a pointer to it). */
typedef struct urn__hmm_iter_hook {
  const urn_hmm_fit_callbacks *cb; /* the caller's callbacks */
  int restart;                     /* this restart's index */
} urn__hmm_iter_hook;
int urn__hmm_iteration_hook(void *ctx, int iteration, double log_joint);

/* urn_hmm_fit_best's restarts (seeds seed, seed + 1, ...) through f, ranked by degenerate states then final log
 * joint; the best kept in best (trace: its log joints), report filled, cb's restart callback called per restart.
 * The model m is checked and its variance floor set by the caller. */
int urn__hmm_fit_restarts(const urn_hmm_model *m, const urn__hmm_fitter *f, int num_iters, urn_hmm_init_method init,
                          const urn_hmm_params *given, int restarts, uint64_t seed, urn_hmm_params *best,
                          double *trace, urn_hmm_fit_report *report, const urn_hmm_fit_callbacks *cb, urn_error *err);
/* One process's initialization of restart r over seqs (k-means, prior draw, search's partitions and perturbations). */
int urn__hmm_initialize(const urn_hmm_model *m, const urn_hmm_seq *seqs, size_t nseq, urn_hmm_init_method init,
                        const urn_hmm_params *given, const urn_hmm_params *best, int r, uint64_t seed,
                        urn_hmm_params *cur, urn_error *err);
/* Empty states (expected count < 0.5) and collapsed ones (a variance at the floor) of p, from its statistics. */
int urn__hmm_count_degenerate(const urn_hmm_model *m, const urn_hmm_params *p, const urn_hmm_stats *st);

/* Up to this many states the passes keep their small vectors on the stack. */
#define URN_HMM_STACK_K 64

/* Loops over states: unrolled completely for the small K the passes' switches
 * make constant, so the vectors stay in registers (about twice as fast at -O2). */
#define URN_UNROLL _Pragma("GCC unroll 16")

/* pred[k] = sum_j v[j] A[j,k] (A row-major K x K): one forward prediction. */
static inline __attribute__((always_inline)) void urn__hmm_predict(int K, const double *A, const double *v,
                                                                   double *pred) {
  URN_UNROLL
  for (int k = 0; k < K; k++) pred[k] = 0.0;
  URN_UNROLL
  for (int j = 0; j < K; j++) {
    double vj = v[j];
    const double *Aj = A + (size_t)j * K;
    URN_UNROLL
    for (int k = 0; k < K; k++) pred[k] += vj * Aj[k];
  }
}

/* One backward step of the scaled smoother: G = e_{t+1} beta_{t+1} scale
 * (elementwise; scale = 1/c_{t+1}, or 1 when e already holds e/c), then
 * beta_t = A G and, when acc is not NULL, acc += f_t G^T (the transition
 * counts before their factor A).  G and nb are K-element scratch. */
static inline __attribute__((always_inline)) void urn__hmm_back_step(int K, const double *A, const double *e1,
                                                                     double scale, const double *f, double *beta,
                                                                     double *acc, double *G, double *nb) {
  URN_UNROLL
  for (int j = 0; j < K; j++) G[j] = e1[j] * beta[j] * scale;
  URN_UNROLL
  for (int i = 0; i < K; i++) {
    const double *Ai = A + (size_t)i * K;
    double s = 0.0;
    URN_UNROLL
    for (int j = 0; j < K; j++) s += Ai[j] * G[j];
    nb[i] = s;
  }
  if (acc)
    URN_UNROLL
    for (int i = 0; i < K; i++) {
      double fi = f[i];
      double *ai = acc + (size_t)i * K;
      URN_UNROLL
      for (int j = 0; j < K; j++) ai[j] += fi * G[j];
    }
  URN_UNROLL
  for (int k = 0; k < K; k++) beta[k] = nb[k];
}

/* Forward pass in place (see hmm_infer.c). */
double urn__hmm_forward(int K, size_t T, const double *pi, const double *A, double *E,
                        double *filt, double *c, double *predicted, size_t *bad_t);
/* Backward pass in place: filtered -> smoothed, optional expected transition counts. */
void urn__hmm_backward(int K, size_t T, const double *A, const double *E, double *gamma,
                       const double *c, double *trans_sum);
/* The backward pass adding 1-D Gaussian statistics (sum_w, sum_y, sum_yy) as it goes. */
void urn__hmm_backward_stats1(int K, size_t T, const double *A, const double *E, double *gamma, const double *c,
                              double *trans_sum, const double *y, double *sw, double *sy, double *syy);
int urn__hmm_draw_categorical(void *rng, const double *w, int K);

/* ---- kernels (hmm_kernels.c) ---- */
/* Each of the n rows of E (n x K) <- exp(row - max(row)); mx[t] gets the max
 * (a row of -inf becomes 0s with mx = -inf). */
void urn__hmm_shift_exp_rows(int K, size_t n, double *E, double *mx);
/* x[0..n) <- log(x[0..n)) for positive, finite, normal x (vectorized; 1-2 ulp). */
void urn__hmm_log_pos(size_t n, double *x);
/* Per-state constants of 1-D Gaussian emissions, LL = cst - half_prec (y - mu)^2
 * (kinds gaussian and diag with D = 1); an error for a variance that is not > 0. */
int urn__hmm_gauss1_terms(const urn_hmm_model *m, const urn_hmm_params *p, double *mu, double *half_prec,
                          double *cst, urn_error *err);
/* The fused E-step of one 1-D Gaussian sequence (K <= URN_HMM_STACK_K): F and H
 * are T x K scratch; trans (K x K) is set, initial/sw/sy/syy are added to.
 * Returns log p(y), -inf with *bad_t, or NaN when the general path must be used. */
double urn__hmm_estep_gauss1(int K, size_t T, const double *pi, const double *A, const double *y,
                             const double *mu, const double *hp, const double *cs, double *F, double *H,
                             double *trans, double *initial, double *sw, double *sy, double *syy, size_t *bad_t);
/* The same fused E-step for log-likelihoods linear in per-step features: L[t][k] = c[k] + a[k] u_t
 * (+ b[k] v_t unless v is NULL); the statistics su[k] += sum_t g u_t, sv[k] += sum_t g v_t (hmm_kernels.c). */
double urn__hmm_estep_linear(int K, size_t T, const double *pi, const double *A, const double *u, const double *v,
                             const double *a, const double *b, const double *c, double *F, double *H, double *trans,
                             double *initial, double *sw, double *su, double *sv, size_t *bad_t);
/* The same fused E-step for a categorical emission: L[t][k] = logp[k][y_t] (logp K x C), cnt[k][c] += g. */
double urn__hmm_estep_categorical(int K, int C, size_t T, const double *pi, const double *A, const double *y,
                                  const double *logp, double *F, double *H, double *trans, double *initial, double *sw,
                                  double *cnt, size_t *bad_t);
/* hmm_family.c: the features and coefficients of urn__hmm_estep_linear for a one-dimensional exponential,
 * gamma or beta model (returns 0), of urn__hmm_estep_gauss1 on u = log y for lognormal (2: a = means,
 * b = 0.5 / variances, c = constants), or 1 when the kind has no such form; f1, f2: T doubles of scratch for the
 * features (logs of y, once per step); *offset is added to the sequence's log-likelihood (lognormal: -sum log y).
 * An invalid parameter is an error (negative return, message in err). */
int urn__hmm_family_linear(const urn_hmm_model *m, const urn_hmm_params *p, const urn_hmm_seq *s, double *f1,
                           double *f2, const double **u, const double **v, double *a, double *b, double *c,
                           double *offset, urn_error *err);
/* hmm_marginal's two passes (K <= URN_HMM_STACK_K; A row-major, E = log_omega
 * T x K on entry, F and mx scratch): 0 with *logp and the gradients set, -1
 * when step *bad_t has probability 0, 1 when the general code must be used. */
int urn__hmm_marginal_fast(int K, size_t T, const double *A, const double *rho, double *E, double *F, double *mx,
                           double *logp, double *d_log_omega, double *d_Gamma, double *d_rho, size_t *bad_t);

/* ---- densities and variates the HMM priors need (dense linear algebra is
 * math/linalg.h, column-major; gamma and Poisson draws are math/dist.h's) ---- */
/* log multivariate gamma Gamma_D(a). */
double urn__lmgamma(int D, double a);
/* log Dirichlet density, with the 0-times-log-0 convention for a_i == 1. */
double urn__log_dirichlet(int K, const double *p, const double *a);
/* Dirichlet(a) draw (a vertex when every gamma draw underflows). */
void urn__rand_dirichlet(urn_rng *r, int K, const double *a, double *out);

/* ---- the logistic/categorical Newton M-step (hmm_glm.c) ---- */
/* The data-wide sums of the GLM and input-driven transition M-steps over processes that each hold part of the
 * data (mpi/mpi_hmm.c): sum(ctx, v, n) replaces v[0..n) by its sum over the processes, the same bits on every
 * one.  A NULL reducer: one process holds all the data. */
typedef struct urn__hmm_reducer {
  void (*sum)(void *ctx, double *v, size_t n); /* the in-place sum over processes */
  void *ctx;                                    /* passed to sum */
} urn__hmm_reducer;
/* urn_hmm_m_step with the GLM and transition M-steps' sums over processes (red may be NULL). */
int urn__hmm_m_step_r(const urn_hmm_model *m, const urn_hmm_stats *st, const urn_hmm_seq *seqs, size_t nseq,
                      urn_hmm_params *p, int iteration, const urn__hmm_reducer *red, urn_error *err);
/* Flat directions of the pooled design [x, 1] over the batch (and red's processes): N ((M+1) x r,
 * row-major, orthonormal columns); returns r.  N must hold (M+1)^2 doubles. */
int urn__flat_directions(int M, const urn_hmm_seq *seqs, size_t nseq, const urn__hmm_reducer *red, double *N);
/* One state's Newton solve (spec B.7).  theta (M+1 logreg, C*(M+1) catreg) is
 * the start and the result; gam the pooled posterior weights of that state
 * (stride K).  Returns 0, or 1 with a warning text in warn when it did not
 * converge cleanly. */
int urn__newton_state(const urn_hmm_model *m, const urn_hmm_seq *seqs, size_t nseq,
                      const double *gam, int stride, const double *N, int r, double *theta,
                      const urn__hmm_reducer *red, char *warn, size_t warn_cap);

/* ---- input-driven transitions (hmm_trans.c) ---- */
/* Forward-backward of one sequence with its per-step matrices: E holds LL on
 * entry; gamma (T x K) gets the smoothed probabilities, c (T) the normalisers,
 * trans_sum (K x K) the summed expected counts, xi (T x K x K, may be NULL)
 * each step's.  Returns log p(y), or -inf with *bad_t. */
double urn__hmm_trans_fb(const urn_hmm_model *m, const urn_hmm_params *p, const urn_hmm_seq *s, double *E,
                         double *gamma, double *c, double *trans_sum, double *xi, size_t *bad_t);
/* The transition M-step (frozen is the caller's test); sets transition_matrix to the u = 0 matrix.  red (may be
 * NULL: one process) sums each Newton pass's objective, gradients and Hessians over processes (mpi/mpi_hmm.c). */
int urn__hmm_trans_m_step(const urn_hmm_model *m, const urn_hmm_stats *st, const urn_hmm_seq *seqs, size_t nseq,
                          urn_hmm_params *p, int iteration, const urn__hmm_reducer *red, urn_error *err);
/* transition_matrix <- softmax of each bias row (the matrix at u = 0). */
void urn__hmm_trans_baseline(const urn_hmm_model *m, urn_hmm_params *p);
/* The Gaussian log prior of the transition weights and biases (0 under maximum likelihood). */
double urn__hmm_trans_log_prior(const urn_hmm_model *m, const urn_hmm_params *p);
/* The families without inputs beyond Gaussian and Poisson (hmm_family.c): exponential,
 * gamma, lognormal, beta, categorical, student. */
int urn__hmm_is_family(urn_hmm_kind k);
/* Statistics per state and dimension in sum_t (categorical: C per state), and sum_t's length. */
#define URN__HMM_NSUM 9 /* the summable fields of urn_hmm_stats */
/* Those fields of st (NULL where the model has none) and their lengths, in a fixed order (hmm_em.c). */
void urn__hmm_stats_fields(const urn_hmm_model *m, const urn_hmm_stats *st, double **f, size_t *n);
int urn__hmm_family_nstats(const urn_hmm_model *m);
size_t urn__hmm_family_stats_len(const urn_hmm_model *m);
/* NULL when y is a valid emission value, else what it must be ("must be > 0"). */
const char *urn__hmm_family_bad_value(const urn_hmm_model *m, double y);
int urn__hmm_family_logliks(const urn_hmm_model *m, const urn_hmm_params *p, const urn_hmm_seq *s, double *LL,
                            urn_error *err);
/* Adds T time steps (ys: T x D values, gs: T x K weights) to st->sum_t; p gives the Student-t
 * scale weights and the mixture responsibilities (NULL, a hard partition: weights 1, and every
 * point in component 0 — urn__hmm_family_spread then places the components). */
void urn__hmm_family_accumulate(const urn_hmm_model *m, const urn_hmm_params *p, size_t T, const double *ys,
                                const double *gs, urn_hmm_stats *st);
/* hmm_linreg.c: the linreg M-step with shared coefficients (m->shared_coef) or a shared covariance: the
 * states' weighted least squares solved jointly, then the covariances (an ECM step; monotone). */
int urn__hmm_linreg_joint_m_step(const urn_hmm_model *m, const urn_hmm_stats *st, urn_hmm_params *p, int iteration,
                                 urn_error *err);

/* gmm after a hard partition's M-step: component c of state k at mu_k0 + s_k0 (2c/(C-1) - 1),
 * scale s_k0, weight 1/C. */
void urn__hmm_family_spread(const urn_hmm_model *m, urn_hmm_params *p);
int urn__hmm_family_m_step(const urn_hmm_model *m, const urn_hmm_stats *st, urn_hmm_params *p, int iteration,
                           urn_error *err);
double urn__hmm_family_log_prior(const urn_hmm_model *m, const urn_hmm_params *p);
void urn__hmm_family_draw(const urn_hmm_model *m, const urn_hmm_params *p, int z, urn_rng *r, double *y);
/* E[y_d | z = k] (categorical: the expected class code; student: NaN when nu <= 1). */
double urn__hmm_family_mean(const urn_hmm_model *m, const urn_hmm_params *p, int k, int d);
int urn__hmm_family_num_params(const urn_hmm_model *m);
/* Emission values (n, in place) on the scale k-means clusters them: log y for the
 * positive families, logit y for beta, y otherwise. */
void urn__hmm_family_cluster_scale(const urn_hmm_model *m, double *X, size_t n);

/* Standard errors from the observed information (hmm_se.c, the one numerical Hessian of the HMM fits): minus the
 * Hessian of ll(ctx, theta) at the unconstrained theta (P values; ll NaN when it cannot be evaluated) by central
 * differences, inverted, carried to the N natural parameters natural(ctx, theta, out) by the delta method (J Cov J^T,
 * J by central differences); se gets them.  An error naming who when the information is not positive definite. */
int urn__hmm_se_core(size_t P, size_t N, const double *theta, double (*ll)(void *ctx, const double *theta),
                     void (*natural)(void *ctx, const double *theta, double *out), void *ctx, double *se,
                     const char *who, urn_error *err);

/* One probability row of length K <-> its log-ratios to the largest entry of b (the fitted row) at theta[n]; b's
 * entries at most 1e-8 are on the boundary and stay fixed (standard error 0).  Pack (unpack 0) writes theta from row
 * (theta NULL: only counts), unpack writes row from theta.  Returns n advanced past the row's entries (hmm_se.c). */
size_t urn__hmm_se_row(const double *b, double *row, int K, double *theta, size_t n, int unpack);

#endif
