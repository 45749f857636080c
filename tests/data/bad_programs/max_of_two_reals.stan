transformed data {
  // Stan 2.37 has max(int, int) and min(int, int) only (and never had the real forms): fmax / fmin
  int i = max(1, 2);
  real x = max(1.5, 2);
  real y = min(0.5, 2.5);
  real z = fmax(1.5, 2) + fmin(0.5, 2.5);
}

// expect: 4:12: no signature of max matches the arguments (real, int); available: max(vector, row_vector, matrix or a one-dimensional array), max(int, int); for two reals use fmax
// expect: 5:12: no signature of min matches the arguments (real, real); available: min(vector, row_vector, matrix or a one-dimensional array), min(int, int); for two reals use fmin
