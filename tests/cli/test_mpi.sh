# tests/cli/test_mpi.sh — urn across MPI ranks (issue #19, docs/scale.md), with the `make MPI=1` binary
# (build-mpi/urn beside $URN's build folder) and Debian's OpenMPI: `urn hmm fit` on 1, 2 and 4 ranks (one file
# read in parts at sequence boundaries, or a file per rank) gives the parameters of a fit in one process to 1e-12; a failing
# rank (missing file, bad values) makes every rank exit non-zero with that rank's message, never a hang; the
# GLM kinds' Newton M-step sums over ranks; `urn sample` with chains over ranks and map_rect jobs over ranks
# (fewer chains than ranks) gives the files and summary of one process bit for bit.  Skipped, with one line, without mpirun or the MPI build.
. tests/cli/lib.sh
MPIURN=${URN_MPI_BIN:-$(cd "$(dirname "$URN")/.." && pwd)/build-mpi/urn}
command -v mpirun >/dev/null 2>&1 || { echo "skipped: no mpirun (apt-get install openmpi-bin libopenmpi-dev)"; done_tests; exit $?; }
[ -x "$MPIURN" ] || { echo "skipped: no MPI build at $MPIURN (make MPI=1)"; done_tests; exit $?; }
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
RUN="timeout 300 mpirun --allow-run-as-root --oversubscribe"
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_mpi_yield_when_idle=1
# 12 sequences: the tutorial's 3, four times, shifted
awk -F, 'NR == 1 { print; next } { for (c = 0; c < 4; c++) lines[c] = lines[c] sprintf("%s_%d,%s,%s,%.10f\n", $1, c, $2, $3, $4 + 0.05 * c) }
         END { for (c = 0; c < 4; c++) printf "%s", lines[c] }' tests/data/hmm_tutorial_gauss.csv > "$TMP/g.csv"
# the same sequences as two files: the first 6 and the last 6
head -n 1 "$TMP/g.csv" > "$TMP/part-0.csv"; head -n 1 "$TMP/g.csv" > "$TMP/part-1.csv"
n=$(($(wc -l < "$TMP/g.csv") - 1))
tail -n +2 "$TMP/g.csv" | head -n $((n / 2)) >> "$TMP/part-0.csv"
tail -n +2 "$TMP/g.csv" | tail -n $((n - n / 2)) >> "$TMP/part-1.csv"
# near A B TOL: the parameter files' numbers agree to TOL (relative to max(1, |a|)), the traces too
near() {
  if "$PY" - "$1" "$2" "$3" <<'PYEOF'; then ok; else bad "$1 vs $2 differ by more than $3"; fi
import json, sys
def flat(x):
    if isinstance(x, list): return [v for i in x for v in flat(i)]
    if isinstance(x, dict): return [v for k in sorted(x) for v in flat(x[k])]
    return [x] if isinstance(x, (int, float)) and not isinstance(x, bool) else []
a, b = (json.load(open(p)) for p in sys.argv[1:3])
# standard errors come from a finite-difference Hessian, which turns the last-bit differences of the fitted
# parameters (sums combined in another order over ranks) into ~1e-7 relative: compared to 1e-5 on their own
se_a, se_b = a["fit"].pop("standard_errors", None), b["fit"].pop("standard_errors", None)
pa, pb = flat(a["params"]) + flat(a["fit"]), flat(b["params"]) + flat(b["fit"])
worst = max(abs(x - y) / max(1.0, abs(x)) for x, y in zip(pa, pb)) if len(pa) == len(pb) else 1e300
sa, sb = flat(se_a), flat(se_b)
worst_se = max([abs(x - y) / max(1e-300, abs(x)) for x, y in zip(sa, sb)] + [0.0]) if len(sa) == len(sb) else 1e300
print("worst", worst, len(pa), "standard errors", worst_se, len(sa))
sys.exit(0 if worst <= float(sys.argv[3]) and worst_se <= 1e-5 and len(pa) > 10 else 1)
PYEOF
}
# (one restart: two restarts that reach the same optimum with the states relabelled tie to rounding)
for init in kmeans prior; do
  expect_exit 0 "$URN" hmm fit "$TMP/g.csv" --states 3 --y y --seq session --iters 40 --init $init --out "$TMP/one-$init.json" --quiet
  for r in 1 2 4; do
    expect_exit 0 $RUN -n $r "$MPIURN" hmm fit "$TMP/g.csv" --states 3 --y y --seq session --iters 40 --init $init --threads 2 \
      --out "$TMP/mpi$r-$init.json" --quiet
    near "$TMP/one-$init.json" "$TMP/mpi$r-$init.json" 1e-12
  done
