generated quantities {
  real t = target();
}

// expect: 2:12: target() is only allowed in the model block, transformed parameters and functions ending in _lp
