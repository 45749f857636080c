transformed data {
  int n = 0;
  if (n == 0) continue;
}

// expect: 3:15: 'continue' is only allowed inside a loop
