// Stan 2.21 syntax copy of ../shared/benchmarks (old array syntax) for make bench-stan (rstan 2.21).
data {
int<lower=0> N; // Number of data points
real y[N]; // Data
}
parameters {
real mu; // Mean
real<lower=0> sigma; // Standard deviation
}
model {
// Priors
mu ~ normal(0, 1);
sigma ~ normal(0, 1);
// Likelihood
y ~ normal(mu, sigma);
}
