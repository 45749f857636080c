// laplace_marginal with a user likelihood (a parameter among its arguments) and covariance function
functions {
  real ll(vector theta, array[] int y, vector m) { return poisson_log_lpmf(y | theta + m); }
  matrix Kf(array[] real x, real alpha, real rho) {
    int n = size(x);
    matrix[n, n] K = gp_exp_quad_cov(x, alpha, rho);
    for (i in 1:n) K[i, i] += 0.1;
    return K;
  }
}
data { int n; array[n] int y; array[n] real x; }
parameters { real<lower=0> alpha; real<lower=0> rho; vector[n] m; }
model { target += laplace_marginal(ll, (y, m), 1, Kf, (x, alpha, rho)); }
