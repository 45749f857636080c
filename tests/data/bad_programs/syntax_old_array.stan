data {
  int N;
  real y[N];
}

// expect: 3:9: old array syntax 'type name[N]' was removed from Stan; write 'array[N] real y'
