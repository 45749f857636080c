functions {
  real f(vector x) {
    return x;
  }
}

// expect: 3:12: function 'f' returns real, but this return value has type vector
