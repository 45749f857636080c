#!/bin/sh
# bench/bench_hmm_numpy.sh — the shared oracle's numpy E-step (forward-backward
# plus sufficient statistics) on the same model and data size as bench_hmm.c
# (1-D Gaussian HMM, T = 10^6, K = 3 and 10), on the data bench_hmm left in
# $TMPDIR when it ran first (as `make bench` does), for comparison.  Skipped when
# python3 with numpy/scipy or ../shared/tools/hmm_oracle.py is absent.
S=${URN_SHARED:-../shared}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
if [ ! -f "$S/tools/hmm_oracle.py" ] || ! "$PY" -c "import numpy, scipy" >/dev/null 2>&1; then
  echo "skipped: numpy or $S/tools/hmm_oracle.py not available"
  exit 0
fi
T=${HMM_BENCH_T:-1000000}
"$PY" - "$S/tools" "$T" <<'PYEOF'
import os, sys, time
sys.path.insert(0, sys.argv[1])
import numpy as np
import hmm_oracle as o
T = int(sys.argv[2])
print("%-38s %10s %12s %14s" % ("numpy oracle E-step (T = %g)" % T, "ms", "ns/step", "ns/step/K^2"))
for K in (3, 10):
    m = o.HMM("gaussian", K, 1)
    A = np.full((K, K), 0.2 / (K - 1)); np.fill_diagonal(A, 0.8)
    p = {"initial_probs": np.ones(K) / K, "transition_matrix": A,
         "emission_means": (2.0 * np.arange(K) - K)[:, None], "emission_covariances": np.full((K, 1, 1), 0.7)}
    path = os.path.join(os.environ.get("TMPDIR") or "/tmp", "urn_bench_hmm_K%d.f64" % K)
    if os.path.exists(path) and os.path.getsize(path) == 8 * T:
        Y = np.fromfile(path, dtype=np.float64).reshape(T, 1)      # bench_hmm's own data
        src = "urn's data"
        os.remove(path)
    else:
        _, Y = m.sample(p, T, np.random.default_rng(1))
        src = "numpy's data"
    t0 = time.process_time()
    m.e_step(p, [Y])
    dt = time.process_time() - t0
    print("%-38s %10.1f %12.1f %14.2f  (%s)" % ("K=%-2d E-step (numpy, 1 process)" % K, dt * 1e3, dt * 1e9 / T,
                                                 dt * 1e9 / T / K / K, src))
PYEOF
