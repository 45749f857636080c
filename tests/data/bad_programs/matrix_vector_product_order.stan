data {
  matrix[2, 2] m;
  vector[2] v;
}
transformed data {
  vector[2] w = v * m;
}

// expect: 6:19: operator * is not defined for vector and matrix
