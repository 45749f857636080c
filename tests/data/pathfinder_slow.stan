// tests/data/pathfinder_slow.stan — a model whose evaluations are slow (~2 ms: Pathfinder's thousands of them take
// many seconds) and whose transformed data prints "data ready" when it runs: test_kill.sh and test_mpi.sh signal a
// run 1 s after that print, so that the signal lands in the default run's Pathfinder start.
transformed data { print("data ready"); }
parameters { vector[5] x; }
model {
  real s = 0;
  for (i in 1:200000) s += sin(i * 1e-3);
  x ~ normal(0, 1e3 * s);
}
