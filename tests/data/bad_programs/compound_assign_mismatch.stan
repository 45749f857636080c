transformed data {
  int n = 1;
  n += 0.5;
}

// expect: 3:3: the result of += has type real, which cannot be stored in 'n' of type int
