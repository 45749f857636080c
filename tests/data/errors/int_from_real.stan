parameters { real x; }
model { x ~ normal(0,1); }
generated quantities { int k = 2.5; }
