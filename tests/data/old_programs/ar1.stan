// AR(1) model, with the log density read back through get_lp()
data {
  int<lower=0> N;
  vector[N] y;
}
parameters {
  real alpha;
  real beta;
  real<lower=0> sigma;
}
model {
  real lp_before;
  for (n in 2:N)
    y[n] ~ normal(alpha + beta * y[n-1], sigma);
  lp_before <- get_lp();
  if (lp_before > 1e300)
    increment_log_prob(-lp_before);
}
