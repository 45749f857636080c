parameters {
  real mu;
}
model {
  matrix[2, 2] m;
  target += log(m) + mu;
}

// expect: 6:13: no signature of log matches the arguments (matrix); available: ...
