// a Gaussian likelihood with a dense design (full Hessian block): the Laplace approximation is exact
functions {
  real ll(vector theta, vector y, matrix A, real sigma) { return normal_lpdf(y | A * theta, sigma); }
  matrix Kf(array[] real x, real alpha, real rho) {
    int n = size(x);
    matrix[n, n] K = gp_exp_quad_cov(x, alpha, rho);
    for (i in 1:n) K[i, i] += 0.1;
    return K;
  }
}
data { int n; int ny; vector[ny] yr; matrix[ny, n] A; array[n] real x; int exact; }
parameters { real<lower=0> alpha; real<lower=0> rho; real<lower=0> sigma; }
model {
  if (exact) target += multi_normal_lpdf(yr | rep_vector(0, ny), A * Kf(x, alpha, rho) * A' + sigma^2 * identity_matrix(ny));
  else target += laplace_marginal(ll, (yr, A, sigma), n, Kf, (x, alpha, rho));
}
