data {
  int N;
  real N;
}

// expect: 3:8: 'N' is already declared (at line 2, column 7)
