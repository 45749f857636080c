functions {
  void foo(int n) { }
}
transformed data {
  print(foo(2));
}

// expect: 5:9: foo(...) returns nothing (void): there is no value to print
