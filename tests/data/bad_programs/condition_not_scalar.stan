data {
  vector[3] v;
  real x;
}
transformed data {
  if (v) print("yes");
  while (x) print("no");
  int k = x && 1;
  int j = !x;
}

// expect: 6:7: the condition of if must be an int, not vector
// expect: 7:10: the condition of while must be an int, not real (a real is not a truth value: compare it, e.g. x != 0)
// expect: 8:13: operator && needs two ints, not real and int (a real is not a truth value: compare it, e.g. x != 0)
// expect: 9:11: operator ! needs an int, not real (a real is not a truth value: compare it, e.g. x == 0)
