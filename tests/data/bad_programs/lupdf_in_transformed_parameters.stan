parameters {
  real mu;
}
transformed parameters {
  real lp = normal_lupdf(mu | 0, 1);
}

// expect: 5:13: normal_lupdf: unnormalized densities (_lupdf/_lupmf) are only allowed in the model block and in functions ending in _lpdf or _lpmf; use the _lpdf/_lpmf form
