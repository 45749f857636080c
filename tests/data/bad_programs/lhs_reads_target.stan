transformed data {
  array[2] int x = {1, 2};
  x[x[1]] = 2;
}

// expect: 3:3: 'x' is both assigned to and read in the indexes of the left-hand side; use a temporary variable for the index
