functions {
  real reduce_sum(real x) { return x; }
  real to_vector(vector v) { return 1; }
}

// expect: 2:8: 'reduce_sum' is the name of a higher-order built-in function and cannot be overloaded
// expect: 3:8: 'to_vector' is a built-in function with this signature already (returning vector); a user function may only overload it with different argument types