done
# a file per rank
expect_exit 0 $RUN -n 2 "$MPIURN" hmm fit "$TMP/part-{rank}.csv" --states 3 --y y --seq session --iters 40 --init kmeans --out "$TMP/parts.json" --quiet
"$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); d["fit"].pop("standard_errors", None); json.dump(d, open(sys.argv[1], "w"))' "$TMP/one-kmeans.json"
near "$TMP/one-kmeans.json" "$TMP/parts.json" 1e-12
grep -q '"standard_errors"' "$TMP/parts.json" && bad "standard errors from rank 0's share of the data" || ok
# the trace on rank 0's stdout only
expect_exit 0 $RUN -n 2 "$MPIURN" hmm fit "$TMP/g.csv" --states 3 --y y --seq session --iters 5 --init kmeans --out "$TMP/t.json"
[ "$(grep -c '^final,' "$TMP/out")" = 1 ] && ok || bad "the trace printed $(grep -c '^final,' "$TMP/out") times"
# faults: a missing file on rank 1, bad values on rank 1: every rank exits non-zero, rank 1's message
expect_exit 1 $RUN -n 2 "$MPIURN" hmm fit "$TMP/nothere-{rank}.csv" --states 3 --y y --seq session
expect_err "nothere-0.csv"
sed 's/^\([^,]*,[^,]*,[^,]*\),.*$/\1,oops/' "$TMP/part-1.csv" | sed '1s/oops/y/' > "$TMP/bad-1.csv"; cp "$TMP/part-0.csv" "$TMP/bad-0.csv"
expect_exit 1 $RUN -n 2 "$MPIURN" hmm fit "$TMP/bad-{rank}.csv" --states 3 --y y --seq session
expect_err "rank 1: "
expect_err "bad-1.csv"
# the regression kinds: linreg's statistics are sums; the GLMs' Newton M-step adds its Gram matrix, gradients,
# Hessians and objective over the ranks in rank order, so every rank takes one process's Newton steps
"$PY" - "$TMP/cglm.csv" <<'PYEOF'
import sys, math, random
r = random.Random(3)
W = [[[1.5, -1.0], [0.0, 0.5], [-1.5, 0.5]], [[-1.0, 1.0], [1.0, -1.0], [0.0, 0.0]]]
with open(sys.argv[1], "w") as f:
    f.write("sess,x1,x2,c\n")
    for s in range(7):
        k = 0
        for t in range(40 + 13 * s):
            if r.random() < 0.08: k = 1 - k
            x = [r.gauss(0, 1), r.gauss(0, 1)]
            e = [math.exp(w[0] * x[0] + w[1] * x[1]) for w in W[k]]
            u, c = r.random() * sum(e), 0
            while u > e[c]: u -= e[c]; c += 1
            f.write("q%d,%.6f,%.6f,%d\n" % (s, x[0], x[1], c))
PYEOF
for kind in bernoulli-glm categorical-glm linreg; do
  case $kind in
    bernoulli-glm) data=tests/data/hmm_logreg.csv; args="--y y --x x --seq session";;
    categorical-glm) data="$TMP/cglm.csv"; args="--y c --x x1,x2 --seq sess";;
    linreg) data=tests/data/hmm_tutorial_glm.csv; args="--y y --x x --seq session";;
  esac
  expect_exit 0 "$URN" hmm fit "$data" --states 2 $args --emission $kind --iters 25 --init prior --no-se --out "$TMP/one-$kind.json" --quiet
  for r in 2 4; do
    expect_exit 0 $RUN -n $r "$MPIURN" hmm fit "$data" --states 2 $args --emission $kind --iters 25 --init prior --no-se --out "$TMP/mpi$r-$kind.json" --quiet
    near "$TMP/one-$kind.json" "$TMP/mpi$r-$kind.json" 1e-12
  done
