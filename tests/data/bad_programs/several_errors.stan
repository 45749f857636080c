data {
  int N;
}
parameters {
  real mu;
}
model {
  N = 3;
  mu ~ normal(mu0, 1);
  break;
}

// expect: 8:3: cannot assign to 'N': it is data (declared in the data block)
// expect: 9:15: unknown variable 'mu0' (did you mean 'mu'?)
// expect: 10:3: 'break' is only allowed inside a loop
