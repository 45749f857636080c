parameters { real x; }
model { real x; x ~ normal(0,1); }
