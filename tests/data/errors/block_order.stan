model { }
parameters { real x; }
