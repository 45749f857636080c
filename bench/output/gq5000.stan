// bench/output/gq5000.stan — a cheap model with 5000 generated quantities (posterior predictive draws): the case
// where writing draws weighs most against sampling (make bench-output).
parameters {
  vector[10] mu;
  real<lower=0> sigma;
}
model {
  mu ~ normal(0, 1);
  sigma ~ lognormal(0, 1);
}
generated quantities {
  array[5000] real y_rep;
  for (n in 1:5000) y_rep[n] = normal_rng(mu[1 + n % 10], sigma);
}
