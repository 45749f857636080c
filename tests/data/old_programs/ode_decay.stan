// Two-compartment decay, solved with the Stan 2.x ODE interface
functions {
  real[] decay(real t, real[] y, real[] theta, real[] x_r, int[] x_i) {
    real dydt[2];
    dydt[1] <- -theta[1] * y[1];
    dydt[2] <- theta[1] * y[1] - theta[2] * y[2];
    return dydt;
  }
}
data {
  int<lower=1> T;
  real ts[T];
  real y0[2];
  real y_obs[T,2];
}
transformed data {
  real x_r[0];
  int x_i[0];
}
parameters {
  real<lower=0> theta[2];
  real<lower=0> sigma;
}
model {
  real y_hat[T,2];
  theta ~ lognormal(0, 1);
  sigma ~ cauchy(0, 1);
  y_hat <- integrate_ode(decay, y0, 0.0, ts, theta, x_r, x_i);
  for (t in 1:T)
    y_obs[t] ~ normal(y_hat[t], sigma);
}
