parameters { real tiny; real huge; }
model { tiny ~ normal(1e-8, 1e-9); huge ~ normal(1e8, 1e7); }
