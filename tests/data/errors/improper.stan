parameters { real x; }
model { }
