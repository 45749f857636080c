data {
  int N;
  vector[N] upper;
}

// expect: 3:13: 'upper' is a reserved word and cannot be used as a variable name
