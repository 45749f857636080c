/* hmm/hmm_internal.h — what the HMM source files share and the public header
 * does not promise: the in-place forward/backward passes the E-step fuses, small
 * dense linear algebra (row-major, n <= a few dozen), and random variates for
 * initialization and sampling. */
#ifndef URN_HMM_INTERNAL_H
#define URN_HMM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "math/rng.h"
#include "urn/hmm.h"

/* Up to this many states the passes keep their small vectors on the stack. */
#define URN_HMM_STACK_K 64

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
/* x[0..n) <- exp(x) for x <= 0, vectorized (1 ulp; x < -708 and NaN give 0). */
void urn__hmm_exp_neg(size_t n, double *x);
/* Each of the n rows of E (n x K) <- exp(row - max(row)); mx[t] gets the max
 * (a row of -inf becomes 0s with mx = -inf). */
void urn__hmm_shift_exp_rows(int K, size_t n, double *E, double *mx);
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
/* hmm_marginal's two passes (K <= URN_HMM_STACK_K; A row-major, E = log_omega
 * T x K on entry, F and mx scratch): 0 with *logp and the gradients set, -1
 * when step *bad_t has probability 0, 1 when the general code must be used. */
int urn__hmm_marginal_fast(int K, size_t T, const double *A, const double *rho, double *E, double *F, double *mx,
                           double *logp, double *d_log_omega, double *d_Gamma, double *d_rho, size_t *bad_t);

/* ---- linear algebra, row-major n x n ---- */
/* Lower Cholesky factor L of symmetric A (only the lower triangle is read).
 * Returns 0, or -1 when a pivot is not > rel_tol * max diagonal (not positive definite). */
int urn__chol(int n, const double *A, double *L, double rel_tol);
/* Solves L L^T x = b in place. */
void urn__chol_solve(int n, const double *L, double *b);
/* Solves L z = b in place (forward substitution). */
void urn__tri_lower_solve(int n, const double *L, double *b);
/* 2 sum log L_ii */
double urn__chol_logdet(int n, const double *L);
/* Solves H x = g for symmetric H by Cholesky, adding tau I (tau = 1e-12 max|H_ii|,
 * growing tenfold) until it factorises.  Returns 0 or -1 if it never does. */
int urn__pd_solve(int n, const double *H, const double *g, double *x, double *work);
/* Eigen-decomposition of a symmetric matrix by cyclic Jacobi: eigenvalues in w,
 * eigenvectors in the columns of V (row-major). */
void urn__sym_eigen(int n, const double *A, double *w, double *V);
/* log multivariate gamma Gamma_D(a) and lgamma (thread-safe). */
double urn__lgamma(double x);
double urn__lmgamma(int D, double a);
/* log Dirichlet density, with the 0-times-log-0 convention for a_i == 1. */
double urn__log_dirichlet(int K, const double *p, const double *a);

/* ---- random variates ---- */
double urn__rand_gamma(urn_rng *r, double shape); /* Gamma(shape, 1) */
void urn__rand_dirichlet(urn_rng *r, int K, const double *a, double *out);
double urn__rand_poisson(urn_rng *r, double lambda);

/* ---- the logistic/categorical Newton M-step (hmm_glm.c) ---- */
/* Flat directions of the pooled design [x, 1] over the batch: N ((M+1) x r,
 * row-major, orthonormal columns); returns r.  N must hold (M+1)^2 doubles. */
int urn__flat_directions(int M, const urn_hmm_seq *seqs, size_t nseq, double *N);
/* One state's Newton solve (spec B.7).  theta (M+1 logreg, C*(M+1) catreg) is
 * the start and the result; gam the pooled posterior weights of that state
 * (stride K).  Returns 0, or 1 with a warning text in warn when it did not
 * converge cleanly. */
int urn__newton_state(const urn_hmm_model *m, const urn_hmm_seq *seqs, size_t nseq,
                      const double *gam, int stride, const double *N, int r, double *theta,
                      char *warn, size_t warn_cap);

#endif
