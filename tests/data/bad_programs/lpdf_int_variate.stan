functions {
  real foo_lpdf(int n, real mu) {
    return -mu;
  }
}

// expect: 2:21: the first argument of 'foo_lpdf' must be real-valued (a _lpdf is a density); use _lpmf for an int variate
