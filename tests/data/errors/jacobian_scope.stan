parameters { vector[2] y; }
model { vector[2] x = lower_bound_jacobian(y, 0); }
