# Eight schools, non-centered, written as in Stan 2.1x examples
data {
  int<lower=0> J;          # number of schools
  real y[J];               # estimated treatment effects
  real<lower=0> sigma[J];  # s.e. of effect estimates
}
parameters {
  real mu;
  real<lower=0> tau;
  real eta[J];
}
transformed parameters {
  real theta[J];
  for (j in 1:J)
    theta[j] <- mu + tau * eta[j];
}
model {
  eta ~ normal(0, 1);
  y ~ normal(theta, sigma);
}
