// schools.stan in current Stan, written independently
data {
  int<lower=0> J;
  array[J] real y;
  array[J] real<lower=0> sigma;
}
parameters {
  real mu;
  real<lower=0> tau;
  vector[J] eta;
}
model {
  eta ~ std_normal();
  y ~ normal(mu + tau * eta, sigma);
}