done
expect_exit 0 "$URN" hmm fit "$TMP/cglm.csv" --states 2 --y c --x x1,x2 --seq sess --emission categorical-glm --iters 25 --restarts 3 --no-se --out "$TMP/one-cglm-s.json" --quiet
expect_exit 0 $RUN -n 4 "$MPIURN" hmm fit "$TMP/cglm.csv" --states 2 --y c --x x1,x2 --seq sess --emission categorical-glm --iters 25 --restarts 3 --no-se --out "$TMP/mpi4-cglm-s.json" --quiet
near "$TMP/one-cglm-s.json" "$TMP/mpi4-cglm-s.json" 1e-12
# lognormal: the variance floor of log y over every rank's rows, and a constant dimension refused as one process does
awk -F, 'NR == 1 { print; next } { printf "%s,%s,%s,%.12g\n", $1, $2, $3, exp($4 / 2) }' "$TMP/g.csv" > "$TMP/ln.csv"
expect_exit 0 "$URN" hmm fit "$TMP/ln.csv" --states 3 --y y --seq session --emission lognormal --iters 30 --init kmeans --no-se --out "$TMP/one-ln.json" --quiet
expect_exit 0 $RUN -n 2 "$MPIURN" hmm fit "$TMP/ln.csv" --states 3 --y y --seq session --emission lognormal --iters 30 --init kmeans --no-se --out "$TMP/mpi2-ln.json" --quiet
near "$TMP/one-ln.json" "$TMP/mpi2-ln.json" 1e-12
awk -F, 'NR == 1 { print; next } { printf "%s,%s,%s,1\n", $1, $2, $3 }' "$TMP/g.csv" > "$TMP/lnc.csv"
expect_exit 1 $RUN -n 2 "$MPIURN" hmm fit "$TMP/lnc.csv" --states 2 --y y --seq session --emission lognormal --init random
expect_err "emission dimension 0 is constant"
# one file read in parts: each rank parses only the rows between cuts at sequence boundaries near equal byte
# shares (a BOM, comments, blank lines, CRLF rows, quoted ids with commas; 23 sequences of 5..194 rows, so the
# byte split points fall inside sequences); the fits equal one process's, messages name the file's lines
"$PY" - "$TMP/s.csv" "$TMP/cat.csv" <<'PYEOF'
import sys, random
r = random.Random(7)
out, cat = open(sys.argv[1], "w", newline=""), open(sys.argv[2], "w")
out.write("\ufeff# a comment before the header\n\nid,y,z\n")
cat.write("id,c\n")
mu = [-2.0, 0.5, 3.0]
for s in range(23):
    k = s % 3
    if s == 11: out.write("# a comment between sequences\n\n")
    for t in range(5 + (s * 37) % 190):
        if r.random() < 0.1: k = r.randrange(3)
        y, z = mu[k] + r.gauss(0, 1), r.gauss(0, 1)
        out.write('"s,%d",%.6f,%.6f\r\n' % (s, y, z) if s % 5 == 0 else "s%d,%.6f,%.6f\n" % (s, y, z))
        cat.write("c%d,%d\n" % (s, 3 if s == 22 and t == 3 else (k if r.random() < 0.8 else r.randrange(3))))
PYEOF
expect_exit 0 "$URN" hmm fit "$TMP/s.csv" --states 3 --y y,z --seq id --iters 30 --init kmeans --no-se --out "$TMP/one-s.json" --quiet
for r in 1 2 4; do
  expect_exit 0 $RUN -n $r "$MPIURN" hmm fit "$TMP/s.csv" --states 3 --y y,z --seq id --iters 30 --init kmeans --no-se --out "$TMP/mpi$r-s.json" --quiet
  near "$TMP/one-s.json" "$TMP/mpi$r-s.json" 1e-12
