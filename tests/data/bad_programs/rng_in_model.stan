parameters {
  real mu;
}
model {
  real z = normal_rng(0, 1);
  mu ~ normal(z, 1);
}

// expect: 5:12: normal_rng: random number generators are only allowed in transformed data, generated quantities and functions ending in _rng
