parameters { real x; }
model { if (x != 1.5) reject("x moved from 1.5"); }
