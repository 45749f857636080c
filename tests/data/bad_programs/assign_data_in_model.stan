data {
  real y;
}
parameters {
  real mu;
}
model {
  y = 2;
  mu ~ normal(y, 1);
}

// expect: 8:3: cannot assign to 'y': it is data (declared in the data block)
