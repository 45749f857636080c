parameters {
  real mu;
}
model {
  mu ~ normal(m0, 1);
}

// expect: 5:15: unknown variable 'm0' (did you mean 'mu'?)
