transformed data {
  int n = 10__000;
}
