parameters { real x; }
model { x ~ normal(0,1); if (x > -100) reject("always"); }
