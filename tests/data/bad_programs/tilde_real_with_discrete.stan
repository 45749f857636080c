data {
  real y;
}
parameters {
  real<lower=0> lambda;
}
model {
  y ~ poisson(lambda);
}

// expect: 8:3: poisson is a discrete distribution: the left side of '~' must be int-valued, not real
