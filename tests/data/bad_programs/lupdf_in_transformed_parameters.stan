parameters {
  real mu;
}
transformed parameters {
  real lp = normal_lupdf(mu | 0, 1);
}

// expect: 5:13: normal_lupdf: _lupdf/_lupmf functions are only allowed in the model block and in functions ending in _lpdf, _lpmf or _lp; use the _lpdf/_lpmf form
