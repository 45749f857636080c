parameters {
  int k;
}

// expect: 2:7: parameters cannot be int: 'k' must be real-valued
