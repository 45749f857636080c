parameters { real x; }
model { x ~ foo(0,1); }
