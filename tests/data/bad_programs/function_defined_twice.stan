functions {
  real f(real x) {
    return x;
  }
  real f(real y) {
    return y;
  }
}

// expect: 5:8: function 'f' is defined twice (first at line 2)
