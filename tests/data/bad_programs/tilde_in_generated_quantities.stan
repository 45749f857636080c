parameters {
  real mu;
}
generated quantities {
  mu ~ normal(0, 1);
}

// expect: 5:6: '~' statements are only allowed in the model block and in functions ending in _lp
