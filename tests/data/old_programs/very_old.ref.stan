// very_old.stan in current Stan, written independently
data {
  int<lower=0> N;
  array[N] int<lower=0> y;
}
parameters {
  real<lower=0> lambda;
}
model {
  target += gamma_lpdf(lambda | 2, 0.5) + poisson_lpmf(y | lambda);
}
