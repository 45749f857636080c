data { int N; vector[N] y; }
parameters { real mu; real<lower=0> s; }
model { y ~ normal(mu, s); }
