transformed data {
  real x = 2;
  vector[2] v = [1, 2]';
  x .*= 3;
  x += v;
}

// expect: 4:3: operator .*= needs a vector, row_vector or matrix on the left, not real (use *=)
// expect: 5:3: the result of += has type vector, which cannot be stored in 'x' of type real
