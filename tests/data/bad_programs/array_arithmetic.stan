data {
  array[3] real a;
  array[3] real b;
}
transformed data {
  array[3] real c = a + b;
}

// expect: 6:23: operator + is not defined for array[] real and array[] real (arithmetic is not defined on arrays)
