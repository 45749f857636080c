// tests/cli/test_mpi.sh: a hierarchical logistic regression whose groups are map_rect jobs (map_rect over MPI ranks)
functions {
  vector job(vector phi, vector theta, data array[] real xr, data array[] int xi) {
    int n = size(xi);
    vector[n] eta = phi[1] + theta[1] + phi[2] * to_vector(xr);
    return [bernoulli_logit_lpmf(xi | eta)]';
  }
}
data { int J; int n; array[J, n] real x; array[J, n] int y; }
parameters { vector[2] phi; real<lower=0> tau; vector[J] z; }
transformed parameters { array[J] vector[1] th; for (j in 1:J) th[j] = [tau * z[j]]'; }
model {
  phi ~ normal(0, 2); tau ~ exponential(1); z ~ std_normal();
  target += sum(map_rect(job, phi, th, x, y));
}
