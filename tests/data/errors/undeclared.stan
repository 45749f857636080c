parameters { real x; }
model { y ~ normal(0,1); }
