data { int N; int M; matrix[N,M] A; }
parameters { real mu; }
model { mu ~ normal(0,1); }
