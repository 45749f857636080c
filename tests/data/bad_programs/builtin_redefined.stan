functions {
  real log(real x) {
    return x;
  }
}

// expect: 2:8: 'log' is a built-in function and cannot be redefined
