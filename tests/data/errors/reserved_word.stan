data {
  int N;
  vector[N] lower;
}
