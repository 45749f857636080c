data {
  matrix[2, 3] log_omega;
  vector[2] rho;
}
parameters {
  matrix[2, 2] Gamma;
}
transformed parameters {
  matrix[2, 3] p = hmm_hidden_state_prob(log_omega, Gamma, rho);
}

// expect: 9:53: argument 2 of hmm_hidden_state_prob must be data only (Stan requires a value that does not depend on parameters here), but it does
