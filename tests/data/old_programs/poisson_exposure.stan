# Poisson regression with an exposure term; the density of the
# log-rate parameterization was called poisson_log_log
data {
  int<lower=0> N;
  int<lower=0> y[N];
  vector[N] x;
  vector<lower=0>[N] exposure;
}
transformed data {
  vector[N] log_expo;
  real c;
  for (n in 1:N)
    log_expo[n] <- log(exposure[n]);
  c <- multiply_log(2.0, 3.0);
}
parameters {
  real a;
  real b;
}
model {
  a ~ normal(0, 5);
  b ~ normal(0, 5);
  increment_log_prob(poisson_log_log(y, a + b * x + log_expo));
  increment_log_prob(-c * 0.0);
}
