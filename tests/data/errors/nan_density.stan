parameters { real x; }
model { target += log(-1 + 0*x); }
