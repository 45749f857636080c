functions {
  real foo(real y) { return normal_lupdf(y | 0, 1); }
  void baz_lp(real y) { target += normal_lupdf(y | 0, 1); }
}
parameters {
  real y;
}

// (variables and arguments named *_lupdf / *_lupmf are the parser's errors: tests/test_parser.c)
// expect: 2:29: normal_lupdf: unnormalized densities (_lupdf/_lupmf) are only allowed in the model block and in functions ending in _lpdf or _lpmf; use the _lpdf/_lpmf form
// expect: 3:35: normal_lupdf: unnormalized densities (_lupdf/_lupmf) are only allowed in the model block and in functions ending in _lpdf or _lpmf; use the _lpdf/_lpmf form
