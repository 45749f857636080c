// user_density.stan in current Stan, written independently
functions {
  real laplace2_lpdf(real x, real m, real s) {
    return double_exponential_lpdf(x | m, s);
  }
  real laplace2_lcdf(real x, real m, real s) {
    return double_exponential_lcdf(x | m, s);
  }
}
data {
  int<lower=0> N;
  array[N] int<lower=0, upper=1> y;
  vector[N] x;
}
parameters {
  real a;
  real<upper=3> b;
}
model {
  a ~ laplace2(0, 2);
  b ~ laplace2(0, 1) T[, 3];
  target += bernoulli_logit_lpmf(y | a + b * x);
}
