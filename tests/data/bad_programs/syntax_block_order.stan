parameters {
  real mu;
}
data {
  int N;
}

// expect: 4:1: the data block must come before the parameters block
