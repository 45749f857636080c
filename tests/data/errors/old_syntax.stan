data {
  int N;
  real y[N];  # heights
}
parameters {
  real mu;
}
model {
  increment_log_prob(normal_log(y, mu, 1));
}
