data {
  vector[3] v;
}
transformed data {
  if (v) print("yes");
}

// expect: 5:7: the condition must be an int or real, not vector
