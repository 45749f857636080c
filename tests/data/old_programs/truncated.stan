# Censored and truncated normal data, with the log CDFs written in the
# old forms, and fabs / binomial_coefficient_log in transformed data
data {
  int<lower=0> N_obs;
  int<lower=0> N_cens;
  real<upper=5> y_obs[N_obs];
  real U;
}
transformed data {
  real half_width;
  real lc;
  half_width <- fabs(-2.5);
  lc <- binomial_coefficient_log(6, 2);
}
parameters {
  real mu;
  real<lower=0> sigma;
}
model {
  mu ~ normal(0, half_width * 4);
  sigma ~ normal(0, 5);
  for (n in 1:N_obs)
    y_obs[n] ~ normal(mu, sigma) T[,U];
  increment_log_prob(N_cens * normal_ccdf_log(U, mu, sigma));
  increment_log_prob(normal_cdf_log(-3, mu, sigma) - lc * 0);
}
generated quantities {
  real p_below;
  p_below <- normal_cdf(0, mu, sigma);
}
