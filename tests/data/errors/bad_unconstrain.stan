transformed data { vector[2] s = simplex_unconstrain([0.5, 0.6]'); }
parameters { real mu; }
model { mu ~ normal(0, 1); }
