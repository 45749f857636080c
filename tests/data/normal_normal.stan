// tests/data/normal_normal.stan — the normal model with N(0, 10) / N(0, 5) priors written as target
// increments that test_sample.sh, test_adapt.sh and test_cmdstan.sh sample (with normal_normal.json).
data { int<lower=0> N; vector[N] y; }
parameters { real mu; real<lower=0> sigma; }
model {
  target += -0.5 * square(mu / 10) - 0.5 * square(sigma / 5);
  target += -N * log(sigma) - 0.5 * dot_self((y - mu) / sigma);
}
generated quantities { real z = 2 * mu; }
