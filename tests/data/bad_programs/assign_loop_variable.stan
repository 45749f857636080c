model {
  for (i in 1:3) {
    i = 2;
  }
}

// expect: 3:5: cannot assign to 'i': it is a loop variable
