// The tutorial's PyMC mixture (pm.Dirichlet weights, two unit-scale normal components) in Stan.
data {
  int<lower=0> N;
  vector[N] y;
}
parameters {
  simplex[2] w;
  real mu1;
  real mu2;
}
model {
  w ~ dirichlet([1, 1]');
  mu1 ~ normal(0, 1);
  mu2 ~ normal(0, 1);
  for (n in 1:N)
    target += log_mix(w[1], normal_lpdf(y[n] | mu1, 1), normal_lpdf(y[n] | mu2, 1));
}
