model {
  simplex[3] s;
}

// expect: 2:14: local variable 's' cannot have the constrained type simplex (use vector or matrix)
