# The oldest style: the lp__ variable, and a mass function called with _log
data {
  int<lower=0> N;
  int<lower=0> y[N];
}
parameters {
  real<lower=0> lambda;
}
model {
  lp__ <- lp__ + gamma_log(lambda, 2, 0.5);
  lp__ <- lp__ + poisson_log(y, lambda);
}
