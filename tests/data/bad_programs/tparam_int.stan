transformed parameters {
  array[2] int k;
}

// expect: 2:16: transformed parameters cannot be int: 'k' must be real-valued
