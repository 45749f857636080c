// Gaussian-process regression with the exponentiated quadratic kernel,
// built with cov_exp_quad and a Cholesky factor
data {
  int<lower=1> N;
  real x[N];
  vector[N] y;
}
transformed data {
  vector[N] mu;
  for (i in 1:N) mu[i] <- 0;
}
parameters {
  real<lower=0> rho;
  real<lower=0> alpha;
  real<lower=0> sigma;
}
model {
  matrix[N,N] K;
  matrix[N,N] L_K;
  K <- cov_exp_quad(x, alpha, rho);
  for (n in 1:N)
    K[n,n] <- K[n,n] + square(sigma);
  L_K <- cholesky_decompose(K);
  rho ~ inv_gamma(5, 5);
  alpha ~ normal(0, 1);
  sigma ~ normal(0, 1);
  increment_log_prob(multi_normal_cholesky_log(y, mu, L_K));
}
