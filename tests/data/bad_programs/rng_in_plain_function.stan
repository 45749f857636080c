functions {
  real noisy(real x) {
    return x + normal_rng(0, 1);
  }
}

// expect: 3:16: normal_rng: random number generators are only allowed in transformed data, generated quantities and functions ending in _rng
