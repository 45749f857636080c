// bench/output/small.stan — a two-parameter model with one generated quantity (tests/cli/test_kill.sh's): draws
// come every few microseconds, so a system call per draw weighed a third of sampling (make bench-output).
data {
  int<lower=0> N;
  vector[N] y;
}
parameters {
  real mu;
  real<lower=0> sigma;
}
model {
  mu ~ normal(0, 10);
  sigma ~ normal(0, 5);
  y ~ normal(mu, sigma);
}
generated quantities {
  real y_rep = normal_rng(mu, sigma);
}
