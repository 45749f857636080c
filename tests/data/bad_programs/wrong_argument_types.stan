parameters {
  real mu;
}
model {
  matrix[2, 2] m;
  target += sum(rep_vector(mu, m));
}

// expect: 6:17: no signature of rep_vector matches the arguments (real, matrix); available: ...
