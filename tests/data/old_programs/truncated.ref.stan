// truncated.stan in current Stan, written independently
data {
  int<lower=0> N_obs;
  int<lower=0> N_cens;
  array[N_obs] real<upper=5> y_obs;
  real U;
}
parameters {
  real mu;
  real<lower=0> sigma;
}
model {
  mu ~ normal(0, 10);
  sigma ~ normal(0, 5);
  for (n in 1:N_obs) {
    y_obs[n] ~ normal(mu, sigma) T[, U];
  }
  target += N_cens * normal_lccdf(U | mu, sigma) + normal_lcdf(-3 | mu, sigma);
}
generated quantities {
  real p_below = normal_cdf(0 | mu, sigma);
}
