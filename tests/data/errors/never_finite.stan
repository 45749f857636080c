parameters { real x; }
model { target += negative_infinity(); }
