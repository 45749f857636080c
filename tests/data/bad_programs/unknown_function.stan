parameters {
  real mu;
}
model {
  target += lgoit(mu);
}

// expect: 5:13: unknown function 'lgoit' (did you mean 'logit'?)
