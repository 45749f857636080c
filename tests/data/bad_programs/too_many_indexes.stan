data {
  vector[3] v;
}
transformed data {
  real x = v[1, 2];
}

// expect: 5:17: too many indexes (2) for vector
