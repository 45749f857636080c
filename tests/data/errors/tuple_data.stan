data { tuple(int, array[2] real) d; }
parameters { real mu; }
model { mu ~ normal(0, 1); }
