parameters { vector[2] x; }
model { real y = x; }
