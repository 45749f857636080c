parameters { real x; }
model { int k; k = x; }
