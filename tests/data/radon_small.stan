data { int N; int J; array[N] int<lower=1, upper=J> g; vector[N] x; vector[N] y; }
parameters { real<lower=0> s; vector[J] a; vector[J] b; real ma; real<lower=0> sa; }
model {
  vector[N] mu;
  s ~ normal(0, 1); sa ~ normal(0, 1); ma ~ normal(0, 5);
  a ~ normal(ma, sa); b ~ normal(0, 1);
  for (n in 1:N) {
    mu[n] = a[g[n]] + x[n] * b[g[n]];
    target += normal_lpdf(y[n] | mu[n], s);
  }
}
