model {
  real x;
  x <- 1;
}

// expect: 3:5: '<-' was removed from Stan; use '='
