functions {
  real f(real x) {
    if (x > 0) return x;
  }
}

// expect: 2:8: function 'f' may reach the end of its body without returning a value
