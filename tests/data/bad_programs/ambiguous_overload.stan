functions {
  real foo(int x, real y) { return y; }
  real foo(real x, int y) { return y; }
}
transformed data {
  real z = foo(1, 2);
}

// expect: 6:12: the call foo(int, int) is ambiguous: foo(int, real) and foo(real, int) accept it with the same number of int-to-real promotions (1); Stan requires a unique signature needing the fewest promotions (add an overload for exactly these argument types)
