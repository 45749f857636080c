#include "other.stan"
model {
}

// expect: 1:1: #include is not supported: urn reads a single self-contained program
