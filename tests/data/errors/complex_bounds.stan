data { complex<lower=0> z; }
parameters { real mu; }
model { mu ~ normal(0, 1); }
