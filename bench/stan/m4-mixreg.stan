// Stan 2.21 syntax copy of ../shared/benchmarks (old array syntax) for make bench-stan (rstan 2.21).
// M4 (identified variant): as m4.stan but with ordered slopes, w[1] < w[2].
data {
  int<lower=1> N;
  int<lower=1> K;
  vector[N] x;
  vector[N] y;
}
parameters {
  simplex[K] pi;
  ordered[K] w;
  vector[K] c;
  vector<lower=0>[K] sigma;
}
model {
  vector[K] log_pi = log(pi);
  pi ~ dirichlet(rep_vector(1, K));
  w ~ normal(0, 1);
  c ~ normal(0, 1);
  sigma ~ normal(0, 1);
  for (n in 1:N) {
    vector[K] lps;
    for (k in 1:K)
      lps[k] = log_pi[k] + normal_lpdf(y[n] | x[n] * w[k] + c[k], sigma[k]);
    target += log_sum_exp(lps);
  }
}
