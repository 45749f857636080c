parameters { vector[2] theta; }
transformed parameters { vector[num_elements(theta)] v = theta; }
model { theta ~ normal(0, 1); }
