transformed data {
  real r = 7.5 % 2;
}

// expect: 2:16: operator % is not defined for real and int (it needs two ints)
