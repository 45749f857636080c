data {
  vector[2] v;
}
transformed data {
  vector[2] w = v ^ 2;
}

// expect: 5:19: operator ^ is not defined for vector and int (use .^ for elementwise powers)
