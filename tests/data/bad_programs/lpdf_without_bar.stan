parameters {
  real mu;
}
model {
  target += normal_lpdf(mu, 0, 1);
}

// expect: 5:13: normal_lpdf needs '|' after its first argument: normal_lpdf(y | ...)
