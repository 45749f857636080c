// A user-defined likelihood named with the old _log suffix and used
// with ~, and a continuous one with its _cdf_log for truncation
functions {
  real bern_logit_sum_log(int[] y, vector eta) {
    real lp;
    lp <- 0;
    for (n in 1:num_elements(y))
      lp <- lp + (y[n] == 1 ? log_inv_logit(eta[n]) : log1m_inv_logit(eta[n]));
    return lp;
  }
  real laplace2_log(real x, real m, real s) {
    return -log(2 * s) - fabs(x - m) / s;
  }
  real laplace2_cdf_log(real x, real m, real s) {
    if (x < m)
      return log(0.5) + (x - m) / s;
    return log1m(0.5 * exp(-(x - m) / s));
  }
}
data {
  int<lower=0> N;
  int<lower=0,upper=1> y[N];
  vector[N] x;
}
parameters {
  real a;
  real<upper=3> b;
}
model {
  a ~ laplace2(0, 2);
  b ~ laplace2(0, 1) T[,3];
  y ~ bern_logit_sum(a + b * x);
}