done
# no sequence column: one sequence, all rank 0's (the other ranks' parts are empty)
expect_exit 0 "$URN" hmm fit "$TMP/s.csv" --states 2 --y y --iters 20 --init kmeans --no-se --out "$TMP/one-s1.json" --quiet
expect_exit 0 $RUN -n 4 "$MPIURN" hmm fit "$TMP/s.csv" --states 2 --y y --iters 20 --init kmeans --no-se --out "$TMP/mpi4-s1.json" --quiet
near "$TMP/one-s1.json" "$TMP/mpi4-s1.json" 1e-12
# categorical: the number of classes from every rank's part (class 3 only in the last sequence)
expect_exit 0 "$URN" hmm fit "$TMP/cat.csv" --states 2 --y c --seq id --emission categorical --iters 20 --init prior --no-se --out "$TMP/one-cat.json" --quiet
expect_exit 0 $RUN -n 4 "$MPIURN" hmm fit "$TMP/cat.csv" --states 2 --y c --seq id --emission categorical --iters 20 --init prior --no-se --out "$TMP/mpi4-cat.json" --quiet
near "$TMP/one-cat.json" "$TMP/mpi4-cat.json" 1e-12
# the standard errors: rank 0 reads the whole file for them
expect_exit 0 $RUN -n 2 "$MPIURN" hmm fit "$TMP/s.csv" --states 3 --y y,z --seq id --iters 30 --init kmeans --out "$TMP/mpi2-se.json" --quiet
grep -q '"standard_errors"' "$TMP/mpi2-se.json" && ok || bad "no standard errors with one file read in parts"
# a bad value in the last rank's part: its file line; a sequence resuming in another rank's part: one process's error
sed '2250s/^\(s[0-9]*\),[^,]*,/\1,oops,/' "$TMP/s.csv" > "$TMP/s-bad.csv"
expect_exit 1 $RUN -n 4 "$MPIURN" hmm fit "$TMP/s-bad.csv" --states 3 --y y,z --seq id
expect_err "rank 3: "
expect_err "s-bad.csv:2250:"
{ cat "$TMP/s.csv"; echo 's3,1.0,2.0'; } > "$TMP/s-resume.csv"
expect_exit 1 $RUN -n 4 "$MPIURN" hmm fit "$TMP/s-resume.csv" --states 3 --y y,z --seq id
expect_err "s-resume.csv:2262: sequence 's3' of column 'id' resumes after another sequence (it began at line 130)"
# the data-driven restarts (search: k-means++, random partitions, perturbations of the best; random): rank 0
# initializes from every rank's sequences as one process does, so the fits agree to rounding
for init in search random; do
  expect_exit 0 "$URN" hmm fit "$TMP/g.csv" --states 3 --y y --seq session --iters 40 --init $init --restarts 6 --no-se --out "$TMP/one-$init.json" --quiet
  for r in 2 4; do
    expect_exit 0 $RUN -n $r "$MPIURN" hmm fit "$TMP/g.csv" --states 3 --y y --seq session --iters 40 --init $init --restarts 6 --no-se \
      --out "$TMP/mpi$r-$init.json" --quiet
    near "$TMP/one-$init.json" "$TMP/mpi$r-$init.json" 1e-12
  done
done
expect_exit 0 $RUN -n 2 "$MPIURN" hmm fit "$TMP/part-{rank}.csv" --states 3 --y y --seq session --iters 40 --init search --restarts 6 --no-se --out "$TMP/parts-search.json" --quiet
near "$TMP/one-search.json" "$TMP/parts-search.json" 1e-12
# the variance floor of lognormal / student / gmm under mpirun is the one-process floor (of log y for lognormal):
# 4 sequences, each with a run of exact 2.0s that one state takes, its variance held at the floor.  The traces'
# first iterations, while that variance shrinks towards the floor, are differences of equal numbers (rounding of
# sums added in another order): compared to 1e-9, the fitted parameters and the fit record to 1e-12
"$PY" - "$TMP/floor.csv" <<'PYEOF'
import math, random, sys
r = random.Random(5)
with open(sys.argv[1], "w") as f:
    f.write("session,y,w\n")
    for s in range(4):
        for t in range(90):
            g = r.gauss(0.0, 1.0)
            y = 2.0 if 30 <= t < 60 else math.exp((-1.0 if t < 30 else 1.5) + 0.4 * g)
            w = 2.0 if 30 <= t < 60 else (-5.0 if t < 30 else 10.0) + g
            f.write("%d,%.12g,%.12g\n" % (s, y, w))
