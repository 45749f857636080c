functions {
  real f(real x);
}

// expect: 2:8: function 'f' is declared but never defined
