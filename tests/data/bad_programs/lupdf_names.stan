functions {
  real foo(real bar_lupdf) { return bar_lupdf; }
  void baz_lp(real y) { target += normal_lupdf(y | 0, 1); }
}
parameters {
  real y_lupmf;
}

// expect: 2:17: 'bar_lupdf': only functions may have a name ending in _lupdf or _lupmf
// expect: 3:35: normal_lupdf: unnormalized densities (_lupdf/_lupmf) are only allowed in the model block and in functions ending in _lpdf or _lpmf; use the _lpdf/_lpmf form
// expect: 6:8: 'y_lupmf': only functions may have a name ending in _lupdf or _lupmf
