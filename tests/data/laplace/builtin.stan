// the built-in likelihoods: several observations per latent value (y_index), offsets m and eta parameters
functions {
  matrix Kf(array[] real x, real alpha, real rho) {
    int n = size(x);
    matrix[n, n] K = gp_exp_quad_cov(x, alpha, rho);
    for (i in 1:n) K[i, i] += 0.1;
    return K;
  }
}
data { int n; int nobs; array[nobs] int y; array[nobs] int b; array[nobs] int g; array[n] real x; int which; }
parameters { real<lower=0> alpha; real<lower=0> rho; vector[n] m; real<lower=0> eta; }
model {
  if (which == 1) target += laplace_marginal_poisson_log_lpmf(y | g, m, 1, Kf, (x, alpha, rho));
  if (which == 2) target += laplace_marginal_bernoulli_logit_lpmf(b | g, m, 1, Kf, (x, alpha, rho));
  if (which == 3) target += laplace_marginal_neg_binomial_2_log_lpmf(y | g, eta, m, 1, Kf, (x, alpha, rho));
  if (which == 4) target += laplace_marginal_tol_neg_binomial_2_log_lpmf(y | g, eta, m, 1, Kf, (x, alpha, rho),
                                (rep_vector(0.5, n), 1e-12, 100, 1, 20, 1));
  if (which == 5) y ~ laplace_marginal_tol_poisson_log(g, m, 1, Kf, (x, alpha, rho), generate_laplace_options(n));
}
