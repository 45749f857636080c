parameters { real<lower=0> tiny; real<lower=0> huge; }
model { tiny ~ lognormal(log(1e-8), 0.5); huge ~ lognormal(log(1e8), 0.5); }
