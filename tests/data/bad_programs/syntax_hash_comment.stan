data {
  int N; # number of points
}

// expect: 2:10: '#' comments were removed from Stan (2.33); use '//' or '/* */'
