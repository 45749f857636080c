functions {
  real f(real x) {
    return x;
  }
}
transformed data {
  real y = f + 1;
}

// expect: 7:12: 'f' is a function; call it with '(...)'
