data {
  vector[2] v;
}
transformed data {
  array[2] vector[2] a = {v, 1.0};
}

// expect: 5:30: array literal elements must have the same type: element 2 is real, the first is vector
