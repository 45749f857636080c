transformed data {
  real c = 1;
}
parameters {
  real mu;
}
model {
  c = mu;
}

// expect: 8:3: cannot assign to 'c': it is declared in the transformed data block and can only be assigned there
