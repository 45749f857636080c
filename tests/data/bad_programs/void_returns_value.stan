functions {
  void f(real x) {
    return x;
  }
}

// expect: 3:5: void function 'f' cannot return a value
