functions {
  real f(data real x);
  real f(real x) { return 2 * x; }
}

// expect: 3:8: 'f' is already declared for these argument types (at line 2) with different 'data' qualifiers: a definition must repeat its declaration's qualifiers, and overloads must differ in their types
