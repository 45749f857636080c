// Every construct of the supported language, once (parser and checker coverage).
/* block comment with UTF-8: σ ≥ 0, µ ∈ ℝ */
functions {
  real twice(real x);                       // forward declaration
  real twice(real x) { return 2 * x; }
  void hello(data int n) { print("n = ", n); }
  real my_normal_lpdf(real y, real mu, real sigma) {
    return normal_lpdf(y | mu, sigma);
  }
  real draw_rng(real mu) { return normal_rng(mu, 1); }
  void add_lp(real x) { target += -0.5 * x ^ 2; }
  array[] real pair(real a, real b) { return {a, b}; }
  int fact(int n) {
    if (n <= 1) return 1;
    else return n * fact(n - 1);
  }
  vector center(vector v) { return v - mean(v); }
}
data {
  int<lower=0> N;
  int<lower=1, upper=5> K;
  array[N] real y;
  array[N] int<lower=0, upper=1> z;
  vector[N] x;
  matrix[N, K] X;
  array[2, 3] real grid;
  row_vector[K] r;
}
transformed data {
  real s = sd(y);
  int M = N %/% 2;
  int rem = N % 2;
  array[3] int idx = {1, 2, 3};
  vector[K] ones = rep_vector(1.0, K);
  row_vector[3] rv = [1, .5, 1e-10];
  matrix[2, 2] I2 = [[1, 0], [0, 1]];
  real big = 5e2;
  int cnt = 0;
  while (cnt < 3) {
    cnt += 1;
    if (cnt == 2) continue;
    else if (cnt > 5) break;
  }
  for (v in y) { s += 0 * v; }
  for (i in 1:N) { cnt = cnt + z[i]; }
  hello(N);
}
parameters {
  real mu;
  real<lower=0> sigma;
  real<lower=-1, upper=1> rho;
  real<offset=mu, multiplier=sigma> eta;
  vector<lower=0>[K] lam;
  simplex[K] theta;
  ordered[K] cut;
  positive_ordered[K] pos;
  unit_vector[3] u;
  cholesky_factor_corr[K] L;
  cholesky_factor_cov[K] Lc;
  cholesky_factor_cov[4, 3] Lr;
  corr_matrix[K] Om;
  cov_matrix[K] Sig;
  array[2] vector<lower=-10, upper=10>[K] beta;
  real<lower=0, upper=(1 - rho ^ 2)> tail;
}
transformed parameters {
  vector[N] lin = x * mu + X * lam;
  real d = dims(grid)[1] + size(idx);
  matrix[K, K] S = diag_matrix(lam) * Om * diag_matrix(lam);
  lin[1:2] = lin[{2, 1}];
  lin[ : 1] = -lin[ : 1];
}
model {
  vector[N] tmp = lin .* x ./ (1 + x .^ 2);
  real acc = 0;
  mu ~ normal(0, 10);
  sigma ~ normal(0, 1) T[0, ];
  eta ~ normal(mu, sigma) T[-5, 5];
  rho ~ uniform(-1, 1);
  y ~ normal(lin, sigma);
  z ~ bernoulli_logit(x * mu);
  theta ~ dirichlet(ones);
  L ~ lkj_corr_cholesky(2);
  beta[1, 2:K] ~ normal(0, 1);
  beta[2][1] ~ normal(0, 1);
  beta[2, : ]' ~ normal(0, 1);
  target += my_normal_lpdf(mu | 0, 10);
  target += my_normal_lupdf(mu | 0, 10);
  mu ~ my_normal(0, 10);
  add_lp(mu);
  acc = !(mu > 0) || (sigma < 1 && rho != 0) ? 1 : -1;
  acc *= 2;
  acc /= 2;
  acc -= target();
  tmp[1] = z[1] == 1;
  {
    real local = X[1, 2] + X[ : , 1]' * x + r * r' + fact(3) + twice(mu);
  }
}
generated quantities {
  real yrep = draw_rng(mu);
  array[2] real pr = pair(mu, sigma);
  int flip = bernoulli_rng(0.5);
  if (yrep > 1e3) reject("too large: ", yrep);
  if (yrep < -1e3) fatal_error("too small");
}
