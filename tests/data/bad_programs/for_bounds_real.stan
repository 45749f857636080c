model {
  for (i in 1:2.5) print(i);
}

// expect: 2:15: for-loop bounds must be int, not real
