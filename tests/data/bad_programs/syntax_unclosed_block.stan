model {
  for (i in 1:3) {
    print(i);
}

// expect: 1:7: the model block is never closed (missing '}')
