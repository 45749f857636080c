data {
  real x;
}
transformed data {
  real y = x(1);
}

// expect: 5:12: 'x' is a variable here (declared at line 2), not a function
