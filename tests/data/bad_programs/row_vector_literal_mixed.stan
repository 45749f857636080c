data {
  row_vector[2] r;
}
transformed data {
  matrix[2, 2] m = [r, 1];
}

// expect: 5:20: the elements of [...] must be all scalars (a row_vector) or all row_vectors (a matrix)
