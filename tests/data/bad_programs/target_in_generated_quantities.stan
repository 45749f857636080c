parameters {
  real mu;
}
generated quantities {
  target += mu;
}

// expect: 5:3: target += is only allowed in the model block and in functions ending in _lp
