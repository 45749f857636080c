/* Mortality in hospitals (BUGS "surgical"), random effects on the
   logit scale, likelihood added by hand as in older Stan code. */
data {
  int<lower=0> N;
  int r[N];
  int n[N];
}
parameters {
  real mu;
  real<lower=0> sigmasq;
  vector[N] b;
}
transformed parameters {
  real<lower=0> sigma;
  vector<lower=0,upper=1>[N] p;
  sigma <- sqrt(sigmasq);
  for (i in 1:N)
    p[i] <- inv_logit(b[i]);
}
model {
  mu ~ normal(0.0, 1000.0);
  sigmasq ~ inv_gamma(0.001, 0.001);
  b ~ normal(mu, sigma);
  increment_log_prob(binomial_log(r, n, p));
}
generated quantities {
  real pop_mean;
  pop_mean <- inv_logit(mu);
}
