parameters {
  real mu;
}
model {
  mu = 0;
}

// expect: 5:3: cannot assign to 'mu': it is a parameter (declared in the parameters block)
