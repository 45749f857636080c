transformed data {
  int n;
  n = 2.5;
}

// expect: 3:3: cannot assign a value of type real to 'n' of type int
