functions {
  real f(real x) {
    return;
  }
}

// expect: 3:5: function 'f' must return a value of type real
