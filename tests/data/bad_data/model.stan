// The program the bad data files are checked against (tests/cli/test_check.sh).
data {
  int<lower=0> N;
  array[N] real y;
  vector<lower=0>[N] w;
  matrix[2, 3] M;
  simplex[3] s;
  array[2] int<lower=1, upper=5> k;
  real<lower=-1, upper=1> r;
  cov_matrix[2] S;
  ordered[3] o;
}
parameters {
  real mu;
}
model {
  y ~ normal(mu, 1);
}
