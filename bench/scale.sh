#!/bin/sh
# bench/scale.sh BUILD — `make bench-scale` (issue #19, docs/scale.md): strong scaling on this machine.
#   (a) reduce_sum logistic regression, N = 10^5 rows, K = 5: one chain, --threads 1 vs 2 (the second thread runs
#       reduce_sum's slices);
#   (b) `urn hmm fit` over 10^7 time steps (100 sequences of 10^5), K = 3 Gaussian states: 1 vs 2 MPI ranks, each
#       rank reading its own file, then one file read in parts (20 EM iterations from the prior initialization, CSV
#       reading included);
#   (c) map_rect over MPI ranks: one chain of a hierarchical logistic regression (8 groups of 10000 rows, one
#       map_rect job each), 1 vs 2 ranks, with the message sizes and per-gradient compute for docs/scale.md's model.
# Each line prints the goal (threads 1.7x, ranks 1.8x) beside the measured ratio.
# Needs build-mpi/urn (make MPI=1) and mpirun for (b); prints the load average: on a shared machine the ratios
# are only as good as the idle cores.
set -e
B=${1:-build}; URN=$(cd "$B" && pwd)/urn; MPIURN=$(cd "$B/.." && pwd)/build-mpi/urn
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
now() { date +%s.%N; }
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
# (a)
"$PY" - "$T" <<'PYEOF'
import json, sys, numpy as np
rng = np.random.default_rng(1); N, K = 100000, 5
X = rng.normal(size=(N, K)); beta = np.array([0.5, -0.3, 0.8, 0.0, 0.2])
y = (rng.uniform(size=N) < 1 / (1 + np.exp(-(0.1 + X @ beta)))).astype(int)
json.dump({"N": N, "K": K, "X": X.round(6).tolist(), "y": y.tolist()}, open(sys.argv[1] + "/lr.json", "w"))
PYEOF
cat > "$T/lr.stan" <<'STAN'
functions {
  real part_lpmf(array[] int ys, int s, int e, matrix X, real alpha, vector beta) {
    return bernoulli_logit_lpmf(ys | alpha + X[s:e] * beta);
  }
}
data { int N; int K; matrix[N, K] X; array[N] int y; }
parameters { real alpha; vector[K] beta; }
model { alpha ~ normal(0, 2); beta ~ normal(0, 1); target += reduce_sum(part_lupmf, y, 1, X, alpha, beta); }
STAN
for th in 1 2; do
  t0=$(now)
  "$URN" sample "$T/lr.stan" --data "$T/lr.json" --adapt stan --chains 1 --threads $th --seed 1 --warmup 150 --draws 100 \
    --output-dir "$T/lr$th" --no-summary --refresh 0 >/dev/null
  t1=$(now)
  echo "$th $t0 $t1" >> "$T/a.txt"
done
awk '{ w[$1] = $3 - $2 } END { printf "(a) reduce_sum logistic regression N=1e5, 1 chain of 250 iterations: 1 thread %.2f s, 2 threads %.2f s: speedup %.2fx (goal 1.7x)\n", w[1], w[2], w[1] / w[2] }' "$T/a.txt"
cmp -s "$T/lr1/lr-1.csv" "$T/lr2/lr-1.csv" || [ "$(grep -v -e seconds -e start_datetime -e num_threads -e "file = " "$T/lr1/lr-1.csv")" = "$(grep -v -e seconds -e start_datetime -e num_threads -e "file = " "$T/lr2/lr-1.csv")" ] \
  && echo "    draws identical with 1 and 2 threads" || echo "    WARNING: draws differ between 1 and 2 threads"
# (b)
if [ -x "$MPIURN" ] && command -v mpirun >/dev/null 2>&1; then
  "$PY" - "$T" <<'PYEOF'
