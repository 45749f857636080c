functions {
  real foo_lupdf(real y) {
    return -y;
  }
}

// expect: 2:8: 'foo_lupdf': define the density with the _lpdf/_lpmf suffix; the _lupdf/_lupmf form is available automatically
