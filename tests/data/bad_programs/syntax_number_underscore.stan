transformed data {
  int n = 1_000__000;
}

// expect: 2:16: malformed number: '_' must stand between two digits
