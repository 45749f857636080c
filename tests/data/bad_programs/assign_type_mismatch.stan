data {
  vector[3] v;
}
transformed data {
  real x;
  x = v;
}

// expect: 6:3: cannot assign a value of type vector to 'x' of type real
