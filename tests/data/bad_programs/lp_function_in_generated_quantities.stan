functions {
  void add_lp(real x) {
    target += x;
  }
}
parameters {
  real mu;
}
generated quantities {
  add_lp(mu);
}

// expect: 10:3: add_lp: functions ending in _lp are only allowed in the model block, transformed parameters and functions ending in _lp