import sys, numpy as np
rng = np.random.default_rng(2); K, B, L = 3, 100, 100000
A = np.array([[0.95, 0.03, 0.02], [0.04, 0.9, 0.06], [0.05, 0.05, 0.9]]); mu = np.array([-2.0, 0.0, 3.0])
for part in range(2):
    with open(f"{sys.argv[1]}/h-{part}.csv", "w") as f:
        f.write("seq,y\n")
        for b in range(part * B // 2, (part + 1) * B // 2):
            z = np.empty(L, dtype=int); z[0] = rng.integers(K)
            u = rng.uniform(size=L); c = np.cumsum(A, axis=1)
            for t in range(1, L): z[t] = np.searchsorted(c[z[t - 1]], u[t])
            y = mu[z] + rng.normal(size=L)
            f.write("".join(f"s{b},{v:.6f}\n" for v in y))
PYEOF
  { cat "$T/h-0.csv"; tail -n +2 "$T/h-1.csv"; } > "$T/h-all.csv"
  t0=$(now); "$MPIURN" hmm fit "$T/h-all.csv" --states 3 --y y --seq seq --iters 20 --tol 0 --init prior --no-se --out "$T/h1.json" --quiet; t1=$(now)
  mpirun --allow-run-as-root --oversubscribe -n 2 "$MPIURN" hmm fit "$T/h-{rank}.csv" --states 3 --y y --seq seq --iters 20 --tol 0 \
    --init prior --no-se --out "$T/h2.json" --quiet; t2=$(now)
  echo "$t0 $t1 $t2" | awk '{ printf "(b) hmm fit T=1e7 (100 x 1e5), K=3, 20 EM iterations: 1 rank %.2f s, 2 ranks %.2f s: speedup %.2fx (goal 1.8x)\n", $2 - $1, $3 - $2, ($2 - $1) / ($3 - $2) }'
  t3=$(now); mpirun --allow-run-as-root --oversubscribe -n 2 "$MPIURN" hmm fit "$T/h-all.csv" --states 3 --y y --seq seq --iters 20 \
    --tol 0 --init prior --no-se --out "$T/h2s.json" --quiet; t4=$(now)
  echo "$t0 $t1 $t3 $t4" | awk '{ printf "    one file read in parts by the 2 ranks (each parses half): %.2f s: speedup %.2fx\n", $4 - $3, ($2 - $1) / ($4 - $3) }'
  t0=$(now); "$MPIURN" hmm fit "$T/h-all.csv" --states 3 --y y --seq seq --iters 1 --tol 0 --init prior --no-se --out "$T/h0.json" --quiet; t1=$(now)
  echo "$t0 $t1" | awk '{ printf "    reading the file + 1 iteration, 1 rank: %.2f s (the rest of (b) is EM)\n", $2 - $1 }'
  echo "    E-step message per iteration and rank: K + K^2 + K + K D + K D^2 + 3 doubles = $(( (3 + 9 + 3 + 3 + 3 + 3) * 8 )) bytes (K=3, D=1)"
else
  echo "(b) skipped: no build-mpi/urn (make MPI=1) or no mpirun"
fi
# (c)
if [ -x "$MPIURN" ] && command -v mpirun >/dev/null 2>&1; then
  "$PY" - "$T" <<'PYEOF'
import json, sys, numpy as np
r = np.random.default_rng(4); J, n = 8, 10000
x = r.normal(size=(J, n)); a = r.normal(size=J) * 0.7
y = (r.uniform(size=(J, n)) < 1 / (1 + np.exp(-(0.3 + a[:, None] + 0.8 * x)))).astype(int)
json.dump({"J": J, "n": n, "x": x.round(5).tolist(), "y": y.tolist()}, open(sys.argv[1] + "/mr.json", "w"))
PYEOF
  MR="$(dirname "$0")/../tests/data/map_rect_logit.stan --data $T/mr.json --chains 1 --seed 1 --warmup 100 --draws 100 --refresh 0 --no-summary"
  t0=$(now); "$MPIURN" sample $MR --output-dir "$T/mr1" > "$T/mr1.out"; t1=$(now)
  mpirun --allow-run-as-root --oversubscribe -n 2 "$MPIURN" sample $MR --output-dir "$T/mr2" > "$T/mr2.out"; t2=$(now)
  echo "$t0 $t1 $t2" | awk '{ printf "(c) map_rect, 1 chain of 200 iterations, J=8 jobs of 10000 logistic rows: 1 rank %.2f s, 2 ranks %.2f s: speedup %.2fx (goal 1.8x)\n", $2 - $1, $3 - $2, ($2 - $1) / ($3 - $2) }'
  grep -o '[0-9.e+]* us per gradient' "$T/mr1.out" | sed 's/^/    one process: /'
  [ "$(grep -v -e seconds -e start_datetime -e num_threads -e "file = " "$T/mr1/map_rect_logit-1.csv")" = "$(grep -v -e seconds -e start_datetime -e num_threads -e "file = " "$T/mr2/map_rect_logit-1.csv")" ] \
    && echo "    draws identical with 1 and 2 ranks" || echo "    WARNING: draws differ between 1 and 2 ranks"
  echo "    messages per gradient, 2 ranks: 4 collectives: 1 broadcast (header 136 B + phi 2 x 9 B, in a fixed 2184 B message), 1 scatter (thetas 4 x 9 B), gathers of the sizes (8 B) and of the results (4 jobs x (32 + 8 x (1 + 3)) B = 256 B); x_r, x_i (4 x 10000 x 16 B = 640 KB) sent once"
else
  echo "(c) skipped: no build-mpi/urn (make MPI=1) or no mpirun"
fi
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
