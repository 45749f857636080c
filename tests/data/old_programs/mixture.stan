// Two-component normal mixture, marginalized by hand with the
// _log density functions of Stan 2.x
data {
  int<lower=1> N;
  real y[N];
}
parameters {
  real<lower=0,upper=1> theta;
  ordered[2] mu;
  real<lower=0> sigma[2];
}
model {
  sigma ~ lognormal(0, 2);
  mu ~ normal(0, 10);
  for (n in 1:N)
    increment_log_prob(log_sum_exp(log(theta) + normal_log(y[n], mu[1], sigma[1]),
                                   log1m(theta) + normal_log(y[n], mu[2], sigma[2])));
}
