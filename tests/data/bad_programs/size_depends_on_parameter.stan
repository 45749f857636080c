data {
  int N;
}
parameters {
  vector[N] theta;
}
transformed parameters {
  vector[num_elements(theta)] v = theta;
}
model {
  vector[num_elements(theta)] w = theta;
  theta ~ normal(0, 1);
}
generated quantities {
  int k = poisson_rng(3);
  array[k] real z;
  matrix[N, k] m;
}

// expect: 8:10: the size of 'v' must depend only on data and transformed data (the sizes of transformed parameters variables are fixed before sampling; only local variables may be sized otherwise)
// expect: 16:9: the size of 'z' must depend only on data and transformed data (the sizes of generated quantities variables are fixed before sampling; only local variables may be sized otherwise)
// expect: 17:13: the size of 'm' must depend only on data and transformed data (the sizes of generated quantities variables are fixed before sampling; only local variables may be sized otherwise)
