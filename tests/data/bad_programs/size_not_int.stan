data {
  vector[2.5] v;
}

// expect: 2:10: a size must be an int, not real
