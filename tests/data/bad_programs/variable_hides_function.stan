functions {
  real gen(real f) { return 1; }
}
generated quantities {
  real gen = gen(1);
}

// expect: 5:14: 'gen' is a variable here (declared at line 5), not a function
