parameters {
  real mu;
}
model {
  mu ~ normal_lpdf(0, 1);
}

// expect: 5:8: '~' takes the family name without a suffix: write '~ normal(...)'
