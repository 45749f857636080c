data {
  vector[3] v;
}
transformed data {
  vector[3] w = 1 ? v : 2.0;
}

// expect: 5:19: the branches of ?: have different types: vector and real
