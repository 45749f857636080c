transformed data {
  vector[2] v = 1.5;
}

// expect: 2:17: cannot initialize 'v' of type vector with a value of type real
