// mixture.stan in current Stan, written independently (the reference for its log density)
data {
  int<lower=1> N;
  array[N] real y;
}
parameters {
  real<lower=0, upper=1> theta;
  ordered[2] mu;
  array[2] real<lower=0> sigma;
}
model {
  sigma ~ lognormal(0, 2);
  mu ~ normal(0, 10);
  for (n in 1:N) {
    target += log_mix(theta, normal_lpdf(y[n] | mu[1], sigma[1]), normal_lpdf(y[n] | mu[2], sigma[2]));
  }
}
