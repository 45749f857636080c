functions {
  real f(real x) {
    return 2 * x;
  }
}
transformed data {
  f(1.0);
}

// expect: 7:3: the value of f(...) is not used: only void functions can be called as statements
