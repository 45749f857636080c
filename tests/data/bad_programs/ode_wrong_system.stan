functions {
  vector rhs(real t, vector y, real k) {
    return -k * y;
  }
}
parameters {
  real k;
}
model {
  array[1] vector[2] y = ode_rk45(rhs, [1, 2]', 0, {1.0}, k, k);
}

// expect: 10:35: the system function rhs of ode_rk45 must be declared vector rhs(real t, vector y, ...) with one argument after y for each of the 2 arguments after the times
