// Probit regression through Phi, plus checks of the CDF written
// without '|' and the _ccdf_log suffix of a discrete family
data {
  int<lower=0> N;
  int<lower=0,upper=1> y[N];
  vector[N] x;
  int<lower=0> k;
}
parameters {
  real a;
  real b;
  real<lower=0> lambda;
}
model {
  vector[N] p;
  for (n in 1:N) p[n] <- Phi(a + b * x[n]);
  a ~ normal(0, 2);
  b ~ normal(0, 2);
  lambda ~ exponential(1);
  y ~ bernoulli(p);
  increment_log_prob(log(normal_cdf(1.5, a, 1)) + poisson_ccdf_log(k, lambda));
}
