data {
  int N;
}
model {
  for (i in 1:N) {
    real N = 2;
  }
}

// expect: 6:10: 'N' is already declared (at line 2, column 7)
