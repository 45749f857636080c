data {
  array[2, 3] real a;
  vector[3] v;
}
transformed data {
  // Stan's reductions take a vector, row_vector, matrix or a one-dimensional array
  real s = sum(a);
  real l = log_sum_exp(a);
  real p = prod(a);
  real ok = sum(a[1]) + mean(v) + sd(to_array_1d(a)) + max(v) + min(1, 2);
}

// expect: 7:12: no signature of sum matches the arguments (array[,] real); available: sum(vector, row_vector, matrix or a one-dimensional array), sum(complex_vector), sum(complex_row_vector), sum(complex_matrix), sum(array[] complex)
// expect: 8:12: no signature of log_sum_exp matches the arguments (array[,] real); available: log_sum_exp(T, T), log_sum_exp(vector, row_vector, matrix or a one-dimensional array)
// expect: 9:12: no signature of prod matches the arguments (array[,] real); available: prod(vector, row_vector, matrix or a one-dimensional array), prod(complex_vector), prod(complex_row_vector), prod(complex_matrix), prod(array[] complex)
