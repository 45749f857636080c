// Stan 2.21 syntax copy of ../shared/benchmarks (old array syntax) for make bench-stan (rstan 2.21).
data {
int<lower=0> N;
vector[N] x;
vector[N] y;
}
parameters {
real w;
real c;
real<lower=0> sigma;
}
model {
// Priors
w ~ normal(0, 1);
c ~ normal(0, 1);
sigma ~ normal(0, 1);
// Likelihood
y ~ normal( w * x + c, sigma);
}
