functions {
  real mine_lpdf(real y, real mu) {
    return normal_lpdf(y | mu, 1);
  }
}
data {
  real y;
}
parameters {
  real mu;
}
model {
  y ~ mine(mu) T[0, 5];
}

// expect: 13:18: truncation of the user-defined mine needs a function mine_lcdf(real | ...) with the same arguments
// expect: 13:21: truncation of the user-defined mine needs a function mine_lcdf(real | ...) with the same arguments
