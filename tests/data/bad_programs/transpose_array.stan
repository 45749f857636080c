data {
  array[3] real a;
}
transformed data {
  row_vector[3] r = a';
}

// expect: 5:22: transpose (') needs a vector, row_vector or matrix, not array[] real
