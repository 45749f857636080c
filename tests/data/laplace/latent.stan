// laplace_latent_solve and laplace_latent_rng in transformed data: mode, Cholesky factor, draws' moments
functions {
  real ll(vector theta, array[] int y) { return bernoulli_logit_lpmf(y | theta); }
  matrix Kf(array[] real x, real alpha, real rho) {
    int n = size(x);
    matrix[n, n] K = gp_exp_quad_cov(x, alpha, rho);
    for (i in 1:n) K[i, i] += 0.1;
    return K;
  }
}
data { int n; array[n] int b; array[n] real x; int ndraw; }
transformed data {
  tuple(vector[n], matrix[n, n]) mc = laplace_latent_solve(ll, (b,), 1, Kf, (x, 1.3, 0.8));
  vector[n] mean_d = rep_vector(0, n);
  matrix[n, n] cov_d = rep_matrix(0, n, n);
  for (k in 1:ndraw) {
    vector[n] t = laplace_latent_bernoulli_logit_rng(b, linspaced_int_array(n, 1, n), rep_vector(0, n), 1, Kf, (x, 1.3, 0.8));
    mean_d += t / ndraw;
    cov_d += (t - mc.1) * (t - mc.1)' / ndraw;
  }
  print("mode ", mc.1);
  print("chol ", to_array_1d(mc.2));
  print("mean_draws ", mean_d);
  print("cov_draws ", to_array_1d(cov_d));
}
parameters { real z; }
model { z ~ std_normal(); }
