// Varying-intercept, varying-slope regression with the group
// coefficients as an array of vectors (old declarations everywhere)
functions {
  real[] linpred(vector[] beta, int[] g, vector x) {
    real out[num_elements(g)];
    for (n in 1:num_elements(g))
      out[n] <- beta[g[n], 1] + beta[g[n], 2] * x[n];
    return out;
  }
}
data {
  int<lower=1> N;
  int<lower=1> J;
  int<lower=1,upper=J> g[N];
  vector[N] x;
  real y[N];
}
parameters {
  vector[2] mu_beta;
  vector[2] beta[J];
  cholesky_factor_corr[2] L;
  vector<lower=0>[2] tau;
  real<lower=0> sigma;
}
model {
  matrix[2,2] L_Sigma;
  L_Sigma <- diag_pre_multiply(tau, L);
  mu_beta ~ normal(0, 5);
  tau ~ cauchy(0, 2.5);
  L ~ lkj_corr_cholesky(2);
  for (j in 1:J)
    beta[j] ~ multi_normal_cholesky(mu_beta, L_Sigma);
  sigma ~ normal(0, 1);
  y ~ normal(linpred(beta, g, x), sigma);
}
