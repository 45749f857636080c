functions {
  real not_endless() {
    while (1) {
      if (0) return 1.0;
      if (0) break;
      return 2.0;
    }
  }
}

// expect: 2:8: function 'not_endless' may reach the end of its body without returning a value
