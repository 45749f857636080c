transformed data {
  int n = 3;
  for (x in n) print(x);
}

// expect: 3:13: foreach loops need an array, vector, row_vector or matrix, not int
