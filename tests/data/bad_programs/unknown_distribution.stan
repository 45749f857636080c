parameters {
  real mu;
}
model {
  mu ~ nromal(0, 1);
}

// expect: 5:8: unknown distribution 'nromal' (did you mean 'normal'?)
