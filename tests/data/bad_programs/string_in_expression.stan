transformed data {
  real x = "abc";
}

// expect: 2:12: string literals are only allowed as arguments of print, reject and fatal_error
