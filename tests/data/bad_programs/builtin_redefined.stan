functions {
  real log(real x) {
    return x;
  }
}

// expect: 2:8: 'log' is a built-in function with this signature already (returning real); a user function may only overload it with different argument types
