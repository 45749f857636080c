data {
  vector[3] b;
  real<lower=b> x;
}

// expect: 3:14: the lower bound of 'x' must be an int or real, not vector
