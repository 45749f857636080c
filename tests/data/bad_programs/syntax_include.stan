#include "other.stan"
model {
}

// expect: 1:1: #include: cannot find 'other.stan' (looked in 'tests/data/bad_programs'; add folders with --include-paths DIR[,DIR])
