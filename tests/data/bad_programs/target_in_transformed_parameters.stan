parameters {
  real mu;
}
transformed parameters {
  real m = mu;
  target += -m;
}

// expect: 6:3: target += is only allowed in the model block and in functions ending in _lp
