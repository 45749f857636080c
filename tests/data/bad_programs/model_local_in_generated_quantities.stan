parameters {
  real mu;
}
model {
  real m = 2 * mu;
  mu ~ normal(0, 1);
}
generated quantities {
  real m2 = m;
}

// expect: 9:13: unknown variable 'm' (did you mean 'mu'?)
