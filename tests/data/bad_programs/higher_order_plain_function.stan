functions {
  vector lr_lp(vector beta, vector theta, array[] real x, array[] int y) { return beta; }
}
transformed data {
  array[3, 4] int ys;
  array[3, 4] real xs;
  array[3] vector[0] theta;
}
parameters {
  vector[2] beta;
}
model {
  target += sum(map_rect(lr_lp, beta, theta, xs, ys));
}

// expect: 13:26: map_rect cannot take the function lr_lp: it needs a plain function (no _lp, _rng, _jacobian, ... suffix)
