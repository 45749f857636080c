parameters {
  real mu;
}
model {
  target += fmax(mu | 1);
}

// expect: 5:13: '|' is only used with density and CDF functions (_lpdf, _lpmf, _lupdf, _lupmf, _lcdf, _lccdf, _cdf), not with fmax
