parameters {
  real mu;
}
transformed parameters {
  real z = mu + normal_rng(0, 1);
}

// expect: 5:17: normal_rng: random number generators are only allowed in transformed data, generated quantities and functions ending in _rng
