data {
  int<lower=0.5> n;
}

// expect: 2:13: the lower bound of int 'n' must be an int, not real
