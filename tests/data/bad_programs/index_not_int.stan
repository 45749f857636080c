data {
  vector[3] v;
}
transformed data {
  real x = v[1.5];
}

// expect: 5:14: an index must be an int or an array of ints (a multi-index), not real
