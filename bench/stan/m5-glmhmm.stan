// Stan 2.21 syntax copy of ../shared/benchmarks (old array syntax) for make bench-stan (rstan 2.21).
// Bayesian GLM-HMM (the tutorial's switching linear regression), K states, S sequences of length T.
// Emission: y[s,t] | z = k ~ normal(w[k] * x[s,t] + b[k], sigma[k]); states identified by ordered slopes.
// Hidden states marginalized with the forward algorithm written out in log space (as Stan 2.21 had to).
data {
  int<lower=1> K;
  int<lower=1> S;
  int<lower=1> T;
  real x[S, T];
  real y[S, T];
}
parameters {
  simplex[K] p0;
  simplex[K] A[K];
  ordered[K] w;
  vector[K] b;
  vector<lower=0>[K] sigma;
}
model {
  vector[K] log_p0 = log(p0);
  matrix[K, K] logA;
  for (j in 1:K)
    logA[j] = log(A[j])';
  p0 ~ dirichlet(rep_vector(1, K));
  for (j in 1:K)
    A[j] ~ dirichlet(rep_vector(1, K));
  w ~ normal(0, 1);
  b ~ normal(0, 1);
  sigma ~ normal(0, 1);
  for (s in 1:S) {
    vector[K] alpha;
    vector[K] alpha_new;
    for (k in 1:K)
      alpha[k] = log_p0[k] + normal_lpdf(y[s, 1] | w[k] * x[s, 1] + b[k], sigma[k]);
    for (t in 2:T) {
      for (k in 1:K)
        alpha_new[k] = log_sum_exp(alpha + col(logA, k))
                       + normal_lpdf(y[s, t] | w[k] * x[s, t] + b[k], sigma[k]);
      alpha = alpha_new;
    }
    target += log_sum_exp(alpha);
  }
}
