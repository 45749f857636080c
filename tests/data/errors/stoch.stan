data { column_stochastic_matrix[2, 2] P; }
parameters { real mu; }
model { mu ~ normal(0, 1); }