PYEOF
trace_apart() { # FILE: its trace moves to FILE.trace
  "$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); t = d["fit"].pop("log_joint_trace")
json.dump(d, open(sys.argv[1], "w")); json.dump(t, open(sys.argv[1] + ".trace", "w"))' "$1"
}
near_trace() { # A B TOL: the traces agree to TOL relative to max(1, |a|)
  if "$PY" -c 'import json, sys; a, b = (json.load(open(p)) for p in sys.argv[1:3])
sys.exit(0 if len(a) == len(b) > 1 and max(abs(x - y) / max(1.0, abs(x)) for x, y in zip(a, b)) <= float(sys.argv[3]) else 1)' "$1" "$2" "$3"
  then ok; else bad "the traces of $1 and $2 differ by more than $3"; fi
}
for em in lognormal:y student:w gmm:w; do
  col=${em#*:} em=${em%:*}
  expect_exit 0 "$URN" hmm fit "$TMP/floor.csv" --states 3 --y $col --seq session --emission $em --iters 60 --init kmeans --no-se --out "$TMP/one-$em.json" --quiet
  grep -q '"degenerate_states": [1-9]' "$TMP/one-$em.json" && ok || bad "$em: the floor does not bind: $(grep degenerate "$TMP/one-$em.json")"
  expect_exit 0 $RUN -n 2 "$MPIURN" hmm fit "$TMP/floor.csv" --states 3 --y $col --seq session --emission $em --iters 60 --init kmeans --no-se --out "$TMP/mpi-$em.json" --quiet
  trace_apart "$TMP/one-$em.json"; trace_apart "$TMP/mpi-$em.json"
  near "$TMP/one-$em.json" "$TMP/mpi-$em.json" 1e-12
  near_trace "$TMP/one-$em.json.trace" "$TMP/mpi-$em.json.trace" 1e-9
done
# urn sample: chains over ranks give the files (but for times, dates, threads and paths) and summary (but for the
# timing line) of one process; with the default start, every rank runs the whole run's Pathfinder and keeps its draws
cat > "$TMP/m.stan" <<'STAN'
data { int N; vector[N] y; }
parameters { real mu; real<lower=0> sigma; }
model { mu ~ normal(0, 10); sigma ~ exponential(1); y ~ normal(mu, sigma); }
STAN
echo '{"N": 6, "y": [1.2, 0.4, -0.3, 2.2, 1.0, 0.8]}' > "$TMP/m.json"
strip() { grep -v -e 'seconds' -e 'start_datetime' -e 'num_threads' -e 'file = ' "$1"; }
expect_exit 0 "$URN" sample "$TMP/m.stan" --data "$TMP/m.json" --chains 4 --seed 11 --warmup 300 --draws 300 --output-dir "$TMP/s1"
grep -v " s wall, " "$TMP/out" > "$TMP/sum1"
for r in 1 2 4; do
  expect_exit 0 $RUN -n $r "$MPIURN" sample "$TMP/m.stan" --data "$TMP/m.json" --chains 4 --seed 11 --warmup 300 --draws 300 --output-dir "$TMP/s$r-mpi"
  grep -v " s wall, " "$TMP/out" > "$TMP/sum2"
  if cmp -s "$TMP/sum1" "$TMP/sum2"; then ok; else bad "$r ranks: the summary differs: $(diff "$TMP/sum1" "$TMP/sum2" | head -5)"; fi
  for c in 1 2 3 4; do
    if [ "$(strip "$TMP/s1/m-$c.csv")" = "$(strip "$TMP/s$r-mpi/m-$c.csv")" ] && [ -s "$TMP/s1/m-$c.csv" ]; then ok
    else bad "$r ranks: chain $c's file differs: $(diff "$TMP/s1/m-$c.csv" "$TMP/s$r-mpi/m-$c.csv" | head -5)"; fi
  done
done
expect_exit 2 $RUN -n 3 "$MPIURN" sample "$TMP/m.stan" --data "$TMP/m.json" --chains 2
expect_err "3 MPI ranks but 2 chains"
# map_rect over ranks (fewer chains than ranks: each chain's ranks share its map_rect jobs, as CmdStan's MPI):
# the files and summary of one process, bit for bit, with 1 chain on 1, 2 and 4 ranks and 2 chains on 4 ranks
MR="tests/data/map_rect_logit.stan --data tests/data/map_rect_logit.json --seed 5 --warmup 60 --draws 40 --refresh 0"
for ch in 1 2; do
  expect_exit 0 "$URN" sample $MR --chains $ch --output-dir "$TMP/mr$ch"
  grep -v " s wall, " "$TMP/out" > "$TMP/mrsum1"
  for r in 1 2 4; do
    [ $ch = 2 ] && [ $r != 4 ] && continue
    expect_exit 0 $RUN -n $r "$MPIURN" sample $MR --chains $ch --output-dir "$TMP/mr$ch-$r"
    grep -v " s wall, " "$TMP/out" > "$TMP/mrsum2"
    if cmp -s "$TMP/mrsum1" "$TMP/mrsum2"; then ok; else bad "map_rect, $ch chains on $r ranks: the summary differs: $(diff "$TMP/mrsum1" "$TMP/mrsum2" | head -5)"; fi
    for c in $(seq 1 $ch); do
      if [ "$(strip "$TMP/mr$ch/map_rect_logit-$c.csv")" = "$(strip "$TMP/mr$ch-$r/map_rect_logit-$c.csv")" ] && [ -s "$TMP/mr$ch/map_rect_logit-$c.csv" ]; then ok
      else bad "map_rect, $ch chains on $r ranks: chain $c's file differs: $(diff "$TMP/mr$ch/map_rect_logit-$c.csv" "$TMP/mr$ch-$r/map_rect_logit-$c.csv" | head -5)"; fi
    done
  done
done
# a phi too wide for the header's broadcast (302 values > MAP_INLINE's 227: phi goes in two broadcasts of its own)
sed 's/map_rect(job, phi,/map_rect(job, append_row(phi, rep_vector(0.5, 300)),/' tests/data/map_rect_logit.stan > "$TMP/mrw.stan"
# --init 0.5: no Pathfinder start here (the checks above run it over ranks): its ~14,600 evaluations are each a
# broadcast and a gather between two ranks, ~25 us at idle but a scheduler slice each when the ranks are
# oversubscribed on a loaded machine (one full run at load ~10 reached the 300 s timeout in it)
MRW="$TMP/mrw.stan --data tests/data/map_rect_logit.json --seed 5 --warmup 30 --draws 20 --refresh 0 --chains 1 --init 0.5"
expect_exit 0 "$URN" sample $MRW --output-dir "$TMP/mrw1"
expect_exit 0 $RUN -n 2 "$MPIURN" sample $MRW --output-dir "$TMP/mrw2"
if [ "$(strip "$TMP/mrw1/mrw-1.csv")" = "$(strip "$TMP/mrw2/mrw-1.csv")" ] && [ -s "$TMP/mrw1/mrw-1.csv" ]; then ok
else bad "map_rect with a wide phi on 2 ranks: the file differs: $(diff "$TMP/mrw1/mrw-1.csv" "$TMP/mrw2/mrw-1.csv" | head -5)"; fi
# the last job (on rank 1) always rejects: every rank exits non-zero with the job's message, as in one process
sed 's/int n = size(xi);/int n = size(xi); if (xr[1] > 1 \&\& xr[1] < 1.5) reject("job too big: ", xr[1]);/' tests/data/map_rect_logit.stan > "$TMP/mrr.stan"
expect_exit 1 $RUN -n 2 "$MPIURN" sample "$TMP/mrr.stan" --data tests/data/map_rect_logit.json --chains 1 --output-dir "$TMP/mrr"
expect_err "job too big: 1.0192"
expect_err "failed after 100 attempts"
echo 'parameters { real x; } model { x ~ nonsense(1); }' > "$TMP/bad.stan"
expect_exit 1 $RUN -n 2 "$MPIURN" sample "$TMP/bad.stan" --chains 2
expect_err "nonsense"
# an interrupted run (SIGINT to mpirun, which sends SIGTERM to the ranks) leaves readable files.  mpirun
# SIGKILLs ranks still alive 1 s after its SIGTERM (odls_base_sigkill_timeout), and a rank's last act is the
# fsync of its file: --thin keeps the files small so that the fsync fits in that second on a slow disk (CI's
# run of 5da1184 wrote ~50 MB per rank unthinned and lost the race: .part files, no message); the timeout is
# raised to 10 s here, which a loaded machine needs (at load 21 on 2 cores the ranks were killed before writing)
echo 'parameters { vector[20] x; } model { x ~ normal(0, 1); }' > "$TMP/slow.stan"
mpirun_of() { local p; p=$(pgrep -x mpirun -P "$1" 2>/dev/null); echo "${p:-$1}"; } # the mpirun under $RUN's timeout
OMPI_MCA_odls_base_sigkill_timeout=10 $RUN -n 2 "$MPIURN" sample "$TMP/slow.stan" --chains 2 --seed 3 --output-dir "$TMP/sl" --draws 50000000 --thin 1000 --refresh 0 >"$TMP/sl.out" 2>&1 &
pid=$!
# both ranks past the Pathfinder start (each runs it whole) and sampling: both chains' files begun
i=0; while [ $i -lt 300 ] && ! { [ -s "$TMP/sl/slow-1.csv.part" ] && [ -s "$TMP/sl/slow-2.csv.part" ]; } && ! [ -s "$TMP/sl/slow-2.csv" ]; do sleep 0.2; i=$((i + 1)); done
# the SIGINT goes to mpirun itself, not to $RUN's `timeout`: timeout passes a signal on to its child AND to its
# process group, so mpirun got two SIGINTs, and when they were not merged it took the second for a user's second
# Ctrl-C and SIGKILLed the ranks at once (no message, .part files: session 7's and 3413094's failures; reproduced
# by two SIGINTs 0.3 s apart)
sleep 2; kill -INT "$(mpirun_of $pid)"; wait $pid; rc=$?
[ "$rc" != 0 ] && ok || bad "an interrupted MPI run exited 0"
grep -q "hold the draws made so far" "$TMP/sl.out" && ok || bad "no interruption message: $(head -c 300 "$TMP/sl.out"); files: $(ls -l "$TMP/sl" 2>&1)"
expect_exit 0 "$URN" summary "$TMP/sl/slow-1.csv" "$TMP/sl/slow-2.csv"
expect_out "x.20"
# interrupted during the Pathfinder start that every rank runs before its chains (CI's run of bfc494c signalled one
# rank still in it): every rank exits non-zero, no hang, rank 0 says the run stopped in Pathfinder, no files (as
# one process).  The evaluations are slow (~2 ms), so Pathfinder lasts many seconds after both ranks' transformed
# data printed; the SIGINT to mpirun reaches the ranks as SIGTERM (they ignore SIGINT in a background job).
cp tests/data/pathfinder_slow.stan "$TMP/pf.stan"
# pf.out exists before the job starts: CI's run of 3413094 read it before the background shell had opened it, so
# the wait loop's test failed at once (grep: no such file), the loop ended and SIGINT went to an mpirun whose ranks
# had not started (no message at all).  A missing count counts as 0, never as the end of the wait.
: > "$TMP/pf.out"
OMPI_MCA_odls_base_sigkill_timeout=10 $RUN -n 2 "$MPIURN" sample "$TMP/pf.stan" --chains 2 --seed 3 --output-dir "$TMP/pf" --refresh 0 >>"$TMP/pf.out" 2>"$TMP/pf.err" &
pid=$!
i=0; while [ $i -lt 600 ]; do n=$(grep -c "data ready" "$TMP/pf.out" 2>/dev/null); [ "${n:-0}" -ge 2 ] && break; sleep 0.1; i=$((i + 1)); done
[ $i -lt 600 ] && ok || bad "interrupted in Pathfinder: the ranks' transformed data never printed in 60 s: $(head -c 300 "$TMP/pf.out")"
sleep 1; kill -INT "$(mpirun_of $pid)"; wait $pid; rc=$?
[ "$rc" != 0 ] && ok || bad "an MPI run interrupted in Pathfinder exited 0"
grep -q "before any draw was made (during the Pathfinder start, before the chains began): no files were written" "$TMP/pf.err" \
  && ok || bad "interrupted in Pathfinder: message $(head -c 300 "$TMP/pf.err")"
[ -z "$(ls -A "$TMP/pf" 2>/dev/null)" ] && ok || bad "interrupted in Pathfinder: files left: $(ls "$TMP/pf")"
# input-driven transitions (--transition-x, docs/hmm.md): the transition M-step's Newton passes (objective,
# gradients and Hessians per origin state) are added over the ranks in rank order, each rank keeping its own
# steps' expected transition counts.  tests/data/hmm_trans.csv (2 sequences of 400 steps; maximum likelihood, 6
# search restarts, standard errors): 1 rank, and 2 ranks (the cut puts both sequences on rank 0), give one
# process's file bit for bit, standard errors (rank 0 re-reads the whole file with its u column) included; on 4
# ranks (a sequence on each of ranks 0 and 1) the parameters, fit record and trace agree to 1e-12 and the standard
# errors to 1e-5: they come from a central-difference Hessian (steps 1e-4), which turns the last-bit differences of
# the fitted parameters into ~1e-6 of its own (one process with 2 threads instead of 1 moves them as much)
near_tv() { # A B TOL SETOL: parameters and fit record (trace included) to TOL, standard errors to SETOL
  if "$PY" - "$@" <<'PYEOF'; then ok; else bad "$1 vs $2 differ by more than $3 (standard errors $4)"; fi
import json, sys
def flat(x):
    if isinstance(x, list): return [v for i in x for v in flat(i)]
    if isinstance(x, dict): return [v for k in sorted(x) for v in flat(x[k])]
    return [x] if isinstance(x, (int, float)) and not isinstance(x, bool) else []
a, b = (json.load(open(p)) for p in sys.argv[1:3])
se_a, se_b = flat(a["fit"].pop("standard_errors", {})), flat(b["fit"].pop("standard_errors", {}))
pa, pb = flat(a["params"]) + flat(a["fit"]), flat(b["params"]) + flat(b["fit"])
worst = max(abs(x - y) / max(1.0, abs(x)) for x, y in zip(pa, pb)) if len(pa) == len(pb) else 1e300
worst_se = max([abs(x - y) / abs(x) for x, y in zip(se_a, se_b)] + [0.0]) if len(se_a) == len(se_b) else 1e300
print("worst", worst, len(pa), "standard errors", worst_se, len(se_a))
sys.exit(0 if worst <= float(sys.argv[3]) and worst_se <= float(sys.argv[4]) and len(pa) > 20 else 1)
PYEOF
}
TV="--y y --transition-x u --seq session"
expect_exit 0 "$URN" hmm fit tests/data/hmm_trans.csv --states 2 $TV --prior none --restarts 6 --out "$TMP/tv-one.json" --quiet
grep -q '"transition_weights": \[\[\[0\.1' "$TMP/tv-one.json" && ok || bad "no standard errors of the transition weights"
for r in 1 2 4; do
  expect_exit 0 $RUN -n $r "$MPIURN" hmm fit tests/data/hmm_trans.csv --states 2 $TV --prior none --restarts 6 --out "$TMP/tv-mpi$r.json" --quiet
  expect_exit 0 grep -o '"loglik": -1198.07456586' "$TMP/tv-mpi$r.json"
done
cmp -s "$TMP/tv-one.json" "$TMP/tv-mpi1.json" && ok || bad "--transition-x on 1 rank is not one process's fit bit for bit"
cmp -s "$TMP/tv-one.json" "$TMP/tv-mpi2.json" && ok || bad "--transition-x on 2 ranks (data on rank 0) is not one process's fit bit for bit"
near_tv "$TMP/tv-one.json" "$TMP/tv-mpi4.json" 1e-12 1e-5
# 8 sequences of 100 steps (hmm_trans.csv's cut in four), so that every rank holds some: MAP with 2 and 3 states,
# search restarts (k-means, random partitions, perturbations of the best, on rank 0 from every rank's sequences),
# 2 threads per rank, on 2, 3 and 4 ranks; the 3-state model's standard errors move by 4e-5 with the last bits
# of its parameters (2.5e-5 between 1 and 2 threads in one process)
awk -F, 'NR == 1 { print; next } { printf "%s_%d,%s,%s,%s,%s\n", $1, int($2 / 100), $2, $3, $4, $5 }' tests/data/hmm_trans.csv > "$TMP/tv8.csv"
for K in 2 3; do
  expect_exit 0 "$URN" hmm fit "$TMP/tv8.csv" --states $K $TV --restarts 4 --out "$TMP/tv8-one-$K.json" --quiet
  for r in 2 3 4; do
    expect_exit 0 $RUN -n $r "$MPIURN" hmm fit "$TMP/tv8.csv" --states $K $TV --restarts 4 --threads 2 --out "$TMP/tv8-mpi$r-$K.json" --quiet
    near_tv "$TMP/tv8-one-$K.json" "$TMP/tv8-mpi$r-$K.json" 1e-12 $([ $K = 2 ] && echo 1e-5 || echo 2e-4)
  done
done
# from a parameter file (--init FILE), and a file per rank (no standard errors: rank 0 holds only its share)
expect_exit 0 "$URN" hmm fit "$TMP/tv8.csv" --states 3 $TV --init "$TMP/tv8-one-3.json" --iters 10 --tol 0 --no-se --out "$TMP/tv8-one-f.json" --quiet
expect_exit 0 $RUN -n 4 "$MPIURN" hmm fit "$TMP/tv8.csv" --states 3 $TV --init "$TMP/tv8-one-3.json" --iters 10 --tol 0 --no-se --out "$TMP/tv8-mpi4-f.json" --quiet
near_tv "$TMP/tv8-one-f.json" "$TMP/tv8-mpi4-f.json" 1e-12 0
head -n 1 "$TMP/tv8.csv" | tee "$TMP/tv-part-0.csv" > "$TMP/tv-part-1.csv"
grep '^0_' "$TMP/tv8.csv" >> "$TMP/tv-part-0.csv"; grep '^1_' "$TMP/tv8.csv" >> "$TMP/tv-part-1.csv"
expect_exit 0 $RUN -n 2 "$MPIURN" hmm fit "$TMP/tv-part-{rank}.csv" --states 2 $TV --restarts 4 --out "$TMP/tv-parts.json" --quiet
"$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); d["fit"].pop("standard_errors"); json.dump(d, open(sys.argv[2], "w"))' \
  "$TMP/tv8-one-2.json" "$TMP/tv8-one-2-nose.json"
near_tv "$TMP/tv8-one-2-nose.json" "$TMP/tv-parts.json" 1e-12 0
grep -q '"standard_errors"' "$TMP/tv-parts.json" && bad "standard errors from rank 0's share of the data" || ok
# a bad transition input in rank 1's part (the --transition-x columns are read after the others): every rank
# stops with rank 1's message, no hang; a missing column: the message on every rank
sed '700s/^\([^,]*,[^,]*,[^,]*\),[^,]*,/\1,oops,/' "$TMP/tv8.csv" > "$TMP/tv8-bad.csv"
expect_exit 1 $RUN -n 2 "$MPIURN" hmm fit "$TMP/tv8-bad.csv" --states 2 $TV --quiet
expect_err "rank 1: $TMP/tv8-bad.csv:700: column 'u': 'oops' is not a number"
expect_exit 1 $RUN -n 2 "$MPIURN" hmm fit "$TMP/tv8.csv" --states 2 --y y --transition-x uu --seq session --quiet
expect_err "no column named 'uu'"
done_tests
