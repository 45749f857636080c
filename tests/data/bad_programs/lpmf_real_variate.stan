functions {
  real foo_lpmf(real y, real mu) {
    return -mu;
  }
}

// expect: 2:22: the first argument of 'foo_lpmf' must be int-valued (a _lpmf is a mass function); use _lpdf for a real variate
