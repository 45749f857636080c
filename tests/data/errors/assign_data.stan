data { real a; }
parameters { real x; }
model { a = 3; x ~ normal(0,1); }
