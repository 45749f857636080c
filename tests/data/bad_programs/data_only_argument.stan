functions {
  real scale(data real s, real x) {
    return s * x;
  }
}
parameters {
  real mu;
}
model {
  target += scale(mu, 2);
}

// expect: 10:19: argument 1 of scale must be data-only (declared 'data'), but it depends on parameters
