parameters {
  real mu;
}
transformed parameters {
  real m2 = 2 * mu;
}
model {
  m2 = 0;
}

// expect: 8:3: cannot assign to 'm2': it is declared in the transformed parameters block and can only be assigned there
