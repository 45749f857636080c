// Stan 2.21 syntax copy of ../shared/benchmarks (old array syntax) for make bench-stan (rstan 2.21).
// M3 (identified variant): as m3.stan but with ordered means, mu[1] < mu[2].
data {
  int<lower=1> N;
  vector[N] y;
}
parameters {
  simplex[2] w;
  ordered[2] mu;
}
model {
  w ~ dirichlet(rep_vector(1, 2));
  mu ~ normal(0, 1);
  for (n in 1:N)
    target += log_mix(w[1], normal_lpdf(y[n] | mu[1], 1), normal_lpdf(y[n] | mu[2], 1));
}
