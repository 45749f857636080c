transformed data {
  array[3] real x;
  (x[1], x[2]) = (1.0, 2.0);
}
parameters { real mu; }
model { mu ~ normal(0, 1); }
