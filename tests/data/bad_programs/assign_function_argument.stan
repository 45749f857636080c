functions {
  real f(real x) {
    x = 2;
    return x;
  }
}

// expect: 3:5: cannot assign to 'x': it is a function argument
