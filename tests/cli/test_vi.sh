# tests/cli/test_vi.sh — `urn pathfinder`, `urn variational`, the CmdStan-compatible executables'
# pathfinder and variational methods, and `urn sample --init pathfinder`, on a normal model with a
# closed-form posterior (y ~ normal(mu, 1), mu ~ normal(0, 10): mu | y ~ N(3.0, 0.447^2) for the
# five points below): CSV layout as CmdStan writes it (config block, header, variational's eta
# comments and mean row, pathfinder's timing comments), means within 0.15 of the posterior's (ADVI:
# 0.25, about half a posterior sd: its stochastic optimum), the same CSV for the same seed,
# CmdStan's argument errors, usage errors with exit 2.
. tests/cli/lib.sh

cat > "$TMP/nrm.stan" <<'STAN'
data { int N; vector[N] y; }
parameters { real mu; real<lower=0> tau; }
model { mu ~ normal(0, 10); y ~ normal(mu, 1); tau ~ exponential(1); }
generated quantities { real mu2 = 2 * mu; }
STAN
echo '{"N": 5, "y": [2.1, 3.9, 3.3, 2.4, 3.3]}' > "$TMP/nrm.json"
# posterior mean of mu: sum(y) / (N + 1/100) = 15 / 5.01
MU=2.994

# column mean of NAME in a Stan CSV (skipping the first SKIP data rows)
colmean() { awk -F, -v name="$2" -v skip="${3:-0}" '/^#/ { next } !h { for (i = 1; i <= NF; i++) if ($i == name) c = i; h = 1; next }
  { if (++r > skip) { s += $c; n++ } } END { printf "%.4f\n", s / n }' "$1"; }
near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { exit !((a - b) < t && (b - a) < t) }'; }
rows() { grep -v '^#' "$1" | tail -n +2 | wc -l | tr -d ' '; }

# ---- urn pathfinder ----
expect_exit 0 "$URN" pathfinder "$TMP/nrm.stan" --data "$TMP/nrm.json" --seed 3 --output "$TMP/pf.csv"
expect_out "Written to $TMP/pf.csv"
expect_out "PSIS Pareto k"
if [ "$(grep -v '^#' "$TMP/pf.csv" | head -1)" = "lp_approx__,lp__,mu,tau,mu2" ]; then ok; else bad "pathfinder header"; fi
if [ "$(rows "$TMP/pf.csv")" = 1000 ]; then ok; else bad "pathfinder rows $(rows "$TMP/pf.csv")"; fi
m=$(colmean "$TMP/pf.csv" mu); if near "$m" $MU 0.15; then ok; else bad "pathfinder mean of mu $m (want $MU)"; fi
if grep -q '^# method = pathfinder' "$TMP/pf.csv" && grep -q '^#     num_paths = 4 (Default)' "$TMP/pf.csv"; then ok
else bad "pathfinder config block"; fi
if grep -q 'seconds (Pathfinders)' "$TMP/pf.csv" && grep -q 'seconds (PSIS)' "$TMP/pf.csv"; then ok; else bad "pathfinder timing"; fi
expect_exit 0 "$URN" pathfinder "$TMP/nrm.stan" --data "$TMP/nrm.json" --seed 3 --output "$TMP/pf2.csv"
if [ "$(grep -v '^#' "$TMP/pf.csv")" = "$(grep -v '^#' "$TMP/pf2.csv")" ]; then ok; else bad "pathfinder: same seed, other draws"; fi
expect_exit 0 "$URN" pathfinder "$TMP/nrm.stan" --data "$TMP/nrm.json" --num-paths 1 --draws 300 --output "$TMP/pf1.csv"
if [ "$(rows "$TMP/pf1.csv")" = 300 ]; then ok; else bad "single path rows $(rows "$TMP/pf1.csv")"; fi
expect_exit 0 "$URN" pathfinder "$TMP/nrm.stan" --data "$TMP/nrm.json" --num-paths 2 --draws 50 --no-psis-resample \
  --output "$TMP/pfa.csv"
if [ "$(rows "$TMP/pfa.csv")" = 100 ]; then ok; else bad "no resampling: every path's draws ($(rows "$TMP/pfa.csv"))"; fi
expect_exit 2 "$URN" pathfinder "$TMP/nrm.stan" --draws 0
expect_err "option --draws"
expect_exit 2 "$URN" pathfinder "$TMP/nrm.stan" --num-paths -1
expect_err "num_paths"
expect_exit 2 "$URN" pathfinder "$TMP/nrm.stan" --history-size 0
expect_exit 2 "$URN" pathfinder
expect_exit 1 "$URN" pathfinder "$TMP/nrm.stan" --data "$TMP/missing.json"

# ---- urn variational ----
for algo in meanfield fullrank; do
  expect_exit 0 "$URN" variational "$TMP/nrm.stan" --data "$TMP/nrm.json" --algorithm $algo --seed 2 --output "$TMP/vb-$algo.csv"
  if [ "$(grep -v '^#' "$TMP/vb-$algo.csv" | head -1)" = "lp__,log_p__,log_g__,mu,tau,mu2" ]; then ok; else bad "$algo header"; fi
  if [ "$(rows "$TMP/vb-$algo.csv")" = 1001 ]; then ok; else bad "$algo rows"; fi
  first=$(grep -v '^#' "$TMP/vb-$algo.csv" | sed -n 2p | cut -d, -f1-3)
  if [ "$first" = "0,0,0" ]; then ok; else bad "$algo: mean row starts $first"; fi
  m=$(colmean "$TMP/vb-$algo.csv" mu 1); if near "$m" $MU 0.25; then ok; else bad "$algo mean of mu $m (want $MU)"; fi
  if grep -q '^# Stepsize adaptation complete.' "$TMP/vb-$algo.csv" && grep -q '^# eta = ' "$TMP/vb-$algo.csv"; then ok
  else bad "$algo: eta comments"; fi
  if grep -q "^#     algorithm = $algo" "$TMP/vb-$algo.csv"; then ok; else bad "$algo config"; fi
done
expect_exit 0 "$URN" variational "$TMP/nrm.stan" --data "$TMP/nrm.json" --seed 2 --output "$TMP/vb2.csv"
if [ "$(grep -v '^#' "$TMP/vb-meanfield.csv")" = "$(grep -v '^#' "$TMP/vb2.csv")" ]; then ok; else bad "variational: same seed, other draws"; fi
expect_exit 0 "$URN" variational "$TMP/nrm.stan" --data "$TMP/nrm.json" --no-adapt --eta 0.5 --draws 10 --output "$TMP/vb3.csv"
if ! grep -q 'Stepsize adaptation' "$TMP/vb3.csv" && [ "$(rows "$TMP/vb3.csv")" = 11 ]; then ok; else bad "no adaptation, 10 draws"; fi
expect_exit 2 "$URN" variational "$TMP/nrm.stan" --algorithm fast
expect_err "meanfield, fullrank"
expect_exit 2 "$URN" variational "$TMP/nrm.stan" --eta 0
expect_exit 2 "$URN" variational "$TMP/nrm.stan" --grad-samples 0
expect_exit 2 "$URN" variational "$TMP/nrm.stan" --draws -3
expect_exit 2 "$URN" variational "$TMP/nrm.stan" --tol-rel-obj x

# ---- outputs that are not plain files, requests memory cannot hold, stopping (docs/errors.md) ----
d="--data $TMP/nrm.json"
# a device node of our own, never /dev/full itself (a urn without the fix renamed its CSV over the device node)
if [ "$(id -u)" = 0 ] && mknod "$TMP/full" c 1 7 2>/dev/null; then
  expect_exit 1 "$URN" pathfinder "$TMP/nrm.stan" $d --output "$TMP/full"
  expect_err "urn pathfinder: $TMP/full: write failed: No space left on device"
  if [ -c "$TMP/full" ]; then ok; else bad "pathfinder replaced a device node by its CSV"; fi
  expect_exit 1 "$URN" variational "$TMP/nrm.stan" $d --output "$TMP/full"
  expect_err "urn variational: $TMP/full: write failed: No space left on device"
  if [ -c "$TMP/full" ]; then ok; else bad "variational replaced a device node by its CSV"; fi
  expect_exit 1 "$URN" compile "$TMP/nrm.stan" -o "$TMP/full"
  expect_err "not a regular file"
  if [ -c "$TMP/full" ]; then ok; else bad "compile replaced a device node"; fi
  expect_exit 1 "$URN" compile "$TMP/nrm.stan" --bridgestan -o "$TMP/full"
  if [ -c "$TMP/full" ]; then ok; else bad "compile --bridgestan replaced a device node"; fi
  expect_exit 1 "$URN" format "$TMP/nrm.stan" -o "$TMP/full"
  expect_err "No space left on device"
  if [ -c "$TMP/full" ]; then ok; else bad "format replaced a device node"; fi
else
  echo "skipped: mknod (needs root): outputs that are device nodes"
fi
# a FIFO gets the CSV
mkfifo "$TMP/fifo"
timeout 60 cat "$TMP/fifo" > "$TMP/fifo.csv" &
expect_exit 0 "$URN" pathfinder "$TMP/nrm.stan" $d --draws 7 --output "$TMP/fifo"
wait
if [ "$(rows "$TMP/fifo.csv")" = 7 ] && [ -p "$TMP/fifo" ]; then ok; else bad "pathfinder into a FIFO"; fi
timeout 60 cat "$TMP/fifo" > "$TMP/fifo.csv" &
expect_exit 0 "$URN" variational "$TMP/nrm.stan" $d --draws 9 --output "$TMP/fifo"
wait
if [ "$(rows "$TMP/fifo.csv")" = 10 ] && [ -p "$TMP/fifo" ]; then ok; else bad "variational into a FIFO"; fi
expect_exit 1 "$URN" pathfinder "$TMP/nrm.stan" $d --output "$TMP"
expect_err "is a folder; give a file name"
expect_exit 1 "$URN" compile "$TMP/nrm.stan" -o "$TMP"
expect_err "it is a folder"
# requests memory cannot hold: an error, not an abort
expect_exit 1 "$URN" pathfinder "$TMP/nrm.stan" $d --num-paths 1000000000
expect_err "urn pathfinder: out of memory: 1000000000 paths x 1000 draws"
expect_exit 0 "$URN" pathfinder "$TMP/nrm.stan" $d --num-paths 1 --history-size 100000000 --output "$TMP/h.csv"
# SIGINT, SIGTERM, --timeout: stopped, nothing written
expect_exit 124 "$URN" pathfinder "$TMP/nrm.stan" $d --elbo-draws 100000000 --timeout 0.5 --output "$TMP/t.csv"
expect_err "urn pathfinder: stopped at the time limit (--timeout 0.5 s); nothing written"
if [ ! -e "$TMP/t.csv" ] && [ ! -e "$TMP/t.csv.part" ]; then ok; else bad "a stopped pathfinder left a file"; fi
expect_exit 124 "$URN" variational "$TMP/nrm.stan" $d --grad-samples 100000000 --timeout 0.5 --output "$TMP/t.csv"
if [ ! -e "$TMP/t.csv" ] && [ ! -e "$TMP/t.csv.part" ]; then ok; else bad "a stopped variational left a file"; fi

# ---- the CmdStan-compatible executable ----
expect_exit 0 "$URN" compile "$TMP/nrm.stan"
exe="$TMP/nrm"
expect_exit 0 "$exe" pathfinder num_paths=2 num_psis_draws=200 data file="$TMP/nrm.json" random seed=4 output file="$TMP/e-pf.csv"
expect_out "Path [1] :Initial log joint density"
if [ "$(rows "$TMP/e-pf.csv")" = 200 ] && grep -q '^#     num_psis_draws = 200$' "$TMP/e-pf.csv"; then ok; else bad "exe pathfinder"; fi
expect_exit 0 "$exe" variational algorithm=fullrank iter=2000 adapt engaged=1 iter=20 output_samples=30 \
  data file="$TMP/nrm.json" random seed=4 output file="$TMP/e-vb.csv"
expect_out "COMPLETED."
if [ "$(rows "$TMP/e-vb.csv")" = 31 ] && grep -q '^#       iter = 20$' "$TMP/e-vb.csv" && grep -q '^#     iter = 2000$' "$TMP/e-vb.csv"
then ok; else bad "exe variational: rows or the two iter settings"; fi
expect_exit 0 "$exe" pathfinder num_paths=2 save_single_paths=1 data file="$TMP/nrm.json" random seed=4 output file="$TMP/e-sp.csv"
if [ "$(rows "$TMP/e-sp_path_1.csv")" = 1000 ] && [ "$(rows "$TMP/e-sp_path_2.csv")" = 1000 ] && [ -s "$TMP/e-sp_path_1.json" ] \
  && [ -s "$TMP/e-sp_path_2.json" ] && [ ! -e "$TMP/e-sp_path_3.csv" ]; then ok; else bad "exe save_single_paths=1 files"; fi
expect_exit 0 "$exe" pathfinder num_paths=2 save_single_paths=1 id=3 data file="$TMP/nrm.json" output file="$TMP/e-id.csv"
if [ -f "$TMP/e-id_path_3.csv" ] && [ -f "$TMP/e-id_path_4.json" ]; then ok; else bad "exe save_single_paths: ids from id="; fi
expect_exit 1 "$exe" variational algorithm=quick data file="$TMP/nrm.json"
expect_err "quick is not a valid value"
expect_exit 1 "$exe" pathfinder num_draws=0 data file="$TMP/nrm.json"
expect_err "num_draws"
expect_exit 1 "$exe" variational eta=-1 data file="$TMP/nrm.json"

# ---- save_single_paths: CmdStan's per-path files (OUT_path_N.csv / .json; OUT.json with one path) ----
# a Gaussian with a known covariance: some iteration of every path has x_center = the mean (1e-5) and
# H = L_approx' L_approx = the covariance (3% of the variances: the last pairs are steps of 1e-6);
# logDetCholHk = sum log diag(L_approx); the main CSV's draws are the same with and without the flag and
# each of them is a draw of one of the paths' files
cat > "$TMP/g2.stan" <<'STAN'
parameters { vector[2] x; }
model { x ~ multi_normal([1, -2]', [[2, 0.6], [0.6, 0.5]]); }
STAN
expect_exit 0 "$URN" pathfinder "$TMP/g2.stan" --seed 1 --output "$TMP/g.csv"
expect_exit 0 "$URN" pathfinder "$TMP/g2.stan" --seed 1 --save-single-paths --output "$TMP/gs.csv"
if [ "$(grep -v '^#' "$TMP/g.csv")" = "$(grep -v '^#' "$TMP/gs.csv")" ]; then ok; else bad "save_single_paths changed the draws"; fi
if grep -q '^#     save_single_paths = 1$' "$TMP/gs.csv"; then ok; else bad "save_single_paths in the config block"; fi
for p in 1 2 3 4; do
  if [ -f "$TMP/gs_path_$p.csv" ] && [ -f "$TMP/gs_path_$p.json" ]; then ok; else bad "path $p files"; fi
done
if [ "$(grep -v '^#' "$TMP/gs_path_3.csv" | head -1)" = "lp_approx__,lp__,x.1,x.2" ] && [ "$(rows "$TMP/gs_path_3.csv")" = 1000 ] \
  && grep -q '^# Elapsed Time: .* seconds (Pathfinder)$' "$TMP/gs_path_3.csv" && grep -q '^# method = pathfinder' "$TMP/gs_path_3.csv"
then ok; else bad "path CSV layout"; fi
/usr/bin/python3 - "$TMP" <<'PY' && ok || bad "save_single_paths: the paths' approximations or draws"
import json, math, sys
t = sys.argv[1]
S = [[2, 0.6], [0.6, 0.5]]
def data(f):
    return [l for l in open(f).read().splitlines() if not l.startswith("#")][1:]
pool = set()
for p in range(1, 5):
    d = json.load(open("%s/gs_path_%d.json" % (t, p)))
    assert list(d)[0] == "0" and set(d["0"]) == {"iter", "unconstrained_parameters", "grads"}, d["0"]
    good = 0
    for k, v in d.items():
        assert int(k) == v["iter"]
        if not v.get("pathfinder_success"):
            continue
        assert v["full"] and v["Qk"] == [] and v["lbfgs_success"] and len(v["alpha"]) == 2
        L = v["L_approx"]
        assert L[1][0] == 0 and abs(v["logDetCholHk"] - math.log(L[0][0] * L[1][1])) < 1e-9
        H = [[sum(L[r][i] * L[r][j] for r in range(2)) for j in range(2)] for i in range(2)]
        mu_ok = abs(v["x_center"][0] - 1) < 1e-5 and abs(v["x_center"][1] + 2) < 1e-5
        good += mu_ok and all(abs(H[i][j] - S[i][j]) < 0.03 * S[i][i] for i in range(2) for j in range(2))
    assert good, "path %d: no iteration recovers the mean and covariance" % p
    pool |= set(data("%s/gs_path_%d.csv" % (t, p)))
main = data("%s/gs.csv" % t)
assert len(main) == 1000 and all(r in pool for r in main), "a resampled draw is in no path's file"
PY
expect_exit 0 "$URN" pathfinder "$TMP/g2.stan" --seed 1 --num-paths 1 --save-single-paths --output "$TMP/g1.csv"
if [ -f "$TMP/g1.json" ] && [ ! -e "$TMP/g1_path_1.csv" ] && [ "$(rows "$TMP/g1.csv")" = 1000 ]; then ok; else bad "one path: OUT.json"; fi
touch "$TMP/gt_path_2.json"
expect_exit 1 "$URN" pathfinder "$TMP/g2.stan" --seed 1 --save-single-paths --output "$TMP/gt.csv"
expect_err "gt_path_2.json exists (from an earlier run); use --overwrite"
if [ ! -e "$TMP/gt.csv" ] && [ ! -e "$TMP/gt_path_1.json.part" ]; then ok; else bad "a refused run left files"; fi
expect_exit 0 "$URN" pathfinder "$TMP/g2.stan" --seed 1 --save-single-paths --output "$TMP/gt.csv" --overwrite
if [ -s "$TMP/gt_path_2.json" ]; then ok; else bad "--overwrite replaces a path file"; fi

# ---- urn sample --init pathfinder ----
expect_exit 0 "$URN" sample "$TMP/nrm.stan" --data "$TMP/nrm.json" --init pathfinder --chains 2 --warmup 200 --draws 200 \
  --seed 5 --refresh 0 --output-dir "$TMP/s"
expect_out "--init pathfinder: 4 paths"
if grep -q '^# init = pathfinder' "$TMP"/s/nrm-1.csv; then ok; else bad "init recorded"; fi
# every path fails: a clear error, no chain, no crash
printf 'parameters { real x; }\nmodel { if (x > -100) reject("x too large: ", x); x ~ normal(0, 1); }\n' > "$TMP/rj.stan"
expect_exit 1 "$URN" sample "$TMP/rj.stan" --init pathfinder --chains 1 --warmup 10 --draws 10 --output-dir "$TMP/rj"
expect_err "urn sample: None of the 4 Pathfinder paths succeeded; the last one: initialization between (-2, 2) failed"
done_tests
